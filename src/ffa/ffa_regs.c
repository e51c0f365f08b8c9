// SPDX-License-Identifier: BSD-2-Clause
/*
 * FF-A register-level calls (FF-A v1.1 EAC0 chapters 13-16, v1.2 ALP1 for
 * DIRECT_REQ2/RESP2): table-driven pack and unpack.
 *
 * Two tables drive everything. `funcs` maps each function ID to its name and
 * argument "kind". `kind_masks` gives, per kind, the bits each of x1..x7
 * may carry; anything else is MBZ. Pack and unpack share the same check
 * (regs_check() plus fields_check()), so whatever we send is something we
 * would accept.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_regs.h>

#include "common/wire.h"

#define W32 UINT64_C(0xFFFFFFFF)
#define X64 UINT64_MAX
#define ID_HI UINT64_C(0xFFFF0000) /* w[31:16]: an endpoint ID */
#define ID_LO UINT64_C(0x0000FFFF) /* w[15:0]: an endpoint ID */

/* The argument shapes. One kind serves every function ID with that shape. */
enum call_kind {
	KIND_NAME_ONLY = 0, /* known name, no pack/unpack support */
	KIND_NONE,
	KIND_VERSION,
	KIND_FEATURES,
	KIND_RXTX_MAP,
	KIND_EP_HI,
	KIND_EP_LO,
	KIND_PARTITION_INFO,
	KIND_DIRECT,
	KIND_DIRECT2_REQ,
	KIND_DIRECT2_RESP,
	KIND_MEM_XFER,
	KIND_RETRIEVE_RESP,
	KIND_RECLAIM,
	KIND_FRAG,
	KIND_SUCCESS,
	KIND_ERROR,
	KIND_COUNT,
};

/*
 * Usable bits of x1..x7 per kind (index 0 is x1), in the SMC64 form; for an
 * SMC32 call only the low 32 bits of each mask apply. Registers beyond x7
 * are payload for DIRECT2 and not part of any other call.
 */
static const uint64_t kind_masks[KIND_COUNT][7] = {
	/* ID_GET, SPM_ID_GET, MEM_RELINQUISH: w1..w7 all MBZ. */
	[KIND_NONE] = { 0 },
	/* w1: caller's version; bit 31 MBZ (§1.1 version word). */
	[KIND_VERSION] = { 0x7FFFFFFF },
	/* w1: function or feature ID; w2: input properties. */
	[KIND_FEATURES] = { W32, W32 },
	/* x1/x2: TX/RX base; w3[5:0]: pages (PROTOCOLS.md §6 notes the
	 * [5:0] vs [4:0] doubt; we take the wider reading). */
	[KIND_RXTX_MAP] = { X64, X64, RHEAP_FFA_RXTX_PAGE_COUNT_MASK },
	/* RXTX_UNMAP w1[31:16]: the endpoint a hypervisor unmaps for. */
	[KIND_EP_HI] = { ID_HI },
	/* RX_RELEASE w1[15:0]: the endpoint a hypervisor releases for. */
	[KIND_EP_LO] = { ID_LO },
	/* w1..w4: UUID; w5 bit 0: count only. */
	[KIND_PARTITION_INFO] = { W32, W32, W32, W32,
				  RHEAP_FFA_PARTITION_INFO_FLAG_COUNT_ONLY },
	/* w1: sender/receiver; w2: framework flag + type; w3..w7 payload. */
	[KIND_DIRECT] = { W32,
			  RHEAP_FFA_DIRECT_FLAG_FRAMEWORK |
				  RHEAP_FFA_DIRECT_FLAG_TYPE_MASK,
			  X64, X64, X64, X64, X64 },
	/* x1: sender/receiver; x2/x3: UUID; x4..x17: payload (v1.2). */
	[KIND_DIRECT2_REQ] = { W32, X64, X64, X64, X64, X64, X64 },
	/* The response names no service: x2/x3 MBZ. */
	[KIND_DIRECT2_RESP] = { W32, 0, 0, X64, X64, X64, X64 },
	/* w1 total, w2 fragment, x3 buffer address, w4 buffer pages. */
	[KIND_MEM_XFER] = { W32, W32, X64, W32 },
	/* w1 total, w2 fragment length in the RX buffer. */
	[KIND_RETRIEVE_RESP] = { W32, W32 },
	/* w1/w2 handle, w3 flags (bit 0 clear, bit 1 time slicing). */
	[KIND_RECLAIM] = { W32, W32, ~(uint64_t)FFA_RECLAIM_FLAGS_MBZ_MASK & W32 },
	/* w1/w2 handle, w3 offset or length, w4[31:16] forwarded sender. */
	[KIND_FRAG] = { W32, W32, W32, ID_HI },
	/* w1 target info; w2..w7 results, ABI-specific, so unchecked. */
	[KIND_SUCCESS] = { W32, X64, X64, X64, X64, X64, X64 },
	/* w1 target info; w2 status; w3..w7 MBZ. */
	[KIND_ERROR] = { W32, W32 },
};

