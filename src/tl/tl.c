// SPDX-License-Identifier: BSD-2-Clause
/*
 * Firmware Handoff Transfer List codec (Firmware Handoff specification v1.0,
 * "Transfer list", "Standard operations" and "Register conventions").
 *
 * The list lives in a caller's buffer and is read and written byte by byte
 * at the offsets of the spec tables, so unaligned or big-endian hosts give
 * the same answer. Every header and entry field is a u32 (or smaller) read
 * from untrusted memory; all sums over them are done in 64 bits before they
 * are compared with a bound.
 *
 * Interoperability decisions (see include/rheap/tl.h and the README of
 * tests/vectors/tl):
 *  - a header version newer than ours is valid but read-only (spec
 *    "Validating a TL header", step 2); its larger header is skipped by
 *    `hdr_size` and its flags bits are not ours to judge;
 *  - `used_size` need not be a multiple of 8: the last entry may end exactly
 *    at `used_size`, and the next entry added starts at align8(used_size);
 *  - a VOID entry whose `data_size` is not a multiple of 8 is read without
 *    complaint, because TF-A's `transfer_list_rem` only rewrites the tag and
 *    so produces them; this codec never writes one when it can avoid it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/err.h>
#include <rheap/tl.h>

#include "common/wire.h"

/* Spec "Transfer list header" table: field offsets in the 24-byte header. */
#define TL_OFF_SIGNATURE 0x00u
#define TL_OFF_CHECKSUM 0x04u
#define TL_OFF_VERSION 0x05u
#define TL_OFF_HDR_SIZE 0x06u
#define TL_OFF_ALIGNMENT 0x07u
#define TL_OFF_USED_SIZE 0x08u
#define TL_OFF_TOTAL_SIZE 0x0Cu
#define TL_OFF_FLAGS 0x10u

/* Spec "TL entry header" table: offsets in the 8-byte entry header. */
#define TE_OFF_TAG 0x0u
#define TE_OFF_HDR_SIZE 0x3u
#define TE_OFF_DATA_SIZE 0x4u

/* The `alignment` field is a log2; beyond 63 it cannot be a mask. */
#define TL_ALIGNMENT_MAX 63u

/* Largest `total_size` a relocation can record: u32, kept 8-aligned. */
#define TL_TOTAL_SIZE_MAX (UINT32_MAX & ~(uint32_t)(RHEAP_TL_GRANULE - 1))

static uint64_t tl_align8(uint64_t v)
{
	/* Callers pass values below 2^33, so this cannot wrap. */
	return (v + RHEAP_TL_GRANULE - 1) & ~(uint64_t)(RHEAP_TL_GRANULE - 1);
}

static uint8_t tl_byte_sum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		sum = (uint8_t)(sum + p[i]);
	}
	return sum;
}

static void tl_read_info(const uint8_t *b, struct rheap_tl_info *info)
{
	info->signature = wire_get32(b + TL_OFF_SIGNATURE);
	info->checksum = b[TL_OFF_CHECKSUM];
	info->version = b[TL_OFF_VERSION];
	info->hdr_size = b[TL_OFF_HDR_SIZE];
	info->alignment = b[TL_OFF_ALIGNMENT];
	info->used_size = wire_get32(b + TL_OFF_USED_SIZE);
	info->total_size = wire_get32(b + TL_OFF_TOTAL_SIZE);
	info->flags = wire_get32(b + TL_OFF_FLAGS);
	info->read_only = info->version > RHEAP_TL_VERSION;
}

/*
 * Read the entry header at @off and check that the whole entry lies inside
 * `used_size` (spec "Reading a TL", optional step 2.1, made mandatory here).
 * @index numbers the entry for the diagnostic.
 */
static int tl_entry_read(const uint8_t *b, uint64_t used_size, uint64_t off,
			 uint32_t index, struct rheap_tl_entry *out,
			 struct rheap_diag *diag)
{
	uint64_t end = 0;
	uint32_t hdr_size = 0;
	uint32_t data_size = 0;

