// SPDX-License-Identifier: BSD-2-Clause
/*
 * The guest side (src/hyp/guest_drv.c, src/hyp/guest.c) against a minimal
 * virtio-rheap device written here: a thread serving the vtransport
 * register socket and the requestq (virtq's device side) over a guest RAM
 * that is an mmap()ed area of this process. Init negotiation (features
 * refused, no VERSION_1, QueueNumMax 0, NEEDS_RESET, no device), request
 * round trips, a silent device (timeout), malformed responses (short,
 * unknown status, wrong tag, contradicting fields) with exact errnos, a
 * configuration-change interrupt announcing NEEDS_RESET, the vmm hanging
 * up; then guest_main's UAPI server through librheap's virtio backend:
 * heap list, alloc, import, attach/detach, last close -> FREE, a held
 * attachment delaying FREE, ownership of attachments per connection,
 * STATUS, refused ops, and the clean stop freeing everything.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/tee_client_api.h>
#include <rheap/virtio_rheap.h>

#include "hyp/guest.h"
#include "hyp/guest_drv.h"
#include "hyp/virtq.h"
#include "hyp/vtransport.h"
#include "lib/lib_internal.h"

#define RAM_SIZE (1024u * 1024u)
#define VM_ID 0x0002u
#define MAX_BUFS 64

/* How the device answers the next requests. */
enum tdev_mode {
	MODE_NORMAL = 0,
	MODE_SILENT,       /* pop, never push */
	MODE_SHORT,        /* written = 8 */
	MODE_BAD_STATUS,   /* status 99 */
	MODE_WRONG_TAG,    /* tag + 1 */
	MODE_NOMEM,        /* status NOMEM */
	MODE_SMALL_SIZE,   /* ALLOC size below len */
	MODE_SEGS_LIE,     /* ATTACH seg_count above what is written */
	MODE_NEEDS_RESET,  /* set NEEDS_RESET + config irq, no answer */
	MODE_HANGUP,       /* close the register socket */
};

struct tbuf {
	uint64_t id;
	uint64_t size;
	uint32_t attaches;
	bool live;
};

struct tdev {
	/* transport */
	int mmio_fd; /* device end */
	int kick_fd;
	int irq_fd;
	int stop_fd;
	pthread_t thread;
	uint8_t *ram;
	struct virtq_mem_range range;
	struct virtq_mem mem;
	struct virtq_dev vq;
	/* registers */
	uint32_t status;
	uint32_t dev_sel;
	uint32_t drv_sel;
	uint64_t drv_features;
	uint32_t queue_num;
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
	uint32_t queue_ready;
	uint32_t isr;
	/* knobs (set before a call) */
	uint64_t offer;
	uint32_t magic;
	uint32_t devid;
	uint32_t qmax;
	bool refuse_features_ok;
	bool state_on_ready;
	_Atomic int mode;
	/* what it saw */
	_Atomic uint32_t allocs;
	_Atomic uint32_t frees;
	_Atomic uint32_t attaches;
	_Atomic uint32_t detaches;
	_Atomic uint32_t live;
	_Atomic uint32_t resets;
	uint64_t next_id;
	uint64_t next_att;
	struct tbuf bufs[MAX_BUFS];
	uint64_t att_buf[MAX_BUFS]; /* attach id - 1 -> buffer id */
};

static struct tdev g_dev;
static struct vt_guest_env g_env;
static char g_dir[64];

/* ------------------------------------------------------------------ */
/* The device                                                           */

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--) {
		v = (v << 8) | p[i - 1];
	}
	return v;
}

