// SPDX-License-Identifier: BSD-2-Clause
/*
 * System bus model. The access path, the error meanings and the fault log
 * rules are in hw_bus.h.
 *
 * Every job runs in two passes over the same page walk: the first checks
 * every piece (and records the fault if one is refused), the second moves
 * the bytes. Nothing can change between the passes (the board is single
 * threaded and the bus does not program the models), so a piece that
 * passed the first pass failing in the second is internal corruption and
 * aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "hw_bus.h"
#include "hw_dram.h"
#include "hw_smmu.h"
#include "hw_tzasc.h"

#define BUS_PAGE 4096u

/*
 * struct hw_bus - the borrowed models and the fault ring
 * @faults:  ring storage, @capacity entries
 * @head:    index of the oldest held fault (< @capacity)
 * @held:    faults held, <= @capacity; the held ones are
 *           faults[(head + i) % capacity] for i < held, oldest first
 * @total:   faults recorded since create (== next seq)
 * @dropped: faults overwritten while the ring was full
 */
struct hw_bus {
	struct hw_dram *dram;
	const struct hw_tzasc *tzasc;
	const struct hw_smmu *smmu;
	struct hw_fault *faults;
	uint32_t capacity;
	uint32_t head;
	uint32_t held;
	uint64_t total;
	uint64_t dropped;
};

/* One access as the walk sees it. */
struct bus_xact {
	enum hw_master master;
	uint32_t stream_id;
	bool secure;
	bool write;
};

static void bus_corrupt(const char *what)
{
	fprintf(stderr, "rheap hw bus: internal corruption: %s\n", what);
	abort();
}

int hw_bus_create(struct hw_dram *dram, const struct hw_tzasc *tzasc,
		  const struct hw_smmu *smmu, uint32_t fault_capacity,
		  struct hw_bus **out)
{
	struct hw_bus *bus = NULL;

	if (fault_capacity == 0 || fault_capacity > HW_BUS_MAX_FAULTS) {
		return -EINVAL;
	}
	bus = calloc(1, sizeof(*bus));
	if (!bus) {
		return -ENOMEM;
	}
	bus->faults = calloc(fault_capacity, sizeof(bus->faults[0]));
	if (!bus->faults) {
		goto err_free_bus;
	}
	bus->dram = dram;
	bus->tzasc = tzasc;
	bus->smmu = smmu;
	bus->capacity = fault_capacity;
	*out = bus;
	return 0;

err_free_bus:
	free(bus);
	return -ENOMEM;
}

void hw_bus_destroy(struct hw_bus *bus)
{
	if (!bus) {
		return;
	}
	free(bus->faults);
	free(bus);
}

static void bus_fault(struct hw_bus *bus, const struct bus_xact *x,
		      enum hw_fault_reason reason, uint64_t addr, uint64_t pa,
		      bool pa_valid)
{
	struct hw_fault f = {
		.seq = bus->total,
		.reason = reason,
		.master = x->master,
		.stream_id = x->master == HW_MASTER_DEVICE ? x->stream_id : 0,
		.secure = x->secure,
		.write = x->write,
		.iova = addr,
		.pa = pa_valid ? pa : 0,
		.pa_valid = pa_valid,
	};

	if (bus->held == bus->capacity) {
		bus->faults[bus->head] = f;
		bus->head = (bus->head + 1u) % bus->capacity;
		bus->dropped++;
	} else {
		bus->faults[(bus->head + bus->held) % bus->capacity] = f;
		bus->held++;
	}
	bus->total++;
}

/* Checks that do not depend on the address walk. */
static int bus_begin(struct hw_bus *bus, const struct bus_xact *x,
		     uint64_t addr, size_t size)
{
	struct hw_smmu_stream_info info = { 0 };

	if (size == 0) {
		bus_fault(bus, x, HW_FAULT_BAD_RANGE, addr, 0, false);
		return -EINVAL;
	}
	if (addr + ((uint64_t)size - 1u) < addr) {
		bus_fault(bus, x, HW_FAULT_BAD_RANGE, addr, 0, false);
		return -EOVERFLOW;
	}
	if (x->master != HW_MASTER_DEVICE) {
		return 0;
	}
	if (hw_smmu_stream_find(bus->smmu, x->stream_id, &info) != 0) {
		bus_fault(bus, x, HW_FAULT_UNKNOWN_STREAM, addr, 0, false);
		return -ENOENT;
	}
	if (x->secure && !info.secure) {
		bus_fault(bus, x, HW_FAULT_NOT_SECURE_CAPABLE, addr, 0, false);
		return -EPERM;
	}
	return 0;
}