	if (off + RHEAP_TL_ENTRY_HDR_SIZE > used_size) {
		return wire_reject_at_lim(diag, "entry", index, off,
					  "header crosses used_size", used_size);
	}
	hdr_size = b[off + TE_OFF_HDR_SIZE];
	data_size = wire_get32(b + off + TE_OFF_DATA_SIZE);
	/* Smaller headers cannot hold the fields; larger ones are skipped. */
	if (hdr_size < RHEAP_TL_ENTRY_HDR_SIZE) {
		return wire_reject_at_lim(diag, "entry.hdr_size", index,
					  hdr_size, "is below",
					  RHEAP_TL_ENTRY_HDR_SIZE);
	}
	end = off + hdr_size + (uint64_t)data_size;
	if (end > used_size) {
		return wire_reject_at_lim(diag, "entry.data_size", index,
					  data_size, "runs past used_size",
					  used_size - off - hdr_size);
	}
	out->tag = wire_get24(b + off + TE_OFF_TAG);
	out->hdr_size = hdr_size;
	out->data_size = data_size;
	out->offset = (uint32_t)off;
	out->data_offset = (uint32_t)(off + hdr_size);
	return 0;
}

/* Header checks of spec "Validating a TL header", all steps made mandatory. */
static int tl_check_header(size_t buf_size, const struct rheap_tl_info *info,
			   struct rheap_diag *diag)
{
	if (info->signature != RHEAP_TL_SIGNATURE) {
		return wire_reject_lim(diag, "signature", info->signature,
				       "does not match", RHEAP_TL_SIGNATURE);
	}
	/* Version 0 is illegal; newer versions are read-only (step 2). */
	if (info->version == 0) {
		return wire_reject(diag, "version", info->version,
				   "is illegal");
	}
	if (info->hdr_size < RHEAP_TL_HDR_SIZE) {
		return wire_reject_lim(diag, "hdr_size", info->hdr_size,
				       "is below", RHEAP_TL_HDR_SIZE);
	}
	/* Only a newer version may define a larger header. */
	if (!info->read_only && info->hdr_size != RHEAP_TL_HDR_SIZE) {
		return wire_reject_lim(diag, "hdr_size", info->hdr_size,
				       "must equal for version 1",
				       RHEAP_TL_HDR_SIZE);
	}
	if (info->alignment > TL_ALIGNMENT_MAX) {
		return wire_reject_lim(diag, "alignment", info->alignment,
				       "exceeds", TL_ALIGNMENT_MAX);
	}
	if (info->used_size < info->hdr_size) {
		return wire_reject_lim(diag, "used_size", info->used_size,
				       "is below hdr_size", info->hdr_size);
	}
	/* Step 3: used_size <= total_size <= the reserved area. */
	if (info->used_size > info->total_size) {
		return wire_reject_lim(diag, "used_size", info->used_size,
				       "exceeds total_size", info->total_size);
	}
	if (info->total_size > buf_size) {
		return wire_reject_lim(diag, "total_size", info->total_size,
				       "exceeds the buffer", buf_size);
	}
	/*
	 * Bits 31:1 are MBZ in version 1. A newer version may define them
	 * ("TL Flags": added according to the rules of `version`).
	 */
	if (!info->read_only && (info->flags & RHEAP_TL_FLAGS_MBZ_MASK) != 0) {
		return wire_reject(diag, "flags", info->flags,
				   "has must-be-zero bits set");
	}
	return 0;
}

int rheap_tl_validate(const void *buf, size_t buf_size,
		      struct rheap_tl_info *info, struct rheap_diag *diag)
{
	const uint8_t *b = buf;
	struct rheap_tl_info hdr = {0};
	struct rheap_tl_entry entry = {0};
	uint64_t off = 0;
	uint32_t index = 0;
	uint8_t sum = 0;
	int rc = 0;

	/* R1: tl_base_pa is non-zero. */
	if (!b) {
		return wire_reject(diag, "base", 0, "is NULL");
	}
	/* R1: tl_base_pa is 8-byte aligned; entry offsets rely on it. */
	if (!wire_aligned((uintptr_t)b, RHEAP_TL_GRANULE)) {
		return wire_reject_lim(diag, "base", (uintptr_t)b,
				       "is not aligned to", RHEAP_TL_GRANULE);
	}
	if (buf_size < RHEAP_TL_HDR_SIZE) {
		return wire_reject_lim(diag, "buf_size", buf_size,
				       "is shorter than the header",
				       RHEAP_TL_HDR_SIZE);
	}
	/* Header fields first: the entry walk relies on hdr_size and used_size. */
	tl_read_info(b, &hdr);
	rc = tl_check_header(buf_size, &hdr, diag);
	if (rc) {
		return rc;
	}

