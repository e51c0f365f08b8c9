// SPDX-License-Identifier: BSD-2-Clause
/*
 * Key store and key-file codec (see sp_keys.h for the format and the life
 * cycle).
 *
 * The parser works on (pointer, length) views of the caller's bytes and
 * never relies on a terminator, so a file need not be a C string and an
 * embedded NUL is simply a bad character. A rejection names the line only:
 * the diagnostic must not carry key material, and a line number is all an
 * operator needs to find the fault in a file they can read themselves.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include <rheap/diag.h>
#include <rheap/err.h>

#include "common/wire.h"
#include "sp/sp_cenc.h"
#include "sp/sp_keys.h"

#define KEYS_HEX_SIZE 32u  /* 16 bytes as hex digits */
#define KEYS_UUID_SIZE 36u /* 8-4-4-4-12 with four dashes */

/* A byte range of the input: one line or one field. */
struct keys_view {
	const uint8_t *p;
	size_t n;
};

void sp_keys_init(struct sp_keys *ks)
{
	memset(ks, 0, sizeof(*ks));
}

void sp_keys_fini(struct sp_keys *ks)
{
	mbedtls_platform_zeroize(ks, sizeof(*ks));
}

static bool keys_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * Decode hex digits into 16 bytes, skipping dashes exactly where a UUID
 * has them when @uuid is set. Returns false on any other character.
 */
static bool keys_hex16(struct keys_view f, bool uuid, uint8_t out[16])
{
	unsigned int nibble = 0;

	for (size_t i = 0; i < f.n; i++) {
		int d = 0;

		if (uuid && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (f.p[i] != '-') {
				return false;
			}
			continue;
		}
		d = wire_hex_digit(f.p[i]);
		if (d < 0) {
			return false;
		}
		if (nibble % 2 == 0) {
			out[nibble / 2] = (uint8_t)(d << 4);
		} else {
			out[nibble / 2] |= (uint8_t)d;
		}
		nibble++;
	}
	return nibble == 32;
}

/* Splits off the next blank-separated field of @line; empty at the end. */
static struct keys_view keys_next_field(struct keys_view *line)
{
	struct keys_view f = { 0 };
	size_t i = 0;

	while (i < line->n && keys_blank(line->p[i])) {
		i++;
	}
	f.p = line->p + i;
	while (i < line->n && !keys_blank(line->p[i])) {
		i++;
	}
	f.n = (size_t)(line->p + i - f.p);
	line->p += i;
	line->n -= i;
	return f;
}

static int keys_find_index(const struct sp_keys *ks, const uint8_t *kid)
{
	for (uint32_t i = 0; i < ks->count; i++) {
		if (memcmp(ks->entries[i].kid, kid, SP_KID_SIZE) == 0) {
			return (int)i;
		}
	}
	return -ENOENT;
}

#define keys_reject_line(diag, line_no, why)                                   \
	wire_reject((diag), "line", (line_no), (why))

/*
 * Parse one line (without its '\n') into @ks. Returns 0 for a key, 1 for
 * a blank or comment line, or -EINVAL.
 */
static int keys_decode_line(struct sp_keys *ks, struct keys_view line,
			    uint64_t line_no, struct rheap_diag *diag)
{
	struct keys_view kid = { 0 };
	struct keys_view key = { 0 };
	struct keys_view rest = { 0 };
	struct sp_key_entry *e = NULL;

	if (line.n > 0 && line.p[line.n - 1] == '\r') {
		line.n--;
	}
	kid = keys_next_field(&line);
	if (kid.n == 0) {
		return 1; /* blank */
	}
	if (kid.p[0] == '#') {
		return 1;
	}
	key = keys_next_field(&line);
	rest = keys_next_field(&line);
	if (kid.n != KEYS_HEX_SIZE && kid.n != KEYS_UUID_SIZE) {
		return keys_reject_line(diag, line_no,
			"has a KID that is neither 32 hex digits nor a UUID");
	}
	if (key.n == 0) {
		return keys_reject_line(diag, line_no, "has no key after the KID");
	}
	if (key.n != KEYS_HEX_SIZE) {
		return keys_reject_line(diag, line_no,
					"has a key that is not 32 hex digits");
	}
	if (rest.n != 0) {
		return keys_reject_line(diag, line_no,
					"has text after the key");
	}
	if (ks->count >= SP_KEYS_MAX) {
		return wire_reject_lim(diag, "line", line_no,
				       "has one key more than the store holds",
				       SP_KEYS_MAX);
	}
	e = &ks->entries[ks->count];
	if (!keys_hex16(kid, kid.n == KEYS_UUID_SIZE, e->kid)) {
		mbedtls_platform_zeroize(e, sizeof(*e));
		return keys_reject_line(diag, line_no,
					"has a bad character in the KID");
	}
	if (!keys_hex16(key, false, e->key.bytes)) {
		mbedtls_platform_zeroize(e, sizeof(*e));
		return keys_reject_line(diag, line_no,
					"has a bad character in the key");
	}
	if (keys_find_index(ks, e->kid) >= 0) {
		mbedtls_platform_zeroize(e, sizeof(*e));
		return keys_reject_line(diag, line_no,
					"repeats a KID of an earlier line");
	}
	ks->count++;
	return 0;
}

