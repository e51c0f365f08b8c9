// SPDX-License-Identifier: BSD-2-Clause
/*
 * The fake rheapd of librheap's unit tests (fake_rheapd.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rheap/rheapd_uapi.h>
#include <rheap/tee_client_api.h>

#include "fake_rheapd.h"

#define FAKE_CONNS 64
#define FAKE_CAPACITY (32u * 1024u * 1024u)
#define FAKE_PAGE 4096u

struct fake_conn {
	int fd;
	uint32_t last_seq;
};

static unsigned int fake_buf_ids;

static void send_resp(int fd, const struct rheapd_hdr *hdr, const void *p,
		      size_t len, const int *fds, size_t fd_count)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = (void *)p, .iov_len = len },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	struct cmsghdr *cm = NULL;

	memset(&ctl, 0, sizeof(ctl));
	if (fd_count > 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * fd_count);
	}
	(void)sendmsg(fd, &msg, MSG_NOSIGNAL);
}

static int make_handle(struct fake_rheapd *f, bool restricted, uint64_t size)
{
	char path[128] = { 0 };
	int fd = -1;

	if (restricted) {
		snprintf(path, sizeof(path), "%s/h.XXXXXX", f->dir);
		if (mkdtemp(path) == NULL) {
			return -1;
		}
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rmdir(path);
		return fd;
	}
	fd = memfd_create("fake-system", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static size_t heap_list(uint8_t *out)
{
	struct rheapd_heap_list head = { .count = 2 };
	struct rheapd_heap_info h[2];

	memset(h, 0, sizeof(h));
	snprintf(h[0].name, sizeof(h[0].name), "protected,secure-video");
	h[0].heap_id = 1;
	h[0].flags = RHEAPD_HEAP_RESTRICTED;
	h[0].capacity = FAKE_CAPACITY;
	h[0].used = 4096;
	snprintf(h[1].name, sizeof(h[1].name), "system");
	h[1].heap_id = 2;
	memcpy(out, &head, sizeof(head));
	memcpy(out + sizeof(head), h, sizeof(h));
	return sizeof(head) + sizeof(h);
}

/* ALLOC as rheapd does it; returns the status, *fd the handle. */
static int do_alloc(struct fake_rheapd *f, const uint8_t *p, size_t len,
		    uint8_t *out, size_t *out_len, int *fd)
{
	struct rheapd_alloc_req req = { 0 };
	struct rheapd_alloc_resp resp = { 0 };
	uint8_t k[24] = { 0 };
	uint64_t alen = 0;
	uint32_t kfd = 0;
	uint32_t fd_flags = 0;
	uint64_t heap_flags = 0;

	if (len < sizeof(req)) {
		return -EINVAL;
	}
	memcpy(&req, p, sizeof(req));
	if (req.data_size > RHEAPD_ALLOC_DATA_MAX ||
	    len != sizeof(req) + req.data_size) {
		return -EINVAL;
	}
	memcpy(k, p + sizeof(req), req.data_size < 24 ? req.data_size : 24);
	memcpy(&alen, k, 8);
	memcpy(&kfd, k + 8, 4);
	memcpy(&fd_flags, k + 12, 4);
	memcpy(&heap_flags, k + 16, 8);
	if (kfd != 0 || (fd_flags & ~RHEAPD_VALID_FD_FLAGS) != 0 ||
	    heap_flags != 0 || alen == 0 || alen > UINT64_MAX - FAKE_PAGE) {
		return -EINVAL;
	}
	if (req.heap_id != 1 && req.heap_id != 2) {
		return -ENOENT;
	}
	alen = (alen + FAKE_PAGE - 1) / FAKE_PAGE * FAKE_PAGE;
	if (alen > FAKE_CAPACITY) {
		return -ENOMEM;
	}
	*fd = make_handle(f, req.heap_id == 1, alen);
	if (*fd < 0) {
		return -ENOMEM;
	}
	resp.buf_id = ++fake_buf_ids;
	resp.size = alen;
	resp.data_size = req.data_size;
	memcpy(out, &resp, sizeof(resp));
	memcpy(out + sizeof(resp), p + sizeof(req), req.data_size);
	*out_len = sizeof(resp) + req.data_size;
	return 0;
}

