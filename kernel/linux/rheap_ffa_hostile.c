// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/debug/rheap/ffa_hostile: the FF-A conduit
 * (rheap_ffa_conduit.c) against a scripted, hostile other side. Each case
 * runs one entry point (the negotiation, a direct request, a one-range or
 * a 256-range LEND, a RECLAIM) over a fake conduit that answers from a
 * script, and checks the errno: malformed answers are -EPROTO, FF-A
 * errors their errno, a lost transport -EIO, well-formed exchanges 0.
 * Then the mailbox header checks (rheap_mbox_header_bad()) on crafted
 * mailboxes: magic, version, state and the board's peer ID.
 * No secure world is involved: it runs wherever the module loads.
 * Reading the file gives TAP lines and "# ffa_hostile: PASS|FAIL".
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include <rheap/ffa_abi.h>
#include <rheap/ffa_mailbox.h>
#include <rheap/ffa_regs.h>

#include "rheap_ffa_conduit.h"

#define RHEAP_HC_ANSWERS 8
#define RHEAP_HC_TEXT 8192u
#define RHEAP_HC_EP 0x0001u
#define RHEAP_HC_SDP 0x8001u
#define RHEAP_HC_IDS(from, to) ((u64)(from) << 16 | (to))

enum rheap_hc_entry { HC_NEG, HC_DIRECT, HC_LEND1, HC_LEND256, HC_RECLAIM };

/* What the fake writes into RX with a PARTITION_INFO_GET answer. */
enum rheap_hc_rx { RX_NONE, RX_GOOD, RX_NW_ID, RX_OTHER_UUID };

/**
 * struct rheap_hc_ans - one scripted answer
 * @x:      x0..x7 of the answer
 * @rc:     non-zero: the transport fails with it instead
 * @rx:     RX contents to write
 * @frx:    answer FFA_MEM_FRAG_RX: x3 = bytes sent so far + @x[3]
 */
struct rheap_hc_ans {
	u64 x[8];
	int rc;
	enum rheap_hc_rx rx;
	bool frx;
};

/**
 * struct rheap_hc_case - one case
 * @name:    what it shows
 * @entry:   the entry point run
 * @want:    its expected return
 * @a:       the answers, in order; past them every call gets FFA_SUCCESS
 * @abandon: a half-sent LEND must be abandoned with RECLAIM of handle 7
 */
struct rheap_hc_case {
	const char *name;
	enum rheap_hc_entry entry;
	int want;
	struct rheap_hc_ans a[RHEAP_HC_ANSWERS];
	bool abandon;
};

#define V(v) { .x = { (v) } }
#define S(w2, w3) { .x = { FFA_SUCCESS_32, 0, (w2), (w3) } }
#define E(st) { .x = { FFA_ERROR, 0, (u32)(st) } }
#define DR(ids, flags, w3) \
	{ .x = { FFA_MSG_SEND_DIRECT_RESP_32, (ids), (flags), (w3) } }
#define PI(count, size, what) \
	{ .x = { FFA_SUCCESS_32, 0, (count), (size) }, .rx = (what) }
#define FRX(hlo, delta) \
	{ .x = { FFA_MEM_FRAG_RX, (hlo), 0, (delta) }, .frx = true }
#define DR_OK DR(RHEAP_HC_IDS(RHEAP_HC_SDP, RHEAP_HC_EP), 0, 0)

