// SPDX-License-Identifier: BSD-2-Clause
/*
 * Heaps, pools, chunks and buffers (kheap.h has the contract and the life
 * cycles). Pure: every effect on the world goes through `struct kheap_ops`.
 *
 * Representation. Each pool has a kalloc over its pages (page 0 = the
 * pool's base). A static pool's pages are all added at creation; a
 * dynamic pool's pages are added chunk by chunk as chunks are lent, so
 * kalloc only ever hands out lent memory. Buffers are a doubly linked list
 * in allocation order (IDs grow, so the list is sorted by ID). Clients are
 * a small array; entry 0 is client 0 ("allocator gone", no quota).
 *
 * Invariants (kept at every return):
 *   - heap.used = sum of its live buffers' sizes; pool.used likewise;
 *     client.bytes likewise for the buffers charged to it;
 *   - chunk.used_pages = pages of live buffers and quarantined extents
 *     inside the chunk; a LENT chunk with used_pages 0 is idle since
 *     chunk.idle_since_ns;
 *   - kalloc FREE pages of a dynamic pool lie in LENT chunks only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/use_case.h>

#include "kalloc.h"
#include "kheap.h"

enum kheap_chunk_state {
	KHEAP_CHUNK_FREE = 0,
	KHEAP_CHUNK_LENT = 1,
};

struct kheap_chunk {
	uint64_t base; /* PA */
	uint64_t size; /* bytes; the pool's chunk size except maybe the last */
	enum kheap_chunk_state state;
	uint64_t handle;      /* FF-A handle while LENT */
	uint32_t sdp_buf_id;  /* SDP buffer ID while LENT */
	uint64_t used_pages;  /* allocated + quarantined pages in it */
	uint64_t idle_since_ns; /* LENT and used_pages == 0: since when */
};

struct kheap_pool {
	uint32_t heap_id;
	bool dynamic;
	uint64_t base;
	uint64_t size;
	uint64_t chunk_size;  /* 0 for static */
	uint32_t sdp_buf_id;  /* static pools only */
	struct kalloc *alloc; /* over size / page pages */
	struct kheap_chunk *chunks; /* dynamic only */
	uint32_t chunk_count;
	uint64_t used;        /* bytes of live buffers */
	uint64_t quarantined; /* bytes never reused */
};

struct kheap_heap {
	char name[KHEAP_HEAP_NAME_MAX];
	uint32_t use_case;
	uint64_t capacity;
	uint64_t used;
	uint64_t buffers;
	uint64_t alloc_failures;
};

struct kheap_client {
	uint32_t id;
	uint64_t quota;
	uint64_t buffers;
	uint64_t bytes;
};

struct kheap_buf {
	uint64_t id;
	uint32_t heap_id;
	uint32_t pool; /* UINT32_MAX: system */
	uint64_t size;
	uint32_t client;
	bool restricted;
	uint32_t refs[KHEAP_REF_COUNT];
	struct kalloc_extent *kext; /* pool pages, buffer order */
	struct kheap_extent *extents; /* same extents as PAs */
	uint32_t extent_count;
	struct kheap_piece *pieces;
	uint32_t *piece_ext; /* extent index of each piece */
	uint32_t piece_count;
	struct kheap_buf *prev;
	struct kheap_buf *next;
};

struct kheap {
	struct kheap_ops ops;
	struct kheap_cfg cfg;
	struct kheap_heap heaps[KHEAP_MAX_HEAPS];
	uint32_t heap_count;
	struct kheap_pool pools[KHEAP_MAX_POOLS];
	uint32_t pool_count;
	struct kheap_client *clients; /* [0] is client 0 */
	uint32_t client_count;
	uint32_t client_cap;
	struct kheap_buf *buf_head;
	struct kheap_buf *buf_tail;
	uint64_t next_buf_id;
	struct kheap_counters counters;
};

int kheap_create(const struct kheap_ops *ops, const struct kheap_cfg *cfg,
		 struct kheap **out)
{
	struct kheap *h = NULL;

	if (!ops || !cfg || !out || !ops->unmap || !ops->map || !ops->lend ||
	    !ops->reclaim || !ops->scrub) {
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		return -ENOMEM;
	}
	h->clients = calloc(4, sizeof(*h->clients));
	if (!h->clients) {
		free(h);
		return -ENOMEM;
	}
	h->client_cap = 4;
	h->client_count = 1; /* client 0 */
	h->ops = *ops;
	h->cfg = *cfg;
	h->next_buf_id = 1;
	*out = h;
	return 0;
}

static void kheap_buf_free_mem(struct kheap_buf *b)
{
	free(b->kext);
	free(b->extents);
	free(b->pieces);
	free(b->piece_ext);
	free(b);
}

void kheap_destroy(struct kheap *h)
{
	struct kheap_buf *b = NULL;
	struct kheap_buf *next = NULL;

	if (!h) {
		return;
	}
	for (b = h->buf_head; b; b = next) {
		next = b->next;
		kheap_buf_free_mem(b);
	}
	for (uint32_t i = 0; i < h->pool_count; i++) {
		kalloc_destroy(h->pools[i].alloc);
		free(h->pools[i].chunks);
	}
	free(h->clients);
	free(h);
}

