// SPDX-License-Identifier: BSD-2-Clause
/*
 * kalloc tests: table-driven operation sequences with exact errnos (every
 * step re-checks the allocator against its own walk, and a refused step
 * must change nothing), placement policy (best fit, lowest address among
 * equals, largest-first gathering, max_extents), node-allocation failure
 * injected through --wrap=malloc, and a seeded 10^5-operation differential
 * test against a page-array reference model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "kernel/kalloc.h"

/* ------------------------------------------------------------------ */
/* Allocation failure injection                                        */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);

static bool g_fail_alloc;

void *__wrap_malloc(size_t size)
{
	if (g_fail_alloc) {
		return NULL;
	}
	return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (g_fail_alloc) {
		return NULL;
	}
	return __real_calloc(n, size);
}

/* ------------------------------------------------------------------ */
/* Snapshots: the free extents and stats, to prove "nothing changed"   */

#define SNAP_MAX 1024

struct snap {
	struct kalloc_stats st;
	uint32_t n;
	struct kalloc_extent e[SNAP_MAX];
};

static int snap_cb(void *ctx, const struct kalloc_extent *e)
{
	struct snap *s = ctx;

	if (s->n == SNAP_MAX) {
		return -ENOSPC;
	}
	s->e[s->n++] = *e;
	return 0;
}

/* Takes a snapshot and checks the stats against the walk. */
static void snap_take(const struct kalloc *a, struct snap *s)
{
	uint64_t sum = 0;
	uint64_t big = 0;

	s->n = 0;
	kalloc_stats(a, &s->st);
	assert_int_equal(kalloc_for_each_free(a, snap_cb, s), 0);
	for (uint32_t i = 0; i < s->n; i++) {
		assert_true(s->e[i].count > 0);
		if (i > 0) {
			/* Address order, maximal (never adjacent). */
			assert_true(s->e[i - 1].first + s->e[i - 1].count <
				    s->e[i].first);
		}
		sum += s->e[i].count;
		big = s->e[i].count > big ? s->e[i].count : big;
	}
	assert_int_equal(s->st.free_pages, sum);
	assert_int_equal(s->st.free_extents, s->n);
	assert_int_equal(s->st.largest_free, big);
}

static void snap_assert_eq(const struct snap *x, const struct snap *y)
{
	assert_int_equal(x->st.free_pages, y->st.free_pages);
	assert_int_equal(x->st.free_extents, y->st.free_extents);
	assert_int_equal(x->st.largest_free, y->st.largest_free);
	assert_int_equal(x->st.alloc_pages, y->st.alloc_pages);
	assert_int_equal(x->n, y->n);
	for (uint32_t i = 0; i < x->n; i++) {
		assert_int_equal(x->e[i].first, y->e[i].first);
		assert_int_equal(x->e[i].count, y->e[i].count);
	}
}

/* ------------------------------------------------------------------ */
/* Table-driven sequences                                              */

enum op_kind {
	OP_END = 0,
	OP_ADD,
	OP_REMOVE,
	OP_ALLOC, /* a = count, b = max_extents, first = first of out[0] */
	OP_FREE,
};

struct op {
	enum op_kind kind;
	uint64_t a;
	uint64_t b;
	int want;
	uint64_t first;
};

#define SEQ_MAX 12

struct seq_case {
	const char *name;
	uint64_t pages;
	struct op ops[SEQ_MAX];
};

#define BIG UINT64_MAX

