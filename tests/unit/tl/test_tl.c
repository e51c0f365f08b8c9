// SPDX-License-Identifier: BSD-2-Clause
/*
 * Transfer List codec tests: golden vectors from tests/vectors/tl (written by
 * an independent Python writer), in-code mutations of a valid list (one
 * broken rule each, exact errno and diag field), list operations with the
 * LibTL-style "byte sum is 0 after every mutation" invariant, handoff
 * registers and the protected-pools vendor entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/tl.h>
#include <rheap/use_case.h>

#ifndef TL_VECTOR_DIR
#error "TL_VECTOR_DIR must name tests/vectors/tl"
#endif

#define AREA_SIZE 0x8000u

/* Lists are placed at a chosen offset from a 4 KiB boundary. */
static _Alignas(4096) uint8_t g_area[AREA_SIZE];
static _Alignas(4096) uint8_t g_area2[AREA_SIZE];
static uint8_t g_saved[AREA_SIZE];

/* A minimal DTB (empty root node), the same 72 bytes the generator uses. */
static const uint8_t k_fdt[72] = {
	0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 72, 0, 0, 0, 56, 0, 0, 0, 72,
	0, 0, 0, 40, 0, 0, 0, 17, 0, 0, 0, 16, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
	0, 0, 0, 2, 0, 0, 0, 9,
};

#define TAG_TEST 0xFFF001u

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* The LibTL invariant, computed independently of the codec. */
static uint8_t byte_sum(const uint8_t *tl)
{
	uint8_t sum = 0;
	uint32_t used = get32(tl + 8);

	for (uint32_t i = 0; i < used; i++) {
		sum = (uint8_t)(sum + tl[i]);
	}
	return sum;
}

static void assert_checksum_ok(const uint8_t *tl)
{
	if (get32(tl + 0x10) & RHEAP_TL_FLAG_HAS_CHECKSUM) {
		assert_int_equal(byte_sum(tl), 0);
	}
}

/* Fix the checksum over min(used_size, @cap) bytes without trusting it. */
static void fix_checksum(uint8_t *tl, size_t cap)
{
	uint32_t used = get32(tl + 8);
	uint8_t sum = 0;

	tl[4] = 0;
	for (size_t i = 0; i < used && i < cap; i++) {
		sum = (uint8_t)(sum + tl[i]);
	}
	tl[4] = (uint8_t)(0u - sum);
}

static size_t load_vector(const char *name, uint8_t *dst, size_t cap)
{
	char path[512];
	FILE *f = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", TL_VECTOR_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(dst, 1, cap, f);
	assert_int_equal(ferror(f), 0);
	fclose(f);
	return n;
}

static int count_entries(const void *tl)
{
	struct rheap_tl_entry e = {0};
	uint32_t cursor = 0;
	int n = 0;
	int rc = 0;

	while ((rc = rheap_tl_next(tl, &cursor, &e)) > 0) {
		assert_true((uint64_t)e.data_offset + e.data_size <=
			    get32((const uint8_t *)tl + 8));
		n++;
	}
	assert_int_equal(rc, 0);
	return n;
}

/*
 * The reference list for mutations, built in g_area:
 *   0x18 FDT entry (72 bytes), data 0x20..0x68
 *   0x68 TAG_TEST entry (5 bytes), data 0x70..0x75, used_size 0x78
 */
#define REF_TOTAL 0x200u
#define REF_E0 0x18u
#define REF_E1 0x68u
#define REF_USED 0x78u

static uint8_t *build_ref(uint8_t *buf)
{
	struct rheap_tl_entry e = {0};

	memset(buf, 0xA5, REF_TOTAL);
	assert_int_equal(rheap_tl_init(buf, REF_TOTAL,
				       RHEAP_TL_FLAG_HAS_CHECKSUM), 0);
	assert_int_equal(rheap_tl_add(buf, RHEAP_TL_TAG_FDT, k_fdt,
				      sizeof(k_fdt), 3, &e), 0);
	assert_int_equal(e.offset, REF_E0);
	assert_int_equal(rheap_tl_add(buf, TAG_TEST, "ABCDE", 5, 3, &e), 0);
	assert_int_equal(e.offset, REF_E1);
	assert_int_equal(get32(buf + 8), REF_USED);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Golden vectors                                                      */

struct good_vector {
	const char *file;
	uint32_t base_off; /* nominal base modulo 4096 */
	int entry_count;
	bool read_only;
};

static const struct good_vector k_good[] = {
	{ "empty_nocsum.bin", 0, 0, false },
	{ "empty_csum.bin", 0, 0, false },
	{ "tfa_padded.bin", 0, 3, false },
	{ "tfa_v2_unpadded.bin", 0, 2, true },
	{ "v1_unpadded.bin", 0, 2, false },
	{ "fdt_align4k.bin", 0, 3, false },
	{ "entry_hdr16.bin", 0, 2, false },
	{ "relocated.bin", 0x100, 3, false },
	{ "pools.bin", 0, 2, false },
	{ "tfa_removed.bin", 0, 3, false },
	{ "void_data_size_3.bin", 0, 2, false },
	{ "v2_hdr32_newflag.bin", 0, 1, true },
};

static void test_vectors_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(k_good) / sizeof(k_good[0]); i++) {
		const struct good_vector *v = &k_good[i];
		uint8_t *tl = g_area + v->base_off;
		struct rheap_tl_info info = {0};
		struct rheap_diag diag = {0};
		size_t n = load_vector(v->file, tl, AREA_SIZE - v->base_off);
		int rc = rheap_tl_validate(tl, n, &info, &diag);

		if (rc != 0) {
			print_error("%s: %d field %s\n", v->file, rc,
				    diag.field ? diag.field : "-");
		}
		assert_int_equal(rc, 0);
		assert_int_equal(info.total_size, n);
		assert_int_equal(info.read_only, v->read_only);
		assert_int_equal(count_entries(tl), v->entry_count);
	}
}

struct bad_vector {
	const char *file;
	const char *field;
};

static const struct bad_vector k_bad[] = {
	{ "bad/bad_signature.bin", "signature" },
	{ "bad/version_0.bin", "version" },
	{ "bad/hdr_size_0x10.bin", "hdr_size" },
	{ "bad/v1_hdr_size_0x20.bin", "hdr_size" },
	{ "bad/alignment_64.bin", "alignment" },
	{ "bad/used_lt_hdr.bin", "used_size" },
	{ "bad/used_gt_total.bin", "used_size" },
	{ "bad/total_gt_file.bin", "total_size" },
	{ "bad/truncated_header.bin", "buf_size" },
	{ "bad/flags_mbz.bin", "flags" },
	{ "bad/checksum_off_by_one.bin", "checksum" },
	{ "bad/entry_cross_used_by_one.bin", "entry.data_size" },
	{ "bad/entry_hdr_cross_used.bin", "entry" },
	{ "bad/entry_data_overflow.bin", "entry.data_size" },
	{ "bad/entry_hdr_size_4.bin", "entry.hdr_size" },
	{ "bad/entry_hdr_size_0.bin", "entry.hdr_size" },
	{ "bad/second_entry_overrun.bin", "entry.data_size" },
	{ "bad/v2_hdr_gt_used.bin", "used_size" },
	{ "bad/v2_unpadded_trailing.bin", "entry" },
	{ "bad/sizes_max.bin", "total_size" },
};

