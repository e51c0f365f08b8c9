// SPDX-License-Identifier: BSD-2-Clause
/*
 * SPMC memory manager: the FF-A memory-management calls.
 *
 * Every call validates everything it can before it changes anything, then
 * performs the platform operations (which may fail, and are undone if they
 * do), then commits the new state in one block that cannot fail. So a
 * refused call leaves the manager exactly as it was (R6), which the tests
 * check with spmc_state_digest() after every call.
 *
 * The life cycle of a transaction and the error of each illegal transition
 * are drawn at the top of share.c; policy and the errno -> FF-A status table
 * are in docs/spmc.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>

#include "common/wire.h"
#include "spmc/spmc_internal.h"

/* ---------------------------------------------------------------------- */
/* Configuration.                                                          */

static bool range_valid(const struct spmc_range *r)
{
	return r->size != 0 && wire_aligned(r->base, FFA_PAGE_SIZE) &&
	       wire_aligned(r->size, FFA_PAGE_SIZE) &&
	       r->size - 1 <= UINT64_MAX - r->base;
}

/* Inclusive ends: adjacent ranges do not overlap. Both must be valid. */
static bool ranges_touch(uint64_t a_base, uint64_t a_size, uint64_t b_base,
			 uint64_t b_size)
{
	return a_base <= b_base + (b_size - 1) &&
	       b_base <= a_base + (a_size - 1);
}

static bool range_inside(uint64_t base, uint64_t size,
			 const struct spmc_range *outer)
{
	return base >= outer->base &&
	       base + (size - 1) <= outer->base + (outer->size - 1);
}

static int cfg_ranges_validate(const struct spmc_range *r, uint32_t count,
			       const char *field, bool disjoint,
			       struct rheap_diag *diag)
{
	if (count > SPMC_MAX_CFG_RANGES) {
		return wire_reject_lim(diag, field, count, "exceeds the limit",
				       SPMC_MAX_CFG_RANGES);
	}
	for (uint32_t i = 0; i < count; i++) {
		if (!range_valid(&r[i])) {
			return wire_reject_at(diag, field, i, r[i].base,
					      "is empty, misaligned or wraps");
		}
		for (uint32_t j = 0; disjoint && j < i; j++) {
			if (ranges_touch(r[i].base, r[i].size, r[j].base,
					 r[j].size)) {
				return wire_reject_at_lim(diag, field, i,
							  r[i].base,
							  "overlaps entry", j);
			}
		}
	}
	return 0;
}

static int cfg_validate(const struct spmc_cfg *cfg, struct rheap_diag *diag)
{
	const struct spmc_limits *lim = &cfg->limits;
	int rc = 0;

	if (!cfg->ops || !cfg->ops->protect || !cfg->ops->unprotect ||
	    !cfg->ops->scrub || !cfg->ops->alloc != !cfg->ops->free) {
		return wire_reject(diag, "ops", 0, "lacks a mandatory operation");
	}
	if (cfg->endpoint_count > SPMC_MAX_ENDPOINTS) {
		return wire_reject_lim(diag, "endpoints", cfg->endpoint_count,
				       "exceeds the limit", SPMC_MAX_ENDPOINTS);
	}
	for (uint32_t i = 0; i < cfg->endpoint_count; i++) {
		uint16_t id = cfg->endpoints[i];

		if (id == FFA_ID_HYPERVISOR || id == FFA_ID_SPMC) {
			return wire_reject_at(diag, "endpoints", i, id,
					      "is reserved (hypervisor or "
					      "SPMC)");
		}
		for (uint32_t j = 0; j < i; j++) {
			if (cfg->endpoints[j] == id) {
				return wire_reject_at_lim(diag, "endpoints", i,
							  id, "repeats entry",
							  j);
			}
		}
	}
	rc = cfg_ranges_validate(cfg->dram, cfg->dram_count, "dram", true,
				 diag);
	if (rc) {
		return rc;
	}
	rc = cfg_ranges_validate(cfg->carveouts, cfg->carveout_count,
				 "carveouts", false, diag);
	if (rc) {
		return rc;
	}
	rc = cfg_ranges_validate(cfg->pools, cfg->pool_count, "pools", true,
				 diag);
	if (rc) {
		return rc;
	}
	for (uint32_t i = 0; i < cfg->pool_count; i++) {
		bool inside = false;

		for (uint32_t j = 0; j < cfg->dram_count; j++) {
			inside = inside || range_inside(cfg->pools[i].base,
							cfg->pools[i].size,
							&cfg->dram[j]);
		}
		if (!inside) {
			return wire_reject_at(diag, "pools", i,
					      cfg->pools[i].base,
					      "is not inside one DRAM bank");
		}
	}
	if (lim->max_shares == 0 || lim->max_shares > SPMC_MAX_SHARES) {
		return wire_reject_lim(diag, "limits.max_shares",
				       lim->max_shares, "must be 1 up to",
				       SPMC_MAX_SHARES);
	}
	if (lim->max_shares_per_endpoint > lim->max_shares) {
		return wire_reject_lim(diag, "limits.max_shares_per_endpoint",
				       lim->max_shares_per_endpoint,
				       "exceeds max_shares", lim->max_shares);
	}
	if (lim->max_fragments == 0 || lim->max_ranges == 0 ||
	    lim->max_total_ranges < lim->max_ranges) {
		return wire_reject(diag, "limits", 0,
				   "max_fragments and max_ranges must be >= 1, "
				   "max_total_ranges >= max_ranges");
	}
	return 0;
}

int spmc_create(const struct spmc_cfg *cfg, struct spmc **out,
		struct rheap_diag *diag)
{
	const struct spmc_plat_ops *ops = NULL;
	struct spmc *spmc = NULL;
	int rc = 0;

	if (!cfg || !out) {
		return wire_reject(diag, "cfg", 0, "is NULL");
	}
	rc = cfg_validate(cfg, diag);
	if (rc) {
		return rc;
	}
	ops = cfg->ops;
	spmc = ops->alloc ? ops->alloc(cfg->ops_ctx, sizeof(*spmc))
			  : calloc(1, sizeof(*spmc));
	if (!spmc) {
		return -ENOMEM;
	}
	spmc->cfg = *cfg;
	spmc->slots = spmc_zalloc(spmc, (size_t)cfg->limits.max_shares *
						sizeof(spmc->slots[0]));
	if (!spmc->slots) {
		rc = -ENOMEM;
		goto err_free_spmc;
	}
	if (spmc->cfg.limits.max_shares_per_endpoint == 0) {
		spmc->cfg.limits.max_shares_per_endpoint =
			cfg->limits.max_shares;
	}
	for (uint32_t i = 0; i < cfg->endpoint_count; i++) {
		spmc->eps[i].id = cfg->endpoints[i];
	}
	spmc->next_gen = SPMC_HANDLE_GEN_START;
	*out = spmc;
	return 0;

err_free_spmc:
	spmc_free(spmc, spmc);
	return rc;
}

void spmc_destroy(struct spmc *spmc)
{
	if (!spmc) {
		return;
	}
	for (uint32_t i = 0; i < spmc->cfg.limits.max_shares; i++) {
		if (spmc->slots[i]) {
			spmc_share_release(spmc, spmc->slots[i], false);
		}
	}
	spmc_free(spmc, spmc->slots);
	spmc_free(spmc, spmc);
}

