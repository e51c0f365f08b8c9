// SPDX-License-Identifier: BSD-2-Clause
/*
 * Memref bounds and typing checks (see sp_memref.h).
 *
 * The bounds check is written so that none of the five out-of-bounds
 * references of xtest 1014 can slip through an arithmetic corner:
 * the offset is compared with the size first, so `buf_size - offset`
 * cannot underflow, and the end is only formed with an overflow check.
 * Comparing the length with the room left after the offset would be
 * enough on its own; the explicit wrap check exists so that the diagnostic
 * says "wraps" for offset 2, length ~0, which is what a reader of a log
 * wants to see.
 */
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/use_case.h>

#include "common/wire.h"
#include "sp/sp_memref.h"

int sp_memref_validate_bounds(const struct sp_memref *ref,
			      uint64_t buf_size, struct rheap_diag *diag)
{
	uint64_t end = 0;

	if (ref->offset > buf_size) {
		return wire_reject_lim(diag, "offset", ref->offset,
				       "is past the end of the buffer of",
				       buf_size);
	}
	if (__builtin_add_overflow(ref->offset, ref->size, &end)) {
		return wire_reject(diag, "size", ref->size,
				   "wraps when added to the offset");
	}
	if (end > buf_size) {
		return wire_reject_lim(diag, "size", ref->size,
				       "runs past the end; bytes left",
				       buf_size - ref->offset);
	}
#if SIZE_MAX < UINT64_MAX
	if (end > SIZE_MAX) {
		return wire_reject_lim(diag, "size", ref->size,
				       "ends past the address space", SIZE_MAX);
	}
#endif
	return 0;
}

static bool memref_use_case_valid(enum rheap_use_case uc)
{
	return uc > RHEAP_USE_CASE_NONE && (unsigned int)uc < RHEAP_USE_CASE_COUNT;
}

int sp_memref_validate_access(const struct sp_buf_desc *desc,
			      enum sp_memref_world world,
			      uint32_t use_case_mask, struct rheap_diag *diag)
{
	switch (world) {
	case SP_MEMREF_NONSECURE:
		if (desc->secure) {
			return wire_reject_err(diag, -EPERM, "secure",
					       RHEAP_DIAG_NO_INDEX, 1,
					       "buffer where a non-secure one is required",
					       false, 0);
		}
		return 0;
	case SP_MEMREF_SECURE:
		if (!desc->secure) {
			return wire_reject_err(diag, -EPERM, "secure",
					       RHEAP_DIAG_NO_INDEX, 0,
					       "buffer where a restricted one is required",
					       false, 0);
		}
		if (!memref_use_case_valid(desc->use_case) ||
		    !(use_case_mask & RHEAP_USE_CASE_BIT(desc->use_case))) {
			return wire_reject_err(diag, -EPERM, "use_case",
					       RHEAP_DIAG_NO_INDEX,
					       (uint64_t)desc->use_case,
					       "is not accepted; mask", true,
					       use_case_mask);
		}
		return 0;
	}
	return wire_reject(diag, "world", (uint64_t)world, "is unknown");
}

int sp_memref_validate(const struct sp_memref *ref,
		       const struct sp_buf_desc *desc,
		       enum sp_memref_world world, uint32_t use_case_mask,
		       struct rheap_diag *diag)
{
	int rc = sp_memref_validate_bounds(ref, desc->size, diag);

	if (rc) {
		return rc;
	}
	return sp_memref_validate_access(desc, world, use_case_mask, diag);
}