static void put_le(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void tdev_config(uint8_t *c)
{
	memset(c, 0, 32);
	put_le(c + 0, 2, VM_ID);
	put_le(c + 2, 2, 2);            /* heaps: restricted + system */
	put_le(c + 4, 4, 4096);         /* max_request */
	put_le(c + 8, 8, 32u << 20);    /* quota_bytes */
	put_le(c + 16, 4, MAX_BUFS);    /* quota_buffers */
	put_le(c + 20, 4, MAX_BUFS);    /* quota_attachments */
	put_le(c + 24, 4, 16);          /* max_segs */
}

static void tdev_reset(struct tdev *d)
{
	d->status = 0;
	d->drv_features = 0;
	d->queue_num = 0;
	d->desc = d->avail = d->used = 0;
	d->queue_ready = 0;
	d->isr = 0;
	virtq_dev_reset(&d->vq);
	d->resets++;
}

static uint32_t tdev_reg(struct tdev *d, const struct vt_mmio_req *rq,
			 uint64_t *val)
{
	uint32_t v = (uint32_t)rq->value;

	if (rq->op == VT_MMIO_READ && rq->offset >= VT_MMIO_CONFIG &&
	    rq->offset + rq->size <= VT_MMIO_CONFIG + 32u) {
		uint8_t c[32];

		tdev_config(c);
		*val = get_le(c + (rq->offset - VT_MMIO_CONFIG), rq->size);
		return VT_MMIO_OK;
	}
	if (rq->op == VT_MMIO_READ) {
		switch (rq->offset) {
		case VT_MMIO_MAGIC:
			*val = d->magic;
			return VT_MMIO_OK;
		case VT_MMIO_VERSION:
			*val = 2;
			return VT_MMIO_OK;
		case VT_MMIO_DEVICE_ID:
			*val = d->devid;
			return VT_MMIO_OK;
		case VT_MMIO_DEV_FEATURES:
			*val = (uint32_t)(d->offer >> (32 * (d->dev_sel & 1)));
			return VT_MMIO_OK;
		case VT_MMIO_QUEUE_NUM_MAX:
			*val = d->qmax;
			return VT_MMIO_OK;
		case VT_MMIO_QUEUE_READY:
			*val = d->queue_ready;
			return VT_MMIO_OK;
		case VT_MMIO_INT_STATUS:
			*val = d->isr;
			return VT_MMIO_OK;
		case VT_MMIO_STATUS:
			*val = d->status;
			return VT_MMIO_OK;
		case VT_MMIO_CONFIG_GEN:
			*val = 7;
			return VT_MMIO_OK;
		default:
			return VT_MMIO_E_BAD;
		}
	}
	switch (rq->offset) {
	case VT_MMIO_DEV_FEATURES_SEL:
		d->dev_sel = v;
		return VT_MMIO_OK;
	case VT_MMIO_DRV_FEATURES_SEL:
		d->drv_sel = v;
		return VT_MMIO_OK;
	case VT_MMIO_DRV_FEATURES:
		if (d->drv_sel == 0) {
			d->drv_features = (d->drv_features >> 32 << 32) | v;
		} else {
			d->drv_features = (uint32_t)d->drv_features |
					  ((uint64_t)v << 32);
		}
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_SEL:
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_NUM:
		d->queue_num = v;
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_DESC_LO:
		d->desc = (d->desc >> 32 << 32) | v;
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_DESC_HI:
		d->desc = (uint32_t)d->desc | ((uint64_t)v << 32);
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_DRIVER_LO:
		d->avail = (d->avail >> 32 << 32) | v;
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_DRIVER_HI:
		d->avail = (uint32_t)d->avail | ((uint64_t)v << 32);
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_DEVICE_LO:
		d->used = (d->used >> 32 << 32) | v;
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_DEVICE_HI:
		d->used = (uint32_t)d->used | ((uint64_t)v << 32);
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_READY: {
		struct virtq_layout lay = { d->desc, d->avail, d->used,
					    d->queue_num,
					    d->drv_features &
						    VIRTQ_FEATURES_KNOWN };

		if (d->state_on_ready || v != 1 ||
		    virtq_dev_init(&d->vq, &d->mem, &lay, NULL, NULL) != 0) {
			d->status |= GUEST_ST_NEEDS_RESET;
			return VT_MMIO_E_STATE;
		}
		(void)virtq_dev_set_notify(&d->vq, true);
		d->queue_ready = 1;
		return VT_MMIO_OK;
	}
	case VT_MMIO_INT_ACK:
		d->isr &= ~v;
		return VT_MMIO_OK;
	case VT_MMIO_STATUS:
		if (v == 0) {
			tdev_reset(d);
			return VT_MMIO_OK;
		}
		if (d->refuse_features_ok) {
			v &= ~GUEST_ST_FEATURES_OK;
		}
		d->status = v;
		return VT_MMIO_OK;
	default:
		return VT_MMIO_E_BAD;
	}
}

static struct tbuf *tdev_buf(struct tdev *d, uint64_t id)
{
	for (int i = 0; i < MAX_BUFS; i++) {
		if (d->bufs[i].live && d->bufs[i].id == id) {
			return &d->bufs[i];
		}
	}
	return NULL;
}

static void irq(struct tdev *d, uint32_t bits)
{
	uint64_t one = 1;

	d->isr |= bits;
	assert_int_equal(write(d->irq_fd, &one, sizeof(one)), 8);
}

/* Serve one popped chain: request in segs[0], response in the writable. */
static void tdev_serve(struct tdev *d, const struct virtq_seg *segs,
		       const struct virtq_chain *ch)
{
	uint8_t req[256] = { 0 };
	uint8_t *out = segs[ch->readable_count].host;
	uint32_t cap = segs[ch->readable_count].len;
	uint8_t resp[512] = { 0 };
	uint32_t len = 16;
	uint32_t st = VIRTIO_RHEAP_S_OK;
	int mode = atomic_load(&d->mode);
	int rc = 0;

	memcpy(req, segs[0].host, segs[0].len < 256 ? segs[0].len : 256);
	switch ((uint32_t)get_le(req, 4)) {
	case VIRTIO_RHEAP_REQ_HEAP_INFO: {
		uint32_t idx = (uint32_t)get_le(req + 16, 4);

		if (idx > 1) {
			st = VIRTIO_RHEAP_S_NOENT;
			break;
		}
		snprintf((char *)resp + 16, 64, "%s",
			 idx == 0 ? "protected,secure-video" : "system");
		put_le(resp + 80, 4, idx);
		put_le(resp + 84, 4, idx == 0 ? VIRTIO_RHEAP_HEAP_RESTRICTED : 0);
		put_le(resp + 88, 8, 4096);
		put_le(resp + 96, 8, 32u << 20);
		put_le(resp + 104, 8, 4096u * atomic_load(&d->live));
		len = 112;
		break;
	}
	case VIRTIO_RHEAP_REQ_ALLOC: {
		uint64_t l = get_le(req + 24, 8);
		struct tbuf *b = NULL;

		for (int i = 0; i < MAX_BUFS && !b; i++) {
			b = d->bufs[i].live ? NULL : &d->bufs[i];
		}
		if (!b || l == 0) {
			st = l == 0 ? VIRTIO_RHEAP_S_INVAL : VIRTIO_RHEAP_S_NOMEM;
			break;
		}
		b->live = true;
		b->id = ++d->next_id;
		b->size = (l + 4095u) & ~(uint64_t)4095u;
		b->attaches = 0;
		d->allocs++;
		d->live++;
		put_le(resp + 16, 8, b->id);
		put_le(resp + 24, 8,
		       mode == MODE_SMALL_SIZE ? l - 1 : b->size);
		len = 32;
		break;
	}
	case VIRTIO_RHEAP_REQ_FREE: {
		struct tbuf *b = tdev_buf(d, get_le(req + 16, 8));

		if (!b) {
			st = VIRTIO_RHEAP_S_NOENT;
		} else if (b->attaches) {
			st = VIRTIO_RHEAP_S_BUSY;
		} else {
			b->live = false;
			d->frees++;
			d->live--;
		}
		break;
	}
	case VIRTIO_RHEAP_REQ_QUERY: {
		struct tbuf *b = tdev_buf(d, get_le(req + 16, 8));

		if (!b) {
			st = VIRTIO_RHEAP_S_NOENT;
			break;
		}
		put_le(resp + 16, 8, b->id);
		put_le(resp + 24, 8, b->size);
		put_le(resp + 36, 4, VIRTIO_RHEAP_HEAP_RESTRICTED);
		put_le(resp + 40, 4, b->attaches);
		len = 48;
		break;
	}
	case VIRTIO_RHEAP_REQ_ATTACH: {
		struct tbuf *b = tdev_buf(d, get_le(req + 16, 8));

		if (!b || strcmp((char *)req + 24, "vdec") != 0) {
			st = VIRTIO_RHEAP_S_NOENT;
			break;
		}
		b->attaches++;
		d->att_buf[d->next_att] = b->id;
		put_le(resp + 16, 8, ++d->next_att);
		put_le(resp + 24, 4, mode == MODE_SEGS_LIE ? 3 : 2);
		put_le(resp + 32, 8, 0x80000000u);
		put_le(resp + 40, 8, b->size / 2 ? b->size / 2 : 1);
		put_le(resp + 48, 8, 0x90000000u);
		put_le(resp + 56, 8, b->size - b->size / 2);
		d->attaches++;
		len = 64;
		break;
	}
	case VIRTIO_RHEAP_REQ_DETACH: {
		uint64_t a = get_le(req + 16, 8);
		struct tbuf *b = NULL;

		if (a == 0 || a > d->next_att || d->att_buf[a - 1] == 0) {
			st = VIRTIO_RHEAP_S_NOENT;
			break;
		}
		b = tdev_buf(d, d->att_buf[a - 1]);
		d->att_buf[a - 1] = 0;
		if (b) {
			b->attaches--;
		}
		d->detaches++;
		break;
	}
	case VIRTIO_RHEAP_REQ_FFA:
		put_le(resp + 16, 8, 0x84000061u); /* FFA_SUCCESS_32 */
		put_le(resp + 32, 8, get_le(req + 16, 8));
		len = 160;
		break;
	default:
		st = VIRTIO_RHEAP_S_NOTSUPP;
	}
	if (mode == MODE_NOMEM) {
		st = VIRTIO_RHEAP_S_NOMEM;
	}
	if (mode == MODE_BAD_STATUS) {
		st = 99;
	}
	if (st != VIRTIO_RHEAP_S_OK) {
		len = 16;
	}
	put_le(resp, 4, st);
	put_le(resp + 8, 8, get_le(req + 8, 8) + (mode == MODE_WRONG_TAG));
	if (mode == MODE_SHORT) {
		len = 8;
	}
	if (len > cap) {
		len = cap;
	}
	memcpy(out, resp, len);
	rc = virtq_dev_push(&d->vq, ch->head, len, NULL);
	assert_true(rc >= 0);
	if (rc == 1) {
		irq(d, 1);
	}
}

static void tdev_kick(struct tdev *d)
{
	struct virtq_seg segs[8];
	struct virtq_chain ch = { 0 };
	uint64_t cnt = 0;
	int mode = atomic_load(&d->mode);

	(void)read(d->kick_fd, &cnt, sizeof(cnt));
	if (virtq_dev_state(&d->vq) != VIRTQ_READY) {
		return;
	}
	while (virtq_dev_pop(&d->vq, segs, 8, &ch, NULL) == 1) {
		if (mode == MODE_SILENT) {
			continue;
		}
		if (mode == MODE_NEEDS_RESET) {
			d->status |= GUEST_ST_NEEDS_RESET;
			irq(d, 2);
			continue;
		}
		if (mode == MODE_HANGUP) {
			shutdown(d->mmio_fd, SHUT_RDWR);
			continue;
		}
		tdev_serve(d, segs, &ch);
	}
}

static void *tdev_main(void *arg)
{
	struct tdev *d = arg;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = d->mmio_fd, .events = POLLIN },
			{ .fd = d->kick_fd, .events = POLLIN },
			{ .fd = d->stop_fd, .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0) {
			continue;
		}
		if (p[2].revents) {
			return NULL;
		}
		if (p[1].revents) {
			tdev_kick(d);
		}
		if (p[0].revents & POLLIN) {
			struct vt_mmio_req rq = { 0 };
			struct vt_mmio_resp rs = { 0 };
			ssize_t n = recv(d->mmio_fd, &rq, sizeof(rq), 0);

			if (n <= 0) {
				/* The guest closed or we hung up: wait for
				 * the stop. */
				(void)poll(&p[2], 1, -1);
				return NULL;
			}
			rs.status = tdev_reg(d, &rq, &rs.value);
			(void)send(d->mmio_fd, &rs, sizeof(rs), MSG_NOSIGNAL);
		} else if (p[0].revents) {
			(void)poll(&p[2], 1, -1);
			return NULL;
		}
	}
}

