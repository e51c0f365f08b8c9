// SPDX-License-Identifier: BSD-2-Clause
/* NW-side client of the board transport (see nw_client.h). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#include "board/board_msg.h"
#include "board/nw_client.h"

/*
 * struct nw_client - one connection
 * @fd:          the socket; -1 once GONE
 * @ep:          FF-A endpoint ID from HELLO (0 for an operator)
 * @flags:       HELLO x6
 * @dram_count:  mapped ranges
 * @dram:        the mappings (unmapped at destroy unless borrowed)
 * @dram_borrowed: @dram is the caller's (a VM connection): never unmapped
 * @ffa_version: the board's FFA_VERSION answer (1.1 until asked)
 * @tx, @rx:     mapped mailbox, NULL before nw_client_rxtx_map()
 * @mbox_size:   bytes of each
 */
struct nw_client {
	int fd;
	uint16_t ep;
	uint64_t flags;
	uint32_t dram_count;
	struct nw_client_dram dram[NW_CLIENT_MAX_DRAM];
	bool dram_borrowed;
	uint32_t ffa_version;
	uint8_t *tx;
	uint8_t *rx;
	size_t mbox_size;
};

static void nw_client_gone(struct nw_client *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

/* Sends one frame, with one fd when @fd >= 0. */
static int nw_client_send_fd(struct nw_client *c,
			     const struct rheap_ffa_regs *r, int fd)
{
	uint8_t buf[BOARD_MSG_SIZE] = { 0 };
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = 0;

	if (c->fd < 0) {
		return -ENOENT;
	}
	board_msg_encode(r, buf);
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
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && fd >= 0 && (errno == EBADF || errno == EINVAL)) {
		return -EINVAL; /* the fd we were given, not the board */
	}
	if (n != (ssize_t)sizeof(buf)) {
		nw_client_gone(c);
		return -ENOENT;
	}
	return 0;
}

static int nw_client_send(struct nw_client *c, const struct rheap_ffa_regs *r)
{
	return nw_client_send_fd(c, r, -1);
}

/*
 * Receives one frame and at most one fd (*@fd, -1 if none; pass NULL to
 * refuse fds). Return: 0; -ENOENT when the board is gone; -EINVAL for a
 * malformed frame.
 */
