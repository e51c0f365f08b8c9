// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
/*
 * virtio 1.2 split virtqueues: both ends (contracts in virtq.h).
 *
 * Guest memory is shared with a party that may change it at any time, so:
 * ring indices are single 16-bit atomic accesses (acquire on the index
 * that publishes entries, release on the one we publish), descriptors are
 * copied once through a volatile pointer and decided on the copy, and
 * nothing read from guest memory is read a second time for a decision.
 * The barriers pair as virtio 1.2 §2.7.13 asks: entries before the index
 * that publishes them, and a full barrier between publishing an index and
 * reading the other side's event index (the lost-wakeup race).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/err.h>

#include "common/wire.h"
#include "hyp/virtq.h"

/* ---- Guest memory access ---- */

static inline uint16_t le16_host(uint16_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap16(v);
#else
	return v;
#endif
}

/* One 16-bit load of a ring index: never torn, never repeated. */
static inline uint16_t ring_load16(const uint8_t *p, int order)
{
	const uint16_t *w = (const uint16_t *)(const void *)p;

	return le16_host(__atomic_load_n(w, order));
}

static inline void ring_store16(uint8_t *p, uint16_t v, int order)
{
	uint16_t *w = (uint16_t *)(void *)p;

	__atomic_store_n(w, le16_host(v), order);
}

static inline void full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Copy @n guest bytes once: the compiler may neither re-read nor elide. */
static void fetch_once(uint8_t *dst, const uint8_t *src, size_t n)
{
	const volatile uint8_t *s = src;

	for (size_t i = 0; i < n; i++) {
		dst[i] = s[i];
	}
}

/* A descriptor as copied out of guest memory. */
struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static void desc_fetch(const uint8_t *table, uint32_t index,
		       struct vq_desc *d)
{
	uint8_t raw[VIRTQ_DESC_SIZE] = {0};

	fetch_once(raw, table + (size_t)index * VIRTQ_DESC_SIZE, sizeof(raw));
	d->addr = wire_get64(raw);
	d->len = wire_get32(raw + 8);
	d->flags = wire_get16(raw + 12);
	d->next = wire_get16(raw + 14);
}

static void desc_store(uint8_t *table, uint32_t index, uint64_t addr,
		       uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = table + (size_t)index * VIRTQ_DESC_SIZE;

	wire_put64(p, addr);
	wire_put32(p + 8, len);
	wire_put16(p + 12, flags);
	wire_put16(p + 14, next);
}

int virtq_mem_check(const struct virtq_mem *mem, struct rheap_diag *diag)
{
	uint64_t end_i = 0;

	if (!mem || (mem->range_count > 0 && !mem->ranges)) {
		return wire_reject(diag, "mem.ranges", 0, "is NULL");
	}
	for (uint32_t i = 0; i < mem->range_count; i++) {
		const struct virtq_mem_range *r = &mem->ranges[i];

		if (r->size == 0) {
			return wire_reject_at(diag, "mem.size", i, 0,
					      "is zero");
		}
		if (!r->host) {
			return wire_reject_at(diag, "mem.host", i, 0,
					      "is NULL");
		}
		if (((uintptr_t)r->host & 15u) != (r->gpa & 15u)) {
			return wire_reject_at(diag, "mem.host", i, r->gpa,
					      "is not congruent to gpa modulo 16");
		}
		if (__builtin_add_overflow(r->gpa, r->size, &end_i)) {
			return wire_reject_err(diag, -EOVERFLOW, "mem.size", i,
					       r->size, "makes the range wrap",
					       false, 0);
		}
		for (uint32_t j = 0; j < i; j++) {
			const struct virtq_mem_range *q = &mem->ranges[j];

			/* q was checked not to wrap on its own turn. */
			if (r->gpa < q->gpa + q->size && q->gpa < end_i) {
				return wire_reject_at_lim(diag, "mem.gpa", i,
							  r->gpa,
							  "overlaps range",
							  j);
			}
		}
	}
	return 0;
}

