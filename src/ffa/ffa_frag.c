// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fragmentation of memory transaction descriptors (FF-A v1.1 §10.3,
 * FFA_MEM_FRAG_TX / FFA_MEM_FRAG_RX).
 *
 * A descriptor larger than the mailbox travels in pieces. The first
 * fragment carries everything up to and including the composite header
 * (the "fixed part") plus as many whole constituents as fit; each later
 * fragment carries whole 16-byte constituents only, so every fragment
 * length except the one that completes the descriptor is a multiple of 16.
 *
 * Life cycle of a `struct rheap_ffa_frag_rx` (receiver side):
 *
 *   (caller sets buf/buf_cap) --rx_init(first fragment)--> RECEIVING
 *   RECEIVING --rx_add(offset == received)--> RECEIVING or COMPLETE
 *   COMPLETE: rx_done() is true; rx_add() is refused with -EINVAL.
 *
 * Every check runs before the state or the caller's buffer is written, so
 * a refused fragment leaves everything as it was: the sender may retry the
 * same fragment or abandon the transaction.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>

#include "common/wire.h"
#include "ffa_internal.h"

/*
 * Size of the fixed part of the descriptor starting at @buf, of which @avail
 * bytes may be read. The composite offset comes from EMAD 0 (the codec
 * rejects descriptors whose EMADs disagree, later, on the whole message).
 * A composite offset of 0 is a retrieve request: it has no composite, so
 * the fixed part ends with the EMAD array.
 */
static int frag_fixed_size(const uint8_t *buf, size_t avail,
			   const char *short_field, size_t *out,
			   struct rheap_diag *diag)
{
	struct ffa_layout lay = { 0 };
	uint32_t comp_off = 0;
	uint64_t fixed = 0;
	int rc = 0;

	rc = ffa_layout_parse(buf, avail, short_field, &lay, diag);
	if (rc) {
		return rc;
	}
	comp_off = wire_get32(buf + lay.emad_offset +
			      FFA_EMAD_COMPOSITE_OFFSET);
	if (comp_off == 0) {
		*out = (size_t)lay.emad_end;
		return 0;
	}
	if (comp_off < lay.emad_end) {
		return wire_reject_at_lim(diag, "receivers.composite_offset", 0,
					  comp_off,
					  "overlaps the header or EMAD array "
					  "ending at",
					  lay.emad_end);
	}
	if (!wire_aligned(comp_off, FFA_DESC_ALIGN)) {
		return wire_reject_at(diag, "receivers.composite_offset", 0,
				      comp_off, "is not 16-byte aligned");
	}
	/* The composite header must be in the first fragment (§10.3). */
	fixed = (uint64_t)comp_off + FFA_COMPOSITE_SIZE;
	if (fixed > avail) {
		return wire_reject_lim(diag, short_field, avail,
				       "does not hold the composite header "
				       "ending at",
				       fixed);
	}
	*out = (size_t)fixed;
	return 0;
}

int rheap_ffa_frag_first_size(const void *desc, size_t desc_size,
			      size_t max_frag, size_t *out)
{
	size_t fixed = 0;
	size_t room = 0;
	int rc = 0;

	if (!desc || !out) {
		return -EINVAL;
	}
	/*
	 * @desc is our own encoding, but a wrong one must not make us read
	 * past @desc_size or produce a split the receiver would refuse.
	 */
	rc = frag_fixed_size(desc, desc_size, "total_length", &fixed, NULL);
	if (rc) {
		return -EINVAL;
	}
	/* Whatever follows the fixed part is whole constituents. */
	if (!wire_aligned(desc_size - fixed, FFA_CONSTITUENT_SIZE)) {
		return -EINVAL;
	}
	/* Fits in one call: no fragmentation, no alignment constraint. */
	if (desc_size <= max_frag) {
		*out = desc_size;
		return 0;
	}
	if (fixed > max_frag) {
		return -ENOSPC;
	}
	/* The fixed part is 16-aligned, so this is a multiple of 16. */
	room = max_frag - fixed;
	*out = fixed + (room - room % FFA_CONSTITUENT_SIZE);
	return 0;
}

int rheap_ffa_frag_next_size(size_t desc_size, size_t offset, size_t max_frag,
			     size_t *out)
{
	size_t rest = 0;

	if (!out || offset >= desc_size) {
		return -EINVAL;
	}
	if (max_frag < FFA_CONSTITUENT_SIZE) {
		return -ENOSPC;
	}
	/* The last fragment may be any length; the others whole ranges. */
	rest = desc_size - offset;
	if (rest <= max_frag) {
		*out = rest;
	} else {
		*out = max_frag - max_frag % FFA_CONSTITUENT_SIZE;
	}
	return 0;
}

