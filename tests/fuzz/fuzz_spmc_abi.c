// SPDX-License-Identifier: BSD-2-Clause
/*
 * Stateful libFuzzer target for the SPMC FF-A ABI handler (src/spmc/abi.c)
 * over the real memory manager core (src/spmc).
 *
 * Each input builds a fresh world (core + handler on a fake platform, the
 * way tests/unit/spmc_abi builds it: NW endpoints 0x0001, 0x0002, 0x0003
 * (configured, never added) and the hypervisor 0x0000; partitions 0x8001
 * and 0x8002; one small DRAM bank whose first NW_PAGES pages are a host
 * buffer used as the normal world's memory for mailboxes) and is then read
 * as a sequence of operations. Each operation starts with two bytes: the
 * caller (index into k_callers) and the kind (% OP_COUNT):
 *   OP_RAW       a register set from the input: w0 from k_funcs unless the
 *                selector byte is >= 0xE0 (then a raw u32), then a count
 *                byte and that many u64 for x1.. (the rest zero)
 *   OP_MAP       FFA_RXTX_MAP of a valid TX/RX pair (slot from the input)
 *   OP_UNMAP     FFA_RXTX_UNMAP or FFA_RX_RELEASE
 *   OP_SEND      a valid descriptor (rheap_ffa_mem_encode: ABI, receivers,
 *                ranges, flags from the input), mutated by up to 3 input
 *                bytes, written to TX and sent whole or as a first fragment
 *   OP_FRAG_TX   the next fragment of the last fragmented descriptor
 *   OP_RAW_TX    input bytes written into TX, then MEM_SHARE/LEND/DONATE
 *                or FRAG_TX with input-derived lengths and handle
 *   OP_RECLAIM   FFA_MEM_RECLAIM of a handle seen earlier (or a mutation)
 *   OP_TEARDOWN  spmc_abi_endpoint_remove + _add of a VM, or
 *                spmc_endpoint_teardown of a partition
 *   OP_RETRIEVE  spmc_retrieve() as a partition, of a handle seen earlier
 *   OP_RELINQ    spmc_relinquish() as a partition
 *   OP_FRAG_RX   spmc_frag_rx() as a partition
 *   OP_FAULT     make one of the next platform calls fail
 * Handles from every reply (FFA_SUCCESS of a send, FFA_MEM_FRAG_RX) are
 * remembered, so later operations reach deep states.
 *
 * Properties (abort() on violation), after EVERY operation:
 *  - spmc_check_invariants() is 0;
 *  - a refused call (FFA_ERROR, or a negative return of an in-process
 *    call) leaves spmc_state_digest() unchanged (unless it wedged the
 *    manager, the one documented exception);
 *  - the fake platform's protected-page count equals
 *    spmc_stats().protected_pages;
 *  - every FFA_ERROR reply has w1 and w3..x17 zero.
 * At the end every partition is torn down and every handle reclaimed as
 * its sender (or the hypervisor, for orphans); only donations may remain,
 * and then the world is destroyed: every core allocation must have been
 * freed (LeakSanitizer checks the rest).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#include "spmc/abi.h"
#include "spmc/spmc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define HYP 0x0000u
#define VM1 0x0001u
#define VM2 0x0002u
#define VM3 0x0003u
#define SP1 0x8001u
#define SP2 0x8002u
#define SPMC_ID 0x8000u

#define PAGE 4096u
#define DRAM_BASE UINT64_C(0x80000000)
#define DRAM_PAGES 128u
#define NW_PAGES 16u  /* host-backed: mailboxes live here */
#define POOL_PAGE 96u /* restricted pool: pages 96..111 */
#define POOL_PAGES 16u
#define CARVE_PAGE 120u /* carve-out: pages 120..127 */
#define CARVE_PAGES 8u

#define MAX_OPS 96u
#define MAX_HANDLES 128u
#define DESC_MAX 2048u

