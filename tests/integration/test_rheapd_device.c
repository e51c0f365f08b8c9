// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's DEVICE op end to end, through librheap's device API (and the
 * raw socket for fd counts librheap never sends), on the build's
 * rheap-board and rheapd (platform.c). Every refusal with its exact errno:
 * unknown device and command, a command of another device, fd rules,
 * unknown/foreign attachment, attachment to another device, range outside
 * the segment, write without RHEAPD_ATTACH_WRITE, a system buffer, another
 * client's context; DETACH refused while a context had the buffer queued;
 * GPU_READ of restricted memory faults on the board; a client killed with
 * open contexts has them closed (the board's 8 contexts are free again);
 * the board killed: -ENOENT.
 *
 *   it_rheapd_device BOARD RHEAPD TL
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>

#include "platform.h"

#define SV "protected,secure-video"
#define SYS "system"
#define MIB (1024u * 1024u)
#define VDEC_CONTEXTS 8u

static struct platform g_p;

static int vdec_open(struct rheap_device *d, int cfg_fd, uint64_t cfg_size,
		     uint64_t *ctx)
{
	uint64_t a[8] = { DEVICE_CODEC_H264, 0, 0, cfg_size, 320, 240,
			  DEVICE_FMT_I420 };
	uint64_t r[8] = { 0 };
	int rc = rheap_device_cmd(d, DEVICE_CMD_VDEC_OPEN, a, cfg_fd, r);

	*ctx = r[0];
	return rc;
}

static int cmd(struct rheap_device *d, uint32_t c, uint64_t a0, uint64_t a1,
	       uint64_t a2, uint64_t a3, uint64_t a4, int fd)
{
	uint64_t a[8] = { a0, a1, a2, a3, a4 };

	return rheap_device_cmd(d, c, a, fd, NULL);
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, g_p.rheapd_sock, strlen(g_p.rheapd_sock) + 1);
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(s);
		s = -1;
	}
	return s;
}

/* One raw request on @s with @nfds copies of @fd; the status (1 if the
 * exchange failed), the payload in @resp. */
static int raw_req(int s, uint16_t op, const void *payload, size_t len,
		   int fd, int nfds, void *resp, size_t cap)
{
	uint8_t m[sizeof(struct rheapd_hdr) + 256] = { 0 };
	struct rheapd_hdr h = { .magic = RHEAPD_UAPI_MAGIC,
				.version = RHEAPD_UAPI_VERSION,
				.op = op,
				.seq = 7 };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(h) + len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	uint8_t back[sizeof(struct rheapd_hdr) + 512] = { 0 };
	struct rheapd_hdr bh = { 0 };
	int fds[2] = { fd, fd };
	ssize_t n = 0;

	memcpy(m, &h, sizeof(h));
	memcpy(m + sizeof(h), payload, len);
	if (nfds > 0) {
		struct cmsghdr *c = NULL;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	if (sendmsg(s, &mh, MSG_NOSIGNAL) != (ssize_t)(sizeof(h) + len)) {
		return 1;
	}
	n = recv(s, back, sizeof(back), 0);
	if (n < (ssize_t)sizeof(bh)) {
		return 1;
	}
	memcpy(&bh, back, sizeof(bh));
	if (resp) {
		size_t got = (size_t)n - sizeof(bh);

		memcpy(resp, back + sizeof(bh), got < cap ? got : cap);
	}
	return bh.status;
}

static int raw_device(int s, const char *dev, uint32_t c,
		      const uint64_t args[8], int fd, int nfds, uint64_t res[8])
{
	struct rheapd_device_req r = { .cmd = c };
	struct rheapd_device_resp w = { { 0 } };
	int rc = 0;

	memcpy(r.device, dev, strlen(dev) + 1);
	memcpy(r.args, args, sizeof(r.args));
	rc = raw_req(s, RHEAPD_OP_DEVICE, &r, sizeof(r), fd, nfds, &w,
		     sizeof(w));
	if (res) {
		memcpy(res, w.res, sizeof(w.res));
	}
	return rc;
}

/* One connection attaches to the display and names that attachment in a
 * vdec command: -EINVAL. */
static void other_device(int fd)
{
	struct rheapd_attach_req ar = { .device = "display" };
	struct rheapd_attach_resp at = { 0 };
	uint64_t open_args[8] = { DEVICE_CODEC_H264, 0, 0, 0, 320, 240,
				  DEVICE_FMT_I420 };
	uint64_t res[8] = { 0 };
	int s = raw_connect();
	int rc = 0;

	if (!tap_check(s >= 0 && raw_req(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar),
					 fd, 1, &at, sizeof(at)) == 0 &&
			       raw_device(s, "vdec", DEVICE_CMD_VDEC_OPEN,
					  open_args, -1, 0, res) == 0,
		       "raw: attach to the display, open a vdec context")) {
		if (s >= 0) {
			close(s);
		}
		return;
	}
	{
		uint64_t q[8] = { res[0], 1, at.attach_id, 0, 4096 };

		rc = raw_device(s, "vdec", DEVICE_CMD_VDEC_QUEUE_OUT, q, -1, 0,
				NULL);
		tap_check(rc == -EINVAL,
			  "an attachment to the display in a vdec slot: %s",
			  rheap_err_name(rc));
	}
	close(s);
}

