// SPDX-License-Identifier: GPL-2.0-only
/*
 * FF-A as an NW endpoint over a register conduit (rheap_ffa_conduit.h):
 * the calls are packed and the answers checked with the project's FF-A
 * codecs (src/ffa), the same ones the board's SPMC decodes them with.
 *
 * Everything the other side writes (the answer registers, the RX buffer)
 * is untrusted: an answer of the wrong kind, with a set MBZ bit, naming
 * the wrong endpoints or out of bounds is -EPROTO, logged with the call.
 * The RX buffer is copied out once before it is parsed.
 *
 * Buffers: the TX and RX pages are one order-n block of RAM (2 x 4 KiB,
 * FFA_PAGE_SIZE); their physical addresses are what RXTX_MAP names.
 * A memory transaction descriptor larger than the TX buffer goes in
 * fragments: the first with MEM_SHARE/LEND, the rest with FFA_MEM_FRAG_TX
 * each time the other side answers FFA_MEM_FRAG_RX with the offset it has
 * received; a transaction that fails half-sent is abandoned with
 * FFA_MEM_RECLAIM.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#include "rheap_ffa_conduit.h"

/* FF-A v1.1 partition information descriptor (Table 13.37). */
#define RHEAP_PINFO_SIZE_MIN 24u
#define RHEAP_PINFO_ID 0u
#define RHEAP_PINFO_UUID 8u

#define RHEAP_RXTX_ORDER get_order(2 * FFA_PAGE_SIZE)

static const char *rheap_ffa_name(u32 func)
{
	const char *n = rheap_ffa_func_name(func);

	return n ? n : "FFA_?";
}

/*
 * Pack @call and run it; the raw answer in @regs. FFA_ERROR is returned as
 * an errno; any other answer is the caller's to check.
 */
static int rheap_ffa_do(struct rheap_ffa_conduit *c,
			const struct rheap_ffa_call *call,
			struct rheap_ffa_regs *regs)
{
	s32 st;
	int rc;

	rc = rheap_ffa_call_pack(call, regs);
	if (rc) {
		pr_err("rheap: %s: cannot pack the call (%d)\n",
		       rheap_ffa_name(call->func), rc);
		return rc;
	}
	rc = c->call(c->ctx, regs);
	if (rc)
		return rc;
	if ((u32)regs->x[0] != FFA_ERROR)
		return 0;
	st = (s32)(u32)regs->x[2];
	rc = rheap_sec_ffa_errno(st);
	pr_err_ratelimited("rheap: %s: FFA_ERROR %s (%d) -> %d\n",
			   rheap_ffa_name(call->func),
			   rheap_ffa_status_name(st) ?: "unknown", st, rc);
	return rc;
}

/*
 * Check that @regs is a well-formed answer of kind @want (or, for
 * FFA_SUCCESS_32, either success width) and decode it into @ans.
 */
static int rheap_ffa_expect(u32 func, const struct rheap_ffa_regs *regs,
			    u32 want, struct rheap_ffa_call *ans)
{
	struct rheap_diag diag = { 0 };
	u32 got = (u32)regs->x[0];

	if (got != want &&
	    !(want == FFA_SUCCESS_32 && got == FFA_SUCCESS_64)) {
		pr_err("rheap: %s: answered 0x%08x (%s), expected %s\n",
		       rheap_ffa_name(func), got,
		       rheap_ffa_func_name(got) ?: "unknown",
		       rheap_ffa_name(want));
		return -EPROTO;
	}
	if (rheap_ffa_call_unpack(regs, ans, &diag)) {
		pr_err("rheap: %s: malformed %s: %s = 0x%llx %s\n",
		       rheap_ffa_name(func), rheap_ffa_name(got),
		       diag.field ?: "?", (unsigned long long)diag.value,
		       diag.reason ?: "");
		return -EPROTO;
	}
	return 0;
}

/* A call whose answer must be FFA_SUCCESS; @ans may be NULL. */
static int rheap_ffa_success(struct rheap_ffa_conduit *c,
			     const struct rheap_ffa_call *call,
			     struct rheap_ffa_call *ans)
{
	struct rheap_ffa_regs regs;
	struct rheap_ffa_call tmp;
	int rc;