	/*
	 * "Reading a TL": entries start at align8(hdr_size) and each next one
	 * at align8(entry + hdr_size + data_size). Every entry is at least 8
	 * bytes, so the walk ends after at most used_size / 8 steps.
	 */
	off = tl_align8(hdr.hdr_size);
	while (off < hdr.used_size) {
		rc = tl_entry_read(b, hdr.used_size, off, index, &entry, diag);
		if (rc) {
			return rc;
		}
		off = tl_align8((uint64_t)entry.data_offset + entry.data_size);
		index++;
	}

	/* "TL header" table, checksum: the byte sum over used_size is 0. */
	if (hdr.flags & RHEAP_TL_FLAG_HAS_CHECKSUM) {
		sum = tl_byte_sum(b, hdr.used_size);
		if (sum != 0) {
			return wire_reject_lim(diag, "checksum", hdr.checksum,
					       "gives a non-zero byte sum",
					       (uint8_t)(hdr.checksum - sum));
		}
	}

	/* @info is written only for a list that passed every check. */
	if (info) {
		*info = hdr;
	}
	return 0;
}

/*
 * The list may have changed since it was validated (shared memory, a bug
 * elsewhere), so each entry is bounds-checked again as it is read.
 */
int rheap_tl_next(const void *tl, uint32_t *cursor,
		  struct rheap_tl_entry *out)
{
	const uint8_t *b = tl;
	uint64_t first = 0;
	uint64_t off = 0;
	uint64_t next = 0;
	uint32_t used_size = 0;
	int rc = 0;

	if (!b || !cursor || !out) {
		return -EINVAL;
	}
	/* Re-read the two fields the walk depends on; trust nothing else. */
	if (b[TL_OFF_HDR_SIZE] < RHEAP_TL_HDR_SIZE) {
		return -EINVAL;
	}
	used_size = wire_get32(b + TL_OFF_USED_SIZE);
	first = tl_align8(b[TL_OFF_HDR_SIZE]);
	off = *cursor == 0 ? first : *cursor;
	if (off >= used_size) {
		return 0;
	}
	if (off < first || !wire_aligned(off, RHEAP_TL_GRANULE)) {
		return -EINVAL;
	}
	rc = tl_entry_read(b, used_size, off, RHEAP_DIAG_NO_INDEX, out, NULL);
	if (rc) {
		return rc;
	}
	/*
	 * The next offset can reach 2^32 when the last entry ends at a
	 * used_size of 0xFFFFFFFF; park the cursor at the end instead of
	 * letting it wrap to 0, which would restart the walk.
	 */
	next = tl_align8((uint64_t)out->data_offset + out->data_size);
	*cursor = next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
	return 1;
}

int rheap_tl_find(const void *tl, uint32_t tag, struct rheap_tl_entry *out)
{
	struct rheap_tl_entry entry = {0};
	uint32_t cursor = 0;
	int rc = 0;

	if (!out) {
		return -EINVAL;
	}
	/* First match wins: the spec recommends, not requires, unique tags. */
	while ((rc = rheap_tl_next(tl, &cursor, &entry)) > 0) {
		if (entry.tag == tag) {
			*out = entry;
			return 0;
		}
	}
	return rc < 0 ? rc : -ENOENT;
}

void rheap_tl_update_checksum(void *tl)
{
	uint8_t *b = tl;
	uint8_t sum = 0;

	if (!b || !(wire_get32(b + TL_OFF_FLAGS) & RHEAP_TL_FLAG_HAS_CHECKSUM)) {
		return;
	}
	/* The checksum byte counts as 0 while the sum is taken. */
	b[TL_OFF_CHECKSUM] = 0;
	sum = tl_byte_sum(b, wire_get32(b + TL_OFF_USED_SIZE));
	b[TL_OFF_CHECKSUM] = (uint8_t)(0u - sum);
}

