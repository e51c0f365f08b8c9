// SPDX-License-Identifier: BSD-2-Clause
/*
 * Platform description from a Devicetree blob (bindings: docs/bindings.md).
 *
 * The DTB is untrusted. Before libfdt sees it we check alignment, the
 * header size, the version and that `totalsize` fits the caller's buffer;
 * then fdt_check_full() walks the whole structure block once, so every later
 * libfdt call works on a blob whose offsets and strings are known to be in
 * bounds. Every libfdt result is still checked: a negative value that is not
 * the expected "not found" becomes -EINVAL with field "fdt".
 *
 * Decoding is one pass per concern, in this order, and the first violation
 * wins (so a given DTB always yields the same diagnostic):
 *
 *   header -> root cells -> model -> memory -> /memreserve/ ->
 *   /reserved-memory (pools + other reservations) -> pool overlap ->
 *   dynamic placement -> TZASC + DMA masters (one tree walk) ->
 *   FF-A partitions -> cross checks (TZASC needed, enough regions)
 *
 * No allocation and no I/O: everything lives in `struct plat_ctx` on the
 * stack and in the caller's `struct rheap_platform`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libfdt.h>

#include <rheap/err.h>
#include <rheap/platform.h>

#include "common/wire.h"

#define PLAT_PAGE_SIZE UINT64_C(0x1000)
#define PLAT_TZASC_MAX_REGIONS 64u
/* Reserved ranges that are not pools (other `reg` children, /memreserve/). */
#define PLAT_OCC_MAX 32u
#define PLAT_FDT_MIN_VERSION 17u
#define PLAT_UUID_STR_LEN 36u

/* A range that dynamic placement must avoid and that pools may not overlap. */
struct plat_occ {
	uint64_t base;
	uint64_t size;
	/* From /memreserve/: avoided by placement, but pools may overlap it. */
	bool memreserve;
};

/*
 * Decoder state. `pool_node[i]` and `pool_by_size[i]` describe
 * `out->pools[i]`; pools given by `size` get their base in place_pools().
 */
struct plat_ctx {
	const void *fdt;
	struct rheap_platform *out;
	struct rheap_diag *diag;
	uint32_t root_ac; /* root #address-cells: 1 or 2 */
	uint32_t root_sc; /* root #size-cells: 1 or 2 */
	struct plat_occ occ[PLAT_OCC_MAX];
	uint32_t occ_count;
	int pool_node[RHEAP_PLAT_MAX_POOLS];
	bool pool_by_size[RHEAP_PLAT_MAX_POOLS];
	int tzasc_node; /* -1 when the DT has none */
	uint32_t static_count;
};

/* A validated array of (address, size) cells: `reg` or `alloc-ranges`. */
struct plat_ranges {
	const uint8_t *val;
	uint32_t count;
	uint32_t ac;
	uint32_t sc;
};

/* ---------------------------------------------------------------------- */
/* Diagnostics                                                             */

static void plat_set_subject(struct plat_ctx *ctx, int node, const char *text)
{
	const char *name = text;
	size_t i = 0;

	if (!ctx->diag) {
		return;
	}
	if (!name && node == 0) {
		name = "/";
	} else if (!name && node > 0) {
		name = fdt_get_name(ctx->fdt, node, NULL);
	}
	if (!name) {
		name = "";
	}
	for (i = 0; i + 1 < sizeof(ctx->diag->subject) && name[i] != '\0';
	     i++) {
		ctx->diag->subject[i] = name[i];
	}
	ctx->diag->subject[i] = '\0';
}

/*
 * Record a rejection of property @field of @node (or of the object called
 * @text when @node < 0) and return @err.
 */
static int plat_fail(struct plat_ctx *ctx, int err, int node,
		     const char *text, const char *field, uint32_t index,
		     uint64_t value, const char *reason, bool has_limit,
		     uint64_t limit)
{
	plat_set_subject(ctx, node, text);
	return wire_reject_err(ctx->diag, err, field, index, value, reason,
			       has_limit, limit);
}

#define plat_reject(ctx, node, field, value, reason)                          \
	plat_fail((ctx), -EINVAL, (node), NULL, (field), RHEAP_DIAG_NO_INDEX, \
		  (uint64_t)(value), (reason), false, 0)
#define plat_reject_lim(ctx, node, field, value, reason, limit)               \
	plat_fail((ctx), -EINVAL, (node), NULL, (field), RHEAP_DIAG_NO_INDEX, \
		  (uint64_t)(value), (reason), true, (uint64_t)(limit))
#define plat_reject_at(ctx, node, field, index, value, reason)                \
	plat_fail((ctx), -EINVAL, (node), NULL, (field), (index),             \
		  (uint64_t)(value), (reason), false, 0)

/* A libfdt call failed on a blob that passed fdt_check_full(). */
static int plat_fdt_err(struct plat_ctx *ctx, int node, int fdt_err)
{
	return plat_fail(ctx, -EINVAL, node, NULL, "fdt", RHEAP_DIAG_NO_INDEX,
			 (uint64_t)(fdt_err < 0 ? -fdt_err : fdt_err),
			 "libfdt error", false, 0);
}

/* ---------------------------------------------------------------------- */
/* Property access                                                         */

static uint64_t plat_be_cells(const uint8_t *p, uint32_t cells)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < cells * 4u; i++) {
		v = (v << 8) | p[i];
	}
	return v;
}

/*
 * Look a property up. Return: 1 and @val/@len set if present, 0 if absent,
 * or a negative errno (diag set) if libfdt reports anything else.
 */
static int plat_prop(struct plat_ctx *ctx, int node, const char *name,
		     const uint8_t **val, uint32_t *len)
{
	int plen = 0;
	const void *p = fdt_getprop(ctx->fdt, node, name, &plen);

	*val = NULL;
	*len = 0;
	if (!p) {
		if (plen == -FDT_ERR_NOTFOUND) {
			return 0;
		}
		return plat_fdt_err(ctx, node, plen);
	}
	if (plen < 0) {
		return plat_fdt_err(ctx, node, plen);
	}
	*val = p;
	*len = (uint32_t)plen;
	return 1;
}

/* A boolean property: present and empty is true; a value is malformed. */
static int plat_prop_bool(struct plat_ctx *ctx, int node, const char *name,
			  bool *out)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	int rc = plat_prop(ctx, node, name, &val, &len);

	*out = false;
	if (rc < 0) {
		return rc;
	}
	if (rc == 1 && len != 0) {
		return plat_reject_lim(ctx, node, name, len,
				       "boolean property length must be", 0);
	}
	*out = rc == 1;
	return 0;
}

/* An optional u32. Return: 1 if present, 0 if absent, or a negative errno. */
static int plat_prop_u32(struct plat_ctx *ctx, int node, const char *name,
			 uint32_t *out)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	int rc = plat_prop(ctx, node, name, &val, &len);

	*out = 0;
	if (rc <= 0) {
		return rc;
	}
	if (len != 4) {
		return plat_reject_lim(ctx, node, name, len,
				       "u32 property length must be", 4);
	}
	*out = (uint32_t)plat_be_cells(val, 1);
	return 1;
}

