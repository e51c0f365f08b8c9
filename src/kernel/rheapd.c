// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's server: start-up (board, secure backend, heaps and pools), the
 * epoll loop, every UAPI op, client teardown and the clean stop. The
 * design is in docs/rheapd.md, the wire in docs/rheapd-uapi.md.
 *
 * One thread. Every request is answered before the next is read, so the
 * secure backend (one request at a time on the board transport) needs no
 * locking. A client that does not read its responses is dropped rather
 * than allowed to block the loop (responses are sent MSG_DONTWAIT).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/ffa_desc.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "board/nw_client.h"
#include "khandle.h"
#include "kheap.h"
#include "kpolicy.h"
#include "ksec.h"
#include "ktee.h"
#include "rheapd.h"
#include "rheapd_internal.h"
#include "uapi_io.h"

#define RHEAPD_MAX_EVENTS 32
#define RHEAPD_PAGE 4096u
/* ksec's scratch, then the VDEC_OPEN staging range. */
#define RHEAPD_SCRATCH_TOTAL (KSEC_SCRATCH_SIZE + RHEAPD_STAGE_SIZE)

enum rheapd_tag {
	RHEAPD_TAG_LISTEN = 1,
	RHEAPD_TAG_SIGNAL,
	RHEAPD_TAG_TIMER,
	RHEAPD_TAG_HANDLES,
	RHEAPD_TAG_BOARD,
	RHEAPD_TAG_CLIENT_BASE, /* + client id */
};

