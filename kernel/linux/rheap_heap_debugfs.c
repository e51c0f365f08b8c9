// SPDX-License-Identifier: GPL-2.0-only
/*
 * The heaps' debugfs files, in /sys/kernel/debug/rheap/ (root only):
 *
 *   heaps        per heap: buffers, bytes, chunks lent, capacity,
 *                quarantined bytes, refused allocations (all, by quota),
 *                then one "uid" line per uid with live buffers in it
 *                (the allocating uid's buffers and bytes); then the
 *                counters
 *   chunks       every chunk of every pool (a static pool is one chunk):
 *                base PA, size, state, bytes used, SDP buffer ID
 *   attach_test  write a dma-buf fd: attach it to a test device, map it,
 *                check the sg_table against the buffer, unmap, detach;
 *                read: the verdict of the last write
 *   probe_pa     (module parameter test_hooks=1 only) write a PA; read:
 *                copy_from_kernel_nofault() of 8 bytes at that PA through
 *                the linear map: "<pa> ok <hex>" or "<pa> -14" when the
 *                page is not mapped (lent, or never mapped)
 *   fault        (test_hooks=1 only) write "<kind> <n>" (kind 1 scrub,
 *                2 reclaim, 3 lend, 4 assign; n 0 disarms): arms a debug
 *                board's fault injection (rheap-board --fault guest,
 *                docs/board-transport.md); read: "fired=<faults of that
 *                kind so far>" or the errno of the last write
 *
 * docs/kernel-driver.md, "Heaps: debugfs", documents the line formats.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "rheap_heap_internal.h"
#include "rheap_sec.h"

static const char *const rheap_chunk_state_names[] = {
	[RHEAP_CHUNK_FREE] = "free",
	[RHEAP_CHUNK_LENT] = "lent",
	[RHEAP_CHUNK_LOST] = "lost",
};

static int rheap_dbg_heaps_show(struct seq_file *s, void *unused)
{
	struct rheap_heaps *hs = s->private;
	const struct rheap_heap_counters *c = &hs->counters;
	u32 i, j;

	mutex_lock(&hs->lock);
	for (i = 0; i < RHEAP_HEAP_COUNT; i++) {
		const struct rheap_heap *heap = &hs->heaps[i];
		const struct rheap_uid_charge *ch;
		u64 lent = 0;
		u64 quarantined = 0;

		if (!heap->dma_heap)
			continue;
		for (j = 0; j < hs->pool_count; j++) {
			const struct rheap_pool *p = &hs->pools[j];
			u32 k;

			if (p->heap != heap)
				continue;
			quarantined += p->quarantined;
			for (k = 0; p->dynamic && k < p->chunk_count; k++)
				lent += p->chunks[k].state == RHEAP_CHUNK_LENT;
		}
		seq_printf(s, "%s buffers=%llu bytes=%llu chunks_lent=%llu capacity=%llu quarantined=%llu alloc_failures=%llu quota_refused=%llu\n",
			   heap->name, heap->buffers, heap->used, lent,
			   heap->capacity, quarantined, heap->alloc_failures,
			   heap->quota_refused);
		list_for_each_entry(ch, &heap->charges, node)
			seq_printf(s, "uid %u %s buffers=%llu bytes=%llu\n",
				   from_kuid_munged(&init_user_ns, ch->uid),
				   heap->name, ch->buffers, ch->bytes);
	}
	seq_printf(s, "total allocs=%llu frees=%llu lends=%llu reclaims=%llu reclaim_failures=%llu scrubbed=%llu quarantined=%llu lost=%llu\n",
		   c->allocs, c->frees, c->lends, c->reclaims,
		   c->reclaim_failures, c->scrubbed_bytes, c->quarantined_bytes,
		   c->lost_bytes);
	mutex_unlock(&hs->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rheap_dbg_heaps);

static int rheap_dbg_chunks_show(struct seq_file *s, void *unused)
{
	struct rheap_heaps *hs = s->private;
	u32 i, j;

	mutex_lock(&hs->lock);
	for (i = 0; i < hs->pool_count; i++) {
		const struct rheap_pool *p = &hs->pools[i];

		if (!p->dynamic) {
			seq_printf(s, "%s pool=%u chunk=0 base=%#llx size=%#llx state=static used=%#llx buf_id=%#x\n",
				   p->heap->name, p->index, (u64)p->base,
				   p->size, p->used + p->quarantined,
				   p->buf_id);
			continue;
		}
		for (j = 0; j < p->chunk_count; j++) {
			const struct rheap_chunk *c = &p->chunks[j];

			seq_printf(s, "%s pool=%u chunk=%u base=%#llx size=%#llx state=%s used=%#llx buf_id=%#x\n",
				   p->heap->name, p->index, j, (u64)c->base,
				   c->size, rheap_chunk_state_names[c->state],
				   c->used_pages << PAGE_SHIFT, c->buf_id);
		}
	}
	mutex_unlock(&hs->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rheap_dbg_chunks);

/* ---------------------------------------------------------------------- */
/* attach_test                                                            */

