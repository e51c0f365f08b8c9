// SPDX-License-Identifier: BSD-2-Clause
/*
 * SDP partition tests, on a real world built from the default board:
 * platform decoded from default.dtb, DRAM (no memfd_secret), TZASC with
 * the static pools protected, SMMU, bus, devices, and an SPMC whose
 * platform operations program that TZASC and scrub that DRAM. The normal
 * world is played by the test: it lends and shares with spmc_send() as
 * endpoint 0x0001 and sends direct requests to the partition.
 *
 * Covered: every command and its errors (exact status), the firewall
 * reality check after ATTACH, inject -> transform -> dump, CENC decrypt
 * against Mbed TLS, the five out-of-bounds memrefs of xtest 1014 on both
 * sides, the canary scrub after RELEASE + reclaim, R5 (reclaim refused
 * before RELEASE), teardown, and the request framing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>
#include <rheap/platform.h>
#include <rheap/sdp_abi.h>

#include "hw/hw_bus.h"
#include "hw/hw_device.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "hw/hw_tzasc.h"
#include "sp/sdp_partition.h"
#include "sp/sp_keys.h"
#include "spmc/spmc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE 4096u
#define VM1 0x0001u
#define VM2 0x0002u
#define SDP_ID 0x8001u
#define SP2 0x8002u
#define CHUNK (64u * 1024u) /* min chunk size and alignment */
#define CHUNK_PAGES (CHUNK / PAGE)
#define PARAM_PA UINT64_C(0x80100000)
#define PARAM_PAGES 16u
#define PARAM_SIZE (PARAM_PAGES * PAGE)
#define NW_FREE_PA UINT64_C(0x80400000) /* NW memory outside every pool */
#define SID_VDEC 0x10u
#define SID_DISPLAY 0x20u
#define SID_GPU 0x30u
#define SID_DMA 0x40u
#define DATA_OFF 4096u
#define DUMP_OFF 32768u
#define SUBS_OFF 256u
#define XSIZE 17000u /* xtest 1014 buffer size */

struct world {
	struct rheap_platform plat;
	struct hw_dram *dram;
	struct hw_tzasc tz;
	struct hw_smmu *smmu;
	struct hw_bus *bus;
	struct hw_device *vdec;
	struct hw_device *display;
	struct hw_device *gpu;
	struct spmc *spmc;
	struct sp_keys keys;
	struct sdp_partition *sp;
	uint64_t sv_dyn;
	uint64_t svr_dyn;
	uint32_t sv_static_idx;
	uint32_t tui_static_idx;
	uint64_t sv_static;
	uint8_t *param; /* NW view of the parameter area */
};

static struct world W;
static uint64_t g_blob[16384];
static size_t g_blob_size;

static const uint8_t k_kid[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
				   0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
				   0x1c, 0x1d, 0x1e, 0x1f };
static const uint8_t k_key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae,
				   0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88,
				   0x09, 0xcf, 0x4f, 0x3c };

/* ------------------------------------------------------------------ */
/* The world.                                                          */

static int plat_protect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return hw_tzasc_protect(&W.tz, base, size);
}

static int plat_unprotect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return hw_tzasc_unprotect(&W.tz, base, size);
}

static int plat_scrub(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return hw_dram_scrub(W.dram, base, size);
}

/*
 * Allocation fault injection. The SPMC allocates through plat_alloc():
 * after g_spmc_alloc_skip more successes, the next g_spmc_alloc_fail
 * allocations fail. The partition's own allocations fail while
 * g_sp_alloc_fail is non-zero (sdp_partition_cfg.test_alloc_fail).
 */
static uint32_t g_spmc_alloc_skip;
static uint32_t g_spmc_alloc_fail;
static uint32_t g_sp_alloc_fail;

static void *plat_alloc(void *ctx, size_t size)
{
	(void)ctx;
	if (g_spmc_alloc_skip > 0) {
		g_spmc_alloc_skip--;
	} else if (g_spmc_alloc_fail > 0) {
		g_spmc_alloc_fail--;
		return NULL;
	}
	return calloc(1, size);
}

static void plat_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

static const struct spmc_plat_ops k_plat_ops = {
	.protect = plat_protect,
	.unprotect = plat_unprotect,
	.scrub = plat_scrub,
	.alloc = plat_alloc,
	.free = plat_free,
};

static void load_blob(void)
{
	const char *path = getenv("RHEAP_DEFAULT_DTB");
	FILE *fp = NULL;

	if (g_blob_size) {
		return;
	}
	assert_non_null(path);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	g_blob_size = fread(g_blob, 1, sizeof(g_blob), fp);
	fclose(fp);
	assert_true(g_blob_size > 0 && g_blob_size < sizeof(g_blob));
}

static struct hw_device *make_device(uint32_t sid)
{
	struct hw_device *d = NULL;

	for (uint32_t i = 0; i < W.plat.device_count; i++) {
		if (W.plat.devices[i].stream_id == sid) {
			assert_int_equal(hw_device_create(W.bus, W.smmu,
							  &W.plat.devices[i],
							  &d),
					 0);
		}
	}
	assert_non_null(d);
	return d;
}

static void partition_open(bool debug, bool keys)
{
	struct sdp_partition_cfg cfg = { 0 };

	cfg.id = SDP_ID;
	cfg.spmc = W.spmc;
	cfg.dram = W.dram;
	cfg.smmu = W.smmu;
	cfg.bus = W.bus;
	cfg.plat = &W.plat;
	cfg.keys = keys ? &W.keys : NULL;
	cfg.min_chunk_size = CHUNK;
	cfg.chunk_alignment = CHUNK;
	cfg.debug_dump = debug;
	cfg.test_alloc_fail = &g_sp_alloc_fail;
	assert_int_equal(sdp_partition_create(&cfg, &W.sp), 0);
}

static int world_setup(void **state)
{
	struct spmc_cfg sc = { 0 };

	(void)state;
	memset(&W, 0, sizeof(W));
	g_spmc_alloc_skip = 0;
	g_spmc_alloc_fail = 0;
	g_sp_alloc_fail = 0;
	load_blob();
	assert_int_equal(rheap_platform_decode(g_blob, g_blob_size, &W.plat,
					       NULL),
			 0);
	assert_int_equal(hw_dram_create(&W.plat, HW_DRAM_NO_SECRET, &W.dram),
			 0);
	assert_int_equal(hw_tzasc_init_platform(&W.tz, &W.plat), 0);
	assert_int_equal(hw_smmu_create(&W.plat, &W.smmu), 0);
	assert_int_equal(hw_bus_create(W.dram, &W.tz, W.smmu,
				       HW_BUS_DEFAULT_FAULTS, &W.bus),
			 0);
	W.vdec = make_device(SID_VDEC);
	W.display = make_device(SID_DISPLAY);
	W.gpu = make_device(SID_GPU);

	sc.ops = &k_plat_ops;
	sc.endpoint_count = 4;
	sc.endpoints[0] = VM1;
	sc.endpoints[1] = VM2;
	sc.endpoints[2] = SDP_ID;
	sc.endpoints[3] = SP2;
	for (uint32_t i = 0; i < W.plat.dram_count; i++) {
		sc.dram[sc.dram_count].base = W.plat.dram[i].base;
		sc.dram[sc.dram_count].size = W.plat.dram[i].size;
		sc.dram_count++;
	}
	for (uint32_t i = 0; i < W.plat.pool_count; i++) {
		const struct rheap_plat_pool *p = &W.plat.pools[i];

		if (p->kind == RHEAP_POOL_STATIC) {
			assert_int_equal(hw_tzasc_protect(&W.tz, p->base,
							  p->size),
					 0);
			sc.carveouts[sc.carveout_count].base = p->base;
			sc.carveouts[sc.carveout_count].size = p->size;
			sc.carveout_count++;
			if (p->use_case == RHEAP_USE_CASE_SECURE_VIDEO) {
				W.sv_static_idx = i;
				W.sv_static = p->base;
			} else {
				W.tui_static_idx = i;
			}
		} else {
			sc.pools[sc.pool_count].base = p->base;
			sc.pools[sc.pool_count].size = p->size;
			sc.pool_count++;
			if (p->use_case == RHEAP_USE_CASE_SECURE_VIDEO) {
				W.sv_dyn = p->base;
			} else {
				W.svr_dyn = p->base;
			}
		}
	}
	assert_true(W.sv_dyn != 0 && W.svr_dyn != 0 && W.sv_static != 0);
	sc.limits.max_shares = 80;
	sc.limits.max_fragments = 8;
	sc.limits.max_ranges = 64;
	sc.limits.max_total_ranges = 1024;
	assert_int_equal(spmc_create(&sc, &W.spmc, NULL), 0);

	sp_keys_init(&W.keys);
	{
		struct sp_cenc_key key = { { 0 } };

		memcpy(key.bytes, k_key, sizeof(key.bytes));
		assert_int_equal(sp_keys_add(&W.keys, k_kid, &key), 0);
	}
	partition_open(true, true);
	return 0;
}

static int world_teardown(void **state)
{
	(void)state;
	sdp_partition_destroy(W.sp);
	if (W.spmc) {
		assert_int_equal(spmc_check_invariants(W.spmc, NULL), 0);
		/* Nothing of the partition's is left in the secure SMMU. */
		assert_int_equal(hw_smmu_context_mapping_count(
					 W.smmu, SID_VDEC, HW_SMMU_CTX_S),
				 0);
		assert_int_equal(hw_smmu_context_mapping_count(
					 W.smmu, SID_DISPLAY, HW_SMMU_CTX_S),
				 0);
	}
	spmc_destroy(W.spmc);
	sp_keys_fini(&W.keys);
	hw_device_destroy(W.vdec);
	hw_device_destroy(W.display);
	hw_device_destroy(W.gpu);
	hw_bus_destroy(W.bus);
	hw_smmu_destroy(W.smmu);
	hw_dram_destroy(W.dram);
	memset(&W, 0, sizeof(W));
	return 0;
}

static void partition_reopen(bool debug, bool keys)
{
	sdp_partition_destroy(W.sp);
	W.sp = NULL;
	partition_open(debug, keys);
}

/* ------------------------------------------------------------------ */
/* The normal world.                                                   */

static int nw_send(uint16_t sender, enum rheap_ffa_abi abi, uint64_t tag,
		   const uint16_t *rcv, uint32_t nrcv,
		   const struct rheap_ffa_range *ranges, uint32_t nranges,
		   uint64_t *handle)
{
	static uint8_t buf[8192];
	struct rheap_ffa_receiver r[4] = { 0 };
	struct rheap_ffa_range rr[8] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	struct spmc_send_result res = { 0 };
	int n = 0;
	int rc = 0;

	for (uint32_t i = 0; i < nrcv; i++) {
		r[i].endpoint_id = rcv[i];
		r[i].permissions = FFA_DATA_ACCESS_RW;
	}
	m.abi = abi;
	m.version = FFA_VERSION_1_1;
	m.sender_id = sender;
	m.attributes = (abi == RHEAP_FFA_ABI_SHARE || nrcv > 1)
			       ? FFA_MEM_ATTR_NORMAL_WB_ISH
			       : 0;
	m.tag = tag;
	m.receiver_count = nrcv;
	m.receivers = r;
	m.receiver_cap = 4;
	for (uint32_t i = 0; i < nranges; i++) {
		rr[i] = ranges[i];
		m.total_page_count += ranges[i].page_count;
	}
	m.range_count = nranges;
	m.ranges = rr;
	m.range_cap = 8;
	n = rheap_ffa_mem_encode(&m, buf, sizeof(buf), NULL);
	assert_true(n > 0);
	rc = spmc_send(W.spmc, sender, abi, buf, (size_t)n, (size_t)n, &res,
		       NULL);
	if (rc == 0) {
		assert_true(res.complete);
		*handle = res.handle;
	}
	return rc;
}

static uint64_t lend_to(uint16_t sender, uint16_t rcv, uint64_t base,
			uint32_t pages, uint64_t tag)
{
	struct rheap_ffa_range r = { base, pages };
	uint16_t id = rcv;
	uint64_t h = 0;

	assert_int_equal(nw_send(sender, RHEAP_FFA_ABI_LEND, tag, &id, 1, &r,
				 1, &h),
			 0);
	return h;
}

static uint64_t lend(uint64_t base, uint32_t pages, uint64_t tag)
{
	return lend_to(VM1, SDP_ID, base, pages, tag);
}

