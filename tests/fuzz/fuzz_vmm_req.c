// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for what rheap-vmm parses from a hostile guest
 * (src/hyp/vmm_dev.c, vmm_ffa.c), without processes: the request decoder,
 * the stage-2 check of a memory transaction, and the virtio-mmio register
 * state machine over a fake VM whose "guest RAM" is a static buffer.
 *
 * Input: byte 0 picks the mode (value % 3), the rest is mode-specific.
 *
 * Mode 0, vmm_req_decode(). Byte 1: negotiated features (bit 0
 * F_DEVICES, bit 1 F_FFA, bit 2 an unknown bit 63, bit 3 F_TEE, bit 4
 * F_DEVJOB), byte 2:
 * heap count
 * (% 17), the rest: the request. Properties: the result is 0 or one of
 * -EINVAL, -ENOENT, -EOVERFLOW, -EOPNOTSUPP; type and tag are set iff the
 * header fits; -EOPNOTSUPP only for an unknown type or a missing feature;
 * an accepted request has its fields within bounds (heap index below the
 * count, ALLOC length >= 1 with size its page round-up, fd_flags valid, a
 * NUL-terminated NUL-padded device name of 1..31 characters, known ATTACH
 * flags, a TEE op in 0x10..0x15 with its payload inside the request and
 * a buffer ID exactly for TEE_SHM_REGISTER_FD; a DEVICE request with a
 * known command, a device name as ATTACH's, a config inside the request
 * exactly as long as args[3] for VDEC_OPEN and none otherwise, a buffer
 * ID exactly for GPU_READ; unused fields 0), and
 * re-encoding it gives back exactly the
 * type's bytes of the input (a decoder that accepts only canonical
 * requests), which decode again to the same value; the bytes past the
 * type's struct (TEE: past the struct and its payload; DEVICE: past the
 * struct and its config) never change the outcome.
 *
 * Mode 1, vmm_ffa_stage2_check() + vmm_ffa_translate(). A VM with 64
 * pages of RAM at PA 0xA000_0000, its page table (OWNED/SHARED/LENT from
 * the input), maybe a mailbox, maybe a live virtqueue in its RAM. The
 * descriptor is either raw input bytes or built from the input (sender,
 * up to 8 ranges with page numbers inside, at the edge of and beyond the
 * RAM, unaligned or near-2^64 addresses), encoded with
 * rheap_ffa_mem_encode() and mutated in up to 2 bytes; whatever
 * rheap_ffa_mem_decode() accepts is checked. Properties: the result is 0
 * or -EPERM with a reason; it is 0 exactly when an independent page-by-
 * page model accepts (sender is the VM; every range aligned, non-empty,
 * inside the RAM, only OWNED pages, none holding the live queue or the
 * mailbox); on acceptance the page count is the sum, every translated PA
 * range lies inside the VM's slice, every page of it is OWNED, and the
 * translated descriptor encodes and decodes back to itself.
 *
 * Mode 2, vmm_dev_mmio_step() over a fake VM (64 pages of RAM, quota_bytes
 * 0 so that ALLOC is refused before any host call, no FF-A: F_FFA makes
 * the VM "not alive", so kicks serve nothing). Operations: register reads
 * and writes (offset from the register table or raw), raw datagrams,
 * guest writes into its RAM (never into LENT pages), a chain added with
 * virtq's driver side, a kick, a "LEND" of a page (only when no live
 * queue uses it, as vmm_ffa allows), a bring-up sequence (host rheapd
 * is a path that does not exist: TEE and DEVICE requests that pass their
 * checks end in -ENOENT). Properties
 * after each: the answer is OK, E_BAD or E_STATE; E_BAD and reads change
 * no register; NEEDS_RESET stays until a Status 0; FEATURES_OK implies a
 * subset of the device's features with VERSION_1; QueueReady implies a
 * live queue; the device never changes a byte of a LENT page; the request
 * and denial counters never go back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/virtio_rheap.h>

#include "hyp/virtq.h"
#include "hyp/vmm_internal.h"
#include "hyp/vtransport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGES 64u
#define PAGE VMM_PAGE_SIZE
#define RAM_SIZE (PAGES * PAGE)
#define RAM_PA UINT64_C(0xA0000000)
#define OPS_MAX 96u
#define FUZZ_NO_RHEAPD "/nonexistent/rheap-fuzz/rheapd.sock"

static _Alignas(4096) uint8_t g_ram[RAM_SIZE];
static uint8_t g_snap[RAM_SIZE];
static uint8_t g_pages[PAGES];
static bool g_lent_before[PAGES]; /* LENT when the operation began */
static struct vmm g_vmm;
static struct vmm_buf g_bufs[4];
static struct vmm_att g_atts[4];
static struct vmm_share g_shares[VMM_MAX_SHARES];
static int g_irq_fd = -1;
static int g_kick_fd = -1;

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

/* A cursor over the input; reads past the end give 0. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t rd8(struct reader *r)
{
	uint8_t v = 0;

	if (r->left) {
		v = *r->p++;
		r->left--;
	}
	return v;
}

static uint32_t rd32(struct reader *r)
{
	uint32_t v = rd8(r);

	v |= (uint32_t)rd8(r) << 8;
	v |= (uint32_t)rd8(r) << 16;
	return v | (uint32_t)rd8(r) << 24;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = v << 8 | p[i];
	}
	return v;
}

static void st32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

/* ---- Mode 0: the request decoder ---- */