/* ---------------------------------------------------------------------- */
/* Platform operations over a constituent list, all or nothing.           */

static uint64_t range_size(const struct rheap_ffa_range *r)
{
	return (uint64_t)r->page_count << SPMC_PAGE_SHIFT;
}

/*
 * The platform is called once per RUN, not once per constituent: a run is
 * a maximal slice r[i..j) of the constituent list, in descriptor order,
 * whose union is one contiguous physical range inside one DRAM bank. A
 * constituent joins the run when it starts right after the run's last byte
 * or ends right before its first (so ascending, descending and
 * grow-from-the-middle lists all coalesce). The list is not sorted: that
 * would need a copy (an allocation) at reclaim, which must not fail for
 * want of memory, and the runs must be the same at send and at reclaim so
 * that exactly what was protected is unprotected.
 *
 * Runs never cross a DRAM bank boundary (every call stays inside one bank,
 * as every constituent does), and since constituents avoid carve-outs, no
 * run touches one. A run may straddle a restricted pool boundary: see
 * ranges_scrub().
 *
 * Life cycle: derived, never stored; recomputed from the share's
 * constituents by every pass (protect, its undo, scrub, unprotect).
 */

/* The DRAM bank holding [base, base + size), or NULL (not reached). */
static const struct spmc_range *dram_bank_of(const struct spmc *spmc,
					     uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < spmc->cfg.dram_count; i++) {
		if (range_inside(base, size, &spmc->cfg.dram[i])) {
			return &spmc->cfg.dram[i];
		}
	}
	return NULL;
}

/*
 * run_next() - the run that starts at constituent @i of @r[0..@n)
 * @spmc: manager (for the DRAM banks)
 * @r:    constituents, each inside one DRAM bank (ownership_check())
 * @n:    constituents to consider; @i < @n
 * @i:    index of the run's first constituent
 * @run:  out: the run's physical range
 *
 * The run depends only on @r[@i..@n), so a pass limited to the first
 * `done` constituents, where `done` is a run start, sees exactly the runs
 * that the full pass applied before `done` (this is what the undo uses).
 *
 * Return: the index one past the run's last constituent.
 */
static uint32_t run_next(const struct spmc *spmc,
			 const struct rheap_ffa_range *r, uint32_t n,
			 uint32_t i, struct spmc_range *run)
{
	const struct spmc_range *bank = dram_bank_of(spmc, r[i].address,
						     range_size(&r[i]));
	uint64_t base = r[i].address;
	uint64_t size = range_size(&r[i]);
	uint64_t bank_base = bank ? bank->base : 0;
	uint64_t bank_last = bank ? bank->base + (bank->size - 1) : 0;
	uint32_t j = i + 1;

	/*
	 * Adjacent (first test) and inside the run's bank. The sums read 0
	 * past the very top of the address space; the bank test rejects the
	 * false match with a range at 0 (or ending there) that this gives.
	 */
	for (; bank && j < n; j++) {
		uint64_t addr = r[j].address;
		uint64_t s = range_size(&r[j]);

		if (addr != base + size && addr + s != base) {
			break;
		}
		if (addr < bank_base || addr + (s - 1) > bank_last) {
			break;
		}
		if (addr != base + size) {
			base = addr;
		}
		size += s;
	}
	run->base = base;
	run->size = size;
	return j;
}

/*
 * Undo of a half-applied protect or unprotect: the runs of r[0..@done),
 * where @done is the first constituent of the run that failed, so these
 * are exactly the calls that succeeded. They are undone in the order they
 * were made. If an undo call itself fails, the hardware no longer matches
 * our records: wedge (see spmc_is_wedged()), but still try the others.
 */
static void ranges_undo(struct spmc *spmc, const struct rheap_ffa_range *r,
			uint32_t done, bool was_protect)
{
	const struct spmc_plat_ops *ops = spmc->cfg.ops;
	uint32_t i = 0;

	while (i < done) {
		struct spmc_range run = { 0 };
		int rc = 0;

		i = run_next(spmc, r, done, i, &run);
		if (was_protect) {
			rc = ops->unprotect(spmc->cfg.ops_ctx, run.base,
					    run.size);
		} else {
			rc = ops->protect(spmc->cfg.ops_ctx, run.base,
					  run.size);
		}
		if (rc) {
			spmc->wedged = true;
		}
	}
}

/* Protect (@protect) or unprotect every run; on failure undo, all or none. */
static int ranges_apply(struct spmc *spmc, const struct rheap_ffa_range *r,
			uint32_t n, bool protect)
{
	const struct spmc_plat_ops *ops = spmc->cfg.ops;
	uint32_t i = 0;

	while (i < n) {
		struct spmc_range run = { 0 };
		uint32_t next = run_next(spmc, r, n, i, &run);
		int rc = protect ? ops->protect(spmc->cfg.ops_ctx, run.base,
						run.size)
				 : ops->unprotect(spmc->cfg.ops_ctx, run.base,
						  run.size);

		if (rc) {
			ranges_undo(spmc, r, i, protect);
			return rc;
		}
		i = next;
	}
	return 0;
}

static int ranges_protect(struct spmc *spmc, const struct rheap_ffa_range *r,
			  uint32_t n)
{
	return ranges_apply(spmc, r, n, true);
}

static int ranges_unprotect(struct spmc *spmc,
			    const struct rheap_ffa_range *r, uint32_t n)
{
	return ranges_apply(spmc, r, n, false);
}

/*
 * Scrub every run (@all), or only the bytes of each run that lie inside a
 * restricted pool: one call per (run, pool) intersection, pools in
 * configuration order. Pools are page aligned, so are the intersections.
 * A failed scrub needs no undo: zeroed memory that stays secure is not a
 * state change anyone can observe, and the caller refuses the whole call.
 * Returns the pages scrubbed through @pages.
 */