static void test_vectors_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(k_bad) / sizeof(k_bad[0]); i++) {
		struct rheap_diag diag = {0};
		size_t n = load_vector(k_bad[i].file, g_area, AREA_SIZE);
		int rc = rheap_tl_validate(g_area, n, NULL, &diag);

		if (rc != -EINVAL || !diag.field ||
		    strcmp(diag.field, k_bad[i].field) != 0) {
			print_error("%s: rc %d field %s\n", k_bad[i].file, rc,
				    diag.field ? diag.field : "-");
		}
		assert_int_equal(rc, -EINVAL);
		assert_non_null(diag.field);
		assert_string_equal(diag.field, k_bad[i].field);
	}
}

/* The TF-A shape carries the three entries the generator put in. */
static void test_vector_tfa_contents(void **state)
{
	struct rheap_tl_entry e = {0};
	uint8_t *tl = g_area;

	(void)state;
	load_vector("tfa_padded.bin", tl, AREA_SIZE);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_FDT, &e), 0);
	assert_int_equal(e.offset, 0x18);
	assert_int_equal(e.data_size, sizeof(k_fdt));
	assert_memory_equal(tl + e.data_offset, k_fdt, sizeof(k_fdt));
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_TPM_CRB_BASE, &e), 0);
	assert_int_equal(e.data_size, 0xC);
	assert_int_equal(get64(tl + e.data_offset), 0x0C000000u);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_EP_INFO64, &e), 0);
	assert_int_equal(e.data_size, 0x58);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_HOB_LIST, &e),
			 -ENOENT);

	/* After TF-A's remove, the VOID entry keeps data_size 0xC. */
	load_vector("tfa_removed.bin", tl, AREA_SIZE);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_TPM_CRB_BASE, &e),
			 -ENOENT);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_VOID, &e), 0);
	assert_int_equal(e.data_size, 0xC);
}

static void test_vector_alignment(void **state)
{
	struct rheap_tl_entry e = {0};
	struct rheap_tl_info info = {0};
	uint8_t *tl = NULL;
	size_t n = 0;

	(void)state;
	tl = g_area;
	n = load_vector("fdt_align4k.bin", tl, AREA_SIZE);
	assert_int_equal(rheap_tl_validate(tl, n, &info, NULL), 0);
	assert_int_equal(info.alignment, 12);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_FDT, &e), 0);
	assert_int_equal((uintptr_t)(tl + e.data_offset) % 4096, 0);
	assert_memory_equal(tl + e.data_offset, k_fdt, sizeof(k_fdt));
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_VOID, &e), 0);
	assert_int_equal(e.data_size % 8, 0);

	/* The relocated list keeps its base at 0x100 mod 4096. */
	tl = g_area + 0x100;
	n = load_vector("relocated.bin", tl, AREA_SIZE - 0x100);
	assert_int_equal(n, 0x1F00);
	assert_int_equal(rheap_tl_validate(tl, n, &info, NULL), 0);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_FDT, &e), 0);
	assert_int_equal((uintptr_t)(tl + e.data_offset) % 4096, 0);
	assert_memory_equal(tl + e.data_offset, k_fdt, sizeof(k_fdt));

	/* A forward-compatible entry header: data at entry + hdr_size. */
	tl = g_area;
	n = load_vector("entry_hdr16.bin", tl, AREA_SIZE);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_TPM_CRB_BASE, &e), 0);
	assert_int_equal(e.hdr_size, 16);
	assert_int_equal(e.data_offset, e.offset + 16);
	assert_int_equal(e.data_size, 12);
	assert_int_equal(get64(tl + e.data_offset), 0x0C000000u);
	assert_int_equal(rheap_tl_find(tl, TAG_TEST, &e), 0);
	assert_memory_equal(tl + e.data_offset, "after", 5);
}

/* ------------------------------------------------------------------ */
/* Mutations of a valid list                                           */

struct patch {
	uint32_t off;
	uint8_t width; /* 0: unused, 1 or 4 bytes */
	uint32_t value;
};

struct mutation {
	const char *name;
	struct patch p[2];
	bool fix_csum;
	size_t buf_size; /* 0: REF_TOTAL */
	const char *field;
	uint32_t index;
};

#define NOIDX RHEAP_DIAG_NO_INDEX
#define BUF_EMPTY SIZE_MAX /* stands for a zero-byte buffer */
#define P1(o, v) { (o), 1, (v) }
#define P4(o, v) { (o), 4, (v) }

static const struct mutation k_mut[] = {
	{ "signature_low_byte", { P1(0, 0x0C) }, true, 0, "signature", NOIDX },
	{ "signature_zero", { P4(0, 0) }, true, 0, "signature", NOIDX },
	{ "signature_v0_9", { P4(0, 0x006ED0FF) }, true, 0, "signature",
	  NOIDX },
	{ "signature_byteswapped", { P4(0, 0x0BB10F4A) }, true, 0,
	  "signature", NOIDX },
	{ "version_0", { P1(5, 0) }, true, 0, "version", NOIDX },
	{ "hdr_size_0", { P1(6, 0) }, true, 0, "hdr_size", NOIDX },
	{ "hdr_size_0x10", { P1(6, 0x10) }, true, 0, "hdr_size", NOIDX },
	{ "hdr_size_0x17", { P1(6, 0x17) }, true, 0, "hdr_size", NOIDX },
	{ "hdr_size_0x20_v1", { P1(6, 0x20) }, true, 0, "hdr_size", NOIDX },
	{ "hdr_size_0xff_v1", { P1(6, 0xFF) }, true, 0, "hdr_size", NOIDX },
	{ "alignment_64", { P1(7, 64) }, true, 0, "alignment", NOIDX },
	{ "alignment_255", { P1(7, 255) }, true, 0, "alignment", NOIDX },
	{ "used_size_0", { P4(8, 0) }, true, 0, "used_size", NOIDX },
	{ "used_size_below_hdr", { P4(8, 0x17) }, true, 0, "used_size",
	  NOIDX },
	{ "used_size_above_total", { P4(8, REF_TOTAL + 1) }, true, 0,
	  "used_size", NOIDX },
	{ "used_size_max", { P4(8, 0xFFFFFFFF) }, true, 0, "used_size",
	  NOIDX },
	{ "total_size_below_used", { P4(0xC, REF_USED - 8) }, true, 0,
	  "used_size", NOIDX },
	{ "total_size_one_over_buffer", { P4(0xC, REF_TOTAL + 1) }, true, 0,
	  "total_size", NOIDX },
	{ "total_size_max", { P4(0xC, 0xFFFFFFFF) }, true, 0, "total_size",
	  NOIDX },
	{ "buffer_one_short", { { 0 } }, false, REF_TOTAL - 1, "total_size",
	  NOIDX },
	{ "buffer_shorter_than_header", { { 0 } }, false, 23, "buf_size",
	  NOIDX },
	{ "buffer_empty", { { 0 } }, false, BUF_EMPTY, "buf_size", NOIDX },
	{ "flags_bit1", { P4(0x10, 0x3) }, true, 0, "flags", NOIDX },
	{ "flags_bit31", { P4(0x10, 0x80000001) }, true, 0, "flags", NOIDX },
	{ "flags_all", { P4(0x10, 0xFFFFFFFF) }, true, 0, "flags", NOIDX },
	{ "checksum_plus_one", { { 0 } }, false, 0, "checksum", NOIDX },
	{ "payload_byte_changed", { P1(0x70, 'a') }, false, 0, "checksum",
	  NOIDX },
	{ "reserved_word_changed", { P1(0x14, 1) }, false, 0, "checksum",
	  NOIDX },
	{ "padding_byte_changed", { P1(0x76, 1) }, false, 0, "checksum",
	  NOIDX },
	{ "entry0_hdr_size_0", { P1(REF_E0 + 3, 0) }, true, 0,
	  "entry.hdr_size", 0 },
	{ "entry0_hdr_size_7", { P1(REF_E0 + 3, 7) }, true, 0,
	  "entry.hdr_size", 0 },
	{ "entry1_hdr_size_4", { P1(REF_E1 + 3, 4) }, true, 0,
	  "entry.hdr_size", 1 },
	{ "entry0_hdr_size_0xff", { P1(REF_E0 + 3, 0xFF) }, true, 0,
	  "entry.data_size", 0 },
	{ "entry0_data_size_max", { P4(REF_E0 + 4, 0xFFFFFFFF) }, true, 0,
	  "entry.data_size", 0 },
	{ "entry0_data_size_fffffff8", { P4(REF_E0 + 4, 0xFFFFFFF8) }, true,
	  0, "entry.data_size", 0 },
	{ "entry1_ends_one_past_used", { P4(REF_E1 + 4, 9) }, true, 0,
	  "entry.data_size", 1 },
	{ "entry1_data_size_0x100", { P4(REF_E1 + 4, 0x100) }, true, 0,
	  "entry.data_size", 1 },
	{ "used_size_4_stray_bytes", { P4(8, REF_USED + 4) }, true, 0, "entry",
	  2 },
	{ "used_size_cuts_entry1_header", { P4(8, REF_E1 + 4) }, true, 0,
	  "entry", 1 },
	{ "used_size_cuts_entry1_data", { P4(8, REF_E1 + 12) }, true, 0,
	  "entry.data_size", 1 },
	{ "v2_used_below_large_hdr", { P1(5, 2), P1(6, 0x80) }, true, 0,
	  "used_size", NOIDX },
	{ "v2_hdr_size_0x10", { P1(5, 2), P1(6, 0x10) }, true, 0, "hdr_size",
	  NOIDX },
	{ "v2_large_hdr_eats_entry", { P1(5, 2), P1(6, 0x20) }, true, 0,
	  "entry.data_size", 0 },
};

