/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NW-side client of the board transport (docs/board-transport.md), used by
 * tests, benchmarks and rheapd: connect and introduce itself, map the NW
 * DRAM the board hands over, make FF-A calls, and the memory-management
 * helpers a NW kernel needs (RXTX_MAP, MEM_SHARE/LEND/DONATE with
 * fragmentation, MEM_RECLAIM).
 *
 * FF-A statuses become errno here, once (the client layer hands errno to
 * its users): NOT_SUPPORTED -EOPNOTSUPP, INVALID_PARAMETERS -EINVAL,
 * NO_MEMORY -ENOMEM, BUSY/RETRY/ABORTED -EBUSY, DENIED -EPERM, NO_DATA
 * -ENOENT. A transport failure (no board at the path, the board closed the
 * connection or died) is -ENOENT: there is no board at the other end.
 *
 * Life cycle:
 *
 *   nw_client_connect*() --> CONNECTED (NW: DRAM mapped; operator: none)
 *   CONNECTED --EOF / send error--> GONE (every call -ENOENT)
 *   any --nw_client_destroy()--> closed, DRAM unmapped
 *
 * Not thread-safe; one request at a time, as the transport requires.
 */
#ifndef RHEAP_SRC_BOARD_NW_CLIENT_H
#define RHEAP_SRC_BOARD_NW_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#include "board/board_msg.h"

/** Most NW DRAM ranges a client maps. */
#define NW_CLIENT_MAX_DRAM 8u

/**
 * struct nw_client_dram - a NW DRAM range as mapped by the client
 * @base: PA of @ptr
 * @size: bytes
 * @ptr:  the client's MAP_SHARED mapping of the board's memfd
 */
struct nw_client_dram {
	uint64_t base;
	uint64_t size;
	uint8_t *ptr;
};

struct nw_client;

/**
 * nw_client_connect() - connect to a board's socket and say HELLO
 * @path: the board's socket path
 * @kind: BOARD_CONN_NW, BOARD_CONN_OPERATOR or BOARD_CONN_HYP (VMs:
 *        nw_client_connect_vm())
 * @out:  the new client; untouched on failure
 *
 * Return: 0; -ENOENT if no board serves @path; the board's HELLO refusal
 * (-EBUSY: a NW endpoint is already connected; -EOPNOTSUPP: protocol
 * version; -EPERM: another user; -EINVAL); -EINVAL for a malformed reply
 * or a @path too long; -ENOMEM if mapping DRAM fails.
 */
int nw_client_connect(const char *path, enum board_conn_kind kind,
		      struct nw_client **out);

/**
 * nw_client_connect_fd() - nw_client_connect() over a connected socket
 * @fd:   SOCK_SEQPACKET socket (a socketpair() end); owned by the client
 *        on every path
 * @kind: as nw_client_connect() (BOARD_CONN_VM: -EINVAL)
 * @out:  as nw_client_connect()
 *
 * Return: as nw_client_connect().
 */
int nw_client_connect_fd(int fd, enum board_conn_kind kind,
			 struct nw_client **out);

/**
 * nw_client_connect_hyp() - connect as the hypervisor (HELLO kind
 * BOARD_CONN_HYP): NW DRAM mapped as for the host (nw_client_dram_get()),
 * no FF-A endpoint (nw_client_id() is 0); nw_client_status() and
 * nw_client_faults() work as on an operator connection
 * @path: the board's socket path
 * @out:  the new client; untouched on failure
 *
 * Return: 0; -ENOENT if no board serves @path; the board's HELLO refusal
 * (-EBUSY: a hypervisor is already connected; -EPERM: another user;
 * -EOPNOTSUPP: protocol version); -EINVAL for a malformed reply or a
 * @path too long; -ENOMEM if mapping DRAM fails.
 */
int nw_client_connect_hyp(const char *path, struct nw_client **out);

/**
 * nw_client_connect_vm() - connect as a VM's FF-A endpoint (HELLO kind
 * BOARD_CONN_VM): what a hypervisor does for each guest
 * @path:       the board's socket path
 * @vm_id:      the VM's endpoint ID, BOARD_VM_ID_MIN..BOARD_VM_ID_MAX
 *              (sent as is: the board checks it)
 * @dram:       NW DRAM mappings the client may use for PAs (its mailbox,
 *              nw_client_pa_ptr()): the board sends a VM connection no
 *              DRAM, the hypervisor maps NW DRAM through its own host
 *              connection (nw_client_dram_get()). Copied; the mappings
 *              are borrowed (never unmapped by this client) and must
 *              outlive it. NULL with @dram_count 0: none.
 * @dram_count: entries in @dram, 0..NW_CLIENT_MAX_DRAM
 * @out:        the new client; untouched on failure
 *
 * Return: 0; -ENOENT if no board serves @path; the board's HELLO refusal
 * (-EINVAL: an ID out of range; -EBUSY: a VM with that ID is connected;
 * -ENOMEM: BOARD_MAX_VMS are connected or the SPMC's endpoint table is
 * full; -EPERM: another user; -EOPNOTSUPP: protocol version); -EINVAL
 * for a malformed reply (another ID, DRAM messages announced), a @path
 * too long or @dram_count out of range.
 */
