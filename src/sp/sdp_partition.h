/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * The SDP secure partition as an FF-A endpoint: it answers the direct
 * requests of include/rheap/sdp_abi.h (docs/sdp-abi.md), holds the chunks
 * the normal world lent it (retrieved from the SPMC as itself), maps them
 * into the secure SMMU context of the devices allowed to use them, and runs
 * the sdp_basic and CENC services over them.
 *
 * The partition borrows everything it works with (SPMC, DRAM, SMMU, bus,
 * platform, key store): they must outlive it. It reaches memory only as a
 * secure CPU through the bus (hw_bus_cpu_map()), and the SPMC only through
 * spmc_retrieve(), spmc_frag_rx() and spmc_relinquish() with its own ID.
 * Not thread-safe: the board's ABI handler serialises calls, as it does for
 * the SPMC.
 *
 * Board requirement: the SPMC's `pools` must include the platform's
 * dynamic pools. The partition accepts only chunks inside a dynamic pool of
 * the chunk's use case, and relies on the SPMC scrubbing those at reclaim
 * (R3), so RELEASE does not scrub a second time.
 */
#ifndef RHEAP_SRC_SP_SDP_PARTITION_H
#define RHEAP_SRC_SP_SDP_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/ffa_regs.h>
#include <rheap/platform.h>

#include "hw/hw_bus.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "sp/sp_keys.h"
#include "spmc/spmc.h"

/* Capacities (a hostile normal world cannot grow them). */
#define SDP_PARTITION_MAX_CHUNKS 64u
#define SDP_PARTITION_MAX_CHUNK_RANGES 256u
#define SDP_PARTITION_MAX_ATTACHMENTS 256u
#define SDP_PARTITION_MAX_PARAM_AREAS 8u
/* IOVA window the partition allocates device addresses from. */
#define SDP_PARTITION_IOVA_BASE UINT64_C(0x100000000)
#define SDP_PARTITION_IOVA_LIMIT UINT64_C(0x1000000000000)

/**
 * struct sdp_partition_cfg - what the board gives the partition
 * @id:              its FF-A endpoint ID (0x8001 on the default board);
 *                   bit 15 set, and configured in @spmc
 * @spmc:            the SPMC (borrowed); called with @id as the caller
 * @dram:            DRAM model (borrowed; unused today, kept for the board)
 * @smmu:            SMMU model (borrowed): the partition programs secure
 *                   contexts
 * @bus:             system bus (borrowed): every CPU access goes through it
 * @plat:            platform description (borrowed): pools and devices
 * @keys:            content keys by KID (borrowed), or NULL: DECRYPT is
 *                   refused with -EOPNOTSUPP
 * @min_chunk_size:  bytes; a chunk's size must be a multiple of it;
 *                   a non-zero multiple of 4 KiB
 * @chunk_alignment: bytes; each constituent of a chunk starts at a
 *                   multiple of it; a power of two >= 4 KiB
 * @debug_dump:      allow SDP_CMD_DUMP (debug boards only: it defeats R1)
 * @test_alloc_fail: test hook; NULL on a board. While it points at a
 *                   non-zero count, each heap allocation the partition
 *                   makes (its own at create, the range copy of ASSIGN
 *                   and REGISTER_PARAM_SHM) takes one off the count and
 *                   fails as if the host were out of memory (-ENOMEM).
 *                   Borrowed: the test sets the count between calls.
 */
struct sdp_partition_cfg {
	uint16_t id;
	struct spmc *spmc;
	struct hw_dram *dram;
	struct hw_smmu *smmu;
	struct hw_bus *bus;
	const struct rheap_platform *plat;
	const struct sp_keys *keys;
	uint64_t min_chunk_size;
	uint64_t chunk_alignment;
	bool debug_dump;
	uint32_t *test_alloc_fail;
};

/**
 * struct sdp_partition_stats - what the partition holds now (R8)
 * @chunks:        assigned chunks
 * @chunk_pages:   their pages
 * @attachments:   live device mappings (ATTACH without DETACH)
 * @param_areas:   registered parameter areas
 */
struct sdp_partition_stats {
	uint32_t chunks;
	uint64_t chunk_pages;
	uint32_t attachments;
	uint32_t param_areas;
};

struct sdp_partition;

/**
 * sdp_partition_create() - make the partition
 * @cfg: configuration (trusted: from the board); copied, the pointers in
 *       it are borrowed
 * @out: the partition; untouched on failure
 *
 * Return: 0; -EINVAL if a required pointer is NULL (@cfg->keys may be),
 * @cfg->id lacks the secure bit, or @cfg->min_chunk_size /
 * @cfg->chunk_alignment break their rules; -ENOMEM.
 */
int sdp_partition_create(const struct sdp_partition_cfg *cfg,
			 struct sdp_partition **out);

/**
 * sdp_partition_destroy() - let go of everything and free the partition
 * @sp: the partition, or NULL (no-op)
 *
 * Unmaps every attachment from the SMMU, relinquishes every assigned chunk
 * and parameter area through the SPMC (errors are ignored: a wedged SPMC
 * keeps the memory secure, which is the safe side), then frees.
 */
void sdp_partition_destroy(struct sdp_partition *sp);

/**
 * sdp_partition_endpoint_teardown() - a normal-world endpoint died
 * @sp: the partition
 * @ep: the endpoint (trusted: the board or hypervisor says so)
 *
 * Drops everything @ep created: its attachments are unmapped, its chunks
 * and its parameter area relinquished (SPMC errors ignored, as in
 * sdp_partition_destroy()), so the hypervisor can reclaim the orphans the
 * SPMC keeps for it (R4). Call it before or after spmc_endpoint_teardown().
 * Cannot fail; an endpoint that holds nothing is a no-op.
 */
void sdp_partition_endpoint_teardown(struct sdp_partition *sp, uint16_t ep);

/**
 * sdp_partition_direct_req() - answer one FFA_MSG_SEND_DIRECT_REQ
 * @ctx:      the `struct sdp_partition *`
 * @sender:   the requesting endpoint, as the transport established it
 *            (trusted: the ABI handler checked it)
 * @receiver: the endpoint the request is for
 * @req:      the request registers (untrusted content)
 * @resp:     out: FFA_MSG_SEND_DIRECT_RESP_32/64 (the request's width),
 *            w1 = @receiver << 16 | @sender, w2 = 0, w3 = status,
 *            w4..w7 = results (include/rheap/sdp_abi.h)
 *
 * Every command failure is a response with a negative status in w3, and
 * the partition's state is then unchanged.
 *
 * Return: 0 when @resp holds a response; -EINVAL, with @resp zeroed,
 * when none can be formed: a NULL argument, @receiver is not this
 * partition, w0 is not FFA_MSG_SEND_DIRECT_REQ_32/64, or w1 does not
 * name @sender and @receiver.
 */
int sdp_partition_direct_req(void *ctx, uint16_t sender, uint16_t receiver,
			     const struct rheap_ffa_regs *req,
			     struct rheap_ffa_regs *resp);

/**
 * sdp_partition_stats() - what the partition holds
 * @sp:  the partition
 * @out: filled
 */
void sdp_partition_stats(const struct sdp_partition *sp,
			 struct sdp_partition_stats *out);

#endif /* RHEAP_SRC_SP_SDP_PARTITION_H */