/* A fresh device (knobs at their good values) and guest environment. */
static int dev_setup(void **state)
{
	int sv[2] = { -1, -1 };

	(void)state;
	memset(&g_dev, 0, sizeof(g_dev));
	g_dev.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(g_dev.ram != MAP_FAILED);
	g_dev.range = (struct virtq_mem_range){ 0, RAM_SIZE, g_dev.ram };
	g_dev.mem = (struct virtq_mem){ &g_dev.range, 1 };
	g_dev.offer = VIRTQ_FEATURES_KNOWN |
		      VIRTQ_FEATURE(VIRTIO_RHEAP_F_EVENTQ) |
		      VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA) |
		      VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES);
	g_dev.magic = VT_MMIO_MAGIC_VALUE;
	g_dev.devid = VIRTIO_ID_RHEAP;
	g_dev.qmax = 256;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sv),
			 0);
	g_dev.mmio_fd = sv[0];
	g_dev.kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g_dev.irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g_dev.stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(g_dev.kick_fd >= 0 && g_dev.irq_fd >= 0 &&
		    g_dev.stop_fd >= 0);
	memset(&g_env, 0, sizeof(g_env));
	g_env.vm_id = VM_ID;
	g_env.ram = g_dev.ram;
	g_env.ram_size = RAM_SIZE;
	g_env.mmio_fd = sv[1];
	g_env.kick_fd = g_dev.kick_fd;
	g_env.irq_fd = g_dev.irq_fd;
	snprintf(g_env.uapi_path, sizeof(g_env.uapi_path), "%s/rheapd.sock",
		 g_dir);
	assert_int_equal(pthread_create(&g_dev.thread, NULL, tdev_main,
					&g_dev),
			 0);
	return 0;
}

