// SPDX-License-Identifier: BSD-2-Clause
/*
 * kpolicy unit tests: the policy file's grammar (hostile cases with exact
 * errno and position) and the heap/quota decisions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rheap/err.h>

#include "kernel/kpolicy.h"

static const struct bad_case {
	const char *name; /* rule broken */
	const char *text;
	int want;
	uint32_t line;
	uint32_t column;
} bad_cases[] = {
	{ "rej_empty", "", -EINVAL, 1, 1 },
	{ "rej_not_object", "[]", -EINVAL, 1, 1 },
	{ "rej_trailing_comma", "{\"heaps\": {},}", -EINVAL, 1, 14 },
	{ "rej_unknown_top_key", "{\"heap\": {}}", -EINVAL, 1, 10 },
	{ "rej_key_with_nul", "{\"heaps\\u0000\": {}}", -EINVAL, 1, 17 },
	{ "rej_heaps_array", "{\"heaps\": []}", -EINVAL, 1, 11 },
	{ "rej_heap_not_object", "{\"heaps\": {\"system\": 1}}", -EINVAL,
	  1, 22 },
	{ "rej_heap_name_empty", "{\"heaps\": {\"\": {}}}", -EINVAL, 1, 16 },
	{ "rej_heap_name_64",
	  "{\"heaps\": {\"0123456789012345678901234567890123456789"
	  "012345678901234567890123\": {}}}",
	  -EINVAL, 1, 80 },
	{ "rej_heap_unknown_key", "{\"heaps\": {\"system\": {\"users\": []}}}",
	  -EINVAL, 1, 32 },
	{ "rej_uids_not_array", "{\"heaps\": {\"system\": {\"uids\": 5}}}",
	  -EINVAL, 1, 31 },
	{ "rej_uid_negative", "{\"heaps\": {\"system\": {\"uids\": [-1]}}}",
	  -EINVAL, 1, 32 },
	{ "rej_uid_fraction", "{\"heaps\": {\"system\": {\"uids\": [1.0]}}}",
	  -EINVAL, 1, 32 },
	{ "rej_uid_string", "{\"heaps\": {\"system\": {\"gids\": [\"0\"]}}}",
	  -EINVAL, 1, 32 },
	{ "rej_uid_too_big",
	  "{\"heaps\": {\"system\": {\"uids\": [4294967296]}}}", -EINVAL, 1,
	  32 },
	{ "rej_dup_heap", "{\"heaps\": {\"a\": {}, \"a\": {}}}", -EINVAL, 1,
	  26 },
	{ "rej_quota_array", "{\"quota\": [1]}", -EINVAL, 1, 11 },
	{ "rej_quota_unknown", "{\"quota\": {\"max\": 1}}", -EINVAL, 1, 19 },
	{ "rej_quota_negative", "{\"quota\": {\"default\": -5}}", -EINVAL, 1,
	  23 },
	{ "rej_quota_exp", "{\"quota\": {\"default\": 1e9}}", -EINVAL, 1,
	  23 },
	{ "rej_quota_overflow",
	  "{\"quota\": {\"default\": 18446744073709551616}}", -EINVAL, 1, 23 },
	{ "rej_quota_uids_array", "{\"quota\": {\"uids\": []}}", -EINVAL, 1,
	  20 },
	{ "rej_quota_uid_key_name", "{\"quota\": {\"uids\": {\"root\": 1}}}",
	  -EINVAL, 1, 29 },
	{ "rej_quota_uid_key_leading_zero",
	  "{\"quota\": {\"uids\": {\"01\": 1}}}", -EINVAL, 1, 27 },
	{ "rej_quota_uid_key_too_big",
	  "{\"quota\": {\"uids\": {\"4294967296\": 1}}}", -EINVAL, 1, 35 },
	{ "rej_quota_uid_key_empty", "{\"quota\": {\"uids\": {\"\": 1}}}",
	  -EINVAL, 1, 25 },
	{ "rej_quota_value_string", "{\"quota\": {\"uids\": {\"1\": \"1M\"}}}",
	  -EINVAL, 1, 26 },
	{ "rej_comment", "{} // x", -EINVAL, 1, 4 },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct kpolicy *p = (struct kpolicy *)0x1;
		struct kpolicy_error err = { 0 };
		int rc = kpolicy_parse(c->text, strlen(c->text), &p, &err);

		if (rc != c->want || err.line != c->line ||
		    err.column != c->column) {
			fail_msg("%s: rc %d line %u col %u (%s)", c->name, rc,
				 err.line, err.column, err.message);
		}
		assert_ptr_equal(p, (struct kpolicy *)0x1);
		assert_true(strlen(err.message) > 0);
	}
}