static uint64_t share_param(uint16_t sender, uint64_t base)
{
	struct rheap_ffa_range r = { base, PARAM_PAGES };
	uint16_t id = SDP_ID;
	uint64_t h = 0;

	assert_int_equal(nw_send(sender, RHEAP_FFA_ABI_SHARE, 0, &id, 1, &r,
				 1, &h),
			 0);
	return h;
}

static int reclaim(uint64_t h)
{
	return spmc_reclaim(W.spmc, VM1, h, 0, NULL);
}

static bool held_by_sdp(uint64_t h)
{
	struct spmc_share_info info = { 0 };

	assert_int_equal(spmc_share_find(W.spmc, h, &info), 0);
	for (uint32_t i = 0; i < info.receiver_count; i++) {
		if (info.receivers[i] == SDP_ID) {
			return info.retrieved[i] != 0;
		}
	}
	return false;
}

/* One direct request; returns the status (w3), results in @out. */
static int32_t call_as(uint16_t sender, uint32_t w3, uint32_t w4, uint32_t w5,
		       uint32_t w6, uint32_t w7, uint32_t out[4])
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };

	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[1] = (uint64_t)sender << 16 | SDP_ID;
	req.x[3] = w3;
	req.x[4] = w4;
	req.x[5] = w5;
	req.x[6] = w6;
	req.x[7] = w7;
	assert_int_equal(sdp_partition_direct_req(W.sp, sender, SDP_ID, &req,
						  &resp),
			 0);
	assert_true(resp.x[0] == FFA_MSG_SEND_DIRECT_RESP_32);
	assert_true(resp.x[1] == ((uint64_t)SDP_ID << 16 | sender));
	assert_true(resp.x[2] == 0);
	for (uint32_t i = 8; i < RHEAP_FFA_REG_COUNT; i++) {
		assert_true(resp.x[i] == 0);
	}
	if ((int32_t)(uint32_t)resp.x[3] != 0 &&
	    w3 != SDP_CMD_GET_PROTMEM_CONFIG) {
		/* A failed command returns no results. */
		for (uint32_t i = 4; i < 8; i++) {
			assert_true(resp.x[i] == 0);
		}
	}
	if (out) {
		for (uint32_t i = 0; i < 4; i++) {
			out[i] = (uint32_t)resp.x[4 + i];
		}
	}
	return (int32_t)(uint32_t)resp.x[3];
}

#define CALL(w3, w4, w5, w6, w7, out) call_as(VM1, (w3), (w4), (w5), (w6), (w7), (out))

static uint32_t assign_ok(uint64_t h, uint32_t uc)
{
	uint32_t out[4] = { 0 };

	assert_int_equal(CALL(SDP_CMD_ASSIGN, (uint32_t)h,
			      (uint32_t)(h >> 32), uc, 0, out),
			 0);
	assert_true(out[0] != 0);
	return out[0];
}

static int32_t assign(uint16_t sender, uint64_t h, uint32_t uc)
{
	return call_as(sender, SDP_CMD_ASSIGN, (uint32_t)h,
		       (uint32_t)(h >> 32), uc, 0, NULL);
}

static int32_t release(uint16_t sender, uint64_t h)
{
	return call_as(sender, SDP_CMD_RELEASE, (uint32_t)h,
		       (uint32_t)(h >> 32), 0, 0, NULL);
}

static int32_t attach(uint32_t buf_id, uint32_t page_off, uint32_t pages,
		      uint32_t sid, bool write, uint64_t *iova)
{
	uint32_t out[4] = { 0 };
	int32_t st = CALL(SDP_CMD_ATTACH |
				  (write ? SDP_ATTACH_FLAG_WRITE << 16 : 0),
			  buf_id, page_off, pages, sid, out);

	if (iova) {
		*iova = (uint64_t)out[1] << 32 | out[0];
	}
	return st;
}

static int32_t detach(uint32_t sid, uint64_t iova)
{
	return CALL(SDP_CMD_DETACH, sid, (uint32_t)iova,
		    (uint32_t)(iova >> 32), 0, NULL);
}

/* Share and register VM1's parameter area; W.param is its NW view. */
static uint64_t param_setup(void)
{
	uint32_t out[4] = { 0 };
	uint64_t h = share_param(VM1, PARAM_PA);
	void *p = NULL;

	assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)h,
			      (uint32_t)(h >> 32), 0, 0, out),
			 0);
	assert_int_equal(out[0], PARAM_PAGES);
	assert_int_equal(hw_dram_ptr(W.dram, PARAM_PA, PARAM_SIZE, &p), 0);
	W.param = p;
	return h;
}

static struct sdp_abi_memref mref(uint32_t buf_id, uint64_t off, uint64_t size)
{
	struct sdp_abi_memref m = { 0 };

	m.buf_id = buf_id;
	m.offset = off;
	m.size = size;
	return m;
}

static int32_t run_copy(uint32_t cmd, struct sdp_abi_memref in,
			struct sdp_abi_memref out)
{
	struct sdp_abi_copy_param p = { in, out };

	memcpy(W.param, &p, sizeof(p));
	return CALL(cmd, 0, sizeof(p), 0, 0, NULL);
}

static int32_t run_transform(struct sdp_abi_memref buf)
{
	struct sdp_abi_transform_param p = { buf };

	memcpy(W.param, &p, sizeof(p));
	return CALL(SDP_CMD_TRANSFORM, 0, sizeof(p), 0, 0, NULL);
}

static void secure_read(uint64_t pa, void *buf, size_t n)
{
	assert_int_equal(hw_bus_cpu_read(W.bus, true, pa, buf, n), 0);
}

static void secure_write(uint64_t pa, const void *buf, size_t n)
{
	assert_int_equal(hw_bus_cpu_write(W.bus, true, pa, buf, n), 0);
}

static uint64_t g_rng = 0x243F6A8885A308D3ull;

static uint8_t rnd8(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint8_t)g_rng;
}

static void fill_rand(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = rnd8();
	}
}

/* ------------------------------------------------------------------ */
/* Create.                                                             */

struct cfg_case {
	const char *name;
	void (*mutate)(struct sdp_partition_cfg *c);
};

static void c_no_spmc(struct sdp_partition_cfg *c) { c->spmc = NULL; }
static void c_no_smmu(struct sdp_partition_cfg *c) { c->smmu = NULL; }
static void c_no_bus(struct sdp_partition_cfg *c) { c->bus = NULL; }
static void c_no_plat(struct sdp_partition_cfg *c) { c->plat = NULL; }
static void c_ns_id(struct sdp_partition_cfg *c) { c->id = 0x0001; }
static void c_spmc_id(struct sdp_partition_cfg *c) { c->id = 0x8000; }
static void c_chunk_zero(struct sdp_partition_cfg *c) { c->min_chunk_size = 0; }
static void c_chunk_odd(struct sdp_partition_cfg *c) { c->min_chunk_size = 5000; }
static void c_align_npot(struct sdp_partition_cfg *c) { c->chunk_alignment = 3 * PAGE; }
static void c_align_small(struct sdp_partition_cfg *c) { c->chunk_alignment = 2048; }

static const struct cfg_case k_cfg_cases[] = {
	{ "create_rej_no_spmc", c_no_spmc },
	{ "create_rej_no_smmu", c_no_smmu },
	{ "create_rej_no_bus", c_no_bus },
	{ "create_rej_no_plat", c_no_plat },
	{ "create_rej_ns_id", c_ns_id },
	{ "create_rej_spmc_id", c_spmc_id },
	{ "create_rej_chunk_zero", c_chunk_zero },
	{ "create_rej_chunk_not_pages", c_chunk_odd },
	{ "create_rej_align_not_pow2", c_align_npot },
	{ "create_rej_align_below_page", c_align_small },
};

static void run_cfg_case(void **state)
{
	const struct cfg_case *c = *state;
	struct sdp_partition_cfg cfg = { 0 };
	struct sdp_partition *sp = (struct sdp_partition *)&cfg; /* poison */

	cfg.id = SDP_ID;
	cfg.spmc = W.spmc;
	cfg.dram = W.dram;
	cfg.smmu = W.smmu;
	cfg.bus = W.bus;
	cfg.plat = &W.plat;
	cfg.min_chunk_size = CHUNK;
	cfg.chunk_alignment = CHUNK;
	c->mutate(&cfg);
	assert_int_equal(sdp_partition_create(&cfg, &sp), -EINVAL);
	assert_true(sp == (struct sdp_partition *)&cfg); /* untouched */
}

/* ------------------------------------------------------------------ */
/* Configuration queries.                                              */

static void test_version(void **state)
{
	uint32_t out[4] = { 0 };

	(void)state;
	assert_int_equal(CALL(SDP_CMD_GET_VERSION, 0, 0, 0, 0, out), 0);
	assert_int_equal(out[0], SDP_ABI_VERSION_MAJOR);
	assert_int_equal(out[1], SDP_ABI_VERSION_MINOR);
	assert_int_equal(CALL(SDP_CMD_GET_VERSION, 1, 0, 0, 0, out), -EINVAL);
}

static void test_protmem_config_secure_video(void **state)
{
	uint32_t out[4] = { 0 };

	(void)state;
	assert_int_equal(CALL(SDP_CMD_GET_PROTMEM_CONFIG,
			      RHEAP_USE_CASE_SECURE_VIDEO, 0, 0, 0, out),
			 0);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0xe0000000u);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], (64u << 20) / PAGE);
}

static void test_protmem_config_trusted_ui(void **state)
{
	uint32_t out[4] = { 0 };

	(void)state;
	assert_int_equal(CALL(SDP_CMD_GET_PROTMEM_CONFIG,
			      RHEAP_USE_CASE_TRUSTED_UI, 0, 0, 0, out),
			 0);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0xe4000000u);
	assert_int_equal(out[3], (16u << 20) / PAGE);
}

static void test_protmem_config_index_past_end(void **state)
{
	uint32_t out[4] = { 0 };

	(void)state;
	/* The count still comes back in w4 with -ENOENT. */
	assert_int_equal(CALL(SDP_CMD_GET_PROTMEM_CONFIG,
			      RHEAP_USE_CASE_SECURE_VIDEO, 1, 0, 0, out),
			 -ENOENT);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0);
	assert_int_equal(CALL(SDP_CMD_GET_PROTMEM_CONFIG,
			      RHEAP_USE_CASE_SECURE_VIDEO_RECORD, 0, 0, 0,
			      out),
			 -ENOENT);
	assert_int_equal(out[0], 0);
}

static void test_protmem_config_bad_use_case(void **state)
{
	(void)state;
	assert_int_equal(CALL(SDP_CMD_GET_PROTMEM_CONFIG, 0, 0, 0, 0, NULL),
			 -EINVAL);
	assert_int_equal(CALL(SDP_CMD_GET_PROTMEM_CONFIG, 4, 0, 0, 0, NULL),
			 -EINVAL);
	assert_int_equal(CALL(SDP_CMD_GET_LEND_CONFIG, 0, 0, 0, 0, NULL),
			 -EINVAL);
}

static void test_lend_config(void **state)
{
	uint32_t out[4] = { 0 };

	(void)state;
	assert_int_equal(CALL(SDP_CMD_GET_LEND_CONFIG,
			      RHEAP_USE_CASE_SECURE_VIDEO, 0, 0, 0, out),
			 0);
	assert_int_equal(out[0], CHUNK_PAGES);
	assert_int_equal(out[1], CHUNK_PAGES);
	assert_int_equal(out[2], 1);
	assert_int_equal(CALL(SDP_CMD_GET_LEND_CONFIG,
			      RHEAP_USE_CASE_TRUSTED_UI, 0, 0, 0, out),
			 0);
	assert_int_equal(out[2], 0);
}

/* ------------------------------------------------------------------ */
/* ASSIGN / RELEASE.                                                   */

static void test_assign_ok(void **state)
{
	struct sdp_partition_stats st = { 0 };
	uint32_t out[4] = { 0 };
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_false(held_by_sdp(h));
	assert_int_equal(CALL(SDP_CMD_ASSIGN, (uint32_t)h, (uint32_t)(h >> 32),
			      RHEAP_USE_CASE_SECURE_VIDEO, 0, out),
			 0);
	assert_true(out[0] != 0 && (out[0] & SDP_BUF_ID_STATIC_BIT) == 0);
	assert_int_equal(out[1], CHUNK_PAGES);
	assert_true(held_by_sdp(h));
	sdp_partition_stats(W.sp, &st);
	assert_int_equal(st.chunks, 1);
	assert_int_equal(st.chunk_pages, CHUNK_PAGES);
}

static void test_assign_twice(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EBUSY);
	assert_true(held_by_sdp(h));
}

