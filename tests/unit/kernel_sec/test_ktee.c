// SPDX-License-Identifier: BSD-2-Clause
/*
 * ktee over ksec and an in-process board, with a fake buffer layer: the
 * test lends chunks through ksec itself and describes buffers made of
 * their pieces. Covers sessions, registrations, xtest 1014's inject /
 * transform / dump of 17000 bytes at random offsets and its five
 * out-of-bounds memrefs, malformed requests, and client teardown.
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
#include <rheap/ffa_abi.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/sdp_abi.h>
#include <rheap/tee_client_api.h>
#include <rheap/use_case.h>

#include "kernel/ksec.h"
#include "kernel/ktee.h"
#include "ks_fixture.h"

#define PAGE 4096u
#define XSIZE 17000u
#define MAX_BUFS 8u
#define CLIENT 7u
#define OTHER 8u
#define RESP_CAP (RHEAPD_MSG_MAX - sizeof(struct rheapd_hdr))

static const uint8_t k_sdp_uuid[16] = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0x01,
};
static const uint8_t k_basic_uuid[16] = {
	0x12, 0x34, 0x56, 0x78, 0x5b, 0x69, 0x11, 0xe4,
	0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99,
};

/* A buffer of the fake buffer layer, named by an fd of /dev/null (a
 * restricted handle) or a memfd (a system handle). */
struct fake_buf {
	int fd;
	struct ktee_mem mem;
	struct ktee_extent ext[4];
};

struct tfx {
	struct ks_fixture *ks;
	struct ktee *t;
	struct fake_buf bufs[MAX_BUFS];
	uint32_t buf_count;
	int forbidden_fd;
	uint32_t gets;
	uint32_t puts;
	uint64_t chunk;     /* bytes of each lent chunk */
	uint64_t h[2];      /* the two chunks */
	uint32_t id[2];
	uint8_t *resp;
};

static int fake_buf_get(void *ctx, uint32_t client, int fd,
			struct ktee_mem *mem, void **ref)
{
	struct tfx *f = ctx;

	(void)client;
	if (fd == f->forbidden_fd) {
		return -EPERM;
	}
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
	struct tfx *f = ctx;

	assert_non_null(ref);
	f->puts++;
}