/*
 * One piece [addr, addr + len) that never crosses a page of the issued
 * address space: SMMU (devices), TZASC, DRAM. Records the fault.
 */
static int bus_piece(struct hw_bus *bus, const struct bus_xact *x,
		     uint64_t addr, uint64_t len, uint8_t **host)
{
	uint64_t pa = addr;
	uint32_t cls = 0;
	void *p = NULL;
	int rc = 0;

	if (x->master == HW_MASTER_DEVICE) {
		rc = hw_smmu_translate(bus->smmu, x->stream_id,
				       x->secure ? HW_SMMU_CTX_S :
						   HW_SMMU_CTX_NS,
				       addr, len,
				       x->write ? HW_SMMU_WRITE : HW_SMMU_READ,
				       &pa);
		if (rc == -ENOENT) {
			bus_fault(bus, x, HW_FAULT_NO_TRANSLATION, addr, 0,
				  false);
			return -ENOENT;
		}
		if (rc == -EPERM) {
			bus_fault(bus, x, HW_FAULT_PERMISSION, addr, 0, false);
			return -EPERM;
		}
		if (rc) {
			/* A page is PA-contiguous: nothing else can fail. */
			bus_fault(bus, x, HW_FAULT_BAD_RANGE, addr, 0, false);
			return -EINVAL;
		}
		cls = x->secure ? HW_ACCESS_S_DEV : HW_ACCESS_NS_DEV;
	} else {
		cls = x->secure ? HW_ACCESS_S_CPU : HW_ACCESS_NS_CPU;
	}
	rc = hw_tzasc_check(bus->tzasc, pa, len, cls);
	if (rc == -EPERM) {
		bus_fault(bus, x, HW_FAULT_TZASC_DENIED, addr, pa, true);
		return -EPERM;
	}
	if (rc) {
		bus_fault(bus, x, HW_FAULT_BAD_RANGE, addr, pa, true);
		return rc;
	}
	rc = hw_dram_ptr(bus->dram, pa, len, &p);
	if (rc == -ENOMEM) {
		return rc; /* the host's trouble, not the device's */
	}
	if (rc) {
		bus_fault(bus, x, HW_FAULT_BAD_RANGE, addr, pa, true);
		return rc;
	}
	*host = p;
	return 0;
}

static uint64_t bus_page_left(uint64_t addr)
{
	return BUS_PAGE - (addr % BUS_PAGE);
}

static uint64_t bus_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Pass one: every piece of [addr, addr + size) is allowed. */
static int bus_check(struct hw_bus *bus, const struct bus_xact *x,
		     uint64_t addr, size_t size)
{
	uint64_t done = 0;

	while (done < size) {
		uint64_t len = bus_min(size - done, bus_page_left(addr + done));
		uint8_t *host = NULL;
		int rc = bus_piece(bus, x, addr + done, len, &host);

		if (rc) {
			return rc;
		}
		done += len;
	}
	return 0;
}

/* Pass two: the host address of a piece that pass one allowed. */
static uint8_t *bus_host(struct hw_bus *bus, const struct bus_xact *x,
			 uint64_t addr, uint64_t len)
{
	uint8_t *host = NULL;

	if (bus_piece(bus, x, addr, len, &host) != 0) {
		bus_corrupt("a checked piece failed");
	}
	return host;
}

/*
 * The host side of a transfer: @count segments, read (device write) or
 * filled (device read) in order; @i and @off say where the next byte is.
 */
struct bus_cursor {
	const struct hw_bus_seg *seg;
	size_t count;
	size_t i;
	size_t off;
};

