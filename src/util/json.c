// SPDX-License-Identifier: BSD-2-Clause
/*
 * Strict RFC 8259 reader and pretty-printing writer. The policy (what is
 * rejected and why) is written once, in json.h.
 *
 * The reader is a recursive-descent parser over an explicit byte range. Its
 * recursion depth is bounded by JSON_MAX_DEPTH, every node and string is
 * carved from a chunked arena, and only the per-object duplicate-key check
 * uses a temporary heap array (sorted, so a hostile object with many keys
 * costs O(n log n), not O(n^2)).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

/* ---------------------------------------------------------------------- */
/* Arena                                                                   */

#define JSON_CHUNK_MIN ((size_t)16 << 10)

struct json_chunk {
	struct json_chunk *next;
	size_t used;
	size_t cap;
	max_align_t data[];
};

struct json_doc {
	struct json_chunk *chunks;
	struct json_value *root;
};

static void *json_arena_alloc(struct json_doc *doc, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct json_chunk *c = doc->chunks;
	size_t need = 0;
	size_t cap = 0;
	void *p = NULL;

	/* Sizes here are bounded by JSON_MAX_SIZE, so this cannot wrap. */
	need = (size + align - 1) & ~(align - 1);
	if (!c || c->cap - c->used < need) {
		cap = need > JSON_CHUNK_MIN ? need : JSON_CHUNK_MIN;
		c = malloc(sizeof(*c) + cap);
		if (!c) {
			return NULL;
		}
		c->next = doc->chunks;
		c->used = 0;
		c->cap = cap;
		doc->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += need;
	return p;
}

void json_free(struct json_doc *doc)
{
	struct json_chunk *c = NULL;

	if (!doc) {
		return;
	}
	c = doc->chunks;
	while (c) {
		struct json_chunk *next = c->next;

		free(c);
		c = next;
	}
	free(doc);
}

const struct json_value *json_root(const struct json_doc *doc)
{
	return doc ? doc->root : NULL;
}

/* ---------------------------------------------------------------------- */
/* Parser                                                                  */

struct json_parser {
	const char *start;
	const char *p;
	const char *end;
	/* Newlines only occur in whitespace, so line tracking lives there. */
	uint32_t line;
	const char *line_start;
	struct json_doc *doc;
	struct json_error *err;
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int json_fail_at(struct json_parser *ps, const char *at,
			const char *fmt, ...)
{
	va_list ap;

	if (ps->err) {
		ps->err->offset = (size_t)(at - ps->start);
		ps->err->line = ps->line;
		ps->err->column = (uint32_t)(at - ps->line_start) + 1;
		va_start(ap, fmt);
		vsnprintf(ps->err->message, sizeof(ps->err->message), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int json_nomem(struct json_parser *ps)
{
	if (ps->err) {
		ps->err->offset = (size_t)(ps->p - ps->start);
		ps->err->line = 0;
		ps->err->column = 0;
		snprintf(ps->err->message, sizeof(ps->err->message),
			 "out of memory");
	}
	return -ENOMEM;
}

static void json_skip_ws(struct json_parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		ps->p++;
	}
}

/* Printable description of the byte at @p for messages. */
static void json_describe(const struct json_parser *ps, const char *p,
			  char *buf, size_t size)
{
	unsigned char c = 0;

	if (p >= ps->end) {
		snprintf(buf, size, "end of input");
		return;
	}
	c = (unsigned char)*p;
	if (c >= 0x21 && c < 0x7F) {
		snprintf(buf, size, "'%c'", c);
	} else {
		snprintf(buf, size, "byte 0x%02x", c);
	}
}

static struct json_value *json_node(struct json_parser *ps, enum json_type t,
				    const char *at)
{
	struct json_value *v = json_arena_alloc(ps->doc, sizeof(*v));

	if (!v) {
		return NULL;
	}
	memset(v, 0, sizeof(*v));
	v->type = t;
	v->line = ps->line;
	v->column = (uint32_t)(at - ps->line_start) + 1;
	v->offset = (size_t)(at - ps->start);
	return v;
}

static int json_hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9') {
			v |= (uint32_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			v |= (uint32_t)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			v |= (uint32_t)(c - 'A' + 10);
		} else {
			return -EINVAL;
		}
	}
	*out = v;
	return 0;
}

static size_t json_utf8_put(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xC0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xE0 | (cp >> 12));
		dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		dst[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	dst[0] = (char)(0xF0 | (cp >> 18));
	dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	dst[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Length of the well-formed UTF-8 sequence at @p (Unicode Table 3-7), or 0
 * if it is ill-formed: overlong, a surrogate, above U+10FFFF or truncated.
 */
static size_t json_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	size_t n = 0;

	if (c < 0x80) {
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n) {
		return 0;
	}
	if (p[1] < lo || p[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xBF) {
			return 0;
		}
	}
	return n;
}

/*
 * Parse a string starting at the opening quote. The decoded form is never
 * longer than the source, so one arena block of the source length suffices.
 */
static int json_parse_string(struct json_parser *ps, const char **out,
			     size_t *out_len)
{
	const char *open = ps->p;
	const char *q = ps->p + 1;
	char *dst = NULL;
	size_t n = 0;

	/* Find the closing quote first to size the arena block. */
	while (q < ps->end && *q != '"') {
		if (*q == '\\' && ps->end - q < 2) {
			q = ps->end;
			break;
		}
		q += *q == '\\' ? 2 : 1;
	}
	if (q >= ps->end) {
		return json_fail_at(ps, open, "unterminated string");
	}
	dst = json_arena_alloc(ps->doc, (size_t)(q - open));
	if (!dst) {
		return json_nomem(ps);
	}

	ps->p++;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		size_t ulen = 0;

		if (c < 0x20) {
			return json_fail_at(ps, ps->p,
					    "control character 0x%02x in string",
					    c);
		}
		if (c != '\\') {
			ulen = json_utf8_len((const unsigned char *)ps->p,
					     (const unsigned char *)ps->end);
			if (ulen == 0) {
				return json_fail_at(ps, ps->p,
						    "invalid UTF-8 in string");
			}
			memcpy(dst + n, ps->p, ulen);
			n += ulen;
			ps->p += ulen;
			continue;
		}
		/* An escape; the scan above guarantees a byte after '\'. */
		c = (unsigned char)ps->p[1];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			dst[n++] = (char)c;
			break;
		case 'b':
			dst[n++] = '\b';
			break;
		case 'f':
			dst[n++] = '\f';
			break;
		case 'n':
			dst[n++] = '\n';
			break;
		case 'r':
			dst[n++] = '\r';
			break;
		case 't':
			dst[n++] = '\t';
			break;
		case 'u': {
			uint32_t cp = 0;
			uint32_t lo = 0;

			if (ps->end - ps->p < 6 || json_hex4(ps->p + 2, &cp)) {
				return json_fail_at(ps, ps->p,
						    "bad \\u escape");
			}
			if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return json_fail_at(ps, ps->p,
						    "lone low surrogate \\u%04" PRIX32,
						    cp);
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (ps->end - ps->p < 12 || ps->p[6] != '\\' ||
				    ps->p[7] != 'u' ||
				    json_hex4(ps->p + 8, &lo) || lo < 0xDC00 ||
				    lo > 0xDFFF) {
					return json_fail_at(
						ps, ps->p,
						"lone high surrogate \\u%04" PRIX32,
						cp);
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
				ps->p += 6;
			}
			n += json_utf8_put(dst + n, cp);
			ps->p += 4;
			break;
		}
		default: {
			char what[16] = "";

			json_describe(ps, ps->p + 1, what, sizeof(what));
			return json_fail_at(ps, ps->p, "bad escape \\ then %s",
					    what);
		}
		}
		ps->p += 2;
	}
	dst[n] = '\0';
	ps->p++; /* closing quote */
	*out = dst;
	*out_len = n;
	return 0;
}

static bool json_is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static int json_parse_number(struct json_parser *ps, struct json_value *v)
{
	const char *begin = ps->p;
	const char *p = ps->p;
	char *text = NULL;

	if (*p == '-') {
		p++;
	}
	if (!json_is_digit(p, ps->end)) {
		return json_fail_at(ps, begin, "bad number: no digit after '-'");
	}
	if (*p == '0') {
		p++;
		if (json_is_digit(p, ps->end)) {
			return json_fail_at(ps, begin,
					    "bad number: leading zero");
		}
	} else {
		while (json_is_digit(p, ps->end)) {
			p++;
		}
	}
	if (p < ps->end && *p == '.') {
		p++;
		if (!json_is_digit(p, ps->end)) {
			return json_fail_at(ps, begin,
					    "bad number: no digit after '.'");
		}
		while (json_is_digit(p, ps->end)) {
			p++;
		}
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < ps->end && (*p == '+' || *p == '-')) {
			p++;
		}
		if (!json_is_digit(p, ps->end)) {
			return json_fail_at(ps, begin,
					    "bad number: empty exponent");
		}
		while (json_is_digit(p, ps->end)) {
			p++;
		}
	}
	text = json_arena_alloc(ps->doc, (size_t)(p - begin) + 1);
	if (!text) {
		return json_nomem(ps);
	}
	memcpy(text, begin, (size_t)(p - begin));
	text[p - begin] = '\0';
	v->str = text;
	v->len = (size_t)(p - begin);
	ps->p = p;
	return 0;
}