/* Sum of the clients' device_contexts in rheapd's STATUS. */
static uint64_t status_contexts(void)
{
	struct json_doc *doc = NULL;
	const struct json_value *cl = NULL;
	uint64_t sum = 0;

	if (platform_status(&doc) != 0) {
		return UINT64_MAX;
	}
	cl = json_object_get(json_root(doc), "clients");
	for (const struct json_value *c = cl ? cl->child : NULL; c;
	     c = c->next) {
		uint64_t n = status_u64(c, "device_contexts");

		sum += n == UINT64_MAX ? 1000u : n;
	}
	json_free(doc);
	return sum;
}

static void refusals(struct rheap_heap *sv, struct rheap_heap *sys)
{
	struct rheap_device *vdec = NULL;
	struct rheap_device *vdec2 = NULL;
	struct rheap_device *disp = NULL;
	struct rheap_device *gpu = NULL;
	struct rheap_device *dma = NULL;
	struct rheap_device *nodev = NULL;
	struct rheap_device_seg seg[4] = { { 0 } };
	uint64_t a_w = 0;
	uint64_t a_r = 0;
	uint64_t a_disp = 0;
	uint64_t a_sys = 0;
	uint64_t a_other = 0;
	uint64_t ctx = 0;
	uint64_t ctx2 = 0;
	uint64_t zero[8] = { 0 };
	size_t n = 0;
	int fd = rheap_heap_alloc(sv, MIB, O_RDWR | O_CLOEXEC, 0, NULL);
	int sfd = rheap_heap_alloc(sys, MIB, O_RDWR | O_CLOEXEC, 0, NULL);
	int cfg = -1;
	int rc = 0;
	const uint8_t avcc[] = { 1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0 };

	if (!tap_check(fd >= 0 && sfd >= 0, "allocate 1 MiB restricted and "
			"system buffers")) {
		return;
	}
	tap_check(rheap_device_open("", &vdec) == -EINVAL &&
			  rheap_device_open("0123456789abcdef0123456789abcdef",
					    &vdec) == -EINVAL,
		  "device names: empty and 32 bytes -EINVAL");
	if (!tap_check(rheap_device_open("vdec", &vdec) == 0 &&
			       rheap_device_open("vdec", &vdec2) == 0 &&
			       rheap_device_open("display", &disp) == 0 &&
			       rheap_device_open("gpu", &gpu) == 0 &&
			       rheap_device_open("dma", &dma) == 0 &&
			       rheap_device_open("nodev", &nodev) == 0,
		       "open vdec (x2), display, gpu, dma, nodev")) {
		goto out;
	}
	/* Devices and commands. */
	rc = cmd(nodev, DEVICE_CMD_VDEC_RECEIVE, 1, 0, 0, 0, 0, -1);
	tap_check(rc == -ENOENT, "unknown device: %s", rheap_err_name(rc));
	rc = rheap_device_attach(nodev, fd, 0, &a_other, seg, 4, &n);
	tap_check(rc == -ENOENT, "attach to an unknown device: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, 0x0199, 0, 0, 0, 0, 0, -1);
	tap_check(rc == -EOPNOTSUPP, "unknown command: %s", rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_DISPLAY_CLOSE, 1, 0, 0, 0, 0, -1);
	tap_check(rc == -EOPNOTSUPP, "display command on vdec: %s",
		  rheap_err_name(rc));
	rc = cmd(dma, DEVICE_CMD_VDEC_RECEIVE, 1, 0, 0, 0, 0, -1);
	tap_check(rc == -EOPNOTSUPP, "vdec command on dma: %s",
		  rheap_err_name(rc));
	/* fd rules. */
	rc = cmd(vdec, DEVICE_CMD_VDEC_RECEIVE, 1, 0, 0, 0, 0, fd);
	tap_check(rc == -EINVAL, "an fd with RECEIVE: %s", rheap_err_name(rc));
	rc = cmd(gpu, DEVICE_CMD_GPU_READ, 0, 0, 4096, 0, 0, -1);
	tap_check(rc == -EINVAL, "GPU_READ without a handle: %s",
		  rheap_err_name(rc));
	rc = vdec_open(vdec, -1, sizeof(avcc), &ctx);
	tap_check(rc == -EINVAL, "VDEC_OPEN with a config size, no memfd: %s",
		  rheap_err_name(rc));
	cfg = rheap_device_memfd(avcc, sizeof(avcc));
	rc = vdec_open(vdec, cfg, 0, &ctx);
	tap_check(rc == -EINVAL, "VDEC_OPEN with a memfd, size 0: %s",
		  rheap_err_name(rc));
	rc = vdec_open(vdec, cfg, 64 * 1024 + 1, &ctx);
	tap_check(rc == -EINVAL, "VDEC_OPEN config over 64 KiB: %s",
		  rheap_err_name(rc));
	rc = vdec_open(vdec, cfg, sizeof(avcc) + 1, &ctx);
	tap_check(rc == -EINVAL, "VDEC_OPEN config larger than its memfd: %s",
		  rheap_err_name(rc));
	{
		uint64_t a[8] = { 0, 0, 4096 };
		int s = raw_connect();

		rc = raw_device(s, "gpu", DEVICE_CMD_GPU_READ, a, sfd, 2,
				NULL);
		tap_check(rc == -EINVAL, "two fds: %s", rheap_err_name(rc));
		rc = raw_device(s, "vdec", DEVICE_CMD_VDEC_RECEIVE, zero, -1, 0,
				NULL);
		tap_check(rc == -ENOENT, "raw RECEIVE of no context: %s",
			  rheap_err_name(rc));
		{
			struct rheapd_device_req r = {
				.cmd = DEVICE_CMD_VDEC_RECEIVE,
			};
			int r1 = 0;
			int r2 = 0;
			int r3 = 0;
			int r4 = 0;
			int r5 = 0;

			memcpy(r.device, "vdec", 5);
			r.reserved = 1;
			r1 = raw_req(s, RHEAPD_OP_DEVICE, &r, sizeof(r), -1, 0,
				     NULL, 0);
			r.reserved = 0;
			r.reserved2 = 1;
			r2 = raw_req(s, RHEAPD_OP_DEVICE, &r, sizeof(r), -1, 0,
				     NULL, 0);
			r.reserved2 = 0;
			memset(r.device, 'v', sizeof(r.device));
			r3 = raw_req(s, RHEAPD_OP_DEVICE, &r, sizeof(r), -1, 0,
				     NULL, 0);
			memset(r.device, 0, sizeof(r.device));
			r4 = raw_req(s, RHEAPD_OP_DEVICE, &r, sizeof(r), -1, 0,
				     NULL, 0);
			memcpy(r.device, "vdec", 5);
			r5 = raw_req(s, RHEAPD_OP_DEVICE, &r, sizeof(r) - 8, -1,
				     0, NULL, 0);
			tap_check(r1 == -EINVAL && r2 == -EINVAL &&
					  r3 == -EINVAL && r4 == -EINVAL &&
					  r5 == -EINVAL,
				  "raw: reserved, reserved2, unterminated and "
				  "empty name, short payload: %d %d %d %d %d",
				  r1, r2, r3, r4, r5);
		}
		if (s >= 0) {
			close(s);
		}
	}
	other_device(fd);

	/* Attachments. */
	rc = rheap_device_attach(vdec, fd, RHEAP_DEVICE_ATTACH_WRITE, &a_w,
				 seg, 4, &n);
	if (!tap_check(rc == 0 && n == 1 && seg[0].size == MIB,
		       "attach to vdec for writing: %s, %zu segment(s)",
		       rheap_err_name(rc), n)) {
		goto out;
	}
	tap_check(rheap_device_attach(vdec, fd, 0, &a_r, seg, 4, &n) == 0 &&
			  rheap_device_attach(disp, fd, 0, &a_disp, seg, 4,
					      &n) == 0 &&
			  rheap_device_attach(vdec2, fd, 0, &a_other, seg, 4,
					      &n) == 0 &&
			  rheap_device_attach(vdec, sfd, 0, &a_sys, seg, 4,
					      &n) == 0 &&
			  seg[0].iova == 0,
		  "attach read-only to vdec, display, vdec (2nd client), a "
		  "system buffer");
	rc = rheap_device_attach(gpu, fd, 0, &a_other, seg, 4, &n);
	tap_check(rc == -EPERM, "restricted buffer to the gpu: %s",
		  rheap_err_name(rc));

	/* Contexts. */
	rc = vdec_open(vdec, cfg, sizeof(avcc), &ctx);
	if (!tap_check(rc == 0, "VDEC_OPEN with an avcC config memfd: %s, "
			"context %llu", rheap_err_name(rc),
		       (unsigned long long)ctx)) {
		goto out;
	}
	tap_check(status_contexts() == 1, "STATUS: 1 device context");
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx + 100, 1, a_w, 0,
		 4096, -1);
	tap_check(rc == -ENOENT, "unknown context: %s", rheap_err_name(rc));
	rc = cmd(vdec2, DEVICE_CMD_VDEC_RECEIVE, ctx, 0, 0, 0, 0, -1);
	tap_check(rc == -ENOENT, "another client's context: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, 999999, 0, 4096, -1);
	tap_check(rc == -ENOENT, "unknown attachment: %s", rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_other, 0, 4096,
		 -1);
	tap_check(rc == -ENOENT, "another client's attachment: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_disp, 0, 4096, -1);
	tap_check(rc == -ENOENT, "the display device's attachment: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_sys, 0, 4096, -1);
	tap_check(rc == -EOPNOTSUPP, "a system buffer: %s", rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_w, MIB - 4095,
		 4096, -1);
	tap_check(rc == -EINVAL, "range past the segment: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_w, 0, 0, -1);
	tap_check(rc == -EINVAL, "size 0: %s", rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_w, UINT64_MAX,
		 2, -1);
	tap_check(rc == -EINVAL, "offset + size wraps: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_r, 0, 4096, -1);
	tap_check(rc == -EPERM, "output without ATTACH_WRITE: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_w, 4096,
		 MIB - 4096, -1);
	tap_check(rc == 0, "queue an output buffer: %s", rheap_err_name(rc));
	rc = rheap_device_detach(vdec, a_w);
	tap_check(rc == -EBUSY, "detach of a queued buffer: %s",
		  rheap_err_name(rc));
	rc = rheap_device_detach(vdec, a_r);
	tap_check(rc == 0, "detach of one never queued: %s",
		  rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_DECODE, ctx, 0, 0, 0, DEVICE_DECODE_EOS,
		 -1);
	tap_check(rc == 0, "drain (no data): %s", rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_CLOSE, ctx, 0, 0, 0, 0, -1);
	tap_check(rc == 0, "close the context: %s", rheap_err_name(rc));
	rc = cmd(vdec, DEVICE_CMD_VDEC_CLOSE, ctx, 0, 0, 0, 0, -1);
	tap_check(rc == -ENOENT, "close it again: %s", rheap_err_name(rc));
	rc = rheap_device_detach(vdec, a_w);
	tap_check(rc == 0, "detach after close: %s", rheap_err_name(rc));
	rc = vdec_open(vdec2, -1, 0, &ctx2);
	tap_check(rc == 0, "VDEC_OPEN without config: %s", rheap_err_name(rc));
	tap_check(status_contexts() == 1, "STATUS: 1 device context");

	/* The gpu reads through its non-secure context: faults. */
	rc = cmd(gpu, DEVICE_CMD_GPU_READ, 0, 0, 4096, 0, 0, fd);
	tap_check(rc == -EPERM, "GPU_READ of a restricted buffer: %s",
		  rheap_err_name(rc));
	rc = cmd(gpu, DEVICE_CMD_GPU_READ, MIB - 10, 0, 11, 0, 0, fd);
	tap_check(rc == -EINVAL, "GPU_READ past the buffer: %s",
		  rheap_err_name(rc));
	rc = cmd(gpu, DEVICE_CMD_GPU_READ, 0, 0, 4096, 0, 0, sfd);
	tap_check(rc == -EOPNOTSUPP, "GPU_READ of a system buffer: %s",
		  rheap_err_name(rc));
out:
	if (cfg >= 0) {
		close(cfg);
	}
	rheap_device_close(vdec);
	rheap_device_close(vdec2);
	rheap_device_close(disp);
	rheap_device_close(gpu);
	rheap_device_close(dma);
	rheap_device_close(nodev);
	close(fd);
	close(sfd);
}

/* A child opens every decoder context and is killed: rheapd closes them. */
static void client_death(void)
{
	int pipefd[2] = { -1, -1 };
	struct rheap_device *d = NULL;
	uint64_t ctx[VDEC_CONTEXTS + 1] = { 0 };
	uint32_t opened = 0;
	char c = 0;
	pid_t pid = -1;
	int rc = 0;

	if (pipe(pipefd) != 0) {
		tap_check(false, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct rheap_device *cd = NULL;
		uint32_t k = 0;
		char ok = 0;

		close(pipefd[0]);
		if (rheap_device_open("vdec", &cd) == 0) {
			while (k < VDEC_CONTEXTS &&
			       vdec_open(cd, -1, 0, &ctx[k]) == 0) {
				k++;
			}
		}
		ok = (char)k;
		(void)write(pipefd[1], &ok, 1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		c = 0;
	}
	close(pipefd[0]);
	tap_check(c == VDEC_CONTEXTS, "a child opens all %u contexts: %d",
		  VDEC_CONTEXTS, c);
	if (rheap_device_open("vdec", &d) != 0) {
		tap_check(false, "open vdec");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	rc = vdec_open(d, -1, 0, &ctx[0]);
	tap_check(rc == -ENOMEM, "the board has none left: %s",
		  rheap_err_name(rc));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* rheapd sees the hang-up; give it a moment. */
	for (int tries = 0; tries < 200 && status_contexts() != 0; tries++) {
		usleep(10000);
	}
	tap_check(status_contexts() == 0, "STATUS: no device context left");
	while (opened < VDEC_CONTEXTS &&
	       vdec_open(d, -1, 0, &ctx[opened]) == 0) {
		opened++;
	}
	tap_check(opened == VDEC_CONTEXTS,
		  "after the child was killed: %u contexts open again",
		  opened);
	rheap_device_close(d);
	for (int tries = 0; tries < 200 && status_contexts() != 0; tries++) {
		usleep(10000);
	}
	tap_check(status_contexts() == 0,
		  "closing the device closed its contexts");
}

static void board_gone(struct rheap_heap *sv)
{
	struct rheap_device *d = NULL;
	uint64_t ctx = 0;
	uint64_t id = 0;
	int fd = rheap_heap_alloc(sv, MIB, O_RDWR | O_CLOEXEC, 0, NULL);
	int rc = 0;

	if (!tap_check(fd >= 0 && rheap_device_open("vdec", &d) == 0 &&
			       rheap_device_attach(d, fd, 0, &id, NULL, 0,
						   NULL) == 0 &&
			       vdec_open(d, -1, 0, &ctx) == 0,
		       "a context and an attachment before the board dies")) {
		rheap_device_close(d);
		if (fd >= 0) {
			close(fd);
		}
		return;
	}
	kill(g_p.board, SIGKILL);
	waitpid(g_p.board, NULL, 0);
	g_p.board = -1;
	usleep(100000);
	rc = cmd(d, DEVICE_CMD_VDEC_RECEIVE, ctx, 0, 0, 0, 0, -1);
	tap_check(rc == -ENOENT, "board gone: RECEIVE %s", rheap_err_name(rc));
	rc = vdec_open(d, -1, 0, &ctx);
	tap_check(rc == -ENOENT, "board gone: OPEN %s", rheap_err_name(rc));
	rheap_device_close(d);
	close(fd);
}

int main(int argc, char **argv)
{
	struct rheap_heap *sv = NULL;
	struct rheap_heap *sys = NULL;

	platform_args(argc, argv);
	if (platform_start(&g_p, NULL, -1) != 0) {
		tap_check(false, "platform starts");
		return tap_done();
	}
	if (tap_check(rheap_heap_open(SV, 0, &sv) == 0 &&
			      rheap_heap_open(SYS, 0, &sys) == 0,
		      "open %s and %s", SV, SYS)) {
		refusals(sv, sys);
		tap_check(status_contexts() == 0,
			  "every device closed: no context left");
		client_death();
		board_gone(sv);
	}
	rheap_heap_close(sv);
	rheap_heap_close(sys);
	/* The board was killed on purpose: rheapd must still stop cleanly. */
	tap_check(platform_stop(&g_p) == 0,
		  "rheapd stops");
	return tap_done();
}
