// SPDX-License-Identifier: BSD-2-Clause
/*
 * Renderers of rheapd's and the board's status (contracts in render.h).
 *
 * Reading goes through the rj_* helpers: each checks one member and, on
 * the first mismatch, records "<path>.<key>: <why>" and makes every later
 * read return a neutral value (0, "", no elements), so a renderer runs to
 * its end without branching on every field and reports the first error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rheap/err.h>

#include "render.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

/* Path of one JSON value, for messages ("rheapd.pools[2]"). */
#define RJ_PATH_MAX 96u

/*
 * struct rj - reading state of one render
 * @err:      message buffer
 * @err_size: bytes at @err
 * @rc:       0 until the first mismatch, then -EINVAL
 */
struct rj {
	char *err;
	size_t err_size;
	int rc;
};

static void rj_fail(struct rj *r, const char *path, const char *key,
		    const char *why)
{
	if (r->rc != 0) {
		return;
	}
	r->rc = -EINVAL;
	if (r->err_size > 0) {
		snprintf(r->err, r->err_size, "%s%s%s: %s", path,
			 key && path[0] ? "." : "", key ? key : "", why);
	}
}

static const struct json_value *rj_member(struct rj *r,
					  const struct json_value *obj,
					  const char *path, const char *key,
					  enum json_type type, const char *why)
{
	const struct json_value *v = NULL;

	if (r->rc != 0 || !obj) {
		return NULL;
	}
	v = json_object_get(obj, key);
	if (!v || v->type != type) {
		rj_fail(r, path, key, why);
		return NULL;
	}
	return v;
}

static uint64_t rj_u64(struct rj *r, const struct json_value *obj,
		       const char *path, const char *key)
{
	const struct json_value *v = rj_member(r, obj, path, key, JSON_NUMBER,
					       "missing or not an unsigned integer");
	uint64_t out = 0;

	if (v && json_get_u64(v, &out) != 0) {
		rj_fail(r, path, key, "missing or not an unsigned integer");
		out = 0;
	}
	return out;
}

static const char *rj_str(struct rj *r, const struct json_value *obj,
			  const char *path, const char *key)
{
	const struct json_value *v = rj_member(r, obj, path, key, JSON_STRING,
					       "missing or not a string");
	const char *out = "";

	if (v && json_get_string(v, &out) != 0) {
		rj_fail(r, path, key, "string holds a NUL byte");
		out = "";
	}
	return out;
}

static bool rj_bool(struct rj *r, const struct json_value *obj,
		    const char *path, const char *key)
{
	const struct json_value *v = rj_member(r, obj, path, key, JSON_BOOL,
					       "missing or not a boolean");

	return v ? v->boolean : false;
}

/* An array member, or NULL (after failing) when absent or not an array. */
static const struct json_value *rj_array(struct rj *r,
					 const struct json_value *obj,
					 const char *path, const char *key)
{
	return rj_member(r, obj, path, key, JSON_ARRAY,
			 "missing or not an array");
}

/* An object member. */
static const struct json_value *rj_object(struct rj *r,
					  const struct json_value *obj,
					  const char *path, const char *key)
{
	return rj_member(r, obj, path, key, JSON_OBJECT,
			 "missing or not an object");
}

/*
 * Iteration over an array's elements that must be objects: @path_out gets
 * "<path>.<key>[i]". Returns the element, or NULL at the end or after a
 * failure.
 */
static const struct json_value *rj_elem(struct rj *r,
					const struct json_value *v, size_t i,
					const char *path, const char *key,
					char *path_out)
{
	snprintf(path_out, RJ_PATH_MAX, "%s.%s[%zu]", path, key, i);
	if (r->rc != 0 || !v) {
		return NULL;
	}
	if (v->type != JSON_OBJECT) {
		rj_fail(r, path_out, NULL, "not an object");
		return NULL;
	}
	return v;
}

#define RJ_FOR_EACH(r, arr, v, i)                                              \
	for ((v) = (arr) ? (arr)->child : NULL, (i) = 0; (v) && (r)->rc == 0; \
	     (v) = (v)->next, (i)++)

char *ctl_format_size(char *buf, size_t cap, uint64_t size)
{
	if (size != 0 && size % GIB == 0) {
		snprintf(buf, cap, "%" PRIu64 "G", size / GIB);
	} else if (size != 0 && size % MIB == 0) {
		snprintf(buf, cap, "%" PRIu64 "M", size / MIB);
	} else if (size != 0 && size % KIB == 0) {
		snprintf(buf, cap, "%" PRIu64 "K", size / KIB);
	} else {
		snprintf(buf, cap, "%" PRIu64, size);
	}
	return buf;
}

