// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-play's progress and summary (play_ui.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rheap/device_abi.h>

#include "play_ui.h"

#define PLAY_UI_BAR_COLUMNS 30u

static uint64_t ui_fps_x10(uint64_t frames, uint64_t elapsed_us)
{
	if (elapsed_us == 0) {
		return 0;
	}
	/* frames * 10^7 fits in 64 bits below 1.8e12 frames. */
	return (frames * 10000000u + elapsed_us / 2u) / elapsed_us;
}

void play_ui_format(char *buf, size_t cap, bool bar, uint64_t frames,
		    uint64_t total, uint64_t elapsed_us)
{
	char bars[PLAY_UI_BAR_COLUMNS + 3] = "";
	uint64_t fps = ui_fps_x10(frames, elapsed_us);
	uint64_t ms = elapsed_us / 1000u;

	if (cap == 0) {
		return;
	}
	if (bar && total > 0) {
		uint64_t filled = frames >= total ?
					  PLAY_UI_BAR_COLUMNS :
					  frames * PLAY_UI_BAR_COLUMNS / total;

		bars[0] = '[';
		for (uint32_t i = 0; i < PLAY_UI_BAR_COLUMNS; i++) {
			bars[1 + i] = i < filled ? '#' : '.';
		}
		bars[PLAY_UI_BAR_COLUMNS + 1] = ']';
		bars[PLAY_UI_BAR_COLUMNS + 2] = '\0';
		snprintf(buf, cap,
			 "%s %" PRIu64 "/%" PRIu64 " frames  %" PRIu64 ".%" PRIu64
			 " fps  %" PRIu64 ".%" PRIu64 " s",
			 bars, frames, total, fps / 10u, fps % 10u, ms / 1000u,
			 (ms % 1000u) / 100u);
	} else if (total > 0) {
		snprintf(buf, cap,
			 "%" PRIu64 "/%" PRIu64 " frames, %" PRIu64 ".%" PRIu64
			 " fps, %" PRIu64 ".%" PRIu64 " s",
			 frames, total, fps / 10u, fps % 10u, ms / 1000u,
			 (ms % 1000u) / 100u);
	} else {
		snprintf(buf, cap,
			 "%" PRIu64 " frames, %" PRIu64 ".%" PRIu64 " fps, %" PRIu64
			 ".%" PRIu64 " s",
			 frames, fps / 10u, fps % 10u, ms / 1000u,
			 (ms % 1000u) / 100u);
	}
}

void play_ui_init(struct play_ui *ui, FILE *f, bool tty, bool quiet,
		  uint64_t total)
{
	*ui = (struct play_ui){
		.f = f,
		.tty = tty,
		.quiet = quiet,
		.total = total,
	};
}

static void ui_print(struct play_ui *ui, uint64_t frames, uint64_t elapsed_us)
{
	char line[160] = "";

	play_ui_format(line, sizeof(line), ui->tty, frames, ui->total,
		       elapsed_us);
	if (ui->tty) {
		fprintf(ui->f, "\r%s\033[K", line);
		ui->drawn = true;
	} else {
		fprintf(ui->f, "rheap-play: %s\n", line);
	}
	fflush(ui->f);
	ui->last_us = elapsed_us;
}

void play_ui_progress(struct play_ui *ui, uint64_t frames, uint64_t elapsed_us)
{
	uint64_t period = (ui->tty ? PLAY_UI_BAR_MS : PLAY_UI_LINE_MS) * 1000u;

	if (ui->quiet || elapsed_us - ui->last_us < period) {
		return;
	}
	ui_print(ui, frames, elapsed_us);
}

void play_ui_end(struct play_ui *ui, uint64_t frames, uint64_t elapsed_us)
{
	if (ui->quiet) {
		return;
	}
	if (ui->tty) {
		ui_print(ui, frames, elapsed_us);
	}
	if (ui->drawn) {
		fputc('\n', ui->f);
		fflush(ui->f);
		ui->drawn = false;
	}
}

static void ui_sink_file(FILE *f, const struct play_summary *s,
			 const char *label, const char *suffix)
{
	const char *dir = s->sink_dir[0] != '\0' ? s->sink_dir : "<sink dir>";

	fprintf(f, "%s: %s/display-%" PRIu64 "%s\n", label, dir, s->session,
		suffix);
}

void play_ui_summary(FILE *f, const struct play_summary *s)
{
	uint64_t fps = ui_fps_x10(s->frames, s->elapsed_us);
	uint64_t ms = s->elapsed_us / 1000u;

	fprintf(f, "played: %s (%s %" PRIu32 "x%" PRIu32 ", %s",
		s->file, s->codec, s->width, s->height, s->encryption);
	if (s->kid_count > 0) {
		fprintf(f, ", %" PRIu32 " key ID%s", s->kid_count,
			s->kid_count == 1 ? "" : "s");
	}
	fprintf(f, ")\n");
	fprintf(f, "frames: %" PRIu64 " shown, %" PRIu64 " dropped, %" PRIu64
		   " samples\n",
		s->frames, s->dropped, s->samples);
	fprintf(f, "time: %" PRIu64 ".%03" PRIu64 " s, %" PRIu64 ".%" PRIu64
		   " fps\n",
		ms / 1000u, ms % 1000u, fps / 10u, fps % 10u);
	if (s->steady_known) {
		fprintf(f, "steady state: %" PRIu64 " allocations, %" PRIu64
			   " lends\n",
			s->steady_allocs, s->steady_lends);
	} else {
		fprintf(f, "steady state: unknown (rheapd's counters unreadable)\n");
	}
	if (s->faults_known) {
		fprintf(f, "faults: %" PRIu64 "\n", s->faults);
	} else {
		fprintf(f, "faults: unknown (the board's status unreadable)\n");
	}
	if (s->sink_flags & DEVICE_SINK_MD5) {
		ui_sink_file(f, s, "output", ".md5");
	}
	if (s->sink_flags & DEVICE_SINK_Y4M) {
		ui_sink_file(f, s, "output", ".y4m");
	}
	if (s->snapshot > 0) {
		ui_sink_file(f, s, "snapshot", "-snapshot.png");
	}
}
