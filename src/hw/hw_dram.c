// SPDX-License-Identifier: BSD-2-Clause
/*
 * DRAM model. The contract and the life cycle are in hw_dram.h; this file
 * explains the host mechanics.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/platform.h>

#include "hw_dram.h"

/* glibc has no wrapper; 447 on every architecture that has the call. */
#ifdef SYS_memfd_secret
#define DRAM_SYS_MEMFD_SECRET SYS_memfd_secret
#else
#define DRAM_SYS_MEMFD_SECRET 447
#endif

#define DRAM_PAGE 4096u

/* /proc/self/pagemap (Documentation/admin-guide/mm/pagemap.rst): one
 * 64-bit entry per virtual page; bit 63 page present, bit 62 swapped. */
#define DRAM_PM_PRESENT (UINT64_C(1) << 63)
#define DRAM_PM_SWAPPED (UINT64_C(1) << 62)
#define DRAM_PM_BATCH 512u /* entries per read: 2 MiB of shadow */
#define DRAM_PM_UNTRIED (-1)
#define DRAM_PM_NONE (-2)

/*
 * struct dram_backing - one host-memory backing of a PA range
 * @kind: enum hw_dram_kind
 * @base: first PA, 4 KiB aligned
 * @size: bytes, non-zero multiple of 4 KiB, fits size_t and off_t
 * @fd:   the memfd of a NW range (kept open: NW processes get it); -1 for
 *        carve-outs (their fd, if any, is closed once mapped)
 * @map:  host address of @base; NULL for a NW range not yet touched;
 *        never NULL for a carve-out once create has returned
 * @shadow: NW range only: private anonymous mirror of the whole range
 *        (reserved with MAP_NORESERVE, so only claimed pages cost memory)
 *        where claimed pages live, at the same offset as in the memfd;
 *        NULL until the first claim in the range
 * @name: "dram" or the pool's name
 */
struct dram_backing {
	enum hw_dram_kind kind;
	uint64_t base;
	uint64_t size;
	int fd;
	void *map;
	void *shadow;
	char name[RHEAP_PLAT_NAME_MAX];
};

/*
 * struct dram_claim - one claimed NW page range
 * @base: first PA, 4 KiB aligned
 * @size: bytes, non-zero multiple of 4 KiB; inside one NW range
 *
 * Kept in hw_dram.claims sorted by @base, pairwise disjoint (adjacent
 * claims are allowed and stay separate records).
 */
struct dram_claim {
	uint64_t base;
	uint64_t size;
};

/*
 * NW ranges and carve-outs are kept apart so that resolution can give
 * carve-outs precedence: a carve-out's PAs also lie inside a NW range.
 * Carve-outs are pairwise disjoint (the platform decoder rejects
 * overlapping pools) and each lies inside one NW range.
 */
struct hw_dram {
	struct dram_backing nw[RHEAP_PLAT_MAX_DRAM];
	uint32_t nw_count;
	struct dram_backing carve[RHEAP_PLAT_MAX_POOLS];
	uint32_t carve_count;
	bool secret; /* every carve-out is HW_DRAM_SECRET_MEMFD */
	char desc[HW_DRAM_DESC_MAX];
	struct dram_claim *claims; /* sorted, disjoint; see struct dram_claim */
	uint32_t claim_count;
	uint32_t claim_cap;
	uint32_t claim_fail; /* test hook: claims left to fail */
	/* External windows (kind HW_DRAM_EXT, fd -1, @map the memfd's
	 * shared mapping), sorted by base, disjoint; see hw_dram.h. */
	struct dram_backing *ext;
	uint32_t ext_count;
	uint32_t ext_cap;
	uint64_t ext_base; /* the external region: [ext_base, ext_end] */
	uint64_t ext_end;
	int pagemap_fd; /* DRAM_PM_UNTRIED until the first copy-out; or
			   DRAM_PM_NONE when /proc/self/pagemap cannot be
			   read (every shadow page is compared then) */
};

static const char *dram_errno_name(int err)
{
	switch (err) {
	case ENOSYS:
		return "ENOSYS";
	case EPERM:
		return "EPERM";
	case ENOMEM:
		return "ENOMEM";
	case EAGAIN:
		return "EAGAIN";
	case EINVAL:
		return "EINVAL";
	case EMFILE:
		return "EMFILE";
	case ENFILE:
		return "ENFILE";
	default:
		return "other error";
	}
}

static bool dram_range_ok(uint64_t base, uint64_t size)
{
	uint64_t end = 0;

	if (size == 0 || base % DRAM_PAGE != 0 || size % DRAM_PAGE != 0) {
		return false;
	}
	if (size > (uint64_t)SIZE_MAX || size > (uint64_t)INT64_MAX) {
		return false; /* must fit mmap's size_t and ftruncate's off_t */
	}
	return !__builtin_add_overflow(base, size, &end) || end == 0;
}

static bool dram_contains(const struct dram_backing *b, uint64_t pa,
			  uint64_t last)
{
	return pa >= b->base && last <= b->base + (b->size - 1u);
}

