// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-play's secure pipeline (play_pipe.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/sdp_ta.h>
#include <rheap/tee_client_api.h>

#include "play_args.h"
#include "play_dev.h"
#include "play_pipe.h"

/* A buffer that an attachment split into several segments is set aside
 * (held until set-up ends, so the next allocation lands elsewhere) and
 * another one allocated, at most this many times per buffer. */
#define PIPE_SPLIT_RETRIES 4u
#define PIPE_SPARES_MAX (PIPE_SPLIT_RETRIES * (PLAY_BS_MAX + PLAY_FRAMEBUF_MAX))

/* VDEC_RECEIVE answers NONE after EOS while frames are still being
 * drained at most this many times in a row before the drain is a failure. */
#define PIPE_DRAIN_SPINS 10000u

/*
 * One buffer. @fd is the handle (-1 once closed); @map is a bitstream
 * buffer's mapping on a heap that is not restricted (NULL otherwise); @shm is
 * registered (bitstream buffers) when @registered; @vdec_attach /
 * @disp_attach are valid when @vdec_attached / @disp_attached.
 */
struct pipe_buf {
	int fd;
	uint64_t size;
	uint8_t *map;
	TEEC_SharedMemory shm;
	bool registered;
	uint64_t vdec_attach;
	bool vdec_attached;
	uint64_t disp_attach;
	bool disp_attached;
};

struct play_pipe {
	struct play_pipe_cfg cfg;
	struct play_trace *trace;
	uint64_t t0_us;
	struct rheap_heap *heap;
	bool restricted;
	TEEC_Context tee;
	bool tee_open;
	TEEC_Session sess;
	bool sess_open;
	TEEC_SharedMemory stage;
	bool stage_open;
	struct play_dev *vdec;
	struct play_dev *disp;
	uint64_t vdec_ctx;
	bool vdec_open;
	uint64_t disp_session;
	bool disp_open;
	struct pipe_buf bs[PLAY_BS_MAX];
	uint32_t bs_ready;
	uint32_t bs_next;
	struct pipe_buf fb[PLAY_FRAMEBUF_MAX];
	uint32_t fb_ready;
	int spares[PIPE_SPARES_MAX];
	uint32_t spare_count;
	bool handles_kept;
	bool eof;
	struct play_pipe_stats stats;
	char err[512];
};

