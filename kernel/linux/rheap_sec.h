/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rheap_sec: the module's secure-world backend (internal API).
 *
 * What src/kernel/ksec.h is to rheapd, this is to the kernel module: FF-A
 * memory management (LEND/RECLAIM of dynamic chunks to the SDP partition)
 * and the SDP partition's direct requests (include/rheap/sdp_abi.h).
 *
 * Two transports implement it: the ivshmem FF-A mailbox (rheap_mbox.c,
 * include/rheap/ffa_mailbox.h, x86_64 guests of rheap-board) and the
 * kernel's arm_ffa driver (rheap_arm_ffa.c, arm64 with
 * CONFIG_ARM_FFA_TRANSPORT). At most one backend exists at a time.
 *
 * Locking: every call takes the backend's mutex (one FF-A call in flight;
 * the calls may sleep: process context only). The SDP parameter area is
 * NOT covered by that mutex: its one user (the TEE, rheap_tee) serializes
 * its own writes/call/reads.
 *
 * Errors: 0 or a negative kernel errno. FF-A status codes map as:
 * DENIED -EPERM, NO_MEMORY -ENOMEM, INVALID_PARAMETERS -EINVAL,
 * NOT_SUPPORTED -EOPNOTSUPP, BUSY/RETRY -EBUSY, ABORTED -ECANCELED,
 * NO_DATA -ENODATA, INTERRUPTED -EINTR, NOT_READY -EAGAIN; SDP statuses
 * are already errnos. A malformed answer (wrong kind, MBZ bits, wrong
 * endpoints, a status outside the ABI, out-of-bounds values) is -EPROTO,
 * logged with the call and the field. Transport failure
 * (mailbox timeout, board gone) is -EIO and sticky: the backend is dead
 * and every later call fails at once with -EIO.
 *
 * Life cycle (rheap_main.c):
 *   module init: transport driver registered -> device probed -> FF-A
 *   negotiated, RX/TX mapped, parameter area shared and registered ->
 *   rheap_sec_get() succeeds -> rheap_tee_init() -> rheap_heaps_init()
 *   module exit: rheap_heaps_exit() -> rheap_tee_exit() -> transport
 *   unregistered (parameter area unregistered/reclaimed, RX/TX unmapped).
 */
#ifndef RHEAP_KERNEL_RHEAP_SEC_H
#define RHEAP_KERNEL_RHEAP_SEC_H

#include <linux/kconfig.h>
#include <linux/types.h>

struct dentry;
struct rheap_sec;

/* Most constituents one rheap_sec_chunk_lend() takes. */
#define RHEAP_SEC_MAX_RANGES 256u

/* Size of the SDP parameter area (bytes). */
#define RHEAP_SEC_PARAM_SIZE (256u * 1024u)

/**
 * struct rheap_sec_range - one constituent of a lent chunk
 * @pa:    physical address, 4 KiB aligned
 * @pages: number of 4 KiB pages, >= 1
 */
struct rheap_sec_range {
	u64 pa;
	u32 pages;
};

/**
 * rheap_sec_get() - the backend, once its transport device has probed
 *
 * No reference is taken: the backend lives until rheap_exit() unregisters
 * the transport, after the heaps and the TEE are gone.
 *
 * Return: the backend; ERR_PTR(-EPROBE_DEFER) the driver is registered
 * but no device has probed (yet); ERR_PTR(-ENODEV) no transport; ERR_PTR
 * of the probe's error if the FF-A negotiation failed.
 */
struct rheap_sec *rheap_sec_get(void);

/**
 * rheap_sec_dead() - whether the transport has failed (sticky)
 * @sec: the backend
 */
bool rheap_sec_dead(struct rheap_sec *sec);

/**
 * rheap_sec_sdp_call() - one SDP direct request
 * @sec:  the backend
 * @cmd:  SDP_CMD_* with its flags in bits [31:16]
 * @args: w4..w7
 * @res:  out, optional: w4..w7 of the response (zeroed on failure)
 *
 * Return: the SDP status as an errno; -EPROTO malformed response; -EIO.
 */
int rheap_sec_sdp_call(struct rheap_sec *sec, u32 cmd, const u32 args[4],
		       u32 res[4]);

/**
 * rheap_sec_protmem_range() - SDP_CMD_GET_PROTMEM_CONFIG
 * @sec:      the backend
 * @use_case: RHEAP_USE_CASE_* (include/rheap/use_case.h)
 * @index:    0..count-1
 * @count:    out: static ranges of @use_case
 * @base:     out: PA of range @index
 * @size:     out: its size in bytes
 *
 * Return: 0; -ENOENT @index >= *count (*count still set); an errno.
 */
int rheap_sec_protmem_range(struct rheap_sec *sec, u32 use_case, u32 index,
			    u32 *count, u64 *base, u64 *size);

/**
 * rheap_sec_lend_config() - SDP_CMD_GET_LEND_CONFIG
 * @sec:        the backend
 * @use_case:   RHEAP_USE_CASE_*
 * @min_chunk:  out: bytes; chunk sizes are multiples of it
 * @alignment:  out: bytes; constituents start at multiples of it
 * @pool_count: out: dynamic pools of @use_case (0: none)
 *
 * Return: 0; an errno.
 */
int rheap_sec_lend_config(struct rheap_sec *sec, u32 use_case,
			  u64 *min_chunk, u64 *alignment, u32 *pool_count);

