/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * The sdp_basic services of the SDP partition, as pure functions over
 * buffers the caller has already resolved and mapped.
 *
 * They are the three commands of OP-TEE's sdp_basic TA that xtest 1014
 * drives end to end:
 *
 *   inject     copy a non-secure input into a restricted buffer
 *   transform  in place in a restricted buffer: every byte b becomes
 *              (~b + 1) mod 256, i.e. bitwise invert, then add one
 *   dump       copy a restricted buffer out to non-secure memory; a debug
 *              facility only (it defeats R1), refused unless enabled
 *
 * Each runs sp_memref_validate() on every reference first and touches no
 * byte of any buffer when a check fails.
 *
 * Dump is allowed only when `struct sp_sdp_cfg.debug_dump` is set. A build
 * with `RHEAP_SP_NO_DUMP` defined refuses dump whatever the configuration
 * says, for images that must not contain the path at all.
 */
#ifndef RHEAP_SRC_SP_SP_SDP_H
#define RHEAP_SRC_SP_SP_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/diag.h>

#include "sp/sp_memref.h"

/**
 * struct sp_buf - a resolved buffer and the caller's mapping of it
 * @desc: what the buffer is (trusted)
 * @base: CPU address of byte 0; all `desc.size` bytes are mapped
 */
struct sp_buf {
	struct sp_buf_desc desc;
	uint8_t *base;
};

/**
 * struct sp_sdp_cfg - what the partition instance accepts
 * @use_case_mask: `RHEAP_USE_CASE_BIT()`s of the restricted use cases the
 *                 services may read or write (the SDP partition: secure
 *                 video playback and record)
 * @debug_dump:    true only on a debug build/board: enables dump
 */
struct sp_sdp_cfg {
	uint32_t use_case_mask;
	bool debug_dump;
};

/**
 * sp_sdp_inject() - copy non-secure bytes into a restricted buffer
 * @cfg:     partition configuration; must not be NULL
 * @in_ref:  input reference (untrusted); its buffer must be non-secure
 * @in:      @in_ref's resolved buffer
 * @out_ref: output reference (untrusted); restricted, allowed use case
 * @out:     @out_ref's resolved buffer
 * @diag:    optional; names the rejected field on failure
 *
 * Copies `in_ref->size` bytes to the start of @out_ref's range.
 *
 * Return: 0; -EINVAL or -EPERM from sp_memref_validate() on either reference;
 * -ENOSPC if @out_ref's range is shorter than @in_ref's (field "size").
 */
int sp_sdp_inject(const struct sp_sdp_cfg *cfg, const struct sp_memref *in_ref,
		  const struct sp_buf *in, const struct sp_memref *out_ref,
		  const struct sp_buf *out, struct rheap_diag *diag);

/**
 * sp_sdp_transform() - invert then increment every byte, in place
 * @cfg:  partition configuration; must not be NULL
 * @ref:  the range (untrusted); restricted, allowed use case
 * @buf:  @ref's resolved buffer
 * @diag: optional; names the rejected field on failure
 *
 * Return: 0; -EINVAL or -EPERM from sp_memref_validate().
 */
int sp_sdp_transform(const struct sp_sdp_cfg *cfg, const struct sp_memref *ref,
		     const struct sp_buf *buf, struct rheap_diag *diag);

/**
 * sp_sdp_dump() - copy restricted bytes out to non-secure memory (debug)
 * @cfg:     partition configuration; must not be NULL
 * @in_ref:  input reference (untrusted); restricted, allowed use case
 * @in:      @in_ref's resolved buffer
 * @out_ref: output reference (untrusted); non-secure
 * @out:     @out_ref's resolved buffer
 * @diag:    optional; names the rejected field on failure
 *
 * Copies `in_ref->size` bytes to the start of @out_ref's range. The
 * references are checked first, then the debug switch.
 *
 * Return: 0; -EINVAL or -EPERM from sp_memref_validate(); -EPERM if dump is
 * not enabled (field "debug_dump"); -ENOSPC if @out_ref's range is shorter
 * than @in_ref's (field "size").
 */
int sp_sdp_dump(const struct sp_sdp_cfg *cfg, const struct sp_memref *in_ref,
		const struct sp_buf *in, const struct sp_memref *out_ref,
		const struct sp_buf *out, struct rheap_diag *diag);

#endif /* RHEAP_SRC_SP_SP_SDP_H */