static void do_invoke(struct fake_rheapd *f, const uint8_t *p, size_t len,
		      uint8_t *out, size_t *out_len)
{
	struct rheapd_tee_invoke inv = { 0 };

	f->invokes++;
	memcpy(out, p, len);
	*out_len = len;
	if (len < sizeof(inv)) {
		return;
	}
	memcpy(&inv, p, sizeof(inv));
	for (int i = 0; i < 4; i++) {
		struct rheapd_tee_param *prm = &inv.params[i];

		switch (prm->type) {
		case TEEC_VALUE_OUTPUT:
		case TEEC_VALUE_INOUT:
			prm->a += 1;
			prm->b = 42;
			break;
		case TEEC_MEMREF_TEMP_OUTPUT:
		case TEEC_MEMREF_TEMP_INOUT:
			for (uint64_t j = 0; j < prm->b; j++) {
				uint8_t *b = out + sizeof(inv) + prm->a + j;

				if (sizeof(inv) + prm->a + j >= len) {
					break;
				}
				*b = prm->type == TEEC_MEMREF_TEMP_OUTPUT ?
					     0xA5 :
					     (uint8_t)(~*b + 1);
			}
			break;
		default:
			break;
		}
	}
	inv.result.ret = TEEC_SUCCESS;
	inv.result.origin = TEEC_ORIGIN_TRUSTED_APP;
	memcpy(out, &inv, sizeof(inv));
}

static void serve(struct fake_rheapd *f, struct fake_conn *c)
{
	static uint8_t req[RHEAPD_MSG_MAX];
	static uint8_t out[RHEAPD_MSG_MAX * 2];
	struct rheapd_hdr hdr = { 0 };
	struct iovec iov = { .iov_base = req, .iov_len = sizeof(req) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm = NULL;
	const uint8_t *p = req + sizeof(hdr);
	size_t plen = 0;
	size_t out_len = 0;
	int rfd = -1;
	int hfd = -1;
	int status = 0;
	ssize_t n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);

	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_type == SCM_RIGHTS) {
			memcpy(&rfd, CMSG_DATA(cm), sizeof(int));
		}
	}
	memcpy(&hdr, req, sizeof(hdr));
	plen = (size_t)n - sizeof(hdr);
	f->requests++;
	memcpy(f->last_req, p, plen);
	f->last_req_len = plen;
	f->last_op = hdr.op;
	f->last_had_fd = rfd >= 0;
	if (hdr.seq <= c->last_seq) {
		f->seq_errors++;
	}
	c->last_seq = hdr.seq;

	if (f->mode == FAKE_HANG_UP) {
		if (rfd >= 0) {
			close(rfd);
		}
		close(c->fd);
		c->fd = -1;
		return;
	}
	switch (hdr.op) {
	case RHEAPD_OP_HEAP_LIST:
		out_len = heap_list(out);
		if (f->mode == FAKE_LIST_BAD) {
			out_len -= 4;
		}
		break;
	case RHEAPD_OP_ALLOC:
		status = do_alloc(f, p, plen, out, &out_len, &hfd);
		break;
	case RHEAPD_OP_IMPORT: {
		struct rheapd_buf_info bi = { .buf_id = 5, .size = 4096,
					      .heap_id = 2 };

		if (rfd < 0) {
			status = -EINVAL;
			break;
		}
		snprintf(bi.heap, sizeof(bi.heap), "system");
		memcpy(out, &bi, sizeof(bi));
		out_len = sizeof(bi);
		break;
	}
	case RHEAPD_OP_TEE_OPEN: {
		struct rheapd_tee_open_req o = { 0 };
		struct rheapd_tee_open_resp r = { 0 };

		memcpy(&o, p, sizeof(o));
		if (o.uuid[0] == 0x12 && o.uuid[1] == 0x34) {
			r.result.ret = TEEC_SUCCESS;
			r.session = 7;
		} else {
			r.result.ret = TEEC_ERROR_ITEM_NOT_FOUND;
		}
		r.result.origin = TEEC_ORIGIN_TEE;
		memcpy(out, &r, sizeof(r));
		out_len = sizeof(r);
		break;
	}
	case RHEAPD_OP_TEE_CLOSE:
		break;
	case RHEAPD_OP_TEE_INVOKE:
		do_invoke(f, p, plen, out, &out_len);
		break;
	case RHEAPD_OP_TEE_SHM_REGISTER_FD: {
		struct rheapd_tee_shm_resp r = { .shm_id = 9 };
		struct stat st = { 0 };

		if (rfd < 0 || fstat(rfd, &st) != 0) {
			status = -EINVAL;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			r.flags = RHEAPD_HEAP_RESTRICTED;
			r.size = 8192;
		} else {
			r.size = (uint64_t)st.st_size;
		}
		memcpy(out, &r, sizeof(r));
		out_len = sizeof(r);
		break;
	}
	case RHEAPD_OP_TEE_SHM_RELEASE:
		f->shm_releases++;
		break;
	case RHEAPD_OP_TEE_CANCEL:
		f->cancels++;
		break;
	case RHEAPD_OP_STATUS:
		out_len = (size_t)snprintf((char *)out, 64, "{\"buffers\":0}");
		break;
	default:
		status = -EOPNOTSUPP;
		break;
	}
	if (rfd >= 0) {
		close(rfd);
	}
	hdr.status = status;
	if (status != 0) {
		out_len = 0;
	}
	switch (f->mode) {
	case FAKE_BAD_SEQ:
		hdr.seq++;
		break;
	case FAKE_BAD_MAGIC:
		hdr.magic ^= 1;
		break;
	case FAKE_BAD_OP:
		hdr.op ^= 0x40;
		break;
	case FAKE_ODD_STATUS:
		hdr.status = -5;
		break;
	case FAKE_STATUS_ERR:
		hdr.status = -ENOMEM;
		out_len = 0;
		break;
	case FAKE_OVERSIZE:
		memset(out + out_len, 0x5a, RHEAPD_MSG_MAX / 2);
		out_len += RHEAPD_MSG_MAX / 2;
		break;
	default:
		break;
	}
	if (f->mode == FAKE_EXTRA_FD && hfd < 0) {
		int extra = memfd_create("extra", MFD_CLOEXEC);

		send_resp(c->fd, &hdr, out, out_len, &extra, 1);
		close(extra);
	} else if (f->mode == FAKE_TWO_FDS && hfd >= 0) {
		int two[2] = { hfd, memfd_create("second", MFD_CLOEXEC) };

		send_resp(c->fd, &hdr, out, out_len, two, 2);
		close(two[1]);
	} else if (f->mode == FAKE_NO_FD || hfd < 0) {
		send_resp(c->fd, &hdr, out, out_len, NULL, 0);
	} else {
		send_resp(c->fd, &hdr, out, out_len, &hfd, 1);
	}
	if (hfd >= 0) {
		close(hfd);
	}
}

