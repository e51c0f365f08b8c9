// SPDX-License-Identifier: BSD-2-Clause
/*
 * Stateful libFuzzer target for the SDP partition's direct-request entry
 * (sdp_partition_direct_req(), src/sp/sdp_partition.c; docs/sdp-abi.md).
 *
 * The hardware world is built once, the way tests/unit/sdp builds it: the
 * default board's platform (default.dtb, path compiled in as
 * RHEAP_DEFAULT_DTB), DRAM, TZASC with the static pools protected, SMMU,
 * bus, devices and a key store with one content key. Each input then gets
 * a fresh SPMC and partition (debug dump OFF): VM1 lends one chunk of each
 * dynamic pool and shares a 16-page parameter area, assigns the first chunk
 * and registers the area; a canary is written into the assigned chunk and
 * the static secure-video pool. The input is a sequence of operations, each
 * starting with a kind byte (% OP_COUNT):
 *   OP_REQ      a direct request: sender, command (from k_cmds unless the
 *               selector is >= 0xF0: a raw w3), then w4..w7, each either a
 *               value the world knows (buffer IDs, handle halves, stream
 *               IDs, use cases, sizes) or a raw u32
 *   OP_PARAM    a parameter struct (copy for INJECT/DUMP, transform, or
 *               decrypt with a subsample map) with input-derived memrefs,
 *               written at an input-derived 8-aligned offset of the area,
 *               then its command with that offset and (mostly) its size
 *   OP_BYTES    input bytes written into the parameter area
 *   OP_LEND     VM1 or VM2 lends another chunk (pool, index, pages, tag
 *               from the input) with spmc_send()
 *   OP_FRAMING  a request with broken framing: 64-bit upper halves, FF-A
 *               flags in w2, wrong IDs in w1, wrong receiver, not a request
 *   OP_TEARDOWN sdp_partition_endpoint_teardown() of VM1 or VM2
 * Properties (abort() on violation), after every request:
 *  - a formed response has the request's width, w1 = IDs swapped, w2 = 0,
 *    x8..x17 = 0, 32-bit values only, and no results with an error status
 *    (but GET_PROTMEM_CONFIG's count); an unformable request (the framing
 *    errors of sdp_partition_direct_req()) gets -EINVAL and a zeroed @resp;
 *  - a failed command changes neither the SPMC (spmc_state_digest()) nor
 *    the partition (sdp_partition_stats());
 *  - debug dump is off, so the partition never writes NS memory: the
 *    parameter area equals its shadow copy (only this target writes it),
 *    hence no canary byte of a restricted buffer can reach it;
 *  - spmc_check_invariants() is 0.
 * At the end the partition is destroyed, VM1 and VM2 reclaim every handle
 * (all must succeed) and no page may stay protected.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>
#include <rheap/platform.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "hw/hw_bus.h"
#include "hw/hw_device.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "hw/hw_tzasc.h"
#include "sp/sdp_partition.h"
#include "sp/sp_keys.h"
#include "spmc/spmc.h"

#ifndef RHEAP_DEFAULT_DTB
#error "RHEAP_DEFAULT_DTB must name the default board's DTB"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE 4096u
#define VM1 0x0001u
#define VM2 0x0002u
#define SDP_ID 0x8001u
#define SP2 0x8002u
#define CHUNK (64u * 1024u)
#define CHUNK_PAGES (CHUNK / PAGE)
#define PARAM_PA UINT64_C(0x80100000)
#define PARAM_PAGES 16u
#define PARAM_SIZE (PARAM_PAGES * PAGE)
#define MAX_OPS 64u
#define MAX_HANDLES 32u
#define MAX_IDS 16u

enum op_kind {
	OP_REQ = 0,
	OP_PARAM,
	OP_BYTES,
	OP_LEND,
	OP_FRAMING,
	OP_TEARDOWN,
	OP_COUNT,
};

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t rd8(struct reader *r)
{
	uint8_t v = 0;

	if (r->n > 0) {
		v = *r->p;
		r->p++;
		r->n--;
	}
	return v;
}

static uint16_t rd16(struct reader *r)
{
	uint16_t lo = rd8(r);

	return (uint16_t)(lo | (uint16_t)rd8(r) << 8);
}

static uint32_t rd32(struct reader *r)
{
	uint32_t lo = rd16(r);

	return lo | (uint32_t)rd16(r) << 16;
}

static uint64_t rd64(struct reader *r)
{
	uint64_t lo = rd32(r);

	return lo | (uint64_t)rd32(r) << 32;
}

/* ------------------------------------------------------------------ */
/* The hardware world: built once.                                     */