enum op_kind {
	OP_RAW = 0,
	OP_MAP,
	OP_UNMAP,
	OP_SEND,
	OP_FRAG_TX,
	OP_RAW_TX,
	OP_RECLAIM,
	OP_TEARDOWN,
	OP_RETRIEVE,
	OP_RELINQ,
	OP_FRAG_RX,
	OP_FAULT,
	OP_COUNT,
};

/* ------------------------------------------------------------------ */
/* Input reader: past the end every read is 0.                        */

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
/* The world.                                                          */

/*
 * struct world - one input's world; rebuilt for every input
 * @prot_pages: pages protected through the fake platform, not unprotected
 * @live:       core allocations not freed yet
 * @fail_in:    0: no fault; n: the n-th next platform call fails (once)
 */
struct world {
	struct spmc *spmc;
	struct spmc_abi *abi;
	uint64_t prot_pages;
	long live;
	uint32_t fail_in;
	uint64_t handles[MAX_HANDLES];
	uint32_t handle_count;
	/* The last descriptor sent in fragments, and how much went out. */
	uint8_t pending[DESC_MAX];
	size_t pending_len;
	size_t pending_off;
	uint64_t pending_handle;
};

static struct world W;
static uint8_t g_nw[NW_PAGES * PAGE];
static uint8_t g_rx[SPMC_ABI_RXTX_MAX_PAGES * PAGE];

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static int fake_op(bool protect, bool unprotect, uint64_t size)
{
	if (W.fail_in > 0) {
		W.fail_in--;
		if (W.fail_in == 0) {
			return -EBUSY;
		}
	}
	if (protect) {
		W.prot_pages += size / PAGE;
	} else if (unprotect) {
		check(W.prot_pages >= size / PAGE);
		W.prot_pages -= size / PAGE;
	}
	return 0;
}

static int f_protect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	(void)base;
	return fake_op(true, false, size);
}

static int f_unprotect(void *ctx, uint64_t base, uint64_t size)
{
	(void)ctx;
	(void)base;
	return fake_op(false, true, size);
}

static int f_scrub(void *ctx, uint64_t base, uint64_t size)
{
	int rc = fake_op(false, false, size);
	uint64_t nw_end = DRAM_BASE + sizeof(g_nw);

	(void)ctx;
	/* Zero whatever part of the range is host-backed. */
	if (rc == 0 && base < nw_end) {
		uint64_t end = size > nw_end - base ? nw_end : base + size;

		memset(g_nw + (base - DRAM_BASE), 0, (size_t)(end - base));
	}
	return rc;
}

static void *f_alloc(void *ctx, size_t size)
{
	void *p = calloc(1, size);

	(void)ctx;
	if (p) {
		W.live++;
	}
	return p;
}

static void f_free(void *ctx, void *p)
{
	(void)ctx;
	if (p) {
		W.live--;
	}
	free(p);
}

static const struct spmc_plat_ops k_plat_ops = {
	.protect = f_protect,
	.unprotect = f_unprotect,
	.scrub = f_scrub,
	.alloc = f_alloc,
	.free = f_free,
};

static int f_map_mailbox(void *ctx, uint16_t ep, uint64_t pa, uint64_t size,
			 uint8_t **ptr)
{
	(void)ctx;
	if ((ep != VM1 && ep != VM2 && ep != HYP) || pa < DRAM_BASE ||
	    size > sizeof(g_nw) || pa - DRAM_BASE > sizeof(g_nw) - size) {
		return -EPERM;
	}
	*ptr = g_nw + (pa - DRAM_BASE);
	return 0;
}

/* The partitions echo: payload + 1, IDs swapped, same width. */
static int f_direct_req(void *ctx, uint16_t sender, uint16_t receiver,
			const struct rheap_ffa_regs *req,
			struct rheap_ffa_regs *resp)
{
	uint32_t func = (uint32_t)req->x[0];
	bool two = func == FFA_MSG_SEND_DIRECT_REQ2;