int rheap_tl_init(void *buf, size_t total_size, uint32_t flags)
{
	uint8_t *b = buf;

	if (!b || !wire_aligned((uintptr_t)b, RHEAP_TL_GRANULE) ||
	    (flags & RHEAP_TL_FLAGS_MBZ_MASK) != 0 ||
	    !wire_aligned(total_size, RHEAP_TL_GRANULE) ||
	    total_size > UINT32_MAX) {
		return -EINVAL;
	}
	if (total_size < RHEAP_TL_HDR_SIZE) {
		return -ENOSPC;
	}
	/*
	 * Spec "Creating a TL", steps 2-10. Only the header is written: the
	 * free tail is outside used_size and so outside the checksum.
	 */
	wire_zero(b, RHEAP_TL_HDR_SIZE);
	wire_put32(b + TL_OFF_SIGNATURE, RHEAP_TL_SIGNATURE);
	b[TL_OFF_VERSION] = RHEAP_TL_VERSION;
	b[TL_OFF_HDR_SIZE] = RHEAP_TL_HDR_SIZE;
	b[TL_OFF_ALIGNMENT] = RHEAP_TL_INIT_ALIGNMENT;
	wire_put32(b + TL_OFF_USED_SIZE, RHEAP_TL_HDR_SIZE);
	wire_put32(b + TL_OFF_TOTAL_SIZE, (uint32_t)total_size);
	wire_put32(b + TL_OFF_FLAGS, flags);
	rheap_tl_update_checksum(b);
	return 0;
}

/*
 * Validate a list that is about to be modified. The caller owns the whole
 * area, so the header's total_size is taken as the buffer size.
 */
static int tl_open_writable(const uint8_t *b, struct rheap_tl_info *info)
{
	int rc = 0;

	if (!b) {
		return -EINVAL;
	}
	rc = rheap_tl_validate(b, wire_get32(b + TL_OFF_TOTAL_SIZE), info,
			       NULL);
	if (rc) {
		return rc;
	}
	/* Step 2: a newer version may be read but not modified. */
	return info->read_only ? -EOPNOTSUPP : 0;
}

static void tl_put_entry_hdr(uint8_t *p, uint32_t tag, uint32_t data_size)
{
	wire_put24(p + TE_OFF_TAG, tag);
	p[TE_OFF_HDR_SIZE] = RHEAP_TL_ENTRY_HDR_SIZE;
	wire_put32(p + TE_OFF_DATA_SIZE, data_size);
}

int rheap_tl_add(void *tl, uint32_t tag, const void *data, uint32_t data_size,
		 unsigned int align_log2, struct rheap_tl_entry *out)
{
	uint8_t *b = tl;
	struct rheap_tl_info info = {0};
	uint64_t start = 0;
	uint64_t entry_off = 0;
	uint64_t void_size = 0;
	uint64_t payload_addr = 0;
	uint64_t mask = 0;
	uint64_t end = 0;
	uint64_t new_used = 0;
	bool need_void = false;
	int rc = 0;

	if (tag > RHEAP_TL_TAG_MAX || tag == RHEAP_TL_TAG_VOID ||
	    align_log2 > RHEAP_TL_MAX_ALIGNMENT) {
		return -EINVAL;
	}
	if (align_log2 < RHEAP_TL_INIT_ALIGNMENT) {
		align_log2 = RHEAP_TL_INIT_ALIGNMENT;
	}
	rc = tl_open_writable(b, &info);
	if (rc) {
		return rc;
	}

	/*
	 * R3: the new entry starts at the 8-byte boundary after the last one;
	 * a TF-A list may leave used_size unpadded after its last entry.
	 */
	start = tl_align8(info.used_size);

	/*
	 * "Adding a new TE with special data alignment requirement": the
	 * payload's *absolute* address must be aligned, so the list base
	 * takes part. Both base and start are 8-aligned, so the gap is a
	 * multiple of 8 of at least 8 bytes: room for a VOID header.
	 */
	mask = ((uint64_t)1 << align_log2) - 1;
	payload_addr = (uint64_t)(uintptr_t)b + start + RHEAP_TL_ENTRY_HDR_SIZE;
	if ((payload_addr & mask) != 0) {
		need_void = true;
		void_size = (mask + 1) - (payload_addr & mask) -
			    RHEAP_TL_ENTRY_HDR_SIZE;
	}
	entry_off = start + (need_void ? RHEAP_TL_ENTRY_HDR_SIZE + void_size : 0);
	end = entry_off + RHEAP_TL_ENTRY_HDR_SIZE + (uint64_t)data_size;
	new_used = tl_align8(end);

	/* Check room for the VOID entry and the entry together: no partial add. */
	if (new_used > info.total_size) {
		return -ENOSPC;
	}

	/* Payload first, with a move: @data may sit in the list's free tail. */
	if (data) {
		wire_move(b + entry_off + RHEAP_TL_ENTRY_HDR_SIZE, data,
			  data_size);
	} else {
		wire_zero(b + entry_off + RHEAP_TL_ENTRY_HDR_SIZE, data_size);
	}
	/* Padding bytes are undefined by the spec; zero them for determinism. */
	wire_zero(b + info.used_size, start - info.used_size);
	wire_zero(b + end, new_used - end);
	if (need_void) {
		tl_put_entry_hdr(b + start, RHEAP_TL_TAG_VOID,
				 (uint32_t)void_size);
		wire_zero(b + start + RHEAP_TL_ENTRY_HDR_SIZE, void_size);
	}
	tl_put_entry_hdr(b + entry_off, tag, data_size);

	wire_put32(b + TL_OFF_USED_SIZE, (uint32_t)new_used);
	if (align_log2 > info.alignment) {
		b[TL_OFF_ALIGNMENT] = (uint8_t)align_log2;
	}
	rheap_tl_update_checksum(b);

	if (out) {
		out->tag = tag;
		out->hdr_size = RHEAP_TL_ENTRY_HDR_SIZE;
		out->data_size = data_size;
		out->offset = (uint32_t)entry_off;
		out->data_offset = (uint32_t)(entry_off +
					      RHEAP_TL_ENTRY_HDR_SIZE);
	}
	return 0;
}