/*
 * An optional single string: non-empty, NUL-terminated, no embedded NUL.
 * Return: 1 if present, 0 if absent, or a negative errno.
 */
static int plat_prop_string(struct plat_ctx *ctx, int node, const char *name,
			    const char **out)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	int rc = plat_prop(ctx, node, name, &val, &len);

	*out = NULL;
	if (rc <= 0) {
		return rc;
	}
	if (len < 2 || val[len - 1] != '\0' ||
	    memchr(val, '\0', len - 1) != NULL) {
		return plat_reject(ctx, node, name, len,
				   "is not a single non-empty string");
	}
	*out = (const char *)val;
	return 1;
}

/* Is @str one of the strings of @list (a raw, possibly malformed list)? */
static bool plat_list_has(const uint8_t *list, uint32_t len, const char *str,
			  bool prefix)
{
	size_t want = strlen(str);
	uint32_t pos = 0;

	while (pos < len) {
		const uint8_t *nul = memchr(list + pos, '\0', len - pos);
		uint32_t slen = 0;

		if (!nul) {
			return false; /* an unterminated tail never matches */
		}
		slen = (uint32_t)(nul - (list + pos));
		if (prefix ? slen > want && memcmp(list + pos, str, want) == 0
			   : slen == want && memcmp(list + pos, str, want) == 0) {
			return true;
		}
		pos += slen + 1;
	}
	return false;
}

/* Does @node's `compatible` contain @str (or, with @prefix, start with it)? */
static int plat_compat(struct plat_ctx *ctx, int node, const char *str,
		       bool prefix, bool *out)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	int rc = plat_prop(ctx, node, "compatible", &val, &len);

	*out = false;
	if (rc < 0) {
		return rc;
	}
	*out = rc == 1 && plat_list_has(val, len, str, prefix);
	return 0;
}

/* `status` absent, "okay" or "ok" means the node is in use. */
static int plat_available(struct plat_ctx *ctx, int node, bool *out)
{
	const char *status = NULL;
	int rc = plat_prop_string(ctx, node, "status", &status);

	*out = false;
	if (rc < 0) {
		return rc;
	}
	*out = rc == 0 || strcmp(status, "okay") == 0 ||
	       strcmp(status, "ok") == 0;
	return 0;
}

/* Copy @node's name without "@unit" into @name (RHEAP_PLAT_NAME_MAX bytes). */
static int plat_node_name(struct plat_ctx *ctx, int node, char *name)
{
	int len = 0;
	const char *full = fdt_get_name(ctx->fdt, node, &len);
	const char *at = NULL;
	size_t base_len = 0;

	if (!full || len < 0) {
		return plat_fdt_err(ctx, node, len);
	}
	at = memchr(full, '@', (size_t)len);
	base_len = at ? (size_t)(at - full) : (size_t)len;
	if (base_len == 0 || base_len >= RHEAP_PLAT_NAME_MAX) {
		return plat_reject_lim(ctx, node, "name", base_len,
				       "node name length must be 1 to",
				       RHEAP_PLAT_NAME_MAX - 1);
	}
	memcpy(name, full, base_len);
	name[base_len] = '\0';
	return 0;
}

/* A `#address-cells` or `#size-cells`: required, 1 or 2. */
static int plat_cells(struct plat_ctx *ctx, int node, const char *name,
		      uint32_t *out)
{
	int rc = plat_prop_u32(ctx, node, name, out);

	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		return plat_reject(ctx, node, name, 0, "is required");
	}
	if (*out != 1 && *out != 2) {
		return plat_reject_lim(ctx, node, name, *out,
				       "must be 1 or 2, not above", 2);
	}
	return 0;
}

/*
 * An optional array of (address, size) pairs in @ac/@sc cells. Each entry
 * must have a non-zero size and must not wrap past 2^64.
 * Return: 1 if present, 0 if absent, or a negative errno.
 */
static int plat_prop_ranges(struct plat_ctx *ctx, int node, const char *name,
			    uint32_t ac, uint32_t sc, struct plat_ranges *r)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	uint32_t entry = (ac + sc) * 4u;
	int rc = plat_prop(ctx, node, name, &val, &len);

	r->val = NULL;
	r->count = 0;
	r->ac = ac;
	r->sc = sc;
	if (rc <= 0) {
		return rc;
	}
	if (len == 0 || len % entry != 0) {
		return plat_reject_lim(ctx, node, name, len,
				       "length is not a non-zero multiple of",
				       entry);
	}
	r->val = val;
	r->count = len / entry;
	for (uint32_t i = 0; i < r->count; i++) {
		const uint8_t *p = val + (size_t)i * entry;
		uint64_t base = plat_be_cells(p, ac);
		uint64_t size = plat_be_cells(p + ac * 4u, sc);
		uint64_t end = 0;

		if (size == 0) {
			return plat_reject_at(ctx, node, name, i, size,
					      "size is zero");
		}
		if (__builtin_add_overflow(base, size, &end)) {
			return plat_reject_at(ctx, node, name, i, base,
					      "base + size wraps");
		}
	}
	return 1;
}

static void plat_range_get(const struct plat_ranges *r, uint32_t i,
			   uint64_t *base, uint64_t *size)
{
	const uint8_t *p = r->val + (size_t)i * (r->ac + r->sc) * 4u;

	*base = plat_be_cells(p, r->ac);
	*size = plat_be_cells(p + r->ac * 4u, r->sc);
}

/* Ranges are validated not to wrap, so plain sums are safe here. */
static bool plat_overlap(uint64_t b1, uint64_t s1, uint64_t b2, uint64_t s2)
{
	return b1 < b2 + s2 && b2 < b1 + s1;
}

static bool plat_contains(uint64_t outer_base, uint64_t outer_size,
			  uint64_t base, uint64_t size)
{
	return base >= outer_base &&
	       base + size <= outer_base + outer_size;
}

/* ---------------------------------------------------------------------- */
/* Header, root, model                                                     */

static uint32_t plat_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Walk the structure block's tags before libfdt does. libfdt 1.6.1 (Debian
 * 12) adds a property's 32-bit length to an int offset in fdt_next_tag(),
 * so a length such as 0xfffffff4 moves the offset backwards and
 * fdt_check_full() loops forever (found by fuzz_dtb). Here every step
 * moves forward by at least one tag, all arithmetic is 64-bit, and every
 * length is checked against what is left of the block, so the walk ends
 * and rejects such blobs. Called after fdt_check_header(), which has put
 * the block inside totalsize.
 *
 * Return: 0, or the byte offset in the block of the first bad tag + 1.
 */