static int ranges_scrub(struct spmc *spmc, const struct rheap_ffa_range *r,
			uint32_t n, bool all, uint64_t *pages)
{
	const struct spmc_plat_ops *ops = spmc->cfg.ops;
	uint64_t count = 0;
	uint32_t i = 0;

	while (i < n) {
		struct spmc_range run = { 0 };
		uint64_t last = 0;
		int rc = 0;

		i = run_next(spmc, r, n, i, &run);
		if (all) {
			rc = ops->scrub(spmc->cfg.ops_ctx, run.base, run.size);
			if (rc) {
				return rc;
			}
			count += run.size >> SPMC_PAGE_SHIFT;
			continue;
		}
		last = run.base + (run.size - 1);
		for (uint32_t p = 0; p < spmc->cfg.pool_count; p++) {
			const struct spmc_range *pool = &spmc->cfg.pools[p];
			uint64_t p_last = pool->base + (pool->size - 1);
			uint64_t lo = run.base > pool->base ? run.base
							    : pool->base;
			uint64_t hi = last < p_last ? last : p_last;

			if (lo > hi) {
				continue;
			}
			rc = ops->scrub(spmc->cfg.ops_ctx, lo, hi - lo + 1);
			if (rc) {
				return rc;
			}
			count += (hi - lo + 1) >> SPMC_PAGE_SHIFT;
		}
	}
	*pages = count;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Send.                                                                   */

static bool abi_is_send(enum rheap_ffa_abi abi)
{
	return abi == RHEAP_FFA_ABI_SHARE || abi == RHEAP_FFA_ABI_LEND ||
	       abi == RHEAP_FFA_ABI_DONATE;
}

/* Receivers, permissions and attributes (PROTOCOLS.md §1.8, §1.13). */
static int send_policy(const struct spmc *spmc, const struct rheap_ffa_mem *m,
		       struct rheap_diag *diag)
{
	bool single = m->receiver_count == 1;

	for (uint32_t i = 0; i < m->receiver_count; i++) {
		const struct rheap_ffa_receiver *r = &m->receivers[i];
		uint32_t data = r->permissions & FFA_DATA_ACCESS_MASK;
		uint32_t insn = (r->permissions & FFA_INSTRUCTION_ACCESS_MASK) >>
				FFA_INSTRUCTION_ACCESS_SHIFT;

		if (!spmc_ep_find_const(spmc, r->endpoint_id)) {
			return wire_reject_at(diag, "receivers.endpoint_id", i,
					      r->endpoint_id,
					      "is not a configured endpoint");
		}
		/* VM-to-VM transactions are the hypervisor's (§1.10). */
		if (!spmc_id_is_sp(r->endpoint_id)) {
			return wire_reject_at(diag, "receivers.endpoint_id", i,
					      r->endpoint_id,
					      "is a normal-world endpoint");
		}
		/* The non-retrieval-borrower flag belongs to retrieves. */
		if (r->flags != 0) {
			return wire_reject_at(diag, "receivers.flags", i,
					      r->flags, "must be 0 on send");
		}
		/* Hafnium: the borrower states instruction access itself. */
		if (insn != FFA_INSTRUCTION_ACCESS_NOT_SPECIFIED) {
			return wire_reject_at(diag, "receivers.permissions", i,
					      r->permissions,
					      "must leave instruction access "
					      "unspecified");
		}
		if (m->abi == RHEAP_FFA_ABI_DONATE) {
			if (data != FFA_DATA_ACCESS_NOT_SPECIFIED) {
				return wire_reject_at(diag,
						      "receivers.permissions",
						      i, r->permissions,
						      "must leave data access "
						      "unspecified on DONATE");
			}
		} else if (data != FFA_DATA_ACCESS_RO &&
			   data != FFA_DATA_ACCESS_RW) {
			return wire_reject_at(diag, "receivers.permissions", i,
					      r->permissions,
					      "must grant RO or RW");
		}
	}
	/*
	 * DONATE and single-borrower LEND leave the memory type to the
	 * borrower; SHARE and multi-borrower LEND must agree on Normal
	 * write-back inner shareable. Device memory is never ours to move.
	 */
	if (m->abi == RHEAP_FFA_ABI_DONATE ||
	    (m->abi == RHEAP_FFA_ABI_LEND && single)) {
		if (m->attributes != 0) {
			return wire_reject_lim(diag, "attributes",
					       m->attributes,
					       "must be 0 (type not specified) "
					       "for DONATE and single-borrower "
					       "LEND; expected",
					       0);
		}
	} else if (m->attributes != FFA_MEM_ATTR_NORMAL_WB_ISH) {
		return wire_reject_lim(diag, "attributes", m->attributes,
				       "must be Normal write-back inner "
				       "shareable",
				       FFA_MEM_ATTR_NORMAL_WB_ISH);
	}
	return 0;
}

/*
 * The sender must own every page exclusively: inside one DRAM bank, out of
 * every carve-out, and in no other complete transaction (SHAREs included:
 * a shared page is no longer exclusively owned, Hafnium share_twice).
 */
/*
 * Index of a range of @m that touches [base, base + size), or -1. The codec
 * guarantees @m's ranges are disjoint; when they are also in ascending
 * order (what every builder we know emits) a binary search finds the only
 * candidate, otherwise every range is tried.
 */
static int64_t ranges_find_touching(const struct rheap_ffa_mem *m, bool sorted,
				    uint64_t base, uint64_t size)
{
	uint32_t lo = 0;
	uint32_t hi = m->range_count;

	if (!sorted) {
		for (uint32_t i = 0; i < m->range_count; i++) {
			if (ranges_touch(base, size, m->ranges[i].address,
					 range_size(&m->ranges[i]))) {
				return i;
			}
		}
		return -1;
	}
	/* First range whose last byte is at or after @base. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct rheap_ffa_range *r = &m->ranges[mid];

		if (r->address + (range_size(r) - 1) < base) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo < m->range_count &&
	    ranges_touch(base, size, m->ranges[lo].address,
			 range_size(&m->ranges[lo]))) {
		return lo;
	}
	return -1;
}

/* Constituent @i inside one DRAM bank and outside every carve-out. */
static int constituent_check(const struct spmc *spmc,
			     const struct rheap_ffa_mem *m, uint32_t i,
			     struct rheap_diag *diag)
{
	uint64_t base = m->ranges[i].address;
	uint64_t size = range_size(&m->ranges[i]);

	if (!dram_bank_of(spmc, base, size)) {
		return wire_reject_err(diag, -EPERM, "constituents.address", i,
				       base, "is not inside one DRAM bank",
				       false, 0);
	}
	for (uint32_t j = 0; j < spmc->cfg.carveout_count; j++) {
		const struct spmc_range *c = &spmc->cfg.carveouts[j];

		if (ranges_touch(base, size, c->base, c->size)) {
			return wire_reject_err(diag, -EPERM,
					       "constituents.address", i, base,
					       "overlaps carve-out", true, j);
		}
	}
	return 0;
}

/*
 * constituent_span_check() - constituent_check() of r[@first..@end), whose
 * union is the contiguous [@base, @base + @size)
 *
 * If the span lies inside one bank and touches no carve-out, so does each
 * of its constituents, and one test replaces many. Otherwise each is
 * checked, which finds the same first failing constituent (and diag) as
 * checking them one by one from the start.
 */
static int constituent_span_check(const struct spmc *spmc,
				  const struct rheap_ffa_mem *m,
				  uint32_t first, uint32_t end, uint64_t base,
				  uint64_t size, struct rheap_diag *diag)
{
	bool clean = dram_bank_of(spmc, base, size) != NULL;

	for (uint32_t j = 0; clean && j < spmc->cfg.carveout_count; j++) {
		const struct spmc_range *c = &spmc->cfg.carveouts[j];

		clean = !ranges_touch(base, size, c->base, c->size);
	}
	for (uint32_t i = first; !clean && i < end; i++) {
		int rc = constituent_check(spmc, m, i, diag);

		if (rc) {
			return rc;
		}
	}
	return 0;
}

static int ownership_check(const struct spmc *spmc,
			   const struct rheap_ffa_mem *m,
			   struct rheap_diag *diag)
{
	uint64_t span_base = 0;
	uint64_t span_size = 0;
	uint32_t span_first = 0;
	bool sorted = true;

	/*
	 * Bank and carve-out tests per span of ascending adjacent
	 * constituents. The codec guarantees no constituent wraps and at
	 * most 2^32 pages in all, so no span size overflows; a span ending
	 * at 2^64 has span_base + span_size == 0, and a constituent at 0
	 * must not join it (base != 0).
	 */
	for (uint32_t i = 0; i < m->range_count; i++) {
		uint64_t base = m->ranges[i].address;
		uint64_t size = range_size(&m->ranges[i]);
		int rc = 0;

		if (i > 0 && base < m->ranges[i - 1].address) {
			sorted = false;
		}
		if (i > 0 && base != 0 && base == span_base + span_size) {
			span_size += size;
			continue;
		}
		if (i > 0) {
			rc = constituent_span_check(spmc, m, span_first, i,
						    span_base, span_size, diag);
			if (rc) {
				return rc;
			}
		}
		span_first = i;
		span_base = base;
		span_size = size;
	}
	if (m->range_count > 0) {
		int rc = constituent_span_check(spmc, m, span_first,
						m->range_count, span_base,
						span_size, diag);

		if (rc) {
			return rc;
		}
	}
	/*
	 * One pass over the live transactions, each of their ranges looked up
	 * among ours: O(slots + existing ranges x log(new ranges)), where
	 * checking every new range against every slot cost new x slots. The
	 * walk stops at the last occupied slot (`live_shares` counts them).
	 */
	for (uint32_t s = 0, seen = 0;
	     s < spmc->cfg.limits.max_shares && seen < spmc->live_shares; s++) {
		const struct spmc_share *o = spmc->slots[s];

		if (!o) {
			continue;
		}
		seen++;
		if (o->state == SPMC_SHARE_SENDING) {
			continue;
		}
		for (uint32_t k = 0; k < o->range_count; k++) {
			int64_t i = ranges_find_touching(
				m, sorted, o->ranges[k].address,
				range_size(&o->ranges[k]));

			if (i >= 0) {
				return wire_reject_err(
					diag, -EPERM, "constituents.address",
					(uint32_t)i, m->ranges[i].address,
					"is in the live transaction with handle",
					true, o->handle);
			}
		}
	}
	return 0;
}

/*
 * The last fragment arrived: decode, check, protect, and on success turn
 * the SENDING share into a SENT one. On failure the share is untouched.
 */
static int share_complete(struct spmc *spmc, struct spmc_share *share,
			  struct rheap_diag *diag)
{
	struct rheap_ffa_receiver recv[SPMC_MAX_RECEIVERS] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	struct rheap_ffa_range *ranges = NULL;
	uint32_t cap = share->range_count > 0 ? share->range_count : 1;
	uint64_t scrubbed = 0;
	bool secure = share->abi != RHEAP_FFA_ABI_SHARE;
	int rc = 0;

	ranges = spmc_zalloc(spmc, (size_t)cap * sizeof(*ranges));
	if (!ranges) {
		return -ENOMEM;
	}
	m.receivers = recv;
	m.receiver_cap = SPMC_MAX_RECEIVERS;
	m.ranges = ranges;
	m.range_cap = cap;
	rc = rheap_ffa_mem_decode(share->abi, share->rx.buf,
				  share->rx.total_size, &m, diag);
	if (rc == -ENOSPC) {
		/* Only the receiver array can be short: the range cap is exact. */
		rc = -EINVAL;
	}
	if (rc) {
		goto err_free_ranges;
	}
	rc = send_policy(spmc, &m, diag);
	if (rc) {
		goto err_free_ranges;
	}
	rc = ownership_check(spmc, &m, diag);
	if (rc) {
		goto err_free_ranges;
	}
	if (secure) {
		rc = ranges_protect(spmc, ranges, m.range_count);
		if (rc) {
			goto err_free_ranges;
		}
		/* CLEAR: zero after the lender lost access (§1.9 bit 0). */
		if (m.flags & FFA_MEM_FLAG_CLEAR) {
			rc = ranges_scrub(spmc, ranges, m.range_count, true,
					  &scrubbed);
			if (rc) {
				goto err_unprotect;
			}
		}
	}

	/* Commit: nothing below can fail. */
	share->state = SPMC_SHARE_SENT;
	share->attributes = m.attributes;
	share->flags = m.flags;
	share->tag = m.tag;
	share->version = m.version;
	share->receiver_count = m.receiver_count;
	for (uint32_t i = 0; i < m.receiver_count; i++) {
		struct spmc_borrower *b = &share->borrowers[i];

		b->id = recv[i].endpoint_id;
		b->granted = recv[i].permissions;
		b->emad_flags = recv[i].flags;
		wire_copy(b->impdef, recv[i].impdef, sizeof(b->impdef));
	}
	share->ranges = ranges;
	share->range_count = m.range_count;
	share->page_count = m.total_page_count;
	spmc_free(spmc, share->rx.buf);
	share->rx = (struct rheap_ffa_frag_rx){ 0 };
	share->frag_count = 0;
	if (secure) {
		spmc->protected_pages += share->page_count;
	}
	spmc->scrubbed_pages += scrubbed;
	return 0;

err_unprotect:
	ranges_undo(spmc, ranges, m.range_count, true);
err_free_ranges:
	spmc_free(spmc, ranges);
	return rc;
}

static void send_result(const struct spmc_share *share,
			struct spmc_send_result *res)
{
	res->handle = share->handle;
	res->complete = share->state != SPMC_SHARE_SENDING;
	res->received = (uint32_t)(res->complete ? 0 : share->rx.received);
}

int spmc_send(struct spmc *spmc, uint16_t caller, enum rheap_ffa_abi abi,
	      const void *frag, size_t total_len, size_t frag_len,
	      struct spmc_send_result *res, struct rheap_diag *diag)
{
	const struct spmc_limits *lim = NULL;
	struct spmc_share *share = NULL;
	struct spmc_ep *ep = NULL;
	uint64_t range_count = 0;
	uint64_t desc_max = 0;
	int rc = 0;

	if (!spmc || !res || !frag) {
		return wire_reject(diag, "argument", 0, "is NULL");
	}
	if (spmc->wedged) {
		return -EBUSY;
	}
	lim = &spmc->cfg.limits;
	ep = spmc_ep_find(spmc, caller);
	if (!ep || spmc_id_is_sp(caller)) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "is not a normal-world endpoint", false,
				       0);
	}
	if (!abi_is_send(abi)) {
		return wire_reject(diag, "abi", abi,
				   "is not SHARE, LEND or DONATE");
	}
	if (frag_len == 0 || frag_len > total_len) {
		return wire_reject_lim(diag, "fragment_length", frag_len,
				       "must be 1 up to the total length",
				       total_len);
	}
	/* Bound the reassembly buffer before allocating it (T14). */
	desc_max = SPMC_DESC_FIXED_MAX +
		   (uint64_t)lim->max_ranges * sizeof(struct ffa_constituent_desc);
	if (total_len > desc_max) {
		return wire_reject_err(diag, -ENOMEM, "total_length",
				       RHEAP_DIAG_NO_INDEX, total_len,
				       "exceeds the descriptor limit", true,
				       desc_max);
	}
	if (ep->stats.live_handles >= lim->max_shares_per_endpoint) {
		return wire_reject_err(diag, -ENOMEM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "holds the per-endpoint maximum of "
				       "transactions",
				       true, lim->max_shares_per_endpoint);
	}

	rc = spmc_share_alloc(spmc, &share);
	if (rc) {
		return wire_reject_err(diag, rc, "handles", RHEAP_DIAG_NO_INDEX,
				       spmc->live_shares,
				       "no handle available", false, 0);
	}
	share->rx.buf = spmc_zalloc(spmc, total_len);
	if (!share->rx.buf) {
		rc = -ENOMEM;
		goto err_release;
	}
	share->rx.buf_cap = total_len;
	rc = rheap_ffa_frag_rx_init(&share->rx, total_len, frag, frag_len,
				    diag);
	if (rc) {
		goto err_release;
	}
	/* rx_init checked the header is there: the sender can be read. */
	if (wire_get16(share->rx.buf) != caller) {
		rc = wire_reject_err(diag, -EPERM, "sender_id",
				     RHEAP_DIAG_NO_INDEX,
				     wire_get16(share->rx.buf),
				     "is not the caller", true, caller);
		goto err_release;
	}
	range_count = (total_len - share->rx.fixed_size) /
		      sizeof(struct ffa_constituent_desc);
	if (range_count > lim->max_ranges ||
	    spmc->total_ranges + range_count > lim->max_total_ranges) {
		rc = wire_reject_err(diag, -ENOMEM, "composite.range_count",
				     RHEAP_DIAG_NO_INDEX, range_count,
				     "exceeds the constituent limit", true,
				     lim->max_ranges);
		goto err_release;
	}
	share->state = SPMC_SHARE_SENDING;
	share->abi = abi;
	share->sender_id = caller;
	share->owner_id = caller;
	share->range_count = (uint32_t)range_count;
	share->frag_count = 1;

	if (!rheap_ffa_frag_rx_done(&share->rx)) {
		/* A transaction that could never complete is refused now. */
		if (lim->max_fragments <= 1) {
			rc = wire_reject_err(diag, -ENOMEM, "fragment_count", 0,
					     1, "reaches the fragment limit",
					     true, lim->max_fragments);
			goto err_release;
		}
	} else {
		rc = share_complete(spmc, share, diag);
		if (rc) {
			goto err_release;
		}
	}
	spmc->total_ranges += share->range_count;
	spmc_share_account(spmc, share, 1);
	send_result(share, res);
	return 0;

err_release:
	spmc_share_release(spmc, share, true);
	return rc;
}