static void pipe_fail(struct play_pipe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pipe_fail(struct play_pipe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

static uint64_t pipe_rel_us(const struct play_pipe *p)
{
	uint64_t now = play_clock_us();

	return now > p->t0_us ? now - p->t0_us : 0;
}

static void pipe_span(struct play_pipe *p, enum play_span span,
		      uint64_t start_us, uint64_t frame)
{
	uint64_t end = pipe_rel_us(p);

	play_trace_add(p->trace, span, start_us,
		       end > start_us ? end - start_us : 0, frame);
}

static const char *pipe_teec_name(TEEC_Result r)
{
	switch (r) {
	case TEEC_ERROR_BAD_PARAMETERS:
		return "TEEC_ERROR_BAD_PARAMETERS";
	case TEEC_ERROR_ITEM_NOT_FOUND:
		return "TEEC_ERROR_ITEM_NOT_FOUND";
	case TEEC_ERROR_ACCESS_DENIED:
		return "TEEC_ERROR_ACCESS_DENIED";
	case TEEC_ERROR_SHORT_BUFFER:
		return "TEEC_ERROR_SHORT_BUFFER";
	case TEEC_ERROR_EXCESS_DATA:
		return "TEEC_ERROR_EXCESS_DATA";
	case TEEC_ERROR_OUT_OF_MEMORY:
		return "TEEC_ERROR_OUT_OF_MEMORY";
	case TEEC_ERROR_NOT_SUPPORTED:
		return "TEEC_ERROR_NOT_SUPPORTED";
	case TEEC_ERROR_TARGET_DEAD:
		return "TEEC_ERROR_TARGET_DEAD";
	case TEEC_ERROR_COMMUNICATION:
		return "TEEC_ERROR_COMMUNICATION";
	case TEEC_ERROR_BUSY:
		return "TEEC_ERROR_BUSY";
	default:
		return "TEEC_ERROR_GENERIC";
	}
}

/* A TEE result as the errno the pipe's callers see. */
static int pipe_teec_errno(TEEC_Result r)
{
	switch (r) {
	case TEEC_SUCCESS:
		return 0;
	case TEEC_ERROR_ITEM_NOT_FOUND:
	case TEEC_ERROR_TARGET_DEAD:
	case TEEC_ERROR_COMMUNICATION:
		return -ENOENT;
	case TEEC_ERROR_ACCESS_DENIED:
		return -EPERM;
	case TEEC_ERROR_OUT_OF_MEMORY:
		return -ENOMEM;
	case TEEC_ERROR_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case TEEC_ERROR_BUSY:
		return -EBUSY;
	case TEEC_ERROR_SHORT_BUFFER:
		return -ENOSPC;
	case TEEC_ERROR_EXCESS_DATA:
		return -EOVERFLOW;
	default:
		return -EINVAL;
	}
}

/* A device command's failure in words; after set-up -ENOENT means the
 * board or rheapd went away (contexts and attachments are the pipe's own). */
static const char *pipe_dev_why(int rc)
{
	if (rc == -ENOENT) {
		return "the platform went away (the board or rheapd is gone)";
	}
	return rheap_strerror(rc);
}

static int pipe_cmd(struct play_pipe *p, struct play_dev *d, uint32_t cmd,
		    const uint64_t args[DEVICE_ARGS], int fd,
		    uint64_t res[DEVICE_RESULTS])
{
	(void)p;
	memset(res, 0, DEVICE_RESULTS * sizeof(res[0]));
	return play_dev_cmd(d, cmd, args, fd, res);
}

/* Allocate one buffer and attach it (to the vdec, and to the display for
 * a frame buffer), each attachment in one segment. */
static int pipe_buf_make(struct play_pipe *p, struct pipe_buf *b,
			 uint64_t size, bool frame)
{
	struct rheap_buf_info info = { 0 };
	uint32_t segs = 0;
	int rc = 0;

	for (uint32_t attempt = 0;; attempt++) {
		int fd = rheap_heap_alloc(p->heap, size, O_RDWR | O_CLOEXEC, 0,
					  &info);

		if (fd < 0) {
			pipe_fail(p, "allocating a %s buffer of %" PRIu64
				     " bytes from %s failed: %s",
				  frame ? "frame" : "bitstream", size, p->cfg.heap,
				  rheap_strerror(fd));
			return fd;
		}
		b->fd = fd;
		b->size = info.size;
		rc = play_dev_attach(p->vdec, fd, frame, &b->vdec_attach, &segs);
		if (rc != 0) {
			pipe_fail(p, "attaching a %s buffer to the vdec failed: %s",
				  frame ? "frame" : "bitstream",
				  rheap_strerror(rc));
			return rc;
		}
		b->vdec_attached = true;
		if (segs == 1 && frame) {
			rc = play_dev_attach(p->disp, fd, false, &b->disp_attach,
					     &segs);
			if (rc != 0) {
				pipe_fail(p, "attaching a frame buffer to the display failed: %s",
					  rheap_strerror(rc));
				return rc;
			}
			b->disp_attached = true;
		}
		if (segs == 1) {
			return 0;
		}
		/* Split across chunks: keep it aside, try again. */
		if (b->disp_attached) {
			play_dev_detach(p->disp, b->disp_attach);
			b->disp_attached = false;
		}
		play_dev_detach(p->vdec, b->vdec_attach);
		b->vdec_attached = false;
		if (attempt + 1 >= PIPE_SPLIT_RETRIES ||
		    p->spare_count >= PIPE_SPARES_MAX) {
			pipe_fail(p, "the heap gives only buffers split across chunks (%" PRIu32
				     " segments); the devices need one segment",
				  segs);
			return -ENOMEM;
		}
		p->spares[p->spare_count++] = fd;
		b->fd = -1;
	}
}

static int pipe_tee_open(struct play_pipe *p)
{
	static const TEEC_UUID uuid = SDP_TA_SDP_BASIC_UUID;
	uint32_t origin = 0;
	TEEC_Result r = TEEC_InitializeContext(NULL, &p->tee);

	if (r != TEEC_SUCCESS) {
		pipe_fail(p, "connecting to the TEE (rheapd) failed: %s",
			  pipe_teec_name(r));
		return pipe_teec_errno(r);
	}
	p->tee_open = true;
	r = TEEC_OpenSession(&p->tee, &p->sess, &uuid, TEEC_LOGIN_PUBLIC, NULL,
			     NULL, &origin);
	if (r != TEEC_SUCCESS) {
		pipe_fail(p, "opening a session to the SDP partition failed: %s (origin %" PRIu32 ")",
			  pipe_teec_name(r), origin);
		return pipe_teec_errno(r);
	}
	p->sess_open = true;
	return 0;
}

/*
 * The samples reach the partition through one NS staging buffer (a
 * `system` buffer librheap maps for TEEC_AllocateSharedMemory) rather than
 * as TEMP memrefs: TEMP bytes travel inside rheapd's 128 KiB request, too
 * small for a large key frame, and a registered buffer costs no more than
 * the copy a TEMP memref makes anyway.
 */
static int pipe_stage_open(struct play_pipe *p)
{
	TEEC_Result r = TEEC_SUCCESS;

	p->stage.size = (size_t)p->cfg.bs_size;
	p->stage.flags = TEEC_MEM_INPUT;
	r = TEEC_AllocateSharedMemory(&p->tee, &p->stage);
	if (r != TEEC_SUCCESS || !p->stage.buffer) {
		pipe_fail(p, "allocating the %" PRIu64 "-byte staging buffer for samples failed: %s",
			  p->cfg.bs_size, pipe_teec_name(r));
		return r != TEEC_SUCCESS ? pipe_teec_errno(r) : -ENOMEM;
	}
	p->stage_open = true;
	return 0;
}

static int pipe_register(struct play_pipe *p, struct pipe_buf *b)
{
	TEEC_Result r = TEEC_SUCCESS;

	b->shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	r = TEEC_RegisterSharedMemoryFileDescriptor(&p->tee, &b->shm, b->fd);
	if (r != TEEC_SUCCESS) {
		pipe_fail(p, "registering a bitstream buffer with the TEE failed: %s",
			  pipe_teec_name(r));
		return pipe_teec_errno(r);
	}
	b->registered = true;
	return 0;
}

static int pipe_map(struct play_pipe *p, struct pipe_buf *b)
{
	void *m = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, b->fd, 0);

	if (m == MAP_FAILED) {
		pipe_fail(p, "mapping a bitstream buffer of %s failed: %s",
			  p->cfg.heap, strerror(errno));
		return -ENOMEM;
	}
	b->map = m;
	return 0;
}

static int pipe_vdec_open(struct play_pipe *p)
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	int fd = -1;
	int rc = 0;

	if (p->cfg.config_size > 0) {
		fd = play_dev_config_fd(p->cfg.config, p->cfg.config_size);
		if (fd < 0) {
			pipe_fail(p, "passing the codec configuration failed: %s",
				  rheap_strerror(fd));
			return fd;
		}
	}
	args[0] = p->cfg.codec;
	args[3] = p->cfg.config_size;
	args[4] = p->cfg.width;
	args[5] = p->cfg.height;
	args[6] = DEVICE_FMT_I420;
	rc = pipe_cmd(p, p->vdec, DEVICE_CMD_VDEC_OPEN, args, fd, res);
	if (fd >= 0) {
		close(fd);
	}
	if (rc != 0) {
		pipe_fail(p, "opening a decoder failed: %s%s", rheap_strerror(rc),
			  rc == -EOPNOTSUPP ? " (codec not supported by the vdec)" :
			  rc == -ENOMEM ? " (all decoder contexts in use)" : "");
		return rc;
	}
	p->vdec_ctx = res[0];
	p->vdec_open = true;
	return 0;
}

