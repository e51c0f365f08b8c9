// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for DECRYPT's parameter parser and split plan
 * (include/rheap/sdp_decrypt.h), the source ktee and the kernel module
 * share.
 *
 * Input: bytes 0..3 the area's capacity (little-endian, reduced modulo
 * 2^20), byte 4 the mode, the rest parameter 2 (the info, then the map).
 *   mode bit 0 set: the sample size n is what the map adds up to (the
 *                   whole-sample case: bytes 5..8 of the input), so that
 *                   most maps are accepted;
 *   mode bit 0 clear: n = the capacity bytes read as the size.
 *
 * Properties (abort() on violation), for an accepted info:
 *   - the first piece starts at 0 with the sent IV; every later one starts
 *     past the previous start and inside the previous piece, where the
 *     protected bytes before it are a multiple of 16, with the IV counter
 *     (bytes 8..15, big-endian) advanced by those blocks modulo 2^64;
 *   - no piece is longer than the capacity or ends past n; the plan ends
 *     at n exactly (or -EOVERFLOW, and stays there);
 *   - a piece's map (written into a buffer of exactly
 *     SDP_DECRYPT_MAP_MAX bytes) has at most sub_count entries, clear
 *     sizes <= 65535, and adds up to the piece's size with exactly the
 *     piece's protected bytes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/sdp_decrypt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Pieces walked at most per input (a tiny capacity over 4 GiB). */
#define FUZZ_MAX_PIECES 4096u

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void check(int ok)
{
	if (!ok) {
		abort();
	}
}

static void iv_step(const struct sdp_decrypt *dc, uint64_t blocks,
		    uint8_t iv[16])
{
	uint64_t low = 0;

	memcpy(iv, dc->iv, 16);
	for (int i = 8; i < 16; i++) {
		low = low << 8 | iv[i];
	}
	low += blocks;
	for (int i = 15; i >= 8; i--) {
		iv[i] = (uint8_t)low;
		low >>= 8;
	}
}

static void check_map(const struct sdp_decrypt *dc, uint64_t s, uint64_t e)
{
	uint8_t *map = malloc(SDP_DECRYPT_MAP_MAX);
	uint64_t sum = 0;
	uint64_t prot = 0;
	uint32_t m = 0;

	check(map != NULL);
	m = sdp_decrypt_piece_map(dc, s, e, map);
	check(m <= dc->sub_count);
	for (uint32_t j = 0; j < m; j++) {
		uint32_t c = get32(map + 8 * j);
		uint32_t p = get32(map + 8 * j + 4);

		check(c <= SDP_DECRYPT_CLEAR_MAX);
		check(c != 0 || p != 0);
		sum += (uint64_t)c + p;
		prot += p;
	}
	check(sum == e - s);
	check(prot == sdp_decrypt_prot_before(dc, e) -
			      sdp_decrypt_prot_before(dc, s));
	free(map);
}

static void walk(const struct sdp_decrypt *dc, uint64_t n, uint64_t cap)
{
	struct sdp_decrypt_plan pl = { .n = 0 };
	uint64_t prev_s = 0;
	uint64_t prev_e = 0;
	uint32_t pieces = 0;
	int rc = 0;

	sdp_decrypt_plan_init(&pl, dc, n, cap);
	while ((rc = sdp_decrypt_plan_next(&pl)) > 0) {
		uint64_t prot = sdp_decrypt_prot_before(dc, pl.start);
		uint8_t iv[16] = { 0 };

		if (pieces == 0) {
			check(pl.start == 0);
			check(memcmp(pl.iv, dc->iv, 16) == 0);
			check(pl.iv_size == dc->iv_size);
		} else {
			check(pl.start > prev_s && pl.start <= prev_e);
			iv_step(dc, prot / SDP_DECRYPT_BLOCK, iv);
			check(memcmp(pl.iv, iv, 16) == 0);
			check(pl.iv_size == 16);
		}
		check(prot % SDP_DECRYPT_BLOCK == 0);
		check(pl.start <= pl.end && pl.end <= n);
		check(pl.end - pl.start <= cap);
		if (dc->sub_count) {
			check_map(dc, pl.start, pl.end);
		}
		prev_s = pl.start;
		prev_e = pl.end;
		if (++pieces == FUZZ_MAX_PIECES) {
			return;
		}
	}
	check(rc == 0 || rc == -EOVERFLOW);
	if (rc == 0) {
		check(pieces > 0 && prev_e == n);
	}
	check(sdp_decrypt_plan_next(&pl) == rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp_decrypt dc;
	const uint8_t *info = data + 5;
	uint64_t info_len = 0;
	uint64_t cap = 0;
	uint64_t n = 0;
	uint8_t *copy = NULL;

	if (size < 5) {
		return 0;
	}
	info_len = size - 5;
	cap = get32(data) % (1u << 20);
	if (data[4] & 1u) {
		struct sdp_ta_decrypt_info h = { .iv_size = 0 };

		if (info_len < sizeof(h)) {
			return 0;
		}
		memcpy(&h, info, sizeof(h));
		if (h.subsample_count == 0) {
			n = info_len >= 4 ? get32(info) : 0;
		} else {
			for (uint64_t j = 0; j < h.subsample_count &&
					     sizeof(h) + 8 * (j + 1) <= info_len;
			     j++) {
				n += get32(info + sizeof(h) + 8 * j);
				n += get32(info + sizeof(h) + 8 * j + 4);
			}
		}
	} else {
		n = get32(data);
	}
	/* A copy of exactly the info's bytes: reads past them are caught. */
	copy = malloc(info_len ? info_len : 1);

	check(copy != NULL);
	memcpy(copy, info, info_len);
	if (sdp_decrypt_parse(&dc, copy, info_len, n) == 0) {
		check(dc.iv_size == 8 || dc.iv_size == 16);
		check(dc.sub_count <= SDP_MAX_SUBSAMPLES);
		check(info_len == sizeof(struct sdp_ta_decrypt_info) +
					  8ull * dc.sub_count);
		walk(&dc, n, cap);
	} else {
		check(sdp_decrypt_parse(&dc, copy, info_len, n) == -EINVAL);
	}
	free(copy);
	return 0;
}
