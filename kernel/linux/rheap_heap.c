// SPDX-License-Identifier: GPL-2.0-only
/*
 * The restricted dma-heaps: protected,secure-video, protected,trusted-ui
 * and protected,secure-video-record (docs/kernel-driver.md, "Heaps").
 *
 * Buffers are dma-bufs whose memory the secure world protects: the
 * kernel never maps it. Importers get an sg_table of physical runs (the
 * DMA address is the physical address: the guest has no IOMMU; the
 * secure device's own address comes from SDP ATTACH) and no CPU cache
 * maintenance is ever done (DMA_ATTR_SKIP_CPU_SYNC semantics). mmap,
 * vmap and begin/end_cpu_access fail with -EPERM. The last reference
 * scrubs the memory through the secure world, then frees it.
 *
 * Linux 6.1 cannot remove a dma-heap: once the heaps are registered the
 * module pins itself (it stays loaded until reboot).
 */
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include <rheap/use_case.h>

#include "rheap_heap_internal.h"
#include "rheap_sec.h"

/* The pool table of platforms/linux-guest.dts (reserved-memory order). */
MODULE_IMPORT_NS(DMA_BUF);

static char *pools = "s1@0x1c000000+0x2000000,s2@0x1e000000+0x1000000,d1@0x4000000+0x8000000,d3@0xc000000+0x4000000";
module_param(pools, charp, 0444);
MODULE_PARM_DESC(pools,
		 "the platform's pool table: <s|d><use case>@<base>+<size>,... (static pools are checked against the secure world's GET_PROTMEM_CONFIG)");

static ulong chunk_size = SZ_16M;
module_param(chunk_size, ulong, 0444);
MODULE_PARM_DESC(chunk_size, "dynamic chunk size in bytes (rounded up to the secure world's minimum and alignment)");

static uint idle_ms = 2000;
module_param(idle_ms, uint, 0444);
MODULE_PARM_DESC(idle_ms, "how long an empty dynamic chunk stays lent at least (ms)");

/* Read at each allocation: a write through sysfs applies to the next one. */
static ulong quota_bytes;
module_param(quota_bytes, ulong, 0644);
MODULE_PARM_DESC(quota_bytes,
		 "per uid and per heap: most bytes of live buffers (0 = unlimited); over it an allocation fails with -ENOMEM");

static bool test_hooks;
module_param(test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks, "debugfs rheap/probe_pa: read a physical address through the linear map (tests only)");

static const char *const rheap_use_case_names[RHEAP_HEAP_COUNT] = {
	"secure-video", "trusted-ui", "secure-video-record",
};

static struct rheap_heaps *rheap_heaps;

/* ---------------------------------------------------------------------- */
/* dma-buf ops                                                            */

/**
 * struct rheap_attachment - one importer's view of a buffer
 * @dev:   the importing device
 * @table: one entry per physically contiguous run of the buffer
 * @node:  in struct rheap_buffer.attachments
 */
struct rheap_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head node;
};

/* Largest sg entry: sg lengths are unsigned int. */
#define RHEAP_SG_MAX_RUN SZ_1G

/* Walk @buf's physically contiguous runs, split at RHEAP_SG_MAX_RUN. */
static u32 rheap_buffer_runs(const struct rheap_buffer *buf,
			     struct scatterlist *sgl)
{
	struct scatterlist *sg = sgl;
	phys_addr_t start = 0;
	u64 len = 0;
	u32 runs = 0;
	u32 i;

	for (i = 0; i <= buf->ext_count; i++) {
		phys_addr_t pa = 0;
		u64 size = 0;

		if (i < buf->ext_count) {
			pa = rheap_buffer_pa(buf, i);
			size = buf->ext[i].pages << PAGE_SHIFT;
			if (len && start + len == pa) {
				len += size;
				continue;
			}
		}
		while (len) {
			u64 n = min_t(u64, len, RHEAP_SG_MAX_RUN);

			if (sgl) {
				unsigned long pfn = PHYS_PFN(start);

				/* A static pool may have no struct page. */
				sg_set_page(sg, pfn_valid(pfn) ?
						pfn_to_page(pfn) : NULL,
					    n, 0);
				sg_dma_address(sg) = start;
				sg_dma_len(sg) = n;
				sg = sg_next(sg);
			}
			runs++;
			start += n;
			len -= n;
		}
		start = pa;
		len = size;
	}
	return runs;
}

