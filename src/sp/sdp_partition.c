// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
/*
 * The SDP secure partition as an FF-A endpoint (API: sdp_partition.h;
 * command ABI: include/rheap/sdp_abi.h and docs/sdp-abi.md).
 *
 * Life cycle of a chunk slot (one per assigned FF-A LEND):
 *
 *   FREE --ASSIGN (retrieve ok, response verified)--> ASSIGNED
 *   ASSIGNED --ATTACH--> ASSIGNED (attach_count + 1)
 *   ASSIGNED --DETACH--> ASSIGNED (attach_count - 1)
 *   ASSIGNED --RELEASE (attach_count == 0, relinquish ok)--> FREE, gen + 1
 *   ASSIGNED --destroy / endpoint teardown--> FREE (mappings removed first)
 *
 * SCRUB zeroes a range of an ASSIGNED chunk (or of a static pool) and
 * leaves the state as it is; it is refused (-EBUSY) while an attachment
 * overlaps the range.
 *
 * Illegal: ASSIGN of a handle already held -> -EBUSY; RELEASE while
 * attached -> -EBUSY (the normal world detaches first, so no device can
 * still be reading memory that is about to return to the normal world:
 * R5 seen from the partition); RELEASE or use by another endpoint than the
 * lender -> -EPERM; a stale buffer ID (older generation) -> -ENOENT.
 *
 * Life cycle of a parameter area (one per normal-world endpoint):
 *
 *   NONE --REGISTER_PARAM_SHM (retrieve of a SHARE ok)--> REGISTERED
 *   REGISTERED --UNREGISTER_PARAM_SHM (relinquish ok)--> NONE
 *   REGISTER twice -> -EBUSY; UNREGISTER without one -> -ENOENT.
 *
 * Every command checks everything before it changes anything; a refused
 * command leaves the partition (and the SPMC and SMMU) as they were. The
 * one acquisition that precedes checks, the SPMC retrieve, is undone with
 * a relinquish when the response fails verification.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "common/wire.h"
#include "sp/sdp_partition.h"
#include "sp/sp_cenc.h"
#include "sp/sp_memref.h"
#include "sp/sp_sdp.h"

/* Bytes of a retrieve response the partition accepts (RX buffer pieces
 * are pulled with FRAG_RX into this). */
#define SDP_RESP_MAX (64u + SPMC_MAX_RECEIVERS * 32u + 16u +                \
		      SDP_PARTITION_MAX_CHUNK_RANGES * 16u)
/* One RX buffer page: the first piece of a response. */
#define SDP_RX_SIZE 4096u
#define SDP_CHUNK_GEN_MAX 0x7FFFu
/* Use cases the CPU services may touch (sp_sdp_cfg.use_case_mask). */
#define SDP_SERVICE_USE_CASES                                                \
	(RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO) |                   \
	 RHEAP_USE_CASE_BIT(RHEAP_USE_CASE_SECURE_VIDEO_RECORD))

/**
 * struct sdp_chunk - one assigned chunk (a retrieved FF-A LEND)
 * @in_use:       the slot holds a chunk
 * @gen:          generation, 1..SDP_CHUNK_GEN_MAX; bits [30:16] of the
 *                buffer ID; bumped when the slot is freed
 * @handle:       the FF-A handle; meaningful iff @in_use
 * @owner:        the lender's endpoint ID (the only one that may use it)
 * @use_case:     the transaction tag, verified at ASSIGN
 * @size:         bytes, the sum of @ranges
 * @range_count:  entries of @ranges, 1..SDP_PARTITION_MAX_CHUNK_RANGES
 * @ranges:       constituents in descriptor order (heap, owned)
 * @attach_count: live attachments of this chunk; RELEASE needs 0
 */
struct sdp_chunk {
	bool in_use;
	uint16_t gen;
	uint64_t handle;
	uint16_t owner;
	enum rheap_use_case use_case;
	uint64_t size;
	uint32_t range_count;
	struct spmc_range *ranges;
	uint32_t attach_count;
};

/**
 * struct sdp_param_area - a registered parameter area (a retrieved SHARE)
 * @in_use, @handle, @owner, @size, @range_count, @ranges: as in
 *   struct sdp_chunk; the area is normal-world memory
 */
struct sdp_param_area {
	bool in_use;
	uint64_t handle;
	uint16_t owner;
	uint64_t size;
	uint32_t range_count;
	struct spmc_range *ranges;
};

/**
 * struct sdp_attachment - one ATTACH
 * @in_use:    the slot holds an attachment
 * @owner:     the endpoint that attached (the only one that may detach)
 * @buf_id:    the buffer (a chunk's ID or a static pool's)
 * @chunk:     the chunk, or NULL for a static pool; its attach_count
 *             counts this entry
 * @stream_id: the device
 * @iova:      first IOVA, 4 KiB aligned
 * @offset:    first byte of the buffer mapped, 4 KiB aligned
 * @size:      bytes mapped, a non-zero multiple of 4 KiB
 */
struct sdp_attachment {
	bool in_use;
	uint16_t owner;
	uint32_t buf_id;
	struct sdp_chunk *chunk;
	uint32_t stream_id;
	uint64_t iova;
	uint64_t offset;
	uint64_t size;
};

struct sdp_partition {
	struct sdp_partition_cfg cfg;
	struct sp_sdp_cfg svc;
	struct sdp_chunk chunks[SDP_PARTITION_MAX_CHUNKS];
	struct sdp_param_area params[SDP_PARTITION_MAX_PARAM_AREAS];
	struct sdp_attachment attachments[SDP_PARTITION_MAX_ATTACHMENTS];
	uint8_t resp[SDP_RESP_MAX];
};

/**
 * struct sdp_view - a buffer as the commands see it
 * @buf_id:      the ID it was named by
 * @desc:        size, security and use case (for sp_memref_validate())
 * @range_count: entries of @ranges
 * @ranges:      physical ranges in buffer order
 * @one:         storage for a static pool's single range
 * @chunk:       the chunk, or NULL
 */
struct sdp_view {
	uint32_t buf_id;
	struct sp_buf_desc desc;
	uint32_t range_count;
	const struct spmc_range *ranges;
	struct spmc_range one;
	struct sdp_chunk *chunk;
};

/* A valid pointer for empty ranges (size 0 touches no byte). */
static uint8_t sdp_empty_byte;

/* ---------------------------------------------------------------------- */
/* Small helpers.                                                          */

static bool sdp_use_case_valid(uint32_t uc)
{
	return uc > RHEAP_USE_CASE_NONE && uc < RHEAP_USE_CASE_COUNT;
}

/* Buffer ID of a chunk: generation in [30:16], slot + 1 in [15:0]. */
static uint32_t sdp_chunk_buf_id(const struct sdp_partition *sp,
				 const struct sdp_chunk *c)
{
	uint32_t slot = (uint32_t)(c - sp->chunks);

	return (uint32_t)c->gen << 16 | (slot + 1u);
}

