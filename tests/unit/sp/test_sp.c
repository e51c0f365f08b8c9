// SPDX-License-Identifier: BSD-2-Clause
/*
 * SDP partition core tests:
 *  - AES-128-CTR against NIST SP 800-38A F.5.1/F.5.2;
 *  - CENC subsample decryption against two references written here: one
 *    Mbed TLS CTR call over the concatenated protected bytes, scattered
 *    back (for samples whose 64-bit block counter does not wrap), and a
 *    block-by-block ECB keystream with an explicit 64-bit counter (for
 *    the wrap); odd subsample boundaries, 8- and 16-byte IVs;
 *  - hostile subsample maps and IVs, exact errno, and no byte of the
 *    output written on rejection;
 *  - memref bounds (the five out-of-bounds cases of xtest 1014, plus the
 *    32- and 64-bit wraps) and typing;
 *  - sdp_basic inject/transform/dump, 1014-style (17000 bytes, random
 *    offsets), with expected bytes computed independently;
 *  - the key file: good files, one test per hostile line, round trip,
 *    limits, wiping.
 * Table rows become individually named cmocka tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/use_case.h>

#include "sp/sp_cenc.h"
#include "sp/sp_keys.h"
#include "sp/sp_memref.h"
#include "sp/sp_sdp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define POISON 0xA5u
#define SAMPLE_MAX (256u * 1024u)

static uint8_t g_in[SAMPLE_MAX];
static uint8_t g_out[SAMPLE_MAX];
static uint8_t g_ref[SAMPLE_MAX];
static uint8_t g_tmp[SAMPLE_MAX];

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return g_rng;
}

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(rng_next() >> 32);
	}
}

static void hex_to(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned int v = 0;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v) {
			return false;
		}
	}
	return true;
}

static const char *k_nist_key = "2b7e151628aed2a6abf7158809cf4f3c";

static struct sp_cenc_key nist_key(void)
{
	struct sp_cenc_key k = { { 0 } };

	hex_to(k_nist_key, k.bytes, sizeof(k.bytes));
	return k;
}

/* NIST SP 800-38A, F.5.1 CTR-AES128.Encrypt. */
static const char *k_nist_ctr = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
static const char *k_nist_pt =
	"6bc1bee22e409f96e93d7e117393172a"
	"ae2d8a571e03ac9c9eb76fac45af8e51"
	"30c81c46a35ce411e5fbc1191a0a52ef"
	"f69f2445df4f9b17ad2b417be66c3710";
static const char *k_nist_ct =
	"874d6191b620e3261bef6864990db6ce"
	"9806f66b7970fdff8617187bb9fffdff"
	"5ae4df3edbd5d35e5b4f09020db03eab"
	"1e031dda2fbe03d1792170a0f3009cee";

/*
 * Reference 1: one Mbed TLS CTR call over the protected bytes, gathered in
 * order, then scattered back; clear bytes copied. Valid while the 64-bit
 * block counter does not wrap (Mbed TLS carries into bytes 0..7).
 */
static void ref_gather(const struct sp_cenc_key *key, const uint8_t *iv,
		       size_t iv_size, const struct sp_cenc_subsample *subs,
		       uint32_t count, const uint8_t *in, size_t in_size,
		       uint8_t *out)
{
	mbedtls_aes_context aes;
	uint8_t ctr[16] = { 0 };
	uint8_t stream[16] = { 0 };
	size_t off = 0;
	size_t prot_size = 0;
	size_t pos = 0;
	size_t g = 0;

	if (!subs) {
		prot_size = in_size;
		memcpy(g_tmp, in, in_size);
	} else {
		for (uint32_t i = 0; i < count; i++) {
			pos += subs[i].clear_size;
			memcpy(g_tmp + prot_size, in + pos, subs[i].protected_size);
			prot_size += subs[i].protected_size;
			pos += subs[i].protected_size;
		}
	}
	memcpy(ctr, iv, iv_size);
	mbedtls_aes_init(&aes);
	assert_int_equal(mbedtls_aes_setkey_enc(&aes, key->bytes, 128), 0);
	assert_int_equal(mbedtls_aes_crypt_ctr(&aes, prot_size, &off, ctr,
					       stream, g_tmp, g_tmp), 0);
	mbedtls_aes_free(&aes);
	if (!subs) {
		memcpy(out, g_tmp, in_size);
		return;
	}
	pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		memcpy(out + pos, in + pos, subs[i].clear_size);
		pos += subs[i].clear_size;
		memcpy(out + pos, g_tmp + g, subs[i].protected_size);
		g += subs[i].protected_size;
		pos += subs[i].protected_size;
	}
}

/*
 * Reference 2: the CENC definition written out. Keystream block j is
 * AES-ECB(iv_high || (iv_low + j mod 2^64)); the protected bytes of the
 * sample consume the keystream in order.
 */
static void ref_ecb64(const struct sp_cenc_key *key, const uint8_t *iv,
		      size_t iv_size, const struct sp_cenc_subsample *subs,
		      uint32_t count, const uint8_t *in, size_t in_size,
		      uint8_t *out)
{
	mbedtls_aes_context aes;
	uint8_t block[16] = { 0 };
	uint8_t ks[16] = { 0 };
	uint64_t low = 0;
	uint64_t k = 0; /* keystream byte index */
	size_t pos = 0;
	uint32_t i = 0;
	size_t clear_left = 0;
	size_t prot_left = in_size;

	memcpy(block, iv, iv_size);
	for (int b = 8; b < 16; b++) {
		low = low << 8 | block[b];
	}
	mbedtls_aes_init(&aes);
	assert_int_equal(mbedtls_aes_setkey_enc(&aes, key->bytes, 128), 0);
	if (subs) {
		prot_left = 0;
	}
	while (pos < in_size) {
		if (subs && clear_left == 0 && prot_left == 0) {
			assert_true(i < count);
			clear_left = subs[i].clear_size;
			prot_left = subs[i].protected_size;
			i++;
			continue;
		}
		if (clear_left > 0) {
			out[pos] = in[pos];
			clear_left--;
			pos++;
			continue;
		}
		if (k % 16 == 0) {
			uint64_t c = low + k / 16; /* wraps mod 2^64 */

			for (int b = 15; b >= 8; b--) {
				block[b] = (uint8_t)c;
				c >>= 8;
			}
			assert_int_equal(mbedtls_aes_crypt_ecb(&aes,
				MBEDTLS_AES_ENCRYPT, block, ks), 0);
		}
		out[pos] = in[pos] ^ ks[k % 16];
		k++;
		prot_left--;
		pos++;
	}
	mbedtls_aes_free(&aes);
}

/* ------------------------------------------------------------------ */
/* AES-CTR: NIST SP 800-38A                                            */

static void test_nist_ctr_decrypt(void **state)
{
	struct sp_cenc_key key = nist_key();
	uint8_t iv[16] = { 0 };
	uint8_t ct[64] = { 0 };
	uint8_t pt[64] = { 0 };
	uint8_t out[64] = { 0 };

	(void)state;
	hex_to(k_nist_ctr, iv, 16);
	hex_to(k_nist_ct, ct, 64);
	hex_to(k_nist_pt, pt, 64);
	assert_int_equal(sp_cenc_decrypt(&key, iv, 16, NULL, 0, ct, 64, out,
					 64, NULL), 0);
	assert_memory_equal(out, pt, 64);
}

