/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * FF-A register-level calls: pack a call into the 18 SMC argument registers
 * and unpack (and validate) one received from another endpoint.
 *
 * Pure codec, freestanding, like ffa_desc.h. One FF-A message is the
 * register file x0..x17 of an SMC/HVC/ERET conduit (SMCCC v1.2): w0 holds
 * the function ID, the rest the arguments listed in the FF-A ABI tables
 * (PROTOCOLS.md §1.4).
 *
 * A call is represented as `struct rheap_ffa_call`: the function ID plus a
 * union member chosen by the ID's "kind" (the shape of its arguments, one
 * shape shared by e.g. MEM_SHARE/LEND/DONATE/RETRIEVE_REQ in both widths).
 * rheap_ffa_call_pack() and rheap_ffa_call_unpack() are driven by one table
 * of function IDs and one table of per-kind register masks, so adding an ABI
 * is a table row, not a function.
 *
 * Receive-side rules applied by rheap_ffa_call_unpack():
 *  - SMC32 calls (w0 bit 30 clear): only w0..w7 exist; the upper 32 bits of
 *    x0..x7 are ignored (masked) as SMCCC requires, and x8..x17 are not read.
 *  - SMC64 calls: x1..x7 are read whole; x8..x17 are read only by
 *    MSG_SEND_DIRECT_REQ2/RESP2, which carry payload there (FF-A v1.2).
 *  - Any register or bit that the call's table row does not use is MBZ:
 *    a set bit is -EINVAL with the register named in the diagnostic
 *    ("w3", "x2", ...).
 *  - Field rules a receiver must apply before acting (fragment length not
 *    above total length, framework-message flags, ...) are listed per kind.
 *
 * Translating FF-A status codes to or from errno is NOT done here: the SPMC
 * ABI handler is the one place for that (STYLE.md rule 6). FFA_ERROR is
 * packed and unpacked with its raw status code.
 */
#ifndef RHEAP_FFA_REGS_H
#define RHEAP_FFA_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/ffa_abi.h>

/** Number of argument registers in one FF-A message (x0..x17). */
#define RHEAP_FFA_REG_COUNT 18

/** FFA_VERSION return value when the callee supports no compatible version. */
#define RHEAP_FFA_VERSION_NOT_SUPPORTED UINT32_C(0xFFFFFFFF)

/** SMCCC: function ID bit 30 selects the SMC64 calling convention. */
#define RHEAP_FFA_FUNC_SMC64_BIT (UINT32_C(1) << 30)

/** FFA_MSG_SEND_DIRECT_REQ/RESP w2: framework message and its type. */
#define RHEAP_FFA_DIRECT_FLAG_FRAMEWORK (UINT32_C(1) << 31)
#define RHEAP_FFA_DIRECT_FLAG_TYPE_MASK UINT32_C(0xFF)

/** FFA_PARTITION_INFO_GET w5 bit 0: return the count only. */
#define RHEAP_FFA_PARTITION_INFO_FLAG_COUNT_ONLY UINT32_C(0x1)

/** FFA_FEATURES w1 bit 31: the ID is a function ID, else a feature ID. */
#define RHEAP_FFA_FEATURES_FUNC_BIT (UINT32_C(1) << 31)

/** FFA_RXTX_MAP w3: page count field, bits [5:0] (FF-A v1.1 Table 13.20). */
#define RHEAP_FFA_RXTX_PAGE_COUNT_MASK UINT32_C(0x3F)

/**
 * struct rheap_ffa_regs - one FF-A message
 * @x: x0..x17; x0 (w0) is the function ID, or the version for the
 *     FFA_VERSION return
 */
struct rheap_ffa_regs {
	uint64_t x[RHEAP_FFA_REG_COUNT];
};

/** struct rheap_ffa_args_version - FFA_VERSION request: w1 = caller version. */
struct rheap_ffa_args_version {
	uint32_t version; /* bit 31 MBZ */
};