	rc = rheap_ffa_do(c, call, &regs);
	if (rc)
		return rc;
	return rheap_ffa_expect(call->func, &regs, FFA_SUCCESS_32,
				ans ? ans : &tmp);
}

int rheap_ffa_conduit_id_get(struct rheap_ffa_conduit *c, u16 *id)
{
	struct rheap_ffa_call call = { .func = FFA_ID_GET };
	struct rheap_ffa_call ans;
	int rc;

	rc = rheap_ffa_success(c, &call, &ans);
	if (rc)
		return rc;
	if (ans.args.success.result[0] > U16_MAX) {
		pr_err("rheap: FFA_ID_GET: w2 0x%llx is not an endpoint ID\n",
		       (unsigned long long)ans.args.success.result[0]);
		return -EPROTO;
	}
	*id = (u16)ans.args.success.result[0];
	return 0;
}

static int rheap_ffa_version(struct rheap_ffa_conduit *c)
{
	struct rheap_ffa_call call = { .func = FFA_VERSION };
	struct rheap_ffa_regs regs;
	u32 v = 0;
	int rc;

	call.args.version.version = FFA_VERSION_1_2;
	rc = rheap_ffa_do(c, &call, &regs);
	if (rc)
		return rc;
	if (rheap_ffa_version_ret_unpack(&regs, &v, NULL)) {
		pr_err("rheap: FFA_VERSION: malformed answer 0x%llx\n",
		       (unsigned long long)regs.x[0]);
		return -EPROTO;
	}
	if (v == RHEAP_FFA_VERSION_NOT_SUPPORTED ||
	    v >> FFA_VERSION_MAJOR_SHIFT != 1 || v < FFA_VERSION_1_1) {
		pr_err("rheap: FFA_VERSION: the other side speaks 0x%08x; 1.1 or later needed\n",
		       v);
		return -EOPNOTSUPP;
	}
	c->version = v >= FFA_VERSION_1_2 ? FFA_VERSION_1_2 : FFA_VERSION_1_1;
	return 0;
}

static int rheap_ffa_rxtx_map(struct rheap_ffa_conduit *c)
{
	struct rheap_ffa_call call = { .func = FFA_RXTX_MAP_64 };
	phys_addr_t pa;
	int rc;

	c->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, RHEAP_RXTX_ORDER);
	if (!c->pages)
		return -ENOMEM;
	c->tx = page_address(c->pages);
	c->rx = c->tx + FFA_PAGE_SIZE;
	pa = page_to_phys(c->pages);
	call.args.rxtx_map.tx_address = pa;
	call.args.rxtx_map.rx_address = pa + FFA_PAGE_SIZE;
	call.args.rxtx_map.page_count = 1;
	rc = rheap_ffa_success(c, &call, NULL);
	if (rc)
		return rc;
	c->rxtx_mapped = true;
	return 0;
}

static int rheap_ffa_rx_release(struct rheap_ffa_conduit *c)
{
	struct rheap_ffa_call call = { .func = FFA_RX_RELEASE };

	return rheap_ffa_success(c, &call, NULL);
}

/* Parse the partition information descriptors copied out of RX. */
static int rheap_ffa_pinfo_find(const u8 *buf, u32 count, u32 size,
				const u8 uuid[16], u16 *id)
{
	u32 i;

	for (i = 0; i < count; i++) {
		const u8 *d = buf + (size_t)i * size;
		u16 pid = get_unaligned_le16(d + RHEAP_PINFO_ID);

		if (memcmp(d + RHEAP_PINFO_UUID, uuid, 16))
			continue;
		if (!(pid & FFA_ID_SECURE_BIT) || pid == FFA_ID_SPMC) {
			pr_err("rheap: FFA_PARTITION_INFO_GET: ID 0x%04x is not a secure partition\n",
			       pid);
			return -EPROTO;
		}
		*id = pid;
		return 0;
	}
	return -ENODEV;
}

