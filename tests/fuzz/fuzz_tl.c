// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the Transfer List codec.
 *
 * The input is a list area. If it validates (after repairing only its
 * checksum, which must then be enough), these properties must hold, else
 * abort():
 *  - the walk ends cleanly and every entry lies inside used_size;
 *  - find() returns the first entry of a tag, or -ENOENT;
 *  - a protected-pools entry that decodes re-encodes to a payload that
 *    decodes to equal pools (and to the same bytes for 32-byte records);
 *  - for a writable list: relocation into a second area succeeds when the
 *    area is large enough, validates, and keeps every entry (tag, sizes,
 *    offset, payload bytes) and the payload alignment; add() either fails
 *    with -ENOSPC leaving the list byte-identical, or yields a valid list
 *    whose old entries are unchanged; remove() of the first entry yields a
 *    valid list.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/tl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX 0x10000u
#define POOLS_MAX 64u

static _Alignas(4096) uint8_t g_in[IN_MAX];
static _Alignas(4096) uint8_t g_orig[IN_MAX];
static _Alignas(4096) uint8_t g_moved[IN_MAX + 0x2000];
static uint8_t g_pbuf[16 + POOLS_MAX * 32];

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static uint8_t byte_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++) {
		s = (uint8_t)(s + p[i]);
	}
	return s;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool entry_eq(const struct rheap_tl_entry *a,
		     const struct rheap_tl_entry *b)
{
	return a->tag == b->tag && a->hdr_size == b->hdr_size &&
	       a->data_size == b->data_size && a->offset == b->offset &&
	       a->data_offset == b->data_offset;
}

static bool pool_eq(const struct rheap_tl_pool *a,
		    const struct rheap_tl_pool *b)
{
	return a->base == b->base && a->size == b->size &&
	       a->use_case == b->use_case && a->flags == b->flags;
}

/* Walk @tl and check the per-entry invariants; returns the entry count. */
static uint32_t walk(const uint8_t *tl)
{
	struct rheap_tl_entry e = {0};
	uint32_t used = get32(tl + 8);
	uint32_t cursor = 0;
	uint32_t n = 0;
	int rc = 0;

	while ((rc = rheap_tl_next(tl, &cursor, &e)) > 0) {
		check(e.offset % 8 == 0);
		check(e.hdr_size >= RHEAP_TL_ENTRY_HDR_SIZE);
		check(e.data_offset == e.offset + e.hdr_size);
		check((uint64_t)e.data_offset + e.data_size <= used);
		check(e.tag <= RHEAP_TL_TAG_MAX);
		n++;
	}
	check(rc == 0);
	return n;
}

/* The first @count entries of @a and @b are identical, payloads included. */
static void same_entries(const uint8_t *a, const uint8_t *b, uint32_t count)
{
	struct rheap_tl_entry ea = {0};
	struct rheap_tl_entry eb = {0};
	uint32_t ca = 0;
	uint32_t cb = 0;

	for (uint32_t i = 0; i < count; i++) {
		check(rheap_tl_next(a, &ca, &ea) == 1);
		check(rheap_tl_next(b, &cb, &eb) == 1);
		check(entry_eq(&ea, &eb));
		check(memcmp(a + ea.data_offset, b + eb.data_offset,
			     ea.data_size) == 0);
	}
}

static void check_find(const uint8_t *tl, uint32_t tag)
{
	struct rheap_tl_entry e = {0};
	struct rheap_tl_entry w = {0};
	uint32_t cursor = 0;
	int rc = rheap_tl_find(tl, tag, &e);

	check(rc == 0 || rc == -ENOENT);
	while (rheap_tl_next(tl, &cursor, &w) > 0) {
		if (w.tag == tag) {
			check(rc == 0 && entry_eq(&e, &w));
			return;
		}
	}
	check(rc == -ENOENT);
}

static void check_pools(const uint8_t *tl)
{
	static struct rheap_tl_pool p1[POOLS_MAX];
	static struct rheap_tl_pool p2[POOLS_MAX];
	struct rheap_tl_entry e = {0};
	uint32_t n1 = 0;
	uint32_t n2 = 0;
	int len = 0;

	if (rheap_tl_find(tl, RHEAP_TL_TAG_PROTECTED_POOLS, &e) != 0) {
		return;
	}
	if (rheap_tl_pools_decode(tl + e.data_offset, e.data_size, p1,
				  POOLS_MAX, &n1, NULL) != 0) {
		return;
	}
	len = rheap_tl_pools_encode(p1, n1, g_pbuf, sizeof(g_pbuf), NULL);
	check(len == (int)(16 + n1 * 32));
	check(rheap_tl_pools_decode(g_pbuf, (size_t)len, p2, POOLS_MAX, &n2,
				    NULL) == 0);
	check(n1 == n2);
	for (uint32_t i = 0; i < n1; i++) {
		check(pool_eq(&p1[i], &p2[i]));
	}
	/* With 32-byte records the encoding is canonical. */
	if (get32(tl + e.data_offset + 4) == 32) {
		check((size_t)len == e.data_size);
		check(memcmp(g_pbuf, tl + e.data_offset, (size_t)len) == 0);
	}
}