static struct sdp_chunk *sdp_chunk_by_handle(struct sdp_partition *sp,
					     uint64_t handle)
{
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_CHUNKS; i++) {
		if (sp->chunks[i].in_use && sp->chunks[i].handle == handle) {
			return &sp->chunks[i];
		}
	}
	return NULL;
}

static struct sdp_param_area *sdp_param_by_owner(struct sdp_partition *sp,
						 uint16_t owner)
{
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_PARAM_AREAS; i++) {
		if (sp->params[i].in_use && sp->params[i].owner == owner) {
			return &sp->params[i];
		}
	}
	return NULL;
}

static bool sdp_handle_held(struct sdp_partition *sp, uint64_t handle)
{
	if (sdp_chunk_by_handle(sp, handle)) {
		return true;
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_PARAM_AREAS; i++) {
		if (sp->params[i].in_use && sp->params[i].handle == handle) {
			return true;
		}
	}
	return false;
}

/* calloc(), unless the test hook of the configuration says to fail. */
static void *sdp_calloc(const struct sdp_partition_cfg *cfg, size_t count,
			size_t size)
{
	if (cfg->test_alloc_fail && *cfg->test_alloc_fail > 0) {
		(*cfg->test_alloc_fail)--;
		return NULL;
	}
	return calloc(count, size);
}

/* ---------------------------------------------------------------------- */
/* SPMC calls, as this partition.                                          */

/* FFA_MEM_RELINQUISH of @handle for ourselves, without CLEAR. */
static int sdp_relinquish(struct sdp_partition *sp, uint64_t handle)
{
	uint16_t ep[1] = { sp->cfg.id };
	struct rheap_ffa_relinquish rel = { 0 };
	uint8_t buf[64] = { 0 };
	int n = 0;

	rel.handle = handle;
	rel.flags = 0;
	rel.endpoint_count = 1;
	rel.endpoints = ep;
	rel.endpoint_cap = 1;
	n = rheap_ffa_relinquish_encode(&rel, buf, sizeof(buf), NULL);
	if (n < 0) {
		return n;
	}
	return spmc_relinquish(sp->cfg.spmc, sp->cfg.id, buf, (size_t)n, NULL);
}

/*
 * Retrieve @handle from @lender with @tag and transaction @type, RW, and
 * decode the response into @out, whose receivers and ranges go into the
 * caller's @recv and @ranges. On success the partition holds the memory;
 * on failure it does not (a verified-bad response is relinquished by the
 * caller).
 */
static int sdp_retrieve(struct sdp_partition *sp, uint16_t lender,
			uint64_t handle, uint64_t tag, uint32_t type,
			struct rheap_ffa_receiver recv[SPMC_MAX_RECEIVERS],
			struct rheap_ffa_range
				ranges[SDP_PARTITION_MAX_CHUNK_RANGES],
			struct rheap_ffa_mem *out)
{
	struct rheap_ffa_receiver me = { 0 };
	struct rheap_ffa_mem req = { 0 };
	uint8_t req_buf[128] = { 0 };
	size_t total = 0;
	size_t got = 0;
	size_t piece = 0;
	int n = 0;
	int rc = 0;

	out->receivers = recv;
	out->receiver_cap = SPMC_MAX_RECEIVERS;
	out->ranges = ranges;
	out->range_cap = SDP_PARTITION_MAX_CHUNK_RANGES;
	me.endpoint_id = sp->cfg.id;
	me.permissions = FFA_DATA_ACCESS_RW;
	req.abi = RHEAP_FFA_ABI_RETRIEVE_REQ;
	req.version = FFA_VERSION_1_1;
	req.sender_id = lender;
	req.attributes = 0;
	req.flags = type << FFA_MEM_FLAG_TYPE_SHIFT;
	req.handle = handle;
	req.tag = tag;
	req.receiver_count = 1;
	req.receivers = &me;
	req.receiver_cap = 1;
	n = rheap_ffa_mem_encode(&req, req_buf, sizeof(req_buf), NULL);
	if (n < 0) {
		return n;
	}
	rc = spmc_retrieve(sp->cfg.spmc, sp->cfg.id, req_buf, (size_t)n,
			   sp->resp, SDP_RX_SIZE, &total, &got, NULL);
	if (rc) {
		return rc;
	}
	/* From here on we hold the memory: every failure relinquishes. */
	if (total > sizeof(sp->resp)) {
		rc = -ENOMEM;
		goto err_relinquish;
	}
	while (got < total) {
		rc = spmc_frag_rx(sp->cfg.spmc, sp->cfg.id, handle, got,
				  sp->resp + got, sizeof(sp->resp) - got,
				  &piece, NULL);
		if (rc) {
			goto err_relinquish;
		}
		if (piece == 0 || piece > total - got) {
			rc = -EINVAL;
			goto err_relinquish;
		}
		got += piece;
	}
	rc = rheap_ffa_mem_decode(RHEAP_FFA_ABI_RETRIEVE_RESP, sp->resp, total,
				  out, NULL);
	if (rc) {
		rc = rc == -ENOSPC ? -ENOMEM : rc;
		goto err_relinquish;
	}
	return 0;

err_relinquish:
	(void)sdp_relinquish(sp, handle);
	return rc;
}

/* Copy a decoded response's ranges into a new array of struct spmc_range. */
static int sdp_ranges_take(const struct sdp_partition *sp,
			   const struct rheap_ffa_mem *m,
			   struct spmc_range **out, uint64_t *size)
{
	struct spmc_range *r = NULL;
	uint64_t total = 0;

	r = sdp_calloc(&sp->cfg, m->range_count, sizeof(*r));
	if (!r) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->range_count; i++) {
		r[i].base = m->ranges[i].address;
		r[i].size = (uint64_t)m->ranges[i].page_count * FFA_PAGE_SIZE;
		total += r[i].size; /* <= 2^32 pages: no wrap */
	}
	*out = r;
	*size = total;
	return 0;
}

/* Common checks of a retrieve response: our handle, lender, tag, type. */
static int sdp_resp_verify(const struct sdp_partition *sp,
			   const struct rheap_ffa_mem *m, uint64_t handle,
			   uint16_t lender, uint64_t tag, uint32_t type)
{
	uint32_t got_type = (m->flags & FFA_MEM_FLAG_TYPE_MASK) >>
			    FFA_MEM_FLAG_TYPE_SHIFT;
	bool mine = false;

	if (m->handle != handle || m->sender_id != lender || m->tag != tag ||
	    got_type != type || m->range_count == 0) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < m->receiver_count; i++) {
		if (m->receivers[i].endpoint_id == sp->cfg.id &&
		    (m->receivers[i].permissions & FFA_DATA_ACCESS_MASK) ==
			    FFA_DATA_ACCESS_RW) {
			mine = true;
		}
	}
	return mine ? 0 : -EINVAL;
}