int virtq_mem_map(const struct virtq_mem *mem, uint64_t gpa, uint64_t len,
		  uint8_t **host)
{
	uint64_t end = 0;

	if (!mem || len == 0) {
		return -EINVAL;
	}
	if (__builtin_add_overflow(gpa, len, &end)) {
		return -EOVERFLOW;
	}
	for (uint32_t i = 0; i < mem->range_count; i++) {
		const struct virtq_mem_range *r = &mem->ranges[i];

		/* Subtractions only: right even for an unchecked table. */
		if (gpa >= r->gpa && gpa - r->gpa < r->size &&
		    len <= r->size - (gpa - r->gpa)) {
			*host = r->host + (gpa - r->gpa);
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- Layout (shared by both ends) ---- */

struct area {
	const char *field;
	uint64_t gpa;
	uint64_t size;
	uint64_t align;
	uint8_t **host;
};

static int area_map(const struct virtq_mem *mem, const struct area *a,
		    struct rheap_diag *diag)
{
	uint8_t *host = NULL;
	int rc = 0;

	if (!wire_aligned(a->gpa, a->align)) {
		return wire_reject_lim(diag, a->field, a->gpa,
				       "is not aligned to", a->align);
	}
	rc = virtq_mem_map(mem, a->gpa, a->size, &host);
	if (rc == -EOVERFLOW) {
		return wire_reject_err(diag, rc, a->field, RHEAP_DIAG_NO_INDEX,
				       a->gpa, "area wraps the address space",
				       true, a->size);
	}
	if (rc) {
		return wire_reject_err(diag, rc, a->field, RHEAP_DIAG_NO_INDEX,
				       a->gpa, "area is outside guest RAM",
				       true, a->size);
	}
	if (((uintptr_t)host & (a->align - 1u)) != 0) {
		return wire_reject_lim(diag, a->field, a->gpa,
				       "host mapping is not aligned to",
				       a->align);
	}
	*a->host = host;
	return 0;
}

static bool ranges_meet(uint64_t a, uint64_t a_len, uint64_t b,
			uint64_t b_len)
{
	/* Both ends were checked not to wrap. */
	return a < b + b_len && b < a + a_len;
}

static int layout_map(const struct virtq_mem *mem,
		      const struct virtq_layout *l, uint8_t **desc,
		      uint8_t **avail, uint8_t **used, struct rheap_diag *diag)
{
	uint64_t unknown = 0;
	struct area areas[3] = {
		{"layout.desc_gpa", 0, 0, VIRTQ_DESC_ALIGN, desc},
		{"layout.avail_gpa", 0, 0, VIRTQ_AVAIL_ALIGN, avail},
		{"layout.used_gpa", 0, 0, VIRTQ_USED_ALIGN, used},
	};
	int rc = 0;

	if (!mem || !l) {
		return wire_reject(diag, "layout", 0, "is NULL");
	}
	if (l->size == 0 || l->size > VIRTQ_SIZE_MAX ||
	    (l->size & (l->size - 1u)) != 0) {
		return wire_reject_lim(diag, "layout.size", l->size,
				       "is not a power of two at most",
				       VIRTQ_SIZE_MAX);
	}
	unknown = l->features & ~VIRTQ_FEATURES_KNOWN;
	if (unknown) {
		return wire_reject_err(diag, -EOPNOTSUPP, "layout.features",
				       RHEAP_DIAG_NO_INDEX, unknown,
				       "has bits this codec does not implement",
				       false, 0);
	}
	if (!(l->features & VIRTQ_FEATURE(VIRTIO_F_VERSION_1))) {
		return wire_reject_err(diag, -EOPNOTSUPP, "layout.features",
				       RHEAP_DIAG_NO_INDEX, l->features,
				       "lacks VIRTIO_F_VERSION_1 (no legacy)",
				       false, 0);
	}
	areas[0].gpa = l->desc_gpa;
	areas[0].size = virtq_desc_area_size(l->size);
	areas[1].gpa = l->avail_gpa;
	areas[1].size = virtq_avail_area_size(l->size);
	areas[2].gpa = l->used_gpa;
	areas[2].size = virtq_used_area_size(l->size);
	for (size_t i = 0; i < 3; i++) {
		rc = area_map(mem, &areas[i], diag);
		if (rc) {
			return rc;
		}
	}
	for (size_t i = 1; i < 3; i++) {
		for (size_t j = 0; j < i; j++) {
			if (ranges_meet(areas[i].gpa, areas[i].size,
					areas[j].gpa, areas[j].size)) {
				return wire_reject_lim(diag, areas[i].field,
						       areas[i].gpa,
						       "overlaps the area at",
						       areas[j].gpa);
			}
		}
	}
	return 0;
}

static uint8_t *avail_used_event(uint8_t *avail, uint32_t size)
{
	return avail + VIRTQ_AVAIL_RING + 2u * (size_t)size;
}

static uint8_t *used_avail_event(uint8_t *used, uint32_t size)
{
	return used + VIRTQ_USED_RING + (size_t)VIRTQ_USED_ELEM_SIZE * size;
}

static int not_ready(enum virtq_state state, struct rheap_diag *diag)
{
	return wire_reject_err(diag, -EPERM, "queue.state",
			       RHEAP_DIAG_NO_INDEX, (uint64_t)state,
			       "is not READY (reset needed)", false, 0);
}

/* ---- Device side ---- */

static bool busy_test(const struct virtq_dev *vq, uint16_t head)
{
	return (vq->busy[head >> 3] >> (head & 7u)) & 1u;
}

static void busy_set(struct virtq_dev *vq, uint16_t head, bool on)
{
	uint8_t bit = (uint8_t)(1u << (head & 7u));

	if (on) {
		vq->busy[head >> 3] |= bit;
	} else {
		vq->busy[head >> 3] &= (uint8_t)~bit;
	}
}

static void dev_clear(struct virtq_dev *vq)
{
	vq->state = VIRTQ_RESET;
	vq->mem = NULL;
	vq->layout = (struct virtq_layout){0};
	vq->limits = (struct virtq_dev_limits){0};
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled = 0;
	vq->signalled_valid = false;
	vq->notify = true;
	vq->in_flight = 0;
	wire_zero(vq->busy, sizeof(vq->busy));
}

int virtq_dev_init(struct virtq_dev *vq, const struct virtq_mem *mem,
		   const struct virtq_layout *layout,
		   const struct virtq_dev_limits *limits,
		   struct rheap_diag *diag)
{
	uint8_t *desc = NULL;
	uint8_t *avail = NULL;
	uint8_t *used = NULL;
	int rc = 0;

	dev_clear(vq);
	rc = layout_map(mem, layout, &desc, &avail, &used, diag);
	if (rc) {
		return rc;
	}
	vq->mem = mem;
	vq->layout = *layout;
	if (limits) {
		vq->limits = *limits;
	}
	if (vq->limits.max_readable == 0 ||
	    vq->limits.max_readable > VIRTQ_CHAIN_LEN_MAX) {
		vq->limits.max_readable = VIRTQ_CHAIN_LEN_MAX;
	}
	if (vq->limits.max_writable == 0 ||
	    vq->limits.max_writable > VIRTQ_CHAIN_LEN_MAX) {
		vq->limits.max_writable = VIRTQ_CHAIN_LEN_MAX;
	}
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	/* A transport reset zeroed the rings: index 0 is where both start. */
	vq->state = VIRTQ_READY;
	return 0;
}

void virtq_dev_reset(struct virtq_dev *vq)
{
	dev_clear(vq);
}

enum virtq_state virtq_dev_state(const struct virtq_dev *vq)
{
	return vq->state;
}

uint32_t virtq_dev_in_flight(const struct virtq_dev *vq)
{
	return vq->state == VIRTQ_READY ? vq->in_flight : 0;
}

bool virtq_dev_overlaps(const struct virtq_dev *vq, uint64_t gpa,
			uint64_t len)
{
	uint64_t end = 0;
	const struct virtq_layout *l = &vq->layout;

	if (vq->state == VIRTQ_RESET || len == 0) {
		return false;
	}
	if (__builtin_add_overflow(gpa, len, &end)) {
		end = UINT64_MAX;
	}
	return (gpa < l->desc_gpa + virtq_desc_area_size(l->size) &&
		l->desc_gpa < end) ||
	       (gpa < l->avail_gpa + virtq_avail_area_size(l->size) &&
		l->avail_gpa < end) ||
	       (gpa < l->used_gpa + virtq_used_area_size(l->size) &&
		l->used_gpa < end);
}

/* Mark the queue broken and report why. */
static int dev_broken(struct virtq_dev *vq, struct rheap_diag *diag, int err,
		      const char *field, uint32_t index, uint64_t value,
		      const char *reason, bool has_limit, uint64_t limit)
{
	vq->state = VIRTQ_NEEDS_RESET;
	return wire_reject_err(diag, err, field, index, value, reason,
			       has_limit, limit);
}

/* Field names of the two descriptor tables, for diagnostics. */
struct table_names {
	const char *next;
	const char *flags;
	const char *len;
	const char *addr;
};

static const struct table_names k_direct = {
	"desc.next", "desc.flags", "desc.len", "desc.addr",
};
static const struct table_names k_indirect = {
	"indirect.next", "indirect.flags", "indirect.len", "indirect.addr",
};

/* Walk state of one pop. */
struct walk {
	struct virtq_seg *segs;
	uint32_t seg_cap;
	struct virtq_chain out;
	bool seen_writable;
};

/* Check one non-indirect descriptor and append its segment. */
static int walk_take(struct virtq_dev *vq, struct walk *w,
		     const struct table_names *n, uint32_t index,
		     const struct vq_desc *d, struct rheap_diag *diag)
{
	bool writable = (d->flags & VIRTQ_DESC_F_WRITE) != 0;
	uint8_t *host = NULL;
	int rc = 0;

	if (!writable && w->seen_writable) {
		return dev_broken(vq, diag, -EINVAL, n->flags, index, d->flags,
				  "readable descriptor after a writable one",
				  false, 0);
	}
	w->seen_writable = w->seen_writable || writable;
	if (d->len == 0) {
		if (vq->limits.zero_len_ok) {
			return 0;
		}
		return dev_broken(vq, diag, -EINVAL, n->len, index, 0,
				  "zero-length descriptor", false, 0);
	}
	rc = virtq_mem_map(vq->mem, d->addr, d->len, &host);
	if (rc == -EOVERFLOW) {
		return dev_broken(vq, diag, rc, n->addr, index, d->addr,
				  "addr + len wraps", true, d->len);
	}
	if (rc) {
		return dev_broken(vq, diag, rc, n->addr, index, d->addr,
				  "buffer is outside guest RAM", true, d->len);
	}
	if (writable) {
		w->out.writable_len += d->len;
		if (w->out.writable_len > vq->limits.max_writable) {
			return dev_broken(vq, diag, -EINVAL,
					  "chain.writable_len", index,
					  w->out.writable_len, "exceeds",
					  true, vq->limits.max_writable);
		}
	} else {
		w->out.readable_len += d->len;
		w->out.readable_count++;
		if (w->out.readable_len > vq->limits.max_readable) {
			return dev_broken(vq, diag, -EINVAL,
					  "chain.readable_len", index,
					  w->out.readable_len, "exceeds",
					  true, vq->limits.max_readable);
		}
	}
	if (w->out.seg_count >= w->seg_cap) {
		return dev_broken(vq, diag, -ENOSPC, "chain.seg_count", index,
				  (uint64_t)w->out.seg_count + 1u,
				  "exceeds the caller's segment array",
				  true, w->seg_cap);
	}
	w->segs[w->out.seg_count].gpa = d->addr;
	w->segs[w->out.seg_count].host = host;
	w->segs[w->out.seg_count].len = d->len;
	w->segs[w->out.seg_count].writable = writable;
	w->out.seg_count++;
	return 0;
}

/* The head descriptor is INDIRECT: check it and map its table. */
static int walk_indirect(struct virtq_dev *vq, uint16_t head,
			 const struct vq_desc *d, const uint8_t **table,
			 uint32_t *entries, struct rheap_diag *diag)
{
	uint8_t *host = NULL;
	int rc = 0;

	if (!(vq->layout.features & VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC))) {
		return dev_broken(vq, diag, -EINVAL, "desc.flags", head,
				  d->flags,
				  "INDIRECT without VIRTIO_F_INDIRECT_DESC",
				  false, 0);
	}
	if (d->flags & VIRTQ_DESC_F_NEXT) {
		return dev_broken(vq, diag, -EINVAL, "desc.flags", head,
				  d->flags, "INDIRECT together with NEXT",
				  false, 0);
	}
	if (d->len == 0 || d->len % VIRTQ_DESC_SIZE != 0) {
		return dev_broken(vq, diag, -EINVAL, "desc.len", head, d->len,
				  "indirect table length is not a non-zero "
				  "multiple of",
				  true, VIRTQ_DESC_SIZE);
	}
	if (d->len / VIRTQ_DESC_SIZE > vq->layout.size) {
		return dev_broken(vq, diag, -EINVAL, "desc.len", head, d->len,
				  "indirect table has more entries than the "
				  "queue size (bytes)",
				  true,
				  (uint64_t)vq->layout.size * VIRTQ_DESC_SIZE);
	}
	rc = virtq_mem_map(vq->mem, d->addr, d->len, &host);
	if (rc == -EOVERFLOW) {
		return dev_broken(vq, diag, rc, "desc.addr", head, d->addr,
				  "indirect table wraps", true, d->len);
	}
	if (rc) {
		return dev_broken(vq, diag, rc, "desc.addr", head, d->addr,
				  "indirect table is outside guest RAM", true,
				  d->len);
	}
	*table = host;
	*entries = d->len / VIRTQ_DESC_SIZE;
	return 0;
}

/* Walk the chain at @head; on success @w->out is complete. */
static int walk_chain(struct virtq_dev *vq, uint16_t head, struct walk *w,
		      struct rheap_diag *diag)
{
	const struct table_names *n = &k_direct;
	const uint8_t *table = vq->desc;
	uint32_t entries = vq->layout.size;
	uint32_t index = head;
	uint32_t visited = 0;
	struct vq_desc d = {0};
	int rc = 0;

	for (;;) {
		if (++visited > entries) {
			return dev_broken(vq, diag, -EINVAL, n->next, index,
					  visited,
					  "chain is longer than its table "
					  "(a loop)",
					  true, entries);
		}
		desc_fetch(table, index, &d);
		if (d.flags & ~VIRTQ_DESC_F_KNOWN) {
			return dev_broken(vq, diag, -EINVAL, n->flags, index,
					  d.flags, "has an unknown flag bit",
					  false, 0);
		}
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (n == &k_indirect) {
				return dev_broken(vq, diag, -EINVAL,
						  "indirect.flags", index,
						  d.flags,
						  "INDIRECT inside an indirect "
						  "table",
						  false, 0);
			}
			if (visited != 1) {
				return dev_broken(vq, diag, -EINVAL,
						  "desc.flags", index, d.flags,
						  "INDIRECT on a descriptor "
						  "other than the head",
						  false, 0);
			}
			rc = walk_indirect(vq, head, &d, &table, &entries,
					   diag);
			if (rc) {
				return rc;
			}
			n = &k_indirect;
			w->out.indirect = true;
			index = 0;
			visited = 0;
			continue;
		}
		rc = walk_take(vq, w, n, index, &d, diag);
		if (rc) {
			return rc;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT)) {
			return 0;
		}
		if (d.next >= entries) {
			return dev_broken(vq, diag, -EINVAL, n->next, index,
					  d.next, "is not below", true,
					  entries);
		}
		index = d.next;
	}
}

