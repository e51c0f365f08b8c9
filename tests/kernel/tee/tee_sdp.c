// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-guest TEE test (static; run by the guest's /init): xtest 1014
 * (sdp_basic) shaped, through librheap's TEE Client API on the rheap
 * module's /dev/tee0 (docs/tee.md, "The Linux TEE driver"):
 *
 *   - TEEC_InitializeContext(NULL) picks /dev/tee0 (no rheapd in the
 *     guest); TEE_IOC_VERSION says rheap (impl ID 0x5248), GP;
 *   - sessions: sdp_basic's UUID and the SDP partition's open, an unknown
 *     UUID is ITEM_NOT_FOUND from the TEE;
 *   - a restricted buffer from /dev/dma_heap/protected,secure-video
 *     registered with TEEC_RegisterSharedMemoryFileDescriptor (the
 *     kernel's TEE_IOC_SHM_REGISTER_FD), its fd closed at once; 10 loops
 *     of inject / transform (b = ~b + 1) / dump of 16745 bytes at an
 *     offset in [0, 255], data checked; once more through an
 *     AllocateSharedMemory (pool) block instead of client memory;
 *   - the five out-of-bounds memrefs of xtest's
 *     sdp_out_of_bounds_memref_test() refused before reaching the TA,
 *     through librheap AND as raw TEE_IOC_INVOKE ioctls (the kernel's
 *     own checks); the valid last-byte reference reaches the TA;
 *   - refusals: a size-0 memref, an NS memref where restricted memory is
 *     required, a system-heap dma-buf or a non-dma-buf fd given to
 *     TEE_IOC_SHM_REGISTER_FD, mmap of a registered restricted tee_shm;
 *   - after release the heap holds no buffer.
 *
 * Exit 0 only when every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/tee.h>

#include <rheap/rheap.h>
#include <rheap/sdp_ta.h>
#include <rheap/tee_client_api.h>

#include "../heaps/ktap.h"

#ifndef TEE_IOC_SHM_REGISTER_FD
struct tee_ioctl_shm_register_fd_data {
	__s64 fd;
	__u64 size;
	__u32 flags;
	__s32 id;
} __attribute__((aligned(8)));

#define TEE_IOC_SHM_REGISTER_FD                \
	_IOWR(TEE_IOC_MAGIC, TEE_IOC_BASE + 8, \
	      struct tee_ioctl_shm_register_fd_data)
#endif

#define HEAP "protected,secure-video"
#define SYSTEM_HEAP "/dev/dma_heap/system"
#define TEST_SIZE 17000u
#define LOOPS 10u
#define IMPL_ID 0x5248u

static const TEEC_UUID sdp_basic = SDP_TA_SDP_BASIC_UUID;
/* The SDP partition's UUID (platforms/linux-guest.dts, module parameter
 * tee_uuid's default). */
static const TEEC_UUID sdp_partition = {
	0x5d0c6a1e, 0x8f3b, 0x4c27,
	{ 0x9a, 0x6e, 0x2b, 0x1f, 0x7d, 0x40, 0xc3, 0xa9 }
};

/**
 * struct tee_t - the test's TEE state
 * @ctx:  the context
 * @sess: a session to sdp_basic
 */
struct tee_t {
	TEEC_Context ctx;
	TEEC_Session sess;
};

static TEEC_Result inject(struct tee_t *t, TEEC_SharedMemory *shm, size_t off,
			  const void *src, size_t len, uint32_t *origin)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].tmpref.buffer = (void *)src;
	op.params[0].tmpref.size = len;
	op.params[1].memref.parent = shm;
	op.params[1].memref.offset = off;
	op.params[1].memref.size = len;
	return TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op, origin);
}

static TEEC_Result transform(struct tee_t *t, TEEC_SharedMemory *shm,
			     size_t off, size_t len, uint32_t *origin)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = shm;
	op.params[0].memref.offset = off;
	op.params[0].memref.size = len;
	return TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_TRANSFORM, &op, origin);
}

static TEEC_Result dump(struct tee_t *t, TEEC_SharedMemory *shm, size_t off,
			void *dst, size_t len, uint32_t *origin)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = shm;
	op.params[0].memref.offset = off;
	op.params[0].memref.size = len;
	op.params[1].tmpref.buffer = dst;
	op.params[1].tmpref.size = len;
	return TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DUMP, &op, origin);
}