/* F.5.1 itself: CTR encryption is the same operation. */
static void test_nist_ctr_encrypt(void **state)
{
	struct sp_cenc_key key = nist_key();
	uint8_t iv[16] = { 0 };
	uint8_t ct[64] = { 0 };
	uint8_t pt[64] = { 0 };
	uint8_t out[64] = { 0 };

	(void)state;
	hex_to(k_nist_ctr, iv, 16);
	hex_to(k_nist_ct, ct, 64);
	hex_to(k_nist_pt, pt, 64);
	assert_int_equal(sp_cenc_decrypt(&key, iv, 16, NULL, 0, pt, 64, out,
					 64, NULL), 0);
	assert_memory_equal(out, ct, 64);
}

/* The vector through a map of all-protected, non-block-sized pieces. */
static void test_nist_ctr_split(void **state)
{
	static const struct sp_cenc_subsample subs[] = {
		{ 0, 5 }, { 0, 27 }, { 0, 1 }, { 0, 0 }, { 0, 15 }, { 0, 16 },
	};
	struct sp_cenc_key key = nist_key();
	uint8_t iv[16] = { 0 };
	uint8_t ct[64] = { 0 };
	uint8_t pt[64] = { 0 };
	uint8_t out[64] = { 0 };

	(void)state;
	hex_to(k_nist_ctr, iv, 16);
	hex_to(k_nist_ct, ct, 64);
	hex_to(k_nist_pt, pt, 64);
	assert_int_equal(sp_cenc_decrypt(&key, iv, 16, subs, ARRAY_SIZE(subs),
					 ct, 64, out, 64, NULL), 0);
	assert_memory_equal(out, pt, 64);
}

static void test_nist_ctr_in_place(void **state)
{
	struct sp_cenc_key key = nist_key();
	uint8_t iv[16] = { 0 };
	uint8_t buf[64] = { 0 };
	uint8_t pt[64] = { 0 };

	(void)state;
	hex_to(k_nist_ctr, iv, 16);
	hex_to(k_nist_ct, buf, 64);
	hex_to(k_nist_pt, pt, 64);
	assert_int_equal(sp_cenc_decrypt(&key, iv, 16, NULL, 0, buf, 64, buf,
					 64, NULL), 0);
	assert_memory_equal(buf, pt, 64);
}

/* The references themselves agree with NIST, so they can judge. */
static void test_nist_references(void **state)
{
	struct sp_cenc_key key = nist_key();
	uint8_t iv[16] = { 0 };
	uint8_t ct[64] = { 0 };
	uint8_t pt[64] = { 0 };
	uint8_t out[64] = { 0 };

	(void)state;
	hex_to(k_nist_ctr, iv, 16);
	hex_to(k_nist_ct, ct, 64);
	hex_to(k_nist_pt, pt, 64);
	ref_gather(&key, iv, 16, NULL, 0, ct, 64, out);
	assert_memory_equal(out, pt, 64);
	memset(out, 0, sizeof(out));
	ref_ecb64(&key, iv, 16, NULL, 0, ct, 64, out);
	assert_memory_equal(out, pt, 64);
}

/* ------------------------------------------------------------------ */
/* CENC samples against the references                                 */

struct cenc_case {
	const char *name;
	size_t iv_size;
	const char *iv_hex; /* NULL: random */
	bool has_map;
	struct sp_cenc_subsample subs[48];
	uint32_t count;
	size_t no_map_size; /* sample size when !has_map */
	bool in_place;
};

static size_t map_total(const struct cenc_case *c)
{
	size_t t = 0;

	if (!c->has_map) {
		return c->no_map_size;
	}
	for (uint32_t i = 0; i < c->count; i++) {
		t += c->subs[i].clear_size + (size_t)c->subs[i].protected_size;
	}
	return t;
}

static const struct cenc_case k_cenc_cases[] = {
	{ "cenc_iv8_no_map_1000", 8, NULL, false, { { 0 } }, 0, 1000, false },
	{ "cenc_iv16_no_map_1", 16, NULL, false, { { 0 } }, 0, 1, false },
	{ "cenc_iv16_no_map_block_multiple", 16, NULL, false, { { 0 } }, 0,
	  4096, false },
	{ "cenc_iv8_odd_subsamples", 8, NULL, true,
	  { { 5, 7 }, { 3, 100 }, { 0, 1 }, { 17, 33 } }, 4, 0, false },
	{ "cenc_iv16_odd_subsamples", 16, NULL, true,
	  { { 5, 7 }, { 3, 100 }, { 0, 1 }, { 17, 33 } }, 4, 0, false },
	{ "cenc_clear_only_entries_between", 16, NULL, true,
	  { { 10, 0 }, { 0, 15 }, { 20, 0 }, { 1, 16 }, { 0, 3 } }, 5, 0,
	  false },
	{ "cenc_one_byte_subsamples", 8, NULL, true,
	  { { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 },
	    { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 },
	    { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 },
	    { 1, 1 }, { 1, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 },
	    { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 },
	    { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 },
	    { 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 } }, 40, 0, false },
	{ "cenc_all_clear", 8, NULL, true, { { 100, 0 } }, 1, 0, false },
	{ "cenc_zero_entries_everywhere", 16, NULL, true,
	  { { 0, 0 }, { 7, 9 }, { 0, 0 }, { 0, 0 }, { 4, 17 }, { 0, 0 } }, 6,
	  0, false },
	{ "cenc_large_odd_subsamples", 8, NULL, true,
	  { { 37, 65531 }, { 65535, 70001 }, { 100, 3 }, { 1, 20000 } }, 4, 0,
	  false },
	{ "cenc_protected_first_then_clear", 16, NULL, true,
	  { { 0, 31 }, { 33, 0 } }, 2, 0, false },
	{ "cenc_in_place_subsamples", 16, NULL, true,
	  { { 5, 7 }, { 3, 100 }, { 0, 1 }, { 17, 33 } }, 4, 0, true },
	{ "cenc_in_place_no_map", 8, NULL, false, { { 0 } }, 0, 777, true },
	{ "cenc_iv16_low_half_near_wrap_no_wrap", 16,
	  "0102030405060708fffffffffffffff0", true,
	  { { 3, 100 }, { 9, 140 } }, 2, 0, false },
};

static void run_cenc_case(void **state)
{
	const struct cenc_case *c = *state;
	struct sp_cenc_key key = { { 0 } };
	uint8_t iv[16] = { 0 };
	size_t size = map_total(c);
	const struct sp_cenc_subsample *subs = c->has_map ? c->subs : NULL;
	uint8_t *dst = c->in_place ? g_in : g_out;

	assert_true(size <= SAMPLE_MAX);
	rng_fill(key.bytes, sizeof(key.bytes));
	if (c->iv_hex) {
		hex_to(c->iv_hex, iv, c->iv_size);
	} else {
		rng_fill(iv, c->iv_size);
	}
	rng_fill(g_in, size);
	ref_gather(&key, iv, c->iv_size, subs, c->count, g_in, size, g_ref);
	/* The two references agree wherever the counter does not wrap. */
	ref_ecb64(&key, iv, c->iv_size, subs, c->count, g_in, size, g_tmp);
	assert_memory_equal(g_ref, g_tmp, size);
	memset(g_out, POISON, sizeof(g_out));
	assert_int_equal(sp_cenc_decrypt(&key, iv, c->iv_size, subs, c->count,
					 g_in, size, dst, size, NULL), 0);
	assert_memory_equal(dst, g_ref, size);
	if (!c->in_place) {
		assert_true(all_bytes(g_out + size, sizeof(g_out) - size,
				      POISON));
	}
}

