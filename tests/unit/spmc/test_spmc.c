// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the SPMC memory manager core (src/spmc).
 *
 * Every call goes through a wrapper that takes the state digest before the
 * call, asserts it is unchanged when the call is refused (R6), and runs
 * spmc_check_invariants() plus a comparison of the manager's protected-page
 * count with what the fake platform recorded, after every call.
 *
 * The fake platform records each protect/unprotect/scrub call in order (so
 * tests can assert "scrub before unprotect"), keeps the set of protected
 * ranges, and can fail its Nth call; the fake allocator counts live blocks
 * and can fail its Nth allocation. LeakSanitizer in the ASan build checks
 * the rest.
 *
 * Sequences of send/retrieve/relinquish/reclaim/frag_tx are generated
 * exhaustively and checked against a small reference model.
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

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>

#include "spmc/spmc.h"

#define VM1 0x0001u
#define VM2 0x0002u
#define VM3 0x0003u
#define SP1 0x8001u
#define SP2 0x8002u
#define SP3 0x8003u
#define SP4 0x8004u
#define HYP 0x0000u

#define PAGE 4096u
#define DRAM0 UINT64_C(0x80000000)
#define DRAM0_SIZE UINT64_C(0x40000000)
#define DRAM1 UINT64_C(0x100000000)
#define DRAM1_SIZE UINT64_C(0x10000000)
#define CARVE UINT64_C(0x8e000000)
#define CARVE_SIZE UINT64_C(0x01000000)
#define POOL UINT64_C(0x90000000)
#define POOL_SIZE UINT64_C(0x04000000)
#define A UINT64_C(0x81000000) /* ordinary NW memory */
#define B UINT64_C(0x82000000)
#define C UINT64_C(0x83000000)

#define BUF_MAX (64 * 1024)
#define WB FFA_MEM_ATTR_NORMAL_WB_ISH

/* ---------------------------------------------------------------------- */
/* Fake platform.                                                          */

enum fop { OP_PROTECT, OP_UNPROTECT, OP_SCRUB };

struct fcall {
	enum fop op;
	uint64_t base;
	uint64_t size;
	int rc;
};

#define MAX_CALLS 4096
#define MAX_PROT 512

struct fake {
	struct fcall calls[MAX_CALLS];
	unsigned int ncalls;
	unsigned int fail_at;   /* 1-based op call that fails; 0 = none */
	unsigned int fail_count; /* how many consecutive calls fail */
	int fail_rc;
	struct { uint64_t base, size; } prot[MAX_PROT];
	unsigned int nprot;
	uint64_t prot_pages;
	bool bad_unprotect; /* unprotect of something never protected */
	/* allocator */
	unsigned long allocs;
	unsigned long alloc_fail_at; /* 1-based; 0 = never */
	long live;
};

static struct fake F;

static int fake_op(enum fop op, uint64_t base, uint64_t size)
{
	unsigned int n = ++F.ncalls;
	int rc = 0;

	if (F.fail_at && n >= F.fail_at &&
	    n < F.fail_at + (F.fail_count ? F.fail_count : 1)) {
		rc = F.fail_rc ? F.fail_rc : -ENOMEM;
	}
	if (n <= MAX_CALLS) {
		F.calls[n - 1] = (struct fcall){ op, base, size, rc };
	}
	if (rc) {
		return rc;
	}
	if (op == OP_PROTECT) {
		assert_true(F.nprot < MAX_PROT);
		F.prot[F.nprot].base = base;
		F.prot[F.nprot].size = size;
		F.nprot++;
		F.prot_pages += size / PAGE;
	} else if (op == OP_UNPROTECT) {
		unsigned int i = 0;

		while (i < F.nprot &&
		       !(F.prot[i].base == base && F.prot[i].size == size)) {
			i++;
		}
		if (i == F.nprot) {
			F.bad_unprotect = true;
			return 0;
		}
		F.prot[i] = F.prot[F.nprot - 1];
		F.nprot--;
		F.prot_pages -= size / PAGE;
	}
	return 0;
}

