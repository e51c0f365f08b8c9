// SPDX-License-Identifier: BSD-2-Clause
/*
 * ktee's SDP_TA_CMD_DECRYPT over ksec and an in-process board that has a
 * content key (the board's keys_path): a known AES-CTR vector (NIST SP
 * 800-38A F.5.1) as a whole-protected 'cenc' sample, samples with
 * subsample maps from TEMP memrefs and from registered system buffers,
 * samples larger than the parameter area (split into several SDP calls at
 * keystream block boundaries, incl. a 16-byte IV whose low half wraps),
 * each decrypted into a restricted buffer and DUMPed back (debug board).
 * Refusals: no key, malformed info and maps, output across two extents,
 * too small, not restricted, not a decrypt use case, an unsplittable
 * sample; each leaves the output as it was. The reference ciphertexts are
 * made with sp_cenc (CTR is its own inverse), which the NIST vector pins.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/sdp_abi.h>
#include <rheap/sdp_ta.h>
#include <rheap/tee_client_api.h>
#include <rheap/use_case.h>

#include "kernel/ksec.h"
#include "kernel/ktee.h"
#include "ks_fixture.h"
#include "sp/sp_cenc.h"

#define PAGE 4096u
#define CLIENT 3u
#define MAX_BUFS 8u
#define CHUNK (2u * 1024u * 1024u)
#define BIG (700u * 1024u + 123u)
#define RESP_CAP (RHEAPD_MSG_MAX - sizeof(struct rheapd_hdr))
#define INFO_MAX (sizeof(struct sdp_ta_decrypt_info) + 8u * 300u)
#define TEMP_MAX 8192u
#define TUI_STATIC_ID 0x80000001u /* static pool 1: trusted-ui */

static const uint8_t k_uuid[16] = {
	0x12, 0x34, 0x56, 0x78, 0x5b, 0x69, 0x11, 0xe4,
	0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99,
};

/* NIST SP 800-38A F.5.1 CTR-AES128.Encrypt. */
static const uint8_t k_key[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const uint8_t k_kid[16] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const uint8_t k_nist_ctr[16] = {
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};
static const uint8_t k_nist_pt[64] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e,
	0x11, 0x73, 0x93, 0x17, 0x2a, 0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03,
	0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51, 0x30,
	0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19,
	0x1a, 0x0a, 0x52, 0xef, 0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b,
	0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10,
};
static const uint8_t k_nist_ct[64] = {
	0x87, 0x4d, 0x61, 0x91, 0xb6, 0x20, 0xe3, 0x26, 0x1b, 0xef, 0x68,
	0x64, 0x99, 0x0d, 0xb6, 0xce, 0x98, 0x06, 0xf6, 0x6b, 0x79, 0x70,
	0xfd, 0xff, 0x86, 0x17, 0x18, 0x7b, 0xb9, 0xff, 0xfd, 0xff, 0x5a,
	0xe4, 0xdf, 0x3e, 0xdb, 0xd5, 0xd3, 0x5e, 0x5b, 0x4f, 0x09, 0x02,
	0x0d, 0xb0, 0x3e, 0xab, 0x1e, 0x03, 0x1d, 0xda, 0x2f, 0xbe, 0x03,
	0xd1, 0x79, 0x21, 0x70, 0xa0, 0xf3, 0x00, 0x9c, 0xee,
};

struct fake_buf {
	int fd;
	uint8_t *map;
	struct ktee_mem mem;
	struct ktee_extent ext[2];
};

struct dfx {
	struct ks_fixture *ks;
	struct ktee *t;
	struct fake_buf bufs[MAX_BUFS];
	uint32_t buf_count;
	uint32_t gets;
	uint32_t puts;
	uint64_t h[2];
	uint32_t id[2];
	uint32_t sess;
	uint32_t out_shm;   /* restricted: chunk 0 whole */
	uint32_t split_shm; /* restricted: last page of chunk 0 + chunk 1 */
	uint32_t dump_shm;  /* system buffer DUMP writes into */
	uint8_t *dump_map;
	uint8_t *resp;
	char keys[64];
	bool has_keys;
};

