// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl's renderers (tools/rheapctl/render.h): sizes in and out, the
 * status and faults tables against golden text, the SVG map's shapes,
 * and hostile STATUS documents (each rejected with the exact member path).
 * The fixture tests/vectors/rheapctl/status.json follows the STATUS
 * schema of docs/rheapd-uapi.md and the board's of
 * docs/board-transport.md.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rheap/err.h>

#include "render.h"
#include "util/json.h"

static char *read_vector(const char *name, size_t *size)
{
	const char *dir = getenv("RHEAP_RHEAPCTL_VECTORS");
	char path[512] = "";
	char *buf = NULL;
	long n = 0;
	FILE *f = NULL;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* The fixture with the first @find replaced by @repl (both may be NULL). */
static struct json_doc *fixture(const char *name, const char *find,
				const char *repl)
{
	struct json_doc *doc = NULL;
	size_t size = 0;
	char *text = read_vector(name, &size);
	char *out = text;

	if (find) {
		char *at = strstr(text, find);
		size_t flen = strlen(find);
		size_t rlen = strlen(repl);

		assert_non_null(at);
		out = malloc(size - flen + rlen + 1);
		assert_non_null(out);
		memcpy(out, text, (size_t)(at - text));
		memcpy(out + (at - text), repl, rlen);
		memcpy(out + (at - text) + rlen, at + flen,
		       size - (size_t)(at - text) - flen + 1);
		size = size - flen + rlen;
		free(text);
	}
	assert_int_equal(json_parse(out, size, &doc, NULL), 0);
	free(out);
	return doc;
}

typedef int (*render_fn)(FILE *out, const struct json_value *rheapd,
			 const struct json_value *board, char *err,
			 size_t err_size);

/* Renders into memory; returns the text (caller frees) and the rc. */
static char *render(render_fn fn, const struct json_value *rheapd,
		    const struct json_value *board, int *rc, char *err)
{
	char **text = calloc(1, sizeof(*text));
	char *out = NULL;
	size_t size = 0;
	FILE *f = NULL;

	assert_non_null(text);
	f = open_memstream(text, &size);
	assert_non_null(f);
	*rc = fn(f, rheapd, board, err, CTL_RENDER_ERR_MAX);
	assert_int_equal(fclose(f), 0);
	out = *text;
	free(text);
	return out;
}

static int render_faults_adapter(FILE *out, const struct json_value *faults,
				 const struct json_value *unused, char *err,
				 size_t err_size)
{
	(void)unused;
	return ctl_render_faults(out, faults, err, err_size);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
		n++;
	}
	return n;
}

/* ---- sizes ---- */