static int f_protect(void *ctx, uint64_t base, uint64_t size)
{
	assert_ptr_equal(ctx, &F);
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
	(void)ctx;
	F.allocs++;
	if (F.alloc_fail_at && F.allocs == F.alloc_fail_at) {
		return NULL;
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

static const struct spmc_plat_ops fake_ops = {
	.protect = f_protect,
	.unprotect = f_unprotect,
	.scrub = f_scrub,
	.alloc = f_alloc,
	.free = f_free,
};

/* Fail the n-th platform call counted from now (1 = the next one). */
static void fail_op_in(unsigned int n, unsigned int count)
{
	F.fail_at = F.ncalls + n;
	F.fail_count = count;
}

static void fail_alloc_in(unsigned long n)
{
	F.alloc_fail_at = F.allocs + n;
}

static void no_faults(void)
{
	F.fail_at = 0;
	F.fail_count = 0;
	F.alloc_fail_at = 0;
}

static unsigned int count_ops(enum fop op, unsigned int from)
{
	unsigned int n = 0;

	for (unsigned int i = from; i < F.ncalls && i < MAX_CALLS; i++) {
		n += F.calls[i].op == op && F.calls[i].rc == 0;
	}
	return n;
}

/*
 * The platform calls made since @mark are exactly @want[0..@n), in order
 * (operation, base, size and result).
 */
static void expect_calls(unsigned int mark, const struct fcall *want,
			 unsigned int n)
{
	assert_int_equal(F.ncalls - mark, n);
	for (unsigned int i = 0; i < n; i++) {
		const struct fcall *got = &F.calls[mark + i];

		if (got->op != want[i].op || got->base != want[i].base ||
		    got->size != want[i].size || got->rc != want[i].rc) {
			fail_msg("call %u: got op %d 0x%llx+0x%llx rc %d, want "
				 "op %d 0x%llx+0x%llx rc %d",
				 i, got->op, (unsigned long long)got->base,
				 (unsigned long long)got->size, got->rc,
				 want[i].op, (unsigned long long)want[i].base,
				 (unsigned long long)want[i].size, want[i].rc);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Manager under test, and the checking wrapper.                           */

static struct spmc_cfg base_cfg(void)
{
	struct spmc_cfg cfg = { 0 };

	cfg.ops = &fake_ops;
	cfg.ops_ctx = &F;
	cfg.endpoint_count = 7;
	cfg.endpoints[0] = VM1;
	cfg.endpoints[1] = VM2;
	cfg.endpoints[2] = VM3;
	cfg.endpoints[3] = SP1;
	cfg.endpoints[4] = SP2;
	cfg.endpoints[5] = SP3;
	cfg.endpoints[6] = SP4;
	cfg.dram_count = 2;
	cfg.dram[0] = (struct spmc_range){ DRAM0, DRAM0_SIZE };
	cfg.dram[1] = (struct spmc_range){ DRAM1, DRAM1_SIZE };
	cfg.carveout_count = 1;
	cfg.carveouts[0] = (struct spmc_range){ CARVE, CARVE_SIZE };
	cfg.pool_count = 1;
	cfg.pools[0] = (struct spmc_range){ POOL, POOL_SIZE };
	cfg.limits.max_shares = 64;
	cfg.limits.max_shares_per_endpoint = 0;
	cfg.limits.max_fragments = 8;
	cfg.limits.max_ranges = 256;
	cfg.limits.max_total_ranges = 1024;
	return cfg;
}

static struct spmc *S;

static void check_all(void)
{
	struct rheap_diag d = { 0 };
	struct spmc_stats st = { 0 };
	int rc = spmc_check_invariants(S, &d);

	if (rc) {
		fail_msg("invariant broken: %s %s value 0x%llx", d.field,
			 d.reason, (unsigned long long)d.value);
	}
	spmc_stats(S, &st);
	/* A wedged manager knows the hardware no longer matches it. */
	if (!spmc_is_wedged(S)) {
		assert_int_equal(st.protected_pages, F.prot_pages);
		assert_false(F.bad_unprotect);
	}
}

static void open_with(const struct spmc_cfg *cfg)
{
	memset(&F, 0, sizeof(F));
	assert_int_equal(spmc_create(cfg, &S, NULL), 0);
	check_all();
}

static void open_default(void)
{
	struct spmc_cfg cfg = base_cfg();

	open_with(&cfg);
}

static uint32_t spmc_stats_live(void)
{
	struct spmc_stats st = { 0 };

	spmc_stats(S, &st);
	return st.live_shares;
}

static void close_spmc(void)
{
	spmc_destroy(S);
	S = NULL;
	assert_int_equal(F.live, 0);
}

/*
 * CHK(call, want): run a manager call, assert its exact result; a refused
 * call must leave the digest unchanged (unless it wedged the manager);
 * invariants after every call.
 */
#define CHK(call, want)                                                       \
	do {                                                                  \
		uint64_t before_ = spmc_state_digest(S);                      \
		int rc_ = (call);                                             \
		if (rc_ != (want)) {                                          \
			fail_msg("%s: got %d (%s), want %d (%s)", #call, rc_, \
				 rheap_err_name(rc_), (want),                 \
				 rheap_err_name(want));                       \
		}                                                             \
		if (rc_ != 0 && !spmc_is_wedged(S)) {                         \
			assert_true(spmc_state_digest(S) == before_);         \
		}                                                             \
		check_all();                                                  \
	} while (0)

/* ---------------------------------------------------------------------- */
/* Descriptor builders.                                                    */

struct tx {
	enum rheap_ffa_abi abi;
	uint32_t version;
	uint16_t sender;
	uint16_t attributes;
	uint32_t flags;
	uint64_t tag;
	uint32_t nrecv;
	uint16_t recv[SPMC_MAX_RECEIVERS + 2];
	uint8_t perm[SPMC_MAX_RECEIVERS + 2];
	uint32_t nranges;
	struct rheap_ffa_range ranges[300];
};

static uint8_t desc_buf[BUF_MAX];
static uint8_t resp_buf[BUF_MAX];

static struct tx tx_lend(uint16_t sender, uint16_t rcv, uint64_t addr,
			 uint32_t pages)
{
	struct tx t = { 0 };

	t.abi = RHEAP_FFA_ABI_LEND;
	t.version = FFA_VERSION_1_1;
	t.sender = sender;
	t.tag = 0x1234;
	t.nrecv = 1;
	t.recv[0] = rcv;
	t.perm[0] = FFA_DATA_ACCESS_RW;
	t.nranges = 1;
	t.ranges[0] = (struct rheap_ffa_range){ addr, pages };
	return t;
}

static struct tx tx_share(uint16_t sender, uint16_t rcv, uint64_t addr,
			  uint32_t pages)
{
	struct tx t = tx_lend(sender, rcv, addr, pages);

	t.abi = RHEAP_FFA_ABI_SHARE;
	t.attributes = WB;
	return t;
}

static struct tx tx_donate(uint16_t sender, uint16_t rcv, uint64_t addr,
			   uint32_t pages)
{
	struct tx t = tx_lend(sender, rcv, addr, pages);

	t.abi = RHEAP_FFA_ABI_DONATE;
	t.perm[0] = 0;
	return t;
}

static void tx_add_recv(struct tx *t, uint16_t id, uint8_t perm)
{
	t->recv[t->nrecv] = id;
	t->perm[t->nrecv] = perm;
	t->nrecv++;
	if (t->abi == RHEAP_FFA_ABI_LEND) {
		t->attributes = WB; /* multi-borrower LEND */
	}
}

static size_t encode_tx(const struct tx *t, uint8_t *buf)
{
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS + 2] = { 0 };
	struct rheap_ffa_range ranges[300] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	int n = 0;

	for (uint32_t i = 0; i < t->nrecv; i++) {
		r[i].endpoint_id = t->recv[i];
		r[i].permissions = t->perm[i];
		r[i].impdef[0] = (uint8_t)(0xA0 + i);
	}
	m.abi = t->abi;
	m.version = t->version;
	m.sender_id = t->sender;
	m.attributes = t->attributes;
	m.flags = t->flags;
	m.tag = t->tag;
	m.receiver_count = t->nrecv;
	m.receivers = r;
	m.receiver_cap = SPMC_MAX_RECEIVERS + 2;
	for (uint32_t i = 0; i < t->nranges; i++) {
		ranges[i] = t->ranges[i];
		m.total_page_count += t->ranges[i].page_count;
	}
	if (t->version == FFA_VERSION_1_1) {
		for (uint32_t i = 0; i < t->nrecv; i++) {
			r[i].impdef[0] = 0;
		}
	}
	m.range_count = t->nranges;
	m.ranges = ranges;
	m.range_cap = 300;
	n = rheap_ffa_mem_encode(&m, buf, BUF_MAX, NULL);
	assert_true(n > 0);
	return (size_t)n;
}

/* Send a whole descriptor; returns the rc, handle through @h. */
static int do_send(uint16_t caller, const struct tx *t, uint64_t *h)
{
	struct spmc_send_result res = { 0 };
	size_t n = encode_tx(t, desc_buf);
	int rc = spmc_send(S, caller, t->abi, desc_buf, n, n, &res, NULL);

	if (rc == 0) {
		assert_true(res.complete);
		if (h) {
			*h = res.handle;
		}
	}
	return rc;
}

static uint64_t send_ok(uint16_t caller, const struct tx *t)
{
	uint64_t h = 0;

	CHK(do_send(caller, t, &h), 0);
	return h;
}

static uint64_t lend_ok(uint16_t sender, uint16_t rcv, uint64_t addr,
			uint32_t pages)
{
	struct tx t = tx_lend(sender, rcv, addr, pages);

	return send_ok(sender, &t);
}

struct rq {
	uint64_t handle;
	uint16_t sender;
	uint64_t tag;
	uint16_t attributes;
	uint32_t flags;
	uint32_t version;
	uint32_t nrecv;
	uint16_t recv[4];
	uint8_t perm[4];
	uint8_t emad_flags[4];
};

static struct rq rq_for(uint64_t h, uint16_t sender, uint16_t caller)
{
	struct rq q = { 0 };

	q.handle = h;
	q.sender = sender;
	q.tag = 0x1234;
	q.version = FFA_VERSION_1_1;
	q.nrecv = 1;
	q.recv[0] = caller;
	q.perm[0] = 0;
	return q;
}

static size_t encode_rq(const struct rq *q, uint8_t *buf)
{
	struct rheap_ffa_receiver r[4] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	int n = 0;

	for (uint32_t i = 0; i < q->nrecv; i++) {
		r[i].endpoint_id = q->recv[i];
		r[i].permissions = q->perm[i];
		r[i].flags = q->emad_flags[i];
	}
	m.abi = RHEAP_FFA_ABI_RETRIEVE_REQ;
	m.version = q->version;
	m.sender_id = q->sender;
	m.attributes = q->attributes;
	m.flags = q->flags;
	m.handle = q->handle;
	m.tag = q->tag;
	m.receiver_count = q->nrecv;
	m.receivers = r;
	m.receiver_cap = 4;
	n = rheap_ffa_mem_encode(&m, buf, BUF_MAX, NULL);
	assert_true(n > 0);
	return (size_t)n;
}

static size_t last_total;
static size_t last_frag;

static int do_retrieve_cap(uint16_t caller, const struct rq *q, size_t cap)
{
	uint8_t req[512];
	size_t n = encode_rq(q, req);

	return spmc_retrieve(S, caller, req, n, resp_buf, cap, &last_total,
			     &last_frag, NULL);
}

static int do_retrieve(uint16_t caller, const struct rq *q)
{
	return do_retrieve_cap(caller, q, BUF_MAX);
}

static int retrieve_simple(uint16_t caller, uint64_t h, uint16_t sender)
{
	struct rq q = rq_for(h, sender, caller);

	return do_retrieve(caller, &q);
}

static int do_relinquish_ids(uint16_t caller, uint64_t h, uint32_t flags,
			     const uint16_t *ids, uint32_t nids)
{
	uint16_t e[4] = { 0 };
	struct rheap_ffa_relinquish rel = { 0 };
	uint8_t buf[64];
	int n = 0;

	memcpy(e, ids, nids * sizeof(*ids));
	rel.handle = h;
	rel.flags = flags;
	rel.endpoint_count = nids;
	rel.endpoints = e;
	rel.endpoint_cap = 4;
	n = rheap_ffa_relinquish_encode(&rel, buf, sizeof(buf), NULL);
	assert_true(n > 0);
	return spmc_relinquish(S, caller, buf, (size_t)n, NULL);
}

static int do_relinquish(uint16_t caller, uint64_t h, uint32_t flags)
{
	return do_relinquish_ids(caller, h, flags, &caller, 1);
}

static int do_reclaim(uint16_t caller, uint64_t h, uint32_t flags)
{
	return spmc_reclaim(S, caller, h, flags, NULL);
}

static int do_frag_tx(uint16_t caller, uint64_t h, const void *p, size_t n)
{
	struct spmc_send_result res = { 0 };

	return spmc_frag_tx(S, caller, h, p, n, &res, NULL);
}

static enum spmc_share_state state_of(uint64_t h)
{
	struct spmc_share_info info = { 0 };

	if (spmc_share_find(S, h, &info)) {
		return SPMC_SHARE_FREE;
	}
	return info.state;
}

/* ---------------------------------------------------------------------- */
/* Configuration.                                                          */

struct cfg_case {
	const char *name;
	void (*mutate)(struct spmc_cfg *cfg);
	int want;
};

static void m_none(struct spmc_cfg *c) { (void)c; }
static void m_no_ops(struct spmc_cfg *c) { c->ops = NULL; }
static const struct spmc_plat_ops ops_no_scrub = { f_protect, f_unprotect,
						   NULL, NULL, NULL };
static void m_no_scrub(struct spmc_cfg *c) { c->ops = &ops_no_scrub; }
static const struct spmc_plat_ops ops_alloc_only = { f_protect, f_unprotect,
						     f_scrub, f_alloc, NULL };
static void m_alloc_only(struct spmc_cfg *c) { c->ops = &ops_alloc_only; }
static void m_dup_ep(struct spmc_cfg *c) { c->endpoints[1] = VM1; }
static void m_ep_hyp(struct spmc_cfg *c) { c->endpoints[1] = 0; }
static void m_ep_spmc(struct spmc_cfg *c) { c->endpoints[1] = 0x8000; }
static void m_ep_many(struct spmc_cfg *c) { c->endpoint_count = 17; }
static void m_dram_overlap(struct spmc_cfg *c) { c->dram[1].base = DRAM0 + PAGE; }
static void m_dram_misaligned(struct spmc_cfg *c) { c->dram[0].base += 1; }
static void m_dram_empty(struct spmc_cfg *c) { c->dram[0].size = 0; }
static void m_dram_wrap(struct spmc_cfg *c)
{
	c->dram[1] = (struct spmc_range){ UINT64_C(0xfffffffffffff000), 2 * PAGE };
}
static void m_pool_outside(struct spmc_cfg *c) { c->pools[0].base = UINT64_C(0x200000000); }
static void m_pool_straddle(struct spmc_cfg *c)
{
	c->pools[0] = (struct spmc_range){ DRAM0 + DRAM0_SIZE - PAGE, 2 * PAGE };
}
static void m_carve_misaligned(struct spmc_cfg *c) { c->carveouts[0].size = 100; }
static void m_shares_zero(struct spmc_cfg *c) { c->limits.max_shares = 0; }
static void m_shares_big(struct spmc_cfg *c) { c->limits.max_shares = 65536; }
static void m_per_ep_big(struct spmc_cfg *c) { c->limits.max_shares_per_endpoint = 65; }
static void m_frags_zero(struct spmc_cfg *c) { c->limits.max_fragments = 0; }
static void m_ranges_zero(struct spmc_cfg *c) { c->limits.max_ranges = 0; }
static void m_total_small(struct spmc_cfg *c) { c->limits.max_total_ranges = 10; }
static void m_no_alloc_ops(struct spmc_cfg *c)
{
	static const struct spmc_plat_ops ops = { f_protect, f_unprotect,
						  f_scrub, NULL, NULL };
	c->ops = &ops;
}

static const struct cfg_case cfg_cases[] = {
	{ "cfg_ok", m_none, 0 },
	{ "cfg_ok_libc_allocator", m_no_alloc_ops, 0 },
	{ "cfg_rej_no_ops", m_no_ops, -EINVAL },
	{ "cfg_rej_missing_scrub", m_no_scrub, -EINVAL },
	{ "cfg_rej_alloc_without_free", m_alloc_only, -EINVAL },
	{ "cfg_rej_duplicate_endpoint", m_dup_ep, -EINVAL },
	{ "cfg_rej_endpoint_hypervisor_id", m_ep_hyp, -EINVAL },
	{ "cfg_rej_endpoint_spmc_id", m_ep_spmc, -EINVAL },
	{ "cfg_rej_too_many_endpoints", m_ep_many, -EINVAL },
	{ "cfg_rej_dram_overlap", m_dram_overlap, -EINVAL },
	{ "cfg_rej_dram_misaligned", m_dram_misaligned, -EINVAL },
	{ "cfg_rej_dram_empty", m_dram_empty, -EINVAL },
	{ "cfg_rej_dram_wraps", m_dram_wrap, -EINVAL },
	{ "cfg_rej_pool_outside_dram", m_pool_outside, -EINVAL },
	{ "cfg_rej_pool_straddles_banks", m_pool_straddle, -EINVAL },
	{ "cfg_rej_carveout_misaligned", m_carve_misaligned, -EINVAL },
	{ "cfg_rej_max_shares_zero", m_shares_zero, -EINVAL },
	{ "cfg_rej_max_shares_too_big", m_shares_big, -EINVAL },
	{ "cfg_rej_per_endpoint_above_max", m_per_ep_big, -EINVAL },
	{ "cfg_rej_max_fragments_zero", m_frags_zero, -EINVAL },
	{ "cfg_rej_max_ranges_zero", m_ranges_zero, -EINVAL },
	{ "cfg_rej_total_below_per_share", m_total_small, -EINVAL },
};

static void test_cfg(void **state)
{
	const struct cfg_case *cc = *state;
	struct spmc_cfg cfg = base_cfg();
	struct rheap_diag d = { 0 };
	int rc = 0;

	memset(&F, 0, sizeof(F));
	cc->mutate(&cfg);
	S = NULL;
	rc = spmc_create(&cfg, &S, &d);
	assert_int_equal(rc, cc->want);
	if (rc == 0) {
		assert_int_equal(spmc_check_invariants(S, NULL), 0);
		spmc_destroy(S);
		S = NULL;
	} else {
		assert_null(S);
		assert_non_null(d.field);
	}
	assert_int_equal(F.live, 0);
}

static void test_cfg_alloc_faults(void **state)
{
	struct spmc_cfg cfg = base_cfg();

	(void)state;
	for (unsigned long k = 1; k <= 2; k++) {
		memset(&F, 0, sizeof(F));
		F.alloc_fail_at = k;
		S = NULL;
		assert_int_equal(spmc_create(&cfg, &S, NULL), -ENOMEM);
		assert_null(S);
		assert_int_equal(F.live, 0);
	}
}

/* ---------------------------------------------------------------------- */
/* Sends that must be refused: table of descriptor mutations.              */

struct send_case {
	const char *name;
	uint16_t caller;
	void (*mutate)(struct tx *t);
	int want;
};

static void s_none(struct tx *t) { (void)t; }
static void s_share(struct tx *t) { t->abi = RHEAP_FFA_ABI_SHARE; t->attributes = WB; }
static void s_donate(struct tx *t) { t->abi = RHEAP_FFA_ABI_DONATE; t->perm[0] = 0; }
static void s_v12(struct tx *t) { t->version = FFA_VERSION_1_2; }
static void s_clear(struct tx *t) { t->flags = FFA_MEM_FLAG_CLEAR; }
static void s_time_slice(struct tx *t) { t->flags = FFA_MEM_FLAG_TIME_SLICE; }
static void s_ro(struct tx *t) { t->perm[0] = FFA_DATA_ACCESS_RO; }
static void s_two_rcv(struct tx *t) { tx_add_recv(t, SP2, FFA_DATA_ACCESS_RO); }
static void s_four_rcv(struct tx *t)
{
	tx_add_recv(t, SP2, FFA_DATA_ACCESS_RW);
	tx_add_recv(t, SP3, FFA_DATA_ACCESS_RW);
	tx_add_recv(t, SP4, FFA_DATA_ACCESS_RW);
}
static void s_three_ranges(struct tx *t)
{
	t->nranges = 3;
	t->ranges[1] = (struct rheap_ffa_range){ B, 2 };
	t->ranges[2] = (struct rheap_ffa_range){ C, 3 };
}
static void s_adjacent_ranges(struct tx *t)
{
	t->nranges = 2;
	t->ranges[1] = (struct rheap_ffa_range){ A + 4 * PAGE, 1 };
}
static void s_bank1(struct tx *t) { t->ranges[0].address = DRAM1; }
static void s_bank1_end(struct tx *t)
{
	t->ranges[0] = (struct rheap_ffa_range){ DRAM1 + DRAM1_SIZE - PAGE, 1 };
}
static void s_sender_vm2(struct tx *t) { t->sender = VM2; }
static void s_rcv_unknown(struct tx *t) { t->recv[0] = 0x8009; }
static void s_rcv_vm(struct tx *t) { t->recv[0] = VM2; }
static void s_rcv_nine(struct tx *t)
{
	for (uint16_t i = 2; i <= 9; i++) {
		tx_add_recv(t, (uint16_t)(0x8000 + i), FFA_DATA_ACCESS_RW);
	}
}
static void s_perm_none(struct tx *t) { t->perm[0] = 0; }
static void s_perm_x(struct tx *t)
{
	t->perm[0] = FFA_DATA_ACCESS_RW |
		     FFA_INSTRUCTION_ACCESS_X << FFA_INSTRUCTION_ACCESS_SHIFT;
}
static void s_perm_nx(struct tx *t)
{
	t->perm[0] = FFA_DATA_ACCESS_RW |
		     FFA_INSTRUCTION_ACCESS_NX << FFA_INSTRUCTION_ACCESS_SHIFT;
}
static void s_share_perm_none(struct tx *t) { s_share(t); t->perm[0] = 0; }
static void s_share_attr_zero(struct tx *t) { s_share(t); t->attributes = 0; }
static void s_share_attr_nc(struct tx *t)
{
	s_share(t);
	t->attributes = 0x27; /* Normal, non-cacheable, inner shareable */
}
static void s_lend_attr_wb(struct tx *t) { t->attributes = WB; }
static void s_lend2_attr_zero(struct tx *t) { s_two_rcv(t); t->attributes = 0; }
static void s_device(struct tx *t) { t->attributes = 0x10; }
static void s_donate_rw(struct tx *t) { s_donate(t); t->perm[0] = FFA_DATA_ACCESS_RW; }
static void s_donate_attr(struct tx *t) { s_donate(t); t->attributes = WB; }
static void s_outside_dram(struct tx *t) { t->ranges[0].address = UINT64_C(0x200000000); }
static void s_below_dram(struct tx *t) { t->ranges[0].address = DRAM0 - PAGE; t->ranges[0].page_count = 2; }
static void s_past_bank(struct tx *t)
{
	t->ranges[0] = (struct rheap_ffa_range){ DRAM1 + DRAM1_SIZE - PAGE, 2 };
}
static void s_carveout(struct tx *t) { t->ranges[0].address = CARVE; }
static void s_carveout_tail(struct tx *t)
{
	t->ranges[0] = (struct rheap_ffa_range){ CARVE - PAGE, 2 };
}
static void s_carveout_last_page(struct tx *t)
{
	t->ranges[0] = (struct rheap_ffa_range){ CARVE + CARVE_SIZE - PAGE, 1 };
}
static void s_second_range_carve(struct tx *t)
{
	s_three_ranges(t);
	t->ranges[2].address = CARVE + PAGE;
}
static void s_too_many_ranges(struct tx *t)
{
	t->nranges = 257;
	for (uint32_t i = 0; i < 257; i++) {
		t->ranges[i] = (struct rheap_ffa_range){ A + 2 * i * PAGE, 1 };
	}
}
static void s_max_ranges(struct tx *t)
{
	t->nranges = 256;
	for (uint32_t i = 0; i < 256; i++) {
		t->ranges[i] = (struct rheap_ffa_range){ A + 2 * i * PAGE, 1 };
	}
}
static void s_tag_big(struct tx *t) { t->tag = UINT64_MAX; }
/* Adjacent constituents whose union leaves the bank or meets a carve-out. */
static void s_span_past_bank(struct tx *t)
{
	t->nranges = 2;
	t->ranges[0] = (struct rheap_ffa_range){ DRAM1 + DRAM1_SIZE - PAGE, 1 };
	t->ranges[1] = (struct rheap_ffa_range){ DRAM1 + DRAM1_SIZE, 1 };
}
static void s_span_into_carveout(struct tx *t)
{
	t->nranges = 3;
	t->ranges[0] = (struct rheap_ffa_range){ CARVE - 2 * PAGE, 1 };
	t->ranges[1] = (struct rheap_ffa_range){ CARVE - PAGE, 1 };
	t->ranges[2] = (struct rheap_ffa_range){ CARVE, 1 };
}
/* The last page of the address space, then page 0: not one span. */
static void s_span_top_then_zero(struct tx *t)
{
	t->nranges = 2;
	t->ranges[0] = (struct rheap_ffa_range){ DRAM0, 1 };
	t->ranges[0].address = UINT64_MAX - PAGE + 1;
	t->ranges[1] = (struct rheap_ffa_range){ 0, 1 };
}

static const struct send_case send_cases[] = {
	{ "send_ok_lend", VM1, s_none, 0 },
	{ "send_ok_lend_v1_2", VM1, s_v12, 0 },
	{ "send_ok_lend_clear", VM1, s_clear, 0 },
	{ "send_ok_lend_time_slice", VM1, s_time_slice, 0 },
	{ "send_ok_lend_ro", VM1, s_ro, 0 },
	{ "send_ok_lend_two_receivers", VM1, s_two_rcv, 0 },
	{ "send_ok_lend_four_receivers", VM1, s_four_rcv, 0 },
	{ "send_ok_lend_three_ranges", VM1, s_three_ranges, 0 },
	{ "send_ok_adjacent_ranges", VM1, s_adjacent_ranges, 0 },
	{ "send_ok_second_bank", VM1, s_bank1, 0 },
	{ "send_ok_last_page_of_bank", VM1, s_bank1_end, 0 },
	{ "send_ok_share", VM1, s_share, 0 },
	{ "send_ok_donate", VM1, s_donate, 0 },
	{ "send_ok_max_ranges", VM1, s_max_ranges, 0 },
	{ "send_ok_tag_all_ones", VM1, s_tag_big, 0 },
	{ "send_ok_from_vm2", VM2, s_sender_vm2, 0 },
	{ "send_rej_caller_is_sp", SP1, s_none, -EPERM },
	{ "send_rej_caller_unknown", 0x0009, s_none, -EPERM },
	{ "send_rej_caller_hypervisor", HYP, s_none, -EPERM },
	{ "send_rej_sender_not_caller", VM2, s_none, -EPERM },
	{ "send_rej_receiver_unknown", VM1, s_rcv_unknown, -EINVAL },
	{ "send_rej_receiver_is_vm", VM1, s_rcv_vm, -EINVAL },
	{ "send_rej_nine_receivers", VM1, s_rcv_nine, -EINVAL },
	{ "send_rej_lend_perm_unspecified", VM1, s_perm_none, -EINVAL },
	{ "send_rej_lend_perm_x", VM1, s_perm_x, -EINVAL },
	{ "send_rej_lend_perm_nx_by_sender", VM1, s_perm_nx, -EINVAL },
	{ "send_rej_share_perm_unspecified", VM1, s_share_perm_none, -EINVAL },
	{ "send_rej_share_attr_unspecified", VM1, s_share_attr_zero, -EINVAL },
	{ "send_rej_share_attr_non_cacheable", VM1, s_share_attr_nc, -EINVAL },
	{ "send_rej_lend_single_attr_set", VM1, s_lend_attr_wb, -EINVAL },
	{ "send_rej_lend_multi_attr_unspecified", VM1, s_lend2_attr_zero, -EINVAL },
	{ "send_rej_device_memory", VM1, s_device, -EINVAL },
	{ "send_rej_donate_data_access", VM1, s_donate_rw, -EINVAL },
	{ "send_rej_donate_attr_set", VM1, s_donate_attr, -EINVAL },
	{ "send_rej_outside_dram", VM1, s_outside_dram, -EPERM },
	{ "send_rej_straddles_dram_start", VM1, s_below_dram, -EPERM },
	{ "send_rej_past_bank_end", VM1, s_past_bank, -EPERM },
	{ "send_rej_carveout", VM1, s_carveout, -EPERM },
	{ "send_rej_touches_carveout_start", VM1, s_carveout_tail, -EPERM },
	{ "send_rej_carveout_last_page", VM1, s_carveout_last_page, -EPERM },
	{ "send_rej_third_range_in_carveout", VM1, s_second_range_carve, -EPERM },
	{ "send_rej_too_many_ranges", VM1, s_too_many_ranges, -ENOMEM },
	{ "send_rej_adjacent_span_past_bank", VM1, s_span_past_bank, -EPERM },
	{ "send_rej_adjacent_span_into_carveout", VM1, s_span_into_carveout, -EPERM },
	{ "send_rej_adjacent_span_top_then_zero", VM1, s_span_top_then_zero, -EPERM },
};

/*
 * Reference runs of an ASCENDING constituent list, as platform calls of
 * @op: a range starting where the previous one ends joins its run. Every
 * send case's list is ascending and inside one bank per run; the other
 * orders have their own tests below.
 */
static unsigned int ref_runs(const struct tx *t, enum fop op,
			     struct fcall *out)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < t->nranges; i++) {
		uint64_t base = t->ranges[i].address;
		uint64_t size = (uint64_t)t->ranges[i].page_count * PAGE;

		if (n > 0 && out[n - 1].base + out[n - 1].size == base) {
			out[n - 1].size += size;
			continue;
		}
		out[n++] = (struct fcall){ op, base, size, 0 };
	}
	return n;
}

static void test_send_case(void **state)
{
	const struct send_case *sc = *state;
	struct tx t = tx_lend(VM1, SP1, A, 4);
	struct spmc_send_result res = { 0 };
	unsigned int calls = 0;
	size_t n = 0;

	open_default();
	sc->mutate(&t);
	n = encode_tx(&t, desc_buf);
	CHK(spmc_send(S, sc->caller, t.abi, desc_buf, n, n, &res, NULL),
	    sc->want);
	calls = F.ncalls;
	if (sc->want == 0) {
		uint64_t pages = 0;

		for (uint32_t i = 0; i < t.nranges; i++) {
			pages += t.ranges[i].page_count;
		}
		assert_true(res.complete);
		assert_int_equal(res.handle >> 63, 0);
		assert_int_equal(state_of(res.handle), SPMC_SHARE_SENT);
		if (t.abi == RHEAP_FFA_ABI_SHARE) {
			assert_int_equal(calls, 0); /* lender keeps access */
		} else {
			struct fcall want[2 * 300] = { 0 };
			unsigned int runs = ref_runs(&t, OP_PROTECT, want);

			if (t.flags & FFA_MEM_FLAG_CLEAR) {
				(void)ref_runs(&t, OP_SCRUB, want + runs);
				expect_calls(0, want, 2 * runs);
			} else {
				expect_calls(0, want, runs);
			}
			assert_int_equal(F.prot_pages, pages);
		}
	} else {
		assert_int_equal(calls, 0);
		assert_int_equal(F.nprot, 0);
	}
	close_spmc();
}

/* Byte-level damage the encoder refuses to produce. */
struct patch_case {
	const char *name;
	size_t off;
	uint8_t val;
	int want;
	void (*mutate)(struct tx *t); /* before encoding; NULL: none */
	enum rheap_ffa_abi abi;       /* ABI to send with; 0: the tx's */
};

static void p_two_rcv(struct tx *t) { tx_add_recv(t, SP2, FFA_DATA_ACCESS_RW); }
static void p_two_lend_unspec(struct tx *t)
{
	t->abi = RHEAP_FFA_ABI_LEND;
	t->attributes = 0;
	t->perm[0] = 0;
	t->recv[1] = SP2;
	t->perm[1] = 0;
	t->nrecv = 2;
}

static const struct patch_case patch_cases[] = {
	/* EMAD 0 endpoint ID 0x8001 := 0x0001, the sender */
	{ "send_rej_receiver_is_sender", 0x31, 0x00, -EINVAL, NULL, 0 },
	/* EMAD 1 endpoint ID 0x8002 := 0x8001, SP1 again */
	{ "send_rej_receiver_repeated", 0x40, 0x01, -EINVAL, p_two_rcv, 0 },
	/* a two-receiver descriptor sent as DONATE (patch a no-op byte) */
	{ "send_rej_donate_two_receivers", 0x24, 0x00, -EINVAL,
	  p_two_lend_unspec, RHEAP_FFA_ABI_DONATE },
	/* attributes low byte: NS bit set on a SHARE */
	{ "send_rej_ns_bit", 2, WB | 0x40, -EINVAL, NULL, 0 },
	/* flags: CLEAR on SHARE */
	{ "send_rej_share_clear", 4, 0x01, -EINVAL, NULL, 0 },
	/* flags: bit 2 (retrieve-only) on send */
	{ "send_rej_flag_clear_relinquish", 4, 0x04, -EINVAL, NULL, 0 },
	/* flags: type bits on send */
	{ "send_rej_flag_type_bits", 4, 0x10, -EINVAL, NULL, 0 },
	/* handle non-zero */
	{ "send_rej_handle_nonzero", 8, 0x01, -EINVAL, NULL, 0 },
	/* reserved header byte */
	{ "send_rej_reserved_header", 0x24, 0x01, -EINVAL, NULL, 0 },
	/* EMAD size 0: v1.0 layout */
	{ "send_rej_emad_size_v1_0", 0x18, 0x00, -EOPNOTSUPP, NULL, 0 },
	/* EMAD count 0 */
	{ "send_rej_emad_count_zero", 0x1c, 0x00, -EINVAL, NULL, 0 },
	/* EMAD flags: non-retrieval borrower on send */
	{ "send_rej_emad_nonretrieval_flag", 0x33, 0x01, -EINVAL, NULL, 0 },
	/* composite page count mismatch */
	{ "send_rej_page_count_mismatch", 0x40, 0x05, -EINVAL, NULL, 0 },
	/* constituent address misaligned */
	{ "send_rej_range_misaligned", 0x50, 0x10, -EINVAL, NULL, 0 },
	/* constituent page count 0 */
	{ "send_rej_range_pages_zero", 0x58, 0x00, -EINVAL, NULL, 0 },
};

static void test_patch_case(void **state)
{
	const struct patch_case *pc = *state;
	struct tx t = tx_share(VM1, SP1, A, 4);
	struct spmc_send_result res = { 0 };
	size_t n = 0;

	open_default();
	if (pc->mutate) {
		pc->mutate(&t);
	}
	n = encode_tx(&t, desc_buf);
	assert_true(pc->off < n);
	desc_buf[pc->off] = pc->val;
	CHK(spmc_send(S, VM1, pc->abi ? pc->abi : t.abi, desc_buf, n, n, &res,
		      NULL),
	    pc->want);
	assert_int_equal(F.ncalls, 0);
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Send: lengths, ownership, limits, faults.                               */

static void test_send_rej_abi_retrieve(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	struct spmc_send_result res = { 0 };
	size_t n = 0;

	(void)state;
	open_default();
	n = encode_tx(&t, desc_buf);
	CHK(spmc_send(S, VM1, RHEAP_FFA_ABI_RETRIEVE_REQ, desc_buf, n, n, &res,
		      NULL),
	    -EINVAL);
	close_spmc();
}

static void test_send_rej_lengths(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	struct spmc_send_result res = { 0 };
	size_t n = 0;

	(void)state;
	open_default();
	n = encode_tx(&t, desc_buf);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, n, 0, &res, NULL), -EINVAL);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, n, n + 16, &res, NULL),
	    -EINVAL);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, n - 1, n - 1, &res, NULL),
	    -EINVAL);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, n + 16, n + 16, &res, NULL),
	    -EINVAL);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, 32, 32, &res, NULL), -EINVAL);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, SIZE_MAX, n, &res, NULL),
	    -ENOMEM);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, UINT64_C(0x100000000), n,
		      &res, NULL),
	    -ENOMEM);
	CHK(spmc_send(S, VM1, t.abi, NULL, n, n, &res, NULL), -EINVAL);
	CHK(spmc_send(S, VM1, t.abi, desc_buf, n, n, NULL, NULL), -EINVAL);
	close_spmc();
}