static int pipe_disp_open(struct play_pipe *p)
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	int rc = 0;

	args[0] = p->cfg.sink_flags;
	args[1] = p->cfg.snapshot;
	args[2] = p->cfg.width;
	args[3] = p->cfg.height;
	args[4] = DEVICE_FMT_I420;
	args[5] = p->cfg.fps_num;
	args[6] = p->cfg.fps_den;
	rc = pipe_cmd(p, p->disp, DEVICE_CMD_DISPLAY_OPEN, args, -1, res);
	if (rc != 0) {
		pipe_fail(p, "opening a display session failed: %s%s",
			  rheap_strerror(rc),
			  rc == -ENOMEM ? " (all display sessions in use)" : "");
		return rc;
	}
	p->disp_session = res[0];
	p->disp_open = true;
	p->stats.session = res[0];
	return 0;
}

static int pipe_queue(struct play_pipe *p, uint32_t tag)
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	uint64_t start = pipe_rel_us(p);
	int rc = 0;

	args[0] = p->vdec_ctx;
	args[1] = tag;
	args[2] = p->fb[tag].vdec_attach;
	args[3] = 0;
	args[4] = p->fb[tag].size;
	rc = pipe_cmd(p, p->vdec, DEVICE_CMD_VDEC_QUEUE_OUT, args, -1, res);
	pipe_span(p, PLAY_SPAN_QUEUE, start, tag);
	if (rc != 0) {
		pipe_fail(p, "queueing frame buffer %" PRIu32 " to the decoder failed: %s%s",
			  tag, pipe_dev_why(rc),
			  !p->restricted && rc == -EOPNOTSUPP ?
				  " (this rheapd gives devices no access to system buffers)" :
				  "");
	}
	return rc;
}

