// SPDX-License-Identifier: BSD-2-Clause
/*
 * The ivshmem transport of rheap-board (life cycle in board_ivshmem.h, the
 * protocol in docs/ffa-mailbox.md).
 *
 * The mailbox memory is shared with QEMU and the guest: every load from it
 * is an atomic load of one aligned field (the guest may change it at any
 * time), each field the board acts on is loaded exactly once per call, and
 * nothing the board owns is ever loaded back. The memfd is sealed against
 * shrinking and growing, so that QEMU cannot make the board's mapping fault.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_mailbox.h>
#include <rheap/ffa_regs.h>

#include "board/board.h"
#include "board/board_ivshmem.h"
#include "board/board_server.h"

_Static_assert(sizeof(struct rheap_mbox) == 32u + 8u * RHEAP_MBOX_REGS,
	       "mailbox layout");
_Static_assert(sizeof(struct rheap_mbox) <= RHEAP_MBOX_SHM_SIZE,
	       "mailbox fits its memory");
_Static_assert(RHEAP_MBOX_REGS == RHEAP_FFA_REG_COUNT, "x0..x17");

/* Bytes (and fds) read at once from a client that must send nothing. */
#define IVSHMEM_DRAIN 64u
#define IVSHMEM_CMSG_FDS 8u

struct board_ivshmem {
	struct board *b;
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	/* The guest: all -1 / NULL when none is connected. */
	int conn_fd;
	int shm_fd;
	void *shm;
	int board_efd; /* board peer, vector 0: the guest rings it */
	int guest_efd; /* guest peer, vector 0: the board rings it */
	struct board_mbox_state st;
	uint64_t conn_seq;
	struct board_ivshmem_stats stats;
	struct board_server_source src;
};

/* ---- the mailbox ---- */

static uint32_t mbox_load32(const uint32_t *p, int order)
{
	return le32toh(__atomic_load_n(p, order));
}

static void mbox_store32(uint32_t *p, uint32_t v, int order)
{
	__atomic_store_n(p, htole32(v), order);
}

static void mbox_header(struct rheap_mbox *m, const struct board_mbox_state *st,
			uint32_t state)
{
	mbox_store32(&m->magic, RHEAP_MBOX_MAGIC, __ATOMIC_RELAXED);
	mbox_store32(&m->version, RHEAP_MBOX_VERSION, __ATOMIC_RELAXED);
	mbox_store32(&m->board_peer, BOARD_IVSHMEM_BOARD_PEER, __ATOMIC_RELAXED);
	mbox_store32(&m->guest_peer, st->guest_peer, __ATOMIC_RELAXED);
	mbox_store32(&m->state, state, __ATOMIC_RELAXED);
	mbox_store32(&m->calls, st->calls, __ATOMIC_RELAXED);
}

void board_mbox_init(void *shm, struct board_mbox_state *st,
		     uint32_t guest_peer)
{
	struct rheap_mbox *m = shm;

	*st = (struct board_mbox_state){ .guest_peer = guest_peer };
	for (uint32_t i = 0; i < RHEAP_MBOX_REGS; i++) {
		__atomic_store_n(&m->x[i], 0, __ATOMIC_RELAXED);
	}
	mbox_store32(&m->call_seq, 0, __ATOMIC_RELAXED);
	mbox_header(m, st, RHEAP_MBOX_STATE_READY);
	mbox_store32(&m->done_seq, 0, __ATOMIC_RELEASE);
}

void board_mbox_down(void *shm)
{
	struct rheap_mbox *m = shm;

	mbox_store32(&m->state, RHEAP_MBOX_STATE_DOWN, __ATOMIC_RELEASE);
}

int board_mbox_serve(struct board *b, void *shm, struct board_mbox_state *st)
{
	struct rheap_mbox *m = shm;
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	uint32_t seq = mbox_load32(&m->call_seq, __ATOMIC_ACQUIRE);

	if (seq == st->done_seq) {
		return 0;
	}
	/* The one fetch of the call: the guest may rewrite x[] meanwhile. */
	for (uint32_t i = 0; i < RHEAP_MBOX_REGS; i++) {
		req.x[i] = le64toh(__atomic_load_n(&m->x[i], __ATOMIC_RELAXED));
	}
	(void)board_call(b, BOARD_NW_ENDPOINT, &req, &resp);
	for (uint32_t i = 0; i < RHEAP_MBOX_REGS; i++) {
		__atomic_store_n(&m->x[i], htole64(resp.x[i]), __ATOMIC_RELAXED);
	}
	st->done_seq = seq;
	st->calls++;
	mbox_header(m, st, RHEAP_MBOX_STATE_READY);
	mbox_store32(&m->done_seq, seq, __ATOMIC_RELEASE);
	return 1;
}

