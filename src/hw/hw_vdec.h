/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Video decoder model (the platform's `vdec`, stream 0x10 on the default
 * board): the device side of the DEVICE_CMD_VDEC_* commands of
 * include/rheap/device_abi.h, with libavcodec as the decoding engine.
 *
 * The decoder reads bitstreams and writes frames only through the bus,
 * with its own stream (hw_device_read()/hw_device_write()), in the secure
 * SMMU context when the caller says the IOVA is secure: a restricted
 * buffer is reachable only through what the SDP partition attached, and
 * anything else faults (the job fails with -EPERM, never data).
 *
 * Life cycle of a decoder context (at most HW_VDEC_MAX_CONTEXTS):
 *
 *   (free) --open--> OPEN --decode/queue_out/receive--> OPEN
 *   OPEN --decode with DEVICE_DECODE_EOS--> DRAINING
 *   DRAINING --receive until DEVICE_RECV_EOF--> DRAINED (decode: -EINVAL)
 *   any --close / close_owner / destroy--> (free) (queued buffers and a
 *        held frame are forgotten)
 *
 * A context belongs to the endpoint that opened it: another endpoint gets
 * -EPERM; an ID that is not open (never, or closed: IDs carry a
 * generation) gets -ENOENT. Checks come in that order, then arguments;
 * a refused call changes nothing.
 *
 * Decoding: libavcodec with its own threads (thread_count 0, as the
 * ffmpeg CLI), err_recognition AV_EF_EXPLODE | AV_EF_BITSTREAM |
 * AV_EF_BUFFER | AV_EF_CRCCHECK and corrupt frames not output, so a
 * corrupt access unit (or one decrypted with the wrong key) is an error
 * (-EINVAL) rather than a garbage picture. With frame threading an error
 * may surface one or more calls later, in DECODE or in RECEIVE.
 *
 * Frames are written as DEVICE_FMT_I420, tightly packed (planes copied
 * honouring libavcodec's line sizes; libswscale converts any other
 * layout), into the oldest queued output buffer.
 *
 * Secure-output rule: a context that has read an access unit from a
 * secure IOVA (a restricted bitstream buffer) never writes a frame to a
 * non-secure one: QUEUE_OUT of a non-secure buffer is -EPERM from then on,
 * and a non-secure buffer queued before is refused at the frame write
 * (-EPERM, the buffer dropped with its tag, the frame kept, no bus access).
 * A context fed only non-secure bitstreams writes non-secure frames (the
 * same pipeline on `system` buffers).
 *
 * Not thread-safe: the board's loop calls it (libavcodec's own worker
 * threads never touch the model).
 */
#ifndef RHEAP_SRC_HW_HW_VDEC_H
#define RHEAP_SRC_HW_HW_VDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw_device.h"

/** Decoder contexts per board. */
#define HW_VDEC_MAX_CONTEXTS 8u
/** Output buffers queued per context. */
#define HW_VDEC_MAX_QUEUED 32u
/** Largest codec configuration (VDEC_OPEN). */
#define HW_VDEC_MAX_CONFIG (64u * 1024u)
/** Largest access unit one DECODE reads. */
#define HW_VDEC_MAX_AU (16u * 1024u * 1024u)
/** Largest coded width or height accepted at OPEN and output. */
#define HW_VDEC_MAX_DIM 8192u

/**
 * struct hw_vdec_params - VDEC_OPEN's arguments, decoded
 * @codec:       DEVICE_CODEC_*
 * @config:      codec configuration bytes (e.g. an avcC record), already
 *               copied out of NS memory by the caller; NULL iff size 0
 * @config_size: bytes at @config, <= HW_VDEC_MAX_CONFIG
 * @width:       coded width from the container, 1..HW_VDEC_MAX_DIM
 * @height:      coded height, 1..HW_VDEC_MAX_DIM
 * @format:      output DEVICE_FMT_*
 */
struct hw_vdec_params {
	uint32_t codec;
	const uint8_t *config;
	size_t config_size;
	uint64_t width;
	uint64_t height;
	uint64_t format;
};

/**
 * struct hw_vdec_frame - what RECEIVE reports (device_abi.h res[1..6])
 * @tag:    the output buffer's tag (also set for a dropped buffer)
 * @pts:    the frame's presentation time as given to DECODE
 * @width:  pixels
 * @height: pixels
 * @format: DEVICE_FMT_I420
 * @size:   bytes written
 */
struct hw_vdec_frame {
	uint64_t tag;
	uint64_t pts;
	uint32_t width;
	uint32_t height;
	uint32_t format;
	uint64_t size;
};

/**
 * struct hw_vdec_stats - counters since create
 * @contexts:      contexts open now
 * @opened:        contexts ever opened
 * @packets:       access units given to the decoder
 * @frames:        frames written to output buffers
 * @decode_errors: DECODE or RECEIVE calls that failed with -EINVAL
 *                 because the bitstream did not decode
 * @bus_faults:    bitstream reads and frame writes the bus refused
 */
struct hw_vdec_stats {
	uint32_t contexts;
	uint64_t opened;
	uint64_t packets;
	uint64_t frames;
	uint64_t decode_errors;
	uint64_t bus_faults;
};

struct hw_vdec;

/**
 * hw_vdec_create() - a decoder on a device model
 * @dev: the vdec's device (borrowed; must outlive the decoder)
 * @out: the new decoder; untouched on failure
 *
 * Return: 0; -ENOMEM.
 */
int hw_vdec_create(struct hw_device *dev, struct hw_vdec **out);

/**
 * hw_vdec_destroy() - close every context and free the decoder
 * @v: the decoder, or NULL (no-op)
 */
void hw_vdec_destroy(struct hw_vdec *v);

