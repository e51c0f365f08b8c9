// SPDX-License-Identifier: BSD-2-Clause
/*
 * librheap's device API (include/rheap/rheap.h): attachments and device
 * commands over a connection of their own to rheapd (RHEAPD_OP_ATTACH,
 * _DETACH, _DEVICE). Thread-safe: the connection's lock serialises each
 * request with its response.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>

#include "lib/lib_internal.h"

/* ATTACH responses: the header, then at most this many segments. */
#define DEVICE_SEGS_MAX ((RHEAPD_MSG_MAX - sizeof(struct rheapd_hdr) -       \
			  sizeof(struct rheapd_attach_resp)) /                \
			 sizeof(struct rheapd_attach_seg))
#define DEVICE_CONFIG_MAX (64u * 1024u)

/**
 * struct rheap_device - an open device
 * @conn: its own rheapd connection
 * @name: the device's name, NUL-terminated in RHEAPD_DEVICE_NAME_MAX
 */
struct rheap_device {
	struct lib_conn conn;
	char name[RHEAPD_DEVICE_NAME_MAX];
};

_Static_assert(RHEAP_DEVICE_NAME_MAX == RHEAPD_DEVICE_NAME_MAX,
	       "device names agree");
_Static_assert(RHEAP_DEVICE_ATTACH_WRITE == RHEAPD_ATTACH_WRITE,
	       "attach flags agree");

int rheap_device_open(const char *name, struct rheap_device **out)
{
	struct rheap_device *dev = NULL;
	size_t len = 0;
	int rc = 0;

	if (name == NULL || out == NULL) {
		return -EINVAL;
	}
	len = strnlen(name, RHEAP_DEVICE_NAME_MAX);
	if (len == 0 || len >= RHEAP_DEVICE_NAME_MAX) {
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		return -ENOMEM;
	}
	dev->conn.sock = -1;
	memcpy(dev->name, name, len);
	if (pthread_mutex_init(&dev->conn.lock, NULL) != 0) {
		rc = -ENOMEM;
		goto err_free;
	}
	rc = lib_conn_open(&dev->conn);
	if (rc != 0) {
		goto err_mutex;
	}
	*out = dev;
	return 0;

err_mutex:
	pthread_mutex_destroy(&dev->conn.lock);
err_free:
	free(dev);
	return rc;
}

void rheap_device_close(struct rheap_device *dev)
{
	if (dev == NULL) {
		return;
	}
	lib_conn_close(&dev->conn);
	pthread_mutex_destroy(&dev->conn.lock);
	free(dev);
}

int rheap_device_attach(struct rheap_device *dev, int fd, uint32_t flags,
			uint64_t *attach_id, struct rheap_device_seg *segs,
			size_t cap, size_t *count)
{
	struct rheapd_attach_req r = { .flags = flags };
	struct lib_call call = { .op = RHEAPD_OP_ATTACH };
	uint8_t *resp = NULL;
	size_t resp_cap = sizeof(struct rheapd_attach_resp) +
			  DEVICE_SEGS_MAX * sizeof(struct rheapd_attach_seg);
	size_t n = 0;
	uint64_t id = 0;
	int rc = 0;

	if (dev == NULL || fd < 0 || attach_id == NULL ||
	    (segs == NULL && cap != 0) ||
	    (flags & ~RHEAP_DEVICE_ATTACH_WRITE) != 0) {
		return -EINVAL;
	}
	resp = malloc(resp_cap);
	if (resp == NULL) {
		return -ENOMEM;
	}
	memcpy(r.device, dev->name, sizeof(r.device));
	call.req = &r;
	call.req_len = sizeof(r);
	call.send_fd = fd;
	call.resp = resp;
	call.resp_cap = resp_cap;
	rc = lib_conn_call(&dev->conn, &call);
	if (rc == 0) {
		rc = lib_attach_resp_decode(resp, call.resp_len, &id, segs,
					    cap, &n);
	}
	if (rc == 0) {
		*attach_id = id;
		if (count != NULL) {
			*count = n;
		}
	}
	free(resp);
	return rc;
}

int rheap_device_detach(struct rheap_device *dev, uint64_t attach_id)
{
	struct rheapd_detach_req r = { .attach_id = attach_id };
	struct lib_call call = { .op = RHEAPD_OP_DETACH };

	if (dev == NULL) {
		return -EINVAL;
	}
	call.req = &r;
	call.req_len = sizeof(r);
	call.send_fd = -1;
	return lib_conn_call(&dev->conn, &call);
}

int rheap_device_cmd(struct rheap_device *dev, uint32_t cmd,
		     const uint64_t args[8], int fd, uint64_t res[8])
{
	struct rheapd_device_req r = { .cmd = cmd };
	struct rheapd_device_resp w = { { 0 } };
	struct lib_call call = { .op = RHEAPD_OP_DEVICE };
	uint64_t out[8] = { 0 };
	int rc = 0;
	int dec = 0;

	if (res != NULL) {
		memset(res, 0, 8 * sizeof(res[0]));
	}
	if (dev == NULL || args == NULL) {
		return -EINVAL;
	}
	memcpy(r.device, dev->name, sizeof(r.device));
	memcpy(r.args, args, sizeof(r.args));
	call.req = &r;
	call.req_len = sizeof(r);
	call.send_fd = fd;
	call.resp = &w;
	call.resp_cap = sizeof(w);
	rc = lib_conn_call(&dev->conn, &call);
	if (rc == -ENOENT && lib_conn_dead(&dev->conn)) {
		return rc;
	}
	dec = lib_device_resp_decode(&w, call.resp_len, rc, out);
	if (dec != 0) {
		return dec;
	}
	if (res != NULL) {
		memcpy(res, out, sizeof(out));
	}
	return rc;
}

int rheap_device_memfd(const void *data, size_t len)
{
	int fd = -1;

	if (data == NULL || len == 0 || len > DEVICE_CONFIG_MAX) {
		return -EINVAL;
	}
	fd = memfd_create("rheap-device-config",
			  MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		return -ENOMEM;
	}
	if (write(fd, data, len) != (ssize_t)len ||
	    fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
		    0) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}