static int rheap_ffa_find_sdp(struct rheap_ffa_conduit *c, const u8 uuid[16])
{
	struct rheap_ffa_call call = { .func = FFA_PARTITION_INFO_GET };
	struct rheap_ffa_call ans;
	u64 count, size;
	int rc, rc2, i;
	u8 *copy;

	for (i = 0; i < 4; i++)
		call.args.partition_info.uuid[i] =
			get_unaligned_le32(uuid + 4 * i);
	rc = rheap_ffa_success(c, &call, &ans);
	if (rc)
		return rc == -EINVAL ? -ENODEV : rc;
	count = ans.args.success.result[0];
	size = ans.args.success.result[1];
	if (count == 0 || size < RHEAP_PINFO_SIZE_MIN ||
	    size > FFA_PAGE_SIZE || count > FFA_PAGE_SIZE / size) {
		pr_err("rheap: FFA_PARTITION_INFO_GET: %llu descriptors of %llu bytes do not fit the RX buffer\n",
		       (unsigned long long)count, (unsigned long long)size);
		rc = -EPROTO;
		goto out_release;
	}
	copy = kmemdup(c->rx, count * size, GFP_KERNEL);
	if (!copy) {
		rc = -ENOMEM;
		goto out_release;
	}
	rc = rheap_ffa_pinfo_find(copy, (u32)count, (u32)size, uuid,
				  &c->sdp_id);
	kfree(copy);
out_release:
	rc2 = rheap_ffa_rx_release(c);
	return rc ? rc : rc2;
}

int rheap_ffa_conduit_negotiate(struct rheap_ffa_conduit *c,
				const u8 uuid[16])
{
	int rc;

	rc = rheap_ffa_version(c);
	if (rc)
		return rc;
	rc = rheap_ffa_conduit_id_get(c, &c->ep);
	if (rc)
		return rc;
	if (c->ep & FFA_ID_SECURE_BIT || c->ep == FFA_ID_HYPERVISOR) {
		pr_err("rheap: FFA_ID_GET: 0x%04x is not an NW endpoint ID\n",
		       c->ep);
		return -EPROTO;
	}
	if (c->ep != 0x0001)
		pr_warn("rheap: FFA_ID_GET: endpoint 0x%04x (0x0001 expected)\n",
			c->ep);
	rc = rheap_ffa_rxtx_map(c);
	if (rc)
		return rc;
	rc = rheap_ffa_find_sdp(c, uuid);
	if (rc == -ENODEV)
		pr_err("rheap: no SDP partition %pUb\n", uuid);
	return rc;
}

void rheap_ffa_conduit_release(struct rheap_ffa_conduit *c, bool dead)
{
	struct rheap_ffa_call call = { .func = FFA_RXTX_UNMAP };

	if (c->rxtx_mapped) {
		if (dead || rheap_ffa_success(c, &call, NULL)) {
			pr_warn("rheap: RX/TX buffers not unmapped: leaked\n");
			c->pages = NULL;
		}
		c->rxtx_mapped = false;
	}
	if (c->pages)
		__free_pages(c->pages, RHEAP_RXTX_ORDER);
	c->pages = NULL;
	c->tx = NULL;
	c->rx = NULL;
}

/* ---------------------------------------------------------------------- */
/* The rheap_sec transport ops.                                            */

static int rheap_ffa_direct(void *ctx, u16 dst, const u32 req[5], u32 resp[5])
{
	struct rheap_ffa_conduit *c = ctx;
	struct rheap_ffa_call call = { .func = FFA_MSG_SEND_DIRECT_REQ_32 };
	struct rheap_ffa_call ans;
	struct rheap_ffa_regs regs;
	int rc, i;

	call.args.direct.sender_id = c->ep;
	call.args.direct.receiver_id = dst;
	for (i = 0; i < 5; i++)
		call.args.direct.payload[i] = req[i];
	rc = rheap_ffa_do(c, &call, &regs);
	if (rc)
		return rc;
	rc = rheap_ffa_expect(call.func, &regs, FFA_MSG_SEND_DIRECT_RESP_32,
			      &ans);
	if (rc)
		return rc;
	if (ans.args.direct.sender_id != dst ||
	    ans.args.direct.receiver_id != c->ep || ans.args.direct.flags) {
		pr_err("rheap: direct response from 0x%04x to 0x%04x flags 0x%x (expected 0x%04x to 0x%04x, 0)\n",
		       ans.args.direct.sender_id, ans.args.direct.receiver_id,
		       ans.args.direct.flags, dst, c->ep);
		return -EPROTO;
	}
	for (i = 0; i < 5; i++)
		resp[i] = (u32)ans.args.direct.payload[i];
	return 0;
}

