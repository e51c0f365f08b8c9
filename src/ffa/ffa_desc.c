// SPDX-License-Identifier: BSD-2-Clause
/*
 * FF-A memory transaction descriptor codec (FF-A v1.1 EAC0 §10.10-10.11,
 * v1.2 ALP1 "Memory management protocol"; DEN0140 for v1.2 EMADs).
 *
 * Decoding runs in two passes. The layout pass walks the untrusted bytes
 * field by field with wire_get*(), checks offsets, lengths, alignment and
 * MBZ bytes, and copies values into the caller's arrays only after the
 * array's capacity has been checked. The semantic pass is
 * rheap_ffa_mem_validate(), which is also what the encoder runs on
 * caller-built values, so that encode(decode(x)) never meets a rule decode
 * did not enforce. Every rejection names its field through wire_reject*().
 *
 * Decisions where the spec leaves room (documented in ffa_desc.h too):
 *  - EMAD size 0 is the v1.0 layout and any other multiple of 16 a future
 *    one: both -EOPNOTSUPP. A size that is not a multiple of 16 cannot be a
 *    valid EMAD in any version: -EINVAL.
 *  - Reserved attribute encodings: memory type 3; for Normal memory,
 *    shareability 1 and cacheability 0 or 2 (FF-A v1.1 Table 10.18). Device
 *    and "not specified" types are not checked further; which combinations
 *    an SPMC accepts is policy, not layout.
 *  - Bytes in a gap before the EMAD array or before the composite are not
 *    read: Hafnium's and Linux's builders may leave such gaps, and FF-A
 *    gives them no meaning.
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
 * A descriptor longer than this cannot be announced: the total length
 * travels in the 32-bit w1 of MEM_SHARE/LEND/DONATE (PROTOCOLS.md §1.4).
 */
#define FFA_DESC_MAX_SIZE UINT32_MAX

/*
 * The enum comes from our caller, but it selects a rule set, so an
 * out-of-range value is refused rather than treated as some default.
 */
static bool abi_valid(enum rheap_ffa_abi abi)
{
	return abi >= RHEAP_FFA_ABI_SHARE && abi <= RHEAP_FFA_ABI_RETRIEVE_RESP;
}

/* The three ABIs where the sender builds the descriptor from scratch. */
static bool abi_is_send(enum rheap_ffa_abi abi)
{
	return abi == RHEAP_FFA_ABI_SHARE || abi == RHEAP_FFA_ABI_LEND ||
	       abi == RHEAP_FFA_ABI_DONATE;
}

/* EMAD size for a layout version; 0 if the codec does not know it. */
static uint32_t emad_size_of(uint32_t version)
{
	if (version == FFA_VERSION_1_1) {
		return FFA_EMAD_V1_1_SIZE;
	}
	if (version == FFA_VERSION_1_2) {
		return FFA_EMAD_V1_2_SIZE;
	}
	return 0;
}

int ffa_layout_parse(const uint8_t *buf, size_t avail, const char *short_field,
		     struct ffa_layout *out, struct rheap_diag *diag)
{
	uint32_t emad_size = 0;
	uint32_t emad_count = 0;
	uint32_t emad_offset = 0;
	uint64_t emad_end = 0;

	/* Nothing below may be read before the whole header is known present. */
	if (avail < FFA_HDR_SIZE) {
		return wire_reject_lim(diag,
				       short_field ? short_field
						   : "total_length",
				       avail, "is shorter than the header of",
				       FFA_HDR_SIZE);
	}

	/*
	 * The EMAD size selects the layout (FF-A v1.1 §10.10.2: readers step
	 * by the size field). v1.0 had no size field: the word is reserved
	 * and zero there, and the EMADs start at 32, so we cannot read it.
	 */
	emad_size = wire_get32(buf + FFA_HDR_EMAD_SIZE);
	switch (emad_size) {
	case FFA_EMAD_V1_1_SIZE:
		out->version = FFA_VERSION_1_1;
		break;
	case FFA_EMAD_V1_2_SIZE:
		out->version = FFA_VERSION_1_2;
		break;
	case 0:
		return wire_reject_err(diag, -EOPNOTSUPP, "emad_size",
				       RHEAP_DIAG_NO_INDEX, 0,
				       "is 0: FF-A v1.0 layout, not supported",
				       false, 0);
	default:
		if (!wire_aligned(emad_size, FFA_DESC_ALIGN)) {
			return wire_reject(diag, "emad_size", emad_size,
					   "is not a multiple of 16");
		}
		return wire_reject_err(diag, -EOPNOTSUPP, "emad_size",
				       RHEAP_DIAG_NO_INDEX, emad_size,
				       "is not a known EMAD size (16 or 32)",
				       false, 0);
	}

	/* Bounding the count first keeps count x size far from overflow. */
	emad_count = wire_get32(buf + FFA_HDR_EMAD_COUNT);
	if (emad_count == 0) {
		return wire_reject(diag, "emad_count", 0, "must be at least 1");
	}
	if (emad_count > RHEAP_FFA_MAX_RECEIVERS) {
		return wire_reject_lim(diag, "emad_count", emad_count,
				       "exceeds the receiver limit",
				       RHEAP_FFA_MAX_RECEIVERS);
	}

