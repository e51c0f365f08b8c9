// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's device driver: RHEAPD_OP_DEVICE (include/rheap/device_abi.h,
 * docs/rheapd-uapi.md). It plays the part of a V4L2 decoder / DRM driver
 * of a NW kernel: it turns a client's (attachment ID, offset) buffer slots
 * into device addresses after checking them, stages a decoder's codec
 * config in NW DRAM, and forwards each command to the board as one
 * BOARD_MSG_DEVICE job (ksec_device()).
 *
 * Life cycle of a decoder context or display session (struct
 * rheapd_devctx), per client:
 *
 *   VDEC_OPEN / DISPLAY_OPEN ok --> OPEN (res[0] is the board's ID)
 *   OPEN --QUEUE_OUT ok--> OPEN, the attachment remembered as queued
 *        (DETACH of it: -EBUSY while the context is open)
 *   OPEN --VDEC_CLOSE / DISPLAY_CLOSE (whatever the board answers) /
 *        client gone (closed on the board first) / board gone--> (none)
 *
 * The board's contexts belong to rheapd's NW endpoint; which client owns
 * which is only known here, so every command naming a context checks that
 * it is this client's (-ENOENT otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>

#include "board/board_msg.h"
#include "board/nw_client.h"
#include "kheap.h"
#include "ksec.h"
#include "rheapd.h"
#include "rheapd_internal.h"

/* Queued output buffers remembered per context at most (the device keeps
 * 32 queued; a client cycling through more distinct ones is refused). */
#define RHEAPD_DEVCTX_QUEUED_MAX 256u

static const struct rheap_plat_device *
rheapd_dev_find(const struct rheapd *d, const char *name)
{
	const struct rheap_platform *p = d->cfg->plat;

	for (uint32_t i = 0; i < p->device_count; i++) {
		if (strcmp(p->devices[i].name, name) == 0) {
			return &p->devices[i];
		}
	}
	return NULL;
}

static uint32_t rheapd_dev_close_cmd(uint32_t cmd)
{
	return strcmp(rheapd_device_cmd_device(cmd), "vdec") == 0 ?
		       DEVICE_CMD_VDEC_CLOSE :
		       DEVICE_CMD_DISPLAY_CLOSE;
}

/* This client's open context @id on @stream of the kind @cmd works on. */
static struct rheapd_devctx *rheapd_devctx_find(const struct rheapd *d,
						uint32_t client,
						uint32_t stream, uint32_t cmd,
						uint64_t id)
{
	uint32_t close_cmd = rheapd_dev_close_cmd(cmd);

	for (struct rheapd_devctx *x = d->devctxs; x; x = x->next) {
		if (x->client == client && x->stream_id == stream &&
		    x->close_cmd == close_cmd && x->id == id) {
			return x;
		}
	}
	return NULL;
}

static void rheapd_devctx_forget(struct rheapd *d, struct rheapd_devctx *x)
{
	for (struct rheapd_devctx **l = &d->devctxs; *l; l = &(*l)->next) {
		if (*l == x) {
			*l = x->next;
			break;
		}
	}
	for (struct rheapd_client *c = d->clients; c; c = c->next) {
		if (c->id == x->client && c->device_contexts > 0) {
			c->device_contexts--;
		}
	}
	free(x->queued);
	free(x);
}

/*
 * A [buf] slot: (attachment ID, offset) of @size bytes -> (IOVA, flags).
 * Checks, in order: the attachment is this client's (-ENOENT), to this
 * device (-EINVAL), one segment covers the range (-EINVAL), write
 * permission when the device writes (-EPERM). A restricted buffer's IOVA
 * is in the device's secure context (DEVICE_BUF_SECURE), a system
 * buffer's in its non-secure one (flags 0).
 */
static int rheapd_dev_buf(const struct rheapd *d, uint32_t client,
			  uint32_t stream, uint64_t attach_id, uint64_t offset,
			  uint64_t size, bool write, uint64_t *iova,
			  uint64_t *flags)
{
	const struct rheapd_attach *a = NULL;
	struct kheap_buf_info bi = { 0 };
	uint64_t start = 0;

	for (const struct rheapd_attach *x = d->attaches; x; x = x->next) {
		if (x->id == attach_id && x->client == client) {
			a = x;
			break;
		}
	}
	if (!a) {
		return -ENOENT;
	}
	if (a->stream_id != stream) {
		return -EINVAL;
	}
	if (size == 0 || offset > UINT64_MAX - size) {
		return -EINVAL;
	}
	kheap_buf_info(a->buf, &bi);
	if (a->ext) {
		if (offset + size > a->ext->size) {
			return -EINVAL;
		}
		if (write && !a->write) {
			return -EPERM;
		}
		*iova = a->ns_iova + offset;
		*flags = 0;
		return 0;
	}
	if (!a->iovas) {
		return -EOPNOTSUPP; /* not reachable: every attachment maps */
	}
	for (uint32_t i = 0; i < a->iova_count && i < bi.piece_count; i++) {
		uint64_t len = bi.pieces[i].size;

		if (offset >= start && offset - start < len) {
			if (offset + size > start + len) {
				return -EINVAL; /* crosses a segment's end */
			}
			if (write && !a->write) {
				return -EPERM;
			}
			*iova = a->iovas[i] + (offset - start);
			*flags = DEVICE_BUF_SECURE;
			return 0;
		}
		start += len;
	}
	return -EINVAL;
}

/* Copy the client's codec config (memfd @fd, @size bytes) to the staging
 * range; the board-side address in *@pa. */
static int rheapd_dev_stage(struct rheapd *d, int fd, uint64_t size,
			    uint64_t *pa)
{
	struct stat st = { 0 };
	void *p = NULL;
	ssize_t n = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < size) {
		return -EINVAL;
	}
	if (nw_client_pa_ptr(d->nw, d->stage_pa, RHEAPD_STAGE_SIZE, &p) != 0) {
		return -EINVAL;
	}
	n = pread(fd, p, (size_t)size, 0);
	if (n != (ssize_t)size) {
		return -EINVAL;
	}
	*pa = d->stage_pa;
	return 0;
}

