// SPDX-License-Identifier: BSD-2-Clause
/*
 * The guest VM's kernel (guest.h): the virtio-rheap driver plus a rheapd
 * UAPI server for the guest's programs. One thread, one epoll loop, like
 * rheapd; a virtio request blocks the loop until its response (the
 * device answers in microseconds, or the driver gives up: guest_drv.h).
 *
 * Life cycle of a struct guest_buf (one per virtio buffer_id):
 *
 *   ALLOC ok --> LIVE (handle open; the program holds the fd)
 *   LIVE --last handle copy closed (inotify)--> CLOSED
 *   LIVE --ATTACH--> attach_count + 1, --DETACH/client gone--> - 1
 *   LIVE --TEE_SHM_REGISTER_FD--> tee_refs + 1, --SHM_RELEASE/client
 *        gone--> - 1
 *   CLOSED with attach_count 0 and tee_refs 0 --> virtio FREE, struct
 *        freed
 *   (a FREE the device refuses is logged; the struct goes anyway: the
 *    device frees what a reset VM held)
 *
 * A buffer of a non-restricted (`system`) heap is the guest's own: a
 * sealed memfd handle (khandle, as rheapd makes them), never on the
 * device; `local` is set, the device is not told of its life, ATTACH and
 * TEE registration of it are -EOPNOTSUPP (a device or the secure world
 * would need the hypervisor to map guest memory: docs/vmm.md).
 *
 * TEE (F_TEE): the guest's programs' TEE ops go to the device as they
 * came (VIRTIO_RHEAP_REQ_TEE), a handle fd replaced by its buffer ID.
 * All of a guest's sessions and registrations live on one host rheapd
 * connection of the VM, so the guest kernel keeps which of its clients
 * owns each (struct guest_sess, struct guest_shm): another client's ID
 * is -ENOENT here, and a client's leftovers are closed and released on
 * the device when it goes, as rheapd does for its connections.
 *
 * Device jobs (F_DEVJOB): RHEAPD_OP_DEVICE goes to the device as
 * VIRTIO_RHEAP_REQ_DEVICE with rheapd's own checks made here first
 * (rheapd_device_decode(); the context is this client's, of the kind the
 * command works on: -ENOENT; a [buf] attachment is this client's:
 * -ENOENT, to this device: -EINVAL), a VDEC_OPEN's codec config memfd
 * read into the request (at most 64 KiB, as rheapd), a GPU_READ's handle
 * replaced by its buffer ID (a `system` buffer: -EOPNOTSUPP, guest
 * memory). Contexts belong to the client that opened them (struct
 * guest_devctx) and are closed on the device when it goes, before its
 * attachments are detached (a queued buffer's DETACH is -EBUSY).
 *
 *   OPEN ok --> guest_devctx (client, kind) --CLOSE (any answer) /
 *        client gone (CLOSE sent)--> gone
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/tee_client_api.h>
#include <rheap/virtio_rheap.h>

#include "hyp/guest.h"
#include "hyp/guest_drv.h"
#include "kernel/khandle.h"
#include "kernel/rheapd.h"
#include "kernel/uapi_io.h"
#include "util/json.h"

#define GUEST_TAG_LISTEN 1u
#define GUEST_TAG_HANDLES 2u
#define GUEST_TAG_SIGNAL 3u
#define GUEST_TAG_MMIO 4u
#define GUEST_TAG_CLIENT_BASE 16u

/* Most heaps the guest lists (HEAP_INFO indices beyond are ignored). */
#define GUEST_HEAPS_MAX 32u
/* Most segments of one attachment the guest passes on. */
#define GUEST_SEGS_MAX 64u
/* Bytes of a TEE response payload (rheapd's message less its header). */
#define GUEST_TEE_RESP_MAX (RHEAPD_MSG_MAX - sizeof(struct rheapd_hdr))

struct guest_buf {
	uint64_t id;           /* the device's buffer_id */
	uint64_t size;         /* bytes */
	uint32_t heap_index;   /* device heap index */
	uint32_t attach_count; /* attachments of any client */
	uint32_t tee_refs;     /* TEE registrations holding it */
	bool handle_open;      /* a copy of the handle is alive */
	bool local;            /* system heap: the guest's own memfd */
	struct guest_buf *next;
};

/* A TEE session of a client (the device's session ID). */
struct guest_sess {
	uint32_t id;
	uint32_t client;
	struct guest_sess *next;
};

/* A TEE registration of a client (the device's shm ID). */
struct guest_shm {
	uint32_t id;
	uint32_t client;
	struct guest_buf *buf;
	struct guest_shm *next;
};

struct guest_attach {
	uint64_t id;      /* the device's attach_id */
	uint32_t client;  /* owning connection */
	struct guest_buf *buf;
	char device[VIRTIO_RHEAP_DEVICE_NAME_MAX];
	struct guest_attach *next;
};

/* A decoder context or display session a client opened (the device's
 * ID: the VM's, docs/virtio-rheap.md 6.12). */
struct guest_devctx {
	uint64_t id;
	uint32_t client;
	uint32_t close_cmd; /* DEVICE_CMD_VDEC_CLOSE or _DISPLAY_CLOSE */
	struct guest_devctx *next;
};

struct guest_client {
	uint32_t id;
	int fd;
	struct guest_client *next;
};

struct guest_kernel {
	const struct vt_guest_env *env;
	struct guest_drv drv;
	int epfd;
	int listen_fd;
	int sig_fd;
	char priv_dir[128];
	struct khandle_table *handles;
	/* HEAP_INFO at start: names and flags do not change (used does). */
	struct guest_heap_info heaps[GUEST_HEAPS_MAX];
	uint32_t heap_count;
	struct guest_buf *bufs;
	struct guest_attach *attaches;
	struct guest_sess *sessions;
	struct guest_shm *shms;
	struct guest_devctx *devctxs;
	struct guest_client *clients;
	uint32_t next_client;
	uint32_t buf_count;
	uint64_t next_local_id;  /* local buffers' IDs count down from 2^63 */
	uint64_t local_bytes;    /* bytes of local (system) buffers */
	uint64_t frees_failed;
	bool stop;
	uint8_t msg[RHEAPD_MSG_MAX];
	uint8_t resp[RHEAPD_MSG_MAX];
};

