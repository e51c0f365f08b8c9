/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Between rheap_sec.c (the transport-independent backend) and its
 * transports (rheap_mbox.c + rheap_ffa_conduit.c, rheap_arm_ffa.c).
 * Nothing outside the backend includes this.
 */
#ifndef RHEAP_KERNEL_RHEAP_SEC_INTERNAL_H
#define RHEAP_KERNEL_RHEAP_SEC_INTERNAL_H

#include <linux/types.h>
#include <linux/uuid.h>

#include "rheap_sec.h"

/* The SDP partition's FF-A UUID. */
extern const uuid_t rheap_sdp_uuid;

/*
 * struct rheap_sec_ops - what a transport provides. Calls are serialized
 * by the backend's mutex (never concurrent, never from atomic context).
 * Each returns 0 or a negative errno; -EIO means the transport failed
 * (the backend marks itself dead and never calls again).
 *
 * @name:    "ivshmem mailbox", "arm_ffa"
 * @direct:  one FFA_MSG_SEND_DIRECT_REQ_32 to @dst: @req = w3..w7; on
 *           success @resp = w3..w7 of the DIRECT_RESP_32 from @dst
 * @share:   FFA_MEM_SHARE of @pages pages at @pa, RW to @dst
 * @lend:    FFA_MEM_LEND of @ranges, RW to @dst, tag @tag
 * @reclaim: FFA_MEM_RECLAIM of @handle, no flags
 * @id_get:  the negotiated FF-A version and a live FFA_ID_GET (selftest)
 */
struct rheap_sec_ops {
	const char *name;
	int (*direct)(void *ctx, u16 dst, const u32 req[5], u32 resp[5]);
	int (*share)(void *ctx, u16 dst, phys_addr_t pa, u32 pages,
		     u64 *handle);
	int (*lend)(void *ctx, u16 dst, u64 tag,
		    const struct rheap_sec_range *ranges, u32 n, u64 *handle);
	int (*reclaim)(void *ctx, u64 handle);
	int (*id_get)(void *ctx, u32 *version, u16 *id);
};

/**
 * rheap_sec_create() - bring the backend up on a negotiated transport
 * @ops:    the transport
 * @ctx:    its context
 * @sdp_id: the SDP partition's endpoint ID (bit 15 set)
 * @out:    the backend, published for rheap_sec_get()
 *
 * Checks the SDP ABI version, allocates, shares and registers the
 * parameter area.
 *
 * Return: 0; -EBUSY a backend is already published; an errno.
 */
int rheap_sec_create(const struct rheap_sec_ops *ops, void *ctx, u16 sdp_id,
		     struct rheap_sec **out);

/**
 * rheap_sec_destroy() - unpublish, unregister and reclaim the parameter
 * area (leaked if the secure world keeps it), free
 * @sec: from rheap_sec_create(), or NULL
 */
void rheap_sec_destroy(struct rheap_sec *sec);

/**
 * rheap_sec_set_probe_error() - what rheap_sec_get() answers while no
 * backend is published (-EPROBE_DEFER before a probe, the probe's error
 * after a failed one, -ENODEV with no transport registered)
 * @err: a negative errno
 */
void rheap_sec_set_probe_error(int err);

/**
 * rheap_sec_ffa_errno() - an FF-A status (w2 of FFA_ERROR) as an errno
 * @status: the FF-A status, negative
 */
int rheap_sec_ffa_errno(s32 status);

/**
 * rheap_sec_id_get() - @ops->id_get under the backend's lock (selftest)
 * @sec:     the backend
 * @name:    out: the transport's name
 * @version: out: negotiated FF-A version
 * @id:      out: our endpoint ID, asked now
 *
 * Return: 0; an errno.
 */
int rheap_sec_id_get(struct rheap_sec *sec, const char **name, u32 *version,
		     u16 *id);

/**
 * rheap_mbox_stats() - the mailbox's counters (selftest)
 * @calls:    calls answered
 * @irqs:     interrupts received
 * @rechecks: waits ended by re-reading done_seq
 *
 * Return: 0; -ENODEV no mailbox bound.
 */
#if IS_ENABLED(CONFIG_PCI)
int rheap_mbox_stats(u64 *calls, u64 *irqs, u64 *rechecks);

struct rheap_mbox;

/**
 * rheap_mbox_header_bad() - check the board's words of the mailbox
 * @mb:    the mailbox (untrusted; each word read once)
 * @value: out: the last word read (the offending one on failure)
 * @peer:  out: the board's peer ID, on success
 *
 * Return: NULL when magic, version, state (READY) and the board's peer
 * ID (at most 0xffff) are good; else what is wrong.
 */
const char *rheap_mbox_header_bad(const struct rheap_mbox *mb, u32 *value,
				  u32 *peer);
#else
static inline int rheap_mbox_stats(u64 *calls, u64 *irqs, u64 *rechecks)
{
	return -ENODEV;
}
#endif

/* The selftests' debugfs files (rheap_selftest.c, rheap_ffa_hostile.c). */
void rheap_selftest_init(struct dentry *root);
#if IS_ENABLED(CONFIG_PCI)
void rheap_ffa_hostile_init(struct dentry *root);
#else
static inline void rheap_ffa_hostile_init(struct dentry *root) { }
#endif

#endif /* RHEAP_KERNEL_RHEAP_SEC_INTERNAL_H */