/* One contiguous host run of a checked transfer, @len bytes. */
static void bus_run(const struct bus_xact *x, uint8_t *host,
		    struct bus_cursor *c, uint64_t len)
{
	while (len > 0) {
		const struct hw_bus_seg *sg = NULL;
		uint8_t *side = NULL;
		size_t n = 0;

		if (c->i >= c->count) {
			bus_corrupt("a transfer longer than its segments");
		}
		sg = &c->seg[c->i];
		/* A device read fills the caller's buffer: see bus_rw. */
		side = (uint8_t *)(uintptr_t)sg->buf + c->off;
		n = (size_t)bus_min(sg->len - c->off, len);
		if (x->write) {
			memcpy(host, side, n);
		} else {
			memcpy(side, host, n);
		}
		host += n;
		len -= n;
		c->off += n;
		if (c->off == sg->len) {
			c->i++;
			c->off = 0;
		}
	}
}

/*
 * Move bytes between memory at addr and the host side, after bus_check.
 * Every page is still resolved through the SMMU, TZASC and DRAM models;
 * a run of pages whose host addresses follow each other (consecutive PAs
 * in one backing, the usual case for a buffer mapped in one piece) moves
 * with one memcpy per host segment, which costs much less than one per
 * page.
 */
static void bus_move(struct hw_bus *bus, const struct bus_xact *x,
		     uint64_t addr, struct bus_cursor *c, size_t size)
{
	uint8_t *run = NULL; /* host address of the run's first byte */
	uint64_t run_len = 0;
	uint64_t done = 0;

	while (done < size) {
		uint64_t len = bus_min(size - done, bus_page_left(addr + done));
		uint8_t *host = bus_host(bus, x, addr + done, len);

		if (run_len > 0 && host != run + run_len) {
			bus_run(x, run, c, run_len);
			run_len = 0;
		}
		if (run_len == 0) {
			run = host;
		}
		run_len += len;
		done += len;
	}
	bus_run(x, run, c, run_len);
}

/* A checked transfer between [addr, addr + size) and @seg. */
static int bus_xfer(struct hw_bus *bus, const struct bus_xact *x,
		    uint64_t addr, const struct hw_bus_seg *seg, size_t count,
		    size_t size)
{
	struct bus_cursor c = { seg, count, 0, 0 };
	int rc = bus_begin(bus, x, addr, size);

	if (rc == 0) {
		rc = bus_check(bus, x, addr, size);
	}
	if (rc) {
		return rc;
	}
	bus_move(bus, x, addr, &c, size);
	return 0;
}

static int bus_rw(struct hw_bus *bus, const struct bus_xact *x,
		  uint64_t addr, uint8_t *buf, size_t size)
{
	const struct hw_bus_seg seg = { buf, size };
	int rc = bus_xfer(bus, x, addr, &seg, 1, size);

	if (rc && !x->write && size > 0) {
		memset(buf, 0, size); /* no data on a fault */
	}
	return rc;
}

int hw_bus_dev_read(struct hw_bus *bus, uint32_t stream_id, bool secure,
		    uint64_t iova, void *buf, size_t size)
{
	const struct bus_xact x = { HW_MASTER_DEVICE, stream_id, secure,
				    false };

	return bus_rw(bus, &x, iova, buf, size);
}

int hw_bus_dev_write(struct hw_bus *bus, uint32_t stream_id, bool secure,
		     uint64_t iova, const void *buf, size_t size)
{
	const struct bus_xact x = { HW_MASTER_DEVICE, stream_id, secure, true };

	/* bus_move only reads @buf when x.write is set. */
	return bus_rw(bus, &x, iova, (uint8_t *)(uintptr_t)buf, size);
}

int hw_bus_dev_writev(struct hw_bus *bus, uint32_t stream_id, bool secure,
		      uint64_t iova, const struct hw_bus_seg *seg, size_t count)
{
	const struct bus_xact x = { HW_MASTER_DEVICE, stream_id, secure, true };
	size_t size = 0;

	for (size_t i = 0; i < count; i++) {
		if (__builtin_add_overflow(size, seg[i].len, &size)) {
			bus_fault(bus, &x, HW_FAULT_BAD_RANGE, iova, 0, false);
			return -EOVERFLOW;
		}
	}
	return bus_xfer(bus, &x, iova, seg, count, size);
}

