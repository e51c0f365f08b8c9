/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-vmm internals shared by vmm.c (processes, event loop, control
 * socket), vmm_dev.c (the virtio-mmio device and the requests) and
 * vmm_ffa.c (FF-A forwarding with the stage-2 ownership check).
 */
#ifndef RHEAP_SRC_HYP_VMM_INTERNAL_H
#define RHEAP_SRC_HYP_VMM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rheap/ffa_desc.h>
#include <rheap/rheap.h>
#include <rheap/virtio_rheap.h>

#include "board/nw_client.h"
#include "hyp/virtq.h"
#include "hyp/vmm.h"
#include "hyp/vtransport.h"

struct lib_conn;

#define VMM_PAGE_SIZE 4096u
/** Largest queue the device offers (QueueNumMax of the requestq). */
#define VMM_QUEUE_NUM_MAX 256u
/** Bytes of the largest request chain read (config.max_request). */
#define VMM_MAX_REQUEST 4096u
/** Bytes of the largest response written. */
#define VMM_MAX_RESPONSE 4096u
/** Chain limits (both directions) once F_TEE is negotiated. */
#define VMM_TEE_CHAIN_MAX VIRTIO_RHEAP_TEE_CHAIN_MAX
/** TEE sessions and registrations a VM holds at once (vmm_tee.c). */
#define VMM_TEE_SESSIONS 64u
#define VMM_TEE_SHMS 64u
/** Device contexts and display sessions a VM holds at once (vmm_devjob.c). */
#define VMM_DEVCTXS 8u
/** Segments an ATTACH response carries at most (config.max_segs). */
#define VMM_MAX_SEGS 16u
/** Chain segments the device accepts (readable + writable). */
#define VMM_CHAIN_SEGS 32u
/** Heaps of the host offered to guests. */
#define VMM_MAX_HEAPS 16u
/** Devices a VM may open. */
#define VMM_MAX_DEVICES 8u
/** Denials kept for STATUS. */
#define VMM_DENIAL_LOG 64u
/** Mailbox pages a VM may map (RXTX_MAP page_count 1..this). */
#define VMM_MBOX_PAGES 4u
/** The hypervisor's own mailbox pages per VM (TX then RX). */
#define VMM_MBOX_AREA (2u * VMM_MBOX_PAGES * VMM_PAGE_SIZE)
/** FF-A transactions (LEND/SHARE handles) a VM holds at once. */
#define VMM_MAX_SHARES 64u
/** Constituents of one FF-A transaction the hypervisor forwards. */
#define VMM_MAX_RANGES 64u

/* virtio 1.2 §2.1: device status bits. */
#define VMM_ST_ACKNOWLEDGE 1u
#define VMM_ST_DRIVER 2u
#define VMM_ST_DRIVER_OK 4u
#define VMM_ST_FEATURES_OK 8u
#define VMM_ST_NEEDS_RESET 64u
#define VMM_ST_FAILED 128u

/* Features the device offers. */
#define VMM_DEV_FEATURES                                                      \
	(VIRTQ_FEATURE(VIRTIO_F_VERSION_1) |                                   \
	 VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX) |                                   \
	 VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC) |                               \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA) |                                   \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES) |                               \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_TEE) |                                   \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVJOB))

/** One buffer of a VM: its handle on host rheapd under a VM-local ID. */
struct vmm_buf {
	uint64_t id;           /* 0: free slot */
	int fd;                /* the host handle (rheapd ALLOC) */
	uint64_t size;         /* bytes */
	uint32_t heap_index;   /* into vmm.heaps */
	uint32_t attach_count; /* this VM's attachments of it */
	uint32_t tee_refs;     /* its TEE registrations (FREE: -EBUSY) */
};

/** One attachment of a VM. */
struct vmm_att {
	uint64_t id;      /* 0: free slot */
	uint64_t buf_id;  /* the VM's buffer */
	uint32_t dev;     /* index into vmm_vm.devs */
	uint64_t host_id; /* rheapd's attachment ID on that connection */
};

/** A VM's device connection (rheap_device_open per VM per device). */
struct vmm_vdev {
	char name[VIRTIO_RHEAP_DEVICE_NAME_MAX];
	struct rheap_device *dev;
};