/* Two chunks, the second 2 chunk-strides away (not adjacent). */
static int setup(void **state)
{
	struct tfx *f = calloc(1, sizeof(*f));
	struct ktee_host_ops ops = { .buf_get = fake_buf_get,
				     .buf_put = fake_buf_put };
	uint64_t min_chunk = 0;
	uint64_t align = 0;
	uint32_t pools = 0;

	assert_non_null(f);
	f->ks = ks_start(1);
	f->forbidden_fd = -100;
	assert_int_equal(ksec_lend_config(f->ks->sec,
					  RHEAP_USE_CASE_SECURE_VIDEO,
					  &min_chunk, &align, &pools), 0);
	/* At least 512 KiB: a buffer may exceed the parameter area. */
	f->chunk = (512u * 1024u + min_chunk - 1) / min_chunk * min_chunk;
	if (f->chunk % align) {
		f->chunk = (f->chunk + align - 1) / align * align;
	}
	for (uint32_t i = 0; i < 2; i++) {
		struct rheap_ffa_range r = {
			.address = KS_SV_DYN_BASE + 2u * i * f->chunk,
			.page_count = (uint32_t)(f->chunk / PAGE),
		};

		assert_int_equal(ksec_chunk_lend(f->ks->sec,
						 RHEAP_USE_CASE_SECURE_VIDEO,
						 &r, 1, &f->h[i], &f->id[i]), 0);
	}
	ops.ctx = f;
	assert_int_equal(ktee_create(f->ks->sec, k_sdp_uuid, &ops, &f->t), 0);
	f->resp = malloc(RESP_CAP);
	assert_non_null(f->resp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct tfx *f = *state;

	ktee_destroy(f->t);
	assert_int_equal(f->gets, f->puts);
	for (uint32_t i = 0; i < f->buf_count; i++) {
		close(f->bufs[i].fd);
	}
	if (!ksec_gone(f->ks->sec)) {
		assert_int_equal(ksec_chunk_reclaim(f->ks->sec, f->h[0]), 0);
		assert_int_equal(ksec_chunk_reclaim(f->ks->sec, f->h[1]), 0);
		assert_int_equal(ks_nw_pages_lent(f->ks), 0);
	}
	ks_stop(f->ks);
	free(f->resp);
	free(f);
	return 0;
}

/* A restricted buffer: the last @a_pages of chunk 0, then the first
 * @b_pages of chunk 1. */
static int rbuf_make(struct tfx *f, uint32_t a_pages, uint32_t b_pages)
{
	struct fake_buf *b = &f->bufs[f->buf_count++];

	b->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(b->fd >= 0);
	b->ext[0].sdp_buf_id = f->id[0];
	b->ext[0].offset = f->chunk - (uint64_t)a_pages * PAGE;
	b->ext[0].size = (uint64_t)a_pages * PAGE;
	b->mem.extent_count = 1;
	if (b_pages) {
		b->ext[1].sdp_buf_id = f->id[1];
		b->ext[1].offset = 0;
		b->ext[1].size = (uint64_t)b_pages * PAGE;
		b->mem.extent_count = 2;
	}
	b->mem.size = (uint64_t)(a_pages + b_pages) * PAGE;
	b->mem.restricted = true;
	b->mem.extents = b->ext;
	return b->fd;
}

/* A system buffer: a memfd of @size bytes. */
static int sbuf_make(struct tfx *f, uint64_t size)
{
	struct fake_buf *b = &f->bufs[f->buf_count++];

	b->fd = memfd_create("ktee-test", MFD_CLOEXEC);
	assert_true(b->fd >= 0);
	assert_int_equal(ftruncate(b->fd, (off_t)size), 0);
	b->ext[0].size = size;
	b->mem.size = size;
	b->mem.extent_count = 1;
	b->mem.extents = b->ext;
	return b->fd;
}

static int req(struct tfx *f, uint32_t client, uint16_t op, const void *r,
	       size_t len, int fd, size_t *resp_len)
{
	size_t dummy = 0;

	return ktee_request(f->t, client, op, r, len, fd, f->resp, RESP_CAP,
			    resp_len ? resp_len : &dummy);
}

static uint32_t open_session(struct tfx *f, uint32_t client,
			     const uint8_t uuid[16])
{
	struct rheapd_tee_open_req r = { .login = TEEC_LOGIN_PUBLIC };
	struct rheapd_tee_open_resp out = { 0 };
	size_t len = 0;

	memcpy(r.uuid, uuid, 16);
	assert_int_equal(req(f, client, RHEAPD_OP_TEE_OPEN, &r, sizeof(r), -1,
			     &len), 0);
	assert_int_equal(len, sizeof(out));
	memcpy(&out, f->resp, sizeof(out));
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	assert_int_not_equal(out.session, 0);
	return out.session;
}

static uint32_t shm_register(struct tfx *f, uint32_t client, int fd,
			     uint64_t *size, uint32_t *flags)
{
	struct rheapd_tee_shm_resp out = { 0 };
	size_t len = 0;

	assert_int_equal(req(f, client, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0,
			     fd, &len), 0);
	assert_int_equal(len, sizeof(out));
	memcpy(&out, f->resp, sizeof(out));
	if (size) {
		*size = out.size;
	}
	if (flags) {
		*flags = out.flags;
	}
	return out.shm_id;
}

/* An invocation: the struct, then @data_size bytes of data area. */
struct inv {
	struct rheapd_tee_invoke h;
	uint8_t data[XSIZE + 8];
};

static void p_temp(struct inv *v, uint32_t i, uint32_t type, uint64_t off,
		   uint64_t size)
{
	v->h.params[i].type = type;
	v->h.params[i].a = off;
	v->h.params[i].b = size;
}

static void p_part(struct inv *v, uint32_t i, uint32_t type, uint32_t shm,
		   uint64_t off, uint64_t size)
{
	v->h.params[i].type = type;
	v->h.params[i].shm_id = shm;
	v->h.params[i].a = off;
	v->h.params[i].b = size;
}

/* Send @v with @data_size bytes of data; the response struct in @out
 * (and its data area back in v->data). Return the transport status. */
static int invoke(struct tfx *f, uint32_t client, struct inv *v,
		  size_t data_size, struct rheapd_tee_invoke *out)
{
	size_t len = 0;
	int rc = req(f, client, RHEAPD_OP_TEE_INVOKE, v,
		     sizeof(v->h) + data_size, -1, &len);

	if (rc) {
		return rc;
	}
	assert_int_equal(len, sizeof(v->h) + data_size);
	memcpy(out, f->resp, sizeof(*out));
	memcpy(v->data, f->resp + sizeof(v->h), data_size);
	return 0;
}

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static uint8_t rnd8(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint8_t)(g_rng >> 24);
}

/* ---- sessions ---- */