struct hw_world {
	bool ready;
	struct rheap_platform plat;
	struct hw_dram *dram;
	struct hw_tzasc tz;
	struct hw_smmu *smmu;
	struct hw_bus *bus;
	struct hw_device *devs[8];
	uint32_t dev_count;
	struct sp_keys keys;
	struct spmc_cfg spmc_cfg;
	uint64_t sv_dyn;
	uint64_t svr_dyn;
	uint64_t sv_static;
	uint32_t sv_static_idx;
	uint8_t *param; /* NW view of the parameter area */
};

/*
 * struct run - one input's state
 * @shadow: what the parameter area must hold (only this target writes it)
 */
struct run {
	struct spmc *spmc;
	struct sdp_partition *sp;
	uint64_t handles[MAX_HANDLES];
	uint16_t senders[MAX_HANDLES];
	uint32_t handle_count;
	uint32_t ids[MAX_IDS];
	uint32_t id_count;
	uint8_t shadow[PARAM_SIZE];
};

static struct hw_world H;
static struct run R;
static uint8_t g_blob[64 * 1024];

static const uint8_t k_kid[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
				   0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
				   0x1c, 0x1d, 0x1e, 0x1f };
static const uint8_t k_canary[16] = { 0xC4, 0x4A, 0x12, 0xE7, 0x5B, 0x99,
				      0x3D, 0xA1, 0x0F, 0x66, 0xD2, 0x81,
				      0x7C, 0x2E, 0xB5, 0x48 };

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static int plat_protect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return hw_tzasc_protect(&H.tz, base, size);
}

static int plat_unprotect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return hw_tzasc_unprotect(&H.tz, base, size);
}

static int plat_scrub(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return hw_dram_scrub(H.dram, base, size);
}

static const struct spmc_plat_ops k_plat_ops = {
	.protect = plat_protect,
	.unprotect = plat_unprotect,
	.scrub = plat_scrub,
};

static void hw_world_build(void)
{
	struct spmc_cfg *sc = &H.spmc_cfg;
	struct sp_cenc_key key = { { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2,
				     0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf,
				     0x4f, 0x3c } };
	FILE *fp = fopen(RHEAP_DEFAULT_DTB, "rb");
	size_t blob_size = 0;
	void *p = NULL;

	check(fp != NULL);
	blob_size = fread(g_blob, 1, sizeof(g_blob), fp);
	fclose(fp);
	check(blob_size > 0 && blob_size < sizeof(g_blob));
	check(rheap_platform_decode(g_blob, blob_size, &H.plat, NULL) == 0);
	check(hw_dram_create(&H.plat, HW_DRAM_NO_SECRET, &H.dram) == 0);
	check(hw_tzasc_init_platform(&H.tz, &H.plat) == 0);
	check(hw_smmu_create(&H.plat, &H.smmu) == 0);
	check(hw_bus_create(H.dram, &H.tz, H.smmu, HW_BUS_DEFAULT_FAULTS,
			    &H.bus) == 0);
	for (uint32_t i = 0;
	     i < H.plat.device_count && H.dev_count < ARRAY_SIZE(H.devs); i++) {
		check(hw_device_create(H.bus, H.smmu, &H.plat.devices[i],
				       &H.devs[H.dev_count++]) == 0);
	}
	sc->ops = &k_plat_ops;
	sc->endpoint_count = 4;
	sc->endpoints[0] = VM1;
	sc->endpoints[1] = VM2;
	sc->endpoints[2] = SDP_ID;
	sc->endpoints[3] = SP2;
	for (uint32_t i = 0; i < H.plat.dram_count; i++) {
		sc->dram[sc->dram_count].base = H.plat.dram[i].base;
		sc->dram[sc->dram_count].size = H.plat.dram[i].size;
		sc->dram_count++;
	}
	for (uint32_t i = 0; i < H.plat.pool_count; i++) {
		const struct rheap_plat_pool *pl = &H.plat.pools[i];

		if (pl->kind == RHEAP_POOL_STATIC) {
			check(hw_tzasc_protect(&H.tz, pl->base, pl->size) == 0);
			sc->carveouts[sc->carveout_count].base = pl->base;
			sc->carveouts[sc->carveout_count].size = pl->size;
			sc->carveout_count++;
			if (pl->use_case == RHEAP_USE_CASE_SECURE_VIDEO) {
				H.sv_static = pl->base;
				H.sv_static_idx = i;
			}
		} else {
			sc->pools[sc->pool_count].base = pl->base;
			sc->pools[sc->pool_count].size = pl->size;
			sc->pool_count++;
			if (pl->use_case == RHEAP_USE_CASE_SECURE_VIDEO) {
				H.sv_dyn = pl->base;
			} else {
				H.svr_dyn = pl->base;
			}
		}
	}
	check(H.sv_dyn != 0 && H.svr_dyn != 0 && H.sv_static != 0);
	sc->limits.max_shares = 80;
	sc->limits.max_fragments = 8;
	sc->limits.max_ranges = 64;
	sc->limits.max_total_ranges = 1024;
	sp_keys_init(&H.keys);
	check(sp_keys_add(&H.keys, k_kid, &key) == 0);
	check(hw_dram_ptr(H.dram, PARAM_PA, PARAM_SIZE, &p) == 0);
	H.param = p;
	H.ready = true;
}