int nw_client_connect_vm(const char *path, uint16_t vm_id,
			 const struct nw_client_dram *dram,
			 uint32_t dram_count, struct nw_client **out);

/**
 * nw_client_connect_vm_fd() - nw_client_connect_vm() over a connected
 * socket
 * @fd:         SOCK_SEQPACKET socket (a socketpair() end); owned by the
 *              client on every path
 * @vm_id:      as nw_client_connect_vm()
 * @dram:       as nw_client_connect_vm()
 * @dram_count: as nw_client_connect_vm()
 * @out:        as nw_client_connect_vm()
 *
 * Return: as nw_client_connect_vm().
 */
int nw_client_connect_vm_fd(int fd, uint16_t vm_id,
			    const struct nw_client_dram *dram,
			    uint32_t dram_count, struct nw_client **out);

/**
 * nw_client_destroy() - disconnect and unmap
 * @c: the client, or NULL (no-op)
 */
void nw_client_destroy(struct nw_client *c);

/**
 * nw_client_destroy_wait() - disconnect, wait until the board has closed
 * its end, then unmap
 * @c:          the client, or NULL (no-op)
 * @timeout_ms: most milliseconds to wait for the board's EOF
 *
 * The board tears an endpoint down when it reads the connection's EOF and
 * closes its end afterwards: once this returns 0, the endpoint is gone on
 * the board (a hypervisor calls it before nw_client_hyp_reclaim(), which
 * would otherwise race the teardown and see the VM still connected).
 * Replies still queued are discarded. @c is freed on every path.
 *
 * Return: 0; -EBUSY if the board did not close within @timeout_ms.
 */
int nw_client_destroy_wait(struct nw_client *c, int timeout_ms);

/**
 * nw_client_id() - the FF-A endpoint ID the board gave (0: operator)
 * @c: the client
 *
 * Return: the ID.
 */
uint16_t nw_client_id(const struct nw_client *c);

/**
 * nw_client_flags() - the HELLO reply's BOARD_HELLO_FLAG_* bits
 * @c: the client
 *
 * Return: the flags.
 */
uint64_t nw_client_flags(const struct nw_client *c);

/**
 * nw_client_fd() - the socket, for tests that send raw frames
 * @c: the client
 *
 * Return: the fd (owned by @c).
 */
int nw_client_fd(const struct nw_client *c);

/**
 * nw_client_dram_count() - NW DRAM ranges mapped
 * @c: the client
 *
 * Return: the count (0 for an operator connection).
 */
uint32_t nw_client_dram_count(const struct nw_client *c);

/**
 * nw_client_dram_get() - one mapped range
 * @c:     the client
 * @index: 0 .. nw_client_dram_count() - 1
 * @out:   the range
 *
 * Return: 0; -ENOENT if @index is out of range.
 */
int nw_client_dram_get(const struct nw_client *c, uint32_t index,
		       struct nw_client_dram *out);

/**
 * nw_client_pa_ptr() - the client's address of a PA range in NW DRAM
 * @c:    the client
 * @pa:   first byte
 * @size: bytes, non-zero
 * @ptr:  out
 *
 * Return: 0; -EINVAL if the range is not inside one mapped range.
 */
int nw_client_pa_ptr(const struct nw_client *c, uint64_t pa, uint64_t size,
		     void **ptr);

/**
 * nw_client_call() - one FF-A call over the transport
 * @c:    the client (a NW connection)
 * @req:  the registers to send
 * @resp: out: the board's reply
 *
 * Return: 0 (the FF-A outcome is in @resp); -ENOENT if the board is gone
 * (EOF or a socket error; the client is then GONE); -EINVAL if the reply
 * is malformed.
 */
int nw_client_call(struct nw_client *c, const struct rheap_ffa_regs *req,
		   struct rheap_ffa_regs *resp);