int spmc_frag_tx(struct spmc *spmc, uint16_t caller, uint64_t handle,
		 const void *frag, size_t frag_len,
		 struct spmc_send_result *res, struct rheap_diag *diag)
{
	struct spmc_share *share = NULL;
	size_t received = 0;
	int rc = 0;

	if (!spmc || !res || !frag) {
		return wire_reject(diag, "argument", 0, "is NULL");
	}
	if (spmc->wedged) {
		return -EBUSY;
	}
	share = spmc_share_lookup(spmc, handle);
	if (!share || share->state != SPMC_SHARE_SENDING) {
		return wire_reject_err(diag, -ENOENT, "handle",
				       RHEAP_DIAG_NO_INDEX, handle,
				       "is not a transaction waiting for "
				       "fragments",
				       false, 0);
	}
	if (share->sender_id != caller) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "is not the sender", true,
				       share->sender_id);
	}
	received = share->rx.received;
	rc = rheap_ffa_frag_rx_add(&share->rx, received, frag, frag_len, diag);
	if (rc) {
		return rc;
	}
	if (!rheap_ffa_frag_rx_done(&share->rx)) {
		/* Leave room for the fragment that completes it. */
		if (share->frag_count + 1 >= spmc->cfg.limits.max_fragments) {
			rc = wire_reject_err(diag, -ENOMEM, "fragment_count",
					     RHEAP_DIAG_NO_INDEX,
					     share->frag_count + 1,
					     "reaches the fragment limit "
					     "before completion",
					     true,
					     spmc->cfg.limits.max_fragments);
			goto err_rewind;
		}
		share->frag_count++;
		send_result(share, res);
		return 0;
	}
	rc = share_complete(spmc, share, diag);
	if (rc) {
		goto err_rewind;
	}
	/* SENDING -> SENT: move the accounting to the complete state. */
	share->state = SPMC_SHARE_SENDING;
	spmc_share_account(spmc, share, -1);
	share->state = SPMC_SHARE_SENT;
	spmc_share_account(spmc, share, 1);
	send_result(share, res);
	return 0;