/* ------------------------------------------------------------------ */
/* The normal world.                                                   */

static int nw_send(uint16_t sender, enum rheap_ffa_abi abi, uint64_t tag,
		   uint64_t base, uint32_t pages, uint64_t *handle)
{
	static uint8_t buf[512];
	struct rheap_ffa_receiver rcv = { 0 };
	struct rheap_ffa_range range = { base, pages };
	struct rheap_ffa_mem m = { 0 };
	struct spmc_send_result res = { 0 };
	int n = 0;
	int rc = 0;

	rcv.endpoint_id = SDP_ID;
	rcv.permissions = FFA_DATA_ACCESS_RW;
	m.abi = abi;
	m.version = FFA_VERSION_1_1;
	m.sender_id = sender;
	m.attributes =
	    abi == RHEAP_FFA_ABI_SHARE ? FFA_MEM_ATTR_NORMAL_WB_ISH : 0;
	m.tag = tag;
	m.receiver_count = 1;
	m.receivers = &rcv;
	m.receiver_cap = 1;
	m.total_page_count = pages;
	m.range_count = 1;
	m.ranges = &range;
	m.range_cap = 1;
	n = rheap_ffa_mem_encode(&m, buf, sizeof(buf), NULL);
	check(n > 0);
	rc = spmc_send(R.spmc, sender, abi, buf, (size_t)n, (size_t)n, &res,
		       NULL);
	if (rc == 0) {
		check(res.complete);
		*handle = res.handle;
		if (R.handle_count < MAX_HANDLES) {
			R.senders[R.handle_count] = sender;
			R.handles[R.handle_count++] = res.handle;
		}
	}
	return rc;
}

static void remember_id(uint32_t id)
{
	for (uint32_t i = 0; i < R.id_count; i++) {
		if (R.ids[i] == id) {
			return;
		}
	}
	if (R.id_count < MAX_IDS) {
		R.ids[R.id_count++] = id;
	}
}

static void check_world(void)
{
	check(spmc_check_invariants(R.spmc, NULL) == 0);
	check(memcmp(H.param, R.shadow, PARAM_SIZE) == 0);
}

static bool stats_eq(const struct sdp_partition_stats *a,
		     const struct sdp_partition_stats *b)
{
	return a->chunks == b->chunks && a->chunk_pages == b->chunk_pages &&
	       a->attachments == b->attachments &&
	       a->param_areas == b->param_areas;
}

/*
 * One request; checks the response and the properties of the header.
 * Returns the status (w3), or 1 when no response could be formed.
 */
