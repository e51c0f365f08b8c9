// SPDX-License-Identifier: BSD-2-Clause
/*
 * The virtio-rheap DEVICE request (F_DEVJOB, docs/virtio-rheap.md 6.12):
 * a guest's device jobs (include/rheap/device_abi.h) served on the VM's
 * own host rheapd connection for the device, the one its ATTACHes to
 * that device went over (vmm_vdev_get). rheapd's per-connection
 * ownership of attachments and contexts then separates VMs as it
 * separates host programs, and closing the VM's connections (reset,
 * death) closes its contexts on the board.
 *
 * The hypervisor also checks and translates every ID a job names before
 * the host sees it, as for the other requests: an attachment, context,
 * session or buffer that is not in the VM's tables is -ENOENT and a
 * denial (logged and counted). Attachments become the host's attachment
 * IDs on that connection, contexts and sessions the board's IDs, a
 * GPU_READ's buffer its host handle; the context ID an OPEN answers with
 * becomes a VM-local one ((VM index + 1) << 32 | n, never reused), so no
 * VM ever sees or names a board context ID. A VDEC_OPEN's codec config
 * (at most VIRTIO_RHEAP_DEVJOB_CONFIG_MAX bytes, rheapd's bound, checked
 * by the decoder) is put in a sealed memfd, as a host program sends it.
 *
 * Life cycle of a VM's context (struct vmm_devctx):
 *
 *   OPEN answered 0 by the host, a free slot reserved before --> id
 *        assigned, res[0] rewritten to it
 *   CLOSE (whatever the host answers: the board has no such context after
 *        a close, or is gone) --> slot freed
 *   device reset, VM death, vmm exit (vmm_dev_release) --> slots freed;
 *        the connections close: rheapd closes the contexts on the board
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/virtio_rheap.h>

#include "hyp/vmm_internal.h"
#include "kernel/rheapd.h"

static void dj_st64(uint8_t *p, uint64_t v)
{
	for (uint32_t i = 0; i < 8u; i++) {
		p[i] = (uint8_t)(v >> (8u * i));
	}
}

static bool dj_is_open(uint32_t cmd)
{
	return cmd == DEVICE_CMD_VDEC_OPEN || cmd == DEVICE_CMD_DISPLAY_OPEN;
}

static bool dj_is_close(uint32_t cmd)
{
	return cmd == DEVICE_CMD_VDEC_CLOSE || cmd == DEVICE_CMD_DISPLAY_CLOSE;
}

static struct vmm_devctx *dj_ctx_find(struct vmm_vm *vm, uint64_t id)
{
	for (uint32_t i = 0; id != 0 && i < VMM_DEVCTXS; i++) {
		if (vm->devctxs[i].id == id) {
			return &vm->devctxs[i];
		}
	}
	return NULL;
}

static struct vmm_devctx *dj_ctx_free_slot(struct vmm_vm *vm)
{
	for (uint32_t i = 0; i < VMM_DEVCTXS; i++) {
		if (vm->devctxs[i].id == 0) {
			return &vm->devctxs[i];
		}
	}
	return NULL;
}

static struct vmm_buf *dj_buf_find(struct vmm_vm *vm, uint64_t id)
{
	for (uint32_t i = 0; id != 0 && i < vm->vmm->cfg.quota_buffers; i++) {
		if (vm->bufs[i].id == id) {
			return &vm->bufs[i];
		}
	}
	return NULL;
}

/*
 * A [buf] slot's attachment: the VM's (-ENOENT and a denial), to the
 * device @dev the job runs on (-EINVAL, as rheapd answers for its own
 * client's attachment to another device); *@slot becomes the host's ID.
 * An attachment or context holds the index of the connection that made
 * it, whose name is compared.
 */
static int dj_att(struct vmm_vm *vm, const char *dev, uint64_t *slot)
{
	for (uint32_t i = 0; *slot != 0 && i < vm->vmm->cfg.quota_attachments;
	     i++) {
		const struct vmm_att *a = &vm->atts[i];

		if (a->id == *slot) {
			if (strcmp(vm->devs[a->dev].name, dev) != 0) {
				return -EINVAL;
			}
			*slot = a->host_id;
			return 0;
		}
	}
	vmm_deny(vm, "DEVICE", *slot, "not an attachment of this VM");
	return -ENOENT;
}

/*
 * The VM's IDs in @args -> the host's. @ctx: the context the job names
 * (NULL for OPEN and GPU_READ). A context of this VM on another device
 * is -ENOENT without a denial (rheapd's answer for its own client's).
 */