static char rheap_attach_result[128];
static DEFINE_MUTEX(rheap_attach_lock);

/* Attach, map and check @fd's buffer; a verdict line in @out. */
static void rheap_attach_check(struct rheap_heaps *hs, int fd, char *out,
			       size_t out_size)
{
	struct dma_buf *dmabuf = dma_buf_get(fd);
	struct dma_buf_attachment *att;
	const struct rheap_buf_extent *ext = NULL;
	struct scatterlist *sg;
	struct sg_table *table;
	u32 count = 0;
	u32 use_case = 0;
	u64 total = 0;
	u64 pieces = 0;
	bool runs_ok = true;
	phys_addr_t prev_end = 0;
	u64 prev_len = 0;
	u32 i;

	if (IS_ERR(dmabuf)) {
		snprintf(out, out_size, "fd %d: not a dma-buf (%ld)\n", fd,
			 PTR_ERR(dmabuf));
		return;
	}
	if (rheap_heap_buf_extents(dmabuf, &ext, &count, &use_case)) {
		snprintf(out, out_size, "fd %d: not a restricted buffer\n", fd);
		goto out_put;
	}
	for (i = 0; i < count; i++)
		pieces += ext[i].size;
	att = dma_buf_attach(dmabuf, hs->test_dev);
	if (IS_ERR(att)) {
		snprintf(out, out_size, "fd %d: attach failed (%ld)\n", fd,
			 PTR_ERR(att));
		goto out_put;
	}
	table = dma_buf_map_attachment(att, DMA_BIDIRECTIONAL);
	if (IS_ERR(table)) {
		snprintf(out, out_size, "fd %d: map failed (%ld)\n", fd,
			 PTR_ERR(table));
		goto out_detach;
	}
	for_each_sgtable_dma_sg(table, sg, i) {
		/* Maximal runs: adjacent only after a split at 1 GiB. */
		if (i && sg_dma_address(sg) == prev_end && prev_len < SZ_1G)
			runs_ok = false;
		if (!PAGE_ALIGNED(sg_dma_address(sg)) ||
		    !PAGE_ALIGNED(sg_dma_len(sg)))
			runs_ok = false;
		prev_end = sg_dma_address(sg) + sg_dma_len(sg);
		prev_len = sg_dma_len(sg);
		total += sg_dma_len(sg);
	}
	snprintf(out, out_size,
		 "%s size=%zu nents=%u dma_bytes=%llu pieces=%u piece_bytes=%llu use_case=%u\n",
		 total == dmabuf->size && pieces == dmabuf->size && runs_ok ?
			 "ok" : "bad",
		 dmabuf->size, table->nents, total, count, pieces, use_case);
	dma_buf_unmap_attachment(att, table, DMA_BIDIRECTIONAL);
out_detach:
	dma_buf_detach(dmabuf, att);
out_put:
	dma_buf_put(dmabuf);
}

static ssize_t rheap_dbg_attach_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct rheap_heaps *hs = file->private_data;
	int fd = 0;
	int rc = kstrtoint_from_user(ubuf, len, 0, &fd);

	if (rc)
		return rc;
	mutex_lock(&rheap_attach_lock);
	rheap_attach_check(hs, fd, rheap_attach_result,
			   sizeof(rheap_attach_result));
	mutex_unlock(&rheap_attach_lock);
	return len;
}

static ssize_t rheap_dbg_attach_read(struct file *file, char __user *ubuf,
				     size_t len, loff_t *ppos)
{
	char line[sizeof(rheap_attach_result)];

	mutex_lock(&rheap_attach_lock);
	memcpy(line, rheap_attach_result, sizeof(line));
	mutex_unlock(&rheap_attach_lock);
	return simple_read_from_buffer(ubuf, len, ppos, line,
				       strnlen(line, sizeof(line)));
}

static const struct file_operations rheap_dbg_attach_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rheap_dbg_attach_read,
	.write = rheap_dbg_attach_write,
	.llseek = default_llseek,
};

/* ---------------------------------------------------------------------- */
/* probe_pa                                                               */

static u64 rheap_probe_pa;
static DEFINE_MUTEX(rheap_probe_lock);

