// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pools, chunks and sub-allocation of the restricted heaps: the policy of
 * rheapd's kheap (src/kernel/kheap.c, docs/rheapd.md "Pools and chunks")
 * on real memory.
 *
 * - A pool has a bitmap of its pages (1 = not allocatable). A static
 *   pool's pages are all allocatable from the start; a dynamic pool's
 *   become allocatable chunk by chunk as chunks are lent, so a buffer is
 *   never carved from non-secure memory.
 * - Allocation: one contiguous extent from the heap's pools (in platform
 *   order), then up to RHEAP_HEAP_MAX_EXTENTS extents, then growing a
 *   dynamic pool by as few chunks as needed (all or nothing).
 * - Lending a chunk: alloc_contig_range() takes its pages from the page
 *   allocator, every page leaves the linear map
 *   (set_direct_map_invalid_noflush, then one TLB flush) BEFORE the LEND,
 *   after a clean + invalidate of its data cache lines to the point of
 *   coherency (rheap_dcache_clean_inval);
 *   they come back only after RELEASE + RECLAIM succeeded.
 * - Slot choice keeps the lent chunks of a pool in one run (one TZASC
 *   region): a slot between two lent ones, else next to one, else the
 *   lowest. Idle release gives chunks back only from the ends of a run
 *   (no-split), after idle_ns without an allocated page.
 * - Free: each SDP piece is scrubbed by the secure world; a piece whose
 *   scrub fails quarantines its extent (never reused, its chunk never
 *   released).
 */
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/libnvdimm.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pageblock-flags.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/cacheflush.h>
#include <asm/tlbflush.h>

#include <rheap/sdp_abi.h>

#include "rheap_heap_internal.h"
#include "rheap_sec.h"

#define RHEAP_PAGE_SIZE 4096u

static u64 rheap_pool_free_pages(const struct rheap_pool *p)
{
	return p->page_count - bitmap_weight(p->busy, p->page_count);
}

static u32 rheap_chunk_of(const struct rheap_pool *p, u64 off)
{
	return (u32)div64_u64(off, p->chunk_size);
}

static bool rheap_chunk_is_lent(const struct rheap_pool *p, u32 i)
{
	return i < p->chunk_count && p->chunks[i].state == RHEAP_CHUNK_LENT;
}

/* Giving chunk @i back would cut its run of LENT chunks in two. */
static bool rheap_chunk_splits(const struct rheap_pool *p, u32 i)
{
	return i > 0 && rheap_chunk_is_lent(p, i - 1) &&
	       rheap_chunk_is_lent(p, i + 1);
}

/* ---------------------------------------------------------------------- */
/* The linear map                                                         */

static void rheap_linear_flush(phys_addr_t base, u64 size)
{
	unsigned long va = (unsigned long)phys_to_virt(base);

	flush_tlb_kernel_range(va, va + size);
}

/*
 * Write back and invalidate the CPU data cache over @size bytes from @base,
 * through the linear map (so while it still maps them): no dirty
 * non-secure line is written back over memory the secure world owns, and
 * no stale line hides what it wrote. Lines the CPU fetches speculatively
 * until the unmap are clean. The exported by-VA operations to the point of
 * coherency: clflush_cache_range() on x86; on arm64 the pmem API's
 * arch_wb_cache_pmem() (clean to PoP) + arch_invalidate_pmem() (invalidate
 * to PoC) (CONFIG_ARM64_PMEM; dcache_clean_inval_poc is not exported).
 */
static void rheap_dcache_clean_inval(phys_addr_t base, u64 size)
{
	const u64 step = SZ_1G;
	u64 off;

	for (off = 0; off < size; off += step) {
		void *va = phys_to_virt(base + off);
		u64 n = min(step, size - off);

#if defined(CONFIG_X86)
		clflush_cache_range(va, (unsigned int)n);
#elif defined(CONFIG_ARCH_HAS_PMEM_API)
		arch_wb_cache_pmem(va, n);
		arch_invalidate_pmem(va, n);
#else
#error "rheap: no exported data cache clean+invalidate (arm64: CONFIG_ARM64_PMEM=y)"
#endif
	}
}