static const struct seq_case seq_cases[] = {
	{ "ok_add_alloc_free_remove", 64, {
		{ OP_ADD, 0, 64, 0, 0 },
		{ OP_ALLOC, 4, 1, 0, 0 },
		{ OP_FREE, 0, 4, 0, 0 },
		{ OP_REMOVE, 0, 64, 0, 0 },
	} },
	{ "rej_add_of_available", 64, {
		{ OP_ADD, 8, 8, 0, 0 },
		{ OP_ADD, 8, 8, -EINVAL, 0 },
		{ OP_ADD, 0, 9, -EINVAL, 0 },
		{ OP_ADD, 15, 4, -EINVAL, 0 },
		{ OP_ADD, 0, 64, -EINVAL, 0 },
		{ OP_ADD, 0, 8, 0, 0 },
		{ OP_ADD, 16, 8, 0, 0 },
	} },
	{ "rej_add_of_allocated", 64, {
		{ OP_ADD, 0, 8, 0, 0 },
		{ OP_ALLOC, 8, 1, 0, 0 },
		{ OP_ADD, 7, 1, -EINVAL, 0 },
		{ OP_ADD, 0, 1, -EINVAL, 0 },
		{ OP_ADD, 6, 4, -EINVAL, 0 },
		{ OP_ADD, 8, 4, 0, 0 },
	} },
	{ "rej_ranges_past_the_end", 64, {
		{ OP_ADD, 64, 1, -EINVAL, 0 },
		{ OP_ADD, 60, 5, -EINVAL, 0 },
		{ OP_ADD, 0, 65, -EINVAL, 0 },
		{ OP_ADD, 60, 4, 0, 0 },
		{ OP_REMOVE, 60, 5, -EINVAL, 0 },
		{ OP_REMOVE, 64, 1, -EINVAL, 0 },
		{ OP_FREE, 64, 1, -EINVAL, 0 },
	} },
	{ "rej_overflow_of_first_plus_count", 64, {
		{ OP_ADD, BIG - 1, 4, -EINVAL, 0 },
		{ OP_ADD, 1, BIG, -EINVAL, 0 },
		{ OP_ADD, 0, 64, 0, 0 },
		{ OP_REMOVE, 4, BIG - 2, -EINVAL, 0 },
		{ OP_REMOVE, BIG, 2, -EINVAL, 0 },
		{ OP_FREE, BIG, 2, -EINVAL, 0 },
		{ OP_ALLOC, BIG, 4, -ENOMEM, 0 },
	} },
	{ "rej_count_zero", 64, {
		{ OP_ADD, 0, 0, -EINVAL, 0 },
		{ OP_ADD, 0, 64, 0, 0 },
		{ OP_REMOVE, 0, 0, -EINVAL, 0 },
		{ OP_ALLOC, 0, 1, -EINVAL, 0 },
		{ OP_ALLOC, 1, 0, -EINVAL, 0 },
		{ OP_FREE, 0, 0, -EINVAL, 0 },
	} },
	{ "rej_double_free", 64, {
		{ OP_ADD, 0, 64, 0, 0 },
		{ OP_ALLOC, 16, 1, 0, 0 },
		{ OP_FREE, 0, 16, 0, 0 },
		{ OP_FREE, 0, 16, -EINVAL, 0 },
	} },
	{ "rej_partial_and_guessed_free", 64, {
		{ OP_ADD, 0, 64, 0, 0 },
		{ OP_ALLOC, 16, 1, 0, 0 },
		{ OP_ALLOC, 8, 1, 0, 16 },
		{ OP_FREE, 0, 15, -EINVAL, 0 },
		{ OP_FREE, 1, 15, -EINVAL, 0 },
		{ OP_FREE, 0, 17, -EINVAL, 0 },
		{ OP_FREE, 0, 24, -EINVAL, 0 },
		{ OP_FREE, 32, 8, -EINVAL, 0 },
		{ OP_FREE, 16, 8, 0, 0 },
		{ OP_FREE, 0, 16, 0, 0 },
	} },
	{ "rej_remove_of_allocated", 64, {
		{ OP_ADD, 0, 64, 0, 0 },
		{ OP_ALLOC, 8, 1, 0, 0 },
		{ OP_REMOVE, 0, 8, -EBUSY, 0 },
		{ OP_REMOVE, 7, 1, -EBUSY, 0 },
		{ OP_REMOVE, 4, 8, -EBUSY, 0 },
		{ OP_REMOVE, 0, 64, -EBUSY, 0 },
		{ OP_REMOVE, 8, 56, 0, 0 },
	} },
	{ "rej_remove_of_unavailable", 64, {
		{ OP_REMOVE, 0, 1, -EINVAL, 0 },
		{ OP_ADD, 0, 8, 0, 0 },
		{ OP_ADD, 16, 8, 0, 0 },
		{ OP_REMOVE, 4, 8, -EINVAL, 0 },
		{ OP_REMOVE, 0, 24, -EINVAL, 0 },
		{ OP_REMOVE, 8, 8, -EINVAL, 0 },
		{ OP_REMOVE, 16, 8, 0, 0 },
		{ OP_REMOVE, 16, 8, -EINVAL, 0 },
	} },
	{ "ok_remove_prefix_suffix_middle", 64, {
		{ OP_ADD, 0, 64, 0, 0 },
		{ OP_REMOVE, 0, 4, 0, 0 },
		{ OP_REMOVE, 60, 4, 0, 0 },
		{ OP_REMOVE, 30, 4, 0, 0 },
		{ OP_ALLOC, 26, 1, 0, 4 },
		{ OP_ALLOC, 26, 1, 0, 34 },
		{ OP_ALLOC, 1, 4, -ENOMEM, 0 },
	} },
	{ "rej_alloc_fragmented_contiguous", 64, {
		{ OP_ADD, 0, 8, 0, 0 },
		{ OP_ADD, 16, 8, 0, 0 },
		{ OP_ALLOC, 9, 1, -ENOMEM, 0 },
		{ OP_ALLOC, 17, 2, -ENOMEM, 0 },
		{ OP_ALLOC, 9, 2, 0, 0 },
	} },
	{ "ok_free_merges_both_sides", 64, {
		{ OP_ADD, 0, 24, 0, 0 },
		{ OP_ALLOC, 8, 1, 0, 0 },
		{ OP_ALLOC, 8, 1, 0, 8 },
		{ OP_ALLOC, 8, 1, 0, 16 },
		{ OP_FREE, 0, 8, 0, 0 },
		{ OP_FREE, 16, 8, 0, 0 },
		{ OP_FREE, 8, 8, 0, 0 },
		{ OP_ALLOC, 24, 1, 0, 0 },
	} },
	{ "ok_add_merges_both_sides", 64, {
		{ OP_ADD, 0, 8, 0, 0 },
		{ OP_ADD, 16, 8, 0, 0 },
		{ OP_ADD, 8, 8, 0, 0 },
		{ OP_ALLOC, 24, 1, 0, 0 },
	} },
};

