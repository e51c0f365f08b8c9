// SPDX-License-Identifier: GPL-2.0-only
/*
 * rheap_sec: the secure-world backend (API: rheap_sec.h), independent of
 * the transport (rheap_sec_internal.h). The kernel-side twin of rheapd's
 * src/kernel/ksec.c: the same FF-A messages, the same SDP commands.
 *
 * The parameter area: RHEAP_SEC_PARAM_SIZE bytes of RAM, physically
 * contiguous, zeroed, FFA_MEM_SHAREd with the SDP partition and
 * registered with SDP_CMD_REGISTER_PARAM_SHM at create; unregistered and
 * reclaimed at destroy (leaked if the secure world does not give it back).
 *
 * A lent chunk, as the backend sees it (the caller holds the handle; the
 * backend only remembers handles whose RELEASE went through):
 *
 *   (none) --chunk_lend: LEND ok, ASSIGN ok--> ASSIGNED
 *   (none) --LEND ok, ASSIGN failed--> RECLAIM --> (none) (error returned)
 *   ASSIGNED --chunk_reclaim: RELEASE ok, RECLAIM ok--> (none)
 *   ASSIGNED --RELEASE ok, RECLAIM failed--> RELEASED (remembered)
 *   RELEASED --chunk_reclaim: RECLAIM only--> (none)
 *   ASSIGNED --RELEASE failed (-EBUSY: attached)--> ASSIGNED
 *
 * Dead: the first -EIO from the transport is sticky; every later call
 * answers -EIO without touching the transport.
 */
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include <rheap/ffa_abi.h>
#include <rheap/sdp_abi.h>

#include "rheap_sec_internal.h"

#define RHEAP_SEC_PARAM_ORDER get_order(RHEAP_SEC_PARAM_SIZE)
/* Handles remembered as RELEASED at most (ksec's bound). */
#define RHEAP_SEC_RELEASED_MAX 4096u

/**
 * struct rheap_sec - the backend
 * @lock:             one call at a time; guards everything below
 * @ops:              the transport
 * @ctx:              its context
 * @sdp_id:           the SDP partition's endpoint ID
 * @dead:             the transport failed (sticky)
 * @param_pages:      the parameter area's pages
 * @param_handle:     its SHARE handle
 * @param_shared:     the SHARE went through
 * @param_registered: REGISTER_PARAM_SHM went through
 * @released:         handles whose RELEASE succeeded and RECLAIM did not
 * @released_count:   entries in @released
 * @released_cap:     allocated entries
 */
struct rheap_sec {
	struct mutex lock;
	const struct rheap_sec_ops *ops;
	void *ctx;
	u16 sdp_id;
	bool dead;
	struct page *param_pages;
	u64 param_handle;
	bool param_shared;
	bool param_registered;
	u64 *released;
	u32 released_count;
	u32 released_cap;
};

/* The SDP partition (platforms/linux-guest.dts, default.dts). */
const uuid_t rheap_sdp_uuid =
	UUID_INIT(0x5d0c6a1e, 0x8f3b, 0x4c27,
		  0x9a, 0x6e, 0x2b, 0x1f, 0x7d, 0x40, 0xc3, 0xa9);

static DEFINE_MUTEX(rheap_sec_pub_lock);
static struct rheap_sec *rheap_sec_pub;
static int rheap_sec_pub_err = -ENODEV;

struct rheap_sec *rheap_sec_get(void)
{
	struct rheap_sec *sec;

	mutex_lock(&rheap_sec_pub_lock);
	sec = rheap_sec_pub ? rheap_sec_pub : ERR_PTR(rheap_sec_pub_err);
	mutex_unlock(&rheap_sec_pub_lock);
	return sec;
}

void rheap_sec_set_probe_error(int err)
{
	mutex_lock(&rheap_sec_pub_lock);
	rheap_sec_pub_err = err;
	mutex_unlock(&rheap_sec_pub_lock);
}

int rheap_sec_ffa_errno(s32 status)
{
	switch (status) {
	case FFA_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case FFA_INVALID_PARAMETERS:
		return -EINVAL;
	case FFA_NO_MEMORY:
		return -ENOMEM;
	case FFA_BUSY:
	case FFA_RETRY:
		return -EBUSY;
	case FFA_INTERRUPTED:
		return -EINTR;
	case FFA_DENIED:
		return -EPERM;
	case FFA_ABORTED:
		return -ECANCELED;
	case FFA_NO_DATA:
		return -ENODATA;
	case FFA_NOT_READY:
		return -EAGAIN;
	default:
		return -EPROTO;
	}
}

