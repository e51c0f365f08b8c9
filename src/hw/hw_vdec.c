// SPDX-License-Identifier: BSD-2-Clause
/*
 * Video decoder model. The contract and the life cycle are in hw_vdec.h,
 * the command ABI in include/rheap/device_abi.h and docs/devices.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>

#include "hw_device.h"
#include "hw_vdec.h"

/* Context IDs: generation << 8 | (slot + 1); never 0. */
#define VDEC_ID_SLOT_BITS 8u
#define VDEC_ID_GEN_MAX 0xffffffu

enum vdec_state {
	VDEC_FREE = 0,
	VDEC_OPEN,
	VDEC_DRAINING,
	VDEC_DRAINED,
};

/* One queued output buffer. */
struct vdec_out {
	uint64_t tag;
	uint64_t iova;
	uint64_t size;
	bool secure;
};

/*
 * struct vdec_ctx - one decoder context
 * @state:      enum vdec_state; VDEC_FREE iff @avc is NULL
 * @gen:        generation of the slot (bumped at each open), 1..GEN_MAX
 * @owner:      the endpoint that opened it
 * @avc:        libavcodec's context
 * @pkt:        reused packet for DECODE
 * @frame:      the frame being delivered; valid iff @have_frame
 * @have_frame: a decoded frame waits for an output buffer
 * @sws:        converter for decoders whose output is not 8-bit 4:2:0
 *              planar; NULL until needed
 * @staging:    host buffer of @staging_size bytes holding a converted
 *              I420 frame before the bus write (decoders whose output is
 *              not I420; an I420 frame is written from its own planes)
 * @seg:        the rows of an I420 frame as bus pieces, @seg_cap entries
 * @queue:      FIFO of @queued buffers starting at @head (ring)
 * @secure_in:  an access unit was read from a secure IOVA: from then on
 *              the context writes frames only to secure buffers (the
 *              secure-output rule, docs/devices.md)
 */
struct vdec_ctx {
	enum vdec_state state;
	uint32_t gen;
	uint16_t owner;
	AVCodecContext *avc;
	AVPacket *pkt;
	AVFrame *frame;
	bool have_frame;
	struct SwsContext *sws;
	uint8_t *staging;
	size_t staging_size;
	struct hw_bus_seg *seg;
	size_t seg_cap;
	struct vdec_out queue[HW_VDEC_MAX_QUEUED];
	uint32_t head;
	uint32_t queued;
	bool secure_in;
};

struct hw_vdec {
	struct hw_device *dev;
	struct vdec_ctx ctx[HW_VDEC_MAX_CONTEXTS];
	struct hw_vdec_stats stats;
};

static enum AVCodecID vdec_codec_id(uint64_t codec)
{
	switch (codec) {
	case DEVICE_CODEC_H264:
		return AV_CODEC_ID_H264;
	case DEVICE_CODEC_MPEG4:
		return AV_CODEC_ID_MPEG4;
	case DEVICE_CODEC_HEVC:
		return AV_CODEC_ID_HEVC;
	default:
		return AV_CODEC_ID_NONE;
	}
}

bool hw_vdec_codec_supported(uint64_t codec)
{
	enum AVCodecID cid = vdec_codec_id(codec);

	return cid != AV_CODEC_ID_NONE && avcodec_find_decoder(cid) != NULL;
}

uint64_t hw_vdec_i420_size(uint32_t width, uint32_t height)
{
	uint64_t cw = ((uint64_t)width + 1) / 2;
	uint64_t ch = ((uint64_t)height + 1) / 2;

	return (uint64_t)width * height + 2 * cw * ch;
}

int hw_vdec_create(struct hw_device *dev, struct hw_vdec **out)
{
	struct hw_vdec *v = calloc(1, sizeof(*v));

	if (!v) {
		return -ENOMEM;
	}
	v->dev = dev;
	/* Corrupt input is the NW's business, not the board's log's. */
	av_log_set_level(AV_LOG_QUIET);
	*out = v;
	return 0;
}

