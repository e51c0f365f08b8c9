/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * virtio 1.2 split virtqueues (virtio 1.2 §2.7 "Split Virtqueues"; the
 * layouts are in docs/virtio-rheap.md and ../shared/docs/PROTOCOLS.md §4).
 *
 * Pure code: no I/O, no allocation, no C library (built freestanding like
 * src/ffa). Both ends of a queue are here: the DEVICE side, which the
 * hypervisor's virtio-rheap backend runs over a guest's memory, and the
 * DRIVER side, which a guest kernel runs over its own memory.
 *
 * Guest memory is a table of guest-physical ranges, each with the host
 * address it is mapped at (`struct virtq_mem`). Every address a ring holds
 * is checked against the table with overflow-checked arithmetic before it
 * is used: a range [gpa, gpa + len) must lie inside ONE table entry.
 *
 * The guest may rewrite its memory at any moment, also while the device
 * reads it. The device therefore copies each descriptor out of guest
 * memory exactly once (volatile byte reads into a local) and decides only
 * on the copy; ring indices are read with single 16-bit atomic loads, so a
 * torn index cannot be seen; the device never reads the same ring word
 * twice for one decision. The device writes only the used ring (its
 * elements, `idx`, and `avail_event`), never descriptors, the available
 * ring or device-readable buffers. What the buffers of a popped chain
 * contain is the caller's business: copy a request out once, then check it.
 *
 * Device queue life cycle (`enum virtq_state`, one per `struct virtq_dev`):
 *
 *   RESET --virtq_dev_init() ok--> READY
 *   RESET --virtq_dev_init() fails--> RESET      (nothing kept)
 *   READY --pop / push / set_notify ok--> READY
 *   READY --pop finds a broken ring--> NEEDS_RESET
 *   NEEDS_RESET --any call but reset/state/init--> -EPERM, nothing changes
 *   RESET --pop / push / set_notify--> -EPERM
 *   any --virtq_dev_reset()--> RESET             (in-flight chains forgotten)
 *
 * A broken ring is one that can neither be served nor skipped: the next
 * available head names a descriptor chain that breaks a rule below, or the
 * available index runs ahead by more than the queue size. The pop that
 * finds it returns the precise errno and fills the diagnostic (field, index,
 * value, limit); it writes nothing to the used ring, and the queue refuses
 * every later call with -EPERM until the transport resets the device. The
 * caller then sets virtio's DEVICE_NEEDS_RESET status bit (64) and sends a
 * configuration change notification (virtio 1.2 §2.1.2). Rules checked
 * (the diag field in brackets):
 *
 *   - available index more than the queue size ahead [avail.idx]: -EINVAL
 *   - head index >= queue size, or a head already in flight [avail.ring]:
 *     -EINVAL
 *   - next >= queue size [desc.next], >= indirect table entries
 *     [indirect.next]: -EINVAL
 *   - a chain longer than its table (queue size, or indirect table entries):
 *     a loop [desc.next / indirect.next]: -EINVAL
 *   - a flag bit other than NEXT, WRITE, INDIRECT [desc.flags]: -EINVAL
 *   - INDIRECT without VIRTIO_F_INDIRECT_DESC, INDIRECT with NEXT, INDIRECT
 *     on a descriptor other than the chain's head [desc.flags]: -EINVAL
 *   - INDIRECT inside an indirect table [indirect.flags]: -EINVAL
 *   - indirect table length 0, not a multiple of 16, or more than queue
 *     size entries [desc.len]: -EINVAL
 *   - a readable descriptor after a writable one [desc.flags /
 *     indirect.flags]: -EINVAL
 *   - a zero-length descriptor unless the limits allow it [desc.len /
 *     indirect.len]: -EINVAL
 *   - addr + len wrapping 2^64 [desc.addr / indirect.addr]: -EOVERFLOW
 *   - [addr, addr + len) not inside one guest RAM range [desc.addr /
 *     indirect.addr]: -EINVAL
 *   - readable or writable bytes over the limit [chain.readable_len /
 *     chain.writable_len]: -EINVAL
 *   - more segments than the caller's array [chain.seg_count]: -ENOSPC
 *
 * Calls on one queue must be serialised by the caller; two queues are
 * independent. The driver side has the same states: its get_used() checks
 * what the device wrote (used index ahead, unknown id, length over the
 * chain's writable bytes) and a broken used ring makes it NEEDS_RESET.
 */
#ifndef RHEAP_SRC_HYP_VIRTQ_H
#define RHEAP_SRC_HYP_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>

/* ---- virtio 1.2 §2.7: sizes, flags, feature bits ---- */
#define VIRTQ_SIZE_MAX 32768u
#define VIRTQ_DESC_SIZE 16u
#define VIRTQ_USED_ELEM_SIZE 8u

#define VIRTQ_DESC_F_NEXT 0x1u
#define VIRTQ_DESC_F_WRITE 0x2u
#define VIRTQ_DESC_F_INDIRECT 0x4u
#define VIRTQ_DESC_F_KNOWN                                                    \
	(VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_INDIRECT)

#define VIRTQ_AVAIL_F_NO_INTERRUPT 0x1u
#define VIRTQ_USED_F_NO_NOTIFY 0x1u

/* Minimum alignment of each area (virtio 1.2 §2.7, table of parts). */
#define VIRTQ_DESC_ALIGN 16u
#define VIRTQ_AVAIL_ALIGN 2u
#define VIRTQ_USED_ALIGN 4u

/* Device-independent feature bits this codec implements (§6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTQ_FEATURE(bit) (UINT64_C(1) << (bit))
#define VIRTQ_FEATURES_KNOWN                                                  \
	(VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC) |                               \
	 VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX) | VIRTQ_FEATURE(VIRTIO_F_VERSION_1))

/* A chain's bytes in one direction are at most this many (u32 used.len). */
#define VIRTQ_CHAIN_LEN_MAX UINT64_C(0xFFFFFFFF)

/* Byte offsets inside the areas (N = queue size). */
#define VIRTQ_AVAIL_FLAGS 0u
#define VIRTQ_AVAIL_IDX 2u
#define VIRTQ_AVAIL_RING 4u /* le16 ring[N]; then le16 used_event */
#define VIRTQ_USED_FLAGS 0u
#define VIRTQ_USED_IDX 2u
#define VIRTQ_USED_RING 4u /* {le32 id, le32 len}[N]; then le16 avail_event */

/* Bytes of each area for queue size @n (virtio 1.2 §2.7). */
static inline uint64_t virtq_desc_area_size(uint32_t n)
{
	return (uint64_t)VIRTQ_DESC_SIZE * n;
}

static inline uint64_t virtq_avail_area_size(uint32_t n)
{
	return 6u + 2u * (uint64_t)n;
}

static inline uint64_t virtq_used_area_size(uint32_t n)
{
	return 6u + (uint64_t)VIRTQ_USED_ELEM_SIZE * n;
}

/*
 * virtio 1.2 §2.7.10: with EVENT_IDX, notify iff @new_idx passed @event
 * since @old_idx, all in 16-bit free-running arithmetic.
 */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx,
				    uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1u) <
	       (uint16_t)(new_idx - old_idx);
}

