// SPDX-License-Identifier: BSD-2-Clause
/*
 * Page-range allocator (see kalloc.h for the contract and the page life
 * cycle).
 *
 * Representation. Every extent the allocator knows is a `struct
 * kalloc_node`, kept in treaps (randomised balanced binary search trees;
 * expected depth O(log n), no rebalancing code to get wrong):
 *
 *   free_by_addr   FREE extents keyed by first page          (link ADDR)
 *   free_by_size   the same nodes keyed by (count, first)     (link SIZE)
 *   alloc_by_addr  ALLOCATED extents keyed by first page      (link ADDR)
 *
 * A page is UNAVAILABLE exactly when no node of either address tree covers
 * it, so "which pages were added and not removed" is the union of the two
 * address trees and needs no third index. Invariants, kept by every entry
 * point:
 *   - extents of one tree are disjoint; a FREE and an ALLOCATED extent
 *     never overlap;
 *   - FREE extents are maximal: no two are adjacent (add and free merge);
 *   - ALLOCATED extents are exactly what kalloc_alloc() handed out, one
 *     node each, so kalloc_free() can check the exact shape and reuse the
 *     node (free never allocates, hence never fails);
 *   - the counters equal the sums over the trees.
 *
 * All-or-nothing: every entry point validates and obtains the one node it
 * may need before it changes any tree.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rheap/err.h>

#include "kalloc.h"

#define KALLOC_MAX_PAGES (UINT64_C(1) << 40)

enum kalloc_link_id {
	LINK_ADDR = 0,
	LINK_SIZE = 1,
	LINK_COUNT = 2,
};

/* Sort key of a node in one tree: (hi, lo) compared lexicographically. */
struct kalloc_key {
	uint64_t hi;
	uint64_t lo;
};

struct kalloc_node {
	/** Children per tree ([0] left, [1] right); SIZE unused when ALLOCATED. */
	struct kalloc_node *child[LINK_COUNT][2];
	/** Treap priority (max-heap), shared by both trees of a node. */
	uint32_t prio;
	uint64_t first;
	/** Pages; never 0. */
	uint64_t count;
};

struct kalloc {
	/** Pages managed: [0, page_count). */
	uint64_t page_count;
	struct kalloc_node *free_by_addr;
	struct kalloc_node *free_by_size;
	struct kalloc_node *alloc_by_addr;
	/** Sum of counts in free_by_addr; free_extents its node count. */
	uint64_t free_pages;
	uint64_t free_extents;
	/** Sum of counts in alloc_by_addr. */
	uint64_t alloc_pages;
	/** xorshift32 state for priorities; fixed seed, so runs repeat. */
	uint32_t rng;
};

/* ------------------------------------------------------------------ */
/* Treap primitives                                                    */

static struct kalloc_key node_key(enum kalloc_link_id t,
				  const struct kalloc_node *n)
{
	struct kalloc_key k = { 0 };

	if (t == LINK_ADDR) {
		k.hi = n->first;
	} else {
		k.hi = n->count;
		k.lo = n->first;
	}
	return k;
}

static int key_cmp(struct kalloc_key a, struct kalloc_key b)
{
	if (a.hi != b.hi) {
		return a.hi < b.hi ? -1 : 1;
	}
	if (a.lo != b.lo) {
		return a.lo < b.lo ? -1 : 1;
	}
	return 0;
}

/* Nodes with key < @k go to *@l, the others to *@r. */
static void tr_split(enum kalloc_link_id t, struct kalloc_node *n,
		     struct kalloc_key k, struct kalloc_node **l,
		     struct kalloc_node **r)
{
	if (!n) {
		*l = NULL;
		*r = NULL;
		return;
	}
	if (key_cmp(node_key(t, n), k) < 0) {
		*l = n;
		tr_split(t, n->child[t][1], k, &n->child[t][1], r);
	} else {
		*r = n;
		tr_split(t, n->child[t][0], k, l, &n->child[t][0]);
	}
}

/* Every key of @l is below every key of @r. */
static struct kalloc_node *tr_merge(enum kalloc_link_id t,
				    struct kalloc_node *l,
				    struct kalloc_node *r)
{
	if (!l) {
		return r;
	}
	if (!r) {
		return l;
	}
	if (l->prio > r->prio) {
		l->child[t][1] = tr_merge(t, l->child[t][1], r);
		return l;
	}
	r->child[t][0] = tr_merge(t, l, r->child[t][0]);
	return r;
}

static void tr_insert(enum kalloc_link_id t, struct kalloc_node **root,
		      struct kalloc_node *n)
{
	struct kalloc_key k = node_key(t, n);