	(void)ctx;
	memset(resp, 0, sizeof(*resp));
	resp->x[0] = two ? FFA_MSG_SEND_DIRECT_RESP2
		     : func == FFA_MSG_SEND_DIRECT_REQ_32
			 ? FFA_MSG_SEND_DIRECT_RESP_32
			 : FFA_MSG_SEND_DIRECT_RESP_64;
	resp->x[1] = (uint64_t)receiver << 16 | sender;
	for (int i = two ? 4 : 3; i <= (two ? 17 : 7); i++) {
		resp->x[i] = req->x[i] + 1;
		if (func == FFA_MSG_SEND_DIRECT_REQ_32) {
			resp->x[i] &= UINT32_MAX;
		}
	}
	return 0;
}

static const struct spmc_abi_ops k_board_ops = {
	.map_mailbox = f_map_mailbox,
	.direct_req = f_direct_req,
};

static const struct spmc_abi_partition k_parts[] = {
	{ SP1,
	  { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
	    0x1b, 0x1c, 0x1d, 0x1e, 0x1f },
	  0x1 },
	{ SP2,
	  { 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a,
	    0x2b, 0x2c, 0x2d, 0x2e, 0x2f },
	  0x3 },
};

static void world_create(void)
{
	struct spmc_cfg cfg = { 0 };
	struct spmc_abi_cfg acfg = { 0 };

	memset(&W, 0, sizeof(W));
	memset(g_nw, 0, sizeof(g_nw));
	cfg.ops = &k_plat_ops;
	cfg.endpoint_count = 5;
	cfg.endpoints[0] = VM1;
	cfg.endpoints[1] = VM2;
	cfg.endpoints[2] = VM3;
	cfg.endpoints[3] = SP1;
	cfg.endpoints[4] = SP2;
	cfg.dram_count = 1;
	cfg.dram[0] = (struct spmc_range){ DRAM_BASE, DRAM_PAGES * PAGE };
	cfg.carveout_count = 1;
	cfg.carveouts[0] = (struct spmc_range){ DRAM_BASE + CARVE_PAGE * PAGE,
						CARVE_PAGES * PAGE };
	cfg.pool_count = 1;
	cfg.pools[0] = (struct spmc_range){ DRAM_BASE + POOL_PAGE * PAGE,
					    POOL_PAGES * PAGE };
	cfg.limits.max_shares = 16;
	cfg.limits.max_shares_per_endpoint = 12;
	cfg.limits.max_fragments = 4;
	cfg.limits.max_ranges = 16;
	cfg.limits.max_total_ranges = 64;
	check(spmc_create(&cfg, &W.spmc, NULL) == 0);
	acfg.spmc = W.spmc;
	acfg.ops = &k_board_ops;
	acfg.partitions = k_parts;
	acfg.partition_count = ARRAY_SIZE(k_parts);
	acfg.spmc_id = SPMC_ID;
	check(spmc_abi_create(&acfg, &W.abi) == 0);
	check(spmc_abi_endpoint_add(W.abi, VM1) == 0);
	check(spmc_abi_endpoint_add(W.abi, VM2) == 0);
	check(spmc_abi_endpoint_add(W.abi, HYP) == 0);
}

/* ------------------------------------------------------------------ */
/* Checks.                                                             */

static void check_world(void)
{
	struct spmc_stats st = { 0 };

	check(spmc_check_invariants(W.spmc, NULL) == 0);
	spmc_stats(W.spmc, &st);
	if (!spmc_is_wedged(W.spmc)) {
		check(st.protected_pages == W.prot_pages);
	}
}

static void check_refusal(int rc, uint64_t before)
{
	if (rc < 0 && !spmc_is_wedged(W.spmc)) {
		check(spmc_state_digest(W.spmc) == before);
	}
}

