// SPDX-License-Identifier: BSD-2-Clause
/*
 * Whole-state checks and views of the SPMC: the invariant checker the tests
 * run after every call, the state digest that proves a refused call changed
 * nothing, and the accounting queries (R8).
 *
 * The checker recomputes every counter from the shares themselves instead
 * of trusting the incremental bookkeeping of spmc.c: a counter that drifts
 * is exactly the kind of bug it exists to find.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>

#include "common/wire.h"
#include "spmc/spmc_internal.h"

static uint64_t rng_size(const struct rheap_ffa_range *r)
{
	return (uint64_t)r->page_count << SPMC_PAGE_SHIFT;
}

static bool rng_touch(const struct rheap_ffa_range *a,
		      const struct rheap_ffa_range *b)
{
	return a->address <= b->address + (rng_size(b) - 1) &&
	       b->address <= a->address + (rng_size(a) - 1);
}

static bool complete(const struct spmc_share *s)
{
	return s->state != SPMC_SHARE_SENDING;
}

static bool secure(const struct spmc_share *s)
{
	return s->abi == RHEAP_FFA_ABI_LEND || s->abi == RHEAP_FFA_ABI_DONATE;
}

/* Ranges of a complete share: inside DRAM, out of carve-outs, summed. */
static int check_ranges(const struct spmc *spmc, const struct spmc_share *s,
			struct rheap_diag *diag)
{
	uint64_t sum = 0;

	if (!s->ranges || s->range_count == 0) {
		return wire_reject(diag, "share.ranges", s->handle,
				   "complete share without constituents");
	}
	for (uint32_t i = 0; i < s->range_count; i++) {
		const struct rheap_ffa_range *r = &s->ranges[i];
		uint64_t last = r->address + (rng_size(r) - 1);
		bool in_dram = false;

		for (uint32_t j = 0; j < spmc->cfg.dram_count; j++) {
			const struct spmc_range *d = &spmc->cfg.dram[j];

			in_dram = in_dram || (r->address >= d->base &&
					      last <= d->base + (d->size - 1));
		}
		if (!in_dram) {
			return wire_reject_at(diag, "share.ranges", i,
					      r->address, "outside DRAM");
		}
		for (uint32_t j = 0; j < spmc->cfg.carveout_count; j++) {
			const struct spmc_range *c = &spmc->cfg.carveouts[j];

			if (r->address <= c->base + (c->size - 1) &&
			    c->base <= last) {
				return wire_reject_at(diag, "share.ranges", i,
						      r->address,
						      "inside a carve-out");
			}
		}
		sum += r->page_count;
	}
	if (sum != s->page_count) {
		return wire_reject_lim(diag, "share.page_count", s->page_count,
				       "differs from the constituent sum", sum);
	}
	return 0;
}

static int check_borrowers(const struct spmc *spmc,
			   const struct spmc_share *s, struct rheap_diag *diag)
{
	uint32_t holders = 0;

	if (s->receiver_count == 0 || s->receiver_count > SPMC_MAX_RECEIVERS) {
		return wire_reject(diag, "share.receiver_count",
				   s->receiver_count, "out of range");
	}
	for (uint32_t i = 0; i < SPMC_MAX_RECEIVERS; i++) {
		const struct spmc_borrower *b = &s->borrowers[i];

		if (i >= s->receiver_count) {
			if (b->retrieved || b->resp || b->id) {
				return wire_reject_at(diag, "share.borrowers",
						      i, b->id,
						      "unused entry in use");
			}
			continue;
		}
		if (!spmc_ep_find_const(spmc, b->id) || !spmc_id_is_sp(b->id)) {
			return wire_reject_at(diag, "share.borrowers", i, b->id,
					      "is not a configured partition");
		}
		for (uint32_t j = 0; j < i; j++) {
			if (s->borrowers[j].id == b->id) {
				return wire_reject_at(diag, "share.borrowers",
						      i, b->id, "repeats");
			}
		}
		if (b->retrieved > 1) {
			return wire_reject_at(diag, "share.borrowers.retrieved",
					      i, b->retrieved,
					      "more than one retrieval");
		}
		if (!b->retrieved &&
		    (b->held || b->clear_on_relinquish || b->resp)) {
			return wire_reject_at(diag, "share.borrowers", i, b->id,
					      "holds state without a "
					      "retrieval");
		}
		if (!b->resp != (b->resp_size == 0) ||
		    (b->resp && b->resp_sent >= b->resp_size)) {
			return wire_reject_at(diag, "share.borrowers.resp", i,
					      b->resp_sent,
					      "inconsistent response state");
		}
		holders += b->retrieved;
	}
	if (s->state == SPMC_SHARE_DONATED) {
		if (s->abi != RHEAP_FFA_ABI_DONATE || s->receiver_count != 1 ||
		    holders != 1 || s->owner_id != s->borrowers[0].id) {
			return wire_reject(diag, "share.state", s->state,
					   "DONATED without one owning "
					   "receiver");
		}
		return 0;
	}
	if (s->owner_id != s->sender_id) {
		return wire_reject(diag, "share.owner_id", s->owner_id,
				   "differs from the sender");
	}
	if ((s->state == SPMC_SHARE_RETRIEVED) != (holders > 0)) {
		return wire_reject_lim(diag, "share.state", s->state,
				       "disagrees with the holder count",
				       holders);
	}
	if (s->abi == RHEAP_FFA_ABI_DONATE && holders > 0) {
		return wire_reject(diag, "share.state", s->state,
				   "retrieved donation not DONATED");
	}
	return 0;
}

