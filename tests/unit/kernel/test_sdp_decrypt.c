// SPDX-License-Identifier: BSD-2-Clause
/*
 * sdp_decrypt unit tests (include/rheap/sdp_decrypt.h, shared by ktee and
 * the kernel module): a table of hostile DECRYPT infos, each refused, and
 * split plans checked piece by piece.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rheap/sdp_decrypt.h>

/* A parameter 2: the info then up to SDP_MAX_SUBSAMPLES + 1 entries. */
struct info_buf {
	struct sdp_ta_decrypt_info h;
	struct sdp_abi_subsample subs[SDP_MAX_SUBSAMPLES + 1];
};

static uint64_t info_size(uint32_t count)
{
	return sizeof(struct sdp_ta_decrypt_info) +
	       (uint64_t)count * sizeof(struct sdp_abi_subsample);
}

static void info_init(struct info_buf *b, uint32_t iv_size, uint32_t count)
{
	memset(b, 0, sizeof(*b));
	memset(b->h.kid, 0xA5, sizeof(b->h.kid));
	memset(b->h.iv, 0x11, iv_size);
	b->h.iv_size = iv_size;
	b->h.subsample_count = count;
}

/* One hostile input: how it is built and the sample size it claims. */
struct bad_case {
	const char *name;
	uint32_t iv_size;
	uint32_t count;      /* subsample_count as sent */
	int64_t size_delta;  /* added to the exact size */
	uint32_t clear;      /* every entry's clear size */
	uint32_t prot;       /* every entry's protected size */
	int iv_tail;         /* a non-zero IV byte past iv_size */
	int64_t n_delta;     /* added to the map's total for n */
	uint64_t n_abs;      /* n itself when non-zero */
};

static const struct bad_case bad_cases[] = {
	{ "rej_short_header", 16, 0, -1, 0, 0, 0, 0, 5 },
	{ "rej_empty", 16, 0, -40, 0, 0, 0, 0, 5 },
	{ "rej_size_one_more", 16, 1, 1, 0, 16, 0, 0, 0 },
	{ "rej_size_one_less", 16, 2, -1, 0, 16, 0, 0, 0 },
	{ "rej_size_missing_entry", 16, 2, -8, 0, 16, 0, 0, 0 },
	{ "rej_count_257", 16, SDP_MAX_SUBSAMPLES + 1, 0, 0, 1, 0, 0, 0 },
	{ "rej_count_huge", 16, 0x20000000u, 0, 0, 0, 0, 0, 5 },
	{ "rej_iv_size_0", 0, 1, 0, 0, 16, 0, 0, 0 },
	{ "rej_iv_size_12", 12, 1, 0, 0, 16, 0, 0, 0 },
	{ "rej_iv_size_32", 32, 1, 0, 0, 16, 0, 0, 0 },
	{ "rej_iv8_tail_set", 8, 1, 0, 0, 16, 1, 0, 0 },
	{ "rej_clear_65536", 16, 1, 0, 65536, 16, 0, 0, 0 },
	{ "rej_clear_max_u32", 16, 1, 0, UINT32_MAX, 0, 0, 0, 0 },
	{ "rej_total_short", 16, 3, 0, 5, 16, 0, -1, 0 },
	{ "rej_total_long", 16, 3, 0, 5, 16, 0, 1, 0 },
	{ "rej_whole_over_u32", 16, 0, 0, 0, 0, 0, 0, (uint64_t)UINT32_MAX + 1 },
	{ "rej_sum_wraps_u32", 16, 2, 0, 0, 0x80000000u, 0, 0, 0 },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		static struct info_buf b;
		static struct sdp_decrypt dc;
		uint32_t entries = c->count <= SDP_MAX_SUBSAMPLES + 1 ?
					   c->count :
					   0;
		uint64_t size = info_size(entries) + (uint64_t)c->size_delta;
		uint64_t n = 0;

		info_init(&b, c->iv_size, c->count);
		if (c->iv_tail) {
			b.h.iv[15] = 1;
		}
		for (uint32_t j = 0; j < entries; j++) {
			b.subs[j].clear_size = c->clear;
			b.subs[j].protected_size = c->prot;
			n += (uint64_t)c->clear + c->prot;
		}
		if (c->count == 2 && c->prot == 0x80000000u) {
			n = 0; /* 2^32 wrapped to 32 bits */
		}
		n = c->n_abs ? c->n_abs : n + (uint64_t)c->n_delta;
		print_message("%s\n", c->name);
		assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
						   size, n),
				 -EINVAL);
	}
}

