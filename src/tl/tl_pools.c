// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap vendor Transfer List entry: the protected pools (tag
 * RHEAP_TL_TAG_PROTECTED_POOLS, in the spec's non-standardized range
 * 0xFFF000-0xFFFFFF, "Entry-type allocation"). Firmware without a DT parser
 * learns its restricted carve-outs from it.
 *
 * Payload layout (docs/tl-pools.md), little-endian:
 *
 *   0x00 u32 version     1
 *   0x04 u32 entry_size  32 when written; readers accept any multiple of 8
 *                        >= 32 and ignore the bytes after the fields below
 *   0x08 u32 count       number of pool records
 *   0x0C u32 reserved    MBZ
 *   0x10 count x entry_size records:
 *        0x00 u64 base      4 KiB aligned
 *        0x08 u64 size      non-zero multiple of 4 KiB; base + size < 2^64
 *        0x10 u32 use_case  enum rheap_use_case, 1..3
 *        0x14 u32 flags     bit0 dynamic, bits 31:1 MBZ
 *        0x18 u64 reserved  MBZ
 *
 * The payload size must equal 16 + count * entry_size exactly, and no two
 * pools may overlap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/err.h>
#include <rheap/tl.h>
#include <rheap/use_case.h>

#include "common/wire.h"

#define POOLS_HDR_SIZE 16u
#define POOLS_OFF_VERSION 0x0u
#define POOLS_OFF_ENTRY_SIZE 0x4u
#define POOLS_OFF_COUNT 0x8u
#define POOLS_OFF_RESERVED 0xCu

#define POOL_ENTRY_SIZE 32u
#define POOL_OFF_BASE 0x00u
#define POOL_OFF_SIZE 0x08u
#define POOL_OFF_USE_CASE 0x10u
#define POOL_OFF_FLAGS 0x14u
#define POOL_OFF_RESERVED 0x18u

#define POOL_GRANULE UINT64_C(0x1000)

/* The encoder returns the byte count as an int. */
#define POOLS_ENCODED_MAX UINT64_C(0x7FFFFFFF)

/* Checks on one pool that do not involve the others. */
static int pool_check(const struct rheap_tl_pool *p, uint32_t index,
		      struct rheap_diag *diag)
{
	uint64_t end = 0;

	if (!wire_aligned(p->base, POOL_GRANULE)) {
		return wire_reject_at_lim(diag, "pool.base", index, p->base,
					  "is not aligned to", POOL_GRANULE);
	}
	if (p->size == 0) {
		return wire_reject_at(diag, "pool.size", index, p->size,
				      "is zero");
	}
	if (!wire_aligned(p->size, POOL_GRANULE)) {
		return wire_reject_at_lim(diag, "pool.size", index, p->size,
					  "is not a multiple of",
					  POOL_GRANULE);
	}
	/* The range [base, base + size) must not wrap the address space. */
	if (__builtin_add_overflow(p->base, p->size, &end)) {
		return wire_reject_at(diag, "pool.size", index, p->size,
				      "wraps past the end of the address space");
	}
	if (p->use_case == RHEAP_USE_CASE_NONE ||
	    p->use_case >= RHEAP_USE_CASE_COUNT) {
		return wire_reject_at_lim(diag, "pool.use_case", index,
					  p->use_case, "is unknown; max",
					  RHEAP_USE_CASE_COUNT - 1);
	}
	if ((p->flags & RHEAP_TL_POOL_FLAGS_MBZ_MASK) != 0) {
		return wire_reject_at(diag, "pool.flags", index, p->flags,
				      "has must-be-zero bits set");
	}
	return 0;
}

/*
 * Pairwise overlap check. Both callers have bounded @count (by the buffer
 * or by the caller's array), and pool lists are a handful of entries.
 */
static int pools_check_overlap(const struct rheap_tl_pool *pools,
			       uint32_t count, struct rheap_diag *diag)
{
	for (uint32_t i = 0; i < count; i++) {
		for (uint32_t j = 0; j < i; j++) {
			/* pool_check() proved neither end wraps. */
			if (pools[i].base < pools[j].base + pools[j].size &&
			    pools[j].base < pools[i].base + pools[i].size) {
				return wire_reject_at_lim(diag, "pool.base", i,
							  pools[i].base,
							  "overlaps pool at",
							  pools[j].base);
			}
		}
	}
	return 0;
}

