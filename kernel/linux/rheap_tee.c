// SPDX-License-Identifier: GPL-2.0-only
/*
 * rheap_tee: the module's TEE driver (docs/tee.md, "The Linux TEE
 * driver"). /dev/tee0 (and /dev/teepriv0) of the kernel's TEE subsystem
 * with the SDP partition as the only trusted application, as rheapd's
 * ktee (src/kernel/ktee.c) is in user space:
 *
 *   - sessions open to the SDP partition's UUID (module parameter
 *     tee_uuid) or to OP-TEE's sdp_basic TA UUID, PUBLIC or USER login;
 *   - INJECT (0), TRANSFORM (1), DUMP (2) become SDP_CMD_INJECT /
 *     TRANSFORM / DUMP through the SDP parameter area, one call per piece
 *     (a piece lies in one extent of the restricted buffer and fits the
 *     area's data part);
 *   - DECRYPT (0x100, include/rheap/sdp_ta.h) becomes SDP_CMD_DECRYPT,
 *     one call per piece of the sample: a sample larger than the area's
 *     data part is split where the protected bytes before the cut are a
 *     multiple of the AES block, the IV's counter advanced (as ktee);
 *   - restricted buffers arrive as tee_shm objects registered with
 *     TEE_IOC_SHM_REGISTER_FD (kernel/linux/patches/0090): only our
 *     heaps' dma-bufs are accepted, mapped to SDP buffer IDs and offsets
 *     with rheap_heap_buf_extents(); NS memory is pool memory
 *     (TEE_IOC_SHM_ALLOC: pages of the kernel, mapped by the client).
 *
 * Every check happens before any byte moves (the same order as ktee):
 * memref bounds (the TEE core refuses a range past its tee_shm with
 * -EINVAL; a size 0 is BAD_PARAMETERS from the TEE here), the command's
 * parameter types (BAD_PARAMETERS from the TA), then restricted/NS
 * where each is required (BAD_PARAMETERS from the TEE), output size
 * (SHORT_BUFFER from the TA).
 *
 * Locking: one mutex per device serializes the parameter area (its
 * writes, the SDP call, its reads): an invocation holds it throughout.
 * Each context's sessions are an IDR under the context's own mutex.
 */
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tee_drv.h>
#include <linux/uuid.h>

#include <rheap/sdp_abi.h>
#include <rheap/sdp_decrypt.h>
#include <rheap/sdp_ta.h>

#include "rheap_heap.h"
#include "rheap_sec.h"

/* TEE_IOC_VERSION impl_id: "RH" (OP-TEE is 1, AMD-TEE 2). */
#define RHEAP_TEE_IMPL_ID 0x5248u

/* GlobalPlatform results and origins (the TEE Client API's values). */
#define RT_SUCCESS 0x00000000u
#define RT_ERROR_GENERIC 0xFFFF0000u
#define RT_ERROR_ACCESS_DENIED 0xFFFF0001u
#define RT_ERROR_EXCESS_DATA 0xFFFF0004u
#define RT_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define RT_ERROR_ITEM_NOT_FOUND 0xFFFF0008u
#define RT_ERROR_NOT_SUPPORTED 0xFFFF000Au
#define RT_ERROR_OUT_OF_MEMORY 0xFFFF000Cu
#define RT_ERROR_BUSY 0xFFFF000Du
#define RT_ERROR_SHORT_BUFFER 0xFFFF0010u
#define RT_ERROR_TARGET_DEAD 0xFFFF3024u
#define RT_ORIGIN_COMMS 2u
#define RT_ORIGIN_TEE 3u
#define RT_ORIGIN_TRUSTED_APP 4u

/* GP parameters per operation. */
#define RHEAP_TEE_PARAMS 4u

/* Sessions per context. */
#define RHEAP_TEE_MAX_SESSIONS 64

/* Parameter area: the SDP parameter struct at 0, DECRYPT's subsample map
 * at 128 (SDP_MAX_SUBSAMPLES x 8 = 2 KiB), NS bytes from 4 KiB.
 */
#define RHEAP_TEE_AREA_PARAM_OFF 0u
#define RHEAP_TEE_AREA_MAP_OFF 128u
#define RHEAP_TEE_AREA_DATA_OFF 4096u

/* Largest pool allocation: one physically contiguous block. */
#define RHEAP_TEE_SHM_MAX (PAGE_SIZE << (MAX_ORDER - 1))