/* Is [base, base + size) inside a dynamic pool of @uc? */
static bool sdp_in_dynamic_pool(const struct rheap_platform *plat,
				uint64_t base, uint64_t size,
				enum rheap_use_case uc)
{
	for (uint32_t i = 0; i < plat->pool_count; i++) {
		const struct rheap_plat_pool *p = &plat->pools[i];

		if (p->kind == RHEAP_POOL_DYNAMIC && p->use_case == uc &&
		    base >= p->base && size <= p->size &&
		    base - p->base <= p->size - size) {
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Buffers: resolve an ID, map a window for the CPU, walk for the SMMU.   */

static int sdp_view_resolve(struct sdp_partition *sp, uint16_t sender,
			    uint32_t buf_id, struct sdp_view *v)
{
	memset(v, 0, sizeof(*v));
	v->buf_id = buf_id;
	if (buf_id == SDP_BUF_ID_PARAM) {
		struct sdp_param_area *pa = sdp_param_by_owner(sp, sender);

		if (!pa) {
			return -ENOENT;
		}
		v->desc.size = pa->size;
		v->desc.secure = false;
		v->desc.use_case = RHEAP_USE_CASE_NONE;
		v->range_count = pa->range_count;
		v->ranges = pa->ranges;
		return 0;
	}
	if (buf_id & SDP_BUF_ID_STATIC_BIT) {
		uint32_t idx = buf_id & ~SDP_BUF_ID_STATIC_BIT;
		const struct rheap_plat_pool *p = NULL;

		if (idx >= sp->cfg.plat->pool_count) {
			return -ENOENT;
		}
		p = &sp->cfg.plat->pools[idx];
		if (p->kind != RHEAP_POOL_STATIC) {
			return -ENOENT;
		}
		v->desc.size = p->size;
		v->desc.secure = true;
		v->desc.use_case = p->use_case;
		v->one.base = p->base;
		v->one.size = p->size;
		v->range_count = 1;
		v->ranges = &v->one;
		return 0;
	}
	{
		uint32_t slot = (buf_id & 0xFFFFu);
		uint32_t gen = buf_id >> 16;
		struct sdp_chunk *c = NULL;

		if (slot == 0 || slot > SDP_PARTITION_MAX_CHUNKS) {
			return -ENOENT;
		}
		c = &sp->chunks[slot - 1];
		if (!c->in_use || c->gen != gen) {
			return -ENOENT;
		}
		if (c->owner != sender) {
			return -EPERM;
		}
		v->desc.size = c->size;
		v->desc.secure = true;
		v->desc.use_case = c->use_case;
		v->range_count = c->range_count;
		v->ranges = c->ranges;
		v->chunk = c;
		return 0;
	}
}

/*
 * Host pointer to [@offset, @offset + @size) of a buffer, through the bus
 * as a secure CPU. The caller validated the bounds. The window must be
 * PA-contiguous (a range crossing into a non-adjacent constituent:
 * -EOPNOTSUPP; the CPU services do not gather).
 */
static int sdp_window_map(struct sdp_partition *sp, const struct sdp_view *v,
			  uint64_t offset, uint64_t size, uint8_t **ptr)
{
	uint64_t skip = offset;
	uint64_t pa = 0;
	uint64_t avail = 0;
	uint64_t next = 0;
	uint32_t i = 0;
	void *p = NULL;
	int rc = 0;

	if (size == 0) {
		*ptr = &sdp_empty_byte;
		return 0;
	}
	while (i < v->range_count && skip >= v->ranges[i].size) {
		skip -= v->ranges[i].size;
		i++;
	}
	if (i == v->range_count) {
		return -EINVAL;
	}
	pa = v->ranges[i].base + skip;
	avail = v->ranges[i].size - skip;
	next = v->ranges[i].base + v->ranges[i].size;
	while (avail < size) {
		i++;
		if (i == v->range_count) {
			return -EINVAL;
		}
		if (v->ranges[i].base != next) {
			return -EOPNOTSUPP;
		}
		avail += v->ranges[i].size;
		next = v->ranges[i].base + v->ranges[i].size;
	}
	if (size > SIZE_MAX) {
		return -EOVERFLOW;
	}
	rc = hw_bus_cpu_map(sp->cfg.bus, true, pa, (size_t)size, &p);
	if (rc) {
		return rc;
	}
	*ptr = p;
	return 0;
}

/*
 * Map (or, with @unmap, unmap) [@offset, @offset + @size) of a buffer at
 * @iova in the secure context of @stream_id: one SMMU mapping per
 * constituent piece. A failed map unmaps the pieces it made.
 */
static int sdp_smmu_walk(struct sdp_partition *sp, const struct sdp_view *v,
			 uint64_t offset, uint64_t size, uint32_t stream_id,
			 uint64_t iova, uint32_t perms, bool unmap)
{
	uint64_t skip = offset;
	uint64_t done = 0;
	int rc = 0;

	for (uint32_t i = 0; i < v->range_count && done < size; i++) {
		uint64_t len = 0;
		uint64_t pa = 0;

		if (skip >= v->ranges[i].size) {
			skip -= v->ranges[i].size;
			continue;
		}
		pa = v->ranges[i].base + skip;
		len = v->ranges[i].size - skip;
		skip = 0;
		if (len > size - done) {
			len = size - done;
		}
		if (unmap) {
			(void)hw_smmu_unmap(sp->cfg.smmu, stream_id,
					    HW_SMMU_CTX_S, iova + done, len);
		} else {
			rc = hw_smmu_map(sp->cfg.smmu, stream_id,
					 HW_SMMU_CTX_S, iova + done, pa, len,
					 perms);
			if (rc) {
				goto err_unmap;
			}
		}
		done += len;
	}
	return 0;

err_unmap:
	if (done > 0) {
		(void)sdp_smmu_walk(sp, v, offset, done, stream_id, iova, 0,
				    true);
	}
	return rc;
}

/* First-fit IOVA range of @size bytes in the stream's secure space. */
static int sdp_iova_alloc(const struct sdp_partition *sp, uint32_t stream_id,
			  uint64_t size, uint64_t *iova)
{
	uint64_t cand = SDP_PARTITION_IOVA_BASE;
	bool moved = true;

	while (moved) {
		moved = false;
		if (size > SDP_PARTITION_IOVA_LIMIT - cand) {
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < SDP_PARTITION_MAX_ATTACHMENTS; i++) {
			const struct sdp_attachment *a = &sp->attachments[i];

			if (a->in_use && a->stream_id == stream_id &&
			    a->iova < cand + size && cand < a->iova + a->size) {
				cand = a->iova + a->size;
				moved = true;
			}
		}
	}
	*iova = cand;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Commands. Each takes the argument words and fills the result words.   */

struct sdp_args {
	uint16_t sender;
	uint32_t flags;  /* w3[31:16] */
	uint32_t w[4];   /* w4..w7 */
	uint32_t out[4]; /* results, w4..w7 */
};

static int sdp_cmd_get_version(struct sdp_partition *sp, struct sdp_args *a)
{
	(void)sp;
	if (a->flags || a->w[0] || a->w[1] || a->w[2] || a->w[3]) {
		return -EINVAL;
	}
	a->out[0] = SDP_ABI_VERSION_MAJOR;
	a->out[1] = SDP_ABI_VERSION_MINOR;
	return 0;
}

static int sdp_cmd_get_protmem_config(struct sdp_partition *sp,
				      struct sdp_args *a)
{
	const struct rheap_platform *plat = sp->cfg.plat;
	const struct rheap_plat_pool *hit = NULL;
	uint32_t count = 0;

	if (a->flags || a->w[2] || a->w[3] || !sdp_use_case_valid(a->w[0])) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < plat->pool_count; i++) {
		const struct rheap_plat_pool *p = &plat->pools[i];

		if (p->kind == RHEAP_POOL_STATIC &&
		    (uint32_t)p->use_case == a->w[0]) {
			if (count == a->w[1]) {
				hit = p;
			}
			count++;
		}
	}
	a->out[0] = count;
	if (!hit) {
		return -ENOENT; /* w4 still carries the count */
	}
	a->out[1] = (uint32_t)hit->base;
	a->out[2] = (uint32_t)(hit->base >> 32);
	a->out[3] = (uint32_t)(hit->size / SDP_PAGE_SIZE);
	return 0;
}

static int sdp_cmd_get_lend_config(struct sdp_partition *sp,
				   struct sdp_args *a)
{
	const struct rheap_platform *plat = sp->cfg.plat;
	uint32_t count = 0;

	if (a->flags || a->w[1] || a->w[2] || a->w[3] ||
	    !sdp_use_case_valid(a->w[0])) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < plat->pool_count; i++) {
		if (plat->pools[i].kind == RHEAP_POOL_DYNAMIC &&
		    (uint32_t)plat->pools[i].use_case == a->w[0]) {
			count++;
		}
	}
	a->out[0] = (uint32_t)(sp->cfg.min_chunk_size / SDP_PAGE_SIZE);
	a->out[1] = (uint32_t)(sp->cfg.chunk_alignment / SDP_PAGE_SIZE);
	a->out[2] = count;
	return 0;
}

/* Verify a retrieved LEND as a chunk of @uc (see ASSIGN in the docs). */
static int sdp_chunk_verify(const struct sdp_partition *sp,
			    const struct rheap_ffa_mem *m,
			    enum rheap_use_case uc)
{
	uint64_t total = 0;

	if (m->receiver_count != 1) {
		return -EINVAL; /* we must be the only borrower */
	}
	for (uint32_t i = 0; i < m->range_count; i++) {
		uint64_t base = m->ranges[i].address;
		uint64_t size = (uint64_t)m->ranges[i].page_count *
				FFA_PAGE_SIZE;

		if (!wire_aligned(base, sp->cfg.chunk_alignment)) {
			return -EINVAL;
		}
		if (!sdp_in_dynamic_pool(sp->cfg.plat, base, size, uc)) {
			return -EPERM;
		}
		total += size;
	}
	if (total % sp->cfg.min_chunk_size != 0) {
		return -EINVAL;
	}
	return 0;
}

static int sdp_cmd_assign(struct sdp_partition *sp, struct sdp_args *a)
{
	struct rheap_ffa_receiver recv[SPMC_MAX_RECEIVERS] = { 0 };
	struct rheap_ffa_range ranges[SDP_PARTITION_MAX_CHUNK_RANGES] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	uint64_t handle = (uint64_t)a->w[1] << 32 | a->w[0];
	struct sdp_chunk *c = NULL;
	uint32_t uc = a->w[2];
	int rc = 0;

	if (a->flags || a->w[3] || !sdp_use_case_valid(uc)) {
		return -EINVAL;
	}
	if (handle == FFA_HANDLE_INVALID) {
		return -ENOENT;
	}
	if (sdp_handle_held(sp, handle)) {
		return -EBUSY;
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_CHUNKS && !c; i++) {
		if (!sp->chunks[i].in_use) {
			c = &sp->chunks[i];
		}
	}
	if (!c) {
		return -ENOMEM;
	}
	rc = sdp_retrieve(sp, a->sender, handle, uc, FFA_MEM_FLAG_TYPE_LEND,
			  recv, ranges, &m);
	if (rc) {
		return rc;
	}
	rc = sdp_resp_verify(sp, &m, handle, a->sender, uc,
			     FFA_MEM_FLAG_TYPE_LEND);
	if (rc) {
		goto err_relinquish;
	}
	rc = sdp_chunk_verify(sp, &m, (enum rheap_use_case)uc);
	if (rc) {
		goto err_relinquish;
	}
	rc = sdp_ranges_take(sp, &m, &c->ranges, &c->size);
	if (rc) {
		goto err_relinquish;
	}

	c->in_use = true;
	c->handle = handle;
	c->owner = a->sender;
	c->use_case = (enum rheap_use_case)uc;
	c->range_count = m.range_count;
	c->attach_count = 0;
	a->out[0] = sdp_chunk_buf_id(sp, c);
	a->out[1] = (uint32_t)(c->size / SDP_PAGE_SIZE);
	return 0;

err_relinquish:
	(void)sdp_relinquish(sp, handle);
	return rc;
}

/* Free a chunk slot whose memory is no longer held (relinquished). */
static void sdp_chunk_free(struct sdp_chunk *c)
{
	free(c->ranges);
	c->ranges = NULL;
	c->in_use = false;
	c->handle = FFA_HANDLE_INVALID;
	c->owner = 0;
	c->use_case = RHEAP_USE_CASE_NONE;
	c->size = 0;
	c->range_count = 0;
	c->attach_count = 0;
	c->gen = c->gen >= SDP_CHUNK_GEN_MAX ? 1 : (uint16_t)(c->gen + 1);
}

static int sdp_cmd_release(struct sdp_partition *sp, struct sdp_args *a)
{
	uint64_t handle = (uint64_t)a->w[1] << 32 | a->w[0];
	struct sdp_chunk *c = NULL;
	int rc = 0;

	if (a->flags || a->w[2] || a->w[3]) {
		return -EINVAL;
	}
	c = sdp_chunk_by_handle(sp, handle);
	if (!c) {
		return -ENOENT;
	}
	if (c->owner != a->sender) {
		return -EPERM;
	}
	if (c->attach_count > 0) {
		return -EBUSY;
	}
	/* No scrub here: the chunk lies in a restricted pool, which the
	 * SPMC scrubs at reclaim (sdp_partition.h, board requirement). */
	rc = sdp_relinquish(sp, handle);
	if (rc) {
		return rc;
	}
	sdp_chunk_free(c);
	return 0;
}

static int sdp_cmd_scrub(struct sdp_partition *sp, struct sdp_args *a)
{
	struct sdp_view v = { 0 };
	uint64_t offset = (uint64_t)a->w[1] * SDP_PAGE_SIZE;
	uint64_t size = (uint64_t)a->w[2] * SDP_PAGE_SIZE;
	uint64_t skip = 0;
	uint64_t done = 0;
	int rc = 0;

	if (a->flags || a->w[3]) {
		return -EINVAL;
	}
	if (a->w[0] == SDP_BUF_ID_PARAM) {
		return -EPERM; /* normal-world memory: not ours to scrub */
	}
	rc = sdp_view_resolve(sp, a->sender, a->w[0], &v);
	if (rc) {
		return rc;
	}
	if (size == 0 || offset > v.desc.size ||
	    size > v.desc.size - offset) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_ATTACHMENTS; i++) {
		const struct sdp_attachment *at = &sp->attachments[i];

		if (at->in_use && at->buf_id == a->w[0] &&
		    at->offset < offset + size && offset < at->offset + at->size) {
			return -EBUSY; /* a device may still be using it */
		}
	}
	/* Every check passed: zero the range piece by piece, as the secure
	 * CPU. A piece lies inside one constituent, hence one backing. */
	skip = offset;
	for (uint32_t i = 0; i < v.range_count && done < size; i++) {
		uint64_t len = 0;
		void *p = NULL;

		if (skip >= v.ranges[i].size) {
			skip -= v.ranges[i].size;
			continue;
		}
		len = v.ranges[i].size - skip;
		if (len > size - done) {
			len = size - done;
		}
		if (len > SIZE_MAX) {
			return -EOVERFLOW;
		}
		rc = hw_bus_cpu_map(sp->cfg.bus, true, v.ranges[i].base + skip,
				    (size_t)len, &p);
		if (rc) {
			return rc;
		}
		memset(p, 0, (size_t)len);
		skip = 0;
		done += len;
	}
	return 0;
}

static int sdp_cmd_attach(struct sdp_partition *sp, struct sdp_args *a)
{
	const struct rheap_plat_device *dev = NULL;
	struct sdp_attachment *at = NULL;
	struct sdp_view v = { 0 };
	uint64_t offset = (uint64_t)a->w[1] * SDP_PAGE_SIZE;
	uint64_t size = (uint64_t)a->w[2] * SDP_PAGE_SIZE;
	uint32_t stream_id = a->w[3];
	uint32_t perms = HW_SMMU_READ;
	uint64_t iova = 0;
	int rc = 0;

	if (a->flags & ~SDP_ATTACH_FLAG_WRITE) {
		return -EINVAL;
	}
	if (a->flags & SDP_ATTACH_FLAG_WRITE) {
		perms |= HW_SMMU_WRITE;
	}
	if (a->w[0] == SDP_BUF_ID_PARAM) {
		return -EPERM; /* normal-world memory: not for secure contexts */
	}
	rc = sdp_view_resolve(sp, a->sender, a->w[0], &v);
	if (rc) {
		return rc;
	}
	if (size == 0 || offset > v.desc.size ||
	    size > v.desc.size - offset) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < sp->cfg.plat->device_count && !dev; i++) {
		if (sp->cfg.plat->devices[i].stream_id == stream_id) {
			dev = &sp->cfg.plat->devices[i];
		}
	}
	if (!dev) {
		return -ENOENT;
	}
	if (!dev->secure ||
	    !(dev->use_case_mask & RHEAP_USE_CASE_BIT(v.desc.use_case))) {
		return -EPERM; /* R2 */
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_ATTACHMENTS && !at; i++) {
		if (!sp->attachments[i].in_use) {
			at = &sp->attachments[i];
		}
	}
	if (!at) {
		return -ENOMEM;
	}
	rc = sdp_iova_alloc(sp, stream_id, size, &iova);
	if (rc) {
		return rc;
	}
	rc = sdp_smmu_walk(sp, &v, offset, size, stream_id, iova, perms,
			   false);
	if (rc) {
		return rc;
	}

