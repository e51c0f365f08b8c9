// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-play: plays a CENC-encrypted (or clear) MP4 through the Secure Data
 * Path of the rheap platform (docs/rheap-play.md):
 *
 *   libavformat (NW) --ciphertext--> SDP partition DECRYPT --> restricted
 *   bitstream buffer --> vdec (secure) --> restricted frame buffer -->
 *   display (secure) --> protected sink
 *
 * main() parses the command line, checks that the platform is up, opens
 * the file, sets the pipeline up (play_pipe.h), feeds it every sample,
 * drains it, and prints the summary. Steady state is measured with
 * rheapd's STATUS counters (allocs, lends) read after set-up and at the
 * end, bus faults with the board's operator STATUS.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>

#include "board/nw_client.h"
#include "play_args.h"
#include "play_demux.h"
#include "play_pipe.h"
#include "play_status.h"
#include "play_trace.h"
#include "play_ui.h"
#include "util/rundir.h"

#ifndef RHEAP_VERSION
#define RHEAP_VERSION "unknown"
#endif

#define PLAY_PAGE 4096u

static void play_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void play_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("rheap-play: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* rheapd's socket, as librheap finds it. */
static int play_rheapd_socket(char *buf, size_t cap)
{
	const char *env = getenv("RHEAPD_SOCKET");

	if (env && env[0] != '\0') {
		if (strlen(env) >= cap) {
			return -ENOSPC;
		}
		memcpy(buf, env, strlen(env) + 1u);
		return 0;
	}
	return rheap_run_path("rheapd.sock", buf, cap);
}

static int play_counters(struct play_counters *out)
{
	static char json[RHEAPD_MSG_MAX + 1];
	size_t len = 0;
	int rc = rheap_status(0, json, sizeof(json), &len);

	if (rc != 0) {
		return rc;
	}
	return play_status_counters(json, len, out);
}

static int play_board(struct play_board_status *out)
{
	char path[4096] = "";
	struct nw_client *c = NULL;
	char *json = NULL;
	size_t len = 0;
	int rc = rheap_run_path("board.sock", path, sizeof(path));

	if (rc != 0) {
		return rc;
	}
	rc = nw_client_connect(path, BOARD_CONN_OPERATOR, &c);
	if (rc != 0) {
		return rc;
	}
	rc = nw_client_status(c, &json, &len);
	if (rc == 0) {
		rc = play_status_board(json, len, out);
	}
	free(json);
	nw_client_destroy(c);
	return rc;
}

static uint64_t play_round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1u) / to * to;
}

/* I420, tightly packed, odd sizes rounding the chroma up (device_abi.h). */
static uint64_t play_i420_size(uint32_t w, uint32_t h)
{
	uint64_t cw = ((uint64_t)w + 1u) / 2u;
	uint64_t ch = ((uint64_t)h + 1u) / 2u;

	return (uint64_t)w * h + 2u * cw * ch;
}

static uint64_t play_bs_size(const struct play_stream *st)
{
	uint64_t size = (uint64_t)st->width * st->height * 3u / 4u;

	if (size < PLAY_BS_SIZE_MIN) {
		size = PLAY_BS_SIZE_MIN;
	}
	if (st->sample_max > size) {
		size = st->sample_max;
	}
	return play_round_up(size, PLAY_PAGE);
}

/*
 * The run's state, so that play() can leave through one ladder.
 * @before/@after: rheapd's counters after set-up and at the end.
 */
struct play_run {
	struct play_opts opts;
	struct play_demux *demux;
	struct play_stream stream;
	struct play_trace *trace;
	struct play_pipe *pipe;
	struct play_ui ui;
	struct play_summary sum;
	struct play_counters before;
	struct play_counters after;
	struct play_board_status board_before;
	struct play_board_status board_after;
	bool have_counters;
	bool have_board;
	uint64_t t0_us;
};

static int play_write_trace(struct play_run *r)
{
	FILE *f = fopen(r->opts.trace_path, "w");
	int rc = 0;

	if (!f) {
		play_error("cannot write the trace to %s", r->opts.trace_path);
		return -EINVAL;
	}
	rc = play_trace_write(r->trace, f, (uint32_t)getpid(),
			      (uint32_t)getpid());
	if (fclose(f) != 0 || rc != 0) {
		play_error("writing the trace to %s failed", r->opts.trace_path);
		return -ENOSPC;
	}
	return 0;
}

