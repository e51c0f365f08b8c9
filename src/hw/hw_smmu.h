/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SMMU model: stream table and per-context IOVA -> PA translation.
 *
 * The stream table is built once from the platform's DMA masters
 * (struct rheap_plat_device: stream ID, secure-capable). Every stream has a
 * non-secure context (HW_SMMU_CTX_NS); a secure-capable stream also has a
 * secure context (HW_SMMU_CTX_S), which is what the SPMC programs when a
 * restricted buffer is attached to a device. A context is a set of
 * mappings (IOVA range -> PA range, read/write permissions) at 4 KiB
 * granularity.
 *
 * Data structure. Each context keeps its mappings as extents (one per
 * hw_smmu_map() call) in an array sorted by IOVA, with no two extents
 * overlapping. Lookups (translate, unmap, overlap check) are a binary
 * search, O(log n); map/unmap shift the tail, O(n) memmove, which is cheap
 * for the few hundred extents a device holds (a 4 KiB page table would
 * cost one entry per page: 3,000 for a 4K frame built from single pages,
 * against one extent per contiguous chunk). Unmap takes exactly one
 * extent, as an IOMMU API unmap of what was mapped would.
 *
 * Life cycle of a mapping:
 *
 *   (none) --map--> MAPPED --unmap (exact range) / unmap_all--> (none)
 *
 * Illegal transitions: map over an existing IOVA byte -> -EBUSY; unmap of
 * a range that is not exactly one mapping -> -ENOENT. A failed call
 * changes nothing.
 *
 * Error order of map (tests rely on it): argument checks (-EINVAL,
 * -EOVERFLOW), then the stream (-ENOENT), then the context (-EPERM),
 * then overlap (-EBUSY), then capacity (-ENOSPC, -ENOMEM).
 *
 * Wrapping ranges return -EOVERFLOW, as everywhere in rheap
 * (include/rheap/err.h), not -EINVAL.
 *
 * The model allocates (the extent arrays grow on demand, capped at
 * HW_SMMU_MAX_MAPPINGS per context so a hostile caller cannot exhaust the
 * board) but does no I/O. Not thread-safe: the owner serialises calls.
 */
#ifndef RHEAP_SRC_HW_HW_SMMU_H
#define RHEAP_SRC_HW_HW_SMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>

/** Translation granule. */
#define HW_SMMU_PAGE_SIZE 4096u
/** Most mappings (extents) one context may hold. */
#define HW_SMMU_MAX_MAPPINGS 65536u

/**
 * enum hw_smmu_ctx - translation context of a stream
 * @HW_SMMU_CTX_NS: non-secure context, used by non-secure transactions
 * @HW_SMMU_CTX_S:  secure context, used by secure transactions; exists
 *                  only on secure-capable streams
 */
enum hw_smmu_ctx {
	HW_SMMU_CTX_NS = 0,
	HW_SMMU_CTX_S = 1,
};

#define HW_SMMU_CTX_COUNT 2u

/**
 * enum hw_smmu_perm - mapping permissions (bit mask)
 * @HW_SMMU_READ:  the device may read
 * @HW_SMMU_WRITE: the device may write
 */
enum hw_smmu_perm {
	HW_SMMU_READ = 1u << 0,
	HW_SMMU_WRITE = 1u << 1,
};

#define HW_SMMU_RW ((uint32_t)(HW_SMMU_READ | HW_SMMU_WRITE))

/**
 * struct hw_smmu_stream_info - a stream table entry, as seen by callers
 * @stream_id: SMMU stream ID
 * @secure:    secure-capable (has a secure context)
 */
struct hw_smmu_stream_info {
	uint32_t stream_id;
	bool secure;
};

/**
 * struct hw_smmu_mapping - one extent
 * @iova:  first IOVA, 4 KiB aligned
 * @pa:    physical address of @iova, 4 KiB aligned
 * @size:  bytes, non-zero multiple of 4 KiB; neither range wraps
 * @perms: enum hw_smmu_perm bits, non-zero
 */
struct hw_smmu_mapping {
	uint64_t iova;
	uint64_t pa;
	uint64_t size;
	uint32_t perms;
};

struct hw_smmu;

/**
 * hw_smmu_create() - build the stream table from a platform
 * @plat: decoded platform; its devices become streams (copied; @plat is
 *        not referenced afterwards)
 * @out:  the new SMMU, every context empty; untouched on failure
 *
 * Return: 0; -EINVAL if @plat lists more than RHEAP_PLAT_MAX_DEVICES
 * devices or a stream ID twice; -ENOMEM.
 */
int hw_smmu_create(const struct rheap_platform *plat, struct hw_smmu **out);

/**
 * hw_smmu_destroy() - free the SMMU and every mapping
 * @smmu: the SMMU, or NULL (no-op)
 */
void hw_smmu_destroy(struct hw_smmu *smmu);

/**
 * hw_smmu_stream_count() - number of streams in the table
 * @smmu: the SMMU
 *
 * Return: the count, in platform device order.
 */
uint32_t hw_smmu_stream_count(const struct hw_smmu *smmu);

/**
 * hw_smmu_stream_get() - one stream table entry, for listings
 * @smmu:  the SMMU
 * @index: 0 .. hw_smmu_stream_count() - 1
 * @out:   the entry
 *
 * Return: 0; -ENOENT if @index is out of range.
 */
int hw_smmu_stream_get(const struct hw_smmu *smmu, uint32_t index,
		       struct hw_smmu_stream_info *out);

/**
 * hw_smmu_stream_find() - look a stream up by ID
 * @smmu:      the SMMU
 * @stream_id: the stream ID (untrusted)
 * @out:       the entry; may be NULL to test existence
 *
 * Return: 0; -ENOENT if no such stream.
 */
