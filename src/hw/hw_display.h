/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Display model (the platform's `display`, stream 0x20 on the default
 * board): the device side of the DEVICE_CMD_DISPLAY_* commands of
 * include/rheap/device_abi.h. Scanning a frame out means reading it
 * through the bus with the display's stream (the secure SMMU context for a
 * restricted frame) and writing it to the protected sink: files in the
 * board's sink directory, which only the board writes and the NW cannot
 * read through rheap.
 *
 * Sink files of session ID (IDs count up from 1 for the board's life, so
 * a later session never overwrites an earlier one's files):
 *   display-<ID>.md5           DEVICE_SINK_MD5: one line per frame,
 *                              "<index>, <pts>, <size>, <md5>\n" (index
 *                              from 0, pts as a signed decimal, size in
 *                              bytes, the MD5 of the I420 bytes in lower
 *                              case hex: ffmpeg framemd5's hash of the
 *                              same yuv420p frame)
 *   display-<ID>.y4m           DEVICE_SINK_Y4M: "YUV4MPEG2 W<w> H<h>
 *                              F<num>:<den> Ip A1:1 C420jpeg\n", then per
 *                              frame "FRAME\n" and the I420 bytes
 *   display-<ID>-snapshot.png  frame number N (OPEN's args[1] = N + 1) as
 *                              an RGB24 PNG (libswscale + libavcodec's
 *                              png encoder)
 * Files are created mode 0600 (O_NOFOLLOW, truncated), the directory 0700
 * by the board.
 *
 * Life cycle of a session (at most HW_DISPLAY_MAX_SESSIONS at once):
 *
 *   (free) --open--> OPEN --show--> OPEN --close / close_owner /
 *   destroy--> (free) (files flushed and closed)
 *
 * Ownership and the order of checks are as for decoder contexts
 * (hw_vdec.h): unknown or closed ID -ENOENT, another endpoint's -EPERM,
 * then the arguments. Not thread-safe: the board's loop calls it.
 *
 * Scan-out and sink are split: SHOW reads the frame through the bus (the
 * device's job, on the caller's thread) and answers; the display's writer
 * thread (started at the first frame a sink keeps) then hashes and writes
 * it, in order, from a ring of at most 4 frame copies (and at most 32 MiB,
 * but one frame always). SHOW waits for a free slot when the ring is full.
 * A session with no sink flags and no snapshot due only scans out: the
 * frame is read through the bus and discarded (the counterpart of a
 * decoder benchmark's null output). A sink write that fails is reported
 * by the session's next SHOW and by its CLOSE; CLOSE, hw_display_close_owner(),
 * hw_display_stats_get() and destroy wait for the writer to finish the
 * queued frames, so the files are complete and the counters exact when
 * they return.
 */
#ifndef RHEAP_SRC_HW_HW_DISPLAY_H
#define RHEAP_SRC_HW_HW_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw_device.h"

/** Sessions open at once. */
#define HW_DISPLAY_MAX_SESSIONS 4u
/** Largest width or height. */
#define HW_DISPLAY_MAX_DIM 8192u

/**
 * struct hw_display_params - DISPLAY_OPEN's arguments
 * @sink_flags: DEVICE_SINK_* (untrusted)
 * @snapshot:   frame number of the PNG snapshot + 1; 0: none
 * @width:      pixels, 1..HW_DISPLAY_MAX_DIM
 * @height:     pixels, 1..HW_DISPLAY_MAX_DIM
 * @format:     DEVICE_FMT_*
 * @fps_num:    frame rate numerator, 1..UINT32_MAX
 * @fps_den:    frame rate denominator, 1..UINT32_MAX
 */
struct hw_display_params {
	uint64_t sink_flags;
	uint64_t snapshot;
	uint64_t width;
	uint64_t height;
	uint64_t format;
	uint64_t fps_num;
	uint64_t fps_den;
};

/**
 * struct hw_display_stats - counters since create
 * @sessions:     sessions open now
 * @opened:       sessions ever opened
 * @frames:       frames shown (read through the bus and handed to the
 *                sink)
 * @bus_faults:   SHOW calls the bus refused
 * @sink_errors:  frames whose sink write failed on the host (once per
 *                session: its later frames are refused), and snapshots
 *                that could not be made
 * @snapshots:    PNG snapshots written
 */
struct hw_display_stats {
	uint32_t sessions;
	uint64_t opened;
	uint64_t frames;
	uint64_t bus_faults;
	uint64_t sink_errors;
	uint64_t snapshots;
};

struct hw_display;

/**
 * hw_display_create() - a display on a device model
 * @dev:      the display's device (borrowed; must outlive the display)
 * @sink_dir: the directory of the sink files (copied), which must exist;
 *            NULL: no sink, OPEN answers -EOPNOTSUPP
 * @out:      the new display; untouched on failure
 *
 * Return: 0; -EINVAL for a @sink_dir longer than 4000 bytes; -ENOMEM.
 */
int hw_display_create(struct hw_device *dev, const char *sink_dir,
		      struct hw_display **out);

/**
 * hw_display_destroy() - close every session and free the display
 * @d: the display, or NULL (no-op)
 */
void hw_display_destroy(struct hw_display *d);

/**
 * hw_display_sink_dir() - the sink directory
 * @d: the display
 *
 * Return: the path, or NULL without a sink.
 */
const char *hw_display_sink_dir(const struct hw_display *d);

/**
 * hw_display_open() - DEVICE_CMD_DISPLAY_OPEN
 * @d:     the display
 * @owner: the calling endpoint
 * @p:     the arguments (untrusted values)
 * @id:    out: the session ID (non-zero)
 *
 * Creates the sink files the flags ask for (and, with a snapshot, none
 * until that frame is shown).
 *
 * Return: 0; -EOPNOTSUPP for a format other than I420 or a display
 * without a sink directory; -EINVAL for unknown sink flags, a width or
 * height of 0 or above HW_DISPLAY_MAX_DIM, a frame rate part of 0 or
 * above UINT32_MAX; -ENOMEM when HW_DISPLAY_MAX_SESSIONS are open, or a
 * sink file cannot be created (host trouble, logged by the caller).
 */
int hw_display_open(struct hw_display *d, uint16_t owner,
		    const struct hw_display_params *p, uint32_t *id);

/**
 * hw_display_show() - DEVICE_CMD_DISPLAY_SHOW
 * @d:      the display
 * @owner:  the calling endpoint
 * @id:     session ID (untrusted)
 * @iova:   first IOVA of the frame (untrusted)
 * @secure: the IOVA is in the display's secure context
 * @size:   bytes of the frame buffer (untrusted); at least the session's
 *          I420 frame size, of which exactly that many bytes are read
 * @pts:    presentation time, written to the MD5 line
 * @shown:  out: frames shown in the session so far
 *
 * Reads the frame through the bus and queues it for the writer thread
 * (waiting for a free ring slot), or only reads it for a session that
 * keeps nothing of this frame.
 *
 * Return: 0; -ENOENT / -EPERM for the session; -EINVAL for a @size
 * below the frame size; -EOVERFLOW if @iova + @size wraps; -EPERM a bus
 * fault reading the frame (recorded; nothing queued or written); -ENOMEM
 * for host memory (or no writer thread), or because a sink write of an
 * earlier frame of the session failed (the frame is not read).
 */
int hw_display_show(struct hw_display *d, uint16_t owner, uint64_t id,
		    uint64_t iova, bool secure, uint64_t size, uint64_t pts,
		    uint64_t *shown);

/**
 * hw_display_close() - DEVICE_CMD_DISPLAY_CLOSE
 * @d:     the display
 * @owner: the calling endpoint
 * @id:    session ID (untrusted)
 * @shown: out: frames shown in the session
 *
 * Waits for the writer to finish the queued frames, then flushes and
 * closes the session's files.
 *
 * Return: 0; -ENOENT / -EPERM for the session; -ENOMEM if a sink write
 * of the session or the flush failed (the session is closed all the
 * same).
 */
int hw_display_close(struct hw_display *d, uint16_t owner, uint64_t id,
		     uint64_t *shown);

/**
 * hw_display_close_owner() - close every session of an endpoint
 * @d:     the display
 * @owner: the endpoint
 *
 * Return: the number of sessions closed.
 */
uint32_t hw_display_close_owner(struct hw_display *d, uint16_t owner);

/**
 * hw_display_stats_get() - the display's counters
 * @d:   the display
 * @out: the counters, once the writer has finished the queued frames
 */
void hw_display_stats_get(struct hw_display *d, struct hw_display_stats *out);

#endif /* RHEAP_SRC_HW_HW_DISPLAY_H */