static void rheapd_dev_unstage(struct rheapd *d, uint64_t size)
{
	void *p = NULL;

	if (size && nw_client_pa_ptr(d->nw, d->stage_pa, RHEAPD_STAGE_SIZE,
				     &p) == 0) {
		memset(p, 0, (size_t)size);
	}
}

/* ---- system buffers: external windows and the NS SMMU context ---- */

/*
 * EXT_MAP of a system buffer's memfd. The board maps it read-write, so a
 * read-only handle is reopened read-write for this call only (rheapd is
 * the kernel here; the client's access is checked by the caller).
 */
static int rheapd_sys_ext_map(struct rheapd *d, int fd, uint64_t size,
			      uint64_t *pa)
{
	char path[64] = { 0 };
	int flags = fcntl(fd, F_GETFL);
	int rw = -1;
	int rc = 0;

	if (flags < 0) {
		return -EINVAL;
	}
	if ((flags & O_ACCMODE) != O_RDWR) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		rw = open(path, O_RDWR | O_CLOEXEC);
		if (rw < 0) {
			return -ENOMEM;
		}
	}
	rc = ksec_ext_map(d->sec, rw >= 0 ? rw : fd, size, pa);
	if (rw >= 0) {
		close(rw);
	}
	return rc;
}

static void rheapd_sys_ext_unmap(struct rheapd *d, uint64_t pa)
{
	int rc = d->board_gone ? -ENOENT : ksec_ext_unmap(d->sec, pa);

	if (rc && !d->board_gone && !ksec_gone(d->sec)) {
		fprintf(stderr, "rheapd: EXT_UNMAP of 0x%llx: %s\n",
			(unsigned long long)pa, rheap_err_name(rc));
	}
}

static void rheapd_ext_put(struct rheapd *d, struct rheapd_ext *e)
{
	if (--e->refs > 0) {
		return;
	}
	rheapd_sys_ext_unmap(d, e->pa);
	for (struct rheapd_ext **l = &d->exts; *l; l = &(*l)->next) {
		if (*l == e) {
			*l = e->next;
			break;
		}
	}
	free(e);
}

int rheapd_sys_attach(struct rheapd *d, struct rheapd_attach *a, int fd,
		      uint64_t size)
{
	struct rheapd_ext *e = NULL;
	int flags = fcntl(fd, F_GETFL);
	int rc = 0;

	if (flags < 0) {
		return -EINVAL;
	}
	if (a->write && (flags & O_ACCMODE) != O_RDWR) {
		return -EPERM; /* a read-only handle */
	}
	for (e = d->exts; e; e = e->next) {
		if (e->buf == a->buf) {
			break;
		}
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e) {
			return -ENOMEM;
		}
		rc = rheapd_sys_ext_map(d, fd, size, &e->pa);
		if (rc) {
			free(e);
			return rc;
		}
		e->buf = a->buf;
		e->size = size;
		e->next = d->exts;
		d->exts = e;
	}
	e->refs++;
	rc = ksec_smmu_ns(d->sec, a->stream_id, e->pa, e->pa, size,
			  BOARD_SMMU_NS_MAP |
				  (a->write ? BOARD_SMMU_NS_WRITE : 0u));
	if (rc) {
		rheapd_ext_put(d, e);
		return rc;
	}
	a->ext = e;
	a->ns_iova = e->pa;
	return 0;
}