/**
 * struct rheap_ffa_args_features - FFA_FEATURES request
 * @feature_id: w1: a function ID (bit 31 set) or a feature ID in [7:0]
 *              (bits [30:8] MBZ)
 * @properties: w2: input properties (meaning depends on @feature_id)
 */
struct rheap_ffa_args_features {
	uint32_t feature_id;
	uint32_t properties;
};

/**
 * struct rheap_ffa_args_rxtx_map - FFA_RXTX_MAP_32/64
 * @tx_address: x1 (w1 for SMC32), 4 KiB aligned
 * @rx_address: x2 (w2 for SMC32), 4 KiB aligned
 * @page_count: w3[5:0], 4 KiB pages per buffer, >= 1
 */
struct rheap_ffa_args_rxtx_map {
	uint64_t tx_address;
	uint64_t rx_address;
	uint32_t page_count;
};

/**
 * struct rheap_ffa_args_endpoint - one endpoint ID argument
 * @endpoint_id: FFA_RXTX_UNMAP: w1[31:16]; FFA_RX_RELEASE: w1[15:0]. 0 when
 *               the caller acts for itself.
 */
struct rheap_ffa_args_endpoint {
	uint16_t endpoint_id;
};

/**
 * struct rheap_ffa_args_partition_info - FFA_PARTITION_INFO_GET
 * @uuid:  w1..w4, the UUID words as the spec packs them (all zero: all
 *         partitions)
 * @flags: w5, RHEAP_FFA_PARTITION_INFO_FLAG_*; other bits MBZ
 */
struct rheap_ffa_args_partition_info {
	uint32_t uuid[4];
	uint32_t flags;
};

/**
 * struct rheap_ffa_args_direct - FFA_MSG_SEND_DIRECT_REQ/RESP (32 and 64)
 * @sender_id:   w1[31:16]
 * @receiver_id: w1[15:0]
 * @flags:       w2: RHEAP_FFA_DIRECT_FLAG_FRAMEWORK and, only when it is
 *               set, a message type in [7:0]; all other bits MBZ
 * @payload:     w3..w7 (x3..x7 for SMC64); 32-bit values for SMC32
 */
struct rheap_ffa_args_direct {
	uint16_t sender_id;
	uint16_t receiver_id;
	uint32_t flags;
	uint64_t payload[5];
};

/**
 * struct rheap_ffa_args_direct2 - FFA_MSG_SEND_DIRECT_REQ2/RESP2 (v1.2)
 * @sender_id:   x1[31:16] (x1[63:32] MBZ)
 * @receiver_id: x1[15:0]
 * @uuid:        REQ2: x2 (low half), x3 (high half); RESP2: MBZ, 0
 * @payload:     x4..x17
 */
struct rheap_ffa_args_direct2 {
	uint16_t sender_id;
	uint16_t receiver_id;
	uint64_t uuid[2];
	uint64_t payload[14];
};

/**
 * struct rheap_ffa_args_mem_xfer - FFA_MEM_SHARE/LEND/DONATE/RETRIEVE_REQ
 * @total_length:    w1, whole descriptor, >= 1
 * @fragment_length: w2, bytes in this call, 1..@total_length
 * @address:         x3 (w3 for SMC32): caller buffer, 0 = TX buffer
 * @page_count:      w4: pages of that buffer; 0 iff @address is 0
 */
struct rheap_ffa_args_mem_xfer {
	uint32_t total_length;
	uint32_t fragment_length;
	uint64_t address;
	uint32_t page_count;
};

/**
 * struct rheap_ffa_args_retrieve_resp - FFA_MEM_RETRIEVE_RESP
 * @total_length:    w1, >= 1
 * @fragment_length: w2, 1..@total_length
 */
struct rheap_ffa_args_retrieve_resp {
	uint32_t total_length;
	uint32_t fragment_length;
};