static void test_mutations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(k_mut) / sizeof(k_mut[0]); i++) {
		const struct mutation *m = &k_mut[i];
		struct rheap_diag diag = {0};
		size_t buf_size = m->buf_size ? m->buf_size : REF_TOTAL;
		uint8_t *tl = build_ref(g_area);
		int rc = 0;

		if (buf_size == BUF_EMPTY) {
			buf_size = 0;
		}
		if (strcmp(m->name, "checksum_plus_one") == 0) {
			tl[4]++;
		}
		for (size_t j = 0; j < 2; j++) {
			if (m->p[j].width == 1) {
				tl[m->p[j].off] = (uint8_t)m->p[j].value;
			} else if (m->p[j].width == 4) {
				put32(tl + m->p[j].off, m->p[j].value);
			}
		}
		if (m->fix_csum) {
			fix_checksum(tl, REF_TOTAL);
		}
		rc = rheap_tl_validate(tl, buf_size, NULL, &diag);
		if (rc != -EINVAL || !diag.field ||
		    strcmp(diag.field, m->field) != 0 ||
		    diag.index != m->index) {
			print_error("%s: rc %d field %s index %u\n", m->name,
				    rc, diag.field ? diag.field : "-",
				    diag.index);
		}
		assert_int_equal(rc, -EINVAL);
		assert_non_null(diag.field);
		assert_string_equal(diag.field, m->field);
		assert_int_equal(diag.index, m->index);
	}
}

/* Changes that a reader must accept. */
static void test_mutations_accepted(void **state)
{
	struct rheap_tl_info info = {0};
	uint8_t *tl = NULL;

	(void)state;
	/* Unknown tags and a VOID with an unaligned size are skipped. */
	tl = build_ref(g_area);
	tl[REF_E0] = 0x77;
	tl[REF_E1 + 0] = 0;
	tl[REF_E1 + 1] = 0;
	tl[REF_E1 + 2] = 0;
	fix_checksum(tl, REF_TOTAL);
	assert_int_equal(rheap_tl_validate(tl, REF_TOTAL, &info, NULL), 0);

	/* Version 2 with future flags and a bigger header: read-only. */
	tl = build_ref(g_area);
	tl[5] = 2;
	put32(tl + 0x10, 0xFFFFFFFF);
	fix_checksum(tl, REF_TOTAL);
	assert_int_equal(rheap_tl_validate(tl, REF_TOTAL, &info, NULL), 0);
	assert_true(info.read_only);

	/* Without the checksum flag, the checksum byte is not checked. */
	tl = build_ref(g_area);
	put32(tl + 0x10, 0);
	tl[4] = 0x5A;
	assert_int_equal(rheap_tl_validate(tl, REF_TOTAL, &info, NULL), 0);

	/* used_size exactly at the end of the unpadded last entry. */
	tl = build_ref(g_area);
	put32(tl + 8, REF_E1 + 8 + 5);
	fix_checksum(tl, REF_TOTAL);
	assert_int_equal(rheap_tl_validate(tl, REF_TOTAL, &info, NULL), 0);
	assert_int_equal(count_entries(tl), 2);

	/* Exact fit: total_size == used_size == buffer. */
	tl = build_ref(g_area);
	put32(tl + 0xC, REF_USED);
	fix_checksum(tl, REF_TOTAL);
	assert_int_equal(rheap_tl_validate(tl, REF_USED, &info, NULL), 0);
	assert_int_equal(rheap_tl_validate(tl, REF_USED - 1, NULL, NULL),
			 -EINVAL);
}

