// SPDX-License-Identifier: BSD-2-Clause
/*
 * The board's media devices (docs/devices.md) in-process and over the
 * transport: clips made at build time by ffmpeg (H.264 with B-frames,
 * MPEG-4 Part 2, HEVC) are demuxed here with libavformat, each sample is
 * written into the secure-video static carve-out as the secure CPU (what
 * the SDP partition's decrypt does), the carve-out is attached to the vdec
 * (write) and the display (read) through the SDP partition, and the
 * frames go vdec -> display sink. The sink's MD5 lines must equal
 * `ffmpeg -f framemd5` of the same clip (also made at build time).
 *
 * Also: a sample "decrypted with the wrong key" -> -EINVAL and no frame;
 * a restricted buffer mapped in a device's NS context -> -EPERM and a
 * fault with the device's stream; GPU_READ of NW memory (checksum) and of
 * restricted memory (-EPERM, fault); context and session limits; endpoint
 * teardown; hostile DEVICE frames with their exact errno; STATUS JSON.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <libavformat/avformat.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_regs.h>
#include <rheap/platform.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_internal.h"
#include "board/board_msg.h"
#include "board/board_server.h"
#include "board/nw_client.h"
#include "hw/hw_bus.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "util/json.h"
#include "board_test_file.h"

#define SDP_ID 0x8001u
#define SID_VDEC 0x10u
#define SID_DISPLAY 0x20u
#define SID_GPU 0x30u
#define SID_DMA 0x40u
#define PAGE 4096u
#define DRAM0_BASE UINT64_C(0x80000000)
#define EXTRA_PA (DRAM0_BASE + 0x200000u) /* codec config staging */
#define GPU_PA (DRAM0_BASE + 0x300000u)
#define BS_PAGES 256u /* bitstream area: 1 MiB at the pool's start */
#define NBUF 12u
#define MAX_SAMPLES 64u

#define A(...) ((const uint64_t[DEVICE_ARGS]){ __VA_ARGS__ })

static uint8_t *tl_buf;
static size_t tl_size;

struct sample {
	uint8_t *data;
	size_t size;
	int64_t pts;
};

struct clip {
	uint32_t codec;
	uint8_t *extra;
	size_t extra_size;
	uint32_t width;
	uint32_t height;
	uint32_t fps_num;
	uint32_t fps_den;
	struct sample s[MAX_SAMPLES];
	uint32_t count;
	char md5[MAX_SAMPLES][33]; /* ffmpeg framemd5, in output order */
	uint32_t md5_count;
};

struct fixture {
	struct board *b;
	uint8_t *dram0;
	uint64_t size0;
	FILE *log;
	char dir[64];
	char sink[96];
	uint64_t pool_pa;
	uint32_t pool_id;
};

/* ---- set-up ---- */

static int load_tl(void **state)
{
	(void)state;
	tl_buf = board_test_read_file(getenv("RHEAP_DEFAULT_TL"), &tl_size);
	return tl_buf ? 0 : -1;
}

static int free_tl(void **state)
{
	(void)state;
	free(tl_buf);
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	struct board_dram_range r = { 0 };
	const struct rheap_platform *plat = NULL;
	uint16_t ep = 0;
	void *p = NULL;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rheap-h9-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->sink, sizeof(fx->sink), "%s/sink", fx->dir);
	fx->log = tmpfile();
	opts.log = fx->log;
	opts.sink_dir = fx->sink;
	assert_int_equal(board_create(tl_buf, tl_size, &opts, &fx->b), 0);
	assert_int_equal(board_dram_get(fx->b, 0, &r), 0);
	p = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	assert_true(p != MAP_FAILED);
	fx->dram0 = p;
	fx->size0 = r.size;
	assert_int_equal(r.base, DRAM0_BASE);
	plat = board_platform(fx->b);
	for (uint32_t i = 0; i < plat->pool_count; i++) {
		if (plat->pools[i].kind == RHEAP_POOL_STATIC &&
		    plat->pools[i].use_case == RHEAP_USE_CASE_SECURE_VIDEO &&
		    fx->pool_pa == 0) {
			fx->pool_pa = plat->pools[i].base;
			fx->pool_id = SDP_BUF_ID_STATIC_BIT | i;
		}
	}
	assert_true(fx->pool_pa != 0);
	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	assert_int_equal(ep, BOARD_NW_ENDPOINT);
	*state = fx;
	return 0;
}

/* Removes the sink files and the directories. */
static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e = NULL;
	char path[512] = { 0 };

	if (!d) {
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
			continue;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path)) {
			continue;
		}
		if (e->d_type == DT_DIR) {
			rm_tree(path);
		} else {
			unlink(path);
		}
	}
	closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	munmap(fx->dram0, fx->size0);
	board_destroy(fx->b);
	fclose(fx->log);
	rm_tree(fx->dir);
	free(fx);
	return 0;
}

/* ---- helpers ---- */

static int dcall_as(struct fixture *fx, uint16_t ep, uint64_t sid,
		    uint64_t cmd, const uint64_t *a, uint64_t *res)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_DEVICE, sid, cmd } };
	struct rheap_ffa_regs resp = { 0 };
	int rc = 0;

	for (uint32_t i = 0; i < DEVICE_ARGS; i++) {
		req.x[3 + i] = a[i];
	}
	rc = board_device_call(fx->b, ep, &req, &resp);
	assert_int_equal(resp.x[0], BOARD_MSG_DEVICE);
	assert_int_equal((int64_t)resp.x[1], rc);
	for (uint32_t i = 10; i < RHEAP_FFA_REG_COUNT; i++) {
		assert_int_equal(resp.x[i], 0);
	}
	if (res) {
		for (uint32_t i = 0; i < DEVICE_RESULTS; i++) {
			res[i] = resp.x[2 + i];
		}
	}
	return rc;
}

static int dcall(struct fixture *fx, uint64_t sid, uint64_t cmd,
		 const uint64_t *a, uint64_t *res)
{
	return dcall_as(fx, BOARD_NW_ENDPOINT, sid, cmd, a, res);
}

/* SDP ATTACH of pages [off, off + pages) of a buffer; returns the status. */
static int32_t sdp_attach(struct fixture *fx, uint32_t buf_id, uint32_t off,
			  uint32_t pages, uint32_t sid, bool write,
			  uint64_t *iova)
{
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };

	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[1] = (uint64_t)BOARD_NW_ENDPOINT << 16 | SDP_ID;
	req.x[3] = SDP_CMD_ATTACH | (write ? SDP_ATTACH_FLAG_WRITE << 16 : 0);
	req.x[4] = buf_id;
	req.x[5] = off;
	req.x[6] = pages;
	req.x[7] = sid;
	assert_int_equal(board_call(fx->b, BOARD_NW_ENDPOINT, &req, &resp), 0);
	assert_int_equal((uint32_t)resp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	*iova = (uint64_t)(uint32_t)resp.x[5] << 32 | (uint32_t)resp.x[4];
	return (int32_t)(uint32_t)resp.x[3];
}

static void status(struct fixture *fx, struct board_device_status *out)
{
	struct board_status st = { 0 };

	board_status(fx->b, &st);
	*out = st.devices;
}

/* ---- clips ---- */

static void load_md5(struct clip *c, const char *path)
{
	char line[512] = { 0 };
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *last = strrchr(line, ',');
		char *h = last ? last + 1 : NULL;

		if (line[0] == '#' || !h) {
			continue;
		}
		while (*h == ' ') {
			h++;
		}
		assert_true(c->md5_count < MAX_SAMPLES);
		memcpy(c->md5[c->md5_count], h, 32);
		c->md5[c->md5_count][32] = '\0';
		c->md5_count++;
	}
	fclose(f);
}

static void load_clip(struct clip *c, const char *name, uint32_t codec)
{
	const char *dir = getenv("RHEAP_MEDIA_DIR");
	char path[512] = { 0 };
	AVFormatContext *fmt = NULL;
	AVCodecParameters *par = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVRational fr = { 0, 1 };

	assert_non_null(dir);
	assert_non_null(pkt);
	*c = (struct clip){ .codec = codec };
	snprintf(path, sizeof(path), "%s/%s.mp4", dir, name);
	assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
	assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
	par = fmt->streams[0]->codecpar;
	c->width = (uint32_t)par->width;
	c->height = (uint32_t)par->height;
	fr = fmt->streams[0]->avg_frame_rate;
	c->fps_num = fr.num > 0 ? (uint32_t)fr.num : 25;
	c->fps_den = fr.den > 0 ? (uint32_t)fr.den : 1;
	if (par->extradata_size > 0) {
		c->extra = malloc((size_t)par->extradata_size);
		assert_non_null(c->extra);
		memcpy(c->extra, par->extradata, (size_t)par->extradata_size);
		c->extra_size = (size_t)par->extradata_size;
	}
	while (av_read_frame(fmt, pkt) >= 0) {
		if (pkt->stream_index == 0) {
			struct sample *s = &c->s[c->count++];

			assert_true(c->count <= MAX_SAMPLES);
			s->data = malloc((size_t)pkt->size);
			assert_non_null(s->data);
			memcpy(s->data, pkt->data, (size_t)pkt->size);
			s->size = (size_t)pkt->size;
			s->pts = pkt->pts;
		}
		av_packet_unref(pkt);
	}
	av_packet_free(&pkt);
	avformat_close_input(&fmt);
	snprintf(path, sizeof(path), "%s/%s.framemd5", dir, name);
	load_md5(c, path);
	assert_int_equal(c->md5_count, c->count);
}

