// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the device side of the split-virtqueue codec
 * (src/hyp/virtq.c), the ring parser a hostile guest talks to.
 *
 * Input: a 16-byte header (queue size, features, limits, segment array
 * size, where the three areas sit, how much of the descriptor table to
 * "tame" so chains get deep), then the guest RAM image (two ranges: 32 KiB
 * at 0x10000, 4 KiB at 0x100000, with a gap between), then operations:
 * advance avail.idx by k, pop, push a head in flight (or one not in
 * flight), toggle notifications, reset + init. In driver mode the rings are
 * first filled by virtq_drv_add() from input-chosen buffers.
 *
 * Properties, else abort():
 *  - every popped segment lies inside one guest RAM range, its host
 *    pointer is that range's mapping of its gpa, its length is not 0;
 *    readable segments come first and the counts and sums add up; the
 *    head is below the queue size and not already in flight; at most the
 *    caller's segment count, the sums within the limits;
 *  - the device writes guest RAM only inside the used ring;
 *  - a failing pop returns -EINVAL, -EOVERFLOW or -ENOSPC with a diag
 *    field, leaves the used ring byte-identical and the queue NEEDS_RESET;
 *    from then on pop/push/set_notify return -EPERM and write nothing,
 *    until reset;
 *  - a push of a head in flight returns 0 or 1, of any other -EINVAL with
 *    the queue still READY; in_flight counts the heads in flight;
 *  - driver mode: every chain the driver added pops back with its exact
 *    buffers, in order.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/diag.h>
#include <rheap/err.h>

#include "hyp/virtq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_GPA UINT64_C(0x10000)
#define RAM_SIZE 0x8000u
#define RAM2_GPA UINT64_C(0x100000)
#define RAM2_SIZE 0x1000u
#define HDR_SIZE 16u
#define OPS_MAX 64u
#define SEGS_MAX 64u

static _Alignas(4096) uint8_t g_ram[RAM_SIZE];
static _Alignas(4096) uint8_t g_ram2[RAM2_SIZE];
static uint8_t g_before[RAM_SIZE];
static uint8_t g_before2[RAM2_SIZE];
static struct virtq_mem_range g_ranges[2];
static struct virtq_mem g_mem = {g_ranges, 2};
static struct virtq_dev g_dev;
static struct virtq_drv g_drv;
static struct virtq_drv_slot g_slots[256];
static struct virtq_seg g_segs[SEGS_MAX];
static bool g_in_flight[256];

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Independent bounds check: the expected host pointer or NULL. */
static const uint8_t *expect_host(uint64_t gpa, uint32_t len)
{
	if (gpa >= RAM_GPA && gpa - RAM_GPA <= RAM_SIZE &&
	    len <= RAM_SIZE - (gpa - RAM_GPA)) {
		return g_ram + (gpa - RAM_GPA);
	}
	if (gpa >= RAM2_GPA && gpa - RAM2_GPA <= RAM2_SIZE &&
	    len <= RAM2_SIZE - (gpa - RAM2_GPA)) {
		return g_ram2 + (gpa - RAM2_GPA);
	}
	return NULL;
}

static void snapshot(void)
{
	memcpy(g_before, g_ram, sizeof(g_ram));
	memcpy(g_before2, g_ram2, sizeof(g_ram2));
}

/* Guest RAM unchanged except inside [used_off, used_off + used_len). */
static void check_writes(size_t used_off, size_t used_len)
{
	check(memcmp(g_before2, g_ram2, sizeof(g_ram2)) == 0);
	check(memcmp(g_before, g_ram, used_off) == 0);
	check(memcmp(g_before + used_off + used_len,
		     g_ram + used_off + used_len,
		     sizeof(g_ram) - used_off - used_len) == 0);
}

