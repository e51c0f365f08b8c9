/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest kernel's virtio-rheap driver (docs/virtio-rheap.md, "Driver
 * implementation: the guest"): virtio-mmio initialisation over the
 * register socket of src/hyp/vtransport.h, the requestq (queue 0) in the
 * guest's own RAM through the driver side of src/hyp/virtq.h, and one
 * synchronous call per request type.
 *
 * Guest RAM is managed by a page allocator (4 KiB pages, first fit, a
 * bitmap kept outside guest RAM). Page 0 is never handed out. The driver
 * takes the ring pages and one request page at init; callers may take
 * more (FF-A RX/TX buffers) with guest_pages_alloc().
 *
 * A request: the request struct is copied into the request page, the
 * response area (the rest of the page) is filled with 0xFF, one chain
 * {request readable, response writable} is added, the device is kicked
 * through the kick eventfd when the ring asks for it, and the driver waits
 * for the irq eventfd (poll, GUEST_DRV_TIMEOUT_MS by default), then takes
 * the used element; an interrupt that brought none is a configuration
 * change (or spurious): InterruptStatus is read and acknowledged then,
 * and DEVICE_NEEDS_RESET ends the driver. The response is copied out ONCE
 * into a local before it is checked: the device (the host) is trusted
 * with the data but not with the sizes.
 *
 * Driver life cycle (`struct guest_drv.state`):
 *
 *   DOWN --guest_drv_init() ok--> LIVE
 *   DOWN --guest_drv_init() fails--> DOWN (device status FAILED written
 *        when the transport still answers)
 *   LIVE --a call times out, the register socket breaks, the device sets
 *        DEVICE_NEEDS_RESET, or the used ring is broken--> DEAD
 *   DEAD --any call--> -ENOENT (a late response could write a request
 *        page that was reused: nothing is sent again)
 *   LIVE/DEAD --guest_drv_fini()--> DOWN (Status 0 written: device reset)
 */
#ifndef RHEAP_SRC_HYP_GUEST_DRV_H
#define RHEAP_SRC_HYP_GUEST_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/virtio_rheap.h>

#include "hyp/virtq.h"
#include "hyp/vtransport.h"

#define GUEST_PAGE_SIZE 4096u
#define GUEST_DRV_TIMEOUT_MS 5000
/* Queue size the driver asks for (smaller if QueueNumMax is). */
#define GUEST_DRV_QUEUE_SIZE 64u
/* Request bytes at the start of the request page; the response follows. */
#define GUEST_DRV_REQ_AREA 256u
#define GUEST_DRV_RESP_AREA (GUEST_PAGE_SIZE - GUEST_DRV_REQ_AREA)
/* Pages of each half (request, then response) of the TEE area: a whole
 * VIRTIO_RHEAP_TEE_CHAIN_MAX each. */
#define GUEST_DRV_TEE_PAGES                                                  \
	((VIRTIO_RHEAP_TEE_CHAIN_MAX + GUEST_PAGE_SIZE - 1u) / GUEST_PAGE_SIZE)

/* virtio 1.2 §2.1 device status bits. */
#define GUEST_ST_ACKNOWLEDGE 1u
#define GUEST_ST_DRIVER 2u
#define GUEST_ST_DRIVER_OK 4u
#define GUEST_ST_FEATURES_OK 8u
#define GUEST_ST_NEEDS_RESET 64u
#define GUEST_ST_FAILED 128u

enum guest_drv_state {
	GUEST_DRV_DOWN = 0,
	GUEST_DRV_LIVE,
	GUEST_DRV_DEAD,
};

/**
 * struct guest_pages - page allocator over guest RAM
 * @map:        one bit per page, set = taken (heap memory, not guest RAM)
 * @page_count: pages of guest RAM
 */
struct guest_pages {
	uint8_t *map;
	uint64_t page_count;
};

/**
 * struct guest_drv_stats - counters (STATUS)
 * @requests:  chains completed
 * @errors:    requests answered with a status other than OK
 * @kicks:     kick eventfd writes
 * @irqs:      interrupts taken
 */