/**
 * struct vmm_share - one FF-A transaction a VM sent (it is the owner)
 * @handle:      the SPMC's handle; 0: free slot
 * @abi:         RHEAP_FFA_ABI_SHARE or LEND
 * @first_page:  GPA page numbers and counts of its constituents
 * @page_count:
 * @range_count: entries used
 */
struct vmm_share {
	uint64_t handle;
	uint32_t abi;
	uint32_t range_count;
	uint64_t first_page[VMM_MAX_RANGES];
	uint32_t page_count[VMM_MAX_RANGES];
};

/** One TEE registration of a VM (rheapd's shm ID on its connection). */
struct vmm_tee_shm {
	uint32_t id;     /* 0: free slot */
	uint64_t buf_id; /* the VM's buffer it holds */
};

/**
 * struct vmm_devctx - a decoder context or display session a VM opened
 * @id:        the VM's name for it: non-zero, never reused; 0: free slot
 * @host_id:   the board's ID (rheapd's res[0] on the VM's connection)
 * @dev:       index into vmm_vm.devs (the connection that opened it)
 */
struct vmm_devctx {
	uint64_t id;
	uint64_t host_id;
	uint32_t dev;
};

/* Page states of the stage-2 model (vmm_vm.pages). */
#define VMM_PAGE_OWNED 0u  /* the guest's, mapped */
#define VMM_PAGE_SHARED 1u /* shared: mapped, not sendable again */
#define VMM_PAGE_LENT 2u   /* lent: not the guest's until reclaimed */

/**
 * struct vmm_vm - one guest and its device
 *
 * Transport registers follow virtio-mmio (vtransport.h). The tables hold
 * the VM's own IDs: a request naming an ID not in them is -ENOENT and a
 * denial. Everything is touched by the event loop only.
 */
struct vmm_vm {
	struct vmm *vmm;
	uint32_t index;
	uint16_t ep;
	pid_t pid;     /* 0 once reaped */
	int pidfd;     /* -1 once dead */
	bool alive;
	int exit_status; /* wait status once dead */
	uint64_t ram_pa;
	uint64_t ram_size;
	uint8_t *ram;  /* inside the hypervisor's DRAM mapping */
	int mmio_fd;   /* our end */
	int kick_fd;
	int irq_fd;
	char uapi_path[108];
	struct nw_client *ffa; /* the VM's board connection */

	/* virtio-mmio registers. */
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
	struct virtq_mem_range range;
	struct virtq_mem mem;
	struct virtq_dev vq;

	/* Tables (quota-sized). */
	struct vmm_buf *bufs;
	uint32_t buf_count;
	uint64_t next_buf_id;
	struct vmm_att *atts;
	uint32_t att_count;
	uint64_t next_att_id;
	uint64_t bytes;
	struct rheap_heap *heaps[VMM_MAX_HEAPS];
	struct vmm_vdev devs[VMM_MAX_DEVICES];
	uint32_t dev_count;

	/* TEE (vmm_tee.c): the VM's host rheapd connection, opened at its
	 * first TEE request, closed at reset/death (rheapd then drops the
	 * VM's sessions and registrations), and the IDs it owns. */
	struct lib_conn *tee;
	uint32_t tee_sessions[VMM_TEE_SESSIONS]; /* 0: free slot */
	struct vmm_tee_shm tee_shms[VMM_TEE_SHMS];

	/* Device jobs (vmm_devjob.c): the contexts and sessions the VM
	 * opened on its device connections, under VM-local IDs. */
	struct vmm_devctx devctxs[VMM_DEVCTXS];
	uint64_t next_ctx_id;

	/* Stage-2 model and FF-A. */
	uint8_t *pages; /* VMM_PAGE_* per guest page */
	struct vmm_share *shares;
	bool mbox_mapped;
	uint64_t tx_gpa;
	uint64_t rx_gpa;
	uint32_t mbox_pages;
	uint64_t hyp_tx_pa; /* the hypervisor's mailbox for this VM */
	uint8_t *hyp_tx;
	uint8_t *hyp_rx;

	/* Counters. */
	uint64_t denials;
	uint64_t requests;
};