static void free_clip(struct clip *c)
{
	for (uint32_t i = 0; i < c->count; i++) {
		free(c->s[i].data);
	}
	free(c->extra);
}

/*
 * struct pipe - one playback through vdec and display
 * @iova_v, @iova_d: the carve-out's pages as the vdec and display see them
 * @fstride:         bytes per frame buffer (whole pages)
 */
struct pipe {
	uint64_t iova_v;
	uint64_t iova_d;
	uint64_t fstride;
	uint64_t ctx;
	uint64_t sess;
	uint64_t shown;
	uint64_t bflags; /* [buf] flags: DEVICE_BUF_SECURE, or 0 (system) */
	uint8_t *ns_bs;	 /* system: the bitstream memfd as the player maps it */
};

static uint64_t frame_off(const struct pipe *p, uint64_t tag)
{
	return (uint64_t)BS_PAGES * PAGE + tag * p->fstride;
}

static void pipe_open_sink(struct fixture *fx, const struct clip *c,
			   struct pipe *p, uint64_t snapshot, uint64_t sink)
{
	uint64_t fsize = (uint64_t)c->width * c->height +
			 2 * (((uint64_t)c->width + 1) / 2) *
				 (((uint64_t)c->height + 1) / 2);
	uint32_t pages = 0;
	uint64_t res[DEVICE_RESULTS] = { 0 };

	if (p->ns_bs) {
		/* pipe_open_sys() mapped the buffers already. */
		pages = 0;
	} else {
		*p = (struct pipe){ .fstride = (fsize + PAGE - 1) / PAGE * PAGE,
				    .bflags = DEVICE_BUF_SECURE };
		pages = BS_PAGES + (uint32_t)(NBUF * p->fstride / PAGE);
		assert_int_equal(sdp_attach(fx, fx->pool_id, 0, pages, SID_VDEC,
					    true, &p->iova_v),
				 0);
		assert_int_equal(sdp_attach(fx, fx->pool_id, 0, pages,
					    SID_DISPLAY, false, &p->iova_d),
				 0);
	}
	memcpy(fx->dram0 + (EXTRA_PA - DRAM0_BASE), c->extra, c->extra_size);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(c->codec, c->extra_size ? EXTRA_PA : 0, 0,
				 c->extra_size, c->width, c->height,
				 DEVICE_FMT_I420, 0),
			       res),
			 0);
	p->ctx = res[0];
	assert_true(p->ctx != 0);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(sink, snapshot, c->width, c->height,
				 DEVICE_FMT_I420,
				 c->fps_num, c->fps_den, 0),
			       res),
			 0);
	p->sess = res[0];
	for (uint64_t t = 0; t < NBUF; t++) {
		assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
				       A(p->ctx, t, p->iova_v + frame_off(p, t),
					 p->bflags, p->fstride, 0, 0, 0),
				       NULL),
				 0);
	}
}

/* Opens the pipeline with both sinks (MD5 and Y4M). */
static void pipe_open(struct fixture *fx, const struct clip *c,
		      struct pipe *p, uint64_t snapshot)
{
	pipe_open_sink(fx, c, p, snapshot, DEVICE_SINK_MD5 | DEVICE_SINK_Y4M);
}

/* RECEIVE until no frame is ready; each frame is shown and requeued. */
static int pipe_drain(struct fixture *fx, struct pipe *p, bool *eof)
{
	uint64_t res[DEVICE_RESULTS] = { 0 };
	int rc = 0;

	for (;;) {
		rc = dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			   A(p->ctx, 0, 0, 0, 0, 0, 0, 0), res);
		if (rc) {
			return rc;
		}
		if (res[0] == DEVICE_RECV_NONE) {
			return 0;
		}
		if (res[0] == DEVICE_RECV_EOF) {
			*eof = true;
			return 0;
		}
		assert_int_equal(res[0], DEVICE_RECV_FRAME);
		assert_true(res[1] < NBUF);
		assert_int_equal(res[5], DEVICE_FMT_I420);
		rc = dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			   A(p->sess, p->iova_d + frame_off(p, res[1]),
			     p->bflags, res[6], res[2], 0, 0, 0),
			   NULL);
		if (rc) {
			return rc;
		}
		p->shown++;
		assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
				       A(p->ctx, res[1],
					 p->iova_v + frame_off(p, res[1]),
					 p->bflags, p->fstride, 0, 0, 0),
				       NULL),
				 0);
	}
}

/* Plays @c; returns the first error (0: all frames out). */
static int pipe_play(struct fixture *fx, const struct clip *c, struct pipe *p)
{
	struct hw_bus *bus = board_bus(fx->b);
	bool eof = false;
	int rc = 0;

	for (uint32_t i = 0; i < c->count; i++) {
		if (p->ns_bs) {
			memcpy(p->ns_bs, c->s[i].data, c->s[i].size);
		} else {
			assert_int_equal(hw_bus_cpu_write(bus, true,
							  fx->pool_pa,
							  c->s[i].data,
							  c->s[i].size),
					 0);
		}
		do {
			rc = dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
				   A(p->ctx, p->iova_v, p->bflags,
				     c->s[i].size, 0, (uint64_t)c->s[i].pts, 0,
				     0),
				   NULL);
			if (rc == -EBUSY) {
				rc = pipe_drain(fx, p, &eof);
				if (rc == 0) {
					rc = -EBUSY;
				}
			}
		} while (rc == -EBUSY);
		if (rc == 0) {
			rc = pipe_drain(fx, p, &eof);
		}
		if (rc) {
			return rc;
		}
	}
	rc = dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
		   A(p->ctx, 0, 0, 0, DEVICE_DECODE_EOS, 0, 0, 0), NULL);
	while (rc == 0 && !eof) {
		rc = pipe_drain(fx, p, &eof);
	}
	return rc;
}

static void pipe_close(struct fixture *fx, struct pipe *p)
{
	uint64_t res[DEVICE_RESULTS] = { 0 };

	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_CLOSE,
			       A(p->sess, 0, 0, 0, 0, 0, 0, 0), res),
			 0);
	assert_int_equal(res[0], p->shown);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			       A(p->ctx, 0, 0, 0, 0, 0, 0, 0), NULL),
			 0);
}

static char *sink_path(struct fixture *fx, uint64_t sess, const char *suffix,
		       char *buf, size_t size)
{
	snprintf(buf, size, "%s/display-%llu%s", fx->sink,
		 (unsigned long long)sess, suffix);
	return buf;
}

/* The sink's MD5 lines equal ffmpeg's framemd5, frame by frame. */
static void check_sink_md5(struct fixture *fx, const struct clip *c,
			   const struct pipe *p)
{
	char path[256] = { 0 };
	char line[256] = { 0 };
	uint64_t fsize = (uint64_t)c->width * c->height +
			 2 * (((uint64_t)c->width + 1) / 2) *
				 (((uint64_t)c->height + 1) / 2);
	uint32_t n = 0;
	FILE *f = fopen(sink_path(fx, p->sess, ".md5", path, sizeof(path)), "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long idx = 0;
		long long pts = 0;
		unsigned long long size = 0;
		char hash[40] = { 0 };

		assert_int_equal(sscanf(line, "%llu, %lld, %llu, %39s", &idx,
					&pts, &size, hash),
				 4);
		assert_int_equal(idx, n);
		assert_int_equal(size, fsize);
		assert_true(n < c->md5_count);
		assert_string_equal(hash, c->md5[n]);
		n++;
	}
	fclose(f);
	assert_int_equal(n, c->md5_count);
}

static void check_y4m(struct fixture *fx, const struct clip *c,
		      const struct pipe *p)
{
	char path[256] = { 0 };
	char head[128] = { 0 };
	char want[128] = { 0 };
	struct stat st = { 0 };
	uint64_t fsize = (uint64_t)c->width * c->height +
			 2 * (((uint64_t)c->width + 1) / 2) *
				 (((uint64_t)c->height + 1) / 2);
	FILE *f = fopen(sink_path(fx, p->sess, ".y4m", path, sizeof(path)), "rb");
	int hl = snprintf(want, sizeof(want),
			  "YUV4MPEG2 W%u H%u F%u:%u Ip A1:1 C420jpeg\n",
			  c->width, c->height, c->fps_num, c->fps_den);

	assert_non_null(f);
	assert_non_null(fgets(head, sizeof(head), f));
	assert_string_equal(head, want);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((st.st_mode & 0777), 0600);
	assert_int_equal((uint64_t)st.st_size,
			 (uint64_t)hl + (uint64_t)p->shown * (6 + fsize));
}

/* ---- tests: playback ---- */

