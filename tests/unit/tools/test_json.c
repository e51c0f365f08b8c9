// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests for the tools' JSON reader and writer (src/util/json.c):
 * hostile documents with their exact error and position, exact integer
 * conversion at the uint64 boundaries, and writer output byte for byte.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

struct bad_case {
	const char *name; /* the rule the document breaks */
	const char *text;
	size_t size;      /* 0: strlen(text) */
	int want;
	uint32_t line;
	uint32_t column;
	const char *msg;  /* substring of the message */
};

#define BAD(n, t, l, c, m) { n, t, 0, -EINVAL, l, c, m }

static const struct bad_case bad_cases[] = {
	BAD("empty_input", "", 1, 1, "expected a value"),
	BAD("only_whitespace", " \n ", 2, 2, "expected a value"),
	BAD("unterminated_string", "\"abc", 1, 1, "unterminated string"),
	BAD("unterminated_after_backslash", "\"abc\\", 1, 1,
	    "unterminated string"),
	BAD("bad_escape", "\"a\\qb\"", 1, 3, "bad escape"),
	BAD("short_unicode_escape", "\"\\u12\"", 1, 2, "bad \\u escape"),
	BAD("nonhex_unicode_escape", "\"\\u12G4\"", 1, 2, "bad \\u escape"),
	BAD("lone_high_surrogate", "\"\\uD800x\"", 1, 2,
	    "lone high surrogate"),
	BAD("high_then_nonlow", "\"\\uD800\\u0041\"", 1, 2,
	    "lone high surrogate"),
	BAD("lone_low_surrogate", "\"\\uDC00\"", 1, 2, "lone low surrogate"),
	BAD("control_char_in_string", "\"a\tb\"", 1, 3, "control character"),
	BAD("newline_in_string", "[\n\"a\nb\"]", 2, 3, "control character"),
	BAD("invalid_utf8_lead", "\"\xff\"", 1, 2, "invalid UTF-8"),
	BAD("overlong_utf8", "\"\xc0\xaf\"", 1, 2, "invalid UTF-8"),
	BAD("utf8_encoded_surrogate", "\"\xed\xa0\x80\"", 1, 2,
	    "invalid UTF-8"),
	BAD("utf8_above_10ffff", "\"\xf4\x90\x80\x80\"", 1, 2,
	    "invalid UTF-8"),
	BAD("truncated_utf8", "\"\xe2\x82\"", 1, 2, "invalid UTF-8"),
	BAD("duplicate_key", "{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", 3, 7,
	    "duplicate key \"a\""),
	BAD("trailing_comma_array", "[1, 2,]", 1, 7, "trailing comma"),
	BAD("trailing_comma_object", "{\"a\": 1,}", 1, 9, "trailing comma"),
	BAD("trailing_garbage", "{} x", 1, 4, "trailing 'x'"),
	BAD("two_values", "1 2", 1, 3, "trailing '2'"),
	BAD("leading_zero", "01", 1, 1, "leading zero"),
	BAD("leading_zero_negative", "-01", 1, 1, "leading zero"),
	BAD("minus_alone", "-", 1, 1, "no digit after '-'"),
	BAD("dot_without_fraction", "1.", 1, 1, "no digit after '.'"),
	BAD("leading_dot", ".5", 1, 1, "expected a value"),
	BAD("empty_exponent", "1e+", 1, 1, "empty exponent"),
	BAD("plus_sign", "+1", 1, 1, "expected a value"),
	BAD("nan", "NaN", 1, 1, "expected a value"),
	BAD("infinity", "[Infinity]", 1, 2, "expected a value"),
	BAD("bad_literal", "tru", 1, 1, "invalid literal"),
	BAD("capital_literal", "True", 1, 1, "expected a value"),
	BAD("single_quotes", "{'a': 1}", 1, 2, "expected a string key"),
	BAD("unquoted_key", "{a: 1}", 1, 2, "expected a string key"),
	BAD("missing_colon", "{\"a\" 1}", 1, 6, "expected ':'"),
	BAD("missing_comma", "[1 2]", 1, 4, "expected ',' or ']'"),
	BAD("unclosed_array", "[1, 2", 1, 6, "expected ',' or ']'"),
	BAD("unclosed_object", "{\"a\": 1", 1, 8, "expected ',' or '}'"),
	BAD("comment", "{} // c", 1, 4, "trailing '/'"),
	BAD("byte_order_mark", "\xef\xbb\xbf{}", 1, 1, "byte 0xef"),
	BAD("vertical_tab_whitespace", "\v{}", 1, 1, "byte 0x0b"),
	{ "nul_byte_outside_string", "{}\0", 3, -EINVAL, 1, 3, "byte 0x00" },
	{ "nul_byte_in_string", "\"a\0\"", 4, -EINVAL, 1, 3,
	  "control character 0x00" },
};