static bool dram_overlaps(const struct dram_backing *b, uint64_t pa,
			  uint64_t last)
{
	return pa <= b->base + (b->size - 1u) && b->base <= last;
}

/* Map a NW range on first use. */
static int dram_map_nw(struct dram_backing *b)
{
	void *p = NULL;

	if (b->map) {
		return 0;
	}
	p = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, b->fd, 0);
	if (p == MAP_FAILED) {
		return -ENOMEM;
	}
	b->map = p;
	return 0;
}

static int dram_create_nw(struct dram_backing *b,
			  const struct rheap_plat_dram *d)
{
	char name[48] = { 0 };

	snprintf(name, sizeof(name), "rheap-dram@%llx",
		 (unsigned long long)d->base);
	b->fd = memfd_create(name, MFD_CLOEXEC);
	if (b->fd < 0) {
		return -ENOMEM;
	}
	/* Sparse: no page exists until something writes it. */
	if (ftruncate(b->fd, (off_t)d->size) != 0) {
		return -ENOMEM; /* the caller closes b->fd */
	}
	b->kind = HW_DRAM_NW_MEMFD;
	b->base = d->base;
	b->size = d->size;
	snprintf(b->name, sizeof(b->name), "dram");
	return 0;
}

/* Best effort: keep carve-outs out of core dumps and forked children. */
static void dram_seal_carveout(void *p, size_t size)
{
	(void)madvise(p, size, MADV_DONTDUMP);
	(void)madvise(p, size, MADV_DONTFORK);
}

/* memfd_secret backing; returns 0 or the errno that made it fail. */
static int dram_try_secret(struct dram_backing *b)
{
	void *p = NULL;
	int fd = (int)syscall(DRAM_SYS_MEMFD_SECRET, (unsigned int)O_CLOEXEC);
	int err = 0;

	if (fd < 0) {
		return errno;
	}
	if (ftruncate(fd, (off_t)b->size) != 0) {
		err = errno;
		goto err_close;
	}
	p = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	if (p == MAP_FAILED) {
		err = errno;
		goto err_close;
	}
	/* The mapping keeps the memory; no fd to leak to anyone. */
	close(fd);
	b->map = p;
	b->kind = HW_DRAM_SECRET_MEMFD;
	return 0;

err_close:
	close(fd);
	return err;
}

static int dram_create_private(struct dram_backing *b)
{
	void *p = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		return -ENOMEM;
	}
	b->map = p;
	b->kind = HW_DRAM_PRIVATE;
	return 0;
}

static int dram_create_carveout(struct hw_dram *dram, struct dram_backing *b,
				const struct rheap_plat_pool *pool,
				uint32_t flags)
{
	int err = 0;
	int rc = 0;

	b->fd = -1;
	b->base = pool->base;
	b->size = pool->size;
	snprintf(b->name, sizeof(b->name), "%s", pool->name);

	if (flags & HW_DRAM_NO_SECRET) {
		err = -1; /* forced */
	} else {
		err = dram_try_secret(b);
	}
	if (err == 0) {
		dram_seal_carveout(b->map, (size_t)b->size);
		return 0;
	}
	rc = dram_create_private(b);
	if (rc) {
		return rc;
	}
	dram_seal_carveout(b->map, (size_t)b->size);
	/* The first fallback explains them all: one line for the log. */
	if (dram->secret) {
		dram->secret = false;
		if (err < 0) {
			snprintf(dram->desc, sizeof(dram->desc),
				 "carve-outs: private anonymous mapping "
				 "(memfd_secret disabled by HW_DRAM_NO_SECRET)");
		} else {
			snprintf(dram->desc, sizeof(dram->desc),
				 "carve-outs: private anonymous mapping "
				 "(memfd_secret failed for %s: %s)",
				 b->name, dram_errno_name(err));
		}
	}
	return 0;
}