static uint64_t plat_walk_struct(const uint8_t *fdt)
{
	const uint8_t *st = fdt + fdt_off_dt_struct(fdt);
	uint64_t size = fdt_size_dt_struct(fdt);
	uint64_t strings = fdt_size_dt_strings(fdt);
	uint64_t off = 0;

	while (off + FDT_TAGSIZE <= size) {
		uint64_t at = off;
		uint32_t tag = plat_be32(st + off);

		off += FDT_TAGSIZE;
		switch (tag) {
		case FDT_BEGIN_NODE:
			/* The name must end inside the block. */
			while (off < size && st[off] != '\0') {
				off++;
			}
			if (off >= size) {
				return at + 1u;
			}
			off = (off + 1u + FDT_TAGSIZE - 1u) & ~(uint64_t)(FDT_TAGSIZE - 1u);
			break;
		case FDT_PROP: {
			uint64_t len = 0;

			if (size - off < 8u) {
				return at + 1u;
			}
			len = plat_be32(st + off);
			if (plat_be32(st + off + 4u) >= strings ||
			    len > size - off - 8u) {
				return at + 1u;
			}
			off += 8u + ((len + FDT_TAGSIZE - 1u) &
				     ~(uint64_t)(FDT_TAGSIZE - 1u));
			break;
		}
		case FDT_END_NODE:
		case FDT_NOP:
			break;
		case FDT_END:
			return 0;
		default:
			return at + 1u;
		}
	}
	return off + 1u; /* no FDT_END inside the block */
}

static int plat_check_blob(struct plat_ctx *ctx, size_t fdt_size)
{
	const uint8_t *p = ctx->fdt;
	uint32_t total = 0;
	uint32_t version = 0;
	uint64_t bad = 0;
	int err = 0;

	if (!p) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, 0, "is NULL", false, 0);
	}
	if (((uintptr_t)p & 7u) != 0) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, (uintptr_t)p & 7u,
				 "base is not 8-byte aligned", false, 0);
	}
	if (fdt_size < sizeof(struct fdt_header)) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, fdt_size,
				 "buffer is smaller than the header", true,
				 sizeof(struct fdt_header));
	}
	if (fdt_magic(p) != FDT_MAGIC) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, fdt_magic(p),
				 "bad magic, expected", true, FDT_MAGIC);
	}
	version = fdt_version(p);
	if (version < PLAT_FDT_MIN_VERSION) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, version,
				 "version is below", true,
				 PLAT_FDT_MIN_VERSION);
	}
	total = fdt_totalsize(p);
	if (total > fdt_size) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, total,
				 "totalsize exceeds the buffer of", true,
				 fdt_size);
	}
	err = fdt_check_header(p);
	if (err != 0) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, (uint64_t)-err,
				 "fails fdt_check_header (libfdt error)", false,
				 0);
	}
	bad = plat_walk_struct(p);
	if (bad != 0) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, bad - 1u,
				 "is the offset of a malformed structure-block tag",
				 false, 0);
	}
	err = fdt_check_full(p, fdt_size);
	if (err != 0) {
		return plat_fail(ctx, -EINVAL, -1, "fdt", "fdt",
				 RHEAP_DIAG_NO_INDEX, (uint64_t)-err,
				 "fails fdt_check_full (libfdt error)", false,
				 0);
	}
	return 0;
}

static int plat_model(struct plat_ctx *ctx)
{
	const char *model = NULL;
	size_t n = 0;
	int rc = plat_prop_string(ctx, 0, "model", &model);

	if (rc <= 0) {
		return rc;
	}
	/* Truncate to the table size; `model` is NUL-terminated. */
	while (n + 1 < sizeof(ctx->out->model) && model[n] != '\0') {
		n++;
	}
	memcpy(ctx->out->model, model, n);
	ctx->out->model[n] = '\0';
	return 0;
}

/* ---------------------------------------------------------------------- */
/* DRAM and /memreserve/                                                   */

static int plat_memory_node(struct plat_ctx *ctx, int node)
{
	struct rheap_platform *out = ctx->out;
	struct plat_ranges reg = { 0 };
	int rc = plat_prop_ranges(ctx, node, "reg", ctx->root_ac,
				  ctx->root_sc, &reg);

	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		return plat_reject(ctx, node, "reg", 0, "is required");
	}
	for (uint32_t i = 0; i < reg.count; i++) {
		uint64_t base = 0;
		uint64_t size = 0;

		plat_range_get(&reg, i, &base, &size);
		for (uint32_t j = 0; j < out->dram_count; j++) {
			if (plat_overlap(base, size, out->dram[j].base,
					 out->dram[j].size)) {
				return plat_reject_at(ctx, node, "reg", i,
						      base,
						      "overlaps another DRAM range");
			}
		}
		if (out->dram_count == RHEAP_PLAT_MAX_DRAM) {
			return plat_fail(ctx, -ENOSPC, node, NULL, "dram", i,
					 out->dram_count,
					 "table is full at", true,
					 RHEAP_PLAT_MAX_DRAM);
		}
		out->dram[out->dram_count].base = base;
		out->dram[out->dram_count].size = size;
		out->dram_count++;
	}
	return 0;
}

/* Every available root child with device_type = "memory". */
static int plat_memory(struct plat_ctx *ctx)
{
	int node = 0;
	int rc = 0;

	fdt_for_each_subnode(node, ctx->fdt, 0) {
		const uint8_t *val = NULL;
		uint32_t len = 0;
		bool avail = false;

		rc = plat_prop(ctx, node, "device_type", &val, &len);
		if (rc < 0) {
			return rc;
		}
		if (rc == 0 || len != sizeof("memory") ||
		    memcmp(val, "memory", sizeof("memory")) != 0) {
			continue;
		}
		rc = plat_available(ctx, node, &avail);
		if (rc < 0) {
			return rc;
		}
		if (!avail) {
			continue;
		}
		rc = plat_memory_node(ctx, node);
		if (rc < 0) {
			return rc;
		}
	}
	if (node != -FDT_ERR_NOTFOUND) {
		return plat_fdt_err(ctx, 0, node);
	}
	if (ctx->out->dram_count == 0) {
		return plat_reject(ctx, 0, "memory", 0,
				   "no available memory node");
	}
	return 0;
}

static int plat_occ_add(struct plat_ctx *ctx, int node, const char *text,
			const char *field, uint64_t base, uint64_t size,
			bool memreserve)
{
	if (ctx->occ_count == PLAT_OCC_MAX) {
		return plat_fail(ctx, -ENOSPC, node, text, field,
				 RHEAP_DIAG_NO_INDEX, ctx->occ_count,
				 "reserved-range table is full at", true,
				 PLAT_OCC_MAX);
	}
	ctx->occ[ctx->occ_count].base = base;
	ctx->occ[ctx->occ_count].size = size;
	ctx->occ[ctx->occ_count].memreserve = memreserve;
	ctx->occ_count++;
	return 0;
}