bool rheap_sec_dead(struct rheap_sec *sec)
{
	bool dead;

	mutex_lock(&sec->lock);
	dead = sec->dead;
	mutex_unlock(&sec->lock);
	return dead;
}

u16 rheap_sec_sdp_id(struct rheap_sec *sec)
{
	return sec->sdp_id;
}

/* Note a transport failure behind @rc. Called with the lock held. */
static int rheap_sec_rc(struct rheap_sec *sec, int rc)
{
	if (rc == -EIO && !sec->dead) {
		sec->dead = true;
		pr_err("rheap: %s transport failed: secure world unreachable from now on\n",
		       sec->ops->name);
	}
	return rc;
}

/* The SDP status word as an errno; anything else is a malformed answer. */
static int rheap_sec_status(u32 w3)
{
	switch (w3) {
	case SDP_STATUS_OK:
		return 0;
	case SDP_STATUS_EPERM:
	case SDP_STATUS_ENOENT:
	case SDP_STATUS_ENOMEM:
	case SDP_STATUS_EBUSY:
	case SDP_STATUS_EINVAL:
	case SDP_STATUS_ENOSPC:
	case SDP_STATUS_EOVERFLOW:
	case SDP_STATUS_EOPNOTSUPP:
		return (s32)w3;
	default:
		return -EPROTO;
	}
}

/*
 * One SDP direct request, lock held. @res may be NULL; zeroed on error,
 * except GET_PROTMEM_CONFIG's -ENOENT (which carries the count).
 */
static int rheap_sec_sdp_locked(struct rheap_sec *sec, u32 cmd,
				const u32 args[4], u32 res[4])
{
	u32 req[5] = { cmd, args[0], args[1], args[2], args[3] };
	u32 resp[5] = { 0 };
	int rc, i;

	if (res)
		memset(res, 0, 4 * sizeof(res[0]));
	if (sec->dead)
		return -EIO;
	rc = rheap_sec_rc(sec, sec->ops->direct(sec->ctx, sec->sdp_id, req,
						  resp));
	if (rc)
		return rc;
	rc = rheap_sec_status(resp[0]);
	if (rc == -EPROTO) {
		pr_err("rheap: SDP command 0x%04x: status 0x%08x is not one of the ABI's\n",
		       cmd & SDP_CMD_MASK, resp[0]);
		return rc;
	}
	if (res && (rc == 0 || ((cmd & SDP_CMD_MASK) ==
				SDP_CMD_GET_PROTMEM_CONFIG && rc == -ENOENT))) {
		for (i = 0; i < 4; i++)
			res[i] = resp[i + 1];
	}
	return rc;
}

static int rheap_sec_sdp(struct rheap_sec *sec, u32 cmd, u32 w4, u32 w5,
			 u32 w6, u32 w7, u32 res[4])
{
	const u32 args[4] = { w4, w5, w6, w7 };

	return rheap_sec_sdp_locked(sec, cmd, args, res);
}

int rheap_sec_sdp_call(struct rheap_sec *sec, u32 cmd, const u32 args[4],
		       u32 res[4])
{
	int rc;

	mutex_lock(&sec->lock);
	rc = rheap_sec_sdp_locked(sec, cmd, args, res);
	mutex_unlock(&sec->lock);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Setup and teardown.                                                     */

static int rheap_sec_param_setup(struct rheap_sec *sec)
{
	u32 res[4];
	int rc;

	rc = rheap_sec_sdp(sec, SDP_CMD_GET_VERSION, 0, 0, 0, 0, res);
	if (rc) {
		pr_err("rheap: SDP GET_VERSION: %d\n", rc);
		return rc;
	}
	if (res[0] != SDP_ABI_VERSION_MAJOR) {
		pr_err("rheap: SDP ABI %u.%u, major %u needed\n", res[0],
		       res[1], SDP_ABI_VERSION_MAJOR);
		return -EOPNOTSUPP;
	}
	sec->param_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO,
				       RHEAP_SEC_PARAM_ORDER);
	if (!sec->param_pages)
		return -ENOMEM;
	rc = rheap_sec_rc(sec, sec->ops->share(sec->ctx, sec->sdp_id,
					       page_to_phys(sec->param_pages),
					       RHEAP_SEC_PARAM_SIZE /
						       FFA_PAGE_SIZE,
					       &sec->param_handle));
	if (rc) {
		pr_err("rheap: FFA_MEM_SHARE of the parameter area: %d\n", rc);
		return rc;
	}
	sec->param_shared = true;
	rc = rheap_sec_sdp(sec, SDP_CMD_REGISTER_PARAM_SHM,
			   lower_32_bits(sec->param_handle),
			   upper_32_bits(sec->param_handle), 0, 0, res);
	if (rc) {
		pr_err("rheap: SDP REGISTER_PARAM_SHM: %d\n", rc);
		return rc;
	}
	sec->param_registered = true;
	return 0;
}