static int rheap_dmabuf_attach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attachment)
{
	struct rheap_buffer *buf = dmabuf->priv;
	struct rheap_attachment *a;
	u32 runs = rheap_buffer_runs(buf, NULL);
	int rc;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	rc = sg_alloc_table(&a->table, runs, GFP_KERNEL);
	if (rc) {
		kfree(a);
		return rc;
	}
	rheap_buffer_runs(buf, a->table.sgl);
	a->dev = attachment->dev;
	INIT_LIST_HEAD(&a->node);
	attachment->priv = a;
	mutex_lock(&buf->att_lock);
	list_add(&a->node, &buf->attachments);
	mutex_unlock(&buf->att_lock);
	return 0;
}

static void rheap_dmabuf_detach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attachment)
{
	struct rheap_buffer *buf = dmabuf->priv;
	struct rheap_attachment *a = attachment->priv;

	mutex_lock(&buf->att_lock);
	list_del(&a->node);
	mutex_unlock(&buf->att_lock);
	sg_free_table(&a->table);
	kfree(a);
}

/*
 * The table was filled with DMA addresses at attach: physical addresses,
 * no IOMMU, no bounce buffer (a bounce would read restricted memory) and
 * no cache maintenance.
 */
static struct sg_table *rheap_dmabuf_map(struct dma_buf_attachment *attachment,
					 enum dma_data_direction dir)
{
	struct rheap_attachment *a = attachment->priv;
	struct rheap_buffer *buf = attachment->dmabuf->priv;
	u64 mask = dma_get_mask(a->dev);
	struct scatterlist *sg;
	u32 i;

	for_each_sgtable_sg(&a->table, sg, i) {
		if (sg_dma_address(sg) + sg_dma_len(sg) - 1 > mask) {
			dev_warn_ratelimited(a->dev, "rheap: %s buffer beyond the device's DMA mask\n",
					     buf->heap->name);
			return ERR_PTR(-EINVAL);
		}
	}
	a->table.nents = a->table.orig_nents;
	return &a->table;
}

static void rheap_dmabuf_unmap(struct dma_buf_attachment *attachment,
			       struct sg_table *table,
			       enum dma_data_direction dir)
{
}

/* The CPU never touches restricted memory. */
static int rheap_dmabuf_mmap(struct dma_buf *dmabuf,
			     struct vm_area_struct *vma)
{
	return -EPERM;
}

static int rheap_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	return -EPERM;
}

static int rheap_dmabuf_cpu_access(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	return -EPERM;
}

static void rheap_buffer_destroy(struct rheap_buffer *buf)
{
	kfree(buf->pieces);
	kfree(buf->piece_ext);
	kfree(buf->ext);
	kfree(buf);
}

/* Unaccount @buf and return its pages (scrubbed first if @scrub). */
static void rheap_buffer_free(struct rheap_buffer *buf, bool scrub)
{
	struct rheap_heaps *hs = buf->hs;

	mutex_lock(&hs->lock);
	list_del(&buf->node);
	buf->heap->used -= buf->size;
	buf->heap->buffers--;
	/* The allocator's uid, whoever drops the last reference. */
	buf->charge->buffers--;
	buf->charge->bytes -= buf->size;
	if (!buf->charge->buffers) {
		list_del(&buf->charge->node);
		kfree(buf->charge);
	}
	hs->counters.frees++;
	rheap_pool_free(hs, buf, scrub);
	mutex_unlock(&hs->lock);
	rheap_buffer_destroy(buf);
}

static void rheap_dmabuf_release(struct dma_buf *dmabuf)
{
	rheap_buffer_free(dmabuf->priv, true);
}