static void test_open_close(void **state)
{
	struct tfx *f = *state;
	struct rheapd_tee_open_req r = { .login = TEEC_LOGIN_PUBLIC };
	struct rheapd_tee_open_resp out = { 0 };
	struct rheapd_tee_close_req c = { 0 };
	uint32_t s1 = open_session(f, CLIENT, k_basic_uuid);
	uint32_t s2 = open_session(f, CLIENT, k_sdp_uuid);
	size_t len = 0;

	assert_int_not_equal(s1, s2);
	/* Unknown UUID: from the TEE. */
	memset(r.uuid, 0x55, 16);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_OPEN, &r, sizeof(r), -1,
			     &len), 0);
	memcpy(&out, f->resp, sizeof(out));
	assert_int_equal(out.result.ret, TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(out.result.origin, TEEC_ORIGIN_TEE);
	assert_int_equal(out.session, 0);
	/* Logins other than PUBLIC and USER. */
	memcpy(r.uuid, k_basic_uuid, 16);
	r.login = TEEC_LOGIN_USER;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_OPEN, &r, sizeof(r), -1,
			     NULL), 0);
	memcpy(&out, f->resp, sizeof(out));
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	r.login = TEEC_LOGIN_GROUP;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_OPEN, &r, sizeof(r), -1,
			     NULL), 0);
	memcpy(&out, f->resp, sizeof(out));
	assert_int_equal(out.result.ret, TEEC_ERROR_NOT_SUPPORTED);
	/* Close: once, by its owner. */
	c.session = s1;
	assert_int_equal(req(f, OTHER, RHEAPD_OP_TEE_CLOSE, &c, sizeof(c), -1,
			     NULL), -ENOENT);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_CLOSE, &c, sizeof(c), -1,
			     &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_CLOSE, &c, sizeof(c), -1,
			     NULL), -ENOENT);
	c.session = s2;
	c.reserved = 1;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_CLOSE, &c, sizeof(c), -1,
			     NULL), -EINVAL);
}

static void test_cancel(void **state)
{
	struct tfx *f = *state;
	uint32_t s = open_session(f, CLIENT, k_basic_uuid);
	struct rheapd_tee_cancel_req c = { .session = s, .cancel_id = 5 };

	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_CANCEL, &c, sizeof(c),
			     -1, NULL), 0);
	assert_int_equal(req(f, OTHER, RHEAPD_OP_TEE_CANCEL, &c, sizeof(c),
			     -1, NULL), -ENOENT);
}

/* ---- registrations ---- */

static void test_register_release(void **state)
{
	struct tfx *f = *state;
	int rfd = rbuf_make(f, 2, 3);
	int sfd = sbuf_make(f, 3 * PAGE);
	struct rheapd_tee_shm_release_req rel = { 0 };
	uint32_t flags = 0;
	uint64_t size = 0;
	uint32_t r = shm_register(f, CLIENT, rfd, &size, &flags);
	uint32_t s = 0;

	assert_int_equal(size, 5 * PAGE);
	assert_int_equal(flags, RHEAPD_HEAP_RESTRICTED);
	s = shm_register(f, CLIENT, sfd, &size, &flags);
	assert_int_equal(size, 3 * PAGE);
	assert_int_equal(flags, 0);
	assert_int_not_equal(r, s);
	assert_int_equal(f->gets, 2);
	/* Errors of the buffer layer, and a missing fd. */
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0,
			     f->forbidden_fd, NULL), -EINVAL);
	f->forbidden_fd = rfd;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0,
			     rfd, NULL), -EPERM);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0,
			     STDIN_FILENO + 900, NULL), -EINVAL);
	assert_int_equal(f->gets, 2);
	/* Release: by the owner only, once. */
	rel.shm_id = r;
	assert_int_equal(req(f, OTHER, RHEAPD_OP_TEE_SHM_RELEASE, &rel,
			     sizeof(rel), -1, NULL), -ENOENT);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_RELEASE, &rel,
			     sizeof(rel), -1, NULL), 0);
	assert_int_equal(f->puts, 1);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_RELEASE, &rel,
			     sizeof(rel), -1, NULL), -ENOENT);
	rel.shm_id = s;
	rel.reserved = 1;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_RELEASE, &rel,
			     sizeof(rel), -1, NULL), -EINVAL);
	assert_int_equal(f->puts, 1);
}