static int dram_check_platform(const struct rheap_platform *plat)
{
	if (plat->dram_count == 0 || plat->dram_count > RHEAP_PLAT_MAX_DRAM ||
	    plat->pool_count > RHEAP_PLAT_MAX_POOLS) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < plat->dram_count; i++) {
		if (!dram_range_ok(plat->dram[i].base, plat->dram[i].size)) {
			return -EINVAL;
		}
	}
	for (uint32_t i = 0; i < plat->pool_count; i++) {
		const struct rheap_plat_pool *p = &plat->pools[i];
		bool inside = false;

		if (p->kind != RHEAP_POOL_STATIC) {
			continue;
		}
		if (!dram_range_ok(p->base, p->size)) {
			return -EINVAL;
		}
		for (uint32_t d = 0; d < plat->dram_count; d++) {
			const struct rheap_plat_dram *r = &plat->dram[d];

			if (p->base >= r->base &&
			    p->base + (p->size - 1u) <=
				    r->base + (r->size - 1u)) {
				inside = true;
			}
		}
		if (!inside) {
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The external region: from HW_DRAM_EXT_BASE, or from the first 1 GiB
 * boundary above the highest DRAM byte if DRAM reaches that far; empty
 * (ext_end < ext_base) if that would wrap.
 */
static void dram_ext_region(struct hw_dram *dram,
			    const struct rheap_platform *plat)
{
	uint64_t base = HW_DRAM_EXT_BASE;
	uint64_t end = 0;

	for (uint32_t i = 0; i < plat->dram_count; i++) {
		uint64_t last = plat->dram[i].base + (plat->dram[i].size - 1u);
		uint64_t above = (last | (HW_DRAM_EXT_MAX_SIZE - 1u));

		if (above == UINT64_MAX) {
			base = UINT64_MAX;
		} else if (last >= base) {
			base = above + 1u;
		}
	}
	if (base == UINT64_MAX ||
	    __builtin_add_overflow(base, HW_DRAM_EXT_SIZE - 1u, &end)) {
		dram->ext_base = 1;
		dram->ext_end = 0;
		return;
	}
	dram->ext_base = base;
	dram->ext_end = end;
}

int hw_dram_create(const struct rheap_platform *plat, uint32_t flags,
		   struct hw_dram **out)
{
	struct hw_dram *dram = NULL;
	int rc = 0;

	if ((flags & ~HW_DRAM_NO_SECRET) != 0) {
		return -EINVAL;
	}
	rc = dram_check_platform(plat);
	if (rc) {
		return rc;
	}
	dram = calloc(1, sizeof(*dram));
	if (!dram) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < RHEAP_PLAT_MAX_DRAM; i++) {
		dram->nw[i].fd = -1;
	}
	for (uint32_t i = 0; i < RHEAP_PLAT_MAX_POOLS; i++) {
		dram->carve[i].fd = -1;
	}
	dram->secret = true;
	dram_ext_region(dram, plat);
	dram->pagemap_fd = DRAM_PM_UNTRIED;
	snprintf(dram->desc, sizeof(dram->desc), "carve-outs: none");

	for (uint32_t i = 0; i < plat->dram_count; i++) {
		/* Count first: destroy closes a half-made fd too. */
		dram->nw_count++;
		rc = dram_create_nw(&dram->nw[i], &plat->dram[i]);
		if (rc) {
			goto err_destroy;
		}
	}
	for (uint32_t i = 0; i < plat->pool_count; i++) {
		struct dram_backing *b = &dram->carve[dram->carve_count];

		if (plat->pools[i].kind != RHEAP_POOL_STATIC) {
			continue;
		}
		rc = dram_create_carveout(dram, b, &plat->pools[i], flags);
		if (rc) {
			goto err_destroy;
		}
		dram->carve_count++;
	}
	if (dram->carve_count > 0 && dram->secret) {
		snprintf(dram->desc, sizeof(dram->desc),
			 "carve-outs: memfd_secret");
	}
	*out = dram;
	return 0;

err_destroy:
	hw_dram_destroy(dram);
	return rc;
}

static void dram_release(struct dram_backing *b)
{
	if (b->map) {
		munmap(b->map, (size_t)b->size);
		b->map = NULL;
	}
	if (b->shadow) {
		munmap(b->shadow, (size_t)b->size);
		b->shadow = NULL;
	}
	if (b->fd >= 0) {
		close(b->fd);
		b->fd = -1;
	}
}

void hw_dram_destroy(struct hw_dram *dram)
{
	if (!dram) {
		return;
	}
	for (uint32_t i = 0; i < dram->ext_count; i++) {
		dram_release(&dram->ext[i]);
	}
	free(dram->ext);
	/*
	 * munmap returns carve-out pages to the host kernel, which zeroes
	 * them before any reuse; touching all of them here only to zero
	 * them would fault in every never-used page.
	 */
	for (uint32_t i = 0; i < dram->carve_count; i++) {
		dram_release(&dram->carve[i]);
	}
	for (uint32_t i = 0; i < dram->nw_count; i++) {
		dram_release(&dram->nw[i]);
	}
	if (dram->pagemap_fd >= 0) {
		close(dram->pagemap_fd);
	}
	free(dram->claims);
	free(dram);
}

/* ---- external windows ---- */

/* Index of the last window whose base is <= @pa, or ext_count if none. */
static uint32_t dram_ext_floor(const struct hw_dram *dram, uint64_t pa)
{
	uint32_t lo = 0;
	uint32_t hi = dram->ext_count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2u;

		if (dram->ext[mid].base <= pa) {
			lo = mid + 1u;
		} else {
			hi = mid;
		}
	}
	return lo == 0 ? dram->ext_count : lo - 1u;
}

static int dram_ext_resolve(struct hw_dram *dram, uint64_t pa, uint64_t last,
			    struct dram_backing **out)
{
	uint32_t i = dram_ext_floor(dram, pa);

	if (i < dram->ext_count && dram_contains(&dram->ext[i], pa, last)) {
		*out = &dram->ext[i];
		return 0;
	}
	return -EINVAL;
}

/*
 * The backing holding all of [pa, pa + size). Carve-outs first: they
 * shadow the NW range around them.
 */
static int dram_resolve(struct hw_dram *dram, uint64_t pa, uint64_t size,
			struct dram_backing **out)
{
	uint64_t last = 0;