static void run_op(struct kalloc *a, const struct op *op)
{
	struct kalloc_extent out[8] = { { 0 } };
	struct snap *before = malloc(sizeof(*before));
	struct snap *after = malloc(sizeof(*after));
	uint32_t n_out = 0;
	int rc = 0;

	assert_non_null(before);
	assert_non_null(after);
	snap_take(a, before);
	switch (op->kind) {
	case OP_ADD:
		rc = kalloc_add(a, op->a, op->b);
		break;
	case OP_REMOVE:
		rc = kalloc_remove(a, op->a, op->b);
		break;
	case OP_ALLOC:
		rc = kalloc_alloc(a, op->a, (uint32_t)op->b, out, &n_out);
		break;
	case OP_FREE:
		rc = kalloc_free(a, op->a, op->b);
		break;
	case OP_END:
		break;
	}
	assert_int_equal(rc, op->want);
	snap_take(a, after);
	if (rc != 0) {
		snap_assert_eq(before, after);
	} else if (op->kind == OP_ALLOC) {
		assert_int_equal(out[0].first, op->first);
		assert_int_equal(after->st.alloc_pages,
				 before->st.alloc_pages + op->a);
	}
	free(before);
	free(after);
}

static void test_sequences(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(seq_cases) / sizeof(seq_cases[0]); i++) {
		const struct seq_case *c = &seq_cases[i];
		struct kalloc *a = NULL;

		print_message("case %s\n", c->name);
		assert_int_equal(kalloc_create(c->pages, &a), 0);
		for (size_t j = 0; j < SEQ_MAX && c->ops[j].kind != OP_END;
		     j++) {
			run_op(a, &c->ops[j]);
		}
		kalloc_destroy(a);
	}
}

static void test_create(void **state)
{
	struct kalloc *a = NULL;

	(void)state;
	assert_int_equal(kalloc_create(0, &a), -EINVAL);
	assert_null(a);
	assert_int_equal(kalloc_create((UINT64_C(1) << 40) + 1, &a), -EINVAL);
	assert_null(a);
	assert_int_equal(kalloc_create(UINT64_C(1) << 40, &a), 0);
	/* The whole 2^40-page span works, up to its last page. */
	assert_int_equal(kalloc_add(a, 0, UINT64_C(1) << 40), 0);
	assert_true(kalloc_range_is_free(a, (UINT64_C(1) << 40) - 1, 1));
	assert_false(kalloc_range_is_free(a, UINT64_C(1) << 40, 1));
	kalloc_destroy(a);
	kalloc_destroy(NULL);
	a = NULL;
	g_fail_alloc = true;
	assert_int_equal(kalloc_create(16, &a), -ENOMEM);
	g_fail_alloc = false;
	assert_null(a);
}