static int32_t request(uint16_t sender, const struct rheap_ffa_regs *req,
		       struct rheap_ffa_regs *resp)
{
	struct sdp_partition_stats before = { 0 };
	struct sdp_partition_stats after = { 0 };
	uint64_t digest = spmc_state_digest(R.spmc);
	uint16_t receiver = (uint16_t)req->x[1];
	uint32_t func = (uint32_t)req->x[0];
	bool wide = func == FFA_MSG_SEND_DIRECT_REQ_64;
	int32_t status = 0;
	int rc = 0;

	sdp_partition_stats(R.sp, &before);
	memset(resp, 0xA5, sizeof(*resp));
	rc = sdp_partition_direct_req(R.sp, sender, receiver, req, resp);
	sdp_partition_stats(R.sp, &after);
	if (rc != 0) {
		check(rc == -EINVAL);
		check(receiver != SDP_ID ||
		      (func != FFA_MSG_SEND_DIRECT_REQ_32 && !wide) ||
		      req->x[1] != ((uint64_t)sender << 16 | SDP_ID));
		for (int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
			check(resp->x[i] == 0);
		}
		check(stats_eq(&before, &after));
		check(spmc_state_digest(R.spmc) == digest);
		check_world();
		return 1;
	}
	check(resp->x[0] == (wide ? FFA_MSG_SEND_DIRECT_RESP_64
				  : FFA_MSG_SEND_DIRECT_RESP_32));
	check(resp->x[1] == ((uint64_t)receiver << 16 | sender));
	check(resp->x[2] == 0);
	for (int i = 3; i < 8; i++) {
		check(resp->x[i] <= UINT32_MAX);
	}
	for (int i = 8; i < RHEAP_FFA_REG_COUNT; i++) {
		check(resp->x[i] == 0);
	}
	status = (int32_t)(uint32_t)resp->x[3];
	check(status <= 0);
	if (status != 0) {
		if ((req->x[3] & SDP_CMD_MASK) != SDP_CMD_GET_PROTMEM_CONFIG) {
			for (int i = 4; i < 8; i++) {
				check(resp->x[i] == 0);
			}
		}
		check(stats_eq(&before, &after));
		check(spmc_state_digest(R.spmc) == digest);
	} else if ((req->x[3] & SDP_CMD_MASK) == SDP_CMD_ASSIGN) {
		remember_id((uint32_t)resp->x[4]);
	}
	check_world();
	return status;
}

static int32_t call(uint16_t sender, uint32_t w3, uint32_t w4, uint32_t w5,
		    uint32_t w6, uint32_t w7)
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
	return request(sender, &req, &resp);
}

static void run_start(void)
{
	struct sdp_partition_cfg cfg = { 0 };
	static uint8_t canary[CHUNK];
	uint64_t h = 0;

	memset(&R, 0, sizeof(R));
	check(spmc_create(&H.spmc_cfg, &R.spmc, NULL) == 0);
	cfg.id = SDP_ID;
	cfg.spmc = R.spmc;
	cfg.dram = H.dram;
	cfg.smmu = H.smmu;
	cfg.bus = H.bus;
	cfg.plat = &H.plat;
	cfg.keys = &H.keys;
	cfg.min_chunk_size = CHUNK;
	cfg.chunk_alignment = CHUNK;
	cfg.debug_dump = false;
	check(sdp_partition_create(&cfg, &R.sp) == 0);

	/* The NS area starts as a pattern the partition must never touch. */
	for (uint32_t i = 0; i < PARAM_SIZE; i++) {
		R.shadow[i] = (uint8_t)(i * 7u + 1u);
	}
	memcpy(H.param, R.shadow, PARAM_SIZE);

	check(nw_send(VM1, RHEAP_FFA_ABI_LEND, RHEAP_USE_CASE_SECURE_VIDEO,
		      H.sv_dyn, CHUNK_PAGES, &h) == 0);
	check(call(VM1, SDP_CMD_ASSIGN, (uint32_t)h, (uint32_t)(h >> 32),
		   RHEAP_USE_CASE_SECURE_VIDEO, 0) == 0);
	check(nw_send(VM1, RHEAP_FFA_ABI_LEND,
		      RHEAP_USE_CASE_SECURE_VIDEO_RECORD, H.svr_dyn,
		      CHUNK_PAGES, &h) == 0);
	check(nw_send(VM1, RHEAP_FFA_ABI_SHARE, 0, PARAM_PA, PARAM_PAGES, &h) ==
	      0);
	check(call(VM1, SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)h,
		   (uint32_t)(h >> 32), 0, 0) == 0);

	/* Canaries in restricted memory: they must never reach NS memory. */
	for (uint32_t i = 0; i < CHUNK; i++) {
		canary[i] = k_canary[i % sizeof(k_canary)];
	}
	check(hw_bus_cpu_write(H.bus, true, H.sv_dyn, canary, CHUNK) == 0);
	check(hw_bus_cpu_write(H.bus, true, H.sv_static, canary, PAGE) == 0);
	check_world();
}