static const struct rheap_hc_case rheap_hc_cases[] = {
	{ "VERSION 2.0 refused", HC_NEG, -EOPNOTSUPP, { V(0x20000) } },
	{ "VERSION 1.0 refused", HC_NEG, -EOPNOTSUPP, { V(0x10000) } },
	{ "VERSION NOT_SUPPORTED", HC_NEG, -EOPNOTSUPP, { V(0xffffffff) } },
	{ "VERSION with bit 31 and not NOT_SUPPORTED", HC_NEG, -EPROTO,
	  { V(0x80010001) } },
	{ "ID_GET answers a secure ID", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_2), S(0x8001, 0) } },
	{ "ID_GET answers the hypervisor ID", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_2), S(0, 0) } },
	{ "ID_GET w2 beyond 16 bits", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_2), S(0x10001, 0) } },
	{ "ID_GET answered with a direct response", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_2), DR_OK } },
	{ "RXTX_MAP DENIED", HC_NEG, -EPERM,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), E(FFA_DENIED) } },
	{ "PARTITION_INFO_GET: count beyond the RX page", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(1000, 24, RX_GOOD), S(0, 0) } },
	{ "PARTITION_INFO_GET: descriptor size 8", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(1, 8, RX_GOOD), S(0, 0) } },
	{ "PARTITION_INFO_GET: descriptor size beyond the page", HC_NEG,
	  -EPROTO, { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(1, 8192, RX_GOOD), S(0, 0) } },
	{ "PARTITION_INFO_GET: count 0", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(0, 24, RX_GOOD), S(0, 0) } },
	{ "PARTITION_INFO_GET: the UUID names an NW ID", HC_NEG, -EPROTO,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(1, 24, RX_NW_ID), S(0, 0) } },
	{ "PARTITION_INFO_GET: another UUID", HC_NEG, -ENODEV,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(1, 24, RX_OTHER_UUID), S(0, 0) } },
	{ "PARTITION_INFO_GET: INVALID_PARAMETERS (no such UUID)", HC_NEG,
	  -ENODEV, { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    E(FFA_INVALID_PARAMETERS) } },
	{ "RX_RELEASE DENIED", HC_NEG, -EPERM,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(1, 24, RX_GOOD), E(FFA_DENIED) } },
	{ "negotiation well-formed", HC_NEG, 0,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(1, 24, RX_GOOD), S(0, 0) } },
	{ "negotiation, 32-byte descriptors", HC_NEG, 0,
	  { V(FFA_VERSION_1_1), S(RHEAP_HC_EP, 0), S(0, 0),
	    PI(2, 32, RX_GOOD), S(0, 0) } },
	{ "direct: FFA_ERROR DENIED", HC_DIRECT, -EPERM, { E(FFA_DENIED) } },
	{ "direct: FFA_ERROR BUSY", HC_DIRECT, -EBUSY, { E(FFA_BUSY) } },
	{ "direct: unknown FF-A status", HC_DIRECT, -EPROTO, { E(-77) } },
	{ "direct: positive FF-A status", HC_DIRECT, -EPROTO, { E(5) } },
	{ "direct: from another partition", HC_DIRECT, -EPROTO,
	  { DR(RHEAP_HC_IDS(0x8002, RHEAP_HC_EP), 0, 0) } },
	{ "direct: to another endpoint", HC_DIRECT, -EPROTO,
	  { DR(RHEAP_HC_IDS(RHEAP_HC_SDP, 2), 0, 0) } },
	{ "direct: framework message", HC_DIRECT, -EPROTO,
	  { DR(RHEAP_HC_IDS(RHEAP_HC_SDP, RHEAP_HC_EP), 1u << 31, 0) } },
	{ "direct: MBZ bits in w2", HC_DIRECT, -EPROTO,
	  { DR(RHEAP_HC_IDS(RHEAP_HC_SDP, RHEAP_HC_EP), 0x100, 0) } },
	{ "direct: DIRECT_RESP_64 to a 32-bit request", HC_DIRECT, -EPROTO,
	  { { .x = { FFA_MSG_SEND_DIRECT_RESP_64,
		     RHEAP_HC_IDS(RHEAP_HC_SDP, RHEAP_HC_EP) } } } },
	{ "direct: FFA_SUCCESS instead of a response", HC_DIRECT, -EPROTO,
	  { S(0, 0) } },
	{ "direct: unknown function ID", HC_DIRECT, -EPROTO,
	  { V(0x84001234) } },
	{ "direct: transport lost", HC_DIRECT, -EIO, { { .rc = -EIO } } },
	{ "direct: well-formed", HC_DIRECT, 0, { DR_OK } },
	{ "LEND: handle FFA_HANDLE_INVALID", HC_LEND1, -EPROTO,
	  { S(0xffffffff, 0xffffffff) } },
	{ "LEND: FRAG_RX for a one-fragment descriptor", HC_LEND1, -EPROTO,
	  { FRX(7, 0) } },
	{ "LEND: NO_MEMORY", HC_LEND1, -ENOMEM, { E(FFA_NO_MEMORY) } },
	{ "LEND: well-formed, one fragment", HC_LEND1, 0, { S(7, 0) } },
	{ "LEND: FRAG_RX at a wrong offset", HC_LEND256, -EPROTO,
	  { FRX(7, 16) } },
	{ "LEND: FRAG_RX with a sender ID", HC_LEND256, -EPROTO,
	  { { .x = { FFA_MEM_FRAG_RX, 7, 0, 0, 0x80010000 }, .frx = true } } },
	{ "LEND: SUCCESS before the last fragment", HC_LEND256, -EPROTO,
	  { S(7, 0) } },
	{ "LEND: the handle changes between fragments", HC_LEND256, -EPROTO,
	  { FRX(7, 0), S(8, 0) }, true },
	{ "LEND: FRAG_RX after the last fragment", HC_LEND256, -EPROTO,
	  { FRX(7, 0), FRX(7, 0) }, true },
	{ "LEND: FRAG_TX refused NO_MEMORY, transaction abandoned",
	  HC_LEND256, -ENOMEM, { FRX(7, 0), E(FFA_NO_MEMORY) }, true },
	{ "LEND: FRAG_RX naming FFA_HANDLE_INVALID", HC_LEND256, -EPROTO,
	  { { .x = { FFA_MEM_FRAG_RX, 0xffffffff, 0xffffffff },
	      .frx = true } } },
	{ "LEND: well-formed, two fragments", HC_LEND256, 0,
	  { FRX(7, 0), S(7, 0) } },
	{ "RECLAIM: INVALID_PARAMETERS", HC_RECLAIM, -EINVAL,
	  { E(FFA_INVALID_PARAMETERS) } },
	{ "RECLAIM: DENIED", HC_RECLAIM, -EPERM, { E(FFA_DENIED) } },
	{ "RECLAIM: well-formed", HC_RECLAIM, 0, { S(0, 0) } },
};