static int fake_buf_get(void *ctx, uint32_t client, int fd,
			struct ktee_mem *mem, void **ref)
{
	struct dfx *f = ctx;

	(void)client;
	for (uint32_t i = 0; i < f->buf_count; i++) {
		if (f->bufs[i].fd == fd) {
			*mem = f->bufs[i].mem;
			*ref = &f->bufs[i];
			f->gets++;
			return 0;
		}
	}
	return -EINVAL;
}

static void fake_buf_put(void *ctx, void *ref)
{
	struct dfx *f = ctx;

	assert_non_null(ref);
	f->puts++;
}

static int req(struct dfx *f, uint16_t op, const void *r, size_t len, int fd,
	       size_t *resp_len)
{
	size_t dummy = 0;

	return ktee_request(f->t, CLIENT, op, r, len, fd, f->resp, RESP_CAP,
			    resp_len ? resp_len : &dummy);
}

static uint32_t shm_register(struct dfx *f, int fd)
{
	struct rheapd_tee_shm_resp out = { 0 };
	size_t len = 0;

	assert_int_equal(req(f, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0, fd,
			     &len), 0);
	assert_int_equal(len, sizeof(out));
	memcpy(&out, f->resp, sizeof(out));
	return out.shm_id;
}

static struct fake_buf *buf_new(struct dfx *f)
{
	struct fake_buf *b = NULL;

	assert_true(f->buf_count < MAX_BUFS);
	b = &f->bufs[f->buf_count++];
	b->mem.extents = b->ext;
	return b;
}

/* A restricted buffer of extents (@id0, @off0, @size0) [+ (@id1, 0,
 * @size1)]. */
static uint32_t rbuf(struct dfx *f, uint32_t id0, uint64_t off0,
		     uint64_t size0, uint32_t id1, uint64_t size1)
{
	struct fake_buf *b = buf_new(f);

	b->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(b->fd >= 0);
	b->ext[0].sdp_buf_id = id0;
	b->ext[0].offset = off0;
	b->ext[0].size = size0;
	b->mem.extent_count = 1;
	if (size1) {
		b->ext[1].sdp_buf_id = id1;
		b->ext[1].size = size1;
		b->mem.extent_count = 2;
	}
	b->mem.size = size0 + size1;
	b->mem.restricted = true;
	return shm_register(f, b->fd);
}

/* A system buffer; its mapping in *@map. */
static uint32_t sbuf(struct dfx *f, uint64_t size, uint8_t **map)
{
	struct fake_buf *b = buf_new(f);
	void *p = NULL;

	b->fd = memfd_create("ktee-decrypt", MFD_CLOEXEC);
	assert_true(b->fd >= 0);
	assert_int_equal(ftruncate(b->fd, (off_t)size), 0);
	b->ext[0].size = size;
	b->mem.size = size;
	b->mem.extent_count = 1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	assert_true(p != MAP_FAILED);
	b->map = p;
	*map = p;
	return shm_register(f, b->fd);
}

