/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Private state of the SPMC memory manager. The life cycle of a
 * `struct spmc_share` is drawn at the top of share.c.
 */
#ifndef RHEAP_SPMC_SPMC_INTERNAL_H
#define RHEAP_SPMC_SPMC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/ffa_desc.h>

#include "spmc/spmc.h"

#define SPMC_PAGE_SHIFT 12
#define SPMC_HANDLE_SLOT_MASK ((UINT64_C(1) << SPMC_HANDLE_SLOT_BITS) - 1)
/* Generations use handle bits [62:16]; bit 63 (allocator) stays 0. */
#define SPMC_HANDLE_GEN_MAX ((UINT64_C(1) << 47) - 1)

/**
 * struct spmc_borrower - one receiver of a transaction
 * @id:          receiver endpoint ID (a secure partition)
 * @granted:     permissions byte the sender granted (EMAD byte 2)
 * @emad_flags:  EMAD flags byte as sent
 * @impdef:      v1.2 implementation-defined bytes as sent
 * @retrieved:   1 while this receiver holds the memory, else 0; never more
 *               (a second retrieve is refused, OP-TEE ffa_spmc_1002)
 * @held:        effective permissions of the live retrieval; 0 when
 *               @retrieved is 0
 * @clear_on_relinquish: the retrieve request asked for zeroing after
 *               relinquish; false when @retrieved is 0
 * @resp:        encoded retrieve response still being pulled with FRAG_RX;
 *               NULL when none (then @resp_size == @resp_sent == 0)
 * @resp_size:   bytes at @resp
 * @resp_sent:   bytes already handed out, < @resp_size while @resp is set
 */
struct spmc_borrower {
	uint16_t id;
	uint8_t granted;
	uint8_t emad_flags;
	uint8_t impdef[16];
	uint32_t retrieved;
	uint8_t held;
	bool clear_on_relinquish;
	uint8_t *resp;
	size_t resp_size;
	size_t resp_sent;
};

/**
 * struct spmc_share - one FF-A memory transaction (one handle)
 * @handle:       its handle; encodes the slot it occupies
 * @state:        SENDING, SENT, RETRIEVED or DONATED (never FREE while in
 *                the table)
 * @abi:          SHARE, LEND or DONATE
 * @sender_id:    the endpoint that sent it
 * @owner_id:     the sender; the receiver once a DONATE is retrieved
 * @attributes:   memory region attributes as sent
 * @flags:        transaction flags as sent (CLEAR, TIME_SLICE)
 * @tag:          tag as sent
 * @version:      FF-A layout version of the send descriptor
 * @orphaned:     the sender was torn down (only the hypervisor reclaims)
 * @scrub_on_reclaim: a borrower died holding it, or asked for zeroing after
 *                relinquish while others still held it
 * @receiver_count: valid entries of @borrowers; 0 while SENDING
 * @borrowers:    receivers and their retrieval state
 * @range_count:  valid entries of @ranges; while SENDING, the number of
 *                constituents the announced total length carries (already
 *                reserved against the global limit)
 * @ranges:       constituents, allocated at completion; NULL while SENDING
 * @page_count:   sum of the constituents' pages; 0 while SENDING
 * @rx:           reassembly state; @rx.buf is allocated only while SENDING
 * @frag_count:   fragments received so far (SENDING only, else 0)
 *
 * Invariants (checked by spmc_check_invariants()): state RETRIEVED iff some
 * borrower has @retrieved 1 and the state is not DONATED; DONATED implies
 * abi DONATE, exactly one receiver, @owner_id that receiver; @owner_id ==
 * @sender_id otherwise; complete transactions never overlap each other.
 */
struct spmc_share {
	uint64_t handle;
	enum spmc_share_state state;
	enum rheap_ffa_abi abi;
	uint16_t sender_id;
	uint16_t owner_id;
	uint16_t attributes;
	uint32_t flags;
	uint64_t tag;
	uint32_t version;
	bool orphaned;
	bool scrub_on_reclaim;
	uint32_t receiver_count;
	struct spmc_borrower borrowers[SPMC_MAX_RECEIVERS];
	uint32_t range_count;
	struct rheap_ffa_range *ranges;
	uint64_t page_count;
	struct rheap_ffa_frag_rx rx;
	uint32_t frag_count;
};