static size_t req_struct_size(uint32_t type)
{
	switch (type) {
	case VIRTIO_RHEAP_REQ_HEAP_INFO:
		return sizeof(struct virtio_rheap_heap_info_req);
	case VIRTIO_RHEAP_REQ_ALLOC:
		return sizeof(struct virtio_rheap_alloc_req);
	case VIRTIO_RHEAP_REQ_FREE:
	case VIRTIO_RHEAP_REQ_QUERY:
		return sizeof(struct virtio_rheap_buffer_req);
	case VIRTIO_RHEAP_REQ_ATTACH:
		return sizeof(struct virtio_rheap_attach_req);
	case VIRTIO_RHEAP_REQ_DETACH:
		return sizeof(struct virtio_rheap_detach_req);
	case VIRTIO_RHEAP_REQ_FFA:
		return sizeof(struct virtio_rheap_ffa);
	case VIRTIO_RHEAP_REQ_TEE:
		return sizeof(struct virtio_rheap_tee_req); /* + payload */
	case VIRTIO_RHEAP_REQ_DEVICE:
		return sizeof(struct virtio_rheap_device_req); /* + config */
	default:
		return 0;
	}
}

/* The bytes of the request that matter: the type's struct, and a TEE
 * request's payload or a DEVICE request's config when it fits in @qlen. */
static size_t req_size(const uint8_t *b, uint32_t qlen, uint32_t type)
{
	size_t n = req_struct_size(type);
	uint32_t pl = 0;

	if ((type != VIRTIO_RHEAP_REQ_TEE && type != VIRTIO_RHEAP_REQ_DEVICE) ||
	    qlen < n) {
		return n;
	}
	pl = type == VIRTIO_RHEAP_REQ_TEE
		     ? (uint32_t)ld64(b + 16 + 4) & UINT32_MAX
		     : (uint32_t)ld64(b + 48 + 4) & UINT32_MAX;
	return pl <= qlen - n ? n + pl : n;
}

static bool dev_cmd_known(uint32_t cmd)
{
	switch (cmd) {
	case DEVICE_CMD_VDEC_OPEN:
	case DEVICE_CMD_VDEC_QUEUE_OUT:
	case DEVICE_CMD_VDEC_DECODE:
	case DEVICE_CMD_VDEC_RECEIVE:
	case DEVICE_CMD_VDEC_CLOSE:
	case DEVICE_CMD_DISPLAY_OPEN:
	case DEVICE_CMD_DISPLAY_SHOW:
	case DEVICE_CMD_DISPLAY_CLOSE:
	case DEVICE_CMD_GPU_READ:
		return true;
	default:
		return false;
	}
}

/* The canonical bytes of a decoded request (the test's own encoder); a
 * TEE request's payload is taken from @src. */
static size_t req_encode(const struct vmm_req *q, const uint8_t *src,
			 uint8_t *b)
{
	size_t n = req_struct_size(q->type);

	memset(b, 0, 160);
	st32(b, q->type);
	st64(b + 8, q->tag);
	switch (q->type) {
	case VIRTIO_RHEAP_REQ_HEAP_INFO:
		st32(b + 16, q->heap_index);
		break;
	case VIRTIO_RHEAP_REQ_ALLOC:
		st32(b + 16, q->heap_index);
		st64(b + 24, q->len);
		st32(b + 36, q->fd_flags);
		break;
	case VIRTIO_RHEAP_REQ_FREE:
	case VIRTIO_RHEAP_REQ_QUERY:
	case VIRTIO_RHEAP_REQ_DETACH:
		st64(b + 16, q->id);
		break;
	case VIRTIO_RHEAP_REQ_ATTACH:
		st64(b + 16, q->id);
		memcpy(b + 24, q->device, sizeof(q->device));
		st32(b + 56, q->flags);
		break;
	case VIRTIO_RHEAP_REQ_FFA:
		for (uint32_t i = 0; i < VIRTIO_RHEAP_FFA_REGS; i++) {
			st64(b + 16 + 8 * i, q->x[i]);
		}
		break;
	case VIRTIO_RHEAP_REQ_TEE:
		st32(b + 16, q->tee_op);
		st32(b + 20, q->payload_len);
		st64(b + 24, q->id);
		memcpy(b + n, src + n, q->payload_len);
		n += q->payload_len;
		break;
	case VIRTIO_RHEAP_REQ_DEVICE:
		memcpy(b + 16, q->device, sizeof(q->device));
		st32(b + 48, q->cmd);
		st32(b + 52, q->payload_len);
		for (uint32_t i = 0; i < VIRTIO_RHEAP_DEVJOB_ARGS; i++) {
			st64(b + 56 + 8 * i, q->args[i]);
		}
		st64(b + 120, q->id);
		memcpy(b + n, src + n, q->payload_len);
		n += q->payload_len;
		break;
	default:
		break;
	}
	return n;
}

static bool req_eq(const struct vmm_req *a, const struct vmm_req *b)
{
	return a->type == b->type && a->tag == b->tag &&
	       a->heap_index == b->heap_index && a->fd_flags == b->fd_flags &&
	       a->len == b->len && a->size == b->size && a->id == b->id &&
	       memcmp(a->device, b->device, sizeof(a->device)) == 0 &&
	       a->flags == b->flags && memcmp(a->x, b->x, sizeof(a->x)) == 0 &&
	       a->tee_op == b->tee_op && a->payload_len == b->payload_len &&
	       a->cmd == b->cmd && memcmp(a->args, b->args, sizeof(a->args)) == 0;
}