/* The header's memory reservation block: avoided by dynamic placement. */
static int plat_memreserve(struct plat_ctx *ctx)
{
	int count = fdt_num_mem_rsv(ctx->fdt);

	if (count < 0) {
		return plat_fdt_err(ctx, 0, count);
	}
	for (int i = 0; i < count; i++) {
		uint64_t base = 0;
		uint64_t size = 0;
		uint64_t end = 0;
		int err = fdt_get_mem_rsv(ctx->fdt, i, &base, &size);
		int rc = 0;

		if (err != 0) {
			return plat_fdt_err(ctx, 0, err);
		}
		if (__builtin_add_overflow(base, size, &end)) {
			return plat_fail(ctx, -EINVAL, -1, "/memreserve/",
					 "memreserve", (uint32_t)i, base,
					 "base + size wraps", false, 0);
		}
		rc = plat_occ_add(ctx, -1, "/memreserve/", "memreserve", base,
				  size, true);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restricted pools                                                        */

/* The DRAM range that holds [base, base + size), or -1. */
static int plat_dram_index(const struct rheap_platform *out, uint64_t base,
			   uint64_t size)
{
	for (uint32_t i = 0; i < out->dram_count; i++) {
		if (plat_contains(out->dram[i].base, out->dram[i].size, base,
				  size)) {
			return (int)i;
		}
	}
	return -1;
}

static int plat_pool_phandle(struct plat_ctx *ctx, int node, uint32_t *out)
{
	int rc = plat_prop_u32(ctx, node, "phandle", out);

	if (rc < 0) {
		return rc;
	}
	if (rc == 1 && (*out == 0 || *out == UINT32_MAX)) {
		return plat_reject(ctx, node, "phandle", *out,
				   "is not a valid phandle");
	}
	return 0;
}

/* Properties of one pool node, before they are checked against each other. */
struct plat_pool_props {
	bool linaro;
	bool no_map;
	bool reusable;
	struct plat_ranges reg;
	bool has_reg;
	bool has_size;
	uint64_t size;
	bool has_align;
	uint64_t align;
	bool has_alloc_ranges;
};

static int plat_pool_props(struct plat_ctx *ctx, int node,
			   struct plat_pool_props *p)
{
	struct plat_ranges alloc = { 0 };
	const uint8_t *val = NULL;
	uint32_t len = 0;
	int rc = 0;

	rc = plat_prop_bool(ctx, node, "no-map", &p->no_map);
	if (rc < 0) {
		return rc;
	}
	rc = plat_prop_bool(ctx, node, "reusable", &p->reusable);
	if (rc < 0) {
		return rc;
	}
	rc = plat_prop_ranges(ctx, node, "reg", ctx->root_ac, ctx->root_sc,
			      &p->reg);
	if (rc < 0) {
		return rc;
	}
	p->has_reg = rc == 1;
	if (p->has_reg && p->reg.count != 1) {
		return plat_reject_lim(ctx, node, "reg", p->reg.count,
				       "entries; a pool takes exactly", 1);
	}
	rc = plat_prop(ctx, node, "size", &val, &len);
	if (rc < 0) {
		return rc;
	}
	p->has_size = rc == 1;
	if (p->has_size) {
		if (len != ctx->root_sc * 4u) {
			return plat_reject_lim(ctx, node, "size", len,
					       "length must be #size-cells * 4 =",
					       ctx->root_sc * 4u);
		}
		p->size = plat_be_cells(val, ctx->root_sc);
	}
	rc = plat_prop(ctx, node, "alignment", &val, &len);
	if (rc < 0) {
		return rc;
	}
	p->has_align = rc == 1;
	if (p->has_align) {
		if (len != ctx->root_sc * 4u) {
			return plat_reject_lim(ctx, node, "alignment", len,
					       "length must be #size-cells * 4 =",
					       ctx->root_sc * 4u);
		}
		p->align = plat_be_cells(val, ctx->root_sc);
	}
	rc = plat_prop_ranges(ctx, node, "alloc-ranges", ctx->root_ac,
			      ctx->root_sc, &alloc);
	if (rc < 0) {
		return rc;
	}
	p->has_alloc_ranges = rc == 1;
	return 0;
}

/* Decide the pool's kind from its properties, enforcing the binding. */
static int plat_pool_kind(struct plat_ctx *ctx, int node,
			  const struct plat_pool_props *p,
			  enum rheap_pool_kind *kind)
{
	if (p->no_map && p->reusable) {
		return plat_reject(ctx, node, "reusable", 1,
				   "is mutually exclusive with no-map");
	}
	if (!p->has_reg && !p->has_size) {
		return plat_reject(ctx, node, "reg", 0,
				   "is required (or size for a dynamic pool)");
	}
	if (p->has_reg && p->has_size) {
		return plat_reject(ctx, node, "size", p->size,
				   "is mutually exclusive with reg");
	}
	if (p->linaro && p->has_size) {
		return plat_reject(ctx, node, "size", p->size,
				   "is not allowed on linaro,secure-heap");
	}
	if (p->no_map) {
		if (!p->has_reg) {
			return plat_reject(ctx, node, "reg", 0,
					   "is required by a static pool");
		}
		*kind = RHEAP_POOL_STATIC;
	} else if (p->reusable) {
		*kind = RHEAP_POOL_DYNAMIC;
	} else if (p->has_reg) {
		return plat_reject(ctx, node, "no-map", 0,
				   "is required by a static pool");
	} else {
		return plat_reject(ctx, node, "reusable", 0,
				   "is required by a dynamic pool");
	}
	if (!p->has_size && (p->has_align || p->has_alloc_ranges)) {
		return plat_reject(ctx, node,
				   p->has_align ? "alignment" : "alloc-ranges",
				   0, "is only allowed with size");
	}
	return 0;
}

static int plat_pool_use_case(struct plat_ctx *ctx, int node, bool linaro,
			      enum rheap_use_case *uc)
{
	const char *name = NULL;
	int rc = plat_prop_string(ctx, node, "rheap,use-case", &name);

	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		if (!linaro) {
			return plat_reject(ctx, node, "rheap,use-case", 0,
					   "is required");
		}
		*uc = RHEAP_USE_CASE_SECURE_VIDEO;
		return 0;
	}
	if (rheap_use_case_from_name(name, uc) != 0) {
		return plat_reject(ctx, node, "rheap,use-case", strlen(name),
				   "names an unknown use case (value: length)");
	}
	return 0;
}

static int plat_pool(struct plat_ctx *ctx, int node, bool linaro)
{
	struct rheap_platform *out = ctx->out;
	struct plat_pool_props p = { 0 };
	struct rheap_plat_pool pool = { 0 };
	int rc = 0;

	p.linaro = linaro;
	rc = plat_node_name(ctx, node, pool.name);
	if (rc < 0) {
		return rc;
	}
	for (uint32_t i = 0; i < out->pool_count; i++) {
		if (strcmp(out->pools[i].name, pool.name) == 0) {
			return plat_reject(ctx, node, "name", i,
					   "duplicates the pool at index");
		}
	}
	rc = plat_pool_use_case(ctx, node, linaro, &pool.use_case);
	if (rc < 0) {
		return rc;
	}
	rc = plat_pool_props(ctx, node, &p);
	if (rc < 0) {
		return rc;
	}
	rc = plat_pool_kind(ctx, node, &p, &pool.kind);
	if (rc < 0) {
		return rc;
	}
	rc = plat_pool_phandle(ctx, node, &pool.phandle);
	if (rc < 0) {
		return rc;
	}
	pool.alignment = PLAT_PAGE_SIZE;
	if (p.has_reg) {
		plat_range_get(&p.reg, 0, &pool.base, &pool.size);
		if (!wire_aligned(pool.base, PLAT_PAGE_SIZE)) {
			return plat_reject_lim(ctx, node, "reg", pool.base,
					       "base is not aligned to",
					       PLAT_PAGE_SIZE);
		}
		if (!wire_aligned(pool.size, PLAT_PAGE_SIZE)) {
			return plat_reject_lim(ctx, node, "reg", pool.size,
					       "size is not a multiple of",
					       PLAT_PAGE_SIZE);
		}
		if (plat_dram_index(out, pool.base, pool.size) < 0) {
			return plat_reject(ctx, node, "reg", pool.base,
					   "is not inside one DRAM range");
		}
	} else {
		pool.size = p.size;
		if (pool.size == 0) {
			return plat_reject(ctx, node, "size", 0, "is zero");
		}
		if (!wire_aligned(pool.size, PLAT_PAGE_SIZE)) {
			return plat_reject_lim(ctx, node, "size", pool.size,
					       "is not a multiple of",
					       PLAT_PAGE_SIZE);
		}
		if (p.has_align) {
			if (p.align == 0 || (p.align & (p.align - 1)) != 0) {
				return plat_reject(ctx, node, "alignment",
						   p.align,
						   "is not a power of two");
			}
			if (p.align > pool.alignment) {
				pool.alignment = p.align;
			}
		}
	}
	if (out->pool_count == RHEAP_PLAT_MAX_POOLS) {
		return plat_fail(ctx, -ENOSPC, node, NULL, "pools",
				 RHEAP_DIAG_NO_INDEX, out->pool_count,
				 "table is full at", true,
				 RHEAP_PLAT_MAX_POOLS);
	}
	if (pool.kind == RHEAP_POOL_STATIC) {
		ctx->static_count++;
	}
	ctx->pool_node[out->pool_count] = node;
	ctx->pool_by_size[out->pool_count] = !p.has_reg;
	out->pools[out->pool_count] = pool;
	out->pool_count++;
	return 0;
}

/* A reserved-memory child that is not a pool: its `reg` is occupied. */
static int plat_other_reservation(struct plat_ctx *ctx, int node)
{
	struct plat_ranges reg = { 0 };
	int rc = plat_prop_ranges(ctx, node, "reg", ctx->root_ac,
				  ctx->root_sc, &reg);

	if (rc <= 0) {
		return rc; /* `size`-only regions are the OS's to place */
	}
	for (uint32_t i = 0; i < reg.count; i++) {
		uint64_t base = 0;
		uint64_t size = 0;

		plat_range_get(&reg, i, &base, &size);
		rc = plat_occ_add(ctx, node, NULL, "reg", base, size, false);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

static int plat_reserved_parent(struct plat_ctx *ctx, int rm)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	uint32_t ac = 0;
	uint32_t sc = 0;
	int rc = 0;

	rc = plat_prop_u32(ctx, rm, "#address-cells", &ac);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0 || ac != ctx->root_ac) {
		return plat_reject_lim(ctx, rm, "#address-cells", ac,
				       "must equal the root's", ctx->root_ac);
	}
	rc = plat_prop_u32(ctx, rm, "#size-cells", &sc);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0 || sc != ctx->root_sc) {
		return plat_reject_lim(ctx, rm, "#size-cells", sc,
				       "must equal the root's", ctx->root_sc);
	}
	rc = plat_prop(ctx, rm, "ranges", &val, &len);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0 || len != 0) {
		return plat_reject(ctx, rm, "ranges", len,
				   "must be present and empty (length)");
	}
	return 0;
}