static void vdec_ctx_free(struct hw_vdec *v, struct vdec_ctx *c)
{
	if (c->state == VDEC_FREE) {
		return;
	}
	avcodec_free_context(&c->avc);
	av_packet_free(&c->pkt);
	av_frame_free(&c->frame);
	sws_freeContext(c->sws);
	free(c->staging);
	free(c->seg);
	/* The slot keeps only its generation, so a stale ID stays stale. */
	*c = (struct vdec_ctx){ .gen = c->gen };
	v->stats.contexts--;
}

void hw_vdec_destroy(struct hw_vdec *v)
{
	if (!v) {
		return;
	}
	for (uint32_t i = 0; i < HW_VDEC_MAX_CONTEXTS; i++) {
		vdec_ctx_free(v, &v->ctx[i]);
	}
	free(v);
}

/* The context @id names, checked for @owner. */
static int vdec_ctx_find(struct hw_vdec *v, uint16_t owner, uint64_t id,
			 struct vdec_ctx **out)
{
	uint64_t slot = (id & ((1u << VDEC_ID_SLOT_BITS) - 1u));
	uint64_t gen = id >> VDEC_ID_SLOT_BITS;
	struct vdec_ctx *c = NULL;

	if (slot == 0 || slot > HW_VDEC_MAX_CONTEXTS || gen == 0 ||
	    gen > VDEC_ID_GEN_MAX) {
		return -ENOENT;
	}
	c = &v->ctx[slot - 1];
	if (c->state == VDEC_FREE || c->gen != gen) {
		return -ENOENT;
	}
	if (c->owner != owner) {
		return -EPERM;
	}
	*out = c;
	return 0;
}

/* Maps a libavcodec error of the decoding step to the closed errno set. */
static int vdec_av_errno(struct hw_vdec *v, int averr)
{
	if (averr == AVERROR(ENOMEM)) {
		return -ENOMEM;
	}
	v->stats.decode_errors++;
	return -EINVAL;
}

int hw_vdec_open(struct hw_vdec *v, uint16_t owner,
		 const struct hw_vdec_params *p, uint32_t *id)
{
	enum AVCodecID cid = vdec_codec_id(p->codec);
	const AVCodec *codec = NULL;
	struct vdec_ctx *c = NULL;
	uint32_t slot = 0;
	int rc = 0;

	if (cid == AV_CODEC_ID_NONE || p->format != DEVICE_FMT_I420) {
		return -EOPNOTSUPP;
	}
	codec = avcodec_find_decoder(cid);
	if (!codec) {
		return -EOPNOTSUPP;
	}
	if (p->width == 0 || p->width > HW_VDEC_MAX_DIM || p->height == 0 ||
	    p->height > HW_VDEC_MAX_DIM ||
	    p->config_size > HW_VDEC_MAX_CONFIG ||
	    (p->config_size > 0 && !p->config)) {
		return -EINVAL;
	}
	for (slot = 0; slot < HW_VDEC_MAX_CONTEXTS; slot++) {
		if (v->ctx[slot].state == VDEC_FREE) {
			break;
		}
	}
	if (slot == HW_VDEC_MAX_CONTEXTS) {
		return -ENOMEM;
	}
	c = &v->ctx[slot];
	c->avc = avcodec_alloc_context3(codec);
	c->pkt = av_packet_alloc();
	c->frame = av_frame_alloc();
	/* From here vdec_ctx_free() undoes everything. */
	c->state = VDEC_OPEN;
	v->stats.contexts++;
	if (!c->avc || !c->pkt || !c->frame) {
		rc = -ENOMEM;
		goto err_free;
	}
	if (p->config_size > 0) {
		c->avc->extradata =
			av_mallocz(p->config_size + AV_INPUT_BUFFER_PADDING_SIZE);
		if (!c->avc->extradata) {
			rc = -ENOMEM;
			goto err_free;
		}
		memcpy(c->avc->extradata, p->config, p->config_size);
		c->avc->extradata_size = (int)p->config_size;
	}
	c->avc->width = (int)p->width;
	c->avc->height = (int)p->height;
	/*
	 * Auto (3 frame threads on 2 cores), as the ffmpeg CLI: against 1, 2
	 * and 4 it played fastest although the board's loop, rheapd and the
	 * player share the cores (docs/performance.md, bench_play).
	 */
	c->avc->thread_count = 0;
	c->avc->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM |
				  AV_EF_BUFFER | AV_EF_CRCCHECK;
	c->avc->flags &= ~AV_CODEC_FLAG_OUTPUT_CORRUPT;
	rc = avcodec_open2(c->avc, codec, NULL);
	if (rc < 0) {
		rc = rc == AVERROR(ENOMEM) ? -ENOMEM : -EINVAL;
		goto err_free;
	}
	c->owner = owner;
	c->gen = c->gen >= VDEC_ID_GEN_MAX ? 1 : c->gen + 1;
	v->stats.opened++;
	*id = c->gen << VDEC_ID_SLOT_BITS | (slot + 1);
	return 0;

err_free:
	vdec_ctx_free(v, c);
	return rc;
}