struct func_entry {
	uint32_t func;
	const char *name;
	enum call_kind kind;
};

/* The name is the macro's own spelling, so table and header cannot drift. */
#define FUNC(id, kind) { id, #id, kind }

/* Every ID in ffa_abi.h; PROTOCOLS.md §1.1 and §1.4 give the shapes. */
static const struct func_entry funcs[] = {
	FUNC(FFA_ERROR, KIND_ERROR),
	FUNC(FFA_SUCCESS_32, KIND_SUCCESS),
	FUNC(FFA_SUCCESS_64, KIND_SUCCESS),
	FUNC(FFA_INTERRUPT, KIND_NAME_ONLY),
	FUNC(FFA_VERSION, KIND_VERSION),
	FUNC(FFA_FEATURES, KIND_FEATURES),
	FUNC(FFA_RX_RELEASE, KIND_EP_LO),
	FUNC(FFA_RXTX_MAP_32, KIND_RXTX_MAP),
	FUNC(FFA_RXTX_MAP_64, KIND_RXTX_MAP),
	FUNC(FFA_RXTX_UNMAP, KIND_EP_HI),
	FUNC(FFA_PARTITION_INFO_GET, KIND_PARTITION_INFO),
	FUNC(FFA_ID_GET, KIND_NONE),
	FUNC(FFA_MSG_WAIT, KIND_NAME_ONLY),
	FUNC(FFA_YIELD, KIND_NAME_ONLY),
	FUNC(FFA_RUN, KIND_NAME_ONLY),
	FUNC(FFA_MSG_SEND_DIRECT_REQ_32, KIND_DIRECT),
	FUNC(FFA_MSG_SEND_DIRECT_REQ_64, KIND_DIRECT),
	FUNC(FFA_MSG_SEND_DIRECT_RESP_32, KIND_DIRECT),
	FUNC(FFA_MSG_SEND_DIRECT_RESP_64, KIND_DIRECT),
	FUNC(FFA_MEM_DONATE_32, KIND_MEM_XFER),
	FUNC(FFA_MEM_DONATE_64, KIND_MEM_XFER),
	FUNC(FFA_MEM_LEND_32, KIND_MEM_XFER),
	FUNC(FFA_MEM_LEND_64, KIND_MEM_XFER),
	FUNC(FFA_MEM_SHARE_32, KIND_MEM_XFER),
	FUNC(FFA_MEM_SHARE_64, KIND_MEM_XFER),
	FUNC(FFA_MEM_RETRIEVE_REQ_32, KIND_MEM_XFER),
	FUNC(FFA_MEM_RETRIEVE_REQ_64, KIND_MEM_XFER),
	FUNC(FFA_MEM_RETRIEVE_RESP, KIND_RETRIEVE_RESP),
	FUNC(FFA_MEM_RELINQUISH, KIND_NONE),
	FUNC(FFA_MEM_RECLAIM, KIND_RECLAIM),
	FUNC(FFA_MEM_FRAG_RX, KIND_FRAG),
	FUNC(FFA_MEM_FRAG_TX, KIND_FRAG),
	FUNC(FFA_SPM_ID_GET, KIND_NONE),
	FUNC(FFA_MSG_SEND_DIRECT_REQ2, KIND_DIRECT2_REQ),
	FUNC(FFA_MSG_SEND_DIRECT_RESP2, KIND_DIRECT2_RESP),
};

/*
 * Linear search: 35 entries, and callers decode one call per SMC. A sorted
 * table would save nothing measurable and add an ordering invariant.
 */