/* Subsample boundaries at every offset 0..47 around block edges. */
static void test_cenc_boundary_sweep(void **state)
{
	struct sp_cenc_key key = { { 0 } };
	uint8_t iv[8] = { 0 };

	(void)state;
	rng_fill(key.bytes, 16);
	rng_fill(iv, 8);
	for (uint32_t a = 0; a < 48; a++) {
		for (uint16_t clear = 0; clear < 3; clear++) {
			struct sp_cenc_subsample subs[3] = {
				{ clear, a }, { (uint16_t)(2 * clear), 48 - a },
				{ 1, 19 },
			};
			size_t size = 3u * clear + 48u + 20u;

			rng_fill(g_in, size);
			ref_gather(&key, iv, 8, subs, 3, g_in, size, g_ref);
			assert_int_equal(sp_cenc_decrypt(&key, iv, 8, subs, 3,
							 g_in, size, g_out,
							 size, NULL), 0);
			assert_memory_equal(g_out, g_ref, size);
		}
	}
}

/* Empty samples: nothing to do, nothing written. */
static void test_cenc_empty_sample(void **state)
{
	static const struct sp_cenc_subsample zero[] = { { 0, 0 } };
	struct sp_cenc_key key = nist_key();
	uint8_t iv[16] = { 0 };
	uint8_t out[4] = { POISON, POISON, POISON, POISON };

	(void)state;
	assert_int_equal(sp_cenc_decrypt(&key, iv, 16, NULL, 0, g_in, 0, out,
					 0, NULL), 0);
	assert_int_equal(sp_cenc_decrypt(&key, iv, 8, zero, 0, g_in, 0, out,
					 sizeof(out), NULL), 0);
	assert_int_equal(sp_cenc_decrypt(&key, iv, 8, zero, 1, g_in, 0, out,
					 sizeof(out), NULL), 0);
	assert_true(all_bytes(out, sizeof(out), POISON));
}

/* ------------------------------------------------------------------ */
/* The 64-bit block counter wraps without carrying into bytes 0..7     */

struct wrap_case {
	const char *name;
	const char *iv_hex;
	struct sp_cenc_subsample subs[4];
	uint32_t count;
	uint32_t same_blocks; /* keystream blocks before the wrap */
};

static const struct wrap_case k_wrap_cases[] = {
	/* Wraps after one block, inside the 2nd subsample's first block. */
	{ "wrap_low_all_ones", "0011223344556677ffffffffffffffff",
	  { { 3, 13 }, { 2, 9 }, { 0, 40 } }, 3, 1 },
	{ "wrap_low_fffe_partial_blocks", "8899aabbccddeeff fffffffffffffffe",
	  { { 1, 5 }, { 7, 30 }, { 3, 29 }, { 0, 1 } }, 4, 2 },
	/* All 128 bits set: a 128-bit counter would wrap to all zeroes. */
	{ "wrap_all_128_bits_set", "ffffffffffffffffffffffffffffffff",
	  { { 0, 16 }, { 5, 48 } }, 2, 1 },
};

static void iv_from_spaced_hex(const char *s, uint8_t iv[16])
{
	char compact[33] = { 0 };
	size_t n = 0;

	for (; *s && n < 32; s++) {
		if (*s != ' ') {
			compact[n++] = *s;
		}
	}
	hex_to(compact, iv, 16);
}

static void run_wrap_case(void **state)
{
	const struct wrap_case *c = *state;
	struct sp_cenc_key key = nist_key();
	uint8_t iv[16] = { 0 };
	uint8_t ctr[16] = { 0 };
	uint8_t stream[16] = { 0 };
	size_t off = 0;
	size_t size = 0;
	size_t prot = 0;
	mbedtls_aes_context aes;

	iv_from_spaced_hex(c->iv_hex, iv);
	for (uint32_t i = 0; i < c->count; i++) {
		size += c->subs[i].clear_size + (size_t)c->subs[i].protected_size;
		prot += c->subs[i].protected_size;
	}
	rng_fill(g_in, size);
	ref_ecb64(&key, iv, 16, c->subs, c->count, g_in, size, g_ref);
	assert_int_equal(sp_cenc_decrypt(&key, iv, 16, c->subs, c->count, g_in,
					 size, g_out, size, NULL), 0);
	assert_memory_equal(g_out, g_ref, size);

	/*
	 * Document the decision: a 128-bit counter (Mbed TLS's own) gives
	 * the same keystream up to the wrap and a different one after it.
	 */
	memset(g_tmp, 0, prot);
	memcpy(ctr, iv, 16);
	mbedtls_aes_init(&aes);
	assert_int_equal(mbedtls_aes_setkey_enc(&aes, key.bytes, 128), 0);
	assert_int_equal(mbedtls_aes_crypt_ctr(&aes, prot, &off, ctr, stream,
					       g_tmp, g_tmp), 0);
	mbedtls_aes_free(&aes);
	/* g_tmp: 128-bit keystream. Rebuild ours from the reference. */
	{
		size_t pos = 0;
		size_t k = 0;

		for (uint32_t i = 0; i < c->count; i++) {
			pos += c->subs[i].clear_size;
			for (uint32_t j = 0; j < c->subs[i].protected_size; j++) {
				uint8_t ours = g_in[pos] ^ g_out[pos];

				if (k < 16u * c->same_blocks) {
					assert_int_equal(ours, g_tmp[k]);
				}
				g_ref[k] = ours;
				pos++;
				k++;
			}
		}
		assert_memory_not_equal(g_ref + 16u * c->same_blocks,
					g_tmp + 16u * c->same_blocks,
					prot - 16u * c->same_blocks);
	}
}

/* ------------------------------------------------------------------ */
/* Hostile maps and parameters: exact errno, output untouched          */

struct hostile_cenc {
	const char *name;
	size_t iv_size;
	bool has_map;
	struct sp_cenc_subsample subs[4];
	uint32_t count;
	size_t in_size;
	size_t out_size;
	int want;
	const char *field;
	uint32_t index;
};

#define NOI RHEAP_DIAG_NO_INDEX