struct guest_drv_stats {
	uint64_t requests;
	uint64_t errors;
	uint64_t kicks;
	uint64_t irqs;
};

/**
 * struct guest_drv - the driver (fields private to guest_drv.c, read by
 * the guest kernel and tests)
 * @state:      enum guest_drv_state
 * @env:        the guest's environment (borrowed)
 * @range:      guest RAM as one virtq memory range (GPA 0)
 * @mem:        the table over @range
 * @pages:      page allocator
 * @vq:         the requestq, driver side
 * @slots:      its private slots (heap)
 * @queue_size: negotiated queue size
 * @features:   negotiated features (device-independent and device bits)
 * @cfg:        the config space as read at init (and at a config change)
 * @ring_gpa:   first ring page (desc, then avail, then used pages)
 * @ring_pages: pages of the rings
 * @req_gpa:    the request page
 * @tee_gpa:    F_TEE or F_DEVJOB: the TEE area (2 * GUEST_DRV_TEE_PAGES
 *              pages: the request half, then the response half; DEVICE
 *              jobs with a codec config use it too); else 0
 * @next_tag:   the next request's tag
 * @timeout_ms: how long a request may take
 * @stats:      counters
 */
struct guest_drv {
	enum guest_drv_state state;
	const struct vt_guest_env *env;
	struct virtq_mem_range range;
	struct virtq_mem mem;
	struct guest_pages pages;
	struct virtq_drv vq;
	struct virtq_drv_slot *slots;
	uint32_t queue_size;
	uint64_t features;
	struct virtio_rheap_config cfg;
	uint64_t ring_gpa;
	uint32_t ring_pages;
	uint64_t req_gpa;
	uint64_t tee_gpa;
	uint64_t next_tag;
	int timeout_ms;
	struct guest_drv_stats stats;
};

/**
 * guest_pages_alloc() - take @count contiguous pages (first fit)
 * @p:     allocator
 * @count: pages, not 0
 * @gpa:   out, the first page's GPA
 *
 * Return: 0; -EINVAL @count 0; -ENOMEM no run that long.
 */
int guest_pages_alloc(struct guest_pages *p, uint64_t count, uint64_t *gpa);

/**
 * guest_pages_free() - give pages back
 * @p:     allocator
 * @gpa:   as returned by guest_pages_alloc()
 * @count: as asked for
 */
void guest_pages_free(struct guest_pages *p, uint64_t gpa, uint64_t count);

/**
 * guest_pages_taken() - pages allocated now
 * @p: allocator
 *
 * Return: the count.
 */
uint64_t guest_pages_taken(const struct guest_pages *p);

/**
 * guest_mmio_read() - one register read (vtransport message pair)
 * @env:    guest environment
 * @offset: register offset
 * @size:   4, or 1/2/4/8 in the config space
 * @value:  out
 *
 * Return: 0; -ENOENT the vmm's socket broke or closed; -EINVAL the device
 * answered VT_MMIO_E_BAD or a malformed response; -EBUSY VT_MMIO_E_STATE
 * (the device now needs a reset).
 */
int guest_mmio_read(const struct vt_guest_env *env, uint32_t offset,
		    uint32_t size, uint64_t *value);

/**
 * guest_mmio_write() - one register write
 * @env:    guest environment
 * @offset: register offset
 * @size:   4, or 1/2/4/8 in the config space
 * @value:  the value
 *
 * Return: as guest_mmio_read().
 */
int guest_mmio_write(const struct vt_guest_env *env, uint32_t offset,
		     uint32_t size, uint64_t value);

