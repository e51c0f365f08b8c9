/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play's secure pipeline: restricted buffers from a protected heap,
 * the SDP partition through the TEE Client API, the vdec and display
 * devices through librheap.
 *
 *   sample (NS) --DECRYPT / INJECT--> bitstream buffer (restricted)
 *        --VDEC_DECODE--> vdec --VDEC_RECEIVE--> frame buffer (restricted)
 *        --DISPLAY_SHOW--> display --> protected sink (md5 / y4m / png)
 *        frame buffer --VDEC_QUEUE_OUT--> back to the vdec
 *
 * Life cycle:
 *
 *   play_pipe_create() --> PLAYING (every buffer allocated, registered,
 *                          attached; decoder and display open; frame
 *                          buffers queued)
 *   PLAYING --play_pipe_sample()--> PLAYING (no allocation, no lend)
 *   PLAYING --play_pipe_finish()--> FINISHED (drained, display closed)
 *   any --an error--> FAILED (play_pipe_error() says why; only destroy)
 *   any --play_pipe_destroy()--> gone (contexts closed, buffers freed)
 *
 * The player never holds a key and never sees plaintext: it hands the
 * partition ciphertext and clear headers, and the restricted buffers
 * refuse CPU access.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_PIPE_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "play_demux.h"
#include "play_trace.h"

/* Bitstream buffers are at least this big (and a page multiple). */
#define PLAY_BS_SIZE_MIN ((uint64_t)1 << 20)

/**
 * struct play_pipe_cfg - what to set up
 * @heap:        heap name
 * @bs_count:    bitstream buffers (1..PLAY_BS_MAX)
 * @bs_size:     bytes of each
 * @fb_count:    frame buffers (PLAY_FRAMEBUF_MIN..PLAY_FRAMEBUF_MAX)
 * @fb_size:     bytes of each (I420 of @width x @height)
 * @codec:       DEVICE_CODEC_*
 * @width:       frame width
 * @height:      frame height
 * @config:      codec configuration (NS bytes), or NULL
 * @config_size: bytes at @config (<= 64 KiB)
 * @sink_flags:  DEVICE_SINK_*
 * @snapshot:    snapshot frame + 1, 0 none
 * @fps_num:     frame rate numerator
 * @fps_den:     frame rate denominator
 * @frame_limit: show at most this many frames, 0 all
 * @keep_handles: keep the buffers' handles open until destroy (for
 *               play_pipe_check_mmap() and play_pipe_probe_gpu());
 *               otherwise they are closed once set up (the registrations
 *               and attachments hold the buffers)
 */
struct play_pipe_cfg {
	const char *heap;
	uint32_t bs_count;
	uint64_t bs_size;
	uint32_t fb_count;
	uint64_t fb_size;
	uint32_t codec;
	uint32_t width;
	uint32_t height;
	const uint8_t *config;
	size_t config_size;
	uint32_t sink_flags;
	uint64_t snapshot;
	uint32_t fps_num;
	uint32_t fps_den;
	uint64_t frame_limit;
	bool keep_handles;
};

/**
 * struct play_pipe_stats - counts so far
 * @samples:   samples decoded (DECODE accepted)
 * @decoded:   frames the vdec output
 * @shown:     frames the display scanned out
 * @session:   the display session ID (its sink files' name)
 * @done:      the frame limit is reached: stop feeding samples
 */
struct play_pipe_stats {
	uint64_t samples;
	uint64_t decoded;
	uint64_t shown;
	uint64_t session;
	bool done;
};

struct play_pipe;

/**
 * play_pipe_create() - set everything up (see the life cycle)
 * @cfg:   what to set up (copied; @config is used only during the call)
 * @trace: spans go here (NULL: none); must outlive the pipe
 * @t0_us: play_clock_us() of the start of playback (spans are relative)
 * @out:   the pipe; on failure too when not NULL: read play_pipe_error(),
 *         then destroy it
 *
 * Return: 0; -ENOENT no such heap, device, or rheapd/board gone; -EPERM
 * the policy refuses; -ENOMEM no room; -EOPNOTSUPP the codec; others as
 * the platform answers.
 */
int play_pipe_create(const struct play_pipe_cfg *cfg, struct play_trace *trace,
		     uint64_t t0_us, struct play_pipe **out);

/**
 * play_pipe_sample() - decrypt (or inject), decode, show what comes out
 * @p: the pipe
 * @s: the sample
 * Return: 0; -EINVAL the sample does not decode (wrong key, corrupt) or
 * is too big; -ENOENT no key for its KID, or the platform went away;
 * -EPERM an encrypted sample on a heap that is not restricted;
 * others as the platform answers. play_pipe_error() has the sentence.
 */
int play_pipe_sample(struct play_pipe *p, const struct play_sample *s);

/**
 * play_pipe_finish() - drain the decoder, show the rest, close the display
 * @p: the pipe
 * Return: as play_pipe_sample().
 */
int play_pipe_finish(struct play_pipe *p);

/**
 * play_pipe_stats() - counts so far
 * @p: the pipe
 * Return: the counts.
 */
struct play_pipe_stats play_pipe_stats(const struct play_pipe *p);

/**
 * play_pipe_restricted() - the heap is restricted (the Secure Data Path);
 * false: the same pipeline unprotected on `system` buffers (clear clips
 * only, for comparison)
 * @p: the pipe
 * Return: the answer.
 */
bool play_pipe_restricted(const struct play_pipe *p);

/**
 * play_pipe_error() - the last failure as a sentence ("" none)
 * @p: the pipe
 * Return: a string owned by @p.
 */
const char *play_pipe_error(const struct play_pipe *p);

/**
 * play_pipe_check_mmap() - try mmap and read on every restricted handle
 * @p:       the pipe (created with keep_handles)
 * @refused: out: handles on which both failed
 * @allowed: out: handles on which one succeeded (a leak of plaintext)
 * Return: 0; -ENOENT the handles were not kept.
 */
int play_pipe_check_mmap(struct play_pipe *p, uint32_t *refused,
			 uint32_t *allowed);

/**
 * play_pipe_probe_gpu() - ask the non-secure gpu to read a frame buffer
 * @p:      the pipe (created with keep_handles)
 * @status: out: the gpu's answer (-EPERM is the right one)
 * Return: 0 (the probe ran); -ENOENT the handles were not kept or no gpu;
 * the device API's errors.
 */
int play_pipe_probe_gpu(struct play_pipe *p, int *status);

/**
 * play_pipe_destroy() - close contexts, detach, release, free
 * @p: the pipe, or NULL
 */
void play_pipe_destroy(struct play_pipe *p);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_PIPE_H */