int virtq_dev_pop(struct virtq_dev *vq, struct virtq_seg *segs,
		  uint32_t seg_cap, struct virtq_chain *chain,
		  struct rheap_diag *diag)
{
	struct walk w = {segs, segs ? seg_cap : 0, {0}, false};
	uint32_t size = vq->layout.size;
	uint16_t avail_idx = 0;
	uint16_t pending = 0;
	uint16_t slot = 0;
	uint16_t head = 0;
	int rc = 0;

	if (vq->state != VIRTQ_READY) {
		return not_ready(vq->state, diag);
	}
	avail_idx = ring_load16(vq->avail + VIRTQ_AVAIL_IDX, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending == 0) {
		return 0;
	}
	if (pending > size) {
		return dev_broken(vq, diag, -EINVAL, "avail.idx",
				  RHEAP_DIAG_NO_INDEX, avail_idx,
				  "runs ahead of the consumed index by more "
				  "than the queue size; consumed",
				  true, vq->last_avail);
	}
	slot = (uint16_t)(vq->last_avail & (size - 1u));
	head = ring_load16(vq->avail + VIRTQ_AVAIL_RING + 2u * (size_t)slot,
			   __ATOMIC_RELAXED);
	if (head >= size) {
		return dev_broken(vq, diag, -EINVAL, "avail.ring", slot, head,
				  "head is not below the queue size", true,
				  size);
	}
	if (busy_test(vq, head)) {
		return dev_broken(vq, diag, -EINVAL, "avail.ring", slot, head,
				  "head is already in flight", false, 0);
	}
	w.out.head = head;
	rc = walk_chain(vq, head, &w, diag);
	if (rc) {
		return rc;
	}
	vq->last_avail++;
	busy_set(vq, head, true);
	vq->in_flight++;
	if ((vq->layout.features & VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX)) &&
	    vq->notify) {
		ring_store16(used_avail_event(vq->used, size), vq->last_avail,
			     __ATOMIC_RELAXED);
		full_barrier();
	}
	*chain = w.out;
	return 1;
}

