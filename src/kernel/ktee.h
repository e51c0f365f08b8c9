/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapd's TEE driver: the part of a Linux TEE driver (drivers/tee) that
 * turns GlobalPlatform sessions and invocations into messages for the
 * secure world. Its only trusted application is the SDP partition: a
 * session opens to the partition's UUID, or to OP-TEE's sdp_basic TA UUID
 * (12345678-5b69-11e4-9dbb-101f74f00099) so that xtest 1014's client runs
 * unchanged; the sdp_basic command IDs INJECT (0), TRANSFORM (1), DUMP (2)
 * map to SDP_CMD_INJECT/TRANSFORM/DUMP through the parameter area.
 *
 * Memory: TEMP memrefs arrive by value in the request and are copied
 * through the SDP parameter area (NS); PARTIAL memrefs name a registration
 * of a handle (TEE_SHM_REGISTER_FD): restricted buffers are passed to the
 * partition by SDP buffer ID and offset, split per extent when a buffer
 * spans chunks; a system buffer (mapped by ktee at registration) or a
 * TEMP memref where restricted memory is required, and the reverse, is
 * TEEC_ERROR_BAD_PARAMETERS before any byte moves (docs/tee.md).
 *
 * ktee owns sessions and registrations per client (rheapd's connection
 * number) and drops them in ktee_client_gone().
 *
 * Not thread-safe: rheapd's event loop is its only caller.
 */
#ifndef RHEAP_SRC_KERNEL_KTEE_H
#define RHEAP_SRC_KERNEL_KTEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksec;
struct ktee;

/**
 * struct ktee_extent - one piece of a registered buffer
 * @sdp_buf_id: SDP buffer ID holding it (0 for a system buffer)
 * @offset:     byte offset inside that SDP buffer
 * @size:       bytes
 */
struct ktee_extent {
	uint32_t sdp_buf_id;
	uint64_t offset;
	uint64_t size;
};

/**
 * struct ktee_mem - a buffer as ktee sees it (valid while its ref is held)
 * @size:         bytes
 * @restricted:   from a restricted heap
 * @extents:      its pieces in buffer order, adding up to @size
 * @extent_count: entries in @extents
 */
struct ktee_mem {
	uint64_t size;
	bool restricted;
	const struct ktee_extent *extents;
	uint32_t extent_count;
};

/**
 * struct ktee_host_ops - what ktee needs from rheapd's buffer layer
 * @ctx:     passed back
 * @buf_get: resolve a handle fd that client @client sent: check the
 *           client may use the buffer's heap, take a reference that keeps
 *           the buffer alive, describe it. Return 0, -EINVAL (not a
 *           handle), -EPERM (policy)
 * @buf_put: drop a reference from @buf_get
 */
struct ktee_host_ops {
	void *ctx;
	int (*buf_get)(void *ctx, uint32_t client, int fd, struct ktee_mem *mem,
		       void **ref);
	void (*buf_put)(void *ctx, void *ref);
};

/**
 * ktee_create() - the TEE driver over a secure backend
 * @sec:      the backend (not owned)
 * @sdp_uuid: the SDP partition's UUID, RFC 4122 byte order
 * @host:     buffer layer callbacks (copied)
 * @out:      the driver; untouched on failure
 *
 * Return: 0; -ENOMEM.
 */
int ktee_create(struct ksec *sec, const uint8_t sdp_uuid[16],
		const struct ktee_host_ops *host, struct ktee **out);

/**
 * ktee_destroy() - drop every session and registration
 * @t: the driver, or NULL
 */
void ktee_destroy(struct ktee *t);

/**
 * ktee_request() - one RHEAPD_OP_TEE_* request from a client
 * @t:         the driver
 * @client:    rheapd's ID of the connection
 * @op:        RHEAPD_OP_TEE_*
 * @req:       the request payload (after struct rheapd_hdr), untrusted
 * @req_len:   its bytes
 * @fd:        the SCM_RIGHTS fd that came with it, or -1 (not owned: the
 *             caller closes it)
 * @resp:      out: the response payload
 * @resp_cap:  bytes at @resp (RHEAPD_MSG_MAX - header)
 * @resp_len:  out: bytes written
 *
 * Return: 0 (the TEE outcome, which may be a TEEC error, is in the
 * payload); -EINVAL malformed request (wrong size, reserved bits, a TEMP
 * memref outside the data area, fd missing or unexpected); -EOPNOTSUPP
 * unknown op; -ENOENT unknown session or shm ID of this client;
 * TEE_SHM_REGISTER_FD: buf_get's -EINVAL/-EPERM, -ENOMEM (registration
 * table full); -ENOSPC @resp_cap too small for the response.
 */
int ktee_request(struct ktee *t, uint32_t client, uint16_t op, const void *req,
		 size_t req_len, int fd, void *resp, size_t resp_cap,
		 size_t *resp_len);

/**
 * ktee_client_gone() - a connection closed: drop its sessions and
 * registrations (their buffer references go with them)
 * @t:      the driver
 * @client: the connection's ID
 */
void ktee_client_gone(struct ktee *t, uint32_t client);

#endif /* RHEAP_SRC_KERNEL_KTEE_H */
