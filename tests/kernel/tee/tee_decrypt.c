// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-guest DECRYPT test (static; run by the guest's /init): the rheap
 * module's SDP_TA_CMD_DECRYPT (include/rheap/sdp_ta.h) through librheap's
 * TEE Client API on /dev/tee0, into a restricted buffer of
 * /dev/dma_heap/protected,secure-video, the output read back through the
 * debug DUMP (the board runs with --debug-dump):
 *
 *   - the NIST SP 800-38A F.5.1 CTR-AES128 vector (the board's key file
 *     tests/kernel/tee/test.keys holds its key under KID 10..1f): the
 *     64-byte ciphertext as one protected sample, and cut into subsamples
 *     with clear bytes between (the keystream carries over), 8- and
 *     16-byte IVs; the sample from a TEEC_AllocateSharedMemory block
 *     (PARTIAL_INPUT) as well as from client memory (TEMP);
 *   - two threads, each with its own context and session, decrypting
 *     into their own halves of the buffer at once (the driver serializes
 *     the parameter area): every result right;
 *   - samples larger than the module's parameter area (256 KiB, data part
 *     252 KiB), which the driver splits at keystream block boundaries with
 *     the IV's counter advanced: checked against single-piece decrypts of
 *     zeros (the keystream itself) whose IV the test advances on its own,
 *     incl. a counter that wraps 2^64;
 *   - refusals, each before any byte moves (the output region is filled
 *     with a pattern first and dumped after): a subsample table not adding
 *     up, an info of the wrong size, an IV size of 12, a clear size above
 *     65535, an output smaller than the sample (SHORT_BUFFER and the size
 *     needed), NS memory as the output or restricted memory as the input,
 *     an unknown KID, a sample that cannot be split (EXCESS_DATA), an
 *     output across two extents (a 20 MiB buffer of
 *     protected,secure-video-record spans two 16 MiB chunks); and
 *     protected,trusted-ui memory, which the partition does not decrypt
 *     into (ACCESS_DENIED; its bytes cannot be dumped).
 *
 * Without a key at the board (ITEM_NOT_FOUND on the first vector) the
 * decrypting checks are skipped with a note; the refusals still run.
 * Exit 0 only when every check passed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/rheap.h>
#include <rheap/sdp_ta.h>
#include <rheap/tee_client_api.h>

#include "../heaps/ktap.h"

#define HEAP "protected,secure-video"
#define HEAP_REC "protected,secure-video-record"
#define HEAP_TUI "protected,trusted-ui"
#define CHUNK (16u << 20)
#define OUT_SIZE (512u * 1024u)
/* The module's parameter area's data part (RHEAP_SEC_PARAM_SIZE - 4 KiB). */
#define AREA_DATA (256u * 1024u - 4096u)
#define REGION 4096u
#define PATTERN 0xa5u

static const TEEC_UUID sdp_basic = SDP_TA_SDP_BASIC_UUID;

/* NIST SP 800-38A F.5.1 CTR-AES128.Encrypt. */
static const uint8_t k_kid[16] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const uint8_t k_ctr[16] = {
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};
static const uint8_t k_pt[64] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e,
	0x11, 0x73, 0x93, 0x17, 0x2a, 0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03,
	0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51, 0x30,
	0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19,
	0x1a, 0x0a, 0x52, 0xef, 0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b,
	0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10,
};
static const uint8_t k_ct[64] = {
	0x87, 0x4d, 0x61, 0x91, 0xb6, 0x20, 0xe3, 0x26, 0x1b, 0xef, 0x68,
	0x64, 0x99, 0x0d, 0xb6, 0xce, 0x98, 0x06, 0xf6, 0x6b, 0x79, 0x70,
	0xfd, 0xff, 0x86, 0x17, 0x18, 0x7b, 0xb9, 0xff, 0xfd, 0xff, 0x5a,
	0xe4, 0xdf, 0x3e, 0xdb, 0xd5, 0xd3, 0x5e, 0x5b, 0x4f, 0x09, 0x02,
	0x0d, 0xb0, 0x3e, 0xab, 0x1e, 0x03, 0x1d, 0xda, 0x2f, 0xbe, 0x03,
	0xd1, 0x79, 0x21, 0x70, 0xa0, 0xf3, 0x00, 0x9c, 0xee,
};

