// SPDX-License-Identifier: GPL-2.0-only
/*
 * rheap.ko: restricted dma-buf heaps for the Secure Data Path
 * (docs/kernel-driver.md).
 *
 * Init order: the transports' drivers are registered (their probe
 * negotiates FF-A and publishes the rheap_sec backend) -> the backend is
 * required -> the TEE -> the heaps (last: a dma-heap, once added, cannot
 * be removed in 6.1, so the heaps pin the module and nothing may fail
 * after them). Exit: heaps, TEE, transports, so the backend outlives
 * every user of it.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>

#include "rheap_sec_internal.h"

static struct dentry *rheap_debugfs;

struct dentry *rheap_debugfs_root(void)
{
	return rheap_debugfs;
}

/* Defaults for parts not linked into this build. */
int __weak rheap_heaps_init(struct rheap_sec *sec)
{
	return 0;
}

void __weak rheap_heaps_exit(void)
{
}

int __weak rheap_tee_init(struct rheap_sec *sec)
{
	return 0;
}

void __weak rheap_tee_exit(void)
{
}

static void rheap_transports_unregister(void)
{
	rheap_mbox_unregister();
	rheap_arm_ffa_unregister();
}

static int rheap_transports_register(void)
{
	int rc;

	rheap_sec_set_probe_error(-EPROBE_DEFER);
	rc = rheap_arm_ffa_register();
	if (rc) {
		pr_err("rheap: registering the arm_ffa driver: %d\n", rc);
		return rc;
	}
	rc = rheap_mbox_register();
	if (rc) {
		pr_err("rheap: registering the ivshmem mailbox driver: %d\n",
		       rc);
		rheap_arm_ffa_unregister();
	}
	return rc;
}

static int __init rheap_init(void)
{
	struct rheap_sec *sec;
	int rc;

	rheap_debugfs = debugfs_create_dir("rheap", NULL);
	rc = rheap_transports_register();
	if (rc)
		goto err_debugfs;
	sec = rheap_sec_get();
	if (IS_ERR(sec)) {
		rc = PTR_ERR(sec);
		if (rc == -EPROBE_DEFER) {
			pr_err("rheap: no secure world: no FF-A partition or ivshmem mailbox device\n");
			rc = -ENODEV;
		} else {
			pr_err("rheap: no secure world: %d\n", rc);
		}
		goto err_transports;
	}
	rheap_selftest_init(rheap_debugfs);
	rheap_ffa_hostile_init(rheap_debugfs);
	rc = rheap_tee_init(sec);
	if (rc) {
		pr_err("rheap: TEE: %d\n", rc);
		goto err_transports;
	}
	/*
	 * Last: a registered dma-heap can never go (6.1 has no
	 * dma_heap_remove), so nothing may fail after it.
	 */
	rc = rheap_heaps_init(sec);
	if (rc) {
		pr_err("rheap: heaps: %d\n", rc);
		goto err_tee;
	}
	return 0;

err_tee:
	rheap_tee_exit();
err_transports:
	debugfs_remove_recursive(rheap_debugfs);
	rheap_debugfs = NULL;
	rheap_transports_unregister();
	return rc;
err_debugfs:
	debugfs_remove_recursive(rheap_debugfs);
	rheap_debugfs = NULL;
	return rc;
}

static void __exit rheap_exit(void)
{
	rheap_heaps_exit();
	rheap_tee_exit();
	debugfs_remove_recursive(rheap_debugfs);
	rheap_debugfs = NULL;
	rheap_transports_unregister();
}

module_init(rheap_init);
module_exit(rheap_exit);

MODULE_DESCRIPTION("rheap: restricted dma-buf heaps for the Secure Data Path");
MODULE_LICENSE("GPL");