static void check_chain(const struct virtq_chain *c, uint32_t cap,
			uint32_t qsize, const struct virtq_dev_limits *lim)
{
	uint64_t rsum = 0;
	uint64_t wsum = 0;

	check(c->head < qsize);
	check(!g_in_flight[c->head]);
	check(c->seg_count <= cap);
	check(c->readable_count <= c->seg_count);
	for (uint32_t i = 0; i < c->seg_count; i++) {
		const struct virtq_seg *s = &g_segs[i];

		check(s->len != 0);
		check(expect_host(s->gpa, s->len) == s->host);
		check(s->writable == (i >= c->readable_count));
		if (s->writable) {
			wsum += s->len;
		} else {
			rsum += s->len;
		}
	}
	check(rsum == c->readable_len && wsum == c->writable_len);
	check(rsum <= (lim->max_readable ? lim->max_readable
					 : VIRTQ_CHAIN_LEN_MAX));
	check(wsum <= (lim->max_writable ? lim->max_writable
					 : VIRTQ_CHAIN_LEN_MAX));
}

/* Tame some descriptors so that chains reach deep states. */
static void tame(uint8_t *table, uint32_t entries, uint32_t qsize,
		 uint8_t mask)
{
	for (uint32_t i = 0; i < entries; i++) {
		uint8_t *d = table + 16u * i;
		uint64_t addr = 0;
		uint32_t len = 0;

		if (!((mask >> (i & 7u)) & 1u)) {
			continue;
		}
		addr = RAM_GPA + 0x6000u + (get16(d) % 0x1F00u);
		len = (uint32_t)(d[8] % 200u);
		for (int b = 0; b < 8; b++) {
			d[b] = (uint8_t)(addr >> (8 * b));
		}
		d[8] = (uint8_t)len;
		d[9] = 0;
		d[10] = 0;
		d[11] = 0;
		d[12] &= 0x7;
		d[13] = 0;
		put16(d + 14, (uint16_t)(get16(d + 14) % qsize));
		if (d[12] & VIRTQ_DESC_F_INDIRECT) {
			/* Point at a table somewhere in RAM. */
			addr = RAM_GPA + 0x7000u + 16u * (d[0] % 64u);
			for (int b = 0; b < 8; b++) {
				d[b] = (uint8_t)(addr >> (8 * b));
			}
			d[8] = (uint8_t)(16u * (1u + d[8] % 8u));
		}
	}
}