static int check_share(const struct spmc *spmc, uint32_t slot,
		       const struct spmc_share *s, struct rheap_diag *diag)
{
	uint64_t gen = s->handle >> SPMC_HANDLE_SLOT_BITS;
	const struct spmc_ep *sender = spmc_ep_find_const(spmc, s->sender_id);

	if ((s->handle & SPMC_HANDLE_SLOT_MASK) != slot ||
	    (s->handle & FFA_HANDLE_ALLOCATOR_BIT) ||
	    gen < SPMC_HANDLE_GEN_START || gen >= spmc->next_gen) {
		return wire_reject_at(diag, "slots.handle", slot, s->handle,
				      "does not encode its slot and a used "
				      "generation");
	}
	if (!sender || spmc_id_is_sp(s->sender_id)) {
		return wire_reject_at(diag, "share.sender_id", slot,
				      s->sender_id,
				      "is not a normal-world endpoint");
	}
	if (s->abi != RHEAP_FFA_ABI_SHARE && s->abi != RHEAP_FFA_ABI_LEND &&
	    s->abi != RHEAP_FFA_ABI_DONATE) {
		return wire_reject_at(diag, "share.abi", slot, s->abi,
				      "is not a send ABI");
	}
	switch (s->state) {
	case SPMC_SHARE_SENDING:
		if (!s->rx.buf || s->ranges || s->receiver_count ||
		    s->page_count || s->orphaned || s->frag_count == 0 ||
		    s->frag_count >= spmc->cfg.limits.max_fragments ||
		    s->rx.received >= s->rx.total_size ||
		    s->range_count > spmc->cfg.limits.max_ranges) {
			return wire_reject_at(diag, "share.state", slot,
					      s->state,
					      "SENDING share is inconsistent");
		}
		return 0;
	case SPMC_SHARE_SENT:
	case SPMC_SHARE_RETRIEVED:
	case SPMC_SHARE_DONATED:
		if (s->rx.buf || s->frag_count) {
			return wire_reject_at(diag, "share.rx", slot,
					      s->frag_count,
					      "complete share keeps "
					      "reassembly state");
		}
		break;
	case SPMC_SHARE_FREE:
	default:
		return wire_reject_at(diag, "share.state", slot, s->state,
				      "is not a live state");
	}
	if (check_ranges(spmc, s, diag) || check_borrowers(spmc, s, diag)) {
		return -EINVAL;
	}
	return 0;
}

/* Recompute one endpoint's stats from the shares. */
static void ep_recompute(const struct spmc *spmc, uint16_t id,
			 struct spmc_ep_stats *st)
{
	*st = (struct spmc_ep_stats){ 0 };
	for (uint32_t i = 0; i < spmc->cfg.limits.max_shares; i++) {
		const struct spmc_share *s = spmc->slots[i];

		if (!s) {
			continue;
		}
		if (s->sender_id == id) {
			st->live_handles++;
			if (!complete(s)) {
				st->pending++;
			} else if (s->abi == RHEAP_FFA_ABI_SHARE) {
				st->pages_shared += s->page_count;
			} else if (s->abi == RHEAP_FFA_ABI_LEND) {
				st->pages_lent += s->page_count;
			} else {
				st->pages_donated += s->page_count;
			}
		}
		for (uint32_t j = 0; complete(s) && j < s->receiver_count;
		     j++) {
			if (s->borrowers[j].id == id &&
			    s->borrowers[j].retrieved) {
				st->retrievals++;
				st->pages_borrowed += s->page_count;
			}
		}
	}
}