/**
 * guest_drv_init() - find and initialise the virtio-rheap device
 * @drv:        out (zeroed first); LIVE on success
 * @env:        the guest's environment (borrowed until guest_drv_fini())
 * @timeout_ms: per-request timeout; <= 0: GUEST_DRV_TIMEOUT_MS
 *
 * virtio 1.2 §3.1.1 in order: reset, MagicValue/Version/DeviceID checks,
 * ACKNOWLEDGE, DRIVER, device features (both words), driver features =
 * offered ∩ {VERSION_1, INDIRECT_DESC, EVENT_IDX, F_FFA, F_DEVICES,
 * F_TEE, F_DEVJOB} (F_TEE or F_DEVJOB: the TEE area taken too),
 * FEATURES_OK and its read-back, queue 0 (QueueReady must read 0,
 * QueueNumMax not 0, size min(QueueNumMax, GUEST_DRV_QUEUE_SIZE) rounded
 * down to a power of two, rings in fresh guest pages, QueueReady),
 * DRIVER_OK, then the config space (ConfigGeneration read before and
 * after, retried while it moves). On failure Status FAILED is written.
 *
 * Return: 0; -ENOENT the register socket is dead, MagicValue, Version or
 * DeviceID wrong (no virtio-rheap device there); -EOPNOTSUPP VERSION_1 not
 * offered, or FEATURES_OK not kept by the device; -EINVAL QueueNumMax 0,
 * the queue already ready, a register refused, config reserved not 0;
 * -EBUSY the device set DEVICE_NEEDS_RESET; -ENOMEM guest RAM or heap
 * memory short.
 */
int guest_drv_init(struct guest_drv *drv, const struct vt_guest_env *env,
		   int timeout_ms);

/**
 * guest_drv_fini() - reset the device (Status 0) and free the driver
 * @drv: any state; DOWN after
 */
void guest_drv_fini(struct guest_drv *drv);

/**
 * guest_drv_has() - whether a feature bit was negotiated
 * @drv: driver
 * @bit: feature bit number
 */
bool guest_drv_has(const struct guest_drv *drv, unsigned int bit);

/**
 * struct guest_heap_info - a decoded HEAP_INFO response
 * @name:       NUL-terminated
 * @flags:      VIRTIO_RHEAP_HEAP_*
 * @granule:    bytes
 * @capacity:   bytes
 * @vm_used:    bytes this VM holds
 */
struct guest_heap_info {
	char name[VIRTIO_RHEAP_HEAP_NAME_MAX];
	uint32_t flags;
	uint64_t granule;
	uint64_t capacity;
	uint64_t vm_used;
};

/*
 * The calls. Each sends one request and waits for its response. Common
 * errors: -ENOENT the driver is not LIVE, the device did not answer in
 * time or the transport broke (the driver is DEAD after these); -EINVAL a
 * malformed response (shorter than its type's struct, tag not the
 * request's, an unknown status code, reserved bytes not 0, fields that
 * contradict the request), also DEAD; otherwise the errno of the
 * response's status (virtio_rheap_status_to_errno()).
 */

/**
 * guest_drv_heap_info() - HEAP_INFO
 * @drv:   driver
 * @index: 0 .. cfg.heap_count - 1
 * @out:   the heap
 *
 * Return: 0; common errors; -EINVAL also a name without a NUL or empty,
 * the index not echoed, unknown flags.
 */
int guest_drv_heap_info(struct guest_drv *drv, uint32_t index,
			struct guest_heap_info *out);

/**
 * guest_drv_alloc() - ALLOC
 * @drv:        driver
 * @heap_index: heap
 * @len:        bytes (the device rounds up)
 * @fd_flags:   dma_heap fd_flags (checked by the device)
 * @buffer_id:  out: non-zero
 * @size:       out: at least @len
 *
 * Return: 0; common errors; -EINVAL also a buffer ID 0 or a size below
 * @len (the buffer is freed again then).
 */
int guest_drv_alloc(struct guest_drv *drv, uint32_t heap_index, uint64_t len,
		    uint32_t fd_flags, uint64_t *buffer_id, uint64_t *size);

/**
 * guest_drv_free() - FREE
 * @drv:       driver
 * @buffer_id: a buffer of this VM
 *
 * Return: 0; common errors.
 */
int guest_drv_free(struct guest_drv *drv, uint64_t buffer_id);