static const struct func_entry *func_find(uint32_t func)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (funcs[i].func == func) {
			return &funcs[i];
		}
	}
	return NULL;
}

const char *rheap_ffa_func_name(uint32_t func)
{
	const struct func_entry *fe = func_find(func);

	return fe ? fe->name : NULL;
}

/* SMCCC: bit 30 of the function ID selects the 64-bit convention. */
bool rheap_ffa_func_is_64(uint32_t func)
{
	return (func & RHEAP_FFA_FUNC_SMC64_BIT) != 0;
}

/* Indexed by -status; FF-A v1.1 Table 7.1 plus NOT_READY (v1.2). */
static const char *const status_names[] = {
	"SUCCESS",	 "NOT_SUPPORTED", "INVALID_PARAMETERS",
	"NO_MEMORY",	 "BUSY",	  "INTERRUPTED",
	"DENIED",	 "RETRY",	  "ABORTED",
	"NO_DATA",	 "NOT_READY",
};

const char *rheap_ffa_status_name(int32_t status)
{
	if (status > 0 ||
	    status < -(int32_t)(sizeof(status_names) / sizeof(status_names[0]) -
				1)) {
		return NULL;
	}
	return status_names[-status];
}

static const char *const reg_names_w[] = { "w0", "w1", "w2", "w3",
					   "w4", "w5", "w6", "w7" };
static const char *const reg_names_x[] = { "x0", "x1", "x2", "x3",
					   "x4", "x5", "x6", "x7" };

/* MBZ check of x1..x7 against the kind's masks. */
static int regs_check(const struct func_entry *fe, const uint64_t *x,
		      struct rheap_diag *diag)
{
	bool is64 = rheap_ffa_func_is_64(fe->func);

	for (int r = 1; r <= 7; r++) {
		uint64_t mask = kind_masks[fe->kind][r - 1];

		if (!is64) {
			mask &= W32;
		}
		if (x[r] & ~mask) {
			return wire_reject_lim(diag,
					       is64 ? reg_names_x[r]
						    : reg_names_w[r],
					       x[r], "has MBZ bits set; allowed",
					       mask);
		}
	}
	return 0;
}

/* §1.10: handles travel as low word then high word. */
static uint64_t handle_join(uint64_t lo, uint64_t hi)
{
	return (lo & W32) | (hi & W32) << 32;
}

/* Registers (already masked for SMC32 and MBZ-checked) to fields. */
static void regs_to_call(enum call_kind kind, const uint64_t *x,
			 struct rheap_ffa_call *c)
{
	switch (kind) {
	case KIND_VERSION:
		c->args.version.version = (uint32_t)x[1];
		break;
	case KIND_FEATURES:
		c->args.features.feature_id = (uint32_t)x[1];
		c->args.features.properties = (uint32_t)x[2];
		break;
	case KIND_RXTX_MAP:
		c->args.rxtx_map.tx_address = x[1];
		c->args.rxtx_map.rx_address = x[2];
		c->args.rxtx_map.page_count = (uint32_t)x[3];
		break;
	case KIND_EP_HI:
		c->args.endpoint.endpoint_id = (uint16_t)(x[1] >> 16);
		break;
	case KIND_EP_LO:
		c->args.endpoint.endpoint_id = (uint16_t)x[1];
		break;
	case KIND_PARTITION_INFO:
		for (int i = 0; i < 4; i++) {
			c->args.partition_info.uuid[i] = (uint32_t)x[1 + i];
		}
		c->args.partition_info.flags = (uint32_t)x[5];
		break;
	case KIND_DIRECT:
		c->args.direct.sender_id = (uint16_t)(x[1] >> 16);
		c->args.direct.receiver_id = (uint16_t)x[1];
		c->args.direct.flags = (uint32_t)x[2];
		for (int i = 0; i < 5; i++) {
			c->args.direct.payload[i] = x[3 + i];
		}
		break;
	case KIND_DIRECT2_REQ:
	case KIND_DIRECT2_RESP:
		c->args.direct2.sender_id = (uint16_t)(x[1] >> 16);
		c->args.direct2.receiver_id = (uint16_t)x[1];
		c->args.direct2.uuid[0] = x[2];
		c->args.direct2.uuid[1] = x[3];
		for (int i = 0; i < 14; i++) {
			c->args.direct2.payload[i] = x[4 + i];
		}
		break;
	case KIND_MEM_XFER:
		c->args.mem_xfer.total_length = (uint32_t)x[1];
		c->args.mem_xfer.fragment_length = (uint32_t)x[2];
		c->args.mem_xfer.address = x[3];
		c->args.mem_xfer.page_count = (uint32_t)x[4];
		break;
	case KIND_RETRIEVE_RESP:
		c->args.retrieve_resp.total_length = (uint32_t)x[1];
		c->args.retrieve_resp.fragment_length = (uint32_t)x[2];
		break;
	case KIND_RECLAIM:
		c->args.reclaim.handle = handle_join(x[1], x[2]);
		c->args.reclaim.flags = (uint32_t)x[3];
		break;
	case KIND_FRAG:
		c->args.frag.handle = handle_join(x[1], x[2]);
		c->args.frag.value = (uint32_t)x[3];
		c->args.frag.sender_id = (uint16_t)(x[4] >> 16);
		break;
	case KIND_SUCCESS:
		c->args.success.target = (uint32_t)x[1];
		for (int i = 0; i < 6; i++) {
			c->args.success.result[i] = x[2 + i];
		}
		break;
	case KIND_ERROR:
		c->args.error.target = (uint32_t)x[1];
		/* Zero-extended in x2 (§1.2): the low word is the status. */
		c->args.error.status = (int32_t)(uint32_t)x[2];
		break;
	case KIND_NONE:
	case KIND_NAME_ONLY:
	case KIND_COUNT:
	default:
		break;
	}
}