static const struct hostile_cenc k_hostile_cenc[] = {
	{ "rej_map_short_by_1", 8, true, { { 10, 20 }, { 5, 64 } }, 2, 100,
	  200, -EINVAL, "subsamples", NOI },
	{ "rej_map_long_by_1", 8, true, { { 10, 20 }, { 5, 66 } }, 2, 100,
	  200, -EINVAL, "subsamples.bytes_of_protected_data", 1 },
	{ "rej_map_clear_past_end", 16, true, { { 10, 20 }, { 71, 0 } }, 2,
	  100, 200, -EINVAL, "subsamples.bytes_of_clear_data", 1 },
	/* 0xFFFFFFFF + 2 == 1 in 32 bits: a u32 sum would accept. */
	{ "rej_protected_u32_wrap", 8, true,
	  { { 0, 0xFFFFFFFFu }, { 0, 2 } }, 2, 1, 200, -EINVAL,
	  "subsamples.bytes_of_protected_data", 0 },
	/* 0xFFFF + 2 == 1 in 16 bits. */
	{ "rej_clear_u16_wrap", 8, true, { { 0xFFFF, 0 }, { 2, 0 } }, 2, 1,
	  200, -EINVAL, "subsamples.bytes_of_clear_data", 0 },
	{ "rej_zero_subsamples_nonempty_sample", 16, true, { { 0 } }, 0, 10,
	  200, -EINVAL, "subsamples", NOI },
	{ "rej_all_zero_entries_nonempty_sample", 16, true,
	  { { 0, 0 }, { 0, 0 } }, 2, 10, 200, -EINVAL, "subsamples", NOI },
	{ "rej_count_without_map", 16, false, { { 0 } }, 3, 10, 200, -EINVAL,
	  "subsample_count", NOI },
	{ "rej_iv_size_0", 0, false, { { 0 } }, 0, 10, 200, -EINVAL,
	  "iv_size", NOI },
	{ "rej_iv_size_7", 7, false, { { 0 } }, 0, 10, 200, -EINVAL,
	  "iv_size", NOI },
	{ "rej_iv_size_9", 9, false, { { 0 } }, 0, 10, 200, -EINVAL,
	  "iv_size", NOI },
	{ "rej_iv_size_12", 12, false, { { 0 } }, 0, 10, 200, -EINVAL,
	  "iv_size", NOI },
	{ "rej_iv_size_17", 17, false, { { 0 } }, 0, 10, 200, -EINVAL,
	  "iv_size", NOI },
	{ "rej_iv_size_32", 32, false, { { 0 } }, 0, 10, 200, -EINVAL,
	  "iv_size", NOI },
	{ "rej_out_short_by_1", 8, false, { { 0 } }, 0, 100, 99, -ENOSPC,
	  "out_size", NOI },
	{ "rej_out_short_by_1_with_map", 8, true, { { 10, 90 } }, 1, 100, 99,
	  -ENOSPC, "out_size", NOI },
	{ "rej_out_zero_nonempty_sample", 16, false, { { 0 } }, 0, 1, 0,
	  -ENOSPC, "out_size", NOI },
	/* The map is checked before the output's size. */
	{ "rej_map_before_out_size", 8, true, { { 10, 91 } }, 1, 100, 1,
	  -EINVAL, "subsamples.bytes_of_protected_data", 0 },
};

static void run_hostile_cenc(void **state)
{
	const struct hostile_cenc *c = *state;
	struct sp_cenc_key key = nist_key();
	struct rheap_diag diag = { 0 };
	uint8_t iv[32] = { 0 };

	rng_fill(g_in, c->in_size);
	memset(g_out, POISON, sizeof(g_out));
	assert_int_equal(sp_cenc_decrypt(&key, iv, c->iv_size,
					 c->has_map ? c->subs : NULL, c->count,
					 g_in, c->in_size, g_out, c->out_size,
					 &diag),
			 c->want);
	assert_true(all_bytes(g_out, sizeof(g_out), POISON));
	assert_non_null(diag.field);
	assert_string_equal(diag.field, c->field);
	assert_int_equal(diag.index, c->index);
}

static void test_cenc_partial_overlap(void **state)
{
	struct sp_cenc_key key = nist_key();
	struct rheap_diag diag = { 0 };
	uint8_t iv[8] = { 0 };

	(void)state;
	memset(g_in, POISON, 256);
	/* Output starts 1 byte into the input, and 1 byte before it. */
	assert_int_equal(sp_cenc_decrypt(&key, iv, 8, NULL, 0, g_in, 100,
					 g_in + 1, 100, &diag), -EINVAL);
	assert_string_equal(diag.field, "out");
	assert_int_equal(sp_cenc_decrypt(&key, iv, 8, NULL, 0, g_in + 1, 100,
					 g_in, 100, NULL), -EINVAL);
	assert_true(all_bytes(g_in, 256, POISON));
	/* Adjacent ranges do not overlap. */
	assert_int_equal(sp_cenc_decrypt(&key, iv, 8, NULL, 0, g_in, 100,
					 g_in + 100, 100, NULL), 0);
}

/* validate_map on its own: sizes near SIZE_MAX do not wrap. */
static void test_cenc_validate_map_huge(void **state)
{
	static const struct sp_cenc_subsample subs[] = {
		{ 0xFFFF, 0xFFFFFFFFu }, { 0xFFFF, 0xFFFFFFFFu },
	};
	struct rheap_diag diag = { 0 };

	(void)state;
	assert_int_equal(sp_cenc_validate_map(subs, 2, SIZE_MAX, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "subsamples");
	assert_int_equal(diag.value, 2 * (0xFFFFull + 0xFFFFFFFFull));
	assert_int_equal(sp_cenc_validate_map(subs, 2,
					      2 * (0xFFFFull + 0xFFFFFFFFull),
					      NULL), 0);
	assert_int_equal(sp_cenc_validate_map(NULL, 0, SIZE_MAX, NULL), 0);
}

/* ------------------------------------------------------------------ */
/* Memref bounds: xtest 1014's five out-of-bounds references           */

#define SDP_SIZE 17000u

struct oob_case {
	const char *name;
	uint64_t offset;
	uint64_t size;
	const char *field;
};

static const struct oob_case k_oob_cases[] = {
	{ "oob_size_minus_1_len_2", SDP_SIZE - 1, 2, "size" },
	{ "oob_size_minus_1_len_5000", SDP_SIZE - 1, 5000, "size" },
	{ "oob_offset_size_len_1", SDP_SIZE, 1, "size" },
	{ "oob_offset_size_len_4096", SDP_SIZE, 4096, "size" },
	{ "oob_offset_2_len_u64_max", 2, UINT64_MAX, "size" },
	/* 2 + 0xFFFFFFFF == 1 in 32 bits: a 32-bit check would accept. */
	{ "oob_offset_2_len_u32_max", 2, UINT32_MAX, "size" },
	{ "oob_offset_u32_max_len_2", UINT32_MAX, 2, "offset" },
	{ "oob_offset_u64_max_len_2", UINT64_MAX, 2, "offset" },
	{ "oob_offset_size_plus_1_len_0", SDP_SIZE + 1, 0, "offset" },
};

static const struct sp_sdp_cfg k_cfg = {
	.use_case_mask = RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO) |
			 RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO_RECORD),
	.debug_dump = true,
};

static uint8_t g_ns[SDP_SIZE];
static uint8_t g_sec[SDP_SIZE];
static uint8_t g_ns2[SDP_SIZE];

static struct sp_buf ns_buf(uint8_t *base)
{
	struct sp_buf b = {
		.desc = { .size = SDP_SIZE, .secure = false,
			  .use_case = RHEAP_USE_CASE_NONE },
		.base = base,
	};

	return b;
}

static struct sp_buf sec_buf(uint8_t *base, enum rheap_use_case uc)
{
	struct sp_buf b = {
		.desc = { .size = SDP_SIZE, .secure = true, .use_case = uc },
		.base = base,
	};

	return b;
}