static void test_assign_unknown_handle(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h + 1, RHEAP_USE_CASE_SECURE_VIDEO),
			 -ENOENT);
	assert_int_equal(assign(VM1, FFA_HANDLE_INVALID,
				RHEAP_USE_CASE_SECURE_VIDEO),
			 -ENOENT);
	/* Stale: reclaimed before the assign. */
	assert_int_equal(reclaim(h), 0);
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -ENOENT);
}

static void test_assign_wrong_tag(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO_RECORD),
			 -EINVAL);
	assert_false(held_by_sdp(h));
	/* The right tag still works afterwards. */
	(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
}

static void test_assign_bad_use_case(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h, 0), -EINVAL);
	assert_int_equal(assign(VM1, h, 4), -EINVAL);
	assert_int_equal(CALL(SDP_CMD_ASSIGN, (uint32_t)h, (uint32_t)(h >> 32),
			      RHEAP_USE_CASE_SECURE_VIDEO, 1, NULL),
			 -EINVAL);
	assert_false(held_by_sdp(h));
}

static void test_assign_other_lender(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	/* VM2 names VM1's chunk: the retrieve names VM2 as the sender. */
	assert_int_equal(assign(VM2, h, RHEAP_USE_CASE_SECURE_VIDEO), -EINVAL);
	assert_false(held_by_sdp(h));
}

static void test_assign_share_not_lend(void **state)
{
	struct rheap_ffa_range r = { W.sv_dyn, CHUNK_PAGES };
	uint16_t id = SDP_ID;
	uint64_t h = 0;

	(void)state;
	assert_int_equal(nw_send(VM1, RHEAP_FFA_ABI_SHARE,
				 RHEAP_USE_CASE_SECURE_VIDEO, &id, 1, &r, 1,
				 &h),
			 0);
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EINVAL);
	assert_false(held_by_sdp(h));
}

static void test_assign_two_borrowers(void **state)
{
	struct rheap_ffa_range r = { W.sv_dyn, CHUNK_PAGES };
	uint16_t ids[2] = { SDP_ID, SP2 };
	uint64_t h = 0;

	(void)state;
	assert_int_equal(nw_send(VM1, RHEAP_FFA_ABI_LEND,
				 RHEAP_USE_CASE_SECURE_VIDEO, ids, 2, &r, 1,
				 &h),
			 0);
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EINVAL);
	/* Retrieved, found wrong, relinquished. */
	assert_false(held_by_sdp(h));
	assert_int_equal(reclaim(h), 0);
}

static void test_assign_not_receiver(void **state)
{
	uint64_t h = lend_to(VM1, SP2, W.sv_dyn, CHUNK_PAGES,
			     RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EPERM);
}

static void test_assign_outside_pool(void **state)
{
	uint64_t h = lend(NW_FREE_PA, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EPERM);
	assert_false(held_by_sdp(h));
	assert_int_equal(reclaim(h), 0);
}

static void test_assign_pool_of_other_use_case(void **state)
{
	uint64_t h = lend(W.svr_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EPERM);
	assert_false(held_by_sdp(h));
}

static void test_assign_misaligned(void **state)
{
	uint64_t h = lend(W.sv_dyn + PAGE, CHUNK_PAGES,
			  RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EINVAL);
	assert_false(held_by_sdp(h));
}

static void test_assign_size_not_chunk_multiple(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES + 1,
			  RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -EINVAL);
	assert_false(held_by_sdp(h));
}

static void test_assign_table_full(void **state)
{
	uint64_t first = 0;
	uint64_t h = 0;

	(void)state;
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_CHUNKS; i++) {
		h = lend(W.sv_dyn + (uint64_t)i * CHUNK, CHUNK_PAGES,
			 RHEAP_USE_CASE_SECURE_VIDEO);
		(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
		first = i == 0 ? h : first;
	}
	h = lend(W.sv_dyn + (uint64_t)SDP_PARTITION_MAX_CHUNKS * CHUNK,
		 CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -ENOMEM);
	assert_false(held_by_sdp(h));
	assert_int_equal(release(VM1, first), 0);
	(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
}

static void test_release_then_reclaim(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	/* R5: the SPMC refuses reclaim while the partition holds it. */
	assert_int_equal(reclaim(h), -EBUSY);
	assert_true(hw_tzasc_is_secure(&W.tz, W.sv_dyn, CHUNK));
	assert_int_equal(release(VM1, h), 0);
	assert_false(held_by_sdp(h));
	assert_int_equal(reclaim(h), 0);
	assert_false(hw_tzasc_is_secure(&W.tz, W.sv_dyn, CHUNK));
	assert_int_equal(release(VM1, h), -ENOENT);
}

static void test_release_errors(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(release(VM1, h), -ENOENT); /* never assigned */
	(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	assert_int_equal(release(VM2, h), -EPERM);
	assert_int_equal(CALL(SDP_CMD_RELEASE, (uint32_t)h,
			      (uint32_t)(h >> 32), 1, 0, NULL),
			 -EINVAL);
	assert_true(held_by_sdp(h));
}

static void test_release_while_attached(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint64_t iova = 0;

	(void)state;
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true, &iova), 0);
	assert_int_equal(release(VM1, h), -EBUSY);
	assert_true(held_by_sdp(h));
	assert_int_equal(detach(SID_VDEC, iova), 0);
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
}

static void test_stale_buf_id(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id2 = 0;

	(void)state;
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
	assert_int_equal(attach(id, 0, 1, SID_VDEC, false, NULL), -ENOENT);
	/* Same slot, new generation: the old ID stays dead. */
	h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	id2 = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	assert_true(id2 != id);
	assert_int_equal(id2 & 0xFFFFu, id & 0xFFFFu);
	assert_int_equal(attach(id, 0, 1, SID_VDEC, false, NULL), -ENOENT);
	assert_int_equal(attach(0x1234u, 0, 1, SID_VDEC, false, NULL),
			 -ENOENT);
}

static void test_buf_id_of_other_vm(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(call_as(VM2, SDP_CMD_ATTACH, id, 0, 1, SID_VDEC,
				 NULL),
			 -EPERM);
}

/* ------------------------------------------------------------------ */
/* ATTACH / DETACH and the firewall.                                   */

static void test_attach_vdec_firewall(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint8_t pattern[PAGE] = { 0 };
	uint8_t got[PAGE] = { 0 };
	struct hw_fault f = { 0 };
	uint64_t iova = 0;

	(void)state;
	fill_rand(pattern, sizeof(pattern));
	secure_write(W.sv_dyn + PAGE, pattern, sizeof(pattern));
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true, &iova), 0);
	assert_true(iova >= SDP_PARTITION_IOVA_BASE);

	/* The secure device reads it through its secure context. */
	assert_int_equal(hw_device_read(W.vdec, true, iova + PAGE, got,
					sizeof(got)),
			 0);
	assert_memory_equal(got, pattern, sizeof(got));

	/* Non-secure transaction of the same device: nothing mapped. */
	hw_bus_fault_clear(W.bus);
	assert_int_equal(hw_device_read(W.vdec, false, iova + PAGE, got,
					sizeof(got)),
			 -ENOENT);

	/* NS CPU: the TZASC refuses, and says so. */
	hw_bus_fault_clear(W.bus);
	assert_int_equal(hw_bus_cpu_read(W.bus, false, W.sv_dyn + PAGE, got,
					 sizeof(got)),
			 -EPERM);
	assert_int_equal(hw_bus_fault_pop(W.bus, &f), 0);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	for (size_t i = 0; i < sizeof(got); i++) {
		assert_int_equal(got[i], 0);
	}

	/* An NS device that a hostile NW kernel maps at the PA: TZASC. */
	assert_int_equal(hw_smmu_map(W.smmu, SID_GPU, HW_SMMU_CTX_NS, 0x100000,
				     W.sv_dyn, CHUNK, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_device_read(W.gpu, false, 0x100000 + PAGE, got,
					sizeof(got)),
			 -EPERM);
	assert_int_equal(hw_bus_fault_pop(W.bus, &f), 0);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	/* And it cannot issue a secure transaction at all. */
	assert_int_equal(hw_device_read(W.gpu, true, iova, got, sizeof(got)),
			 -EPERM);
	assert_int_equal(hw_bus_fault_pop(W.bus, &f), 0);
	assert_int_equal(f.reason, HW_FAULT_NOT_SECURE_CAPABLE);
	assert_int_equal(hw_smmu_unmap(W.smmu, SID_GPU, HW_SMMU_CTX_NS,
				       0x100000, CHUNK),
			 0);

	/* The device writes; the secure CPU sees it. */
	fill_rand(pattern, sizeof(pattern));
	assert_int_equal(hw_device_write(W.vdec, true, iova, pattern,
					 sizeof(pattern)),
			 0);
	secure_read(W.sv_dyn, got, sizeof(got));
	assert_memory_equal(got, pattern, sizeof(got));
	assert_int_equal(detach(SID_VDEC, iova), 0);
	assert_int_equal(hw_device_read(W.vdec, true, iova, got, sizeof(got)),
			 -ENOENT);
}

static void test_attach_gpu_denied(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(attach(id, 0, 1, SID_GPU, false, NULL), -EPERM);
	assert_int_equal(attach(id, 0, 1, SID_DMA, true, NULL), -EPERM);
	assert_int_equal(hw_smmu_mapping_count(W.smmu), 0);
}

static void test_attach_display_record_denied(void **state)
{
	uint64_t h = lend(W.svr_dyn, CHUNK_PAGES,
			  RHEAP_USE_CASE_SECURE_VIDEO_RECORD);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO_RECORD);
	uint64_t iova = 0;

	(void)state;
	assert_int_equal(attach(id, 0, 1, SID_DISPLAY, false, NULL), -EPERM);
	/* The decoder may use record buffers. */
	assert_int_equal(attach(id, 0, 1, SID_VDEC, true, &iova), 0);
	assert_int_equal(detach(SID_VDEC, iova), 0);
}

static void test_attach_display_secure_video(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint64_t iova = 0;
	uint8_t b[64] = { 0 };

	(void)state;
	assert_int_equal(attach(id, 2, 2, SID_DISPLAY, false, &iova), 0);
	assert_int_equal(hw_device_read(W.display, true, iova, b, sizeof(b)),
			 0);
	/* Read-only mapping: the display cannot write. */
	assert_int_equal(hw_device_write(W.display, true, iova, b, sizeof(b)),
			 -EPERM);
	/* Only the two pages asked for are mapped. */
	assert_int_equal(hw_device_read(W.display, true, iova + 2 * PAGE, b,
					sizeof(b)),
			 -ENOENT);
	assert_int_equal(detach(SID_DISPLAY, iova), 0);
}

static void test_attach_static_pool(void **state)
{
	uint32_t id = SDP_BUF_ID_STATIC_BIT | W.tui_static_idx;
	uint32_t sv = SDP_BUF_ID_STATIC_BIT | W.sv_static_idx;
	uint8_t b[32] = { 0 };
	uint64_t iova = 0;

	(void)state;
	assert_int_equal(attach(id, 0, 4, SID_DISPLAY, true, &iova), 0);
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(hw_device_write(W.display, true, iova, b, sizeof(b)),
			 0);
	assert_int_equal(detach(SID_DISPLAY, iova), 0);
	/* Trusted UI is not the decoder's. */
	assert_int_equal(attach(id, 0, 4, SID_VDEC, true, NULL), -EPERM);
	assert_int_equal(attach(sv, 0, 4, SID_VDEC, true, &iova), 0);
	assert_int_equal(detach(SID_VDEC, iova), 0);
	/* A dynamic pool's index is no static buffer. */
	for (uint32_t i = 0; i < W.plat.pool_count; i++) {
		if (W.plat.pools[i].kind == RHEAP_POOL_DYNAMIC) {
			assert_int_equal(attach(SDP_BUF_ID_STATIC_BIT | i, 0,
						1, SID_VDEC, true, NULL),
					 -ENOENT);
		}
	}
	assert_int_equal(attach(SDP_BUF_ID_STATIC_BIT | 99, 0, 1, SID_VDEC,
				true, NULL),
			 -ENOENT);
}