int rheap_tl_remove(void *tl, uint32_t offset)
{
	uint8_t *b = tl;
	struct rheap_tl_info info = {0};
	struct rheap_tl_entry entry = {0};
	uint32_t cursor = 0;
	uint64_t end = 0;
	uint64_t span_end = 0;
	int rc = 0;

	rc = tl_open_writable(b, &info);
	if (rc) {
		return rc;
	}
	/* Only an offset the walk reaches is an entry. */
	while ((rc = rheap_tl_next(b, &cursor, &entry)) > 0) {
		if (entry.offset == offset) {
			break;
		}
	}
	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		return -ENOENT;
	}

	/*
	 * "Removing a TE" / "Adding a void TE": the VOID entry covers the
	 * old header and data up to the next 8-byte boundary, so its
	 * data_size is a multiple of 8. When the entry is the last one of an
	 * unpadded list, that boundary lies past used_size: grow used_size
	 * over the padding if total_size allows, else keep the exact end
	 * (still a valid list, like TF-A's `transfer_list_rem` leaves it).
	 */
	end = (uint64_t)entry.data_offset + entry.data_size;
	span_end = tl_align8(end);
	if (span_end > info.used_size) {
		if (span_end <= info.total_size) {
			wire_zero(b + info.used_size,
				  span_end - info.used_size);
			wire_put32(b + TL_OFF_USED_SIZE, (uint32_t)span_end);
		} else {
			span_end = end;
		}
	}
	tl_put_entry_hdr(b + offset, RHEAP_TL_TAG_VOID,
			 (uint32_t)(span_end - offset -
				    RHEAP_TL_ENTRY_HDR_SIZE));
	rheap_tl_update_checksum(b);
	return 0;
}