static int json_parse_value(struct json_parser *ps, unsigned int depth,
			    struct json_value **out);

static int json_parse_array(struct json_parser *ps, unsigned int depth,
			    struct json_value *arr)
{
	struct json_value **tail = &arr->child;
	int rc = 0;

	ps->p++; /* '[' */
	json_skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct json_value *item = NULL;
		char what[16] = "";

		rc = json_parse_value(ps, depth, &item);
		if (rc) {
			return rc;
		}
		*tail = item;
		tail = &item->next;
		arr->count++;
		json_skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			json_skip_ws(ps);
			if (ps->p < ps->end && *ps->p == ']') {
				return json_fail_at(ps, ps->p,
						    "trailing comma in array");
			}
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return 0;
		}
		json_describe(ps, ps->p, what, sizeof(what));
		return json_fail_at(ps, ps->p, "expected ',' or ']', got %s",
				    what);
	}
}

struct json_key_ref {
	const struct json_value *member;
	size_t index;
};

static int json_key_cmp(const void *a, const void *b)
{
	const struct json_key_ref *x = a;
	const struct json_key_ref *y = b;
	size_t n = x->member->key_len < y->member->key_len ?
			   x->member->key_len :
			   y->member->key_len;
	int c = memcmp(x->member->key, y->member->key, n);

	if (c != 0) {
		return c;
	}
	if (x->member->key_len != y->member->key_len) {
		return x->member->key_len < y->member->key_len ? -1 : 1;
	}
	return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

/*
 * Reject duplicate keys. Reports the earliest member (in document order)
 * whose key already appeared before it.
 */
static int json_check_dup_keys(struct json_parser *ps,
			       const struct json_value *obj)
{
	struct json_key_ref *refs = NULL;
	const struct json_value *m = NULL;
	const struct json_value *dup = NULL;
	size_t dup_index = SIZE_MAX;
	size_t i = 0;

	if (obj->count < 2) {
		return 0;
	}
	refs = malloc(obj->count * sizeof(*refs));
	if (!refs) {
		return json_nomem(ps);
	}
	for (m = obj->child; m; m = m->next, i++) {
		refs[i].member = m;
		refs[i].index = i;
	}
	qsort(refs, obj->count, sizeof(*refs), json_key_cmp);
	for (i = 1; i < obj->count; i++) {
		const struct json_value *a = refs[i - 1].member;
		const struct json_value *b = refs[i].member;

		if (a->key_len == b->key_len &&
		    memcmp(a->key, b->key, a->key_len) == 0 &&
		    refs[i].index < dup_index) {
			dup_index = refs[i].index;
			dup = b;
		}
	}
	free(refs);
	if (!dup) {
		return 0;
	}
	if (ps->err) {
		/* Point at the duplicate member's value, which we recorded. */
		ps->err->line = dup->line;
		ps->err->column = dup->column;
		ps->err->offset = dup->offset;
		snprintf(ps->err->message, sizeof(ps->err->message),
			 "duplicate key \"%.80s\"", dup->key);
	}
	return -EINVAL;
}

static int json_parse_object(struct json_parser *ps, unsigned int depth,
			     struct json_value *obj)
{
	struct json_value **tail = &obj->child;
	int rc = 0;

	ps->p++; /* '{' */
	json_skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct json_value *member = NULL;
		const char *key = NULL;
		size_t key_len = 0;
		char what[16] = "";

		if (ps->p >= ps->end || *ps->p != '"') {
			json_describe(ps, ps->p, what, sizeof(what));
			return json_fail_at(ps, ps->p,
					    "expected a string key, got %s",
					    what);
		}
		rc = json_parse_string(ps, &key, &key_len);
		if (rc) {
			return rc;
		}
		json_skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			json_describe(ps, ps->p, what, sizeof(what));
			return json_fail_at(ps, ps->p, "expected ':', got %s",
					    what);
		}
		ps->p++;
		rc = json_parse_value(ps, depth, &member);
		if (rc) {
			return rc;
		}
		member->key = key;
		member->key_len = key_len;
		*tail = member;
		tail = &member->next;
		obj->count++;
		json_skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			json_skip_ws(ps);
			if (ps->p < ps->end && *ps->p == '}') {
				return json_fail_at(ps, ps->p,
						    "trailing comma in object");
			}
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return json_check_dup_keys(ps, obj);
		}
		json_describe(ps, ps->p, what, sizeof(what));
		return json_fail_at(ps, ps->p, "expected ',' or '}', got %s",
				    what);
	}
}