static void test_format_size(void **state)
{
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ 4095, "4095" },
		{ 4096, "4K" },
		{ 4097, "4097" },
		{ 3u << 20, "3M" },
		{ (3u << 20) + 8192, "3080K" },
		{ UINT64_C(1) << 30, "1G" },
		{ UINT64_C(5) << 40, "5120G" },
		{ UINT64_MAX, "18446744073709551615" },
	};
	char buf[24] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(ctl_format_size(buf, sizeof(buf), cases[i].v),
				    cases[i].s);
	}
}

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t v;
	} cases[] = {
		{ "4096", 0, 4096 },
		{ "1", 0, 1 },
		{ "4K", 0, 4096 },
		{ "4k", 0, 4096 },
		{ "4KiB", 0, 4096 },
		{ "4KB", 0, 4096 },
		{ "16M", 0, 16u << 20 },
		{ "2G", 0, UINT64_C(2) << 30 },
		{ "100B", 0, 100 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -EOVERFLOW, 0 },
		{ "17179869184G", -EOVERFLOW, 0 },
		{ "0", -EINVAL, 0 },
		{ "0K", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+4", -EINVAL, 0 },
		{ " 4", -EINVAL, 0 },
		{ "4 K", -EINVAL, 0 },
		{ "4T", -EINVAL, 0 },
		{ "4Ki", -EINVAL, 0 },
		{ "4iB", -EINVAL, 0 },
		{ "4KK", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "1.5M", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;

		assert_int_equal(ctl_parse_size(cases[i].s, &v), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_int_equal(v, cases[i].v);
		}
	}
}

/* ---- tables ---- */

static void test_status_golden(void **state)
{
	struct json_doc *doc = fixture("status.json", NULL, NULL);
	const struct json_value *root = json_root(doc);
	char err[CTL_RENDER_ERR_MAX] = "";
	size_t size = 0;
	char *want = read_vector("status.txt", &size);
	int rc = 0;
	char *got = render(ctl_render_status, json_object_get(root, "rheapd"),
			   json_object_get(root, "board"), &rc, err);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	/* The figures the brief names, exactly. */
	assert_non_null(strstr(got, "  protected,secure-video           dynamic 0x00000008ef000000   256M     3M     1M      1M     2M    1    1       1\n"));
	assert_non_null(strstr(got, "TZASC   2 of 8 regions in use\n"));
	assert_non_null(strstr(got, "     2     5001   1001    100       1      8K     64M"));
	free(got);
	free(want);
	json_free(doc);
}

static void test_status_one_side(void **state)
{
	struct json_doc *doc = fixture("status.json", NULL, NULL);
	const struct json_value *root = json_root(doc);
	char err[CTL_RENDER_ERR_MAX] = "";
	int rc = 0;
	char *got = render(ctl_render_status, NULL, json_object_get(root, "board"),
			   &rc, err);

	(void)state;
	assert_int_equal(rc, 0);
	assert_true(strncmp(got, "rheapd  not reachable\n", 22) == 0);
	assert_null(strstr(got, "HEAPS"));
	assert_non_null(strstr(got, "TZASC   2 of 8"));
	free(got);
	got = render(ctl_render_status, json_object_get(root, "rheapd"), NULL, &rc, err);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(got, "board   not reachable\n"));
	assert_null(strstr(got, "TZASC"));
	free(got);
	got = render(ctl_render_status, NULL, NULL, &rc, err);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "status: neither rheapd nor the board answered");
	free(got);
	json_free(doc);
}

static void test_faults_golden(void **state)
{
	struct json_doc *doc = fixture("faults.json", NULL, NULL);
	char err[CTL_RENDER_ERR_MAX] = "";
	size_t size = 0;
	char *want = read_vector("faults.txt", &size);
	int rc = 0;
	char *got = render(render_faults_adapter, json_root(doc), NULL, &rc, err);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
	free(want);
	json_free(doc);
}

static void test_faults_empty(void **state)
{
	static const char text[] =
		"{\"total\": 5, \"held\": 0, \"dropped\": 0, \"faults\": []}";
	struct json_doc *doc = NULL;
	char err[CTL_RENDER_ERR_MAX] = "";
	int rc = 0;
	char *got = NULL;

	(void)state;
	assert_int_equal(json_parse(text, sizeof(text) - 1, &doc, NULL), 0);
	got = render(render_faults_adapter, json_root(doc), NULL, &rc, err);
	assert_int_equal(rc, 0);
	assert_string_equal(got, "faults: 5 recorded since boot, 0 held, 0 dropped (log full)\n"
				 "no faults recorded\n");
	free(got);
	json_free(doc);
}

/* ---- hostile documents ---- */

struct hostile {
	const char *file;
	const char *find;
	const char *repl;
	render_fn fn;
	const char *err;
};

static int render_map_adapter(FILE *out, const struct json_value *rheapd,
			      const struct json_value *board, char *err,
			      size_t err_size)
{
	return ctl_render_map_svg(out, rheapd, board, err, err_size);
}