	at->in_use = true;
	at->owner = a->sender;
	at->buf_id = a->w[0];
	at->chunk = v.chunk;
	at->stream_id = stream_id;
	at->iova = iova;
	at->offset = offset;
	at->size = size;
	if (v.chunk) {
		v.chunk->attach_count++;
	}
	a->out[0] = (uint32_t)iova;
	a->out[1] = (uint32_t)(iova >> 32);
	return 0;
}

/* Remove an attachment's mappings and free its slot (cannot fail). */
static void sdp_attachment_drop(struct sdp_partition *sp,
				struct sdp_attachment *at)
{
	struct sdp_view v = { 0 };

	if (at->chunk) {
		v.range_count = at->chunk->range_count;
		v.ranges = at->chunk->ranges;
		at->chunk->attach_count--;
	} else {
		const struct rheap_plat_pool *p =
			&sp->cfg.plat->pools[at->buf_id & ~SDP_BUF_ID_STATIC_BIT];

		v.one.base = p->base;
		v.one.size = p->size;
		v.range_count = 1;
		v.ranges = &v.one;
	}
	(void)sdp_smmu_walk(sp, &v, at->offset, at->size, at->stream_id,
			    at->iova, 0, true);
	memset(at, 0, sizeof(*at));
}

static int sdp_cmd_detach(struct sdp_partition *sp, struct sdp_args *a)
{
	uint64_t iova = (uint64_t)a->w[2] << 32 | a->w[1];
	struct sdp_attachment *at = NULL;

	if (a->flags || a->w[3]) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_ATTACHMENTS && !at; i++) {
		struct sdp_attachment *x = &sp->attachments[i];

		if (x->in_use && x->stream_id == a->w[0] && x->iova == iova) {
			at = x;
		}
	}
	if (!at) {
		return -ENOENT;
	}
	if (at->owner != a->sender) {
		return -EPERM;
	}
	sdp_attachment_drop(sp, at);
	return 0;
}

