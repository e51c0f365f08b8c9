// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rheap_sec backend on real Arm hardware: the kernel's FF-A driver
 * (drivers/firmware/arm_ffa, CONFIG_ARM_FFA_TRANSPORT) is the NW
 * endpoint, owns the RX/TX buffers and builds the memory transaction
 * descriptors (fragmenting them itself); this file is an ffa_driver bound
 * to the SDP partition's UUID that adapts its ops to rheap_sec_ops.
 *
 * Direct requests are sent in 32-bit mode: the SDP ABI is 32-bit values
 * (include/rheap/sdp_abi.h). The constituents of a SHARE/LEND travel as
 * a scatterlist of the ranges' pages (RAM only: the dynamic chunks and
 * the parameter area). The arm_ffa driver reports FF-A errors as errnos
 * already; it has no transport failure of its own (an SMC does not get
 * lost), so this backend never goes dead.
 */
#include <linux/arm_ffa.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "rheap_sec_internal.h"

#define RHEAP_FFA_PAGE 4096u

/**
 * struct rheap_arm_ffa - the bound SDP partition
 * @fdev: its FF-A device
 * @ops:  the arm_ffa driver's ops
 * @sec:  the backend
 */
struct rheap_arm_ffa {
	struct ffa_device *fdev;
	const struct ffa_ops *ops;
	struct rheap_sec *sec;
};

static int rheap_arm_ffa_direct(void *ctx, u16 dst, const u32 req[5],
				u32 resp[5])
{
	struct rheap_arm_ffa *af = ctx;
	struct ffa_send_direct_data d = {
		.data0 = req[0], .data1 = req[1], .data2 = req[2],
		.data3 = req[3], .data4 = req[4],
	};
	int rc;

	rc = af->ops->msg_ops->sync_send_receive(af->fdev, &d);
	if (rc) {
		dev_err(&af->fdev->dev, "direct request 0x%x: %d\n", req[0],
			rc);
		return rc;
	}
	resp[0] = lower_32_bits(d.data0);
	resp[1] = lower_32_bits(d.data1);
	resp[2] = lower_32_bits(d.data2);
	resp[3] = lower_32_bits(d.data3);
	resp[4] = lower_32_bits(d.data4);
	return 0;
}

/* SHARE or LEND @n ranges to @dst through the arm_ffa driver. */
static int rheap_arm_ffa_send(struct rheap_arm_ffa *af, bool lend, u16 dst,
			      u64 tag, const struct rheap_sec_range *ranges,
			      u32 n, u64 *handle)
{
	struct ffa_mem_region_attributes attr = {
		.receiver = dst,
		.attrs = FFA_MEM_RW,
	};
	struct ffa_mem_ops_args args = {
		.use_txbuf = true,
		.nattrs = 1,
		.tag = tag,
		.attrs = &attr,
	};
	struct scatterlist *sg;
	struct sg_table sgt;
	u32 i;
	int rc;

	rc = sg_alloc_table(&sgt, n, GFP_KERNEL);
	if (rc)
		return rc;
	for_each_sg(sgt.sgl, sg, n, i) {
		u64 len = (u64)ranges[i].pages * RHEAP_FFA_PAGE;

		if (len > UINT_MAX || !pfn_valid(PHYS_PFN(ranges[i].pa)) ||
		    offset_in_page(ranges[i].pa)) {
			rc = -EINVAL;
			goto out;
		}
		sg_set_page(sg, phys_to_page(ranges[i].pa), (unsigned int)len,
			    0);
	}
	args.sg = sgt.sgl;
	rc = lend ? af->ops->mem_ops->memory_lend(&args) :
		    af->ops->mem_ops->memory_share(&args);
	if (!rc)
		*handle = args.g_handle;
out:
	sg_free_table(&sgt);
	return rc;
}

static int rheap_arm_ffa_share(void *ctx, u16 dst, phys_addr_t pa,
			       u32 pages, u64 *handle)
{
	struct rheap_sec_range r = { .pa = pa, .pages = pages };

	return rheap_arm_ffa_send(ctx, false, dst, 0, &r, 1, handle);
}