static void test_hostile(void **state)
{
	static const struct hostile cases[] = {
		{ "status.json", "\"capacity\": 335544320", "\"capacity\": -1",
		  ctl_render_status,
		  "rheapd.heaps[0].capacity: missing or not an unsigned integer" },
		{ "status.json", "\"pid\": 4242", "\"pid\": 4242.5", ctl_render_status,
		  "rheapd.rheapd.pid: missing or not an unsigned integer" },
		{ "status.json", "\"pid\": 4242", "\"pid\": 18446744073709551616",
		  ctl_render_status,
		  "rheapd.rheapd.pid: missing or not an unsigned integer" },
		{ "status.json", "\"pid\": 4242", "\"pjd\": 4242", ctl_render_status,
		  "rheapd.rheapd.pid: missing or not an unsigned integer" },
		{ "status.json", "\"state\": \"idle\"", "\"state\": \"borrowed\"",
		  ctl_render_status,
		  "rheapd.pools[2].chunks[1].state: not \"lent\" or \"idle\"" },
		{ "status.json", "\"state\": \"idle\"", "\"state\": \"borrowed\"",
		  render_map_adapter,
		  "rheapd.pools[2].chunks[1].state: not \"lent\" or \"idle\"" },
		{ "status.json", "\"buffers_truncated\": false",
		  "\"buffers_truncated\": 0", ctl_render_status,
		  "rheapd.buffers_truncated: missing or not a boolean" },
		{ "status.json", "\"size\": 83886080", "\"size\": 0", ctl_render_status,
		  "board.tzasc.secure[0].size: zero or past the end of the address space" },
		{ "status.json", "\"extents\": []", "\"extents\": [7]", ctl_render_status,
		  "rheapd.buffers[2].extents[0]: not an object" },
		{ "status.json", "\"extents\": []", "\"extents\": {}", render_map_adapter,
		  "rheapd.buffers[2].extents: missing or not an array" },
		{ "status.json", "\"kind\": \"static\"", "\"kind\": \"carveout\"",
		  render_map_adapter,
		  "rheapd.pools[0].kind: not \"static\" or \"dynamic\"" },
		{ "status.json", "\"size\": 268435456", "\"size\": 18446744073709551615",
		  render_map_adapter,
		  "rheapd.pools[2].size: past the end of the address space" },
		{ "status.json", "\"heaps\": [", "\"heaps\": [1, ", ctl_render_status,
		  "rheapd.heaps[0]: not an object" },
		{ "status.json", "\"name\": \"system\"", "\"name\": \"sys\\u0000tem\"",
		  ctl_render_status, "rheapd.heaps[3].name: string holds a NUL byte" },
		{ "faults.json", "\"pa_valid\": true", "\"pa_valid\": \"yes\"",
		  render_faults_adapter,
		  "faults.faults[0].pa_valid: missing or not a boolean" },
		{ "faults.json", "\"held\": 3", "\"held\": null", render_faults_adapter,
		  "faults.held: missing or not an unsigned integer" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile *h = &cases[i];
		struct json_doc *doc = fixture(h->file, h->find, h->repl);
		const struct json_value *root = json_root(doc);
		bool faults = strcmp(h->file, "faults.json") == 0;
		char err[CTL_RENDER_ERR_MAX] = "";
		int rc = 0;
		char *got = render(h->fn, faults ? root : json_object_get(root, "rheapd"),
				   faults ? NULL : json_object_get(root, "board"), &rc,
				   err);

		if (rc != -EINVAL || strcmp(err, h->err) != 0) {
			fail_msg("case %zu: rc %d, err '%s', want '%s'", i, rc, err,
				 h->err);
		}
		free(got);
		json_free(doc);
	}
}

static void test_not_objects(void **state)
{
	static const char text[] = "[1, \"x\"]";
	struct json_doc *doc = NULL;
	char err[CTL_RENDER_ERR_MAX] = "";
	int rc = 0;
	char *got = NULL;

	(void)state;
	assert_int_equal(json_parse(text, sizeof(text) - 1, &doc, NULL), 0);
	got = render(ctl_render_status, json_root(doc), NULL, &rc, err);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "rheapd: not an object");
	free(got);
	got = render(render_map_adapter, NULL, json_root(doc), &rc, err);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "board: not an object");
	free(got);
	got = render(render_faults_adapter, json_root(doc), NULL, &rc, err);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "faults: not an object");
	free(got);
	got = render(render_map_adapter, NULL, NULL, &rc, err);
	assert_int_equal(rc, -EINVAL);
	free(got);
	json_free(doc);
}

/* ---- SVG ---- */