static void run_end(void)
{
	struct spmc_stats st = { 0 };

	sdp_partition_destroy(R.sp);
	check(spmc_check_invariants(R.spmc, NULL) == 0);
	for (uint32_t i = 0; i < R.handle_count; i++) {
		struct spmc_share_info info = { 0 };

		if (spmc_share_find(R.spmc, R.handles[i], &info) != 0) {
			continue;
		}
		check(spmc_reclaim(R.spmc, info.orphaned ? 0 : R.senders[i],
				   R.handles[i], 0, NULL) == 0);
	}
	spmc_stats(R.spmc, &st);
	check(st.live_shares == 0 && st.protected_pages == 0);
	check(spmc_check_invariants(R.spmc, NULL) == 0);
	spmc_destroy(R.spmc);
	R.spmc = NULL;
}

/* ------------------------------------------------------------------ */
/* Operations.                                                         */

static const uint32_t k_cmds[] = {
	SDP_CMD_GET_VERSION,
	SDP_CMD_GET_PROTMEM_CONFIG,
	SDP_CMD_GET_LEND_CONFIG,
	SDP_CMD_ASSIGN,
	SDP_CMD_RELEASE,
	SDP_CMD_ATTACH,
	SDP_CMD_ATTACH | SDP_ATTACH_FLAG_WRITE << SDP_CMD_FLAGS_SHIFT,
	SDP_CMD_DETACH,
	SDP_CMD_REGISTER_PARAM_SHM,
	SDP_CMD_UNREGISTER_PARAM_SHM,
	SDP_CMD_INJECT,
	SDP_CMD_TRANSFORM,
	SDP_CMD_DUMP,
	SDP_CMD_DECRYPT,
	SDP_CMD_SCRUB,
};

static uint16_t pick_sender(uint8_t sel)
{
	return sel % 8 == 7 ? VM2 : VM1;
}

/* A buffer ID: the area, a known chunk, a static pool, or raw. */
static uint32_t pick_buf(struct reader *r)
{
	uint8_t sel = rd8(r);

	switch (sel % 8) {
	case 0:
		return SDP_BUF_ID_PARAM;
	case 1:
	case 2:
	case 3:
		return R.id_count ? R.ids[(sel >> 3) % R.id_count] : 0;
	case 4:
		return SDP_BUF_ID_STATIC_BIT | (sel >> 3) % 4;
	case 5:
		return SDP_BUF_ID_STATIC_BIT | H.sv_static_idx;
	default:
		return rd32(r);
	}
}

/* A w4..w7 value: known handle halves, IDs, streams, use cases, small. */
static uint32_t pick_arg(struct reader *r, uint32_t *hi, bool *is_handle)
{
	uint8_t sel = rd8(r);
	uint64_t h = 0;

	switch (sel >> 5) {
	case 0:
		return sel & 0x1F;
	case 1:
		if (R.handle_count == 0) {
			return 0;
		}
		h = R.handles[(sel & 0x1F) % R.handle_count];
		*hi = (uint32_t)(h >> 32);
		*is_handle = true;
		return (uint32_t)h;
	case 2:
		return R.id_count ? R.ids[(sel & 0x1F) % R.id_count]
				  : SDP_BUF_ID_STATIC_BIT;
	case 3:
		return 0x10u * (1u + (sel & 3)); /* stream IDs */
	case 4:
		return (uint32_t)(sel & 0x1F) * 8u; /* area offsets */
	default:
		return rd32(r);
	}
}