static const uuid_t rheap_tee_sdp_basic =
	UUID_INIT(0x12345678, 0x5b69, 0x11e4,
		  0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99);

static char *tee_uuid = "5d0c6a1e-8f3b-4c27-9a6e-2b1f7d40c3a9";
module_param(tee_uuid, charp, 0444);
MODULE_PARM_DESC(tee_uuid, "the SDP partition's UUID (TEE sessions)");

/**
 * struct rheap_tee - the driver
 * @sec:      the secure-world backend
 * @teedev:   /dev/tee*
 * @privdev:  /dev/teepriv*
 * @pool:     NS shared memory (pages of the kernel)
 * @area_mu:  serializes the SDP parameter area
 * @sdp_uuid: the SDP partition's UUID
 */
struct rheap_tee {
	struct rheap_sec *sec;
	struct tee_device *teedev;
	struct tee_device *privdev;
	struct tee_shm_pool pool;
	struct mutex area_mu;
	uuid_t sdp_uuid;
};

/**
 * struct rheap_tee_ctx - one open /dev/tee* file
 * @mu:       guards @sessions
 * @sessions: open session IDs (no payload)
 */
struct rheap_tee_ctx {
	struct mutex mu;
	struct idr sessions;
};

/**
 * struct rheap_tee_ref - one checked memref of an invocation
 * @used:       the parameter is a memref
 * @restricted: a registered restricted dma-buf
 * @kaddr:      NS: the bytes (pool memory); NULL for restricted
 * @ext:        restricted: the buffer's extents
 * @ext_count:  entries in @ext
 * @offset:     first byte inside the tee_shm
 * @size:       bytes
 */
struct rheap_tee_ref {
	bool used;
	bool restricted;
	u8 *kaddr;
	const struct rheap_buf_extent *ext;
	u32 ext_count;
	u64 offset;
	u64 size;
};

/**
 * struct rheap_tee_decrypt - a checked DECRYPT request
 * @dc:  the request (rheap/sdp_decrypt.h)
 * @raw: parameter 2 as fetched once from the client's memory
 */
struct rheap_tee_decrypt {
	struct sdp_decrypt dc;
	u8 raw[SDP_DECRYPT_INFO_MAX];
};

static struct rheap_tee *rheap_tee_drv;

/* ---------------------------------------------------------------------- */
/* Pool: page blocks of the kernel, mapped by the client through mmap.     */

static int rheap_tee_pool_alloc(struct tee_shm_pool *pool, struct tee_shm *shm,
				size_t size, size_t align)
{
	size_t sz = PAGE_ALIGN(size ? size : 1);
	void *va;

	if (size > RHEAP_TEE_SHM_MAX)
		return -ENOMEM;
	va = alloc_pages_exact(sz, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!va)
		return -ENOMEM;
	shm->kaddr = va;
	shm->paddr = virt_to_phys(va);
	shm->size = sz;
	return 0;
}

static void rheap_tee_pool_free(struct tee_shm_pool *pool,
				struct tee_shm *shm)
{
	free_pages_exact(shm->kaddr, shm->size);
	shm->kaddr = NULL;
}

static void rheap_tee_pool_destroy(struct tee_shm_pool *pool)
{
	/* Embedded in struct rheap_tee: nothing to free. */
}

static const struct tee_shm_pool_ops rheap_tee_pool_ops = {
	.alloc = rheap_tee_pool_alloc,
	.free = rheap_tee_pool_free,
	.destroy_pool = rheap_tee_pool_destroy,
};

/* ---------------------------------------------------------------------- */
/* Contexts and sessions.                                                  */

static void rheap_tee_get_version(struct tee_device *teedev,
				  struct tee_ioctl_version_data *vers)
{
	vers->impl_id = RHEAP_TEE_IMPL_ID;
	vers->impl_caps = 0;
	vers->gen_caps = TEE_GEN_CAP_GP;
}

static int rheap_tee_open(struct tee_context *ctx)
{
	struct rheap_tee_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	mutex_init(&c->mu);
	idr_init(&c->sessions);
	ctx->data = c;
	return 0;
}

static void rheap_tee_release(struct tee_context *ctx)
{
	struct rheap_tee_ctx *c = ctx->data;

	if (!c)
		return;
	idr_destroy(&c->sessions);
	mutex_destroy(&c->mu);
	kfree(c);
	ctx->data = NULL;
}