static void check_req_fields(const struct vmm_req *q, uint32_t heap_count)
{
	static const struct vmm_req zero;
	struct vmm_req rest = *q;
	size_t nlen = 0;

	switch (q->type) {
	case VIRTIO_RHEAP_REQ_HEAP_INFO:
		check(q->heap_index < heap_count);
		rest.heap_index = 0;
		break;
	case VIRTIO_RHEAP_REQ_ALLOC:
		check(q->heap_index < heap_count && q->len >= 1 &&
		      q->size >= q->len && q->size - q->len < PAGE &&
		      q->size % PAGE == 0 &&
		      (q->fd_flags & ~VIRTIO_RHEAP_VALID_FD_FLAGS) == 0);
		rest.heap_index = 0;
		rest.len = 0;
		rest.size = 0;
		rest.fd_flags = 0;
		break;
	case VIRTIO_RHEAP_REQ_FREE:
	case VIRTIO_RHEAP_REQ_QUERY:
	case VIRTIO_RHEAP_REQ_DETACH:
		rest.id = 0;
		break;
	case VIRTIO_RHEAP_REQ_ATTACH:
		nlen = strnlen(q->device, sizeof(q->device));
		check(nlen >= 1 && nlen < sizeof(q->device));
		for (size_t i = nlen; i < sizeof(q->device); i++) {
			check(q->device[i] == 0);
		}
		check((q->flags & ~VIRTIO_RHEAP_ATTACH_WRITE) == 0);
		rest.id = 0;
		rest.flags = 0;
		memset(rest.device, 0, sizeof(rest.device));
		break;
	case VIRTIO_RHEAP_REQ_FFA:
		memset(rest.x, 0, sizeof(rest.x));
		break;
	case VIRTIO_RHEAP_REQ_TEE:
		check(q->tee_op >= VIRTIO_RHEAP_TEE_OP_FIRST &&
		      q->tee_op <= VIRTIO_RHEAP_TEE_OP_LAST &&
		      q->payload_len <= VIRTIO_RHEAP_TEE_PAYLOAD_MAX &&
		      (q->tee_op == VIRTIO_RHEAP_TEE_OP_SHM_REGISTER) ==
			      (q->id != 0));
		rest.tee_op = 0;
		rest.payload_len = 0;
		rest.id = 0;
		break;
	case VIRTIO_RHEAP_REQ_DEVICE:
		nlen = strnlen(q->device, sizeof(q->device));
		check(nlen >= 1 && nlen < sizeof(q->device));
		for (size_t i = nlen; i < sizeof(q->device); i++) {
			check(q->device[i] == 0);
		}
		check(dev_cmd_known(q->cmd) &&
		      q->payload_len <= VIRTIO_RHEAP_DEVJOB_CONFIG_MAX);
		if (q->cmd == DEVICE_CMD_VDEC_OPEN) {
			check(q->payload_len == q->args[3] && q->id == 0);
		} else {
			check(q->payload_len == 0 &&
			      (q->cmd == DEVICE_CMD_GPU_READ) == (q->id != 0));
		}
		memset(rest.device, 0, sizeof(rest.device));
		memset(rest.args, 0, sizeof(rest.args));
		rest.cmd = 0;
		rest.payload_len = 0;
		rest.id = 0;
		break;
	default:
		check(false); /* an unknown type is never accepted */
	}
	rest.type = 0;
	rest.tag = 0;
	check(req_eq(&rest, &zero)); /* unused fields are 0 */
}