	/*
	 * Table 10.20: the offset is from the descriptor start. Below 48 the
	 * EMADs would alias the header (Hafnium's sanity check; arm_ffa and
	 * pKVM 2026 offset fixes); 16-byte alignment keeps every EMAD, and so
	 * the composite after them, on the descriptor's 16-byte grid.
	 */
	emad_offset = wire_get32(buf + FFA_HDR_EMAD_OFFSET);
	if (emad_offset < FFA_HDR_SIZE) {
		return wire_reject_lim(diag, "emad_offset", emad_offset,
				       "is inside the header; minimum",
				       FFA_HDR_SIZE);
	}
	if (!wire_aligned(emad_offset, FFA_DESC_ALIGN)) {
		return wire_reject(diag, "emad_offset", emad_offset,
				   "is not 16-byte aligned");
	}
	/*
	 * The whole array must be inside, not just its start (TF-A
	 * fc4244567). 64-bit sum: offset < 2^32 and count x size <= 64 x 32.
	 */
	emad_end = (uint64_t)emad_offset + (uint64_t)emad_count * emad_size;
	if (emad_end > avail) {
		if (short_field) {
			return wire_reject_lim(diag, short_field, avail,
					       "does not hold the EMAD array "
					       "ending at",
					       emad_end);
		}
		return wire_reject_lim(diag, "emad_offset", emad_offset,
				       "puts the EMAD array past the total "
				       "length",
				       avail);
	}

	/* Table 10.20 bytes 36..47: MBZ, so a later spec can give them meaning. */
	if (!wire_is_zero(buf + FFA_HDR_RESERVED, FFA_HDR_RESERVED_SIZE)) {
		return wire_reject(diag, "reserved", 0,
				   "header bytes 36..47 must be zero");
	}

	out->emad_size = emad_size;
	out->emad_count = emad_count;
	out->emad_offset = emad_offset;
	out->emad_end = emad_end;
	return 0;
}

/* Reads one EMAD into @r; checks only what is local to the EMAD bytes. */
static int emad_decode(const uint8_t *e, const struct ffa_layout *lay,
		       uint32_t index, struct rheap_ffa_receiver *r,
		       uint32_t *composite_offset, struct rheap_diag *diag)
{
	const uint8_t *reserved = NULL;

	/*
	 * Table 10.15 (permissions descriptor) is the first 4 bytes. The
	 * permission and flag bytes are checked by receiver_validate(), which
	 * caller-built values go through as well.
	 */
	r->endpoint_id = wire_get16(e + FFA_EMAD_ENDPOINT);
	r->permissions = e[FFA_EMAD_PERMISSIONS];
	r->flags = e[FFA_EMAD_FLAGS];
	*composite_offset = wire_get32(e + FFA_EMAD_COMPOSITE_OFFSET);

	/*
	 * v1.2 Table 10.17 inserts 16 implementation-defined bytes before the
	 * reserved word. They are carried, not checked: their meaning is
	 * agreed between the endpoints, not by FF-A.
	 */
	if (lay->emad_size == FFA_EMAD_V1_2_SIZE) {
		wire_copy(r->impdef, e + FFA_EMAD_V1_2_IMPDEF,
			  FFA_EMAD_IMPDEF_SIZE);
		reserved = e + FFA_EMAD_V1_2_RESERVED;
	} else {
		wire_zero(r->impdef, FFA_EMAD_IMPDEF_SIZE);
		reserved = e + FFA_EMAD_V1_1_RESERVED;
	}
	if (!wire_is_zero(reserved, FFA_EMAD_RESERVED_SIZE)) {
		return wire_reject_at(diag, "receivers.reserved", index, 0,
				      "must be zero");
	}
	return 0;
}

/*
 * Composite descriptor and constituents (FF-A v1.1 Tables 10.13-10.14).
 * The constituent array must end exactly at @buf_size: FF-A has no field
 * for trailing bytes, and the ACS rejects a total length larger than the
 * real descriptor.
 */
static int composite_decode(const uint8_t *p, size_t buf_size,
			    uint32_t comp_off, uint64_t emad_end,
			    struct rheap_ffa_mem *out, struct rheap_diag *diag)
{
	const uint8_t *c = NULL;
	uint32_t range_count = 0;
	uint64_t avail = 0;
	uint64_t need = 0;

	/* Covers offset 0 too: the header always precedes the EMADs. */
	if (comp_off < emad_end) {
		return wire_reject_at_lim(diag, "receivers.composite_offset", 0,
					  comp_off,
					  "overlaps the header or EMAD array "
					  "ending at",
					  emad_end);
	}
	if (!wire_aligned(comp_off, FFA_DESC_ALIGN)) {
		return wire_reject_at(diag, "receivers.composite_offset", 0,
				      comp_off, "is not 16-byte aligned");
	}
	if ((uint64_t)comp_off + FFA_COMPOSITE_SIZE > buf_size) {
		return wire_reject_at_lim(diag, "receivers.composite_offset", 0,
					  comp_off,
					  "puts the composite past the total "
					  "length",
					  buf_size);
	}

	/*
	 * The composite header is now known to be inside @buf_size. Its
	 * reserved word is MBZ (Table 10.13); the page count is compared with
	 * the constituents' sum in ranges_validate().
	 */
	c = p + comp_off;
	out->total_page_count = wire_get32(c + FFA_COMPOSITE_PAGE_COUNT);
	range_count = wire_get32(c + FFA_COMPOSITE_RANGE_COUNT);
	if (!wire_is_zero(c + FFA_COMPOSITE_RESERVED,
			  FFA_COMPOSITE_RESERVED_SIZE)) {
		return wire_reject(diag, "composite.reserved", 0,
				   "must be zero");
	}

	/* 64-bit: range_count x 16 reaches 2^36. */
	avail = (uint64_t)buf_size - comp_off - FFA_COMPOSITE_SIZE;
	need = (uint64_t)range_count * FFA_CONSTITUENT_SIZE;
	if (need > avail) {
		return wire_reject_lim(diag, "composite.range_count",
				       range_count,
				       "needs more bytes than remain; ranges "
				       "that fit:",
				       avail / FFA_CONSTITUENT_SIZE);
	}
	if (need < avail) {
		return wire_reject_lim(diag, "total_length", buf_size,
				       "is larger than the descriptor, which "
				       "ends at",
				       (uint64_t)comp_off + FFA_COMPOSITE_SIZE +
					       need);
	}