static int dev_teardown(void **state)
{
	uint64_t one = 1;

	(void)state;
	assert_int_equal(write(g_dev.stop_fd, &one, sizeof(one)), 8);
	pthread_join(g_dev.thread, NULL);
	close(g_dev.mmio_fd);
	close(g_env.mmio_fd);
	close(g_dev.kick_fd);
	close(g_dev.irq_fd);
	close(g_dev.stop_fd);
	munmap(g_dev.ram, RAM_SIZE);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Driver: initialisation                                               */

static void test_init_ok(void **state)
{
	struct guest_drv drv;

	(void)state;
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), 0);
	assert_int_equal(drv.state, GUEST_DRV_LIVE);
	/* Offered EVENTQ is not taken; the rest is. */
	assert_true(drv.features ==
		    (VIRTQ_FEATURES_KNOWN | VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA) |
		     VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES)));
	assert_true(g_dev.drv_features == drv.features);
	assert_int_equal(g_dev.status, GUEST_ST_ACKNOWLEDGE | GUEST_ST_DRIVER |
					       GUEST_ST_FEATURES_OK |
					       GUEST_ST_DRIVER_OK);
	assert_int_equal(drv.queue_size, GUEST_DRV_QUEUE_SIZE);
	assert_int_equal(g_dev.queue_num, GUEST_DRV_QUEUE_SIZE);
	assert_int_equal(drv.cfg.vm_id, VM_ID);
	assert_int_equal(drv.cfg.heap_count, 2);
	assert_int_equal(drv.cfg.max_segs, 16);
	assert_true(drv.cfg.quota_bytes == (32u << 20));
	/* Page 0 is never used; rings and the request page are taken. */
	assert_true(g_dev.desc >= GUEST_PAGE_SIZE);
	assert_int_equal(guest_pages_taken(&drv.pages), 1 + 3 + 1);
	guest_drv_fini(&drv);
	assert_int_equal(g_dev.status, 0);
	assert_int_equal(virtq_dev_state(&g_dev.vq), VIRTQ_RESET);
}

static void test_init_small_queue(void **state)
{
	struct guest_drv drv;

	(void)state;
	g_dev.qmax = 6; /* not a power of two: 4 */
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), 0);
	assert_int_equal(drv.queue_size, 4);
	guest_drv_fini(&drv);
}

static void test_init_refusals(void **state)
{
	struct guest_drv drv;

	(void)state;
	g_dev.offer = VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX); /* no VERSION_1 */
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -EOPNOTSUPP);
	assert_int_equal(g_dev.status, GUEST_ST_FAILED);
	assert_int_equal(drv.state, GUEST_DRV_DOWN);

	g_dev.offer = VIRTQ_FEATURES_KNOWN;
	g_dev.refuse_features_ok = true;
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -EOPNOTSUPP);
	assert_int_equal(g_dev.status, GUEST_ST_FAILED);
	g_dev.refuse_features_ok = false;

	g_dev.qmax = 0;
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -EINVAL);
	g_dev.qmax = 256;

	g_dev.state_on_ready = true; /* QueueReady -> E_STATE, NEEDS_RESET */
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -EBUSY);
	g_dev.state_on_ready = false;

	g_dev.magic = 0x12345678;
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -ENOENT);
	g_dev.magic = VT_MMIO_MAGIC_VALUE;
	g_dev.devid = 2; /* a block device */
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -ENOENT);
	g_dev.devid = VIRTIO_ID_RHEAP;

	/* The config names another VM. */
	g_env.vm_id = VM_ID + 1;
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -EINVAL);
	g_env.vm_id = VM_ID;

	/* Guest RAM too small for anything. */
	g_env.ram_size = 4 * GUEST_PAGE_SIZE;
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -ENOMEM);
	g_env.ram_size = RAM_SIZE;

	/* And a good init still works after all that. */
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), 0);
	guest_drv_fini(&drv);
}

static void test_init_no_vmm(void **state)
{
	struct guest_drv drv;

	(void)state;
	shutdown(g_dev.mmio_fd, SHUT_RDWR);
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), -ENOENT);
}

/* ------------------------------------------------------------------ */
/* Driver: requests                                                     */