/**
 * nw_client_ffa_errno() - the errno of an FF-A reply
 * @resp: a reply
 *
 * Return: 0 for FFA_SUCCESS_32/64 and any other non-error reply; the
 * mapped errno of FFA_ERROR's status (see the top of this file).
 */
int nw_client_ffa_errno(const struct rheap_ffa_regs *resp);

/**
 * nw_client_version() - FFA_VERSION
 * @c:       the client
 * @version: the version to offer
 * @out:     out: the board's version
 *
 * Return: 0; -EOPNOTSUPP if the board answers NOT_SUPPORTED; transport
 * errors as nw_client_call().
 */
int nw_client_version(struct nw_client *c, uint32_t version, uint32_t *out);

/**
 * nw_client_id_get() - FFA_ID_GET
 * @c:  the client
 * @id: out
 *
 * Return: 0; an FF-A or transport errno.
 */
int nw_client_id_get(struct nw_client *c, uint16_t *id);

/**
 * nw_client_rxtx_map() - FFA_RXTX_MAP_64 of a TX/RX pair in NW DRAM
 * @c:          the client
 * @tx_pa:      TX buffer PA (4 KiB aligned, in a mapped range)
 * @rx_pa:      RX buffer PA
 * @page_count: pages of each, 1..63
 *
 * On success the client remembers the buffers (mem_send writes TX).
 *
 * Return: 0; -EINVAL if a buffer is not in mapped NW DRAM; an FF-A or
 * transport errno.
 */
int nw_client_rxtx_map(struct nw_client *c, uint64_t tx_pa, uint64_t rx_pa,
		       uint32_t page_count);

/**
 * nw_client_mem_send() - FFA_MEM_SHARE/LEND/DONATE, fragmented as needed
 * @c:         the client (RX/TX mapped)
 * @mem:       the descriptor value (its @abi selects the call)
 * @handle:    out: the handle
 * @fragments: out, optional: fragments sent (1 when it fit in TX)
 *
 * Encodes @mem, sends what fits in TX with the call, then the rest with
 * FFA_MEM_FRAG_TX while the board answers FFA_MEM_FRAG_RX.
 *
 * Return: 0; -EINVAL for an invalid @mem, no TX buffer, or a board reply
 * out of sequence; -ENOMEM if the encoding cannot be allocated; an FF-A
 * or transport errno.
 */
int nw_client_mem_send(struct nw_client *c, const struct rheap_ffa_mem *mem,
		       uint64_t *handle, uint32_t *fragments);

/**
 * nw_client_lend() - nw_client_mem_send() of a LEND to one partition
 * @c:           the client
 * @receiver:    borrower endpoint ID
 * @tag:         the transaction tag (rheap: the use case)
 * @ranges:      constituents
 * @range_count: entries in @ranges
 * @flags:       FFA_MEM_FLAG_* (e.g. CLEAR)
 * @handle:      out
 * @fragments:   out, optional
 *
 * RW data access, single borrower, attributes left to the borrower; the
 * v1.2 EMAD layout when the board answered FFA_VERSION with 1.2 or later.
 *
 * Return: as nw_client_mem_send().
 */
int nw_client_lend(struct nw_client *c, uint16_t receiver, uint64_t tag,
		   const struct rheap_ffa_range *ranges, uint32_t range_count,
		   uint32_t flags, uint64_t *handle, uint32_t *fragments);

/**
 * nw_client_reclaim() - FFA_MEM_RECLAIM
 * @c:      the client
 * @handle: the handle
 * @flags:  FFA_RECLAIM_FLAG_*
 *
 * Return: 0; an FF-A or transport errno.
 */
int nw_client_reclaim(struct nw_client *c, uint64_t handle, uint32_t flags);

/**
 * nw_client_hyp_reclaim() - the hypervisor reclaims a dead VM's orphans
 * (BOARD_MSG_HYP_RECLAIM)
 * @c:         a hypervisor connection (nw_client_connect_hyp())
 * @vm_id:     the dead VM's endpoint ID (its connection closed, e.g. with
 *             nw_client_destroy_wait())
 * @reclaimed: out: orphans reclaimed (scrubbed, given back to the NW)
 * @held:      out: orphans still held (a DONATE, a borrower holding it,
 *             a failed reclaim)
 * @status:    out: the board's status: 0; -EINVAL an ID out of range;
 *             -ENOENT no VM with @vm_id configured (nothing lingers under
 *             it); -EBUSY it is connected, or the SPMC is wedged; -EPERM
 *             not a hypervisor connection; a reclaim's platform error
 *             (-ENOMEM)
 *
 * Return: 0 (then see @status); -ENOENT the board is gone; -EINVAL for a
 * NULL argument or a malformed reply (another x0, a status outside the
 * closed set, a count above 32 bits, x4..x17 set).
 */