	/*
	 * Only now is the count known to describe bytes that exist, so a
	 * capacity shortfall is reported as such and not as a layout error.
	 * No range has been written yet.
	 */
	if (range_count > out->range_cap || (range_count && !out->ranges)) {
		return wire_reject_err(diag, -ENOSPC, "constituents",
				       RHEAP_DIAG_NO_INDEX, range_count,
				       "needed; capacity is", true,
				       out->range_cap);
	}

	for (uint32_t i = 0; i < range_count; i++) {
		const uint8_t *k = c + FFA_COMPOSITE_SIZE +
				   (size_t)i * FFA_CONSTITUENT_SIZE;

		/* Table 10.14: bytes 12..15 MBZ. */
		if (!wire_is_zero(k + FFA_CONSTITUENT_RESERVED,
				  FFA_CONSTITUENT_RESERVED_SIZE)) {
			return wire_reject_at(diag, "constituents.reserved", i,
					      wire_get32(k +
							 FFA_CONSTITUENT_RESERVED),
					      "must be zero");
		}
		out->ranges[i].address =
			wire_get64(k + FFA_CONSTITUENT_ADDRESS);
		out->ranges[i].page_count =
			wire_get32(k + FFA_CONSTITUENT_PAGE_COUNT);
	}
	out->range_count = range_count;
	return 0;
}

int rheap_ffa_mem_decode(enum rheap_ffa_abi abi, const void *buf,
			 size_t buf_size, struct rheap_ffa_mem *out,
			 struct rheap_diag *diag)
{
	const uint8_t *p = buf;
	struct ffa_layout lay = { 0 };
	uint32_t comp_off = 0;
	int rc = 0;

	if (!out || (!p && buf_size)) {
		return wire_reject(diag, "buf", 0, "is NULL");
	}
	if (!abi_valid(abi)) {
		return wire_reject(diag, "abi", abi,
				   "is not a memory transaction ABI");
	}
	/* FF-A carries the total length in the 32-bit w1. */
	if (buf_size > FFA_DESC_MAX_SIZE) {
		return wire_reject_lim(diag, "total_length", buf_size,
				       "exceeds the 32-bit length field",
				       FFA_DESC_MAX_SIZE);
	}

	rc = ffa_layout_parse(p, buf_size, NULL, &lay, diag);
	if (rc) {
		return rc;
	}
	/*
	 * Capacity before any write into the caller's receiver array. The
	 * count is already bounded by RHEAP_FFA_MAX_RECEIVERS, so a caller
	 * with 64 entries never sees -ENOSPC here.
	 */
	if (lay.emad_count > out->receiver_cap || !out->receivers) {
		return wire_reject_err(diag, -ENOSPC, "receivers",
				       RHEAP_DIAG_NO_INDEX, lay.emad_count,
				       "needed; capacity is", true,
				       out->receiver_cap);
	}

	/*
	 * Header scalars: the semantic pass reads them. Counts stay 0 until
	 * their arrays are filled, so a failed decode never presents partial
	 * arrays as valid entries.
	 */
	out->abi = abi;
	out->version = lay.version;
	out->sender_id = wire_get16(p + FFA_HDR_SENDER);
	out->attributes = wire_get16(p + FFA_HDR_ATTRIBUTES);
	out->flags = wire_get32(p + FFA_HDR_FLAGS);
	out->handle = wire_get64(p + FFA_HDR_HANDLE);
	out->tag = wire_get64(p + FFA_HDR_TAG);
	out->receiver_count = 0;
	out->total_page_count = 0;
	out->range_count = 0;

	for (uint32_t i = 0; i < lay.emad_count; i++) {
		const uint8_t *e = p + lay.emad_offset +
				   (size_t)i * lay.emad_size;
		uint32_t off = 0;

		rc = emad_decode(e, &lay, i, &out->receivers[i], &off, diag);
		if (rc) {
			return rc;
		}
		if (abi == RHEAP_FFA_ABI_RETRIEVE_REQ) {
			/* §1.12: a retrieve request names no composite. */
			if (off != 0) {
				return wire_reject_at(diag,
						      "receivers.composite_offset",
						      i, off,
						      "must be 0 in a retrieve "
						      "request");
			}
		} else if (i == 0) {
			comp_off = off;
		} else if (off != comp_off) {
			/* One composite serves all receivers (§10.10.2). */
			return wire_reject_at_lim(diag,
						  "receivers.composite_offset",
						  i, off,
						  "differs from receiver 0's",
						  comp_off);
		}
	}
	out->receiver_count = lay.emad_count;

	if (abi == RHEAP_FFA_ABI_RETRIEVE_REQ) {
		/* Hafnium: length == receivers offset + count x size. */
		if (buf_size != lay.emad_end) {
			return wire_reject_lim(diag, "total_length", buf_size,
					       "must end with the EMAD array "
					       "of a retrieve request at",
					       lay.emad_end);
		}
	} else {
		rc = composite_decode(p, buf_size, comp_off, lay.emad_end, out,
				      diag);
		if (rc) {
			return rc;
		}
	}

	/*
	 * Layout is sound; the value-level rules are shared with callers who
	 * build descriptors themselves.
	 */
	return rheap_ffa_mem_validate(out, diag);
}

/* Permission and EMAD flag bytes: FF-A v1.1 Tables 10.15-10.16. */
static int receiver_validate(const struct rheap_ffa_mem *mem, uint32_t i,
			     struct rheap_diag *diag)
{
	const struct rheap_ffa_receiver *r = &mem->receivers[i];
	uint32_t data = r->permissions & FFA_DATA_ACCESS_MASK;
	uint32_t insn = (r->permissions & FFA_INSTRUCTION_ACCESS_MASK) >>
			FFA_INSTRUCTION_ACCESS_SHIFT;

