// SPDX-License-Identifier: BSD-2-Clause
/*
 * kheap unit tests: heaps, static and dynamic pools, chunk lending and idle
 * release with a fake clock, TZASC runs and the no-split release rule,
 * buffers spanning chunks, scrub on free and quarantine, quotas,
 * accounting, fault injection at every ops call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rheap/err.h>
#include <rheap/use_case.h>

#include "kernel/kheap.h"

#define MIB (UINT64_C(1) << 20)
#define KIB (UINT64_C(1) << 10)
#define STATIC_BIT 0x80000000u
#define MS (UINT64_C(1000000))

/* Fake world: counts calls, fails the k-th one, tracks lent chunks. */
struct fake {
	uint64_t calls;    /* every ops call */
	uint64_t fail_at;  /* 1-based call that fails; 0 never */
	uint64_t fail_also; /* another one; 0 none */
	uint32_t fail_odds; /* also fail 1 call in fail_odds at random (not
			     * scrubs); 0 never */
	uint64_t rng;       /* for fail_odds (xorshift64, non-zero) */
	uint32_t failed;    /* calls failed */
	int fail_rc;
	bool scrub_fails;  /* every scrub fails */
	uint32_t lends;
	uint32_t reclaims;
	uint32_t maps;
	uint32_t unmaps;
	uint32_t scrubs;
	uint64_t scrub_bytes;
	uint64_t last_scrub_id;
	uint64_t last_scrub_off;
	uint64_t last_scrub_size;
	uint32_t live; /* lent chunks not reclaimed */
	uint64_t next_handle;
	uint64_t lent_pa[64];
	uint64_t lent_handle[64];
};

static struct fake F;

static uint64_t rnd(void)
{
	F.rng ^= F.rng << 13;
	F.rng ^= F.rng >> 7;
	F.rng ^= F.rng << 17;
	return F.rng;
}

/* @odds: this call may also fail at random (fail_odds). */
static bool fake_fail_odds(bool odds)
{
	bool fail = false;

	F.calls++;
	fail = (F.fail_at != 0 && F.calls == F.fail_at) ||
	       (F.fail_also != 0 && F.calls == F.fail_also) ||
	       (odds && F.fail_odds != 0 && rnd() % F.fail_odds == 0);
	F.failed += fail;
	return fail;
}

static bool fake_fail(void)
{
	return fake_fail_odds(true);
}

static int fake_unmap(void *ctx, uint64_t pa, uint64_t size)
{
	(void)ctx;
	(void)pa;
	(void)size;
	if (fake_fail()) {
		return F.fail_rc;
	}
	F.unmaps++;
	return 0;
}

static void fake_map(void *ctx, uint64_t pa, uint64_t size)
{
	(void)ctx;
	(void)pa;
	(void)size;
	F.maps++;
}

static int fake_lend(void *ctx, uint32_t use_case, uint64_t pa, uint64_t size,
		     uint64_t *handle, uint32_t *buf_id)
{
	(void)ctx;
	(void)size;
	assert_true(use_case >= 1 && use_case <= 3);
	if (fake_fail()) {
		return F.fail_rc;
	}
	F.lends++;
	F.live++;
	*handle = 0x1000 + F.next_handle;
	*buf_id = 0x100 + (uint32_t)F.next_handle;
	F.lent_pa[F.next_handle % 64] = pa;
	F.lent_handle[F.next_handle % 64] = *handle;
	F.next_handle++;
	return 0;
}

static int fake_reclaim(void *ctx, uint64_t handle)
{
	(void)ctx;
	(void)handle;
	if (fake_fail()) {
		return F.fail_rc;
	}
	F.reclaims++;
	F.live--;
	return 0;
}

static int fake_scrub(void *ctx, uint32_t id, uint64_t off, uint64_t size)
{
	(void)ctx;
	/* Not at random: a quarantined page pins its chunk for good. */
	if (fake_fail_odds(false) || F.scrub_fails) {
		return F.fail_rc ? F.fail_rc : -ENOENT;
	}
	F.scrubs++;
	F.scrub_bytes += size;
	F.last_scrub_id = id;
	F.last_scrub_off = off;
	F.last_scrub_size = size;
	return 0;
}

static const struct kheap_ops fake_ops = {
	.ctx = NULL,
	.unmap = fake_unmap,
	.map = fake_map,
	.lend = fake_lend,
	.reclaim = fake_reclaim,
	.scrub = fake_scrub,
};

/* Heaps: 0 secure-video (static 64 MiB + dynamic 64 MiB / 16 MiB chunks),
 * 1 secure-video-record (dynamic 64 MiB / 16 MiB), 2 system. */
#define SV_STATIC_BASE UINT64_C(0xe0000000)
#define SV_DYN_BASE UINT64_C(0x8ef000000)
#define SVR_BASE UINT64_C(0x8eb000000)

static struct kheap *make(uint64_t idle_ns)
{
	struct kheap_cfg cfg = { .idle_release_ns = idle_ns };
	struct kheap *h = NULL;
	uint32_t id = 0;

