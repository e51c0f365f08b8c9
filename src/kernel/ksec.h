/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapd's secure-world backend: what a Linux kernel's FF-A driver and the
 * protected-memory glue of its TEE driver do, over the board transport
 * (src/board/nw_client.h). Everything rheapd asks of the secure world goes
 * through here: FF-A memory management (LEND/RECLAIM of dynamic chunks)
 * and the SDP partition's direct requests (include/rheap/sdp_abi.h).
 *
 * It owns a small "scratch" range of NW DRAM that rheapd sets aside for
 * it: the RX/TX mailbox pair (FFA_RXTX_MAP) and the SDP parameter area
 * (FFA_MEM_SHARE + SDP_CMD_REGISTER_PARAM_SHM), which ktee uses to pass
 * TEE memrefs by value.
 *
 * Life cycle:
 *
 *   ksec_create() --> READY (mailbox mapped, parameter area registered)
 *   READY --board gone--> GONE (every call -ENOENT; nothing is reclaimed:
 *                          a board that died took its memory with it)
 *   any --ksec_destroy()--> unregister, reclaim the parameter area, unmap
 *                          the mailbox, destroy the nw_client
 *
 * Not thread-safe: rheapd's event loop is its only caller.
 */
#ifndef RHEAP_SRC_KERNEL_KSEC_H
#define RHEAP_SRC_KERNEL_KSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/ffa_desc.h>

struct nw_client;
struct ksec;

/* Bytes ksec_create() needs at @scratch_pa: mailbox (2 x 4 KiB) plus a
 * 256 KiB parameter area. */
#define KSEC_SCRATCH_SIZE (264u * 1024u)

/**
 * struct ksec_cfg - what ksec_create() needs
 * @client:      a connected NW client (BOARD_CONN_NW); owned by the ksec
 *               from the call on, on every path
 * @sdp_id:      the SDP partition's FF-A endpoint ID (from the platform)
 * @scratch_pa:  4 KiB-aligned NW DRAM PA of KSEC_SCRATCH_SIZE bytes that
 *               nothing else uses
 */
struct ksec_cfg {
	struct nw_client *client;
	uint16_t sdp_id;
	uint64_t scratch_pa;
};

/**
 * ksec_create() - negotiate FF-A, map the mailbox, register the param area
 * @cfg: configuration
 * @out: the backend; untouched on failure
 *
 * Return: 0; -EINVAL bad @cfg or scratch range outside mapped NW DRAM;
 * -EOPNOTSUPP the board's FF-A or SDP ABI version is unsupported; an FF-A,
 * SDP or transport errno.
 */
int ksec_create(const struct ksec_cfg *cfg, struct ksec **out);

/**
 * ksec_destroy() - undo ksec_create()
 * @s: the backend, or NULL
 */
void ksec_destroy(struct ksec *s);

/**
 * ksec_gone() - whether the board has gone away
 * @s: the backend
 *
 * Return: true once any call saw the transport fail.
 */
bool ksec_gone(const struct ksec *s);

/**
 * ksec_sdp_call() - one SDP direct request (include/rheap/sdp_abi.h)
 * @s:     the backend
 * @cmd:   SDP_CMD_* with its flags in bits [31:16]
 * @args:  w4..w7
 * @res:   out, optional: w4..w7 of the response
 *
 * Return: the SDP status as an errno (0, -EINVAL, ...); -ENOENT also when
 * the board is gone (ksec_gone() tells the two apart).
 */
int ksec_sdp_call(struct ksec *s, uint32_t cmd, const uint32_t args[4],
		  uint32_t res[4]);

/**
 * ksec_protmem_range() - SDP_CMD_GET_PROTMEM_CONFIG
 * @s:        the backend
 * @use_case: RHEAP_USE_CASE_*
 * @index:    0..count-1
 * @count:    out: static ranges of @use_case
 * @base:     out: PA of range @index
 * @size:     out: its size in bytes
 *
 * Return: 0; -ENOENT @index >= *count (*count still set); an errno.
 */
int ksec_protmem_range(struct ksec *s, uint32_t use_case, uint32_t index,
		       uint32_t *count, uint64_t *base, uint64_t *size);

/**
 * ksec_lend_config() - SDP_CMD_GET_LEND_CONFIG
 * @s:          the backend
 * @use_case:   RHEAP_USE_CASE_*
 * @min_chunk:  out: bytes; chunk sizes are multiples of it
 * @alignment:  out: bytes; constituents start at multiples of it
 * @pool_count: out: dynamic pools of @use_case
 *
 * Return: 0; an errno.
 */
int ksec_lend_config(struct ksec *s, uint32_t use_case, uint64_t *min_chunk,
		     uint64_t *alignment, uint32_t *pool_count);

/**
 * ksec_chunk_lend() - make NW DRAM restricted: FFA_MEM_LEND to the SDP
 * partition (tag = @use_case, CLEAR not asked: the SPMC scrubs at reclaim),
 * then SDP_CMD_ASSIGN
 * @s:           the backend
 * @use_case:    RHEAP_USE_CASE_*
 * @ranges:      the chunk's constituents (PA, 4 KiB pages)
 * @range_count: 1..256
 * @handle:      out: the FF-A handle
 * @buf_id:      out: the SDP buffer ID of the chunk
 *
 * The caller has already dropped the range from its own mappings. All or
 * nothing: if ASSIGN fails the LEND is reclaimed before returning.
 *
 * Return: 0; an FF-A, SDP or transport errno.
 */
