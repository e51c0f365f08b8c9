/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * SPMC memory manager core: the FF-A memory-sharing state machine of the
 * secure world (SHARE/LEND/DONATE, FRAG_TX, RETRIEVE_REQ/RESP, FRAG_RX,
 * RELINQUISH, RECLAIM, and endpoint teardown).
 *
 * Pure state machine: no I/O, no threads, no locking, no global state. The
 * core reaches the platform (TZASC, stage 2, scrubbing, memory allocation)
 * only through a caller-provided `struct spmc_plat_ops` table, so tests can
 * record every platform call and make any of them fail. The caller (the FF-A
 * ABI handler) serialises calls, copies every descriptor out of the
 * endpoint's TX buffer before calling in (no double fetch), passes the
 * CALLER's endpoint ID as the transport established it, and turns the
 * negative errno returned here into an FF-A status (docs/spmc.md has the
 * table).
 *
 * Every call either succeeds or returns an error with NO change to the
 * manager's state (spmc_state_digest() is equal before and after), with one
 * documented exception: a platform failure that cannot be undone wedges the
 * manager (spmc_is_wedged()).
 *
 * Life cycle of a transaction: see the diagram at the top of
 * src/spmc/share.c; policy and error meanings: docs/spmc.md.
 */
#ifndef RHEAP_SPMC_SPMC_H
#define RHEAP_SPMC_SPMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/ffa_desc.h>

/* Capacities of the configuration arrays. */
#define SPMC_MAX_ENDPOINTS 16u
#define SPMC_MAX_CFG_RANGES 16u
/* Receivers per transaction this SPMC tracks (all must be partitions). */
#define SPMC_MAX_RECEIVERS 8u
/* Handle table: slot index in handle bits [15:0]. */
#define SPMC_MAX_SHARES 65535u
#define SPMC_HANDLE_SLOT_BITS 16
/*
 * First generation number: the handle is gen << 16 | slot, so the upper
 * 32 bits of a handle become non-zero after 64 transactions (TF-A starts
 * its handle counter at 0xffffffc0 for the same reason).
 */
#define SPMC_HANDLE_GEN_START UINT64_C(0xffc0)
/* Bytes a descriptor may use beyond its constituents (header, EMADs, gaps). */
#define SPMC_DESC_FIXED_MAX 4096u

/**
 * struct spmc_range - a physical address range
 * @base: first byte, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB; @base + @size does not wrap
 */
struct spmc_range {
	uint64_t base;
	uint64_t size;
};

/**
 * struct spmc_plat_ops - how the SPMC reaches the platform
 * @protect:   make [@base, @base + @size) secure: program the TZASC and
 *             remove it from every normal-world mapping. Return 0 or a
 *             negative errno; on failure the range must be left as it was.
 * @unprotect: give the range back to the normal world (inverse of @protect).
 *             Same failure rule.
 * @scrub:     overwrite the range with zeros (through a secure alias).
 *             Return 0 or a negative errno.
 * @alloc:     optional; allocate @size zeroed bytes or return NULL. NULL
 *             member: calloc() is used.
 * @free:      optional; release what @alloc returned (NULL is a no-op).
 *             Must be set iff @alloc is.
 *
 * The one extension point of the core (STYLE.md: function pointers only in
 * `static const` ops tables). Every operation receives the @ops_ctx of
 * `struct spmc_cfg`. Errors returned by @protect, @unprotect and @scrub are
 * passed to the SPMC's caller unchanged, so they should come from the
 * closed set (-ENOMEM when out of TZASC regions, -EBUSY when transient).
 */
struct spmc_plat_ops {
	int (*protect)(void *ctx, uint64_t base, uint64_t size);
	int (*unprotect)(void *ctx, uint64_t base, uint64_t size);
	int (*scrub)(void *ctx, uint64_t base, uint64_t size);
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
};

/**
 * struct spmc_limits - resource bounds (RELIABILITY.md T14)
 * @max_shares:              live transactions (any state), 1..SPMC_MAX_SHARES
 * @max_shares_per_endpoint: live transactions one sender may hold;
 *                           0 means @max_shares
 * @max_fragments:           fragments per transaction, first included, >= 1
 * @max_ranges:              constituents per transaction, >= 1
 * @max_total_ranges:        constituents over all live transactions,
 *                           >= @max_ranges
 */