static void play_and_check(struct fixture *fx, const char *name,
			   uint32_t codec)
{
	struct board_device_status ds = { 0 };
	struct clip *c = calloc(1, sizeof(*c));
	struct pipe p = { 0 };
	char path[256] = { 0 };
	struct stat st = { 0 };

	assert_non_null(c);
	load_clip(c, name, codec);
	pipe_open(fx, c, &p, 3); /* snapshot of frame 2 */
	assert_int_equal(pipe_play(fx, c, &p), 0);
	assert_int_equal(p.shown, c->count);
	status(fx, &ds);
	assert_int_equal(ds.vdec_contexts, 1);
	assert_int_equal(ds.display_sessions, 1);
	assert_int_equal(ds.vdec_frames, c->count);
	assert_int_equal(ds.display_frames, c->count);
	assert_int_equal(ds.vdec_errors, 0);
	assert_int_equal(ds.display_snapshots, 1);
	pipe_close(fx, &p);
	check_sink_md5(fx, c, &p);
	check_y4m(fx, c, &p);
	/* The snapshot is a PNG. */
	assert_int_equal(stat(sink_path(fx, p.sess, "-snapshot.png", path,
					sizeof(path)),
			      &st),
			 0);
	assert_true(st.st_size > 8);
	status(fx, &ds);
	assert_int_equal(ds.vdec_contexts, 0);
	assert_int_equal(ds.display_sessions, 0);
	assert_int_equal(hw_bus_fault_total(board_bus(fx->b)), 0);
	free_clip(c);
	free(c);
}

static void test_play_h264(void **state)
{
	struct fixture *fx = *state;
	struct stat st = { 0 };

	assert_int_equal(stat(fx->sink, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	play_and_check(fx, "h264", DEVICE_CODEC_H264);
}

static void test_play_mpeg4(void **state)
{
	play_and_check(*state, "mpeg4", DEVICE_CODEC_MPEG4);
}

static void test_play_hevc(void **state)
{
	play_and_check(*state, "hevc", DEVICE_CODEC_HEVC);
}

/*
 * A sample "decrypted with the wrong key": CENC leaves each NAL unit's
 * length and header byte clear and the rest turns into noise.
 */
static void test_wrong_key(void **state)
{
	struct fixture *fx = *state;
	struct board_device_status ds = { 0 };
	struct clip *c = calloc(1, sizeof(*c));
	struct pipe p = { 0 };
	uint32_t seed = 12345;
	char path[256] = { 0 };
	struct stat st = { 0 };

	assert_non_null(c);
	load_clip(c, "h264", DEVICE_CODEC_H264);
	for (uint32_t i = 0; i < c->count; i++) {
		uint8_t *d = c->s[i].data;
		size_t off = 0;

		while (off + 4 <= c->s[i].size) {
			size_t len = (size_t)d[off] << 24 | (size_t)d[off + 1] << 16 |
				     (size_t)d[off + 2] << 8 | d[off + 3];

			for (size_t k = off + 5; k < off + 4 + len &&
						 k < c->s[i].size;
			     k++) {
				seed = seed * 1103515245u + 12345u;
				d[k] ^= (uint8_t)(seed >> 16);
			}
			off += 4 + len;
		}
	}
	pipe_open(fx, c, &p, 0);
	assert_int_equal(pipe_play(fx, c, &p), -EINVAL);
	assert_int_equal(p.shown, 0);
	status(fx, &ds);
	assert_true(ds.vdec_errors >= 1);
	assert_int_equal(ds.vdec_frames, 0);
	pipe_close(fx, &p);
	assert_int_equal(stat(sink_path(fx, p.sess, ".md5", path, sizeof(path)),
			      &st),
			 0);
	assert_int_equal(st.st_size, 0);
	free_clip(c);
	free(c);
}

/*
 * A compromised NW kernel maps restricted memory into the vdec's and the
 * display's NON-secure contexts: every access faults (-EPERM), the faults
 * carry the device's stream, nothing is read or written.
 */
static void test_ns_mapping_faults(void **state)
{
	struct fixture *fx = *state;
	struct hw_fault f = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	struct hw_bus *bus = board_bus(fx->b);
	struct board_device_status ds = { 0 };
	uint64_t ns_iova = UINT64_C(0x10000000);
	uint8_t probe[16] = { 0 };
	uint64_t ctx = 0;
	uint64_t sess = 0;

	assert_int_equal(hw_smmu_map(fx->b->smmu, SID_VDEC, HW_SMMU_CTX_NS,
				     ns_iova, fx->pool_pa, 64 * PAGE,
				     HW_SMMU_RW),
			 0);
	assert_int_equal(hw_smmu_map(fx->b->smmu, SID_DISPLAY, HW_SMMU_CTX_NS,
				     ns_iova, fx->pool_pa, 64 * PAGE,
				     HW_SMMU_READ),
			 0);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(DEVICE_CODEC_H264, 0, 0, 0, 64, 64,
				 DEVICE_FMT_I420, 0),
			       res),
			 0);
	ctx = res[0];
	/* Bitstream read through the NS context. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, ns_iova, 0, 100, 0, 0, 0, 0), NULL),
			 -EPERM);
	assert_int_equal(hw_bus_fault_count(bus), 1);
	assert_int_equal(hw_bus_fault_get(bus, 0, &f), 0);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	assert_int_equal(f.master, HW_MASTER_DEVICE);
	assert_int_equal(f.stream_id, SID_VDEC);
	assert_false(f.secure);
	assert_false(f.write);
	/* Display scan-out through the NS context. */
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(DEVICE_SINK_MD5, 0, 64, 64, DEVICE_FMT_I420,
				 25, 1, 0),
			       res),
			 0);
	sess = res[0];
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			       A(sess, ns_iova, 0, 6144, 0, 0, 0, 0), NULL),
			 -EPERM);
	assert_int_equal(hw_bus_fault_count(bus), 2);
	assert_int_equal(hw_bus_fault_get(bus, 1, &f), 0);
	assert_int_equal(f.stream_id, SID_DISPLAY);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	/* A secure IOVA nothing attached: no translation, also -EPERM. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, ns_iova, DEVICE_BUF_SECURE, 100, 0, 0, 0,
				 0),
			       NULL),
			 -EPERM);
	assert_int_equal(hw_bus_fault_get(bus, 2, &f), 0);
	assert_int_equal(f.reason, HW_FAULT_NO_TRANSLATION);
	assert_true(f.secure);
	status(fx, &ds);
	assert_int_equal(ds.vdec_faults, 2);
	assert_int_equal(ds.display_faults, 1);
	assert_int_equal(ds.display_frames, 0);
	/* The carve-out still holds what the secure side put there. */
	assert_int_equal(hw_bus_cpu_read(bus, true, fx->pool_pa, probe,
					 sizeof(probe)),
			 0);
}

/*
 * A context that decoded secure input and a NS output buffer queued
 * before: the secure-output rule, -EPERM with the tag, the frame kept.
 */
static void test_ns_frame_write_faults(void **state)
{
	struct fixture *fx = *state;
	struct clip *c = calloc(1, sizeof(*c));
	struct hw_bus *bus = board_bus(fx->b);
	uint64_t res[DEVICE_RESULTS] = { 0 };
	struct pipe p = { 0 };
	uint64_t ns_iova = UINT64_C(0x20000000);
	uint32_t i = 0;
	int rc = 0;

	assert_non_null(c);
	load_clip(c, "mpeg4", DEVICE_CODEC_MPEG4);
	pipe_open(fx, c, &p, 0);
	assert_int_equal(hw_smmu_map(fx->b->smmu, SID_VDEC, HW_SMMU_CTX_NS,
				     ns_iova, fx->pool_pa, 64 * PAGE,
				     HW_SMMU_RW),
			 0);
	/* A fresh context whose only buffer is the NS mapping. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(c->codec, EXTRA_PA, 0, c->extra_size,
				 c->width, c->height, DEVICE_FMT_I420, 0),
			       res),
			 0);
	p.ctx = res[0];
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(p.ctx, 77, ns_iova, 0, 64 * PAGE, 0, 0, 0),
			       NULL),
			 0);
	rc = -ENOSPC;
	for (i = 0; i < c->count && rc != -EPERM; i++) {
		assert_int_equal(hw_bus_cpu_write(bus, true, fx->pool_pa,
						  c->s[i].data, c->s[i].size),
				 0);
		assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
				       A(p.ctx, p.iova_v, DEVICE_BUF_SECURE,
					 c->s[i].size, 0, i, 0, 0),
				       NULL),
				 0);
		rc = dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			   A(p.ctx, 0, 0, 0, 0, 0, 0, 0), res);
		if (rc == 0) {
			assert_int_equal(res[0], DEVICE_RECV_NONE);
		}
	}
	/* The secure-output rule refuses it before any bus access. */
	assert_int_equal(rc, -EPERM);
	assert_int_equal(res[1], 77);
	assert_int_equal(hw_bus_fault_total(bus), 0);
	/* And refuses a NS buffer from now on, at QUEUE_OUT. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(p.ctx, 78, ns_iova, 0, 64 * PAGE, 0, 0, 0),
			       NULL),
			 -EPERM);
	/* The frame is kept: no buffer now. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			       A(p.ctx, 0, 0, 0, 0, 0, 0, 0), res),
			 -ENOSPC);
	/* A too-small buffer is dropped with its tag; the frame stays. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(p.ctx, 5, p.iova_v + frame_off(&p, 0),
				 DEVICE_BUF_SECURE, 100, 0, 0, 0),
			       NULL),
			 0);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			       A(p.ctx, 0, 0, 0, 0, 0, 0, 0), res),
			 -ENOSPC);
	assert_int_equal(res[1], 5);
	/* With a good buffer it comes out. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(p.ctx, 6, p.iova_v + frame_off(&p, 0),
				 DEVICE_BUF_SECURE, p.fstride, 0, 0, 0),
			       NULL),
			 0);
	/* A pending frame blocks DECODE. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(p.ctx, p.iova_v, DEVICE_BUF_SECURE, 10, 0, 0,
				 0, 0),
			       NULL),
			 -EBUSY);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			       A(p.ctx, 0, 0, 0, 0, 0, 0, 0), res),
			 0);
	assert_int_equal(res[0], DEVICE_RECV_FRAME);
	assert_int_equal(res[1], 6);
	assert_int_equal(res[3], c->width);
	assert_int_equal(res[4], c->height);
	free_clip(c);
	free(c);
}

/* ---- GPU ---- */

static void test_gpu_read(void **state)
{
	struct fixture *fx = *state;
	struct hw_bus *bus = board_bus(fx->b);
	uint64_t res[DEVICE_RESULTS] = { 0 };
	struct board_device_status ds = { 0 };
	struct hw_fault f = { 0 };
	uint64_t sum = 0;
	size_t maps = hw_smmu_mapping_count(fx->b->smmu);

	/* NW memory: the checksum of what is there (unaligned range). */
	for (uint32_t i = 0; i < 3 * PAGE; i++) {
		fx->dram0[GPU_PA - DRAM0_BASE + i] = (uint8_t)(i * 7);
	}
	for (uint32_t i = 100; i < 100 + 2 * PAGE + 5; i++) {
		sum += (uint8_t)(i * 7);
	}
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_GPU_READ,
			       A(GPU_PA + 100, 0, 2 * PAGE + 5, 0, 0, 0, 0, 0),
			       res),
			 0);
	assert_int_equal(res[0], sum);
	assert_int_equal(hw_smmu_mapping_count(fx->b->smmu), maps);
	/* Restricted memory faults with the GPU's stream. */
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_GPU_READ,
			       A(fx->pool_pa, 0, 4 * PAGE, 0, 0, 0, 0, 0), res),
			 -EPERM);
	assert_int_equal(res[0], 0);
	assert_int_equal(hw_bus_fault_count(bus), 1);
	assert_int_equal(hw_bus_fault_get(bus, 0, &f), 0);
	assert_int_equal(f.stream_id, SID_GPU);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	assert_int_equal(f.pa, fx->pool_pa);
	assert_false(f.secure);
	assert_int_equal(hw_smmu_mapping_count(fx->b->smmu), maps);
	/* Arguments. */
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_GPU_READ,
			       A(GPU_PA, 0, 0, 0, 0, 0, 0, 0), res),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_GPU_READ,
			       A(UINT64_MAX - 10, 0, 100, 0, 0, 0, 0, 0), res),
			 -EOVERFLOW);
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_GPU_READ,
			       A(GPU_PA, 0, UINT64_C(1) << 40, 0, 0, 0, 0, 0),
			       res),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_GPU_READ,
			       A(GPU_PA, 1, PAGE, 0, 0, 0, 0, 0), res),
			 -EINVAL);
	/* Outside DRAM: the bus faults (bad range), -EPERM. */
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_GPU_READ,
			       A(0x1000, 0, PAGE, 0, 0, 0, 0, 0), res),
			 -EPERM);
	status(fx, &ds);
	assert_int_equal(ds.gpu_reads, 1);
	assert_int_equal(ds.gpu_faults, 2);
}