int ctl_parse_size(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	uint64_t mult = 1;
	const char *p = text;
	const char *suffix = NULL;

	if (!text || *p < '0' || *p > '9') {
		return -EINVAL;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - d) / 10) {
			return -EOVERFLOW;
		}
		v = v * 10 + d;
	}
	suffix = p;
	switch (*p) {
	case 'k':
	case 'K':
		mult = KIB;
		p++;
		break;
	case 'm':
	case 'M':
		mult = MIB;
		p++;
		break;
	case 'g':
	case 'G':
		mult = GIB;
		p++;
		break;
	default:
		break;
	}
	if (p != suffix && strcmp(p, "iB") == 0) {
		p += 2;
	} else if (strcmp(p, "B") == 0) {
		p++;
	}
	if (*p != '\0' || v == 0) {
		return -EINVAL;
	}
	if (v > UINT64_MAX / mult) {
		return -EOVERFLOW;
	}
	*out = v * mult;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Tables                                                                  */

/* Column text of a size. */
#define SZ(buf, v) ctl_format_size((buf), sizeof(buf), (v))

static void render_rheapd_summary(FILE *out, struct rj *r,
				  const struct json_value *rd)
{
	const struct json_value *d = rj_object(r, rd, "rheapd", "rheapd");
	uint64_t pid = rj_u64(r, d, "rheapd.rheapd", "pid");
	uint64_t ver = rj_u64(r, d, "rheapd.rheapd", "uapi_version");
	const char *board = rj_str(r, d, "rheapd.rheapd", "board");
	uint64_t idle = rj_u64(r, d, "rheapd.rheapd", "idle_release_ms");

	fprintf(out, "rheapd  pid %" PRIu64 ", UAPI %" PRIu64
		     ", board %s, idle release %" PRIu64 " ms\n",
		pid, ver, board, idle);
}

static void render_board_summary(FILE *out, struct rj *r,
				 const struct json_value *b)
{
	const char *model = rj_str(r, b, "board", "model");
	bool nw = rj_bool(r, b, "board", "nw_connected");
	bool enforced = rj_bool(r, b, "board", "enforced");
	const struct json_value *spmc = rj_object(r, b, "board", "spmc");
	uint64_t shares = rj_u64(r, spmc, "board.spmc", "live_shares");
	uint64_t pages = rj_u64(r, spmc, "board.spmc", "protected_pages");
	const struct json_value *faults = rj_object(r, b, "board", "faults");
	uint64_t ftotal = rj_u64(r, faults, "board.faults", "total");

	fprintf(out, "board   %s: NW %s, protection %s, %" PRIu64
		     " live shares, %" PRIu64 " protected pages, %" PRIu64
		     " faults\n",
		model, nw ? "connected" : "not connected",
		enforced ? "enforced" : "not enforced in hardware", shares,
		pages, ftotal);
}

static void render_heaps(FILE *out, struct rj *r, const struct json_value *rd)
{
	const struct json_value *heaps = rj_array(r, rd, "rheapd", "heaps");
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	size_t i = 0;

	fprintf(out, "\nHEAPS\n  %3s  %-32s %-10s %9s %9s %8s %8s\n", "ID",
		"NAME", "RESTRICTED", "CAPACITY", "USED", "BUFFERS", "FAILURES");
	RJ_FOR_EACH(r, heaps, v, i) {
		const struct json_value *h = rj_elem(r, v, i, "rheapd", "heaps", path);
		uint64_t id = rj_u64(r, h, path, "id");
		const char *name = rj_str(r, h, path, "name");
		bool restricted = rj_bool(r, h, path, "restricted");
		uint64_t cap = rj_u64(r, h, path, "capacity");
		uint64_t used = rj_u64(r, h, path, "used");
		uint64_t bufs = rj_u64(r, h, path, "buffers");
		uint64_t fails = rj_u64(r, h, path, "alloc_failures");
		char c[24] = "";
		char u[24] = "";

		fprintf(out, "  %3" PRIu64 "  %-32s %-10s %9s %9s %8" PRIu64
			     " %8" PRIu64 "\n",
			id, name, restricted ? "yes" : "no",
			cap ? SZ(c, cap) : "-", SZ(u, used), bufs, fails);
	}
	if (heaps && heaps->count == 0) {
		fputs("  (none)\n", out);
	}
}