/**
 * struct virtq_mem_range - one range of guest-physical memory
 * @gpa:  first guest-physical address
 * @size: bytes; not 0, and @gpa + @size must not wrap
 * @host: where the range is mapped in this process (trusted)
 *
 * Ring areas are accessed with 16-bit atomics, so a range's @host and
 * @gpa must be congruent modulo 16 (page-aligned mappings are).
 */
struct virtq_mem_range {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

/**
 * struct virtq_mem - a guest's RAM as the codec may touch it
 * @ranges:      @range_count entries; the caller keeps them alive and
 *               unchanged while a queue uses them
 * @range_count: number of entries (0: no memory, every access refused)
 *
 * Ranges must not overlap (virtq_mem_check()). A buffer must lie inside one
 * range: a hypervisor that wants two adjacent ranges treated as one merges
 * them.
 */
struct virtq_mem {
	const struct virtq_mem_range *ranges;
	uint32_t range_count;
};

/**
 * virtq_mem_check() - validate a guest memory table (trusted, from the VMM)
 * @mem:  the table
 * @diag: optional, names the failing entry
 *
 * Return: 0; -EINVAL a NULL table with entries, a range of size 0, a NULL
 * host address, host and gpa not congruent modulo 16, or two ranges that
 * overlap; -EOVERFLOW a range whose end wraps.
 */
int virtq_mem_check(const struct virtq_mem *mem, struct rheap_diag *diag);

/**
 * virtq_mem_map() - translate a guest-physical range to a host pointer
 * @mem:  guest memory
 * @gpa:  first byte (untrusted)
 * @len:  bytes (untrusted); must not be 0
 * @host: out, host address of @gpa; untouched on failure
 *
 * Return: 0; -EOVERFLOW @gpa + @len wraps; -EINVAL @len is 0 or the range
 * is not inside one entry of @mem.
 */
int virtq_mem_map(const struct virtq_mem *mem, uint64_t gpa, uint64_t len,
		  uint8_t **host);

/**
 * struct virtq_layout - where a queue lives, as the driver configured it
 * @desc_gpa:  descriptor table, 16-aligned, 16 * @size bytes
 * @avail_gpa: available ring, 2-aligned, 6 + 2 * @size bytes
 * @used_gpa:  used ring, 4-aligned, 6 + 8 * @size bytes
 * @size:      queue size, a power of two in 1..32768
 * @features:  negotiated feature bits (VIRTQ_FEATURE(VIRTIO_F_*));
 *             VIRTIO_F_VERSION_1 is required (no legacy layout)
 *
 * All values come from the guest (through the transport): untrusted.
 */
struct virtq_layout {
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	uint32_t size;
	uint64_t features;
};

/**
 * enum virtq_state - see the life cycle at the top of this file
 * @VIRTQ_RESET:       not configured (a zeroed struct is in this state)
 * @VIRTQ_READY:       serving
 * @VIRTQ_NEEDS_RESET: a broken ring was found; every call refuses
 */
enum virtq_state {
	VIRTQ_RESET = 0,
	VIRTQ_READY,
	VIRTQ_NEEDS_RESET,
};

/**
 * struct virtq_dev_limits - what the device accepts in one chain
 * @max_readable: device-readable bytes at most (0: VIRTQ_CHAIN_LEN_MAX)
 * @max_writable: device-writable bytes at most (0: VIRTQ_CHAIN_LEN_MAX)
 * @zero_len_ok:  accept zero-length descriptors (they give no segment);
 *                when false they break the ring
 */
struct virtq_dev_limits {
	uint64_t max_readable;
	uint64_t max_writable;
	bool zero_len_ok;
};

/**
 * struct virtq_seg - one buffer of a popped chain
 * @gpa:      guest-physical address (inside guest RAM, checked)
 * @host:     host address of @gpa; @len bytes are inside one memory range
 * @len:      bytes, never 0
 * @writable: the device may write it (VIRTQ_DESC_F_WRITE)
 */
struct virtq_seg {
	uint64_t gpa;
	uint8_t *host;
	uint32_t len;
	bool writable;
};

/**
 * struct virtq_chain - what virtq_dev_pop() found
 * @head:           head descriptor index; give it back to virtq_dev_push()
 * @seg_count:      segments written to the caller's array
 * @readable_count: segments [0, @readable_count) are readable, the rest
 *                  writable
 * @readable_len:   sum of the readable segments' lengths
 * @writable_len:   sum of the writable segments' lengths
 * @indirect:       the chain came from an indirect table
 */
struct virtq_chain {
	uint16_t head;
	uint32_t seg_count;
	uint32_t readable_count;
	uint64_t readable_len;
	uint64_t writable_len;
	bool indirect;
};

/**
 * struct virtq_dev - the device end of one queue (opaque; fields private)
 *
 * Host pointers to the three areas are resolved once by virtq_dev_init();
 * the memory table must keep those ranges mapped until reset (the
 * hypervisor refuses to lend or unmap a page a live queue uses:
 * virtq_dev_overlaps()). @busy has one bit per head index: set from pop
 * to push, so a head cannot be served twice at once.
 */
struct virtq_dev {
	enum virtq_state state;
	const struct virtq_mem *mem;
	struct virtq_layout layout;
	struct virtq_dev_limits limits;
	uint8_t *desc;
	uint8_t *avail;
	uint8_t *used;
	uint16_t last_avail;   /* next available ring entry to consume */
	uint16_t used_idx;     /* our copy of used.idx (we are its only writer) */
	uint16_t signalled;    /* used.idx at the last interrupt decision */
	bool signalled_valid;  /* @signalled means something */
	bool notify;           /* the driver may kick (set_notify) */
	uint32_t in_flight;    /* chains popped and not pushed */
	uint8_t busy[VIRTQ_SIZE_MAX / 8u];
};

/**
 * virtq_dev_init() - configure the device end of a queue
 * @vq:     queue, any state; on failure it is left RESET
 * @mem:    the guest's RAM (validated by the caller with virtq_mem_check())
 * @layout: areas, size and negotiated features (untrusted)
 * @limits: NULL for the defaults (u32 bytes each way, no zero lengths)
 * @diag:   optional, names the rejected field ("layout.size", ...)
 *
 * Checks the size (power of two, 1..32768), the features (VERSION_1
 * required, only INDIRECT_DESC and EVENT_IDX besides), each area's
 * alignment and that each lies inside guest RAM, and that the areas do not
 * overlap. Does not write guest memory: the driver initialises the rings.
 *
 * Return: 0; -EINVAL a bad size, alignment, area outside RAM or overlap;
 * -EOVERFLOW an area whose end wraps; -EOPNOTSUPP a feature bit this codec
 * does not implement, or VERSION_1 missing.
 */
int virtq_dev_init(struct virtq_dev *vq, const struct virtq_mem *mem,
		   const struct virtq_layout *layout,
		   const struct virtq_dev_limits *limits,
		   struct rheap_diag *diag);

/**
 * virtq_dev_reset() - forget the queue (transport reset); state RESET
 * @vq: queue
 */
void virtq_dev_reset(struct virtq_dev *vq);

/**
 * virtq_dev_state() - where the queue is in its life cycle
 * @vq: queue
 *
 * Return: the state.
 */
enum virtq_state virtq_dev_state(const struct virtq_dev *vq);

/**
 * virtq_dev_pop() - take the next available descriptor chain
 * @vq:      queue
 * @segs:    out, the chain's buffers, readable ones first; scratch on
 *           failure
 * @seg_cap: entries of @segs
 * @chain:   out, head and counts; untouched on failure
 * @diag:    optional, names the broken field
 *
 * Reads the available index once; if it moved, reads the next head once,
 * then walks the chain (an indirect table when the head is INDIRECT),
 * copying each descriptor once and checking it (rules at the top of this
 * file). After a pop, with EVENT_IDX and notifications enabled, writes
 * avail_event = the next index it has not consumed (then a full barrier),
 * so avail_event always asks for a kick for the next request and an empty
 * pop writes nothing: pop until 0, then wait for a kick.
 *
 * Return: 1 a chain was popped; 0 the ring is empty; -EPERM the queue is
 * not READY; otherwise the errno of the broken rule (listed at the top of
 * this file), with the queue now NEEDS_RESET and the used ring unchanged.
 */
int virtq_dev_pop(struct virtq_dev *vq, struct virtq_seg *segs,
		  uint32_t seg_cap, struct virtq_chain *chain,
		  struct rheap_diag *diag);

/**
 * virtq_dev_push() - return a chain to the driver (publish a used element)
 * @vq:      queue
 * @head:    a head popped and not yet pushed
 * @written: bytes written into the chain's writable buffers, at most its
 *           writable length (the caller's duty: not re-checked here)
 * @diag:    optional
 *
 * Writes the element, then publishes used.idx with release ordering, then
 * decides whether the driver wants an interrupt: with EVENT_IDX, whether
 * used.idx passed the driver's used_event since the last decision; without
 * it, unless the driver set VIRTQ_AVAIL_F_NO_INTERRUPT.
 *
 * Return: 1 interrupt the driver; 0 do not; -EPERM the queue is not
 * READY; -EINVAL @head is not in flight (a caller bug; the queue stays
 * READY and nothing is written).
 */
int virtq_dev_push(struct virtq_dev *vq, uint16_t head, uint32_t written,
		   struct rheap_diag *diag);

/**
 * virtq_dev_set_notify() - ask for, or stop asking for, driver kicks
 * @vq:     queue
 * @enable: true: kicks wanted (EVENT_IDX: avail_event = next unconsumed
 *          index; otherwise used.flags NO_NOTIFY cleared); false: not
 *          (NO_NOTIFY set; with EVENT_IDX avail_event is left behind)
 *
 * After enabling, pop again: a request may have come while disabled.
 *
 * Return: 0; -EPERM the queue is not READY.
 */
int virtq_dev_set_notify(struct virtq_dev *vq, bool enable);

/**
 * virtq_dev_in_flight() - chains popped and not pushed
 * @vq: queue
 *
 * Return: the count (0 when not READY).
 */
uint32_t virtq_dev_in_flight(const struct virtq_dev *vq);

/**
 * virtq_dev_overlaps() - whether a live queue's areas touch a GPA range
 * @vq:  queue
 * @gpa: first byte
 * @len: bytes (0: false)
 *
 * The hypervisor asks this before it lends, shares or unmaps guest pages:
 * a page holding a ring must stay guest memory while the queue is READY
 * or NEEDS_RESET (the device would otherwise write into memory it no
 * longer owns).
 *
 * Return: true if [@gpa, @gpa + @len) intersects an area (a wrapping range
 * counts as reaching the top of the address space); false when RESET.
 */
bool virtq_dev_overlaps(const struct virtq_dev *vq, uint64_t gpa,
			uint64_t len);

/* ---- Driver side (the guest kernel's end) ---- */

/**
 * struct virtq_buf - one buffer the driver offers
 * @gpa: guest-physical address
 * @len: bytes, not 0
 */
struct virtq_buf {
	uint64_t gpa;
	uint32_t len;
};

/**
 * struct virtq_indirect - memory for an indirect descriptor table
 * @gpa:     16-aligned guest-physical address
 * @entries: descriptors it can hold (16 bytes each)
 *
 * The memory belongs to the request until virtq_drv_get_used() returns it.
 */
struct virtq_indirect {
	uint64_t gpa;
	uint32_t entries;
};

/**
 * struct virtq_drv_slot - the driver's private record of one descriptor
 *
 * Caller storage, one per queue entry (virtq_drv_init()); kept outside
 * guest-visible memory so that nothing the device writes can corrupt the
 * free list. Fields are private.
 */
struct virtq_drv_slot {
	uint64_t cookie;       /* the caller's tag of the chain (head only) */
	uint32_t writable_len; /* writable bytes of the chain (head only) */
	uint16_t next;         /* next descriptor of the chain or free list */
	uint16_t desc_count;   /* main-table descriptors of the chain (head) */
	bool in_use;           /* head of a chain the device owns */
};

/* Driver interrupt modes (virtq_drv_set_interrupts/_interrupt_after). */
enum virtq_drv_irq {
	VIRTQ_DRV_IRQ_ON = 0,
	VIRTQ_DRV_IRQ_OFF,
	VIRTQ_DRV_IRQ_AFTER,
};

/**
 * struct virtq_drv - the driver end of one queue (fields private)
 */
struct virtq_drv {
	enum virtq_state state;
	const struct virtq_mem *mem;
	struct virtq_layout layout;
	uint8_t *desc;
	uint8_t *avail;
	uint8_t *used;
	struct virtq_drv_slot *slots;
	uint16_t free_head;   /* first free descriptor */
	uint32_t free_count;  /* free descriptors */
	uint16_t avail_idx;   /* our copy of avail.idx (we are its writer) */
	uint16_t kicked_idx;  /* avail.idx at the last kick decision */
	uint16_t last_used;   /* next used element to consume */
	uint32_t outstanding; /* chains added and not yet used */
	enum virtq_drv_irq irq;
};

/**
 * virtq_drv_init() - set up the driver end and zero the three areas
 * @drv:        driver queue; on failure left RESET
 * @mem:        the guest's own RAM
 * @layout:     where to put the queue (same rules as virtq_dev_init())
 * @slots:      caller storage of @slot_count entries
 * @slot_count: must equal @layout->size
 * @diag:       optional
 *
 * Return: 0; -EINVAL, -EOVERFLOW, -EOPNOTSUPP as virtq_dev_init(); -EINVAL
 * @slots NULL or @slot_count not the queue size.
 */
int virtq_drv_init(struct virtq_drv *drv, const struct virtq_mem *mem,
		   const struct virtq_layout *layout,
		   struct virtq_drv_slot *slots, uint32_t slot_count,
		   struct rheap_diag *diag);

/**
 * virtq_drv_add() - make a chain available: readable buffers then writable
 * @drv:            driver queue
 * @bufs:           @readable_count + @writable_count buffers, readable
 *                  first
 * @readable_count: device-readable buffers
 * @writable_count: device-writable buffers
 * @ind:            NULL: direct descriptors; else put the chain in this
 *                  indirect table (VIRTIO_F_INDIRECT_DESC) and use one
 *                  descriptor of the queue
 * @cookie:         returned by virtq_drv_get_used() for this chain
 * @diag:           optional
 *
 * Writes the descriptors, then the available ring entry, then publishes
 * avail.idx with release ordering. Call virtq_drv_kick_needed() after one
 * or more adds.
 *
 * Return: the head index (>= 0); -EPERM not READY; -EINVAL no buffers, a
 * zero length, a buffer or table outside guest RAM, more buffers than the
 * queue size, writable bytes over VIRTQ_CHAIN_LEN_MAX, a misaligned
 * table; -EOVERFLOW a buffer whose end wraps; -EOPNOTSUPP @ind without
 * VIRTIO_F_INDIRECT_DESC; -ENOSPC not enough free descriptors, or @ind
 * too small.
 */
int virtq_drv_add(struct virtq_drv *drv, const struct virtq_buf *bufs,
		  uint32_t readable_count, uint32_t writable_count,
		  const struct virtq_indirect *ind, uint64_t cookie,
		  struct rheap_diag *diag);

/**
 * virtq_drv_kick_needed() - whether to notify the device after adds
 * @drv: driver queue
 *
 * With EVENT_IDX: whether avail.idx passed the device's avail_event since
 * the last call; without: unless the device set VIRTQ_USED_F_NO_NOTIFY.
 *
 * Return: true to kick; false when not READY or suppressed.
 */
bool virtq_drv_kick_needed(struct virtq_drv *drv);

/**
 * virtq_drv_get_used() - take the next used element
 * @drv:    driver queue
 * @cookie: out, the chain's cookie
 * @len:    out, bytes the device says it wrote
 * @diag:   optional
 *
 * Returns the chain's descriptors to the free list. With EVENT_IDX and
 * interrupts ON, writes used_event so that the next element interrupts.
 *
 * Return: 1 an element was taken; 0 none; -EPERM not READY; -EINVAL the
 * device broke the used ring (used.idx further ahead than the chains
 * outstanding, an
 * id that is not an outstanding head, a length over the chain's writable
 * bytes): the queue is NEEDS_RESET.
 */
int virtq_drv_get_used(struct virtq_drv *drv, uint64_t *cookie,
		       uint32_t *len, struct rheap_diag *diag);

/**
 * virtq_drv_set_interrupts() - ask for used-buffer interrupts or not
 * @drv:    driver queue
 * @enable: true: interrupt on every used element; false: none (with
 *          EVENT_IDX used_event is moved half the index space away,
 *          otherwise VIRTQ_AVAIL_F_NO_INTERRUPT)
 *
 * Return: 0; -EPERM not READY.
 */
int virtq_drv_set_interrupts(struct virtq_drv *drv, bool enable);

/**
 * virtq_drv_interrupt_after() - interrupt once @count more elements are used
 * @drv:   driver queue
 * @count: 1..32767 elements past the ones already consumed
 *
 * Return: 0; -EPERM not READY; -EOPNOTSUPP without EVENT_IDX; -EINVAL
 * @count out of range.
 */
int virtq_drv_interrupt_after(struct virtq_drv *drv, uint16_t count);

/**
 * virtq_drv_free_count() - free descriptors in the queue
 * @drv: driver queue
 *
 * Return: the count (0 when not READY).
 */
uint32_t virtq_drv_free_count(const struct virtq_drv *drv);

#endif /* RHEAP_SRC_HYP_VIRTQ_H */