/* ---------------------------------------------------------------------- */
/* Heaps                                                                   */

int kheap_heap_add(struct kheap *h, uint32_t use_case, uint32_t *heap_id)
{
	struct kheap_heap *heap = NULL;
	const char *uc = NULL;
	size_t len = 0;

	if (use_case != 0) {
		uc = rheap_use_case_name((enum rheap_use_case)use_case);
		if (!uc) {
			return -EINVAL;
		}
	}
	for (uint32_t i = 0; i < h->heap_count; i++) {
		if (h->heaps[i].use_case == use_case) {
			return -EINVAL;
		}
	}
	if (h->heap_count == KHEAP_MAX_HEAPS) {
		return -ENOSPC;
	}
	heap = &h->heaps[h->heap_count];
	memset(heap, 0, sizeof(*heap));
	heap->use_case = use_case;
	if (use_case == 0) {
		memcpy(heap->name, KHEAP_SYSTEM_HEAP_NAME,
		       sizeof(KHEAP_SYSTEM_HEAP_NAME));
	} else {
		len = strlen(uc);
		/* "protected," (10) + a use-case name always fits in 64. */
		memcpy(heap->name, "protected,", 10);
		memcpy(heap->name + 10, uc, len + 1);
	}
	*heap_id = h->heap_count;
	h->heap_count++;
	return 0;
}

uint32_t kheap_heap_count(const struct kheap *h)
{
	return h->heap_count;
}

int kheap_heap_find(const struct kheap *h, const char *name,
		    uint32_t *heap_id)
{
	for (uint32_t i = 0; i < h->heap_count; i++) {
		if (strcmp(h->heaps[i].name, name) == 0) {
			*heap_id = i;
			return 0;
		}
	}
	return -ENOENT;
}

int kheap_heap_info(const struct kheap *h, uint32_t heap_id,
		    struct kheap_heap_info *out)
{
	const struct kheap_heap *heap = NULL;

	if (heap_id >= h->heap_count) {
		return -ENOENT;
	}
	heap = &h->heaps[heap_id];
	memset(out, 0, sizeof(*out));
	memcpy(out->name, heap->name, sizeof(out->name));
	out->use_case = heap->use_case;
	out->restricted = heap->use_case != 0;
	out->capacity = heap->capacity;
	out->used = heap->used;
	out->buffers = heap->buffers;
	out->alloc_failures = heap->alloc_failures;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Pools                                                                   */

static int kheap_pool_check(const struct kheap *h, uint32_t heap_id,
			    uint64_t base, uint64_t size)
{
	uint64_t end = 0;

	if (heap_id >= h->heap_count) {
		return -ENOENT;
	}
	if (h->heaps[heap_id].use_case == 0) {
		return -EINVAL;
	}
	if (size == 0 || base % KHEAP_PAGE_SIZE != 0 ||
	    size % KHEAP_PAGE_SIZE != 0 ||
	    __builtin_add_overflow(base, size, &end)) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < h->pool_count; i++) {
		const struct kheap_pool *p = &h->pools[i];

		if (base < p->base + p->size && p->base < end) {
			return -EINVAL;
		}
	}
	if (h->pool_count == KHEAP_MAX_POOLS) {
		return -ENOSPC;
	}
	return 0;
}

int kheap_pool_add_static(struct kheap *h, uint32_t heap_id, uint64_t base,
			  uint64_t size, uint32_t sdp_buf_id)
{
	struct kheap_pool *p = NULL;
	struct kalloc *a = NULL;
	int rc = kheap_pool_check(h, heap_id, base, size);

	if (rc) {
		return rc;
	}
	rc = kalloc_create(size / KHEAP_PAGE_SIZE, &a);
	if (rc) {
		return rc;
	}
	rc = kalloc_add(a, 0, size / KHEAP_PAGE_SIZE);
	if (rc) {
		goto err_destroy;
	}
	p = &h->pools[h->pool_count];
	memset(p, 0, sizeof(*p));
	p->heap_id = heap_id;
	p->dynamic = false;
	p->base = base;
	p->size = size;
	p->sdp_buf_id = sdp_buf_id;
	p->alloc = a;
	p->chunk_count = 1;
	h->heaps[heap_id].capacity += size;
	h->pool_count++;
	return 0;

err_destroy:
	kalloc_destroy(a);
	return rc;
}

