// SPDX-License-Identifier: BSD-2-Clause
/*
 * Socket transport of rheap-board (life cycle in board_server.h, wire
 * format in docs/board-transport.md).
 *
 * Everything a client sends is untrusted: sizes, ancillary data and
 * register values. The server checks the frame (exactly BOARD_MSG_SIZE
 * bytes, not truncated, no file descriptors attached: a fd passed to the
 * board would otherwise leak into it), then hands the registers to the
 * board unchanged. A frame that fails a check closes the connection and
 * reaches nothing else. One exception: a NW connection's EXT_MAP,
 * EXT_UNMAP and SMMU_NS frames go to board_ext_call() with the fd they
 * carry (EXT_MAP needs exactly one; a wrong count is answered -EINVAL),
 * which the server closes after the call.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rheap/err.h>

#include "board/board.h"
#include "board/board_msg.h"
#include "board/board_server.h"

/* Room for a few stray fds, so that they can all be closed. */
#define BOARD_SERVER_CMSG_FDS 16u

enum board_conn_state {
	CONN_FREE = 0,
	CONN_HELLO_WAIT,
	CONN_NW,
	CONN_OPERATOR,
	CONN_HYP,
};

/*
 * struct board_conn - one connection slot
 * @fd:    the socket; -1 iff @state is CONN_FREE
 * @state: see the life cycle in board_server.h
 * @ep:    the FF-A endpoint ID while CONN_NW (the host's, or a VM's), else 0
 * @seq:   connection number for log lines (1 for the first ever)
 */
struct board_conn {
	int fd;
	enum board_conn_state state;
	uint16_t ep;
	uint64_t seq;
};

struct board_server {
	struct board *board;
	/** Listening socket, or -1 without a path. */
	int listen_fd;
	/** The socket path we bound (removed at destroy); "" without one. */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	/** Self-pipe: board_server_stop() writes [1], the loop polls [0]. */
	int wake[2];
	volatile sig_atomic_t stop;
	bool once;
	const struct board_server_source *src;
	uint64_t conn_seq;
	struct board_conn conns[BOARD_SERVER_MAX_CONNS];
};

int board_server_errno(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
	case EROFS:
		return -EPERM;
	case ENOENT:
	case ENOTDIR:
		return -ENOENT;
	case ENOMEM:
	case ENOBUFS:
	case EMFILE:
	case ENFILE:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

/* Whether a board listens on @addr already. */
static bool board_server_live(const struct sockaddr_un *addr)
{
	int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool live = probe >= 0 &&
		    connect(probe, (const struct sockaddr *)addr,
			    sizeof(*addr)) == 0;

	if (probe >= 0) {
		close(probe);
	}
	return live;
}

/*
 * Listen on @path. The socket is bound and listening under a temporary
 * name first and then linked to @path, so that a client never finds a
 * socket file nobody listens on yet (it would get ECONNREFUSED); link()
 * refuses an existing name, so two boards starting on one path do not
 * both win. A stale socket file nobody listens on is replaced.
 */
static int board_server_listen(struct board_server *s, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sockaddr_un tmp = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd = -1;
	int rc = 0;

	if (len == 0 || len >= sizeof(addr.sun_path)) {
		return -EINVAL;
	}
	memcpy(addr.sun_path, path, len + 1);
	if (snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%ld", path,
		     (long)getpid()) >= (int)sizeof(tmp.sun_path)) {
		return -EINVAL;
	}
	if (board_server_live(&addr)) {
		return -EBUSY;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return board_server_errno(errno);
	}
	(void)unlink(tmp.sun_path);
	if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) != 0) {
		rc = board_server_errno(errno);
		goto err_close;
	}
	if (chmod(tmp.sun_path, 0600) != 0 || listen(fd, 8) != 0) {
		rc = board_server_errno(errno);
		goto err_unlink;
	}
	if (link(tmp.sun_path, path) != 0) {
		if (errno != EEXIST) {
			rc = board_server_errno(errno);
			goto err_unlink;
		}
		/* Stale (nobody answered above), or a board that just won. */
		if (board_server_live(&addr)) {
			rc = -EBUSY;
			goto err_unlink;
		}
		(void)unlink(path);
		if (link(tmp.sun_path, path) != 0) {
			rc = errno == EEXIST ? -EBUSY : board_server_errno(errno);
			goto err_unlink;
		}
	}
	(void)unlink(tmp.sun_path);
	memcpy(s->path, path, len + 1);
	s->listen_fd = fd;
	return 0;

err_unlink:
	(void)unlink(tmp.sun_path);
err_close:
	close(fd);
	return rc;
}