int virtq_dev_push(struct virtq_dev *vq, uint16_t head, uint32_t written,
		   struct rheap_diag *diag)
{
	uint32_t size = vq->layout.size;
	uint8_t *elem = NULL;
	uint16_t old = 0;
	uint16_t event = 0;
	bool valid = false;

	if (vq->state != VIRTQ_READY) {
		return not_ready(vq->state, diag);
	}
	if (head >= size || !busy_test(vq, head)) {
		return wire_reject_lim(diag, "used.id", head,
				       "is not a head in flight; queue size",
				       size);
	}
	elem = vq->used + VIRTQ_USED_RING +
	       (size_t)VIRTQ_USED_ELEM_SIZE * (vq->used_idx & (size - 1u));
	wire_put32(elem, head);
	wire_put32(elem + 4, written);
	vq->used_idx++;
	ring_store16(vq->used + VIRTQ_USED_IDX, vq->used_idx,
		     __ATOMIC_RELEASE);
	busy_set(vq, head, false);
	vq->in_flight--;

	/* Publish used.idx before reading what the driver asked for. */
	full_barrier();
	if (vq->layout.features & VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX)) {
		event = ring_load16(avail_used_event(vq->avail, size),
				    __ATOMIC_RELAXED);
		old = vq->signalled;
		valid = vq->signalled_valid;
		vq->signalled = vq->used_idx;
		vq->signalled_valid = true;
		if (!valid) {
			return 1;
		}
		return virtq_need_event(event, vq->used_idx, old) ? 1 : 0;
	}
	return (ring_load16(vq->avail + VIRTQ_AVAIL_FLAGS, __ATOMIC_RELAXED) &
		VIRTQ_AVAIL_F_NO_INTERRUPT)
		       ? 0
		       : 1;
}