static int nw_client_recv(struct nw_client *c, struct rheap_ffa_regs *r,
			  int *fd)
{
	uint8_t buf[BOARD_MSG_SIZE + 1] = { 0 };
	union {
		char space[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.space,
		.msg_controllen = sizeof(ctl.space),
	};
	int got = -1;
	int extra = 0;
	ssize_t n = 0;

	if (c->fd < 0) {
		return -ENOENT;
	}
	do {
		n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	for (struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		size_t count = 0;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int one = -1;

			memcpy(&one, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (got < 0 && fd) {
				got = one;
			} else {
				close(one);
				extra++;
			}
		}
	}
	if (n <= 0) {
		nw_client_gone(c);
		return -ENOENT;
	}
	if (n != (ssize_t)BOARD_MSG_SIZE || extra ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (got >= 0) {
			close(got);
		}
		return -EINVAL;
	}
	board_msg_decode(buf, r);
	if (fd) {
		*fd = got;
	}
	return 0;
}

static int nw_client_map_dram(struct nw_client *c, uint64_t count)
{
	if (count > NW_CLIENT_MAX_DRAM) {
		return -EINVAL;
	}
	for (uint64_t i = 0; i < count; i++) {
		struct rheap_ffa_regs m = { 0 };
		struct stat st = { 0 };
		void *p = MAP_FAILED;
		int fd = -1;
		int rc = nw_client_recv(c, &m, &fd);

		if (rc) {
			return rc;
		}
		if (m.x[0] != BOARD_MSG_DRAM || m.x[1] != i || fd < 0 ||
		    m.x[3] == 0 || m.x[3] > SIZE_MAX || fstat(fd, &st) != 0 ||
		    (uint64_t)st.st_size != m.x[3]) {
			if (fd >= 0) {
				close(fd);
			}
			return -EINVAL;
		}
		p = mmap(NULL, (size_t)m.x[3], PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
		close(fd); /* the mapping keeps the memory */
		if (p == MAP_FAILED) {
			return -ENOMEM;
		}
		c->dram[i] = (struct nw_client_dram){
			.base = m.x[2],
			.size = m.x[3],
			.ptr = p,
		};
		c->dram_count = (uint32_t)i + 1;
	}
	return 0;
}

/*
 * HELLO of @kind (x3 = @vm_id for BOARD_CONN_VM) over @fd, which the
 * client owns from here on every path.
 */
static int nw_client_hello(int fd, enum board_conn_kind kind, uint16_t vm_id,
			   struct nw_client **out)
{
	struct rheap_ffa_regs hello = {
		.x = { BOARD_MSG_HELLO, BOARD_PROTO_VERSION, kind },
	};
	struct rheap_ffa_regs rep = { 0 };
	struct nw_client *c = calloc(1, sizeof(*c));
	int rc = 0;

	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->ffa_version = FFA_VERSION_1_1;
	if (kind == BOARD_CONN_VM) {
		hello.x[3] = vm_id;
	}
	rc = nw_client_send(c, &hello);
	if (rc == 0) {
		rc = nw_client_recv(c, &rep, NULL);
	}
	if (rc) {
		goto err_destroy;
	}
	if (rep.x[0] != BOARD_MSG_HELLO || rep.x[1] != BOARD_PROTO_VERSION) {
		rc = -EINVAL;
		goto err_destroy;
	}
	if (rep.x[2] != 0) {
		int64_t st = (int64_t)rep.x[2];

		rc = st < 0 && st >= -4095 ? (int)st : -EINVAL;
		goto err_destroy;
	}
	if (kind == BOARD_CONN_VM && (rep.x[3] != vm_id || rep.x[5] != 0)) {
		rc = -EINVAL; /* another ID, or DRAM a VM is never sent */
		goto err_destroy;
	}
	c->ep = (uint16_t)rep.x[3];
	c->flags = rep.x[6];
	if (kind == BOARD_CONN_HYP && rep.x[3] != 0) {
		rc = -EINVAL; /* a hypervisor is no endpoint */
		goto err_destroy;
	}
	if (kind == BOARD_CONN_NW || kind == BOARD_CONN_HYP) {
		rc = nw_client_map_dram(c, rep.x[5]);
		if (rc) {
			goto err_destroy;
		}
	}
	*out = c;
	return 0;

err_destroy:
	nw_client_destroy(c);
	return rc;
}

int nw_client_connect_fd(int fd, enum board_conn_kind kind,
			 struct nw_client **out)
{
	if (kind == BOARD_CONN_VM) {
		close(fd);
		return -EINVAL; /* nw_client_connect_vm_fd() */
	}
	return nw_client_hello(fd, kind, 0, out);
}

/* A connected SOCK_SEQPACKET socket to @path, or a negative errno. */
static int nw_client_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd = -1;

	if (len == 0 || len >= sizeof(addr.sun_path)) {
		return -EINVAL;
	}
	memcpy(addr.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -ENOMEM;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

int nw_client_connect(const char *path, enum board_conn_kind kind,
		      struct nw_client **out)
{
	int fd = nw_client_socket(path);

	if (fd < 0) {
		return fd;
	}
	return nw_client_connect_fd(fd, kind, out);
}

int nw_client_connect_hyp(const char *path, struct nw_client **out)
{
	int fd = nw_client_socket(path);

	if (fd < 0) {
		return fd;
	}
	return nw_client_hello(fd, BOARD_CONN_HYP, 0, out);
}

int nw_client_connect_vm_fd(int fd, uint16_t vm_id,
			    const struct nw_client_dram *dram,
			    uint32_t dram_count, struct nw_client **out)
{
	struct nw_client *c = NULL;
	int rc = 0;

	if (dram_count > NW_CLIENT_MAX_DRAM || (dram_count && !dram)) {
		close(fd);
		return -EINVAL;
	}
	rc = nw_client_hello(fd, BOARD_CONN_VM, vm_id, &c);
	if (rc) {
		return rc;
	}
	for (uint32_t i = 0; i < dram_count; i++) {
		c->dram[i] = dram[i];
	}
	c->dram_count = dram_count;
	c->dram_borrowed = true;
	*out = c;
	return 0;
}

int nw_client_connect_vm(const char *path, uint16_t vm_id,
			 const struct nw_client_dram *dram,
			 uint32_t dram_count, struct nw_client **out)
{
	int fd = nw_client_socket(path);

	if (fd < 0) {
		return fd;
	}
	return nw_client_connect_vm_fd(fd, vm_id, dram, dram_count, out);
}

void nw_client_destroy(struct nw_client *c)
{
	if (!c) {
		return;
	}
	for (uint32_t i = 0; i < c->dram_count && !c->dram_borrowed; i++) {
		munmap(c->dram[i].ptr, (size_t)c->dram[i].size);
	}
	nw_client_gone(c);
	free(c);
}

int nw_client_destroy_wait(struct nw_client *c, int timeout_ms)
{
	struct pollfd pfd = { .events = POLLIN };
	uint8_t drain[BOARD_MSG_SIZE] = { 0 };
	int rc = 0;

	if (!c) {
		return 0;
	}
	pfd.fd = c->fd;
	if (c->fd >= 0 && shutdown(c->fd, SHUT_WR) != 0) {
		pfd.fd = -1; /* the socket is broken: the board saw it go */
	}
	while (pfd.fd >= 0) {
		ssize_t n = 0;
		int ready = poll(&pfd, 1, timeout_ms);

		if (ready < 0 && errno == EINTR) {
			continue;
		}
		if (ready <= 0) {
			rc = -EBUSY;
			break;
		}
		/* A queued reply (its fds closed by the kernel) or EOF. */
		n = recv(c->fd, drain, sizeof(drain), MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
			break;
		}
	}
	nw_client_destroy(c);
	return rc;
}

uint16_t nw_client_id(const struct nw_client *c)
{
	return c->ep;
}

uint64_t nw_client_flags(const struct nw_client *c)
{
	return c->flags;
}

int nw_client_fd(const struct nw_client *c)
{
	return c->fd;
}

uint32_t nw_client_dram_count(const struct nw_client *c)
{
	return c->dram_count;
}

int nw_client_dram_get(const struct nw_client *c, uint32_t index,
		       struct nw_client_dram *out)
{
	if (index >= c->dram_count) {
		return -ENOENT;
	}
	*out = c->dram[index];
	return 0;
}

int nw_client_pa_ptr(const struct nw_client *c, uint64_t pa, uint64_t size,
		     void **ptr)
{
	for (uint32_t i = 0; i < c->dram_count; i++) {
		const struct nw_client_dram *d = &c->dram[i];

		if (size != 0 && pa >= d->base && size <= d->size &&
		    pa - d->base <= d->size - size) {
			*ptr = d->ptr + (pa - d->base);
			return 0;
		}
	}
	return -EINVAL;
}

int nw_client_call(struct nw_client *c, const struct rheap_ffa_regs *req,
		   struct rheap_ffa_regs *resp)
{
	int rc = nw_client_send(c, req);

	if (rc) {
		return rc;
	}
	return nw_client_recv(c, resp, NULL);
}

int nw_client_ffa_errno(const struct rheap_ffa_regs *resp)
{
	if ((uint32_t)resp->x[0] != FFA_ERROR) {
		return 0;
	}
	switch ((int32_t)(uint32_t)resp->x[2]) {
	case FFA_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case FFA_NO_MEMORY:
		return -ENOMEM;
	case FFA_BUSY:
	case FFA_RETRY:
	case FFA_ABORTED:
		return -EBUSY;
	case FFA_DENIED:
		return -EPERM;
	case FFA_NO_DATA:
		return -ENOENT;
	case FFA_INVALID_PARAMETERS:
	default:
		return -EINVAL;
	}
}

/* Packs @call, calls, and maps an FFA_ERROR reply to errno. */
static int nw_client_ffa(struct nw_client *c, const struct rheap_ffa_call *call,
			 struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_regs req = { 0 };
	int rc = rheap_ffa_call_pack(call, &req);

	if (rc) {
		return rc;
	}
	rc = nw_client_call(c, &req, resp);
	if (rc) {
		return rc;
	}
	return nw_client_ffa_errno(resp);
}

int nw_client_version(struct nw_client *c, uint32_t version, uint32_t *out)
{
	struct rheap_ffa_call call = { .func = FFA_VERSION };
	struct rheap_ffa_regs resp = { 0 };
	uint32_t v = 0;
	int rc = 0;

	call.args.version.version = version;
	rc = nw_client_ffa(c, &call, &resp);
	if (rc) {
		return rc;
	}
	rc = rheap_ffa_version_ret_unpack(&resp, &v, NULL);
	if (rc) {
		return rc;
	}
	if (v == RHEAP_FFA_VERSION_NOT_SUPPORTED) {
		return -EOPNOTSUPP;
	}
	c->ffa_version = v < version ? v : version;
	*out = v;
	return 0;
}

int nw_client_id_get(struct nw_client *c, uint16_t *id)
{
	struct rheap_ffa_call call = { .func = FFA_ID_GET };
	struct rheap_ffa_regs resp = { 0 };
	int rc = nw_client_ffa(c, &call, &resp);

	if (rc) {
		return rc;
	}
	*id = (uint16_t)resp.x[2];
	return 0;
}

int nw_client_rxtx_map(struct nw_client *c, uint64_t tx_pa, uint64_t rx_pa,
		       uint32_t page_count)
{
	struct rheap_ffa_call call = { .func = FFA_RXTX_MAP_64 };
	struct rheap_ffa_regs resp = { 0 };
	size_t size = (size_t)page_count * FFA_PAGE_SIZE;
	void *tx = NULL;
	void *rx = NULL;
	int rc = 0;

	if (page_count == 0 || page_count > RHEAP_FFA_RXTX_PAGE_COUNT_MASK ||
	    nw_client_pa_ptr(c, tx_pa, size, &tx) ||
	    nw_client_pa_ptr(c, rx_pa, size, &rx)) {
		return -EINVAL;
	}
	call.args.rxtx_map.tx_address = tx_pa;
	call.args.rxtx_map.rx_address = rx_pa;
	call.args.rxtx_map.page_count = page_count;
	rc = nw_client_ffa(c, &call, &resp);
	if (rc) {
		return rc;
	}
	c->tx = tx;
	c->rx = rx;
	c->mbox_size = size;
	return 0;
}

static uint32_t nw_client_send_func(enum rheap_ffa_abi abi)
{
	switch (abi) {
	case RHEAP_FFA_ABI_SHARE:
		return FFA_MEM_SHARE_64;
	case RHEAP_FFA_ABI_LEND:
		return FFA_MEM_LEND_64;
	case RHEAP_FFA_ABI_DONATE:
		return FFA_MEM_DONATE_64;
	default:
		return 0;
	}
}

/* Sends @desc in TX-sized fragments; see nw_client_mem_send(). */
static int nw_client_send_frags(struct nw_client *c, uint32_t func,
				const uint8_t *desc, size_t len,
				uint64_t *handle, uint32_t *fragments)
{
	struct rheap_ffa_call call = { .func = func };
	struct rheap_ffa_regs resp = { 0 };
	size_t frag = 0;
	size_t off = 0;
	uint32_t count = 1;
	int rc = rheap_ffa_frag_first_size(desc, len, c->mbox_size, &frag);

	if (rc) {
		return rc;
	}
	memcpy(c->tx, desc, frag);
	call.args.mem_xfer.total_length = (uint32_t)len;
	call.args.mem_xfer.fragment_length = (uint32_t)frag;
	off = frag;
	for (;;) {
		uint32_t f = 0;

		rc = nw_client_ffa(c, &call, &resp);
		if (rc) {
			return rc;
		}
		f = (uint32_t)resp.x[0];
		if (f == FFA_SUCCESS_32 || f == FFA_SUCCESS_64) {
			if (off != len) {
				return -EINVAL;
			}
			*handle = (resp.x[2] & UINT32_MAX) |
				  (resp.x[3] & UINT32_MAX) << 32;
			break;
		}
		if (f != FFA_MEM_FRAG_RX || (resp.x[3] & UINT32_MAX) != off ||
		    off >= len) {
			return -EINVAL;
		}
		rc = rheap_ffa_frag_next_size(len, off, c->mbox_size, &frag);
		if (rc) {
			return rc;
		}
		memcpy(c->tx, desc + off, frag);
		call = (struct rheap_ffa_call){ .func = FFA_MEM_FRAG_TX };
		call.args.frag.handle = (resp.x[1] & UINT32_MAX) |
					(resp.x[2] & UINT32_MAX) << 32;
		call.args.frag.value = (uint32_t)frag;
		off += frag;
		count++;
	}
	if (fragments) {
		*fragments = count;
	}
	return 0;
}

int nw_client_mem_send(struct nw_client *c, const struct rheap_ffa_mem *mem,
		       uint64_t *handle, uint32_t *fragments)
{
	uint32_t func = nw_client_send_func(mem->abi);
	uint8_t *desc = NULL;
	size_t size = 0;
	int len = 0;
	int rc = 0;

	if (!c->tx || func == 0) {
		return -EINVAL;
	}
	rc = rheap_ffa_mem_encoded_size(mem, &size);
	if (rc) {
		return rc;
	}
	desc = malloc(size);
	if (!desc) {
		return -ENOMEM;
	}
	len = rheap_ffa_mem_encode(mem, desc, size, NULL);
	if (len < 0) {
		rc = len;
		goto out_free;
	}
	rc = nw_client_send_frags(c, func, desc, (size_t)len, handle,
				  fragments);
out_free:
	free(desc);
	return rc;
}

int nw_client_lend(struct nw_client *c, uint16_t receiver, uint64_t tag,
		   const struct rheap_ffa_range *ranges, uint32_t range_count,
		   uint32_t flags, uint64_t *handle, uint32_t *fragments)
{
	struct rheap_ffa_receiver rx = {
		.endpoint_id = receiver,
		.permissions = FFA_DATA_ACCESS_RW,
	};
	struct rheap_ffa_mem mem = {
		.abi = RHEAP_FFA_ABI_LEND,
		.version = c->ffa_version >= FFA_VERSION_1_2 ? FFA_VERSION_1_2 :
							       FFA_VERSION_1_1,
		.sender_id = c->ep,
		.flags = flags,
		.tag = tag,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.range_count = range_count,
		.ranges = (struct rheap_ffa_range *)ranges,
		.range_cap = range_count,
	};
	uint64_t pages = 0;

	for (uint32_t i = 0; i < range_count; i++) {
		pages += ranges[i].page_count;
	}
	if (pages > UINT32_MAX) {
		return -EOVERFLOW;
	}
	mem.total_page_count = (uint32_t)pages;
	return nw_client_mem_send(c, &mem, handle, fragments);
}

int nw_client_reclaim(struct nw_client *c, uint64_t handle, uint32_t flags)
{
	struct rheap_ffa_call call = { .func = FFA_MEM_RECLAIM };
	struct rheap_ffa_regs resp = { 0 };

	call.args.reclaim.handle = handle;
	call.args.reclaim.flags = flags;
	return nw_client_ffa(c, &call, &resp);
}

/* One operator query (STATUS or FAULTS): the JSON from the reply's memfd. */
static int nw_client_query(struct nw_client *c, uint64_t what, char **json,
			   size_t *len)
{
	struct rheap_ffa_regs req = { .x = { what } };
	struct rheap_ffa_regs rep = { 0 };
	char *text = NULL;
	size_t size = 0;
	int fd = -1;
	int rc = nw_client_send(c, &req);

	if (rc == 0) {
		rc = nw_client_recv(c, &rep, &fd);
	}
	if (rc) {
		return rc;
	}
	if (rep.x[0] != what) {
		rc = -EINVAL;
		goto out_close;
	}
	if (rep.x[1] != 0) {
		int64_t st = (int64_t)rep.x[1];

		rc = st < 0 && st >= -4095 ? (int)st : -EINVAL;
		goto out_close;
	}
	size = (size_t)rep.x[2];
	if (fd < 0 || rep.x[2] > (64u << 20)) {
		rc = -EINVAL;
		goto out_close;
	}
	text = malloc(size + 1);
	if (!text) {
		rc = -ENOMEM;
		goto out_close;
	}
	if (pread(fd, text, size, 0) != (ssize_t)size) {
		free(text);
		rc = -EINVAL;
		goto out_close;
	}
	text[size] = '\0';
	*json = text;
	*len = size;
out_close:
	if (fd >= 0) {
		close(fd);
	}
	return rc;
}

int nw_client_status(struct nw_client *c, char **json, size_t *len)
{
	return nw_client_query(c, BOARD_MSG_STATUS, json, len);
}

int nw_client_faults(struct nw_client *c, char **json, size_t *len)
{
	return nw_client_query(c, BOARD_MSG_FAULTS, json, len);
}

/* A status word of the board: 0 or a negative errno of the closed set. */
static bool nw_client_status_ok(uint64_t w)
{
	return rheap_err_known((int64_t)w);
}

int nw_client_device(struct nw_client *c, uint32_t stream, uint32_t cmd,
		     const uint64_t args[8], uint64_t res[8], int *status)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_DEVICE, stream, cmd } };
	struct rheap_ffa_regs rep = { 0 };
	int rc = 0;

	if (res) {
		memset(res, 0, 8 * sizeof(res[0]));
	}
	if (!c || !args || !res || !status) {
		return -EINVAL;
	}
	*status = 0;
	for (unsigned int i = 0; i < 8; i++) {
		req.x[3 + i] = args[i];
	}
	rc = nw_client_call(c, &req, &rep);
	if (rc) {
		return rc;
	}
	if ((uint32_t)rep.x[0] == FFA_ERROR && rep.x[0] <= UINT32_MAX) {
		*status = nw_client_ffa_errno(&rep);
		return 0;
	}
	if (rep.x[0] != BOARD_MSG_DEVICE || !nw_client_status_ok(rep.x[1])) {
		return -EINVAL;
	}
	for (unsigned int i = 10; i < RHEAP_FFA_REG_COUNT; i++) {
		if (rep.x[i] != 0) {
			return -EINVAL;
		}
	}
	for (unsigned int i = 0; i < 8; i++) {
		res[i] = rep.x[2 + i];
	}
	*status = (int)(int64_t)rep.x[1];
	return 0;
}

/*
 * One EXT_MAP / EXT_UNMAP / SMMU_NS exchange: *@status from x1, *@pa
 * (may be NULL) from x2. The reply must echo x0 (or be FFA_ERROR) and
 * carry nothing in x3..x17, nor x2 but for EXT_MAP.
 */
static int nw_client_ext(struct nw_client *c, const struct rheap_ffa_regs *req,
			 int fd, uint64_t *pa, int *status)
{
	struct rheap_ffa_regs rep = { 0 };
	int rc = 0;

	*status = 0;
	rc = nw_client_send_fd(c, req, fd);
	if (rc == 0) {
		rc = nw_client_recv(c, &rep, NULL);
	}
	if (rc) {
		return rc;
	}
	if ((uint32_t)rep.x[0] == FFA_ERROR && rep.x[0] <= UINT32_MAX) {
		*status = nw_client_ffa_errno(&rep);
		return 0;
	}
	if (rep.x[0] != req->x[0] || !nw_client_status_ok(rep.x[1]) ||
	    (rep.x[2] != 0 && (!pa || rep.x[1] != 0))) {
		return -EINVAL;
	}
	for (unsigned int i = 3; i < RHEAP_FFA_REG_COUNT; i++) {
		if (rep.x[i] != 0) {
			return -EINVAL;
		}
	}
	if (pa) {
		*pa = rep.x[2];
	}
	*status = (int)(int64_t)rep.x[1];
	return 0;
}

int nw_client_ext_map(struct nw_client *c, int fd, uint64_t size,
		      uint64_t *pa, int *status)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_EXT_MAP, size } };

	if (pa) {
		*pa = 0;
	}
	if (!c || fd < 0 || !pa || !status) {
		return -EINVAL;
	}
	return nw_client_ext(c, &req, fd, pa, status);
}