/* A description that does not add up is refused, and the ref dropped. */
static void test_register_bad_description(void **state)
{
	struct tfx *f = *state;
	int fd = rbuf_make(f, 2, 0);

	f->bufs[f->buf_count - 1].mem.size = 3 * PAGE;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0,
			     fd, NULL), -EINVAL);
	f->bufs[f->buf_count - 1].mem.size = 2 * PAGE;
	f->bufs[f->buf_count - 1].ext[0].sdp_buf_id = 0;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0,
			     fd, NULL), -EINVAL);
	assert_int_equal(f->gets, 2);
	assert_int_equal(f->puts, 2);
}

/* ---- xtest 1014 ---- */

/* Inject / transform / dump of 17000 - 255 bytes at a random offset in
 * [0, 255], 10 loops, on a 5-page buffer that spans two chunks. */
static void test_xtest_1014_basic(void **state)
{
	struct tfx *f = *state;
	uint32_t sess = open_session(f, CLIENT, k_basic_uuid);
	uint32_t shm = shm_register(f, CLIENT, rbuf_make(f, 2, 3), NULL, NULL);
	static uint8_t ref[XSIZE];
	static struct inv v;
	struct rheapd_tee_invoke out = { 0 };
	const size_t n = XSIZE - 255u;

	/* The registration keeps the buffer: the client's fd may close. */
	for (uint32_t loop = 0; loop < 10; loop++) {
		uint64_t off = 0;

		for (size_t i = 0; i < n; i++) {
			ref[i] = rnd8();
		}
		off = ref[0];
		memset(&v, 0, sizeof(v));
		v.h.session = sess;
		v.h.command = 0; /* INJECT */
		p_temp(&v, 0, TEEC_MEMREF_TEMP_INPUT, 0, n);
		p_part(&v, 1, TEEC_MEMREF_PARTIAL_OUTPUT, shm, off, n);
		memcpy(v.data, ref, n);
		assert_int_equal(invoke(f, CLIENT, &v, n, &out), 0);
		assert_int_equal(out.result.ret, TEEC_SUCCESS);
		assert_int_equal(out.result.origin, TEEC_ORIGIN_TRUSTED_APP);

		memset(&v, 0, sizeof(v));
		v.h.session = sess;
		v.h.command = 1; /* TRANSFORM */
		p_part(&v, 0, TEEC_MEMREF_PARTIAL_INOUT, shm, off, n);
		assert_int_equal(invoke(f, CLIENT, &v, 0, &out), 0);
		assert_int_equal(out.result.ret, TEEC_SUCCESS);

		memset(&v, 0, sizeof(v));
		v.h.session = sess;
		v.h.command = 2; /* DUMP */
		p_part(&v, 0, TEEC_MEMREF_PARTIAL_INPUT, shm, off, n);
		p_temp(&v, 1, TEEC_MEMREF_TEMP_OUTPUT, 0, n);
		assert_int_equal(invoke(f, CLIENT, &v, n, &out), 0);
		assert_int_equal(out.result.ret, TEEC_SUCCESS);
		assert_int_equal(out.params[1].b, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(v.data[i], (uint8_t)(~ref[i] + 1u));
		}
	}
}

/* A copy larger than the parameter area, from and to a system buffer:
 * several SDP calls per extent. */
static void test_large_copy_system_shm(void **state)
{
	struct tfx *f = *state;
	uint32_t sess = open_session(f, CLIENT, k_basic_uuid);
	uint64_t n = 400u * 1024u;
	uint32_t pages_a = 30;
	uint32_t pages_b = (uint32_t)(n / PAGE) - pages_a;
	uint32_t rs = shm_register(f, CLIENT, rbuf_make(f, pages_a, pages_b),
				   NULL, NULL);
	int in_fd = sbuf_make(f, n);
	int out_fd = sbuf_make(f, n);
	uint32_t ins = shm_register(f, CLIENT, in_fd, NULL, NULL);
	uint32_t outs = shm_register(f, CLIENT, out_fd, NULL, NULL);
	uint8_t *in = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, in_fd,
			   0);
	uint8_t *outp = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED,
			     out_fd, 0);
	struct rheapd_tee_invoke out = { 0 };
	static struct inv v;

	assert_true(in != MAP_FAILED && outp != MAP_FAILED);
	for (uint64_t i = 0; i < n; i++) {
		in[i] = rnd8();
	}
	memset(&v, 0, sizeof(v));
	v.h.session = sess;
	v.h.command = 0;
	p_part(&v, 0, TEEC_MEMREF_PARTIAL_INPUT, ins, 0, n);
	p_part(&v, 1, TEEC_MEMREF_PARTIAL_OUTPUT, rs, 0, n);
	assert_int_equal(invoke(f, CLIENT, &v, 0, &out), 0);
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	memset(&v, 0, sizeof(v));
	v.h.session = sess;
	v.h.command = 2;
	p_part(&v, 0, TEEC_MEMREF_PARTIAL_INPUT, rs, 0, n);
	p_part(&v, 1, TEEC_MEMREF_PARTIAL_OUTPUT, outs, 0, n);
	assert_int_equal(invoke(f, CLIENT, &v, 0, &out), 0);
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	assert_memory_equal(in, outp, n);
	munmap(in, n);
	munmap(outp, n);
}