struct spmc_limits {
	uint32_t max_shares;
	uint32_t max_shares_per_endpoint;
	uint32_t max_fragments;
	uint32_t max_ranges;
	uint32_t max_total_ranges;
};

/**
 * struct spmc_cfg - what the SPMC knows at boot
 * @ops:            platform operations; every member but @alloc/@free set
 * @ops_ctx:        passed to every @ops call
 * @endpoint_count: entries in @endpoints
 * @endpoints:      FF-A IDs of the endpoints: bit 15 clear for normal-world
 *                  VMs, set for secure partitions. Unique; neither 0x0000
 *                  (the hypervisor, implicitly known) nor 0x8000 (the SPMC)
 * @dram_count:     entries in @dram
 * @dram:           DRAM banks; non-overlapping
 * @carveout_count: entries in @carveouts
 * @carveouts:      static carve-outs (static pools, SPMC and SP memory):
 *                  secure from boot, never owned by the normal world
 * @pool_count:     entries in @pools
 * @pools:          restricted (dynamic) pool ranges inside DRAM: memory of
 *                  a transaction that touches one is scrubbed on reclaim
 *                  whatever the flags say
 * @limits:         resource bounds
 *
 * Normal-world-owned memory is @dram minus @carveouts; a constituent must lie
 * within one DRAM bank.
 */
struct spmc_cfg {
	const struct spmc_plat_ops *ops;
	void *ops_ctx;
	uint32_t endpoint_count;
	uint16_t endpoints[SPMC_MAX_ENDPOINTS];
	uint32_t dram_count;
	struct spmc_range dram[SPMC_MAX_CFG_RANGES];
	uint32_t carveout_count;
	struct spmc_range carveouts[SPMC_MAX_CFG_RANGES];
	uint32_t pool_count;
	struct spmc_range pools[SPMC_MAX_CFG_RANGES];
	struct spmc_limits limits;
};

/** Opaque manager state. */
struct spmc;

/**
 * struct spmc_send_result - what FFA_MEM_SHARE/LEND/DONATE and FRAG_TX answer
 * @handle:   the transaction's handle (allocated with the first fragment)
 * @complete: true: every fragment arrived and the transaction took effect
 *            (FFA_SUCCESS); false: more fragments are expected (FFA_MEM_FRAG_RX
 *            with @handle and @received)
 * @received: bytes received so far: the offset of the next fragment
 */
struct spmc_send_result {
	uint64_t handle;
	bool complete;
	uint32_t received;
};

/**
 * struct spmc_ep_stats - accounting of one endpoint (R8)
 * @live_handles:   transactions it sent that still exist, in any state
 *                  (fragmented, orphaned and retrieved donations included)
 * @pending:        of those, still waiting for fragments
 * @pages_shared:   pages of its complete SHAREs
 * @pages_lent:     pages of its complete LENDs
 * @pages_donated:  pages of its complete DONATEs (retrieved or not)
 * @pages_borrowed: pages it currently holds as a retrieving partition
 *                  (donations it retrieved included)
 * @retrievals:     transactions it currently holds
 */
struct spmc_ep_stats {
	uint32_t live_handles;
	uint32_t pending;
	uint64_t pages_shared;
	uint64_t pages_lent;
	uint64_t pages_donated;
	uint64_t pages_borrowed;
	uint32_t retrievals;
};

/**
 * struct spmc_stats - global accounting
 * @live_shares:     occupied handle-table slots
 * @total_ranges:    constituents reserved by live transactions
 * @protected_pages: pages the SPMC has protected through @ops and not
 *                   unprotected (carve-outs not included)
 * @pool_pages:      of those, pages inside restricted pools
 * @scrubbed_pages:  pages scrubbed since creation (monotonic)
 */
struct spmc_stats {
	uint32_t live_shares;
	uint64_t total_ranges;
	uint64_t protected_pages;
	uint64_t pool_pages;
	uint64_t scrubbed_pages;
};

/**
 * enum spmc_share_state - externally visible state of a handle
 * See the life-cycle diagram in src/spmc/share.c.
 */
enum spmc_share_state {
	SPMC_SHARE_FREE = 0,
	SPMC_SHARE_SENDING,
	SPMC_SHARE_SENT,
	SPMC_SHARE_RETRIEVED,
	SPMC_SHARE_DONATED,
};