static bool rheap_tee_session_ok(struct tee_context *ctx, u32 session)
{
	struct rheap_tee_ctx *c = ctx->data;
	bool ok;

	if (session == 0 || session > INT_MAX)
		return false;
	mutex_lock(&c->mu);
	ok = idr_find(&c->sessions, session) != NULL;
	mutex_unlock(&c->mu);
	return ok;
}

static void rheap_tee_result(u32 *ret, u32 *origin, u32 r, u32 o)
{
	*ret = r;
	*origin = o;
}

static int rheap_tee_open_session(struct tee_context *ctx,
				  struct tee_ioctl_open_session_arg *arg,
				  struct tee_param *param)
{
	struct rheap_tee *t = tee_get_drvdata(ctx->teedev);
	struct rheap_tee_ctx *c = ctx->data;
	uuid_t uuid;
	u32 i;
	int id;

	import_uuid(&uuid, arg->uuid);
	arg->session = 0;
	for (i = 0; i < arg->num_params; i++) {
		if (param[i].attr != TEE_IOCTL_PARAM_ATTR_TYPE_NONE) {
			/* The SDP partition's sessions take no parameters. */
			rheap_tee_result(&arg->ret, &arg->ret_origin,
					 RT_ERROR_BAD_PARAMETERS,
					 RT_ORIGIN_TEE);
			return 0;
		}
	}
	if (!uuid_equal(&uuid, &t->sdp_uuid) &&
	    !uuid_equal(&uuid, &rheap_tee_sdp_basic)) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_ITEM_NOT_FOUND, RT_ORIGIN_TEE);
		return 0;
	}
	if (arg->clnt_login != TEE_IOCTL_LOGIN_PUBLIC &&
	    arg->clnt_login != TEE_IOCTL_LOGIN_USER) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_NOT_SUPPORTED, RT_ORIGIN_TEE);
		return 0;
	}
	if (rheap_sec_dead(t->sec)) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_TARGET_DEAD, RT_ORIGIN_COMMS);
		return 0;
	}
	mutex_lock(&c->mu);
	id = idr_alloc(&c->sessions, c, 1, RHEAP_TEE_MAX_SESSIONS + 1,
		       GFP_KERNEL);
	mutex_unlock(&c->mu);
	if (id < 0) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_OUT_OF_MEMORY, RT_ORIGIN_TEE);
		return 0;
	}
	arg->session = id;
	rheap_tee_result(&arg->ret, &arg->ret_origin, RT_SUCCESS,
			 RT_ORIGIN_TRUSTED_APP);
	return 0;
}

static int rheap_tee_close_session(struct tee_context *ctx, u32 session)
{
	struct rheap_tee_ctx *c = ctx->data;

	if (session == 0 || session > INT_MAX)
		return -EINVAL;
	mutex_lock(&c->mu);
	if (!idr_remove(&c->sessions, session)) {
		mutex_unlock(&c->mu);
		return -EINVAL;
	}
	mutex_unlock(&c->mu);
	return 0;
}

