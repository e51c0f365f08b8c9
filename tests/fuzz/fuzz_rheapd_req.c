// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target for the bytes rheapd reads from outside: request datagrams
 * (rheapd_req_check(), rheapd_alloc_decode(), rheapd_attach_decode(),
 * rheapd_device_decode() of src/kernel/rheapd.h) and the policy file
 * (kpolicy_parse()).
 *
 * Input: byte 0 selects: bit 0 "an fd came with the datagram", bit 1 "the
 * rest is a policy file"; the rest is the datagram (or the policy).
 *
 * Properties: an accepted request has a known op, a header with the magic
 * and version, payload = datagram - 16; an accepted ALLOC has len != 0,
 * size = len rounded up to a page, fd_flags within O_CLOEXEC | O_ACCMODE,
 * heap_flags 0, data_size = payload - 8, and the canonical 24-byte struct
 * built from the decoded values decodes to the same values; an accepted
 * ATTACH has a NUL-terminated non-empty device name, known flags and 0
 * reserved; an accepted DEVICE has a NUL-terminated non-empty device name,
 * reserved fields 0, a known command, the fd rule kept (VDEC_OPEN: fd iff
 * a config size, which is <= 64 KiB, and args[1]/[2] 0; GPU_READ: fd;
 * others: none) and decodes the same again. An accepted policy answers
 * decisions without crashing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device_abi.h>
#include <rheap/rheapd_uapi.h>

#include "kernel/kpolicy.h"
#include "kernel/rheapd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_alloc(const struct rheapd_req *req)
{
	struct rheapd_alloc_args a = { 0 };
	struct rheapd_alloc_args b = { 0 };
	uint8_t canon[8 + 24] = { 0 };
	uint32_t ds = 24;

	if (rheapd_alloc_decode(req->payload, req->payload_len, &a) != 0) {
		return;
	}
	if (a.len == 0 || a.size < a.len || a.size - a.len >= 4096 ||
	    a.size % 4096 != 0 || (a.fd_flags & ~RHEAPD_VALID_FD_FLAGS) ||
	    a.heap_flags != 0 || a.data_size != req->payload_len - 8 ||
	    a.data_size > RHEAPD_ALLOC_DATA_MAX) {
		abort();
	}
	memcpy(canon, &a.heap_id, 4);
	memcpy(canon + 4, &ds, 4);
	memcpy(canon + 8, &a.len, 8);
	memcpy(canon + 20, &a.fd_flags, 4);
	if (rheapd_alloc_decode(canon, sizeof(canon), &b) != 0 ||
	    b.heap_id != a.heap_id || b.len != a.len || b.size != a.size ||
	    b.fd_flags != a.fd_flags || b.heap_flags != a.heap_flags) {
		abort();
	}
}

static void check_attach(const struct rheapd_req *req)
{
	struct rheapd_attach_req r = { 0 };
	size_t n = 0;

	if (rheapd_attach_decode(req->payload, req->payload_len, &r) != 0) {
		return;
	}
	n = strnlen(r.device, sizeof(r.device));
	if (n == 0 || n == sizeof(r.device) ||
	    (r.flags & ~RHEAPD_ATTACH_WRITE) || r.reserved != 0) {
		abort();
	}
}

static void check_device(const struct rheapd_req *req, bool has_fd)
{
	struct rheapd_device_req r = { .cmd = 0 };
	struct rheapd_device_req again = { .cmd = 0 };
	size_t n = 0;
	bool want = false;

	if (rheapd_device_decode(req->payload, req->payload_len, has_fd, &r) !=
	    0) {
		return;
	}
	n = strnlen(r.device, sizeof(r.device));
	if (n == 0 || n == sizeof(r.device) || r.reserved != 0 ||
	    r.reserved2 != 0 || !rheapd_device_cmd_device(r.cmd)) {
		abort();
	}
	if (r.cmd == DEVICE_CMD_VDEC_OPEN) {
		if (r.args[1] || r.args[2] ||
		    r.args[3] > RHEAPD_DEVICE_CONFIG_MAX) {
			abort();
		}
		want = r.args[3] != 0;
	} else {
		want = r.cmd == DEVICE_CMD_GPU_READ;
	}
	if (want != has_fd) {
		abort();
	}
	if (rheapd_device_decode((const uint8_t *)&r, sizeof(r), has_fd,
				 &again) != 0 ||
	    again.cmd != r.cmd || memcmp(again.args, r.args, sizeof(r.args))) {
		abort();
	}
}

static void check_policy(const uint8_t *data, size_t size)
{
	struct kpolicy *p = NULL;
	struct kpolicy_error err = { 0 };

	if (kpolicy_parse((const char *)data, size, &p, &err) != 0) {
		if (err.message[0] == '\0') {
			abort(); /* every refusal says why */
		}
		return;
	}
	for (uint32_t i = 0; i < kpolicy_heap_count(p); i++) {
		const char *name = kpolicy_heap_name(p, i);

		if (!name || strlen(name) >= KPOLICY_HEAP_NAME_MAX) {
			abort();
		}
		(void)kpolicy_heap_allowed(p, name, 0,
					   (const uint32_t[]){ 0, 44 }, 2);
	}
	(void)kpolicy_quota(p, 1000);
	kpolicy_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rheapd_req req = { 0 };
	bool has_fd = false;

	if (size < 1) {
		return 0;
	}
	has_fd = (data[0] & 1) != 0;
	if (data[0] & 2) {
		check_policy(data + 1, size - 1);
		return 0;
	}
	if (rheapd_req_check(data + 1, size - 1, has_fd, &req) != 0) {
		return 0; /* rejecting is fine; crashing or hanging is not */
	}
	if (req.hdr.magic != RHEAPD_UAPI_MAGIC ||
	    req.hdr.version != RHEAPD_UAPI_VERSION || req.hdr.status != 0 ||
	    req.payload_len != size - 1 - sizeof(struct rheapd_hdr) ||
	    req.payload != data + 1 + sizeof(struct rheapd_hdr)) {
		abort();
	}
	switch (req.hdr.op) {
	case RHEAPD_OP_ALLOC:
		check_alloc(&req);
		break;
	case RHEAPD_OP_ATTACH:
		check_attach(&req);
		break;
	case RHEAPD_OP_DEVICE:
		check_device(&req, has_fd);
		break;
	case RHEAPD_OP_HEAP_LIST:
	case RHEAPD_OP_STATUS:
	case RHEAPD_OP_IMPORT:
	case RHEAPD_OP_DETACH:
	case RHEAPD_OP_TEE_OPEN:
	case RHEAPD_OP_TEE_CLOSE:
	case RHEAPD_OP_TEE_INVOKE:
	case RHEAPD_OP_TEE_SHM_REGISTER_FD:
	case RHEAPD_OP_TEE_SHM_RELEASE:
	case RHEAPD_OP_TEE_CANCEL:
		break;
	default:
		abort(); /* an unknown op was accepted */
	}
	return 0;
}