static const struct dma_buf_ops rheap_dmabuf_ops = {
	.attach = rheap_dmabuf_attach,
	.detach = rheap_dmabuf_detach,
	.map_dma_buf = rheap_dmabuf_map,
	.unmap_dma_buf = rheap_dmabuf_unmap,
	.begin_cpu_access = rheap_dmabuf_cpu_access,
	.end_cpu_access = rheap_dmabuf_cpu_access,
	.mmap = rheap_dmabuf_mmap,
	.vmap = rheap_dmabuf_vmap,
	.release = rheap_dmabuf_release,
};

bool rheap_heap_is_ours(struct dma_buf *dmabuf)
{
	return dmabuf && dmabuf->ops == &rheap_dmabuf_ops;
}

int rheap_heap_buf_extents(struct dma_buf *dmabuf,
			   const struct rheap_buf_extent **ext, u32 *count,
			   u32 *use_case)
{
	struct rheap_buffer *buf;

	if (!rheap_heap_is_ours(dmabuf))
		return -EINVAL;
	buf = dmabuf->priv;
	*ext = buf->pieces;
	*count = buf->piece_count;
	*use_case = buf->heap->use_case;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* dma-heap ops                                                           */

/* @uid's charge in @heap, or NULL (none: no live buffer). hs->lock held. */
static struct rheap_uid_charge *rheap_charge_find(struct rheap_heap *heap,
						  kuid_t uid)
{
	struct rheap_uid_charge *c;

	list_for_each_entry(c, &heap->charges, node) {
		if (uid_eq(c->uid, uid))
			return c;
	}
	return NULL;
}

/* Would @len more bytes put @charge (NULL: none yet) over @quota? */
static bool rheap_over_quota(const struct rheap_uid_charge *charge, u64 len,
			     u64 quota)
{
	u64 bytes = charge ? charge->bytes : 0;

	/* The quota may have been lowered below what is already held. */
	return quota && (bytes > quota || len > quota - bytes);
}

static struct dma_buf *rheap_heap_allocate(struct dma_heap *dma_heap,
					   unsigned long len,
					   unsigned long fd_flags,
					   unsigned long heap_flags)
{
	struct rheap_heap *heap = dma_heap_get_drvdata(dma_heap);
	struct rheap_heaps *hs = heap->hs;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct rheap_uid_charge *charge, *spare;
	u64 quota = READ_ONCE(quota_bytes);
	kuid_t uid = current_uid();
	struct rheap_buffer *buf;
	struct dma_buf *dmabuf;
	int rc;

	/* The dma-heap core rounded @len and refused unknown flags. */
	if (!len || !PAGE_ALIGNED(len) || heap_flags)
		return ERR_PTR(-EINVAL);
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->hs = hs;
	buf->heap = heap;
	buf->size = len;
	INIT_LIST_HEAD(&buf->node);
	INIT_LIST_HEAD(&buf->attachments);
	mutex_init(&buf->att_lock);
	/* The uid's first buffer in the heap needs a record: taken early. */
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare) {
		rheap_buffer_destroy(buf);
		return ERR_PTR(-ENOMEM);
	}

	mutex_lock(&hs->lock);
	charge = rheap_charge_find(heap, uid);
	if (rheap_over_quota(charge, len, quota)) {
		heap->quota_refused++;
		rc = -ENOMEM;
	} else if (len > heap->capacity) {
		rc = -ENOMEM;
	} else {
		rc = rheap_pool_alloc(hs, heap, buf);
	}
	if (rc) {
		heap->alloc_failures++;
		mutex_unlock(&hs->lock);
		kfree(spare);
		rheap_buffer_destroy(buf);
		return ERR_PTR(rc == -ENOMEM || rc == -ENOSPC ? -ENOMEM : rc);
	}
	if (!charge) {
		charge = spare;
		spare = NULL;
		charge->uid = uid;
		list_add_tail(&charge->node, &heap->charges);
	}
	charge->buffers++;
	charge->bytes += buf->size;
	buf->charge = charge;
	buf->id = hs->next_id++;
	list_add_tail(&buf->node, &hs->buffers);
	heap->used += buf->size;
	heap->buffers++;
	hs->counters.allocs++;
	mutex_unlock(&hs->lock);
	kfree(spare);

	exp_info.exp_name = heap->name;
	exp_info.ops = &rheap_dmabuf_ops;
	exp_info.size = buf->size;
	exp_info.flags = fd_flags;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		/* No one saw the memory since its last scrub. */
		rheap_buffer_free(buf, false);
		mutex_lock(&hs->lock);
		heap->alloc_failures++;
		mutex_unlock(&hs->lock);
	}
	return dmabuf;
}

