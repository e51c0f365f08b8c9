// SPDX-License-Identifier: BSD-2-Clause
/*
 * The connection to rheapd: one SOCK_SEQPACKET socket, one request and one
 * response at a time under the connection's mutex, sequence numbers
 * checked, file descriptors passed with SCM_RIGHTS.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>

#include "lib/lib_internal.h"
#include "util/rundir.h"

/* Up to this many fds are accepted from one cmsg, so that a peer sending
 * several is seen (and all of them closed) rather than truncated. */
#define CONN_FD_SLOTS 4

int lib_socket_path(char *buf, size_t cap)
{
	const char *env = getenv(RHEAPD_SOCKET_ENV);
	int n = 0;

	if (env != NULL && env[0] != '\0') {
		n = snprintf(buf, cap, "%s", env);
		if (n < 0 || (size_t)n >= cap) {
			return -ENOSPC;
		}
		return 0;
	}
	return rheap_run_path(RHEAPD_SOCKET_NAME, buf, cap);
}

int lib_guest_socket_path(char *buf, size_t cap)
{
	const char *env = getenv(LIB_GUEST_SOCKET_ENV);
	int n = 0;

	if (env != NULL && env[0] != '\0') {
		n = snprintf(buf, cap, "%s", env);
		if (n < 0 || (size_t)n >= cap) {
			return -ENOSPC;
		}
		return 0;
	}
	return rheap_run_path(LIB_GUEST_SOCKET_NAME, buf, cap);
}

int lib_conn_open_backend(struct lib_conn *conn, int backend)
{
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)] = { 0 };
	int rc = 0;

	if (backend == LIB_BACKEND_RHEAPD) {
		rc = lib_socket_path(path, sizeof(path));
	} else if (backend == LIB_BACKEND_VIRTIO) {
		rc = lib_guest_socket_path(path, sizeof(path));
	} else {
		return -EINVAL;
	}
	if (rc != 0) {
		return -ENOENT;
	}
	return lib_conn_open_path(conn, path);
}

int lib_conn_open(struct lib_conn *conn)
{
	const char *env = getenv("RHEAP_BACKEND");

	if (env != NULL && strcmp(env, "virtio") == 0) {
		return lib_conn_open_backend(conn, LIB_BACKEND_VIRTIO);
	}
	return lib_conn_open_backend(conn, LIB_BACKEND_RHEAPD);
}

int lib_conn_open_path(struct lib_conn *conn, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock = -1;
	int rc = 0;
	int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);

	if (n <= 0 || (size_t)n >= sizeof(addr.sun_path)) {
		return -EINVAL;
	}
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		return -ENOMEM;
	}
	if (connect(sock, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		rc = (errno == EACCES || errno == EPERM) ? -EPERM : -ENOENT;
		goto err_close;
	}
	conn->sock = sock;
	conn->seq = 0;
	conn->dead = false;
	return 0;

err_close:
	close(sock);
	return rc;
}

bool lib_conn_dead(struct lib_conn *conn)
{
	bool dead = false;

	pthread_mutex_lock(&conn->lock);
	dead = conn->dead || conn->sock < 0;
	pthread_mutex_unlock(&conn->lock);
	return dead;
}

void lib_conn_close(struct lib_conn *conn)
{
	if (conn->sock >= 0) {
		close(conn->sock);
		conn->sock = -1;
	}
}

static int conn_send(int sock, const struct rheapd_hdr *hdr,
		     const struct lib_call *call)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = (void *)call->req, .iov_len = call->req_len },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = call->req_len != 0 ? 2 : 1,
	};
	struct cmsghdr *cm = NULL;
	ssize_t n = 0;

	memset(&ctl, 0, sizeof(ctl));
	if (call->send_fd >= 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &call->send_fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EBADF && call->send_fd >= 0) {
			return -EINVAL; /* the fd to pass is not open */
		}
		if (errno == ENOMEM || errno == ENOBUFS) {
			return -ENOMEM;
		}
		if (errno == EMSGSIZE) {
			return -EINVAL;
		}
		return -ENOENT;
	}
	if ((size_t)n != sizeof(*hdr) + call->req_len) {
		return -ENOENT;
	}
	return 0;
}