static int play_checks(struct play_run *r)
{
	int rc = 0;

	if ((r->opts.check_mmap || r->opts.probe_gpu) &&
	    !play_pipe_restricted(r->pipe)) {
		play_error("--check-mmap and --probe-gpu check restricted buffers: the heap %s is not restricted",
			   r->opts.heap);
		return -EINVAL;
	}

	if (r->opts.check_mmap) {
		uint32_t refused = 0;
		uint32_t allowed = 0;

		rc = play_pipe_check_mmap(r->pipe, &refused, &allowed);
		if (rc != 0 || allowed > 0) {
			play_error("mmap or read ALLOWED on %" PRIu32 " restricted buffers (refused on %" PRIu32 ")",
				   allowed, refused);
			return -EPERM;
		}
		printf("mmap refused on %" PRIu32 " restricted buffers\n",
		       refused);
	}
	if (r->opts.probe_gpu) {
		int status = 0;

		rc = play_pipe_probe_gpu(r->pipe, &status);
		if (rc != 0) {
			play_error("the gpu probe could not run: %s",
				   rheap_strerror(rc));
			return rc;
		}
		if (status != -EPERM) {
			play_error("the non-secure gpu's read of a frame buffer was not refused (status %s)",
				   status == 0 ? "0: it READ restricted memory" :
						 rheap_err_name(status));
			return -EPERM;
		}
		printf("gpu read of a frame buffer refused: %s (bus fault)\n",
		       rheap_err_name(status));
	}
	return 0;
}

static int play_loop(struct play_run *r)
{
	struct play_sample s = { 0 };
	char err[512] = "";
	int rc = 0;

	for (;;) {
		uint64_t start = play_clock_us() - r->t0_us;
		struct play_pipe_stats st = play_pipe_stats(r->pipe);

		if (st.done) {
			break;
		}
		rc = play_demux_read(r->demux, &s, err, sizeof(err));
		if (rc == 1) {
			break;
		}
		if (rc != 0) {
			play_error("%s: %s", r->opts.file, err);
			return rc;
		}
		play_trace_add(r->trace, PLAY_SPAN_DEMUX, start,
			       play_clock_us() - r->t0_us - start, s.index);
		rc = play_pipe_sample(r->pipe, &s);
		if (rc != 0) {
			play_error("%s", play_pipe_error(r->pipe));
			return rc;
		}
		st = play_pipe_stats(r->pipe);
		play_ui_progress(&r->ui, st.shown, play_clock_us() - r->t0_us);
	}
	rc = play_pipe_finish(r->pipe);
	if (rc != 0) {
		play_error("%s", play_pipe_error(r->pipe));
	}
	return rc;
}

static void play_summarise(struct play_run *r, uint64_t elapsed_us)
{
	struct play_pipe_stats st = play_pipe_stats(r->pipe);
	uint32_t kids = play_demux_kid_count(r->demux);

	r->sum = (struct play_summary){
		.file = r->opts.file,
		.codec = r->stream.codec_name,
		.width = r->stream.width,
		.height = r->stream.height,
		.encryption = kids > 0 ? "cenc" : "clear",
		.kid_count = kids,
		.samples = st.samples,
		.frames = st.shown,
		.dropped = (r->opts.frames == 0 && st.samples > st.decoded) ?
				   st.samples - st.decoded :
				   0,
		.elapsed_us = elapsed_us,
		.steady_known = r->have_counters,
		.steady_allocs = r->after.allocs - r->before.allocs,
		.steady_lends = r->after.lends - r->before.lends,
		.faults_known = r->have_board,
		.faults = r->board_after.faults_total -
			  r->board_before.faults_total,
		.sink_dir = r->board_after.sink_dir,
		.session = st.session,
		.sink_flags = r->opts.sink_flags,
		.snapshot = r->opts.snapshot,
	};
}

