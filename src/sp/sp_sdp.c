// SPDX-License-Identifier: BSD-2-Clause
/*
 * sdp_basic services: inject, transform, dump (see sp_sdp.h).
 *
 * The copies use memmove: the typing check makes the two buffers of one
 * call different (one secure, one not), but the descriptions come from
 * the caller, and a wrong description must cost correctness of the copy
 * at worst, never memory safety.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rheap/diag.h>
#include <rheap/err.h>

#include "common/wire.h"
#include "sp/sp_memref.h"
#include "sp/sp_sdp.h"

/* Checks both references of a copy service, then the output's room. */
static int sdp_check_copy(const struct sp_sdp_cfg *cfg,
			  const struct sp_memref *in_ref,
			  const struct sp_buf *in, enum sp_memref_world in_world,
			  const struct sp_memref *out_ref,
			  const struct sp_buf *out,
			  enum sp_memref_world out_world,
			  struct rheap_diag *diag)
{
	int rc = sp_memref_validate(in_ref, &in->desc, in_world,
				    cfg->use_case_mask, diag);

	if (rc) {
		return rc;
	}
	return sp_memref_validate(out_ref, &out->desc, out_world,
				  cfg->use_case_mask, diag);
}

static int sdp_copy(const struct sp_memref *in_ref, const struct sp_buf *in,
		    const struct sp_memref *out_ref, const struct sp_buf *out,
		    struct rheap_diag *diag)
{
	if (out_ref->size < in_ref->size) {
		return wire_reject_err(diag, -ENOSPC, "size",
				       RHEAP_DIAG_NO_INDEX, out_ref->size,
				       "of the output is less than the input's",
				       true, in_ref->size);
	}
	/* Both ranges passed the bounds check, so they fit in size_t. */
	if (in_ref->size != 0) {
		memmove(out->base + out_ref->offset, in->base + in_ref->offset,
			(size_t)in_ref->size);
	}
	return 0;
}

int sp_sdp_inject(const struct sp_sdp_cfg *cfg, const struct sp_memref *in_ref,
		  const struct sp_buf *in, const struct sp_memref *out_ref,
		  const struct sp_buf *out, struct rheap_diag *diag)
{
	int rc = sdp_check_copy(cfg, in_ref, in, SP_MEMREF_NONSECURE, out_ref,
				out, SP_MEMREF_SECURE, diag);

	if (rc) {
		return rc;
	}
	return sdp_copy(in_ref, in, out_ref, out, diag);
}

int sp_sdp_transform(const struct sp_sdp_cfg *cfg, const struct sp_memref *ref,
		     const struct sp_buf *buf, struct rheap_diag *diag)
{
	uint8_t *p = NULL;
	int rc = sp_memref_validate(ref, &buf->desc, SP_MEMREF_SECURE,
				    cfg->use_case_mask, diag);

	if (rc) {
		return rc;
	}
	p = buf->base + ref->offset;
	for (size_t i = 0; i < (size_t)ref->size; i++) {
		p[i] = (uint8_t)(~p[i] + 1u);
	}
	return 0;
}

static bool sdp_dump_enabled(const struct sp_sdp_cfg *cfg)
{
#ifdef RHEAP_SP_NO_DUMP
	(void)cfg;
	return false;
#else
	return cfg->debug_dump;
#endif
}

int sp_sdp_dump(const struct sp_sdp_cfg *cfg, const struct sp_memref *in_ref,
		const struct sp_buf *in, const struct sp_memref *out_ref,
		const struct sp_buf *out, struct rheap_diag *diag)
{
	int rc = sdp_check_copy(cfg, in_ref, in, SP_MEMREF_SECURE, out_ref, out,
				SP_MEMREF_NONSECURE, diag);

	if (rc) {
		return rc;
	}
	if (!sdp_dump_enabled(cfg)) {
		return wire_reject_err(diag, -EPERM, "debug_dump",
				       RHEAP_DIAG_NO_INDEX, 0,
				       "is off: restricted contents stay secure",
				       false, 0);
	}
	return sdp_copy(in_ref, in, out_ref, out, diag);
}
