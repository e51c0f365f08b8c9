// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the hardware models (src/hw): TZASC, SMMU, DRAM, bus and
 * devices. Table rows run as separate cmocka tests (prestate) so a failure
 * names the rule it broke. Every failing TZASC/SMMU call is followed by a
 * check that the state did not change; TZASC invariants are re-validated
 * after every mutation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/platform.h>
#include <rheap/use_case.h>

#include "hw/hw_bus.h"
#include "hw/hw_device.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "hw/hw_tzasc.h"

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define PG 4096u

/* The small test board. */
#define DRAM0 0x80000000ull
#define DRAM1 (DRAM0 + MIB(16)) /* adjacent second bank */
#define CARVE (DRAM0 + MIB(8))  /* static pool "sv", 1 MiB */
#define CARVE_SIZE MIB(1)
#define DYN (DRAM1 + MIB(8))    /* dynamic pool, 4 MiB: NW memory */
#define SID_VDEC 0x10u
#define SID_DISP 0x20u
#define SID_GPU 0x30u
#define SID_DMA 0x40u

static void set_name(char *dst, const char *src)
{
	snprintf(dst, RHEAP_PLAT_NAME_MAX, "%s", src);
}

static void plat_small(struct rheap_platform *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->model, sizeof(p->model), "hw test board");
	p->dram[0].base = DRAM0;
	p->dram[0].size = MIB(16);
	p->dram[1].base = DRAM1;
	p->dram[1].size = MIB(16);
	p->dram_count = 2;

	set_name(p->pools[0].name, "sv");
	p->pools[0].base = CARVE;
	p->pools[0].size = CARVE_SIZE;
	p->pools[0].alignment = PG;
	p->pools[0].kind = RHEAP_POOL_STATIC;
	p->pools[0].use_case = RHEAP_USE_CASE_SECURE_VIDEO;
	set_name(p->pools[1].name, "sv-dyn");
	p->pools[1].base = DYN;
	p->pools[1].size = MIB(4);
	p->pools[1].alignment = PG;
	p->pools[1].kind = RHEAP_POOL_DYNAMIC;
	p->pools[1].use_case = RHEAP_USE_CASE_SECURE_VIDEO;
	p->pool_count = 2;

	set_name(p->devices[0].name, "vdec");
	p->devices[0].stream_id = SID_VDEC;
	p->devices[0].secure = true;
	p->devices[0].use_case_mask =
		RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO);
	set_name(p->devices[1].name, "display");
	p->devices[1].stream_id = SID_DISP;
	p->devices[1].secure = true;
	p->devices[1].use_case_mask =
		RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_TRUSTED_UI);
	set_name(p->devices[2].name, "gpu");
	p->devices[2].stream_id = SID_GPU;
	set_name(p->devices[3].name, "dma");
	p->devices[3].stream_id = SID_DMA;
	p->device_count = 4;

	p->tzasc.region_count = RHEAP_PLAT_DEFAULT_TZASC_REGIONS;
}

/* ====================================================================== */
/* TZASC                                                                  */

#define TZ_BASE 0x80000000ull
#define TZ_PG(n) (TZ_BASE + (uint64_t)(n) * PG)

static struct hw_tzasc tz_fresh(uint32_t count)
{
	struct hw_tzasc tz = { 0 };

	assert_int_equal(hw_tzasc_init(&tz, count), 0);
	return tz;
}

/* Apply a failing call and prove nothing changed. */
#define TZ_FAILS(tz, call, want)                                    \
	do {                                                        \
		struct hw_tzasc snap_ = *(tz);                      \
		assert_int_equal((call), (want));                   \
		assert_true(hw_tzasc_eq(&snap_, (tz)));             \
		assert_int_equal(hw_tzasc_validate(tz), 0);         \
	} while (0)

#define TZ_OK(tz, call)                                     \
	do {                                                \
		assert_int_equal((call), 0);                \
		assert_int_equal(hw_tzasc_validate(tz), 0); \
	} while (0)

static void test_tzasc_init(void **state)
{
	struct hw_tzasc tz = tz_fresh(8);
	struct hw_tzasc_region r = { 0 };
	struct hw_tzasc before = tz;
	struct rheap_platform plat = { 0 };

	(void)state;
	assert_int_equal(hw_tzasc_validate(&tz), 0);
	assert_int_equal(hw_tzasc_regions_used(&tz), 0);
	assert_int_equal(hw_tzasc_region_get(&tz, 0, &r), 0);
	assert_true(r.enabled);
	assert_true(r.base == 0 && r.last == UINT64_MAX);
	assert_int_equal(r.access, HW_ACCESS_ALL);
	assert_int_equal(hw_tzasc_region_get(&tz, 8, &r), 0);
	assert_false(r.enabled);
	assert_int_equal(hw_tzasc_region_get(&tz, 9, &r), -ENOENT);
	/* Too many regions: rejected, storage untouched. */
	assert_int_equal(hw_tzasc_init(&tz, HW_TZASC_MAX_REGIONS + 1u),
			 -EINVAL);
	assert_true(hw_tzasc_eq(&before, &tz));
	assert_int_equal(hw_tzasc_init(&tz, HW_TZASC_MAX_REGIONS), 0);
	plat_small(&plat);
	assert_int_equal(hw_tzasc_init_platform(&tz, &plat), 0);
	assert_int_equal(tz.region_count, 8);
	/* Everything is open before anything is protected. */
	assert_int_equal(hw_tzasc_check(&tz, 0, UINT64_MAX, HW_ACCESS_NS_CPU),
			 0);
}

struct tz_arg_case {
	const char *name;
	bool unprotect;
	uint64_t base;
	uint64_t size;
	int want;
};

static const struct tz_arg_case tz_arg_cases[] = {
	{ "protect_size_zero", false, TZ_PG(0), 0, -EINVAL },
	{ "protect_base_misaligned", false, TZ_PG(0) + 1, PG, -EINVAL },
	{ "protect_size_misaligned", false, TZ_PG(0), PG + 512, -EINVAL },
	{ "protect_wraps", false, UINT64_MAX - PG + 1, 2 * PG, -EOVERFLOW },
	{ "protect_overlaps_exact", false, TZ_PG(10), 2 * PG, -EBUSY },
	{ "protect_overlaps_low_edge", false, TZ_PG(9), 2 * PG, -EBUSY },
	{ "protect_overlaps_high_edge", false, TZ_PG(11), 2 * PG, -EBUSY },
	{ "protect_contains_region", false, TZ_PG(8), 8 * PG, -EBUSY },
	{ "protect_inside_region", false, TZ_PG(11), PG, -EBUSY },
	{ "unprotect_size_zero", true, TZ_PG(10), 0, -EINVAL },
	{ "unprotect_misaligned", true, TZ_PG(10) + 8, PG, -EINVAL },
	{ "unprotect_wraps", true, UINT64_MAX - PG + 1, 2 * PG, -EOVERFLOW },
	{ "unprotect_not_protected", true, TZ_PG(100), PG, -ENOENT },
	{ "unprotect_straddles_low_edge", true, TZ_PG(9), 2 * PG, -EINVAL },
	{ "unprotect_straddles_high_edge", true, TZ_PG(11), 2 * PG, -EINVAL },
	{ "unprotect_spans_two_regions", true, TZ_PG(10), 12 * PG, -EINVAL },
};

/* State: [10, 12) and [20, 22) protected, in slots 1 and 2. */
static void test_tzasc_arg(void **state)
{
	const struct tz_arg_case *c = *state;
	struct hw_tzasc tz = tz_fresh(8);

	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(10), 2 * PG));
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(20), 2 * PG));
	if (c->unprotect) {
		TZ_FAILS(&tz, hw_tzasc_unprotect(&tz, c->base, c->size),
			 c->want);
	} else {
		TZ_FAILS(&tz, hw_tzasc_protect(&tz, c->base, c->size), c->want);
	}
	assert_int_equal(hw_tzasc_regions_used(&tz), 2);
}

static void test_tzasc_protect_checks(void **state)
{
	struct hw_tzasc tz = tz_fresh(8);

	(void)state;
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(4), 4 * PG));
	/* Inside: secure classes only. */
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(5), 10, HW_ACCESS_NS_CPU),
			 -EPERM);
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(5), 10, HW_ACCESS_NS_DEV),
			 -EPERM);
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(5), 10, HW_ACCESS_S_CPU), 0);
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(5), 10, HW_ACCESS_S_DEV), 0);
	/* Edges: the byte before and after are open; one byte in is not. */
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(4) - 1, 1, HW_ACCESS_NS_CPU),
			 0);
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(8), 1, HW_ACCESS_NS_CPU), 0);
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(4) - 1, 2, HW_ACCESS_NS_CPU),
			 -EPERM);
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(8) - 1, 2, HW_ACCESS_NS_DEV),
			 -EPERM);
	/* A range that only partly covers the region: still secure-only. */
	assert_int_equal(hw_tzasc_check(&tz, TZ_PG(0), 16 * PG,
					HW_ACCESS_S_DEV),
			 0);
	assert_true(hw_tzasc_is_secure(&tz, TZ_PG(0), 5 * PG));
	assert_false(hw_tzasc_is_secure(&tz, TZ_PG(0), 4 * PG));
	assert_false(hw_tzasc_is_secure(&tz, TZ_PG(0), 0));
	assert_false(hw_tzasc_is_secure(&tz, UINT64_MAX, 2));
}

struct tz_check_case {
	const char *name;
	uint64_t pa;
	uint64_t size;
	uint32_t access;
	int want;
};

static const struct tz_check_case tz_check_cases[] = {
	{ "check_size_zero", TZ_PG(0), 0, HW_ACCESS_NS_CPU, -EINVAL },
	{ "check_no_class", TZ_PG(0), 1, 0, -EINVAL },
	{ "check_two_classes", TZ_PG(0), 1, HW_ACCESS_NS_CPU | HW_ACCESS_S_CPU,
	  -EINVAL },
	{ "check_unknown_class", TZ_PG(0), 1, 1u << 7, -EINVAL },
	{ "check_wraps", UINT64_MAX, 2, HW_ACCESS_S_CPU, -EOVERFLOW },
	{ "check_ends_at_2_64", UINT64_MAX - PG + 1, PG, HW_ACCESS_NS_CPU, 0 },
	{ "check_whole_space_denied", 0, UINT64_MAX, HW_ACCESS_NS_CPU, -EPERM },
	{ "check_whole_space_secure", 0, UINT64_MAX, HW_ACCESS_S_CPU, 0 },
};

static void test_tzasc_check(void **state)
{
	const struct tz_check_case *c = *state;
	struct hw_tzasc tz = tz_fresh(8);

	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(4), 4 * PG));
	assert_int_equal(hw_tzasc_check(&tz, c->pa, c->size, c->access),
			 c->want);
}

/* Expected programmable regions after a sequence, as (first, pages). */
struct tz_span {
	uint32_t first;
	uint32_t pages;
};

struct tz_seq_case {
	const char *name;
	struct tz_span protect[4];
	uint32_t protect_count;
	struct tz_span unprotect; /* pages == 0: none */
	int unprotect_want;
	struct tz_span want[4];
	uint32_t want_count;
};

static const struct tz_seq_case tz_seq_cases[] = {
	{ "coalesce_above_existing", { { 10, 2 }, { 12, 3 } }, 2, { 0, 0 }, 0,
	  { { 10, 5 } }, 1 },
	{ "coalesce_below_existing", { { 10, 2 }, { 7, 3 } }, 2, { 0, 0 }, 0,
	  { { 7, 5 } }, 1 },
	{ "bridge_two_regions", { { 10, 2 }, { 14, 2 }, { 12, 2 } }, 3,
	  { 0, 0 }, 0, { { 10, 6 } }, 1 },
	{ "gap_of_one_page_no_merge", { { 10, 2 }, { 13, 2 } }, 2, { 0, 0 }, 0,
	  { { 10, 2 }, { 13, 2 } }, 2 },
	{ "unprotect_whole", { { 10, 4 } }, 1, { 10, 4 }, 0, { { 0, 0 } }, 0 },
	{ "unprotect_prefix", { { 10, 4 } }, 1, { 10, 1 }, 0, { { 11, 3 } },
	  1 },
	{ "unprotect_suffix", { { 10, 4 } }, 1, { 13, 1 }, 0, { { 10, 3 } },
	  1 },
	{ "unprotect_middle_splits", { { 10, 4 } }, 1, { 11, 2 }, 0,
	  { { 10, 1 }, { 13, 1 } }, 2 },
	{ "unprotect_part_of_coalesced", { { 10, 2 }, { 12, 2 } }, 2,
	  { 10, 2 }, 0, { { 12, 2 } }, 1 },
};

static bool tz_has_span(const struct hw_tzasc *tz, struct tz_span s)
{
	for (uint32_t i = 1; i <= tz->region_count; i++) {
		struct hw_tzasc_region r = { 0 };

		assert_int_equal(hw_tzasc_region_get(tz, i, &r), 0);
		if (r.enabled && r.base == TZ_PG(s.first) &&
		    r.last == TZ_PG(s.first + s.pages) - 1u &&
		    r.access == HW_ACCESS_SECURE) {
			return true;
		}
	}
	return false;
}

static void test_tzasc_seq(void **state)
{
	const struct tz_seq_case *c = *state;
	struct hw_tzasc tz = tz_fresh(8);

	for (uint32_t i = 0; i < c->protect_count; i++) {
		TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(c->protect[i].first),
					    c->protect[i].pages * PG));
	}
	if (c->unprotect.pages) {
		assert_int_equal(hw_tzasc_unprotect(&tz,
						    TZ_PG(c->unprotect.first),
						    c->unprotect.pages * PG),
				 c->unprotect_want);
		assert_int_equal(hw_tzasc_validate(&tz), 0);
	}
	assert_int_equal(hw_tzasc_regions_used(&tz), c->want_count);
	for (uint32_t i = 0; i < c->want_count; i++) {
		assert_true(tz_has_span(&tz, c->want[i]));
	}
}

/* Slots keep their numbers while regions grow and shrink. */
static void test_tzasc_slot_stability(void **state)
{
	struct hw_tzasc tz = tz_fresh(8);
	struct hw_tzasc_region r = { 0 };

	(void)state;
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(10), PG));
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(20), PG));
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(21), PG)); /* grows slot 2 */
	assert_int_equal(hw_tzasc_region_get(&tz, 2, &r), 0);
	assert_true(r.base == TZ_PG(20) && r.last == TZ_PG(22) - 1);
	/* Bridge 10..21: the lower slot (1) absorbs, slot 2 is freed. */
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(11), 9 * PG));
	assert_int_equal(hw_tzasc_region_get(&tz, 1, &r), 0);
	assert_true(r.base == TZ_PG(10) && r.last == TZ_PG(22) - 1);
	assert_int_equal(hw_tzasc_region_get(&tz, 2, &r), 0);
	assert_false(r.enabled);
	/* The next new region takes the lowest free slot. */
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(40), PG));
	assert_int_equal(hw_tzasc_region_get(&tz, 2, &r), 0);
	assert_true(r.enabled && r.base == TZ_PG(40));
}