static void test_map_full(void **state)
{
	struct json_doc *doc = fixture("status.json", NULL, NULL);
	const struct json_value *root = json_root(doc);
	char err[CTL_RENDER_ERR_MAX] = "";
	int rc = 0;
	char *svg = render(render_map_adapter, json_object_get(root, "rheapd"),
			   json_object_get(root, "board"), &rc, err);

	(void)state;
	assert_int_equal(rc, 0);
	assert_true(strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0);
	assert_non_null(strstr(svg, "</svg>\n"));
	/* Overview rows (2 DRAM ranges) + one row per pool (4). */
	assert_int_equal(count(svg, "class=\"dram\""), 2);
	assert_int_equal(count(svg, "class=\"row-name\""), 6);
	/* Static pools: both in DRAM 0 (overview) and their own rows. */
	assert_int_equal(count(svg, "class=\"pool static\""), 4);
	assert_int_equal(count(svg, "class=\"pool dynamic\""), 4);
	assert_int_equal(count(svg, "class=\"chunk lent\""), 2);
	assert_int_equal(count(svg, "class=\"chunk idle\""), 2);
	/* Buffer extents: 3 in the overview, 3 in pool rows. */
	assert_int_equal(count(svg, "class=\"buffer\""), 6);
	/* TZASC: 2 in the overview; region 1 over both static pools, region
	 * 2 over the secure-video dynamic pool. */
	assert_int_equal(count(svg, "class=\"tzasc\""), 5);
	assert_int_equal(count(svg, "class=\"legend-"), 6);
	assert_non_null(strstr(svg, ">0x8ef000000</text>"));
	assert_non_null(strstr(svg, ">0x900000000</text>"));
	assert_non_null(strstr(svg, "<title>TZASC region 2: 0x8ef000000 +4M secure</title>"));
	assert_non_null(strstr(svg, "<title>chunk 0x8ef200000 +2M idle (secure), used 0, FF-A handle 0x1000000000002, idle 1500 ms</title>"));
	/* The first lent chunk starts where its pool starts, in its row:
	 * x = 200 + 0, and is 2M/256M of 860 px wide. */
	assert_non_null(strstr(svg, "<rect class=\"chunk lent\" x=\"200.0\" y=\"") );
	assert_non_null(strstr(svg, "width=\"6.7\" height=\"22.0\" fill=\"#c62828\" stroke"));
	free(svg);
	json_free(doc);
}

static void test_map_partial_and_escaped(void **state)
{
	struct json_doc *doc = fixture("status.json", "\"heap\": \"protected,trusted-ui\"",
				       "\"heap\": \"a<b&c'\\\"\"");
	const struct json_value *root = json_root(doc);
	char err[CTL_RENDER_ERR_MAX] = "";
	int rc = 0;
	char *svg = render(render_map_adapter, json_object_get(root, "rheapd"),
			   json_object_get(root, "board"), &rc, err);

	(void)state;
	assert_int_equal(rc, 0);
	assert_non_null(strstr(svg, ">a&lt;b&amp;c&apos;&quot;</text>"));
	assert_null(strstr(svg, "a<b"));
	free(svg);
	/* Board only: its pools, no chunks, no buffers. */
	svg = render(render_map_adapter, NULL, json_object_get(root, "board"), &rc, err);
	assert_int_equal(rc, 0);
	assert_int_equal(count(svg, "class=\"pool dynamic\""), 4);
	assert_int_equal(count(svg, "class=\"chunk"), 0);
	assert_int_equal(count(svg, "class=\"buffer\""), 0);
	assert_non_null(strstr(svg, ">secure-video-dyn</text>"));
	free(svg);
	/* rheapd only: one overview row spanning the pools. */
	svg = render(render_map_adapter, json_object_get(root, "rheapd"), NULL, &rc, err);
	assert_int_equal(rc, 0);
	assert_int_equal(count(svg, "class=\"span\""), 1);
	assert_int_equal(count(svg, "class=\"tzasc\""), 0);
	assert_non_null(strstr(svg, ">0xe0000000</text>"));
	assert_non_null(strstr(svg, ">0x8ff000000</text>"));
	free(svg);
	json_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_status_golden),
		cmocka_unit_test(test_status_one_side),
		cmocka_unit_test(test_faults_golden),
		cmocka_unit_test(test_faults_empty),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_not_objects),
		cmocka_unit_test(test_map_full),
		cmocka_unit_test(test_map_partial_and_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