/*
 * Take @nr pages from @pfn out of the kernel's linear map, after cleaning
 * and invalidating their cache lines. All or nothing:
 * on failure the pages done so far are put back.
 */
static int rheap_linear_unmap(unsigned long pfn, unsigned long nr)
{
	unsigned long i;
	int rc = 0;

	rheap_dcache_clean_inval(PFN_PHYS(pfn), (u64)nr << PAGE_SHIFT);
	for (i = 0; i < nr; i++) {
		rc = set_direct_map_invalid_noflush(pfn_to_page(pfn + i));
		if (rc)
			break;
	}
	if (rc) {
		while (i-- > 0)
			set_direct_map_default_noflush(pfn_to_page(pfn + i));
	}
	rheap_linear_flush(PFN_PHYS(pfn), (u64)nr << PAGE_SHIFT);
	return rc;
}

/* Put @nr pages back into the linear map; 0 or the first error. */
static int rheap_linear_map(unsigned long pfn, unsigned long nr)
{
	unsigned long i;
	int first = 0;

	for (i = 0; i < nr; i++) {
		int rc = set_direct_map_default_noflush(pfn_to_page(pfn + i));

		if (rc && !first)
			first = rc;
	}
	rheap_linear_flush(PFN_PHYS(pfn), (u64)nr << PAGE_SHIFT);
	return first;
}

/* ---------------------------------------------------------------------- */
/* Chunks                                                                 */

/*
 * The FREE slot to lend next: one between two LENT slots, else one next
 * to a LENT slot, else the lowest; the lowest address within a class.
 */
static int rheap_chunk_pick(const struct rheap_pool *p, u32 *out)
{
	int best = -1;
	u32 i;

	for (i = 0; i < p->chunk_count; i++) {
		int score = 0;

		if (p->chunks[i].state != RHEAP_CHUNK_FREE)
			continue;
		if (i > 0 && p->chunks[i - 1].state == RHEAP_CHUNK_LENT)
			score++;
		if (rheap_chunk_is_lent(p, i + 1))
			score++;
		if (score > best) {
			best = score;
			*out = i;
		}
	}
	return best < 0 ? -ENOMEM : 0;
}

/* alloc_contig_range() wants the pageblocks' own migratetype. */
static unsigned int rheap_pool_migratetype(const struct rheap_pool *p)
{
#ifdef CONFIG_CMA
	if (p->cma)
		return MIGRATE_CMA;
#endif
	return MIGRATE_MOVABLE;
}

static int rheap_chunk_lend(struct rheap_heaps *hs, struct rheap_pool *p,
			    u32 idx)
{
	struct rheap_chunk *c = &p->chunks[idx];
	unsigned long pfn = PHYS_PFN(c->base);
	unsigned long nr = c->size >> PAGE_SHIFT;
	struct rheap_sec_range range = { .pa = c->base, .pages = nr };
	u64 handle = 0;
	u32 buf_id = 0;
	int rc;

	rc = alloc_contig_range(pfn, pfn + nr, rheap_pool_migratetype(p),
				GFP_KERNEL | __GFP_NOWARN);
	if (rc) {
		pr_warn_ratelimited("rheap: %s: chunk %pa+%#llx busy in the page allocator (%d)\n",
				    p->heap->name, &c->base, c->size, rc);
		return -ENOMEM;
	}
	rc = rheap_linear_unmap(pfn, nr);
	if (rc)
		goto err_free;
	rc = rheap_sec_chunk_lend(hs->sec, p->heap->use_case, &range, 1,
				  &handle, &buf_id);
	if (rc)
		goto err_map;
	c->state = RHEAP_CHUNK_LENT;
	c->handle = handle;
	c->buf_id = buf_id;
	c->used_pages = 0;
	c->idle_since_ns = ktime_get_ns();
	bitmap_clear(p->busy, (c->base - p->base) >> PAGE_SHIFT, nr);
	hs->counters.lends++;
	return 0;

err_map:
	/*
	 * The secure world never took them (rheap_sec_chunk_lend is all or
	 * nothing): NS memory, safe to map and free again.
	 */
	if (rheap_linear_map(pfn, nr)) {
		pr_err("rheap: chunk %pa+%#llx cannot be mapped again: leaked\n",
		       &c->base, c->size);
		c->state = RHEAP_CHUNK_LOST;
		hs->counters.lost_bytes += c->size;
		return rc;
	}
err_free:
	free_contig_range(pfn, nr);
	return rc;
}