static void pipe_handles_close(struct play_pipe *p)
{
	for (uint32_t i = 0; i < PLAY_BS_MAX; i++) {
		if (p->bs[i].fd >= 0) {
			close(p->bs[i].fd);
			p->bs[i].fd = -1;
		}
	}
	for (uint32_t i = 0; i < PLAY_FRAMEBUF_MAX; i++) {
		if (p->fb[i].fd >= 0) {
			close(p->fb[i].fd);
			p->fb[i].fd = -1;
		}
	}
}

static void pipe_spares_close(struct play_pipe *p)
{
	for (uint32_t i = 0; i < p->spare_count; i++) {
		close(p->spares[i]);
	}
	p->spare_count = 0;
}

static int pipe_setup(struct play_pipe *p)
{
	struct rheap_heap_desc desc = { 0 };
	int rc = rheap_heap_open(p->cfg.heap, 0, &p->heap);

	if (rc != 0) {
		pipe_fail(p, "cannot open the heap %s: %s", p->cfg.heap,
			  rc == -ENOENT ? "no such heap, or rheapd is not reachable" :
			  rc == -EPERM ? "the policy does not allow this user the heap" :
					 rheap_strerror(rc));
		return rc;
	}
	rc = rheap_heap_query(p->heap, &desc);
	if (rc != 0) {
		pipe_fail(p, "cannot query the heap %s: %s", p->cfg.heap,
			  rheap_strerror(rc));
		return rc;
	}
	/* A heap that is not restricted (`system`) runs the same pipeline
	 * unprotected, for comparison: the player writes clear samples into
	 * the mapped bitstream buffers itself; no TEE is involved. */
	p->restricted = desc.restricted;
	if (p->restricted) {
		rc = pipe_tee_open(p);
		if (rc == 0) {
			rc = pipe_stage_open(p);
		}
		if (rc != 0) {
			return rc;
		}
	}
	rc = play_dev_open("vdec", &p->vdec);
	if (rc == 0) {
		rc = play_dev_open("display", &p->disp);
	}
	if (rc != 0) {
		pipe_fail(p, "cannot open the %s device: %s",
			  p->vdec ? "display" : "vdec", rheap_strerror(rc));
		return rc;
	}
	for (uint32_t i = 0; i < p->cfg.bs_count; i++) {
		rc = pipe_buf_make(p, &p->bs[i], p->cfg.bs_size, false);
		if (rc == 0) {
			rc = p->restricted ? pipe_register(p, &p->bs[i]) :
					     pipe_map(p, &p->bs[i]);
		}
		if (rc != 0) {
			return rc;
		}
		p->bs_ready++;
	}
	for (uint32_t i = 0; i < p->cfg.fb_count; i++) {
		rc = pipe_buf_make(p, &p->fb[i], p->cfg.fb_size, true);
		if (rc != 0) {
			return rc;
		}
		p->fb_ready++;
	}
	pipe_spares_close(p);
	rc = pipe_vdec_open(p);
	if (rc == 0) {
		rc = pipe_disp_open(p);
	}
	for (uint32_t i = 0; rc == 0 && i < p->fb_ready; i++) {
		rc = pipe_queue(p, i);
	}
	if (rc == 0 && !p->cfg.keep_handles) {
		pipe_handles_close(p);
	}
	p->handles_kept = p->cfg.keep_handles;
	return rc;
}