	while (*root && (*root)->prio >= n->prio) {
		root = &(*root)->child[t][key_cmp(k, node_key(t, *root)) > 0];
	}
	tr_split(t, *root, k, &n->child[t][0], &n->child[t][1]);
	*root = n;
}

/* @n must be in the tree, under its current key. */
static void tr_remove(enum kalloc_link_id t, struct kalloc_node **root,
		      struct kalloc_node *n)
{
	struct kalloc_key k = node_key(t, n);

	while (*root != n) {
		root = &(*root)->child[t][key_cmp(k, node_key(t, *root)) > 0];
	}
	*root = tr_merge(t, n->child[t][0], n->child[t][1]);
	n->child[t][0] = NULL;
	n->child[t][1] = NULL;
}

/* The node with the largest key <= @k, or NULL. */
static struct kalloc_node *tr_floor(enum kalloc_link_id t,
				    struct kalloc_node *n, struct kalloc_key k)
{
	struct kalloc_node *best = NULL;

	while (n) {
		if (key_cmp(node_key(t, n), k) <= 0) {
			best = n;
			n = n->child[t][1];
		} else {
			n = n->child[t][0];
		}
	}
	return best;
}

/* The node with the smallest key >= @k, or NULL. */
static struct kalloc_node *tr_ceil(enum kalloc_link_id t,
				   struct kalloc_node *n, struct kalloc_key k)
{
	struct kalloc_node *best = NULL;

	while (n) {
		if (key_cmp(node_key(t, n), k) >= 0) {
			best = n;
			n = n->child[t][0];
		} else {
			n = n->child[t][1];
		}
	}
	return best;
}

static struct kalloc_node *tr_max(enum kalloc_link_id t, struct kalloc_node *n)
{
	while (n && n->child[t][1]) {
		n = n->child[t][1];
	}
	return n;
}

static void tr_free_all(struct kalloc_node *n)
{
	while (n) {
		struct kalloc_node *right = n->child[LINK_ADDR][1];

		tr_free_all(n->child[LINK_ADDR][0]);
		free(n);
		n = right;
	}
}