/* Fields to registers, unchecked: regs_check() runs on the result. */
static void call_to_regs(enum call_kind kind, const struct rheap_ffa_call *c,
			 uint64_t *x)
{
	switch (kind) {
	case KIND_VERSION:
		x[1] = c->args.version.version;
		break;
	case KIND_FEATURES:
		x[1] = c->args.features.feature_id;
		x[2] = c->args.features.properties;
		break;
	case KIND_RXTX_MAP:
		x[1] = c->args.rxtx_map.tx_address;
		x[2] = c->args.rxtx_map.rx_address;
		x[3] = c->args.rxtx_map.page_count;
		break;
	case KIND_EP_HI:
		x[1] = (uint64_t)c->args.endpoint.endpoint_id << 16;
		break;
	case KIND_EP_LO:
		x[1] = c->args.endpoint.endpoint_id;
		break;
	case KIND_PARTITION_INFO:
		for (int i = 0; i < 4; i++) {
			x[1 + i] = c->args.partition_info.uuid[i];
		}
		x[5] = c->args.partition_info.flags;
		break;
	case KIND_DIRECT:
		x[1] = (uint64_t)c->args.direct.sender_id << 16 |
		       c->args.direct.receiver_id;
		x[2] = c->args.direct.flags;
		for (int i = 0; i < 5; i++) {
			x[3 + i] = c->args.direct.payload[i];
		}
		break;
	case KIND_DIRECT2_REQ:
	case KIND_DIRECT2_RESP:
		x[1] = (uint64_t)c->args.direct2.sender_id << 16 |
		       c->args.direct2.receiver_id;
		x[2] = c->args.direct2.uuid[0];
		x[3] = c->args.direct2.uuid[1];
		for (int i = 0; i < 14; i++) {
			x[4 + i] = c->args.direct2.payload[i];
		}
		break;
	case KIND_MEM_XFER:
		x[1] = c->args.mem_xfer.total_length;
		x[2] = c->args.mem_xfer.fragment_length;
		x[3] = c->args.mem_xfer.address;
		x[4] = c->args.mem_xfer.page_count;
		break;
	case KIND_RETRIEVE_RESP:
		x[1] = c->args.retrieve_resp.total_length;
		x[2] = c->args.retrieve_resp.fragment_length;
		break;
	case KIND_RECLAIM:
		x[1] = c->args.reclaim.handle & W32;
		x[2] = c->args.reclaim.handle >> 32;
		x[3] = c->args.reclaim.flags;
		break;
	case KIND_FRAG:
		x[1] = c->args.frag.handle & W32;
		x[2] = c->args.frag.handle >> 32;
		x[3] = c->args.frag.value;
		x[4] = (uint64_t)c->args.frag.sender_id << 16;
		break;
	case KIND_SUCCESS:
		x[1] = c->args.success.target;
		for (int i = 0; i < 6; i++) {
			x[2 + i] = c->args.success.result[i];
		}
		break;
	case KIND_ERROR:
		x[1] = c->args.error.target;
		/* Status codes travel zero-extended (PROTOCOLS.md §1.2). */
		x[2] = (uint32_t)c->args.error.status;
		break;
	case KIND_NONE:
	case KIND_NAME_ONLY:
	case KIND_COUNT:
	default:
		break;
	}
}

