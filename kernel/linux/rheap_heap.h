/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rheap_heap: the module's restricted dma-heaps (what other parts of the
 * module may ask of them). docs/kernel-driver.md, "Heaps".
 */
#ifndef RHEAP_KERNEL_RHEAP_HEAP_H
#define RHEAP_KERNEL_RHEAP_HEAP_H

#include <linux/types.h>

struct dma_buf;

/**
 * struct rheap_buf_extent - one piece of a restricted buffer, as the
 * secure world names it
 * @buf_id:   SDP buffer ID: the chunk's (from SDP ASSIGN), or
 *            SDP_BUF_ID_STATIC_BIT | n for static pool n of the platform
 * @reserved: 0
 * @offset:   bytes from the start of that SDP buffer, 4 KiB aligned
 * @size:     bytes, a non-zero multiple of 4 KiB
 */
struct rheap_buf_extent {
	u32 buf_id;
	u32 reserved;
	u64 offset;
	u64 size;
};

/**
 * rheap_heap_buf_extents() - the SDP pieces of a restricted dma-buf
 * @dmabuf:   a dma-buf the caller holds a reference on
 * @ext:      out: the buffer's own piece array, in buffer order (the sizes
 *            add up to @dmabuf->size); valid while the caller's reference
 *            on @dmabuf lives; read only
 * @count:    out: entries in *@ext
 * @use_case: out: RHEAP_USE_CASE_* of the buffer's heap
 *
 * A buffer that spans chunks of a dynamic pool has one piece per chunk
 * (each chunk is its own SDP buffer).
 *
 * Return: 0; -EINVAL @dmabuf is not a buffer of the module's heaps.
 */
int rheap_heap_buf_extents(struct dma_buf *dmabuf,
			   const struct rheap_buf_extent **ext, u32 *count,
			   u32 *use_case);

#endif /* RHEAP_KERNEL_RHEAP_HEAP_H */