/* ---- the ivshmem server ---- */

static int ivshmem_listen(struct board_ivshmem *iv, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd = -1;
	int rc = 0;

	if (len == 0 || len >= sizeof(addr.sun_path)) {
		return -EINVAL;
	}
	memcpy(addr.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return board_server_errno(errno);
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		int probe = -1;
		bool live = false;

		if (errno != EADDRINUSE) {
			rc = board_server_errno(errno);
			goto err_close;
		}
		/* Stale socket file, or a live server? Ask it. */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		live = probe >= 0 && connect(probe, (struct sockaddr *)&addr,
					     sizeof(addr)) == 0;
		if (probe >= 0) {
			close(probe);
		}
		if (live) {
			rc = -EBUSY;
			goto err_close;
		}
		(void)unlink(path);
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
			rc = board_server_errno(errno);
			goto err_close;
		}
	}
	if (chmod(path, 0600) != 0 || listen(fd, 4) != 0) {
		rc = board_server_errno(errno);
		(void)unlink(path);
		goto err_close;
	}
	memcpy(iv->path, path, len + 1);
	iv->listen_fd = fd;
	return 0;

err_close:
	close(fd);
	return rc;
}

static uint32_t ivshmem_src_fds(void *ctx, int *fds, uint32_t max)
{
	struct board_ivshmem *iv = ctx;
	uint32_t n = 0;

	if (iv->listen_fd >= 0 && n < max) {
		fds[n++] = iv->listen_fd;
	}
	if (iv->conn_fd >= 0 && n < max) {
		fds[n++] = iv->conn_fd;
	}
	if (iv->board_efd >= 0 && n < max) {
		fds[n++] = iv->board_efd;
	}
	return n;
}

static void ivshmem_src_event(void *ctx, int fd, short revents);

int board_ivshmem_create(struct board *b, const char *path,
			 struct board_ivshmem **out)
{
	struct board_ivshmem *iv = calloc(1, sizeof(*iv));
	int rc = 0;

	if (!iv) {
		return -ENOMEM;
	}
	iv->b = b;
	iv->listen_fd = -1;
	iv->conn_fd = -1;
	iv->shm_fd = -1;
	iv->board_efd = -1;
	iv->guest_efd = -1;
	iv->src = (struct board_server_source){
		.fds = ivshmem_src_fds,
		.event = ivshmem_src_event,
		.ctx = iv,
	};
	if (path) {
		rc = ivshmem_listen(iv, path);
		if (rc) {
			free(iv);
			return rc;
		}
	}
	*out = iv;
	return 0;
}

static void ivshmem_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Releases the guest's resources; the endpoint is the caller's. */
static void ivshmem_release(struct board_ivshmem *iv)
{
	if (iv->shm) {
		board_mbox_down(iv->shm);
		munmap(iv->shm, RHEAP_MBOX_SHM_SIZE);
		iv->shm = NULL;
	}
	ivshmem_close(&iv->shm_fd);
	ivshmem_close(&iv->board_efd);
	ivshmem_close(&iv->guest_efd);
	ivshmem_close(&iv->conn_fd);
}

/*
 * The guest is gone (or broke the protocol): exactly what a dead NW
 * socket connection gets (board_nw_disconnect()), then the orphans it
 * left go back to the guest RAM file, scrubbed (board_nw_reclaim()).
 */
static void ivshmem_drop(struct board_ivshmem *iv, const char *why, bool error)
{
	struct board_hyp_reclaim_result res = { 0 };
	int rc = 0;

	if (iv->conn_fd < 0) {
		return;
	}
	ivshmem_release(iv);
	board_nw_disconnect(iv->b, BOARD_NW_ENDPOINT);
	rc = board_nw_reclaim(iv->b, &res);
	iv->stats.reclaimed += res.reclaimed;
	iv->stats.held += res.held;
	if (error) {
		iv->stats.dropped++;
	}
	board_log(iv->b, "ivshmem guest %llu (NW endpoint 0x%04x) gone: %s; "
			 "%u call(s), %u orphan(s) reclaimed, %u held%s%s",
		  (unsigned long long)iv->conn_seq, BOARD_NW_ENDPOINT, why,
		  iv->st.calls, res.reclaimed, res.held, rc ? ": " : "",
		  rc ? rheap_err_name(rc) : "");
}

