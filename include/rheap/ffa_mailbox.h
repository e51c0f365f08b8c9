/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * The shared-memory FF-A mailbox: the SMC conduit of a Linux guest that
 * has no secure world of its own (docs/ffa-mailbox.md).
 *
 * Transport. QEMU's ivshmem-doorbell device (PCI 1af4:1110, BAR0
 * registers, BAR2 shared memory) connected to rheap-board, which is the
 * ivshmem server (the protocol of QEMU's docs/specs/ivshmem-spec.rst):
 * the board gives the guest its peer ID, the mailbox memory (one
 * RHEAP_MBOX_SHM_SIZE memfd) and the eventfds of both peers. Vector
 * RHEAP_MBOX_VECTOR of each peer is the FF-A doorbell: the guest rings the
 * board's ("a call is posted"), the board rings the guest's ("the answer
 * is in x[]").
 *
 * One call at a time (the guest serializes its callers):
 *
 *   guest:  x[0..17] = the FF-A call (SMCCC v1.2 registers w0/x0..x17)
 *           call_seq = call_seq + 1           (store-release, written last)
 *           BAR0 Doorbell = board_peer << 16 | RHEAP_MBOX_VECTOR
 *   board:  sees call_seq != done_seq, copies x[] out ONCE, handles the
 *           call as the NW endpoint 0x0001 (the same ABI handler as its
 *           socket's NW connection), writes the answer to x[]
 *           done_seq = call_seq                 (store-release, last)
 *           rings the guest's vector RHEAP_MBOX_VECTOR
 *   guest:  sees done_seq == call_seq (load-acquire), reads x[].
 *
 * Memory. Every address in an FF-A call or descriptor (RXTX_MAP buffers,
 * constituents) is a guest-physical address. The guest's RAM is a
 * shared file (QEMU -object memory-backend-file,share=on) that the board
 * maps as its NW DRAM bank at the same physical address (the guest
 * platform, platforms/linux-guest.dts, puts DRAM at PA 0), so that the
 * secure world sees guest RAM exactly as a real SPMC sees NS DRAM.
 *
 * All fields little-endian. The guest writes only x[] and call_seq;
 * everything else is the board's. Both sides treat what the other wrote
 * as untrusted (the board validates x[] like any FF-A call; the guest
 * checks magic/version and bounds what it reads).
 */
#ifndef RHEAP_FFA_MAILBOX_H
#define RHEAP_FFA_MAILBOX_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define RHEAP_MBOX_MAGIC 0x424d4852u /* "RHMB" */
#define RHEAP_MBOX_VERSION 1u
#define RHEAP_MBOX_SHM_SIZE 4096u /* a power of two, as ivshmem wants */
#define RHEAP_MBOX_VECTOR 0u
#define RHEAP_MBOX_VECTORS 1u /* ivshmem-doorbell vectors=1 */
#define RHEAP_MBOX_REGS 18u   /* x0..x17 */

/* struct rheap_mbox.state */
#define RHEAP_MBOX_STATE_DOWN 0u  /* board not serving (yet / any more) */
#define RHEAP_MBOX_STATE_READY 1u /* board serving calls */

/**
 * struct rheap_mbox - the mailbox at offset 0 of the ivshmem memory
 * @magic:      RHEAP_MBOX_MAGIC (board)
 * @version:    RHEAP_MBOX_VERSION (board)
 * @board_peer: the board's ivshmem peer ID: the doorbell's target (board)
 * @guest_peer: the peer ID the board gave the guest (board)
 * @state:      RHEAP_MBOX_STATE_* (board)
 * @call_seq:   the guest's call counter; incremented to post a call
 * @done_seq:   the board's: equal to @call_seq when x[] holds the answer
 * @calls:      calls served since the guest connected (board; statistics)
 * @x:          FF-A registers x0..x17: the call, then the answer
 */
struct rheap_mbox {
	uint32_t magic;
	uint32_t version;
	uint32_t board_peer;
	uint32_t guest_peer;
	uint32_t state;
	uint32_t call_seq;
	uint32_t done_seq;
	uint32_t calls;
	uint64_t x[RHEAP_MBOX_REGS];
};

#endif /* RHEAP_FFA_MAILBOX_H */