static uint64_t rheapd_now_ns(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void rheapd_check_board(struct rheapd *d)
{
	if (!d->board_gone && ksec_gone(d->sec)) {
		d->board_gone = true;
		fprintf(stderr, "rheapd: the board has gone; refusing ops that "
				"need it (-ENOENT), still serving status\n");
		if (d->board_fd >= 0) {
			(void)epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->board_fd,
					NULL);
			d->board_fd = -1;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* kheap's view of the world                                               */

static int rheapd_op_unmap(void *ctx, uint64_t pa, uint64_t size)
{
	struct rheapd *d = ctx;
	void *p = NULL;
	int rc = nw_client_pa_ptr(d->nw, pa, size, &p);

	if (rc) {
		return rc;
	}
	if (mprotect(p, size, PROT_NONE) != 0) {
		return -ENOMEM;
	}
	return 0;
}

static void rheapd_op_map(void *ctx, uint64_t pa, uint64_t size)
{
	struct rheapd *d = ctx;
	void *p = NULL;

	if (nw_client_pa_ptr(d->nw, pa, size, &p) == 0 &&
	    mprotect(p, size, PROT_READ | PROT_WRITE) != 0) {
		fprintf(stderr, "rheapd: cannot map 0x%llx+0x%llx again\n",
			(unsigned long long)pa, (unsigned long long)size);
	}
}

static int rheapd_op_lend(void *ctx, uint32_t use_case, uint64_t pa,
			  uint64_t size, uint64_t *handle, uint32_t *buf_id)
{
	struct rheapd *d = ctx;
	struct rheap_ffa_range r = { .address = pa,
				     .page_count = (uint32_t)(size /
							      RHEAPD_PAGE) };
	int rc = 0;

	if (d->board_gone) {
		return -ENOENT;
	}
	rc = ksec_chunk_lend(d->sec, use_case, &r, 1, handle, buf_id);
	rheapd_check_board(d);
	return rc;
}

static int rheapd_op_reclaim(void *ctx, uint64_t handle)
{
	struct rheapd *d = ctx;
	int rc = 0;

	if (d->board_gone) {
		return -ENOENT;
	}
	rc = ksec_chunk_reclaim(d->sec, handle);
	rheapd_check_board(d);
	return rc;
}

static int rheapd_op_scrub(void *ctx, uint32_t buf_id, uint64_t offset,
			   uint64_t size)
{
	struct rheapd *d = ctx;
	int rc = 0;

	if (d->board_gone) {
		return -ENOENT;
	}
	rc = ksec_scrub(d->sec, buf_id, offset, size);
	rheapd_check_board(d);
	if (rc) {
		fprintf(stderr,
			"rheapd: scrub of buffer 0x%x +0x%llx size 0x%llx "
			"failed (%s): quarantined\n",
			buf_id, (unsigned long long)offset,
			(unsigned long long)size, rheap_err_name(rc));
	}
	return rc;
}

static const struct kheap_ops rheapd_kheap_ops = {
	.ctx = NULL, /* set at start-up */
	.unmap = rheapd_op_unmap,
	.map = rheapd_op_map,
	.lend = rheapd_op_lend,
	.reclaim = rheapd_op_reclaim,
	.scrub = rheapd_op_scrub,
};

static void rheapd_handle_gone(void *ctx, void *owner)
{
	struct rheapd *d = ctx;

	(void)kheap_buf_put(d->heap, owner, KHEAP_REF_HANDLE, rheapd_now_ns());
}

/* ---------------------------------------------------------------------- */
/* Clients and policy                                                      */

static struct rheapd_client *rheapd_client_find(const struct rheapd *d,
						uint32_t id)
{
	for (struct rheapd_client *c = d->clients; c; c = c->next) {
		if (c->id == id) {
			return c;
		}
	}
	return NULL;
}

static bool rheapd_heap_allowed(const struct rheapd *d,
				const struct rheapd_client *c,
				uint32_t heap_id)
{
	struct kheap_heap_info hi = { 0 };

	if (kheap_heap_info(d->heap, heap_id, &hi) != 0) {
		return false;
	}
	return kpolicy_heap_allowed(d->cfg->policy, hi.name, (uint32_t)c->uid,
				    c->gids, c->gid_count);
}

/* A handle fd a client sent -> its live buffer, policy checked. */
int rheapd_buf_from_fd(struct rheapd *d, const struct rheapd_client *c,
		       int fd, struct kheap_buf **out)
{
	struct kheap_buf_info bi = { 0 };
	void *owner = NULL;
	int rc = khandle_lookup(d->handles, fd, &owner);

	if (rc) {
		return rc;
	}
	kheap_buf_info(owner, &bi);
	if (!rheapd_heap_allowed(d, c, bi.heap_id)) {
		return -EPERM;
	}
	*out = owner;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* TEE                                                                     */

struct rheapd_tee_ref {
	struct kheap_buf *buf;
	uint32_t client;
	struct ktee_extent *ext;
};

static int rheapd_tee_buf_get(void *ctx, uint32_t client, int fd,
			      struct ktee_mem *mem, void **ref)
{
	struct rheapd *d = ctx;
	struct rheapd_client *c = rheapd_client_find(d, client);
	struct rheapd_tee_ref *r = NULL;
	struct kheap_buf *buf = NULL;
	struct kheap_buf_info bi = { 0 };
	int rc = 0;

	if (!c) {
		return -EINVAL;
	}
	rc = rheapd_buf_from_fd(d, c, fd, &buf);
	if (rc) {
		return rc;
	}
	kheap_buf_info(buf, &bi);
	r = calloc(1, sizeof(*r));
	if (!r) {
		return -ENOMEM;
	}
	r->ext = calloc(bi.piece_count ? bi.piece_count : 1, sizeof(*r->ext));
	if (!r->ext) {
		free(r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < bi.piece_count; i++) {
		r->ext[i].sdp_buf_id = bi.pieces[i].sdp_buf_id;
		r->ext[i].offset = bi.pieces[i].offset;
		r->ext[i].size = bi.pieces[i].size;
	}
	if (bi.piece_count == 0) {
		r->ext[0].sdp_buf_id = 0;
		r->ext[0].offset = 0;
		r->ext[0].size = bi.size;
	}
	r->buf = buf;
	r->client = client;
	kheap_buf_get(buf, KHEAP_REF_TEE);
	c->registrations++;
	mem->size = bi.size;
	mem->restricted = bi.restricted;
	mem->extents = r->ext;
	mem->extent_count = bi.piece_count ? bi.piece_count : 1;
	*ref = r;
	return 0;
}

static void rheapd_tee_buf_put(void *ctx, void *ref)
{
	struct rheapd *d = ctx;
	struct rheapd_tee_ref *r = ref;
	struct rheapd_client *c = rheapd_client_find(d, r->client);

	if (c && c->registrations > 0) {
		c->registrations--;
	}
	(void)kheap_buf_put(d->heap, r->buf, KHEAP_REF_TEE, rheapd_now_ns());
	free(r->ext);
	free(r);
}

/* ---------------------------------------------------------------------- */
/* Ops                                                                     */

static int rheapd_do_heap_list(struct rheapd *d, struct rheapd_client *c,
			       size_t *resp_len)
{
	struct rheapd_heap_list *head = (struct rheapd_heap_list *)d->resp;
	struct rheapd_heap_info *e = (struct rheapd_heap_info *)(head + 1);
	uint32_t n = 0;

	memset(head, 0, sizeof(*head));
	for (uint32_t i = 0; i < kheap_heap_count(d->heap); i++) {
		struct kheap_heap_info hi = { 0 };

		(void)kheap_heap_info(d->heap, i, &hi);
		if (!rheapd_heap_allowed(d, c, i)) {
			continue;
		}
		memset(&e[n], 0, sizeof(e[n]));
		memcpy(e[n].name, hi.name, sizeof(e[n].name));
		e[n].heap_id = i;
		e[n].flags = hi.restricted ? RHEAPD_HEAP_RESTRICTED : 0;
		e[n].capacity = hi.capacity;
		e[n].used = hi.used;
		n++;
	}
	head->count = n;
	*resp_len = sizeof(*head) + n * sizeof(*e);
	return 0;
}

/* Returns the handle to send in *out_fd (the caller closes it). */
static int rheapd_do_alloc(struct rheapd *d, struct rheapd_client *c,
			   const struct rheapd_req *req, size_t *resp_len,
			   int *out_fd)
{
	struct rheapd_alloc_args a = { 0 };
	struct kheap_heap_info hi = { 0 };
	struct kheap_buf *buf = NULL;
	struct kheap_buf_info bi = { 0 };
	struct rheapd_alloc_resp *r = (struct rheapd_alloc_resp *)d->resp;
	int fd = -1;
	int rc = rheapd_alloc_decode(req->payload, req->payload_len, &a);

	if (rc) {
		return rc;
	}
	if (kheap_heap_info(d->heap, a.heap_id, &hi) != 0) {
		return -ENOENT;
	}
	if (!rheapd_heap_allowed(d, c, a.heap_id)) {
		return -EPERM;
	}
	if (hi.restricted && d->board_gone) {
		return -ENOENT;
	}
	rc = kheap_alloc(d->heap, a.heap_id, c->id, a.len, rheapd_now_ns(),
			 &buf);
	rheapd_check_board(d);
	if (rc) {
		return rc;
	}
	kheap_buf_info(buf, &bi);
	if (hi.restricted) {
		rc = khandle_create_restricted(d->handles, buf, &fd);
	} else {
		rc = khandle_create_system(
			d->handles, buf, bi.size,
			(a.fd_flags & RHEAPD_O_ACCMODE) == 0 /* O_RDONLY */,
			&fd);
	}
	if (rc) {
		(void)kheap_buf_put(d->heap, buf, KHEAP_REF_HANDLE,
				    rheapd_now_ns());
		return rc;
	}
	memset(r, 0, sizeof(*r));
	r->buf_id = bi.id;
	r->size = bi.size;
	r->data_size = a.data_size;
	memcpy(r + 1, a.data, a.data_size);
	*resp_len = sizeof(*r) + a.data_size;
	*out_fd = fd;
	return 0;
}

static int rheapd_do_import(struct rheapd *d, struct rheapd_client *c, int fd,
			    size_t *resp_len)
{
	struct rheapd_buf_info *r = (struct rheapd_buf_info *)d->resp;
	struct kheap_buf *buf = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_heap_info hi = { 0 };
	int rc = rheapd_buf_from_fd(d, c, fd, &buf);

	if (rc) {
		return rc;
	}
	kheap_buf_info(buf, &bi);
	(void)kheap_heap_info(d->heap, bi.heap_id, &hi);
	memset(r, 0, sizeof(*r));
	r->buf_id = bi.id;
	r->size = bi.size;
	r->heap_id = bi.heap_id;
	r->flags = bi.restricted ? RHEAPD_HEAP_RESTRICTED : 0;
	memcpy(r->heap, hi.name, sizeof(r->heap));
	*resp_len = sizeof(*r);
	return 0;
}

static const struct rheap_plat_device *
rheapd_device_find(const struct rheapd *d, const char *name)
{
	const struct rheap_platform *p = d->cfg->plat;

	for (uint32_t i = 0; i < p->device_count; i++) {
		if (strcmp(p->devices[i].name, name) == 0) {
			return &p->devices[i];
		}
	}
	return NULL;
}

static void rheapd_attach_undo(struct rheapd *d, struct rheapd_attach *a)
{
	if (a->ext) {
		rheapd_sys_detach(d, a);
	}
	for (uint32_t i = 0; i < a->iova_count; i++) {
		int rc = d->board_gone ? -ENOENT :
					 ksec_detach(d->sec, a->stream_id,
						     a->iovas[i]);

		if (rc && !d->board_gone) {
			fprintf(stderr,
				"rheapd: detach of stream %u iova 0x%llx: %s\n",
				a->stream_id,
				(unsigned long long)a->iovas[i],
				rheap_err_name(rc));
		}
	}
	rheapd_check_board(d);
}

static int rheapd_do_attach(struct rheapd *d, struct rheapd_client *c,
			    const struct rheapd_req *req, int fd,
			    size_t *resp_len)
{
	struct rheapd_attach_req ar = { 0 };
	struct rheapd_attach_resp *r = (struct rheapd_attach_resp *)d->resp;
	struct rheapd_attach_seg *seg = (struct rheapd_attach_seg *)(r + 1);
	const struct rheap_plat_device *dev = NULL;
	struct rheapd_attach *a = NULL;
	struct kheap_buf *buf = NULL;
	struct kheap_buf_info bi = { 0 };
	struct kheap_heap_info hi = { 0 };
	int rc = rheapd_attach_decode(req->payload, req->payload_len, &ar);

	if (rc) {
		return rc;
	}
	rc = rheapd_buf_from_fd(d, c, fd, &buf);
	if (rc) {
		return rc;
	}
	dev = rheapd_device_find(d, ar.device);
	if (!dev) {
		return -ENOENT;
	}
	kheap_buf_info(buf, &bi);
	(void)kheap_heap_info(d->heap, bi.heap_id, &hi);
	if (bi.restricted &&
	    (!dev->secure ||
	     !(dev->use_case_mask & RHEAP_USE_CASE_BIT(hi.use_case)))) {
		return -EPERM;
	}
	/* System buffers too: the device reaches them through the board. */
	if (d->board_gone) {
		return -ENOENT;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		return -ENOMEM;
	}
	a->client = c->id;
	a->buf = buf;
	a->stream_id = dev->stream_id;
	a->write = (ar.flags & RHEAPD_ATTACH_WRITE) != 0;
	if (bi.restricted) {
		a->iovas = calloc(bi.piece_count, sizeof(*a->iovas));
		if (!a->iovas) {
			rc = -ENOMEM;
			goto err_free;
		}
		for (uint32_t i = 0; i < bi.piece_count; i++) {
			rc = ksec_attach(d->sec, bi.pieces[i].sdp_buf_id,
					 bi.pieces[i].offset, bi.pieces[i].size,
					 dev->stream_id,
					 (ar.flags & RHEAPD_ATTACH_WRITE) != 0,
					 &a->iovas[i]);
			if (rc) {
				goto err_detach;
			}
			a->iova_count++;
			seg[i].iova = a->iovas[i];
			seg[i].size = bi.pieces[i].size;
		}
	} else {
		rc = rheapd_sys_attach(d, a, fd, bi.size);
		rheapd_check_board(d);
		if (rc) {
			goto err_free;
		}
		seg[0].iova = a->ns_iova;
		seg[0].size = bi.size;
	}
	a->id = ++d->next_attach;
	a->next = d->attaches;
	d->attaches = a;
	kheap_buf_get(buf, KHEAP_REF_ATTACH);
	c->attachments++;
	memset(r, 0, sizeof(*r));
	r->attach_id = a->id;
	r->seg_count = bi.restricted ? bi.piece_count : 1;
	*resp_len = sizeof(*r) + r->seg_count * sizeof(*seg);
	return 0;

err_detach:
	rheapd_attach_undo(d, a);
	rheapd_check_board(d);
	free(a->iovas);
err_free:
	free(a);
	return rc;
}

/* Unlink, detach and free one attachment (DETACH, client gone, stop). */
static void rheapd_attach_drop(struct rheapd *d, struct rheapd_attach **link)
{
	struct rheapd_attach *a = *link;
	struct rheapd_client *c = rheapd_client_find(d, a->client);

	*link = a->next;
	rheapd_attach_undo(d, a);
	if (c && c->attachments > 0) {
		c->attachments--;
	}
	(void)kheap_buf_put(d->heap, a->buf, KHEAP_REF_ATTACH, rheapd_now_ns());
	free(a->iovas);
	free(a);
}

static int rheapd_do_detach(struct rheapd *d, struct rheapd_client *c,
			    const struct rheapd_req *req)
{
	struct rheapd_detach_req dr = { 0 };

	memcpy(&dr, req->payload, sizeof(dr));
	for (struct rheapd_attach **l = &d->attaches; *l; l = &(*l)->next) {
		if ((*l)->id == dr.attach_id && (*l)->client == c->id) {
			/* A device may still write it (rheapd_device.c). */
			if (rheapd_device_attach_busy(d, c->id, dr.attach_id)) {
				return -EBUSY;
			}
			rheapd_attach_drop(d, l);
			return 0;
		}
	}
	return -ENOENT;
}

static int rheapd_do_tee(struct rheapd *d, struct rheapd_client *c,
			 const struct rheapd_req *req, int fd,
			 size_t *resp_len)
{
	int rc = 0;

	if (d->board_gone) {
		return -ENOENT;
	}
	rc = ktee_request(d->tee, c->id, req->hdr.op, req->payload,
			  req->payload_len, fd, d->resp,
			  RHEAPD_MSG_MAX - sizeof(struct rheapd_hdr), resp_len);
	rheapd_check_board(d);
	if (rc == 0 && req->hdr.op == RHEAPD_OP_TEE_OPEN &&
	    *resp_len >= sizeof(struct rheapd_tee_open_resp)) {
		struct rheapd_tee_open_resp o = { 0 };

		memcpy(&o, d->resp, sizeof(o));
		if (o.result.ret == 0) {
			c->tee_sessions++;
		}
	}
	if (rc == 0 && req->hdr.op == RHEAPD_OP_TEE_CLOSE &&
	    c->tee_sessions > 0) {
		c->tee_sessions--;
	}
	return rc;
}

static int rheapd_do_device(struct rheapd *d, struct rheapd_client *c,
			    const struct rheapd_req *req, int fd,
			    size_t *resp_len)
{
	int rc = rheapd_device_op(d, c, req, fd, resp_len);

	rheapd_check_board(d);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Connections                                                             */

static void rheapd_client_close(struct rheapd *d, struct rheapd_client *c)
{
	struct rheapd_attach **l = &d->attaches;

	/* Devices stop using its buffers before they are detached. */
	rheapd_device_client_gone(d, c->id);
	while (*l) {
		if ((*l)->client == c->id) {
			rheapd_attach_drop(d, l);
		} else {
			l = &(*l)->next;
		}
	}
	ktee_client_gone(d->tee, c->id);
	rheapd_check_board(d);
	kheap_client_remove(d->heap, c->id);
	(void)epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (struct rheapd_client **cl = &d->clients; *cl; cl = &(*cl)->next) {
		if (*cl == c) {
			*cl = c->next;
			break;
		}
	}
	free(c->gids);
	free(c);
}

/*
 * The peer's groups for the heap policy: its gid (SO_PEERCRED) and its
 * supplementary groups as they were at connect (SO_PEERGROUPS). On a
 * failure the client keeps only its gid: a smaller set can only deny.
 */
static int rheapd_peer_groups(int fd, gid_t gid, uint32_t **gids,
			      uint32_t *count)
{
	socklen_t len = 0;
	uint32_t *list = NULL;
	uint32_t n = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) != 0 &&
	    errno != ERANGE) {
		len = 0;
	}
	list = calloc(1 + len / sizeof(gid_t), sizeof(*list));
	if (!list) {
		return -ENOMEM;
	}
	list[n++] = (uint32_t)gid;
	if (len > 0) {
		gid_t *sup = calloc(len / sizeof(gid_t), sizeof(*sup));

		if (sup && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, sup,
				      &len) == 0) {
			for (size_t i = 0; i < len / sizeof(gid_t); i++) {
				list[n++] = (uint32_t)sup[i];
			}
		}
		free(sup);
	}
	*gids = list;
	*count = n;
	return 0;
}

static void rheapd_accept(struct rheapd *d)
{
	for (;;) {
		struct rheapd_client *c = NULL;
		struct ucred cred = { 0 };
		socklen_t len = sizeof(cred);
		struct epoll_event ev = { 0 };
		int fd = accept4(d->listen_fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
				     &len) != 0) {
			goto err_close;
		}
		c->id = ++d->next_client;
		c->fd = fd;
		c->pid = cred.pid;
		c->uid = cred.uid;
		c->gid = cred.gid;
		if (rheapd_peer_groups(fd, cred.gid, &c->gids,
				       &c->gid_count) != 0) {
			goto err_close;
		}
		if (kheap_client_add(d->heap, c->id,
				     kpolicy_quota(d->cfg->policy,
						   (uint32_t)cred.uid)) != 0) {
			goto err_close;
		}
		ev.events = EPOLLIN;
		ev.data.u64 = RHEAPD_TAG_CLIENT_BASE + (uint64_t)c->id;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			kheap_client_remove(d->heap, c->id);
			goto err_close;
		}
		c->next = d->clients;
		d->clients = c;
		continue;
err_close:
		if (c) {
			free(c->gids);
		}
		free(c);
		close(fd);
	}
}

/* Dispatch one checked request; return the status and the response. */
static int rheapd_dispatch(struct rheapd *d, struct rheapd_client *c,
			   const struct rheapd_req *req, int fd,
			   size_t *resp_len, int *out_fd)
{
	switch (req->hdr.op) {
	case RHEAPD_OP_HEAP_LIST:
		return rheapd_do_heap_list(d, c, resp_len);
	case RHEAPD_OP_ALLOC:
		return rheapd_do_alloc(d, c, req, resp_len, out_fd);
	case RHEAPD_OP_IMPORT:
		return rheapd_do_import(d, c, fd, resp_len);
	case RHEAPD_OP_ATTACH:
		return rheapd_do_attach(d, c, req, fd, resp_len);
	case RHEAPD_OP_DETACH:
		return rheapd_do_detach(d, c, req);
	case RHEAPD_OP_DEVICE:
		return rheapd_do_device(d, c, req, fd, resp_len);
	case RHEAPD_OP_STATUS:
		return rheapd_status_json(d, rheapd_now_ns(), d->resp,
					  RHEAPD_MSG_MAX -
						  sizeof(struct rheapd_hdr),
					  resp_len);
	default:
		return rheapd_do_tee(d, c, req, fd, resp_len);
	}
}

/* One request of one client, for uapi_io_serve_one(). */
struct rheapd_call {
	struct rheapd *d;
	struct rheapd_client *c;
};

static int rheapd_handle(void *ctx, const struct rheapd_req *req, int fd,
			 size_t *resp_len, int *out_fd)
{
	struct rheapd_call *call = ctx;

	/* Handles closed before this request are gone before it is served:
	 * a client that closes then allocates finds the space and quota free
	 * again, and a handle looked up (khandle_lookup does not drain)
	 * cannot match a dead entry whose inode number was reused. The one
	 * drain of the request. */
	(void)khandle_drain(call->d->handles);
	return rheapd_dispatch(call->d, call->c, req, fd, resp_len, out_fd);
}

/* Read and answer one request. Return false when the client must go. */
static bool rheapd_serve_one(struct rheapd *d, struct rheapd_client *c)
{
	struct rheapd_call call = { .d = d, .c = c };

	return uapi_io_serve_one(c->fd, d->msg, d->resp, rheapd_handle, &call);
}

/*
 * One request per readiness event. The client's socket is level-triggered
 * in epoll, so a client with more queued comes back in the next
 * epoll_wait, after the other ready clients (round robin), and a client
 * with nothing more costs no recvmsg that fails with EAGAIN.
 */
static void rheapd_serve(struct rheapd *d, uint32_t id)
{
	struct rheapd_client *c = rheapd_client_find(d, id);

	if (c && !rheapd_serve_one(d, c)) {
		rheapd_client_close(d, c);
	}
}

/* ---------------------------------------------------------------------- */
/* Timer                                                                   */

/* Arm the timer at the next idle deadline (0: disarmed), if it moved. */
static void rheapd_timer_arm(struct rheapd *d)
{
	struct itimerspec its = { 0 };
	uint64_t due = 0;

	if (kheap_next_deadline(d->heap, &due) && due == 0) {
		due = 1;
	}
	if (due == d->timer_due) {
		return;
	}
	its.it_value.tv_sec = (time_t)(due / 1000000000u);
	its.it_value.tv_nsec = (long)(due % 1000000000u);
	(void)timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
	d->timer_due = due;
}

/* ---------------------------------------------------------------------- */
/* Start-up                                                                */

static int rheapd_pick_scratch(const struct rheapd *d, uint64_t *out)
{
	const struct rheap_platform *p = d->cfg->plat;

	for (uint32_t i = 0; i < nw_client_dram_count(d->nw); i++) {
		struct nw_client_dram r = { 0 };
		uint64_t pa = 0;

		(void)nw_client_dram_get(d->nw, i, &r);
		pa = (r.base + RHEAPD_PAGE - 1) & ~(uint64_t)(RHEAPD_PAGE - 1);
		while (pa + RHEAPD_SCRATCH_TOTAL <= r.base + r.size) {
			bool clash = false;

			for (uint32_t k = 0; k < p->pool_count; k++) {
				const struct rheap_plat_pool *pl = &p->pools[k];

				if (pa < pl->base + pl->size &&
				    pl->base < pa + RHEAPD_SCRATCH_TOTAL) {
					pa = pl->base + pl->size;
					clash = true;
					break;
				}
			}
			if (!clash) {
				*out = pa;
				return 0;
			}
		}
	}
	return -ENOMEM;
}

static uint64_t rheapd_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int rheapd_build_heaps(struct rheapd *d)
{
	const struct rheap_platform *p = d->cfg->plat;
	uint32_t heap_of[RHEAP_USE_CASE_COUNT] = { 0 };
	bool has[RHEAP_USE_CASE_COUNT] = { false };
	uint32_t id = 0;
	int rc = 0;

	for (uint32_t i = 0; i < p->pool_count; i++) {
		if (p->pools[i].use_case > RHEAP_USE_CASE_NONE &&
		    p->pools[i].use_case < RHEAP_USE_CASE_COUNT) {
			has[p->pools[i].use_case] = true;
		}
	}
	for (uint32_t uc = 1; uc < RHEAP_USE_CASE_COUNT; uc++) {
		uint32_t count = 0;

		if (!has[uc]) {
			continue;
		}
		rc = kheap_heap_add(d->heap, uc, &heap_of[uc]);
		if (rc) {
			return rc;
		}
		/* Static ranges: from the SDP partition's config. */
		for (uint32_t k = 0;; k++) {
			uint64_t base = 0;
			uint64_t size = 0;
			uint32_t n = UINT32_MAX;

			rc = ksec_protmem_range(d->sec, uc, k, &count, &base,
						&size);
			if (rc == -ENOENT && !ksec_gone(d->sec)) {
				break;
			}
			if (rc) {
				return rc;
			}
			for (uint32_t i = 0; i < p->pool_count; i++) {
				if (p->pools[i].kind == RHEAP_POOL_STATIC &&
				    p->pools[i].base == base) {
					n = i;
				}
			}
			if (n == UINT32_MAX) {
				fprintf(stderr,
					"rheapd: static range 0x%llx of %s is "
					"not a platform pool; skipped\n",
					(unsigned long long)base,
					rheap_use_case_name(uc));
				continue;
			}
			rc = kheap_pool_add_static(d->heap, heap_of[uc], base,
						   size,
						   SDP_BUF_ID_STATIC_BIT | n);
			if (rc) {
				return rc;
			}
		}
	}
	for (uint32_t i = 0; i < p->pool_count; i++) {
		const struct rheap_plat_pool *pl = &p->pools[i];
		uint64_t min_chunk = 0;
		uint64_t align = 0;
		uint32_t pools = 0;
		uint64_t unit = 0;
		uint64_t chunk = d->cfg->chunk_size ? d->cfg->chunk_size :
						      KHEAP_DEFAULT_CHUNK_SIZE;

		if (pl->kind != RHEAP_POOL_DYNAMIC) {
			continue;
		}
		rc = ksec_lend_config(d->sec, pl->use_case, &min_chunk, &align,
				      &pools);
		if (rc) {
			return rc;
		}
		if (min_chunk == 0) {
			min_chunk = RHEAPD_PAGE;
		}
		if (align == 0) {
			align = RHEAPD_PAGE;
		}
		unit = min_chunk / rheapd_gcd(min_chunk, align) * align;
		if (chunk > pl->size) {
			chunk = pl->size;
		}
		chunk = (chunk + unit - 1) / unit * unit;
		rc = kheap_pool_add_dynamic(d->heap, heap_of[pl->use_case],
					    pl->base, pl->size, chunk);
		if (rc) {
			return rc;
		}
	}
	return kheap_heap_add(d->heap, 0, &id);
}

static int rheapd_listen(struct rheapd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(d->cfg->socket_path);

	if (len >= sizeof(sa.sun_path)) {
		return -EINVAL;
	}
	memcpy(sa.sun_path, d->cfg->socket_path, len + 1);
	d->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
					       SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0) {
		return -ENOMEM;
	}
	(void)unlink(sa.sun_path);
	if (bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sa.sun_path, 0666) != 0 || listen(d->listen_fd, 64) != 0) {
		fprintf(stderr, "rheapd: cannot listen on %s: %s\n",
			sa.sun_path, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static int rheapd_epoll_add(struct rheapd *d, int fd, uint32_t events,
			    uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -ENOMEM;
}

static int rheapd_setup(struct rheapd *d)
{
	const struct rheap_platform *p = d->cfg->plat;
	struct kheap_ops ops = rheapd_kheap_ops;
	struct kheap_cfg kcfg = { .idle_release_ns = d->cfg->idle_ns };
	struct ksec_cfg scfg = { 0 };
	sigset_t mask = { 0 };
	int rc = 0;

	if (p->partition_count == 0) {
		fprintf(stderr, "rheapd: the platform has no SDP partition\n");
		return -EINVAL;
	}
	rc = nw_client_connect(d->cfg->board_path, BOARD_CONN_NW, &d->nw);
	if (rc) {
		fprintf(stderr, "rheapd: cannot connect to the board at %s: %s\n",
			d->cfg->board_path, rheap_err_name(rc));
		return rc;
	}
	d->board_fd = nw_client_fd(d->nw);
	scfg.client = d->nw;
	scfg.sdp_id = p->partitions[0].id;
	rc = rheapd_pick_scratch(d, &scfg.scratch_pa);
	if (rc) {
		nw_client_destroy(d->nw);
		d->nw = NULL;
		return rc;
	}
	d->stage_pa = scfg.scratch_pa + KSEC_SCRATCH_SIZE;
	rc = ksec_create(&scfg, &d->sec);
	if (rc) {
		d->nw = NULL; /* ksec consumed it */
		fprintf(stderr, "rheapd: secure backend: %s\n",
			rheap_err_name(rc));
		return rc;
	}
	ops.ctx = d;
	rc = kheap_create(&ops, &kcfg, &d->heap);
	if (rc) {
		return rc;
	}
	rc = rheapd_build_heaps(d);
	if (rc) {
		fprintf(stderr, "rheapd: building heaps: %s\n",
			rheap_err_name(rc));
		return rc;
	}
	{
		struct ktee_host_ops host = { .ctx = d,
					      .buf_get = rheapd_tee_buf_get,
					      .buf_put = rheapd_tee_buf_put };

		rc = ktee_create(d->sec, p->partitions[0].uuid, &host, &d->tee);
		if (rc) {
			return rc;
		}
	}
	rc = khandle_table_create(d->cfg->priv_dir, rheapd_handle_gone, d,
				  &d->handles);
	if (rc) {
		return rc;
	}
	d->msg = malloc(RHEAPD_MSG_MAX);
	d->resp = malloc(RHEAPD_MSG_MAX);
	if (!d->msg || !d->resp) {
		return -ENOMEM;
	}
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_CLOEXEC | TFD_NONBLOCK);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->epfd < 0 || d->timer_fd < 0 || d->signal_fd < 0) {
		return -ENOMEM;
	}
	rc = rheapd_listen(d);
	if (rc) {
		return rc;
	}
	if (rheapd_epoll_add(d, d->listen_fd, EPOLLIN, RHEAPD_TAG_LISTEN) ||
	    rheapd_epoll_add(d, d->signal_fd, EPOLLIN, RHEAPD_TAG_SIGNAL) ||
	    rheapd_epoll_add(d, d->timer_fd, EPOLLIN, RHEAPD_TAG_TIMER) ||
	    rheapd_epoll_add(d, khandle_table_fd(d->handles), EPOLLIN,
			     RHEAPD_TAG_HANDLES) ||
	    rheapd_epoll_add(d, d->board_fd, EPOLLRDHUP, RHEAPD_TAG_BOARD)) {
		return -ENOMEM;
	}
	return 0;
}