static int json_parse_literal(struct json_parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
		return json_fail_at(ps, ps->p, "invalid literal");
	}
	ps->p += n;
	return 0;
}

static int json_parse_value(struct json_parser *ps, unsigned int depth,
			    struct json_value **out)
{
	struct json_value *v = NULL;
	char what[16] = "";
	int rc = 0;
	char c = 0;

	json_skip_ws(ps);
	if (ps->p >= ps->end) {
		return json_fail_at(ps, ps->p, "expected a value, got end of input");
	}
	c = *ps->p;
	switch (c) {
	case '{':
	case '[':
		if (depth >= JSON_MAX_DEPTH) {
			return json_fail_at(ps, ps->p,
					    "nesting deeper than %d",
					    JSON_MAX_DEPTH);
		}
		v = json_node(ps, c == '{' ? JSON_OBJECT : JSON_ARRAY, ps->p);
		if (!v) {
			return json_nomem(ps);
		}
		rc = c == '{' ? json_parse_object(ps, depth + 1, v) :
				json_parse_array(ps, depth + 1, v);
		break;
	case '"':
		v = json_node(ps, JSON_STRING, ps->p);
		if (!v) {
			return json_nomem(ps);
		}
		rc = json_parse_string(ps, &v->str, &v->len);
		break;
	case 't':
	case 'f':
		v = json_node(ps, JSON_BOOL, ps->p);
		if (!v) {
			return json_nomem(ps);
		}
		v->boolean = c == 't';
		rc = json_parse_literal(ps, c == 't' ? "true" : "false");
		break;
	case 'n':
		v = json_node(ps, JSON_NULL, ps->p);
		if (!v) {
			return json_nomem(ps);
		}
		rc = json_parse_literal(ps, "null");
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			v = json_node(ps, JSON_NUMBER, ps->p);
			if (!v) {
				return json_nomem(ps);
			}
			rc = json_parse_number(ps, v);
			break;
		}
		json_describe(ps, ps->p, what, sizeof(what));
		return json_fail_at(ps, ps->p, "expected a value, got %s", what);
	}
	if (rc) {
		return rc;
	}
	*out = v;
	return 0;
}