static void run_loops(struct tee_t *t, TEEC_SharedMemory *shm)
{
	size_t size = TEST_SIZE - 255; /* room for the offset, as xtest */
	uint8_t *ref = malloc(size);
	uint8_t *buf = malloc(size);
	unsigned int seed = 1014;

	for (unsigned int loop = 0; loop < LOOPS && ref && buf; loop++) {
		uint32_t o1 = 0;
		uint32_t o2 = 0;
		uint32_t o3 = 0;
		size_t offset = 0;
		size_t errors = 0;
		TEEC_Result r1 = 0;
		TEEC_Result r2 = 0;
		TEEC_Result r3 = 0;

		for (size_t i = 0; i < size; i++) {
			ref[i] = (uint8_t)(rand_r(&seed) >> 7);
		}
		memcpy(buf, ref, size);
		offset = ref[0];
		r1 = inject(t, shm, offset, buf, size, &o1);
		r2 = transform(t, shm, offset, size, &o2);
		memset(buf, 0, size);
		r3 = dump(t, shm, offset, buf, size, &o3);
		for (size_t i = 0; i < size; i++) {
			if (buf[i] != (uint8_t)(~ref[i] + 1)) {
				errors++;
			}
		}
		ktap_check(r1 == TEEC_SUCCESS && r2 == TEEC_SUCCESS &&
				   r3 == TEEC_SUCCESS && errors == 0,
			   "loop %u: inject/transform/dump of %zu bytes at "
			   "offset %zu (results %#x/%#x/%#x, origins "
			   "%u/%u/%u, %zu bytes wrong)",
			   loop, size, offset, r1, r2, r3, o1, o2, o3, errors);
	}
	free(ref);
	free(buf);
}

/* Inject from and dump into a TEEC_AllocateSharedMemory block (the
 * driver's pool: memrefs by ID, no bounce). */
static void pool_roundtrip(struct tee_t *t, TEEC_SharedMemory *shm)
{
	TEEC_SharedMemory ns = { .size = 8192,
				 .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	uint32_t origin = 0;
	TEEC_Result r1 = 0;
	TEEC_Result r2 = 0;
	size_t errors = 0;
	uint8_t *p = NULL;

	if (!ktap_check(TEEC_AllocateSharedMemory(&t->ctx, &ns) ==
					TEEC_SUCCESS &&
				ns.buffer != NULL,
			"AllocateSharedMemory of 8192 bytes: mapped")) {
		return;
	}
	p = ns.buffer;
	for (size_t i = 0; i < 8192; i++) {
		p[i] = (uint8_t)(i * 7 + 3);
	}
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &ns;
	op.params[0].memref.size = 8192;
	op.params[1].memref.parent = shm;
	op.params[1].memref.offset = 4096;
	op.params[1].memref.size = 8192;
	r1 = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op, &origin);
	memset(p, 0, 8192);
	op.params[0].memref.parent = shm;
	op.params[0].memref.offset = 4096;
	op.params[1].memref.parent = &ns;
	op.params[1].memref.offset = 0;
	op.params[1].memref.size = 8192;
	r2 = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DUMP, &op, &origin);
	for (size_t i = 0; i < 8192; i++) {
		if (p[i] != (uint8_t)(i * 7 + 3)) {
			errors++;
		}
	}
	ktap_check(r1 == TEEC_SUCCESS && r2 == TEEC_SUCCESS && errors == 0,
		   "pool block: inject then dump of 8192 bytes (%#x/%#x, "
		   "%zu bytes wrong)",
		   r1, r2, errors);
	TEEC_ReleaseSharedMemory(&ns);
}

static const struct {
	const char *what;
	size_t offset; /* from the end when rel is set */
	bool rel;
	size_t size;
} oob_cases[] = {
	{ "reference overflows the buffer by 1 byte", 1, true, 2 },
	{ "reference overflows the buffer by more than 4 KiB", 1, true,
	  5000 },
	{ "offset exceeds the buffer size by 1 byte", 0, true, 1 },
	{ "offset exceeds the buffer size by 4 KiB", 0, true, 4096 },
	{ "offset + size overflows", 2, false, ~(size_t)0 },
};

