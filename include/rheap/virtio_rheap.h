/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * virtio-rheap: a virtio 1.2 device through which a guest VM allocates,
 * frees, attaches and queries restricted buffers of the host's heaps, and
 * forwards its FF-A memory calls to the SPMC as its own endpoint.
 * docs/virtio-rheap.md is the specification chapter; this header pins its
 * wire layouts.
 *
 * Every multi-byte field is little-endian (virtio 1.2 §1.4, non-legacy
 * devices only). The structs document and pin the layout with static
 * asserts; code reads and writes the bytes at these offsets and never casts
 * guest memory to them (guest buffers are untrusted, may be unaligned and
 * may change while read: copy once, then check). Fields named `reserved`
 * are MBZ: a device refuses a request with a non-zero one (-EINVAL).
 *
 * A request is one descriptor chain on the requestq: the request struct in
 * device-readable buffers, then the response struct (and for ATTACH its
 * segments) in device-writable buffers. Each response begins with
 * `struct virtio_rheap_resp_hdr`; when `status` is not
 * VIRTIO_RHEAP_S_OK only that header is meaningful.
 */
#ifndef RHEAP_VIRTIO_RHEAP_H
#define RHEAP_VIRTIO_RHEAP_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/err.h>

/* <assert.h> is not a freestanding header; C11 has the keyword. */
#ifndef static_assert
#define static_assert _Static_assert
#endif

/*
 * Device ID: PROVISIONAL, not registered with the virtio TC. Registered
 * IDs end at 49 (virtio spec HEAD, 2026); crosvm's private IDs count down
 * from 63 (WL 63, TPM 62, PVCLOCK 61) and an out-of-tree QEMU device uses
 * 50. 57 is unused by all of them and below 64, so that the virtio-pci
 * modern device ID 0x1040 + 57 = 0x1079 stays inside 0x1040..0x107F.
 */
#define VIRTIO_ID_RHEAP 57u
#define VIRTIO_RHEAP_PCI_DEVICE_ID (0x1040u + VIRTIO_ID_RHEAP)

/* Virtqueues. */
#define VIRTIO_RHEAP_VQ_REQUEST 0u /* driver -> device requests */
#define VIRTIO_RHEAP_VQ_EVENT 1u   /* device -> driver events (F_EVENTQ) */

/* Device-specific feature bits (virtio 1.2 §2.2: 0..23). */
#define VIRTIO_RHEAP_F_EVENTQ 0  /* queue 1 exists and carries events */
#define VIRTIO_RHEAP_F_FFA 1     /* the FFA request is served */
#define VIRTIO_RHEAP_F_DEVICES 2 /* ATTACH and DETACH are served */
#define VIRTIO_RHEAP_F_TEE 3     /* the TEE request is served */
#define VIRTIO_RHEAP_F_DEVJOB 4  /* the DEVICE request is served */

/* Name lengths, with the NUL (rheapd's UAPI sizes). */
#define VIRTIO_RHEAP_HEAP_NAME_MAX 64u
#define VIRTIO_RHEAP_DEVICE_NAME_MAX 32u

/* FF-A registers carried by the FFA request (x0..x17, FF-A v1.2). */
#define VIRTIO_RHEAP_FFA_REGS 18u

/**
 * struct virtio_rheap_config - device configuration space (32 bytes)
 * @vm_id:             this VM's FF-A endpoint ID (never the host's 0x0001
 *                     or the hypervisor's 0x0000)
 * @heap_count:        heaps the VM may use (HEAP_INFO indices 0..count-1)
 * @max_request:       bytes of the largest request chain the device reads
 * @quota_bytes:       restricted bytes the VM may hold at once (0: none)
 * @quota_buffers:     buffers the VM may hold at once
 * @quota_attachments: attachments the VM may hold at once
 * @max_segs:          most segments an ATTACH response carries
 * @reserved:          MBZ
 *
 * Read-only to the driver; a quota change is a configuration change
 * notification.
 */