/**
 * struct spmc_share_info - a snapshot of one transaction, for tools and tests
 * @state:          current state
 * @abi:            SHARE, LEND or DONATE
 * @sender_id:      the lender (or donor)
 * @owner_id:       current owner: the sender, or the receiver of a
 *                  retrieved donation
 * @orphaned:       the sender was torn down; only the hypervisor (0x0000)
 *                  may reclaim
 * @receiver_count: number of receivers (0 while SENDING)
 * @receivers:      their IDs
 * @retrieved:      per receiver, 1 while it holds the memory, else 0
 * @page_count:     total pages (0 while SENDING)
 * @range_count:    constituents (reserved count while SENDING)
 */
struct spmc_share_info {
	enum spmc_share_state state;
	enum rheap_ffa_abi abi;
	uint16_t sender_id;
	uint16_t owner_id;
	bool orphaned;
	uint32_t receiver_count;
	uint16_t receivers[SPMC_MAX_RECEIVERS];
	uint32_t retrieved[SPMC_MAX_RECEIVERS];
	uint64_t page_count;
	uint32_t range_count;
};

/**
 * spmc_create() - allocate and initialise a manager
 * @cfg:  configuration (trusted: from the boot stage); copied
 * @out:  set to the new manager on success; untouched on failure
 * @diag: optional; names the configuration field that was refused
 *
 * Allocates the manager and its handle table through @cfg->ops.
 *
 * Return: 0; -EINVAL for an invalid configuration (missing op, duplicate or
 * reserved endpoint ID, misaligned, empty, wrapping or overlapping range, a
 * pool outside DRAM, a limit out of range); -ENOMEM if an allocation failed.
 */
int spmc_create(const struct spmc_cfg *cfg, struct spmc **out,
		struct rheap_diag *diag);

/**
 * spmc_destroy() - free a manager and everything it tracks
 * @spmc: manager, or NULL (no-op)
 *
 * Frees memory only: makes no platform call, so memory that is protected
 * stays protected (the machine is going down or the caller knows better).
 */
void spmc_destroy(struct spmc *spmc);

/**
 * spmc_send() - FFA_MEM_SHARE, FFA_MEM_LEND or FFA_MEM_DONATE
 * @spmc:       manager
 * @caller:     endpoint ID of the calling VM (from the transport, trusted)
 * @abi:        RHEAP_FFA_ABI_SHARE, _LEND or _DONATE
 * @frag:       the first fragment, already copied out of the TX buffer
 *              (untrusted content); not kept
 * @total_len:  w1: length of the whole descriptor (untrusted)
 * @frag_len:   w2: bytes at @frag (untrusted)
 * @res:        out: handle, completion, bytes received; written on success
 * @diag:       optional; names the refused field or rule
 *
 * Allocates a handle with the first fragment. When the descriptor is
 * complete (@frag_len == @total_len, or after spmc_frag_tx()), decodes it,
 * applies the policy of docs/spmc.md, checks that the sender exclusively
 * owns every page, and for LEND and DONATE protects every constituent
 * (then scrubs it if the CLEAR flag is set). A failure part way through
 * protection unprotects what was protected: nothing is half-applied.
 *
 * Return: 0; -EPERM if @caller is not a configured normal-world endpoint,
 * the descriptor's sender is not @caller, or the sender does not own every
 * page (outside DRAM, in a carve-out, in another live transaction);
 * -EINVAL for a malformed descriptor or one the policy refuses (unknown or
 * normal-world receiver, permissions or attributes not allowed for @abi,
 * too many receivers); -ENOMEM when an allocation fails or a limit of
 * `struct spmc_limits` is reached (handles, constituents, fragments);
 * -EBUSY if the manager is wedged; a platform error from @ops->protect or
 * @ops->scrub, passed through.
 */
int spmc_send(struct spmc *spmc, uint16_t caller, enum rheap_ffa_abi abi,
	      const void *frag, size_t total_len, size_t frag_len,
	      struct spmc_send_result *res, struct rheap_diag *diag);