static void fuzz_decode(struct reader *r)
{
	uint8_t fsel = rd8(r);
	uint32_t heap_count = rd8(r) % 17u;
	uint64_t features = 0;
	struct vmm_req q = { 0 };
	struct vmm_req q2 = { 0 };
	static uint8_t enc[VMM_MAX_REQUEST + 160];
	uint8_t *copy = NULL;
	uint32_t qlen = r->left > VMM_MAX_REQUEST ? VMM_MAX_REQUEST :
						   (uint32_t)r->left;
	size_t n = 0;
	int rc = 0;
	int rc2 = 0;

	if (fsel & 1) {
		features |= VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES);
	}
	if (fsel & 2) {
		features |= VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA);
	}
	if (fsel & 4) {
		features |= UINT64_C(1) << 63;
	}
	if (fsel & 8) {
		features |= VIRTQ_FEATURE(VIRTIO_RHEAP_F_TEE);
	}
	if (fsel & 16) {
		features |= VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVJOB);
	}
	/* An exact-size copy, so that ASan sees a read past the request. */
	copy = malloc(qlen ? qlen : 1);
	check(copy != NULL);
	memcpy(copy, r->p, qlen);
	rc = vmm_req_decode(copy, qlen, features, heap_count, &q);
	check(rc == 0 || rc == -EINVAL || rc == -ENOENT || rc == -EOVERFLOW ||
	      rc == -EOPNOTSUPP);
	if (qlen < sizeof(struct virtio_rheap_req_hdr)) {
		check(rc == -EINVAL && q.type == 0 && q.tag == 0);
		goto out;
	}
	check(q.type == (uint32_t)(copy[0] | copy[1] << 8 | copy[2] << 16 |
				   (uint32_t)copy[3] << 24));
	check(q.tag == ld64(copy + 8));
	n = req_size(copy, qlen, q.type);
	if (rc == -EOPNOTSUPP) {
		bool dev = q.type == VIRTIO_RHEAP_REQ_ATTACH ||
			   q.type == VIRTIO_RHEAP_REQ_DETACH;
		bool ffa = q.type == VIRTIO_RHEAP_REQ_FFA;
		bool tee = q.type == VIRTIO_RHEAP_REQ_TEE;
		bool job = q.type == VIRTIO_RHEAP_REQ_DEVICE;

		check(n == 0 ||
		      (dev && !(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES))) ||
		      (ffa && !(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA))) ||
		      (tee && !(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_TEE))) ||
		      (job && (!(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVJOB)) ||
			       !dev_cmd_known(q.cmd))));
	}
	if (rc == -ENOENT) {
		check(q.type == VIRTIO_RHEAP_REQ_HEAP_INFO ||
		      q.type == VIRTIO_RHEAP_REQ_ALLOC);
	}
	if (rc == -EOVERFLOW) {
		check(q.type == VIRTIO_RHEAP_REQ_ALLOC);
	}
	if (n != 0 && qlen > n) {
		/* The bytes past the type's struct do not matter. */
		rc2 = vmm_req_decode(copy, (uint32_t)n, features, heap_count, &q2);
		check(rc2 == rc);
		check(rc != 0 || req_eq(&q, &q2));
	}
	if (rc != 0) {
		goto out;
	}
	check(n != 0 && qlen >= n);
	check_req_fields(&q, heap_count);
	check(req_encode(&q, copy, enc) == n);
	check(memcmp(enc, copy, n) == 0); /* canonical */
	rc2 = vmm_req_decode(enc, (uint32_t)n, features, heap_count, &q2);
	check(rc2 == 0 && req_eq(&q, &q2));
out:
	free(copy);
}

/* ---- The fake VM (modes 1 and 2) ---- */

static struct vmm_vm *vm_setup(void)
{
	struct vmm_vm *vm = &g_vmm.vms[0];

	if (g_irq_fd < 0) {
		g_irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		g_kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		check(g_irq_fd >= 0 && g_kick_fd >= 0);
	}
	memset(&g_vmm, 0, sizeof(g_vmm));
	/* Hermetic: a TEE or DEVICE request that gets past its checks finds
	 * no host rheapd (-ENOENT), never one that happens to run here. */
	g_vmm.cfg.rheapd_path = FUZZ_NO_RHEAPD;
	(void)setenv("RHEAPD_SOCKET", FUZZ_NO_RHEAPD, 1);
	(void)unsetenv("RHEAP_BACKEND");
	g_vmm.cfg.vm_count = 1;
	g_vmm.cfg.quiet = true;
	g_vmm.cfg.quota_bytes = 0; /* ALLOC: refused before the host is asked */
	g_vmm.cfg.quota_buffers = 4;
	g_vmm.cfg.quota_attachments = 4;
	g_vmm.heap_count = 2;
	memcpy(g_vmm.heaps[0].name, "restricted,video", 17);
	memcpy(g_vmm.heaps[1].name, "system", 7);
	g_vmm.heaps[0].restricted = true;
	g_vmm.heaps[0].capacity = UINT64_C(1) << 26;
	g_vmm.epfd = -1;
	g_vmm.sigfd = -1;
	g_vmm.ctl_fd = -1;
	memset(g_bufs, 0, sizeof(g_bufs));
	memset(g_atts, 0, sizeof(g_atts));
	memset(g_shares, 0, sizeof(g_shares));
	memset(g_pages, 0, sizeof(g_pages));
	memset(g_ram, 0, sizeof(g_ram));
	vm->vmm = &g_vmm;
	vm->index = 0;
	vm->ep = 0x0002;
	vm->pidfd = -1;
	vm->alive = true;
	vm->ram_pa = RAM_PA;
	vm->ram_size = RAM_SIZE;
	vm->ram = g_ram;
	vm->mmio_fd = -1;
	vm->kick_fd = g_kick_fd;
	vm->irq_fd = g_irq_fd;
	vm->range = (struct virtq_mem_range){ .gpa = 0, .size = RAM_SIZE,
					      .host = g_ram };
	vm->mem = (struct virtq_mem){ .ranges = &vm->range, .range_count = 1 };
	vm->bufs = g_bufs;
	vm->atts = g_atts;
	vm->pages = g_pages;
	vm->shares = g_shares;
	vm->next_buf_id = 1;
	vm->next_att_id = 1;
	vmm_dev_reset(vm);
	return vm;
}

static void pages_from_input(struct reader *r)
{
	for (uint32_t i = 0; i < PAGES; i += 4) {
		uint8_t b = rd8(r);

		for (uint32_t j = 0; j < 4; j++) {
			uint8_t st = (uint8_t)(b >> (2 * j) & 3);

			g_pages[i + j] = st == 3 ? VMM_PAGE_OWNED : st;
		}
	}
}

/* ---- Mode 1: the stage-2 check ---- */

