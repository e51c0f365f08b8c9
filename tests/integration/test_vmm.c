// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-vmm end to end: rheap-board + host rheapd (platform.c) and the
 * vmm's command line (vmm_main) in a child process, whose 4 guests run
 * this file's test driver instead of guest_main: a minimal virtio-rheap
 * driver (virtq driver side + vtransport) that serves commands from the
 * test on its uapi_path. Through it the test makes well-formed requests,
 * hostile ones (other VMs' IDs and handles, memory it does not own,
 * quotas) and hostile rings, and checks each exact status plus the
 * vmm.sock STATUS denial count; then it kills a guest mid-operation and
 * checks the host (rheapd, board) and the other guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/use_case.h>
#include <rheap/virtio_rheap.h>

#include "board/board_msg.h"
#include "board/nw_client.h"
#include "hyp/virtq.h"
#include "hyp/vmm.h"
#include "hyp/vtransport.h"
#include "platform.h"
#include "util/json.h"

#define VMS 4u
#define QSIZE 16u
#define SDP_ID 0x8001u
#define PAGE 4096u

/* Test guest RAM layout (GPAs). */
#define G_DESC 0x0000u
#define G_AVAIL 0x1000u
#define G_USED 0x2000u
#define G_IND 0x3000u
#define G_REQ 0x4000u
#define G_RESP 0x6000u
#define G_TX 0x10000u
#define G_RX 0x11000u
#define G_DATA 0x100000u

/* ---- The test guest ---- */

enum tg_op {
	TG_INIT = 1, /* reset + full init; v = status read back */
	TG_REQ,      /* request in data; a = response capacity; b bit0 indirect */
	TG_MMIO,     /* a = offset, b = value, arg = size, data[0] = 1 write */
	TG_WRITE,    /* data -> GPA a */
	TG_HOSTILE,  /* arg = mode; v = status read back */
	TG_STORM,    /* arg = ALLOCs of heap a, never answered to the test */
};

struct tg_cmd {
	uint32_t op;
	uint32_t arg;
	uint64_t a;
	uint64_t b;
	uint32_t len;
	uint32_t pad;
	uint8_t data[1024];
};

struct tg_rep {
	int32_t rc;
	uint32_t len;
	uint64_t v;
	uint8_t data[1024];
};

struct tg {
	const struct vt_guest_env *env;
	struct virtq_mem_range range;
	struct virtq_mem mem;
	struct virtq_drv drv;
	struct virtq_drv_slot slots[QSIZE];
	uint64_t features;
};

static int tg_mmio(struct tg *g, uint32_t op, uint32_t off, uint32_t size,
		   uint64_t val, uint64_t *out)
{
	struct vt_mmio_req r = { .op = op, .offset = off, .size = size,
				 .value = val };
	struct vt_mmio_resp p = { 0 };

	if (send(g->env->mmio_fd, &r, sizeof(r), 0) != (ssize_t)sizeof(r) ||
	    recv(g->env->mmio_fd, &p, sizeof(p), 0) != (ssize_t)sizeof(p)) {
		return -ENOENT;
	}
	if (out) {
		*out = p.value;
	}
	return p.status == VT_MMIO_OK ? 0 :
	       p.status == VT_MMIO_E_STATE ? -EBUSY : -EINVAL;
}

static uint32_t tg_rd(struct tg *g, uint32_t off)
{
	uint64_t v = 0;

	(void)tg_mmio(g, VT_MMIO_READ, off, 4, 0, &v);
	return (uint32_t)v;
}

static int tg_wr(struct tg *g, uint32_t off, uint32_t v)
{
	return tg_mmio(g, VT_MMIO_WRITE, off, 4, v, NULL);
}

static int tg_init(struct tg *g, uint64_t *status)
{
	struct virtq_layout l = { .desc_gpa = G_DESC, .avail_gpa = G_AVAIL,
				  .used_gpa = G_USED, .size = QSIZE };
	uint64_t dev = 0;
	int rc = 0;

	tg_wr(g, VT_MMIO_STATUS, 0);
	if (tg_rd(g, VT_MMIO_MAGIC) != VT_MMIO_MAGIC_VALUE ||
	    tg_rd(g, VT_MMIO_DEVICE_ID) != VIRTIO_ID_RHEAP) {
		return -EINVAL;
	}
	tg_wr(g, VT_MMIO_STATUS, 1);
	tg_wr(g, VT_MMIO_STATUS, 3);
	tg_wr(g, VT_MMIO_DEV_FEATURES_SEL, 0);
	dev = tg_rd(g, VT_MMIO_DEV_FEATURES);
	tg_wr(g, VT_MMIO_DEV_FEATURES_SEL, 1);
	dev |= (uint64_t)tg_rd(g, VT_MMIO_DEV_FEATURES) << 32;
	g->features = dev;
	tg_wr(g, VT_MMIO_DRV_FEATURES_SEL, 0);
	tg_wr(g, VT_MMIO_DRV_FEATURES, (uint32_t)dev);
	tg_wr(g, VT_MMIO_DRV_FEATURES_SEL, 1);
	tg_wr(g, VT_MMIO_DRV_FEATURES, (uint32_t)(dev >> 32));
	tg_wr(g, VT_MMIO_STATUS, 11);
	if (!(tg_rd(g, VT_MMIO_STATUS) & 8)) {
		return -EOPNOTSUPP;
	}
	l.features = dev & VIRTQ_FEATURES_KNOWN;
	rc = virtq_drv_init(&g->drv, &g->mem, &l, g->slots, QSIZE, NULL);
	if (rc) {
		return rc;
	}
	tg_wr(g, VT_MMIO_QUEUE_SEL, 0);
	tg_wr(g, VT_MMIO_QUEUE_NUM, QSIZE);
	tg_wr(g, VT_MMIO_QUEUE_DESC_LO, G_DESC);
	tg_wr(g, VT_MMIO_QUEUE_DESC_HI, 0);
	tg_wr(g, VT_MMIO_QUEUE_DRIVER_LO, G_AVAIL);
	tg_wr(g, VT_MMIO_QUEUE_DRIVER_HI, 0);
	tg_wr(g, VT_MMIO_QUEUE_DEVICE_LO, G_USED);
	tg_wr(g, VT_MMIO_QUEUE_DEVICE_HI, 0);
	rc = tg_wr(g, VT_MMIO_QUEUE_READY, 1);
	tg_wr(g, VT_MMIO_STATUS, 15);
	*status = tg_rd(g, VT_MMIO_STATUS);
	return rc;
}

static void tg_kick(struct tg *g)
{
	uint64_t one = 1;

	if (write(g->env->kick_fd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		return;
	}
}

/* Wait for the used element of a request; returns the bytes written. */
static int tg_wait(struct tg *g, uint32_t *len)
{
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd p = { .fd = g->env->irq_fd, .events = POLLIN };
		uint64_t cookie = 0;
		uint64_t n = 0;
		int rc = virtq_drv_get_used(&g->drv, &cookie, len, NULL);

		if (rc != 0) {
			return rc < 0 ? rc : 0;
		}
		if (poll(&p, 1, 100) == 1 && read(g->env->irq_fd, &n, sizeof(n)) > 0) {
			tg_wr(g, VT_MMIO_INT_ACK, tg_rd(g, VT_MMIO_INT_STATUS));
		}
	}
	return -ENOENT;
}

static int tg_req(struct tg *g, const uint8_t *req, uint32_t len, uint32_t cap,
		  bool indirect, uint8_t *resp, uint32_t *rlen)
{
	struct virtq_buf bufs[2] = { { G_REQ, len }, { G_RESP, cap } };
	struct virtq_indirect ind = { G_IND, 4 };
	int rc = 0;

	memcpy(g->env->ram + G_REQ, req, len);
	memset(g->env->ram + G_RESP, 0xEE, cap);
	rc = virtq_drv_add(&g->drv, bufs, 1, 1, indirect ? &ind : NULL, 1, NULL);
	if (rc < 0) {
		return rc;
	}
	if (virtq_drv_kick_needed(&g->drv)) {
		tg_kick(g);
	}
	rc = tg_wait(g, rlen);
	if (rc == 0) {
		memcpy(resp, g->env->ram + G_RESP, *rlen);
	}
	return rc;
}

static void tg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void tg_desc(struct tg *g, uint32_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	uint8_t *d = g->env->ram + G_DESC + 16u * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	tg_put16(d + 12, flags);
	tg_put16(d + 14, next);
}