/* ---- limits and ownership ---- */

static uint64_t vdec_open_small(struct fixture *fx, int *rc)
{
	uint64_t res[DEVICE_RESULTS] = { 0 };

	*rc = dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
		    A(DEVICE_CODEC_MPEG4, 0, 0, 0, 64, 64, DEVICE_FMT_I420, 0),
		    res);
	return res[0];
}

static uint64_t display_open_small(struct fixture *fx, int *rc)
{
	uint64_t res[DEVICE_RESULTS] = { 0 };

	*rc = dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
		    A(DEVICE_SINK_MD5, 0, 64, 64, DEVICE_FMT_I420, 25, 1, 0),
		    res);
	return res[0];
}

static void test_limits(void **state)
{
	struct fixture *fx = *state;
	uint64_t ids[8] = { 0 };
	uint64_t sess[4] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	uint64_t again = 0;
	int rc = 0;

	for (uint32_t i = 0; i < 8; i++) {
		ids[i] = vdec_open_small(fx, &rc);
		assert_int_equal(rc, 0);
	}
	(void)vdec_open_small(fx, &rc);
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			       A(ids[3], 0, 0, 0, 0, 0, 0, 0), NULL),
			 0);
	/* A closed ID is stale even when its slot is reused. */
	again = vdec_open_small(fx, &rc);
	assert_int_equal(rc, 0);
	assert_true(again != ids[3]);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			       A(ids[3], 0, 0, 0, 0, 0, 0, 0), NULL),
			 -ENOENT);
	/* 32 queued buffers. */
	for (uint64_t t = 0; t < 32; t++) {
		assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
				       A(again, t, t * PAGE, 0, PAGE, 0, 0, 0),
				       NULL),
				 0);
	}
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(again, 32, 0, 0, PAGE, 0, 0, 0), NULL),
			 -ENOSPC);
	/* Nothing decoded yet: RECEIVE says so. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			       A(again, 0, 0, 0, 0, 0, 0, 0), res),
			 0);
	assert_int_equal(res[0], DEVICE_RECV_NONE);
	/* Drained at once: EOF, then DECODE is refused. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(again, 0, 0, 0, DEVICE_DECODE_EOS, 0, 0, 0),
			       NULL),
			 0);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			       A(again, 0, 0, 0, 0, 0, 0, 0), res),
			 0);
	assert_int_equal(res[0], DEVICE_RECV_EOF);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(again, 0, 0, 0, DEVICE_DECODE_EOS, 0, 0, 0),
			       NULL),
			 -EINVAL);
	/* Display sessions: 4. */
	for (uint32_t i = 0; i < 4; i++) {
		sess[i] = display_open_small(fx, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(sess[i], i + 1);
	}
	(void)display_open_small(fx, &rc);
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_CLOSE,
			       A(sess[0], 0, 0, 0, 0, 0, 0, 0), res),
			 0);
	assert_int_equal(res[0], 0);
	assert_int_equal(display_open_small(fx, &rc), 5);
	assert_int_equal(rc, 0);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_CLOSE,
			       A(sess[0], 0, 0, 0, 0, 0, 0, 0), res),
			 -ENOENT);
}

/* The endpoint goes: its contexts and sessions close; IDs go stale. */
static void test_endpoint_teardown(void **state)
{
	struct fixture *fx = *state;
	struct board_device_status ds = { 0 };
	uint64_t ctx = 0;
	uint64_t sess = 0;
	uint16_t ep = 0;
	int rc = 0;

	ctx = vdec_open_small(fx, &rc);
	assert_int_equal(rc, 0);
	(void)vdec_open_small(fx, &rc);
	sess = display_open_small(fx, &rc);
	assert_int_equal(rc, 0);
	status(fx, &ds);
	assert_int_equal(ds.vdec_contexts, 2);
	assert_int_equal(ds.display_sessions, 1);
	/* Only the connected NW endpoint may call. */
	assert_int_equal(dcall_as(fx, 0x0002, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
				  A(ctx, 0, 0, 0, 0, 0, 0, 0), NULL),
			 -EPERM);
	board_nw_disconnect(fx->b, BOARD_NW_ENDPOINT);
	status(fx, &ds);
	assert_int_equal(ds.vdec_contexts, 0);
	assert_int_equal(ds.display_sessions, 0);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			       A(ctx, 0, 0, 0, 0, 0, 0, 0), NULL),
			 -EPERM);
	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			       A(ctx, 0, 0, 0, 0, 0, 0, 0), NULL),
			 -ENOENT);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			       A(sess, 0, 0, 6144, 0, 0, 0, 0), NULL),
			 -ENOENT);
}

/* ---- hostile frames ---- */