/* The model: may this VM send [gpa, +count pages)? Page by page. */
static bool model_range_ok(const struct vmm_vm *vm, uint64_t gpa,
			   uint32_t count)
{
	uint64_t mbox = (uint64_t)vm->mbox_pages * PAGE;

	if (gpa % PAGE != 0 || count == 0 || gpa >= RAM_SIZE ||
	    count > (RAM_SIZE - gpa) / PAGE) {
		return false;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint64_t p = gpa + (uint64_t)i * PAGE;

		if (g_pages[p / PAGE] != VMM_PAGE_OWNED ||
		    virtq_dev_overlaps(&vm->vq, p, PAGE)) {
			return false;
		}
		if (vm->mbox_mapped &&
		    ((p >= vm->tx_gpa && p - vm->tx_gpa < mbox) ||
		     (p >= vm->rx_gpa && p - vm->rx_gpa < mbox))) {
			return false;
		}
	}
	return true;
}

static uint64_t range_address(uint8_t page, uint8_t twist)
{
	uint64_t a = (uint64_t)page * PAGE;

	switch (twist & 7) {
	case 5:
		return a + (twist >> 3); /* maybe unaligned */
	case 6:
		return UINT64_C(0) - (uint64_t)(page + 1) * PAGE; /* near 2^64 */
	case 7:
		return a | (uint64_t)twist << 40; /* high bits set */
	default:
		return a;
	}
}

static size_t build_desc(struct reader *r, const struct vmm_vm *vm,
			 enum rheap_ffa_abi abi, uint8_t *buf, size_t cap)
{
	struct rheap_ffa_receiver rcv = { 0 };
	struct rheap_ffa_range ranges[8] = { { 0 } };
	struct rheap_ffa_mem m = { 0 };
	uint8_t shape = rd8(r);
	int n = 0;

	m.abi = abi;
	m.version = shape & 0x80 ? FFA_VERSION_1_2 : FFA_VERSION_1_1;
	m.sender_id = shape & 0x40 ? (uint16_t)(vm->ep + 1) : vm->ep;
	m.attributes = FFA_MEM_ATTR_NORMAL_WB_ISH;
	m.tag = shape;
	m.receiver_count = 1;
	rcv.endpoint_id = 0x8001;
	rcv.permissions = shape & 0x20 ? FFA_DATA_ACCESS_RO : FFA_DATA_ACCESS_RW;
	m.receivers = &rcv;
	m.receiver_cap = 1;
	m.range_count = 1u + (shape & 7);
	for (uint32_t i = 0; i < m.range_count; i++) {
		uint8_t page = rd8(r);
		uint8_t len = rd8(r);
		uint8_t twist = rd8(r);

		ranges[i].address = range_address(page % (PAGES + 8), twist);
		ranges[i].page_count = len < 0xF0 ? 1u + len % 8 : 0xFFFFFF00u | len;
		m.total_page_count += ranges[i].page_count;
	}
	m.ranges = ranges;
	m.range_cap = 8;
	n = rheap_ffa_mem_encode(&m, buf, cap, NULL);
	if (n <= 0) {
		return 0;
	}
	/* Up to two byte mutations of the encoded descriptor. */
	for (int i = rd8(r) % 3; i > 0; i--) {
		uint8_t at = rd8(r);

		buf[(size_t)at * 2 % (size_t)n] ^= rd8(r);
	}
	return (size_t)n;
}