static void remember(uint64_t h)
{
	for (uint32_t i = 0; i < W.handle_count; i++) {
		if (W.handles[i] == h) {
			return;
		}
	}
	if (W.handle_count < MAX_HANDLES) {
		W.handles[W.handle_count++] = h;
	}
}

static uint64_t pick_handle(struct reader *r)
{
	uint8_t sel = rd8(r);
	uint64_t h = 0;

	if (W.handle_count == 0) {
		return sel < 0x80 ? 0 : rd64(r);
	}
	h = W.handles[sel % W.handle_count];
	switch (sel >> 5) {
	case 6:
		h ^= UINT64_C(1) << (rd8(r) % 64); /* stale or foreign */
		break;
	case 7:
		h = rd64(r);
		break;
	default:
		break;
	}
	return h;
}

static bool is_send(uint32_t f)
{
	return f == FFA_MEM_SHARE_32 || f == FFA_MEM_SHARE_64 ||
	       f == FFA_MEM_LEND_32 || f == FFA_MEM_LEND_64 ||
	       f == FFA_MEM_DONATE_32 || f == FFA_MEM_DONATE_64 ||
	       f == FFA_MEM_FRAG_TX;
}

/* One call through the handler, with every check of the header. */
static void call(uint16_t caller, const struct rheap_ffa_regs *req,
		 struct rheap_ffa_regs *resp)
{
	uint64_t before = spmc_state_digest(W.spmc);
	uint32_t func = (uint32_t)req->x[0];

	memset(resp, 0xA5, sizeof(*resp));
	spmc_abi_handle(W.abi, caller, req, resp);
	if (resp->x[0] == FFA_ERROR) {
		check(resp->x[1] == 0);
		for (int i = 3; i < RHEAP_FFA_REG_COUNT; i++) {
			check(resp->x[i] == 0);
		}
		check_refusal(-1, before);
	} else if (resp->x[0] == FFA_SUCCESS_32 && is_send(func)) {
		remember((resp->x[2] & UINT32_MAX) | (resp->x[3] & UINT32_MAX)
							 << 32);
	} else if (resp->x[0] == FFA_MEM_FRAG_RX && is_send(func)) {
		uint64_t h =
		    (resp->x[1] & UINT32_MAX) | (resp->x[2] & UINT32_MAX) << 32;

		remember(h);
		W.pending_handle = h;
	}
	check_world();
}

/* ------------------------------------------------------------------ */
/* Operations.                                                         */

static const uint16_t k_callers[] = { VM1, VM2, VM1, VM2, VM1, HYP, VM3, SP1 };

static const uint32_t k_funcs[] = {
	FFA_ERROR,
	FFA_SUCCESS_32,
	FFA_SUCCESS_64,
	FFA_INTERRUPT,
	FFA_VERSION,
	FFA_FEATURES,
	FFA_RX_RELEASE,
	FFA_RXTX_MAP_32,
	FFA_RXTX_MAP_64,
	FFA_RXTX_UNMAP,
	FFA_PARTITION_INFO_GET,
	FFA_ID_GET,
	FFA_MSG_WAIT,
	FFA_YIELD,
	FFA_RUN,
	FFA_MSG_SEND_DIRECT_REQ_32,
	FFA_MSG_SEND_DIRECT_REQ_64,
	FFA_MSG_SEND_DIRECT_RESP_32,
	FFA_MSG_SEND_DIRECT_RESP_64,
	FFA_MEM_DONATE_32,
	FFA_MEM_DONATE_64,
	FFA_MEM_LEND_32,
	FFA_MEM_LEND_64,
	FFA_MEM_SHARE_32,
	FFA_MEM_SHARE_64,
	FFA_MEM_RETRIEVE_REQ_32,
	FFA_MEM_RETRIEVE_REQ_64,
	FFA_MEM_RETRIEVE_RESP,
	FFA_MEM_RELINQUISH,
	FFA_MEM_RECLAIM,
	FFA_MEM_FRAG_RX,
	FFA_MEM_FRAG_TX,
	FFA_SPM_ID_GET,
	FFA_MSG_SEND_DIRECT_REQ2,
	FFA_MSG_SEND_DIRECT_RESP2,
};