static int rheap_tee_cancel_req(struct tee_context *ctx, u32 cancel_id,
				u32 session)
{
	/* Every invocation runs to completion in the caller's ioctl: by
	 * the time a cancel arrives nothing is pending. Accepted, no
	 * effect, as the GP spec allows.
	 */
	return rheap_tee_session_ok(ctx, session) ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------------- */
/* Registered dma-bufs.                                                    */

/* Our heaps' buffer with extents adding up to its size, or -EINVAL. */
static int rheap_tee_extents(struct dma_buf *dmabuf,
			     const struct rheap_buf_extent **ext, u32 *count)
{
	u64 total = 0;
	u32 use_case;
	u32 i;
	int rc;

	rc = rheap_heap_buf_extents(dmabuf, ext, count, &use_case);
	if (rc)
		return rc;
	if (*count == 0 || !*ext)
		return -EINVAL;
	for (i = 0; i < *count; i++) {
		if ((*ext)[i].buf_id == SDP_BUF_ID_PARAM ||
		    (*ext)[i].size == 0 ||
		    (*ext)[i].size > U64_MAX - total)
			return -EINVAL;
		total += (*ext)[i].size;
	}
	return total == dmabuf->size ? 0 : -EINVAL;
}

static int rheap_tee_shm_register_fd(struct tee_context *ctx,
				     struct tee_shm *shm)
{
	const struct rheap_buf_extent *ext;
	u32 count;

	/* Only our restricted heaps' dma-bufs (the TEE core holds the
	 * dma-buf reference until the tee_shm dies).
	 */
	return rheap_tee_extents(shm->dmabuf, &ext, &count);
}

/* ---------------------------------------------------------------------- */
/* SDP calls.                                                              */

static void rheap_tee_put_memref(u8 *p, u32 buf_id, u64 offset, u64 size)
{
	struct sdp_abi_memref m = {
		.buf_id = buf_id,
		.offset = offset,
		.size = size,
	};

	memcpy(p, &m, sizeof(m));
}

/* Byte @pos of a restricted memref's buffer: SDP buffer ID, offset in
 * it, bytes left in that extent.
 */
static int rheap_tee_extent_at(const struct rheap_tee_ref *r, u64 pos,
			       u32 *buf_id, u64 *offset, u64 *left)
{
	u32 i;

	for (i = 0; i < r->ext_count; i++) {
		const struct rheap_buf_extent *e = &r->ext[i];

		if (pos < e->size) {
			*buf_id = e->buf_id;
			*offset = e->offset + pos;
			*left = e->size - pos;
			return 0;
		}
		pos -= e->size;
	}
	return -EINVAL;
}

/*
 * One copy or transform over @n bytes, piece by piece (@t->area_mu held):
 * INJECT @ns -> @sec; TRANSFORM @sec in place; DUMP @sec -> @ns.
 */
static int rheap_tee_run(struct rheap_tee *t, u32 cmd,
			 const struct rheap_tee_ref *ns,
			 const struct rheap_tee_ref *sec, u64 n)
{
	phys_addr_t pa;
	size_t area_size;
	void *va;
	u8 *area;
	u64 cap;
	u64 pos = 0;
	int rc;

	rheap_sec_param_area(t->sec, &va, &pa, &area_size);
	area = va;
	if (area_size <= RHEAP_TEE_AREA_DATA_OFF)
		return -ENOMEM;
	cap = area_size - RHEAP_TEE_AREA_DATA_OFF;
	while (pos < n) {
		u32 args[4] = { RHEAP_TEE_AREA_PARAM_OFF, 0, 0, 0 };
		u8 *p = area + RHEAP_TEE_AREA_PARAM_OFF;
		u64 piece = n - pos;
		u64 off;
		u64 left;
		u32 id;

		rc = rheap_tee_extent_at(sec, sec->offset + pos, &id, &off,
					 &left);
		if (rc)
			return rc;
		piece = min(piece, left);
		if (cmd != SDP_CMD_TRANSFORM)
			piece = min(piece, cap);
		if (cmd == SDP_CMD_TRANSFORM) {
			rheap_tee_put_memref(p, id, off, piece);
			args[1] = sizeof(struct sdp_abi_transform_param);
		} else if (cmd == SDP_CMD_INJECT) {
			memcpy(area + RHEAP_TEE_AREA_DATA_OFF, ns->kaddr + pos,
			       piece);
			rheap_tee_put_memref(p, SDP_BUF_ID_PARAM,
					     RHEAP_TEE_AREA_DATA_OFF, piece);
			rheap_tee_put_memref(p + sizeof(struct sdp_abi_memref),
					     id, off, piece);
			args[1] = sizeof(struct sdp_abi_copy_param);
		} else {
			rheap_tee_put_memref(p, id, off, piece);
			rheap_tee_put_memref(p + sizeof(struct sdp_abi_memref),
					     SDP_BUF_ID_PARAM,
					     RHEAP_TEE_AREA_DATA_OFF, piece);
			args[1] = sizeof(struct sdp_abi_copy_param);
		}
		rc = rheap_sec_sdp_call(t->sec, cmd, args, NULL);
		if (rc)
			return rc;
		if (cmd == SDP_CMD_DUMP)
			memcpy(ns->kaddr + pos, area + RHEAP_TEE_AREA_DATA_OFF,
			       piece);
		pos += piece;
	}
	return 0;
}

/* The one table from SDP status to GP result (origin TRUSTED_APP: the
 * partition is the TA); a dead transport is TARGET_DEAD from COMMS.
 */
static void rheap_tee_sdp_result(struct rheap_tee *t, int rc, u32 *ret,
				 u32 *origin)
{
	static const struct {
		int err;
		u32 ret;
	} map[] = {
		{ 0, RT_SUCCESS },
		{ -EINVAL, RT_ERROR_BAD_PARAMETERS },
		{ -EPERM, RT_ERROR_ACCESS_DENIED },
		{ -ENOENT, RT_ERROR_ITEM_NOT_FOUND },
		{ -ENOMEM, RT_ERROR_OUT_OF_MEMORY },
		{ -EBUSY, RT_ERROR_BUSY },
		{ -ENOSPC, RT_ERROR_SHORT_BUFFER },
		{ -EOVERFLOW, RT_ERROR_EXCESS_DATA },
		{ -EOPNOTSUPP, RT_ERROR_NOT_SUPPORTED },
	};
	size_t i;

	if (rc == -EIO || rheap_sec_dead(t->sec)) {
		rheap_tee_result(ret, origin, RT_ERROR_TARGET_DEAD,
				 RT_ORIGIN_COMMS);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].err == rc) {
			rheap_tee_result(ret, origin, map[i].ret,
					 RT_ORIGIN_TRUSTED_APP);
			return;
		}
	}
	rheap_tee_result(ret, origin, RT_ERROR_GENERIC, RT_ORIGIN_TRUSTED_APP);
}

