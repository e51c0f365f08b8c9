/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The board's ivshmem transport: rheap-board as the ivshmem server of
 * QEMU's ivshmem-doorbell device and as the host-side peer of the Linux
 * guest's FF-A mailbox (include/rheap/ffa_mailbox.h, docs/ffa-mailbox.md).
 *
 * Two layers:
 *
 *  - board_mbox_*(): the mailbox itself, a pure function of the mailbox
 *    bytes: board_mbox_serve() reads call_seq once (acquire) and, when it
 *    differs from the board's own done_seq, x[] once, runs the call through
 *    board_call() as BOARD_NW_ENDPOINT (the same ABI handler as the socket
 *    transport's NW connection), then writes the answer, the board's header
 *    fields and done_seq (release, last). It never reads back a field the
 *    board owns: what the guest scribbles over magic, version, peers, state,
 *    done_seq or calls is ignored and rewritten with the next answer.
 *
 *  - board_ivshmem_*(): the ivshmem server (QEMU docs/specs/ivshmem-spec.rst)
 *    on a Unix SOCK_STREAM socket, one guest at a time:
 *
 *      LISTENING --guest connects, NW endpoint free--> GUEST (a new sealed
 *          RHEAP_MBOX_SHM_SIZE memfd, header READY, two eventfds; the
 *          handshake sent: version 0, the guest's ID, -1 + the memfd,
 *          board peer ID + the board's vector-0 eventfd, the guest's ID +
 *          its own vector-0 eventfd; then one serve, to be safe)
 *      LISTENING --the NW endpoint is taken (a socket NW client)--> closed
 *          with a log line (and, the other way round, a socket NW HELLO is
 *          refused -EBUSY while a guest is connected)
 *      GUEST --second guest connects--> GUEST (the newcomer closed, logged)
 *      GUEST --board vector 0 rings--> GUEST (board_mbox_serve(), then the
 *          guest's vector 0 rung if a call was answered)
 *      GUEST --EOF, HUP, socket error, any byte or fd from the client (the
 *          protocol is one-way), handshake send failure--> LISTENING (the
 *          mailbox state DOWN; board_nw_disconnect(), then board_nw_reclaim():
 *          what the guest lent comes back scrubbed into the guest RAM file)
 *
 * Not thread-safe, like the board: one thread drives both (the socket
 * server's loop, through board_ivshmem_source(), or board_ivshmem_poll()).
 */
#ifndef RHEAP_SRC_BOARD_BOARD_IVSHMEM_H
#define RHEAP_SRC_BOARD_BOARD_IVSHMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/ffa_mailbox.h>

#include "board/board.h"
#include "board/board_server.h"

/** The board's ivshmem peer ID (the doorbell target the guest rings). */
#define BOARD_IVSHMEM_BOARD_PEER 0u
/** The peer ID every guest gets. */
#define BOARD_IVSHMEM_GUEST_PEER 1u
/** The ivshmem client-server protocol version the board speaks. */
#define BOARD_IVSHMEM_PROTO 0
/** Descriptors board_ivshmem_source() polls at most. */
#define BOARD_IVSHMEM_FDS 3u

/**
 * struct board_mbox_state - the board's own copy of its mailbox fields
 * @guest_peer: the guest's peer ID
 * @done_seq:   the last call_seq answered (the shm copy is never read)
 * @calls:      calls answered since the guest connected
 */
struct board_mbox_state {
	uint32_t guest_peer;
	uint32_t done_seq;
	uint32_t calls;
};

/**
 * board_mbox_init() - write a fresh mailbox header (state READY)
 * @shm:        the mailbox memory, at least sizeof(struct rheap_mbox)
 *              bytes, 8-byte aligned
 * @st:         out: the board's copy (done_seq 0, calls 0)
 * @guest_peer: the guest's peer ID
 *
 * call_seq, done_seq, calls and x[] are zeroed.
 */
void board_mbox_init(void *shm, struct board_mbox_state *st,
		     uint32_t guest_peer);

/**
 * board_mbox_down() - mark the mailbox DOWN (the board stops serving it)
 * @shm: the mailbox memory
 */
void board_mbox_down(void *shm);

/**
 * board_mbox_serve() - answer the posted call, if any
 * @b:   the board; BOARD_NW_ENDPOINT connected (else the answer is
 *       FFA_ERROR DENIED, as board_call() gives)
 * @shm: the mailbox memory (guest-writable: every byte untrusted)
 * @st:  the board's copy of its fields; updated
 *
 * Reads call_seq once; equal to @st->done_seq: nothing to do. Otherwise
 * reads x[] once, handles it, writes x[] (the answer), magic, version,
 * board_peer, guest_peer, state READY, calls, then done_seq = the
 * call_seq read (store-release). The caller rings the guest.
 *
 * Return: 1 when a call was answered; 0 when none was posted.
 */
int board_mbox_serve(struct board *b, void *shm, struct board_mbox_state *st);

/**
 * struct board_ivshmem_stats - what the ivshmem server did
 * @guests:    guests accepted
 * @refused:   connections refused (a second guest, NW endpoint busy,
 *             another user)
 * @dropped:   guests dropped for a protocol error (bytes or fds sent)
 * @calls:     calls answered over all guests
 * @reclaimed: orphans reclaimed after guests died
 * @held:      orphans that could not be reclaimed (DONATE, still held)
 */
struct board_ivshmem_stats {
	uint64_t guests;
	uint64_t refused;
	uint64_t dropped;
	uint64_t calls;
	uint64_t reclaimed;
	uint64_t held;
};

struct board_ivshmem;

/**
 * board_ivshmem_create() - be the ivshmem server of a board
 * @b:    the board (borrowed; must outlive the server)
 * @path: Unix socket path to listen on (QEMU's -chardev socket,path=),
 *        or NULL for none (guests then come from board_ivshmem_adopt()).
 *        A stale socket file is replaced; the socket is made mode 0600.
 * @out:  the new server
 *
 * Return: 0; -EINVAL for a path too long or that cannot be bound; -EBUSY
 * if something listens there; -EPERM; -ENOENT; -ENOMEM.
 */
int board_ivshmem_create(struct board *b, const char *path,
			 struct board_ivshmem **out);

/**
 * board_ivshmem_destroy() - drop the guest (as on its death), close all
 * @iv: the server, or NULL
 */
void board_ivshmem_destroy(struct board_ivshmem *iv);

/**
 * board_ivshmem_adopt() - serve an already connected stream socket as a
 * guest that just connected
 * @iv: the server
 * @fd: the socket (owned by the server on every path)
 *
 * Return: 0 (handshake sent); -EBUSY when a guest is connected or the NW
 * endpoint is taken; -EPERM for another user; -ENOMEM; -EINVAL when the
 * handshake could not be sent (the guest is dropped again).
 */
int board_ivshmem_adopt(struct board_ivshmem *iv, int fd);

/**
 * board_ivshmem_source() - the poll source for board_server_set_source()
 * @iv: the server
 *
 * Return: a source valid as long as @iv.
 */
const struct board_server_source *board_ivshmem_source(struct board_ivshmem *iv);

/**
 * board_ivshmem_poll() - one poll() over the server's descriptors and the
 * handling of those ready (tests, the fuzzer: no socket server needed)
 * @iv:         the server
 * @timeout_ms: poll() timeout
 *
 * Return: descriptors handled (0 on timeout); -ENOMEM if poll() fails.
 */
int board_ivshmem_poll(struct board_ivshmem *iv, int timeout_ms);

/**
 * board_ivshmem_guest_connected() - is a guest connected?
 * @iv: the server
 *
 * Return: true between a completed handshake and the guest's drop.
 */
bool board_ivshmem_guest_connected(const struct board_ivshmem *iv);

/**
 * board_ivshmem_get_stats() - counters
 * @iv:  the server
 * @out: filled
 */
void board_ivshmem_get_stats(const struct board_ivshmem *iv,
			     struct board_ivshmem_stats *out);

#endif /* RHEAP_SRC_BOARD_BOARD_IVSHMEM_H */
