// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of rheap-play's pure modules (tools/rheap-play): play_args,
 * play_enc (hostile side data included), play_status, play_trace, play_ui.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libavutil/encryption_info.h>
#include <libavutil/mem.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>

#include "play_args.h"
#include "play_enc.h"
#include "play_status.h"
#include "play_trace.h"
#include "play_ui.h"
#include "util/json.h"

/* ---------------------------------------------------------------- args */

static int parse(struct play_opts *o, char *err, size_t cap, ...)
{
	char *argv[32] = { "rheap-play" };
	int argc = 1;
	va_list ap;
	char *a = NULL;

	va_start(ap, cap);
	while ((a = va_arg(ap, char *)) != NULL && argc < 31) {
		argv[argc++] = a;
	}
	va_end(ap);
	return play_args_parse(argc, argv, o, err, cap);
}

static void test_args_defaults(void **state)
{
	struct play_opts o = { 0 };
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), "clip.mp4", NULL), 0);
	assert_string_equal(o.file, "clip.mp4");
	assert_string_equal(o.heap, PLAY_HEAP_DEFAULT);
	assert_int_equal(o.bs_count, PLAY_BS_DEFAULT);
	assert_int_equal(o.frame_count, PLAY_FRAMEBUF_DEFAULT);
	assert_int_equal(o.sink_flags, DEVICE_SINK_MD5);
	assert_int_equal(o.frames, 0);
	assert_int_equal(o.snapshot, 0);
	assert_null(o.trace_path);
	assert_false(o.quiet || o.probe_gpu || o.check_mmap);
}

static void test_args_all(void **state)
{
	struct play_opts o = { 0 };
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), "--heap", "protected,trusted-ui",
			       "--frames=10", "--bitstream-buffers", "16",
			       "--frame-buffers", "32", "--sink", "md5,y4m",
			       "clip.mp4", "--snapshot", "0", "--trace", "t.json",
			       "--quiet", "--probe-gpu", "--check-mmap", NULL),
			 0);
	assert_string_equal(o.heap, "protected,trusted-ui");
	assert_int_equal(o.frames, 10);
	assert_int_equal(o.bs_count, 16);
	assert_int_equal(o.frame_count, 32);
	assert_int_equal(o.sink_flags, DEVICE_SINK_MD5 | DEVICE_SINK_Y4M);
	assert_int_equal(o.snapshot, 1);
	assert_string_equal(o.trace_path, "t.json");
	assert_true(o.quiet && o.probe_gpu && o.check_mmap);
	assert_int_equal(parse(&o, err, sizeof(err), "--sink", "y4m", "--",
			       "--odd-name.mp4", NULL),
			 0);
	assert_int_equal(o.sink_flags, DEVICE_SINK_Y4M);
	assert_string_equal(o.file, "--odd-name.mp4");
	assert_int_equal(parse(&o, err, sizeof(err), "--sink=none", "c.mp4",
			       NULL),
			 0);
	assert_int_equal(o.sink_flags, 0);
	assert_int_equal(parse(&o, err, sizeof(err), "--help", NULL),
			 PLAY_ARGS_HELP);
	assert_int_equal(parse(&o, err, sizeof(err), "x", "--version", NULL),
			 PLAY_ARGS_VERSION);
	assert_non_null(strstr(play_args_usage(), "--check-mmap"));
}