static void test_attach_args(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	assert_int_equal(attach(id, 0, 0, SID_VDEC, true, NULL), -EINVAL);
	assert_int_equal(attach(id, 0, CHUNK_PAGES + 1, SID_VDEC, true, NULL),
			 -EINVAL);
	assert_int_equal(attach(id, CHUNK_PAGES, 1, SID_VDEC, true, NULL),
			 -EINVAL);
	assert_int_equal(attach(id, UINT32_MAX, UINT32_MAX, SID_VDEC, true,
				NULL),
			 -EINVAL);
	assert_int_equal(attach(id, 0, 1, 0x99, true, NULL), -ENOENT);
	assert_int_equal(CALL(SDP_CMD_ATTACH | 2u << 16, id, 0, 1, SID_VDEC,
			      NULL),
			 -EINVAL);
	assert_int_equal(attach(SDP_BUF_ID_PARAM, 0, 1, SID_VDEC, true, NULL),
			 -EPERM);
	assert_int_equal(hw_smmu_mapping_count(W.smmu), 0);
}

static void test_attach_iova_reuse(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint64_t a = 0;
	uint64_t b = 0;
	uint64_t c = 0;
	uint64_t d = 0;

	(void)state;
	assert_int_equal(attach(id, 0, 4, SID_VDEC, true, &a), 0);
	assert_int_equal(attach(id, 4, 4, SID_VDEC, true, &b), 0);
	assert_true(b >= a + 4 * PAGE);
	/* Another stream has its own space. */
	assert_int_equal(attach(id, 0, 4, SID_DISPLAY, false, &d), 0);
	assert_int_equal(d, a);
	assert_int_equal(detach(SID_VDEC, a), 0);
	assert_int_equal(attach(id, 8, 2, SID_VDEC, true, &c), 0);
	assert_int_equal(c, a); /* first fit */
	assert_int_equal(detach(SID_VDEC, a), 0);
	assert_int_equal(detach(SID_VDEC, b), 0);
	assert_int_equal(detach(SID_DISPLAY, d), 0);
	assert_int_equal(release(VM1, h), 0);
}

static void test_detach_errors(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint64_t iova = 0;

	(void)state;
	assert_int_equal(attach(id, 0, 1, SID_VDEC, true, &iova), 0);
	assert_int_equal(detach(SID_VDEC, iova + PAGE), -ENOENT);
	assert_int_equal(detach(SID_DISPLAY, iova), -ENOENT);
	assert_int_equal(call_as(VM2, SDP_CMD_DETACH, SID_VDEC, (uint32_t)iova,
				 (uint32_t)(iova >> 32), 0, NULL),
			 -EPERM);
	assert_int_equal(CALL(SDP_CMD_DETACH, SID_VDEC, (uint32_t)iova,
			      (uint32_t)(iova >> 32), 1, NULL),
			 -EINVAL);
	assert_int_equal(detach(SID_VDEC, iova), 0);
	assert_int_equal(detach(SID_VDEC, iova), -ENOENT);
}

static void test_multi_range_chunk(void **state)
{
	struct rheap_ffa_range r[2] = { { 0, CHUNK_PAGES / 2 },
					{ 0, CHUNK_PAGES / 2 } };
	uint16_t rid = SDP_ID;
	uint8_t pat[2 * PAGE] = { 0 };
	uint8_t got[2 * PAGE] = { 0 };
	uint32_t out[4] = { 0 };
	uint64_t iova = 0;
	uint64_t h = 0;
	uint32_t id = 0;

	(void)state;
	r[0].address = W.sv_dyn + 2 * CHUNK;
	r[1].address = W.sv_dyn;
	assert_int_equal(nw_send(VM1, RHEAP_FFA_ABI_LEND,
				 RHEAP_USE_CASE_SECURE_VIDEO, &rid, 1, r, 2,
				 &h),
			 0);
	/* Ranges start at a chunk boundary; 2 x 8 pages = one chunk. */
	assert_int_equal(CALL(SDP_CMD_ASSIGN, (uint32_t)h, (uint32_t)(h >> 32),
			      RHEAP_USE_CASE_SECURE_VIDEO, 0, out),
			 0);
	id = out[0];
	fill_rand(pat, sizeof(pat));
	secure_write(r[0].address + 7 * PAGE, pat, PAGE);
	secure_write(r[1].address, pat + PAGE, PAGE);
	assert_int_equal(attach(id, 6, 4, SID_VDEC, false, &iova), 0);
	assert_int_equal(hw_device_read(W.vdec, true, iova + PAGE, got,
					sizeof(got)),
			 0);
	assert_memory_equal(got, pat, sizeof(got));
	assert_int_equal(hw_smmu_context_mapping_count(W.smmu, SID_VDEC,
						       HW_SMMU_CTX_S),
			 2);
	assert_int_equal(detach(SID_VDEC, iova), 0);

	/* The CPU services do not gather across the gap. */
	(void)param_setup();
	memset(W.param + DATA_OFF, 1, 2 * PAGE);
	assert_int_equal(run_copy(SDP_CMD_INJECT,
				  mref(SDP_BUF_ID_PARAM, DATA_OFF, 2 * PAGE),
				  mref(id, 7 * PAGE, 2 * PAGE)),
			 -EOPNOTSUPP);
	assert_int_equal(run_copy(SDP_CMD_INJECT,
				  mref(SDP_BUF_ID_PARAM, DATA_OFF, PAGE),
				  mref(id, 8 * PAGE, PAGE)),
			 0);
	secure_read(r[1].address, got, PAGE);
	assert_int_equal(got[0], 1);
}

/* ------------------------------------------------------------------ */
/* SCRUB.                                                              */

static int32_t scrub(uint16_t sender, uint32_t flags, uint32_t buf_id,
		     uint32_t page_off, uint32_t pages, uint32_t w7)
{
	return call_as(sender, SDP_CMD_SCRUB | flags << SDP_CMD_FLAGS_SHIFT,
		       buf_id, page_off, pages, w7, NULL);
}

static bool bytes_are(uint64_t pa, size_t n, uint8_t v)
{
	uint8_t got[PAGE] = { 0 };

	for (size_t done = 0; done < n; done += PAGE) {
		secure_read(pa + done, got, PAGE);
		for (size_t i = 0; i < PAGE; i++) {
			if (got[i] != v) {
				return false;
			}
		}
	}
	return true;
}

/* Zeroes exactly the range, across the gap of a two-range chunk. */
static void test_scrub_zeroes(void **state)
{
	struct rheap_ffa_range r[2] = { { 0, CHUNK_PAGES / 2 },
					{ 0, CHUNK_PAGES / 2 } };
	uint16_t rid = SDP_ID;
	uint8_t pat[PAGE] = { 0 };
	uint32_t out[4] = { 0 };
	uint64_t h = 0;
	uint32_t id = 0;

	(void)state;
	r[0].address = W.sv_dyn + 2 * CHUNK;
	r[1].address = W.sv_dyn;
	assert_int_equal(nw_send(VM1, RHEAP_FFA_ABI_LEND,
				 RHEAP_USE_CASE_SECURE_VIDEO, &rid, 1, r, 2,
				 &h),
			 0);
	assert_int_equal(CALL(SDP_CMD_ASSIGN, (uint32_t)h, (uint32_t)(h >> 32),
			      RHEAP_USE_CASE_SECURE_VIDEO, 0, out),
			 0);
	id = out[0];
	memset(pat, 0xC7, sizeof(pat));
	for (uint32_t i = 0; i < CHUNK_PAGES / 2; i++) {
		secure_write(r[0].address + i * PAGE, pat, PAGE);
		secure_write(r[1].address + i * PAGE, pat, PAGE);
	}
	/* Buffer pages 6..9: the last two of range 0, the first two of 1. */
	assert_int_equal(scrub(VM1, 0, id, 6, 4, 0), 0);
	assert_true(bytes_are(r[0].address, 6 * PAGE, 0xC7));
	assert_true(bytes_are(r[0].address + 6 * PAGE, 2 * PAGE, 0));
	assert_true(bytes_are(r[1].address, 2 * PAGE, 0));
	assert_true(bytes_are(r[1].address + 2 * PAGE, 6 * PAGE, 0xC7));
	/* The whole chunk. */
	assert_int_equal(scrub(VM1, 0, id, 0, CHUNK_PAGES, 0), 0);
	assert_true(bytes_are(r[0].address, CHUNK / 2, 0));
	assert_true(bytes_are(r[1].address, CHUNK / 2, 0));
	/* A static pool, as any endpoint may. */
	secure_write(W.sv_static + 3 * PAGE, pat, PAGE);
	secure_write(W.sv_static + 4 * PAGE, pat, PAGE);
	assert_int_equal(scrub(VM2, 0, SDP_BUF_ID_STATIC_BIT | W.sv_static_idx,
			       3, 1, 0),
			 0);
	assert_true(bytes_are(W.sv_static + 3 * PAGE, PAGE, 0));
	assert_true(bytes_are(W.sv_static + 4 * PAGE, PAGE, 0xC7));
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
}

static void test_scrub_errors(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t sv = SDP_BUF_ID_STATIC_BIT | W.sv_static_idx;
	uint32_t sv_pages = (uint32_t)(W.plat.pools[W.sv_static_idx].size / PAGE);
	uint8_t pat[PAGE] = { 0 };
	const struct {
		uint16_t sender;
		uint32_t flags;
		uint32_t buf_id;
		uint32_t off;
		uint32_t pages;
		uint32_t w7;
		int32_t want;
	} cases[] = {
		{ VM1, 0, id, 0, 0, 0, -EINVAL },                 /* size 0 */
		{ VM1, 0, id, 0, CHUNK_PAGES + 1, 0, -EINVAL },   /* too long */
		{ VM1, 0, id, CHUNK_PAGES, 1, 0, -EINVAL },       /* past end */
		{ VM1, 0, id, UINT32_MAX, UINT32_MAX, 0, -EINVAL },
		{ VM1, 0, id, 1, UINT32_MAX, 0, -EINVAL },        /* wraps */
		{ VM1, 0, sv, sv_pages, 1, 0, -EINVAL },
		{ VM1, 0, id, 0, 1, 1, -EINVAL },                 /* w7 MBZ */
		{ VM1, 1, id, 0, 1, 0, -EINVAL },                 /* flags */
		{ VM1, 0x8000, id, 0, 1, 0, -EINVAL },
		{ VM1, 0, SDP_BUF_ID_PARAM, 0, 1, 0, -EPERM },    /* NS memory */
		{ VM2, 0, id, 0, 1, 0, -EPERM },                  /* not VM2's */
		{ VM1, 0, id + 0x10000u, 0, 1, 0, -ENOENT },      /* stale gen */
		{ VM1, 0, 0x1234u, 0, 1, 0, -ENOENT },            /* no slot */
		{ VM1, 0, SDP_BUF_ID_STATIC_BIT | 99, 0, 1, 0, -ENOENT },
	};
	uint64_t iova = 0;

	(void)state;
	memset(pat, 0x11, sizeof(pat));
	for (uint32_t i = 0; i < CHUNK_PAGES; i++) {
		secure_write(W.sv_dyn + i * PAGE, pat, PAGE);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(scrub(cases[i].sender, cases[i].flags,
				       cases[i].buf_id, cases[i].off,
				       cases[i].pages, cases[i].w7),
				 cases[i].want);
	}
	/* A refused scrub zeroes nothing. */
	assert_true(bytes_are(W.sv_dyn, CHUNK, 0x11));
	/* Attached pages 4..5: an overlapping range is -EBUSY, a
	 * disjoint one is fine, and so is everything after DETACH. */
	assert_int_equal(attach(id, 4, 2, SID_VDEC, false, &iova), 0);
	assert_int_equal(scrub(VM1, 0, id, 0, 5, 0), -EBUSY);
	assert_int_equal(scrub(VM1, 0, id, 5, 1, 0), -EBUSY);
	assert_int_equal(scrub(VM1, 0, id, 3, CHUNK_PAGES - 3, 0), -EBUSY);
	assert_true(bytes_are(W.sv_dyn, CHUNK, 0x11));
	assert_int_equal(scrub(VM1, 0, id, 0, 4, 0), 0);
	assert_int_equal(scrub(VM1, 0, id, 6, CHUNK_PAGES - 6, 0), 0);
	assert_true(bytes_are(W.sv_dyn + 4 * PAGE, 2 * PAGE, 0x11));
	assert_true(bytes_are(W.sv_dyn, 4 * PAGE, 0));
	assert_int_equal(detach(SID_VDEC, iova), 0);
	assert_int_equal(scrub(VM1, 0, id, 0, CHUNK_PAGES, 0), 0);
	assert_true(bytes_are(W.sv_dyn, CHUNK, 0));
	/* Released: the ID is stale. */
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(scrub(VM1, 0, id, 0, 1, 0), -ENOENT);
	assert_int_equal(reclaim(h), 0);
}