static void op_req(struct reader *r)
{
	uint16_t sender = pick_sender(rd8(r));
	uint8_t sel = rd8(r);
	uint32_t w[8] = { 0 };

	w[3] = sel < 0xF0 ? k_cmds[sel % ARRAY_SIZE(k_cmds)] : rd32(r);
	for (int i = 4; i < 8; i++) {
		bool is_handle = false;
		uint32_t hi = 0;

		w[i] = pick_arg(r, &hi, &is_handle);
		/* A handle's low half is followed by its high half. */
		if (is_handle && i < 7) {
			w[++i] = hi;
		}
	}
	(void)call(sender, w[3], w[4], w[5], w[6], w[7]);
}

static void fill_memref(struct reader *r, struct sdp_abi_memref *m)
{
	uint8_t sel = rd8(r);

	m->buf_id = pick_buf(r);
	if (sel < 0xC0) {
		m->offset = (uint64_t)rd16(r) % (2u * CHUNK);
		m->size = (uint64_t)rd16(r) % (2u * CHUNK);
	} else {
		m->offset = rd64(r);
		m->size = rd64(r);
	}
	m->reserved = sel == 0xFF ? rd32(r) : 0;
}

static void op_param(struct reader *r)
{
	uint8_t kind = rd8(r);
	uint16_t sender = pick_sender(kind >> 5);
	uint32_t off = (uint32_t)rd16(r) % PARAM_SIZE & ~(SDP_PARAM_ALIGN - 1);
	uint8_t buf[sizeof(struct sdp_abi_decrypt_param)] = { 0 };
	size_t len = 0;
	uint32_t cmd = 0;

	switch (kind % 4) {
	case 0:
	case 1: {
		struct sdp_abi_copy_param p = { 0 };

		fill_memref(r, &p.in);
		fill_memref(r, &p.out);
		cmd = kind % 4 == 0 ? SDP_CMD_INJECT : SDP_CMD_DUMP;
		len = sizeof(p);
		memcpy(buf, &p, len);
		break;
	}
	case 2: {
		struct sdp_abi_transform_param p = { 0 };

		fill_memref(r, &p.buf);
		cmd = SDP_CMD_TRANSFORM;
		len = sizeof(p);
		memcpy(buf, &p, len);
		break;
	}
	default: {
		struct sdp_abi_decrypt_param p = { 0 };
		uint8_t sub = rd8(r);

		fill_memref(r, &p.in);
		fill_memref(r, &p.out);
		if (sub & 0x80) {
			p.kid[rd8(r) % SDP_KID_SIZE] ^= rd8(r);
		} else {
			memcpy(p.kid, k_kid, sizeof(p.kid));
		}
		p.iv_size = sub & 0x40 ? 16u : 8u;
		if ((sub & 0x30) == 0x30) {
			p.iv_size = rd32(r);
		}
		for (uint32_t i = 0; i < 16; i++) {
			p.iv[i] = i < p.iv_size ? rd8(r) : 0;
		}
		p.subsample_count = sub & 0xF;
		if (p.subsample_count != 0) {
			p.subsample_offset =
			    (uint64_t)rd16(r) % PARAM_SIZE & ~UINT64_C(3);
			if (sub & 0x8) {
				p.subsample_offset = rd64(r);
			}
			/* The map: input-chosen sizes, written into the area.
			 */
			for (uint32_t i = 0;
			     i < p.subsample_count &&
			     p.subsample_offset <= PARAM_SIZE - 8;
			     i++) {
				uint16_t clear = rd16(r);
				uint16_t prot = rd16(r);
				struct sdp_abi_subsample s = { clear, prot };
				uint64_t at = p.subsample_offset + i * 8u;

				if (at + 8 <= PARAM_SIZE) {
					memcpy(R.shadow + at, &s, sizeof(s));
				}
			}
		}
		cmd = SDP_CMD_DECRYPT;
		len = sizeof(p);
		memcpy(buf, &p, len);
		break;
	}
	}
	if (off + len > PARAM_SIZE) {
		off = (uint32_t)(PARAM_SIZE - len);
	}
	memcpy(R.shadow + off, buf, len);
	memcpy(H.param, R.shadow, PARAM_SIZE);
	(void)call(sender, cmd, off,
		   kind & 0x10 ? (uint32_t)len + 8u : (uint32_t)len, 0, 0);
}