static void test_send_rej_overlap_live_lend(void **state)
{
	struct tx t = tx_lend(VM2, SP2, A + 2 * PAGE, 4);

	(void)state;
	open_default();
	lend_ok(VM1, SP1, A, 4);
	CHK(do_send(VM2, &t, NULL), -EPERM); /* another VM's lent range */
	t.sender = VM1;
	CHK(do_send(VM1, &t, NULL), -EPERM); /* lend twice */
	close_spmc();
}

static void test_send_rej_overlap_live_share(void **state)
{
	struct tx s = tx_share(VM1, SP1, A, 4);
	struct tx t = tx_share(VM1, SP2, A + 3 * PAGE, 1);
	struct tx l = tx_lend(VM1, SP2, A, 1);
	struct tx d = tx_donate(VM1, SP2, A + PAGE, 1);

	(void)state;
	open_default();
	send_ok(VM1, &s);
	CHK(do_send(VM1, &t, NULL), -EPERM); /* share twice */
	CHK(do_send(VM1, &l, NULL), -EPERM); /* share then lend */
	CHK(do_send(VM1, &d, NULL), -EPERM); /* share then donate */
	close_spmc();
}

static void test_send_ok_adjacent_to_live(void **state)
{
	(void)state;
	open_default();
	lend_ok(VM1, SP1, A, 4);
	lend_ok(VM1, SP1, A + 4 * PAGE, 4);
	lend_ok(VM2, SP2, A - PAGE, 1);
	close_spmc();
}

static void test_send_ok_same_range_after_reclaim(void **state)
{
	uint64_t h1 = 0;
	uint64_t h2 = 0;

	(void)state;
	open_default();
	h1 = lend_ok(VM1, SP1, A, 4);
	CHK(do_reclaim(VM1, h1, 0), 0);
	h2 = lend_ok(VM2, SP1, A, 4);
	assert_true(h1 != h2);
	close_spmc();
}

static void test_send_rej_donated_memory(void **state)
{
	struct tx d = tx_donate(VM1, SP1, A, 2);
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &d);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(do_send(VM1, &d, NULL), -EPERM); /* now the SP's */
	close_spmc();
}

static void test_send_limit_max_shares(void **state)
{
	struct spmc_cfg cfg = base_cfg();

	(void)state;
	cfg.limits.max_shares = 3;
	open_with(&cfg);
	lend_ok(VM1, SP1, A, 1);
	lend_ok(VM1, SP1, B, 1);
	lend_ok(VM2, SP1, C, 1);
	{
		struct tx t = tx_lend(VM2, SP1, C + PAGE, 1);

		CHK(do_send(VM2, &t, NULL), -ENOMEM);
	}
	close_spmc();
}

static void test_send_limit_per_endpoint(void **state)
{
	struct spmc_cfg cfg = base_cfg();

	(void)state;
	cfg.limits.max_shares_per_endpoint = 2;
	open_with(&cfg);
	lend_ok(VM1, SP1, A, 1);
	lend_ok(VM1, SP1, B, 1);
	{
		struct tx t = tx_lend(VM1, SP1, C, 1);

		CHK(do_send(VM1, &t, NULL), -ENOMEM);
		/* Another VM is not starved (R7). */
		t.sender = VM2;
		CHK(do_send(VM2, &t, NULL), 0);
	}
	close_spmc();
}

static void test_send_limit_total_ranges(void **state)
{
	struct spmc_cfg cfg = base_cfg();
	struct tx t = tx_lend(VM1, SP1, A, 1);

	(void)state;
	cfg.limits.max_ranges = 4;
	cfg.limits.max_total_ranges = 6;
	open_with(&cfg);
	s_three_ranges(&t);
	send_ok(VM1, &t);
	t = tx_lend(VM1, SP1, A + 16 * PAGE, 1);
	s_adjacent_ranges(&t);
	t.ranges[1].address = A + 20 * PAGE;
	send_ok(VM1, &t);
	t = tx_lend(VM1, SP1, A + 32 * PAGE, 1);
	s_adjacent_ranges(&t);
	t.ranges[1].address = A + 36 * PAGE;
	CHK(do_send(VM1, &t, NULL), -ENOMEM);
	close_spmc();
}

/* Protect fails at range k of 3: nothing stays protected, state unchanged. */
static void test_send_protect_fault_each_range(void **state)
{
	(void)state;
	for (unsigned int k = 1; k <= 3; k++) {
		struct tx t = tx_lend(VM1, SP1, A, 1);

		open_default();
		s_three_ranges(&t);
		fail_op_in(k, 1);
		CHK(do_send(VM1, &t, NULL), -ENOMEM);
		assert_int_equal(F.nprot, 0);
		assert_int_equal(count_ops(OP_UNPROTECT, 0), k - 1);
		no_faults();
		send_ok(VM1, &t);
		close_spmc();
	}
}

static void test_send_scrub_fault_undoes_protect(void **state)
{
	(void)state;
	for (unsigned int k = 1; k <= 3; k++) {
		struct tx t = tx_lend(VM1, SP1, A, 1);

		open_default();
		s_three_ranges(&t);
		t.flags = FFA_MEM_FLAG_CLEAR;
		fail_op_in(3 + k, 1); /* 3 protects, then scrub k fails */
		F.fail_rc = -EBUSY;
		CHK(do_send(VM1, &t, NULL), -EBUSY);
		assert_int_equal(F.nprot, 0);
		no_faults();
		send_ok(VM1, &t);
		close_spmc();
	}
}

static void test_send_clear_scrubs_after_protect(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 2);

	(void)state;
	open_default();
	t.flags = FFA_MEM_FLAG_CLEAR;
	send_ok(VM1, &t);
	assert_int_equal(F.ncalls, 2);
	assert_int_equal(F.calls[0].op, OP_PROTECT);
	assert_int_equal(F.calls[1].op, OP_SCRUB);
	close_spmc();
}

static void test_send_undo_fault_wedges(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);

	(void)state;
	open_default();
	s_three_ranges(&t);
	fail_op_in(3, 2); /* protect 3 fails, then the undo of range 2 */
	CHK(do_send(VM1, &t, NULL), -ENOMEM);
	assert_true(spmc_is_wedged(S));
	no_faults();
	/* Our record says nothing is protected; the hardware disagrees. */
	F.nprot = 0;
	F.prot_pages = 0;
	CHK(do_send(VM1, &t, NULL), -EBUSY);
	CHK(do_reclaim(VM1, 1, 0), -EBUSY);
	CHK(retrieve_simple(SP1, 1, VM1), -EBUSY);
	close_spmc();
}

/* Every allocation of a send, made to fail in turn. */
static void test_send_alloc_faults(void **state)
{
	(void)state;
	for (unsigned long k = 1;; k++) {
		struct tx t = tx_lend(VM1, SP1, A, 1);
		uint64_t h = 0;
		int rc = 0;

		open_default();
		s_three_ranges(&t);
		fail_alloc_in(k);
		rc = do_send(VM1, &t, &h);
		check_all();
		if (rc == 0) {
			assert_true(k > 3); /* share, buffer, ranges */
			close_spmc();
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(F.nprot, 0);
		assert_int_equal(spmc_stats_live(), 0);
		close_spmc();
	}
}

/* ---------------------------------------------------------------------- */
/* Fragments.                                                              */

/* A LEND of @n single-page ranges, sent in pieces of at most @max bytes. */
static size_t big_lend(uint16_t sender, uint32_t n, struct tx *t)
{
	*t = tx_lend(sender, SP1, A, 1);
	t->nranges = n;
	for (uint32_t i = 0; i < n; i++) {
		t->ranges[i] = (struct rheap_ffa_range){ A + 2 * i * PAGE, 1 };
	}
	return encode_tx(t, desc_buf);
}

static int send_first(uint16_t caller, const uint8_t *d, size_t total,
		      size_t first, struct spmc_send_result *res)
{
	return spmc_send(S, caller, RHEAP_FFA_ABI_LEND, d, total, first, res,
			 NULL);
}

static void test_frag_two_pieces(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;
	size_t first = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 10, &t);
	first = n - 5 * 16;
	CHK(send_first(VM1, desc_buf, n, first, &res), 0);
	assert_false(res.complete);
	assert_int_equal(res.received, first);
	assert_int_equal(state_of(res.handle), SPMC_SHARE_SENDING);
	assert_int_equal(F.ncalls, 0); /* nothing protected yet */
	CHK(spmc_frag_tx(S, VM1, res.handle, desc_buf + first, n - first, &res,
			 NULL),
	    0);
	assert_true(res.complete);
	assert_int_equal(state_of(res.handle), SPMC_SHARE_SENT);
	assert_int_equal(F.prot_pages, 10);
	close_spmc();
}

static void test_frag_many_pieces(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;
	size_t off = 0;
	size_t first = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 20, &t);
	assert_int_equal(rheap_ffa_frag_first_size(desc_buf, n, 128, &first), 0);
	CHK(send_first(VM1, desc_buf, n, first, &res), 0);
	off = first;
	while (off < n) {
		size_t len = 0;

		assert_int_equal(rheap_ffa_frag_next_size(n, off, 112, &len), 0);
		assert_false(res.complete);
		assert_int_equal(res.received, off);
		CHK(do_frag_tx(VM1, res.handle, desc_buf + off, len), 0);
		CHK(spmc_share_find(S, res.handle,
				    &(struct spmc_share_info){ 0 }),
		    0);
		off += len;
		if (off < n) {
			res.received = (uint32_t)off;
		} else {
			res.complete = true;
		}
	}
	assert_int_equal(state_of(res.handle), SPMC_SHARE_SENT);
	close_spmc();
}

