/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play --trace: the pipeline's spans as a Chrome trace-event JSON
 * document (what Perfetto and chrome://tracing load): a top-level array of
 * complete events
 *
 *   {"name": "decode", "cat": "rheap-play", "ph": "X", "ts": 1234,
 *    "dur": 56, "pid": P, "tid": T, "args": {"frame": N}}
 *
 * ts and dur in microseconds from the start of playback. Spans are kept
 * in memory and written once, at the end.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_TRACE_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_TRACE_H

#include <stdint.h>
#include <stdio.h>

/* The span names. */
enum play_span {
	PLAY_SPAN_DEMUX = 0, /* libavformat reads a sample */
	PLAY_SPAN_DECRYPT,   /* SDP_TA_CMD_DECRYPT (or INJECT of a clear one) */
	PLAY_SPAN_DECODE,    /* VDEC_DECODE */
	PLAY_SPAN_DISPLAY,   /* DISPLAY_SHOW */
	PLAY_SPAN_RECEIVE,   /* VDEC_RECEIVE (the vdec writes a frame out) */
	PLAY_SPAN_QUEUE,     /* VDEC_QUEUE_OUT (a frame buffer goes back) */
	PLAY_SPAN_COUNT,
};

/* Spans kept at most (a 10-minute 60 fps clip has ~144 k): later ones are
 * counted as dropped, not stored. */
#define PLAY_TRACE_MAX_SPANS (1u << 20)

struct play_trace;

/**
 * play_trace_create() - an empty trace
 * @out: the trace
 * Return: 0; -ENOMEM.
 */
int play_trace_create(struct play_trace **out);

/**
 * play_trace_destroy() - free a trace
 * @t: the trace, or NULL
 */
void play_trace_destroy(struct play_trace *t);

/**
 * play_trace_add() - record one span
 * @t:        the trace, or NULL (then nothing is recorded)
 * @span:     which stage
 * @start_us: start, microseconds since playback began
 * @dur_us:   duration in microseconds
 * @frame:    the sample's (demux, decrypt, decode) or frame's (display)
 *            index
 */
void play_trace_add(struct play_trace *t, enum play_span span,
		    uint64_t start_us, uint64_t dur_us, uint64_t frame);

/**
 * play_trace_count() - spans recorded
 * @t: the trace
 * Return: the count (spans beyond PLAY_TRACE_MAX_SPANS or refused for
 * lack of memory are not counted).
 */
uint64_t play_trace_count(const struct play_trace *t);

/**
 * play_trace_write() - write the trace-event JSON array
 * @t:   the trace
 * @f:   the stream
 * @pid: the "pid" of every event
 * @tid: the "tid" of every event
 * Return: 0; -ENOSPC the stream reported a write error.
 */
int play_trace_write(const struct play_trace *t, FILE *f, uint32_t pid,
		     uint32_t tid);

/**
 * play_clock_us() - CLOCK_MONOTONIC in microseconds (what spans measure)
 * Return: the time.
 */
uint64_t play_clock_us(void);

/**
 * play_span_name() - "demux", "decrypt", "decode", "display", "receive",
 * "queue"
 * @span: the stage
 * Return: a static string ("?" for an unknown value).
 */
const char *play_span_name(enum play_span span);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_TRACE_H */