/* Through librheap (its API checks come first). */
static void out_of_bounds(struct tee_t *t, TEEC_SharedMemory *out,
			  TEEC_SharedMemory *in)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	TEEC_Result res = 0;
	uint32_t origin = 0;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = in;
	op.params[1].memref.parent = out;
	op.params[0].memref.size = 1;
	op.params[1].memref.offset = out->size - 1;
	op.params[1].memref.size = 1;
	res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op, &origin);
	ktap_check(res == TEEC_SUCCESS && origin == TEEC_ORIGIN_TRUSTED_APP,
		   "librheap: valid reference (last byte) reaches the TA "
		   "(%#x, origin %u)",
		   res, origin);
	for (size_t i = 0; i < sizeof(oob_cases) / sizeof(oob_cases[0]); i++) {
		size_t off = oob_cases[i].rel ?
				     out->size - oob_cases[i].offset :
				     oob_cases[i].offset;

		op.params[0].memref.offset = 0;
		op.params[0].memref.size = oob_cases[i].size;
		op.params[1].memref.offset = off;
		op.params[1].memref.size = oob_cases[i].size;
		origin = 0;
		res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op,
					 &origin);
		ktap_check(origin != TEEC_ORIGIN_TRUSTED_APP &&
				   (res == TEEC_ERROR_BAD_PARAMETERS ||
				    res == TEEC_ERROR_GENERIC),
			   "librheap: %s (offset %#zx size %#zx): %#x "
			   "origin %u",
			   oob_cases[i].what, off, oob_cases[i].size, res,
			   origin);
	}
}

/**
 * struct raw_invoke - TEE_IOC_INVOKE's argument with four parameters
 * @arg:    the header
 * @params: the parameters
 */
struct raw_invoke {
	struct tee_ioctl_invoke_arg arg;
	struct tee_ioctl_param params[4];
};

/* One raw INJECT: in = pool shm @in_id [0, @in_size), out = @out_id
 * [@off, @off + @size). Return the ioctl's errno (0 on success) and the
 * TEE result in @ret / @origin. */
