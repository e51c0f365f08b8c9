/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapd's heaps, pools, chunks and buffers: the pure core (no I/O, no
 * clock reads). The secure world and rheapd's own mapping of NW DRAM are
 * reached through a `struct kheap_ops` table; time comes in as `now_ns`
 * arguments (CLOCK_MONOTONIC in rheapd, a fake clock in tests).
 * docs/rheapd.md explains the design.
 *
 * Heaps. One per use case that has pools ("protected,secure-video",
 * "protected,trusted-ui", "protected,secure-video-record"), restricted,
 * and "system" (use case 0: no pool, accounting only; rheapd backs its
 * buffers with memfds). Heap IDs are given in the order of kheap_heap_add().
 *
 * Pools. A static pool is a carve-out the secure world protected at boot:
 * all of it is sub-allocatable from the start and its SDP buffer ID is
 * SDP_BUF_ID_STATIC_BIT | n. A dynamic pool is NW DRAM cut into chunk
 * slots of a fixed size (the last one may be shorter). A slot's life cycle:
 *
 *   FREE --grow: unmap, lend (LEND + ASSIGN), kalloc_add--> LENT
 *   LENT (used_pages 0 for idle_release_ns, and an end of its run of LENT
 *        slots) --kheap_tick(): kalloc_remove, reclaim (RELEASE +
 *        RECLAIM), map--> FREE
 *   LENT --reclaim fails--> LENT (idle again from that tick: retried one
 *        idle_release_ns later)
 *
 * Each maximal run of LENT slots needs one TZASC region. Grow picks the
 * FREE slot that keeps the LENT slots in the fewest runs (a slot between
 * two LENT ones first, then one next to a LENT one, then any; lowest
 * address among equals), so the TZASC can coalesce them. Release never
 * splits a run ("no-split"): an idle slot whose two neighbours are LENT
 * stays LENT (still idling) until the slots between it and an end of its
 * run have gone, then goes in that same tick if it is due. Together: a
 * pool's LENT slots stay in one run, one TZASC region, even when lends or
 * reclaims fail (a grow's undo keeps a chunk whose release would split).
 *
 * Buffers. Page-granular, carved from one pool with kalloc (contiguous
 * when possible, else up to KHEAP_BUF_MAX_EXTENTS extents, which may span
 * chunks). A buffer is held by three kinds of references (enum
 * kheap_ref): the handle (one while its inode lives), attachments and TEE
 * registrations. Its life cycle:
 *
 *   kheap_alloc() --> LIVE (refs[HANDLE] = 1)
 *   LIVE --kheap_buf_get()/kheap_buf_put()--> LIVE while any ref > 0
 *   LIVE --last kheap_buf_put()--> restricted: every SDP piece scrubbed
 *        (ops->scrub), then its pages FREE again; an extent whose scrub
 *        failed stays allocated forever (QUARANTINED, counted); then the
 *        buffer is gone.
 *
 * Accounting is exact per heap, pool and client at every return. Clients
 * are rheapd's connections (ID >= 1); client 0 is "allocator gone": a
 * client's buffers move there when kheap_client_remove() is called, and
 * client 0 has no quota.
 *
 * Every entry point either succeeds or leaves state and accounting as they
 * were (a grow that cannot be completed reclaims the chunks it lent).
 * Not thread-safe: rheapd's event loop is the only caller.
 */
#ifndef RHEAP_SRC_KERNEL_KHEAP_H
#define RHEAP_SRC_KERNEL_KHEAP_H

#include <stdbool.h>
#include <stdint.h>

#define KHEAP_PAGE_SIZE 4096u
#define KHEAP_MAX_HEAPS 8u
#define KHEAP_MAX_POOLS 16u
#define KHEAP_MAX_CHUNKS 4096u /* chunk slots in one dynamic pool */
#define KHEAP_BUF_MAX_EXTENTS 64u
#define KHEAP_HEAP_NAME_MAX 64u
#define KHEAP_DEFAULT_CHUNK_SIZE (UINT64_C(16) << 20)
#define KHEAP_DEFAULT_IDLE_NS (UINT64_C(2000) * 1000000u)
#define KHEAP_SYSTEM_HEAP_NAME "system"

struct kheap;
struct kheap_buf;

/**
 * struct kheap_ops - what kheap needs from the outside world
 * @ctx:     passed back to every call
 * @unmap:   drop [pa, pa + size) from rheapd's own mapping before it is
 *           lent. Return 0 or an errno
 * @map:     map it again after a reclaim (cannot fail: the range is ours)
 * @lend:    make [pa, pa + size) restricted for @use_case: LEND to the SDP
 *           partition then ASSIGN (all or nothing). Return 0 with the FF-A
 *           handle and the chunk's SDP buffer ID, or an errno
 * @reclaim: RELEASE then RECLAIM a chunk. Return 0 (the memory is NS and
 *           scrubbed) or an errno (it stays lent)
 * @scrub:   zero @size bytes at @offset of SDP buffer @sdp_buf_id as the
 *           secure side. Return 0 or an errno
 */
struct kheap_ops {
	void *ctx;
	int (*unmap)(void *ctx, uint64_t pa, uint64_t size);
	void (*map)(void *ctx, uint64_t pa, uint64_t size);
	int (*lend)(void *ctx, uint32_t use_case, uint64_t pa, uint64_t size,
		    uint64_t *handle, uint32_t *sdp_buf_id);
	int (*reclaim)(void *ctx, uint64_t handle);
	int (*scrub)(void *ctx, uint32_t sdp_buf_id, uint64_t offset,
		     uint64_t size);
};

/**
 * struct kheap_cfg - kheap_create() settings
 * @idle_release_ns: how long a LENT chunk with no allocated page stays
 *                   lent before kheap_tick() gives it back (0: at the next
 *                   tick)
 */
struct kheap_cfg {
	uint64_t idle_release_ns;
};

/** enum kheap_ref - kinds of references that keep a buffer alive */
enum kheap_ref {
	KHEAP_REF_HANDLE = 0,
	KHEAP_REF_ATTACH = 1,
	KHEAP_REF_TEE = 2,
	KHEAP_REF_COUNT = 3,
};

/**
 * struct kheap_piece - a piece of a restricted buffer as the SDP partition
 * names it (split at chunk boundaries: each chunk is its own SDP buffer)
 * @sdp_buf_id: the chunk's ID, or SDP_BUF_ID_STATIC_BIT | n
 * @offset:     bytes from the start of that SDP buffer (page multiple)
 * @size:       bytes (page multiple, non-zero)
 */
struct kheap_piece {
	uint32_t sdp_buf_id;
	uint64_t offset;
	uint64_t size;
};

/**
 * struct kheap_extent - a physically contiguous part of a buffer
 * @pa:   physical address
 * @size: bytes
 */
struct kheap_extent {
	uint64_t pa;
	uint64_t size;
};

/**
 * struct kheap_buf_info - a buffer's description (pointers valid while the
 * buffer lives)
 * @id:           unique, never reused, >= 1
 * @heap_id:      its heap
 * @pool:         pool index, or UINT32_MAX for a system buffer
 * @size:         bytes (page multiple)
 * @client:       the client charged for it (0: allocator gone)
 * @restricted:   from a restricted heap
 * @refs:         live references per enum kheap_ref
 * @extents:      in buffer order; NULL and 0 for a system buffer
 * @extent_count: entries in @extents
 * @pieces:       SDP pieces in buffer order (restricted only)
 * @piece_count:  entries in @pieces
 */
struct kheap_buf_info {
	uint64_t id;
	uint32_t heap_id;
	uint32_t pool;
	uint64_t size;
	uint32_t client;
	bool restricted;
	uint32_t refs[KHEAP_REF_COUNT];
	const struct kheap_extent *extents;
	uint32_t extent_count;
	const struct kheap_piece *pieces;
	uint32_t piece_count;
};

/**
 * struct kheap_heap_info - one heap
 * @name:           "protected,<use case>" or "system"
 * @use_case:       RHEAP_USE_CASE_*, 0 for system
 * @restricted:     use_case != 0
 * @capacity:       bytes of its pools (0 for system)
 * @used:           bytes allocated to live buffers
 * @buffers:        live buffers
 * @alloc_failures: failed kheap_alloc() calls on this heap
 */
struct kheap_heap_info {
	char name[KHEAP_HEAP_NAME_MAX];
	uint32_t use_case;
	bool restricted;
	uint64_t capacity;
	uint64_t used;
	uint64_t buffers;
	uint64_t alloc_failures;
};

/**
 * struct kheap_pool_info - one pool
 * @heap_id:        its heap
 * @dynamic:        dynamic (chunks lent on demand) or static
 * @base, @size:    its range
 * @chunk_size:     bytes per chunk slot; 0 for a static pool
 * @chunk_count:    chunk slots (1 for a static pool)
 * @used:           bytes allocated to live buffers
 * @quarantined:    bytes whose scrub failed (never reused)
 * @free:           @size - @used - @quarantined (lent or not)
 * @largest_free:   largest run of pages neither allocated nor quarantined
 *                  (unlent slots count as free)
 * @lent:           bytes in LENT chunks (static: @size)
 * @regions_needed: maximal runs of adjacent LENT chunks (static: 1)
 */
struct kheap_pool_info {
	uint32_t heap_id;
	bool dynamic;
	uint64_t base;
	uint64_t size;
	uint64_t chunk_size;
	uint32_t chunk_count;
	uint64_t used;
	uint64_t quarantined;
	uint64_t free;
	uint64_t largest_free;
	uint64_t lent;
	uint32_t regions_needed;
};

/**
 * struct kheap_chunk_info - one chunk slot of a pool
 * @base, @size: its range
 * @lent:        LENT (static pools: always)
 * @used:        bytes allocated or quarantined in it
 * @handle:      FF-A handle while LENT (static: 0)
 * @sdp_buf_id:  SDP buffer ID while LENT
 * @idle_ms:     LENT with @used 0: milliseconds since it became idle;
 *               else 0
 */
struct kheap_chunk_info {
	uint64_t base;
	uint64_t size;
	bool lent;
	uint64_t used;
	uint64_t handle;
	uint32_t sdp_buf_id;
	uint64_t idle_ms;
};

/**
 * struct kheap_client_info - one client's charges
 * @buffers: live buffers charged to it
 * @bytes:   their bytes
 * @quota:   bytes allowed at once (0: unlimited)
 */
struct kheap_client_info {
	uint64_t buffers;
	uint64_t bytes;
	uint64_t quota;
};

/**
 * struct kheap_counters - totals since kheap_create()
 * @allocs:            successful kheap_alloc() calls
 * @frees:             buffers gone
 * @alloc_failures:    failed kheap_alloc() calls
 * @lends:             chunks lent (one ops->lend each)
 * @reclaims:          chunks reclaimed
 * @scrubbed_bytes:    bytes scrubbed successfully
 * @quarantined_bytes: bytes quarantined (live total)
 */
struct kheap_counters {
	uint64_t allocs;
	uint64_t frees;
	uint64_t alloc_failures;
	uint64_t lends;
	uint64_t reclaims;
	uint64_t scrubbed_bytes;
	uint64_t quarantined_bytes;
};

/**
 * kheap_create() - an empty kheap (no heaps)
 * @ops: the outside world (copied; every function pointer required)
 * @cfg: settings
 * @out: the kheap; untouched on failure
 *
 * Return: 0; -EINVAL a NULL argument or function pointer; -ENOMEM.
 */
int kheap_create(const struct kheap_ops *ops, const struct kheap_cfg *cfg,
		 struct kheap **out);

/**
 * kheap_destroy() - free the kheap's memory (no ops call: use
 * kheap_shutdown() first to give memory back)
 * @h: the kheap, or NULL
 */
void kheap_destroy(struct kheap *h);

/**
 * kheap_heap_add() - add the heap of a use case
 * @h:        the kheap
 * @use_case: RHEAP_USE_CASE_* (restricted heap "protected,<name>") or 0
 *            ("system")
 * @heap_id:  out: its ID
 *
 * Return: 0; -EINVAL unknown use case or heap already added; -ENOSPC
 * KHEAP_MAX_HEAPS reached.
 */
int kheap_heap_add(struct kheap *h, uint32_t use_case, uint32_t *heap_id);

/**
 * kheap_heap_count() - heaps added
 * @h: the kheap
 *
 * Return: the count; heap IDs are 0 .. count - 1.
 */
uint32_t kheap_heap_count(const struct kheap *h);

/**
 * kheap_heap_find() - a heap by name
 * @h:       the kheap
 * @name:    NUL-terminated (untrusted)
 * @heap_id: out
 *
 * Return: 0; -ENOENT no such heap.
 */
int kheap_heap_find(const struct kheap *h, const char *name,
		    uint32_t *heap_id);

/**
 * kheap_heap_info() - describe a heap
 * @h:       the kheap
 * @heap_id: its ID
 * @out:     the description
 *
 * Return: 0; -ENOENT unknown @heap_id.
 */
int kheap_heap_info(const struct kheap *h, uint32_t heap_id,
		    struct kheap_heap_info *out);

/**
 * kheap_pool_add_static() - add a static (boot-protected) pool to a heap
 * @h:          the kheap
 * @heap_id:    a restricted heap
 * @base:       PA, page-aligned
 * @size:       bytes, page multiple, non-zero
 * @sdp_buf_id: its SDP buffer ID (SDP_BUF_ID_STATIC_BIT | n)
 *
 * Return: 0; -ENOENT unknown heap; -EINVAL system heap, misaligned, zero,
 * wrapping, or overlapping another pool; -ENOSPC KHEAP_MAX_POOLS reached;
 * -ENOMEM.
 */
int kheap_pool_add_static(struct kheap *h, uint32_t heap_id, uint64_t base,
			  uint64_t size, uint32_t sdp_buf_id);

/**
 * kheap_pool_add_dynamic() - add a dynamic pool (no chunk lent yet)
 * @h:          the kheap
 * @heap_id:    a restricted heap
 * @base, @size: as kheap_pool_add_static()
 * @chunk_size: bytes per slot, page multiple, non-zero (the caller makes
 *              it a multiple of the SDP partition's minimum chunk and
 *              alignment); capped to @size
 *
 * Return: as kheap_pool_add_static(); -EINVAL also for a bad @chunk_size
 * or more than KHEAP_MAX_CHUNKS slots.
 */
int kheap_pool_add_dynamic(struct kheap *h, uint32_t heap_id, uint64_t base,
			   uint64_t size, uint64_t chunk_size);

/**
 * kheap_pool_count() - pools added
 * @h: the kheap
 *
 * Return: the count; pool indexes are 0 .. count - 1.
 */
uint32_t kheap_pool_count(const struct kheap *h);

/**
 * kheap_pool_info() - describe a pool
 * @h:      the kheap
 * @pool:   its index
 * @out:    the description
 *
 * Return: 0; -ENOENT unknown @pool; -ENOMEM (the free-space walk).
 */
int kheap_pool_info(const struct kheap *h, uint32_t pool,
		    struct kheap_pool_info *out);

/**
 * kheap_chunk_info() - describe a chunk slot of a pool
 * @h:      the kheap
 * @pool:   the pool's index
 * @chunk:  0 .. chunk_count - 1
 * @now_ns: the clock, for idle_ms
 * @out:    the description
 *
 * Return: 0; -ENOENT unknown @pool or @chunk.
 */
int kheap_chunk_info(const struct kheap *h, uint32_t pool, uint32_t chunk,
		     uint64_t now_ns, struct kheap_chunk_info *out);

/**
 * kheap_client_add() - a client (connection) appears
 * @h:      the kheap
 * @client: its ID, >= 1, not present
 * @quota:  bytes it may hold at once; 0 unlimited
 *
 * Return: 0; -EINVAL @client 0 or already present; -ENOMEM.
 */
int kheap_client_add(struct kheap *h, uint32_t client, uint64_t quota);

/**
 * kheap_client_remove() - a client went away: its live buffers are
 * charged to client 0 from now on
 * @h:      the kheap
 * @client: its ID (unknown IDs are ignored)
 */
void kheap_client_remove(struct kheap *h, uint32_t client);

/**
 * kheap_client_info() - a client's charges
 * @h:      the kheap
 * @client: its ID (0: the buffers whose allocator is gone)
 * @out:    the figures
 *
 * Return: 0; -ENOENT unknown client.
 */
int kheap_client_info(const struct kheap *h, uint32_t client,
		      struct kheap_client_info *out);

/**
 * kheap_alloc() - allocate a buffer
 * @h:       the kheap
 * @heap_id: the heap (untrusted)
 * @client:  the client charged (0 or a kheap_client_add()ed ID)
 * @len:     bytes (untrusted), rounded up to a page
 * @now_ns:  the clock
 * @out:     the buffer, holding one KHEAP_REF_HANDLE reference
 *
 * Tries, in order: a contiguous extent in a pool's free pages (pools in
 * order of addition), several extents, then growing dynamic pools by as
 * few chunks as needed. On failure every chunk lent for it is reclaimed.
 *
 * Return: 0; -EINVAL @len 0 or its rounding wraps; -ENOENT unknown heap or
 * client; -ENOMEM the heap cannot hold it or the client's quota would be
 * exceeded; an ops errno (unmap, lend) when growing failed.
 */
int kheap_alloc(struct kheap *h, uint32_t heap_id, uint32_t client,
		uint64_t len, uint64_t now_ns, struct kheap_buf **out);

/**
 * kheap_buf_get() - take a reference
 * @buf:  a live buffer
 * @kind: what holds it
 */
void kheap_buf_get(struct kheap_buf *buf, enum kheap_ref kind);

/**
 * kheap_buf_put() - drop a reference; the last one frees the buffer
 * (scrub, quarantine on scrub failure, accounting)
 * @h:      the kheap
 * @buf:    the buffer (invalid after the last put)
 * @kind:   which reference
 * @now_ns: the clock (chunks that become empty start idling now)
 *
 * Return: true if the buffer is gone.
 */
bool kheap_buf_put(struct kheap *h, struct kheap_buf *buf, enum kheap_ref kind,
		   uint64_t now_ns);

/**
 * kheap_buf_info() - describe a buffer
 * @buf: a live buffer
 * @out: the description
 */
void kheap_buf_info(const struct kheap_buf *buf, struct kheap_buf_info *out);

/**
 * kheap_buf_find() - a live buffer by ID (no reference taken)
 * @h:  the kheap
 * @id: the ID
 *
 * Return: the buffer or NULL.
 */
struct kheap_buf *kheap_buf_find(const struct kheap *h, uint64_t id);

/**
 * kheap_buf_next() - walk live buffers in allocation order
 * @h:    the kheap
 * @prev: NULL for the first
 *
 * Return: the next buffer or NULL.
 */
struct kheap_buf *kheap_buf_next(const struct kheap *h,
				 const struct kheap_buf *prev);

/**
 * kheap_tick() - give back chunks idle for idle_release_ns, from the ends
 * of runs of LENT chunks inward (never cutting a run in two)
 * @h:      the kheap
 * @now_ns: the clock
 *
 * In each run of LENT chunks of a dynamic pool, due chunks go from the
 * lowest end up and from the highest end down, each stopping at the first
 * chunk that is not due; a due chunk with LENT neighbours on both sides
 * after that stays LENT. So a pool's regions_needed never grows in a tick.
 * A chunk whose reclaim fails stays LENT, counts as idle from @now_ns
 * again (retried one idle_release_ns later), and the walk from its side
 * stops there. Each chunk is tried at most once per call.
 *
 * Return: chunks reclaimed.
 */
uint32_t kheap_tick(struct kheap *h, uint64_t now_ns);

/**
 * kheap_next_deadline() - when kheap_tick() next has work
 * @h:           the kheap
 * @deadline_ns: out: the earliest time an idle chunk at an end of its run
 *               is due
 *
 * An idle chunk with LENT neighbours on both sides is not counted: it
 * cannot go before an end does (nothing to do for it until then, so no
 * timer fires for it in vain).
 *
 * Return: true if some idle chunk is at an end of its run (then
 * @deadline_ns is set).
 */
bool kheap_next_deadline(const struct kheap *h, uint64_t *deadline_ns);

/**
 * kheap_shutdown() - free every buffer whatever its references (scrubbed
 * as usual) and reclaim every LENT chunk now
 * @h:      the kheap
 * @now_ns: the clock
 *
 * Return: 0; the first errno of a failed reclaim (those chunks stay LENT).
 */
int kheap_shutdown(struct kheap *h, uint64_t now_ns);

/**
 * kheap_counters() - totals
 * @h:   the kheap
 * @out: the figures
 */
void kheap_counters(const struct kheap *h, struct kheap_counters *out);

#endif /* RHEAP_SRC_KERNEL_KHEAP_H */
