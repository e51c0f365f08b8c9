// SPDX-License-Identifier: BSD-2-Clause
/*
 * xtest 1014 (sdp_basic) shaped, through librheap's TEE Client API against
 * a real rheap-board + rheapd: a restricted buffer from
 * protected,secure-video registered with
 * TEEC_RegisterSharedMemoryFileDescriptor() and its fd closed at once;
 * 10 loops of inject / transform (b = ~b + 1) / dump of 17000 bytes at a
 * random offset in [0, 255], the data checked each time; then the five
 * out-of-bounds memrefs of sdp_out_of_bounds_memref_test(), each refused
 * before reaching the TA (TEEC_ERROR_BAD_PARAMETERS or _GENERIC, origin
 * not TRUSTED_APP), and the valid last-byte reference reaching it.
 *
 *   test_teec_sdp RHEAP_BOARD RHEAPD DEFAULT_TL [--guest RHEAP_VMM]
 *
 * With --guest the same code runs inside a guest VM (platform.h): the TEE
 * ops travel as virtio-rheap TEE requests and rheap-vmm serves them on the
 * VM's host rheapd connection. Every check holds there unchanged: the
 * STATUS counters read are the host's (the guest's buffers are host
 * buffers the vmm allocated, so allocs = frees holds for them too), and
 * platform_guest_check() adds the checks that it really ran in the guest.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/tee_client_api.h>

#include "platform.h"

#define TEST_SIZE 17000u
#define LOOPS 10u
#define HEAP "protected,secure-video"

static void run_loops(struct sdp_tee *t, TEEC_SharedMemory *shm)
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
		r1 = sdp_inject(t, shm, offset, buf, size, &o1);
		r2 = sdp_transform(t, shm, offset, size, &o2);
		memset(buf, 0, size);
		r3 = sdp_dump(t, shm, offset, buf, size, &o3);
		for (size_t i = 0; i < size; i++) {
			if (buf[i] != (uint8_t)(~ref[i] + 1)) {
				errors++;
			}
		}
		tap_check(r1 == TEEC_SUCCESS && r2 == TEEC_SUCCESS &&
				  r3 == TEEC_SUCCESS && errors == 0,
			  "loop %u: inject/transform/dump of %zu bytes at "
			  "offset %zu (results %#x/%#x/%#x, origins %u/%u/%u, "
			  "%zu bytes wrong)",
			  loop, size, offset, r1, r2, r3, o1, o2, o3, errors);
	}
	free(ref);
	free(buf);
}

static void out_of_bounds(struct sdp_tee *t, TEEC_SharedMemory *out)
{
	static const struct {
		const char *what;
		size_t offset; /* from out->size when rel is set */
		bool rel;
		size_t size;
	} cases[] = {
		{ "reference overflows the buffer by 1 byte", 1, true, 2 },
		{ "reference overflows the buffer by more than 4 KiB", 1, true,
		  5000 },
		{ "offset exceeds the buffer size by 1 byte", 0, true, 1 },
		{ "offset exceeds the buffer size by 4 KiB", 0, true, 4096 },
		{ "offset + size overflows", 2, false, ~(size_t)0 },
	};
	TEEC_SharedMemory in = { .size = out->size, .flags = TEEC_MEM_INPUT };
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	TEEC_Result res = 0;
	uint32_t origin = 0;

	if (!tap_check(TEEC_AllocateSharedMemory(&t->ctx, &in) ==
			       TEEC_SUCCESS,
		       "AllocateSharedMemory of %zu bytes", in.size)) {
		return;
	}
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &in;
	op.params[1].memref.parent = out;
	/* The valid case: the last byte reaches the TA. */
	op.params[0].memref.offset = 0;
	op.params[0].memref.size = 1;
	op.params[1].memref.offset = out->size - 1;
	op.params[1].memref.size = 1;
	res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op, &origin);
	tap_check(origin == TEEC_ORIGIN_TRUSTED_APP,
		  "valid reference (last byte) reaches the TA (%#x, origin %u)",
		  res, origin);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t off = cases[i].rel ? out->size - cases[i].offset :
					    cases[i].offset;

		op.params[0].memref.offset = 0;
		op.params[0].memref.size = cases[i].size;
		op.params[1].memref.offset = off;
		op.params[1].memref.size = cases[i].size;
		origin = 0;
		res = TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op,
					 &origin);
		tap_check(origin != TEEC_ORIGIN_TRUSTED_APP &&
				  (res == TEEC_ERROR_BAD_PARAMETERS ||
				   res == TEEC_ERROR_GENERIC),
			  "%s (offset %#zx size %#zx): %#x origin %u",
			  cases[i].what, off, cases[i].size, res, origin);
	}
	TEEC_ReleaseSharedMemory(&in);
}

int main(int argc, char **argv)
{
	struct platform p;
	struct rheap_heap *heap = NULL;
	struct rheap_buf_info info = { 0 };
	struct sdp_tee t;
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_Result res = 0;
	struct json_doc *doc = NULL;
	int fd = -1;
	int rc = 0;

	platform_args(argc, argv);
	if (platform_start(&p, NULL, -1) != 0) {
		tap_check(false, "platform starts");
		return tap_done();
	}
	rc = rheap_heap_open(HEAP, 0, &heap);
	if (!tap_check(rc == 0, "open %s: %s", HEAP, rheap_err_name(rc))) {
		goto out_stop;
	}
	fd = rheap_heap_alloc(heap, TEST_SIZE, O_RDWR | O_CLOEXEC, 0, &info);
	if (!tap_check(fd >= 0 && info.size == 20480 && info.restricted,
		       "alloc %u bytes: fd %d, size %llu", TEST_SIZE, fd,
		       (unsigned long long)info.size)) {
		goto out_heap;
	}
	res = sdp_tee_open(&t);
	if (!tap_check(res == TEEC_SUCCESS, "open a session to sdp_basic: %#x",
		       res)) {
		close(fd);
		goto out_heap;
	}
	res = TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &shm, fd);
	close(fd); /* the registration holds the buffer */
	if (tap_check(res == TEEC_SUCCESS && shm.size == info.size &&
			      shm.buffer == NULL,
		      "RegisterSharedMemoryFileDescriptor: %#x, size %zu, "
		      "no CPU mapping",
		      res, shm.size)) {
		run_loops(&t, &shm);
		out_of_bounds(&t, &shm);
		TEEC_ReleaseSharedMemory(&shm);
	}
	sdp_tee_close(&t);
	tap_check(platform_wait_idle(5000) == 0,
		  "after release: no buffer left, every heap's used is 0");
	if (platform_status(&doc) == 0) {
		tap_check(status_heap_u64(doc, HEAP, "used") == 0 &&
				  status_counter(doc, "allocs") ==
					  status_counter(doc, "frees"),
			  "STATUS: %s used 0, allocs %llu = frees %llu", HEAP,
			  (unsigned long long)status_counter(doc, "allocs"),
			  (unsigned long long)status_counter(doc, "frees"));
		json_free(doc);
	}
	/* 1 ALLOC + OPEN + REGISTER + 30 INVOKEs + 6 + RELEASE + CLOSE. */
	platform_guest_check(40);
out_heap:
	rheap_heap_close(heap);
out_stop:
	tap_check(platform_stop(&p) == 0, "rheapd and the board stop cleanly");
	return tap_done();
}