/* Put a broken chain (or index) on the ring behind virtq's back. */
static int tg_hostile(struct tg *g, uint32_t mode, uint64_t *status)
{
	uint8_t *avail = g->env->ram + G_AVAIL;
	uint16_t idx = (uint16_t)(avail[2] | avail[3] << 8);
	uint16_t head = QSIZE - 1;

	switch (mode) {
	case 1: /* descriptor loop */
		tg_desc(g, head, G_REQ, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(head - 1));
		tg_desc(g, head - 1, G_REQ, 16, VIRTQ_DESC_F_NEXT, head);
		break;
	case 2: /* out-of-range GPA */
		tg_desc(g, head, g->env->ram_size + PAGE, 16, 0, 0);
		break;
	case 3: /* bad indirect table length */
		tg_desc(g, head, G_IND, 17, VIRTQ_DESC_F_INDIRECT, 0);
		break;
	case 4: /* readable bytes over the chain limit (F_TEE's: the
		 * test driver takes every feature offered) */
		tg_desc(g, head, G_DATA, VIRTIO_RHEAP_TEE_CHAIN_MAX + 1u, 0, 0);
		break;
	case 5: /* head index out of range */
		head = 999;
		break;
	case 6: /* indirect inside indirect */
		tg_desc(g, head, G_IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
		memset(g->env->ram + G_IND, 0, 32);
		{
			uint64_t a = G_IND + 16;
			uint32_t l = 16;

			memcpy(g->env->ram + G_IND, &a, 8);
			memcpy(g->env->ram + G_IND + 8, &l, 4);
			tg_put16(g->env->ram + G_IND + 12, VIRTQ_DESC_F_INDIRECT);
		}
		break;
	case 7: /* zero-length descriptor */
		tg_desc(g, head, G_REQ, 0, 0, 0);
		break;
	default: /* 8: the available index runs ahead */
		idx = (uint16_t)(idx + 100);
		break;
	}
	if (mode != 8) {
		tg_put16(avail + 4 + 2u * (idx % QSIZE), head);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tg_put16(avail + 2, (uint16_t)(idx + 1));
	tg_kick(g);
	for (int i = 0; i < 100; i++) {
		*status = tg_rd(g, VT_MMIO_STATUS);
		if (*status & 64u) {
			return 0;
		}
		usleep(10000);
	}
	return -ENOENT;
}

static void tg_serve(struct tg *g, int c)
{
	static struct tg_cmd cmd;
	static struct tg_rep rep;

	for (;;) {
		ssize_t n = recv(c, &cmd, sizeof(cmd), 0);

		if (n != (ssize_t)sizeof(cmd)) {
			return;
		}
		memset(&rep, 0, sizeof(rep));
		switch (cmd.op) {
		case TG_INIT:
			rep.rc = tg_init(g, &rep.v);
			break;
		case TG_REQ:
			rep.rc = tg_req(g, cmd.data, cmd.len, (uint32_t)cmd.a,
					cmd.b & 1, rep.data, &rep.len);
			break;
		case TG_MMIO:
			rep.rc = tg_mmio(g, cmd.data[0] ? VT_MMIO_WRITE : VT_MMIO_READ,
					 (uint32_t)cmd.a, cmd.arg, cmd.b, &rep.v);
			break;
		case TG_WRITE:
			if (cmd.a < g->env->ram_size &&
			    cmd.len <= g->env->ram_size - cmd.a) {
				memcpy(g->env->ram + cmd.a, cmd.data, cmd.len);
			} else {
				rep.rc = -EINVAL;
			}
			break;
		case TG_HOSTILE:
			rep.rc = tg_hostile(g, cmd.arg, &rep.v);
			break;
		case TG_STORM:
			for (uint32_t i = 0; i < cmd.arg; i++) {
				uint8_t q[48] = { 0 };
				uint8_t r[64];
				uint32_t rl = 0;
				uint64_t len = 65536;

				q[0] = VIRTIO_RHEAP_REQ_ALLOC;
				q[16] = (uint8_t)cmd.a;
				memcpy(q + 24, &len, 8);
				(void)tg_req(g, q, 48, 32, false, r, &rl);
			}
			break;
		default:
			rep.rc = -EINVAL;
			break;
		}
		if (send(c, &rep, sizeof(rep), 0) != (ssize_t)sizeof(rep)) {
			return;
		}
	}
}

static int test_guest(const struct vt_guest_env *env)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static struct tg g;
	uint64_t st = 0;
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	g.env = env;
	g.range = (struct virtq_mem_range){ .gpa = 0, .size = env->ram_size,
					    .host = env->ram };
	g.mem = (struct virtq_mem){ .ranges = &g.range, .range_count = 1 };
	if (tg_init(&g, &st) != 0) {
		return 3;
	}
	memcpy(a.sun_path, env->uapi_path, strlen(env->uapi_path) + 1);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(l, 4) != 0) {
		return 4;
	}
	for (;;) {
		int c = accept(l, NULL, NULL);

		if (c < 0) {
			return 5;
		}
		tg_serve(&g, c);
		close(c);
	}
}

/* ---- The test side ---- */

static struct platform g_p;
static pid_t g_vmm;
static int g_vm[VMS] = { -1, -1, -1, -1 };
static char g_vmm_log[160];
static char g_vmm_sock[160];
static uint32_t g_heap_r; /* a restricted heap's index */
static uint32_t g_heap_s; /* the system heap's index */

static int vm_cmd(uint32_t vm, struct tg_cmd *c, struct tg_rep *r)
{
	memset(r, 0, sizeof(*r));
	if (send(g_vm[vm], c, sizeof(*c), 0) != (ssize_t)sizeof(*c) ||
	    recv(g_vm[vm], r, sizeof(*r), 0) != (ssize_t)sizeof(*r)) {
		return -ENOENT;
	}
	return r->rc;
}

/* One request; returns the device status as an errno, or a driver error. */
static int vm_req(uint32_t vm, const void *req, uint32_t len, uint32_t cap,
		  uint8_t *resp)
{
	static struct tg_cmd c;
	static struct tg_rep r;
	uint32_t st = 0;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.op = TG_REQ;
	c.a = cap;
	c.len = len;
	memcpy(c.data, req, len);
	rc = vm_cmd(vm, &c, &r);
	if (rc) {
		return rc - 1000;
	}
	if (r.len < 16) {
		return -1000;
	}
	memcpy(&st, r.data, 4);
	if (resp) {
		memcpy(resp, r.data, r.len);
	}
	return virtio_rheap_status_to_errno(st);
}

static int vm_alloc(uint32_t vm, uint32_t heap, uint64_t len, uint64_t *id)
{
	struct virtio_rheap_alloc_req q = { .hdr = { .type = VIRTIO_RHEAP_REQ_ALLOC,
						     .tag = 7 },
					    .heap_index = heap, .len = len };
	struct virtio_rheap_alloc_resp r = { .buffer_id = 0 };
	int rc = vm_req(vm, &q, sizeof(q), sizeof(r), (uint8_t *)&r);

	*id = rc == 0 ? r.buffer_id : 0;
	return rc;
}

static int vm_buf_op(uint32_t vm, uint32_t type, uint64_t id)
{
	struct virtio_rheap_buffer_req q = { .hdr = { .type = type },
					     .buffer_id = id };
	uint8_t r[64];

	return vm_req(vm, &q, sizeof(q), 48, r);
}

static int vm_attach(uint32_t vm, uint64_t buf, const char *dev,
		     uint32_t flags, uint64_t *att)
{
	struct virtio_rheap_attach_req q = { .hdr = { .type = VIRTIO_RHEAP_REQ_ATTACH },
					     .buffer_id = buf, .flags = flags };
	uint8_t r[512];
	int rc = 0;

	memcpy(q.device, dev, strlen(dev));
	rc = vm_req(vm, &q, sizeof(q), 32 + 16 * 16, r);
	if (rc == 0 && att) {
		memcpy(att, r + 16, 8);
	}
	return rc;
}

static int vm_detach(uint32_t vm, uint64_t att)
{
	struct virtio_rheap_detach_req q = { .hdr = { .type = VIRTIO_RHEAP_REQ_DETACH },
					     .attach_id = att };
	uint8_t r[32];

	return vm_req(vm, &q, sizeof(q), 16, r);
}

static int g_vst; /* virtio status (errno) of the last FF-A request */

/*
 * An FF-A call; *@x in and out (the registers the guest sees, also when
 * the hypervisor refused). Returns 0, or -1 when no response came.
 */
static int vm_ffa(uint32_t vm, uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	struct virtio_rheap_ffa q = { .hdr = { .type = VIRTIO_RHEAP_REQ_FFA } };
	struct virtio_rheap_ffa r;

	memset(&r, 0, sizeof(r));
	memcpy(q.x, x, sizeof(q.x));
	g_vst = vm_req(vm, &q, sizeof(q), sizeof(r), (uint8_t *)&r);
	if (g_vst <= -1000) {
		return -1;
	}
	memcpy(x, r.x, sizeof(r.x));
	return 0;
}

/* FFA status of a reply: 0 success, else the FF-A error code. */
static int32_t ffa_status(const uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	return (uint32_t)x[0] == FFA_ERROR ? (int32_t)(uint32_t)x[2] : 0;
}

static int vm_write(uint32_t vm, uint64_t gpa, const void *p, uint32_t len)
{
	static struct tg_cmd c;
	static struct tg_rep r;

	memset(&c, 0, sizeof(c));
	c.op = TG_WRITE;
	c.a = gpa;
	c.len = len;
	memcpy(c.data, p, len);
	return vm_cmd(vm, &c, &r);
}