/* Driver mode: chains added by the driver must pop back exactly. */
static void driver_mode(const struct virtq_layout *l, const uint8_t *ops,
			size_t ops_len)
{
	struct virtq_buf bufs[4];
	struct virtq_buf added[256][4];
	uint32_t counts[256] = {0};
	uint32_t readables[256] = {0};
	uint32_t order[256] = {0};
	uint32_t added_count = 0;
	struct virtq_chain c = {0};
	size_t p = 0;

	if (virtq_drv_init(&g_drv, &g_mem, l, g_slots, l->size, NULL) != 0 ||
	    virtq_dev_init(&g_dev, &g_mem, l, NULL, NULL) != 0) {
		return;
	}
	/* 64 tables of 4 entries fit at 0x7000: one per chain added. */
	while (p + 4 <= ops_len && added_count < l->size && added_count < 64) {
		uint32_t n = 1u + ops[p] % 4u;
		uint32_t r = ops[p + 1] % (n + 1u);
		struct virtq_indirect ind = {RAM_GPA + 0x7000u, 4};
		bool use_ind = (ops[p + 2] & 1u) != 0;
		int head = 0;

		for (uint32_t i = 0; i < n; i++) {
			bufs[i] = (struct virtq_buf){
				RAM_GPA + 0x6000u + 64u * ((ops[p + 3] + i) %
							   64u),
				1u + (uint32_t)((ops[p + 2] >> 1) + i) % 63u};
		}
		ind.gpa += 64u * added_count;
		head = virtq_drv_add(&g_drv, bufs, r, n - r,
				     use_ind ? &ind : NULL, added_count, NULL);
		p += 4;
		if (head < 0) {
			/* No room, no feature, or more buffers than entries. */
			check(head == -ENOSPC || head == -EOPNOTSUPP ||
			      (head == -EINVAL && n > l->size));
			continue;
		}
		memcpy(added[added_count], bufs, sizeof(bufs));
		counts[added_count] = n;
		readables[added_count] = r;
		order[added_count] = (uint32_t)head;
		added_count++;
	}
	for (uint32_t k = 0; k < added_count; k++) {
		check(virtq_dev_pop(&g_dev, g_segs, SEGS_MAX, &c, NULL) == 1);
		check(c.head == order[k]);
		check(c.seg_count == counts[k]);
		check(c.readable_count == readables[k]);
		for (uint32_t i = 0; i < c.seg_count; i++) {
			check(g_segs[i].gpa == added[k][i].gpa);
			check(g_segs[i].len == added[k][i].len);
		}
	}
	check(virtq_dev_pop(&g_dev, g_segs, SEGS_MAX, &c, NULL) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t caps[4] = {1, 4, 16, SEGS_MAX};
	static const uint64_t lims[4] = {0, 64, 300, 4096};
	struct virtq_layout l = {0};
	struct virtq_dev_limits lim = {0};
	struct virtq_chain c = {0};
	struct rheap_diag diag = {0};
	size_t desc_off = 0;
	size_t avail_off = 0;
	size_t used_off = 0;
	size_t used_len = 0;
	size_t ram_len = 0;
	const uint8_t *ops = NULL;
	size_t ops_len = 0;
	uint32_t cap = 0;
	uint32_t flight = 0;
	int rc = 0;

	if (size < HDR_SIZE) {
		return 0;
	}
	memset(g_ram, 0, sizeof(g_ram));
	memset(g_ram2, 0, sizeof(g_ram2));
	memset(g_in_flight, 0, sizeof(g_in_flight));
	g_ranges[0] = (struct virtq_mem_range){RAM_GPA, RAM_SIZE, g_ram};
	g_ranges[1] = (struct virtq_mem_range){RAM2_GPA, RAM2_SIZE, g_ram2};

	l.size = 1u << (data[0] % 9u);
	l.features = VIRTQ_FEATURE(VIRTIO_F_VERSION_1);
	if (data[1] & 1u) {
		l.features |= VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC);
	}
	if (data[1] & 2u) {
		l.features |= VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX);
	}
	lim.zero_len_ok = (data[2] & 1u) != 0;
	cap = caps[(data[2] >> 1) & 3u];
	lim.max_readable = lims[(data[2] >> 3) & 3u];
	lim.max_writable = lims[(data[2] >> 5) & 3u];
	desc_off = (size_t)(data[3] % 16u) * 256u;
	avail_off = 0x4000u + (size_t)(data[4] % 64u) * 2u;
	used_off = 0x5000u + (size_t)(data[5] % 64u) * 4u;
	used_len = (size_t)virtq_used_area_size(l.size);
	l.desc_gpa = RAM_GPA + desc_off;
	l.avail_gpa = RAM_GPA + avail_off;
	l.used_gpa = RAM_GPA + used_off;
	/* A hostile layout now and then: the codec must refuse it. */
	if (data[1] & 0x80u) {
		l.used_gpa = RAM_GPA + RAM_SIZE - (data[6] % 8u) * 2u;
	}

	ram_len = (size_t)data[7] << 8 | data[8];
	ram_len %= RAM_SIZE;
	if (ram_len > size - HDR_SIZE) {
		ram_len = size - HDR_SIZE;
	}
	memcpy(g_ram, data + HDR_SIZE, ram_len);
	ops = data + HDR_SIZE + ram_len;
	ops_len = size - HDR_SIZE - ram_len;
	if (ops_len > OPS_MAX * 2u) {
		ops_len = OPS_MAX * 2u;
	}

	if (data[1] & 0x40u) {
		driver_mode(&l, ops, ops_len);
		return 0;
	}
	rc = virtq_dev_init(&g_dev, &g_mem, &l, &lim, &diag);
	if (rc) {
		check(diag.field != NULL);
		check(virtq_dev_state(&g_dev) == VIRTQ_RESET);
		return 0;
	}
	if (data[9] && desc_off + virtq_desc_area_size(l.size) <= RAM_SIZE) {
		tame(g_ram + desc_off, l.size, l.size, data[9]);
		tame(g_ram + 0x7000u, 64, 8, data[10]);
		for (uint32_t i = 0; i < l.size; i++) {
			uint8_t *e = g_ram + avail_off + 4u + 2u * i;

			put16(e, (uint16_t)(get16(e) % l.size));
		}
	}
	/* The ring's avail.idx starts where the input says. */
	put16(g_ram + avail_off + 2u, (uint16_t)(data[11] % (l.size + 2u)));

	for (size_t p = 0; p + 2 <= ops_len; p += 2) {
		uint8_t op = ops[p];
		uint8_t arg = ops[p + 1];
		enum virtq_state st = virtq_dev_state(&g_dev);
		uint8_t *aidx = g_ram + avail_off + 2u;

		switch (op % 6u) {
		case 0: /* the guest publishes more entries */
			put16(aidx, (uint16_t)(get16(aidx) + arg % 4u));
			break;
		case 1:
		case 2: /* pop */
			snapshot();
			diag = (struct rheap_diag){0};
			rc = virtq_dev_pop(&g_dev, g_segs, cap, &c, &diag);
			if (st != VIRTQ_READY) {
				check(rc == -EPERM);
				check_writes(0, 0);
				break;
			}
			if (rc == 1) {
				check_chain(&c, cap, l.size, &lim);
				g_in_flight[c.head] = true;
				flight++;
				check_writes(used_off, used_len);
			} else if (rc == 0) {
				check_writes(0, 0);
			} else {
				check(rc == -EINVAL || rc == -EOVERFLOW ||
				      rc == -ENOSPC);
				check(diag.field != NULL);
				check(virtq_dev_state(&g_dev) ==
				      VIRTQ_NEEDS_RESET);
				check_writes(0, 0);
			}
			break;
		case 3: /* push: a head in flight if any, else arg */
		{
			uint16_t h = (uint16_t)(arg % l.size);
			bool was = false;

			for (uint32_t k = 0; k < l.size && !g_in_flight[h];
			     k++) {
				h = (uint16_t)((h + 1u) % l.size);
			}
			if (arg & 0x80u) {
				h = arg;
			}
			was = h < l.size && g_in_flight[h];
			snapshot();
			rc = virtq_dev_push(&g_dev, h, arg, NULL);
			if (st != VIRTQ_READY) {
				check(rc == -EPERM);
				check_writes(0, 0);
			} else if (was) {
				check(rc == 0 || rc == 1);
				g_in_flight[h] = false;
				flight--;
				check_writes(used_off, used_len);
			} else {
				check(rc == -EINVAL);
				check(virtq_dev_state(&g_dev) == VIRTQ_READY);
				check_writes(0, 0);
			}
			break;
		}
		case 4:
			snapshot();
			rc = virtq_dev_set_notify(&g_dev, arg & 1u);
			check(rc == (st == VIRTQ_READY ? 0 : -EPERM));
			check_writes(st == VIRTQ_READY ? used_off : 0,
				     st == VIRTQ_READY ? used_len : 0);
			break;
		default: /* transport reset and re-init (if arg says) */
			if (arg & 1u) {
				virtq_dev_reset(&g_dev);
				memset(g_in_flight, 0, sizeof(g_in_flight));
				flight = 0;
				check(virtq_dev_init(&g_dev, &g_mem, &l, &lim,
						     NULL) == 0);
			}
			break;
		}
		check(virtq_dev_in_flight(&g_dev) ==
		      (virtq_dev_state(&g_dev) == VIRTQ_READY ? flight : 0));
	}
	return 0;
}
