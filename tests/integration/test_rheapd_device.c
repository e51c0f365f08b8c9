// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's DEVICE op end to end, through librheap's device API (and the
 * raw socket for fd counts librheap never sends), on the build's
 * rheap-board and rheapd (platform.c). Every refusal with its exact errno:
 * unknown device and command, a command of another device, fd rules,
 * unknown/foreign attachment, attachment to another device, range outside
 * the segment, write without RHEAPD_ATTACH_WRITE (also a read-only system
 * attachment), another client's context; DETACH refused while a context
 * had the buffer queued; GPU_READ of restricted memory faults on the
 * board, of a system buffer reads it (checksum); a client killed with
 * open contexts has them closed (the board's 8 contexts are free again);
 * the board killed: -ENOENT.
 *
 * System buffers (the board's external windows, the devices' NS SMMU
 * contexts): an MPEG-4 Part 2 stream made by the ffmpeg CLI at run time
 * decoded vdec -> display entirely in system buffers written and read by
 * this process through mmap, the sink's MD5 lines equal to ffmpeg's
 * framemd5; a handle closed while attached is freed (inotify) only after
 * the detach, and the board maps no system memfd once nothing is
 * attached (/proc/<board>/maps), also after a client with system
 * attachments is killed.
 *
 * Guest mode (`--guest RHEAP_VMM`, platform.c): the same checks from
 * inside VM 0, where every job goes through the virtio-rheap DEVICE
 * request (docs/virtio-rheap.md 6.12). What cannot hold there is replaced
 * by a guest-specific check, never skipped: a guest's `system` buffers
 * are guest memory, so attaching one or naming one in GPU_READ is
 * -EOPNOTSUPP and the board maps none; the system-buffer pipeline becomes
 * a restricted frame shown twice on the display (a VM-local session ID,
 * two equal MD5 lines in the sink). platform_guest_check() ends the run.
 *
 *   it_rheapd_device BOARD RHEAPD TL [--guest RHEAP_VMM]
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
/* Where the board's external windows start (src/hw/hw_dram.h). */
#define EXT_BASE UINT64_C(0x10000000000)

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

	const char *path = platform_guest() ? g_p.guest_sock : g_p.rheapd_sock;

	memcpy(sa.sun_path, path, strlen(path) + 1);
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
	if (platform_guest()) {
		tap_check(rheap_device_attach(vdec, fd, 0, &a_r, seg, 4, &n) ==
					  0 &&
				  rheap_device_attach(disp, fd, 0, &a_disp, seg,
						      4, &n) == 0 &&
				  rheap_device_attach(vdec2, fd, 0, &a_other,
						      seg, 4, &n) == 0 &&
				  rheap_device_attach(vdec, sfd, 0, &a_sys, seg,
						      4, &n) == -EOPNOTSUPP,
			  "guest: attach read-only to vdec, display, vdec (2nd "
			  "client); a system buffer (guest memory) "
			  "-EOPNOTSUPP");
	} else {
		tap_check(rheap_device_attach(vdec, fd, 0, &a_r, seg, 4, &n) ==
					  0 &&
				  rheap_device_attach(disp, fd, 0, &a_disp, seg,
						      4, &n) == 0 &&
				  rheap_device_attach(vdec2, fd, 0, &a_other,
						      seg, 4, &n) == 0 &&
				  rheap_device_attach(vdec, sfd, 0, &a_sys, seg,
						      4, &n) == 0 &&
				  n == 1 && seg[0].iova >= EXT_BASE &&
				  seg[0].size == MIB,
			  "attach read-only to vdec, display, vdec (2nd "
			  "client), a system buffer (one segment in the NS "
			  "context: 0x%llx)",
			  (unsigned long long)seg[0].iova);
	}
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
	if (platform_guest()) {
		/* No system attachment: the one read-only attachment left is
		 * the restricted buffer's. */
		rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_r, 0, 4096,
			 -1);
		tap_check(rc == -EPERM,
			  "guest: a restricted buffer attached read-only: %s",
			  rheap_err_name(rc));
	} else {
		rc = cmd(vdec, DEVICE_CMD_VDEC_QUEUE_OUT, ctx, 1, a_sys, 0,
			 4096, -1);
		tap_check(rc == -EPERM,
			  "a system buffer attached read-only: %s",
			  rheap_err_name(rc));
	}
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
	{
		uint8_t *v = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED,
				  sfd, 0);
		uint64_t a[8] = { 4000, 0, 200 };
		uint64_t r[8] = { 0 };
		uint64_t want = 0;

		if (v != MAP_FAILED) {
			for (uint32_t i = 0; i < 8192; i++) {
				v[i] = (uint8_t)(i * 7u + 3u);
			}
			for (uint32_t i = 4000; i < 4200; i++) {
				want += v[i];
			}
			munmap(v, MIB);
		}
		if (platform_guest()) {
			int r1 = rheap_device_cmd(gpu, DEVICE_CMD_GPU_READ, a,
						  sfd, r);
			int r2 = rheap_device_detach(vdec, a_sys);

			a[0] = MIB - 10;
			a[2] = 11;
			rc = rheap_device_cmd(gpu, DEVICE_CMD_GPU_READ, a, sfd,
					      r);
			tap_check(r1 == -EOPNOTSUPP && r2 == -ENOENT &&
					  rc == -EOPNOTSUPP,
				  "guest: GPU_READ of a system buffer (guest "
				  "memory, in range and past it) -EOPNOTSUPP, "
				  "no system attachment to detach: %s %s %s",
				  rheap_err_name(r1), rheap_err_name(r2),
				  rheap_err_name(rc));
			goto out;
		}
		/* Attached (window mapped) and after the detach (a window
		 * for the job only). */
		rc = rheap_device_cmd(gpu, DEVICE_CMD_GPU_READ, a, sfd, r);
		tap_check(rc == 0 && r[0] == want,
			  "GPU_READ of an attached system buffer: %s, sum %llu "
			  "(want %llu)",
			  rheap_err_name(rc), (unsigned long long)r[0],
			  (unsigned long long)want);
		rc = rheap_device_detach(vdec, a_sys);
		tap_check(rc == 0, "detach the system buffer: %s",
			  rheap_err_name(rc));
		rc = rheap_device_cmd(gpu, DEVICE_CMD_GPU_READ, a, sfd, r);
		tap_check(rc == 0 && r[0] == want,
			  "GPU_READ of an unattached system buffer: %s, sum "
			  "%llu",
			  rheap_err_name(rc), (unsigned long long)r[0]);
		a[0] = MIB - 10;
		a[2] = 11;
		rc = rheap_device_cmd(gpu, DEVICE_CMD_GPU_READ, a, sfd, r);
		tap_check(rc == -EINVAL, "GPU_READ past a system buffer: %s",
			  rheap_err_name(rc));
	}
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