/* Fill all 8 programmable slots with separate regions. */
static struct hw_tzasc tz_full(void)
{
	struct hw_tzasc tz = tz_fresh(8);

	for (uint32_t i = 0; i < 8; i++) {
		TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(10 * i + 10), 2 * PG));
	}
	assert_int_equal(hw_tzasc_regions_used(&tz), 8);
	return tz;
}

static void test_tzasc_exhaustion(void **state)
{
	struct hw_tzasc tz = tz_full();

	(void)state;
	/* A ninth separate range: -ENOSPC, nothing changes. */
	TZ_FAILS(&tz, hw_tzasc_protect(&tz, TZ_PG(200), PG), -ENOSPC);
	/* Adjacent ranges need no slot: still fine when full. */
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(12), PG));
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(19), PG));
	assert_int_equal(hw_tzasc_regions_used(&tz), 8);
	/* Bridging frees one, which a new range can then take. */
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(13), 6 * PG));
	assert_int_equal(hw_tzasc_regions_used(&tz), 7);
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(200), PG));
	assert_int_equal(hw_tzasc_regions_used(&tz), 8);
	TZ_FAILS(&tz, hw_tzasc_protect(&tz, TZ_PG(300), PG), -ENOSPC);
}

static void test_tzasc_split_needs_slot(void **state)
{
	struct hw_tzasc tz = tz_full();

	(void)state;
	/* Region [10, 12): punching page 10.5 is misaligned; use a 4-page one. */
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(12), 2 * PG)); /* [10, 14) */
	TZ_FAILS(&tz, hw_tzasc_unprotect(&tz, TZ_PG(11), PG), -ENOSPC);
	/* Edges need no slot even when full. */
	TZ_OK(&tz, hw_tzasc_unprotect(&tz, TZ_PG(13), PG));
	TZ_OK(&tz, hw_tzasc_unprotect(&tz, TZ_PG(10), PG));
	assert_true(tz_has_span(&tz, (struct tz_span){ 11, 2 }));
	/* Free one slot, then the split works. */
	TZ_OK(&tz, hw_tzasc_unprotect(&tz, TZ_PG(80), 2 * PG));
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(13), 2 * PG)); /* [11, 15) */
	TZ_OK(&tz, hw_tzasc_unprotect(&tz, TZ_PG(12), 2 * PG));
	assert_true(tz_has_span(&tz, (struct tz_span){ 11, 1 }));
	assert_true(tz_has_span(&tz, (struct tz_span){ 14, 1 }));
	assert_int_equal(hw_tzasc_regions_used(&tz), 8);
}

static void test_tzasc_zero_regions(void **state)
{
	struct hw_tzasc tz = tz_fresh(0);
	struct hw_tzasc_region r = { 0 };

	(void)state;
	TZ_FAILS(&tz, hw_tzasc_protect(&tz, TZ_PG(0), PG), -ENOSPC);
	TZ_FAILS(&tz, hw_tzasc_unprotect(&tz, TZ_PG(0), PG), -ENOENT);
	assert_int_equal(hw_tzasc_region_get(&tz, 1, &r), -ENOENT);
}

static void test_tzasc_top_of_space(void **state)
{
	struct hw_tzasc tz = tz_fresh(8);
	uint64_t top = UINT64_MAX - 2 * PG + 1; /* last two pages */

	(void)state;
	TZ_OK(&tz, hw_tzasc_protect(&tz, top, 2 * PG));
	assert_int_equal(hw_tzasc_check(&tz, UINT64_MAX, 1, HW_ACCESS_NS_CPU),
			 -EPERM);
	TZ_OK(&tz, hw_tzasc_protect(&tz, top - PG, PG)); /* coalesce below */
	assert_int_equal(hw_tzasc_regions_used(&tz), 1);
	TZ_OK(&tz, hw_tzasc_unprotect(&tz, UINT64_MAX - PG + 1, PG));
	assert_int_equal(hw_tzasc_check(&tz, UINT64_MAX, 1, HW_ACCESS_NS_CPU),
			 0);
	/* Page 0 too: coalescing must not look below address 0. */
	TZ_OK(&tz, hw_tzasc_protect(&tz, 0, PG));
	TZ_OK(&tz, hw_tzasc_unprotect(&tz, 0, PG));
}

static void test_tzasc_validate_detects(void **state)
{
	struct hw_tzasc tz = tz_fresh(8);
	struct hw_tzasc bad = { 0 };

	(void)state;
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(10), 2 * PG));
	TZ_OK(&tz, hw_tzasc_protect(&tz, TZ_PG(20), 2 * PG));

	bad = tz; /* overlap */
	bad.regions[2].base = TZ_PG(11);
	assert_int_equal(hw_tzasc_validate(&bad), -EINVAL);
	bad = tz; /* adjacent with equal access: should have merged */
	bad.regions[2].base = TZ_PG(12);
	assert_int_equal(hw_tzasc_validate(&bad), -EINVAL);
	bad = tz; /* misaligned end */
	bad.regions[1].last = TZ_PG(12);
	assert_int_equal(hw_tzasc_validate(&bad), -EINVAL);
	bad = tz; /* garbage in a free slot */
	bad.regions[5].base = 1;
	assert_int_equal(hw_tzasc_validate(&bad), -EINVAL);
	bad = tz; /* background narrowed */
	bad.regions[0].access = HW_ACCESS_SECURE;
	assert_int_equal(hw_tzasc_validate(&bad), -EINVAL);
	assert_false(hw_tzasc_eq(&bad, &tz));
}

/*
 * Model check: random protect/unprotect over a 48-page window against a
 * page bitmap, validating invariants, exact errno classes, no change on
 * failure, and check() against the bitmap.
 */
static uint32_t rng_state = 12345u;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

static void test_tzasc_model(void **state)
{
	struct hw_tzasc tz = tz_fresh(4);
	bool secure[48] = { false };

	(void)state;
	rng_state = 777u;
	for (int step = 0; step < 20000; step++) {
		uint32_t first = rng() % 48u;
		uint32_t pages = 1u + rng() % 6u;
		bool unprot = (rng() & 1u) != 0;
		struct hw_tzasc snap = tz;
		int rc = 0;

		if (first + pages > 48u) {
			pages = 48u - first;
		}
		if (unprot) {
			rc = hw_tzasc_unprotect(&tz, TZ_PG(first), pages * PG);
		} else {
			rc = hw_tzasc_protect(&tz, TZ_PG(first), pages * PG);
		}
		assert_int_equal(hw_tzasc_validate(&tz), 0);
		if (rc) {
			assert_true(hw_tzasc_eq(&snap, &tz));
			assert_true(rc == -EBUSY || rc == -ENOSPC ||
				    rc == -ENOENT || rc == -EINVAL);
			if (!unprot) {
				bool any = false;

				for (uint32_t p = first; p < first + pages;
				     p++) {
					any = any || secure[p];
				}
				assert_true(rc == -ENOSPC || any);
				assert_true(rc != -ENOSPC || !any);
			}
		} else {
			for (uint32_t p = first; p < first + pages; p++) {
				assert_true(secure[p] == unprot);
				secure[p] = !unprot;
			}
		}
		for (uint32_t p = 0; p < 48u; p++) {
			assert_int_equal(hw_tzasc_check(&tz, TZ_PG(p), PG,
							HW_ACCESS_NS_CPU),
					 secure[p] ? -EPERM : 0);
		}
	}
}

/* ====================================================================== */
/* SMMU                                                                   */

struct smmu_fixture {
	struct rheap_platform plat;
	struct hw_smmu *smmu;
};

static int smmu_setup(void **state)
{
	static struct smmu_fixture f = { 0 };

	plat_small(&f.plat);
	f.smmu = NULL;
	if (hw_smmu_create(&f.plat, &f.smmu) != 0) {
		return -1;
	}
	*state = &f;
	return 0;
}

static int smmu_teardown(void **state)
{
	struct smmu_fixture *f = *state;

	hw_smmu_destroy(f->smmu);
	return 0;
}

static void test_smmu_streams(void **state)
{
	struct smmu_fixture *f = *state;
	struct hw_smmu_stream_info info = { 0 };
	struct rheap_platform dup = { 0 };
	struct hw_smmu *other = NULL;

	assert_int_equal(hw_smmu_stream_count(f->smmu), 4);
	assert_int_equal(hw_smmu_stream_get(f->smmu, 0, &info), 0);
	assert_true(info.stream_id == SID_VDEC && info.secure);
	assert_int_equal(hw_smmu_stream_get(f->smmu, 2, &info), 0);
	assert_true(info.stream_id == SID_GPU && !info.secure);
	assert_int_equal(hw_smmu_stream_get(f->smmu, 4, &info), -ENOENT);
	assert_int_equal(hw_smmu_stream_find(f->smmu, SID_DMA, NULL), 0);
	assert_int_equal(hw_smmu_stream_find(f->smmu, 0x99, &info), -ENOENT);
	assert_int_equal(hw_smmu_mapping_count(f->smmu), 0);

	dup = f->plat;
	dup.devices[3].stream_id = SID_VDEC;
	assert_int_equal(hw_smmu_create(&dup, &other), -EINVAL);
	assert_null(other);
	dup.device_count = RHEAP_PLAT_MAX_DEVICES + 1u;
	assert_int_equal(hw_smmu_create(&dup, &other), -EINVAL);
}

struct smmu_map_case {
	const char *name;
	uint32_t sid;
	uint32_t ctx;
	uint64_t iova;
	uint64_t pa;
	uint64_t size;
	uint32_t perms;
	int want;
};

static const struct smmu_map_case smmu_map_cases[] = {
	{ "map_ok_ns", SID_GPU, HW_SMMU_CTX_NS, 0x200000, DRAM0, PG,
	  HW_SMMU_RW, 0 },
	{ "map_ok_secure", SID_VDEC, HW_SMMU_CTX_S, 0x200000, CARVE, PG,
	  HW_SMMU_READ, 0 },
	{ "map_adjacent_below", SID_VDEC, HW_SMMU_CTX_NS, 0x100000 - PG, DRAM0,
	  PG, HW_SMMU_RW, 0 },
	{ "map_adjacent_above", SID_VDEC, HW_SMMU_CTX_NS, 0x100000 + 4 * PG,
	  DRAM0, PG, HW_SMMU_RW, 0 },
	{ "map_ends_at_2_64", SID_VDEC, HW_SMMU_CTX_NS, UINT64_MAX - PG + 1,
	  DRAM0, PG, HW_SMMU_RW, 0 },
	{ "map_bad_ctx", SID_VDEC, 2, 0x200000, DRAM0, PG, HW_SMMU_RW,
	  -EINVAL },
	{ "map_perms_zero", SID_VDEC, HW_SMMU_CTX_NS, 0x200000, DRAM0, PG, 0,
	  -EINVAL },
	{ "map_perms_unknown", SID_VDEC, HW_SMMU_CTX_NS, 0x200000, DRAM0, PG,
	  4, -EINVAL },
	{ "map_size_zero", SID_VDEC, HW_SMMU_CTX_NS, 0x200000, DRAM0, 0,
	  HW_SMMU_RW, -EINVAL },
	{ "map_iova_misaligned", SID_VDEC, HW_SMMU_CTX_NS, 0x200001, DRAM0, PG,
	  HW_SMMU_RW, -EINVAL },
	{ "map_pa_misaligned", SID_VDEC, HW_SMMU_CTX_NS, 0x200000, DRAM0 + 16,
	  PG, HW_SMMU_RW, -EINVAL },
	{ "map_size_misaligned", SID_VDEC, HW_SMMU_CTX_NS, 0x200000, DRAM0,
	  PG + 1, HW_SMMU_RW, -EINVAL },
	{ "map_iova_wraps", SID_VDEC, HW_SMMU_CTX_NS, UINT64_MAX - PG + 1,
	  DRAM0, 2 * PG, HW_SMMU_RW, -EOVERFLOW },
	{ "map_pa_wraps", SID_VDEC, HW_SMMU_CTX_NS, 0x200000,
	  UINT64_MAX - PG + 1, 2 * PG, HW_SMMU_RW, -EOVERFLOW },
	{ "map_unknown_stream", 0x99, HW_SMMU_CTX_NS, 0x200000, DRAM0, PG,
	  HW_SMMU_RW, -ENOENT },
	{ "map_secure_ctx_ns_stream", SID_GPU, HW_SMMU_CTX_S, 0x200000, DRAM0,
	  PG, HW_SMMU_RW, -EPERM },
	{ "map_overlap_exact", SID_VDEC, HW_SMMU_CTX_NS, 0x100000, DRAM0,
	  4 * PG, HW_SMMU_RW, -EBUSY },
	{ "map_overlap_low", SID_VDEC, HW_SMMU_CTX_NS, 0x100000 - PG, DRAM0,
	  2 * PG, HW_SMMU_RW, -EBUSY },
	{ "map_overlap_high", SID_VDEC, HW_SMMU_CTX_NS, 0x100000 + 3 * PG,
	  DRAM0, 2 * PG, HW_SMMU_RW, -EBUSY },
	{ "map_overlap_inside", SID_VDEC, HW_SMMU_CTX_NS, 0x100000 + PG, DRAM0,
	  PG, HW_SMMU_RW, -EBUSY },
	{ "map_overlap_around", SID_VDEC, HW_SMMU_CTX_NS, 0x0, DRAM0, MIB(2),
	  HW_SMMU_RW, -EBUSY },
};

/* Fixture state: vdec NS has [0x100000, +4 pages). */
static void test_smmu_map(void **state)
{
	const struct smmu_map_case *c = *state;
	struct rheap_platform plat = { 0 };
	struct hw_smmu *smmu = NULL;
	struct hw_smmu_mapping m = { 0 };
	size_t before = 0;
	int rc = 0;

	plat_small(&plat);
	assert_int_equal(hw_smmu_create(&plat, &smmu), 0);
	assert_int_equal(hw_smmu_map(smmu, SID_VDEC, HW_SMMU_CTX_NS, 0x100000,
				     DRAM0 + MIB(1), 4 * PG, HW_SMMU_RW),
			 0);
	before = hw_smmu_mapping_count(smmu);
	rc = hw_smmu_map(smmu, c->sid, c->ctx, c->iova, c->pa, c->size,
			 c->perms);
	assert_int_equal(rc, c->want);
	assert_int_equal(hw_smmu_mapping_count(smmu),
			 before + (c->want == 0 ? 1u : 0u));
	/* The fixture mapping is intact either way. */
	assert_int_equal(hw_smmu_mapping_get(smmu, SID_VDEC, HW_SMMU_CTX_NS,
					     c->want == 0 &&
							     c->sid == SID_VDEC &&
							     c->ctx == HW_SMMU_CTX_NS &&
							     c->iova < 0x100000 ?
						     1 :
						     0,
					     &m),
			 0);
	assert_true(m.iova == 0x100000 && m.size == 4 * PG);
	hw_smmu_destroy(smmu);
}

