/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Firmware Handoff Transfer List (Firmware Handoff specification v1.0,
 * "Transfer list" and "Register conventions").
 *
 * Pure codec working inside a caller's buffer, like TF-A's LibTL: no
 * allocation, no I/O. Every function that reads a list treats it as
 * untrusted and bounds-checks each entry against `used_size`; functions that
 * modify a list first validate it and refuse lists whose header version is
 * newer than this codec (read-only, spec §"Validate").
 *
 * Interoperability: lists written by TF-A's library decode here, including
 * after its `transfer_list_rem` (VOID entries of any data_size). A writer
 * may leave `used_size` unpadded after the last entry (the TF-A, OP-TEE and
 * LibTL versions read pad it, but the spec's traversal rule does not need
 * it), so `used_size` need not be a multiple of 8; the next entry added
 * here starts at the next 8-byte boundary.
 */
#ifndef RHEAP_TL_H
#define RHEAP_TL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>

#define RHEAP_TL_SIGNATURE UINT32_C(0x4A0FB10B)
#define RHEAP_TL_VERSION 1u          /* header version this codec writes */
#define RHEAP_TL_HDR_SIZE 0x18u
#define RHEAP_TL_ENTRY_HDR_SIZE 0x8u
#define RHEAP_TL_GRANULE 8u          /* entry headers start 8-aligned */
#define RHEAP_TL_INIT_ALIGNMENT 3u   /* log2(8) */
#define RHEAP_TL_MAX_ALIGNMENT 12u   /* log2 of the largest data alignment add() takes */
#define RHEAP_TL_FLAG_HAS_CHECKSUM 0x1u
#define RHEAP_TL_FLAGS_MBZ_MASK (~UINT32_C(0x1))
#define RHEAP_TL_TAG_MAX 0xFFFFFFu   /* tags are 24 bits */

/* Standard tags (spec "Standard transfer entries"). */
#define RHEAP_TL_TAG_VOID 0x0u
#define RHEAP_TL_TAG_FDT 0x1u
#define RHEAP_TL_TAG_HOB_BLOCK 0x2u
#define RHEAP_TL_TAG_HOB_LIST 0x3u
#define RHEAP_TL_TAG_ACPI_AGGR 0x4u
#define RHEAP_TL_TAG_EVLOG 0x5u
#define RHEAP_TL_TAG_TPM_CRB_BASE 0x6u
#define RHEAP_TL_TAG_OPTEE_PAGEABLE 0x100u
#define RHEAP_TL_TAG_SPMC_MANIFEST 0x101u
#define RHEAP_TL_TAG_EP_INFO64 0x102u
/* Vendor range 0xFFF000-0xFFFFFF: rheap's protected-pool list. */
#define RHEAP_TL_TAG_PROTECTED_POOLS 0xFFF0A5u

/* Register convention (AArch64, convention version 1). */
#define RHEAP_TL_REG_CONVENTION_VERSION 1u
#define RHEAP_TL_X1_VALUE                                                     \
	((uint64_t)RHEAP_TL_SIGNATURE |                                       \
	 ((uint64_t)RHEAP_TL_REG_CONVENTION_VERSION << 32))

/**
 * struct rheap_tl_info - a decoded Transfer List header
 * @signature, @checksum, @version, @hdr_size, @alignment, @used_size,
 * @total_size, @flags: the header fields as stored (@alignment is a log2)
 * @read_only: @version is newer than RHEAP_TL_VERSION; the list may be read
 *             but not modified
 */
struct rheap_tl_info {
	uint32_t signature;
	uint8_t checksum;
	uint8_t version;
	uint8_t hdr_size;
	uint8_t alignment;
	uint32_t used_size;
	uint32_t total_size;
	uint32_t flags;
	bool read_only;
};

/**
 * struct rheap_tl_entry - one transfer entry as found in a list
 * @tag:         24-bit tag ID
 * @hdr_size:    entry header size as stored (>= 8)
 * @data_size:   payload bytes (excluding padding)
 * @offset:      entry header offset from the list start
 * @data_offset: payload offset from the list start (@offset + @hdr_size)
 */
struct rheap_tl_entry {
	uint32_t tag;
	uint32_t hdr_size;
	uint32_t data_size;
	uint32_t offset;
	uint32_t data_offset;
};

/**
 * rheap_tl_init() - create an empty list in a caller's buffer
 * @buf:        list base; must be 8-byte aligned
 * @total_size: bytes available at @buf (becomes `total_size`); multiple of 8
 * @flags:      RHEAP_TL_FLAG_HAS_CHECKSUM or 0
 *
 * Return: 0; -EINVAL for a misaligned @buf, unknown @flags or a
 * @total_size that is not a multiple of 8 or above UINT32_MAX; -ENOSPC if
 * @total_size is smaller than the header.
 */
