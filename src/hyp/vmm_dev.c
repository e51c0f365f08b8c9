// SPDX-License-Identifier: BSD-2-Clause
/*
 * The virtio-rheap device of rheap-vmm: virtio-mmio registers carried as
 * messages (vtransport.h), the requestq served with virtq's device side,
 * and the requests (docs/virtio-rheap.md) served from the host's heaps
 * through host rheapd, on connections of the VM's own.
 *
 * Device status life cycle (virtio 1.2 §3.1.1, as enforced here):
 *
 *   0 --ACKNOWLEDGE, DRIVER--> negotiating: DriverFeatures writable
 *   negotiating --FEATURES_OK with a subset of ours incl. VERSION_1-->
 *         FEATURES_OK (otherwise the bit is not taken: the driver reads
 *         it back clear and gives up)
 *   FEATURES_OK --QueueReady 1 (layout checked by virtq_dev_init)-->
 *         queue READY --DRIVER_OK--> serving kicks
 *   any --a rule broken (features after FEATURES_OK, QueueNum not a power
 *         of two or above the max, QueueReady with a bad layout or
 *         rings in pages the VM lent, queue registers written while
 *         ready, a status bit cleared, a broken ring)--> NEEDS_RESET
 *         (bit 64; configuration change interrupt; requests not served;
 *         counted as a denial)
 *   any --Status 0--> 0 (queue forgotten; the VM's buffers and
 *         attachments released on the host; its FF-A state, which belongs
 *         to its endpoint, stays)
 *
 * Guest memory is read once per request: the readable segments are
 * copied into a local buffer, then parsed; responses are built locally,
 * then copied into the writable segments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/virtio_rheap.h>

#include "hyp/virtq.h"
#include "hyp/vmm_internal.h"
#include "hyp/vtransport.h"

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

static void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

static void vmm_dev_irq(struct vmm_vm *vm, uint32_t bit)
{
	uint64_t one = 1;

	vm->int_status |= bit;
	if (write(vm->irq_fd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		vmm_log(vm->vmm, "vm%u: interrupt not delivered", vm->index);
	}
}

/* A transport or ring rule broken: NEEDS_RESET, config interrupt, denial. */
static void vmm_dev_needs_reset(struct vmm_vm *vm, const char *what,
				uint64_t value, const char *why)
{
	bool first = !(vm->status & VMM_ST_NEEDS_RESET);

	vm->status |= VMM_ST_NEEDS_RESET;
	vmm_deny(vm, what, value, why);
	if (first) {
		vm->config_gen++;
		vmm_dev_irq(vm, 2u);
	}
}

void vmm_dev_reset(struct vmm_vm *vm)
{
	virtq_dev_reset(&vm->vq);
	vm->status = 0;
	vm->dev_feat_sel = 0;
	vm->drv_feat_sel = 0;
	vm->drv_features = 0;
	vm->queue_sel = 0;
	vm->int_status = 0;
	vm->q_num = VMM_QUEUE_NUM_MAX;
	vm->q_ready = false;
	vm->q_desc = 0;
	vm->q_driver = 0;
	vm->q_device = 0;
}

static void vmm_dev_config(const struct vmm_vm *vm, uint8_t out[32])
{
	const struct vmm_cfg *cfg = &vm->vmm->cfg;

	memset(out, 0, 32);
	st16(out + 0, vm->ep);
	st16(out + 2, (uint16_t)vm->vmm->heap_count);
	st32(out + 4, VMM_MAX_REQUEST);
	st64(out + 8, cfg->quota_bytes);
	st32(out + 16, cfg->quota_buffers);
	st32(out + 20, cfg->quota_attachments);
	st32(out + 24, VMM_MAX_SEGS);
}

static uint32_t vmm_dev_read(struct vmm_vm *vm, const struct vt_mmio_req *r,
			     uint64_t *value)
{
	uint8_t cfg[32] = { 0 };
	uint64_t v = 0;

	if (r->offset >= VT_MMIO_CONFIG) {
		uint64_t off = r->offset - VT_MMIO_CONFIG;

		if ((r->size != 1 && r->size != 2 && r->size != 4 &&
		     r->size != 8) ||
		    off % r->size != 0 || off + r->size > sizeof(cfg)) {
			return VT_MMIO_E_BAD;
		}
		vmm_dev_config(vm, cfg);
		for (uint32_t i = 0; i < r->size; i++) {
			v |= (uint64_t)cfg[off + i] << (8 * i);
		}
		*value = v;
		return VT_MMIO_OK;
	}
	if (r->size != 4) {
		return VT_MMIO_E_BAD;
	}
	switch (r->offset) {
	case VT_MMIO_MAGIC:
		v = VT_MMIO_MAGIC_VALUE;
		break;
	case VT_MMIO_VERSION:
		v = 2;
		break;
	case VT_MMIO_DEVICE_ID:
		v = VIRTIO_ID_RHEAP;
		break;
	case VT_MMIO_VENDOR_ID:
		v = VT_MMIO_VENDOR_VALUE;
		break;
	case VT_MMIO_DEV_FEATURES:
		v = vm->dev_feat_sel == 0 ? (uint32_t)VMM_DEV_FEATURES :
		    vm->dev_feat_sel == 1 ? (uint32_t)(VMM_DEV_FEATURES >> 32) :
					    0;
		break;
	case VT_MMIO_QUEUE_NUM_MAX:
		v = vm->queue_sel == VIRTIO_RHEAP_VQ_REQUEST ? VMM_QUEUE_NUM_MAX :
							      0;
		break;
	case VT_MMIO_QUEUE_READY:
		v = vm->queue_sel == VIRTIO_RHEAP_VQ_REQUEST && vm->q_ready;
		break;
	case VT_MMIO_INT_STATUS:
		v = vm->int_status;
		break;
	case VT_MMIO_STATUS:
		v = vm->status;
		break;
	case VT_MMIO_CONFIG_GEN:
		v = vm->config_gen;
		break;
	default:
		return VT_MMIO_E_BAD;
	}
	*value = v;
	return VT_MMIO_OK;
}

