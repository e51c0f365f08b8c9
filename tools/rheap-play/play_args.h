/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play's command line (docs/rheap-play.md):
 *
 *   rheap-play [--heap HEAP] [--frames N] [--bitstream-buffers N]
 *              [--frame-buffers N] [--sink md5|y4m|md5,y4m|none]
 *              [--snapshot FRAME] [--trace FILE] [--quiet] [--probe-gpu]
 *              [--check-mmap] FILE.mp4
 *
 * Options may come before or after the file; "--opt=value" and
 * "--opt value" are both accepted; "--" ends the options.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_ARGS_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses. */
#define PLAY_EXIT_OK 0
#define PLAY_EXIT_FAIL 1  /* the clip did not play (a sentence on stderr) */
#define PLAY_EXIT_USAGE 2 /* bad command line */

#define PLAY_HEAP_DEFAULT "protected,secure-video"
#define PLAY_BS_DEFAULT 4u
#define PLAY_BS_MAX 16u
#define PLAY_FRAMEBUF_DEFAULT 12u
#define PLAY_FRAMEBUF_MIN 2u
#define PLAY_FRAMEBUF_MAX 32u /* the vdec's output queue (device_abi.h) */

/* play_args_parse()'s answer when --help or --version was asked. */
#define PLAY_ARGS_HELP 1
#define PLAY_ARGS_VERSION 2

/**
 * struct play_opts - the parsed command line
 * @heap:        heap name (PLAY_HEAP_DEFAULT)
 * @file:        the clip
 * @trace_path:  --trace FILE, or NULL
 * @frames:      --frames N: show at most N frames; 0 = all
 * @bs_count:    --bitstream-buffers (1..PLAY_BS_MAX)
 * @frame_count: --frame-buffers (PLAY_FRAMEBUF_MIN..PLAY_FRAMEBUF_MAX)
 * @sink_flags:  DEVICE_SINK_* (default MD5); 0 for --sink none (the
 *               display scans frames out and keeps nothing)
 * @snapshot:    --snapshot FRAME as DISPLAY_OPEN wants it: FRAME + 1;
 *               0 = no snapshot
 * @quiet:       no progress output
 * @probe_gpu:   ask the gpu to read a frame buffer at the end
 * @check_mmap:  try mmap/read on every restricted handle at the end
 */
struct play_opts {
	const char *heap;
	const char *file;
	const char *trace_path;
	uint64_t frames;
	uint32_t bs_count;
	uint32_t frame_count;
	uint32_t sink_flags;
	uint64_t snapshot;
	bool quiet;
	bool probe_gpu;
	bool check_mmap;
};

/**
 * play_args_parse() - parse argv
 * @argc: argument count
 * @argv: arguments (argv[0] is the program)
 * @opts: out: defaults, then the options given
 * @err:  out: on -EINVAL a sentence for the user
 * @cap:  bytes at @err
 *
 * Return: 0; PLAY_ARGS_HELP / PLAY_ARGS_VERSION; -EINVAL a bad command
 * line (unknown option, missing or malformed value, value out of range,
 * no file or more than one).
 */
int play_args_parse(int argc, char **argv, struct play_opts *opts, char *err,
		    size_t cap);

/**
 * play_args_usage() - the usage text
 * Return: a static NUL-terminated string.
 */
const char *play_args_usage(void);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_ARGS_H */
