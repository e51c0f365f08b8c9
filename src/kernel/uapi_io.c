// SPDX-License-Identifier: BSD-2-Clause
/*
 * uapi_io: receive/check and answer rheapd-UAPI datagrams (see uapi_io.h).
 * The datagram and its control data are untrusted: fds beyond the room are
 * closed, truncation is a malformed request, and the header is decoded
 * once, from the copy in the caller's buffer.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rheap/err.h>

#include "uapi_io.h"

/* Keep the first UAPI_IO_FDS_MAX fds of the control data; close the rest. */
static void uapi_io_take_fds(struct msghdr *mh, struct uapi_io_msg *msg)
{
	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(mh); cmsg;
	     cmsg = CMSG_NXTHDR(mh, cmsg)) {
		size_t count = 0;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int f = -1;

			memcpy(&f, CMSG_DATA(cmsg) + i * sizeof(int),
			       sizeof(int));
			if (msg->fd_count < UAPI_IO_FDS_MAX) {
				msg->fds[msg->fd_count++] = f;
			} else {
				close(f);
			}
		}
	}
}

enum uapi_io_rx uapi_io_recv(int fd, void *buf, size_t cap,
			     struct uapi_io_msg *msg)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * UAPI_IO_FDS_MAX)];
		struct cmsghdr align;
	} cm = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { 0 };
	ssize_t n = 0;

	memset(msg, 0, sizeof(*msg));
	for (uint32_t i = 0; i < UAPI_IO_FDS_MAX; i++) {
		msg->fds[i] = -1;
	}
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
			errno == EINTR) ?
			       UAPI_IO_RX_NONE :
			       UAPI_IO_RX_GONE;
	}
	if (n == 0) {
		return UAPI_IO_RX_GONE;
	}
	uapi_io_take_fds(&mh, msg);
	if ((size_t)n >= sizeof(msg->echo)) {
		memcpy(&msg->echo, buf, sizeof(msg->echo));
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || msg->fd_count > 1) {
		msg->status = -EINVAL;
	} else {
		msg->status = rheapd_req_check(buf, (size_t)n,
					       msg->fd_count == 1, &msg->req);
	}
	return UAPI_IO_RX_MSG;
}

int uapi_io_msg_fd(const struct uapi_io_msg *msg)
{
	return msg->fd_count == 1 ? msg->fds[0] : -1;
}

void uapi_io_fini(struct uapi_io_msg *msg)
{
	for (uint32_t i = 0; i < msg->fd_count; i++) {
		close(msg->fds[i]);
		msg->fds[i] = -1;
	}
	msg->fd_count = 0;
}

int uapi_io_send(int fd, uint16_t op, uint32_t seq, int status,
		 const void *payload, size_t payload_len, int send_fd)
{
	struct rheapd_hdr hdr = { 0 };
	struct iovec iov[2] = { { 0 } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm = { { 0 } };
	struct msghdr mh = { 0 };
	ssize_t n = 0;

	hdr.magic = RHEAPD_UAPI_MAGIC;
	hdr.version = RHEAPD_UAPI_VERSION;
	hdr.op = op;
	hdr.seq = seq;
	hdr.status = status;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = payload_len;
	mh.msg_iov = iov;
	mh.msg_iovlen = payload_len ? 2 : 1;
	if (send_fd >= 0) {
		struct cmsghdr *cmsg = NULL;

		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &send_fd, sizeof(int));
	}
	n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n == (ssize_t)(sizeof(hdr) + payload_len) ? 0 : -EBUSY;
}

bool uapi_io_serve_one(int fd, void *msg, const void *resp,
		       uapi_io_handler handler, void *ctx)
{
	struct uapi_io_msg in = { 0 };
	size_t resp_len = 0;
	int out_fd = -1;
	int status = 0;
	bool keep = true;

	switch (uapi_io_recv(fd, msg, RHEAPD_MSG_MAX, &in)) {
	case UAPI_IO_RX_MSG:
		break;
	case UAPI_IO_RX_NONE:
		return true;
	default:
		return false;
	}
	status = in.status;
	if (status == 0) {
		status = handler(ctx, &in.req, uapi_io_msg_fd(&in), &resp_len,
				 &out_fd);
	}
	if (status != 0 && in.req.hdr.op != RHEAPD_OP_DEVICE) {
		resp_len = 0; /* DEVICE's result slots go with errors too */
	}
	if (uapi_io_send(fd, in.echo.op, in.echo.seq, status, resp, resp_len,
			 out_fd) != 0) {
		keep = false;
	}
	if (out_fd >= 0) {
		close(out_fd);
	}
	uapi_io_fini(&in);
	return keep;
}
