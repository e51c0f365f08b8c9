/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Between the parts of the heaps: rheap_heap.c (dma-heap and dma-buf ops),
 * rheap_heap_pool.c (pools, chunks, sub-allocation, idle release) and
 * rheap_heap_debugfs.c (accounting and the test hooks).
 *
 * One mutex (struct rheap_heaps.lock) covers every pool, chunk, heap
 * counter and the buffer list; secure-world calls are made with it held
 * (they sleep; one FF-A call is in flight at a time anyway).
 *
 * Life cycle of a dynamic chunk (struct rheap_chunk.state):
 *
 *   FREE --alloc_contig_range, linear map removed, LEND + ASSIGN--> LENT
 *   LENT --idle, at an end of its run: RELEASE + RECLAIM ok,
 *          linear map restored, free_contig_range--> FREE
 *   LENT --RECLAIM fails--> LENT (idle again, retried one idle period
 *          later; its pages are never mapped while LENT)
 *   LENT --RECLAIM ok but the linear map cannot be restored--> LOST
 *          (leaked, logged; never used again)
 *
 * A static pool has no chunks of its own: the secure world protected it at
 * boot and the kernel never mapped it; all its pages are allocatable.
 */
#ifndef RHEAP_KERNEL_RHEAP_HEAP_INTERNAL_H
#define RHEAP_KERNEL_RHEAP_HEAP_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>

#include "rheap_heap.h"

struct device;
struct dma_heap;
struct rheap_sec;

/* Heaps: one per restricted use case (1..3). */
#define RHEAP_HEAP_COUNT 3u
/* Platform pools the module knows (the DT's reserved-memory children). */
#define RHEAP_HEAP_MAX_POOLS 8u
/* Most extents (runs of pages) one buffer takes from its pool. */
#define RHEAP_HEAP_MAX_EXTENTS 64u
/* Most chunks one dynamic pool is cut into. */
#define RHEAP_HEAP_MAX_CHUNKS 1024u

enum rheap_chunk_state {
	RHEAP_CHUNK_FREE = 0,
	RHEAP_CHUNK_LENT,
	RHEAP_CHUNK_LOST,
};

/**
 * struct rheap_chunk - one slot of a dynamic pool
 * @base:          PA
 * @size:          bytes: the pool's chunk size except maybe the last
 * @state:         see the life cycle above
 * @handle:        FF-A handle while LENT
 * @buf_id:        SDP buffer ID while LENT
 * @used_pages:    allocated + quarantined pages inside it
 * @idle_since_ns: LENT and @used_pages == 0: since when (ktime_get_ns)
 */
struct rheap_chunk {
	phys_addr_t base;
	u64 size;
	enum rheap_chunk_state state;
	u64 handle;
	u32 buf_id;
	u64 used_pages;
	u64 idle_since_ns;
};

/**
 * struct rheap_pool - a platform pool of one heap
 * @heap:        its heap
 * @index:       its index in the platform's pool table
 * @dynamic:     chunks lent on demand (else static)
 * @cma:         dynamic: its pageblocks are MIGRATE_CMA
 * @base:        PA, page aligned
 * @size:        bytes, page multiple
 * @page_count:  @size in pages
 * @busy:        one bit per page: 1 = not allocatable (allocated,
 *               quarantined, or in a chunk that is not LENT)
 * @chunk_size:  dynamic: bytes per chunk
 * @chunks:      dynamic: @chunk_count slots
 * @chunk_count: dynamic: number of slots; static: 1
 * @buf_id:      static: SDP_BUF_ID_STATIC_BIT | @index
 * @used:        bytes of live buffers
 * @quarantined: bytes whose scrub failed: never reused
 */
struct rheap_pool {
	struct rheap_heap *heap;
	u32 index;
	bool dynamic;
	bool cma;
	phys_addr_t base;
	u64 size;
	u64 page_count;
	unsigned long *busy;
	u64 chunk_size;
	struct rheap_chunk *chunks;
	u32 chunk_count;
	u32 buf_id;
	u64 used;
	u64 quarantined;
};

/**
 * struct rheap_uid_charge - what one uid's live buffers take of one heap
 * @uid:     the allocating task's uid (current_uid() at allocation)
 * @buffers: its live buffers in the heap
 * @bytes:   their bytes
 * @node:    in struct rheap_heap.charges; freed when @buffers drops to 0
 */
struct rheap_uid_charge {
	kuid_t uid;
	u64 buffers;
	u64 bytes;
	struct list_head node;
};