static int setup_common(void **state, bool keys)
{
	struct dfx *f = calloc(1, sizeof(*f));
	struct ktee_host_ops ops = { .buf_get = fake_buf_get,
				     .buf_put = fake_buf_put };
	struct rheapd_tee_open_req o = { .login = TEEC_LOGIN_PUBLIC };
	struct rheapd_tee_open_resp out = { 0 };

	assert_non_null(f);
	f->has_keys = keys;
	if (keys) {
		char line[80] = { 0 };
		int fd = -1;
		int n = 0;

		snprintf(f->keys, sizeof(f->keys), "/tmp/rheap-keys-XXXXXX");
		fd = mkstemp(f->keys);
		assert_true(fd >= 0);
		for (int i = 0; i < 16; i++) {
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      "%02x", k_kid[i]);
		}
		line[n++] = ' ';
		for (int i = 0; i < 16; i++) {
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      "%02x", k_key[i]);
		}
		line[n++] = '\n';
		assert_int_equal(write(fd, line, (size_t)n), n);
		close(fd);
	}
	f->ks = ks_start_keys(1, keys ? f->keys : NULL);
	for (uint32_t i = 0; i < 2; i++) {
		struct rheap_ffa_range r = {
			.address = KS_SV_DYN_BASE + 2u * i * CHUNK,
			.page_count = CHUNK / PAGE,
		};

		assert_int_equal(ksec_chunk_lend(f->ks->sec,
						 RHEAP_USE_CASE_SECURE_VIDEO,
						 &r, 1, &f->h[i], &f->id[i]), 0);
	}
	ops.ctx = f;
	assert_int_equal(ktee_create(f->ks->sec, k_uuid, &ops, &f->t), 0);
	f->resp = malloc(RESP_CAP);
	assert_non_null(f->resp);
	memcpy(o.uuid, k_uuid, 16);
	assert_int_equal(req(f, RHEAPD_OP_TEE_OPEN, &o, sizeof(o), -1, NULL),
			 0);
	memcpy(&out, f->resp, sizeof(out));
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	f->sess = out.session;
	f->out_shm = rbuf(f, f->id[0], 0, CHUNK, 0, 0);
	f->split_shm = rbuf(f, f->id[0], CHUNK - PAGE, PAGE, f->id[1], PAGE);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_common(state, true);
}

static int setup_nokeys(void **state)
{
	return setup_common(state, false);
}

static int teardown(void **state)
{
	struct dfx *f = *state;

	ktee_destroy(f->t);
	assert_int_equal(f->gets, f->puts);
	for (uint32_t i = 0; i < f->buf_count; i++) {
		if (f->bufs[i].map) {
			munmap(f->bufs[i].map, (size_t)f->bufs[i].mem.size);
		}
		close(f->bufs[i].fd);
	}
	assert_int_equal(ksec_chunk_reclaim(f->ks->sec, f->h[0]), 0);
	assert_int_equal(ksec_chunk_reclaim(f->ks->sec, f->h[1]), 0);
	assert_int_equal(ks_nw_pages_lent(f->ks), 0);
	ks_stop(f->ks);
	if (f->has_keys) {
		(void)unlink(f->keys);
	}
	free(f->resp);
	free(f);
	return 0;
}

/* ---- requests ---- */

/* The invocation, then a data area: TEMP input at 0, info at TEMP_MAX. */
struct inv {
	struct rheapd_tee_invoke h;
	uint8_t data[TEMP_MAX + INFO_MAX + 8];
};

static struct inv g_v;

/* Build info (+ map) at TEMP_MAX of the data area; return its size. */
static size_t info_put(const uint8_t kid[16], const uint8_t *iv,
		       uint32_t iv_size, const struct sp_cenc_subsample *subs,
		       uint32_t count)
{
	struct sdp_ta_decrypt_info h = { .iv_size = iv_size,
					 .subsample_count = count };
	uint8_t *p = g_v.data + TEMP_MAX;

	memcpy(h.kid, kid, 16);
	memcpy(h.iv, iv, iv_size <= 16 ? iv_size : 16);
	memcpy(p, &h, sizeof(h));
	for (uint32_t i = 0; i < count; i++) {
		uint32_t c = subs[i].clear_size;
		uint32_t pr = subs[i].protected_size;

		memcpy(p + sizeof(h) + i * 8u, &c, 4);
		memcpy(p + sizeof(h) + i * 8u + 4u, &pr, 4);
	}
	return sizeof(h) + (size_t)count * 8u;
}

/*
 * DECRYPT: the sample from TEMP (@in_shm 0: @n bytes copied to the data
 * area) or from registered system memory (@in_shm), into @out_shm at
 * @out_off (@out_size bytes), with @info_size bytes of info already at
 * TEMP_MAX. Returns the result; *@b the output size the TA reported.
 */