void board_ivshmem_destroy(struct board_ivshmem *iv)
{
	if (!iv) {
		return;
	}
	ivshmem_drop(iv, "board shutting down", false);
	if (iv->listen_fd >= 0) {
		close(iv->listen_fd);
		(void)unlink(iv->path);
	}
	free(iv);
}

/* One handshake message: an int64 LE, maybe with one fd. */
static int ivshmem_send(int sock, int64_t value, int fd)
{
	uint64_t le = htole64((uint64_t)value);
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = 0;

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
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(le) ? 0 : -EINVAL;
}

/* The spec's steps 1-5 for a server whose only other peer is the board. */
static int ivshmem_handshake(struct board_ivshmem *iv)
{
	uint32_t guest = iv->st.guest_peer;
	int rc = ivshmem_send(iv->conn_fd, BOARD_IVSHMEM_PROTO, -1);

	if (rc == 0) {
		rc = ivshmem_send(iv->conn_fd, guest, -1);
	}
	if (rc == 0) {
		rc = ivshmem_send(iv->conn_fd, -1, iv->shm_fd);
	}
	/* Step 4: the board, a connected peer: one fd per vector. */
	if (rc == 0) {
		rc = ivshmem_send(iv->conn_fd, BOARD_IVSHMEM_BOARD_PEER,
				  iv->board_efd);
	}
	/* Step 5: the guest's own vectors. */
	if (rc == 0) {
		rc = ivshmem_send(iv->conn_fd, guest, iv->guest_efd);
	}
	return rc;
}

/* A sealed, mapped RHEAP_MBOX_SHM_SIZE memfd with a fresh header. */
static int ivshmem_shm_create(struct board_ivshmem *iv)
{
	void *p = NULL;

	iv->shm_fd = memfd_create("rheap-mbox", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (iv->shm_fd < 0) {
		return -ENOMEM;
	}
	if (ftruncate(iv->shm_fd, RHEAP_MBOX_SHM_SIZE) != 0 ||
	    fcntl(iv->shm_fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		return -ENOMEM;
	}
	p = mmap(NULL, RHEAP_MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 iv->shm_fd, 0);
	if (p == MAP_FAILED) {
		return -ENOMEM;
	}
	iv->shm = p;
	board_mbox_init(p, &iv->st, BOARD_IVSHMEM_GUEST_PEER);
	return 0;
}

static bool ivshmem_peer_allowed(int fd)
{
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		return true;
	}
	return cred.uid == getuid() || cred.uid == 0;
}

/* Rings the guest's vector RHEAP_MBOX_VECTOR. */
static void ivshmem_ring(struct board_ivshmem *iv)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is saturated, the guest is rung anyway. */
	(void)!write(iv->guest_efd, &one, sizeof(one));
}

static void ivshmem_serve(struct board_ivshmem *iv)
{
	if (iv->shm && board_mbox_serve(iv->b, iv->shm, &iv->st) == 1) {
		iv->stats.calls++;
		ivshmem_ring(iv);
	}
}