/* QueueReady 1: check the layout the driver wrote with virtq. */
static uint32_t vmm_dev_queue_ready(struct vmm_vm *vm)
{
	struct virtq_layout l = {
		.desc_gpa = vm->q_desc,
		.avail_gpa = vm->q_driver,
		.used_gpa = vm->q_device,
		.size = vm->q_num,
		.features = vm->drv_features & VIRTQ_FEATURES_KNOWN,
	};
	/* F_TEE's chain limit also covers F_DEVJOB's (virtio_rheap.h). */
	bool tee = (vm->drv_features &
		    (VIRTQ_FEATURE(VIRTIO_RHEAP_F_TEE) |
		     VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVJOB))) != 0;
	struct virtq_dev_limits lim = {
		.max_readable = tee ? VMM_TEE_CHAIN_MAX : VMM_MAX_REQUEST,
		.max_writable = tee ? VMM_TEE_CHAIN_MAX : VMM_MAX_RESPONSE,
		.zero_len_ok = false,
	};
	struct rheap_diag diag = { 0 };
	int rc = 0;

	if (!(vm->status & VMM_ST_FEATURES_OK)) {
		vmm_dev_needs_reset(vm, "QueueReady", 1,
				    "queue enabled before FEATURES_OK");
		return VT_MMIO_E_STATE;
	}
	rc = virtq_dev_init(&vm->vq, &vm->mem, &l, &lim, &diag);
	if (rc) {
		char why[64];

		snprintf(why, sizeof(why), "queue layout: %s %s",
			 diag.field ? diag.field : "?", rheap_err_name(rc));
		vmm_dev_needs_reset(vm, "QueueReady", diag.value, why);
		return VT_MMIO_E_STATE;
	}
	/*
	 * Stage 2: the rings must be the guest's memory. vmm_ffa refuses to
	 * lend a page a live queue uses, but a queue set up after the LEND
	 * would have the device write its used ring into lent memory.
	 */
	for (uint64_t p = 0; p < vm->ram_size / VMM_PAGE_SIZE; p++) {
		if (vm->pages[p] == VMM_PAGE_LENT &&
		    virtq_dev_overlaps(&vm->vq, p * VMM_PAGE_SIZE, VMM_PAGE_SIZE)) {
			virtq_dev_reset(&vm->vq);
			vmm_dev_needs_reset(vm, "QueueReady", p * VMM_PAGE_SIZE,
					    "queue in pages it lent");
			return VT_MMIO_E_STATE;
		}
	}
	vm->q_ready = true;
	return VT_MMIO_OK;
}

static uint32_t vmm_dev_status_write(struct vmm_vm *vm, uint32_t v)
{
	uint64_t drv = vm->drv_features;

	if (v == 0) {
		/* A reset device forgets everything (docs/virtio-rheap.md 6.10). */
		vmm_dev_release(vm);
		vmm_dev_reset(vm);
		return VT_MMIO_OK;
	}
	if ((vm->status & ~v) != 0 || v > 0xFFu) {
		vmm_dev_needs_reset(vm, "Status", v, "status bit cleared");
		return VT_MMIO_E_STATE;
	}
	if ((v & VMM_ST_FEATURES_OK) && !(vm->status & VMM_ST_FEATURES_OK) &&
	    ((drv & ~VMM_DEV_FEATURES) != 0 ||
	     !(drv & VIRTQ_FEATURE(VIRTIO_F_VERSION_1)))) {
		v &= ~VMM_ST_FEATURES_OK; /* not accepted: the driver sees it */
	}
	vm->status = v;
	return VT_MMIO_OK;
}

/* Queue registers are writable only while the selected queue is off. */
static bool vmm_dev_queue_writable(struct vmm_vm *vm, uint32_t offset,
				   uint64_t v, uint32_t *st)
{
	if (vm->queue_sel != VIRTIO_RHEAP_VQ_REQUEST) {
		*st = VT_MMIO_E_BAD; /* no such queue */
		return false;
	}
	if (vm->q_ready) {
		vmm_dev_needs_reset(vm, "QueueReg", offset,
				    "queue register written while ready");
		*st = VT_MMIO_E_STATE;
		return false;
	}
	(void)v;
	return true;
}