int rheap_tl_init(void *buf, size_t total_size, uint32_t flags);

/**
 * rheap_tl_validate() - check a whole list (untrusted)
 * @buf:      list base
 * @buf_size: bytes readable at @buf (the reserved area)
 * @info:     optional; the decoded header on success
 * @diag:     optional; names the offending field on failure
 *
 * Checks: @buf non-NULL and 8-byte aligned (spec R1); @buf_size >= 0x18;
 * signature; version != 0; hdr_size (>= 0x18, and exactly 0x18 for
 * version 1; larger headers of newer versions are skipped by hdr_size);
 * alignment <= 63; used_size >= hdr_size; used_size <= total_size <=
 * @buf_size; flags MBZ bits (version 1 only: a newer version may define
 * them); every entry's header and data inside used_size without overflow,
 * entry hdr_size >= 8; the byte sum over used_size is 0 when the checksum
 * flag is set. A VOID entry's data_size need not be a multiple of 8 when
 * read: TF-A's `transfer_list_rem` leaves such entries behind.
 *
 * Diag field names: "base", "buf_size", "signature", "version",
 * "hdr_size", "alignment", "used_size", "total_size", "flags", "checksum",
 * and, with the entry's ordinal in `index`, "entry" (header crosses
 * used_size), "entry.hdr_size", "entry.data_size".
 *
 * Return: 0 or -EINVAL.
 */
int rheap_tl_validate(const void *buf, size_t buf_size,
		      struct rheap_tl_info *info, struct rheap_diag *diag);

/**
 * rheap_tl_next() - iterate over entries, VOID ones included
 * @tl:     a list that passed rheap_tl_validate()
 * @cursor: 0 to start; updated to the next entry's offset
 * @out:    the entry found
 *
 * Return: 1 if @out holds an entry, 0 at the end, -EINVAL if the list is
 * malformed at @cursor (entries are re-checked as they are read).
 */
int rheap_tl_next(const void *tl, uint32_t *cursor,
		  struct rheap_tl_entry *out);

/**
 * rheap_tl_find() - first entry with a tag
 * Return: 0 and *@out set; -ENOENT if absent; -EINVAL if malformed.
 */
int rheap_tl_find(const void *tl, uint32_t tag, struct rheap_tl_entry *out);

/**
 * rheap_tl_add() - append an entry (spec "Adding a new TE", with alignment)
 * @tl:         a valid, writable list
 * @tag:        tag ID (<= RHEAP_TL_TAG_MAX; VOID is refused)
 * @data:       payload (copied); may be NULL when @data_size is 0, or to
 *              leave the payload zeroed
 * @data_size:  payload size
 * @align_log2: required alignment of the payload's absolute address, log2
 *              (3..RHEAP_TL_MAX_ALIGNMENT; values below 3 mean 3)
 * @out:        optional; the new entry
 *
 * The entry starts at align8(used_size). A VOID entry is inserted first
 * when needed to align the payload's absolute address ((uintptr_t)@tl +
 * offset), and the header's alignment field is raised to @align_log2 when
 * larger. used_size becomes the 8-aligned end of the new entry; padding
 * bytes are zeroed. The checksum is kept valid.
 *
 * Return: 0; -EINVAL for a bad tag or alignment or an invalid list;
 * -ENOSPC if the list's total_size cannot hold the VOID entry and the entry
 * together (nothing is written then); -EOPNOTSUPP for a read-only (newer)
 * list.
 */
int rheap_tl_add(void *tl, uint32_t tag, const void *data, uint32_t data_size,
		 unsigned int align_log2, struct rheap_tl_entry *out);

/**
 * rheap_tl_remove() - turn the entry at @offset into a VOID entry
 * @tl:     a valid, writable list
 * @offset: entry header offset, as in rheap_tl_entry.offset
 *
 * The VOID entry gets an 8-byte header and covers the old entry up to its
 * next 8-byte boundary, so its data_size is a multiple of 8. For the last
 * entry of an unpadded list, used_size grows to that boundary if
 * total_size allows (otherwise the exact end is kept). Removing a VOID
 * entry is allowed. The checksum is kept valid.
 *
 * Return: 0; -ENOENT if no entry starts at @offset; -EOPNOTSUPP for a
 * read-only list; -EINVAL for an invalid list.
 */
int rheap_tl_remove(void *tl, uint32_t offset);

/**
 * rheap_tl_relocate() - copy a list to a new area keeping data alignment
 * @tl:       a valid list
 * @dst:      start of the target area
 * @dst_size: bytes available at @dst
 * @new_tl:   where the list now starts (inside [@dst, @dst + @dst_size))
 *
 * The new base keeps `base mod 2^alignment` (alignment taken as at least
 * 3), so every payload keeps its alignment; `total_size` becomes what
 * remains of the area (capped at 0xFFFFFFF8); the checksum is recomputed.
 * The areas may overlap. @new_tl may be NULL.
 *
 * Return: 0; -ENOSPC if used_size does not fit; -EOPNOTSUPP for a
 * read-only list; -EINVAL for an invalid list.
 */