int json_parse(const char *text, size_t size, struct json_doc **out,
	       struct json_error *err)
{
	struct json_parser ps = { 0 };
	struct json_doc *doc = NULL;
	char what[16] = "";
	int rc = 0;

	if (err) {
		memset(err, 0, sizeof(*err));
	}
	ps.start = text;
	ps.p = text;
	ps.end = text + size;
	ps.line = 1;
	ps.line_start = text;
	ps.err = err;
	if (size > JSON_MAX_SIZE) {
		return json_fail_at(&ps, text, "document larger than %zu bytes",
				    JSON_MAX_SIZE);
	}
	doc = calloc(1, sizeof(*doc));
	if (!doc) {
		return json_nomem(&ps);
	}
	ps.doc = doc;
	rc = json_parse_value(&ps, 0, &doc->root);
	if (rc) {
		goto err_free_doc;
	}
	json_skip_ws(&ps);
	if (ps.p != ps.end) {
		json_describe(&ps, ps.p, what, sizeof(what));
		rc = json_fail_at(&ps, ps.p, "trailing %s after the value",
				  what);
		goto err_free_doc;
	}
	*out = doc;
	return 0;

err_free_doc:
	json_free(doc);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Accessors                                                               */

const struct json_value *json_object_get(const struct json_value *obj,
					 const char *key)
{
	size_t n = 0;

	if (!obj || obj->type != JSON_OBJECT || !key) {
		return NULL;
	}
	n = strlen(key);
	for (const struct json_value *m = obj->child; m; m = m->next) {
		if (m->key_len == n && memcmp(m->key, key, n) == 0) {
			return m;
		}
	}
	return NULL;
}

int json_get_u64(const struct json_value *v, uint64_t *out)
{
	uint64_t acc = 0;

	if (!v || v->type != JSON_NUMBER || v->len == 0) {
		return -EINVAL;
	}
	/* The grammar already rejected leading zeros; digits only here. */
	for (size_t i = 0; i < v->len; i++) {
		char c = v->str[i];

		if (c < '0' || c > '9') {
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < v->len; i++) {
		uint64_t d = (uint64_t)(v->str[i] - '0');

		if (acc > (UINT64_MAX - d) / 10) {
			return -EOVERFLOW;
		}
		acc = acc * 10 + d;
	}
	*out = acc;
	return 0;
}

static int json_get_bounded(const struct json_value *v, uint64_t max,
			    uint64_t *out)
{
	uint64_t x = 0;
	int rc = json_get_u64(v, &x);

	if (rc) {
		return rc;
	}
	if (x > max) {
		return -EOVERFLOW;
	}
	*out = x;
	return 0;
}

int json_get_u32(const struct json_value *v, uint32_t *out)
{
	uint64_t x = 0;
	int rc = json_get_bounded(v, UINT32_MAX, &x);

	if (rc == 0) {
		*out = (uint32_t)x;
	}
	return rc;
}

int json_get_u16(const struct json_value *v, uint16_t *out)
{
	uint64_t x = 0;
	int rc = json_get_bounded(v, UINT16_MAX, &x);

	if (rc == 0) {
		*out = (uint16_t)x;
	}
	return rc;
}

int json_get_u8(const struct json_value *v, uint8_t *out)
{
	uint64_t x = 0;
	int rc = json_get_bounded(v, UINT8_MAX, &x);

	if (rc == 0) {
		*out = (uint8_t)x;
	}
	return rc;
}

int json_get_bool(const struct json_value *v, bool *out)
{
	if (!v || v->type != JSON_BOOL) {
		return -EINVAL;
	}
	*out = v->boolean;
	return 0;
}

int json_get_string(const struct json_value *v, const char **out)
{
	if (!v || v->type != JSON_STRING || memchr(v->str, '\0', v->len)) {
		return -EINVAL;
	}
	*out = v->str;
	return 0;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "unknown";
}

bool json_value_eq(const struct json_value *a, const struct json_value *b)
{
	const struct json_value *x = NULL;
	const struct json_value *y = NULL;

	if (!a || !b) {
		return a == b;
	}
	if (a->type != b->type) {
		return false;
	}
	switch (a->type) {
	case JSON_NULL:
		return true;
	case JSON_BOOL:
		return a->boolean == b->boolean;
	case JSON_NUMBER:
	case JSON_STRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (a->count != b->count) {
			return false;
		}
		for (x = a->child, y = b->child; x && y;
		     x = x->next, y = y->next) {
			if (a->type == JSON_OBJECT &&
			    (x->key_len != y->key_len ||
			     memcmp(x->key, y->key, x->key_len) != 0)) {
				return false;
			}
			if (!json_value_eq(x, y)) {
				return false;
			}
		}
		return x == NULL && y == NULL;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Writer                                                                  */

void json_writer_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

static void json_w_indent(struct json_writer *w)
{
	fputc('\n', w->f);
	for (unsigned int i = 0; i < w->depth; i++) {
		fputs("  ", w->f);
	}
}

static void json_w_escaped(struct json_writer *w, const char *s, size_t len)
{
	fputc('"', w->f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", w->f);
			break;
		case '\\':
			fputs("\\\\", w->f);
			break;
		case '\b':
			fputs("\\b", w->f);
			break;
		case '\f':
			fputs("\\f", w->f);
			break;
		case '\n':
			fputs("\\n", w->f);
			break;
		case '\r':
			fputs("\\r", w->f);
			break;
		case '\t':
			fputs("\\t", w->f);
			break;
		default:
			if (c < 0x20) {
				fprintf(w->f, "\\u%04x", c);
			} else {
				fputc(c, w->f);
			}
			break;
		}
	}
	fputc('"', w->f);
}

/* Separator and indentation before a value; flags misuse. */
static void json_w_before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0) {
		if (w->count[0]++ > 0) {
			w->misuse = true;
		}
		return;
	}
	if (w->is_object[w->depth]) {
		w->misuse = true; /* a member value needs a key first */
	}
	if (w->count[w->depth]++ > 0) {
		fputc(',', w->f);
	}
	json_w_indent(w);
}

static void json_w_begin(struct json_writer *w, bool object)
{
	if (w->depth >= JSON_MAX_DEPTH) {
		w->misuse = true;
		return;
	}
	json_w_before_value(w);
	w->depth++;
	w->count[w->depth] = 0;
	w->is_object[w->depth] = object;
	fputc(object ? '{' : '[', w->f);
}

static void json_w_end(struct json_writer *w, bool object)
{
	bool had_items = false;

	if (w->depth == 0 || w->is_object[w->depth] != object ||
	    w->after_key) {
		w->misuse = true;
		return;
	}
	had_items = w->count[w->depth] > 0;
	w->depth--;
	if (had_items) {
		json_w_indent(w);
	}
	fputc(object ? '}' : ']', w->f);
}

void json_write_object_begin(struct json_writer *w)
{
	json_w_begin(w, true);
}

void json_write_object_end(struct json_writer *w)
{
	json_w_end(w, true);
}

void json_write_array_begin(struct json_writer *w)
{
	json_w_begin(w, false);
}

void json_write_array_end(struct json_writer *w)
{
	json_w_end(w, false);
}

void json_write_key_n(struct json_writer *w, const char *key, size_t len)
{
	if (w->depth == 0 || !w->is_object[w->depth] || w->after_key) {
		w->misuse = true;
		return;
	}
	if (w->count[w->depth]++ > 0) {
		fputc(',', w->f);
	}
	json_w_indent(w);
	json_w_escaped(w, key, len);
	fputs(": ", w->f);
	w->after_key = true;
}

void json_write_key(struct json_writer *w, const char *key)
{
	json_write_key_n(w, key, strlen(key));
}

void json_write_u64(struct json_writer *w, uint64_t v)
{
	json_w_before_value(w);
	fprintf(w->f, "%" PRIu64, v);
}

void json_write_bool(struct json_writer *w, bool v)
{
	json_w_before_value(w);
	fputs(v ? "true" : "false", w->f);
}

void json_write_null(struct json_writer *w)
{
	json_w_before_value(w);
	fputs("null", w->f);
}

void json_write_string_n(struct json_writer *w, const char *s, size_t len)
{
	json_w_before_value(w);
	json_w_escaped(w, s, len);
}

void json_write_string(struct json_writer *w, const char *s)
{
	json_write_string_n(w, s, strlen(s));
}

void json_write_number_text(struct json_writer *w, const char *text)
{
	json_w_before_value(w);
	fputs(text, w->f);
}

void json_write_member_u64(struct json_writer *w, const char *key, uint64_t v)
{
	json_write_key(w, key);
	json_write_u64(w, v);
}

void json_write_member_bool(struct json_writer *w, const char *key, bool v)
{
	json_write_key(w, key);
	json_write_bool(w, v);
}

void json_write_member_string(struct json_writer *w, const char *key,
			      const char *s)
{
	json_write_key(w, key);
	json_write_string(w, s);
}

void json_write_value(struct json_writer *w, const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL:
		json_write_null(w);
		break;
	case JSON_BOOL:
		json_write_bool(w, v->boolean);
		break;
	case JSON_NUMBER:
		json_write_number_text(w, v->str);
		break;
	case JSON_STRING:
		json_write_string_n(w, v->str, v->len);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		json_w_begin(w, v->type == JSON_OBJECT);
		for (const struct json_value *c = v->child; c; c = c->next) {
			if (v->type == JSON_OBJECT) {
				json_write_key_n(w, c->key, c->key_len);
			}
			json_write_value(w, c);
		}
		json_w_end(w, v->type == JSON_OBJECT);
		break;
	}
}

int json_writer_finish(struct json_writer *w)
{
	if (w->depth != 0 || w->after_key || w->count[0] != 1) {
		w->misuse = true;
	}
	fputc('\n', w->f);
	if (fflush(w->f) != 0 || ferror(w->f)) {
		return -ENOSPC;
	}
	return w->misuse ? -EINVAL : 0;
}