struct virtio_rheap_config {
	uint16_t vm_id;
	uint16_t heap_count;
	uint32_t max_request;
	uint64_t quota_bytes;
	uint32_t quota_buffers;
	uint32_t quota_attachments;
	uint32_t max_segs;
	uint32_t reserved;
};
static_assert(sizeof(struct virtio_rheap_config) == 32,
	      "virtio-rheap config is 32 bytes");
static_assert(offsetof(struct virtio_rheap_config, quota_bytes) == 8,
	      "virtio-rheap config: quota_bytes at 8");
static_assert(offsetof(struct virtio_rheap_config, max_segs) == 24,
	      "virtio-rheap config: max_segs at 24");

/* Request types (struct virtio_rheap_req_hdr.type). */
#define VIRTIO_RHEAP_REQ_HEAP_INFO 0x0001u
#define VIRTIO_RHEAP_REQ_ALLOC 0x0002u
#define VIRTIO_RHEAP_REQ_FREE 0x0003u
#define VIRTIO_RHEAP_REQ_ATTACH 0x0004u
#define VIRTIO_RHEAP_REQ_DETACH 0x0005u
#define VIRTIO_RHEAP_REQ_QUERY 0x0006u
#define VIRTIO_RHEAP_REQ_FFA 0x0100u
#define VIRTIO_RHEAP_REQ_TEE 0x0200u
#define VIRTIO_RHEAP_REQ_DEVICE 0x0300u

/* Status codes (struct virtio_rheap_resp_hdr.status) and their errnos. */
#define VIRTIO_RHEAP_S_OK 0u
#define VIRTIO_RHEAP_S_INVAL 1u     /* -EINVAL: malformed request */
#define VIRTIO_RHEAP_S_NOSPC 2u     /* -ENOSPC: response buffer too small */
#define VIRTIO_RHEAP_S_NOMEM 3u     /* -ENOMEM: heap or VM quota exhausted */
#define VIRTIO_RHEAP_S_NOENT 4u     /* -ENOENT: no such heap/buffer/... */
#define VIRTIO_RHEAP_S_BUSY 5u      /* -EBUSY: still attached or in use */
#define VIRTIO_RHEAP_S_PERM 6u      /* -EPERM: not this VM's, or denied */
#define VIRTIO_RHEAP_S_OVERFLOW 7u  /* -EOVERFLOW: sizes overflow */
#define VIRTIO_RHEAP_S_NOTSUPP 8u   /* -EOPNOTSUPP: unknown type/feature */

/**
 * struct virtio_rheap_req_hdr - first bytes of every request (16 bytes)
 * @type:     VIRTIO_RHEAP_REQ_*
 * @reserved: MBZ
 * @tag:      the driver's own value, echoed in the response
 */
struct virtio_rheap_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t tag;
};
static_assert(sizeof(struct virtio_rheap_req_hdr) == 16,
	      "virtio-rheap request header is 16 bytes");

/**
 * struct virtio_rheap_resp_hdr - first bytes of every response (16 bytes)
 * @status:   VIRTIO_RHEAP_S_*
 * @reserved: 0
 * @tag:      the request's tag
 */
struct virtio_rheap_resp_hdr {
	uint32_t status;
	uint32_t reserved;
	uint64_t tag;
};
static_assert(sizeof(struct virtio_rheap_resp_hdr) == 16,
	      "virtio-rheap response header is 16 bytes");

/** struct virtio_rheap_heap_info_req - HEAP_INFO request (24 bytes) */
struct virtio_rheap_heap_info_req {
	struct virtio_rheap_req_hdr hdr;
	uint32_t heap_index; /* 0 .. config.heap_count - 1 */
	uint32_t reserved;
};
static_assert(sizeof(struct virtio_rheap_heap_info_req) == 24,
	      "HEAP_INFO request is 24 bytes");

/* struct virtio_rheap_heap_info_resp.flags */
#define VIRTIO_RHEAP_HEAP_RESTRICTED 0x1u /* buffers refuse CPU access */