	memset(&F, 0, sizeof(F));
	F.fail_rc = -EBUSY;
	assert_int_equal(kheap_create(&fake_ops, &cfg, &h), 0);
	assert_int_equal(kheap_heap_add(h, RHEAP_USE_CASE_SECURE_VIDEO, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(
		kheap_heap_add(h, RHEAP_USE_CASE_SECURE_VIDEO_RECORD, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(kheap_heap_add(h, 0, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(kheap_pool_add_static(h, 0, SV_STATIC_BASE, 64 * MIB,
					       STATIC_BIT | 0),
			 0);
	assert_int_equal(
		kheap_pool_add_dynamic(h, 0, SV_DYN_BASE, 64 * MIB, 16 * MIB),
		0);
	assert_int_equal(
		kheap_pool_add_dynamic(h, 1, SVR_BASE, 64 * MIB, 16 * MIB), 0);
	assert_int_equal(kheap_client_add(h, 1, 0), 0);
	return h;
}

static void test_heaps(void **state)
{
	struct kheap *h = make(0);
	struct kheap_heap_info hi = { 0 };
	uint32_t id = 99;

	(void)state;
	assert_int_equal(kheap_heap_count(h), 3);
	assert_int_equal(kheap_heap_info(h, 0, &hi), 0);
	assert_string_equal(hi.name, "protected,secure-video");
	assert_true(hi.restricted);
	assert_int_equal(hi.capacity, 128 * MIB);
	assert_int_equal(kheap_heap_info(h, 1, &hi), 0);
	assert_string_equal(hi.name, "protected,secure-video-record");
	assert_int_equal(kheap_heap_info(h, 2, &hi), 0);
	assert_string_equal(hi.name, "system");
	assert_false(hi.restricted);
	assert_int_equal(hi.capacity, 0);
	assert_int_equal(kheap_heap_info(h, 3, &hi), -ENOENT);
	assert_int_equal(kheap_heap_find(h, "system", &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(kheap_heap_find(h, "protected,trusted-ui", &id),
			 -ENOENT);
	/* Duplicate, unknown use case. */
	assert_int_equal(kheap_heap_add(h, RHEAP_USE_CASE_SECURE_VIDEO, &id),
			 -EINVAL);
	assert_int_equal(kheap_heap_add(h, 0, &id), -EINVAL);
	assert_int_equal(kheap_heap_add(h, 7, &id), -EINVAL);
	/* Pools: system heap, overlap, misaligned, zero, wrap, unknown heap,
	 * chunk size. */
	assert_int_equal(kheap_pool_add_static(h, 2, 0x1000, 0x1000, 0),
			 -EINVAL);
	assert_int_equal(kheap_pool_add_static(h, 0, SV_STATIC_BASE + MIB,
					       MIB, STATIC_BIT),
			 -EINVAL);
	assert_int_equal(kheap_pool_add_static(h, 0, 0x1001, 0x1000, 0),
			 -EINVAL);
	assert_int_equal(kheap_pool_add_static(h, 0, 0x1000, 0, 0), -EINVAL);
	assert_int_equal(kheap_pool_add_static(h, 0, UINT64_MAX - 0xfff,
					       0x2000, 0),
			 -EINVAL);
	assert_int_equal(kheap_pool_add_static(h, 9, 0x1000, 0x1000, 0),
			 -ENOENT);
	assert_int_equal(kheap_pool_add_dynamic(h, 1, 0x1000, 0x1000, 0),
			 -EINVAL);
	assert_int_equal(kheap_pool_add_dynamic(h, 1, 0x1000, 0x10000, 0x800),
			 -EINVAL);
	assert_int_equal(
		kheap_pool_add_dynamic(h, 1, 0x100000000, 8192 * 4096, 4096),
		-EINVAL); /* 8192 slots > KHEAP_MAX_CHUNKS */
	assert_int_equal(kheap_pool_count(h), 3);
	/* Clients. */
	assert_int_equal(kheap_client_add(h, 0, 0), -EINVAL);
	assert_int_equal(kheap_client_add(h, 1, 0), -EINVAL);
	kheap_destroy(h);
}

static void check_zero(struct kheap *h)
{
	struct kheap_heap_info hi = { 0 };
	struct kheap_pool_info pi = { 0 };

	for (uint32_t i = 0; i < kheap_heap_count(h); i++) {
		assert_int_equal(kheap_heap_info(h, i, &hi), 0);
		assert_int_equal(hi.used, 0);
		assert_int_equal(hi.buffers, 0);
	}
	for (uint32_t i = 0; i < kheap_pool_count(h); i++) {
		assert_int_equal(kheap_pool_info(h, i, &pi), 0);
		assert_int_equal(pi.used, 0);
		assert_int_equal(pi.free, pi.size - pi.quarantined);
	}
	assert_null(kheap_buf_next(h, NULL));
}

static void test_static_alloc_free_scrub(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *b = NULL;
	struct kheap_buf *b2 = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_heap_info hi = { 0 };
	struct kheap_pool_info pi = { 0 };
	struct kheap_client_info ci = { 0 };
	struct kheap_counters cnt = { 0 };

	(void)state;
	assert_int_equal(kheap_alloc(h, 0, 1, 1, 0, &b), 0);
	kheap_buf_info(b, &bi);
	assert_int_equal(bi.id, 1);
	assert_int_equal(bi.size, 4096);
	assert_int_equal(bi.pool, 0);
	assert_true(bi.restricted);
	assert_int_equal(bi.extent_count, 1);
	assert_int_equal(bi.extents[0].pa, SV_STATIC_BASE);
	assert_int_equal(bi.piece_count, 1);
	assert_int_equal(bi.pieces[0].sdp_buf_id, STATIC_BIT | 0);
	assert_int_equal(bi.pieces[0].offset, 0);
	assert_int_equal(bi.refs[KHEAP_REF_HANDLE], 1);
	assert_int_equal(F.lends, 0); /* the static pool needs no LEND */
	assert_int_equal(kheap_alloc(h, 0, 1, 5 * MIB + 1, 0, &b2), 0);
	kheap_buf_info(b2, &bi);
	assert_int_equal(bi.size, 5 * MIB + 4096);
	assert_int_equal(bi.extents[0].pa, SV_STATIC_BASE + 4096);
	assert_int_equal(kheap_heap_info(h, 0, &hi), 0);
	assert_int_equal(hi.used, 5 * MIB + 8192);
	assert_int_equal(hi.buffers, 2);
	assert_int_equal(kheap_pool_info(h, 0, &pi), 0);
	assert_int_equal(pi.used, 5 * MIB + 8192);
	assert_int_equal(pi.free, 64 * MIB - 5 * MIB - 8192);
	assert_int_equal(pi.largest_free, 64 * MIB - 5 * MIB - 8192);
	assert_int_equal(pi.regions_needed, 1);
	assert_int_equal(kheap_client_info(h, 1, &ci), 0);
	assert_int_equal(ci.buffers, 2);
	assert_int_equal(ci.bytes, 5 * MIB + 8192);
	assert_ptr_equal(kheap_buf_find(h, 2), b2);
	assert_ptr_equal(kheap_buf_next(h, b), b2);
	/* Free: scrubbed exactly, then free. */
	assert_true(kheap_buf_put(h, b2, KHEAP_REF_HANDLE, 0));
	assert_int_equal(F.scrubs, 1);
	assert_int_equal(F.last_scrub_id, STATIC_BIT | 0);
	assert_int_equal(F.last_scrub_off, 4096);
	assert_int_equal(F.last_scrub_size, 5 * MIB + 4096);
	assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
	assert_int_equal(F.scrub_bytes, 5 * MIB + 8192);
	kheap_counters(h, &cnt);
	assert_int_equal(cnt.allocs, 2);
	assert_int_equal(cnt.frees, 2);
	assert_int_equal(cnt.scrubbed_bytes, 5 * MIB + 8192);
	assert_int_equal(kheap_client_info(h, 1, &ci), 0);
	assert_int_equal(ci.bytes, 0);
	check_zero(h);
	kheap_destroy(h);
}

static void test_errors(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *b = NULL;
	struct kheap_heap_info hi = { 0 };
	struct kheap_counters cnt = { 0 };

	(void)state;
	assert_int_equal(kheap_alloc(h, 0, 1, 0, 0, &b), -EINVAL);
	assert_int_equal(kheap_alloc(h, 0, 1, UINT64_MAX, 0, &b), -EINVAL);
	assert_int_equal(kheap_alloc(h, 0, 1, UINT64_MAX - 4094, 0, &b),
			 -EINVAL);
	assert_int_equal(kheap_alloc(h, 3, 1, 4096, 0, &b), -ENOENT);
	assert_int_equal(kheap_alloc(h, 0, 5, 4096, 0, &b), -ENOENT);
	/* Larger than the heap: no LEND attempted. */
	assert_int_equal(kheap_alloc(h, 0, 1, 128 * MIB + 1, 0, &b), -ENOMEM);
	assert_int_equal(kheap_alloc(h, 1, 1, 64 * MIB + 4096, 0, &b),
			 -ENOMEM);
	assert_int_equal(F.calls, 0);
	assert_int_equal(kheap_heap_info(h, 0, &hi), 0);
	assert_int_equal(hi.alloc_failures, 5);
	kheap_counters(h, &cnt);
	assert_int_equal(cnt.alloc_failures, 6);
	/* Exactly the whole heap fits (static + all dynamic chunks). */
	assert_int_equal(kheap_alloc(h, 1, 1, 64 * MIB, 0, &b), 0);
	assert_int_equal(F.lends, 4);
	assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
	check_zero(h);
	kheap_destroy(h);
}

static void test_system_heap(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *b = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_heap_info hi = { 0 };

	(void)state;
	assert_int_equal(kheap_alloc(h, 2, 1, 100, 0, &b), 0);
	kheap_buf_info(b, &bi);
	assert_false(bi.restricted);
	assert_int_equal(bi.size, 4096);
	assert_int_equal(bi.pool, UINT32_MAX);
	assert_int_equal(bi.extent_count, 0);
	assert_int_equal(bi.piece_count, 0);
	assert_int_equal(kheap_heap_info(h, 2, &hi), 0);
	assert_int_equal(hi.used, 4096);
	assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
	assert_int_equal(F.scrubs, 0);
	assert_int_equal(F.calls, 0);
	check_zero(h);
	kheap_destroy(h);
}

static void test_dynamic_one_lend_per_chunk(void **state)
{
	struct kheap *h = make(2000 * MS);
	struct kheap_buf *b = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_chunk_info ci = { 0 };
	struct kheap_pool_info pi = { 0 };
	uint64_t dl = 0;

	(void)state;
	/* secure-video-record (heap 1) is dynamic only. */
	assert_false(kheap_next_deadline(h, &dl));
	for (int i = 0; i < 100; i++) {
		assert_int_equal(kheap_alloc(h, 1, 1, 1 * MIB, 10 * MS, &b), 0);
		kheap_buf_info(b, &bi);
		assert_int_equal(bi.extents[0].pa, SVR_BASE);
		assert_int_equal(bi.pieces[0].sdp_buf_id, 0x100);
		assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 20 * MS));
	}
	assert_int_equal(F.lends, 1);
	assert_int_equal(F.unmaps, 1);
	assert_int_equal(F.reclaims, 0);
	assert_int_equal(kheap_chunk_info(h, 2, 0, 1020 * MS, &ci), 0);
	assert_true(ci.lent);
	assert_int_equal(ci.handle, 0x1000);
	assert_int_equal(ci.sdp_buf_id, 0x100);
	assert_int_equal(ci.used, 0);
	assert_int_equal(ci.idle_ms, 1000);
	assert_true(kheap_next_deadline(h, &dl));
	assert_int_equal(dl, 2020 * MS);
	/* Not yet idle long enough. */
	assert_int_equal(kheap_tick(h, 2019 * MS), 0);
	assert_int_equal(F.reclaims, 0);
	assert_int_equal(kheap_tick(h, 2020 * MS), 1);
	assert_int_equal(F.reclaims, 1);
	assert_int_equal(F.maps, 1);
	assert_int_equal(kheap_chunk_info(h, 2, 0, 2020 * MS, &ci), 0);
	assert_false(ci.lent);
	assert_int_equal(ci.handle, 0);
	assert_false(kheap_next_deadline(h, &dl));
	assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
	assert_int_equal(pi.lent, 0);
	assert_int_equal(pi.regions_needed, 0);
	assert_int_equal(pi.largest_free, 64 * MIB);
	/* A used chunk never goes back. */
	assert_int_equal(kheap_alloc(h, 1, 1, 4096, 3000 * MS, &b), 0);
	assert_int_equal(F.lends, 2);
	assert_int_equal(kheap_tick(h, 99000 * MS), 0);
	assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 99000 * MS));
	assert_int_equal(kheap_tick(h, 100999 * MS), 0);
	assert_int_equal(kheap_tick(h, 101000 * MS), 1);
	assert_int_equal(F.live, 0);
	check_zero(h);
	kheap_destroy(h);
}

/* Chunk i of pool 2 is lent? */
static bool lent(struct kheap *h, uint32_t chunk)
{
	struct kheap_chunk_info ci = { 0 };

	assert_int_equal(kheap_chunk_info(h, 2, chunk, 0, &ci), 0);
	return ci.lent;
}

static void test_runs_and_span(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *b[4] = { NULL };
	struct kheap_buf *big = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_pool_info pi = { 0 };
	uint64_t dl = 0;

	(void)state;
	/* Fill chunks 0, 1, 2 with one 16 MiB buffer each. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(kheap_alloc(h, 1, 1, 16 * MIB, 0, &b[i]), 0);
		kheap_buf_info(b[i], &bi);
		assert_int_equal(bi.extent_count, 1);
		assert_int_equal(bi.extents[0].pa, SVR_BASE + (uint64_t)i * 16 * MIB);
	}
	assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
	assert_int_equal(pi.regions_needed, 1);
	assert_int_equal(pi.lent, 48 * MIB);
	/* Free the middle one: both its neighbours are lent, so giving it
	 * back would cut the run in two (no-split): it stays, and no
	 * deadline is reported for it (no timer firing for nothing). */
	assert_true(kheap_buf_put(h, b[1], KHEAP_REF_HANDLE, 0));
	assert_int_equal(kheap_tick(h, 0), 0);
	assert_true(lent(h, 0));
	assert_true(lent(h, 1));
	assert_true(lent(h, 2));
	assert_false(kheap_next_deadline(h, &dl));
	assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
	assert_int_equal(pi.regions_needed, 1);
	assert_int_equal(pi.lent, 48 * MIB);
	assert_int_equal(pi.largest_free, 16 * MIB);
	/* Its pages serve the next allocation without a LEND. */
	assert_int_equal(kheap_alloc(h, 1, 1, 4096, 0, &b[1]), 0);
	kheap_buf_info(b[1], &bi);
	assert_int_equal(bi.extents[0].pa, SVR_BASE + 16 * MIB);
	assert_int_equal(F.lends, 3);
	assert_true(kheap_buf_put(h, b[1], KHEAP_REF_HANDLE, 0));
	/* Free chunk 0's buffer: chunk 0 is an end, then chunk 1 is: both
	 * go in one tick, from the end inward; chunk 2 alone remains. */
	assert_true(kheap_buf_put(h, b[0], KHEAP_REF_HANDLE, 0));
	assert_true(kheap_next_deadline(h, &dl));
	assert_int_equal(dl, 0);
	assert_int_equal(kheap_tick(h, 0), 2);
	assert_int_equal(F.live, 1);
	assert_false(lent(h, 0));
	assert_false(lent(h, 1));
	assert_true(lent(h, 2));
	/* A 24 MiB buffer: chunk 2 is busy; the grow takes slot 1 or 3
	 * (next to 2: slot 1 is lower) and then slot 0 or 3. It spans two
	 * chunks: two SDP pieces with their own IDs. */
	assert_int_equal(kheap_alloc(h, 1, 1, 24 * MIB, 0, &big), 0);
	kheap_buf_info(big, &bi);
	assert_true(lent(h, 1));
	assert_int_equal(bi.size, 24 * MIB);
	assert_int_equal(bi.piece_count, 2);
	assert_int_equal(bi.pieces[0].size + bi.pieces[1].size, 24 * MIB);
	assert_int_not_equal(bi.pieces[0].sdp_buf_id, bi.pieces[1].sdp_buf_id);
	assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
	assert_int_equal(pi.regions_needed, 1);
	assert_int_equal(pi.used, 40 * MIB);
	/* Free: one scrub per piece. */
	F.scrubs = 0;
	assert_true(kheap_buf_put(h, big, KHEAP_REF_HANDLE, 0));
	assert_int_equal(F.scrubs, 2);
	assert_true(kheap_buf_put(h, b[2], KHEAP_REF_HANDLE, 0));
	assert_int_equal(kheap_tick(h, 0), 3);
	assert_int_equal(F.live, 0);
	check_zero(h);
	kheap_destroy(h);
}

static void test_scatter(void **state)
{
	struct kheap *h = make(UINT64_MAX);
	struct kheap_buf *b[4] = { NULL };
	struct kheap_buf *sg = NULL;
	struct kheap_buf_info bi = { 0 };

	(void)state;
	/* Four 16 MiB buffers fill the pool; free 0 and 2: 32 MiB free in
	 * two holes, so a 32 MiB buffer is two extents in two chunks. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(kheap_alloc(h, 1, 1, 16 * MIB, 0, &b[i]), 0);
	}
	assert_true(kheap_buf_put(h, b[0], KHEAP_REF_HANDLE, 0));
	assert_true(kheap_buf_put(h, b[2], KHEAP_REF_HANDLE, 0));
	assert_int_equal(kheap_alloc(h, 1, 1, 32 * MIB, 0, &sg), 0);
	kheap_buf_info(sg, &bi);
	assert_int_equal(bi.extent_count, 2);
	assert_int_equal(bi.piece_count, 2);
	assert_int_equal(bi.extents[0].pa, SVR_BASE);
	assert_int_equal(bi.extents[1].pa, SVR_BASE + 32 * MIB);
	assert_int_equal(kheap_alloc(h, 1, 1, 4096, 0, &b[0]), -ENOMEM);
	assert_int_equal(F.lends, 4);
	assert_true(kheap_buf_put(h, sg, KHEAP_REF_HANDLE, 0));
	assert_true(kheap_buf_put(h, b[1], KHEAP_REF_HANDLE, 0));
	assert_true(kheap_buf_put(h, b[3], KHEAP_REF_HANDLE, 0));
	assert_int_equal(kheap_shutdown(h, 0), 0);
	assert_int_equal(F.live, 0);
	check_zero(h);
	kheap_destroy(h);
}

static void test_quarantine(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *b = NULL;
	struct kheap_buf *b2 = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_pool_info pi = { 0 };
	struct kheap_counters cnt = { 0 };

	(void)state;
	assert_int_equal(kheap_alloc(h, 1, 1, 8192, 0, &b), 0);
	F.scrub_fails = true;
	assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
	F.scrub_fails = false;
	kheap_counters(h, &cnt);
	assert_int_equal(cnt.quarantined_bytes, 8192);
	assert_int_equal(cnt.scrubbed_bytes, 0);
	assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
	assert_int_equal(pi.used, 0);
	assert_int_equal(pi.quarantined, 8192);
	assert_int_equal(pi.free, 64 * MIB - 8192);
	/* The chunk holding quarantined pages never goes back, and those
	 * pages are never handed out again. */
	assert_int_equal(kheap_tick(h, 1000 * MS), 0);
	assert_true(lent(h, 0));
	assert_int_equal(kheap_alloc(h, 1, 1, 4096, 0, &b2), 0);
	kheap_buf_info(b2, &bi);
	assert_int_equal(bi.extents[0].pa, SVR_BASE + 8192);
	assert_true(kheap_buf_put(h, b2, KHEAP_REF_HANDLE, 0));
	check_zero(h);
	kheap_destroy(h);
}

static void test_refs(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *b = NULL;
	struct kheap_buf_info bi = { 0 };

	(void)state;
	assert_int_equal(kheap_alloc(h, 0, 1, 4096, 0, &b), 0);
	kheap_buf_get(b, KHEAP_REF_ATTACH);
	kheap_buf_get(b, KHEAP_REF_TEE);
	kheap_buf_get(b, KHEAP_REF_TEE);
	kheap_buf_info(b, &bi);
	assert_int_equal(bi.refs[KHEAP_REF_ATTACH], 1);
	assert_int_equal(bi.refs[KHEAP_REF_TEE], 2);
	assert_false(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
	assert_false(kheap_buf_put(h, b, KHEAP_REF_TEE, 0));
	assert_false(kheap_buf_put(h, b, KHEAP_REF_ATTACH, 0));
	assert_int_equal(F.scrubs, 0);
	assert_true(kheap_buf_put(h, b, KHEAP_REF_TEE, 0));
	assert_int_equal(F.scrubs, 1);
	check_zero(h);
	kheap_destroy(h);
}

static void test_quota_and_client_gone(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *b = NULL;
	struct kheap_buf *b2 = NULL;
	struct kheap_buf *b3 = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_client_info ci = { 0 };

	(void)state;
	assert_int_equal(kheap_client_add(h, 2, 8192), 0);
	assert_int_equal(kheap_alloc(h, 0, 2, 4096, 0, &b), 0);
	assert_int_equal(kheap_alloc(h, 0, 2, 8192, 0, &b2), -ENOMEM);
	assert_int_equal(kheap_alloc(h, 2, 2, 8192, 0, &b2), -ENOMEM);
	assert_int_equal(kheap_alloc(h, 0, 2, UINT64_MAX - 8192, 0, &b2),
			 -ENOMEM);
	/* Another client is not affected. */
	assert_int_equal(kheap_alloc(h, 0, 1, 8192, 0, &b3), 0);
	assert_int_equal(kheap_alloc(h, 0, 2, 4096, 0, &b2), 0);
	assert_int_equal(kheap_client_info(h, 2, &ci), 0);
	assert_int_equal(ci.bytes, 8192);
	assert_int_equal(ci.quota, 8192);
	assert_int_equal(ci.buffers, 2);
	/* Client 2 goes; its buffers move to client 0. */
	kheap_client_remove(h, 2);
	assert_int_equal(kheap_client_info(h, 2, &ci), -ENOENT);
	assert_int_equal(kheap_client_info(h, 0, &ci), 0);
	assert_int_equal(ci.bytes, 8192);
	assert_int_equal(ci.buffers, 2);
	kheap_buf_info(b, &bi);
	assert_int_equal(bi.client, 0);
	kheap_buf_info(b3, &bi);
	assert_int_equal(bi.client, 1);
	assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
	assert_true(kheap_buf_put(h, b2, KHEAP_REF_HANDLE, 0));
	assert_int_equal(kheap_client_info(h, 0, &ci), 0);
	assert_int_equal(ci.bytes, 0);
	assert_int_equal(ci.buffers, 0);
	/* A new client with the same ID starts fresh. */
	assert_int_equal(kheap_client_add(h, 2, 0), 0);
	assert_int_equal(kheap_client_info(h, 2, &ci), 0);
	assert_int_equal(ci.bytes, 0);
	assert_true(kheap_buf_put(h, b3, KHEAP_REF_HANDLE, 0));
	check_zero(h);
	kheap_destroy(h);
}

/* Everything observable, to compare before and after a failed call. */
struct snap {
	struct kheap_heap_info heap[3];
	struct kheap_pool_info pool[3];
	struct kheap_chunk_info chunk[3][4];
	struct kheap_client_info client;
	uint32_t live;
	uint32_t maps_minus_unmaps;
};

static void take_snap(struct kheap *h, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(kheap_heap_info(h, i, &s->heap[i]), 0);
		assert_int_equal(kheap_pool_info(h, i, &s->pool[i]), 0);
		for (uint32_t c = 0; c < s->pool[i].chunk_count; c++) {
			assert_int_equal(
				kheap_chunk_info(h, i, c, 0, &s->chunk[i][c]),
				0);
		}
	}
	assert_int_equal(kheap_client_info(h, 1, &s->client), 0);
	s->live = F.live;
	s->maps_minus_unmaps = F.unmaps - F.maps;
}

static void snap_eq(const struct snap *a, const struct snap *b)
{
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(a->heap[i].used, b->heap[i].used);
		assert_int_equal(a->heap[i].buffers, b->heap[i].buffers);
		assert_int_equal(a->pool[i].used, b->pool[i].used);
		assert_int_equal(a->pool[i].free, b->pool[i].free);
		assert_int_equal(a->pool[i].largest_free,
				 b->pool[i].largest_free);
		assert_int_equal(a->pool[i].lent, b->pool[i].lent);
		assert_int_equal(a->pool[i].quarantined,
				 b->pool[i].quarantined);
		for (uint32_t c = 0; c < 4; c++) {
			assert_int_equal(a->chunk[i][c].lent,
					 b->chunk[i][c].lent);
			assert_int_equal(a->chunk[i][c].used,
					 b->chunk[i][c].used);
			assert_int_equal(a->chunk[i][c].handle,
					 b->chunk[i][c].handle);
		}
	}
	assert_int_equal(a->client.bytes, b->client.bytes);
	assert_int_equal(a->client.buffers, b->client.buffers);
	assert_int_equal(a->live, b->live);
	assert_int_equal(a->maps_minus_unmaps, b->maps_minus_unmaps);
}

/*
 * Fail the k-th ops call of an alloc that must grow the pool by three
 * chunks (unmap, lend per chunk), for every k until the alloc succeeds:
 * each failure returns that errno and changes nothing observable.
 */
static void test_fault_injection_alloc(void **state)
{
	uint64_t k = 0;

	(void)state;
	for (k = 1;; k++) {
		struct kheap *h = make(UINT64_MAX);
		struct kheap_buf *pre = NULL;
		struct kheap_buf *b = NULL;
		struct snap before = { 0 };
		struct snap after = { 0 };
		int rc = 0;

		/* Prior state: chunk 0 lent and half used. */
		assert_int_equal(kheap_alloc(h, 1, 1, 8 * MIB, 0, &pre), 0);
		take_snap(h, &before);
		F.calls = 0;
		F.fail_at = k;
		F.fail_rc = -EPERM;
		rc = kheap_alloc(h, 1, 1, 48 * MIB, 0, &b);
		F.fail_at = 0;
		if (F.calls < k) {
			/* No call failed: done. 3 grows = 6 calls. */
			assert_int_equal(rc, 0);
			assert_int_equal(k, 7);
			assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
			assert_true(
				kheap_buf_put(h, pre, KHEAP_REF_HANDLE, 0));
			kheap_destroy(h);
			break;
		}
		assert_int_equal(rc, -EPERM);
		take_snap(h, &after);
		snap_eq(&before, &after);
		assert_true(kheap_buf_put(h, pre, KHEAP_REF_HANDLE, 0));
		kheap_destroy(h);
	}
}

/* Fail every ops call of free + idle release in turn. */
static void test_fault_injection_release(void **state)
{
	(void)state;
	for (uint64_t k = 1; k <= 3; k++) {
		struct kheap *h = make(0);
		struct kheap_buf *b = NULL;
		struct kheap_pool_info pi = { 0 };
		struct kheap_counters cnt = { 0 };

		assert_int_equal(kheap_alloc(h, 1, 1, 4096, 0, &b), 0);
		F.calls = 0;
		F.fail_at = k;
		F.fail_rc = -ENOENT;
		assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
		(void)kheap_tick(h, 0);
		F.fail_at = 0;
		kheap_counters(h, &cnt);
		assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
		if (k == 1) {
			/* The scrub failed: quarantined, chunk stays. */
			assert_int_equal(cnt.quarantined_bytes, 4096);
			assert_int_equal(pi.lent, 16 * MIB);
			assert_int_equal(kheap_tick(h, 0), 0);
		} else if (k == 2) {
			/* The reclaim failed: still lent and all free; the
			 * next tick retries. */
			assert_int_equal(pi.lent, 16 * MIB);
			assert_int_equal(pi.free, 64 * MIB);
			assert_int_equal(kheap_tick(h, 0), 1);
			assert_int_equal(F.live, 0);
		} else {
			assert_int_equal(pi.lent, 0);
			assert_int_equal(F.live, 0);
		}
		kheap_destroy(h);
	}
}

/* A failed reclaim is retried one idle period later, not at once. */
static void test_reclaim_backoff(void **state)
{
	struct kheap *h = make(1000 * MS);
	struct kheap_buf *b = NULL;
	uint64_t dl = 0;

	(void)state;
	assert_int_equal(kheap_alloc(h, 1, 1, 4096, 0, &b), 0);
	assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
	F.calls = 0;
	F.fail_at = 1; /* the tick's reclaim */
	F.fail_rc = -ENOENT;
	assert_int_equal(kheap_tick(h, 1000 * MS), 0);
	F.fail_at = 0;
	assert_true(kheap_next_deadline(h, &dl));
	assert_int_equal(dl, 2000 * MS);
	F.calls = 0;
	assert_int_equal(kheap_tick(h, 1999 * MS), 0);
	assert_int_equal(F.calls, 0);
	assert_int_equal(kheap_tick(h, 2000 * MS), 1);
	assert_int_equal(F.live, 0);
	kheap_destroy(h);
}

/*
 * No-split: an idle chunk inside a run stays lent (idling) while both its
 * neighbours are lent and goes once it is an end, in the same tick if it
 * is due by then, else at its own deadline; runs are trimmed from both
 * ends.
 */
static void test_nosplit_middle_kept(void **state)
{
	struct kheap *h = make(1000 * MS);
	struct kheap_buf *b[4] = { NULL };
	struct kheap_chunk_info ci = { 0 };
	struct kheap_pool_info pi = { 0 };
	uint64_t dl = 0;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(kheap_alloc(h, 1, 1, 16 * MIB, 0, &b[i]), 0);
	}
	assert_true(kheap_buf_put(h, b[1], KHEAP_REF_HANDLE, 10 * MS));
	/* Long past its delay, chunk 1 stays: 0 and 2 are lent. */
	assert_false(kheap_next_deadline(h, &dl));
	assert_int_equal(kheap_tick(h, 2000 * MS), 0);
	assert_int_equal(F.reclaims, 0);
	assert_true(lent(h, 1));
	assert_int_equal(kheap_chunk_info(h, 2, 1, 2000 * MS, &ci), 0);
	assert_int_equal(ci.idle_ms, 1990); /* its idle time still counts */
	/* Chunk 2 idles: it is an end; chunk 1 is not yet. */
	assert_true(kheap_buf_put(h, b[2], KHEAP_REF_HANDLE, 3000 * MS));
	assert_true(kheap_next_deadline(h, &dl));
	assert_int_equal(dl, 4000 * MS);
	assert_int_equal(kheap_tick(h, 3999 * MS), 0);
	/* Chunk 2 goes, then chunk 1 (due long ago) in the same tick. */
	assert_int_equal(kheap_tick(h, 4000 * MS), 2);
	assert_int_equal(F.reclaims, 2);
	assert_true(lent(h, 0));
	assert_false(lent(h, 1));
	assert_false(lent(h, 2));
	assert_false(kheap_next_deadline(h, &dl));
	assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
	assert_int_equal(pi.regions_needed, 1);
	assert_int_equal(pi.lent, 16 * MIB);

	/* Middle idle but not yet due when it becomes an end: it waits for
	 * its own deadline. Chunks 1 and 2 again (next to chunk 0). */
	assert_int_equal(kheap_alloc(h, 1, 1, 16 * MIB, 5000 * MS, &b[1]), 0);
	assert_int_equal(kheap_alloc(h, 1, 1, 16 * MIB, 5000 * MS, &b[2]), 0);
	assert_true(lent(h, 1));
	assert_true(lent(h, 2));
	assert_int_equal(F.lends, 5);
	assert_true(kheap_buf_put(h, b[2], KHEAP_REF_HANDLE, 5000 * MS));
	assert_true(kheap_buf_put(h, b[1], KHEAP_REF_HANDLE, 5500 * MS));
	assert_true(kheap_next_deadline(h, &dl));
	assert_int_equal(dl, 6000 * MS);
	assert_int_equal(kheap_tick(h, 6000 * MS), 1);
	assert_false(lent(h, 2));
	assert_true(lent(h, 1));
	assert_true(kheap_next_deadline(h, &dl));
	assert_int_equal(dl, 6500 * MS);
	assert_int_equal(kheap_tick(h, 6499 * MS), 0);
	assert_int_equal(kheap_tick(h, 6500 * MS), 1);
	assert_false(lent(h, 1));

	/* From the low end: chunks 0, 1, 2 lent, 2 busy; 0 and 1 idle go
	 * upward in one tick. */
	assert_int_equal(kheap_alloc(h, 1, 1, 16 * MIB, 7000 * MS, &b[1]), 0);
	assert_int_equal(kheap_alloc(h, 1, 1, 16 * MIB, 7000 * MS, &b[2]), 0);
	assert_true(kheap_buf_put(h, b[1], KHEAP_REF_HANDLE, 7000 * MS));
	assert_true(kheap_buf_put(h, b[0], KHEAP_REF_HANDLE, 7000 * MS));
	assert_int_equal(kheap_tick(h, 8000 * MS), 2);
	assert_false(lent(h, 0));
	assert_false(lent(h, 1));
	assert_true(lent(h, 2));
	assert_true(kheap_buf_put(h, b[2], KHEAP_REF_HANDLE, 8000 * MS));
	assert_int_equal(kheap_tick(h, 9000 * MS), 1);
	assert_int_equal(F.live, 0);
	check_zero(h);
	kheap_destroy(h);
}

/*
 * A grow whose undo meets a failed reclaim keeps the run whole: chunk 0
 * busy, a 48 MiB alloc lends 1 and 2, the lend of 3 fails, the reclaim of
 * 2 fails; giving 1 back would cut {0, 1, 2} in two, so it stays until
 * tick trims the run from its end.
 */
static void test_nosplit_grow_undo(void **state)
{
	struct kheap *h = make(0);
	struct kheap_buf *pre = NULL;
	struct kheap_buf *b = NULL;
	struct kheap_pool_info pi = { 0 };
	uint64_t dl = 0;

	(void)state;
	assert_int_equal(kheap_alloc(h, 1, 1, 8 * MIB, 0, &pre), 0);
	F.calls = 0;
	F.fail_at = 6;   /* unmap 1, lend 1, unmap 2, lend 2, unmap 3, LEND 3 */
	F.fail_also = 7; /* the undo's first reclaim (chunk 2) */
	F.fail_rc = -EPERM;
	assert_int_equal(kheap_alloc(h, 1, 1, 48 * MIB, 0, &b), -EPERM);
	F.fail_at = 0;
	F.fail_also = 0;
	assert_int_equal(F.calls, 7);
	assert_true(lent(h, 0));
	assert_true(lent(h, 1));
	assert_true(lent(h, 2));
	assert_false(lent(h, 3));
	assert_int_equal(F.live, 3);
	assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
	assert_int_equal(pi.regions_needed, 1);
	assert_int_equal(pi.used, 8 * MIB);
	/* Chunk 2 was idle from the alloc; chunk 1 is inside. */
	assert_true(kheap_next_deadline(h, &dl));
	assert_int_equal(dl, 0);
	assert_int_equal(kheap_tick(h, 0), 2);
	assert_true(lent(h, 0));
	assert_false(lent(h, 1));
	assert_false(lent(h, 2));
	assert_int_equal(F.live, 1);
	assert_true(kheap_buf_put(h, pre, KHEAP_REF_HANDLE, 0));
	assert_int_equal(kheap_tick(h, 0), 1);
	assert_int_equal(F.live, 0);
	check_zero(h);
	kheap_destroy(h);
}

/*
 * Fail each reclaim of a tick that trims a run {0 busy, 1, 2, 3 idle}
 * (order: 3, 2, 1): the failing chunk and every chunk between it and the
 * busy one stay exactly as they were (lent, same handle, idle, pages
 * free), the run stays whole, the accounting is unchanged; one idle
 * period later the rest goes.
 */
static void test_nosplit_fault_injection_tick(void **state)
{
	(void)state;
	for (uint64_t k = 1; k <= 3; k++) {
		struct kheap *h = make(1000 * MS);
		struct kheap_buf *pre = NULL;
		struct kheap_buf *b = NULL;
		struct snap before = { 0 };
		struct snap after = { 0 };
		struct kheap_pool_info pi = { 0 };
		uint64_t dl = 0;
		uint32_t kept = 4 - (uint32_t)(k - 1);

		assert_int_equal(kheap_alloc(h, 1, 1, 4096, 0, &pre), 0);
		assert_int_equal(kheap_alloc(h, 1, 1, 60 * MIB, 0, &b), 0);
		assert_true(kheap_buf_put(h, b, KHEAP_REF_HANDLE, 0));
		assert_int_equal(F.live, 4);
		take_snap(h, &before);
		F.calls = 0;
		F.fail_at = k;
		F.fail_rc = -ENOENT;
		assert_int_equal(kheap_tick(h, 1000 * MS), k - 1);
		F.fail_at = 0;
		assert_int_equal(F.calls, k);
		take_snap(h, &after);
		for (uint32_t c = 0; c < 4; c++) {
			bool stays = c < kept;

			assert_int_equal(after.chunk[2][c].lent, stays);
			if (stays) {
				assert_int_equal(after.chunk[2][c].handle,
						 before.chunk[2][c].handle);
				assert_int_equal(after.chunk[2][c].used,
						 before.chunk[2][c].used);
			}
		}
		assert_int_equal(after.pool[2].used, before.pool[2].used);
		assert_int_equal(after.pool[2].free, before.pool[2].free);
		assert_int_equal(after.pool[2].largest_free,
				 before.pool[2].largest_free);
		assert_int_equal(after.pool[2].regions_needed, 1);
		assert_int_equal(after.heap[1].used, before.heap[1].used);
		assert_int_equal(after.client.bytes, before.client.bytes);
		assert_int_equal(F.live, kept);
		/* The failed one is idle again from the tick. */
		assert_true(kheap_next_deadline(h, &dl));
		assert_int_equal(dl, 2000 * MS);
		assert_int_equal(kheap_tick(h, 1999 * MS), 0);
		assert_int_equal(kheap_tick(h, 2000 * MS), kept - 1);
		assert_int_equal(kheap_pool_info(h, 2, &pi), 0);
		assert_int_equal(pi.lent, 16 * MIB);
		assert_int_equal(pi.regions_needed, 1);
		assert_true(kheap_buf_put(h, pre, KHEAP_REF_HANDLE, 0));
		kheap_destroy(h);
	}
}

/* regions_needed of pool 0 of a one-pool kheap. */
static uint32_t regions(struct kheap *h)
{
	struct kheap_pool_info pi = { 0 };

	assert_int_equal(kheap_pool_info(h, 0, &pi), 0);
	return pi.regions_needed;
}

/*
 * Property, on a seeded random load (32 slots of 1 MiB, allocations of
 * 4 KiB..3 MiB, frees, ticks at random times, phases of 500 steps that
 * fill and drain the pool, every unmap, lend and reclaim failing 1 in
 * 16): a tick never raises regions_needed, a pool's lent chunks stay in
 * one run (one TZASC region) whatever fails, and the deadline is exact:
 * a tick at or after it reclaims something unless a reclaim failed, a
 * tick before it reclaims nothing.
 */
static void test_nosplit_property(void **state)
{
	struct kheap_cfg cfg = { .idle_release_ns = 5 * MS };
	struct kheap *h = NULL;
	struct kheap_buf *live[64] = { NULL };
	struct kheap_heap_info hi = { 0 };
	uint64_t now = 0;
	uint64_t live_bytes = 0;
	uint32_t id = 0;
	uint32_t ticks_released = 0;
	uint32_t max_regions = 0;

	(void)state;
	memset(&F, 0, sizeof(F));
	F.fail_rc = -EIO;
	F.rng = UINT64_C(0x9e3779b97f4a7c15);
	assert_int_equal(kheap_create(&fake_ops, &cfg, &h), 0);
	assert_int_equal(
		kheap_heap_add(h, RHEAP_USE_CASE_SECURE_VIDEO_RECORD, &id), 0);
	assert_int_equal(kheap_pool_add_dynamic(h, id, SVR_BASE, 32 * MIB, MIB),
			 0);
	F.fail_odds = 16;
	for (uint32_t step = 0; step < 20000; step++) {
		uint64_t r = rnd();
		uint32_t slot = (uint32_t)(r >> 8) % 64;

		now += (r >> 20) % (4 * MS);
		if (r % 4 == 0) {
			uint32_t before = regions(h);
			uint32_t failed = F.failed;
			uint64_t dl = 0;
			bool have = kheap_next_deadline(h, &dl);
			uint32_t n = kheap_tick(h, now);

			assert_true(regions(h) <= before);
			if (!have || dl > now) {
				assert_int_equal(n, 0);
			} else if (F.failed == failed) {
				assert_true(n >= 1);
			}
			ticks_released += n;
		} else if (live[slot]) {
			struct kheap_buf_info bi = { 0 };

			kheap_buf_info(live[slot], &bi);
			live_bytes -= bi.size;
			assert_true(kheap_buf_put(h, live[slot],
						  KHEAP_REF_HANDLE, now));
			live[slot] = NULL;
		} else if ((step / 500) % 2 == 0) {
			/* Fill phase (the other one drains). */
			uint64_t len = 4096 + (r >> 32) % (3 * MIB);
			int rc = kheap_alloc(h, id, 0, len, now, &live[slot]);

			if (rc == 0) {
				struct kheap_buf_info bi = { 0 };

				kheap_buf_info(live[slot], &bi);
				live_bytes += bi.size;
			} else {
				assert_true(rc == -ENOMEM || rc == -EIO);
				live[slot] = NULL;
			}
		}
		assert_true(regions(h) <= 1);
		max_regions = regions(h) > max_regions ? regions(h) :
							  max_regions;
		assert_int_equal(kheap_heap_info(h, id, &hi), 0);
		assert_int_equal(hi.used, live_bytes);
	}
	F.fail_odds = 0;
	/* The load did exercise lending, releasing and failing. */
	assert_int_equal(max_regions, 1);
	assert_true(ticks_released > 100);
	assert_true(F.failed > 100);
	for (uint32_t i = 0; i < 64; i++) {
		if (live[i]) {
			assert_true(kheap_buf_put(h, live[i], KHEAP_REF_HANDLE,
						  now));
		}
	}
	assert_int_equal(kheap_shutdown(h, now), 0);
	assert_int_equal(F.live, 0);
	kheap_destroy(h);
}

static void test_shutdown(void **state)
{
	struct kheap *h = make(UINT64_MAX);
	struct kheap_buf *b = NULL;
	struct kheap_buf *b2 = NULL;
	struct kheap_counters cnt = { 0 };

	(void)state;
	assert_int_equal(kheap_alloc(h, 1, 1, 20 * MIB, 0, &b), 0);
	assert_int_equal(kheap_alloc(h, 0, 1, 40 * MIB, 0, &b2), 0);
	kheap_buf_get(b, KHEAP_REF_ATTACH);
	assert_int_equal(F.live, 2);
	assert_int_equal(kheap_shutdown(h, 0), 0);
	assert_int_equal(F.live, 0);
	kheap_counters(h, &cnt);
	assert_int_equal(cnt.frees, 2);
	assert_int_equal(cnt.scrubbed_bytes, 60 * MIB);
	check_zero(h);
	kheap_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heaps),
		cmocka_unit_test(test_static_alloc_free_scrub),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_system_heap),
		cmocka_unit_test(test_dynamic_one_lend_per_chunk),
		cmocka_unit_test(test_runs_and_span),
		cmocka_unit_test(test_scatter),
		cmocka_unit_test(test_quarantine),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_quota_and_client_gone),
		cmocka_unit_test(test_fault_injection_alloc),
		cmocka_unit_test(test_fault_injection_release),
		cmocka_unit_test(test_reclaim_backoff),
		cmocka_unit_test(test_nosplit_middle_kept),
		cmocka_unit_test(test_nosplit_grow_undo),
		cmocka_unit_test(test_nosplit_fault_injection_tick),
		cmocka_unit_test(test_nosplit_property),
		cmocka_unit_test(test_shutdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
