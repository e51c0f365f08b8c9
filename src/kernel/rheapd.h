/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapd: the normal world's heap daemon. It plays the part of Linux's
 * dma-heap and TEE drivers for the rheap platform: heaps and pools
 * (kheap), handles (khandle), policy (kpolicy), the secure backend (ksec)
 * and the TEE driver (ktee), served over the UAPI of
 * include/rheap/rheapd_uapi.h (docs/rheapd-uapi.md; design in
 * docs/rheapd.md).
 *
 * Two parts:
 * - pure request decoding (rheapd_req_check(), rheapd_alloc_decode(),
 *   rheapd_attach_decode(), rheapd_device_decode()): every byte a
 *   client sends passes through these first; they do no I/O and are
 *   fuzzed (tests/fuzz/fuzz_rheapd_req.c);
 * - the server (rheapd_run()): one thread, one epoll loop.
 */
#ifndef RHEAP_SRC_KERNEL_RHEAPD_H
#define RHEAP_SRC_KERNEL_RHEAPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>
#include <rheap/rheapd_uapi.h>

struct kpolicy;

/**
 * struct rheapd_req - a request whose framing was checked
 * @hdr:         the header (copied)
 * @payload:     points into the message
 * @payload_len: bytes at @payload
 */
struct rheapd_req {
	struct rheapd_hdr hdr;
	const uint8_t *payload;
	size_t payload_len;
};

/**
 * rheapd_req_check() - check a request datagram's framing
 * @msg:    the datagram (untrusted)
 * @len:    its bytes
 * @has_fd: whether exactly one fd came with it (SCM_RIGHTS)
 * @out:    the request; set on success
 *
 * Checks the header (magic, version, status MBZ), that the op exists, the
 * payload size each op requires, and whether the op takes an fd. The
 * payloads of the TEE ops are checked by ktee_request(), which also
 * decides about their fd.
 *
 * Return: 0; -EINVAL short datagram, wrong magic, status not 0, wrong
 * payload size, fd missing or unexpected; -EOPNOTSUPP wrong version or
 * unknown op.
 */
int rheapd_req_check(const void *msg, size_t len, bool has_fd,
		     struct rheapd_req *out);

/**
 * struct rheapd_alloc_args - an ALLOC request, decoded as Linux's
 * dma_heap_ioctl() would decode struct dma_heap_allocation_data
 * @heap_id:    the heap asked for
 * @len:        bytes asked for (not rounded)
 * @size:       @len rounded up to a page
 * @fd_flags:   O_CLOEXEC | O_ACCMODE bits only
 * @heap_flags: 0
 * @data:       the client's struct as sent (@data_size bytes)
 * @data_size:  0..RHEAPD_ALLOC_DATA_MAX
 */
struct rheapd_alloc_args {
	uint32_t heap_id;
	uint64_t len;
	uint64_t size;
	uint32_t fd_flags;
	uint64_t heap_flags;
	const uint8_t *data;
	uint32_t data_size;
};

/**
 * rheapd_alloc_decode() - decode an ALLOC payload (after the header)
 * @payload: untrusted
 * @len:     its bytes
 * @out:     the arguments
 *
 * The first min(data_size, 24) bytes of the data are read, the rest of
 * the 24-byte struct is zero; bytes past 24 are ignored. Then, in Linux's
 * order: fd != 0, fd_flags outside RHEAPD_VALID_FD_FLAGS, heap_flags
 * outside RHEAPD_VALID_HEAP_FLAGS, len 0 or wrapping when rounded up to a
 * page are -EINVAL.
 *
 * Return: 0; -EINVAL (also a payload shorter than 8 bytes, data_size
 * above RHEAPD_ALLOC_DATA_MAX or not the bytes that follow).
 */
int rheapd_alloc_decode(const uint8_t *payload, size_t len,
			struct rheapd_alloc_args *out);

/**
 * rheapd_attach_decode() - decode an ATTACH payload
 * @payload: untrusted, exactly sizeof(struct rheapd_attach_req) bytes
 * @len:     its bytes
 * @out:     the request (device NUL-terminated)
 *
 * Return: 0; -EINVAL wrong size, device name empty or not NUL-terminated
 * within RHEAPD_DEVICE_NAME_MAX, unknown flags, reserved not 0.
 */
int rheapd_attach_decode(const uint8_t *payload, size_t len,
			 struct rheapd_attach_req *out);

/* Most bytes of a VDEC_OPEN codec config (the memfd's first args[3]). */
#define RHEAPD_DEVICE_CONFIG_MAX (64u * 1024u)

/**
 * rheapd_device_cmd_device() - the device a command belongs to
 * @cmd: enum device_cmd value (untrusted)
 *
 * Return: "vdec", "display" or "gpu"; NULL for an unknown command.
 */
const char *rheapd_device_cmd_device(uint32_t cmd);

/**
 * rheapd_device_decode() - decode a DEVICE payload (docs/rheapd-uapi.md)
 * @payload: untrusted, exactly sizeof(struct rheapd_device_req) bytes
 * @len:     its bytes
 * @has_fd:  whether an fd came with the request
 * @out:     the request (device NUL-terminated)
 *
 * In this order: -EINVAL wrong size, device name empty or not
 * NUL-terminated, reserved fields not 0; -EOPNOTSUPP unknown command;
 * -EINVAL VDEC_OPEN with args[1] or args[2] set or a config size
 * (args[3]) above RHEAPD_DEVICE_CONFIG_MAX; -EINVAL the fd rule: VDEC_OPEN
 * takes an fd exactly when args[3] > 0, GPU_READ always, every other
 * command never. Nothing here knows the platform's devices: the device
 * name is checked by the caller.
 *
 * Return: 0; -EINVAL; -EOPNOTSUPP.
 */
int rheapd_device_decode(const uint8_t *payload, size_t len, bool has_fd,
			 struct rheapd_device_req *out);

/**
 * struct rheapd_cfg - what rheapd_run() serves
 * @plat:        the platform (from the TL), NW view
 * @board_path:  the board's socket
 * @socket_path: where to listen (an existing file there is replaced)
 * @priv_dir:    an existing 0700 directory for restricted handles
 * @policy:      the policy, or NULL (everything allowed, no quotas)
 * @idle_ns:     idle release delay of dynamic chunks
 * @chunk_size:  dynamic chunk size; 0: KHEAP_DEFAULT_CHUNK_SIZE (both
 *               capped to the pool and rounded up to the SDP partition's
 *               minimum chunk and alignment)
 */
struct rheapd_cfg {
	const struct rheap_platform *plat;
	const char *board_path;
	const char *socket_path;
	const char *priv_dir;
	const struct kpolicy *policy;
	uint64_t idle_ns;
	uint64_t chunk_size;
};

/**
 * rheapd_run() - connect to the board, build the heaps, serve until
 * SIGTERM or SIGINT
 * @cfg: the configuration
 *
 * Prints "rheapd: serving <socket>" on stderr once listening. On a signal:
 * detaches everything, frees every buffer (scrubbed), reclaims every
 * chunk, releases the secure backend, removes the socket, returns 0.
 *
 * Return: 0 after a clean stop; an errno if start-up failed (board
 * unreachable: -ENOENT; socket path: -EINVAL; ...).
 */
int rheapd_run(const struct rheapd_cfg *cfg);

#endif /* RHEAP_SRC_KERNEL_RHEAPD_H */