	if (size == 0) {
		return -EINVAL;
	}
	last = pa + (size - 1u);
	if (last < pa) {
		return -EOVERFLOW;
	}
	for (uint32_t i = 0; i < dram->carve_count; i++) {
		struct dram_backing *b = &dram->carve[i];

		if (!dram_overlaps(b, pa, last)) {
			continue;
		}
		if (!dram_contains(b, pa, last)) {
			return -EINVAL; /* crosses a carve-out edge */
		}
		*out = b;
		return 0;
	}
	for (uint32_t i = 0; i < dram->nw_count; i++) {
		struct dram_backing *b = &dram->nw[i];

		if (dram_contains(b, pa, last)) {
			*out = b;
			return 0;
		}
	}
	return dram_ext_resolve(dram, pa, last, out);
}

/* ---- claims ---- */

static uint64_t claim_last(const struct dram_claim *c)
{
	return c->base + (c->size - 1u);
}

/*
 * Index of the first claim whose last byte is >= @pa (claim_count if
 * none). Claims are disjoint and sorted, so their last bytes are sorted
 * too: a binary search.
 */
static uint32_t claim_lower(const struct hw_dram *dram, uint64_t pa)
{
	uint32_t lo = 0;
	uint32_t hi = dram->claim_count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2u;

		if (claim_last(&dram->claims[mid]) < pa) {
			lo = mid + 1u;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static bool claim_overlaps(const struct hw_dram *dram, uint64_t pa,
			   uint64_t last)
{
	uint32_t i = claim_lower(dram, pa);

	return i < dram->claim_count && dram->claims[i].base <= last;
}

enum claim_cover {
	CLAIM_NONE = 0,	 /* no byte claimed */
	CLAIM_ALL = 1,	 /* every byte claimed (one run of adjacent claims) */
	CLAIM_MIXED = 2, /* some claimed, some not */
};

static enum claim_cover claim_coverage(const struct hw_dram *dram,
				       uint64_t pa, uint64_t last)
{
	uint32_t i = claim_lower(dram, pa);
	uint64_t end = 0;

	if (i == dram->claim_count || dram->claims[i].base > last) {
		return CLAIM_NONE;
	}
	if (dram->claims[i].base > pa) {
		return CLAIM_MIXED;
	}
	end = claim_last(&dram->claims[i]);
	while (end < last) {
		i++;
		if (i == dram->claim_count || dram->claims[i].base != end + 1u) {
			return CLAIM_MIXED;
		}
		end = claim_last(&dram->claims[i]);
	}
	return CLAIM_ALL;
}

/* Checks a page range; -EINVAL or -EOVERFLOW as the claim calls return. */
static int claim_args(uint64_t pa, uint64_t size)
{
	if (size == 0) {
		return -EINVAL;
	}
	if (pa + (size - 1u) < pa) {
		return -EOVERFLOW;
	}
	if (pa % DRAM_PAGE != 0 || size % DRAM_PAGE != 0) {
		return -EINVAL;
	}
	return 0;
}

static int claim_reserve(struct hw_dram *dram)
{
	struct dram_claim *n = NULL;
	uint32_t cap = 0;

	if (dram->claim_count < dram->claim_cap) {
		return 0;
	}
	if (dram->claim_cap > UINT32_MAX / 2u) {
		return -ENOMEM;
	}
	cap = dram->claim_cap ? dram->claim_cap * 2u : 16u;
	n = realloc(dram->claims, (size_t)cap * sizeof(*n));
	if (!n) {
		return -ENOMEM;
	}
	dram->claims = n;
	dram->claim_cap = cap;
	return 0;
}

/* The NW range's shadow mirror, reserved on the first claim. */
static int dram_map_shadow(struct dram_backing *b)
{
	void *p = NULL;

	if (b->shadow) {
		return 0;
	}
	p = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		return -ENOMEM;
	}
	dram_seal_carveout(p, (size_t)b->size);
	/*
	 * Lent chunks are megabytes: 2 MiB pages turn thousands of first-touch
	 * faults into a handful (advisory; ignored where THP is off).
	 */
	(void)madvise(p, (size_t)b->size, MADV_HUGEPAGE);
	b->shadow = p;
	return 0;
}

/* Whole-buffer pread/pwrite; 0 or -ENOMEM (the host's trouble). */
static int dram_io(int fd, uint8_t *buf, uint64_t size, uint64_t off,
		   bool write)
{
	uint64_t done = 0;

	while (done < size) {
		size_t chunk = (size_t)(size - done);
		ssize_t n = 0;

		if (write) {
			n = pwrite(fd, buf + done, chunk, (off_t)(off + done));
		} else {
			n = pread(fd, buf + done, chunk, (off_t)(off + done));
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -ENOMEM;
		}
		done += (uint64_t)n;
	}
	return 0;
}

static int dram_punch(const struct dram_backing *b, uint64_t off,
		      uint64_t size)
{
	if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)size) != 0) {
		return -ENOMEM;
	}
	return 0;
}