static int sdp_cmd_register_param(struct sdp_partition *sp,
				  struct sdp_args *a)
{
	struct rheap_ffa_receiver recv[SPMC_MAX_RECEIVERS] = { 0 };
	struct rheap_ffa_range ranges[SDP_PARTITION_MAX_CHUNK_RANGES] = { 0 };
	struct rheap_ffa_mem m = { 0 };
	uint64_t handle = (uint64_t)a->w[1] << 32 | a->w[0];
	struct sdp_param_area *pa = NULL;
	int rc = 0;

	if (a->flags || a->w[2] || a->w[3]) {
		return -EINVAL;
	}
	if (handle == FFA_HANDLE_INVALID) {
		return -ENOENT;
	}
	if (sdp_param_by_owner(sp, a->sender) ||
	    sdp_handle_held(sp, handle)) {
		return -EBUSY;
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_PARAM_AREAS && !pa; i++) {
		if (!sp->params[i].in_use) {
			pa = &sp->params[i];
		}
	}
	if (!pa) {
		return -ENOMEM;
	}
	rc = sdp_retrieve(sp, a->sender, handle, 0, FFA_MEM_FLAG_TYPE_SHARE,
			  recv, ranges, &m);
	if (rc) {
		return rc;
	}
	rc = sdp_resp_verify(sp, &m, handle, a->sender, 0,
			     FFA_MEM_FLAG_TYPE_SHARE);
	if (rc) {
		goto err_relinquish;
	}
	rc = sdp_ranges_take(sp, &m, &pa->ranges, &pa->size);
	if (rc) {
		goto err_relinquish;
	}