/**
 * struct rheap_hc_fake - the scripted other side
 * @c:      the conduit under test
 * @cs:     the case
 * @pos:    next answer
 * @sent:   descriptor bytes received so far (LEND w2, FRAG_TX w3)
 * @total:  LEND w1
 * @handle: handle a FRAG_TX named
 * @reclaimed: handle a RECLAIM named (0: none)
 * @bad:    a request broke a rule (named in the text)
 */
struct rheap_hc_fake {
	struct rheap_ffa_conduit *c;
	const struct rheap_hc_case *cs;
	unsigned int pos;
	u64 sent;
	u64 total;
	u64 handle;
	u64 reclaimed;
	const char *bad;
};

static void rheap_hc_rx(struct rheap_hc_fake *f, enum rheap_hc_rx what)
{
	u8 *d = f->c->rx;

	memset(d, 0, FFA_PAGE_SIZE);
	put_unaligned_le16(what == RX_NW_ID ? 0x0002 : RHEAP_HC_SDP, d);
	put_unaligned_le16(1, d + 2);
	memcpy(d + 8, rheap_sdp_uuid.b, 16);
	if (what == RX_OTHER_UUID)
		d[8] ^= 0xff;
}

static int rheap_hc_call(void *ctx, struct rheap_ffa_regs *regs)
{
	struct rheap_hc_fake *f = ctx;
	const struct rheap_hc_ans *a;
	u32 func = (u32)regs->x[0];
	int i;

	if (func == FFA_MEM_LEND_64 || func == FFA_MEM_SHARE_64) {
		f->total = (u32)regs->x[1];
		f->sent = (u32)regs->x[2];
	} else if (func == FFA_MEM_RECLAIM) {
		f->reclaimed = (u32)regs->x[1] | regs->x[2] << 32;
	} else if (func == FFA_MEM_FRAG_TX) {
		f->handle = (u32)regs->x[1] | regs->x[2] << 32;
		f->sent += (u32)regs->x[3];
		if (f->handle != 7)
			f->bad = "FRAG_TX names another handle";
	}
	memset(regs, 0, sizeof(*regs));
	if (f->pos >= RHEAP_HC_ANSWERS || !f->cs->a[f->pos].x[0]) {
		if (f->pos < RHEAP_HC_ANSWERS && f->cs->a[f->pos].rc)
			return f->cs->a[f->pos++].rc;
		regs->x[0] = FFA_SUCCESS_32; /* past the script: teardown */
		return 0;
	}
	a = &f->cs->a[f->pos++];
	for (i = 0; i < 8; i++)
		regs->x[i] = a->x[i];
	if (a->frx)
		regs->x[3] = f->sent + a->x[3];
	if (a->rx != RX_NONE)
		rheap_hc_rx(f, a->rx);
	return 0;
}

