/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Device job ABI of the rheap platform's media devices: what a NW kernel
 * driver (rheapd's V4L2/DRM-like drivers, later the Linux driver) writes to
 * the vdec, display and gpu models, and what a NW program asks rheapd for
 * (RHEAPD_OP_DEVICE). docs/devices.md describes every command.
 *
 * Two layers carry the same command numbers and argument slots:
 *
 *   NW program --RHEAPD_OP_DEVICE--> rheapd --BOARD_MSG_DEVICE--> board
 *
 * - A program names buffers by ATTACHMENT ID (from RHEAPD_OP_ATTACH of a
 *   handle to that same device, on the same connection) and an offset;
 *   rheapd checks the attachment, that it has one segment covering the
 *   range, and the write permission when the device writes, then puts the
 *   IOVA in the same slot before forwarding. Slots marked [buf] below are
 *   (attachment ID, offset) on the rheapd side and (IOVA, flags) on the
 *   board side; the board side's flags carry DEVICE_BUF_SECURE when the
 *   IOVA is in the device's secure SMMU context.
 * - Results come back in res[0..7] unchanged.
 *
 * Every device access to buffers goes through the bus (SMMU -> TZASC ->
 * DRAM, hw_bus.h): a restricted buffer reaches the device only through its
 * secure SMMU context, and a fault is a fault (recorded, the job fails with
 * -EPERM), never data.
 *
 * Decoder contexts and display sessions belong to the NW endpoint that
 * opened them on the board, and to the client connection on rheapd: a
 * client that dies has its contexts closed by rheapd; a NW endpoint that
 * dies has them closed by the board.
 *
 * Status: 0 or a negative errno of include/rheap/err.h. Commands and
 * arguments the device does not know: -EOPNOTSUPP / -EINVAL, nothing
 * changed.
 */
#ifndef RHEAP_DEVICE_ABI_H
#define RHEAP_DEVICE_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* Argument and result slots of one command. */
#define DEVICE_ARGS 8u
#define DEVICE_RESULTS 8u

/* Board-side flag of a [buf] slot's second word: the IOVA is secure. */
#define DEVICE_BUF_SECURE 0x1u

/* Codecs (VDEC_OPEN arg 0). */
#define DEVICE_CODEC_H264 1u
#define DEVICE_CODEC_MPEG4 2u /* MPEG-4 Part 2 */
#define DEVICE_CODEC_HEVC 3u

/* Frame formats. I420 = planar Y, U, V, 4:2:0, 8-bit, tightly packed
 * (width x height luma, then (w/2) x (h/2) chroma planes; odd sizes round
 * the chroma up), which is what ffmpeg's framemd5 hashes for yuv420p. */
#define DEVICE_FMT_I420 1u

/* VDEC_DECODE flags (arg 4). */
#define DEVICE_DECODE_EOS 0x1u /* no data: drain the decoder */

/* DISPLAY_OPEN sink flags (arg 0). */
#define DEVICE_SINK_MD5 0x1u /* one MD5 line per frame */
#define DEVICE_SINK_Y4M 0x2u /* the frames as YUV4MPEG2 */

/* VDEC_RECEIVE res[0]. */
#define DEVICE_RECV_NONE 0u  /* no frame yet: decode more */
#define DEVICE_RECV_FRAME 1u /* a frame was written */
#define DEVICE_RECV_EOF 2u   /* drained: no frame will come */

/*
 * enum device_cmd - commands (slots: args[i] / res[i])
 *
 * vdec (stream 0x10 on the default board):
 * @DEVICE_CMD_VDEC_OPEN: args[0] codec, args[1]/[2] codec config (NS
 *     bytes, e.g. an avcC record; rheapd side: args[1] = args[2] = 0 and
 *     the bytes come in a memfd sent with the request, which rheapd copies
 *     to a staging range of NW DRAM; board side: args[1] = that PA, read
 *     by the device as non-secure data, args[2] = 0; no config: no memfd,
 *     size 0), args[3] config size (<= 64 KiB), args[4] width, args[5]
 *     height (from the container), args[6] output format (DEVICE_FMT_*).
 *     res[0] context ID.
 *     Errors: -EOPNOTSUPP codec or format; -ENOMEM contexts (8) used up.
 * @DEVICE_CMD_VDEC_QUEUE_OUT: args[0] context, args[1] tag (the NW's name
 *     for the buffer), args[2]/[3] output buffer [buf], args[4] its size.
 *     The device writes decoded frames into queued buffers in FIFO order.
 *     Errors: -ENOSPC 32 buffers queued; -EINVAL.
 * @DEVICE_CMD_VDEC_DECODE: args[0] context, args[1]/[2] bitstream [buf]
 *     (one access unit / sample, in the container's format: length-prefixed
 *     NAL units for H.264 from MP4), args[3] size, args[4] flags
 *     (DEVICE_DECODE_*), args[5] pts. Errors: -EBUSY decoded frames are
 *     waiting: VDEC_RECEIVE first, the data was not consumed; -EINVAL the
 *     bitstream does not decode (corrupt, or decrypted with a wrong key);
 *     -EPERM a bus fault reading it.
 * @DEVICE_CMD_VDEC_RECEIVE: args[0] context. res[0] DEVICE_RECV_*; for a
 *     frame: res[1] tag of the buffer written, res[2] pts, res[3] width,
 *     res[4] height, res[5] format, res[6] bytes written. Errors: -ENOSPC
 *     a frame is ready but no output buffer is queued (queue one, call
 *     again; the frame is kept); -ENOSPC also if the queued buffer is too
 *     small (it is dropped from the queue, res[1] its tag).
 * @DEVICE_CMD_VDEC_CLOSE: args[0] context. Queued buffers are forgotten.
 *
 * display (stream 0x20):
 * @DEVICE_CMD_DISPLAY_OPEN: args[0] sink flags (DEVICE_SINK_*), args[1]
 *     snapshot frame number + 1 (0: none), args[2] width, args[3] height,
 *     args[4] format, args[5]/[6] frame rate numerator/denominator.
 *     res[0] session ID; the sink's files are <sink dir>/display-<ID>.md5,
 *     .y4m and -snapshot.png (the board's --sink-dir). Errors: -ENOMEM
 *     sessions (4) used up; -EOPNOTSUPP format.
 * @DEVICE_CMD_DISPLAY_SHOW: args[0] session, args[1]/[2] frame [buf],
 *     args[3] size, args[4] pts. Scans the frame out: reads it through the
 *     bus, writes the sink. res[0] frames shown in this session.
 * @DEVICE_CMD_DISPLAY_CLOSE: args[0] session. Flushes and closes the sink.
 *     res[0] frames shown.
 *
 * gpu (stream 0x30, non-secure only):
 * @DEVICE_CMD_GPU_READ: rheapd side: a handle fd comes with the request
 *     (SCM_RIGHTS; restricted memory cannot be attached to the gpu), args[0]
 *     offset in the buffer, args[2] size. Board side: args[0] a PA, args[2]
 *     size: the board maps the PA into the gpu's NON-SECURE SMMU context
 *     (identity), as a NW kernel (even a compromised one) programs NS
 *     contexts, lets the gpu read through the bus, unmaps. res[0] a
 *     checksum (sum of bytes) of what was read. Restricted memory faults:
 *     -EPERM, the fault recorded with the gpu's stream.
 */
enum device_cmd {
	DEVICE_CMD_VDEC_OPEN = 0x0101,
	DEVICE_CMD_VDEC_QUEUE_OUT = 0x0102,
	DEVICE_CMD_VDEC_DECODE = 0x0103,
	DEVICE_CMD_VDEC_RECEIVE = 0x0104,
	DEVICE_CMD_VDEC_CLOSE = 0x0105,
	DEVICE_CMD_DISPLAY_OPEN = 0x0201,
	DEVICE_CMD_DISPLAY_SHOW = 0x0202,
	DEVICE_CMD_DISPLAY_CLOSE = 0x0203,
	DEVICE_CMD_GPU_READ = 0x0301,
};

#endif /* RHEAP_DEVICE_ABI_H */