int play_pipe_create(const struct play_pipe_cfg *cfg, struct play_trace *trace,
		     uint64_t t0_us, struct play_pipe **out)
{
	struct play_pipe *p = calloc(1, sizeof(*p));
	int rc = 0;

	if (!p) {
		return -ENOMEM;
	}
	if (cfg->bs_count == 0 || cfg->bs_count > PLAY_BS_MAX ||
	    cfg->fb_count == 0 || cfg->fb_count > PLAY_FRAMEBUF_MAX) {
		free(p);
		return -EINVAL;
	}
	p->cfg = *cfg;
	p->trace = trace;
	p->t0_us = t0_us;
	for (uint32_t i = 0; i < PLAY_BS_MAX; i++) {
		p->bs[i].fd = -1;
	}
	for (uint32_t i = 0; i < PLAY_FRAMEBUF_MAX; i++) {
		p->fb[i].fd = -1;
	}
	rc = pipe_setup(p);
	p->cfg.config = NULL;
	p->cfg.config_size = 0;
	*out = p;
	return rc;
}

/* Show the frame in buffer @tag, or skip it past the frame limit, and give
 * the buffer back to the decoder. */
static int pipe_present(struct play_pipe *p, const uint64_t res[DEVICE_RESULTS])
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t out[DEVICE_RESULTS] = { 0 };
	uint64_t tag = res[1];
	uint64_t start = 0;
	int rc = 0;

	if (tag >= p->fb_ready) {
		pipe_fail(p, "the decoder wrote an unknown buffer (tag %" PRIu64 ")",
			  tag);
		return -EINVAL;
	}
	if (res[3] != p->cfg.width || res[4] != p->cfg.height) {
		pipe_fail(p, "the stream changes size (%" PRIu32 "x%" PRIu32
			     " to %" PRIu64 "x%" PRIu64 "): not supported",
			  p->cfg.width, p->cfg.height, res[3], res[4]);
		return -EOPNOTSUPP;
	}
	if (res[5] != DEVICE_FMT_I420 || res[6] == 0 || res[6] > p->fb[tag].size) {
		pipe_fail(p, "the decoder returned a frame of format %" PRIu64
			     " and %" PRIu64 " bytes: not I420 in a frame buffer",
			  res[5], res[6]);
		return -EINVAL;
	}
	p->stats.decoded++;
	if (p->cfg.frame_limit == 0 || p->stats.shown < p->cfg.frame_limit) {
		start = pipe_rel_us(p);
		args[0] = p->disp_session;
		args[1] = p->fb[tag].disp_attach;
		args[2] = 0;
		args[3] = res[6];
		args[4] = res[2];
		rc = pipe_cmd(p, p->disp, DEVICE_CMD_DISPLAY_SHOW, args, -1, out);
		pipe_span(p, PLAY_SPAN_DISPLAY, start, p->stats.shown);
		if (rc != 0) {
			pipe_fail(p, "showing frame %" PRIu64 " failed: %s%s",
				  p->stats.shown, pipe_dev_why(rc),
				  rc == -EPERM ? " (a bus fault reading it)" : "");
			return rc;
		}
		p->stats.shown++;
	}
	if (p->cfg.frame_limit != 0 && p->stats.shown >= p->cfg.frame_limit) {
		p->stats.done = true;
	}
	return pipe_queue(p, (uint32_t)tag);
}

/*
 * VDEC_RECEIVE until the decoder has nothing more, or @limit frames (0: no
 * limit) were shown; returns frames got.
 */
