// SPDX-License-Identifier: BSD-2-Clause
/*
 * ksec against an in-process board: setup and teardown accounting, every
 * call with its errors, lend/assign/reclaim round trips with the board's
 * accounting back to zero, SDP_CMD_SCRUB through ksec, attach/detach, and
 * the board going away.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "kernel/ksec.h"
#include "ks_fixture.h"

#define PAGE 4096u

static int fx_setup(void **state)
{
	*state = ks_start(1);
	return 0;
}

static int fx_setup_bare(void **state)
{
	*state = ks_start(0);
	return 0;
}

static int fx_teardown(void **state)
{
	ks_stop(*state);
	return 0;
}

/* The secure-video chunk size the partition asks for. */
static uint64_t sv_min_chunk(struct ks_fixture *fx)
{
	uint64_t min_chunk = 0;
	uint64_t align = 0;
	uint32_t pools = 0;

	assert_int_equal(ksec_lend_config(fx->sec, RHEAP_USE_CASE_SECURE_VIDEO,
					  &min_chunk, &align, &pools), 0);
	return min_chunk;
}

static void lend_one(struct ks_fixture *fx, uint64_t pa, uint64_t size,
		     uint64_t *handle, uint32_t *buf_id)
{
	struct rheap_ffa_range r = { .address = pa,
				     .page_count = (uint32_t)(size / PAGE) };

	assert_int_equal(ksec_chunk_lend(fx->sec, RHEAP_USE_CASE_SECURE_VIDEO,
					 &r, 1, handle, buf_id), 0);
}

/* ---- create / destroy ---- */

static void test_create_accounting(void **state)
{
	struct ks_fixture *fx = *state;
	struct board_status st = { 0 };
	uint8_t *p = NULL;
	size_t size = 0;

	assert_false(ksec_gone(fx->sec));
	ksec_param_area(fx->sec, &p, &size);
	assert_non_null(p);
	assert_int_equal(size, 256u * 1024u);
	/* The parameter area is the only transaction: a SHARE of 64 pages. */
	ks_status(fx, &st);
	assert_int_equal(ks_nw_live_handles(fx), 1);
	assert_int_equal(st.spmc.live_shares, 1);
	assert_int_equal(ks_nw_pages_lent(fx), 0);
	/* Teardown gives it all back. */
	ksec_destroy(fx->sec);
	fx->sec = NULL;
	ks_status(fx, &st);
	assert_int_equal(st.spmc.live_shares, 0);
	assert_int_equal(ks_nw_live_handles(fx), 0);
	/* And a new backend can start over on the same board. */
	{
		struct ksec_cfg cfg = { .client = ks_connect(fx),
					.sdp_id = KS_SDP_ID,
					.scratch_pa = KS_SCRATCH_PA };

		assert_int_equal(ksec_create(&cfg, &fx->sec), 0);
	}
	assert_int_equal(ks_nw_live_handles(fx), 1);
}

static void test_create_bad_cfg(void **state)
{
	struct ks_fixture *fx = *state;
	static const struct {
		uint16_t sdp_id;
		uint64_t scratch_pa;
		int rc;
	} cases[] = {
		{ 0x0001, KS_SCRATCH_PA, -EINVAL },           /* not an SP ID */
		{ KS_SDP_ID, KS_SCRATCH_PA + 1, -EINVAL },    /* misaligned */
		{ KS_SDP_ID, UINT64_C(0x10000), -EINVAL },    /* not NW DRAM */
		{ KS_SDP_ID, KS_DRAM0_BASE + 0x80000000u - PAGE, -EINVAL },
		{ 0x8007, KS_SCRATCH_PA, -EINVAL },           /* no such SP */
	};
	struct ksec *s = NULL;
	struct ksec_cfg cfg = { 0 };

	assert_int_equal(ksec_create(NULL, &s), -EINVAL);
	assert_int_equal(ksec_create(&cfg, &s), -EINVAL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg.client = ks_connect(fx); /* owned by ksec_create() */
		cfg.sdp_id = cases[i].sdp_id;
		cfg.scratch_pa = cases[i].scratch_pa;
		assert_int_equal(ksec_create(&cfg, &s), cases[i].rc);
		assert_null(s);
		/* Nothing left behind on the board. */
		assert_int_equal(ks_nw_live_handles(fx), 0);
	}
}