static void test_bad_documents(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct json_doc *doc = NULL;
		struct json_error err;
		size_t size = c->size ? c->size : strlen(c->text);
		int rc = json_parse(c->text, size, &doc, &err);

		if (rc != c->want || err.line != c->line ||
		    err.column != c->column || !strstr(err.message, c->msg)) {
			print_error("case %s: rc %d line %u col %u msg \"%s\"\n",
				    c->name, rc, err.line, err.column,
				    err.message);
		}
		assert_int_equal(rc, c->want);
		assert_null(doc);
		assert_int_equal(err.line, c->line);
		assert_int_equal(err.column, c->column);
		assert_non_null(strstr(err.message, c->msg));
	}
}

static char *nest(unsigned int depth)
{
	char *s = malloc(2 * (size_t)depth + 1);

	assert_non_null(s);
	for (unsigned int i = 0; i < depth; i++) {
		s[i] = '[';
		s[2 * depth - 1 - i] = ']';
	}
	s[2 * depth] = '\0';
	return s;
}

static void test_depth_limit_exact(void **state)
{
	struct json_doc *doc = NULL;
	char *ok = nest(JSON_MAX_DEPTH);

	(void)state;
	assert_int_equal(json_parse(ok, strlen(ok), &doc, NULL), 0);
	json_free(doc);
	free(ok);
}

static void test_depth_bomb_rejected(void **state)
{
	struct json_doc *doc = NULL;
	struct json_error err;
	char *bomb = nest(JSON_MAX_DEPTH + 1);

	(void)state;
	assert_int_equal(json_parse(bomb, strlen(bomb), &doc, &err), -EINVAL);
	assert_int_equal(err.column, JSON_MAX_DEPTH + 1);
	assert_non_null(strstr(err.message, "nesting deeper than 64"));
	free(bomb);

	/* A deep bomb (100k levels) fails fast, without deep recursion. */
	bomb = nest(100000);
	assert_int_equal(json_parse(bomb, strlen(bomb), &doc, &err), -EINVAL);
	free(bomb);
}

static void test_size_limit(void **state)
{
	struct json_doc *doc = NULL;
	struct json_error err;

	(void)state;
	/* The limit is checked before any byte is read. */
	assert_int_equal(json_parse("0", JSON_MAX_SIZE + 1, &doc, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "larger than"));
}

struct num_case {
	const char *text;
	int want;
	uint64_t value;
};

static const struct num_case u64_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "9007199254740993", 0, UINT64_C(9007199254740993) }, /* 2^53 + 1 */
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -EOVERFLOW, 0 }, /* 2^64 */
	{ "99999999999999999999", -EOVERFLOW, 0 },
	{ "184467440737095516150", -EOVERFLOW, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-0", -EINVAL, 0 },
	{ "1.0", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "1E0", -EINVAL, 0 },
	{ "\"1\"", -EINVAL, 0 },
	{ "true", -EINVAL, 0 },
	{ "null", -EINVAL, 0 },
};

static void test_get_u64(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(u64_cases) / sizeof(u64_cases[0]); i++) {
		struct json_doc *doc = NULL;
		uint64_t v = 0;

		assert_int_equal(json_parse(u64_cases[i].text,
					    strlen(u64_cases[i].text), &doc,
					    NULL),
				 0);
		if (json_get_u64(json_root(doc), &v) != u64_cases[i].want) {
			print_error("case %s\n", u64_cases[i].text);
		}
		assert_int_equal(json_get_u64(json_root(doc), &v),
				 u64_cases[i].want);
		if (u64_cases[i].want == 0) {
			assert_true(v == u64_cases[i].value);
		}
		json_free(doc);
	}
}