int rheap_tl_relocate(const void *tl, void *dst, size_t dst_size,
		      void **new_tl);

/** rheap_tl_update_checksum() - recompute the checksum if the flag is set. */
void rheap_tl_update_checksum(void *tl);

/* ---------------------------------------------------------------------- */
/* Register handoff (AArch64, convention version 1).                       */

/** struct rheap_tl_handoff_regs - X0..X3 at the handoff. */
struct rheap_tl_handoff_regs {
	uint64_t x[4];
};

/**
 * rheap_tl_handoff_encode() - fill X0..X3 for a receiver
 * @tl_pa:  physical address of the list (non-zero, 8-aligned)
 * @fdt_pa: physical address of the FDT entry's payload, or 0 when the list
 *          has none
 * @regs:   out
 *
 * Return: 0 or -EINVAL.
 */
int rheap_tl_handoff_encode(uint64_t tl_pa, uint64_t fdt_pa,
			    struct rheap_tl_handoff_regs *regs);

/**
 * rheap_tl_handoff_decode() - check X0..X3 from a previous stage
 * @regs:   registers (untrusted)
 * @tl_pa:  out, X3
 * @fdt_pa: out, X0
 * @diag:   optional
 *
 * @tl_pa and @fdt_pa are written only on success. Diag fields:
 * "x1.signature", "x1.reserved", "x1.version", "x2", "x3".
 *
 * Return: 0; -EINVAL if X1's signature or reserved bits are wrong, X2 is
 * non-zero or X3 is 0 or misaligned; -EOPNOTSUPP for another register
 * convention version.
 */
int rheap_tl_handoff_decode(const struct rheap_tl_handoff_regs *regs,
			    uint64_t *tl_pa, uint64_t *fdt_pa,
			    struct rheap_diag *diag);

/* ---------------------------------------------------------------------- */
/* rheap vendor entry: protected pools (tag RHEAP_TL_TAG_PROTECTED_POOLS). */

#define RHEAP_TL_POOLS_VERSION 1u
#define RHEAP_TL_POOL_FLAG_DYNAMIC 0x1u
#define RHEAP_TL_POOL_FLAGS_MBZ_MASK (~UINT32_C(0x1))

/**
 * struct rheap_tl_pool - one protected pool, as firmware without a DT
 * parser learns it (layout in docs/protocols.md, from docs/tl-pools.md)
 * @base:     physical base, 4 KiB aligned
 * @size:     bytes, a non-zero multiple of 4 KiB
 * @use_case: enum rheap_use_case (1..3)
 * @flags:    RHEAP_TL_POOL_FLAG_DYNAMIC for a pool lent on demand
 */
struct rheap_tl_pool {
	uint64_t base;
	uint64_t size;
	uint32_t use_case;
	uint32_t flags;
};

/**
 * rheap_tl_pools_encode() - write the vendor entry payload
 *
 * Pools are checked as the decoder checks them (alignment, wrap, use
 * case, MBZ flags, overlap); records are written with entry_size 32.
 *
 * Return: bytes written (16 + 32 * @count); -EINVAL for an invalid pool
 * (diag says which) or a @count too large to encode; -ENOSPC if
 * @buf_size is too small.
 */
int rheap_tl_pools_encode(const struct rheap_tl_pool *pools, uint32_t count,
			  void *buf, size_t buf_size, struct rheap_diag *diag);

/**
 * rheap_tl_pools_decode() - parse the vendor entry payload (untrusted)
 * @buf, @buf_size: the entry's payload
 * @pools, @cap:    caller storage
 * @count:          out, pools found
 * @diag:           optional
 *
 * Records longer than 32 bytes (entry_size a multiple of 8, >= 32) are
 * accepted and their extra bytes ignored. @count is written on success and
 * on -ENOSPC (the number of pools the payload holds); @pools may be
 * partly written on failure. Diag fields: "pools.data_size",
 * "pools.version", "pools.entry_size", "pools.reserved", "pools.count",
 * and, with the record index, "pool.base", "pool.size", "pool.use_case",
 * "pool.flags", "pool.reserved".
 *
 * Return: 0; -EINVAL (size mismatch, MBZ, misaligned or wrapping range,
 * unknown use case, overlapping pools); -EOPNOTSUPP for an unknown payload
 * version; -ENOSPC if @cap is too small.
 */
int rheap_tl_pools_decode(const void *buf, size_t buf_size,
			  struct rheap_tl_pool *pools, uint32_t cap,
			  uint32_t *count, struct rheap_diag *diag);

#endif /* RHEAP_TL_H */
