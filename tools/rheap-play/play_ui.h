/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play's output: progress on stderr (a bar redrawn in place on a
 * terminal, a plain line every PLAY_UI_LINE_MS otherwise, nothing with
 * --quiet) and the summary on stdout. The summary's format is stable
 * (docs/rheap-play.md): tests and the benchmark read it.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_UI_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Redraw period of the bar, and of the plain lines. */
#define PLAY_UI_BAR_MS 100u
#define PLAY_UI_LINE_MS 1000u

/**
 * struct play_ui - progress state
 * @f:       the stream (stderr)
 * @tty:     @f is a terminal: redraw a bar with '\r'
 * @quiet:   print nothing
 * @total:   frames expected (0: unknown)
 * @last_us: when progress was last printed
 * @drawn:   a bar is on the screen (play_ui_end() ends its line)
 */
struct play_ui {
	FILE *f;
	bool tty;
	bool quiet;
	uint64_t total;
	uint64_t last_us;
	bool drawn;
};

/**
 * struct play_summary - what the summary reports
 * @file:          the clip
 * @codec:         "h264", ...
 * @width:         frame width
 * @height:        frame height
 * @encryption:    "cenc", or "clear"
 * @kid_count:     distinct key IDs seen
 * @samples:       samples sent to the decoder
 * @frames:        frames shown
 * @dropped:       frames the decoder did not output for samples sent
 *                 (samples - frames, when the clip played to its end; 0
 *                 with --frames)
 * @elapsed_us:    playback time (first sample to the display's close)
 * @steady_known:  rheapd's counters were read before and after
 * @steady_allocs: allocations during playback (rheapd "allocs" delta)
 * @steady_lends:  chunk lends during playback (rheapd "lends" delta)
 * @faults_known:  the board's fault total was read before and after
 * @faults:        bus faults recorded during playback
 * @sink_dir:      the board's sink directory ("" unknown)
 * @session:       the display session (its files are display-<session>.*)
 * @sink_flags:    DEVICE_SINK_*
 * @snapshot:      snapshot frame + 1 (0 none)
 */
struct play_summary {
	const char *file;
	const char *codec;
	uint32_t width;
	uint32_t height;
	const char *encryption;
	uint32_t kid_count;
	uint64_t samples;
	uint64_t frames;
	uint64_t dropped;
	uint64_t elapsed_us;
	bool steady_known;
	uint64_t steady_allocs;
	uint64_t steady_lends;
	bool faults_known;
	uint64_t faults;
	const char *sink_dir;
	uint64_t session;
	uint32_t sink_flags;
	uint64_t snapshot;
};

/**
 * play_ui_init() - start progress reporting
 * @ui:    out
 * @f:     the stream
 * @tty:   @f is a terminal
 * @quiet: print nothing
 * @total: frames expected, 0 unknown
 */
void play_ui_init(struct play_ui *ui, FILE *f, bool tty, bool quiet,
		  uint64_t total);

/**
 * play_ui_progress() - report progress if it is time to
 * @ui:         the state
 * @frames:     frames shown so far
 * @elapsed_us: since playback began
 */
void play_ui_progress(struct play_ui *ui, uint64_t frames, uint64_t elapsed_us);

/**
 * play_ui_end() - final progress (the bar at its last value, its line ended)
 * @ui:         the state
 * @frames:     frames shown
 * @elapsed_us: since playback began
 */
void play_ui_end(struct play_ui *ui, uint64_t frames, uint64_t elapsed_us);

/**
 * play_ui_format() - one progress line, without a newline
 * @buf:        out: NUL-terminated (truncated to fit)
 * @cap:        bytes at @buf
 * @bar:        draw a 30-column bar (needs @total)
 * @frames:     frames shown
 * @total:      frames expected (0 unknown: no bar, no total)
 * @elapsed_us: since playback began
 */
void play_ui_format(char *buf, size_t cap, bool bar, uint64_t frames,
		    uint64_t total, uint64_t elapsed_us);

/**
 * play_ui_summary() - print the summary
 * @f: the stream
 * @s: what to print
 */
void play_ui_summary(FILE *f, const struct play_summary *s);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_UI_H */
