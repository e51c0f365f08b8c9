/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The board's socket transport: the SMC conduit over a Unix SOCK_SEQPACKET
 * socket (docs/board-transport.md). A framing layer only: every decision
 * is board_nw_connect(), board_call(), board_nw_disconnect(),
 * board_status_json() or board_faults_json().
 *
 * Life cycle of a connection:
 *
 *   accept --> HELLO WAIT
 *   HELLO WAIT --HELLO kind NW, no NW connected--> NW (endpoint 0x0001;
 *              the HELLO reply and one DRAM message per range sent)
 *   HELLO WAIT --HELLO kind OPERATOR--> OPERATOR
 *   HELLO WAIT --HELLO kind HYP, no hypervisor connected--> HYP (the
 *              reply and one DRAM message per range sent; no endpoint)
 *   HELLO WAIT --HELLO refused (version, kind, MBZ, second NW, other
 *              user)--> reply with the errno, then CLOSED
 *   NW --FF-A call--> NW (one reply per call)
 *   OPERATOR --STATUS or FAULTS--> OPERATOR (reply + JSON memfd)
 *   HYP --STATUS or FAULTS--> HYP (as OPERATOR)
 *   HYP --HYP_RECLAIM--> HYP (one reply: board_hyp_reclaim())
 *   NW --HYP_RECLAIM--> NW (one reply, -EPERM)
 *   any --EOF, malformed message (size, truncation, ancillary data, not
 *         HELLO first, not STATUS or FAULTS on an operator connection,
 *         nor HYP_RECLAIM on a hypervisor one), send
 *         failure--> CLOSED (a log line; NW: board_nw_disconnect())
 *
 * A malformed message changes no board state. Replies are sent without
 * blocking: a client that does not read its replies is disconnected
 * rather than stalling the board.
 */
#ifndef RHEAP_SRC_BOARD_BOARD_SERVER_H
#define RHEAP_SRC_BOARD_BOARD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"

/** Connections served at once (NW + operators + not yet introduced). */
#define BOARD_SERVER_MAX_CONNS 16u

struct board_server;

/**
 * board_server_errno() - a socket call's errno in the closed set of
 * <rheap/err.h> (EACCES/EPERM/EROFS -> -EPERM, ENOENT/ENOTDIR -> -ENOENT,
 * out of memory or descriptors -> -ENOMEM, anything else -EINVAL)
 * @e: errno
 *
 * Return: the negative errno.
 */
int board_server_errno(int e);

/**
 * board_server_create() - serve a board
 * @b:    the board (borrowed; must outlive the server)
 * @path: Unix socket path to listen on, or NULL for none (connections
 *        then only come from board_server_adopt()). A stale socket file
 *        nobody listens on is replaced; the socket is made mode 0600.
 * @out:  the new server; untouched on failure
 *
 * Return: 0; -EINVAL if @path is too long for a socket address or cannot
 * be bound; -EBUSY if another process serves @path; -EPERM if the
 * directory refuses us; -ENOENT if the directory does not exist; -ENOMEM.
 */
int board_server_create(struct board *b, const char *path,
			struct board_server **out);

/**
 * board_server_destroy() - close every connection and the socket
 * @s: the server, or NULL (no-op)
 *
 * A connected NW endpoint is disconnected (board_nw_disconnect()); the
 * socket file is removed.
 */
void board_server_destroy(struct board_server *s);

/**
 * board_server_adopt() - serve an already connected socket
 * @s:  the server
 * @fd: a connected SOCK_SEQPACKET socket (a socketpair() end); owned by
 *      the server on every path
 *
 * Return: 0; -ENOSPC if BOARD_SERVER_MAX_CONNS are open (@fd closed).
 */
int board_server_adopt(struct board_server *s, int fd);

/**
 * board_server_set_once() - stop after the first NW connection ends
 * @s:    the server
 * @once: true to stop then
 */
void board_server_set_once(struct board_server *s, bool once);

/** Descriptors one extra poll source may have polled at once. */
#define BOARD_SERVER_SOURCE_FDS 4u

/**
 * struct board_server_source - another transport served by the same loop
 * (the ivshmem mailbox, board_ivshmem.h)
 * @fds:   fills up to @max descriptors to poll for input, asked before
 *         every poll(); returns how many
 * @event: one of those descriptors polled ready (@revents from poll());
 *         may close or replace any of them: a stale descriptor number
 *         may be reported, the handler must tolerate a spurious call
 * @ctx:   passed to both
 */
struct board_server_source {
	uint32_t (*fds)(void *ctx, int *fds, uint32_t max);
	void (*event)(void *ctx, int fd, short revents);
	void *ctx;
};

/**
 * board_server_set_source() - serve one more transport in the loop
 * @s:   the server
 * @src: the source (borrowed; must outlive the loop), or NULL for none
 */
void board_server_set_source(struct board_server *s,
			     const struct board_server_source *src);

/**
 * board_server_run() - the poll() loop
 * @s: the server
 *
 * Serves until board_server_stop(), or, in "once" mode, until the first
 * NW connection has closed.
 *
 * Return: 0; -ENOMEM if poll() itself fails.
 */
int board_server_run(struct board_server *s);

/**
 * board_server_stop() - make board_server_run() return
 * @s: the server
 *
 * Async-signal-safe (one write() to a pipe): call it from a SIGINT or
 * SIGTERM handler.
 */
void board_server_stop(struct board_server *s);

#endif /* RHEAP_SRC_BOARD_BOARD_SERVER_H */