/**
 * spmc_frag_tx() - FFA_MEM_FRAG_TX: a later fragment of a send
 * @spmc:     manager
 * @caller:   endpoint ID of the calling VM (trusted)
 * @handle:   w1/w2: the handle returned for the first fragment (untrusted)
 * @frag:     fragment bytes, already copied (untrusted); not kept
 * @frag_len: w3: bytes at @frag
 * @res:      out, as for spmc_send()
 * @diag:     optional
 *
 * The fragment goes at offset `received` (FF-A §10.3). The fragment that
 * completes the descriptor runs every check of spmc_send(); if one fails,
 * the fragment is refused and the transaction stays as it was (the sender
 * may send a corrected fragment, or abort with spmc_reclaim()).
 *
 * Return: 0; -ENOENT for an unknown or stale handle, or one that is not
 * waiting for fragments; -EPERM if @caller is not the sender; -EINVAL for
 * a fragment of the wrong size or the completed descriptor's errors;
 * -ENOMEM when the fragment limit would be reached before completion or an
 * allocation fails; -EBUSY if wedged; any error of spmc_send().
 */
int spmc_frag_tx(struct spmc *spmc, uint16_t caller, uint64_t handle,
		 const void *frag, size_t frag_len,
		 struct spmc_send_result *res, struct rheap_diag *diag);

/**
 * spmc_retrieve() - FFA_MEM_RETRIEVE_REQ from a secure partition
 * @spmc:      manager
 * @caller:    endpoint ID of the calling partition (trusted)
 * @req:       the retrieve request, copied out of the TX buffer
 *             (untrusted), whole (fragmented requests are not supported)
 * @req_len:   bytes at @req
 * @resp:      out: the caller's RX buffer (or a copy of it)
 * @resp_cap:  bytes available at @resp
 * @total_len: out: length of the whole retrieve response
 * @frag_len:  out: bytes written to @resp; less than @total_len when the
 *             rest must be pulled with spmc_frag_rx()
 * @diag:      optional
 *
 * Checks, in order: the request decodes; the handle names a complete
 * transaction; @caller is one of its receivers and is named in the request;
 * sender, tag, type and attributes match; requested permissions are not
 * above those granted; zeroing requests are allowed; @caller does not
 * already hold it. Then counts the retrieval and writes the response
 * (FF-A v1.1 §10.4: the full descriptor with the actual type in the flags
 * and the caller's effective permissions). A retrieved DONATE passes
 * ownership to @caller.
 *
 * Return: 0; -ENOENT for an unknown, stale or incomplete handle; -EPERM if
 * @caller is not a receiver, or asks for more access than granted, for X on
 * shared or lent memory, or for zeroing the sender did not allow or on
 * memory it may only read; -EBUSY if @caller already holds it (retrieve
 * twice) or the manager is wedged; -EINVAL for a malformed request or one
 * that does not match the transaction (sender, tag, type, attributes,
 * receivers, alignment hint); -ENOSPC if @resp_cap cannot hold even the
 * fixed part of the response; -ENOMEM if an allocation failed.
 */
int spmc_retrieve(struct spmc *spmc, uint16_t caller, const void *req,
		  size_t req_len, void *resp, size_t resp_cap,
		  size_t *total_len, size_t *frag_len,
		  struct rheap_diag *diag);

/**
 * spmc_frag_rx() - FFA_MEM_FRAG_RX: the next piece of a retrieve response
 * @spmc:     manager
 * @caller:   endpoint ID of the calling partition (trusted)
 * @handle:   handle of the retrieval (untrusted)
 * @offset:   bytes of the response the caller already has (untrusted)
 * @resp:     out buffer; @resp_cap bytes
 * @resp_cap: capacity, >= 16
 * @frag_len: out: bytes written
 * @diag:     optional
 *
 * Return: 0; -ENOENT for an unknown or stale handle; -EPERM if @caller has
 * no response in flight for @handle; -EINVAL if @offset is not the number
 * of bytes already sent; -ENOSPC if @resp_cap < 16; -EBUSY if wedged.
 */
int spmc_frag_rx(struct spmc *spmc, uint16_t caller, uint64_t handle,
		 size_t offset, void *resp, size_t resp_cap, size_t *frag_len,
		 struct rheap_diag *diag);