/* ---- configuration ---- */

static void test_protmem_range(void **state)
{
	struct ks_fixture *fx = *state;
	uint32_t count = 99;
	uint64_t base = 0;
	uint64_t size = 0;

	assert_int_equal(ksec_protmem_range(fx->sec,
					    RHEAP_USE_CASE_SECURE_VIDEO, 0,
					    &count, &base, &size), 0);
	assert_int_equal(count, 1);
	assert_int_equal(base, KS_SV_STATIC_BASE);
	assert_int_equal(size, 64u << 20);
	count = 99;
	assert_int_equal(ksec_protmem_range(fx->sec,
					    RHEAP_USE_CASE_SECURE_VIDEO, 1,
					    &count, &base, &size), -ENOENT);
	assert_int_equal(count, 1);
	count = 99;
	assert_int_equal(ksec_protmem_range(fx->sec,
					    RHEAP_USE_CASE_SECURE_VIDEO_RECORD,
					    0, &count, &base, &size), -ENOENT);
	assert_int_equal(count, 0);
	assert_int_equal(ksec_protmem_range(fx->sec, RHEAP_USE_CASE_NONE, 0,
					    &count, &base, &size), -EINVAL);
	assert_int_equal(ksec_protmem_range(fx->sec, 4, 0, &count, &base,
					    &size), -EINVAL);
	assert_int_equal(ksec_protmem_range(fx->sec, 1, 0, NULL, &base,
					    &size), -EINVAL);
}

static void test_lend_config(void **state)
{
	struct ks_fixture *fx = *state;
	uint64_t min_chunk = 0;
	uint64_t align = 0;
	uint32_t pools = 0;

	assert_int_equal(ksec_lend_config(fx->sec, RHEAP_USE_CASE_SECURE_VIDEO,
					  &min_chunk, &align, &pools), 0);
	assert_int_equal(pools, 1);
	assert_true(min_chunk >= PAGE && min_chunk % PAGE == 0);
	assert_true(align >= PAGE && (align & (align - 1)) == 0);
	assert_int_equal(ksec_lend_config(fx->sec, RHEAP_USE_CASE_TRUSTED_UI,
					  &min_chunk, &align, &pools), 0);
	assert_int_equal(pools, 0);
	assert_int_equal(ksec_lend_config(fx->sec, 0, &min_chunk, &align,
					  &pools), -EINVAL);
	assert_int_equal(ksec_lend_config(fx->sec, 1, NULL, &align, &pools),
			 -EINVAL);
}