int board_server_create(struct board *b, const char *path,
			struct board_server **out)
{
	struct board_server *s = calloc(1, sizeof(*s));
	int rc = 0;

	if (!s) {
		return -ENOMEM;
	}
	s->board = b;
	s->listen_fd = -1;
	for (unsigned int i = 0; i < BOARD_SERVER_MAX_CONNS; i++) {
		s->conns[i].fd = -1;
	}
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = board_server_errno(errno);
		goto err_free;
	}
	if (path) {
		rc = board_server_listen(s, path);
		if (rc) {
			goto err_pipe;
		}
	}
	*out = s;
	return 0;

err_pipe:
	close(s->wake[0]);
	close(s->wake[1]);
err_free:
	free(s);
	return rc;
}

/* @error: log even when quiet (a refused or broken connection). */
static void board_conn_close(struct board_server *s, struct board_conn *c,
			     const char *why, bool error)
{
	if (c->state == CONN_FREE) {
		return;
	}
	if (c->state == CONN_NW && c->ep != BOARD_NW_ENDPOINT) {
		board_vm_disconnect(s->board, c->ep);
		board_log(s->board, "connection %llu (VM endpoint 0x%04x) closed: %s",
			  (unsigned long long)c->seq, c->ep, why);
	} else if (c->state == CONN_NW) {
		board_nw_disconnect(s->board, c->ep);
		board_log(s->board, "connection %llu (NW endpoint 0x%04x) closed: %s",
			  (unsigned long long)c->seq, c->ep, why);
		if (s->once) {
			s->stop = 1;
		}
	} else if (c->state == CONN_HYP) {
		board_log(s->board, "connection %llu (hypervisor) closed: %s",
			  (unsigned long long)c->seq, why);
	} else if (error) {
		board_log(s->board, "connection %llu closed: %s",
			  (unsigned long long)c->seq, why);
	} else {
		board_log_info(s->board, "connection %llu closed: %s",
			       (unsigned long long)c->seq, why);
	}
	close(c->fd);
	*c = (struct board_conn){ .fd = -1 };
}

void board_server_destroy(struct board_server *s)
{
	if (!s) {
		return;
	}
	for (unsigned int i = 0; i < BOARD_SERVER_MAX_CONNS; i++) {
		board_conn_close(s, &s->conns[i], "board shutting down", false);
	}
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		(void)unlink(s->path);
	}
	close(s->wake[0]);
	close(s->wake[1]);
	free(s);
}

int board_server_adopt(struct board_server *s, int fd)
{
	for (unsigned int i = 0; i < BOARD_SERVER_MAX_CONNS; i++) {
		struct board_conn *c = &s->conns[i];

		if (c->state == CONN_FREE) {
			c->fd = fd;
			c->state = CONN_HELLO_WAIT;
			c->seq = ++s->conn_seq;
			return 0;
		}
	}
	board_log(s->board, "too many connections (%u): refused",
		  BOARD_SERVER_MAX_CONNS);
	close(fd);
	return -ENOSPC;
}

void board_server_set_once(struct board_server *s, bool once)
{
	s->once = once;
}

void board_server_set_source(struct board_server *s,
			     const struct board_server_source *src)
{
	s->src = src;
}

void board_server_stop(struct board_server *s)
{
	char byte = 1;

	s->stop = 1;
	(void)!write(s->wake[1], &byte, 1);
}

/* Sends one frame, optionally with one fd; never blocks. */
static int board_conn_send(struct board_conn *c, const struct rheap_ffa_regs *regs,
			   int fd)
{
	uint8_t buf[BOARD_MSG_SIZE] = { 0 };
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = 0;

	board_msg_encode(regs, buf);
	if (fd >= 0) {
		struct cmsghdr *cm = NULL;

		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do {
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(buf) ? 0 : -EINVAL;
}

/*
 * Receives one frame. Return: 1 with @regs filled; 0 for "nothing yet";
 * -ENOENT for EOF or a socket error; -EINVAL for a malformed frame (@why
 * says how). With 1, *@fd is the one fd the frame carried (the caller
 * closes it), -1 for none, -2 for several (all closed here); in every
 * other case every fd the client attached is closed.
 */
static int board_conn_recv(struct board_conn *c, struct rheap_ffa_regs *regs,
			   int *fd, const char **why)
{
	uint8_t buf[BOARD_MSG_SIZE + 1] = { 0 };
	union {
		char space[CMSG_SPACE(sizeof(int) * BOARD_SERVER_CMSG_FDS)];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.space,
		.msg_controllen = sizeof(ctl.space),
	};
	bool had_other = false;
	size_t fds = 0;
	int first = -1;
	ssize_t n = 0;

	*fd = -1;
	do {
		n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		return 0;
	}
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < count; i++) {
				int one = -1;

				memcpy(&one, CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(int));
				if (fds == 0) {
					first = one;
				} else {
					close(one);
				}
				fds++;
			}
		} else {
			had_other = true;
		}
	}
	if (fds > 1 && first >= 0) {
		close(first);
		first = -1;
	}
	if (n <= 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    had_other || n != (ssize_t)BOARD_MSG_SIZE) {
		if (first >= 0) {
			close(first);
		}
	}
	if (n <= 0) {
		*why = n == 0 ? "peer closed the connection" : "socket error";
		return -ENOENT;
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		*why = "malformed message: truncated (longer than 144 bytes or too much ancillary data)";
		return -EINVAL;
	}
	if (had_other) {
		*why = "malformed message: ancillary data attached";
		return -EINVAL;
	}
	if (n != (ssize_t)BOARD_MSG_SIZE) {
		*why = "malformed message: not 144 bytes";
		return -EINVAL;
	}
	board_msg_decode(buf, regs);
	*fd = fds == 0 ? -1 : fds == 1 ? first : -2;
	return 1;
}