static int narrow(const char *text, int width, uint64_t *out)
{
	struct json_doc *doc = NULL;
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;
	int rc = json_parse(text, strlen(text), &doc, NULL);

	assert_int_equal(rc, 0);
	switch (width) {
	case 32:
		rc = json_get_u32(json_root(doc), &v32);
		*out = v32;
		break;
	case 16:
		rc = json_get_u16(json_root(doc), &v16);
		*out = v16;
		break;
	default:
		rc = json_get_u8(json_root(doc), &v8);
		*out = v8;
		break;
	}
	json_free(doc);
	return rc;
}

static void test_get_narrow(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(narrow("4294967295", 32, &v), 0);
	assert_true(v == UINT32_MAX);
	assert_int_equal(narrow("4294967296", 32, &v), -EOVERFLOW);
	assert_int_equal(narrow("65535", 16, &v), 0);
	assert_true(v == UINT16_MAX);
	assert_int_equal(narrow("65536", 16, &v), -EOVERFLOW);
	assert_int_equal(narrow("255", 8, &v), 0);
	assert_true(v == UINT8_MAX);
	assert_int_equal(narrow("256", 8, &v), -EOVERFLOW);
	assert_int_equal(narrow("-1", 8, &v), -EINVAL);
	assert_int_equal(narrow("2.0", 32, &v), -EINVAL);
}