static void test_sdp_call(void **state)
{
	struct ks_fixture *fx = *state;
	const uint32_t zero[4] = { 0 };
	const uint32_t junk[4] = { 1, 0, 0, 0 };
	uint32_t res[4] = { 0 };

	assert_int_equal(ksec_sdp_call(fx->sec, SDP_CMD_GET_VERSION, zero,
				       res), 0);
	assert_int_equal(res[0], SDP_ABI_VERSION_MAJOR);
	assert_int_equal(res[1], SDP_ABI_VERSION_MINOR);
	assert_int_equal(ksec_sdp_call(fx->sec, SDP_CMD_GET_VERSION, junk,
				       res), -EINVAL);
	assert_int_equal(res[0], 0);
	assert_int_equal(ksec_sdp_call(fx->sec, 0x7777, zero, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(ksec_sdp_call(fx->sec, SDP_CMD_GET_VERSION |
				       1u << SDP_CMD_FLAGS_SHIFT, zero, NULL),
			 -EINVAL);
	assert_int_equal(ksec_sdp_call(fx->sec, SDP_CMD_GET_VERSION, NULL,
				       NULL), -EINVAL);
}

/* ---- chunks ---- */

static void test_lend_reclaim_round_trip(void **state)
{
	struct ks_fixture *fx = *state;
	uint64_t chunk = sv_min_chunk(fx);
	uint64_t h[3] = { 0 };
	uint32_t id[3] = { 0 };
	struct board_status st = { 0 };

	for (uint32_t i = 0; i < 3; i++) {
		lend_one(fx, KS_SV_DYN_BASE + i * chunk, chunk, &h[i], &id[i]);
		assert_int_not_equal(id[i], 0);
		assert_int_equal(id[i] & SDP_BUF_ID_STATIC_BIT, 0);
	}
	assert_int_not_equal(id[0], id[1]);
	assert_int_equal(ks_nw_pages_lent(fx), 3 * chunk / PAGE);
	assert_int_equal(ks_nw_live_handles(fx), 4);
	ks_status(fx, &st);
	assert_int_equal(st.spmc.protected_pages, 3 * chunk / PAGE);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(ksec_chunk_reclaim(fx->sec, h[i]), 0);
	}
	assert_int_equal(ks_nw_pages_lent(fx), 0);
	assert_int_equal(ks_nw_live_handles(fx), 1);
	ks_status(fx, &st);
	assert_int_equal(st.spmc.protected_pages, 0);
	/* A reclaimed handle is gone; its buffer ID is stale. */
	assert_int_equal(ksec_chunk_reclaim(fx->sec, h[0]), -EINVAL);
	assert_int_equal(ksec_scrub(fx->sec, id[0], 0, PAGE), -ENOENT);
	assert_int_equal(ksec_chunk_reclaim(fx->sec, FFA_HANDLE_INVALID),
			 -EINVAL);
}

static void test_lend_errors(void **state)
{
	struct ks_fixture *fx = *state;
	uint64_t chunk = sv_min_chunk(fx);
	struct rheap_ffa_range r = { .address = KS_SV_DYN_BASE,
				     .page_count = (uint32_t)(chunk / PAGE) };
	struct rheap_ffa_range plain = { .address = UINT64_C(0x880000000),
					 .page_count = (uint32_t)(chunk / PAGE) };
	struct rheap_ffa_range outside = { .address = UINT64_C(0x10000),
					   .page_count = 1 };
	struct board_status st = { 0 };
	uint64_t h = 0;
	uint32_t id = 0;

	assert_int_equal(ksec_chunk_lend(fx->sec, 1, &r, 0, &h, &id), -EINVAL);
	assert_int_equal(ksec_chunk_lend(fx->sec, 1, &r, 257, &h, &id), -EINVAL);
	assert_int_equal(ksec_chunk_lend(fx->sec, 1, NULL, 1, &h, &id), -EINVAL);
	assert_int_equal(ksec_chunk_lend(fx->sec, 1, &r, 1, NULL, &id), -EINVAL);
	/* The SPMC refuses the LEND: memory the NW does not own (DENIED). */
	assert_int_equal(ksec_chunk_lend(fx->sec, 1, &outside, 1, &h, &id),
			 -EPERM);
	/* LEND fine, ASSIGN refused: not in a dynamic pool of the use case
	 * (plain DRAM; the record pool's use case at the video pool). The
	 * LEND is reclaimed: nothing stays lent or protected. */
	assert_int_equal(ksec_chunk_lend(fx->sec, RHEAP_USE_CASE_SECURE_VIDEO,
					 &plain, 1, &h, &id), -EPERM);
	assert_int_equal(ksec_chunk_lend(fx->sec,
					 RHEAP_USE_CASE_SECURE_VIDEO_RECORD,
					 &r, 1, &h, &id), -EPERM);
	assert_int_equal(ksec_chunk_lend(fx->sec, RHEAP_USE_CASE_NONE, &r, 1,
					 &h, &id), -EINVAL);
	assert_int_equal(ks_nw_pages_lent(fx), 0);
	assert_int_equal(ks_nw_live_handles(fx), 1);
	ks_status(fx, &st);
	assert_int_equal(st.spmc.protected_pages, 0);
	assert_false(ksec_gone(fx->sec));
}

/* RELEASE already done (here: behind ksec's back): the reclaim goes
 * straight to RECLAIM and succeeds. */
static void test_reclaim_after_release(void **state)
{
	struct ks_fixture *fx = *state;
	uint64_t chunk = sv_min_chunk(fx);
	uint64_t h = 0;
	uint32_t id = 0;
	uint32_t args[4] = { 0 };

	lend_one(fx, KS_SV_DYN_BASE, chunk, &h, &id);
	args[0] = (uint32_t)h;
	args[1] = (uint32_t)(h >> 32);
	assert_int_equal(ksec_sdp_call(fx->sec, SDP_CMD_RELEASE, args, NULL), 0);
	assert_int_equal(ksec_chunk_reclaim(fx->sec, h), 0);
	assert_int_equal(ks_nw_pages_lent(fx), 0);
	assert_int_equal(ks_nw_live_handles(fx), 1);
}

/* ---- attach / detach ---- */

static void test_attach_detach(void **state)
{
	struct ks_fixture *fx = *state;
	uint64_t chunk = sv_min_chunk(fx);
	struct board_status st = { 0 };
	uint64_t iova = 0;
	uint64_t iova2 = 0;
	uint64_t h = 0;
	uint32_t id = 0;

	lend_one(fx, KS_SV_DYN_BASE, chunk, &h, &id);
	assert_int_equal(ksec_attach(fx->sec, id, 0, chunk, KS_STREAM_VDEC,
				     true, &iova), 0);
	assert_int_not_equal(iova, 0);
	assert_int_equal(ksec_attach(fx->sec, id, 0, PAGE, KS_STREAM_DISPLAY,
				     false, &iova2), 0);
	ks_status(fx, &st);
	assert_true(st.smmu_mappings >= 2);
	/* The GPU may not reach secure video; argument errors. */
	assert_int_equal(ksec_attach(fx->sec, id, 0, chunk, KS_STREAM_GPU,
				     false, &iova2), -EPERM);
	assert_int_equal(ksec_attach(fx->sec, id, 0, 0, KS_STREAM_VDEC, false,
				     &iova2), -EINVAL);
	assert_int_equal(ksec_attach(fx->sec, id, 1, PAGE, KS_STREAM_VDEC,
				     false, &iova2), -EINVAL);
	assert_int_equal(ksec_attach(fx->sec, id, 0, chunk + PAGE,
				     KS_STREAM_VDEC, false, &iova2), -EINVAL);
	assert_int_equal(ksec_attach(fx->sec, id, 0, PAGE, 0x99, false,
				     &iova2), -ENOENT);
	assert_int_equal(ksec_attach(fx->sec, 0, 0, PAGE, KS_STREAM_VDEC,
				     false, &iova2), -EPERM);
	assert_int_equal(ksec_attach(fx->sec, id, 0, PAGE, KS_STREAM_VDEC,
				     false, NULL), -EINVAL);
	/* Still attached: the chunk cannot go back, and stays lent. */
	assert_int_equal(ksec_chunk_reclaim(fx->sec, h), -EBUSY);
	assert_int_equal(ks_nw_pages_lent(fx), chunk / PAGE);
	assert_int_equal(ksec_detach(fx->sec, KS_STREAM_VDEC, iova), 0);
	assert_int_equal(ksec_detach(fx->sec, KS_STREAM_VDEC, iova), -ENOENT);
	assert_int_equal(ksec_chunk_reclaim(fx->sec, h), -EBUSY);
	assert_int_equal(ksec_detach(fx->sec, KS_STREAM_DISPLAY, iova2), 0);
	assert_int_equal(ksec_chunk_reclaim(fx->sec, h), 0);
	assert_int_equal(ks_nw_pages_lent(fx), 0);
	ks_status(fx, &st);
	assert_int_equal(st.smmu_mappings, 0);
}

/* ---- scrub ---- */

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v) {
			return false;
		}
	}
	return true;
}

