/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FF-A as an NW endpoint over a register conduit: every call is the
 * SMCCC v1.2 register file x0..x17 handed to @call, which returns the
 * answer in place. The ivshmem mailbox (rheap_mbox.c) is such a conduit;
 * an SMC/HVC instruction would be another.
 *
 * rheap_ffa_conduit_negotiate() does FFA_VERSION, FFA_ID_GET, FFA_RXTX_MAP
 * (two pages of RAM it allocates) and finds the SDP partition with
 * FFA_PARTITION_INFO_GET by UUID. rheap_ffa_conduit_ops are then the
 * rheap_sec transport ops (direct requests, SHARE/LEND with FRAG_TX,
 * RECLAIM) on it. Not thread-safe: rheap_sec serializes the callers.
 */
#ifndef RHEAP_KERNEL_RHEAP_FFA_CONDUIT_H
#define RHEAP_KERNEL_RHEAP_FFA_CONDUIT_H

#include <linux/types.h>

#include "rheap_sec_internal.h"

struct page;
struct rheap_ffa_regs;

/**
 * struct rheap_ffa_conduit - one NW endpoint's FF-A state
 * @call:      the conduit: the call in @regs, the answer written back;
 *             0, or -EIO when the transport failed
 * @ctx:       @call's context
 * @version:   negotiated FF-A version (FFA_VERSION_1_1 or _1_2)
 * @ep:        our endpoint ID (FFA_ID_GET)
 * @sdp_id:    the SDP partition's ID (PARTITION_INFO_GET)
 * @pages:     the TX page then the RX page (order 1)
 * @tx:        TX buffer mapping
 * @rx:        RX buffer mapping
 * @rxtx_mapped: FFA_RXTX_MAP went through
 */
struct rheap_ffa_conduit {
	int (*call)(void *ctx, struct rheap_ffa_regs *regs);
	void *ctx;
	u32 version;
	u16 ep;
	u16 sdp_id;
	struct page *pages;
	u8 *tx;
	u8 *rx;
	bool rxtx_mapped;
};

/**
 * rheap_ffa_conduit_negotiate() - VERSION, ID_GET, RXTX_MAP, find the SDP
 * partition
 * @c:    @call and @ctx set, everything else zero
 * @uuid: the SDP partition's UUID, bytes in text order
 *
 * Return: 0; -EOPNOTSUPP FF-A version; -ENODEV no such partition;
 * -EPROTO a malformed answer; an FF-A errno; -EIO.
 */
int rheap_ffa_conduit_negotiate(struct rheap_ffa_conduit *c,
				const u8 uuid[16]);

/**
 * rheap_ffa_conduit_release() - FFA_RXTX_UNMAP (unless @dead) and free the
 * buffers (leaked when the unmap failed: the other side may still write)
 * @c:    the conduit
 * @dead: the transport is gone: do not call
 */
void rheap_ffa_conduit_release(struct rheap_ffa_conduit *c, bool dead);

/**
 * rheap_ffa_conduit_id_get() - FFA_ID_GET (the selftest's probe)
 * @c:  the conduit
 * @id: out: our endpoint ID
 *
 * Return: 0; an errno.
 */
int rheap_ffa_conduit_id_get(struct rheap_ffa_conduit *c, u16 *id);

/* The rheap_sec transport ops; ctx = the struct rheap_ffa_conduit. */
extern const struct rheap_sec_ops rheap_ffa_conduit_ops;

#endif /* RHEAP_KERNEL_RHEAP_FFA_CONDUIT_H */
