/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Arm FF-A: function IDs, status codes and the wire layout of the memory
 * management descriptors (FF-A v1.1 EAC0 and v1.2 ALP1, "Memory management
 * protocol" chapter; FF-A Memory Management Protocol DEN0140 for v1.2 EMADs).
 *
 * The structs below mirror the spec tables and exist to document and pin the
 * layout (every field little-endian). The codec reads and writes wire bytes
 * through these offsets, never by casting an input pointer to them: TX/RX
 * buffers are untrusted and may be unaligned.
 */
#ifndef RHEAP_FFA_ABI_H
#define RHEAP_FFA_ABI_H

#include <stddef.h>
#include <stdint.h>

/* <assert.h> is not a freestanding header; C11 has the keyword. */
#ifndef static_assert
#define static_assert _Static_assert
#endif

/* ---- Versions (FFA_VERSION: bit 31 MBZ, [30:16] major, [15:0] minor) ---- */
#define FFA_VERSION_MAJOR_SHIFT 16
#define FFA_VERSION_COMPILED(major, minor)                                    \
	((uint32_t)(((major) << FFA_VERSION_MAJOR_SHIFT) | (minor)))
#define FFA_VERSION_1_0 FFA_VERSION_COMPILED(1, 0)
#define FFA_VERSION_1_1 FFA_VERSION_COMPILED(1, 1)
#define FFA_VERSION_1_2 FFA_VERSION_COMPILED(1, 2)
#define FFA_VERSION_MBZ_BIT (UINT32_C(1) << 31)

/* ---- Function IDs: SMCCC fast calls of the Standard Secure Service ---- */
#define FFA_SMC32(n) (UINT32_C(0x84000000) | (n))
#define FFA_SMC64(n) (UINT32_C(0xC4000000) | (n))

#define FFA_ERROR FFA_SMC32(0x60)
#define FFA_SUCCESS_32 FFA_SMC32(0x61)
#define FFA_SUCCESS_64 FFA_SMC64(0x61)
#define FFA_INTERRUPT FFA_SMC32(0x62)
#define FFA_VERSION FFA_SMC32(0x63)
#define FFA_FEATURES FFA_SMC32(0x64)
#define FFA_RX_RELEASE FFA_SMC32(0x65)
#define FFA_RXTX_MAP_32 FFA_SMC32(0x66)
#define FFA_RXTX_MAP_64 FFA_SMC64(0x66)
#define FFA_RXTX_UNMAP FFA_SMC32(0x67)
#define FFA_PARTITION_INFO_GET FFA_SMC32(0x68)
#define FFA_ID_GET FFA_SMC32(0x69)
#define FFA_MSG_WAIT FFA_SMC32(0x6B)
#define FFA_YIELD FFA_SMC32(0x6C)
#define FFA_RUN FFA_SMC32(0x6D)
#define FFA_MSG_SEND_DIRECT_REQ_32 FFA_SMC32(0x6F)
#define FFA_MSG_SEND_DIRECT_REQ_64 FFA_SMC64(0x6F)
#define FFA_MSG_SEND_DIRECT_RESP_32 FFA_SMC32(0x70)
#define FFA_MSG_SEND_DIRECT_RESP_64 FFA_SMC64(0x70)
#define FFA_MEM_DONATE_32 FFA_SMC32(0x71)
#define FFA_MEM_DONATE_64 FFA_SMC64(0x71)
#define FFA_MEM_LEND_32 FFA_SMC32(0x72)
#define FFA_MEM_LEND_64 FFA_SMC64(0x72)
#define FFA_MEM_SHARE_32 FFA_SMC32(0x73)
#define FFA_MEM_SHARE_64 FFA_SMC64(0x73)
#define FFA_MEM_RETRIEVE_REQ_32 FFA_SMC32(0x74)
#define FFA_MEM_RETRIEVE_REQ_64 FFA_SMC64(0x74)
#define FFA_MEM_RETRIEVE_RESP FFA_SMC32(0x75)
#define FFA_MEM_RELINQUISH FFA_SMC32(0x76)
#define FFA_MEM_RECLAIM FFA_SMC32(0x77)
#define FFA_MEM_FRAG_RX FFA_SMC32(0x7A)
#define FFA_MEM_FRAG_TX FFA_SMC32(0x7B)
#define FFA_SPM_ID_GET FFA_SMC32(0x85)
#define FFA_MSG_SEND_DIRECT_REQ2 FFA_SMC64(0x8D)
#define FFA_MSG_SEND_DIRECT_RESP2 FFA_SMC64(0x8E)

/* ---- Status codes carried in w2 of FFA_ERROR (signed 32-bit) ---- */
enum ffa_status {
	FFA_OK = 0,
	FFA_NOT_SUPPORTED = -1,
	FFA_INVALID_PARAMETERS = -2,
	FFA_NO_MEMORY = -3,
	FFA_BUSY = -4,
	FFA_INTERRUPTED = -5,
	FFA_DENIED = -6,
	FFA_RETRY = -7,
	FFA_ABORTED = -8,
	FFA_NO_DATA = -9,
	FFA_NOT_READY = -10,
};

/* ---- Endpoint IDs (16 bits; bit 15 set: secure world) ---- */
#define FFA_ID_SECURE_BIT 0x8000u
#define FFA_ID_HYPERVISOR 0x0000u
#define FFA_ID_SPMC 0x8000u

/* ---- Handles (bit 63: allocator; all ones: invalid) ---- */
#define FFA_HANDLE_INVALID UINT64_MAX
#define FFA_HANDLE_ALLOCATOR_BIT (UINT64_C(1) << 63)
#define FFA_HANDLE_ALLOCATOR_SPMC UINT64_C(0)
#define FFA_HANDLE_ALLOCATOR_HYP FFA_HANDLE_ALLOCATOR_BIT

/* FF-A pages are 4 KiB whatever the translation granule. */
#define FFA_PAGE_SIZE 4096u
#define FFA_PAGE_SHIFT 12

/* ---- Memory access permissions (EMAD byte 2) ---- */
#define FFA_DATA_ACCESS_MASK 0x03u
#define FFA_DATA_ACCESS_NOT_SPECIFIED 0x0u
#define FFA_DATA_ACCESS_RO 0x1u
#define FFA_DATA_ACCESS_RW 0x2u
#define FFA_DATA_ACCESS_RESERVED 0x3u
#define FFA_INSTRUCTION_ACCESS_SHIFT 2
#define FFA_INSTRUCTION_ACCESS_MASK 0x0Cu
#define FFA_INSTRUCTION_ACCESS_NOT_SPECIFIED 0x0u
#define FFA_INSTRUCTION_ACCESS_NX 0x1u
#define FFA_INSTRUCTION_ACCESS_X 0x2u
#define FFA_INSTRUCTION_ACCESS_RESERVED 0x3u
#define FFA_PERMISSIONS_MBZ_MASK 0xF0u

/* EMAD flags byte (offset 3): bit 0 non-retrieval borrower; [7:1] MBZ. */
#define FFA_EMAD_FLAG_NON_RETRIEVAL_BORROWER 0x01u
#define FFA_EMAD_FLAGS_MBZ_MASK 0xFEu

/* ---- Memory region attributes (16 bits in v1.1+) ---- */
#define FFA_MEM_ATTR_SHAREABILITY_MASK 0x0003u
#define FFA_MEM_ATTR_NON_SHAREABLE 0x0u
#define FFA_MEM_ATTR_SHAREABILITY_RESERVED 0x1u
#define FFA_MEM_ATTR_OUTER_SHAREABLE 0x2u
#define FFA_MEM_ATTR_INNER_SHAREABLE 0x3u
#define FFA_MEM_ATTR_CACHEABILITY_SHIFT 2
#define FFA_MEM_ATTR_CACHEABILITY_MASK 0x000Cu
#define FFA_MEM_ATTR_NORMAL_NON_CACHEABLE 0x1u
#define FFA_MEM_ATTR_NORMAL_WRITE_BACK 0x3u
#define FFA_MEM_ATTR_DEVICE_NGNRNE 0x0u
#define FFA_MEM_ATTR_TYPE_SHIFT 4
#define FFA_MEM_ATTR_TYPE_MASK 0x0030u
#define FFA_MEM_ATTR_TYPE_NOT_SPECIFIED 0x0u
#define FFA_MEM_ATTR_TYPE_DEVICE 0x1u
#define FFA_MEM_ATTR_TYPE_NORMAL 0x2u
#define FFA_MEM_ATTR_TYPE_RESERVED 0x3u
#define FFA_MEM_ATTR_NS_BIT 0x0040u
#define FFA_MEM_ATTR_MBZ_MASK 0xFF80u
/* Normal, write-back, inner shareable: what SHARE and multi-borrower LEND use. */
#define FFA_MEM_ATTR_NORMAL_WB_ISH 0x002Fu

/* ---- Transaction descriptor flags (offset 4) ---- */
#define FFA_MEM_FLAG_CLEAR 0x0001u           /* zero before mapping to borrower */
#define FFA_MEM_FLAG_TIME_SLICE 0x0002u
#define FFA_MEM_FLAG_CLEAR_RELINQUISH 0x0004u /* retrieve request only */
#define FFA_MEM_FLAG_TYPE_SHIFT 3
#define FFA_MEM_FLAG_TYPE_MASK 0x0018u       /* retrieve request/response */
#define FFA_MEM_FLAG_TYPE_UNSPECIFIED 0u
#define FFA_MEM_FLAG_TYPE_SHARE 1u
#define FFA_MEM_FLAG_TYPE_LEND 2u
#define FFA_MEM_FLAG_TYPE_DONATE 3u
#define FFA_MEM_FLAG_ALIGN_HINT_MASK 0x01E0u /* retrieve request only */
#define FFA_MEM_FLAG_ALIGN_HINT_VALID 0x0200u
#define FFA_MEM_FLAG_BYPASS_BORROWER_CHECK 0x0400u /* v1.2 retrieve request */
/* Flags a SHARE, LEND or DONATE may carry; every other bit is MBZ. */
#define FFA_MEM_SEND_FLAGS_ALLOWED (FFA_MEM_FLAG_CLEAR | FFA_MEM_FLAG_TIME_SLICE)

/* ---- FFA_MEM_RECLAIM w3 and relinquish descriptor flags ---- */
#define FFA_RECLAIM_FLAG_CLEAR 0x1u
#define FFA_RECLAIM_FLAG_TIME_SLICE 0x2u
#define FFA_RECLAIM_FLAGS_MBZ_MASK (~UINT32_C(0x3))

/*
 * FF-A v1.1 Table 10.20 / v1.2 Table 10.21: memory transaction descriptor
 * header, shared by SHARE, LEND, DONATE, RETRIEVE_REQ and RETRIEVE_RESP.
 */
struct ffa_mem_transaction_desc {
	uint16_t sender_id;
	uint16_t attributes;
	uint32_t flags;
	uint64_t handle;
	uint64_t tag;
	uint32_t emad_size;   /* 16 (v1.1) or 32 (v1.2) */
	uint32_t emad_count;  /* receivers, >= 1 */
	uint32_t emad_offset; /* from descriptor start; 16-aligned; >= 48 */
	uint8_t reserved[12]; /* MBZ */
};
static_assert(sizeof(struct ffa_mem_transaction_desc) == 48,
	      "FF-A v1.1 Table 10.20: transaction descriptor header is 48 bytes");
static_assert(offsetof(struct ffa_mem_transaction_desc, handle) == 8,
	      "FF-A v1.1 Table 10.20: handle at offset 8");
static_assert(offsetof(struct ffa_mem_transaction_desc, emad_size) == 24,
	      "FF-A v1.1 Table 10.20: EMAD size at offset 24");
static_assert(offsetof(struct ffa_mem_transaction_desc, emad_offset) == 32,
	      "FF-A v1.1 Table 10.20: EMAD offset at offset 32");

/* FF-A v1.1 Table 10.15: memory access permissions descriptor. */
struct ffa_mem_access_perm_desc {
	uint16_t endpoint_id;
	uint8_t permissions;
	uint8_t flags;
};
static_assert(sizeof(struct ffa_mem_access_perm_desc) == 4,
	      "FF-A v1.1 Table 10.15 is 4 bytes");

/* FF-A v1.1 Table 10.16: endpoint memory access descriptor (16 bytes). */
struct ffa_emad_v1_1_desc {
	struct ffa_mem_access_perm_desc access;
	uint32_t composite_offset; /* 0 in a retrieve request */
	uint64_t reserved;         /* MBZ */
};
static_assert(sizeof(struct ffa_emad_v1_1_desc) == 16,
	      "FF-A v1.1 Table 10.16 is 16 bytes");
static_assert(offsetof(struct ffa_emad_v1_1_desc, composite_offset) == 4,
	      "FF-A v1.1 Table 10.16: composite offset at offset 4");

/* FF-A v1.2 Table 10.17: endpoint memory access descriptor (32 bytes). */
struct ffa_emad_v1_2_desc {
	struct ffa_mem_access_perm_desc access;
	uint32_t composite_offset;
	uint8_t impdef[16]; /* implementation defined; carried, not checked */
	uint64_t reserved;  /* MBZ */
};
static_assert(sizeof(struct ffa_emad_v1_2_desc) == 32,
	      "FF-A v1.2 Table 10.17 is 32 bytes");
static_assert(offsetof(struct ffa_emad_v1_2_desc, impdef) == 8,
	      "FF-A v1.2 Table 10.17: implementation-defined value at 8");
static_assert(offsetof(struct ffa_emad_v1_2_desc, reserved) == 24,
	      "FF-A v1.2 Table 10.17: reserved at offset 24");

/* FF-A v1.1 Table 10.13: composite memory region descriptor. */
struct ffa_composite_desc {
	uint32_t page_count;  /* sum of constituent page counts */
	uint32_t range_count; /* constituents that follow */
	uint64_t reserved;    /* MBZ */
};
static_assert(sizeof(struct ffa_composite_desc) == 16,
	      "FF-A v1.1 Table 10.13 is 16 bytes");

/* FF-A v1.1 Table 10.14: constituent memory region descriptor. */
struct ffa_constituent_desc {
	uint64_t address; /* 4 KiB aligned */
	uint32_t page_count;
	uint32_t reserved; /* MBZ */
};
static_assert(sizeof(struct ffa_constituent_desc) == 16,
	      "FF-A v1.1 Table 10.14 is 16 bytes");
static_assert(offsetof(struct ffa_constituent_desc, page_count) == 8,
	      "FF-A v1.1 Table 10.14: page_count at offset 8");

/* FF-A v1.1 Table 16.25: descriptor for FFA_MEM_RELINQUISH. */
struct ffa_mem_relinquish_desc {
	uint64_t handle;
	uint32_t flags;
	uint32_t endpoint_count;
	/* followed by endpoint_count uint16_t endpoint IDs */
};
static_assert(sizeof(struct ffa_mem_relinquish_desc) == 16,
	      "FF-A v1.1 Table 16.25 header is 16 bytes");

#endif /* RHEAP_FFA_ABI_H */
