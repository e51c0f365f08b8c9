// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-play's trace-event recorder (play_trace.h).
 */
#include <stdlib.h>
#include <time.h>

#include <rheap/err.h>

#include "play_trace.h"
#include "util/json.h"

struct play_trace_span {
	uint64_t start_us;
	uint64_t dur_us;
	uint64_t frame;
	enum play_span span;
};

/* @spans holds @count entries of @cap allocated. */
struct play_trace {
	struct play_trace_span *spans;
	size_t count;
	size_t cap;
};

const char *play_span_name(enum play_span span)
{
	switch (span) {
	case PLAY_SPAN_DEMUX:
		return "demux";
	case PLAY_SPAN_DECRYPT:
		return "decrypt";
	case PLAY_SPAN_DECODE:
		return "decode";
	case PLAY_SPAN_DISPLAY:
		return "display";
	case PLAY_SPAN_RECEIVE:
		return "receive";
	case PLAY_SPAN_QUEUE:
		return "queue";
	default:
		return "?";
	}
}

uint64_t play_clock_us(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int play_trace_create(struct play_trace **out)
{
	struct play_trace *t = calloc(1, sizeof(*t));

	if (!t) {
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void play_trace_destroy(struct play_trace *t)
{
	if (!t) {
		return;
	}
	free(t->spans);
	free(t);
}

void play_trace_add(struct play_trace *t, enum play_span span,
		    uint64_t start_us, uint64_t dur_us, uint64_t frame)
{
	if (!t || t->count >= PLAY_TRACE_MAX_SPANS) {
		return;
	}
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2u : 1024u;
		struct play_trace_span *s = realloc(t->spans, cap * sizeof(*s));

		if (!s) {
			return;
		}
		t->spans = s;
		t->cap = cap;
	}
	t->spans[t->count++] = (struct play_trace_span){
		.start_us = start_us,
		.dur_us = dur_us,
		.frame = frame,
		.span = span,
	};
}

uint64_t play_trace_count(const struct play_trace *t)
{
	return t ? t->count : 0;
}

int play_trace_write(const struct play_trace *t, FILE *f, uint32_t pid,
		     uint32_t tid)
{
	struct json_writer w = { 0 };

	json_writer_init(&w, f);
	json_write_array_begin(&w);
	for (size_t i = 0; i < t->count; i++) {
		const struct play_trace_span *s = &t->spans[i];

		json_write_object_begin(&w);
		json_write_member_string(&w, "name", play_span_name(s->span));
		json_write_member_string(&w, "cat", "rheap-play");
		json_write_member_string(&w, "ph", "X");
		json_write_member_u64(&w, "ts", s->start_us);
		json_write_member_u64(&w, "dur", s->dur_us);
		json_write_member_u64(&w, "pid", pid);
		json_write_member_u64(&w, "tid", tid);
		json_write_key(&w, "args");
		json_write_object_begin(&w);
		json_write_member_u64(&w, "frame", s->frame);
		json_write_object_end(&w);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	return json_writer_finish(&w) == 0 ? 0 : -ENOSPC;
}