int nw_client_hyp_reclaim(struct nw_client *c, uint16_t vm_id,
			  uint32_t *reclaimed, uint32_t *held, int *status);

/**
 * nw_client_status() - an operator connection's STATUS request
 * @c:    the client (BOARD_CONN_OPERATOR)
 * @json: out: malloc()ed NUL-terminated JSON; the caller frees it
 * @len:  out: its length
 *
 * Return: 0; the board's error; -ENOENT if the board is gone; -EINVAL for
 * a malformed reply; -ENOMEM.
 */
int nw_client_status(struct nw_client *c, char **json, size_t *len);

/**
 * nw_client_faults() - an operator connection's FAULTS request
 * @c:    the client (BOARD_CONN_OPERATOR)
 * @json: out: malloc()ed NUL-terminated JSON of the board's fault log
 *        (board_faults_json()); the caller frees it
 * @len:  out: its length
 *
 * Return: as nw_client_status().
 */
int nw_client_faults(struct nw_client *c, char **json, size_t *len);

/**
 * nw_client_device() - one BOARD_MSG_DEVICE job (include/rheap/
 * device_abi.h): what a NW kernel driver writes to a device model
 * @c:      the client (a NW connection)
 * @stream: the device's SMMU stream ID (x1)
 * @cmd:    enum device_cmd (x2)
 * @args:   DEVICE_ARGS board-side argument slots (x3..x10)
 * @res:    out: DEVICE_RESULTS result slots (x2..x9 of the reply); zeroed
 *          first, set whatever the status
 * @status: out: the device's status, 0 or a negative errno of
 *          include/rheap/err.h; a board without the DEVICE message
 *          answers FFA_ERROR, reported here as its errno (NOT_SUPPORTED:
 *          -EOPNOTSUPP)
 *
 * Return: 0 (the outcome is in *@status); -ENOENT the board is gone (the
 * client is then GONE); -EINVAL a malformed reply (a status outside the
 * closed errno set, x10..x17 not zero, an x0 that is neither
 * BOARD_MSG_DEVICE nor FFA_ERROR) or a NULL argument.
 */
int nw_client_device(struct nw_client *c, uint32_t stream, uint32_t cmd,
		     const uint64_t args[8], uint64_t res[8], int *status);

/**
 * nw_client_ext_map() - BOARD_MSG_EXT_MAP: give the board a memfd as an
 * external NS window (what a NW kernel's IOMMU driver reaches a system
 * buffer through)
 * @c:      the client (a NW connection)
 * @fd:     the memfd, sent with SCM_RIGHTS (the caller keeps its copy)
 * @size:   bytes, a multiple of 4 KiB, at most BOARD_EXT_MAX_SIZE
 * @pa:     out: the window's PA (0 unless *@status is 0)
 * @status: out: the board's status (0 or a negative errno); a board
 *          without the message answers FFA_ERROR, reported as its errno
 *
 * Return: 0 (the outcome is in *@status); -ENOENT the board is gone;
 * -EINVAL a malformed reply or a NULL argument.
 */
int nw_client_ext_map(struct nw_client *c, int fd, uint64_t size,
		      uint64_t *pa, int *status);

/**
 * nw_client_ext_unmap() - BOARD_MSG_EXT_UNMAP
 * @c:      the client (a NW connection)
 * @pa:     the window's PA
 * @status: out: the board's status (-EBUSY while an SMMU mapping points
 *          into the window, -ENOENT no such window)
 *
 * Return: as nw_client_ext_map().
 */
int nw_client_ext_unmap(struct nw_client *c, uint64_t pa, int *status);

/**
 * nw_client_smmu_ns() - BOARD_MSG_SMMU_NS: program a device's
 * non-secure SMMU context
 * @c:      the client (a NW connection)
 * @stream: the device's stream ID
 * @iova:   first IOVA (4 KiB aligned)
 * @pa:     first PA (map; 0 for unmap)
 * @size:   bytes (4 KiB multiple; unmap: exactly a mapping's)
 * @flags:  BOARD_SMMU_NS_MAP, BOARD_SMMU_NS_WRITE
 * @status: out: the board's status
 *
 * Return: as nw_client_ext_map().
 */
int nw_client_smmu_ns(struct nw_client *c, uint32_t stream, uint64_t iova,
		      uint64_t pa, uint64_t size, uint64_t flags, int *status);

#endif /* RHEAP_SRC_BOARD_NW_CLIENT_H */