err_rewind:
	/* The bytes past `received` are dead: only the count matters. */
	share->rx.received = received;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Retrieve.                                                               */

static uint32_t abi_type_flag(enum rheap_ffa_abi abi)
{
	switch (abi) {
	case RHEAP_FFA_ABI_SHARE:
		return FFA_MEM_FLAG_TYPE_SHARE;
	case RHEAP_FFA_ABI_LEND:
		return FFA_MEM_FLAG_TYPE_LEND;
	case RHEAP_FFA_ABI_DONATE:
	default:
		return FFA_MEM_FLAG_TYPE_DONATE;
	}
}

/* What a retrieve request asks for and what it will get. */
struct retrieve_plan {
	uint8_t held;          /* effective permissions of the caller */
	uint16_t attributes;   /* attributes in the response */
	bool clear_on_relinquish;
};

static int retrieve_match(const struct spmc_share *share, uint16_t caller,
			  const struct rheap_ffa_mem *req,
			  struct retrieve_plan *plan, struct rheap_diag *diag)
{
	const struct rheap_ffa_receiver *mine = NULL;
	const struct spmc_borrower *b = NULL;
	uint32_t type = (req->flags & FFA_MEM_FLAG_TYPE_MASK) >>
			FFA_MEM_FLAG_TYPE_SHIFT;
	uint32_t share_type = (share->attributes & FFA_MEM_ATTR_TYPE_MASK) >>
			      FFA_MEM_ATTR_TYPE_SHIFT;
	uint32_t req_type = (req->attributes & FFA_MEM_ATTR_TYPE_MASK) >>
			    FFA_MEM_ATTR_TYPE_SHIFT;
	uint32_t data = 0;
	uint32_t insn = 0;
	uint32_t granted = 0;

	for (uint32_t i = 0; i < req->receiver_count; i++) {
		const struct rheap_ffa_receiver *r = &req->receivers[i];
		bool known = false;

		for (uint32_t j = 0; j < share->receiver_count; j++) {
			known = known || share->borrowers[j].id == r->endpoint_id;
			if (share->borrowers[j].id == caller &&
			    r->endpoint_id == caller) {
				b = &share->borrowers[j];
			}
		}
		if (!known) {
			return wire_reject_at(diag, "receivers.endpoint_id", i,
					      r->endpoint_id,
					      "is not a receiver of the "
					      "transaction");
		}
		if (r->endpoint_id == caller) {
			mine = r;
		}
	}
	if (!mine || !b) {
		return wire_reject_lim(diag, "receivers", req->receiver_count,
				       "do not name the caller", caller);
	}
	if (mine->flags != 0) {
		return wire_reject(diag, "receivers.flags", mine->flags,
				   "marks the retriever as non-retrieving");
	}
	if (req->sender_id != share->sender_id) {
		return wire_reject_lim(diag, "sender_id", req->sender_id,
				       "does not match the sender",
				       share->sender_id);
	}
	if (req->tag != share->tag) {
		return wire_reject_lim(diag, "tag", req->tag,
				       "does not match the tag sent",
				       share->tag);
	}
	if (type != FFA_MEM_FLAG_TYPE_UNSPECIFIED &&
	    type != abi_type_flag(share->abi)) {
		return wire_reject_lim(diag, "flags", req->flags,
				       "names another transaction type",
				       abi_type_flag(share->abi));
	}
	/* Hafnium refuses alignment hints; bypass is the hypervisor's. */
	if (req->flags & (FFA_MEM_FLAG_ALIGN_HINT_VALID |
			  FFA_MEM_FLAG_ALIGN_HINT_MASK |
			  FFA_MEM_FLAG_BYPASS_BORROWER_CHECK)) {
		return wire_reject(diag, "flags", req->flags,
				   "uses an alignment hint or the bypass bit");
	}
	if ((req->flags & FFA_MEM_FLAG_CLEAR) &&
	    !(share->flags & FFA_MEM_FLAG_CLEAR)) {
		return wire_reject_err(diag, -EPERM, "flags",
				       RHEAP_DIAG_NO_INDEX, req->flags,
				       "asks zeroing the sender did not ask",
				       false, 0);
	}
	if ((req->flags & FFA_MEM_FLAG_CLEAR_RELINQUISH) &&
	    share->abi != RHEAP_FFA_ABI_LEND) {
		return wire_reject(diag, "flags", req->flags,
				   "asks zeroing after relinquish of memory "
				   "that is shared or donated");
	}