static struct rheapd_tee_result decrypt(struct dfx *f, const uint8_t *in,
					uint64_t n, uint32_t in_shm,
					uint32_t out_shm, uint64_t out_off,
					uint64_t out_size, size_t info_size,
					uint64_t *b)
{
	struct rheapd_tee_invoke out = { 0 };
	size_t len = 0;
	size_t data = TEMP_MAX + info_size;

	memset(&g_v.h, 0, sizeof(g_v.h));
	g_v.h.session = f->sess;
	g_v.h.command = SDP_TA_CMD_DECRYPT;
	if (in_shm) {
		g_v.h.params[0].type = TEEC_MEMREF_PARTIAL_INPUT;
		g_v.h.params[0].shm_id = in_shm;
		g_v.h.params[0].b = n;
	} else {
		assert_true(n <= TEMP_MAX);
		g_v.h.params[0].type = TEEC_MEMREF_TEMP_INPUT;
		g_v.h.params[0].b = n;
		memcpy(g_v.data, in, n);
	}
	g_v.h.params[1].type = TEEC_MEMREF_PARTIAL_OUTPUT;
	g_v.h.params[1].shm_id = out_shm;
	g_v.h.params[1].a = out_off;
	g_v.h.params[1].b = out_size;
	g_v.h.params[2].type = TEEC_MEMREF_TEMP_INPUT;
	g_v.h.params[2].a = TEMP_MAX;
	g_v.h.params[2].b = info_size;
	assert_int_equal(req(f, RHEAPD_OP_TEE_INVOKE, &g_v,
			     sizeof(g_v.h) + data, -1, &len), 0);
	assert_int_equal(len, sizeof(g_v.h) + data);
	memcpy(&out, f->resp, sizeof(out));
	if (b) {
		*b = out.params[1].b;
	}
	return out.result;
}

/* DUMP @n bytes of @shm at @off into @dst through a system buffer. */
static void dump(struct dfx *f, uint32_t shm, uint64_t off, uint8_t *dst,
		 uint64_t n)
{
	struct rheapd_tee_invoke out = { 0 };
	struct inv *v = &g_v;
	size_t len = 0;

	if (!f->dump_shm) {
		f->dump_shm = sbuf(f, 2u * CHUNK, &f->dump_map);
	}
	memset(&v->h, 0, sizeof(v->h));
	v->h.session = f->sess;
	v->h.command = SDP_TA_CMD_DUMP;
	v->h.params[0].type = TEEC_MEMREF_PARTIAL_INPUT;
	v->h.params[0].shm_id = shm;
	v->h.params[0].a = off;
	v->h.params[0].b = n;
	v->h.params[1].type = TEEC_MEMREF_PARTIAL_OUTPUT;
	v->h.params[1].shm_id = f->dump_shm;
	v->h.params[1].b = n;
	assert_int_equal(req(f, RHEAPD_OP_TEE_INVOKE, v, sizeof(v->h), -1,
			     &len), 0);
	memcpy(&out, f->resp, sizeof(out));
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	memcpy(dst, f->dump_map, n);
}

static uint64_t g_rng = 0x2545F4914F6CDD1Dull;

static uint8_t rnd8(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint8_t)(g_rng >> 24);
}

/* The 'cenc' ciphertext of @pt (CTR: encrypting is decrypting). */
static void encrypt(const uint8_t *iv, uint32_t iv_size,
		    const struct sp_cenc_subsample *subs, uint32_t count,
		    const uint8_t *pt, uint8_t *ct, size_t n)
{
	struct sp_cenc_key key = { { 0 } };

	memcpy(key.bytes, k_key, sizeof(key.bytes));
	assert_int_equal(sp_cenc_decrypt(&key, iv, iv_size, count ? subs : NULL,
					 count, pt, n, ct, n, NULL), 0);
}

/* ---- tests ---- */