/**
 * guest_drv_query() - QUERY
 * @drv:       driver
 * @buffer_id: a buffer of this VM
 * @out:       the response (header included)
 *
 * Return: 0; common errors; -EINVAL also the buffer ID not echoed or
 * reserved not 0.
 */
int guest_drv_query(struct guest_drv *drv, uint64_t buffer_id,
		    struct virtio_rheap_query_resp *out);

/**
 * guest_drv_attach() - ATTACH
 * @drv:       driver
 * @buffer_id: a buffer of this VM
 * @device:    NUL-terminated, 1..31 bytes
 * @flags:     VIRTIO_RHEAP_ATTACH_*
 * @attach_id: out: non-zero
 * @segs:      out: up to @cap segments
 * @cap:       entries at @segs
 * @count:     out: segments of the attachment (1..)
 *
 * Return: 0; common errors; -EOPNOTSUPP F_DEVICES not negotiated;
 * -EINVAL also a bad @device, attach ID 0, a segment count of 0 or more
 * than the response carries or config.max_segs, a segment of size 0;
 * -ENOSPC more segments than @cap (the attachment is detached again).
 */
int guest_drv_attach(struct guest_drv *drv, uint64_t buffer_id,
		     const char *device, uint32_t flags, uint64_t *attach_id,
		     struct virtio_rheap_attach_seg *segs, uint32_t cap,
		     uint32_t *count);

/**
 * guest_drv_detach() - DETACH
 * @drv:       driver
 * @attach_id: an attachment of this VM
 *
 * Return: 0; common errors.
 */
int guest_drv_detach(struct guest_drv *drv, uint64_t attach_id);

/**
 * guest_drv_ffa() - FFA: forward an FF-A call (x0..x17) to the hypervisor
 * @drv: driver
 * @x:   in: the call's registers; out: the reply's
 *
 * Return: 0 (the FF-A outcome is in @x); common errors; -EOPNOTSUPP F_FFA
 * not negotiated.
 */
int guest_drv_ffa(struct guest_drv *drv, uint64_t x[VIRTIO_RHEAP_FFA_REGS]);

/**
 * guest_drv_call() - send a raw request (tests, and the calls above)
 * @drv:      driver
 * @req:      request bytes, 16..GUEST_DRV_REQ_AREA; its tag is replaced
 * @req_len:  bytes
 * @resp:     out: the response, copied once
 * @resp_min: bytes an OK response must have
 * @resp_cap: bytes at @resp (<= GUEST_DRV_RESP_AREA); offered to the device
 * @resp_len: out: bytes the device wrote
 *
 * Return: as the calls; the response's status is checked here.
 */
int guest_drv_call(struct guest_drv *drv, void *req, size_t req_len,
		   void *resp, size_t resp_min, size_t resp_cap,
		   size_t *resp_len);

/*
 * The response decoders: pure (no I/O, no driver state, no allocation),
 * so guest_drv_call() and the calls above use them on their one copy of
 * the response, and tests and tests/fuzz/fuzz_guest_resp.c on any bytes.
 * @resp holds @len bytes, the bytes the device says it wrote (used.len);
 * nothing at or past @resp + @len is read, whatever the fields claim. A
 * rejection names the field in @diag (may be NULL). -EINVAL from a
 * decoder is a malformed response: the driver goes DEAD on it.
 */

/**
 * guest_drv_resp_check() - check a response's header
 * @resp:     response bytes
 * @len:      bytes at @resp
 * @tag:      the request's tag
 * @resp_min: bytes an OK response of the request's type has (the
 *            type's struct; 16 for FREE and DETACH)
 * @status:   out: the status word once the header is whole, its tag the
 *            request's and its reserved word 0; VIRTIO_RHEAP_S_OK before
 * @diag:     out on -EINVAL, may be NULL
 *
 * Return: 0 well-formed: *@status is VIRTIO_RHEAP_S_OK and @len >=
 * @resp_min, or a known error status (the call's errno is then
 * virtio_rheap_status_to_errno(*@status)); -EINVAL @len below the
 * header, another tag, reserved not 0, an unknown status code, an OK
 * response shorter than @resp_min.
 */