/*
 * Copy the data extents of the memfd range [off, off + size) into @shadow,
 * which reads as zero. Holes are skipped, so a chunk the normal world never
 * wrote (a fresh pool chunk, the common case) copies nothing. Without
 * SEEK_DATA support the whole range is copied. *@copied tells whether any
 * byte was (the range holds data to punch).
 */
static int dram_copy_in(int fd, uint8_t *shadow, uint64_t size, uint64_t off,
			bool *copied)
{
	uint64_t end = off + size;
	uint64_t pos = off;

	*copied = false;
	while (pos < end) {
		off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
		off_t hole = 0;
		uint64_t stop = 0;
		int rc = 0;

		if (data < 0 && errno == ENXIO) {
			return 0; /* nothing but holes from @pos on */
		}
		if (data < 0) {
			*copied = true;
			return dram_io(fd, shadow + (pos - off), end - pos, pos,
				       false);
		}
		if ((uint64_t)data >= end) {
			return 0;
		}
		hole = lseek(fd, data, SEEK_HOLE);
		stop = hole < 0 || (uint64_t)hole > end ? end : (uint64_t)hole;
		*copied = true;
		rc = dram_io(fd, shadow + ((uint64_t)data - off),
			     stop - (uint64_t)data, (uint64_t)data, false);
		if (rc) {
			return rc;
		}
		pos = stop;
	}
	return 0;
}

static bool dram_page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[DRAM_PAGE];

	return memcmp(p, zero, DRAM_PAGE) == 0;
}

/*
 * Which of @count shadow pages from @p may hold data: set @maybe[i] for a
 * page that is present or swapped out. A page that is neither was never
 * written since the shadow was mapped or since MADV_DONTNEED (the scrub of
 * a claimed range), and reads as zero: its comparison is skipped. false
 * when the pagemap cannot tell (every page must be compared).
 */
static bool dram_shadow_map(struct hw_dram *dram, const uint8_t *p,
			    uint32_t count, bool *maybe)
{
	uint64_t ent[DRAM_PM_BATCH] = { 0 };
	size_t len = (size_t)count * sizeof(ent[0]);
	off_t off = (off_t)((uintptr_t)p / DRAM_PAGE * sizeof(ent[0]));

	if (dram->pagemap_fd == DRAM_PM_UNTRIED) {
		dram->pagemap_fd = open("/proc/self/pagemap",
					O_RDONLY | O_CLOEXEC);
		if (dram->pagemap_fd < 0) {
			dram->pagemap_fd = DRAM_PM_NONE;
		}
	}
	if (dram->pagemap_fd < 0 || count > DRAM_PM_BATCH ||
	    pread(dram->pagemap_fd, ent, len, off) != (ssize_t)len) {
		return false;
	}
	for (uint32_t i = 0; i < count; i++) {
		maybe[i] = (ent[i] & (DRAM_PM_PRESENT | DRAM_PM_SWAPPED)) != 0;
	}
	return true;
}

/*
 * Give the shadow's bytes back to the memfd range [off, off + size): punch
 * it first (dropping whatever the normal world wrote into the hole), then
 * write only the non-zero pages. Scrubbed memory, the common case for pool
 * chunks, writes nothing; and since the scrub of a claimed range drops its
 * shadow pages, the pagemap lets most of it be skipped unread (a 16 MiB
 * chunk: one 32 KiB pagemap read instead of comparing 16 MiB of zero
 * pages). Falls back to writing everything if the punch is refused.
 */
static int dram_copy_out(struct hw_dram *dram, const struct dram_backing *b,
			 const uint8_t *shadow, uint64_t size, uint64_t off)
{
	bool maybe[DRAM_PM_BATCH] = { false };
	uint64_t run = UINT64_MAX; /* first page of the pending data run */
	uint64_t p = 0;

	if (dram_punch(b, off, size) != 0) {
		return dram_io(b->fd, (uint8_t *)shadow, size, off, true);
	}
	while (p < size) {
		uint64_t left = (size - p) / DRAM_PAGE;
		uint32_t count = left < DRAM_PM_BATCH ? (uint32_t)left :
							DRAM_PM_BATCH;
		bool known = dram_shadow_map(dram, shadow + p, count, maybe);

		for (uint32_t i = 0; i < count; i++, p += DRAM_PAGE) {
			bool data = (!known || maybe[i]) &&
				    !dram_page_is_zero(shadow + p);
			int rc = 0;

			if (data && run == UINT64_MAX) {
				run = p;
			}
			if (data || run == UINT64_MAX) {
				continue;
			}
			rc = dram_io(b->fd, (uint8_t *)shadow + run, p - run,
				     off + run, true);
			if (rc) {
				return rc;
			}
			run = UINT64_MAX;
		}
	}
	if (run != UINT64_MAX) {
		return dram_io(b->fd, (uint8_t *)shadow + run, size - run,
			       off + run, true);
	}
	return 0;
}

