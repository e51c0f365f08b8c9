/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapd's UAPI: the messages its clients (librheap, rheapctl, tests)
 * exchange with it over a SOCK_SEQPACKET Unix socket. It plays the part of
 * Linux's /dev/dma_heap/<name> ioctls and /dev/tee* for the normal world of
 * the rheap platform. docs/rheapd-uapi.md describes every message.
 *
 * Framing. One request datagram, one response datagram, in order, on one
 * connection: a struct rheapd_hdr, then the op's payload; the payload size
 * is the datagram size minus the header (no length field to disagree
 * with). At most RHEAPD_MSG_MAX bytes either way. File descriptors travel
 * as SCM_RIGHTS on the datagram that names them (at most one per message).
 * A request with the wrong magic or version, an unknown op, a payload of the
 * wrong size, an unexpected or missing fd gets a response with that status
 * (-EINVAL, -EOPNOTSUPP) and changes nothing; rheapd closes every fd it
 * receives that it does not keep.
 *
 * Handles. ALLOC answers with a handle: an fd that passes between processes
 * (SCM_RIGHTS, fork) and that any holder may IMPORT, ATTACH or register as
 * TEE shared memory. The buffer lives until every copy of the handle is
 * closed (rheapd learns that from the kernel, not from the client) and its
 * last attachment and registration are gone. A restricted handle refuses
 * mmap, read and write with an error; a `system` handle is a sealed memfd
 * of the buffer's size that maps normally.
 *
 * Identity. rheapd reads the peer's uid/gid with SO_PEERCRED when the
 * client connects: access policy and quotas are per connection's
 * credentials; a connection's attachments, TEE sessions and registrations
 * die with it.
 *
 * All integers little-endian (the host's: both ends share one machine);
 * reserved fields MBZ (-EINVAL).
 */
#ifndef RHEAP_RHEAPD_UAPI_H
#define RHEAP_RHEAPD_UAPI_H

#include <stddef.h>
#include <stdint.h>

#define RHEAPD_UAPI_MAGIC 0x44504852u /* "RHPD" */
#define RHEAPD_UAPI_VERSION 1u

/* Largest datagram either way (status JSON is truncated to fit). */
#define RHEAPD_MSG_MAX (128u * 1024u)

/* Where clients look for rheapd: $RHEAPD_SOCKET, else "rheapd.sock" in
 * the run directory (src/util/rundir.h: $RHEAP_RUN_DIR, /run/rheap for
 * root, $XDG_RUNTIME_DIR/rheap, /tmp/rheap-<uid>). */
#define RHEAPD_SOCKET_ENV "RHEAPD_SOCKET"
#define RHEAPD_SOCKET_NAME "rheapd.sock"

#define RHEAPD_HEAP_NAME_MAX 64u  /* with the NUL */
#define RHEAPD_DEVICE_NAME_MAX 32u /* with the NUL */

/* Largest struct dma_heap_allocation_data a client may send (Linux's
 * ioctl size field allows 16383; nothing real comes near this). */
#define RHEAPD_ALLOC_DATA_MAX 256u

/* Linux's fd_flags and heap_flags validity masks (uapi/linux/dma-heap.h). */
#define RHEAPD_O_ACCMODE 00000003u
#define RHEAPD_O_CLOEXEC 02000000u
#define RHEAPD_VALID_FD_FLAGS (RHEAPD_O_CLOEXEC | RHEAPD_O_ACCMODE)
#define RHEAPD_VALID_HEAP_FLAGS 0ull

/**
 * struct rheapd_hdr - every datagram starts with this (16 bytes)
 * @magic:   RHEAPD_UAPI_MAGIC
 * @version: RHEAPD_UAPI_VERSION; a response carries the server's
 * @op:      enum rheapd_op; a response echoes it
 * @seq:     chosen by the client, echoed
 * @status:  request: MBZ; response: 0 or a negative errno of
 *           include/rheap/err.h (the transport-level outcome)
 */
struct rheapd_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t seq;
	int32_t status;
};