static void test_round_trips(void **state)
{
	struct guest_drv drv;
	struct guest_heap_info hi = { 0 };
	struct virtio_rheap_query_resp q = { 0 };
	struct virtio_rheap_attach_seg segs[4] = { { 0 } };
	uint64_t x[VIRTIO_RHEAP_FFA_REGS] = { 0x84000070u };
	uint64_t id = 0;
	uint64_t size = 0;
	uint64_t att = 0;
	uint32_t n = 0;

	(void)state;
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), 0);
	assert_int_equal(guest_drv_heap_info(&drv, 0, &hi), 0);
	assert_string_equal(hi.name, "protected,secure-video");
	assert_int_equal(hi.flags, VIRTIO_RHEAP_HEAP_RESTRICTED);
	assert_int_equal(guest_drv_heap_info(&drv, 1, &hi), 0);
	assert_string_equal(hi.name, "system");
	assert_int_equal(guest_drv_heap_info(&drv, 2, &hi), -ENOENT);

	assert_int_equal(guest_drv_alloc(&drv, 0, 5000, 0x80002, &id, &size),
			 0);
	assert_true(id != 0 && size == 8192);
	assert_int_equal(guest_drv_query(&drv, id, &q), 0);
	assert_true(q.buffer_id == id && q.size == 8192);
	assert_int_equal(guest_drv_attach(&drv, id, "vdec",
					  VIRTIO_RHEAP_ATTACH_WRITE, &att,
					  segs, 4, &n),
			 0);
	assert_int_equal(n, 2);
	assert_true(segs[0].iova == 0x80000000u && segs[0].size == 4096);
	assert_true(segs[1].iova == 0x90000000u && segs[1].size == 4096);
	assert_int_equal(guest_drv_attach(&drv, id, "gpu", 0, &att, segs, 4,
					  &n),
			 -ENOENT);
	/* One segment of room for two: -ENOSPC and the attachment undone. */
	assert_int_equal(guest_drv_attach(&drv, id, "vdec", 0, &att, segs, 1,
					  &n),
			 -ENOSPC);
	assert_int_equal(atomic_load(&g_dev.detaches), 1);
	assert_int_equal(guest_drv_attach(&drv, id, "", 0, &att, segs, 4, &n),
			 -EINVAL);
	assert_int_equal(guest_drv_free(&drv, id), -EBUSY);
	assert_int_equal(guest_drv_detach(&drv, 1), 0);
	assert_int_equal(guest_drv_detach(&drv, 1), -ENOENT);
	assert_int_equal(guest_drv_free(&drv, id), 0);
	assert_int_equal(guest_drv_free(&drv, id), -ENOENT);
	assert_int_equal(guest_drv_ffa(&drv, x), 0);
	assert_true(x[0] == 0x84000061u && x[2] == 0x84000070u);
	assert_int_equal(guest_drv_alloc(&drv, 0, 0, 0, &id, &size), -EINVAL);

	/* A device error is just an errno: the driver stays LIVE. */
	atomic_store(&g_dev.mode, MODE_NOMEM);
	assert_int_equal(guest_drv_alloc(&drv, 0, 4096, 0, &id, &size),
			 -ENOMEM);
	atomic_store(&g_dev.mode, MODE_NORMAL);
	assert_int_equal(drv.state, GUEST_DRV_LIVE);

	/* Many requests: the ring's indices go round. */
	for (int i = 0; i < 300; i++) {
		assert_int_equal(guest_drv_alloc(&drv, 0, 4096, 0, &id, &size),
				 0);
		assert_int_equal(guest_drv_free(&drv, id), 0);
	}
	assert_true(drv.stats.requests >= 600);
	assert_int_equal(drv.stats.kicks, drv.stats.requests);
	guest_drv_fini(&drv);
}

static void test_without_device_features(void **state)
{
	struct guest_drv drv;
	struct virtio_rheap_attach_seg segs[4];
	uint64_t x[VIRTIO_RHEAP_FFA_REGS] = { 0 };
	uint64_t att = 0;
	uint32_t n = 0;

	(void)state;
	g_dev.offer = VIRTQ_FEATURE(VIRTIO_F_VERSION_1);
	assert_int_equal(guest_drv_init(&drv, &g_env, 1000), 0);
	assert_int_equal(drv.features, VIRTQ_FEATURE(VIRTIO_F_VERSION_1));
	assert_int_equal(guest_drv_attach(&drv, 1, "vdec", 0, &att, segs, 4,
					  &n),
			 -EOPNOTSUPP);
	assert_int_equal(guest_drv_ffa(&drv, x), -EOPNOTSUPP);
	guest_drv_fini(&drv);
}

/* One malformed answer: the errno, then the driver is DEAD (-ENOENT). */
static void malformed(int mode, int call, int want)
{
	struct guest_drv drv;
	struct virtio_rheap_attach_seg segs[4];
	struct guest_heap_info hi;
	uint64_t id = 0;
	uint64_t size = 0;
	uint64_t att = 0;
	uint32_t n = 0;
	int rc = 0;

	assert_int_equal(guest_drv_init(&drv, &g_env, 300), 0);
	if (call == 2) {
		assert_int_equal(guest_drv_alloc(&drv, 0, 4096, 0, &id, &size),
				 0);
	}
	atomic_store(&g_dev.mode, mode);
	switch (call) {
	case 0:
		rc = guest_drv_heap_info(&drv, 0, &hi);
		break;
	case 1:
		rc = guest_drv_alloc(&drv, 0, 4096, 0, &id, &size);
		break;
	default:
		rc = guest_drv_attach(&drv, id, "vdec", 0, &att, segs, 4, &n);
		break;
	}
	assert_int_equal(rc, want);
	assert_int_equal(drv.state, GUEST_DRV_DEAD);
	atomic_store(&g_dev.mode, MODE_NORMAL);
	assert_int_equal(guest_drv_heap_info(&drv, 0, &hi), -ENOENT);
	guest_drv_fini(&drv);
}

static void test_malformed_short(void **state)
{
	(void)state;
	malformed(MODE_SHORT, 0, -EINVAL);
}

static void test_malformed_status(void **state)
{
	(void)state;
	malformed(MODE_BAD_STATUS, 0, -EINVAL);
}

static void test_malformed_tag(void **state)
{
	(void)state;
	malformed(MODE_WRONG_TAG, 0, -EINVAL);
}

static void test_malformed_alloc_size(void **state)
{
	(void)state;
	malformed(MODE_SMALL_SIZE, 1, -EINVAL);
	/* The buffer the device did make was freed again. */
	assert_int_equal(atomic_load(&g_dev.frees), 1);
	assert_int_equal(atomic_load(&g_dev.live), 0);
}

static void test_malformed_segs(void **state)
{
	(void)state;
	malformed(MODE_SEGS_LIE, 2, -EINVAL);
	assert_int_equal(atomic_load(&g_dev.detaches), 1);
}

static void test_timeout(void **state)
{
	struct timespec t0;
	struct timespec t1;
	double ms = 0;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	malformed(MODE_SILENT, 0, -ENOENT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms >= 290 && ms < 3000);
}

static void test_needs_reset(void **state)
{
	(void)state;
	malformed(MODE_NEEDS_RESET, 1, -ENOENT);
}

static void test_hangup(void **state)
{
	(void)state;
	malformed(MODE_HANGUP, 1, -ENOENT);
}

