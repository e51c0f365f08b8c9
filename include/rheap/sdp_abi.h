/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Command ABI of the rheap SDP secure partition (FF-A endpoint 0x8001 on the
 * default board), for the normal world (rheapd, the future Linux driver).
 *
 * Transport: FFA_MSG_SEND_DIRECT_REQ_32 or _64 to the partition; the answer
 * is FFA_MSG_SEND_DIRECT_RESP of the same width. The shape follows OP-TEE's
 * protected-memory ABI over FF-A (one command word, small arguments, the
 * FF-A handle split in two 32-bit halves), so every argument and result is
 * a 32-bit value and the whole ABI works with the 32-bit calls:
 *
 *   request   w3[15:0]  command (SDP_CMD_*)
 *             w3[31:16] command flags (SDP_*_FLAG_*; MBZ unless the
 *                       command defines them)
 *             w4..w7    arguments; unused ones MBZ
 *   response  w3        status: 0, or a negative errno of
 *                       include/rheap/err.h as a two's-complement 32-bit
 *                       value (cast w3 to int32_t); SDP_STATUS_* below
 *             w4..w7    results; 0 when the command defines none or fails
 *
 * With the 64-bit calls, x3..x7 carry the same 32-bit values zero-extended:
 * a request whose upper halves are not zero is refused (-EINVAL), and the
 * upper halves of a response are zero. w2 (the FF-A flags) must be 0:
 * framework messages are refused with -EOPNOTSUPP.
 *
 * Buffers. A restricted buffer is named by a 32-bit buffer ID:
 *
 *   SDP_BUF_ID_PARAM (0)          the caller's registered parameter area:
 *                                 normal-world (NS) memory, see below
 *   SDP_BUF_ID_STATIC_BIT | n     the static pool with index n in the
 *                                 platform's pool table (the order of the
 *                                 DT's reserved-memory children)
 *   anything else (bit 31 clear)  a chunk the caller assigned; ASSIGN
 *                                 returns the ID. Bits [30:16] are a
 *                                 generation, so an ID goes stale when the
 *                                 chunk is released and is never reused
 *                                 for another chunk by accident.
 *
 * Parameter area. Commands whose arguments do not fit in registers
 * (INJECT, TRANSFORM, DUMP, DECRYPT) take a parameter struct from a buffer
 * the caller FFA_MEM_SHAREs with the partition once and registers with
 * SDP_CMD_REGISTER_PARAM_SHM; w4 = byte offset of the struct in that area
 * (8-aligned), w5 = its size (exactly the struct's size). The partition
 * copies the struct once before looking at it. Input and output data of
 * the copy services live in the same area (buffer ID SDP_BUF_ID_PARAM).
 *
 * Every structure is little-endian with the layout pinned below; reserved
 * fields are MBZ. docs/sdp-abi.md describes each command in full.
 */
#ifndef RHEAP_SDP_ABI_H
#define RHEAP_SDP_ABI_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

/* ABI version (SDP_CMD_GET_VERSION). */
#define SDP_ABI_VERSION_MAJOR 1u
#define SDP_ABI_VERSION_MINOR 0u

/* w3 of a request. */
#define SDP_CMD_MASK 0x0000FFFFu
#define SDP_CMD_FLAGS_SHIFT 16

/**
 * enum sdp_cmd - command IDs (w3[15:0])
 * @SDP_CMD_GET_VERSION:        w4 = major, w5 = minor
 * @SDP_CMD_GET_PROTMEM_CONFIG: static pool ranges of a use case
 * @SDP_CMD_GET_LEND_CONFIG:    dynamic lending parameters of a use case
 * @SDP_CMD_ASSIGN:             take a lent chunk as restricted memory
 * @SDP_CMD_RELEASE:            give an assigned chunk back (relinquish)
 * @SDP_CMD_SCRUB:              zero a page range of a restricted buffer
 * @SDP_CMD_ATTACH:             map a buffer range for a secure device
 * @SDP_CMD_DETACH:             undo one ATTACH
 * @SDP_CMD_REGISTER_PARAM_SHM: retrieve the caller's shared parameter area
 * @SDP_CMD_UNREGISTER_PARAM_SHM: relinquish it
 * @SDP_CMD_INJECT:             NS bytes -> restricted buffer
 * @SDP_CMD_TRANSFORM:          restricted buffer, in place: b = ~b + 1
 * @SDP_CMD_DUMP:               restricted bytes -> NS (debug boards only)
 * @SDP_CMD_DECRYPT:            CENC 'cenc' sample, NS -> restricted
 */
enum sdp_cmd {
	SDP_CMD_GET_VERSION = 0x0001,
	SDP_CMD_GET_PROTMEM_CONFIG = 0x0002,
	SDP_CMD_GET_LEND_CONFIG = 0x0003,
	SDP_CMD_ASSIGN = 0x0010,
	SDP_CMD_RELEASE = 0x0011,
	SDP_CMD_SCRUB = 0x0012,
	SDP_CMD_ATTACH = 0x0020,
	SDP_CMD_DETACH = 0x0021,
	SDP_CMD_REGISTER_PARAM_SHM = 0x0030,
	SDP_CMD_UNREGISTER_PARAM_SHM = 0x0031,
	SDP_CMD_INJECT = 0x0040,
	SDP_CMD_TRANSFORM = 0x0041,
	SDP_CMD_DUMP = 0x0042,
	SDP_CMD_DECRYPT = 0x0043,
};

/* SDP_CMD_ATTACH flag (w3[31:16]): the device may write the buffer. */
#define SDP_ATTACH_FLAG_WRITE 0x0001u

/* Status values of w3 in a response (negative errno, two's complement). */
#define SDP_STATUS_OK 0u
#define SDP_STATUS_EPERM 0xFFFFFFFFu      /* -1: caller or device not allowed */
#define SDP_STATUS_ENOENT 0xFFFFFFFEu     /* -2: unknown handle/buffer/stream */
#define SDP_STATUS_ENOMEM 0xFFFFFFF4u     /* -12: a table or IOVA space is full */
#define SDP_STATUS_EBUSY 0xFFFFFFF0u      /* -16: still in use */
#define SDP_STATUS_EINVAL 0xFFFFFFEAu     /* -22: malformed argument */
#define SDP_STATUS_ENOSPC 0xFFFFFFE4u     /* -28: output range too small */
#define SDP_STATUS_EOVERFLOW 0xFFFFFFB5u  /* -75: arithmetic would wrap */
#define SDP_STATUS_EOPNOTSUPP 0xFFFFFFA1u /* -95: unknown command/feature */

/* Buffer IDs. */
#define SDP_BUF_ID_PARAM 0u
#define SDP_BUF_ID_STATIC_BIT 0x80000000u

/* SDP_CMD_GET_PROTMEM_CONFIG sizes and offsets count 4 KiB pages. */
#define SDP_PAGE_SIZE 4096u

/* Parameter structs: alignment of their offset in the area. */
#define SDP_PARAM_ALIGN 8u

/* Most subsamples one DECRYPT may name. */
#define SDP_MAX_SUBSAMPLES 256u

/* CENC key ID size. */
#define SDP_KID_SIZE 16u

/**
 * struct sdp_abi_memref - a range of a buffer (in a parameter struct)
 * @buf_id:   SDP_BUF_ID_PARAM for the parameter area, else a restricted
 *            buffer ID
 * @reserved: MBZ
 * @offset:   first byte, from the start of the buffer (any alignment)
 * @size:     bytes; the range must lie inside the buffer
 */
struct sdp_abi_memref {
	uint32_t buf_id;
	uint32_t reserved;
	uint64_t offset;
	uint64_t size;
};

/**
 * struct sdp_abi_copy_param - SDP_CMD_INJECT and SDP_CMD_DUMP
 * @in:  source. INJECT: NS (buf_id 0); DUMP: restricted
 * @out: destination, at least @in.size bytes. INJECT: restricted;
 *       DUMP: NS (buf_id 0)
 */
struct sdp_abi_copy_param {
	struct sdp_abi_memref in;
	struct sdp_abi_memref out;
};

/**
 * struct sdp_abi_transform_param - SDP_CMD_TRANSFORM
 * @buf: the restricted range transformed in place
 */
struct sdp_abi_transform_param {
	struct sdp_abi_memref buf;
};

/**
 * struct sdp_abi_subsample - one entry of a CENC subsample map
 * @clear_size:     BytesOfClearData (at most 65535, the 'senc' width)
 * @protected_size: BytesOfProtectedData
 */
struct sdp_abi_subsample {
	uint32_t clear_size;
	uint32_t protected_size;
};

/**
 * struct sdp_abi_decrypt_param - SDP_CMD_DECRYPT
 * @in:               the encrypted sample, NS (buf_id 0)
 * @out:              restricted destination, at least @in.size bytes
 * @kid:              key ID of the content key (never the key itself)
 * @iv:               the sample's IV; bytes past @iv_size MBZ
 * @iv_size:          8 or 16
 * @subsample_count:  0: the whole sample is protected; else the number of
 *                    struct sdp_abi_subsample at @subsample_offset
 *                    (1..SDP_MAX_SUBSAMPLES), adding up to @in.size
 * @subsample_offset: byte offset of the map in the parameter area,
 *                    4-aligned; MBZ when @subsample_count is 0
 */
struct sdp_abi_decrypt_param {
	struct sdp_abi_memref in;
	struct sdp_abi_memref out;
	uint8_t kid[SDP_KID_SIZE];
	uint8_t iv[16];
	uint32_t iv_size;
	uint32_t subsample_count;
	uint64_t subsample_offset;
};

_Static_assert(sizeof(struct sdp_abi_memref) == 24, "memref is 24 bytes");
_Static_assert(offsetof(struct sdp_abi_memref, offset) == 8,
	       "memref offset at 8");
_Static_assert(offsetof(struct sdp_abi_memref, size) == 16,
	       "memref size at 16");
_Static_assert(sizeof(struct sdp_abi_copy_param) == 48,
	       "copy param is 48 bytes");
_Static_assert(offsetof(struct sdp_abi_copy_param, out) == 24,
	       "copy param out at 24");
_Static_assert(sizeof(struct sdp_abi_transform_param) == 24,
	       "transform param is 24 bytes");
_Static_assert(sizeof(struct sdp_abi_subsample) == 8,
	       "subsample is 8 bytes");
_Static_assert(offsetof(struct sdp_abi_decrypt_param, kid) == 48,
	       "decrypt kid at 48");
_Static_assert(offsetof(struct sdp_abi_decrypt_param, iv) == 64,
	       "decrypt iv at 64");
_Static_assert(offsetof(struct sdp_abi_decrypt_param, iv_size) == 80,
	       "decrypt iv_size at 80");
_Static_assert(offsetof(struct sdp_abi_decrypt_param, subsample_count) == 84,
	       "decrypt subsample_count at 84");
_Static_assert(offsetof(struct sdp_abi_decrypt_param, subsample_offset) == 88,
	       "decrypt subsample_offset at 88");
_Static_assert(sizeof(struct sdp_abi_decrypt_param) == 96,
	       "decrypt param is 96 bytes");

#endif /* RHEAP_SDP_ABI_H */