static void test_validate_base(void **state)
{
	struct rheap_diag diag = {0};

	(void)state;
	build_ref(g_area);
	memmove(g_area + 4, g_area, REF_TOTAL);
	assert_int_equal(rheap_tl_validate(g_area + 4, REF_TOTAL, NULL, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "base");
	assert_int_equal(rheap_tl_validate(NULL, REF_TOTAL, NULL, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "base");
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */

static void test_init(void **state)
{
	struct rheap_tl_info info = {0};

	(void)state;
	assert_int_equal(rheap_tl_init(g_area + 4, 0x100, 0), -EINVAL);
	assert_int_equal(rheap_tl_init(NULL, 0x100, 0), -EINVAL);
	assert_int_equal(rheap_tl_init(g_area, 0x100, 0x2), -EINVAL);
	assert_int_equal(rheap_tl_init(g_area, 0x104, 0), -EINVAL);
	assert_int_equal(rheap_tl_init(g_area, 0x10, 0), -ENOSPC);
	if (sizeof(size_t) > 4) {
		assert_int_equal(rheap_tl_init(g_area,
					       (size_t)UINT32_MAX + 1, 0),
				 -EINVAL);
	}
	assert_int_equal(rheap_tl_init(g_area, 0x18, 0), 0);
	assert_int_equal(rheap_tl_validate(g_area, 0x18, &info, NULL), 0);

	memset(g_area, 0xEE, 0x100);
	assert_int_equal(rheap_tl_init(g_area, 0x100,
				       RHEAP_TL_FLAG_HAS_CHECKSUM), 0);
	assert_int_equal(rheap_tl_validate(g_area, 0x100, &info, NULL), 0);
	assert_int_equal(info.signature, RHEAP_TL_SIGNATURE);
	assert_int_equal(info.version, 1);
	assert_int_equal(info.hdr_size, 0x18);
	assert_int_equal(info.alignment, 3);
	assert_int_equal(info.used_size, 0x18);
	assert_int_equal(info.total_size, 0x100);
	assert_int_equal(info.flags, 1);
	assert_false(info.read_only);
	assert_int_equal(get32(g_area + 0x14), 0); /* reserved */
	assert_checksum_ok(g_area);
	assert_int_equal(count_entries(g_area), 0);
}

static void test_add_find_remove_checksum(void **state)
{
	struct rheap_tl_entry e = {0};
	struct rheap_tl_entry f = {0};
	uint8_t payload[40];
	uint32_t offs[6] = {0};
	uint8_t *tl = g_area;

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++) {
		payload[i] = (uint8_t)(i * 7 + 1);
	}
	assert_int_equal(rheap_tl_init(tl, 0x400, RHEAP_TL_FLAG_HAS_CHECKSUM),
			 0);
	/* Sizes 0..5 cover every padding length; checksum after each. */
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(rheap_tl_add(tl, 0x100 + i, payload, i * 3,
					      0, &e),
				 0);
		assert_int_equal(e.offset % 8, 0);
		assert_int_equal(get32(tl + 8) % 8, 0);
		assert_checksum_ok(tl);
		assert_int_equal(rheap_tl_validate(tl, 0x400, NULL, NULL), 0);
		offs[i] = e.offset;
	}
	assert_int_equal(count_entries(tl), 6);
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(rheap_tl_find(tl, 0x100 + i, &f), 0);
		assert_int_equal(f.offset, offs[i]);
		assert_int_equal(f.data_size, i * 3);
		assert_memory_equal(tl + f.data_offset, payload, i * 3);
	}

	/* NULL data leaves a zeroed payload. */
	memset(tl + get32(tl + 8), 0xCC, 0x40);
	assert_int_equal(rheap_tl_add(tl, 0x200, NULL, 20, 3, &e), 0);
	for (uint32_t i = 0; i < 20; i++) {
		assert_int_equal(tl[e.data_offset + i], 0);
	}
	assert_checksum_ok(tl);

	/* Remove each one; the byte sum stays 0 and find() stops seeing it. */
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(rheap_tl_remove(tl, offs[i]), 0);
		assert_checksum_ok(tl);
		assert_int_equal(rheap_tl_validate(tl, 0x400, NULL, NULL), 0);
		assert_int_equal(rheap_tl_find(tl, 0x100 + i, &f), -ENOENT);
		/* The VOID entry covers the old entry to its 8-byte end. */
		assert_int_equal(tl[offs[i] + 3], 8);
		assert_int_equal(get32(tl + offs[i] + 4) % 8, 0);
	}
	assert_int_equal(count_entries(tl), 7);
	assert_int_equal(rheap_tl_find(tl, 0x200, &f), 0);

	/* Bad arguments. */
	assert_int_equal(rheap_tl_add(tl, RHEAP_TL_TAG_VOID, NULL, 0, 3, NULL),
			 -EINVAL);
	assert_int_equal(rheap_tl_add(tl, 0x1000000, NULL, 0, 3, NULL),
			 -EINVAL);
	assert_int_equal(rheap_tl_add(tl, 1, NULL, 0, 13, NULL), -EINVAL);
	assert_int_equal(rheap_tl_find(tl, 1, NULL), -EINVAL);
}

static void test_remove_not_entry(void **state)
{
	uint8_t *tl = build_ref(g_area);

	(void)state;
	memcpy(g_saved, tl, REF_TOTAL);
	assert_int_equal(rheap_tl_remove(tl, 0), -ENOENT);
	assert_int_equal(rheap_tl_remove(tl, 0x1C), -ENOENT);
	assert_int_equal(rheap_tl_remove(tl, REF_E0 + 8), -ENOENT);
	assert_int_equal(rheap_tl_remove(tl, REF_E1 + 1), -ENOENT);
	assert_int_equal(rheap_tl_remove(tl, REF_USED), -ENOENT);
	assert_int_equal(rheap_tl_remove(tl, 0xFFFFFFF8), -ENOENT);
	assert_memory_equal(tl, g_saved, REF_TOTAL);
	/* An invalid list is refused before any search. */
	tl[5] = 0;
	assert_int_equal(rheap_tl_remove(tl, REF_E0), -EINVAL);
}

static void test_add_alignment(void **state)
{
	struct rheap_tl_entry e = {0};
	struct rheap_tl_entry v = {0};
	struct rheap_tl_info info = {0};
	/* At 0xFD0 the payload is aligned without a VOID entry. */
	static const uint32_t base_offs[] = { 0, 8, 0x100, 0xFD0, 0xFF8 };

	(void)state;
	for (size_t i = 0; i < sizeof(base_offs) / sizeof(base_offs[0]); i++) {
		uint8_t *tl = g_area + base_offs[i];

		assert_int_equal(rheap_tl_init(tl, 0x3000,
					       RHEAP_TL_FLAG_HAS_CHECKSUM),
				 0);
		assert_int_equal(rheap_tl_add(tl, TAG_TEST, "x", 1, 0, NULL),
				 0);
		assert_int_equal(rheap_tl_add(tl, RHEAP_TL_TAG_FDT, k_fdt,
					      sizeof(k_fdt), 12, &e),
				 0);
		/* The payload's absolute address is aligned, not its offset. */
		assert_int_equal((uintptr_t)(tl + e.data_offset) % 4096, 0);
		assert_memory_equal(tl + e.data_offset, k_fdt, sizeof(k_fdt));
		assert_int_equal(rheap_tl_validate(tl, 0x3000, &info, NULL),
				 0);
		assert_int_equal(info.alignment, 12);
		assert_checksum_ok(tl);
		/* A VOID entry fills the gap unless none was needed. */
		if (rheap_tl_find(tl, RHEAP_TL_TAG_VOID, &v) == 0) {
			assert_int_equal(v.data_offset + v.data_size, e.offset);
			assert_int_equal(v.data_size % 8, 0);
		} else {
			assert_int_equal(e.offset, 0x28);
		}
		/* A smaller alignment later does not lower the field. */
		assert_int_equal(rheap_tl_add(tl, TAG_TEST, "y", 1, 4, &e), 0);
		assert_int_equal((uintptr_t)(tl + e.data_offset) % 16, 0);
		assert_int_equal(tl[7], 12);
		assert_checksum_ok(tl);
	}
}

static void test_add_no_space(void **state)
{
	struct rheap_tl_entry e = {0};
	uint8_t *tl = g_area;
	uint32_t room = 0;

	(void)state;
	memset(g_area, 0x5C, 0x2000);
	assert_int_equal(rheap_tl_init(tl, 0x100, RHEAP_TL_FLAG_HAS_CHECKSUM),
			 0);
	memcpy(g_saved, g_area, 0x2000);
	/* One byte over: the padded entry needs 0x100 - 0x18 + 1 bytes. */
	room = 0x100 - 0x18 - 8;
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, NULL, room + 1, 3, NULL),
			 -ENOSPC);
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, NULL, 0xFFFFFFFF, 3, NULL),
			 -ENOSPC);
	assert_memory_equal(g_area, g_saved, 0x2000);
	/* The entry alone fits but the alignment VOID entry does not. */
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, NULL, 0x10, 12, NULL),
			 -ENOSPC);
	assert_memory_equal(g_area, g_saved, 0x2000);
	/* Exact fit. */
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, NULL, room, 3, &e), 0);
	assert_int_equal(get32(tl + 8), 0x100);
	assert_checksum_ok(tl);
	memcpy(g_saved, g_area, 0x2000);
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, NULL, 0, 3, NULL),
			 -ENOSPC);
	assert_memory_equal(g_area, g_saved, 0x2000);
	/* total_size not a multiple of 8 (relocated into an odd area). */
	assert_int_equal(rheap_tl_init(tl, 0x100, 0), 0);
	put32(tl + 0xC, 0x24);
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, NULL, 4, 3, NULL),
			 -ENOSPC);
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, NULL, 0, 3, NULL), 0);
}