/**
 * hw_vdec_codec_supported() - can this build decode @codec?
 * @codec: DEVICE_CODEC_* (untrusted)
 *
 * Return: true if libavcodec has a decoder for it.
 */
bool hw_vdec_codec_supported(uint64_t codec);

/**
 * hw_vdec_open() - DEVICE_CMD_VDEC_OPEN
 * @v:     the decoder
 * @owner: the calling endpoint
 * @p:     the arguments (untrusted values; @p->config copied)
 * @id:    out: the context ID (non-zero)
 *
 * Return: 0; -EOPNOTSUPP for an unknown codec (or one this libavcodec
 * lacks) or an output format other than I420; -EINVAL for a width or
 * height of 0 or above HW_VDEC_MAX_DIM, a config larger than
 * HW_VDEC_MAX_CONFIG, or a config the decoder rejects; -ENOMEM when
 * HW_VDEC_MAX_CONTEXTS are open, or for host memory.
 */
int hw_vdec_open(struct hw_vdec *v, uint16_t owner,
		 const struct hw_vdec_params *p, uint32_t *id);

/**
 * hw_vdec_queue_out() - DEVICE_CMD_VDEC_QUEUE_OUT
 * @v:      the decoder
 * @owner:  the calling endpoint
 * @id:     context ID (untrusted)
 * @tag:    the caller's name for the buffer (any value)
 * @iova:   first IOVA of the buffer (untrusted; checked when written)
 * @secure: the IOVA is in the vdec's secure context
 * @size:   bytes (untrusted)
 *
 * Return: 0; -ENOENT / -EPERM for the context; -EINVAL for a size of 0;
 * -EOVERFLOW if @iova + @size wraps; -EPERM a non-secure buffer for a
 * context that has decoded secure input; -ENOSPC when HW_VDEC_MAX_QUEUED
 * buffers are queued.
 */
int hw_vdec_queue_out(struct hw_vdec *v, uint16_t owner, uint64_t id,
		      uint64_t tag, uint64_t iova, bool secure, uint64_t size);

/**
 * hw_vdec_decode() - DEVICE_CMD_VDEC_DECODE
 * @v:      the decoder
 * @owner:  the calling endpoint
 * @id:     context ID (untrusted)
 * @iova:   first IOVA of the access unit (untrusted)
 * @secure: the IOVA is in the vdec's secure context
 * @size:   bytes; 0 with DEVICE_DECODE_EOS
 * @flags:  DEVICE_DECODE_* (untrusted)
 * @pts:    presentation time, returned with the frame
 *
 * Reads @size bytes through the bus, then gives them to libavcodec.
 *
 * Return: 0; -ENOENT / -EPERM for the context; -EINVAL for unknown flag
 * bits, EOS with a non-zero @iova or @size, no EOS and a size of 0 or
 * above HW_VDEC_MAX_AU, a context already drained, or a bitstream that
 * does not decode; -EOVERFLOW if @iova + @size wraps; -EBUSY a frame is
 * waiting to be received (nothing read or consumed); -EPERM a bus fault
 * reading the bitstream (recorded in the fault log); -ENOMEM.
 */
int hw_vdec_decode(struct hw_vdec *v, uint16_t owner, uint64_t id,
		   uint64_t iova, bool secure, uint64_t size, uint64_t flags,
		   uint64_t pts);

/**
 * hw_vdec_receive() - DEVICE_CMD_VDEC_RECEIVE
 * @v:     the decoder
 * @owner: the calling endpoint
 * @id:    context ID (untrusted)
 * @out:   out: the frame (for DEVICE_RECV_FRAME) or, with -ENOSPC for a
 *         too-small buffer and with -EPERM, the tag of the buffer dropped
 *
 * Return: DEVICE_RECV_NONE, DEVICE_RECV_FRAME or DEVICE_RECV_EOF (>= 0);
 * -ENOENT / -EPERM for the context; -ENOSPC a frame is ready but no
 * buffer is queued (the frame is kept), or the oldest buffer is smaller
 * than the frame (that buffer is dropped from the queue; the frame is
 * kept); -EPERM the bus refused the write, or the buffer is non-secure
 * and the context has decoded secure input (the buffer is dropped, the
 * frame is kept); -EINVAL the bitstream did not decode; -ENOMEM.
 */
int hw_vdec_receive(struct hw_vdec *v, uint16_t owner, uint64_t id,
		    struct hw_vdec_frame *out);

/**
 * hw_vdec_close() - DEVICE_CMD_VDEC_CLOSE
 * @v:     the decoder
 * @owner: the calling endpoint
 * @id:    context ID (untrusted)
 *
 * Return: 0; -ENOENT / -EPERM for the context.
 */
int hw_vdec_close(struct hw_vdec *v, uint16_t owner, uint64_t id);

/**
 * hw_vdec_close_owner() - close every context of an endpoint (it died)
 * @v:     the decoder
 * @owner: the endpoint
 *
 * Return: the number of contexts closed.
 */
uint32_t hw_vdec_close_owner(struct hw_vdec *v, uint16_t owner);

/**
 * hw_vdec_stats_get() - the decoder's counters
 * @v:   the decoder
 * @out: the counters
 */
void hw_vdec_stats_get(const struct hw_vdec *v, struct hw_vdec_stats *out);

/**
 * hw_vdec_i420_size() - bytes of a tightly packed I420 frame
 * @width:  pixels, 1..HW_VDEC_MAX_DIM
 * @height: pixels, 1..HW_VDEC_MAX_DIM
 *
 * Return: width * height + 2 * ceil(width / 2) * ceil(height / 2).
 */
uint64_t hw_vdec_i420_size(uint32_t width, uint32_t height);

#endif /* RHEAP_SRC_HW_HW_VDEC_H */