/**
 * struct virtio_rheap_heap_info_resp - HEAP_INFO response (112 bytes)
 * @name:       NUL-terminated heap name ("restricted,video", ...)
 * @heap_index: the request's index
 * @flags:      VIRTIO_RHEAP_HEAP_*
 * @granule:    allocation granule in bytes (sizes round up to it)
 * @capacity:   bytes the heap can hold in total (all VMs and the host)
 * @vm_used:    bytes of this heap the VM holds now
 */
struct virtio_rheap_heap_info_resp {
	struct virtio_rheap_resp_hdr hdr;
	char name[VIRTIO_RHEAP_HEAP_NAME_MAX];
	uint32_t heap_index;
	uint32_t flags;
	uint64_t granule;
	uint64_t capacity;
	uint64_t vm_used;
};
static_assert(sizeof(struct virtio_rheap_heap_info_resp) == 112,
	      "HEAP_INFO response is 112 bytes");
static_assert(offsetof(struct virtio_rheap_heap_info_resp, granule) == 88,
	      "HEAP_INFO response: granule at 88");

/**
 * struct virtio_rheap_alloc_req - ALLOC request (48 bytes)
 * @heap_index: heap to allocate from
 * @reserved:   MBZ
 * @len:        bytes; rounded up to the heap's granule; 0 -> INVAL
 * @fd:         MBZ (dma_heap_allocation_data.fd is output-only)
 * @fd_flags:   O_CLOEXEC | O_ACCMODE bits only (0x80003), for the guest's
 *              own handle; the device checks and ignores them
 * @heap_flags: MBZ (DMA_HEAP_VALID_HEAP_FLAGS is 0)
 *
 * @len .. @heap_flags are `struct dma_heap_allocation_data` (24 bytes,
 * Linux UAPI) so that a guest's dma-heap ioctl is forwarded unchanged.
 */
struct virtio_rheap_alloc_req {
	struct virtio_rheap_req_hdr hdr;
	uint32_t heap_index;
	uint32_t reserved;
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
	uint64_t heap_flags;
};
static_assert(sizeof(struct virtio_rheap_alloc_req) == 48,
	      "ALLOC request is 48 bytes");
static_assert(offsetof(struct virtio_rheap_alloc_req, len) == 24,
	      "ALLOC request: dma_heap_allocation_data at 24");

/* dma_heap_allocation_data.fd_flags the device accepts. */
#define VIRTIO_RHEAP_VALID_FD_FLAGS 0x80003u

/**
 * struct virtio_rheap_alloc_resp - ALLOC response (32 bytes)
 * @buffer_id: the VM's name of the buffer: non-zero, never reused while
 *             the device lives; meaningful to this VM only
 * @size:      bytes allocated (@len rounded up)
 */
struct virtio_rheap_alloc_resp {
	struct virtio_rheap_resp_hdr hdr;
	uint64_t buffer_id;
	uint64_t size;
};
static_assert(sizeof(struct virtio_rheap_alloc_resp) == 32,
	      "ALLOC response is 32 bytes");

/**
 * struct virtio_rheap_buffer_req - FREE and QUERY request (24 bytes)
 * @buffer_id: a buffer of this VM
 */
struct virtio_rheap_buffer_req {
	struct virtio_rheap_req_hdr hdr;
	uint64_t buffer_id;
};
static_assert(sizeof(struct virtio_rheap_buffer_req) == 24,
	      "FREE/QUERY request is 24 bytes");

/* struct virtio_rheap_attach_req.flags */
#define VIRTIO_RHEAP_ATTACH_WRITE 0x1u /* the device may write */

/**
 * struct virtio_rheap_attach_req - ATTACH request (64 bytes)
 * @buffer_id: a buffer of this VM
 * @device:    NUL-terminated device name ("vdec", "display", ...), NUL
 *             padded
 * @flags:     VIRTIO_RHEAP_ATTACH_*
 * @reserved:  MBZ
 */
struct virtio_rheap_attach_req {
	struct virtio_rheap_req_hdr hdr;
	uint64_t buffer_id;
	char device[VIRTIO_RHEAP_DEVICE_NAME_MAX];
	uint32_t flags;
	uint32_t reserved;
};
static_assert(sizeof(struct virtio_rheap_attach_req) == 64,
	      "ATTACH request is 64 bytes");