/**
 * enum rheapd_op - requests
 * @RHEAPD_OP_HEAP_LIST:   -> struct rheapd_heap_list + entries
 * @RHEAPD_OP_ALLOC:       struct rheapd_alloc_req -> rheapd_alloc_resp + fd
 * @RHEAPD_OP_IMPORT:      fd -> struct rheapd_buf_info
 * @RHEAPD_OP_ATTACH:      struct rheapd_attach_req + fd -> rheapd_attach_resp
 * @RHEAPD_OP_DETACH:      struct rheapd_detach_req -> (empty)
 * @RHEAPD_OP_DEVICE:      struct rheapd_device_req (+ fd for GPU_READ) ->
 *                         struct rheapd_device_resp (include/rheap/device_abi.h)
 * @RHEAPD_OP_TEE_OPEN:    struct rheapd_tee_open_req -> rheapd_tee_open_resp
 * @RHEAPD_OP_TEE_CLOSE:   struct rheapd_tee_close_req -> (empty)
 * @RHEAPD_OP_TEE_INVOKE:  struct rheapd_tee_invoke + data -> same + data
 * @RHEAPD_OP_TEE_SHM_REGISTER_FD: fd -> struct rheapd_tee_shm_resp
 * @RHEAPD_OP_TEE_SHM_RELEASE: struct rheapd_tee_shm_release_req -> (empty)
 * @RHEAPD_OP_TEE_CANCEL:  struct rheapd_tee_cancel_req -> (empty)
 * @RHEAPD_OP_STATUS:      -> JSON text (no NUL), docs/rheapd-uapi.md
 */
enum rheapd_op {
	RHEAPD_OP_HEAP_LIST = 0x01,
	RHEAPD_OP_ALLOC = 0x02,
	RHEAPD_OP_IMPORT = 0x03,
	RHEAPD_OP_ATTACH = 0x04,
	RHEAPD_OP_DETACH = 0x05,
	RHEAPD_OP_DEVICE = 0x06,
	RHEAPD_OP_TEE_OPEN = 0x10,
	RHEAPD_OP_TEE_CLOSE = 0x11,
	RHEAPD_OP_TEE_INVOKE = 0x12,
	RHEAPD_OP_TEE_SHM_REGISTER_FD = 0x13,
	RHEAPD_OP_TEE_SHM_RELEASE = 0x14,
	RHEAPD_OP_TEE_CANCEL = 0x15,
	RHEAPD_OP_STATUS = 0x20,
};

/* struct rheapd_heap_info.flags */
#define RHEAPD_HEAP_RESTRICTED 0x1u /* buffers refuse CPU access */

/**
 * struct rheapd_heap_info - one heap (88 bytes)
 * @name:     "protected,secure-video", ..., "system"; NUL-terminated
 * @heap_id:  what ALLOC takes
 * @flags:    RHEAPD_HEAP_*
 * @capacity: bytes its pools can hold (0: system, bounded by quotas only)
 * @used:     bytes allocated now
 */
struct rheapd_heap_info {
	char name[RHEAPD_HEAP_NAME_MAX];
	uint32_t heap_id;
	uint32_t flags;
	uint64_t capacity;
	uint64_t used;
};

/**
 * struct rheapd_heap_list - HEAP_LIST response head; @count entries follow
 * @count:    heaps the caller may use (policy filters the list)
 * @reserved: 0
 */
struct rheapd_heap_list {
	uint32_t count;
	uint32_t reserved;
};

/**
 * struct rheapd_alloc_req - ALLOC request (8 bytes + @data_size)
 * @heap_id:   from HEAP_LIST
 * @data_size: bytes of the client's struct dma_heap_allocation_data that
 *             follow (0..RHEAPD_ALLOC_DATA_MAX): the ioctl's _IOC_SIZE
 *
 * The data is handled exactly as Linux's dma_heap_ioctl(): the first
 * min(@data_size, 24) bytes are read, the rest of the 24-byte kernel
 * struct is zero-filled, bytes past 24 are ignored; then fd must be 0,
 * fd_flags within RHEAPD_VALID_FD_FLAGS, heap_flags within
 * RHEAPD_VALID_HEAP_FLAGS (-EINVAL otherwise); len is rounded up to a
 * page and 0 is -EINVAL.
 */
struct rheapd_alloc_req {
	uint32_t heap_id;
	uint32_t data_size;
	/* uint8_t data[data_size]; */
};

/**
 * struct rheapd_alloc_resp - ALLOC response (24 bytes + @data_size); the
 * handle comes as SCM_RIGHTS
 * @buf_id:    rheapd's buffer ID (for status and tests; not a capability)
 * @size:      bytes allocated (len rounded up)
 * @data_size: the request's @data_size
 * @reserved:  0
 *
 * The data that follows is the request's data as the ioctl would copy it
 * back (fd still 0: the client puts the received fd there).
 */
