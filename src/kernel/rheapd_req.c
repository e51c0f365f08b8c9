// SPDX-License-Identifier: BSD-2-Clause
/*
 * Pure decoding of rheapd requests (rheapd.h). No I/O, no allocation:
 * the fuzz target drives these directly.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>

#include "rheapd.h"

/* Linux's struct dma_heap_allocation_data: len, fd, fd_flags, heap_flags. */
#define RHEAPD_ALLOC_DATA_KSIZE 24u
#define RHEAPD_PAGE_SIZE 4096u

enum rheapd_fd_rule {
	RHEAPD_FD_NONE,     /* an fd is -EINVAL */
	RHEAPD_FD_REQUIRED, /* a missing fd is -EINVAL */
	RHEAPD_FD_ANY,      /* the handler decides (TEE ops) */
};

/* Payload size rule of each op: exact, or a minimum (ALLOC, TEE). */
static int rheapd_op_rule(uint16_t op, size_t *exact, size_t *min,
			  enum rheapd_fd_rule *fd)
{
	*exact = SIZE_MAX;
	*min = 0;
	*fd = RHEAPD_FD_NONE;
	switch (op) {
	case RHEAPD_OP_HEAP_LIST:
	case RHEAPD_OP_STATUS:
		*exact = 0;
		return 0;
	case RHEAPD_OP_ALLOC:
		*min = sizeof(struct rheapd_alloc_req);
		return 0;
	case RHEAPD_OP_IMPORT:
		*exact = 0;
		*fd = RHEAPD_FD_REQUIRED;
		return 0;
	case RHEAPD_OP_ATTACH:
		*exact = sizeof(struct rheapd_attach_req);
		*fd = RHEAPD_FD_REQUIRED;
		return 0;
	case RHEAPD_OP_DETACH:
		*exact = sizeof(struct rheapd_detach_req);
		return 0;
	case RHEAPD_OP_DEVICE:
		*exact = sizeof(struct rheapd_device_req);
		*fd = RHEAPD_FD_ANY; /* rheapd_device_decode() decides */
		return 0;
	case RHEAPD_OP_TEE_OPEN:
	case RHEAPD_OP_TEE_CLOSE:
	case RHEAPD_OP_TEE_INVOKE:
	case RHEAPD_OP_TEE_SHM_REGISTER_FD:
	case RHEAPD_OP_TEE_SHM_RELEASE:
	case RHEAPD_OP_TEE_CANCEL:
		*fd = RHEAPD_FD_ANY;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int rheapd_req_check(const void *msg, size_t len, bool has_fd,
		     struct rheapd_req *out)
{
	struct rheapd_hdr hdr = { 0 };
	size_t exact = 0;
	size_t min = 0;
	size_t payload_len = 0;
	enum rheapd_fd_rule fd_rule = RHEAPD_FD_NONE;
	int rc = 0;

	if (len < sizeof(hdr) || len > RHEAPD_MSG_MAX) {
		return -EINVAL;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	if (hdr.magic != RHEAPD_UAPI_MAGIC || hdr.status != 0) {
		return -EINVAL;
	}
	if (hdr.version != RHEAPD_UAPI_VERSION) {
		return -EOPNOTSUPP;
	}
	rc = rheapd_op_rule(hdr.op, &exact, &min, &fd_rule);
	if (rc) {
		return rc;
	}
	payload_len = len - sizeof(hdr);
	if ((exact != SIZE_MAX && payload_len != exact) ||
	    payload_len < min) {
		return -EINVAL;
	}
	if ((fd_rule == RHEAPD_FD_NONE && has_fd) ||
	    (fd_rule == RHEAPD_FD_REQUIRED && !has_fd)) {
		return -EINVAL;
	}
	out->hdr = hdr;
	out->payload = (const uint8_t *)msg + sizeof(hdr);
	out->payload_len = payload_len;
	return 0;
}

static uint64_t rheapd_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = v << 8 | p[i];
	}
	return v;
}

static uint32_t rheapd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int rheapd_alloc_decode(const uint8_t *payload, size_t len,
			struct rheapd_alloc_args *out)
{
	uint8_t k[RHEAPD_ALLOC_DATA_KSIZE] = { 0 };
	uint32_t heap_id = 0;
	uint32_t data_size = 0;
	uint32_t fd = 0;

