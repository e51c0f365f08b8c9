// SPDX-License-Identifier: BSD-2-Clause
/*
 * Split-virtqueue codec tests (src/hyp/virtq.c) on a simulated guest RAM:
 * hostile rings built byte by byte (one broken rule per case, exact errno,
 * diag field and index, used ring untouched, NEEDS_RESET sticky until a
 * reset), layout and memory-table refusals, a device that breaks the used
 * ring as seen by the driver, driver/device round trips (direct, indirect,
 * 70000 requests so both 16-bit indices wrap), EVENT_IDX and flag-based
 * notification suppression, and the virtio-rheap wire header's status map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/virtio_rheap.h>

#include "hyp/virtq.h"

/* ------------------------------------------------------------------ */
/* Simulated guest memory                                              */

#define RAM_GPA UINT64_C(0x40000000)
#define RAM_SIZE 0x100000u
#define RAM2_GPA UINT64_C(0x80000000)
#define RAM2_SIZE 0x10000u
/* A huge range the codec only maps (never dereferenced by pop). */
#define BIG_GPA UINT64_C(0x1000000000000)
#define BIG_SIZE UINT64_C(0x400000000)

#define DESC_GPA (RAM_GPA + 0x0000u)
#define AVAIL_GPA (RAM_GPA + 0x2000u)
#define USED_GPA (RAM_GPA + 0x4000u)
#define IND_GPA (RAM_GPA + 0x8000u)
#define BUF_GPA (RAM_GPA + 0x10000u)

#define FEAT_V1 VIRTQ_FEATURE(VIRTIO_F_VERSION_1)
#define FEAT_IND VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC)
#define FEAT_EVT VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX)

static _Alignas(4096) uint8_t g_ram[RAM_SIZE];
static _Alignas(4096) uint8_t g_ram2[RAM2_SIZE];
static _Alignas(4096) uint8_t g_big_stub[4096];
static uint8_t g_used_before[0x2000];

static struct virtq_mem_range g_ranges[3];
static struct virtq_mem g_mem = {g_ranges, 3};
static struct virtq_dev g_dev;
static struct virtq_drv g_drv;
static struct virtq_drv_slot g_slots[VIRTQ_SIZE_MAX];
static struct virtq_seg g_segs[64];

static void mem_setup(void)
{
	memset(g_ram, 0, sizeof(g_ram));
	memset(g_ram2, 0, sizeof(g_ram2));
	g_ranges[0] = (struct virtq_mem_range){RAM_GPA, RAM_SIZE, g_ram};
	g_ranges[1] = (struct virtq_mem_range){RAM2_GPA, RAM2_SIZE, g_ram2};
	g_ranges[2] = (struct virtq_mem_range){BIG_GPA, BIG_SIZE, g_big_stub};
	g_mem.ranges = g_ranges;
	g_mem.range_count = 3;
}

