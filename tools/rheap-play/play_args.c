// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-play's command line parser (play_args.h). Pure: no I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>

#include "play_args.h"

/* The largest --frames and --snapshot accepted (a day at 1000 fps). */
#define PLAY_ARGS_FRAMES_MAX 86400000ull

static const char play_usage[] =
	"usage: rheap-play [--heap HEAP] [--frames N] [--bitstream-buffers N]\n"
	"                  [--frame-buffers N] [--sink md5|y4m|md5,y4m|none]\n"
	"                  [--snapshot FRAME] [--trace FILE] [--quiet]\n"
	"                  [--probe-gpu] [--check-mmap] FILE.mp4\n"
	"\n"
	"Plays a CENC-encrypted (or clear) MP4 through the Secure Data Path:\n"
	"decrypt by the SDP partition into restricted buffers, the secure\n"
	"decoder, the secure display's protected sink. docs/rheap-play.md.\n"
	"\n"
	"  --heap HEAP              restricted heap (default protected,secure-video)\n"
	"  --frames N               show at most N frames\n"
	"  --bitstream-buffers N    restricted bitstream buffers (default 4, 1..16)\n"
	"  --frame-buffers N        restricted frame buffers (default 12, 2..32)\n"
	"  --sink md5|y4m|md5,y4m|none\n"
	"                           what the display writes (default md5; none:\n"
	"                           scan out only, nothing kept)\n"
	"  --snapshot FRAME         PNG snapshot of frame FRAME (0 = first)\n"
	"  --trace FILE             Chrome trace-event JSON of the pipeline\n"
	"  --quiet                  no progress output\n"
	"  --probe-gpu              ask the non-secure gpu to read a frame buffer\n"
	"                           (must fault)\n"
	"  --check-mmap             try mmap/read on every restricted buffer\n"
	"                           (must be refused)\n"
	"\n"
	"Exit status: 0 played; 1 failed (a sentence on stderr); 2 usage.\n";

const char *play_args_usage(void)
{
	return play_usage;
}