/* ---------------------------------------------------------------------- */
/* Invocations.                                                            */

static u32 rheap_tee_type(const struct tee_param *p)
{
	return p->attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK;
}

static bool rheap_tee_is_memref(u32 type)
{
	return type >= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT &&
	       type <= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

/*
 * Resolve the memrefs. Return false for BAD_PARAMETERS (origin TEE): a
 * META attribute, a memref of size 0 or without a tee_shm, a range past
 * its tee_shm (the core checked it already), a tee_shm that is neither a
 * registered restricted dma-buf nor pool memory.
 */
static bool rheap_tee_refs(const struct tee_param *param,
			   struct rheap_tee_ref refs[RHEAP_TEE_PARAMS])
{
	u32 i;

	for (i = 0; i < RHEAP_TEE_PARAMS; i++) {
		const struct tee_param *p = &param[i];
		struct rheap_tee_ref *r = &refs[i];
		struct tee_shm *shm;
		u64 offs;
		u64 size;

		if (p->attr & ~(u64)TEE_IOCTL_PARAM_ATTR_TYPE_MASK)
			return false;
		if (!rheap_tee_is_memref(rheap_tee_type(p)))
			continue;
		shm = p->u.memref.shm;
		offs = p->u.memref.shm_offs;
		size = p->u.memref.size;
		if (!shm || size == 0 || offs > shm->size ||
		    size > shm->size - offs)
			return false;
		r->used = true;
		r->offset = offs;
		r->size = size;
		if (shm->flags & TEE_SHM_DMA_BUF) {
			if (rheap_tee_extents(shm->dmabuf, &r->ext,
					      &r->ext_count))
				return false;
			r->restricted = true;
		} else if ((shm->flags & TEE_SHM_POOL) && shm->kaddr) {
			r->kaddr = (u8 *)shm->kaddr + offs;
		} else {
			return false;
		}
	}
	return true;
}

/* The command's parameter types, as the TA checks them. */
static bool rheap_tee_types_ok(u32 cmd, const struct tee_param *param)
{
	u32 t0 = rheap_tee_type(&param[0]);
	u32 t1 = rheap_tee_type(&param[1]);
	u32 t2 = rheap_tee_type(&param[2]);
	u32 t3 = rheap_tee_type(&param[3]);

	if (cmd == SDP_TA_CMD_DECRYPT)
		return t0 == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT &&
		       t1 == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT &&
		       t2 == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT &&
		       t3 == TEE_IOCTL_PARAM_ATTR_TYPE_NONE;
	if (t2 != TEE_IOCTL_PARAM_ATTR_TYPE_NONE ||
	    t3 != TEE_IOCTL_PARAM_ATTR_TYPE_NONE)
		return false;
	switch (cmd) {
	case SDP_TA_CMD_INJECT:
	case SDP_TA_CMD_DUMP:
		return t0 == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT &&
		       t1 == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	case SDP_TA_CMD_TRANSFORM:
		return t0 == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT &&
		       t1 == TEE_IOCTL_PARAM_ATTR_TYPE_NONE;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------------- */
/* DECRYPT.                                                                */

/*
 * Parameter 2, fetched once into @dc->raw, then decoded and checked by
 * sdp_decrypt_parse (BAD_PARAMETERS from the TA when malformed).
 */
static bool rheap_tee_decrypt_parse(const struct rheap_tee_ref *info, u64 n,
				    struct rheap_tee_decrypt *dc)
{
	if (info->size < sizeof(struct sdp_ta_decrypt_info) ||
	    info->size > sizeof(dc->raw))
		return false;
	memcpy(dc->raw, info->kaddr, info->size);
	return sdp_decrypt_parse(&dc->dc, dc->raw, info->size, n) == 0;
}

/*
 * Decrypt the plan's piece (its start a keystream block boundary, its IV
 * advanced: rheap/sdp_decrypt.h) from @in into restricted extent @id at
 * @off + the piece's start (@t->area_mu held): one SDP_CMD_DECRYPT.
 */
static int rheap_tee_decrypt_piece(struct rheap_tee *t,
				   const struct sdp_decrypt *dc,
				   const struct sdp_decrypt_plan *pl,
				   const u8 *in, u32 id, u64 off)
{
	u32 args[4] = { RHEAP_TEE_AREA_PARAM_OFF,
			sizeof(struct sdp_abi_decrypt_param), 0, 0 };
	struct sdp_abi_decrypt_param d = { };
	u64 s = pl->start;
	u64 e = pl->end;
	phys_addr_t pa;
	size_t area_size;
	void *va;
	u8 *area;
	u32 count = 0;

	rheap_sec_param_area(t->sec, &va, &pa, &area_size);
	area = va;
	memcpy(d.iv, pl->iv, sizeof(d.iv));
	d.iv_size = pl->iv_size;
	if (dc->sub_count)
		count = sdp_decrypt_piece_map(dc, s, e,
					      area + RHEAP_TEE_AREA_MAP_OFF);
	memcpy(area + RHEAP_TEE_AREA_DATA_OFF, in + s, e - s);
	d.in.buf_id = SDP_BUF_ID_PARAM;
	d.in.offset = RHEAP_TEE_AREA_DATA_OFF;
	d.in.size = e - s;
	d.out.buf_id = id;
	d.out.offset = off + s;
	d.out.size = e - s;
	memcpy(d.kid, dc->kid, sizeof(d.kid));
	d.subsample_count = count;
	d.subsample_offset = count ? RHEAP_TEE_AREA_MAP_OFF : 0;
	memcpy(area + RHEAP_TEE_AREA_PARAM_OFF, &d, sizeof(d));
	return rheap_sec_sdp_call(t->sec, SDP_CMD_DECRYPT, args, NULL);
}

/*
 * Run the sample through SDP_CMD_DECRYPT in pieces that fit the parameter
 * area (@t->area_mu held; the split plan: rheap/sdp_decrypt.h). Return
 * -EOVERFLOW when the sample does not split. @dry: only walk the pieces
 * (no SDP call), so that an unsplittable sample is refused before any
 * byte is written.
 */
static int rheap_tee_decrypt_run(struct rheap_tee *t,
				 const struct sdp_decrypt *dc,
				 const u8 *in, u64 n, u32 id, u64 off, bool dry)
{
	struct sdp_decrypt_plan pl;
	phys_addr_t pa;
	size_t area_size;
	void *va;
	int rc;

	rheap_sec_param_area(t->sec, &va, &pa, &area_size);
	if (area_size <= RHEAP_TEE_AREA_DATA_OFF)
		return -ENOMEM;
	sdp_decrypt_plan_init(&pl, dc, n, area_size - RHEAP_TEE_AREA_DATA_OFF);
	while ((rc = sdp_decrypt_plan_next(&pl)) > 0) {
		if (dry)
			continue;
		rc = rheap_tee_decrypt_piece(t, dc, &pl, in, id, off);
		if (rc)
			return rc;
	}
	return rc;
}

/*
 * DECRYPT, checked in ktee's order before any byte moves: NS input and
 * info, restricted output (BAD_PARAMETERS from the TEE); the info and map
 * (BAD_PARAMETERS from the TA); the output's size (SHORT_BUFFER); the
 * output inside one extent (BAD_PARAMETERS from the TEE); a sample that
 * splits (EXCESS_DATA). The partition then checks the key and the use
 * case.
 */
static void rheap_tee_decrypt(struct rheap_tee *t,
			      struct tee_ioctl_invoke_arg *arg,
			      struct tee_param *param,
			      const struct rheap_tee_ref refs[RHEAP_TEE_PARAMS])
{
	struct rheap_tee_decrypt *dc;
	u64 n = refs[0].size;
	u64 off;
	u64 left;
	u32 id;
	int rc;

	if (!refs[0].used || refs[0].restricted || !refs[1].restricted ||
	    !refs[2].used || refs[2].restricted) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_BAD_PARAMETERS, RT_ORIGIN_TEE);
		return;
	}
	dc = kzalloc(sizeof(*dc), GFP_KERNEL);
	if (!dc) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_OUT_OF_MEMORY, RT_ORIGIN_TEE);
		return;
	}
	if (!rheap_tee_decrypt_parse(&refs[2], n, dc)) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_BAD_PARAMETERS,
				 RT_ORIGIN_TRUSTED_APP);
		goto out_free;
	}
	if (refs[1].size < n) {
		param[1].u.memref.size = n;
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_SHORT_BUFFER, RT_ORIGIN_TRUSTED_APP);
		goto out_free;
	}
	/* The output lies in one extent (one SDP piece) of the buffer. */
	if (rheap_tee_extent_at(&refs[1], refs[1].offset, &id, &off, &left) ||
	    left < n) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_BAD_PARAMETERS, RT_ORIGIN_TEE);
		goto out_free;
	}
	mutex_lock(&t->area_mu);
	rc = rheap_tee_decrypt_run(t, &dc->dc, refs[0].kaddr, n, id, off,
				   true);
	if (rc == 0)
		rc = rheap_tee_decrypt_run(t, &dc->dc, refs[0].kaddr, n, id,
					   off, false);
	mutex_unlock(&t->area_mu);
	rheap_tee_sdp_result(t, rc, &arg->ret, &arg->ret_origin);
	if (rc == 0)
		param[1].u.memref.size = n;