static void render_pools(FILE *out, struct rj *r, const struct json_value *rd)
{
	const struct json_value *pools = rj_array(r, rd, "rheapd", "pools");
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	char cpath[RJ_PATH_MAX] = "";
	size_t i = 0;

	fprintf(out, "\nPOOLS\n  %-32s %-7s %-18s %6s %6s %6s %7s %6s %4s %4s %7s\n",
		"HEAP", "KIND", "BASE", "SIZE", "USED", "FREE", "LARGEST",
		"CHUNK", "LENT", "IDLE", "REGIONS");
	RJ_FOR_EACH(r, pools, v, i) {
		const struct json_value *p = rj_elem(r, v, i, "rheapd", "pools", path);
		const char *heap = rj_str(r, p, path, "heap");
		const char *kind = rj_str(r, p, path, "kind");
		uint64_t base = rj_u64(r, p, path, "base");
		uint64_t size = rj_u64(r, p, path, "size");
		uint64_t used = rj_u64(r, p, path, "used");
		uint64_t avail = rj_u64(r, p, path, "free");
		uint64_t largest = rj_u64(r, p, path, "largest_free");
		uint64_t chunk = rj_u64(r, p, path, "chunk_size");
		uint64_t regions = rj_u64(r, p, path, "regions_needed");
		const struct json_value *chunks = rj_array(r, p, path, "chunks");
		const struct json_value *cv = NULL;
		uint64_t lent = 0;
		uint64_t idle = 0;
		size_t j = 0;
		char s[24] = "";
		char u[24] = "";
		char f[24] = "";
		char l[24] = "";
		char c[24] = "";

		RJ_FOR_EACH(r, chunks, cv, j) {
			const struct json_value *ch =
				rj_elem(r, cv, j, path, "chunks", cpath);
			const char *state = rj_str(r, ch, cpath, "state");

			if (strcmp(state, "lent") == 0) {
				lent++;
			} else if (strcmp(state, "idle") == 0) {
				idle++;
			} else {
				rj_fail(r, cpath, "state", "not \"lent\" or \"idle\"");
			}
		}
		fprintf(out, "  %-32s %-7s 0x%016" PRIx64 " %6s %6s %6s %7s %6s %4"
			     PRIu64 " %4" PRIu64 " %7" PRIu64 "\n",
			heap, kind, base, SZ(s, size), SZ(u, used), SZ(f, avail),
			SZ(l, largest), chunk ? SZ(c, chunk) : "-", lent, idle,
			regions);
	}
	if (pools && pools->count == 0) {
		fputs("  (none)\n", out);
	}
}

static void render_tzasc(FILE *out, struct rj *r, const struct json_value *b)
{
	const struct json_value *tz = rj_object(r, b, "board", "tzasc");
	uint64_t total = rj_u64(r, tz, "board.tzasc", "regions");
	uint64_t used = rj_u64(r, tz, "board.tzasc", "used");
	const struct json_value *sec = rj_array(r, tz, "board.tzasc", "secure");
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	size_t i = 0;

	fprintf(out, "\nTZASC   %" PRIu64 " of %" PRIu64 " regions in use\n", used,
		total);
	RJ_FOR_EACH(r, sec, v, i) {
		const struct json_value *e = rj_elem(r, v, i, "board.tzasc", "secure",
						     path);
		uint64_t slot = rj_u64(r, e, path, "slot");
		uint64_t base = rj_u64(r, e, path, "base");
		uint64_t size = rj_u64(r, e, path, "size");
		char s[24] = "";

		if (size == 0 || base + (size - 1) < base) {
			rj_fail(r, path, "size", "zero or past the end of the address space");
		}
		fprintf(out, "  slot %2" PRIu64 "  0x%016" PRIx64 "-0x%016" PRIx64
			     "  %s secure\n",
			slot, base, base + (size - 1), SZ(s, size));
	}
}

static void render_clients(FILE *out, struct rj *r, const struct json_value *rd)
{
	const struct json_value *cl = rj_array(r, rd, "rheapd", "clients");
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	size_t i = 0;

	fprintf(out, "\nCLIENTS\n  %4s %8s %6s %6s %7s %7s %7s %6s %4s %4s\n", "ID",
		"PID", "UID", "GID", "BUFFERS", "BYTES", "QUOTA", "ATTACH", "TEE",
		"REGS");
	RJ_FOR_EACH(r, cl, v, i) {
		const struct json_value *c = rj_elem(r, v, i, "rheapd", "clients", path);
		uint64_t id = rj_u64(r, c, path, "id");
		uint64_t pid = rj_u64(r, c, path, "pid");
		uint64_t uid = rj_u64(r, c, path, "uid");
		uint64_t gid = rj_u64(r, c, path, "gid");
		uint64_t bufs = rj_u64(r, c, path, "buffers");
		uint64_t bytes = rj_u64(r, c, path, "bytes");
		uint64_t quota = rj_u64(r, c, path, "quota");
		uint64_t att = rj_u64(r, c, path, "attachments");
		uint64_t tee = rj_u64(r, c, path, "tee_sessions");
		uint64_t regs = rj_u64(r, c, path, "registrations");
		char b[24] = "";
		char q[24] = "";

		fprintf(out, "  %4" PRIu64 " %8" PRIu64 " %6" PRIu64 " %6" PRIu64
			     " %7" PRIu64 " %7s %7s %6" PRIu64 " %4" PRIu64
			     " %4" PRIu64 "\n",
			id, pid, uid, gid, bufs, SZ(b, bytes),
			quota ? SZ(q, quota) : "-", att, tee, regs);
	}
	if (cl && cl->count == 0) {
		fputs("  (none)\n", out);
	}
}