static void test_scrub_chunk(void **state)
{
	struct ks_fixture *fx = *state;
	uint64_t min_chunk = sv_min_chunk(fx);
	/* At least four pages, a multiple of the minimum chunk. */
	uint64_t chunk = (4 * PAGE + min_chunk - 1) / min_chunk * min_chunk;
	uint8_t *page = malloc(PAGE);
	uint64_t iova = 0;
	uint64_t h = 0;
	uint32_t id = 0;

	assert_non_null(page);
	lend_one(fx, KS_SV_DYN_BASE, chunk, &h, &id);
	memset(page, 0xA5, PAGE);
	for (uint32_t i = 0; i < 4; i++) {
		ks_secure_write(fx, KS_SV_DYN_BASE + i * PAGE, page, PAGE);
	}
	/* Pages 1 and 2 zeroed, 0 and 3 untouched. */
	assert_int_equal(ksec_scrub(fx->sec, id, PAGE, 2 * PAGE), 0);
	for (uint32_t i = 0; i < 4; i++) {
		ks_secure_read(fx, KS_SV_DYN_BASE + i * PAGE, page, PAGE);
		assert_true(all_bytes(page, PAGE,
				      (i == 1 || i == 2) ? 0x00 : 0xA5));
	}
	/* ksec's own argument checks. */
	assert_int_equal(ksec_scrub(fx->sec, id, 0, 0), -EINVAL);
	assert_int_equal(ksec_scrub(fx->sec, id, 1, PAGE), -EINVAL);
	assert_int_equal(ksec_scrub(fx->sec, id, 0, PAGE + 1), -EINVAL);
	/* The partition's. */
	assert_int_equal(ksec_scrub(fx->sec, id, chunk, PAGE), -EINVAL);
	assert_int_equal(ksec_scrub(fx->sec, id, 0, chunk + PAGE), -EINVAL);
	assert_int_equal(ksec_scrub(fx->sec, 0, 0, PAGE), -EPERM);
	assert_int_equal(ksec_scrub(fx->sec, id + 1, 0, PAGE), -ENOENT);
	/* Attached range: -EBUSY where it overlaps, fine elsewhere. */
	assert_int_equal(ksec_attach(fx->sec, id, 0, PAGE, KS_STREAM_VDEC,
				     false, &iova), 0);
	assert_int_equal(ksec_scrub(fx->sec, id, 0, 2 * PAGE), -EBUSY);
	assert_int_equal(ksec_scrub(fx->sec, id, PAGE, PAGE), 0);
	assert_int_equal(ksec_detach(fx->sec, KS_STREAM_VDEC, iova), 0);
	assert_int_equal(ksec_scrub(fx->sec, id, 0, chunk), 0);
	ks_secure_read(fx, KS_SV_DYN_BASE, page, PAGE);
	assert_true(all_bytes(page, PAGE, 0));
	ks_secure_read(fx, KS_SV_DYN_BASE + 3 * PAGE, page, PAGE);
	assert_true(all_bytes(page, PAGE, 0));
	assert_int_equal(ksec_chunk_reclaim(fx->sec, h), 0);
	free(page);
}

