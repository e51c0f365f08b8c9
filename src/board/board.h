/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-board: the secure world of the development platform, assembled.
 *
 * board_create() boots the board from a Transfer List, the way firmware
 * would: it decodes the platform description, backs DRAM with host memory
 * (hw_dram), resets the TZASC and protects the static pools (they are
 * secure from reset), builds the SMMU, the bus and the device models, and
 * starts the SPMC memory manager, the SDP partition and the FF-A ABI
 * handler. Every FF-A call then enters through board_call() (in-process
 * transport) or through the socket transport of board_server.h, which is
 * a framing layer over the same functions.
 *
 * This development platform does NOT enforce protection in hardware
 * (RELIABILITY.md gap 5, OP-TEE CFG_INSECURE): restricted memory is memory
 * the normal-world (NW) processes never map. Static carve-outs never leave
 * the board process; lent NW DRAM is still mapped by the NW process that
 * owns the DRAM memfd. board_create() prints one warning line saying so.
 *
 * Life cycle of the host's NW endpoint:
 *
 *   board_create() --> READY (no NW endpoint connected)
 *   READY --board_nw_connect()--> NW CONNECTED (endpoint 0x0001)
 *   NW CONNECTED --board_nw_connect()--> -EBUSY (one NW kernel at a time)
 *   NW CONNECTED --board_nw_disconnect()--> READY (what the NW lent stays
 *        secure and accounted: the SPMC orphans it)
 *   any --board_destroy()--> gone (lent memory scrubbed before release)
 *
 * VM endpoints (issue 6: a hypervisor forwards each guest's FF-A calls as
 * the guest's own endpoint), independently of the host and of each other:
 *
 *   (absent) --board_vm_connect(id)--> CONNECTED (added to the SPMC and
 *        the ABI handler; at most BOARD_MAX_VMS at once)
 *   CONNECTED --board_vm_disconnect(id)--> (absent), or LINGERING while
 *        the SPMC keeps orphans the VM sent (still secure, still counted
 *        under the ID; only the hypervisor 0x0000 may reclaim them)
 *   LINGERING --board_vm_connect(id)--> CONNECTED (a new VM: none of the
 *        old one's mailbox, SDP buffers, device contexts, windows or
 *        reclaim rights; the orphans stay counted in the ID's stats)
 *   LINGERING --board_hyp_reclaim(id)--> (absent) once every orphan is
 *        reclaimed (scrubbed, unprotected, handles freed); LINGERING with
 *        what could not be
 *
 * The board trusts the connection's owner (the hypervisor, same uid) to
 * have checked that a VM lends or shares only memory its stage 2 gives
 * it; the SPMC's own checks (NS DRAM, no double lend, owner-only reclaim,
 * generation handles) apply to every endpoint alike.
 *
 * Not thread-safe: one thread drives a board (the server's poll loop).
 */
#ifndef RHEAP_SRC_BOARD_BOARD_H
#define RHEAP_SRC_BOARD_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/ffa_regs.h>
#include <rheap/platform.h>

#include "spmc/spmc.h"

/** The host NW kernel's FF-A endpoint ID. */
#define BOARD_NW_ENDPOINT 0x0001u

/** VM endpoint IDs: BOARD_VM_ID_MIN..BOARD_VM_ID_MAX (bit 15 clear). */
#define BOARD_VM_ID_MIN 0x0002u
#define BOARD_VM_ID_MAX 0x7FFFu
/** VM endpoints connected at once. */
#define BOARD_MAX_VMS 8u

/** Largest key file the board reads. */
#define BOARD_KEYS_FILE_MAX (64u * 1024u)

struct hw_bus;

/**
 * struct board_opts - how to boot
 * @keys_path:  optional content-key file for the SDP partition (see
 *              src/sp/sp_keys.h for the format); read by the board only,
 *              never logged; NULL: no keys
 * @log:        where log lines go; NULL: stderr
 * @dram_flags: hw_dram_create() flags (HW_DRAM_NO_SECRET in tests)
 * @debug_dump: let the SDP partition answer its debug dump command
 * @quiet:      log only errors and the protection warning
 * @sink_dir:   the display's protected sink directory (docs/devices.md),
 *              created mode 0700 if missing (an existing one must be a
 *              directory of the board's user; it is made 0700); NULL: no
 *              sink, DISPLAY_OPEN answers -EOPNOTSUPP
 * @guest_ram:  optional file backing the NW DRAM bank at PA 0 instead of
 *              a new memfd (a guest's RAM, QEMU memory-backend-file
 *              share=on; docs/ffa-mailbox.md): opened O_RDWR, its size
 *              must equal the bank's; NULL: a memfd as usual
 * @fault_spec: optional fault injection SPEC (board_inject.h; tests only);
 *              refused (-EINVAL) unless @debug_dump is set; NULL: none
 */
struct board_opts {
	const char *keys_path;
	FILE *log;
	uint32_t dram_flags;
	bool debug_dump;
	bool quiet;
	const char *sink_dir;
	const char *guest_ram;
	const char *fault_spec;
};

/**
 * struct board_device_status - the media devices' counters (docs/devices.md)
 * @vdec_contexts:     decoder contexts open
 * @vdec_opened:       contexts ever opened
 * @vdec_packets:      access units decoded
 * @vdec_frames:       frames written (decoded frames)
 * @vdec_errors:       decode errors (bitstreams that did not decode)
 * @vdec_faults:       vdec bus faults (bitstream reads, frame writes)
 * @display_sessions:  display sessions open
 * @display_opened:    sessions ever opened
 * @display_frames:    frames shown
 * @display_snapshots: PNG snapshots written
 * @display_faults:    display bus faults
 * @display_sink_errors: sink writes that failed on the host
 * @gpu_reads:         GPU_READ jobs that completed
 * @gpu_faults:        GPU_READ jobs the bus refused
 */
struct board_device_status {
	uint32_t vdec_contexts;
	uint64_t vdec_opened;
	uint64_t vdec_packets;
	uint64_t vdec_frames;
	uint64_t vdec_errors;
	uint64_t vdec_faults;
	uint32_t display_sessions;
	uint64_t display_opened;
	uint64_t display_frames;
	uint64_t display_snapshots;
	uint64_t display_faults;
	uint64_t display_sink_errors;
	uint64_t gpu_reads;
	uint64_t gpu_faults;
};

/**
 * enum board_ep_kind - what an endpoint of the status is
 * @BOARD_EP_HOST:      the host NW kernel (BOARD_NW_ENDPOINT)
 * @BOARD_EP_VM:        a VM endpoint (connected, or lingering: see the
 *                      life cycle above)
 * @BOARD_EP_PARTITION: a secure partition
 */
enum board_ep_kind {
	BOARD_EP_HOST = 0,
	BOARD_EP_VM,
	BOARD_EP_PARTITION,
};

/**
 * struct board_ep_status - accounting of one configured endpoint
 * @id:        FF-A endpoint ID
 * @kind:      enum board_ep_kind
 * @connected: host and VMs: a connection serves it now; partitions: true
 * @stats:     spmc_endpoint_stats()
 */
struct board_ep_status {
	uint16_t id;
	enum board_ep_kind kind;
	bool connected;
	struct spmc_ep_stats stats;
};

/**
 * struct board_status - what an operator (or a test) may see
 * @spmc:           spmc_stats()
 * @wedged:         spmc_is_wedged()
 * @tzasc_regions:  programmable TZASC regions
 * @tzasc_used:     of those, in use
 * @faults_total:   bus faults since boot
 * @faults_held:    faults in the log now
 * @faults_dropped: faults overwritten in the log
 * @smmu_mappings:  SMMU mappings over every context
 * @nw_connected:   the host NW kernel endpoint is connected
 * @vm_count:       VM endpoints connected
 * @enforced:       protection is enforced in hardware (always false here)
 * @secret:         every carve-out is in memfd_secret memory
 * @endpoint_count: entries in @endpoints
 * @endpoints:      per-endpoint accounting: the host, then the VMs
 *                  (connected or lingering, in the order they were first
 *                  added), then the partitions
 * @devices:        the media devices' counters
 */
struct board_status {
	struct spmc_stats spmc;
	bool wedged;
	uint32_t tzasc_regions;
	uint32_t tzasc_used;
	uint64_t faults_total;
	uint32_t faults_held;
	uint64_t faults_dropped;
	uint64_t smmu_mappings;
	bool nw_connected;
	uint32_t vm_count;
	bool enforced;
	bool secret;
	uint32_t endpoint_count;
	struct board_ep_status endpoints[SPMC_MAX_ENDPOINTS];
	struct board_device_status devices;
};

/**
 * struct board_dram_range - one NW DRAM range as handed to the NW
 * @fd:   memfd owned by the board (dup() or send it; never close it)
 * @base: PA of file offset 0
 * @size: bytes
 */
struct board_dram_range {
	int fd;
	uint64_t base;
	uint64_t size;
};

struct board;

/**
 * board_create() - boot a board from a Transfer List
 * @tl:      the list (untrusted; 8-byte aligned), @tl_size bytes readable
 * @tl_size: bytes at @tl
 * @opts:    options; NULL for the defaults
 * @out:     the new board; untouched on failure
 *
 * Logs the carve-out backing line, the protection warning and, on
 * failure, the reason (a rejected TL or DTB names the field).
 *
 * Return: 0; -EINVAL for a rejected TL, DTB or key file, or a platform
 * the board cannot model (static pools the TZASC cannot hold, a pool
 * outside DRAM), or a guest RAM file the board cannot use (no DRAM bank
 * at PA 0, another size, not a regular file; logged with the sizes);
 * -ENOENT if the TL has no FDT entry or the key file or guest RAM file
 * does not exist; -ENOSPC if a platform table is full; -ENOMEM.
 */
int board_create(const void *tl, size_t tl_size, const struct board_opts *opts,
		 struct board **out);

/**
 * board_destroy() - tear everything down
 * @b: the board, or NULL (no-op)
 *
 * Scrubs every page the SPMC still holds protected (lent or donated
 * memory, whoever holds it), then frees the models. The carve-outs go
 * back to the host, which zeroes them.
 */
void board_destroy(struct board *b);

/**
 * board_nw_connect() - a NW kernel endpoint arrives
 * @b:  the board
 * @ep: out: its FF-A endpoint ID (BOARD_NW_ENDPOINT)
 *
 * Return: 0; -EBUSY if a NW endpoint is already connected; an error of
 * spmc_abi_endpoint_add().
 */
int board_nw_connect(struct board *b, uint16_t *ep);

/**
 * board_nw_disconnect() - the NW endpoint went away
 * @b:  the board
 * @ep: the ID board_nw_connect() gave; anything else is ignored
 *
 * The same teardown as board_vm_disconnect(), in the same order: its
 * decoder contexts and display sessions are closed (sinks flushed), its
 * SMMU_NS mappings and windows removed, the SDP partition drops what it
 * created, its mailbox is unmapped and the SPMC tears it down: incomplete
 * transactions are dropped, complete ones stay secure and accounted. The
 * ID stays configured (a reconnected host cannot reclaim the orphans).
 */
void board_nw_disconnect(struct board *b, uint16_t ep);

/**
 * board_vm_connect() - a VM endpoint arrives (its hypervisor connected)
 * @b:  the board
 * @id: the VM's FF-A endpoint ID (untrusted: from HELLO x3)
 *
 * Adds @id to the SPMC (unless it lingers there with orphans) and to the
 * ABI handler. The VM starts with no mailbox, no SDP buffers, no device
 * contexts, windows or SMMU_NS mappings.
 *
 * Return: 0; -EINVAL if @id is outside BOARD_VM_ID_MIN..BOARD_VM_ID_MAX
 * (the host's ID, partition IDs and 0x0000 all are); -EBUSY if a VM with
 * @id is connected; -ENOMEM if BOARD_MAX_VMS are connected, or the SPMC's
 * endpoint table (SPMC_MAX_ENDPOINTS: host, partitions, VMs connected and
 * lingering) is full.
 */
int board_vm_connect(struct board *b, uint16_t id);

/**
 * board_vm_disconnect() - a VM endpoint went away
 * @b:  the board
 * @id: a connected VM's ID; anything else is ignored
 *
 * In order: its decoder contexts and display sessions are closed (sinks
 * flushed), its SMMU_NS mappings and external windows removed, the SDP
 * partition drops its attachments, chunks and parameter area
 * (sdp_partition_endpoint_teardown()), its mailbox goes and the SPMC
 * tears it down (fragmented sends freed, complete ones orphaned: LENT
 * memory stays secure and accounted). Then the ID leaves the SPMC, unless
 * orphans keep it (LINGERING). The host and the other VMs are untouched.
 */
void board_vm_disconnect(struct board *b, uint16_t id);

/**
 * struct board_hyp_reclaim_result - what board_hyp_reclaim() did
 * @reclaimed: orphans reclaimed (scrubbed, unprotected, handles freed)
 * @held:      orphans of the ID still there afterwards (a DONATE, one a
 *             borrower still holds, one whose reclaim failed)
 */
struct board_hyp_reclaim_result {
	uint32_t reclaimed;
	uint32_t held;
};

/**
 * board_hyp_reclaim() - the hypervisor reclaims a dead VM's orphans
 * @b:   the board
 * @id:  the VM's FF-A endpoint ID (untrusted: from the hypervisor's
 *       BOARD_MSG_HYP_RECLAIM x1)
 * @out: counts, written on every path (zero when nothing was tried)
 *
 * Every complete transaction the VM sent and left behind when its
 * connection closed (the SDP partition let go of it at teardown) is
 * reclaimed as the hypervisor (FFA_ID_HYPERVISOR), which always scrubs an
 * orphaned LEND before the TZASC gives it back: its pages, TZASC region
 * and handle are free again. When none is left, the LINGERING ID leaves
 * the SPMC (its table entry is free for a new VM). Orphans that cannot
 * be reclaimed stay as they were, counted in @out->held. Only the
 * transport decides who may ask (the hypervisor connection).
 *
 * Return: 0 (every orphan reclaimed, or held because a DONATE cannot be
 * reclaimed or a borrower still holds it); -EINVAL if @id is outside
 * BOARD_VM_ID_MIN..BOARD_VM_ID_MAX; -ENOENT if no VM with @id is
 * configured (never connected, or gone without orphans); -EBUSY if a VM
 * with @id is connected (only a dead VM's memory is the hypervisor's to
 * take back), or the SPMC is wedged; a platform error of a reclaim
 * (-ENOMEM: no TZASC region for a split; the walk goes on, the first
 * such error is returned).
 */
int board_hyp_reclaim(struct board *b, uint16_t id,
		      struct board_hyp_reclaim_result *out);

/**
 * board_nw_reclaim() - reclaim what a dead host NW endpoint left behind
 * @b:   the board
 * @out: counts, written on every path
 *
 * For a NW whose memory belongs to the board's operator, not to the NW
 * (the ivshmem guest: its RAM is the --guest-ram file, and the next guest
 * boots on it): after board_nw_disconnect(), every orphan the host
 * endpoint left is reclaimed as the hypervisor (scrubbed, unprotected,
 * back in the DRAM file), as board_hyp_reclaim() does for a VM.
 *
 * Return: 0 (DONATEs and held shares counted in @out->held); -EBUSY if
 * the NW endpoint is connected or the SPMC is wedged; the first platform
 * error of a reclaim.
 */
int board_nw_reclaim(struct board *b, struct board_hyp_reclaim_result *out);

/**
 * board_call() - the in-process SMC conduit
 * @b:    the board
 * @ep:   caller endpoint ID, as the transport established it (trusted)
 * @req:  the 18 registers (untrusted content)
 * @resp: out: the 18 reply registers
 *
 * Return: 0 (the FF-A outcome is in @resp); -EPERM if @ep is neither the
 * connected host nor a connected VM (@resp then holds FFA_ERROR DENIED).
 */
int board_call(struct board *b, uint16_t ep, const struct rheap_ffa_regs *req,
	       struct rheap_ffa_regs *resp);

/**
 * board_device_call() - BOARD_MSG_DEVICE: one media device command
 * @b:    the board
 * @ep:   caller endpoint ID, as the transport established it (trusted)
 * @req:  the registers: x0 BOARD_MSG_DEVICE, x1 stream ID, x2 command
 *        (enum device_cmd), x3..x10 args[0..7] (board-side slots),
 *        x11..x17 MBZ (untrusted content)
 * @resp: out: x0 BOARD_MSG_DEVICE, x1 status (sign-extended), x2..x9
 *        res[0..7], x10..x17 zero
 *
 * Checks, in order: @ep is the connected host or a connected VM
 * (-EPERM); x11..x17 MBZ (-EINVAL); the stream is a platform device (-ENOENT); the
 * command belongs to that device's model (-EOPNOTSUPP; a device without
 * a model, e.g. `dma`, answers it to every command); argument slots the
 * command does not use are MBZ and a [buf] flags slot has only
 * DEVICE_BUF_SECURE (-EINVAL); then the command's own checks
 * (docs/devices.md lists every error).
 *
 * Return: the status also put in @resp->x[1] (0 or a negative errno).
 */
int board_device_call(struct board *b, uint16_t ep,
		      const struct rheap_ffa_regs *req,
		      struct rheap_ffa_regs *resp);

/**
 * board_ext_call() - BOARD_MSG_EXT_MAP, BOARD_MSG_EXT_UNMAP or
 * BOARD_MSG_SMMU_NS: NS memory a NW kernel gives its devices
 * @b:    the board
 * @ep:   caller endpoint ID, as the transport established it (trusted)
 * @req:  the registers (board_msg.h; untrusted content)
 * @fd:   the fd the frame carried (EXT_MAP: exactly one), or -1; more
 *        than one is passed as -2. Borrowed: the caller closes it.
 * @resp: out: x0 the message ID, x1 status (sign-extended), x2 the PA
 *        of a mapped window; the rest zero
 *
 * Checks, in order: @ep is the connected host or a connected VM
 * (-EPERM); the MBZ registers (-EINVAL); an fd with EXT_MAP only, exactly one (-EINVAL);
 * then the message's own checks (docs/board-transport.md, "External
 * memory"). A refused message changes nothing.
 *
 * Return: the status also put in @resp->x[1] (0 or a negative errno).
 */
int board_ext_call(struct board *b, uint16_t ep,
		   const struct rheap_ffa_regs *req, int fd,
		   struct rheap_ffa_regs *resp);

/**
 * board_sink_dir() - the display's sink directory
 * @b: the board
 *
 * Return: the path, or NULL when the board has no sink.
 */
const char *board_sink_dir(const struct board *b);

/**
 * board_status() - snapshot of the accounting
 * @b:   the board
 * @out: filled
 */
void board_status(const struct board *b, struct board_status *out);

/**
 * board_status_json() - board_status() plus the TZASC map, the DRAM
 * ranges and the platform's pools, as JSON (docs/board-transport.md)
 * @b:    the board
 * @json: out: malloc()ed NUL-terminated text; the caller frees it
 * @len:  out: its length without the NUL
 *
 * Return: 0; -ENOMEM.
 */
int board_status_json(const struct board *b, char **json, size_t *len);

/**
 * board_faults_json() - the bus fault log's held records, as JSON
 * @b:    the board
 * @json: out: malloc()ed NUL-terminated text; the caller frees it
 * @len:  out: its length without the NUL
 *
 * {"total": N, "held": N, "dropped": N, "faults": [{"seq", "reason",
 * "master" ("device" | "cpu"), "device" (the platform device owning the
 * stream, "" for a CPU or an unknown stream), "stream_id", "secure",
 * "access" ("read" | "write"), "address" (IOVA for a device, PA for a
 * CPU), "pa", "pa_valid"}]}, oldest first. Reading does not empty the log.
 *
 * Return: 0; -ENOMEM.
 */
int board_faults_json(const struct board *b, char **json, size_t *len);

/**
 * board_dram_count() - NW DRAM ranges
 * @b: the board
 *
 * Return: the count.
 */
uint32_t board_dram_count(const struct board *b);

/**
 * board_dram_get() - one NW DRAM range (carve-outs are never listed)
 * @b:     the board
 * @index: 0 .. board_dram_count() - 1
 * @out:   the range
 *
 * Return: 0; -ENOENT if @index is out of range.
 */
int board_dram_get(const struct board *b, uint32_t index,
		   struct board_dram_range *out);

/**
 * board_platform() - the decoded platform the board booted with
 * @b: the board
 *
 * Return: the description, valid as long as @b.
 */
const struct rheap_platform *board_platform(const struct board *b);

/**
 * board_bus() - the bus, for firewall checks in tests
 * @b: the board
 *
 * Return: the bus, valid as long as @b.
 */
struct hw_bus *board_bus(struct board *b);

/**
 * board_spmc() - the memory manager, for invariant checks in tests
 * @b: the board
 *
 * Return: the manager, valid as long as @b.
 */
const struct spmc *board_spmc(const struct board *b);

/**
 * board_log() - write one "rheap-board: ..." line to the board's log
 * @b:   the board
 * @fmt: printf format
 */
void board_log(const struct board *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * board_log_info() - board_log(), unless the board is quiet
 * @b:   the board
 * @fmt: printf format
 */
void board_log_info(const struct board *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* RHEAP_SRC_BOARD_BOARD_H */
