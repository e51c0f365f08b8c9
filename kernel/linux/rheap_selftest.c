// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/debug/rheap/ffa_selftest: the secure-world backend end to
 * end. Opening the file runs the test once; reading it gives TAP lines
 * and a last line "# ffa_selftest: PASS" or "# ffa_selftest: FAIL".
 *
 *   1  FFA_ID_GET now, and the negotiated FF-A version
 *   2  SDP GET_VERSION
 *   3  SDP GET_LEND_CONFIG of the use case (a dynamic pool exists)
 *   4  take the test window (selftest_pa, 2 MiB of a dynamic pool) out of
 *      the page allocator (alloc_contig_range) and fill it with a pattern
 *   5  LEND + ASSIGN the window as one range, SCRUB its first page,
 *      RELEASE + RECLAIM: every byte reads back zero
 *   6  the same with 256 one-page ranges in two runs of 128 pages with
 *      a 128-page hole: the descriptor exceeds the TX page, so it goes
 *      with FFA_MEM_FRAG_TX; lent pages read back zero, the others keep
 *      the pattern
 *   7  a second reclaim of the same handle fails, the transport stays up
 *   8  a reclaim of a handle never lent fails, the transport stays up
 *
 * Then, for the record: the mean round trip of 200 SDP GET_VERSION calls
 * and the mailbox's counters.
 *
 * The window stays in the kernel's linear map while lent: the test only
 * touches it before the LEND and after the RECLAIM.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <rheap/sdp_abi.h>

#include "rheap_sec_internal.h"

#define RHEAP_ST_PAGES 512u /* 2 MiB of 4 KiB pages */
#define RHEAP_ST_FRAG_RANGES 256u
#define RHEAP_ST_PATTERN 0xa5
#define RHEAP_ST_TEXT 4096u
#define RHEAP_ST_CALLS 200u

static unsigned long selftest_pa = 0x0be00000;
module_param(selftest_pa, ulong, 0644);
MODULE_PARM_DESC(selftest_pa,
		 "ffa_selftest: 2 MiB window of a dynamic pool (default: the top of linux-guest.dts' secure-video pool)");

static unsigned int selftest_use_case = 1;
module_param(selftest_use_case, uint, 0644);
MODULE_PARM_DESC(selftest_use_case, "ffa_selftest: use case of that pool");

struct rheap_st {
	char *text;
	size_t len;
	unsigned int n;
	bool failed;
};

static __printf(2, 3) void rheap_st_line(struct rheap_st *st,
					  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	st->len += vscnprintf(st->text + st->len, RHEAP_ST_TEXT - st->len,
			      fmt, ap);
	va_end(ap);
}

static void rheap_st_check(struct rheap_st *st, bool ok, const char *what,
			   int rc)
{
	st->n++;
	if (!ok)
		st->failed = true;
	rheap_st_line(st, "%sok %u - %s (%d)\n", ok ? "" : "not ", st->n,
		      what, rc);
}

static u8 *rheap_st_va(unsigned long pfn, unsigned int i)
{
	return page_address(pfn_to_page(pfn + i));
}

/*
 * The test ranges: @n ranges of @pages pages, back to back, with a hole
 * of @gap pages after the first n / 2 of them (two runs: the SPMC
 * protects a run of adjacent constituents with one TZASC region, and the
 * platform has few).
 */
static u32 rheap_st_page_of(u32 i, u32 n, u32 pages, u32 gap)
{
	return i * pages + (i >= n / 2 ? gap : 0);
}

static bool rheap_st_lent(u32 p, u32 n, u32 pages, u32 gap)
{
	u32 half = n / 2 * pages;

	return p < half || (p >= half + gap && p < n * pages + gap);
}

/* Lent pages read zero, the others still hold the pattern. */
static bool rheap_st_verify(unsigned long pfn, u32 n, u32 pages, u32 gap)
{
	u32 p;

	for (p = 0; p < RHEAP_ST_PAGES; p++) {
		const u8 *va = rheap_st_va(pfn, p);

		if (rheap_st_lent(p, n, pages, gap) ?
		    memchr_inv(va, 0, PAGE_SIZE) :
		    memchr_inv(va, RHEAP_ST_PATTERN, PAGE_SIZE))
			return false;
	}
	return true;
}