/* ---------------------------------------------------------------------- */
/* Buffers                                                                 */

static void guest_buf_maybe_free(struct guest_kernel *k, struct guest_buf *b)
{
	int rc = 0;

	if (b->handle_open || b->attach_count > 0 || b->tee_refs > 0) {
		return;
	}
	rc = b->local ? 0 : guest_drv_free(&k->drv, b->id);
	if (b->local) {
		k->local_bytes -= b->size;
	}
	/* A dead device (vmm gone) frees what the VM held itself. */
	if (rc && k->drv.state == GUEST_DRV_LIVE) {
		k->frees_failed++;
		fprintf(stderr, "guest %u: FREE of buffer %llu: %s\n",
			k->drv.cfg.vm_id, (unsigned long long)b->id,
			rheap_err_name(rc));
	}
	for (struct guest_buf **l = &k->bufs; *l; l = &(*l)->next) {
		if (*l == b) {
			*l = b->next;
			break;
		}
	}
	k->buf_count--;
	free(b);
}

static void guest_handle_gone(void *ctx, void *owner)
{
	struct guest_kernel *k = ctx;
	struct guest_buf *b = owner;

	b->handle_open = false;
	guest_buf_maybe_free(k, b);
}

/* Forget an attachment the device no longer has (or never will again). */
static void guest_attach_forget(struct guest_kernel *k,
				struct guest_attach **link)
{
	struct guest_attach *a = *link;

	*link = a->next;
	a->buf->attach_count--;
	guest_buf_maybe_free(k, a->buf);
	free(a);
}

static void guest_attach_drop(struct guest_kernel *k,
			      struct guest_attach **link)
{
	int rc = guest_drv_detach(&k->drv, (*link)->id);

	if (rc && k->drv.state == GUEST_DRV_LIVE) {
		fprintf(stderr, "guest %u: DETACH of %llu: %s\n",
			k->drv.cfg.vm_id, (unsigned long long)(*link)->id,
			rheap_err_name(rc));
	}
	guest_attach_forget(k, link);
}

/* Bytes of heap @index the guest holds itself (local buffers). */
static uint64_t guest_local_used(const struct guest_kernel *k, uint32_t index)
{
	uint64_t used = 0;

	for (const struct guest_buf *b = k->bufs; b; b = b->next) {
		used += b->local && b->heap_index == index ? b->size : 0;
	}
	return used;
}

/* ---------------------------------------------------------------------- */
/* Ops                                                                     */

static int guest_do_heap_list(struct guest_kernel *k, size_t *resp_len)
{
	struct rheapd_heap_list head = { 0 };
	uint8_t *p = k->resp + sizeof(head);
	for (uint32_t i = 0; i < k->heap_count; i++) {
		struct guest_heap_info hi = { 0 };
		struct rheapd_heap_info e = { 0 };
		int rc = guest_drv_heap_info(&k->drv, i, &hi);

		if (rc) {
			return rc;
		}
		memcpy(e.name, hi.name, sizeof(e.name));
		e.heap_id = i;
		if (hi.flags & VIRTIO_RHEAP_HEAP_RESTRICTED) {
			e.flags = RHEAPD_HEAP_RESTRICTED;
			e.capacity = hi.capacity;
			e.used = hi.vm_used;
		} else {
			/* The guest's own system heap: bounded by its RAM. */
			e.capacity = 0;
			e.used = guest_local_used(k, i);
		}
		memcpy(p + (size_t)head.count * sizeof(e), &e, sizeof(e));
		head.count++;
	}
	memcpy(k->resp, &head, sizeof(head));
	*resp_len = sizeof(head) + (size_t)head.count *
					   sizeof(struct rheapd_heap_info);
	return 0;
}

/* A system heap's buffer: the guest's own sealed memfd (as rheapd's). */
static int guest_alloc_local(struct guest_kernel *k, struct guest_buf *b,
			     const struct rheapd_alloc_args *a, int *fd)
{
	uint64_t size = a->size; /* page-rounded; a wrap was refused */
	int rc = 0;

	if (size > k->env->ram_size - k->local_bytes) {
		return -ENOMEM;
	}
	rc = khandle_create_system(k->handles, b, size,
				   (a->fd_flags & RHEAPD_O_ACCMODE) == 0,
				   fd);
	if (rc) {
		return rc;
	}
	b->id = k->next_local_id--;
	b->size = size;
	b->local = true;
	k->local_bytes += size;
	return 0;
}

static int guest_do_alloc(struct guest_kernel *k, const struct rheapd_req *req,
			  size_t *resp_len, int *out_fd)
{
	struct rheapd_alloc_args a = { 0 };
	struct rheapd_alloc_resp r = { 0 };
	struct guest_buf *b = NULL;
	int fd = -1;
	int rc = rheapd_alloc_decode(req->payload, req->payload_len, &a);

	if (rc) {
		return rc;
	}
	if (a.heap_id >= k->heap_count) {
		return -ENOENT;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		return -ENOMEM;
	}
	if (!(k->heaps[a.heap_id].flags & VIRTIO_RHEAP_HEAP_RESTRICTED)) {
		rc = guest_alloc_local(k, b, &a, &fd);
		if (rc) {
			goto err_free;
		}
		goto done;
	}
	rc = guest_drv_alloc(&k->drv, a.heap_id, a.len, a.fd_flags, &b->id,
			     &b->size);
	if (rc) {
		goto err_free;
	}
	/* librheap wants page multiples; a granule smaller than a page is
	 * not one the host heaps use. */
	if (b->size % GUEST_PAGE_SIZE != 0) {
		rc = -EINVAL;
		goto err_virtio_free;
	}
	rc = khandle_create_restricted(k->handles, b, &fd);
	if (rc) {
		goto err_virtio_free;
	}
done:
	b->heap_index = a.heap_id;
	b->handle_open = true;
	b->next = k->bufs;
	k->bufs = b;
	k->buf_count++;
	r.buf_id = b->id;
	r.size = b->size;
	r.data_size = a.data_size;
	memcpy(k->resp, &r, sizeof(r));
	memcpy(k->resp + sizeof(r), a.data, a.data_size);
	*resp_len = sizeof(r) + a.data_size;
	*out_fd = fd;
	return 0;

err_virtio_free:
	(void)guest_drv_free(&k->drv, b->id);
err_free:
	free(b);
	return rc;
}

