// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the FF-A codec: descriptors (golden vectors + in-code
 * mutations), relinquish, fragmentation, register calls.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#ifndef RHEAP_FFA_VECTOR_DIR
#error "RHEAP_FFA_VECTOR_DIR must name tests/vectors/ffa"
#endif

/* Pseudo-ABI for relinquish vectors in the manifest. */
#define VEC_RELINQUISH 0

#define MAX_RX RHEAP_FFA_MAX_RECEIVERS
#define MAX_RANGES 4096
#define MAX_DESC (64 * 1024 + 4096)

struct vec {
	const char *path;
	int abi;
	int want;
	const char *field;
	bool canonical;
};

static const struct vec vectors[] = {
#define VEC(p, a, w, f, c) { p, a, w, f, c },
#include "manifest.h"
#undef VEC
};

static struct rheap_ffa_receiver rx_a[MAX_RX];
static struct rheap_ffa_receiver rx_b[MAX_RX];
static struct rheap_ffa_range rg_a[MAX_RANGES];
static struct rheap_ffa_range rg_b[MAX_RANGES];
static uint8_t enc[MAX_DESC];

static size_t load(const char *rel, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", RHEAP_FFA_VECTOR_DIR, rel);
	f = fopen(path, "rb");
	if (!f) {
		fail_msg("cannot open %s", path);
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void mem_init(struct rheap_ffa_mem *m, struct rheap_ffa_receiver *rx,
		     struct rheap_ffa_range *rg)
{
	memset(m, 0, sizeof(*m));
	m->receivers = rx;
	m->receiver_cap = MAX_RX;
	m->ranges = rg;
	m->range_cap = MAX_RANGES;
}

static void check_rc(const char *name, int rc, int want,
		     const struct rheap_diag *diag, const char *field)
{
	if (rc != want) {
		fail_msg("%s: rc %d (%s), want %d (%s); diag field %s", name,
			 rc, rheap_err_name(rc), want, rheap_err_name(want),
			 diag->field ? diag->field : "(none)");
	}
	if (want != 0 && field &&
	    (!diag->field || strcmp(diag->field, field) != 0)) {
		fail_msg("%s: diag field %s, want %s", name,
			 diag->field ? diag->field : "(none)", field);
	}
}

/* Decode, re-encode, decode again: equal values; optionally equal bytes. */
static void round_trip(const char *name, enum rheap_ffa_abi abi,
		       const uint8_t *buf, size_t size, bool canonical)
{
	struct rheap_ffa_mem a;
	struct rheap_ffa_mem b;
	struct rheap_diag diag = { 0 };
	int rc = 0;
	int len = 0;
	size_t esize = 0;

	mem_init(&a, rx_a, rg_a);
	mem_init(&b, rx_b, rg_b);
	rc = rheap_ffa_mem_decode(abi, buf, size, &a, &diag);
	check_rc(name, rc, 0, &diag, NULL);
	len = rheap_ffa_mem_encode(&a, enc, sizeof(enc), &diag);
	if (len <= 0) {
		fail_msg("%s: encode %d (%s)", name, len,
			 diag.field ? diag.field : "");
	}
	assert_int_equal(rheap_ffa_mem_encoded_size(&a, &esize), 0);
	assert_int_equal(esize, (size_t)len);
	rc = rheap_ffa_mem_decode(abi, enc, (size_t)len, &b, &diag);
	check_rc(name, rc, 0, &diag, NULL);
	if (!rheap_ffa_mem_eq(&a, &b)) {
		fail_msg("%s: re-decoded value differs", name);
	}
	if (canonical) {
		if ((size_t)len != size || memcmp(enc, buf, size) != 0) {
			fail_msg("%s: re-encoding is not byte-identical", name);
		}
	}
	/* Exact fit works, one byte less is -ENOSPC. */
	assert_int_equal(rheap_ffa_mem_encode(&a, enc, (size_t)len, NULL), len);
	assert_int_equal(rheap_ffa_mem_encode(&a, enc, (size_t)len - 1, NULL),
			 -ENOSPC);
}

static int relinquish_check(const char *name, const uint8_t *buf, size_t size,
			    int want, const char *field)
{
	uint16_t eps[MAX_RX];
	uint16_t eps2[MAX_RX];
	struct rheap_ffa_relinquish r = { .endpoints = eps,
					  .endpoint_cap = MAX_RX };
	struct rheap_ffa_relinquish r2 = { .endpoints = eps2,
					   .endpoint_cap = MAX_RX };
	struct rheap_diag diag = { 0 };
	int rc = rheap_ffa_relinquish_decode(buf, size, &r, &diag);
	int len = 0;

	check_rc(name, rc, want, &diag, field);
	if (rc) {
		return rc;
	}
	len = rheap_ffa_relinquish_encode(&r, enc, sizeof(enc), NULL);
	assert_true(len > 0);
	assert_int_equal(rheap_ffa_relinquish_decode(enc, (size_t)len, &r2,
						     NULL),
			 0);
	assert_true(r.handle == r2.handle && r.flags == r2.flags &&
		    r.endpoint_count == r2.endpoint_count);
	assert_memory_equal(eps, eps2, r.endpoint_count * sizeof(eps[0]));
	assert_memory_equal(enc, buf, (size_t)len);
	return 0;
}

static void test_vectors(void **state)
{
	static uint8_t buf[MAX_DESC];
	unsigned int good = 0;
	unsigned int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		size_t n = load(v->path, buf, sizeof(buf));

		if (v->abi == VEC_RELINQUISH) {
			relinquish_check(v->path, buf, n, v->want, v->field);
		} else if (v->want == 0) {
			round_trip(v->path, (enum rheap_ffa_abi)v->abi, buf, n,
				   v->canonical);
		} else {
			struct rheap_ffa_mem m;
			struct rheap_diag diag = { 0 };

			mem_init(&m, rx_a, rg_a);
			check_rc(v->path,
				 rheap_ffa_mem_decode((enum rheap_ffa_abi)v->abi,
						      buf, n, &m, &diag),
				 v->want, &diag, v->field);
		}
		if (v->want == 0) {
			good++;
		} else {
			bad++;
		}
	}
	print_message("vectors: %u accepted, %u hostile\n", good, bad);
	assert_true(bad >= 60);
}

/*
 * In-code mutations of accepted vectors. Each patches one little-endian
 * field (width 0: none) and/or changes the length, then expects one result.
 */
struct mutation {
	const char *name;
	const char *vector;
	enum rheap_ffa_abi abi;
	uint32_t off;
	uint32_t width;
	uint64_t value;
	int size_delta;
	int want;
	const char *field;
};

#define L11 "v1_1/linux_lend_1rx.bin" /* EMAD 48, composite 64, K 80.. */
#define L12 "v1_2/linux_lend_1rx.bin" /* EMAD 48 (32 B), composite 80 */
#define SH2 "v1_1/linux_share_2rx.bin"
#define RQ "v1_1/retrieve_req.bin"
#define RS "v1_1/retrieve_resp.bin"
#define R64 "v1_1/lend_64rx.bin"
#define LEND RHEAP_FFA_ABI_LEND

static const struct mutation mutations[] = {
	/* Lengths: exact fit is the vector itself. */
	{ "len_minus_1", L11, LEND, 0, 0, 0, -1, -EINVAL,
	  "composite.range_count" },
	{ "len_minus_16", L11, LEND, 0, 0, 0, -16, -EINVAL,
	  "composite.range_count" },
	{ "len_plus_16", L11, LEND, 0, 0, 0, 16, -EINVAL, "total_length" },
	{ "len_plus_1", L11, LEND, 0, 0, 0, 1, -EINVAL, "total_length" },
	{ "len_header_only", L11, LEND, 0, 0, 0, -80, -EINVAL, "emad_offset" },
	{ "len_47", L11, LEND, 0, 0, 0, -81, -EINVAL, "total_length" },
	{ "len_0", L11, LEND, 0, 0, 0, -128, -EINVAL, "total_length" },
	{ "len_no_composite", L11, LEND, 0, 0, 0, -64, -EINVAL,
	  "receivers.composite_offset" },
	{ "v12_len_minus_1", L12, LEND, 0, 0, 0, -1, -EINVAL,
	  "composite.range_count" },
	{ "v12_len_plus_16", L12, LEND, 0, 0, 0, 16, -EINVAL, "total_length" },
	/* Header EMAD fields. */
	{ "emad_size_17", L11, LEND, 24, 4, 17, 0, -EINVAL, "emad_size" },
	{ "emad_size_8", L11, LEND, 24, 4, 8, 0, -EINVAL, "emad_size" },
	{ "emad_size_64", L11, LEND, 24, 4, 64, 0, -EOPNOTSUPP, "emad_size" },
	{ "emad_size_max16", L11, LEND, 24, 4, 0xFFFFFFF0, 0, -EOPNOTSUPP,
	  "emad_size" },
	{ "emad_count_2_reads_composite", L11, LEND, 28, 4, 2, 0, -EINVAL,
	  "receivers.composite_offset" },
	{ "emad_count_64_past_end", L11, LEND, 28, 4, 64, 0, -EINVAL,
	  "emad_offset" },
	{ "emad_count_2pow28", L11, LEND, 28, 4, 0x10000000, 0, -EINVAL,
	  "emad_count" },
	{ "emad_offset_0", L11, LEND, 32, 4, 0, 0, -EINVAL, "emad_offset" },
	{ "emad_offset_47", L11, LEND, 32, 4, 47, 0, -EINVAL, "emad_offset" },
	{ "emad_offset_49", L11, LEND, 32, 4, 49, 0, -EINVAL, "emad_offset" },
	{ "emad_offset_at_end", L11, LEND, 32, 4, 128, 0, -EINVAL,
	  "emad_offset" },
	{ "emad_offset_onto_composite", L11, LEND, 32, 4, 64, 0, -EINVAL,
	  "receivers.composite_offset" },
	{ "hdr_reserved_36", L11, LEND, 36, 1, 1, 0, -EINVAL, "reserved" },
	{ "hdr_reserved_47", L11, LEND, 47, 1, 0x80, 0, -EINVAL, "reserved" },
	/* EMAD bytes. */
	{ "emad_reserved_56", L11, LEND, 56, 1, 1, 0, -EINVAL,
	  "receivers.reserved" },
	{ "emad_reserved_63", L11, LEND, 63, 1, 1, 0, -EINVAL,
	  "receivers.reserved" },
	{ "v12_impdef_carried", L12, LEND, 56, 8, 0x0123456789ABCDEF, 0, 0,
	  NULL },
	{ "v12_emad_reserved_72", L12, LEND, 72, 1, 1, 0, -EINVAL,
	  "receivers.reserved" },
	{ "v12_emad_reserved_79", L12, LEND, 79, 1, 1, 0, -EINVAL,
	  "receivers.reserved" },
	{ "composite_offset_48", L11, LEND, 52, 4, 48, 0, -EINVAL,
	  "receivers.composite_offset" },
	{ "composite_offset_63", L11, LEND, 52, 4, 63, 0, -EINVAL,
	  "receivers.composite_offset" },
	{ "composite_offset_65", L11, LEND, 52, 4, 65, 0, -EINVAL,
	  "receivers.composite_offset" },
	{ "composite_offset_end", L11, LEND, 52, 4, 128, 0, -EINVAL,
	  "receivers.composite_offset" },
	{ "composite_offset_wrap", L11, LEND, 52, 4, 0xFFFFFFF0, 0, -EINVAL,
	  "receivers.composite_offset" },
	{ "composite_offset_onto_range0", L11, LEND, 52, 4, 80, 0, -EINVAL,
	  "composite.reserved" },
	{ "composite_reserved_72", L11, LEND, 72, 1, 1, 0, -EINVAL,
	  "composite.reserved" },
	{ "composite_reserved_79", L11, LEND, 79, 1, 1, 0, -EINVAL,
	  "composite.reserved" },
	/* Composite counts. */
	{ "range_count_0", L11, LEND, 68, 4, 0, 0, -EINVAL, "total_length" },
	{ "range_count_2", L11, LEND, 68, 4, 2, 0, -EINVAL, "total_length" },
	{ "range_count_4", L11, LEND, 68, 4, 4, 0, -EINVAL,
	  "composite.range_count" },
	{ "range_count_2pow28", L11, LEND, 68, 4, 0x10000000, 0, -EINVAL,
	  "composite.range_count" },
	{ "page_count_minus_1", L11, LEND, 64, 4, 272, 0, -EINVAL,
	  "composite.page_count" },
	{ "page_count_plus_1", L11, LEND, 64, 4, 274, 0, -EINVAL,
	  "composite.page_count" },
	{ "page_count_0", L11, LEND, 64, 4, 0, 0, -EINVAL,
	  "composite.page_count" },
	/* Constituents. */
	{ "range0_addr_plus_1", L11, LEND, 80, 8, 0x88000001, 0, -EINVAL,
	  "constituents.address" },
	{ "range0_addr_plus_2k", L11, LEND, 80, 8, 0x88000800, 0, -EINVAL,
	  "constituents.address" },
	{ "range0_onto_range1", L11, LEND, 80, 8, 0x88020000, 0, -EINVAL,
	  "constituents.address" },
	{ "range1_adjacent_ok", L11, LEND, 96, 8, 0x88010000, 0, 0, NULL },
	{ "range1_last_page_overlaps", L11, LEND, 96, 8, 0x8800F000, 0,
	  -EINVAL, "constituents.address" },
	{ "range1_pages_0", L11, LEND, 104, 4, 0, 0, -EINVAL,
	  "constituents.page_count" },
	{ "range2_reserved", L11, LEND, 124, 4, 1, 0, -EINVAL,
	  "constituents.reserved" },
	{ "range2_pages_u32max", L11, LEND, 120, 4, 0xFFFFFFFF, 0, -EINVAL,
	  "composite.page_count" },
	{ "range2_wraps", L11, LEND, 112, 8, 0xFFFFFFFFFFFFF000, 0, -EINVAL,
	  "constituents.page_count" },
	{ "range2_2pow53", L11, LEND, 112, 8, 0x0020000000000000, 0, 0, NULL },
	{ "range2_top_page_ok", L11, LEND, 112, 8, 0xFFFFFFFFFFF00000, 0, 0,
	  NULL },
	/* Receivers. */
	{ "sender_is_receiver", L11, LEND, 0, 2, 0x8001, 0, -EINVAL,
	  "receivers.endpoint_id" },
	{ "receiver_is_sender", L11, LEND, 48, 2, 0x0001, 0, -EINVAL,
	  "receivers.endpoint_id" },
	{ "receiver_dup_2rx", SH2, RHEAP_FFA_ABI_SHARE, 64, 2, 0x8001, 0,
	  -EINVAL, "receivers.endpoint_id" },
	{ "receiver_dup_last_of_64", R64, LEND, 48 + 63 * 16, 2, 0x8001, 0,
	  -EINVAL, "receivers.endpoint_id" },
	{ "perm_data_3", L11, LEND, 50, 1, 0x3, 0, -EINVAL,
	  "receivers.permissions" },
	{ "perm_insn_3", L11, LEND, 50, 1, 0xE, 0, -EINVAL,
	  "receivers.permissions" },
	{ "perm_bit5", L11, LEND, 50, 1, 0x22, 0, -EINVAL,
	  "receivers.permissions" },
	{ "perm_bit7", L11, LEND, 50, 1, 0x82, 0, -EINVAL,
	  "receivers.permissions" },
	{ "perm_rw_x_ok", L11, LEND, 50, 1, 0xA, 0, 0, NULL },
	{ "emad_flag_bit7", L11, LEND, 51, 1, 0x80, 0, -EINVAL,
	  "receivers.flags" },
	{ "emad_flag_nrb_ok", L11, LEND, 51, 1, 0x01, 0, 0, NULL },
	{ "donate_two_receivers", SH2, RHEAP_FFA_ABI_DONATE, 2, 2, 0, 0, -EINVAL,
	  "emad_count" },
	/* Attributes. */
	{ "attr_bit15", L11, LEND, 2, 2, 0x8000, 0, -EINVAL, "attributes" },
	{ "attr_bit8", L11, LEND, 2, 2, 0x0100, 0, -EINVAL, "attributes" },
	{ "attr_ns_lend", L11, LEND, 2, 2, 0x0040, 0, -EINVAL, "attributes" },
	{ "attr_type_3", L11, LEND, 2, 2, 0x0030, 0, -EINVAL, "attributes" },
	{ "attr_normal_share_1", L11, LEND, 2, 2, 0x002D, 0, -EINVAL,
	  "attributes" },
	{ "attr_normal_cache_2", L11, LEND, 2, 2, 0x002B, 0, -EINVAL,
	  "attributes" },
	{ "attr_normal_cache_0", L11, LEND, 2, 2, 0x0020, 0, -EINVAL,
	  "attributes" },
	{ "attr_normal_nc_osh_ok", L11, LEND, 2, 2, 0x0026, 0, 0, NULL },
	{ "attr_device_ok", L11, LEND, 2, 2, 0x001C, 0, 0, NULL },
	/* Flags and handle. */
	{ "flags_clear_relinquish_send", L11, LEND, 4, 4, 0x4, 0, -EINVAL,
	  "flags" },
	{ "flags_type_send", L11, LEND, 4, 4, 0x10, 0, -EINVAL, "flags" },
	{ "flags_bit31", L11, LEND, 4, 4, 0x80000000, 0, -EINVAL, "flags" },
	{ "flags_clear_ts_lend_ok", L11, LEND, 4, 4, 0x3, 0, 0, NULL },
	{ "flags_clear_share", SH2, RHEAP_FFA_ABI_SHARE, 4, 4, 0x1, 0, -EINVAL,
	  "flags" },
	{ "flags_ts_share_ok", SH2, RHEAP_FFA_ABI_SHARE, 4, 4, 0x2, 0, 0,
	  NULL },
	{ "handle_1_send", L11, LEND, 8, 8, 1, 0, -EINVAL, "handle" },
	{ "handle_top_send", L11, LEND, 8, 8, 1ull << 63, 0, -EINVAL,
	  "handle" },
	/* Retrieve request. */
	{ "rreq_plus_16", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 0, 0, 0, 16, -EINVAL,
	  "total_length" },
	{ "rreq_minus_1", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 0, 0, 0, -1, -EINVAL,
	  "emad_offset" },
	{ "rreq_comp_offset", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 52, 4, 64, 0,
	  -EINVAL, "receivers.composite_offset" },
	{ "rreq_type_donate_ok", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 4, 4, 0x18, 0,
	  0, NULL },
	{ "rreq_type_0_ok", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 4, 4, 0, 0, 0,
	  NULL },
	{ "rreq_bit11", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 4, 4, 0x810, 0,
	  -EINVAL, "flags" },
	{ "rreq_clear_share", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 4, 4, 0x9, 0,
	  -EINVAL, "flags" },
	{ "rreq_invalid_handle", RQ, RHEAP_FFA_ABI_RETRIEVE_REQ, 8, 8,
	  UINT64_MAX, 0, -EINVAL, "handle" },
	{ "rreq_as_lend", RQ, LEND, 0, 0, 0, 0, -EINVAL,
	  "receivers.composite_offset" },
	/* Retrieve response. */
	{ "rresp_type_0", RS, RHEAP_FFA_ABI_RETRIEVE_RESP, 4, 4, 0, 0, -EINVAL,
	  "flags" },
	{ "rresp_clear_share", RS, RHEAP_FFA_ABI_RETRIEVE_RESP, 4, 4, 0x9, 0,
	  -EINVAL, "flags" },
	{ "rresp_hint", RS, RHEAP_FFA_ABI_RETRIEVE_RESP, 4, 4, 0x208, 0,
	  -EINVAL, "flags" },
	{ "rresp_invalid_handle", RS, RHEAP_FFA_ABI_RETRIEVE_RESP, 8, 8,
	  UINT64_MAX, 0, -EINVAL, "handle" },
	{ "rresp_as_share_ns", RS, RHEAP_FFA_ABI_SHARE, 0, 0, 0, 0, -EINVAL,
	  "attributes" },
};

static void put_le(uint8_t *p, uint32_t width, uint64_t v)
{
	for (uint32_t i = 0; i < width; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void test_mutations(void **state)
{
	static uint8_t buf[MAX_DESC];
	unsigned int hostile = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		struct rheap_ffa_mem mem;
		struct rheap_diag diag = { 0 };
		size_t n = 0;

		memset(buf, 0, sizeof(buf));
		n = load(m->vector, buf, sizeof(buf));
		put_le(buf + m->off, m->width, m->value);
		n = (size_t)((long)n + m->size_delta);
		if (m->want == 0) {
			round_trip(m->name, m->abi, buf, n, false);
			continue;
		}
		mem_init(&mem, rx_a, rg_a);
		check_rc(m->name, rheap_ffa_mem_decode(m->abi, buf, n, &mem, &diag),
			 m->want, &diag, m->field);
		hostile++;
	}
	print_message("mutations: %u hostile\n", hostile);
}

/* Capacity errors: -ENOSPC naming the array and the count needed. */
static void test_decode_capacity(void **state)
{
	static uint8_t buf[MAX_DESC];
	struct rheap_ffa_mem m;
	struct rheap_diag diag = { 0 };
	size_t n = load(L11, buf, sizeof(buf));

	(void)state;
	mem_init(&m, rx_a, rg_a);
	m.receiver_cap = 0;
	check_rc("receiver_cap_0", rheap_ffa_mem_decode(LEND, buf, n, &m, &diag),
		 -ENOSPC, &diag, "receivers");
	assert_int_equal(diag.value, 1);

	mem_init(&m, rx_a, rg_a);
	m.range_cap = 2;
	check_rc("range_cap_2", rheap_ffa_mem_decode(LEND, buf, n, &m, &diag),
		 -ENOSPC, &diag, "constituents");
	assert_int_equal(diag.value, 3);

	mem_init(&m, rx_a, NULL);
	m.range_cap = 3;
	check_rc("ranges_null", rheap_ffa_mem_decode(LEND, buf, n, &m, &diag),
		 -ENOSPC, &diag, "constituents");

	mem_init(&m, rx_a, rg_a);
	m.range_cap = 3; /* exact fit */
	assert_int_equal(rheap_ffa_mem_decode(LEND, buf, n, &m, NULL), 0);

	mem_init(&m, rx_a, rg_a);
	check_rc("abi_0", rheap_ffa_mem_decode(0, buf, n, &m, &diag), -EINVAL,
		 &diag, "abi");
	check_rc("abi_6", rheap_ffa_mem_decode(6, buf, n, &m, &diag), -EINVAL,
		 &diag, "abi");
	check_rc("null_buf", rheap_ffa_mem_decode(LEND, NULL, 48, &m, &diag),
		 -EINVAL, &diag, "buf");
}

/* A good caller-built value, used by the validate/encode tests. */
static void mem_sample(struct rheap_ffa_mem *m)
{
	mem_init(m, rx_a, rg_a);
	m->abi = RHEAP_FFA_ABI_LEND;
	m->version = FFA_VERSION_1_2;
	m->sender_id = 0x0001;
	m->tag = 1;
	m->receiver_count = 1;
	memset(&rx_a[0], 0, sizeof(rx_a[0]));
	rx_a[0].endpoint_id = 0x8001;
	rx_a[0].permissions = FFA_DATA_ACCESS_RW;
	rx_a[0].impdef[15] = 0x77;
	m->range_count = 2;
	rg_a[0].address = 0x80000000;
	rg_a[0].page_count = 4;
	rg_a[1].address = 0xFFFFFFFFFFFFF000;
	rg_a[1].page_count = 1;
	m->total_page_count = 5;
}

static void test_validate_encode(void **state)
{
	struct rheap_ffa_mem m;
	struct rheap_ffa_mem back;
	struct rheap_diag diag = { 0 };
	size_t size = 0;
	int len = 0;

	(void)state;
	mem_sample(&m);
	assert_int_equal(rheap_ffa_mem_validate(&m, &diag), 0);
	len = rheap_ffa_mem_encode(&m, enc, sizeof(enc), &diag);
	assert_int_equal(len, 48 + 32 + 16 + 32);
	mem_init(&back, rx_b, rg_b);
	assert_int_equal(rheap_ffa_mem_decode(LEND, enc, (size_t)len, &back,
					      NULL),
			 0);
	assert_true(rheap_ffa_mem_eq(&m, &back));
	assert_int_equal(back.ranges[1].address, 0xFFFFFFFFFFFFF000ull);
	back.ranges[1].page_count = 2;
	assert_false(rheap_ffa_mem_eq(&m, &back));
	back.ranges[1].page_count = 1;
	back.receivers[0].impdef[15] = 0;
	assert_false(rheap_ffa_mem_eq(&m, &back));

	/* Version: validate says -EINVAL, encode -EOPNOTSUPP. */
	m.version = FFA_VERSION_COMPILED(1, 3);
	check_rc("validate_version", rheap_ffa_mem_validate(&m, &diag),
		 -EINVAL, &diag, "version");
	check_rc("encode_version",
		 rheap_ffa_mem_encode(&m, enc, sizeof(enc), &diag),
		 -EOPNOTSUPP, &diag, "version");
	assert_int_equal(rheap_ffa_mem_encoded_size(&m, &size), -EOPNOTSUPP);

	mem_sample(&m);
	m.receivers = NULL;
	check_rc("receivers_null", rheap_ffa_mem_validate(&m, &diag), -EINVAL,
		 &diag, "receivers");
	mem_sample(&m);
	m.range_cap = 1;
	check_rc("range_count_over_cap", rheap_ffa_mem_validate(&m, &diag),
		 -EINVAL, &diag, "constituents");
	mem_sample(&m);
	m.receiver_count = 65;
	check_rc("receiver_count_65", rheap_ffa_mem_validate(&m, &diag),
		 -EINVAL, &diag, "emad_count");
	mem_sample(&m);
	m.abi = RHEAP_FFA_ABI_RETRIEVE_REQ;
	m.handle = 5;
	check_rc("rreq_with_ranges", rheap_ffa_mem_validate(&m, &diag),
		 -EINVAL, &diag, "composite.range_count");
	m.range_count = 0;
	check_rc("rreq_with_pages", rheap_ffa_mem_validate(&m, &diag), -EINVAL,
		 &diag, "composite.page_count");
	m.total_page_count = 0;
	assert_int_equal(rheap_ffa_mem_validate(&m, &diag), 0);
	assert_int_equal(rheap_ffa_mem_encode(&m, enc, sizeof(enc), NULL),
			 48 + 32);
	mem_sample(&m);
	m.flags = FFA_MEM_FLAG_CLEAR;
	m.abi = RHEAP_FFA_ABI_SHARE;
	check_rc("encode_invalid",
		 rheap_ffa_mem_encode(&m, enc, sizeof(enc), &diag), -EINVAL,
		 &diag, "flags");

	/* Encoded size: overflow of the 32-bit length. */
	mem_sample(&m);
	m.range_count = 0x10000000;
	assert_int_equal(rheap_ffa_mem_encoded_size(&m, &size), -EOVERFLOW);
	m.range_count = 0x0FFFFFF0;
	assert_int_equal(rheap_ffa_mem_encoded_size(&m, &size), 0);
	assert_int_equal(size, 48 + 32 + 16 + 0x0FFFFFF0ull * 16);

	/* Encode into a NULL buffer reports the size needed. */
	mem_sample(&m);
	check_rc("encode_null", rheap_ffa_mem_encode(&m, NULL, 0, &diag),
		 -ENOSPC, &diag, "total_length");
	assert_int_equal(diag.value, 128);
	assert_false(rheap_ffa_mem_eq(&m, NULL));
}

static void test_abi_names(void **state)
{
	enum rheap_ffa_abi abi = 0;

	(void)state;
	for (int a = RHEAP_FFA_ABI_SHARE; a <= RHEAP_FFA_ABI_RETRIEVE_RESP;
	     a++) {
		const char *n = rheap_ffa_abi_name((enum rheap_ffa_abi)a);

		assert_non_null(n);
		assert_int_equal(rheap_ffa_abi_from_name(n, &abi), 0);
		assert_int_equal(abi, a);
	}
	assert_string_equal(rheap_ffa_abi_name(RHEAP_FFA_ABI_RETRIEVE_RESP),
			    "retrieve_resp");
	assert_null(rheap_ffa_abi_name(0));
	assert_null(rheap_ffa_abi_name(6));
	assert_int_equal(rheap_ffa_abi_from_name("lendx", &abi), -EINVAL);
	assert_int_equal(rheap_ffa_abi_from_name("len", &abi), -EINVAL);
	assert_int_equal(rheap_ffa_abi_from_name("", &abi), -EINVAL);
	assert_int_equal(rheap_ffa_abi_from_name(NULL, &abi), -EINVAL);
}

static void test_relinquish(void **state)
{
	uint8_t buf[64];
	uint16_t eps[4] = { 0x8001, 0x8002 };
	struct rheap_ffa_relinquish r = { .handle = 7,
					  .flags = FFA_RECLAIM_FLAG_CLEAR,
					  .endpoint_count = 2,
					  .endpoints = eps,
					  .endpoint_cap = 4 };
	struct rheap_ffa_relinquish out = { 0 };
	struct rheap_diag diag = { 0 };
	int len = 0;

	(void)state;
	len = rheap_ffa_relinquish_encode(&r, buf, sizeof(buf), &diag);
	assert_int_equal(len, 20);
	assert_int_equal(rheap_ffa_relinquish_encode(&r, buf, 19, &diag),
			 -ENOSPC);
	out.endpoints = eps + 2;
	out.endpoint_cap = 1;
	check_rc("rel_cap_1",
		 rheap_ffa_relinquish_decode(buf, (size_t)len, &out, &diag),
		 -ENOSPC, &diag, "endpoints");
	assert_int_equal(diag.value, 2);
	out.endpoint_cap = 2;
	assert_int_equal(rheap_ffa_relinquish_decode(buf, (size_t)len, &out,
						     &diag),
			 0);
	assert_int_equal(out.handle, 7);
	r.endpoint_count = 65;
	check_rc("rel_65", rheap_ffa_relinquish_encode(&r, buf, 64, &diag),
		 -EINVAL, &diag, "endpoint_count");
	buf[12] = 65;
	check_rc("rel_decode_65",
		 rheap_ffa_relinquish_decode(buf, sizeof(buf), &out, &diag),
		 -EINVAL, &diag, "endpoint_count");
	buf[12] = 0xFF;
	buf[15] = 0xFF;
	check_rc("rel_decode_huge",
		 rheap_ffa_relinquish_decode(buf, sizeof(buf), &out, &diag),
		 -EINVAL, &diag, "endpoint_count");
}

/* ---- Fragmentation ---------------------------------------------------- */

static int build_lend(uint32_t ranges, uint8_t *out, size_t cap)
{
	struct rheap_ffa_mem m;

	mem_init(&m, rx_a, rg_a);
	m.abi = RHEAP_FFA_ABI_LEND;
	m.version = FFA_VERSION_1_1;
	m.sender_id = 1;
	m.receiver_count = 1;
	memset(&rx_a[0], 0, sizeof(rx_a[0]));
	rx_a[0].endpoint_id = 0x8001;
	rx_a[0].permissions = FFA_DATA_ACCESS_RW;
	for (uint32_t i = 0; i < ranges; i++) {
		rg_a[i].address = 0x100000000ull + (uint64_t)i * 2 * 4096;
		rg_a[i].page_count = 1;
	}
	m.range_count = ranges;
	m.total_page_count = ranges;
	return rheap_ffa_mem_encode(&m, out, cap, NULL);
}

static void test_frag_round_trip(void **state)
{
	static const uint32_t counts[] = { 1, 16, 256, 3038 };
	static const size_t frags[] = { 4096, 4000, 1000, 97, 96 };
	static uint8_t desc[MAX_DESC];
	static uint8_t rxbuf[MAX_DESC];

	(void)state;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		int len = build_lend(counts[c], desc, sizeof(desc));

		assert_true(len > 0);
		for (size_t f = 0; f < sizeof(frags) / sizeof(frags[0]); f++) {
			struct rheap_ffa_frag_rx st = { .buf = rxbuf,
							.buf_cap =
								sizeof(rxbuf) };
			struct rheap_ffa_mem m;
			size_t first = 0;
			size_t off = 0;
			unsigned int nfrag = 1;

			memset(rxbuf, 0xCC, sizeof(rxbuf));
			assert_int_equal(rheap_ffa_frag_first_size(desc,
								   (size_t)len,
								   frags[f],
								   &first),
					 0);
			assert_true(first <= frags[f]);
			assert_int_equal(rheap_ffa_frag_rx_init(&st,
								(size_t)len,
								desc, first,
								NULL),
					 0);
			assert_int_equal(st.fixed_size, 80);
			off = first;
			while (!rheap_ffa_frag_rx_done(&st)) {
				size_t n = 0;

				assert_int_equal(rheap_ffa_frag_next_size(
							 (size_t)len, off,
							 frags[f], &n),
						 0);
				assert_true(n <= frags[f]);
				assert_int_equal(rheap_ffa_frag_rx_add(
							 &st, off, desc + off, n,
							 NULL),
						 0);
				off += n;
				nfrag++;
			}
			assert_int_equal(off, (size_t)len);
			assert_memory_equal(rxbuf, desc, (size_t)len);
			mem_init(&m, rx_b, rg_b);
			assert_int_equal(rheap_ffa_mem_decode(LEND, rxbuf,
							      (size_t)len, &m,
							      NULL),
					 0);
			assert_int_equal(m.range_count, counts[c]);
			if (counts[c] == 3038 && frags[f] == 4096) {
				/* 48688 bytes: 12 fragments of at most 4 KiB. */
				assert_int_equal(nfrag, 12);
			}
		}
	}
}

static void frag_state_eq(const struct rheap_ffa_frag_rx *a,
			  const struct rheap_ffa_frag_rx *b)
{
	assert_ptr_equal(a->buf, b->buf);
	assert_int_equal(a->buf_cap, b->buf_cap);
	assert_int_equal(a->total_size, b->total_size);
	assert_int_equal(a->received, b->received);
	assert_int_equal(a->fixed_size, b->fixed_size);
}

static void test_frag_rx_hostile(void **state)
{
	static uint8_t desc[MAX_DESC];
	static uint8_t rxbuf[MAX_DESC];
	struct rheap_ffa_frag_rx st = { .buf = rxbuf, .buf_cap = 4096 };
	struct rheap_ffa_frag_rx saved;
	struct rheap_diag diag = { 0 };
	int len = build_lend(16, desc, sizeof(desc)); /* 80 + 256 = 336 */
	size_t total = (size_t)len;
	static const struct {
		const char *name;
		size_t total;
		size_t frag;
		int want;
		const char *field;
	} init_cases[] = {
		{ "init_frag_0", 336, 0, -EINVAL, "fragment_length" },
		{ "init_frag_over_total", 336, 352, -EINVAL,
		  "fragment_length" },
		{ "init_total_not_16", 337, 96, -EINVAL, "total_length" },
		{ "init_frag_not_16", 336, 100, -EINVAL, "fragment_length" },
		{ "init_total_over_cap", 4112, 96, -ENOSPC, "total_length" },
		{ "init_header_short", 336, 32, -EINVAL, "fragment_length" },
		{ "init_emads_short", 336, 48, -EINVAL, "fragment_length" },
		{ "init_composite_short", 336, 64, -EINVAL,
		  "fragment_length" },
		{ "init_total_2pow32", (size_t)1 << 32, 96, -EINVAL,
		  "total_length" },
	};
	size_t n = 0;

	(void)state;
	assert_int_equal(total, 336);
	for (size_t i = 0; i < sizeof(init_cases) / sizeof(init_cases[0]);
	     i++) {
		struct rheap_ffa_frag_rx fresh = { .buf = rxbuf,
						   .buf_cap = 4096 };

		saved = fresh;
		memset(rxbuf, 0xCC, 64);
		check_rc(init_cases[i].name,
			 rheap_ffa_frag_rx_init(&fresh, init_cases[i].total,
						desc, init_cases[i].frag,
						&diag),
			 init_cases[i].want, &diag, init_cases[i].field);
		frag_state_eq(&fresh, &saved);
		assert_int_equal(rxbuf[0], 0xCC);
	}

	/* A partial trailing constituent after the fixed part. */
	check_rc("init_partial_constituent",
		 rheap_ffa_frag_rx_init(&st, 344, desc, 344, &diag), -EINVAL,
		 &diag, "total_length");

	/* Exactly the fixed part as the first fragment is fine. */
	assert_int_equal(rheap_ffa_frag_rx_init(&st, total, desc, 80, &diag),
			 0);
	memset(rxbuf + 80, 0xCC, 4096 - 80);
	saved = st;
	check_rc("add_offset_behind",
		 rheap_ffa_frag_rx_add(&st, 64, desc + 64, 16, &diag), -EINVAL,
		 &diag, "fragment_offset");
	check_rc("add_offset_ahead",
		 rheap_ffa_frag_rx_add(&st, 96, desc + 96, 16, &diag), -EINVAL,
		 &diag, "fragment_offset");
	check_rc("add_len_0", rheap_ffa_frag_rx_add(&st, 80, desc + 80, 0, &diag),
		 -EINVAL, &diag, "fragment_length");
	check_rc("add_len_too_long",
		 rheap_ffa_frag_rx_add(&st, 80, desc + 80, 272, &diag), -EINVAL,
		 &diag, "fragment_length");
	check_rc("add_len_not_16",
		 rheap_ffa_frag_rx_add(&st, 80, desc + 80, 24, &diag), -EINVAL,
		 &diag, "fragment_length");
	frag_state_eq(&st, &saved);
	assert_int_equal(rxbuf[80], 0xCC);

	assert_int_equal(rheap_ffa_frag_rx_add(&st, 80, desc + 80, 240, &diag),
			 0);
	assert_false(rheap_ffa_frag_rx_done(&st));
	assert_int_equal(rheap_ffa_frag_rx_add(&st, 320, desc + 320, 16, &diag),
			 0);
	assert_true(rheap_ffa_frag_rx_done(&st));
	saved = st;
	check_rc("add_after_done",
		 rheap_ffa_frag_rx_add(&st, 336, desc, 16, &diag), -EINVAL,
		 &diag, "fragment");
	frag_state_eq(&st, &saved);
	assert_memory_equal(rxbuf, desc, total);

	/* Odd total: the last fragment may be odd, earlier ones may not. */
	{
		struct rheap_ffa_frag_rx odd = { .buf = rxbuf, .buf_cap = 4096 };

		assert_int_equal(rheap_ffa_frag_rx_init(&odd, 90, desc, 90,
							NULL),
				 -EINVAL); /* 90 - 80 is not whole ranges */
	}

	/* Never-initialised state. */
	{
		struct rheap_ffa_frag_rx none = { .buf = rxbuf,
						  .buf_cap = 4096 };

		check_rc("add_before_init",
			 rheap_ffa_frag_rx_add(&none, 0, desc, 16, &diag),
			 -EINVAL, &diag, "fragment");
		assert_false(rheap_ffa_frag_rx_done(&none));
	}

	/* Sender-side helpers. */
	assert_int_equal(rheap_ffa_frag_next_size(336, 336, 4096, &n), -EINVAL);
	assert_int_equal(rheap_ffa_frag_next_size(336, 80, 15, &n), -ENOSPC);
	assert_int_equal(rheap_ffa_frag_next_size(336, 80, 33, &n), 0);
	assert_int_equal(n, 32);
	assert_int_equal(rheap_ffa_frag_next_size(336, 320, 33, &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(rheap_ffa_frag_first_size(desc, total, 79, &n),
			 -ENOSPC);
	assert_int_equal(rheap_ffa_frag_first_size(desc, total, 80, &n), 0);
	assert_int_equal(n, 80);
	assert_int_equal(rheap_ffa_frag_first_size(desc, total, 4096, &n), 0);
	assert_int_equal(n, total);
	assert_int_equal(rheap_ffa_frag_first_size(desc, 40, 4096, &n), -EINVAL);
	assert_int_equal(rheap_ffa_frag_first_size(desc, total - 1, 4096, &n),
			 -EINVAL);
}

static void test_frag_retrieve_req(void **state)
{
	static uint8_t buf[256];
	static uint8_t rxbuf[256];
	struct rheap_ffa_frag_rx st = { .buf = rxbuf, .buf_cap = sizeof(rxbuf) };
	size_t n = load(RQ, buf, sizeof(buf));
	size_t first = 0;

	(void)state;
	assert_int_equal(rheap_ffa_frag_first_size(buf, n, 4096, &first), 0);
	assert_int_equal(first, n);
	assert_int_equal(rheap_ffa_frag_rx_init(&st, n, buf, n, NULL), 0);
	assert_int_equal(st.fixed_size, n);
	assert_true(rheap_ffa_frag_rx_done(&st));
}

/* ---- Registers -------------------------------------------------------- */

static struct rheap_ffa_call mk(uint32_t func)
{
	struct rheap_ffa_call c;

	memset(&c, 0, sizeof(c));
	c.func = func;
	return c;
}

static void regs_round_trip(const struct rheap_ffa_call *c)
{
	struct rheap_ffa_regs r;
	struct rheap_ffa_regs r2;
	struct rheap_ffa_call back;
	struct rheap_diag diag = { 0 };
	const char *name = rheap_ffa_func_name(c->func);

	memset(&r, 0xEE, sizeof(r));
	if (rheap_ffa_call_pack(c, &r) != 0) {
		fail_msg("pack %s failed", name);
	}
	assert_int_equal(r.x[0], c->func);
	if (rheap_ffa_call_unpack(&r, &back, &diag) != 0) {
		fail_msg("unpack %s: %s", name, diag.field);
	}
	assert_true(rheap_ffa_call_eq(c, &back));
	assert_int_equal(rheap_ffa_call_pack(&back, &r2), 0);
	assert_memory_equal(&r, &r2, sizeof(r));
}

static void test_regs_round_trip(void **state)
{
	struct rheap_ffa_call c;

	(void)state;
	c = mk(FFA_VERSION);
	c.args.version.version = FFA_VERSION_1_2;
	regs_round_trip(&c);
	c = mk(FFA_FEATURES);
	c.args.features.feature_id = FFA_MEM_RETRIEVE_REQ_64;
	c.args.features.properties = 0x2;
	regs_round_trip(&c);
	c.args.features.feature_id = 0x3; /* a feature ID */
	regs_round_trip(&c);
	c = mk(FFA_ID_GET);
	regs_round_trip(&c);
	c = mk(FFA_SPM_ID_GET);
	regs_round_trip(&c);
	c = mk(FFA_MEM_RELINQUISH);
	regs_round_trip(&c);
	c = mk(FFA_RXTX_MAP_64);
	c.args.rxtx_map.tx_address = 0x0020000000001000ull;
	c.args.rxtx_map.rx_address = 0xFFFFFFFFFFFFE000ull;
	c.args.rxtx_map.page_count = 0x3F;
	regs_round_trip(&c);
	c.func = FFA_RXTX_MAP_32;
	c.args.rxtx_map.tx_address = 0xFFFFE000;
	c.args.rxtx_map.rx_address = 0x1000;
	c.args.rxtx_map.page_count = 1;
	regs_round_trip(&c);
	c = mk(FFA_RXTX_UNMAP);
	c.args.endpoint.endpoint_id = 0x8123;
	regs_round_trip(&c);
	c = mk(FFA_RX_RELEASE);
	c.args.endpoint.endpoint_id = 0x0042;
	regs_round_trip(&c);
	c = mk(FFA_PARTITION_INFO_GET);
	c.args.partition_info.uuid[0] = 0xdeadbeef;
	c.args.partition_info.uuid[3] = 0xffffffff;
	c.args.partition_info.flags = 1;
	regs_round_trip(&c);
	for (int i = 0; i < 4; i++) {
		static const uint32_t ids[] = { FFA_MSG_SEND_DIRECT_REQ_32,
						FFA_MSG_SEND_DIRECT_REQ_64,
						FFA_MSG_SEND_DIRECT_RESP_32,
						FFA_MSG_SEND_DIRECT_RESP_64 };
		bool is64 = rheap_ffa_func_is_64(ids[i]);

		c = mk(ids[i]);
		c.args.direct.sender_id = 0x0001;
		c.args.direct.receiver_id = 0x8001;
		c.args.direct.flags = i == 1 ? 0x80000005u : 0;
		for (int k = 0; k < 5; k++) {
			c.args.direct.payload[k] =
				is64 ? 0xF000000000000000ull + k : 0xFFFFFFF0u + k;
		}
		regs_round_trip(&c);
	}
	c = mk(FFA_MSG_SEND_DIRECT_REQ2);
	c.args.direct2.sender_id = 1;
	c.args.direct2.receiver_id = 0x8002;
	c.args.direct2.uuid[0] = 0x1122334455667788ull;
	c.args.direct2.uuid[1] = 0x99AABBCCDDEEFF00ull;
	for (int k = 0; k < 14; k++) {
		c.args.direct2.payload[k] = ~(uint64_t)k;
	}
	regs_round_trip(&c);
	c.func = FFA_MSG_SEND_DIRECT_RESP2;
	c.args.direct2.uuid[0] = 0;
	c.args.direct2.uuid[1] = 0;
	regs_round_trip(&c);
	for (int i = 0; i < 8; i++) {
		static const uint32_t ids[] = {
			FFA_MEM_SHARE_32,	 FFA_MEM_SHARE_64,
			FFA_MEM_LEND_32,	 FFA_MEM_LEND_64,
			FFA_MEM_DONATE_32,	 FFA_MEM_DONATE_64,
			FFA_MEM_RETRIEVE_REQ_32, FFA_MEM_RETRIEVE_REQ_64,
		};

		c = mk(ids[i]);
		c.args.mem_xfer.total_length = 48610;
		c.args.mem_xfer.fragment_length = 4096;
		regs_round_trip(&c);
		c.args.mem_xfer.address = rheap_ffa_func_is_64(ids[i])
						  ? 0x0020000000000000ull
						  : 0x80000000u;
		c.args.mem_xfer.page_count = 12;
		regs_round_trip(&c);
	}
	c = mk(FFA_MEM_RETRIEVE_RESP);
	c.args.retrieve_resp.total_length = 0xFFFFFFF0;
	c.args.retrieve_resp.fragment_length = 4096;
	regs_round_trip(&c);
	c = mk(FFA_MEM_RECLAIM);
	c.args.reclaim.handle = 0xFFFFFFC000000001ull;
	c.args.reclaim.flags = 3;
	regs_round_trip(&c);
	c = mk(FFA_MEM_FRAG_RX);
	c.args.frag.handle = 0x8000000000000001ull;
	c.args.frag.value = 0;
	c.args.frag.sender_id = 0x0003;
	regs_round_trip(&c);
	c.func = FFA_MEM_FRAG_TX;
	c.args.frag.value = 4096;
	regs_round_trip(&c);
	c = mk(FFA_SUCCESS_32);
	c.args.success.result[0] = 0xFFFFFFFF;
	regs_round_trip(&c);
	c = mk(FFA_SUCCESS_64);
	c.args.success.target = 0x00010002;
	c.args.success.result[5] = UINT64_MAX;
	regs_round_trip(&c);
	for (int32_t s = -1; s >= -10; s--) {
		struct rheap_ffa_regs r;

		c = mk(FFA_ERROR);
		c.args.error.status = s;
		regs_round_trip(&c);
		assert_int_equal(rheap_ffa_call_pack(&c, &r), 0);
		/* Zero-extended 32-bit pattern in x2. */
		assert_int_equal(r.x[2], (uint64_t)(uint32_t)s);
		assert_non_null(rheap_ffa_status_name(s));
	}
	/* A future negative status still unpacks, but has no name. */
	c = mk(FFA_ERROR);
	c.args.error.status = -42;
	regs_round_trip(&c);
	assert_null(rheap_ffa_status_name(-42));
}

static void test_regs_smc32_upper_ignored(void **state)
{
	struct rheap_ffa_regs r;
	struct rheap_ffa_call c;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.x[0] = 0xFFFFFFFF00000000ull | FFA_MEM_RECLAIM;
	r.x[1] = 0xAAAAAAAA00000042ull;
	r.x[2] = 0x5555555500000001ull;
	r.x[3] = 0xFFFFFFFF00000001ull;
	r.x[7] = 0xFFFFFFFF00000000ull;
	r.x[9] = 123; /* not part of an SMC32 call */
	assert_int_equal(rheap_ffa_call_unpack(&r, &c, NULL), 0);
	assert_int_equal(c.func, FFA_MEM_RECLAIM);
	assert_int_equal(c.args.reclaim.handle, 0x0000000100000042ull);
	assert_int_equal(c.args.reclaim.flags, 1);

	/* Same upper bits on an SMC64 call are MBZ violations. */
	memset(&r, 0, sizeof(r));
	r.x[0] = FFA_MEM_LEND_64;
	r.x[1] = 0x100000000ull | 64;
	r.x[2] = 64;
	assert_int_equal(rheap_ffa_call_unpack(&r, &c, NULL), -EINVAL);

	/* Pack refuses to truncate a wide value into an SMC32 register. */
	c = mk(FFA_MSG_SEND_DIRECT_REQ_32);
	c.args.direct.payload[4] = 0x100000000ull;
	assert_int_equal(rheap_ffa_call_pack(&c, &r), -EINVAL);
	c = mk(FFA_RXTX_MAP_32);
	c.args.rxtx_map.tx_address = 0x100000000ull;
	c.args.rxtx_map.rx_address = 0x2000;
	c.args.rxtx_map.page_count = 1;
	assert_int_equal(rheap_ffa_call_pack(&c, &r), -EINVAL);
	c = mk(FFA_INTERRUPT);
	assert_int_equal(rheap_ffa_call_pack(&c, &r), -EOPNOTSUPP);
	c = mk(0x84000099);
	assert_int_equal(rheap_ffa_call_pack(&c, &r), -EOPNOTSUPP);
}

static const struct reg_case {
	const char *name;
	uint32_t func;
	uint64_t x[8];
	int want;
	const char *field;
} reg_cases[] = {
	{ "version_bit31", FFA_VERSION, { 0, 0x80010002 }, -EINVAL, "w1" },
	{ "version_w2", FFA_VERSION, { 0, 0x10002, 1 }, -EINVAL, "w2" },
	{ "id_get_w1", FFA_ID_GET, { 0, 1 }, -EINVAL, "w1" },
	{ "id_get_w7", FFA_ID_GET, { 0, 0, 0, 0, 0, 0, 0, 1 }, -EINVAL, "w7" },
	{ "features_w3", FFA_FEATURES, { 0, FFA_MEM_LEND_32, 0, 1 }, -EINVAL,
	  "w3" },
	{ "features_id_mbz", FFA_FEATURES, { 0, 0x100 }, -EINVAL,
	  "feature_id" },
	{ "rxtx_map_pages_64", FFA_RXTX_MAP_64, { 0, 0x1000, 0x2000, 0x40 },
	  -EINVAL, "x3" },
	{ "rxtx_map_pages_0", FFA_RXTX_MAP_64, { 0, 0x1000, 0x2000, 0 },
	  -EINVAL, "page_count" },
	{ "rxtx_map_tx_unaligned", FFA_RXTX_MAP_64, { 0, 0x1800, 0x2000, 1 },
	  -EINVAL, "tx_address" },
	{ "rxtx_map_rx_unaligned", FFA_RXTX_MAP_32, { 0, 0x1000, 0x2001, 1 },
	  -EINVAL, "rx_address" },
	{ "rxtx_map_x4", FFA_RXTX_MAP_64, { 0, 0x1000, 0x2000, 1, 1 },
	  -EINVAL, "x4" },
	{ "rxtx_unmap_low", FFA_RXTX_UNMAP, { 0, 0x0001 }, -EINVAL, "w1" },
	{ "rx_release_high", FFA_RX_RELEASE, { 0, 0x10000 }, -EINVAL, "w1" },
	{ "partinfo_flags", FFA_PARTITION_INFO_GET, { 0, 1, 2, 3, 4, 2 },
	  -EINVAL, "w5" },
	{ "partinfo_w6", FFA_PARTITION_INFO_GET, { 0, 1, 2, 3, 4, 0, 1 },
	  -EINVAL, "w6" },
	{ "direct_flags_bit8", FFA_MSG_SEND_DIRECT_REQ_32,
	  { 0, 0x00018001, 0x100 }, -EINVAL, "w2" },
	{ "direct_type_no_fw", FFA_MSG_SEND_DIRECT_RESP_64,
	  { 0, 0x80010001, 0x1 }, -EINVAL, "flags" },
	{ "direct64_x1_upper", FFA_MSG_SEND_DIRECT_REQ_64,
	  { 0, 0x100018001ull }, -EINVAL, "x1" },
	{ "direct2_x1_upper", FFA_MSG_SEND_DIRECT_REQ2,
	  { 0, 0x8000000000018001ull }, -EINVAL, "x1" },
	{ "resp2_uuid", FFA_MSG_SEND_DIRECT_RESP2, { 0, 0x80010001, 5 },
	  -EINVAL, "x2" },
	{ "share32_w5", FFA_MEM_SHARE_32, { 0, 64, 64, 0, 0, 1 }, -EINVAL,
	  "w5" },
	{ "share64_x4_upper", FFA_MEM_SHARE_64,
	  { 0, 64, 64, 0x1000, 0x100000001ull }, -EINVAL, "x4" },
	{ "lend_frag_over_total", FFA_MEM_LEND_64, { 0, 64, 80 }, -EINVAL,
	  "fragment_length" },
	{ "lend_frag_0", FFA_MEM_LEND_32, { 0, 64, 0 }, -EINVAL,
	  "fragment_length" },
	{ "lend_addr_no_pages", FFA_MEM_LEND_64, { 0, 64, 64, 0x1000, 0 },
	  -EINVAL, "page_count" },
	{ "lend_pages_no_addr", FFA_MEM_DONATE_64, { 0, 64, 64, 0, 1 },
	  -EINVAL, "page_count" },
	{ "rreq_w6", FFA_MEM_RETRIEVE_REQ_32, { 0, 64, 64, 0, 0, 0, 1 },
	  -EINVAL, "w6" },
	{ "rresp_w3", FFA_MEM_RETRIEVE_RESP, { 0, 64, 64, 1 }, -EINVAL, "w3" },
	{ "rresp_frag_over", FFA_MEM_RETRIEVE_RESP, { 0, 64, 65 }, -EINVAL,
	  "fragment_length" },
	{ "relinquish_w1", FFA_MEM_RELINQUISH, { 0, 1 }, -EINVAL, "w1" },
	{ "reclaim_flag_bit2", FFA_MEM_RECLAIM, { 0, 1, 0, 4 }, -EINVAL, "w3" },
	{ "reclaim_w4", FFA_MEM_RECLAIM, { 0, 1, 0, 0, 1 }, -EINVAL, "w4" },
	{ "reclaim_invalid_handle", FFA_MEM_RECLAIM,
	  { 0, 0xFFFFFFFF, 0xFFFFFFFF }, -EINVAL, "handle" },
	{ "frag_rx_w4_low", FFA_MEM_FRAG_RX, { 0, 1, 0, 64, 0x1 }, -EINVAL,
	  "w4" },
	{ "frag_tx_w5", FFA_MEM_FRAG_TX, { 0, 1, 0, 64, 0, 1 }, -EINVAL, "w5" },
	{ "frag_tx_len_0", FFA_MEM_FRAG_TX, { 0, 1, 0, 0 }, -EINVAL,
	  "fragment_length" },
	{ "frag_rx_invalid_handle", FFA_MEM_FRAG_RX,
	  { 0, 0xFFFFFFFF, 0xFFFFFFFF, 64 }, -EINVAL, "handle" },
	{ "success64_x1_upper", FFA_SUCCESS_64, { 0, 0x100000000ull }, -EINVAL,
	  "x1" },
	{ "error_status_0", FFA_ERROR, { 0, 0, 0 }, -EINVAL, "status" },
	{ "error_status_pos", FFA_ERROR, { 0, 0, 5 }, -EINVAL, "status" },
	{ "error_w3", FFA_ERROR, { 0, 0, 0xFFFFFFFE, 1 }, -EINVAL, "w3" },
	{ "unknown_func", 0x84000099, { 0 }, -EOPNOTSUPP, "w0" },
	{ "name_only_func", FFA_RUN, { 0 }, -EOPNOTSUPP, "w0" },
	{ "not_ffa", 0x12345678, { 0 }, -EOPNOTSUPP, "w0" },
};

static void test_regs_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(reg_cases) / sizeof(reg_cases[0]); i++) {
		struct rheap_ffa_regs r;
		struct rheap_ffa_call c = mk(0xAB);
		struct rheap_diag diag = { 0 };

		memset(&r, 0, sizeof(r));
		for (int k = 1; k < 8; k++) {
			r.x[k] = reg_cases[i].x[k];
		}
		r.x[0] = reg_cases[i].func;
		check_rc(reg_cases[i].name,
			 rheap_ffa_call_unpack(&r, &c, &diag), reg_cases[i].want,
			 &diag, reg_cases[i].field);
		/* Output untouched on failure. */
		assert_int_equal(c.func, 0xAB);
	}
}

static void test_regs_version_and_names(void **state)
{
	struct rheap_ffa_regs r;
	uint32_t v = 0;
	struct rheap_diag diag = { 0 };
	static const uint32_t all[] = {
		FFA_ERROR,
		FFA_SUCCESS_32,
		FFA_SUCCESS_64,
		FFA_INTERRUPT,
		FFA_VERSION,
		FFA_FEATURES,
		FFA_RX_RELEASE,
		FFA_RXTX_MAP_32,
		FFA_RXTX_MAP_64,
		FFA_RXTX_UNMAP,
		FFA_PARTITION_INFO_GET,
		FFA_ID_GET,
		FFA_MSG_WAIT,
		FFA_YIELD,
		FFA_RUN,
		FFA_MSG_SEND_DIRECT_REQ_32,
		FFA_MSG_SEND_DIRECT_REQ_64,
		FFA_MSG_SEND_DIRECT_RESP_32,
		FFA_MSG_SEND_DIRECT_RESP_64,
		FFA_MEM_DONATE_32,
		FFA_MEM_DONATE_64,
		FFA_MEM_LEND_32,
		FFA_MEM_LEND_64,
		FFA_MEM_SHARE_32,
		FFA_MEM_SHARE_64,
		FFA_MEM_RETRIEVE_REQ_32,
		FFA_MEM_RETRIEVE_REQ_64,
		FFA_MEM_RETRIEVE_RESP,
		FFA_MEM_RELINQUISH,
		FFA_MEM_RECLAIM,
		FFA_MEM_FRAG_RX,
		FFA_MEM_FRAG_TX,
		FFA_SPM_ID_GET,
		FFA_MSG_SEND_DIRECT_REQ2,
		FFA_MSG_SEND_DIRECT_RESP2,
	};
	static const char *const status[] = {
		"SUCCESS", "NOT_SUPPORTED", "INVALID_PARAMETERS", "NO_MEMORY",
		"BUSY",	   "INTERRUPTED",   "DENIED",		  "RETRY",
		"ABORTED", "NO_DATA",	    "NOT_READY",
	};

	(void)state;
	assert_int_equal(rheap_ffa_version_ret_pack(FFA_VERSION_1_2, &r), 0);
	assert_int_equal(r.x[0], FFA_VERSION_1_2);
	assert_int_equal(rheap_ffa_version_ret_unpack(&r, &v, &diag), 0);
	assert_int_equal(v, FFA_VERSION_1_2);
	assert_int_equal(rheap_ffa_version_ret_pack(
				 RHEAP_FFA_VERSION_NOT_SUPPORTED, &r),
			 0);
	assert_int_equal(rheap_ffa_version_ret_unpack(&r, &v, &diag), 0);
	assert_int_equal(v, RHEAP_FFA_VERSION_NOT_SUPPORTED);
	assert_int_equal(rheap_ffa_version_ret_pack(0x80010001, &r), -EINVAL);
	r.x[0] = 0x80000001;
	check_rc("version_ret_bit31",
		 rheap_ffa_version_ret_unpack(&r, &v, &diag), -EINVAL, &diag,
		 "w0");
	/* x0[63:32] is not part of w0. */
	r.x[0] = 0xFFFFFFFF00010001ull;
	assert_int_equal(rheap_ffa_version_ret_unpack(&r, &v, &diag), 0);
	assert_int_equal(v, FFA_VERSION_1_1);

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *n = rheap_ffa_func_name(all[i]);

		assert_non_null(n);
		assert_true(strncmp(n, "FFA_", 4) == 0);
		assert_int_equal(rheap_ffa_func_is_64(all[i]),
				 (all[i] & 0x40000000u) != 0);
	}
	assert_string_equal(rheap_ffa_func_name(FFA_MEM_SHARE_64),
			    "FFA_MEM_SHARE_64");
	assert_string_equal(rheap_ffa_func_name(FFA_MSG_SEND_DIRECT_REQ2),
			    "FFA_MSG_SEND_DIRECT_REQ2");
	assert_null(rheap_ffa_func_name(0x84000099));
	assert_null(rheap_ffa_func_name(0));
	for (int32_t s = 0; s >= -10; s--) {
		assert_string_equal(rheap_ffa_status_name(s), status[-s]);
	}
	assert_string_equal(rheap_ffa_status_name(FFA_INVALID_PARAMETERS),
			    "INVALID_PARAMETERS");
	assert_null(rheap_ffa_status_name(1));
	assert_null(rheap_ffa_status_name(-11));
	assert_null(rheap_ffa_status_name(INT32_MIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_decode_capacity),
		cmocka_unit_test(test_validate_encode),
		cmocka_unit_test(test_abi_names),
		cmocka_unit_test(test_relinquish),
		cmocka_unit_test(test_frag_round_trip),
		cmocka_unit_test(test_frag_rx_hostile),
		cmocka_unit_test(test_frag_retrieve_req),
		cmocka_unit_test(test_regs_round_trip),
		cmocka_unit_test(test_regs_smc32_upper_ignored),
		cmocka_unit_test(test_regs_hostile),
		cmocka_unit_test(test_regs_version_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