static void test_smmu_translate(void **state)
{
	struct smmu_fixture *f = *state;
	uint64_t pa = 0;

	/* Two extents, PA-contiguous, then a third elsewhere. */
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0x10000,
				     CARVE, 2 * PG, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
				     0x10000 + 2 * PG, CARVE + 2 * PG, PG,
				     HW_SMMU_READ),
			 0);
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
				     0x10000 + 3 * PG, CARVE + 10 * PG, PG,
				     HW_SMMU_RW),
			 0);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000 + 123, 10, HW_SMMU_READ,
					   &pa),
			 0);
	assert_true(pa == CARVE + 123);
	/* Across the extent edge, contiguous PA: fine for reading. */
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000 + PG, 2 * PG, HW_SMMU_READ,
					   &pa),
			 0);
	assert_true(pa == CARVE + PG);
	/* ... but page 2 is read-only. */
	pa = 7;
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000 + PG, 2 * PG, HW_SMMU_WRITE,
					   &pa),
			 -EPERM);
	assert_true(pa == 7);
	/* Pages 2 -> 3 are not PA-contiguous. */
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000 + 2 * PG, 2 * PG,
					   HW_SMMU_READ, &pa),
			 -EINVAL);
	/* Past the end, and into a hole. */
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000 + 3 * PG, PG + 1,
					   HW_SMMU_READ, &pa),
			 -ENOENT);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000 - 1, 2, HW_SMMU_READ, &pa),
			 -ENOENT);
	/* The NS context of the same stream sees nothing. */
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_NS,
					   0x10000, 1, HW_SMMU_READ, &pa),
			 -ENOENT);
	/* Hostile arguments. */
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000, 0, HW_SMMU_READ, &pa),
			 -EINVAL);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   UINT64_MAX, 2, HW_SMMU_READ, &pa),
			 -EOVERFLOW);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, 5, 0x10000, 1,
					   HW_SMMU_READ, &pa),
			 -EINVAL);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x10000, 1, 0, &pa),
			 -EINVAL);
	assert_int_equal(hw_smmu_translate(f->smmu, 0x77, HW_SMMU_CTX_S,
					   0x10000, 1, HW_SMMU_READ, &pa),
			 -ENOENT);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_DMA, HW_SMMU_CTX_S,
					   0x10000, 1, HW_SMMU_READ, &pa),
			 -EPERM);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_VDEC, HW_SMMU_CTX_S),
			 3);
	assert_int_equal(hw_smmu_mapping_count(f->smmu), 0);
}

static void test_smmu_unmap(void **state)
{
	struct smmu_fixture *f = *state;

	assert_int_equal(hw_smmu_map(f->smmu, SID_DISP, HW_SMMU_CTX_NS,
				     0x40000, DRAM0, 4 * PG, HW_SMMU_RW),
			 0);
	/* Anything but the exact extent: -ENOENT, nothing removed. */
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, HW_SMMU_CTX_NS,
				       0x40000, PG),
			 -ENOENT);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, HW_SMMU_CTX_NS,
				       0x40000 + PG, 3 * PG),
			 -ENOENT);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, HW_SMMU_CTX_NS,
				       0x40000, 8 * PG),
			 -ENOENT);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, HW_SMMU_CTX_S,
				       0x40000, 4 * PG),
			 -ENOENT);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_VDEC, HW_SMMU_CTX_NS,
				       0x40000, 4 * PG),
			 -ENOENT);
	assert_int_equal(hw_smmu_unmap(f->smmu, 0x99, HW_SMMU_CTX_NS, 0x40000,
				       4 * PG),
			 -ENOENT);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_GPU, HW_SMMU_CTX_S, 0x40000,
				       4 * PG),
			 -EPERM);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, 9, 0x40000, 4 * PG),
			 -EINVAL);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, HW_SMMU_CTX_NS,
				       0x40000, 0),
			 -EINVAL);
	assert_int_equal(hw_smmu_context_mapping_count(f->smmu, SID_DISP,
						       HW_SMMU_CTX_NS),
			 1);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, HW_SMMU_CTX_NS,
				       0x40000, 4 * PG),
			 0);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_DISP, HW_SMMU_CTX_NS,
				       0x40000, 4 * PG),
			 -ENOENT);
	assert_int_equal(hw_smmu_mapping_count(f->smmu), 0);
	/* Count/get/unmap_all error paths. */
	assert_int_equal(hw_smmu_context_mapping_count(f->smmu, SID_GPU,
						       HW_SMMU_CTX_S),
			 -EPERM);
	assert_int_equal(hw_smmu_context_mapping_count(f->smmu, 1, 0), -ENOENT);
	assert_int_equal(hw_smmu_context_mapping_count(f->smmu, SID_GPU, 3),
			 -EINVAL);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_GPU, HW_SMMU_CTX_S),
			 -EPERM);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, 1, HW_SMMU_CTX_NS),
			 -ENOENT);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_GPU, 2), -EINVAL);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_GPU, HW_SMMU_CTX_NS),
			 0);
}

/* Random maps/unmaps against a per-page model; order and lookups. */
static void test_smmu_model(void **state)
{
	struct smmu_fixture *f = *state;
	uint64_t model[256] = { 0 }; /* PA of IOVA page i, 0 = unmapped */
	uint32_t start[256] = { 0 }; /* extent size (pages) if it starts at i */

	rng_state = 4242u;
	for (int step = 0; step < 5000; step++) {
		uint32_t first = rng() % 256u;
		uint32_t pages = 1u + rng() % 8u;
		uint64_t pa = DRAM0 + (uint64_t)(rng() % 1024u) * PG;
		bool free_range = true;
		int rc = 0;

		if (first + pages > 256u) {
			pages = 256u - first;
		}
		for (uint32_t p = first; p < first + pages; p++) {
			free_range = free_range && model[p] == 0;
		}
		if (rng() % 3u == 0 && start[first] != 0) {
			uint32_t n = start[first];

			assert_int_equal(hw_smmu_unmap(f->smmu, SID_DMA,
						       HW_SMMU_CTX_NS,
						       (uint64_t)first * PG,
						       (uint64_t)n * PG),
					 0);
			for (uint32_t p = first; p < first + n; p++) {
				model[p] = 0;
			}
			start[first] = 0;
			continue;
		}
		rc = hw_smmu_map(f->smmu, SID_DMA, HW_SMMU_CTX_NS,
				 (uint64_t)first * PG, pa, (uint64_t)pages * PG,
				 HW_SMMU_RW);
		assert_int_equal(rc, free_range ? 0 : -EBUSY);
		if (rc == 0) {
			for (uint32_t p = 0; p < pages; p++) {
				model[first + p] = pa + (uint64_t)p * PG;
			}
			start[first] = pages;
		}
	}
	for (uint32_t p = 0; p < 256u; p++) {
		uint64_t got = 0;
		int rc = hw_smmu_translate(f->smmu, SID_DMA, HW_SMMU_CTX_NS,
					   (uint64_t)p * PG + 5, 1,
					   HW_SMMU_WRITE, &got);

		if (model[p]) {
			assert_int_equal(rc, 0);
			assert_true(got == model[p] + 5);
		} else {
			assert_int_equal(rc, -ENOENT);
		}
	}
	/* Listing is in strictly increasing, non-overlapping IOVA order. */
	{
		int n = hw_smmu_context_mapping_count(f->smmu, SID_DMA,
						      HW_SMMU_CTX_NS);
		uint64_t next = 0;
		struct hw_smmu_mapping m = { 0 };

		assert_true(n > 0);
		for (int i = 0; i < n; i++) {
			assert_int_equal(hw_smmu_mapping_get(f->smmu, SID_DMA,
							     HW_SMMU_CTX_NS,
							     (uint32_t)i, &m),
					 0);
			assert_true(m.iova >= next);
			assert_true(start[m.iova / PG] * PG == m.size);
			next = m.iova + m.size;
		}
		assert_int_equal(hw_smmu_mapping_get(f->smmu, SID_DMA,
						     HW_SMMU_CTX_NS,
						     (uint32_t)n, &m),
				 -ENOENT);
		assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_DMA,
						   HW_SMMU_CTX_NS),
				 n);
	}
}

static void test_smmu_capacity(void **state)
{
	struct smmu_fixture *f = *state;

	for (uint32_t i = 0; i < HW_SMMU_MAX_MAPPINGS; i++) {
		assert_int_equal(hw_smmu_map(f->smmu, SID_GPU, HW_SMMU_CTX_NS,
					     (uint64_t)i * 2 * PG, DRAM0, PG,
					     HW_SMMU_READ),
				 0);
	}
	assert_int_equal(hw_smmu_map(f->smmu, SID_GPU, HW_SMMU_CTX_NS,
				     (uint64_t)HW_SMMU_MAX_MAPPINGS * 2 * PG,
				     DRAM0, PG, HW_SMMU_READ),
			 -ENOSPC);
	assert_int_equal(hw_smmu_mapping_count(f->smmu), HW_SMMU_MAX_MAPPINGS);
	/* Other contexts are not affected by one context's cap. */
	assert_int_equal(hw_smmu_map(f->smmu, SID_DMA, HW_SMMU_CTX_NS, 0,
				     DRAM0, PG, HW_SMMU_READ),
			 0);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_GPU, HW_SMMU_CTX_NS),
			 (int)HW_SMMU_MAX_MAPPINGS);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_DMA, HW_SMMU_CTX_NS),
			 1);
}

/*
 * hw_smmu_fail_inject(): the next maps that reach the allocation step fail
 * with -ENOMEM and change nothing; earlier refusals do not use up the
 * count; unmap is not affected; 0 disables.
 */
static void test_smmu_fail_inject(void **state)
{
	struct smmu_fixture *f = *state;
	struct hw_smmu_mapping m = { 0 };
	uint64_t pa = 0;

	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0x100000,
				     CARVE, 4 * PG, HW_SMMU_READ),
			 0);
	hw_smmu_fail_inject(f->smmu, 2);
	/* Refused before the allocation step: the count is kept. */
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
				     0x100000 + PG, CARVE, PG, HW_SMMU_READ),
			 -EBUSY);
	assert_int_equal(hw_smmu_map(f->smmu, SID_GPU, HW_SMMU_CTX_S, 0x200000,
				     DRAM0, PG, HW_SMMU_READ),
			 -EPERM);
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0x200001,
				     CARVE, PG, HW_SMMU_READ),
			 -EINVAL);
	/* Two injected failures, in any context, then maps work again. */
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0x200000,
				     CARVE, PG, HW_SMMU_READ),
			 -ENOMEM);
	assert_int_equal(hw_smmu_map(f->smmu, SID_GPU, HW_SMMU_CTX_NS, 0x200000,
				     DRAM0, PG, HW_SMMU_RW),
			 -ENOMEM);
	assert_int_equal(hw_smmu_mapping_count(f->smmu), 1);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x200000, PG, HW_SMMU_READ, &pa),
			 -ENOENT);
	assert_int_equal(hw_smmu_mapping_get(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0,
					     &m),
			 0);
	assert_true(m.iova == 0x100000 && m.pa == CARVE && m.size == 4 * PG &&
		    m.perms == HW_SMMU_READ);
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0x200000,
				     CARVE, PG, HW_SMMU_READ),
			 0);
	assert_int_equal(hw_smmu_mapping_count(f->smmu), 2);

	/* Unmap, unmap_all and translate ignore a pending injection. */
	hw_smmu_fail_inject(f->smmu, 1);
	assert_int_equal(hw_smmu_translate(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
					   0x100000, PG, HW_SMMU_READ, &pa),
			 0);
	assert_int_equal(hw_smmu_unmap(f->smmu, SID_VDEC, HW_SMMU_CTX_S,
				       0x200000, PG),
			 0);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_VDEC, HW_SMMU_CTX_S),
			 1);
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0x100000,
				     CARVE, PG, HW_SMMU_READ),
			 -ENOMEM);
	assert_int_equal(hw_smmu_mapping_count(f->smmu), 0);

	/* 0 disables a pending injection. */
	hw_smmu_fail_inject(f->smmu, 5);
	hw_smmu_fail_inject(f->smmu, 0);
	assert_int_equal(hw_smmu_map(f->smmu, SID_VDEC, HW_SMMU_CTX_S, 0x100000,
				     CARVE, PG, HW_SMMU_READ),
			 0);
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_VDEC, HW_SMMU_CTX_S),
			 1);
}