static void rheapd_teardown(struct rheapd *d)
{
	int rc = 0;

	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		(void)unlink(d->cfg->socket_path);
	}
	while (d->clients) {
		rheapd_client_close(d, d->clients);
	}
	ktee_destroy(d->tee);
	if (d->heap) {
		rc = kheap_shutdown(d->heap, rheapd_now_ns());
		if (rc) {
			fprintf(stderr, "rheapd: some chunks could not be "
					"reclaimed: %s\n",
				rheap_err_name(rc));
		}
	}
	khandle_table_destroy(d->handles);
	if (d->sec) {
		ksec_destroy(d->sec); /* destroys d->nw too */
	} else {
		nw_client_destroy(d->nw);
	}
	kheap_destroy(d->heap);
	if (d->epfd >= 0) {
		close(d->epfd);
	}
	if (d->timer_fd >= 0) {
		close(d->timer_fd);
	}
	if (d->signal_fd >= 0) {
		close(d->signal_fd);
	}
	free(d->msg);
	free(d->resp);
}

static void rheapd_event(struct rheapd *d, uint64_t tag)
{
	switch (tag) {
	case RHEAPD_TAG_LISTEN:
		rheapd_accept(d);
		break;
	case RHEAPD_TAG_SIGNAL: {
		struct signalfd_siginfo si = { 0 };

		while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
			d->stop = true;
		}
		break;
	}
	case RHEAPD_TAG_TIMER: {
		uint64_t ticks = 0;

		(void)read(d->timer_fd, &ticks, sizeof(ticks));
		(void)kheap_tick(d->heap, rheapd_now_ns());
		d->timer_due = 0; /* expired: arm again whatever is next */
		break;
	}
	case RHEAPD_TAG_HANDLES:
		(void)khandle_drain(d->handles);
		break;
	case RHEAPD_TAG_BOARD:
		if (!d->board_gone) {
			d->board_gone = true;
			fprintf(stderr, "rheapd: the board has gone; refusing "
					"ops that need it (-ENOENT), still "
					"serving status\n");
			(void)epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->board_fd,
					NULL);
			d->board_fd = -1;
		}
		break;
	default:
		rheapd_serve(d, (uint32_t)(tag - RHEAPD_TAG_CLIENT_BASE));
		break;
	}
}