/* ------------------------------------------------------------------ */
/* Policy                                                              */

/* Free extents 8@0, 4@10, 4@20, 6@30, 3@40 (the gaps never added). */
static struct kalloc *policy_pool(void)
{
	static const struct kalloc_extent ex[] = {
		{ 0, 8 }, { 10, 4 }, { 20, 4 }, { 30, 6 }, { 40, 3 },
	};
	struct kalloc *a = NULL;

	assert_int_equal(kalloc_create(64, &a), 0);
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		assert_int_equal(kalloc_add(a, ex[i].first, ex[i].count), 0);
	}
	return a;
}

static void alloc_expect(struct kalloc *a, uint64_t count, uint32_t max,
			 const struct kalloc_extent *want, uint32_t n_want)
{
	struct kalloc_extent out[8] = { { 0 } };
	uint32_t n_out = 0;

	assert_int_equal(kalloc_alloc(a, count, max, out, &n_out), 0);
	assert_int_equal(n_out, n_want);
	for (uint32_t i = 0; i < n_want; i++) {
		assert_int_equal(out[i].first, want[i].first);
		assert_int_equal(out[i].count, want[i].count);
	}
}

static void test_best_fit(void **state)
{
	struct kalloc *a = policy_pool();
	const struct kalloc_extent w4a[] = { { 10, 4 } };
	const struct kalloc_extent w4b[] = { { 20, 4 } };
	const struct kalloc_extent w5[] = { { 30, 5 } };
	const struct kalloc_extent w1[] = { { 35, 1 } };
	const struct kalloc_extent w3[] = { { 40, 3 } };
	const struct kalloc_extent w2[] = { { 0, 2 } };
	struct kalloc_stats st = { 0 };

	(void)state;
	/* Smallest extent that holds it; lowest address among equals; the
	 * request comes from the low end, even with scatter allowed. */
	alloc_expect(a, 4, 4, w4a, 1);
	alloc_expect(a, 4, 1, w4b, 1);
	alloc_expect(a, 5, 1, w5, 1);
	alloc_expect(a, 1, 1, w1, 1);
	alloc_expect(a, 3, 1, w3, 1);
	alloc_expect(a, 2, 1, w2, 1);
	kalloc_stats(a, &st);
	assert_int_equal(st.free_pages, 6);
	assert_int_equal(st.free_extents, 1);
	assert_int_equal(st.largest_free, 6);
	assert_int_equal(st.alloc_pages, 19);
	kalloc_destroy(a);
}

static void test_gather_largest_first(void **state)
{
	struct kalloc *a = policy_pool();
	/* 8@0 then 6@30, then the lower of the two 4s, 1 of it. */
	const struct kalloc_extent want[] = { { 0, 8 }, { 30, 6 }, { 10, 1 } };
	const struct kalloc_extent want2[] = { { 20, 4 }, { 11, 3 } };
	struct kalloc_stats st = { 0 };
	struct snap *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(s);
	alloc_expect(a, 15, 3, want, 3);
	snap_take(a, s);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->e[0].first, 11);
	assert_int_equal(s->e[0].count, 3);
	/* 4@20 is now the largest, then 3@11 ahead of 3@40 (lower). */
	alloc_expect(a, 7, 2, want2, 2);
	kalloc_stats(a, &st);
	assert_int_equal(st.free_pages, 3);
	assert_int_equal(st.free_extents, 1);
	assert_int_equal(st.alloc_pages, 22);
	free(s);
	kalloc_destroy(a);
}

static void test_max_extents_and_enomem(void **state)
{
	struct kalloc *a = policy_pool();
	struct kalloc_extent out[8] = { { 0 } };
	struct snap *before = malloc(sizeof(*before));
	struct snap *after = malloc(sizeof(*after));
	uint32_t n_out = 77;

	(void)state;
	assert_non_null(before);
	assert_non_null(after);
	snap_take(a, before);
	/* 8 + 6 = 14 < 15: two extents are not enough. */
	assert_int_equal(kalloc_alloc(a, 15, 2, out, &n_out), -ENOMEM);
	/* 25 pages free; 26 never fit. */
	assert_int_equal(kalloc_alloc(a, 26, 8, out, &n_out), -ENOMEM);
	assert_int_equal(kalloc_alloc(a, 9, 1, out, &n_out), -ENOMEM);
	assert_int_equal(n_out, 77);
	snap_take(a, after);
	snap_assert_eq(before, after);
	/* All five, exactly. */
	assert_int_equal(kalloc_alloc(a, 25, 5, out, &n_out), 0);
	assert_int_equal(n_out, 5);
	snap_take(a, after);
	assert_int_equal(after->n, 0);
	assert_int_equal(after->st.alloc_pages, 25);
	free(before);
	free(after);
	kalloc_destroy(a);
}

