// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the Devicetree platform description (src/boot/platform.c).
 *
 * Three kinds of input:
 *  - tests/vectors/dtb/good and bad: .dts vectors compiled by dtc at build
 *    time (RHEAP_DTB_DIR), one binding rule broken per bad vector;
 *  - byte-level damage done here to a compiled blob (header lies,
 *    truncation, property lengths) that dtc cannot produce;
 *  - libfdt read-write mutations of a good blob, for values dtc refuses
 *    (bad phandles, unterminated strings) and for table-capacity limits.
 * Each rejection asserts the exact errno and the diag subject and field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/platform.h>
#include <rheap/tl.h>

#define BLOB_MAX (64 * 1024)
#define MIB(x) ((uint64_t)(x) << 20)

/* 8-byte aligned scratch blobs; tests run one at a time. */
static uint64_t blob_store[BLOB_MAX / 8];
static uint64_t work_store[BLOB_MAX / 8 + 1];

static size_t load_path(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (!f) {
		fail_msg("cannot open %s", path);
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

/* Load tests/vectors/dtb/<kind>/<name>.dts as compiled by meson. */
static size_t load_vector(const char *kind, const char *name, void *buf)
{
	const char *dir = getenv("RHEAP_DTB_DIR");
	char path[1024];

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/%s_%s.dtb", dir, kind, name);
	return load_path(path, buf, BLOB_MAX);
}

static size_t load_default(void *buf)
{
	const char *path = getenv("RHEAP_DEFAULT_DTB");

	assert_non_null(path);
	return load_path(path, buf, BLOB_MAX);
}

/* ---------------------------------------------------------------------- */
/* Invariants every accepted description satisfies.                       */

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0) {
			return false;
		}
	}
	return true;
}

static bool name_ok(const char *name, size_t cap)
{
	return memchr(name, '\0', cap) != NULL && name[0] != '\0';
}

static void check_invariants(const struct rheap_platform *p)
{
	assert_true(p->dram_count >= 1 && p->dram_count <= RHEAP_PLAT_MAX_DRAM);
	assert_true(p->pool_count <= RHEAP_PLAT_MAX_POOLS);
	assert_true(p->device_count <= RHEAP_PLAT_MAX_DEVICES);
	assert_true(p->partition_count <= RHEAP_PLAT_MAX_PARTITIONS);
	assert_non_null(memchr(p->model, '\0', sizeof(p->model)));
	for (uint32_t i = 0; i < p->pool_count; i++) {
		const struct rheap_plat_pool *a = &p->pools[i];
		bool inside = false;

		assert_true(name_ok(a->name, sizeof(a->name)));
		assert_true(a->size != 0 && a->size % 4096 == 0);
		assert_true(a->base % a->alignment == 0);
		assert_true(a->alignment >= 4096 &&
			    (a->alignment & (a->alignment - 1)) == 0);
		assert_true(a->use_case >= RHEAP_USE_CASE_SECURE_VIDEO &&
			    a->use_case <= RHEAP_USE_CASE_SECURE_VIDEO_RECORD);
		for (uint32_t d = 0; d < p->dram_count; d++) {
			if (a->base >= p->dram[d].base &&
			    a->base + a->size <=
				    p->dram[d].base + p->dram[d].size) {
				inside = true;
			}
		}
		assert_true(inside);
		for (uint32_t j = 0; j < i; j++) {
			const struct rheap_plat_pool *b = &p->pools[j];

			assert_false(a->base < b->base + b->size &&
				     b->base < a->base + a->size);
			assert_string_not_equal(a->name, b->name);
		}
	}
	for (uint32_t i = 0; i < p->device_count; i++) {
		const struct rheap_plat_device *a = &p->devices[i];

		assert_true(name_ok(a->name, sizeof(a->name)));
		assert_true(a->secure || a->use_case_mask == 0);
		for (uint32_t j = 0; j < i; j++) {
			assert_int_not_equal(a->stream_id,
					     p->devices[j].stream_id);
			assert_string_not_equal(a->name, p->devices[j].name);
		}
	}
	for (uint32_t i = 0; i < p->partition_count; i++) {
		assert_true(name_ok(p->partitions[i].name,
				    sizeof(p->partitions[i].name)));
		assert_true((p->partitions[i].id & 0x8000u) != 0);
	}
}

/* Field-wise equality (never memcmp on structs: padding). */
static bool plat_eq(const struct rheap_platform *a,
		    const struct rheap_platform *b)
{
	if (strcmp(a->model, b->model) != 0 || a->dram_count != b->dram_count ||
	    a->pool_count != b->pool_count ||
	    a->device_count != b->device_count ||
	    a->partition_count != b->partition_count ||
	    a->tzasc.base != b->tzasc.base || a->tzasc.size != b->tzasc.size ||
	    a->tzasc.region_count != b->tzasc.region_count) {
		return false;
	}
	for (uint32_t i = 0; i < a->dram_count; i++) {
		if (a->dram[i].base != b->dram[i].base ||
		    a->dram[i].size != b->dram[i].size) {
			return false;
		}
	}
	for (uint32_t i = 0; i < a->pool_count; i++) {
		const struct rheap_plat_pool *x = &a->pools[i];
		const struct rheap_plat_pool *y = &b->pools[i];

		if (strcmp(x->name, y->name) != 0 || x->base != y->base ||
		    x->size != y->size || x->alignment != y->alignment ||
		    x->kind != y->kind || x->use_case != y->use_case ||
		    x->phandle != y->phandle || x->placed != y->placed) {
			return false;
		}
	}
	for (uint32_t i = 0; i < a->device_count; i++) {
		const struct rheap_plat_device *x = &a->devices[i];
		const struct rheap_plat_device *y = &b->devices[i];

		if (strcmp(x->name, y->name) != 0 ||
		    x->stream_id != y->stream_id || x->secure != y->secure ||
		    x->use_case_mask != y->use_case_mask) {
			return false;
		}
	}
	for (uint32_t i = 0; i < a->partition_count; i++) {
		const struct rheap_plat_partition *x = &a->partitions[i];
		const struct rheap_plat_partition *y = &b->partitions[i];

		if (strcmp(x->name, y->name) != 0 || x->id != y->id ||
		    memcmp(x->uuid, y->uuid, sizeof(x->uuid)) != 0) {
			return false;
		}
	}
	return true;
}