static void rheap_st_fill(unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < RHEAP_ST_PAGES; i++)
		memset(rheap_st_va(pfn, i), RHEAP_ST_PATTERN, PAGE_SIZE);
}

/* LEND the ranges, SCRUB, RECLAIM, verify. */
static void rheap_st_round_trip(struct rheap_st *st, struct rheap_sec *sec,
				unsigned long pfn, u32 n, u32 pages, u32 gap,
				const char *what, u64 *handle)
{
	struct rheap_sec_range *r;
	u32 buf_id = 0, i;
	int rc;

	r = kcalloc(n, sizeof(*r), GFP_KERNEL);
	if (!r) {
		rheap_st_check(st, false, what, -ENOMEM);
		return;
	}
	for (i = 0; i < n; i++) {
		r[i].pa = PFN_PHYS(pfn) +
			  (u64)rheap_st_page_of(i, n, pages, gap) * PAGE_SIZE;
		r[i].pages = pages;
	}
	rheap_st_fill(pfn);
	rc = rheap_sec_chunk_lend(sec, selftest_use_case, r, n, handle,
				  &buf_id);
	kfree(r);
	if (rc) {
		rheap_st_check(st, false, what, rc);
		return;
	}
	rc = rheap_sec_scrub(sec, buf_id, 0, SDP_PAGE_SIZE);
	if (rc)
		rheap_st_line(st, "# %s: SCRUB of buffer 0x%x: %d\n", what,
			      buf_id, rc);
	if (!rc)
		rc = rheap_sec_chunk_reclaim(sec, *handle);
	else
		(void)rheap_sec_chunk_reclaim(sec, *handle);
	rheap_st_check(st, !rc && rheap_st_verify(pfn, n, pages, gap), what,
		       rc);
}

static void rheap_st_window(struct rheap_st *st, struct rheap_sec *sec,
			    u64 min_chunk, u64 alignment)
{
	unsigned long pfn = PHYS_PFN(selftest_pa);
	u64 handle = 0;
	int rc = -EOPNOTSUPP;

#if defined(CONFIG_CONTIG_ALLOC) && PAGE_SIZE == SZ_4K
	if (!(selftest_pa % SZ_2M)) {
		/*
		 * The pageblocks' own type (CMA with cma= over the pools):
		 * another one fails or retypes the blocks on undo.
		 */
		int mt = MIGRATE_MOVABLE;

#ifdef CONFIG_CMA
		if (is_migrate_cma_page(pfn_to_page(pfn)))
			mt = MIGRATE_CMA;
#endif
		rc = alloc_contig_range(pfn, pfn + RHEAP_ST_PAGES, mt,
					GFP_KERNEL);
	}
#endif
	rheap_st_check(st, !rc, "test window taken from the page allocator",
		       rc);
	if (rc)
		return;
	if (RHEAP_ST_PAGES * SDP_PAGE_SIZE % min_chunk || alignment > SZ_2M) {
		rheap_st_check(st, false, "lend config fits the test window",
			       -EINVAL);
		goto out;
	}
	rheap_st_round_trip(st, sec, pfn, 1, RHEAP_ST_PAGES, 0,
			    "LEND+ASSIGN, SCRUB, RELEASE+RECLAIM of 2 MiB: zeroed",
			    &handle);
	if (alignment == SDP_PAGE_SIZE &&
	    RHEAP_ST_FRAG_RANGES * SDP_PAGE_SIZE % min_chunk == 0) {
		u64 h2 = 0;

		rheap_st_round_trip(st, sec, pfn, RHEAP_ST_FRAG_RANGES, 1,
				    RHEAP_ST_FRAG_RANGES / 2,
				    "fragmented LEND of 256 ranges (FRAG_TX), RECLAIM: lent pages zeroed, others intact",
				    &h2);
	} else {
		rheap_st_line(st, "# skip fragmented LEND: alignment %llu\n",
			      alignment);
	}
	rc = rheap_sec_chunk_reclaim(sec, handle);
	rheap_st_check(st, rc && rc != -EIO && !rheap_sec_dead(sec),
		       "second RECLAIM of a reclaimed handle refused", rc);
out:
#if defined(CONFIG_CONTIG_ALLOC) && PAGE_SIZE == SZ_4K
	free_contig_range(pfn, RHEAP_ST_PAGES);
#endif
}