/**
 * struct dt - the test's TEE state
 * @ctx:  the context
 * @sess: a session to sdp_basic
 * @out:  the restricted buffer, registered
 * @keyed: the board holds the test key (the NIST vector decrypted)
 * @fd:   a dup of @out's dma-buf fd (the threads register it again), -1
 */
struct dt {
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_SharedMemory out;
	bool keyed;
	int fd;
};

/**
 * struct info - DECRYPT's parameter 2 with room for a map
 * @h:    the header
 * @subs: the map
 */
struct info {
	struct sdp_ta_decrypt_info h;
	struct sdp_abi_subsample subs[SDP_MAX_SUBSAMPLES + 1];
};

/* The info for @count subsamples; returns its size. */
static size_t info_set(struct info *in, const uint8_t kid[16],
		       const uint8_t iv[16], uint32_t iv_size,
		       const struct sdp_abi_subsample *subs, uint32_t count)
{
	memset(in, 0, sizeof(*in));
	memcpy(in->h.kid, kid, 16);
	memcpy(in->h.iv, iv, iv_size <= 16 ? iv_size : 16);
	in->h.iv_size = iv_size;
	in->h.subsample_count = count;
	if (count) {
		memcpy(in->subs, subs, count * sizeof(*subs));
	}
	return sizeof(in->h) + count * sizeof(*subs);
}

/*
 * One DECRYPT: @src (@n bytes, TEMP) into @out at @off, @out_size bytes
 * offered; the info TEMP. @got: the output size the driver set.
 */
static TEEC_Result decrypt_to(struct dt *t, const void *src, size_t n,
			      TEEC_SharedMemory *out, size_t off,
			      size_t out_size, const struct info *in,
			      size_t in_size, uint32_t *origin, size_t *got)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	TEEC_Result res = 0;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_NONE);
	op.params[0].tmpref.buffer = (void *)src;
	op.params[0].tmpref.size = n;
	op.params[1].memref.parent = out;
	op.params[1].memref.offset = off;
	op.params[1].memref.size = out_size;
	op.params[2].tmpref.buffer = (void *)in;
	op.params[2].tmpref.size = in_size;
	*origin = 0;
	res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DECRYPT, &op, origin);
	if (got) {
		*got = op.params[1].memref.size;
	}
	return res;
}

static TEEC_Result decrypt(struct dt *t, const void *src, size_t n,
			   size_t off, const struct info *in, size_t in_size,
			   uint32_t *origin)
{
	return decrypt_to(t, src, n, &t->out, off, n, in, in_size, origin,
			  NULL);
}

/* Raw TEE calls on @t->out: INJECT from / DUMP into client memory. */
static TEEC_Result copy(struct dt *t, uint32_t cmd, size_t off, void *buf,
			size_t len)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	uint32_t origin = 0;
	bool in = cmd == SDP_TA_CMD_INJECT;

	op.paramTypes = in ? TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					      TEEC_MEMREF_PARTIAL_OUTPUT,
					      TEEC_NONE, TEEC_NONE) :
			     TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					      TEEC_MEMREF_TEMP_OUTPUT,
					      TEEC_NONE, TEEC_NONE);
	op.params[in ? 0 : 1].tmpref.buffer = buf;
	op.params[in ? 0 : 1].tmpref.size = len;
	op.params[in ? 1 : 0].memref.parent = &t->out;
	op.params[in ? 1 : 0].memref.offset = off;
	op.params[in ? 1 : 0].memref.size = len;
	return TEEC_InvokeCommand(&t->sess, cmd, &op, &origin);
}

/* Fill the hostile cases' region [0, REGION) with PATTERN. */
static bool region_fill(struct dt *t)
{
	uint8_t buf[REGION];

	memset(buf, PATTERN, sizeof(buf));
	return copy(t, SDP_TA_CMD_INJECT, 0, buf, sizeof(buf)) == TEEC_SUCCESS;
}

/* The region still holds PATTERN (nothing moved). */
static bool region_intact(struct dt *t)
{
	uint8_t buf[REGION];

	memset(buf, 0, sizeof(buf));
	if (copy(t, SDP_TA_CMD_DUMP, 0, buf, sizeof(buf)) != TEEC_SUCCESS) {
		return false;
	}
	for (size_t i = 0; i < sizeof(buf); i++) {
		if (buf[i] != PATTERN) {
			return false;
		}
	}
	return true;
}

/* Bytes of @a and @b that differ. */
static size_t diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t d = 0;

	for (size_t i = 0; i < n; i++) {
		d += a[i] != b[i];
	}
	return d;
}