/* Only the NW's EXT_MAP, EXT_UNMAP and SMMU_NS frames may carry an fd. */
static bool board_msg_is_ext(uint64_t x0)
{
	return x0 == BOARD_MSG_EXT_MAP || x0 == BOARD_MSG_EXT_UNMAP ||
	       x0 == BOARD_MSG_SMMU_NS;
}

static bool board_regs_zero_from(const struct rheap_ffa_regs *r, unsigned int i)
{
	for (; i < RHEAP_FFA_REG_COUNT; i++) {
		if (r->x[i] != 0) {
			return false;
		}
	}
	return true;
}

static bool board_conn_peer_allowed(const struct board_conn *c)
{
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		return true; /* a socketpair() end adopted in-process */
	}
	return cred.uid == getuid() || cred.uid == 0;
}

/* Whether a hypervisor connection is open (one at a time). */
static bool board_server_hyp_connected(const struct board_server *s)
{
	for (uint32_t i = 0; i < BOARD_SERVER_MAX_CONNS; i++) {
		if (s->conns[i].state == CONN_HYP) {
			return true;
		}
	}
	return false;
}

/* Returns the HELLO errno (0: accepted); the caller closes on non-zero. */
static int board_conn_hello(struct board_server *s, struct board_conn *c,
			    const struct rheap_ffa_regs *req)
{
	struct rheap_ffa_regs rep = { .x = { BOARD_MSG_HELLO, BOARD_PROTO_VERSION } };
	struct board_status st = { 0 };
	bool vm = req->x[2] == BOARD_CONN_VM;
	bool hyp = req->x[2] == BOARD_CONN_HYP;
	uint16_t ep = 0;
	int rc = 0;

	if (req->x[1] != BOARD_PROTO_VERSION) {
		rc = -EOPNOTSUPP;
	} else if ((req->x[2] != BOARD_CONN_NW &&
		    req->x[2] != BOARD_CONN_OPERATOR && !vm && !hyp) ||
		   !board_regs_zero_from(req, vm ? 4 : 3)) {
		rc = -EINVAL;
	} else if (!board_conn_peer_allowed(c)) {
		rc = -EPERM;
	} else if (req->x[2] == BOARD_CONN_NW) {
		rc = board_nw_connect(s->board, &ep);
	} else if (hyp && board_server_hyp_connected(s)) {
		rc = -EBUSY;
	} else if (vm && req->x[3] > BOARD_VM_ID_MAX) {
		rc = -EINVAL; /* not even a 15-bit ID */
	} else if (vm) {
		ep = (uint16_t)req->x[3];
		rc = board_vm_connect(s->board, ep);
	}
	rep.x[2] = (uint64_t)(int64_t)rc;
	rep.x[4] = req->x[2];
	if (rc) {
		(void)board_conn_send(c, &rep, -1);
		return rc;
	}
	board_status(s->board, &st);
	rep.x[6] = (st.enforced ? BOARD_HELLO_FLAG_ENFORCED : 0) |
		   (st.secret ? BOARD_HELLO_FLAG_SECRET : 0);
	if (req->x[2] == BOARD_CONN_OPERATOR) {
		c->state = CONN_OPERATOR;
		return board_conn_send(c, &rep, -1);
	}
	/*
	 * NW or VM: the endpoint exists from here; close undoes it. A
	 * hypervisor is no endpoint (x3 = 0) but gets DRAM like the host.
	 */
	c->state = hyp ? CONN_HYP : CONN_NW;
	c->ep = ep;
	rep.x[3] = ep;
	/* A VM's hypervisor maps NW DRAM through its own host connection. */
	rep.x[5] = vm ? 0 : board_dram_count(s->board);
	rc = board_conn_send(c, &rep, -1);
	for (uint32_t i = 0; rc == 0 && i < rep.x[5]; i++) {
		struct board_dram_range r = { 0 };
		struct rheap_ffa_regs dm = { .x = { BOARD_MSG_DRAM, i } };

		rc = board_dram_get(s->board, i, &r);
		if (rc == 0) {
			dm.x[2] = r.base;
			dm.x[3] = r.size;
			rc = board_conn_send(c, &dm, r.fd);
		}
	}
	if (rc == 0 && hyp) {
		board_log_info(s->board, "connection %llu: hypervisor connected",
			       (unsigned long long)c->seq);
	} else if (rc == 0) {
		board_log_info(s->board, "connection %llu: %s endpoint 0x%04x connected",
			       (unsigned long long)c->seq, vm ? "VM" : "NW", ep);
	}
	return rc;
}