/* Give a LENT chunk without allocated pages back to the kernel. */
static int rheap_chunk_release(struct rheap_heaps *hs, struct rheap_pool *p,
			       u32 idx)
{
	struct rheap_chunk *c = &p->chunks[idx];
	unsigned long pfn = PHYS_PFN(c->base);
	unsigned long nr = c->size >> PAGE_SHIFT;
	u64 first = (c->base - p->base) >> PAGE_SHIFT;
	int rc;

	if (c->state != RHEAP_CHUNK_LENT || c->used_pages)
		return -EBUSY;
	bitmap_set(p->busy, first, nr);
	rc = rheap_sec_chunk_reclaim(hs->sec, c->handle);
	if (rc) {
		/* Still restricted: keep it lent (and usable), never map. */
		bitmap_clear(p->busy, first, nr);
		hs->counters.reclaim_failures++;
		pr_err_ratelimited("rheap: %s: reclaim of chunk %pa+%#llx (handle %#llx) failed (%d): it stays lent and out of the linear map\n",
				   p->heap->name, &c->base, c->size, c->handle,
				   rc);
		return rc;
	}
	hs->counters.reclaims++;
	c->handle = 0;
	c->buf_id = 0;
	c->idle_since_ns = 0;
	if (rheap_linear_map(pfn, nr)) {
		pr_err("rheap: chunk %pa+%#llx reclaimed but cannot be mapped again: leaked\n",
		       &c->base, c->size);
		c->state = RHEAP_CHUNK_LOST;
		hs->counters.lost_bytes += c->size;
		return 0;
	}
	free_contig_range(pfn, nr);
	c->state = RHEAP_CHUNK_FREE;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Allocation                                                             */

/* Fill buf->pieces (extents split at chunk ends) from buf->ext. */
static int rheap_buffer_describe(struct rheap_buffer *buf)
{
	const struct rheap_pool *p = buf->pool;
	u32 pieces = 0;
	u32 i;

	for (i = 0; i < buf->ext_count; i++) {
		u64 off = buf->ext[i].first * RHEAP_PAGE_SIZE;
		u64 end = off + buf->ext[i].pages * RHEAP_PAGE_SIZE;

		if (p->dynamic)
			pieces += rheap_chunk_of(p, end - 1) -
				  rheap_chunk_of(p, off) + 1;
		else
			pieces++;
	}
	buf->pieces = kcalloc(pieces, sizeof(*buf->pieces), GFP_KERNEL);
	buf->piece_ext = kcalloc(pieces, sizeof(*buf->piece_ext), GFP_KERNEL);
	if (!buf->pieces || !buf->piece_ext)
		return -ENOMEM;
	buf->piece_count = 0;
	for (i = 0; i < buf->ext_count; i++) {
		u64 off = buf->ext[i].first * RHEAP_PAGE_SIZE;
		u64 end = off + buf->ext[i].pages * RHEAP_PAGE_SIZE;

		while (off < end) {
			struct rheap_buf_extent *pc =
				&buf->pieces[buf->piece_count];
			u64 stop = end;

			if (p->dynamic) {
				const struct rheap_chunk *c =
					&p->chunks[rheap_chunk_of(p, off)];
				u64 cend = c->base - p->base + c->size;

				stop = min(end, cend);
				pc->buf_id = c->buf_id;
				pc->offset = off - (c->base - p->base);
			} else {
				pc->buf_id = p->buf_id;
				pc->offset = off;
			}
			pc->size = stop - off;
			buf->piece_ext[buf->piece_count++] = i;
			off = stop;
		}
	}
	return 0;
}

/* Add or remove an extent's pages to/from its chunks' usage. */
static void rheap_chunks_charge(struct rheap_pool *p,
				const struct rheap_ext *e, bool add)
{
	u64 off = e->first * RHEAP_PAGE_SIZE;
	u64 end = off + e->pages * RHEAP_PAGE_SIZE;

	if (!p->dynamic)
		return;
	while (off < end) {
		struct rheap_chunk *c = &p->chunks[rheap_chunk_of(p, off)];
		u64 cend = c->base - p->base + c->size;
		u64 stop = min(end, cend);
		u64 pages = (stop - off) / RHEAP_PAGE_SIZE;

		if (add) {
			c->used_pages += pages;
		} else {
			c->used_pages -= pages;
			if (!c->used_pages)
				c->idle_since_ns = ktime_get_ns();
		}
		off = stop;
	}
}

/* Find @count free pages of @p in at most @max_ext extents (no change). */
static int rheap_pool_find(const struct rheap_pool *p, u64 count,
			   u32 max_ext, struct rheap_ext *ext, u32 *n)
{
	unsigned long pos = 0;
	u64 left = count;
	u32 k = 0;

	if (max_ext == 1) {
		unsigned long s = bitmap_find_next_zero_area(p->busy,
							     p->page_count, 0,
							     count, 0);

		if (s >= p->page_count)
			return -ENOMEM;
		ext[0].first = s;
		ext[0].pages = count;
		*n = 1;
		return 0;
	}
	while (left && k < max_ext) {
		unsigned long s = find_next_zero_bit(p->busy, p->page_count,
						     pos);
		unsigned long e;
		u64 take;

		if (s >= p->page_count)
			break;
		e = find_next_bit(p->busy, p->page_count, s);
		take = min_t(u64, e - s, left);
		ext[k].first = s;
		ext[k].pages = take;
		k++;
		left -= take;
		pos = e;
	}
	if (left)
		return -ENOMEM;
	*n = k;
	return 0;
}

/* Carve @count pages from @p into @buf (at most @max_ext extents). */
static int rheap_pool_take(struct rheap_pool *p, u64 count, u32 max_ext,
			   struct rheap_buffer *buf)
{
	struct rheap_ext ext[RHEAP_HEAP_MAX_EXTENTS];
	u32 n = 0;
	u32 i;
	int rc;

	rc = rheap_pool_find(p, count, max_ext, ext, &n);
	if (rc)
		return rc;
	buf->ext = kmemdup(ext, n * sizeof(*ext), GFP_KERNEL);
	if (!buf->ext)
		return -ENOMEM;
	buf->ext_count = n;
	buf->pool = p;
	rc = rheap_buffer_describe(buf);
	if (rc) {
		kfree(buf->pieces);
		kfree(buf->piece_ext);
		kfree(buf->ext);
		buf->pieces = NULL;
		buf->piece_ext = NULL;
		buf->ext = NULL;
		buf->ext_count = 0;
		buf->piece_count = 0;
		buf->pool = NULL;
		return rc;
	}
	for (i = 0; i < n; i++) {
		bitmap_set(p->busy, ext[i].first, ext[i].pages);
		rheap_chunks_charge(p, &ext[i], true);
	}
	return 0;
}

static u64 rheap_pool_unlent_pages(const struct rheap_pool *p)
{
	u64 bytes = 0;
	u32 i;

	for (i = 0; p->dynamic && i < p->chunk_count; i++) {
		if (p->chunks[i].state == RHEAP_CHUNK_FREE)
			bytes += p->chunks[i].size;
	}
	return bytes / RHEAP_PAGE_SIZE;
}

/*
 * Grow dynamic pool @p until @count pages can be taken; on failure give
 * back every chunk lent here, in reverse order (which restores the runs).
 */
static int rheap_pool_grow_take(struct rheap_heaps *hs, struct rheap_pool *p,
				u64 count, struct rheap_buffer *buf)
{
	u32 *grown;
	u32 grown_count = 0;
	bool undo_clean = true;
	int rc;

	if (rheap_pool_free_pages(p) + rheap_pool_unlent_pages(p) < count)
		return -ENOMEM;
	grown = kcalloc(p->chunk_count, sizeof(*grown), GFP_KERNEL);
	if (!grown)
		return -ENOMEM;
	for (;;) {
		u32 idx = 0;

		if (rheap_pool_free_pages(p) >= count) {
			rc = rheap_pool_take(p, count, 1, buf);
			if (rc == -ENOMEM)
				rc = rheap_pool_take(p, count,
						     RHEAP_HEAP_MAX_EXTENTS, buf);
			if (rc != -ENOMEM)
				break;
		}
		rc = rheap_chunk_pick(p, &idx);
		if (rc)
			break;
		rc = rheap_chunk_lend(hs, p, idx);
		if (rc)
			break;
		grown[grown_count++] = idx;
	}
	while (rc && grown_count > 0) {
		u32 idx = grown[--grown_count];

		if (!undo_clean && rheap_chunk_splits(p, idx))
			continue;
		if (rheap_chunk_release(hs, p, idx))
			undo_clean = false;
	}
	kfree(grown);
	return rc;
}

/**
 * rheap_pool_alloc() - pages for @buf (buf->size bytes) from @heap's pools
 * @hs:   the heaps, lock held
 * @heap: the heap
 * @buf:  the buffer: size set; ext, pieces and pool filled on success
 *
 * Return: 0; -ENOMEM; an errno of the secure world.
 */
int rheap_pool_alloc(struct rheap_heaps *hs, struct rheap_heap *heap,
		     struct rheap_buffer *buf)
{
	static const u32 tries[2] = { 1, RHEAP_HEAP_MAX_EXTENTS };
	u64 count = buf->size / RHEAP_PAGE_SIZE;
	int rc = -ENOMEM;
	u32 t, i;

	lockdep_assert_held(&hs->lock);
	for (t = 0; t < ARRAY_SIZE(tries); t++) {
		for (i = 0; i < hs->pool_count; i++) {
			struct rheap_pool *p = &hs->pools[i];

			if (p->heap != heap)
				continue;
			rc = rheap_pool_take(p, count, tries[t], buf);
			if (rc != -ENOMEM)
				goto out;
		}
	}
	for (i = 0; i < hs->pool_count; i++) {
		struct rheap_pool *p = &hs->pools[i];

		if (p->heap != heap || !p->dynamic)
			continue;
		rc = rheap_pool_grow_take(hs, p, count, buf);
		if (rc != -ENOMEM)
			goto out;
	}
out:
	if (!rc)
		buf->pool->used += buf->size;
	return rc;
}

static void rheap_idle_arm(struct rheap_heaps *hs);

/**
 * rheap_pool_free() - give @buf's pages back to its pool
 * @hs:    the heaps, lock held
 * @buf:   an allocated buffer; its extent arrays stay (the caller frees)
 * @scrub: scrub through the secure world first (false only for a buffer
 *         no one ever saw: its export failed)
 *
 * A piece whose scrub fails quarantines its whole extent.
 */
void rheap_pool_free(struct rheap_heaps *hs, struct rheap_buffer *buf,
		     bool scrub)
{
	struct rheap_pool *p = buf->pool;
	u32 pi = 0;
	u32 i;

	lockdep_assert_held(&hs->lock);
	for (i = 0; i < buf->ext_count; i++) {
		u64 bytes = buf->ext[i].pages * RHEAP_PAGE_SIZE;
		bool ok = true;

		for (; pi < buf->piece_count && buf->piece_ext[pi] == i; pi++) {
			const struct rheap_buf_extent *pc = &buf->pieces[pi];
			int rc;

			if (!ok || !scrub)
				continue;
			rc = rheap_sec_scrub(hs->sec, pc->buf_id, pc->offset,
					     pc->size);
			if (rc) {
				pr_err_ratelimited("rheap: %s: scrub of buffer %#x +%#llx/%#llx failed (%d): quarantined\n",
						   p->heap->name, pc->buf_id,
						   pc->offset, pc->size, rc);
				ok = false;
			} else {
				hs->counters.scrubbed_bytes += pc->size;
			}
		}
		if (ok) {
			bitmap_clear(p->busy, buf->ext[i].first,
				     buf->ext[i].pages);
			rheap_chunks_charge(p, &buf->ext[i], false);
		} else {
			p->quarantined += bytes;
			hs->counters.quarantined_bytes += bytes;
		}
	}
	p->used -= buf->size;
	rheap_idle_arm(hs);
}

/**
 * rheap_buffer_pa() - physical address of extent @ext of @buf
 * @buf: the buffer
 * @ext: extent index
 */
phys_addr_t rheap_buffer_pa(const struct rheap_buffer *buf, u32 ext)
{
	return buf->pool->base + buf->ext[ext].first * RHEAP_PAGE_SIZE;
}

/* ---------------------------------------------------------------------- */
/* Idle release                                                           */

static bool rheap_chunk_due(const struct rheap_heaps *hs,
			    const struct rheap_chunk *c, u64 now)
{
	return c->state == RHEAP_CHUNK_LENT && !c->used_pages &&
	       now >= c->idle_since_ns && now - c->idle_since_ns >= hs->idle_ns;
}

/*
 * Give back the due idle chunks of the run [first, last] from its ends
 * inward. A failed reclaim leaves the chunk lent, idle again from @now
 * (retried one idle period later), and stops that side of the walk.
 */
static void rheap_run_trim(struct rheap_heaps *hs, struct rheap_pool *p,
			   u32 first, u32 last, u64 now)
{
	u32 lo = first;
	u32 hi = last;

	while (lo <= hi && rheap_chunk_due(hs, &p->chunks[lo], now)) {
		if (rheap_chunk_release(hs, p, lo)) {
			p->chunks[lo].idle_since_ns = now;
			break;
		}
		lo++;
	}
	while (hi > lo && rheap_chunk_due(hs, &p->chunks[hi], now)) {
		if (rheap_chunk_release(hs, p, hi)) {
			p->chunks[hi].idle_since_ns = now;
			break;
		}
		hi--;
	}
}

static void rheap_tick(struct rheap_heaps *hs, u64 now)
{
	u32 i;

	for (i = 0; i < hs->pool_count; i++) {
		struct rheap_pool *p = &hs->pools[i];
		u32 j = 0;

		while (p->dynamic && j < p->chunk_count) {
			u32 last = j;

			if (!rheap_chunk_is_lent(p, j)) {
				j++;
				continue;
			}
			while (rheap_chunk_is_lent(p, last + 1))
				last++;
			rheap_run_trim(hs, p, j, last, now);
			j = last + 1;
		}
	}
}

/* The earliest deadline of an idle chunk at an end of its run. */
static bool rheap_next_deadline(const struct rheap_heaps *hs, u64 *deadline)
{
	bool any = false;
	u32 i, j;

	for (i = 0; i < hs->pool_count; i++) {
		const struct rheap_pool *p = &hs->pools[i];

		for (j = 0; p->dynamic && j < p->chunk_count; j++) {
			const struct rheap_chunk *c = &p->chunks[j];
			u64 due;

			if (c->state != RHEAP_CHUNK_LENT || c->used_pages ||
			    rheap_chunk_splits(p, j))
				continue;
			if (check_add_overflow(c->idle_since_ns, hs->idle_ns,
					       &due))
				due = U64_MAX;
			if (!any || due < *deadline) {
				*deadline = due;
				any = true;
			}
		}
	}
	return any;
}

/* (Re)arm the idle work at the next deadline; lock held. */
static void rheap_idle_arm(struct rheap_heaps *hs)
{
	u64 deadline = 0;
	u64 now = ktime_get_ns();
	unsigned long delay = 0;

	if (!rheap_next_deadline(hs, &deadline))
		return;
	if (deadline > now)
		delay = nsecs_to_jiffies(deadline - now) + 1;
	mod_delayed_work(system_wq, &hs->idle_work, delay);
}

void rheap_pools_idle_work(struct work_struct *work)
{
	struct rheap_heaps *hs = container_of(to_delayed_work(work),
					      struct rheap_heaps, idle_work);

	mutex_lock(&hs->lock);
	rheap_tick(hs, ktime_get_ns());
	rheap_idle_arm(hs);
	mutex_unlock(&hs->lock);
}

/**
 * rheap_pools_shutdown() - give every idle lent chunk back (module exit)
 * @hs: the heaps; no buffer is live (each holds a module reference)
 */
void rheap_pools_shutdown(struct rheap_heaps *hs)
{
	u32 i, j;

	cancel_delayed_work_sync(&hs->idle_work);
	mutex_lock(&hs->lock);
	for (i = 0; i < hs->pool_count; i++) {
		struct rheap_pool *p = &hs->pools[i];

		for (j = 0; p->dynamic && j < p->chunk_count; j++) {
			if (p->chunks[j].state == RHEAP_CHUNK_LENT &&
			    !p->chunks[j].used_pages)
				rheap_chunk_release(hs, p, j);
		}
	}
	mutex_unlock(&hs->lock);
}

/* ---------------------------------------------------------------------- */
/* Set-up: the platform's pool table                                      */

/*
 * One entry of the `pools` table: "<s|d><use case>@<base>+<size>", e.g.
 * "d1@0x4000000+0x8000000" (dynamic, secure video, 128 MiB at 64 MiB).
 */
static int rheap_pool_parse(char *entry, bool *dynamic, u32 *use_case,
			    u64 *base, u64 *size)
{
	char *at = strchr(entry, '@');
	char *plus = strchr(entry, '+');
	int rc;

	if (!at || !plus || plus < at || at - entry != 2 ||
	    (entry[0] != 's' && entry[0] != 'd') || entry[1] < '1' ||
	    entry[1] > '3')
		return -EINVAL;
	*at = '\0';
	*plus = '\0';
	*dynamic = entry[0] == 'd';
	*use_case = entry[1] - '0';
	rc = kstrtou64(at + 1, 0, base);
	if (!rc)
		rc = kstrtou64(plus + 1, 0, size);
	return rc;
}

/* A static entry of the table: check it against GET_PROTMEM_CONFIG. */
static int rheap_pool_static_check(struct rheap_heaps *hs, u32 use_case,
				   u64 base, u64 size)
{
	u32 count = 0;
	u32 k;

	for (k = 0; k == 0 || k < count; k++) {
		u64 b = 0;
		u64 s = 0;
		int rc = rheap_sec_protmem_range(hs->sec, use_case, k, &count,
						 &b, &s);

		if (rc == -ENOENT)
			return -ENOENT;
		if (rc)
			return rc;
		if (b == base && s == size)
			return 0;
	}
	return -ENOENT;
}

static int rheap_pool_add(struct rheap_heaps *hs, u32 index, bool dynamic,
			  u32 use_case, u64 base, u64 size, u64 chunk_size)
{
	struct rheap_heap *heap = &hs->heaps[use_case - 1];
	struct rheap_pool *p = &hs->pools[hs->pool_count];
	u64 end;
	u32 i;

	if (!size || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) ||
	    check_add_overflow(base, size, &end) ||
	    size / RHEAP_PAGE_SIZE > U32_MAX)
		return -EINVAL;
	for (i = 0; i < hs->pool_count; i++) {
		const struct rheap_pool *q = &hs->pools[i];

		if (base < q->base + q->size && q->base < end)
			return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	p->heap = heap;
	p->index = index;
	p->dynamic = dynamic;
	p->base = base;
	p->size = size;
	p->page_count = size / RHEAP_PAGE_SIZE;
	p->busy = bitmap_zalloc(p->page_count, GFP_KERNEL);
	if (!p->busy)
		return -ENOMEM;
	if (!dynamic) {
		p->chunk_count = 1;
		p->buf_id = SDP_BUF_ID_STATIC_BIT | index;
	} else {
		u64 count;

		if (!pfn_valid(PHYS_PFN(base)) ||
		    !pfn_valid(PHYS_PFN(end - 1)) ||
		    page_zone(pfn_to_page(PHYS_PFN(base))) !=
			    page_zone(pfn_to_page(PHYS_PFN(end - 1)))) {
			pr_err("rheap: dynamic pool %pa+%#llx is not RAM of one zone\n",
			       &p->base, size);
			goto err_free;
		}
		p->cma = is_migrate_cma_page(pfn_to_page(PHYS_PFN(base)));
		p->chunk_size = min(chunk_size, size);
		count = div64_u64(size + p->chunk_size - 1, p->chunk_size);
		if (count > RHEAP_HEAP_MAX_CHUNKS)
			goto err_free;
		p->chunks = kcalloc(count, sizeof(*p->chunks), GFP_KERNEL);
		if (!p->chunks) {
			bitmap_free(p->busy);
			return -ENOMEM;
		}
		p->chunk_count = count;
		for (i = 0; i < count; i++) {
			u64 off = (u64)i * p->chunk_size;

			p->chunks[i].base = base + off;
			p->chunks[i].size = min(size - off, p->chunk_size);
		}
		/* Nothing is allocatable until a chunk is lent. */
		bitmap_fill(p->busy, p->page_count);
	}
	heap->capacity += size;
	hs->pool_count++;
	return 0;

err_free:
	bitmap_free(p->busy);
	return -EINVAL;
}

/*
 * The chunk size of @use_case's dynamic pools: @want rounded up to the
 * secure world's minimum chunk and alignment.
 */
static int rheap_chunk_size(struct rheap_heaps *hs, u32 use_case, u64 want,
			    u64 base, u64 *out)
{
	u64 min_chunk = 0;
	u64 align = 0;
	u32 pools = 0;
	int rc = rheap_sec_lend_config(hs->sec, use_case, &min_chunk, &align,
				       &pools);

	if (rc)
		return rc;
	if (!pools) {
		pr_warn("rheap: the secure world has no dynamic pool for use case %u\n",
			use_case);
		return -ENOENT;
	}
	if (!min_chunk || !align || min_chunk % RHEAP_PAGE_SIZE ||
	    align % RHEAP_PAGE_SIZE || min_chunk > SZ_1G || align > SZ_1G)
		return -EINVAL;
	want = roundup(roundup(want, min_chunk), align);
	if (want % min_chunk || base % align)
		return -EINVAL;
	*out = want;
	return 0;
}

/**
 * rheap_pools_init() - the pools of the platform's pool table
 * @hs:         the heaps (sec set, heaps named, lock initialised)
 * @table:      "<s|d><use case>@<base>+<size>,..." in platform order
 * @chunk_size: wanted dynamic chunk size (bytes)
 *
 * A static entry the secure world does not report (GET_PROTMEM_CONFIG)
 * and a dynamic entry of a use case without dynamic lending are skipped
 * with a warning, as rheapd does.
 *
 * Return: 0; -EINVAL malformed table; -ENOMEM; an errno.
 */
int rheap_pools_init(struct rheap_heaps *hs, const char *table,
		     u64 chunk_size)
{
	char *copy = kstrdup(table, GFP_KERNEL);
	char *cur = copy;
	char *entry;
	u32 index = 0;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	while ((entry = strsep(&cur, ",")) != NULL) {
		bool dynamic = false;
		u32 use_case = 0;
		u64 base = 0;
		u64 size = 0;
		u64 cs = 0;

		if (!*entry)
			continue;
		rc = rheap_pool_parse(entry, &dynamic, &use_case, &base, &size);
		if (rc) {
			pr_err("rheap: pools: entry %u malformed\n", index);
			goto out;
		}
		if (hs->pool_count == RHEAP_HEAP_MAX_POOLS) {
			rc = -ENOSPC;
			goto out;
		}
		if (dynamic) {
			rc = rheap_chunk_size(hs, use_case, chunk_size, base,
					      &cs);
		} else {
			rc = rheap_pool_static_check(hs, use_case, base, size);
		}
		if (rc == -ENOENT) {
			pr_warn("rheap: pool %u (%#llx+%#llx) not offered by the secure world: skipped\n",
				index, base, size);
			rc = 0;
			index++;
			continue;
		}
		if (!rc)
			rc = rheap_pool_add(hs, index, dynamic, use_case, base,
					    size, cs);
		if (rc) {
			pr_err("rheap: pool %u (%#llx+%#llx): %d\n", index,
			       base, size, rc);
			goto out;
		}
		index++;
	}
out:
	kfree(copy);
	if (rc)
		rheap_pools_fini(hs);
	return rc;
}

/**
 * rheap_pools_fini() - free the pools' memory (after shutdown)
 * @hs: the heaps
 */
void rheap_pools_fini(struct rheap_heaps *hs)
{
	u32 i;

	for (i = 0; i < hs->pool_count; i++) {
		bitmap_free(hs->pools[i].busy);
		kfree(hs->pools[i].chunks);
	}
	hs->pool_count = 0;
}