int kheap_pool_add_dynamic(struct kheap *h, uint32_t heap_id, uint64_t base,
			   uint64_t size, uint64_t chunk_size)
{
	struct kheap_pool *p = NULL;
	struct kalloc *a = NULL;
	struct kheap_chunk *chunks = NULL;
	uint64_t count = 0;
	int rc = kheap_pool_check(h, heap_id, base, size);

	if (rc) {
		return rc;
	}
	if (chunk_size == 0 || chunk_size % KHEAP_PAGE_SIZE != 0) {
		return -EINVAL;
	}
	if (chunk_size > size) {
		chunk_size = size;
	}
	count = size / chunk_size + (size % chunk_size != 0 ? 1 : 0);
	if (count > KHEAP_MAX_CHUNKS) {
		return -EINVAL;
	}
	chunks = calloc(count, sizeof(*chunks));
	if (!chunks) {
		return -ENOMEM;
	}
	rc = kalloc_create(size / KHEAP_PAGE_SIZE, &a);
	if (rc) {
		goto err_free_chunks;
	}
	for (uint64_t i = 0; i < count; i++) {
		uint64_t off = i * chunk_size;

		chunks[i].base = base + off;
		chunks[i].size = size - off < chunk_size ? size - off :
							   chunk_size;
		chunks[i].state = KHEAP_CHUNK_FREE;
	}
	p = &h->pools[h->pool_count];
	memset(p, 0, sizeof(*p));
	p->heap_id = heap_id;
	p->dynamic = true;
	p->base = base;
	p->size = size;
	p->chunk_size = chunk_size;
	p->alloc = a;
	p->chunks = chunks;
	p->chunk_count = (uint32_t)count;
	h->heaps[heap_id].capacity += size;
	h->pool_count++;
	return 0;

err_free_chunks:
	free(chunks);
	return rc;
}

uint32_t kheap_pool_count(const struct kheap *h)
{
	return h->pool_count;
}

struct kheap_free_walk {
	struct kalloc_extent *ext;
	size_t count;
	size_t cap;
	bool oom;
};

static int kheap_free_walk_fn(void *ctx, const struct kalloc_extent *e)
{
	struct kheap_free_walk *w = ctx;

	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct kalloc_extent *n = realloc(w->ext, cap * sizeof(*n));

		if (!n) {
			w->oom = true;
			return 1;
		}
		w->ext = n;
		w->cap = cap;
	}
	w->ext[w->count++] = *e;
	return 0;
}

/*
 * Largest run of pages that are FREE in kalloc or in an unlent chunk
 * slot: both lists are in address order; merge them, coalescing.
 */
static int kheap_pool_largest_free(const struct kheap_pool *p, uint64_t *out)
{
	struct kheap_free_walk w = { 0 };
	uint64_t best = 0;
	uint64_t run_start = 0;
	uint64_t run_end = 0;
	bool have = false;
	size_t i = 0;
	uint32_t c = 0;

	kalloc_for_each_free(p->alloc, kheap_free_walk_fn, &w);
	if (w.oom) {
		free(w.ext);
		return -ENOMEM;
	}
	for (;;) {
		uint64_t s = 0;
		uint64_t e = 0;

		while (p->dynamic && c < p->chunk_count &&
		       p->chunks[c].state != KHEAP_CHUNK_FREE) {
			c++;
		}
		if (i < w.count &&
		    (!p->dynamic || c >= p->chunk_count ||
		     w.ext[i].first * KHEAP_PAGE_SIZE <
			     p->chunks[c].base - p->base)) {
			s = w.ext[i].first * KHEAP_PAGE_SIZE;
			e = s + w.ext[i].count * KHEAP_PAGE_SIZE;
			i++;
		} else if (p->dynamic && c < p->chunk_count) {
			s = p->chunks[c].base - p->base;
			e = s + p->chunks[c].size;
			c++;
		} else {
			break;
		}
		if (have && s == run_end) {
			run_end = e;
		} else {
			run_start = s;
			run_end = e;
			have = true;
		}
		if (run_end - run_start > best) {
			best = run_end - run_start;
		}
	}
	free(w.ext);
	*out = best;
	return 0;
}

int kheap_pool_info(const struct kheap *h, uint32_t pool,
		    struct kheap_pool_info *out)
{
	const struct kheap_pool *p = NULL;
	bool prev_lent = false;
	int rc = 0;

	if (pool >= h->pool_count) {
		return -ENOENT;
	}
	p = &h->pools[pool];
	memset(out, 0, sizeof(*out));
	out->heap_id = p->heap_id;
	out->dynamic = p->dynamic;
	out->base = p->base;
	out->size = p->size;
	out->chunk_size = p->chunk_size;
	out->chunk_count = p->chunk_count;
	out->used = p->used;
	out->quarantined = p->quarantined;
	out->free = p->size - p->used - p->quarantined;
	rc = kheap_pool_largest_free(p, &out->largest_free);
	if (rc) {
		return rc;
	}
	if (!p->dynamic) {
		out->lent = p->size;
		out->regions_needed = 1;
		return 0;
	}
	for (uint32_t i = 0; i < p->chunk_count; i++) {
		bool lent = p->chunks[i].state == KHEAP_CHUNK_LENT;

		if (lent) {
			out->lent += p->chunks[i].size;
			if (!prev_lent) {
				out->regions_needed++;
			}
		}
		prev_lent = lent;
	}
	return 0;
}