static void rheap_sec_param_teardown(struct rheap_sec *sec)
{
	int rc;

	if (sec->param_registered && !sec->dead) {
		rc = rheap_sec_sdp(sec, SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0,
				   0, NULL);
		if (rc)
			pr_warn("rheap: SDP UNREGISTER_PARAM_SHM: %d\n", rc);
	}
	sec->param_registered = false;
	if (sec->param_shared) {
		rc = sec->dead ? -EIO :
			rheap_sec_rc(sec, sec->ops->reclaim(sec->ctx,
							    sec->param_handle));
		if (rc) {
			pr_warn("rheap: parameter area not reclaimed (%d): leaked\n",
				rc);
			sec->param_pages = NULL;
		}
		sec->param_shared = false;
	}
	if (sec->param_pages)
		__free_pages(sec->param_pages, RHEAP_SEC_PARAM_ORDER);
	sec->param_pages = NULL;
}

int rheap_sec_create(const struct rheap_sec_ops *ops, void *ctx, u16 sdp_id,
		     struct rheap_sec **out)
{
	struct rheap_sec *sec;
	int rc;

	if (!(sdp_id & FFA_ID_SECURE_BIT))
		return -EINVAL;
	sec = kzalloc(sizeof(*sec), GFP_KERNEL);
	if (!sec)
		return -ENOMEM;
	mutex_init(&sec->lock);
	sec->ops = ops;
	sec->ctx = ctx;
	sec->sdp_id = sdp_id;
	sec->param_handle = FFA_HANDLE_INVALID;
	mutex_lock(&sec->lock);
	rc = rheap_sec_param_setup(sec);
	if (rc)
		rheap_sec_param_teardown(sec);
	mutex_unlock(&sec->lock);
	if (rc)
		goto err_free;
	mutex_lock(&rheap_sec_pub_lock);
	if (rheap_sec_pub) {
		rc = -EBUSY;
	} else {
		rheap_sec_pub = sec;
		rheap_sec_pub_err = -ENODEV;
	}
	mutex_unlock(&rheap_sec_pub_lock);
	if (rc) {
		mutex_lock(&sec->lock);
		rheap_sec_param_teardown(sec);
		mutex_unlock(&sec->lock);
		goto err_free;
	}
	pr_info("rheap: secure world ready over %s: SDP partition 0x%04x, parameter area %u KiB\n",
		ops->name, sdp_id, RHEAP_SEC_PARAM_SIZE / 1024);
	*out = sec;
	return 0;

err_free:
	mutex_destroy(&sec->lock);
	kfree(sec);
	return rc;
}

void rheap_sec_destroy(struct rheap_sec *sec)
{
	if (!sec)
		return;
	mutex_lock(&rheap_sec_pub_lock);
	if (rheap_sec_pub == sec)
		rheap_sec_pub = NULL;
	mutex_unlock(&rheap_sec_pub_lock);
	mutex_lock(&sec->lock);
	rheap_sec_param_teardown(sec);
	if (sec->released_count)
		pr_warn("rheap: %u released chunks never reclaimed: leaked\n",
			sec->released_count);
	mutex_unlock(&sec->lock);
	kfree(sec->released);
	mutex_destroy(&sec->lock);
	kfree(sec);
}

void rheap_sec_param_area(struct rheap_sec *sec, void **va, phys_addr_t *pa,
			  size_t *size)
{
	*va = page_address(sec->param_pages);
	*pa = page_to_phys(sec->param_pages);
	*size = RHEAP_SEC_PARAM_SIZE;
}

/* ---------------------------------------------------------------------- */
/* Configuration queries.                                                  */

int rheap_sec_protmem_range(struct rheap_sec *sec, u32 use_case, u32 index,
			    u32 *count, u64 *base, u64 *size)
{
	u32 res[4];
	int rc;

	mutex_lock(&sec->lock);
	rc = rheap_sec_sdp(sec, SDP_CMD_GET_PROTMEM_CONFIG, use_case, index,
			   0, 0, res);
	mutex_unlock(&sec->lock);
	if (rc == 0 || rc == -ENOENT)
		*count = res[0];
	if (rc)
		return rc;
	if (index >= res[0] || res[3] == 0) {
		pr_err("rheap: SDP GET_PROTMEM_CONFIG: range %u of %u, %u pages\n",
		       index, res[0], res[3]);
		return -EPROTO;
	}
	*base = (u64)res[2] << 32 | res[1];
	*size = (u64)res[3] * SDP_PAGE_SIZE;
	if (*base % SDP_PAGE_SIZE || *base + *size < *base) {
		pr_err("rheap: SDP GET_PROTMEM_CONFIG: range 0x%llx + 0x%llx\n",
		       (unsigned long long)*base, (unsigned long long)*size);
		return -EPROTO;
	}
	return 0;
}

