// SPDX-License-Identifier: BSD-2-Clause
/*
 * Display model. The contract, the sink formats and the life cycle are in
 * hw_display.h; the command ABI in include/rheap/device_abi.h.
 *
 * SHOW does the device's part on the board's thread: the bus read of the
 * frame into a free slot of the writer ring. The sink's part (MD5, Y4M,
 * PNG) runs on the display's writer thread, so the board's loop serves the
 * next command while a frame is hashed:
 *
 *   main thread                         writer thread
 *   SHOW: wait for a free slot           take ring[head] (stays queued)
 *         bus read into it               md5 / y4m / png, unlocked
 *         queue it (count++)             head++, count-- (slot free)
 *   CLOSE / STATUS / destroy: wait until count == 0
 *
 * A slot in [head, head + count) belongs to the writer, the next one (if
 * count < depth) to the main thread, which alone fills it; the lock guards
 * head, count, the sessions' write errors and the counters the writer
 * updates. A session's files are the writer's while its frames are queued
 * and the main thread's (open, close) when the ring is empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
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
/* Frames queued for the writer at most, and their bytes at most (but at
 * least one frame). */
#define DISPLAY_RING 4u
#define DISPLAY_RING_BYTES ((uint64_t)32 << 20)
/* A slot buffer above this is freed after use, not kept for the next. */
#define DISPLAY_KEEP_BYTES ((size_t)16 << 20)

/*
 * struct display_session - one session
 * @id:       session ID; 0 iff the slot is free
 * @owner:    the endpoint that opened it
 * @p:        OPEN's arguments, validated
 * @md5, @y4m: the sink files, NULL when not asked for
 * @shown:    frames shown
 * @werr:     a sink write failed (set by the writer, under the lock):
 *            later SHOWs and the CLOSE answer -ENOMEM
 */
struct display_session {
	uint32_t id;
	uint16_t owner;
	struct hw_display_params p;
	FILE *md5;
	FILE *y4m;
	uint64_t shown;
	bool werr;
};

/*
 * struct display_job - one frame for the writer
 * @s:        the session (its files, parameters and ID)
 * @buf:      the frame's bytes, read through the bus; @cap bytes allocated
 * @size:     bytes of the frame
 * @index:    its index in the session (the MD5 line's first field)
 * @pts:      presentation time
 * @snapshot: write the PNG snapshot of this frame
 */
struct display_job {
	struct display_session *s;
	uint8_t *buf;
	size_t cap;
	size_t size;
	uint64_t index;
	uint64_t pts;
	bool snapshot;
};

/*
 * struct hw_display
 * @scan:       host buffer a frame without sink work is scanned into,
 *              @scan_size bytes (read and discarded, as a panel would)
 * @next_id:    the next session ID (1 for the first)
 * @lock:       guards @head, @count, @stop, the sessions' @werr and
 *              @stats.sink_errors / @stats.snapshots
 * @work:       signalled when a job is queued or @stop set
 * @done:       signalled when the writer finishes a job
 * @writer:     the writer thread, running iff @writer_up
 * @ring:       the writer's jobs: [head, head + count) queued, in order
 */
struct hw_display {
	struct hw_device *dev;
	char *sink_dir;
	struct display_session s[HW_DISPLAY_MAX_SESSIONS];
	uint8_t *scan;
	size_t scan_size;
	uint32_t next_id;
	struct hw_display_stats stats;
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_cond_t done;
	pthread_t writer;
	bool writer_up;
	bool stop;
	struct display_job ring[DISPLAY_RING];
	uint32_t head;
	uint32_t count;
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
			goto err_free;
		}
	}
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		goto err_free;
	}
	if (pthread_cond_init(&d->work, NULL) != 0) {
		goto err_lock;
	}
	if (pthread_cond_init(&d->done, NULL) != 0) {
		goto err_work;
	}
	d->dev = dev;
	d->next_id = 1;
	*out = d;
	return 0;

err_work:
	pthread_cond_destroy(&d->work);
err_lock:
	pthread_mutex_destroy(&d->lock);
err_free:
	free(d->sink_dir);
	free(d);
	return -ENOMEM;
}