int sp_keys_decode(struct sp_keys *ks, const uint8_t *text, size_t size,
		   struct rheap_diag *diag)
{
	/* Scratch store: the caller's survives a rejection unchanged. */
	struct sp_keys tmp = { 0 };
	uint64_t line_no = 0;
	size_t pos = 0;
	int rc = 0;

	while (pos < size) {
		struct keys_view line = { text + pos, 0 };
		const uint8_t *nl = memchr(text + pos, '\n', size - pos);

		line.n = nl ? (size_t)(nl - (text + pos)) : size - pos;
		pos += line.n + (nl ? 1 : 0);
		line_no++;
		rc = keys_decode_line(&tmp, line, line_no, diag);
		if (rc < 0) {
			goto out_wipe;
		}
	}
	mbedtls_platform_zeroize(ks, sizeof(*ks));
	memcpy(ks, &tmp, sizeof(*ks));
	rc = (int)tmp.count;

out_wipe:
	/* Success and failure alike: the scratch copy holds secrets. */
	mbedtls_platform_zeroize(&tmp, sizeof(tmp));
	return rc;
}

static void keys_put_hex(uint8_t *out, const uint8_t *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)digits[bytes[i] >> 4];
		out[2 * i + 1] = (uint8_t)digits[bytes[i] & 0xF];
	}
}

int sp_keys_encode(const struct sp_keys *ks, uint8_t *buf, size_t size)
{
	size_t need = (size_t)ks->count * SP_KEYS_LINE_SIZE;

	if (size < need) {
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < ks->count; i++) {
		uint8_t *line = buf + (size_t)i * SP_KEYS_LINE_SIZE;

		keys_put_hex(line, ks->entries[i].kid, SP_KID_SIZE);
		line[KEYS_HEX_SIZE] = ' ';
		keys_put_hex(line + KEYS_HEX_SIZE + 1, ks->entries[i].key.bytes,
			     SP_CENC_KEY_SIZE);
		line[SP_KEYS_LINE_SIZE - 1] = '\n';
	}
	return (int)need; /* at most 64 * 66 bytes */
}

int sp_keys_add(struct sp_keys *ks, const uint8_t kid[SP_KID_SIZE],
		const struct sp_cenc_key *key)
{
	struct sp_key_entry *e = NULL;

	if (keys_find_index(ks, kid) >= 0) {
		return -EINVAL;
	}
	if (ks->count >= SP_KEYS_MAX) {
		return -ENOSPC;
	}
	e = &ks->entries[ks->count];
	memcpy(e->kid, kid, SP_KID_SIZE);
	memcpy(e->key.bytes, key->bytes, SP_CENC_KEY_SIZE);
	ks->count++;
	return 0;
}

int sp_keys_find(const struct sp_keys *ks, const uint8_t kid[SP_KID_SIZE],
		 const struct sp_cenc_key **key)
{
	int i = keys_find_index(ks, kid);

	if (i < 0) {
		return i;
	}
	*key = &ks->entries[i].key;
	return 0;
}

bool sp_keys_eq(const struct sp_keys *a, const struct sp_keys *b)
{
	if (a->count != b->count) {
		return false;
	}
	for (uint32_t i = 0; i < a->count; i++) {
		const struct sp_key_entry *x = &a->entries[i];
		const struct sp_key_entry *y = &b->entries[i];

		if (memcmp(x->kid, y->kid, SP_KID_SIZE) != 0 ||
		    memcmp(x->key.bytes, y->key.bytes, SP_CENC_KEY_SIZE) != 0) {
			return false;
		}
	}
	return true;
}