static void test_hostile(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_DEVICE, SID_VDEC,
					     DEVICE_CMD_VDEC_OPEN,
					     DEVICE_CODEC_H264, 0, 0, 0, 64,
					     64, DEVICE_FMT_I420 } };
	struct rheap_ffa_regs resp = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	uint64_t ctx = 0;
	uint64_t sess = 0;
	int rc = 0;

	/* x11..x17 MBZ. */
	for (uint32_t i = 11; i < RHEAP_FFA_REG_COUNT; i++) {
		struct rheap_ffa_regs bad = req;

		bad.x[i] = 1;
		assert_int_equal(board_device_call(fx->b, BOARD_NW_ENDPOINT,
						   &bad, &resp),
				 -EINVAL);
		assert_int_equal((int64_t)resp.x[1], -EINVAL);
		assert_int_equal(resp.x[2], 0);
	}
	/* Unknown stream; command not for that device; unknown command. */
	assert_int_equal(dcall(fx, 0x99, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 0, 0, 64, 64, 1, 0), NULL),
			 -ENOENT);
	assert_int_equal(dcall(fx, UINT64_C(1) << 32 | SID_VDEC,
			       DEVICE_CMD_VDEC_OPEN, A(1, 0, 0, 0, 64, 64, 1, 0),
			       NULL),
			 -ENOENT);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_GPU_READ,
			       A(GPU_PA, 0, PAGE, 0, 0, 0, 0, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_GPU, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 0, 0, 64, 64, 1, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 0, 0, 64, 64, 1, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_DMA, DEVICE_CMD_GPU_READ,
			       A(GPU_PA, 0, PAGE, 0, 0, 0, 0, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_VDEC, 0x0199,
			       A(0, 0, 0, 0, 0, 0, 0, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_VDEC, UINT64_C(1) << 40 | 0x0101,
			       A(1, 0, 0, 0, 64, 64, 1, 0), NULL),
			 -EOPNOTSUPP);
	/* VDEC_OPEN arguments. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(99, 0, 0, 0, 64, 64, 1, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(UINT64_C(1) << 32 | 1, 0, 0, 0, 64, 64, 1, 0),
			       NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 0, 0, 64, 64, 2, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 1, 0, 64, 64, 1, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 0, 0, 64, 64, 1, 1), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 0, 0, 0, 64, 1, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0, 0, 0, 64, 8193, 1, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, EXTRA_PA, 0, 64 * 1024 + 1, 64, 64, 1, 0),
			       NULL),
			 -EINVAL);
	/* Config PA: restricted, wrapping, outside DRAM, garbage bytes. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, fx->pool_pa, 0, 64, 64, 64, 1, 0), NULL),
			 -EPERM);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, UINT64_MAX - 8, 0, 64, 64, 64, 1, 0), NULL),
			 -EOVERFLOW);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, 0x1000, 0, 64, 64, 64, 1, 0), NULL),
			 -EPERM);
	assert_int_equal(hw_bus_fault_total(board_bus(fx->b)), 0);
	memset(fx->dram0 + (EXTRA_PA - DRAM0_BASE), 0xff, 64);
	fx->dram0[EXTRA_PA - DRAM0_BASE] = 1; /* avcC version 1, junk after */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(1, EXTRA_PA, 0, 64, 64, 64, 1, 0), NULL),
			 -EINVAL);
	/* Per-command checks on an open context. */
	ctx = vdec_open_small(fx, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(ctx, 1, 0, 0, 0, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(ctx, 1, UINT64_MAX - 10, 0, 100, 0, 0, 0),
			       NULL),
			 -EOVERFLOW);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(ctx, 1, 0, 2, PAGE, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(ctx, 1, 0, 0, PAGE, 1, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(ctx + 1, 1, 0, 0, PAGE, 0, 0, 0), NULL),
			 -ENOENT);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(0, 1, 0, 0, PAGE, 0, 0, 0), NULL),
			 -ENOENT);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, 0, 0, 0, 0, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, 0, 0, 16 * 1024 * 1024 + 1, 0, 0, 0, 0),
			       NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, UINT64_MAX, 0, 2, 0, 0, 0, 0), NULL),
			 -EOVERFLOW);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, 0, 0, UINT64_MAX, 0, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, 0, 0, 16, 2, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, 0, 0, 16, DEVICE_DECODE_EOS, 0, 0, 0),
			       NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, 0, 4, 16, 0, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
			       A(ctx, 0, 0, 16, 0, 0, 1, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			       A(ctx, 1, 0, 0, 0, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			       A(ctx, 0, 0, 0, 0, 0, 0, 1), NULL),
			 -EINVAL);
	assert_int_equal(hw_bus_fault_total(board_bus(fx->b)), 0);
	/* Display. */
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(4, 0, 64, 64, 1, 25, 1, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(1, 0, 64, 64, 2, 25, 1, 0), NULL),
			 -EOPNOTSUPP);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(1, 0, 64, 64, 1, 25, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(1, 0, 64, 64, 1, UINT64_C(1) << 32, 1, 0),
			       NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(1, 0, 0, 64, 1, 25, 1, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_OPEN,
			       A(1, 0, 64, 64, 1, 25, 1, 3), NULL),
			 -EINVAL);
	sess = display_open_small(fx, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			       A(sess, 0, 0, 6143, 0, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			       A(sess, UINT64_MAX - 100, 0, 6144, 0, 0, 0, 0),
			       NULL),
			 -EOVERFLOW);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			       A(sess, 0, 3, 6144, 0, 0, 0, 0), NULL),
			 -EINVAL);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			       A(sess + 7, 0, 0, 6144, 0, 0, 0, 0), NULL),
			 -ENOENT);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_CLOSE,
			       A(sess, 1, 0, 0, 0, 0, 0, 0), res),
			 -EINVAL);
	assert_int_equal(hw_bus_fault_total(board_bus(fx->b)), 0);
}

/*
 * Sink flags 0: the display scans every frame out through the bus and
 * keeps nothing but the snapshot asked for; no MD5 or Y4M file exists.
 */
static void test_sink_none(void **state)
{
	struct fixture *fx = *state;
	struct board_device_status ds = { 0 };
	struct clip *c = calloc(1, sizeof(*c));
	struct pipe p = { 0 };
	char path[256] = { 0 };
	struct stat st = { 0 };

	assert_non_null(c);
	load_clip(c, "h264", DEVICE_CODEC_H264);
	pipe_open_sink(fx, c, &p, 2, 0); /* snapshot of frame 1 only */
	assert_int_equal(pipe_play(fx, c, &p), 0);
	assert_int_equal(p.shown, c->count);
	status(fx, &ds);
	assert_int_equal(ds.display_frames, c->count);
	assert_int_equal(ds.display_snapshots, 1);
	assert_int_equal(ds.display_sink_errors, 0);
	pipe_close(fx, &p);
	assert_int_equal(stat(sink_path(fx, p.sess, ".md5", path, sizeof(path)),
			      &st),
			 -1);
	assert_int_equal(stat(sink_path(fx, p.sess, ".y4m", path, sizeof(path)),
			      &st),
			 -1);
	assert_int_equal(stat(sink_path(fx, p.sess, "-snapshot.png", path,
					sizeof(path)),
			      &st),
			 0);
	assert_true(st.st_size > 8);
	assert_int_equal(hw_bus_fault_total(board_bus(fx->b)), 0);
	free_clip(c);
	free(c);
}

/*
 * A sink write that fails on the host (the file size limit, EFBIG) after
 * SHOW answered: reported by a later SHOW and by CLOSE as -ENOMEM, counted
 * once; the MD5 lines written before stay in order.
 */
static void test_sink_write_error(void **state)
{
	struct fixture *fx = *state;
	struct board_device_status ds = { 0 };
	struct clip *c = calloc(1, sizeof(*c));
	struct pipe p = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	struct rlimit old = { 0 };
	struct rlimit lim = { 0 };
	void (*old_sig)(int) = SIG_DFL;
	char path[256] = { 0 };
	char line[128] = { 0 };
	uint64_t fsize = 0;
	uint64_t lines = 0;
	FILE *f = NULL;
	int rc = 0;

	assert_non_null(c);
	load_clip(c, "h264", DEVICE_CODEC_H264);
	assert_true(c->count > 4);
	fsize = (uint64_t)c->width * c->height +
		2 * (((uint64_t)c->width + 1) / 2) *
			(((uint64_t)c->height + 1) / 2);
	pipe_open_sink(fx, c, &p, 0, DEVICE_SINK_MD5 | DEVICE_SINK_Y4M);
	/* Room for the Y4M header and two frames, not three. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)(2 * fsize + fsize / 2);
	old_sig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = pipe_play(fx, c, &p);
	status(fx, &ds); /* waits for the writer */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_sig);
	assert_int_equal(rc, -ENOMEM);
	assert_true(p.shown >= 3 && p.shown < c->count);
	assert_int_equal(ds.display_frames, p.shown);
	assert_int_equal(ds.display_sink_errors, 1);
	/* Still refused, and CLOSE reports it too. */
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_SHOW,
			       A(p.sess, p.iova_d + frame_off(&p, 0), p.bflags,
				 p.fstride, 0, 0, 0, 0),
			       NULL),
			 -ENOMEM);
	assert_int_equal(dcall(fx, SID_DISPLAY, DEVICE_CMD_DISPLAY_CLOSE,
			       A(p.sess, 0, 0, 0, 0, 0, 0, 0), res),
			 -ENOMEM);
	status(fx, &ds); /* closed all the same */
	assert_int_equal(ds.display_sessions, 0);
	assert_int_equal(ds.display_sink_errors, 1);
	/* The MD5 lines of the frames before the failure, in order. */
	f = fopen(sink_path(fx, p.sess, ".md5", path, sizeof(path)), "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		assert_int_equal(strtoull(line, NULL, 10), lines);
		assert_non_null(strstr(line, c->md5[lines]));
		lines++;
	}
	fclose(f);
	assert_true(lines >= 2 && lines <= 3);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			       A(p.ctx, 0, 0, 0, 0, 0, 0, 0), NULL),
			 0);
	free_clip(c);
	free(c);
}

/* A board without a sink directory has no display sessions. */
static void test_no_sink(void **state)
{
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	struct fixture fx = { 0 };
	uint16_t ep = 0;
	int rc = 0;

	(void)state;
	fx.log = tmpfile();
	opts.log = fx.log;
	assert_int_equal(board_create(tl_buf, tl_size, &opts, &fx.b), 0);
	assert_int_equal(board_nw_connect(fx.b, &ep), 0);
	(void)display_open_small(&fx, &rc);
	assert_int_equal(rc, -EOPNOTSUPP);
	assert_null(board_sink_dir(fx.b));
	board_destroy(fx.b);
	/* A sink path that is a file is refused at boot. */
	opts.sink_dir = "/dev/null";
	assert_int_equal(board_create(tl_buf, tl_size, &opts, &fx.b), -EINVAL);
	fclose(fx.log);
}

/* ---- status JSON ---- */

static uint64_t json_at(const struct json_value *root, const char *dev,
			const char *key)
{
	const struct json_value *d =
		json_object_get(json_object_get(root, "devices"), dev);
	uint64_t v = UINT64_MAX;

	assert_non_null(d);
	assert_int_equal(json_get_u64(json_object_get(d, key), &v), 0);
	return v;
}