static void decode_ok(const void *fdt, size_t size, struct rheap_platform *p)
{
	struct rheap_diag diag;
	char line[256];
	int rc = rheap_platform_decode(fdt, size, p, &diag);

	if (rc != 0) {
		fail_msg("rc %d: %s", rc,
			 rheap_diag_format(&diag, line, sizeof(line)));
	}
	assert_null(diag.field);
	check_invariants(p);
}

/* Decode must fail with @err, naming @subject and @field; @out zeroed. */
static void decode_bad(const void *fdt, size_t size, int err,
		       const char *subject, const char *field)
{
	static struct rheap_platform p;
	struct rheap_diag diag;
	char line[256];
	int rc = 0;

	memset(&p, 0xa5, sizeof(p));
	rc = rheap_platform_decode(fdt, size, &p, &diag);
	if (rc != err || !diag.field || strcmp(diag.field, field) != 0 ||
	    strcmp(diag.subject, subject) != 0) {
		fail_msg("want %d %s/%s, got %d: %s", err, subject, field, rc,
			 rheap_diag_format(&diag, line, sizeof(line)));
	}
	assert_non_null(diag.reason);
	assert_true(all_zero(&p, sizeof(p)));
	/* Without a diag the answer is the same. */
	assert_int_equal(rheap_platform_decode(fdt, size, &p, NULL), err);
	assert_true(all_zero(&p, sizeof(p)));
}

/* ---------------------------------------------------------------------- */
/* The default board                                                      */

static const uint8_t sdp_uuid[16] = {
	0x5d, 0x0c, 0x6a, 0x1e, 0x8f, 0x3b, 0x4c, 0x27,
	0x9a, 0x6e, 0x2b, 0x1f, 0x7d, 0x40, 0xc3, 0xa9,
};

static void assert_pool(const struct rheap_plat_pool *p, const char *name,
			uint64_t base, uint64_t size, uint64_t align,
			enum rheap_pool_kind kind, enum rheap_use_case uc,
			bool placed)
{
	assert_string_equal(p->name, name);
	assert_int_equal(p->base, base);
	assert_int_equal(p->size, size);
	assert_int_equal(p->alignment, align);
	assert_int_equal(p->kind, kind);
	assert_int_equal(p->use_case, uc);
	assert_int_equal(p->placed, placed);
}

static void assert_device(const struct rheap_plat_device *d, const char *name,
			  uint32_t sid, bool secure, uint32_t mask)
{
	assert_string_equal(d->name, name);
	assert_int_equal(d->stream_id, sid);
	assert_int_equal(d->secure, secure);
	assert_int_equal(d->use_case_mask, mask);
}

static void test_default_board(void **state)
{
	static struct rheap_platform p;
	size_t n = load_default(blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	assert_string_equal(p.model, "rheap development platform");
	assert_int_equal(p.dram_count, 2);
	assert_int_equal(p.dram[0].base, 0x80000000u);
	assert_int_equal(p.dram[0].size, 0x80000000u);
	assert_int_equal(p.dram[1].base, UINT64_C(0x880000000));
	assert_int_equal(p.dram[1].size, 0x80000000u);
	assert_int_equal(p.pool_count, 4);
	assert_pool(&p.pools[0], "secure-video", 0xe0000000u, MIB(64), 4096,
		    RHEAP_POOL_STATIC, RHEAP_USE_CASE_SECURE_VIDEO, false);
	assert_pool(&p.pools[1], "trusted-ui", 0xe4000000u, MIB(16), 4096,
		    RHEAP_POOL_STATIC, RHEAP_USE_CASE_TRUSTED_UI, false);
	/* Top of bank 2 minus the 16 MiB OS CMA region, 2 MiB aligned. */
	assert_pool(&p.pools[2], "secure-video-dyn", UINT64_C(0x8ef000000),
		    MIB(256), MIB(2), RHEAP_POOL_DYNAMIC,
		    RHEAP_USE_CASE_SECURE_VIDEO, true);
	assert_pool(&p.pools[3], "secure-video-record", UINT64_C(0x8eb000000),
		    MIB(64), 4096, RHEAP_POOL_DYNAMIC,
		    RHEAP_USE_CASE_SECURE_VIDEO_RECORD, true);
	for (uint32_t i = 0; i < p.pool_count; i++) {
		assert_int_equal(p.pools[i].phandle, 0);
	}
	assert_int_equal(p.device_count, 4);
	assert_device(&p.devices[0], "vdec", 0x10, true,
		      RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO) |
			      RHEAP_USE_CASE_BIT(
				      RHEAP_USE_CASE_SECURE_VIDEO_RECORD));
	assert_device(&p.devices[1], "display", 0x20, true,
		      RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO) |
			      RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_TRUSTED_UI));
	assert_device(&p.devices[2], "gpu", 0x30, false, 0);
	assert_device(&p.devices[3], "dma", 0x40, false, 0);
	assert_int_equal(p.tzasc.base, 0x2a4a0000u);
	assert_int_equal(p.tzasc.size, 0x1000u);
	assert_int_equal(p.tzasc.region_count, 8);
	assert_int_equal(p.partition_count, 1);
	assert_string_equal(p.partitions[0].name, "sdp");
	assert_int_equal(p.partitions[0].id, 0x8001);
	assert_memory_equal(p.partitions[0].uuid, sdp_uuid, 16);
}

/* Same bytes, same answer; also at another (aligned) address. */
static void test_default_deterministic(void **state)
{
	static struct rheap_platform a;
	static struct rheap_platform b;
	size_t n = load_default(blob_store);

	(void)state;
	decode_ok(blob_store, n, &a);
	memcpy(work_store + 1, blob_store, n);
	decode_ok(work_store + 1, n, &b);
	assert_true(plat_eq(&a, &b));
	decode_ok(blob_store, n, &b);
	assert_true(plat_eq(&a, &b));
}