/* The NIST vector, whole and in subsamples. */
static void nist(struct dt *t)
{
	static const struct sdp_abi_subsample subs[3] = {
		{ 5, 20 }, { 0, 12 }, { 7, 32 },
	};
	uint8_t sample[64 + 12];
	uint8_t want[64 + 12];
	uint8_t got[64 + 12];
	uint8_t iv8[16] = { 0 };
	struct info in;
	uint32_t origin = 0;
	size_t is = info_set(&in, k_kid, k_ctr, 16, NULL, 0);
	size_t n = 0;
	TEEC_Result res = decrypt(t, k_ct, 64, 8192, &in, is, &origin);

	if (res == TEEC_ERROR_ITEM_NOT_FOUND) {
		ktap_note("the board has no key for KID 10..1f (no --keys "
			  "tests/kernel/tee/test.keys): decrypting checks "
			  "skipped");
		return;
	}
	memset(got, 0, sizeof(got));
	ktap_check(res == TEEC_SUCCESS &&
			   copy(t, SDP_TA_CMD_DUMP, 8192, got, 64) ==
				   TEEC_SUCCESS &&
			   diff(got, k_pt, 64) == 0,
		   "NIST CTR vector: 64 bytes decrypted and dumped equal the "
		   "plaintext (%#x origin %u)",
		   res, origin);
	t->keyed = res == TEEC_SUCCESS;
	/* Clear bytes between, the keystream carries over the subsamples. */
	for (uint32_t i = 0, k = 0; i < 3; i++) {
		for (uint32_t j = 0; j < subs[i].clear_size; j++, n++) {
			sample[n] = (uint8_t)(0x30 + n);
			want[n] = sample[n];
		}
		for (uint32_t j = 0; j < subs[i].protected_size; j++, n++) {
			sample[n] = k_ct[k];
			want[n] = k_pt[k++];
		}
	}
	is = info_set(&in, k_kid, k_ctr, 16, subs, 3);
	res = decrypt(t, sample, n, 8192 + 100, &in, is, &origin);
	memset(got, 0, sizeof(got));
	ktap_check(res == TEEC_SUCCESS &&
			   copy(t, SDP_TA_CMD_DUMP, 8192 + 100, got, n) ==
				   TEEC_SUCCESS &&
			   diff(got, want, n) == 0,
		   "NIST vector in 3 subsamples (%zu bytes, 12 clear): "
		   "%#x origin %u, clear bytes kept, protected decrypted",
		   n, res, origin);
	/* An 8-byte IV is the counter block with a zero low half. */
	memcpy(iv8, k_ctr, 8);
	is = info_set(&in, k_kid, iv8, 8, NULL, 0);
	res = decrypt(t, k_ct, 16, 12288, &in, is, &origin);
	{
		uint8_t ks8[16];
		uint8_t ks16[16];
		uint8_t zero[16] = { 0 };

		memset(ks8, 0, sizeof(ks8));
		(void)copy(t, SDP_TA_CMD_DUMP, 12288, ks8, 16);
		is = info_set(&in, k_kid, iv8, 16, NULL, 0);
		(void)decrypt(t, k_ct, 16, 12288 + 16, &in, is, &origin);
		memset(ks16, 0, sizeof(ks16));
		(void)copy(t, SDP_TA_CMD_DUMP, 12288 + 16, ks16, 16);
		ktap_check(res == TEEC_SUCCESS && diff(ks8, ks16, 16) == 0 &&
				   diff(ks8, zero, 16) != 0,
			   "an 8-byte IV decrypts as the zero-extended 16-byte "
			   "IV (%#x)",
			   res);
	}
}

/* @iv with its low 64 bits (big-endian) advanced by @blocks. */
static void iv_add(uint8_t iv[16], uint64_t blocks)
{
	uint64_t low = 0;

	for (int i = 8; i < 16; i++) {
		low = low << 8 | iv[i];
	}
	low += blocks;
	for (int i = 15; i >= 8; i--) {
		iv[i] = (uint8_t)low;
		low >>= 8;
	}
}

/* The keystream of @len bytes from @iv: one single-piece decrypt of zeros
 * at @off, dumped into @ks. */
