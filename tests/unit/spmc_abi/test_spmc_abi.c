// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the SPMC FF-A ABI handler (src/spmc/abi.c).
 *
 * A real SPMC core runs underneath, on a fake platform that records
 * protect/unprotect/scrub and whose allocator can run a hook in the middle
 * of a core call (used to rewrite the TX buffer while the core works: the
 * no-double-fetch test). Normal-world memory is a host buffer `nw` at
 * NW_BASE; the fake map_mailbox resolves addresses inside it. The fake
 * partition answers direct requests and can be told to misbehave.
 *
 * Every reply is checked whole: an FFA_ERROR has w1 and w3..x17 zero, a
 * reply never carries stale registers. Table rows run as separate cmocka
 * tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#include "spmc/abi.h"
#include "spmc/spmc.h"

#define VM1 0x0001u
#define VM2 0x0002u
#define VM3 0x0003u /* configured in the core, never added */
#define SP1 0x8001u
#define SP2 0x8002u
#define SPMC_ID 0x8000u

#define PAGE 4096u
#define DRAM0 UINT64_C(0x80000000)
#define DRAM0_SIZE UINT64_C(0x40000000)
#define CARVE UINT64_C(0x8e000000)
#define CARVE_SIZE UINT64_C(0x01000000)
#define NW_BASE UINT64_C(0x81000000)
#define NW_SIZE (64u * PAGE)
#define A UINT64_C(0x82000000) /* memory VM1 lends */
#define B UINT64_C(0x82100000)
#define C UINT64_C(0x82200000)

/* Mailboxes: VM1 TX/RX at pages 0/1, VM2 at pages 8/9 of `nw`. */
#define TX1 (NW_BASE + 0 * PAGE)
#define RX1 (NW_BASE + 1 * PAGE)
#define TX2 (NW_BASE + 8 * PAGE)
#define RX2 (NW_BASE + 9 * PAGE)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* Fake platform and allocator.                                            */

enum fop { OP_PROTECT, OP_UNPROTECT, OP_SCRUB };

struct fcall {
	enum fop op;
	uint64_t base;
	uint64_t size;
};

struct fake {
	struct fcall calls[256];
	unsigned int ncalls;
	unsigned int fail_at; /* 1-based platform call that fails; 0 none */
	unsigned int fail_count;
	int fail_rc;
	uint64_t prot_pages;
	long live;
	/* Run once, inside the next core allocation. */
	void (*alloc_hook)(void);
	unsigned int hook_runs;
	/* map_mailbox */
	unsigned int maps;
	/* direct_req */
	int dmode;
	unsigned int dcalls;
	uint16_t dsender;
	uint16_t dreceiver;
	struct rheap_ffa_regs dreq;
};

static struct fake F;
static uint8_t nw[NW_SIZE];

static int fake_op(enum fop op, uint64_t base, uint64_t size)
{
	unsigned int n = ++F.ncalls;

	if (F.fail_at && n >= F.fail_at &&
	    n < F.fail_at + (F.fail_count ? F.fail_count : 1)) {
		return F.fail_rc ? F.fail_rc : -ENOMEM;
	}
	if (n <= ARRAY_SIZE(F.calls)) {
		F.calls[n - 1] = (struct fcall){ op, base, size };
	}
	if (op == OP_PROTECT) {
		F.prot_pages += size / PAGE;
	} else if (op == OP_UNPROTECT) {
		F.prot_pages -= size / PAGE;
	}
	return 0;
}

static int f_protect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return fake_op(OP_PROTECT, base, size);
}

static int f_unprotect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return fake_op(OP_UNPROTECT, base, size);
}

static int f_scrub(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	return fake_op(OP_SCRUB, base, size);
}

static void *f_alloc(void *ctx, size_t size)
{
	void (*hook)(void) = F.alloc_hook;

	(void)ctx;
	if (hook) {
		F.alloc_hook = NULL;
		F.hook_runs++;
		hook();
	}
	F.live++;
	return calloc(1, size);
}

static void f_free(void *ctx, void *p)
{
	(void)ctx;
	if (p) {
		F.live--;
	}
	free(p);
}

static const struct spmc_plat_ops plat_ops = {
	.protect = f_protect,
	.unprotect = f_unprotect,
	.scrub = f_scrub,
	.alloc = f_alloc,
	.free = f_free,
};

static unsigned int count_ops(enum fop op)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < F.ncalls && i < ARRAY_SIZE(F.calls); i++) {
		n += F.calls[i].op == op;
	}
	return n;
}

/* ---------------------------------------------------------------------- */
/* Fake board: mailbox mapping and the partition.                          */

static int f_map_mailbox(void *ctx, uint16_t ep, uint64_t pa, uint64_t size,
			 uint8_t **ptr)
{
	assert_ptr_equal(ctx, &F);
	F.maps++;
	if ((ep != VM1 && ep != VM2 && ep != 0) || pa < NW_BASE ||
	    size > NW_SIZE || pa - NW_BASE > NW_SIZE - size) {
		return -EPERM;
	}
	*ptr = nw + (pa - NW_BASE);
	return 0;
}

enum dmode {
	D_ECHO = 0,
	D_WRONG_IDS,
	D_WRONG_FUNC,
	D_ERROR_REGS,
	D_ENOENT,
	D_FLAGS,
	D_GARBAGE,
};

/* The partition: echoes payload + 1, IDs swapped, same width. */
static int f_direct_req(void *ctx, uint16_t sender, uint16_t receiver,
			const struct rheap_ffa_regs *req,
			struct rheap_ffa_regs *resp)
{
	uint32_t func = (uint32_t)req->x[0];
	bool two = func == FFA_MSG_SEND_DIRECT_REQ2;
	int first = two ? 4 : 3;
	int last = two ? 17 : 7;

	assert_ptr_equal(ctx, &F);
	F.dcalls++;
	F.dsender = sender;
	F.dreceiver = receiver;
	F.dreq = *req;
	if (F.dmode == D_ENOENT) {
		return -ENOENT;
	}
	memset(resp, 0, sizeof(*resp));
	resp->x[0] = two ? FFA_MSG_SEND_DIRECT_RESP2
		  : func == FFA_MSG_SEND_DIRECT_REQ_32 ? FFA_MSG_SEND_DIRECT_RESP_32
						       : FFA_MSG_SEND_DIRECT_RESP_64;
	resp->x[1] = (uint64_t)receiver << 16 | sender;
	for (int i = first; i <= last; i++) {
		resp->x[i] = req->x[i] + 1;
		if (func == FFA_MSG_SEND_DIRECT_REQ_32) {
			resp->x[i] &= UINT32_MAX;
		}
	}
	switch (F.dmode) {
	case D_WRONG_IDS:
		resp->x[1] = (uint64_t)sender << 16 | receiver;
		break;
	case D_WRONG_FUNC:
		resp->x[0] = FFA_SUCCESS_32;
		break;
	case D_ERROR_REGS:
		memset(resp, 0, sizeof(*resp));
		resp->x[0] = FFA_ERROR;
		resp->x[2] = (uint32_t)FFA_BUSY;
		break;
	case D_FLAGS:
		resp->x[2] = RHEAP_FFA_DIRECT_FLAG_FRAMEWORK | 2;
		break;
	case D_GARBAGE:
		resp->x[0] = 0x840000FFu;
		break;
	default:
		break;
	}
	return 0;
}

static const struct spmc_abi_ops board_ops = {
	.map_mailbox = f_map_mailbox,
	.direct_req = f_direct_req,
};