int hw_bus_dev_copy(struct hw_bus *bus, uint32_t stream_id, bool secure,
		    uint64_t src_iova, uint64_t dst_iova, size_t size)
{
	const struct bus_xact rd = { HW_MASTER_DEVICE, stream_id, secure,
				     false };
	const struct bus_xact wr = { HW_MASTER_DEVICE, stream_id, secure,
				     true };
	uint64_t done = 0;
	int rc = bus_begin(bus, &rd, src_iova, size);

	if (rc) {
		return rc;
	}
	if (dst_iova + ((uint64_t)size - 1u) < dst_iova) {
		bus_fault(bus, &wr, HW_FAULT_BAD_RANGE, dst_iova, 0, false);
		return -EOVERFLOW;
	}
	rc = bus_check(bus, &rd, src_iova, size);
	if (rc) {
		return rc;
	}
	rc = bus_check(bus, &wr, dst_iova, size);
	if (rc) {
		return rc;
	}
	while (done < size) {
		uint64_t len = bus_min(size - done,
				       bus_min(bus_page_left(src_iova + done),
					       bus_page_left(dst_iova + done)));
		uint8_t *from = bus_host(bus, &rd, src_iova + done, len);
		uint8_t *to = bus_host(bus, &wr, dst_iova + done, len);

		memmove(to, from, (size_t)len);
		done += len;
	}
	return 0;
}

int hw_bus_cpu_read(struct hw_bus *bus, bool secure, uint64_t pa, void *buf,
		    size_t size)
{
	const struct bus_xact x = { HW_MASTER_CPU, 0, secure, false };

	return bus_rw(bus, &x, pa, buf, size);
}

int hw_bus_cpu_write(struct hw_bus *bus, bool secure, uint64_t pa,
		     const void *buf, size_t size)
{
	const struct bus_xact x = { HW_MASTER_CPU, 0, secure, true };

	return bus_rw(bus, &x, pa, (uint8_t *)(uintptr_t)buf, size);
}

int hw_bus_cpu_map(struct hw_bus *bus, bool secure, uint64_t pa, size_t size,
		   void **ptr)
{
	const struct bus_xact x = { HW_MASTER_CPU, 0, secure, true };
	void *p = NULL;
	int rc = bus_begin(bus, &x, pa, size);

	if (rc == 0) {
		rc = bus_check(bus, &x, pa, size);
	}
	if (rc) {
		return rc;
	}
	/* Pages passed one by one; the whole must also be one backing. */
	rc = hw_dram_ptr(bus->dram, pa, size, &p);
	if (rc == -ENOMEM) {
		return rc;
	}
	if (rc) {
		bus_fault(bus, &x, HW_FAULT_BAD_RANGE, pa, pa, true);
		return rc;
	}
	*ptr = p;
	return 0;
}

uint32_t hw_bus_fault_count(const struct hw_bus *bus)
{
	return bus->held;
}

int hw_bus_fault_get(const struct hw_bus *bus, uint32_t index,
		     struct hw_fault *out)
{
	if (index >= bus->held) {
		return -ENOENT;
	}
	*out = bus->faults[(bus->head + index) % bus->capacity];
	return 0;
}

int hw_bus_fault_pop(struct hw_bus *bus, struct hw_fault *out)
{
	if (bus->held == 0) {
		return -ENOENT;
	}
	*out = bus->faults[bus->head];
	bus->head = (bus->head + 1u) % bus->capacity;
	bus->held--;
	return 0;
}

uint64_t hw_bus_fault_total(const struct hw_bus *bus)
{
	return bus->total;
}

uint64_t hw_bus_fault_dropped(const struct hw_bus *bus)
{
	return bus->dropped;
}

void hw_bus_fault_clear(struct hw_bus *bus)
{
	bus->head = 0;
	bus->held = 0;
}

const char *hw_fault_reason_name(uint32_t reason)
{
	switch (reason) {
	case HW_FAULT_NO_TRANSLATION:
		return "no-translation";
	case HW_FAULT_PERMISSION:
		return "permission";
	case HW_FAULT_TZASC_DENIED:
		return "tzasc-denied";
	case HW_FAULT_NOT_SECURE_CAPABLE:
		return "not-secure-capable";
	case HW_FAULT_BAD_RANGE:
		return "bad-range";
	case HW_FAULT_UNKNOWN_STREAM:
		return "unknown-stream";
	default:
		return "unknown";
	}
}