int hw_vdec_queue_out(struct hw_vdec *v, uint16_t owner, uint64_t id,
		      uint64_t tag, uint64_t iova, bool secure, uint64_t size)
{
	struct vdec_ctx *c = NULL;
	uint64_t end = 0;
	int rc = vdec_ctx_find(v, owner, id, &c);

	if (rc) {
		return rc;
	}
	if (size == 0) {
		return -EINVAL;
	}
	if (__builtin_add_overflow(iova, size - 1, &end)) {
		return -EOVERFLOW;
	}
	if (c->secure_in && !secure) {
		return -EPERM; /* protected frames never go to NS memory */
	}
	if (c->queued == HW_VDEC_MAX_QUEUED) {
		return -ENOSPC;
	}
	c->queue[(c->head + c->queued) % HW_VDEC_MAX_QUEUED] = (struct vdec_out){
		.tag = tag,
		.iova = iova,
		.size = size,
		.secure = secure,
	};
	c->queued++;
	return 0;
}

/* Bus errors are faults to the caller: -EPERM (host trouble stays). */
static int vdec_bus_errno(struct hw_vdec *v, int rc)
{
	if (rc == -ENOMEM) {
		return rc;
	}
	v->stats.bus_faults++;
	return -EPERM;
}

int hw_vdec_decode(struct hw_vdec *v, uint16_t owner, uint64_t id,
		   uint64_t iova, bool secure, uint64_t size, uint64_t flags,
		   uint64_t pts)
{
	struct vdec_ctx *c = NULL;
	uint64_t end = 0;
	int rc = vdec_ctx_find(v, owner, id, &c);

	if (rc) {
		return rc;
	}
	if (flags & ~(uint64_t)DEVICE_DECODE_EOS) {
		return -EINVAL;
	}
	if (flags & DEVICE_DECODE_EOS) {
		if (size != 0 || iova != 0 || c->state != VDEC_OPEN) {
			return -EINVAL;
		}
		if (c->have_frame) {
			return -EBUSY;
		}
		rc = avcodec_send_packet(c->avc, NULL);
		if (rc == AVERROR(EAGAIN)) {
			return -EBUSY;
		}
		if (rc < 0) {
			return vdec_av_errno(v, rc);
		}
		c->state = VDEC_DRAINING;
		return 0;
	}
	if (size == 0) {
		return -EINVAL;
	}
	if (__builtin_add_overflow(iova, size - 1, &end)) {
		return -EOVERFLOW;
	}
	if (size > HW_VDEC_MAX_AU || c->state != VDEC_OPEN) {
		return -EINVAL;
	}
	if (c->have_frame) {
		return -EBUSY;
	}
	av_packet_unref(c->pkt);
	if (av_new_packet(c->pkt, (int)size) < 0) {
		return -ENOMEM;
	}
	rc = hw_device_read(v->dev, secure, iova, c->pkt->data, (size_t)size);
	if (rc) {
		av_packet_unref(c->pkt);
		return vdec_bus_errno(v, rc);
	}
	/* Protected bytes are in the decoder now, whatever it answers. */
	c->secure_in = c->secure_in || secure;
	c->pkt->pts = (int64_t)pts;
	rc = avcodec_send_packet(c->avc, c->pkt);
	av_packet_unref(c->pkt);
	if (rc == AVERROR(EAGAIN)) {
		return -EBUSY;
	}
	if (rc < 0) {
		return vdec_av_errno(v, rc);
	}
	v->stats.packets++;
	return 0;
}

static bool vdec_frame_is_i420(const AVFrame *f)
{
	return f->format == AV_PIX_FMT_YUV420P ||
	       f->format == AV_PIX_FMT_YUVJ420P;
}