static int guest_buf_from_fd(struct guest_kernel *k, int fd,
			     struct guest_buf **out)
{
	void *owner = NULL;
	int rc = khandle_lookup(k->handles, fd, &owner);

	if (rc) {
		return rc;
	}
	*out = owner;
	return 0;
}

static int guest_do_import(struct guest_kernel *k, int fd, size_t *resp_len)
{
	struct rheapd_buf_info r = { 0 };
	struct guest_buf *b = NULL;
	int rc = guest_buf_from_fd(k, fd, &b);

	if (rc) {
		return rc;
	}
	r.buf_id = b->id;
	r.size = b->size;
	r.heap_id = b->heap_index;
	r.flags = b->local ? 0 : RHEAPD_HEAP_RESTRICTED;
	memcpy(r.heap, k->heaps[b->heap_index].name, sizeof(r.heap));
	memcpy(k->resp, &r, sizeof(r));
	*resp_len = sizeof(r);
	return 0;
}

static int guest_do_attach(struct guest_kernel *k, struct guest_client *c,
			   const struct rheapd_req *req, int fd,
			   size_t *resp_len)
{
	struct rheapd_attach_req ar = { 0 };
	struct rheapd_attach_resp r = { 0 };
	struct virtio_rheap_attach_seg segs[GUEST_SEGS_MAX] = { { 0 } };
	struct guest_attach *a = NULL;
	struct guest_buf *b = NULL;
	uint32_t n = 0;
	int rc = rheapd_attach_decode(req->payload, req->payload_len, &ar);

	if (rc) {
		return rc;
	}
	rc = guest_buf_from_fd(k, fd, &b);
	if (rc) {
		return rc;
	}
	if (b->local) {
		return -EOPNOTSUPP; /* guest memory: no device path (vmm.md) */
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		return -ENOMEM;
	}
	rc = guest_drv_attach(&k->drv, b->id, ar.device,
			      (ar.flags & RHEAPD_ATTACH_WRITE)
				      ? VIRTIO_RHEAP_ATTACH_WRITE
				      : 0,
			      &a->id, segs, GUEST_SEGS_MAX, &n);
	if (rc) {
		free(a);
		return rc;
	}
	a->client = c->id;
	a->buf = b;
	memcpy(a->device, ar.device, sizeof(a->device));
	a->device[sizeof(a->device) - 1u] = '\0';
	a->next = k->attaches;
	k->attaches = a;
	b->attach_count++;
	r.attach_id = a->id;
	r.seg_count = n;
	memcpy(k->resp, &r, sizeof(r));
	for (uint32_t i = 0; i < n; i++) {
		struct rheapd_attach_seg s = { segs[i].iova, segs[i].size };

		memcpy(k->resp + sizeof(r) + i * sizeof(s), &s, sizeof(s));
	}
	*resp_len = sizeof(r) + n * sizeof(struct rheapd_attach_seg);
	return 0;
}

static int guest_do_detach(struct guest_kernel *k, struct guest_client *c,
			   const struct rheapd_req *req)
{
	struct rheapd_detach_req dr = { 0 };

	memcpy(&dr, req->payload, sizeof(dr));
	for (struct guest_attach **l = &k->attaches; *l; l = &(*l)->next) {
		if ((*l)->id == dr.attach_id && (*l)->client == c->id) {
			/* -EBUSY: a decoder context of this VM has it queued
			 * (rheapd's answer); the attachment stays. */
			int rc = guest_drv_detach(&k->drv, dr.attach_id);

			if (rc == -EBUSY) {
				return rc;
			}
			guest_attach_forget(k, l);
			return 0;
		}
	}
	return -ENOENT;
}

/* ---------------------------------------------------------------------- */
/* TEE                                                                     */

static uint32_t guest_ld32(const uint8_t *p)
{
	uint32_t v = 0;

	memcpy(&v, p, sizeof(v));
	return v;
}

static struct guest_sess **guest_sess_find(struct guest_kernel *k,
					   uint32_t client, uint32_t id)
{
	for (struct guest_sess **l = &k->sessions; *l; l = &(*l)->next) {
		if ((*l)->id == id && (*l)->client == client) {
			return l;
		}
	}
	return NULL;
}

static struct guest_shm **guest_shm_find(struct guest_kernel *k,
					 uint32_t client, uint32_t id)
{
	for (struct guest_shm **l = &k->shms; *l; l = &(*l)->next) {
		if ((*l)->id == id && (*l)->client == client) {
			return l;
		}
	}
	return NULL;
}

/* The IDs a TEE request names must be the client's (as rheapd's ktee:
 * another connection's are unknown). Short payloads are the device's to
 * refuse. */