	if (len < sizeof(struct rheapd_alloc_req)) {
		return -EINVAL;
	}
	heap_id = rheapd_le32(payload);
	data_size = rheapd_le32(payload + 4);
	if (data_size > RHEAPD_ALLOC_DATA_MAX ||
	    len - sizeof(struct rheapd_alloc_req) != data_size) {
		return -EINVAL;
	}
	/* dma_heap_ioctl(): copy in what the caller has, zero the rest. */
	memcpy(k, payload + 8,
	       data_size < sizeof(k) ? data_size : sizeof(k));
	memset(out, 0, sizeof(*out));
	out->heap_id = heap_id;
	out->data = payload + 8;
	out->data_size = data_size;
	out->len = rheapd_le64(k);
	fd = rheapd_le32(k + 8);
	out->fd_flags = rheapd_le32(k + 12);
	out->heap_flags = rheapd_le64(k + 16);
	/* dma_heap_ioctl_allocate(), in its order. */
	if (fd != 0) {
		return -EINVAL;
	}
	if (out->fd_flags & ~RHEAPD_VALID_FD_FLAGS) {
		return -EINVAL;
	}
	if (out->heap_flags & ~RHEAPD_VALID_HEAP_FLAGS) {
		return -EINVAL;
	}
	/* dma_heap_buffer_alloc(): len = PAGE_ALIGN(len); if (!len) -EINVAL */
	if (out->len == 0 || out->len > UINT64_MAX - (RHEAPD_PAGE_SIZE - 1)) {
		return -EINVAL;
	}
	out->size = (out->len + RHEAPD_PAGE_SIZE - 1) &
		    ~(uint64_t)(RHEAPD_PAGE_SIZE - 1);
	return 0;
}

int rheapd_attach_decode(const uint8_t *payload, size_t len,
			 struct rheapd_attach_req *out)
{
	struct rheapd_attach_req r = { 0 };

	if (len != sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, payload, sizeof(r));
	if (r.device[0] == '\0' ||
	    !memchr(r.device, '\0', sizeof(r.device))) {
		return -EINVAL;
	}
	if ((r.flags & ~RHEAPD_ATTACH_WRITE) != 0 || r.reserved != 0) {
		return -EINVAL;
	}
	*out = r;
	return 0;
}

const char *rheapd_device_cmd_device(uint32_t cmd)
{
	switch (cmd) {
	case DEVICE_CMD_VDEC_OPEN:
	case DEVICE_CMD_VDEC_QUEUE_OUT:
	case DEVICE_CMD_VDEC_DECODE:
	case DEVICE_CMD_VDEC_RECEIVE:
	case DEVICE_CMD_VDEC_CLOSE:
		return "vdec";
	case DEVICE_CMD_DISPLAY_OPEN:
	case DEVICE_CMD_DISPLAY_SHOW:
	case DEVICE_CMD_DISPLAY_CLOSE:
		return "display";
	case DEVICE_CMD_GPU_READ:
		return "gpu";
	default:
		return NULL;
	}
}

int rheapd_device_decode(const uint8_t *payload, size_t len, bool has_fd,
			 struct rheapd_device_req *out)
{
	struct rheapd_device_req r = { .cmd = 0 };
	bool want_fd = false;

	if (len != sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, payload, sizeof(r));
	if (r.device[0] == '\0' ||
	    !memchr(r.device, '\0', sizeof(r.device))) {
		return -EINVAL;
	}
	if (r.reserved != 0 || r.reserved2 != 0) {
		return -EINVAL;
	}
	if (!rheapd_device_cmd_device(r.cmd)) {
		return -EOPNOTSUPP;
	}
	switch (r.cmd) {
	case DEVICE_CMD_VDEC_OPEN:
		/* The config comes in a memfd, never as an address. */
		if (r.args[1] != 0 || r.args[2] != 0 ||
		    r.args[3] > RHEAPD_DEVICE_CONFIG_MAX) {
			return -EINVAL;
		}
		want_fd = r.args[3] != 0;
		break;
	case DEVICE_CMD_GPU_READ:
		want_fd = true;
		break;
	default:
		want_fd = false;
		break;
	}
	if (want_fd != has_fd) {
		return -EINVAL;
	}
	*out = r;
	return 0;
}