static void test_nist_vector(void **state)
{
	struct dfx *f = *state;
	uint8_t got[64] = { 0 };
	uint64_t b = 0;
	size_t is = info_put(k_kid, k_nist_ctr, 16, NULL, 0);
	struct rheapd_tee_result r = decrypt(f, k_nist_ct, 64, 0, f->out_shm,
					     4096, 64, is, &b);

	assert_int_equal(r.ret, TEEC_SUCCESS);
	assert_int_equal(r.origin, TEEC_ORIGIN_TRUSTED_APP);
	assert_int_equal(b, 64);
	dump(f, f->out_shm, 4096, got, 64);
	assert_memory_equal(got, k_nist_pt, 64);
	/* Same sample cut into subsamples: the keystream carries over. */
	{
		const struct sp_cenc_subsample subs[] = {
			{ 5, 7 }, { 0, 20 }, { 3, 29 },
		};

		is = info_put(k_kid, k_nist_ctr, 16, subs, 3);
		memset(got, 0, sizeof(got));
		{
			uint8_t ct[64] = { 0 };
			uint8_t pt[64] = { 0 };
			uint32_t pos = 0;
			uint32_t ks = 0;

			/* Clear bytes stay as they are; protected bytes take
			 * the vector's keystream in order. */
			for (uint32_t i = 0; i < 3; i++) {
				for (uint32_t k = 0; k < subs[i].clear_size;
				     k++, pos++) {
					ct[pos] = pt[pos] = (uint8_t)(pos * 7u);
				}
				for (uint32_t k = 0;
				     k < subs[i].protected_size;
				     k++, pos++, ks++) {
					pt[pos] = k_nist_pt[ks];
					ct[pos] = k_nist_ct[ks];
				}
			}
			r = decrypt(f, ct, pos, 0, f->out_shm, 0, 64, is, &b);
			assert_int_equal(r.ret, TEEC_SUCCESS);
			assert_int_equal(b, pos);
			dump(f, f->out_shm, 0, got, pos);
			assert_memory_equal(got, pt, pos);
		}
	}
}

static void test_subsamples_temp(void **state)
{
	struct dfx *f = *state;
	const struct sp_cenc_subsample subs[] = {
		{ 17, 1000 }, { 0, 3 }, { 300, 0 }, { 40, 2000 }, { 1, 1 },
	};
	const uint8_t iv8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static uint8_t pt[TEMP_MAX];
	static uint8_t ct[TEMP_MAX];
	static uint8_t got[TEMP_MAX];
	size_t n = 17 + 1000 + 3 + 300 + 40 + 2000 + 2;
	size_t is = info_put(k_kid, iv8, 8, subs, 5);
	uint64_t b = 0;
	struct rheapd_tee_result r = { 0 };

	for (size_t i = 0; i < n; i++) {
		pt[i] = rnd8();
	}
	encrypt(iv8, 8, subs, 5, pt, ct, n);
	assert_memory_not_equal(pt + 17, ct + 17, 1000);
	r = decrypt(f, ct, n, 0, f->out_shm, 12345, n, is, &b);
	assert_int_equal(r.ret, TEEC_SUCCESS);
	assert_int_equal(b, n);
	dump(f, f->out_shm, 12345, got, n);
	assert_memory_equal(got, pt, n);
}

/* Larger than the parameter area: several SDP calls. */
static void big_case(struct dfx *f, const uint8_t *iv, uint32_t iv_size,
		     const struct sp_cenc_subsample *subs, uint32_t count)
{
	static uint8_t pt[BIG];
	static uint8_t got[BIG];
	uint8_t *in = NULL;
	uint32_t in_shm = sbuf(f, BIG, &in);
	size_t is = info_put(k_kid, iv, iv_size, subs, count);
	uint64_t b = 0;
	struct rheapd_tee_result r = { 0 };

	for (size_t i = 0; i < BIG; i++) {
		pt[i] = rnd8();
	}
	encrypt(iv, iv_size, subs, count, pt, in, BIG);
	r = decrypt(f, NULL, BIG, in_shm, f->out_shm, 777, CHUNK - 777, is,
		    &b);
	assert_int_equal(r.ret, TEEC_SUCCESS);
	assert_int_equal(b, BIG);
	dump(f, f->out_shm, 777, got, BIG);
	assert_memory_equal(got, pt, BIG);
}

static void test_big_whole(void **state)
{
	/* Low half of the counter wraps inside the sample. */
	const uint8_t iv[16] = { 9, 9, 9, 9, 9, 9, 9, 9, 0xff, 0xff, 0xff,
				 0xff, 0xff, 0xff, 0xfe, 0x00 };

	big_case(*state, iv, 16, NULL, 0);
}