static uint8_t *host(uint64_t gpa)
{
	if (gpa >= RAM2_GPA && gpa < RAM2_GPA + RAM2_SIZE) {
		return g_ram2 + (gpa - RAM2_GPA);
	}
	assert_true(gpa >= RAM_GPA && gpa < RAM_GPA + RAM_SIZE);
	return g_ram + (gpa - RAM_GPA);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Raw ring writers, independent of the codec. */
static void desc_at(uint64_t table_gpa, uint32_t i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = host(table_gpa + 16u * i);

	put64(p, addr);
	put32(p + 8, len);
	put16(p + 12, flags);
	put16(p + 14, next);
}

static void desc(uint32_t i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	desc_at(DESC_GPA, i, addr, len, flags, next);
}

static void avail_ring(uint32_t slot, uint16_t head)
{
	put16(host(AVAIL_GPA + 4u + 2u * slot), head);
}

static void avail_idx(uint16_t idx)
{
	put16(host(AVAIL_GPA + 2u), idx);
}

static struct virtq_layout layout(uint32_t size, uint64_t features)
{
	struct virtq_layout l = {DESC_GPA, AVAIL_GPA, USED_GPA, size,
				 features};

	return l;
}

/* ------------------------------------------------------------------ */
/* Hostile rings: one broken rule per case                             */

#define QSIZE 8u

struct ring_case {
	const char *name;
	uint64_t features;
	void (*setup)(void);
	struct virtq_dev_limits limits;
	uint32_t seg_cap;   /* 0: all of g_segs */
	uint32_t pre_pops;  /* good chains popped first */
	int want;           /* rc of the pop after pre_pops */
	const char *field;  /* NULL for accepted chains */
	uint32_t index;
};

/* A good one-readable chain at head @h made available at @slot. */
static void good_chain(uint16_t h, uint32_t slot)
{
	desc(h, BUF_GPA + 0x100u * h, 64, 0, 0);
	avail_ring(slot, h);
}

static void s_avail_ahead(void)
{
	good_chain(0, 0);
	avail_idx(QSIZE + 1u);
}

static void s_avail_ahead_wrapped(void)
{
	good_chain(0, 0);
	avail_idx(0xFFFF);
}

static void s_head_range(void)
{
	avail_ring(0, QSIZE);
	avail_idx(1);
}

static void s_head_huge(void)
{
	avail_ring(0, 0xFFFF);
	avail_idx(1);
}

static void s_head_in_flight(void)
{
	good_chain(0, 0);
	avail_ring(1, 0);
	avail_idx(2);
}

static void s_next_range(void)
{
	desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_loop_self(void)
{
	desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_loop_two(void)
{
	desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 16u, 16, VIRTQ_DESC_F_NEXT, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_loop_full(void)
{
	for (uint16_t i = 0; i < QSIZE; i++) {
		desc(i, BUF_GPA + 16u * i, 16, VIRTQ_DESC_F_NEXT,
		     (uint16_t)((i + 1u) % QSIZE));
	}
	avail_ring(0, 3);
	avail_idx(1);
}

static void s_unknown_flag(void)
{
	desc(0, BUF_GPA, 16, 0x8, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_indirect_table(uint32_t entries)
{
	desc(0, IND_GPA, 16u * entries, VIRTQ_DESC_F_INDIRECT, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_ind_good(void)
{
	desc_at(IND_GPA, 0, BUF_GPA, 32, VIRTQ_DESC_F_NEXT, 1);
	desc_at(IND_GPA, 1, BUF_GPA + 32u, 48, VIRTQ_DESC_F_WRITE, 0);
	s_indirect_table(2);
	/* WRITE on the descriptor that points to a table is ignored. */
	desc(0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
}

static void s_ind_with_next(void)
{
	s_ind_good();
	desc(0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
}

static void s_ind_not_head(void)
{
	desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(IND_GPA, 0, BUF_GPA, 32, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_ind_len_zero(void)
{
	s_indirect_table(0);
}

static void s_ind_len_24(void)
{
	desc(0, IND_GPA, 24, VIRTQ_DESC_F_INDIRECT, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_ind_too_many(void)
{
	for (uint32_t i = 0; i <= QSIZE; i++) {
		desc_at(IND_GPA, i, BUF_GPA, 8, 0, 0);
	}
	s_indirect_table(QSIZE + 1u);
}

static void s_ind_max_ok(void)
{
	for (uint32_t i = 0; i < QSIZE; i++) {
		desc_at(IND_GPA, i, BUF_GPA + 8u * i, 8,
			i + 1u < QSIZE ? VIRTQ_DESC_F_NEXT : 0,
			(uint16_t)(i + 1u));
	}
	s_indirect_table(QSIZE);
}

static void s_ind_in_ind(void)
{
	desc_at(IND_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc_at(IND_GPA, 1, IND_GPA + 0x100u, 16, VIRTQ_DESC_F_INDIRECT, 0);
	s_indirect_table(2);
}

static void s_ind_next_range(void)
{
	desc_at(IND_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	desc_at(IND_GPA, 1, BUF_GPA, 16, 0, 0);
	s_indirect_table(2);
}

static void s_ind_loop(void)
{
	desc_at(IND_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc_at(IND_GPA, 1, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	s_indirect_table(2);
}

static void s_ind_outside(void)
{
	desc(0, RAM_GPA + RAM_SIZE - 16u, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_ind_wraps(void)
{
	desc(0, UINT64_MAX - 15u, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_ind_entry_outside(void)
{
	desc_at(IND_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc_at(IND_GPA, 1, 0x1000, 16, VIRTQ_DESC_F_WRITE, 0);
	s_indirect_table(2);
}

static void s_ind_rw_order(void)
{
	desc_at(IND_GPA, 0, BUF_GPA, 16,
		VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc_at(IND_GPA, 1, BUF_GPA + 16u, 16, 0, 0);
	s_indirect_table(2);
}

static void s_ind_zero_len(void)
{
	desc_at(IND_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc_at(IND_GPA, 1, BUF_GPA, 0, 0, 0);
	s_indirect_table(2);
}

static void s_rw_order(void)
{
	desc(0, BUF_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 16u, 16, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_zero_len(void)
{
	desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 0, VIRTQ_DESC_F_WRITE, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_addr_outside(void)
{
	desc(0, 0x1000, 16, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_addr_straddles_end(void)
{
	desc(0, RAM_GPA + RAM_SIZE - 8u, 16, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_addr_exact_end(void)
{
	desc(0, RAM_GPA + RAM_SIZE - 16u, 16, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_addr_gap(void)
{
	desc(0, RAM2_GPA - 16u, 32, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_addr_second_range(void)
{
	desc(0, RAM2_GPA + 0x100u, 32, VIRTQ_DESC_F_WRITE, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_addr_wraps(void)
{
	desc(0, UINT64_MAX - 7u, 16, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_two_readables(void)
{
	desc(0, BUF_GPA, 40, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 40u, 40, VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF_GPA + 80u, 40, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
	     3);
	desc(3, BUF_GPA + 120u, 40, VIRTQ_DESC_F_WRITE, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static void s_u32_overflow(void)
{
	desc(0, BIG_GPA, 0xFFFFFFFFu, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BIG_GPA, 1, 0, 0);
	avail_ring(0, 0);
	avail_idx(1);
}

static const struct ring_case k_ring_cases[] = {
	{"rej_avail_idx_ahead", FEAT_V1, s_avail_ahead, {0}, 0, 0, -EINVAL,
	 "avail.idx", RHEAP_DIAG_NO_INDEX},
	{"rej_avail_idx_ahead_wrapped", FEAT_V1, s_avail_ahead_wrapped, {0},
	 0, 0, -EINVAL, "avail.idx", RHEAP_DIAG_NO_INDEX},
	{"rej_head_out_of_range", FEAT_V1, s_head_range, {0}, 0, 0, -EINVAL,
	 "avail.ring", 0},
	{"rej_head_0xffff", FEAT_V1, s_head_huge, {0}, 0, 0, -EINVAL,
	 "avail.ring", 0},
	{"rej_head_already_in_flight", FEAT_V1, s_head_in_flight, {0}, 0, 1,
	 -EINVAL, "avail.ring", 1},
	{"rej_next_out_of_range", FEAT_V1, s_next_range, {0}, 0, 0, -EINVAL,
	 "desc.next", 0},
	{"rej_loop_self", FEAT_V1, s_loop_self, {0}, 0, 0, -EINVAL,
	 "desc.next", 0},
	{"rej_loop_two", FEAT_V1, s_loop_two, {0}, 0, 0, -EINVAL, "desc.next",
	 0},
	{"rej_loop_whole_table", FEAT_V1, s_loop_full, {0}, 0, 0, -EINVAL,
	 "desc.next", 3},
	{"rej_unknown_flag", FEAT_V1, s_unknown_flag, {0}, 0, 0, -EINVAL,
	 "desc.flags", 0},
	{"rej_indirect_not_negotiated", FEAT_V1, s_ind_good, {0}, 0, 0,
	 -EINVAL, "desc.flags", 0},
	{"ok_indirect", FEAT_V1 | FEAT_IND, s_ind_good, {0}, 0, 0, 1, NULL,
	 0},
	{"rej_indirect_with_next", FEAT_V1 | FEAT_IND, s_ind_with_next, {0},
	 0, 0, -EINVAL, "desc.flags", 0},
	{"rej_indirect_not_head", FEAT_V1 | FEAT_IND, s_ind_not_head, {0}, 0,
	 0, -EINVAL, "desc.flags", 1},
	{"rej_indirect_len_zero", FEAT_V1 | FEAT_IND, s_ind_len_zero, {0}, 0,
	 0, -EINVAL, "desc.len", 0},
	{"rej_indirect_len_not_16n", FEAT_V1 | FEAT_IND, s_ind_len_24, {0},
	 0, 0, -EINVAL, "desc.len", 0},
	{"rej_indirect_more_than_qsize", FEAT_V1 | FEAT_IND, s_ind_too_many,
	 {0}, 0, 0, -EINVAL, "desc.len", 0},
	{"ok_indirect_exactly_qsize", FEAT_V1 | FEAT_IND, s_ind_max_ok, {0},
	 0, 0, 1, NULL, 0},
	{"rej_indirect_in_indirect", FEAT_V1 | FEAT_IND, s_ind_in_ind, {0},
	 0, 0, -EINVAL, "indirect.flags", 1},
	{"rej_indirect_next_out_of_range", FEAT_V1 | FEAT_IND,
	 s_ind_next_range, {0}, 0, 0, -EINVAL, "indirect.next", 0},
	{"rej_indirect_loop", FEAT_V1 | FEAT_IND, s_ind_loop, {0}, 0, 0,
	 -EINVAL, "indirect.next", 0},
	{"rej_indirect_table_outside_ram", FEAT_V1 | FEAT_IND, s_ind_outside,
	 {0}, 0, 0, -EINVAL, "desc.addr", 0},
	{"rej_indirect_table_wraps", FEAT_V1 | FEAT_IND, s_ind_wraps, {0}, 0,
	 0, -EOVERFLOW, "desc.addr", 0},
	{"rej_indirect_entry_outside_ram", FEAT_V1 | FEAT_IND,
	 s_ind_entry_outside, {0}, 0, 0, -EINVAL, "indirect.addr", 1},
	{"rej_indirect_readable_after_writable", FEAT_V1 | FEAT_IND,
	 s_ind_rw_order, {0}, 0, 0, -EINVAL, "indirect.flags", 1},
	{"rej_indirect_zero_len", FEAT_V1 | FEAT_IND, s_ind_zero_len, {0}, 0,
	 0, -EINVAL, "indirect.len", 1},
	{"rej_readable_after_writable", FEAT_V1, s_rw_order, {0}, 0, 0,
	 -EINVAL, "desc.flags", 1},
	{"rej_zero_len", FEAT_V1, s_zero_len, {0}, 0, 0, -EINVAL, "desc.len",
	 1},
	{"ok_zero_len_when_allowed", FEAT_V1, s_zero_len, {0, 0, true}, 0, 0,
	 1, NULL, 0},
	{"rej_addr_outside_ram", FEAT_V1, s_addr_outside, {0}, 0, 0, -EINVAL,
	 "desc.addr", 0},
	{"rej_addr_straddles_ram_end", FEAT_V1, s_addr_straddles_end, {0}, 0,
	 0, -EINVAL, "desc.addr", 0},
	{"ok_addr_exactly_at_ram_end", FEAT_V1, s_addr_exact_end, {0}, 0, 0,
	 1, NULL, 0},
	{"rej_addr_across_a_gap", FEAT_V1, s_addr_gap, {0}, 0, 0, -EINVAL,
	 "desc.addr", 0},
	{"ok_addr_in_second_range", FEAT_V1, s_addr_second_range, {0}, 0, 0,
	 1, NULL, 0},
	{"rej_addr_wraps", FEAT_V1, s_addr_wraps, {0}, 0, 0, -EOVERFLOW,
	 "desc.addr", 0},
	{"rej_readable_over_limit", FEAT_V1, s_two_readables, {64, 0, false},
	 0, 0, -EINVAL, "chain.readable_len", 1},
	{"ok_readable_at_limit", FEAT_V1, s_two_readables, {80, 80, false},
	 0, 0, 1, NULL, 0},
	{"rej_writable_over_limit", FEAT_V1, s_two_readables, {0, 79, false},
	 0, 0, -EINVAL, "chain.writable_len", 3},
	{"rej_more_segments_than_caller_array", FEAT_V1, s_two_readables,
	 {0}, 3, 0, -ENOSPC, "chain.seg_count", 3},
	{"ok_segments_exactly_caller_array", FEAT_V1, s_two_readables, {0},
	 4, 0, 1, NULL, 0},
	{"rej_readable_over_u32", FEAT_V1, s_u32_overflow, {0}, 0, 0,
	 -EINVAL, "chain.readable_len", 1},
};

static void test_hostile_rings(void **state)
{
	(void)state;

	for (size_t c = 0; c < sizeof(k_ring_cases) / sizeof(k_ring_cases[0]);
	     c++) {
		const struct ring_case *rc = &k_ring_cases[c];
		struct virtq_layout l = layout(QSIZE, rc->features);
		struct virtq_chain chain = {0};
		struct rheap_diag diag = {0};
		uint32_t cap = rc->seg_cap ? rc->seg_cap : 64u;
		int got = 0;

		print_message("  case %s\n", rc->name);
		mem_setup();
		assert_int_equal(virtq_dev_init(&g_dev, &g_mem, &l,
						&rc->limits, NULL),
				 0);
		rc->setup();
		for (uint32_t i = 0; i < rc->pre_pops; i++) {
			assert_int_equal(virtq_dev_pop(&g_dev, g_segs, cap,
						       &chain, NULL),
					 1);
		}
		memcpy(g_used_before, host(USED_GPA), sizeof(g_used_before));
		chain.head = 0xABCD;
		got = virtq_dev_pop(&g_dev, g_segs, cap, &chain, &diag);
		assert_int_equal(got, rc->want);
		if (!rc->field) {
			assert_int_equal(virtq_dev_state(&g_dev), VIRTQ_READY);
			assert_int_equal(virtq_dev_push(&g_dev, chain.head, 0,
							NULL),
					 1);
			continue;
		}
		assert_non_null(diag.field);
		assert_string_equal(diag.field, rc->field);
		assert_int_equal(diag.index, rc->index);
		assert_int_equal(chain.head, 0xABCD); /* untouched */
		assert_memory_equal(g_used_before, host(USED_GPA),
				    sizeof(g_used_before));
		assert_int_equal(virtq_dev_state(&g_dev), VIRTQ_NEEDS_RESET);
		/* Sticky: every later call refuses, nothing is written. */
		assert_int_equal(virtq_dev_pop(&g_dev, g_segs, cap, &chain,
					       NULL),
				 -EPERM);
		assert_int_equal(virtq_dev_push(&g_dev, 0, 0, NULL), -EPERM);
		assert_int_equal(virtq_dev_set_notify(&g_dev, true), -EPERM);
		assert_memory_equal(g_used_before, host(USED_GPA),
				    sizeof(g_used_before));
		assert_int_equal(virtq_dev_in_flight(&g_dev), 0);
		/* A reset and a new init bring it back. */
		virtq_dev_reset(&g_dev);
		assert_int_equal(virtq_dev_state(&g_dev), VIRTQ_RESET);
		assert_int_equal(virtq_dev_pop(&g_dev, g_segs, cap, &chain,
					       NULL),
				 -EPERM);
		assert_int_equal(virtq_dev_init(&g_dev, &g_mem, &l,
						&rc->limits, NULL),
				 0);
		assert_int_equal(virtq_dev_state(&g_dev), VIRTQ_READY);
	}
}

/* Accepted chains give exactly the segments that were written. */
static void test_pop_segments(void **state)
{
	struct virtq_layout l = layout(QSIZE, FEAT_V1 | FEAT_IND);
	struct virtq_chain chain = {0};

	(void)state;
	mem_setup();
	assert_int_equal(virtq_dev_init(&g_dev, &g_mem, &l, NULL, NULL), 0);
	s_two_readables();
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	assert_int_equal(chain.head, 0);
	assert_int_equal(chain.seg_count, 4);
	assert_int_equal(chain.readable_count, 2);
	assert_int_equal(chain.readable_len, 80);
	assert_int_equal(chain.writable_len, 80);
	assert_false(chain.indirect);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(g_segs[i].gpa, BUF_GPA + 40u * i);
		assert_ptr_equal(g_segs[i].host, host(BUF_GPA + 40u * i));
		assert_int_equal(g_segs[i].len, 40);
		assert_int_equal(g_segs[i].writable, i >= 2);
	}
	assert_int_equal(virtq_dev_in_flight(&g_dev), 1);
	/* Empty ring: 0, nothing changes. */
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 0);
	/* Push: element and index in the used ring, little-endian. */
	assert_int_equal(virtq_dev_push(&g_dev, 0, 77, NULL), 1);
	assert_int_equal(get16(host(USED_GPA + 2u)), 1);
	assert_int_equal(get32(host(USED_GPA + 4u)), 0);
	assert_int_equal(get32(host(USED_GPA + 8u)), 77);
	assert_int_equal(virtq_dev_in_flight(&g_dev), 0);
	/* A second push of the same head is a caller bug, queue stays. */
	assert_int_equal(virtq_dev_push(&g_dev, 0, 0, NULL), -EINVAL);
	assert_int_equal(virtq_dev_push(&g_dev, QSIZE, 0, NULL), -EINVAL);
	assert_int_equal(virtq_dev_state(&g_dev), VIRTQ_READY);

	/* Indirect chain from an indirect table. */
	s_ind_good();
	avail_ring(1, 0);
	avail_idx(2);
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	assert_true(chain.indirect);
	assert_int_equal(chain.seg_count, 2);
	assert_int_equal(chain.readable_count, 1);
	assert_int_equal(g_segs[1].gpa, BUF_GPA + 32u);
	assert_true(g_segs[1].writable);
}

/* ------------------------------------------------------------------ */
/* Layout and memory-table refusals                                    */

struct layout_case {
	const char *name;
	struct virtq_layout l;
	int want;
	const char *field;
};

static const struct layout_case k_layout_cases[] = {
	{"ok", {DESC_GPA, AVAIL_GPA, USED_GPA, 8, FEAT_V1}, 0, NULL},
	{"ok_size_1", {DESC_GPA, AVAIL_GPA, USED_GPA, 1, FEAT_V1}, 0, NULL},
	{"ok_size_32768_in_ram",
	 {RAM_GPA, RAM_GPA + 0x80000u, RAM_GPA + 0x90100u, 32768,
	  FEAT_V1 | FEAT_IND | FEAT_EVT},
	 0, NULL},
	{"rej_size_0", {DESC_GPA, AVAIL_GPA, USED_GPA, 0, FEAT_V1}, -EINVAL,
	 "layout.size"},
	{"rej_size_3", {DESC_GPA, AVAIL_GPA, USED_GPA, 3, FEAT_V1}, -EINVAL,
	 "layout.size"},
	{"rej_size_65536", {DESC_GPA, AVAIL_GPA, USED_GPA, 65536, FEAT_V1},
	 -EINVAL, "layout.size"},
	{"rej_no_version_1", {DESC_GPA, AVAIL_GPA, USED_GPA, 8, FEAT_IND},
	 -EOPNOTSUPP, "layout.features"},
	{"rej_access_platform",
	 {DESC_GPA, AVAIL_GPA, USED_GPA, 8, FEAT_V1 | VIRTQ_FEATURE(33)},
	 -EOPNOTSUPP, "layout.features"},
	{"rej_packed_ring",
	 {DESC_GPA, AVAIL_GPA, USED_GPA, 8, FEAT_V1 | VIRTQ_FEATURE(34)},
	 -EOPNOTSUPP, "layout.features"},
	{"rej_desc_misaligned", {DESC_GPA + 8u, AVAIL_GPA, USED_GPA, 8,
				 FEAT_V1},
	 -EINVAL, "layout.desc_gpa"},
	{"rej_avail_misaligned", {DESC_GPA, AVAIL_GPA + 1u, USED_GPA, 8,
				  FEAT_V1},
	 -EINVAL, "layout.avail_gpa"},
	{"rej_used_misaligned", {DESC_GPA, AVAIL_GPA, USED_GPA + 2u, 8,
				 FEAT_V1},
	 -EINVAL, "layout.used_gpa"},
	{"rej_desc_outside_ram", {0x1000, AVAIL_GPA, USED_GPA, 8, FEAT_V1},
	 -EINVAL, "layout.desc_gpa"},
	{"rej_used_past_ram_end",
	 {DESC_GPA, AVAIL_GPA, RAM_GPA + RAM_SIZE - 64u, 8, FEAT_V1}, -EINVAL,
	 "layout.used_gpa"},
	{"rej_avail_wraps", {DESC_GPA, UINT64_MAX - 15u, USED_GPA, 8, FEAT_V1},
	 -EOVERFLOW, "layout.avail_gpa"},
	{"rej_avail_overlaps_desc",
	 {DESC_GPA, DESC_GPA + 0x70u, USED_GPA, 8, FEAT_V1}, -EINVAL,
	 "layout.avail_gpa"},
	{"rej_used_overlaps_avail",
	 {DESC_GPA, AVAIL_GPA, AVAIL_GPA + 0x10u, 8, FEAT_V1}, -EINVAL,
	 "layout.used_gpa"},
};

static void test_layout(void **state)
{
	(void)state;
	mem_setup();
	for (size_t c = 0;
	     c < sizeof(k_layout_cases) / sizeof(k_layout_cases[0]); c++) {
		const struct layout_case *lc = &k_layout_cases[c];
		struct rheap_diag diag = {0};

		print_message("  case %s\n", lc->name);
		assert_int_equal(virtq_dev_init(&g_dev, &g_mem, &lc->l, NULL,
						&diag),
				 lc->want);
		if (lc->field) {
			assert_string_equal(diag.field, lc->field);
			assert_int_equal(virtq_dev_state(&g_dev), VIRTQ_RESET);
		}
		memset(&diag, 0, sizeof(diag));
		assert_int_equal(virtq_drv_init(&g_drv, &g_mem, &lc->l, g_slots,
						lc->l.size, &diag),
				 lc->want);
		if (lc->field) {
			assert_string_equal(diag.field, lc->field);
		}
	}
	/* The driver needs exactly one slot per entry. */
	{
		struct virtq_layout l = layout(8, FEAT_V1);

		assert_int_equal(virtq_drv_init(&g_drv, &g_mem, &l, g_slots, 4,
						NULL),
				 -EINVAL);
		assert_int_equal(virtq_drv_init(&g_drv, &g_mem, &l, NULL, 8,
						NULL),
				 -EINVAL);
		assert_int_equal(virtq_drv_add(&g_drv, NULL, 0, 0, NULL, 0,
					       NULL),
				 -EPERM);
	}
}

static void test_mem(void **state)
{
	struct virtq_mem_range r[2];
	struct virtq_mem m = {r, 2};
	struct rheap_diag diag = {0};
	uint8_t *h = NULL;

	(void)state;
	mem_setup();
	assert_int_equal(virtq_mem_check(&g_mem, NULL), 0);

	r[0] = (struct virtq_mem_range){RAM_GPA, RAM_SIZE, g_ram};
	r[1] = (struct virtq_mem_range){RAM_GPA + RAM_SIZE - 4096u, 8192,
					g_ram2};
	assert_int_equal(virtq_mem_check(&m, &diag), -EINVAL);
	assert_string_equal(diag.field, "mem.gpa");
	assert_int_equal(diag.index, 1);
	r[1] = (struct virtq_mem_range){RAM2_GPA, 0, g_ram2};
	assert_int_equal(virtq_mem_check(&m, &diag), -EINVAL);
	assert_string_equal(diag.field, "mem.size");
	r[1] = (struct virtq_mem_range){RAM2_GPA, 4096, NULL};
	assert_int_equal(virtq_mem_check(&m, &diag), -EINVAL);
	assert_string_equal(diag.field, "mem.host");
	r[1] = (struct virtq_mem_range){RAM2_GPA + 2u, 4096, g_ram2};
	assert_int_equal(virtq_mem_check(&m, &diag), -EINVAL);
	assert_string_equal(diag.field, "mem.host");
	r[1] = (struct virtq_mem_range){UINT64_MAX - 4095u, 8192, g_ram2};
	assert_int_equal(virtq_mem_check(&m, &diag), -EOVERFLOW);
	assert_string_equal(diag.field, "mem.size");
	m.ranges = NULL;
	assert_int_equal(virtq_mem_check(&m, NULL), -EINVAL);

	/* Map: inside one range only; exact end; wrap; zero length. */
	assert_int_equal(virtq_mem_map(&g_mem, RAM_GPA, RAM_SIZE, &h), 0);
	assert_ptr_equal(h, g_ram);
	assert_int_equal(virtq_mem_map(&g_mem, RAM_GPA + 1u, RAM_SIZE, &h),
			 -EINVAL);
	assert_int_equal(virtq_mem_map(&g_mem, RAM_GPA - 1u, 2, &h), -EINVAL);
	assert_int_equal(virtq_mem_map(&g_mem, RAM_GPA, 0, &h), -EINVAL);
	assert_int_equal(virtq_mem_map(&g_mem, UINT64_MAX, 1, &h),
			 -EOVERFLOW);
	assert_int_equal(virtq_mem_map(&g_mem, 1, UINT64_MAX, &h),
			 -EOVERFLOW);
}

static void test_overlaps(void **state)
{
	struct virtq_layout l = layout(QSIZE, FEAT_V1);

	(void)state;
	mem_setup();
	virtq_dev_reset(&g_dev);
	assert_false(virtq_dev_overlaps(&g_dev, DESC_GPA, 4096));
	assert_int_equal(virtq_dev_init(&g_dev, &g_mem, &l, NULL, NULL), 0);
	assert_true(virtq_dev_overlaps(&g_dev, DESC_GPA, 1));
	assert_true(virtq_dev_overlaps(&g_dev, DESC_GPA + 16u * QSIZE - 1u,
				       1));
	assert_false(virtq_dev_overlaps(&g_dev, DESC_GPA + 16u * QSIZE,
					AVAIL_GPA - DESC_GPA - 16u * QSIZE));
	assert_true(virtq_dev_overlaps(&g_dev, AVAIL_GPA + 4u + 2u * QSIZE, 2));
	assert_false(virtq_dev_overlaps(&g_dev, AVAIL_GPA + 6u + 2u * QSIZE,
					USED_GPA - AVAIL_GPA - 6u - 2u * QSIZE));
	assert_true(virtq_dev_overlaps(&g_dev, USED_GPA + 4u + 8u * QSIZE, 2));
	assert_true(virtq_dev_overlaps(&g_dev, 0, UINT64_MAX));
	assert_true(virtq_dev_overlaps(&g_dev, 1, UINT64_MAX)); /* wraps */
	assert_false(virtq_dev_overlaps(&g_dev, USED_GPA, 0));
	assert_false(virtq_dev_overlaps(&g_dev, BUF_GPA, 4096));
}

/* ------------------------------------------------------------------ */
/* Driver and device together                                          */

static void both_init(uint32_t size, uint64_t features)
{
	struct virtq_layout l = layout(size, features);

	mem_setup();
	assert_int_equal(virtq_drv_init(&g_drv, &g_mem, &l, g_slots, size,
					NULL),
			 0);
	assert_int_equal(virtq_dev_init(&g_dev, &g_mem, &l, NULL, NULL), 0);
}

static void test_round_trip(void **state)
{
	struct virtq_buf bufs[3] = {
		{BUF_GPA, 24}, {RAM2_GPA + 64u, 100}, {BUF_GPA + 0x1000u, 256},
	};
	struct virtq_indirect ind = {IND_GPA, 4};
	struct virtq_chain chain = {0};
	struct rheap_diag diag = {0};
	uint64_t cookie = 0;
	uint32_t len = 0;
	int head = 0;

	(void)state;
	both_init(QSIZE, FEAT_V1 | FEAT_IND);
	memcpy(host(BUF_GPA), "request!", 8);
	head = virtq_drv_add(&g_drv, bufs, 2, 1, NULL, 0x1111, NULL);
	assert_true(head >= 0);
	assert_int_equal(virtq_drv_free_count(&g_drv), QSIZE - 3u);
	assert_true(virtq_drv_kick_needed(&g_drv));
	assert_false(virtq_drv_kick_needed(&g_drv)); /* nothing new */
	assert_int_equal(virtq_drv_get_used(&g_drv, &cookie, &len, NULL), 0);

	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	assert_int_equal(chain.head, head);
	assert_int_equal(chain.seg_count, 3);
	assert_int_equal(chain.readable_count, 2);
	assert_memory_equal(g_segs[0].host, "request!", 8);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(g_segs[i].gpa, bufs[i].gpa);
		assert_int_equal(g_segs[i].len, bufs[i].len);
	}
	memcpy(g_segs[2].host, "response", 8);
	assert_int_equal(virtq_dev_push(&g_dev, chain.head, 8, NULL), 1);
	assert_int_equal(virtq_drv_get_used(&g_drv, &cookie, &len, NULL), 1);
	assert_int_equal(cookie, 0x1111);
	assert_int_equal(len, 8);
	assert_memory_equal(host(BUF_GPA + 0x1000u), "response", 8);
	assert_int_equal(virtq_drv_free_count(&g_drv), QSIZE);

	/* Indirect: one queue descriptor whatever the buffer count. */
	head = virtq_drv_add(&g_drv, bufs, 1, 2, &ind, 0x2222, NULL);
	assert_true(head >= 0);
	assert_int_equal(virtq_drv_free_count(&g_drv), QSIZE - 1u);
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	assert_true(chain.indirect);
	assert_int_equal(chain.seg_count, 3);
	assert_int_equal(chain.readable_count, 1);
	assert_int_equal(chain.writable_len, 356);
	assert_int_equal(virtq_dev_push(&g_dev, chain.head, 356, NULL), 1);
	assert_int_equal(virtq_drv_get_used(&g_drv, &cookie, &len, NULL), 1);
	assert_int_equal(cookie, 0x2222);
	assert_int_equal(len, 356);

	/* Driver refusals. */
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 0, 0, NULL, 0, NULL),
			 -EINVAL);
	ind.entries = 2;
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 1, 2, &ind, 0, &diag),
			 -ENOSPC);
	assert_string_equal(diag.field, "indirect.entries");
	ind = (struct virtq_indirect){IND_GPA + 8u, 4};
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 1, 2, &ind, 0, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "indirect.gpa");
	bufs[1].len = 0;
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 2, 1, NULL, 0, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "buf.len");
	assert_int_equal(diag.index, 1);
	bufs[1] = (struct virtq_buf){0x1000, 16};
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 2, 1, NULL, 0, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "buf.gpa");
	bufs[1] = (struct virtq_buf){UINT64_MAX - 3u, 16};
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 2, 1, NULL, 0, &diag),
			 -EOVERFLOW);
	bufs[1] = (struct virtq_buf){BUF_GPA, 16};
	for (uint32_t i = 0; i < QSIZE / 3u; i++) {
		assert_true(virtq_drv_add(&g_drv, bufs, 2, 1, NULL, i, NULL) >=
			    0);
	}
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 2, 1, NULL, 0, &diag),
			 -ENOSPC);
	assert_string_equal(diag.field, "queue.free");
	{
		struct virtq_buf many[QSIZE + 1u];

		for (uint32_t i = 0; i <= QSIZE; i++) {
			many[i] = (struct virtq_buf){BUF_GPA, 8};
		}
		assert_int_equal(virtq_drv_add(&g_drv, many, QSIZE + 1u, 0,
					       NULL, 0, NULL),
				 -EINVAL);
	}
	/* Indirect without the feature. */
	both_init(QSIZE, FEAT_V1);
	ind = (struct virtq_indirect){IND_GPA, 4};
	assert_int_equal(virtq_drv_add(&g_drv, bufs, 1, 0, &ind, 0, NULL),
			 -EOPNOTSUPP);
}

/* 16-bit LCG-free deterministic sequence for the long run. */
static uint32_t g_seed = 12345;

static uint32_t next_rand(void)
{
	g_seed = g_seed * 1103515245u + 12345u;
	return g_seed >> 16;
}

struct expect {
	uint64_t cookie;
	uint32_t count;
	uint32_t readable;
	uint64_t gpa0;
	bool indirect;
};

static struct expect g_exp[VIRTQ_SIZE_MAX];

/* Writable bytes of an expected chain (sum of 1..count past readable). */
static uint32_t chain_writable_bytes(uint32_t count, uint32_t readable)
{
	uint32_t sum = 0;

	for (uint32_t i = readable; i < count; i++) {
		sum += 1u + i;
	}
	return sum;
}

static uint32_t chain_writable(uint16_t head)
{
	return chain_writable_bytes(g_exp[head].count, g_exp[head].readable);
}

/*
 * 70000 requests through a small queue: both free-running indices wrap
 * past 65535 (and the ring slot arithmetic with them); chains are direct
 * or indirect, 1..4 buffers, pushed in pop order or reversed in a batch.
 */
static void run_long(uint32_t size, uint64_t features)
{
	struct virtq_buf bufs[4];
	struct virtq_chain chain = {0};
	struct virtq_indirect ind = {0};
	uint16_t popped[64];
	uint32_t popped_count = 0;
	uint64_t next_cookie = 1;
	uint64_t done = 0;
	uint64_t cookie = 0;
	uint32_t len = 0;
	uint32_t in_flight = 0;
	bool reverse = false;
	int head = 0;

	both_init(size, features);
	while (done < 70000u) {
		/* Add up to a batch. */
		uint32_t batch = 1u + next_rand() % size;

		for (uint32_t b = 0; b < batch; b++) {
			uint32_t count = 1u + next_rand() % 4u;
			uint32_t readable = next_rand() % (count + 1u);
			bool use_ind = (features & FEAT_IND) &&
				       (next_rand() & 1u);
			uint64_t base = BUF_GPA + (next_rand() % 64u) * 256u;

			for (uint32_t i = 0; i < count; i++) {
				bufs[i] = (struct virtq_buf){base + 64u * i,
							     1u + i};
			}
			ind = (struct virtq_indirect){IND_GPA + 64u * 16u *
							       (next_cookie %
								size),
						      4};
			head = virtq_drv_add(&g_drv, bufs, readable,
					     count - readable,
					     use_ind ? &ind : NULL,
					     next_cookie, NULL);
			if (head == -ENOSPC) {
				break;
			}
			assert_true(head >= 0);
			g_exp[head] = (struct expect){next_cookie, count,
						    readable, base, use_ind};
			next_cookie++;
		}
		(void)virtq_drv_kick_needed(&g_drv);
		/* Device: pop all, push in order or reversed. */
		popped_count = 0;
		for (;;) {
			int rc = virtq_dev_pop(&g_dev, g_segs, 64, &chain,
					       NULL);

			if (rc == 0) {
				break;
			}
			assert_int_equal(rc, 1);
			assert_int_equal(chain.seg_count, g_exp[chain.head].count);
			assert_int_equal(chain.readable_count,
					 g_exp[chain.head].readable);
			assert_int_equal(chain.indirect,
					 g_exp[chain.head].indirect);
			assert_int_equal(g_segs[0].gpa, g_exp[chain.head].gpa0);
			for (uint32_t i = 0; i < chain.seg_count; i++) {
				assert_int_equal(g_segs[i].len, 1u + i);
				assert_int_equal(g_segs[i].writable,
						 i >= chain.readable_count);
			}
			assert_true(popped_count < 64u);
			popped[popped_count++] = chain.head;
		}
		in_flight = virtq_dev_in_flight(&g_dev);
		assert_int_equal(in_flight, popped_count);
		reverse = (next_rand() & 1u) != 0;
		for (uint32_t i = 0; i < popped_count; i++) {
			uint32_t k = reverse ? popped_count - 1u - i : i;
			uint16_t h = popped[k];

			(void)virtq_dev_push(&g_dev, h,
					     chain_writable(h), NULL);
		}
		/* Driver: every element back, in push order. */
		for (uint32_t i = 0; i < popped_count; i++) {
			uint32_t k = reverse ? popped_count - 1u - i : i;

			assert_int_equal(virtq_drv_get_used(&g_drv, &cookie,
							    &len, NULL),
					 1);
			assert_int_equal(cookie, g_exp[popped[k]].cookie);
			done++;
		}
		assert_int_equal(virtq_drv_get_used(&g_drv, &cookie, &len,
						    NULL),
				 0);
	}
	assert_int_equal(virtq_drv_free_count(&g_drv), size);
	assert_int_equal(virtq_dev_in_flight(&g_dev), 0);
	assert_true(next_cookie > 65536u);
	assert_int_equal(virtq_dev_state(&g_dev), VIRTQ_READY);
	assert_int_equal(g_drv.state, VIRTQ_READY);
}


static void test_wrap_direct_size4(void **state)
{
	(void)state;
	run_long(4, FEAT_V1);
}

static void test_wrap_mixed_size8_event_idx(void **state)
{
	(void)state;
	run_long(8, FEAT_V1 | FEAT_IND | FEAT_EVT);
}

static void test_wrap_indirect_size16(void **state)
{
	(void)state;
	run_long(16, FEAT_V1 | FEAT_IND);
}

/* One writable request through both ends; returns push's answer. */
static int exchange(void)
{
	struct virtq_buf b = {BUF_GPA, 16};
	struct virtq_chain chain = {0};

	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 7, NULL) >= 0);
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	return virtq_dev_push(&g_dev, chain.head, 4, NULL);
}

static void drain_used(void)
{
	uint64_t cookie = 0;
	uint32_t len = 0;

	while (virtq_drv_get_used(&g_drv, &cookie, &len, NULL) == 1) {
	}
}

static void test_event_idx(void **state)
{
	struct virtq_buf b = {BUF_GPA, 16};
	struct virtq_chain chain = {0};
	uint16_t heads[8];
	int got[8];

	(void)state;
	both_init(8, FEAT_V1 | FEAT_EVT);

	/* Kicks: the device's avail_event asks for the next new index. */
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 1, NULL) >= 0);
	assert_true(virtq_drv_kick_needed(&g_drv));
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 2, NULL) >= 0);
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 3, NULL) >= 0);
	assert_false(virtq_drv_kick_needed(&g_drv)); /* already kicked */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain,
					       NULL),
				 1);
		heads[i] = chain.head;
	}
	assert_int_equal(get16(host(USED_GPA + 4u + 8u * 8u)), 3);
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 4, NULL) >= 0);
	assert_true(virtq_drv_kick_needed(&g_drv));
	/* Device stops asking: avail_event stays behind. */
	assert_int_equal(virtq_dev_set_notify(&g_dev, false), 0);
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	heads[3] = chain.head;
	assert_int_equal(get16(host(USED_GPA + 4u + 8u * 8u)), 3);
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 5, NULL) >= 0);
	assert_false(virtq_drv_kick_needed(&g_drv));
	assert_int_equal(virtq_dev_set_notify(&g_dev, true), 0);
	assert_int_equal(get16(host(USED_GPA + 4u + 8u * 8u)), 4);
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	heads[4] = chain.head;
	for (int i = 0; i < 5; i++) {
		(void)virtq_dev_push(&g_dev, heads[i], 0, NULL);
	}
	drain_used();

	/* Interrupts: only when used.idx passes used_event. */
	both_init(8, FEAT_V1 | FEAT_EVT);
	assert_int_equal(exchange(), 1); /* first decision always */
	drain_used();                    /* irq ON: used_event = 1 */
	for (int i = 0; i < 8; i++) {
		assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 10u + i,
					  NULL) >= 0);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain,
					       NULL),
				 1);
		heads[i] = chain.head;
	}
	assert_int_equal(virtq_drv_interrupt_after(&g_drv, 5), 0);
	for (int i = 0; i < 8; i++) {
		got[i] = virtq_dev_push(&g_dev, heads[i], 0, NULL);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(got[i], i == 4 ? 1 : 0);
	}
	drain_used(); /* AFTER mode: used_event left alone */
	assert_int_equal(get16(host(AVAIL_GPA + 4u + 2u * 8u)), 5);
	assert_int_equal(virtq_drv_set_interrupts(&g_drv, true), 0);
	assert_int_equal(exchange(), 1);
	drain_used();
	assert_int_equal(exchange(), 1);
	drain_used();
	assert_int_equal(virtq_drv_set_interrupts(&g_drv, false), 0);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(exchange(), 0);
		drain_used();
	}
	assert_int_equal(virtq_drv_interrupt_after(&g_drv, 0), -EINVAL);
	assert_int_equal(virtq_drv_interrupt_after(&g_drv, 0x8000), -EINVAL);
	assert_int_equal(virtq_drv_interrupt_after(&g_drv, 1), 0);
	assert_int_equal(exchange(), 1);
}

static void test_flag_suppression(void **state)
{
	struct virtq_buf b = {BUF_GPA, 16};

	(void)state;
	both_init(8, FEAT_V1);
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 1, NULL) >= 0);
	assert_true(virtq_drv_kick_needed(&g_drv));
	assert_int_equal(virtq_dev_set_notify(&g_dev, false), 0);
	assert_int_equal(get16(host(USED_GPA)), VIRTQ_USED_F_NO_NOTIFY);
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 2, NULL) >= 0);
	assert_false(virtq_drv_kick_needed(&g_drv));
	assert_int_equal(virtq_dev_set_notify(&g_dev, true), 0);
	assert_true(virtq_drv_add(&g_drv, &b, 0, 1, NULL, 3, NULL) >= 0);
	assert_true(virtq_drv_kick_needed(&g_drv));

	both_init(8, FEAT_V1);
	assert_int_equal(exchange(), 1);
	drain_used();
	assert_int_equal(virtq_drv_set_interrupts(&g_drv, false), 0);
	assert_int_equal(get16(host(AVAIL_GPA)), VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(exchange(), 0);
	drain_used();
	assert_int_equal(virtq_drv_set_interrupts(&g_drv, true), 0);
	assert_int_equal(exchange(), 1);
	assert_int_equal(virtq_drv_interrupt_after(&g_drv, 2), -EOPNOTSUPP);
}

/* A device that breaks the used ring, as the driver sees it. */
struct used_case {
	const char *name;
	uint16_t idx;      /* used.idx written */
	uint32_t id;       /* element id (0xFFFFFFFF: keep the pushed one) */
	uint32_t len;      /* element len */
	int want;
	const char *field;
};

static const struct used_case k_used_cases[] = {
	{"ok", 1, 0xFFFFFFFFu, 16, 1, NULL},
	{"rej_used_idx_ahead", 3, 0xFFFFFFFFu, 0, -EINVAL, "used.idx"},
	{"rej_used_idx_backwards", 0xFFFF, 0xFFFFFFFFu, 0, -EINVAL,
	 "used.idx"},
	{"rej_id_out_of_range", 1, 8, 0, -EINVAL, "used.ring.id"},
	{"rej_id_huge", 1, 0x10000u, 0, -EINVAL, "used.ring.id"},
	{"rej_id_not_a_head", 1, 5, 0, -EINVAL, "used.ring.id"},
	{"rej_len_over_writable", 1, 0xFFFFFFFFu, 17, -EINVAL,
	 "used.ring.len"},
};

static void test_driver_checks_device(void **state)
{
	struct virtq_buf bufs[2] = {{BUF_GPA, 8}, {BUF_GPA + 8u, 16}};

	(void)state;
	for (size_t c = 0; c < sizeof(k_used_cases) / sizeof(k_used_cases[0]);
	     c++) {
		const struct used_case *uc = &k_used_cases[c];
		struct rheap_diag diag = {0};
		uint64_t cookie = 0;
		uint32_t len = 0;
		int h0 = 0;

		print_message("  case %s\n", uc->name);
		both_init(8, FEAT_V1);
		h0 = virtq_drv_add(&g_drv, bufs, 1, 1, NULL, 0xA, NULL);
		assert_int_equal(h0, 0);
		assert_int_equal(virtq_drv_add(&g_drv, bufs, 1, 1, NULL, 0xB,
					       NULL),
				 2);
		put32(host(USED_GPA + 4u),
		      uc->id == 0xFFFFFFFFu ? (uint32_t)h0 : uc->id);
		put32(host(USED_GPA + 8u), uc->len);
		put16(host(USED_GPA + 2u), uc->idx);
		assert_int_equal(virtq_drv_get_used(&g_drv, &cookie, &len,
						    &diag),
				 uc->want);
		if (!uc->field) {
			assert_int_equal(cookie, 0xA);
			assert_int_equal(len, 16);
			continue;
		}
		assert_string_equal(diag.field, uc->field);
		assert_int_equal(g_drv.state, VIRTQ_NEEDS_RESET);
		assert_int_equal(virtq_drv_get_used(&g_drv, &cookie, &len,
						    NULL),
				 -EPERM);
		assert_int_equal(virtq_drv_add(&g_drv, bufs, 1, 1, NULL, 0,
					       NULL),
				 -EPERM);
		assert_false(virtq_drv_kick_needed(&g_drv));
		assert_int_equal(virtq_drv_free_count(&g_drv), 0);
	}
}

/* Popped segments are copies: the guest rewriting the table changes none. */
static void test_single_fetch(void **state)
{
	struct virtq_layout l = layout(QSIZE, FEAT_V1);
	struct virtq_chain chain = {0};

	(void)state;
	mem_setup();
	assert_int_equal(virtq_dev_init(&g_dev, &g_mem, &l, NULL, NULL), 0);
	s_two_readables();
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 1);
	desc(0, 0x1000, 0xFFFFFFFFu, 0xFFFF, 0xFFFF);
	desc(2, 0x1000, 0, 0, 0);
	avail_ring(0, 0xFFFF);
	assert_int_equal(g_segs[0].gpa, BUF_GPA);
	assert_int_equal(g_segs[2].len, 40);
	assert_true(g_segs[2].writable);
	/* The rewritten head is only seen if offered again (and refused). */
	assert_int_equal(virtq_dev_pop(&g_dev, g_segs, 64, &chain, NULL), 0);
	assert_int_equal(virtq_dev_push(&g_dev, 0, 80, NULL), 1);
	assert_int_equal(get64(host(USED_GPA + 4u)), UINT64_C(80) << 32);
}

static void test_virtio_rheap_abi(void **state)
{
	static const int errs[] = {0, -EINVAL, -ENOSPC, -ENOMEM, -ENOENT,
				   -EBUSY, -EPERM, -EOVERFLOW, -EOPNOTSUPP};

	(void)state;
	assert_int_equal(VIRTIO_ID_RHEAP, 57);
	assert_int_equal(VIRTIO_RHEAP_PCI_DEVICE_ID, 0x1079);
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		uint32_t s = virtio_rheap_status_from_errno(errs[i]);

		assert_int_equal(virtio_rheap_status_to_errno(s), errs[i]);
		assert_true(s <= VIRTIO_RHEAP_S_NOTSUPP);
	}
	assert_int_equal(virtio_rheap_status_from_errno(-5),
			 VIRTIO_RHEAP_S_INVAL);
	assert_int_equal(virtio_rheap_status_to_errno(9), -EINVAL);
	assert_int_equal(virtio_rheap_status_to_errno(0xFFFFFFFFu), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_rings),
		cmocka_unit_test(test_pop_segments),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrap_direct_size4),
		cmocka_unit_test(test_wrap_mixed_size8_event_idx),
		cmocka_unit_test(test_wrap_indirect_size16),
		cmocka_unit_test(test_event_idx),
		cmocka_unit_test(test_flag_suppression),
		cmocka_unit_test(test_driver_checks_device),
		cmocka_unit_test(test_single_fetch),
		cmocka_unit_test(test_virtio_rheap_abi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