struct rheapd_alloc_resp {
	uint64_t buf_id;
	uint64_t size;
	uint32_t data_size;
	uint32_t reserved;
	/* uint8_t data[data_size]; */
};

/**
 * struct rheapd_buf_info - IMPORT response (88 bytes)
 * @buf_id:  rheapd's buffer ID
 * @size:    bytes
 * @heap_id: the heap it came from
 * @flags:   RHEAPD_HEAP_* of that heap
 * @heap:    the heap's name
 */
struct rheapd_buf_info {
	uint64_t buf_id;
	uint64_t size;
	uint32_t heap_id;
	uint32_t flags;
	char heap[RHEAPD_HEAP_NAME_MAX];
};

/* struct rheapd_attach_req.flags */
#define RHEAPD_ATTACH_WRITE 0x1u /* the device may write */

/**
 * struct rheapd_attach_req - ATTACH request (40 bytes); the handle as
 * SCM_RIGHTS
 * @device:   the device's DT name ("vdec", "display", ...)
 * @flags:    RHEAPD_ATTACH_*
 * @reserved: 0
 */
struct rheapd_attach_req {
	char device[RHEAPD_DEVICE_NAME_MAX];
	uint32_t flags;
	uint32_t reserved;
};

/**
 * struct rheapd_attach_seg - one piece of an attachment's scatter list
 * @iova: the device's address (restricted: in its secure SMMU context;
 *        system: 0, no DMA model for system buffers yet)
 * @size: bytes
 */
struct rheapd_attach_seg {
	uint64_t iova;
	uint64_t size;
};

/**
 * struct rheapd_attach_resp - ATTACH response (16 bytes + segments)
 * @attach_id: names it for DETACH; owned by this connection
 * @seg_count: struct rheapd_attach_seg entries that follow
 * @reserved:  0
 */
struct rheapd_attach_resp {
	uint64_t attach_id;
	uint32_t seg_count;
	uint32_t reserved;
};

/** struct rheapd_detach_req - DETACH request (8 bytes) */
struct rheapd_detach_req {
	uint64_t attach_id;
};

/**
 * struct rheapd_device_req - DEVICE request (112 bytes)
 * @device:   the device's DT name ("vdec", "display", "gpu")
 * @cmd:      enum device_cmd
 * @reserved: 0
 * @args:     the command's rheapd-side argument slots (device_abi.h):
 *            buffers as (attachment ID, offset) of this connection's
 *            attachments to @device
 */
struct rheapd_device_req {
	char device[RHEAPD_DEVICE_NAME_MAX];
	uint32_t cmd;
	uint32_t reserved;
	uint64_t args[8];
	uint64_t reserved2;
};

/** struct rheapd_device_resp - DEVICE response (64 bytes): res[0..7] */
struct rheapd_device_resp {
	uint64_t res[8];
};

/**
 * struct rheapd_tee_open_req - TEE_OPEN request (24 bytes)
 * @uuid:     the trusted application / partition, RFC 4122 byte order
 * @login:    TEEC_LOGIN_* (only TEEC_LOGIN_PUBLIC and _USER are accepted)
 * @reserved: 0
 */
struct rheapd_tee_open_req {
	uint8_t uuid[16];
	uint32_t login;
	uint32_t reserved;
};

/**
 * struct rheapd_tee_result - TEE outcome inside a response (8 bytes)
 * @ret:    TEEC_Result (TEEC_SUCCESS, TEEC_ERROR_*)
 * @origin: TEEC_ORIGIN_*
 */
struct rheapd_tee_result {
	uint32_t ret;
	uint32_t origin;
};

/**
 * struct rheapd_tee_open_resp - TEE_OPEN response (16 bytes)
 * @result:   the outcome; @session is valid only when it is TEEC_SUCCESS
 * @session:  session ID, owned by this connection
 * @reserved: 0
 */
struct rheapd_tee_open_resp {
	struct rheapd_tee_result result;
	uint32_t session;
	uint32_t reserved;
};

/** struct rheapd_tee_close_req - TEE_CLOSE request (8 bytes) */
struct rheapd_tee_close_req {
	uint32_t session;
	uint32_t reserved;
};