static int dj_translate(struct vmm_vm *vm, const struct vmm_req *q,
			const char *dev,
			uint64_t args[VIRTIO_RHEAP_DEVJOB_ARGS],
			struct vmm_devctx **ctx)
{
	if (dj_is_open(q->cmd) || q->cmd == DEVICE_CMD_GPU_READ) {
		return 0;
	}
	*ctx = dj_ctx_find(vm, args[0]);
	if (!*ctx) {
		vmm_deny(vm, "DEVICE", args[0],
			 "not a device context of this VM");
		return -ENOENT;
	}
	if (strcmp(vm->devs[(*ctx)->dev].name, dev) != 0) {
		*ctx = NULL;
		return -ENOENT;
	}
	args[0] = (*ctx)->host_id;
	switch (q->cmd) {
	case DEVICE_CMD_VDEC_QUEUE_OUT:
		return dj_att(vm, dev, &args[2]);
	case DEVICE_CMD_VDEC_DECODE:
		if (args[1] == 0 && args[2] == 0 && args[3] == 0) {
			return 0; /* no data (EOS drain) */
		}
		return dj_att(vm, dev, &args[1]);
	case DEVICE_CMD_DISPLAY_SHOW:
		return dj_att(vm, dev, &args[1]);
	default:
		return 0;
	}
}

void vmm_devjob_release(struct vmm_vm *vm)
{
	memset(vm->devctxs, 0, sizeof(vm->devctxs));
}

int vmm_devjob_call(struct vmm_vm *vm, const struct vmm_req *q,
		    const uint8_t *config, uint64_t writable,
		    struct vmm_resp *r)
{
	uint64_t args[VIRTIO_RHEAP_DEVJOB_ARGS] = { 0 };
	uint64_t res[VIRTIO_RHEAP_DEVJOB_ARGS] = { 0 };
	struct vmm_devctx *ctx = NULL;
	struct vmm_devctx *fresh = NULL;
	const char *want = rheapd_device_cmd_device(q->cmd); /* known: decoded */
	bool mismatch = false;
	uint32_t dev = 0;
	int fd = -1;
	int rc = 0;

	if (vm->next_ctx_id == 0) {
		vm->next_ctx_id = ((uint64_t)vm->index + 1u) << 32 | 1u;
	}
	memcpy(args, q->args, sizeof(args));
	if (writable < sizeof(struct virtio_rheap_device_resp)) {
		return -ENOSPC;
	}
	if (q->cmd == DEVICE_CMD_GPU_READ) {
		struct vmm_buf *b = dj_buf_find(vm, q->id);

		if (!b) {
			vmm_deny(vm, "DEVICE", q->id, "not a buffer of this VM");
			return -ENOENT;
		}
		fd = b->fd;
	}
	/*
	 * A command of another device: the host refuses it before it looks
	 * at a slot (-ENOENT no such device, -EOPNOTSUPP another device's
	 * command), so it goes with its slots zeroed: nothing the VM names
	 * reaches the host.
	 */
	mismatch = want == NULL || strcmp(want, q->device) != 0;
	if (mismatch) {
		memset(args, 0, sizeof(args));
	}
	if (!mismatch && dj_is_open(q->cmd)) {
		fresh = dj_ctx_free_slot(vm);
		if (!fresh) {
			vmm_deny(vm, "DEVICE", q->cmd,
				 "device context table full");
			return -ENOMEM;
		}
	}
	/* Names first: a job naming what is not the VM's opens nothing. */
	rc = mismatch ? 0 : dj_translate(vm, q, q->device, args, &ctx);
	if (rc) {
		return rc;
	}
	rc = vmm_vdev_get(vm, q->device, &dev);
	if (rc) {
		return rc;
	}
	if (!mismatch && q->cmd == DEVICE_CMD_VDEC_OPEN &&
	    q->payload_len != 0) {
		fd = rheap_device_memfd(config, q->payload_len);
		if (fd < 0) {
			return fd;
		}
	}
	rc = rheap_device_cmd(vm->devs[dev].dev, q->cmd, args, fd, res);
	if (q->cmd == DEVICE_CMD_VDEC_OPEN && fd >= 0) {
		close(fd);
	}
	if (rc == 0 && fresh) {
		*fresh = (struct vmm_devctx){ .id = vm->next_ctx_id++,
					      .host_id = res[0],
					      .dev = dev };
		res[0] = fresh->id;
	}
	if (ctx && dj_is_close(q->cmd)) {
		*ctx = (struct vmm_devctx){ 0 };
	}
	for (uint32_t i = 0; i < VIRTIO_RHEAP_DEVJOB_ARGS; i++) {
		dj_st64(r->b + 16 + 8 * i, res[i]);
	}
	r->len = sizeof(struct virtio_rheap_device_resp);
	return rc;
}