static int guest_tee_owned(struct guest_kernel *k, uint32_t client,
			   uint16_t op, const uint8_t *p, size_t n)
{
	switch (op) {
	case RHEAPD_OP_TEE_CLOSE:
	case RHEAPD_OP_TEE_CANCEL:
	case RHEAPD_OP_TEE_INVOKE:
		if (n >= 4u && !guest_sess_find(k, client, guest_ld32(p))) {
			return -ENOENT;
		}
		if (op != RHEAPD_OP_TEE_INVOKE ||
		    n < sizeof(struct rheapd_tee_invoke)) {
			return 0;
		}
		for (uint32_t i = 0; i < RHEAPD_TEE_PARAMS; i++) {
			const uint8_t *prm =
				p + offsetof(struct rheapd_tee_invoke, params) +
				i * sizeof(struct rheapd_tee_param);
			uint32_t type = guest_ld32(prm);

			if (type >= TEEC_MEMREF_PARTIAL_INPUT &&
			    type <= TEEC_MEMREF_PARTIAL_INOUT &&
			    !guest_shm_find(k, client, guest_ld32(prm + 4))) {
				return -ENOENT;
			}
		}
		return 0;
	case RHEAPD_OP_TEE_SHM_RELEASE:
		if (n >= 4u && !guest_shm_find(k, client, guest_ld32(p))) {
			return -ENOENT;
		}
		return 0;
	default:
		return 0;
	}
}

/* Record what an answered request changed. Return -ENOMEM when the
 * bookkeeping fails (the caller undoes the request on the device). */
static int guest_tee_record(struct guest_kernel *k, uint32_t client,
			    uint16_t op, const uint8_t *p, size_t n,
			    size_t resp_len, struct guest_buf *b)
{
	struct guest_sess **sl = NULL;
	struct guest_shm **ml = NULL;

	if (op == RHEAPD_OP_TEE_OPEN &&
	    resp_len >= sizeof(struct rheapd_tee_open_resp)) {
		struct rheapd_tee_open_resp o = { 0 };
		struct guest_sess *ns = NULL;

		memcpy(&o, k->resp, sizeof(o));
		if (o.result.ret != TEEC_SUCCESS) {
			return 0;
		}
		ns = calloc(1, sizeof(*ns));
		if (!ns) {
			return -ENOMEM;
		}
		*ns = (struct guest_sess){ o.session, client, k->sessions };
		k->sessions = ns;
	} else if (op == RHEAPD_OP_TEE_CLOSE && n >= 4u &&
		   (sl = guest_sess_find(k, client, guest_ld32(p))) != NULL) {
		struct guest_sess *gone = *sl;

		*sl = gone->next;
		free(gone);
	} else if (op == RHEAPD_OP_TEE_SHM_REGISTER_FD &&
		   resp_len >= sizeof(struct rheapd_tee_shm_resp)) {
		struct rheapd_tee_shm_resp r = { 0 };
		struct guest_shm *nm = calloc(1, sizeof(*nm));

		if (!nm) {
			return -ENOMEM;
		}
		memcpy(&r, k->resp, sizeof(r));
		*nm = (struct guest_shm){ r.shm_id, client, b, k->shms };
		k->shms = nm;
		b->tee_refs++;
	} else if (op == RHEAPD_OP_TEE_SHM_RELEASE && n >= 4u &&
		   (ml = guest_shm_find(k, client, guest_ld32(p))) != NULL) {
		struct guest_shm *gone = *ml;

		*ml = gone->next;
		gone->buf->tee_refs--;
		guest_buf_maybe_free(k, gone->buf);
		free(gone);
	}
	return 0;
}

static int guest_do_tee(struct guest_kernel *k, struct guest_client *c,
			const struct rheapd_req *req, int fd, size_t *resp_len)
{
	const uint16_t op = req->hdr.op;
	struct guest_buf *b = NULL;
	uint64_t buffer_id = 0;
	int rc = 0;

	if (op == RHEAPD_OP_TEE_SHM_REGISTER_FD) {
		if (fd < 0) {
			return -EINVAL;
		}
		rc = guest_buf_from_fd(k, fd, &b);
		if (rc) {
			return rc;
		}
		if (b->local) {
			return -EOPNOTSUPP; /* guest memory: docs/vmm.md */
		}
		buffer_id = b->id;
	} else if (fd >= 0) {
		return -EINVAL; /* as ktee: an fd the op does not take */
	}
	rc = guest_tee_owned(k, c->id, op, req->payload, req->payload_len);
	if (rc) {
		return rc;
	}
	rc = guest_drv_tee(&k->drv, op, buffer_id, req->payload,
			   req->payload_len, k->resp,
			   GUEST_TEE_RESP_MAX, resp_len);
	if (rc) {
		return rc;
	}
	rc = guest_tee_record(k, c->id, op, req->payload, req->payload_len,
			      *resp_len, b);
	if (rc) {
		/* Not recorded: undo on the device, so nothing is orphaned. */
		uint8_t undo[8] = { 0 };
		size_t n = 0;

		memcpy(undo, k->resp + (op == RHEAPD_OP_TEE_OPEN ? 8 : 0), 4);
		(void)guest_drv_tee(&k->drv,
				    op == RHEAPD_OP_TEE_OPEN ?
					    RHEAPD_OP_TEE_CLOSE :
					    RHEAPD_OP_TEE_SHM_RELEASE,
				    0, undo, sizeof(undo), k->resp,
				    GUEST_TEE_RESP_MAX,
				    &n);
	}
	return rc;
}

/* A client went: its sessions closed, then its registrations released
 * (rheapd's ktee_client_gone() order). */
static void guest_tee_client_gone(struct guest_kernel *k, uint32_t client)
{
	struct guest_sess **sl = &k->sessions;
	struct guest_shm **ml = &k->shms;

	while (*sl) {
		struct guest_sess *s = *sl;
		uint8_t req[8] = { 0 };
		size_t n = 0;

		if (s->client != client) {
			sl = &s->next;
			continue;
		}
		memcpy(req, &s->id, 4);
		(void)guest_drv_tee(&k->drv, RHEAPD_OP_TEE_CLOSE, 0, req,
				    sizeof(req), k->resp,
				    GUEST_TEE_RESP_MAX,
				    &n);
		*sl = s->next;
		free(s);
	}
	while (*ml) {
		struct guest_shm *m = *ml;
		uint8_t req[8] = { 0 };
		size_t n = 0;

		if (m->client != client) {
			ml = &m->next;
			continue;
		}
		memcpy(req, &m->id, 4);
		(void)guest_drv_tee(&k->drv, RHEAPD_OP_TEE_SHM_RELEASE, 0, req,
				    sizeof(req), k->resp,
				    GUEST_TEE_RESP_MAX,
				    &n);
		*ml = m->next;
		m->buf->tee_refs--;
		guest_buf_maybe_free(k, m->buf);
		free(m);
	}
}