static void test_strings_and_escapes(void **state)
{
	static const char text[] =
		"{\"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", "
		"\"u\": \"\\u00e9\\u20AC\\uD83D\\uDE00\", "
		"\"raw\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", "
		"\"nul\": \"a\\u0000b\", \"t\": true, \"f\": false, "
		"\"n\": null}";
	struct json_doc *doc = NULL;
	const struct json_value *root = NULL;
	const char *s = NULL;
	bool b = false;

	(void)state;
	assert_int_equal(json_parse(text, strlen(text), &doc, NULL), 0);
	root = json_root(doc);
	assert_int_equal(root->type, JSON_OBJECT);
	assert_int_equal(root->count, 7);
	assert_int_equal(json_get_string(json_object_get(root, "s"), &s), 0);
	assert_string_equal(s, "a\"b\\c/d\b\f\n\r\t");
	assert_int_equal(json_get_string(json_object_get(root, "u"), &s), 0);
	assert_string_equal(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_int_equal(json_get_string(json_object_get(root, "raw"), &s), 0);
	assert_string_equal(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* Embedded NUL: kept with its length, refused as a C string. */
	assert_int_equal(json_object_get(root, "nul")->len, 3);
	assert_int_equal(json_get_string(json_object_get(root, "nul"), &s),
			 -EINVAL);
	assert_int_equal(json_get_bool(json_object_get(root, "t"), &b), 0);
	assert_true(b);
	assert_int_equal(json_get_bool(json_object_get(root, "f"), &b), 0);
	assert_false(b);
	assert_int_equal(json_get_bool(json_object_get(root, "n"), &b),
			 -EINVAL);
	assert_int_equal(json_object_get(root, "n")->type, JSON_NULL);
	assert_null(json_object_get(root, "missing"));
	assert_int_equal(json_get_string(json_object_get(root, "t"), &s),
			 -EINVAL);
	json_free(doc);
}

static void test_positions(void **state)
{
	static const char text[] = "{\n  \"a\": [1,\n    true]\n}";
	struct json_doc *doc = NULL;
	const struct json_value *arr = NULL;

	(void)state;
	assert_int_equal(json_parse(text, strlen(text), &doc, NULL), 0);
	arr = json_object_get(json_root(doc), "a");
	assert_int_equal(arr->line, 2);
	assert_int_equal(arr->column, 8);
	assert_int_equal(arr->child->next->line, 3);
	assert_int_equal(arr->child->next->column, 5);
	json_free(doc);
}

/* Run the writer into a memory buffer and return the text (caller frees). */
static char *write_sample(int *rc)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct json_writer w;

	assert_non_null(f);
	json_writer_init(&w, f);
	json_write_object_begin(&w);
	json_write_member_string(&w, "abi", "lend");
	json_write_member_u64(&w, "address", UINT64_C(0xFFFFFFFFFFF00000));
	json_write_member_u64(&w, "max", UINT64_MAX);
	json_write_member_bool(&w, "secure", true);
	json_write_key(&w, "esc");
	json_write_string_n(&w, "q\"\\\n\x01\0/\xc3\xa9", 9);
	json_write_key(&w, "empty");
	json_write_array_begin(&w);
	json_write_array_end(&w);
	json_write_key(&w, "list");
	json_write_array_begin(&w);
	json_write_object_begin(&w);
	json_write_member_u64(&w, "x", 0);
	json_write_object_end(&w);
	json_write_null(&w);
	json_write_array_end(&w);
	json_write_object_end(&w);
	*rc = json_writer_finish(&w);
	fclose(f);
	return buf;
}

static void test_writer_exact_output(void **state)
{
	static const char want[] =
		"{\n"
		"  \"abi\": \"lend\",\n"
		"  \"address\": 18446744073708503040,\n"
		"  \"max\": 18446744073709551615,\n"
		"  \"secure\": true,\n"
		"  \"esc\": \"q\\\"\\\\\\n\\u0001\\u0000/\xc3\xa9\",\n"
		"  \"empty\": [],\n"
		"  \"list\": [\n"
		"    {\n"
		"      \"x\": 0\n"
		"    },\n"
		"    null\n"
		"  ]\n"
		"}\n";
	int rc = -1;
	char *out = write_sample(&rc);
	struct json_doc *doc = NULL;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
	/* And it reads back, with the big integers exact. */
	assert_int_equal(json_parse(out, strlen(out), &doc, NULL), 0);
	assert_int_equal(json_get_u64(json_object_get(json_root(doc), "address"),
				      &v),
			 0);
	assert_true(v == UINT64_C(0xFFFFFFFFFFF00000));
	assert_int_equal(json_object_get(json_root(doc), "esc")->len, 9);
	json_free(doc);
	free(out);
}

static void test_writer_misuse(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct json_writer w;

	(void)state;
	assert_non_null(f);
	json_writer_init(&w, f);
	json_write_object_begin(&w);
	json_write_u64(&w, 1); /* value without a key */
	json_write_object_end(&w);
	assert_int_equal(json_writer_finish(&w), -EINVAL);

	json_writer_init(&w, f);
	json_write_array_begin(&w);
	assert_int_equal(json_writer_finish(&w), -EINVAL); /* left open */

	json_writer_init(&w, f);
	json_write_array_begin(&w);
	json_write_object_end(&w); /* mismatched close */
	assert_int_equal(json_writer_finish(&w), -EINVAL);
	fclose(f);
	free(buf);
}

static void test_round_trip_equal(void **state)
{
	static const char text[] =
		"{\"a\":[1,-2.5e+3,{\"k\":\"v\\u0000\"},[],{}],\"b\":null,"
		"\"\\u00e9\":false}";
	struct json_doc *a = NULL;
	struct json_doc *b = NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct json_writer w;

	(void)state;
	assert_int_equal(json_parse(text, strlen(text), &a, NULL), 0);
	json_writer_init(&w, f);
	json_write_value(&w, json_root(a));
	assert_int_equal(json_writer_finish(&w), 0);
	fclose(f);
	assert_int_equal(json_parse(buf, size, &b, NULL), 0);
	assert_true(json_value_eq(json_root(a), json_root(b)));
	/* And a different document is not equal. */
	json_free(b);
	assert_int_equal(json_parse("{\"a\":[1]}", 9, &b, NULL), 0);
	assert_false(json_value_eq(json_root(a), json_root(b)));
	json_free(a);
	json_free(b);
	free(buf);
}

static void test_many_keys_no_dup(void **state)
{
	/* 20000 distinct keys: the sorted duplicate check stays fast. */
	size_t cap = 20000 * 16 + 16;
	char *text = malloc(cap);
	size_t n = 0;
	struct json_doc *doc = NULL;

	(void)state;
	assert_non_null(text);
	text[n++] = '{';
	for (int i = 0; i < 20000; i++) {
		n += (size_t)snprintf(text + n, cap - n, "%s\"k%d\":%d",
				      i ? "," : "", i, i);
	}
	text[n++] = '}';
	assert_int_equal(json_parse(text, n, &doc, NULL), 0);
	assert_int_equal(json_root(doc)->count, 20000);
	json_free(doc);
	/* Same with one duplicate at the end. */
	n--;
	n += (size_t)snprintf(text + n, cap - n, ",\"k7\":0}");
	assert_int_equal(json_parse(text, n, &doc, NULL), -EINVAL);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_depth_limit_exact),
		cmocka_unit_test(test_depth_bomb_rejected),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_get_u64),
		cmocka_unit_test(test_get_narrow),
		cmocka_unit_test(test_strings_and_escapes),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_writer_exact_output),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_round_trip_equal),
		cmocka_unit_test(test_many_keys_no_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