/* ------------------------------------------------------------------ */
/* Parameter area.                                                     */

static void test_param_register(void **state)
{
	struct sdp_partition_stats st = { 0 };
	uint64_t h = param_setup();

	(void)state;
	sdp_partition_stats(W.sp, &st);
	assert_int_equal(st.param_areas, 1);
	assert_true(held_by_sdp(h));
	/* Still NS: the NW keeps access to what it shared. */
	assert_false(hw_tzasc_is_secure(&W.tz, PARAM_PA, PARAM_SIZE));
	assert_int_equal(reclaim(h), -EBUSY);
	assert_int_equal(CALL(SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0, 0, NULL),
			 0);
	assert_int_equal(reclaim(h), 0);
	assert_int_equal(CALL(SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0, 0, NULL),
			 -ENOENT);
}

static void test_param_register_errors(void **state)
{
	uint64_t h = param_setup();
	uint64_t h2 = share_param(VM1, PARAM_PA + PARAM_SIZE);
	uint64_t hl = lend(NW_FREE_PA, CHUNK_PAGES, 0);

	(void)state;
	assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)h2,
			      (uint32_t)(h2 >> 32), 0, 0, NULL),
			 -EBUSY);
	assert_int_equal(call_as(VM2, SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)h,
				 (uint32_t)(h >> 32), 0, 0, NULL),
			 -EBUSY); /* handle already held */
	assert_int_equal(CALL(SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0, 0, NULL),
			 0);
	/* A LEND is not a parameter area. */
	assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)hl,
			      (uint32_t)(hl >> 32), 0, 0, NULL),
			 -EINVAL);
	assert_false(held_by_sdp(hl));
	assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM, UINT32_MAX,
			      UINT32_MAX, 0, 0, NULL),
			 -ENOENT);
	assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)h2,
			      (uint32_t)(h2 >> 32), 0, 1, NULL),
			 -EINVAL);
	/* An assigned chunk's handle is no parameter area either. */
	{
		uint64_t hc = lend(W.sv_dyn, CHUNK_PAGES,
				   RHEAP_USE_CASE_SECURE_VIDEO);

		(void)assign_ok(hc, RHEAP_USE_CASE_SECURE_VIDEO);
		assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM,
				      (uint32_t)hc, (uint32_t)(hc >> 32), 0, 0,
				      NULL),
				 -EBUSY);
	}
}

static void test_param_fetch_errors(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	struct sdp_abi_copy_param p = { mref(0, DATA_OFF, 16), mref(id, 0, 16) };

	(void)state;
	/* No parameter area registered yet. */
	assert_int_equal(CALL(SDP_CMD_INJECT, 0, sizeof(p), 0, 0, NULL),
			 -ENOENT);
	(void)param_setup();
	memcpy(W.param + 64, &p, sizeof(p));
	assert_int_equal(CALL(SDP_CMD_INJECT, 64, sizeof(p), 0, 0, NULL), 0);
	assert_int_equal(CALL(SDP_CMD_INJECT, 60, sizeof(p), 0, 0, NULL),
			 -EINVAL); /* misaligned */
	assert_int_equal(CALL(SDP_CMD_INJECT, 64, sizeof(p) - 8, 0, 0, NULL),
			 -EINVAL); /* wrong size */
	assert_int_equal(CALL(SDP_CMD_INJECT, 64, sizeof(p) + 8, 0, 0, NULL),
			 -EINVAL);
	assert_int_equal(CALL(SDP_CMD_INJECT, PARAM_SIZE - 40, sizeof(p), 0,
			      0, NULL),
			 -EINVAL); /* past the area */
	assert_int_equal(CALL(SDP_CMD_INJECT, UINT32_MAX - 7, sizeof(p), 0, 0,
			      NULL),
			 -EINVAL);
	assert_int_equal(CALL(SDP_CMD_INJECT, 64, sizeof(p), 1, 0, NULL),
			 -EINVAL); /* MBZ word */
	p.in.reserved = 1;
	memcpy(W.param + 64, &p, sizeof(p));
	assert_int_equal(CALL(SDP_CMD_INJECT, 64, sizeof(p), 0, 0, NULL),
			 -EINVAL);
}

/* ------------------------------------------------------------------ */
/* inject -> transform -> dump.                                        */

static uint8_t g_src[XSIZE];
static uint8_t g_want[XSIZE];

static void test_inject_transform_dump(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	(void)param_setup();
	for (uint32_t loop = 0; loop < 10; loop++) {
		uint32_t off = rnd8(); /* 0..255, as xtest 1014 */
		uint8_t check[64] = { 0 };

		fill_rand(g_src, sizeof(g_src));
		memcpy(W.param + DATA_OFF, g_src, XSIZE);
		assert_int_equal(run_copy(SDP_CMD_INJECT,
					  mref(0, DATA_OFF, XSIZE),
					  mref(id, off, XSIZE)),
				 0);
		secure_read(W.sv_dyn + off, check, sizeof(check));
		assert_memory_equal(check, g_src, sizeof(check));
		assert_int_equal(run_transform(mref(id, off, XSIZE)), 0);
		memset(W.param + DUMP_OFF, 0, XSIZE);
		assert_int_equal(run_copy(SDP_CMD_DUMP, mref(id, off, XSIZE),
					  mref(0, DUMP_OFF, XSIZE)),
				 0);
		for (size_t i = 0; i < XSIZE; i++) {
			g_want[i] = (uint8_t)(~g_src[i] + 1u);
		}
		assert_memory_equal(W.param + DUMP_OFF, g_want, XSIZE);
	}
}

static void test_static_pool_services(void **state)
{
	uint32_t sv = SDP_BUF_ID_STATIC_BIT | W.sv_static_idx;
	uint32_t tui = SDP_BUF_ID_STATIC_BIT | W.tui_static_idx;
	uint8_t got[16] = { 0 };

	(void)state;
	(void)param_setup();
	memset(W.param + DATA_OFF, 0x11, 16);
	assert_int_equal(run_copy(SDP_CMD_INJECT, mref(0, DATA_OFF, 16),
				  mref(sv, 100, 16)),
			 0);
	secure_read(W.sv_static + 100, got, sizeof(got));
	assert_int_equal(got[0], 0x11);
	assert_int_equal(got[15], 0x11);
	/* Trusted-UI memory is not for the SDP services. */
	assert_int_equal(run_copy(SDP_CMD_INJECT, mref(0, DATA_OFF, 16),
				  mref(tui, 0, 16)),
			 -EPERM);
	assert_int_equal(run_transform(mref(tui, 0, 16)), -EPERM);
}

static void test_dump_refused_without_debug(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = 0;

	(void)state;
	partition_reopen(false, true);
	id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	(void)param_setup();
	memset(W.param + DATA_OFF, 0x42, 64);
	assert_int_equal(run_copy(SDP_CMD_INJECT, mref(0, DATA_OFF, 64),
				  mref(id, 0, 64)),
			 0);
	memset(W.param + DUMP_OFF, 0xEE, 64);
	assert_int_equal(run_copy(SDP_CMD_DUMP, mref(id, 0, 64),
				  mref(0, DUMP_OFF, 64)),
			 -EPERM);
	for (size_t i = 0; i < 64; i++) {
		assert_int_equal(W.param[DUMP_OFF + i], 0xEE);
	}
}

static void test_copy_typing(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	(void)param_setup();
	/* INJECT: the input must be NS, the output restricted. */
	assert_int_equal(run_copy(SDP_CMD_INJECT, mref(id, 0, 16),
				  mref(id, 64, 16)),
			 -EPERM);
	assert_int_equal(run_copy(SDP_CMD_INJECT, mref(0, DATA_OFF, 16),
				  mref(0, DUMP_OFF, 16)),
			 -EPERM);
	/* DUMP: the other way round. */
	assert_int_equal(run_copy(SDP_CMD_DUMP, mref(0, DATA_OFF, 16),
				  mref(0, DUMP_OFF, 16)),
			 -EPERM);
	assert_int_equal(run_copy(SDP_CMD_DUMP, mref(id, 0, 16),
				  mref(id, 64, 16)),
			 -EPERM);
	/* TRANSFORM of NS memory. */
	assert_int_equal(run_transform(mref(0, DATA_OFF, 16)), -EPERM);
	/* Output shorter than the input. */
	assert_int_equal(run_copy(SDP_CMD_INJECT, mref(0, DATA_OFF, 32),
				  mref(id, 0, 16)),
			 -ENOSPC);
	/* Unknown buffer, and a buf_id above 32 bits cannot be named. */
	assert_int_equal(run_copy(SDP_CMD_INJECT, mref(0, DATA_OFF, 16),
				  mref(0x7777, 0, 16)),
			 -ENOENT);
	/* Another VM's buffer. */
	{
		uint64_t h2 = share_param(VM2, PARAM_PA + PARAM_SIZE);
		struct sdp_abi_copy_param p = { mref(0, DATA_OFF, 16),
						mref(id, 0, 16) };
		uint8_t *p2 = NULL;

		assert_int_equal(call_as(VM2, SDP_CMD_REGISTER_PARAM_SHM,
					 (uint32_t)h2, (uint32_t)(h2 >> 32), 0,
					 0, NULL),
				 0);
		assert_int_equal(hw_dram_ptr(W.dram, PARAM_PA + PARAM_SIZE,
					     PARAM_SIZE, (void **)&p2),
				 0);
		memcpy(p2, &p, sizeof(p));
		assert_int_equal(call_as(VM2, SDP_CMD_INJECT, 0, sizeof(p), 0,
					 0, NULL),
				 -EPERM);
	}
}

/* The five out-of-bounds memrefs of xtest 1014, on the buffer named. */
struct oob_case {
	const char *name;
	bool on_input; /* else on the restricted output */
	uint64_t offset;
	uint64_t size; /* UINT64_MAX - n: relative to the buffer size */
};

#define BUF_REL(n) (UINT64_C(0x8000000000000000) | (n))

static const struct oob_case k_oob_cases[] = {
	{ "oob_out_size_one_past", false, 0, BUF_REL(1) },
	{ "oob_out_end_one_past", false, 1, BUF_REL(0) },
	{ "oob_out_offset_past_end", false, BUF_REL(1), 0 },
	{ "oob_out_offset_size_wrap", false, 16, UINT64_MAX - 8 },
	{ "oob_out_offset_huge", false, UINT64_MAX, 2 },
	{ "oob_in_size_one_past", true, 0, BUF_REL(1) },
	{ "oob_in_end_one_past", true, 1, BUF_REL(0) },
	{ "oob_in_offset_past_end", true, BUF_REL(1), 0 },
	{ "oob_in_offset_size_wrap", true, 16, UINT64_MAX - 8 },
	{ "oob_in_offset_huge", true, UINT64_MAX, 2 },
};

static uint64_t oob_value(uint64_t v, uint64_t buf_size)
{
	if (v != UINT64_MAX && (v & UINT64_C(0x8000000000000000)) &&
	    v < UINT64_C(0x8000000000001000)) {
		return buf_size + (v & 0xFFF);
	}
	return v;
}