/* A length pair as FF-A uses it: 1 <= fragment <= total. */
static int lengths_check(uint32_t total, uint32_t frag,
			 struct rheap_diag *diag)
{
	if (frag == 0) {
		return wire_reject(diag, "fragment_length", 0,
				   "must be at least 1");
	}
	if (frag > total) {
		return wire_reject_lim(diag, "fragment_length", frag,
				       "exceeds the total length", total);
	}
	return 0;
}

/* Rules on field values beyond the per-register MBZ masks. */
static int fields_check(enum call_kind kind, const struct rheap_ffa_call *c,
			struct rheap_diag *diag)
{
	switch (kind) {
	case KIND_FEATURES:
		/* A feature ID uses bits [7:0] only (FF-A v1.1 §13.3). */
		if (!(c->args.features.feature_id &
		      RHEAP_FFA_FEATURES_FUNC_BIT) &&
		    (c->args.features.feature_id & ~UINT32_C(0xFF))) {
			return wire_reject(diag, "feature_id",
					   c->args.features.feature_id,
					   "has MBZ bits [30:8] set");
		}
		return 0;
	case KIND_RXTX_MAP:
		/*
		 * A zero-page or unaligned mailbox cannot be mapped; refusing
		 * here keeps every consumer from re-checking.
		 */
		if (c->args.rxtx_map.page_count == 0) {
			return wire_reject(diag, "page_count", 0,
					   "must be at least 1");
		}
		if (!wire_aligned(c->args.rxtx_map.tx_address, FFA_PAGE_SIZE)) {
			return wire_reject(diag, "tx_address",
					   c->args.rxtx_map.tx_address,
					   "is not 4 KiB aligned");
		}
		if (!wire_aligned(c->args.rxtx_map.rx_address, FFA_PAGE_SIZE)) {
			return wire_reject(diag, "rx_address",
					   c->args.rxtx_map.rx_address,
					   "is not 4 KiB aligned");
		}
		return 0;
	case KIND_DIRECT:
		/* The type byte means something only in a framework message. */
		if (!(c->args.direct.flags & RHEAP_FFA_DIRECT_FLAG_FRAMEWORK) &&
		    (c->args.direct.flags & RHEAP_FFA_DIRECT_FLAG_TYPE_MASK)) {
			return wire_reject(diag, "flags", c->args.direct.flags,
					   "has a message type without the "
					   "framework bit");
		}
		return 0;
	case KIND_MEM_XFER:
		/* Buffer address and page count come as a pair (§1.4). */
		if ((c->args.mem_xfer.address == 0) !=
		    (c->args.mem_xfer.page_count == 0)) {
			return wire_reject(diag, "page_count",
					   c->args.mem_xfer.page_count,
					   "must be 0 exactly when the address "
					   "is 0");
		}
		return lengths_check(c->args.mem_xfer.total_length,
				     c->args.mem_xfer.fragment_length, diag);
	case KIND_RETRIEVE_RESP:
		return lengths_check(c->args.retrieve_resp.total_length,
				     c->args.retrieve_resp.fragment_length,
				     diag);
	case KIND_RECLAIM:
		/* All ones is reserved as "no handle" (§1.10). */
		if (c->args.reclaim.handle == FFA_HANDLE_INVALID) {
			return wire_reject(diag, "handle",
					   c->args.reclaim.handle,
					   "is the invalid handle");
		}
		return 0;
	case KIND_FRAG:
		if (c->args.frag.handle == FFA_HANDLE_INVALID) {
			return wire_reject(diag, "handle", c->args.frag.handle,
					   "is the invalid handle");
		}
		if (c->func == FFA_MEM_FRAG_TX && c->args.frag.value == 0) {
			return wire_reject(diag, "fragment_length", 0,
					   "must be at least 1");
		}
		return 0;
	case KIND_ERROR:
		/* FFA_ERROR with a non-negative code is not an error. */
		if (c->args.error.status >= 0) {
			return wire_reject(diag, "status",
					   (uint32_t)c->args.error.status,
					   "must be negative");
		}
		return 0;
	default:
		return 0;
	}
}