/*
 * Send the encoded descriptor @desc (@len bytes) in TX-sized fragments.
 * A transaction the other side has accepted fragments of (it named a
 * handle in a well-formed FFA_MEM_FRAG_RX) and that then fails is
 * abandoned with FFA_MEM_RECLAIM of that handle, so that it does not stay
 * half-sent; a handle from a malformed answer is never used.
 */
static int rheap_ffa_send_frags(struct rheap_ffa_conduit *c, u32 func,
				const u8 *desc, size_t len, u64 *handle)
{
	struct rheap_ffa_call call = { .func = func };
	struct rheap_ffa_call ans;
	struct rheap_ffa_regs regs;
	u64 frag_handle = FFA_HANDLE_INVALID;
	u32 first = func;
	size_t frag = 0, off;
	int rc;

	rc = rheap_ffa_frag_first_size(desc, len, FFA_PAGE_SIZE, &frag);
	if (rc)
		return rc;
	memcpy(c->tx, desc, frag);
	call.args.mem_xfer.total_length = (u32)len;
	call.args.mem_xfer.fragment_length = (u32)frag;
	off = frag;
	for (;;) {
		u32 got;

		rc = rheap_ffa_do(c, &call, &regs);
		if (rc)
			break;
		got = (u32)regs.x[0];
		if (got == FFA_SUCCESS_32 || got == FFA_SUCCESS_64) {
			rc = rheap_ffa_expect(func, &regs, FFA_SUCCESS_32,
					      &ans);
			if (rc)
				break;
			*handle = (ans.args.success.result[0] & U32_MAX) |
				  (ans.args.success.result[1] & U32_MAX) << 32;
			if (off != len || *handle == FFA_HANDLE_INVALID ||
			    (frag_handle != FFA_HANDLE_INVALID &&
			     *handle != frag_handle)) {
				pr_err("rheap: %s: success after %zu of %zu bytes, handle 0x%llx\n",
				       rheap_ffa_name(func), off, len,
				       (unsigned long long)*handle);
				rc = -EPROTO;
			}
			break;
		}
		rc = rheap_ffa_expect(func, &regs, FFA_MEM_FRAG_RX, &ans);
		if (rc)
			break;
		if (ans.args.frag.value != off || off >= len ||
		    ans.args.frag.sender_id ||
		    ans.args.frag.handle == FFA_HANDLE_INVALID ||
		    (frag_handle != FFA_HANDLE_INVALID &&
		     ans.args.frag.handle != frag_handle)) {
			pr_err("rheap: %s: FFA_MEM_FRAG_RX offset %u (sent %zu of %zu)\n",
			       rheap_ffa_name(func), ans.args.frag.value, off,
			       len);
			rc = -EPROTO;
			break;
		}
		frag_handle = ans.args.frag.handle;
		rc = rheap_ffa_frag_next_size(len, off, FFA_PAGE_SIZE, &frag);
		if (rc)
			break;
		memcpy(c->tx, desc + off, frag);
		call = (struct rheap_ffa_call){ .func = FFA_MEM_FRAG_TX };
		call.args.frag.handle = frag_handle;
		call.args.frag.value = (u32)frag;
		func = FFA_MEM_FRAG_TX;
		off += frag;
	}
	if (rc && rc != -EIO && frag_handle != FFA_HANDLE_INVALID) {
		call = (struct rheap_ffa_call){ .func = FFA_MEM_RECLAIM };
		call.args.reclaim.handle = frag_handle;
		if (rheap_ffa_success(c, &call, NULL))
			pr_err("rheap: %s: transaction 0x%llx not abandoned\n",
			       rheap_ffa_name(first),
			       (unsigned long long)frag_handle);
	}
	return rc;
}

