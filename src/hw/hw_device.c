// SPDX-License-Identifier: BSD-2-Clause
/*
 * Device models. The contract and the life cycle are in hw_device.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rheap/err.h>
#include <rheap/platform.h>

#include "hw_bus.h"
#include "hw_device.h"
#include "hw_smmu.h"

/*
 * struct hw_device - one DMA master
 * @bus, @smmu: borrowed; outlive the device
 * @desc:       the platform's description, copied at create; the SMMU's
 *              stream table agrees with it on secure capability
 * @stats:      counters; jobs >= jobs_failed
 */
struct hw_device {
	struct hw_bus *bus;
	struct hw_smmu *smmu;
	struct rheap_plat_device desc;
	struct hw_device_stats stats;
};

int hw_device_create(struct hw_bus *bus, struct hw_smmu *smmu,
		     const struct rheap_plat_device *pd,
		     struct hw_device **out)
{
	struct hw_smmu_stream_info info = { 0 };
	struct hw_device *dev = NULL;
	int rc = hw_smmu_stream_find(smmu, pd->stream_id, &info);

	if (rc) {
		return rc;
	}
	if (info.secure != pd->secure) {
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		return -ENOMEM;
	}
	dev->bus = bus;
	dev->smmu = smmu;
	dev->desc = *pd;
	dev->desc.name[RHEAP_PLAT_NAME_MAX - 1] = '\0';
	*out = dev;
	return 0;
}

void hw_device_destroy(struct hw_device *dev)
{
	free(dev);
}

const char *hw_device_name(const struct hw_device *dev)
{
	return dev->desc.name;
}

uint32_t hw_device_stream_id(const struct hw_device *dev)
{
	return dev->desc.stream_id;
}

bool hw_device_secure(const struct hw_device *dev)
{
	return dev->desc.secure;
}

uint32_t hw_device_use_case_mask(const struct hw_device *dev)
{
	return dev->desc.use_case_mask;
}

static int device_account(struct hw_device *dev, int rc, size_t size)
{
	dev->stats.jobs++;
	if (rc) {
		dev->stats.jobs_failed++;
	} else {
		dev->stats.bytes += size;
	}
	return rc;
}

int hw_device_read(struct hw_device *dev, bool secure, uint64_t iova,
		   void *buf, size_t size)
{
	return device_account(dev,
			      hw_bus_dev_read(dev->bus, dev->desc.stream_id,
					      secure, iova, buf, size),
			      size);
}

int hw_device_write(struct hw_device *dev, bool secure, uint64_t iova,
		    const void *buf, size_t size)
{
	return device_account(dev,
			      hw_bus_dev_write(dev->bus, dev->desc.stream_id,
					       secure, iova, buf, size),
			      size);
}

int hw_device_writev(struct hw_device *dev, bool secure, uint64_t iova,
		     const struct hw_bus_seg *seg, size_t count)
{
	size_t size = 0;

	for (size_t i = 0; i < count; i++) {
		size += seg[i].len; /* wraps only if the bus refuses it */
	}
	return device_account(dev,
			      hw_bus_dev_writev(dev->bus, dev->desc.stream_id,
						secure, iova, seg, count),
			      size);
}

int hw_device_copy(struct hw_device *dev, bool secure, uint64_t src_iova,
		   uint64_t dst_iova, size_t size)
{
	return device_account(dev,
			      hw_bus_dev_copy(dev->bus, dev->desc.stream_id,
					      secure, src_iova, dst_iova, size),
			      size);
}

int hw_device_reset(struct hw_device *dev)
{
	int removed = 0;
	int rc = hw_smmu_unmap_all(dev->smmu, dev->desc.stream_id,
				   HW_SMMU_CTX_NS);

	if (rc < 0) {
		return rc; /* create checked the stream: not reached */
	}
	removed = rc;
	if (dev->desc.secure) {
		rc = hw_smmu_unmap_all(dev->smmu, dev->desc.stream_id,
				       HW_SMMU_CTX_S);
		if (rc < 0) {
			return rc;
		}
		removed += rc;
	}
	return removed;
}

void hw_device_stats_get(const struct hw_device *dev,
			 struct hw_device_stats *out)
{
	*out = dev->stats;
}
