// SPDX-License-Identifier: BSD-2-Clause
/*
 * CENC 'cenc' (AES-128-CTR) sample decryption.
 *
 * Mbed TLS keeps the CTR state the way we need it across subsamples: the
 * counter block, the last keystream block and the offset into it
 * (`nc_off`). Passing the same three to every `mbedtls_aes_crypt_ctr()` call
 * of a sample makes the protected ranges one continuous keystream,
 * including a partial block that ends one subsample and begins the next.
 *
 * The one thing Mbed TLS does differently from CENC is the counter width:
 * it carries an increment through all 16 bytes, while the CENC block
 * counter is bytes 8..15 only, modulo 2^64 (see sp_cenc.h). So each call is
 * cut where the low half would wrap, and bytes 0..7 of the counter block
 * are restored from the IV after every call; for every sample that does
 * not wrap this is one extra 8-byte copy per subsample.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/platform_util.h>

#include <rheap/diag.h>
#include <rheap/err.h>

#include "common/wire.h"
#include "sp/sp_cenc.h"

/* Keystream state of one sample; lives on the stack, wiped at the end. */
struct cenc_stream {
	mbedtls_aes_context aes;
	/* Next counter block to encrypt (big-endian). */
	uint8_t counter[SP_CENC_BLOCK_SIZE];
	/* Last keystream block; bytes from `block_off` on are unused. */
	uint8_t block[SP_CENC_BLOCK_SIZE];
	/* 0 means "no unused keystream bytes": the next byte starts a block. */
	size_t block_off;
	/* Bytes 0..7 of the counter block; constant for the whole sample. */
	uint8_t iv_high[8];
};

static uint64_t cenc_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

/*
 * How many bytes can be processed before the low 64 bits of the counter
 * wrap, or SIZE_MAX when that is more than any buffer can hold.
 */
static size_t cenc_bytes_before_wrap(const struct cenc_stream *s)
{
	uint64_t low = cenc_get_be64(s->counter + 8);
	uint64_t blocks = 0;
	uint64_t bytes = 0;

	if (low == 0) {
		return SIZE_MAX; /* 2^64 blocks ahead */
	}
	blocks = 0 - low; /* counter values low .. 2^64-1 */
	if (blocks > (UINT64_MAX - SP_CENC_BLOCK_SIZE) / SP_CENC_BLOCK_SIZE) {
		return SIZE_MAX;
	}
	bytes = blocks * SP_CENC_BLOCK_SIZE;
	if (s->block_off != 0) {
		bytes += SP_CENC_BLOCK_SIZE - s->block_off;
	}
	return bytes > SIZE_MAX ? SIZE_MAX : (size_t)bytes;
}

static void cenc_stream_crypt(struct cenc_stream *s, const uint8_t *in,
			      uint8_t *out, size_t len)
{
	while (len > 0) {
		size_t chunk = cenc_bytes_before_wrap(s);

		if (chunk > len) {
			chunk = len;
		}
		/* Cannot fail: the length is not restricted in CTR mode. */
		(void)mbedtls_aes_crypt_ctr(&s->aes, chunk, &s->block_off,
					    s->counter, s->block, in, out);
		/* Undo a carry out of the 64-bit block counter, if any. */
		memcpy(s->counter, s->iv_high, sizeof(s->iv_high));
		in += chunk;
		out += chunk;
		len -= chunk;
	}
}

int sp_cenc_validate_map(const struct sp_cenc_subsample *subs,
			 uint32_t sub_count, size_t in_size,
			 struct rheap_diag *diag)
{
	uint64_t total = 0;

	if (!subs) {
		if (sub_count != 0) {
			return wire_reject(diag, "subsample_count", sub_count,
					   "is not 0 although there is no map");
		}
		return 0;
	}
	/*
	 * `total` never exceeds `in_size` after a step, so each addition is
	 * of at most 2^32 to a value <= SIZE_MAX; the overflow check only
	 * matters when `in_size` is close to 2^64.
	 */
	for (uint32_t i = 0; i < sub_count; i++) {
		if (__builtin_add_overflow(total, subs[i].clear_size, &total) ||
		    total > in_size) {
			return wire_reject_at_lim(diag,
				"subsamples.bytes_of_clear_data", i,
				subs[i].clear_size,
				"runs past the end of the sample of", in_size);
		}
		if (__builtin_add_overflow(total, subs[i].protected_size,
					   &total) ||
		    total > in_size) {
			return wire_reject_at_lim(diag,
				"subsamples.bytes_of_protected_data", i,
				subs[i].protected_size,
				"runs past the end of the sample of", in_size);
		}
	}
	if (total != in_size) {
		return wire_reject_lim(diag, "subsamples", total,
				       "bytes in the map, but the sample has",
				       in_size);
	}
	return 0;
}

/* True if [a, a+n) and [b, b+n) overlap without being the same range. */
static bool cenc_partial_overlap(const uint8_t *a, const uint8_t *b, size_t n)
{
	uintptr_t pa = (uintptr_t)a;
	uintptr_t pb = (uintptr_t)b;

	if (n == 0 || pa == pb) {
		return false;
	}
	return pa < pb ? pb - pa < n : pa - pb < n;
}

int sp_cenc_decrypt(const struct sp_cenc_key *key, const uint8_t *iv,
		    size_t iv_size, const struct sp_cenc_subsample *subs,
		    uint32_t sub_count, const uint8_t *in, size_t in_size,
		    uint8_t *out, size_t out_size, struct rheap_diag *diag)
{
	struct cenc_stream s = { 0 };
	int rc = 0;

	/* Every check comes before the first write to `out`. */
	if (iv_size != SP_CENC_IV_SIZE_SHORT && iv_size != SP_CENC_IV_SIZE_FULL) {
		return wire_reject(diag, "iv_size", iv_size,
				   "is neither 8 nor 16");
	}
	rc = sp_cenc_validate_map(subs, sub_count, in_size, diag);
	if (rc) {
		return rc;
	}
	if (out_size < in_size) {
		return wire_reject_err(diag, -ENOSPC, "out_size",
				       RHEAP_DIAG_NO_INDEX, out_size,
				       "is smaller than the sample of", true,
				       in_size);
	}
	if (cenc_partial_overlap(in, out, in_size)) {
		return wire_reject(diag, "out", (uintptr_t)out,
				   "partially overlaps the input");
	}
	if (in_size == 0) {
		return 0;
	}

	mbedtls_aes_init(&s.aes);
	/* AES-CTR decrypts with the encryption schedule. */
	if (mbedtls_aes_setkey_enc(&s.aes, key->bytes, 8 * SP_CENC_KEY_SIZE)) {
		rc = -EINVAL; /* unreachable for a 128-bit key */
		goto out_wipe;
	}
	memcpy(s.counter, iv, iv_size); /* an 8-byte IV leaves 8..15 zero */
	memcpy(s.iv_high, s.counter, sizeof(s.iv_high));

	if (!subs) {
		cenc_stream_crypt(&s, in, out, in_size);
	} else {
		size_t pos = 0;

		for (uint32_t i = 0; i < sub_count; i++) {
			size_t clear = subs[i].clear_size;
			size_t prot = subs[i].protected_size;

			if (clear != 0 && in != out) {
				memcpy(out + pos, in + pos, clear);
			}
			pos += clear;
			cenc_stream_crypt(&s, in + pos, out + pos, prot);
			pos += prot;
		}
	}

out_wipe:
	/* Success and failure alike: the schedule and keystream are secret. */
	mbedtls_aes_free(&s.aes);
	mbedtls_platform_zeroize(&s, sizeof(s));
	return rc;
}
