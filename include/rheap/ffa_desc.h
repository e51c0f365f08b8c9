/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * FF-A memory transaction descriptors: decode, validate, encode, fragment.
 *
 * Pure codec: no allocation, no I/O, no global state. Decoded values live in
 * caller-provided storage and keep no pointer into the input buffer, so the
 * caller may reuse or free the input (the SPMC's private copy of a TX buffer)
 * as soon as a call returns.
 *
 * Layouts: FF-A v1.1 (16-byte endpoint memory access descriptors, "EMADs")
 * and v1.2 (32-byte EMADs carrying 16 implementation-defined bytes). The
 * layout is detected from the header's EMAD size field; v1.0 descriptors
 * (32-byte header) are refused with -EOPNOTSUPP.
 *
 * Accepted shapes follow what Hafnium's and Linux's builders emit: the EMAD
 * array may start after a gap (emad_offset > 48), the composite descriptor
 * may follow the EMAD array after a gap; the constituent array follows the
 * composite header immediately and ends exactly at the total length.
 */
#ifndef RHEAP_FFA_DESC_H
#define RHEAP_FFA_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/ffa_abi.h>

/* The ABI a descriptor travels with; it decides which rules apply. */
enum rheap_ffa_abi {
	RHEAP_FFA_ABI_SHARE = 1,
	RHEAP_FFA_ABI_LEND,
	RHEAP_FFA_ABI_DONATE,
	RHEAP_FFA_ABI_RETRIEVE_REQ,
	RHEAP_FFA_ABI_RETRIEVE_RESP,
};

/* Largest receiver count the codec accepts (bounds count x size math). */
#define RHEAP_FFA_MAX_RECEIVERS 64u

/**
 * struct rheap_ffa_receiver - one endpoint memory access descriptor
 * @endpoint_id: receiver (borrower) endpoint ID
 * @permissions: access permissions byte (FFA_DATA_ACCESS_*,
 *               FFA_INSTRUCTION_ACCESS_* << FFA_INSTRUCTION_ACCESS_SHIFT)
 * @flags:       EMAD flags byte (FFA_EMAD_FLAG_*)
 * @impdef:      v1.2 implementation-defined value; all zero for v1.1
 */
struct rheap_ffa_receiver {
	uint16_t endpoint_id;
	uint8_t permissions;
	uint8_t flags;
	uint8_t impdef[16];
};

/**
 * struct rheap_ffa_range - one constituent memory region
 * @address:    base address (PA or IPA), 4 KiB aligned
 * @page_count: number of 4 KiB pages, >= 1
 */
struct rheap_ffa_range {
	uint64_t address;
	uint32_t page_count;
};

/**
 * struct rheap_ffa_mem - a decoded memory transaction descriptor
 * @abi:              which ABI the descriptor is for
 * @version:          FFA_VERSION_1_1 or FFA_VERSION_1_2 (the EMAD layout)
 * @sender_id:        owner/lender endpoint ID
 * @attributes:       memory region attributes (FFA_MEM_ATTR_*)
 * @flags:            transaction flags (FFA_MEM_FLAG_*)
 * @handle:           global handle; 0 in SHARE/LEND/DONATE
 * @tag:              implementation-defined tag (rheap: the use case)
 * @receiver_count:   number of valid entries in @receivers
 * @receivers:        caller storage for receivers
 * @receiver_cap:     entries available at @receivers
 * @total_page_count: composite page count; 0 for a retrieve request
 * @range_count:      number of valid entries in @ranges; 0 for a retrieve
 *                    request
 * @ranges:           caller storage for constituents (may be NULL if
 *                    @range_cap is 0)
 * @range_cap:        entries available at @ranges
 *
 * Invariants of a value that passed rheap_ffa_mem_validate(): every field
 * obeys the table rules for @abi; @total_page_count equals the sum of the
 * ranges' page counts; ranges do not overlap and do not wrap.
 */
struct rheap_ffa_mem {
	enum rheap_ffa_abi abi;
	uint32_t version;
	uint16_t sender_id;
	uint16_t attributes;
	uint32_t flags;
	uint64_t handle;
	uint64_t tag;
	uint32_t receiver_count;
	struct rheap_ffa_receiver *receivers;
	uint32_t receiver_cap;
	uint32_t total_page_count;
	uint32_t range_count;
	struct rheap_ffa_range *ranges;
	uint32_t range_cap;
};

/**
 * rheap_ffa_mem_decode() - parse and validate a memory transaction descriptor
 * @abi:      ABI the descriptor came with (decides the rules)
 * @buf:      descriptor bytes (untrusted), @buf_size of them: the whole
 *            transaction, i.e. the FF-A total length, all fragments joined
 * @buf_size: total length in bytes
 * @out:      caller sets @out->receivers/@receiver_cap and
 *            @out->ranges/@range_cap; every other field is written. On
 *            failure the arrays may hold partial data and the scalar fields
 *            are unspecified.
 * @diag:     optional; on failure names the offending field and value
 *
 * Runs every check of rheap_ffa_mem_validate() plus the layout checks:
 * offsets inside the message, 16-byte alignment, MBZ bytes, EMAD size for
 * the version, all EMADs naming the same composite offset, the constituent
 * array ending exactly at @buf_size.
 *
 * Return: 0; -EINVAL for a malformed descriptor (diag says which field),
 * including an EMAD size that is not a multiple of 16 and a @buf_size above
 * UINT32_MAX; -EOPNOTSUPP for a v1.0 layout (EMAD size 0) or an EMAD size
 * this codec does not know (a multiple of 16 other than 16 and 32);
 * -ENOSPC when @out's arrays are too small (diag names the array, value is
 * the count needed).
 */
int rheap_ffa_mem_decode(enum rheap_ffa_abi abi, const void *buf,
			 size_t buf_size, struct rheap_ffa_mem *out,
			 struct rheap_diag *diag);

/**
 * rheap_ffa_mem_validate() - check a decoded (or caller-built) descriptor
 * @mem:  descriptor value
 * @diag: optional; on failure names the offending field and value
 *
 * The semantic rules (FF-A v1.1 §10.10-10.11, as Hafnium enforces them):
 * receiver count 1..RHEAP_FFA_MAX_RECEIVERS (exactly 1 for DONATE); no
 * duplicate receiver; the sender is not a receiver; permissions and flag
 * bytes have no reserved or MBZ bits; attributes have no MBZ bits, no NS
 * bit on send or retrieve request, no reserved encodings; flags use only
 * the bits the ABI allows (no CLEAR on SHARE); handle 0 on send; ranges
 * non-empty for sends, with page_count >= 1, 4 KiB aligned addresses, no
 * wrap past 2^64, no overlap (adjacent is fine), and a page sum equal to
 * @total_page_count without 32-bit overflow; a retrieve request has no
 * ranges.
 *
 * Return: 0 or -EINVAL.
 */
int rheap_ffa_mem_validate(const struct rheap_ffa_mem *mem,
			   struct rheap_diag *diag);

/**
 * rheap_ffa_mem_encoded_size() - bytes rheap_ffa_mem_encode() will write
 * @mem: descriptor value (not validated here)
 * @out: set to the size on success
 *
 * Return: 0; -EOVERFLOW if the size would not fit in 32 bits (the FF-A
 * length registers are 32-bit); -EOPNOTSUPP for an unknown @mem->version;
 * -EINVAL if an argument is NULL.
 */
int rheap_ffa_mem_encoded_size(const struct rheap_ffa_mem *mem, size_t *out);

/**
 * rheap_ffa_mem_encode() - write a descriptor in canonical layout
 * @mem:      descriptor value; validated first
 * @buf:      output buffer
 * @buf_size: size of @buf
 * @diag:     optional; filled when validation fails
 *
 * Canonical layout: header, EMADs at offset 48 (16 or 32 bytes each by
 * @mem->version), the composite descriptor right after them (16-aligned,
 * which it always is), then the constituents. A retrieve request has no
 * composite and EMAD composite offsets of 0.
 *
 * Return: bytes written (> 0); -EINVAL if @mem is invalid; -ENOSPC if
 * @buf_size is too small (diag value: the size needed); -EOPNOTSUPP for an
 * unknown @mem->version; -EOVERFLOW if the size exceeds INT32_MAX.
 */
int rheap_ffa_mem_encode(const struct rheap_ffa_mem *mem, void *buf,
			 size_t buf_size, struct rheap_diag *diag);

/**
 * rheap_ffa_mem_eq() - field-wise equality of two decoded descriptors
 *
 * Compares every field and the used part of both arrays (never the
 * capacities or pointers). Return: true if equal.
 */
bool rheap_ffa_mem_eq(const struct rheap_ffa_mem *a,
		      const struct rheap_ffa_mem *b);

/**
 * rheap_ffa_abi_name() - "share", "lend", "donate", "retrieve_req",
 * "retrieve_resp"; NULL for an unknown value.
 */
const char *rheap_ffa_abi_name(enum rheap_ffa_abi abi);

/**
 * rheap_ffa_abi_from_name() - inverse of rheap_ffa_abi_name()
 * Return: 0 and *@out set, or -EINVAL for an unknown name.
 */
int rheap_ffa_abi_from_name(const char *name, enum rheap_ffa_abi *out);

/* ---------------------------------------------------------------------- */
/* Relinquish descriptor (FFA_MEM_RELINQUISH, in the TX buffer).           */

/**
 * struct rheap_ffa_relinquish - a decoded relinquish descriptor
 * @handle:         handle being relinquished
 * @flags:          FFA_RECLAIM_FLAG_* (bit 0 clear, bit 1 time slicing)
 * @endpoint_count: valid entries in @endpoints, >= 1
 * @endpoints:      caller storage, @endpoint_cap entries
 * @endpoint_cap:   capacity of @endpoints
 */
struct rheap_ffa_relinquish {
	uint64_t handle;
	uint32_t flags;
	uint32_t endpoint_count;
	uint16_t *endpoints;
	uint32_t endpoint_cap;
};

/**
 * rheap_ffa_relinquish_decode() - parse a relinquish descriptor
 * @buf:      bytes (untrusted); @buf_size of them
 * @out:      caller sets @endpoints/@endpoint_cap
 * @diag:     optional
 *
 * Bytes after the endpoint list are ignored: the descriptor sits in a TX
 * buffer and FFA_MEM_RELINQUISH carries no length.
 *
 * Return: 0; -EINVAL (truncated, zero or more than RHEAP_FFA_MAX_RECEIVERS
 * endpoints, MBZ flag bits, invalid handle); -ENOSPC if
 * @out->endpoint_cap is too small.
 */
int rheap_ffa_relinquish_decode(const void *buf, size_t buf_size,
				struct rheap_ffa_relinquish *out,
				struct rheap_diag *diag);

/**
 * rheap_ffa_relinquish_encode() - write a relinquish descriptor
 * Return: bytes written; -EINVAL for an invalid value; -ENOSPC.
 */
int rheap_ffa_relinquish_encode(const struct rheap_ffa_relinquish *rel,
				void *buf, size_t buf_size,
				struct rheap_diag *diag);

/* ---------------------------------------------------------------------- */
/* Fragmentation (FFA_MEM_FRAG_TX / FFA_MEM_FRAG_RX).                       */

/**
 * rheap_ffa_frag_first_size() - length of the first fragment
 * @desc:      a complete, valid encoded descriptor (trusted: our own)
 * @desc_size: its length
 * @max_frag:  largest fragment the transport carries (e.g. the TX size)
 * @out:       first fragment length
 *
 * The first fragment carries the header, every EMAD, the composite header
 * and as many whole constituents as fit; later fragments carry whole
 * constituents only (FF-A v1.1 §10.3).
 *
 * Only the layout is checked (header, EMAD array, composite offset, whole
 * constituents after the fixed part), not the full rule set.
 *
 * Return: 0; -EINVAL if @desc is not a valid descriptor; -ENOSPC if the
 * fixed part does not fit in @max_frag.
 */
int rheap_ffa_frag_first_size(const void *desc, size_t desc_size,
			      size_t max_frag, size_t *out);

/**
 * rheap_ffa_frag_next_size() - length of the fragment starting at @offset
 * @desc_size: total descriptor length
 * @offset:    bytes already sent (a constituent boundary)
 * @max_frag:  largest fragment (>= 16)
 * @out:       length of the next fragment: a multiple of 16, or the rest
 *
 * Return: 0; -EINVAL if @offset >= @desc_size; -ENOSPC if @max_frag < 16.
 */
int rheap_ffa_frag_next_size(size_t desc_size, size_t offset, size_t max_frag,
			     size_t *out);

/**
 * struct rheap_ffa_frag_rx - receiver-side reassembly state
 * @buf:        caller storage for the whole descriptor
 * @buf_cap:    size of @buf
 * @total_size: FF-A total length announced with the first fragment
 * @received:   bytes received so far (the offset FRAG_RX reports)
 * @fixed_size: header + EMADs + composite header, known after fragment 1
 *
 * Life cycle: rheap_ffa_frag_rx_init() → rheap_ffa_frag_rx_add() until
 * rheap_ffa_frag_rx_done(); then decode @buf. A rejected fragment leaves
 * the state as it was (the sender may retry or abandon).
 */
struct rheap_ffa_frag_rx {
	uint8_t *buf;
	size_t buf_cap;
	size_t total_size;
	size_t received;
	size_t fixed_size;
};

/**
 * rheap_ffa_frag_rx_init() - start reassembly with the first fragment
 * @st:         state; @st->buf and @st->buf_cap are set by the caller
 * @total_size: total length (w1 of MEM_SHARE/LEND/DONATE), untrusted
 * @frag:       first fragment bytes (untrusted), @frag_size of them (w2)
 * @diag:       optional
 *
 * Checks: 0 < @frag_size <= @total_size; both multiples of 16 when they
 * differ; the first fragment holds the header, all EMADs and the composite
 * header; @total_size fits @st->buf_cap; @total_size <= UINT32_MAX; the
 * bytes after the fixed part are whole 16-byte constituents. A retrieve
 * request (EMAD 0 composite offset 0) has no composite: its fixed part
 * ends with the EMAD array.
 *
 * Return: 0; -EINVAL (diag field "fragment_length", "total_length" or a
 * header field); -ENOSPC if @total_size exceeds @st->buf_cap.
 */
int rheap_ffa_frag_rx_init(struct rheap_ffa_frag_rx *st, size_t total_size,
			   const void *frag, size_t frag_size,
			   struct rheap_diag *diag);

/**
 * rheap_ffa_frag_rx_add() - append a later fragment (FFA_MEM_FRAG_TX)
 * @st:        state
 * @offset:    where the sender says this fragment goes (must equal
 *             @st->received)
 * @frag:      bytes (untrusted), @frag_size of them
 * @diag:      optional
 *
 * Return: 0; -EINVAL for a wrong offset, an empty fragment, a length that
 * is not a multiple of 16 (unless it completes the descriptor), a length
 * past the total, or a call after completion.
 */
int rheap_ffa_frag_rx_add(struct rheap_ffa_frag_rx *st, size_t offset,
			  const void *frag, size_t frag_size,
			  struct rheap_diag *diag);

/** rheap_ffa_frag_rx_done() - true when every byte has arrived. */
bool rheap_ffa_frag_rx_done(const struct rheap_ffa_frag_rx *st);

#endif /* RHEAP_FFA_DESC_H */