static int plat_reserved_child(struct plat_ctx *ctx, int node)
{
	bool avail = false;
	bool rheap = false;
	bool linaro = false;
	int rc = plat_available(ctx, node, &avail);

	if (rc < 0 || !avail) {
		return rc;
	}
	rc = plat_compat(ctx, node, "rheap,restricted-pool", false, &rheap);
	if (rc < 0) {
		return rc;
	}
	rc = plat_compat(ctx, node, "linaro,secure-heap", false, &linaro);
	if (rc < 0) {
		return rc;
	}
	if (rheap) {
		return plat_pool(ctx, node, false);
	}
	if (linaro) {
		return plat_pool(ctx, node, true);
	}
	return plat_other_reservation(ctx, node);
}

static int plat_reserved_memory(struct plat_ctx *ctx)
{
	int rm = fdt_path_offset(ctx->fdt, "/reserved-memory");
	int node = 0;
	bool avail = false;
	int rc = 0;

	if (rm == -FDT_ERR_NOTFOUND) {
		return 0;
	}
	if (rm < 0) {
		return plat_fdt_err(ctx, 0, rm);
	}
	rc = plat_available(ctx, rm, &avail);
	if (rc < 0 || !avail) {
		return rc;
	}
	rc = plat_reserved_parent(ctx, rm);
	if (rc < 0) {
		return rc;
	}
	fdt_for_each_subnode(node, ctx->fdt, rm) {
		rc = plat_reserved_child(ctx, node);
		if (rc < 0) {
			return rc;
		}
	}
	if (node != -FDT_ERR_NOTFOUND) {
		return plat_fdt_err(ctx, rm, node);
	}
	return 0;
}

/*
 * Pools with a fixed base (`reg`) must not overlap each other nor any other
 * reserved-memory `reg`. /memreserve/ entries may overlap them.
 */
static int plat_pool_overlaps(struct plat_ctx *ctx)
{
	const struct rheap_platform *out = ctx->out;

	for (uint32_t i = 0; i < out->pool_count; i++) {
		const struct rheap_plat_pool *a = &out->pools[i];

		if (ctx->pool_by_size[i]) {
			continue;
		}
		for (uint32_t j = 0; j < i; j++) {
			const struct rheap_plat_pool *b = &out->pools[j];

			if (!ctx->pool_by_size[j] &&
			    plat_overlap(a->base, a->size, b->base, b->size)) {
				return plat_reject(ctx, ctx->pool_node[i],
						   "reg", a->base,
						   "overlaps another pool");
			}
		}
		for (uint32_t j = 0; j < ctx->occ_count; j++) {
			const struct plat_occ *o = &ctx->occ[j];

			if (!o->memreserve &&
			    plat_overlap(a->base, a->size, o->base, o->size)) {
				return plat_reject(ctx, ctx->pool_node[i],
						   "reg", a->base,
						   "overlaps another reserved-memory region");
			}
		}
	}
	return 0;
}

/*
 * Lowest base among the occupied ranges that overlap [base, base + size),
 * or false if none does. Occupied: every pool with a base so far (fixed or
 * already placed) and every other reservation.
 */
static bool plat_first_conflict(const struct plat_ctx *ctx, uint32_t self,
				uint64_t base, uint64_t size, uint64_t *low)
{
	const struct rheap_platform *out = ctx->out;
	bool found = false;

	for (uint32_t i = 0; i < out->pool_count; i++) {
		const struct rheap_plat_pool *p = &out->pools[i];

		if (i == self || (ctx->pool_by_size[i] && !p->placed)) {
			continue;
		}
		if (plat_overlap(base, size, p->base, p->size) &&
		    (!found || p->base < *low)) {
			*low = p->base;
			found = true;
		}
	}
	for (uint32_t i = 0; i < ctx->occ_count; i++) {
		const struct plat_occ *o = &ctx->occ[i];

		if (plat_overlap(base, size, o->base, o->size) &&
		    (!found || o->base < *low)) {
			*low = o->base;
			found = true;
		}
	}
	return found;
}