int virtq_dev_set_notify(struct virtq_dev *vq, bool enable)
{
	uint32_t size = vq->layout.size;

	if (vq->state != VIRTQ_READY) {
		return not_ready(vq->state, NULL);
	}
	vq->notify = enable;
	if (vq->layout.features & VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX)) {
		if (enable) {
			ring_store16(used_avail_event(vq->used, size),
				     vq->last_avail, __ATOMIC_RELAXED);
		}
	} else {
		ring_store16(vq->used + VIRTQ_USED_FLAGS,
			     enable ? 0 : VIRTQ_USED_F_NO_NOTIFY,
			     __ATOMIC_RELAXED);
	}
	full_barrier();
	return 0;
}

/* ---- Driver side ---- */

int virtq_drv_init(struct virtq_drv *drv, const struct virtq_mem *mem,
		   const struct virtq_layout *layout,
		   struct virtq_drv_slot *slots, uint32_t slot_count,
		   struct rheap_diag *diag)
{
	uint8_t *desc = NULL;
	uint8_t *avail = NULL;
	uint8_t *used = NULL;
	int rc = 0;

	*drv = (struct virtq_drv){0};
	rc = layout_map(mem, layout, &desc, &avail, &used, diag);
	if (rc) {
		return rc;
	}
	if (!slots || slot_count != layout->size) {
		return wire_reject_lim(diag, "slots", slot_count,
				       "does not equal the queue size",
				       layout->size);
	}
	wire_zero(desc, (size_t)virtq_desc_area_size(layout->size));
	wire_zero(avail, (size_t)virtq_avail_area_size(layout->size));
	wire_zero(used, (size_t)virtq_used_area_size(layout->size));
	for (uint32_t i = 0; i < slot_count; i++) {
		slots[i] = (struct virtq_drv_slot){0};
		slots[i].next = (uint16_t)(i + 1u);
	}
	drv->mem = mem;
	drv->layout = *layout;
	drv->desc = desc;
	drv->avail = avail;
	drv->used = used;
	drv->slots = slots;
	drv->free_head = 0;
	drv->free_count = layout->size;
	drv->irq = VIRTQ_DRV_IRQ_ON;
	full_barrier();
	drv->state = VIRTQ_READY;
	return 0;
}