/* An injected failure where the extent array must grow: nothing moves. */
static void test_smmu_fail_inject_grow(void **state)
{
	struct smmu_fixture *f = *state;
	struct hw_smmu_mapping m = { 0 };
	uint32_t n = 0;

	/* 16 is the first capacity: the 17th map must grow the array. */
	for (n = 0; n < 16u; n++) {
		assert_int_equal(hw_smmu_map(f->smmu, SID_DMA, HW_SMMU_CTX_NS,
					     (uint64_t)(n + 1u) * 2 * PG,
					     DRAM0 + (uint64_t)n * PG, PG,
					     HW_SMMU_READ),
				 0);
	}
	hw_smmu_fail_inject(f->smmu, 1);
	/* Below every extent: the tail would have shifted. */
	assert_int_equal(hw_smmu_map(f->smmu, SID_DMA, HW_SMMU_CTX_NS, 0,
				     DRAM0 + MIB(1), PG, HW_SMMU_RW),
			 -ENOMEM);
	assert_int_equal(hw_smmu_context_mapping_count(f->smmu, SID_DMA,
						       HW_SMMU_CTX_NS),
			 16);
	for (uint32_t i = 0; i < 16u; i++) {
		assert_int_equal(hw_smmu_mapping_get(f->smmu, SID_DMA,
						     HW_SMMU_CTX_NS, i, &m),
				 0);
		assert_true(m.iova == (uint64_t)(i + 1u) * 2 * PG &&
			    m.pa == DRAM0 + (uint64_t)i * PG && m.size == PG &&
			    m.perms == HW_SMMU_READ);
	}
	assert_int_equal(hw_smmu_map(f->smmu, SID_DMA, HW_SMMU_CTX_NS, 0,
				     DRAM0 + MIB(1), PG, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_smmu_mapping_get(f->smmu, SID_DMA, HW_SMMU_CTX_NS, 0,
					     &m),
			 0);
	assert_true(m.iova == 0 && m.pa == DRAM0 + MIB(1));
	assert_int_equal(hw_smmu_unmap_all(f->smmu, SID_DMA, HW_SMMU_CTX_NS),
			 17);
}

/* ====================================================================== */
/* DRAM                                                                   */

struct dram_fixture {
	struct rheap_platform plat;
	struct hw_dram *dram;
};

static int dram_setup_flags(void **state, uint32_t flags)
{
	static struct dram_fixture f = { 0 };

	plat_small(&f.plat);
	f.dram = NULL;
	if (hw_dram_create(&f.plat, flags, &f.dram) != 0) {
		return -1;
	}
	*state = &f;
	return 0;
}

static int dram_setup(void **state)
{
	return dram_setup_flags(state, 0);
}

static int dram_setup_fallback(void **state)
{
	return dram_setup_flags(state, HW_DRAM_NO_SECRET);
}

static int dram_teardown(void **state)
{
	struct dram_fixture *f = *state;

	hw_dram_destroy(f->dram);
	return 0;
}

struct dram_ptr_case {
	const char *name;
	uint64_t pa;
	uint64_t size;
	int want;
	bool carveout; /* expected hw_dram_is_carveout() */
};

static const struct dram_ptr_case dram_ptr_cases[] = {
	{ "ptr_dram_start", DRAM0, 1, 0, false },
	{ "ptr_dram0_last_byte", DRAM1 - 1, 1, 0, false },
	{ "ptr_dram1_last_byte", DRAM1 + MIB(16) - 1, 1, 0, false },
	{ "ptr_whole_carveout", CARVE, CARVE_SIZE, 0, true },
	{ "ptr_dynamic_pool_is_nw", DYN, MIB(4), 0, false },
	{ "ptr_below_dram", DRAM0 - 1, 1, -EINVAL, false },
	{ "ptr_past_dram", DRAM1 + MIB(16), 1, -EINVAL, false },
	{ "ptr_runs_past_dram_end", DRAM1 + MIB(16) - 1, 2, -EINVAL, false },
	{ "ptr_crosses_banks", DRAM1 - 1, 2, -EINVAL, false },
	{ "ptr_nw_into_carveout", CARVE - 1, 2, -EINVAL, true },
	{ "ptr_carveout_into_nw", CARVE + CARVE_SIZE - 1, 2, -EINVAL, true },
	{ "ptr_spans_carveout", CARVE - PG, CARVE_SIZE + 2 * PG, -EINVAL,
	  true },
	{ "ptr_size_zero", DRAM0, 0, -EINVAL, false },
	{ "ptr_wraps", UINT64_MAX, 2, -EOVERFLOW, false },
	{ "ptr_huge_wraps", DRAM0, UINT64_MAX, -EOVERFLOW, false },
	{ "ptr_huge", 0, UINT64_MAX, -EINVAL, true },
};

static void test_dram_ptr(void **state)
{
	const struct dram_ptr_case *c = *state;
	struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;
	void *p = (void *)&plat;

	plat_small(&plat);
	assert_int_equal(hw_dram_create(&plat, HW_DRAM_NO_SECRET, &dram), 0);
	assert_int_equal(hw_dram_ptr(dram, c->pa, c->size, &p), c->want);
	if (c->want == 0) {
		/* Touch both ends: ASan would catch a bad resolution. */
		((volatile uint8_t *)p)[0] = 1;
		((volatile uint8_t *)p)[c->size - 1] = 2;
	} else {
		assert_true(p == (void *)&plat);
	}
	assert_true(hw_dram_is_carveout(dram, c->pa, c->size) == c->carveout);
	hw_dram_destroy(dram);
}

static void test_dram_nw_shared(void **state)
{
	struct dram_fixture *f = *state;
	struct hw_dram_nw_range r = { 0 };
	struct stat st = { 0 };
	uint8_t *p = NULL;
	uint8_t buf[8] = { 0 };
	void *map = NULL;

	assert_int_equal(hw_dram_nw_count(f->dram), 2);
	assert_int_equal(hw_dram_nw_range_get(f->dram, 1, &r), 0);
	assert_true(r.base == DRAM1 && r.size == MIB(16) && r.fd >= 0);
	assert_int_equal(hw_dram_nw_range_get(f->dram, 2, &r), -ENOENT);
	assert_int_equal(hw_dram_nw_range_get(f->dram, 0, &r), 0);
	assert_int_equal(fstat(r.fd, &st), 0);
	assert_true((uint64_t)st.st_size == MIB(16));
	assert_true(st.st_blocks == 0); /* sparse until touched */

	/* A write through the board is visible through the fd. */
	assert_int_equal(hw_dram_ptr(f->dram, DRAM0 + 100, 4, (void **)&p), 0);
	memcpy(p, "rhea", 4);
	assert_int_equal(pread(r.fd, buf, 4, 100), 4);
	assert_memory_equal(buf, "rhea", 4);
	/* And a NW process's mapping writes back into the board. */
	map = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	assert_true(map != MAP_FAILED);
	((uint8_t *)map)[200] = 0x5a;
	assert_int_equal(hw_dram_ptr(f->dram, DRAM0 + 200, 1, (void **)&p), 0);
	assert_int_equal(*p, 0x5a);
	munmap(map, PG);
}

static void test_dram_carveout_not_in_nw_fd(void **state)
{
	struct dram_fixture *f = *state;
	struct hw_dram_nw_range r = { 0 };
	uint8_t *p = NULL;
	uint8_t buf[16] = { 0 };
	const uint8_t zero[16] = { 0 };

	assert_int_equal(hw_dram_ptr(f->dram, CARVE, 16, (void **)&p), 0);
	memset(p, 0xee, 16);
	assert_int_equal(hw_dram_nw_range_get(f->dram, 0, &r), 0);
	assert_int_equal(pread(r.fd, buf, 16, (off_t)(CARVE - DRAM0)), 16);
	assert_memory_equal(buf, zero, 16);
	memset(p, 0, 16);
}

static void test_dram_backings(void **state)
{
	struct dram_fixture *f = *state;
	struct hw_dram_backing_info b = { 0 };
	const char *desc = hw_dram_backing_desc(f->dram);

	assert_int_equal(hw_dram_backing_count(f->dram), 3);
	assert_int_equal(hw_dram_backing_get(f->dram, 0, &b), 0);
	assert_int_equal(b.kind, HW_DRAM_NW_MEMFD);
	assert_string_equal(b.name, "dram");
	assert_int_equal(hw_dram_backing_get(f->dram, 2, &b), 0);
	assert_string_equal(b.name, "sv");
	assert_true(b.base == CARVE && b.size == CARVE_SIZE);
	assert_int_equal(hw_dram_backing_get(f->dram, 3, &b), -ENOENT);
	/* Either memfd_secret worked, or the reason is given. */
	assert_int_equal(hw_dram_backing_get(f->dram, 2, &b), 0);
	if (hw_dram_secret(f->dram)) {
		assert_int_equal(b.kind, HW_DRAM_SECRET_MEMFD);
		assert_string_equal(desc, "carve-outs: memfd_secret");
	} else {
		assert_int_equal(b.kind, HW_DRAM_PRIVATE);
		assert_non_null(strstr(desc, "memfd_secret failed for sv"));
	}
	assert_null(strchr(desc, '\n'));
}

static void test_dram_fallback_forced(void **state)
{
	struct dram_fixture *f = *state;
	struct hw_dram_backing_info b = { 0 };
	uint8_t *p = NULL;

	assert_false(hw_dram_secret(f->dram));
	assert_string_equal(hw_dram_backing_desc(f->dram),
			    "carve-outs: private anonymous mapping "
			    "(memfd_secret disabled by HW_DRAM_NO_SECRET)");
	assert_int_equal(hw_dram_backing_get(f->dram, 2, &b), 0);
	assert_int_equal(b.kind, HW_DRAM_PRIVATE);
	/* Same PA lookup as with memfd_secret. */
	assert_int_equal(hw_dram_ptr(f->dram, CARVE + CARVE_SIZE - 8, 8,
				     (void **)&p),
			 0);
	memset(p, 0x11, 8);
	assert_int_equal(hw_dram_scrub(f->dram, CARVE + CARVE_SIZE - 8, 8), 0);
	assert_int_equal(p[0], 0);
	assert_true(hw_dram_is_carveout(f->dram, CARVE, 1));
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v) {
			return false;
		}
	}
	return true;
}

struct scrub_case {
	const char *name;
	uint64_t pa;
	uint64_t size;
	int want;
};

/* Around a 64 KiB window at W filled with 0xaa. */
#define W (DRAM0 + MIB(2))
#define WC (CARVE + KIB(64))
static const struct scrub_case scrub_cases[] = {
	{ "scrub_whole_pages", W + PG, 4 * PG, 0 },
	{ "scrub_partial_head_tail", W + 100, 5 * PG, 0 },
	{ "scrub_inside_one_page", W + PG + 10, 50, 0 },
	{ "scrub_one_byte", W + 7, 1, 0 },
	{ "scrub_carveout", WC + 100, 3 * PG, 0 },
	{ "scrub_crosses_carveout", CARVE - PG, 2 * PG, -EINVAL },
	{ "scrub_outside_dram", 0x1000, PG, -EINVAL },
	{ "scrub_size_zero", W, 0, -EINVAL },
	{ "scrub_wraps", UINT64_MAX - 3, 8, -EOVERFLOW },
};

static void test_dram_scrub(void **state)
{
	const struct scrub_case *c = *state;
	struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;
	uint8_t *w = NULL;
	uint8_t *wc = NULL;
	uint8_t *edge = NULL;
	uint64_t win = KIB(64);

	plat_small(&plat);
	assert_int_equal(hw_dram_create(&plat, 0, &dram), 0);
	assert_int_equal(hw_dram_ptr(dram, W, win, (void **)&w), 0);
	assert_int_equal(hw_dram_ptr(dram, WC, win, (void **)&wc), 0);
	assert_int_equal(hw_dram_ptr(dram, CARVE - PG, PG, (void **)&edge), 0);
	memset(w, 0xaa, win);
	memset(wc, 0xaa, win);
	memset(edge, 0xaa, PG);
	assert_int_equal(hw_dram_scrub(dram, c->pa, c->size), c->want);
	if (c->want == 0) {
		uint8_t *base = c->pa >= CARVE ? wc : w;
		uint64_t off = c->pa - (c->pa >= CARVE ? WC : W);

		assert_true(all_bytes(base, off, 0xaa));
		assert_true(all_bytes(base + off, c->size, 0));
		assert_true(all_bytes(base + off + c->size,
				      win - off - c->size, 0xaa));
	} else {
		assert_true(all_bytes(w, win, 0xaa));
		assert_true(all_bytes(wc, win, 0xaa));
		assert_true(all_bytes(edge, PG, 0xaa));
	}
	hw_dram_destroy(dram);
}

/* release: whole NW pages go back to the host (hole punch), not just zeroed. */
static void test_dram_release_punches(void **state)
{
	struct dram_fixture *f = *state;
	struct hw_dram_nw_range r = { 0 };
	struct stat before = { 0 };
	struct stat after = { 0 };
	uint8_t *p = NULL;
	uint8_t buf[64] = { 0 };

	assert_int_equal(hw_dram_nw_range_get(f->dram, 1, &r), 0);
	assert_int_equal(hw_dram_ptr(f->dram, DRAM1, 32 * PG, (void **)&p), 0);
	memset(p, 0xcd, 32 * PG);
	assert_int_equal(fstat(r.fd, &before), 0);
	assert_true(before.st_blocks >= 32 * (PG / 512));
	assert_int_equal(hw_dram_release(f->dram, DRAM1 + 10, 32 * PG - 20), 0);
	assert_int_equal(fstat(r.fd, &after), 0);
	assert_true(after.st_blocks <= before.st_blocks - 30 * (PG / 512));
	assert_true(all_bytes(p + 10, 32 * PG - 20, 0));
	assert_true(p[9] == 0xcd && p[32 * PG - 10] == 0xcd);
	/* Every other mapping of the fd sees the zeros too. */
	assert_int_equal(pread(r.fd, buf, sizeof(buf), 2 * PG),
			 (ssize_t)sizeof(buf));
	assert_true(all_bytes(buf, sizeof(buf), 0));
	/* Writing again after the punch works as before. */
	p[PG] = 1;
	assert_int_equal(pread(r.fd, buf, 1, PG), 1);
	assert_int_equal(buf[0], 1);
}

static void test_dram_create_errors(void **state)
{
	struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;

	(void)state;
	plat_small(&plat);
	assert_int_equal(hw_dram_create(&plat, 1u << 5, &dram), -EINVAL);
	plat.pools[0].base = CARVE + 1;
	assert_int_equal(hw_dram_create(&plat, 0, &dram), -EINVAL);
	plat_small(&plat);
	plat.pools[0].base = 0x1000; /* outside DRAM */
	assert_int_equal(hw_dram_create(&plat, 0, &dram), -EINVAL);
	plat_small(&plat);
	plat.pools[0].base = DRAM1 - PG; /* straddles the two banks */
	assert_int_equal(hw_dram_create(&plat, 0, &dram), -EINVAL);
	plat_small(&plat);
	plat.dram[1].size = PG + 1;
	assert_int_equal(hw_dram_create(&plat, 0, &dram), -EINVAL);
	plat_small(&plat);
	plat.dram_count = 0;
	assert_int_equal(hw_dram_create(&plat, 0, &dram), -EINVAL);
	assert_null(dram);
	/* A dynamic pool is not checked as a carve-out. */
	plat_small(&plat);
	plat.pools[1].base = 0x1001;
	assert_int_equal(hw_dram_create(&plat, 0, &dram), 0);
	assert_int_equal(hw_dram_backing_count(dram), 3);
	hw_dram_destroy(dram);
	hw_dram_destroy(NULL);
}

static size_t load_default(void *buf, size_t cap)
{
	const char *path = getenv("RHEAP_DEFAULT_DTB");
	FILE *fp = NULL;
	size_t n = 0;

	assert_non_null(path);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	assert_true(n > 0 && n < cap);
	return n;
}