static void fuzz_stage2(struct reader *r)
{
	static uint8_t desc[VMM_MBOX_PAGES * PAGE];
	static uint8_t enc[VMM_MBOX_PAGES * PAGE];
	static struct rheap_ffa_range ranges[VMM_MAX_RANGES];
	static struct rheap_ffa_range ranges2[VMM_MAX_RANGES];
	static struct virtq_drv_slot slots[256];
	struct vmm_vm *vm = vm_setup();
	struct rheap_ffa_receiver rcv[8];
	struct rheap_ffa_receiver rcv2[8];
	struct rheap_ffa_mem mem = { .receivers = rcv, .receiver_cap = 8,
				     .ranges = ranges,
				     .range_cap = VMM_MAX_RANGES };
	struct rheap_ffa_mem back = { .receivers = rcv2, .receiver_cap = 8,
				      .ranges = ranges2,
				      .range_cap = VMM_MAX_RANGES };
	struct vmm_s2_fault fault = { 0 };
	struct vmm_share share = { 0 };
	struct virtq_drv drv;
	enum rheap_ffa_abi abi = RHEAP_FFA_ABI_LEND;
	uint8_t ep = rd8(r);
	uint8_t flags = rd8(r);
	uint64_t pages = 0;
	uint64_t sum = 0;
	bool model = true;
	size_t len = 0;
	int rc = 0;

	vm->ep = (uint16_t)(0x0002u + (ep & 3));
	abi = flags & 0x8 ? RHEAP_FFA_ABI_SHARE : RHEAP_FFA_ABI_LEND;
	pages_from_input(r);
	if (flags & 1) {
		vm->mbox_mapped = true;
		vm->mbox_pages = 1u + rd8(r) % VMM_MBOX_PAGES;
		vm->tx_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE;
		vm->rx_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE;
	}
	if (flags & 2) {
		/* A live queue: the driver side lays it out in guest RAM. */
		struct virtq_layout l = {
			.desc_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE,
			.avail_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE,
			.used_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE,
			.size = 1u << rd8(r) % 9,
			.features = VIRTQ_FEATURE(VIRTIO_F_VERSION_1),
		};
		struct virtq_dev_limits lim = { .max_readable = VMM_MAX_REQUEST,
						.max_writable = VMM_MAX_RESPONSE };

		if (virtq_drv_init(&drv, &vm->mem, &l, slots, l.size, NULL) == 0) {
			(void)virtq_dev_init(&vm->vq, &vm->mem, &l, &lim, NULL);
		}
	}
	if (flags & 4) {
		len = r->left < sizeof(desc) ? r->left : sizeof(desc);
		memcpy(desc, r->p, len);
		r->left -= len;
		r->p += len;
	} else {
		len = build_desc(r, vm, abi, desc, sizeof(desc));
	}
	if (len == 0 || rheap_ffa_mem_decode(abi, desc, len, &mem, NULL) != 0) {
		return;
	}
	rc = vmm_ffa_stage2_check(vm, &mem, &pages, &fault);
	check(rc == 0 || rc == -EPERM);
	model = mem.sender_id == vm->ep;
	for (uint32_t i = 0; i < mem.range_count; i++) {
		model = model && model_range_ok(vm, ranges[i].address,
						ranges[i].page_count);
		sum += ranges[i].page_count;
	}
	check((rc == 0) == model);
	if (rc != 0) {
		check(fault.why != NULL);
		return;
	}
	check(pages == sum);
	vmm_ffa_translate(vm, &mem, &share);
	check(share.range_count == mem.range_count);
	for (uint32_t i = 0; i < mem.range_count; i++) {
		uint64_t pa = ranges[i].address;
		uint64_t end = pa + (uint64_t)ranges[i].page_count * PAGE;

		check(pa >= RAM_PA && end <= RAM_PA + RAM_SIZE && pa < end);
		check(share.first_page[i] == (pa - RAM_PA) / PAGE &&
		      share.page_count[i] == ranges[i].page_count);
		for (uint64_t p = share.first_page[i];
		     p < share.first_page[i] + share.page_count[i]; p++) {
			check(g_pages[p] == VMM_PAGE_OWNED);
		}
	}
	rc = rheap_ffa_mem_encode(&mem, enc, sizeof(enc), NULL);
	check(rc > 0);
	check(rheap_ffa_mem_decode(abi, enc, (size_t)rc, &back, NULL) == 0);
	check(rheap_ffa_mem_eq(&mem, &back));
}

/* ---- Mode 2: the register state machine ---- */

static const uint32_t k_regs[] = {
	VT_MMIO_MAGIC,		  VT_MMIO_VERSION,	   VT_MMIO_DEVICE_ID,
	VT_MMIO_VENDOR_ID,	  VT_MMIO_DEV_FEATURES,	   VT_MMIO_DEV_FEATURES_SEL,
	VT_MMIO_DRV_FEATURES,	  VT_MMIO_DRV_FEATURES_SEL, VT_MMIO_QUEUE_SEL,
	VT_MMIO_QUEUE_NUM_MAX,	  VT_MMIO_QUEUE_NUM,	   VT_MMIO_QUEUE_READY,
	VT_MMIO_QUEUE_NOTIFY,	  VT_MMIO_INT_STATUS,	   VT_MMIO_INT_ACK,
	VT_MMIO_STATUS,		  VT_MMIO_QUEUE_DESC_LO,   VT_MMIO_QUEUE_DESC_HI,
	VT_MMIO_QUEUE_DRIVER_LO,  VT_MMIO_QUEUE_DRIVER_HI, VT_MMIO_QUEUE_DEVICE_LO,
	VT_MMIO_QUEUE_DEVICE_HI,  VT_MMIO_CONFIG_GEN,	   VT_MMIO_CONFIG,
	VT_MMIO_CONFIG + 4,	  VT_MMIO_CONFIG + 8,	   VT_MMIO_CONFIG + 30,
};

/* The registers a refused access must leave alone. */
struct regs {
	uint32_t status;
	uint32_t dev_feat_sel;
	uint32_t drv_feat_sel;
	uint64_t drv_features;
	uint32_t queue_sel;
	uint32_t int_status;
	uint32_t config_gen;
	uint32_t q_num;
	bool q_ready;
	uint64_t q_desc;
	uint64_t q_driver;
	uint64_t q_device;
	uint64_t denials;
};

static bool regs_eq(const struct regs *a, const struct regs *b)
{
	return a->status == b->status && a->dev_feat_sel == b->dev_feat_sel &&
	       a->drv_feat_sel == b->drv_feat_sel &&
	       a->drv_features == b->drv_features &&
	       a->queue_sel == b->queue_sel && a->int_status == b->int_status &&
	       a->config_gen == b->config_gen && a->q_num == b->q_num &&
	       a->q_ready == b->q_ready && a->q_desc == b->q_desc &&
	       a->q_driver == b->q_driver && a->q_device == b->q_device &&
	       a->denials == b->denials;
}

static struct regs regs_of(const struct vmm_vm *vm)
{
	struct regs s = { 0 };

	s.status = vm->status;
	s.dev_feat_sel = vm->dev_feat_sel;
	s.drv_feat_sel = vm->drv_feat_sel;
	s.drv_features = vm->drv_features;
	s.queue_sel = vm->queue_sel;
	s.int_status = vm->int_status;
	s.config_gen = vm->config_gen;
	s.q_num = vm->q_num;
	s.q_ready = vm->q_ready;
	s.q_desc = vm->q_desc;
	s.q_driver = vm->q_driver;
	s.q_device = vm->q_device;
	s.denials = vm->denials;
	return s;
}