static int tr_walk(const struct kalloc_node *n,
		   int (*fn)(void *ctx, const struct kalloc_extent *e),
		   void *ctx)
{
	while (n) {
		struct kalloc_extent e = { .first = n->first,
					   .count = n->count };
		int rc = tr_walk(n->child[LINK_ADDR][0], fn, ctx);

		if (rc) {
			return rc;
		}
		rc = fn(ctx, &e);
		if (rc) {
			return rc;
		}
		n = n->child[LINK_ADDR][1];
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static struct kalloc_key addr_key(uint64_t first)
{
	struct kalloc_key k = { .hi = first, .lo = 0 };

	return k;
}

static struct kalloc_node *node_new(struct kalloc *a, uint64_t first,
				    uint64_t count)
{
	struct kalloc_node *n = malloc(sizeof(*n));
	uint32_t x = a->rng;

	if (!n) {
		return NULL;
	}
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	a->rng = x;
	*n = (struct kalloc_node){ .prio = x, .first = first, .count = count };
	return n;
}

static bool range_valid(const struct kalloc *a, uint64_t first,
			uint64_t count)
{
	return count != 0 && first < a->page_count &&
	       count <= a->page_count - first;
}

/* Whether an extent of an address tree overlaps [first, first + count). */
static bool tree_overlaps(struct kalloc_node *root, uint64_t first,
			  uint64_t count)
{
	/* Extents are disjoint: only the last one starting in or before the
	 * range's last page can reach into it. */
	struct kalloc_node *n =
		tr_floor(LINK_ADDR, root, addr_key(first + count - 1));

	return n && n->first + n->count > first;
}

/* The FREE extent that contains the whole range, or NULL. */
static struct kalloc_node *free_covering(const struct kalloc *a,
					 uint64_t first, uint64_t count)
{
	struct kalloc_node *n = tr_floor(LINK_ADDR, a->free_by_addr,
					 addr_key(first));

	if (n && n->first + n->count >= first + count) {
		return n;
	}
	return NULL;
}

/* Re-key a FREE node in the size tree after its shape changed. */
static void free_reshape(struct kalloc *a, struct kalloc_node *n,
			 uint64_t first, uint64_t count)
{
	/* The address tree stays ordered: the new shape lies in the gap
	 * between the node's neighbours, so only the size tree re-keys. */
	tr_remove(LINK_SIZE, &a->free_by_size, n);
	n->first = first;
	n->count = count;
	tr_insert(LINK_SIZE, &a->free_by_size, n);
}

static void free_insert(struct kalloc *a, struct kalloc_node *n)
{
	tr_insert(LINK_ADDR, &a->free_by_addr, n);
	tr_insert(LINK_SIZE, &a->free_by_size, n);
	a->free_extents++;
}

static void free_unlink(struct kalloc *a, struct kalloc_node *n)
{
	tr_remove(LINK_ADDR, &a->free_by_addr, n);
	tr_remove(LINK_SIZE, &a->free_by_size, n);
	a->free_extents--;
}

/*
 * Make [first, first + count) FREE, merging with adjacent FREE extents.
 * @spare is a node for the range if it merges with nothing; it is consumed
 * (used or freed) on every path. The range must be UNAVAILABLE or just
 * unlinked from the ALLOCATED tree.
 */
static void free_join(struct kalloc *a, uint64_t first, uint64_t count,
		      struct kalloc_node *spare)
{
	uint64_t end = first + count;
	struct kalloc_node *left = NULL;
	struct kalloc_node *right = tr_ceil(LINK_ADDR, a->free_by_addr,
					    addr_key(end));

	if (first > 0) {
		left = tr_floor(LINK_ADDR, a->free_by_addr,
				addr_key(first - 1));
	}
	if (left && left->first + left->count != first) {
		left = NULL;
	}
	if (right && right->first != end) {
		right = NULL;
	}

	if (left && right) {
		uint64_t total = left->count + count + right->count;

		free_unlink(a, right);
		free(right);
		free_reshape(a, left, left->first, total);
		free(spare);
	} else if (left) {
		free_reshape(a, left, left->first, left->count + count);
		free(spare);
	} else if (right) {
		free_reshape(a, right, first, count + right->count);
		free(spare);
	} else {
		spare->first = first;
		spare->count = count;
		free_insert(a, spare);
	}
	a->free_pages += count;
}

/*
 * Allocate @take pages from the low end of FREE node @n. @spare is needed
 * (non-NULL) only when @take < @n->count; it is consumed on every path.
 */
static void free_take(struct kalloc *a, struct kalloc_node *n, uint64_t take,
		      struct kalloc_node *spare)
{
	if (take == n->count) {
		free_unlink(a, n);
		tr_insert(LINK_ADDR, &a->alloc_by_addr, n);
		free(spare);
	} else {
		spare->first = n->first;
		spare->count = take;
		free_reshape(a, n, n->first + take, n->count - take);
		tr_insert(LINK_ADDR, &a->alloc_by_addr, spare);
	}
	a->free_pages -= take;
	a->alloc_pages += take;
}

/*
 * Next FREE extent in gather order: count descending, first ascending
 * among equal counts. NULL after the last.
 */
static struct kalloc_node *gather_next(const struct kalloc *a,
				       const struct kalloc_node *n)
{
	struct kalloc_key k = { .hi = n->count, .lo = n->first + 1 };
	struct kalloc_node *next = tr_ceil(LINK_SIZE, a->free_by_size, k);

	if (next && next->count == n->count) {
		return next;
	}
	/* The group of equal counts is done: the lowest address of the
	 * next smaller count. */
	k.hi = n->count - 1;
	k.lo = UINT64_MAX;
	next = tr_floor(LINK_SIZE, a->free_by_size, k);
	if (!next) {
		return NULL;
	}
	k.hi = next->count;
	k.lo = 0;
	return tr_ceil(LINK_SIZE, a->free_by_size, k);
}

static struct kalloc_node *gather_first(const struct kalloc *a)
{
	struct kalloc_node *n = tr_max(LINK_SIZE, a->free_by_size);
	struct kalloc_key k = { 0 };

	if (!n) {
		return NULL;
	}
	k.hi = n->count;
	return tr_ceil(LINK_SIZE, a->free_by_size, k);
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

int kalloc_create(uint64_t page_count, struct kalloc **out)
{
	struct kalloc *a = NULL;

	if (page_count == 0 || page_count > KALLOC_MAX_PAGES) {
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		return -ENOMEM;
	}
	a->page_count = page_count;
	a->rng = 0x9e3779b9u;
	*out = a;
	return 0;
}

void kalloc_destroy(struct kalloc *a)
{
	if (!a) {
		return;
	}
	tr_free_all(a->free_by_addr);
	tr_free_all(a->alloc_by_addr);
	free(a);
}

int kalloc_add(struct kalloc *a, uint64_t first, uint64_t count)
{
	struct kalloc_node *spare = NULL;

	if (!range_valid(a, first, count) ||
	    tree_overlaps(a->free_by_addr, first, count) ||
	    tree_overlaps(a->alloc_by_addr, first, count)) {
		return -EINVAL;
	}
	/* Obtained up front, whether or not the range merges: the only
	 * failure then comes before any change. */
	spare = node_new(a, first, count);
	if (!spare) {
		return -ENOMEM;
	}
	free_join(a, first, count, spare);
	return 0;
}

int kalloc_remove(struct kalloc *a, uint64_t first, uint64_t count)
{
	struct kalloc_node *n = NULL;
	struct kalloc_node *tail = NULL;
	uint64_t end = first + count;
	uint64_t n_end = 0;

	if (!range_valid(a, first, count)) {
		return -EINVAL;
	}
	if (tree_overlaps(a->alloc_by_addr, first, count)) {
		return -EBUSY;
	}
	n = free_covering(a, first, count);
	if (!n) {
		return -EINVAL;
	}
	n_end = n->first + n->count;

	if (n->first == first && n_end == end) {
		free_unlink(a, n);
		free(n);
	} else if (n->first == first) {
		free_reshape(a, n, end, n_end - end);
	} else if (n_end == end) {
		free_reshape(a, n, n->first, first - n->first);
	} else {
		/* A hole in the middle splits the extent in two. */
		tail = node_new(a, end, n_end - end);
		if (!tail) {
			return -ENOMEM;
		}
		free_reshape(a, n, n->first, first - n->first);
		free_insert(a, tail);
	}
	a->free_pages -= count;
	return 0;
}

int kalloc_alloc(struct kalloc *a, uint64_t count, uint32_t max_extents,
		 struct kalloc_extent *out, uint32_t *n_out)
{
	struct kalloc_key k = { .hi = count, .lo = 0 };
	struct kalloc_node *n = NULL;
	struct kalloc_node *spare = NULL;
	uint64_t need = count;
	uint32_t taken = 0;

	if (count == 0 || max_extents == 0) {
		return -EINVAL;
	}
	if (count > a->free_pages) {
		return -ENOMEM;
	}

	/* 1. Best fit: smallest count >= request, lowest first among equals. */
	n = tr_ceil(LINK_SIZE, a->free_by_size, k);
	if (n) {
		if (n->count > count) {
			spare = node_new(a, 0, 0);
			if (!spare) {
				return -ENOMEM;
			}
		}
		out[0].first = n->first;
		out[0].count = count;
		free_take(a, n, count, spare);
		*n_out = 1;
		return 0;
	}
	if (max_extents == 1) {
		return -ENOMEM;
	}

	/* 2. Gather, largest first. A dry run decides; only then is @out
	 * written and the trees changed. No single extent holds the request,
	 * so all but the last are taken whole. */
	for (n = gather_first(a); n && need > 0 && taken < max_extents;
	     n = gather_next(a, n)) {
		uint64_t take = n->count < need ? n->count : need;

		if (take < n->count) {
			spare = node_new(a, 0, 0);
			if (!spare) {
				return -ENOMEM;
			}
		}
		need -= take;
		taken++;
	}
	if (need > 0) {
		return -ENOMEM;
	}
	need = count;
	taken = 0;
	for (n = gather_first(a); need > 0; n = gather_next(a, n)) {
		uint64_t take = n->count < need ? n->count : need;

		out[taken].first = n->first;
		out[taken].count = take;
		need -= take;
		taken++;
	}
	/* Re-find each node by address: taking one re-shapes the size tree
	 * the walk ran on. Only the last can be partial (and use @spare). */
	for (uint32_t i = 0; i < taken; i++) {
		n = free_covering(a, out[i].first, 1);
		free_take(a, n, out[i].count, i + 1 == taken ? spare : NULL);
	}
	*n_out = taken;
	return 0;
}

int kalloc_free(struct kalloc *a, uint64_t first, uint64_t count)
{
	struct kalloc_node *n = tr_floor(LINK_ADDR, a->alloc_by_addr,
					 addr_key(first));

	if (!n || n->first != first || n->count != count) {
		return -EINVAL;
	}
	tr_remove(LINK_ADDR, &a->alloc_by_addr, n);
	a->alloc_pages -= count;
	/* The ALLOCATED node becomes the FREE node (or is freed if the range
	 * merges): no allocation, so no failure. */
	free_join(a, first, count, n);
	return 0;
}

bool kalloc_range_is_free(const struct kalloc *a, uint64_t first,
			  uint64_t count)
{
	return range_valid(a, first, count) &&
	       free_covering(a, first, count) != NULL;
}

void kalloc_stats(const struct kalloc *a, struct kalloc_stats *out)
{
	const struct kalloc_node *big = tr_max(LINK_SIZE, a->free_by_size);

	out->free_pages = a->free_pages;
	out->free_extents = a->free_extents;
	out->largest_free = big ? big->count : 0;
	out->alloc_pages = a->alloc_pages;
}

int kalloc_for_each_free(const struct kalloc *a,
			 int (*fn)(void *ctx, const struct kalloc_extent *e),
			 void *ctx)
{
	return tr_walk(a->free_by_addr, fn, ctx);
}
