/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtio transport between a guest and rheap-vmm: virtio-mmio (virtio
 * 1.2 §4.2, version 2 register layout) with each register access carried
 * as a message, as a hypervisor traps a guest's MMIO accesses and emulates
 * them. docs/virtio-rheap.md ("Transport") describes it.
 *
 * A guest VM is a process (forked by rheap-vmm) holding:
 *   - its guest RAM: a MAP_SHARED mapping of its slice of NW DRAM; guest
 *     physical address (GPA) 0 is the slice's first byte; nothing else of
 *     DRAM is mapped or reachable (the vmm closed every other fd);
 *   - @mmio_fd: a SOCK_SEQPACKET socket to the vmm; each register access is
 *     one struct vt_mmio_req datagram answered by one struct vt_mmio_resp;
 *   - @kick_fd: an eventfd per virtqueue: writing 1 is a QueueNotify of that
 *     queue (the ioeventfd fast path: no reply, no trap round trip);
 *   - @irq_fd: an eventfd the vmm writes to raise the used-buffer
 *     interrupt (irqfd); the guest reads it, then reads InterruptStatus
 *     and writes InterruptACK as virtio-mmio says.
 *
 * Register offsets are virtio-mmio's; the device config space
 * (struct virtio_rheap_config) starts at VT_MMIO_CONFIG. Accesses are 4
 * bytes except in the config space (1, 2, 4 or 8, aligned to their size).
 * A read of an unknown offset or a write to a read-only register is
 * answered VT_MMIO_E_BAD and changes nothing (real hardware ignores it; we
 * report it so hostile-guest tests can see it); a write that breaks the
 * virtio rules (features written after FEATURES_OK, QueueNum not a power
 * of two or above QueueNumMax, QueueReady with GPAs outside guest RAM or
 * misaligned) sets DEVICE_NEEDS_RESET (Status bit 64) and answers
 * VT_MMIO_E_STATE; writing Status 0 resets the device.
 */
#ifndef RHEAP_SRC_HYP_VTRANSPORT_H
#define RHEAP_SRC_HYP_VTRANSPORT_H

#include <stdint.h>

/* virtio-mmio register offsets (virtio 1.2 §4.2.2). */
#define VT_MMIO_MAGIC 0x000u          /* R: 0x74726976 ("virt") */
#define VT_MMIO_VERSION 0x004u        /* R: 2 */
#define VT_MMIO_DEVICE_ID 0x008u      /* R: VIRTIO_ID_RHEAP */
#define VT_MMIO_VENDOR_ID 0x00cu      /* R: 0x50414852 ("RHAP") */
#define VT_MMIO_DEV_FEATURES 0x010u   /* R: 32 bits selected below */
#define VT_MMIO_DEV_FEATURES_SEL 0x014u /* W */
#define VT_MMIO_DRV_FEATURES 0x020u   /* W */
#define VT_MMIO_DRV_FEATURES_SEL 0x024u /* W */
#define VT_MMIO_QUEUE_SEL 0x030u      /* W */
#define VT_MMIO_QUEUE_NUM_MAX 0x034u  /* R */
#define VT_MMIO_QUEUE_NUM 0x038u      /* W */
#define VT_MMIO_QUEUE_READY 0x044u    /* RW */
#define VT_MMIO_QUEUE_NOTIFY 0x050u   /* W: slow path; the kick eventfd is the fast one */
#define VT_MMIO_INT_STATUS 0x060u     /* R: bit 0 used buffer, bit 1 config change */
#define VT_MMIO_INT_ACK 0x064u        /* W */
#define VT_MMIO_STATUS 0x070u         /* RW: device status; write 0 = reset */
#define VT_MMIO_QUEUE_DESC_LO 0x080u  /* W: GPAs of the selected queue */
#define VT_MMIO_QUEUE_DESC_HI 0x084u
#define VT_MMIO_QUEUE_DRIVER_LO 0x090u /* available ring */
#define VT_MMIO_QUEUE_DRIVER_HI 0x094u
#define VT_MMIO_QUEUE_DEVICE_LO 0x0a0u /* used ring */
#define VT_MMIO_QUEUE_DEVICE_HI 0x0a4u
#define VT_MMIO_CONFIG_GEN 0x0fcu     /* R */
#define VT_MMIO_CONFIG 0x100u         /* device config space */

#define VT_MMIO_MAGIC_VALUE 0x74726976u
#define VT_MMIO_VENDOR_VALUE 0x50414852u

/* struct vt_mmio_req.op */
#define VT_MMIO_READ 1u
#define VT_MMIO_WRITE 2u

/* struct vt_mmio_resp.status */
#define VT_MMIO_OK 0u
#define VT_MMIO_E_BAD 1u   /* unknown offset, size, or read-only register */
#define VT_MMIO_E_STATE 2u /* against the virtio rules: DEVICE_NEEDS_RESET set */

/**
 * struct vt_mmio_req - one register access (24 bytes)
 * @op:     VT_MMIO_READ or VT_MMIO_WRITE
 * @offset: register offset
 * @size:   4 (config space: 1, 2, 4 or 8)
 * @reserved: MBZ (VT_MMIO_E_BAD otherwise)
 * @value:  WRITE: the value (low @size bytes); READ: MBZ
 */
struct vt_mmio_req {
	uint32_t op;
	uint32_t offset;
	uint32_t size;
	uint32_t reserved;
	uint64_t value;
};

/**
 * struct vt_mmio_resp - its answer (16 bytes)
 * @status:   VT_MMIO_OK or VT_MMIO_E_*
 * @reserved: 0
 * @value:    READ: the value; WRITE: 0
 */
struct vt_mmio_resp {
	uint32_t status;
	uint32_t reserved;
	uint64_t value;
};

_Static_assert(sizeof(struct vt_mmio_req) == 24, "mmio request is 24 bytes");
_Static_assert(sizeof(struct vt_mmio_resp) == 16, "mmio response is 16 bytes");

/**
 * struct vt_guest_env - what a guest process starts with (in its memory
 * after fork; not a wire format)
 * @vm_id:     the VM's FF-A endpoint ID (also in the config space)
 * @ram:       the guest RAM mapping (GPA 0)
 * @ram_size:  its bytes
 * @mmio_fd:   the register socket
 * @kick_fd:   QueueNotify eventfd of the requestq (queue 0)
 * @irq_fd:    interrupt eventfd
 * @uapi_path: where the guest's kernel serves its programs (rheapd UAPI)
 */
struct vt_guest_env {
	uint16_t vm_id;
	uint8_t *ram;
	uint64_t ram_size;
	int mmio_fd;
	int kick_fd;
	int irq_fd;
	char uapi_path[108];
};

#endif /* RHEAP_SRC_HYP_VTRANSPORT_H */