int guest_drv_resp_check(const uint8_t *resp, size_t len, uint64_t tag,
			 size_t resp_min, uint32_t *status,
			 struct rheap_diag *diag);

/**
 * guest_drv_heap_info_decode() - the body of an OK HEAP_INFO response
 * @resp:  response bytes (header included)
 * @len:   bytes at @resp
 * @index: the request's heap index
 * @out:   the heap (written on success only)
 * @diag:  out on -EINVAL, may be NULL
 *
 * Return: 0; -EINVAL @len below 112, an empty name or one without a NUL
 * in its 64 bytes, another heap_index, flags other than
 * VIRTIO_RHEAP_HEAP_RESTRICTED.
 */
int guest_drv_heap_info_decode(const uint8_t *resp, size_t len,
			       uint32_t index, struct guest_heap_info *out,
			       struct rheap_diag *diag);

/**
 * guest_drv_alloc_decode() - the body of an OK ALLOC response
 * @resp:      response bytes
 * @len:       bytes at @resp
 * @req_len:   the request's len
 * @buffer_id: out, always: the response's buffer_id (0 when @len is
 *             short), so that a caller can free a buffer the device made
 *             even when the response is refused
 * @size:      out on success: at least @req_len
 * @diag:      out on -EINVAL, may be NULL
 *
 * Return: 0; -EINVAL @len below 32, buffer_id 0, size below @req_len.
 */
int guest_drv_alloc_decode(const uint8_t *resp, size_t len, uint64_t req_len,
			   uint64_t *buffer_id, uint64_t *size,
			   struct rheap_diag *diag);

/**
 * guest_drv_query_decode() - the body of an OK QUERY response
 * @resp:      response bytes
 * @len:       bytes at @resp
 * @buffer_id: the request's buffer
 * @out:       the response, header included (written on success only)
 * @diag:      out on -EINVAL, may be NULL
 *
 * Return: 0; -EINVAL @len below 48, another buffer_id, reserved not 0.
 */
int guest_drv_query_decode(const uint8_t *resp, size_t len,
			   uint64_t buffer_id,
			   struct virtio_rheap_query_resp *out,
			   struct rheap_diag *diag);

/**
 * guest_drv_attach_decode() - the body of an OK ATTACH response
 * @resp:      response bytes
 * @len:       bytes at @resp
 * @max_segs:  config.max_segs (0: no limit but the response's length)
 * @attach_id: out, always: the response's attach_id (0 when @len is
 *             short), so that a caller can detach an attachment the device
 *             made even when the response is refused
 * @segs:      out on 0 and -ENOSPC: the first min(count, @cap) segments
 * @cap:       entries at @segs (0: @segs may be NULL)
 * @count:     out on 0 and -ENOSPC: seg_count (1 .. the segments @len
 *             carries)
 * @diag:      out on -EINVAL, may be NULL
 *
 * Return: 0; -EINVAL @len below 32, attach_id 0, seg_count 0, above the
 * whole segments in @len or above @max_segs, reserved not 0, a segment
 * of size 0 (any of the seg_count, also past @cap); -ENOSPC a
 * well-formed response with more than @cap segments.
 */
int guest_drv_attach_decode(const uint8_t *resp, size_t len, uint32_t max_segs,
			    uint64_t *attach_id,
			    struct virtio_rheap_attach_seg *segs, uint32_t cap,
			    uint32_t *count, struct rheap_diag *diag);

/**
 * guest_drv_ffa_decode() - the registers of an OK FFA response
 * @resp: response bytes
 * @len:  bytes at @resp
 * @x:    out on success: x0..x17 of the reply (any values: the FF-A
 *        outcome is the caller's to judge)
 * @diag: out on -EINVAL, may be NULL
 *
 * Return: 0; -EINVAL @len below 160.
 */