static void test_frag_tx_rejections(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;
	size_t first = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 10, &t);
	first = n - 5 * 16;
	CHK(send_first(VM1, desc_buf, n, first, &res), 0);
	h = res.handle;
	CHK(do_frag_tx(VM2, h, desc_buf + first, 16), -EPERM);   /* other VM */
	CHK(do_frag_tx(SP1, h, desc_buf + first, 16), -EPERM);   /* an SP */
	CHK(do_frag_tx(VM1, h + 1, desc_buf + first, 16), -ENOENT);
	CHK(do_frag_tx(VM1, h ^ (UINT64_C(1) << 20), desc_buf + first, 16),
	    -ENOENT);
	CHK(do_frag_tx(VM1, h, desc_buf + first, 8), -EINVAL);   /* not 16x */
	CHK(do_frag_tx(VM1, h, desc_buf + first, 0), -EINVAL);   /* empty */
	CHK(do_frag_tx(VM1, h, desc_buf + first, 6 * 16), -EINVAL); /* past */
	CHK(spmc_frag_tx(S, VM1, h, NULL, 16, &res, NULL), -EINVAL);
	CHK(do_frag_tx(VM1, h, desc_buf + first, 16), 0);
	CHK(do_frag_tx(VM1, h, desc_buf + first + 16, 4 * 16), 0);
	CHK(do_frag_tx(VM1, h, desc_buf + first, 16), -ENOENT); /* complete */
	close_spmc();
}

static void test_frag_limit(void **state)
{
	struct spmc_cfg cfg = base_cfg();
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;
	size_t first = 0;

	(void)state;
	cfg.limits.max_fragments = 3;
	open_with(&cfg);
	n = big_lend(VM1, 10, &t);
	first = n - 5 * 16;
	CHK(send_first(VM1, desc_buf, n, first, &res), 0);
	CHK(do_frag_tx(VM1, res.handle, desc_buf + first, 16), 0);
	/* Fragment 3 would not complete it: refused, still SENDING. */
	CHK(do_frag_tx(VM1, res.handle, desc_buf + first + 16, 16), -ENOMEM);
	assert_int_equal(state_of(res.handle), SPMC_SHARE_SENDING);
	/* The completing fragment is still welcome. */
	CHK(do_frag_tx(VM1, res.handle, desc_buf + first + 16, 4 * 16), 0);
	assert_int_equal(state_of(res.handle), SPMC_SHARE_SENT);
	close_spmc();
}

static void test_frag_single_fragment_limit(void **state)
{
	struct spmc_cfg cfg = base_cfg();
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;

	(void)state;
	cfg.limits.max_fragments = 1;
	open_with(&cfg);
	n = big_lend(VM1, 10, &t);
	CHK(send_first(VM1, desc_buf, n, n - 16, &res), -ENOMEM);
	CHK(send_first(VM1, desc_buf, n, n, &res), 0);
	close_spmc();
}

static void test_frag_first_without_composite(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 10, &t);
	CHK(send_first(VM1, desc_buf, n, 48, &res), -EINVAL); /* no EMAD */
	CHK(send_first(VM1, desc_buf, n, 64, &res), -EINVAL); /* no composite */
	CHK(send_first(VM1, desc_buf, n, 16, &res), -EINVAL); /* no header */
	CHK(send_first(VM1, desc_buf, n, 40, &res), -EINVAL); /* not 16x */
	close_spmc();
}

static void test_frag_sender_mismatch_first(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 10, &t);
	CHK(send_first(VM2, desc_buf, n, n - 16, &res), -EPERM);
	close_spmc();
}

static void test_frag_invisible_until_complete(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;
	size_t first = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 10, &t);
	first = n - 5 * 16;
	CHK(send_first(VM1, desc_buf, n, first, &res), 0);
	h = res.handle;
	CHK(retrieve_simple(SP1, h, VM1), -ENOENT);
	CHK(do_relinquish(SP1, h, 0), -ENOENT);
	CHK(do_reclaim(VM2, h, 0), -ENOENT);
	CHK(do_reclaim(SP1, h, 0), -ENOENT);
	CHK(spmc_frag_rx(S, SP1, h, 0, resp_buf, 4096, &last_frag, NULL),
	    -ENOENT);
	CHK(do_frag_tx(VM1, h, desc_buf + first, n - first), 0);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	close_spmc();
}

static void test_frag_reclaim_aborts(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;
	size_t first = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 10, &t);
	first = n - 5 * 16;
	CHK(send_first(VM1, desc_buf, n, first, &res), 0);
	CHK(do_reclaim(VM1, res.handle, 0), 0);
	assert_int_equal(F.ncalls, 0); /* nothing was protected */
	CHK(do_frag_tx(VM1, res.handle, desc_buf + first, n - first), -ENOENT);
	CHK(do_reclaim(VM1, res.handle, 0), -ENOENT);
	/* The memory was never taken: send it again whole. */
	CHK(send_first(VM1, desc_buf, n, n, &res), 0);
	close_spmc();
}

static void test_frag_interleaved_two_senders(void **state)
{
	static uint8_t d2[BUF_MAX];
	struct spmc_send_result r1 = { 0 };
	struct spmc_send_result r2 = { 0 };
	struct tx t1;
	struct tx t2;
	size_t n1 = 0;
	size_t n2 = 0;

	(void)state;
	open_default();
	n1 = big_lend(VM1, 6, &t1);
	t2 = t1;
	t2.sender = VM2;
	for (uint32_t i = 0; i < 6; i++) {
		t2.ranges[i].address += 64 * PAGE;
	}
	n2 = encode_tx(&t2, d2);
	CHK(send_first(VM1, desc_buf, n1, n1 - 32, &r1), 0);
	CHK(send_first(VM2, d2, n2, n2 - 48, &r2), 0);
	assert_true(r1.handle != r2.handle);
	/* Each handle only takes its own sender's fragments. */
	CHK(do_frag_tx(VM2, r1.handle, d2 + n2 - 48, 48), -EPERM);
	CHK(do_frag_tx(VM1, r2.handle, desc_buf + n1 - 32, 16), -EPERM);
	CHK(do_frag_tx(VM2, r2.handle, d2 + n2 - 48, 16), 0);
	CHK(do_frag_tx(VM1, r1.handle, desc_buf + n1 - 32, 32), 0);
	CHK(do_frag_tx(VM2, r2.handle, d2 + n2 - 32, 32), 0);
	assert_int_equal(state_of(r1.handle), SPMC_SHARE_SENT);
	assert_int_equal(state_of(r2.handle), SPMC_SHARE_SENT);
	close_spmc();
}

static void test_frag_interleaved_same_sender(void **state)
{
	static uint8_t d2[BUF_MAX];
	struct spmc_send_result r1 = { 0 };
	struct spmc_send_result r2 = { 0 };
	struct tx t1;
	struct tx t2;
	size_t n1 = 0;
	size_t n2 = 0;

	(void)state;
	open_default();
	n1 = big_lend(VM1, 6, &t1);
	t2 = t1;
	for (uint32_t i = 0; i < 6; i++) {
		t2.ranges[i].address += 64 * PAGE;
	}
	n2 = encode_tx(&t2, d2);
	CHK(send_first(VM1, desc_buf, n1, n1 - 32, &r1), 0);
	CHK(send_first(VM1, d2, n2, n2 - 32, &r2), 0);
	CHK(do_frag_tx(VM1, r2.handle, d2 + n2 - 32, 32), 0);
	CHK(do_frag_tx(VM1, r1.handle, desc_buf + n1 - 32, 32), 0);
	close_spmc();
}

/* Both in flight over the same pages: the second to complete loses. */
static void test_frag_same_pages_race(void **state)
{
	static uint8_t d2[BUF_MAX];
	struct spmc_send_result r1 = { 0 };
	struct spmc_send_result r2 = { 0 };
	struct tx t1;
	struct tx t2;
	size_t n1 = 0;
	size_t n2 = 0;

	(void)state;
	open_default();
	n1 = big_lend(VM1, 6, &t1);
	t2 = t1;
	t2.sender = VM2;
	n2 = encode_tx(&t2, d2);
	CHK(send_first(VM1, desc_buf, n1, n1 - 32, &r1), 0);
	CHK(send_first(VM2, d2, n2, n2 - 32, &r2), 0);
	CHK(do_frag_tx(VM2, r2.handle, d2 + n2 - 32, 32), 0);
	CHK(do_frag_tx(VM1, r1.handle, desc_buf + n1 - 32, 32), -EPERM);
	assert_int_equal(state_of(r1.handle), SPMC_SHARE_SENDING);
	CHK(do_reclaim(VM1, r1.handle, 0), 0);
	close_spmc();
}

/* The completing fragment is refused, then a corrected one is accepted. */
static void test_frag_last_refused_then_corrected(void **state)
{
	struct spmc_send_result res = { 0 };
	uint8_t bad[16];
	struct tx t;
	size_t n = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 4, &t);
	CHK(send_first(VM1, desc_buf, n, n - 16, &res), 0);
	memcpy(bad, desc_buf + n - 16, 16);
	bad[3] = 0x8e; /* last range's address into the carve-out */
	bad[2] = 0x00;
	CHK(do_frag_tx(VM1, res.handle, bad, 16), -EPERM);
	bad[8] = 0; /* page count 0: malformed */
	CHK(do_frag_tx(VM1, res.handle, bad, 16), -EINVAL);
	CHK(do_frag_tx(VM1, res.handle, desc_buf + n - 16, 16), 0);
	assert_int_equal(F.prot_pages, 4);
	close_spmc();
}

static void test_frag_complete_alloc_fault(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 4, &t);
	CHK(send_first(VM1, desc_buf, n, n - 16, &res), 0);
	fail_alloc_in(1); /* the constituent array */
	CHK(do_frag_tx(VM1, res.handle, desc_buf + n - 16, 16), -ENOMEM);
	no_faults();
	fail_op_in(2, 1); /* second protect */
	CHK(do_frag_tx(VM1, res.handle, desc_buf + n - 16, 16), -ENOMEM);
	assert_int_equal(F.nprot, 0);
	no_faults();
	CHK(do_frag_tx(VM1, res.handle, desc_buf + n - 16, 16), 0);
	close_spmc();
}

static void test_frag_abandoned_freed_on_teardown(void **state)
{
	struct spmc_send_result res = { 0 };
	struct spmc_ep_stats st = { 0 };
	struct tx t;
	size_t n = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 6, &t);
	CHK(send_first(VM1, desc_buf, n, n - 32, &res), 0);
	assert_int_equal(spmc_endpoint_stats(S, VM1, &st), 0);
	assert_int_equal(st.pending, 1);
	CHK(spmc_endpoint_teardown(S, VM1), 0);
	assert_int_equal(state_of(res.handle), SPMC_SHARE_FREE);
	assert_int_equal(spmc_endpoint_stats(S, VM1, &st), 0);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.live_handles, 0);
	close_spmc();
}

static void test_frag_destroy_with_pending(void **state)
{
	struct spmc_send_result res = { 0 };
	struct tx t;
	size_t n = 0;

	(void)state;
	open_default();
	n = big_lend(VM1, 6, &t);
	CHK(send_first(VM1, desc_buf, n, n - 32, &res), 0);
	close_spmc(); /* no leak */
}

/* ---------------------------------------------------------------------- */
/* Retrieve.                                                               */

static void decode_resp(struct rheap_ffa_mem *m, struct rheap_ffa_receiver *r,
			struct rheap_ffa_range *ranges, uint32_t rcap)
{
	m->receivers = r;
	m->receiver_cap = SPMC_MAX_RECEIVERS;
	m->ranges = ranges;
	m->range_cap = rcap;
	assert_int_equal(rheap_ffa_mem_decode(RHEAP_FFA_ABI_RETRIEVE_RESP,
					      resp_buf, last_total, m, NULL),
			 0);
}

static void test_retrieve_ok_lend(void **state)
{
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS];
	struct rheap_ffa_range ranges[4];
	struct rheap_ffa_mem m = { 0 };
	struct spmc_ep_stats st = { 0 };
	struct tx t = tx_lend(VM1, SP1, A, 1);
	uint64_t h = 0;

	(void)state;
	open_default();
	s_three_ranges(&t);
	h = send_ok(VM1, &t);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	assert_int_equal(last_total, last_frag);
	decode_resp(&m, r, ranges, 4);
	assert_int_equal(m.handle, h);
	assert_int_equal(m.sender_id, VM1);
	assert_int_equal(m.tag, 0x1234);
	assert_int_equal((m.flags & FFA_MEM_FLAG_TYPE_MASK) >>
				 FFA_MEM_FLAG_TYPE_SHIFT,
			 FFA_MEM_FLAG_TYPE_LEND);
	assert_int_equal(m.attributes, WB); /* borrower default */
	assert_int_equal(m.receiver_count, 1);
	assert_int_equal(r[0].endpoint_id, SP1);
	assert_int_equal(r[0].permissions,
			 FFA_DATA_ACCESS_RW | FFA_INSTRUCTION_ACCESS_NX
						      << FFA_INSTRUCTION_ACCESS_SHIFT);
	assert_int_equal(m.range_count, 3);
	assert_int_equal(m.total_page_count, 6);
	assert_int_equal(ranges[2].address, C);
	assert_int_equal(state_of(h), SPMC_SHARE_RETRIEVED);
	assert_int_equal(spmc_endpoint_stats(S, SP1, &st), 0);
	assert_int_equal(st.retrievals, 1);
	assert_int_equal(st.pages_borrowed, 6);
	close_spmc();
}

static void test_retrieve_ok_share_attrs(void **state)
{
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS];
	struct rheap_ffa_range ranges[4];
	struct rheap_ffa_mem m = { 0 };
	struct tx t = tx_share(VM1, SP1, A, 2);
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	q = rq_for(h, VM1, SP1);
	q.attributes = WB;
	q.flags = FFA_MEM_FLAG_TYPE_SHARE << FFA_MEM_FLAG_TYPE_SHIFT;
	CHK(do_retrieve(SP1, &q), 0);
	decode_resp(&m, r, ranges, 4);
	assert_int_equal(m.attributes, WB);
	assert_int_equal((m.flags & FFA_MEM_FLAG_TYPE_MASK) >>
				 FFA_MEM_FLAG_TYPE_SHIFT,
			 FFA_MEM_FLAG_TYPE_SHARE);
	close_spmc();
}

static void test_retrieve_ok_v1_2_impdef(void **state)
{
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS];
	struct rheap_ffa_range ranges[4];
	struct rheap_ffa_mem m = { 0 };
	struct tx t = tx_lend(VM1, SP1, A, 2);
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	t.version = FFA_VERSION_1_2;
	h = send_ok(VM1, &t);
	q = rq_for(h, VM1, SP1);
	q.version = FFA_VERSION_1_2;
	CHK(do_retrieve(SP1, &q), 0);
	decode_resp(&m, r, ranges, 4);
	assert_int_equal(m.version, FFA_VERSION_1_2);
	assert_int_equal(r[0].impdef[0], 0xA0);
	close_spmc();
}

static void test_retrieve_ok_borrower_attrs(void **state)
{
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS];
	struct rheap_ffa_range ranges[4];
	struct rheap_ffa_mem m = { 0 };
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 1);
	q = rq_for(h, VM1, SP1);
	q.attributes = 0x27; /* Normal NC inner shareable, borrower's choice */
	CHK(do_retrieve(SP1, &q), 0);
	decode_resp(&m, r, ranges, 4);
	assert_int_equal(m.attributes, 0x27);
	close_spmc();
}

static void test_retrieve_ro_grant(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	t.perm[0] = FFA_DATA_ACCESS_RO;
	h = send_ok(VM1, &t);
	q = rq_for(h, VM1, SP1);
	q.perm[0] = FFA_DATA_ACCESS_RW;
	CHK(do_retrieve(SP1, &q), -EPERM);
	q.perm[0] = FFA_DATA_ACCESS_RO;
	CHK(do_retrieve(SP1, &q), 0);
	/* RO borrower cannot ask zeroing on relinquish. */
	CHK(do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR), -EPERM);
	CHK(do_relinquish(SP1, h, 0), 0);
	close_spmc();
}

struct rq_case {
	const char *name;
	uint16_t caller;
	void (*mutate)(struct rq *q);
	int want;
};