static_assert(offsetof(struct virtio_rheap_attach_req, flags) == 56,
	      "ATTACH request: flags at 56");

/** struct virtio_rheap_attach_seg - one IOVA range of an attachment (16) */
struct virtio_rheap_attach_seg {
	uint64_t iova;
	uint64_t size;
};
static_assert(sizeof(struct virtio_rheap_attach_seg) == 16,
	      "ATTACH segment is 16 bytes");

/**
 * struct virtio_rheap_attach_resp - ATTACH response (32 bytes + segments)
 * @attach_id: the VM's name of the attachment: non-zero, never reused
 * @seg_count: struct virtio_rheap_attach_seg entries that follow
 * @reserved:  0
 */
struct virtio_rheap_attach_resp {
	struct virtio_rheap_resp_hdr hdr;
	uint64_t attach_id;
	uint32_t seg_count;
	uint32_t reserved;
};
static_assert(sizeof(struct virtio_rheap_attach_resp) == 32,
	      "ATTACH response is 32 bytes");

/** struct virtio_rheap_detach_req - DETACH request (24 bytes) */
struct virtio_rheap_detach_req {
	struct virtio_rheap_req_hdr hdr;
	uint64_t attach_id;
};
static_assert(sizeof(struct virtio_rheap_detach_req) == 24,
	      "DETACH request is 24 bytes");

/**
 * struct virtio_rheap_query_resp - QUERY response (48 bytes)
 * @buffer_id:    the request's buffer
 * @size:         bytes
 * @heap_index:   heap it came from
 * @flags:        VIRTIO_RHEAP_HEAP_* of that heap
 * @attach_count: the VM's attachments of it
 * @reserved:     0
 */
struct virtio_rheap_query_resp {
	struct virtio_rheap_resp_hdr hdr;
	uint64_t buffer_id;
	uint64_t size;
	uint32_t heap_index;
	uint32_t flags;
	uint32_t attach_count;
	uint32_t reserved;
};
static_assert(sizeof(struct virtio_rheap_query_resp) == 48,
	      "QUERY response is 48 bytes");

/**
 * struct virtio_rheap_ffa - FFA request and response (160 bytes)
 * @x: FF-A registers x0..x17 of the guest's call (request) or of the
 *     reply it sees (response; FFA_ERROR with the status in x2 when the
 *     hypervisor refused)
 */
struct virtio_rheap_ffa {
	struct virtio_rheap_req_hdr hdr; /* resp_hdr in a response */
	uint64_t x[VIRTIO_RHEAP_FFA_REGS];
};
static_assert(sizeof(struct virtio_rheap_ffa) == 160,
	      "FFA request/response is 160 bytes");

/*
 * TEE request (F_TEE): one rheapd TEE op (rheapd_uapi.h RHEAPD_OP_TEE_*,
 * 0x10..0x15) and its payload, exactly as a program sends it to rheapd,
 * carried to the hypervisor, which serves it on a host rheapd connection
 * of the VM's own (docs/virtio-rheap.md section 7.8). The payload travels
 * after the request struct and the response payload after the response
 * struct, each at most VIRTIO_RHEAP_TEE_PAYLOAD_MAX bytes (rheapd's
 * largest message less its 16-byte header). With F_TEE negotiated, a
 * chain may carry up to VIRTIO_RHEAP_TEE_CHAIN_MAX readable and as many
 * writable bytes; without it, config.max_request bounds every chain.
 */
#define VIRTIO_RHEAP_TEE_OP_FIRST 0x10u /* RHEAPD_OP_TEE_OPEN */
#define VIRTIO_RHEAP_TEE_OP_LAST 0x15u  /* RHEAPD_OP_TEE_CANCEL */
#define VIRTIO_RHEAP_TEE_OP_SHM_REGISTER 0x13u /* ..._SHM_REGISTER_FD */
#define VIRTIO_RHEAP_TEE_PAYLOAD_MAX (128u * 1024u - 16u)
#define VIRTIO_RHEAP_TEE_CHAIN_MAX (VIRTIO_RHEAP_TEE_PAYLOAD_MAX + 32u)