static void test_too_many(void **state)
{
	char text[8192];
	size_t n = 0;
	struct kpolicy *p = NULL;
	struct kpolicy_error err = { 0 };

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"heaps\": {");
	for (int i = 0; i < 17; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s\"h%d\": {}", i ? ", " : "", i);
	}
	n += (size_t)snprintf(text + n, sizeof(text) - n, "}}");
	assert_int_equal(kpolicy_parse(text, n, &p, &err), -ENOSPC);
	n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "{\"heaps\": {\"a\": {\"uids\": [");
	for (int i = 0; i < 257; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d",
				      i ? "," : "", i);
	}
	n += (size_t)snprintf(text + n, sizeof(text) - n, "]}}}");
	assert_int_equal(kpolicy_parse(text, n, &p, &err), -ENOSPC);
}

/* The caller with one group (its SO_PEERCRED gid). */
static bool allowed1(const struct kpolicy *p, const char *heap, uint32_t uid,
		     uint32_t gid)
{
	return kpolicy_heap_allowed(p, heap, uid, &gid, 1);
}

static void test_decisions(void **state)
{
	static const char text[] =
		"{\n"
		"  \"heaps\": {\n"
		"    \"protected,secure-video\": {\"uids\": [1000, 1001],"
		" \"gids\": [44]},\n"
		"    \"protected,trusted-ui\": {}\n"
		"  },\n"
		"  \"quota\": {\"default\": 1048576, \"uids\": {\"1000\": 0,"
		" \"4294967295\": 4096}}\n"
		"}\n";
	struct kpolicy *p = NULL;
	struct kpolicy_error err = { 0 };

	(void)state;
	assert_int_equal(kpolicy_parse(text, sizeof(text) - 1, &p, &err), 0);
	assert_int_equal(kpolicy_heap_count(p), 2);
	assert_string_equal(kpolicy_heap_name(p, 1), "protected,trusted-ui");
	assert_null(kpolicy_heap_name(p, 2));
	/* Listed heap: uid or gid admits. */
	assert_true(allowed1(p, "protected,secure-video", 1000, 5));
	assert_true(allowed1(p, "protected,secure-video", 1001, 5));
	assert_true(allowed1(p, "protected,secure-video", 7, 44));
	assert_false(allowed1(p, "protected,secure-video", 7, 45));
	assert_false(allowed1(p, "protected,secure-video", 0, 0));
	/* Listed with no lists: nobody. */
	assert_false(allowed1(p, "protected,trusted-ui", 1000, 44));
	/* A supplementary group admits too; none of several does not. */
	assert_true(kpolicy_heap_allowed(p, "protected,secure-video", 7,
					 (const uint32_t[]){ 5, 6, 44 }, 3));
	assert_false(kpolicy_heap_allowed(p, "protected,secure-video", 7,
					  (const uint32_t[]){ 5, 6, 45 }, 3));
	assert_false(kpolicy_heap_allowed(p, "protected,secure-video", 7,
					  NULL, 0));
	/* Not listed: everyone. */
	assert_true(allowed1(p, "system", 7, 7));
	/* Quotas. */
	assert_int_equal(kpolicy_quota(p, 1000), 0);
	assert_int_equal(kpolicy_quota(p, 4294967295u), 4096);
	assert_int_equal(kpolicy_quota(p, 1), 1048576);
	kpolicy_destroy(p);
	/* No policy: everything, unlimited. */
	assert_true(allowed1(NULL, "protected,trusted-ui", 1, 1));
	assert_int_equal(kpolicy_quota(NULL, 1), 0);
	assert_int_equal(kpolicy_heap_count(NULL), 0);
	/* The empty policy. */
	assert_int_equal(kpolicy_parse("{}", 2, &p, &err), 0);
	assert_int_equal(kpolicy_quota(p, 1), 0);
	assert_true(allowed1(p, "system", 1, 1));
	kpolicy_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_decisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