/**
 * spmc_relinquish() - FFA_MEM_RELINQUISH from a secure partition
 * @spmc:   manager
 * @caller: endpoint ID of the calling partition (trusted)
 * @desc:   relinquish descriptor, copied out of the TX buffer (untrusted)
 * @len:    bytes at @desc
 * @diag:   optional
 *
 * The descriptor must name exactly one endpoint, @caller (as Hafnium
 * requires). Its CLEAR flag, or the CLEAR_RELINQUISH flag of the caller's
 * retrieve request, scrubs the memory now when @caller is the last
 * borrower; a retrieve-request CLEAR_RELINQUISH with other borrowers left
 * defers the scrub to reclaim.
 *
 * Return: 0; -EINVAL for a malformed descriptor, an endpoint count other
 * than 1, a DONATE, or CLEAR on shared memory; -ENOENT for an unknown,
 * stale or incomplete handle; -EPERM if the endpoint named is not @caller,
 * @caller is not a receiver or does not hold the memory (never retrieved,
 * or relinquished already), or asks CLEAR with read-only access; -EBUSY if CLEAR is asked while other borrowers still
 * hold the memory or the manager is wedged; a platform error from
 * @ops->scrub (then nothing changed).
 */
int spmc_relinquish(struct spmc *spmc, uint16_t caller, const void *desc,
		    size_t len, struct rheap_diag *diag);

/**
 * spmc_reclaim() - FFA_MEM_RECLAIM
 * @spmc:   manager
 * @caller: endpoint ID of the caller (trusted)
 * @handle: w1/w2 (untrusted)
 * @flags:  w3: FFA_RECLAIM_FLAG_* (untrusted)
 * @diag:   optional
 *
 * By the sender: ends a complete SHARE or LEND once no borrower holds it;
 * scrubs each constituent if @flags asks, if it lies in a restricted pool,
 * or if a borrower died holding it or asked for zeroing after relinquish;
 * the scrub always happens BEFORE unprotect (memory never becomes visible to
 * the normal world unscrubbed); then unprotects LEND memory and frees the
 * handle. By the sender, of a transaction still waiting for fragments:
 * aborts it (nothing was protected). By the hypervisor (0x0000), of an
 * orphaned transaction: as above, with the scrub always done for LEND.
 *
 * Return: 0; -ENOENT for an unknown or stale handle, or an incomplete one
 * reclaimed by someone else than its sender; -EPERM if @caller is not the
 * sender (or, for an orphan, not the hypervisor); -EINVAL for MBZ flag bits,
 * a DONATE, or CLEAR on shared memory; -EBUSY while any borrower holds it
 * or if wedged; a platform error from @ops->scrub or @ops->unprotect (then
 * nothing changed: ranges unprotected before the failure are protected
 * again).
 */
int spmc_reclaim(struct spmc *spmc, uint16_t caller, uint64_t handle,
		 uint32_t flags, struct rheap_diag *diag);

/**
 * spmc_endpoint_teardown() - an endpoint died; drop what it held
 * @spmc:   manager
 * @ep:     endpoint ID (trusted: the hypervisor or partition manager says so)
 *
 * As a sender (normal-world VM): transactions still waiting for fragments
 * are freed; complete ones become orphaned and stay exactly as they are
 * (LEND/DONATE memory stays secure and accounted, never silently back to
 * the normal world); only the hypervisor may reclaim an orphan, and the
 * reclaim of an orphaned LEND always scrubs. As a borrower (partition):
 * each retrieval it holds is dropped as if relinquished without CLEAR, any
 * response in flight is discarded, and a LEND it held is marked to be
 * scrubbed on reclaim; donations it owns stay secure and owned. The
 * endpoint stays configured and may start afresh. Makes no platform call
 * and no allocation, so it cannot fail half way.
 *
 * Return: 0; -ENOENT if @ep is not a configured endpoint.
 */
int spmc_endpoint_teardown(struct spmc *spmc, uint16_t ep);

/**
 * spmc_endpoint_add() - configure a normal-world endpoint at run time
 * @spmc: manager
 * @ep:   FF-A ID of a VM that arrived (trusted: the hypervisor or board
 *        says so): bit 15 clear, not 0x0000
 *
 * The endpoint starts with zeroed accounting, exactly as if it had been
 * in the boot configuration. A hypervisor that starts VMs adds their IDs
 * this way; secure partitions are known at boot only.
 *
 * Return: 0; -EINVAL for a secure-partition or reserved ID; -EBUSY if @ep
 * is already configured; -ENOSPC if SPMC_MAX_ENDPOINTS are configured.
 */
int spmc_endpoint_add(struct spmc *spmc, uint16_t ep);