static const uint32_t k_send_funcs[] = {
	FFA_MEM_SHARE_32, FFA_MEM_SHARE_64,  FFA_MEM_LEND_32,
	FFA_MEM_LEND_64,  FFA_MEM_DONATE_32, FFA_MEM_DONATE_64,
};

/* TX of mailbox slot n is page 2n of the NW buffer, RX page 2n + 1. */
static uint64_t tx_pa(uint16_t caller)
{
	return DRAM_BASE + (caller == VM2   ? 4u
			    : caller == HYP ? 8u
					    : 0u) *
			       PAGE;
}

static uint8_t *tx_ptr(uint16_t caller)
{
	return g_nw + (tx_pa(caller) - DRAM_BASE);
}

static void op_raw(struct reader *r, uint16_t caller)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint8_t sel = rd8(r);
	uint8_t count = 0;

	req.x[0] = sel < 0xE0 ? k_funcs[sel % ARRAY_SIZE(k_funcs)] : rd32(r);
	count = rd8(r) % RHEAP_FFA_REG_COUNT;
	for (uint8_t i = 1; i <= count; i++) {
		req.x[i] = rd64(r);
	}
	call(caller, &req, &resp);
}

static void op_map(struct reader *r, uint16_t caller)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint8_t sel = rd8(r);
	uint64_t tx = tx_pa(caller);

	/* Mostly the caller's own slot; sometimes any page pair. */
	if (sel >= 0xC0) {
		tx = DRAM_BASE + (uint64_t)(sel % NW_PAGES) * PAGE;
	}
	req.x[0] = sel & 1 ? FFA_RXTX_MAP_32 : FFA_RXTX_MAP_64;
	req.x[1] = tx;
	req.x[2] = tx + PAGE * (1u + (sel >> 1 & 1));
	req.x[3] = 1u + (sel >> 1 & 1);
	call(caller, &req, &resp);
}

static void op_unmap(struct reader *r, uint16_t caller)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint8_t sel = rd8(r);

	if (sel & 1) {
		req.x[0] = FFA_RXTX_UNMAP;
		req.x[1] = sel & 2 ? (uint64_t)caller << 16 : 0;
	} else {
		req.x[0] = FFA_RX_RELEASE;
	}
	call(caller, &req, &resp);
}

/* Encodes a valid descriptor from the input into @buf; returns its size. */
static size_t build_desc(struct reader *r, uint16_t caller, uint8_t *buf,
			 size_t cap, uint32_t *func)
{
	static const uint16_t rcv_ids[] = { SP1, SP2, SP1, VM2 };
	struct rheap_ffa_receiver rcv[2] = { { 0 } };
	struct rheap_ffa_range ranges[4] = { { 0 } };
	struct rheap_ffa_mem m = { 0 };
	uint8_t shape = rd8(r);
	uint8_t flags = rd8(r);
	int n = 0;

	*func = k_send_funcs[(shape & 7) % ARRAY_SIZE(k_send_funcs)];
	m.abi = (*func & 0xFF) == 0x73	 ? RHEAP_FFA_ABI_SHARE
		: (*func & 0xFF) == 0x72 ? RHEAP_FFA_ABI_LEND
					 : RHEAP_FFA_ABI_DONATE;
	m.version = flags & 0x80 ? FFA_VERSION_1_2 : FFA_VERSION_1_1;
	m.sender_id = flags & 0x40 ? VM2 : caller;
	m.flags = flags & 0x3;
	m.tag = rd8(r);
	m.receiver_count = 1u + (shape >> 3 & 1);
	for (uint32_t i = 0; i < m.receiver_count; i++) {
		rcv[i].endpoint_id = rcv_ids[((shape >> 4) + i) & 3];
		rcv[i].permissions = m.abi == RHEAP_FFA_ABI_DONATE
					 ? 0
					 : (flags & 0x20 ? FFA_DATA_ACCESS_RO
							 : FFA_DATA_ACCESS_RW);
	}
	if (m.abi == RHEAP_FFA_ABI_SHARE || m.receiver_count > 1) {
		m.attributes = FFA_MEM_ATTR_NORMAL_WB_ISH;
	}
	m.receivers = rcv;
	m.receiver_cap = ARRAY_SIZE(rcv);
	m.range_count = 1u + (shape >> 6);
	for (uint32_t i = 0; i < m.range_count; i++) {
		uint8_t page = rd8(r);
		uint8_t len = rd8(r);

		ranges[i].address =
		    DRAM_BASE + (uint64_t)(page % (DRAM_PAGES + 8)) * PAGE;
		ranges[i].page_count = 1u + len % 8;
		m.total_page_count += ranges[i].page_count;
	}
	m.ranges = ranges;
	m.range_cap = ARRAY_SIZE(ranges);
	n = rheap_ffa_mem_encode(&m, buf, cap, NULL);
	return n > 0 ? (size_t)n : 0;
}