	/* Permissions: never above the grant; never executable unless owned. */
	data = mine->permissions & FFA_DATA_ACCESS_MASK;
	insn = (mine->permissions & FFA_INSTRUCTION_ACCESS_MASK) >>
	       FFA_INSTRUCTION_ACCESS_SHIFT;
	granted = b->granted & FFA_DATA_ACCESS_MASK;
	if (share->abi == RHEAP_FFA_ABI_DONATE) {
		/* The receiver becomes the owner: it chooses. */
		if (data == FFA_DATA_ACCESS_NOT_SPECIFIED) {
			data = FFA_DATA_ACCESS_RW;
		}
		if (insn == FFA_INSTRUCTION_ACCESS_NOT_SPECIFIED) {
			insn = FFA_INSTRUCTION_ACCESS_NX;
		}
	} else {
		if (data == FFA_DATA_ACCESS_RW &&
		    granted != FFA_DATA_ACCESS_RW) {
			return wire_reject_err(diag, -EPERM,
					       "receivers.permissions",
					       RHEAP_DIAG_NO_INDEX,
					       mine->permissions,
					       "asks RW of a read-only grant",
					       true, b->granted);
		}
		if (insn == FFA_INSTRUCTION_ACCESS_X) {
			return wire_reject_err(diag, -EPERM,
					       "receivers.permissions",
					       RHEAP_DIAG_NO_INDEX,
					       mine->permissions,
					       "asks execute access to memory "
					       "it does not own",
					       false, 0);
		}
		if (data == FFA_DATA_ACCESS_NOT_SPECIFIED) {
			data = granted;
		}
		insn = FFA_INSTRUCTION_ACCESS_NX;
	}
	if ((req->flags & FFA_MEM_FLAG_CLEAR_RELINQUISH) &&
	    data != FFA_DATA_ACCESS_RW) {
		return wire_reject_err(diag, -EPERM, "flags",
				       RHEAP_DIAG_NO_INDEX, req->flags,
				       "asks zeroing with read-only access",
				       false, 0);
	}

	/* Attributes: the sender's if it set them, else the borrower's. */
	if (req_type == FFA_MEM_ATTR_TYPE_NOT_SPECIFIED) {
		if (req->attributes != 0) {
			return wire_reject(diag, "attributes", req->attributes,
					   "sets bits with the type not "
					   "specified");
		}
		plan->attributes = share_type == FFA_MEM_ATTR_TYPE_NOT_SPECIFIED
					   ? FFA_MEM_ATTR_NORMAL_WB_ISH
					   : share->attributes;
	} else if (share_type == FFA_MEM_ATTR_TYPE_NOT_SPECIFIED) {
		if (req_type != FFA_MEM_ATTR_TYPE_NORMAL) {
			return wire_reject(diag, "attributes", req->attributes,
					   "asks a non-Normal type for DRAM");
		}
		plan->attributes = req->attributes;
	} else if (req->attributes != share->attributes) {
		return wire_reject_lim(diag, "attributes", req->attributes,
				       "differ from the sender's",
				       share->attributes);
	} else {
		plan->attributes = share->attributes;
	}
	plan->held = (uint8_t)(data | insn << FFA_INSTRUCTION_ACCESS_SHIFT);
	plan->clear_on_relinquish =
		(req->flags & FFA_MEM_FLAG_CLEAR_RELINQUISH) != 0;
	return 0;
}

/* Encode the retrieve response for @caller into a new buffer. */
static int retrieve_encode(const struct spmc *spmc,
			   const struct spmc_share *share, uint16_t caller,
			   uint32_t version, const struct retrieve_plan *plan,
			   uint8_t **out, size_t *out_size,
			   struct rheap_diag *diag)
{
	struct rheap_ffa_receiver recv[SPMC_MAX_RECEIVERS] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	uint8_t *buf = NULL;
	size_t size = 0;
	int n = 0;
	int rc = 0;

	m.abi = RHEAP_FFA_ABI_RETRIEVE_RESP;
	m.version = version;
	m.sender_id = share->sender_id;
	m.attributes = plan->attributes;
	m.flags = abi_type_flag(share->abi) << FFA_MEM_FLAG_TYPE_SHIFT |
		  (share->flags & FFA_MEM_FLAG_CLEAR);
	m.handle = share->handle;
	m.tag = share->tag;
	m.receiver_count = share->receiver_count;
	m.receivers = recv;
	m.receiver_cap = SPMC_MAX_RECEIVERS;
	for (uint32_t i = 0; i < share->receiver_count; i++) {
		const struct spmc_borrower *b = &share->borrowers[i];

		recv[i].endpoint_id = b->id;
		recv[i].permissions = b->id == caller ? plan->held : b->granted;
		if (version == FFA_VERSION_1_2) {
			wire_copy(recv[i].impdef, b->impdef,
				  sizeof(recv[i].impdef));
		}
	}
	m.total_page_count = (uint32_t)share->page_count;
	m.range_count = share->range_count;
	m.ranges = share->ranges;
	m.range_cap = share->range_count;

	rc = rheap_ffa_mem_encoded_size(&m, &size);
	if (rc) {
		return rc;
	}
	buf = spmc_zalloc(spmc, size);
	if (!buf) {
		return -ENOMEM;
	}
	n = rheap_ffa_mem_encode(&m, buf, size, diag);
	if (n < 0) {
		rc = n;
		goto err_free_buf;
	}
	*out = buf;
	*out_size = (size_t)n;
	return 0;

err_free_buf:
	spmc_free(spmc, buf);
	return rc;
}

/*
 * The complete transaction @handle names: a fragmented send still in
 * progress is invisible to every call but its sender's reclaim.
 */
static int share_find_complete(struct spmc *spmc, uint64_t handle,
			       struct spmc_share **out,
			       struct rheap_diag *diag)
{
	struct spmc_share *share = spmc_share_lookup(spmc, handle);

	if (!share || share->state == SPMC_SHARE_SENDING) {
		return wire_reject_err(diag, -ENOENT, "handle",
				       RHEAP_DIAG_NO_INDEX, handle,
				       "names no complete transaction", false,
				       0);
	}
	*out = share;
	return 0;
}

int spmc_retrieve(struct spmc *spmc, uint16_t caller, const void *req,
		  size_t req_len, void *resp, size_t resp_cap,
		  size_t *total_len, size_t *frag_len,
		  struct rheap_diag *diag)
{
	struct rheap_ffa_receiver recv[SPMC_MAX_RECEIVERS] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	struct retrieve_plan plan = { 0 };
	struct spmc_share *share = NULL;
	struct spmc_borrower *b = NULL;
	struct spmc_ep *ep = NULL;
	uint8_t *buf = NULL;
	size_t size = 0;
	size_t first = 0;
	int rc = 0;

