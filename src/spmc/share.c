// SPDX-License-Identifier: BSD-2-Clause
/*
 * Handle table and life cycle of a `struct spmc_share` (one per FF-A handle).
 *
 *                     send (first fragment of several)
 *   FREE ---------------------------------------------> SENDING
 *    |                                                   |  frag_tx (not last)
 *    |  send (whole descriptor),                         |  --> SENDING
 *    |  all checks pass, LEND/DONATE protected           |
 *    +-------------------------> SENT <------------------+  frag_tx (last),
 *                                ^ |                        checks pass
 *        relinquish (last holder)| | retrieve (a receiver, first time)
 *        teardown of last holder | v
 *                             RETRIEVED --retrieve by another receiver--> RETRIEVED
 *
 *   SENT --reclaim (sender, or hypervisor if orphaned)--> FREE
 *           (scrub if asked / pool / dirty, BEFORE unprotect; then unprotect)
 *   SENDING --reclaim by the sender, or sender teardown--> FREE (abort)
 *   SENT(DONATE) --retrieve--> DONATED (terminal: the receiver owns the pages,
 *                              which stay secure; the record keeps them
 *                              accounted and answers FRAG_RX)
 *   SENT/RETRIEVED --sender teardown--> same state, orphaned
 *
 * Illegal transitions and what they return (the state never changes):
 *   retrieve/relinquish/frag_rx on SENDING            -ENOENT (invisible)
 *   reclaim on SENDING by anyone but the sender       -ENOENT
 *   frag_tx on anything but SENDING                   -ENOENT
 *   any call on FREE (unknown or stale handle)        -ENOENT
 *   retrieve by a receiver that holds it              -EBUSY
 *   retrieve by a non-receiver                        -EPERM
 *   relinquish by a receiver that does not hold it    -EPERM
 *   relinquish or reclaim of a DONATE                 -EINVAL
 *   reclaim of RETRIEVED                              -EBUSY
 *   reclaim by anyone but the sender (or hypervisor
 *     for an orphan)                                  -EPERM
 * None of these is a panic.
 *
 * Handles: bit 63 = 0 (SPMC-allocated), bits [62:16] a generation taken
 * from a counter that only grows, bits [15:0] the slot. A slot is reused,
 * its handle value never is, so a stale handle is refused after any number
 * of recycles (the ABA case of RELIABILITY.md gap 4).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>

#include "spmc/spmc_internal.h"

void *spmc_zalloc(const struct spmc *spmc, size_t size)
{
	if (spmc->cfg.ops->alloc) {
		return spmc->cfg.ops->alloc(spmc->cfg.ops_ctx, size);
	}
	return calloc(1, size);
}

void spmc_free(const struct spmc *spmc, void *ptr)
{
	if (!ptr) {
		return;
	}
	if (spmc->cfg.ops->free) {
		spmc->cfg.ops->free(spmc->cfg.ops_ctx, ptr);
		return;
	}
	free(ptr);
}

bool spmc_id_is_sp(uint16_t id)
{
	return (id & FFA_ID_SECURE_BIT) != 0;
}

const struct spmc_ep *spmc_ep_find_const(const struct spmc *spmc, uint16_t id)
{
	for (uint32_t i = 0; i < spmc->cfg.endpoint_count; i++) {
		if (spmc->eps[i].id == id) {
			return &spmc->eps[i];
		}
	}
	return NULL;
}

struct spmc_ep *spmc_ep_find(struct spmc *spmc, uint16_t id)
{
	for (uint32_t i = 0; i < spmc->cfg.endpoint_count; i++) {
		if (spmc->eps[i].id == id) {
			return &spmc->eps[i];
		}
	}
	return NULL;
}

/*
 * Take a free slot (the lowest, so that recycling is easy to provoke in
 * tests) and a fresh generation. The share comes back zeroed, in no state
 * yet; the caller fills it and sets SENDING or SENT.
 */