/* External windows: placement, resolution, claims refused, high DRAM. */
static void test_dram_ext(void **state)
{
	struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;
	uint64_t pa[2] = { 0 };
	uint64_t base = 0;
	uint64_t size = 0;
	void *p = NULL;
	int fd = memfd_create("hw-ext", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	uint8_t *v = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4 * PG), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	v = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(v != MAP_FAILED);
	plat_small(&plat);
	assert_int_equal(hw_dram_create(&plat, HW_DRAM_NO_SECRET, &dram), 0);
	assert_int_equal(hw_dram_ext_map(dram, fd, 4 * PG, &pa[0]), 0);
	assert_int_equal(hw_dram_ext_map(dram, fd, 2 * PG, &pa[1]), 0);
	assert_int_equal(pa[0], HW_DRAM_EXT_BASE);
	assert_int_equal(pa[1], HW_DRAM_EXT_BASE + 4 * PG);
	assert_int_equal(hw_dram_ext_count(dram), 2);
	assert_int_equal(hw_dram_ext_get(dram, 1, &base, &size), 0);
	assert_int_equal(base, pa[1]);
	assert_int_equal(size, 2 * PG);
	assert_int_equal(hw_dram_ext_get(dram, 2, &base, &size), -ENOENT);
	/* The window is the memfd's pages. */
	v[PG + 5] = 0x5a;
	assert_int_equal(hw_dram_ptr(dram, pa[0] + PG, 16, &p), 0);
	assert_int_equal(((uint8_t *)p)[5], 0x5a);
	((uint8_t *)p)[6] = 0xa5;
	assert_int_equal(v[PG + 6], 0xa5);
	/* A range must stay inside one window. */
	assert_int_equal(hw_dram_ptr(dram, pa[0] + 3 * PG, 2 * PG, &p),
			 -EINVAL);
	assert_int_equal(hw_dram_ptr(dram, pa[1] + 2 * PG, 1, &p), -EINVAL);
	assert_int_equal(hw_dram_ptr(dram, pa[0] - 1, 1, &p), -EINVAL);
	assert_false(hw_dram_is_carveout(dram, pa[0], PG));
	assert_int_equal(hw_dram_claim(dram, pa[0], PG), -EINVAL);
	assert_int_equal(hw_dram_scrub(dram, pa[0], PG), 0);
	assert_int_equal(v[PG + 5], 0x5a); /* first page only */
	assert_int_equal(v[0], 0);
	assert_int_equal(hw_dram_ext_unmap(dram, pa[0] + PG), -ENOENT);
	assert_int_equal(hw_dram_ext_unmap(dram, pa[0]), 0);
	assert_int_equal(hw_dram_ptr(dram, pa[0], 1, &p), -EINVAL);
	assert_int_equal(hw_dram_ptr(dram, pa[1], 1, &p), 0);
	/* Left mapped: destroy removes it. */
	hw_dram_destroy(dram);

	/* DRAM above the default region start: the region moves above it. */
	plat_small(&plat);
	plat.dram[1].base = HW_DRAM_EXT_BASE + MIB(4);
	plat.pool_count = 0;
	assert_int_equal(hw_dram_create(&plat, HW_DRAM_NO_SECRET, &dram), 0);
	assert_int_equal(hw_dram_ext_map(dram, fd, PG, &pa[0]), 0);
	assert_int_equal(pa[0], HW_DRAM_EXT_BASE + HW_DRAM_EXT_MAX_SIZE);
	hw_dram_destroy(dram);
	munmap(v, 4 * PG);
	close(fd);
}

static void test_dram_default_board(void **state)
{
	static uint64_t blob[8192] = { 0 };
	static struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;
	struct hw_dram_nw_range r = { 0 };
	uint8_t *p = NULL;
	size_t n = load_default(blob, sizeof(blob));

	(void)state;
	assert_int_equal(rheap_platform_decode(blob, n, &plat, NULL), 0);
	assert_int_equal(hw_dram_create(&plat, 0, &dram), 0);
	assert_int_equal(hw_dram_nw_count(dram), 2);
	assert_int_equal(hw_dram_nw_range_get(dram, 1, &r), 0);
	assert_true(r.base == 0x880000000ull && r.size == (2ull << 30));
	{
		struct stat st = { 0 };

		/* 2 GiB of DRAM, none of it allocated on the host yet. */
		assert_int_equal(fstat(r.fd, &st), 0);
		assert_true(st.st_size == (off_t)(2ull << 30));
		assert_true(st.st_blocks == 0);
	}
	assert_int_equal(hw_dram_backing_count(dram), 4); /* 2 static pools */
	/* High bank: touch one page near the top, nothing else. */
	assert_int_equal(hw_dram_ptr(dram, 0x8fffff000ull, PG, (void **)&p), 0);
	p[PG - 1] = 1;
	assert_true(hw_dram_is_carveout(dram, 0xe0000000ull, 1));
	assert_true(hw_dram_is_carveout(dram, 0xe4000000ull + MIB(16) - 1, 1));
	assert_false(hw_dram_is_carveout(dram, 0xe5000000ull, 1));
	/* The two static pools are adjacent: crossing them is rejected. */
	assert_int_equal(hw_dram_ptr(dram, 0xe4000000ull - 1, 2, (void **)&p),
			 -EINVAL);
	hw_dram_destroy(dram);
}

/* ---- claims: lent memory leaves every NW mapping ---- */

#define CL (DRAM0 + MIB(4)) /* the claimed range in the claim tests */
#define CL_PAGES 3u

static uint8_t claim_pattern(size_t i)
{
	return (uint8_t)((i * 7u) ^ 0x3cu);
}

static bool claim_pattern_at(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != claim_pattern(i)) {
			return false;
		}
	}
	return true;
}

/* A NW process's view: its own MAP_SHARED mapping of the range-0 memfd. */
static uint8_t *claim_nw_view(struct hw_dram *dram, uint64_t pa, size_t size)
{
	struct hw_dram_nw_range r = { 0 };
	void *p = NULL;

	assert_int_equal(hw_dram_nw_range_get(dram, 0, &r), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd,
		 (off_t)(pa - DRAM0));
	assert_true(p != MAP_FAILED);
	return p;
}

static bool claim_fd_reads(struct hw_dram *dram, uint64_t pa, size_t size,
			   uint8_t want)
{
	struct hw_dram_nw_range r = { 0 };
	uint8_t buf[PG];

	assert_int_equal(hw_dram_nw_range_get(dram, 0, &r), 0);
	for (size_t done = 0; done < size; done += PG) {
		size_t n = size - done < PG ? size - done : PG;

		assert_int_equal(pread(r.fd, buf, n, (off_t)(pa - DRAM0 + done)),
				 (ssize_t)n);
		if (!all_bytes(buf, n, want)) {
			return false;
		}
	}
	return true;
}

static void test_dram_claim_round_trip(void **state)
{
	struct dram_fixture *f = *state;
	size_t len = CL_PAGES * PG;
	uint8_t *nw = claim_nw_view(f->dram, CL, len + PG);
	uint8_t *s = NULL;
	uint8_t *p = NULL;

	for (size_t i = 0; i < len; i++) {
		nw[i] = claim_pattern(i);
	}
	memset(nw + len, 0x11, PG); /* the page after stays NW memory */
	assert_int_equal(hw_dram_claim(f->dram, CL, len), 0);
	assert_int_equal(hw_dram_claim_count(f->dram), 1);
	assert_true(hw_dram_is_claimed(f->dram, CL + len - 1, 1));
	assert_false(hw_dram_is_claimed(f->dram, CL + len, PG));

	/* The NW sees zeros through its mapping and through the fd. */
	assert_true(all_bytes(nw, len, 0));
	assert_true(claim_fd_reads(f->dram, CL, len, 0));
	assert_true(all_bytes(nw + len, PG, 0x11));
	/* The secure side sees the lent bytes (LEND keeps contents). */
	assert_int_equal(hw_dram_ptr(f->dram, CL, len, (void **)&s), 0);
	assert_true(claim_pattern_at(s, len));

	/* A secure canary never reaches the NW ... */
	memset(s + PG, 0xc4, 64);
	assert_true(all_bytes(nw + PG, 64, 0));
	assert_true(claim_fd_reads(f->dram, CL + PG, 64, 0));
	/* ... and a hostile NW write never reaches the secure side. */
	memset(nw, 0x77, 32);
	assert_true(claim_pattern_at(s, 32));

	assert_int_equal(hw_dram_unclaim(f->dram, CL, len), 0);
	assert_int_equal(hw_dram_claim_count(f->dram), 0);
	assert_false(hw_dram_is_claimed(f->dram, CL, len));
	/* Secure content back, the NW's write overwritten. */
	assert_true(claim_pattern_at(nw, PG));
	assert_true(all_bytes(nw + PG, 64, 0xc4));
	assert_int_equal(nw[PG + 64], claim_pattern(PG + 64));
	assert_true(claim_fd_reads(f->dram, CL + PG, 64, 0xc4));
	/* PAs resolve to the memfd again. */
	assert_int_equal(hw_dram_ptr(f->dram, CL, 1, (void **)&p), 0);
	*p = 0x42;
	assert_int_equal(nw[0], 0x42);
	assert_int_equal(hw_dram_unclaim(f->dram, CL, len), -ENOENT);
	munmap(nw, len + PG);
}

enum claim_op { CLAIM_OP_CLAIM, CLAIM_OP_UNCLAIM };

struct claim_case {
	const char *name;
	enum claim_op op;
	uint64_t pa;
	uint64_t size;
	int want;
};

/* Each row runs against a model holding one claim [CL, CL + 3 pages). */
static const struct claim_case claim_cases[] = {
	{ "claim_ok", CLAIM_OP_CLAIM, DRAM0 + MIB(1), 2 * PG, 0 },
	{ "claim_adjacent_below", CLAIM_OP_CLAIM, CL - PG, PG, 0 },
	{ "claim_adjacent_above", CLAIM_OP_CLAIM, CL + 3 * PG, PG, 0 },
	{ "claim_last_page_of_dram", CLAIM_OP_CLAIM, DRAM1 + MIB(16) - PG, PG,
	  0 },
	{ "claim_dynamic_pool", CLAIM_OP_CLAIM, DYN, MIB(4), 0 },
	{ "claim_exact_again", CLAIM_OP_CLAIM, CL, 3 * PG, -EBUSY },
	{ "claim_overlaps_start", CLAIM_OP_CLAIM, CL - PG, 2 * PG, -EBUSY },
	{ "claim_overlaps_end", CLAIM_OP_CLAIM, CL + 2 * PG, 2 * PG, -EBUSY },
	{ "claim_inside", CLAIM_OP_CLAIM, CL + PG, PG, -EBUSY },
	{ "claim_covers", CLAIM_OP_CLAIM, CL - PG, 5 * PG, -EBUSY },
	{ "claim_size_zero", CLAIM_OP_CLAIM, CL - PG, 0, -EINVAL },
	{ "claim_pa_misaligned", CLAIM_OP_CLAIM, CL - PG + 8, PG, -EINVAL },
	{ "claim_size_misaligned", CLAIM_OP_CLAIM, CL - 2 * PG, 100, -EINVAL },
	{ "claim_wraps", CLAIM_OP_CLAIM, UINT64_MAX - PG + 1, 2 * PG,
	  -EOVERFLOW },
	{ "claim_outside_dram", CLAIM_OP_CLAIM, 0x1000, PG, -EINVAL },
	{ "claim_carveout", CLAIM_OP_CLAIM, CARVE, PG, -EINVAL },
	{ "claim_into_carveout", CLAIM_OP_CLAIM, CARVE - PG, 2 * PG, -EINVAL },
	{ "claim_crosses_banks", CLAIM_OP_CLAIM, DRAM1 - PG, 2 * PG, -EINVAL },
	{ "claim_past_dram", CLAIM_OP_CLAIM, DRAM1 + MIB(16) - PG, 2 * PG,
	  -EINVAL },
	{ "unclaim_ok", CLAIM_OP_UNCLAIM, CL, 3 * PG, 0 },
	{ "unclaim_never_claimed", CLAIM_OP_UNCLAIM, DRAM0 + MIB(1), PG,
	  -ENOENT },
	{ "unclaim_sub_range", CLAIM_OP_UNCLAIM, CL, PG, -ENOENT },
	{ "unclaim_tail", CLAIM_OP_UNCLAIM, CL + PG, 2 * PG, -ENOENT },
	{ "unclaim_superset", CLAIM_OP_UNCLAIM, CL - PG, 5 * PG, -ENOENT },
	{ "unclaim_carveout", CLAIM_OP_UNCLAIM, CARVE, PG, -ENOENT },
	{ "unclaim_size_zero", CLAIM_OP_UNCLAIM, CL, 0, -EINVAL },
	{ "unclaim_misaligned", CLAIM_OP_UNCLAIM, CL + 1, 3 * PG, -EINVAL },
	{ "unclaim_wraps", CLAIM_OP_UNCLAIM, UINT64_MAX - PG + 1, 2 * PG,
	  -EOVERFLOW },
};

static void test_dram_claim_args(void **state)
{
	const struct claim_case *c = *state;
	struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;
	uint32_t want_count = 1;
	uint8_t *p = NULL;
	int rc = 0;

	plat_small(&plat);
	assert_int_equal(hw_dram_create(&plat, HW_DRAM_NO_SECRET, &dram), 0);
	assert_int_equal(hw_dram_ptr(dram, CL, 3 * PG, (void **)&p), 0);
	memset(p, 0x5e, 3 * PG);
	assert_int_equal(hw_dram_claim(dram, CL, 3 * PG), 0);
	if (c->op == CLAIM_OP_CLAIM) {
		rc = hw_dram_claim(dram, c->pa, c->size);
		want_count += c->want == 0 ? 1u : 0u;
	} else {
		rc = hw_dram_unclaim(dram, c->pa, c->size);
		want_count -= c->want == 0 ? 1u : 0u;
	}
	if (rc != c->want) {
		fail_msg("%s: got %s, want %s", c->name, rheap_err_name(rc),
			 rheap_err_name(c->want));
	}
	assert_int_equal(hw_dram_claim_count(dram), want_count);
	/* The first claim is untouched unless it was the one given back. */
	assert_int_equal(hw_dram_ptr(dram, CL, 3 * PG, (void **)&p), 0);
	assert_true(all_bytes(p, 3 * PG, 0x5e));
	assert_true(claim_fd_reads(dram, CL, 3 * PG,
				   want_count == 0 ? 0x5e : 0));
	hw_dram_destroy(dram);
}

/* An allocation failure leaves the range NW memory with its bytes. */
static void test_dram_claim_enomem(void **state)
{
	struct dram_fixture *f = *state;
	uint8_t *p = NULL;

	assert_int_equal(hw_dram_claim(f->dram, CL, PG), 0);
	assert_int_equal(hw_dram_ptr(f->dram, CL + PG, 2 * PG, (void **)&p), 0);
	memset(p, 0x6b, 2 * PG);
	hw_dram_claim_fail_inject(f->dram, 1);
	assert_int_equal(hw_dram_claim(f->dram, CL + PG, 2 * PG), -ENOMEM);
	assert_int_equal(hw_dram_claim_count(f->dram), 1);
	assert_false(hw_dram_is_claimed(f->dram, CL + PG, 2 * PG));
	assert_true(claim_fd_reads(f->dram, CL + PG, 2 * PG, 0x6b));
	/* Still the memfd: a write through the board reaches the fd. */
	assert_int_equal(hw_dram_ptr(f->dram, CL + PG, 1, (void **)&p), 0);
	*p = 0x6c;
	assert_false(claim_fd_reads(f->dram, CL + PG, 1, 0x6b));
	*p = 0x6b;
	/* The hook fires once: the retry succeeds. */
	assert_int_equal(hw_dram_claim(f->dram, CL + PG, 2 * PG), 0);
	assert_true(claim_fd_reads(f->dram, CL + PG, 2 * PG, 0));
	assert_int_equal(hw_dram_ptr(f->dram, CL + PG, 2 * PG, (void **)&p), 0);
	assert_true(all_bytes(p, 2 * PG, 0x6b));
}

struct claim_ptr_case {
	const char *name;
	uint64_t pa;
	uint64_t size;
	int want;
	bool shadow; /* resolves into claimed memory */
};