static void render_buffers(FILE *out, struct rj *r, const struct json_value *rd)
{
	const struct json_value *bl = rj_array(r, rd, "rheapd", "buffers");
	bool truncated = rj_bool(r, rd, "rheapd", "buffers_truncated");
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	char epath[RJ_PATH_MAX] = "";
	size_t i = 0;

	fprintf(out, "\nBUFFERS\n  %6s %-32s %7s %6s %6s %4s  %s\n", "ID", "HEAP",
		"SIZE", "CLIENT", "ATTACH", "REGS", "EXTENTS");
	RJ_FOR_EACH(r, bl, v, i) {
		const struct json_value *b = rj_elem(r, v, i, "rheapd", "buffers", path);
		uint64_t id = rj_u64(r, b, path, "id");
		const char *heap = rj_str(r, b, path, "heap");
		uint64_t size = rj_u64(r, b, path, "size");
		uint64_t client = rj_u64(r, b, path, "client");
		uint64_t att = rj_u64(r, b, path, "attachments");
		uint64_t regs = rj_u64(r, b, path, "registrations");
		const struct json_value *ext = rj_array(r, b, path, "extents");
		const struct json_value *ev = NULL;
		uint64_t first = 0;
		size_t j = 0;
		char s[24] = "";
		char c[24] = "";

		RJ_FOR_EACH(r, ext, ev, j) {
			const struct json_value *e =
				rj_elem(r, ev, j, path, "extents", epath);
			uint64_t pa = rj_u64(r, e, epath, "pa");

			(void)rj_u64(r, e, epath, "size");
			if (j == 0) {
				first = pa;
			}
		}
		snprintf(c, sizeof(c), "%" PRIu64, client);
		fprintf(out, "  %6" PRIu64 " %-32s %7s %6s %6" PRIu64 " %4" PRIu64 "  ",
			id, heap, SZ(s, size), client ? c : "-", att, regs);
		if (ext && ext->count > 0) {
			fprintf(out, "%zu at 0x%" PRIx64 "\n", ext->count, first);
		} else {
			fputs("-\n", out);
		}
	}
	if (bl && bl->count == 0) {
		fputs("  (none)\n", out);
	}
	if (truncated) {
		fputs("  (list truncated by rheapd)\n", out);
	}
}

static void render_counters(FILE *out, struct rj *r, const struct json_value *rd)
{
	const struct json_value *c = rj_object(r, rd, "rheapd", "counters");
	const char *p = "rheapd.counters";
	uint64_t allocs = rj_u64(r, c, p, "allocs");
	uint64_t frees = rj_u64(r, c, p, "frees");
	uint64_t fails = rj_u64(r, c, p, "alloc_failures");
	uint64_t lends = rj_u64(r, c, p, "lends");
	uint64_t reclaims = rj_u64(r, c, p, "reclaims");
	uint64_t scrubbed = rj_u64(r, c, p, "scrubbed_bytes");
	uint64_t quarantined = rj_u64(r, c, p, "quarantined_bytes");
	char s[24] = "";
	char q[24] = "";

	fprintf(out, "\nCOUNTERS  allocs %" PRIu64 ", frees %" PRIu64
		     ", alloc failures %" PRIu64 ", lends %" PRIu64
		     ", reclaims %" PRIu64 ", scrubbed %s, quarantined %s\n",
		allocs, frees, fails, lends, reclaims, SZ(s, scrubbed),
		SZ(q, quarantined));
}

int ctl_render_status(FILE *out, const struct json_value *rheapd,
		      const struct json_value *board, char *err,
		      size_t err_size)
{
	struct rj r = { .err = err, .err_size = err_size };

	if (!rheapd && !board) {
		rj_fail(&r, "status", NULL, "neither rheapd nor the board answered");
		return r.rc;
	}
	if (rheapd && rheapd->type != JSON_OBJECT) {
		rj_fail(&r, "rheapd", NULL, "not an object");
	}
	if (board && board->type != JSON_OBJECT) {
		rj_fail(&r, "board", NULL, "not an object");
	}
	if (rheapd) {
		render_rheapd_summary(out, &r, rheapd);
	} else {
		fputs("rheapd  not reachable\n", out);
	}
	if (board) {
		render_board_summary(out, &r, board);
	} else {
		fputs("board   not reachable\n", out);
	}
	if (rheapd) {
		render_heaps(out, &r, rheapd);
		render_pools(out, &r, rheapd);
	}
	if (board) {
		render_tzasc(out, &r, board);
	}
	if (rheapd) {
		render_clients(out, &r, rheapd);
		render_buffers(out, &r, rheapd);
		render_counters(out, &r, rheapd);
	}
	return r.rc;
}