static void op_send(struct reader *r, uint16_t caller)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint32_t func = 0;
	size_t len = build_desc(r, caller, W.pending, sizeof(W.pending), &func);
	uint8_t mut = rd8(r);
	size_t first = len;

	if (len == 0) {
		return;
	}
	for (uint8_t i = 0; i < mut % 4; i++) {
		uint16_t at = rd16(r);

		W.pending[at % len] ^= rd8(r);
	}
	/* Split in fragments of at most 48..(48 + 16 * 15) bytes. */
	if (mut & 0x80) {
		size_t max = 48u + 16u * (mut >> 2 & 0xF);

		if (rheap_ffa_frag_first_size(W.pending, len, max, &first) !=
		    0) {
			first = len < max ? len : max;
		}
	}
	memcpy(tx_ptr(caller), W.pending, first);
	W.pending_len = len;
	W.pending_off = first;
	W.pending_handle = 0;
	req.x[0] = func;
	req.x[1] = len;
	req.x[2] = first;
	call(caller, &req, &resp);
}

static void op_frag_tx(struct reader *r, uint16_t caller)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint8_t sel = rd8(r);
	size_t n = 16u * (1u + (sel & 0x1F));
	uint64_t h = W.pending_handle;

	if (W.pending_off >= W.pending_len) {
		return;
	}
	if (n > W.pending_len - W.pending_off) {
		n = W.pending_len - W.pending_off;
	}
	if (sel & 0x80) {
		h = pick_handle(r);
	}
	memcpy(tx_ptr(caller), W.pending + W.pending_off, n);
	req.x[0] = FFA_MEM_FRAG_TX;
	req.x[1] = h & UINT32_MAX;
	req.x[2] = h >> 32;
	req.x[3] = sel & 0x40 ? n + 16u : n;
	call(caller, &req, &resp);
	if (resp.x[0] != FFA_ERROR) {
		W.pending_off += n;
	}
}

static void op_raw_tx(struct reader *r, uint16_t caller)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint8_t sel = rd8(r);
	uint16_t n = rd16(r) % (PAGE + 64);
	uint8_t *tx = tx_ptr(caller);

	for (uint16_t i = 0; i < n && i < PAGE; i++) {
		tx[i] = rd8(r);
	}
	if (sel % 8 < 6) {
		req.x[0] = k_send_funcs[sel % 8];
		req.x[1] = sel & 0x80 ? rd32(r) : n;
		req.x[2] = sel & 0x40 ? rd32(r) : n;
	} else {
		uint64_t h = pick_handle(r);

		req.x[0] = FFA_MEM_FRAG_TX;
		req.x[1] = h & UINT32_MAX;
		req.x[2] = h >> 32;
		req.x[3] = sel & 0x40 ? rd32(r) : n;
	}
	call(caller, &req, &resp);
}