/* sdp_out_of_bounds_memref_test: INJECT from an allocated (system) shm
 * of the buffer's size into the registered restricted buffer at five
 * out-of-bounds references; the valid last-byte reference reaches the TA. */
static void test_xtest_1014_out_of_bounds(void **state)
{
	struct tfx *f = *state;
	uint32_t sess = open_session(f, CLIENT, k_basic_uuid);
	uint64_t size = 0;
	uint32_t out_shm = shm_register(f, CLIENT, rbuf_make(f, 2, 3), &size,
					NULL);
	uint32_t in_shm = shm_register(f, CLIENT, sbuf_make(f, size), NULL,
				       NULL);
	const struct {
		uint64_t offset;
		uint64_t size;
	} bad[] = {
		{ size - 1, 2 },     /* overflows the buffer by 1 byte */
		{ size - 1, 5000 },  /* by more than 4 KiB */
		{ size, 1 },         /* offset = size */
		{ size, 4096 },      /* offset = size, 4 KiB */
		{ 2, UINT64_MAX },   /* offset + size wraps (size_t ~0) */
	};
	struct rheapd_tee_invoke out = { 0 };
	uint8_t before[PAGE] = { 0 };
	uint8_t after[PAGE] = { 0 };
	static struct inv v;

	ks_secure_read(f->ks, KS_SV_DYN_BASE + f->chunk - 2 * PAGE, before,
		       PAGE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.h.session = sess;
		v.h.command = 0;
		p_part(&v, 0, TEEC_MEMREF_PARTIAL_INPUT, in_shm, 0,
		       bad[i].size);
		p_part(&v, 1, TEEC_MEMREF_PARTIAL_OUTPUT, out_shm,
		       bad[i].offset, bad[i].size);
		assert_int_equal(invoke(f, CLIENT, &v, 0, &out), 0);
		assert_int_equal(out.result.ret, TEEC_ERROR_BAD_PARAMETERS);
		assert_int_equal(out.result.origin, TEEC_ORIGIN_TEE);
	}
	ks_secure_read(f->ks, KS_SV_DYN_BASE + f->chunk - 2 * PAGE, after,
		       PAGE);
	assert_memory_equal(before, after, PAGE);
	/* The valid case: the last byte. */
	memset(&v, 0, sizeof(v));
	v.h.session = sess;
	v.h.command = 0;
	p_part(&v, 0, TEEC_MEMREF_PARTIAL_INPUT, in_shm, 0, 1);
	p_part(&v, 1, TEEC_MEMREF_PARTIAL_OUTPUT, out_shm, size - 1, 1);
	assert_int_equal(invoke(f, CLIENT, &v, 0, &out), 0);
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	assert_int_equal(out.result.origin, TEEC_ORIGIN_TRUSTED_APP);
}