int ctl_render_faults(FILE *out, const struct json_value *faults, char *err,
		      size_t err_size)
{
	struct rj r = { .err = err, .err_size = err_size };
	const struct json_value *list = NULL;
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	size_t i = 0;
	uint64_t total = 0;
	uint64_t held = 0;
	uint64_t dropped = 0;

	if (!faults || faults->type != JSON_OBJECT) {
		rj_fail(&r, "faults", NULL, "not an object");
		return r.rc;
	}
	total = rj_u64(&r, faults, "faults", "total");
	held = rj_u64(&r, faults, "faults", "held");
	dropped = rj_u64(&r, faults, "faults", "dropped");
	list = rj_array(&r, faults, "faults", "faults");
	fprintf(out, "faults: %" PRIu64 " recorded since boot, %" PRIu64
		     " held, %" PRIu64 " dropped (log full)\n",
		total, held, dropped);
	if (list && list->count == 0) {
		fputs("no faults recorded\n", out);
		return r.rc;
	}
	fprintf(out, "  %6s  %-18s %-6s %-10s %6s %-6s %-5s  %-18s  %s\n", "SEQ",
		"REASON", "MASTER", "DEVICE", "STREAM", "WORLD", "ACCESS",
		"ADDRESS", "PA");
	RJ_FOR_EACH(&r, list, v, i) {
		const struct json_value *f = rj_elem(&r, v, i, "faults", "faults", path);
		uint64_t seq = rj_u64(&r, f, path, "seq");
		const char *reason = rj_str(&r, f, path, "reason");
		const char *master = rj_str(&r, f, path, "master");
		const char *device = rj_str(&r, f, path, "device");
		uint64_t stream = rj_u64(&r, f, path, "stream_id");
		bool secure = rj_bool(&r, f, path, "secure");
		const char *access = rj_str(&r, f, path, "access");
		uint64_t addr = rj_u64(&r, f, path, "address");
		uint64_t pa = rj_u64(&r, f, path, "pa");
		bool pa_valid = rj_bool(&r, f, path, "pa_valid");
		char st[24] = "";
		char pas[24] = "";

		snprintf(st, sizeof(st), "0x%" PRIx64, stream);
		snprintf(pas, sizeof(pas), "0x%016" PRIx64, pa);
		fprintf(out, "  %6" PRIu64 "  %-18s %-6s %-10s %6s %-6s %-6s 0x%016"
			     PRIx64 "  %s\n",
			seq, reason, master, device[0] ? device : "-",
			strcmp(master, "cpu") == 0 ? "-" : st,
			secure ? "secure" : "ns", access, addr,
			pa_valid ? pas : "-");
	}
	return r.rc;
}

/* ---------------------------------------------------------------------- */
/* SVG map                                                                 */

#define MAP_WIDTH 1100
#define MAP_LEFT 200.0
#define MAP_BAR_W 860.0
#define MAP_BAR_H 22.0
#define MAP_LANE_H 10.0
#define MAP_ROW_STEP 62.0
#define MAP_MAX_ROWS 64u

#define COL_NS "#a5d6a7"        /* NW (non-secure) memory */
#define COL_SECURE "#c62828"    /* secure: static pool, lent chunk */
#define COL_IDLE "#ef9a9a"      /* secure, lent but idle */
#define COL_DYNAMIC "#e8f5e9"   /* dynamic pool space not lent (NS) */
#define COL_BUFFER "#1565c0"    /* a buffer's extent */
#define COL_TZASC "#ff8f00"     /* TZASC region outline */

/*
 * struct map_span - an address window drawn across one row
 * @base, @size: the window
 */
struct map_span {
	uint64_t base;
	uint64_t size;
};

static void svg_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			fputc(*s, out);
			break;
		}
	}
}

/* x of @pa in a row showing @w (clamped to the row). */
static double map_x(const struct map_span *w, uint64_t pa)
{
	if (pa <= w->base) {
		return MAP_LEFT;
	}
	if (pa - w->base >= w->size) {
		return MAP_LEFT + MAP_BAR_W;
	}
	return MAP_LEFT + (double)(pa - w->base) * MAP_BAR_W / (double)w->size;
}

/* Draws [base, base+size) clipped to @w; nothing if they do not meet. */
static void map_rect(FILE *out, const struct map_span *w, uint64_t base,
		     uint64_t size, double y, double h, const char *cls,
		     const char *style, const char *title)
{
	uint64_t end = base + size;
	uint64_t wend = w->base + w->size;
	double x0 = 0;
	double x1 = 0;

	if (size == 0 || end <= w->base || base >= wend) {
		return;
	}
	x0 = map_x(w, base);
	x1 = map_x(w, end < wend ? end : wend);
	if (x1 - x0 < 1.0) {
		x1 = x0 + 1.0;
	}
	fprintf(out, "  <rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		     "height=\"%.1f\" %s><title>",
		cls, x0, y, x1 - x0, h, style);
	svg_text(out, title);
	fputs("</title></rect>\n", out);
}

static void map_label(FILE *out, double x, double y, const char *anchor,
		      const char *cls, const char *text)
{
	fprintf(out, "  <text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
		cls, x, y, anchor);
	svg_text(out, text);
	fputs("</text>\n", out);
}

/* The row's name and its first and last addresses. */
static void map_row_labels(FILE *out, const struct map_span *w, double y,
			   const char *name, const char *sub)
{
	char a[40] = "";

	map_label(out, 8, y + 11, "start", "row-name", name);
	map_label(out, 8, y + 24, "start", "row-sub", sub);
	snprintf(a, sizeof(a), "0x%" PRIx64, w->base);
	map_label(out, MAP_LEFT, y + MAP_BAR_H + MAP_LANE_H + 14, "start", "addr", a);
	snprintf(a, sizeof(a), "0x%" PRIx64, w->base + w->size);
	map_label(out, MAP_LEFT + MAP_BAR_W, y + MAP_BAR_H + MAP_LANE_H + 14, "end",
		  "addr", a);
}