static void run_oob_case(void **state)
{
	const struct oob_case *c = *state;
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	struct sdp_abi_memref in = mref(0, DATA_OFF, 64);
	struct sdp_abi_memref out = mref(id, 0, 64);
	uint8_t before[256] = { 0 };
	uint8_t after[256] = { 0 };
	struct sdp_abi_decrypt_param dp = { 0 };

	(void)param_setup();
	memset(W.param + DATA_OFF, 0x77, 256);
	secure_read(W.sv_dyn, before, sizeof(before));
	if (c->on_input) {
		in.offset = oob_value(c->offset, PARAM_SIZE);
		in.size = oob_value(c->size, PARAM_SIZE);
		out.size = CHUNK;
	} else {
		out.offset = oob_value(c->offset, CHUNK);
		out.size = oob_value(c->size, CHUNK);
	}
	assert_int_equal(run_copy(SDP_CMD_INJECT, in, out), -EINVAL);
	if (!c->on_input) {
		assert_int_equal(run_transform(out), -EINVAL);
		assert_int_equal(run_copy(SDP_CMD_DUMP, out,
					  mref(0, DUMP_OFF, 64)),
				 -EINVAL);
	}
	dp.in = in;
	dp.out = out;
	memcpy(dp.kid, k_kid, sizeof(dp.kid));
	dp.iv_size = 8;
	memcpy(W.param, &dp, sizeof(dp));
	assert_int_equal(CALL(SDP_CMD_DECRYPT, 0, sizeof(dp), 0, 0, NULL),
			 -EINVAL);
	/* Rejected before any work: the restricted bytes are as they were. */
	secure_read(W.sv_dyn, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
}

/* ------------------------------------------------------------------ */
/* DECRYPT.                                                            */

/* Reference: encrypt @plain's protected bytes with one Mbed TLS CTR. */
static void cenc_encrypt_ref(const uint8_t *iv, size_t iv_size,
			     const struct sdp_abi_subsample *subs,
			     uint32_t n, const uint8_t *plain, uint8_t *enc,
			     size_t size)
{
	mbedtls_aes_context ctx;
	uint8_t nonce[16] = { 0 };
	uint8_t stream[16] = { 0 };
	size_t nc_off = 0;
	size_t pos = 0;

	memcpy(nonce, iv, iv_size);
	mbedtls_aes_init(&ctx);
	assert_int_equal(mbedtls_aes_setkey_enc(&ctx, k_key, 128), 0);
	if (n == 0) {
		assert_int_equal(mbedtls_aes_crypt_ctr(&ctx, size, &nc_off,
						       nonce, stream, plain,
						       enc),
				 0);
	}
	for (uint32_t i = 0; i < n; i++) {
		memcpy(enc + pos, plain + pos, subs[i].clear_size);
		pos += subs[i].clear_size;
		assert_int_equal(mbedtls_aes_crypt_ctr(&ctx,
						       subs[i].protected_size,
						       &nc_off, nonce, stream,
						       plain + pos, enc + pos),
				 0);
		pos += subs[i].protected_size;
	}
	mbedtls_aes_free(&ctx);
}

static uint32_t g_decrypt_id;

static int32_t run_decrypt(const struct sdp_abi_decrypt_param *dp,
			   const struct sdp_abi_subsample *subs)
{
	memcpy(W.param, dp, sizeof(*dp));
	if (subs && dp->subsample_count > 0 &&
	    dp->subsample_count <= SDP_MAX_SUBSAMPLES) {
		memcpy(W.param + SUBS_OFF, subs,
		       dp->subsample_count * sizeof(*subs));
	}
	return CALL(SDP_CMD_DECRYPT, 0, sizeof(*dp), 0, 0, NULL);
}

static struct sdp_abi_decrypt_param decrypt_param(uint32_t size,
						  uint32_t iv_size,
						  uint32_t nsubs)
{
	struct sdp_abi_decrypt_param dp = { 0 };

	dp.in = mref(0, DATA_OFF, size);
	dp.out = mref(g_decrypt_id, 0, size);
	memcpy(dp.kid, k_kid, sizeof(dp.kid));
	for (uint32_t i = 0; i < iv_size; i++) {
		dp.iv[i] = (uint8_t)(0xA0 + i);
	}
	dp.iv_size = iv_size;
	dp.subsample_count = nsubs;
	dp.subsample_offset = nsubs ? SUBS_OFF : 0;
	return dp;
}

static void decrypt_setup(void)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);

	g_decrypt_id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	(void)param_setup();
}

static void check_decrypt(uint32_t iv_size,
			  const struct sdp_abi_subsample *subs, uint32_t n,
			  uint32_t size)
{
	struct sdp_abi_decrypt_param dp = decrypt_param(size, iv_size, n);

	fill_rand(g_src, size);
	cenc_encrypt_ref(dp.iv, iv_size, subs, n, g_src, g_want, size);
	memcpy(W.param + DATA_OFF, g_want, size);
	assert_int_equal(run_decrypt(&dp, subs), 0);
	memset(g_want, 0, size);
	secure_read(W.sv_dyn, g_want, size);
	assert_memory_equal(g_want, g_src, size);
}

static void test_decrypt_subsamples_iv8(void **state)
{
	static const struct sdp_abi_subsample subs[3] = {
		{ 100, 1000 }, { 7, 33 }, { 0, 4000 }
	};

	(void)state;
	decrypt_setup();
	check_decrypt(8, subs, 3, 5140);
}

static void test_decrypt_whole_sample_iv16(void **state)
{
	(void)state;
	decrypt_setup();
	check_decrypt(16, NULL, 0, XSIZE);
}

static void test_decrypt_clear_only(void **state)
{
	static const struct sdp_abi_subsample subs[1] = { { 600, 0 } };

	(void)state;
	decrypt_setup();
	check_decrypt(8, subs, 1, 600);
}

static void test_decrypt_unknown_kid(void **state)
{
	struct sdp_abi_decrypt_param dp = { 0 };

	(void)state;
	decrypt_setup();
	dp = decrypt_param(64, 8, 0);
	dp.kid[0] ^= 1;
	assert_int_equal(run_decrypt(&dp, NULL), -ENOENT);
}

static void test_decrypt_no_key_store(void **state)
{
	struct sdp_abi_decrypt_param dp = { 0 };

	(void)state;
	partition_reopen(true, false);
	decrypt_setup();
	dp = decrypt_param(64, 8, 0);
	assert_int_equal(run_decrypt(&dp, NULL), -EOPNOTSUPP);
}

struct dec_case {
	const char *name;
	void (*mutate)(struct sdp_abi_decrypt_param *dp,
		       struct sdp_abi_subsample *subs);
	int32_t want;
};

static void d_iv0(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->iv_size = 0;
}
static void d_iv12(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->iv_size = 12;
}
static void d_iv_tail(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->iv[12] = 1;
}
static void d_map_short(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)d;
	s[1].protected_size -= 1;
}
static void d_map_long(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)d;
	s[0].protected_size += 1;
}
static void d_clear_wide(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)d;
	s[0].clear_size = 0x10000;
}
static void d_too_many(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->subsample_count = SDP_MAX_SUBSAMPLES + 1;
}
static void d_off_without_map(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->subsample_count = 0;
}
static void d_map_outside(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->subsample_offset = PARAM_SIZE - 8;
}
static void d_map_misaligned(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->subsample_offset = SUBS_OFF + 2;
}
static void d_out_ns(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->out = mref(0, DUMP_OFF, d->out.size);
}
static void d_in_restricted(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->in = mref(g_decrypt_id, 4096, d->in.size);
}
static void d_out_small(struct sdp_abi_decrypt_param *d, struct sdp_abi_subsample *s)
{
	(void)s;
	d->out.size -= 1;
}

static const struct dec_case k_dec_cases[] = {
	{ "decrypt_rej_iv_size_0", d_iv0, -EINVAL },
	{ "decrypt_rej_iv_size_12", d_iv12, -EINVAL },
	{ "decrypt_rej_iv_tail_not_zero", d_iv_tail, -EINVAL },
	{ "decrypt_rej_map_short", d_map_short, -EINVAL },
	{ "decrypt_rej_map_long", d_map_long, -EINVAL },
	{ "decrypt_rej_clear_above_16_bits", d_clear_wide, -EINVAL },
	{ "decrypt_rej_too_many_subsamples", d_too_many, -EINVAL },
	{ "decrypt_rej_map_offset_without_map", d_off_without_map, -EINVAL },
	{ "decrypt_rej_map_outside_area", d_map_outside, -EINVAL },
	{ "decrypt_rej_map_misaligned", d_map_misaligned, -EINVAL },
	{ "decrypt_rej_output_ns", d_out_ns, -EPERM },
	{ "decrypt_rej_input_restricted", d_in_restricted, -EPERM },
	{ "decrypt_rej_output_too_small", d_out_small, -ENOSPC },
};

static void run_dec_case(void **state)
{
	const struct dec_case *c = *state;
	struct sdp_abi_subsample subs[2] = { { 10, 100 }, { 20, 126 } };
	struct sdp_abi_decrypt_param dp = { 0 };
	uint8_t before[512] = { 0 };
	uint8_t after[512] = { 0 };

	decrypt_setup();
	dp = decrypt_param(256, 8, 2);
	c->mutate(&dp, subs);
	memset(W.param + DATA_OFF, 0x3C, 256);
	secure_read(W.sv_dyn, before, sizeof(before));
	assert_int_equal(run_decrypt(&dp, subs), c->want);
	secure_read(W.sv_dyn, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
}

/* ------------------------------------------------------------------ */
/* Scrubbing, teardown.                                                */

static void test_canary_scrubbed(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	static const uint8_t canary[8] = { 0xCA, 0xFE, 0xBA, 0xBE,
					   0xDE, 0xAD, 0xBE, 0xEF };
	static uint8_t scan[CHUNK];
	size_t hits = 0;

	(void)state;
	(void)param_setup();
	for (size_t i = 0; i + sizeof(canary) <= CHUNK; i += sizeof(canary)) {
		memcpy(W.param + DATA_OFF + (i % 8192), canary,
		       sizeof(canary));
	}
	for (uint64_t off = 0; off < CHUNK; off += 8192) {
		assert_int_equal(run_copy(SDP_CMD_INJECT,
					  mref(0, DATA_OFF, 8192),
					  mref(id, off, 8192)),
				 0);
	}
	secure_read(W.sv_dyn, scan, sizeof(scan));
	assert_int_equal(scan[0], 0xCA);
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
	/* From the secure side: not one canary byte is left. */
	secure_read(W.sv_dyn, scan, sizeof(scan));
	for (size_t i = 0; i < sizeof(scan); i++) {
		hits += scan[i] != 0;
	}
	assert_int_equal(hits, 0);
}

static void test_destroy_lets_go(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	uint64_t hp = param_setup();

	(void)state;
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true, NULL), 0);
	assert_int_equal(attach(SDP_BUF_ID_STATIC_BIT | W.tui_static_idx, 0,
				1, SID_DISPLAY, false, NULL),
			 0);
	sdp_partition_destroy(W.sp);
	W.sp = NULL;
	assert_int_equal(hw_smmu_mapping_count(W.smmu), 0);
	assert_false(held_by_sdp(h));
	assert_false(held_by_sdp(hp));
	assert_int_equal(reclaim(h), 0);
	assert_int_equal(reclaim(hp), 0);
	partition_open(true, true);
}

static void test_endpoint_teardown(void **state)
{
	uint64_t h1 = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint64_t h2 = lend_to(VM2, SDP_ID, W.sv_dyn + CHUNK, CHUNK_PAGES,
			      RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id1 = assign_ok(h1, RHEAP_USE_CASE_SECURE_VIDEO);
	uint64_t hp = param_setup();
	struct sdp_partition_stats st = { 0 };
	uint32_t out[4] = { 0 };
	uint64_t iova = 0;

	(void)state;
	assert_int_equal(call_as(VM2, SDP_CMD_ASSIGN, (uint32_t)h2,
				 (uint32_t)(h2 >> 32),
				 RHEAP_USE_CASE_SECURE_VIDEO, 0, out),
			 0);
	assert_int_equal(call_as(VM2, SDP_CMD_ATTACH, out[0], 0, 1, SID_VDEC,
				 NULL),
			 0);
	assert_int_equal(attach(id1, 0, 2, SID_VDEC, true, &iova), 0);
	/* VM2 dies: the SPMC orphans its LEND, the partition lets go. */
	assert_int_equal(spmc_endpoint_teardown(W.spmc, VM2), 0);
	sdp_partition_endpoint_teardown(W.sp, VM2);
	assert_false(held_by_sdp(h2));
	assert_int_equal(spmc_reclaim(W.spmc, 0x0000, h2, 0, NULL), 0);
	/* VM1 is untouched. */
	assert_true(held_by_sdp(h1));
	assert_true(held_by_sdp(hp));
	assert_int_equal(hw_smmu_context_mapping_count(W.smmu, SID_VDEC,
						       HW_SMMU_CTX_S),
			 1);
	sdp_partition_stats(W.sp, &st);
	assert_int_equal(st.chunks, 1);
	assert_int_equal(st.attachments, 1);
	assert_int_equal(st.param_areas, 1);
	sdp_partition_endpoint_teardown(W.sp, VM1);
	sdp_partition_endpoint_teardown(W.sp, VM1); /* idempotent */
	assert_int_equal(hw_smmu_mapping_count(W.smmu), 0);
	assert_int_equal(reclaim(h1), 0);
	assert_int_equal(reclaim(hp), 0);
}

/* ------------------------------------------------------------------ */
/* Framing.                                                            */

static void test_unknown_command(void **state)
{
	(void)state;
	assert_int_equal(CALL(0x0000, 0, 0, 0, 0, NULL), -EOPNOTSUPP);
	assert_int_equal(CALL(0x7777, 0, 0, 0, 0, NULL), -EOPNOTSUPP);
	assert_int_equal(CALL(0xFFFF, 0, 0, 0, 0, NULL), -EOPNOTSUPP);
}

static void test_receiver_not_me(void **state)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };

	(void)state;
	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[1] = (uint64_t)VM1 << 16 | SP2;
	req.x[3] = SDP_CMD_GET_VERSION;
	resp.x[5] = 99;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SP2, &req, &resp),
			 -EINVAL);
	for (uint32_t i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
		assert_true(resp.x[i] == 0);
	}
	assert_int_equal(sdp_partition_direct_req(NULL, VM1, SDP_ID, &req,
						  &resp),
			 -EINVAL);
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, NULL,
						  &resp),
			 -EINVAL);
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  NULL),
			 -EINVAL);
}