static int rheap_arm_ffa_lend(void *ctx, u16 dst, u64 tag,
			      const struct rheap_sec_range *ranges, u32 n,
			      u64 *handle)
{
	return rheap_arm_ffa_send(ctx, true, dst, tag, ranges, n, handle);
}

static int rheap_arm_ffa_reclaim(void *ctx, u64 handle)
{
	struct rheap_arm_ffa *af = ctx;

	return af->ops->mem_ops->memory_reclaim(handle, 0);
}

static int rheap_arm_ffa_id_get(void *ctx, u32 *version, u16 *id)
{
	struct rheap_arm_ffa *af = ctx;

	*version = af->ops->info_ops->api_version_get();
	*id = 0;
	return -EOPNOTSUPP; /* the arm_ffa driver keeps our ID private */
}

static const struct rheap_sec_ops rheap_arm_ffa_ops = {
	.name = "arm_ffa",
	.direct = rheap_arm_ffa_direct,
	.share = rheap_arm_ffa_share,
	.lend = rheap_arm_ffa_lend,
	.reclaim = rheap_arm_ffa_reclaim,
	.id_get = rheap_arm_ffa_id_get,
};

static int rheap_arm_ffa_probe(struct ffa_device *fdev)
{
	struct rheap_arm_ffa *af;
	int rc;

	if (PAGE_SIZE % RHEAP_FFA_PAGE)
		return -EOPNOTSUPP;
	af = devm_kzalloc(&fdev->dev, sizeof(*af), GFP_KERNEL);
	if (!af)
		return -ENOMEM;
	af->fdev = fdev;
	af->ops = fdev->ops;
	if (!af->ops || !af->ops->msg_ops || !af->ops->mem_ops ||
	    !af->ops->info_ops || fdev->vm_id < 0 || fdev->vm_id > U16_MAX) {
		rc = -ENODEV;
		goto err;
	}
	af->ops->msg_ops->mode_32bit_set(fdev);
	rc = rheap_sec_create(&rheap_arm_ffa_ops, af, (u16)fdev->vm_id,
			      &af->sec);
	if (rc)
		goto err;
	ffa_dev_set_drvdata(fdev, af);
	return 0;

err:
	dev_err(&fdev->dev, "SDP partition 0x%04x: %d\n", fdev->vm_id, rc);
	rheap_sec_set_probe_error(rc);
	return rc;
}

static void rheap_arm_ffa_remove(struct ffa_device *fdev)
{
	struct rheap_arm_ffa *af = ffa_dev_get_drvdata(fdev);

	rheap_sec_destroy(af->sec);
}

static const struct ffa_device_id rheap_arm_ffa_ids[] = {
	{ UUID_INIT(0x5d0c6a1e, 0x8f3b, 0x4c27,
		    0x9a, 0x6e, 0x2b, 0x1f, 0x7d, 0x40, 0xc3, 0xa9) },
	{ }
};

static struct ffa_driver rheap_arm_ffa_driver = {
	.name = "rheap-sdp",
	.probe = rheap_arm_ffa_probe,
	.remove = rheap_arm_ffa_remove,
	.id_table = rheap_arm_ffa_ids,
	.driver.suppress_bind_attrs = true,
};

static bool rheap_arm_ffa_registered;

/*
 * The arm_ffa bus exists only when the kernel's FF-A driver found FF-A
 * firmware at boot. Without it (qemu -M virt has no SPMC at S-EL2) the
 * driver core refuses the registration (-EINVAL, "bus was not
 * initialized") and the ivshmem mailbox is the only transport: not an
 * error of the module.
 */
int rheap_arm_ffa_register(void)
{
	int rc = ffa_register(&rheap_arm_ffa_driver);

	if (rc) {
		pr_info("rheap: no arm_ffa bus (%d: no FF-A firmware found at boot); the ivshmem mailbox only\n",
			rc);
		return 0;
	}
	rheap_arm_ffa_registered = true;
	return 0;
}

void rheap_arm_ffa_unregister(void)
{
	if (rheap_arm_ffa_registered)
		ffa_unregister(&rheap_arm_ffa_driver);
	rheap_arm_ffa_registered = false;
}