static void run_oob_case(void **state)
{
	const struct oob_case *c = *state;
	struct sp_buf ns = ns_buf(g_ns);
	struct sp_buf sec = sec_buf(g_sec, RHEAP_USE_CASE_SECURE_VIDEO);
	struct sp_buf ns2 = ns_buf(g_ns2);
	struct sp_memref bad = { 7, c->offset, c->size };
	struct sp_memref good = { 8, 0, 16 };
	struct rheap_diag diag = { 0 };

	assert_int_equal(sp_memref_validate_bounds(&bad, SDP_SIZE, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, c->field);
	assert_int_equal(sp_memref_validate(&bad, &sec.desc, SP_MEMREF_SECURE,
					    k_cfg.use_case_mask, NULL),
			 -EINVAL);

	/* Every service rejects it before touching any buffer. */
	memset(g_ns, 0x11, SDP_SIZE);
	memset(g_sec, 0x22, SDP_SIZE);
	memset(g_ns2, 0x33, SDP_SIZE);
	assert_int_equal(sp_sdp_inject(&k_cfg, &good, &ns, &bad, &sec, NULL),
			 -EINVAL);
	assert_int_equal(sp_sdp_inject(&k_cfg, &bad, &ns, &good, &sec, NULL),
			 -EINVAL);
	assert_int_equal(sp_sdp_transform(&k_cfg, &bad, &sec, NULL), -EINVAL);
	assert_int_equal(sp_sdp_dump(&k_cfg, &bad, &sec, &good, &ns2, NULL),
			 -EINVAL);
	assert_int_equal(sp_sdp_dump(&k_cfg, &good, &sec, &bad, &ns2, NULL),
			 -EINVAL);
	assert_true(all_bytes(g_ns, SDP_SIZE, 0x11));
	assert_true(all_bytes(g_sec, SDP_SIZE, 0x22));
	assert_true(all_bytes(g_ns2, SDP_SIZE, 0x33));
}

static void test_memref_bounds_edges_ok(void **state)
{
	static const struct sp_memref ok[] = {
		{ 0, 0, SDP_SIZE },     { 0, SDP_SIZE - 1, 1 },
		{ 0, SDP_SIZE, 0 },     { 0, 0, 0 },
		{ 0, 255, SDP_SIZE - 255 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(sp_memref_validate_bounds(&ok[i], SDP_SIZE,
							   NULL), 0);
	}
	/* A zero-sized buffer accepts only the empty range at 0. */
	assert_int_equal(sp_memref_validate_bounds(&ok[3], 0, NULL), 0);
	assert_int_equal(sp_memref_validate_bounds(&ok[1], 0, NULL), -EINVAL);
}

static void test_memref_bounds_limit_recorded(void **state)
{
	struct sp_memref r = { 0, SDP_SIZE - 10, 11 };
	struct rheap_diag diag = { 0 };

	(void)state;
	assert_int_equal(sp_memref_validate_bounds(&r, SDP_SIZE, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "size");
	assert_int_equal(diag.value, 11);
	assert_true(diag.has_limit);
	assert_int_equal(diag.limit, 10);
}

/* ------------------------------------------------------------------ */
/* Memref typing                                                       */

struct access_case {
	const char *name;
	bool secure;
	enum rheap_use_case use_case;
	enum sp_memref_world world;
	uint32_t mask;
	int want;
	const char *field;
};

#define SV RHEAP_USE_CASE_SECURE_VIDEO
#define TUI RHEAP_USE_CASE_TRUSTED_UI
#define MASK_SV RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO)

static const struct access_case k_access_cases[] = {
	{ "type_ns_as_ns_ok", false, RHEAP_USE_CASE_NONE, SP_MEMREF_NONSECURE,
	  MASK_SV, 0, NULL },
	{ "type_secure_video_as_secure_ok", true, SV, SP_MEMREF_SECURE,
	  MASK_SV, 0, NULL },
	{ "type_rej_secure_as_ns_input", true, SV, SP_MEMREF_NONSECURE,
	  MASK_SV, -EPERM, "secure" },
	{ "type_rej_ns_as_secure_output", false, RHEAP_USE_CASE_NONE,
	  SP_MEMREF_SECURE, MASK_SV, -EPERM, "secure" },
	{ "type_rej_trusted_ui_not_allowed", true, TUI, SP_MEMREF_SECURE,
	  MASK_SV, -EPERM, "use_case" },
	{ "type_rej_secure_use_case_none", true, RHEAP_USE_CASE_NONE,
	  SP_MEMREF_SECURE, 0xFFFFFFFFu, -EPERM, "use_case" },
	{ "type_rej_secure_use_case_unknown", true, (enum rheap_use_case)9,
	  SP_MEMREF_SECURE, 0xFFFFFFFFu, -EPERM, "use_case" },
	{ "type_rej_empty_mask", true, SV, SP_MEMREF_SECURE, 0, -EPERM,
	  "use_case" },
	{ "type_rej_unknown_world", false, RHEAP_USE_CASE_NONE,
	  (enum sp_memref_world)7, MASK_SV, -EINVAL, "world" },
};

static void run_access_case(void **state)
{
	const struct access_case *c = *state;
	struct sp_buf_desc d = { SDP_SIZE, c->secure, c->use_case };
	struct sp_memref r = { 1, 0, 16 };
	struct rheap_diag diag = { 0 };

	assert_int_equal(sp_memref_validate_access(&d, c->world, c->mask,
						   &diag), c->want);
	assert_int_equal(sp_memref_validate(&r, &d, c->world, c->mask, NULL),
			 c->want);
	if (c->field) {
		assert_string_equal(diag.field, c->field);
	}
}

/* ------------------------------------------------------------------ */
/* sdp_basic services                                                  */

/* xtest 1014 flow: 10 loops, random offset 0..255, 17000-byte buffers. */
static void test_sdp_inject_transform_dump(void **state)
{
	static uint8_t expect[SDP_SIZE];
	struct sp_buf ns = ns_buf(g_ns);
	struct sp_buf sec = sec_buf(g_sec, RHEAP_USE_CASE_SECURE_VIDEO);
	struct sp_buf out = ns_buf(g_ns2);

	(void)state;
	for (int loop = 0; loop < 10; loop++) {
		uint64_t off = rng_next() % 256;
		uint64_t len = SDP_SIZE - off - rng_next() % 64;
		struct sp_memref in_ref = { 1, off, len };
		struct sp_memref sec_ref = { 2, off, len };
		struct sp_memref out_ref = { 3, off, len };

		rng_fill(g_ns, SDP_SIZE);
		memset(g_sec, 0x5A, SDP_SIZE);
		memset(g_ns2, 0xC3, SDP_SIZE);
		/* Independently: invert then add one is 256 - b (mod 256). */
		for (uint64_t i = 0; i < len; i++) {
			expect[i] = (uint8_t)((256u - g_ns[off + i]) & 0xFFu);
		}
		assert_int_equal(sp_sdp_inject(&k_cfg, &in_ref, &ns, &sec_ref,
					       &sec, NULL), 0);
		assert_memory_equal(g_sec + off, g_ns + off, len);
		assert_int_equal(sp_sdp_transform(&k_cfg, &sec_ref, &sec,
						  NULL), 0);
		assert_int_equal(sp_sdp_dump(&k_cfg, &sec_ref, &sec, &out_ref,
					     &out, NULL), 0);
		assert_memory_equal(g_ns2 + off, expect, len);
		/* Nothing outside the ranges moved. */
		assert_true(all_bytes(g_sec, off, 0x5A));
		assert_true(all_bytes(g_sec + off + len, SDP_SIZE - off - len,
				      0x5A));
		assert_true(all_bytes(g_ns2, off, 0xC3));
		assert_true(all_bytes(g_ns2 + off + len, SDP_SIZE - off - len,
				      0xC3));
	}
}

static void test_sdp_transform_all_byte_values(void **state)
{
	struct sp_buf sec = sec_buf(g_sec, RHEAP_USE_CASE_SECURE_VIDEO_RECORD);
	struct sp_memref r = { 1, 100, 256 };

	(void)state;
	for (unsigned int i = 0; i < 256; i++) {
		g_sec[100 + i] = (uint8_t)i;
	}
	assert_int_equal(sp_sdp_transform(&k_cfg, &r, &sec, NULL), 0);
	assert_int_equal(g_sec[100 + 0], 0x00);
	assert_int_equal(g_sec[100 + 1], 0xFF);
	assert_int_equal(g_sec[100 + 0x80], 0x80);
	assert_int_equal(g_sec[100 + 0xFF], 0x01);
	assert_int_equal(g_sec[100 + 0x5A], 0xA6);
	/* Twice is the identity. */
	assert_int_equal(sp_sdp_transform(&k_cfg, &r, &sec, NULL), 0);
	for (unsigned int i = 0; i < 256; i++) {
		assert_int_equal(g_sec[100 + i], i);
	}
}

static void test_sdp_typing_rejected(void **state)
{
	struct sp_buf ns = ns_buf(g_ns);
	struct sp_buf sec = sec_buf(g_sec, RHEAP_USE_CASE_SECURE_VIDEO);
	struct sp_buf tui = sec_buf(g_ns2, RHEAP_USE_CASE_TRUSTED_UI);
	struct sp_memref r = { 1, 0, 64 };
	struct rheap_diag diag = { 0 };

	(void)state;
	memset(g_ns, 0x11, SDP_SIZE);
	memset(g_sec, 0x22, SDP_SIZE);
	memset(g_ns2, 0x33, SDP_SIZE);
	/* Inject from a secure source, or into a non-secure buffer. */
	assert_int_equal(sp_sdp_inject(&k_cfg, &r, &sec, &r, &sec, &diag),
			 -EPERM);
	assert_string_equal(diag.field, "secure");
	assert_int_equal(sp_sdp_inject(&k_cfg, &r, &ns, &r, &ns, NULL), -EPERM);
	/* Inject into a use case the partition does not serve. */
	assert_int_equal(sp_sdp_inject(&k_cfg, &r, &ns, &r, &tui, &diag),
			 -EPERM);
	assert_string_equal(diag.field, "use_case");
	/* Transform of normal-world memory or of a foreign use case. */
	assert_int_equal(sp_sdp_transform(&k_cfg, &r, &ns, NULL), -EPERM);
	assert_int_equal(sp_sdp_transform(&k_cfg, &r, &tui, NULL), -EPERM);
	/* Dump from NS, or into secure memory. */
	assert_int_equal(sp_sdp_dump(&k_cfg, &r, &ns, &r, &ns, NULL), -EPERM);
	assert_int_equal(sp_sdp_dump(&k_cfg, &r, &sec, &r, &sec, NULL), -EPERM);
	assert_true(all_bytes(g_ns, SDP_SIZE, 0x11));
	assert_true(all_bytes(g_sec, SDP_SIZE, 0x22));
	assert_true(all_bytes(g_ns2, SDP_SIZE, 0x33));
}

static void test_sdp_dump_needs_debug(void **state)
{
	struct sp_sdp_cfg prod = k_cfg;
	struct sp_buf sec = sec_buf(g_sec, RHEAP_USE_CASE_SECURE_VIDEO);
	struct sp_buf out = ns_buf(g_ns2);
	struct sp_memref r = { 1, 0, 64 };
	struct sp_memref oob = { 1, SDP_SIZE, 1 };
	struct rheap_diag diag = { 0 };

	(void)state;
	prod.debug_dump = false;
	memset(g_sec, 0x22, SDP_SIZE);
	memset(g_ns2, 0x33, SDP_SIZE);
	assert_int_equal(sp_sdp_dump(&prod, &r, &sec, &r, &out, &diag), -EPERM);
	assert_string_equal(diag.field, "debug_dump");
	/* The memref checks still come first. */
	assert_int_equal(sp_sdp_dump(&prod, &oob, &sec, &r, &out, NULL),
			 -EINVAL);
	assert_true(all_bytes(g_ns2, SDP_SIZE, 0x33));
}

static void test_sdp_short_output(void **state)
{
	struct sp_buf ns = ns_buf(g_ns);
	struct sp_buf sec = sec_buf(g_sec, RHEAP_USE_CASE_SECURE_VIDEO);
	struct sp_memref in_ref = { 1, 0, 100 };
	struct sp_memref out_ref = { 2, 10, 99 };
	struct sp_memref empty = { 3, 5, 0 };
	struct rheap_diag diag = { 0 };

	(void)state;
	memset(g_sec, 0x22, SDP_SIZE);
	assert_int_equal(sp_sdp_inject(&k_cfg, &in_ref, &ns, &out_ref, &sec,
				       &diag), -ENOSPC);
	assert_string_equal(diag.field, "size");
	assert_int_equal(sp_sdp_dump(&k_cfg, &in_ref, &sec, &out_ref, &ns,
				     NULL), -ENOSPC);
	assert_true(all_bytes(g_sec, SDP_SIZE, 0x22));
	/* Empty ranges are valid and copy nothing. */
	assert_int_equal(sp_sdp_inject(&k_cfg, &empty, &ns, &empty, &sec,
				       NULL), 0);
	assert_int_equal(sp_sdp_transform(&k_cfg, &empty, &sec, NULL), 0);
	assert_true(all_bytes(g_sec, SDP_SIZE, 0x22));
}

/* ------------------------------------------------------------------ */
/* Key store                                                           */

static const char k_keys_good[] =
	"# content keys for the demo\n"
	"\n"
	"00112233445566778899aabbccddeeff 000102030405060708090a0b0c0d0e0f\r\n"
	"   \t\n"
	"  # indented comment with # and anything: \x01\xff\n"
	"\t10203040-5060-7080-90A0-B0C0D0E0F000\t\tFFEEDDCCBBAA99887766554433221100  \n"
	"ABCDEFABCDEFABCDEFABCDEFABCDEF01 0f0e0d0c0b0a09080706050403020100";

static void test_keys_decode_good(void **state)
{
	static struct sp_keys ks;
	const struct sp_cenc_key *k = NULL;
	uint8_t kid[16] = { 0 };
	uint8_t want[16] = { 0 };

	(void)state;
	sp_keys_init(&ks);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)k_keys_good,
					strlen(k_keys_good), NULL), 3);
	assert_int_equal(ks.count, 3);

	hex_to("00112233445566778899aabbccddeeff", kid, 16);
	assert_int_equal(sp_keys_find(&ks, kid, &k), 0);
	hex_to("000102030405060708090a0b0c0d0e0f", want, 16);
	assert_memory_equal(k->bytes, want, 16);

	hex_to("102030405060708090a0b0c0d0e0f000", kid, 16);
	assert_int_equal(sp_keys_find(&ks, kid, &k), 0);
	hex_to("ffeeddccbbaa99887766554433221100", want, 16);
	assert_memory_equal(k->bytes, want, 16);

	hex_to("abcdefabcdefabcdefabcdefabcdef01", kid, 16);
	assert_int_equal(sp_keys_find(&ks, kid, &k), 0);
	hex_to("0f0e0d0c0b0a09080706050403020100", want, 16);
	assert_memory_equal(k->bytes, want, 16);
	sp_keys_fini(&ks);
}