static void test_big_subsamples(void **state)
{
	/* Protected runs that are not block multiples, so pieces restart
	 * inside a run; clear runs up to 65535. */
	static struct sp_cenc_subsample subs[64];
	const uint8_t iv8[8] = { 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x1, 0x2 };
	uint64_t left = BIG;
	uint32_t n = 0;

	for (; n < 63 && left > 0; n++) {
		uint32_t c = n % 5 == 0 ? 65535u : 5u + n;
		uint32_t p = 4099u + 13u * n;

		if (c > left) {
			c = (uint32_t)left;
		}
		left -= c;
		if (p > left) {
			p = (uint32_t)left;
		}
		left -= p;
		subs[n].clear_size = (uint16_t)c;
		subs[n].protected_size = p;
	}
	assert_int_equal(left, 0);
	big_case(*state, iv8, 8, subs, n);
}

static void test_no_key(void **state)
{
	struct dfx *f = *state;
	uint8_t kid[16] = { 0xee };
	uint8_t before[64] = { 0 };
	uint8_t after[64] = { 0 };
	size_t is = info_put(kid, k_nist_ctr, 16, NULL, 0);
	struct rheapd_tee_result r = { 0 };

	ks_secure_read(f->ks, KS_SV_DYN_BASE, before, sizeof(before));
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(r.origin, TEEC_ORIGIN_TRUSTED_APP);
	ks_secure_read(f->ks, KS_SV_DYN_BASE, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
}

/* A board without a key file: no key for any KID. */
static void test_board_without_keys(void **state)
{
	struct dfx *f = *state;
	size_t is = info_put(k_kid, k_nist_ctr, 16, NULL, 0);
	struct rheapd_tee_result r = decrypt(f, k_nist_ct, 64, 0, f->out_shm,
					     0, 64, is, NULL);

	assert_int_equal(r.ret, TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(r.origin, TEEC_ORIGIN_TRUSTED_APP);
}

static void test_refusals(void **state)
{
	struct dfx *f = *state;
	uint8_t *sys = NULL;
	uint32_t sys_shm = sbuf(f, PAGE, &sys);
	uint32_t tui_shm = rbuf(f, TUI_STATIC_ID, 0, PAGE, 0, 0);
	const struct sp_cenc_subsample short_map[] = { { 10, 20 } };
	const struct sp_cenc_subsample long_map[] = { { 10, 60 } };
	const struct sp_cenc_subsample wide_clear[] = { { 0, 0 } };
	uint8_t before[PAGE] = { 0 };
	uint8_t after[PAGE] = { 0 };
	struct rheapd_tee_result r = { 0 };
	uint64_t b = 0;
	size_t is = 0;

	ks_secure_read(f->ks, KS_SV_DYN_BASE, before, sizeof(before));
	/* Maps that do not add up to the sample. */
	is = info_put(k_kid, k_nist_ctr, 16, short_map, 1);
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.origin, TEEC_ORIGIN_TRUSTED_APP);
	is = info_put(k_kid, k_nist_ctr, 16, long_map, 1);
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	/* A clear size wider than 'senc' allows. */
	is = info_put(k_kid, k_nist_ctr, 16, wide_clear, 1);
	{
		uint32_t c = 65536;
		uint32_t p = 0;

		memcpy(g_v.data + TEMP_MAX + 40, &c, 4);
		memcpy(g_v.data + TEMP_MAX + 44, &p, 4);
	}
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	/* Info size not 40 + 8 x count; count above 256. */
	is = info_put(k_kid, k_nist_ctr, 16, long_map, 1);
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is - 8, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, 39, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	{
		static struct sp_cenc_subsample many[257];

		many[0].protected_size = 64;
		is = info_put(k_kid, k_nist_ctr, 16, many, 257);
		r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is, NULL);
		assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	}
	/* IV sizes other than 8/16; bytes past an 8-byte IV. */
	is = info_put(k_kid, k_nist_ctr, 12, NULL, 0);
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	is = info_put(k_kid, k_nist_ctr, 16, NULL, 0);
	{
		uint32_t eight = 8;

		memcpy(g_v.data + TEMP_MAX +
			       offsetof(struct sdp_ta_decrypt_info, iv_size),
		       &eight, 4);
	}
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	/* Output across two extents: refused by the TEE. */
	is = info_put(k_kid, k_nist_ctr, 16, NULL, 0);
	r = decrypt(f, k_nist_ct, 64, 0, f->split_shm, PAGE - 32, 64, is,
		    NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.origin, TEEC_ORIGIN_TEE);
	/* ...but inside the second extent it is fine. */
	r = decrypt(f, k_nist_ct, 64, 0, f->split_shm, PAGE + 8, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_SUCCESS);
	/* Output too small: says how much is needed. */
	r = decrypt(f, k_nist_ct, 64, 0, f->out_shm, 0, 32, is, &b);
	assert_int_equal(r.ret, TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(b, 64);
	/* Output in NS memory; input in restricted memory. */
	r = decrypt(f, k_nist_ct, 64, 0, sys_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.origin, TEEC_ORIGIN_TEE);
	r = decrypt(f, NULL, 64, f->out_shm, f->out_shm, 4096, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.origin, TEEC_ORIGIN_TEE);
	/* Restricted, but trusted-ui: not a use case the SDP decrypts to. */
	r = decrypt(f, k_nist_ct, 64, 0, tui_shm, 0, 64, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_ACCESS_DENIED);
	assert_int_equal(r.origin, TEEC_ORIGIN_TRUSTED_APP);
	/* Parameter types the TA does not take: info as a NONE. */
	memset(&g_v.h, 0, sizeof(g_v.h));
	g_v.h.session = f->sess;
	g_v.h.command = SDP_TA_CMD_DECRYPT;
	g_v.h.params[0].type = TEEC_MEMREF_TEMP_INPUT;
	g_v.h.params[0].b = 16;
	g_v.h.params[1].type = TEEC_MEMREF_PARTIAL_OUTPUT;
	g_v.h.params[1].shm_id = f->out_shm;
	g_v.h.params[1].b = 16;
	{
		size_t len = 0;
		struct rheapd_tee_invoke out = { 0 };

		assert_int_equal(req(f, RHEAPD_OP_TEE_INVOKE, &g_v,
				     sizeof(g_v.h) + 16, -1, &len), 0);
		memcpy(&out, f->resp, sizeof(out));
		assert_int_equal(out.result.ret, TEEC_ERROR_BAD_PARAMETERS);
		assert_int_equal(out.result.origin, TEEC_ORIGIN_TRUSTED_APP);
	}
	ks_secure_read(f->ks, KS_SV_DYN_BASE, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
}

/* Fewer than 16 protected bytes in a parameter area's worth of data:
 * refused whole (EXCESS_DATA), nothing written. */
static void test_unsplittable(void **state)
{
	struct dfx *f = *state;
	static struct sp_cenc_subsample subs[6];
	const uint8_t iv8[8] = { 0 };
	uint8_t *in = NULL;
	uint32_t in_shm = 0;
	uint64_t n = 0;
	uint8_t before[256] = { 0 };
	uint8_t after[256] = { 0 };
	size_t is = 0;
	struct rheapd_tee_result r = { 0 };

	for (uint32_t i = 0; i < 6; i++) {
		subs[i].clear_size = i == 0 ? 0 : 65535;
		subs[i].protected_size = 1;
		n += subs[i].clear_size + 1u;
	}
	in_shm = sbuf(f, n, &in);
	is = info_put(k_kid, iv8, 8, subs, 6);
	ks_secure_read(f->ks, KS_SV_DYN_BASE, before, sizeof(before));
	r = decrypt(f, NULL, n, in_shm, f->out_shm, 0, CHUNK, is, NULL);
	assert_int_equal(r.ret, TEEC_ERROR_EXCESS_DATA);
	ks_secure_read(f->ks, KS_SV_DYN_BASE, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nist_vector, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subsamples_temp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_subsamples, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_board_without_keys,
						setup_nokeys, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unsplittable, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, ks_tl_load, ks_tl_free);
}