/* struct rheapd_tee_param.type: TEEC_NONE, TEEC_VALUE_*, TEEC_MEMREF_TEMP_*
 * (data inline) and TEEC_MEMREF_PARTIAL_* (a registered fd's shm_id; the
 * whole-memref types are resolved by librheap into PARTIAL ones). */
#define RHEAPD_TEE_PARAMS 4u

/**
 * struct rheapd_tee_param - one operation parameter (32 bytes)
 * @type:        TEEC_* parameter type value (tee_client_api.h)
 * @shm_id:      PARTIAL memrefs: the registration; else 0
 * @a:           VALUE: a; memrefs: offset (PARTIAL: into the registered
 *               buffer; TEMP: into the message's data area)
 * @b:           VALUE: b; memrefs: size in bytes (response: the size the
 *               TA reports, as GP's memref size update)
 * @reserved:    0
 */
struct rheapd_tee_param {
	uint32_t type;
	uint32_t shm_id;
	uint64_t a;
	uint64_t b;
	uint64_t reserved;
};

/**
 * struct rheapd_tee_invoke - TEE_INVOKE request and response (152 bytes +
 * data area)
 * @session:   from TEE_OPEN
 * @command:   the TA command ID
 * @cancel_id: 0 or the client's cancellation ID (TEE_CANCEL names it)
 * @reserved:  0
 * @result:    request: 0; response: the outcome
 * @params:    RHEAPD_TEE_PARAMS parameters
 *
 * The data area after the struct holds TEMP memrefs' bytes at their
 * offsets (8-aligned, inside the area, not overlapping). The response
 * carries the same layout: output and in/out TEMP memrefs' bytes written
 * back at the same offsets, sizes updated.
 */
struct rheapd_tee_invoke {
	uint32_t session;
	uint32_t command;
	uint32_t cancel_id;
	uint32_t reserved;
	struct rheapd_tee_result result;
	struct rheapd_tee_param params[RHEAPD_TEE_PARAMS];
};

/**
 * struct rheapd_tee_shm_resp - TEE_SHM_REGISTER_FD response (16 bytes)
 * @shm_id:   names the registration (owned by this connection); holds the
 *            buffer alive after the client closes its fd
 * @flags:    RHEAPD_HEAP_* of the buffer's heap
 * @size:     the buffer's size
 */
struct rheapd_tee_shm_resp {
	uint32_t shm_id;
	uint32_t flags;
	uint64_t size;
};

/** struct rheapd_tee_shm_release_req - TEE_SHM_RELEASE request (8 bytes) */
struct rheapd_tee_shm_release_req {
	uint32_t shm_id;
	uint32_t reserved;
};

/** struct rheapd_tee_cancel_req - TEE_CANCEL request (8 bytes) */
struct rheapd_tee_cancel_req {
	uint32_t session;
	uint32_t cancel_id;
};

_Static_assert(sizeof(struct rheapd_hdr) == 16, "hdr is 16 bytes");
_Static_assert(sizeof(struct rheapd_heap_info) == 88, "heap info is 88");
_Static_assert(sizeof(struct rheapd_alloc_req) == 8, "alloc req is 8");
_Static_assert(sizeof(struct rheapd_alloc_resp) == 24, "alloc resp is 24");
_Static_assert(sizeof(struct rheapd_buf_info) == 88, "buf info is 88");
_Static_assert(sizeof(struct rheapd_attach_req) == 40, "attach req is 40");
_Static_assert(sizeof(struct rheapd_attach_resp) == 16, "attach resp is 16");
_Static_assert(sizeof(struct rheapd_device_req) == 112, "device req is 112");
_Static_assert(sizeof(struct rheapd_device_resp) == 64, "device resp is 64");
_Static_assert(sizeof(struct rheapd_tee_open_req) == 24, "open req is 24");
_Static_assert(sizeof(struct rheapd_tee_open_resp) == 16, "open resp is 16");
_Static_assert(sizeof(struct rheapd_tee_param) == 32, "tee param is 32");
_Static_assert(sizeof(struct rheapd_tee_invoke) == 152, "invoke is 152");
_Static_assert(sizeof(struct rheapd_tee_shm_resp) == 16, "shm resp is 16");

#endif /* RHEAP_RHEAPD_UAPI_H */