static void test_keys_find_unknown(void **state)
{
	static struct sp_keys ks;
	const struct sp_cenc_key *k = (const struct sp_cenc_key *)&ks;
	uint8_t kid[16] = { 0 };

	(void)state;
	sp_keys_init(&ks);
	assert_int_equal(sp_keys_find(&ks, kid, &k), -ENOENT);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)k_keys_good,
					strlen(k_keys_good), NULL), 3);
	hex_to("00112233445566778899aabbccddeefe", kid, 16);
	assert_int_equal(sp_keys_find(&ks, kid, &k), -ENOENT);
	assert_ptr_equal(k, (const struct sp_cenc_key *)&ks); /* untouched */
	sp_keys_fini(&ks);
}

static void test_keys_empty_and_comment_only(void **state)
{
	static struct sp_keys ks;
	static const char only[] = "# nothing\n\n   \n#\r\n";

	(void)state;
	sp_keys_init(&ks);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)"", 0, NULL), 0);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)only,
					strlen(only), NULL), 0);
	assert_int_equal(ks.count, 0);
}

static void test_keys_round_trip(void **state)
{
	static struct sp_keys a;
	static struct sp_keys b;
	static uint8_t text[SP_KEYS_MAX * SP_KEYS_LINE_SIZE];
	static const char want[] =
		"00112233445566778899aabbccddeeff 000102030405060708090a0b0c0d0e0f\n"
		"102030405060708090a0b0c0d0e0f000 ffeeddccbbaa99887766554433221100\n"
		"abcdefabcdefabcdefabcdefabcdef01 0f0e0d0c0b0a09080706050403020100\n";
	int n = 0;

	(void)state;
	sp_keys_init(&a);
	sp_keys_init(&b);
	assert_int_equal(sp_keys_decode(&a, (const uint8_t *)k_keys_good,
					strlen(k_keys_good), NULL), 3);
	n = sp_keys_encode(&a, text, sizeof(text));
	assert_int_equal(n, 3 * SP_KEYS_LINE_SIZE);
	assert_int_equal(strlen(want), (size_t)n);
	assert_memory_equal(text, want, (size_t)n);
	assert_int_equal(sp_keys_decode(&b, text, (size_t)n, NULL), 3);
	assert_true(sp_keys_eq(&a, &b));
	/* One byte short: -ENOSPC, nothing written. */
	memset(text, POISON, sizeof(text));
	assert_int_equal(sp_keys_encode(&a, text, (size_t)n - 1), -ENOSPC);
	assert_true(all_bytes(text, sizeof(text), POISON));
	sp_keys_fini(&a);
	sp_keys_fini(&b);
}