/* Claims [CL, CL + 2 pages) and [CL + 2 pages, CL + 3 pages); gap; CL + 4. */
static const struct claim_ptr_case claim_ptr_cases[] = {
	{ "cptr_inside", CL + PG + 100, 10, 0, true },
	{ "cptr_adjacent_claims_one_run", CL, 3 * PG, 0, true },
	{ "cptr_outside_below", CL - 10, 10, 0, false },
	{ "cptr_in_gap", CL + 3 * PG, PG, 0, false },
	{ "cptr_straddles_start", CL - 1, 2, -EINVAL, false },
	{ "cptr_straddles_end", CL + 3 * PG - 1, 2, -EINVAL, false },
	{ "cptr_spans_gap", CL + 2 * PG, 3 * PG, -EINVAL, false },
	{ "cptr_covers_all", CL - PG, 7 * PG, -EINVAL, false },
};

static void test_dram_claim_ptr(void **state)
{
	const struct claim_ptr_case *c = *state;
	struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;
	uint8_t *p = NULL;
	uint8_t *q = NULL;

	plat_small(&plat);
	assert_int_equal(hw_dram_create(&plat, HW_DRAM_NO_SECRET, &dram), 0);
	assert_int_equal(hw_dram_ptr(dram, CL - PG, 7 * PG, (void **)&p), 0);
	memset(p, 0x21, 7 * PG);
	assert_int_equal(hw_dram_claim(dram, CL + 4 * PG, PG), 0);
	assert_int_equal(hw_dram_claim(dram, CL + 2 * PG, PG), 0);
	assert_int_equal(hw_dram_claim(dram, CL, 2 * PG), 0);
	/* Mark the secure copies: claimed bytes read 0x22 through the shadow. */
	assert_int_equal(hw_dram_ptr(dram, CL, 3 * PG, (void **)&q), 0);
	memset(q, 0x22, 3 * PG);
	assert_int_equal(hw_dram_ptr(dram, CL + 4 * PG, PG, (void **)&q), 0);
	memset(q, 0x22, PG);
	q = NULL;
	if (hw_dram_ptr(dram, c->pa, c->size, (void **)&q) != c->want) {
		fail_msg("%s: unexpected result", c->name);
	}
	if (c->want == 0) {
		uint8_t want = c->shadow ? 0x22 : 0x21;

		assert_true(q[0] == want && q[c->size - 1] == want);
	} else {
		assert_null(q);
	}
	hw_dram_destroy(dram);
}

/*
 * The write-back at unclaim skips shadow pages the secure side never wrote
 * or scrubbed (the pagemap says absent) and writes back exactly the rest:
 * bytes copied in at the claim, secure writes, runs that cross the
 * 512-page pagemap batches and one that ends on the last page. Pages the
 * secure side left zero (never touched, only read, written with zeros,
 * scrubbed) stay holes in the memfd, and what the NW wrote into the memfd
 * during the claim is gone.
 */
static void test_dram_claim_copy_out_sparse(void **state)
{
	enum { PAGES = 768 }; /* 3 MiB: two pagemap batches */
	struct dram_fixture *f = *state;
	struct hw_dram_nw_range r = { 0 };
	uint8_t want[PAGES] = { 0 }; /* each page's byte after the unclaim */
	size_t len = (size_t)PAGES * PG;
	uint8_t *nw = claim_nw_view(f->dram, CL, len);
	uint8_t *s = NULL;

	memset(nw, 0x21, 2 * PG);
	memset(nw + 700 * PG, 0x22, PG);
	assert_int_equal(hw_dram_claim(f->dram, CL, len), 0);
	assert_int_equal(hw_dram_ptr(f->dram, CL, len, (void **)&s), 0);
	want[0] = 0x21;			 /* copied in, left alone */
	memset(s + PG, 0x31, PG);	 /* copied in, overwritten */
	want[1] = 0x31;
	assert_int_equal(hw_dram_scrub(f->dram, CL + 700 * PG, PG), 0);
	memset(s + 509 * PG, 0x41, 7 * PG); /* crosses page 512 */
	for (int i = 509; i < 516; i++) {
		want[i] = 0x41;
	}
	memset(s + 767 * PG, 0x51, PG);
	want[767] = 0x51;
	memset(s + 300 * PG, 0, PG);	/* present, zero */
	assert_int_equal(s[400 * PG], 0); /* read only */
	/* A NW write during the claim, where the secure side wrote nothing. */
	memset(nw + 600 * PG, 0x66, PG);
	assert_int_equal(hw_dram_unclaim(f->dram, CL, len), 0);

	assert_int_equal(hw_dram_nw_range_get(f->dram, 0, &r), 0);
	for (uint32_t i = 0; i < PAGES; i++) {
		off_t off = (off_t)(CL - DRAM0 + (uint64_t)i * PG);
		off_t data = lseek(r.fd, off, SEEK_DATA);

		/* Zero pages are holes: not written back (checked before any
		 * read through the mapping, which would allocate them). */
		assert_int_equal(data == off, want[i] != 0);
		assert_true(claim_fd_reads(f->dram, CL + (uint64_t)i * PG, PG,
					   want[i]));
	}
	munmap(nw, len);
}

/* Scrub and release split at claim edges; many claims stay searchable. */
static void test_dram_claim_scrub_many(void **state)
{
	struct dram_fixture *f = *state;
	uint8_t *p = NULL;
	const uint32_t n = 1500;

	assert_int_equal(hw_dram_ptr(f->dram, CL - PG, 5 * PG, (void **)&p), 0);
	memset(p, 0x33, 5 * PG);
	assert_int_equal(hw_dram_claim(f->dram, CL, 2 * PG), 0);
	assert_int_equal(hw_dram_claim(f->dram, CL + 2 * PG, PG), 0);
	/* Scrub across memfd | claim | claim | memfd, from mid-page to mid-page. */
	assert_int_equal(hw_dram_scrub(f->dram, CL - 100, 3 * PG + 200), 0);
	assert_true(all_bytes(p, PG - 100, 0x33));
	assert_true(all_bytes(p + PG - 100, 100, 0));
	assert_true(all_bytes(p + 4 * PG, 100, 0));
	assert_true(all_bytes(p + 4 * PG + 100, PG - 100, 0x33));
	assert_int_equal(hw_dram_ptr(f->dram, CL, 3 * PG, (void **)&p), 0);
	assert_true(all_bytes(p, 3 * PG, 0));
	memset(p, 0x44, 3 * PG);
	assert_int_equal(hw_dram_release(f->dram, CL - PG, 5 * PG), 0);
	assert_true(all_bytes(p, 3 * PG, 0));
	assert_int_equal(hw_dram_claim_count(f->dram), 2);
	assert_int_equal(hw_dram_unclaim(f->dram, CL + 2 * PG, PG), 0);
	assert_int_equal(hw_dram_unclaim(f->dram, CL, 2 * PG), 0);

	/* Every other page of DRAM1, claimed top-down, freed in a stride. */
	for (uint32_t i = n; i-- > 0;) {
		assert_int_equal(hw_dram_claim(f->dram, DRAM1 + 2ull * i * PG,
					       PG), 0);
	}
	assert_int_equal(hw_dram_claim_count(f->dram), n);
	for (uint32_t i = 0; i < n; i++) {
		assert_true(hw_dram_is_claimed(f->dram, DRAM1 + 2ull * i * PG,
					       PG));
		assert_false(hw_dram_is_claimed(f->dram,
						 DRAM1 + (2ull * i + 1) * PG,
						 PG));
	}
	for (uint32_t k = 0; k < 7; k++) {
		for (uint32_t i = k; i < n; i += 7) {
			assert_int_equal(hw_dram_unclaim(f->dram,
							 DRAM1 + 2ull * i * PG,
							 PG), 0);
		}
	}
	assert_int_equal(hw_dram_claim_count(f->dram), 0);
}

/* ====================================================================== */
/* Bus and devices                                                        */

struct board {
	struct rheap_platform plat;
	struct hw_dram *dram;
	struct hw_tzasc tz;
	struct hw_smmu *smmu;
	struct hw_bus *bus;
	struct hw_device *dev[4]; /* vdec, display, gpu, dma */
};

#define IOVA 0x100000ull
/* NW buffer and the protected buffer (inside the carve-out). */
#define NWBUF (DRAM0 + MIB(1))
#define SBUF CARVE

static int board_setup_cap(void **state, uint32_t cap)
{
	static struct board b = { 0 };

	memset(&b, 0, sizeof(b));
	plat_small(&b.plat);
	if (hw_dram_create(&b.plat, 0, &b.dram) ||
	    hw_tzasc_init_platform(&b.tz, &b.plat) ||
	    hw_tzasc_protect(&b.tz, CARVE, CARVE_SIZE) ||
	    hw_smmu_create(&b.plat, &b.smmu) ||
	    hw_bus_create(b.dram, &b.tz, b.smmu, cap, &b.bus)) {
		return -1;
	}
	for (uint32_t i = 0; i < 4; i++) {
		if (hw_device_create(b.bus, b.smmu, &b.plat.devices[i],
				     &b.dev[i])) {
			return -1;
		}
	}
	*state = &b;
	return 0;
}

static int board_setup(void **state)
{
	return board_setup_cap(state, HW_BUS_DEFAULT_FAULTS);
}

static int board_setup_small_log(void **state)
{
	return board_setup_cap(state, 4);
}

static int board_teardown(void **state)
{
	struct board *b = *state;

	for (uint32_t i = 0; i < 4; i++) {
		hw_device_destroy(b->dev[i]);
	}
	hw_bus_destroy(b->bus);
	hw_smmu_destroy(b->smmu);
	hw_dram_destroy(b->dram);
	return 0;
}

static struct hw_fault last_fault(const struct board *b)
{
	struct hw_fault f = { 0 };
	uint32_t n = hw_bus_fault_count(b->bus);

	assert_true(n > 0);
	assert_int_equal(hw_bus_fault_get(b->bus, n - 1u, &f), 0);
	return f;
}

/* Put a known pattern into secure memory through the secure CPU. */
static void fill_secure(struct board *b, uint64_t pa, size_t n, uint8_t v)
{
	uint8_t buf[3 * PG] = { 0 };

	assert_true(n <= sizeof(buf));
	memset(buf, v, n);
	assert_int_equal(hw_bus_cpu_write(b->bus, true, pa, buf, n), 0);
}

static void test_bus_ns_device_denied(void **state)
{
	struct board *b = *state;
	uint8_t buf[64] = { 0 };
	struct hw_fault f = { 0 };

	fill_secure(b, SBUF, 64, 0x5e);
	/* The GPU (NS only) maps the protected PA in its NS context. */
	assert_int_equal(hw_smmu_map(b->smmu, SID_GPU, HW_SMMU_CTX_NS, IOVA,
				     SBUF, PG, HW_SMMU_RW),
			 0);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(hw_device_read(b->dev[2], false, IOVA + 8, buf,
					sizeof(buf)),
			 -EPERM);
	assert_true(all_bytes(buf, sizeof(buf), 0));
	f = last_fault(b);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	assert_int_equal(f.master, HW_MASTER_DEVICE);
	assert_int_equal(f.stream_id, SID_GPU);
	assert_false(f.secure);
	assert_false(f.write);
	assert_true(f.iova == IOVA + 8 && f.pa_valid && f.pa == SBUF + 8);
	/* A write is refused too and changes nothing. */
	assert_int_equal(hw_device_write(b->dev[2], false, IOVA, buf, 16),
			 -EPERM);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, SBUF, buf, 64), 0);
	assert_true(all_bytes(buf, 64, 0x5e));
	assert_int_equal(hw_device_reset(b->dev[2]), 1);
}

static void test_bus_secure_device_ok(void **state)
{
	struct board *b = *state;
	uint8_t in[100] = { 0 };
	uint8_t out[100] = { 0 };
	struct hw_device_stats st = { 0 };

	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = (uint8_t)i;
	}
	assert_int_equal(hw_smmu_map(b->smmu, SID_VDEC, HW_SMMU_CTX_S, IOVA,
				     SBUF, 2 * PG, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_device_write(b->dev[0], true, IOVA + PG - 50, in,
					 sizeof(in)),
			 0);
	assert_int_equal(hw_device_read(b->dev[0], true, IOVA + PG - 50, out,
					sizeof(out)),
			 0);
	assert_memory_equal(in, out, sizeof(in));
	/* The secure CPU sees the same bytes at the PA. */
	assert_int_equal(hw_bus_cpu_read(b->bus, true, SBUF + PG - 50, out,
					 sizeof(out)),
			 0);
	assert_memory_equal(in, out, sizeof(in));
	/* The NS CPU does not. */
	assert_int_equal(hw_bus_cpu_read(b->bus, false, SBUF + PG - 50, out,
					 sizeof(out)),
			 -EPERM);
	assert_true(all_bytes(out, sizeof(out), 0));
	assert_int_equal(hw_bus_fault_count(b->bus), 1);
	hw_device_stats_get(b->dev[0], &st);
	assert_true(st.jobs == 2 && st.jobs_failed == 0 && st.bytes == 200);
	assert_int_equal(hw_device_reset(b->dev[0]), 1);
}

static void test_bus_secure_device_ns_context(void **state)
{
	struct board *b = *state;
	uint8_t buf[32] = { 0 };

	/* vdec maps protected memory in its NS context: TZASC refuses. */
	assert_int_equal(hw_smmu_map(b->smmu, SID_VDEC, HW_SMMU_CTX_NS, IOVA,
				     SBUF, PG, HW_SMMU_RW),
			 0);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(hw_device_read(b->dev[0], false, IOVA, buf,
					sizeof(buf)),
			 -EPERM);
	assert_true(all_bytes(buf, sizeof(buf), 0));
	assert_int_equal(last_fault(b).reason, HW_FAULT_TZASC_DENIED);
	/* The secure transaction uses the (empty) secure context. */
	assert_int_equal(hw_device_read(b->dev[0], true, IOVA, buf,
					sizeof(buf)),
			 -ENOENT);
	assert_int_equal(last_fault(b).reason, HW_FAULT_NO_TRANSLATION);
	assert_true(last_fault(b).secure);
	assert_int_equal(hw_device_reset(b->dev[0]), 1);
}

static void test_bus_unmapped(void **state)
{
	struct board *b = *state;
	uint8_t buf[8] = { 0 };
	struct hw_fault f = { 0 };

	assert_int_equal(hw_device_read(b->dev[3], false, 0xdead000, buf, 8),
			 -ENOENT);
	f = last_fault(b);
	assert_int_equal(f.reason, HW_FAULT_NO_TRANSLATION);
	assert_true(f.iova == 0xdead000 && !f.pa_valid);
	assert_int_equal(f.stream_id, SID_DMA);
}