/** One recorded denial. */
struct vmm_denial {
	uint32_t vm;
	char request[16];
	uint64_t id;
	char reason[64];
};

struct vmm {
	struct vmm_cfg cfg;
	char run_dir[96];
	char ctl_path[128];
	struct nw_client *hyp;
	struct rheap_heap_desc heaps[VMM_MAX_HEAPS];
	uint32_t heap_count;
	struct vmm_vm vms[VMM_MAX_VMS];
	int epfd;
	int sigfd;
	int ctl_fd;
	bool stop;
	struct vmm_denial denials[VMM_DENIAL_LOG];
	uint64_t denial_total; /* denials[total % LOG] is the next slot */
};

/* vmm.c */
void vmm_log(const struct vmm *vmm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vmm_deny(struct vmm_vm *vm, const char *request, uint64_t id,
	      const char *reason);

/**
 * struct vmm_req - a virtio-rheap request as vmm_req_decode() accepted it
 * @type:       VIRTIO_RHEAP_REQ_*; 0 when shorter than its header
 * @tag:        the driver's tag, echoed in the response (0 when shorter
 *              than the header)
 * @heap_index: HEAP_INFO, ALLOC: below the heap count given to the decoder
 * @fd_flags:   ALLOC: within VIRTIO_RHEAP_VALID_FD_FLAGS (checked, unused)
 * @len:        ALLOC: bytes asked, >= 1
 * @size:       ALLOC: @len rounded up to VMM_PAGE_SIZE (>= @len, no wrap)
 * @id:         FREE, QUERY, ATTACH: the buffer ID; DETACH: the attachment
 *              ID (any value: the VM's tables decide)
 * @device:     ATTACH: 1..31 characters, NUL terminated and NUL padded
 * @flags:      ATTACH: VIRTIO_RHEAP_ATTACH_* bits only
 * @x:          FFA: the guest's x0..x17 (untrusted values, the FF-A layer
 *              checks them)
 * @tee_op:     TEE: RHEAPD_OP_TEE_* (0x10..0x15)
 * @payload_len: TEE: bytes of the rheapd payload, at offset 32 of the
 *              request bytes (inside them: checked); DEVICE: config_len,
 *              the codec config at offset 128 (inside them: checked)
 * @cmd:        DEVICE: enum device_cmd (a known one)
 * @args:       DEVICE: the slots (the VM's IDs, untrusted values)
 *
 * TEE: @id is the buffer of TEE_SHM_REGISTER_FD (0 for the other ops).
 * DEVICE: @id is the buffer of GPU_READ (0 for the other commands),
 * @device the device name (checked as ATTACH's).
 * Fields a type does not use are 0. Decoded from a copy of guest memory;
 * holds no pointer into it.
 */
struct vmm_req {
	uint32_t type;
	uint64_t tag;
	uint32_t heap_index;
	uint32_t fd_flags;
	uint64_t len;
	uint64_t size;
	uint64_t id;
	char device[VIRTIO_RHEAP_DEVICE_NAME_MAX];
	uint32_t flags;
	uint64_t x[VIRTIO_RHEAP_FFA_REGS];
	uint32_t tee_op;
	uint32_t payload_len;
	uint32_t cmd;
	uint64_t args[VIRTIO_RHEAP_DEVJOB_ARGS];
};

/* vmm_dev.c */
/**
 * vmm_req_decode() - check and decode one request (pure)
 * @q:          the request bytes, copied once out of guest memory
 *              (untrusted)
 * @qlen:       bytes at @q (the readable part of the chain)
 * @features:   the features the driver negotiated (ATTACH, DETACH and FFA
 *              need theirs)
 * @heap_count: heaps the VM may name
 * @out:        the request; on failure @out->type and @out->tag are set
 *              when @qlen covers the header, the rest is unspecified
 *
 * Checks in this order, the first failure wins: the header (16 bytes,
 * reserved MBZ), the type, the type's length and MBZ fields, its feature,
 * then its fields (heap index, ALLOC length, device name, flags). Bytes
 * past the type's struct are ignored. No allocation, no I/O.
 *
 * Return: 0; -EINVAL short, a reserved/MBZ field not 0, ALLOC length 0 or
 * fd_flags outside VIRTIO_RHEAP_VALID_FD_FLAGS, an ATTACH device name
 * empty, unterminated or not NUL padded, ATTACH flags unknown;
 * TEE: payload_len above VIRTIO_RHEAP_TEE_PAYLOAD_MAX or past @qlen,
 * an op outside 0x10..0x15, buffer_id not 0 for an op other than
 * TEE_SHM_REGISTER_FD or 0 for it (-EINVAL);
 * DEVICE: the device name as ATTACH's, config_len above
 * VIRTIO_RHEAP_DEVJOB_CONFIG_MAX or past @qlen, config_len not args[3]
 * for VDEC_OPEN or not 0 for another command, buffer_id 0 for GPU_READ or
 * not 0 for another command (-EINVAL), an unknown command (-EOPNOTSUPP);
 * -EOPNOTSUPP an unknown type, or ATTACH/DETACH without
 * VIRTIO_RHEAP_F_DEVICES, FFA without VIRTIO_RHEAP_F_FFA, TEE without
 * VIRTIO_RHEAP_F_TEE, DEVICE without VIRTIO_RHEAP_F_DEVJOB; -ENOENT a heap
 * index >= @heap_count; -EOVERFLOW an ALLOC length that wraps when
 * rounded up to a page.
 */
int vmm_req_decode(const uint8_t *q, uint32_t qlen, uint64_t features,
		   uint32_t heap_count, struct vmm_req *out);
/**
 * vmm_dev_mmio_step() - serve one register message of the guest
 * @vm:       the VM (registers, queue, tables)
 * @msg:      the datagram as received (untrusted)
 * @msg_size: its size (a datagram longer than the buffer counts whole)
 * @resp:     out: the answer to send back
 *
 * The transport's state machine (file comment of vmm_dev.c) without the
 * socket: a message that is not exactly a struct vt_mmio_req with
 * reserved 0 and a known op is VT_MMIO_E_BAD and changes nothing. Side
 * effects beyond @vm: denials (vmm_deny), interrupts on vm->irq_fd, and a
 * QueueNotify serves the queue (vmm_dev_kick).
 */
void vmm_dev_mmio_step(struct vmm_vm *vm, const void *msg, size_t msg_size,
		       struct vt_mmio_resp *resp);
void vmm_dev_reset(struct vmm_vm *vm);
int vmm_dev_mmio(struct vmm_vm *vm);
void vmm_dev_kick(struct vmm_vm *vm);
void vmm_dev_release(struct vmm_vm *vm);

/**
 * struct vmm_resp - a response under construction (vmm_dev.c builds it,
 * then copies it into the chain's writable buffers)
 */
struct vmm_resp {
	uint8_t b[VMM_TEE_CHAIN_MAX];
	uint32_t len;
};

/* vmm_tee.c */
/**
 * vmm_tee_call() - serve a VM's TEE request (F_TEE) on its host rheapd
 * connection
 * @vm:       the VM
 * @q:        the decoded request
 * @payload:  its payload (@q->payload_len bytes, a copy)
 * @writable: bytes the chain's response buffers hold
 * @r:        out: the response (header left to the caller)
 *
 * The VM's own IDs only: a session, registration or buffer it does not
 * hold is -ENOENT and a denial, before anything reaches the host. The
 * response buffers must hold the op's whole response (INVOKE: as many
 * bytes as its request) or -ENOSPC, also before the host sees it.
 *
 * Return: 0 or the host's status (rheapd's errno); -ENOMEM the VM's
 * session or registration table is full (a denial); -ENOENT the host
 * rheapd went away.
 */
int vmm_tee_call(struct vmm_vm *vm, const struct vmm_req *q,
		 const uint8_t *payload, uint64_t writable, struct vmm_resp *r);
/**
 * vmm_tee_release() - close the VM's host TEE connection (rheapd drops
 * its sessions and registrations) and forget its IDs
 * @vm: the VM
 */
void vmm_tee_release(struct vmm_vm *vm);

/* vmm_devjob.c */
/**
 * vmm_devjob_call() - serve a VM's DEVICE request (F_DEVJOB) on its host
 * rheapd connection for the device
 * @vm:       the VM
 * @q:        the decoded request
 * @config:   VDEC_OPEN: the codec config (@q->payload_len bytes, a copy)
 * @writable: bytes the chain's response buffers hold
 * @r:        out: the response (header left to the caller); @r->len is
 *            the whole DEVICE response whenever the host answered, also
 *            with an error
 *
 * The VM's own IDs only: a context, session, attachment or buffer it
 * does not hold is -ENOENT and a denial before anything reaches the host;
 * IDs are translated to the host's, and an OPEN's context ID back to a
 * VM-local one. The response buffers must hold the DEVICE response or
 * -ENOSPC, before the host sees the job.
 *
 * Return: 0 or the host's status (rheapd's errno); -ENOMEM the VM's
 * context table (VMM_DEVCTXS) is full (a denial) or its device
 * connections are; -EINVAL an attachment of this VM to another device.
 */
int vmm_devjob_call(struct vmm_vm *vm, const struct vmm_req *q,
		    const uint8_t *config, uint64_t writable,
		    struct vmm_resp *r);
/**
 * vmm_devjob_release() - forget the VM's contexts (its device connections
 * are closed by the caller: rheapd closes them on the board)
 * @vm: the VM
 */
void vmm_devjob_release(struct vmm_vm *vm);
/**
 * vmm_vdev_get() - the VM's host connection for device @name, opened on
 * first use (vmm_dev.c)
 * @vm:   the VM
 * @name: device name, NUL-terminated
 * @out:  out: index into vm->devs
 *
 * Return: 0; -ENOMEM VMM_MAX_DEVICES open; librheap's errors.
 */
int vmm_vdev_get(struct vmm_vm *vm, const char *name, uint32_t *out);

/* vmm_ffa.c */
/**
 * vmm_ffa_call() - serve a VM's FF-A call (F_FFA)
 * @vm: the VM
 * @x:  in: the guest's x0..x17 (untrusted); out: the reply it sees
 *
 * Return: 0 the call reached the SPMC (its reply in @x); a refusal of the
 * hypervisor: -EPERM, -EINVAL, -ENOMEM or -EOPNOTSUPP with @x the
 * FFA_ERROR the guest sees; -ENOENT the board went away.
 */
int vmm_ffa_call(struct vmm_vm *vm, uint64_t x[VIRTIO_RHEAP_FFA_REGS]);

/**
 * struct vmm_s2_fault - why vmm_ffa_stage2_check() refused
 * @value: the sender ID, or the GPA of the refused constituent
 * @why:   a static string for the denial log
 */
struct vmm_s2_fault {
	uint64_t value;
	const char *why;
};

/**
 * vmm_ffa_stage2_check() - may this VM send this memory transaction (pure)
 * @vm:         the VM: its endpoint, RAM size, page table, queue, mailbox
 * @mem:        a descriptor rheap_ffa_mem_decode() accepted (its ranges
 *              are the guest's GPAs, untrusted values)
 * @page_count: out on success: the pages of all ranges
 * @fault:      out on failure: the value and reason to log as a denial
 *
 * The sender must be the VM's endpoint; every constituent must be 4 KiB
 * aligned, non-empty and inside its guest RAM, and name only OWNED pages
 * that hold neither its live virtqueue nor its mailbox.
 *
 * Return: 0, or -EPERM (FFA_DENIED, a denial).
 */
int vmm_ffa_stage2_check(const struct vmm_vm *vm,
			 const struct rheap_ffa_mem *mem, uint64_t *page_count,
			 struct vmm_s2_fault *fault);
/**
 * vmm_ffa_translate() - GPA -> PA of a checked transaction (pure)
 * @vm:    the VM (RAM base)
 * @mem:   a descriptor vmm_ffa_stage2_check() accepted; its range
 *         addresses become PAs (ram_pa + GPA)
 * @share: out: the GPA page numbers and counts, for the page table
 */
void vmm_ffa_translate(const struct vmm_vm *vm, struct rheap_ffa_mem *mem,
		       struct vmm_share *share);
bool vmm_ffa_handle_owned_by_other(const struct vmm_vm *vm, uint64_t handle);

#endif /* RHEAP_SRC_HYP_VMM_INTERNAL_H */