/**
 * struct rheap_heap - one registered dma-heap
 * @name:           "protected,<use case>"
 * @use_case:       RHEAP_USE_CASE_*
 * @dma_heap:       from dma_heap_add(); NULL until registered
 * @hs:             the module's heaps
 * @capacity:       bytes of its pools
 * @used:           bytes of its live buffers
 * @buffers:        its live buffers
 * @alloc_failures: allocations refused (quota refusals included)
 * @quota_refused:  allocations refused by the per-uid quota
 * @charges:        struct rheap_uid_charge.node, one per uid with buffers
 */
struct rheap_heap {
	char name[32];
	u32 use_case;
	struct dma_heap *dma_heap;
	struct rheap_heaps *hs;
	u64 capacity;
	u64 used;
	u64 buffers;
	u64 alloc_failures;
	u64 quota_refused;
	struct list_head charges;
};

/* Counters of struct rheap_heaps (since module load). */
struct rheap_heap_counters {
	u64 allocs;
	u64 frees;
	u64 lends;
	u64 reclaims;
	u64 reclaim_failures;
	u64 scrubbed_bytes;
	u64 quarantined_bytes;
	u64 lost_bytes;
};

/**
 * struct rheap_heaps - the module's heaps (one instance)
 * @lock:       covers everything below but @idle_work and @dbg_*
 * @sec:        the secure-world backend
 * @heaps:      indexed by use case - 1
 * @pools:      in platform order
 * @pool_count: entries of @pools in use
 * @buffers:    live buffers (struct rheap_buffer.node), allocation order
 * @next_id:    next buffer ID (debugfs listing)
 * @idle_ns:    how long an empty chunk stays lent at least
 * @idle_work:  idle release, armed at the next deadline
 * @counters:   statistics
 * @test_dev:   the device attach_test attaches with
 */
struct rheap_heaps {
	struct mutex lock;
	struct rheap_sec *sec;
	struct rheap_heap heaps[RHEAP_HEAP_COUNT];
	struct rheap_pool pools[RHEAP_HEAP_MAX_POOLS];
	u32 pool_count;
	struct list_head buffers;
	u64 next_id;
	u64 idle_ns;
	struct delayed_work idle_work;
	struct rheap_heap_counters counters;
	struct device *test_dev;
};

/* An extent: pages [first, first + pages) of the buffer's pool. */
struct rheap_ext {
	u64 first;
	u64 pages;
};

/**
 * struct rheap_buffer - the private data of one of our dma-bufs
 * @hs:          the module's heaps
 * @heap:        its heap
 * @pool:        the pool its pages are in
 * @charge:      the allocating uid's charge (stays with that uid when the
 *               fd moves to another process)
 * @id:          sequence number (debugfs)
 * @size:        bytes, page multiple
 * @ext:         @ext_count extents, buffer order
 * @pieces:      @piece_count SDP pieces (extents split at chunk ends)
 * @piece_ext:   the extent of each piece
 * @node:        in hs->buffers (under hs->lock)
 * @att_lock:    covers @attachments
 * @attachments: struct rheap_attachment.node
 */
struct rheap_buffer {
	struct rheap_heaps *hs;
	struct rheap_heap *heap;
	struct rheap_pool *pool;
	struct rheap_uid_charge *charge;
	u64 id;
	u64 size;
	struct rheap_ext *ext;
	u32 ext_count;
	struct rheap_buf_extent *pieces;
	u32 *piece_ext;
	u32 piece_count;
	struct list_head node;
	struct mutex att_lock;
	struct list_head attachments;
};

#if defined(CONFIG_X86) && defined(MODULE)
/*
 * x86's asm/tlbflush.h declares this only for built-in code (#ifndef
 * MODULE); kernel/linux/patches/0001 exports it. The same prototype.
 */
void flush_tlb_kernel_range(unsigned long start, unsigned long end);
#endif

/* rheap_heap_pool.c */
int rheap_pools_init(struct rheap_heaps *hs, const char *table,
		     u64 chunk_size);
void rheap_pools_fini(struct rheap_heaps *hs);
int rheap_pool_alloc(struct rheap_heaps *hs, struct rheap_heap *heap,
		     struct rheap_buffer *buf);
void rheap_pool_free(struct rheap_heaps *hs, struct rheap_buffer *buf,
		     bool scrub);
void rheap_pools_idle_work(struct work_struct *work);
void rheap_pools_shutdown(struct rheap_heaps *hs);
phys_addr_t rheap_buffer_pa(const struct rheap_buffer *buf, u32 ext);

/* rheap_heap_debugfs.c */
void rheap_heap_debugfs_init(struct rheap_heaps *hs, bool test_hooks);
void rheap_heap_debugfs_fini(struct rheap_heaps *hs);
bool rheap_heap_is_ours(struct dma_buf *dmabuf);

#endif /* RHEAP_KERNEL_RHEAP_HEAP_INTERNAL_H */