/* TEE- and TA-level refusals: each leaves the buffer as it was. */
static void test_invoke_refusals(void **state)
{
	struct tfx *f = *state;
	uint32_t sess = open_session(f, CLIENT, k_basic_uuid);
	uint32_t rs = shm_register(f, CLIENT, rbuf_make(f, 1, 0), NULL, NULL);
	uint32_t ss = shm_register(f, CLIENT, sbuf_make(f, PAGE), NULL, NULL);
	const struct {
		uint32_t cmd;
		uint32_t t0;
		uint32_t s0; /* 0: TEMP at data offset 0 */
		uint64_t n0;
		uint32_t t1;
		uint32_t s1;
		uint64_t n1;
		uint32_t ret;
		uint32_t origin;
	} cases[] = {
		/* INJECT into TEMP or system memory: restricted required. */
		{ 0, TEEC_MEMREF_TEMP_INPUT, 0, 16, TEEC_MEMREF_TEMP_OUTPUT, 0,
		  16, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE },
		{ 0, TEEC_MEMREF_TEMP_INPUT, 0, 16, TEEC_MEMREF_PARTIAL_OUTPUT,
		  2, 16, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE },
		/* INJECT from restricted memory: NS required. */
		{ 0, TEEC_MEMREF_PARTIAL_INPUT, 1, 16,
		  TEEC_MEMREF_PARTIAL_OUTPUT, 1, 16, TEEC_ERROR_BAD_PARAMETERS,
		  TEEC_ORIGIN_TEE },
		/* TRANSFORM of TEMP / system memory. */
		{ 1, TEEC_MEMREF_TEMP_INOUT, 0, 16, TEEC_NONE, 0, 0,
		  TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE },
		{ 1, TEEC_MEMREF_PARTIAL_INOUT, 2, 16, TEEC_NONE, 0, 0,
		  TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE },
		/* DUMP into restricted memory. */
		{ 2, TEEC_MEMREF_PARTIAL_INPUT, 1, 16,
		  TEEC_MEMREF_PARTIAL_OUTPUT, 1, 16, TEEC_ERROR_BAD_PARAMETERS,
		  TEEC_ORIGIN_TEE },
		/* Size 0 of a registered memref. */
		{ 1, TEEC_MEMREF_PARTIAL_INOUT, 1, 0, TEEC_NONE, 0, 0,
		  TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE },
		/* Parameter types the TA does not take. */
		{ 0, TEEC_MEMREF_TEMP_INOUT, 0, 16, TEEC_MEMREF_PARTIAL_OUTPUT,
		  1, 16, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TRUSTED_APP },
		{ 1, TEEC_MEMREF_PARTIAL_INPUT, 1, 16, TEEC_NONE, 0, 0,
		  TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TRUSTED_APP },
		{ 2, TEEC_MEMREF_PARTIAL_INPUT, 1, 16, TEEC_VALUE_INPUT, 0, 0,
		  TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TRUSTED_APP },
		/* Output smaller than input. */
		{ 0, TEEC_MEMREF_TEMP_INPUT, 0, 32, TEEC_MEMREF_PARTIAL_OUTPUT,
		  1, 16, TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP },
		/* Unknown command. */
		{ 9, TEEC_NONE, 0, 0, TEEC_NONE, 0, 0,
		  TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TRUSTED_APP },
	};
	struct rheapd_tee_invoke out = { 0 };
	uint8_t before[64] = { 0 };
	uint8_t after[64] = { 0 };
	static struct inv v;

	ks_secure_read(f->ks, KS_SV_DYN_BASE + f->chunk - PAGE, before,
		       sizeof(before));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint32_t shm_of[3] = { 0, rs, ss };

		memset(&v, 0, sizeof(v));
		v.h.session = sess;
		v.h.command = cases[i].cmd;
		if (cases[i].t0 == TEEC_NONE) {
			/* nothing */
		} else if (cases[i].s0 == 0) {
			p_temp(&v, 0, cases[i].t0, 0, cases[i].n0);
		} else {
			p_part(&v, 0, cases[i].t0, shm_of[cases[i].s0], 0,
			       cases[i].n0);
		}
		if (cases[i].t1 == TEEC_VALUE_INPUT) {
			v.h.params[1].type = TEEC_VALUE_INPUT;
		} else if (cases[i].t1 != TEEC_NONE && cases[i].s1 == 0) {
			p_temp(&v, 1, cases[i].t1, 64, cases[i].n1);
		} else if (cases[i].t1 != TEEC_NONE) {
			p_part(&v, 1, cases[i].t1, shm_of[cases[i].s1], 0,
			       cases[i].n1);
		}
		memset(v.data, 0x77, 128);
		assert_int_equal(invoke(f, CLIENT, &v, 128, &out), 0);
		assert_int_equal(out.result.ret, cases[i].ret);
		assert_int_equal(out.result.origin, cases[i].origin);
	}
	/* SHORT_BUFFER says how much was needed. */
	ks_secure_read(f->ks, KS_SV_DYN_BASE + f->chunk - PAGE, after,
		       sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
}

static void test_short_buffer_size(void **state)
{
	struct tfx *f = *state;
	uint32_t sess = open_session(f, CLIENT, k_basic_uuid);
	uint32_t rs = shm_register(f, CLIENT, rbuf_make(f, 1, 0), NULL, NULL);
	struct rheapd_tee_invoke out = { 0 };
	static struct inv v;

	memset(&v, 0, sizeof(v));
	v.h.session = sess;
	v.h.command = 2;
	p_part(&v, 0, TEEC_MEMREF_PARTIAL_INPUT, rs, 0, 100);
	p_temp(&v, 1, TEEC_MEMREF_TEMP_OUTPUT, 0, 40);
	assert_int_equal(invoke(f, CLIENT, &v, 40, &out), 0);
	assert_int_equal(out.result.ret, TEEC_ERROR_SHORT_BUFFER);
	assert_int_equal(out.params[1].b, 100);
}