/**
 * struct virtio_rheap_tee_req - TEE request (32 bytes + payload)
 * @op:          RHEAPD_OP_TEE_* (0x10..0x15)
 * @payload_len: bytes of the rheapd payload that follow (0 ..
 *               VIRTIO_RHEAP_TEE_PAYLOAD_MAX; the chain carries at least
 *               them, bytes past them are ignored)
 * @buffer_id:   TEE_SHM_REGISTER_FD: the buffer of this VM to register
 *               (the program's fd, replaced); every other op: MBZ
 */
struct virtio_rheap_tee_req {
	struct virtio_rheap_req_hdr hdr;
	uint32_t op;
	uint32_t payload_len;
	uint64_t buffer_id;
};
static_assert(sizeof(struct virtio_rheap_tee_req) == 32,
	      "TEE request is 32 bytes");

/**
 * struct virtio_rheap_tee_resp - TEE response (24 bytes + payload)
 * @payload_len: bytes of rheapd's response payload that follow (an OK
 *               response only; the TEE outcome, which may be a TEEC
 *               error, is inside it)
 * @reserved:    0
 */
struct virtio_rheap_tee_resp {
	struct virtio_rheap_resp_hdr hdr;
	uint32_t payload_len;
	uint32_t reserved;
};
static_assert(sizeof(struct virtio_rheap_tee_resp) == 24,
	      "TEE response is 24 bytes");

/*
 * DEVICE request (F_DEVJOB): one device job (include/rheap/device_abi.h,
 * rheapd's RHEAPD_OP_DEVICE) carried to the hypervisor, which serves it on
 * the VM's own host rheapd connection for that device
 * (docs/virtio-rheap.md section 6.12). Buffers are named as the VM knows
 * them: [buf] slots carry (attach_id of this VM, offset), contexts and
 * sessions are the IDs the device answered the VM's OPEN with, GPU_READ
 * names its buffer by buffer_id. A VDEC_OPEN's codec config travels after
 * the request struct (config_len bytes, at most
 * VIRTIO_RHEAP_DEVJOB_CONFIG_MAX, rheapd's bound); with F_DEVJOB
 * negotiated a chain may carry up to VIRTIO_RHEAP_DEVJOB_CHAIN_MAX
 * readable bytes.
 */
#define VIRTIO_RHEAP_DEVJOB_CONFIG_MAX (64u * 1024u)
#define VIRTIO_RHEAP_DEVJOB_CHAIN_MAX (128u + VIRTIO_RHEAP_DEVJOB_CONFIG_MAX)
#define VIRTIO_RHEAP_DEVJOB_ARGS 8u

/**
 * struct virtio_rheap_device_req - DEVICE request (128 bytes + config)
 * @device:     NUL-terminated device name ("vdec", "display", "gpu"), NUL
 *              padded
 * @cmd:        enum device_cmd
 * @config_len: VDEC_OPEN: bytes of codec config that follow, equal to
 *              args[3]; every other command: MBZ
 * @args:       the command's rheapd-side slots, with this VM's IDs
 * @buffer_id:  GPU_READ: the buffer of this VM to read (the program's
 *              handle fd, replaced); every other command: MBZ
 */
struct virtio_rheap_device_req {
	struct virtio_rheap_req_hdr hdr;
	char device[VIRTIO_RHEAP_DEVICE_NAME_MAX];
	uint32_t cmd;
	uint32_t config_len;
	uint64_t args[VIRTIO_RHEAP_DEVJOB_ARGS];
	uint64_t buffer_id;
};
static_assert(sizeof(struct virtio_rheap_device_req) == 128,
	      "DEVICE request is 128 bytes");
static_assert(offsetof(struct virtio_rheap_device_req, args) == 56,
	      "DEVICE request: args at 56");