/* ---- system buffers ---- */

#define SYS_W 160u
#define SYS_H 120u
#define SYS_FRAMES 12u
#define SYS_NBUF 6u

/* Lines of /proc/<board>/maps naming a system buffer's memfd. */
static int board_sys_maps(void)
{
	char path[64] = { 0 };
	char line[512] = { 0 };
	FILE *f = NULL;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)g_p.board);
	f = fopen(path, "r");
	if (!f) {
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "rheap-system")) {
			n++;
		}
	}
	fclose(f);
	return n;
}

static uint64_t sys_heap(const char *key)
{
	struct json_doc *doc = NULL;
	uint64_t v = UINT64_MAX;

	if (platform_status(&doc) == 0) {
		v = status_heap_u64(doc, SYS, key);
		json_free(doc);
	}
	return v;
}

/* Reads a whole file; NULL if it cannot. */
static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st = { 0 };
	uint8_t *buf = NULL;
	FILE *f = fopen(path, "rb");

	if (!f || fstat(fileno(f), &st) != 0 || st.st_size <= 0) {
		if (f) {
			fclose(f);
		}
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

/* The ffmpeg CLI makes the stream and its framemd5; false if it cannot. */
static bool make_stream(const char *m4v, const char *md5)
{
	char cmdline[1024] = { 0 };

	snprintf(cmdline, sizeof(cmdline),
		 "ffmpeg -nostdin -loglevel error -y -f lavfi -i "
		 "testsrc=size=%ux%u:rate=25 -frames:v %u -c:v mpeg4 -g 1000 "
		 "-f m4v %s && ffmpeg -nostdin -loglevel error -y -i %s "
		 "-f framemd5 %s",
		 SYS_W, SYS_H, SYS_FRAMES, m4v, m4v, md5);
	return system(cmdline) == 0;
}

/* Offsets of VOP start codes (00 00 01 B6); the first packet also holds
 * the headers before its VOP. */
static size_t vop_split(const uint8_t *d, size_t len, size_t *off, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i + 4 <= len && n < cap; i++) {
		if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1 &&
		    d[i + 3] == 0xb6) {
			off[n++] = i;
		}
	}
	if (n > 0) {
		off[0] = 0;
	}
	return n;
}

