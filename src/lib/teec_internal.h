/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TEE Client API's two backends (src/lib/teec.c, docs/tee.md):
 * rheapd's TEE ops over its socket, and a Linux TEE device (/dev/tee*,
 * the rheap kernel module's TEE driver; src/lib/teec_linux.c).
 *
 * A context's imp.priv is a struct teec_priv: @tee_fd < 0 for rheapd
 * (then @conn is the connection), the open /dev/tee* otherwise.
 */
#ifndef RHEAP_SRC_LIB_TEEC_INTERNAL_H
#define RHEAP_SRC_LIB_TEEC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/rheapd_uapi.h>
#include <rheap/tee_client_api.h>

#include "lib/lib_internal.h"

/* The TEE device used when the Linux backend is active and no name is
 * given: $RHEAP_TEE_DEVICE, else this. */
#define TEEC_LINUX_DEV_ENV "RHEAP_TEE_DEVICE"
#define TEEC_LINUX_DEV_DEFAULT "/dev/tee0"

/**
 * struct teec_priv - a context's private state
 * @conn:   rheapd backend: the connection
 * @tee_fd: Linux backend: the TEE device; -1 for rheapd
 */
struct teec_priv {
	struct lib_conn conn;
	int tee_fd;
};

/**
 * struct teec_param - one memref or value as resolved by the API checks
 * @type:   what goes on the wire: TEEC_NONE, VALUE_*, MEMREF_TEMP_* (client
 *          memory, by value) or MEMREF_PARTIAL_* (a registration by ID)
 * @in:     bytes or values go in
 * @out:    bytes or values come back
 * @src:    TEMP: the client's bytes (NULL: none), else NULL
 * @shm_id: PARTIAL: the registration's ID
 * @offset: PARTIAL: first byte in the registration
 * @size:   memrefs: bytes
 */
struct teec_param {
	uint32_t type;
	bool in;
	bool out;
	uint8_t *src;
	uint32_t shm_id;
	uint64_t offset;
	uint64_t size;
};

/**
 * teec_param_resolve() - the GP checks of one parameter (both backends)
 * @ctx:  the session's context
 * @type: TEEC_PARAM_TYPE_GET() of the operation
 * @p:    the parameter
 * @out:  resolved
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS (origin API): unknown
 * type, a memref with no parent or a parent of another context, a
 * direction its flags do not allow, a range outside the block, a NULL
 * input buffer with a size.
 */
TEEC_Result teec_param_resolve(TEEC_Context *ctx, uint32_t type,
			       const TEEC_Parameter *p,
			       struct teec_param *out);

/* The Linux backend (teec_linux.c): each as the TEEC_ call it is named
 * after, on a context whose priv->tee_fd is open. */
TEEC_Result teec_linux_open(const char *path, int *fd);
TEEC_Result teec_linux_open_session(int fd, TEEC_Session *session,
				    const uint8_t uuid[16], uint32_t login,
				    uint32_t *origin);
void teec_linux_close_session(int fd, uint32_t session);
TEEC_Result teec_linux_invoke(TEEC_Session *session, int fd, uint32_t cmd,
			      TEEC_Operation *op, uint32_t *origin);
TEEC_Result teec_linux_alloc_shm(int fd, TEEC_SharedMemory *shm);
TEEC_Result teec_linux_register_fd(int fd, TEEC_SharedMemory *shm,
				   int dmabuf_fd);
void teec_linux_release_shm(TEEC_SharedMemory *shm);
void teec_linux_cancel(int fd, uint32_t session, uint32_t cancel_id);

#endif /* RHEAP_SRC_LIB_TEEC_INTERNAL_H */