/* TZASC regions of the board that meet @w, as outlines. */
static void map_tzasc(FILE *out, struct rj *r, const struct json_value *board,
		      const struct map_span *w, double y)
{
	const struct json_value *tz = NULL;
	const struct json_value *sec = NULL;
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	size_t i = 0;

	if (!board) {
		return;
	}
	tz = rj_object(r, board, "board", "tzasc");
	sec = rj_array(r, tz, "board.tzasc", "secure");
	RJ_FOR_EACH(r, sec, v, i) {
		const struct json_value *e = rj_elem(r, v, i, "board.tzasc", "secure",
						     path);
		uint64_t slot = rj_u64(r, e, path, "slot");
		uint64_t base = rj_u64(r, e, path, "base");
		uint64_t size = rj_u64(r, e, path, "size");
		char title[96] = "";
		char s[24] = "";

		if (base + size < base) {
			rj_fail(r, path, "size", "past the end of the address space");
			return;
		}
		snprintf(title, sizeof(title), "TZASC region %" PRIu64 ": 0x%" PRIx64
			 " +%s secure", slot, base, SZ(s, size));
		map_rect(out, w, base, size, y - 3, MAP_BAR_H + 6, "tzasc",
			 "fill=\"none\" stroke=\"" COL_TZASC "\" stroke-width=\"2\"",
			 title);
	}
}

/*
 * The pools to draw: rheapd's when it answered (they carry chunks), else
 * the board's layout. *@from_rheapd says which.
 */
static const struct json_value *map_pools(struct rj *r,
					  const struct json_value *rheapd,
					  const struct json_value *board,
					  bool *from_rheapd)
{
	*from_rheapd = rheapd != NULL;
	if (rheapd) {
		return rj_array(r, rheapd, "rheapd", "pools");
	}
	return rj_array(r, board, "board", "pools");
}

/* The chunks of one pool (rheapd's pools only), drawn over @w. */
static void map_chunks(FILE *out, struct rj *r, const struct json_value *p,
		       const char *path, const struct map_span *w, double y,
		       double h)
{
	const struct json_value *chunks = rj_array(r, p, path, "chunks");
	const struct json_value *cv = NULL;
	char cpath[RJ_PATH_MAX] = "";
	size_t j = 0;

	RJ_FOR_EACH(r, chunks, cv, j) {
		const struct json_value *c = rj_elem(r, cv, j, path, "chunks", cpath);
		uint64_t base = rj_u64(r, c, cpath, "base");
		uint64_t size = rj_u64(r, c, cpath, "size");
		const char *state = rj_str(r, c, cpath, "state");
		uint64_t used = rj_u64(r, c, cpath, "used");
		uint64_t handle = rj_u64(r, c, cpath, "handle");
		uint64_t idle_ms = rj_u64(r, c, cpath, "idle_ms");
		bool lent = strcmp(state, "lent") == 0;
		char title[160] = "";
		char s[24] = "";
		char u[24] = "";

		if (!lent && strcmp(state, "idle") != 0) {
			rj_fail(r, cpath, "state", "not \"lent\" or \"idle\"");
			return;
		}
		if (base + size < base) {
			rj_fail(r, cpath, "size", "past the end of the address space");
			return;
		}
		snprintf(title, sizeof(title), "chunk 0x%" PRIx64 " +%s %s (secure), used %s, "
			 "FF-A handle 0x%" PRIx64 ", idle %" PRIu64 " ms",
			 base, SZ(s, size), state, SZ(u, used), handle, idle_ms);
		map_rect(out, w, base, size, y, h, lent ? "chunk lent" : "chunk idle",
			 lent ? "fill=\"" COL_SECURE "\" stroke=\"#7f0000\" stroke-width=\"0.5\"" :
				"fill=\"" COL_IDLE "\" stroke=\"#7f0000\" stroke-width=\"0.5\"",
			 title);
	}
}

/* One pool drawn over @w: its space, and (rheapd) its chunks. */
static void map_pool(FILE *out, struct rj *r, const struct json_value *p,
		     const char *path, bool from_rheapd,
		     const struct map_span *w, double y, double h)
{
	const char *name = rj_str(r, p, path, from_rheapd ? "heap" : "name");
	const char *kind = rj_str(r, p, path, "kind");
	uint64_t base = rj_u64(r, p, path, "base");
	uint64_t size = rj_u64(r, p, path, "size");
	bool is_static = strcmp(kind, "static") == 0;
	char title[160] = "";
	char s[24] = "";

	if (!is_static && strcmp(kind, "dynamic") != 0) {
		rj_fail(r, path, "kind", "not \"static\" or \"dynamic\"");
		return;
	}
	if (base + size < base) {
		rj_fail(r, path, "size", "past the end of the address space");
		return;
	}
	snprintf(title, sizeof(title), "%s pool %s: 0x%" PRIx64 " +%s, %s", kind,
		 name, base, SZ(s, size),
		 is_static ? "secure (carve-out)" : "NS until a chunk is lent");
	map_rect(out, w, base, size, y, h, is_static ? "pool static" : "pool dynamic",
		 is_static ? "fill=\"" COL_SECURE "\"" :
			     "fill=\"" COL_DYNAMIC "\" stroke=\"#2e7d32\" stroke-dasharray=\"3,2\"",
		 title);
	if (from_rheapd && !is_static) {
		map_chunks(out, r, p, path, w, y, h);
	}
}