int ksec_chunk_lend(struct ksec *s, uint32_t use_case,
		    const struct rheap_ffa_range *ranges, uint32_t range_count,
		    uint64_t *handle, uint32_t *buf_id);

/**
 * ksec_chunk_reclaim() - SDP_CMD_RELEASE then FFA_MEM_RECLAIM
 * @s:      the backend
 * @handle: from ksec_chunk_lend()
 *
 * On success the memory is NS again and scrubbed (the SPMC scrubs pool
 * memory before unprotecting it); the caller may map it again.
 *
 * Return: 0; -EBUSY still attached; an errno. On failure the chunk stays
 * restricted (and assigned, unless RELEASE succeeded and RECLAIM failed:
 * then a later call retries just the RECLAIM).
 */
int ksec_chunk_reclaim(struct ksec *s, uint64_t handle);

/**
 * ksec_scrub() - SDP_CMD_SCRUB: zero a page range of a restricted buffer
 * @s:      the backend
 * @buf_id: SDP buffer ID (a chunk or SDP_BUF_ID_STATIC_BIT | n)
 * @offset: bytes, page-aligned, from the start of that buffer
 * @size:   bytes, page multiple, non-zero
 *
 * Return: 0; an errno.
 */
int ksec_scrub(struct ksec *s, uint32_t buf_id, uint64_t offset,
	       uint64_t size);

/**
 * ksec_attach() - SDP_CMD_ATTACH a page range for a device's secure context
 * @s:         the backend
 * @buf_id:    SDP buffer ID
 * @offset:    bytes, page-aligned
 * @size:      bytes, page multiple, non-zero
 * @stream_id: the device's SMMU stream ID
 * @write:     the device may write
 * @iova:      out: the device address
 *
 * Return: 0; -EPERM the device may not reach this use case; an errno.
 */
int ksec_attach(struct ksec *s, uint32_t buf_id, uint64_t offset,
		uint64_t size, uint32_t stream_id, bool write, uint64_t *iova);

/**
 * ksec_detach() - SDP_CMD_DETACH
 * @s:         the backend
 * @stream_id: as attached
 * @iova:      from ksec_attach()
 *
 * Return: 0; an errno.
 */
int ksec_detach(struct ksec *s, uint32_t stream_id, uint64_t iova);

/**
 * ksec_param_area() - the registered parameter area, for ktee
 * @s:    the backend
 * @ptr:  out: rheapd's mapping of it
 * @size: out: its size in bytes
 *
 * Offsets into *@ptr are what SDP memrefs with SDP_BUF_ID_PARAM name.
 */
void ksec_param_area(struct ksec *s, uint8_t **ptr, size_t *size);

/**
 * ksec_device() - one device job on the board (nw_client_device()), with
 * the backend's gone-board bookkeeping
 * @s:      the backend
 * @stream: the device's SMMU stream ID
 * @cmd:    enum device_cmd
 * @args:   the board-side argument slots (DEVICE_ARGS)
 * @res:    out: the result slots (DEVICE_RESULTS), zeroed first
 *
 * Return: the device's status (0 or a negative errno); -ENOENT also when
 * the board is gone (ksec_gone() tells the two apart); -EINVAL a
 * malformed reply.
 */
int ksec_device(struct ksec *s, uint32_t stream, uint32_t cmd,
		const uint64_t args[8], uint64_t res[8]);

/**
 * ksec_ext_map() - nw_client_ext_map() with the gone-board bookkeeping:
 * the board maps a memfd (a system buffer) as an external NS window
 * @s:    the backend
 * @fd:   the memfd (the caller keeps and closes its copy)
 * @size: bytes (4 KiB multiple)
 * @pa:   out: the window's PA
 *
 * Return: the board's status (0 or a negative errno); -ENOENT also when
 * the board is gone (ksec_gone()); -EINVAL a malformed reply.
 */
int ksec_ext_map(struct ksec *s, int fd, uint64_t size, uint64_t *pa);

/**
 * ksec_ext_unmap() - nw_client_ext_unmap() with the bookkeeping
 * @s:  the backend
 * @pa: the window's PA
 *
 * Return: as ksec_ext_map().
 */
int ksec_ext_unmap(struct ksec *s, uint64_t pa);

/**
 * ksec_smmu_ns() - nw_client_smmu_ns() with the bookkeeping: program a
 * device's non-secure SMMU context
 * @s:      the backend
 * @stream: the device's stream ID
 * @iova:   first IOVA
 * @pa:     first PA (0 to unmap)
 * @size:   bytes
 * @flags:  BOARD_SMMU_NS_MAP, BOARD_SMMU_NS_WRITE
 *
 * Return: as ksec_ext_map().
 */
int ksec_smmu_ns(struct ksec *s, uint32_t stream, uint64_t iova, uint64_t pa,
		 uint64_t size, uint64_t flags);

#endif /* RHEAP_SRC_KERNEL_KSEC_H */