int rheap_tl_pools_encode(const struct rheap_tl_pool *pools, uint32_t count,
			  void *buf, size_t buf_size, struct rheap_diag *diag)
{
	uint8_t *b = buf;
	uint64_t total = POOLS_HDR_SIZE + (uint64_t)count * POOL_ENTRY_SIZE;
	uint8_t *rec = NULL;
	int rc = 0;

	if ((count > 0 && !pools) || total > POOLS_ENCODED_MAX) {
		return wire_reject(diag, "pools.count", count,
				   "cannot be encoded");
	}
	for (uint32_t i = 0; i < count; i++) {
		rc = pool_check(&pools[i], i, diag);
		if (rc) {
			return rc;
		}
	}
	rc = pools_check_overlap(pools, count, diag);
	if (rc) {
		return rc;
	}
	if (!b || buf_size < total) {
		return -ENOSPC;
	}

	wire_put32(b + POOLS_OFF_VERSION, RHEAP_TL_POOLS_VERSION);
	wire_put32(b + POOLS_OFF_ENTRY_SIZE, POOL_ENTRY_SIZE);
	wire_put32(b + POOLS_OFF_COUNT, count);
	wire_put32(b + POOLS_OFF_RESERVED, 0);
	for (uint32_t i = 0; i < count; i++) {
		rec = b + POOLS_HDR_SIZE + (size_t)i * POOL_ENTRY_SIZE;
		wire_put64(rec + POOL_OFF_BASE, pools[i].base);
		wire_put64(rec + POOL_OFF_SIZE, pools[i].size);
		wire_put32(rec + POOL_OFF_USE_CASE, pools[i].use_case);
		wire_put32(rec + POOL_OFF_FLAGS, pools[i].flags);
		wire_put64(rec + POOL_OFF_RESERVED, 0);
	}
	return (int)total;
}

int rheap_tl_pools_decode(const void *buf, size_t buf_size,
			  struct rheap_tl_pool *pools, uint32_t cap,
			  uint32_t *count, struct rheap_diag *diag)
{
	const uint8_t *b = buf;
	const uint8_t *rec = NULL;
	struct rheap_tl_pool p = {0};
	uint32_t version = 0;
	uint32_t entry_size = 0;
	uint32_t n = 0;
	uint64_t want = 0;
	int rc = 0;

	if (!b || !count) {
		return -EINVAL;
	}
	if (buf_size < POOLS_HDR_SIZE) {
		return wire_reject_lim(diag, "pools.data_size", buf_size,
				       "is shorter than the header",
				       POOLS_HDR_SIZE);
	}
	/* The version decides the layout, so it is judged first. */
	version = wire_get32(b + POOLS_OFF_VERSION);
	if (version != RHEAP_TL_POOLS_VERSION) {
		return wire_reject_err(diag, -EOPNOTSUPP, "pools.version",
				       RHEAP_DIAG_NO_INDEX, version,
				       "is not supported", true,
				       RHEAP_TL_POOLS_VERSION);
	}
	/* Larger records may carry fields of a later revision: skip them. */
	entry_size = wire_get32(b + POOLS_OFF_ENTRY_SIZE);
	if (entry_size < POOL_ENTRY_SIZE || !wire_aligned(entry_size, 8)) {
		return wire_reject_lim(diag, "pools.entry_size", entry_size,
				       "must be a multiple of 8 of at least",
				       POOL_ENTRY_SIZE);
	}
	if (wire_get32(b + POOLS_OFF_RESERVED) != 0) {
		return wire_reject(diag, "pools.reserved",
				   wire_get32(b + POOLS_OFF_RESERVED),
				   "must be zero");
	}
	n = wire_get32(b + POOLS_OFF_COUNT);
	want = POOLS_HDR_SIZE + (uint64_t)n * entry_size;
	if (want != buf_size) {
		return wire_reject_lim(diag, "pools.count", n,
				       "does not match data_size",
				       (buf_size - POOLS_HDR_SIZE) /
					       entry_size);
	}
	if (n > cap || (n > 0 && !pools)) {
		/* Tell the caller how much storage the payload needs. */
		*count = n;
		return -ENOSPC;
	}

	for (uint32_t i = 0; i < n; i++) {
		rec = b + POOLS_HDR_SIZE + (size_t)i * entry_size;
		p.base = wire_get64(rec + POOL_OFF_BASE);
		p.size = wire_get64(rec + POOL_OFF_SIZE);
		p.use_case = wire_get32(rec + POOL_OFF_USE_CASE);
		p.flags = wire_get32(rec + POOL_OFF_FLAGS);
		rc = pool_check(&p, i, diag);
		if (rc) {
			return rc;
		}
		if (wire_get64(rec + POOL_OFF_RESERVED) != 0) {
			return wire_reject_at(diag, "pool.reserved", i,
					      wire_get64(rec +
							 POOL_OFF_RESERVED),
					      "must be zero");
		}
		pools[i] = p;
	}
	rc = pools_check_overlap(pools, n, diag);
	if (rc) {
		return rc;
	}
	*count = n;
	return 0;
}