/* Buffer extents that meet @w, in the lane under the bar. */
static void map_buffers(FILE *out, struct rj *r, const struct json_value *rheapd,
			const struct map_span *w, double y)
{
	const struct json_value *bl = NULL;
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	char epath[RJ_PATH_MAX] = "";
	size_t i = 0;

	if (!rheapd) {
		return;
	}
	bl = rj_array(r, rheapd, "rheapd", "buffers");
	RJ_FOR_EACH(r, bl, v, i) {
		const struct json_value *b = rj_elem(r, v, i, "rheapd", "buffers", path);
		uint64_t id = rj_u64(r, b, path, "id");
		const char *heap = rj_str(r, b, path, "heap");
		uint64_t bsize = rj_u64(r, b, path, "size");
		uint64_t client = rj_u64(r, b, path, "client");
		const struct json_value *ext = rj_array(r, b, path, "extents");
		const struct json_value *ev = NULL;
		size_t j = 0;

		RJ_FOR_EACH(r, ext, ev, j) {
			const struct json_value *e =
				rj_elem(r, ev, j, path, "extents", epath);
			uint64_t pa = rj_u64(r, e, epath, "pa");
			uint64_t size = rj_u64(r, e, epath, "size");
			char title[160] = "";
			char s[24] = "";
			char es[24] = "";

			if (pa + size < pa) {
				rj_fail(r, epath, "size", "past the end of the address space");
				return;
			}
			snprintf(title, sizeof(title), "buffer %" PRIu64 " (%s, %s, client %"
				 PRIu64 "): extent 0x%" PRIx64 " +%s",
				 id, heap, SZ(s, bsize), client, pa, SZ(es, size));
			map_rect(out, w, pa, size, y + MAP_BAR_H + 1, MAP_LANE_H - 2,
				 "buffer", "fill=\"" COL_BUFFER "\"", title);
		}
	}
}

static void map_legend(FILE *out, double y)
{
	static const struct {
		const char *cls;
		const char *style;
		const char *text;
	} items[] = {
		{ "legend-ns", "fill=\"" COL_NS "\"", "NW DRAM (non-secure)" },
		{ "legend-static", "fill=\"" COL_SECURE "\"", "static pool / lent chunk (secure)" },
		{ "legend-idle", "fill=\"" COL_IDLE "\"", "lent chunk, idle (secure)" },
		{ "legend-dynamic",
		  "fill=\"" COL_DYNAMIC "\" stroke=\"#2e7d32\" stroke-dasharray=\"3,2\"",
		  "dynamic pool, not lent (NS)" },
		{ "legend-buffer", "fill=\"" COL_BUFFER "\"", "buffer extent" },
		{ "legend-tzasc", "fill=\"none\" stroke=\"" COL_TZASC "\" stroke-width=\"2\"",
		  "TZASC region" },
	};
	double x = 8;

	map_label(out, 8, y, "start", "section", "Legend");
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if (i == 3) {
			x = 8;
			y += 20;
		}
		fprintf(out, "  <rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"14\" "
			     "height=\"12\" %s/>\n",
			items[i].cls, x, y + 8, items[i].style);
		map_label(out, x + 20, y + 18, "start", "legend", items[i].text);
		x += 300;
	}
}

/* The overview windows: the board's DRAM ranges, else the pools' span. */
static uint32_t map_windows(struct rj *r, const struct json_value *board,
			    const struct json_value *pools, bool from_rheapd,
			    struct map_span *win)
{
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	uint32_t n = 0;
	size_t i = 0;

	if (board) {
		const struct json_value *dram = rj_array(r, board, "board", "dram");

		RJ_FOR_EACH(r, dram, v, i) {
			const struct json_value *d = rj_elem(r, v, i, "board", "dram", path);
			uint64_t base = rj_u64(r, d, path, "base");
			uint64_t size = rj_u64(r, d, path, "size");

			if (size == 0 || base + size < base) {
				rj_fail(r, path, "size", "zero or past the end of the address space");
			} else if (n < MAP_MAX_ROWS) {
				win[n++] = (struct map_span){ base, size };
			}
		}
		return n;
	}
	RJ_FOR_EACH(r, pools, v, i) {
		const struct json_value *p = rj_elem(r, v, i,
						     from_rheapd ? "rheapd" : "board",
						     "pools", path);
		uint64_t base = rj_u64(r, p, path, "base");
		uint64_t size = rj_u64(r, p, path, "size");

		if (size == 0 || base + size < base) {
			rj_fail(r, path, "size", "zero or past the end of the address space");
			continue;
		}
		if (n == 0) {
			win[0] = (struct map_span){ base, size };
			n = 1;
		} else {
			uint64_t lo = base < win[0].base ? base : win[0].base;
			uint64_t hi = base + size > win[0].base + win[0].size ?
					      base + size : win[0].base + win[0].size;

			win[0] = (struct map_span){ lo, hi - lo };
		}
	}
	return n;
}