	pa->in_use = true;
	pa->handle = handle;
	pa->owner = a->sender;
	pa->range_count = m.range_count;
	a->out[0] = (uint32_t)(pa->size / SDP_PAGE_SIZE);
	return 0;

err_relinquish:
	(void)sdp_relinquish(sp, handle);
	return rc;
}

static void sdp_param_free(struct sdp_param_area *pa)
{
	free(pa->ranges);
	memset(pa, 0, sizeof(*pa));
}

static int sdp_cmd_unregister_param(struct sdp_partition *sp,
				    struct sdp_args *a)
{
	struct sdp_param_area *pa = NULL;
	int rc = 0;

	if (a->flags || a->w[0] || a->w[1] || a->w[2] || a->w[3]) {
		return -EINVAL;
	}
	pa = sdp_param_by_owner(sp, a->sender);
	if (!pa) {
		return -ENOENT;
	}
	rc = sdp_relinquish(sp, pa->handle);
	if (rc) {
		return rc;
	}
	sdp_param_free(pa);
	return 0;
}

/* ---- Parameter-area services ---- */

/*
 * Copy @size bytes at @offset of the caller's parameter area into @dst:
 * the one fetch of the struct (the normal world may rewrite the area at
 * any time; nothing is read from it twice).
 */
static int sdp_param_fetch(struct sdp_partition *sp, uint16_t sender,
			   uint64_t offset, uint64_t size, uint64_t align,
			   void *dst)
{
	struct sdp_view v = { 0 };
	uint8_t *p = NULL;
	int rc = 0;

	rc = sdp_view_resolve(sp, sender, SDP_BUF_ID_PARAM, &v);
	if (rc) {
		return rc;
	}
	if (!wire_aligned(offset, align) || offset > v.desc.size ||
	    size > v.desc.size - offset) {
		return -EINVAL;
	}
	rc = sdp_window_map(sp, &v, offset, size, &p);
	if (rc) {
		return rc;
	}
	memcpy(dst, p, (size_t)size);
	return 0;
}

/* Decode a memref at @p (wire layout of struct sdp_abi_memref). */
static int sdp_memref_decode(const uint8_t *p, struct sp_memref *ref)
{
	if (wire_get32(p + offsetof(struct sdp_abi_memref, reserved)) != 0) {
		return -EINVAL;
	}
	ref->buf_id = wire_get32(p + offsetof(struct sdp_abi_memref, buf_id));
	ref->offset = wire_get64(p + offsetof(struct sdp_abi_memref, offset));
	ref->size = wire_get64(p + offsetof(struct sdp_abi_memref, size));
	return 0;
}

/*
 * Resolve and check one memref (bounds, then typing), then map its range.
 * @buf and @ref_out describe the mapped window as a buffer of its own,
 * for the sp_sdp_* services (which check it again, trivially).
 */
struct sdp_operand {
	struct sp_memref ref;
	struct sdp_view view;
	struct sp_memref win_ref;
	struct sp_buf win;
};

static int sdp_operand_check(struct sdp_partition *sp, uint16_t sender,
			     struct sdp_operand *op,
			     enum sp_memref_world world)
{
	int rc = 0;

	if (op->ref.buf_id > UINT32_MAX) {
		return -EINVAL;
	}
	rc = sdp_view_resolve(sp, sender, (uint32_t)op->ref.buf_id,
			      &op->view);
	if (rc) {
		return rc;
	}
	return sp_memref_validate(&op->ref, &op->view.desc, world,
				  sp->svc.use_case_mask, NULL);
}

static int sdp_operand_map(struct sdp_partition *sp, struct sdp_operand *op)
{
	uint8_t *p = NULL;
	int rc = 0;

	rc = sdp_window_map(sp, &op->view, op->ref.offset, op->ref.size, &p);
	if (rc) {
		return rc;
	}
	op->win.desc = op->view.desc;
	op->win.desc.size = op->ref.size;
	op->win.base = p;
	op->win_ref.buf_id = op->ref.buf_id;
	op->win_ref.offset = 0;
	op->win_ref.size = op->ref.size;
	return 0;
}

static int sdp_cmd_copy(struct sdp_partition *sp, struct sdp_args *a,
			bool dump)
{
	uint8_t raw[sizeof(struct sdp_abi_copy_param)] = { 0 };
	struct sdp_operand in = { 0 };
	struct sdp_operand out = { 0 };
	int rc = 0;

	if (a->flags || a->w[2] || a->w[3] || a->w[1] != sizeof(raw)) {
		return -EINVAL;
	}
	rc = sdp_param_fetch(sp, a->sender, a->w[0], sizeof(raw),
			     SDP_PARAM_ALIGN, raw);
	if (rc) {
		return rc;
	}
	if (sdp_memref_decode(raw + offsetof(struct sdp_abi_copy_param, in),
			      &in.ref) ||
	    sdp_memref_decode(raw + offsetof(struct sdp_abi_copy_param, out),
			      &out.ref)) {
		return -EINVAL;
	}
	rc = sdp_operand_check(sp, a->sender, &in,
			       dump ? SP_MEMREF_SECURE : SP_MEMREF_NONSECURE);
	if (rc) {
		return rc;
	}
	rc = sdp_operand_check(sp, a->sender, &out,
			       dump ? SP_MEMREF_NONSECURE : SP_MEMREF_SECURE);
	if (rc) {
		return rc;
	}
	if (dump && !sp->svc.debug_dump) {
		return -EPERM;
	}
	if (out.ref.size < in.ref.size) {
		return -ENOSPC;
	}
	rc = sdp_operand_map(sp, &in);
	if (rc) {
		return rc;
	}
	rc = sdp_operand_map(sp, &out);
	if (rc) {
		return rc;
	}
	if (dump) {
		rc = sp_sdp_dump(&sp->svc, &in.win_ref, &in.win, &out.win_ref,
				 &out.win, NULL);
	} else {
		rc = sp_sdp_inject(&sp->svc, &in.win_ref, &in.win,
				   &out.win_ref, &out.win, NULL);
	}
	if (rc) {
		return rc;
	}
	a->out[0] = (uint32_t)in.ref.size;
	a->out[1] = (uint32_t)(in.ref.size >> 32);
	return 0;
}