static void test_bus_scattered_transfer(void **state)
{
	struct board *b = *state;
	static uint8_t in[3 * PG] = { 0 };
	static uint8_t out[3 * PG] = { 0 };
	/* Three IOVA-contiguous pages over PAs in reverse, far apart. */
	const uint64_t pas[3] = { NWBUF + 8 * PG, NWBUF + 3 * PG, NWBUF };

	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(hw_smmu_map(b->smmu, SID_DMA, HW_SMMU_CTX_NS,
					     IOVA + i * PG, pas[i], PG,
					     HW_SMMU_RW),
				 0);
	}
	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = (uint8_t)(i * 7u + 3u);
	}
	/* Unaligned start and length: four pieces over three pages. */
	assert_int_equal(hw_device_write(b->dev[3], false, IOVA + 10, in,
					 3 * PG - 20),
			 0);
	for (uint32_t i = 0; i < 3; i++) {
		uint64_t lo = i == 0 ? 10 : 0;
		uint64_t hi = i == 2 ? PG - 10 : PG;

		assert_int_equal(hw_bus_cpu_read(b->bus, false, pas[i] + lo,
						 out, hi - lo),
				 0);
		assert_memory_equal(out, in + i * PG + lo - 10, hi - lo);
	}
	assert_int_equal(hw_device_read(b->dev[3], false, IOVA + 10, out,
					3 * PG - 20),
			 0);
	assert_memory_equal(in, out, 3 * PG - 20);
	/* A copy between scattered ranges: page 0 -> pages 1..2 straddle. */
	assert_int_equal(hw_device_copy(b->dev[3], false, IOVA, IOVA + PG + 100,
					PG),
			 0);
	assert_int_equal(hw_device_read(b->dev[3], false, IOVA + PG + 100, out,
					PG),
			 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, false, pas[0], in, PG), 0);
	assert_memory_equal(in, out, PG);
	assert_int_equal(hw_bus_fault_total(b->bus), 0);
	assert_int_equal(hw_device_reset(b->dev[3]), 3);
}

static void test_bus_partial_fault_no_data(void **state)
{
	struct board *b = *state;
	static uint8_t buf[2 * PG] = { 0 };
	static uint8_t pattern[2 * PG] = { 0 };

	/* Page 0 secure-mapped, page 1 unmapped. */
	fill_secure(b, SBUF, PG, 0x77);
	assert_int_equal(hw_smmu_map(b->smmu, SID_DISP, HW_SMMU_CTX_S, IOVA,
				     SBUF, PG, HW_SMMU_RW),
			 0);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(hw_device_read(b->dev[1], true, IOVA, buf,
					sizeof(buf)),
			 -ENOENT);
	assert_true(all_bytes(buf, sizeof(buf), 0));
	assert_true(last_fault(b).iova == IOVA + PG);
	/* A write that faults on page 1 leaves page 0 untouched. */
	memset(pattern, 0x11, sizeof(pattern));
	assert_int_equal(hw_device_write(b->dev[1], true, IOVA, pattern,
					 sizeof(pattern)),
			 -ENOENT);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, SBUF, buf, PG), 0);
	assert_true(all_bytes(buf, PG, 0x77));
	/* A copy whose destination faults moves nothing either. */
	assert_int_equal(hw_device_copy(b->dev[1], true, IOVA, IOVA + 10 * PG,
					16),
			 -ENOENT);
	assert_int_equal(hw_device_reset(b->dev[1]), 1);
}

/*
 * Bulk moves: pages whose PAs follow each other move as one run, a PA
 * jump starts a new run; the bytes land exactly where per-page moves put
 * them, both ways.
 */
static void test_bus_bulk_runs(void **state)
{
	struct board *b = *state;
	static uint8_t in[5 * PG] = { 0 };
	static uint8_t out[5 * PG] = { 0 };
	/* Runs of 2, 1 and 2 pages: PAs jump between them, one backwards. */
	const uint64_t pas[5] = { NWBUF + 4 * PG, NWBUF + 5 * PG, NWBUF,
				  NWBUF + 9 * PG, NWBUF + 10 * PG };

	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(hw_smmu_map(b->smmu, SID_DMA, HW_SMMU_CTX_NS,
					     IOVA + i * PG, pas[i], PG,
					     HW_SMMU_RW),
				 0);
	}
	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = (uint8_t)(i * 13u + 1u);
	}
	assert_int_equal(hw_device_write(b->dev[3], false, IOVA + 7, in,
					 5 * PG - 30),
			 0);
	for (uint32_t i = 0; i < 5; i++) {
		uint64_t lo = i == 0 ? 7 : 0;
		uint64_t hi = i == 4 ? PG - 23 : PG;

		assert_int_equal(hw_bus_cpu_read(b->bus, false, pas[i] + lo,
						 out, hi - lo),
				 0);
		assert_memory_equal(out, in + i * PG + lo - 7, hi - lo);
	}
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(hw_device_read(b->dev[3], false, IOVA + 7, out,
					5 * PG - 30),
			 0);
	assert_memory_equal(in, out, 5 * PG - 30);
	assert_true(all_bytes(out + 5 * PG - 30, 30, 0xaa));
	assert_int_equal(hw_bus_fault_total(b->bus), 0);
	assert_int_equal(hw_device_reset(b->dev[3]), 5);
}

/*
 * One PA-contiguous mapping from NS DRAM into the carve-out: the first
 * two pages would be one bulk run, the third is TZASC-denied. The whole
 * transfer fails: no byte read (all zero), no byte written.
 */
static void test_bus_bulk_fault_boundary(void **state)
{
	struct board *b = *state;
	static uint8_t buf[3 * PG] = { 0 };
	static uint8_t pattern[3 * PG] = { 0 };
	const uint64_t pa = CARVE - 2 * PG;
	struct hw_fault f = { 0 };

	memset(pattern, 0x3c, 2 * PG);
	assert_int_equal(hw_bus_cpu_write(b->bus, false, pa, pattern, 2 * PG),
			 0);
	fill_secure(b, CARVE, PG, 0x5e);
	assert_int_equal(hw_smmu_map(b->smmu, SID_DMA, HW_SMMU_CTX_NS, IOVA,
				     pa, 3 * PG, HW_SMMU_RW),
			 0);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(hw_device_read(b->dev[3], false, IOVA + 5, buf,
					3 * PG - 10),
			 -EPERM);
	assert_true(all_bytes(buf, 3 * PG - 10, 0));
	assert_true(all_bytes(buf + 3 * PG - 10, 10, 0xaa));
	f = last_fault(b);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	assert_true(f.iova == IOVA + 2 * PG && f.pa_valid && f.pa == CARVE);
	/* A write over the same range changes neither side. */
	memset(pattern, 0xc3, sizeof(pattern));
	assert_int_equal(hw_device_write(b->dev[3], false, IOVA + 5, pattern,
					 3 * PG - 10),
			 -EPERM);
	assert_int_equal(hw_bus_cpu_read(b->bus, false, pa, buf, 2 * PG), 0);
	assert_true(all_bytes(buf, 2 * PG, 0x3c));
	assert_int_equal(hw_bus_cpu_read(b->bus, true, CARVE, buf, PG), 0);
	assert_true(all_bytes(buf, PG, 0x5e));
	/* The NS part alone is one run and goes through. */
	assert_int_equal(hw_device_read(b->dev[3], false, IOVA, buf, 2 * PG),
			 0);
	assert_true(all_bytes(buf, 2 * PG, 0x3c));
	assert_int_equal(hw_bus_fault_total(b->bus), 2);
	assert_int_equal(hw_device_reset(b->dev[3]), 1);
}

/* Gathered writes: the concatenation lands, faults move nothing. */
static void test_bus_writev(void **state)
{
	struct board *b = *state;
	static uint8_t src[3 * PG] = { 0 };
	static uint8_t out[3 * PG] = { 0 };
	/* Odd pieces, an empty one, and one that straddles two pages. */
	const struct hw_bus_seg seg[5] = {
		{ src, 100 },
		{ src + 100, 0 },
		{ src + 100, PG },
		{ src + 100 + PG, 1 },
		{ src + 101 + PG, PG + 500 },
	};
	const struct hw_bus_seg huge[2] = { { src, SIZE_MAX }, { src, 2 } };
	const size_t total = 100 + PG + 1 + PG + 500;
	struct hw_device_stats st = { 0 };
	struct hw_fault f = { 0 };

	for (size_t i = 0; i < sizeof(src); i++) {
		src[i] = (uint8_t)(i * 31u + 5u);
	}
	/* Pages 0..1 contiguous, page 2 elsewhere; page 3 unmapped. */
	assert_int_equal(hw_smmu_map(b->smmu, SID_VDEC, HW_SMMU_CTX_S, IOVA,
				     SBUF, 2 * PG, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_smmu_map(b->smmu, SID_VDEC, HW_SMMU_CTX_S,
				     IOVA + 2 * PG, SBUF + 6 * PG, PG,
				     HW_SMMU_RW),
			 0);
	assert_int_equal(hw_device_writev(b->dev[0], true, IOVA + 300, seg, 5),
			 0);
	assert_int_equal(hw_device_read(b->dev[0], true, IOVA + 300, out,
					total),
			 0);
	assert_memory_equal(src, out, total);
	hw_device_stats_get(b->dev[0], &st);
	assert_true(st.jobs == 2 && st.jobs_failed == 0 &&
		    st.bytes == 2 * total);
	/* Into page 3 (unmapped): -ENOENT, pages 0..2 unchanged. */
	fill_secure(b, SBUF, 2 * PG, 0x42);
	fill_secure(b, SBUF + 6 * PG, PG, 0x42);
	assert_int_equal(hw_device_writev(b->dev[0], true, IOVA + 2 * PG - 50,
					  seg, 5),
			 -ENOENT);
	f = last_fault(b);
	assert_true(f.reason == HW_FAULT_NO_TRANSLATION && f.write &&
		    f.iova == IOVA + 3 * PG);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, SBUF, out, 2 * PG), 0);
	assert_true(all_bytes(out, 2 * PG, 0x42));
	assert_int_equal(hw_bus_cpu_read(b->bus, true, SBUF + 6 * PG, out, PG),
			 0);
	assert_true(all_bytes(out, PG, 0x42));
	/* The NS context has nothing: a secure buffer is not NS-writable. */
	assert_int_equal(hw_device_writev(b->dev[0], false, IOVA, seg, 1),
			 -ENOENT);
	/* No bytes at all, and a total that wraps size_t: bad range. */
	assert_int_equal(hw_device_writev(b->dev[0], true, IOVA, seg + 1, 1),
			 -EINVAL);
	assert_int_equal(last_fault(b).reason, HW_FAULT_BAD_RANGE);
	assert_int_equal(hw_device_writev(b->dev[0], true, IOVA, NULL, 0),
			 -EINVAL);
	assert_int_equal(hw_device_writev(b->dev[0], true, IOVA, huge, 2),
			 -EOVERFLOW);
	assert_int_equal(last_fault(b).reason, HW_FAULT_BAD_RANGE);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, SBUF, out, 2 * PG), 0);
	assert_true(all_bytes(out, 2 * PG, 0x42));
	hw_device_stats_get(b->dev[0], &st);
	assert_int_equal(st.jobs_failed, 5);
	assert_int_equal(hw_device_reset(b->dev[0]), 2);
}

static void test_bus_not_secure_capable(void **state)
{
	struct board *b = *state;
	uint8_t buf[8] = { 0 };
	struct hw_fault f = { 0 };

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(hw_device_read(b->dev[2], true, IOVA, buf, 8), -EPERM);
	assert_true(all_bytes(buf, 8, 0));
	f = last_fault(b);
	assert_int_equal(f.reason, HW_FAULT_NOT_SECURE_CAPABLE);
	assert_true(f.secure && f.stream_id == SID_GPU);
	assert_int_equal(hw_bus_dev_write(b->bus, 0x99, false, IOVA, buf, 8),
			 -ENOENT);
	assert_int_equal(last_fault(b).reason, HW_FAULT_UNKNOWN_STREAM);
}

static void test_bus_permission(void **state)
{
	struct board *b = *state;
	uint8_t buf[8] = { 1, 2, 3 };

	assert_int_equal(hw_smmu_map(b->smmu, SID_DMA, HW_SMMU_CTX_NS, IOVA,
				     NWBUF, PG, HW_SMMU_READ),
			 0);
	assert_int_equal(hw_smmu_map(b->smmu, SID_DMA, HW_SMMU_CTX_NS,
				     IOVA + PG, NWBUF + PG, PG, HW_SMMU_WRITE),
			 0);
	assert_int_equal(hw_device_write(b->dev[3], false, IOVA, buf, 8),
			 -EPERM);
	assert_int_equal(last_fault(b).reason, HW_FAULT_PERMISSION);
	assert_true(last_fault(b).write);
	assert_int_equal(hw_device_read(b->dev[3], false, IOVA, buf, 8), 0);
	assert_int_equal(hw_device_read(b->dev[3], false, IOVA + PG, buf, 8),
			 -EPERM);
	/* Copy needs read on the source and write on the destination. */
	assert_int_equal(hw_device_copy(b->dev[3], false, IOVA, IOVA + PG, 64),
			 0);
	assert_int_equal(hw_device_copy(b->dev[3], false, IOVA + PG, IOVA, 64),
			 -EPERM);
	assert_int_equal(hw_device_reset(b->dev[3]), 2);
}

struct bad_range_case {
	const char *name;
	uint64_t pa;  /* mapped at IOVA; 0: nothing mapped */
	uint64_t iova;
	size_t size;
	int want;
	bool pa_valid;
};

static const struct bad_range_case bad_range_cases[] = {
	{ "dev_pa_outside_dram", 0x1000, IOVA, 8, -EINVAL, true },
	{ "dev_size_zero", 0, IOVA, 0, -EINVAL, false },
	{ "dev_iova_wraps", 0, UINT64_MAX - 3, 8, -EOVERFLOW, false },
};

static void test_bus_bad_range(void **state)
{
	const struct bad_range_case *c = *state;
	void *bs = NULL;
	struct board *b = NULL;
	uint8_t buf[8] = { 0 };
	struct hw_fault f = { 0 };

	assert_int_equal(board_setup(&bs), 0);
	b = bs;
	if (c->pa) {
		assert_int_equal(hw_smmu_map(b->smmu, SID_DMA, HW_SMMU_CTX_NS,
					     c->iova, c->pa, PG, HW_SMMU_RW),
				 0);
	}
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(hw_device_read(b->dev[3], false, c->iova, buf,
					c->size),
			 c->want);
	f = last_fault(b);
	assert_int_equal(f.reason, HW_FAULT_BAD_RANGE);
	assert_true(f.pa_valid == c->pa_valid);
	assert_true(c->size == 0 || all_bytes(buf, sizeof(buf), 0));
	board_teardown(&bs);
}

static void test_bus_fault_log_bounded(void **state)
{
	struct board *b = *state;
	uint8_t buf[4] = { 0 };
	struct hw_fault f = { 0 };

	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(hw_device_read(b->dev[3], false,
						(uint64_t)i * PG, buf, 4),
				 -ENOENT);
	}
	assert_int_equal(hw_bus_fault_count(b->bus), 4);
	assert_true(hw_bus_fault_total(b->bus) == 10);
	assert_true(hw_bus_fault_dropped(b->bus) == 6);
	/* The newest four are held, oldest first. */
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(hw_bus_fault_get(b->bus, i, &f), 0);
		assert_true(f.seq == 6u + i && f.iova == (6u + i) * PG);
	}
	assert_int_equal(hw_bus_fault_get(b->bus, 4, &f), -ENOENT);
	assert_int_equal(hw_bus_fault_pop(b->bus, &f), 0);
	assert_true(f.seq == 6);
	assert_int_equal(hw_bus_fault_count(b->bus), 3);
	hw_bus_fault_clear(b->bus);
	assert_int_equal(hw_bus_fault_count(b->bus), 0);
	assert_int_equal(hw_bus_fault_pop(b->bus, &f), -ENOENT);
	assert_int_equal(hw_device_read(b->dev[3], false, 0, buf, 4), -ENOENT);
	assert_int_equal(hw_bus_fault_get(b->bus, 0, &f), 0);
	assert_true(f.seq == 10 && hw_bus_fault_total(b->bus) == 11);
	assert_true(hw_bus_fault_dropped(b->bus) == 6);
}