int hw_smmu_stream_find(const struct hw_smmu *smmu, uint32_t stream_id,
			struct hw_smmu_stream_info *out);

/**
 * hw_smmu_map() - map an IOVA range to a PA range in one context
 * @smmu:      the SMMU
 * @stream_id: target stream
 * @ctx:       enum hw_smmu_ctx
 * @iova:      first IOVA, 4 KiB aligned
 * @pa:        first PA, 4 KiB aligned
 * @size:      bytes, non-zero multiple of 4 KiB
 * @perms:     non-zero enum hw_smmu_perm bits
 *
 * The PA is not checked against DRAM here; the bus faults on it.
 *
 * Return: 0; -EINVAL for a bad @ctx or @perms, a zero or misaligned
 * @iova/@pa/@size; -EOVERFLOW if @iova + @size or @pa + @size wraps past
 * 2^64; -ENOENT for an unknown stream; -EPERM for the secure context of a
 * non-secure stream; -EBUSY if any IOVA byte is already mapped in that
 * context; -ENOSPC if the context holds HW_SMMU_MAX_MAPPINGS; -ENOMEM.
 */
int hw_smmu_map(struct hw_smmu *smmu, uint32_t stream_id, uint32_t ctx,
		uint64_t iova, uint64_t pa, uint64_t size, uint32_t perms);

/**
 * hw_smmu_unmap() - remove exactly one earlier mapping
 * @smmu:      the SMMU
 * @stream_id: target stream
 * @ctx:       enum hw_smmu_ctx
 * @iova:      the mapping's first IOVA
 * @size:      the mapping's size
 *
 * Return: 0; -EINVAL for a bad @ctx or a zero @size; -ENOENT for an
 * unknown stream or if no mapping has exactly this IOVA and size; -EPERM
 * for the secure context of a non-secure stream.
 */
int hw_smmu_unmap(struct hw_smmu *smmu, uint32_t stream_id, uint32_t ctx,
		  uint64_t iova, uint64_t size);

/**
 * hw_smmu_unmap_all() - empty one context (device reset)
 * @smmu:      the SMMU
 * @stream_id: target stream
 * @ctx:       enum hw_smmu_ctx
 *
 * Return: the number of mappings removed (>= 0); -EINVAL for a bad @ctx;
 * -ENOENT for an unknown stream; -EPERM for the secure context of a
 * non-secure stream.
 */
int hw_smmu_unmap_all(struct hw_smmu *smmu, uint32_t stream_id, uint32_t ctx);

/**
 * hw_smmu_translate() - translate an access through one context
 * @smmu:      the SMMU
 * @stream_id: issuing stream
 * @ctx:       enum hw_smmu_ctx
 * @iova:      first byte accessed (any alignment)
 * @size:      bytes accessed, non-zero
 * @access:    the permissions the access needs (HW_SMMU_READ and/or
 *             HW_SMMU_WRITE)
 * @pa:        out, the PA of @iova; untouched on failure
 *
 * Walks the range page by page and requires every page to be mapped with
 * @access and the PAs to be contiguous, so @pa .. @pa + @size - 1 is what
 * the access touches. A transfer whose pages map to scattered PAs is
 * translated one page (or one contiguous run) at a time by the bus.
 *
 * Return: 0; -EINVAL for a bad @ctx or @access, a zero @size, or a range
 * whose pages are not PA-contiguous; -EOVERFLOW if the range wraps;
 * -ENOENT for an unknown stream or an unmapped page; -EPERM for the secure
 * context of a non-secure stream, or a page mapped without @access.
 */
int hw_smmu_translate(const struct hw_smmu *smmu, uint32_t stream_id,
		      uint32_t ctx, uint64_t iova, uint64_t size,
		      uint32_t access, uint64_t *pa);

/**
 * hw_smmu_fail_inject() - test hook: fail the next maps' allocation
 * @smmu:  the SMMU
 * @count: how many following hw_smmu_map() calls fail with -ENOMEM at
 *         their allocation step (after the argument, stream, context,
 *         overlap and capacity checks, before any change, whether or not
 *         the extent array would have grown); 0 disables. A call refused
 *         earlier does not use up the count. Unmap, unmap_all and
 *         translate are not affected.
 */
void hw_smmu_fail_inject(struct hw_smmu *smmu, uint32_t count);

/**
 * hw_smmu_mapping_count() - mappings held by every context of every stream
 * @smmu: the SMMU
 *
 * Return: the total (0 when nothing leaked).
 */
size_t hw_smmu_mapping_count(const struct hw_smmu *smmu);

/**
 * hw_smmu_context_mapping_count() - mappings held by one context
 * @smmu:      the SMMU
 * @stream_id: the stream
 * @ctx:       enum hw_smmu_ctx
 *
 * Return: the count (>= 0); errors as hw_smmu_unmap_all().
 */
int hw_smmu_context_mapping_count(const struct hw_smmu *smmu,
				  uint32_t stream_id, uint32_t ctx);

/**
 * hw_smmu_mapping_get() - one mapping of a context, in IOVA order
 * @smmu:      the SMMU
 * @stream_id: the stream
 * @ctx:       enum hw_smmu_ctx
 * @index:     0 .. hw_smmu_context_mapping_count() - 1
 * @out:       the mapping
 *
 * Return: 0; -ENOENT for an index past the end; other errors as
 * hw_smmu_unmap_all().
 */
int hw_smmu_mapping_get(const struct hw_smmu *smmu, uint32_t stream_id,
			uint32_t ctx, uint32_t index,
			struct hw_smmu_mapping *out);

#endif /* RHEAP_SRC_HW_HW_SMMU_H */
