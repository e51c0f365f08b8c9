/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Device models: the platform's DMA masters (vdec, display: secure-capable;
 * gpu, dma: non-secure only) with a job interface.
 *
 * A device is a stream on the bus. Its jobs are read (IOVA -> host
 * buffer), write (host buffer -> IOVA) and copy (IOVA -> IOVA), each
 * issued as a secure or a non-secure transaction. Everything about access
 * control (SMMU context, TZASC class, fault records, all-or-nothing
 * transfers, zeroed output on a fault) is the bus's, see hw_bus.h; a
 * device adds its identity, per-device statistics and reset.
 *
 * Life cycle:
 *
 *   hw_device_create() --> IDLE --job--> IDLE (stats updated)
 *   IDLE --hw_device_reset()--> IDLE (both SMMU contexts emptied)
 *   IDLE --hw_device_destroy()--> gone (its SMMU mappings are the owner's:
 *        destroy does not unmap; call reset first if they must go)
 *
 * Jobs run synchronously to completion; there is no queue. A device
 * borrows the bus and the SMMU, which must outlive it.
 */
#ifndef RHEAP_SRC_HW_HW_DEVICE_H
#define RHEAP_SRC_HW_HW_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>

#include "hw_bus.h"
#include "hw_smmu.h"

/**
 * struct hw_device_stats - counters since create
 * @jobs:        jobs submitted
 * @jobs_failed: jobs that returned an error (faults and host trouble)
 * @bytes:       bytes moved by successful jobs (a copy counts once)
 */
struct hw_device_stats {
	uint64_t jobs;
	uint64_t jobs_failed;
	uint64_t bytes;
};

struct hw_device;

/**
 * hw_device_create() - model one of the platform's devices
 * @bus:  the bus its jobs go through (borrowed)
 * @smmu: the SMMU, for reset (borrowed; the same one the bus uses)
 * @pd:   the platform's description of the device (copied)
 * @out:  the new device; untouched on failure
 *
 * Return: 0; -ENOENT if @pd's stream ID is not in @smmu's stream table;
 * -EINVAL if the table disagrees about secure capability; -ENOMEM.
 */
int hw_device_create(struct hw_bus *bus, struct hw_smmu *smmu,
		     const struct rheap_plat_device *pd,
		     struct hw_device **out);

/**
 * hw_device_destroy() - free a device model (its mappings stay)
 * @dev: the device, or NULL (no-op)
 */
void hw_device_destroy(struct hw_device *dev);

/**
 * hw_device_name() - the device's DT node name
 * @dev: the device
 *
 * Return: the name, valid as long as @dev.
 */
const char *hw_device_name(const struct hw_device *dev);

/**
 * hw_device_stream_id() - the device's SMMU stream ID
 * @dev: the device
 *
 * Return: the stream ID.
 */
uint32_t hw_device_stream_id(const struct hw_device *dev);

/**
 * hw_device_secure() - can the device issue secure transactions?
 * @dev: the device
 *
 * Return: true for a secure-capable device.
 */
bool hw_device_secure(const struct hw_device *dev);

/**
 * hw_device_use_case_mask() - the use cases the platform allows it
 * @dev: the device
 *
 * Return: RHEAP_USE_CASE_BIT() mask; 0 for a non-secure device.
 */
uint32_t hw_device_use_case_mask(const struct hw_device *dev);

/**
 * hw_device_read() - job: read device memory into a host buffer
 * @dev:    the device
 * @secure: issue a secure transaction
 * @iova:   first IOVA
 * @buf:    destination; zeroed on a fault
 * @size:   bytes, non-zero
 *
 * Return: as hw_bus_dev_read().
 */
int hw_device_read(struct hw_device *dev, bool secure, uint64_t iova,
		   void *buf, size_t size);

/**
 * hw_device_write() - job: write a host buffer to device memory
 * @dev:    the device
 * @secure: issue a secure transaction
 * @iova:   first IOVA
 * @buf:    source
 * @size:   bytes, non-zero
 *
 * Return: as hw_bus_dev_write().
 */
int hw_device_write(struct hw_device *dev, bool secure, uint64_t iova,
		    const void *buf, size_t size);

/**
 * hw_device_writev() - job: write gathered host pieces to device memory
 * @dev:    the device
 * @secure: issue a secure transaction
 * @iova:   first IOVA
 * @seg:    the pieces, back to back from @iova
 * @count:  entries in @seg
 *
 * Return: as hw_bus_dev_writev().
 */
int hw_device_writev(struct hw_device *dev, bool secure, uint64_t iova,
		     const struct hw_bus_seg *seg, size_t count);

/**
 * hw_device_copy() - job: copy between two IOVA ranges
 * @dev:      the device
 * @secure:   issue secure transactions
 * @src_iova: first source IOVA
 * @dst_iova: first destination IOVA
 * @size:     bytes, non-zero
 *
 * Return: as hw_bus_dev_copy().
 */
int hw_device_copy(struct hw_device *dev, bool secure, uint64_t src_iova,
		   uint64_t dst_iova, size_t size);

/**
 * hw_device_reset() - drop every SMMU mapping of the device's stream
 * @dev: the device
 *
 * Empties the non-secure context and, on a secure-capable device, the
 * secure one.
 *
 * Return: the number of mappings removed (>= 0).
 */
int hw_device_reset(struct hw_device *dev);

/**
 * hw_device_stats_get() - the device's counters
 * @dev: the device
 * @out: the counters
 */
void hw_device_stats_get(const struct hw_device *dev,
			 struct hw_device_stats *out);

#endif /* RHEAP_SRC_HW_HW_DEVICE_H */