int rheap_sec_lend_config(struct rheap_sec *sec, u32 use_case,
			  u64 *min_chunk, u64 *alignment, u32 *pool_count)
{
	u32 res[4];
	int rc;

	mutex_lock(&sec->lock);
	rc = rheap_sec_sdp(sec, SDP_CMD_GET_LEND_CONFIG, use_case, 0, 0, 0,
			   res);
	mutex_unlock(&sec->lock);
	if (rc)
		return rc;
	if (res[2] && (res[0] == 0 || res[1] == 0 ||
		       !is_power_of_2(res[1]))) {
		pr_err("rheap: SDP GET_LEND_CONFIG: chunk %u pages, alignment %u pages\n",
		       res[0], res[1]);
		return -EPROTO;
	}
	*min_chunk = (u64)res[0] * SDP_PAGE_SIZE;
	*alignment = (u64)res[1] * SDP_PAGE_SIZE;
	*pool_count = res[2];
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Chunks.                                                                 */

static int rheap_sec_released_find(const struct rheap_sec *sec, u64 handle)
{
	u32 i;

	for (i = 0; i < sec->released_count; i++)
		if (sec->released[i] == handle)
			return (int)i;
	return -1;
}

static void rheap_sec_released_add(struct rheap_sec *sec, u64 handle)
{
	if (sec->released_count == sec->released_cap) {
		u32 cap = sec->released_cap ? sec->released_cap * 2 : 8;
		u64 *n;

		if (cap > RHEAP_SEC_RELEASED_MAX)
			return;
		n = krealloc_array(sec->released, cap, sizeof(*n),
				   GFP_KERNEL);
		if (!n)
			return;
		sec->released = n;
		sec->released_cap = cap;
	}
	sec->released[sec->released_count++] = handle;
}

static void rheap_sec_released_del(struct rheap_sec *sec, int idx)
{
	sec->released[idx] = sec->released[sec->released_count - 1];
	sec->released_count--;
}

int rheap_sec_chunk_lend(struct rheap_sec *sec, u32 use_case,
			 const struct rheap_sec_range *ranges, u32 n,
			 u64 *handle, u32 *buf_id)
{
	u64 h = FFA_HANDLE_INVALID, pages = 0;
	u32 res[4];
	u32 i;
	int rc, rc2;

	if (!ranges || n == 0 || n > RHEAP_SEC_MAX_RANGES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (ranges[i].pa % FFA_PAGE_SIZE || ranges[i].pages == 0)
			return -EINVAL;
		pages += ranges[i].pages;
	}
	mutex_lock(&sec->lock);
	if (sec->dead) {
		rc = -EIO;
		goto out;
	}
	rc = rheap_sec_rc(sec, sec->ops->lend(sec->ctx, sec->sdp_id, use_case,
					      ranges, n, &h));
	if (rc) {
		pr_err("rheap: FFA_MEM_LEND of %u ranges (use case %u): %d\n",
		       n, use_case, rc);
		goto out;
	}
	rc = rheap_sec_sdp(sec, SDP_CMD_ASSIGN, lower_32_bits(h),
			   upper_32_bits(h), use_case, 0, res);
	if (!rc && (res[0] == SDP_BUF_ID_PARAM ||
		    res[0] & SDP_BUF_ID_STATIC_BIT || res[1] != pages)) {
		/* Not a chunk's ID, or not the chunk we lent: give it back. */
		pr_err("rheap: SDP ASSIGN of handle 0x%llx: buffer 0x%x of %u pages (%llu lent)\n",
		       (unsigned long long)h, res[0], res[1], pages);
		rc = -EPROTO;
		rc2 = rheap_sec_sdp(sec, SDP_CMD_RELEASE, lower_32_bits(h),
				    upper_32_bits(h), 0, 0, NULL);
		if (rc2) {
			pr_err("rheap: SDP RELEASE of handle 0x%llx: %d: its pages stay lent\n",
			       (unsigned long long)h, rc2);
			goto out;
		}
	}
	if (rc) {
		if (rc != -EPROTO)
			pr_err("rheap: SDP ASSIGN of handle 0x%llx: %d\n",
			       (unsigned long long)h, rc);
		rc2 = sec->dead ? -EIO :
			rheap_sec_rc(sec, sec->ops->reclaim(sec->ctx, h));
		if (rc2)
			pr_err("rheap: FFA_MEM_RECLAIM of unassigned handle 0x%llx: %d: its pages stay lent\n",
			       (unsigned long long)h, rc2);
		goto out;
	}
	*handle = h;
	*buf_id = res[0];
out:
	mutex_unlock(&sec->lock);
	return rc;
}

int rheap_sec_chunk_reclaim(struct rheap_sec *sec, u64 handle)
{
	bool released = false;
	int idx, rc;

	if (handle == FFA_HANDLE_INVALID)
		return -EINVAL;
	mutex_lock(&sec->lock);
	if (sec->dead) {
		rc = -EIO;
		goto out;
	}
	idx = rheap_sec_released_find(sec, handle);
	if (idx < 0) {
		rc = rheap_sec_sdp(sec, SDP_CMD_RELEASE, lower_32_bits(handle),
				   upper_32_bits(handle), 0, 0, NULL);
		released = !rc;
		/*
		 * -ENOENT: the partition does not hold it (released before
		 * and forgotten): the RECLAIM says whether it exists.
		 */
		if (rc && rc != -ENOENT) {
			if (rc != -EBUSY)
				pr_err("rheap: SDP RELEASE of handle 0x%llx: %d\n",
				       (unsigned long long)handle, rc);
			goto out;
		}
	}
	rc = sec->dead ? -EIO :
		rheap_sec_rc(sec, sec->ops->reclaim(sec->ctx, handle));
	if (rc) {
		pr_err("rheap: FFA_MEM_RECLAIM of handle 0x%llx: %d\n",
		       (unsigned long long)handle, rc);
		if (released)
			rheap_sec_released_add(sec, handle);
		goto out;
	}
	if (idx >= 0)
		rheap_sec_released_del(sec, idx);
out:
	mutex_unlock(&sec->lock);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Buffers.                                                                */

static int rheap_sec_pages(u64 off, u64 size, u32 *off_pages,
			   u32 *size_pages)
{
	if (off % SDP_PAGE_SIZE || size % SDP_PAGE_SIZE || size == 0)
		return -EINVAL;
	if (off / SDP_PAGE_SIZE > U32_MAX || size / SDP_PAGE_SIZE > U32_MAX)
		return -EOVERFLOW;
	*off_pages = (u32)(off / SDP_PAGE_SIZE);
	*size_pages = (u32)(size / SDP_PAGE_SIZE);
	return 0;
}

int rheap_sec_scrub(struct rheap_sec *sec, u32 buf_id, u64 off, u64 size)
{
	u32 op, sp;
	int rc;

	rc = rheap_sec_pages(off, size, &op, &sp);
	if (rc)
		return rc;
	mutex_lock(&sec->lock);
	rc = rheap_sec_sdp(sec, SDP_CMD_SCRUB, buf_id, op, sp, 0, NULL);
	mutex_unlock(&sec->lock);
	return rc;
}

int rheap_sec_attach(struct rheap_sec *sec, u32 buf_id, u64 off, u64 size,
		     u32 stream_id, bool write, u64 *iova)
{
	u32 flags = write ? SDP_ATTACH_FLAG_WRITE : 0;
	u32 res[4];
	u32 op, sp;
	int rc;

	rc = rheap_sec_pages(off, size, &op, &sp);
	if (rc)
		return rc;
	mutex_lock(&sec->lock);
	rc = rheap_sec_sdp(sec, SDP_CMD_ATTACH | flags << SDP_CMD_FLAGS_SHIFT,
			   buf_id, op, sp, stream_id, res);
	mutex_unlock(&sec->lock);
	if (rc)
		return rc;
	*iova = (u64)res[1] << 32 | res[0];
	return 0;
}

int rheap_sec_detach(struct rheap_sec *sec, u32 stream_id, u64 iova)
{
	int rc;

	mutex_lock(&sec->lock);
	rc = rheap_sec_sdp(sec, SDP_CMD_DETACH, stream_id, lower_32_bits(iova),
			   upper_32_bits(iova), 0, NULL);
	mutex_unlock(&sec->lock);
	return rc;
}

int rheap_sec_id_get(struct rheap_sec *sec, const char **name, u32 *version,
		     u16 *id)
{
	int rc;

	*name = sec->ops->name;
	mutex_lock(&sec->lock);
	rc = sec->dead ? -EIO :
		rheap_sec_rc(sec, sec->ops->id_get(sec->ctx, version, id));
	mutex_unlock(&sec->lock);
	return rc;
}