int spmc_share_alloc(struct spmc *spmc, struct spmc_share **out)
{
	struct spmc_share *share = NULL;
	uint32_t slot = 0;

	if (spmc->live_shares >= spmc->cfg.limits.max_shares ||
	    spmc->next_gen > SPMC_HANDLE_GEN_MAX) {
		return -ENOMEM;
	}
	while (slot < spmc->cfg.limits.max_shares && spmc->slots[slot]) {
		slot++;
	}
	if (slot == spmc->cfg.limits.max_shares) {
		return -ENOMEM; /* cannot happen: live_shares says there is room */
	}
	share = spmc_zalloc(spmc, sizeof(*share));
	if (!share) {
		return -ENOMEM;
	}
	share->handle = spmc->next_gen << SPMC_HANDLE_SLOT_BITS | slot;
	spmc->next_gen++;
	spmc->slots[slot] = share;
	spmc->live_shares++;
	*out = share;
	return 0;
}

void spmc_borrower_drop_resp(const struct spmc *spmc, struct spmc_borrower *b)
{
	spmc_free(spmc, b->resp);
	b->resp = NULL;
	b->resp_size = 0;
	b->resp_sent = 0;
}

/*
 * Free a share and its slot. The generation is not given back (the next
 * handle of this slot differs) unless @rollback says the share was
 * allocated by the call that is now failing, with nothing allocated since:
 * then the refused call leaves no trace, not even a used generation.
 * Accounting is the caller's business.
 */
void spmc_share_release(struct spmc *spmc, struct spmc_share *share,
			bool rollback)
{
	uint64_t slot = share->handle & SPMC_HANDLE_SLOT_MASK;

	if (rollback &&
	    share->handle >> SPMC_HANDLE_SLOT_BITS == spmc->next_gen - 1) {
		spmc->next_gen--;
	}

	for (uint32_t i = 0; i < SPMC_MAX_RECEIVERS; i++) {
		spmc_borrower_drop_resp(spmc, &share->borrowers[i]);
	}
	spmc->slots[slot] = NULL;
	spmc->live_shares--;
	spmc_free(spmc, share->rx.buf);
	spmc_free(spmc, share->ranges);
	spmc_free(spmc, share);
}

struct spmc_share *spmc_share_lookup(const struct spmc *spmc, uint64_t handle)
{
	uint64_t slot = handle & SPMC_HANDLE_SLOT_MASK;
	struct spmc_share *share = NULL;

	/* Bit 63 set: the hypervisor allocated it; never one of ours. */
	if (handle & FFA_HANDLE_ALLOCATOR_BIT) {
		return NULL;
	}
	if (slot >= spmc->cfg.limits.max_shares) {
		return NULL;
	}
	share = spmc->slots[slot];
	/* The full value must match: this is what defeats stale handles. */
	if (!share || share->handle != handle) {
		return NULL;
	}
	return share;
}

struct spmc_borrower *spmc_share_borrower(struct spmc_share *share,
					  uint16_t id)
{
	for (uint32_t i = 0; i < share->receiver_count; i++) {
		if (share->borrowers[i].id == id) {
			return &share->borrowers[i];
		}
	}
	return NULL;
}

uint32_t spmc_share_holders(const struct spmc_share *share)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < share->receiver_count; i++) {
		n += share->borrowers[i].retrieved;
	}
	return n;
}

/*
 * Add (@sign = 1) or remove (@sign = -1) the sender-side accounting of
 * @share in its current state. Unsigned arithmetic wraps symmetrically, so
 * the same code serves both directions.
 */
void spmc_share_account(struct spmc *spmc, const struct spmc_share *share,
			int sign)
{
	struct spmc_ep *ep = spmc_ep_find(spmc, share->sender_id);
	uint64_t pages = sign > 0 ? share->page_count : 0 - share->page_count;
	uint32_t one = sign > 0 ? 1u : UINT32_MAX;

	if (!ep) {
		return; /* senders are configured endpoints: not reached */
	}
	ep->stats.live_handles += one;
	if (share->state == SPMC_SHARE_SENDING) {
		ep->stats.pending += one;
		return;
	}
	switch (share->abi) {
	case RHEAP_FFA_ABI_SHARE:
		ep->stats.pages_shared += pages;
		break;
	case RHEAP_FFA_ABI_LEND:
		ep->stats.pages_lent += pages;
		break;
	case RHEAP_FFA_ABI_DONATE:
	default:
		ep->stats.pages_donated += pages;
		break;
	}
}