int guest_drv_ffa_decode(const uint8_t *resp, size_t len,
			 uint64_t x[VIRTIO_RHEAP_FFA_REGS],
			 struct rheap_diag *diag);

/**
 * guest_drv_tee() - TEE: one rheapd TEE op carried to the hypervisor
 * @drv:         driver
 * @op:          RHEAPD_OP_TEE_*
 * @buffer_id:   TEE_SHM_REGISTER_FD: the VM's buffer; else 0
 * @payload:     the rheapd request payload
 * @payload_len: its bytes (<= VIRTIO_RHEAP_TEE_PAYLOAD_MAX)
 * @resp:        out: rheapd's response payload
 * @resp_cap:    bytes at @resp (<= VIRTIO_RHEAP_TEE_PAYLOAD_MAX), offered
 *               to the device after the 24-byte response struct
 * @resp_len:    out: payload bytes
 *
 * Return: 0; common errors; -EOPNOTSUPP F_TEE not negotiated; -EINVAL
 * also a length above the limit or a malformed response
 * (guest_drv_tee_decode()).
 */
int guest_drv_tee(struct guest_drv *drv, uint32_t op, uint64_t buffer_id,
		  const void *payload, size_t payload_len, void *resp,
		  size_t resp_cap, size_t *resp_len);

/**
 * guest_drv_tee_decode() - the body of an OK TEE response
 * @resp:        response bytes
 * @len:         bytes at @resp
 * @payload_len: out on success: the payload's bytes (at @resp + 24)
 * @diag:        out on -EINVAL, may be NULL
 *
 * Return: 0; -EINVAL @len below 24, reserved not 0, payload_len not the
 * bytes the device wrote after the struct.
 */
int guest_drv_tee_decode(const uint8_t *resp, size_t len,
			 uint32_t *payload_len, struct rheap_diag *diag);

/**
 * guest_drv_device() - DEVICE: one device job carried to the hypervisor
 * @drv:        driver
 * @device:     device name, 1..31 characters
 * @cmd:        enum device_cmd
 * @args:       the slots, with the VM's IDs (attach_id, context IDs)
 * @buffer_id:  GPU_READ: the VM's buffer; else 0
 * @config:     VDEC_OPEN: the codec config (@config_len bytes); else NULL
 * @config_len: its bytes (<= VIRTIO_RHEAP_DEVJOB_CONFIG_MAX); the request
 *              page carries a job without config, the TEE area (taken
 *              with F_DEVJOB too) one with
 * @res:        out: the results, also with an error status when the
 *              device wrote them (else 0)
 *
 * Return: 0; the device's status as its errno (the job's own error, e.g.
 * -ENOSPC from VDEC_RECEIVE, with @res); common errors; -EOPNOTSUPP
 * F_DEVJOB not negotiated; -EINVAL a name or length out of range, or a
 * malformed response (guest_drv_device_decode(); the driver DEAD).
 */
int guest_drv_device(struct guest_drv *drv, const char *device, uint32_t cmd,
		     const uint64_t args[VIRTIO_RHEAP_DEVJOB_ARGS],
		     uint64_t buffer_id, const void *config,
		     size_t config_len, uint64_t res[VIRTIO_RHEAP_DEVJOB_ARGS]);

/**
 * guest_drv_device_decode() - the results of a DEVICE response
 * @resp:   response bytes (header checked by guest_drv_resp_check())
 * @len:    bytes at @resp
 * @status: the response's status
 * @res:    out: the results; 0 when only the header came
 * @diag:   out on -EINVAL, may be NULL
 *
 * Return: 0; -EINVAL an OK response shorter than 80 bytes (an error
 * status may come with the header only: the hypervisor refused).
 */
int guest_drv_device_decode(const uint8_t *resp, size_t len, uint32_t status,
			    uint64_t res[VIRTIO_RHEAP_DEVJOB_ARGS],
			    struct rheap_diag *diag);

#endif /* RHEAP_SRC_HYP_GUEST_DRV_H */