static void test_status_json(void **state)
{
	struct fixture *fx = *state;
	struct json_doc *doc = NULL;
	const struct json_value *root = NULL;
	const char *sink = NULL;
	char *json = NULL;
	size_t len = 0;
	int rc = 0;

	(void)vdec_open_small(fx, &rc);
	assert_int_equal(rc, 0);
	(void)display_open_small(fx, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(board_status_json(fx->b, &json, &len), 0);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	root = json_root(doc);
	assert_int_equal(json_get_string(json_object_get(root, "sink_dir"),
					 &sink),
			 0);
	assert_string_equal(sink, fx->sink);
	assert_int_equal(json_at(root, "vdec", "stream_id"), SID_VDEC);
	assert_int_equal(json_at(root, "vdec", "contexts"), 1);
	assert_int_equal(json_at(root, "vdec", "decoded_frames"), 0);
	assert_int_equal(json_at(root, "vdec", "decode_errors"), 0);
	assert_int_equal(json_at(root, "display", "sessions"), 1);
	assert_int_equal(json_at(root, "display", "shown_frames"), 0);
	assert_int_equal(json_at(root, "gpu", "reads"), 0);
	json_free(doc);
	free(json);
}

/* ---- over the transport ---- */

/* Serves @fd from a forked child; @other (the client's end) is closed there. */
static pid_t serve_child(struct board *b, int fd, int other)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct board_server *srv = NULL;

		close(other);
		if (board_server_create(b, NULL, &srv) != 0 ||
		    board_server_adopt(srv, fd) != 0) {
			_exit(1);
		}
		board_server_set_once(srv, true);
		_exit(board_server_run(srv) == 0 ? 0 : 1);
	}
	close(fd);
	return pid;
}

static void test_transport(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_DEVICE, SID_VDEC,
					     DEVICE_CMD_VDEC_OPEN,
					     DEVICE_CODEC_MPEG4, 0, 0, 0, 64,
					     64, DEVICE_FMT_I420 } };
	struct rheap_ffa_regs resp = { 0 };
	struct nw_client *c = NULL;
	uint8_t frame[BOARD_MSG_SIZE] = { 0 };
	uint8_t reply[BOARD_MSG_SIZE] = { 0 };
	int sv[2] = { -1, -1 };
	int status_code = 0;
	pid_t pid = 0;

	board_nw_disconnect(fx->b, BOARD_NW_ENDPOINT);
	/* NW connection: DEVICE frames are served. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = serve_child(fx->b, sv[0], sv[1]);
	assert_int_equal(nw_client_connect_fd(sv[1], BOARD_CONN_NW, &c), 0);
	assert_int_equal(nw_client_call(c, &req, &resp), 0);
	assert_int_equal(resp.x[0], BOARD_MSG_DEVICE);
	assert_int_equal(resp.x[1], 0);
	assert_true(resp.x[2] != 0);
	req.x[1] = 0x99;
	assert_int_equal(nw_client_call(c, &req, &resp), 0);
	assert_int_equal((int64_t)resp.x[1], -ENOENT);
	req.x[1] = SID_VDEC;
	req.x[17] = 1;
	assert_int_equal(nw_client_call(c, &req, &resp), 0);
	assert_int_equal((int64_t)resp.x[1], -EINVAL);
	nw_client_destroy(c);
	assert_int_equal(waitpid(pid, &status_code, 0), pid);
	assert_true(WIFEXITED(status_code) && WEXITSTATUS(status_code) == 0);

	/* Operator connection: a DEVICE frame closes it without a reply. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = serve_child(fx->b, sv[0], sv[1]);
	assert_int_equal(nw_client_connect_fd(sv[1], BOARD_CONN_OPERATOR, &c),
			 0);
	req.x[17] = 0;
	board_msg_encode(&req, frame);
	assert_int_equal(send(nw_client_fd(c), frame, sizeof(frame),
			      MSG_NOSIGNAL),
			 (ssize_t)sizeof(frame));
	assert_int_equal(recv(nw_client_fd(c), reply, sizeof(reply), 0), 0);
	nw_client_destroy(c);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status_code, 0), pid);
}

/* ---- NS memory: external windows, SMMU_NS, system buffers ---- */

/* A system buffer as rheapd makes one: a sealed memfd. */
static int sys_memfd(uint64_t size)
{
	int fd = memfd_create("h13-sys", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS,
			       F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 0);
	return fd;
}

static int ext_call_as(struct fixture *fx, uint16_t ep,
		       const struct rheap_ffa_regs *req, int fd, uint64_t *pa)
{
	struct rheap_ffa_regs resp = { 0 };
	int rc = board_ext_call(fx->b, ep, req, fd, &resp);

	assert_int_equal(resp.x[0], req->x[0]);
	assert_int_equal((int64_t)resp.x[1], rc);
	if (rc || req->x[0] != BOARD_MSG_EXT_MAP) {
		assert_int_equal(resp.x[2], 0);
	}
	for (uint32_t i = 3; i < RHEAP_FFA_REG_COUNT; i++) {
		assert_int_equal(resp.x[i], 0);
	}
	if (pa) {
		*pa = resp.x[2];
	}
	return rc;
}

static int ext_map(struct fixture *fx, int fd, uint64_t size, uint64_t *pa)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_EXT_MAP, size } };

	return ext_call_as(fx, BOARD_NW_ENDPOINT, &req, fd, pa);
}

static int ext_unmap(struct fixture *fx, uint64_t pa)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_EXT_UNMAP, pa } };

	return ext_call_as(fx, BOARD_NW_ENDPOINT, &req, -1, NULL);
}

static int smmu_ns(struct fixture *fx, uint64_t sid, uint64_t iova,
		   uint64_t pa, uint64_t size, uint64_t flags)
{
	struct rheap_ffa_regs req = {
		.x = { BOARD_MSG_SMMU_NS, sid, iova, pa, size, flags }
	};

	return ext_call_as(fx, BOARD_NW_ENDPOINT, &req, -1, NULL);
}

/*
 * The same pipeline on `system` buffers: one sealed memfd (bitstream,
 * then NBUF frames) given to the board as an external window, mapped
 * into the vdec's (read-write) and the display's (read) NS contexts;
 * samples written by the "player" through its own mmap; frames as
 * ffmpeg's framemd5.
 */
static void sys_play_and_check(struct fixture *fx, const char *name,
			       uint32_t codec)
{
	struct clip *c = calloc(1, sizeof(*c));
	struct pipe p = { 0 };
	uint64_t fsize = 0;
	uint64_t total = 0;
	uint64_t pa = 0;
	uint8_t *view = NULL;
	int fd = -1;
	bool nonzero = false;

	assert_non_null(c);
	load_clip(c, name, codec);
	fsize = (uint64_t)c->width * c->height +
		2 * (((uint64_t)c->width + 1) / 2) * (((uint64_t)c->height + 1) / 2);
	p.fstride = (fsize + PAGE - 1) / PAGE * PAGE;
	total = (uint64_t)BS_PAGES * PAGE + NBUF * p.fstride;
	fd = sys_memfd(total);
	view = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(view != MAP_FAILED);
	assert_int_equal(ext_map(fx, fd, total, &pa), 0);
	close(fd); /* the board keeps its mapping, not the fd */
	assert_true(pa >= HW_DRAM_EXT_BASE);
	assert_int_equal(pa % PAGE, 0);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa, pa, total,
				 BOARD_SMMU_NS_MAP | BOARD_SMMU_NS_WRITE),
			 0);
	assert_int_equal(smmu_ns(fx, SID_DISPLAY, pa, pa, total,
				 BOARD_SMMU_NS_MAP),
			 0);
	p.iova_v = pa;
	p.iova_d = pa;
	p.bflags = 0;
	p.ns_bs = view;
	pipe_open(fx, c, &p, 0);
	assert_int_equal(pipe_play(fx, c, &p), 0);
	assert_int_equal(p.shown, c->count);
	pipe_close(fx, &p);
	check_sink_md5(fx, c, &p);
	assert_int_equal(hw_bus_fault_total(board_bus(fx->b)), 0);
	/* System frames are NW memory: the player sees them. */
	for (uint64_t i = 0; i < fsize && !nonzero; i++) {
		nonzero = view[BS_PAGES * PAGE + i] != 0;
	}
	assert_true(nonzero);
	/* Not while a mapping points into it. */
	assert_int_equal(ext_unmap(fx, pa), -EBUSY);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa, 0, total, 0), 0);
	assert_int_equal(ext_unmap(fx, pa), -EBUSY);
	assert_int_equal(smmu_ns(fx, SID_DISPLAY, pa, 0, total, 0), 0);
	assert_int_equal(ext_unmap(fx, pa), 0);
	assert_int_equal(ext_unmap(fx, pa), -ENOENT);
	assert_int_equal(hw_dram_ext_count(fx->b->dram), 0);
	assert_int_equal(hw_smmu_mapping_count(fx->b->smmu), 0);
	munmap(view, total);
	free_clip(c);
	free(c);
}

static void test_sys_play_h264(void **state)
{
	sys_play_and_check(*state, "h264", DEVICE_CODEC_H264);
}

static void test_sys_play_mpeg4(void **state)
{
	sys_play_and_check(*state, "mpeg4", DEVICE_CODEC_MPEG4);
}