static int pipe_receive(struct play_pipe *p, uint64_t limit, uint64_t *frames)
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	int rc = 0;

	*frames = 0;
	for (;;) {
		uint64_t start = pipe_rel_us(p);

		args[0] = p->vdec_ctx;
		rc = pipe_cmd(p, p->vdec, DEVICE_CMD_VDEC_RECEIVE, args, -1, res);
		pipe_span(p, PLAY_SPAN_RECEIVE, start, p->stats.decoded);
		if (rc == -ENOSPC) {
			pipe_fail(p, "a decoded frame does not fit the frame buffers (%" PRIu64
				     " bytes each)",
				  p->cfg.fb_size);
			return rc;
		}
		if (rc != 0) {
			pipe_fail(p, "receiving a frame failed: %s",
				  pipe_dev_why(rc));
			return rc;
		}
		if (res[0] == DEVICE_RECV_NONE) {
			return 0;
		}
		if (res[0] == DEVICE_RECV_EOF) {
			p->eof = true;
			return 0;
		}
		if (res[0] != DEVICE_RECV_FRAME) {
			pipe_fail(p, "the decoder answered RECEIVE with %" PRIu64,
				  res[0]);
			return -EINVAL;
		}
		rc = pipe_present(p, res);
		if (rc != 0) {
			return rc;
		}
		(*frames)++;
		if (limit != 0 && *frames >= limit) {
			return 0;
		}
	}
}

static int pipe_fill(struct play_pipe *p, struct pipe_buf *b,
		     const struct play_sample *s)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	uint32_t origin = 0;
	TEEC_Result r = TEEC_SUCCESS;
	char kid[2 * SDP_KID_SIZE + 1] = "";

	if (!p->restricted) {
		if (s->encrypted) {
			pipe_fail(p, "the heap %s is not restricted: an encrypted clip is decrypted only into restricted buffers (the player holds no key); play a clear clip on it",
				  p->cfg.heap);
			return -EPERM;
		}
		memcpy(b->map, s->data, s->size);
		return 0;
	}
	memcpy(p->stage.buffer, s->data, s->size);
	op.params[0].memref.parent = &p->stage;
	op.params[0].memref.offset = 0;
	op.params[0].memref.size = s->size;
	op.params[1].memref.parent = &b->shm;
	op.params[1].memref.offset = 0;
	if (s->encrypted) {
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
						 TEEC_MEMREF_PARTIAL_OUTPUT,
						 TEEC_MEMREF_TEMP_INPUT,
						 TEEC_NONE);
		op.params[1].memref.size = b->size;
		op.params[2].tmpref.buffer = (void *)s->enc.param;
		op.params[2].tmpref.size = s->enc.param_size;
		r = TEEC_InvokeCommand(&p->sess, SDP_TA_CMD_DECRYPT, &op,
				       &origin);
	} else {
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
						 TEEC_MEMREF_PARTIAL_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[1].memref.size = s->size;
		r = TEEC_InvokeCommand(&p->sess, SDP_TA_CMD_INJECT, &op,
				       &origin);
	}
	if (r == TEEC_SUCCESS) {
		return 0;
	}
	if (s->encrypted && r == TEEC_ERROR_ITEM_NOT_FOUND &&
	    origin == TEEC_ORIGIN_TRUSTED_APP) {
		play_enc_kid_hex(s->enc.kid, kid, sizeof(kid));
		pipe_fail(p, "the board has no key for KID %s: provision it with rheap-board --keys",
			  kid);
		return -ENOENT;
	}
	if (r == TEEC_ERROR_TARGET_DEAD || origin == TEEC_ORIGIN_COMMS) {
		pipe_fail(p, "the platform went away while %s sample %" PRIu64
			     " (%s)",
			  s->encrypted ? "decrypting" : "injecting", s->index,
			  pipe_teec_name(r));
		return -ENOENT;
	}
	pipe_fail(p, "%s sample %" PRIu64 " (%zu bytes) failed: %s (origin %" PRIu32 ")",
		  s->encrypted ? "decrypting" : "injecting", s->index, s->size,
		  pipe_teec_name(r), origin);
	return pipe_teec_errno(r);
}