static void test_pages(void **state)
{
	uint8_t map[2] = { 0 };
	struct guest_pages p = { map, 16 };
	uint64_t a = 0;
	uint64_t b = 0;

	(void)state;
	assert_int_equal(guest_pages_alloc(&p, 0, &a), -EINVAL);
	assert_int_equal(guest_pages_alloc(&p, 4, &a), 0);
	assert_int_equal(guest_pages_alloc(&p, 12, &b), 0);
	assert_true(a == 0 && b == 4 * GUEST_PAGE_SIZE);
	assert_int_equal(guest_pages_alloc(&p, 1, &b), -ENOMEM);
	guest_pages_free(&p, a + GUEST_PAGE_SIZE, 2);
	assert_int_equal(guest_pages_taken(&p), 14);
	assert_int_equal(guest_pages_alloc(&p, 3, &b), -ENOMEM);
	assert_int_equal(guest_pages_alloc(&p, 2, &b), 0);
	assert_true(b == GUEST_PAGE_SIZE);
}

/* ------------------------------------------------------------------ */
/* The guest kernel through librheap's virtio backend                   */

struct guest_run {
	pthread_t thread;
	int rc;
};

static void *guest_thread(void *arg)
{
	struct guest_run *r = arg;

	r->rc = guest_main(&g_env);
	return NULL;
}

static void guest_start(struct guest_run *r)
{
	struct stat st;

	setenv("RHEAP_BACKEND", "virtio", 1);
	setenv("RHEAP_GUEST_SOCKET", g_env.uapi_path, 1);
	unsetenv("RHEAPD_SOCKET");
	assert_int_equal(pthread_create(&r->thread, NULL, guest_thread, r), 0);
	for (int i = 0; i < 400; i++) {
		if (stat(g_env.uapi_path, &st) == 0) {
			return;
		}
		usleep(5000);
	}
	fail_msg("the guest kernel did not listen");
}

static void guest_stop(struct guest_run *r)
{
	pthread_kill(r->thread, SIGTERM);
	pthread_join(r->thread, NULL);
	unsetenv("RHEAP_BACKEND");
	unsetenv("RHEAP_GUEST_SOCKET");
}

/* Wait until @counter reaches @want (the guest frees asynchronously). */
static bool wait_for(_Atomic uint32_t *counter, uint32_t want)
{
	for (int i = 0; i < 400; i++) {
		if (atomic_load(counter) >= want) {
			return true;
		}
		usleep(5000);
	}
	return false;
}

/*
 * The pure decoders on bytes, without a device. Regression: a QUERY
 * response with its reserved word set was accepted (virtio-rheap.md
 * section 7 makes it malformed; found writing fuzz_guest_resp).
 */