	/*
	 * Table 10.15: data access [1:0], instruction access [3:2], [7:4] MBZ.
	 * Value 3 is reserved in both fields. Which values a given ABI may
	 * use (e.g. NX forced on SHARE) is SPMC policy, not checked here.
	 */
	if (r->permissions & FFA_PERMISSIONS_MBZ_MASK) {
		return wire_reject_at(diag, "receivers.permissions", i,
				      r->permissions, "has MBZ bits [7:4] set");
	}
	if (data == FFA_DATA_ACCESS_RESERVED) {
		return wire_reject_at(diag, "receivers.permissions", i,
				      r->permissions,
				      "uses the reserved data access value 3");
	}
	if (insn == FFA_INSTRUCTION_ACCESS_RESERVED) {
		return wire_reject_at(diag, "receivers.permissions", i,
				      r->permissions,
				      "uses the reserved instruction access "
				      "value 3");
	}
	/* Table 10.15 flags: bit 0 non-retrieval borrower, [7:1] MBZ. */
	if (r->flags & FFA_EMAD_FLAGS_MBZ_MASK) {
		return wire_reject_at(diag, "receivers.flags", i, r->flags,
				      "has MBZ bits [7:1] set");
	}
	/* §10.10.3 / ACS: the sender cannot borrow from itself. */
	if (r->endpoint_id == mem->sender_id) {
		return wire_reject_at(diag, "receivers.endpoint_id", i,
				      r->endpoint_id, "is the sender");
	}
	/* At most 64 receivers: the quadratic scan is cheap. */
	for (uint32_t j = 0; j < i; j++) {
		if (mem->receivers[j].endpoint_id == r->endpoint_id) {
			return wire_reject_at_lim(diag, "receivers.endpoint_id",
						  i, r->endpoint_id,
						  "repeats receiver", j);
		}
	}
	return 0;
}

static int receivers_validate(const struct rheap_ffa_mem *mem,
			      struct rheap_diag *diag)
{
	int rc = 0;

	if (mem->receiver_count == 0) {
		return wire_reject(diag, "emad_count", 0, "must be at least 1");
	}
	if (mem->receiver_count > RHEAP_FFA_MAX_RECEIVERS) {
		return wire_reject_lim(diag, "emad_count", mem->receiver_count,
				       "exceeds the receiver limit",
				       RHEAP_FFA_MAX_RECEIVERS);
	}
	/* A caller-built value may lie about its array; never read past it. */
	if (mem->receiver_count > mem->receiver_cap || !mem->receivers) {
		return wire_reject_lim(diag, "receivers", mem->receiver_count,
				       "exceeds the array capacity",
				       mem->receiver_cap);
	}
	/* Ownership moves to one endpoint only (FF-A v1.1 §10.10.3). */
	if (mem->abi == RHEAP_FFA_ABI_DONATE && mem->receiver_count != 1) {
		return wire_reject_lim(diag, "emad_count", mem->receiver_count,
				       "DONATE needs exactly", 1);
	}
	for (uint32_t i = 0; i < mem->receiver_count; i++) {
		rc = receiver_validate(mem, i, diag);
		if (rc) {
			return rc;
		}
	}
	return 0;
}

/* Memory region attributes: FF-A v1.1 Table 10.18 (16-bit form). */
static int attributes_validate(const struct rheap_ffa_mem *mem,
			       struct rheap_diag *diag)
{
	uint32_t a = mem->attributes;
	uint32_t type = (a & FFA_MEM_ATTR_TYPE_MASK) >> FFA_MEM_ATTR_TYPE_SHIFT;
	uint32_t share = a & FFA_MEM_ATTR_SHAREABILITY_MASK;
	uint32_t cache = (a & FFA_MEM_ATTR_CACHEABILITY_MASK) >>
			 FFA_MEM_ATTR_CACHEABILITY_SHIFT;

	if (a & FFA_MEM_ATTR_MBZ_MASK) {
		return wire_reject(diag, "attributes", a,
				   "has MBZ bits [15:7] set");
	}
	/*
	 * Only the SPMC states the security state, in a retrieve response,
	 * and only if the borrower asked for it; a sender setting NS would
	 * be claiming to know the SPMC's mapping (Xen mediator fix, 2026).
	 */
	if ((a & FFA_MEM_ATTR_NS_BIT) && mem->abi != RHEAP_FFA_ABI_RETRIEVE_RESP) {
		return wire_reject(diag, "attributes", a,
				   "sets the NS bit, allowed only in a "
				   "retrieve response");
	}
	if (type == FFA_MEM_ATTR_TYPE_RESERVED) {
		return wire_reject(diag, "attributes", a,
				   "uses the reserved memory type 3");
	}
	/*
	 * Normal memory: shareability 1 and cacheability 0/2 are reserved.
	 * Device memory uses [3:2] for nGnRnE..GRE, all four valid; "not
	 * specified" leaves the choice to the borrower.
	 */
	if (type == FFA_MEM_ATTR_TYPE_NORMAL) {
		if (share == FFA_MEM_ATTR_SHAREABILITY_RESERVED) {
			return wire_reject(diag, "attributes", a,
					   "uses the reserved shareability 1");
		}
		if (cache != FFA_MEM_ATTR_NORMAL_NON_CACHEABLE &&
		    cache != FFA_MEM_ATTR_NORMAL_WRITE_BACK) {
			return wire_reject(diag, "attributes", a,
					   "uses a reserved Normal cacheability");
		}
	}
	return 0;
}

