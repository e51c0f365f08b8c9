/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Memory references handed to the SDP partition, and the checks every
 * service runs on them before touching a byte.
 *
 * A client names memory as (buffer, offset, size): a `struct sp_memref`,
 * all three untrusted. The partition's caller resolves the buffer to a
 * `struct sp_buf_desc` (what the buffer really is: its allocated size,
 * whether it is restricted, for which use case), which is trusted. Two
 * checks then decide whether the reference may be used:
 *
 *  - bounds, as OP-TEE's core checks memrefs before a TA sees them
 *    (xtest regression 1014): the range [offset, offset + size) must lie
 *    inside the buffer, and offset + size must not wrap in 64 bits;
 *  - typing, as `TEE_CheckMemoryAccessRights()` with
 *    TEE_MEMORY_ACCESS_NONSECURE / _SECURE does in the sdp_basic TA:
 *    an input taken from the normal world must be non-secure, and a
 *    restricted buffer must be restricted and of a use case the service
 *    accepts (a secure-video decrypt never writes into a trusted-UI
 *    buffer).
 *
 * Nothing here touches the buffers: these are pure functions over numbers.
 */
#ifndef RHEAP_SRC_SP_SP_MEMREF_H
#define RHEAP_SRC_SP_SP_MEMREF_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/use_case.h>

/**
 * struct sp_memref - a client's reference to part of a buffer (untrusted)
 * @buf_id: the buffer, as the transport names it (an FF-A memory handle,
 *          a registered shared-memory ID); resolved by the caller
 * @offset: first byte of the range, from the start of the buffer
 * @size:   length of the range in bytes; 0 is a valid, empty range
 */
struct sp_memref {
	uint64_t buf_id;
	uint64_t offset;
	uint64_t size;
};

/**
 * struct sp_buf_desc - what the caller resolved @buf_id to (trusted)
 * @size:     bytes really allocated for the buffer (not what the client
 *            asked for: xtest 1014 probes the allocated size)
 * @secure:   true if the buffer is restricted (no normal-world access)
 * @use_case: the restricted use case; `RHEAP_USE_CASE_NONE` and ignored
 *            when @secure is false
 */
struct sp_buf_desc {
	uint64_t size;
	bool secure;
	enum rheap_use_case use_case;
};

/**
 * enum sp_memref_world - the security type a service requires
 * @SP_MEMREF_NONSECURE: normal-world memory (an input to inject, the
 *                       output of dump)
 * @SP_MEMREF_SECURE:    restricted memory of an allowed use case
 */
enum sp_memref_world {
	SP_MEMREF_NONSECURE = 0,
	SP_MEMREF_SECURE = 1,
};

/**
 * sp_memref_validate_bounds() - check that a memref lies inside its buffer
 * @ref:      the reference (untrusted); must not be NULL
 * @buf_size: allocated size of the buffer @ref names
 * @diag:     optional; names the rejected field on failure
 *
 * Accepts offset <= @buf_size and offset + size <= @buf_size computed
 * without wrapping, so an empty range at the very end is valid. The end
 * must also be addressable (<= SIZE_MAX), which only matters on 32-bit
 * hosts.
 *
 * Return: 0; -EINVAL if the offset is past the end (field "offset"),
 * offset + size wraps (field "size", reason "wraps"), or the range ends
 * past the buffer (field "size", limit = bytes left after the offset).
 */
int sp_memref_validate_bounds(const struct sp_memref *ref,
			      uint64_t buf_size, struct rheap_diag *diag);

/**
 * sp_memref_validate_access() - check a buffer's security type
 * @desc:          the resolved buffer (trusted); must not be NULL
 * @world:         the type the service needs
 * @use_case_mask: `RHEAP_USE_CASE_BIT()`s of the use cases accepted for
 *                 %SP_MEMREF_SECURE; ignored for %SP_MEMREF_NONSECURE
 * @diag:          optional; names the rejected field on failure
 *
 * Return: 0; -EPERM if a non-secure buffer is required and @desc is
 * restricted, or a restricted one is required and @desc is not (field
 * "secure"), or @desc's use case is not in @use_case_mask (field
 * "use_case"); -EINVAL if @world is not a known value.
 */
int sp_memref_validate_access(const struct sp_buf_desc *desc,
			      enum sp_memref_world world,
			      uint32_t use_case_mask, struct rheap_diag *diag);

/**
 * sp_memref_validate() - bounds, then typing: the check every service runs
 * @ref:           the reference (untrusted); must not be NULL
 * @desc:          what @ref's buffer resolved to (trusted); must not be NULL
 * @world:         the type the service needs
 * @use_case_mask: use cases accepted for %SP_MEMREF_SECURE
 * @diag:          optional; names the rejected field on failure
 *
 * Return: 0; -EINVAL from sp_memref_validate_bounds(); -EPERM or -EINVAL from
 * sp_memref_validate_access().
 */
int sp_memref_validate(const struct sp_memref *ref,
		       const struct sp_buf_desc *desc,
		       enum sp_memref_world world, uint32_t use_case_mask,
		       struct rheap_diag *diag);

#endif /* RHEAP_SRC_SP_SP_MEMREF_H */