static void q_none(struct rq *q) { (void)q; }
static void q_sender(struct rq *q) { q->sender = VM2; }
static void q_tag(struct rq *q) { q->tag = 0x1235; }
static void q_type_share(struct rq *q) { q->flags = FFA_MEM_FLAG_TYPE_SHARE << FFA_MEM_FLAG_TYPE_SHIFT; }
static void q_type_donate(struct rq *q) { q->flags = FFA_MEM_FLAG_TYPE_DONATE << FFA_MEM_FLAG_TYPE_SHIFT; }
static void q_type_lend(struct rq *q) { q->flags = FFA_MEM_FLAG_TYPE_LEND << FFA_MEM_FLAG_TYPE_SHIFT; }
static void q_clear(struct rq *q) { q->flags = FFA_MEM_FLAG_CLEAR; }
static void q_clear_rel(struct rq *q) { q->flags = FFA_MEM_FLAG_CLEAR_RELINQUISH; }
static void q_hint(struct rq *q) { q->flags = FFA_MEM_FLAG_ALIGN_HINT_VALID | (1u << 5); }
static void q_time_slice(struct rq *q) { q->flags = FFA_MEM_FLAG_TIME_SLICE; }
static void q_x(struct rq *q) { q->perm[0] = FFA_INSTRUCTION_ACCESS_X << FFA_INSTRUCTION_ACCESS_SHIFT; }
static void q_nx(struct rq *q) { q->perm[0] = FFA_DATA_ACCESS_RW | FFA_INSTRUCTION_ACCESS_NX << FFA_INSTRUCTION_ACCESS_SHIFT; }
static void q_ro(struct rq *q) { q->perm[0] = FFA_DATA_ACCESS_RO; }
static void q_device(struct rq *q) { q->attributes = 0x10; }
static void q_attr_bits_untyped(struct rq *q) { q->attributes = 0x0f; }
static void q_names_other(struct rq *q) { q->recv[0] = SP2; }
static void q_names_stranger(struct rq *q) { q->recv[1] = SP3; q->nrecv = 2; }
static void q_nonretrieval_self(struct rq *q) { q->emad_flags[0] = 1; }
static void q_stale(struct rq *q) { q->handle ^= UINT64_C(1) << 16; }
static void q_unknown_slot(struct rq *q) { q->handle += 5; }
static void q_hyp_handle(struct rq *q) { q->handle |= UINT64_C(1) << 63; }
static void q_handle_zero(struct rq *q) { q->handle = 0; }
static void q_v12(struct rq *q) { q->version = FFA_VERSION_1_2; }

/* Against a single-receiver LEND of A (4 pages, RW) from VM1 to SP1. */
static const struct rq_case rq_cases[] = {
	{ "retrieve_ok_plain", SP1, q_none, 0 },
	{ "retrieve_ok_type_lend", SP1, q_type_lend, 0 },
	{ "retrieve_ok_time_slice", SP1, q_time_slice, 0 },
	{ "retrieve_ok_nx", SP1, q_nx, 0 },
	{ "retrieve_ok_ro_of_rw", SP1, q_ro, 0 },
	{ "retrieve_ok_clear_relinquish", SP1, q_clear_rel, 0 },
	{ "retrieve_ok_v1_2_request", SP1, q_v12, 0 },
	{ "retrieve_rej_not_receiver", SP2, q_names_other, -EPERM },
	{ "retrieve_rej_caller_vm", VM2, q_none, -EPERM },
	{ "retrieve_rej_caller_unknown", 0x8009, q_none, -EPERM },
	{ "retrieve_rej_sender_mismatch", SP1, q_sender, -EINVAL },
	{ "retrieve_rej_tag_mismatch", SP1, q_tag, -EINVAL },
	{ "retrieve_rej_type_share", SP1, q_type_share, -EINVAL },
	{ "retrieve_rej_type_donate", SP1, q_type_donate, -EINVAL },
	{ "retrieve_rej_clear_not_offered", SP1, q_clear, -EPERM },
	{ "retrieve_rej_align_hint", SP1, q_hint, -EINVAL },
	{ "retrieve_rej_execute", SP1, q_x, -EPERM },
	{ "retrieve_rej_device_attrs", SP1, q_device, -EINVAL },
	{ "retrieve_rej_attr_bits_without_type", SP1, q_attr_bits_untyped, -EINVAL },
	{ "retrieve_rej_request_names_other", SP1, q_names_other, -EINVAL },
	{ "retrieve_rej_request_names_stranger", SP1, q_names_stranger, -EINVAL },
	{ "retrieve_rej_nonretrieval_self", SP1, q_nonretrieval_self, -EINVAL },
	{ "retrieve_rej_stale_generation", SP1, q_stale, -ENOENT },
	{ "retrieve_rej_unknown_slot", SP1, q_unknown_slot, -ENOENT },
	{ "retrieve_rej_hypervisor_handle", SP1, q_hyp_handle, -ENOENT },
	{ "retrieve_rej_handle_zero", SP1, q_handle_zero, -ENOENT },
};

static void test_rq_case(void **state)
{
	const struct rq_case *rc = *state;
	struct rq q;
	uint64_t h = 0;

	open_default();
	h = lend_ok(VM1, SP1, A, 4);
	q = rq_for(h, VM1, rc->caller);
	rc->mutate(&q);
	CHK(do_retrieve(rc->caller, &q), rc->want);
	assert_int_equal(state_of(h), rc->want == 0 ? SPMC_SHARE_RETRIEVED
						    : SPMC_SHARE_SENT);
	close_spmc();
}

static void test_retrieve_share_clear_relinquish(void **state)
{
	struct tx t = tx_share(VM1, SP1, A, 1);
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	q = rq_for(h, VM1, SP1);
	q.flags = FFA_MEM_FLAG_CLEAR_RELINQUISH; /* type unspecified */
	CHK(do_retrieve(SP1, &q), -EINVAL);
	q.attributes = 0x27; /* differs from the sender's WB */
	q.flags = 0;
	CHK(do_retrieve(SP1, &q), -EINVAL);
	close_spmc();
}

static void test_retrieve_clear_offered(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS];
	struct rheap_ffa_range ranges[4];
	struct rheap_ffa_mem m = { 0 };
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	t.flags = FFA_MEM_FLAG_CLEAR;
	h = send_ok(VM1, &t);
	q = rq_for(h, VM1, SP1);
	q.flags = FFA_MEM_FLAG_CLEAR;
	CHK(do_retrieve(SP1, &q), 0);
	decode_resp(&m, r, ranges, 4);
	assert_true(m.flags & FFA_MEM_FLAG_CLEAR);
	close_spmc();
}

static void test_retrieve_twice(void **state)
{
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 1);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(retrieve_simple(SP1, h, VM1), -EBUSY);
	CHK(do_relinquish(SP1, h, 0), 0);
	CHK(retrieve_simple(SP1, h, VM1), 0); /* again after relinquish */
	close_spmc();
}

static void test_retrieve_malformed(void **state)
{
	uint8_t req[256];
	struct rq q;
	uint64_t h = 0;
	size_t n = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 1);
	q = rq_for(h, VM1, SP1);
	n = encode_rq(&q, req);
	CHK(spmc_retrieve(S, SP1, req, n - 1, resp_buf, BUF_MAX, &last_total,
			  &last_frag, NULL),
	    -EINVAL);
	CHK(spmc_retrieve(S, SP1, req, 16, resp_buf, BUF_MAX, &last_total,
			  &last_frag, NULL),
	    -EINVAL);
	req[0x34] = 0x30; /* EMAD composite offset non-zero */
	CHK(spmc_retrieve(S, SP1, req, n, resp_buf, BUF_MAX, &last_total,
			  &last_frag, NULL),
	    -EINVAL);
	req[0x34] = 0;
	req[2] = 0x40; /* NS bit */
	CHK(spmc_retrieve(S, SP1, req, n, resp_buf, BUF_MAX, &last_total,
			  &last_frag, NULL),
	    -EINVAL);
	req[2] = 0;
	CHK(spmc_retrieve(S, SP1, NULL, n, resp_buf, BUF_MAX, &last_total,
			  &last_frag, NULL),
	    -EINVAL);
	CHK(spmc_retrieve(S, SP1, req, n, resp_buf, BUF_MAX, &last_total,
			  &last_frag, NULL),
	    0);
	close_spmc();
}

static void test_retrieve_fragmented_response(void **state)
{
	static uint8_t whole[BUF_MAX];
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS];
	struct rheap_ffa_range ranges[64];
	struct rheap_ffa_mem m = { 0 };
	struct tx t;
	size_t off = 0;
	size_t n = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	big_lend(VM1, 40, &t);
	h = send_ok(VM1, &t);
	CHK(do_retrieve_cap(SP1, &(struct rq){ .handle = h, .sender = VM1,
					       .tag = 0x1234,
					       .version = FFA_VERSION_1_1,
					       .nrecv = 1, .recv = { SP1 } },
			    256),
	    0);
	assert_true(last_frag < last_total);
	assert_true(last_frag <= 256);
	memcpy(whole, resp_buf, last_frag);
	off = last_frag;
	CHK(spmc_frag_rx(S, SP1, h, off + 16, resp_buf, 256, &n, NULL),
	    -EINVAL);
	CHK(spmc_frag_rx(S, SP1, h, 0, resp_buf, 256, &n, NULL), -EINVAL);
	CHK(spmc_frag_rx(S, SP2, h, off, resp_buf, 256, &n, NULL), -EPERM);
	CHK(spmc_frag_rx(S, SP1, h + 1, off, resp_buf, 256, &n, NULL), -ENOENT);
	CHK(spmc_frag_rx(S, SP1, h, off, resp_buf, 8, &n, NULL), -ENOSPC);
	while (off < last_total) {
		CHK(spmc_frag_rx(S, SP1, h, off, resp_buf, 256, &n, NULL), 0);
		assert_true(n > 0 && n <= 256);
		memcpy(whole + off, resp_buf, n);
		off += n;
	}
	CHK(spmc_frag_rx(S, SP1, h, off, resp_buf, 256, &n, NULL), -EPERM);
	m.receivers = r;
	m.receiver_cap = SPMC_MAX_RECEIVERS;
	m.ranges = ranges;
	m.range_cap = 64;
	assert_int_equal(rheap_ffa_mem_decode(RHEAP_FFA_ABI_RETRIEVE_RESP,
					      whole, last_total, &m, NULL),
			 0);
	assert_int_equal(m.range_count, 40);
	assert_int_equal(ranges[39].address, A + 78 * PAGE);
	close_spmc();
}

static void test_retrieve_fragmented_then_relinquish(void **state)
{
	struct tx t;
	uint64_t h = 0;
	size_t n = 0;

	(void)state;
	open_default();
	big_lend(VM1, 40, &t);
	h = send_ok(VM1, &t);
	CHK(do_retrieve_cap(SP1, &(struct rq){ .handle = h, .sender = VM1,
					       .tag = 0x1234,
					       .version = FFA_VERSION_1_1,
					       .nrecv = 1, .recv = { SP1 } },
			    256),
	    0);
	CHK(do_relinquish(SP1, h, 0), 0); /* drops the response in flight */
	CHK(spmc_frag_rx(S, SP1, h, last_frag, resp_buf, 256, &n, NULL),
	    -EPERM);
	CHK(do_reclaim(VM1, h, 0), 0);
	close_spmc();
}

static void test_retrieve_resp_cap_too_small(void **state)
{
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 1);
	CHK(do_retrieve_cap(SP1, &(struct rq){ .handle = h, .sender = VM1,
					       .tag = 0x1234,
					       .version = FFA_VERSION_1_1,
					       .nrecv = 1, .recv = { SP1 } },
			    64),
	    -ENOSPC);
	close_spmc();
}

static void test_retrieve_alloc_fault(void **state)
{
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 1);
	fail_alloc_in(1);
	CHK(retrieve_simple(SP1, h, VM1), -ENOMEM);
	no_faults();
	CHK(retrieve_simple(SP1, h, VM1), 0);
	close_spmc();
}

static void test_donate_semantics(void **state)
{
	struct tx t = tx_donate(VM1, SP1, A, 3);
	struct spmc_share_info info = { 0 };
	struct spmc_ep_stats st = { 0 };
	struct rheap_ffa_receiver r[SPMC_MAX_RECEIVERS];
	struct rheap_ffa_range ranges[4];
	struct rheap_ffa_mem m = { 0 };
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	assert_int_equal(F.prot_pages, 3);
	CHK(do_reclaim(VM1, h, 0), -EINVAL); /* cannot take back a gift */
	CHK(retrieve_simple(SP2, h, VM1), -EPERM);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	decode_resp(&m, r, ranges, 4);
	assert_int_equal((m.flags & FFA_MEM_FLAG_TYPE_MASK) >>
				 FFA_MEM_FLAG_TYPE_SHIFT,
			 FFA_MEM_FLAG_TYPE_DONATE);
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_int_equal(info.state, SPMC_SHARE_DONATED);
	assert_int_equal(info.owner_id, SP1);
	CHK(retrieve_simple(SP1, h, VM1), -EBUSY);
	CHK(do_relinquish(SP1, h, 0), -EINVAL);
	CHK(do_reclaim(VM1, h, 0), -EINVAL);
	CHK(spmc_endpoint_teardown(S, VM1), 0);
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_false(info.orphaned);
	CHK(spmc_endpoint_teardown(S, SP1), 0);
	assert_int_equal(F.prot_pages, 3); /* stays secure, owned */
	assert_int_equal(spmc_endpoint_stats(S, SP1, &st), 0);
	assert_int_equal(st.pages_borrowed, 3);
	close_spmc();
}

static void test_donate_executable_allowed(void **state)
{
	struct tx t = tx_donate(VM1, SP1, A, 1);
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	q = rq_for(h, VM1, SP1);
	q.perm[0] = FFA_DATA_ACCESS_RO |
		    FFA_INSTRUCTION_ACCESS_X << FFA_INSTRUCTION_ACCESS_SHIFT;
	CHK(do_retrieve(SP1, &q), 0);
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Relinquish.                                                             */

static void test_relinquish_rejections(void **state)
{
	uint16_t two[2] = { SP1, SP2 };
	uint16_t other = SP2;
	struct tx t = tx_lend(VM1, SP1, A, 1);
	uint64_t h = 0;

	(void)state;
	open_default();
	tx_add_recv(&t, SP2, FFA_DATA_ACCESS_RW);
	h = send_ok(VM1, &t);
	CHK(do_relinquish(SP1, h, 0), -EPERM); /* before retrieve */
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(do_relinquish(SP3, h, 0), -EPERM);  /* not a receiver */
	CHK(do_relinquish(VM1, h, 0), -EPERM);  /* the lender */
	CHK(do_relinquish_ids(SP1, h, 0, two, 2), -EINVAL);
	CHK(do_relinquish_ids(SP1, h, 0, &other, 1), -EPERM);
	CHK(do_relinquish(SP1, h + 1, 0), -ENOENT);
	CHK(do_relinquish(SP1, h ^ (UINT64_C(1) << 40), 0), -ENOENT);
	{
		uint8_t buf[32] = { 0 };

		memcpy(buf, &h, 8);
		buf[8] = 0x04; /* MBZ flag bit */
		buf[12] = 1;
		buf[16] = (uint8_t)SP1;
		buf[17] = (uint8_t)(SP1 >> 8);
		CHK(spmc_relinquish(S, SP1, buf, 18, NULL), -EINVAL);
		CHK(spmc_relinquish(S, SP1, buf, 10, NULL), -EINVAL);
	}
	CHK(retrieve_simple(SP2, h, VM1), 0);
	CHK(do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR), -EBUSY);
	CHK(do_relinquish(SP1, h, 0), 0);
	CHK(do_relinquish(SP1, h, 0), -EPERM); /* twice */
	CHK(do_relinquish(SP2, h, 0), 0);
	CHK(do_reclaim(VM1, h, 0), 0);
	CHK(do_relinquish(SP1, h, 0), -ENOENT);
	close_spmc();
}

static void test_relinquish_clear_last_scrubs(void **state)
{
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 2);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	mark = F.ncalls;
	CHK(do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR), 0);
	assert_int_equal(count_ops(OP_SCRUB, mark), 1);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	assert_int_equal(count_ops(OP_SCRUB, mark), 0); /* already zero */
	close_spmc();
}

static void test_relinquish_clear_share_rejected(void **state)
{
	struct tx t = tx_share(VM1, SP1, A, 1);
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR), -EINVAL);
	CHK(do_relinquish(SP1, h, 0), 0);
	close_spmc();
}

static void test_relinquish_scrub_fault(void **state)
{
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 2);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	fail_op_in(1, 1);
	CHK(do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR), -ENOMEM);
	assert_int_equal(state_of(h), SPMC_SHARE_RETRIEVED);
	no_faults();
	CHK(do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR), 0);
	close_spmc();
}

