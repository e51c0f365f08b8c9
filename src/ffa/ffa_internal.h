/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Private to src/ffa: wire offsets of the memory transaction descriptor and
 * the header/EMAD parser shared by the descriptor codec (ffa_desc.c) and the
 * fragment reassembler (ffa_frag.c).
 *
 * Offsets mirror the structs in <rheap/ffa_abi.h>; the static_asserts below
 * tie the two together so a typo in either shows up at compile time.
 */
#ifndef RHEAP_SRC_FFA_FFA_INTERNAL_H
#define RHEAP_SRC_FFA_FFA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/ffa_abi.h>

/* FF-A v1.1 Table 10.20: memory transaction descriptor header. */
#define FFA_HDR_SIZE 48u
#define FFA_HDR_SENDER 0u
#define FFA_HDR_ATTRIBUTES 2u
#define FFA_HDR_FLAGS 4u
#define FFA_HDR_HANDLE 8u
#define FFA_HDR_TAG 16u
#define FFA_HDR_EMAD_SIZE 24u
#define FFA_HDR_EMAD_COUNT 28u
#define FFA_HDR_EMAD_OFFSET 32u
#define FFA_HDR_RESERVED 36u
#define FFA_HDR_RESERVED_SIZE 12u

/* FF-A v1.1 Table 10.16 / v1.2 Table 10.17: EMAD. */
#define FFA_EMAD_V1_1_SIZE 16u
#define FFA_EMAD_V1_2_SIZE 32u
#define FFA_EMAD_ENDPOINT 0u
#define FFA_EMAD_PERMISSIONS 2u
#define FFA_EMAD_FLAGS 3u
#define FFA_EMAD_COMPOSITE_OFFSET 4u
#define FFA_EMAD_V1_1_RESERVED 8u
#define FFA_EMAD_V1_2_IMPDEF 8u
#define FFA_EMAD_V1_2_RESERVED 24u
#define FFA_EMAD_RESERVED_SIZE 8u
#define FFA_EMAD_IMPDEF_SIZE 16u

/* FF-A v1.1 Table 10.13: composite memory region descriptor. */
#define FFA_COMPOSITE_SIZE 16u
#define FFA_COMPOSITE_PAGE_COUNT 0u
#define FFA_COMPOSITE_RANGE_COUNT 4u
#define FFA_COMPOSITE_RESERVED 8u
#define FFA_COMPOSITE_RESERVED_SIZE 8u

/* FF-A v1.1 Table 10.14: constituent memory region descriptor. */
#define FFA_CONSTITUENT_SIZE 16u
#define FFA_CONSTITUENT_ADDRESS 0u
#define FFA_CONSTITUENT_PAGE_COUNT 8u
#define FFA_CONSTITUENT_RESERVED 12u
#define FFA_CONSTITUENT_RESERVED_SIZE 4u

/* FF-A v1.1 Table 16.25: relinquish descriptor. */
#define FFA_RELINQUISH_HDR_SIZE 16u
#define FFA_RELINQUISH_HANDLE 0u
#define FFA_RELINQUISH_FLAGS 8u
#define FFA_RELINQUISH_COUNT 12u

/* Descriptor fields and fragments are 16-byte granular (FF-A v1.1 §10.3). */
#define FFA_DESC_ALIGN 16u

static_assert(sizeof(struct ffa_mem_transaction_desc) == FFA_HDR_SIZE,
	      "header size matches FFA_HDR_SIZE");
static_assert(offsetof(struct ffa_mem_transaction_desc, tag) == FFA_HDR_TAG,
	      "tag offset");
static_assert(offsetof(struct ffa_mem_transaction_desc, emad_count) ==
		      FFA_HDR_EMAD_COUNT,
	      "EMAD count offset");
static_assert(offsetof(struct ffa_mem_transaction_desc, reserved) ==
		      FFA_HDR_RESERVED,
	      "reserved offset");
static_assert(offsetof(struct ffa_emad_v1_1_desc, reserved) ==
		      FFA_EMAD_V1_1_RESERVED,
	      "v1.1 EMAD reserved offset");
static_assert(offsetof(struct ffa_emad_v1_2_desc, reserved) ==
		      FFA_EMAD_V1_2_RESERVED,
	      "v1.2 EMAD reserved offset");
static_assert(offsetof(struct ffa_composite_desc, reserved) ==
		      FFA_COMPOSITE_RESERVED,
	      "composite reserved offset");
static_assert(offsetof(struct ffa_constituent_desc, reserved) ==
		      FFA_CONSTITUENT_RESERVED,
	      "constituent reserved offset");
static_assert(offsetof(struct ffa_mem_relinquish_desc, endpoint_count) ==
		      FFA_RELINQUISH_COUNT,
	      "relinquish endpoint count offset");

/**
 * struct ffa_layout - where the parts of a descriptor sit
 * @version:     FFA_VERSION_1_1 or FFA_VERSION_1_2, from the EMAD size
 * @emad_size:   16 or 32
 * @emad_count:  1..RHEAP_FFA_MAX_RECEIVERS
 * @emad_offset: start of the EMAD array, >= 48, 16-aligned
 * @emad_end:    first byte after the EMAD array
 */
struct ffa_layout {
	uint32_t version;
	uint32_t emad_size;
	uint32_t emad_count;
	uint32_t emad_offset;
	uint64_t emad_end;
};

/**
 * ffa_layout_parse() - check the header and locate the EMAD array
 * @buf:         descriptor bytes (untrusted)
 * @avail:       bytes of @buf that may be read
 * @short_field: diag field name used when the header or EMAD array does not
 *               fit in @avail ("fragment_length" for a first fragment); if
 *               NULL, a short header is blamed on "total_length" and an
 *               EMAD array past the end on "emad_offset"
 * @out:         layout on success
 * @diag:        optional
 *
 * Checks the 48-byte header's EMAD size/count/offset fields and the header
 * reserved bytes, and that the whole EMAD array lies inside @avail.
 *
 * Return: 0; -EINVAL; -EOPNOTSUPP for a v1.0 layout (EMAD size 0) or an
 * unknown EMAD size that is a multiple of 16.
 */
int ffa_layout_parse(const uint8_t *buf, size_t avail, const char *short_field,
		     struct ffa_layout *out, struct rheap_diag *diag);

#endif /* RHEAP_SRC_FFA_FFA_INTERNAL_H */