void rheapd_sys_detach(struct rheapd *d, struct rheapd_attach *a)
{
	int rc = d->board_gone ? -ENOENT :
				 ksec_smmu_ns(d->sec, a->stream_id, a->ns_iova,
					      0, a->ext->size, 0);

	if (rc && !d->board_gone && !ksec_gone(d->sec)) {
		fprintf(stderr, "rheapd: SMMU_NS unmap of stream %u iova 0x%llx: %s\n",
			a->stream_id, (unsigned long long)a->ns_iova,
			rheap_err_name(rc));
	}
	rheapd_ext_put(d, a->ext);
	a->ext = NULL;
}

/*
 * GPU_READ: the handle's first extent PA + offset, if the range lies in
 * it; the gpu's NS context gets that PA (the secure world must stop it).
 * A system buffer: its external window's PA + offset; a buffer with no
 * window yet gets one for this job only (*@temp_pa, EXT_UNMAP'd after).
 */
static int rheapd_dev_gpu_pa(struct rheapd *d, const struct rheapd_client *c,
			     int fd, uint64_t offset, uint64_t size,
			     uint64_t *pa, uint64_t *temp_pa)
{
	struct kheap_buf *buf = NULL;
	struct kheap_buf_info bi = { 0 };
	int rc = rheapd_buf_from_fd(d, c, fd, &buf);

	if (rc) {
		return rc;
	}
	kheap_buf_info(buf, &bi);
	if (!bi.restricted) {
		if (size == 0 || offset > bi.size || size > bi.size - offset) {
			return -EINVAL;
		}
		for (const struct rheapd_ext *e = d->exts; e; e = e->next) {
			if (e->buf == buf) {
				*pa = e->pa + offset;
				return 0;
			}
		}
		rc = rheapd_sys_ext_map(d, fd, bi.size, temp_pa);
		if (rc == 0) {
			*pa = *temp_pa + offset;
		}
		return rc;
	}
	if (bi.extent_count == 0 || !bi.extents) {
		return -EOPNOTSUPP;
	}
	if (size == 0 || offset > bi.extents[0].size ||
	    size > bi.extents[0].size - offset) {
		return -EINVAL;
	}
	*pa = bi.extents[0].pa + offset;
	return 0;
}

/* Make room for one more queued attachment ID in @x. */
static int rheapd_devctx_reserve(struct rheapd_devctx *x, uint64_t attach_id,
				 bool *known)
{
	uint64_t *q = NULL;
	uint32_t cap = 0;

	*known = false;
	for (uint32_t i = 0; i < x->queued_count; i++) {
		if (x->queued[i] == attach_id) {
			*known = true;
			return 0;
		}
	}
	if (x->queued_count < x->queued_cap) {
		return 0;
	}
	if (x->queued_cap >= RHEAPD_DEVCTX_QUEUED_MAX) {
		return -ENOSPC;
	}
	cap = x->queued_cap ? x->queued_cap * 2u : 8u;
	q = realloc(x->queued, cap * sizeof(*q));
	if (!q) {
		return -ENOMEM;
	}
	x->queued = q;
	x->queued_cap = cap;
	return 0;
}

/*
 * Per command: check the slots, build the board-side arguments. @x is the
 * context the command names (NULL for OPEN and GPU_READ).
 */
static int rheapd_dev_prepare(struct rheapd *d, const struct rheapd_client *c,
			      const struct rheap_plat_device *dev,
			      const struct rheapd_device_req *r, int fd,
			      struct rheapd_devctx **x, uint64_t board[8],
			      uint64_t *temp_pa)
{
	uint32_t s = dev->stream_id;
	int rc = 0;

	memcpy(board, r->args, 8 * sizeof(board[0]));
	switch (r->cmd) {
	case DEVICE_CMD_VDEC_OPEN:
		if (r->args[3] == 0) {
			return 0;
		}
		return rheapd_dev_stage(d, fd, r->args[3], &board[1]);
	case DEVICE_CMD_GPU_READ:
		return rheapd_dev_gpu_pa(d, c, fd, r->args[0], r->args[2],
					 &board[0], temp_pa);
	case DEVICE_CMD_DISPLAY_OPEN:
		return 0;
	default:
		break;
	}
	*x = rheapd_devctx_find(d, c->id, s, r->cmd, r->args[0]);
	if (!*x) {
		return -ENOENT;
	}
	switch (r->cmd) {
	case DEVICE_CMD_VDEC_QUEUE_OUT:
		rc = rheapd_dev_buf(d, c->id, s, r->args[2], r->args[3],
				    r->args[4], true, &board[2], &board[3]);
		break;
	case DEVICE_CMD_VDEC_DECODE:
		if (r->args[1] == 0 && r->args[2] == 0 && r->args[3] == 0) {
			break; /* no data (EOS drain) */
		}
		rc = rheapd_dev_buf(d, c->id, s, r->args[1], r->args[2],
				    r->args[3], false, &board[1], &board[2]);
		break;
	case DEVICE_CMD_DISPLAY_SHOW:
		rc = rheapd_dev_buf(d, c->id, s, r->args[1], r->args[2],
				    r->args[3], false, &board[1], &board[2]);
		break;
	default:
		break;
	}
	return rc;
}