static uint32_t vmm_dev_write(struct vmm_vm *vm, const struct vt_mmio_req *r)
{
	uint32_t v = (uint32_t)r->value;
	uint32_t st = VT_MMIO_OK;

	if (r->size != 4 || r->offset >= VT_MMIO_CONFIG || r->value > UINT32_MAX) {
		return VT_MMIO_E_BAD;
	}
	switch (r->offset) {
	case VT_MMIO_DEV_FEATURES_SEL:
		vm->dev_feat_sel = v;
		return VT_MMIO_OK;
	case VT_MMIO_DRV_FEATURES_SEL:
		vm->drv_feat_sel = v;
		return VT_MMIO_OK;
	case VT_MMIO_DRV_FEATURES:
		if (vm->status & VMM_ST_FEATURES_OK) {
			vmm_dev_needs_reset(vm, "DriverFeatures", v,
					    "features written after FEATURES_OK");
			return VT_MMIO_E_STATE;
		}
		if (vm->drv_feat_sel == 0) {
			vm->drv_features = (vm->drv_features & ~UINT64_C(0xFFFFFFFF)) | v;
		} else if (vm->drv_feat_sel == 1) {
			vm->drv_features = (vm->drv_features & UINT64_C(0xFFFFFFFF)) |
					   (uint64_t)v << 32;
		} else if (v != 0) {
			vm->drv_features |= UINT64_C(1) << 63; /* unknown bit */
		}
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_SEL:
		vm->queue_sel = v;
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_NUM:
		if (!vmm_dev_queue_writable(vm, r->offset, v, &st)) {
			return st;
		}
		if (v == 0 || v > VMM_QUEUE_NUM_MAX || (v & (v - 1)) != 0) {
			vmm_dev_needs_reset(vm, "QueueNum", v,
					    "not a power of two up to QueueNumMax");
			return VT_MMIO_E_STATE;
		}
		vm->q_num = v;
		return VT_MMIO_OK;
	case VT_MMIO_QUEUE_READY:
		if (vm->queue_sel != VIRTIO_RHEAP_VQ_REQUEST) {
			return VT_MMIO_E_BAD;
		}
		if (v == 0) {
			virtq_dev_reset(&vm->vq);
			vm->q_ready = false;
			return VT_MMIO_OK;
		}
		if (vm->q_ready) {
			return VT_MMIO_OK;
		}
		return vmm_dev_queue_ready(vm);
	case VT_MMIO_QUEUE_NOTIFY:
		if (v == VIRTIO_RHEAP_VQ_REQUEST) {
			vmm_dev_kick(vm);
		}
		return VT_MMIO_OK;
	case VT_MMIO_INT_ACK:
		vm->int_status &= ~v;
		return VT_MMIO_OK;
	case VT_MMIO_STATUS:
		return vmm_dev_status_write(vm, v);
	case VT_MMIO_QUEUE_DESC_LO:
	case VT_MMIO_QUEUE_DESC_HI:
	case VT_MMIO_QUEUE_DRIVER_LO:
	case VT_MMIO_QUEUE_DRIVER_HI:
	case VT_MMIO_QUEUE_DEVICE_LO:
	case VT_MMIO_QUEUE_DEVICE_HI:
		if (!vmm_dev_queue_writable(vm, r->offset, v, &st)) {
			return st;
		}
		break;
	default:
		return VT_MMIO_E_BAD;
	}
	switch (r->offset) {
	case VT_MMIO_QUEUE_DESC_LO:
		vm->q_desc = (vm->q_desc & ~UINT64_C(0xFFFFFFFF)) | v;
		break;
	case VT_MMIO_QUEUE_DESC_HI:
		vm->q_desc = (vm->q_desc & UINT64_C(0xFFFFFFFF)) | (uint64_t)v << 32;
		break;
	case VT_MMIO_QUEUE_DRIVER_LO:
		vm->q_driver = (vm->q_driver & ~UINT64_C(0xFFFFFFFF)) | v;
		break;
	case VT_MMIO_QUEUE_DRIVER_HI:
		vm->q_driver = (vm->q_driver & UINT64_C(0xFFFFFFFF)) | (uint64_t)v << 32;
		break;
	case VT_MMIO_QUEUE_DEVICE_LO:
		vm->q_device = (vm->q_device & ~UINT64_C(0xFFFFFFFF)) | v;
		break;
	default:
		vm->q_device = (vm->q_device & UINT64_C(0xFFFFFFFF)) | (uint64_t)v << 32;
		break;
	}
	return VT_MMIO_OK;
}

void vmm_dev_mmio_step(struct vmm_vm *vm, const void *msg, size_t msg_size,
		       struct vt_mmio_resp *resp)
{
	struct vt_mmio_req req = { 0 };

	*resp = (struct vt_mmio_resp){ 0 };
	if (msg_size != sizeof(req)) {
		resp->status = VT_MMIO_E_BAD;
		return;
	}
	memcpy(&req, msg, sizeof(req)); /* single fetch */
	if (req.reserved != 0) {
		resp->status = VT_MMIO_E_BAD;
	} else if (req.op == VT_MMIO_READ && req.value == 0) {
		resp->status = vmm_dev_read(vm, &req, &resp->value);
	} else if (req.op == VT_MMIO_WRITE) {
		resp->status = vmm_dev_write(vm, &req);
	} else {
		resp->status = VT_MMIO_E_BAD;
	}
}