out_free:
	kfree(dc);
}

static void rheap_tee_execute(struct rheap_tee *t,
			      struct tee_ioctl_invoke_arg *arg,
			      struct tee_param *param,
			      const struct rheap_tee_ref refs[RHEAP_TEE_PARAMS])
{
	u32 cmd = arg->func;
	bool ns0 = refs[0].used && !refs[0].restricted;
	bool ns1 = refs[1].used && !refs[1].restricted;
	int rc;

	if (cmd > SDP_TA_CMD_DUMP && cmd != SDP_TA_CMD_DECRYPT) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_NOT_SUPPORTED, RT_ORIGIN_TRUSTED_APP);
		return;
	}
	if (!rheap_tee_types_ok(cmd, param)) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_BAD_PARAMETERS,
				 RT_ORIGIN_TRUSTED_APP);
		return;
	}
	if (cmd == SDP_TA_CMD_DECRYPT) {
		rheap_tee_decrypt(t, arg, param, refs);
		return;
	}
	/* Secure and non-secure where each is required, before any byte
	 * moves (the partition would refuse the same).
	 */
	if ((cmd == SDP_TA_CMD_INJECT && (!ns0 || !refs[1].restricted)) ||
	    (cmd == SDP_TA_CMD_TRANSFORM && !refs[0].restricted) ||
	    (cmd == SDP_TA_CMD_DUMP && (!refs[0].restricted || !ns1))) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_BAD_PARAMETERS, RT_ORIGIN_TEE);
		return;
	}
	if (cmd != SDP_TA_CMD_TRANSFORM && refs[1].size < refs[0].size) {
		param[1].u.memref.size = refs[0].size;
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_SHORT_BUFFER, RT_ORIGIN_TRUSTED_APP);
		return;
	}
	mutex_lock(&t->area_mu);
	switch (cmd) {
	case SDP_TA_CMD_INJECT:
		rc = rheap_tee_run(t, SDP_CMD_INJECT, &refs[0], &refs[1],
				   refs[0].size);
		break;
	case SDP_TA_CMD_TRANSFORM:
		rc = rheap_tee_run(t, SDP_CMD_TRANSFORM, NULL, &refs[0],
				   refs[0].size);
		break;
	default:
		rc = rheap_tee_run(t, SDP_CMD_DUMP, &refs[1], &refs[0],
				   refs[0].size);
		break;
	}
	mutex_unlock(&t->area_mu);
	rheap_tee_sdp_result(t, rc, &arg->ret, &arg->ret_origin);
	if (rc == 0 && cmd != SDP_TA_CMD_TRANSFORM)
		param[1].u.memref.size = refs[0].size;
}