static int raw_inject(struct tee_t *t, int32_t in_id, uint64_t in_size,
		      int32_t out_id, uint64_t off, uint64_t size,
		      uint32_t *ret, uint32_t *origin)
{
	struct raw_invoke r;
	struct tee_ioctl_buf_data buf = {
		.buf_ptr = (uintptr_t)&r,
		.buf_len = sizeof(r),
	};

	memset(&r, 0, sizeof(r));
	r.arg.func = SDP_TA_CMD_INJECT;
	r.arg.session = t->sess.imp.session_id;
	r.arg.num_params = 4;
	r.params[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	r.params[0].b = in_size;
	r.params[0].c = (uint64_t)in_id;
	r.params[1].attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	r.params[1].a = off;
	r.params[1].b = size;
	r.params[1].c = (uint64_t)out_id;
	*ret = 0;
	*origin = 0;
	if (ioctl(t->ctx.imp.fd, TEE_IOC_INVOKE, &buf) != 0) {
		return errno;
	}
	*ret = r.arg.ret;
	*origin = r.arg.ret_origin;
	return 0;
}

/* The same cases as raw ioctls: the kernel refuses them by itself. */
static void raw_out_of_bounds(struct tee_t *t, TEEC_SharedMemory *out,
			      TEEC_SharedMemory *in)
{
	int32_t in_id = (int32_t)in->imp.shm_id;
	int32_t out_id = (int32_t)out->imp.shm_id;
	uint32_t ret = 0;
	uint32_t origin = 0;
	int err = raw_inject(t, in_id, 1, out_id, out->size - 1, 1, &ret,
			     &origin);

	ktap_check(err == 0 && ret == TEEC_SUCCESS &&
			   origin == TEEC_ORIGIN_TRUSTED_APP,
		   "ioctl: valid reference (last byte) reaches the TA "
		   "(errno %d, %#x origin %u)",
		   err, ret, origin);
	for (size_t i = 0; i < sizeof(oob_cases) / sizeof(oob_cases[0]); i++) {
		uint64_t off = oob_cases[i].rel ?
				       out->size - oob_cases[i].offset :
				       oob_cases[i].offset;
		uint64_t size = oob_cases[i].size;

		/* The input stays in bounds: only the output is wrong. */
		err = raw_inject(t, in_id, 1, out_id, off, size, &ret,
				 &origin);
		ktap_check((err == EINVAL) ||
				   (err == 0 && origin != TEEC_ORIGIN_TRUSTED_APP &&
				    ret == TEEC_ERROR_BAD_PARAMETERS),
			   "ioctl: %s (offset %#llx size %#llx): errno %d, "
			   "%#x origin %u",
			   oob_cases[i].what, (unsigned long long)off,
			   (unsigned long long)size, err, ret, origin);
	}
	err = raw_inject(t, in_id, 1, out_id, 0, 0, &ret, &origin);
	ktap_check(err == 0 && ret == TEEC_ERROR_BAD_PARAMETERS &&
			   origin == TEEC_ORIGIN_TEE,
		   "ioctl: a size-0 memref is BAD_PARAMETERS from the TEE "
		   "(errno %d, %#x origin %u)",
		   err, ret, origin);
	err = raw_inject(t, in_id, 1, in_id, 0, 1, &ret, &origin);
	ktap_check(err == 0 && ret == TEEC_ERROR_BAD_PARAMETERS &&
			   origin == TEEC_ORIGIN_TEE,
		   "ioctl: INJECT into NS memory is BAD_PARAMETERS from the "
		   "TEE (errno %d, %#x origin %u)",
		   err, ret, origin);
}

/* TEE_IOC_SHM_REGISTER_FD refuses what is not ours. */
static void register_refusals(struct tee_t *t)
{
	struct tee_ioctl_shm_register_fd_data d = { .fd = -1 };
	int heap = open(SYSTEM_HEAP, O_RDWR | O_CLOEXEC);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	int buf = -1;
	int rc = 0;

	if (heap >= 0) {
		buf = ktap_dma_heap_alloc(heap, 4096, O_RDWR | O_CLOEXEC);
	}
	if (buf >= 0) {
		d.fd = buf;
		rc = ioctl(t->ctx.imp.fd, TEE_IOC_SHM_REGISTER_FD, &d);
		ktap_check(rc < 0 && errno == EINVAL,
			   "SHM_REGISTER_FD of a system-heap dma-buf refused "
			   "(rc %d, errno %d)",
			   rc, rc < 0 ? errno : 0);
		if (rc >= 0) {
			close(rc);
		}
		close(buf);
	} else {
		ktap_note("no %s: system-heap refusal not checked",
			  SYSTEM_HEAP);
	}
	d.fd = nul;
	d.flags = 0;
	rc = ioctl(t->ctx.imp.fd, TEE_IOC_SHM_REGISTER_FD, &d);
	ktap_check(rc < 0 && errno == EINVAL,
		   "SHM_REGISTER_FD of /dev/null refused (rc %d, errno %d)",
		   rc, rc < 0 ? errno : 0);
	if (rc >= 0) {
		close(rc);
	}
	d.fd = nul;
	d.flags = 1;
	rc = ioctl(t->ctx.imp.fd, TEE_IOC_SHM_REGISTER_FD, &d);
	ktap_check(rc < 0 && errno == EINVAL,
		   "SHM_REGISTER_FD with flags set refused (rc %d)", rc);
	if (rc >= 0) {
		close(rc);
	}
	if (heap >= 0) {
		close(heap);
	}
	if (nul >= 0) {
		close(nul);
	}
}

static void sessions(void)
{
	TEEC_Context ctx;
	TEEC_Session s;
	TEEC_UUID unknown = { 0x01020304, 0x0506, 0x0708,
			      { 1, 2, 3, 4, 5, 6, 7, 8 } };
	struct tee_ioctl_version_data v = { 0 };
	uint32_t origin = 0;
	int rc = 0;
	TEEC_Result res = TEEC_InitializeContext(NULL, &ctx);

	if (!ktap_check(res == TEEC_SUCCESS,
			"InitializeContext(NULL) opens the Linux TEE: %#x",
			res)) {
		return;
	}
	rc = ioctl(ctx.imp.fd, TEE_IOC_VERSION, &v);
	ktap_check(rc == 0 && v.impl_id == IMPL_ID &&
			   (v.gen_caps & TEE_GEN_CAP_GP) != 0,
		   "TEE_IOC_VERSION: impl_id %#x gen_caps %#x", v.impl_id,
		   v.gen_caps);
	res = TEEC_OpenSession(&ctx, &s, &sdp_partition, TEEC_LOGIN_PUBLIC,
			       NULL, NULL, &origin);
	ktap_check(res == TEEC_SUCCESS,
		   "session to the SDP partition's UUID: %#x origin %u", res,
		   origin);
	if (res == TEEC_SUCCESS) {
		TEEC_CloseSession(&s);
	}
	res = TEEC_OpenSession(&ctx, &s, &unknown, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	ktap_check(res == TEEC_ERROR_ITEM_NOT_FOUND &&
			   origin == TEEC_ORIGIN_TEE,
		   "unknown UUID: %#x origin %u", res, origin);
	res = TEEC_OpenSession(&ctx, &s, &sdp_basic, TEEC_LOGIN_GROUP, NULL,
			       NULL, &origin);
	ktap_check(res == TEEC_ERROR_NOT_SUPPORTED && origin == TEEC_ORIGIN_TEE,
		   "GROUP login: %#x origin %u", res, origin);
	TEEC_FinalizeContext(&ctx);
}

int main(void)
{
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	struct rheap_buf_info info = { 0 };
	struct rheap_heap *heap = NULL;
	struct tee_t t;
	uint32_t origin = 0;
	TEEC_Result res = 0;
	void *map = NULL;
	int fd = -1;
	int rc = 0;

	sessions();
	rc = rheap_heap_open(HEAP, RHEAP_OPEN_LINUX, &heap);
	if (!ktap_check(rc == 0, "open %s: %d", HEAP, rc)) {
		return ktap_done();
	}
	fd = rheap_heap_alloc(heap, TEST_SIZE, O_RDWR | O_CLOEXEC, 0, &info);
	if (!ktap_check(fd >= 0 && info.size == 20480 && info.restricted,
			"alloc %u bytes: fd %d, size %llu", TEST_SIZE, fd,
			(unsigned long long)info.size)) {
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
	if (!ktap_check(res == TEEC_SUCCESS,
			"open a session to sdp_basic: %#x origin %u", res,
			origin)) {
		close(fd);
		goto out_heap;
	}
	res = TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &shm, fd);
	close(fd); /* the registration holds the buffer */
	if (ktap_check(res == TEEC_SUCCESS && shm.size == info.size &&
			       shm.buffer == NULL,
		       "RegisterSharedMemoryFileDescriptor: %#x, size %zu, "
		       "no CPU mapping",
		       res, shm.size)) {
		TEEC_SharedMemory in = { .size = shm.size,
					 .flags = TEEC_MEM_INPUT };

		map = mmap(NULL, 4096, PROT_READ, MAP_SHARED,
			   shm.imp.tee_shm_fd, 0);
		ktap_check(map == MAP_FAILED,
			   "mmap of the registered restricted tee_shm refused");
		if (map != MAP_FAILED) {
			munmap(map, 4096);
		}
		run_loops(&t, &shm);
		pool_roundtrip(&t, &shm);
		if (ktap_check(TEEC_AllocateSharedMemory(&t.ctx, &in) ==
				       TEEC_SUCCESS,
			       "AllocateSharedMemory of %zu bytes", in.size)) {
			out_of_bounds(&t, &shm, &in);
			raw_out_of_bounds(&t, &shm, &in);
			TEEC_ReleaseSharedMemory(&in);
		}
		register_refusals(&t);
		TEEC_ReleaseSharedMemory(&shm);
	}
	TEEC_CloseSession(&t.sess);
	TEEC_FinalizeContext(&t.ctx);
	ktap_check(ktap_heap_wait(HEAP, 0, UINT64_MAX, 5000) == 0,
		   "after release: %s holds no buffer", HEAP);
out_heap:
	rheap_heap_close(heap);
	return ktap_done();
}