static uint32_t mmio(struct vmm_vm *vm, uint32_t op, uint32_t offset,
		     uint32_t size, uint64_t value, uint64_t *out)
{
	struct vt_mmio_req req = { .op = op, .offset = offset, .size = size,
				   .value = value };
	struct vt_mmio_resp resp = { 0 };

	vmm_dev_mmio_step(vm, &req, sizeof(req), &resp);
	if (out) {
		*out = resp.value;
	}
	return resp.status;
}

/*
 * Stage 2 keeps the guest out of the pages it lent: undo whatever the
 * guest's driver side wrote there (its ring set-up zeroes all three areas).
 */
static void guest_drop_lent_writes(void)
{
	for (uint32_t p = 0; p < PAGES; p++) {
		if (g_lent_before[p]) {
			memcpy(g_ram + p * PAGE, g_snap + p * PAGE, PAGE);
		}
	}
}

/* The device side's view of the queue, for the driver side. */
static struct virtq_drv g_drv;
static struct virtq_drv_slot g_slots[256];
static bool g_drv_ok;

static void op_bring_up(struct vmm_vm *vm, struct reader *r)
{
	uint8_t sel = rd8(r);
	uint64_t feat = VIRTQ_FEATURE(VIRTIO_F_VERSION_1);
	struct virtq_layout l = { 0 };

	if (sel & 1) {
		feat |= VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES);
	}
	if (sel & 2) {
		feat |= VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC);
	}
	if (sel & 4) {
		feat |= VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX);
	}
	l.size = 1u << (rd8(r) % 9);
	l.desc_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE;
	l.avail_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE;
	l.used_gpa = (uint64_t)(rd8(r) % PAGES) * PAGE;
	l.features = feat & VIRTQ_FEATURES_KNOWN;
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_STATUS, 4, 0, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_STATUS, 4,
		   VMM_ST_ACKNOWLEDGE | VMM_ST_DRIVER, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_DRV_FEATURES_SEL, 4, 0, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_DRV_FEATURES, 4, (uint32_t)feat,
		   NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_DRV_FEATURES_SEL, 4, 1, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_DRV_FEATURES, 4, feat >> 32, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_STATUS, 4,
		   VMM_ST_ACKNOWLEDGE | VMM_ST_DRIVER | VMM_ST_FEATURES_OK, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_SEL, 4, 0, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_NUM, 4, l.size, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_DESC_LO, 4, l.desc_gpa, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_DESC_HI, 4, 0, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_DRIVER_LO, 4, l.avail_gpa,
		   NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_DRIVER_HI, 4, 0, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_DEVICE_LO, 4, l.used_gpa,
		   NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_DEVICE_HI, 4, 0, NULL);
	/* The guest's driver lays the rings out (zeroes them) first. */
	g_drv_ok = false;
	if (!(sel & 8)) {
		g_drv_ok = virtq_drv_init(&g_drv, &vm->mem, &l, g_slots, l.size,
					  NULL) == 0;
		guest_drop_lent_writes();
	}
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_QUEUE_READY, 4, 1, NULL);
	(void)mmio(vm, VT_MMIO_WRITE, VT_MMIO_STATUS, 4,
		   VMM_ST_ACKNOWLEDGE | VMM_ST_DRIVER | VMM_ST_FEATURES_OK |
			   VMM_ST_DRIVER_OK,
		   NULL);
}

/* A request chain through the driver side: request bytes, then response. */
static void op_add_chain(struct vmm_vm *vm, struct reader *r)
{
	struct virtq_buf bufs[2];
	struct virtq_indirect ind = { 0 };
	uint8_t body[16u + 160u] = { 0 };
	uint8_t sel = rd8(r);
	uint8_t qpage = rd8(r) % PAGES;
	uint8_t wpage = rd8(r) % PAGES;
	uint32_t qlen = 16u + rd8(r) % 160u;
	uint32_t wlen = 16u + rd8(r) % 160u;

	(void)vm;
	/* The request: a type from the table, then input bytes. */
	st32(body, (sel & 7) == 7 ? VIRTIO_RHEAP_REQ_FFA : 1u + (sel & 7));
	for (uint32_t i = 16; i < qlen; i++) {
		body[i] = rd8(r);
	}
	if (!g_drv_ok || g_pages[qpage] == VMM_PAGE_LENT) {
		return;
	}
	memcpy(g_ram + (size_t)qpage * PAGE, body, qlen);
	bufs[0] = (struct virtq_buf){ .gpa = (uint64_t)qpage * PAGE, .len = qlen };
	bufs[1] = (struct virtq_buf){ .gpa = (uint64_t)wpage * PAGE + 2048u,
				      .len = wlen };
	ind.gpa = (uint64_t)((qpage + 1) % PAGES) * PAGE + 3072u;
	ind.entries = 4;
	(void)virtq_drv_add(&g_drv, bufs, 1, 1, sel & 0x80 ? &ind : NULL, sel,
			    NULL);
	guest_drop_lent_writes();
}