static void test_decoders(void **state)
{
	uint8_t r[32 + 3 * 16] = { 0 };
	struct virtio_rheap_query_resp q = { 0 };
	struct virtio_rheap_attach_seg segs[2] = { { 0 } };
	struct rheap_diag diag = { 0 };
	uint32_t status = 0;
	uint32_t count = 0;
	uint64_t id = 0;

	(void)state;
	/* Header: a known error status is well-formed, an unknown one not. */
	put_le(r, 4, VIRTIO_RHEAP_S_BUSY);
	put_le(r + 8, 8, 9);
	assert_int_equal(guest_drv_resp_check(r, 16, 9, 48, &status, &diag), 0);
	assert_int_equal(status, VIRTIO_RHEAP_S_BUSY);
	put_le(r, 4, 99);
	assert_int_equal(guest_drv_resp_check(r, 16, 9, 48, &status, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "resp.status");
	put_le(r, 4, VIRTIO_RHEAP_S_OK);
	assert_int_equal(guest_drv_resp_check(r, 47, 9, 48, &status, &diag),
			 -EINVAL);

	/* TEE: payload_len must be exactly the bytes after the struct,
	 * reserved 0, the struct whole. */
	{
		uint8_t t[24 + 8] = { 0 };
		uint32_t plen = 99;

		put_le(t + 16, 4, 8);
		assert_int_equal(guest_drv_tee_decode(t, 32, &plen, &diag), 0);
		assert_int_equal(plen, 8);
		assert_int_equal(guest_drv_tee_decode(t, 31, &plen, &diag),
				 -EINVAL);
		assert_string_equal(diag.field, "tee.payload_len");
		assert_int_equal(guest_drv_tee_decode(t, 23, &plen, &diag),
				 -EINVAL);
		assert_string_equal(diag.field, "used.len");
		put_le(t + 20, 4, 1);
		assert_int_equal(guest_drv_tee_decode(t, 32, &plen, &diag),
				 -EINVAL);
		assert_string_equal(diag.field, "tee.reserved");
		put_le(t + 20, 4, 0);
		put_le(t + 16, 4, 0xFFFFFFFFu);
		assert_int_equal(guest_drv_tee_decode(t, 32, &plen, &diag),
				 -EINVAL);
	}

	/* DEVICE: an OK response carries the 8 results whole; an error
	 * may come with them (the job's own) or with the header only (the
	 * hypervisor refused). */
	{
		uint8_t d[80] = { 0 };
		uint64_t res[8] = { 0 };

		put_le(d + 16, 8, 0x100000001ull);
		put_le(d + 72, 8, 77);
		assert_int_equal(guest_drv_device_decode(d, 80,
							 VIRTIO_RHEAP_S_OK, res,
							 &diag),
				 0);
		assert_true(res[0] == 0x100000001ull && res[7] == 77);
		assert_int_equal(guest_drv_device_decode(d, 79,
							 VIRTIO_RHEAP_S_OK, res,
							 &diag),
				 -EINVAL);
		assert_string_equal(diag.field, "used.len");
		assert_int_equal(guest_drv_device_decode(d, 16,
							 VIRTIO_RHEAP_S_NOENT,
							 res, &diag),
				 0);
		assert_true(res[0] == 0 && res[7] == 0);
		assert_int_equal(guest_drv_device_decode(d, 80,
							 VIRTIO_RHEAP_S_NOSPC,
							 res, &diag),
				 0);
		assert_true(res[0] == 0x100000001ull && res[7] == 77);
	}

	/* QUERY: reserved must be 0. */
	put_le(r + 16, 8, 5);
	put_le(r + 24, 8, 4096);
	assert_int_equal(guest_drv_query_decode(r, 48, 5, &q, NULL), 0);
	assert_int_equal(q.size, 4096);
	put_le(r + 44, 4, 1);
	diag = (struct rheap_diag){ 0 };
	q = (struct virtio_rheap_query_resp){ 0 };
	assert_int_equal(guest_drv_query_decode(r, 48, 5, &q, &diag), -EINVAL);
	assert_string_equal(diag.field, "query.reserved");
	assert_int_equal(q.size, 0);
	assert_int_equal(guest_drv_query_decode(r, 47, 5, &q, NULL), -EINVAL);

	/* ATTACH: three segments for a caller with room for two. */
	memset(r + 16, 0, sizeof(r) - 16);
	put_le(r + 16, 8, 7);
	put_le(r + 24, 4, 3);
	for (uint32_t i = 0; i < 3; i++) {
		put_le(r + 32 + 16 * i, 8, 0x10000 * (i + 1));
		put_le(r + 40 + 16 * i, 8, 0x1000);
	}
	assert_int_equal(guest_drv_attach_decode(r, sizeof(r), 0, &id, segs, 2,
						 &count, NULL),
			 -ENOSPC);
	assert_int_equal(id, 7);
	assert_int_equal(count, 3);
	assert_int_equal(segs[1].iova, 0x20000);
	/* seg_count above config.max_segs, and above what the length holds. */
	assert_int_equal(guest_drv_attach_decode(r, sizeof(r), 2, &id, segs, 2,
						 &count, NULL),
			 -EINVAL);
	assert_int_equal(guest_drv_attach_decode(r, sizeof(r) - 1, 0, &id,
						 segs, 2, &count, NULL),
			 -EINVAL);
	assert_int_equal(id, 7); /* reported so the driver can DETACH */
	put_le(r + 40 + 16 * 2, 8, 0);
	assert_int_equal(guest_drv_attach_decode(r, sizeof(r), 0, &id, segs, 2,
						 &count, &diag),
			 -EINVAL);
	assert_string_equal(diag.field, "attach.segs.size");
	assert_int_equal(diag.index, 2);
}

static void test_uapi(void **state)
{
	struct guest_run run = { 0 };
	struct rheap_heap_desc descs[4];
	struct rheap_heap *heap = NULL;
	struct rheap_heap *sys = NULL;
	struct rheap_buf_info bi = { 0 };
	struct rheap_buf_info bi2 = { 0 };
	struct rheap_device *dev = NULL;
	struct rheap_device *dev2 = NULL;
	struct rheap_device_seg segs[4];
	char *json = NULL;
	size_t count = 0;
	size_t n = 0;
	uint64_t att = 0;
	int fd = -1;

	(void)state;
	guest_start(&run);
	/* Both heaps, as the host lists them: the restricted one on the
	 * device, `system` served by the guest kernel itself. */
	assert_int_equal(rheap_heap_list(0, descs, 4, &count), 0);
	assert_int_equal(count, 2);
	assert_string_equal(descs[0].name, "protected,secure-video");
	assert_true(descs[0].restricted);
	assert_string_equal(descs[1].name, "system");
	assert_false(descs[1].restricted);
	assert_int_equal(rheap_heap_open("system", RHEAP_OPEN_VIRTIO, &sys),
			 0);
	assert_int_equal(rheap_heap_open("protected,secure-video",
					 RHEAP_OPEN_VIRTIO, &heap),
			 0);

	/* A system buffer is a guest memfd: it maps, comes zeroed, never
	 * reaches the device, and has no device or TEE path. */
	fd = rheap_heap_alloc(sys, 5000, 0x80002, 0, &bi);
	assert_true(fd >= 0);
	assert_true(bi.size == 8192 && !bi.restricted);
	assert_int_equal(atomic_load(&g_dev.allocs), 0);
	{
		uint8_t *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0);

		assert_true(m != MAP_FAILED);
		assert_int_equal(m[0] | m[8191], 0);
		m[0] = 1;
		munmap(m, 8192);
	}
	assert_int_equal(rheap_buf_import(0, fd, &bi2), 0);
	assert_true(bi2.buf_id == bi.buf_id && !bi2.restricted);
	assert_string_equal(bi2.heap, "system");
	assert_int_equal(rheap_device_open("vdec", &dev), 0);
	assert_int_equal(rheap_device_attach(dev, fd, 0, &att, segs, 4, &n),
			 -EOPNOTSUPP);
	rheap_device_close(dev);
	dev = NULL;
	/* The device offers no F_TEE: the TEE ops are refused. */
	{
		TEEC_Context ctx;
		TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT };

		assert_int_equal(TEEC_InitializeContext(NULL, &ctx),
				 TEEC_SUCCESS);
		assert_int_equal(
			TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &shm, fd),
			TEEC_ERROR_NOT_SUPPORTED);
		TEEC_FinalizeContext(&ctx);
	}
	close(fd);
	rheap_heap_close(sys);
	sys = NULL;
	assert_int_equal(atomic_load(&g_dev.allocs), 0);

	/* alloc -> a restricted handle; import names it. */
	fd = rheap_heap_alloc(heap, 10000, 0x80002, 0, &bi);
	assert_true(fd >= 0);
	assert_true(bi.size == 12288 && bi.restricted);
	assert_int_equal(atomic_load(&g_dev.allocs), 1);
	assert_int_equal(rheap_buf_import(0, fd, &bi2), 0);
	assert_true(bi2.buf_id == bi.buf_id && bi2.size == 12288);
	assert_string_equal(bi2.heap, "protected,secure-video");
	assert_int_equal(rheap_buf_import(0, 0, &bi2), -EINVAL);
	/* Linux's rules, as rheapd: heap_flags, fd_flags, len 0. */
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0, 1, &bi2), -EINVAL);
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0x4, 0, &bi2), -EINVAL);
	assert_int_equal(rheap_heap_alloc(heap, 0, 0, 0, &bi2), -EINVAL);
	assert_int_equal(atomic_load(&g_dev.allocs), 1);

	/* Last close -> FREE. */
	close(fd);
	assert_true(wait_for(&g_dev.frees, 1));
	assert_int_equal(atomic_load(&g_dev.live), 0);

	/* An attachment keeps the buffer after the close. */
	fd = rheap_heap_alloc(heap, 4096, 0x80002, 0, &bi);
	assert_true(fd >= 0);
	assert_int_equal(rheap_device_open("vdec", &dev), 0);
	assert_int_equal(rheap_device_open("vdec", &dev2), 0);
	assert_int_equal(rheap_device_attach(dev, fd, RHEAP_DEVICE_ATTACH_WRITE,
					     &att, segs, 4, &n),
			 0);
	assert_int_equal(n, 2);
	assert_true(segs[0].iova == 0x80000000u);
	/* Another connection cannot detach it. */
	assert_int_equal(rheap_device_detach(dev2, att), -ENOENT);
	assert_int_equal(rheap_device_attach(dev, 1, 0, &att, segs, 4, &n),
			 -EINVAL);
	close(fd);
	usleep(50000);
	assert_int_equal(atomic_load(&g_dev.frees), 1);
	assert_int_equal(rheap_device_detach(dev, att), 0);
	assert_true(wait_for(&g_dev.frees, 2));

	/* A closing connection detaches what it attached. */
	fd = rheap_heap_alloc(heap, 4096, 0x80002, 0, &bi);
	assert_true(fd >= 0);
	assert_int_equal(rheap_device_attach(dev2, fd, 0, &att, segs, 4, &n),
			 0);
	close(fd);
	rheap_device_close(dev2);
	assert_true(wait_for(&g_dev.frees, 3));
	assert_int_equal(atomic_load(&g_dev.detaches), 2);

	/* STATUS, and the ops a guest does not serve. */
	json = malloc(RHEAPD_MSG_MAX);
	assert_non_null(json);
	fd = rheap_heap_alloc(heap, 4096, 0x80002, 0, &bi);
	assert_true(fd >= 0);
	assert_int_equal(rheap_status(0, json, RHEAPD_MSG_MAX, &n), 0);
	assert_non_null(strstr(json, "\"vm_id\": 2"));
	assert_non_null(strstr(json, "\"handle_open\": true"));
	assert_int_equal(rheap_device_cmd(dev, 1, (uint64_t[8]){ 0 }, -1,
					  NULL),
			 -EOPNOTSUPP);
	free(json);

	/* Stop: the buffer still held is freed over virtio, device reset. */
	guest_stop(&run);
	assert_int_equal(run.rc, 0);
	assert_int_equal(atomic_load(&g_dev.frees), 4);
	assert_int_equal(atomic_load(&g_dev.live), 0);
	assert_int_equal(g_dev.status, 0);
	close(fd);
	rheap_device_close(dev);
	rheap_heap_close(heap);
	assert_int_equal(access(g_env.uapi_path, F_OK), -1);
}