/**
 * struct virtio_rheap_device_resp - DEVICE response (80 bytes)
 * @res: the command's results (device_abi.h), contexts and sessions as
 *       this VM's IDs
 *
 * Written whole whenever the job reached the host's device (also with an
 * error status: e.g. VDEC_RECEIVE's -ENOSPC names the dropped buffer's
 * tag in res[1]); a refusal of the hypervisor writes the header only.
 */
struct virtio_rheap_device_resp {
	struct virtio_rheap_resp_hdr hdr;
	uint64_t res[VIRTIO_RHEAP_DEVJOB_ARGS];
};
static_assert(sizeof(struct virtio_rheap_device_resp) == 80,
	      "DEVICE response is 80 bytes");
static_assert(VIRTIO_RHEAP_DEVJOB_CHAIN_MAX <= VIRTIO_RHEAP_TEE_CHAIN_MAX,
	      "a DEVICE chain fits the TEE chain limit");

/* Event types (struct virtio_rheap_event.type), on the eventq. */
#define VIRTIO_RHEAP_EVT_BUFFER_REVOKED 0x1001u /* buffer gone host-side */
#define VIRTIO_RHEAP_EVT_ATTACH_REVOKED 0x1002u /* attachment gone */

/**
 * struct virtio_rheap_event - one eventq element (24 bytes)
 * @type:     VIRTIO_RHEAP_EVT_*
 * @reserved: 0
 * @id:       the buffer_id or attach_id concerned
 * @status:   why, as a VIRTIO_RHEAP_S_* code
 * @reserved2: 0
 */
struct virtio_rheap_event {
	uint32_t type;
	uint32_t reserved;
	uint64_t id;
	uint32_t status;
	uint32_t reserved2;
};
static_assert(sizeof(struct virtio_rheap_event) == 24,
	      "virtio-rheap event is 24 bytes");

/**
 * virtio_rheap_status_from_errno() - the status code a device returns
 * @err: 0 or a negative errno of include/rheap/err.h
 *
 * Return: VIRTIO_RHEAP_S_*; errnos outside the closed set give S_INVAL.
 */
static inline uint32_t virtio_rheap_status_from_errno(int err)
{
	switch (err) {
	case 0:
		return VIRTIO_RHEAP_S_OK;
	case -ENOSPC:
		return VIRTIO_RHEAP_S_NOSPC;
	case -ENOMEM:
		return VIRTIO_RHEAP_S_NOMEM;
	case -ENOENT:
		return VIRTIO_RHEAP_S_NOENT;
	case -EBUSY:
		return VIRTIO_RHEAP_S_BUSY;
	case -EPERM:
		return VIRTIO_RHEAP_S_PERM;
	case -EOVERFLOW:
		return VIRTIO_RHEAP_S_OVERFLOW;
	case -EOPNOTSUPP:
		return VIRTIO_RHEAP_S_NOTSUPP;
	default:
		return VIRTIO_RHEAP_S_INVAL;
	}
}

/**
 * virtio_rheap_status_to_errno() - the errno a driver reports
 * @status: a status code read from a response (untrusted)
 *
 * Return: 0 or a negative errno; an unknown code is a malformed response
 * (-EINVAL), the same as VIRTIO_RHEAP_S_INVAL.
 */
static inline int virtio_rheap_status_to_errno(uint32_t status)
{
	switch (status) {
	case VIRTIO_RHEAP_S_OK:
		return 0;
	case VIRTIO_RHEAP_S_NOSPC:
		return -ENOSPC;
	case VIRTIO_RHEAP_S_NOMEM:
		return -ENOMEM;
	case VIRTIO_RHEAP_S_NOENT:
		return -ENOENT;
	case VIRTIO_RHEAP_S_BUSY:
		return -EBUSY;
	case VIRTIO_RHEAP_S_PERM:
		return -EPERM;
	case VIRTIO_RHEAP_S_OVERFLOW:
		return -EOVERFLOW;
	case VIRTIO_RHEAP_S_NOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

#endif /* RHEAP_VIRTIO_RHEAP_H */