static int rheap_tee_invoke(struct tee_context *ctx,
			    struct tee_ioctl_invoke_arg *arg,
			    struct tee_param *param)
{
	struct rheap_tee *t = tee_get_drvdata(ctx->teedev);
	struct rheap_tee_ref refs[RHEAP_TEE_PARAMS] = { };
	struct tee_param p4[RHEAP_TEE_PARAMS] = { };
	u32 i;

	if (!rheap_tee_session_ok(ctx, arg->session)) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_ITEM_NOT_FOUND, RT_ORIGIN_TEE);
		return 0;
	}
	/* GP operations have four parameters; fewer are NONE, more are
	 * refused.
	 */
	if (arg->num_params > RHEAP_TEE_PARAMS) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_BAD_PARAMETERS, RT_ORIGIN_TEE);
		return 0;
	}
	for (i = 0; i < arg->num_params; i++)
		p4[i] = param[i];
	if (!rheap_tee_refs(p4, refs)) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_BAD_PARAMETERS, RT_ORIGIN_TEE);
		return 0;
	}
	if (rheap_sec_dead(t->sec)) {
		rheap_tee_result(&arg->ret, &arg->ret_origin,
				 RT_ERROR_TARGET_DEAD, RT_ORIGIN_COMMS);
		return 0;
	}
	rheap_tee_execute(t, arg, p4, refs);
	for (i = 0; i < arg->num_params; i++)
		param[i].u = p4[i].u;
	return 0;
}