/*
 * One register access from the guest. Return: 0; -ENOENT the guest's end
 * is closed (its death is handled through the pidfd).
 */
int vmm_dev_mmio(struct vmm_vm *vm)
{
	struct vt_mmio_req req = { 0 };
	struct vt_mmio_resp resp = { 0 };
	ssize_t n = recv(vm->mmio_fd, &req, sizeof(req), MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (n <= 0) {
		return -ENOENT;
	}
	vmm_dev_mmio_step(vm, &req, (size_t)n, &resp);
	if (send(vm->mmio_fd, &resp, sizeof(resp), MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(resp)) {
		vmm_log(vm->vmm, "vm%u: register reply not delivered", vm->index);
	}
	return 0;
}

/* ---- Requests ---- */

static struct vmm_buf *vmm_buf_find(struct vmm_vm *vm, uint64_t id)
{
	for (uint32_t i = 0; id != 0 && i < vm->vmm->cfg.quota_buffers; i++) {
		if (vm->bufs[i].id == id) {
			return &vm->bufs[i];
		}
	}
	return NULL;
}

static struct vmm_att *vmm_att_find(struct vmm_vm *vm, uint64_t id)
{
	for (uint32_t i = 0; id != 0 && i < vm->vmm->cfg.quota_attachments; i++) {
		if (vm->atts[i].id == id) {
			return &vm->atts[i];
		}
	}
	return NULL;
}

/* A device name field: 1..31 characters, NUL terminated and NUL padded. */
static int vmm_req_device_name(const uint8_t *field, struct vmm_req *out)
{
	size_t nlen = 0;

	memcpy(out->device, field, sizeof(out->device));
	nlen = strnlen(out->device, sizeof(out->device));
	if (nlen == 0 || nlen == sizeof(out->device)) {
		return -EINVAL;
	}
	for (size_t i = nlen; i < sizeof(out->device); i++) {
		if (out->device[i] != 0) {
			return -EINVAL; /* NUL padded */
		}
	}
	return 0;
}

/* DEVICE (F_DEVJOB): struct virtio_rheap_device_req + the codec config. */
static int vmm_req_decode_device(const uint8_t *q, uint32_t qlen,
				 uint64_t features, struct vmm_req *out)
{
	const uint32_t head = sizeof(struct virtio_rheap_device_req);

	if (qlen < head) {
		return -EINVAL;
	}
	if (!(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVJOB))) {
		return -EOPNOTSUPP;
	}
	if (vmm_req_device_name(q + 16, out) != 0) {
		return -EINVAL;
	}
	out->cmd = ld32(q + 48);
	out->payload_len = ld32(q + 52);
	for (uint32_t i = 0; i < VIRTIO_RHEAP_DEVJOB_ARGS; i++) {
		out->args[i] = ld64(q + 56 + 8 * i);
	}
	out->id = ld64(q + 120);
	if (out->payload_len > VIRTIO_RHEAP_DEVJOB_CONFIG_MAX ||
	    out->payload_len > qlen - head) {
		return -EINVAL;
	}
	switch (out->cmd) {
	case DEVICE_CMD_VDEC_OPEN:
		if (out->payload_len != out->args[3] || out->id != 0) {
			return -EINVAL;
		}
		return 0;
	case DEVICE_CMD_GPU_READ:
		return out->payload_len == 0 && out->id != 0 ? 0 : -EINVAL;
	case DEVICE_CMD_VDEC_QUEUE_OUT:
	case DEVICE_CMD_VDEC_DECODE:
	case DEVICE_CMD_VDEC_RECEIVE:
	case DEVICE_CMD_VDEC_CLOSE:
	case DEVICE_CMD_DISPLAY_OPEN:
	case DEVICE_CMD_DISPLAY_SHOW:
	case DEVICE_CMD_DISPLAY_CLOSE:
		return out->payload_len == 0 && out->id == 0 ? 0 : -EINVAL;
	default:
		return -EOPNOTSUPP;
	}
}

/* The type's fixed part: its struct's size, all of it read. */
static int vmm_req_decode_body(const uint8_t *q, uint32_t qlen,
			       uint64_t features, uint32_t heap_count,
			       struct vmm_req *out)
{
	switch (out->type) {
	case VIRTIO_RHEAP_REQ_HEAP_INFO:
		if (qlen < sizeof(struct virtio_rheap_heap_info_req) ||
		    ld32(q + 20) != 0) {
			return -EINVAL;
		}
		out->heap_index = ld32(q + 16);
		return out->heap_index < heap_count ? 0 : -ENOENT;
	case VIRTIO_RHEAP_REQ_ALLOC:
		if (qlen < sizeof(struct virtio_rheap_alloc_req) ||
		    ld32(q + 20) != 0 || ld32(q + 32) != 0 || ld64(q + 40) != 0 ||
		    (ld32(q + 36) & ~VIRTIO_RHEAP_VALID_FD_FLAGS) != 0) {
			return -EINVAL;
		}
		out->heap_index = ld32(q + 16);
		out->fd_flags = ld32(q + 36);
		out->len = ld64(q + 24);
		if (out->len == 0) {
			return -EINVAL;
		}
		if (out->heap_index >= heap_count) {
			return -ENOENT;
		}
		if (out->len > UINT64_MAX - (VMM_PAGE_SIZE - 1)) {
			return -EOVERFLOW;
		}
		out->size = (out->len + VMM_PAGE_SIZE - 1) &
			    ~(uint64_t)(VMM_PAGE_SIZE - 1);
		return 0;
	case VIRTIO_RHEAP_REQ_FREE:
	case VIRTIO_RHEAP_REQ_QUERY:
		if (qlen < sizeof(struct virtio_rheap_buffer_req)) {
			return -EINVAL;
		}
		out->id = ld64(q + 16);
		return 0;
	case VIRTIO_RHEAP_REQ_ATTACH:
		if (qlen < sizeof(struct virtio_rheap_attach_req) ||
		    ld32(q + 60) != 0) {
			return -EINVAL;
		}
		if (!(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES))) {
			return -EOPNOTSUPP;
		}
		out->id = ld64(q + 16);
		out->flags = ld32(q + 56);
		if (vmm_req_device_name(q + 24, out) != 0 ||
		    (out->flags & ~VIRTIO_RHEAP_ATTACH_WRITE) != 0) {
			return -EINVAL;
		}
		return 0;
	case VIRTIO_RHEAP_REQ_DETACH:
		if (qlen < sizeof(struct virtio_rheap_detach_req)) {
			return -EINVAL;
		}
		if (!(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES))) {
			return -EOPNOTSUPP;
		}
		out->id = ld64(q + 16);
		return 0;
	case VIRTIO_RHEAP_REQ_TEE:
		if (qlen < sizeof(struct virtio_rheap_tee_req)) {
			return -EINVAL;
		}
		if (!(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_TEE))) {
			return -EOPNOTSUPP;
		}
		out->tee_op = ld32(q + 16);
		out->payload_len = ld32(q + 20);
		out->id = ld64(q + 24);
		if (out->tee_op < VIRTIO_RHEAP_TEE_OP_FIRST ||
		    out->tee_op > VIRTIO_RHEAP_TEE_OP_LAST ||
		    out->payload_len > VIRTIO_RHEAP_TEE_PAYLOAD_MAX ||
		    out->payload_len > qlen - sizeof(struct virtio_rheap_tee_req) ||
		    (out->tee_op == VIRTIO_RHEAP_TEE_OP_SHM_REGISTER) !=
			    (out->id != 0)) {
			return -EINVAL;
		}
		return 0;
	case VIRTIO_RHEAP_REQ_DEVICE:
		return vmm_req_decode_device(q, qlen, features, out);
	case VIRTIO_RHEAP_REQ_FFA:
		if (qlen < sizeof(struct virtio_rheap_ffa)) {
			return -EINVAL;
		}
		if (!(features & VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA))) {
			return -EOPNOTSUPP;
		}
		for (uint32_t i = 0; i < VIRTIO_RHEAP_FFA_REGS; i++) {
			out->x[i] = ld64(q + 16 + 8 * i);
		}
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int vmm_req_decode(const uint8_t *q, uint32_t qlen, uint64_t features,
		   uint32_t heap_count, struct vmm_req *out)
{
	*out = (struct vmm_req){ 0 };
	if (qlen < sizeof(struct virtio_rheap_req_hdr)) {
		return -EINVAL;
	}
	out->type = ld32(q);
	out->tag = ld64(q + 8);
	if (ld32(q + 4) != 0) {
		return -EINVAL;
	}
	return vmm_req_decode_body(q, qlen, features, heap_count, out);
}