static void test_scrub_static(void **state)
{
	struct ks_fixture *fx = *state;
	uint8_t *page = malloc(PAGE);

	assert_non_null(page);
	memset(page, 0x3C, PAGE);
	ks_secure_write(fx, KS_SV_STATIC_BASE + 5 * PAGE, page, PAGE);
	ks_secure_write(fx, KS_SV_STATIC_BASE + 6 * PAGE, page, PAGE);
	assert_int_equal(ksec_scrub(fx->sec, KS_SV_STATIC_ID, 5 * PAGE, PAGE),
			 0);
	ks_secure_read(fx, KS_SV_STATIC_BASE + 5 * PAGE, page, PAGE);
	assert_true(all_bytes(page, PAGE, 0));
	ks_secure_read(fx, KS_SV_STATIC_BASE + 6 * PAGE, page, PAGE);
	assert_true(all_bytes(page, PAGE, 0x3C));
	/* Past the 64 MiB pool; an index with no pool. */
	assert_int_equal(ksec_scrub(fx->sec, KS_SV_STATIC_ID, 64u << 20, PAGE),
			 -EINVAL);
	assert_int_equal(ksec_scrub(fx->sec, SDP_BUF_ID_STATIC_BIT | 40, 0,
				    PAGE), -ENOENT);
	free(page);
}