static int rheap_hc_run(const struct rheap_hc_case *cs,
			struct rheap_hc_fake *f, struct rheap_ffa_conduit *c,
			u8 *bufs, struct rheap_sec_range *r)
{
	const u32 req[5] = { 1, 2, 3, 4, 5 };
	u32 resp[5];
	u64 handle = 0;
	u32 i, n;
	int rc;

	memset(c, 0, sizeof(*c));
	c->call = rheap_hc_call;
	c->ctx = f;
	f->c = c;
	if (cs->entry == HC_NEG) {
		rc = rheap_ffa_conduit_negotiate(c, rheap_sdp_uuid.b);
		if (!rc && c->sdp_id != RHEAP_HC_SDP)
			f->bad = "wrong SDP ID";
		rheap_ffa_conduit_release(c, false);
		return rc;
	}
	c->version = FFA_VERSION_1_1;
	c->ep = RHEAP_HC_EP;
	c->sdp_id = RHEAP_HC_SDP;
	c->tx = bufs;
	c->rx = bufs + FFA_PAGE_SIZE;
	switch (cs->entry) {
	case HC_DIRECT:
		return rheap_ffa_conduit_ops.direct(c, RHEAP_HC_SDP, req, resp);
	case HC_LEND1:
	case HC_LEND256:
		n = cs->entry == HC_LEND1 ? 1 : RHEAP_SEC_MAX_RANGES;
		for (i = 0; i < n; i++) {
			r[i].pa = 0x4000000 + (u64)i * 2 * FFA_PAGE_SIZE;
			r[i].pages = 1;
		}
		rc = rheap_ffa_conduit_ops.lend(c, RHEAP_HC_SDP, 1, r, n,
						&handle);
		if (!rc && (handle != 7 || f->sent != f->total))
			f->bad = "handle or descriptor bytes";
		if (f->reclaimed != (cs->abandon ? 7 : 0))
			f->bad = "abandoning RECLAIM missing or unexpected";
		return rc;
	case HC_RECLAIM:
		return rheap_ffa_conduit_ops.reclaim(c, 7);
	default:
		return -EINVAL;
	}
}

/* The mailbox header checks, on crafted mailboxes. */
struct rheap_hc_hdr {
	const char *name;
	u32 magic, version, state, peer;
	bool ok;
};

static const struct rheap_hc_hdr rheap_hc_hdrs[] = {
	{ "header: well-formed", RHEAP_MBOX_MAGIC, 1, 1, 0, true },
	{ "header: peer 0xffff", RHEAP_MBOX_MAGIC, 1, 1, 0xffff, true },
	{ "header: zero (no board yet)", 0, 0, 0, 0, false },
	{ "header: bad magic", RHEAP_MBOX_MAGIC ^ 1, 1, 1, 0, false },
	{ "header: version 2", RHEAP_MBOX_MAGIC, 2, 1, 0, false },
	{ "header: state DOWN", RHEAP_MBOX_MAGIC, 1, 0, 0, false },
	{ "header: state 7", RHEAP_MBOX_MAGIC, 1, 7, 0, false },
	{ "header: peer 0x10000", RHEAP_MBOX_MAGIC, 1, 1, 0x10000, false },
};