static void test_read_only(void **state)
{
	uint8_t *tl = g_area;
	void *moved = NULL;
	size_t n = 0;
	struct rheap_tl_entry e = {0};

	(void)state;
	n = load_vector("tfa_v2_unpadded.bin", tl, AREA_SIZE);
	memcpy(g_saved, g_area, AREA_SIZE);
	assert_int_equal(rheap_tl_add(tl, TAG_TEST, "z", 1, 3, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(rheap_tl_find(tl, RHEAP_TL_TAG_FDT, &e), 0);
	assert_int_equal(rheap_tl_remove(tl, e.offset), -EOPNOTSUPP);
	assert_int_equal(rheap_tl_relocate(tl, g_area2, n, &moved),
			 -EOPNOTSUPP);
	assert_memory_equal(g_area, g_saved, AREA_SIZE);
	assert_int_equal(rheap_tl_find(tl, TAG_TEST, &e), 0);
	assert_int_equal(e.data_size, 5);
	assert_memory_equal(tl + e.data_offset, "ABCDE", 5);
}

static void test_add_to_unpadded(void **state)
{
	struct rheap_tl_entry e = {0};
	struct rheap_tl_entry last = {0};
	uint8_t *tl = g_area;
	uint32_t used = 0;

	(void)state;
	load_vector("v1_unpadded.bin", tl, AREA_SIZE);
	used = get32(tl + 8);
	assert_int_not_equal(used % 8, 0);
	assert_int_equal(rheap_tl_find(tl, TAG_TEST, &last), 0);
	assert_int_equal(last.data_offset + last.data_size, used);
	/* Garbage in the padding must not leak into the list. */
	memset(tl + used, 0xAB, 8 - used % 8);
	assert_int_equal(rheap_tl_add(tl, 0x105, "payload!", 8, 3, &e), 0);
	assert_int_equal(e.offset, (used + 7) & ~7u);
	assert_int_equal(get32(tl + 8), e.offset + 16);
	for (uint32_t i = used; i < e.offset; i++) {
		assert_int_equal(tl[i], 0);
	}
	assert_checksum_ok(tl);
	assert_int_equal(rheap_tl_validate(tl, 0x200, NULL, NULL), 0);
	assert_int_equal(count_entries(tl), 3);

	/* Removing the unpadded last entry pads used_size to 8. */
	load_vector("v1_unpadded.bin", tl, AREA_SIZE);
	assert_int_equal(rheap_tl_remove(tl, last.offset), 0);
	assert_int_equal(get32(tl + 8), (used + 7) & ~7u);
	assert_int_equal(get32(tl + last.offset + 4), 8);
	assert_checksum_ok(tl);
	assert_int_equal(rheap_tl_validate(tl, 0x200, NULL, NULL), 0);

	/* No room to pad (total_size == used_size): the exact end is kept. */
	load_vector("v1_unpadded.bin", tl, AREA_SIZE);
	put32(tl + 0xC, used);
	fix_checksum(tl, 0x200);
	assert_int_equal(rheap_tl_remove(tl, last.offset), 0);
	assert_int_equal(get32(tl + 8), used);
	assert_int_equal(get32(tl + last.offset + 4), 5);
	assert_int_equal(tl[last.offset], 0);
	assert_checksum_ok(tl);
	assert_int_equal(rheap_tl_validate(tl, used, NULL, NULL), 0);

	/* A 16-byte entry header becomes an 8-byte VOID over the same span. */
	load_vector("entry_hdr16.bin", tl, AREA_SIZE);
	assert_int_equal(rheap_tl_remove(tl, 0x18), 0);
	assert_int_equal(tl[0x18 + 3], 8);
	assert_int_equal(get32(tl + 0x18 + 4), 24);
	assert_int_equal(rheap_tl_validate(tl, 0x100, NULL, NULL), 0);
	assert_int_equal(rheap_tl_find(tl, TAG_TEST, &e), 0);
	assert_int_equal(e.offset, 0x38);
}

/* Every entry of @a and @b has the same tag, sizes and payload bytes. */
static void assert_same_entries(const uint8_t *a, const uint8_t *b)
{
	struct rheap_tl_entry ea = {0};
	struct rheap_tl_entry eb = {0};
	uint32_t ca = 0;
	uint32_t cb = 0;
	int ra = 0;
	int rb = 0;

	do {
		ra = rheap_tl_next(a, &ca, &ea);
		rb = rheap_tl_next(b, &cb, &eb);
		assert_int_equal(ra, rb);
		if (ra > 0) {
			assert_int_equal(ea.tag, eb.tag);
			assert_int_equal(ea.hdr_size, eb.hdr_size);
			assert_int_equal(ea.data_size, eb.data_size);
			assert_int_equal(ea.offset, eb.offset);
			assert_memory_equal(a + ea.data_offset,
					    b + eb.data_offset, ea.data_size);
		}
	} while (ra > 0);
}

static void test_relocate(void **state)
{
	struct rheap_tl_entry e = {0};
	struct rheap_tl_info info = {0};
	uint8_t *tl = g_area;
	uint8_t *nt = NULL;
	void *out = NULL;
	uint8_t big[0x1800];

	(void)state;
	/* Non-overlapping: 4 KiB payload alignment survives. */
	load_vector("fdt_align4k.bin", tl, AREA_SIZE);
	memcpy(g_saved, tl, 0x2000);
	assert_int_equal(rheap_tl_relocate(tl, g_area2 + 0x30, 0x4000, &out),
			 0);
	nt = out;
	assert_ptr_equal(nt, g_area2 + 0x1000);
	assert_int_equal(rheap_tl_validate(nt, 0x4000 - 0xFD0, &info, NULL),
			 0);
	assert_int_equal(info.total_size, 0x4000 - 0xFD0);
	assert_checksum_ok(nt);
	assert_int_equal(rheap_tl_find(nt, RHEAP_TL_TAG_FDT, &e), 0);
	assert_int_equal((uintptr_t)(nt + e.data_offset) % 4096, 0);
	assert_same_entries(g_saved, nt);
	assert_memory_equal(tl, g_saved, 0x2000); /* source untouched */

	/* Not enough room after the lead-in: -ENOSPC, target untouched. */
	memset(g_area2, 0x11, 0x2000);
	memcpy(g_saved, g_area2, 0x2000);
	assert_int_equal(rheap_tl_relocate(tl, g_area2 + 0x30,
					   0xFD0 + get32(tl + 8) - 1, &out),
			 -ENOSPC);
	assert_int_equal(rheap_tl_relocate(tl, g_area2 + 0x30, 0xFC0, &out),
			 -ENOSPC);
	assert_memory_equal(g_area2, g_saved, 0x2000);
	/* Exact fit. */
	assert_int_equal(rheap_tl_relocate(tl, g_area2 + 0x30,
					   0xFD0 + get32(tl + 8), &out),
			 0);
	assert_int_equal(get32((uint8_t *)out + 0xC), get32(tl + 8));
	assert_int_equal(rheap_tl_validate(out, get32(tl + 8), NULL, NULL),
			 0);

	/* Overlapping, forward, with a 4 KiB aligned payload of 6 KiB. */
	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = (uint8_t)(i ^ (i >> 8));
	}
	assert_int_equal(rheap_tl_init(g_area, 0x3000,
				       RHEAP_TL_FLAG_HAS_CHECKSUM),
			 0);
	assert_int_equal(rheap_tl_add(g_area, TAG_TEST, "abc", 3, 3, NULL), 0);
	assert_int_equal(rheap_tl_add(g_area, RHEAP_TL_TAG_FDT, big,
				      sizeof(big), 12, NULL),
			 0);
	memcpy(g_saved, g_area, 0x3000);
	assert_int_equal(rheap_tl_relocate(g_area, g_area + 0x10, 0x4000,
					   &out),
			 0);
	nt = out;
	assert_ptr_equal(nt, g_area + 0x1000);
	assert_int_equal(rheap_tl_validate(nt, 0x4000 - 0xFF0, NULL, NULL), 0);
	assert_same_entries(g_saved, nt);
	assert_int_equal(rheap_tl_find(nt, RHEAP_TL_TAG_FDT, &e), 0);
	assert_int_equal((uintptr_t)(nt + e.data_offset) % 4096, 0);
	assert_memory_equal(nt + e.data_offset, big, sizeof(big));

	/* Overlapping, backward, alignment 3: the list moves down 0xF8. */
	load_vector("tfa_padded.bin", g_area + 0x100, AREA_SIZE - 0x100);
	memcpy(g_saved, g_area + 0x100, 0x400);
	assert_int_equal(rheap_tl_relocate(g_area + 0x100, g_area + 8, 0x500,
					   &out),
			 0);
	assert_ptr_equal(out, g_area + 8);
	assert_int_equal(get32((uint8_t *)out + 0xC), 0x500);
	assert_int_equal(rheap_tl_validate(out, 0x500, NULL, NULL), 0);
	assert_same_entries(g_saved, out);
	assert_checksum_ok(out);

	/* In place. */
	assert_int_equal(rheap_tl_relocate(out, out, 0x500, &out), 0);
	assert_ptr_equal(out, g_area + 8);

	/* Invalid source or target. */
	assert_int_equal(rheap_tl_relocate(g_area + 8, NULL, 0x500, &out),
			 -EINVAL);
	g_area[8] ^= 1;
	assert_int_equal(rheap_tl_relocate(g_area + 8, g_area2, 0x500, &out),
			 -EINVAL);
}

static void test_update_checksum(void **state)
{
	uint8_t *tl = build_ref(g_area);

	(void)state;
	tl[0x70] = 'Z';
	assert_int_equal(rheap_tl_validate(tl, REF_TOTAL, NULL, NULL),
			 -EINVAL);
	rheap_tl_update_checksum(tl);
	assert_checksum_ok(tl);
	assert_int_equal(rheap_tl_validate(tl, REF_TOTAL, NULL, NULL), 0);
	/* Without the flag, the byte is left alone. */
	put32(tl + 0x10, 0);
	tl[4] = 0x42;
	rheap_tl_update_checksum(tl);
	assert_int_equal(tl[4], 0x42);
	rheap_tl_update_checksum(NULL);
}

static void test_next_cursor(void **state)
{
	struct rheap_tl_entry e = {0};
	uint32_t cursor = 0;
	uint8_t *tl = build_ref(g_area);

	(void)state;
	cursor = 4;
	assert_int_equal(rheap_tl_next(tl, &cursor, &e), -EINVAL);
	cursor = REF_E0 + 4;
	assert_int_equal(rheap_tl_next(tl, &cursor, &e), -EINVAL);
	cursor = REF_USED;
	assert_int_equal(rheap_tl_next(tl, &cursor, &e), 0);
	cursor = UINT32_MAX;
	assert_int_equal(rheap_tl_next(tl, &cursor, &e), 0);
	cursor = REF_E1;
	assert_int_equal(rheap_tl_next(tl, &cursor, &e), 1);
	assert_int_equal(e.tag, TAG_TEST);
	assert_int_equal(cursor, REF_USED);
	assert_int_equal(rheap_tl_next(NULL, &cursor, &e), -EINVAL);
	/* A header corrupted after validation is caught while walking. */
	tl[REF_E1 + 3] = 0;
	assert_int_equal(rheap_tl_find(tl, TAG_TEST, &e), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Handoff registers                                                   */

static void test_handoff_round_trip(void **state)
{
	struct rheap_tl_handoff_regs regs = { { 0 } };
	uint64_t tl_pa = 0;
	uint64_t fdt_pa = 0;

	(void)state;
	assert_int_equal(rheap_tl_handoff_encode(0x80000000, 0x80001000,
						 &regs),
			 0);
	assert_int_equal(regs.x[0], 0x80001000);
	assert_int_equal(regs.x[1], UINT64_C(0x000000014A0FB10B));
	assert_int_equal(regs.x[2], 0);
	assert_int_equal(regs.x[3], 0x80000000);
	assert_int_equal(rheap_tl_handoff_decode(&regs, &tl_pa, &fdt_pa, NULL),
			 0);
	assert_int_equal(tl_pa, 0x80000000);
	assert_int_equal(fdt_pa, 0x80001000);

	assert_int_equal(rheap_tl_handoff_encode(UINT64_C(0xFFFFFFFFFFFFFFF8),
						 0, &regs),
			 0);
	assert_int_equal(rheap_tl_handoff_decode(&regs, &tl_pa, &fdt_pa, NULL),
			 0);
	assert_int_equal(tl_pa, UINT64_C(0xFFFFFFFFFFFFFFF8));
	assert_int_equal(fdt_pa, 0);

	assert_int_equal(rheap_tl_handoff_encode(0, 0, &regs), -EINVAL);
	assert_int_equal(rheap_tl_handoff_encode(0x80000004, 0, &regs),
			 -EINVAL);
	assert_int_equal(rheap_tl_handoff_encode(0x80000000, 0, NULL),
			 -EINVAL);
}

struct regs_case {
	const char *name;
	uint64_t x[4];
	int rc;
	const char *field;
};

static const struct regs_case k_regs[] = {
	{ "signature_wrong", { 0, UINT64_C(0x14A0FB10C), 0, 0x1000 }, -EINVAL,
	  "x1.signature" },
	{ "signature_v0_9", { 0, 0x01006ED0FF, 0, 0x1000 }, -EINVAL,
	  "x1.signature" },
	{ "version_at_bit24_old_tfa", { 0, 0x4A0FB10B | (1u << 24), 0, 0x1000 },
	  -EINVAL, "x1.signature" },
	{ "version_2", { 0, UINT64_C(0x24A0FB10B), 0, 0x1000 }, -EOPNOTSUPP,
	  "x1.version" },
	{ "version_0", { 0, UINT64_C(0x04A0FB10B), 0, 0x1000 }, -EOPNOTSUPP,
	  "x1.version" },
	{ "bit40_set", { 0, UINT64_C(0x000001014A0FB10B), 0, 0x1000 },
	  -EINVAL, "x1.reserved" },
	{ "bit63_set", { 0, UINT64_C(0x800000014A0FB10B), 0, 0x1000 },
	  -EINVAL, "x1.reserved" },
	{ "x2_nonzero", { 0, UINT64_C(0x14A0FB10B), 1, 0x1000 }, -EINVAL,
	  "x2" },
	{ "x3_zero", { 0, UINT64_C(0x14A0FB10B), 0, 0 }, -EINVAL, "x3" },
	{ "x3_misaligned", { 0, UINT64_C(0x14A0FB10B), 0, 0x1004 }, -EINVAL,
	  "x3" },
};

static void test_handoff_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(k_regs) / sizeof(k_regs[0]); i++) {
		struct rheap_tl_handoff_regs regs = { { 0 } };
		struct rheap_diag diag = {0};
		uint64_t tl_pa = 0x55;
		uint64_t fdt_pa = 0x55;

		for (size_t j = 0; j < 4; j++) {
			regs.x[j] = k_regs[i].x[j];
		}
		assert_int_equal(rheap_tl_handoff_decode(&regs, &tl_pa,
							 &fdt_pa, &diag),
				 k_regs[i].rc);
		assert_non_null(diag.field);
		assert_string_equal(diag.field, k_regs[i].field);
		assert_int_equal(tl_pa, 0x55);
		assert_int_equal(fdt_pa, 0x55);
	}
}

/* ------------------------------------------------------------------ */
/* Protected pools vendor entry                                        */

static const struct rheap_tl_pool k_pools[] = {
	{ 0xF8000000, 0x04000000, RHEAP_USE_CASE_SECURE_VIDEO, 0 },
	{ 0xFC000000, 0x01000000, RHEAP_USE_CASE_TRUSTED_UI, 0 },
	{ 0xFD000000, 0x00800000, RHEAP_USE_CASE_SECURE_VIDEO_RECORD,
	  RHEAP_TL_POOL_FLAG_DYNAMIC },
};

static bool pool_eq(const struct rheap_tl_pool *a,
		    const struct rheap_tl_pool *b)
{
	return a->base == b->base && a->size == b->size &&
	       a->use_case == b->use_case && a->flags == b->flags;
}

static void test_pools_round_trip(void **state)
{
	uint8_t buf[16 + 3 * 32];
	struct rheap_tl_pool out[4];
	struct rheap_tl_entry e = {0};
	uint32_t count = 0;

	(void)state;
	assert_int_equal(rheap_tl_pools_encode(k_pools, 3, buf, sizeof(buf),
					       NULL),
			 (int)sizeof(buf));
	assert_int_equal(get32(buf), 1);
	assert_int_equal(get32(buf + 4), 32);
	assert_int_equal(get32(buf + 8), 3);
	assert_int_equal(rheap_tl_pools_decode(buf, sizeof(buf), out, 4,
					       &count, NULL),
			 0);
	assert_int_equal(count, 3);
	for (uint32_t i = 0; i < 3; i++) {
		assert_true(pool_eq(&out[i], &k_pools[i]));
	}

	/* The golden vector decodes to the same pools, byte for byte. */
	load_vector("pools.bin", g_area, AREA_SIZE);
	assert_int_equal(rheap_tl_find(g_area, RHEAP_TL_TAG_PROTECTED_POOLS,
				       &e),
			 0);
	assert_int_equal(e.data_size, sizeof(buf));
	assert_memory_equal(g_area + e.data_offset, buf, sizeof(buf));
	assert_int_equal(rheap_tl_pools_decode(g_area + e.data_offset,
					       e.data_size, out, 4, &count,
					       NULL),
			 0);
	assert_int_equal(count, 3);

	/* Empty list. */
	assert_int_equal(rheap_tl_pools_encode(NULL, 0, buf, 16, NULL), 16);
	assert_int_equal(rheap_tl_pools_decode(buf, 16, NULL, 0, &count, NULL),
			 0);
	assert_int_equal(count, 0);

	/* Buffers too small. */
	assert_int_equal(rheap_tl_pools_encode(k_pools, 3, buf,
					       sizeof(buf) - 1, NULL),
			 -ENOSPC);
	assert_int_equal(rheap_tl_pools_encode(k_pools, 3, buf, sizeof(buf),
					       NULL),
			 (int)sizeof(buf));
	assert_int_equal(rheap_tl_pools_decode(buf, sizeof(buf), out, 2,
					       &count, NULL),
			 -ENOSPC);
	assert_int_equal(count, 3);

	/* Adjacent pools do not overlap. */
	{
		struct rheap_tl_pool adj[2] = {
			{ 0x1000, 0x1000, 1, 0 },
			{ 0x2000, 0x1000, 2, 0 },
		};
		assert_int_equal(rheap_tl_pools_encode(adj, 2, buf,
						       sizeof(buf), NULL),
				 80);
	}

	/* A later revision's longer records (entry_size 40) still decode. */
	{
		uint8_t wide[16 + 2 * 40];

		memset(wide, 0, sizeof(wide));
		put32(wide, 1);
		put32(wide + 4, 40);
		put32(wide + 8, 2);
		for (uint32_t i = 0; i < 2; i++) {
			uint8_t *r = wide + 16 + i * 40;

			put64(r, k_pools[i].base);
			put64(r + 8, k_pools[i].size);
			put32(r + 16, k_pools[i].use_case);
			put32(r + 20, k_pools[i].flags);
			memset(r + 32, 0xEE, 8);
		}
		assert_int_equal(rheap_tl_pools_decode(wide, sizeof(wide), out,
						       4, &count, NULL),
				 0);
		assert_int_equal(count, 2);
		assert_true(pool_eq(&out[1], &k_pools[1]));
	}
}

enum pools_field {
	PF_NONE,
	PF_VERSION,
	PF_ENTRY_SIZE,
	PF_COUNT,
	PF_RESERVED,
	PF_BASE,
	PF_SIZE,
	PF_USE_CASE,
	PF_FLAGS,
	PF_REC_RESERVED,
};

struct pools_case {
	const char *name;
	enum pools_field what;
	uint32_t index; /* record for PF_BASE.. */
	uint64_t value;
	int size_delta; /* bytes added to or removed from the payload */
	int rc;
	const char *field;
	uint32_t diag_index;
};

static const struct pools_case k_pcases[] = {
	{ "version_2", PF_VERSION, 0, 2, 0, -EOPNOTSUPP, "pools.version",
	  NOIDX },
	{ "version_0", PF_VERSION, 0, 0, 0, -EOPNOTSUPP, "pools.version",
	  NOIDX },
	{ "entry_size_24", PF_ENTRY_SIZE, 0, 24, 0, -EINVAL,
	  "pools.entry_size", NOIDX },
	{ "entry_size_36", PF_ENTRY_SIZE, 0, 36, 0, -EINVAL,
	  "pools.entry_size", NOIDX },
	{ "entry_size_0", PF_ENTRY_SIZE, 0, 0, 0, -EINVAL, "pools.entry_size",
	  NOIDX },
	{ "header_reserved", PF_RESERVED, 0, 1, 0, -EINVAL, "pools.reserved",
	  NOIDX },
	{ "count_plus_one", PF_COUNT, 0, 4, 0, -EINVAL, "pools.count", NOIDX },
	{ "count_minus_one", PF_COUNT, 0, 2, 0, -EINVAL, "pools.count", NOIDX },
	{ "count_huge", PF_COUNT, 0, 0x08000000, 0, -EINVAL, "pools.count",
	  NOIDX },
	{ "payload_one_byte_long", PF_NONE, 0, 0, 1, -EINVAL, "pools.count",
	  NOIDX },
	{ "payload_one_byte_short", PF_NONE, 0, 0, -1, -EINVAL, "pools.count",
	  NOIDX },
	{ "payload_shorter_than_header", PF_NONE, 0, 0, -(16 + 96 - 15),
	  -EINVAL, "pools.data_size", NOIDX },
	{ "base_unaligned", PF_BASE, 1, 0xFC000800, 0, -EINVAL, "pool.base",
	  1 },
	{ "size_zero", PF_SIZE, 0, 0, 0, -EINVAL, "pool.size", 0 },
	{ "size_unaligned", PF_SIZE, 2, 0x1001, 0, -EINVAL, "pool.size", 2 },
	{ "range_wraps", PF_BASE, 2, UINT64_C(0xFFFFFFFFFFFFF000), 0, -EINVAL,
	  "pool.size", 2 },
	{ "range_ends_at_2_64", PF_BASE, 2, UINT64_C(0xFFFFFFFFFF800000), 0,
	  -EINVAL, "pool.size", 2 },
	{ "use_case_none", PF_USE_CASE, 0, 0, 0, -EINVAL, "pool.use_case", 0 },
	{ "use_case_4", PF_USE_CASE, 1, 4, 0, -EINVAL, "pool.use_case", 1 },
	{ "use_case_max", PF_USE_CASE, 1, 0xFFFFFFFF, 0, -EINVAL,
	  "pool.use_case", 1 },
	{ "flags_mbz", PF_FLAGS, 2, 0x3, 0, -EINVAL, "pool.flags", 2 },
	{ "record_reserved", PF_REC_RESERVED, 1, 1, 0, -EINVAL,
	  "pool.reserved", 1 },
	{ "overlap_identical", PF_BASE, 1, 0xF8000000, 0, -EINVAL, "pool.base",
	  1 },
	{ "overlap_partial", PF_BASE, 2, 0xFBFFF000, 0, -EINVAL, "pool.base",
	  2 },
	{ "overlap_contained", PF_BASE, 1, 0xF9000000, 0, -EINVAL,
	  "pool.base", 1 },
};

static void test_pools_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(k_pcases) / sizeof(k_pcases[0]); i++) {
		const struct pools_case *c = &k_pcases[i];
		uint8_t buf[16 + 3 * 32 + 8];
		struct rheap_tl_pool out[4];
		struct rheap_diag diag = {0};
		uint32_t count = 0x55;
		uint8_t *r = buf + 16 + c->index * 32;
		size_t size = 16 + 3 * 32;

		memset(buf, 0, sizeof(buf));
		assert_int_equal(rheap_tl_pools_encode(k_pools, 3, buf,
						       sizeof(buf), NULL),
				 16 + 3 * 32);
		switch (c->what) {
		case PF_VERSION:
			put32(buf, (uint32_t)c->value);
			break;
		case PF_ENTRY_SIZE:
			put32(buf + 4, (uint32_t)c->value);
			break;
		case PF_COUNT:
			put32(buf + 8, (uint32_t)c->value);
			break;
		case PF_RESERVED:
			put32(buf + 12, (uint32_t)c->value);
			break;
		case PF_BASE:
			put64(r, c->value);
			break;
		case PF_SIZE:
			put64(r + 8, c->value);
			break;
		case PF_USE_CASE:
			put32(r + 16, (uint32_t)c->value);
			break;
		case PF_FLAGS:
			put32(r + 20, (uint32_t)c->value);
			break;
		case PF_REC_RESERVED:
			put64(r + 24, c->value);
			break;
		case PF_NONE:
			break;
		}
		size = (size_t)((int)size + c->size_delta);
		if (rheap_tl_pools_decode(buf, size, out, 4, &count, &diag) !=
			    c->rc ||
		    !diag.field || strcmp(diag.field, c->field) != 0) {
			print_error("%s: field %s\n", c->name,
				    diag.field ? diag.field : "-");
		}
		assert_int_equal(rheap_tl_pools_decode(buf, size, out, 4,
						       &count, &diag),
				 c->rc);
		assert_non_null(diag.field);
		assert_string_equal(diag.field, c->field);
		assert_int_equal(diag.index, c->diag_index);
		assert_int_equal(count, 0x55);
	}
}