int rheapd_run(const struct rheapd_cfg *cfg)
{
	struct rheapd d = { 0 };
	int rc = 0;

	d.cfg = cfg;
	d.epfd = -1;
	d.listen_fd = -1;
	d.timer_fd = -1;
	d.signal_fd = -1;
	d.board_fd = -1;
	d.reserve_ok = true;
	rc = rheapd_setup(&d);
	if (rc) {
		rheapd_teardown(&d);
		return rc;
	}
	fprintf(stderr, "rheapd: serving %s\n", cfg->socket_path);
	while (!d.stop) {
		struct epoll_event ev[RHEAPD_MAX_EVENTS] = { { 0 } };
		/*
		 * While the handle reserve is short (and the last attempt
		 * to fill it did not fail), only look for events; with
		 * none, make one ready handle and look again. A request
		 * that comes meanwhile waits for one handle at most.
		 */
		bool refill = d.reserve_ok &&
			      khandle_reserve_count(d.handles) <
				      KHANDLE_RESERVE;
		int n = epoll_wait(d.epfd, ev, RHEAPD_MAX_EVENTS,
				   refill ? 0 : -1);

		if (n == 0 && refill) {
			d.reserve_ok = khandle_reserve_one(d.handles) >= 0;
			continue;
		}
		for (int i = 0; i < n && !d.stop; i++) {
			rheapd_event(&d, ev[i].data.u64);
		}
		rheapd_timer_arm(&d);
		/*
		 * A handle was taken: make one now, whatever is pending,
		 * so that a client allocating in a loop finds the reserve
		 * full. Yield first: on a CPU shared with the client just
		 * answered, the client takes its response and goes on
		 * before rheapd does this work (on another CPU the yield
		 * returns at once). A failed refill is tried again after
		 * the next events.
		 */
		d.reserve_ok = true;
		if (khandle_reserve_count(d.handles) < KHANDLE_RESERVE) {
			(void)sched_yield();
			d.reserve_ok = khandle_reserve_one(d.handles) >= 0;
		}
	}
	fprintf(stderr, "rheapd: stopping\n");
	rheapd_teardown(&d);
	return 0;
}