static void test_framing_errors(void **state)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };

	(void)state;
	/* w1 naming someone else than the transport says. */
	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[1] = (uint64_t)VM2 << 16 | SDP_ID;
	req.x[3] = SDP_CMD_GET_VERSION;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  &resp),
			 -EINVAL);
	/* Not a direct request. */
	req.x[0] = FFA_MEM_RECLAIM;
	req.x[1] = (uint64_t)VM1 << 16 | SDP_ID;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  &resp),
			 -EINVAL);
	/* Framework message: answered, refused. */
	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[2] = RHEAP_FFA_DIRECT_FLAG_FRAMEWORK | 8;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  &resp),
			 0);
	assert_true(resp.x[0] == FFA_MSG_SEND_DIRECT_RESP_32);
	assert_true((int32_t)(uint32_t)resp.x[3] == -EOPNOTSUPP);
	/* Reserved w2 bits: malformed. */
	req.x[2] = 0x100;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  &resp),
			 0);
	assert_true((int32_t)(uint32_t)resp.x[3] == -EINVAL);
}

static void test_smc64(void **state)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };

	(void)state;
	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_64;
	req.x[1] = (uint64_t)VM1 << 16 | SDP_ID;
	req.x[3] = SDP_CMD_GET_VERSION;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  &resp),
			 0);
	assert_true(resp.x[0] == FFA_MSG_SEND_DIRECT_RESP_64);
	assert_true(resp.x[1] == ((uint64_t)SDP_ID << 16 | VM1));
	assert_true(resp.x[3] == 0);
	assert_true(resp.x[4] == SDP_ABI_VERSION_MAJOR);
	/* Upper halves must be zero. */
	req.x[4] = UINT64_C(1) << 32;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  &resp),
			 0);
	assert_true(resp.x[0] == FFA_MSG_SEND_DIRECT_RESP_64);
	assert_true(resp.x[3] == SDP_STATUS_EINVAL);
	assert_true(resp.x[4] == 0);
	/* A 32-bit request ignores the upper halves (SMCCC). */
	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[3] |= UINT64_C(0xFFFF) << 32;
	assert_int_equal(sdp_partition_direct_req(W.sp, VM1, SDP_ID, &req,
						  &resp),
			 0);
	assert_true(resp.x[3] == 0);
}

static void test_status_values(void **state)
{
	(void)state;
	assert_true(SDP_STATUS_EPERM == (uint32_t)-EPERM);
	assert_true(SDP_STATUS_ENOENT == (uint32_t)-ENOENT);
	assert_true(SDP_STATUS_ENOMEM == (uint32_t)-ENOMEM);
	assert_true(SDP_STATUS_EBUSY == (uint32_t)-EBUSY);
	assert_true(SDP_STATUS_EINVAL == (uint32_t)-EINVAL);
	assert_true(SDP_STATUS_ENOSPC == (uint32_t)-ENOSPC);
	assert_true(SDP_STATUS_EOVERFLOW == (uint32_t)-EOVERFLOW);
	assert_true(SDP_STATUS_EOPNOTSUPP == (uint32_t)-EOPNOTSUPP);
}

/* ------------------------------------------------------------------ */
/* Fault injection: a failed command changes nothing anywhere.         */

/* Everything a refused command must leave as it was. */
struct snap {
	uint64_t digest;
	struct sdp_partition_stats sp;
	struct spmc_stats spmc;
	size_t smmu_mappings;
	int vdec_s;
};

static void snap_take(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	sdp_partition_stats(W.sp, &s->sp);
	spmc_stats(W.spmc, &s->spmc);
	s->smmu_mappings = hw_smmu_mapping_count(W.smmu);
	s->vdec_s = hw_smmu_context_mapping_count(W.smmu, SID_VDEC,
						  HW_SMMU_CTX_S);
	s->digest = spmc_state_digest(W.spmc);
}

static void snap_assert_same(const struct snap *before)
{
	struct snap now = { 0 };

	snap_take(&now);
	assert_int_equal(now.sp.chunks, before->sp.chunks);
	assert_int_equal(now.sp.chunk_pages, before->sp.chunk_pages);
	assert_int_equal(now.sp.attachments, before->sp.attachments);
	assert_int_equal(now.sp.param_areas, before->sp.param_areas);
	assert_int_equal(now.spmc.live_shares, before->spmc.live_shares);
	assert_int_equal(now.spmc.total_ranges, before->spmc.total_ranges);
	assert_int_equal(now.spmc.protected_pages,
			 before->spmc.protected_pages);
	assert_int_equal(now.spmc.pool_pages, before->spmc.pool_pages);
	assert_int_equal(now.spmc.scrubbed_pages, before->spmc.scrubbed_pages);
	assert_int_equal(now.smmu_mappings, before->smmu_mappings);
	assert_int_equal(now.vdec_s, before->vdec_s);
	assert_true(now.digest == before->digest);
	assert_int_equal(spmc_check_invariants(W.spmc, NULL), 0);
}

/* The VDEC cannot reach @iova in its secure context. */
static void assert_vdec_unmapped(uint64_t iova)
{
	uint8_t b[16] = { 0 };

	assert_true(hw_device_read(W.vdec, true, iova, b, sizeof(b)) < 0);
}

/* A chunk of four 4-page ranges, scattered and out of address order. */
static uint32_t assign_scattered(uint64_t *h, struct rheap_ffa_range r[4])
{
	static const uint32_t order[4] = { 6, 0, 4, 2 };
	uint16_t rid = SDP_ID;
	uint32_t out[4] = { 0 };

	for (uint32_t i = 0; i < 4; i++) {
		r[i].address = W.sv_dyn + order[i] * CHUNK;
		r[i].page_count = CHUNK_PAGES / 4;
	}
	assert_int_equal(nw_send(VM1, RHEAP_FFA_ABI_LEND,
				 RHEAP_USE_CASE_SECURE_VIDEO, &rid, 1, r, 4,
				 h),
			 0);
	assert_int_equal(CALL(SDP_CMD_ASSIGN, (uint32_t)*h,
			      (uint32_t)(*h >> 32), RHEAP_USE_CASE_SECURE_VIDEO,
			      0, out),
			 0);
	return out[0];
}

static void test_fault_attach_smmu_fail(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	struct snap before = { 0 };
	uint8_t pat[64] = { 0 };
	uint8_t got[64] = { 0 };
	uint64_t iova = 0;

	(void)state;
	snap_take(&before);
	hw_smmu_fail_inject(W.smmu, 1);
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true, &iova),
			 -ENOMEM);
	assert_true(iova == 0); /* no results on failure */
	snap_assert_same(&before);
	assert_vdec_unmapped(SDP_PARTITION_IOVA_BASE);
	/* The same ATTACH now succeeds, at the first IOVA. */
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true, &iova), 0);
	assert_true(iova == SDP_PARTITION_IOVA_BASE);
	fill_rand(pat, sizeof(pat));
	secure_write(W.sv_dyn + PAGE, pat, sizeof(pat));
	assert_int_equal(hw_device_read(W.vdec, true, iova + PAGE, got,
					sizeof(got)),
			 0);
	assert_memory_equal(got, pat, sizeof(got));
	assert_int_equal(detach(SID_VDEC, iova), 0);
	snap_assert_same(&before);
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
}

/* A failed ATTACH leaves no attach count behind: RELEASE still works. */
static void test_fault_attach_fail_then_release(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);

	(void)state;
	for (uint32_t i = 0; i < 3; i++) {
		hw_smmu_fail_inject(W.smmu, 1);
		assert_int_equal(attach(id, i, 1, SID_VDEC, false, NULL),
				 -ENOMEM);
	}
	assert_int_equal(release(VM1, h), 0);
	assert_false(held_by_sdp(h));
	assert_int_equal(reclaim(h), 0);
	assert_int_equal(hw_smmu_mapping_count(W.smmu), 0);
}

static void test_fault_attach_static_pool_smmu_fail(void **state)
{
	uint32_t id = SDP_BUF_ID_STATIC_BIT | W.tui_static_idx;
	struct snap before = { 0 };
	uint64_t iova = 0;

	(void)state;
	snap_take(&before);
	hw_smmu_fail_inject(W.smmu, 1);
	assert_int_equal(attach(id, 0, 4, SID_DISPLAY, true, NULL), -ENOMEM);
	snap_assert_same(&before);
	assert_int_equal(hw_smmu_context_mapping_count(W.smmu, SID_DISPLAY,
						       HW_SMMU_CTX_S),
			 0);
	assert_int_equal(attach(id, 0, 4, SID_DISPLAY, true, &iova), 0);
	assert_true(iova == SDP_PARTITION_IOVA_BASE);
	assert_int_equal(detach(SID_DISPLAY, iova), 0);
}

/* A second attachment fails: the first is untouched and still works. */
static void test_fault_attach_keeps_others(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	uint32_t id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	struct snap before = { 0 };
	uint8_t pat[32] = { 0 };
	uint8_t got[32] = { 0 };
	uint64_t first = 0;
	uint64_t second = 0;

	(void)state;
	assert_int_equal(attach(id, 0, 4, SID_VDEC, false, &first), 0);
	snap_take(&before);
	hw_smmu_fail_inject(W.smmu, 1);
	assert_int_equal(attach(id, 4, 4, SID_VDEC, true, NULL), -ENOMEM);
	snap_assert_same(&before);
	fill_rand(pat, sizeof(pat));
	secure_write(W.sv_dyn, pat, sizeof(pat));
	assert_int_equal(hw_device_read(W.vdec, true, first, got, sizeof(got)),
			 0);
	assert_memory_equal(got, pat, sizeof(got));
	assert_vdec_unmapped(first + 4 * PAGE);
	/* Retry: the next free IOVA, right after the first attachment. */
	assert_int_equal(attach(id, 4, 4, SID_VDEC, true, &second), 0);
	assert_true(second == first + 4 * PAGE);
	/* RELEASE waits for both detaches. */
	assert_int_equal(release(VM1, h), -EBUSY);
	assert_int_equal(detach(SID_VDEC, second), 0);
	assert_int_equal(release(VM1, h), -EBUSY);
	assert_int_equal(detach(SID_VDEC, first), 0);
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
}

/*
 * A chunk of four scattered ranges maps as four pieces. Make each piece's
 * map fail in turn (the first with an injected -ENOMEM, every piece with
 * an IOVA occupied behind the partition's back, -EBUSY): the pieces
 * already mapped are unmapped again and nothing else changed.
 */
static void test_fault_attach_each_piece(void **state)
{
	struct rheap_ffa_range r[4] = { { 0 } };
	struct hw_smmu_mapping m = { 0 };
	struct snap before = { 0 };
	uint64_t piece = (CHUNK_PAGES / 4) * PAGE;
	uint64_t iova = 0;
	uint64_t h = 0;
	uint32_t id = assign_scattered(&h, r);

	(void)state;
	snap_take(&before);
	hw_smmu_fail_inject(W.smmu, 1);
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true, NULL),
			 -ENOMEM);
	snap_assert_same(&before);
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t block = SDP_PARTITION_IOVA_BASE + k * piece;

		assert_int_equal(hw_smmu_map(W.smmu, SID_VDEC, HW_SMMU_CTX_S,
					     block, W.sv_static, PAGE,
					     HW_SMMU_READ),
				 0);
		snap_take(&before);
		assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true,
					NULL),
				 -EBUSY);
		snap_assert_same(&before);
		/* Only the blocker is left in the context. */
		assert_int_equal(hw_smmu_mapping_get(W.smmu, SID_VDEC,
						     HW_SMMU_CTX_S, 0, &m),
				 0);
		assert_true(m.iova == block && m.size == PAGE);
		assert_int_equal(hw_smmu_unmap(W.smmu, SID_VDEC, HW_SMMU_CTX_S,
					       block, PAGE),
				 0);
	}
	assert_int_equal(hw_smmu_mapping_count(W.smmu), 0);
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, true, &iova), 0);
	assert_true(iova == SDP_PARTITION_IOVA_BASE);
	assert_int_equal(hw_smmu_context_mapping_count(W.smmu, SID_VDEC,
						       HW_SMMU_CTX_S),
			 4);
	for (uint32_t k = 0; k < 4; k++) {
		assert_int_equal(hw_smmu_mapping_get(W.smmu, SID_VDEC,
						     HW_SMMU_CTX_S, k, &m),
				 0);
		assert_true(m.iova == iova + k * piece && m.size == piece &&
			    m.pa == r[k].address);
	}
	assert_int_equal(detach(SID_VDEC, iova), 0);
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
}