int board_ivshmem_adopt(struct board_ivshmem *iv, int fd)
{
	uint16_t ep = 0;
	uint64_t seq = iv->conn_seq + 1u;
	int rc = 0;

	if (iv->conn_fd >= 0) {
		board_log(iv->b, "ivshmem connection %llu refused: a guest is "
				 "connected (one at a time)",
			  (unsigned long long)seq);
		rc = -EBUSY;
	} else if (!ivshmem_peer_allowed(fd)) {
		board_log(iv->b, "ivshmem connection %llu refused: another user",
			  (unsigned long long)seq);
		rc = -EPERM;
	} else {
		rc = board_nw_connect(iv->b, &ep);
		if (rc) {
			board_log(iv->b, "ivshmem connection %llu refused: NW "
					 "endpoint 0x%04x %s",
				  (unsigned long long)seq, BOARD_NW_ENDPOINT,
				  rc == -EBUSY ? "is in use (a socket NW client "
						 "is connected)" :
						 rheap_err_name(rc));
		}
	}
	if (rc) {
		iv->stats.refused++;
		iv->conn_seq = seq;
		close(fd);
		return rc;
	}
	iv->conn_seq = seq;
	iv->conn_fd = fd;
	rc = ivshmem_shm_create(iv);
	if (rc == 0) {
		iv->board_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		iv->guest_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		rc = iv->board_efd < 0 || iv->guest_efd < 0 ? -ENOMEM : 0;
	}
	if (rc == 0) {
		rc = ivshmem_handshake(iv);
	}
	if (rc) {
		ivshmem_drop(iv, "handshake not deliverable", true);
		return rc;
	}
	iv->stats.guests++;
	board_log_info(iv->b, "ivshmem guest %llu connected: peer %u, NW "
			      "endpoint 0x%04x, board peer %u",
		       (unsigned long long)seq, iv->st.guest_peer,
		       BOARD_NW_ENDPOINT, BOARD_IVSHMEM_BOARD_PEER);
	ivshmem_serve(iv);
	return 0;
}

static void ivshmem_accept(struct board_ivshmem *iv)
{
	int fd = accept4(iv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd >= 0) {
		(void)board_ivshmem_adopt(iv, fd);
	}
}

/*
 * The client must never send: QEMU only receives on this socket. Bytes
 * or fds are a protocol error (fds are closed here); EOF is the guest's
 * death.
 */
static void ivshmem_conn_input(struct board_ivshmem *iv, short revents)
{
	uint8_t buf[IVSHMEM_DRAIN] = { 0 };
	union {
		char space[CMSG_SPACE(sizeof(int) * IVSHMEM_CMSG_FDS)];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.space,
		.msg_controllen = sizeof(ctl.space),
	};
	bool fds = false;
	ssize_t n = 0;

	do {
		n = recvmsg(iv->conn_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < count; i++) {
				int one = -1;

				memcpy(&one, CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(int));
				close(one);
			}
		}
		fds = true;
	}
	if (n > 0 || fds || (msg.msg_flags & MSG_CTRUNC)) {
		ivshmem_drop(iv, "malformed: the client sent data (the ivshmem "
				 "protocol is server to client only)", true);
	} else if (n == 0) {
		ivshmem_drop(iv, "guest closed the connection", false);
	} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
		ivshmem_drop(iv, "socket error", true);
	} else if (revents & (POLLHUP | POLLERR)) {
		ivshmem_drop(iv, "connection hung up", false);
	}
}

static void ivshmem_src_event(void *ctx, int fd, short revents)
{
	struct board_ivshmem *iv = ctx;

	if (fd < 0) {
		return;
	}
	if (fd == iv->listen_fd) {
		ivshmem_accept(iv);
	} else if (fd == iv->conn_fd) {
		ivshmem_conn_input(iv, revents);
	} else if (fd == iv->board_efd) {
		uint64_t count = 0;

		/* Drain (a spurious wake-up reads EAGAIN), then look. */
		(void)!read(iv->board_efd, &count, sizeof(count));
		ivshmem_serve(iv);
	}
}

const struct board_server_source *board_ivshmem_source(struct board_ivshmem *iv)
{
	return &iv->src;
}

int board_ivshmem_poll(struct board_ivshmem *iv, int timeout_ms)
{
	struct pollfd pfd[BOARD_IVSHMEM_FDS] = { { 0 } };
	int fds[BOARD_IVSHMEM_FDS] = { 0 };
	uint32_t n = ivshmem_src_fds(iv, fds, BOARD_IVSHMEM_FDS);
	int handled = 0;
	int ready = 0;

	for (uint32_t i = 0; i < n; i++) {
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	}
	do {
		ready = poll(pfd, n, timeout_ms);
	} while (ready < 0 && errno == EINTR);
	if (ready < 0) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (pfd[i].revents) {
			ivshmem_src_event(iv, pfd[i].fd, pfd[i].revents);
			handled++;
		}
	}
	return handled;
}

bool board_ivshmem_guest_connected(const struct board_ivshmem *iv)
{
	return iv->conn_fd >= 0;
}

void board_ivshmem_get_stats(const struct board_ivshmem *iv,
			     struct board_ivshmem_stats *out)
{
	*out = iv->stats;
}