static int vmm_req_heap_info(struct vmm_vm *vm, const struct vmm_req *q,
			     struct vmm_resp *r)
{
	const struct rheap_heap_desc *d = &vm->vmm->heaps[q->heap_index];
	uint64_t used = 0;

	for (uint32_t i = 0; i < vm->vmm->cfg.quota_buffers; i++) {
		if (vm->bufs[i].id && vm->bufs[i].heap_index == q->heap_index) {
			used += vm->bufs[i].size;
		}
	}
	memcpy(r->b + 16, d->name, sizeof(d->name));
	st32(r->b + 80, q->heap_index);
	st32(r->b + 84, d->restricted ? VIRTIO_RHEAP_HEAP_RESTRICTED : 0);
	st64(r->b + 88, VMM_PAGE_SIZE);
	st64(r->b + 96, d->capacity);
	st64(r->b + 104, used);
	r->len = sizeof(struct virtio_rheap_heap_info_resp);
	return 0;
}

static int vmm_req_alloc(struct vmm_vm *vm, const struct vmm_req *q,
			 struct vmm_resp *r)
{
	const struct vmm_cfg *cfg = &vm->vmm->cfg;
	struct rheap_buf_info info = { 0 };
	struct vmm_buf *slot = NULL;
	uint32_t index = q->heap_index;
	uint64_t len = q->len;
	uint64_t size = q->size;
	int fd = -1;
	int rc = 0;

