// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ivshmem FF-A mailbox (include/rheap/ffa_mailbox.h,
 * docs/ffa-mailbox.md): a PCI driver for QEMU's ivshmem-doorbell device
 * (1af4:1110) whose peer is rheap-board. It is the register conduit of
 * rheap_ffa_conduit.c: one FF-A call = x0..x17 written to the mailbox,
 * call_seq bumped (release), the board's doorbell rung; the answer is in
 * x[] once done_seq equals call_seq (acquire).
 *
 * BAR0: ivshmem registers (IntrMask, IntrStatus, IVPosition, Doorbell).
 * BAR2: the shared memory; struct rheap_mbox at offset 0.
 * MSI-X vector 0 (RHEAP_MBOX_VECTOR): the board's "answer ready". It only
 * wakes the caller: done_seq is the truth, re-checked every few
 * milliseconds because an interrupt can be lost (TCG); without MSI-X the
 * driver polls.
 *
 * The mailbox memory is the board's to write except x[] and call_seq:
 * magic/version/state are checked after every answer, the board's peer
 * ID is bounded, x[] is copied out once. A call that is not answered
 * within call_timeout_ms, or a mailbox whose magic, version or state go
 * wrong, makes the transport dead (-EIO from then on: the board is gone
 * or broken, and nothing it holds can be trusted to come back).
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/pci.h>

#include <rheap/ffa_mailbox.h>
#include <rheap/ffa_regs.h>

#include "rheap_ffa_conduit.h"

#define RHEAP_IVSHMEM_VENDOR 0x1af4
#define RHEAP_IVSHMEM_DEVICE 0x1110

/* BAR0 registers (QEMU docs/specs/ivshmem-spec.rst). */
#define RHEAP_IVSHMEM_INTR_MASK 0x00
#define RHEAP_IVSHMEM_INTR_STATUS 0x04
#define RHEAP_IVSHMEM_IV_POSITION 0x08
#define RHEAP_IVSHMEM_DOORBELL 0x0c

/* How often a waiting caller re-reads done_seq (lost interrupts). */
#define RHEAP_MBOX_RECHECK_MS 5
/* Without an interrupt: busy-wait this long before sleeping. */
#define RHEAP_MBOX_SPIN_US 200

static bool mbox_poll;
module_param(mbox_poll, bool, 0444);
MODULE_PARM_DESC(mbox_poll,
		 "FF-A mailbox: poll done_seq instead of using the MSI-X doorbell (default off)");

static unsigned int call_timeout_ms = 10000;
module_param(call_timeout_ms, uint, 0644);
MODULE_PARM_DESC(call_timeout_ms,
		 "FF-A mailbox: ms to wait for an answer before declaring the board dead (default 10000)");

/**
 * struct rheap_mbox_dev - one ivshmem mailbox device
 * @pdev:     the PCI device
 * @regs:     BAR0
 * @mb:       BAR2, the mailbox
 * @done:     completed by the MSI-X handler
 * @irq:      Linux IRQ of vector 0, or 0 when polling
 * @seq:      our call counter (the value last written to call_seq)
 * @dead:     transport failed (sticky)
 * @calls:    calls answered
 * @irqs:     interrupts received
 * @rechecks: waits that ended by re-reading done_seq, not by interrupt
 * @conduit:  FF-A over this mailbox
 * @sec:      the rheap_sec backend on top
 */
struct rheap_mbox_dev {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct rheap_mbox *mb;
	struct completion done;
	int irq;
	u32 seq;
	bool dead;
	u64 calls;
	u64 irqs;
	u64 rechecks;
	struct rheap_ffa_conduit conduit;
	struct rheap_sec *sec;
};

/*
 * The mailbox is little-endian (ffa_mailbox.h); these read and write its
 * words in CPU order, each exactly once.
 */
static u32 rheap_mbox_rd32(const u32 *p)
{
	return le32_to_cpu((__force __le32)READ_ONCE(*p));
}

static u32 rheap_mbox_rd32_acquire(const u32 *p)
{
	/* Pairs with the board's store-release of the word. */
	return le32_to_cpu((__force __le32)smp_load_acquire(p));
}

static u64 rheap_mbox_rd64(const u64 *p)
{
	return le64_to_cpu((__force __le64)READ_ONCE(*p));
}

static void rheap_mbox_wr64(u64 *p, u64 v)
{
	WRITE_ONCE(*p, (__force u64)cpu_to_le64(v));
}

static irqreturn_t rheap_mbox_irq(int irq, void *data)
{
	struct rheap_mbox_dev *md = data;

	md->irqs++;
	complete(&md->done);
	return IRQ_HANDLED;
}

static int rheap_mbox_fail(struct rheap_mbox_dev *md, const char *why,
			   u32 value)
{
	md->dead = true;
	dev_err(&md->pdev->dev,
		"FF-A mailbox dead: %s (0x%x); every later call fails\n", why,
		value);
	return -EIO;
}