static bool ep_stats_eq(const struct spmc_ep_stats *a,
			const struct spmc_ep_stats *b)
{
	return a->live_handles == b->live_handles && a->pending == b->pending &&
	       a->pages_shared == b->pages_shared &&
	       a->pages_lent == b->pages_lent &&
	       a->pages_donated == b->pages_donated &&
	       a->pages_borrowed == b->pages_borrowed &&
	       a->retrievals == b->retrievals;
}

int spmc_check_invariants(const struct spmc *spmc, struct rheap_diag *diag)
{
	uint64_t total_ranges = 0;
	uint64_t protected_pages = 0;
	uint32_t live = 0;

	if (!spmc) {
		return wire_reject(diag, "spmc", 0, "is NULL");
	}
	for (uint32_t i = 0; i < spmc->cfg.limits.max_shares; i++) {
		const struct spmc_share *s = spmc->slots[i];

		if (!s) {
			continue;
		}
		live++;
		if (check_share(spmc, i, s, diag)) {
			return -EINVAL;
		}
		total_ranges += s->range_count;
		if (complete(s) && secure(s)) {
			protected_pages += s->page_count;
		}
		/* No two complete transactions share a page. */
		for (uint32_t j = 0; complete(s) && j < i; j++) {
			const struct spmc_share *o = spmc->slots[j];

			if (!o || !complete(o)) {
				continue;
			}
			for (uint32_t a = 0; a < s->range_count; a++) {
				for (uint32_t b = 0; b < o->range_count; b++) {
					if (rng_touch(&s->ranges[a],
						      &o->ranges[b])) {
						return wire_reject_at_lim(
							diag, "slots", i,
							s->handle,
							"overlaps the share "
							"in slot",
							j);
					}
				}
			}
		}
	}
	if (live != spmc->live_shares) {
		return wire_reject_lim(diag, "live_shares", spmc->live_shares,
				       "differs from the occupied slots", live);
	}
	if (total_ranges != spmc->total_ranges ||
	    total_ranges > spmc->cfg.limits.max_total_ranges) {
		return wire_reject_lim(diag, "total_ranges", spmc->total_ranges,
				       "differs from the shares' sum",
				       total_ranges);
	}
	if (protected_pages != spmc->protected_pages) {
		return wire_reject_lim(diag, "protected_pages",
				       spmc->protected_pages,
				       "differs from the complete LEND/DONATE "
				       "pages",
				       protected_pages);
	}
	for (uint32_t i = 0; i < spmc->cfg.endpoint_count; i++) {
		struct spmc_ep_stats st = { 0 };

		ep_recompute(spmc, spmc->eps[i].id, &st);
		if (!ep_stats_eq(&st, &spmc->eps[i].stats)) {
			return wire_reject_at(diag, "endpoint.stats", i,
					      spmc->eps[i].id,
					      "differ from the recomputed "
					      "accounting");
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Digest.                                                                 */

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static void mix(uint64_t *h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		*h ^= (v >> (8 * i)) & 0xff;
		*h *= FNV_PRIME;
	}
}

static void mix_bytes(uint64_t *h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*h ^= p[i];
		*h *= FNV_PRIME;
	}
}

static void mix_share(uint64_t *h, const struct spmc_share *s)
{
	mix(h, s->handle);
	mix(h, s->state);
	mix(h, (uint64_t)s->abi);
	mix(h, s->sender_id);
	mix(h, s->owner_id);
	mix(h, s->attributes);
	mix(h, s->flags);
	mix(h, s->tag);
	mix(h, s->version);
	mix(h, s->orphaned);
	mix(h, s->scrub_on_reclaim);
	mix(h, s->receiver_count);
	for (uint32_t i = 0; i < s->receiver_count; i++) {
		const struct spmc_borrower *b = &s->borrowers[i];

		mix(h, b->id);
		mix(h, b->granted);
		mix(h, b->emad_flags);
		mix_bytes(h, b->impdef, sizeof(b->impdef));
		mix(h, b->retrieved);
		mix(h, b->held);
		mix(h, b->clear_on_relinquish);
		mix(h, b->resp_size);
		mix(h, b->resp_sent);
		if (b->resp) {
			mix_bytes(h, b->resp, b->resp_size);
		}
	}
	mix(h, s->range_count);
	for (uint32_t i = 0; s->ranges && i < s->range_count; i++) {
		mix(h, s->ranges[i].address);
		mix(h, s->ranges[i].page_count);
	}
	mix(h, s->page_count);
	mix(h, s->frag_count);
	mix(h, s->rx.total_size);
	mix(h, s->rx.received);
	mix(h, s->rx.fixed_size);
	if (s->rx.buf) {
		mix_bytes(h, s->rx.buf, s->rx.received);
	}
}

uint64_t spmc_state_digest(const struct spmc *spmc)
{
	uint64_t h = FNV_OFFSET;

	if (!spmc) {
		return 0;
	}
	mix(&h, spmc->next_gen);
	mix(&h, spmc->live_shares);
	mix(&h, spmc->total_ranges);
	mix(&h, spmc->protected_pages);
	mix(&h, spmc->wedged);
	for (uint32_t i = 0; i < spmc->cfg.limits.max_shares; i++) {
		mix(&h, i);
		if (spmc->slots[i]) {
			mix_share(&h, spmc->slots[i]);
		}
	}
	for (uint32_t i = 0; i < spmc->cfg.endpoint_count; i++) {
		const struct spmc_ep_stats *st = &spmc->eps[i].stats;

		mix(&h, spmc->eps[i].id);
		mix(&h, st->live_handles);
		mix(&h, st->pending);
		mix(&h, st->pages_shared);
		mix(&h, st->pages_lent);
		mix(&h, st->pages_donated);
		mix(&h, st->pages_borrowed);
		mix(&h, st->retrievals);
	}
	return h;
}

/* ---------------------------------------------------------------------- */
/* Views.                                                                  */

/* Bytes of [base, base + size) inside restricted pools (pools disjoint). */
static uint64_t pool_bytes(const struct spmc *spmc, uint64_t base,
			   uint64_t size)
{
	uint64_t last = base + (size - 1);
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < spmc->cfg.pool_count; i++) {
		const struct spmc_range *p = &spmc->cfg.pools[i];
		uint64_t p_last = p->base + (p->size - 1);
		uint64_t lo = base > p->base ? base : p->base;
		uint64_t hi = last < p_last ? last : p_last;

		if (lo <= hi) {
			bytes += hi - lo + 1;
		}
	}
	return bytes;
}