/* CLEAR_RELINQUISH in the retrieve request: now if last, else at reclaim. */
static void test_relinquish_request_clear(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	unsigned int mark = 0;
	struct rq q;
	uint64_t h = 0;

	(void)state;
	open_default();
	tx_add_recv(&t, SP2, FFA_DATA_ACCESS_RW);
	h = send_ok(VM1, &t);
	q = rq_for(h, VM1, SP1);
	q.flags = FFA_MEM_FLAG_CLEAR_RELINQUISH;
	q.attributes = WB;
	CHK(do_retrieve(SP1, &q), 0);
	CHK(retrieve_simple(SP2, h, VM1), 0);
	mark = F.ncalls;
	CHK(do_relinquish(SP1, h, 0), 0); /* SP2 still holds: deferred */
	assert_int_equal(count_ops(OP_SCRUB, mark), 0);
	CHK(do_relinquish(SP2, h, 0), 0);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	assert_int_equal(count_ops(OP_SCRUB, mark), 1);
	assert_int_equal(F.calls[mark].op, OP_SCRUB);
	assert_int_equal(F.calls[mark + 1].op, OP_UNPROTECT);
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Reclaim.                                                                */

static void test_reclaim_lend_unprotects(void **state)
{
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 4);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	assert_int_equal(count_ops(OP_UNPROTECT, mark), 1);
	assert_int_equal(count_ops(OP_SCRUB, mark), 0); /* not asked, not pool */
	assert_int_equal(F.nprot, 0);
	CHK(retrieve_simple(SP1, h, VM1), -ENOENT); /* retrieve after reclaim */
	CHK(do_reclaim(VM1, h, 0), -ENOENT);         /* reclaim twice */
	close_spmc();
}

static void test_reclaim_share(void **state)
{
	struct tx t = tx_share(VM1, SP1, A, 1);
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	CHK(do_reclaim(VM1, h, FFA_RECLAIM_FLAG_CLEAR), -EINVAL);
	CHK(do_reclaim(VM1, h, 0), 0);
	assert_int_equal(F.ncalls, 0);
	close_spmc();
}

static void test_reclaim_rejections(void **state)
{
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 1);
	CHK(do_reclaim(VM2, h, 0), -EPERM);
	CHK(do_reclaim(SP1, h, 0), -EPERM);
	CHK(do_reclaim(HYP, h, 0), -EPERM); /* not orphaned */
	CHK(do_reclaim(VM1, h, 0x4), -EINVAL);
	CHK(do_reclaim(VM1, h, 0x80000000u), -EINVAL);
	CHK(do_reclaim(VM1, FFA_HANDLE_INVALID, 0), -ENOENT);
	CHK(do_reclaim(VM1, 0, 0), -ENOENT);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(do_reclaim(VM1, h, 0), -EBUSY); /* while borrowed */
	CHK(do_relinquish(SP1, h, 0), 0);
	CHK(do_reclaim(VM1, h, 0), 0);
	close_spmc();
}

static void test_reclaim_multi_receivers(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	uint64_t h = 0;

	(void)state;
	open_default();
	tx_add_recv(&t, SP2, FFA_DATA_ACCESS_RO);
	tx_add_recv(&t, SP3, FFA_DATA_ACCESS_RW);
	h = send_ok(VM1, &t);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(retrieve_simple(SP2, h, VM1), 0);
	CHK(retrieve_simple(SP3, h, VM1), 0);
	CHK(do_reclaim(VM1, h, 0), -EBUSY);
	CHK(do_relinquish(SP2, h, 0), 0);
	CHK(do_reclaim(VM1, h, 0), -EBUSY);
	CHK(do_relinquish(SP1, h, 0), 0);
	CHK(do_reclaim(VM1, h, 0), -EBUSY);
	CHK(do_relinquish(SP3, h, 0), 0);
	CHK(do_reclaim(VM1, h, 0), 0);
	close_spmc();
}

static void test_reclaim_clear_scrub_before_unprotect(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	s_three_ranges(&t);
	h = send_ok(VM1, &t);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, FFA_RECLAIM_FLAG_CLEAR), 0);
	assert_int_equal(F.ncalls - mark, 6);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(F.calls[mark + i].op, OP_SCRUB);
		assert_int_equal(F.calls[mark + 3 + i].op, OP_UNPROTECT);
	}
	close_spmc();
}

static void test_reclaim_pool_always_scrubbed(void **state)
{
	struct tx t = tx_lend(VM1, SP1, POOL + 8 * PAGE, 2);
	unsigned int mark = 0;
	struct spmc_stats st = { 0 };
	uint64_t h = 0;

	(void)state;
	open_default();
	t.nranges = 2;
	t.ranges[1] = (struct rheap_ffa_range){ A, 1 }; /* outside the pool */
	h = send_ok(VM1, &t);
	spmc_stats(S, &st);
	assert_int_equal(st.pool_pages, 2);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0); /* no CLEAR asked */
	assert_int_equal(count_ops(OP_SCRUB, mark), 1);
	assert_int_equal(F.calls[mark].op, OP_SCRUB);
	assert_int_equal(F.calls[mark].base, POOL + 8 * PAGE);
	assert_int_equal(F.calls[mark + 1].op, OP_UNPROTECT);
	assert_int_equal(F.calls[mark + 2].op, OP_UNPROTECT);
	close_spmc();
}

static void test_reclaim_pool_share_scrubbed(void **state)
{
	struct tx t = tx_share(VM1, SP1, POOL + POOL_SIZE - PAGE, 1);
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	assert_int_equal(count_ops(OP_SCRUB, mark), 1);
	close_spmc();
}

static void test_reclaim_scrub_fault_nothing_unprotected(void **state)
{
	(void)state;
	for (unsigned int k = 1; k <= 3; k++) {
		struct tx t = tx_lend(VM1, SP1, A, 1);
		uint64_t h = 0;

		open_default();
		s_three_ranges(&t);
		h = send_ok(VM1, &t);
		fail_op_in(k, 1);
		CHK(do_reclaim(VM1, h, FFA_RECLAIM_FLAG_CLEAR), -ENOMEM);
		assert_int_equal(F.prot_pages, 6);
		assert_int_equal(count_ops(OP_UNPROTECT, 0), 0);
		no_faults();
		CHK(do_reclaim(VM1, h, FFA_RECLAIM_FLAG_CLEAR), 0);
		close_spmc();
	}
}

static void test_reclaim_unprotect_fault_reprotects(void **state)
{
	(void)state;
	for (unsigned int k = 1; k <= 3; k++) {
		struct tx t = tx_lend(VM1, SP1, A, 1);
		uint64_t h = 0;

		open_default();
		s_three_ranges(&t);
		h = send_ok(VM1, &t);
		fail_op_in(k, 1);
		CHK(do_reclaim(VM1, h, 0), -ENOMEM);
		assert_int_equal(F.prot_pages, 6);
		assert_int_equal(state_of(h), SPMC_SHARE_SENT);
		no_faults();
		CHK(do_reclaim(VM1, h, 0), 0);
		assert_int_equal(F.nprot, 0);
		close_spmc();
	}
}

static void test_reclaim_undo_fault_wedges(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	uint64_t h = 0;

	(void)state;
	open_default();
	s_three_ranges(&t);
	h = send_ok(VM1, &t);
	fail_op_in(2, 2); /* unprotect 2 fails, then re-protect of 1 fails */
	CHK(do_reclaim(VM1, h, 0), -ENOMEM);
	assert_true(spmc_is_wedged(S));
	no_faults();
	CHK(do_reclaim(VM1, h, 0), -EBUSY);
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Runs: one platform call per run of adjacent constituents.               */

#define P(n) ((uint64_t)(n) * PAGE)

static struct tx tx_lend_ranges(const struct rheap_ffa_range *r, uint32_t n)
{
	struct tx t = tx_lend(VM1, SP1, r[0].address, r[0].page_count);

	t.nranges = n;
	for (uint32_t i = 0; i < n; i++) {
		t.ranges[i] = r[i];
	}
	return t;
}

/* Adjacent constituents: one call each for protect, scrub and unprotect. */
static void test_runs_adjacent_merge(void **state)
{
	const struct rheap_ffa_range r[] = {
		{ A, 1 }, { A + P(1), 2 }, { A + P(3), 1 },
	};
	const struct fcall send[] = {
		{ OP_PROTECT, A, P(4), 0 },
		{ OP_SCRUB, A, P(4), 0 },
	};
	const struct fcall reclaim[] = {
		{ OP_SCRUB, A, P(4), 0 },
		{ OP_UNPROTECT, A, P(4), 0 },
	};
	struct tx t = tx_lend_ranges(r, 3);
	struct spmc_stats st = { 0 };
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	t.flags = FFA_MEM_FLAG_CLEAR;
	h = send_ok(VM1, &t);
	expect_calls(0, send, 2);
	spmc_stats(S, &st);
	assert_int_equal(st.protected_pages, 4);
	assert_int_equal(st.scrubbed_pages, 4);
	assert_int_equal(state_of(h), SPMC_SHARE_SENT);
	/* The borrower still sees the three constituents, in order. */
	CHK(retrieve_simple(SP1, h, VM1), 0);
	mark = F.ncalls;
	CHK(do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR), 0);
	expect_calls(mark, send + 1, 1);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, FFA_RECLAIM_FLAG_CLEAR), 0);
	expect_calls(mark, reclaim, 2);
	spmc_stats(S, &st);
	assert_int_equal(st.protected_pages, 0);
	assert_int_equal(st.scrubbed_pages, 12);
	assert_int_equal(F.nprot, 0);
	close_spmc();
}

/* Non-adjacent constituents (a one-page gap) stay separate calls. */
static void test_runs_non_adjacent(void **state)
{
	const struct rheap_ffa_range r[] = {
		{ A, 1 }, { A + P(1), 1 }, { A + P(3), 1 }, { B, 2 },
		{ B + P(2), 1 },
	};
	const struct fcall send[] = {
		{ OP_PROTECT, A, P(2), 0 },
		{ OP_PROTECT, A + P(3), P(1), 0 },
		{ OP_PROTECT, B, P(3), 0 },
	};
	const struct fcall reclaim[] = {
		{ OP_UNPROTECT, A, P(2), 0 },
		{ OP_UNPROTECT, A + P(3), P(1), 0 },
		{ OP_UNPROTECT, B, P(3), 0 },
	};
	struct tx t = tx_lend_ranges(r, 5);
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	expect_calls(0, send, 3);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	expect_calls(mark, reclaim, 3);
	close_spmc();
}

/*
 * Out of order: descending and grow-from-the-middle lists coalesce into
 * one run; a list that comes back to an earlier run does not (the list is
 * not sorted), and reclaim then unprotects exactly the same runs.
 */
static void test_runs_out_of_order(void **state)
{
	const struct rheap_ffa_range down[] = {
		{ A + P(3), 1 }, { A + P(2), 1 }, { A + P(1), 1 }, { A, 1 },
	};
	const struct rheap_ffa_range middle[] = {
		{ B + P(2), 1 }, { B + P(3), 2 }, { B + P(1), 1 },
		{ B + P(5), 1 }, { B, 1 },
	};
	const struct rheap_ffa_range back[] = {
		{ C, 1 }, { C + P(2), 1 }, { C + P(1), 1 }, { C + P(4), 1 },
		{ C + P(3), 1 },
	};
	const struct fcall want_down[] = { { OP_PROTECT, A, P(4), 0 } };
	const struct fcall want_middle[] = { { OP_PROTECT, B, P(6), 0 } };
	const struct fcall want_back[] = {
		{ OP_PROTECT, C, P(1), 0 },
		{ OP_PROTECT, C + P(1), P(2), 0 },
		{ OP_PROTECT, C + P(3), P(2), 0 },
	};
	const struct fcall unprot_back[] = {
		{ OP_UNPROTECT, C, P(1), 0 },
		{ OP_UNPROTECT, C + P(1), P(2), 0 },
		{ OP_UNPROTECT, C + P(3), P(2), 0 },
	};
	struct tx t = tx_lend_ranges(down, 4);
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	send_ok(VM1, &t);
	expect_calls(0, want_down, 1);
	t = tx_lend_ranges(middle, 5);
	mark = F.ncalls;
	send_ok(VM1, &t);
	expect_calls(mark, want_middle, 1);
	t = tx_lend_ranges(back, 5);
	mark = F.ncalls;
	h = send_ok(VM1, &t);
	expect_calls(mark, want_back, 3);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	expect_calls(mark, unprot_back, 3);
	close_spmc();
}

/* Three runs of two constituents each: A+0..1, B+0..1, C+0..1. */
static const struct rheap_ffa_range three_runs[] = {
	{ A, 1 }, { A + P(1), 1 }, { B, 1 }, { B + P(1), 1 }, { C, 1 },
	{ C + P(1), 1 },
};

/* Protect of run 2 of 3 fails: run 1 is unprotected, nothing else. */
static void test_runs_protect_fault_second_run(void **state)
{
	const struct fcall want[] = {
		{ OP_PROTECT, A, P(2), 0 },
		{ OP_PROTECT, B, P(2), -ENOMEM },
		{ OP_UNPROTECT, A, P(2), 0 },
	};
	const struct fcall retry[] = {
		{ OP_PROTECT, A, P(2), 0 },
		{ OP_PROTECT, B, P(2), 0 },
		{ OP_PROTECT, C, P(2), 0 },
	};
	struct tx t = tx_lend_ranges(three_runs, 6);
	unsigned int mark = 0;

	(void)state;
	open_default();
	fail_op_in(2, 1);
	CHK(do_send(VM1, &t, NULL), -ENOMEM);
	expect_calls(0, want, 3);
	assert_int_equal(F.nprot, 0);
	assert_int_equal(spmc_stats_live(), 0);
	assert_false(spmc_is_wedged(S));
	no_faults();
	mark = F.ncalls;
	send_ok(VM1, &t);
	expect_calls(mark, retry, 3);
	close_spmc();
}

/* CLEAR scrub of run 2 fails: every run is unprotected again. */
static void test_runs_scrub_fault_second_run(void **state)
{
	const struct fcall want[] = {
		{ OP_PROTECT, A, P(2), 0 },   { OP_PROTECT, B, P(2), 0 },
		{ OP_PROTECT, C, P(2), 0 },   { OP_SCRUB, A, P(2), 0 },
		{ OP_SCRUB, B, P(2), -EBUSY }, { OP_UNPROTECT, A, P(2), 0 },
		{ OP_UNPROTECT, B, P(2), 0 }, { OP_UNPROTECT, C, P(2), 0 },
	};
	struct tx t = tx_lend_ranges(three_runs, 6);

	(void)state;
	open_default();
	t.flags = FFA_MEM_FLAG_CLEAR;
	fail_op_in(5, 1);
	F.fail_rc = -EBUSY;
	CHK(do_send(VM1, &t, NULL), -EBUSY);
	expect_calls(0, want, 8);
	assert_int_equal(F.nprot, 0);
	close_spmc();
}

/* Unprotect of run 2 of 3 fails at reclaim: run 1 is protected again. */
static void test_runs_unprotect_fault_second_run(void **state)
{
	const struct fcall want[] = {
		{ OP_UNPROTECT, A, P(2), 0 },
		{ OP_UNPROTECT, B, P(2), -ENOMEM },
		{ OP_PROTECT, A, P(2), 0 },
	};
	struct tx t = tx_lend_ranges(three_runs, 6);
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	mark = F.ncalls;
	fail_op_in(2, 1);
	CHK(do_reclaim(VM1, h, 0), -ENOMEM);
	expect_calls(mark, want, 3);
	assert_int_equal(F.prot_pages, 6);
	assert_int_equal(state_of(h), SPMC_SHARE_SENT);
	no_faults();
	CHK(do_reclaim(VM1, h, 0), 0);
	assert_int_equal(F.nprot, 0);
	close_spmc();
}

/* The undo of run 1 fails too: wedged, as per constituent before. */
static void test_runs_undo_fault_wedges(void **state)
{
	struct tx t = tx_lend_ranges(three_runs, 6);

	(void)state;
	open_default();
	fail_op_in(2, 2); /* protect of run 2, then the undo of run 1 */
	CHK(do_send(VM1, &t, NULL), -ENOMEM);
	assert_int_equal(F.ncalls, 3);
	assert_int_equal(F.calls[2].op, OP_UNPROTECT);
	assert_true(spmc_is_wedged(S));
	close_spmc();
}