static void op_poke(struct vmm_vm *vm, struct reader *r)
{
	uint32_t at = (rd8(r) | (uint32_t)rd8(r) << 8) * 4u % RAM_SIZE;
	uint32_t n = rd8(r) % 33u;

	(void)vm;
	for (uint32_t i = 0; i < n && at + i < RAM_SIZE; i++) {
		uint8_t b = rd8(r);

		if (g_pages[(at + i) / PAGE] != VMM_PAGE_LENT) {
			g_ram[at + i] = b; /* stage 2: the guest cannot write lent pages */
		}
	}
}

static void op_lend(struct vmm_vm *vm, struct reader *r)
{
	uint8_t p = rd8(r) % PAGES;
	uint8_t st = rd8(r) % 3;

	/* vmm_ffa refuses to send a page a live queue uses. */
	if (st != VMM_PAGE_OWNED &&
	    virtq_dev_overlaps(&vm->vq, (uint64_t)p * PAGE, PAGE)) {
		return;
	}
	g_pages[p] = st;
}

static void fuzz_mmio(struct reader *r)
{
	struct vmm_vm *vm = vm_setup();
	uint64_t requests = 0;

	g_drv_ok = false;
	pages_from_input(r);
	for (uint32_t n = 0; n < OPS_MAX && r->left; n++) {
		struct regs before = regs_of(vm);
		struct vt_mmio_resp resp = { 0 };
		uint8_t op = rd8(r);
		uint32_t status = VT_MMIO_OK;
		bool reset = false;
		bool read = false;

		/* No FF-A here: a VM that negotiated it is not served. */
		vm->alive = !(vm->drv_features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA));
		for (uint32_t p = 0; p < PAGES; p++) {
			g_lent_before[p] = g_pages[p] == VMM_PAGE_LENT;
			if (g_lent_before[p]) {
				memcpy(g_snap + p * PAGE, g_ram + p * PAGE, PAGE);
			}
		}
		if (getenv("FUZZ_VMM_TRACE")) {
			fprintf(stderr, "op %u (%u) status 0x%x q_ready %d\n",
				op % 8u, op, vm->status, vm->q_ready);
		}
		switch (op % 8) {
		case 0:
		case 1: {
			uint32_t off = k_regs[rd8(r) % (sizeof(k_regs) / 4)];
			uint32_t size = (op & 0x10) ? 1u << (rd8(r) % 4) : 4;
			uint64_t v = rd32(r);

			if (op & 0x20) {
				off = rd8(r) * 4u;
			}
			if (op & 0x40) {
				v |= (uint64_t)rd32(r) << 32;
			}
			read = (op % 8) == 1;
			reset = !read && off == VT_MMIO_STATUS && v == 0 &&
				size == 4;
			status = mmio(vm, read ? VT_MMIO_READ : VT_MMIO_WRITE, off,
				      size, read ? 0 : v, NULL);
			break;
		}
		case 2: {
			uint8_t msg[40] = { 0 };
			struct vt_mmio_req raw;
			size_t len = rd8(r) % sizeof(msg);

			for (size_t i = 0; i < len; i++) {
				msg[i] = rd8(r);
			}
			memcpy(&raw, msg, sizeof(raw));
			/* A Status 0 write in raw form resets too. */
			reset = len == 24 && raw.op == VT_MMIO_WRITE &&
				raw.offset == VT_MMIO_STATUS && raw.value == 0;
			vmm_dev_mmio_step(vm, msg, len, &resp);
			status = resp.status;
			read = len == 24 && raw.op == VT_MMIO_READ;
			if (len != 24) {
				check(status == VT_MMIO_E_BAD);
			}
			break;
		}
		case 3:
			op_poke(vm, r);
			break;
		case 4:
			op_add_chain(vm, r);
			break;
		case 5:
			vmm_dev_kick(vm);
			break;
		case 6:
			op_lend(vm, r);
			break;
		default:
			op_bring_up(vm, r);
			reset = true;
			break;
		}
		check(status == VT_MMIO_OK || status == VT_MMIO_E_BAD ||
		      status == VT_MMIO_E_STATE);
		if (status == VT_MMIO_E_BAD || (read && status == VT_MMIO_OK)) {
			struct regs after = regs_of(vm);

			check(regs_eq(&before, &after));
		}
		if ((before.status & VMM_ST_NEEDS_RESET) && !reset) {
			check(vm->status & VMM_ST_NEEDS_RESET);
		}
		if (vm->status & VMM_ST_FEATURES_OK) {
			check((vm->drv_features & ~VMM_DEV_FEATURES) == 0 &&
			      (vm->drv_features &
			       VIRTQ_FEATURE(VIRTIO_F_VERSION_1)));
		}
		if (vm->q_ready) {
			check(virtq_dev_state(&vm->vq) != VIRTQ_RESET);
		}
		check(vm->denials >= before.denials && vm->requests >= requests);
		requests = vm->requests;
		for (uint32_t p = 0; p < PAGES; p++) {
			if (g_lent_before[p]) {
				check(memcmp(g_snap + p * PAGE, g_ram + p * PAGE,
					     PAGE) == 0);
			}
		}
	}
	vmm_dev_release(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };

	switch (rd8(&r) % 3) {
	case 0:
		fuzz_decode(&r);
		break;
	case 1:
		fuzz_stage2(&r);
		break;
	default:
		fuzz_mmio(&r);
		break;
	}
	return 0;
}
