/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System bus model: every memory access of the board goes through here.
 *
 * A device (DMA) access walks SMMU -> TZASC -> DRAM one 4 KiB IOVA page at
 * a time:
 *
 *   1. the stream must exist (else HW_FAULT_UNKNOWN_STREAM, -ENOENT) and,
 *      for a secure transaction, be secure-capable
 *      (HW_FAULT_NOT_SECURE_CAPABLE, -EPERM);
 *   2. the page is translated in the context matching the transaction's
 *      security (secure -> HW_SMMU_CTX_S, else HW_SMMU_CTX_NS), needing
 *      read or write permission (HW_FAULT_NO_TRANSLATION, -ENOENT;
 *      HW_FAULT_PERMISSION, -EPERM);
 *   3. the TZASC checks the PA for class HW_ACCESS_S_DEV or
 *      HW_ACCESS_NS_DEV (HW_FAULT_TZASC_DENIED, -EPERM);
 *   4. the DRAM model resolves the PA (HW_FAULT_BAD_RANGE, -EINVAL, for a
 *      PA outside DRAM or a page crossing into a carve-out).
 *
 * Pages are translated independently, so a transfer whose IOVA range maps
 * to scattered PAs just works. A CPU access skips steps 1-2 and checks
 * HW_ACCESS_S_CPU or HW_ACCESS_NS_CPU. The NS CPU path is what the
 * firewall reality check uses: an NS CPU read of lent memory must come
 * back -EPERM with a HW_FAULT_TZASC_DENIED record.
 *
 * Jobs are all-or-nothing: every page of every operand is checked before
 * the first byte moves, so a faulting write changes no memory and a
 * faulting read returns no data (its output buffer is zeroed, whatever
 * part of the range was allowed). Argument errors (zero size, wrapping
 * range: -EINVAL / -EOVERFLOW) are faults too (HW_FAULT_BAD_RANGE). Only
 * host trouble (-ENOMEM from the DRAM model's lazy mapping) is returned
 * without a fault record.
 *
 * Errors a master sees, one meaning each: -ENOENT nothing there (unknown
 * stream, no translation); -EPERM there but denied (security, SMMU
 * permission, TZASC); -EINVAL / -EOVERFLOW bad address range.
 *
 * Fault log: a ring of `fault_capacity` records, oldest first. When full,
 * a new fault overwrites the oldest and counts as dropped. `total` counts
 * every fault ever recorded (total == held + dropped + popped + cleared).
 *
 * The bus borrows the DRAM, TZASC and SMMU models (it does not own or
 * free them; they must outlive it) and reads the TZASC and SMMU state at
 * each access, so programming them takes effect immediately. It never
 * changes them. Not thread-safe: the board serialises accesses.
 */
#ifndef RHEAP_SRC_HW_HW_BUS_H
#define RHEAP_SRC_HW_HW_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw_dram.h"
#include "hw_smmu.h"
#include "hw_tzasc.h"

/** Largest fault log. */
#define HW_BUS_MAX_FAULTS 4096u
/** Fault log size the board uses unless told otherwise. */
#define HW_BUS_DEFAULT_FAULTS 256u

/**
 * enum hw_fault_reason - why an access was refused
 * @HW_FAULT_NO_TRANSLATION:     an IOVA page has no mapping in the context
 * @HW_FAULT_PERMISSION:         the mapping lacks read or write permission
 * @HW_FAULT_TZASC_DENIED:       the TZASC refuses the PA to this class
 * @HW_FAULT_NOT_SECURE_CAPABLE: secure transaction from a non-secure stream
 * @HW_FAULT_BAD_RANGE:          zero size, wrapping range, or a PA that is
 *                               not DRAM (or crosses a backing edge)
 * @HW_FAULT_UNKNOWN_STREAM:     no stream table entry for the stream ID
 */
enum hw_fault_reason {
	HW_FAULT_NO_TRANSLATION = 1,
	HW_FAULT_PERMISSION = 2,
	HW_FAULT_TZASC_DENIED = 3,
	HW_FAULT_NOT_SECURE_CAPABLE = 4,
	HW_FAULT_BAD_RANGE = 5,
	HW_FAULT_UNKNOWN_STREAM = 6,
};

/**
 * enum hw_master - who issued the access
 * @HW_MASTER_DEVICE: a DMA master, through the SMMU
 * @HW_MASTER_CPU:    a CPU (secure or not: see struct hw_fault.secure)
 */
enum hw_master {
	HW_MASTER_DEVICE = 0,
	HW_MASTER_CPU = 1,
};

/**
 * struct hw_fault - one refused access
 * @seq:       position in the total count (0 for the first fault ever)
 * @reason:    enum hw_fault_reason
 * @master:    enum hw_master
 * @stream_id: the device's stream; 0 for a CPU
 * @secure:    the transaction was secure
 * @write:     the access was a write
 * @iova:      the faulting address as issued (an IOVA for a device, a PA
 *             for a CPU): the first byte of the refused piece, which never
 *             crosses a 4 KiB page; the start of the job for an argument
 *             error or a refused stream
 * @pa:        the translated PA when @pa_valid
 * @pa_valid:  the fault happened after translation (TZASC or DRAM stage)
 */
struct hw_fault {
	uint64_t seq;
	enum hw_fault_reason reason;
	enum hw_master master;
	uint32_t stream_id;
	bool secure;
	bool write;
	uint64_t iova;
	uint64_t pa;
	bool pa_valid;
};

struct hw_bus;

/**
 * hw_bus_create() - wire a bus to the memory models
 * @dram:           DRAM model (borrowed)
 * @tzasc:          TZASC state (borrowed, read at every access)
 * @smmu:           SMMU model (borrowed, read at every access)
 * @fault_capacity: fault log size, 1..HW_BUS_MAX_FAULTS
 * @out:            the new bus; untouched on failure
 *
 * Return: 0; -EINVAL for a @fault_capacity out of range; -ENOMEM.
 */
int hw_bus_create(struct hw_dram *dram, const struct hw_tzasc *tzasc,
		  const struct hw_smmu *smmu, uint32_t fault_capacity,
		  struct hw_bus **out);

/**
 * hw_bus_destroy() - free the bus and its fault log (not the models)
 * @bus: the bus, or NULL (no-op)
 */
void hw_bus_destroy(struct hw_bus *bus);

/**
 * hw_bus_dev_read() - DMA read: device memory at an IOVA into a host buffer
 * @bus:       the bus
 * @stream_id: issuing stream
 * @secure:    issue a secure transaction
 * @iova:      first IOVA (untrusted)
 * @buf:       destination, @size bytes; zeroed entirely on any fault
 * @size:      bytes, non-zero
 *
 * Return: 0; -ENOENT, -EPERM, -EINVAL, -EOVERFLOW as in the file comment,
 * each with a fault record; -ENOMEM without one.
 */
int hw_bus_dev_read(struct hw_bus *bus, uint32_t stream_id, bool secure,
		    uint64_t iova, void *buf, size_t size);

/**
 * hw_bus_dev_write() - DMA write: a host buffer into memory at an IOVA
 * @bus:       the bus
 * @stream_id: issuing stream
 * @secure:    issue a secure transaction
 * @iova:      first IOVA (untrusted)
 * @buf:       source, @size bytes
 * @size:      bytes, non-zero
 *
 * Return: as hw_bus_dev_read(); on error no memory changed.
 */
int hw_bus_dev_write(struct hw_bus *bus, uint32_t stream_id, bool secure,
		     uint64_t iova, const void *buf, size_t size);

/**
 * struct hw_bus_seg - one piece of a gathered host buffer
 * @buf: first byte
 * @len: bytes (0 allowed)
 */
struct hw_bus_seg {
	const void *buf;
	size_t len;
};

/**
 * hw_bus_dev_writev() - DMA write of gathered host pieces to one IOVA range
 * @bus:       the bus
 * @stream_id: issuing stream
 * @secure:    issue a secure transaction
 * @iova:      first IOVA (untrusted)
 * @seg:       the pieces, written back to back from @iova in order
 * @count:     entries in @seg
 *
 * One job, as hw_bus_dev_write() of the pieces' concatenation (all of
 * [@iova, @iova + total) is checked before the first byte moves), without
 * the concatenation: for a decoder writing a frame's rows from its own
 * padded planes.
 *
 * Return: as hw_bus_dev_write(); a total of 0 bytes is -EINVAL, a total
 * that overflows size_t -EOVERFLOW (both with a HW_FAULT_BAD_RANGE record);
 * on error no memory changed.
 */
int hw_bus_dev_writev(struct hw_bus *bus, uint32_t stream_id, bool secure,
		      uint64_t iova, const struct hw_bus_seg *seg, size_t count);

/**
 * hw_bus_dev_copy() - DMA copy from one IOVA range to another
 * @bus:       the bus
 * @stream_id: issuing stream
 * @secure:    both sides use this transaction security
 * @src_iova:  first source IOVA (read permission needed)
 * @dst_iova:  first destination IOVA (write permission needed)
 * @size:      bytes, non-zero
 *
 * Copies forward in chunks that never cross a page of either side; if the
 * two ranges reach the same PAs the result is what such a DMA engine
 * would produce (defined, memory-safe, but not memmove of the whole).
 *
 * Return: as hw_bus_dev_read(); on error no memory changed.
 */
int hw_bus_dev_copy(struct hw_bus *bus, uint32_t stream_id, bool secure,
		    uint64_t src_iova, uint64_t dst_iova, size_t size);

/**
 * hw_bus_cpu_read() - CPU load of a PA range into a host buffer
 * @bus:    the bus
 * @secure: a secure-world CPU (HW_ACCESS_S_CPU), else NW (HW_ACCESS_NS_CPU)
 * @pa:     first byte (untrusted)
 * @buf:    destination, @size bytes; zeroed entirely on any fault
 * @size:   bytes, non-zero
 *
 * Return: 0; -EPERM (TZASC), -EINVAL, -EOVERFLOW with a fault record;
 * -ENOMEM without one.
 */
int hw_bus_cpu_read(struct hw_bus *bus, bool secure, uint64_t pa, void *buf,
		    size_t size);

/**
 * hw_bus_cpu_write() - CPU store of a host buffer to a PA range
 * @bus:    the bus
 * @secure: secure-world CPU or NW CPU
 * @pa:     first byte (untrusted)
 * @buf:    source, @size bytes
 * @size:   bytes, non-zero
 *
 * Return: as hw_bus_cpu_read(); on error no memory changed.
 */
int hw_bus_cpu_write(struct hw_bus *bus, bool secure, uint64_t pa,
		     const void *buf, size_t size);

/**
 * hw_bus_cpu_map() - direct host pointer to a PA range, after the checks
 * @bus:    the bus
 * @secure: secure-world CPU or NW CPU
 * @pa:     first byte (untrusted)
 * @size:   bytes, non-zero; the range must lie in one DRAM backing
 * @ptr:    out, host address of @pa; untouched on failure
 *
 * For the secure side's in-place work (decrypt into a restricted buffer).
 * A fault is recorded as a write (the caller may do either).
 * The check is made now: the caller must not keep the pointer across a
 * TZASC change.
 *
 * Return: as hw_bus_cpu_read().
 */
int hw_bus_cpu_map(struct hw_bus *bus, bool secure, uint64_t pa, size_t size,
		   void **ptr);

/**
 * hw_bus_fault_count() - faults currently held in the log
 * @bus: the bus
 *
 * Return: 0 .. fault capacity.
 */
uint32_t hw_bus_fault_count(const struct hw_bus *bus);

/**
 * hw_bus_fault_get() - read a held fault without removing it
 * @bus:   the bus
 * @index: 0 (oldest) .. hw_bus_fault_count() - 1
 * @out:   the fault
 *
 * Return: 0; -ENOENT if @index is out of range.
 */
int hw_bus_fault_get(const struct hw_bus *bus, uint32_t index,
		     struct hw_fault *out);

/**
 * hw_bus_fault_pop() - remove and return the oldest held fault
 * @bus: the bus
 * @out: the fault
 *
 * Return: 0; -ENOENT if the log is empty.
 */
int hw_bus_fault_pop(struct hw_bus *bus, struct hw_fault *out);

/**
 * hw_bus_fault_total() - faults recorded since create
 * @bus: the bus
 *
 * Return: the total, including dropped and cleared ones.
 */
uint64_t hw_bus_fault_total(const struct hw_bus *bus);

/**
 * hw_bus_fault_dropped() - faults overwritten because the log was full
 * @bus: the bus
 *
 * Return: the count since create.
 */
uint64_t hw_bus_fault_dropped(const struct hw_bus *bus);

/**
 * hw_bus_fault_clear() - empty the log (the counters keep counting)
 * @bus: the bus
 */
void hw_bus_fault_clear(struct hw_bus *bus);

/**
 * hw_fault_reason_name() - a reason's symbolic name, for logs and JSON
 * @reason: enum hw_fault_reason
 *
 * Return: "no-translation", "permission", "tzasc-denied",
 * "not-secure-capable", "bad-range", "unknown-stream", or "unknown";
 * never NULL.
 */
const char *hw_fault_reason_name(uint32_t reason);

#endif /* RHEAP_SRC_HW_HW_BUS_H */