int kheap_chunk_info(const struct kheap *h, uint32_t pool, uint32_t chunk,
		     uint64_t now_ns, struct kheap_chunk_info *out)
{
	const struct kheap_pool *p = NULL;
	const struct kheap_chunk *c = NULL;

	if (pool >= h->pool_count || chunk >= h->pools[pool].chunk_count) {
		return -ENOENT;
	}
	p = &h->pools[pool];
	memset(out, 0, sizeof(*out));
	if (!p->dynamic) {
		out->base = p->base;
		out->size = p->size;
		out->lent = true;
		out->used = p->used + p->quarantined;
		out->sdp_buf_id = p->sdp_buf_id;
		return 0;
	}
	c = &p->chunks[chunk];
	out->base = c->base;
	out->size = c->size;
	out->lent = c->state == KHEAP_CHUNK_LENT;
	out->used = c->used_pages * KHEAP_PAGE_SIZE;
	if (out->lent) {
		out->handle = c->handle;
		out->sdp_buf_id = c->sdp_buf_id;
		if (c->used_pages == 0 && now_ns > c->idle_since_ns) {
			out->idle_ms = (now_ns - c->idle_since_ns) / 1000000u;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Clients                                                                 */

static struct kheap_client *kheap_client_find(const struct kheap *h,
					      uint32_t client)
{
	for (uint32_t i = 0; i < h->client_count; i++) {
		if (h->clients[i].id == client) {
			return &h->clients[i];
		}
	}
	return NULL;
}

int kheap_client_add(struct kheap *h, uint32_t client, uint64_t quota)
{
	struct kheap_client *c = NULL;

	if (client == 0 || kheap_client_find(h, client)) {
		return -EINVAL;
	}
	if (h->client_count == h->client_cap) {
		uint32_t cap = h->client_cap * 2;

		c = realloc(h->clients, (size_t)cap * sizeof(*c));
		if (!c) {
			return -ENOMEM;
		}
		h->clients = c;
		h->client_cap = cap;
	}
	c = &h->clients[h->client_count];
	memset(c, 0, sizeof(*c));
	c->id = client;
	c->quota = quota;
	h->client_count++;
	return 0;
}

void kheap_client_remove(struct kheap *h, uint32_t client)
{
	struct kheap_client *c = NULL;
	struct kheap_client *zero = &h->clients[0];

	if (client == 0) {
		return;
	}
	c = kheap_client_find(h, client);
	if (!c) {
		return;
	}
	for (struct kheap_buf *b = h->buf_head; b; b = b->next) {
		if (b->client == client) {
			b->client = 0;
		}
	}
	zero->buffers += c->buffers;
	zero->bytes += c->bytes;
	*c = h->clients[h->client_count - 1];
	h->client_count--;
}

int kheap_client_info(const struct kheap *h, uint32_t client,
		      struct kheap_client_info *out)
{
	const struct kheap_client *c = kheap_client_find(h, client);

	if (!c) {
		return -ENOENT;
	}
	out->buffers = c->buffers;
	out->bytes = c->bytes;
	out->quota = c->quota;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Chunks                                                                  */

static uint32_t kheap_chunk_of(const struct kheap_pool *p, uint64_t off)
{
	return (uint32_t)(off / p->chunk_size);
}

/* Chunk @i of dynamic pool @p is LENT (false past the last slot). */
static bool kheap_chunk_is_lent(const struct kheap_pool *p, uint32_t i)
{
	return i < p->chunk_count && p->chunks[i].state == KHEAP_CHUNK_LENT;
}

/*
 * Giving chunk @i back would cut its run of LENT chunks in two (both
 * neighbours LENT): one more TZASC region (see kheap_tick()).
 */
static bool kheap_chunk_splits(const struct kheap_pool *p, uint32_t i)
{
	return i > 0 && kheap_chunk_is_lent(p, i - 1) &&
	       kheap_chunk_is_lent(p, i + 1);
}

/*
 * The FREE slot to lend next: one between two LENT slots, else one next
 * to a LENT slot, else the lowest; lowest address within a class.
 */
static int kheap_chunk_pick(const struct kheap_pool *p, uint32_t *out)
{
	int best_score = -1;

	for (uint32_t i = 0; i < p->chunk_count; i++) {
		int score = 0;

		if (p->chunks[i].state != KHEAP_CHUNK_FREE) {
			continue;
		}
		if (i > 0 && p->chunks[i - 1].state == KHEAP_CHUNK_LENT) {
			score++;
		}
		if (i + 1 < p->chunk_count &&
		    p->chunks[i + 1].state == KHEAP_CHUNK_LENT) {
			score++;
		}
		if (score > best_score) {
			best_score = score;
			*out = i;
		}
	}
	return best_score < 0 ? -ENOMEM : 0;
}

static int kheap_chunk_lend(struct kheap *h, struct kheap_pool *p,
			    uint32_t idx, uint64_t now_ns)
{
	struct kheap_chunk *c = &p->chunks[idx];
	uint32_t use_case = h->heaps[p->heap_id].use_case;
	uint64_t handle = 0;
	uint32_t sdp_buf_id = 0;
	int rc = h->ops.unmap(h->ops.ctx, c->base, c->size);

	if (rc) {
		return rc;
	}
	rc = h->ops.lend(h->ops.ctx, use_case, c->base, c->size, &handle,
			 &sdp_buf_id);
	if (rc) {
		goto err_map;
	}
	rc = kalloc_add(p->alloc, (c->base - p->base) / KHEAP_PAGE_SIZE,
			c->size / KHEAP_PAGE_SIZE);
	if (rc) {
		goto err_reclaim;
	}
	c->state = KHEAP_CHUNK_LENT;
	c->handle = handle;
	c->sdp_buf_id = sdp_buf_id;
	c->used_pages = 0;
	c->idle_since_ns = now_ns;
	h->counters.lends++;
	return 0;

err_reclaim:
	if (h->ops.reclaim(h->ops.ctx, handle) != 0) {
		/* Cannot get it back now: keep it as an idle LENT chunk
		 * with no free pages so nothing uses it; tick retries. */
		c->state = KHEAP_CHUNK_LENT;
		c->handle = handle;
		c->sdp_buf_id = sdp_buf_id;
		c->used_pages = 0;
		c->idle_since_ns = now_ns;
		h->counters.lends++;
		return rc;
	}
err_map:
	h->ops.map(h->ops.ctx, c->base, c->size);
	return rc;
}

/* Give a LENT chunk with no allocated page back. */
static int kheap_chunk_release(struct kheap *h, struct kheap_pool *p,
			       uint32_t idx)
{
	struct kheap_chunk *c = &p->chunks[idx];
	uint64_t first = (c->base - p->base) / KHEAP_PAGE_SIZE;
	uint64_t count = c->size / KHEAP_PAGE_SIZE;
	bool in_alloc = kalloc_range_is_free(p->alloc, first, count);
	int rc = 0;

	if (c->state != KHEAP_CHUNK_LENT || c->used_pages != 0) {
		return -EBUSY;
	}
	if (in_alloc) {
		rc = kalloc_remove(p->alloc, first, count);
		if (rc) {
			return rc;
		}
	}
	rc = h->ops.reclaim(h->ops.ctx, c->handle);
	if (rc) {
		if (in_alloc) {
			(void)kalloc_add(p->alloc, first, count);
		}
		return rc;
	}
	h->ops.map(h->ops.ctx, c->base, c->size);
	c->state = KHEAP_CHUNK_FREE;
	c->handle = 0;
	c->sdp_buf_id = 0;
	c->idle_since_ns = 0;
	h->counters.reclaims++;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Allocation                                                              */

/* Fill b->extents and b->pieces from b->kext. */
static int kheap_buf_describe(const struct kheap_pool *p, struct kheap_buf *b)
{
	uint32_t pieces = 0;

	b->extents = calloc(b->extent_count, sizeof(*b->extents));
	if (!b->extents) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < b->extent_count; i++) {
		uint64_t off = b->kext[i].first * KHEAP_PAGE_SIZE;
		uint64_t size = b->kext[i].count * KHEAP_PAGE_SIZE;

		b->extents[i].pa = p->base + off;
		b->extents[i].size = size;
		if (p->dynamic) {
			pieces += kheap_chunk_of(p, off + size - 1) -
				  kheap_chunk_of(p, off) + 1;
		} else {
			pieces++;
		}
	}
	b->pieces = calloc(pieces, sizeof(*b->pieces));
	b->piece_ext = calloc(pieces, sizeof(*b->piece_ext));
	if (!b->pieces || !b->piece_ext) {
		return -ENOMEM;
	}
	b->piece_count = 0;
	for (uint32_t i = 0; i < b->extent_count; i++) {
		uint64_t off = b->kext[i].first * KHEAP_PAGE_SIZE;
		uint64_t end = off + b->kext[i].count * KHEAP_PAGE_SIZE;

		while (off < end) {
			struct kheap_piece *pc = &b->pieces[b->piece_count];
			uint64_t stop = end;

			if (p->dynamic) {
				const struct kheap_chunk *c =
					&p->chunks[kheap_chunk_of(p, off)];
				uint64_t cend = c->base - p->base + c->size;

				stop = end < cend ? end : cend;
				pc->sdp_buf_id = c->sdp_buf_id;
				pc->offset = off - (c->base - p->base);
			} else {
				pc->sdp_buf_id = p->sdp_buf_id;
				pc->offset = off;
			}
			pc->size = stop - off;
			b->piece_ext[b->piece_count] = i;
			b->piece_count++;
			off = stop;
		}
	}
	return 0;
}

/* Add (+1) or remove (-1) a page range's pages to its chunks' usage. */
static void kheap_chunks_charge(struct kheap_pool *p,
				const struct kalloc_extent *e, bool add,
				uint64_t now_ns)
{
	uint64_t off = e->first * KHEAP_PAGE_SIZE;
	uint64_t end = off + e->count * KHEAP_PAGE_SIZE;

	if (!p->dynamic) {
		return;
	}
	while (off < end) {
		struct kheap_chunk *c = &p->chunks[kheap_chunk_of(p, off)];
		uint64_t cend = c->base - p->base + c->size;
		uint64_t stop = end < cend ? end : cend;
		uint64_t pages = (stop - off) / KHEAP_PAGE_SIZE;

		if (add) {
			c->used_pages += pages;
		} else {
			c->used_pages -= pages;
			if (c->used_pages == 0) {
				c->idle_since_ns = now_ns;
			}
		}
		off = stop;
	}
}

/* Try to carve @count pages from pool @p with at most @max_ext extents. */
static int kheap_pool_take(struct kheap_pool *p, uint64_t count,
			   uint32_t max_ext, struct kheap_buf *b,
			   uint64_t now_ns)
{
	struct kalloc_extent ext[KHEAP_BUF_MAX_EXTENTS];
	uint32_t n = 0;
	int rc = kalloc_alloc(p->alloc, count, max_ext, ext, &n);

	if (rc) {
		return rc;
	}
	b->kext = calloc(n, sizeof(*b->kext));
	if (!b->kext) {
		rc = -ENOMEM;
		goto err_free;
	}
	memcpy(b->kext, ext, n * sizeof(*ext));
	b->extent_count = n;
	rc = kheap_buf_describe(p, b);
	if (rc) {
		goto err_free;
	}
	for (uint32_t i = 0; i < n; i++) {
		kheap_chunks_charge(p, &ext[i], true, now_ns);
	}
	return 0;

err_free:
	for (uint32_t i = 0; i < n; i++) {
		(void)kalloc_free(p->alloc, ext[i].first, ext[i].count);
	}
	free(b->kext);
	free(b->extents);
	free(b->pieces);
	free(b->piece_ext);
	b->kext = NULL;
	b->extents = NULL;
	b->pieces = NULL;
	b->piece_ext = NULL;
	b->extent_count = 0;
	b->piece_count = 0;
	return rc;
}

static uint64_t kheap_pool_unlent(const struct kheap_pool *p)
{
	uint64_t bytes = 0;

	for (uint32_t i = 0; p->dynamic && i < p->chunk_count; i++) {
		if (p->chunks[i].state == KHEAP_CHUNK_FREE) {
			bytes += p->chunks[i].size;
		}
	}
	return bytes;
}

/*
 * Grow dynamic pool @p until @count pages can be taken; on failure give
 * back every chunk lent here.
 */
static int kheap_pool_grow_take(struct kheap *h, struct kheap_pool *p,
				uint64_t count, struct kheap_buf *b,
				uint64_t now_ns)
{
	struct kalloc_stats st = { 0 };
	uint32_t *grown = NULL; /* slots lent by this call, in order */
	uint32_t grown_count = 0;
	bool undo_clean = true;
	int rc = 0;

	kalloc_stats(p->alloc, &st);
	if (st.free_pages + kheap_pool_unlent(p) / KHEAP_PAGE_SIZE < count) {
		return -ENOMEM;
	}
	grown = calloc(p->chunk_count, sizeof(*grown));
	if (!grown) {
		return -ENOMEM;
	}
	for (;;) {
		uint32_t idx = 0;

		kalloc_stats(p->alloc, &st);
		if (st.free_pages >= count) {
			rc = kheap_pool_take(p, count, 1, b, now_ns);
			if (rc == -ENOMEM) {
				rc = kheap_pool_take(p, count,
						     KHEAP_BUF_MAX_EXTENTS, b,
						     now_ns);
			}
			if (rc != -ENOMEM) {
				break;
			}
		}
		rc = kheap_chunk_pick(p, &idx);
		if (rc) {
			break;
		}
		rc = kheap_chunk_lend(h, p, idx, now_ns);
		if (rc) {
			break;
		}
		grown[grown_count++] = idx;
	}
	/* Undo in reverse order, which restores the runs as they were. Once
	 * a reclaim has failed that chunk stays LENT (idle), and a chunk
	 * whose release would now cut a run in two stays too: kheap_tick()
	 * gives them back from the ends (no-split). */
	while (rc && grown_count > 0) {
		uint32_t idx = grown[--grown_count];

		if (!undo_clean && kheap_chunk_splits(p, idx)) {
			continue;
		}
		if (kheap_chunk_release(h, p, idx) != 0) {
			undo_clean = false;
		}
	}
	free(grown);
	return rc;
}

static int kheap_alloc_pages(struct kheap *h, uint32_t heap_id,
			     uint64_t count, struct kheap_buf *b,
			     uint64_t now_ns)
{
	static const uint32_t tries[2] = { 1, KHEAP_BUF_MAX_EXTENTS };
	int rc = -ENOMEM;

	for (uint32_t t = 0; t < 2; t++) {
		for (uint32_t i = 0; i < h->pool_count; i++) {
			struct kheap_pool *p = &h->pools[i];

			if (p->heap_id != heap_id) {
				continue;
			}
			rc = kheap_pool_take(p, count, tries[t], b, now_ns);
			if (rc == 0) {
				b->pool = i;
				return 0;
			}
			if (rc != -ENOMEM) {
				return rc;
			}
		}
	}
	for (uint32_t i = 0; i < h->pool_count; i++) {
		struct kheap_pool *p = &h->pools[i];

		if (p->heap_id != heap_id || !p->dynamic) {
			continue;
		}
		rc = kheap_pool_grow_take(h, p, count, b, now_ns);
		if (rc == 0) {
			b->pool = i;
			return 0;
		}
		if (rc != -ENOMEM) {
			return rc;
		}
	}
	return -ENOMEM;
}

int kheap_alloc(struct kheap *h, uint32_t heap_id, uint32_t client,
		uint64_t len, uint64_t now_ns, struct kheap_buf **out)
{
	struct kheap_heap *heap = NULL;
	struct kheap_client *c = NULL;
	struct kheap_buf *b = NULL;
	uint64_t size = 0;
	int rc = 0;

	if (heap_id >= h->heap_count) {
		return -ENOENT;
	}
	heap = &h->heaps[heap_id];
	c = kheap_client_find(h, client);
	if (!c) {
		rc = -ENOENT;
		goto err_count;
	}
	/* Linux: len = PAGE_ALIGN(len); if (!len) return -EINVAL. */
	if (len == 0 || len > UINT64_MAX - (KHEAP_PAGE_SIZE - 1)) {
		rc = -EINVAL;
		goto err_count;
	}
	size = (len + KHEAP_PAGE_SIZE - 1) & ~(uint64_t)(KHEAP_PAGE_SIZE - 1);
	if (c->quota != 0 && (size > c->quota || c->bytes > c->quota - size)) {
		rc = -ENOMEM;
		goto err_count;
	}
	if (heap->use_case != 0 && size > heap->capacity) {
		rc = -ENOMEM;
		goto err_count;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		rc = -ENOMEM;
		goto err_count;
	}
	b->heap_id = heap_id;
	b->pool = UINT32_MAX;
	b->size = size;
	b->client = client;
	b->restricted = heap->use_case != 0;
	if (b->restricted) {
		rc = kheap_alloc_pages(h, heap_id, size / KHEAP_PAGE_SIZE, b,
				       now_ns);
		if (rc) {
			goto err_free;
		}
		h->pools[b->pool].used += size;
	}
	b->id = h->next_buf_id++;
	b->refs[KHEAP_REF_HANDLE] = 1;
	b->prev = h->buf_tail;
	if (h->buf_tail) {
		h->buf_tail->next = b;
	} else {
		h->buf_head = b;
	}
	h->buf_tail = b;
	heap->used += size;
	heap->buffers++;
	c->buffers++;
	c->bytes += size;
	h->counters.allocs++;
	*out = b;
	return 0;

err_free:
	free(b);
err_count:
	heap->alloc_failures++;
	h->counters.alloc_failures++;
	return rc;
}

void kheap_buf_get(struct kheap_buf *buf, enum kheap_ref kind)
{
	buf->refs[kind]++;
}

/* The last reference went: scrub, free or quarantine, account, unlink. */
static void kheap_buf_release(struct kheap *h, struct kheap_buf *b,
			      uint64_t now_ns)
{
	struct kheap_heap *heap = &h->heaps[b->heap_id];
	struct kheap_client *c = kheap_client_find(h, b->client);

	if (b->pool != UINT32_MAX) {
		struct kheap_pool *p = &h->pools[b->pool];
		uint32_t pi = 0;

		for (uint32_t i = 0; i < b->extent_count; i++) {
			bool ok = true;
			uint64_t bytes = b->kext[i].count * KHEAP_PAGE_SIZE;

			for (; pi < b->piece_count && b->piece_ext[pi] == i;
			     pi++) {
				const struct kheap_piece *pc = &b->pieces[pi];

				if (!ok) {
					continue;
				}
				if (h->ops.scrub(h->ops.ctx, pc->sdp_buf_id,
						 pc->offset, pc->size) != 0) {
					ok = false;
				} else {
					h->counters.scrubbed_bytes += pc->size;
				}
			}
			if (ok) {
				(void)kalloc_free(p->alloc, b->kext[i].first,
						  b->kext[i].count);
				kheap_chunks_charge(p, &b->kext[i], false,
						    now_ns);
			} else {
				p->quarantined += bytes;
				h->counters.quarantined_bytes += bytes;
			}
		}
		p->used -= b->size;
	}
	heap->used -= b->size;
	heap->buffers--;
	if (c) {
		c->buffers--;
		c->bytes -= b->size;
	}
	h->counters.frees++;
	if (b->prev) {
		b->prev->next = b->next;
	} else {
		h->buf_head = b->next;
	}
	if (b->next) {
		b->next->prev = b->prev;
	} else {
		h->buf_tail = b->prev;
	}
	kheap_buf_free_mem(b);
}

bool kheap_buf_put(struct kheap *h, struct kheap_buf *buf, enum kheap_ref kind,
		   uint64_t now_ns)
{
	if (buf->refs[kind] > 0) {
		buf->refs[kind]--;
	}
	for (uint32_t i = 0; i < KHEAP_REF_COUNT; i++) {
		if (buf->refs[i] != 0) {
			return false;
		}
	}
	kheap_buf_release(h, buf, now_ns);
	return true;
}

void kheap_buf_info(const struct kheap_buf *buf, struct kheap_buf_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = buf->id;
	out->heap_id = buf->heap_id;
	out->pool = buf->pool;
	out->size = buf->size;
	out->client = buf->client;
	out->restricted = buf->restricted;
	memcpy(out->refs, buf->refs, sizeof(out->refs));
	out->extents = buf->extents;
	out->extent_count = buf->extent_count;
	out->pieces = buf->pieces;
	out->piece_count = buf->piece_count;
}

struct kheap_buf *kheap_buf_find(const struct kheap *h, uint64_t id)
{
	for (struct kheap_buf *b = h->buf_head; b; b = b->next) {
		if (b->id == id) {
			return b;
		}
	}
	return NULL;
}

struct kheap_buf *kheap_buf_next(const struct kheap *h,
				 const struct kheap_buf *prev)
{
	return prev ? prev->next : h->buf_head;
}

/* ---------------------------------------------------------------------- */
/* Idle release and shutdown                                               */

static bool kheap_chunk_due(const struct kheap *h, const struct kheap_chunk *c,
			    uint64_t now_ns)
{
	return c->state == KHEAP_CHUNK_LENT && c->used_pages == 0 &&
	       now_ns - c->idle_since_ns >= h->cfg.idle_release_ns &&
	       now_ns >= c->idle_since_ns;
}

/*
 * The no-split rule. The TZASC protects each maximal run of LENT chunks
 * of a pool with one region (adjacent lent ranges coalesce), so giving back
 * an idle chunk whose two neighbours are LENT cuts its run in two and costs
 * one more region; and the hole it leaves is the slot kheap_chunk_pick()
 * fills first on the next grow, so it also costs a LEND + RECLAIM round
 * for nothing. kheap_tick() therefore gives back due idle chunks only from
 * the ends of runs, inward: an idle chunk inside a run keeps idling (its
 * idle time still counts) and goes in the tick where every chunk between
 * it and an end of its run has gone. A grow lends next to the run (or the
 * lowest slot when none is lent), its undo after a failed reclaim keeps
 * any chunk whose release would split, and a tick only shortens a run from
 * its ends: so the lent chunks of a pool stay in one run, one TZASC
 * region, whatever fails (kheap_shutdown() aside: it gives back all).
 */

/*
 * Give back the due idle chunks of the run [first, last] from its ends
 * inward; each chunk is tried at most once per tick. A failed reclaim
 * leaves the chunk LENT, idle again from @now_ns (retried one idle period
 * later), and stops that side of the walk: the chunks behind it are no end.
 */
static uint32_t kheap_run_trim(struct kheap *h, struct kheap_pool *p,
			       uint32_t first, uint32_t last, uint64_t now_ns)
{
	uint32_t released = 0;
	uint32_t lo = first;
	uint32_t hi = last;

	while (lo <= hi && kheap_chunk_due(h, &p->chunks[lo], now_ns)) {
		if (kheap_chunk_release(h, p, lo) != 0) {
			p->chunks[lo].idle_since_ns = now_ns;
			break;
		}
		released++;
		lo++;
	}
	/* lo is kept (not due, or its reclaim failed) or past the run. */
	while (hi > lo && kheap_chunk_due(h, &p->chunks[hi], now_ns)) {
		if (kheap_chunk_release(h, p, hi) != 0) {
			p->chunks[hi].idle_since_ns = now_ns;
			break;
		}
		released++;
		hi--;
	}
	return released;
}

uint32_t kheap_tick(struct kheap *h, uint64_t now_ns)
{
	uint32_t released = 0;

	for (uint32_t i = 0; i < h->pool_count; i++) {
		struct kheap_pool *p = &h->pools[i];
		uint32_t j = 0;

		while (p->dynamic && j < p->chunk_count) {
			uint32_t last = j;

			if (!kheap_chunk_is_lent(p, j)) {
				j++;
				continue;
			}
			while (kheap_chunk_is_lent(p, last + 1)) {
				last++;
			}
			released += kheap_run_trim(h, p, j, last, now_ns);
			j = last + 1;
		}
	}
	return released;
}

/* When idle chunk @c is due, or false if it is not idle. */
static bool kheap_chunk_deadline(const struct kheap *h,
				 const struct kheap_chunk *c, uint64_t *due)
{
	if (c->state != KHEAP_CHUNK_LENT || c->used_pages != 0) {
		return false;
	}
	if (__builtin_add_overflow(c->idle_since_ns, h->cfg.idle_release_ns,
				   due)) {
		*due = UINT64_MAX;
	}
	return true;
}

bool kheap_next_deadline(const struct kheap *h, uint64_t *deadline_ns)
{
	bool any = false;

	for (uint32_t i = 0; i < h->pool_count; i++) {
		const struct kheap_pool *p = &h->pools[i];

		for (uint32_t j = 0; p->dynamic && j < p->chunk_count; j++) {
			uint64_t due = 0;

			/* Only the ends of runs can go next (no-split). */
			if (kheap_chunk_splits(p, j)) {
				continue;
			}
			if (!kheap_chunk_deadline(h, &p->chunks[j], &due)) {
				continue;
			}
			if (!any || due < *deadline_ns) {
				*deadline_ns = due;
				any = true;
			}
		}
	}
	return any;
}

int kheap_shutdown(struct kheap *h, uint64_t now_ns)
{
	int first_rc = 0;

	while (h->buf_head) {
		kheap_buf_release(h, h->buf_head, now_ns);
	}
	for (uint32_t i = 0; i < h->pool_count; i++) {
		struct kheap_pool *p = &h->pools[i];

		for (uint32_t j = 0; p->dynamic && j < p->chunk_count; j++) {
			int rc = 0;

			if (p->chunks[j].state != KHEAP_CHUNK_LENT ||
			    p->chunks[j].used_pages != 0) {
				continue;
			}
			rc = kheap_chunk_release(h, p, j);
			if (rc && first_rc == 0) {
				first_rc = rc;
			}
		}
	}
	return first_rc;
}

void kheap_counters(const struct kheap *h, struct kheap_counters *out)
{
	*out = h->counters;
}
