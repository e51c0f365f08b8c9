// SPDX-License-Identifier: BSD-2-Clause
/*
 * Display model. The contract, the sink formats and the life cycle are in
 * hw_display.h; the command ABI in include/rheap/device_abi.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/md5.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>

#include "hw_device.h"
#include "hw_display.h"
#include "hw_vdec.h"

#define DISPLAY_PATH_MAX 4096u
#define DISPLAY_DIR_MAX 4000u
#define DISPLAY_SINK_FLAGS ((uint64_t)(DEVICE_SINK_MD5 | DEVICE_SINK_Y4M))

/*
 * struct display_session - one session
 * @id:       session ID; 0 iff the slot is free
 * @owner:    the endpoint that opened it
 * @p:        OPEN's arguments, validated
 * @md5, @y4m: the sink files, NULL when not asked for
 * @shown:    frames shown
 */
struct display_session {
	uint32_t id;
	uint16_t owner;
	struct hw_display_params p;
	FILE *md5;
	FILE *y4m;
	uint64_t shown;
};

/*
 * struct hw_display
 * @frame:      host buffer the frame is read into, @frame_size bytes
 * @next_id:    the next session ID (1 for the first)
 */
struct hw_display {
	struct hw_device *dev;
	char *sink_dir;
	struct display_session s[HW_DISPLAY_MAX_SESSIONS];
	uint8_t *frame;
	size_t frame_size;
	uint32_t next_id;
	struct hw_display_stats stats;
};

int hw_display_create(struct hw_device *dev, const char *sink_dir,
		      struct hw_display **out)
{
	struct hw_display *d = NULL;

	if (sink_dir && strlen(sink_dir) > DISPLAY_DIR_MAX) {
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		return -ENOMEM;
	}
	if (sink_dir) {
		d->sink_dir = strdup(sink_dir);
		if (!d->sink_dir) {
			free(d);
			return -ENOMEM;
		}
	}
	d->dev = dev;
	d->next_id = 1;
	*out = d;
	return 0;
}

/* Flushes and closes the session's files; -ENOMEM if any write failed. */
static int display_session_end(struct hw_display *d, struct display_session *s)
{
	int rc = 0;

	if (s->md5 && fclose(s->md5) != 0) {
		rc = -ENOMEM;
	}
	if (s->y4m && fclose(s->y4m) != 0) {
		rc = -ENOMEM;
	}
	*s = (struct display_session){ 0 };
	d->stats.sessions--;
	return rc;
}

void hw_display_destroy(struct hw_display *d)
{
	if (!d) {
		return;
	}
	for (uint32_t i = 0; i < HW_DISPLAY_MAX_SESSIONS; i++) {
		if (d->s[i].id != 0) {
			(void)display_session_end(d, &d->s[i]);
		}
	}
	free(d->frame);
	free(d->sink_dir);
	free(d);
}

const char *hw_display_sink_dir(const struct hw_display *d)
{
	return d->sink_dir;
}

/* Creates <sink dir>/display-<id><suffix> for writing, mode 0600. */
static FILE *display_file(const struct hw_display *d, uint32_t id,
			  const char *suffix, const char *mode)
{
	char path[DISPLAY_PATH_MAX] = { 0 };
	FILE *f = NULL;
	int n = snprintf(path, sizeof(path), "%s/display-%" PRIu32 "%s",
			 d->sink_dir, id, suffix);
	int fd = -1;

	if (n < 0 || (size_t)n >= sizeof(path)) {
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		return NULL;
	}
	f = fdopen(fd, mode);
	if (!f) {
		close(fd);
	}
	return f;
}