static int rheap_ffa_mem_send(struct rheap_ffa_conduit *c, u32 func,
			      const struct rheap_ffa_mem *mem, u64 *handle)
{
	struct rheap_diag diag = { 0 };
	size_t size = 0;
	u8 *desc;
	int len, rc;

	rc = rheap_ffa_mem_encoded_size(mem, &size);
	if (rc)
		return rc;
	desc = kmalloc(size, GFP_KERNEL);
	if (!desc)
		return -ENOMEM;
	len = rheap_ffa_mem_encode(mem, desc, size, &diag);
	if (len < 0) {
		pr_err("rheap: %s: descriptor refused: %s = 0x%llx %s\n",
		       rheap_ffa_name(func), diag.field ?: "?",
		       (unsigned long long)diag.value, diag.reason ?: "");
		rc = len;
		goto out;
	}
	rc = rheap_ffa_send_frags(c, func, desc, (size_t)len, handle);
out:
	kfree(desc);
	return rc;
}

static int rheap_ffa_share(void *ctx, u16 dst, phys_addr_t pa, u32 pages,
			   u64 *handle)
{
	struct rheap_ffa_conduit *c = ctx;
	struct rheap_ffa_receiver rx = {
		.endpoint_id = dst,
		.permissions = FFA_DATA_ACCESS_RW,
	};
	struct rheap_ffa_range range = { .address = pa, .page_count = pages };
	struct rheap_ffa_mem mem = {
		.abi = RHEAP_FFA_ABI_SHARE,
		.version = c->version,
		.sender_id = c->ep,
		.attributes = FFA_MEM_ATTR_NORMAL_WB_ISH,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.total_page_count = pages,
		.range_count = 1,
		.ranges = &range,
		.range_cap = 1,
	};

	return rheap_ffa_mem_send(c, FFA_MEM_SHARE_64, &mem, handle);
}

static int rheap_ffa_lend(void *ctx, u16 dst, u64 tag,
			  const struct rheap_sec_range *ranges, u32 n,
			  u64 *handle)
{
	struct rheap_ffa_conduit *c = ctx;
	struct rheap_ffa_receiver rx = {
		.endpoint_id = dst,
		.permissions = FFA_DATA_ACCESS_RW,
	};
	struct rheap_ffa_mem mem = {
		.abi = RHEAP_FFA_ABI_LEND,
		.version = c->version,
		.sender_id = c->ep,
		.tag = tag,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.range_count = n,
		.range_cap = n,
	};
	struct rheap_ffa_range *r;
	u64 pages = 0;
	u32 i;
	int rc;

	r = kcalloc(n, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		r[i].address = ranges[i].pa;
		r[i].page_count = ranges[i].pages;
		pages += ranges[i].pages;
	}
	if (pages > U32_MAX) {
		rc = -EOVERFLOW;
		goto out;
	}
	mem.total_page_count = (u32)pages;
	mem.ranges = r;
	rc = rheap_ffa_mem_send(c, FFA_MEM_LEND_64, &mem, handle);
out:
	kfree(r);
	return rc;
}

static int rheap_ffa_reclaim(void *ctx, u64 handle)
{
	struct rheap_ffa_call call = { .func = FFA_MEM_RECLAIM };

	call.args.reclaim.handle = handle;
	return rheap_ffa_success(ctx, &call, NULL);
}

static int rheap_ffa_id_op(void *ctx, u32 *version, u16 *id)
{
	struct rheap_ffa_conduit *c = ctx;

	*version = c->version;
	return rheap_ffa_conduit_id_get(c, id);
}

const struct rheap_sec_ops rheap_ffa_conduit_ops = {
	.name = "ivshmem FF-A mailbox",
	.direct = rheap_ffa_direct,
	.share = rheap_ffa_share,
	.lend = rheap_ffa_lend,
	.reclaim = rheap_ffa_reclaim,
	.id_get = rheap_ffa_id_op,
};
