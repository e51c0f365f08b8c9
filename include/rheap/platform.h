/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Platform description, built from the Devicetree that the Transfer List's
 * FDT entry carries. Bindings: docs/bindings.md.
 *
 * The description is a plain value with fixed-size tables, so the secure
 * world can hold it without an allocator. Decoding treats the DTB as
 * untrusted: every property is length-checked, and a rejected DTB yields a
 * precise error and leaves @out zeroed.
 */
#ifndef RHEAP_PLATFORM_H
#define RHEAP_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/tl.h>
#include <rheap/use_case.h>

#define RHEAP_PLAT_NAME_MAX 32 /* including the NUL */
#define RHEAP_PLAT_MAX_DRAM 8
#define RHEAP_PLAT_MAX_POOLS 16
#define RHEAP_PLAT_MAX_DEVICES 16
#define RHEAP_PLAT_MAX_PARTITIONS 8
#define RHEAP_PLAT_DEFAULT_TZASC_REGIONS 8u

/** struct rheap_plat_dram - one `memory` node `reg` range. */
struct rheap_plat_dram {
	uint64_t base;
	uint64_t size;
};

enum rheap_pool_kind {
	RHEAP_POOL_STATIC = 0,  /* carve-out protected at boot (`reg` + `no-map`) */
	RHEAP_POOL_DYNAMIC = 1, /* NW memory lent on demand (`reusable`) */
};

/**
 * struct rheap_plat_pool - a restricted pool (`/reserved-memory` child)
 * @name:      node name without unit address, unique among pools
 * @base:      physical base; for a dynamic pool given only by `size`, the
 *             placement chosen at boot (top-down in DRAM, as Linux's
 *             memblock does, honouring @alignment)
 * @size:      bytes, multiple of 4 KiB
 * @alignment: required base alignment in bytes (power of two, >= 4 KiB)
 * @kind:      static or dynamic
 * @use_case:  what the pool's buffers are for
 * @phandle:   the node's phandle, 0 if it has none
 * @placed:    true if @base came from boot-time placement, not from `reg`
 */
struct rheap_plat_pool {
	char name[RHEAP_PLAT_NAME_MAX];
	uint64_t base;
	uint64_t size;
	uint64_t alignment;
	enum rheap_pool_kind kind;
	enum rheap_use_case use_case;
	uint32_t phandle;
	bool placed;
};

/**
 * struct rheap_plat_device - a DMA master behind the SMMU
 * @name:          node name without unit address, unique among devices
 * @stream_id:     SMMU stream ID (from `iommus`), unique
 * @secure:        the device can issue secure accesses
 * @use_case_mask: RHEAP_USE_CASE_BIT() of each use case it may reach;
 *                 0 for a non-secure device
 */
struct rheap_plat_device {
	char name[RHEAP_PLAT_NAME_MAX];
	uint32_t stream_id;
	bool secure;
	uint32_t use_case_mask;
};

/**
 * struct rheap_plat_tzasc - the TrustZone address-space controller
 * @base, @size:  its MMIO window (`reg`, in its parent bus's address space,
 *                not translated), informational; 0 when absent
 * @region_count: programmable regions (`rheap,regions`, default 8); 0 when
 *                the DT has no TZASC node (allowed only without static pools)
 */
struct rheap_plat_tzasc {
	uint64_t base;
	uint64_t size;
	uint32_t region_count;
};

/**
 * struct rheap_plat_partition - an FF-A secure partition
 * @name: node name without unit address
 * @id:   FF-A endpoint ID (bit 15 set: secure)
 * @uuid: partition UUID, RFC 4122 byte order
 */
struct rheap_plat_partition {
	char name[RHEAP_PLAT_NAME_MAX];
	uint16_t id;
	uint8_t uuid[16];
};

/** struct rheap_platform - everything the boot stage learns from the DT. */
struct rheap_platform {
	char model[64];
	struct rheap_plat_dram dram[RHEAP_PLAT_MAX_DRAM];
	uint32_t dram_count;
	struct rheap_plat_pool pools[RHEAP_PLAT_MAX_POOLS];
	uint32_t pool_count;
	struct rheap_plat_device devices[RHEAP_PLAT_MAX_DEVICES];
	uint32_t device_count;
	struct rheap_plat_tzasc tzasc;
	struct rheap_plat_partition partitions[RHEAP_PLAT_MAX_PARTITIONS];
	uint32_t partition_count;
};

/**
 * rheap_platform_decode() - build the description from a DTB (untrusted)
 * @fdt:      the flattened devicetree
 * @fdt_size: bytes readable at @fdt (the TL entry's data_size)
 * @out:      the description; zeroed on failure
 * @diag:     optional; names the node (subject) and property on failure
 *
 * @fdt must be 8-byte aligned and its header version >= 17. On failure
 * @diag->subject is the offending node's full name ("sv@a0000000"; "/" for
 * the root; "fdt" when the blob itself is malformed, then @diag->field is
 * "fdt" too) and @diag->field the property (or "name" for a node name).
 *
 * Return: 0; -EINVAL for a malformed DTB or a binding violation (missing
 * or malformed property, pool outside DRAM, overlapping pools, misaligned
 * pool, `no-map` with `reusable`, unknown use case, duplicate stream ID or
 * name, partition ID without the secure bit); -ENOSPC when a table above is
 * full (field "dram", "pools", "devices" or "partitions"), when more than 32
 * non-pool reserved ranges exist (field "reg" or "memreserve"), or when a
 * dynamic pool given by `size` finds no room in DRAM (field "size").
 */
int rheap_platform_decode(const void *fdt, size_t fdt_size,
			  struct rheap_platform *out, struct rheap_diag *diag);

/**
 * rheap_platform_from_tl() - find the FDT entry of a Transfer List and decode it
 * @tl, @tl_size: the list area (untrusted), validated first
 * @out, @diag:   as rheap_platform_decode()
 *
 * Return: as rheap_platform_decode(), plus -ENOENT if the list has no FDT
 * entry.
 */
int rheap_platform_from_tl(const void *tl, size_t tl_size,
			   struct rheap_platform *out, struct rheap_diag *diag);

/**
 * rheap_platform_pools_to_tl() - the vendor TL entry's pool list
 * @plat:  a decoded platform
 * @pools: caller storage, RHEAP_PLAT_MAX_POOLS entries
 *
 * Return: the number of pools written.
 */
uint32_t rheap_platform_pools_to_tl(const struct rheap_platform *plat,
				    struct rheap_tl_pool *pools);

#endif /* RHEAP_PLATFORM_H */