int rheapd_device_op(struct rheapd *d, struct rheapd_client *c,
		     const struct rheapd_req *req, int fd, size_t *resp_len)
{
	struct rheapd_device_resp *resp = (struct rheapd_device_resp *)d->resp;
	struct rheapd_device_req r = { .cmd = 0 };
	const struct rheap_plat_device *dev = NULL;
	struct rheapd_devctx *x = NULL;
	struct rheapd_devctx *fresh = NULL;
	uint64_t board[8] = { 0 };
	uint64_t temp_pa = 0;
	bool known = false;
	int rc = rheapd_device_decode(req->payload, req->payload_len, fd >= 0,
				      &r);

	*resp_len = 0;
	if (rc) {
		return rc;
	}
	memset(resp, 0, sizeof(*resp));
	*resp_len = sizeof(*resp);
	dev = rheapd_dev_find(d, r.device);
	if (!dev) {
		return -ENOENT;
	}
	if (strcmp(rheapd_device_cmd_device(r.cmd), dev->name) != 0) {
		return -EOPNOTSUPP;
	}
	if (d->board_gone || ksec_gone(d->sec)) {
		return -ENOENT;
	}
	rc = rheapd_dev_prepare(d, c, dev, &r, fd, &x, board, &temp_pa);
	if (rc) {
		goto out_unstage;
	}
	/* Everything that could fail after the board acts is made first. */
	if (r.cmd == DEVICE_CMD_VDEC_OPEN || r.cmd == DEVICE_CMD_DISPLAY_OPEN) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh) {
			rc = -ENOMEM;
			goto out_unstage;
		}
	}
	if (r.cmd == DEVICE_CMD_VDEC_QUEUE_OUT) {
		rc = rheapd_devctx_reserve(x, r.args[2], &known);
		if (rc) {
			goto out_unstage;
		}
	}
	rc = ksec_device(d->sec, dev->stream_id, r.cmd, board, resp->res);
	if (rc == 0 && fresh) {
		fresh->client = c->id;
		fresh->stream_id = dev->stream_id;
		fresh->close_cmd = rheapd_dev_close_cmd(r.cmd);
		fresh->id = resp->res[0];
		fresh->next = d->devctxs;
		d->devctxs = fresh;
		c->device_contexts++;
		fresh = NULL;
	}
	if (rc == 0 && r.cmd == DEVICE_CMD_VDEC_QUEUE_OUT && !known) {
		x->queued[x->queued_count++] = r.args[2];
	}
	if (r.cmd == DEVICE_CMD_VDEC_CLOSE || r.cmd == DEVICE_CMD_DISPLAY_CLOSE) {
		/* Whatever the answer: the board has no such context after a
		 * close, or is gone. */
		rheapd_devctx_forget(d, x);
	}
out_unstage:
	free(fresh);
	if (r.cmd == DEVICE_CMD_VDEC_OPEN) {
		rheapd_dev_unstage(d, r.args[3]);
	}
	if (temp_pa != 0) {
		rheapd_sys_ext_unmap(d, temp_pa); /* GPU_READ's own window */
	}
	return rc;
}

bool rheapd_device_attach_busy(const struct rheapd *d, uint32_t client,
			       uint64_t attach_id)
{
	for (const struct rheapd_devctx *x = d->devctxs; x; x = x->next) {
		if (x->client != client) {
			continue;
		}
		for (uint32_t i = 0; i < x->queued_count; i++) {
			if (x->queued[i] == attach_id) {
				return true;
			}
		}
	}
	return false;
}

void rheapd_device_client_gone(struct rheapd *d, uint32_t client)
{
	struct rheapd_devctx *x = d->devctxs;

	while (x) {
		struct rheapd_devctx *next = x->next;

		if (x->client == client) {
			uint64_t args[8] = { x->id };
			uint64_t res[8] = { 0 };
			int rc = d->board_gone ? -ENOENT :
						 ksec_device(d->sec,
							     x->stream_id,
							     x->close_cmd, args,
							     res);

			if (rc && !ksec_gone(d->sec)) {
				fprintf(stderr,
					"rheapd: closing context %llu of "
					"stream %u for client %u: %s\n",
					(unsigned long long)x->id,
					x->stream_id, client,
					rheap_err_name(rc));
			}
			rheapd_devctx_forget(d, x);
		}
		x = next;
	}
}