static const struct tee_driver_ops rheap_tee_ops = {
	.get_version = rheap_tee_get_version,
	.open = rheap_tee_open,
	.release = rheap_tee_release,
	.open_session = rheap_tee_open_session,
	.close_session = rheap_tee_close_session,
	.invoke_func = rheap_tee_invoke,
	.cancel_req = rheap_tee_cancel_req,
	.shm_register_fd = rheap_tee_shm_register_fd,
};

static const struct tee_desc rheap_tee_desc = {
	.name = "rheap-tee",
	.ops = &rheap_tee_ops,
	.owner = THIS_MODULE,
};

static const struct tee_desc rheap_tee_priv_desc = {
	.name = "rheap-teepriv",
	.ops = &rheap_tee_ops,
	.owner = THIS_MODULE,
	.flags = TEE_DESC_PRIVILEGED,
};

/* ---------------------------------------------------------------------- */
/* Init and exit (rheap_sec.h's hooks).                                    */

int rheap_tee_init(struct rheap_sec *sec)
{
	struct rheap_tee *t;
	int rc;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->sec = sec;
	mutex_init(&t->area_mu);
	t->pool.ops = &rheap_tee_pool_ops;
	rc = uuid_parse(tee_uuid, &t->sdp_uuid);
	if (rc) {
		pr_err("rheap: tee_uuid '%s' is not a UUID\n", tee_uuid);
		goto err_free;
	}
	t->teedev = tee_device_alloc(&rheap_tee_desc, NULL, &t->pool, t);
	if (IS_ERR(t->teedev)) {
		rc = PTR_ERR(t->teedev);
		goto err_free;
	}
	t->privdev = tee_device_alloc(&rheap_tee_priv_desc, NULL, &t->pool, t);
	if (IS_ERR(t->privdev)) {
		rc = PTR_ERR(t->privdev);
		goto err_unreg_teedev;
	}
	rc = tee_device_register(t->teedev);
	if (rc)
		goto err_unreg_privdev;
	rc = tee_device_register(t->privdev);
	if (rc)
		goto err_unreg_privdev;
	rheap_tee_drv = t;
	pr_info("rheap: TEE device registered (SDP partition %pUb)\n",
		&t->sdp_uuid);
	return 0;

err_unreg_privdev:
	tee_device_unregister(t->privdev);
err_unreg_teedev:
	tee_device_unregister(t->teedev);
err_free:
	mutex_destroy(&t->area_mu);
	kfree(t);
	return rc;
}

void rheap_tee_exit(void)
{
	struct rheap_tee *t = rheap_tee_drv;

	if (!t)
		return;
	/* Waits for every open context and tee_shm to go. */
	tee_device_unregister(t->privdev);
	tee_device_unregister(t->teedev);
	mutex_destroy(&t->area_mu);
	kfree(t);
	rheap_tee_drv = NULL;
}