static void test_args_rejects(void **state)
{
	static const char *const cases[][3] = {
		/* one case per validation branch: argv[1..2] */
		{ "--bogus", "c.mp4", "unknown option" },
		{ "--frames", NULL, "needs a value" },
		{ "--frames", "0", "not a number of frames" },
		{ "--frames", "-1", "not a number of frames" },
		{ "--frames", "86400001", "not a number of frames" },
		{ "--frames", "1x", "not a number of frames" },
		{ "--bitstream-buffers", "0", "not a number of buffers" },
		{ "--bitstream-buffers", "17", "not a number of buffers" },
		{ "--frame-buffers", "1", "not a number of buffers" },
		{ "--frame-buffers", "33", "not a number of buffers" },
		{ "--sink", "png", "not md5, y4m, md5,y4m or none" },
		{ "--sink", "", "not md5, y4m, md5,y4m or none" },
		{ "--sink", "none,md5", "not md5, y4m, md5,y4m or none" },
		{ "--snapshot", "x", "not a frame number" },
		{ "--heap", "", "needs a heap name" },
		{ "--trace", "", "needs a file name" },
		{ "--quiet=1", "c.mp4", "takes no value" },
		{ "a.mp4", "b.mp4", "one file only" },
		{ "--quiet", NULL, "no file to play" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct play_opts o = { .heap = "untouched" };
		char err[256] = "";
		char *argv[4] = { "rheap-play", (char *)cases[i][0],
				  (char *)cases[i][1], NULL };
		int argc = cases[i][1] ? 3 : 2;
		int rc = play_args_parse(argc, argv, &o, err, sizeof(err));

		if (rc != -EINVAL || !strstr(err, cases[i][2])) {
			fail_msg("case %zu (%s %s): rc %d, '%s'", i, cases[i][0],
				 cases[i][1] ? cases[i][1] : "", rc, err);
		}
		assert_string_equal(o.heap, "untouched");
	}
}

/* ----------------------------------------------------------------- enc */

/* Side data as libavutil serialises it (what the mov demuxer attaches). */
static uint8_t *side_make(uint32_t scheme, uint32_t kid_size, uint32_t iv_size,
			  uint32_t count, const uint32_t *sizes, size_t *len)
{
	AVEncryptionInfo *info = av_encryption_info_alloc(count, kid_size,
							  iv_size);
	uint8_t *side = NULL;

	assert_non_null(info);
	info->scheme = scheme;
	for (uint32_t i = 0; i < kid_size; i++) {
		info->key_id[i] = (uint8_t)(0x10 + i);
	}
	for (uint32_t i = 0; i < iv_size; i++) {
		info->iv[i] = (uint8_t)(0xa0 + i);
	}
	for (uint32_t i = 0; i < count; i++) {
		info->subsamples[i].bytes_of_clear_data = sizes[2 * i];
		info->subsamples[i].bytes_of_protected_data = sizes[2 * i + 1];
	}
	side = av_encryption_info_add_side_data(info, len);
	av_encryption_info_free(info);
	assert_non_null(side);
	return side;
}

static void test_enc_subsamples(void **state)
{
	static const uint32_t sizes[] = { 5, 256, 7, 9 };
	static struct play_enc e;
	struct sdp_ta_decrypt_info ti = { 0 };
	struct sdp_abi_subsample sub = { 0 };
	const char *why = NULL;
	size_t len = 0;
	uint8_t *side = side_make(PLAY_ENC_SCHEME_CENC, 16, 8, 2, sizes, &len);

	(void)state;
	assert_int_equal(play_enc_decode(side, len, 277, &e, &why), 0);
	assert_int_equal(e.param_size, 40 + 2 * 8);
	assert_int_equal(e.subsample_count, 2);
	memcpy(&ti, e.param, sizeof(ti));
	assert_int_equal(ti.iv_size, 8);
	assert_int_equal(ti.subsample_count, 2);
	for (uint32_t i = 0; i < 16; i++) {
		assert_int_equal(ti.kid[i], 0x10 + i);
		assert_int_equal(e.kid[i], 0x10 + i);
		/* IV bytes past iv_size are zero (MBZ) */
		assert_int_equal(ti.iv[i], i < 8 ? 0xa0 + i : 0);
	}
	memcpy(&sub, e.param + 40 + 8, sizeof(sub));
	assert_int_equal(sub.clear_size, 7);
	assert_int_equal(sub.protected_size, 9);
	/* the subsamples must add up exactly: one short, one over */
	assert_int_equal(play_enc_decode(side, len, 276, &e, &why), -EINVAL);
	assert_int_equal(play_enc_decode(side, len, 278, &e, &why), -EINVAL);
	assert_non_null(strstr(why, "add up"));
	/* truncated by one byte, and every shorter prefix */
	for (size_t cut = 0; cut < len; cut++) {
		assert_int_equal(play_enc_decode(side, cut, 277, &e, &why),
				 -EINVAL);
	}
	av_free(side);
}

static void test_enc_whole_sample(void **state)
{
	static struct play_enc e;
	const char *why = NULL;
	size_t len = 0;
	uint8_t *side = side_make(PLAY_ENC_SCHEME_CENC, 16, 16, 0, NULL, &len);
	char hex[33] = "";

	(void)state;
	/* no map: any sample size is whole-sample encryption */
	assert_int_equal(play_enc_decode(side, len, 12345, &e, &why), 0);
	assert_int_equal(e.param_size, 40);
	assert_int_equal(e.subsample_count, 0);
	play_enc_kid_hex(e.kid, hex, sizeof(hex));
	assert_string_equal(hex, "101112131415161718191a1b1c1d1e1f");
	av_free(side);
}

static void test_enc_rejects(void **state)
{
	static const uint32_t one[] = { 4, 4 };
	static const uint32_t big_clear[] = { 65536, 0 };
	static struct play_enc e;
	uint32_t *many = calloc(2u * 257u, sizeof(uint32_t));
	const char *why = NULL;
	char name[8] = "";
	size_t len = 0;
	uint8_t *side = NULL;
	/* 'cenc', then a key ID size far beyond the data */
	static const uint8_t junk[64] = { 0x63, 0x65, 0x6e, 0x63, [12] = 0xff,
					  0xff, 0xff, 0xff };

	(void)state;
	assert_non_null(many);
	/* another scheme */
	side = side_make(0x63626373u /* cbcs */, 16, 16, 1, one, &len);
	assert_int_equal(play_enc_decode(side, len, 8, &e, &why), -EOPNOTSUPP);
	play_enc_scheme_name(e.scheme, name, sizeof(name));
	assert_string_equal(name, "cbcs");
	av_free(side);
	/* key ID not 16 bytes */
	side = side_make(PLAY_ENC_SCHEME_CENC, 8, 16, 1, one, &len);
	assert_int_equal(play_enc_decode(side, len, 8, &e, &why), -EINVAL);
	assert_non_null(strstr(why, "key ID"));
	av_free(side);
	/* IV neither 8 nor 16 */
	side = side_make(PLAY_ENC_SCHEME_CENC, 16, 12, 1, one, &len);
	assert_int_equal(play_enc_decode(side, len, 8, &e, &why), -EINVAL);
	assert_non_null(strstr(why, "IV"));
	av_free(side);
	/* a clear part wider than 'senc' allows */
	side = side_make(PLAY_ENC_SCHEME_CENC, 16, 8, 1, big_clear, &len);
	assert_int_equal(play_enc_decode(side, len, 65536, &e, &why), -EINVAL);
	av_free(side);
	/* 257 subsamples */
	for (uint32_t i = 0; i < 257; i++) {
		many[2 * i] = 1;
	}
	side = side_make(PLAY_ENC_SCHEME_CENC, 16, 8, 257, many, &len);
	assert_int_equal(play_enc_decode(side, len, 257, &e, &why), -EINVAL);
	av_free(side);
	/* 256 is the limit, accepted */
	side = side_make(PLAY_ENC_SCHEME_CENC, 16, 8, 256, many, &len);
	assert_int_equal(play_enc_decode(side, len, 256, &e, &why), 0);
	assert_int_equal(e.param_size, PLAY_ENC_PARAM_MAX);
	av_free(side);
	/* pattern encryption is 'cens'/'cbcs' territory */
	{
		AVEncryptionInfo *info = av_encryption_info_alloc(0, 16, 16);

		info->scheme = PLAY_ENC_SCHEME_CENC;
		info->crypt_byte_block = 1;
		info->skip_byte_block = 9;
		side = av_encryption_info_add_side_data(info, &len);
		av_encryption_info_free(info);
		assert_int_equal(play_enc_decode(side, len, 32, &e, &why),
				 -EOPNOTSUPP);
		av_free(side);
	}
	/* sizes in the header larger than the data, and nothing at all */
	assert_int_equal(play_enc_decode(junk, sizeof(junk), 8, &e, &why),
			 -EINVAL);
	assert_int_equal(play_enc_decode(NULL, 0, 8, &e, &why), -EINVAL);
	free(many);
}

/* -------------------------------------------------------------- status */

static void test_status_counters(void **state)
{
	static const char ok[] =
		"{\"rheapd\": {\"pid\": 1}, \"counters\": {\"allocs\": 18446744073709551615, "
		"\"frees\": 2, \"lends\": 7}}";
	static const char *const bad[] = {
		"{\"counters\": {\"allocs\": 1}}",
		"{\"counters\": {\"allocs\": -1, \"lends\": 0}}",
		"{\"counters\": {\"allocs\": 1.0, \"lends\": 0}}",
		"{\"counters\": [1, 2]}",
		"{}",
		"[]",
		"{\"counters\": {\"allocs\": 1, \"lends\": 2}",
	};
	struct play_counters c = { 0 };

	(void)state;
	assert_int_equal(play_status_counters(ok, strlen(ok), &c), 0);
	assert_true(c.allocs == UINT64_MAX);
	assert_int_equal(c.lends, 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = (struct play_counters){ .allocs = 5, .lends = 5 };
		assert_int_equal(play_status_counters(bad[i], strlen(bad[i]), &c),
				 -EINVAL);
		assert_int_equal(c.allocs, 5);
	}
	assert_int_equal(play_status_counters("{\"counters\": {\"allocs\": 18446744073709551616, \"lends\": 0}}",
					      58, &c),
			 -EOVERFLOW);
}

static void test_status_board(void **state)
{
	static const char ok[] =
		"{\"model\": \"m\", \"faults\": {\"total\": 3, \"held\": 3}, "
		"\"sink_dir\": \"/run/rheap/sink\"}";
	static const char old[] = "{\"faults\": {\"total\": 0}}";
	static const char *const bad[] = {
		"{\"sink_dir\": \"/x\"}",
		"{\"faults\": {\"held\": 1}, \"sink_dir\": \"/x\"}",
		"{\"faults\": {\"total\": 1}, \"sink_dir\": 5}",
		"{\"faults\": {\"total\": 1}, \"sink_dir\": \"a\\u0000b\"}",
		"{\"faults\": 1}",
		"nope",
	};
	static struct play_board_status b;
	static char long_doc[PLAY_SINK_DIR_MAX + 64];
	int n = 0;

	(void)state;
	assert_int_equal(play_status_board(ok, strlen(ok), &b), 0);
	assert_int_equal(b.faults_total, 3);
	assert_string_equal(b.sink_dir, "/run/rheap/sink");
	assert_int_equal(play_status_board(old, strlen(old), &b), 0);
	assert_string_equal(b.sink_dir, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(play_status_board(bad[i], strlen(bad[i]), &b),
				 -EINVAL);
	}
	n = snprintf(long_doc, sizeof(long_doc),
		     "{\"faults\": {\"total\": 0}, \"sink_dir\": \"%0*d\"}",
		     (int)PLAY_SINK_DIR_MAX, 0);
	assert_int_equal(play_status_board(long_doc, (size_t)n, &b), -ENOSPC);
}

/* --------------------------------------------------------------- trace */

static void test_trace(void **state)
{
	struct play_trace *t = NULL;
	struct json_doc *doc = NULL;
	const struct json_value *e = NULL;
	char *text = NULL;
	size_t size = 0;
	uint64_t v = 0;
	const char *s = NULL;
	FILE *f = NULL;

	(void)state;
	play_trace_add(NULL, PLAY_SPAN_DEMUX, 0, 1, 0); /* no-op */
	assert_int_equal(play_trace_create(&t), 0);
	for (uint64_t i = 0; i < 3000; i++) {
		play_trace_add(t, (enum play_span)(i % PLAY_SPAN_COUNT), i * 10,
			       5, i / PLAY_SPAN_COUNT);
	}
	assert_int_equal(play_trace_count(t), 3000);
	f = open_memstream(&text, &size);
	assert_non_null(f);
	assert_int_equal(play_trace_write(t, f, 42, 43), 0);
	fclose(f);
	assert_int_equal(json_parse(text, size, &doc, NULL), 0);
	assert_int_equal(json_root(doc)->type, JSON_ARRAY);
	assert_int_equal(json_root(doc)->count, 3000);
	e = json_root(doc)->child->next->next; /* the third: decode */
	assert_int_equal(json_get_string(json_object_get(e, "name"), &s), 0);
	assert_string_equal(s, "decode");
	assert_int_equal(json_get_string(json_object_get(e, "ph"), &s), 0);
	assert_string_equal(s, "X");
	assert_int_equal(json_get_u64(json_object_get(e, "ts"), &v), 0);
	assert_int_equal(v, 20);
	assert_int_equal(json_get_u64(json_object_get(e, "dur"), &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(json_get_u64(json_object_get(e, "pid"), &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(json_get_u64(json_object_get(e, "tid"), &v), 0);
	assert_int_equal(v, 43);
	assert_int_equal(json_get_u64(json_object_get(json_object_get(e, "args"),
						      "frame"),
				      &v),
			 0);
	assert_int_equal(v, 0);
	json_free(doc);
	free(text);
	play_trace_destroy(t);
	assert_string_equal(play_span_name(PLAY_SPAN_DISPLAY), "display");
	assert_string_equal(play_span_name(PLAY_SPAN_COUNT), "?");
}

/* ------------------------------------------------------------------ ui */

static void test_ui_format(void **state)
{
	char line[160] = "";

	(void)state;
	play_ui_format(line, sizeof(line), true, 15, 30, 500000);
	assert_string_equal(line,
			    "[###############...............] 15/30 frames  30.0 fps  0.5 s");
	play_ui_format(line, sizeof(line), true, 31, 30, 1000000);
	assert_string_equal(line,
			    "[##############################] 31/30 frames  31.0 fps  1.0 s");
	play_ui_format(line, sizeof(line), false, 7, 30, 3000000);
	assert_string_equal(line, "7/30 frames, 2.3 fps, 3.0 s");
	play_ui_format(line, sizeof(line), true, 7, 0, 0);
	assert_string_equal(line, "7 frames, 0.0 fps, 0.0 s");
	play_ui_format(line, 8, true, 15, 30, 500000); /* truncated */
	assert_int_equal(strlen(line), 7);
}

static void test_ui_progress(void **state)
{
	struct play_ui ui = { 0 };
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	assert_non_null(f);
	play_ui_init(&ui, f, false, false, 100);
	play_ui_progress(&ui, 1, 500000);   /* too early */
	play_ui_progress(&ui, 30, 1000000); /* a line */
	play_ui_progress(&ui, 40, 1500000); /* too early again */
	play_ui_end(&ui, 100, 3000000);     /* plain: nothing more */
	fflush(f);
	assert_string_equal(text, "rheap-play: 30/100 frames, 30.0 fps, 1.0 s\n");
	fclose(f);
	free(text);
	f = open_memstream(&text, &size);
	play_ui_init(&ui, f, true, false, 10);
	play_ui_end(&ui, 10, 1000000);
	fflush(f);
	assert_non_null(strstr(text, "\r[##############################] 10/10"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	fclose(f);
	free(text);
	f = open_memstream(&text, &size);
	play_ui_init(&ui, f, true, true, 10);
	play_ui_progress(&ui, 5, 5000000);
	play_ui_end(&ui, 10, 6000000);
	fflush(f);
	assert_int_equal(size, 0);
	fclose(f);
	free(text);
}

static void test_ui_summary(void **state)
{
	struct play_summary s = {
		.file = "clip.mp4",
		.codec = "h264",
		.width = 320,
		.height = 240,
		.encryption = "cenc",
		.kid_count = 2,
		.samples = 50,
		.frames = 50,
		.dropped = 0,
		.elapsed_us = 1034000,
		.steady_known = true,
		.faults_known = true,
		.faults = 0,
		.sink_dir = "/run/rheap/sink",
		.session = 3,
		.sink_flags = DEVICE_SINK_MD5 | DEVICE_SINK_Y4M,
		.snapshot = 6,
	};
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	play_ui_summary(f, &s);
	fflush(f);
	assert_string_equal(text,
			    "played: clip.mp4 (h264 320x240, cenc, 2 key IDs)\n"
			    "frames: 50 shown, 0 dropped, 50 samples\n"
			    "time: 1.034 s, 48.4 fps\n"
			    "steady state: 0 allocations, 0 lends\n"
			    "faults: 0\n"
			    "output: /run/rheap/sink/display-3.md5\n"
			    "output: /run/rheap/sink/display-3.y4m\n"
			    "snapshot: /run/rheap/sink/display-3-snapshot.png\n");
	fclose(f);
	free(text);
	s = (struct play_summary){ .file = "c.mp4", .codec = "mpeg4",
				   .encryption = "clear", .sink_dir = "",
				   .sink_flags = DEVICE_SINK_MD5,
				   .steady_allocs = 1 };
	f = open_memstream(&text, &size);
	play_ui_summary(f, &s);
	fflush(f);
	assert_non_null(strstr(text, "played: c.mp4 (mpeg4 0x0, clear)\n"));
	assert_non_null(strstr(text, "steady state: unknown"));
	assert_non_null(strstr(text, "faults: unknown"));
	assert_non_null(strstr(text, "output: <sink dir>/display-0.md5\n"));
	assert_null(strstr(text, "snapshot"));
	fclose(f);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_defaults),
		cmocka_unit_test(test_args_all),
		cmocka_unit_test(test_args_rejects),
		cmocka_unit_test(test_enc_subsamples),
		cmocka_unit_test(test_enc_whole_sample),
		cmocka_unit_test(test_enc_rejects),
		cmocka_unit_test(test_status_counters),
		cmocka_unit_test(test_status_board),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_ui_format),
		cmocka_unit_test(test_ui_progress),
		cmocka_unit_test(test_ui_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