static void fake_main(struct fake_rheapd *f)
{
	struct fake_conn conns[FAKE_CONNS];
	struct pollfd pfd[FAKE_CONNS + 1];

	for (int i = 0; i < FAKE_CONNS; i++) {
		conns[i].fd = -1;
		conns[i].last_seq = 0;
	}
	for (;;) {
		nfds_t n = 0;

		pfd[n++] = (struct pollfd){ .fd = f->listen_fd,
					    .events = POLLIN };
		for (int i = 0; i < FAKE_CONNS; i++) {
			pfd[n++] = (struct pollfd){ .fd = conns[i].fd,
						    .events = POLLIN };
		}
		if (poll(pfd, n, -1) < 0) {
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			int c = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			for (int i = 0; i < FAKE_CONNS && c >= 0; i++) {
				if (conns[i].fd < 0) {
					conns[i].fd = c;
					conns[i].last_seq = 0;
					c = -1;
				}
			}
			if (c >= 0) {
				close(c);
			}
		}
		for (int i = 0; i < FAKE_CONNS; i++) {
			if (conns[i].fd >= 0 && pfd[i + 1].revents != 0) {
				serve(f, &conns[i]);
			}
		}
	}
}

struct fake_rheapd *fake_rheapd_start(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct fake_rheapd *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid = 0;

	if (f == MAP_FAILED) {
		return NULL;
	}
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/rheap-fake-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		return NULL;
	}
	snprintf(f->sock_path, sizeof(f->sock_path), "%s/rheapd.sock", f->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->sock_path);
	f->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (f->listen_fd < 0 ||
	    bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(f->listen_fd, 64) != 0) {
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		return NULL;
	}
	if (pid == 0) {
		fake_main(f);
		_exit(0);
	}
	f->pid = (int)pid;
	close(f->listen_fd);
	setenv("RHEAPD_SOCKET", f->sock_path, 1);
	return f;
}

void fake_rheapd_stop(struct fake_rheapd *f)
{
	if (f == NULL) {
		return;
	}
	kill((pid_t)f->pid, SIGKILL);
	waitpid((pid_t)f->pid, NULL, 0);
	unlink(f->sock_path);
	rmdir(f->dir);
	unsetenv("RHEAPD_SOCKET");
	munmap(f, sizeof(*f));
}