int ctl_render_map_svg(FILE *out, const struct json_value *rheapd,
		       const struct json_value *board, char *err,
		       size_t err_size)
{
	struct rj r = { .err = err, .err_size = err_size };
	struct map_span win[MAP_MAX_ROWS] = { { 0 } };
	const struct json_value *pools = NULL;
	const struct json_value *v = NULL;
	char path[RJ_PATH_MAX] = "";
	bool from_rheapd = false;
	uint32_t n_win = 0;
	size_t n_pools = 0;
	size_t i = 0;
	double y = 0;
	double height = 0;

	if (!rheapd && !board) {
		rj_fail(&r, "map", NULL, "neither rheapd nor the board answered");
		return r.rc;
	}
	if ((rheapd && rheapd->type != JSON_OBJECT) ||
	    (board && board->type != JSON_OBJECT)) {
		rj_fail(&r, rheapd && rheapd->type != JSON_OBJECT ? "rheapd" : "board",
			NULL, "not an object");
		return r.rc;
	}
	pools = map_pools(&r, rheapd, board, &from_rheapd);
	n_win = map_windows(&r, board, pools, from_rheapd, win);
	n_pools = pools ? pools->count : 0;
	if (r.rc != 0) {
		return r.rc;
	}
	if (n_win == 0 && n_pools == 0) {
		rj_fail(&r, "map", NULL, "no DRAM range and no pool to draw");
		return r.rc;
	}
	height = 60 + n_win * MAP_ROW_STEP + 40 + (double)n_pools * MAP_ROW_STEP + 80;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		     "height=\"%.0f\" viewBox=\"0 0 %d %.0f\" font-family=\"monospace\" "
		     "font-size=\"11\">\n"
		     "  <rect class=\"background\" x=\"0\" y=\"0\" width=\"%d\" "
		     "height=\"%.0f\" fill=\"white\"/>\n",
		MAP_WIDTH, height, MAP_WIDTH, height, MAP_WIDTH, height);
	map_label(out, 8, 22, "start", "title", "rheap DRAM map");
	y = 50;
	map_label(out, 8, y, "start", "section", "DRAM (linear scale per range)");
	y += 14;
	for (uint32_t w = 0; w < n_win && r.rc == 0; w++) {
		char name[32] = "";
		char sub[32] = "";
		char title[96] = "";
		char s[24] = "";

		snprintf(name, sizeof(name), board ? "DRAM %u" : "pools span", w);
		snprintf(sub, sizeof(sub), "%s", SZ(s, win[w].size));
		snprintf(title, sizeof(title), "DRAM 0x%" PRIx64 " +%s (NW unless a pool or region says otherwise)",
			 win[w].base, s);
		map_row_labels(out, &win[w], y, name, sub);
		map_rect(out, &win[w], win[w].base, win[w].size, y, MAP_BAR_H,
			 board ? "dram" : "span", "fill=\"" COL_NS "\"", title);
		RJ_FOR_EACH(&r, pools, v, i) {
			const struct json_value *p =
				rj_elem(&r, v, i, from_rheapd ? "rheapd" : "board",
					"pools", path);

			map_pool(out, &r, p, path, from_rheapd, &win[w], y, MAP_BAR_H);
		}
		map_buffers(out, &r, rheapd, &win[w], y);
		map_tzasc(out, &r, board, &win[w], y);
		y += MAP_ROW_STEP;
	}
	map_label(out, 8, y + 10, "start", "section", "Pools (linear scale per pool)");
	y += 24;
	RJ_FOR_EACH(&r, pools, v, i) {
		const struct json_value *p = rj_elem(&r, v, i,
						     from_rheapd ? "rheapd" : "board",
						     "pools", path);
		struct map_span pw = { rj_u64(&r, p, path, "base"),
				       rj_u64(&r, p, path, "size") };
		const char *name = rj_str(&r, p, path, from_rheapd ? "heap" : "name");
		const char *kind = rj_str(&r, p, path, "kind");
		char sub[48] = "";
		char s[24] = "";

		if (r.rc != 0 || pw.size == 0) {
			rj_fail(&r, path, "size", "zero");
			break;
		}
		snprintf(sub, sizeof(sub), "%s, %s", kind, SZ(s, pw.size));
		map_row_labels(out, &pw, y, name, sub);
		map_pool(out, &r, p, path, from_rheapd, &pw, y, MAP_BAR_H);
		map_buffers(out, &r, rheapd, &pw, y);
		map_tzasc(out, &r, board, &pw, y);
		y += MAP_ROW_STEP;
	}
	map_legend(out, y + 10);
	fputs("</svg>\n", out);
	return r.rc;
}