/*
 * Highest @align-aligned base in [lo, hi) for @size bytes that avoids every
 * occupied range. Each retry lowers `end` to the base of a range that the
 * candidate overlapped; no later candidate can overlap that range again, so
 * the loop runs at most once per occupied range plus one.
 */
static bool plat_place_in(const struct plat_ctx *ctx, uint32_t self,
			  uint64_t lo, uint64_t hi, uint64_t size,
			  uint64_t align, uint64_t *base)
{
	uint64_t end = hi;

	for (;;) {
		uint64_t cand = 0;
		uint64_t low = 0;

		if (end < lo || end - lo < size) {
			return false;
		}
		cand = (end - size) & ~(align - 1);
		if (cand < lo) {
			return false;
		}
		if (!plat_first_conflict(ctx, self, cand, size, &low)) {
			*base = cand;
			return true;
		}
		end = low;
	}
}

/* Place one pool: highest DRAM range first, highest address in it first. */
static int plat_place_pool(struct plat_ctx *ctx, uint32_t idx)
{
	struct rheap_platform *out = ctx->out;
	struct rheap_plat_pool *pool = &out->pools[idx];
	int node = ctx->pool_node[idx];
	struct plat_ranges alloc = { 0 };
	bool done[RHEAP_PLAT_MAX_DRAM] = { false };
	int rc = plat_prop_ranges(ctx, node, "alloc-ranges", ctx->root_ac,
				  ctx->root_sc, &alloc);

	if (rc < 0) {
		return rc;
	}
	for (uint32_t pass = 0; pass < out->dram_count; pass++) {
		uint32_t d = RHEAP_PLAT_MAX_DRAM;
		uint64_t lo = 0;
		uint64_t hi = 0;
		uint64_t best = 0;
		bool found = false;

		/* The highest DRAM range not tried yet (ranges are disjoint). */
		for (uint32_t i = 0; i < out->dram_count; i++) {
			if (!done[i] && (d == RHEAP_PLAT_MAX_DRAM ||
					 out->dram[i].base > out->dram[d].base)) {
				d = i;
			}
		}
		if (d == RHEAP_PLAT_MAX_DRAM) {
			break; /* unreachable: one range per pass is left */
		}
		done[d] = true;
		lo = out->dram[d].base;
		hi = lo + out->dram[d].size;
		if (alloc.count == 0) {
			found = plat_place_in(ctx, idx, lo, hi, pool->size,
					      pool->alignment, &best);
		}
		for (uint32_t a = 0; a < alloc.count; a++) {
			uint64_t ab = 0;
			uint64_t as = 0;
			uint64_t wlo = 0;
			uint64_t whi = 0;
			uint64_t cand = 0;

			plat_range_get(&alloc, a, &ab, &as);
			wlo = ab > lo ? ab : lo;
			whi = ab + as < hi ? ab + as : hi;
			if (wlo >= whi) {
				continue;
			}
			if (plat_place_in(ctx, idx, wlo, whi, pool->size,
					  pool->alignment, &cand) &&
			    (!found || cand > best)) {
				best = cand;
				found = true;
			}
		}
		if (found) {
			pool->base = best;
			pool->placed = true;
			return 0;
		}
	}
	return plat_fail(ctx, -ENOSPC, node, NULL, "size", RHEAP_DIAG_NO_INDEX,
			 pool->size, "bytes do not fit in free DRAM", false,
			 0);
}

/* Dynamic pools given by `size`, in DT order (so placement is stable). */
static int plat_place_pools(struct plat_ctx *ctx)
{
	for (uint32_t i = 0; i < ctx->out->pool_count; i++) {
		int rc = 0;

		if (!ctx->pool_by_size[i]) {
			continue;
		}
		rc = plat_place_pool(ctx, i);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* TZASC and DMA masters                                                   */

static int plat_tzasc(struct plat_ctx *ctx, int node)
{
	struct rheap_plat_tzasc *tz = &ctx->out->tzasc;
	struct plat_ranges reg = { 0 };
	uint32_t ac = ctx->root_ac;
	uint32_t sc = ctx->root_sc;
	uint32_t regions = 0;
	int parent = 0;
	int rc = 0;

	if (ctx->tzasc_node >= 0) {
		return plat_reject(ctx, node, "compatible", 0,
				   "declares a second TZASC");
	}
	ctx->tzasc_node = node;
	parent = fdt_parent_offset(ctx->fdt, node);
	if (parent < 0) {
		return plat_fdt_err(ctx, node, parent);
	}
	if (parent != 0) {
		rc = plat_cells(ctx, parent, "#address-cells", &ac);
		if (rc < 0) {
			return rc;
		}
		rc = plat_cells(ctx, parent, "#size-cells", &sc);
		if (rc < 0) {
			return rc;
		}
	}
	rc = plat_prop_ranges(ctx, node, "reg", ac, sc, &reg);
	if (rc < 0) {
		return rc;
	}
	if (rc == 1) {
		if (reg.count != 1) {
			return plat_reject_lim(ctx, node, "reg", reg.count,
					       "entries; a TZASC takes exactly",
					       1);
		}
		plat_range_get(&reg, 0, &tz->base, &tz->size);
	}
	rc = plat_prop_u32(ctx, node, "rheap,regions", &regions);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		regions = RHEAP_PLAT_DEFAULT_TZASC_REGIONS;
	}
	if (regions < 1 || regions > PLAT_TZASC_MAX_REGIONS) {
		return plat_reject_lim(ctx, node, "rheap,regions", regions,
				       "must be 1 to", PLAT_TZASC_MAX_REGIONS);
	}
	tz->region_count = regions;
	return 0;
}

/* `rheap,use-cases`: known names, each once. */
static int plat_device_use_cases(struct plat_ctx *ctx, int node,
				 uint32_t *mask)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	uint32_t pos = 0;
	uint32_t index = 0;
	int rc = plat_prop(ctx, node, "rheap,use-cases", &val, &len);

	*mask = 0;
	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		return plat_reject(ctx, node, "rheap,use-cases", 0,
				   "is required on a secure-capable device");
	}
	if (len == 0 || val[len - 1] != '\0') {
		return plat_reject(ctx, node, "rheap,use-cases", len,
				   "is not a string list (length)");
	}
	while (pos < len) {
		const char *s = (const char *)val + pos;
		size_t slen = strlen(s); /* terminated: val[len - 1] is NUL */
		enum rheap_use_case uc = RHEAP_USE_CASE_NONE;

		if (slen == 0) {
			return plat_reject_at(ctx, node, "rheap,use-cases",
					      index, 0, "is an empty string");
		}
		if (rheap_use_case_from_name(s, &uc) != 0) {
			return plat_reject_at(ctx, node, "rheap,use-cases",
					      index, slen,
					      "names an unknown use case (value: length)");
		}
		if ((*mask & RHEAP_USE_CASE_BIT(uc)) != 0) {
			return plat_reject_at(ctx, node, "rheap,use-cases",
					      index, uc, "is listed twice");
		}
		*mask |= RHEAP_USE_CASE_BIT(uc);
		pos += (uint32_t)slen + 1;
		index++;
	}
	return 0;
}