static bool keystream(struct dt *t, const uint8_t iv[16], size_t off,
		      uint8_t *ks, size_t len)
{
	uint8_t *zero = calloc(1, len);
	struct info in;
	uint32_t origin = 0;
	size_t is = info_set(&in, k_kid, iv, 16, NULL, 0);
	bool ok = zero != NULL && len <= AREA_DATA &&
		  decrypt(t, zero, len, off, &in, is, &origin) ==
			  TEEC_SUCCESS &&
		  copy(t, SDP_TA_CMD_DUMP, off, ks, len) == TEEC_SUCCESS;

	free(zero);
	return ok;
}

/*
 * Samples larger than the parameter area: the driver splits them. A whole
 * protected sample of zeros (the split at the area's size, a multiple of
 * 16) and a subsampled one whose cut falls inside an AES block.
 */
static void big(struct dt *t)
{
	const size_t n = AREA_DATA + 40000u;
	uint8_t iv[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xf0 };
	uint8_t iv2[16];
	struct sdp_abi_subsample subs[8];
	uint8_t *in = calloc(1, n);
	uint8_t *got = calloc(1, n);
	uint8_t *ks = calloc(1, n);
	struct info info;
	uint32_t origin = 0;
	size_t is = 0;
	size_t prot = 0;
	size_t bad = 0;
	TEEC_Result res = 0;

	if (!t->keyed || !in || !got || !ks) {
		goto out;
	}
	/* Whole protected: keystream from iv over n bytes, two pieces. */
	is = info_set(&info, k_kid, iv, 16, NULL, 0);
	res = decrypt(t, in, n, 0, &info, is, &origin);
	if (res == TEEC_SUCCESS) {
		res = copy(t, SDP_TA_CMD_DUMP, 0, got, n);
	}
	memcpy(iv2, iv, sizeof(iv2));
	iv_add(iv2, AREA_DATA / 16u);
	ktap_check(res == TEEC_SUCCESS &&
			   keystream(t, iv, 0, ks, AREA_DATA) &&
			   keystream(t, iv2, AREA_DATA, ks + AREA_DATA,
				     n - AREA_DATA) &&
			   diff(got, ks, n) == 0,
		   "%zu-byte protected sample (> the %u-byte area, counter "
		   "wraps 2^64): equals the keystream of single-piece "
		   "decrypts (%#x origin %u)",
		   n, AREA_DATA, res, origin);
	/* Subsamples: clear 20001 + protected 17001 (the cut at the area's
	 * size falls inside subsample 6's protected run, 118041 protected
	 * bytes before it: inside a block), clear bytes a pattern,
	 * protected zeros. */
	for (uint32_t i = 0; i < 8; i++) {
		subs[i].clear_size = 20001;
		subs[i].protected_size = 17001;
	}
	subs[7].protected_size = (uint32_t)(n - 7u * 37002u - 20001u);
	for (size_t i = 0, pos = 0; i < 8; i++) {
		memset(in + pos, (int)(0x40 + i), subs[i].clear_size);
		pos += subs[i].clear_size;
		memset(in + pos, 0, subs[i].protected_size);
		pos += subs[i].protected_size;
		prot += subs[i].protected_size;
	}
	is = info_set(&info, k_kid, iv, 16, subs, 8);
	res = decrypt(t, in, n, 0, &info, is, &origin);
	memset(got, 0, n);
	if (res == TEEC_SUCCESS) {
		res = copy(t, SDP_TA_CMD_DUMP, 0, got, n);
	}
	/* The protected bytes in order are the keystream from iv. */
	if (res == TEEC_SUCCESS && keystream(t, iv, 0, ks, prot)) {
		for (size_t i = 0, pos = 0, k = 0; i < 8; i++) {
			for (size_t j = 0; j < subs[i].clear_size; j++) {
				bad += got[pos++] != (uint8_t)(0x40 + i);
			}
			for (size_t j = 0; j < subs[i].protected_size; j++) {
				bad += got[pos++] != ks[k++];
			}
		}
	} else {
		bad = n;
	}
	ktap_check(res == TEEC_SUCCESS && bad == 0,
		   "%zu-byte sample in 8 subsamples (%zu protected, cut "
		   "inside a block): clear kept, protected = keystream "
		   "(%#x origin %u, %zu bytes wrong)",
		   n, prot, res, origin, bad);
out:
	if (!t->keyed) {
		ktap_note("large-sample checks skipped (no key)");
	}
	free(in);
	free(got);
	free(ks);
}