int hw_dram_claim(struct hw_dram *dram, uint64_t pa, uint64_t size)
{
	struct dram_backing *b = NULL;
	uint8_t *shadow = NULL;
	uint64_t off = 0;
	uint32_t at = 0;
	bool copied = false;
	int rc = claim_args(pa, size);

	if (rc) {
		return rc;
	}
	rc = dram_resolve(dram, pa, size, &b);
	if (rc) {
		return rc;
	}
	if (b->kind != HW_DRAM_NW_MEMFD) {
		return -EINVAL; /* a carve-out is secure already */
	}
	if (claim_overlaps(dram, pa, pa + (size - 1u))) {
		return -EBUSY;
	}
	if (dram->claim_fail > 0) {
		dram->claim_fail--;
		return -ENOMEM;
	}
	rc = claim_reserve(dram);
	if (rc) {
		return rc;
	}
	rc = dram_map_shadow(b);
	if (rc) {
		return rc;
	}
	/*
	 * Copy through the fd, not the board's mapping: a hole reads as
	 * zeros without allocating memfd pages only to punch them. A range
	 * that was all hole (a fresh pool chunk) needs no punch either:
	 * whatever a NW process writes into it from now on is its own bytes,
	 * and the unclaim punches the range before writing back.
	 */
	off = pa - b->base;
	shadow = (uint8_t *)b->shadow + off;
	rc = dram_copy_in(b->fd, shadow, size, off, &copied);
	if (rc == 0 && copied) {
		rc = dram_punch(b, off, size);
	}
	if (rc) {
		(void)madvise(shadow, (size_t)size, MADV_DONTNEED);
		return rc;
	}
	/* Commit: nothing below can fail. */
	at = claim_lower(dram, pa);
	memmove(&dram->claims[at + 1u], &dram->claims[at],
		(size_t)(dram->claim_count - at) * sizeof(dram->claims[0]));
	dram->claims[at] = (struct dram_claim){ .base = pa, .size = size };
	dram->claim_count++;
	return 0;
}

int hw_dram_unclaim(struct hw_dram *dram, uint64_t pa, uint64_t size)
{
	struct dram_backing *b = NULL;
	uint8_t *shadow = NULL;
	uint64_t off = 0;
	uint32_t at = 0;
	int rc = claim_args(pa, size);

	if (rc) {
		return rc;
	}
	at = claim_lower(dram, pa);
	if (at == dram->claim_count || dram->claims[at].base != pa ||
	    dram->claims[at].size != size) {
		return -ENOENT;
	}
	rc = dram_resolve(dram, pa, size, &b);
	if (rc || b->kind != HW_DRAM_NW_MEMFD || !b->shadow) {
		return -EINVAL; /* corrupt: a claim outside a claimed NW range */
	}
	off = pa - b->base;
	shadow = (uint8_t *)b->shadow + off;
	/* Overwrites whatever the NW wrote into the hole meanwhile. */
	rc = dram_copy_out(dram, b, shadow, size, off);
	if (rc) {
		/* Partly written back: hide it again; the claim stays. */
		(void)dram_punch(b, off, size);
		return rc;
	}
	/* Private anonymous: the pages are freed and read as zero after. */
	(void)madvise(shadow, (size_t)size, MADV_DONTNEED);
	memmove(&dram->claims[at], &dram->claims[at + 1u],
		(size_t)(dram->claim_count - at - 1u) * sizeof(dram->claims[0]));
	dram->claim_count--;
	return 0;
}

bool hw_dram_is_claimed(const struct hw_dram *dram, uint64_t pa,
			uint64_t size)
{
	uint64_t last = pa + (size - 1u);

	if (size == 0 || last < pa) {
		return false;
	}
	return claim_overlaps(dram, pa, last);
}

uint32_t hw_dram_claim_count(const struct hw_dram *dram)
{
	return dram->claim_count;
}

void hw_dram_claim_fail_inject(struct hw_dram *dram, uint32_t count)
{
	dram->claim_fail = count;
}

/* ---- resolution, scrub, release ---- */

int hw_dram_ptr(struct hw_dram *dram, uint64_t pa, uint64_t size, void **ptr)
{
	struct dram_backing *b = NULL;
	enum claim_cover cover = CLAIM_NONE;
	int rc = dram_resolve(dram, pa, size, &b);

	if (rc) {
		return rc;
	}
	if (b->kind != HW_DRAM_NW_MEMFD) {
		*ptr = (uint8_t *)b->map + (pa - b->base);
		return 0;
	}
	cover = claim_coverage(dram, pa, pa + (size - 1u));
	if (cover == CLAIM_MIXED) {
		return -EINVAL; /* two host backings: shadow and memfd */
	}
	if (cover == CLAIM_ALL) {
		/* A claim in this range exists, so its shadow does. */
		*ptr = (uint8_t *)b->shadow + (pa - b->base);
		return 0;
	}
	rc = dram_map_nw(b);
	if (rc) {
		return rc;
	}
	*ptr = (uint8_t *)b->map + (pa - b->base);
	return 0;
}

bool hw_dram_is_carveout(const struct hw_dram *dram, uint64_t pa,
			 uint64_t size)
{
	uint64_t last = pa + (size - 1u);

	if (size == 0 || last < pa) {
		return false;
	}
	for (uint32_t i = 0; i < dram->carve_count; i++) {
		if (dram_overlaps(&dram->carve[i], pa, last)) {
			return true;
		}
	}
	return false;
}