/* Transaction flags: FF-A v1.1 Tables 10.21 (send) and 10.22 (retrieve). */
static int flags_validate(const struct rheap_ffa_mem *mem,
			  struct rheap_diag *diag)
{
	uint32_t f = mem->flags;
	uint32_t type = (f & FFA_MEM_FLAG_TYPE_MASK) >> FFA_MEM_FLAG_TYPE_SHIFT;
	uint32_t allowed = 0;

	switch (mem->abi) {
	case RHEAP_FFA_ABI_SHARE:
	case RHEAP_FFA_ABI_LEND:
	case RHEAP_FFA_ABI_DONATE:
		/* The relayer knows the type from the ABI: bits [4:3] MBZ. */
		allowed = FFA_MEM_SEND_FLAGS_ALLOWED;
		break;
	case RHEAP_FFA_ABI_RETRIEVE_REQ:
		/*
		 * The borrower may ask for zeroing now or after relinquish, name
		 * the expected type (0 = take the lender's), and pass an
		 * alignment hint; whether the SPMC honours a hint is policy.
		 */
		allowed = FFA_MEM_FLAG_CLEAR | FFA_MEM_FLAG_TIME_SLICE |
			  FFA_MEM_FLAG_CLEAR_RELINQUISH |
			  FFA_MEM_FLAG_TYPE_MASK |
			  FFA_MEM_FLAG_ALIGN_HINT_MASK |
			  FFA_MEM_FLAG_ALIGN_HINT_VALID;
		/* The bypass bit first appears in v1.2. */
		if (mem->version == FFA_VERSION_1_2) {
			allowed |= FFA_MEM_FLAG_BYPASS_BORROWER_CHECK;
		}
		break;
	case RHEAP_FFA_ABI_RETRIEVE_RESP:
	default:
		/* The SPMC reports zeroing, time slicing and the actual type. */
		allowed = FFA_MEM_FLAG_CLEAR | FFA_MEM_FLAG_TIME_SLICE |
			  FFA_MEM_FLAG_TYPE_MASK;
		break;
	}
	if (f & ~allowed) {
		return wire_reject_lim(diag, "flags", f,
				       "has bits outside the allowed mask",
				       allowed);
	}

	/* The response states the actual type: "unspecified" is invalid. */
	if (mem->abi == RHEAP_FFA_ABI_RETRIEVE_RESP &&
	    type == FFA_MEM_FLAG_TYPE_UNSPECIFIED) {
		return wire_reject(diag, "flags", f,
				   "must give the transaction type 1..3 in a "
				   "retrieve response");
	}
	/*
	 * A lender that keeps access cannot have the memory zeroed under it:
	 * CLEAR (and CLEAR_RELINQUISH) are forbidden for SHARE.
	 */
	if ((mem->abi == RHEAP_FFA_ABI_SHARE ||
	     type == FFA_MEM_FLAG_TYPE_SHARE) &&
	    (f & (FFA_MEM_FLAG_CLEAR | FFA_MEM_FLAG_CLEAR_RELINQUISH))) {
		return wire_reject(diag, "flags", f,
				   "asks to clear memory that is shared");
	}
	return 0;
}

static int handle_validate(const struct rheap_ffa_mem *mem,
			   struct rheap_diag *diag)
{
	/* The relayer allocates the handle: a sender leaves it 0. */
	if (abi_is_send(mem->abi) && mem->handle != 0) {
		return wire_reject(diag, "handle", mem->handle,
				   "must be 0 on send");
	}
	/*
	 * Retrieve request and response name an existing transaction; all
	 * ones is the reserved "invalid" value (§1.10) and can never be one.
	 */
	if (!abi_is_send(mem->abi) && mem->handle == FFA_HANDLE_INVALID) {
		return wire_reject(diag, "handle", mem->handle,
				   "is the invalid handle");
	}
	return 0;
}

/* Only called when the neighbour scan found ranges out of order. */
/*
 * Every range was checked not to wrap before this runs, so the inclusive
 * ends below cannot overflow.
 */
static int ranges_overlap_pairwise(const struct rheap_ffa_mem *mem,
				   struct rheap_diag *diag)
{
	for (uint32_t i = 1; i < mem->range_count; i++) {
		uint64_t a_lo = mem->ranges[i].address;
		uint64_t a_hi = a_lo +
				((uint64_t)mem->ranges[i].page_count
				 << FFA_PAGE_SHIFT) -
				1;

		for (uint32_t j = 0; j < i; j++) {
			uint64_t b_lo = mem->ranges[j].address;
			uint64_t b_hi = b_lo +
					((uint64_t)mem->ranges[j].page_count
					 << FFA_PAGE_SHIFT) -
					1;

			/* Inclusive ends: adjacent ranges do not overlap. */
			if (a_lo <= b_hi && b_lo <= a_hi) {
				return wire_reject_at_lim(diag,
							  "constituents.address",
							  i, a_lo,
							  "overlaps constituent",
							  j);
			}
		}
	}
	return 0;
}

/* Constituents: FF-A v1.1 Table 10.14 and §10.11.3.1 (no overlap). */
static int ranges_validate(const struct rheap_ffa_mem *mem,
			   struct rheap_diag *diag)
{
	uint64_t sum = 0;
	uint64_t prev_last = 0;
	bool ascending = true;

	/* §1.12: a retrieve request carries no composite at all. */
	if (mem->abi == RHEAP_FFA_ABI_RETRIEVE_REQ) {
		if (mem->range_count != 0) {
			return wire_reject(diag, "composite.range_count",
					   mem->range_count,
					   "must be 0 in a retrieve request");
		}
		if (mem->total_page_count != 0) {
			return wire_reject(diag, "composite.page_count",
					   mem->total_page_count,
					   "must be 0 in a retrieve request");
		}
		return 0;
	}
	/* Sending (or being granted) nothing is not a transaction. */
	if (mem->range_count == 0) {
		return wire_reject(diag, "composite.range_count", 0,
				   "must be at least 1");
	}
	if (mem->range_count > mem->range_cap || !mem->ranges) {
		return wire_reject_lim(diag, "constituents", mem->range_count,
				       "exceeds the array capacity",
				       mem->range_cap);
	}