int hw_display_open(struct hw_display *d, uint16_t owner,
		    const struct hw_display_params *p, uint32_t *id)
{
	struct display_session *s = NULL;

	if (p->format != DEVICE_FMT_I420 || !d->sink_dir) {
		return -EOPNOTSUPP;
	}
	if ((p->sink_flags & ~DISPLAY_SINK_FLAGS) || p->width == 0 ||
	    p->width > HW_DISPLAY_MAX_DIM || p->height == 0 ||
	    p->height > HW_DISPLAY_MAX_DIM || p->fps_num == 0 ||
	    p->fps_num > UINT32_MAX || p->fps_den == 0 ||
	    p->fps_den > UINT32_MAX) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < HW_DISPLAY_MAX_SESSIONS && !s; i++) {
		if (d->s[i].id == 0) {
			s = &d->s[i];
		}
	}
	if (!s) {
		return -ENOMEM;
	}
	s->id = d->next_id;
	s->owner = owner;
	s->p = *p;
	d->stats.sessions++;
	if (p->sink_flags & DEVICE_SINK_MD5) {
		s->md5 = display_file(d, s->id, ".md5", "w");
		if (!s->md5) {
			goto err_end;
		}
	}
	if (p->sink_flags & DEVICE_SINK_Y4M) {
		s->y4m = display_file(d, s->id, ".y4m", "wb");
		if (!s->y4m) {
			goto err_end;
		}
		if (fprintf(s->y4m,
			    "YUV4MPEG2 W%" PRIu64 " H%" PRIu64 " F%" PRIu64
			    ":%" PRIu64 " Ip A1:1 C420jpeg\n",
			    p->width, p->height, p->fps_num, p->fps_den) < 0) {
			goto err_end;
		}
	}
	d->next_id = d->next_id == UINT32_MAX ? 1 : d->next_id + 1;
	d->stats.opened++;
	*id = s->id;
	return 0;

err_end:
	(void)display_session_end(d, s);
	return -ENOMEM;
}

static int display_find(struct hw_display *d, uint16_t owner, uint64_t id,
			struct display_session **out)
{
	for (uint32_t i = 0; i < HW_DISPLAY_MAX_SESSIONS; i++) {
		struct display_session *s = &d->s[i];

		if (s->id != 0 && s->id == id) {
			if (s->owner != owner) {
				return -EPERM;
			}
			*out = s;
			return 0;
		}
	}
	return -ENOENT;
}

/* The frame as an RGB24 PNG: <sink dir>/display-<id>-snapshot.png. */
static int display_snapshot(struct hw_display *d,
			    const struct display_session *s)
{
	const AVCodec *png = avcodec_find_encoder(AV_CODEC_ID_PNG);
	int w = (int)s->p.width;
	int h = (int)s->p.height;
	int cw = (w + 1) / 2;
	int ch = (h + 1) / 2;
	const uint8_t *src[4] = { d->frame, d->frame + (size_t)w * h,
				  d->frame + (size_t)w * h + (size_t)cw * ch,
				  NULL };
	const int src_ls[4] = { w, cw, cw, 0 };
	struct SwsContext *sws = NULL;
	AVCodecContext *enc = NULL;
	AVFrame *rgb = NULL;
	AVPacket *pkt = NULL;
	FILE *f = NULL;
	int rc = -ENOMEM;

	if (!png) {
		return -EOPNOTSUPP;
	}
	enc = avcodec_alloc_context3(png);
	rgb = av_frame_alloc();
	pkt = av_packet_alloc();
	sws = sws_getContext(w, h, AV_PIX_FMT_YUV420P, w, h, AV_PIX_FMT_RGB24,
			     SWS_BILINEAR, NULL, NULL, NULL);
	if (!enc || !rgb || !pkt || !sws) {
		goto out;
	}
	rgb->format = AV_PIX_FMT_RGB24;
	rgb->width = w;
	rgb->height = h;
	if (av_frame_get_buffer(rgb, 0) < 0) {
		goto out;
	}
	sws_scale(sws, src, src_ls, 0, h, rgb->data, rgb->linesize);
	enc->width = w;
	enc->height = h;
	enc->pix_fmt = AV_PIX_FMT_RGB24;
	enc->time_base = (AVRational){ 1, 25 };
	if (avcodec_open2(enc, png, NULL) < 0 ||
	    avcodec_send_frame(enc, rgb) < 0 ||
	    avcodec_receive_packet(enc, pkt) < 0) {
		goto out;
	}
	f = display_file(d, s->id, "-snapshot.png", "wb");
	if (!f) {
		goto out;
	}
	rc = fwrite(pkt->data, 1, (size_t)pkt->size, f) == (size_t)pkt->size ?
		     0 :
		     -ENOMEM;
	if (fclose(f) != 0) {
		rc = -ENOMEM;
	}
	if (rc == 0) {
		d->stats.snapshots++;
	}
out:
	sws_freeContext(sws);
	av_packet_free(&pkt);
	av_frame_free(&rgb);
	avcodec_free_context(&enc);
	return rc;
}

