// SPDX-License-Identifier: BSD-2-Clause
/*
 * play_dev.h over librheap's device API (include/rheap/rheap.h).
 */
#include <stdlib.h>

#include <rheap/err.h>
#include <rheap/rheap.h>

#include "play_dev.h"

struct play_dev {
	struct rheap_device *dev;
};

int play_dev_open(const char *name, struct play_dev **out)
{
	struct play_dev *d = calloc(1, sizeof(*d));
	int rc = 0;

	if (!d) {
		return -ENOMEM;
	}
	rc = rheap_device_open(name, &d->dev);
	if (rc != 0) {
		free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void play_dev_close(struct play_dev *d)
{
	if (!d) {
		return;
	}
	rheap_device_close(d->dev);
	free(d);
}

int play_dev_attach(struct play_dev *d, int fd, bool write,
		    uint64_t *attach_id, uint32_t *seg_count)
{
	struct rheap_device_seg segs[4] = { 0 };
	size_t n = 0;
	int rc = rheap_device_attach(d->dev, fd,
				     write ? RHEAP_DEVICE_ATTACH_WRITE : 0u,
				     attach_id, segs, 4, &n);

	if (rc == 0) {
		*seg_count = (uint32_t)n;
	}
	return rc;
}

int play_dev_detach(struct play_dev *d, uint64_t attach_id)
{
	return rheap_device_detach(d->dev, attach_id);
}

int play_dev_cmd(struct play_dev *d, uint32_t cmd,
		 const uint64_t args[DEVICE_ARGS], int fd,
		 uint64_t res[DEVICE_RESULTS])
{
	return rheap_device_cmd(d->dev, cmd, args, fd, res);
}

int play_dev_config_fd(const void *data, size_t len)
{
	return rheap_device_memfd(data, len);
}