	for (uint32_t i = 0; i < mem->range_count; i++) {
		uint64_t addr = mem->ranges[i].address;
		uint32_t pages = mem->ranges[i].page_count;
		/* 64-bit multiply: a 32-bit one wraps (TF-A 6a4449471). */
		uint64_t size = (uint64_t)pages << FFA_PAGE_SHIFT;

		if (pages == 0) {
			return wire_reject_at(diag, "constituents.page_count",
					      i, 0, "must be at least 1");
		}
		if (!wire_aligned(addr, FFA_PAGE_SIZE)) {
			return wire_reject_at(diag, "constituents.address", i,
					      addr, "is not 4 KiB aligned");
		}
		/* The last byte may be 2^64 - 1 but not beyond. */
		if (size - 1 > UINT64_MAX - addr) {
			return wire_reject_at_lim(diag,
						  "constituents.page_count", i,
						  pages,
						  "wraps past 2^64; pages that "
						  "fit:",
						  ((UINT64_MAX - addr) >>
						   FFA_PAGE_SHIFT) + 1);
		}
		/* Cannot wrap: at most 2^32 terms below 2^32 each. */
		sum += pages;
		if (i > 0 && prev_last >= addr) {
			ascending = false;
		}
		prev_last = addr + (size - 1);
	}

	/*
	 * Table 10.13's page count is 32 bits: a larger sum cannot be stated,
	 * and comparing truncated values would let a wrapped sum match.
	 */
	if (sum > UINT32_MAX) {
		return wire_reject_lim(diag, "composite.page_count", sum,
				       "(the constituent sum) overflows",
				       UINT32_MAX);
	}
	if (sum != mem->total_page_count) {
		return wire_reject_lim(diag, "composite.page_count",
				       mem->total_page_count,
				       "does not equal the constituent sum",
				       sum);
	}

	/*
	 * Strictly ascending, non-touching-from-below ranges cannot overlap,
	 * so the common case (builders emit sorted lists) is linear. Out of
	 * order input falls back to the pairwise check: quadratic, but without
	 * allocation, and 3038 ranges are about 4.6M comparisons.
	 */
	if (ascending) {
		return 0;
	}
	return ranges_overlap_pairwise(mem, diag);
}

int rheap_ffa_mem_validate(const struct rheap_ffa_mem *mem,
			   struct rheap_diag *diag)
{
	int rc = 0;

	if (!mem) {
		return wire_reject(diag, "mem", 0, "is NULL");
	}
	/*
	 * Order: cheap scalar checks before the array walks, receivers before
	 * ranges, so the first rule broken is the one reported.
	 */
	if (!abi_valid(mem->abi)) {
		return wire_reject(diag, "abi", mem->abi,
				   "is not a memory transaction ABI");
	}
	if (emad_size_of(mem->version) == 0) {
		return wire_reject(diag, "version", mem->version,
				   "is not FF-A v1.1 or v1.2");
	}
	rc = receivers_validate(mem, diag);
	if (rc) {
		return rc;
	}
	rc = attributes_validate(mem, diag);
	if (rc) {
		return rc;
	}
	rc = flags_validate(mem, diag);
	if (rc) {
		return rc;
	}
	rc = handle_validate(mem, diag);
	if (rc) {
		return rc;
	}
	return ranges_validate(mem, diag);
}

int rheap_ffa_mem_encoded_size(const struct rheap_ffa_mem *mem, size_t *out)
{
	uint32_t emad_size = 0;
	uint64_t size = 0;

	if (!mem || !out) {
		return -EINVAL;
	}
	/* The layout (and so the size) depends on the EMAD version. */
	emad_size = emad_size_of(mem->version);
	if (emad_size == 0) {
		return -EOPNOTSUPP;
	}
	/* 64-bit: each product is below 2^37, the sum below 2^38. */
	size = FFA_HDR_SIZE + (uint64_t)mem->receiver_count * emad_size;
	if (mem->abi != RHEAP_FFA_ABI_RETRIEVE_REQ) {
		size += FFA_COMPOSITE_SIZE +
			(uint64_t)mem->range_count * FFA_CONSTITUENT_SIZE;
	}
	if (size > FFA_DESC_MAX_SIZE) {
		return -EOVERFLOW;
	}
	*out = (size_t)size;
	return 0;
}