static int pipe_decode(struct play_pipe *p, const struct pipe_buf *b,
		       const struct play_sample *s)
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	uint64_t frames = 0;
	int rc = 0;

	args[0] = p->vdec_ctx;
	args[1] = b->vdec_attach;
	args[2] = 0;
	args[3] = s->size;
	args[4] = 0;
	args[5] = (uint64_t)s->pts;
	for (;;) {
		uint64_t start = pipe_rel_us(p);

		rc = pipe_cmd(p, p->vdec, DEVICE_CMD_VDEC_DECODE, args, -1, res);
		pipe_span(p, PLAY_SPAN_DECODE, start, s->index);
		if (rc != -EBUSY) {
			break;
		}
		rc = pipe_receive(p, 0, &frames);
		if (rc != 0) {
			return rc;
		}
		if (frames == 0) {
			pipe_fail(p, "the decoder is busy but has no frame to give");
			return -EBUSY;
		}
	}
	if (rc == -EINVAL) {
		if (s->encrypted) {
			pipe_fail(p, "the stream does not decode after decryption: wrong content key? (sample %" PRIu64 ")",
				  s->index);
		} else {
			pipe_fail(p, "sample %" PRIu64 " does not decode: the stream is corrupt",
				  s->index);
		}
		return rc;
	}
	if (rc != 0) {
		pipe_fail(p, "decoding sample %" PRIu64 " failed: %s%s", s->index,
			  pipe_dev_why(rc),
			  rc == -EPERM ? " (a bus fault reading the bitstream)" : "");
		return rc;
	}
	p->stats.samples++;
	return 0;
}

int play_pipe_sample(struct play_pipe *p, const struct play_sample *s)
{
	struct pipe_buf *b = &p->bs[p->bs_next];
	uint64_t frames = 0;
	uint64_t start = 0;
	int rc = 0;

	if (s->size > b->size || (p->restricted && s->size > p->stage.size)) {
		pipe_fail(p, "sample %" PRIu64 " is %zu bytes, larger than the bitstream buffers (%" PRIu64 " bytes)",
			  s->index, s->size, b->size);
		return -EINVAL;
	}
	p->bs_next = (p->bs_next + 1u) % p->bs_ready;
	start = pipe_rel_us(p);
	rc = pipe_fill(p, b, s);
	pipe_span(p, PLAY_SPAN_DECRYPT, start, s->index);
	if (rc != 0) {
		return rc;
	}
	rc = pipe_decode(p, b, s);
	if (rc != 0) {
		return rc;
	}
	/*
	 * One frame per sample in steady state, so stop after one: asking
	 * again would mostly cost a round trip answered NONE. A frame left
	 * in the decoder makes a later DECODE answer -EBUSY, and
	 * pipe_decode() then drains it; EOS drains the rest.
	 */
	return pipe_receive(p, 1, &frames);
}

int play_pipe_finish(struct play_pipe *p)
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	uint64_t frames = 0;
	uint32_t spins = 0;
	int rc = 0;

	/* EOS carries no data: buffer slots and size 0. */
	args[0] = p->vdec_ctx;
	args[4] = DEVICE_DECODE_EOS;
	for (;;) {
		rc = pipe_cmd(p, p->vdec, DEVICE_CMD_VDEC_DECODE, args, -1, res);
		if (rc != -EBUSY) {
			break;
		}
		rc = pipe_receive(p, 0, &frames);
		if (rc != 0) {
			return rc;
		}
	}
	if (rc != 0) {
		pipe_fail(p, "draining the decoder failed: %s", pipe_dev_why(rc));
		return rc;
	}
	while (!p->eof) {
		rc = pipe_receive(p, 0, &frames);
		if (rc != 0) {
			return rc;
		}
		spins = frames > 0 ? 0 : spins + 1u;
		if (spins > PIPE_DRAIN_SPINS) {
			pipe_fail(p, "the decoder did not finish draining");
			return -EBUSY;
		}
	}
	memset(args, 0, sizeof(args));
	args[0] = p->disp_session;
	rc = pipe_cmd(p, p->disp, DEVICE_CMD_DISPLAY_CLOSE, args, -1, res);
	p->disp_open = false;
	if (rc != 0) {
		pipe_fail(p, "closing the display session failed: %s",
			  pipe_dev_why(rc));
		return rc;
	}
	if (res[0] != p->stats.shown) {
		pipe_fail(p, "the display counted %" PRIu64 " frames, the player %" PRIu64,
			  res[0], p->stats.shown);
		return -EINVAL;
	}
	return 0;
}

