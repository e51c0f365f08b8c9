/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small, strict JSON (RFC 8259) reader and a pretty-printing writer for the
 * operator tools. Hosted code, internal to tools/ and tests; never linked
 * into the secure world.
 *
 * Reader policy (every choice below is a rejection with -EINVAL, a
 * line:column and a message, unless said otherwise):
 *
 * - The whole document is parsed at once into a tree whose nodes and strings
 *   live in one arena owned by a `struct json_doc`; json_free() releases it.
 * - Input larger than JSON_MAX_SIZE, or nesting deeper than JSON_MAX_DEPTH
 *   arrays/objects, is refused (it bounds memory and recursion).
 * - Exactly one value, surrounded only by JSON whitespace (space, tab, LF,
 *   CR). Trailing bytes, a byte-order mark, comments, trailing commas, single
 *   quotes, NaN/Infinity, and leading zeros ("01") are errors.
 * - Strings must be valid UTF-8 (no overlong forms, no encoded surrogates,
 *   nothing above U+10FFFF) and may not hold raw control characters
 *   (U+0000..U+001F). `\u` escapes are decoded to UTF-8; a surrogate pair
 *   must be complete and in order, a lone surrogate is an error (it has no
 *   UTF-8 form). `\u0000` is accepted and kept (strings carry a length), but
 *   json_get_string() refuses a string with an embedded NUL.
 * - Duplicate keys in one object are an error, reported at the second one.
 * - Numbers are checked against the RFC grammar and kept as their source
 *   text; nothing is converted to floating point. json_get_u64() and its
 *   narrower siblings accept only non-negative integers written without a
 *   sign, fraction or exponent, and convert exactly.
 *
 * Writer: streams to a FILE *, 2-space indentation, keys in the order
 * written, integers as exact unsigned decimal, strings escaped per RFC 8259
 * (`"`, `\`, and control characters; other bytes pass through, so the
 * caller supplies UTF-8).
 */
#ifndef RHEAP_SRC_UTIL_JSON_H
#define RHEAP_SRC_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64
#define JSON_MAX_SIZE ((size_t)64 << 20) /* 64 MiB */

enum json_type {
	JSON_NULL = 0,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/**
 * struct json_value - one node of a parsed document (read-only for users)
 * @type:    what the node is
 * @boolean: the value of a JSON_BOOL
 * @str:     JSON_STRING: the decoded bytes, NUL-terminated (may also hold
 *           NULs inside, see @len); JSON_NUMBER: the source text,
 *           NUL-terminated; NULL otherwise
 * @len:     bytes at @str, excluding the terminating NUL
 * @count:   JSON_ARRAY/JSON_OBJECT: number of children
 * @child:   first child (array element or object member), NULL if none
 * @next:    next sibling in the parent, NULL for the last
 * @key:     for an object member, its decoded key (NUL-terminated,
 *           @key_len bytes); NULL for array elements and the root
 * @key_len: bytes at @key
 * @line:    1-based line of the value's first byte in the source
 * @column:  1-based column (in bytes) of the value's first byte
 * @offset:  0-based byte offset of the value's first byte
 */
struct json_value {
	enum json_type type;
	bool boolean;
	const char *str;
	size_t len;
	size_t count;
	struct json_value *child;
	struct json_value *next;
	const char *key;
	size_t key_len;
	uint32_t line;
	uint32_t column;
	size_t offset;
};

/** struct json_doc - a parsed document; opaque, freed with json_free(). */
struct json_doc;

/**
 * struct json_error - where and why parsing failed
 * @line:    1-based line of the offending byte (0 if not positional)
 * @column:  1-based byte column
 * @offset:  0-based byte offset (for a duplicate key: of the duplicate
 *           member's value, where line:column point too)
 * @message: NUL-terminated sentence, e.g. "duplicate key \"abi\""
 */
struct json_error {
	uint32_t line;
	uint32_t column;
	size_t offset;
	char message[128];
};

/**
 * json_parse() - parse a whole document
 * @text: the bytes (untrusted); need not be NUL-terminated
 * @size: number of bytes at @text
 * @out:  on success, the document (free with json_free())
 * @err:  optional; filled on failure
 *
 * Return: 0; -EINVAL for a malformed or over-limit document (see the policy
 * above); -ENOMEM if the arena cannot grow.
 */
int json_parse(const char *text, size_t size, struct json_doc **out,
	       struct json_error *err);

/** json_free() - release a document and every node in it; NULL is a no-op. */
void json_free(struct json_doc *doc);

/** json_root() - the top-level value of @doc (never NULL for a parsed doc). */
const struct json_value *json_root(const struct json_doc *doc);

/**
 * json_object_get() - find a member by key
 * @obj: a JSON_OBJECT (anything else yields NULL)
 * @key: NUL-terminated key
 *
 * Return: the member's value, or NULL if absent.
 */
const struct json_value *json_object_get(const struct json_value *obj,
					 const char *key);

/**
 * json_get_u64() - exact conversion of a non-negative integer
 * @v:   a JSON_NUMBER
 * @out: the value
 *
 * Return: 0; -EINVAL if @v is not a number or is written with a sign, a
 * fraction or an exponent (even "1.0", "1e3", "-0"); -EOVERFLOW if it
 * exceeds 18446744073709551615.
 */
int json_get_u64(const struct json_value *v, uint64_t *out);

/** json_get_u32() - as json_get_u64(), -EOVERFLOW above UINT32_MAX. */
int json_get_u32(const struct json_value *v, uint32_t *out);

/** json_get_u16() - as json_get_u64(), -EOVERFLOW above UINT16_MAX. */
int json_get_u16(const struct json_value *v, uint16_t *out);

/** json_get_u8() - as json_get_u64(), -EOVERFLOW above UINT8_MAX. */
int json_get_u8(const struct json_value *v, uint8_t *out);

/** json_get_bool() - Return: 0, or -EINVAL if @v is not true/false. */
int json_get_bool(const struct json_value *v, bool *out);

/**
 * json_get_string() - a string value as a C string
 * @v:   a JSON_STRING
 * @out: points into the document; valid until json_free()
 *
 * Return: 0; -EINVAL if @v is not a string or holds an embedded NUL.
 */
int json_get_string(const struct json_value *v, const char **out);

/** json_type_name() - "null", "boolean", "number", "string", "array", "object". */
const char *json_type_name(enum json_type type);

/* ---------------------------------------------------------------------- */
/* Writer                                                                  */

/**
 * struct json_writer - streaming writer state (initialise with
 * json_writer_init(); fields are private)
 */
struct json_writer {
	FILE *f;
	unsigned int depth;
	bool after_key;
	bool misuse;
	size_t count[JSON_MAX_DEPTH + 1];
	bool is_object[JSON_MAX_DEPTH + 1];
};

/** json_writer_init() - start a document on @f. */
void json_writer_init(struct json_writer *w, FILE *f);

/**
 * json_writer_finish() - end the document with a newline and flush
 *
 * Return: 0; -EINVAL if containers are still open or the calls did not form
 * one value; -ENOSPC if the stream reported a write error.
 */
int json_writer_finish(struct json_writer *w);

void json_write_object_begin(struct json_writer *w);
void json_write_object_end(struct json_writer *w);
void json_write_array_begin(struct json_writer *w);
void json_write_array_end(struct json_writer *w);
/** json_write_key() - the key of the next member (NUL-terminated). */
void json_write_key(struct json_writer *w, const char *key);
/** json_write_key_n() - a key of @len bytes (may hold NULs). */
void json_write_key_n(struct json_writer *w, const char *key, size_t len);
void json_write_u64(struct json_writer *w, uint64_t v);
void json_write_bool(struct json_writer *w, bool v);
void json_write_null(struct json_writer *w);
void json_write_string(struct json_writer *w, const char *s);
void json_write_string_n(struct json_writer *w, const char *s, size_t len);
/**
 * json_write_number_text() - a number given as JSON number text
 * @text: must match the RFC 8259 number grammar (the caller's duty; used to
 *        re-emit parsed numbers verbatim)
 */
void json_write_number_text(struct json_writer *w, const char *text);

/* Shorthands: key followed by a value. */
void json_write_member_u64(struct json_writer *w, const char *key, uint64_t v);
void json_write_member_bool(struct json_writer *w, const char *key, bool v);
void json_write_member_string(struct json_writer *w, const char *key,
			      const char *s);

/**
 * json_write_value() - write a parsed value (and its subtree) back out
 * Used by the fuzz target's round trip; numbers are re-emitted verbatim.
 */
void json_write_value(struct json_writer *w, const struct json_value *v);

/**
 * json_value_eq() - structural equality of two parsed values
 *
 * Same type, same booleans, byte-equal strings and number texts, arrays
 * equal element by element, objects with equal keys and values in the same
 * order. Return: true if equal.
 */
bool json_value_eq(const struct json_value *a, const struct json_value *b);

#endif /* RHEAP_SRC_UTIL_JSON_H */