int rheap_ffa_mem_encode(const struct rheap_ffa_mem *mem, void *buf,
			 size_t buf_size, struct rheap_diag *diag)
{
	uint8_t *p = buf;
	uint32_t emad_size = 0;
	uint32_t comp_off = 0;
	size_t size = 0;
	int rc = 0;

	if (!mem) {
		return wire_reject(diag, "mem", 0, "is NULL");
	}
	emad_size = emad_size_of(mem->version);
	if (emad_size == 0) {
		return wire_reject_err(diag, -EOPNOTSUPP, "version",
				       RHEAP_DIAG_NO_INDEX, mem->version,
				       "is not FF-A v1.1 or v1.2", false, 0);
	}
	/* Never emit a descriptor our own decoder would refuse. */
	rc = rheap_ffa_mem_validate(mem, diag);
	if (rc) {
		return rc;
	}
	rc = rheap_ffa_mem_encoded_size(mem, &size);
	/* The return value is an int: larger sizes cannot be reported. */
	if (rc || size > (size_t)INT32_MAX) {
		return wire_reject_err(diag, -EOVERFLOW, "total_length",
				       RHEAP_DIAG_NO_INDEX, size,
				       "does not fit the return value", true,
				       INT32_MAX);
	}
	if (!p || size > buf_size) {
		return wire_reject_err(diag, -ENOSPC, "total_length",
				       RHEAP_DIAG_NO_INDEX, size,
				       "bytes needed; buffer holds", true,
				       p ? buf_size : 0);
	}

	/* Zero first: every reserved byte is then MBZ-clean. */
	wire_zero(p, size);
	wire_put16(p + FFA_HDR_SENDER, mem->sender_id);
	wire_put16(p + FFA_HDR_ATTRIBUTES, mem->attributes);
	wire_put32(p + FFA_HDR_FLAGS, mem->flags);
	wire_put64(p + FFA_HDR_HANDLE, mem->handle);
	wire_put64(p + FFA_HDR_TAG, mem->tag);
	wire_put32(p + FFA_HDR_EMAD_SIZE, emad_size);
	wire_put32(p + FFA_HDR_EMAD_COUNT, mem->receiver_count);
	/* Canonical: no gap after the header, as Linux and Hafnium build it. */
	wire_put32(p + FFA_HDR_EMAD_OFFSET, FFA_HDR_SIZE);

	/* Canonical: the composite right after the EMADs, 16-aligned. */
	if (mem->abi != RHEAP_FFA_ABI_RETRIEVE_REQ) {
		comp_off = FFA_HDR_SIZE + mem->receiver_count * emad_size;
	}
	for (uint32_t i = 0; i < mem->receiver_count; i++) {
		const struct rheap_ffa_receiver *r = &mem->receivers[i];
		uint8_t *e = p + FFA_HDR_SIZE + (size_t)i * emad_size;

		wire_put16(e + FFA_EMAD_ENDPOINT, r->endpoint_id);
		e[FFA_EMAD_PERMISSIONS] = r->permissions;
		e[FFA_EMAD_FLAGS] = r->flags;
		wire_put32(e + FFA_EMAD_COMPOSITE_OFFSET, comp_off);
		/* v1.2: carry the implementation-defined bytes unchanged. */
		if (emad_size == FFA_EMAD_V1_2_SIZE) {
			wire_copy(e + FFA_EMAD_V1_2_IMPDEF, r->impdef,
				  FFA_EMAD_IMPDEF_SIZE);
		}
	}

	if (mem->abi != RHEAP_FFA_ABI_RETRIEVE_REQ) {
		uint8_t *c = p + comp_off;

		wire_put32(c + FFA_COMPOSITE_PAGE_COUNT, mem->total_page_count);
		wire_put32(c + FFA_COMPOSITE_RANGE_COUNT, mem->range_count);
		for (uint32_t i = 0; i < mem->range_count; i++) {
			uint8_t *k = c + FFA_COMPOSITE_SIZE +
				     (size_t)i * FFA_CONSTITUENT_SIZE;

			wire_put64(k + FFA_CONSTITUENT_ADDRESS,
				   mem->ranges[i].address);
			wire_put32(k + FFA_CONSTITUENT_PAGE_COUNT,
				   mem->ranges[i].page_count);
		}
	}
	return (int)size;
}

static bool receiver_eq(const struct rheap_ffa_receiver *a,
			const struct rheap_ffa_receiver *b)
{
	if (a->endpoint_id != b->endpoint_id ||
	    a->permissions != b->permissions || a->flags != b->flags) {
		return false;
	}
	for (uint32_t i = 0; i < FFA_EMAD_IMPDEF_SIZE; i++) {
		if (a->impdef[i] != b->impdef[i]) {
			return false;
		}
	}
	return true;
}

bool rheap_ffa_mem_eq(const struct rheap_ffa_mem *a,
		      const struct rheap_ffa_mem *b)
{
	if (!a || !b) {
		return a == b;
	}
	if (a->abi != b->abi || a->version != b->version ||
	    a->sender_id != b->sender_id || a->attributes != b->attributes ||
	    a->flags != b->flags || a->handle != b->handle ||
	    a->tag != b->tag || a->receiver_count != b->receiver_count ||
	    a->total_page_count != b->total_page_count ||
	    a->range_count != b->range_count) {
		return false;
	}
	/* Counts beyond a capacity mean a corrupt value: never equal. */
	if (a->receiver_count > a->receiver_cap ||
	    b->receiver_count > b->receiver_cap ||
	    a->range_count > a->range_cap || b->range_count > b->range_cap) {
		return false;
	}
	for (uint32_t i = 0; i < a->receiver_count; i++) {
		if (!receiver_eq(&a->receivers[i], &b->receivers[i])) {
			return false;
		}
	}
	for (uint32_t i = 0; i < a->range_count; i++) {
		if (a->ranges[i].address != b->ranges[i].address ||
		    a->ranges[i].page_count != b->ranges[i].page_count) {
			return false;
		}
	}
	return true;
}

/*
 * Indexed by `enum rheap_ffa_abi`; entry 0 is unused. These strings are the
 * names `rheapctl` and the vectors' README use, so they are part of the CLI.
 */
static const char *const abi_names[] = {
	[RHEAP_FFA_ABI_SHARE] = "share",
	[RHEAP_FFA_ABI_LEND] = "lend",
	[RHEAP_FFA_ABI_DONATE] = "donate",
	[RHEAP_FFA_ABI_RETRIEVE_REQ] = "retrieve_req",
	[RHEAP_FFA_ABI_RETRIEVE_RESP] = "retrieve_resp",
};

const char *rheap_ffa_abi_name(enum rheap_ffa_abi abi)
{
	if (!abi_valid(abi)) {
		return NULL;
	}
	return abi_names[abi];
}