struct play_pipe_stats play_pipe_stats(const struct play_pipe *p)
{
	return p->stats;
}

bool play_pipe_restricted(const struct play_pipe *p)
{
	return p->restricted;
}

const char *play_pipe_error(const struct play_pipe *p)
{
	return p->err;
}

/* A restricted handle must refuse both mmap and read. */
static bool pipe_refuses(int fd, uint64_t size)
{
	uint8_t byte = 0;
	void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	bool refused = true;

	if (m != MAP_FAILED) {
		munmap(m, (size_t)size);
		refused = false;
	}
	if (pread(fd, &byte, 1, 0) >= 0) {
		refused = false;
	}
	return refused;
}

int play_pipe_check_mmap(struct play_pipe *p, uint32_t *refused,
			 uint32_t *allowed)
{
	*refused = 0;
	*allowed = 0;
	if (!p->handles_kept) {
		return -ENOENT;
	}
	for (uint32_t i = 0; i < p->bs_ready; i++) {
		if (pipe_refuses(p->bs[i].fd, p->bs[i].size)) {
			(*refused)++;
		} else {
			(*allowed)++;
		}
	}
	for (uint32_t i = 0; i < p->fb_ready; i++) {
		if (pipe_refuses(p->fb[i].fd, p->fb[i].size)) {
			(*refused)++;
		} else {
			(*allowed)++;
		}
	}
	return 0;
}

int play_pipe_probe_gpu(struct play_pipe *p, int *status)
{
	struct play_dev *gpu = NULL;
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };
	int rc = 0;

	if (!p->handles_kept || p->fb_ready == 0) {
		return -ENOENT;
	}
	rc = play_dev_open("gpu", &gpu);
	if (rc != 0) {
		return rc;
	}
	args[0] = 0;
	args[2] = p->fb[0].size < 4096u ? p->fb[0].size : 4096u;
	*status = pipe_cmd(p, gpu, DEVICE_CMD_GPU_READ, args, p->fb[0].fd, res);
	play_dev_close(gpu);
	return 0;
}

static void pipe_buf_release(struct play_pipe *p, struct pipe_buf *b)
{
	if (b->map) {
		munmap(b->map, (size_t)b->size);
		b->map = NULL;
	}
	if (b->disp_attached) {
		play_dev_detach(p->disp, b->disp_attach);
		b->disp_attached = false;
	}
	if (b->vdec_attached) {
		play_dev_detach(p->vdec, b->vdec_attach);
		b->vdec_attached = false;
	}
	if (b->registered) {
		TEEC_ReleaseSharedMemory(&b->shm);
		b->registered = false;
	}
	if (b->fd >= 0) {
		close(b->fd);
		b->fd = -1;
	}
}

void play_pipe_destroy(struct play_pipe *p)
{
	uint64_t args[DEVICE_ARGS] = { 0 };
	uint64_t res[DEVICE_RESULTS] = { 0 };

	if (!p) {
		return;
	}
	if (p->vdec_open) {
		args[0] = p->vdec_ctx;
		pipe_cmd(p, p->vdec, DEVICE_CMD_VDEC_CLOSE, args, -1, res);
		p->vdec_open = false;
	}
	if (p->disp_open) {
		args[0] = p->disp_session;
		pipe_cmd(p, p->disp, DEVICE_CMD_DISPLAY_CLOSE, args, -1, res);
		p->disp_open = false;
	}
	for (uint32_t i = 0; i < PLAY_BS_MAX; i++) {
		pipe_buf_release(p, &p->bs[i]);
	}
	for (uint32_t i = 0; i < PLAY_FRAMEBUF_MAX; i++) {
		pipe_buf_release(p, &p->fb[i]);
	}
	pipe_spares_close(p);
	play_dev_close(p->disp);
	play_dev_close(p->vdec);
	if (p->stage_open) {
		TEEC_ReleaseSharedMemory(&p->stage);
	}
	if (p->sess_open) {
		TEEC_CloseSession(&p->sess);
	}
	if (p->tee_open) {
		TEEC_FinalizeContext(&p->tee);
	}
	rheap_heap_close(p->heap);
	free(p);
}