/* ---- the board goes away ---- */

static void test_board_gone(void **state)
{
	struct ks_fixture *fx = *state;
	uint64_t chunk = sv_min_chunk(fx);
	struct rheap_ffa_range r = { .address = KS_SV_DYN_BASE + chunk,
				     .page_count = (uint32_t)(chunk / PAGE) };
	const uint32_t zero[4] = { 0 };
	uint64_t min_chunk = 0;
	uint64_t align = 0;
	uint32_t pools = 0;
	uint32_t count = 0;
	uint64_t base = 0;
	uint64_t size = 0;
	uint64_t iova = 0;
	uint64_t h = 0;
	uint32_t id = 0;

	lend_one(fx, KS_SV_DYN_BASE, chunk, &h, &id);
	ks_server_kill(fx);
	assert_false(ksec_gone(fx->sec));
	assert_int_equal(ksec_sdp_call(fx->sec, SDP_CMD_GET_VERSION, zero,
				       NULL), -ENOENT);
	assert_true(ksec_gone(fx->sec));
	assert_int_equal(ksec_chunk_reclaim(fx->sec, h), -ENOENT);
	assert_int_equal(ksec_chunk_lend(fx->sec, 1, &r, 1, &h, &id), -ENOENT);
	assert_int_equal(ksec_scrub(fx->sec, id, 0, PAGE), -ENOENT);
	assert_int_equal(ksec_attach(fx->sec, id, 0, PAGE, KS_STREAM_VDEC,
				     false, &iova), -ENOENT);
	assert_int_equal(ksec_detach(fx->sec, KS_STREAM_VDEC, 1), -ENOENT);
	assert_int_equal(ksec_lend_config(fx->sec, 1, &min_chunk, &align,
					  &pools), -ENOENT);
	assert_int_equal(ksec_protmem_range(fx->sec, 1, 0, &count, &base,
					    &size), -ENOENT);
	assert_true(ksec_gone(fx->sec));
	/* ks_stop() destroys the ksec: no call, no hang. */
}

/* A gone board seen first by a helper's -ENOENT (LEND). */
static void test_board_gone_in_lend(void **state)
{
	struct ks_fixture *fx = *state;
	struct rheap_ffa_range r = { .address = KS_SV_DYN_BASE,
				     .page_count = 1 };
	uint64_t h = 0;
	uint32_t id = 0;

	ks_server_kill(fx);
	assert_int_equal(ksec_chunk_lend(fx->sec, 1, &r, 1, &h, &id), -ENOENT);
	assert_true(ksec_gone(fx->sec));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_accounting,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_create_bad_cfg,
						fx_setup_bare, fx_teardown),
		cmocka_unit_test_setup_teardown(test_protmem_range, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_lend_config, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_sdp_call, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_lend_reclaim_round_trip,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lend_errors, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_after_release,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_attach_detach, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_scrub_chunk, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_scrub_static, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_board_gone, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_board_gone_in_lend,
						fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, ks_tl_load, ks_tl_free);
}