/* Waits until the writer has finished every queued frame. */
static void display_drain(struct hw_display *d)
{
	pthread_mutex_lock(&d->lock);
	while (d->count > 0) {
		pthread_cond_wait(&d->done, &d->lock);
	}
	pthread_mutex_unlock(&d->lock);
}

/* Flushes and closes the session's files; -ENOMEM if any write failed. */
static int display_session_end(struct hw_display *d, struct display_session *s)
{
	int rc = s->werr ? -ENOMEM : 0;

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
	display_drain(d);
	if (d->writer_up) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->work);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->writer, NULL);
	}
	for (uint32_t i = 0; i < HW_DISPLAY_MAX_SESSIONS; i++) {
		if (d->s[i].id != 0) {
			(void)display_session_end(d, &d->s[i]);
		}
	}
	for (uint32_t i = 0; i < DISPLAY_RING; i++) {
		free(d->ring[i].buf);
	}
	pthread_cond_destroy(&d->done);
	pthread_cond_destroy(&d->work);
	pthread_mutex_destroy(&d->lock);
	free(d->scan);
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
			    const struct display_session *s,
			    const uint8_t *frame)
{
	const AVCodec *png = avcodec_find_encoder(AV_CODEC_ID_PNG);
	int w = (int)s->p.width;
	int h = (int)s->p.height;
	int cw = (w + 1) / 2;
	int ch = (h + 1) / 2;
	const uint8_t *src[4] = { frame, frame + (size_t)w * h,
				  frame + (size_t)w * h + (size_t)cw * ch,
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
out:
	sws_freeContext(sws);
	av_packet_free(&pkt);
	av_frame_free(&rgb);
	avcodec_free_context(&enc);
	return rc;
}

/* Writes a job's frame to its session's sinks (writer thread). */
static int display_sink(const struct display_job *j)
{
	static const char hex[] = "0123456789abcdef";
	struct display_session *s = j->s;
	uint8_t digest[16] = { 0 };
	char text[33] = { 0 };

	if (s->md5) {
		av_md5_sum(digest, j->buf, j->size);
		for (uint32_t i = 0; i < 16; i++) {
			text[2 * i] = hex[digest[i] >> 4];
			text[2 * i + 1] = hex[digest[i] & 0xf];
		}
		if (fprintf(s->md5, "%" PRIu64 ", %" PRId64 ", %zu, %s\n",
			    j->index, (int64_t)j->pts, j->size, text) < 0) {
			return -ENOMEM;
		}
	}
	if (s->y4m && (fputs("FRAME\n", s->y4m) < 0 ||
		       fwrite(j->buf, 1, j->size, s->y4m) != j->size)) {
		return -ENOMEM;
	}
	return 0;
}

/*
 * The writer thread: sinks the queued frames in order. A failed write
 * marks the session (reported by its next SHOW or its CLOSE); a snapshot
 * that cannot be made costs the picture, not the frame.
 */
static void *display_writer(void *arg)
{
	struct hw_display *d = arg;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct display_job *j = NULL;
		bool failed = false;
		bool pic = false;
		bool pic_failed = false;

		while (d->count == 0 && !d->stop) {
			pthread_cond_wait(&d->work, &d->lock);
		}
		if (d->count == 0) {
			break; /* stop, and nothing left */
		}
		j = &d->ring[d->head];
		failed = j->s->werr;
		pthread_mutex_unlock(&d->lock);
		if (!failed) {
			failed = display_sink(j) != 0;
		}
		if (!failed && j->snapshot) {
			pic = true;
			pic_failed = display_snapshot(d, j->s, j->buf) != 0;
		}
		if (j->cap > DISPLAY_KEEP_BYTES) {
			free(j->buf);
			j->buf = NULL;
			j->cap = 0;
		}
		pthread_mutex_lock(&d->lock);
		if (failed && !j->s->werr) {
			j->s->werr = true;
			d->stats.sink_errors++;
		}
		if (pic && pic_failed) {
			d->stats.sink_errors++;
		} else if (pic) {
			d->stats.snapshots++;
		}
		d->head = (d->head + 1u) % DISPLAY_RING;
		d->count--;
		pthread_cond_broadcast(&d->done);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Frames the ring may hold for frames of @fsize bytes: 1..DISPLAY_RING. */
static uint32_t display_depth(uint64_t fsize)
{
	uint64_t n = DISPLAY_RING_BYTES / fsize;

	if (n == 0) {
		return 1;
	}
	return n < DISPLAY_RING ? (uint32_t)n : DISPLAY_RING;
}

/*
 * A free ring slot with room for @fsize bytes (waiting for the writer if
 * the ring is full), starting the writer on first use.
 */
static int display_slot(struct hw_display *d, uint64_t fsize,
			struct display_job **out)
{
	uint32_t depth = display_depth(fsize);
	struct display_job *j = NULL;

	if (!d->writer_up) {
		if (pthread_create(&d->writer, NULL, display_writer, d) != 0) {
			return -ENOMEM;
		}
		d->writer_up = true;
	}
	pthread_mutex_lock(&d->lock);
	while (d->count >= depth) {
		pthread_cond_wait(&d->done, &d->lock);
	}
	j = &d->ring[(d->head + d->count) % DISPLAY_RING];
	pthread_mutex_unlock(&d->lock);
	if (j->cap < fsize) {
		uint8_t *p = realloc(j->buf, (size_t)fsize);

		if (!p) {
			return -ENOMEM;
		}
		j->buf = p;
		j->cap = (size_t)fsize;
	}
	*out = j;
	return 0;
}

/* The scan-out buffer of a frame no sink keeps. */
static int display_scan_buf(struct hw_display *d, uint64_t fsize)
{
	if (d->scan_size < fsize) {
		uint8_t *p = realloc(d->scan, (size_t)fsize);

		if (!p) {
			return -ENOMEM;
		}
		d->scan = p;
		d->scan_size = (size_t)fsize;
	}
	return 0;
}

int hw_display_show(struct hw_display *d, uint16_t owner, uint64_t id,
		    uint64_t iova, bool secure, uint64_t size, uint64_t pts,
		    uint64_t *shown)
{
	struct display_session *s = NULL;
	struct display_job *j = NULL;
	uint8_t *dst = NULL;
	uint64_t fsize = 0;
	uint64_t end = 0;
	bool snapshot = false;
	bool werr = false;
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
	pthread_mutex_lock(&d->lock);
	werr = s->werr;
	pthread_mutex_unlock(&d->lock);
	if (werr) {
		return -ENOMEM; /* an earlier frame's sink write failed */
	}
	snapshot = s->p.snapshot != 0 && s->p.snapshot - 1 == s->shown;
	if (s->md5 || s->y4m || snapshot) {
		rc = display_slot(d, fsize, &j);
		dst = j ? j->buf : NULL;
	} else {
		rc = display_scan_buf(d, fsize);
		dst = d->scan;
	}
	if (rc) {
		return rc;
	}
	rc = hw_device_read(d->dev, secure, iova, dst, (size_t)fsize);
	if (rc == -ENOMEM) {
		return rc;
	}
	if (rc) {
		d->stats.bus_faults++;
		return -EPERM;
	}
	if (j) {
		j->s = s;
		j->size = (size_t)fsize;
		j->index = s->shown;
		j->pts = pts;
		j->snapshot = snapshot;
		pthread_mutex_lock(&d->lock);
		d->count++;
		pthread_cond_signal(&d->work);
		pthread_mutex_unlock(&d->lock);
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
	display_drain(d);
	*shown = s->shown;
	return display_session_end(d, s);
}

uint32_t hw_display_close_owner(struct hw_display *d, uint16_t owner)
{
	uint32_t closed = 0;

	display_drain(d);
	for (uint32_t i = 0; i < HW_DISPLAY_MAX_SESSIONS; i++) {
		if (d->s[i].id != 0 && d->s[i].owner == owner) {
			(void)display_session_end(d, &d->s[i]);
			closed++;
		}
	}
	return closed;
}

void hw_display_stats_get(struct hw_display *d, struct hw_display_stats *out)
{
	pthread_mutex_lock(&d->lock);
	while (d->count > 0) {
		pthread_cond_wait(&d->done, &d->lock);
	}
	*out = d->stats;
	pthread_mutex_unlock(&d->lock);
}