/* strcmp() without libc. */
static bool name_eq(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] != '\0' && a[i] == b[i]) {
		i++;
	}
	return a[i] == b[i];
}

int rheap_ffa_abi_from_name(const char *name, enum rheap_ffa_abi *out)
{
	if (!name || !out) {
		return -EINVAL;
	}
	for (int abi = RHEAP_FFA_ABI_SHARE; abi <= RHEAP_FFA_ABI_RETRIEVE_RESP;
	     abi++) {
		if (name_eq(name, abi_names[abi])) {
			*out = (enum rheap_ffa_abi)abi;
			return 0;
		}
	}
	return -EINVAL;
}

/* Relinquish flags and endpoint list: FF-A v1.1 Table 16.25. */
static int relinquish_validate(const struct rheap_ffa_relinquish *rel,
			       struct rheap_diag *diag)
{
	if (rel->handle == FFA_HANDLE_INVALID) {
		return wire_reject(diag, "handle", rel->handle,
				   "is the invalid handle");
	}
	/*
	 * §1.9: bit 0 zero after relinquish, bit 1 time slicing; the rest is
	 * MBZ. Whether CLEAR is allowed (not for SHARE) needs the
	 * transaction, so the SPMC checks that.
	 */
	if (rel->flags & FFA_RECLAIM_FLAGS_MBZ_MASK) {
		return wire_reject(diag, "flags", rel->flags,
				   "has MBZ bits [31:2] set");
	}
	if (rel->endpoint_count == 0) {
		return wire_reject(diag, "endpoint_count", 0,
				   "must be at least 1");
	}
	/* No transaction has more borrowers than the codec accepts. */
	if (rel->endpoint_count > RHEAP_FFA_MAX_RECEIVERS) {
		return wire_reject_lim(diag, "endpoint_count",
				       rel->endpoint_count,
				       "exceeds the receiver limit",
				       RHEAP_FFA_MAX_RECEIVERS);
	}
	return 0;
}

int rheap_ffa_relinquish_decode(const void *buf, size_t buf_size,
				struct rheap_ffa_relinquish *out,
				struct rheap_diag *diag)
{
	const uint8_t *p = buf;
	uint64_t need = 0;
	int rc = 0;

	if (!out || (!p && buf_size)) {
		return wire_reject(diag, "buf", 0, "is NULL");
	}
	if (buf_size < FFA_RELINQUISH_HDR_SIZE) {
		return wire_reject_lim(diag, "total_length", buf_size,
				       "is shorter than the header of",
				       FFA_RELINQUISH_HDR_SIZE);
	}
	/* Scalars first: validating them bounds the endpoint walk. */
	out->handle = wire_get64(p + FFA_RELINQUISH_HANDLE);
	out->flags = wire_get32(p + FFA_RELINQUISH_FLAGS);
	out->endpoint_count = wire_get32(p + FFA_RELINQUISH_COUNT);
	rc = relinquish_validate(out, diag);
	if (rc) {
		return rc;
	}
	/*
	 * The descriptor sits in a TX buffer with no length register, so
	 * bytes after the endpoint list are allowed (and ignored).
	 */
	need = FFA_RELINQUISH_HDR_SIZE + (uint64_t)out->endpoint_count * 2u;
	if (need > buf_size) {
		return wire_reject_lim(diag, "endpoint_count",
				       out->endpoint_count,
				       "runs past the end of the buffer of",
				       buf_size);
	}
	/* Capacity before the first write into the caller's array. */
	if (out->endpoint_count > out->endpoint_cap || !out->endpoints) {
		return wire_reject_err(diag, -ENOSPC, "endpoints",
				       RHEAP_DIAG_NO_INDEX, out->endpoint_count,
				       "needed; capacity is", true,
				       out->endpoint_cap);
	}
	for (uint32_t i = 0; i < out->endpoint_count; i++) {
		out->endpoints[i] =
			wire_get16(p + FFA_RELINQUISH_HDR_SIZE + 2u * i);
	}
	return 0;
}

int rheap_ffa_relinquish_encode(const struct rheap_ffa_relinquish *rel,
				void *buf, size_t buf_size,
				struct rheap_diag *diag)
{
	uint8_t *p = buf;
	size_t size = 0;
	int rc = 0;

	if (!rel) {
		return wire_reject(diag, "rel", 0, "is NULL");
	}
	rc = relinquish_validate(rel, diag);
	if (rc) {
		return rc;
	}
	if (rel->endpoint_count > rel->endpoint_cap || !rel->endpoints) {
		return wire_reject_lim(diag, "endpoints", rel->endpoint_count,
				       "exceeds the array capacity",
				       rel->endpoint_cap);
	}
	/*
	 * endpoint_count <= 64, so this cannot overflow. No padding: the
	 * reader takes the endpoint count, not a length, as authoritative.
	 */
	size = FFA_RELINQUISH_HDR_SIZE + (size_t)rel->endpoint_count * 2u;
	if (!p || size > buf_size) {
		return wire_reject_err(diag, -ENOSPC, "total_length",
				       RHEAP_DIAG_NO_INDEX, size,
				       "bytes needed; buffer holds", true,
				       p ? buf_size : 0);
	}
	wire_put64(p + FFA_RELINQUISH_HANDLE, rel->handle);
	wire_put32(p + FFA_RELINQUISH_FLAGS, rel->flags);
	wire_put32(p + FFA_RELINQUISH_COUNT, rel->endpoint_count);
	for (uint32_t i = 0; i < rel->endpoint_count; i++) {
		wire_put16(p + FFA_RELINQUISH_HDR_SIZE + 2u * i,
			   rel->endpoints[i]);
	}
	return (int)size;
}