static void test_node_alloc_failure(void **state)
{
	struct kalloc *a = policy_pool();
	struct kalloc_extent out[8] = { { 0 } };
	struct snap *before = malloc(sizeof(*before));
	struct snap *after = malloc(sizeof(*after));
	uint32_t n_out = 0;

	(void)state;
	assert_non_null(before);
	assert_non_null(after);
	snap_take(a, before);
	g_fail_alloc = true;
	/* Each of these needs a node. */
	assert_int_equal(kalloc_add(a, 50, 2), -ENOMEM);
	assert_int_equal(kalloc_add(a, 8, 1), -ENOMEM); /* even a merge */
	assert_int_equal(kalloc_remove(a, 2, 2), -ENOMEM);
	assert_int_equal(kalloc_alloc(a, 2, 1, out, &n_out), -ENOMEM);
	assert_int_equal(kalloc_alloc(a, 15, 3, out, &n_out), -ENOMEM);
	snap_take(a, after);
	snap_assert_eq(before, after);
	/* These need none: exact fits, whole removals, trims. */
	assert_int_equal(kalloc_alloc(a, 4, 1, out, &n_out), 0);
	assert_int_equal(out[0].first, 10);
	assert_int_equal(kalloc_alloc(a, 14, 2, out, &n_out), 0);
	assert_int_equal(n_out, 2);
	assert_int_equal(kalloc_remove(a, 40, 3), 0);
	assert_int_equal(kalloc_remove(a, 20, 1), 0);
	assert_int_equal(kalloc_remove(a, 23, 1), 0);
	/* Free never fails, merging or not. */
	assert_int_equal(kalloc_free(a, 10, 4), 0);
	assert_int_equal(kalloc_free(a, 0, 8), 0);
	assert_int_equal(kalloc_free(a, 30, 6), 0);
	g_fail_alloc = false;
	snap_take(a, after);
	assert_int_equal(after->st.alloc_pages, 0);
	assert_int_equal(after->st.free_pages, 20);
	free(before);
	free(after);
	kalloc_destroy(a);
}

static int stop_at_second(void *ctx, const struct kalloc_extent *e)
{
	int *seen = ctx;

	(void)e;
	return ++*seen == 2 ? 42 : 0;
}

static void test_range_is_free_and_walk(void **state)
{
	struct kalloc *a = policy_pool();
	int seen = 0;

	(void)state;
	assert_true(kalloc_range_is_free(a, 0, 8));
	assert_false(kalloc_range_is_free(a, 0, 9));
	assert_false(kalloc_range_is_free(a, 8, 1));
	assert_true(kalloc_range_is_free(a, 31, 5));
	assert_false(kalloc_range_is_free(a, 0, 0));
	assert_false(kalloc_range_is_free(a, 63, 2));
	assert_false(kalloc_range_is_free(a, UINT64_MAX, 2));
	assert_int_equal(kalloc_for_each_free(a, stop_at_second, &seen), 42);
	assert_int_equal(seen, 2);
	kalloc_destroy(a);
}

/* ------------------------------------------------------------------ */
/* Differential test against a page-array model                        */

#define M_PAGES 1024u
#define M_OPS 100000u

enum { M_UNAVAIL = 0, M_FREE = 1, M_ALLOC = 2 };

struct model {
	uint8_t page[M_PAGES];
	struct kalloc_extent alloc[M_PAGES];
	uint32_t alloc_count;
};

static uint64_t g_rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(uint64_t bound)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return bound ? g_rng % bound : g_rng;
}

static bool m_range_ok(uint64_t first, uint64_t count)
{
	return count != 0 && first < M_PAGES && count <= M_PAGES - first;
}

static bool m_all(const struct model *m, uint64_t first, uint64_t count,
		  uint8_t st)
{
	for (uint64_t p = first; p < first + count; p++) {
		if (m->page[p] != st) {
			return false;
		}
	}
	return true;
}