static int sdp_cmd_transform(struct sdp_partition *sp, struct sdp_args *a)
{
	uint8_t raw[sizeof(struct sdp_abi_transform_param)] = { 0 };
	struct sdp_operand op = { 0 };
	int rc = 0;

	if (a->flags || a->w[2] || a->w[3] || a->w[1] != sizeof(raw)) {
		return -EINVAL;
	}
	rc = sdp_param_fetch(sp, a->sender, a->w[0], sizeof(raw),
			     SDP_PARAM_ALIGN, raw);
	if (rc) {
		return rc;
	}
	if (sdp_memref_decode(raw, &op.ref)) {
		return -EINVAL;
	}
	rc = sdp_operand_check(sp, a->sender, &op, SP_MEMREF_SECURE);
	if (rc) {
		return rc;
	}
	rc = sdp_operand_map(sp, &op);
	if (rc) {
		return rc;
	}
	rc = sp_sdp_transform(&sp->svc, &op.win_ref, &op.win, NULL);
	if (rc) {
		return rc;
	}
	a->out[0] = (uint32_t)op.ref.size;
	a->out[1] = (uint32_t)(op.ref.size >> 32);
	return 0;
}

static int sdp_cmd_decrypt(struct sdp_partition *sp, struct sdp_args *a)
{
	uint8_t raw[sizeof(struct sdp_abi_decrypt_param)] = { 0 };
	uint8_t sub_raw[SDP_MAX_SUBSAMPLES * sizeof(struct sdp_abi_subsample)] =
		{ 0 };
	struct sp_cenc_subsample subs[SDP_MAX_SUBSAMPLES] = { { 0 } };
	const struct sp_cenc_key *key = NULL;
	struct sdp_operand in = { 0 };
	struct sdp_operand out = { 0 };
	uint8_t kid[SDP_KID_SIZE] = { 0 };
	uint8_t iv[16] = { 0 };
	uint32_t iv_size = 0;
	uint32_t sub_count = 0;
	uint64_t sub_off = 0;
	int rc = 0;

	if (a->flags || a->w[2] || a->w[3] || a->w[1] != sizeof(raw)) {
		return -EINVAL;
	}
	rc = sdp_param_fetch(sp, a->sender, a->w[0], sizeof(raw),
			     SDP_PARAM_ALIGN, raw);
	if (rc) {
		return rc;
	}
	if (sdp_memref_decode(raw + offsetof(struct sdp_abi_decrypt_param, in),
			      &in.ref) ||
	    sdp_memref_decode(raw +
				      offsetof(struct sdp_abi_decrypt_param, out),
			      &out.ref)) {
		return -EINVAL;
	}
	memcpy(kid, raw + offsetof(struct sdp_abi_decrypt_param, kid),
	       sizeof(kid));
	memcpy(iv, raw + offsetof(struct sdp_abi_decrypt_param, iv),
	       sizeof(iv));
	iv_size = wire_get32(raw +
			     offsetof(struct sdp_abi_decrypt_param, iv_size));
	sub_count = wire_get32(raw + offsetof(struct sdp_abi_decrypt_param,
					      subsample_count));
	sub_off = wire_get64(raw + offsetof(struct sdp_abi_decrypt_param,
					    subsample_offset));

	/* Bounds and typing of both references first (xtest 1014). */
	rc = sdp_operand_check(sp, a->sender, &in, SP_MEMREF_NONSECURE);
	if (rc) {
		return rc;
	}
	rc = sdp_operand_check(sp, a->sender, &out, SP_MEMREF_SECURE);
	if (rc) {
		return rc;
	}
	if (iv_size != SP_CENC_IV_SIZE_SHORT &&
	    iv_size != SP_CENC_IV_SIZE_FULL) {
		return -EINVAL;
	}
	if (!wire_is_zero(iv + iv_size, sizeof(iv) - iv_size)) {
		return -EINVAL;
	}
	if (sub_count > SDP_MAX_SUBSAMPLES ||
	    (sub_count == 0 && sub_off != 0)) {
		return -EINVAL;
	}
	if (sub_count > 0) {
		rc = sdp_param_fetch(sp, a->sender, sub_off,
				     (uint64_t)sub_count *
					     sizeof(struct sdp_abi_subsample),
				     4, sub_raw);
		if (rc) {
			return rc;
		}
		for (uint32_t i = 0; i < sub_count; i++) {
			const uint8_t *e = sub_raw +
					   i * sizeof(struct sdp_abi_subsample);
			uint32_t clear = wire_get32(e);

			if (clear > UINT16_MAX) {
				return -EINVAL;
			}
			subs[i].clear_size = (uint16_t)clear;
			subs[i].protected_size = wire_get32(e + 4);
		}
	}
	if (!sp->cfg.keys) {
		return -EOPNOTSUPP;
	}
	rc = sp_keys_find(sp->cfg.keys, kid, &key);
	if (rc) {
		return rc;
	}
	rc = sdp_operand_map(sp, &in);
	if (rc) {
		return rc;
	}
	rc = sdp_operand_map(sp, &out);
	if (rc) {
		return rc;
	}
	rc = sp_cenc_decrypt(key, iv, iv_size, sub_count ? subs : NULL,
			     sub_count, in.win.base, (size_t)in.ref.size,
			     out.win.base, (size_t)out.ref.size, NULL);
	if (rc) {
		return rc;
	}
	a->out[0] = (uint32_t)in.ref.size;
	a->out[1] = (uint32_t)(in.ref.size >> 32);
	return 0;
}

static int sdp_dispatch(struct sdp_partition *sp, uint32_t cmd,
			struct sdp_args *a)
{
	switch (cmd) {
	case SDP_CMD_GET_VERSION:
		return sdp_cmd_get_version(sp, a);
	case SDP_CMD_GET_PROTMEM_CONFIG:
		return sdp_cmd_get_protmem_config(sp, a);
	case SDP_CMD_GET_LEND_CONFIG:
		return sdp_cmd_get_lend_config(sp, a);
	case SDP_CMD_ASSIGN:
		return sdp_cmd_assign(sp, a);
	case SDP_CMD_RELEASE:
		return sdp_cmd_release(sp, a);
	case SDP_CMD_SCRUB:
		return sdp_cmd_scrub(sp, a);
	case SDP_CMD_ATTACH:
		return sdp_cmd_attach(sp, a);
	case SDP_CMD_DETACH:
		return sdp_cmd_detach(sp, a);
	case SDP_CMD_REGISTER_PARAM_SHM:
		return sdp_cmd_register_param(sp, a);
	case SDP_CMD_UNREGISTER_PARAM_SHM:
		return sdp_cmd_unregister_param(sp, a);
	case SDP_CMD_INJECT:
		return sdp_cmd_copy(sp, a, false);
	case SDP_CMD_TRANSFORM:
		return sdp_cmd_transform(sp, a);
	case SDP_CMD_DUMP:
		return sdp_cmd_copy(sp, a, true);
	case SDP_CMD_DECRYPT:
		return sdp_cmd_decrypt(sp, a);
	default:
		return -EOPNOTSUPP;
	}
}