static int plat_device_sid(struct plat_ctx *ctx, int node, const uint8_t *val,
			   uint32_t len, uint32_t *sid)
{
	uint32_t phandle = 0;
	uint32_t cells = 0;
	bool avail = false;
	int iommu = 0;
	int rc = 0;

	if (len != 8) {
		return plat_reject_lim(ctx, node, "iommus", len,
				       "length must be one specifier of", 8);
	}
	phandle = (uint32_t)plat_be_cells(val, 1);
	*sid = (uint32_t)plat_be_cells(val + 4, 1);
	iommu = fdt_node_offset_by_phandle(ctx->fdt, phandle);
	if (iommu == -FDT_ERR_NOTFOUND || iommu == -FDT_ERR_BADPHANDLE) {
		return plat_reject(ctx, node, "iommus", phandle,
				   "phandle does not resolve");
	}
	if (iommu < 0) {
		return plat_fdt_err(ctx, node, iommu);
	}
	rc = plat_prop_u32(ctx, iommu, "#iommu-cells", &cells);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0 || cells != 1) {
		return plat_reject_lim(ctx, node, "iommus", cells,
				       "target's #iommu-cells must be", 1);
	}
	rc = plat_available(ctx, iommu, &avail);
	if (rc < 0) {
		return rc;
	}
	if (!avail) {
		return plat_reject(ctx, node, "iommus", phandle,
				   "references a disabled IOMMU");
	}
	return 0;
}

static int plat_device(struct plat_ctx *ctx, int node, const uint8_t *iommus,
		       uint32_t iommus_len)
{
	struct rheap_platform *out = ctx->out;
	struct rheap_plat_device dev = { 0 };
	bool uses = false;
	int rc = 0;

	/*
	 * Before the phandle lookup (a walk of the whole tree): a DTB with
	 * thousands of masters must not make decoding quadratic.
	 */
	if (out->device_count == RHEAP_PLAT_MAX_DEVICES) {
		return plat_fail(ctx, -ENOSPC, node, NULL, "devices",
				 RHEAP_DIAG_NO_INDEX, out->device_count,
				 "table is full at", true,
				 RHEAP_PLAT_MAX_DEVICES);
	}
	rc = plat_node_name(ctx, node, dev.name);
	if (rc < 0) {
		return rc;
	}
	rc = plat_device_sid(ctx, node, iommus, iommus_len, &dev.stream_id);
	if (rc < 0) {
		return rc;
	}
	rc = plat_prop_bool(ctx, node, "rheap,secure-capable", &dev.secure);
	if (rc < 0) {
		return rc;
	}
	if (dev.secure) {
		rc = plat_device_use_cases(ctx, node, &dev.use_case_mask);
		if (rc < 0) {
			return rc;
		}
	} else {
		const uint8_t *val = NULL;
		uint32_t len = 0;

		rc = plat_prop(ctx, node, "rheap,use-cases", &val, &len);
		if (rc < 0) {
			return rc;
		}
		uses = rc == 1;
		if (uses) {
			return plat_reject(ctx, node, "rheap,use-cases", len,
					   "needs rheap,secure-capable");
		}
	}
	for (uint32_t i = 0; i < out->device_count; i++) {
		if (strcmp(out->devices[i].name, dev.name) == 0) {
			return plat_reject(ctx, node, "name", i,
					   "duplicates the device at index");
		}
		if (out->devices[i].stream_id == dev.stream_id) {
			return plat_reject(ctx, node, "iommus", dev.stream_id,
					   "stream ID is already used");
		}
	}
	out->devices[out->device_count] = dev;
	out->device_count++;
	return 0;
}

static int plat_walk_node(struct plat_ctx *ctx, int node)
{
	const uint8_t *val = NULL;
	uint32_t len = 0;
	bool avail = false;
	bool match = false;
	int rc = plat_available(ctx, node, &avail);

	if (rc < 0 || !avail) {
		return rc;
	}
	rc = plat_compat(ctx, node, "arm,tzc-400", false, &match);
	if (rc == 0 && !match) {
		rc = plat_compat(ctx, node, "rheap,tzasc", false, &match);
	}
	if (rc < 0) {
		return rc;
	}
	if (match) {
		rc = plat_tzasc(ctx, node);
		if (rc < 0) {
			return rc;
		}
	}
	rc = plat_prop(ctx, node, "iommus", &val, &len);
	if (rc <= 0) {
		return rc;
	}
	rc = plat_compat(ctx, node, "rheap,", true, &match);
	if (rc < 0 || !match) {
		return rc; /* not ours: a device only the OS drives */
	}
	return plat_device(ctx, node, val, len);
}

/* One walk over every node: TZASC nodes and DMA masters anywhere. */
static int plat_walk(struct plat_ctx *ctx)
{
	int node = 0;

	for (node = 0; node >= 0; node = fdt_next_node(ctx->fdt, node, NULL)) {
		int rc = plat_walk_node(ctx, node);

		if (rc < 0) {
			return rc;
		}
	}
	if (node != -FDT_ERR_NOTFOUND) {
		return plat_fdt_err(ctx, 0, node);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* FF-A partitions                                                         */

/* Strict 8-4-4-4-12 hex form; bytes in string order (RFC 4122). */
static bool plat_uuid_parse(const char *s, size_t len, uint8_t uuid[16])
{
	size_t n = 0;
	uint8_t any = 0;

	if (len != PLAT_UUID_STR_LEN) {
		return false;
	}
	for (size_t i = 0; i < PLAT_UUID_STR_LEN;) {
		int hi = 0;
		int lo = 0;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-') {
				return false;
			}
			i++;
			continue;
		}
		hi = wire_hex_digit(s[i]);
		lo = wire_hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0 || n >= 16) {
			return false;
		}
		uuid[n] = (uint8_t)(hi << 4 | lo);
		any |= uuid[n];
		n++;
		i += 2;
	}
	return n == 16 && any != 0; /* the nil UUID names nothing */
}