static int m_add(struct model *m, uint64_t first, uint64_t count)
{
	if (!m_range_ok(first, count) || !m_all(m, first, count, M_UNAVAIL)) {
		return -EINVAL;
	}
	memset(&m->page[first], M_FREE, count);
	return 0;
}

static int m_remove(struct model *m, uint64_t first, uint64_t count)
{
	if (!m_range_ok(first, count)) {
		return -EINVAL;
	}
	for (uint64_t p = first; p < first + count; p++) {
		if (m->page[p] == M_ALLOC) {
			return -EBUSY;
		}
	}
	if (!m_all(m, first, count, M_FREE)) {
		return -EINVAL;
	}
	memset(&m->page[first], M_UNAVAIL, count);
	return 0;
}

/* Maximal free extents in address order. */
static uint32_t m_extents(const struct model *m, struct kalloc_extent *ex)
{
	uint32_t n = 0;

	for (uint32_t p = 0; p < M_PAGES;) {
		uint32_t q = p;

		if (m->page[p] != M_FREE) {
			p++;
			continue;
		}
		while (q < M_PAGES && m->page[q] == M_FREE) {
			q++;
		}
		ex[n].first = p;
		ex[n].count = q - p;
		n++;
		p = q;
	}
	return n;
}

static int m_alloc(struct model *m, uint64_t count, uint32_t max,
		   struct kalloc_extent *out, uint32_t *n_out)
{
	static struct kalloc_extent ex[M_PAGES];
	static bool used[M_PAGES];
	uint32_t n = 0;
	int64_t best = -1;
	uint64_t need = count;
	uint32_t taken = 0;

	if (count == 0 || max == 0) {
		return -EINVAL;
	}
	n = m_extents(m, ex);
	for (uint32_t i = 0; i < n; i++) {
		if (ex[i].count >= count &&
		    (best < 0 || ex[i].count < ex[best].count)) {
			best = i;
		}
	}
	if (best >= 0) {
		out[0].first = ex[best].first;
		out[0].count = count;
		taken = 1;
	} else if (max > 1) {
		memset(used, 0, sizeof(used));
		while (need > 0 && taken < max) {
			int64_t pick = -1;

			for (uint32_t i = 0; i < n; i++) {
				if (!used[i] &&
				    (pick < 0 || ex[i].count > ex[pick].count)) {
					pick = i;
				}
			}
			if (pick < 0) {
				break;
			}
			used[pick] = true;
			out[taken].first = ex[pick].first;
			out[taken].count =
				ex[pick].count < need ? ex[pick].count : need;
			need -= out[taken].count;
			taken++;
		}
		if (need > 0) {
			return -ENOMEM;
		}
	} else {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < taken; i++) {
		memset(&m->page[out[i].first], M_ALLOC, out[i].count);
		m->alloc[m->alloc_count++] = out[i];
	}
	*n_out = taken;
	return 0;
}

static int m_free(struct model *m, uint64_t first, uint64_t count)
{
	for (uint32_t i = 0; i < m->alloc_count; i++) {
		if (m->alloc[i].first == first && m->alloc[i].count == count) {
			memset(&m->page[first], M_FREE, count);
			m->alloc[i] = m->alloc[--m->alloc_count];
			return 0;
		}
	}
	return -EINVAL;
}

/* A random range: mostly small and inside, sometimes hostile. */
static void rnd_range(uint64_t *first, uint64_t *count)
{
	uint64_t k = rnd(100);

	*first = rnd(M_PAGES + 16);
	*count = 1 + rnd(k < 80 ? 32 : 256);
	if (k == 0) {
		*count = 0;
	} else if (k == 1) {
		*count = UINT64_MAX - rnd(4);
	} else if (k == 2) {
		*first = UINT64_MAX - rnd(4);
	}
}

/*
 * A range inside the run of @st pages that holds a random page, if that
 * page is @st (three times in four: the rest stays hostile).
 */
static void rnd_run_range(const struct model *m, uint8_t st, uint64_t *first,
			  uint64_t *count)
{
	uint64_t p = rnd(M_PAGES);
	uint64_t lo = p;
	uint64_t hi = p + 1;

	rnd_range(first, count);
	if (rnd(4) == 0 || m->page[p] != st) {
		return;
	}
	while (lo > 0 && m->page[lo - 1] == st) {
		lo--;
	}
	while (hi < M_PAGES && m->page[hi] == st) {
		hi++;
	}
	*first = lo + rnd(hi - lo);
	*count = 1 + rnd(hi - *first);
}