/**
 * struct spmc_ep - a configured endpoint and its incremental accounting
 * (recomputed from the shares by spmc_check_invariants()).
 */
struct spmc_ep {
	uint16_t id;
	struct spmc_ep_stats stats;
};

/**
 * struct spmc - the manager
 * @cfg:          copy of the configuration
 * @eps:          one entry per configured endpoint, same order as
 *                @cfg.endpoints
 * @slots:        handle table, @cfg.limits.max_shares entries; NULL = free
 * @next_gen:     generation given to the next handle; only grows (from
 *                SPMC_HANDLE_GEN_START), so a handle value is never reused
 * @live_shares:  occupied slots
 * @total_ranges: constituents reserved by live shares
 * @protected_pages: pages protected through ops and not unprotected
 * @scrubbed_pages:  pages scrubbed so far (monotonic)
 * @wedged:       an undo failed; every mutating call is refused
 */
struct spmc {
	struct spmc_cfg cfg;
	struct spmc_ep eps[SPMC_MAX_ENDPOINTS];
	struct spmc_share **slots;
	uint64_t next_gen;
	uint32_t live_shares;
	uint64_t total_ranges;
	uint64_t protected_pages;
	uint64_t scrubbed_pages;
	bool wedged;
};

/**
 * spmc_zalloc() - allocate @size zeroed bytes through the ops table
 * Return: the block, or NULL (fault-injectable in tests).
 */
void *spmc_zalloc(const struct spmc *spmc, size_t size);

/** spmc_free() - release a block of spmc_zalloc(); NULL is a no-op. */
void spmc_free(const struct spmc *spmc, void *ptr);

/** spmc_ep_find() - the configured endpoint @id, or NULL. */
struct spmc_ep *spmc_ep_find(struct spmc *spmc, uint16_t id);

/** spmc_ep_find_const() - spmc_ep_find() on a const manager. */
const struct spmc_ep *spmc_ep_find_const(const struct spmc *spmc,
					 uint16_t id);

/** spmc_id_is_sp() - true for a secure-world ID (bit 15 set). */
bool spmc_id_is_sp(uint16_t id);

/**
 * spmc_share_alloc() - take a free slot and a fresh generation
 * @spmc: manager
 * @out:  the new, zeroed share, already in the table; its state is for the
 *        caller to set
 *
 * Return: 0, or -ENOMEM (table full, generations exhausted, allocation
 * failed).
 */
int spmc_share_alloc(struct spmc *spmc, struct spmc_share **out);

/**
 * spmc_share_release() - free a share, its buffers and its slot
 * @spmc:     manager
 * @share:    share in the table; freed
 * @rollback: the share was allocated by the failing call itself: give its
 *            generation back so the refused call leaves no trace
 *
 * Accounting is the caller's business.
 */
void spmc_share_release(struct spmc *spmc, struct spmc_share *share,
			bool rollback);

/**
 * spmc_share_lookup() - the share behind @handle (untrusted), any state
 * Return: the share, or NULL for an unknown, stale or hypervisor handle.
 */
struct spmc_share *spmc_share_lookup(const struct spmc *spmc, uint64_t handle);

/**
 * spmc_share_account() - add (@sign > 0) or remove the sender-side
 * accounting of @share in its current state.
 */
void spmc_share_account(struct spmc *spmc, const struct spmc_share *share,
			int sign);

/** spmc_borrower_drop_resp() - discard a retrieve response in flight. */
void spmc_borrower_drop_resp(const struct spmc *spmc,
			     struct spmc_borrower *b);

/** spmc_share_borrower() - the receiver entry of @id, or NULL. */
struct spmc_borrower *spmc_share_borrower(struct spmc_share *share,
					  uint16_t id);

/** spmc_share_holders() - receivers currently holding @share. */
uint32_t spmc_share_holders(const struct spmc_share *share);

#endif /* RHEAP_SPMC_SPMC_INTERNAL_H */