/**
 * rheap_sec_chunk_lend() - FFA_MEM_LEND to the SDP partition (tag =
 * @use_case; fragmented with FFA_MEM_FRAG_TX when the descriptor exceeds
 * the TX buffer), then SDP_CMD_ASSIGN
 * @sec:      the backend
 * @use_case: RHEAP_USE_CASE_*
 * @ranges:   the constituents; already removed from every kernel mapping
 * @n:        1..RHEAP_SEC_MAX_RANGES
 * @handle:   out: the FF-A memory handle
 * @buf_id:   out: the SDP buffer ID
 *
 * All or nothing: if ASSIGN fails the LEND is reclaimed before returning.
 *
 * Return: 0; an errno.
 */
int rheap_sec_chunk_lend(struct rheap_sec *sec, u32 use_case,
			 const struct rheap_sec_range *ranges, u32 n,
			 u64 *handle, u32 *buf_id);

/**
 * rheap_sec_chunk_reclaim() - SDP_CMD_RELEASE, then FFA_MEM_RECLAIM
 * @sec:    the backend
 * @handle: from rheap_sec_chunk_lend()
 *
 * On success the pages are NS again and scrubbed: the caller may map
 * them again. On failure they stay restricted: never map them again
 * (leak them). A RELEASE that succeeded followed by a failed RECLAIM is
 * remembered: a later call retries only the RECLAIM.
 *
 * Return: 0; -EBUSY still attached; an errno.
 */
int rheap_sec_chunk_reclaim(struct rheap_sec *sec, u64 handle);

/**
 * rheap_sec_scrub() - SDP_CMD_SCRUB: zero a page range of a buffer
 * @sec:    the backend
 * @buf_id: SDP buffer ID (chunk, or SDP_BUF_ID_STATIC_BIT | pool index)
 * @off:    bytes, 4 KiB aligned
 * @size:   bytes, 4 KiB multiple, non-zero
 *
 * Return: 0; an errno.
 */
int rheap_sec_scrub(struct rheap_sec *sec, u32 buf_id, u64 off, u64 size);

/**
 * rheap_sec_attach() - SDP_CMD_ATTACH a page range for a secure device
 * @sec:       the backend
 * @buf_id:    SDP buffer ID
 * @off:       bytes, 4 KiB aligned
 * @size:      bytes, 4 KiB multiple, non-zero
 * @stream_id: the device's SMMU stream ID
 * @write:     the device may write
 * @iova:      out: the device address
 *
 * Return: 0; -EPERM; an errno.
 */
int rheap_sec_attach(struct rheap_sec *sec, u32 buf_id, u64 off, u64 size,
		     u32 stream_id, bool write, u64 *iova);

/**
 * rheap_sec_detach() - SDP_CMD_DETACH
 * @sec:       the backend
 * @stream_id: as attached
 * @iova:      from rheap_sec_attach()
 *
 * Return: 0; an errno.
 */
int rheap_sec_detach(struct rheap_sec *sec, u32 stream_id, u64 iova);

/**
 * rheap_sec_param_area() - the registered SDP parameter area
 * @sec:  the backend
 * @va:   out: kernel mapping (RHEAP_SEC_PARAM_SIZE bytes, zeroed at probe)
 * @pa:   out: its physical address
 * @size: out: RHEAP_SEC_PARAM_SIZE
 *
 * Offsets into it are what SDP memrefs with SDP_BUF_ID_PARAM name.
 */
void rheap_sec_param_area(struct rheap_sec *sec, void **va, phys_addr_t *pa,
			  size_t *size);

/**
 * rheap_sec_sdp_id() - the SDP partition's FF-A endpoint ID
 * @sec: the backend
 */
u16 rheap_sec_sdp_id(struct rheap_sec *sec);

/*
 * Init/exit hooks of the module's parts, called by rheap_main.c: init
 * TEE then heaps (last: nothing may fail after a dma-heap is added);
 * exit heaps then TEE. rheap_main.c has __weak stubs (return 0 / do
 * nothing) until a part is linked in.
 *
 * rheap_tee_init()   - register the TEE device (H28: rheap_tee*.c)
 * rheap_heaps_init() - register the dma-heaps (H27: rheap_heap*.c)
 * Return: 0; an errno (module load fails, earlier parts are undone).
 */
int rheap_heaps_init(struct rheap_sec *sec);
void rheap_heaps_exit(void);
int rheap_tee_init(struct rheap_sec *sec);
void rheap_tee_exit(void);

/**
 * rheap_debugfs_root() - the module's debugfs directory
 * (/sys/kernel/debug/rheap), for the parts' own files
 *
 * Return: the dentry (an ERR_PTR or NULL without debugfs: debugfs_create_*
 * accept those and do nothing).
 */
struct dentry *rheap_debugfs_root(void);

/*
 * Transport drivers (rheap_mbox.c, rheap_arm_ffa.c): register/unregister
 * their driver; rheap_sec.c holds the backend they publish.
 */
#if IS_ENABLED(CONFIG_PCI)
int rheap_mbox_register(void);
void rheap_mbox_unregister(void);
#else
static inline int rheap_mbox_register(void) { return 0; }
static inline void rheap_mbox_unregister(void) { }
#endif
#if IS_ENABLED(CONFIG_ARM_FFA_TRANSPORT)
int rheap_arm_ffa_register(void);
void rheap_arm_ffa_unregister(void);
#else
static inline int rheap_arm_ffa_register(void) { return 0; }
static inline void rheap_arm_ffa_unregister(void) { }
#endif

#endif /* RHEAP_KERNEL_RHEAP_SEC_H */