/* A sealed memfd holding @len bytes of @text; -1 on failure. */
static int board_status_memfd(const char *text, size_t len)
{
	int fd = memfd_create("rheap-board-status", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t done = 0;

	if (fd < 0) {
		return -1;
	}
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* STATUS or FAULTS (@what): the JSON in a sealed memfd with the reply. */
static int board_conn_status(struct board_server *s, struct board_conn *c,
			     uint64_t what)
{
	struct rheap_ffa_regs rep = { .x = { what } };
	char *json = NULL;
	size_t len = 0;
	int fd = -1;
	int rc = what == BOARD_MSG_FAULTS ?
			 board_faults_json(s->board, &json, &len) :
			 board_status_json(s->board, &json, &len);

	if (rc == 0) {
		fd = board_status_memfd(json, len);
		rc = fd < 0 ? -ENOMEM : 0;
	}
	free(json);
	rep.x[1] = (uint64_t)(int64_t)rc;
	rep.x[2] = rc == 0 ? len : 0;
	rc = board_conn_send(c, &rep, fd);
	if (fd >= 0) {
		close(fd);
	}
	return rc;
}

/*
 * HYP_RECLAIM: on the hypervisor's connection, reclaim a dead VM's
 * orphans; on a NW or VM connection, refused (-EPERM) without closing it.
 */
static int board_conn_hyp_reclaim(struct board_server *s, struct board_conn *c,
				  const struct rheap_ffa_regs *req)
{
	struct rheap_ffa_regs rep = { .x = { BOARD_MSG_HYP_RECLAIM } };
	struct board_hyp_reclaim_result res = { 0 };
	int rc = 0;

	if (c->state != CONN_HYP) {
		rc = -EPERM;
	} else if (!board_regs_zero_from(req, 2)) {
		rc = -EINVAL;
	} else if (req->x[1] > BOARD_VM_ID_MAX) {
		rc = -EINVAL; /* not even a 15-bit ID */
	} else {
		rc = board_hyp_reclaim(s->board, (uint16_t)req->x[1], &res);
	}
	/* A VM that lent nothing is -ENOENT: routine on every VM's death. */
	if (rc == -ENOENT || rc == -EPERM) {
		board_log_info(s->board, "connection %llu: HYP_RECLAIM of 0x%llx: %s",
			       (unsigned long long)c->seq,
			       (unsigned long long)req->x[1], rheap_err_name(rc));
	} else if (rc) {
		board_log(s->board, "connection %llu: HYP_RECLAIM of 0x%llx: %s",
			  (unsigned long long)c->seq,
			  (unsigned long long)req->x[1], rheap_err_name(rc));
	}
	rep.x[1] = (uint64_t)(int64_t)rc;
	rep.x[2] = res.reclaimed;
	rep.x[3] = res.held;
	return board_conn_send(c, &rep, -1);
}

static void board_conn_serve(struct board_server *s, struct board_conn *c)
{
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	const char *why = NULL;
	int fd = -1;
	int rc = board_conn_recv(c, &req, &fd, &why);

	if (rc == 0) {
		return;
	}
	if (rc < 0) {
		board_conn_close(s, c, why, rc == -EINVAL);
		return;
	}
	if (c->state == CONN_NW && board_msg_is_ext(req.x[0])) {
		(void)board_ext_call(s->board, c->ep, &req, fd, &resp);
		if (fd >= 0) {
			close(fd); /* a window keeps its mapping, not the fd */
		}
		if (board_conn_send(c, &resp, -1) != 0) {
			board_conn_close(s, c, "reply not deliverable", true);
		}
		return;
	}
	if (fd != -1) {
		if (fd >= 0) {
			close(fd);
		}
		board_conn_close(s, c, "malformed message: ancillary data attached",
				 true);
		return;
	}
	switch (c->state) {
	case CONN_HELLO_WAIT:
		if (req.x[0] != BOARD_MSG_HELLO) {
			board_conn_close(s, c, "malformed message: HELLO expected first", true);
			return;
		}
		rc = board_conn_hello(s, c, &req);
		if (rc) {
			board_log(s->board, "connection %llu: HELLO refused: %s",
				  (unsigned long long)c->seq,
				  rc == -EBUSY ? "that endpoint is already connected" :
						 rheap_strerror(rc));
			board_conn_close(s, c, "handshake failed", true);
		}
		return;
	case CONN_NW:
		if (req.x[0] == BOARD_MSG_HYP_RECLAIM) {
			if (board_conn_hyp_reclaim(s, c, &req) != 0) {
				board_conn_close(s, c, "reply not deliverable", true);
			}
			return;
		}
		if (req.x[0] == BOARD_MSG_DEVICE) {
			(void)board_device_call(s->board, c->ep, &req, &resp);
		} else {
			(void)board_call(s->board, c->ep, &req, &resp);
		}
		if (board_conn_send(c, &resp, -1) != 0) {
			board_conn_close(s, c, "reply not deliverable", true);
		}
		return;
	case CONN_OPERATOR:
	case CONN_HYP:
		if (c->state == CONN_HYP && req.x[0] == BOARD_MSG_HYP_RECLAIM) {
			if (board_conn_hyp_reclaim(s, c, &req) != 0) {
				board_conn_close(s, c, "reply not deliverable", true);
			}
			return;
		}
		if ((req.x[0] != BOARD_MSG_STATUS &&
		     req.x[0] != BOARD_MSG_FAULTS) ||
		    !board_regs_zero_from(&req, 1)) {
			board_conn_close(s, c, "malformed message: STATUS or FAULTS expected",
					 true);
			return;
		}
		if (board_conn_status(s, c, req.x[0]) != 0) {
			board_conn_close(s, c, "reply not deliverable", true);
		}
		return;
	case CONN_FREE:
	default:
		return;
	}
}

static void board_server_accept(struct board_server *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		return; /* EAGAIN, or the peer left already */
	}
	(void)board_server_adopt(s, fd);
}

int board_server_run(struct board_server *s)
{
	enum { POLL_MAX = 2 + BOARD_SERVER_MAX_CONNS + BOARD_SERVER_SOURCE_FDS };
	struct pollfd fds[POLL_MAX] = { { 0 } };
	struct board_conn *owner[POLL_MAX] = { NULL };
	nfds_t src_first = POLL_MAX;

	while (!s->stop) {
		nfds_t n = 0;
		int ready = 0;

		fds[n] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		owner[n++] = NULL;
		if (s->listen_fd >= 0) {
			fds[n] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
			owner[n++] = NULL;
		}
		for (unsigned int i = 0; i < BOARD_SERVER_MAX_CONNS; i++) {
			if (s->conns[i].state != CONN_FREE) {
				fds[n] = (struct pollfd){ .fd = s->conns[i].fd,
							  .events = POLLIN };
				owner[n++] = &s->conns[i];
			}
		}
		src_first = n;
		if (s->src) {
			int sfd[BOARD_SERVER_SOURCE_FDS] = { 0 };
			uint32_t count = s->src->fds(s->src->ctx, sfd,
						     BOARD_SERVER_SOURCE_FDS);

			for (uint32_t i = 0; i < count && i < BOARD_SERVER_SOURCE_FDS; i++) {
				fds[n] = (struct pollfd){ .fd = sfd[i], .events = POLLIN };
				owner[n++] = NULL;
			}
		}
		ready = poll(fds, n, -1);
		if (ready < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -ENOMEM;
		}
		for (nfds_t i = 0; i < n && !s->stop; i++) {
			if (!fds[i].revents) {
				continue;
			}
			if (i >= src_first) {
				s->src->event(s->src->ctx, fds[i].fd,
					      fds[i].revents);
			} else if (fds[i].fd == s->wake[0]) {
				char drain[16] = { 0 };

				while (read(s->wake[0], drain, sizeof(drain)) > 0) {
				}
			} else if (!owner[i]) {
				board_server_accept(s);
			} else if (owner[i]->fd == fds[i].fd) {
				board_conn_serve(s, owner[i]);
			}
		}
	}
	return 0;
}