/* One refusal: the result, its origin, and the region untouched. */
static void refused(struct dt *t, const char *what, TEEC_Result res,
		    uint32_t origin, TEEC_Result want, uint32_t want_origin)
{
	ktap_check(res == want && origin == want_origin && region_intact(t),
		   "%s: %#x origin %u (want %#x origin %u), nothing written",
		   what, res, origin, want, want_origin);
}

static void hostile(struct dt *t, TEEC_SharedMemory *ns)
{
	static const struct sdp_abi_subsample short_map[2] = {
		{ 10, 20 }, { 0, 33 },
	};
	static const struct sdp_abi_subsample wide_clear[2] = {
		{ 65536, 0 }, { 0, 64 },
	};
	uint8_t unknown[16] = { 0xee };
	uint8_t sample[64];
	struct info in;
	uint32_t origin = 0;
	size_t got = 0;
	size_t is = 0;
	TEEC_Result res = 0;
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	if (!ktap_check(region_fill(t), "hostile region filled")) {
		return;
	}
	memcpy(sample, k_ct, sizeof(sample));
	is = info_set(&in, k_kid, k_ctr, 16, short_map, 2);
	res = decrypt(t, sample, 64, 0, &in, is, &origin);
	refused(t, "subsamples adding up to 63 of 64 bytes", res, origin,
		TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TRUSTED_APP);
	is = info_set(&in, k_kid, k_ctr, 16, NULL, 0);
	res = decrypt(t, sample, 64, 0, &in, is + 8, &origin);
	refused(t, "info 8 bytes longer than its map", res, origin,
		TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TRUSTED_APP);
	is = info_set(&in, k_kid, k_ctr, 12, NULL, 0);
	res = decrypt(t, sample, 64, 0, &in, is, &origin);
	refused(t, "IV size 12", res, origin, TEEC_ERROR_BAD_PARAMETERS,
		TEEC_ORIGIN_TRUSTED_APP);
	is = info_set(&in, k_kid, k_ctr, 16, NULL, 0);
	in.h.subsample_count = SDP_MAX_SUBSAMPLES + 1;
	res = decrypt(t, sample, 64, 0, &in,
		      sizeof(in.h) + (SDP_MAX_SUBSAMPLES + 1) *
					     sizeof(in.subs[0]),
		      &origin);
	refused(t, "257 subsamples", res, origin, TEEC_ERROR_BAD_PARAMETERS,
		TEEC_ORIGIN_TRUSTED_APP);
	{
		uint8_t *wide = calloc(1, 65536 + 64);

		is = info_set(&in, k_kid, k_ctr, 16, wide_clear, 2);
		res = wide ? decrypt(t, wide, 65536 + 64, 0, &in, is, &origin) :
			     TEEC_ERROR_OUT_OF_MEMORY;
		refused(t, "a clear size of 65536", res, origin,
			TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TRUSTED_APP);
		free(wide);
	}
	is = info_set(&in, k_kid, k_ctr, 16, NULL, 0);
	res = decrypt_to(t, sample, 64, &t->out, 0, 63, &in, is, &origin,
			 &got);
	refused(t, "output 63 bytes for a 64-byte sample", res, origin,
		TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP);
	ktap_check(got == 64, "SHORT_BUFFER gives the size needed: %zu", got);
	res = decrypt_to(t, sample, 64, ns, 0, 64, &in, is, &origin, NULL);
	refused(t, "output in normal (pool) memory", res, origin,
		TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	/* Restricted memory as the sample. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_NONE);
	op.params[0].memref.parent = &t->out;
	op.params[0].memref.offset = 8192;
	op.params[0].memref.size = 64;
	op.params[1].memref.parent = &t->out;
	op.params[1].memref.offset = 0;
	op.params[1].memref.size = 64;
	op.params[2].tmpref.buffer = &in;
	op.params[2].tmpref.size = is;
	origin = 0;
	res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DECRYPT, &op, &origin);
	refused(t, "sample in restricted memory", res, origin,
		TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	/* The info in restricted memory. */
	op.params[0].tmpref.buffer = sample;
	op.params[0].tmpref.size = 64;
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_MEMREF_PARTIAL_INPUT, TEEC_NONE);
	op.params[2].memref.parent = &t->out;
	op.params[2].memref.offset = 8192;
	op.params[2].memref.size = is;
	origin = 0;
	res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DECRYPT, &op, &origin);
	refused(t, "info in restricted memory", res, origin,
		TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	/* Wrong parameter types: output TEMP (client memory). */
	{
		uint8_t o[64];

		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
						 TEEC_MEMREF_TEMP_OUTPUT,
						 TEEC_MEMREF_TEMP_INPUT,
						 TEEC_NONE);
		op.params[0].tmpref.buffer = sample;
		op.params[0].tmpref.size = 64;
		op.params[1].tmpref.buffer = o;
		op.params[1].tmpref.size = 64;
		op.params[2].tmpref.buffer = &in;
		op.params[2].tmpref.size = is;
		origin = 0;
		res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DECRYPT, &op,
					 &origin);
		refused(t, "output in client memory (TEMP)", res, origin,
			TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	}
	is = info_set(&in, unknown, k_ctr, 16, NULL, 0);
	res = decrypt(t, sample, 64, 0, &in, is, &origin);
	refused(t, "unknown KID", res, origin, TEEC_ERROR_ITEM_NOT_FOUND,
		TEEC_ORIGIN_TRUSTED_APP);
	/* 8 protected bytes then clear past the area: no block boundary to
	 * cut at. */
	{
		const size_t n = 8u + 5u * 65535u;
		struct sdp_abi_subsample s6[6] = { { 0, 8 } };
		uint8_t *big = calloc(1, n);

		for (int i = 1; i < 6; i++) {
			s6[i].clear_size = 65535;
		}
		is = info_set(&in, k_kid, k_ctr, 16, s6, 6);
		res = big ? decrypt(t, big, n, 0, &in, is, &origin) :
			    TEEC_ERROR_OUT_OF_MEMORY;
		refused(t, "a sample that cannot be split at a block "
			   "boundary",
			res, origin, TEEC_ERROR_EXCESS_DATA,
			TEEC_ORIGIN_TRUSTED_APP);
		free(big);
	}
}