static int play(struct play_run *r)
{
	struct play_pipe_cfg cfg = { 0 };
	char path[4096] = "";
	char err[512] = "";
	struct stat sb = { 0 };
	uint64_t total = 0;
	uint64_t elapsed = 0;
	int rc = play_rheapd_socket(path, sizeof(path));

	if (rc != 0 || stat(path, &sb) != 0 || !S_ISSOCK(sb.st_mode)) {
		play_error("the platform is not up: no rheapd socket at %s (start it with rheapctl up)",
			   path);
		return -ENOENT;
	}
	rc = play_demux_open(r->opts.file, &r->demux, &r->stream, err,
			     sizeof(err));
	if (rc != 0) {
		play_error("%s", err);
		return rc;
	}
	if (r->opts.trace_path) {
		rc = play_trace_create(&r->trace);
		if (rc != 0) {
			play_error("out of memory");
			goto out_demux;
		}
	}
	r->have_board = play_board(&r->board_before) == 0;
	cfg = (struct play_pipe_cfg){
		.heap = r->opts.heap,
		.bs_count = r->opts.bs_count,
		.bs_size = play_bs_size(&r->stream),
		.fb_count = r->opts.frame_count,
		.fb_size = play_round_up(play_i420_size(r->stream.width,
							r->stream.height),
					 PLAY_PAGE),
		.codec = r->stream.codec,
		.width = r->stream.width,
		.height = r->stream.height,
		.config = r->stream.extradata,
		.config_size = r->stream.extradata_size,
		.sink_flags = r->opts.sink_flags,
		.snapshot = r->opts.snapshot,
		.fps_num = r->stream.fps_num,
		.fps_den = r->stream.fps_den,
		.frame_limit = r->opts.frames,
		.keep_handles = r->opts.check_mmap || r->opts.probe_gpu,
	};
	r->t0_us = play_clock_us();
	rc = play_pipe_create(&cfg, r->trace, r->t0_us, &r->pipe);
	if (rc != 0) {
		play_error("%s", r->pipe ? play_pipe_error(r->pipe) :
					   "out of memory");
		goto out_pipe;
	}
	r->have_counters = play_counters(&r->before) == 0;
	total = r->stream.frames;
	if (r->opts.frames > 0 && (total == 0 || r->opts.frames < total)) {
		total = r->opts.frames;
	}
	play_ui_init(&r->ui, stderr, isatty(STDERR_FILENO) == 1,
		     r->opts.quiet, total);
	/* Playback time starts at the first sample, after set-up. */
	r->t0_us = play_clock_us();
	rc = play_loop(r);
	elapsed = play_clock_us() - r->t0_us;
	play_ui_end(&r->ui, play_pipe_stats(r->pipe).shown, elapsed);
	if (rc != 0) {
		goto out_pipe;
	}
	r->have_counters = r->have_counters && play_counters(&r->after) == 0;
	r->have_board = r->have_board && play_board(&r->board_after) == 0;
	play_summarise(r, elapsed);
	play_ui_summary(stdout, &r->sum);
	fflush(stdout);
	if (r->trace) {
		rc = play_write_trace(r);
	}
	if (rc == 0) {
		rc = play_checks(r);
	}
out_pipe:
	play_pipe_destroy(r->pipe);
	r->pipe = NULL;
	play_trace_destroy(r->trace);
	r->trace = NULL;
out_demux:
	play_demux_close(r->demux);
	r->demux = NULL;
	return rc;
}

int main(int argc, char **argv)
{
	static struct play_run run;
	char err[256] = "";
	int rc = play_args_parse(argc, argv, &run.opts, err, sizeof(err));

	if (rc == PLAY_ARGS_HELP) {
		fputs(play_args_usage(), stdout);
		return PLAY_EXIT_OK;
	}
	if (rc == PLAY_ARGS_VERSION) {
		printf("rheap-play %s\n", RHEAP_VERSION);
		return PLAY_EXIT_OK;
	}
	if (rc != 0) {
		fprintf(stderr, "rheap-play: %s\n(rheap-play --help for the usage)\n", err);
		return PLAY_EXIT_USAGE;
	}
	return play(&run) == 0 ? PLAY_EXIT_OK : PLAY_EXIT_FAIL;
}