const char *rheap_mbox_header_bad(const struct rheap_mbox *mb, u32 *value,
				  u32 *peer)
{
	u32 v;

	v = rheap_mbox_rd32(&mb->magic);
	*value = v;
	if (v != RHEAP_MBOX_MAGIC)
		return "bad magic";
	v = rheap_mbox_rd32(&mb->version);
	*value = v;
	if (v != RHEAP_MBOX_VERSION)
		return "unsupported version";
	v = rheap_mbox_rd32(&mb->state);
	*value = v;
	if (v != RHEAP_MBOX_STATE_READY)
		return "board not serving, state";
	v = rheap_mbox_rd32(&mb->board_peer);
	*value = v;
	if (v > U16_MAX)
		return "board peer ID out of range";
	*peer = v;
	return NULL;
}

/* The board's header fields, checked before and after every call. */
static int rheap_mbox_check(struct rheap_mbox_dev *md, u32 *peer)
{
	const char *why;
	u32 value;

	why = rheap_mbox_header_bad(md->mb, &value, peer);
	return why ? rheap_mbox_fail(md, why, value) : 0;
}

/* Wait until done_seq == @seq or the deadline passes. */
static int rheap_mbox_wait(struct rheap_mbox_dev *md, u32 seq)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(call_timeout_ms);
	unsigned long step = msecs_to_jiffies(RHEAP_MBOX_RECHECK_MS) ?: 1;
	unsigned int spin;

	/* Polling: most answers take tens of us; sleeps are jiffies long. */
	for (spin = 0; !md->irq && spin < RHEAP_MBOX_SPIN_US; spin++) {
		if (rheap_mbox_rd32_acquire(&md->mb->done_seq) == seq)
			return 0;
		udelay(1);
	}
	for (;;) {
		if (rheap_mbox_rd32_acquire(&md->mb->done_seq) == seq)
			return 0;
		if (time_after(jiffies, deadline))
			return rheap_mbox_fail(md, "no answer to call", seq);
		if (md->irq) {
			if (!wait_for_completion_timeout(&md->done, step))
				md->rechecks++;
		} else {
			usleep_range(50, 200);
			md->rechecks++;
		}
	}
}

static int rheap_mbox_call(void *ctx, struct rheap_ffa_regs *regs)
{
	struct rheap_mbox_dev *md = ctx;
	struct rheap_mbox *mb = md->mb;
	u32 peer, seq;
	int i, rc;

	if (md->dead)
		return -EIO;
	rc = rheap_mbox_check(md, &peer);
	if (rc)
		return rc;
	for (i = 0; i < RHEAP_MBOX_REGS; i++)
		rheap_mbox_wr64(&mb->x[i], regs->x[i]);
	reinit_completion(&md->done);
	seq = md->seq + 1;
	/* x[] before call_seq: the board load-acquires call_seq. */
	smp_store_release(&mb->call_seq,
			  (__force u32)cpu_to_le32(seq));
	md->seq = seq;
	writel(peer << 16 | RHEAP_MBOX_VECTOR,
	       md->regs + RHEAP_IVSHMEM_DOORBELL);
	rc = rheap_mbox_wait(md, seq);
	if (rc)
		return rc;
	for (i = 0; i < RHEAP_MBOX_REGS; i++)
		regs->x[i] = rheap_mbox_rd64(&mb->x[i]);
	md->calls++;
	return rheap_mbox_check(md, &peer);
}

static struct rheap_mbox_dev *rheap_mbox_cur;

static int rheap_mbox_setup_irq(struct rheap_mbox_dev *md)
{
	struct pci_dev *pdev = md->pdev;
	int rc;

	if (mbox_poll)
		return 0;
	rc = pci_alloc_irq_vectors(pdev, RHEAP_MBOX_VECTORS,
				   RHEAP_MBOX_VECTORS, PCI_IRQ_MSIX);
	if (rc < 0) {
		dev_warn(&pdev->dev, "no MSI-X (%d): polling the mailbox\n",
			 rc);
		return 0;
	}
	rc = pci_irq_vector(pdev, RHEAP_MBOX_VECTOR);
	if (rc < 0)
		goto err_vectors;
	md->irq = rc;
	rc = request_irq(md->irq, rheap_mbox_irq, 0, "rheap-mbox", md);
	if (rc)
		goto err_vectors;
	return 0;

err_vectors:
	md->irq = 0;
	pci_free_irq_vectors(pdev);
	return rc;
}

static void rheap_mbox_free_irq(struct rheap_mbox_dev *md)
{
	if (md->irq) {
		free_irq(md->irq, md);
		pci_free_irq_vectors(md->pdev);
	}
	md->irq = 0;
}