static int plat_partition(struct plat_ctx *ctx, int node)
{
	struct rheap_platform *out = ctx->out;
	struct rheap_plat_partition part = { 0 };
	const char *uuid = NULL;
	uint32_t id = 0;
	int rc = plat_node_name(ctx, node, part.name);

	if (rc < 0) {
		return rc;
	}
	rc = plat_prop_u32(ctx, node, "reg", &id);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		return plat_reject(ctx, node, "reg", 0, "is required");
	}
	if (id > UINT16_MAX || (id & 0x8000u) == 0) {
		return plat_reject(ctx, node, "reg", id,
				   "is not a 16-bit FF-A ID with bit 15 set");
	}
	part.id = (uint16_t)id;
	rc = plat_prop_string(ctx, node, "uuid", &uuid);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		return plat_reject(ctx, node, "uuid", 0, "is required");
	}
	if (!plat_uuid_parse(uuid, strlen(uuid), part.uuid)) {
		return plat_reject(ctx, node, "uuid", strlen(uuid),
				   "is not a non-nil xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx UUID (value: length)");
	}
	for (uint32_t i = 0; i < out->partition_count; i++) {
		const struct rheap_plat_partition *o = &out->partitions[i];

		if (strcmp(o->name, part.name) == 0) {
			return plat_reject(ctx, node, "name", i,
					   "duplicates the partition at index");
		}
		if (o->id == part.id) {
			return plat_reject(ctx, node, "reg", id,
					   "FF-A ID is already used");
		}
		if (memcmp(o->uuid, part.uuid, sizeof(part.uuid)) == 0) {
			return plat_reject(ctx, node, "uuid", i,
					   "duplicates the UUID of the partition at index");
		}
	}
	if (out->partition_count == RHEAP_PLAT_MAX_PARTITIONS) {
		return plat_fail(ctx, -ENOSPC, node, NULL, "partitions",
				 RHEAP_DIAG_NO_INDEX, out->partition_count,
				 "table is full at", true,
				 RHEAP_PLAT_MAX_PARTITIONS);
	}
	out->partitions[out->partition_count] = part;
	out->partition_count++;
	return 0;
}

static int plat_partitions(struct plat_ctx *ctx)
{
	int parent = fdt_path_offset(ctx->fdt, "/firmware/ffa-partitions");
	uint32_t cells = 0;
	bool avail = false;
	int node = 0;
	int rc = 0;

	if (parent == -FDT_ERR_NOTFOUND) {
		return 0;
	}
	if (parent < 0) {
		return plat_fdt_err(ctx, 0, parent);
	}
	rc = plat_available(ctx, parent, &avail);
	if (rc < 0 || !avail) {
		return rc;
	}
	rc = plat_prop_u32(ctx, parent, "#address-cells", &cells);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0 || cells != 1) {
		return plat_reject_lim(ctx, parent, "#address-cells", cells,
				       "must be", 1);
	}
	rc = plat_prop_u32(ctx, parent, "#size-cells", &cells);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0 || cells != 0) {
		return plat_reject_lim(ctx, parent, "#size-cells", cells,
				       "must be", 0);
	}
	fdt_for_each_subnode(node, ctx->fdt, parent) {
		bool match = false;

		rc = plat_available(ctx, node, &avail);
		if (rc < 0) {
			return rc;
		}
		rc = plat_compat(ctx, node, "rheap,ffa-partition", false,
				 &match);
		if (rc < 0) {
			return rc;
		}
		if (!avail || !match) {
			continue;
		}
		rc = plat_partition(ctx, node);
		if (rc < 0) {
			return rc;
		}
	}
	if (node != -FDT_ERR_NOTFOUND) {
		return plat_fdt_err(ctx, parent, node);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Entry points                                                            */

/* Static pools are protected by the TZASC: one is needed, with room. */
static int plat_cross_checks(struct plat_ctx *ctx)
{
	const struct rheap_platform *out = ctx->out;

	if (ctx->static_count == 0) {
		return 0;
	}
	if (ctx->tzasc_node < 0) {
		for (uint32_t i = 0; i < out->pool_count; i++) {
			if (out->pools[i].kind == RHEAP_POOL_STATIC) {
				return plat_reject(ctx, ctx->pool_node[i],
						   "tzasc", 0,
						   "static pool needs an arm,tzc-400 node");
			}
		}
	}
	if (ctx->static_count > out->tzasc.region_count) {
		return plat_reject_lim(ctx, ctx->tzasc_node, "rheap,regions",
				       out->tzasc.region_count,
				       "regions cannot protect the static pools:",
				       ctx->static_count);
	}
	return 0;
}

static int plat_decode(struct plat_ctx *ctx, size_t fdt_size)
{
	int rc = plat_check_blob(ctx, fdt_size);

	if (rc == 0) {
		rc = plat_cells(ctx, 0, "#address-cells", &ctx->root_ac);
	}
	if (rc == 0) {
		rc = plat_cells(ctx, 0, "#size-cells", &ctx->root_sc);
	}
	if (rc == 0) {
		rc = plat_model(ctx);
	}
	if (rc == 0) {
		rc = plat_memory(ctx);
	}
	if (rc == 0) {
		rc = plat_memreserve(ctx);
	}
	if (rc == 0) {
		rc = plat_reserved_memory(ctx);
	}
	if (rc == 0) {
		rc = plat_pool_overlaps(ctx);
	}
	if (rc == 0) {
		rc = plat_place_pools(ctx);
	}
	if (rc == 0) {
		rc = plat_walk(ctx);
	}
	if (rc == 0) {
		rc = plat_partitions(ctx);
	}
	if (rc == 0) {
		rc = plat_cross_checks(ctx);
	}
	return rc;
}

int rheap_platform_decode(const void *fdt, size_t fdt_size,
			  struct rheap_platform *out, struct rheap_diag *diag)
{
	struct plat_ctx ctx = { 0 };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (diag) {
		memset(diag, 0, sizeof(*diag));
		diag->index = RHEAP_DIAG_NO_INDEX;
	}
	ctx.fdt = fdt;
	ctx.out = out;
	ctx.diag = diag;
	ctx.tzasc_node = -1;
	rc = plat_decode(&ctx, fdt_size);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

int rheap_platform_from_tl(const void *tl, size_t tl_size,
			   struct rheap_platform *out, struct rheap_diag *diag)
{
	struct rheap_tl_entry entry = { 0 };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (diag) {
		memset(diag, 0, sizeof(*diag));
		diag->index = RHEAP_DIAG_NO_INDEX;
	}
	rc = rheap_tl_validate(tl, tl_size, NULL, diag);
	if (rc != 0) {
		return rc;
	}
	rc = rheap_tl_find(tl, RHEAP_TL_TAG_FDT, &entry);
	if (rc == -ENOENT) {
		return wire_reject_err(diag, -ENOENT, "tl.tag",
				       RHEAP_DIAG_NO_INDEX, RHEAP_TL_TAG_FDT,
				       "no entry with the FDT tag", false, 0);
	}
	if (rc != 0) {
		return wire_reject_err(diag, rc, "tl", RHEAP_DIAG_NO_INDEX, 0,
				       "is malformed", false, 0);
	}
	/* rheap_tl_validate() bounded every entry by used_size <= tl_size. */
	return rheap_platform_decode((const uint8_t *)tl + entry.data_offset,
				     entry.data_size, out, diag);
}

uint32_t rheap_platform_pools_to_tl(const struct rheap_platform *plat,
				    struct rheap_tl_pool *pools)
{
	uint32_t count = plat->pool_count;

	if (count > RHEAP_PLAT_MAX_POOLS) {
		count = RHEAP_PLAT_MAX_POOLS;
	}
	for (uint32_t i = 0; i < count; i++) {
		const struct rheap_plat_pool *p = &plat->pools[i];

		pools[i].base = p->base;
		pools[i].size = p->size;
		pools[i].use_case = (uint32_t)p->use_case;
		pools[i].flags = p->kind == RHEAP_POOL_DYNAMIC ?
					 RHEAP_TL_POOL_FLAG_DYNAMIC :
					 0;
	}
	return count;
}