int nw_client_ext_unmap(struct nw_client *c, uint64_t pa, int *status)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_EXT_UNMAP, pa } };

	if (!c || !status) {
		return -EINVAL;
	}
	return nw_client_ext(c, &req, -1, NULL, status);
}

int nw_client_smmu_ns(struct nw_client *c, uint32_t stream, uint64_t iova,
		      uint64_t pa, uint64_t size, uint64_t flags, int *status)
{
	struct rheap_ffa_regs req = {
		.x = { BOARD_MSG_SMMU_NS, stream, iova, pa, size, flags }
	};

	if (!c || !status) {
		return -EINVAL;
	}
	return nw_client_ext(c, &req, -1, NULL, status);
}

int nw_client_hyp_reclaim(struct nw_client *c, uint16_t vm_id,
			  uint32_t *reclaimed, uint32_t *held, int *status)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_HYP_RECLAIM, vm_id } };
	struct rheap_ffa_regs rep = { 0 };
	int rc = 0;

	if (!c || !reclaimed || !held || !status) {
		return -EINVAL;
	}
	*reclaimed = 0;
	*held = 0;
	*status = 0;
	rc = nw_client_call(c, &req, &rep);
	if (rc) {
		return rc;
	}
	if (rep.x[0] != BOARD_MSG_HYP_RECLAIM || !nw_client_status_ok(rep.x[1]) ||
	    rep.x[2] > UINT32_MAX || rep.x[3] > UINT32_MAX) {
		return -EINVAL;
	}
	for (unsigned int i = 4; i < RHEAP_FFA_REG_COUNT; i++) {
		if (rep.x[i] != 0) {
			return -EINVAL;
		}
	}
	*reclaimed = (uint32_t)rep.x[2];
	*held = (uint32_t)rep.x[3];
	*status = (int)(int64_t)rep.x[1];
	return 0;
}