int rheap_ffa_call_pack(const struct rheap_ffa_call *call,
			struct rheap_ffa_regs *regs)
{
	const struct func_entry *fe = NULL;
	uint64_t x[RHEAP_FFA_REG_COUNT] = { 0 };
	int rc = 0;

	if (!call || !regs) {
		return -EINVAL;
	}
	fe = func_find(call->func);
	if (!fe || fe->kind == KIND_NAME_ONLY) {
		return -EOPNOTSUPP;
	}
	/* Build into a local so @regs is untouched on failure. */
	x[0] = call->func;
	call_to_regs(fe->kind, call, x);
	/* Unmasked: an SMC32 field wider than 32 bits is refused here. */
	rc = regs_check(fe, x, NULL);
	if (rc) {
		return rc;
	}
	rc = fields_check(fe->kind, call, NULL);
	if (rc) {
		return rc;
	}
	for (int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
		regs->x[i] = x[i];
	}
	return 0;
}

int rheap_ffa_call_unpack(const struct rheap_ffa_regs *regs,
			  struct rheap_ffa_call *call, struct rheap_diag *diag)
{
	const struct func_entry *fe = NULL;
	struct rheap_ffa_call c = { 0 };
	uint64_t x[RHEAP_FFA_REG_COUNT] = { 0 };
	uint32_t func = 0;
	int rc = 0;

	if (!regs || !call) {
		return wire_reject(diag, "regs", 0, "is NULL");
	}
	/* SMCCC: the function ID is w0; x0[63:32] is not part of it. */
	func = (uint32_t)regs->x[0];
	fe = func_find(func);
	if (!fe || fe->kind == KIND_NAME_ONLY) {
		return wire_reject_err(diag, -EOPNOTSUPP, "w0",
				       RHEAP_DIAG_NO_INDEX, func,
				       "is not a supported FF-A function",
				       false, 0);
	}
	for (int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
		x[i] = regs->x[i];
	}
	/* SMC32: only w1..w7 are arguments; the upper halves are ignored. */
	if (!rheap_ffa_func_is_64(func)) {
		for (int i = 1; i <= 7; i++) {
			x[i] &= W32;
		}
		for (int i = 8; i < RHEAP_FFA_REG_COUNT; i++) {
			x[i] = 0;
		}
	}
	/* Masks first: the field rules below assume in-range registers. */
	rc = regs_check(fe, x, diag);
	if (rc) {
		return rc;
	}
	c.func = func;
	regs_to_call(fe->kind, x, &c);
	rc = fields_check(fe->kind, &c, diag);
	if (rc) {
		return rc;
	}
	/* Written only now: a rejected call leaves @call as it was. */
	*call = c;
	return 0;
}

static bool u64s_eq(const uint64_t *a, const uint64_t *b, int n)
{
	for (int i = 0; i < n; i++) {
		if (a[i] != b[i]) {
			return false;
		}
	}
	return true;
}

/*
 * Field by field per kind: the union's inactive bytes (and padding) are
 * not part of the value, so memcmp would give false negatives.
 */