/*
 * The held I420 frame as bus pieces straight from its planes: one per
 * plane whose rows are packed (linesize == width), else one per row. No
 * staging copy: the bus gathers them into the buffer in one job.
 */
static int vdec_frame_segs(struct vdec_ctx *c, size_t *count)
{
	const AVFrame *f = c->frame;
	uint32_t w = (uint32_t)f->width;
	uint32_t h = (uint32_t)f->height;
	uint32_t cw = (w + 1) / 2;
	uint32_t ch = (h + 1) / 2;
	size_t need = (size_t)h + 2u * ch;
	size_t n = 0;

	if (c->seg_cap < need) {
		struct hw_bus_seg *p = realloc(c->seg, need * sizeof(*p));

		if (!p) {
			return -ENOMEM;
		}
		c->seg = p;
		c->seg_cap = need;
	}
	for (uint32_t pl = 0; pl < 3; pl++) {
		uint32_t pw = pl == 0 ? w : cw;
		uint32_t ph = pl == 0 ? h : ch;

		if (f->linesize[pl] == (int)pw) {
			c->seg[n++] = (struct hw_bus_seg){
				f->data[pl], (size_t)pw * ph
			};
			continue;
		}
		for (uint32_t y = 0; y < ph; y++) {
			c->seg[n++] = (struct hw_bus_seg){
				f->data[pl] + (ptrdiff_t)y * f->linesize[pl], pw
			};
		}
	}
	*count = n;
	return 0;
}

/* Converts the held frame to I420 in the staging buffer (libswscale). */
static int vdec_frame_convert(struct vdec_ctx *c, uint64_t size)
{
	const AVFrame *f = c->frame;
	uint32_t w = (uint32_t)f->width;
	uint32_t h = (uint32_t)f->height;
	uint32_t cw = (w + 1) / 2;
	uint32_t ch = (h + 1) / 2;
	uint8_t *dst[4] = { NULL };
	int dst_ls[4] = { 0 };

	if (c->staging_size < size) {
		uint8_t *p = realloc(c->staging, (size_t)size);

		if (!p) {
			return -ENOMEM;
		}
		c->staging = p;
		c->staging_size = (size_t)size;
	}
	dst[0] = c->staging;
	dst[1] = dst[0] + (size_t)w * h;
	dst[2] = dst[1] + (size_t)cw * ch;
	dst_ls[0] = (int)w;
	dst_ls[1] = (int)cw;
	dst_ls[2] = (int)cw;
	c->sws = sws_getCachedContext(c->sws, (int)w, (int)h,
				      (enum AVPixelFormat)f->format, (int)w,
				      (int)h, AV_PIX_FMT_YUV420P, SWS_BILINEAR,
				      NULL, NULL, NULL);
	if (!c->sws) {
		return -EINVAL; /* a layout libswscale cannot read */
	}
	if (sws_scale(c->sws, (const uint8_t *const *)f->data, f->linesize, 0,
		      (int)h, dst, dst_ls) != (int)h) {
		return -EINVAL;
	}
	return 0;
}

/*
 * Writes the held frame as I420 to @buf through the bus: one job, so a
 * fault leaves the buffer untouched. Host trouble before the job
 * (-ENOMEM, -EINVAL for a layout that cannot be converted) is returned
 * as a negative errno with *@bus_rc left 0; the bus job's answer goes to
 * *@bus_rc.
 */
static int vdec_frame_write(struct hw_vdec *v, struct vdec_ctx *c,
			    const struct vdec_out *buf, uint64_t size,
			    int *bus_rc)
{
	size_t count = 0;
	int rc = 0;

	if (vdec_frame_is_i420(c->frame)) {
		rc = vdec_frame_segs(c, &count);
		if (rc) {
			return rc;
		}
		*bus_rc = hw_device_writev(v->dev, buf->secure, buf->iova,
					   c->seg, count);
		return 0;
	}
	rc = vdec_frame_convert(c, size);
	if (rc) {
		return rc;
	}
	*bus_rc = hw_device_write(v->dev, buf->secure, buf->iova, c->staging,
				  (size_t)size);
	return 0;
}