/* Check the driver's own buffers; sums both directions. */
static int drv_check_bufs(const struct virtq_drv *drv,
			  const struct virtq_buf *bufs, uint32_t total,
			  uint32_t readable_count, uint64_t *writable_len,
			  struct rheap_diag *diag)
{
	uint64_t sum[2] = {0, 0};
	uint8_t *host = NULL;
	int rc = 0;

	for (uint32_t i = 0; i < total; i++) {
		if (bufs[i].len == 0) {
			return wire_reject_at(diag, "buf.len", i, 0,
					      "is zero");
		}
		rc = virtq_mem_map(drv->mem, bufs[i].gpa, bufs[i].len, &host);
		if (rc) {
			return wire_reject_err(diag, rc, "buf.gpa", i,
					       bufs[i].gpa,
					       rc == -EOVERFLOW
						       ? "buffer wraps"
						       : "buffer is outside "
							 "guest RAM",
					       true, bufs[i].len);
		}
		sum[i >= readable_count] += bufs[i].len;
	}
	for (size_t k = 0; k < 2; k++) {
		if (sum[k] > VIRTQ_CHAIN_LEN_MAX) {
			return wire_reject_lim(diag, "buf.len", sum[k],
					       "total exceeds",
					       VIRTQ_CHAIN_LEN_MAX);
		}
	}
	*writable_len = sum[1];
	return 0;
}

/* Take @count descriptors off the free list; returns the first. */
static uint16_t drv_take(struct virtq_drv *drv, uint32_t count)
{
	uint16_t head = drv->free_head;
	uint16_t cur = head;

	for (uint32_t i = 1; i < count; i++) {
		cur = drv->slots[cur].next;
	}
	drv->free_head = drv->slots[cur].next;
	drv->free_count -= count;
	return head;
}