static int32_t vm_rxtx_map(uint32_t vm)
{
	uint64_t x[VIRTIO_RHEAP_FFA_REGS] = { FFA_RXTX_MAP_64, G_TX, G_RX, 1 };

	if (vm_ffa(vm, x) != 0) {
		return -1000;
	}
	return ffa_status(x);
}

/* LEND (or @abi) of [gpa, +pages) to the SDP partition by VM @vm. */
static int32_t vm_send(uint32_t vm, uint32_t func, enum rheap_ffa_abi abi,
		       uint64_t gpa, uint32_t pages, uint16_t sender,
		       uint64_t *handle)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = SDP_ID,
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_range r = { .address = gpa, .page_count = pages };
	struct rheap_ffa_mem m = {
		.abi = abi, .version = FFA_VERSION_1_1, .sender_id = sender,
		.tag = RHEAP_USE_CASE_SECURE_VIDEO, .receiver_count = 1,
		.receivers = &rx, .receiver_cap = 1, .range_count = 1,
		.ranges = &r, .range_cap = 1, .total_page_count = pages,
	};
	uint64_t x[VIRTIO_RHEAP_FFA_REGS] = { func };
	uint8_t desc[512];
	int len = rheap_ffa_mem_encode(&m, desc, sizeof(desc), NULL);

	if (abi == RHEAP_FFA_ABI_SHARE) {
		rx.permissions = FFA_DATA_ACCESS_RW;
	}
	if (len <= 0 || vm_write(vm, G_TX, desc, (uint32_t)len) != 0) {
		return -1000;
	}
	x[1] = (uint64_t)len;
	x[2] = (uint64_t)len;
	if (vm_ffa(vm, x) != 0) {
		return -1001;
	}
	if (ffa_status(x) == 0 && handle) {
		*handle = (x[2] & 0xFFFFFFFFu) | (x[3] << 32);
	}
	return ffa_status(x);
}

static int32_t vm_reclaim(uint32_t vm, uint64_t handle)
{
	uint64_t x[VIRTIO_RHEAP_FFA_REGS] = { FFA_MEM_RECLAIM, handle & 0xFFFFFFFFu,
					      handle >> 32, 0 };

	if (vm_ffa(vm, x) != 0) {
		return -1000;
	}
	return ffa_status(x);
}

static int32_t vm_retrieve(uint32_t vm, uint64_t handle, uint16_t sender)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = (uint16_t)(0x0002u + vm),
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_mem m = {
		.abi = RHEAP_FFA_ABI_RETRIEVE_REQ, .version = FFA_VERSION_1_1,
		.sender_id = sender, .handle = handle,
		.tag = RHEAP_USE_CASE_SECURE_VIDEO, .receiver_count = 1,
		.receivers = &rx, .receiver_cap = 1,
	};
	uint64_t x[VIRTIO_RHEAP_FFA_REGS] = { FFA_MEM_RETRIEVE_REQ_64 };
	uint8_t desc[512];
	int len = rheap_ffa_mem_encode(&m, desc, sizeof(desc), NULL);

	if (len <= 0 || vm_write(vm, G_TX, desc, (uint32_t)len) != 0) {
		return -1000;
	}
	x[1] = (uint64_t)len;
	x[2] = (uint64_t)len;
	if (vm_ffa(vm, x) != 0) {
		return -1001;
	}
	return ffa_status(x);
}

/* vmm.sock STATUS, parsed. */
static struct json_doc *vmm_status(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static char buf[65536];
	struct json_doc *doc = NULL;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ssize_t n = 0;

	memcpy(a.sun_path, g_vmm_sock, strlen(g_vmm_sock) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    send(fd, "STATUS", 6, 0) != 6) {
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n <= 0 || json_parse(buf, (size_t)n, &doc, NULL) != 0) {
		return NULL;
	}
	return doc;
}

static uint64_t vm_field(uint32_t vm, const char *key)
{
	struct json_doc *d = vmm_status();
	const struct json_value *vms = d ? json_object_get(json_root(d), "vms") : NULL;
	const struct json_value *v = vms ? vms->child : NULL;
	uint64_t out = UINT64_MAX;
	bool b = false;

	for (uint32_t i = 0; v && i < vm; i++) {
		v = v->next;
	}
	if (v && json_get_u64(json_object_get(v, key), &out) != 0 &&
	    json_get_bool(json_object_get(v, key), &b) == 0) {
		out = b;
	}
	json_free(d);
	return out;
}

static uint64_t denials_total(void)
{
	struct json_doc *d = vmm_status();
	uint64_t v = UINT64_MAX;

	if (d) {
		(void)json_get_u64(json_object_get(json_root(d), "denials_total"), &v);
	}
	json_free(d);
	return v;
}

static int vm_connect(uint32_t i)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	uint64_t end = now_ms() + 10000;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/vm%u/rheapd.sock", g_p.dir, i);
	while (now_ms() < end) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			g_vm[i] = fd;
			return 0;
		}
		if (fd >= 0) {
			close(fd);
		}
		usleep(20000);
	}
	return -1;
}