/* UUIDs in RFC 4122 byte order. */
static const struct spmc_abi_partition parts[] = {
	{ SP1,
	  { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
	    0x1b, 0x1c, 0x1d, 0x1e, 0x1f },
	  0x1 },
	{ SP2,
	  { 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a,
	    0x2b, 0x2c, 0x2d, 0x2e, 0x2f },
	  0x3 },
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---------------------------------------------------------------------- */
/* Fixture.                                                                */

static struct spmc *S;
static struct spmc_abi *H;
static struct rheap_ffa_regs Rsp;

static struct spmc_cfg core_cfg(void)
{
	struct spmc_cfg cfg = { 0 };

	cfg.ops = &plat_ops;
	cfg.ops_ctx = &F;
	cfg.endpoint_count = 5;
	cfg.endpoints[0] = VM1;
	cfg.endpoints[1] = VM2;
	cfg.endpoints[2] = VM3;
	cfg.endpoints[3] = SP1;
	cfg.endpoints[4] = SP2;
	cfg.dram_count = 1;
	cfg.dram[0] = (struct spmc_range){ DRAM0, DRAM0_SIZE };
	cfg.carveout_count = 1;
	cfg.carveouts[0] = (struct spmc_range){ CARVE, CARVE_SIZE };
	cfg.limits.max_shares = 16;
	cfg.limits.max_fragments = 4;
	cfg.limits.max_ranges = 16;
	cfg.limits.max_total_ranges = 64;
	return cfg;
}

static struct spmc_abi_cfg abi_cfg(void)
{
	struct spmc_abi_cfg cfg = { 0 };

	cfg.spmc = S;
	cfg.ops = &board_ops;
	cfg.ops_ctx = &F;
	cfg.partitions = parts;
	cfg.partition_count = ARRAY_SIZE(parts);
	cfg.spmc_id = SPMC_ID;
	return cfg;
}

static int setup(void **state)
{
	struct spmc_cfg cc = core_cfg();
	struct spmc_abi_cfg ac = { 0 };

	(void)state;
	memset(&F, 0, sizeof(F));
	memset(nw, 0, sizeof(nw));
	memset(&Rsp, 0, sizeof(Rsp));
	assert_int_equal(spmc_create(&cc, &S, NULL), 0);
	ac = abi_cfg();
	assert_int_equal(spmc_abi_create(&ac, &H), 0);
	assert_int_equal(spmc_abi_endpoint_add(H, VM1), 0);
	assert_int_equal(spmc_abi_endpoint_add(H, VM2), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spmc_abi_destroy(H);
	H = NULL;
	assert_int_equal(spmc_check_invariants(S, NULL), 0);
	spmc_destroy(S);
	S = NULL;
	assert_int_equal(F.live, 0);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Calls and reply checks.                                                 */

static struct rheap_ffa_regs regs(uint64_t x0, uint64_t x1, uint64_t x2,
				  uint64_t x3, uint64_t x4, uint64_t x5,
				  uint64_t x6, uint64_t x7)
{
	struct rheap_ffa_regs r = { { x0, x1, x2, x3, x4, x5, x6, x7 } };

	return r;
}

/* Run one call; the reply lands in Rsp, pre-filled with junk. */
static void call_r(uint16_t caller, const struct rheap_ffa_regs *req)
{
	memset(&Rsp, 0xA5, sizeof(Rsp));
	spmc_abi_handle(H, caller, req, &Rsp);
}

static void call(uint16_t caller, uint64_t x0, uint64_t x1, uint64_t x2,
		 uint64_t x3, uint64_t x4, uint64_t x5)
{
	struct rheap_ffa_regs r = regs(x0, x1, x2, x3, x4, x5, 0, 0);

	call_r(caller, &r);
}

static void assert_zero_from(int first)
{
	for (int i = first; i < RHEAP_FFA_REG_COUNT; i++) {
		if (Rsp.x[i] != 0) {
			fail_msg("reply x%d = 0x%llx, want 0", i,
				 (unsigned long long)Rsp.x[i]);
		}
	}
}

static void assert_error(int32_t status)
{
	if (Rsp.x[0] != FFA_ERROR || Rsp.x[2] != (uint32_t)status) {
		fail_msg("reply w0 0x%llx w2 0x%llx (%s), want FFA_ERROR %s",
			 (unsigned long long)Rsp.x[0],
			 (unsigned long long)Rsp.x[2],
			 rheap_ffa_status_name((int32_t)(uint32_t)Rsp.x[2]),
			 rheap_ffa_status_name(status));
	}
	assert_int_equal(Rsp.x[1], 0);
	assert_zero_from(3);
}

static void assert_success(uint64_t w2, uint64_t w3)
{
	if (Rsp.x[0] != FFA_SUCCESS_32) {
		fail_msg("reply w0 0x%llx w2 0x%llx (%s), want FFA_SUCCESS_32",
			 (unsigned long long)Rsp.x[0],
			 (unsigned long long)Rsp.x[2],
			 rheap_ffa_status_name((int32_t)(uint32_t)Rsp.x[2]));
	}
	assert_int_equal(Rsp.x[1], 0);
	assert_int_equal(Rsp.x[2], w2);
	assert_int_equal(Rsp.x[3], w3);
	assert_zero_from(4);
}

/* Run a call and assert its FF-A status (0: FFA_SUCCESS with w2 = w3 = 0). */
static void expect(uint16_t caller, const struct rheap_ffa_regs *req,
		   int32_t status)
{
	call_r(caller, req);
	if (status == 0) {
		assert_success(0, 0);
	} else {
		assert_error(status);
	}
}

static void negotiate(uint16_t ep, uint32_t version)
{
	call(ep, FFA_VERSION, version, 0, 0, 0, 0);
	assert_int_equal(Rsp.x[0], version);
}

static void map_mailbox(uint16_t ep)
{
	uint64_t tx = ep == VM1 ? TX1 : TX2;
	uint64_t rx = ep == VM1 ? RX1 : RX2;

	call(ep, FFA_RXTX_MAP_64, tx, rx, 1, 0, 0);
	assert_success(0, 0);
}

static uint8_t *tx_of(uint16_t ep)
{
	return nw + ((ep == VM1 ? TX1 : TX2) - NW_BASE);
}

static uint8_t *rx_of(uint16_t ep)
{
	return nw + ((ep == VM1 ? RX1 : RX2) - NW_BASE);
}

static uint64_t handle_of_success(void)
{
	assert_int_equal(Rsp.x[0], FFA_SUCCESS_32);
	return (Rsp.x[2] & UINT32_MAX) | (Rsp.x[3] & UINT32_MAX) << 32;
}

/* ---------------------------------------------------------------------- */
/* Descriptors.                                                            */

struct desc {
	enum rheap_ffa_abi abi;
	uint32_t version;
	uint16_t sender;
	uint16_t receiver;
	uint8_t perm;
	uint16_t attributes;
	uint32_t flags;
	uint32_t nranges;
	struct rheap_ffa_range ranges[4];
};

static struct desc lend_desc(uint16_t sender, uint64_t addr, uint32_t pages)
{
	struct desc d = { 0 };

	d.abi = RHEAP_FFA_ABI_LEND;
	d.version = FFA_VERSION_1_1;
	d.sender = sender;
	d.receiver = SP1;
	d.perm = FFA_DATA_ACCESS_RW;
	d.nranges = 1;
	d.ranges[0] = (struct rheap_ffa_range){ addr, pages };
	return d;
}

static size_t encode(const struct desc *d, uint8_t *buf, size_t cap)
{
	struct rheap_ffa_receiver r = { 0 };
	struct rheap_ffa_range ranges[4] = { { 0, 0 } };
	struct rheap_ffa_mem m = { 0 };
	int n = 0;

	r.endpoint_id = d->receiver;
	r.permissions = d->perm;
	m.abi = d->abi;
	m.version = d->version;
	m.sender_id = d->sender;
	m.attributes = d->attributes;
	m.flags = d->flags;
	m.tag = 0x77;
	m.receiver_count = 1;
	m.receivers = &r;
	m.receiver_cap = 1;
	for (uint32_t i = 0; i < d->nranges; i++) {
		ranges[i] = d->ranges[i];
		m.total_page_count += d->ranges[i].page_count;
	}
	m.range_count = d->nranges;
	m.ranges = ranges;
	m.range_cap = 4;
	n = rheap_ffa_mem_encode(&m, buf, cap, NULL);
	assert_true(n > 0);
	return (size_t)n;
}

/* Write @d into @ep's TX and call @func with it, in one fragment. */
static size_t send_desc(uint16_t ep, uint32_t func, const struct desc *d)
{
	size_t n = encode(d, tx_of(ep), PAGE);

	call(ep, func, n, n, 0, 0, 0);
	return n;
}

/* VM1 lends [A, +pages) to SP1; returns the handle. */
static uint64_t lend_ok(uint32_t pages)
{
	struct desc d = lend_desc(VM1, A, pages);

	send_desc(VM1, FFA_MEM_LEND_64, &d);
	return handle_of_success();
}

/* ====================================================================== */
/* FFA_VERSION.                                                            */

static const struct version_case {
	const char *name;
	uint64_t w1;
	uint64_t w2;
	uint32_t want; /* w0 */
} version_cases[] = {
	{ "version_1_0_not_supported", FFA_VERSION_1_0, 0,
	  RHEAP_FFA_VERSION_NOT_SUPPORTED },
	{ "version_1_1_gets_1_1", FFA_VERSION_1_1, 0, FFA_VERSION_1_1 },
	{ "version_1_2_gets_1_2", FFA_VERSION_1_2, 0, FFA_VERSION_1_2 },
	{ "version_1_3_gets_1_2", FFA_VERSION_COMPILED(1, 3), 0,
	  FFA_VERSION_1_2 },
	{ "version_1_ffff_gets_1_2", FFA_VERSION_COMPILED(1, 0xFFFF), 0,
	  FFA_VERSION_1_2 },
	{ "version_2_0_not_supported", FFA_VERSION_COMPILED(2, 0), 0,
	  RHEAP_FFA_VERSION_NOT_SUPPORTED },
	{ "version_0_9_not_supported", FFA_VERSION_COMPILED(0, 9), 0,
	  RHEAP_FFA_VERSION_NOT_SUPPORTED },
	{ "version_bit31_not_supported", FFA_VERSION_1_1 | (1u << 31), 0,
	  RHEAP_FFA_VERSION_NOT_SUPPORTED },
	{ "version_w2_mbz_not_supported", FFA_VERSION_1_1, 1,
	  RHEAP_FFA_VERSION_NOT_SUPPORTED },
	{ "version_upper_half_ignored", UINT64_C(0xdead00000000) |
						FFA_VERSION_1_2,
	  0, FFA_VERSION_1_2 },
};

static void test_version_row(void **state)
{
	const struct version_case *c = *state;
	uint32_t v = 0;

	call(VM1, FFA_VERSION, c->w1, c->w2, 0, 0, 0);
	assert_int_equal(Rsp.x[0], c->want);
	assert_zero_from(1);
	assert_int_equal(spmc_abi_endpoint_version(H, VM1, &v), 0);
	if (c->want == RHEAP_FFA_VERSION_NOT_SUPPORTED) {
		assert_int_equal(v, FFA_VERSION_1_1); /* unchanged default */
	} else {
		assert_int_equal(v, c->want);
	}
}

static void test_version_unknown_endpoint_answered(void **state)
{
	(void)state;
	call(VM3, FFA_VERSION, FFA_VERSION_1_2, 0, 0, 0, 0);
	assert_int_equal(Rsp.x[0], FFA_VERSION_1_2);
	assert_zero_from(1);
	/* ...but nothing else. */
	call(VM3, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
}

static void test_version_locked_after_use(void **state)
{
	uint32_t v = 0;

	(void)state;
	negotiate(VM1, FFA_VERSION_1_2);
	negotiate(VM1, FFA_VERSION_1_1); /* not locked yet: renegotiate */
	call(VM1, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_success(VM1, 0);
	call(VM1, FFA_VERSION, FFA_VERSION_1_2, 0, 0, 0, 0);
	assert_int_equal(Rsp.x[0], RHEAP_FFA_VERSION_NOT_SUPPORTED);
	assert_zero_from(1);
	negotiate(VM1, FFA_VERSION_1_1); /* the same one is fine */
	assert_int_equal(spmc_abi_endpoint_version(H, VM1, &v), 0);
	assert_int_equal(v, FFA_VERSION_1_1);
	assert_int_equal(spmc_abi_endpoint_version(H, VM3, &v), -ENOENT);
}

/* ====================================================================== */
/* FFA_FEATURES.                                                           */

static const struct features_case {
	const char *name;
	uint32_t version;
	uint64_t w1;
	uint64_t w2;
	int32_t want;
	uint64_t want_w2;
} features_cases[] = {
	{ "features_version", FFA_VERSION_1_1, FFA_VERSION, 0, 0, 0 },
	{ "features_lend_64", FFA_VERSION_1_1, FFA_MEM_LEND_64, 0, 0, 0 },
	{ "features_share_32", FFA_VERSION_1_1, FFA_MEM_SHARE_32, 0, 0, 0 },
	{ "features_donate_64", FFA_VERSION_1_2, FFA_MEM_DONATE_64, 0, 0, 0 },
	{ "features_frag_tx", FFA_VERSION_1_1, FFA_MEM_FRAG_TX, 0, 0, 0 },
	{ "features_reclaim", FFA_VERSION_1_1, FFA_MEM_RECLAIM, 0, 0, 0 },
	{ "features_rxtx_map_v1_1", FFA_VERSION_1_1, FFA_RXTX_MAP_64, 0, 0,
	  0 },
	{ "features_rxtx_map_v1_2_max_pages", FFA_VERSION_1_2,
	  FFA_RXTX_MAP_32, 0, 0, SPMC_ABI_RXTX_MAX_PAGES << 16 },
	{ "features_retrieve_req_not_for_nw", FFA_VERSION_1_2,
	  FFA_MEM_RETRIEVE_REQ_64, 0, FFA_NOT_SUPPORTED, 0 },
	{ "features_relinquish_not_for_nw", FFA_VERSION_1_1,
	  FFA_MEM_RELINQUISH, 0, FFA_NOT_SUPPORTED, 0 },
	{ "features_frag_rx_not_for_nw", FFA_VERSION_1_1, FFA_MEM_FRAG_RX, 0,
	  FFA_NOT_SUPPORTED, 0 },
	{ "features_req2_needs_v1_2", FFA_VERSION_1_1,
	  FFA_MSG_SEND_DIRECT_REQ2, 0, FFA_NOT_SUPPORTED, 0 },
	{ "features_req2_v1_2", FFA_VERSION_1_2, FFA_MSG_SEND_DIRECT_REQ2, 0,
	  0, 0 },
	{ "features_feature_id_not_supported", FFA_VERSION_1_2, 0x1, 0,
	  FFA_NOT_SUPPORTED, 0 },
	{ "features_unknown_func", FFA_VERSION_1_1, 0x840000FF, 0,
	  FFA_NOT_SUPPORTED, 0 },
	{ "features_input_properties_mbz", FFA_VERSION_1_1, FFA_MEM_LEND_32, 2,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "features_feature_id_bits_mbz", FFA_VERSION_1_1, 0x100, 0,
	  FFA_INVALID_PARAMETERS, 0 },
};

static void test_features_row(void **state)
{
	const struct features_case *c = *state;

	negotiate(VM1, c->version);
	call(VM1, FFA_FEATURES, c->w1, c->w2, 0, 0, 0);
	if (c->want == 0) {
		assert_success(c->want_w2, 0);
	} else {
		assert_error(c->want);
	}
}

/* ====================================================================== */
/* Simple IDs, unknown and refused functions.                              */

static void test_id_get(void **state)
{
	(void)state;
	call(VM1, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_success(VM1, 0);
	call(VM2, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_success(VM2, 0);
}

static void test_spm_id_get(void **state)
{
	(void)state;
	call(VM1, FFA_SPM_ID_GET, 0, 0, 0, 0, 0);
	assert_success(SPMC_ID, 0);
}

static void test_smc32_upper_halves_ignored(void **state)
{
	struct rheap_ffa_regs r = regs(UINT64_C(0xffff00000000) | FFA_ID_GET,
				       UINT64_C(1) << 32, UINT64_C(7) << 40,
				       0, 0, 0, 0, 0);

	(void)state;
	r.x[12] = 99; /* beyond w7: not an SMC32 register at all */
	call_r(VM1, &r);
	assert_success(VM1, 0);
}

static const struct nosup_case {
	const char *name;
	uint32_t func;
} nosup_cases[] = {
	{ "nosup_unknown_id", 0x840000FF },
	{ "nosup_run", FFA_RUN },
	{ "nosup_msg_wait", FFA_MSG_WAIT },
	{ "nosup_retrieve_req_64", FFA_MEM_RETRIEVE_REQ_64 },
	{ "nosup_retrieve_req_32", FFA_MEM_RETRIEVE_REQ_32 },
	{ "nosup_relinquish", FFA_MEM_RELINQUISH },
	{ "nosup_frag_rx", FFA_MEM_FRAG_RX },
	{ "nosup_direct_resp_32", FFA_MSG_SEND_DIRECT_RESP_32 },
	{ "nosup_success_as_call", FFA_SUCCESS_32 },
	{ "nosup_error_as_call", FFA_ERROR },
	{ "nosup_req2_at_v1_1", FFA_MSG_SEND_DIRECT_REQ2 },
};

static void test_nosup_row(void **state)
{
	const struct nosup_case *c = *state;

	/* Registers full of junk: refused before they are looked at. */
	call(VM1, c->func, UINT32_MAX, UINT32_MAX, 7, 7, 7);
	assert_error(FFA_NOT_SUPPORTED);
}

static void test_not_added_denied(void **state)
{
	static const uint32_t funcs[] = {
		FFA_ID_GET, FFA_FEATURES, FFA_RXTX_MAP_64, FFA_MEM_LEND_64,
		FFA_MEM_RECLAIM, FFA_MSG_SEND_DIRECT_REQ_32, 0x840000FF,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(funcs); i++) {
		call(VM3, funcs[i], TX1, RX1, 1, 0, 0);
		assert_error(FFA_DENIED);
	}
	/* A secure ID never connects through the handler. */
	call(SP1, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
	assert_int_equal(F.maps, 0);
}

/* ====================================================================== */
/* MBZ registers: every violation is INVALID_PARAMETERS.                   */

static const struct mbz_case {
	const char *name;
	bool v1_2;
	uint64_t x[8];
} mbz_cases[] = {
	{ "mbz_id_get_w1", false, { FFA_ID_GET, 1 } },
	{ "mbz_id_get_w7", false, { FFA_ID_GET, 0, 0, 0, 0, 0, 0, 1 } },
	{ "mbz_spm_id_get_w3", false, { FFA_SPM_ID_GET, 0, 0, 4 } },
	{ "mbz_features_w3", false, { FFA_FEATURES, FFA_ID_GET, 0, 1 } },
	{ "mbz_rxtx_map_page_count_bit6", false, { FFA_RXTX_MAP_64, TX1, RX1, 0x41 } },
	{ "mbz_rxtx_map_page_count_zero", false, { FFA_RXTX_MAP_64, TX1, RX1, 0 } },
	{ "mbz_rxtx_map_tx_misaligned", false, { FFA_RXTX_MAP_64, TX1 + 8, RX1, 1 } },
	{ "mbz_rxtx_map_rx_misaligned", false,
	  { FFA_RXTX_MAP_32, TX1, RX1 + 0x800, 1 } },
	{ "mbz_rxtx_map_w4", false, { FFA_RXTX_MAP_64, TX1, RX1, 1, 1 } },
	{ "mbz_rxtx_unmap_w1_low", false, { FFA_RXTX_UNMAP, 1 } },
	{ "mbz_rx_release_w1_high", false, { FFA_RX_RELEASE, 1u << 16 } },
	{ "mbz_partition_info_w5_bit1", false, { FFA_PARTITION_INFO_GET, 0, 0, 0, 0,
					  2 } },
	{ "mbz_partition_info_w6", false, { FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0,
				     1 } },
	{ "mbz_lend_w5", false, { FFA_MEM_LEND_32, 64, 64, 0, 0, 1 } },
	{ "mbz_share_x6", false, { FFA_MEM_SHARE_64, 64, 64, 0, 0, 0, 1 } },
	{ "mbz_lend_fragment_zero", false, { FFA_MEM_LEND_64, 64, 0 } },
	{ "mbz_lend_fragment_over_total", false, { FFA_MEM_LEND_64, 64, 80 } },
	{ "mbz_lend_address_without_pages", false, { FFA_MEM_LEND_64, 64, 64, TX1,
					      0 } },
	{ "mbz_reclaim_flags_bit2", false, { FFA_MEM_RECLAIM, 1, 0, 4 } },
	{ "mbz_reclaim_w4", false, { FFA_MEM_RECLAIM, 1, 0, 0, 1 } },
	{ "mbz_reclaim_invalid_handle", false,
	  { FFA_MEM_RECLAIM, UINT32_MAX, UINT32_MAX, 0 } },
	{ "mbz_frag_tx_w4_low", false, { FFA_MEM_FRAG_TX, 1, 0, 16, 1 } },
	{ "mbz_frag_tx_w5", false, { FFA_MEM_FRAG_TX, 1, 0, 16, 0, 1 } },
	{ "mbz_frag_tx_length_zero", false, { FFA_MEM_FRAG_TX, 1, 0, 0 } },
	{ "mbz_direct_type_without_framework", false,
	  { FFA_MSG_SEND_DIRECT_REQ_32, VM1 << 16 | SP1, 1 } },
	{ "mbz_direct_w2_bit8", false,
	  { FFA_MSG_SEND_DIRECT_REQ_64, VM1 << 16 | SP1, 0x100 } },
	{ "mbz_req2_x1_high", true,
	  { FFA_MSG_SEND_DIRECT_REQ2, UINT64_C(1) << 40 | VM1 << 16 | SP1 } },
};

static void test_mbz_row(void **state)
{
	const struct mbz_case *c = *state;
	struct rheap_ffa_regs r = regs(c->x[0], c->x[1], c->x[2], c->x[3],
				       c->x[4], c->x[5], c->x[6], c->x[7]);
	uint64_t before = 0;

	negotiate(VM1, c->v1_2 ? FFA_VERSION_1_2 : FFA_VERSION_1_1);
	map_mailbox(VM1);
	before = spmc_state_digest(S);
	expect(VM1, &r, FFA_INVALID_PARAMETERS);
	assert_non_null(spmc_abi_last_diag(H)->field);
	assert_int_equal(F.dcalls, 0);
	assert_true(spmc_state_digest(S) == before);
	/* The mailbox survived the refused call. */
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
}

/* ====================================================================== */
/* FFA_PARTITION_INFO_GET.                                                 */

static void uuid_words(const uint8_t *u, uint64_t *w)
{
	for (int i = 0; i < 4; i++) {
		w[i] = le32(u + 4 * i);
	}
}

static void check_info_desc(const uint8_t *d, const struct spmc_abi_partition *p)
{
	assert_int_equal(d[0] | d[1] << 8, p->id);
	assert_int_equal(d[2] | d[3] << 8, 1);
	assert_int_equal(le32(d + 4), p->properties);
	assert_memory_equal(d + 8, p->uuid, 16);
}

static void test_partition_info_all(void **state)
{
	uint8_t *rx = rx_of(VM1);

	(void)state;
	map_mailbox(VM1);
	memset(rx, 0xAA, PAGE); /* stale bytes the reply must wipe */
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	check_info_desc(rx, &parts[0]);
	check_info_desc(rx + 24, &parts[1]);
	for (size_t i = 48; i < PAGE; i++) {
		if (rx[i] != 0) {
			fail_msg("RX byte %zu = 0x%x after the descriptors", i,
				 rx[i]);
		}
	}
	/* TX untouched by an RX-producing call. */
	assert_int_equal(tx_of(VM1)[0], 0);
}

static void test_partition_info_by_uuid(void **state)
{
	uint64_t w[4] = { 0 };
	uint8_t *rx = rx_of(VM1);

	(void)state;
	map_mailbox(VM1);
	memset(rx, 0xAA, PAGE);
	uuid_words(parts[1].uuid, w);
	call(VM1, FFA_PARTITION_INFO_GET, w[0], w[1], w[2], w[3], 0);
	assert_success(1, SPMC_ABI_PARTITION_INFO_SIZE);
	check_info_desc(rx, &parts[1]);
	for (size_t i = 24; i < PAGE; i++) {
		assert_int_equal(rx[i], 0);
	}
}

static void test_partition_info_unknown_uuid(void **state)
{
	uint64_t w[4] = { 0 };
	uint8_t *rx = rx_of(VM1);

	(void)state;
	map_mailbox(VM1);
	memset(rx, 0xAA, PAGE);
	uuid_words(parts[1].uuid, w);
	w[3] ^= 1;
	call(VM1, FFA_PARTITION_INFO_GET, w[0], w[1], w[2], w[3], 0);
	assert_error(FFA_INVALID_PARAMETERS);
	assert_int_equal(rx[0], 0xAA); /* RX untouched, still ours to fill */
	call(VM1, FFA_RX_RELEASE, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
}

static void test_partition_info_count_only(void **state)
{
	uint64_t w[4] = { 0 };

	(void)state;
	/* No mailbox needed, nothing written, RX not taken. */
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 1);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	uuid_words(parts[0].uuid, w);
	call(VM1, FFA_PARTITION_INFO_GET, w[0], w[1], w[2], w[3], 1);
	assert_success(1, SPMC_ABI_PARTITION_INFO_SIZE);
	map_mailbox(VM1);
	memset(rx_of(VM1), 0xAA, PAGE);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 1);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	assert_int_equal(rx_of(VM1)[0], 0xAA);
	call(VM1, FFA_RX_RELEASE, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
}

static void test_partition_info_rx_busy(void **state)
{
	(void)state;
	map_mailbox(VM1);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	memset(rx_of(VM1), 0x5A, PAGE);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_error(FFA_BUSY);
	assert_int_equal(rx_of(VM1)[0], 0x5A); /* not overwritten */
	/* Another endpoint's RX is its own. */
	map_mailbox(VM2);
	call(VM2, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	call(VM1, FFA_RX_RELEASE, 0, 0, 0, 0, 0);
	assert_success(0, 0);
	call(VM1, FFA_RX_RELEASE, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	assert_int_equal(rx_of(VM1)[0], SP1 & 0xFF);
	/* Release naming itself is fine; naming another endpoint is not. */
	call(VM1, FFA_RX_RELEASE, VM2, 0, 0, 0, 0);
	assert_error(FFA_INVALID_PARAMETERS);
	call(VM1, FFA_RX_RELEASE, VM1, 0, 0, 0, 0);
	assert_success(0, 0);
}

static void test_partition_info_no_mailbox(void **state)
{
	(void)state;
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
	call(VM1, FFA_RX_RELEASE, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
}

/* ====================================================================== */
/* FFA_RXTX_MAP / UNMAP.                                                   */

static const struct map_case {
	const char *name;
	uint32_t func;
	uint64_t tx;
	uint64_t rx;
	uint32_t pages;
	int32_t want;
} map_cases[] = {
	{ "map_ok_64", FFA_RXTX_MAP_64, TX1, RX1, 1, 0 },
	{ "map_ok_32", FFA_RXTX_MAP_32, TX1, RX1, 1, 0 },
	{ "map_ok_max_pages", FFA_RXTX_MAP_64, NW_BASE,
	  NW_BASE + SPMC_ABI_RXTX_MAX_PAGES * PAGE, SPMC_ABI_RXTX_MAX_PAGES,
	  0 },
	{ "map_too_many_pages", FFA_RXTX_MAP_64, NW_BASE,
	  NW_BASE + 32 * PAGE, SPMC_ABI_RXTX_MAX_PAGES + 1,
	  FFA_INVALID_PARAMETERS },
	{ "map_same_buffer", FFA_RXTX_MAP_64, TX1, TX1, 1,
	  FFA_INVALID_PARAMETERS },
	{ "map_overlap_rx_inside_tx", FFA_RXTX_MAP_64, TX1, TX1 + PAGE, 2,
	  FFA_INVALID_PARAMETERS },
	{ "map_overlap_tx_inside_rx", FFA_RXTX_MAP_64, RX1 + PAGE, RX1, 2,
	  FFA_INVALID_PARAMETERS },
	{ "map_adjacent_ok", FFA_RXTX_MAP_64, TX1, TX1 + 2 * PAGE, 2, 0 },
	{ "map_wraps", FFA_RXTX_MAP_64, UINT64_C(0xfffffffffffff000), RX1, 2,
	  FFA_INVALID_PARAMETERS },
	{ "map_tx_not_nw_memory", FFA_RXTX_MAP_64, CARVE, RX1, 1, FFA_DENIED },
	{ "map_rx_not_nw_memory", FFA_RXTX_MAP_64, TX1, A, 1, FFA_DENIED },
	{ "map_tail_past_nw_memory", FFA_RXTX_MAP_64,
	  NW_BASE + NW_SIZE - PAGE, RX1, 2, FFA_DENIED },
};

static void test_map_row(void **state)
{
	const struct map_case *c = *state;
	struct rheap_ffa_regs r = regs(c->func, c->tx, c->rx, c->pages, 0, 0,
				       0, 0);

	expect(VM1, &r, c->want);
	if (c->want == 0) {
		/* One pair per endpoint. */
		expect(VM1, &r, FFA_DENIED);
	} else {
		/* A refused map left nothing behind: a good one works. */
		map_mailbox(VM1);
	}
	/* The mailbox works (lands in the right place). */
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	assert_int_equal(nw[(c->want == 0 ? c->rx : RX1) - NW_BASE],
			 SP1 & 0xFF);
}

static void test_map_smc32_masks_upper_halves(void **state)
{
	(void)state;
	call(VM1, FFA_RXTX_MAP_32, UINT64_C(0x500000000) | TX1,
	     UINT64_C(0x700000000) | RX1, 1, 0, 0);
	assert_success(0, 0);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	assert_int_equal(rx_of(VM1)[0], SP1 & 0xFF);
}

static void test_unmap(void **state)
{
	struct desc d = lend_desc(VM1, A, 1);

	(void)state;
	call(VM1, FFA_RXTX_UNMAP, 0, 0, 0, 0, 0);
	assert_error(FFA_INVALID_PARAMETERS); /* nothing mapped */
	map_mailbox(VM1);
	call(VM1, FFA_RXTX_UNMAP, (uint64_t)VM2 << 16, 0, 0, 0, 0);
	assert_error(FFA_INVALID_PARAMETERS); /* not ours to unmap */
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	call(VM1, FFA_RXTX_UNMAP, (uint64_t)VM1 << 16, 0, 0, 0, 0);
	assert_success(0, 0);
	/* Unmapped use. */
	encode(&d, tx_of(VM1), PAGE);
	call(VM1, FFA_MEM_LEND_64, 80, 80, 0, 0, 0);
	assert_error(FFA_DENIED);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
	call(VM1, FFA_RX_RELEASE, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
	call(VM1, FFA_MEM_FRAG_TX, 1, 0, 16, 0, 0);
	assert_error(FFA_DENIED);
	/* Map again, elsewhere; RX ownership starts afresh. */
	call(VM1, FFA_RXTX_MAP_64, TX2 + 4 * PAGE, RX2 + 4 * PAGE, 1, 0, 0);
	assert_success(0, 0);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_success(2, SPMC_ABI_PARTITION_INFO_SIZE);
	assert_int_equal(nw[RX2 + 4 * PAGE - NW_BASE], SP1 & 0xFF);
}

/* ====================================================================== */
/* Memory: SHARE/LEND/DONATE through TX, FRAG_TX, RECLAIM.                 */

static void reclaim(uint16_t ep, uint64_t h, uint32_t flags)
{
	call(ep, FFA_MEM_RECLAIM, h & UINT32_MAX, h >> 32, flags, 0, 0);
}

static void test_lend_reclaim(void **state)
{
	struct spmc_share_info info = { 0 };
	uint64_t h = 0;

	(void)state;
	map_mailbox(VM1);
	h = lend_ok(2);
	assert_true(h >> 32 != 0 || h != 0);
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_int_equal(info.state, SPMC_SHARE_SENT);
	assert_int_equal(info.abi, RHEAP_FFA_ABI_LEND);
	assert_int_equal(info.sender_id, VM1);
	assert_int_equal(info.page_count, 2);
	assert_int_equal(F.prot_pages, 2);
	reclaim(VM1, h, 0);
	assert_success(0, 0);
	assert_int_equal(F.prot_pages, 0);
	assert_int_equal(spmc_share_find(S, h, &info), -ENOENT);
	reclaim(VM1, h, 0); /* stale now */
	assert_error(FFA_INVALID_PARAMETERS);
}

static const struct send_case {
	const char *name;
	uint32_t negotiated;
	uint32_t func;
	enum rheap_ffa_abi abi;
	uint32_t desc_version;
	uint16_t sender;
	uint16_t receiver;
	uint8_t perm;
	uint16_t attributes;
	uint64_t addr;
	int32_t want;
	uint64_t want_prot;
} send_cases[] = {
	{ "send_lend_32", FFA_VERSION_1_1, FFA_MEM_LEND_32, RHEAP_FFA_ABI_LEND,
	  FFA_VERSION_1_1, VM1, SP1, FFA_DATA_ACCESS_RW, 0, A, 0, 1 },
	{ "send_share_64", FFA_VERSION_1_1, FFA_MEM_SHARE_64,
	  RHEAP_FFA_ABI_SHARE, FFA_VERSION_1_1, VM1, SP1, FFA_DATA_ACCESS_RW,
	  FFA_MEM_ATTR_NORMAL_WB_ISH, A, 0, 0 },
	{ "send_share_32_ro", FFA_VERSION_1_1, FFA_MEM_SHARE_32,
	  RHEAP_FFA_ABI_SHARE, FFA_VERSION_1_1, VM1, SP2, FFA_DATA_ACCESS_RO,
	  FFA_MEM_ATTR_NORMAL_WB_ISH, B, 0, 0 },
	{ "send_donate_64", FFA_VERSION_1_1, FFA_MEM_DONATE_64,
	  RHEAP_FFA_ABI_DONATE, FFA_VERSION_1_1, VM1, SP1, 0, 0, A, 0, 1 },
	{ "send_v1_2_layout_from_v1_2", FFA_VERSION_1_2, FFA_MEM_LEND_64,
	  RHEAP_FFA_ABI_LEND, FFA_VERSION_1_2, VM1, SP1, FFA_DATA_ACCESS_RW, 0,
	  A, 0, 1 },
	{ "send_v1_1_layout_from_v1_2", FFA_VERSION_1_2, FFA_MEM_LEND_64,
	  RHEAP_FFA_ABI_LEND, FFA_VERSION_1_1, VM1, SP1, FFA_DATA_ACCESS_RW, 0,
	  A, 0, 1 },
	{ "send_v1_2_layout_from_v1_1", FFA_VERSION_1_1, FFA_MEM_LEND_64,
	  RHEAP_FFA_ABI_LEND, FFA_VERSION_1_2, VM1, SP1, FFA_DATA_ACCESS_RW, 0,
	  A, FFA_INVALID_PARAMETERS, 0 },
	{ "send_sender_spoofed", FFA_VERSION_1_1, FFA_MEM_LEND_64,
	  RHEAP_FFA_ABI_LEND, FFA_VERSION_1_1, VM2, SP1, FFA_DATA_ACCESS_RW, 0,
	  A, FFA_DENIED, 0 },
	{ "send_to_a_vm", FFA_VERSION_1_1, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND,
	  FFA_VERSION_1_1, VM1, VM2, FFA_DATA_ACCESS_RW, 0, A,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "send_carveout_memory", FFA_VERSION_1_1, FFA_MEM_LEND_64,
	  RHEAP_FFA_ABI_LEND, FFA_VERSION_1_1, VM1, SP1, FFA_DATA_ACCESS_RW, 0,
	  CARVE, FFA_DENIED, 0 },
	{ "send_share_without_attributes", FFA_VERSION_1_1, FFA_MEM_SHARE_64,
	  RHEAP_FFA_ABI_SHARE, FFA_VERSION_1_1, VM1, SP1, FFA_DATA_ACCESS_RW,
	  0, A, FFA_INVALID_PARAMETERS, 0 },
};

static void test_send_row(void **state)
{
	const struct send_case *c = *state;
	struct desc d = lend_desc(c->sender, c->addr, 1);
	uint64_t before = 0;
	uint64_t h = 0;

	negotiate(VM1, c->negotiated);
	map_mailbox(VM1);
	d.abi = c->abi;
	d.version = c->desc_version;
	d.receiver = c->receiver;
	d.perm = c->perm;
	d.attributes = c->attributes;
	before = spmc_state_digest(S);
	send_desc(VM1, c->func, &d);
	assert_int_equal(F.prot_pages, c->want_prot);
	if (c->want != 0) {
		assert_error(c->want);
		assert_true(spmc_state_digest(S) == before);
		return;
	}
	h = handle_of_success();
	assert_zero_from(4);
	if (c->abi != RHEAP_FFA_ABI_DONATE) {
		reclaim(VM1, h, 0);
		assert_success(0, 0);
		assert_int_equal(F.prot_pages, 0);
	} else {
		reclaim(VM1, h, 0); /* a donation is never reclaimed */
		assert_error(FFA_INVALID_PARAMETERS);
	}
}

static void test_send_caller_buffer_not_supported(void **state)
{
	struct desc d = lend_desc(VM1, A, 1);
	size_t n = 0;

	(void)state;
	map_mailbox(VM1);
	n = encode(&d, tx_of(VM1), PAGE);
	call(VM1, FFA_MEM_LEND_64, n, n, TX2, 1, 0);
	assert_error(FFA_NOT_SUPPORTED);
	call(VM1, FFA_MEM_SHARE_32, n, n, TX2, 1, 0);
	assert_error(FFA_NOT_SUPPORTED);
	assert_int_equal(F.prot_pages, 0);
}

static void test_send_lengths_against_tx(void **state)
{
	(void)state;
	call(VM1, FFA_MEM_LEND_64, 80, 80, 0, 0, 0);
	assert_error(FFA_DENIED); /* no TX buffer */
	map_mailbox(VM1);
	call(VM1, FFA_MEM_LEND_64, PAGE + 16, PAGE + 16, 0, 0, 0);
	assert_error(FFA_INVALID_PARAMETERS); /* fragment > TX */
	/* A fragment of exactly the TX size is read (and refused as junk). */
	memset(tx_of(VM1), 0xEE, PAGE);
	call(VM1, FFA_MEM_LEND_64, PAGE, PAGE, 0, 0, 0);
	assert_true(Rsp.x[0] == FFA_ERROR);
	/* Total far above what the core accepts: out of memory. */
	memset(tx_of(VM1), 0, PAGE);
	call(VM1, FFA_MEM_LEND_64, 1u << 24, 80, 0, 0, 0);
	assert_error(FFA_NO_MEMORY);
	assert_int_equal(spmc_abi_last_diag(H)->field != NULL, 1);
}

static uint8_t whole[1024];

/* LEND of A, B, C (one page each): 128 bytes, sent as 96 + 32. */
static size_t frag_desc(void)
{
	struct desc d = lend_desc(VM1, A, 1);

	d.nranges = 3;
	d.ranges[1] = (struct rheap_ffa_range){ B, 1 };
	d.ranges[2] = (struct rheap_ffa_range){ C, 1 };
	return encode(&d, whole, sizeof(whole));
}

static uint64_t frag_first(size_t n)
{
	uint64_t h = 0;

	memcpy(tx_of(VM1), whole, 96);
	call(VM1, FFA_MEM_LEND_64, n, 96, 0, 0, 0);
	assert_int_equal(Rsp.x[0], FFA_MEM_FRAG_RX);
	assert_int_equal(Rsp.x[3], 96);
	assert_int_equal(Rsp.x[4], 0);
	assert_zero_from(5);
	h = (Rsp.x[1] & UINT32_MAX) | (Rsp.x[2] & UINT32_MAX) << 32;
	return h;
}

static void frag_tx(uint16_t ep, uint64_t h, uint32_t len, uint64_t w4)
{
	call(ep, FFA_MEM_FRAG_TX, h & UINT32_MAX, h >> 32, len, w4, 0);
}

static void test_fragmented_lend(void **state)
{
	struct spmc_share_info info = { 0 };
	size_t n = frag_desc();
	uint64_t h = 0;

	(void)state;
	assert_int_equal(n, 128);
	map_mailbox(VM1);
	map_mailbox(VM2);
	h = frag_first(n);
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_int_equal(info.state, SPMC_SHARE_SENDING);
	assert_int_equal(F.prot_pages, 0);
	/* The sender rewrites TX with garbage: fragment 1 was copied. */
	memset(tx_of(VM1), 0xC3, PAGE);
	memcpy(tx_of(VM1), whole + 96, 32);
	memcpy(tx_of(VM2), whole + 96, 32);
	frag_tx(VM2, h, 32, 0);
	assert_error(FFA_DENIED); /* not the sender */
	frag_tx(VM1, h + 1, 32, 0);
	assert_error(FFA_INVALID_PARAMETERS); /* unknown handle */
	frag_tx(VM1, h, PAGE + 16, 0);
	assert_error(FFA_INVALID_PARAMETERS); /* longer than TX */
	frag_tx(VM1, h, 32, (uint64_t)VM2 << 16);
	assert_error(FFA_INVALID_PARAMETERS); /* forwarded for someone */
	frag_tx(VM1, h, 32, (uint64_t)VM1 << 16);
	assert_int_equal(handle_of_success(), h);
	assert_zero_from(4);
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_int_equal(info.state, SPMC_SHARE_SENT);
	assert_int_equal(info.page_count, 3);
	assert_int_equal(F.prot_pages, 3);
	assert_int_equal(F.calls[0].base, A);
	assert_int_equal(F.calls[1].base, B);
	assert_int_equal(F.calls[2].base, C);
	frag_tx(VM1, h, 32, 0); /* complete: no more fragments */
	assert_error(FFA_INVALID_PARAMETERS);
	reclaim(VM1, h, 0);
	assert_success(0, 0);
	assert_int_equal(F.prot_pages, 0);
}

static void test_fragmented_lend_aborted_by_reclaim(void **state)
{
	struct spmc_share_info info = { 0 };
	size_t n = frag_desc();
	uint64_t h = 0;

	(void)state;
	map_mailbox(VM1);
	h = frag_first(n);
	reclaim(VM1, h, 0);
	assert_success(0, 0);
	assert_int_equal(spmc_share_find(S, h, &info), -ENOENT);
	frag_tx(VM1, h, 32, 0);
	assert_error(FFA_INVALID_PARAMETERS);
}

static void test_tx_rewritten_after_call(void **state)
{
	struct spmc_share_info info = { 0 };
	unsigned int n = 0;
	uint64_t h = 0;

	(void)state;
	map_mailbox(VM1);
	h = lend_ok(1);
	memset(tx_of(VM1), 0xFF, PAGE);
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_int_equal(info.page_count, 1);
	assert_int_equal(info.sender_id, VM1);
	reclaim(VM1, h, 0);
	assert_success(0, 0);
	n = F.ncalls;
	assert_int_equal(F.calls[n - 1].op, OP_UNPROTECT);
	assert_int_equal(F.calls[n - 1].base, A);
	assert_int_equal(F.calls[n - 1].size, PAGE);
}

/*
 * What a racing sender writes into TX: itself as VM2 (so the core would
 * refuse the sender) and a carve-out as the constituent.
 */
static void scribble_tx(void)
{
	uint8_t *tx = tx_of(VM1);

	tx[0] = (uint8_t)VM2;
	tx[1] = 0;
	/* v1.1 layout: constituent address at 48 + 16 + 16. */
	memcpy(tx + 80, &(uint64_t){ CARVE }, 8);
}

static void test_tx_rewritten_during_core_call(void **state)
{
	struct desc d = lend_desc(VM1, A, 1);
	size_t n = 0;

	(void)state;
	map_mailbox(VM1);
	/* Control: had the core read TX after the rewrite, it would refuse. */
	n = encode(&d, tx_of(VM1), PAGE);
	scribble_tx();
	call(VM1, FFA_MEM_LEND_64, n, n, 0, 0, 0);
	assert_error(FFA_DENIED);
	/* The rewrite now happens inside spmc_send(), before it copies. */
	n = encode(&d, tx_of(VM1), PAGE);
	F.alloc_hook = scribble_tx;
	call(VM1, FFA_MEM_LEND_64, n, n, 0, 0, 0);
	assert_int_equal(F.hook_runs, 1);
	assert_int_equal(tx_of(VM1)[0], (uint8_t)VM2); /* TX did change */
	(void)handle_of_success();
	assert_int_equal(F.prot_pages, 1);
	assert_int_equal(F.calls[F.ncalls - 1].op, OP_PROTECT);
	assert_int_equal(F.calls[F.ncalls - 1].base, A);
}

static uint8_t rbuf[PAGE];

/* SP1 retrieves @h in-process, as the SDP partition does. */
static void sp_retrieve(uint64_t h)
{
	struct rheap_ffa_receiver r = { 0 };
	struct rheap_ffa_mem m = { 0 };
	uint8_t req[256] = { 0 };
	size_t total = 0;
	size_t fl = 0;
	int n = 0;

	r.endpoint_id = SP1;
	r.permissions = FFA_DATA_ACCESS_RW;
	m.abi = RHEAP_FFA_ABI_RETRIEVE_REQ;
	m.version = FFA_VERSION_1_1;
	m.sender_id = VM1;
	m.handle = h;
	m.tag = 0x77;
	m.receiver_count = 1;
	m.receivers = &r;
	m.receiver_cap = 1;
	n = rheap_ffa_mem_encode(&m, req, sizeof(req), NULL);
	assert_true(n > 0);
	assert_int_equal(spmc_retrieve(S, SP1, req, (size_t)n, rbuf,
				       sizeof(rbuf), &total, &fl, NULL),
			 0);
}

static void sp_relinquish(uint64_t h)
{
	uint16_t ep = SP1;
	struct rheap_ffa_relinquish rel = { h, 0, 1, &ep, 1 };
	uint8_t buf[64] = { 0 };
	int n = rheap_ffa_relinquish_encode(&rel, buf, sizeof(buf), NULL);

	assert_true(n > 0);
	assert_int_equal(spmc_relinquish(S, SP1, buf, (size_t)n, NULL), 0);
}

static void test_reclaim_errors(void **state)
{
	uint64_t h = 0;
	unsigned int scrub_at = 0;

	(void)state;
	map_mailbox(VM1);
	h = lend_ok(1);
	reclaim(VM2, h, 0);
	assert_error(FFA_DENIED); /* not the lender */
	reclaim(VM1, h ^ (UINT64_C(1) << 20), 0);
	assert_error(FFA_INVALID_PARAMETERS); /* stale generation */
	sp_retrieve(h);
	reclaim(VM1, h, 0);
	assert_error(FFA_DENIED); /* still borrowed */
	sp_relinquish(h);
	reclaim(VM1, h, FFA_RECLAIM_FLAG_CLEAR);
	assert_success(0, 0);
	/* Scrubbed, then unprotected. */
	assert_int_equal(count_ops(OP_SCRUB), 1);
	for (unsigned int i = 0; i < F.ncalls; i++) {
		if (F.calls[i].op == OP_SCRUB) {
			scrub_at = i;
		}
	}
	assert_int_equal(F.calls[scrub_at + 1].op, OP_UNPROTECT);
	assert_int_equal(F.prot_pages, 0);
}

static void test_platform_errors(void **state)
{
	struct desc d = lend_desc(VM1, A, 1);
	uint64_t before = 0;

	(void)state;
	map_mailbox(VM1);
	before = spmc_state_digest(S);
	F.fail_at = F.ncalls + 1;
	F.fail_rc = -ENOMEM; /* out of TZASC regions */
	send_desc(VM1, FFA_MEM_LEND_64, &d);
	assert_error(FFA_NO_MEMORY);
	F.fail_at = F.ncalls + 1;
	F.fail_rc = -5; /* -EIO: outside the closed set */
	send_desc(VM1, FFA_MEM_LEND_64, &d);
	assert_error(FFA_ABORTED);
	assert_true(spmc_state_digest(S) == before);
	F.fail_at = 0;
	(void)lend_ok(1);
}

static void test_wedged_core_aborted(void **state)
{
	struct desc d = lend_desc(VM1, A, 1);

	(void)state;
	map_mailbox(VM1);
	d.nranges = 2;
	d.ranges[1] = (struct rheap_ffa_range){ B, 1 };
	/* Protect B fails, then undoing A fails: the core wedges. */
	F.fail_at = F.ncalls + 2;
	F.fail_count = 2;
	send_desc(VM1, FFA_MEM_LEND_64, &d);
	assert_true(Rsp.x[0] == FFA_ERROR);
	assert_true(spmc_is_wedged(S));
	F.fail_at = 0;
	d = lend_desc(VM1, C, 1);
	send_desc(VM1, FFA_MEM_LEND_64, &d);
	assert_error(FFA_ABORTED);
	reclaim(VM1, 0x10000, 0);
	assert_error(FFA_ABORTED);
	/* Calls that do not reach the core still work. */
	call(VM1, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_success(VM1, 0);
}

/* ====================================================================== */
/* Direct messages.                                                        */

static void test_direct_req_32(void **state)
{
	struct rheap_ffa_regs r = regs(FFA_MSG_SEND_DIRECT_REQ_32,
				       VM1 << 16 | SP1, 0,
				       UINT64_C(0xabc00000000) | 1, 2, 3, 4,
				       5);

	(void)state;
	r.x[9] = 0x99; /* not part of an SMC32 call */
	call_r(VM1, &r);
	assert_int_equal(Rsp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	assert_int_equal(Rsp.x[1], SP1 << 16 | VM1);
	assert_int_equal(Rsp.x[2], 0);
	for (int i = 3; i <= 7; i++) {
		assert_int_equal(Rsp.x[i], i - 1);
	}
	assert_zero_from(8);
	assert_int_equal(F.dcalls, 1);
	assert_int_equal(F.dsender, VM1);
	assert_int_equal(F.dreceiver, SP1);
	/* The partition got clean registers. */
	assert_int_equal(F.dreq.x[3], 1);
	assert_int_equal(F.dreq.x[9], 0);
}

static void test_direct_req_64(void **state)
{
	struct rheap_ffa_regs r = regs(FFA_MSG_SEND_DIRECT_REQ_64,
				       VM2 << 16 | SP2, 0,
				       UINT64_C(0x1122334455667788), 0, 0, 0,
				       UINT64_C(0xfffffffffffffffe));

	(void)state;
	r.x[8] = 0x42; /* x8..x17 are not DIRECT_REQ_64 arguments */
	call_r(VM2, &r);
	assert_int_equal(Rsp.x[0], FFA_MSG_SEND_DIRECT_RESP_64);
	assert_int_equal(Rsp.x[1], SP2 << 16 | VM2);
	assert_int_equal(Rsp.x[3], UINT64_C(0x1122334455667789));
	assert_int_equal(Rsp.x[7], UINT64_C(0xffffffffffffffff));
	assert_zero_from(8);
	assert_int_equal(F.dreq.x[8], 0);
	assert_int_equal(F.dreceiver, SP2);
}

static const struct direct_case {
	const char *name;
	uint64_t w1;
	uint64_t w2;
	int dmode;
	int32_t want;
	unsigned int want_calls;
} direct_cases[] = {
	{ "direct_sender_spoofed", VM2 << 16 | SP1, 0, D_ECHO,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "direct_sender_is_partition", SP2 << 16 | SP1, 0, D_ECHO,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "direct_receiver_unknown", VM1 << 16 | 0x8009, 0, D_ECHO,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "direct_receiver_vm", VM1 << 16 | VM2, 0, D_ECHO,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "direct_receiver_spmc", VM1 << 16 | SPMC_ID, 0, D_ECHO,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "direct_framework_message", VM1 << 16 | SP1, (1u << 31) | 2, D_ECHO,
	  FFA_INVALID_PARAMETERS, 0 },
	{ "direct_board_enoent", VM1 << 16 | SP1, 0, D_ENOENT,
	  FFA_INVALID_PARAMETERS, 1 },
	{ "direct_resp_ids_not_swapped", VM1 << 16 | SP1, 0, D_WRONG_IDS,
	  FFA_ABORTED, 1 },
	{ "direct_resp_wrong_function", VM1 << 16 | SP1, 0, D_WRONG_FUNC,
	  FFA_ABORTED, 1 },
	{ "direct_resp_error_passed_on", VM1 << 16 | SP1, 0, D_ERROR_REGS,
	  FFA_BUSY, 1 },
	{ "direct_resp_framework_flags", VM1 << 16 | SP1, 0, D_FLAGS,
	  FFA_ABORTED, 1 },
	{ "direct_resp_garbage", VM1 << 16 | SP1, 0, D_GARBAGE, FFA_ABORTED,
	  1 },
};

static void test_direct_row(void **state)
{
	const struct direct_case *c = *state;
	struct rheap_ffa_regs r = regs(FFA_MSG_SEND_DIRECT_REQ_64, c->w1,
				       c->w2, 1, 2, 3, 4, 5);

	F.dmode = c->dmode;
	expect(VM1, &r, c->want);
	assert_int_equal(F.dcalls, c->want_calls);
}

static void test_direct_req2(void **state)
{
	struct rheap_ffa_regs r = { { 0 } };

	(void)state;
	r.x[0] = FFA_MSG_SEND_DIRECT_REQ2;
	r.x[1] = VM1 << 16 | SP1;
	for (int i = 4; i < RHEAP_FFA_REG_COUNT; i++) {
		r.x[i] = (uint64_t)i << 40;
	}
	/* REQ2 at v1.1: nosup_req2_at_v1_1. */
	negotiate(VM1, FFA_VERSION_1_2);
	r.x[2] = le64(parts[0].uuid);
	r.x[3] = le64(parts[0].uuid + 8);
	call_r(VM1, &r);
	assert_int_equal(Rsp.x[0], FFA_MSG_SEND_DIRECT_RESP2);
	assert_int_equal(Rsp.x[1], SP1 << 16 | VM1);
	assert_int_equal(Rsp.x[2], 0);
	assert_int_equal(Rsp.x[3], 0);
	for (int i = 4; i < RHEAP_FFA_REG_COUNT; i++) {
		assert_int_equal(Rsp.x[i], ((uint64_t)i << 40) + 1);
	}
	/* Nil UUID: the default service. */
	r.x[2] = 0;
	r.x[3] = 0;
	call_r(VM1, &r);
	assert_int_equal(Rsp.x[0], FFA_MSG_SEND_DIRECT_RESP2);
	/* SP1's UUID sent to SP2. */
	r.x[1] = VM1 << 16 | SP2;
	r.x[2] = le64(parts[0].uuid);
	r.x[3] = le64(parts[0].uuid + 8);
	expect(VM1, &r, FFA_INVALID_PARAMETERS);
	r.x[1] = VM2 << 16 | SP1;
	expect(VM1, &r, FFA_INVALID_PARAMETERS);
	assert_int_equal(F.dcalls, 2);
}

/* ====================================================================== */
/* Endpoint life cycle and configuration.                                  */

static void test_endpoint_remove_tears_down(void **state)
{
	struct spmc_share_info info = { 0 };
	size_t n = frag_desc();
	uint64_t pending = 0;
	uint64_t h = 0;
	uint32_t v = 0;

	(void)state;
	negotiate(VM1, FFA_VERSION_1_2);
	map_mailbox(VM1);
	h = lend_ok(1);
	pending = frag_first(n);
	spmc_abi_endpoint_remove(H, VM1);
	/* Complete: orphaned, memory stays protected; pending: freed. */
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_true(info.orphaned);
	assert_int_equal(info.state, SPMC_SHARE_SENT);
	assert_int_equal(F.prot_pages, 1);
	assert_int_equal(count_ops(OP_UNPROTECT), 0);
	assert_int_equal(spmc_share_find(S, pending, &info), -ENOENT);
	call(VM1, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED);
	assert_int_equal(spmc_abi_endpoint_version(H, VM1, &v), -ENOENT);
	/* A new VM1 starts afresh and cannot reclaim its predecessor's. */
	assert_int_equal(spmc_abi_endpoint_add(H, VM1), 0);
	assert_int_equal(spmc_abi_endpoint_version(H, VM1, &v), 0);
	assert_int_equal(v, FFA_VERSION_1_1);
	call(VM1, FFA_PARTITION_INFO_GET, 0, 0, 0, 0, 0);
	assert_error(FFA_DENIED); /* no mailbox */
	map_mailbox(VM1);
	reclaim(VM1, h, 0);
	assert_error(FFA_DENIED);
	/* The hypervisor reclaims the orphan, scrubbed first. */
	assert_int_equal(spmc_abi_endpoint_add(H, 0), 0);
	reclaim(0, h, 0);
	assert_success(0, 0);
	assert_int_equal(count_ops(OP_SCRUB), 1);
	assert_int_equal(F.prot_pages, 0);
	spmc_abi_endpoint_remove(H, 0);
	spmc_abi_endpoint_remove(H, VM3); /* never added: no-op */
}

static void test_endpoint_add_errors(void **state)
{
	(void)state;
	assert_int_equal(spmc_abi_endpoint_add(H, SP1), -EINVAL);
	assert_int_equal(spmc_abi_endpoint_add(H, SPMC_ID), -EINVAL);
	assert_int_equal(spmc_abi_endpoint_add(H, 0x0009), -ENOENT);
	assert_int_equal(spmc_abi_endpoint_add(H, VM1), -EBUSY);
	assert_int_equal(spmc_abi_endpoint_add(H, VM3), 0);
	assert_int_equal(spmc_abi_endpoint_add(H, 0), 0);
	assert_int_equal(spmc_abi_endpoint_add(H, 0), -EBUSY);
	call(VM3, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_success(VM3, 0);
}

static void test_create_errors(void **state)
{
	struct spmc_abi_partition many[SPMC_ABI_MAX_PARTITIONS + 1] = {
		{ 0, { 0 }, 0 }
	};
	struct spmc_abi_partition bad[2] = { parts[0], parts[1] };
	struct spmc_abi_ops half = { f_map_mailbox, NULL };
	struct spmc_abi *out = (struct spmc_abi *)&F; /* must stay as is */
	struct spmc_abi_cfg c = abi_cfg();

	(void)state;
	assert_int_equal(spmc_abi_create(NULL, &out), -EINVAL);
	c.spmc = NULL;
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	c = abi_cfg();
	c.ops = &half;
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	c = abi_cfg();
	c.spmc_id = 0x0001;
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	c = abi_cfg();
	c.partitions = NULL;
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	c = abi_cfg();
	for (uint32_t i = 0; i < ARRAY_SIZE(many); i++) {
		many[i].id = (uint16_t)(0x8100 + i);
	}
	c.partitions = many;
	c.partition_count = ARRAY_SIZE(many);
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	c.partition_count = SPMC_ABI_MAX_PARTITIONS; /* exactly full: fine */
	assert_int_equal(spmc_abi_create(&c, &out), 0);
	spmc_abi_destroy(out);
	out = (struct spmc_abi *)&F;
	c = abi_cfg();
	c.partitions = bad;
	bad[1].id = SP1; /* duplicate */
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	bad[1].id = VM2; /* not secure */
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	bad[1].id = SPMC_ID; /* the SPMC itself */
	assert_int_equal(spmc_abi_create(&c, &out), -EINVAL);
	assert_ptr_equal(out, (struct spmc_abi *)&F);
	spmc_abi_destroy(NULL);
}

static void test_handle_null_arguments(void **state)
{
	struct rheap_ffa_regs r = regs(FFA_ID_GET, 0, 0, 0, 0, 0, 0, 0);

	(void)state;
	memset(&Rsp, 0xA5, sizeof(Rsp));
	spmc_abi_handle(H, VM1, NULL, &Rsp);
	assert_error(FFA_INVALID_PARAMETERS);
	memset(&Rsp, 0xA5, sizeof(Rsp));
	spmc_abi_handle(NULL, VM1, &r, &Rsp);
	assert_error(FFA_INVALID_PARAMETERS);
	spmc_abi_handle(H, VM1, &r, NULL); /* nothing to write: no crash */
}

static void test_last_diag(void **state)
{
	(void)state;
	call(VM1, FFA_RXTX_MAP_64, TX1, TX1, 1, 0, 0);
	assert_error(FFA_INVALID_PARAMETERS);
	assert_string_equal(spmc_abi_last_diag(H)->field, "rx_address");
	call(VM1, FFA_ID_GET, 0, 0, 0, 0, 0);
	assert_success(VM1, 0);
	assert_null(spmc_abi_last_diag(H)->field);
}

/* ====================================================================== */
/* errno -> FF-A status.                                                   */

static const struct errno_case {
	const char *name;
	int err;
	int want;
} errno_cases[] = {
	{ "status_ok", 0, FFA_OK },
	{ "status_einval", -EINVAL, FFA_INVALID_PARAMETERS },
	{ "status_enoent", -ENOENT, FFA_INVALID_PARAMETERS },
	{ "status_eoverflow", -EOVERFLOW, FFA_INVALID_PARAMETERS },
	{ "status_eperm", -EPERM, FFA_DENIED },
	{ "status_ebusy", -EBUSY, FFA_DENIED },
	{ "status_enomem", -ENOMEM, FFA_NO_MEMORY },
	{ "status_enospc", -ENOSPC, FFA_NO_MEMORY },
	{ "status_eopnotsupp", -EOPNOTSUPP, FFA_NOT_SUPPORTED },
	{ "status_eio_outside_set", -5, FFA_ABORTED },
	{ "status_positive", 3, FFA_ABORTED },
};

static void test_errno_row(void **state)
{
	const struct errno_case *c = *state;

	assert_int_equal(spmc_abi_status_from_errno(c->err), c->want);
}

/* ====================================================================== */

#define ROW(fn, tbl, i)                                                     \
	{ .name = (tbl)[i].name, .test_func = (fn), .setup_func = setup,    \
	  .teardown_func = teardown, .initial_state = (void *)&(tbl)[i] }

#define ADD_TABLE(fn, tbl)                                                  \
	do {                                                                \
		for (size_t i_ = 0; i_ < ARRAY_SIZE(tbl); i_++) {           \
			add((struct CMUnitTest)ROW(fn, tbl, i_));           \
		}                                                           \
	} while (0)

static struct CMUnitTest tests[256];
static size_t test_count;

static void add(struct CMUnitTest t)
{
	assert_true(test_count < ARRAY_SIZE(tests));
	tests[test_count++] = t;
}

#define FIXED(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest fixed[] = {
		FIXED(test_version_unknown_endpoint_answered),
		FIXED(test_version_locked_after_use),
		FIXED(test_id_get),
		FIXED(test_spm_id_get),
		FIXED(test_smc32_upper_halves_ignored),
		FIXED(test_not_added_denied),
		FIXED(test_partition_info_all),
		FIXED(test_partition_info_by_uuid),
		FIXED(test_partition_info_unknown_uuid),
		FIXED(test_partition_info_count_only),
		FIXED(test_partition_info_rx_busy),
		FIXED(test_partition_info_no_mailbox),
		FIXED(test_map_smc32_masks_upper_halves),
		FIXED(test_unmap),
		FIXED(test_lend_reclaim),
		FIXED(test_send_caller_buffer_not_supported),
		FIXED(test_send_lengths_against_tx),
		FIXED(test_fragmented_lend),
		FIXED(test_fragmented_lend_aborted_by_reclaim),
		FIXED(test_tx_rewritten_after_call),
		FIXED(test_tx_rewritten_during_core_call),
		FIXED(test_reclaim_errors),
		FIXED(test_platform_errors),
		FIXED(test_wedged_core_aborted),
		FIXED(test_direct_req_32),
		FIXED(test_direct_req_64),
		FIXED(test_direct_req2),
		FIXED(test_endpoint_remove_tears_down),
		FIXED(test_endpoint_add_errors),
		FIXED(test_create_errors),
		FIXED(test_handle_null_arguments),
		FIXED(test_last_diag),
	};

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		add(fixed[i]);
	}
	ADD_TABLE(test_version_row, version_cases);
	ADD_TABLE(test_features_row, features_cases);
	ADD_TABLE(test_nosup_row, nosup_cases);
	ADD_TABLE(test_mbz_row, mbz_cases);
	ADD_TABLE(test_map_row, map_cases);
	ADD_TABLE(test_send_row, send_cases);
	ADD_TABLE(test_direct_row, direct_cases);
	ADD_TABLE(test_errno_row, errno_cases);
	return _cmocka_run_group_tests("spmc_abi", tests, test_count, NULL,
				       NULL);
}