int virtq_drv_add(struct virtq_drv *drv, const struct virtq_buf *bufs,
		  uint32_t readable_count, uint32_t writable_count,
		  const struct virtq_indirect *ind, uint64_t cookie,
		  struct rheap_diag *diag)
{
	uint32_t size = drv->layout.size;
	uint32_t total = 0;
	uint32_t need = 0;
	uint64_t writable_len = 0;
	uint8_t *table = NULL;
	uint16_t head = 0;
	uint16_t cur = 0;
	uint16_t flags = 0;
	int rc = 0;

	if (drv->state != VIRTQ_READY) {
		return not_ready(drv->state, diag);
	}
	if (__builtin_add_overflow(readable_count, writable_count, &total) ||
	    total == 0 || total > size || !bufs) {
		return wire_reject_lim(diag, "buf_count", total,
				       "is not in 1 .. queue size", size);
	}
	rc = drv_check_bufs(drv, bufs, total, readable_count, &writable_len,
			    diag);
	if (rc) {
		return rc;
	}
	need = total;
	if (ind) {
		if (!(drv->layout.features &
		      VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC))) {
			return wire_reject_err(diag, -EOPNOTSUPP, "indirect",
					       RHEAP_DIAG_NO_INDEX, 0,
					       "VIRTIO_F_INDIRECT_DESC not "
					       "negotiated",
					       false, 0);
		}
		if (ind->entries < total) {
			return wire_reject_err(diag, -ENOSPC,
					       "indirect.entries",
					       RHEAP_DIAG_NO_INDEX,
					       ind->entries, "is below",
					       true, total);
		}
		if (!wire_aligned(ind->gpa, VIRTQ_DESC_ALIGN)) {
			return wire_reject_lim(diag, "indirect.gpa", ind->gpa,
					       "is not aligned to",
					       VIRTQ_DESC_ALIGN);
		}
		rc = virtq_mem_map(drv->mem, ind->gpa,
				   (uint64_t)total * VIRTQ_DESC_SIZE, &table);
		if (rc) {
			return wire_reject_err(diag, rc, "indirect.gpa",
					       RHEAP_DIAG_NO_INDEX, ind->gpa,
					       "table is outside guest RAM",
					       false, 0);
		}
		need = 1;
	}
	if (drv->free_count < need) {
		return wire_reject_err(diag, -ENOSPC, "queue.free",
				       RHEAP_DIAG_NO_INDEX, drv->free_count,
				       "descriptors free, needed", true, need);
	}

	head = drv_take(drv, need);
	if (ind) {
		for (uint32_t i = 0; i < total; i++) {
			flags = (uint16_t)((i >= readable_count
						    ? VIRTQ_DESC_F_WRITE
						    : 0u) |
					   (i + 1u < total ? VIRTQ_DESC_F_NEXT
							   : 0u));
			desc_store(table, i, bufs[i].gpa, bufs[i].len, flags,
				   (uint16_t)(i + 1u < total ? i + 1u : 0u));
		}
		desc_store(drv->desc, head, ind->gpa,
			   total * VIRTQ_DESC_SIZE, VIRTQ_DESC_F_INDIRECT, 0);
	} else {
		cur = head;
		for (uint32_t i = 0; i < total; i++) {
			uint16_t next = drv->slots[cur].next;

			flags = (uint16_t)((i >= readable_count
						    ? VIRTQ_DESC_F_WRITE
						    : 0u) |
					   (i + 1u < total ? VIRTQ_DESC_F_NEXT
							   : 0u));
			desc_store(drv->desc, cur, bufs[i].gpa, bufs[i].len,
				   flags, i + 1u < total ? next : 0u);
			cur = next;
		}
	}
	drv->slots[head].cookie = cookie;
	drv->slots[head].writable_len = (uint32_t)writable_len;
	drv->slots[head].desc_count = (uint16_t)need;
	drv->slots[head].in_use = true;
	drv->outstanding++;

	ring_store16(drv->avail + VIRTQ_AVAIL_RING +
			     2u * (size_t)(drv->avail_idx & (size - 1u)),
		     head, __ATOMIC_RELAXED);
	drv->avail_idx++;
	ring_store16(drv->avail + VIRTQ_AVAIL_IDX, drv->avail_idx,
		     __ATOMIC_RELEASE);
	return head;
}

bool virtq_drv_kick_needed(struct virtq_drv *drv)
{
	uint32_t size = drv->layout.size;
	uint16_t old = drv->kicked_idx;
	uint16_t event = 0;

	if (drv->state != VIRTQ_READY) {
		return false;
	}
	/* Publish avail.idx before reading what the device asked for. */
	full_barrier();
	drv->kicked_idx = drv->avail_idx;
	if (drv->layout.features & VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX)) {
		event = ring_load16(used_avail_event(drv->used, size),
				    __ATOMIC_RELAXED);
		return virtq_need_event(event, drv->avail_idx, old);
	}
	return old != drv->avail_idx &&
	       !(ring_load16(drv->used + VIRTQ_USED_FLAGS, __ATOMIC_RELAXED) &
		 VIRTQ_USED_F_NO_NOTIFY);
}