/* Writes a file of @count distinct keys; returns its size. */
static size_t keys_file(char *buf, size_t cap, unsigned int count)
{
	size_t used = 0;

	for (unsigned int i = 0; i < count; i++) {
		int n = snprintf(buf + used, cap - used,
				 "%032x %032x\n", i + 1, 0xC0DE0000u + i);

		assert_true(n == 66);
		used += (size_t)n;
	}
	return used;
}

static void test_keys_limit(void **state)
{
	static struct sp_keys ks;
	static char text[(SP_KEYS_MAX + 2) * 70];
	struct rheap_diag diag = { 0 };
	size_t n = 0;

	(void)state;
	sp_keys_init(&ks);
	n = keys_file(text, sizeof(text), SP_KEYS_MAX);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)text, n, NULL),
			 SP_KEYS_MAX);
	n = keys_file(text, sizeof(text), SP_KEYS_MAX + 1);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)text, n, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "line");
	assert_int_equal(diag.value, SP_KEYS_MAX + 1);
	assert_true(diag.has_limit);
	assert_int_equal(diag.limit, SP_KEYS_MAX);
	/* The rejected file left the earlier 64 keys in place. */
	assert_int_equal(ks.count, SP_KEYS_MAX);
	sp_keys_fini(&ks);
}

static void test_keys_add(void **state)
{
	static struct sp_keys ks;
	struct sp_cenc_key key = nist_key();
	const struct sp_cenc_key *k = NULL;
	uint8_t kid[16] = { 0 };

	(void)state;
	sp_keys_init(&ks);
	for (unsigned int i = 0; i < SP_KEYS_MAX; i++) {
		kid[0] = (uint8_t)i;
		assert_int_equal(sp_keys_add(&ks, kid, &key), 0);
	}
	kid[0] = 5;
	assert_int_equal(sp_keys_add(&ks, kid, &key), -EINVAL);
	kid[0] = 0xF0;
	assert_int_equal(sp_keys_add(&ks, kid, &key), -ENOSPC);
	kid[0] = 63;
	assert_int_equal(sp_keys_find(&ks, kid, &k), 0);
	assert_memory_equal(k->bytes, key.bytes, 16);
	sp_keys_fini(&ks);
}

static void test_keys_fini_wipes(void **state)
{
	static struct sp_keys ks;

	(void)state;
	sp_keys_init(&ks);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)k_keys_good,
					strlen(k_keys_good), NULL), 3);
	sp_keys_fini(&ks);
	assert_true(all_bytes((const uint8_t *)&ks, sizeof(ks), 0));
}

/* A new file replaces the old keys; their slots are wiped. */
static void test_keys_decode_replaces(void **state)
{
	static struct sp_keys ks;
	static const char one[] =
		"ffffffffffffffffffffffffffffffff 11111111111111111111111111111111\n";
	const struct sp_cenc_key *k = NULL;
	uint8_t kid[16] = { 0 };

	(void)state;
	sp_keys_init(&ks);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)k_keys_good,
					strlen(k_keys_good), NULL), 3);
	assert_int_equal(sp_keys_decode(&ks, (const uint8_t *)one,
					strlen(one), NULL), 1);
	hex_to("00112233445566778899aabbccddeeff", kid, 16);
	assert_int_equal(sp_keys_find(&ks, kid, &k), -ENOENT);
	assert_true(all_bytes((const uint8_t *)&ks.entries[1],
			      sizeof(ks.entries) - sizeof(ks.entries[0]), 0));
	sp_keys_fini(&ks);
}

struct hostile_line {
	const char *name;
	const char *line; /* placed on line 3 */
	size_t len;       /* 0: strlen */
};

#define GOOD_KID "00112233445566778899aabbccddeeff"
#define GOOD_KEY "000102030405060708090a0b0c0d0e0f"
#define KID2 "0123456789abcdef0123456789abcdef"