/* The bus translates page by page: a transfer may cross a claim's edge. */
static void test_bus_across_claim(void **state)
{
	struct board *b = *state;
	static uint8_t out[3 * PG];
	static uint8_t in[3 * PG];
	struct hw_dram_nw_range r = { 0 };
	uint8_t page[PG];
	void *p = NULL;

	for (size_t i = 0; i < sizeof(out); i++) {
		out[i] = (uint8_t)(i * 13u + 1u);
	}
	/* The middle page is lent: secure in the TZASC and claimed. */
	assert_int_equal(hw_tzasc_protect(&b->tz, NWBUF + PG, PG), 0);
	assert_int_equal(hw_dram_claim(b->dram, NWBUF + PG, PG), 0);
	assert_int_equal(hw_bus_cpu_write(b->bus, true, NWBUF + 100, out,
					  sizeof(out) - 200), 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, NWBUF + 100, in,
					 sizeof(in) - 200), 0);
	assert_memory_equal(in, out, sizeof(out) - 200);
	/* The NW memfd holds the outer pages only; the middle reads zero. */
	assert_int_equal(hw_dram_nw_range_get(b->dram, 0, &r), 0);
	assert_int_equal(pread(r.fd, page, PG, (off_t)(NWBUF + PG - DRAM0)),
			 (ssize_t)PG);
	assert_true(all_bytes(page, PG, 0));
	assert_int_equal(pread(r.fd, page, PG, (off_t)(NWBUF - DRAM0)),
			 (ssize_t)PG);
	assert_memory_equal(page + 100, out, PG - 100);
	/* A direct map must stay on one side of the edge. */
	assert_int_equal(hw_bus_cpu_map(b->bus, true, NWBUF + PG - 8, 16, &p),
			 -EINVAL);
	assert_int_equal(last_fault(b).reason, HW_FAULT_BAD_RANGE);
	assert_int_equal(hw_bus_cpu_map(b->bus, true, NWBUF + PG, PG, &p), 0);
	assert_memory_equal(p, out + PG - 100, PG);
	/* The NS CPU is refused at the TZASC before the DRAM is reached. */
	assert_int_equal(hw_bus_cpu_read(b->bus, false, NWBUF + PG, in, 8),
			 -EPERM);
	assert_int_equal(hw_dram_unclaim(b->dram, NWBUF + PG, PG), 0);
	assert_int_equal(hw_tzasc_unprotect(&b->tz, NWBUF + PG, PG), 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, false, NWBUF + 100, in,
					 sizeof(in) - 200), 0);
	assert_memory_equal(in, out, sizeof(out) - 200);
}

static void test_bus_cpu_paths(void **state)
{
	struct board *b = *state;
	uint8_t buf[16] = { 0 };
	void *p = NULL;
	struct hw_fault f = { 0 };

	/* The firewall reality check: NS CPU read of protected memory. */
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(hw_bus_cpu_read(b->bus, false, SBUF + 32, buf, 16),
			 -EPERM);
	assert_true(all_bytes(buf, 16, 0));
	f = last_fault(b);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	assert_int_equal(f.master, HW_MASTER_CPU);
	assert_true(f.pa_valid && f.pa == SBUF + 32 && !f.secure);
	assert_int_equal(hw_bus_cpu_write(b->bus, false, SBUF, buf, 16),
			 -EPERM);
	assert_int_equal(hw_bus_cpu_map(b->bus, false, SBUF, 16, &p), -EPERM);
	assert_null(p);
	assert_int_equal(hw_bus_cpu_map(b->bus, true, SBUF, CARVE_SIZE, &p), 0);
	assert_non_null(p);
	/* NW memory: both worlds' CPUs may touch it. */
	assert_int_equal(hw_bus_cpu_write(b->bus, false, NWBUF, "abc", 3), 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, NWBUF, buf, 3), 0);
	assert_memory_equal(buf, "abc", 3);
	/*
	 * Loads and stores go page by page: the secure CPU may cross from
	 * NW memory into the carve-out (physically contiguous), the NS CPU
	 * may not; a direct map must stay inside one backing.
	 */
	assert_int_equal(hw_bus_cpu_read(b->bus, true, CARVE - 8, buf, 16), 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, false, CARVE - 8, buf, 16),
			 -EPERM);
	assert_true(last_fault(b).pa == CARVE);
	assert_int_equal(hw_bus_cpu_map(b->bus, true, CARVE - 8, 16, &p),
			 -EINVAL);
	assert_int_equal(last_fault(b).reason, HW_FAULT_BAD_RANGE);
	assert_int_equal(hw_bus_cpu_map(b->bus, true, DRAM1 - 8, 16, &p),
			 -EINVAL);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, 0x10, buf, 16),
			 -EINVAL);
	assert_int_equal(hw_bus_cpu_read(b->bus, true, UINT64_MAX - 3, buf, 16),
			 -EOVERFLOW);
	/* Page-by-page CPU access across the two adjacent banks works. */
	assert_int_equal(hw_bus_cpu_write(b->bus, false, DRAM1 - 8, "0123456789",
					  10),
			 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, false, DRAM1 - 8, buf, 10), 0);
	assert_memory_equal(buf, "0123456789", 10);
}

static void test_bus_tzasc_live(void **state)
{
	struct board *b = *state;
	uint8_t buf[8] = { 0 };

	/* The bus reads the TZASC at every access: lending takes effect. */
	assert_int_equal(hw_bus_cpu_read(b->bus, false, NWBUF, buf, 8), 0);
	assert_int_equal(hw_tzasc_protect(&b->tz, NWBUF, PG), 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, false, NWBUF, buf, 8), -EPERM);
	assert_int_equal(hw_tzasc_unprotect(&b->tz, NWBUF, PG), 0);
	assert_int_equal(hw_bus_cpu_read(b->bus, false, NWBUF, buf, 8), 0);
}

static void test_bus_create_errors(void **state)
{
	struct board *b = *state;
	struct hw_bus *bus = NULL;

	assert_int_equal(hw_bus_create(b->dram, &b->tz, b->smmu, 0, &bus),
			 -EINVAL);
	assert_int_equal(hw_bus_create(b->dram, &b->tz, b->smmu,
				       HW_BUS_MAX_FAULTS + 1u, &bus),
			 -EINVAL);
	assert_null(bus);
	assert_int_equal(hw_bus_create(b->dram, &b->tz, b->smmu,
				       HW_BUS_MAX_FAULTS, &bus),
			 0);
	hw_bus_destroy(bus);
	hw_bus_destroy(NULL);
}

struct reason_case {
	const char *name;
	uint32_t reason;
	const char *want;
};

static const struct reason_case reason_cases[] = {
	{ "reason_no_translation", HW_FAULT_NO_TRANSLATION, "no-translation" },
	{ "reason_permission", HW_FAULT_PERMISSION, "permission" },
	{ "reason_tzasc", HW_FAULT_TZASC_DENIED, "tzasc-denied" },
	{ "reason_not_secure", HW_FAULT_NOT_SECURE_CAPABLE,
	  "not-secure-capable" },
	{ "reason_bad_range", HW_FAULT_BAD_RANGE, "bad-range" },
	{ "reason_unknown_stream", HW_FAULT_UNKNOWN_STREAM, "unknown-stream" },
	{ "reason_out_of_range", 0, "unknown" },
	{ "reason_huge", 0xffffffffu, "unknown" },
};

static void test_fault_reason_name(void **state)
{
	const struct reason_case *c = *state;

	assert_string_equal(hw_fault_reason_name(c->reason), c->want);
}

static void test_device_identity(void **state)
{
	struct board *b = *state;
	struct hw_device *d = NULL;
	struct rheap_plat_device pd = b->plat.devices[0];
	static const char *names[4] = { "vdec", "display", "gpu", "dma" };

	for (uint32_t i = 0; i < 4; i++) {
		assert_string_equal(hw_device_name(b->dev[i]), names[i]);
		assert_int_equal(hw_device_stream_id(b->dev[i]),
				 b->plat.devices[i].stream_id);
		assert_true(hw_device_secure(b->dev[i]) == (i < 2));
	}
	assert_int_equal(hw_device_use_case_mask(b->dev[1]),
			 RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_TRUSTED_UI));
	pd.stream_id = 0x77;
	assert_int_equal(hw_device_create(b->bus, b->smmu, &pd, &d), -ENOENT);
	pd = b->plat.devices[0];
	pd.secure = false;
	assert_int_equal(hw_device_create(b->bus, b->smmu, &pd, &d), -EINVAL);
	assert_null(d);
	hw_device_destroy(NULL);
}

static void test_device_reset(void **state)
{
	struct board *b = *state;
	uint8_t buf[8] = { 0 };
	struct hw_device_stats st = { 0 };

	assert_int_equal(hw_smmu_map(b->smmu, SID_VDEC, HW_SMMU_CTX_NS, IOVA,
				     NWBUF, PG, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_smmu_map(b->smmu, SID_VDEC, HW_SMMU_CTX_S, IOVA,
				     SBUF, PG, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_smmu_map(b->smmu, SID_VDEC, HW_SMMU_CTX_S,
				     IOVA + PG, SBUF + PG, PG, HW_SMMU_RW),
			 0);
	assert_int_equal(hw_device_read(b->dev[0], true, IOVA, buf, 8), 0);
	assert_int_equal(hw_device_reset(b->dev[0]), 3);
	assert_int_equal(hw_smmu_mapping_count(b->smmu), 0);
	assert_int_equal(hw_device_read(b->dev[0], true, IOVA, buf, 8),
			 -ENOENT);
	assert_int_equal(hw_device_reset(b->dev[0]), 0);
	hw_device_stats_get(b->dev[0], &st);
	assert_true(st.jobs == 2 && st.jobs_failed == 1 && st.bytes == 8);
}

/* ====================================================================== */

#define ROW(fn, tbl, i, setup, teardown)                                 \
	{ .name = (tbl)[i].name, .test_func = (fn), .setup_func = (setup), \
	  .teardown_func = (teardown),                                    \
	  .initial_state = (void *)&(tbl)[i] }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct CMUnitTest tests[256];
static size_t test_count;

static void add(struct CMUnitTest t)
{
	if (test_count < ARRAY_SIZE(tests)) {
		tests[test_count++] = t;
	}
}

#define ADD_TABLE(fn, tbl, setup, teardown)                          \
	do {                                                         \
		for (size_t i_ = 0; i_ < ARRAY_SIZE(tbl); i_++) {    \
			add((struct CMUnitTest)ROW(fn, tbl, i_, setup, \
						   teardown));       \
		}                                                    \
	} while (0)

int main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_tzasc_init),
		cmocka_unit_test(test_tzasc_protect_checks),
		cmocka_unit_test(test_tzasc_slot_stability),
		cmocka_unit_test(test_tzasc_exhaustion),
		cmocka_unit_test(test_tzasc_split_needs_slot),
		cmocka_unit_test(test_tzasc_zero_regions),
		cmocka_unit_test(test_tzasc_top_of_space),
		cmocka_unit_test(test_tzasc_validate_detects),
		cmocka_unit_test(test_tzasc_model),
		cmocka_unit_test_setup_teardown(test_smmu_streams, smmu_setup,
						smmu_teardown),
		cmocka_unit_test_setup_teardown(test_smmu_translate,
						smmu_setup, smmu_teardown),
		cmocka_unit_test_setup_teardown(test_smmu_unmap, smmu_setup,
						smmu_teardown),
		cmocka_unit_test_setup_teardown(test_smmu_model, smmu_setup,
						smmu_teardown),
		cmocka_unit_test_setup_teardown(test_smmu_capacity, smmu_setup,
						smmu_teardown),
		cmocka_unit_test_setup_teardown(test_smmu_fail_inject,
						smmu_setup, smmu_teardown),
		cmocka_unit_test_setup_teardown(test_smmu_fail_inject_grow,
						smmu_setup, smmu_teardown),
		cmocka_unit_test_setup_teardown(test_dram_nw_shared,
						dram_setup, dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_carveout_not_in_nw_fd,
						dram_setup, dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_backings, dram_setup,
						dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_fallback_forced,
						dram_setup_fallback,
						dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_release_punches,
						dram_setup, dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_claim_round_trip,
						dram_setup, dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_claim_enomem,
						dram_setup, dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_claim_scrub_many,
						dram_setup, dram_teardown),
		cmocka_unit_test_setup_teardown(test_dram_claim_copy_out_sparse,
						dram_setup, dram_teardown),
		cmocka_unit_test(test_dram_create_errors),
		cmocka_unit_test(test_dram_default_board),
		cmocka_unit_test(test_dram_ext),
		cmocka_unit_test_setup_teardown(test_bus_ns_device_denied,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_secure_device_ok,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(
			test_bus_secure_device_ns_context, board_setup,
			board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_unmapped, board_setup,
						board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_scattered_transfer,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_partial_fault_no_data,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_bulk_runs, board_setup,
						board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_bulk_fault_boundary,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_writev, board_setup,
						board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_not_secure_capable,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_permission,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_fault_log_bounded,
						board_setup_small_log,
						board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_cpu_paths, board_setup,
						board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_across_claim,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_tzasc_live,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_bus_create_errors,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_device_identity,
						board_setup, board_teardown),
		cmocka_unit_test_setup_teardown(test_device_reset, board_setup,
						board_teardown),
	};

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		add(fixed[i]);
	}
	ADD_TABLE(test_tzasc_arg, tz_arg_cases, NULL, NULL);
	ADD_TABLE(test_tzasc_check, tz_check_cases, NULL, NULL);
	ADD_TABLE(test_tzasc_seq, tz_seq_cases, NULL, NULL);
	ADD_TABLE(test_smmu_map, smmu_map_cases, NULL, NULL);
	ADD_TABLE(test_dram_ptr, dram_ptr_cases, NULL, NULL);
	ADD_TABLE(test_dram_scrub, scrub_cases, NULL, NULL);
	ADD_TABLE(test_dram_claim_args, claim_cases, NULL, NULL);
	ADD_TABLE(test_dram_claim_ptr, claim_ptr_cases, NULL, NULL);
	ADD_TABLE(test_bus_bad_range, bad_range_cases, NULL, NULL);
	ADD_TABLE(test_fault_reason_name, reason_cases, NULL, NULL);
	return _cmocka_run_group_tests("hw", tests, test_count, NULL, NULL);
}