/* Adjacent DRAM banks: a run never crosses from one bank to the next. */
static void test_runs_split_at_bank_boundary(void **state)
{
	struct spmc_cfg cfg = base_cfg();
	uint64_t edge = DRAM0 + DRAM0_SIZE;
	const struct rheap_ffa_range r[] = {
		{ edge - P(2), 1 }, { edge - P(1), 1 }, { edge, 2 },
	};
	const struct fcall want[] = {
		{ OP_PROTECT, edge - P(2), P(2), 0 },
		{ OP_PROTECT, edge, P(2), 0 },
	};
	const struct fcall unprot[] = {
		{ OP_UNPROTECT, edge - P(2), P(2), 0 },
		{ OP_UNPROTECT, edge, P(2), 0 },
	};
	struct tx t = tx_lend_ranges(r, 3);
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	cfg.dram[1] = (struct spmc_range){ edge, DRAM1_SIZE };
	open_with(&cfg);
	h = send_ok(VM1, &t);
	expect_calls(0, want, 2);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	expect_calls(mark, unprot, 2);
	close_spmc();
}

/*
 * A run straddling the start of the pool: reclaim without CLEAR scrubs
 * exactly the pool part (3 pages), then unprotects the whole run; with
 * CLEAR it scrubs the whole run.
 */
static void test_runs_pool_boundary_scrubs_pool_part(void **state)
{
	const struct rheap_ffa_range r[] = {
		{ POOL - P(2), 2 }, { POOL, 3 },
	};
	const struct fcall reclaim[] = {
		{ OP_SCRUB, POOL, P(3), 0 },
		{ OP_UNPROTECT, POOL - P(2), P(5), 0 },
	};
	const struct fcall reclaim_clear[] = {
		{ OP_SCRUB, POOL - P(2), P(5), 0 },
		{ OP_UNPROTECT, POOL - P(2), P(5), 0 },
	};
	struct tx t = tx_lend_ranges(r, 2);
	struct spmc_stats st = { 0 };
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	assert_int_equal(F.ncalls, 1);
	spmc_stats(S, &st);
	assert_int_equal(st.pool_pages, 3);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	expect_calls(mark, reclaim, 2);
	spmc_stats(S, &st);
	assert_int_equal(st.scrubbed_pages, 3);
	h = send_ok(VM1, &t);
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, FFA_RECLAIM_FLAG_CLEAR), 0);
	expect_calls(mark, reclaim_clear, 2);
	spmc_stats(S, &st);
	assert_int_equal(st.scrubbed_pages, 8);
	close_spmc();
}

/*
 * One constituent across the END of the pool, shared (never protected):
 * reclaim scrubs its pool page only, and no protect/unprotect happens.
 */
static void test_runs_pool_end_share(void **state)
{
	struct tx t = tx_share(VM1, SP1, POOL + POOL_SIZE - PAGE, 3);
	const struct fcall want[] = {
		{ OP_SCRUB, POOL + POOL_SIZE - PAGE, P(1), 0 },
	};
	struct spmc_stats st = { 0 };
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	CHK(do_reclaim(VM1, h, 0), 0);
	expect_calls(0, want, 1);
	spmc_stats(S, &st);
	assert_int_equal(st.scrubbed_pages, 1);
	close_spmc();
}

/*
 * Two pools with a gap, one run over both and the gap: one scrub per pool
 * part, in configuration order; a fault in the second scrub refuses the
 * reclaim with nothing unprotected.
 */