static int vmm_start(void)
{
	int pfd[2] = { -1, -1 };
	char line[256];
	FILE *f = NULL;
	int ready = 0;

	snprintf(g_vmm_log, sizeof(g_vmm_log), "%s/vmm.log", g_p.dir);
	snprintf(g_vmm_sock, sizeof(g_vmm_sock), "%s/vmm.sock", g_p.dir);
	if (pipe(pfd) != 0) {
		return -1;
	}
	g_vmm = fork();
	if (g_vmm == 0) {
		char *argv[] = { "rheap-vmm", "--vms", "4", "--board", g_p.board_sock,
				 "--rheapd", g_p.rheapd_sock, "--run-dir", g_p.dir,
				 "--vm-quota", "4194304", "--vm-buffers", "6",
				 "--vm-attachments", "3", "--quiet", NULL };
		int lfd = open(g_vmm_log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		/* A test killed by a timeout takes its hypervisor with it. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[0]);
		dup2(pfd[1], 1);
		if (lfd >= 0) {
			dup2(lfd, 2);
		}
		_exit(vmm_main(16, argv, test_guest));
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		tap_note("%s", line);
		if (strcmp(line, "rheap-vmm: ready\n") == 0) {
			ready = 1;
			break;
		}
	}
	if (f) {
		fclose(f);
	}
	return ready ? 0 : -1;
}

static void dump_vmm_log(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "tail -n 40 %s >&2", g_vmm_log);
	if (system(cmd) != 0) {
		return;
	}
}

/* ---- Cases ---- */

static uint64_t g_buf[VMS];   /* one buffer per VM, attached */
static uint64_t g_buf2[VMS];  /* one more, not attached */
static uint64_t g_att[VMS];
static uint64_t g_handle[VMS];

static void case_round_trips(void)
{
	uint8_t r[128];
	uint64_t v = 0;
	static struct tg_cmd c;
	static struct tg_rep rep;

	memset(&c, 0, sizeof(c));
	c.op = TG_MMIO;
	c.a = VT_MMIO_CONFIG + 2;
	c.arg = 2;
	tap_check(vm_cmd(0, &c, &rep) == 0 && rep.v > 0,
		  "config: heap_count %llu", (unsigned long long)rep.v);
	v = rep.v;
	g_heap_r = UINT32_MAX;
	g_heap_s = UINT32_MAX;
	for (uint32_t h = 0; h < v; h++) {
		struct virtio_rheap_heap_info_req q = {
			.hdr = { .type = VIRTIO_RHEAP_REQ_HEAP_INFO, .tag = 99 },
			.heap_index = h };
		struct virtio_rheap_heap_info_resp *hr = (void *)r;

		if (vm_req(0, &q, sizeof(q), sizeof(*hr), r) == 0) {
			tap_note("heap %u: %s flags %u capacity %llu", h, hr->name,
				 hr->flags, (unsigned long long)hr->capacity);
			if (strcmp(hr->name, "protected,secure-video") == 0) {
				g_heap_r = h;
			}
			if (strcmp(hr->name, "system") == 0) {
				g_heap_s = h;
			}
		}
	}
	tap_check(g_heap_r != UINT32_MAX && g_heap_s != UINT32_MAX,
		  "HEAP_INFO lists protected,secure-video and system");
	{
		struct virtio_rheap_heap_info_req q = {
			.hdr = { .type = VIRTIO_RHEAP_REQ_HEAP_INFO },
			.heap_index = (uint32_t)v };

		tap_check(vm_req(0, &q, sizeof(q), 112, r) == -ENOENT,
			  "HEAP_INFO past heap_count -ENOENT");
	}
	for (uint32_t i = 0; i < VMS; i++) {
		int rc1 = vm_alloc(i, g_heap_r, 1 << 20, &g_buf[i]);
		int rc2 = vm_alloc(i, g_heap_r, 100, &g_buf2[i]);
		int rc3 = vm_attach(i, g_buf[i], "vdec", VIRTIO_RHEAP_ATTACH_WRITE,
				    &g_att[i]);

		tap_check(rc1 == 0 && rc2 == 0 && rc3 == 0 && g_buf[i] && g_att[i],
			  "vm%u: ALLOC 1 MiB + 100 bytes, ATTACH vdec write (%d %d %d)",
			  i, rc1, rc2, rc3);
	}
	{
		struct virtio_rheap_query_resp *qr = (void *)r;
		struct virtio_rheap_buffer_req q = {
			.hdr = { .type = VIRTIO_RHEAP_REQ_QUERY },
			.buffer_id = g_buf2[0] };

		tap_check(vm_req(0, &q, sizeof(q), sizeof(*qr), r) == 0 &&
				  qr->size == 4096 && qr->heap_index == g_heap_r &&
				  qr->flags == VIRTIO_RHEAP_HEAP_RESTRICTED &&
				  qr->attach_count == 0,
			  "QUERY: 100 bytes rounded to 4096, restricted, unattached");
		q.buffer_id = g_buf[0];
		tap_check(vm_req(0, &q, sizeof(q), sizeof(*qr), r) == 0 &&
				  qr->attach_count == 1 && qr->size == 1 << 20,
			  "QUERY: attached buffer attach_count 1");
	}
	tap_check(vm_buf_op(0, VIRTIO_RHEAP_REQ_FREE, g_buf[0]) == -EBUSY,
		  "FREE while attached -EBUSY");
	tap_check(vm_detach(0, g_att[0]) == 0 &&
			  vm_buf_op(0, VIRTIO_RHEAP_REQ_FREE, g_buf[0]) == 0 &&
			  vm_buf_op(0, VIRTIO_RHEAP_REQ_QUERY, g_buf[0]) == -ENOENT,
		  "DETACH, FREE, then QUERY -ENOENT");
	tap_check(vm_alloc(0, g_heap_r, 1 << 20, &g_buf[0]) == 0 &&
			  vm_attach(0, g_buf[0], "vdec", 0, &g_att[0]) == 0,
		  "vm0: ALLOC + ATTACH again");
	{
		uint64_t sid = 0;
		uint64_t att = 0;

		tap_check(vm_alloc(0, g_heap_s, 8192, &sid) == 0 &&
				  vm_attach(0, sid, "gpu", 0, &att) == 0 &&
				  vm_detach(0, att) == 0 &&
				  vm_buf_op(0, VIRTIO_RHEAP_REQ_FREE, sid) == 0,
			  "system buffer: ALLOC, ATTACH gpu, DETACH, FREE");
	}
	{
		struct virtio_rheap_alloc_req q = {
			.hdr = { .type = VIRTIO_RHEAP_REQ_ALLOC },
			.heap_index = g_heap_r, .len = 4096, .heap_flags = 1 };
		uint64_t id = 0;

		tap_check(vm_req(1, &q, sizeof(q), 32, r) == -EINVAL,
			  "ALLOC heap_flags set -EINVAL");
		q.heap_flags = 0;
		q.fd_flags = 0x40;
		tap_check(vm_req(1, &q, sizeof(q), 32, r) == -EINVAL,
			  "ALLOC unknown fd_flags -EINVAL");
		tap_check(vm_alloc(1, g_heap_r, 0, &id) == -EINVAL,
			  "ALLOC len 0 -EINVAL");
		tap_check(vm_alloc(1, 77, 4096, &id) == -ENOENT,
			  "ALLOC unknown heap -ENOENT");
		tap_check(vm_req(1, &q, 8, 32, r) == -EINVAL,
			  "request shorter than its header -EINVAL");
		q.hdr.type = 0x77;
		tap_check(vm_req(1, &q, sizeof(q), 32, r) == -EOPNOTSUPP,
			  "unknown request type -EOPNOTSUPP");
		tap_check(vm_attach(1, g_buf2[1], "vdec", 0x10, NULL) == -EINVAL,
			  "ATTACH unknown flag -EINVAL");
		tap_check(vm_attach(1, g_buf2[1], "", 0, NULL) == -EINVAL,
			  "ATTACH empty device name -EINVAL");
	}
}

/* Every VM tries every other VM's IDs and handles. */
static void case_isolation(void)
{
	uint32_t cases = 0;
	uint32_t ok = 0;

	for (uint32_t i = 0; i < VMS; i++) {
		int32_t st = vm_rxtx_map(i);
		int32_t st2 = vm_send(i, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND,
				      G_DATA, 4, (uint16_t)(2 + i), &g_handle[i]);

		tap_check(st == 0 && st2 == 0 && g_handle[i] != 0,
			  "vm%u: RXTX_MAP and LEND 4 own pages to 0x8001 (%d %d)",
			  i, st, st2);
	}
	for (uint32_t a = 0; a < VMS; a++) {
		for (uint32_t b = 0; b < VMS; b++) {
			uint64_t before = 0;
			int r[8] = { 0 };

			if (a == b) {
				continue;
			}
			before = denials_total();
			r[0] = vm_buf_op(a, VIRTIO_RHEAP_REQ_FREE, g_buf[b]);
			r[1] = vm_buf_op(a, VIRTIO_RHEAP_REQ_FREE, g_buf2[b]);
			r[2] = vm_buf_op(a, VIRTIO_RHEAP_REQ_QUERY, g_buf[b]);
			r[3] = vm_attach(a, g_buf2[b], "vdec", 0, NULL);
			r[4] = vm_detach(a, g_att[b]);
			r[5] = vm_reclaim(a, g_handle[b]);
			if (g_vst != -EPERM) {
				r[5] = -2000; /* virtio status PERM too */
			}
			r[6] = vm_retrieve(a, g_handle[b], (uint16_t)(2 + b));
			if (g_vst != -EOPNOTSUPP) {
				r[6] = -2000;
			}
			/* b's RAM, as a GPA of a: past a's own RAM (or wrapping). */
			r[7] = vm_send(a, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND,
				       (uint64_t)((int64_t)b - (int64_t)a) *
						       (UINT64_C(64) << 20) + G_DATA,
				       1, (uint16_t)(2 + a), NULL);
			if (g_vst != -EPERM) {
				r[7] = -2000;
			}
			for (int k = 0; k < 8; k++) {
				bool want = k <= 4 ? r[k] == -ENOENT :
					    k == 5 ? r[k] == FFA_DENIED :
					    k == 6 ? r[k] == FFA_NOT_SUPPORTED :
						     r[k] == FFA_DENIED;

				cases++;
				ok += want;
				tap_check(want, "vm%u -> vm%u case %d denied (%d)", a,
					  b, k, r[k]);
			}
			tap_check(denials_total() == before + 8,
				  "vm%u -> vm%u: 8 denials counted", a, b);
		}
	}
	/* Stage 2: host memory, a carve-out, a wrapping GPA, a lent page. */
	for (uint32_t i = 0; i < VMS; i++) {
		uint64_t before = denials_total();
		int32_t s1 = vm_send(i, FFA_MEM_SHARE_64, RHEAP_FFA_ABI_SHARE,
				     0x80000000u, 1, (uint16_t)(2 + i), NULL);
		int32_t s2 = vm_send(i, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND,
				     0xE0000000u, 1, (uint16_t)(2 + i), NULL);
		int32_t s3 = vm_send(i, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND,
				     G_DATA, 1, (uint16_t)(2 + i), NULL);
		int32_t s4 = vm_send(i, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND, G_DESC,
				     1, (uint16_t)(2 + i), NULL);
		int32_t s5 = vm_send(i, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND,
				     G_DATA + 16 * PAGE, 1, (uint16_t)(2 + ((i + 1) % VMS)),
				     NULL);

		cases += 5;
		ok += (s1 == FFA_DENIED) + (s2 == FFA_DENIED) + (s3 == FFA_DENIED) +
		      (s4 == FFA_DENIED) + (s5 == FFA_DENIED);
		tap_check(s1 == FFA_DENIED && s2 == FFA_DENIED && s3 == FFA_DENIED &&
				  s4 == FFA_DENIED && s5 == FFA_DENIED &&
				  denials_total() == before + 5,
			  "vm%u: SHARE of host DRAM, LEND of the carve-out, of a lent "
			  "page, of its ring, as another sender: DENIED x5 counted "
			  "(%d %d %d %d %d)", i, s1, s2, s3, s4, s5);
	}
	tap_check(cases >= 60 && ok == cases, "isolation matrix: %u of %u cases denied",
		  ok, cases);
	{
		uint64_t before = denials_total();
		int32_t st = vm_send(0, FFA_MEM_DONATE_64, RHEAP_FFA_ABI_DONATE,
				     G_DATA + 32 * PAGE, 1, 2, NULL);

		tap_check(st == FFA_NOT_SUPPORTED && g_vst == -EOPNOTSUPP &&
				  denials_total() == before,
			  "DONATE NOT_SUPPORTED (not a denial)");
		st = vm_rxtx_map(0);
		tap_check(st == FFA_DENIED && g_vst == -EPERM,
			  "second RXTX_MAP DENIED");
	}
}

/* ---- TEE through the device (F_TEE) ---- */

static const uint8_t g_sdp_uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x5b, 0x69,
					0x11, 0xe4, 0x9d, 0xbb, 0x10, 0x1f,
					0x74, 0xf0, 0x00, 0x99 };

/* One TEE request: rheapd op + payload; the response payload into @out. */
static int vm_tee(uint32_t vm, uint32_t op, uint64_t buf, const void *payload,
		  uint32_t len, uint32_t resp_payload, uint8_t *out)
{
	uint8_t q[32 + 512] = { 0 };
	uint8_t r[24 + 512] = { 0 };
	struct virtio_rheap_tee_req h = { .hdr = { .type = VIRTIO_RHEAP_REQ_TEE },
					  .op = op, .payload_len = len,
					  .buffer_id = buf };
	int rc = 0;

	memcpy(q, &h, sizeof(h));
	if (len != 0) {
		memcpy(q + 32, payload, len);
	}
	rc = vm_req(vm, q, 32 + len, 24 + resp_payload, r);
	if (rc == 0 && out) {
		memcpy(out, r + 24, resp_payload);
	}
	return rc;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v = 0;

	memcpy(&v, p, 4);
	return v;
}

/* An INVOKE of sdp_basic DUMP: @shm (PARTIAL input, 16 bytes at 0) ->
 * TEMP output of 16 bytes; 152 + 16 payload bytes. */
static void tee_dump_req(uint8_t p[168], uint32_t session, uint32_t shm)
{
	uint32_t v32 = 0;
	uint64_t v64 = 0;

	memset(p, 0, 168);
	memcpy(p, &session, 4);
	v32 = 2; /* SDP_TA_CMD_DUMP */
	memcpy(p + 4, &v32, 4);
	v32 = 0xD; /* TEEC_MEMREF_PARTIAL_INPUT */
	memcpy(p + 24, &v32, 4);
	memcpy(p + 28, &shm, 4);
	v64 = 16;
	memcpy(p + 40, &v64, 8);
	v32 = 0x6; /* TEEC_MEMREF_TEMP_OUTPUT, at data offset 0 */
	memcpy(p + 56, &v32, 4);
	memcpy(p + 72, &v64, 8);
}

static void case_tee(void)
{
	uint32_t sess[VMS] = { 0 };
	uint32_t shm[VMS] = { 0 };
	uint32_t cases = 0;
	uint32_t ok = 0;

	for (uint32_t i = 0; i < VMS; i++) {
		uint8_t open[24] = { 0 };
		uint8_t out[168] = { 0 };
		uint8_t inv[168];
		int r1 = 0;
		int r2 = 0;
		int r3 = 0;

		memcpy(open, g_sdp_uuid, 16);
		r1 = vm_tee(i, RHEAPD_OP_TEE_OPEN, 0, open, sizeof(open), 16, out);
		sess[i] = r1 == 0 && rd32(out) == 0 ? rd32(out + 8) : 0;
		r2 = vm_tee(i, RHEAPD_OP_TEE_SHM_REGISTER_FD, g_buf[i], NULL, 0,
			    16, out);
		shm[i] = r2 == 0 ? rd32(out) : 0;
		tee_dump_req(inv, sess[i], shm[i]);
		r3 = vm_tee(i, RHEAPD_OP_TEE_INVOKE, 0, inv, sizeof(inv),
			    sizeof(inv), out);
		tap_check(sess[i] != 0 && shm[i] != 0 && r3 == 0 &&
				  rd32(out + 16) == 0,
			  "vm%u: TEE_OPEN sdp_basic (session %u), REGISTER its "
			  "buffer (shm %u), INVOKE DUMP of it: %s/%s/%s TEE %#x",
			  i, sess[i], shm[i], rheap_err_name(r1),
			  rheap_err_name(r2), rheap_err_name(r3), rd32(out + 16));
	}
	for (uint32_t a = 0; a < VMS; a++) {
		for (uint32_t b = 0; b < VMS; b++) {
			uint64_t before = 0;
			uint8_t inv[168];
			uint8_t id8[8] = { 0 };
			int r[6] = { 0 };

			if (a == b) {
				continue;
			}
			before = denials_total();
			r[0] = vm_tee(a, RHEAPD_OP_TEE_SHM_REGISTER_FD, g_buf2[b],
				      NULL, 0, 16, NULL);
			tee_dump_req(inv, sess[b], shm[a]);
			r[1] = vm_tee(a, RHEAPD_OP_TEE_INVOKE, 0, inv, sizeof(inv),
				      sizeof(inv), NULL);
			tee_dump_req(inv, sess[a], shm[b]);
			r[2] = vm_tee(a, RHEAPD_OP_TEE_INVOKE, 0, inv, sizeof(inv),
				      sizeof(inv), NULL);
			memcpy(id8, &shm[b], 4);
			r[3] = vm_tee(a, RHEAPD_OP_TEE_SHM_RELEASE, 0, id8, 8, 0,
				      NULL);
			memcpy(id8, &sess[b], 4);
			r[4] = vm_tee(a, RHEAPD_OP_TEE_CLOSE, 0, id8, 8, 0, NULL);
			r[5] = vm_tee(a, RHEAPD_OP_TEE_CANCEL, 0, id8, 8, 0, NULL);
			for (int k = 0; k < 6; k++) {
				cases++;
				ok += r[k] == -ENOENT;
				tap_check(r[k] == -ENOENT,
					  "vm%u -> vm%u TEE case %d (register its "
					  "buffer, invoke its session, name its shm, "
					  "release, close, cancel) denied: %s",
					  a, b, k, rheap_err_name(r[k]));
			}
			tap_check(denials_total() == before + 6,
				  "vm%u -> vm%u: 6 TEE denials counted", a, b);
		}
	}
	tap_check(cases == 72 && ok == cases,
		  "TEE isolation matrix: %u of %u cases denied", ok, cases);
	for (uint32_t i = 0; i < VMS; i++) {
		uint8_t id8[8] = { 0 };
		uint64_t before = denials_total();
		int busy = vm_buf_op(i, VIRTIO_RHEAP_REQ_FREE, g_buf[i]);
		int rel = 0;
		int cls = 0;

		memcpy(id8, &shm[i], 4);
		rel = vm_tee(i, RHEAPD_OP_TEE_SHM_RELEASE, 0, id8, 8, 0, NULL);
		memcpy(id8, &sess[i], 4);
		cls = vm_tee(i, RHEAPD_OP_TEE_CLOSE, 0, id8, 8, 0, NULL);
		tap_check(busy == -EBUSY && rel == 0 && cls == 0 &&
				  denials_total() == before,
			  "vm%u: FREE of its registered buffer -EBUSY, then "
			  "RELEASE and CLOSE its own: %s %s %s", i,
			  rheap_err_name(busy), rheap_err_name(rel),
			  rheap_err_name(cls));
	}
	{
		/* A response area too small for the op: refused before the
		 * host sees it; an fd-less op naming a buffer is malformed. */
		uint8_t open[24] = { 0 };
		uint8_t q[64] = { 0 };
		struct virtio_rheap_tee_req h = {
			.hdr = { .type = VIRTIO_RHEAP_REQ_TEE },
			.op = RHEAPD_OP_TEE_CLOSE, .payload_len = 8,
			.buffer_id = g_buf[0] };

		memcpy(open, g_sdp_uuid, 16);
		memcpy(q, &h, sizeof(h));
		tap_check(vm_tee(0, RHEAPD_OP_TEE_OPEN, 0, open, sizeof(open),
				 8, NULL) == -ENOSPC &&
				  vm_req(0, q, 40, 24, NULL) == -EINVAL,
			  "TEE: short response area -ENOSPC, CLOSE naming a "
			  "buffer -EINVAL");
	}
}

/* ---- Device jobs through the device (F_DEVJOB) ---- */

/* One DEVICE request; the results into @res (when the response has them). */
static int vm_dev(uint32_t vm, const char *dev, uint32_t cmd,
		  const uint64_t args[8], uint64_t buf, const void *config,
		  uint32_t config_len, uint32_t cap, uint64_t res[8])
{
	uint8_t q[128 + 256] = { 0 };
	uint8_t r[128] = { 0 };
	struct virtio_rheap_device_req h = {
		.hdr = { .type = VIRTIO_RHEAP_REQ_DEVICE },
		.cmd = cmd, .config_len = config_len, .buffer_id = buf };
	int rc = 0;

	memcpy(h.device, dev, strlen(dev));
	memcpy(h.args, args, sizeof(h.args));
	memcpy(q, &h, sizeof(h));
	if (config_len != 0 && config_len <= 256) {
		memcpy(q + 128, config, config_len);
	}
	rc = vm_req(vm, q, 128 + (config_len <= 256 ? config_len : 0), cap, r);
	if (res) {
		memcpy(res, r + 16, 64);
	}
	return rc;
}

static int vm_dev_cmd(uint32_t vm, const char *dev, uint32_t cmd,
		      uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t res[8])
{
	uint64_t a[8] = { a0, a1, a2, a3, a4 };

	return vm_dev(vm, dev, cmd, a, 0, NULL, 0, 80, res);
}

static int vm_vdec_open(uint32_t vm, const void *config, uint32_t len,
			uint64_t *ctx)
{
	uint64_t a[8] = { DEVICE_CODEC_H264, 0, 0, len, 320, 240,
			  DEVICE_FMT_I420 };
	uint64_t res[8] = { 0 };
	int rc = vm_dev(vm, "vdec", DEVICE_CMD_VDEC_OPEN, a, 0, config, len,
			80, res);

	*ctx = rc == 0 ? res[0] : 0;
	return rc;
}

static int vm_gpu_read(uint32_t vm, uint64_t buf)
{
	uint64_t a[8] = { 0, 0, 4096 };

	return vm_dev(vm, "gpu", DEVICE_CMD_GPU_READ, a, buf, NULL, 0, 80,
		      NULL);
}

static void case_devjob(void)
{
	const uint8_t avcc[] = { 1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0 };
	uint64_t ctx[VMS] = { 0 };
	uint64_t att2[VMS] = { 0 };
	uint64_t res[8] = { 0 };
	uint64_t more[8] = { 0 };
	uint32_t cases = 0;
	uint32_t ok = 0;
	int rc = 0;

	for (uint32_t i = 0; i < VMS; i++) {
		int r1 = vm_vdec_open(i, NULL, 0, &ctx[i]);
		int r2 = vm_attach(i, g_buf2[i], "vdec",
				   VIRTIO_RHEAP_ATTACH_WRITE, &att2[i]);
		int r3 = vm_dev_cmd(i, "vdec", DEVICE_CMD_VDEC_QUEUE_OUT,
				    ctx[i], 7, att2[i], 0, 4096, NULL);
		int r4 = vm_dev_cmd(i, "vdec", DEVICE_CMD_VDEC_RECEIVE, ctx[i],
				    0, 0, 0, 0, res);
		int r5 = vm_gpu_read(i, g_buf[i]);

		tap_check(r1 == 0 && ctx[i] >> 32 == i + 1u && r2 == 0 &&
				  r3 == 0 && r4 == 0 &&
				  res[0] == DEVICE_RECV_NONE && r5 == -EPERM,
			  "vm%u DEVICE: VDEC_OPEN gives a VM-local context "
			  "(0x%llx), QUEUE_OUT of its attachment, RECEIVE "
			  "none, GPU_READ of its restricted buffer faults "
			  "(%d %d %d %d %d)",
			  i, (unsigned long long)ctx[i], r1, r2, r3, r4, r5);
	}
	for (uint32_t a = 0; a < VMS; a++) {
		for (uint32_t b = 0; b < VMS; b++) {
			uint64_t before = 0;
			int r[5] = { 0 };

			if (a == b) {
				continue;
			}
			before = denials_total();
			r[0] = vm_dev_cmd(a, "vdec", DEVICE_CMD_VDEC_RECEIVE,
					  ctx[b], 0, 0, 0, 0, NULL);
			r[1] = vm_dev_cmd(a, "vdec", DEVICE_CMD_VDEC_CLOSE,
					  ctx[b], 0, 0, 0, 0, NULL);
			r[2] = vm_dev_cmd(a, "vdec", DEVICE_CMD_VDEC_QUEUE_OUT,
					  ctx[a], 8, att2[b], 0, 4096, NULL);
			r[3] = vm_dev_cmd(a, "vdec", DEVICE_CMD_VDEC_DECODE,
					  ctx[a], g_att[b], 0, 16, 0, NULL);
			r[4] = vm_gpu_read(a, g_buf[b]);
			for (int k = 0; k < 5; k++) {
				cases++;
				ok += r[k] == -ENOENT;
				tap_check(r[k] == -ENOENT,
					  "DEVICE vm%u -> vm%u case %d: "
					  "-ENOENT (%s)",
					  a, b, k, rheap_err_name(r[k]));
			}
			tap_check(denials_total() == before + 5,
				  "DEVICE vm%u -> vm%u: 5 denials counted", a,
				  b);
		}
	}
	tap_check(cases == 60 && ok == cases,
		  "DEVICE isolation matrix: %u of %u cases denied", ok, cases);
	for (uint32_t i = 0; i < VMS; i++) {
		int r1 = vm_dev_cmd(i, "vdec", DEVICE_CMD_VDEC_RECEIVE, ctx[i],
				    0, 0, 0, 0, res);
		int r2 = vm_detach(i, att2[i]);

		tap_check(r1 == 0 && res[0] == DEVICE_RECV_NONE &&
				  r2 == -EBUSY,
			  "vm%u: its context still answers, DETACH of the "
			  "queued attachment -EBUSY (%d %d)",
			  i, r1, r2);
	}
	{
		/* The rules of the request, none a denial. */
		uint64_t before = denials_total();
		uint64_t a[8] = { DEVICE_CODEC_H264, 0, 0, 5, 320, 240, 1 };
		uint64_t z[8] = { ctx[0] };
		uint64_t c = 0;
		int r[12] = { 0 };

		r[0] = vm_dev(0, "vdec", DEVICE_CMD_VDEC_OPEN, a, 0, avcc,
			      sizeof(avcc), 80, NULL);
		r[1] = vm_dev(0, "gpu", DEVICE_CMD_GPU_READ, z, 0, NULL, 0,
			      80, NULL);
		r[2] = vm_dev(0, "vdec", DEVICE_CMD_VDEC_RECEIVE, z, g_buf[0],
			      NULL, 0, 80, NULL);
		r[3] = vm_dev(0, "vdec", 0x0199, z, 0, NULL, 0, 80, NULL);
		r[4] = vm_dev(0, "vdec", DEVICE_CMD_VDEC_RECEIVE, z, 0, NULL,
			      0, 16, NULL);
		r[5] = vm_dev(0, "vdec", DEVICE_CMD_VDEC_RECEIVE, z, 0, NULL,
			      65537, 80, NULL);
		r[6] = vm_dev(0, "display", DEVICE_CMD_VDEC_RECEIVE, z, 0,
			      NULL, 0, 80, NULL);
		r[7] = vm_dev(0, "nodev", DEVICE_CMD_VDEC_RECEIVE, z, 0, NULL,
			      0, 80, NULL);
		{
			struct virtio_rheap_device_req h = {
				.hdr = { .type = VIRTIO_RHEAP_REQ_DEVICE },
				.device = { 'v', 'd', 0, 'e', 'c' },
				.cmd = DEVICE_CMD_VDEC_RECEIVE };

			r[8] = vm_req(0, &h, sizeof(h), 80, NULL);
		}
		r[9] = vm_vdec_open(0, avcc, sizeof(avcc), &c);
		r[10] = vm_dev_cmd(0, "vdec", DEVICE_CMD_VDEC_CLOSE, c, 0, 0,
				   0, 0, NULL);
		r[11] = vm_dev_cmd(0, "vdec", DEVICE_CMD_VDEC_CLOSE, c, 0, 0,
				   0, 0, NULL);
		tap_check(r[0] == -EINVAL && r[1] == -EINVAL &&
				  r[2] == -EINVAL && r[3] == -EOPNOTSUPP &&
				  r[4] == -ENOSPC && r[5] == -EINVAL &&
				  r[6] == -EOPNOTSUPP && r[7] == -ENOENT &&
				  r[8] == -EINVAL,
			  "DEVICE rules: config_len not args[3], GPU_READ "
			  "without a buffer, a buffer with RECEIVE, config "
			  "past the chain -EINVAL; unknown command "
			  "-EOPNOTSUPP; short response -ENOSPC; a vdec "
			  "command on display -EOPNOTSUPP, on no device "
			  "-ENOENT; a name not NUL padded -EINVAL (%d %d %d %d "
			  "%d %d %d %d %d)",
			  r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
			  r[8]);
		tap_check(r[9] == 0 && c >> 32 == 1u && r[10] == 0,
			  "VDEC_OPEN with a %zu-byte avcC config in the chain, "
			  "CLOSE (%d %d)",
			  sizeof(avcc), r[9], r[10]);
		tap_check(r[11] == -ENOENT && denials_total() == before + 1,
			  "CLOSE again: -ENOENT (the VM's own name: one "
			  "denial, the rules none)");
	}
	for (uint32_t i = 1; i < VMS; i++) {
		tap_check(vm_dev_cmd(i, "vdec", DEVICE_CMD_VDEC_CLOSE, ctx[i],
				     0, 0, 0, 0, NULL) == 0 &&
				  vm_detach(i, att2[i]) == 0,
			  "vm%u: CLOSE, then DETACH of the queued attachment",
			  i);
	}
	{
		/* vm0's context table: VMM_DEVCTXS (8) of its own. */
		const uint64_t disp[8] = { 0, 0, 320, 240, DEVICE_FMT_I420,
					   30, 1 };
		uint64_t before = 0;
		uint32_t opened = 0;

		for (uint32_t i = 0; i < 7; i++) {
			opened += vm_vdec_open(0, NULL, 0, &more[i]) == 0;
		}
		before = denials_total();
		rc = vm_dev(0, "display", DEVICE_CMD_DISPLAY_OPEN, disp, 0,
			    NULL, 0, 80, NULL);
		tap_check(opened == 7 && rc == -ENOMEM &&
				  denials_total() == before + 1,
			  "vm0 with 8 contexts: DISPLAY_OPEN -ENOMEM, a denial "
			  "(%u %s)",
			  opened, rheap_err_name(rc));
		for (uint32_t i = 0; i < 7; i++) {
			(void)vm_dev_cmd(0, "vdec", DEVICE_CMD_VDEC_CLOSE,
					 more[i], 0, 0, 0, 0, NULL);
		}
		rc = vm_dev(0, "display", DEVICE_CMD_DISPLAY_OPEN, disp, 0,
			    NULL, 0, 80, res);
		tap_check(rc == 0 && res[0] >> 32 == 1u &&
				  vm_dev_cmd(0, "display",
					     DEVICE_CMD_DISPLAY_CLOSE, res[0],
					     0, 0, 0, 0, NULL) == 0,
			  "vm0: a display session once contexts are closed "
			  "(%s 0x%llx)",
			  rheap_err_name(rc), (unsigned long long)res[0]);
	}
	tap_check(vm_dev_cmd(0, "vdec", DEVICE_CMD_VDEC_CLOSE, ctx[0], 0, 0, 0,
			     0, NULL) == 0 &&
			  vm_detach(0, att2[0]) == 0,
		  "vm0: CLOSE, then DETACH of the queued attachment");
}

static void case_quota(void)
{
	uint64_t id[8] = { 0 };
	uint64_t before = denials_total();
	int rc = 0;
	uint32_t n = 0;

	/* vm1 holds 2 buffers (1 MiB + 4 KiB); quota 4 MiB, 6 buffers. */
	while (n < 8 && (rc = vm_alloc(1, g_heap_r, 1 << 20, &id[n])) == 0) {
		uint64_t other = 0;

		tap_check(vm_alloc(2, g_heap_r, 4096, &other) == 0 &&
				  vm_buf_op(2, VIRTIO_RHEAP_REQ_FREE, other) == 0,
			  "vm2 allocates while vm1 fills its quota (%u)", n);
		n++;
	}
	tap_check(rc == -ENOMEM && n == 2, "vm1: byte quota -ENOMEM after %u MiB", n);
	tap_check(vm_alloc(1, g_heap_r, 4096, &id[n]) == 0 &&
			  vm_alloc(1, g_heap_r, 4096, &id[n + 1]) == 0 &&
			  vm_alloc(1, g_heap_r, 4096, &id[n + 2]) == -ENOMEM,
		  "vm1: buffer quota (6) -ENOMEM");
	tap_check(vm_attach(1, g_buf2[1], "vdec", 0, &id[6]) == 0 &&
			  vm_attach(1, g_buf2[1], "display", 0, &id[7]) == 0 &&
			  vm_attach(1, g_buf2[1], "vdec", 0, NULL) == -ENOMEM,
		  "vm1: attachment quota (3) -ENOMEM");
	tap_check(denials_total() == before + 3, "3 quota denials counted");
	tap_check(vm_detach(1, id[6]) == 0 && vm_detach(1, id[7]) == 0,
		  "vm1: detach the quota attachments");
	for (uint32_t i = 0; i < n + 2; i++) {
		(void)vm_buf_op(1, VIRTIO_RHEAP_REQ_FREE, id[i]);
	}
	tap_check(vm_field(1, "buffers") == 2, "vm1 back to 2 buffers");
}

static void case_hostile_rings(void)
{
	static const char *names[] = { "", "descriptor loop", "out-of-range GPA",
				       "bad indirect length", "readable bytes over the chain limit",
				       "head index out of range", "indirect inside indirect",
				       "zero-length descriptor", "available index runs ahead" };
	static struct tg_cmd c;
	static struct tg_rep r;

	for (uint32_t mode = 1; mode <= 8; mode++) {
		uint64_t before = denials_total();
		uint64_t id = 0;
		int rc = 0;

		memset(&c, 0, sizeof(c));
		c.op = TG_HOSTILE;
		c.arg = mode;
		rc = vm_cmd(3, &c, &r);
		tap_check(rc == 0 && (r.v & 64u),
			  "vm3 %s: DEVICE_NEEDS_RESET (status 0x%llx)", names[mode],
			  (unsigned long long)r.v);
		tap_check(denials_total() == before + 1, "... counted as a denial");
		tap_check(vm_alloc(0, g_heap_r, 4096, &id) == 0 &&
				  vm_buf_op(0, VIRTIO_RHEAP_REQ_FREE, id) == 0,
			  "... vm0 unaffected");
		memset(&c, 0, sizeof(c));
		c.op = TG_INIT;
		rc = vm_cmd(3, &c, &r);
		tap_check(rc == 0 && r.v == 15 && vm_field(3, "buffers") == 0 &&
				  vm_field(3, "attachments") == 0 &&
				  vm_alloc(3, g_heap_r, 4096, &id) == 0 &&
				  vm_buf_op(3, VIRTIO_RHEAP_REQ_FREE, id) == 0,
			  "... vm3 reset (buffers released) and re-initialised serves");
	}
	/* Transport rules. */
	memset(&c, 0, sizeof(c));
	c.op = TG_MMIO;
	c.a = 0x200;
	c.arg = 4;
	tap_check(vm_cmd(3, &c, &r) == -EINVAL, "mmio: unknown offset VT_MMIO_E_BAD");
	c.a = VT_MMIO_DRV_FEATURES;
	c.data[0] = 1;
	tap_check(vm_cmd(3, &c, &r) == -EBUSY, "mmio: features after FEATURES_OK E_STATE");
	memset(&c, 0, sizeof(c));
	c.op = TG_INIT;
	tap_check(vm_cmd(3, &c, &r) == 0 && r.v == 15, "vm3 re-initialised");
}

static void case_board_hyp(void)
{
	struct nw_client *c = NULL;

	tap_check(nw_client_connect_hyp(g_p.board_sock, &c) == -EBUSY,
		  "a second hypervisor HELLO -EBUSY");
	nw_client_destroy(c);
}

static size_t rheapd_buffers(void)
{
	struct json_doc *d = NULL;
	size_t n = SIZE_MAX;

	if (platform_status(&d) == 0) {
		n = status_array_count(d, "buffers");
		json_free(d);
	}
	return n;
}

/* Host rheapd's device contexts (its clients' sum; the VMs' included). */
static uint64_t rheapd_contexts(void)
{
	struct json_doc *d = NULL;
	const struct json_value *cl = NULL;
	uint64_t sum = UINT64_MAX;

	if (platform_status(&d) != 0) {
		return sum;
	}
	sum = 0;
	cl = json_object_get(json_root(d), "clients");
	for (const struct json_value *c = cl ? cl->child : NULL; c;
	     c = c->next) {
		uint64_t n = status_u64(c, "device_contexts");

		sum += n == UINT64_MAX ? 1000u : n;
	}
	json_free(d);
	return sum;
}

/* The board's STATUS, parsed; NULL on failure. */
static struct json_doc *board_status_doc(void)
{
	struct nw_client *op = NULL;
	struct json_doc *d = NULL;
	char *json = NULL;
	size_t len = 0;

	if (nw_client_connect(g_p.board_sock, BOARD_CONN_OPERATOR, &op) != 0 ||
	    nw_client_status(op, &json, &len) != 0 ||
	    json_parse(json, len, &d, NULL) != 0) {
		d = NULL;
	}
	free(json);
	nw_client_destroy(op);
	return d;
}

/* The board's spmc.scrubbed_pages; UINT64_MAX on failure. */
static uint64_t board_scrubbed_pages(void)
{
	struct json_doc *d = board_status_doc();
	const struct json_value *spmc = d ? json_object_get(json_root(d), "spmc") : NULL;
	uint64_t v = UINT64_MAX;

	if (spmc) {
		(void)json_get_u64(json_object_get(spmc, "scrubbed_pages"), &v);
	}
	json_free(d);
	return v;
}

/*
 * Board STATUS after vm2 (endpoint 0x0004) died with two LENDs of its own
 * RAM: the vmm reclaimed them as the hypervisor, so no entry is left under
 * 0x0004 (no share, no lingering ID), and every lent page was scrubbed.
 */
static void case_board_after_kill(uint64_t scrubbed_before)
{
	const struct json_value *eps = NULL;
	struct json_doc *d = board_status_doc();
	uint64_t scrubbed = board_scrubbed_pages();
	uint64_t vms = UINT64_MAX;
	bool vm2_listed = false;

	if (!d) {
		tap_check(false, "board STATUS");
		return;
	}
	(void)json_get_u64(json_object_get(json_root(d), "vms_connected"), &vms);
	eps = json_object_get(json_root(d), "endpoints");
	for (const struct json_value *e = eps ? eps->child : NULL; e; e = e->next) {
		uint64_t id = 0;

		(void)json_get_u64(json_object_get(e, "id"), &id);
		vm2_listed = vm2_listed || id == 4;
	}
	tap_check(vms == 3 && !vm2_listed,
		  "board: 3 VMs connected, endpoint 0x0004 not listed (no share, no lingering ID)");
	tap_check(scrubbed != UINT64_MAX && scrubbed >= scrubbed_before + 6,
		  "board: vm2's 6 lent pages scrubbed by the reclaim (%llu -> %llu)",
		  (unsigned long long)scrubbed_before, (unsigned long long)scrubbed);
	json_free(d);
}

/* The vmm's log has a line containing @needle. */
static bool vmm_log_has(const char *needle)
{
	char line[512];
	FILE *f = fopen(g_vmm_log, "r");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		found = strstr(line, needle) != NULL;
	}
	if (f) {
		fclose(f);
	}
	return found;
}

/*
 * The board's NW DRAM memfd holding [@pa, +@size), opened through
 * /proc/<board>/fd (same user); *@off is @pa's file offset. -1 if none.
 */
static int board_dram_open(uint64_t pa, uint64_t size, off_t *off)
{
	char path[64];
	char target[128];

	for (int fd = 3; fd < 1024; fd++) {
		unsigned long long base = 0;
		struct stat st;
		ssize_t n = 0;
		int f = -1;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)g_p.board, fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0) {
			continue;
		}
		target[n] = '\0';
		if (sscanf(target, "/memfd:rheap-dram@%llx", &base) != 1 ||
		    pa < base) {
			continue;
		}
		f = open(path, O_RDONLY | O_CLOEXEC);
		if (f < 0 || fstat(f, &st) != 0 ||
		    pa - base + size > (uint64_t)st.st_size) {
			if (f >= 0) {
				close(f);
			}
			continue;
		}
		*off = (off_t)(pa - base);
		return f;
	}
	return -1;
}