	if (!spmc || !req || !resp || !total_len || !frag_len) {
		return wire_reject(diag, "argument", 0, "is NULL");
	}
	if (spmc->wedged) {
		return -EBUSY;
	}
	ep = spmc_ep_find(spmc, caller);
	if (!ep || !spmc_id_is_sp(caller)) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "is not a secure partition", false, 0);
	}
	m.receivers = recv;
	m.receiver_cap = SPMC_MAX_RECEIVERS;
	rc = rheap_ffa_mem_decode(RHEAP_FFA_ABI_RETRIEVE_REQ, req, req_len, &m,
				  diag);
	if (rc) {
		return rc == -ENOSPC ? -EINVAL : rc;
	}
	rc = share_find_complete(spmc, m.handle, &share, diag);
	if (rc) {
		return rc;
	}
	b = spmc_share_borrower(share, caller);
	if (!b) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "is not a receiver of the transaction",
				       false, 0);
	}
	if (b->retrieved) {
		return wire_reject_err(diag, -EBUSY, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "already holds the transaction", false,
				       0);
	}
	rc = retrieve_match(share, caller, &m, &plan, diag);
	if (rc) {
		return rc;
	}
	rc = retrieve_encode(spmc, share, caller, m.version, &plan, &buf,
			     &size, diag);
	if (rc) {
		return rc;
	}
	if (size <= resp_cap) {
		first = size;
	} else {
		rc = rheap_ffa_frag_first_size(buf, size, resp_cap, &first);
		if (rc) {
			rc = wire_reject_err(diag, -ENOSPC, "resp_cap",
					     RHEAP_DIAG_NO_INDEX, resp_cap,
					     "cannot hold the fixed part of the "
					     "response",
					     false, 0);
			goto err_free_buf;
		}
	}

	/* Commit. */
	wire_copy(resp, buf, first);
	if (first < size) {
		b->resp = buf;
		b->resp_size = size;
		b->resp_sent = first;
	} else {
		spmc_free(spmc, buf);
	}
	b->retrieved = 1;
	b->held = plan.held;
	b->clear_on_relinquish = plan.clear_on_relinquish;
	ep->stats.retrievals++;
	ep->stats.pages_borrowed += share->page_count;
	if (share->abi == RHEAP_FFA_ABI_DONATE) {
		share->state = SPMC_SHARE_DONATED;
		share->owner_id = caller;
	} else {
		share->state = SPMC_SHARE_RETRIEVED;
	}
	*total_len = size;
	*frag_len = first;
	return 0;

err_free_buf:
	spmc_free(spmc, buf);
	return rc;
}

int spmc_frag_rx(struct spmc *spmc, uint16_t caller, uint64_t handle,
		 size_t offset, void *resp, size_t resp_cap, size_t *frag_len,
		 struct rheap_diag *diag)
{
	struct spmc_share *share = NULL;
	struct spmc_borrower *b = NULL;
	size_t n = 0;
	int rc = 0;

	if (!spmc || !resp || !frag_len) {
		return wire_reject(diag, "argument", 0, "is NULL");
	}
	if (spmc->wedged) {
		return -EBUSY;
	}
	rc = share_find_complete(spmc, handle, &share, diag);
	if (rc) {
		return rc;
	}
	b = spmc_share_borrower(share, caller);
	if (!b || !b->resp) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "has no retrieve response in flight",
				       false, 0);
	}
	if (offset != b->resp_sent) {
		return wire_reject_lim(diag, "fragment_offset", offset,
				       "is not the number of bytes sent",
				       b->resp_sent);
	}
	rc = rheap_ffa_frag_next_size(b->resp_size, b->resp_sent, resp_cap,
				      &n);
	if (rc) {
		return wire_reject_err(diag, rc, "resp_cap",
				       RHEAP_DIAG_NO_INDEX, resp_cap,
				       "is below one constituent", false, 0);
	}
	wire_copy(resp, b->resp + b->resp_sent, n);
	b->resp_sent += n;
	if (b->resp_sent == b->resp_size) {
		spmc_borrower_drop_resp(spmc, b);
	}
	*frag_len = n;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Relinquish and reclaim.                                                 */

/* @b stops holding @share (relinquish or teardown). */
static void borrower_release(struct spmc *spmc, struct spmc_share *share,
			     struct spmc_borrower *b)
{
	struct spmc_ep *ep = spmc_ep_find(spmc, b->id);

	if (ep) {
		ep->stats.retrievals--;
		ep->stats.pages_borrowed -= share->page_count;
	}
	b->retrieved = 0;
	b->held = 0;
	b->clear_on_relinquish = false;
	spmc_borrower_drop_resp(spmc, b);
	if (spmc_share_holders(share) == 0) {
		share->state = SPMC_SHARE_SENT;
	}
}

int spmc_relinquish(struct spmc *spmc, uint16_t caller, const void *desc,
		    size_t len, struct rheap_diag *diag)
{
	uint16_t ids[SPMC_MAX_RECEIVERS] = { 0 };
	struct rheap_ffa_relinquish rel = { 0 };
	struct spmc_share *share = NULL;
	struct spmc_borrower *b = NULL;
	uint64_t scrubbed = 0;
	uint32_t others = 0;
	bool clear = false;
	bool scrub_now = false;
	int rc = 0;

	if (!spmc || !desc) {
		return wire_reject(diag, "argument", 0, "is NULL");
	}
	if (spmc->wedged) {
		return -EBUSY;
	}
	rel.endpoints = ids;
	rel.endpoint_cap = SPMC_MAX_RECEIVERS;
	rc = rheap_ffa_relinquish_decode(desc, len, &rel, diag);
	if (rc) {
		return rc == -ENOSPC ? -EINVAL : rc;
	}
	if (rel.endpoint_count != 1) {
		return wire_reject_lim(diag, "endpoint_count",
				       rel.endpoint_count,
				       "must name exactly the caller", 1);
	}
	if (ids[0] != caller) {
		return wire_reject_err(diag, -EPERM, "endpoints", 0, ids[0],
				       "is not the caller", true, caller);
	}
	rc = share_find_complete(spmc, rel.handle, &share, diag);
	if (rc) {
		return rc;
	}
	b = spmc_share_borrower(share, caller);
	if (!b) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "is not a receiver of the transaction",
				       false, 0);
	}
	if (share->abi == RHEAP_FFA_ABI_DONATE) {
		return wire_reject(diag, "handle", rel.handle,
				   "names a donation, which cannot be "
				   "relinquished");
	}
	if (!b->retrieved) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       "does not hold the transaction", false,
				       0);
	}
	clear = (rel.flags & FFA_RECLAIM_FLAG_CLEAR) != 0;
	others = spmc_share_holders(share) - 1;
	if (clear && share->abi == RHEAP_FFA_ABI_SHARE) {
		return wire_reject(diag, "flags", rel.flags,
				   "asks to clear memory that is shared");
	}
	if (clear && (b->held & FFA_DATA_ACCESS_MASK) != FFA_DATA_ACCESS_RW) {
		return wire_reject_err(diag, -EPERM, "flags",
				       RHEAP_DIAG_NO_INDEX, rel.flags,
				       "asks zeroing with read-only access",
				       false, 0);
	}
	if (clear && others > 0) {
		return wire_reject_err(diag, -EBUSY, "flags",
				       RHEAP_DIAG_NO_INDEX, rel.flags,
				       "asks zeroing while other borrowers "
				       "hold the memory",
				       true, others);
	}
	scrub_now = (clear || b->clear_on_relinquish) && others == 0;
	if (scrub_now) {
		rc = ranges_scrub(spmc, share->ranges, share->range_count, true,
				  &scrubbed);
		if (rc) {
			return rc;
		}
	}

	/* Commit. */
	if (b->clear_on_relinquish && !scrub_now) {
		share->scrub_on_reclaim = true;
	}
	if (scrub_now) {
		/* Zero, and nobody can reach it before reclaim. */
		share->scrub_on_reclaim = false;
	}
	spmc->scrubbed_pages += scrubbed;
	borrower_release(spmc, share, b);
	return 0;
}