static const struct dma_heap_ops rheap_heap_ops = {
	.allocate = rheap_heap_allocate,
};

/* ---------------------------------------------------------------------- */
/* Init / exit                                                            */

int rheap_heaps_init(struct rheap_sec *sec)
{
	struct rheap_heaps *hs;
	bool any = false;
	u32 i;
	int rc;

	if (!chunk_size || chunk_size % PAGE_SIZE || chunk_size > SZ_1G) {
		pr_err("rheap: chunk_size %lu: not a page multiple in (0, 1 GiB]\n",
		       chunk_size);
		return -EINVAL;
	}
	hs = kzalloc(sizeof(*hs), GFP_KERNEL);
	if (!hs)
		return -ENOMEM;
	mutex_init(&hs->lock);
	INIT_LIST_HEAD(&hs->buffers);
	INIT_DELAYED_WORK(&hs->idle_work, rheap_pools_idle_work);
	hs->sec = sec;
	hs->next_id = 1;
	hs->idle_ns = (u64)idle_ms * NSEC_PER_MSEC;
	for (i = 0; i < RHEAP_HEAP_COUNT; i++) {
		struct rheap_heap *heap = &hs->heaps[i];

		snprintf(heap->name, sizeof(heap->name), "protected,%s",
			 rheap_use_case_names[i]);
		heap->use_case = RHEAP_USE_CASE_SECURE_VIDEO + i;
		heap->hs = hs;
		INIT_LIST_HEAD(&heap->charges);
	}
	rc = rheap_pools_init(hs, pools ? pools : "", chunk_size);
	if (rc)
		goto err_free;

	hs->test_dev = root_device_register("rheap_heaps");
	if (IS_ERR(hs->test_dev)) {
		rc = PTR_ERR(hs->test_dev);
		goto err_pools;
	}
	/* 32-bit DMA: what the tests' importer claims to reach. */
	hs->test_dev->coherent_dma_mask = DMA_BIT_MASK(32);
	hs->test_dev->dma_mask = &hs->test_dev->coherent_dma_mask;

	rheap_heaps = hs;
	rheap_heap_debugfs_init(hs, test_hooks);

	/* Last: a registered dma-heap cannot be removed in 6.1. */
	for (i = 0; i < RHEAP_HEAP_COUNT; i++) {
		struct rheap_heap *heap = &hs->heaps[i];
		struct dma_heap_export_info exp = {
			.name = heap->name,
			.ops = &rheap_heap_ops,
			.priv = heap,
		};

		if (!heap->capacity)
			continue;
		heap->dma_heap = dma_heap_add(&exp);
		if (IS_ERR(heap->dma_heap)) {
			pr_err("rheap: dma_heap_add(%s): %ld\n", heap->name,
			       PTR_ERR(heap->dma_heap));
			heap->dma_heap = NULL;
			continue;
		}
		any = true;
		pr_info("rheap: heap %s: %llu MiB\n", heap->name,
			heap->capacity >> 20);
	}
	if (any)
		__module_get(THIS_MODULE);
	return 0;

err_pools:
	rheap_pools_fini(hs);
err_free:
	kfree(hs);
	return rc;
}

void rheap_heaps_exit(void)
{
	struct rheap_heaps *hs = rheap_heaps;
	u32 i;

	if (!hs)
		return;
	for (i = 0; i < RHEAP_HEAP_COUNT; i++) {
		/* Pinned: rmmod cannot get here with a heap registered. */
		if (WARN_ON(hs->heaps[i].dma_heap))
			return;
	}
	rheap_heap_debugfs_fini(hs);
	rheap_pools_shutdown(hs);
	root_device_unregister(hs->test_dev);
	rheap_pools_fini(hs);
	rheap_heaps = NULL;
	kfree(hs);
}