static void op_reclaim(struct reader *r, uint16_t caller)
{
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs resp = { { 0 } };
	uint64_t h = pick_handle(r);
	uint8_t flags = rd8(r);

	req.x[0] = FFA_MEM_RECLAIM;
	req.x[1] = h & UINT32_MAX;
	req.x[2] = h >> 32;
	req.x[3] = flags < 0xF0 ? flags & 1 : flags;
	call(caller, &req, &resp);
}

static void op_teardown(struct reader *r, uint16_t caller)
{
	uint8_t sel = rd8(r);

	if (sel & 1) {
		check(spmc_endpoint_teardown(W.spmc, sel & 2 ? SP2 : SP1) == 0);
	} else if (caller != SP1) {
		spmc_abi_endpoint_remove(W.abi, caller);
		check_world();
		/* VM3 and strangers are refused; the rest come back. */
		(void)spmc_abi_endpoint_add(W.abi, caller);
	}
	check_world();
}

static uint16_t pick_sp(uint8_t sel)
{
	return sel & 1 ? SP2 : SP1;
}

static void op_retrieve(struct reader *r)
{
	struct rheap_ffa_receiver rcv = { 0 };
	struct rheap_ffa_mem m = { 0 };
	struct spmc_share_info info = { 0 };
	uint8_t req[512] = { 0 };
	uint8_t sel = rd8(r);
	uint8_t mut = rd8(r);
	uint16_t sp = pick_sp(sel);
	uint64_t before = 0;
	size_t total = 0;
	size_t fl = 0;
	size_t cap = sel & 0x80 ? 64u + rd8(r) : sizeof(g_rx);
	int n = 0;
	int rc = 0;

	m.handle = pick_handle(r);
	m.abi = RHEAP_FFA_ABI_RETRIEVE_REQ;
	m.version = FFA_VERSION_1_1;
	m.sender_id = VM1;
	m.tag = 0;
	if (spmc_share_find(W.spmc, m.handle, &info) == 0) {
		m.sender_id = info.sender_id;
		m.flags = (uint32_t)(info.abi - RHEAP_FFA_ABI_SHARE + 1)
			  << FFA_MEM_FLAG_TYPE_SHIFT;
		if (info.abi == RHEAP_FFA_ABI_SHARE ||
		    info.receiver_count > 1) {
			m.attributes = FFA_MEM_ATTR_NORMAL_WB_ISH;
		}
	}
	m.flags |= sel & 0x6 ? 0 : FFA_MEM_FLAG_CLEAR_RELINQUISH;
	rcv.endpoint_id = sp;
	rcv.permissions = sel & 0x8 ? FFA_DATA_ACCESS_RO : FFA_DATA_ACCESS_RW;
	if (info.abi == RHEAP_FFA_ABI_DONATE) {
		rcv.permissions = 0;
	}
	m.receiver_count = 1;
	m.receivers = &rcv;
	m.receiver_cap = 1;
	n = rheap_ffa_mem_encode(&m, req, sizeof(req), NULL);
	if (n <= 0) {
		return;
	}
	for (uint8_t i = 0; i < mut % 4; i++) {
		uint8_t at = rd8(r);

		req[at % n] ^= rd8(r);
	}
	if (cap > sizeof(g_rx)) {
		cap = sizeof(g_rx);
	}
	before = spmc_state_digest(W.spmc);
	rc = spmc_retrieve(W.spmc, sp, req, (size_t)n, g_rx, cap, &total, &fl,
			   NULL);
	if (rc == 0) {
		check(fl <= cap && fl <= total);
	}
	check_refusal(rc, before);
	check_world();
}