/**
 * struct rheap_ffa_args_reclaim - FFA_MEM_RECLAIM
 * @handle: w1 (low half) | w2 << 32; not FFA_HANDLE_INVALID
 * @flags:  w3: FFA_RECLAIM_FLAG_*; bits [31:2] MBZ
 */
struct rheap_ffa_args_reclaim {
	uint64_t handle;
	uint32_t flags;
};

/**
 * struct rheap_ffa_args_frag - FFA_MEM_FRAG_RX / FFA_MEM_FRAG_TX
 * @handle:    w1 (low half) | w2 << 32; not FFA_HANDLE_INVALID
 * @value:     w3: FRAG_RX: offset of the next fragment (bytes received);
 *             FRAG_TX: length of this fragment (>= 1)
 * @sender_id: w4[31:16]: endpoint a hypervisor forwards for, else 0;
 *             w4[15:0] MBZ
 */
struct rheap_ffa_args_frag {
	uint64_t handle;
	uint32_t value;
	uint16_t sender_id;
};

/**
 * struct rheap_ffa_args_success - FFA_SUCCESS_32/64
 * @target: w1 (target information, or 0)
 * @result: w2..w7 (x2..x7 for SUCCESS_64), ABI-specific results; 32-bit
 *          values for SUCCESS_32. E.g. a memory send: w2/w3 = handle
 *          low/high; FFA_ID_GET: w2[15:0] = ID.
 */
struct rheap_ffa_args_success {
	uint32_t target;
	uint64_t result[6];
};

/**
 * struct rheap_ffa_args_error - FFA_ERROR
 * @target: w1 (target information, or 0)
 * @status: w2 as a signed 32-bit FF-A status: negative (enum ffa_status
 *          or a future code); 0 and positive values are invalid
 */
struct rheap_ffa_args_error {
	uint32_t target;
	int32_t status;
};

/**
 * struct rheap_ffa_call - one FF-A call, decoded
 * @func: function ID (FFA_* in ffa_abi.h); selects the union member:
 *
 *   FFA_VERSION                               @args.version
 *   FFA_FEATURES                              @args.features
 *   FFA_ID_GET, FFA_SPM_ID_GET, FFA_MEM_RELINQUISH   (no arguments)
 *   FFA_RXTX_MAP_32/64                        @args.rxtx_map
 *   FFA_RXTX_UNMAP, FFA_RX_RELEASE            @args.endpoint
 *   FFA_PARTITION_INFO_GET                    @args.partition_info
 *   FFA_MSG_SEND_DIRECT_REQ/RESP_32/64        @args.direct
 *   FFA_MSG_SEND_DIRECT_REQ2/RESP2            @args.direct2
 *   FFA_MEM_SHARE/LEND/DONATE/RETRIEVE_REQ_32/64  @args.mem_xfer
 *   FFA_MEM_RETRIEVE_RESP                     @args.retrieve_resp
 *   FFA_MEM_RECLAIM                           @args.reclaim
 *   FFA_MEM_FRAG_RX, FFA_MEM_FRAG_TX          @args.frag
 *   FFA_SUCCESS_32/64                         @args.success
 *   FFA_ERROR                                 @args.error
 * @args: the arguments
 *
 * Compare two calls with rheap_ffa_call_eq(), never memcmp (the union has
 * unused bytes).
 */
struct rheap_ffa_call {
	uint32_t func;
	union {
		struct rheap_ffa_args_version version;
		struct rheap_ffa_args_features features;
		struct rheap_ffa_args_rxtx_map rxtx_map;
		struct rheap_ffa_args_endpoint endpoint;
		struct rheap_ffa_args_partition_info partition_info;
		struct rheap_ffa_args_direct direct;
		struct rheap_ffa_args_direct2 direct2;
		struct rheap_ffa_args_mem_xfer mem_xfer;
		struct rheap_ffa_args_retrieve_resp retrieve_resp;
		struct rheap_ffa_args_reclaim reclaim;
		struct rheap_ffa_args_frag frag;
		struct rheap_ffa_args_success success;
		struct rheap_ffa_args_error error;
	} args;
};