	if (vm->buf_count >= cfg->quota_buffers) {
		vmm_deny(vm, "ALLOC", len, "buffer quota reached");
		return -ENOMEM;
	}
	if (size > cfg->quota_bytes - vm->bytes) {
		vmm_deny(vm, "ALLOC", len, "byte quota reached");
		return -ENOMEM;
	}
	if (!vm->heaps[index]) {
		rc = rheap_heap_open(vm->vmm->heaps[index].name,
				     RHEAP_OPEN_RHEAPD, &vm->heaps[index]);
		if (rc) {
			return rc;
		}
	}
	fd = rheap_heap_alloc(vm->heaps[index], len, O_RDWR | O_CLOEXEC, 0,
			      &info);
	if (fd < 0) {
		return fd;
	}
	if (info.size > cfg->quota_bytes - vm->bytes) {
		close(fd); /* a heap granule larger than a page */
		vmm_deny(vm, "ALLOC", len, "byte quota reached");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cfg->quota_buffers && !slot; i++) {
		if (vm->bufs[i].id == 0) {
			slot = &vm->bufs[i];
		}
	}
	*slot = (struct vmm_buf){ .id = vm->next_buf_id++, .fd = fd,
				  .size = info.size, .heap_index = index };
	vm->buf_count++;
	vm->bytes += info.size;
	st64(r->b + 16, slot->id);
	st64(r->b + 24, slot->size);
	r->len = sizeof(struct virtio_rheap_alloc_resp);
	return 0;
}

static int vmm_req_free(struct vmm_vm *vm, const struct vmm_req *q,
			 struct vmm_resp *r)
{
	struct vmm_buf *b = NULL;
	uint64_t id = q->id;

	b = vmm_buf_find(vm, id);
	if (!b) {
		vmm_deny(vm, "FREE", id, "not a buffer of this VM");
		return -ENOENT;
	}
	if (b->attach_count || b->tee_refs) {
		return -EBUSY;
	}
	close(b->fd);
	vm->bytes -= b->size;
	vm->buf_count--;
	*b = (struct vmm_buf){ 0 };
	r->len = sizeof(struct virtio_rheap_resp_hdr);
	return 0;
}

static int vmm_req_query(struct vmm_vm *vm, const struct vmm_req *q,
			  struct vmm_resp *r)
{
	struct vmm_buf *b = NULL;
	uint64_t id = q->id;

	b = vmm_buf_find(vm, id);
	if (!b) {
		vmm_deny(vm, "QUERY", id, "not a buffer of this VM");
		return -ENOENT;
	}
	st64(r->b + 16, b->id);
	st64(r->b + 24, b->size);
	st32(r->b + 32, b->heap_index);
	st32(r->b + 36, vm->vmm->heaps[b->heap_index].restricted ?
				VIRTIO_RHEAP_HEAP_RESTRICTED : 0);
	st32(r->b + 40, b->attach_count);
	r->len = sizeof(struct virtio_rheap_query_resp);
	return 0;
}

/* The VM's connection for device @name, opened on first use. */
int vmm_vdev_get(struct vmm_vm *vm, const char *name, uint32_t *out)
{
	int rc = 0;

	for (uint32_t i = 0; i < vm->dev_count; i++) {
		if (strcmp(vm->devs[i].name, name) == 0) {
			*out = i;
			return 0;
		}
	}
	if (vm->dev_count == VMM_MAX_DEVICES) {
		return -ENOMEM;
	}
	rc = rheap_device_open(name, &vm->devs[vm->dev_count].dev);
	if (rc) {
		return rc;
	}
	memcpy(vm->devs[vm->dev_count].name, name, strlen(name) + 1);
	*out = vm->dev_count++;
	return 0;
}

static int vmm_req_attach(struct vmm_vm *vm, const struct vmm_req *q,
			  uint64_t writable, struct vmm_resp *r)
{
	struct rheap_device_seg segs[VMM_MAX_SEGS] = { { 0 } };
	struct vmm_att *slot = NULL;
	struct vmm_buf *b = NULL;
	uint64_t id = q->id;
	uint64_t host_id = 0;
	uint32_t flags = q->flags;
	uint32_t dev = 0;
	size_t count = 0;
	int rc = 0;

	b = vmm_buf_find(vm, id);
	if (!b) {
		vmm_deny(vm, "ATTACH", id, "not a buffer of this VM");
		return -ENOENT;
	}
	if (writable < sizeof(struct virtio_rheap_attach_resp)) {
		return -ENOSPC;
	}
	if (vm->att_count >= vm->vmm->cfg.quota_attachments) {
		vmm_deny(vm, "ATTACH", id, "attachment quota reached");
		return -ENOMEM;
	}
	rc = vmm_vdev_get(vm, q->device, &dev);
	if (rc) {
		return rc;
	}
	rc = rheap_device_attach(vm->devs[dev].dev, b->fd,
				 flags & VIRTIO_RHEAP_ATTACH_WRITE ?
					 RHEAP_DEVICE_ATTACH_WRITE : 0,
				 &host_id, segs, VMM_MAX_SEGS, &count);
	if (rc) {
		return rc;
	}
	if (count > VMM_MAX_SEGS ||
	    sizeof(struct virtio_rheap_attach_resp) + 16u * count > writable) {
		(void)rheap_device_detach(vm->devs[dev].dev, host_id);
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < vm->vmm->cfg.quota_attachments && !slot; i++) {
		if (vm->atts[i].id == 0) {
			slot = &vm->atts[i];
		}
	}
	*slot = (struct vmm_att){ .id = vm->next_att_id++, .buf_id = b->id,
				  .dev = dev, .host_id = host_id };
	vm->att_count++;
	b->attach_count++;
	st64(r->b + 16, slot->id);
	st32(r->b + 24, (uint32_t)count);
	for (size_t i = 0; i < count; i++) {
		st64(r->b + 32 + 16 * i, segs[i].iova);
		st64(r->b + 40 + 16 * i, segs[i].size);
	}
	r->len = (uint32_t)(sizeof(struct virtio_rheap_attach_resp) + 16u * count);
	return 0;
}