/* A PARTIAL_INPUT sample from the pool block @ns. */
static void from_pool(struct dt *t, TEEC_SharedMemory *ns)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	struct info in;
	uint8_t got[64];
	uint32_t origin = 0;
	size_t is = info_set(&in, k_kid, k_ctr, 16, NULL, 0);
	TEEC_Result res = 0;

	if (!t->keyed) {
		return;
	}
	memcpy((uint8_t *)ns->buffer + 100, k_ct, 64);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_MEMREF_TEMP_INPUT, TEEC_NONE);
	op.params[0].memref.parent = ns;
	op.params[0].memref.offset = 100;
	op.params[0].memref.size = 64;
	op.params[1].memref.parent = &t->out;
	op.params[1].memref.offset = 16384;
	op.params[1].memref.size = 4096;
	op.params[2].tmpref.buffer = &in;
	op.params[2].tmpref.size = is;
	res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DECRYPT, &op, &origin);
	memset(got, 0, sizeof(got));
	ktap_check(res == TEEC_SUCCESS && op.params[1].memref.size == 64 &&
			   copy(t, SDP_TA_CMD_DUMP, 16384, got, 64) ==
				   TEEC_SUCCESS &&
			   diff(got, k_pt, 64) == 0,
		   "NIST vector from a pool block (PARTIAL_INPUT) into a "
		   "4096-byte output: %#x origin %u, output size set to %zu",
		   res, origin, op.params[1].memref.size);
}

/**
 * struct racer - one of the concurrent decrypting threads
 * @t:    the shared state (its buffer; the thread opens its own context)
 * @base: the thread's half of the buffer
 * @bad:  failed rounds
 */
struct racer {
	struct dt *t;
	size_t base;
	unsigned int bad;
};

#define RACE_ROUNDS 16u