static void test_good(void **state)
{
	static struct info_buf b;
	static struct sdp_decrypt dc;

	(void)state;
	/* 8-byte IV, zero-extended; two entries. */
	info_init(&b, 8, 2);
	b.subs[0] = (struct sdp_abi_subsample){ 65535, 7 };
	b.subs[1] = (struct sdp_abi_subsample){ 0, 32 };
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(2), 65535 + 7 + 32),
			 0);
	assert_int_equal(dc.iv_size, 8);
	assert_int_equal(dc.sub_count, 2);
	assert_int_equal(dc.iv[7], 0x11);
	assert_int_equal(dc.iv[8], 0);
	assert_int_equal(dc.kid[0], 0xA5);
	assert_int_equal(dc.subs[0].clear_size, 65535);
	/* Count 0: one whole protected run, up to 2^32 - 1 bytes. */
	info_init(&b, 16, 0);
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(0), UINT32_MAX),
			 0);
	assert_int_equal(dc.sub_count, 0);
	assert_int_equal(dc.subs[0].clear_size, 0);
	assert_int_equal(dc.subs[0].protected_size, UINT32_MAX);
	/* The full map. */
	info_init(&b, 16, SDP_MAX_SUBSAMPLES);
	for (uint32_t j = 0; j < SDP_MAX_SUBSAMPLES; j++) {
		b.subs[j] = (struct sdp_abi_subsample){ 1, 2 };
	}
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(SDP_MAX_SUBSAMPLES),
					   3u * SDP_MAX_SUBSAMPLES),
			 0);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Walk the plan of @dc over @n bytes with @cap and check each piece:
 * first at 0, each start inside the previous piece and past its start,
 * at a keystream block boundary, at most @cap bytes, its map adding up to
 * its size, its IV counter advanced by the blocks before it; the last
 * piece ends at @n. Return the plan's final code and the piece count.
 */
static int walk(const struct sdp_decrypt *dc, uint64_t n, uint64_t cap,
		uint32_t *pieces)
{
	static uint8_t map[SDP_DECRYPT_MAP_MAX];
	struct sdp_decrypt_plan pl = { .n = 0 };
	uint64_t prev_s = 0;
	uint64_t prev_e = 0;
	int rc = 0;

	*pieces = 0;
	sdp_decrypt_plan_init(&pl, dc, n, cap);
	while ((rc = sdp_decrypt_plan_next(&pl)) > 0) {
		uint64_t prot = sdp_decrypt_prot_before(dc, pl.start);
		uint64_t sum = 0;

		if (*pieces == 0) {
			assert_int_equal(pl.start, 0);
			assert_memory_equal(pl.iv, dc->iv, 16);
			assert_int_equal(pl.iv_size, dc->iv_size);
		} else {
			uint8_t iv[16] = { 0 };
			uint64_t low = 0;

			assert_true(pl.start > prev_s && pl.start <= prev_e);
			memcpy(iv, dc->iv, 16);
			for (int i = 8; i < 16; i++) {
				low = low << 8 | iv[i];
			}
			low += prot / 16;
			for (int i = 15; i >= 8; i--) {
				iv[i] = (uint8_t)low;
				low >>= 8;
			}
			assert_memory_equal(pl.iv, iv, 16);
			assert_int_equal(pl.iv_size, 16);
		}
		assert_int_equal(prot % 16, 0);
		assert_true(pl.end >= pl.start && pl.end <= n);
		assert_true(pl.end - pl.start <= cap);
		if (dc->sub_count) {
			uint32_t m = sdp_decrypt_piece_map(dc, pl.start,
							   pl.end, map);

			assert_true(m <= dc->sub_count);
			for (uint32_t j = 0; j < m; j++) {
				assert_true(get32(map + 8 * j) <= 65535);
				sum += get32(map + 8 * j);
				sum += get32(map + 8 * j + 4);
			}
			assert_int_equal(sum, pl.end - pl.start);
		}
		prev_s = pl.start;
		prev_e = pl.end;
		(*pieces)++;
	}
	if (rc == 0) {
		assert_int_equal(prev_e, n);
	}
	assert_int_equal(sdp_decrypt_plan_next(&pl), rc);
	return rc;
}

static void test_plan(void **state)
{
	static struct info_buf b;
	static struct sdp_decrypt dc;
	uint32_t pieces = 0;

	(void)state;
	/* Empty sample: one piece of 0 bytes. */
	info_init(&b, 16, 0);
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(0), 0),
			 0);
	assert_int_equal(walk(&dc, 0, 100, &pieces), 0);
	assert_int_equal(pieces, 1);
	/* Whole sample, 1000 bytes through 100: cut at 96 each time. */
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(0), 1000),
			 0);
	assert_int_equal(walk(&dc, 1000, 100, &pieces), 0);
	assert_int_equal(pieces, 11);
	/* IV counter wraps modulo 2^64. */
	info_init(&b, 16, 0);
	memset(b.h.iv + 8, 0xFF, 8);
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(0), 64),
			 0);
	assert_int_equal(walk(&dc, 64, 32, &pieces), 0);
	assert_int_equal(pieces, 2);
	/* Clear runs between 5-byte protected runs: splits past them. */
	info_init(&b, 8, 40);
	for (uint32_t j = 0; j < 40; j++) {
		b.subs[j] = (struct sdp_abi_subsample){ 3, 5 };
	}
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(40), 320),
			 0);
	assert_int_equal(walk(&dc, 320, 64, &pieces), 0);
	/* 20 protected bytes behind 60 clear: a 70-byte area cannot split. */
	info_init(&b, 16, 3);
	b.subs[0] = (struct sdp_abi_subsample){ 0, 10 };
	b.subs[1] = (struct sdp_abi_subsample){ 60, 10 };
	b.subs[2] = (struct sdp_abi_subsample){ 60, 10 };
	assert_int_equal(sdp_decrypt_parse(&dc, (const uint8_t *)&b,
					   info_size(3), 150),
			 0);
	assert_int_equal(walk(&dc, 150, 70, &pieces), -EOVERFLOW);
	/* No room at all. */
	assert_int_equal(walk(&dc, 150, 0, &pieces), -EOVERFLOW);
	assert_int_equal(pieces, 1);
	/* Big enough: one piece. */
	assert_int_equal(walk(&dc, 150, 150, &pieces), 0);
	assert_int_equal(pieces, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