/* Collect the fds of a received message: at most one, and only if wanted.
 * Every other fd is closed. */
static int conn_take_fds(struct msghdr *msg, bool want_fd, int *out_fd)
{
	struct cmsghdr *cm = NULL;
	int fds[CONN_FD_SLOTS] = { -1, -1, -1, -1 };
	size_t fd_count = 0;
	int rc = 0;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		size_t n = 0;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0)) {
			continue;
		}
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd = -1;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
			if (fd_count < CONN_FD_SLOTS) {
				fds[fd_count] = fd;
			} else {
				close(fd);
			}
			fd_count++;
		}
	}
	if ((msg->msg_flags & MSG_CTRUNC) != 0) {
		/* The kernel could not install the fd (EMFILE) or the peer
		 * sent more than fits. */
		rc = fd_count == 0 ? -ENOMEM : -EINVAL;
	} else if (fd_count > 1 || (fd_count == 1 && !want_fd)) {
		rc = -EINVAL;
	}
	if (rc != 0) {
		for (size_t i = 0; i < fd_count && i < CONN_FD_SLOTS; i++) {
			close(fds[i]);
		}
		return rc;
	}
	*out_fd = fd_count == 1 ? fds[0] : -1;
	return 0;
}

static int conn_recv(int sock, struct rheapd_hdr *hdr, struct lib_call *call)
{
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = call->resp, .iov_len = call->resp_cap },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONN_FD_SLOTS)];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = call->resp_cap != 0 ? 2 : 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	int flags = call->cloexec ? MSG_CMSG_CLOEXEC : 0;
	ssize_t n = 0;
	int rc = 0;

	memset(&ctl, 0, sizeof(ctl));
	do {
		n = recvmsg(sock, &msg, flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return errno == ENOMEM ? -ENOMEM : -ENOENT;
	}
	rc = conn_take_fds(&msg, call->want_fd, &call->recv_fd);
	if (rc != 0) {
		return rc;
	}
	if (n == 0) {
		rc = -ENOENT; /* rheapd closed the connection */
		goto err_close_fd;
	}
	if ((msg.msg_flags & MSG_TRUNC) != 0 || (size_t)n < sizeof(*hdr)) {
		rc = -EINVAL;
		goto err_close_fd;
	}
	call->resp_len = (size_t)n - sizeof(*hdr);
	return 0;

err_close_fd:
	if (call->recv_fd >= 0) {
		close(call->recv_fd);
		call->recv_fd = -1;
	}
	return rc;
}

int lib_conn_call(struct lib_conn *conn, struct lib_call *call)
{
	struct rheapd_hdr hdr = { 0 };
	struct rheapd_hdr resp = { 0 };
	uint32_t seq = 0;
	int status = 0;
	int rc = 0;

	call->recv_fd = -1;
	call->resp_len = 0;
	if (call->req_len + sizeof(hdr) > RHEAPD_MSG_MAX) {
		return -EINVAL;
	}
	pthread_mutex_lock(&conn->lock);
	if (conn->sock < 0 || conn->dead) {
		rc = -ENOENT;
		goto out_unlock;
	}
	seq = ++conn->seq;
	hdr.magic = RHEAPD_UAPI_MAGIC;
	hdr.version = RHEAPD_UAPI_VERSION;
	hdr.op = call->op;
	hdr.seq = seq;
	rc = conn_send(conn->sock, &hdr, call);
	if (rc != 0) {
		conn->dead = rc == -ENOENT;
		goto out_unlock;
	}
	rc = conn_recv(conn->sock, &resp, call);
	if (rc != 0) {
		/* Lost, or out of step with rheapd: no later response on this
		 * connection could be trusted to be ours. */
		conn->dead = rc != -ENOMEM;
		goto out_unlock;
	}
	rc = lib_resp_check(&resp, sizeof(resp) + call->resp_len, call->op,
			    seq, &status);
	if (rc == 0) {
		rc = status;
	} else {
		conn->dead = true;
	}
	if (rc != 0 && call->recv_fd >= 0) {
		close(call->recv_fd);
		call->recv_fd = -1;
	}

out_unlock:
	pthread_mutex_unlock(&conn->lock);
	return rc;
}