/* ---------------------------------------------------------------------- */
/* Public API.                                                             */

int sdp_partition_create(const struct sdp_partition_cfg *cfg,
			 struct sdp_partition **out)
{
	struct sdp_partition *sp = NULL;

	if (!cfg || !out || !cfg->spmc || !cfg->smmu || !cfg->bus ||
	    !cfg->plat) {
		return -EINVAL;
	}
	if (!(cfg->id & FFA_ID_SECURE_BIT) || cfg->id == FFA_ID_SPMC) {
		return -EINVAL;
	}
	if (cfg->min_chunk_size == 0 ||
	    !wire_aligned(cfg->min_chunk_size, FFA_PAGE_SIZE) ||
	    cfg->min_chunk_size / SDP_PAGE_SIZE > UINT32_MAX) {
		return -EINVAL;
	}
	if (cfg->chunk_alignment < FFA_PAGE_SIZE ||
	    (cfg->chunk_alignment & (cfg->chunk_alignment - 1)) != 0 ||
	    cfg->chunk_alignment / SDP_PAGE_SIZE > UINT32_MAX) {
		return -EINVAL;
	}
	sp = sdp_calloc(cfg, 1, sizeof(*sp));
	if (!sp) {
		return -ENOMEM;
	}
	sp->cfg = *cfg;
	sp->svc.use_case_mask = SDP_SERVICE_USE_CASES;
	sp->svc.debug_dump = cfg->debug_dump;
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_CHUNKS; i++) {
		sp->chunks[i].gen = 1;
		sp->chunks[i].handle = FFA_HANDLE_INVALID;
	}
	*out = sp;
	return 0;
}

void sdp_partition_destroy(struct sdp_partition *sp)
{
	if (!sp) {
		return;
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_ATTACHMENTS; i++) {
		if (sp->attachments[i].in_use) {
			sdp_attachment_drop(sp, &sp->attachments[i]);
		}
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_CHUNKS; i++) {
		if (sp->chunks[i].in_use) {
			(void)sdp_relinquish(sp, sp->chunks[i].handle);
			sdp_chunk_free(&sp->chunks[i]);
		}
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_PARAM_AREAS; i++) {
		if (sp->params[i].in_use) {
			(void)sdp_relinquish(sp, sp->params[i].handle);
			sdp_param_free(&sp->params[i]);
		}
	}
	free(sp);
}

void sdp_partition_endpoint_teardown(struct sdp_partition *sp, uint16_t ep)
{
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_ATTACHMENTS; i++) {
		if (sp->attachments[i].in_use &&
		    sp->attachments[i].owner == ep) {
			sdp_attachment_drop(sp, &sp->attachments[i]);
		}
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_CHUNKS; i++) {
		struct sdp_chunk *c = &sp->chunks[i];

		if (!c->in_use || c->owner != ep) {
			continue;
		}
		/* Another endpoint's attachment of this chunk is impossible:
		 * chunks resolve for their owner only. */
		(void)sdp_relinquish(sp, c->handle);
		sdp_chunk_free(c);
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_PARAM_AREAS; i++) {
		if (sp->params[i].in_use && sp->params[i].owner == ep) {
			(void)sdp_relinquish(sp, sp->params[i].handle);
			sdp_param_free(&sp->params[i]);
		}
	}
}

void sdp_partition_stats(const struct sdp_partition *sp,
			 struct sdp_partition_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_CHUNKS; i++) {
		if (sp->chunks[i].in_use) {
			out->chunks++;
			out->chunk_pages += sp->chunks[i].size / SDP_PAGE_SIZE;
		}
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_ATTACHMENTS; i++) {
		out->attachments += sp->attachments[i].in_use ? 1u : 0u;
	}
	for (uint32_t i = 0; i < SDP_PARTITION_MAX_PARAM_AREAS; i++) {
		out->param_areas += sp->params[i].in_use ? 1u : 0u;
	}
}

int sdp_partition_direct_req(void *ctx, uint16_t sender, uint16_t receiver,
			     const struct rheap_ffa_regs *req,
			     struct rheap_ffa_regs *resp)
{
	struct sdp_partition *sp = ctx;
	struct rheap_ffa_call call = { 0 };
	struct rheap_ffa_call ans = { 0 };
	struct sdp_args a = { 0 };
	uint32_t func = 0;
	uint32_t w3 = 0;
	bool is64 = false;
	int status = 0;

	if (!resp) {
		return -EINVAL;
	}
	memset(resp, 0, sizeof(*resp));
	if (!sp || !req || receiver != sp->cfg.id) {
		return -EINVAL;
	}
	func = (uint32_t)req->x[0];
	if (func != FFA_MSG_SEND_DIRECT_REQ_32 &&
	    func != FFA_MSG_SEND_DIRECT_REQ_64) {
		return -EINVAL;
	}
	if ((uint32_t)req->x[1] != ((uint32_t)sender << 16 | receiver)) {
		return -EINVAL;
	}
	is64 = func == FFA_MSG_SEND_DIRECT_REQ_64;

	if (rheap_ffa_call_unpack(req, &call, NULL) != 0) {
		status = -EINVAL;
	} else if (call.args.direct.flags != 0) {
		status = -EOPNOTSUPP; /* framework messages */
	} else {
		for (uint32_t i = 0; i < 5; i++) {
			if (call.args.direct.payload[i] > UINT32_MAX) {
				status = -EINVAL;
			}
		}
	}
	if (status == 0) {
		w3 = (uint32_t)call.args.direct.payload[0];
		a.sender = sender;
		a.flags = w3 >> SDP_CMD_FLAGS_SHIFT;
		for (uint32_t i = 0; i < 4; i++) {
			a.w[i] = (uint32_t)call.args.direct.payload[i + 1];
		}
		status = sdp_dispatch(sp, w3 & SDP_CMD_MASK, &a);
	}

	ans.func = is64 ? FFA_MSG_SEND_DIRECT_RESP_64
			: FFA_MSG_SEND_DIRECT_RESP_32;
	ans.args.direct.sender_id = receiver;
	ans.args.direct.receiver_id = sender;
	ans.args.direct.flags = 0;
	ans.args.direct.payload[0] = (uint32_t)status;
	/* Results only on success, except the documented count of
	 * GET_PROTMEM_CONFIG with an index past the end. */
	if (status == 0 || (status == -ENOENT &&
			    (w3 & SDP_CMD_MASK) == SDP_CMD_GET_PROTMEM_CONFIG)) {
		for (uint32_t i = 0; i < 4; i++) {
			ans.args.direct.payload[i + 1] = a.out[i];
		}
	}
	if (rheap_ffa_call_pack(&ans, resp) != 0) {
		memset(resp, 0, sizeof(*resp));
		return -EINVAL;
	}
	return 0;
}