/**
 * rheap_ffa_call_pack() - write a call into registers
 * @call: the call; its fields must obey the rules documented on the args
 *        structs (the same ones rheap_ffa_call_unpack() enforces)
 * @regs: output; every register is written (unused ones are zeroed)
 *
 * For an SMC32 call, values wider than 32 bits (a payload word, an
 * address) are refused rather than truncated.
 *
 * Return: 0; -EINVAL if a field breaks its rule or does not fit its
 * register (diag not filled: the caller owns the value); -EOPNOTSUPP if
 * @call->func is not in the table.
 */
int rheap_ffa_call_pack(const struct rheap_ffa_call *call,
			struct rheap_ffa_regs *regs);

/**
 * rheap_ffa_call_unpack() - decode and validate a received call
 * @regs: registers as received (untrusted)
 * @call: output; written only on success
 * @diag: optional; on failure names the register ("w2", "x5") or the field
 *        ("fragment_length", "flags") and its value
 *
 * Return: 0; -EOPNOTSUPP for a function ID not in the table (diag field
 * "w0"); -EINVAL for a set MBZ bit or a field breaking its rule.
 */
int rheap_ffa_call_unpack(const struct rheap_ffa_regs *regs,
			  struct rheap_ffa_call *call, struct rheap_diag *diag);

/**
 * rheap_ffa_call_eq() - field-wise equality of two calls
 *
 * Compares @func and the union member it selects. Return: true if equal;
 * false for different or unknown function IDs.
 */
bool rheap_ffa_call_eq(const struct rheap_ffa_call *a,
		       const struct rheap_ffa_call *b);

/**
 * rheap_ffa_version_ret_pack() - write the FFA_VERSION return
 * @version: the callee's version, or RHEAP_FFA_VERSION_NOT_SUPPORTED
 * @regs:    output: w0 = @version, everything else 0
 *
 * FFA_VERSION is the one call whose return is not FFA_SUCCESS/FFA_ERROR.
 *
 * Return: 0; -EINVAL if @version has bit 31 set and is not
 * RHEAP_FFA_VERSION_NOT_SUPPORTED.
 */
int rheap_ffa_version_ret_pack(uint32_t version, struct rheap_ffa_regs *regs);

/**
 * rheap_ffa_version_ret_unpack() - read the FFA_VERSION return
 * @regs:    registers as received (untrusted); only w0 is meaningful
 * @version: out: the callee's version, or RHEAP_FFA_VERSION_NOT_SUPPORTED
 * @diag:    optional
 *
 * Return: 0; -EINVAL if w0 has bit 31 set and is not NOT_SUPPORTED.
 */
int rheap_ffa_version_ret_unpack(const struct rheap_ffa_regs *regs,
				 uint32_t *version, struct rheap_diag *diag);

/**
 * rheap_ffa_func_name() - "FFA_MEM_SHARE_64", ... for a function ID
 *
 * Knows every ID defined in ffa_abi.h. Return: a static string, or NULL
 * for an unknown ID.
 */
const char *rheap_ffa_func_name(uint32_t func);

/**
 * rheap_ffa_func_is_64() - whether @func uses the SMC64 convention
 */
bool rheap_ffa_func_is_64(uint32_t func);

/**
 * rheap_ffa_status_name() - "NOT_SUPPORTED", "INVALID_PARAMETERS", ...
 * @status: an FF-A status (w2 of FFA_ERROR), 0 gives "SUCCESS"
 *
 * Return: a static string, or NULL for an unknown status.
 */
const char *rheap_ffa_status_name(int32_t status);

#endif /* RHEAP_FFA_REGS_H */