static void check_relocate(const uint8_t *tl, const struct rheap_tl_info *info,
			   uint32_t count, uint8_t knob)
{
	unsigned int a = info->alignment < 3 ? 3 : info->alignment;
	size_t dst_off = (size_t)(knob & 0x3F) * 8;
	size_t dst_size = 0;
	void *out = NULL;
	uint8_t *nt = NULL;
	uint64_t mask = 0;
	int rc = 0;

	if (a > 12) {
		rc = rheap_tl_relocate(tl, g_moved, sizeof(g_moved), &out);
		check(rc == 0 || rc == -ENOSPC);
		return;
	}
	/* used_size plus one alignment period always fits. */
	dst_size = info->used_size + ((size_t)1 << a);
	rc = rheap_tl_relocate(tl, g_moved + dst_off, dst_size, &out);
	check(rc == 0);
	nt = out;
	check(nt >= g_moved + dst_off && nt < g_moved + dst_off + dst_size);
	mask = ((uint64_t)1 << a) - 1;
	check(((uintptr_t)nt & mask) == ((uintptr_t)tl & mask));
	check(get32(nt + 0xC) == dst_size - (size_t)(nt - (g_moved + dst_off)));
	check(rheap_tl_validate(nt, get32(nt + 0xC), NULL, NULL) == 0);
	check(walk(nt) == count);
	same_entries(tl, nt, count);
}

static void check_add_remove(uint8_t *tl, const struct rheap_tl_info *info,
			     uint32_t count, const uint8_t *data, size_t size)
{
	struct rheap_tl_entry e = {0};
	struct rheap_tl_entry first = {0};
	uint32_t cursor = 0;
	uint32_t data_size = (uint32_t)(size > 40 ? 40 : size);
	unsigned int align = data[size - 1] % (RHEAP_TL_MAX_ALIGNMENT + 1);
	int rc = 0;

	memcpy(g_orig, tl, info->total_size);
	rc = rheap_tl_add(tl, 0xFFF0FF, data, data_size, align, &e);
	check(rc == 0 || rc == -ENOSPC);
	if (rc == -ENOSPC) {
		check(memcmp(g_orig, tl, info->total_size) == 0);
	} else {
		check(rheap_tl_validate(tl, info->total_size, NULL, NULL) == 0);
		if (info->flags & RHEAP_TL_FLAG_HAS_CHECKSUM) {
			check(byte_sum(tl, get32(tl + 8)) == 0);
		}
		same_entries(g_orig, tl, count);
		check(((uintptr_t)(tl + e.data_offset) &
		       (((uintptr_t)1 << (align < 3 ? 3 : align)) - 1)) == 0);
		check(memcmp(tl + e.data_offset, data, data_size) == 0);
		check(walk(tl) >= count + 1);
	}

	if (rheap_tl_next(tl, &cursor, &first) == 1) {
		check(rheap_tl_remove(tl, first.offset) == 0);
		check(rheap_tl_validate(tl, info->total_size, NULL, NULL) == 0);
		check(tl[first.offset] == 0 && tl[first.offset + 1] == 0 &&
		      tl[first.offset + 2] == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rheap_tl_info info = {0};
	struct rheap_diag diag = {0};
	uint32_t count = 0;
	int rc = 0;

	if (size > IN_MAX) {
		return 0;
	}
	/* An 8-aligned copy: R1 wants the list base 8-aligned. */
	memcpy(g_in, data, size);
	rc = rheap_tl_validate(g_in, size, &info, &diag);
	/*
	 * Most mutations break the checksum. Since it is checked last, a
	 * list rejected only for it is otherwise valid: repair it, which
	 * must make it pass, so the deeper properties get exercised.
	 */
	if (rc == -EINVAL && diag.field && strcmp(diag.field, "checksum") == 0) {
		rheap_tl_update_checksum(g_in);
		rc = rheap_tl_validate(g_in, size, &info, &diag);
		check(rc == 0);
	}
	if (rc != 0) {
		check(rc == -EINVAL && diag.field != NULL);
		return 0;
	}
	check(info.used_size <= info.total_size && info.total_size <= size);
	if (info.flags & RHEAP_TL_FLAG_HAS_CHECKSUM) {
		check(byte_sum(g_in, info.used_size) == 0);
	}

	count = walk(g_in);
	check_find(g_in, RHEAP_TL_TAG_FDT);
	check_find(g_in, RHEAP_TL_TAG_VOID);
	check_find(g_in, RHEAP_TL_TAG_PROTECTED_POOLS);
	check_find(g_in, RHEAP_TL_TAG_MAX);
	check_pools(g_in);

	if (info.read_only) {
		check(rheap_tl_add(g_in, 0xFFF0FF, NULL, 0, 3, NULL) ==
		      -EOPNOTSUPP);
		check(rheap_tl_relocate(g_in, g_moved, sizeof(g_moved),
					NULL) == -EOPNOTSUPP);
		return 0;
	}
	check_relocate(g_in, &info, count, size > 0 ? data[0] : 0);
	check_add_remove(g_in, &info, count, data, size);
	return 0;
}