/* Zero bytes of a host mapping at @base's offset @pa - @b->base. */
static void dram_zero_at(const struct dram_backing *b, void *map, uint64_t pa,
			 uint64_t size)
{
	if (size > 0) {
		explicit_bzero((uint8_t *)map + (pa - b->base), (size_t)size);
	}
}

/*
 * Release one piece living in a single host backing: whole pages go back
 * to the host (hole punch in the memfd, MADV_DONTNEED in a shadow), the
 * partial pages and any refused release are zeroed. @map is mapped.
 */
static void dram_release_piece(const struct dram_backing *b, void *map,
			       bool shadow, uint64_t pa, uint64_t size)
{
	/* Offsets inside the backing: no wrap, backing < 2^63 bytes. */
	uint64_t first_page =
		(pa - b->base + DRAM_PAGE - 1u) / DRAM_PAGE * DRAM_PAGE;
	uint64_t end = pa - b->base + size;
	uint64_t end_page = end / DRAM_PAGE * DRAM_PAGE;
	int rc = -1;

	if (end_page > first_page) {
		if (shadow) {
			rc = madvise((uint8_t *)map + first_page,
				     (size_t)(end_page - first_page),
				     MADV_DONTNEED);
		} else {
			rc = dram_punch(b, first_page, end_page - first_page);
		}
	}
	if (rc != 0) {
		dram_zero_at(b, map, pa, size); /* no whole page, or refused */
		return;
	}
	/* The released pages read as zero; zero the partial pages. */
	dram_zero_at(b, map, pa, b->base + first_page - pa);
	dram_zero_at(b, map, b->base + end_page, end - end_page);
}

/*
 * Zero (@release: release) [pa, pa + size) piece by piece: claimed pieces
 * in the shadow, the rest in the memfd.
 */
static int dram_clear(struct hw_dram *dram, uint64_t pa, uint64_t size,
		      bool release)
{
	struct dram_backing *b = NULL;
	uint64_t last = 0;
	uint64_t pos = pa;
	uint32_t i = 0;
	int rc = dram_resolve(dram, pa, size, &b);

	if (rc) {
		return rc;
	}
	last = pa + (size - 1u);
	if (b->kind != HW_DRAM_NW_MEMFD) {
		/* Carve-out: MADV_DONTNEED would not free secretmem pages. */
		dram_zero_at(b, b->map, pa, size);
		return 0;
	}
	/* The only step that can fail comes first: nothing zeroed on error. */
	rc = dram_map_nw(b);
	if (rc) {
		return rc;
	}
	i = claim_lower(dram, pa);
	for (;;) {
		bool in_claim = i < dram->claim_count &&
				dram->claims[i].base <= pos;
		uint64_t piece_last = last;
		void *map = b->map;

		if (in_claim) {
			uint64_t cl = claim_last(&dram->claims[i]);

			piece_last = cl < last ? cl : last;
			map = b->shadow;
			i++;
		} else if (i < dram->claim_count &&
			   dram->claims[i].base <= last) {
			piece_last = dram->claims[i].base - 1u;
		}
		/*
		 * A claimed piece lives in the private anonymous shadow, where
		 * MADV_DONTNEED is a scrub: the pages read as zero from then
		 * on and go back to the host kernel, which zeroes them before
		 * any reuse. Writing 12 MiB of zeros into a lent chunk cost
		 * more than the rest of its reclaim.
		 */
		if (release || in_claim) {
			dram_release_piece(b, map, in_claim, pos,
					   piece_last - pos + 1u);
		} else {
			dram_zero_at(b, map, pos, piece_last - pos + 1u);
		}
		if (piece_last == last) {
			return 0;
		}
		pos = piece_last + 1u;
	}
}

int hw_dram_scrub(struct hw_dram *dram, uint64_t pa, uint64_t size)
{
	return dram_clear(dram, pa, size, false);
}

int hw_dram_release(struct hw_dram *dram, uint64_t pa, uint64_t size)
{
	return dram_clear(dram, pa, size, true);
}

/* First fit: the lowest free PA range of @size in the region. */
static int dram_ext_place(const struct hw_dram *dram, uint64_t size,
			  uint64_t *pa, uint32_t *at)
{
	uint64_t cand = dram->ext_base;

	if (dram->ext_end < dram->ext_base) {
		return -ENOSPC;
	}
	for (uint32_t i = 0; i <= dram->ext_count; i++) {
		uint64_t limit = i < dram->ext_count ? dram->ext[i].base - 1u :
						       dram->ext_end;

		if (cand <= limit && limit - cand >= size - 1u) {
			*pa = cand;
			*at = i;
			return 0;
		}
		if (i < dram->ext_count) {
			cand = dram->ext[i].base + dram->ext[i].size;
		}
	}
	return -ENOSPC;
}