static void test_uapi_vmm_gone(void **state)
{
	struct guest_run run = { 0 };
	struct rheap_heap *heap = NULL;
	struct rheap_buf_info bi = { 0 };
	int fd = -1;

	(void)state;
	guest_start(&run);
	assert_int_equal(rheap_heap_open("protected,secure-video", 0, &heap),
			 0);
	fd = rheap_heap_alloc(heap, 4096, 0x80002, 0, &bi);
	assert_true(fd >= 0);
	/* The vmm hangs up: the guest kernel stops by itself. */
	shutdown(g_dev.mmio_fd, SHUT_RDWR);
	pthread_join(run.thread, NULL);
	assert_int_equal(run.rc, 0);
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0, 0, &bi), -ENOENT);
	close(fd);
	rheap_heap_close(heap);
	unsetenv("RHEAP_BACKEND");
	unsetenv("RHEAP_GUEST_SOCKET");
}

static void test_no_guest(void **state)
{
	struct rheap_heap *heap = NULL;
	char path[128] = { 0 };

	(void)state;
	/* The default: the first VM's socket in the run directory. */
	unsetenv("RHEAP_GUEST_SOCKET");
	setenv("RHEAP_RUN_DIR", "/nonexistent-run", 1);
	assert_int_equal(lib_guest_socket_path(path, sizeof(path)), 0);
	assert_string_equal(path, "/nonexistent-run/vm0/rheapd.sock");
	assert_int_equal(lib_guest_socket_path(path, 8), -ENOSPC);
	assert_int_equal(rheap_heap_open("protected,secure-video",
					 RHEAP_OPEN_VIRTIO, &heap),
			 -ENOENT);
	unsetenv("RHEAP_RUN_DIR");
	setenv("RHEAP_GUEST_SOCKET", "/nonexistent/rheapd.sock", 1);
	assert_int_equal(rheap_heap_open("protected,secure-video",
					 RHEAP_OPEN_VIRTIO, &heap),
			 -ENOENT);
	unsetenv("RHEAP_GUEST_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_decoders),
		cmocka_unit_test_setup_teardown(test_init_ok, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_init_small_queue,
						dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_init_refusals, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_init_no_vmm, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_round_trips, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_without_device_features,
						dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_short,
						dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_status,
						dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_tag, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_alloc_size,
						dev_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_segs, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_needs_reset, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_hangup, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_uapi, dev_setup,
						dev_teardown),
		cmocka_unit_test_setup_teardown(test_uapi_vmm_gone, dev_setup,
						dev_teardown),
		cmocka_unit_test(test_no_guest),
	};
	char tmpl[] = "/tmp/rheap-guest-XXXXXX";
	int rc = 0;

	/* SIGTERM stops the guest thread through its signalfd; the other
	 * threads must never take it. */
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!mkdtemp(tmpl)) {
		return 1;
	}
	snprintf(g_dir, sizeof(g_dir), "%s", tmpl);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	(void)rmdir(tmpl);
	return rc;
}