static bool rheap_hc_hdr_run(const struct rheap_hc_hdr *h)
{
	struct rheap_mbox mb = { 0 };
	const char *why;
	u32 value = 0, peer = U32_MAX;

	mb.magic = (__force u32)cpu_to_le32(h->magic);
	mb.version = (__force u32)cpu_to_le32(h->version);
	mb.state = (__force u32)cpu_to_le32(h->state);
	mb.board_peer = (__force u32)cpu_to_le32(h->peer);
	why = rheap_mbox_header_bad(&mb, &value, &peer);
	return h->ok ? !why && peer == h->peer : !!why;
}

#define RHEAP_HC_COUNT \
	(ARRAY_SIZE(rheap_hc_cases) + ARRAY_SIZE(rheap_hc_hdrs))

struct rheap_hc_out {
	char *text;
	size_t len;
};

static int rheap_hc_open(struct inode *inode, struct file *file)
{
	struct rheap_sec_range *r;
	struct rheap_ffa_conduit *c;
	struct rheap_hc_fake f;
	struct rheap_hc_out *o;
	unsigned int i, failed = 0;
	u8 *bufs;
	int rc;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	bufs = kzalloc(2 * FFA_PAGE_SIZE, GFP_KERNEL);
	r = kcalloc(RHEAP_SEC_MAX_RANGES, sizeof(*r), GFP_KERNEL);
	if (o)
		o->text = kzalloc(RHEAP_HC_TEXT, GFP_KERNEL);
	if (!o || !o->text || !c || !bufs || !r) {
		rc = -ENOMEM;
		goto err;
	}
	for (i = 0; i < ARRAY_SIZE(rheap_hc_cases); i++) {
		const struct rheap_hc_case *cs = &rheap_hc_cases[i];
		bool ok;

		memset(&f, 0, sizeof(f));
		f.cs = cs;
		rc = rheap_hc_run(cs, &f, c, bufs, r);
		ok = rc == cs->want && !f.bad;
		failed += !ok;
		o->len += scnprintf(o->text + o->len, RHEAP_HC_TEXT - o->len,
				    "%sok %u - %s (%d, want %d%s%s)\n",
				    ok ? "" : "not ", i + 1, cs->name, rc,
				    cs->want, f.bad ? ", " : "",
				    f.bad ?: "");
	}
	for (i = 0; i < ARRAY_SIZE(rheap_hc_hdrs); i++) {
		bool ok = rheap_hc_hdr_run(&rheap_hc_hdrs[i]);

		failed += !ok;
		o->len += scnprintf(o->text + o->len, RHEAP_HC_TEXT - o->len,
				    "%sok %zu - %s\n", ok ? "" : "not ",
				    ARRAY_SIZE(rheap_hc_cases) + i + 1,
				    rheap_hc_hdrs[i].name);
	}
	o->len += scnprintf(o->text + o->len, RHEAP_HC_TEXT - o->len,
			    "1..%zu\n# ffa_hostile: %s\n", RHEAP_HC_COUNT,
			    failed ? "FAIL" : "PASS");
	pr_info("rheap: ffa_hostile: %s (%u of %zu cases failed)\n",
		failed ? "FAIL" : "PASS", failed, RHEAP_HC_COUNT);
	kfree(r);
	kfree(c);
	kfree(bufs);
	file->private_data = o;
	return 0;

err:
	if (o)
		kfree(o->text);
	kfree(o);
	kfree(r);
	kfree(c);
	kfree(bufs);
	return rc;
}

static ssize_t rheap_hc_read(struct file *file, char __user *buf,
			     size_t count, loff_t *pos)
{
	struct rheap_hc_out *o = file->private_data;

	return simple_read_from_buffer(buf, count, pos, o->text, o->len);
}

static int rheap_hc_release(struct inode *inode, struct file *file)
{
	struct rheap_hc_out *o = file->private_data;

	kfree(o->text);
	kfree(o);
	return 0;
}

static const struct file_operations rheap_hc_fops = {
	.owner = THIS_MODULE,
	.open = rheap_hc_open,
	.read = rheap_hc_read,
	.release = rheap_hc_release,
	.llseek = default_llseek,
};

void rheap_ffa_hostile_init(struct dentry *root)
{
	debugfs_create_file("ffa_hostile", 0400, root, NULL, &rheap_hc_fops);
}