static void test_pools_to_tl(void **state)
{
	static struct rheap_platform p;
	struct rheap_tl_pool pools[RHEAP_PLAT_MAX_POOLS];
	size_t n = load_default(blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	memset(pools, 0xff, sizeof(pools));
	assert_int_equal(rheap_platform_pools_to_tl(&p, pools), 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(pools[i].base, p.pools[i].base);
		assert_int_equal(pools[i].size, p.pools[i].size);
		assert_int_equal(pools[i].use_case, p.pools[i].use_case);
	}
	assert_int_equal(pools[0].flags, 0);
	assert_int_equal(pools[1].flags, 0);
	assert_int_equal(pools[2].flags, RHEAP_TL_POOL_FLAG_DYNAMIC);
	assert_int_equal(pools[3].flags, RHEAP_TL_POOL_FLAG_DYNAMIC);
	/* Untouched beyond the count. */
	assert_int_equal(pools[4].base, UINT64_MAX);
}

/* ---------------------------------------------------------------------- */
/* Good vectors                                                           */

static void test_good_base(void **state)
{
	static struct rheap_platform p;
	size_t n = load_vector("good", "base", blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	assert_string_equal(p.model, "rheap test board");
	assert_int_equal(p.pool_count, 2);
	assert_pool(&p.pools[0], "sv", 0xa0000000u, MIB(16), 4096,
		    RHEAP_POOL_STATIC, RHEAP_USE_CASE_SECURE_VIDEO, false);
	assert_pool(&p.pools[1], "svr", 0xbe000000u, MIB(32), MIB(2),
		    RHEAP_POOL_DYNAMIC, RHEAP_USE_CASE_SECURE_VIDEO_RECORD,
		    true);
	assert_int_equal(p.tzasc.region_count, 4);
	assert_int_equal(p.device_count, 2);
	assert_int_equal(p.partition_count, 1);
}

static void test_good_linaro_secure_heap(void **state)
{
	static struct rheap_platform p;
	size_t n = load_vector("good", "linaro_secure_heap", blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	assert_int_equal(p.pool_count, 4);
	assert_pool(&p.pools[2], "sdp", 0xb0000000u, MIB(4), 4096,
		    RHEAP_POOL_STATIC, RHEAP_USE_CASE_SECURE_VIDEO, false);
	assert_pool(&p.pools[3], "tui", 0xb1000000u, MIB(8), 4096,
		    RHEAP_POOL_STATIC, RHEAP_USE_CASE_TRUSTED_UI, false);
}

static void test_good_disabled_nodes(void **state)
{
	static struct rheap_platform p;
	size_t n = load_vector("good", "disabled_nodes", blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	assert_int_equal(p.dram_count, 1);
	assert_int_equal(p.pool_count, 2);
	assert_int_equal(p.device_count, 1);
	assert_string_equal(p.devices[0].name, "vdec");
}

static void test_good_placement(void **state)
{
	static struct rheap_platform p;
	static struct rheap_platform again;
	size_t n = load_vector("good", "placement", blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	assert_int_equal(p.dram_count, 2);
	assert_int_equal(p.pool_count, 5);
	assert_pool(&p.pools[1], "svr", UINT64_C(0x10d000000), MIB(32),
		    MIB(2), RHEAP_POOL_DYNAMIC,
		    RHEAP_USE_CASE_SECURE_VIDEO_RECORD, true);
	assert_pool(&p.pools[2], "tui-dyn", UINT64_C(0x100000000), MIB(16),
		    4096, RHEAP_POOL_DYNAMIC, RHEAP_USE_CASE_TRUSTED_UI,
		    false);
	assert_pool(&p.pools[3], "lowbuf", 0xbf700000u, MIB(8), 4096,
		    RHEAP_POOL_DYNAMIC, RHEAP_USE_CASE_SECURE_VIDEO, true);
	assert_pool(&p.pools[4], "split", UINT64_C(0x101f00000), MIB(1), 4096,
		    RHEAP_POOL_DYNAMIC, RHEAP_USE_CASE_SECURE_VIDEO, true);
	decode_ok(blob_store, n, &again);
	assert_true(plat_eq(&p, &again));
}

static void test_good_no_pools(void **state)
{
	static struct rheap_platform p;
	size_t n = load_vector("good", "no_pools", blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	assert_string_equal(p.model, "");
	assert_int_equal(p.dram_count, 1);
	assert_int_equal(p.dram[0].base, 0);
	assert_int_equal(p.dram[0].size, 0x10000000u);
	assert_int_equal(p.pool_count, 0);
	assert_int_equal(p.device_count, 0);
	assert_int_equal(p.partition_count, 0);
	assert_int_equal(p.tzasc.region_count, 0); /* no TZASC */
}

static void test_good_cells_1(void **state)
{
	static struct rheap_platform p;
	size_t n = load_vector("good", "cells_1", blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	/* 63 bytes kept, NUL-terminated. */
	assert_int_equal(strlen(p.model), sizeof(p.model) - 1);
	assert_memory_equal(p.model, "a model string that is longer", 29);
	assert_int_equal(p.dram[0].base, 0x40000000u);
	assert_int_equal(p.dram[0].size, 0x20000000u);
	assert_pool(&p.pools[0], "tui", 0x50000000u, MIB(1), 4096,
		    RHEAP_POOL_STATIC, RHEAP_USE_CASE_TRUSTED_UI, false);
	/* alignment = <0x100> is raised to 4 KiB. */
	assert_pool(&p.pools[1], "sv", 0x5fe00000u, MIB(2), 4096,
		    RHEAP_POOL_DYNAMIC, RHEAP_USE_CASE_SECURE_VIDEO, true);
	/* TZASC under a bus: its parent's cells, default region count. */
	assert_int_equal(p.tzasc.base, 0x2a4a0000u);
	assert_int_equal(p.tzasc.size, 0x1000u);
	assert_int_equal(p.tzasc.region_count, 8);
}

static void test_good_tzasc_defaults(void **state)
{
	static struct rheap_platform p;
	size_t n = load_vector("good", "tzasc_defaults", blob_store);

	(void)state;
	decode_ok(blob_store, n, &p);
	assert_int_equal(p.tzasc.base, 0);
	assert_int_equal(p.tzasc.size, 0);
	assert_int_equal(p.tzasc.region_count,
			 RHEAP_PLAT_DEFAULT_TZASC_REGIONS);
}

/* ---------------------------------------------------------------------- */
/* Bad vectors: one binding rule broken per file                          */

struct bad_case {
	const char *name; /* tests/vectors/dtb/bad/<name>.dts */
	int err;
	const char *subject;
	const char *field;
};

static const struct bad_case bad_cases[] = {
	{ "root_address_cells_3", -EINVAL, "/", "#address-cells" },
	{ "root_size_cells_missing", -EINVAL, "/", "#size-cells" },
	{ "model_not_string", -EINVAL, "/", "model" },
	{ "no_memory", -EINVAL, "/", "memory" },
	{ "memory_reg_length", -EINVAL, "memory@80000000", "reg" },
	{ "memory_reg_missing", -EINVAL, "memory@80000000", "reg" },
	{ "memory_overlap", -EINVAL, "memory@90000000", "reg" },
	{ "memory_size_zero", -EINVAL, "memory@80000000", "reg" },
	{ "memory_wrap", -EINVAL, "memory@80000000", "reg" },
	{ "memory_too_many", -ENOSPC, "memory@80000000", "dram" },
	{ "rmem_address_cells_mismatch", -EINVAL, "reserved-memory", "#address-cells" },
	{ "rmem_size_cells_missing", -EINVAL, "reserved-memory", "#size-cells" },
	{ "rmem_ranges_not_empty", -EINVAL, "reserved-memory", "ranges" },
	{ "rmem_ranges_missing", -EINVAL, "reserved-memory", "ranges" },
	{ "pool_outside_dram", -EINVAL, "sv@a0000000", "reg" },
	{ "pool_crosses_dram_end", -EINVAL, "sv@a0000000", "reg" },
	{ "pool_spans_two_banks", -EINVAL, "sv@a0000000", "reg" },
	{ "pool_overlap", -EINVAL, "sv2@a0800000", "reg" },
	{ "pool_overlaps_os_region", -EINVAL, "sv@a0000000", "reg" },
	{ "pool_base_misaligned", -EINVAL, "sv@a0000000", "reg" },
	{ "pool_size_misaligned", -EINVAL, "sv@a0000000", "reg" },
	{ "pool_reg_size_zero", -EINVAL, "sv@a0000000", "reg" },
	{ "pool_size_zero", -EINVAL, "svr", "size" },
	{ "pool_size_misaligned_dyn", -EINVAL, "svr", "size" },
	{ "pool_size_length", -EINVAL, "svr", "size" },
	{ "pool_reg_two_entries", -EINVAL, "sv@a0000000", "reg" },
	{ "nomap_and_reusable", -EINVAL, "sv@a0000000", "reusable" },
	{ "static_without_nomap", -EINVAL, "sv@a0000000", "no-map" },
	{ "dynamic_without_reusable", -EINVAL, "svr", "reusable" },
	{ "static_by_size", -EINVAL, "svr", "reg" },
	{ "neither_reg_nor_size", -EINVAL, "svr", "reg" },
	{ "reg_and_size", -EINVAL, "sv@a0000000", "size" },
	{ "nomap_with_value", -EINVAL, "sv@a0000000", "no-map" },
	{ "unknown_use_case", -EINVAL, "sv@a0000000", "rheap,use-case" },
	{ "missing_use_case", -EINVAL, "sv@a0000000", "rheap,use-case" },
	{ "use_case_list", -EINVAL, "sv@a0000000", "rheap,use-case" },
	{ "use_case_not_string", -EINVAL, "sv@a0000000", "rheap,use-case" },
	{ "alignment_not_pow2", -EINVAL, "svr", "alignment" },
	{ "alignment_zero", -EINVAL, "svr", "alignment" },
	{ "alignment_with_reg", -EINVAL, "sv@a0000000", "alignment" },
	{ "alloc_ranges_with_reg", -EINVAL, "sv@a0000000", "alloc-ranges" },
	{ "alloc_ranges_length", -EINVAL, "svr", "alloc-ranges" },
	{ "duplicate_pool_name", -EINVAL, "sv@b0000000", "name" },
	{ "pool_name_too_long", -EINVAL, "abcdefghijabcdefghijabcdefghijab", "name" },
	{ "no_room", -ENOSPC, "svr", "size" },
	{ "no_room_alloc_ranges", -ENOSPC, "svr", "size" },
	{ "pool_status_not_string", -EINVAL, "sv@a0000000", "status" },
	{ "linaro_with_size", -EINVAL, "sdp-heap", "size" },
	{ "linaro_without_nomap", -EINVAL, "sdp@b0000000", "no-map" },
	{ "tzasc_missing", -EINVAL, "sv@a0000000", "tzasc" },
	{ "tzasc_regions_zero", -EINVAL, "tzasc@2a4a0000", "rheap,regions" },
	{ "tzasc_regions_65", -EINVAL, "tzasc@2a4a0000", "rheap,regions" },
	{ "tzasc_regions_length", -EINVAL, "tzasc@2a4a0000", "rheap,regions" },
	{ "tzasc_too_few_regions", -EINVAL, "tzasc@2a4a0000", "rheap,regions" },
	{ "tzasc_twice", -EINVAL, "tzasc@2a500000", "compatible" },
	{ "tzasc_reg_two_entries", -EINVAL, "tzasc@2a4a0000", "reg" },
	{ "iommus_two_specifiers", -EINVAL, "vdec@2d000000", "iommus" },
	{ "iommus_unresolved", -EINVAL, "vdec@2d000000", "iommus" },
	{ "iommus_target_cells_2", -EINVAL, "vdec@2d000000", "iommus" },
	{ "iommus_target_disabled", -EINVAL, "vdec@2d000000", "iommus" },
	{ "duplicate_stream_id", -EINVAL, "gpu@2d200000", "iommus" },
	{ "duplicate_device_name", -EINVAL, "vdec@2d100000", "name" },
	{ "use_cases_without_secure", -EINVAL, "gpu@2d200000", "rheap,use-cases" },
	{ "device_unknown_use_case", -EINVAL, "vdec@2d000000", "rheap,use-cases" },
	{ "device_use_case_twice", -EINVAL, "vdec@2d000000", "rheap,use-cases" },
	{ "secure_without_use_cases", -EINVAL, "vdec@2d000000", "rheap,use-cases" },
	{ "secure_capable_with_value", -EINVAL, "vdec@2d000000", "rheap,secure-capable" },
	{ "partition_id_no_secure_bit", -EINVAL, "sdp@8001", "reg" },
	{ "partition_id_too_wide", -EINVAL, "sdp@8001", "reg" },
	{ "partition_duplicate_id", -EINVAL, "tui@8001", "reg" },
	{ "partition_duplicate_uuid", -EINVAL, "tui@8002", "uuid" },
	{ "partition_duplicate_name", -EINVAL, "sdp@8002", "name" },
	{ "partition_uuid_malformed", -EINVAL, "sdp@8001", "uuid" },
	{ "partition_uuid_bad_hex", -EINVAL, "sdp@8001", "uuid" },
	{ "partition_uuid_short", -EINVAL, "sdp@8001", "uuid" },
	{ "partition_uuid_nil", -EINVAL, "sdp@8001", "uuid" },
	{ "partition_uuid_missing", -EINVAL, "sdp@8001", "uuid" },
	{ "partition_reg_missing", -EINVAL, "sdp@8001", "reg" },
	{ "partitions_size_cells", -EINVAL, "ffa-partitions", "#size-cells" },
};

#define BAD_CASE_COUNT (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void test_bad_vector(void **state)
{
	const struct bad_case *c = *state;
	size_t n = load_vector("bad", c->name, blob_store);

	decode_bad(blob_store, n, c->err, c->subject, c->field);
}

/* ---------------------------------------------------------------------- */
/* Byte-level damage                                                      */

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Header field offsets (DT spec 5.2). */
enum {
	HDR_MAGIC = 0,
	HDR_TOTALSIZE = 4,
	HDR_OFF_STRUCT = 8,
	HDR_OFF_STRINGS = 12,
	HDR_OFF_RSVMAP = 16,
	HDR_VERSION = 20,
	HDR_LAST_COMP = 24,
	HDR_SIZE_STRINGS = 32,
	HDR_SIZE_STRUCT = 36,
};

static size_t load_base(void)
{
	return load_vector("good", "base", blob_store);
}

static void set_hdr(size_t field, uint32_t v)
{
	be32_put((uint8_t *)blob_store + field, v);
}

/* Offset of the first FDT_PROP token in the structure block. */
static size_t first_prop(void)
{
	const uint8_t *b = (const uint8_t *)blob_store;
	size_t off = be32_get(b + HDR_OFF_STRUCT);
	size_t end = off + be32_get(b + HDR_SIZE_STRUCT);

	for (; off + 4 <= end; off += 4) {
		if (be32_get(b + off) == FDT_PROP) {
			return off;
		}
	}
	fail_msg("no property");
	return 0;
}

static void test_blob_exact_fit_and_one_over(void **state)
{
	static struct rheap_platform p;
	size_t n = load_base();

	(void)state;
	assert_int_equal(n, fdt_totalsize(blob_store));
	decode_ok(blob_store, n, &p);
	decode_ok(blob_store, n + 1, &p);
}

static void test_blob_truncated_by_one(void **state)
{
	size_t n = load_base();

	(void)state;
	decode_bad(blob_store, n - 1, -EINVAL, "fdt", "fdt");
}

static void test_blob_totalsize_over_buffer(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_TOTALSIZE, (uint32_t)n + 8);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
	set_hdr(HDR_TOTALSIZE, UINT32_MAX);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_smaller_than_header(void **state)
{
	(void)state;
	load_base();
	decode_bad(blob_store, sizeof(struct fdt_header) - 1, -EINVAL, "fdt",
		   "fdt");
	decode_bad(blob_store, 0, -EINVAL, "fdt", "fdt");
}

static void test_blob_null(void **state)
{
	(void)state;
	decode_bad(NULL, 4096, -EINVAL, "fdt", "fdt");
}

static void test_blob_unaligned(void **state)
{
	size_t n = load_base();
	uint8_t *odd = (uint8_t *)work_store + 4;

	(void)state;
	memcpy(odd, blob_store, n);
	decode_bad(odd, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_bad_magic(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_MAGIC, 0xd00dfeefu);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_version_16(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_VERSION, 16);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_last_comp_version_18(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_LAST_COMP, 18);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_struct_offset_out_of_range(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_OFF_STRUCT, (uint32_t)n);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_struct_size_out_of_range(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_SIZE_STRUCT, (uint32_t)n);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_strings_offset_out_of_range(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_OFF_STRINGS, UINT32_MAX - 4);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_rsvmap_offset_out_of_range(void **state)
{
	size_t n = load_base();

	(void)state;
	set_hdr(HDR_OFF_RSVMAP, (uint32_t)n);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_prop_length_lies(void **state)
{
	size_t n = load_base();
	size_t prop = first_prop();

	(void)state;
	be32_put((uint8_t *)blob_store + prop + 4, 0xffffff00u);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
	n = load_base();
	be32_put((uint8_t *)blob_store + prop + 4,
		 be32_get((uint8_t *)blob_store + HDR_SIZE_STRUCT));
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

/*
 * A length that is negative as an int (0xfffffff4 = -12) moves libfdt
 * 1.6.1's tag offset backwards: fdt_check_full() looped forever on it
 * (found by fuzz_dtb). Decoding must end, with a precise error.
 */
static void test_blob_prop_length_wraps_offset(void **state)
{
	static const uint32_t lens[] = { 0xfffffff4u, 0xfffffffcu, 0x80000000u,
					 0xfffffff8u };

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = load_base();
		size_t prop = first_prop();

		be32_put((uint8_t *)blob_store + prop + 4, lens[i]);
		decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
	}
}

static void test_blob_prop_nameoff_out_of_range(void **state)
{
	size_t n = load_base();
	size_t prop = first_prop();

	(void)state;
	be32_put((uint8_t *)blob_store + prop + 8, 0xfffffff0u);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_bad_token(void **state)
{
	size_t n = load_base();
	size_t prop = first_prop();

	(void)state;
	be32_put((uint8_t *)blob_store + prop, 0x7);
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

static void test_blob_missing_end(void **state)
{
	size_t n = load_base();
	uint32_t size = be32_get((uint8_t *)blob_store + HDR_SIZE_STRUCT);

	(void)state;
	set_hdr(HDR_SIZE_STRUCT, size - 4); /* drop FDT_END */
	decode_bad(blob_store, n, -EINVAL, "fdt", "fdt");
}

/* ---------------------------------------------------------------------- */
/* libfdt mutations of a good blob                                        */

/* Open base.dtb read-write into work_store with room to grow. */
static void *mut_open(void)
{
	size_t n = load_base();

	assert_int_equal(fdt_open_into(blob_store, work_store, BLOB_MAX), 0);
	(void)n;
	return work_store;
}

static int mut_node(void *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	return node;
}

static void mut_bad(void *fdt, int err, const char *subject,
		    const char *field)
{
	assert_int_equal(fdt_pack(fdt), 0);
	decode_bad(fdt, fdt_totalsize(fdt), err, subject, field);
}

static void mut_ok(void *fdt, struct rheap_platform *p)
{
	assert_int_equal(fdt_pack(fdt), 0);
	decode_ok(fdt, fdt_totalsize(fdt), p);
}

static void test_mut_phandle(void **state)
{
	static struct rheap_platform p;
	void *fdt = mut_open();
	int node = mut_node(fdt, "/reserved-memory/svr");

	(void)state;
	assert_int_equal(fdt_setprop_u32(fdt, node, "phandle", 7), 0);
	mut_ok(fdt, &p);
	assert_int_equal(p.pools[1].phandle, 7);

	fdt = mut_open();
	node = mut_node(fdt, "/reserved-memory/svr");
	assert_int_equal(fdt_setprop_u32(fdt, node, "phandle", UINT32_MAX), 0);
	mut_bad(fdt, -EINVAL, "svr", "phandle");

	fdt = mut_open();
	node = mut_node(fdt, "/reserved-memory/svr");
	assert_int_equal(fdt_setprop_u64(fdt, node, "phandle", 7), 0);
	mut_bad(fdt, -EINVAL, "svr", "phandle");
}

static void test_mut_unterminated_uuid(void **state)
{
	void *fdt = mut_open();
	int node = mut_node(fdt, "/firmware/ffa-partitions/sdp@8001");
	static const char raw[36] = "5d0c6a1e-8f3b-4c27-9a6e-2b1f7d40c3a9";

	(void)state;
	assert_int_equal(fdt_setprop(fdt, node, "uuid", raw, sizeof(raw)), 0);
	mut_bad(fdt, -EINVAL, "sdp@8001", "uuid");
}

static void test_mut_uuid_embedded_nul(void **state)
{
	void *fdt = mut_open();
	int node = mut_node(fdt, "/firmware/ffa-partitions/sdp@8001");
	static const char raw[] = "5d0c6a1e\0008f3b-4c27-9a6e-2b1f7d40c3a9";

	(void)state;
	assert_int_equal(fdt_setprop(fdt, node, "uuid", raw, sizeof(raw)), 0);
	mut_bad(fdt, -EINVAL, "sdp@8001", "uuid");
}

static void test_mut_use_cases_unterminated(void **state)
{
	void *fdt = mut_open();
	int node = mut_node(fdt, "/vdec@2d000000");

	(void)state;
	assert_int_equal(fdt_setprop(fdt, node, "rheap,use-cases",
				     "secure-video", 12), 0);
	mut_bad(fdt, -EINVAL, "vdec@2d000000", "rheap,use-cases");
}

static void test_mut_use_cases_empty_string(void **state)
{
	void *fdt = mut_open();
	int node = mut_node(fdt, "/vdec@2d000000");

	(void)state;
	assert_int_equal(fdt_setprop(fdt, node, "rheap,use-cases",
				     "secure-video\0", 14), 0);
	mut_bad(fdt, -EINVAL, "vdec@2d000000", "rheap,use-cases");
}

static void test_mut_use_case_empty(void **state)
{
	void *fdt = mut_open();
	int node = mut_node(fdt, "/reserved-memory/sv@a0000000");

	(void)state;
	assert_int_equal(fdt_setprop(fdt, node, "rheap,use-case", "", 1), 0);
	mut_bad(fdt, -EINVAL, "sv@a0000000", "rheap,use-case");
}

static void test_mut_empty_node_name(void **state)
{
	void *fdt = mut_open();
	int rm = mut_node(fdt, "/reserved-memory");
	int node = fdt_add_subnode(fdt, rm, "@b0000000");

	(void)state;
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_string(fdt, node, "compatible",
					    "rheap,restricted-pool"), 0);
	mut_bad(fdt, -EINVAL, "@b0000000", "name");
}

static void test_mut_memreserve_wraps(void **state)
{
	void *fdt = mut_open();

	(void)state;
	assert_int_equal(fdt_add_mem_rsv(fdt, UINT64_C(0xfffffffffffff000),
					 0x2000), 0);
	mut_bad(fdt, -EINVAL, "/memreserve/", "memreserve");
}

/* A nested device_type = "memory" is not DRAM (only root children are). */
static void test_mut_nested_memory_ignored(void **state)
{
	static struct rheap_platform p;
	void *fdt = mut_open();
	int node = fdt_add_subnode(fdt, mut_node(fdt, "/firmware"),
				   "memory@0");

	(void)state;
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_string(fdt, node, "device_type",
					    "memory"), 0);
	mut_ok(fdt, &p);
	assert_int_equal(p.dram_count, 1);
}

/* Add @count dynamic pools with a fixed reg, 1 MiB apart from 0x8000_0000. */
static void add_reg_pools(void *fdt, uint32_t count)
{
	int rm = mut_node(fdt, "/reserved-memory");

	for (uint32_t i = 0; i < count; i++) {
		char name[32];
		uint64_t reg[2] = {
			cpu_to_fdt64(0x80000000u + MIB(i)),
			cpu_to_fdt64(MIB(1)),
		};
		int node = 0;

		snprintf(name, sizeof(name), "p%u@%x", i,
			 (unsigned int)(0x80000000u + MIB(i)));
		node = fdt_add_subnode(fdt, rm, name);
		assert_true(node >= 0);
		assert_int_equal(fdt_setprop_string(fdt, node, "compatible",
						    "rheap,restricted-pool"),
				 0);
		assert_int_equal(fdt_setprop_string(fdt, node,
						    "rheap,use-case",
						    "trusted-ui"), 0);
		assert_int_equal(fdt_setprop(fdt, node, "reg", reg,
					     sizeof(reg)), 0);
		assert_int_equal(fdt_setprop_empty(fdt, node, "reusable"), 0);
	}
}

static void test_mut_pools_exact_fit(void **state)
{
	static struct rheap_platform p;
	void *fdt = mut_open();

	(void)state;
	add_reg_pools(fdt, RHEAP_PLAT_MAX_POOLS - 2);
	mut_ok(fdt, &p);
	assert_int_equal(p.pool_count, RHEAP_PLAT_MAX_POOLS);
}

static void test_mut_pools_one_over(void **state)
{
	void *fdt = mut_open();

	(void)state;
	add_reg_pools(fdt, RHEAP_PLAT_MAX_POOLS - 1);
	/* fdt_add_subnode() makes the new node the first child: svr is 17th. */
	mut_bad(fdt, -ENOSPC, "svr", "pools");
}

static void test_mut_too_many_reservations(void **state)
{
	void *fdt = mut_open();
	int rm = mut_node(fdt, "/reserved-memory");

	(void)state;
	for (uint32_t i = 0; i < 33; i++) {
		char name[32];
		uint64_t reg[2] = {
			cpu_to_fdt64(0x80000000u + MIB(i)),
			cpu_to_fdt64(MIB(1)),
		};
		int node = 0;

		snprintf(name, sizeof(name), "os%u", i);
		node = fdt_add_subnode(fdt, rm, name);
		assert_true(node >= 0);
		assert_int_equal(fdt_setprop(fdt, node, "reg", reg,
					     sizeof(reg)), 0);
	}
	mut_bad(fdt, -ENOSPC, "os0", "reg");
}

static void add_devices(void *fdt, uint32_t count)
{
	uint32_t smmu = fdt_get_phandle(fdt, mut_node(fdt, "/iommu@2b400000"));

	assert_true(smmu != 0);
	for (uint32_t i = 0; i < count; i++) {
		char name[32];
		uint32_t iommus[2] = { cpu_to_fdt32(smmu),
				       cpu_to_fdt32(0x100 + i) };
		int node = 0;

		snprintf(name, sizeof(name), "dev%u", i);
		node = fdt_add_subnode(fdt, 0, name);
		assert_true(node >= 0);
		assert_int_equal(fdt_setprop_string(fdt, node, "compatible",
						    "rheap,dev"), 0);
		assert_int_equal(fdt_setprop(fdt, node, "iommus", iommus,
					     sizeof(iommus)), 0);
	}
}

static void test_mut_devices_exact_fit(void **state)
{
	static struct rheap_platform p;
	void *fdt = mut_open();

	(void)state;
	add_devices(fdt, RHEAP_PLAT_MAX_DEVICES - 2);
	mut_ok(fdt, &p);
	assert_int_equal(p.device_count, RHEAP_PLAT_MAX_DEVICES);
}

static void test_mut_devices_one_over(void **state)
{
	void *fdt = mut_open();

	(void)state;
	add_devices(fdt, RHEAP_PLAT_MAX_DEVICES - 1);
	/* Walk order: the added root children come first, then vdec, gpu. */
	mut_bad(fdt, -ENOSPC, "gpu@2d200000", "devices");
}

static void add_partitions(void *fdt, uint32_t count)
{
	int parent = mut_node(fdt, "/firmware/ffa-partitions");

	for (uint32_t i = 0; i < count; i++) {
		char name[32];
		char uuid[40];
		int node = 0;

		snprintf(name, sizeof(name), "sp%u@%x", i, 0x8100 + i);
		snprintf(uuid, sizeof(uuid),
			 "00000000-0000-4000-8000-%012x", i + 1);
		node = fdt_add_subnode(fdt, parent, name);
		assert_true(node >= 0);
		assert_int_equal(fdt_setprop_string(fdt, node, "compatible",
						    "rheap,ffa-partition"), 0);
		assert_int_equal(fdt_setprop_u32(fdt, node, "reg",
						 0x8100 + i), 0);
		assert_int_equal(fdt_setprop_string(fdt, node, "uuid", uuid),
				 0);
	}
}

static void test_mut_partitions_exact_fit(void **state)
{
	static struct rheap_platform p;
	void *fdt = mut_open();

	(void)state;
	add_partitions(fdt, RHEAP_PLAT_MAX_PARTITIONS - 1);
	mut_ok(fdt, &p);
	assert_int_equal(p.partition_count, RHEAP_PLAT_MAX_PARTITIONS);
	/* Mixed-case hex is accepted; bytes are in string order. */
	assert_int_equal(p.partitions[0].uuid[15], 7);
	assert_int_equal(p.partitions[0].uuid[6], 0x40);
}

static void test_mut_partitions_one_over(void **state)
{
	void *fdt = mut_open();

	(void)state;
	add_partitions(fdt, RHEAP_PLAT_MAX_PARTITIONS);
	mut_bad(fdt, -ENOSPC, "sdp@8001", "partitions");
}

/* ---------------------------------------------------------------------- */
/* Transfer List                                                          */

static uint64_t tl_store[(BLOB_MAX + 4096) / 8];

static void test_from_tl(void **state)
{
	static struct rheap_platform direct;
	static struct rheap_platform via_tl;
	struct rheap_diag diag;
	size_t n = load_default(blob_store);

	(void)state;
	decode_ok(blob_store, n, &direct);
	assert_int_equal(rheap_tl_init(tl_store, sizeof(tl_store),
				       RHEAP_TL_FLAG_HAS_CHECKSUM), 0);
	assert_int_equal(rheap_tl_add(tl_store, RHEAP_TL_TAG_EVLOG, "x", 1, 3,
				      NULL), 0);
	assert_int_equal(rheap_tl_add(tl_store, RHEAP_TL_TAG_FDT, blob_store,
				      (uint32_t)n, 3, NULL), 0);
	assert_int_equal(rheap_platform_from_tl(tl_store, sizeof(tl_store),
						&via_tl, &diag), 0);
	check_invariants(&via_tl);
	assert_true(plat_eq(&direct, &via_tl));
}

static void test_from_tl_no_fdt(void **state)
{
	static struct rheap_platform p;
	struct rheap_diag diag;

	(void)state;
	assert_int_equal(rheap_tl_init(tl_store, sizeof(tl_store), 0), 0);
	assert_int_equal(rheap_tl_add(tl_store, RHEAP_TL_TAG_EVLOG, "x", 1, 3,
				      NULL), 0);
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(rheap_platform_from_tl(tl_store, sizeof(tl_store), &p,
						&diag), -ENOENT);
	assert_true(all_zero(&p, sizeof(p)));
	assert_string_equal(diag.field, "tl.tag");
}

static void test_from_tl_invalid_list(void **state)
{
	static struct rheap_platform p;
	struct rheap_diag diag;

	(void)state;
	assert_int_equal(rheap_tl_init(tl_store, sizeof(tl_store), 0), 0);
	((uint8_t *)tl_store)[0] ^= 0xff; /* signature */
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(rheap_platform_from_tl(tl_store, sizeof(tl_store), &p,
						&diag), -EINVAL);
	assert_true(all_zero(&p, sizeof(p)));
	assert_non_null(diag.field);
}

/* The FDT entry holds a broken blob: the DT error comes through. */
static void test_from_tl_bad_fdt(void **state)
{
	static struct rheap_platform p;
	struct rheap_diag diag;
	size_t n = load_vector("bad", "tzasc_missing", blob_store);

	(void)state;
	assert_int_equal(rheap_tl_init(tl_store, sizeof(tl_store), 0), 0);
	assert_int_equal(rheap_tl_add(tl_store, RHEAP_TL_TAG_FDT, blob_store,
				      (uint32_t)n - 1, 3, NULL), 0);
	assert_int_equal(rheap_platform_from_tl(tl_store, sizeof(tl_store), &p,
						&diag), -EINVAL);
	assert_string_equal(diag.field, "fdt");
}

/* ---------------------------------------------------------------------- */

#define T(f) cmocka_unit_test(f)

static const struct CMUnitTest fixed_tests[] = {
	T(test_default_board),
	T(test_default_deterministic),
	T(test_pools_to_tl),
	T(test_good_base),
	T(test_good_linaro_secure_heap),
	T(test_good_disabled_nodes),
	T(test_good_placement),
	T(test_good_no_pools),
	T(test_good_cells_1),
	T(test_good_tzasc_defaults),
	T(test_blob_exact_fit_and_one_over),
	T(test_blob_truncated_by_one),
	T(test_blob_totalsize_over_buffer),
	T(test_blob_smaller_than_header),
	T(test_blob_null),
	T(test_blob_unaligned),
	T(test_blob_bad_magic),
	T(test_blob_version_16),
	T(test_blob_last_comp_version_18),
	T(test_blob_struct_offset_out_of_range),
	T(test_blob_struct_size_out_of_range),
	T(test_blob_strings_offset_out_of_range),
	T(test_blob_rsvmap_offset_out_of_range),
	T(test_blob_prop_length_lies),
	T(test_blob_prop_length_wraps_offset),
		T(test_blob_prop_nameoff_out_of_range),
	T(test_blob_bad_token),
	T(test_blob_missing_end),
	T(test_mut_phandle),
	T(test_mut_unterminated_uuid),
	T(test_mut_uuid_embedded_nul),
	T(test_mut_use_cases_unterminated),
	T(test_mut_use_cases_empty_string),
	T(test_mut_use_case_empty),
	T(test_mut_empty_node_name),
	T(test_mut_memreserve_wraps),
	T(test_mut_nested_memory_ignored),
	T(test_mut_pools_exact_fit),
	T(test_mut_pools_one_over),
	T(test_mut_too_many_reservations),
	T(test_mut_devices_exact_fit),
	T(test_mut_devices_one_over),
	T(test_mut_partitions_exact_fit),
	T(test_mut_partitions_one_over),
	T(test_from_tl),
	T(test_from_tl_no_fdt),
	T(test_from_tl_invalid_list),
	T(test_from_tl_bad_fdt),
};

#define FIXED_COUNT (sizeof(fixed_tests) / sizeof(fixed_tests[0]))

int main(void)
{
	static struct CMUnitTest tests[FIXED_COUNT + BAD_CASE_COUNT];

	for (size_t i = 0; i < FIXED_COUNT; i++) {
		tests[i] = fixed_tests[i];
	}
	for (size_t i = 0; i < BAD_CASE_COUNT; i++) {
		struct CMUnitTest *t = &tests[FIXED_COUNT + i];

		t->name = bad_cases[i].name;
		t->test_func = test_bad_vector;
		t->setup_func = NULL;
		t->teardown_func = NULL;
		t->initial_state = (void *)&bad_cases[i];
	}
	return _cmocka_run_group_tests("boot", tests,
				       FIXED_COUNT + BAD_CASE_COUNT, NULL,
				       NULL);
}