static ssize_t rheap_dbg_probe_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	u64 pa = 0;
	int rc = kstrtou64_from_user(ubuf, len, 0, &pa);

	if (rc)
		return rc;
	if (!IS_ALIGNED(pa, sizeof(u64)) || !pfn_valid(PHYS_PFN(pa)))
		return -EINVAL;
	mutex_lock(&rheap_probe_lock);
	rheap_probe_pa = pa;
	mutex_unlock(&rheap_probe_lock);
	return len;
}

static ssize_t rheap_dbg_probe_read(struct file *file, char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	char line[64];
	u64 pa, val = 0;
	long rc;
	int n;

	mutex_lock(&rheap_probe_lock);
	pa = rheap_probe_pa;
	mutex_unlock(&rheap_probe_lock);
	rc = copy_from_kernel_nofault(&val, phys_to_virt(pa), sizeof(val));
	if (rc)
		n = scnprintf(line, sizeof(line), "%#llx %ld\n", pa, rc);
	else
		n = scnprintf(line, sizeof(line), "%#llx ok %#llx\n", pa, val);
	return simple_read_from_buffer(ubuf, len, ppos, line, n);
}

static const struct file_operations rheap_dbg_probe_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rheap_dbg_probe_read,
	.write = rheap_dbg_probe_write,
	.llseek = default_llseek,
};

/* ---------------------------------------------------------------------- */
/* fault: a debug board's run-time fault injection (BOARD_SDP_CMD_FAULT)  */

#define RHEAP_BOARD_SDP_CMD_FAULT 0xFF01u

static char rheap_fault_result[32];
static DEFINE_MUTEX(rheap_fault_lock);

static ssize_t rheap_dbg_fault_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct rheap_heaps *hs = file->private_data;
	u32 args[4] = { 0 };
	u32 res[4] = { 0 };
	char buf[32];
	int rc;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %u", &args[0], &args[1]) != 2)
		return -EINVAL;
	mutex_lock(&rheap_fault_lock);
	rc = rheap_sec_sdp_call(hs->sec, RHEAP_BOARD_SDP_CMD_FAULT, args, res);
	if (rc)
		scnprintf(rheap_fault_result, sizeof(rheap_fault_result),
			  "%d\n", rc);
	else
		scnprintf(rheap_fault_result, sizeof(rheap_fault_result),
			  "fired=%u\n", res[0]);
	mutex_unlock(&rheap_fault_lock);
	return rc ? rc : len;
}

static ssize_t rheap_dbg_fault_read(struct file *file, char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	char line[32];

	mutex_lock(&rheap_fault_lock);
	strscpy(line, rheap_fault_result, sizeof(line));
	mutex_unlock(&rheap_fault_lock);
	return simple_read_from_buffer(ubuf, len, ppos, line, strlen(line));
}

static const struct file_operations rheap_dbg_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rheap_dbg_fault_read,
	.write = rheap_dbg_fault_write,
	.llseek = default_llseek,
};

/* ---------------------------------------------------------------------- */

static struct dentry *rheap_dbg_files[5];

/**
 * rheap_heap_debugfs_init() - the heaps' files in the module's debugfs
 * directory (rheap_debugfs_root(), owned by rheap_main.c)
 * @hs:         the heaps
 * @test_hooks: also create probe_pa and fault
 */
void rheap_heap_debugfs_init(struct rheap_heaps *hs, bool test_hooks)
{
	struct dentry *dir = rheap_debugfs_root();

	if (IS_ERR_OR_NULL(dir))
		return;
	rheap_dbg_files[0] = debugfs_create_file("heaps", 0400, dir, hs,
						 &rheap_dbg_heaps_fops);
	rheap_dbg_files[1] = debugfs_create_file("chunks", 0400, dir, hs,
						 &rheap_dbg_chunks_fops);
	rheap_dbg_files[2] = debugfs_create_file("attach_test", 0600, dir,
						 hs, &rheap_dbg_attach_fops);
	if (!test_hooks)
		return;
	rheap_dbg_files[3] = debugfs_create_file("probe_pa", 0600, dir, hs,
						 &rheap_dbg_probe_fops);
	rheap_dbg_files[4] = debugfs_create_file("fault", 0600, dir, hs,
						 &rheap_dbg_fault_fops);
}

/**
 * rheap_heap_debugfs_fini() - remove the heaps' files
 * @hs: the heaps
 */
void rheap_heap_debugfs_fini(struct rheap_heaps *hs)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(rheap_dbg_files); i++) {
		debugfs_remove(rheap_dbg_files[i]);
		rheap_dbg_files[i] = NULL;
	}
}
