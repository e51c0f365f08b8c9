/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * FF-A ABI handler of the SPMC: turns one FF-A call of a normal-world (NW)
 * endpoint, as registers, into a reply, as registers.
 *
 * Pure: no I/O, no sockets, no threads, no locking. The board process owns
 * the transport; it calls spmc_abi_handle() once per received call, with
 * the CALLER's endpoint ID as the transport established it (never as the
 * registers claim it), and sends back the registers it gets. Calls must be
 * serialised by the caller.
 *
 * This is the one place that produces FF-A status codes
 * (spmc_abi_status_from_errno(); STYLE.md rule 6). Every reply is written
 * whole: the handler zeroes all 18 registers first, so no stale value
 * leaks into a reply.
 *
 * Mailboxes: each endpoint maps one TX/RX pair (FFA_RXTX_MAP) through
 * @ops->map_mailbox. Memory transaction descriptors are copied out of TX
 * into a private buffer before the SPMC core sees them (one fetch). RX
 * writes zero the rest of RX and make RX busy until FFA_RX_RELEASE.
 *
 * Version policy, register layouts and errors: docs/ffa-abi.md.
 *
 * Life cycle of an endpoint (one struct abi_endpoint, see abi.c):
 *
 *   ABSENT --spmc_abi_endpoint_add--> ADDED (version 1.1 assumed)
 *   ADDED --FFA_VERSION--> ADDED (version negotiated; locked by the first
 *                                 call that is not FFA_VERSION)
 *   ADDED --FFA_RXTX_MAP--> MAPPED --FFA_RXTX_UNMAP--> ADDED
 *   MAPPED: RX free --RX-producing call--> RX busy --FFA_RX_RELEASE--> free
 *   any --spmc_abi_endpoint_remove--> ABSENT (mailbox dropped, the SPMC
 *                                             core tears the endpoint down)
 */
#ifndef RHEAP_SPMC_ABI_H
#define RHEAP_SPMC_ABI_H

#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/ffa_regs.h>

#include "spmc/spmc.h"

/* Secure partitions the handler can describe and route to. */
#define SPMC_ABI_MAX_PARTITIONS 16u
/*
 * Largest TX/RX buffer, in 4 KiB pages, FFA_RXTX_MAP accepts (reported by
 * FFA_FEATURES(FFA_RXTX_MAP) to v1.2 callers). Also the size of the
 * private copy of a TX fragment.
 */
#define SPMC_ABI_RXTX_MAX_PAGES 16u
/* Bytes of one FF-A v1.1 partition information descriptor (Table 13.37). */
#define SPMC_ABI_PARTITION_INFO_SIZE 24u

struct spmc_abi;

/**
 * struct spmc_abi_ops - how the handler reaches the board
 * @map_mailbox: resolve [@pa, @pa + @size) of endpoint @ep's normal-world
 *               memory to a host pointer the SPMC may read and write (for
 *               RX/TX buffers); set *@ptr and return 0, or -EPERM if this
 *               is not NS memory @ep may use. The pointer stays valid until
 *               the endpoint is removed or the handler destroyed.
 * @direct_req:  deliver a direct request (the handler has already checked
 *               and re-packed @req: clean registers) to secure partition
 *               @receiver; fill @resp with the partition's
 *               FFA_MSG_SEND_DIRECT_RESP (or RESP2) registers. Return 0 or
 *               a negative errno (-ENOENT: unknown partition).
 *
 * Every operation receives the @ops_ctx of `struct spmc_abi_cfg`.
 */
struct spmc_abi_ops {
	int (*map_mailbox)(void *ctx, uint16_t ep, uint64_t pa, uint64_t size,
			   uint8_t **ptr);
	int (*direct_req)(void *ctx, uint16_t sender, uint16_t receiver,
			  const struct rheap_ffa_regs *req,
			  struct rheap_ffa_regs *resp);
};

/**
 * struct spmc_abi_partition - a secure partition, as FFA_PARTITION_INFO_GET
 * reports it
 * @id:         FF-A ID, bit 15 set, not the SPMC's
 * @uuid:       UUID bytes in RFC 4122 order; the registers of
 *              FFA_PARTITION_INFO_GET carry them as four little-endian
 *              32-bit words (w1 = bytes 0..3, ..., w4 = bytes 12..15)
 * @properties: partition properties word (FF-A v1.1 Table 13.38), e.g.
 *              bit 0 "receives direct requests"
 */
struct spmc_abi_partition {
	uint16_t id;
	uint8_t uuid[16];
	uint32_t properties;
};

/**
 * struct spmc_abi_cfg - what the handler is built from
 * @spmc:            SPMC memory manager core; borrowed, must outlive the
 *                   handler
 * @ops:             board operations; both members set
 * @ops_ctx:         passed to every @ops call
 * @partitions:      the secure partitions; copied
 * @partition_count: entries in @partitions, 0..SPMC_ABI_MAX_PARTITIONS
 * @spmc_id:         the SPMC's own FF-A ID (0x8000), FFA_SPM_ID_GET
 */