static int vmm_req_detach(struct vmm_vm *vm, const struct vmm_req *q,
			  struct vmm_resp *r)
{
	struct vmm_att *a = NULL;
	struct vmm_buf *b = NULL;
	uint64_t id = q->id;
	int rc = 0;

	a = vmm_att_find(vm, id);
	if (!a) {
		vmm_deny(vm, "DETACH", id, "not an attachment of this VM");
		return -ENOENT;
	}
	rc = rheap_device_detach(vm->devs[a->dev].dev, a->host_id);
	if (rc) {
		return rc;
	}
	b = vmm_buf_find(vm, a->buf_id);
	if (b && b->attach_count) {
		b->attach_count--;
	}
	vm->att_count--;
	*a = (struct vmm_att){ 0 };
	r->len = sizeof(struct virtio_rheap_resp_hdr);
	return 0;
}

static int vmm_req_ffa(struct vmm_vm *vm, const struct vmm_req *q,
		       struct vmm_resp *r)
{
	uint64_t x[VIRTIO_RHEAP_FFA_REGS] = { 0 };
	int rc = 0;

	memcpy(x, q->x, sizeof(x));
	rc = vmm_ffa_call(vm, x);
	if (rc == -ENOENT) {
		return rc; /* the board went away: the header only */
	}
	/* Refused or not, the guest's driver sees the registers. */
	for (uint32_t i = 0; i < VIRTIO_RHEAP_FFA_REGS; i++) {
		st64(r->b + 16 + 8 * i, x[i]);
	}
	r->len = sizeof(struct virtio_rheap_ffa);
	return rc;
}

static const char *vmm_req_name(uint32_t type)
{
	switch (type) {
	case VIRTIO_RHEAP_REQ_HEAP_INFO:
		return "HEAP_INFO";
	case VIRTIO_RHEAP_REQ_ALLOC:
		return "ALLOC";
	case VIRTIO_RHEAP_REQ_FREE:
		return "FREE";
	case VIRTIO_RHEAP_REQ_ATTACH:
		return "ATTACH";
	case VIRTIO_RHEAP_REQ_DETACH:
		return "DETACH";
	case VIRTIO_RHEAP_REQ_QUERY:
		return "QUERY";
	case VIRTIO_RHEAP_REQ_FFA:
		return "FFA";
	case VIRTIO_RHEAP_REQ_TEE:
		return "TEE";
	case VIRTIO_RHEAP_REQ_DEVICE:
		return "DEVICE";
	default:
		return "UNKNOWN";
	}
}

/* Serve one popped chain; returns the bytes written into it. */
static uint32_t vmm_dev_serve(struct vmm_vm *vm, const struct virtq_seg *segs,
			      const struct virtq_chain *ch)
{
	static uint8_t q[VMM_TEE_CHAIN_MAX];
	static struct vmm_resp r;
	struct vmm_req req = { 0 };
	uint32_t qlen = 0;
	uint32_t type = 0;
	uint32_t done = 0;
	int rc = 0;

	/* Single fetch: the request is copied once, then only the copy is read. */
	for (uint32_t i = 0; i < ch->readable_count; i++) {
		memcpy(q + qlen, segs[i].host, segs[i].len);
		qlen += segs[i].len;
	}
	memset(&r, 0, sizeof(r));
	vm->requests++;
	if (ch->writable_len < sizeof(struct virtio_rheap_resp_hdr)) {
		vmm_deny(vm, "REQUEST", ch->writable_len,
			 "response buffer shorter than its header");
		return 0;
	}
	rc = vmm_req_decode(q, qlen, vm->drv_features, vm->vmm->heap_count,
			    &req);
	type = req.type;
	st64(r.b + 8, req.tag);
	if (rc == 0) {
		switch (type) {
		case VIRTIO_RHEAP_REQ_HEAP_INFO:
			rc = vmm_req_heap_info(vm, &req, &r);
			break;
		case VIRTIO_RHEAP_REQ_ALLOC:
			rc = vmm_req_alloc(vm, &req, &r);
			break;
		case VIRTIO_RHEAP_REQ_FREE:
			rc = vmm_req_free(vm, &req, &r);
			break;
		case VIRTIO_RHEAP_REQ_ATTACH:
			rc = vmm_req_attach(vm, &req, ch->writable_len, &r);
			break;
		case VIRTIO_RHEAP_REQ_DETACH:
			rc = vmm_req_detach(vm, &req, &r);
			break;
		case VIRTIO_RHEAP_REQ_QUERY:
			rc = vmm_req_query(vm, &req, &r);
			break;
		case VIRTIO_RHEAP_REQ_TEE:
			rc = vmm_tee_call(vm, &req,
					  q + sizeof(struct virtio_rheap_tee_req),
					  ch->writable_len, &r);
			break;
		case VIRTIO_RHEAP_REQ_DEVICE:
			rc = vmm_devjob_call(
			    vm, &req, q + sizeof(struct virtio_rheap_device_req),
			    ch->writable_len, &r);
			break;
		default: /* FFA: the decoder knows no other type */
			rc = vmm_req_ffa(vm, &req, &r);
			break;
		}
	}
	if (rc == 0 && r.len > ch->writable_len) {
		rc = -ENOSPC; /* only ATTACH can grow; it checked already */
	}
	/* FFA and DEVICE answer with their whole response also on an error
	 * (the FFA_ERROR registers; the host device's results). */
	if (rc && !(type == VIRTIO_RHEAP_REQ_FFA &&
		    r.len == sizeof(struct virtio_rheap_ffa)) &&
	    !(type == VIRTIO_RHEAP_REQ_DEVICE &&
	      r.len == sizeof(struct virtio_rheap_device_resp))) {
		r.len = sizeof(struct virtio_rheap_resp_hdr);
	}
	st32(r.b, virtio_rheap_status_from_errno(rc));
	if (!vm->vmm->cfg.quiet) {
		vmm_log(vm->vmm, "vm%u: %s -> %s", vm->index, vmm_req_name(type),
			rheap_err_name(rc));
	}
	for (uint32_t i = ch->readable_count; i < ch->seg_count && done < r.len;
	     i++) {
		uint32_t n = segs[i].len < r.len - done ? segs[i].len : r.len - done;

		memcpy(segs[i].host, r.b + done, n);
		done += n;
	}
	return done;
}