/* Round trip of one direct request (SDP GET_VERSION), for the record. */
static void rheap_st_latency(struct rheap_st *st, struct rheap_sec *sec)
{
	const u32 args[4] = { 0 };
	u32 res[4];
	ktime_t t0 = ktime_get();
	unsigned int i;
	s64 ns;

	for (i = 0; i < RHEAP_ST_CALLS; i++)
		if (rheap_sec_sdp_call(sec, SDP_CMD_GET_VERSION, args, res))
			return;
	ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	rheap_st_line(st, "# %u SDP GET_VERSION calls: %lld us each\n",
		      RHEAP_ST_CALLS, div_s64(ns, RHEAP_ST_CALLS * 1000));
}

static void rheap_st_run(struct rheap_st *st, struct rheap_sec *sec)
{
	u64 min_chunk = 0, alignment = 0, calls, irqs, rechecks;
	const char *name = "";
	u32 res[4] = { 0 };
	const u32 args[4] = { 0 };
	u32 version = 0, pools = 0;
	u16 id = 0;
	int rc;

	rc = rheap_sec_id_get(sec, &name, &version, &id);
	if (rc)
		rheap_st_line(st, "# transport %s, SDP partition 0x%04x\n",
			      name, rheap_sec_sdp_id(sec));
	else
		rheap_st_line(st, "# transport %s, FF-A %u.%u, endpoint 0x%04x, SDP partition 0x%04x\n",
			      name, version >> 16, version & 0xffff, id,
			      rheap_sec_sdp_id(sec));
	rheap_st_check(st, !rc && id && !(id & 0x8000), "FFA_ID_GET", rc);
	rc = rheap_sec_sdp_call(sec, SDP_CMD_GET_VERSION, args, res);
	rheap_st_check(st, !rc && res[0] == SDP_ABI_VERSION_MAJOR,
		       "SDP GET_VERSION", rc);
	rc = rheap_sec_lend_config(sec, selftest_use_case, &min_chunk,
				   &alignment, &pools);
	rheap_st_line(st, "# use case %u: chunk %llu B, alignment %llu B, %u dynamic pools\n",
		      selftest_use_case, min_chunk, alignment, pools);
	rheap_st_check(st, !rc && pools, "SDP GET_LEND_CONFIG", rc);
	if (!rc && pools)
		rheap_st_window(st, sec, min_chunk, alignment);
	rc = rheap_sec_chunk_reclaim(sec, 0x00007fff0000dead);
	rheap_st_check(st, rc && rc != -EIO && !rheap_sec_dead(sec),
		       "RECLAIM of a handle never lent refused", rc);
	rheap_st_latency(st, sec);
	if (!rheap_mbox_stats(&calls, &irqs, &rechecks))
		rheap_st_line(st, "# mailbox: %llu calls, %llu interrupts, %llu rechecks\n",
			      calls, irqs, rechecks);
	rheap_st_line(st, "1..%u\n# ffa_selftest: %s\n", st->n,
		      st->failed ? "FAIL" : "PASS");
}

static int rheap_st_open(struct inode *inode, struct file *file)
{
	struct rheap_sec *sec = rheap_sec_get();
	struct rheap_st *st;

	if (IS_ERR(sec))
		return PTR_ERR(sec);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->text = kzalloc(RHEAP_ST_TEXT, GFP_KERNEL);
	if (!st->text) {
		kfree(st);
		return -ENOMEM;
	}
	rheap_st_run(st, sec);
	pr_info("rheap: ffa_selftest: %s (%u checks)\n",
		st->failed ? "FAIL" : "PASS", st->n);
	file->private_data = st;
	return 0;
}

static ssize_t rheap_st_read(struct file *file, char __user *buf,
			     size_t count, loff_t *pos)
{
	struct rheap_st *st = file->private_data;

	return simple_read_from_buffer(buf, count, pos, st->text, st->len);
}

static int rheap_st_release(struct inode *inode, struct file *file)
{
	struct rheap_st *st = file->private_data;

	kfree(st->text);
	kfree(st);
	return 0;
}

static const struct file_operations rheap_st_fops = {
	.owner = THIS_MODULE,
	.open = rheap_st_open,
	.read = rheap_st_read,
	.release = rheap_st_release,
	.llseek = default_llseek,
};

void rheap_selftest_init(struct dentry *root)
{
	debugfs_create_file("ffa_selftest", 0400, root, NULL, &rheap_st_fops);
}