static int drv_broken(struct virtq_drv *drv, struct rheap_diag *diag,
		      const char *field, uint32_t index, uint64_t value,
		      const char *reason, uint64_t limit)
{
	drv->state = VIRTQ_NEEDS_RESET;
	return wire_reject_err(diag, -EINVAL, field, index, value, reason,
			       true, limit);
}

static void drv_write_used_event(struct virtq_drv *drv, uint16_t value)
{
	ring_store16(avail_used_event(drv->avail, drv->layout.size), value,
		     __ATOMIC_RELAXED);
	full_barrier();
}

int virtq_drv_get_used(struct virtq_drv *drv, uint64_t *cookie,
		       uint32_t *len, struct rheap_diag *diag)
{
	uint32_t size = drv->layout.size;
	uint8_t raw[VIRTQ_USED_ELEM_SIZE] = {0};
	uint16_t used_idx = 0;
	uint16_t pending = 0;
	uint16_t slot = 0;
	uint16_t last = 0;
	uint32_t id = 0;
	uint32_t n = 0;
	uint32_t written = 0;

	if (drv->state != VIRTQ_READY) {
		return not_ready(drv->state, diag);
	}
	used_idx = ring_load16(drv->used + VIRTQ_USED_IDX, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(used_idx - drv->last_used);
	if (pending == 0) {
		return 0;
	}
	if (pending > drv->outstanding) {
		return drv_broken(drv, diag, "used.idx", RHEAP_DIAG_NO_INDEX,
				  used_idx,
				  "runs ahead by more than the chains "
				  "outstanding",
				  drv->outstanding);
	}
	slot = (uint16_t)(drv->last_used & (size - 1u));
	fetch_once(raw,
		   drv->used + VIRTQ_USED_RING +
			   (size_t)VIRTQ_USED_ELEM_SIZE * slot,
		   sizeof(raw));
	id = wire_get32(raw);
	written = wire_get32(raw + 4);
	if (id >= size || !drv->slots[id].in_use) {
		return drv_broken(drv, diag, "used.ring.id", slot, id,
				  "is not an outstanding head; queue size",
				  size);
	}
	if (written > drv->slots[id].writable_len) {
		return drv_broken(drv, diag, "used.ring.len", slot, written,
				  "exceeds the chain's writable bytes",
				  drv->slots[id].writable_len);
	}

	/* Give the chain's descriptors back (links are in our slots). */
	n = drv->slots[id].desc_count;
	last = (uint16_t)id;
	for (uint32_t i = 1; i < n; i++) {
		last = drv->slots[last].next;
	}
	drv->slots[last].next = drv->free_head;
	drv->free_head = (uint16_t)id;
	drv->free_count += n;
	drv->slots[id].in_use = false;
	drv->outstanding--;
	*cookie = drv->slots[id].cookie;
	*len = written;
	drv->last_used++;
	if ((drv->layout.features & VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX)) &&
	    drv->irq == VIRTQ_DRV_IRQ_ON) {
		drv_write_used_event(drv, drv->last_used);
	}
	return 1;
}

int virtq_drv_set_interrupts(struct virtq_drv *drv, bool enable)
{
	if (drv->state != VIRTQ_READY) {
		return not_ready(drv->state, NULL);
	}
	drv->irq = enable ? VIRTQ_DRV_IRQ_ON : VIRTQ_DRV_IRQ_OFF;
	if (drv->layout.features & VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX)) {
		drv_write_used_event(drv,
				     enable ? drv->last_used
					    : (uint16_t)(drv->last_used +
							 0x7FFFu));
	} else {
		ring_store16(drv->avail + VIRTQ_AVAIL_FLAGS,
			     enable ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT,
			     __ATOMIC_RELAXED);
		full_barrier();
	}
	return 0;
}

int virtq_drv_interrupt_after(struct virtq_drv *drv, uint16_t count)
{
	if (drv->state != VIRTQ_READY) {
		return not_ready(drv->state, NULL);
	}
	if (!(drv->layout.features & VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX))) {
		return -EOPNOTSUPP;
	}
	if (count == 0 || count > 0x7FFFu) {
		return -EINVAL;
	}
	drv->irq = VIRTQ_DRV_IRQ_AFTER;
	drv_write_used_event(drv, (uint16_t)(drv->last_used + count - 1u));
	return 0;
}

uint32_t virtq_drv_free_count(const struct virtq_drv *drv)
{
	return drv->state == VIRTQ_READY ? drv->free_count : 0;
}