static void op_relinquish(struct reader *r)
{
	uint8_t sel = rd8(r);
	uint16_t sp = pick_sp(sel);
	uint16_t ep = sel & 0x10 ? pick_sp(sel >> 1) : sp;
	struct rheap_ffa_relinquish rel = { 0, 0, 1, &ep, 1 };
	uint8_t buf[64] = { 0 };
	uint64_t before = 0;
	int n = 0;
	int rc = 0;

	rel.handle = pick_handle(r);
	rel.flags = sel & 0x20 ? FFA_MEM_FLAG_CLEAR : 0;
	if (sel & 0x40) {
		rel.flags = rd32(r);
	}
	n = rheap_ffa_relinquish_encode(&rel, buf, sizeof(buf), NULL);
	if (n <= 0) {
		return;
	}
	before = spmc_state_digest(W.spmc);
	rc = spmc_relinquish(W.spmc, sp, buf, (size_t)n, NULL);
	check_refusal(rc, before);
	check_world();
}

static void op_frag_rx(struct reader *r)
{
	uint8_t sel = rd8(r);
	uint16_t sp = pick_sp(sel);
	uint64_t h = pick_handle(r);
	size_t off = rd16(r);
	size_t cap = 16u + rd8(r) * 16u;
	size_t fl = 0;
	uint64_t before = spmc_state_digest(W.spmc);
	int rc = spmc_frag_rx(W.spmc, sp, h, off, g_rx, cap, &fl, NULL);

	if (rc == 0) {
		check(fl <= cap);
	}
	check_refusal(rc, before);
	check_world();
}

/* ------------------------------------------------------------------ */
/* End of input: give everything back, then destroy.                   */

static void reclaim_all(void)
{
	struct spmc_stats st = { 0 };
	uint32_t donated = 0;

	W.fail_in = 0;
	check(spmc_endpoint_teardown(W.spmc, SP1) == 0);
	check(spmc_endpoint_teardown(W.spmc, SP2) == 0);
	check_world();
	for (uint32_t i = 0; i < W.handle_count; i++) {
		struct spmc_share_info info = { 0 };
		int rc = 0;

		if (spmc_share_find(W.spmc, W.handles[i], &info) != 0) {
			continue;
		}
		if (info.abi == RHEAP_FFA_ABI_DONATE &&
		    info.state != SPMC_SHARE_SENDING) {
			donated++;
			continue;
		}
		rc = spmc_reclaim(W.spmc, info.orphaned ? HYP : info.sender_id,
				  W.handles[i], 0, NULL);
		if (!spmc_is_wedged(W.spmc)) {
			check(rc == 0);
		}
		check_world();
	}
	spmc_stats(W.spmc, &st);
	if (!spmc_is_wedged(W.spmc)) {
		/* Every live transaction was reported to its sender. */
		check(st.live_shares == donated);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };

	world_create();
	check_world();
	for (uint32_t ops = 0; r.n > 0 && ops < MAX_OPS; ops++) {
		uint16_t caller = k_callers[rd8(&r) % ARRAY_SIZE(k_callers)];

		switch (rd8(&r) % OP_COUNT) {
		case OP_RAW:
			op_raw(&r, caller);
			break;
		case OP_MAP:
			op_map(&r, caller);
			break;
		case OP_UNMAP:
			op_unmap(&r, caller);
			break;
		case OP_SEND:
			op_send(&r, caller);
			break;
		case OP_FRAG_TX:
			op_frag_tx(&r, caller);
			break;
		case OP_RAW_TX:
			op_raw_tx(&r, caller);
			break;
		case OP_RECLAIM:
			op_reclaim(&r, caller);
			break;
		case OP_TEARDOWN:
			op_teardown(&r, caller);
			break;
		case OP_RETRIEVE:
			op_retrieve(&r);
			break;
		case OP_RELINQ:
			op_relinquish(&r);
			break;
		case OP_FRAG_RX:
			op_frag_rx(&r);
			break;
		default:
			W.fail_in = 1u + rd8(&r) % 4;
			break;
		}
	}
	reclaim_all();
	spmc_abi_destroy(W.abi);
	spmc_destroy(W.spmc);
	check(W.live == 0);
	return 0;
}