static void test_pools_encode_hostile(void **state)
{
	struct rheap_tl_pool p[2] = {
		{ 0x1000, 0x1000, 1, 0 },
		{ 0x3000, 0x1000, 2, 0 },
	};
	uint8_t buf[128];
	struct rheap_diag diag = {0};

	(void)state;
	p[1].use_case = 9;
	assert_int_equal(rheap_tl_pools_encode(p, 2, buf, sizeof(buf), &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "pool.use_case");
	assert_int_equal(diag.index, 1);
	p[1].use_case = 2;
	p[1].base = 0x1800;
	assert_int_equal(rheap_tl_pools_encode(p, 2, buf, sizeof(buf), &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "pool.base");
	p[1].base = 0x1000;
	assert_int_equal(rheap_tl_pools_encode(p, 2, buf, sizeof(buf), &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "pool.base");
	p[1].base = 0x2000;
	p[1].flags = 0x80000000;
	assert_int_equal(rheap_tl_pools_encode(p, 2, buf, sizeof(buf), &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "pool.flags");
	assert_int_equal(rheap_tl_pools_encode(NULL, 2, buf, sizeof(buf),
					       &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "pools.count");
	assert_int_equal(rheap_tl_pools_encode(p, 0x7FFFFFFF, buf, sizeof(buf),
					       &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "pools.count");
}

/* A pools entry travels through add/find/decode inside a real list. */
static void test_pools_in_list(void **state)
{
	uint8_t payload[16 + 3 * 32];
	struct rheap_tl_entry e = {0};
	struct rheap_tl_pool out[3];
	uint32_t count = 0;
	int n = 0;

	(void)state;
	n = rheap_tl_pools_encode(k_pools, 3, payload, sizeof(payload), NULL);
	assert_int_equal(n, (int)sizeof(payload));
	assert_int_equal(rheap_tl_init(g_area, 0x200,
				       RHEAP_TL_FLAG_HAS_CHECKSUM),
			 0);
	assert_int_equal(rheap_tl_add(g_area, RHEAP_TL_TAG_PROTECTED_POOLS,
				      payload, (uint32_t)n, 3, NULL),
			 0);
	assert_int_equal(rheap_tl_find(g_area, RHEAP_TL_TAG_PROTECTED_POOLS,
				       &e),
			 0);
	assert_int_equal(rheap_tl_pools_decode(g_area + e.data_offset,
					       e.data_size, out, 3, &count,
					       NULL),
			 0);
	assert_int_equal(count, 3);
	assert_true(pool_eq(&out[2], &k_pools[2]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_good),
		cmocka_unit_test(test_vectors_bad),
		cmocka_unit_test(test_vector_tfa_contents),
		cmocka_unit_test(test_vector_alignment),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_mutations_accepted),
		cmocka_unit_test(test_validate_base),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_add_find_remove_checksum),
		cmocka_unit_test(test_remove_not_entry),
		cmocka_unit_test(test_add_alignment),
		cmocka_unit_test(test_add_no_space),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_add_to_unpadded),
		cmocka_unit_test(test_relocate),
		cmocka_unit_test(test_update_checksum),
		cmocka_unit_test(test_next_cursor),
		cmocka_unit_test(test_handoff_round_trip),
		cmocka_unit_test(test_handoff_hostile),
		cmocka_unit_test(test_pools_round_trip),
		cmocka_unit_test(test_pools_hostile),
		cmocka_unit_test(test_pools_encode_hostile),
		cmocka_unit_test(test_pools_in_list),
	};

	return cmocka_run_group_tests_name("tl", tests, NULL, NULL);
}