/*
 * A context fed NS input writes NS frames, but a NS mapping of restricted
 * memory still faults at the TZASC (SMMU_NS accepts any PA: the firewall
 * is at access time), with the buffer's tag and the frame kept.
 */
static void test_sys_ns_to_restricted(void **state)
{
	struct fixture *fx = *state;
	struct clip *c = calloc(1, sizeof(*c));
	struct hw_bus *bus = board_bus(fx->b);
	uint64_t res[DEVICE_RESULTS] = { 0 };
	struct hw_fault f = { 0 };
	uint64_t bad_iova = UINT64_C(0x20000000);
	uint64_t pa = 0;
	uint64_t ctx = 0;
	uint8_t *view = NULL;
	uint32_t i = 0;
	int fd = -1;
	int rc = 0;

	assert_non_null(c);
	load_clip(c, "mpeg4", DEVICE_CODEC_MPEG4);
	fd = sys_memfd(BS_PAGES * PAGE);
	view = mmap(NULL, BS_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	assert_true(view != MAP_FAILED);
	assert_int_equal(ext_map(fx, fd, BS_PAGES * PAGE, &pa), 0);
	close(fd);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa, pa, BS_PAGES * PAGE,
				 BOARD_SMMU_NS_MAP),
			 0);
	assert_int_equal(smmu_ns(fx, SID_VDEC, bad_iova, fx->pool_pa, 64 * PAGE,
				 BOARD_SMMU_NS_MAP | BOARD_SMMU_NS_WRITE),
			 0);
	memcpy(fx->dram0 + (EXTRA_PA - DRAM0_BASE), c->extra, c->extra_size);
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			       A(c->codec, EXTRA_PA, 0, c->extra_size,
				 c->width, c->height, DEVICE_FMT_I420, 0),
			       res),
			 0);
	ctx = res[0];
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_QUEUE_OUT,
			       A(ctx, 91, bad_iova, 0, 64 * PAGE, 0, 0, 0),
			       NULL),
			 0);
	rc = -ENOSPC;
	for (i = 0; i < c->count && rc != -EPERM; i++) {
		memcpy(view, c->s[i].data, c->s[i].size);
		assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_DECODE,
				       A(ctx, pa, 0, c->s[i].size, 0, i, 0, 0),
				       NULL),
				 0);
		rc = dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			   A(ctx, 0, 0, 0, 0, 0, 0, 0), res);
	}
	assert_int_equal(rc, -EPERM);
	assert_int_equal(res[1], 91);
	assert_int_equal(hw_bus_fault_total(bus), 1);
	assert_int_equal(hw_bus_fault_get(bus, 0, &f), 0);
	assert_int_equal(f.reason, HW_FAULT_TZASC_DENIED);
	assert_int_equal(f.stream_id, SID_VDEC);
	assert_false(f.secure);
	assert_true(f.write);
	assert_int_equal(f.pa, fx->pool_pa);
	/* The frame is kept: no buffer now. */
	assert_int_equal(dcall(fx, SID_VDEC, DEVICE_CMD_VDEC_RECEIVE,
			       A(ctx, 0, 0, 0, 0, 0, 0, 0), res),
			 -ENOSPC);
	/* The endpoint goes: its contexts, mappings and windows with it. */
	board_nw_disconnect(fx->b, BOARD_NW_ENDPOINT);
	assert_int_equal(hw_dram_ext_count(fx->b->dram), 0);
	assert_int_equal(hw_smmu_mapping_count(fx->b->smmu), 0);
	munmap(view, BS_PAGES * PAGE);
	free_clip(c);
	free(c);
}

/* Every refusal of EXT_MAP, EXT_UNMAP and SMMU_NS, with nothing changed. */
static void test_ext_hostile(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_regs req = { 0 };
	uint64_t pa[3] = { 0 };
	uint64_t pa2 = 0;
	int good = sys_memfd(16 * PAGE);
	int unsealed = memfd_create("h13-unsealed", MFD_CLOEXEC);
	int ro = -1;
	int wsealed = memfd_create("h13-wseal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int pipefd[2] = { -1, -1 };
	char path[64] = { 0 };

	assert_true(unsealed >= 0 && wsealed >= 0);
	assert_int_equal(ftruncate(unsealed, 16 * PAGE), 0);
	assert_int_equal(ftruncate(wsealed, 16 * PAGE), 0);
	assert_int_equal(fcntl(wsealed, F_ADD_SEALS,
			       F_SEAL_SHRINK | F_SEAL_WRITE),
			 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", good);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_int_equal(pipe(pipefd), 0);

	/* EXT_MAP. */
	req = (struct rheap_ffa_regs){ .x = { BOARD_MSG_EXT_MAP, 16 * PAGE } };
	assert_int_equal(ext_call_as(fx, 0x0002, &req, good, NULL), -EPERM);
	for (uint32_t i = 2; i < RHEAP_FFA_REG_COUNT; i++) {
		req.x[i] = 1;
		assert_int_equal(ext_call_as(fx, BOARD_NW_ENDPOINT, &req, good,
					     NULL),
				 -EINVAL);
		req.x[i] = 0;
	}
	assert_int_equal(ext_map(fx, -1, 16 * PAGE, NULL), -EINVAL);
	assert_int_equal(ext_map(fx, -2, 16 * PAGE, NULL), -EINVAL);
	assert_int_equal(ext_map(fx, good, 0, NULL), -EINVAL);
	assert_int_equal(ext_map(fx, good, PAGE + 1, NULL), -EINVAL);
	assert_int_equal(ext_map(fx, good, BOARD_EXT_MAX_SIZE + PAGE, NULL),
			 -EINVAL);
	assert_int_equal(ext_map(fx, good, UINT64_MAX & ~(uint64_t)(PAGE - 1),
				 NULL),
			 -EINVAL);
	assert_int_equal(ext_map(fx, good, 17 * PAGE, NULL), -EINVAL);
	assert_int_equal(ext_map(fx, pipefd[0], PAGE, NULL), -EINVAL);
	assert_int_equal(ext_map(fx, unsealed, PAGE, NULL), -EPERM);
	assert_int_equal(ext_map(fx, ro, PAGE, NULL), -EPERM);
	assert_int_equal(ext_map(fx, wsealed, PAGE, NULL), -EPERM);
	assert_int_equal(hw_dram_ext_count(fx->b->dram), 0);

	/* First fit at 4 KiB. */
	assert_int_equal(ext_map(fx, good, 4 * PAGE, &pa[0]), 0);
	assert_int_equal(ext_map(fx, good, 2 * PAGE, &pa[1]), 0);
	assert_int_equal(ext_map(fx, good, 16 * PAGE, &pa[2]), 0);
	assert_int_equal(pa[0], HW_DRAM_EXT_BASE);
	assert_int_equal(pa[1], pa[0] + 4 * PAGE);
	assert_int_equal(pa[2], pa[1] + 2 * PAGE);
	assert_int_equal(ext_unmap(fx, pa[1]), 0);
	assert_int_equal(ext_map(fx, good, 3 * PAGE, &pa2), 0);
	assert_int_equal(pa2, pa[2] + 16 * PAGE); /* the hole is too small */
	assert_int_equal(ext_unmap(fx, pa2), 0);
	assert_int_equal(ext_map(fx, good, PAGE, &pa2), 0);
	assert_int_equal(pa2, pa[1]);
	/* The window is NS memory, the same pages as the memfd. */
	{
		uint8_t *v = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				  MAP_SHARED, good, 0);
		uint8_t b[4] = { 0 };

		assert_true(v != MAP_FAILED);
		memcpy(v, "h13", 4);
		assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), false, pa2,
						 b, sizeof(b)),
				 0);
		assert_memory_equal(b, "h13", 4);
		munmap(v, PAGE);
	}

	/* EXT_UNMAP. */
	assert_int_equal(ext_unmap(fx, pa[0] + PAGE), -ENOENT);
	assert_int_equal(ext_unmap(fx, 0), -ENOENT);
	req = (struct rheap_ffa_regs){ .x = { BOARD_MSG_EXT_UNMAP, pa[0] } };
	assert_int_equal(ext_call_as(fx, 0x0002, &req, -1, NULL), -EPERM);
	assert_int_equal(ext_call_as(fx, BOARD_NW_ENDPOINT, &req, good, NULL),
			 -EINVAL);
	for (uint32_t i = 2; i < RHEAP_FFA_REG_COUNT; i++) {
		req.x[i] = 1;
		assert_int_equal(ext_call_as(fx, BOARD_NW_ENDPOINT, &req, -1,
					     NULL),
				 -EINVAL);
		req.x[i] = 0;
	}
	assert_int_equal(hw_dram_ext_count(fx->b->dram), 3);

	/* SMMU_NS. */
	req = (struct rheap_ffa_regs){ .x = { BOARD_MSG_SMMU_NS, SID_VDEC,
					     pa[0], pa[0], 4 * PAGE,
					     BOARD_SMMU_NS_MAP } };
	assert_int_equal(ext_call_as(fx, 0x0002, &req, -1, NULL), -EPERM);
	assert_int_equal(ext_call_as(fx, BOARD_NW_ENDPOINT, &req, good, NULL),
			 -EINVAL);
	for (uint32_t i = 6; i < RHEAP_FFA_REG_COUNT; i++) {
		req.x[i] = 1;
		assert_int_equal(ext_call_as(fx, BOARD_NW_ENDPOINT, &req, -1,
					     NULL),
				 -EINVAL);
		req.x[i] = 0;
	}
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], pa[0], 4 * PAGE, 4),
			 -EINVAL);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0] + 1, pa[0], 4 * PAGE,
				 BOARD_SMMU_NS_MAP),
			 -EINVAL);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], pa[0] + 1, 4 * PAGE,
				 BOARD_SMMU_NS_MAP),
			 -EINVAL);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], pa[0], 0,
				 BOARD_SMMU_NS_MAP),
			 -EINVAL);
	assert_int_equal(smmu_ns(fx, SID_VDEC, UINT64_MAX & ~(uint64_t)4095,
				 pa[0], 2 * PAGE, BOARD_SMMU_NS_MAP),
			 -EOVERFLOW);
	assert_int_equal(smmu_ns(fx, 0x99, pa[0], pa[0], 4 * PAGE,
				 BOARD_SMMU_NS_MAP),
			 -ENOENT);
	assert_int_equal(smmu_ns(fx, UINT64_C(1) << 40, pa[0], pa[0], 4 * PAGE,
				 BOARD_SMMU_NS_MAP),
			 -ENOENT);
	assert_int_equal(hw_smmu_mapping_count(fx->b->smmu), 0);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], pa[0], 4 * PAGE,
				 BOARD_SMMU_NS_MAP),
			 0);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0] + PAGE, pa[0], PAGE,
				 BOARD_SMMU_NS_MAP),
			 -EBUSY);
	/* GPU: any PA, e.g. the carve-out (faults at access, not here). */
	assert_int_equal(smmu_ns(fx, SID_GPU, 0x1000, fx->pool_pa, PAGE,
				 BOARD_SMMU_NS_MAP | BOARD_SMMU_NS_WRITE),
			 0);
	/* Unmap: exact, no write flag, PA zero. */
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], 0, PAGE, 0), -ENOENT);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], 0, 4 * PAGE,
				 BOARD_SMMU_NS_WRITE),
			 -EINVAL);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], pa[0], 4 * PAGE, 0),
			 -EINVAL);
	assert_int_equal(smmu_ns(fx, SID_DISPLAY, pa[0], 0, 4 * PAGE, 0),
			 -ENOENT);
	assert_int_equal(hw_smmu_mapping_count(fx->b->smmu), 2);
	/* A window a mapping points into stays; a mapping of another PA
	 * (the gpu's, into the carve-out) does not hold it. */
	assert_int_equal(ext_unmap(fx, pa[0]), -EBUSY);
	assert_int_equal(ext_unmap(fx, pa[2]), 0);
	/* A mapping made outside SMMU_NS (GPU_READ's) is not the NW's. */
	assert_int_equal(hw_smmu_map(fx->b->smmu, SID_DMA, HW_SMMU_CTX_NS,
				     0x8000, pa[1], PAGE, HW_SMMU_READ),
			 0);
	assert_int_equal(smmu_ns(fx, SID_DMA, 0x8000, 0, PAGE, 0), -ENOENT);
	assert_int_equal(ext_unmap(fx, pa[1]), -EBUSY);
	assert_int_equal(hw_smmu_unmap(fx->b->smmu, SID_DMA, HW_SMMU_CTX_NS,
				       0x8000, PAGE),
			 0);
	assert_int_equal(smmu_ns(fx, SID_VDEC, pa[0], 0, 4 * PAGE, 0), 0);
	assert_int_equal(ext_unmap(fx, pa[0]), 0);
	/* Unknown messages through the entry point. */
	req = (struct rheap_ffa_regs){ .x = { BOARD_MSG_DEVICE } };
	assert_int_equal(ext_call_as(fx, BOARD_NW_ENDPOINT, &req, -1, NULL),
			 -EINVAL);
	/* The endpoint goes: the gpu's mapping and the last window go. */
	assert_int_equal(hw_dram_ext_count(fx->b->dram), 1);
	board_nw_disconnect(fx->b, BOARD_NW_ENDPOINT);
	assert_int_equal(hw_dram_ext_count(fx->b->dram), 0);
	assert_int_equal(hw_smmu_mapping_count(fx->b->smmu), 0);
	close(good);
	close(unsealed);
	close(ro);
	close(wsealed);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Sends one raw frame with @nfds copies of @fd (0: none). */
