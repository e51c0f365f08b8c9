/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uapi_io: one rheapd-UAPI datagram in and one out, on a client's
 * SOCK_SEQPACKET socket, shared by the servers of the UAPI (rheapd, and the
 * guest kernel's server in src/hyp/guest.c) so that both frame, check and
 * answer requests alike (docs/rheapd-uapi.md).
 */
#ifndef RHEAP_KERNEL_UAPI_IO_H
#define RHEAP_KERNEL_UAPI_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/rheapd_uapi.h>

#include "rheapd.h"

/* SCM_RIGHTS room of one receive: enough to see (and close) extra fds. */
#define UAPI_IO_FDS_MAX 4u

/**
 * enum uapi_io_rx - what uapi_io_recv() found
 * @UAPI_IO_RX_MSG:  a datagram; the struct uapi_io_msg is filled
 * @UAPI_IO_RX_NONE: nothing to read now (EAGAIN, EINTR): keep the client
 * @UAPI_IO_RX_GONE: the peer closed, or the socket failed: drop the client
 */
enum uapi_io_rx {
	UAPI_IO_RX_MSG,
	UAPI_IO_RX_NONE,
	UAPI_IO_RX_GONE,
};

/**
 * struct uapi_io_msg - one received request
 * @fds:       the fds that came with it (first UAPI_IO_FDS_MAX; any more
 *             were closed on receipt); owned: uapi_io_fini() closes them
 * @fd_count:  entries of @fds
 * @echo:      the datagram's first bytes as a header, for the reply's op
 *             and seq (all 0 when it is shorter than a header)
 * @status:    rheapd_req_check()'s verdict, or -EINVAL when the datagram
 *             or its control data was truncated or more than one fd came
 * @req:       the checked request; valid when @status is 0 (it points
 *             into the receive buffer)
 */
struct uapi_io_msg {
	int fds[UAPI_IO_FDS_MAX];
	uint32_t fd_count;
	struct rheapd_hdr echo;
	int status;
	struct rheapd_req req;
};

/**
 * uapi_io_recv() - receive and check one request datagram, non-blocking
 * @fd:   the client's socket
 * @buf:  receive buffer (the request's payload stays here)
 * @cap:  its bytes (RHEAPD_MSG_MAX: larger datagrams are truncated)
 * @msg:  the request; filled on UAPI_IO_RX_MSG, fds all -1 otherwise
 *
 * Fds arrive close-on-exec. The request's fd, when @msg->status is 0 and
 * one came, is @msg->fds[0] (see uapi_io_msg_fd()).
 *
 * Return: UAPI_IO_RX_MSG, UAPI_IO_RX_NONE or UAPI_IO_RX_GONE.
 */
enum uapi_io_rx uapi_io_recv(int fd, void *buf, size_t cap,
			     struct uapi_io_msg *msg);

/**
 * uapi_io_msg_fd() - the fd a checked request carries
 * @msg: a request from uapi_io_recv()
 *
 * Return: the one fd that came with it, or -1 (still owned by @msg).
 */
int uapi_io_msg_fd(const struct uapi_io_msg *msg);

/**
 * uapi_io_fini() - close the fds a received request still owns
 * @msg: a request from uapi_io_recv()
 */
void uapi_io_fini(struct uapi_io_msg *msg);

/**
 * uapi_io_send() - answer one request, non-blocking
 * @fd:          the client's socket
 * @op:          the request's op, echoed
 * @seq:         the request's seq, echoed
 * @status:      0 or a negative errno
 * @payload:     the response body (may be NULL when @payload_len is 0)
 * @payload_len: its bytes
 * @send_fd:     an fd to pass with it (SCM_RIGHTS), or -1; not consumed
 *
 * Return: 0; -EBUSY the datagram did not go out whole (full socket buffer,
 * peer gone): the caller drops the client.
 */
int uapi_io_send(int fd, uint16_t op, uint32_t seq, int status,
		 const void *payload, size_t payload_len, int send_fd);

/**
 * typedef uapi_io_handler - serve one checked request
 * @ctx:      the server's context, as given to uapi_io_serve_one()
 * @req:      the request (framing and sizes checked)
 * @fd:       the fd it carries, or -1 (not consumed)
 * @resp_len: out: bytes of the response body written to the server's
 *            response buffer
 * @out_fd:   out: an fd to send with the answer, or -1 (closed after it)
 *
 * Return: 0 or the negative errno the client gets.
 */
typedef int (*uapi_io_handler)(void *ctx, const struct rheapd_req *req,
			       int fd, size_t *resp_len, int *out_fd);

/**
 * uapi_io_serve_one() - receive, serve and answer one request
 * @fd:      the client's socket
 * @msg:     receive buffer of RHEAPD_MSG_MAX bytes
 * @resp:    response body buffer the handler writes
 * @handler: called only for a request that passed the checks
 * @ctx:     its context
 *
 * A refused request gets its status and no body, except DEVICE, whose
 * result slots go with errors too (docs/rheapd-uapi.md).
 *
 * Return: false when the client must go (peer gone, answer not sent).
 */
bool uapi_io_serve_one(int fd, void *msg, const void *resp,
		       uapi_io_handler handler, void *ctx);

#endif /* RHEAP_KERNEL_UAPI_IO_H */