/* framemd5's hashes in order: the last field of each non-comment line. */
static size_t load_md5s(const char *path, char (*h)[33], size_t cap)
{
	char line[512] = { 0 };
	size_t n = 0;
	FILE *f = fopen(path, "r");

	while (f && n < cap && fgets(line, sizeof(line), f)) {
		char *last = strrchr(line, ',');

		if (line[0] == '#' || !last) {
			continue;
		}
		last++;
		while (*last == ' ') {
			last++;
		}
		memcpy(h[n], last, 32);
		h[n][32] = '\0';
		n++;
	}
	if (f) {
		fclose(f);
	}
	return n;
}

struct sys_pipe {
	struct rheap_device *vdec;
	struct rheap_device *disp;
	uint64_t a_bs;
	uint64_t a_fv; /* frames, vdec (write) */
	uint64_t a_fd; /* frames, display */
	uint64_t ctx;
	uint64_t sess;
	uint64_t fstride;
	uint64_t shown;
	bool eof;
};

static int sys_queue(struct sys_pipe *p, uint64_t tag)
{
	return cmd(p->vdec, DEVICE_CMD_VDEC_QUEUE_OUT, p->ctx, tag, p->a_fv,
		   tag * p->fstride, p->fstride, -1);
}

static int sys_drain(struct sys_pipe *p)
{
	for (;;) {
		uint64_t a[8] = { p->ctx };
		uint64_t r[8] = { 0 };
		int rc = rheap_device_cmd(p->vdec, DEVICE_CMD_VDEC_RECEIVE, a,
					  -1, r);

		if (rc || r[0] == DEVICE_RECV_NONE) {
			return rc;
		}
		if (r[0] == DEVICE_RECV_EOF) {
			p->eof = true;
			return 0;
		}
		rc = cmd(p->disp, DEVICE_CMD_DISPLAY_SHOW, p->sess, p->a_fd,
			 r[1] * p->fstride, r[6], r[2], -1);
		if (rc == 0) {
			p->shown++;
			rc = sys_queue(p, r[1]);
		}
		if (rc) {
			return rc;
		}
	}
}

static int sys_play(struct sys_pipe *p, uint8_t *bs, const uint8_t *m4v,
		    const size_t *off, size_t count, size_t len)
{
	int rc = 0;

	for (size_t i = 0; i < count && rc == 0; i++) {
		size_t end = i + 1 < count ? off[i + 1] : len;

		memcpy(bs, m4v + off[i], end - off[i]);
		do {
			rc = cmd(p->vdec, DEVICE_CMD_VDEC_DECODE, p->ctx, p->a_bs,
				 0, end - off[i], 0, -1);
			/* pts: args[4] is flags, args[5] the pts (0 here) */
			if (rc == -EBUSY) {
				rc = sys_drain(p);
				rc = rc ? rc : -EBUSY;
			}
		} while (rc == -EBUSY);
		if (rc == 0) {
			rc = sys_drain(p);
		}
	}
	if (rc == 0) {
		rc = cmd(p->vdec, DEVICE_CMD_VDEC_DECODE, p->ctx, 0, 0, 0,
			 DEVICE_DECODE_EOS, -1);
	}
	while (rc == 0 && !p->eof) {
		rc = sys_drain(p);
	}
	return rc;
}