/*
 * Whether a chain names a page the guest lent or donated (stage 2: not
 * its memory any more); the device neither reads nor writes it.
 */
static bool vmm_dev_chain_lent(const struct vmm_vm *vm,
			       const struct virtq_seg *segs, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t first = segs[i].gpa / VMM_PAGE_SIZE;
		uint64_t last = (segs[i].gpa + segs[i].len - 1) / VMM_PAGE_SIZE;

		for (uint64_t p = first; p <= last; p++) {
			if (vm->pages[p] == VMM_PAGE_LENT) {
				return true;
			}
		}
	}
	return false;
}

void vmm_dev_kick(struct vmm_vm *vm)
{
	struct virtq_seg segs[VMM_CHAIN_SEGS];
	struct virtq_chain ch = { 0 };
	struct rheap_diag diag = { 0 };
	uint64_t count = 0;
	bool irq = false;

	if (read(vm->kick_fd, &count, sizeof(count)) < 0) {
		count = 0; /* nothing pending is fine: QueueNotify also gets here */
	}
	if (!vm->alive || !(vm->status & VMM_ST_DRIVER_OK) ||
	    (vm->status & VMM_ST_NEEDS_RESET) || !vm->q_ready) {
		return;
	}
	for (;;) {
		uint32_t written = 0;
		int rc = virtq_dev_pop(&vm->vq, segs, VMM_CHAIN_SEGS, &ch, &diag);

		if (rc == 0) {
			break;
		}
		if (rc < 0) {
			char why[64];

			snprintf(why, sizeof(why), "broken ring: %s %s",
				 diag.field ? diag.field : "?", rheap_err_name(rc));
			vmm_dev_needs_reset(vm, "RING", diag.value, why);
			break;
		}
		if (vmm_dev_chain_lent(vm, segs, ch.seg_count)) {
			vm->requests++;
			vmm_deny(vm, "REQUEST", segs[0].gpa,
				 "buffer in pages it lent");
		} else {
			written = vmm_dev_serve(vm, segs, &ch);
		}
		rc = virtq_dev_push(&vm->vq, ch.head, written, &diag);
		irq = irq || rc == 1;
	}
	if (irq) {
		vmm_dev_irq(vm, 1u);
	}
}

/* Everything the VM holds on the host goes (its death, or the vmm's end). */
void vmm_dev_release(struct vmm_vm *vm)
{
	/* Registrations hold buffers on the host: they go first. */
	vmm_tee_release(vm);
	vmm_devjob_release(vm); /* the connections close below */
	for (uint32_t i = 0; vm->atts && i < vm->vmm->cfg.quota_attachments; i++) {
		vm->atts[i] = (struct vmm_att){ 0 };
	}
	for (uint32_t i = 0; i < vm->dev_count; i++) {
		rheap_device_close(vm->devs[i].dev); /* rheapd detaches */
		memset(&vm->devs[i], 0, sizeof(vm->devs[i]));
	}
	vm->dev_count = 0;
	for (uint32_t i = 0; vm->bufs && i < vm->vmm->cfg.quota_buffers; i++) {
		if (vm->bufs[i].id) {
			close(vm->bufs[i].fd);
		}
		vm->bufs[i] = (struct vmm_buf){ 0 };
	}
	for (uint32_t i = 0; i < VMM_MAX_HEAPS; i++) {
		rheap_heap_close(vm->heaps[i]);
		vm->heaps[i] = NULL;
	}
	vm->buf_count = 0;
	vm->att_count = 0;
	vm->bytes = 0;
	virtq_dev_reset(&vm->vq);
	vm->q_ready = false;
}