/* vm2's RAM slice reads as zeros in the board's DRAM: 1, else 0 (-1: I/O). */
static int slice_zeroed(uint64_t pa, uint64_t size)
{
	static uint8_t buf[1u << 20];
	off_t off = 0;
	int fd = board_dram_open(pa, size, &off);
	int zero = 1;

	if (fd < 0) {
		return -1;
	}
	for (uint64_t done = 0; zero == 1 && done < size; done += sizeof(buf)) {
		size_t want = size - done < sizeof(buf) ? (size_t)(size - done) :
							   sizeof(buf);

		if (pread(fd, buf, want, off + (off_t)done) != (ssize_t)want) {
			zero = -1;
			break;
		}
		for (size_t i = 0; i < want; i++) {
			if (buf[i] != 0) {
				zero = 0;
				break;
			}
		}
	}
	close(fd);
	return zero;
}

static void case_kill(void)
{
	static struct tg_cmd c;
	pid_t pid = (pid_t)vm_field(2, "pid");
	uint64_t expect = 0;
	uint64_t end = 0;
	size_t bufs = 0;

	uint64_t ram_pa = vm_field(2, "ram_base");
	uint64_t ram_size = vm_field(2, "ram_size");
	uint64_t scrubbed = 0;
	uint64_t h = 0;
	uint8_t pat[1024];

	/*
	 * vm2 already lends 4 pages at G_DATA (case_isolation); it lends 2
	 * more with a pattern in each, and leaves one in a page it keeps.
	 */
	memset(pat, 0xC3, sizeof(pat));
	tap_check(vm_write(2, G_DATA + 64 * PAGE, pat, sizeof(pat)) == 0 &&
			  vm_write(2, G_DATA + 65 * PAGE, pat, sizeof(pat)) == 0 &&
			  vm_write(2, G_DATA + 80 * PAGE, pat, sizeof(pat)) == 0 &&
			  vm_send(2, FFA_MEM_LEND_64, RHEAP_FFA_ABI_LEND,
				  G_DATA + 64 * PAGE, 2, 4, &h) == 0,
		  "vm2: LENDs 2 more pages of its RAM (with a pattern) before dying");
	{
		/* A decoder context with vm2's attachment queued: its death
		 * must close it on the board (its host connections close). */
		uint64_t ctx = 0;
		int r1 = vm_vdec_open(2, NULL, 0, &ctx);
		int r2 = vm_dev_cmd(2, "vdec", DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 3,
				    g_att[2], 0, 4096, NULL);

		tap_check(r1 == 0 && r2 == 0 && rheapd_contexts() == 1,
			  "vm2: a decoder context with its attachment queued "
			  "(host rheapd: 1 context) (%d %d)",
			  r1, r2);
	}
	scrubbed = board_scrubbed_pages();
	memset(&c, 0, sizeof(c));
	c.op = TG_STORM;
	c.arg = 1000;
	c.a = g_heap_s;
	tap_check(send(g_vm[2], &c, sizeof(c), 0) == (ssize_t)sizeof(c),
		  "vm2: storm of ALLOCs started");
	usleep(100000);
	tap_check(pid > 0 && kill(pid, SIGKILL) == 0, "vm2 (pid %d) SIGKILLed mid-storm",
		  (int)pid);
	end = now_ms() + 5000;
	while (vm_field(2, "alive") != 0 && now_ms() < end) {
		usleep(20000);
	}
	tap_check(vm_field(2, "alive") == 0 && vm_field(2, "buffers") == 0 &&
			  vm_field(2, "attachments") == 0,
		  "vmm: vm2 dead, 0 buffers, 0 attachments");
	for (uint32_t i = 0; i < VMS; i++) {
		if (i != 2) {
			expect += vm_field(i, "buffers");
		}
	}
	end = now_ms() + 5000;
	while ((bufs = rheapd_buffers()) != expect && now_ms() < end) {
		usleep(50000);
	}
	tap_check(bufs == expect, "host rheapd: %zu buffers = the live VMs' %llu",
		  bufs, (unsigned long long)expect);
	end = now_ms() + 5000;
	while (rheapd_contexts() != 0 && now_ms() < end) {
		usleep(20000);
	}
	tap_check(rheapd_contexts() == 0,
		  "host rheapd: vm2's decoder context closed with it");
	{
		uint64_t id = 0;

		tap_check(vm_alloc(0, g_heap_r, 4096, &id) == 0 &&
				  vm_buf_op(0, VIRTIO_RHEAP_REQ_FREE, id) == 0 &&
				  vm_alloc(3, g_heap_s, 4096, &id) == 0 &&
				  vm_buf_op(3, VIRTIO_RHEAP_REQ_FREE, id) == 0,
			  "vm0 and vm3 keep working");
		tap_check(vm_reclaim(0, g_handle[0]) == 0,
			  "vm0 reclaims its own LEND");
	}
	case_board_after_kill(scrubbed);
	tap_check(vmm_log_has("vm2: reclaimed 2 orphaned transaction(s) of endpoint 0x0004"),
		  "vmm log: vm2's 2 orphaned LENDs reclaimed as the hypervisor");
	tap_check(ram_size != UINT64_MAX && ram_size > 0 &&
			  slice_zeroed(ram_pa, ram_size) == 1,
		  "vm2's RAM slice [0x%llx, +0x%llx) reads as zeros in the board's DRAM",
		  (unsigned long long)ram_pa, (unsigned long long)ram_size);
}