static void system_buffers(struct rheap_heap *sys)
{
	char m4v_path[160] = { 0 };
	char md5_path[160] = { 0 };
	char sink_path[200] = { 0 };
	char want[SYS_FRAMES + 4][33];
	char got[SYS_FRAMES + 4][33];
	size_t off[SYS_FRAMES + 4] = { 0 };
	struct sys_pipe p = { .fstride = 32768 };
	struct rheap_device_seg seg[2] = { { 0 } };
	uint64_t fsize = SYS_W * SYS_H + 2 * (SYS_W / 2) * (SYS_H / 2);
	uint64_t ftotal = SYS_NBUF * 32768u;
	uint64_t used_before = sys_heap("used");
	uint64_t r[8] = { 0 };
	uint8_t *m4v = NULL;
	uint8_t *bs = MAP_FAILED;
	uint8_t *frames = MAP_FAILED;
	size_t m4v_len = 0;
	size_t vops = 0;
	size_t nwant = 0;
	size_t ngot = 0;
	size_t n = 0;
	bool same = true;
	bool nonzero = false;
	int bfd = -1;
	int ffd = -1;
	int rc = 0;

	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	snprintf(m4v_path, sizeof(m4v_path), "%s/sys.m4v", g_p.dir);
	snprintf(md5_path, sizeof(md5_path), "%s/sys.framemd5", g_p.dir);
	if (!make_stream(m4v_path, md5_path)) {
		tap_check(true, "# SKIP system pipeline: no ffmpeg CLI");
		return;
	}
	m4v = slurp(m4v_path, &m4v_len);
	vops = m4v ? vop_split(m4v, m4v_len, off, SYS_FRAMES + 4) : 0;
	nwant = load_md5s(md5_path, want, SYS_FRAMES + 4);
	if (!tap_check(vops == SYS_FRAMES && nwant == SYS_FRAMES &&
			       m4v_len < MIB,
		       "ffmpeg made %zu VOPs in %zu bytes, %zu framemd5 lines",
		       vops, m4v_len, nwant)) {
		free(m4v);
		return;
	}
	bfd = rheap_heap_alloc(sys, MIB, O_RDWR | O_CLOEXEC, 0, NULL);
	ffd = rheap_heap_alloc(sys, ftotal, O_RDWR | O_CLOEXEC, 0, NULL);
	if (bfd >= 0) {
		bs = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	}
	if (ffd >= 0) {
		frames = mmap(NULL, ftotal, PROT_READ | PROT_WRITE, MAP_SHARED,
			      ffd, 0);
	}
	if (!tap_check(bs != MAP_FAILED && frames != MAP_FAILED &&
			       rheap_device_open("vdec", &p.vdec) == 0 &&
			       rheap_device_open("display", &p.disp) == 0,
		       "system buffers allocated and mapped, devices open")) {
		goto out;
	}
	tap_check(board_sys_maps() == 0, "the board maps no system buffer yet");
	rc = rheap_device_attach(p.vdec, bfd, 0, &p.a_bs, seg, 2, &n);
	tap_check(rc == 0 && n == 1 && seg[0].iova >= EXT_BASE &&
			  seg[0].size == MIB,
		  "bitstream attached to vdec: %s, iova 0x%llx",
		  rheap_err_name(rc), (unsigned long long)seg[0].iova);
	rc = rheap_device_attach(p.vdec, ffd, RHEAP_DEVICE_ATTACH_WRITE,
				 &p.a_fv, seg, 2, &n);
	r[0] = seg[0].iova;
	tap_check(rc == 0 && n == 1 && seg[0].iova >= EXT_BASE,
		  "frames attached to vdec for writing: %s", rheap_err_name(rc));
	rc = rheap_device_attach(p.disp, ffd, 0, &p.a_fd, seg, 2, &n);
	tap_check(rc == 0 && seg[0].iova == r[0],
		  "frames attached to display (same window): %s",
		  rheap_err_name(rc));
	rc = rheap_device_attach(p.vdec, ffd, 0, &r[1], seg, 2, &n);
	tap_check(rc == -EBUSY,
		  "the same system buffer twice to one device: %s",
		  rheap_err_name(rc));
	tap_check(board_sys_maps() == 2,
		  "the board maps 2 system buffers (one window each): %d",
		  board_sys_maps());
	{
		uint64_t a[8] = { DEVICE_CODEC_MPEG4, 0, 0, 0, SYS_W, SYS_H,
				  DEVICE_FMT_I420 };

		rc = rheap_device_cmd(p.vdec, DEVICE_CMD_VDEC_OPEN, a, -1, r);
		p.ctx = r[0];
	}
	if (rc == 0) {
		uint64_t a[8] = { DEVICE_SINK_MD5, 0, SYS_W, SYS_H,
				  DEVICE_FMT_I420, 25, 1 };

		rc = rheap_device_cmd(p.disp, DEVICE_CMD_DISPLAY_OPEN, a, -1, r);
		p.sess = r[0];
	}
	for (uint64_t t = 0; rc == 0 && t < SYS_NBUF; t++) {
		rc = sys_queue(&p, t);
	}
	if (!tap_check(rc == 0, "VDEC_OPEN, DISPLAY_OPEN, %u NS frame buffers "
			"queued: %s", SYS_NBUF, rheap_err_name(rc))) {
		goto out;
	}
	rc = sys_play(&p, bs, m4v, off, vops, m4v_len);
	tap_check(rc == 0 && p.shown == SYS_FRAMES,
		  "decoded and shown through system buffers: %s, %llu frames",
		  rheap_err_name(rc), (unsigned long long)p.shown);
	for (uint64_t i = 0; i < fsize && !nonzero; i++) {
		nonzero = frames[i] != 0;
	}
	tap_check(nonzero, "the NW reads the decoded frames (system memory)");
	rc = cmd(p.disp, DEVICE_CMD_DISPLAY_CLOSE, p.sess, 0, 0, 0, 0, -1);
	rc = rc ? rc : cmd(p.vdec, DEVICE_CMD_VDEC_CLOSE, p.ctx, 0, 0, 0, 0,
			   -1);
	tap_check(rc == 0, "contexts closed: %s", rheap_err_name(rc));
	snprintf(sink_path, sizeof(sink_path), "%s/sink/display-%llu.md5",
		 g_p.dir, (unsigned long long)p.sess);
	ngot = load_md5s(sink_path, got, SYS_FRAMES + 4);
	for (size_t i = 0; i < nwant; i++) {
		same = same && strcmp(want[i], got[i]) == 0;
	}
	tap_check(ngot == nwant && same,
		  "sink MD5 lines equal ffmpeg framemd5 (%zu of %zu)", ngot,
		  nwant);

	/* The handle's last close is seen only once nothing maps it. */
	munmap(frames, ftotal);
	frames = MAP_FAILED;
	close(ffd);
	ffd = -1;
	usleep(50000);
	tap_check(sys_heap("buffers") == 2 &&
			  sys_heap("used") == used_before + MIB + ftotal,
		  "frames handle closed while attached: buffer kept (%llu "
		  "buffers)",
		  (unsigned long long)sys_heap("buffers"));
	rc = rheap_device_detach(p.disp, p.a_fd);
	tap_check(rc == 0 && sys_heap("buffers") == 2,
		  "one attachment left: still kept");
	rc = rheap_device_detach(p.vdec, p.a_fv);
	for (int tries = 0; tries < 100 && sys_heap("buffers") != 1; tries++) {
		usleep(10000);
	}
	tap_check(rc == 0 && sys_heap("buffers") == 1 &&
			  sys_heap("used") == used_before + MIB,
		  "last detach: inotify frees the closed buffer (%llu left)",
		  (unsigned long long)sys_heap("buffers"));
	tap_check(board_sys_maps() == 1, "the board maps 1 system buffer");
	rc = rheap_device_detach(p.vdec, p.a_bs);
	tap_check(rc == 0 && board_sys_maps() == 0,
		  "all detached: the board maps no system buffer");

	/* A client killed with system attachments leaves nothing. */
	{
		int pipefd[2] = { -1, -1 };
		char c = 0;
		pid_t pid = -1;

		if (pipe(pipefd) == 0) {
			pid = fork();
		}
		if (pid == 0) {
			struct rheap_device *cd = NULL;
			uint64_t id = 0;

			close(pipefd[0]);
			c = rheap_device_open("display", &cd) == 0 &&
				    rheap_device_attach(cd, bfd, 0, &id, NULL,
							0, NULL) == 0 ?
				    1 :
				    0;
			(void)write(pipefd[1], &c, 1);
			pause();
			_exit(0);
		}
		if (pid > 0) {
			close(pipefd[1]);
			if (read(pipefd[0], &c, 1) != 1) {
				c = 0;
			}
			tap_check(c == 1 && board_sys_maps() == 1,
				  "a child attaches a system buffer");
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			for (int tries = 0; tries < 100 && board_sys_maps() != 0;
			     tries++) {
				usleep(10000);
			}
			tap_check(board_sys_maps() == 0,
				  "child killed: its window is gone");
		}
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
		}
	}
