// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fragmentation benchmark: one seeded trace of 10^5 alloc/free operations
 * on a 256 MiB pool, replayed on
 *
 *   buddy        a binary buddy allocator written here (power-of-two
 *                blocks, split on alloc, merge with the buddy on free,
 *                LIFO free lists): the baseline;
 *   kalloc       src/kernel/kalloc over the whole pool, contiguous only
 *                (max_extents 1): the same service as the buddy;
 *   kalloc+chunks rheapd's chunk layer before the no-split rule,
 *                simulated here over kalloc: 16 MiB chunks lent on demand
 *                and given back as soon as they are empty; an allocation
 *                tries one extent, then up to 64 extents
 *                (KHEAP_BUF_MAX_EXTENTS), then lends one more chunk at a
 *                time (the free slot that keeps lent chunks in the fewest
 *                runs, lowest address among equals) until it fits; chunks
 *                lent for an allocation that still fails are given back;
 *   chunks,no-split the same, but an empty chunk is given back only when
 *                that does not cut a run of lent chunks in two (kheap's
 *                release rule since issue 4's no-split change);
 *   kheap        src/kernel/kheap itself: one dynamic pool, 16 MiB chunks,
 *                idle_release_ns 0 and kheap_tick() after every free, a
 *                secure world that always succeeds and costs nothing (it
 *                checks the simulation: the figures must match
 *                chunks,no-split, and the bench says whether they do).
 *
 * The trace: sizes 4 KiB..64 KiB (30%), 64 KiB..1 MiB (30%), 1..16 MiB
 * (20%, each class log-uniform in pages) and 4K NV12 frames, 3840x2160x1.5
 * bytes rounded up to pages (20%); a buffer lives a geometric number of
 * later allocations (mean 60, about 80% of the pool live in steady state).
 * An allocation that fails on one allocator is dropped from that
 * allocator's replay (its free is skipped).
 *
 * Figures per allocator: failures; peak pages held and peak requested;
 * internal waste (held - requested: the buddy's rounding); external
 * fragmentation 1 - largest_free / free, at the end and the maximum over
 * the run (taken only while at least one chunk, 16 MiB, is free), where
 * largest_free is the largest request the allocator could serve
 * contiguously (buddy: its largest free block; kalloc: its largest free
 * extent; with chunks, unlent chunks count as free); TZASC regions in use:
 * maximal runs of 16 MiB chunks that hold allocated pages (with chunks:
 * runs of lent chunks), at the end and the maximum; time per operation
 * (replay without the figures, p50 of interleaved rounds through
 * bench_harness, the buddy as baseline).
 *
 *   bench_frag [--quick]
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/use_case.h>

#include "kernel/kalloc.h"
#include "kernel/kheap.h"

#include "bench_harness.h"

#define POOL_PAGES 65536u /* 256 MiB */
#define POOL_ORDER 16u
#define CHUNK_PAGES 4096u /* 16 MiB */
#define CHUNK_COUNT (POOL_PAGES / CHUNK_PAGES)
#define TRACE_OPS 100000u
#define MEAN_LIFE 60.0
#define NV12_PAGES ((3840u * 2160u * 3u / 2u + 4095u) / 4096u)
#define SG_MAX 64u
#define TRACE_SEED UINT64_C(0x5eed0f4a11c0c8e5)

/* ------------------------------------------------------------------ */
/* The trace                                                           */

struct ev {
	uint32_t id;	 /* allocation number */
	uint32_t pages;	 /* for an alloc; 0 for a free */
};

struct trace {
	struct ev *ev;
	uint32_t ev_count;
	uint32_t id_count;	/* allocations */
	uint32_t *pages_of;	/* per id */
};

static uint64_t g_rng;

static uint64_t rnd64(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return g_rng;
}

static double rnd_unit(void)
{
	return (double)(rnd64() >> 11) / 9007199254740992.0;
}

static uint32_t log_uniform(uint32_t lo, uint32_t hi)
{
	double v = exp(log((double)lo) +
		       rnd_unit() * (log((double)hi) - log((double)lo)));
	uint32_t p = (uint32_t)v;

	return p < lo ? lo : p > hi ? hi : p;
}

static uint32_t trace_size(void)
{
	uint64_t k = rnd64() % 10;

	if (k < 3) {
		return log_uniform(1, 16);
	}
	if (k < 6) {
		return log_uniform(16, 256);
	}
	if (k < 8) {
		return log_uniform(256, 4096);
	}
	return NV12_PAGES;
}

/* Geometric: failures before the first success with p = 1 / MEAN_LIFE. */
static uint32_t trace_life(void)
{
	double u = rnd_unit();

	return 1 + (uint32_t)(log(1.0 - u) / log(1.0 - 1.0 / MEAN_LIFE));
}

static void trace_make(struct trace *t)
{
	/* Frees due at allocation number n: a bucket list per n. */
	uint32_t cap = TRACE_OPS;
	uint32_t *death = calloc(cap, sizeof(*death));
	uint32_t *head = malloc(cap * sizeof(*head));
	uint32_t *next = malloc(cap * sizeof(*next));
	uint32_t n = 0;

	t->ev = calloc(TRACE_OPS, sizeof(*t->ev));
	t->pages_of = calloc(cap, sizeof(*t->pages_of));
	if (!death || !head || !next || !t->ev || !t->pages_of) {
		fprintf(stderr, "bench_frag: out of memory\n");
		exit(1);
	}
	memset(head, 0xff, cap * sizeof(*head));
	g_rng = TRACE_SEED;
	t->ev_count = 0;
	for (n = 0; t->ev_count < TRACE_OPS; n++) {
		uint32_t life = trace_life();

		/* Frees due now, most recent allocation first. */
		for (uint32_t id = head[n]; id != UINT32_MAX &&
					    t->ev_count < TRACE_OPS;
		     id = next[id]) {
			t->ev[t->ev_count++] = (struct ev){ .id = id };
		}
		if (t->ev_count == TRACE_OPS) {
			break;
		}
		t->pages_of[n] = trace_size();
		t->ev[t->ev_count++] = (struct ev){
			.id = n, .pages = t->pages_of[n] };
		death[n] = n + life;
		if (death[n] < cap) {
			next[n] = head[death[n]];
			head[death[n]] = n;
		}
	}
	t->id_count = n;
	free(death);
	free(head);
	free(next);
}

/* ------------------------------------------------------------------ */
/* The buddy allocator                                                 */

struct buddy {
	/* Free lists per order, doubly linked through the block's page. */
	uint32_t head[POOL_ORDER + 1];
	uint32_t next[POOL_PAGES];
	uint32_t prev[POOL_PAGES];
	/* Order of the free block starting at a page, or -1. */
	int8_t free_order[POOL_PAGES];
	uint32_t free_count[POOL_ORDER + 1];
};

#define BUDDY_NONE UINT32_MAX

static void buddy_push(struct buddy *b, uint32_t p, uint32_t o)
{
	b->next[p] = b->head[o];
	b->prev[p] = BUDDY_NONE;
	if (b->head[o] != BUDDY_NONE) {
		b->prev[b->head[o]] = p;
	}
	b->head[o] = p;
	b->free_order[p] = (int8_t)o;
	b->free_count[o]++;
}

static void buddy_unlink(struct buddy *b, uint32_t p, uint32_t o)
{
	if (b->prev[p] != BUDDY_NONE) {
		b->next[b->prev[p]] = b->next[p];
	} else {
		b->head[o] = b->next[p];
	}
	if (b->next[p] != BUDDY_NONE) {
		b->prev[b->next[p]] = b->prev[p];
	}
	b->free_order[p] = -1;
	b->free_count[o]--;
}

static void buddy_init(struct buddy *b)
{
	for (uint32_t o = 0; o <= POOL_ORDER; o++) {
		b->head[o] = BUDDY_NONE;
		b->free_count[o] = 0;
	}
	memset(b->free_order, 0xff, sizeof(b->free_order));
	buddy_push(b, 0, POOL_ORDER);
}

static uint32_t order_of(uint32_t pages)
{
	uint32_t o = 0;

	while ((UINT32_C(1) << o) < pages) {
		o++;
	}
	return o;
}

/* Return: the first page, or BUDDY_NONE. */
static uint32_t buddy_alloc(struct buddy *b, uint32_t o)
{
	uint32_t k = o;
	uint32_t p = 0;

	while (k <= POOL_ORDER && b->head[k] == BUDDY_NONE) {
		k++;
	}
	if (k > POOL_ORDER) {
		return BUDDY_NONE;
	}
	p = b->head[k];
	buddy_unlink(b, p, k);
	while (k > o) {
		k--;
		buddy_push(b, p + (UINT32_C(1) << k), k);
	}
	return p;
}

static void buddy_free(struct buddy *b, uint32_t p, uint32_t o)
{
	while (o < POOL_ORDER) {
		uint32_t mate = p ^ (UINT32_C(1) << o);

		if (b->free_order[mate] != (int8_t)o) {
			break;
		}
		buddy_unlink(b, mate, o);
		p &= ~(UINT32_C(1) << o);
		o++;
	}
	buddy_push(b, p, o);
}

static uint32_t buddy_largest(const struct buddy *b)
{
	for (uint32_t o = POOL_ORDER + 1; o-- > 0;) {
		if (b->free_count[o]) {
			return UINT32_C(1) << o;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Replays                                                             */

enum kind {
	K_BUDDY = 0,
	K_KALLOC = 1,
	K_CHUNKS = 2,
	K_CHUNKS_EDGE = 3,
	K_KHEAP = 4,
	K_COUNT = 5,
};

static const char *const kind_name[K_COUNT] = {
	"buddy", "kalloc", "kalloc+chunks", "chunks,no-split", "kheap",
};

#define POOL_BASE UINT64_C(0x880000000)

static bool sim_chunks(enum kind k)
{
	return k == K_CHUNKS || k == K_CHUNKS_EDGE;
}

struct figures {
	uint32_t failures;
	uint64_t peak_held;
	uint64_t peak_requested;
	uint64_t peak_waste;
	uint64_t end_held;
	uint64_t end_waste;
	double frag_end;
	double frag_max;
	uint32_t regions_end;
	uint32_t regions_max;
	double regions_mean;
	uint32_t ops_over_4;	/* operations after which regions > 4 */
	uint32_t lends;
};

struct replay {
	enum kind kind;
	const struct trace *t;
	struct buddy *buddy;
	struct kalloc *ka;
	/* Per id: extents in ext[ext_off[id]..+ext_n[id]]; ext_n 0: failed. */
	uint32_t *ext_off;
	uint8_t *ext_n;
	struct kalloc_extent *ext;
	uint32_t ext_used;
	uint32_t ext_cap;
	/* Pages held per chunk (every kind: for the region count). */
	uint32_t chunk_used[CHUNK_COUNT];
	bool lent[CHUNK_COUNT];
	/* K_KHEAP: the real chunk layer, fake secure world, clock in ns. */
	struct kheap *kh;
	struct kheap_buf **bufs;
	uint32_t heap_id;
	uint64_t now_ns;
	uint64_t held;
	uint64_t requested;
	uint32_t failures;
	uint32_t lends;
};

static void replay_oom(void)
{
	fprintf(stderr, "bench_frag: out of memory\n");
	exit(1);
}

static void replay_note(struct replay *r, uint64_t first, uint64_t count,
			bool add)
{
	while (count > 0) {
		uint32_t c = (uint32_t)(first / CHUNK_PAGES);
		uint64_t end = (uint64_t)(c + 1) * CHUNK_PAGES;
		uint64_t take = end - first < count ? end - first : count;

		if (add) {
			r->chunk_used[c] += (uint32_t)take;
		} else {
			r->chunk_used[c] -= (uint32_t)take;
		}
		first += take;
		count -= take;
	}
}

static uint32_t chunk_runs(const struct replay *r)
{
	uint32_t runs = 0;

	if (r->kind == K_KHEAP) {
		struct kheap_pool_info pi;

		if (kheap_pool_info(r->kh, 0, &pi) != 0) {
			replay_oom();
		}
		return pi.regions_needed;
	}

	for (uint32_t c = 0; c < CHUNK_COUNT; c++) {
		bool in = sim_chunks(r->kind) ? r->lent[c] : r->chunk_used[c];
		bool before = c > 0 && (sim_chunks(r->kind) ?
						r->lent[c - 1] :
						r->chunk_used[c - 1] != 0);

		runs += in && !before;
	}
	return runs;
}

/* The free chunk slot that keeps lent chunks in the fewest runs. */
static int chunk_pick(const struct replay *r)
{
	int best = -1;
	int best_score = -1;

	for (uint32_t c = 0; c < CHUNK_COUNT; c++) {
		int score = 0;

		if (r->lent[c]) {
			continue;
		}
		score = (c > 0 && r->lent[c - 1]) +
			(c + 1 < CHUNK_COUNT && r->lent[c + 1]);
		if (score > best_score) {
			best = (int)c;
			best_score = score;
		}
	}
	return best;
}

/* The secure world kheap sees: every call succeeds, nothing is timed. */
static int fake_unmap(void *ctx, uint64_t pa, uint64_t size)
{
	(void)ctx;
	(void)pa;
	(void)size;
	return 0;
}

static void fake_map(void *ctx, uint64_t pa, uint64_t size)
{
	(void)ctx;
	(void)pa;
	(void)size;
}

static int fake_lend(void *ctx, uint32_t use_case, uint64_t pa, uint64_t size,
		     uint64_t *handle, uint32_t *sdp_buf_id)
{
	uint32_t *next = ctx;

	(void)use_case;
	(void)size;
	*handle = pa;
	*sdp_buf_id = ++*next;
	return 0;
}

static int fake_reclaim(void *ctx, uint64_t handle)
{
	(void)ctx;
	(void)handle;
	return 0;
}

static int fake_scrub(void *ctx, uint32_t sdp_buf_id, uint64_t offset,
		      uint64_t size)
{
	(void)ctx;
	(void)sdp_buf_id;
	(void)offset;
	(void)size;
	return 0;
}

static uint32_t g_sdp_ids;

static const struct kheap_ops fake_ops = {
	.ctx = &g_sdp_ids,
	.unmap = fake_unmap,
	.map = fake_map,
	.lend = fake_lend,
	.reclaim = fake_reclaim,
	.scrub = fake_scrub,
};


static void replay_start(struct replay *r, enum kind kind,
			 const struct trace *t)
{
	memset(r->chunk_used, 0, sizeof(r->chunk_used));
	memset(r->lent, 0, sizeof(r->lent));
	r->kind = kind;
	r->t = t;
	r->ext_used = 0;
	r->held = 0;
	r->requested = 0;
	r->failures = 0;
	r->lends = 0;
	memset(r->ext_n, 0, t->id_count);
	if (kind == K_BUDDY) {
		buddy_init(r->buddy);
		return;
	}
	if (kind == K_KHEAP) {
		struct kheap_cfg cfg = { .idle_release_ns = 0 };

		r->now_ns = 0;
		if (kheap_create(&fake_ops, &cfg, &r->kh) != 0 ||
		    kheap_heap_add(r->kh, RHEAP_USE_CASE_SECURE_VIDEO_RECORD,
				   &r->heap_id) != 0 ||
		    kheap_pool_add_dynamic(r->kh, r->heap_id, POOL_BASE,
					   (uint64_t)POOL_PAGES * 4096u,
					   (uint64_t)CHUNK_PAGES * 4096u) != 0) {
			replay_oom();
		}
		return;
	}
	if (kalloc_create(POOL_PAGES, &r->ka) != 0) {
		replay_oom();
	}
	if (kind == K_KALLOC && kalloc_add(r->ka, 0, POOL_PAGES) != 0) {
		replay_oom();
	}
}

static void replay_end(struct replay *r)
{
	if (r->kind == K_KHEAP) {
		kheap_shutdown(r->kh, ++r->now_ns);
		kheap_destroy(r->kh);
		r->kh = NULL;
	} else if (r->kind != K_BUDDY) {
		kalloc_destroy(r->ka);
		r->ka = NULL;
	}
}

static int chunks_alloc(struct replay *r, uint32_t pages,
			struct kalloc_extent *out, uint32_t *n_out)
{
	int added[CHUNK_COUNT] = { 0 };
	uint32_t added_count = 0;
	int rc = -ENOMEM;

	for (;;) {
		rc = kalloc_alloc(r->ka, pages, 1, out, n_out);
		if (rc == -ENOMEM) {
			rc = kalloc_alloc(r->ka, pages, SG_MAX, out, n_out);
		}
		if (rc != -ENOMEM) {
			break;
		}
		added[added_count] = chunk_pick(r);
		if (added[added_count] < 0) {
			break;
		}
		if (kalloc_add(r->ka, (uint64_t)added[added_count] *
					      CHUNK_PAGES,
			       CHUNK_PAGES) != 0) {
			replay_oom();
		}
		r->lent[added[added_count]] = true;
		r->lends++;
		added_count++;
	}
	if (rc != 0) {
		/* Give back what was lent for it: those chunks are empty. */
		while (added_count-- > 0) {
			if (kalloc_remove(r->ka, (uint64_t)added[added_count] *
							 CHUNK_PAGES,
					  CHUNK_PAGES) != 0) {
				replay_oom();
			}
			r->lent[added[added_count]] = false;
		}
	}
	return rc;
}

static void replay_alloc(struct replay *r, uint32_t id, uint32_t pages)
{
	struct kalloc_extent out[SG_MAX];
	uint32_t n_out = 0;
	int rc = 0;

	if (r->kind == K_BUDDY) {
		uint32_t o = order_of(pages);
		uint32_t p = buddy_alloc(r->buddy, o);

		if (p == BUDDY_NONE) {
			r->failures++;
			return;
		}
		out[0].first = p;
		out[0].count = UINT32_C(1) << o;
		n_out = 1;
	} else if (r->kind == K_KALLOC) {
		rc = kalloc_alloc(r->ka, pages, 1, out, &n_out);
	} else if (r->kind == K_KHEAP) {
		struct kheap_buf_info bi;

		rc = kheap_alloc(r->kh, r->heap_id, 0, (uint64_t)pages * 4096u,
				 ++r->now_ns, &r->bufs[id]);
		if (rc == 0) {
			kheap_buf_info(r->bufs[id], &bi);
			n_out = bi.extent_count;
			for (uint32_t i = 0; i < n_out; i++) {
				out[i].first = (bi.extents[i].pa - POOL_BASE) /
					       4096u;
				out[i].count = bi.extents[i].size / 4096u;
			}
		}
	} else {
		rc = chunks_alloc(r, pages, out, &n_out);
	}
	if (rc != 0) {
		r->failures++;
		return;
	}
	if (r->ext_used + n_out > r->ext_cap) {
		r->ext_cap = 2 * (r->ext_cap + n_out);
		r->ext = realloc(r->ext, r->ext_cap * sizeof(*r->ext));
		if (!r->ext) {
			replay_oom();
		}
	}
	r->ext_off[id] = r->ext_used;
	r->ext_n[id] = (uint8_t)n_out;
	for (uint32_t i = 0; i < n_out; i++) {
		r->ext[r->ext_used++] = out[i];
		r->held += out[i].count;
		replay_note(r, out[i].first, out[i].count, true);
	}
	r->requested += pages;
}

static void replay_free(struct replay *r, uint32_t id)
{
	const struct kalloc_extent *e = &r->ext[r->ext_off[id]];

	if (r->ext_n[id] == 0) {
		return; /* its allocation failed */
	}
	if (r->kind == K_KHEAP) {
		kheap_buf_put(r->kh, r->bufs[id], KHEAP_REF_HANDLE,
			      ++r->now_ns);
		kheap_tick(r->kh, r->now_ns);
	}
	for (uint32_t i = 0; i < r->ext_n[id]; i++) {
		if (r->kind == K_KHEAP) {
			/* Freed above, as one buffer. */
		} else if (r->kind == K_BUDDY) {
			buddy_free(r->buddy, (uint32_t)e[i].first,
				   order_of((uint32_t)e[i].count));
		} else if (kalloc_free(r->ka, e[i].first, e[i].count) != 0) {
			fprintf(stderr, "bench_frag: kalloc_free refused\n");
			exit(1);
		}
		r->held -= e[i].count;
		replay_note(r, e[i].first, e[i].count, false);
	}
	r->requested -= r->t->pages_of[id];
	r->ext_n[id] = 0;
	if (!sim_chunks(r->kind)) {
		return;
	}
	/* Chunks go back as soon as they are empty; no-split: only when that
	 * does not cut a run of lent chunks in two (a kept one goes when a
	 * neighbour has gone, hence the walk down after the walk up). */
	for (uint32_t j = 0; j < 2 * CHUNK_COUNT; j++) {
		uint32_t i = j < CHUNK_COUNT ? j : 2 * CHUNK_COUNT - 1 - j;
		bool splits = i > 0 && i + 1 < CHUNK_COUNT && r->lent[i - 1] &&
			      r->lent[i + 1];

		if (r->kind == K_CHUNKS_EDGE && splits) {
			continue;
		}
		if (r->lent[i] && r->chunk_used[i] == 0) {
			if (kalloc_remove(r->ka, (uint64_t)i * CHUNK_PAGES,
					  CHUNK_PAGES) != 0) {
				fprintf(stderr, "bench_frag: empty chunk %u "
						"not free\n", i);
				exit(1);
			}
			r->lent[i] = false;
		}
	}
}

static void replay_step(struct replay *r, const struct ev *ev)
{
	if (ev->pages) {
		replay_alloc(r, ev->id, ev->pages);
	} else {
		replay_free(r, ev->id);
	}
}

/* Largest run of free pages, unlent chunks counting as free. */
struct walk {
	const struct replay *r;
	uint64_t run_first;
	uint64_t run_count;
	uint64_t best;
	uint32_t next_chunk;
};

static void walk_join(struct walk *w, uint64_t first, uint64_t count)
{
	if (w->run_count && w->run_first + w->run_count == first) {
		w->run_count += count;
	} else {
		w->run_first = first;
		w->run_count = count;
	}
	w->best = w->run_count > w->best ? w->run_count : w->best;
}

/* Unlent chunks before @limit, in address order. */
static void walk_chunks(struct walk *w, uint64_t limit)
{
	while (w->next_chunk < CHUNK_COUNT &&
	       (uint64_t)w->next_chunk * CHUNK_PAGES < limit) {
		if (!w->r->lent[w->next_chunk]) {
			walk_join(w, (uint64_t)w->next_chunk * CHUNK_PAGES,
				  CHUNK_PAGES);
		}
		w->next_chunk++;
	}
}

static int walk_cb(void *ctx, const struct kalloc_extent *e)
{
	struct walk *w = ctx;

	walk_chunks(w, e->first + 1);
	walk_join(w, e->first, e->count);
	return 0;
}

static uint64_t largest_free(const struct replay *r)
{
	struct kalloc_stats st = { 0 };
	struct walk w = { .r = r };

	if (r->kind == K_BUDDY) {
		return buddy_largest(r->buddy);
	}
	if (r->kind == K_KHEAP) {
		struct kheap_pool_info pi;

		if (kheap_pool_info(r->kh, 0, &pi) != 0) {
			replay_oom();
		}
		return pi.largest_free / 4096u;
	}
	if (r->kind == K_KALLOC) {
		kalloc_stats(r->ka, &st);
		return st.largest_free;
	}
	kalloc_for_each_free(r->ka, walk_cb, &w);
	walk_chunks(&w, POOL_PAGES);
	return w.best;
}

static void replay_figures(struct replay *r, struct figures *f)
{
	memset(f, 0, sizeof(*f));
	for (uint32_t i = 0; i < r->t->ev_count; i++) {
		uint64_t free_pages = 0;
		uint32_t runs = 0;
		double frag = 0.0;

		replay_step(r, &r->t->ev[i]);
		free_pages = POOL_PAGES - r->held;
		if (r->held > f->peak_held) {
			f->peak_held = r->held;
		}
		if (r->requested > f->peak_requested) {
			f->peak_requested = r->requested;
		}
		if (r->held - r->requested > f->peak_waste) {
			f->peak_waste = r->held - r->requested;
		}
		if (free_pages >= CHUNK_PAGES) {
			frag = 1.0 - (double)largest_free(r) /
					     (double)free_pages;
			f->frag_max = frag > f->frag_max ? frag : f->frag_max;
		}
		runs = chunk_runs(r);
		f->regions_max = runs > f->regions_max ? runs : f->regions_max;
		f->regions_mean += runs;
		f->ops_over_4 += runs > 4;
	}
	f->regions_mean /= r->t->ev_count;
	f->failures = r->failures;
	f->end_held = r->held;
	f->end_waste = r->held - r->requested;
	f->frag_end = POOL_PAGES - r->held ?
			      1.0 - (double)largest_free(r) /
					    (double)(POOL_PAGES - r->held) :
			      0.0;
	f->regions_end = chunk_runs(r);
	f->lends = r->lends;
	if (r->kind == K_KHEAP) {
		struct kheap_counters kc;

		kheap_counters(r->kh, &kc);
		f->lends = (uint32_t)kc.lends;
	}
}

/* ------------------------------------------------------------------ */
/* Timing                                                              */

static int run_replay(void *ctx)
{
	struct replay *r = ctx;

	replay_start(r, r->kind, r->t);
	for (uint32_t i = 0; i < r->t->ev_count; i++) {
		replay_step(r, &r->t->ev[i]);
	}
	replay_end(r);
	return 0;
}

static void replay_init(struct replay *r, const struct trace *t)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->buddy = malloc(sizeof(*r->buddy));
	r->ext_off = calloc(t->id_count, sizeof(*r->ext_off));
	r->ext_n = calloc(t->id_count, 1);
	r->bufs = calloc(t->id_count, sizeof(*r->bufs));
	if (!r->buddy || !r->ext_off || !r->ext_n || !r->bufs) {
		replay_oom();
	}
}

static void replay_fini(struct replay *r)
{
	free(r->buddy);
	free(r->ext_off);
	free(r->ext_n);
	free(r->bufs);
	free(r->ext);
}

/* Every figure but time equal (same trace, same decisions). */
static bool figures_same(const struct figures *a, const struct figures *b)
{
	return a->failures == b->failures && a->peak_held == b->peak_held &&
	       a->peak_requested == b->peak_requested &&
	       a->end_held == b->end_held &&
	       a->regions_end == b->regions_end &&
	       a->regions_max == b->regions_max &&
	       a->ops_over_4 == b->ops_over_4 && a->lends == b->lends &&
	       a->frag_end == b->frag_end && a->frag_max == b->frag_max &&
	       a->regions_mean == b->regions_mean;
}

static double mib(uint64_t pages)
{
	return (double)pages * 4096.0 / 1048576.0;
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	unsigned int rounds = quick ? 3 : 21;
	struct trace t = { 0 };
	struct replay r[K_COUNT];
	struct figures f[K_COUNT];
	struct bench_variant v[K_COUNT];
	double p50[K_COUNT] = { 0 };
	uint32_t allocs = 0;
	uint64_t pages_sum = 0;

	trace_make(&t);
	for (uint32_t i = 0; i < t.ev_count; i++) {
		allocs += t.ev[i].pages != 0;
		pages_sum += t.ev[i].pages;
	}
	printf("trace: %u operations (%u allocs, %u frees), seed 0x%llx, "
	       "mean request %.2f MiB, NV12 frame %u pages; pool %u MiB, "
	       "chunks %u MiB\n",
	       t.ev_count, allocs, t.ev_count - allocs,
	       (unsigned long long)TRACE_SEED,
	       mib(pages_sum) / (double)allocs, NV12_PAGES,
	       POOL_PAGES / 256u, CHUNK_PAGES / 256u);

	for (int k = 0; k < K_COUNT; k++) {
		replay_init(&r[k], &t);
		replay_start(&r[k], (enum kind)k, &t);
		replay_figures(&r[k], &f[k]);
		replay_end(&r[k]);
		v[k] = (struct bench_variant){ .name = kind_name[k],
					       .run = run_replay,
					       .ctx = &r[k] };
	}
	bench_measure(v, K_COUNT, rounds, p50);

	printf("%-15s %8s %10s %10s %10s %9s %9s %6s %6s %7s %7s %6s %9s "
	       "%7s\n",
	       "allocator", "failures", "peak held", "peak req", "peak waste",
	       "frag end", "frag max", "TZ end", "TZ max", "TZ mean", "ops >4",
	       "lends", "ns/op", "x buddy");
	for (int k = 0; k < K_COUNT; k++) {
		double ns = p50[k] / (double)t.ev_count;

		printf("%-15s %8u %6.1f MiB %6.1f MiB %6.1f MiB %9.3f %9.3f "
		       "%6u %6u %7.2f %7u %6u %9.1f %7.2f\n",
		       kind_name[k], f[k].failures, mib(f[k].peak_held),
		       mib(f[k].peak_requested), mib(f[k].peak_waste),
		       f[k].frag_end, f[k].frag_max, f[k].regions_end,
		       f[k].regions_max, f[k].regions_mean, f[k].ops_over_4,
		       f[k].lends, ns, p50[k] / p50[K_BUDDY]);
	}
	printf("ratios kalloc/buddy: failures %.3f, peak held %.3f, "
	       "frag max %.3f, time %.2f\n",
	       f[K_BUDDY].failures ?
		       (double)f[K_KALLOC].failures / f[K_BUDDY].failures :
		       0.0,
	       (double)f[K_KALLOC].peak_held / (double)f[K_BUDDY].peak_held,
	       f[K_BUDDY].frag_max > 0 ?
		       f[K_KALLOC].frag_max / f[K_BUDDY].frag_max :
		       0.0,
	       p50[K_KALLOC] / p50[K_BUDDY]);
	printf("kheap against its simulation (chunks,no-split): %s\n",
	       figures_same(&f[K_KHEAP], &f[K_CHUNKS_EDGE]) ?
		       "same figures" :
		       "DIFFERENT figures");
	for (int k = K_CHUNKS; k < K_COUNT; k++) {
		printf("TZASC regions, %s: max %u (goal <= 4): %s\n",
		       kind_name[k], f[k].regions_max,
		       f[k].regions_max <= 4 ? "met" : "NOT met");
	}
	for (int k = 0; k < K_COUNT; k++) {
		replay_fini(&r[k]);
	}
	free(t.ev);
	free(t.pages_of);
	return 0;
}