static void *race(void *arg)
{
	static const TEEC_UUID uuid = SDP_TA_SDP_BASIC_UUID;
	struct racer *r = arg;
	struct dt mine;
	struct info in;
	uint8_t got[64];
	uint32_t origin = 0;
	size_t is = info_set(&in, k_kid, k_ctr, 16, NULL, 0);

	memset(&mine, 0, sizeof(mine));
	if (TEEC_InitializeContext(NULL, &mine.ctx) != TEEC_SUCCESS) {
		r->bad = RACE_ROUNDS;
		return NULL;
	}
	if (TEEC_OpenSession(&mine.ctx, &mine.sess, &uuid, TEEC_LOGIN_PUBLIC,
			     NULL, NULL, &origin) != TEEC_SUCCESS) {
		TEEC_FinalizeContext(&mine.ctx);
		r->bad = RACE_ROUNDS;
		return NULL;
	}
	/* The buffer is registered in the main context: this thread's
	 * session uses a registration of its own.
	 */
	mine.out.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	if (TEEC_RegisterSharedMemoryFileDescriptor(
		    &mine.ctx, &mine.out, r->t->fd) !=
	    TEEC_SUCCESS) {
		r->bad = RACE_ROUNDS;
		goto out;
	}
	for (unsigned int i = 0; i < RACE_ROUNDS; i++) {
		size_t off = r->base + i * 64u;

		memset(got, 0, sizeof(got));
		if (decrypt(&mine, k_ct, 64, off, &in, is, &origin) !=
			    TEEC_SUCCESS ||
		    copy(&mine, SDP_TA_CMD_DUMP, off, got, 64) !=
			    TEEC_SUCCESS ||
		    diff(got, k_pt, 64) != 0) {
			r->bad++;
		}
	}
	TEEC_ReleaseSharedMemory(&mine.out);
out:
	TEEC_CloseSession(&mine.sess);
	TEEC_FinalizeContext(&mine.ctx);
	return NULL;
}

static void concurrent(struct dt *t)
{
	struct racer r[2] = { { t, 65536, 0 }, { t, 131072, 0 } };
	pthread_t th[2];
	int rc0 = 0;
	int rc1 = 0;

	if (!t->keyed || t->fd < 0) {
		return;
	}
	rc0 = pthread_create(&th[0], NULL, race, &r[0]);
	rc1 = pthread_create(&th[1], NULL, race, &r[1]);
	if (rc0 == 0) {
		pthread_join(th[0], NULL);
	}
	if (rc1 == 0) {
		pthread_join(th[1], NULL);
	}
	ktap_check(rc0 == 0 && rc1 == 0 && r[0].bad == 0 && r[1].bad == 0,
		   "two threads x %u decrypts at once: %u + %u wrong",
		   RACE_ROUNDS, r[0].bad, r[1].bad);
}

/* Allocate @len bytes of @name and register it in @shm; 0 or -1. */
static int reg_heap(struct dt *t, const char *name, size_t len,
		    TEEC_SharedMemory *shm)
{
	struct rheap_heap *heap = NULL;
	TEEC_Result res = 0;
	int fd = -1;

	if (rheap_heap_open(name, RHEAP_OPEN_LINUX, &heap) != 0) {
		return -1;
	}
	fd = rheap_heap_alloc(heap, len, O_RDWR | O_CLOEXEC, 0, NULL);
	rheap_heap_close(heap);
	if (fd < 0) {
		return -1;
	}
	memset(shm, 0, sizeof(*shm));
	shm->flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	res = TEEC_RegisterSharedMemoryFileDescriptor(&t->ctx, shm, fd);
	close(fd);
	return res == TEEC_SUCCESS ? 0 : -1;
}