/* The partition's own allocation in ASSIGN fails: relinquished, no chunk. */
static void test_fault_assign_sp_alloc(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	struct rheap_ffa_range r[4] = { { 0 } };
	struct snap before = { 0 };
	uint64_t h4 = 0;

	(void)state;
	snap_take(&before);
	g_sp_alloc_fail = 1;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -ENOMEM);
	assert_int_equal(g_sp_alloc_fail, 0); /* it did allocate */
	snap_assert_same(&before);
	assert_false(held_by_sdp(h));
	/* Not half-assigned: the handle is free for the next ASSIGN, and
	 * the lender could take it back right now. */
	(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	assert_true(held_by_sdp(h));
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
	/* The same with a multi-range chunk: the slot is reusable. */
	g_sp_alloc_fail = 1;
	{
		uint16_t rid = SDP_ID;

		for (uint32_t i = 0; i < 4; i++) {
			r[i].address = W.sv_dyn + (2 * i + 1) * CHUNK;
			r[i].page_count = CHUNK_PAGES / 4;
		}
		assert_int_equal(nw_send(VM1, RHEAP_FFA_ABI_LEND,
					 RHEAP_USE_CASE_SECURE_VIDEO, &rid, 1,
					 r, 4, &h4),
				 0);
	}
	snap_take(&before);
	assert_int_equal(assign(VM1, h4, RHEAP_USE_CASE_SECURE_VIDEO), -ENOMEM);
	snap_assert_same(&before);
	assert_int_equal(reclaim(h4), 0);
}

static void test_fault_register_param_sp_alloc(void **state)
{
	uint64_t h = share_param(VM1, PARAM_PA);
	struct snap before = { 0 };
	uint32_t out[4] = { 0 };

	(void)state;
	snap_take(&before);
	g_sp_alloc_fail = 1;
	assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)h,
			      (uint32_t)(h >> 32), 0, 0, out),
			 -ENOMEM);
	assert_int_equal(g_sp_alloc_fail, 0);
	snap_assert_same(&before);
	assert_false(held_by_sdp(h));
	/* No area is registered: UNREGISTER finds none, services refuse. */
	assert_int_equal(CALL(SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0, 0, NULL),
			 -ENOENT);
	assert_int_equal(CALL(SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)h,
			      (uint32_t)(h >> 32), 0, 0, out),
			 0);
	assert_int_equal(out[0], PARAM_PAGES);
	assert_int_equal(CALL(SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0, 0, NULL),
			 0);
	assert_int_equal(reclaim(h), 0);
}

static void test_fault_create_sp_alloc(void **state)
{
	struct sdp_partition_cfg cfg = { 0 };
	struct sdp_partition *sp = (struct sdp_partition *)&cfg; /* poison */
	uint32_t fail = 1;

	(void)state;
	cfg.id = SDP_ID;
	cfg.spmc = W.spmc;
	cfg.dram = W.dram;
	cfg.smmu = W.smmu;
	cfg.bus = W.bus;
	cfg.plat = &W.plat;
	cfg.min_chunk_size = CHUNK;
	cfg.chunk_alignment = CHUNK;
	cfg.test_alloc_fail = &fail;
	assert_int_equal(sdp_partition_create(&cfg, &sp), -ENOMEM);
	assert_true(sp == (struct sdp_partition *)&cfg); /* untouched */
	assert_int_equal(fail, 0);
	assert_int_equal(sdp_partition_create(&cfg, &sp), 0);
	sdp_partition_destroy(sp);
}

/*
 * Walk every SPMC allocation a command makes: the k-th fails for
 * k = 0, 1, ... until the command no longer reaches it (today one: the
 * retrieve response). Each failure is the exact -ENOMEM and leaves
 * everything as it was; the last, clean run succeeds. Returns the
 * failures seen. The callers then fail the partition's own allocation.
 */
static uint32_t fault_walk(uint32_t w3, uint64_t h, uint32_t w6,
			   struct snap *before)
{
	uint32_t failures = 0;
	int32_t st = 0;

	for (uint32_t k = 0;; k++) {
		g_spmc_alloc_skip = k;
		g_spmc_alloc_fail = 1;
		st = CALL(w3, (uint32_t)h, (uint32_t)(h >> 32), w6, 0, NULL);
		if (g_spmc_alloc_fail == 1) {
			/* Fewer than k + 1 SPMC allocations: a clean run. */
			g_spmc_alloc_skip = 0;
			g_spmc_alloc_fail = 0;
			assert_int_equal(st, 0);
			break;
		}
		assert_int_equal(st, -ENOMEM);
		assert_false(held_by_sdp(h));
		snap_assert_same(before);
		failures++;
		assert_true(k < 64);
	}
	return failures;
}

static void test_fault_assign_every_alloc(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	struct snap before = { 0 };

	(void)state;
	snap_take(&before);
	assert_true(fault_walk(SDP_CMD_ASSIGN, h, RHEAP_USE_CASE_SECURE_VIDEO,
			       &before) >= 1);
	assert_true(held_by_sdp(h));
	assert_int_equal(release(VM1, h), 0);
	snap_assert_same(&before);
	/* And the partition's own allocation after the SPMC's. */
	g_sp_alloc_fail = 1;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -ENOMEM);
	snap_assert_same(&before);
	(void)assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	assert_int_equal(reclaim(h), -EBUSY); /* R5: still assigned */
	assert_int_equal(release(VM1, h), 0);
	assert_int_equal(reclaim(h), 0);
}

static void test_fault_register_param_every_alloc(void **state)
{
	uint64_t h = share_param(VM1, PARAM_PA);
	struct snap before = { 0 };

	(void)state;
	snap_take(&before);
	assert_true(fault_walk(SDP_CMD_REGISTER_PARAM_SHM, h, 0, &before) >= 1);
	assert_true(held_by_sdp(h));
	assert_int_equal(CALL(SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0, 0, NULL),
			 0);
	snap_assert_same(&before);
	assert_int_equal(reclaim(h), 0);
}

/*
 * Faults in a row, then a full cycle: assign fails (SPMC), assign fails
 * (partition), attach fails (SMMU), and afterwards assign, attach, the
 * device sees the data, detach, release and reclaim all work and the
 * world is back to empty.
 */
static void test_fault_sequence_then_cycle(void **state)
{
	uint64_t h = lend(W.sv_dyn, CHUNK_PAGES, RHEAP_USE_CASE_SECURE_VIDEO);
	struct snap empty = { 0 };
	uint8_t pat[32] = { 0 };
	uint8_t got[32] = { 0 };
	uint64_t iova = 0;
	uint32_t id = 0;

	(void)state;
	snap_take(&empty);
	g_spmc_alloc_fail = 1;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -ENOMEM);
	g_sp_alloc_fail = 1;
	assert_int_equal(assign(VM1, h, RHEAP_USE_CASE_SECURE_VIDEO), -ENOMEM);
	snap_assert_same(&empty);
	id = assign_ok(h, RHEAP_USE_CASE_SECURE_VIDEO);
	hw_smmu_fail_inject(W.smmu, 1);
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, false, NULL),
			 -ENOMEM);
	assert_int_equal(attach(id, 0, CHUNK_PAGES, SID_VDEC, false, &iova),
			 0);
	fill_rand(pat, sizeof(pat));
	secure_write(W.sv_dyn + 3 * PAGE, pat, sizeof(pat));
	assert_int_equal(hw_device_read(W.vdec, true, iova + 3 * PAGE, got,
					sizeof(got)),
			 0);
	assert_memory_equal(got, pat, sizeof(got));
	assert_int_equal(detach(SID_VDEC, iova), 0);
	assert_int_equal(release(VM1, h), 0);
	snap_assert_same(&empty);
	assert_int_equal(reclaim(h), 0);
	assert_int_equal(hw_smmu_mapping_count(W.smmu), 0);
}

/* ------------------------------------------------------------------ */

static void add_rows(struct CMUnitTest *t, size_t *n, const void *rows,
		     size_t row_size, size_t count,
		     void (*fn)(void **state))
{
	for (size_t i = 0; i < count; i++) {
		const void *row = (const uint8_t *)rows + i * row_size;

		t[*n].name = *(const char *const *)row; /* first member */
		t[*n].test_func = fn;
		t[*n].setup_func = world_setup;
		t[*n].teardown_func = world_teardown;
		t[*n].initial_state = (void *)(uintptr_t)row;
		(*n)++;
	}
}

#define ADD_TABLE(t, n, table, fn)                                             \
	add_rows((t), (n), (table), sizeof((table)[0]), ARRAY_SIZE(table), (fn))
#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(test_version),
		T(test_protmem_config_secure_video),
		T(test_protmem_config_trusted_ui),
		T(test_protmem_config_index_past_end),
		T(test_protmem_config_bad_use_case),
		T(test_lend_config),
		T(test_assign_ok),
		T(test_assign_twice),
		T(test_assign_unknown_handle),
		T(test_assign_wrong_tag),
		T(test_assign_bad_use_case),
		T(test_assign_other_lender),
		T(test_assign_share_not_lend),
		T(test_assign_two_borrowers),
		T(test_assign_not_receiver),
		T(test_assign_outside_pool),
		T(test_assign_pool_of_other_use_case),
		T(test_assign_misaligned),
		T(test_assign_size_not_chunk_multiple),
		T(test_assign_table_full),
		T(test_release_then_reclaim),
		T(test_release_errors),
		T(test_release_while_attached),
		T(test_stale_buf_id),
		T(test_buf_id_of_other_vm),
		T(test_attach_vdec_firewall),
		T(test_attach_gpu_denied),
		T(test_attach_display_record_denied),
		T(test_attach_display_secure_video),
		T(test_attach_static_pool),
		T(test_attach_args),
		T(test_attach_iova_reuse),
		T(test_detach_errors),
		T(test_multi_range_chunk),
		T(test_scrub_zeroes),
		T(test_scrub_errors),
		T(test_param_register),
		T(test_param_register_errors),
		T(test_param_fetch_errors),
		T(test_inject_transform_dump),
		T(test_static_pool_services),
		T(test_dump_refused_without_debug),
		T(test_copy_typing),
		T(test_decrypt_subsamples_iv8),
		T(test_decrypt_whole_sample_iv16),
		T(test_decrypt_clear_only),
		T(test_decrypt_unknown_kid),
		T(test_decrypt_no_key_store),
		T(test_canary_scrubbed),
		T(test_destroy_lets_go),
		T(test_endpoint_teardown),
		T(test_unknown_command),
		T(test_receiver_not_me),
		T(test_framing_errors),
		T(test_smc64),
		T(test_status_values),
		T(test_fault_attach_smmu_fail),
		T(test_fault_attach_fail_then_release),
		T(test_fault_attach_static_pool_smmu_fail),
		T(test_fault_attach_keeps_others),
		T(test_fault_attach_each_piece),
		T(test_fault_assign_sp_alloc),
		T(test_fault_register_param_sp_alloc),
		T(test_fault_create_sp_alloc),
		T(test_fault_assign_every_alloc),
		T(test_fault_register_param_every_alloc),
		T(test_fault_sequence_then_cycle),
	};
	static struct CMUnitTest tests[ARRAY_SIZE(fixed) +
				       ARRAY_SIZE(k_cfg_cases) +
				       ARRAY_SIZE(k_oob_cases) +
				       ARRAY_SIZE(k_dec_cases)];
	size_t n = 0;

	memcpy(tests, fixed, sizeof(fixed));
	n = ARRAY_SIZE(fixed);
	ADD_TABLE(tests, &n, k_cfg_cases, run_cfg_case);
	ADD_TABLE(tests, &n, k_oob_cases, run_oob_case);
	ADD_TABLE(tests, &n, k_dec_cases, run_dec_case);
	return _cmocka_run_group_tests("sdp", tests, n, NULL, NULL);
}