static int args_u64(const char *text, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = 0;

	if (text[0] < '0' || text[0] > '9') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int args_sink(const char *text, uint32_t *out)
{
	if (strcmp(text, "md5") == 0) {
		*out = DEVICE_SINK_MD5;
	} else if (strcmp(text, "y4m") == 0) {
		*out = DEVICE_SINK_Y4M;
	} else if (strcmp(text, "md5,y4m") == 0 ||
		   strcmp(text, "y4m,md5") == 0) {
		*out = DEVICE_SINK_MD5 | DEVICE_SINK_Y4M;
	} else if (strcmp(text, "none") == 0) {
		*out = 0;
	} else {
		return -EINVAL;
	}
	return 0;
}

enum args_id {
	ARG_HEAP,
	ARG_FRAMES,
	ARG_BS,
	ARG_FB,
	ARG_SINK,
	ARG_SNAPSHOT,
	ARG_TRACE,
	ARG_QUIET,
	ARG_PROBE_GPU,
	ARG_CHECK_MMAP,
	ARG_HELP,
	ARG_VERSION,
};

struct args_def {
	const char *name;
	enum args_id id;
	bool takes_value;
};

static const struct args_def args_defs[] = {
	{ "--heap", ARG_HEAP, true },
	{ "--frames", ARG_FRAMES, true },
	{ "--bitstream-buffers", ARG_BS, true },
	{ "--frame-buffers", ARG_FB, true },
	{ "--sink", ARG_SINK, true },
	{ "--snapshot", ARG_SNAPSHOT, true },
	{ "--trace", ARG_TRACE, true },
	{ "--quiet", ARG_QUIET, false },
	{ "--probe-gpu", ARG_PROBE_GPU, false },
	{ "--check-mmap", ARG_CHECK_MMAP, false },
	{ "--help", ARG_HELP, false },
	{ "--version", ARG_VERSION, false },
};

static int args_value(enum args_id id, const char *name, const char *v,
		      struct play_opts *o, char *err, size_t cap)
{
	uint64_t n = 0;

	switch (id) {
	case ARG_HEAP:
		if (v[0] == '\0') {
			snprintf(err, cap, "%s needs a heap name", name);
			return -EINVAL;
		}
		o->heap = v;
		return 0;
	case ARG_FRAMES:
		if (args_u64(v, 1, PLAY_ARGS_FRAMES_MAX, &o->frames) != 0) {
			snprintf(err, cap, "%s '%s' is not a number of frames (1..%llu)",
				 name, v, PLAY_ARGS_FRAMES_MAX);
			return -EINVAL;
		}
		return 0;
	case ARG_BS:
		if (args_u64(v, 1, PLAY_BS_MAX, &n) != 0) {
			snprintf(err, cap, "%s '%s' is not a number of buffers (1..%u)",
				 name, v, PLAY_BS_MAX);
			return -EINVAL;
		}
		o->bs_count = (uint32_t)n;
		return 0;
	case ARG_FB:
		if (args_u64(v, PLAY_FRAMEBUF_MIN, PLAY_FRAMEBUF_MAX, &n) != 0) {
			snprintf(err, cap, "%s '%s' is not a number of buffers (%u..%u)",
				 name, v, PLAY_FRAMEBUF_MIN, PLAY_FRAMEBUF_MAX);
			return -EINVAL;
		}
		o->frame_count = (uint32_t)n;
		return 0;
	case ARG_SINK:
		if (args_sink(v, &o->sink_flags) != 0) {
			snprintf(err, cap, "%s '%s' is not md5, y4m, md5,y4m or none",
				 name, v);
			return -EINVAL;
		}
		return 0;
	case ARG_SNAPSHOT:
		if (args_u64(v, 0, PLAY_ARGS_FRAMES_MAX, &n) != 0) {
			snprintf(err, cap, "%s '%s' is not a frame number (0..%llu)",
				 name, v, PLAY_ARGS_FRAMES_MAX);
			return -EINVAL;
		}
		o->snapshot = n + 1u;
		return 0;
	case ARG_TRACE:
		if (v[0] == '\0') {
			snprintf(err, cap, "%s needs a file name", name);
			return -EINVAL;
		}
		o->trace_path = v;
		return 0;
	default:
		snprintf(err, cap, "internal: %s", name);
		return -EINVAL;
	}
}

static const struct args_def *args_find(const char *arg, size_t len)
{
	for (size_t i = 0; i < sizeof(args_defs) / sizeof(args_defs[0]); i++) {
		if (strlen(args_defs[i].name) == len &&
		    strncmp(args_defs[i].name, arg, len) == 0) {
			return &args_defs[i];
		}
	}
	return NULL;
}

int play_args_parse(int argc, char **argv, struct play_opts *opts, char *err,
		    size_t cap)
{
	struct play_opts o = {
		.heap = PLAY_HEAP_DEFAULT,
		.bs_count = PLAY_BS_DEFAULT,
		.frame_count = PLAY_FRAMEBUF_DEFAULT,
		.sink_flags = DEVICE_SINK_MD5,
	};
	bool options_done = false;
	int rc = 0;

	if (cap > 0) {
		err[0] = '\0';
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = NULL;
		const char *value = NULL;
		const struct args_def *def = NULL;

		if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
			if (o.file) {
				snprintf(err, cap, "one file only ('%s' and '%s')",
					 o.file, arg);
				return -EINVAL;
			}
			o.file = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		eq = strchr(arg, '=');
		def = args_find(arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (!def) {
			snprintf(err, cap, "unknown option '%s'", arg);
			return -EINVAL;
		}
		if (!def->takes_value) {
			if (eq) {
				snprintf(err, cap, "%s takes no value", def->name);
				return -EINVAL;
			}
			switch (def->id) {
			case ARG_QUIET:
				o.quiet = true;
				break;
			case ARG_PROBE_GPU:
				o.probe_gpu = true;
				break;
			case ARG_CHECK_MMAP:
				o.check_mmap = true;
				break;
			case ARG_HELP:
				return PLAY_ARGS_HELP;
			default:
				return PLAY_ARGS_VERSION;
			}
			continue;
		}
		if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			snprintf(err, cap, "%s needs a value", def->name);
			return -EINVAL;
		}
		rc = args_value(def->id, def->name, value, &o, err, cap);
		if (rc != 0) {
			return rc;
		}
	}
	if (!o.file) {
		snprintf(err, cap, "no file to play");
		return -EINVAL;
	}
	*opts = o;
	return 0;
}