void spmc_stats(const struct spmc *spmc, struct spmc_stats *out)
{
	*out = (struct spmc_stats){ 0 };
	out->live_shares = spmc->live_shares;
	out->total_ranges = spmc->total_ranges;
	out->protected_pages = spmc->protected_pages;
	out->scrubbed_pages = spmc->scrubbed_pages;
	for (uint32_t i = 0; i < spmc->cfg.limits.max_shares; i++) {
		const struct spmc_share *s = spmc->slots[i];

		if (!s || !complete(s) || !secure(s)) {
			continue;
		}
		for (uint32_t j = 0; j < s->range_count; j++) {
			out->pool_pages +=
				pool_bytes(spmc, s->ranges[j].address,
					   rng_size(&s->ranges[j])) >>
				SPMC_PAGE_SHIFT;
		}
	}
}

int spmc_endpoint_stats(const struct spmc *spmc, uint16_t ep,
			struct spmc_ep_stats *out)
{
	const struct spmc_ep *e = spmc_ep_find_const(spmc, ep);

	if (!e) {
		return -ENOENT;
	}
	*out = e->stats;
	return 0;
}

int spmc_share_find(const struct spmc *spmc, uint64_t handle,
		    struct spmc_share_info *out)
{
	const struct spmc_share *s = spmc_share_lookup(spmc, handle);

	if (!s) {
		return -ENOENT;
	}
	*out = (struct spmc_share_info){ 0 };
	out->state = s->state;
	out->abi = s->abi;
	out->sender_id = s->sender_id;
	out->owner_id = s->owner_id;
	out->orphaned = s->orphaned;
	out->receiver_count = s->receiver_count;
	for (uint32_t i = 0; i < s->receiver_count; i++) {
		out->receivers[i] = s->borrowers[i].id;
		out->retrieved[i] = s->borrowers[i].retrieved;
	}
	out->page_count = s->page_count;
	out->range_count = s->range_count;
	return 0;
}

int spmc_orphan_next(const struct spmc *spmc, uint16_t sender,
		     uint32_t *cursor, uint64_t *handle)
{
	for (uint32_t i = *cursor; i < spmc->cfg.limits.max_shares; i++) {
		const struct spmc_share *s = spmc->slots[i];

		if (s && s->orphaned && s->sender_id == sender) {
			*cursor = i + 1;
			*handle = s->handle;
			return 0;
		}
	}
	return -ENOENT;
}

bool spmc_is_wedged(const struct spmc *spmc)
{
	return spmc && spmc->wedged;
}