static uint64_t guest_count_sess(const struct guest_kernel *k)
{
	uint64_t n = 0;

	for (const struct guest_sess *s = k->sessions; s; s = s->next) {
		n++;
	}
	return n;
}

static uint64_t guest_count_devctx(const struct guest_kernel *k)
{
	uint64_t n = 0;

	for (const struct guest_devctx *x = k->devctxs; x; x = x->next) {
		n++;
	}
	return n;
}

static uint64_t guest_count_shm(const struct guest_kernel *k)
{
	uint64_t n = 0;

	for (const struct guest_shm *m = k->shms; m; m = m->next) {
		n++;
	}
	return n;
}

static uint64_t guest_heap_bufs(const struct guest_kernel *k, uint32_t index)
{
	uint64_t n = 0;

	for (const struct guest_buf *b = k->bufs; b; b = b->next) {
		n += b->heap_index == index;
	}
	return n;
}

static int guest_do_status(struct guest_kernel *k, size_t *resp_len)
{
	const size_t cap = GUEST_TEE_RESP_MAX;
	struct json_writer w = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	uint32_t clients = 0;
	int rc = 0;

	if (!f) {
		return -ENOMEM;
	}
	for (struct guest_client *c = k->clients; c; c = c->next) {
		clients++;
	}
	json_writer_init(&w, f);
	json_write_object_begin(&w);
	json_write_key(&w, "guest");
	json_write_object_begin(&w);
	json_write_member_u64(&w, "vm_id", k->drv.cfg.vm_id);
	json_write_member_u64(&w, "pid", (uint64_t)getpid());
	json_write_member_string(&w, "device",
				 k->drv.state == GUEST_DRV_LIVE ? "live"
								: "dead");
	json_write_member_u64(&w, "features", k->drv.features);
	json_write_member_u64(&w, "queue_size", k->drv.queue_size);
	json_write_member_u64(&w, "quota_bytes", k->drv.cfg.quota_bytes);
	json_write_member_u64(&w, "quota_buffers", k->drv.cfg.quota_buffers);
	json_write_member_u64(&w, "quota_attachments",
			      k->drv.cfg.quota_attachments);
	json_write_member_u64(&w, "requests", k->drv.stats.requests);
	json_write_member_u64(&w, "request_errors", k->drv.stats.errors);
	json_write_member_u64(&w, "kicks", k->drv.stats.kicks);
	json_write_member_u64(&w, "interrupts", k->drv.stats.irqs);
	json_write_member_u64(&w, "frees_failed", k->frees_failed);
	json_write_member_u64(&w, "clients", clients);
	json_write_member_u64(&w, "tee_sessions", guest_count_sess(k));
	json_write_member_u64(&w, "tee_registrations", guest_count_shm(k));
	json_write_member_u64(&w, "device_contexts", guest_count_devctx(k));
	json_write_member_u64(&w, "local_bytes", k->local_bytes);
	json_write_member_u64(&w, "ram_pages_used",
			      guest_pages_taken(&k->drv.pages));
	json_write_object_end(&w);
	json_write_key(&w, "heaps");
	json_write_array_begin(&w);
	for (uint32_t i = 0;
	     i < k->drv.cfg.heap_count && i < GUEST_HEAPS_MAX &&
	     k->drv.state == GUEST_DRV_LIVE;
	     i++) {
		struct guest_heap_info hi = { 0 };
		bool restricted = false;

		if (guest_drv_heap_info(&k->drv, i, &hi) != 0) {
			break;
		}
		restricted = hi.flags & VIRTIO_RHEAP_HEAP_RESTRICTED;
		json_write_object_begin(&w);
		json_write_member_u64(&w, "id", i);
		json_write_member_string(&w, "name", hi.name);
		json_write_member_bool(&w, "restricted", restricted);
		json_write_member_u64(&w, "capacity",
				      restricted ? hi.capacity : 0);
		json_write_member_u64(&w, "used",
				      restricted ? hi.vm_used :
						   guest_local_used(k, i));
		json_write_member_u64(&w, "buffers", guest_heap_bufs(k, i));
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_key(&w, "buffers");
	json_write_array_begin(&w);
	for (struct guest_buf *b = k->bufs; b; b = b->next) {
		json_write_object_begin(&w);
		json_write_member_u64(&w, "id", b->id);
		json_write_member_u64(&w, "heap_id", b->heap_index);
		json_write_member_u64(&w, "size", b->size);
		json_write_member_bool(&w, "handle_open", b->handle_open);
		json_write_member_bool(&w, "local", b->local);
		json_write_member_u64(&w, "attachments", b->attach_count);
		json_write_member_u64(&w, "tee_registrations", b->tee_refs);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_key(&w, "attachments");
	json_write_array_begin(&w);
	for (struct guest_attach *a = k->attaches; a; a = a->next) {
		json_write_object_begin(&w);
		json_write_member_u64(&w, "id", a->id);
		json_write_member_u64(&w, "buffer", a->buf->id);
		json_write_member_u64(&w, "client", a->client);
		json_write_member_string(&w, "device", a->device);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_object_end(&w);
	rc = json_writer_finish(&w);
	if (fclose(f) != 0 || rc != 0) {
		rc = -ENOMEM;
	} else if (len > cap) {
		rc = -ENOSPC;
	} else {
		memcpy(k->resp, text, len);
		*resp_len = len;
	}
	free(text);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Device jobs (F_DEVJOB)                                                  */

static uint32_t guest_dev_close_cmd(uint32_t cmd)
{
	return strcmp(rheapd_device_cmd_device(cmd), "vdec") == 0
		       ? DEVICE_CMD_VDEC_CLOSE
		       : DEVICE_CMD_DISPLAY_CLOSE;
}

static struct guest_devctx **guest_devctx_find(struct guest_kernel *k,
					       uint32_t client, uint32_t cmd,
					       uint64_t id)
{
	uint32_t close_cmd = guest_dev_close_cmd(cmd);

	for (struct guest_devctx **l = &k->devctxs; *l; l = &(*l)->next) {
		if ((*l)->id == id && (*l)->client == client &&
		    (*l)->close_cmd == close_cmd) {
			return l;
		}
	}
	return NULL;
}

/* A [buf] slot's attachment: this client's (-ENOENT), to @device
 * (-EINVAL), as rheapd checks them. */
static int guest_dev_att(const struct guest_kernel *k, uint32_t client,
			 const char *device, uint64_t id)
{
	for (const struct guest_attach *a = k->attaches; a; a = a->next) {
		if (a->id == id && a->client == client) {
			return strcmp(a->device, device) == 0 ? 0 : -EINVAL;
		}
	}
	return -ENOENT;
}

/* The codec config of a VDEC_OPEN: @size bytes of the memfd @fd. */
static int guest_dev_config(int fd, uint64_t size, uint8_t **out)
{
	struct stat st = { 0 };
	uint8_t *p = NULL;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < size) {
		return -EINVAL;
	}
	p = malloc((size_t)size);
	if (!p) {
		return -ENOMEM;
	}
	if (pread(fd, p, (size_t)size, 0) != (ssize_t)size) {
		free(p);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

/* rheapd's checks of the slots and the fd; *@buffer_id for GPU_READ. */
static int guest_dev_prepare(struct guest_kernel *k, struct guest_client *c,
			     const struct rheapd_device_req *r, int fd,
			     uint64_t *buffer_id, struct guest_devctx ***ctx)
{
	struct guest_buf *b = NULL;
	int rc = 0;

	switch (r->cmd) {
	case DEVICE_CMD_VDEC_OPEN:
	case DEVICE_CMD_DISPLAY_OPEN:
		return 0;
	case DEVICE_CMD_GPU_READ:
		rc = guest_buf_from_fd(k, fd, &b);
		if (rc) {
			return rc;
		}
		if (b->local) {
			return -EOPNOTSUPP; /* guest memory: docs/vmm.md */
		}
		*buffer_id = b->id;
		return 0;
	default:
		break;
	}
	*ctx = guest_devctx_find(k, c->id, r->cmd, r->args[0]);
	if (!*ctx) {
		return -ENOENT;
	}
	switch (r->cmd) {
	case DEVICE_CMD_VDEC_QUEUE_OUT:
		return guest_dev_att(k, c->id, r->device, r->args[2]);
	case DEVICE_CMD_VDEC_DECODE:
		if (r->args[1] == 0 && r->args[2] == 0 && r->args[3] == 0) {
			return 0; /* no data (EOS drain) */
		}
		return guest_dev_att(k, c->id, r->device, r->args[1]);
	case DEVICE_CMD_DISPLAY_SHOW:
		return guest_dev_att(k, c->id, r->device, r->args[1]);
	default:
		return 0;
	}
}

/*
 * A command of another device (or of no device the guest knows of): the
 * host refuses it before looking at a slot (-ENOENT, -EOPNOTSUPP), so it
 * goes with its slots zeroed; a GPU_READ needs one of the VM's buffers.
 */
static int guest_dev_mismatch(struct guest_kernel *k,
			      const struct rheapd_device_req *r, int fd,
			      uint64_t res[8])
{
	const uint64_t zero[8] = { 0 };
	struct guest_buf *b = NULL;
	uint64_t buffer_id = 0;

	if (r->cmd == DEVICE_CMD_GPU_READ) {
		if (guest_buf_from_fd(k, fd, &b) != 0 || b->local) {
			return -EOPNOTSUPP;
		}
		buffer_id = b->id;
	}
	return guest_drv_device(&k->drv, r->device, r->cmd, zero, buffer_id,
				NULL, 0, res);
}

static int guest_do_device(struct guest_kernel *k, struct guest_client *c,
			   const struct rheapd_req *req, int fd,
			   size_t *resp_len)
{
	struct rheapd_device_req r = { .cmd = 0 };
	struct rheapd_device_resp w = { { 0 } };
	struct guest_devctx **ctx = NULL;
	struct guest_devctx *fresh = NULL;
	uint8_t *config = NULL;
	uint64_t buffer_id = 0;
	int rc = rheapd_device_decode(req->payload, req->payload_len, fd >= 0,
				      &r);

	if (rc) {
		return rc;
	}
	/* As rheapd: past the decoder, the results travel with any status. */
	memset(k->resp, 0, sizeof(w));
	*resp_len = sizeof(w);
	if (!guest_drv_has(&k->drv, VIRTIO_RHEAP_F_DEVJOB)) {
		return -EOPNOTSUPP; /* a device without device jobs */
	}
	if (strcmp(rheapd_device_cmd_device(r.cmd), r.device) != 0) {
		rc = guest_dev_mismatch(k, &r, fd, w.res);
		memcpy(k->resp, &w, sizeof(w));
		return rc;
	}
	rc = guest_dev_prepare(k, c, &r, fd, &buffer_id, &ctx);
	if (rc) {
		return rc;
	}
	if (r.cmd == DEVICE_CMD_VDEC_OPEN && r.args[3] != 0) {
		rc = guest_dev_config(fd, r.args[3], &config);
		if (rc) {
			goto out;
		}
	}
	if (r.cmd == DEVICE_CMD_VDEC_OPEN || r.cmd == DEVICE_CMD_DISPLAY_OPEN) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = guest_drv_device(&k->drv, r.device, r.cmd, r.args, buffer_id,
			      config, config ? (size_t)r.args[3] : 0, w.res);
	if (rc == 0 && fresh) {
		fresh->id = w.res[0];
		fresh->client = c->id;
		fresh->close_cmd = guest_dev_close_cmd(r.cmd);
		fresh->next = k->devctxs;
		k->devctxs = fresh; /* the list owns it now */
		fresh = NULL;
	}
	if (ctx && (r.cmd == DEVICE_CMD_VDEC_CLOSE ||
		    r.cmd == DEVICE_CMD_DISPLAY_CLOSE)) {
		struct guest_devctx *gone = *ctx;

		*ctx = gone->next; /* whatever the answer, as rheapd */
		free(gone);
	}
	memcpy(k->resp, &w, sizeof(w));
out:
	free(fresh);
	free(config);
	return rc;
}

/* A client went: its contexts closed on the device (rheapd's
 * rheapd_device_client_gone()). */
static void guest_dev_client_gone(struct guest_kernel *k, uint32_t client)
{
	struct guest_devctx **l = &k->devctxs;

	while (*l) {
		struct guest_devctx *x = *l;
		uint64_t args[8] = { x->id };
		uint64_t res[8] = { 0 };
		int rc = 0;

		if (x->client != client) {
			l = &x->next;
			continue;
		}
		rc = guest_drv_device(&k->drv,
				      x->close_cmd == DEVICE_CMD_VDEC_CLOSE
					      ? "vdec"
					      : "display",
				      x->close_cmd, args, 0, NULL, 0, res);
		if (rc && k->drv.state == GUEST_DRV_LIVE) {
			fprintf(stderr, "guest %u: closing context %llu: %s\n",
				k->drv.cfg.vm_id, (unsigned long long)x->id,
				rheap_err_name(rc));
		}
		*l = x->next;
		free(x);
	}
}

/* ---------------------------------------------------------------------- */
/* Clients                                                                 */

static struct guest_client *guest_client_find(struct guest_kernel *k,
					      uint32_t id)
{
	for (struct guest_client *c = k->clients; c; c = c->next) {
		if (c->id == id) {
			return c;
		}
	}
	return NULL;
}

static void guest_client_close(struct guest_kernel *k, struct guest_client *c)
{
	struct guest_attach **l = &k->attaches;

	guest_tee_client_gone(k, c->id);
	guest_dev_client_gone(k, c->id);
	while (*l) {
		if ((*l)->client == c->id) {
			guest_attach_drop(k, l);
		} else {
			l = &(*l)->next;
		}
	}
	(void)epoll_ctl(k->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (struct guest_client **cl = &k->clients; *cl; cl = &(*cl)->next) {
		if (*cl == c) {
			*cl = c->next;
			break;
		}
	}
	free(c);
}

static void guest_accept(struct guest_kernel *k)
{
	for (;;) {
		struct guest_client *c = NULL;
		struct epoll_event ev = { 0 };
		int fd = accept4(k->listen_fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->id = ++k->next_client;
		c->fd = fd;
		ev.events = EPOLLIN;
		ev.data.u64 = GUEST_TAG_CLIENT_BASE + (uint64_t)c->id;
		if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			free(c);
			close(fd);
			continue;
		}
		c->next = k->clients;
		k->clients = c;
	}
}

static int guest_dispatch(struct guest_kernel *k, struct guest_client *c,
			  const struct rheapd_req *req, int fd,
			  size_t *resp_len, int *out_fd)
{
	switch (req->hdr.op) {
	case RHEAPD_OP_HEAP_LIST:
		return guest_do_heap_list(k, resp_len);
	case RHEAPD_OP_ALLOC:
		return guest_do_alloc(k, req, resp_len, out_fd);
	case RHEAPD_OP_IMPORT:
		return guest_do_import(k, fd, resp_len);
	case RHEAPD_OP_ATTACH:
		return guest_do_attach(k, c, req, fd, resp_len);
	case RHEAPD_OP_DETACH:
		return guest_do_detach(k, c, req);
	case RHEAPD_OP_STATUS:
		return guest_do_status(k, resp_len);
	case RHEAPD_OP_TEE_OPEN:
	case RHEAPD_OP_TEE_CLOSE:
	case RHEAPD_OP_TEE_INVOKE:
	case RHEAPD_OP_TEE_SHM_REGISTER_FD:
	case RHEAPD_OP_TEE_SHM_RELEASE:
	case RHEAPD_OP_TEE_CANCEL:
		return guest_do_tee(k, c, req, fd, resp_len);
	case RHEAPD_OP_DEVICE:
		return guest_do_device(k, c, req, fd, resp_len);
	default:
		return -EOPNOTSUPP; /* rheapd_req_check() knows no other */
	}
}

/* One request of one client, for uapi_io_serve_one(). */
struct guest_call {
	struct guest_kernel *k;
	struct guest_client *c;
};

static int guest_handle(void *ctx, const struct rheapd_req *req, int fd,
			size_t *resp_len, int *out_fd)
{
	struct guest_call *call = ctx;

	/* As rheapd: handles closed before this request are gone before it
	 * is served. */
	(void)khandle_drain(call->k->handles);
	return guest_dispatch(call->k, call->c, req, fd, resp_len, out_fd);
}

/* Read and answer one request. Return false when the client must go. */
static bool guest_serve_one(struct guest_kernel *k, struct guest_client *c)
{
	struct guest_call call = { .k = k, .c = c };

	return uapi_io_serve_one(c->fd, k->msg, k->resp, guest_handle, &call);
}

/* ---------------------------------------------------------------------- */
/* Start, loop, stop                                                       */

static int guest_listen(struct guest_kernel *k)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strnlen(k->env->uapi_path, sizeof(k->env->uapi_path));

	if (len == 0 || len >= sizeof(sa.sun_path) ||
	    len >= sizeof(k->env->uapi_path)) {
		return -EINVAL;
	}
	memcpy(sa.sun_path, k->env->uapi_path, len);
	k->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
					       SOCK_NONBLOCK, 0);
	if (k->listen_fd < 0) {
		return -ENOMEM;
	}
	(void)unlink(sa.sun_path);
	if (bind(k->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sa.sun_path, 0666) != 0 || listen(k->listen_fd, 64) != 0) {
		fprintf(stderr, "guest: cannot listen on %s: %s\n", sa.sun_path,
			strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/* Every heap's name and flags, once (HEAP_INFO 0 .. heap_count - 1). */
static int guest_heaps_load(struct guest_kernel *k)
{
	uint32_t count = k->drv.cfg.heap_count;

	if (count > GUEST_HEAPS_MAX) {
		count = GUEST_HEAPS_MAX;
	}
	for (uint32_t i = 0; i < count; i++) {
		int rc = guest_drv_heap_info(&k->drv, i, &k->heaps[i]);

		if (rc) {
			return rc;
		}
	}
	k->heap_count = count;
	return 0;
}

/* The private handle directory: "<socket>.handles" (0700). */
static int guest_priv_dir(struct guest_kernel *k)
{
	int n = snprintf(k->priv_dir, sizeof(k->priv_dir), "%s.handles",
			 k->env->uapi_path);

	if (n < 0 || (size_t)n >= sizeof(k->priv_dir)) {
		return -EINVAL;
	}
	if (mkdir(k->priv_dir, 0700) != 0 && errno != EEXIST) {
		return -EINVAL;
	}
	return 0;
}

static int guest_epoll_add(struct guest_kernel *k, int fd, uint32_t events,
			   uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -ENOMEM;
}

static void guest_event(struct guest_kernel *k, uint64_t tag)
{
	struct guest_client *c = NULL;

	switch (tag) {
	case GUEST_TAG_LISTEN:
		guest_accept(k);
		return;
	case GUEST_TAG_HANDLES:
		(void)khandle_drain(k->handles);
		return;
	case GUEST_TAG_SIGNAL:
	case GUEST_TAG_MMIO:
		/* A signal, or the vmm closed (or wrote unasked on) the
		 * register socket: stop. */
		if (tag == GUEST_TAG_MMIO) {
			k->drv.state = k->drv.state == GUEST_DRV_LIVE
					       ? GUEST_DRV_DEAD
					       : k->drv.state;
		}
		k->stop = true;
		return;
	default:
		c = guest_client_find(k, (uint32_t)(tag - GUEST_TAG_CLIENT_BASE));
		if (c && !guest_serve_one(k, c)) {
			guest_client_close(k, c);
		}
		return;
	}
}

static void guest_teardown(struct guest_kernel *k)
{
	while (k->clients) {
		guest_client_close(k, k->clients);
	}
	/* Buffers whose handles programs still hold go too: the guest's
	 * kernel is going away, and with it every handle. */
	while (k->bufs) {
		k->bufs->handle_open = false;
		k->bufs->attach_count = 0;
		k->bufs->tee_refs = 0;
		guest_buf_maybe_free(k, k->bufs);
	}
	khandle_table_destroy(k->handles);
	k->handles = NULL;
	if (k->listen_fd >= 0) {
		(void)unlink(k->env->uapi_path);
		close(k->listen_fd);
	}
	if (k->priv_dir[0] != '\0') {
		(void)rmdir(k->priv_dir);
	}
	if (k->sig_fd >= 0) {
		close(k->sig_fd);
	}
	if (k->epfd >= 0) {
		close(k->epfd);
	}
	guest_drv_fini(&k->drv);
}

int guest_main(const struct vt_guest_env *env)
{
	struct guest_kernel *k = calloc(1, sizeof(*k));
	sigset_t set;
	int rc = 0;

	if (!k) {
		return -ENOMEM;
	}
	k->env = env;
	k->next_local_id = UINT64_C(1) << 63;
	k->epfd = -1;
	k->listen_fd = -1;
	k->sig_fd = -1;
	rc = guest_drv_init(&k->drv, env, 0);
	if (rc) {
		fprintf(stderr, "guest %u: virtio-rheap init: %s\n", env->vm_id,
			rheap_err_name(rc));
		free(k);
		return rc;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);
	k->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (k->sig_fd < 0 || k->epfd < 0) {
		rc = -ENOMEM;
		goto out;
	}
	rc = guest_heaps_load(k);
	rc = rc ? rc : guest_priv_dir(k);
	if (rc == 0) {
		rc = khandle_table_create(k->priv_dir, guest_handle_gone, k,
					  &k->handles);
	}
	rc = rc ? rc : guest_listen(k);
	rc = rc ? rc : guest_epoll_add(k, k->listen_fd, EPOLLIN,
				       GUEST_TAG_LISTEN);
	rc = rc ? rc : guest_epoll_add(k, khandle_table_fd(k->handles),
				       EPOLLIN, GUEST_TAG_HANDLES);
	rc = rc ? rc : guest_epoll_add(k, k->sig_fd, EPOLLIN, GUEST_TAG_SIGNAL);
	rc = rc ? rc : guest_epoll_add(k, env->mmio_fd, EPOLLIN,
				       GUEST_TAG_MMIO);
	if (rc) {
		goto out;
	}
	fprintf(stderr, "guest %u: serving %s\n", k->drv.cfg.vm_id,
		env->uapi_path);
	while (!k->stop) {
		struct epoll_event ev[16];
		int n = epoll_wait(k->epfd, ev, 16, 0);

		if (n == 0) {
			/* Idle: make handles ahead, then sleep. As rheapd,
			 * yield first, so that a program sharing the CPU
			 * reads its reply before the refill runs. */
			if (khandle_reserve_count(k->handles) <
			    KHANDLE_RESERVE) {
				(void)sched_yield();
				if (khandle_reserve_one(k->handles) == 1) {
					continue;
				}
			}
			n = epoll_wait(k->epfd, ev, 16, -1);
		}
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			rc = -ENOMEM;
			break;
		}
		for (int i = 0; i < n && !k->stop; i++) {
			guest_event(k, ev[i].data.u64);
		}
	}
out:
	guest_teardown(k);
	free(k);
	return rc;
}