struct spmc_abi_cfg {
	struct spmc *spmc;
	const struct spmc_abi_ops *ops;
	void *ops_ctx;
	const struct spmc_abi_partition *partitions;
	uint32_t partition_count;
	uint16_t spmc_id;
};

/**
 * spmc_abi_create() - allocate a handler
 * @cfg: configuration (trusted); copied, @cfg->spmc borrowed
 * @out: the new handler on success; untouched on failure
 *
 * Return: 0; -EINVAL for a NULL argument or member, @spmc_id without bit
 * 15, too many partitions, a partition ID without bit 15, equal to
 * @spmc_id, or duplicated; -ENOMEM if an allocation failed.
 */
int spmc_abi_create(const struct spmc_abi_cfg *cfg, struct spmc_abi **out);

/**
 * spmc_abi_destroy() - free a handler
 * @abi: handler, or NULL (no-op)
 *
 * Makes no call into the SPMC core: what endpoints shared stays shared.
 */
void spmc_abi_destroy(struct spmc_abi *abi);

/**
 * spmc_abi_endpoint_add() - a normal-world endpoint connected
 * @abi: handler
 * @ep:  its FF-A ID (trusted: from the transport): a normal-world endpoint
 *       configured in the SPMC core, or 0x0000 (the hypervisor, which may
 *       reclaim orphaned transactions)
 *
 * The endpoint starts with no mailbox and version v1.1 assumed until it
 * calls FFA_VERSION.
 *
 * Return: 0; -EINVAL if @ep has bit 15 set (secure partitions do not call
 * through this handler); -ENOENT if the SPMC core does not know @ep;
 * -EBUSY if @ep is already added.
 */
int spmc_abi_endpoint_add(struct spmc_abi *abi, uint16_t ep);

/**
 * spmc_abi_endpoint_remove() - a normal-world endpoint is gone
 * @abi: handler
 * @ep:  its FF-A ID
 *
 * Drops its mailbox and negotiated version, then calls
 * spmc_endpoint_teardown(): its incomplete transactions are freed, its
 * complete ones become orphans whose memory stays protected. No-op if @ep
 * was not added.
 */
void spmc_abi_endpoint_remove(struct spmc_abi *abi, uint16_t ep);

/**
 * spmc_abi_handle() - handle one FF-A call
 * @abi:    handler
 * @caller: the calling endpoint's ID, from the transport (trusted)
 * @req:    the call's registers (untrusted)
 * @resp:   out: the reply registers; every one of the 18 is written
 *
 * Never fails: an error becomes FFA_ERROR with w2 = the status (or, for
 * FFA_VERSION, NOT_SUPPORTED in w0). An endpoint that was not added gets
 * DENIED for everything but FFA_VERSION. docs/ffa-abi.md lists each ABI.
 */
void spmc_abi_handle(struct spmc_abi *abi, uint16_t caller,
		     const struct rheap_ffa_regs *req,
		     struct rheap_ffa_regs *resp);

/**
 * spmc_abi_last_diag() - why the last call was refused
 * @abi: handler
 *
 * For the board's log: names the register or field of the last call that
 * was answered with FFA_ERROR (field NULL if the last call succeeded or
 * the refusal has no field to name). Valid until the next call.
 *
 * Return: the diagnostic; never NULL.
 */
const struct rheap_diag *spmc_abi_last_diag(const struct spmc_abi *abi);

/**
 * spmc_abi_endpoint_version() - the FF-A version an endpoint uses
 * @abi: handler
 * @ep:  endpoint ID
 * @out: FFA_VERSION_1_1 or FFA_VERSION_1_2
 *
 * Return: 0, or -ENOENT if @ep was not added.
 */
int spmc_abi_endpoint_version(const struct spmc_abi *abi, uint16_t ep,
			      uint32_t *out);

/**
 * spmc_abi_status_from_errno() - THE errno to FF-A status translation
 * @err: 0 or a negative errno returned by the SPMC core or the board
 *
 * 0 → 0; -EINVAL, -ENOENT, -EOVERFLOW → INVALID_PARAMETERS; -EPERM,
 * -EBUSY → DENIED; -ENOMEM, -ENOSPC → NO_MEMORY; -EOPNOTSUPP →
 * NOT_SUPPORTED; anything else (outside the closed set of rheap/err.h) →
 * ABORTED. The table and its reasons are in docs/ffa-abi.md; a wedged core
 * (-EBUSY with spmc_is_wedged()) is reported as ABORTED by the handler.
 *
 * Return: an `enum ffa_status` value.
 */
int spmc_abi_status_from_errno(int err);

#endif /* RHEAP_SPMC_ABI_H */