/* Abort a transaction still waiting for fragments (nothing protected). */
static void share_abort(struct spmc *spmc, struct spmc_share *share)
{
	spmc_share_account(spmc, share, -1);
	spmc->total_ranges -= share->range_count;
	spmc_share_release(spmc, share, false);
}

int spmc_reclaim(struct spmc *spmc, uint16_t caller, uint64_t handle,
		 uint32_t flags, struct rheap_diag *diag)
{
	struct spmc_share *share = NULL;
	uint64_t scrubbed = 0;
	bool scrub_all = false;
	int rc = 0;

	if (!spmc) {
		return wire_reject(diag, "argument", 0, "is NULL");
	}
	if (spmc->wedged) {
		return -EBUSY;
	}
	if (flags & FFA_RECLAIM_FLAGS_MBZ_MASK) {
		return wire_reject(diag, "flags", flags, "has MBZ bits set");
	}
	share = spmc_share_lookup(spmc, handle);
	if (share && share->state == SPMC_SHARE_SENDING &&
	    share->sender_id == caller) {
		share_abort(spmc, share);
		return 0;
	}
	rc = share_find_complete(spmc, handle, &share, diag);
	if (rc) {
		return rc;
	}
	if (share->orphaned ? caller != FFA_ID_HYPERVISOR
			    : caller != share->sender_id) {
		return wire_reject_err(diag, -EPERM, "caller",
				       RHEAP_DIAG_NO_INDEX, caller,
				       share->orphaned
					       ? "is not the hypervisor (the "
						 "sender is gone)"
					       : "is not the sender",
				       true, share->sender_id);
	}
	if (share->abi == RHEAP_FFA_ABI_DONATE) {
		return wire_reject(diag, "handle", handle,
				   "names a donation, which cannot be "
				   "reclaimed");
	}
	if (share->state != SPMC_SHARE_SENT) {
		return wire_reject_err(diag, -EBUSY, "handle",
				       RHEAP_DIAG_NO_INDEX, handle,
				       "is still held by borrowers", true,
				       spmc_share_holders(share));
	}
	if ((flags & FFA_RECLAIM_FLAG_CLEAR) &&
	    share->abi == RHEAP_FFA_ABI_SHARE) {
		return wire_reject(diag, "flags", flags,
				   "asks to clear memory that is shared");
	}
	scrub_all = (flags & FFA_RECLAIM_FLAG_CLEAR) || share->orphaned ||
		    share->scrub_on_reclaim;
	if (share->abi == RHEAP_FFA_ABI_SHARE) {
		scrub_all = false; /* never secure; pools still scrubbed */
	}
	/* Scrub BEFORE unprotect: never NS-visible unscrubbed (R3). */
	rc = ranges_scrub(spmc, share->ranges, share->range_count, scrub_all,
			  &scrubbed);
	if (rc) {
		return rc;
	}
	if (share->abi == RHEAP_FFA_ABI_LEND) {
		rc = ranges_unprotect(spmc, share->ranges, share->range_count);
		if (rc) {
			return rc;
		}
		spmc->protected_pages -= share->page_count;
	}

	/* Commit. */
	spmc->scrubbed_pages += scrubbed;
	spmc_share_account(spmc, share, -1);
	spmc->total_ranges -= share->range_count;
	spmc_share_release(spmc, share, false);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Endpoints configured at run time (VMs).                                 */

int spmc_endpoint_add(struct spmc *spmc, uint16_t ep_id)
{
	uint32_t n = 0;

	if (!spmc || ep_id == FFA_ID_HYPERVISOR || spmc_id_is_sp(ep_id)) {
		return -EINVAL;
	}
	if (spmc_ep_find(spmc, ep_id)) {
		return -EBUSY;
	}
	n = spmc->cfg.endpoint_count;
	if (n >= SPMC_MAX_ENDPOINTS) {
		return -ENOSPC;
	}
	spmc->cfg.endpoints[n] = ep_id;
	spmc->eps[n] = (struct spmc_ep){ .id = ep_id };
	spmc->cfg.endpoint_count = n + 1;
	return 0;
}

int spmc_endpoint_remove(struct spmc *spmc, uint16_t ep_id)
{
	struct spmc_ep *ep = NULL;
	uint32_t i = 0;

	if (!spmc || spmc_id_is_sp(ep_id)) {
		return -EINVAL;
	}
	ep = spmc_ep_find(spmc, ep_id);
	if (!ep) {
		return -ENOENT;
	}
	/* A NW endpoint is never a borrower: sending is all it refers to. */
	if (ep->stats.live_handles != 0) {
		return -EBUSY;
	}
	i = (uint32_t)(ep - spmc->eps);
	for (; i + 1 < spmc->cfg.endpoint_count; i++) {
		spmc->eps[i] = spmc->eps[i + 1];
		spmc->cfg.endpoints[i] = spmc->cfg.endpoints[i + 1];
	}
	spmc->cfg.endpoint_count--;
	spmc->eps[spmc->cfg.endpoint_count] = (struct spmc_ep){ 0 };
	spmc->cfg.endpoints[spmc->cfg.endpoint_count] = 0;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Teardown.                                                               */

int spmc_endpoint_teardown(struct spmc *spmc, uint16_t ep_id)
{
	bool is_sp = spmc_id_is_sp(ep_id);

	if (!spmc) {
		return -EINVAL;
	}
	if (!spmc_ep_find(spmc, ep_id)) {
		return -ENOENT;
	}
	for (uint32_t s = 0; s < spmc->cfg.limits.max_shares; s++) {
		struct spmc_share *share = spmc->slots[s];
		struct spmc_borrower *b = NULL;

		if (!share) {
			continue;
		}
		if (share->sender_id == ep_id) {
			if (share->state == SPMC_SHARE_SENDING) {
				share_abort(spmc, share);
				continue;
			}
			if (share->state != SPMC_SHARE_DONATED) {
				share->orphaned = true;
			}
		}
		if (!is_sp) {
			continue;
		}
		b = spmc_share_borrower(share, ep_id);
		if (!b) {
			continue;
		}
		/* A donation it owns stays owned; a response in flight dies. */
		if (share->state == SPMC_SHARE_DONATED) {
			spmc_borrower_drop_resp(spmc, b);
			continue;
		}
		if (b->retrieved) {
			if (share->abi == RHEAP_FFA_ABI_LEND) {
				share->scrub_on_reclaim = true;
			}
			borrower_release(spmc, share, b);
		}
	}
	return 0;
}