/* ---- malformed requests ---- */

static void test_malformed(void **state)
{
	struct tfx *f = *state;
	uint32_t sess = open_session(f, CLIENT, k_basic_uuid);
	uint32_t rs = shm_register(f, CLIENT, rbuf_make(f, 1, 0), NULL, NULL);
	uint32_t other_shm = shm_register(f, OTHER, rbuf_make(f, 1, 0), NULL,
					  NULL);
	static struct inv v;
	struct rheapd_tee_invoke out = { 0 };
	uint8_t junk[64] = { 0 };
	const struct {
		uint16_t op;
		size_t len;
	} sizes[] = {
		{ RHEAPD_OP_TEE_OPEN, 0 },     { RHEAPD_OP_TEE_OPEN, 23 },
		{ RHEAPD_OP_TEE_OPEN, 25 },    { RHEAPD_OP_TEE_CLOSE, 7 },
		{ RHEAPD_OP_TEE_CLOSE, 9 },    { RHEAPD_OP_TEE_SHM_RELEASE, 4 },
		{ RHEAPD_OP_TEE_SHM_RELEASE, 16 },
		{ RHEAPD_OP_TEE_CANCEL, 0 },   { RHEAPD_OP_TEE_CANCEL, 12 },
		{ RHEAPD_OP_TEE_INVOKE, 0 },   { RHEAPD_OP_TEE_INVOKE, 1 },
		{ RHEAPD_OP_TEE_INVOKE, 151 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(req(f, CLIENT, sizes[i].op, junk, sizes[i].len,
				     -1, NULL), -EINVAL);
	}
	/* fd where none belongs, none where one does; unknown ops. */
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_REGISTER_FD, junk, 4,
			     f->bufs[0].fd, NULL), -EINVAL);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_SHM_REGISTER_FD, NULL, 0,
			     -1, NULL), -EINVAL);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_OPEN, junk, 24,
			     f->bufs[0].fd, NULL), -EINVAL);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_ALLOC, junk, 8, -1, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(req(f, CLIENT, 0x16, junk, 8, -1, NULL), -EOPNOTSUPP);
	{
		struct rheapd_tee_open_req o = { .reserved = 1 };

		memcpy(o.uuid, k_basic_uuid, 16);
		assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_OPEN, &o,
				     sizeof(o), -1, NULL), -EINVAL);
	}

	/* Invocation headers and parameters, one fault each. */
	for (uint32_t c = 0; c < 17; c++) {
		int want = -EINVAL;

		memset(&v, 0, sizeof(v));
		v.h.session = sess;
		v.h.command = 1;
		p_part(&v, 0, TEEC_MEMREF_PARTIAL_INOUT, rs, 0, 16);
		switch (c) {
		case 0: v.h.reserved = 1; break;
		case 1: v.h.result.ret = 1; break;
		case 2: v.h.result.origin = 1; break;
		case 3: v.h.params[0].reserved = 1; break;
		case 4: v.h.params[2].a = 1; break;       /* NONE with a */
		case 5: v.h.params[2].shm_id = rs; break; /* NONE with shm */
		case 6: /* VALUE wider than 32 bits */
			v.h.params[2].type = TEEC_VALUE_INPUT;
			v.h.params[2].a = UINT64_C(1) << 32;
			break;
		case 7: /* TEMP misaligned */
			p_temp(&v, 1, TEEC_MEMREF_TEMP_INPUT, 4, 8);
			break;
		case 8: /* TEMP past the data area */
			p_temp(&v, 1, TEEC_MEMREF_TEMP_INPUT, 0, 65);
			break;
		case 9: /* TEMP offset + size wraps */
			p_temp(&v, 1, TEEC_MEMREF_TEMP_INPUT, 8, UINT64_MAX);
			break;
		case 10: /* overlapping TEMPs */
			p_temp(&v, 1, TEEC_MEMREF_TEMP_INPUT, 0, 16);
			p_temp(&v, 2, TEEC_MEMREF_TEMP_OUTPUT, 8, 16);
			break;
		case 11: /* WHOLE: librheap resolves it */
			v.h.params[0].type = TEEC_MEMREF_WHOLE;
			break;
		case 12: v.h.params[0].type = 4; break;
		case 13: v.h.params[0].type = 0x10; break;
		case 14: /* TEMP with a shm ID */
			p_temp(&v, 1, TEEC_MEMREF_TEMP_INPUT, 0, 8);
			v.h.params[1].shm_id = rs;
			break;
		case 15: /* unknown shm; another client's shm */
			v.h.params[0].shm_id = rs + 100;
			want = -ENOENT;
			break;
		default:
			v.h.params[0].shm_id = other_shm;
			want = -ENOENT;
			break;
		}
		assert_int_equal(invoke(f, CLIENT, &v, 64, &out), want);
	}
	/* Unknown session; another client's session. */
	memset(&v, 0, sizeof(v));
	v.h.session = sess + 100;
	assert_int_equal(invoke(f, CLIENT, &v, 0, &out), -ENOENT);
	v.h.session = sess;
	assert_int_equal(invoke(f, OTHER, &v, 0, &out), -ENOENT);
	/* A response buffer too small for the answer. */
	{
		size_t len = 0;

		assert_int_equal(ktee_request(f->t, CLIENT, RHEAPD_OP_TEE_INVOKE,
					      &v, sizeof(v.h) + 64, -1, f->resp,
					      sizeof(v.h), &len), -ENOSPC);
	}
}