static int rheap_mbox_map(struct rheap_mbox_dev *md)
{
	struct pci_dev *pdev = md->pdev;
	resource_size_t start = pci_resource_start(pdev, 2);
	resource_size_t len = pci_resource_len(pdev, 2);
	u32 pos;
	int rc;

	rc = pcim_iomap_regions(pdev, BIT(0), "rheap-mbox");
	if (rc)
		return rc;
	md->regs = pcim_iomap_table(pdev)[0];
	if (!(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) ||
	    len < sizeof(struct rheap_mbox)) {
		dev_err(&pdev->dev, "BAR2 (%pa bytes) cannot hold the mailbox\n",
			&len);
		return -ENODEV;
	}
	if (!devm_request_mem_region(&pdev->dev, start, len, "rheap-mbox"))
		return -EBUSY;
	md->mb = devm_memremap(&pdev->dev, start, sizeof(struct rheap_mbox),
			       MEMREMAP_WB);
	if (IS_ERR(md->mb))
		return PTR_ERR(md->mb);
	pos = readl(md->regs + RHEAP_IVSHMEM_IV_POSITION);
	dev_info(&pdev->dev,
		 "ivshmem peer %u, mailbox magic 0x%08x state %u, board peer %u, %s\n",
		 pos, rheap_mbox_rd32(&md->mb->magic), rheap_mbox_rd32(&md->mb->state),
		 rheap_mbox_rd32(&md->mb->board_peer),
		 md->irq ? "MSI-X" : "polling");
	/* Continue after whatever sequence a previous driver left. */
	md->seq = rheap_mbox_rd32(&md->mb->call_seq);
	return 0;
}

static int rheap_mbox_probe(struct pci_dev *pdev,
			    const struct pci_device_id *id)
{
	struct rheap_mbox_dev *md;
	int rc;

	if (rheap_mbox_cur) {
		dev_err(&pdev->dev, "a mailbox is already bound\n");
		return -EBUSY;
	}
	md = devm_kzalloc(&pdev->dev, sizeof(*md), GFP_KERNEL);
	if (!md)
		return -ENOMEM;
	md->pdev = pdev;
	init_completion(&md->done);
	rc = pcim_enable_device(pdev);
	if (rc)
		goto err;
	pci_set_master(pdev); /* MSI-X messages are bus-master writes */
	rc = rheap_mbox_setup_irq(md);
	if (rc)
		goto err;
	rc = rheap_mbox_map(md);
	if (rc)
		goto err_irq;
	md->conduit.call = rheap_mbox_call;
	md->conduit.ctx = md;
	rc = rheap_ffa_conduit_negotiate(&md->conduit, rheap_sdp_uuid.b);
	if (rc)
		goto err_conduit;
	dev_info(&pdev->dev, "FF-A %u.%u, endpoint 0x%04x, SDP partition 0x%04x\n",
		 md->conduit.version >> 16, md->conduit.version & 0xffff,
		 md->conduit.ep, md->conduit.sdp_id);
	rc = rheap_sec_create(&rheap_ffa_conduit_ops, &md->conduit,
			      md->conduit.sdp_id, &md->sec);
	if (rc)
		goto err_conduit;
	pci_set_drvdata(pdev, md);
	rheap_mbox_cur = md;
	return 0;

err_conduit:
	rheap_ffa_conduit_release(&md->conduit, md->dead);
err_irq:
	rheap_mbox_free_irq(md);
err:
	dev_err(&pdev->dev, "FF-A mailbox probe failed: %d\n", rc);
	rheap_sec_set_probe_error(rc);
	return rc;
}

static void rheap_mbox_remove(struct pci_dev *pdev)
{
	struct rheap_mbox_dev *md = pci_get_drvdata(pdev);

	rheap_sec_destroy(md->sec);
	rheap_ffa_conduit_release(&md->conduit, md->dead);
	dev_info(&pdev->dev, "%llu calls, %llu interrupts, %llu rechecks\n",
		 md->calls, md->irqs, md->rechecks);
	rheap_mbox_free_irq(md);
	rheap_mbox_cur = NULL;
}

static const struct pci_device_id rheap_mbox_ids[] = {
	{ PCI_DEVICE(RHEAP_IVSHMEM_VENDOR, RHEAP_IVSHMEM_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, rheap_mbox_ids);

static struct pci_driver rheap_mbox_driver = {
	.name = "rheap-mbox",
	.id_table = rheap_mbox_ids,
	.probe = rheap_mbox_probe,
	.remove = rheap_mbox_remove,
	/* The heaps and the TEE hold the backend: no unbind under them. */
	.driver.suppress_bind_attrs = true,
};

int rheap_mbox_register(void)
{
	return pci_register_driver(&rheap_mbox_driver);
}

void rheap_mbox_unregister(void)
{
	pci_unregister_driver(&rheap_mbox_driver);
}

int rheap_mbox_stats(u64 *calls, u64 *irqs, u64 *rechecks)
{
	if (!rheap_mbox_cur)
		return -ENODEV;
	*calls = rheap_mbox_cur->calls;
	*irqs = rheap_mbox_cur->irqs;
	*rechecks = rheap_mbox_cur->rechecks;
	return 0;
}