/**
 * spmc_endpoint_remove() - forget a normal-world endpoint
 * @spmc: manager
 * @ep:   FF-A ID (trusted)
 *
 * Only an endpoint nothing refers to may go: call spmc_endpoint_teardown()
 * first; its orphans (complete LENDs, SHAREs and DONATEs it sent) keep it
 * configured, accounted under its ID, until the hypervisor reclaims them.
 * The ID may then be added again and starts afresh.
 *
 * Return: 0; -EINVAL for a secure-partition ID; -ENOENT if @ep is not
 * configured; -EBUSY while it is the sender of any live transaction.
 */
int spmc_endpoint_remove(struct spmc *spmc, uint16_t ep);

/**
 * spmc_check_invariants() - verify the whole state
 * @spmc: manager
 * @diag: optional; names the broken invariant ("field") and the value
 *
 * Checks the handle table (each handle encodes its slot, generations below
 * the next one, bit 63 clear), each share's state against its counters, no
 * overlap between complete transactions, ownership (every complete
 * transaction's pages inside DRAM and outside carve-outs), retrieval counts
 * at most 1 per receiver, the global and per-endpoint accounting recomputed
 * from scratch, and the protected-page count against the complete
 * LEND/DONATE transactions.
 *
 * Return: 0, or -EINVAL for the first violation found.
 */
int spmc_check_invariants(const struct spmc *spmc, struct rheap_diag *diag);

/**
 * spmc_state_digest() - a 64-bit digest of the whole manager state
 * @spmc: manager
 *
 * FNV-1a over a canonical walk of every field that defines behaviour
 * (handle table, generations, shares, borrowers, constituents, fragments
 * received so far, accounting); no pointers, no padding. Tests compare it
 * before and after a refused call.
 *
 * Return: the digest.
 */
uint64_t spmc_state_digest(const struct spmc *spmc);

/**
 * spmc_stats() - global accounting
 * @spmc: manager
 * @out:  filled
 */
void spmc_stats(const struct spmc *spmc, struct spmc_stats *out);

/**
 * spmc_endpoint_stats() - accounting of one endpoint
 * @spmc: manager
 * @ep:   endpoint ID
 * @out:  filled on success
 *
 * Return: 0, or -ENOENT if @ep is not configured.
 */
int spmc_endpoint_stats(const struct spmc *spmc, uint16_t ep,
			struct spmc_ep_stats *out);

/**
 * spmc_share_find() - describe the transaction behind a handle
 * @spmc:   manager
 * @handle: handle (untrusted)
 * @out:    filled on success
 *
 * Sees incomplete transactions too (unlike the FF-A calls).
 *
 * Return: 0, or -ENOENT for an unknown or stale handle.
 */
int spmc_share_find(const struct spmc *spmc, uint64_t handle,
		    struct spmc_share_info *out);

/**
 * spmc_orphan_next() - walk the orphans one sender left behind
 * @spmc:   manager
 * @sender: the torn-down sender's endpoint ID (trusted)
 * @cursor: in: the handle-table slot to start at (0 for the first call);
 *          out: the slot after the orphan found. Untouched on -ENOENT.
 * @handle: out: the orphan's handle, set on success
 *
 * Complete transactions @sender sent that spmc_endpoint_teardown()
 * orphaned, in slot order, for the hypervisor to reclaim them one by one
 * (spmc_reclaim() as FFA_ID_HYPERVISOR). A reclaim between two calls only
 * frees slots, so the walk sees every orphan that was there when it began
 * and never one twice.
 *
 * Return: 0; -ENOENT when no orphan of @sender sits at or after *@cursor.
 */
int spmc_orphan_next(const struct spmc *spmc, uint16_t sender,
		     uint32_t *cursor, uint64_t *handle);

/**
 * spmc_is_wedged() - whether a failed undo stopped the manager
 *
 * A platform call that fails while undoing a half-applied protect or
 * unprotect leaves the hardware and the manager's records disagreeing.
 * The manager then refuses every FF-A call with -EBUSY (the equivalent of
 * Hafnium's CHECK panic, kept testable); spmc_endpoint_teardown(), the
 * views and spmc_destroy() still work, as they make no platform call.
 *
 * Return: true if wedged.
 */
bool spmc_is_wedged(const struct spmc *spmc);

#endif /* RHEAP_SPMC_SPMC_H */