static void op_bytes(struct reader *r)
{
	uint32_t off = (uint32_t)rd16(r) % PARAM_SIZE;
	uint8_t n = rd8(r);

	for (uint8_t i = 0; i < n && off + i < PARAM_SIZE; i++) {
		R.shadow[off + i] = rd8(r);
	}
	memcpy(H.param, R.shadow, PARAM_SIZE);
}

static void op_lend(struct reader *r)
{
	uint8_t sel = rd8(r);
	uint8_t pages = rd8(r);
	uint16_t sender = pick_sender(sel);
	uint64_t pool = sel & 0x8 ? H.svr_dyn : H.sv_dyn;
	uint64_t base =
	    pool + (uint64_t)(sel >> 5) * CHUNK + (pages & 0x80 ? PAGE : 0);
	uint64_t tag = sel & 0x10 ? rd8(r) % 4 : (sel & 0x8 ? 3 : 1);
	uint64_t digest = spmc_state_digest(R.spmc);
	uint64_t h = 0;

	if (nw_send(sender, RHEAP_FFA_ABI_LEND, tag, base, 1u + (pages & 0x3F),
		    &h) != 0) {
		check(spmc_state_digest(R.spmc) == digest);
	}
	check_world();
}

static void op_framing(struct reader *r)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint8_t sel = rd8(r);
	uint16_t sender = pick_sender(sel);
	uint16_t receiver = SDP_ID;

	req.x[0] =
	    sel & 1 ? FFA_MSG_SEND_DIRECT_REQ_64 : FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[1] = (uint64_t)sender << 16 | SDP_ID;
	req.x[3] = k_cmds[rd8(r) % ARRAY_SIZE(k_cmds)];
	for (int i = 4; i < 8; i++) {
		req.x[i] = rd8(r);
	}
	switch (sel >> 1 & 7) {
	case 0:
		req.x[3 + rd8(r) % 5] |= (uint64_t)rd32(r) << 32;
		break;
	case 1:
		req.x[2] = rd32(r);
		break;
	case 2:
		req.x[1] = rd32(r);
		break;
	case 3:
		receiver = (uint16_t)rd16(r);
		req.x[1] = (uint64_t)sender << 16 | receiver;
		break;
	case 4:
		req.x[0] = rd8(r) & 1 ? FFA_MSG_SEND_DIRECT_RESP_32
				      : (uint64_t)rd32(r);
		break;
	default:
		req.x[8 + rd8(r) % 10] = rd64(r);
		break;
	}
	memset(&resp, 0xA5, sizeof(resp));
	if (receiver != SDP_ID || req.x[1] >> 32 != 0 ||
	    (uint16_t)req.x[1] != receiver) {
		/* Not addressed to the partition: nothing to form. */
		struct sdp_partition_stats before = { 0 };
		struct sdp_partition_stats after = { 0 };
		uint64_t digest = spmc_state_digest(R.spmc);

		sdp_partition_stats(R.sp, &before);
		check(sdp_partition_direct_req(R.sp, sender, receiver, &req,
					       &resp) == -EINVAL);
		for (int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
			check(resp.x[i] == 0);
		}
		sdp_partition_stats(R.sp, &after);
		check(stats_eq(&before, &after));
		check(spmc_state_digest(R.spmc) == digest);
		check_world();
		return;
	}
	(void)request(sender, &req, &resp);
}

static void op_teardown(struct reader *r)
{
	sdp_partition_endpoint_teardown(R.sp, pick_sender(rd8(r)));
	check_world();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };

	if (!H.ready) {
		hw_world_build();
	}
	run_start();
	for (uint32_t ops = 0; r.n > 0 && ops < MAX_OPS; ops++) {
		switch (rd8(&r) % OP_COUNT) {
		case OP_REQ:
			op_req(&r);
			break;
		case OP_PARAM:
			op_param(&r);
			break;
		case OP_BYTES:
			op_bytes(&r);
			break;
		case OP_LEND:
			op_lend(&r);
			break;
		case OP_FRAMING:
			op_framing(&r);
			break;
		default:
			op_teardown(&r);
			break;
		}
	}
	run_end();
	return 0;
}