bool rheap_ffa_call_eq(const struct rheap_ffa_call *a,
		       const struct rheap_ffa_call *b)
{
	const struct func_entry *fe = NULL;

	if (!a || !b || a->func != b->func) {
		return false;
	}
	fe = func_find(a->func);
	if (!fe) {
		return false;
	}
	switch (fe->kind) {
	case KIND_VERSION:
		return a->args.version.version == b->args.version.version;
	case KIND_FEATURES:
		return a->args.features.feature_id ==
			       b->args.features.feature_id &&
		       a->args.features.properties ==
			       b->args.features.properties;
	case KIND_RXTX_MAP:
		return a->args.rxtx_map.tx_address ==
			       b->args.rxtx_map.tx_address &&
		       a->args.rxtx_map.rx_address ==
			       b->args.rxtx_map.rx_address &&
		       a->args.rxtx_map.page_count ==
			       b->args.rxtx_map.page_count;
	case KIND_EP_HI:
	case KIND_EP_LO:
		return a->args.endpoint.endpoint_id ==
		       b->args.endpoint.endpoint_id;
	case KIND_PARTITION_INFO:
		for (int i = 0; i < 4; i++) {
			if (a->args.partition_info.uuid[i] !=
			    b->args.partition_info.uuid[i]) {
				return false;
			}
		}
		return a->args.partition_info.flags ==
		       b->args.partition_info.flags;
	case KIND_DIRECT:
		return a->args.direct.sender_id == b->args.direct.sender_id &&
		       a->args.direct.receiver_id ==
			       b->args.direct.receiver_id &&
		       a->args.direct.flags == b->args.direct.flags &&
		       u64s_eq(a->args.direct.payload, b->args.direct.payload,
			       5);
	case KIND_DIRECT2_REQ:
	case KIND_DIRECT2_RESP:
		return a->args.direct2.sender_id == b->args.direct2.sender_id &&
		       a->args.direct2.receiver_id ==
			       b->args.direct2.receiver_id &&
		       u64s_eq(a->args.direct2.uuid, b->args.direct2.uuid, 2) &&
		       u64s_eq(a->args.direct2.payload,
			       b->args.direct2.payload, 14);
	case KIND_MEM_XFER:
		return a->args.mem_xfer.total_length ==
			       b->args.mem_xfer.total_length &&
		       a->args.mem_xfer.fragment_length ==
			       b->args.mem_xfer.fragment_length &&
		       a->args.mem_xfer.address == b->args.mem_xfer.address &&
		       a->args.mem_xfer.page_count ==
			       b->args.mem_xfer.page_count;
	case KIND_RETRIEVE_RESP:
		return a->args.retrieve_resp.total_length ==
			       b->args.retrieve_resp.total_length &&
		       a->args.retrieve_resp.fragment_length ==
			       b->args.retrieve_resp.fragment_length;
	case KIND_RECLAIM:
		return a->args.reclaim.handle == b->args.reclaim.handle &&
		       a->args.reclaim.flags == b->args.reclaim.flags;
	case KIND_FRAG:
		return a->args.frag.handle == b->args.frag.handle &&
		       a->args.frag.value == b->args.frag.value &&
		       a->args.frag.sender_id == b->args.frag.sender_id;
	case KIND_SUCCESS:
		return a->args.success.target == b->args.success.target &&
		       u64s_eq(a->args.success.result, b->args.success.result,
			       6);
	case KIND_ERROR:
		return a->args.error.target == b->args.error.target &&
		       a->args.error.status == b->args.error.status;
	case KIND_NONE:
		return true;
	case KIND_NAME_ONLY:
	case KIND_COUNT:
	default:
		return false;
	}
}

/*
 * FFA_VERSION answers in w0 directly (§1.4), so it cannot go through the
 * function-ID table: w0 there is a version, not an ID.
 */
int rheap_ffa_version_ret_pack(uint32_t version, struct rheap_ffa_regs *regs)
{
	if (!regs) {
		return -EINVAL;
	}
	if ((version & FFA_VERSION_MBZ_BIT) &&
	    version != RHEAP_FFA_VERSION_NOT_SUPPORTED) {
		return -EINVAL;
	}
	for (int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
		regs->x[i] = 0;
	}
	regs->x[0] = version;
	return 0;
}

int rheap_ffa_version_ret_unpack(const struct rheap_ffa_regs *regs,
				 uint32_t *version, struct rheap_diag *diag)
{
	uint32_t w0 = 0;

	if (!regs || !version) {
		return wire_reject(diag, "regs", 0, "is NULL");
	}
	/*
	 * The return is w0 only: a version, or NOT_SUPPORTED (-1). Any other
	 * value with bit 31 set is neither.
	 */
	w0 = (uint32_t)regs->x[0];
	if ((w0 & FFA_VERSION_MBZ_BIT) &&
	    w0 != RHEAP_FFA_VERSION_NOT_SUPPORTED) {
		return wire_reject(diag, "w0", w0,
				   "is neither a version nor NOT_SUPPORTED");
	}
	*version = w0;
	return 0;
}