int rheap_ffa_frag_rx_init(struct rheap_ffa_frag_rx *st, size_t total_size,
			   const void *frag, size_t frag_size,
			   struct rheap_diag *diag)
{
	size_t fixed = 0;
	int rc = 0;

	if (!st || !frag) {
		return wire_reject(diag, "fragment", 0, "is NULL");
	}
	if (frag_size == 0) {
		return wire_reject(diag, "fragment_length", 0,
				   "must be at least 1");
	}
	if (frag_size > total_size) {
		return wire_reject_lim(diag, "fragment_length", frag_size,
				       "exceeds the total length", total_size);
	}
	/* w1 is 32 bits wide: a larger total cannot have been announced. */
	if (total_size > UINT32_MAX) {
		return wire_reject_lim(diag, "total_length", total_size,
				       "exceeds the 32-bit length field",
				       UINT32_MAX);
	}
	/* Fragments split at constituent boundaries (§10.3). */
	if (frag_size != total_size) {
		if (!wire_aligned(total_size, FFA_DESC_ALIGN)) {
			return wire_reject(diag, "total_length", total_size,
					   "is not a multiple of 16 in a "
					   "fragmented transaction");
		}
		if (!wire_aligned(frag_size, FFA_DESC_ALIGN)) {
			return wire_reject(diag, "fragment_length", frag_size,
					   "is not a multiple of 16");
		}
	}
	/*
	 * The whole descriptor must fit before the first byte is accepted:
	 * discovering it does not fit half way would strand the sender.
	 */
	if (total_size > st->buf_cap || !st->buf) {
		return wire_reject_err(diag, -ENOSPC, "total_length",
				       RHEAP_DIAG_NO_INDEX, total_size,
				       "exceeds the reassembly buffer of", true,
				       st->buf_cap);
	}
	/*
	 * Fixed part from the first fragment only (§10.3, TF-A def7590b3):
	 * later fragments must never be needed to find the composite.
	 */
	rc = frag_fixed_size(frag, frag_size, "fragment_length", &fixed, diag);
	if (rc) {
		return rc;
	}
	/* Later fragments can only add whole constituents. */
	if (!wire_aligned(total_size - fixed, FFA_CONSTITUENT_SIZE)) {
		return wire_reject_lim(diag, "total_length", total_size,
				       "leaves a partial constituent after the "
				       "fixed part ending at",
				       fixed);
	}

	/* All checks passed: commit the fragment and the state together. */
	wire_copy(st->buf, frag, frag_size);
	st->total_size = total_size;
	st->received = frag_size;
	st->fixed_size = fixed;
	return 0;
}

int rheap_ffa_frag_rx_add(struct rheap_ffa_frag_rx *st, size_t offset,
			  const void *frag, size_t frag_size,
			  struct rheap_diag *diag)
{
	size_t left = 0;

	if (!st || !frag || !st->buf) {
		return wire_reject(diag, "fragment", 0, "is NULL");
	}
	if (st->received == 0 || rheap_ffa_frag_rx_done(st)) {
		return wire_reject(diag, "fragment", st->received,
				   "arrived when no fragment is expected");
	}
	/* Only "bytes so far" is a valid offset (TF-A c55b519ed). */
	if (offset != st->received) {
		return wire_reject_lim(diag, "fragment_offset", offset,
				       "is not the number of bytes received",
				       st->received);
	}
	if (frag_size == 0) {
		return wire_reject(diag, "fragment_length", 0,
				   "must be at least 1");
	}
	/* received < total_size here, so no underflow. */
	left = st->total_size - st->received;
	if (frag_size > left) {
		return wire_reject_lim(diag, "fragment_length", frag_size,
				       "exceeds the bytes still expected", left);
	}
	if (frag_size != left && !wire_aligned(frag_size, FFA_DESC_ALIGN)) {
		return wire_reject(diag, "fragment_length", frag_size,
				   "is not a multiple of 16");
	}

	wire_copy(st->buf + st->received, frag, frag_size);
	st->received += frag_size;
	return 0;
}

bool rheap_ffa_frag_rx_done(const struct rheap_ffa_frag_rx *st)
{
	return st && st->total_size != 0 && st->received == st->total_size;
}