int main(int argc, char **argv)
{
	int status = 0;

	platform_args(argc, argv);
	if (platform_start(&g_p, NULL, -1) != 0) {
		return 1;
	}
	if (!tap_check(vmm_start() == 0, "rheap-vmm --vms 4 ready")) {
		dump_vmm_log();
		platform_stop(&g_p);
		return 1;
	}
	for (uint32_t i = 0; i < VMS; i++) {
		tap_check(vm_connect(i) == 0, "guest vm%u serving", i);
	}
	case_board_hyp();
	case_round_trips();
	case_isolation();
	case_tee();
	case_devjob();
	case_quota();
	case_hostile_rings();
	case_kill();
	for (uint32_t i = 0; i < VMS; i++) {
		if (g_vm[i] >= 0) {
			close(g_vm[i]);
		}
	}
	tap_check(kill(g_vmm, SIGTERM) == 0 && waitpid(g_vmm, &status, 0) == g_vmm &&
			  WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "SIGTERM: rheap-vmm exits 0");
	tap_check(platform_wait_idle(10000) == 0, "host rheapd idle: no buffer left");
	status = tap_done();
	if (status != 0) {
		dump_vmm_log();
	}
	if (platform_stop(&g_p) != 0) {
		return 1;
	}
	return status;
}