static int dram_ext_reserve(struct hw_dram *dram)
{
	struct dram_backing *n = NULL;
	uint32_t cap = 0;

	if (dram->ext_count < dram->ext_cap) {
		return 0;
	}
	cap = dram->ext_cap ? dram->ext_cap * 2u : 16u;
	if (cap > HW_DRAM_EXT_MAX) {
		cap = HW_DRAM_EXT_MAX;
	}
	n = realloc(dram->ext, (size_t)cap * sizeof(*n));
	if (!n) {
		return -ENOMEM;
	}
	dram->ext = n;
	dram->ext_cap = cap;
	return 0;
}

/* The memfd checks of hw_dram_ext_map(), in its order. */
static int dram_ext_check_fd(int fd, uint64_t size)
{
	struct stat st = { 0 };
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 0 || (uint64_t)st.st_size < size) {
		return -EINVAL;
	}
	if (!(seals & F_SEAL_SHRINK)) {
		return -EPERM; /* it could shrink under the mapping: SIGBUS */
	}
	return 0;
}

int hw_dram_ext_map(struct hw_dram *dram, int fd, uint64_t size, uint64_t *pa)
{
	struct dram_backing *w = NULL;
	uint64_t base = 0;
	uint32_t at = 0;
	void *p = NULL;
	int rc = 0;

	if (size == 0 || size % DRAM_PAGE != 0 || size > HW_DRAM_EXT_MAX_SIZE) {
		return -EINVAL;
	}
	if (fd < 0) {
		return -EINVAL;
	}
	rc = dram_ext_check_fd(fd, size);
	if (rc) {
		return rc;
	}
	if (dram->ext_count >= HW_DRAM_EXT_MAX) {
		return -ENOSPC;
	}
	rc = dram_ext_place(dram, size, &base, &at);
	if (rc) {
		return rc;
	}
	rc = dram_ext_reserve(dram);
	if (rc) {
		return rc;
	}
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		return errno == EACCES || errno == EPERM ? -EPERM : -ENOMEM;
	}
	memmove(&dram->ext[at + 1u], &dram->ext[at],
		(size_t)(dram->ext_count - at) * sizeof(dram->ext[0]));
	w = &dram->ext[at];
	*w = (struct dram_backing){
		.kind = HW_DRAM_EXT,
		.base = base,
		.size = size,
		.fd = -1,
		.map = p,
	};
	snprintf(w->name, sizeof(w->name), "ext");
	dram->ext_count++;
	*pa = base;
	return 0;
}

int hw_dram_ext_unmap(struct hw_dram *dram, uint64_t pa)
{
	uint32_t i = dram_ext_floor(dram, pa);

	if (i >= dram->ext_count || dram->ext[i].base != pa) {
		return -ENOENT;
	}
	dram_release(&dram->ext[i]);
	memmove(&dram->ext[i], &dram->ext[i + 1u],
		(size_t)(dram->ext_count - i - 1u) * sizeof(dram->ext[0]));
	dram->ext_count--;
	return 0;
}

uint32_t hw_dram_ext_count(const struct hw_dram *dram)
{
	return dram->ext_count;
}

int hw_dram_ext_get(const struct hw_dram *dram, uint32_t index,
		    uint64_t *base, uint64_t *size)
{
	if (index >= dram->ext_count) {
		return -ENOENT;
	}
	*base = dram->ext[index].base;
	*size = dram->ext[index].size;
	return 0;
}

uint32_t hw_dram_nw_count(const struct hw_dram *dram)
{
	return dram->nw_count;
}

int hw_dram_nw_range_get(const struct hw_dram *dram, uint32_t index,
			 struct hw_dram_nw_range *out)
{
	if (index >= dram->nw_count) {
		return -ENOENT;
	}
	out->fd = dram->nw[index].fd;
	out->base = dram->nw[index].base;
	out->size = dram->nw[index].size;
	return 0;
}

int hw_dram_nw_adopt(struct hw_dram *dram, uint64_t base, int fd)
{
	struct dram_backing *b = NULL;
	struct stat st = { 0 };
	int dup_fd = -1;

	for (uint32_t i = 0; i < dram->nw_count && !b; i++) {
		if (dram->nw[i].base == base) {
			b = &dram->nw[i];
		}
	}
	if (!b) {
		return -ENOENT;
	}
	if (b->map || b->shadow || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size != b->size) {
		return -EINVAL;
	}
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0) {
		return -ENOMEM;
	}
	close(b->fd);
	b->fd = dup_fd;
	return 0;
}

uint32_t hw_dram_backing_count(const struct hw_dram *dram)
{
	return dram->nw_count + dram->carve_count;
}

int hw_dram_backing_get(const struct hw_dram *dram, uint32_t index,
			struct hw_dram_backing_info *out)
{
	const struct dram_backing *b = NULL;

	if (index < dram->nw_count) {
		b = &dram->nw[index];
	} else if (index - dram->nw_count < dram->carve_count) {
		b = &dram->carve[index - dram->nw_count];
	} else {
		return -ENOENT;
	}
	out->kind = b->kind;
	out->base = b->base;
	out->size = b->size;
	out->name = b->name;
	return 0;
}

const char *hw_dram_backing_desc(const struct hw_dram *dram)
{
	return dram->desc;
}

bool hw_dram_secret(const struct hw_dram *dram)
{
	return dram->secret;
}