int rheap_tl_relocate(const void *tl, void *dst, size_t dst_size,
		      void **new_tl)
{
	const uint8_t *b = tl;
	struct rheap_tl_info info = {0};
	uint64_t dst_addr = (uint64_t)(uintptr_t)dst;
	uint64_t mask = 0;
	uint64_t new_base = 0;
	uint64_t lead = 0;
	uint64_t room = 0;
	unsigned int align_log2 = 0;
	uint8_t *nb = NULL;
	int rc = 0;

	if (!dst) {
		return -EINVAL;
	}
	rc = tl_open_writable(b, &info);
	if (rc) {
		return rc;
	}

	/*
	 * "Relocating a TL" steps 1-4 and R4: keep base mod 2^alignment so
	 * every entry's data keeps its alignment. Never below 8: R1 wants
	 * the new base 8-aligned even if a hostile header says less.
	 */
	align_log2 = info.alignment < RHEAP_TL_INIT_ALIGNMENT ?
			     RHEAP_TL_INIT_ALIGNMENT :
			     info.alignment;
	mask = align_log2 >= 64 ? UINT64_MAX :
				  ((uint64_t)1 << align_log2) - 1;
	new_base = (dst_addr & ~mask) + ((uint64_t)(uintptr_t)b & mask);
	if (new_base < dst_addr &&
	    __builtin_add_overflow(new_base, mask + 1, &new_base)) {
		return -ENOSPC;
	}

	/* Step 5: the lead-in plus used_size must fit in the target. */
	lead = new_base - dst_addr;
	if (lead > dst_size || info.used_size > dst_size - lead) {
		return -ENOSPC;
	}
	room = dst_size - lead;
	/* A u32 field cannot describe a larger area; the rest stays unused. */
	if (room > TL_TOTAL_SIZE_MAX) {
		room = TL_TOTAL_SIZE_MAX;
	}

	/* Step 6, overlap-safe: source and target areas may overlap. */
	nb = (uint8_t *)dst + lead;
	wire_move(nb, b, info.used_size);
	/* Steps 7-9: the new total_size, then the checksum. */
	wire_put32(nb + TL_OFF_TOTAL_SIZE, (uint32_t)room);
	rheap_tl_update_checksum(nb);

	if (new_tl) {
		*new_tl = nb;
	}
	return 0;
}

int rheap_tl_handoff_encode(uint64_t tl_pa, uint64_t fdt_pa,
			    struct rheap_tl_handoff_regs *regs)
{
	/* Register conventions, R1: tl_base_pa non-zero and 8-aligned. */
	if (!regs || tl_pa == 0 || !wire_aligned(tl_pa, RHEAP_TL_GRANULE)) {
		return -EINVAL;
	}
	/* AArch64 receiver: X0 FDT, X1 signature|version, X2 0, X3 TL. */
	regs->x[0] = fdt_pa;
	regs->x[1] = RHEAP_TL_X1_VALUE;
	regs->x[2] = 0;
	regs->x[3] = tl_pa;
	return 0;
}

int rheap_tl_handoff_decode(const struct rheap_tl_handoff_regs *regs,
			    uint64_t *tl_pa, uint64_t *fdt_pa,
			    struct rheap_diag *diag)
{
	uint64_t x1 = 0;
	uint32_t conv = 0;

	if (!regs || !tl_pa || !fdt_pa) {
		return -EINVAL;
	}
	/*
	 * Signature first (no TL handoff at all), then X1's reserved bits and
	 * convention version (a handoff we do not speak), then X2 and X3.
	 */
	x1 = regs->x[1];
	/* X1[31:0] is the TL signature, X1[39:32] the convention version. */
	if ((uint32_t)x1 != RHEAP_TL_SIGNATURE) {
		return wire_reject_lim(diag, "x1.signature", (uint32_t)x1,
				       "does not match", RHEAP_TL_SIGNATURE);
	}
	if ((x1 >> 40) != 0) {
		return wire_reject(diag, "x1.reserved", x1 >> 40,
				   "must be zero");
	}
	conv = (uint32_t)(x1 >> 32) & 0xFFu;
	if (conv != RHEAP_TL_REG_CONVENTION_VERSION) {
		return wire_reject_err(diag, -EOPNOTSUPP, "x1.version",
				       RHEAP_DIAG_NO_INDEX, conv,
				       "is not supported", true,
				       RHEAP_TL_REG_CONVENTION_VERSION);
	}
	if (regs->x[2] != 0) {
		return wire_reject(diag, "x2", regs->x[2], "must be zero");
	}
	if (regs->x[3] == 0) {
		return wire_reject(diag, "x3", regs->x[3], "is NULL");
	}
	if (!wire_aligned(regs->x[3], RHEAP_TL_GRANULE)) {
		return wire_reject_lim(diag, "x3", regs->x[3],
				       "is not aligned to", RHEAP_TL_GRANULE);
	}
	*tl_pa = regs->x[3];
	*fdt_pa = regs->x[0];
	return 0;
}