/* ---- teardown paths ---- */

static void test_client_gone(void **state)
{
	struct tfx *f = *state;
	uint32_t s_other = open_session(f, OTHER, k_basic_uuid);
	uint32_t r_other = shm_register(f, OTHER, rbuf_make(f, 1, 0), NULL,
					NULL);
	struct rheapd_tee_close_req c = { 0 };
	struct rheapd_tee_invoke out = { 0 };
	static struct inv v;
	uint32_t s = 0;

	s = open_session(f, CLIENT, k_basic_uuid);
	(void)shm_register(f, CLIENT, rbuf_make(f, 1, 0), NULL, NULL);
	(void)shm_register(f, CLIENT, rbuf_make(f, 2, 1), NULL, NULL);
	(void)shm_register(f, CLIENT, sbuf_make(f, PAGE), NULL, NULL);
	assert_int_equal(f->gets, 4);
	ktee_client_gone(f->t, CLIENT);
	assert_int_equal(f->puts, 3);
	c.session = s;
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_CLOSE, &c, sizeof(c), -1,
			     NULL), -ENOENT);
	/* The other client is untouched. */
	memset(&v, 0, sizeof(v));
	v.h.session = s_other;
	v.h.command = 1;
	p_part(&v, 0, TEEC_MEMREF_PARTIAL_INOUT, r_other, 0, 64);
	assert_int_equal(invoke(f, OTHER, &v, 0, &out), 0);
	assert_int_equal(out.result.ret, TEEC_SUCCESS);
	ktee_client_gone(f->t, CLIENT); /* again: nothing */
	assert_int_equal(f->puts, 3);
}

static void test_board_gone(void **state)
{
	struct tfx *f = *state;
	uint32_t sess = open_session(f, CLIENT, k_basic_uuid);
	uint32_t rs = shm_register(f, CLIENT, rbuf_make(f, 1, 0), NULL, NULL);
	struct rheapd_tee_open_req o = { .login = TEEC_LOGIN_PUBLIC };
	struct rheapd_tee_open_resp oresp = { 0 };
	struct rheapd_tee_invoke out = { 0 };
	static struct inv v;

	ks_server_kill(f->ks);
	memset(&v, 0, sizeof(v));
	v.h.session = sess;
	v.h.command = 1;
	p_part(&v, 0, TEEC_MEMREF_PARTIAL_INOUT, rs, 0, 64);
	assert_int_equal(invoke(f, CLIENT, &v, 0, &out), 0);
	assert_int_equal(out.result.ret, TEEC_ERROR_TARGET_DEAD);
	assert_int_equal(out.result.origin, TEEC_ORIGIN_COMMS);
	assert_true(ksec_gone(f->ks->sec));
	memcpy(o.uuid, k_basic_uuid, 16);
	assert_int_equal(req(f, CLIENT, RHEAPD_OP_TEE_OPEN, &o, sizeof(o), -1,
			     NULL), 0);
	memcpy(&oresp, f->resp, sizeof(oresp));
	assert_int_equal(oresp.result.ret, TEEC_ERROR_TARGET_DEAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_register_bad_description,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_xtest_1014_basic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_large_copy_system_shm,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_xtest_1014_out_of_bounds,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_invoke_refusals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_short_buffer_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_gone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_board_gone, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, ks_tl_load, ks_tl_free);
}