static void send_frame_fds(int sock, const struct rheap_ffa_regs *r, int fd,
			   int nfds)
{
	uint8_t buf[BOARD_MSG_SIZE] = { 0 };
	union {
		char space[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[2] = { fd, fd };

	board_msg_encode(r, buf);
	if (nfds > 0) {
		struct cmsghdr *cm = NULL;

		msg.msg_control = ctl.space;
		msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &msg, MSG_NOSIGNAL),
			 (ssize_t)sizeof(buf));
}

/* EXT_MAP and friends over the socket transport. */
static void test_ext_transport(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_EXT_MAP, 4 * PAGE } };
	struct rheap_ffa_regs resp = { 0 };
	struct nw_client *c = NULL;
	uint8_t reply[BOARD_MSG_SIZE] = { 0 };
	int mfd = sys_memfd(4 * PAGE);
	int sv[2] = { -1, -1 };
	int status_code = 0;
	int st = 0;
	uint64_t pa = 0;
	pid_t pid = 0;

	board_nw_disconnect(fx->b, BOARD_NW_ENDPOINT);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = serve_child(fx->b, sv[0], sv[1]);
	assert_int_equal(nw_client_connect_fd(sv[1], BOARD_CONN_NW, &c), 0);
	assert_int_equal(nw_client_ext_map(c, mfd, 4 * PAGE, &pa, &st), 0);
	assert_int_equal(st, 0);
	assert_int_equal(pa, HW_DRAM_EXT_BASE);
	assert_int_equal(nw_client_smmu_ns(c, SID_DISPLAY, pa, pa, 4 * PAGE,
					   BOARD_SMMU_NS_MAP, &st),
			 0);
	assert_int_equal(st, 0);
	assert_int_equal(nw_client_ext_unmap(c, pa, &st), 0);
	assert_int_equal(st, -EBUSY);
	assert_int_equal(nw_client_ext_map(c, mfd, 8 * PAGE, &pa, &st), 0);
	assert_int_equal(st, -EINVAL);
	assert_int_equal(pa, 0);
	/* EXT_MAP without an fd, and with two: answered, not closed. */
	send_frame_fds(nw_client_fd(c), &req, mfd, 0);
	assert_int_equal(recv(nw_client_fd(c), reply, sizeof(reply), 0),
			 (ssize_t)sizeof(reply));
	board_msg_decode(reply, &resp);
	assert_int_equal(resp.x[0], BOARD_MSG_EXT_MAP);
	assert_int_equal((int64_t)resp.x[1], -EINVAL);
	send_frame_fds(nw_client_fd(c), &req, mfd, 2);
	assert_int_equal(recv(nw_client_fd(c), reply, sizeof(reply), 0),
			 (ssize_t)sizeof(reply));
	board_msg_decode(reply, &resp);
	assert_int_equal((int64_t)resp.x[1], -EINVAL);
	/* SMMU_NS with an fd: answered -EINVAL. */
	req = (struct rheap_ffa_regs){ .x = { BOARD_MSG_SMMU_NS, SID_VDEC,
					     0x1000, 0x1000, PAGE,
					     BOARD_SMMU_NS_MAP } };
	send_frame_fds(nw_client_fd(c), &req, mfd, 1);
	assert_int_equal(recv(nw_client_fd(c), reply, sizeof(reply), 0),
			 (ssize_t)sizeof(reply));
	board_msg_decode(reply, &resp);
	assert_int_equal(resp.x[0], BOARD_MSG_SMMU_NS);
	assert_int_equal((int64_t)resp.x[1], -EINVAL);
	/* Any other frame with an fd closes the connection. */
	req = (struct rheap_ffa_regs){ .x = { BOARD_MSG_DEVICE, SID_VDEC,
					     DEVICE_CMD_VDEC_CLOSE, 1 } };
	send_frame_fds(nw_client_fd(c), &req, mfd, 1);
	assert_int_equal(recv(nw_client_fd(c), reply, sizeof(reply), 0), 0);
	nw_client_destroy(c);
	assert_int_equal(waitpid(pid, &status_code, 0), pid);
	assert_true(WIFEXITED(status_code) && WEXITSTATUS(status_code) == 0);

	/* An operator connection: EXT_MAP closes it. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = serve_child(fx->b, sv[0], sv[1]);
	assert_int_equal(nw_client_connect_fd(sv[1], BOARD_CONN_OPERATOR, &c),
			 0);
	req = (struct rheap_ffa_regs){ .x = { BOARD_MSG_EXT_MAP, 4 * PAGE } };
	send_frame_fds(nw_client_fd(c), &req, mfd, 1);
	assert_int_equal(recv(nw_client_fd(c), reply, sizeof(reply), 0), 0);
	nw_client_destroy(c);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status_code, 0), pid);
	close(mfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_play_h264, setup, teardown),
		cmocka_unit_test_setup_teardown(test_play_mpeg4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_play_hevc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_mapping_faults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ns_frame_write_faults,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gpu_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_teardown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test(test_no_sink),
		cmocka_unit_test_setup_teardown(test_sink_none, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sink_write_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_status_json, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sys_play_h264, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sys_play_mpeg4, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sys_ns_to_restricted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_hostile, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ext_transport, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, load_tl, free_tl);
}