/* Writes the frame in d->frame to the session's sinks. */
static int display_sink(struct hw_display *d, struct display_session *s,
			size_t fsize, uint64_t pts)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t digest[16] = { 0 };
	char text[33] = { 0 };

	if (s->md5) {
		av_md5_sum(digest, d->frame, fsize);
		for (uint32_t i = 0; i < 16; i++) {
			text[2 * i] = hex[digest[i] >> 4];
			text[2 * i + 1] = hex[digest[i] & 0xf];
		}
		if (fprintf(s->md5, "%" PRIu64 ", %" PRId64 ", %zu, %s\n",
			    s->shown, (int64_t)pts, fsize, text) < 0) {
			return -ENOMEM;
		}
	}
	if (s->y4m && (fputs("FRAME\n", s->y4m) < 0 ||
		       fwrite(d->frame, 1, fsize, s->y4m) != fsize)) {
		return -ENOMEM;
	}
	return 0;
}

int hw_display_show(struct hw_display *d, uint16_t owner, uint64_t id,
		    uint64_t iova, bool secure, uint64_t size, uint64_t pts,
		    uint64_t *shown)
{
	struct display_session *s = NULL;
	uint64_t fsize = 0;
	uint64_t end = 0;
	int rc = display_find(d, owner, id, &s);

	if (rc) {
		return rc;
	}
	fsize = hw_vdec_i420_size((uint32_t)s->p.width, (uint32_t)s->p.height);
	if (size == 0 || size < fsize) {
		return -EINVAL;
	}
	if (__builtin_add_overflow(iova, size - 1, &end)) {
		return -EOVERFLOW;
	}
	if (d->frame_size < fsize) {
		uint8_t *p = realloc(d->frame, (size_t)fsize);

		if (!p) {
			return -ENOMEM;
		}
		d->frame = p;
		d->frame_size = (size_t)fsize;
	}
	rc = hw_device_read(d->dev, secure, iova, d->frame, (size_t)fsize);
	if (rc == -ENOMEM) {
		return rc;
	}
	if (rc) {
		d->stats.bus_faults++;
		return -EPERM;
	}
	rc = display_sink(d, s, (size_t)fsize, pts);
	if (rc) {
		d->stats.sink_errors++;
		return -ENOMEM;
	}
	/* A snapshot that cannot be made costs the picture, not the frame. */
	if (s->p.snapshot != 0 && s->p.snapshot - 1 == s->shown &&
	    display_snapshot(d, s) != 0) {
		d->stats.sink_errors++;
	}
	s->shown++;
	d->stats.frames++;
	*shown = s->shown;
	return 0;
}

int hw_display_close(struct hw_display *d, uint16_t owner, uint64_t id,
		     uint64_t *shown)
{
	struct display_session *s = NULL;
	int rc = display_find(d, owner, id, &s);

	if (rc) {
		return rc;
	}
	*shown = s->shown;
	return display_session_end(d, s);
}

uint32_t hw_display_close_owner(struct hw_display *d, uint16_t owner)
{
	uint32_t closed = 0;

	for (uint32_t i = 0; i < HW_DISPLAY_MAX_SESSIONS; i++) {
		if (d->s[i].id != 0 && d->s[i].owner == owner) {
			(void)display_session_end(d, &d->s[i]);
			closed++;
		}
	}
	return closed;
}

void hw_display_stats_get(const struct hw_display *d,
			  struct hw_display_stats *out)
{
	*out = d->stats;
}