static void test_runs_two_pools_one_run(void **state)
{
	struct spmc_cfg cfg = base_cfg();
	const struct rheap_ffa_range r[] = {
		{ POOL - P(1), 3 }, { POOL + P(2), 4 }, { POOL + P(6), 5 },
	};
	const struct fcall want[] = {
		{ OP_SCRUB, POOL + P(6), P(4), 0 },
		{ OP_SCRUB, POOL, P(4), 0 },
		{ OP_UNPROTECT, POOL - P(1), P(12), 0 },
	};
	struct tx t = tx_lend_ranges(r, 3);
	struct spmc_stats st = { 0 };
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	cfg.pool_count = 2;
	cfg.pools[0] = (struct spmc_range){ POOL + P(6), P(4) };
	cfg.pools[1] = (struct spmc_range){ POOL, P(4) };
	open_with(&cfg);
	h = send_ok(VM1, &t);
	assert_int_equal(F.ncalls, 1);
	spmc_stats(S, &st);
	assert_int_equal(st.pool_pages, 8);
	mark = F.ncalls;
	fail_op_in(2, 1);
	CHK(do_reclaim(VM1, h, 0), -ENOMEM);
	assert_int_equal(count_ops(OP_UNPROTECT, mark), 0);
	assert_int_equal(F.prot_pages, 12);
	no_faults();
	mark = F.ncalls;
	CHK(do_reclaim(VM1, h, 0), 0);
	expect_calls(mark, want, 3);
	spmc_stats(S, &st);
	assert_int_equal(st.scrubbed_pages, 8); /* a refused call counts none */
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Handles.                                                                */

static void test_handle_layout(void **state)
{
	uint64_t h = 0;

	(void)state;
	open_default();
	for (int i = 0; i < 70; i++) {
		h = lend_ok(VM1, SP1, A, 1);
		assert_int_equal(h >> 63, 0);
		assert_int_equal(h & 0xffff, 0); /* slot 0 recycled */
		CHK(do_reclaim(VM1, h, 0), 0);
	}
	assert_true(h >> 32 != 0); /* upper word in use early */
	close_spmc();
}

static void test_handle_stale_after_recycling(void **state)
{
	static uint64_t old[10000];
	uint8_t relbuf[32] = { 0 };
	uint64_t h = 0;

	(void)state;
	open_default();
	for (int i = 0; i < 10000; i++) {
		struct spmc_send_result res = { 0 };
		struct tx t = tx_lend(VM1, SP1, A, 1);
		size_t n = encode_tx(&t, desc_buf);

		CHK(spmc_send(S, VM1, t.abi, desc_buf, n, n, &res, NULL), 0);
		old[i] = res.handle;
		CHK(spmc_reclaim(S, VM1, res.handle, 0, NULL), 0);
	}
	h = lend_ok(VM1, SP1, A, 1);
	for (int i = 0; i < 10000; i++) {
		assert_true(old[i] != h);
		assert_int_equal(old[i] & 0xffff, h & 0xffff);
		CHK(spmc_reclaim(S, VM1, old[i], 0, NULL), -ENOENT);
		CHK(retrieve_simple(SP1, old[i], VM1), -ENOENT);
		memcpy(relbuf, &old[i], 8);
		relbuf[12] = 1;
		relbuf[16] = (uint8_t)SP1;
		relbuf[17] = (uint8_t)(SP1 >> 8);
		CHK(spmc_relinquish(S, SP1, relbuf, 18, NULL), -ENOENT);
		CHK(do_frag_tx(VM1, old[i], desc_buf, 16), -ENOENT);
	}
	CHK(retrieve_simple(SP1, h, VM1), 0);
	close_spmc();
}

static void test_handle_refused_call_leaves_no_generation(void **state)
{
	struct tx bad = tx_lend(VM1, SP1, CARVE, 1);
	uint64_t h1 = 0;
	uint64_t h2 = 0;

	(void)state;
	open_default();
	h1 = lend_ok(VM1, SP1, A, 1);
	CHK(do_send(VM1, &bad, NULL), -EPERM);
	h2 = lend_ok(VM1, SP1, B, 1);
	assert_int_equal((h2 >> 16) - (h1 >> 16), 1);
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Teardown and isolation.                                                 */

static void test_teardown_vm_orphans_lend(void **state)
{
	struct spmc_share_info info = { 0 };
	unsigned int mark = 0;
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, A, 2);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(spmc_endpoint_teardown(S, VM1), 0);
	assert_int_equal(spmc_share_find(S, h, &info), 0);
	assert_true(info.orphaned);
	assert_int_equal(F.prot_pages, 2); /* stays secure */
	CHK(do_reclaim(VM1, h, 0), -EPERM);  /* the restarted VM */
	CHK(do_reclaim(HYP, h, 0), -EBUSY);  /* still borrowed */
	CHK(do_relinquish(SP1, h, 0), 0);
	mark = F.ncalls;
	CHK(do_reclaim(HYP, h, 0), 0);
	assert_int_equal(F.calls[mark].op, OP_SCRUB); /* always for orphans */
	assert_int_equal(F.calls[mark + 1].op, OP_UNPROTECT);
	close_spmc();
}

static void test_teardown_vm_orphans_share(void **state)
{
	struct tx t = tx_share(VM1, SP1, A, 2);
	uint64_t h = 0;

	(void)state;
	open_default();
	h = send_ok(VM1, &t);
	CHK(spmc_endpoint_teardown(S, VM1), 0);
	CHK(spmc_endpoint_teardown(S, VM1), 0); /* idempotent */
	CHK(retrieve_simple(SP1, h, VM1), 0);   /* the SP may still use it */
	CHK(do_relinquish(SP1, h, 0), 0);
	CHK(do_reclaim(HYP, h, 0), 0);
	assert_int_equal(F.ncalls, 0);
	close_spmc();
}

static void test_teardown_sp_drops_retrievals(void **state)
{
	struct tx t = tx_lend(VM1, SP1, A, 1);
	struct spmc_ep_stats st = { 0 };
	unsigned int mark = 0;
	uint64_t h = 0;
	uint64_t h2 = 0;

	(void)state;
	open_default();
	tx_add_recv(&t, SP2, FFA_DATA_ACCESS_RW);
	h = send_ok(VM1, &t);
	h2 = lend_ok(VM2, SP1, B, 1);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	CHK(retrieve_simple(SP2, h, VM1), 0);
	CHK(retrieve_simple(SP1, h2, VM2), 0);
	CHK(spmc_endpoint_teardown(S, SP1), 0);
	assert_int_equal(spmc_endpoint_stats(S, SP1, &st), 0);
	assert_int_equal(st.retrievals, 0);
	assert_int_equal(state_of(h), SPMC_SHARE_RETRIEVED); /* SP2 holds */
	assert_int_equal(state_of(h2), SPMC_SHARE_SENT);
	CHK(do_relinquish(SP1, h, 0), -EPERM);
	mark = F.ncalls;
	CHK(do_reclaim(VM2, h2, 0), 0);
	assert_int_equal(F.calls[mark].op, OP_SCRUB); /* a borrower died */
	CHK(do_relinquish(SP2, h, 0), 0);
	CHK(do_reclaim(VM1, h, 0), 0);
	close_spmc();
}

static void test_teardown_sp_response_in_flight(void **state)
{
	struct tx t;
	uint64_t h = 0;
	size_t n = 0;

	(void)state;
	open_default();
	big_lend(VM1, 40, &t);
	h = send_ok(VM1, &t);
	CHK(do_retrieve_cap(SP1, &(struct rq){ .handle = h, .sender = VM1,
					       .tag = 0x1234,
					       .version = FFA_VERSION_1_1,
					       .nrecv = 1, .recv = { SP1 } },
			    256),
	    0);
	CHK(spmc_endpoint_teardown(S, SP1), 0);
	CHK(spmc_frag_rx(S, SP1, h, last_frag, resp_buf, 256, &n, NULL),
	    -EPERM);
	CHK(do_reclaim(VM1, h, 0), 0);
	close_spmc();
}

/* VMs configured at run time: the board's VM endpoints (issue 6). */
static void test_endpoint_add_remove(void **state)
{
	struct spmc_ep_stats st = { 0 };
	uint64_t h = 0;
	uint64_t h2 = 0;
	uint32_t added = 0;

	(void)state;
	open_default();
	CHK(spmc_endpoint_add(S, HYP), -EINVAL);
	CHK(spmc_endpoint_add(S, SP1), -EINVAL);
	CHK(spmc_endpoint_add(S, 0x8000), -EINVAL);
	CHK(spmc_endpoint_add(S, VM1), -EBUSY);
	CHK(spmc_endpoint_remove(S, SP1), -EINVAL);
	CHK(spmc_endpoint_remove(S, 0x0042), -ENOENT);
	CHK(spmc_endpoint_teardown(S, 0x0042), -ENOENT);
	CHK(spmc_endpoint_add(S, 0x0042), 0);
	CHK(spmc_endpoint_add(S, 0x0042), -EBUSY);
	assert_int_equal(spmc_endpoint_stats(S, 0x0042, &st), 0);
	assert_int_equal(st.live_handles, 0);

	/* A lend keeps it; so does the orphan after teardown. */
	h = lend_ok(0x0042, SP1, A, 2);
	h2 = lend_ok(VM2, SP1, B, 1);
	CHK(spmc_endpoint_remove(S, 0x0042), -EBUSY);
	CHK(spmc_endpoint_teardown(S, 0x0042), 0);
	CHK(spmc_endpoint_remove(S, 0x0042), -EBUSY);
	CHK(do_reclaim(0x0042, h, 0), -EPERM);
	CHK(do_reclaim(HYP, h, 0), 0);
	CHK(spmc_endpoint_remove(S, 0x0042), 0);
	CHK(spmc_endpoint_remove(S, 0x0042), -ENOENT);
	CHK(do_reclaim(0x0042, h2, 0), -EPERM); /* not even configured */

	/* Added again: fresh accounting; VM2 untouched throughout. */
	CHK(spmc_endpoint_add(S, 0x0042), 0);
	assert_int_equal(spmc_endpoint_stats(S, 0x0042, &st), 0);
	assert_int_equal(st.live_handles, 0);
	assert_int_equal(st.pages_lent, 0);
	assert_int_equal(spmc_endpoint_stats(S, VM2, &st), 0);
	assert_int_equal(st.pages_lent, 1);
	CHK(do_reclaim(VM2, h2, 0), 0);

	/* The table is SPMC_MAX_ENDPOINTS entries in all. */
	for (uint16_t id = 0x0100; added < SPMC_MAX_ENDPOINTS; id++) {
		int rc = spmc_endpoint_add(S, id);

		if (rc == -ENOSPC) {
			break;
		}
		assert_int_equal(rc, 0);
		added++;
	}
	assert_true(added < SPMC_MAX_ENDPOINTS);
	CHK(spmc_endpoint_add(S, 0x7FFF), -ENOSPC);
	CHK(spmc_endpoint_remove(S, 0x0100), 0);
	CHK(spmc_endpoint_add(S, 0x7FFF), 0);
	close_spmc();
}

static void test_teardown_unknown(void **state)
{
	(void)state;
	open_default();
	CHK(spmc_endpoint_teardown(S, 0x0042), -ENOENT);
	CHK(spmc_endpoint_teardown(S, HYP), -ENOENT);
	close_spmc();
}

/* Every VM against every other VM's handle; every SP against others'. */
static void test_isolation_matrix(void **state)
{
	static const uint16_t vms[] = { VM1, VM2, VM3 };
	static const uint16_t sps[] = { SP1, SP2, SP3, SP4 };
	uint64_t h[3] = { 0 };
	unsigned int checked = 0;

	(void)state;
	open_default();
	for (int v = 0; v < 3; v++) {
		h[v] = lend_ok(vms[v], sps[v], A + (uint64_t)v * 16 * PAGE, 2);
	}
	for (int v = 0; v < 3; v++) {
		for (int o = 0; o < 3; o++) {
			if (o == v) {
				continue;
			}
			CHK(do_reclaim(vms[o], h[v], 0), -EPERM);
			CHK(do_frag_tx(vms[o], h[v], desc_buf, 16), -ENOENT);
			CHK(retrieve_simple(vms[o], h[v], vms[v]), -EPERM);
			checked += 3;
		}
		for (int s = 0; s < 4; s++) {
			if (s == v) {
				continue;
			}
			CHK(retrieve_simple(sps[s], h[v], vms[v]), -EPERM);
			CHK(do_relinquish(sps[s], h[v], 0), -EPERM);
			CHK(do_reclaim(sps[s], h[v], 0), -EPERM);
			checked += 3;
		}
	}
	assert_int_equal(checked, 3 * (2 * 3 + 3 * 3));
	close_spmc();
}

static void test_accounting(void **state)
{
	struct tx s = tx_share(VM1, SP2, B, 3);
	struct tx d = tx_donate(VM1, SP3, C, 5);
	struct spmc_ep_stats st = { 0 };
	struct spmc_stats g = { 0 };
	uint64_t h = 0;

	(void)state;
	open_default();
	h = lend_ok(VM1, SP1, POOL, 2);
	send_ok(VM1, &s);
	send_ok(VM1, &d);
	CHK(retrieve_simple(SP1, h, VM1), 0);
	assert_int_equal(spmc_endpoint_stats(S, VM1, &st), 0);
	assert_int_equal(st.live_handles, 3);
	assert_int_equal(st.pages_lent, 2);
	assert_int_equal(st.pages_shared, 3);
	assert_int_equal(st.pages_donated, 5);
	assert_int_equal(spmc_endpoint_stats(S, SP1, &st), 0);
	assert_int_equal(st.pages_borrowed, 2);
	assert_int_equal(spmc_endpoint_stats(S, 0x4242, &st), -ENOENT);
	spmc_stats(S, &g);
	assert_int_equal(g.live_shares, 3);
	assert_int_equal(g.protected_pages, 7);
	assert_int_equal(g.pool_pages, 2);
	assert_int_equal(g.total_ranges, 3);
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Fault injection over a whole life cycle: each allocation and each       */
/* platform call of each step fails once; the step is refused with no     */
/* state change, then retried.                                             */

static void step_with_faults(int (*step)(void), int want)
{
	/* Allocations. */
	for (unsigned long k = 1;; k++) {
		uint64_t before = spmc_state_digest(S);
		int rc = 0;

		fail_alloc_in(k);
		rc = step();
		no_faults();
		check_all();
		if (rc != -ENOMEM) {
			assert_int_equal(rc, want);
			break;
		}
		assert_true(spmc_state_digest(S) == before);
		assert_true(k < 16);
	}
}

static uint64_t lc_handle;
static struct tx lc_tx;

static int lc_send(void) { return do_send(VM1, &lc_tx, &lc_handle); }
static int lc_retrieve(void)
{
	return do_retrieve_cap(SP1, &(struct rq){ .handle = lc_handle,
						  .sender = VM1, .tag = 0x1234,
						  .version = FFA_VERSION_1_1,
						  .nrecv = 1,
						  .recv = { SP1 } },
			       224);
}
static int lc_frag_rx(void)
{
	size_t n = 0;
	int rc = spmc_frag_rx(S, SP1, lc_handle, last_frag, resp_buf, 4096,
			      &n, NULL);

	if (rc == 0) {
		last_frag += n;
	}
	return rc;
}
static int lc_relinquish(void)
{
	return do_relinquish(SP1, lc_handle, FFA_RECLAIM_FLAG_CLEAR);
}
static int lc_reclaim(void)
{
	return do_reclaim(VM1, lc_handle, FFA_RECLAIM_FLAG_CLEAR);
}

static void run_ops_faults(int (*step)(void))
{
	/* Fail platform call k of this step; the step must refuse cleanly. */
	for (unsigned int k = 1;; k++) {
		uint64_t before = spmc_state_digest(S);
		unsigned int start = F.ncalls;
		int rc = 0;

		fail_op_in(k, 1);
		F.fail_rc = -EBUSY;
		rc = step();
		no_faults();
		F.fail_rc = 0;
		check_all();
		if (rc == 0) {
			/* No call k happened: the step is done. */
			assert_true(F.ncalls - start < k);
			return;
		}
		assert_int_equal(rc, -EBUSY);
		assert_true(spmc_state_digest(S) == before);
		assert_false(spmc_is_wedged(S));
	}
}

static void test_lifecycle_fault_injection(void **state)
{
	(void)state;
	open_default();
	big_lend(VM1, 12, &lc_tx);
	lc_tx.ranges[0].address = POOL;
	lc_tx.flags = FFA_MEM_FLAG_CLEAR;

	run_ops_faults(lc_send); /* also succeeds at the end */
	CHK(do_reclaim(VM1, lc_handle, 0), 0);
	step_with_faults(lc_send, 0);

	step_with_faults(lc_retrieve, 0);
	assert_true(last_frag < last_total);
	step_with_faults(lc_frag_rx, 0);
	assert_int_equal(last_frag, last_total);

	run_ops_faults(lc_relinquish);
	CHK(retrieve_simple(SP1, lc_handle, VM1), 0);
	step_with_faults(lc_relinquish, 0);

	run_ops_faults(lc_reclaim);
	assert_int_equal(F.nprot, 0);
	close_spmc();
}

/* ---------------------------------------------------------------------- */
/* Sequences against a reference model.                                    */

enum seq_op {
	Q_RET1,
	Q_RET2,
	Q_REL1,
	Q_REL2,
	Q_RECL,
	Q_RECL_OTHER,
	Q_RET3,
	Q_FRAG_TX,
	Q_REL1_CLEAR,
	Q_OP_COUNT
};

static const char *const seq_names[] = {
	"ret1", "ret2", "rel1", "rel2", "reclaim", "reclaim_other",
	"ret_stranger", "frag_tx", "rel1_clear",
};

struct model {
	enum rheap_ffa_abi abi;
	bool alive;
	bool held[2];
	uint32_t nrecv;
};

static int model_step(struct model *m, enum seq_op op)
{
	int i = (op == Q_RET2 || op == Q_REL2) ? 1 : 0;

	if (!m->alive || op == Q_FRAG_TX) {
		return -ENOENT;
	}
	switch (op) {
	case Q_RET1:
	case Q_RET2:
		if ((uint32_t)i >= m->nrecv) {
			return -EPERM;
		}
		if (m->held[i]) {
			return -EBUSY;
		}
		m->held[i] = true;
		return 0;
	case Q_REL1:
	case Q_REL2:
	case Q_REL1_CLEAR:
		if ((uint32_t)i >= m->nrecv) {
			return -EPERM;
		}
		if (m->abi == RHEAP_FFA_ABI_DONATE) {
			return -EINVAL;
		}
		if (!m->held[i]) {
			return -EPERM;
		}
		if (op == Q_REL1_CLEAR) {
			if (m->abi == RHEAP_FFA_ABI_SHARE) {
				return -EINVAL;
			}
			if (m->held[1]) {
				return -EBUSY;
			}
		}
		m->held[i] = false;
		return 0;
	case Q_RECL:
		if (m->abi == RHEAP_FFA_ABI_DONATE) {
			return -EINVAL;
		}
		if (m->held[0] || m->held[1]) {
			return -EBUSY;
		}
		m->alive = false;
		return 0;
	case Q_RECL_OTHER:
	case Q_RET3:
	default:
		return -EPERM;
	}
}

static int real_step(uint64_t h, enum seq_op op)
{
	switch (op) {
	case Q_RET1:
		return retrieve_simple(SP1, h, VM1);
	case Q_RET2:
		return retrieve_simple(SP2, h, VM1);
	case Q_REL1:
		return do_relinquish(SP1, h, 0);
	case Q_REL2:
		return do_relinquish(SP2, h, 0);
	case Q_RECL:
		return do_reclaim(VM1, h, 0);
	case Q_RECL_OTHER:
		return do_reclaim(VM2, h, 0);
	case Q_RET3:
		return retrieve_simple(SP3, h, VM1);
	case Q_FRAG_TX:
		return do_frag_tx(VM1, h, desc_buf, 16);
	case Q_REL1_CLEAR:
	default:
		return do_relinquish(SP1, h, FFA_RECLAIM_FLAG_CLEAR);
	}
}

/* Run one sequence (ops packed in base-Q_OP_COUNT digits). */
static void run_sequence(enum rheap_ffa_abi abi, const enum seq_op *ops,
			 unsigned int len)
{
	struct model m = { 0 };
	struct tx t;
	uint64_t h = 0;

	open_default();
	if (abi == RHEAP_FFA_ABI_DONATE) {
		t = tx_donate(VM1, SP1, A, 2);
		m.nrecv = 1;
	} else {
		t = abi == RHEAP_FFA_ABI_SHARE ? tx_share(VM1, SP1, A, 2)
					       : tx_lend(VM1, SP1, A, 2);
		tx_add_recv(&t, SP2, FFA_DATA_ACCESS_RW);
		m.nrecv = 2;
	}
	m.abi = abi;
	m.alive = true;
	h = send_ok(VM1, &t);
	for (unsigned int i = 0; i < len; i++) {
		int want = model_step(&m, ops[i]);

		CHK(real_step(h, ops[i]), want);
	}
	/* Wind down: every page must come back, nothing may leak. */
	if (m.alive && abi != RHEAP_FFA_ABI_DONATE) {
		for (int i = 0; i < 2; i++) {
			if (m.held[i]) {
				CHK(do_relinquish(i ? SP2 : SP1, h, 0), 0);
			}
		}
		CHK(do_reclaim(VM1, h, 0), 0);
	}
	if (abi != RHEAP_FFA_ABI_DONATE) {
		assert_int_equal(F.nprot, 0);
	}
	close_spmc();
}

struct seq_case {
	char name[96];
	enum rheap_ffa_abi abi;
	enum seq_op ops[3];
};

#define SEQ_NAMED_OPS 6 /* ret1 ret2 rel1 rel2 reclaim reclaim_other */
#define SEQ_NAMED (3 * SEQ_NAMED_OPS * SEQ_NAMED_OPS * SEQ_NAMED_OPS)
static struct seq_case seq_cases[SEQ_NAMED];

static void test_seq_case(void **state)
{
	const struct seq_case *sc = *state;

	run_sequence(sc->abi, sc->ops, 3);
}

/* Every sequence of up to 4 ops over the whole alphabet, for each ABI. */
static void test_seq_exhaustive(void **state)
{
	static const enum rheap_ffa_abi abis[] = { RHEAP_FFA_ABI_LEND,
						   RHEAP_FFA_ABI_SHARE,
						   RHEAP_FFA_ABI_DONATE };
	unsigned long runs = 0;

	(void)state;
	for (unsigned int a = 0; a < 3; a++) {
		for (unsigned int len = 1; len <= 4; len++) {
			unsigned long total = 1;

			for (unsigned int i = 0; i < len; i++) {
				total *= Q_OP_COUNT;
			}
			for (unsigned long code = 0; code < total; code++) {
				enum seq_op ops[4];
				unsigned long c = code;

				for (unsigned int i = 0; i < len; i++) {
					ops[i] = (enum seq_op)(c % Q_OP_COUNT);
					c /= Q_OP_COUNT;
				}
				run_sequence(abis[a], ops, len);
				runs++;
			}
		}
	}
	assert_int_equal(runs, 3 * (9 + 81 + 729 + 6561));
}

/* ---------------------------------------------------------------------- */

#define MAX_TESTS 1024
static struct CMUnitTest tests[MAX_TESTS];
static size_t ntests;

static void add(const char *name, CMUnitTestFunction fn, void *st)
{
	if (ntests >= MAX_TESTS) {
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].test_func = fn;
	tests[ntests].setup_func = NULL;
	tests[ntests].teardown_func = NULL;
	tests[ntests].initial_state = st;
	ntests++;
}

#define ADD(fn) add(#fn, fn, NULL)

int main(void)
{
	static const enum rheap_ffa_abi seq_abis[] = { RHEAP_FFA_ABI_LEND,
						       RHEAP_FFA_ABI_SHARE,
						       RHEAP_FFA_ABI_DONATE };
	size_t k = 0;

	for (size_t i = 0; i < sizeof(cfg_cases) / sizeof(cfg_cases[0]); i++) {
		add(cfg_cases[i].name, test_cfg, (void *)&cfg_cases[i]);
	}
	ADD(test_cfg_alloc_faults);
	for (size_t i = 0; i < sizeof(send_cases) / sizeof(send_cases[0]);
	     i++) {
		add(send_cases[i].name, test_send_case, (void *)&send_cases[i]);
	}
	for (size_t i = 0; i < sizeof(patch_cases) / sizeof(patch_cases[0]);
	     i++) {
		add(patch_cases[i].name, test_patch_case,
		    (void *)&patch_cases[i]);
	}
	ADD(test_send_rej_abi_retrieve);
	ADD(test_send_rej_lengths);
	ADD(test_send_rej_overlap_live_lend);
	ADD(test_send_rej_overlap_live_share);
	ADD(test_send_ok_adjacent_to_live);
	ADD(test_send_ok_same_range_after_reclaim);
	ADD(test_send_rej_donated_memory);
	ADD(test_send_limit_max_shares);
	ADD(test_send_limit_per_endpoint);
	ADD(test_send_limit_total_ranges);
	ADD(test_send_protect_fault_each_range);
	ADD(test_send_scrub_fault_undoes_protect);
	ADD(test_send_clear_scrubs_after_protect);
	ADD(test_send_undo_fault_wedges);
	ADD(test_send_alloc_faults);
	ADD(test_frag_two_pieces);
	ADD(test_frag_many_pieces);
	ADD(test_frag_tx_rejections);
	ADD(test_frag_limit);
	ADD(test_frag_single_fragment_limit);
	ADD(test_frag_first_without_composite);
	ADD(test_frag_sender_mismatch_first);
	ADD(test_frag_invisible_until_complete);
	ADD(test_frag_reclaim_aborts);
	ADD(test_frag_interleaved_two_senders);
	ADD(test_frag_interleaved_same_sender);
	ADD(test_frag_same_pages_race);
	ADD(test_frag_last_refused_then_corrected);
	ADD(test_frag_complete_alloc_fault);
	ADD(test_frag_abandoned_freed_on_teardown);
	ADD(test_frag_destroy_with_pending);
	ADD(test_retrieve_ok_lend);
	ADD(test_retrieve_ok_share_attrs);
	ADD(test_retrieve_ok_v1_2_impdef);
	ADD(test_retrieve_ok_borrower_attrs);
	ADD(test_retrieve_ro_grant);
	for (size_t i = 0; i < sizeof(rq_cases) / sizeof(rq_cases[0]); i++) {
		add(rq_cases[i].name, test_rq_case, (void *)&rq_cases[i]);
	}
	ADD(test_retrieve_share_clear_relinquish);
	ADD(test_retrieve_clear_offered);
	ADD(test_retrieve_twice);
	ADD(test_retrieve_malformed);
	ADD(test_retrieve_fragmented_response);
	ADD(test_retrieve_fragmented_then_relinquish);
	ADD(test_retrieve_resp_cap_too_small);
	ADD(test_retrieve_alloc_fault);
	ADD(test_donate_semantics);
	ADD(test_donate_executable_allowed);
	ADD(test_relinquish_rejections);
	ADD(test_relinquish_clear_last_scrubs);
	ADD(test_relinquish_clear_share_rejected);
	ADD(test_relinquish_scrub_fault);
	ADD(test_relinquish_request_clear);
	ADD(test_reclaim_lend_unprotects);
	ADD(test_reclaim_share);
	ADD(test_reclaim_rejections);
	ADD(test_reclaim_multi_receivers);
	ADD(test_reclaim_clear_scrub_before_unprotect);
	ADD(test_reclaim_pool_always_scrubbed);
	ADD(test_reclaim_pool_share_scrubbed);
	ADD(test_reclaim_scrub_fault_nothing_unprotected);
	ADD(test_reclaim_unprotect_fault_reprotects);
	ADD(test_reclaim_undo_fault_wedges);
	ADD(test_runs_adjacent_merge);
	ADD(test_runs_non_adjacent);
	ADD(test_runs_out_of_order);
	ADD(test_runs_protect_fault_second_run);
	ADD(test_runs_scrub_fault_second_run);
	ADD(test_runs_unprotect_fault_second_run);
	ADD(test_runs_undo_fault_wedges);
	ADD(test_runs_split_at_bank_boundary);
	ADD(test_runs_pool_boundary_scrubs_pool_part);
	ADD(test_runs_pool_end_share);
	ADD(test_runs_two_pools_one_run);
	ADD(test_handle_layout);
	ADD(test_handle_stale_after_recycling);
	ADD(test_handle_refused_call_leaves_no_generation);
	ADD(test_teardown_vm_orphans_lend);
	ADD(test_endpoint_add_remove);
	ADD(test_teardown_vm_orphans_share);
	ADD(test_teardown_sp_drops_retrievals);
	ADD(test_teardown_sp_response_in_flight);
	ADD(test_teardown_unknown);
	ADD(test_isolation_matrix);
	ADD(test_accounting);
	ADD(test_lifecycle_fault_injection);
	ADD(test_seq_exhaustive);

	/* Named sequences: every 3-op permutation of the core ops, per ABI. */
	for (unsigned int a = 0; a < 3; a++) {
		for (unsigned int x = 0; x < SEQ_NAMED_OPS; x++) {
			for (unsigned int y = 0; y < SEQ_NAMED_OPS; y++) {
				for (unsigned int z = 0; z < SEQ_NAMED_OPS;
				     z++) {
					struct seq_case *sc = &seq_cases[k++];

					sc->abi = seq_abis[a];
					sc->ops[0] = (enum seq_op)x;
					sc->ops[1] = (enum seq_op)y;
					sc->ops[2] = (enum seq_op)z;
					snprintf(sc->name, sizeof(sc->name),
						 "seq_%s_%s_%s_%s",
						 rheap_ffa_abi_name(sc->abi),
						 seq_names[x], seq_names[y],
						 seq_names[z]);
					add(sc->name, test_seq_case, sc);
				}
			}
		}
	}
	return _cmocka_run_group_tests("spmc", tests, ntests, NULL, NULL);
}