/* Takes the next frame from libavcodec into @c->frame. */
static int vdec_frame_next(struct hw_vdec *v, struct vdec_ctx *c)
{
	int rc = avcodec_receive_frame(c->avc, c->frame);

	if (rc == AVERROR(EAGAIN)) {
		return DEVICE_RECV_NONE;
	}
	if (rc == AVERROR_EOF) {
		c->state = VDEC_DRAINED;
		return DEVICE_RECV_EOF;
	}
	if (rc < 0) {
		return vdec_av_errno(v, rc);
	}
	if ((c->frame->flags & AV_FRAME_FLAG_CORRUPT) ||
	    c->frame->decode_error_flags != 0 || c->frame->width <= 0 ||
	    c->frame->height <= 0 || c->frame->width > (int)HW_VDEC_MAX_DIM ||
	    c->frame->height > (int)HW_VDEC_MAX_DIM) {
		av_frame_unref(c->frame);
		v->stats.decode_errors++;
		return -EINVAL;
	}
	c->have_frame = true;
	return DEVICE_RECV_FRAME;
}

int hw_vdec_receive(struct hw_vdec *v, uint16_t owner, uint64_t id,
		    struct hw_vdec_frame *out)
{
	struct vdec_ctx *c = NULL;
	struct vdec_out buf = { 0 };
	uint64_t size = 0;
	int bus_rc = 0;
	int rc = vdec_ctx_find(v, owner, id, &c);

	if (rc) {
		return rc;
	}
	*out = (struct hw_vdec_frame){ 0 };
	if (c->state == VDEC_DRAINED) {
		return DEVICE_RECV_EOF;
	}
	if (!c->have_frame) {
		rc = vdec_frame_next(v, c);
		if (rc != DEVICE_RECV_FRAME) {
			return rc;
		}
	}
	if (c->queued == 0) {
		return -ENOSPC;
	}
	buf = c->queue[c->head];
	size = hw_vdec_i420_size((uint32_t)c->frame->width,
				 (uint32_t)c->frame->height);
	if (c->secure_in && !buf.secure) {
		/* Queued before the first secure access unit: refused
		 * without a bus access (no fault record), as a bus refusal
		 * is answered. */
		c->head = (c->head + 1) % HW_VDEC_MAX_QUEUED;
		c->queued--;
		out->tag = buf.tag;
		return -EPERM;
	}
	if (buf.size < size) {
		c->head = (c->head + 1) % HW_VDEC_MAX_QUEUED;
		c->queued--;
		out->tag = buf.tag;
		return -ENOSPC;
	}
	rc = vdec_frame_write(v, c, &buf, size, &bus_rc);
	if (rc) {
		return rc;
	}
	rc = bus_rc;
	if (rc == -ENOMEM) {
		return rc;
	}
	c->head = (c->head + 1) % HW_VDEC_MAX_QUEUED;
	c->queued--;
	out->tag = buf.tag;
	if (rc) {
		return vdec_bus_errno(v, rc);
	}
	out->pts = (uint64_t)(c->frame->pts != AV_NOPTS_VALUE ?
				      c->frame->pts :
				      c->frame->best_effort_timestamp);
	out->width = (uint32_t)c->frame->width;
	out->height = (uint32_t)c->frame->height;
	out->format = DEVICE_FMT_I420;
	out->size = size;
	av_frame_unref(c->frame);
	c->have_frame = false;
	v->stats.frames++;
	return DEVICE_RECV_FRAME;
}

int hw_vdec_close(struct hw_vdec *v, uint16_t owner, uint64_t id)
{
	struct vdec_ctx *c = NULL;
	int rc = vdec_ctx_find(v, owner, id, &c);

	if (rc) {
		return rc;
	}
	vdec_ctx_free(v, c);
	return 0;
}

uint32_t hw_vdec_close_owner(struct hw_vdec *v, uint16_t owner)
{
	uint32_t closed = 0;

	for (uint32_t i = 0; i < HW_VDEC_MAX_CONTEXTS; i++) {
		if (v->ctx[i].state != VDEC_FREE && v->ctx[i].owner == owner) {
			vdec_ctx_free(v, &v->ctx[i]);
			closed++;
		}
	}
	return closed;
}

void hw_vdec_stats_get(const struct hw_vdec *v, struct hw_vdec_stats *out)
{
	*out = v->stats;
}