static void check_against_model(const struct kalloc *a, const struct model *m,
				struct snap *s)
{
	static struct kalloc_extent ex[M_PAGES];
	uint32_t n = m_extents(m, ex);
	uint64_t alloc_pages = 0;

	snap_take(a, s);
	assert_int_equal(s->n, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(s->e[i].first, ex[i].first);
		assert_int_equal(s->e[i].count, ex[i].count);
	}
	for (uint32_t i = 0; i < m->alloc_count; i++) {
		alloc_pages += m->alloc[i].count;
	}
	assert_int_equal(s->st.alloc_pages, alloc_pages);
}

static void test_differential(void **state)
{
	struct model *m = calloc(1, sizeof(*m));
	struct snap *s = malloc(sizeof(*s));
	struct kalloc *a = NULL;
	uint32_t counts[5] = { 0 };
	uint32_t gathered = 0;

	(void)state;
	assert_non_null(m);
	assert_non_null(s);
	assert_int_equal(kalloc_create(M_PAGES, &a), 0);
	for (uint32_t i = 0; i < M_OPS; i++) {
		struct kalloc_extent got[4] = { { 0 } };
		struct kalloc_extent want[4] = { { 0 } };
		uint32_t n_got = 0;
		uint32_t n_want = 0;
		uint64_t first = 0;
		uint64_t count = 0;
		uint64_t k = rnd(100);
		int rc = 0;
		int rc_m = 0;

		if (k < 15) {
			rnd_run_range(m, M_UNAVAIL, &first, &count);
			rc = kalloc_add(a, first, count);
			rc_m = m_add(m, first, count);
			counts[0] += rc == 0;
		} else if (k < 25) {
			rnd_run_range(m, M_FREE, &first, &count);
			rc = kalloc_remove(a, first, count);
			rc_m = m_remove(m, first, count);
			counts[1] += rc == 0;
		} else if (k < 60) {
			uint32_t max = (uint32_t)(1 + rnd(4));

			count = rnd(10) == 0 ? 1 + rnd(200) : 1 + rnd(24);
			if (rnd(50) == 0) {
				count = 0;
			}
			rc = kalloc_alloc(a, count, max, got, &n_got);
			rc_m = m_alloc(m, count, max, want, &n_want);
			if (rc == 0 && rc_m == 0) {
				assert_int_equal(n_got, n_want);
				for (uint32_t j = 0; j < n_got; j++) {
					assert_int_equal(got[j].first,
							 want[j].first);
					assert_int_equal(got[j].count,
							 want[j].count);
				}
			}
			counts[2] += rc == 0;
			gathered += rc == 0 && n_got > 1;
		} else if (k < 95 && m->alloc_count > 0) {
			struct kalloc_extent e = m->alloc[rnd(m->alloc_count)];

			rc = kalloc_free(a, e.first, e.count);
			rc_m = m_free(m, e.first, e.count);
			counts[3] += rc == 0;
		} else {
			/* A guess: usually wrong, by a page or two. */
			rnd_range(&first, &count);
			if (m->alloc_count > 0 && rnd(2) == 0) {
				struct kalloc_extent e =
					m->alloc[rnd(m->alloc_count)];

				first = e.first + rnd(2);
				count = e.count + rnd(3) - 1;
			}
			rc = kalloc_free(a, first, count);
			rc_m = m_free(m, first, count);
			counts[4] += rc == 0;
		}
		if (rc != rc_m) {
			fail_msg("op %u (k %llu): kalloc %d, model %d", i,
				 (unsigned long long)k, rc, rc_m);
		}
		check_against_model(a, m, s);
	}
	/* Every kind of step happened a fair number of times. */
	print_message("ok: add %u remove %u alloc %u (gathered %u) free %u "
		      "guessed %u\n", counts[0], counts[1], counts[2],
		      gathered, counts[3], counts[4]);
	assert_true(counts[0] > 1000);
	assert_true(counts[1] > 1000);
	assert_true(counts[2] > 10000);
	assert_true(counts[3] > 10000);
	assert_true(gathered > 100);
	kalloc_destroy(a);
	free(s);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_best_fit),
		cmocka_unit_test(test_gather_largest_first),
		cmocka_unit_test(test_max_extents_and_enomem),
		cmocka_unit_test(test_node_alloc_failure),
		cmocka_unit_test(test_range_is_free_and_walk),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