out:
	rheap_device_close(p.vdec);
	rheap_device_close(p.disp);
	if (bs != MAP_FAILED) {
		munmap(bs, MIB);
	}
	if (frames != MAP_FAILED) {
		munmap(frames, ftotal);
	}
	if (bfd >= 0) {
		close(bfd);
	}
	if (ffd >= 0) {
		close(ffd);
	}
	free(m4v);
}

/*
 * Guest mode's pipeline: system buffers are guest memory (no device
 * reaches them), so a restricted frame is shown instead: DISPLAY_OPEN
 * answers a VM-local session ID, SHOW twice counts 1 and 2, the sink
 * file the board wrote for the session holds two equal MD5 lines.
 */
static int sink_lines(char (*h)[33], size_t cap, size_t *count)
{
	char dir[128] = { 0 };
	char path[400] = { 0 };
	struct stat st = { 0 };
	int found = 0;

	snprintf(dir, sizeof(dir), "%s/sink", g_p.dir);
	for (uint32_t id = 0; id < 64; id++) {
		snprintf(path, sizeof(path), "%s/display-%u.md5", dir, id);
		if (stat(path, &st) == 0) {
			*count = load_md5s(path, h, cap);
			found++;
		}
	}
	return found;
}

static void guest_pipeline(struct rheap_heap *sv, struct rheap_heap *sys)
{
	const uint64_t w = 64;
	const uint64_t h = 48;
	const uint64_t fsize = w * h + 2 * (w / 2) * (h / 2);
	uint64_t open_args[8] = { DEVICE_SINK_MD5, 0, w, h, DEVICE_FMT_I420,
				  25, 1 };
	struct rheap_device *vdec = NULL;
	struct rheap_device *disp = NULL;
	struct rheap_device_seg seg[2] = { { 0 } };
	char got[8][33];
	uint64_t att = 0;
	uint64_t r[8] = { 0 };
	uint64_t s1 = 0;
	uint64_t s2 = 0;
	size_t n = 0;
	size_t lines = 0;
	int sfd = rheap_heap_alloc(sys, MIB, O_RDWR | O_CLOEXEC, 0, NULL);
	int fd = rheap_heap_alloc(sv, MIB, O_RDWR | O_CLOEXEC, 0, NULL);
	int rc = 0;
	int r1 = 0;
	int r2 = 0;

	memset(got, 0, sizeof(got));
	if (!tap_check(sfd >= 0 && fd >= 0 &&
			       rheap_device_open("vdec", &vdec) == 0 &&
			       rheap_device_open("display", &disp) == 0,
		       "guest: a system and a restricted buffer, devices "
		       "open")) {
		goto out;
	}
	r1 = rheap_device_attach(vdec, sfd, 0, &att, seg, 2, &n);
	r2 = rheap_device_attach(disp, sfd, 0, &att, seg, 2, &n);
	tap_check(r1 == -EOPNOTSUPP && r2 == -EOPNOTSUPP &&
			  board_sys_maps() == 0,
		  "guest: a system buffer attached to vdec, display: %s %s; "
		  "the board maps no system buffer",
		  rheap_err_name(r1), rheap_err_name(r2));
	rc = rheap_device_attach(disp, fd, 0, &att, seg, 2, &n);
	rc = rc ? rc : rheap_device_cmd(disp, DEVICE_CMD_DISPLAY_OPEN,
					open_args, -1, r);
	s1 = r[0];
	tap_check(rc == 0 && s1 >> 32 == 1u,
		  "guest: restricted frame attached to the display, "
		  "DISPLAY_OPEN: %s, session 0x%llx (VM 0's own name)",
		  rheap_err_name(rc), (unsigned long long)s1);
	{
		uint64_t a[8] = { s1, att, 0, fsize, 0 };

		r1 = rheap_device_cmd(disp, DEVICE_CMD_DISPLAY_SHOW, a, -1, r);
		s2 = r[0];
		a[4] = 40;
		r2 = rheap_device_cmd(disp, DEVICE_CMD_DISPLAY_SHOW, a, -1, r);
		rc = cmd(disp, DEVICE_CMD_DISPLAY_CLOSE, s1, 0, 0, 0, 0, -1);
	}
	tap_check(r1 == 0 && s2 == 1 && r2 == 0 && r[0] == 2 && rc == 0,
		  "guest: SHOW twice (%s %s: %llu frames), CLOSE: %s",
		  rheap_err_name(r1), rheap_err_name(r2),
		  (unsigned long long)r[0], rheap_err_name(rc));
	r1 = sink_lines(got, 8, &lines);
	tap_check(r1 == 1 && lines == 2 && strcmp(got[0], got[1]) == 0,
		  "guest: the board's sink holds one session's file (%d) with "
		  "two equal MD5 lines (%zu)",
		  r1, lines);
	rc = cmd(disp, DEVICE_CMD_DISPLAY_SHOW, s1, att, 0, fsize, 0, -1);
	tap_check(rc == -ENOENT && rheap_device_detach(disp, att) == 0,
		  "guest: the closed session -ENOENT, detach: %s",
		  rheap_err_name(rc));
out:
	rheap_device_close(vdec);
	rheap_device_close(disp);
	if (fd >= 0) {
		close(fd);
	}
	if (sfd >= 0) {
		close(sfd);
	}
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
		if (platform_guest()) {
			guest_pipeline(sv, sys);
		} else {
			system_buffers(sys);
		}
		client_death();
		if (platform_guest()) {
			struct json_doc *doc = NULL;
			const struct json_value *g = NULL;

			platform_guest_check(40);
			if (platform_guest_status(&doc) == 0) {
				g = json_object_get(json_root(doc), "guest");
			}
			tap_check(g && status_u64(g, "device_contexts") == 0,
				  "guest: no device context left in the guest "
				  "kernel");
			json_free(doc);
		}
		board_gone(sv);
	}
	rheap_heap_close(sv);
	rheap_heap_close(sys);
	/* The board was killed on purpose: rheapd must still stop cleanly. */
	tap_check(platform_stop(&g_p) == 0,
		  "rheapd stops");
	return tap_done();
}