/* An output across two extents; trusted-UI memory. */
static void other_heaps(struct dt *t)
{
	TEEC_SharedMemory two;
	TEEC_SharedMemory tui;
	struct info in;
	uint8_t buf[8192];
	uint8_t sample[64];
	uint32_t origin = 0;
	size_t is = info_set(&in, k_kid, k_ctr, 16, NULL, 0);
	size_t bad = 0;
	TEEC_Result res = 0;
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	memcpy(sample, k_ct, sizeof(sample));
	if (ktap_check(reg_heap(t, HEAP_REC, CHUNK + (4u << 20), &two) == 0,
		       "%s: 20 MiB buffer registered", HEAP_REC)) {
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
						 TEEC_MEMREF_PARTIAL_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].tmpref.buffer = buf;
		op.params[0].tmpref.size = sizeof(buf);
		op.params[1].memref.parent = &two;
		op.params[1].memref.offset = CHUNK - 4096;
		op.params[1].memref.size = sizeof(buf);
		memset(buf, PATTERN, sizeof(buf));
		res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op,
					 &origin);
		if (res == TEEC_SUCCESS) {
			res = decrypt_to(t, sample, 64, &two, CHUNK - 32, 64,
					 &in, is, &origin, NULL);
		}
		ktap_check(res == TEEC_ERROR_BAD_PARAMETERS &&
				   origin == TEEC_ORIGIN_TEE,
			   "output across the 16 MiB chunk boundary (two "
			   "extents): %#x origin %u",
			   res, origin);
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
						 TEEC_MEMREF_TEMP_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].memref.parent = &two;
		op.params[0].memref.offset = CHUNK - 4096;
		op.params[0].memref.size = sizeof(buf);
		op.params[1].tmpref.buffer = buf;
		op.params[1].tmpref.size = sizeof(buf);
		memset(buf, 0, sizeof(buf));
		res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DUMP, &op,
					 &origin);
		for (size_t i = 0; i < sizeof(buf); i++) {
			bad += buf[i] != PATTERN;
		}
		ktap_check(res == TEEC_SUCCESS && bad == 0,
			   "... nothing written around the boundary (%#x, %zu "
			   "bytes changed)",
			   res, bad);
		TEEC_ReleaseSharedMemory(&two);
	}
	if (ktap_check(reg_heap(t, HEAP_TUI, 4096, &tui) == 0,
		       "%s: 4 KiB buffer registered", HEAP_TUI)) {
		res = decrypt_to(t, sample, 64, &tui, 0, 64, &in, is, &origin,
				 NULL);
		ktap_check((res == TEEC_ERROR_ACCESS_DENIED ||
			    (!t->keyed && res == TEEC_ERROR_ITEM_NOT_FOUND)) &&
				   origin == TEEC_ORIGIN_TRUSTED_APP,
			   "DECRYPT into trusted-UI memory: %#x origin %u "
			   "(the partition does not decrypt into it)",
			   res, origin);
		TEEC_ReleaseSharedMemory(&tui);
	}
}

int main(void)
{
	struct rheap_buf_info info = { 0 };
	struct rheap_heap *heap = NULL;
	TEEC_SharedMemory ns = { .size = 4096,
				 .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	struct dt t;
	uint32_t origin = 0;
	TEEC_Result res = 0;
	int fd = -1;
	int rc = 0;

	memset(&t, 0, sizeof(t));
	t.fd = -1;
	t.out.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	rc = rheap_heap_open(HEAP, RHEAP_OPEN_LINUX, &heap);
	if (!ktap_check(rc == 0, "open %s: %d", HEAP, rc)) {
		return ktap_done();
	}
	fd = rheap_heap_alloc(heap, OUT_SIZE, O_RDWR | O_CLOEXEC, 0, &info);
	if (!ktap_check(fd >= 0 && info.restricted,
			"alloc %u bytes: fd %d", OUT_SIZE, fd)) {
		goto out_heap;
	}
	res = TEEC_InitializeContext(NULL, &t.ctx);
	if (res == TEEC_SUCCESS) {
		res = TEEC_OpenSession(&t.ctx, &t.sess, &sdp_basic,
				       TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
		if (res != TEEC_SUCCESS) {
			TEEC_FinalizeContext(&t.ctx);
		}
	}
	if (!ktap_check(res == TEEC_SUCCESS, "session to sdp_basic: %#x",
			res)) {
		close(fd);
		goto out_heap;
	}
	res = TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &t.out, fd);
	t.fd = dup(fd);
	close(fd);
	if (ktap_check(res == TEEC_SUCCESS,
		       "register the restricted buffer: %#x", res) &&
	    ktap_check(TEEC_AllocateSharedMemory(&t.ctx, &ns) ==
			       TEEC_SUCCESS,
		       "AllocateSharedMemory of 4096 bytes")) {
		nist(&t);
		from_pool(&t, &ns);
		concurrent(&t);
		big(&t);
		hostile(&t, &ns);
		other_heaps(&t);
		TEEC_ReleaseSharedMemory(&ns);
	}
	if (res == TEEC_SUCCESS) {
		TEEC_ReleaseSharedMemory(&t.out);
	}
	if (t.fd >= 0) {
		close(t.fd);
	}
	TEEC_CloseSession(&t.sess);
	TEEC_FinalizeContext(&t.ctx);
	ktap_check(ktap_heap_wait(HEAP, 0, UINT64_MAX, 5000) == 0 &&
			   ktap_heap_wait(HEAP_REC, 0, UINT64_MAX, 5000) == 0 &&
			   ktap_heap_wait(HEAP_TUI, 0, UINT64_MAX, 5000) == 0,
		   "after release: %s, %s, %s hold no buffer", HEAP, HEAP_REC,
		   HEAP_TUI);
out_heap:
	rheap_heap_close(heap);
	return ktap_done();
}