static const struct hostile_line k_hostile_lines[] = {
	{ "key_rej_kid_31_hex", "0123456789abcdef0123456789abcde " GOOD_KEY, 0 },
	{ "key_rej_kid_33_hex", KID2 "0 " GOOD_KEY, 0 },
	{ "key_rej_key_31_hex", KID2 " 000102030405060708090a0b0c0d0e0", 0 },
	{ "key_rej_key_33_hex", KID2 " " GOOD_KEY "0", 0 },
	{ "key_rej_kid_bad_hex", "0123456789abcdeg0123456789abcdef " GOOD_KEY,
	  0 },
	{ "key_rej_key_bad_hex", KID2 " 000102030405060708090a0b0c0d0e0z", 0 },
	{ "key_rej_missing_key", KID2, 0 },
	{ "key_rej_missing_key_trailing_blank", KID2 "  \t", 0 },
	{ "key_rej_three_fields", KID2 " " GOOD_KEY " " GOOD_KEY, 0 },
	{ "key_rej_comment_after_key", KID2 " " GOOD_KEY " # note", 0 },
	{ "key_rej_uuid_dash_misplaced",
	  "0123456-89ab-cdef-0123-456789abcdef0 " GOOD_KEY, 0 },
	{ "key_rej_uuid_missing_dash_extra_digit",
	  "01234567-89ab-cdef-0123x456789abcdef " GOOD_KEY, 0 },
	{ "key_rej_uuid_in_braces",
	  "{01234567-89ab-cdef-0123-456789abcdef} " GOOD_KEY, 0 },
	{ "key_rej_key_in_uuid_form",
	  KID2 " 00010203-0405-0607-0809-0a0b0c0d0e0f", 0 },
	{ "key_rej_duplicate_kid", GOOD_KID " " GOOD_KEY, 0 },
	{ "key_rej_duplicate_kid_uuid_form",
	  "00112233-4455-6677-8899-aabbccddeeff " GOOD_KEY, 0 },
	{ "key_rej_duplicate_kid_other_case",
	  "00112233445566778899AABBCCDDEEFF " GOOD_KEY, 0 },
	{ "key_rej_nul_in_key",
	  KID2 " 00010203040506070809\0a0b0c0d0e0f", 65 },
	{ "key_rej_cr_in_middle", KID2 "\r " GOOD_KEY, 0 },
	{ "key_rej_0x_prefix", "0x" KID2 " " GOOD_KEY, 0 },
	{ "key_rej_comma_separator", KID2 "," GOOD_KEY, 0 },
	{ "key_rej_non_ascii_in_kid",
	  "0123456789abcdef0123456789abcd\xc3\xa9 " GOOD_KEY, 0 },
	{ "key_rej_kid_split_by_space",
	  "0123456789abcdef 0123456789abcdef " GOOD_KEY, 0 },
	{ "key_rej_uuid_shape_not_hex",
	  "0123456x-89ab-cdef-0123-456789abcdef " GOOD_KEY, 0 },
	{ "key_rej_vertical_tab_separator", KID2 "\v" GOOD_KEY, 0 },
	{ "key_rej_plus_sign_in_key", KID2 " +00102030405060708090a0b0c0d0e0f",
	  0 },
	{ "key_rej_comment_not_first", "x # " KID2, 0 },
	{ "key_rej_kid_empty_key_only", " " GOOD_KEY, 0 },
};

static void run_hostile_line(void **state)
{
	const struct hostile_line *c = *state;
	static struct sp_keys ks;
	static struct sp_keys before;
	static const char head[] = "# header\n" GOOD_KID " " GOOD_KEY "\n";
	static const char tail[] = "\nfedcba9876543210fedcba9876543210 " GOOD_KEY
				   "\n";
	static uint8_t text[512];
	struct rheap_diag diag = { 0 };
	size_t len = c->len ? c->len : strlen(c->line);
	size_t n = 0;
	uint8_t seed_kid[16] = { 0x42 };
	struct sp_cenc_key seed_key = nist_key();

	/* A store with one key, to prove rejection changes nothing. */
	sp_keys_init(&ks);
	assert_int_equal(sp_keys_add(&ks, seed_kid, &seed_key), 0);
	before = ks;

	memcpy(text, head, strlen(head));
	n = strlen(head);
	memcpy(text + n, c->line, len);
	n += len;
	memcpy(text + n, tail, strlen(tail));
	n += strlen(tail);
	assert_int_equal(sp_keys_decode(&ks, text, n, &diag), -EINVAL);
	assert_non_null(diag.field);
	assert_string_equal(diag.field, "line");
	assert_int_equal(diag.value, 3);
	assert_true(sp_keys_eq(&ks, &before));
	sp_keys_fini(&ks);
}

/* ------------------------------------------------------------------ */

static void add_rows(struct CMUnitTest *t, size_t *n, const void *rows,
		     size_t row_size, size_t count,
		     void (*fn)(void **state))
{
	for (size_t i = 0; i < count; i++) {
		const void *row = (const uint8_t *)rows + i * row_size;

		t[*n].name = *(const char *const *)row; /* first member */
		t[*n].test_func = fn;
		t[*n].setup_func = NULL;
		t[*n].teardown_func = NULL;
		t[*n].initial_state = (void *)(uintptr_t)row;
		(*n)++;
	}
}

#define ADD_TABLE(t, n, table, fn)                                             \
	add_rows((t), (n), (table), sizeof((table)[0]), ARRAY_SIZE(table), (fn))

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_nist_ctr_decrypt),
		cmocka_unit_test(test_nist_ctr_encrypt),
		cmocka_unit_test(test_nist_ctr_split),
		cmocka_unit_test(test_nist_ctr_in_place),
		cmocka_unit_test(test_nist_references),
		cmocka_unit_test(test_cenc_boundary_sweep),
		cmocka_unit_test(test_cenc_empty_sample),
		cmocka_unit_test(test_cenc_partial_overlap),
		cmocka_unit_test(test_cenc_validate_map_huge),
		cmocka_unit_test(test_memref_bounds_edges_ok),
		cmocka_unit_test(test_memref_bounds_limit_recorded),
		cmocka_unit_test(test_sdp_inject_transform_dump),
		cmocka_unit_test(test_sdp_transform_all_byte_values),
		cmocka_unit_test(test_sdp_typing_rejected),
		cmocka_unit_test(test_sdp_dump_needs_debug),
		cmocka_unit_test(test_sdp_short_output),
		cmocka_unit_test(test_keys_decode_good),
		cmocka_unit_test(test_keys_find_unknown),
		cmocka_unit_test(test_keys_empty_and_comment_only),
		cmocka_unit_test(test_keys_round_trip),
		cmocka_unit_test(test_keys_limit),
		cmocka_unit_test(test_keys_add),
		cmocka_unit_test(test_keys_fini_wipes),
		cmocka_unit_test(test_keys_decode_replaces),
	};
	static struct CMUnitTest tests[ARRAY_SIZE(fixed) +
				       ARRAY_SIZE(k_cenc_cases) +
				       ARRAY_SIZE(k_wrap_cases) +
				       ARRAY_SIZE(k_hostile_cenc) +
				       ARRAY_SIZE(k_oob_cases) +
				       ARRAY_SIZE(k_access_cases) +
				       ARRAY_SIZE(k_hostile_lines)];
	size_t n = 0;

	memcpy(tests, fixed, sizeof(fixed));
	n = ARRAY_SIZE(fixed);
	ADD_TABLE(tests, &n, k_cenc_cases, run_cenc_case);
	ADD_TABLE(tests, &n, k_wrap_cases, run_wrap_case);
	ADD_TABLE(tests, &n, k_hostile_cenc, run_hostile_cenc);
	ADD_TABLE(tests, &n, k_oob_cases, run_oob_case);
	ADD_TABLE(tests, &n, k_access_cases, run_access_case);
	ADD_TABLE(tests, &n, k_hostile_lines, run_hostile_line);
	return _cmocka_run_group_tests("sp", tests, n, NULL, NULL);
}
