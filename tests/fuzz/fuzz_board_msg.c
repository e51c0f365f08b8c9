// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the board's socket transport: framing, handshake
 * and operator messages (src/board/board_server.c, board_msg.c;
 * docs/board-transport.md).
 *
 * Each input boots a board from the default Transfer List (path compiled
 * in as RHEAP_DEFAULT_TL), serves one end of a SOCK_SEQPACKET socketpair
 * with board_server_adopt() and runs board_server_run() in a second thread
 * (the server API has no "run once" step; its loop blocks in poll()). The
 * fuzzer thread plays the client: each frame of the input is sent, then
 * the outcome the protocol prescribes is awaited, so frames are processed
 * one at a time and the board is idle (blocked in poll()) whenever it is
 * inspected. Frames, chosen by a control byte (% FR_COUNT):
 *   FR_RAW     144 input bytes
 *   FR_HELLO   HELLO with input-chosen version, kind and maybe an MBZ value;
 *              kind 3 (VM) maybe with x3 an endpoint ID from k_vm_ids
 *              (in range, the host's, partitions', the SPMC's, above 16
 *              bits) or from input; kind 0 with sel bit 0x10 becomes
 *              kind 4 (HYP)
 *   FR_STATUS  STATUS, maybe with a non-zero MBZ register
 *   FR_FFA     an FF-A call: w0 from k_funcs, a few registers from input
 *   FR_SIZE    a datagram of input-chosen length (0..299 bytes)
 *   FR_FD      a well-formed HELLO carrying an fd (SCM_RIGHTS)
 *   FR_BOARD   x0 = one of the board's own message IDs (FAULTS and
 *              HYP_RECLAIM among them) or an unused one, x1..x3 small
 *              values from input
 *   FR_DEVICE  DEVICE: a stream of the default board (or not), a device
 *              command (or not), args small or from input, maybe a set
 *              MBZ register (x11..x17)
 *   FR_EXT     EXT_MAP, EXT_UNMAP or SMMU_NS with 0, 1 or 2 fds (a sealed
 *              16 KiB memfd, or /dev/null): sizes, PAs (the last window
 *              mapped, the carve-out, input), IOVAs, flags, maybe a set
 *              MBZ register
 * Properties (abort() on violation; a hang is a libFuzzer timeout):
 *  - the client-side model of the connection (HELLO WAIT, NW, OPERATOR)
 *    predicts every outcome: a malformed frame (size, ancillary data, not
 *    HELLO first, not STATUS or FAULTS on an operator connection) closes the
 *    connection without a reply; a refused HELLO gets one reply with the
 *    errno and then the close; an accepted one gets its reply (and the
 *    DRAM messages, each with exactly one fd); a VM HELLO is accepted
 *    exactly when x3 is 0x0002..0x7FFF and x4..x17 are zero (else
 *    -EINVAL), answers x3 = the ID and no DRAM message, and the VM
 *    connection then behaves as a NW one (below) for its own endpoint;
 *    a HYP HELLO is accepted exactly when x3..x17 are zero, answers
 *    x3 = 0 and the DRAM messages as for NW, changes no board status,
 *    and the connection then behaves as an operator one, plus
 *    HYP_RECLAIM: one reply echoing x0 with x4..x17 zero; -EINVAL (counts
 *    zero) for a set x2..x17 or x1 outside 0x0002..0x7FFF; for the
 *    lingering VM every input starts with (SEED_VM, one orphaned LEND,
 *    made in process before the server runs) 0 with one reclaimed and
 *    none held the first time: the VM's entry gone, one share and its
 *    page fewer, the page scrubbed and open to the NS CPU again; else
 *    -ENOENT; a refusal changes no board status. HYP_RECLAIM on a NW or
 *    VM connection: one reply, -EPERM, x2..x17 zero, nothing changed; on
 *    an operator connection it closes it;
 *    an FF-A call on a NW connection gets exactly one reply; STATUS and FAULTS get one reply
 *    (echoing the request's x0) with a fd; a DEVICE frame on a NW
 *    connection gets one DEVICE reply whose status is 0 or an errno of
 *    the closed set, -EINVAL for a set MBZ register, -ENOENT for a stream
 *    the platform lacks, with x10..x17 zero and, for an error other than
 *    -ENOSPC / -EPERM (RECEIVE reports a dropped buffer's tag), no results;
 *    an EXT_MAP / EXT_UNMAP / SMMU_NS frame on a NW connection gets one
 *    reply echoing x0, no fd, status in the closed set, x3..x17 zero, x2
 *    zero but for a mapped window's PA (4 KiB aligned, in the external
 *    region); -EINVAL for a set MBZ register, then for a wrong fd count
 *    (EXT_MAP: exactly one); EXT_MAP of the memfd with a size of 1..4
 *    pages succeeds; on any other connection such a frame closes it;
 *  - board_status() is unchanged by a rejected frame, except that closing
 *    a NW or VM connection disconnects its endpoint (nw_connected false,
 *    no VM connected);
 *  - when the connection is gone, no external window and no SMMU mapping
 *    is left;
 *  - the SPMC's invariants hold after every frame.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_internal.h"
#include "board/board_msg.h"
#include "board/board_server.h"
#include "hw/hw_dram.h"
#include "hw/hw_tzasc.h"
#include "spmc/spmc.h"

#ifndef RHEAP_DEFAULT_TL
#error "RHEAP_DEFAULT_TL must name the default board's Transfer List"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FRAMES 48u

enum frame_kind {
	FR_RAW = 0,
	FR_HELLO,
	FR_STATUS,
	FR_FFA,
	FR_SIZE,
	FR_FD,
	FR_BOARD,
	FR_DEVICE,
	FR_EXT,
	FR_COUNT,
};

/* The client's model of the connection (board_server.h life cycle). */
enum model_state {
	M_HELLO_WAIT = 0,
	M_NW,
	M_OPERATOR,
	M_HYP,
	M_CLOSED,
};

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t rd8(struct reader *r)
{
	uint8_t v = 0;

	if (r->n > 0) {
		v = *r->p;
		r->p++;
		r->n--;
	}
	return v;
}

static uint64_t rd64(struct reader *r)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v |= (uint64_t)rd8(r) << (8 * i);
	}
	return v;
}

static uint8_t *g_tl;
static size_t g_tl_size;
static int g_memfd = -1;       /* sealed 16 KiB memfd for EXT_MAP */
static uint64_t g_last_pa;     /* the last window EXT_MAP gave */
static uint16_t g_vm_id;       /* the VM connection's ID; 0: the host's */
static bool g_seed_orphan;     /* SEED_VM still lingers with its orphan */

/* A VM that died with a LEND before the input runs (HYP_RECLAIM's target). */
#define SEED_VM 0x0005u
/* Its mailbox and the NW DRAM page it lent (no pool, no carve-out). */
#define SEED_TX_PA UINT64_C(0x80100000)
#define SEED_LEND_PA UINT64_C(0x80200000)

/* VM HELLO x3 values: both ends of the range, and every kind outside. */
static const uint64_t k_vm_ids[] = {
	0x0002, 0x7FFF, 0x0003, 0x0000, 0x0001, 0x8000, 0x8001, 0xFFFF,
	0x10002, UINT64_MAX,
};
#define EXT_MEMFD_SIZE (16u * 1024u)
static FILE *g_log;
/* The display's sink (a temporary directory, removed at exit). */
static char g_sink[64];

static void sink_remove(void)
{
	char path[sizeof(g_sink) + 300] = { 0 };
	DIR *d = opendir(g_sink);
	struct dirent *e = NULL;

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", g_sink, e->d_name) <
			    (int)sizeof(path)) {
			unlink(path);
		}
	}
	if (d) {
		closedir(d);
	}
	rmdir(g_sink);
}

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static void load_tl(void)
{
	FILE *fp = fopen(RHEAP_DEFAULT_TL, "rb");
	long n = 0;

	check(fp != NULL);
	check(fseek(fp, 0, SEEK_END) == 0);
	n = ftell(fp);
	check(n > 0 && fseek(fp, 0, SEEK_SET) == 0);
	g_tl = aligned_alloc(8, ((size_t)n + 7) & ~(size_t)7);
	check(g_tl != NULL);
	g_tl_size = (size_t)n;
	check(fread(g_tl, 1, g_tl_size, fp) == g_tl_size);
	fclose(fp);
	g_log = fopen("/dev/null", "w");
	check(g_log != NULL);
	snprintf(g_sink, sizeof(g_sink), "/tmp/rheap-fuzz-sink-XXXXXX");
	check(mkdtemp(g_sink) != NULL);
	check(atexit(sink_remove) == 0);
}

static bool status_eq(const struct board_status *a,
		      const struct board_status *b)
{
	if (a->spmc.live_shares != b->spmc.live_shares ||
	    a->spmc.total_ranges != b->spmc.total_ranges ||
	    a->spmc.protected_pages != b->spmc.protected_pages ||
	    a->spmc.pool_pages != b->spmc.pool_pages ||
	    a->spmc.scrubbed_pages != b->spmc.scrubbed_pages ||
	    a->wedged != b->wedged || a->tzasc_used != b->tzasc_used ||
	    a->faults_total != b->faults_total ||
	    a->smmu_mappings != b->smmu_mappings ||
	    a->nw_connected != b->nw_connected ||
	    a->vm_count != b->vm_count ||
	    a->endpoint_count != b->endpoint_count) {
		return false;
	}
	for (uint32_t i = 0; i < a->endpoint_count; i++) {
		const struct spmc_ep_stats *x = &a->endpoints[i].stats;
		const struct spmc_ep_stats *y = &b->endpoints[i].stats;

		if (a->endpoints[i].id != b->endpoints[i].id ||
		    x->live_handles != y->live_handles ||
		    x->pending != y->pending ||
		    x->pages_shared != y->pages_shared ||
		    x->pages_lent != y->pages_lent ||
		    x->pages_donated != y->pages_donated ||
		    x->pages_borrowed != y->pages_borrowed ||
		    x->retrievals != y->retrievals) {
			return false;
		}
	}
	return true;
}

static void *server_thread(void *arg)
{
	check(board_server_run(arg) == 0);
	return NULL;
}

/*
 * Receives one message. Return: the byte count (0: the board closed the
 * connection); *@fds is the number of fds that came with it (closed).
 */
static ssize_t client_recv(int fd, uint8_t *buf, size_t cap, unsigned int *fds)
{
	union {
		char space[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.space,
			      .msg_controllen = sizeof(ctl.space) };
	ssize_t n = 0;

	*fds = 0;
	do {
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	check(n >= 0 && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)));
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		check(cm->cmsg_level == SOL_SOCKET &&
		      cm->cmsg_type == SCM_RIGHTS);
		for (size_t i = 0; i < count; i++) {
			int got = -1;

			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
			close(got);
			(*fds)++;
		}
	}
	return n;
}

/*
 * Sends @len bytes with @nfds fds attached (0..2): /dev/null, or the
 * sealed memfd when @memfd.
 */
static void client_send(int fd, const uint8_t *buf, size_t len,
			unsigned int nfds, bool memfd)
{
	union {
		char space[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int extra = -1;
	int fds[2] = { -1, -1 };
	ssize_t n = 0;

	if (nfds > 0) {
		struct cmsghdr *cm = NULL;

		extra = memfd ? g_memfd : open("/dev/null", O_RDONLY | O_CLOEXEC);
		check(extra >= 0);
		fds[0] = extra;
		fds[1] = extra;
		msg.msg_control = ctl.space;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	check(n == (ssize_t)len);
	if (extra >= 0 && !memfd) {
		close(extra);
	}
}

static const uint32_t k_funcs[] = {
	FFA_VERSION,	 FFA_FEATURES,		 FFA_ID_GET,
	FFA_SPM_ID_GET,	 FFA_PARTITION_INFO_GET, FFA_RX_RELEASE,
	FFA_RXTX_MAP_64, FFA_RXTX_UNMAP,	 FFA_MSG_SEND_DIRECT_REQ_32,
	FFA_MEM_RECLAIM, FFA_MEM_FRAG_TX,	 FFA_RUN,
	FFA_ERROR,
};

static const uint64_t k_board_ids[] = {
	BOARD_MSG_HELLO, BOARD_MSG_DRAM, BOARD_MSG_STATUS, BOARD_MSG_FAULTS, 0,
	0x52480000,	 0x52480005,	 BOARD_MSG_HYP_RECLAIM,
};

static const uint64_t k_streams[] = { 0x10, 0x20, 0x30, 0x40, 0x99, 0 };

static const uint64_t k_device_cmds[] = {
	DEVICE_CMD_VDEC_OPEN,	   DEVICE_CMD_VDEC_QUEUE_OUT,
	DEVICE_CMD_VDEC_DECODE,	   DEVICE_CMD_VDEC_RECEIVE,
	DEVICE_CMD_VDEC_CLOSE,	   DEVICE_CMD_DISPLAY_OPEN,
	DEVICE_CMD_DISPLAY_SHOW,   DEVICE_CMD_DISPLAY_CLOSE,
	DEVICE_CMD_GPU_READ,	   0x0106,
};

/* DEVICE: mostly plausible values, so that commands get past the checks. */
static void build_device(struct reader *r, uint8_t sel,
			 struct rheap_ffa_regs *regs)
{
	uint8_t how = rd8(r);

	regs->x[0] = BOARD_MSG_DEVICE;
	regs->x[1] = sel & 0x80 ? rd64(r) : k_streams[sel % ARRAY_SIZE(k_streams)];
	regs->x[2] = how & 0x80 ? rd64(r) :
				  k_device_cmds[how % ARRAY_SIZE(k_device_cmds)];
	for (uint32_t i = 0; i < DEVICE_ARGS; i++) {
		uint8_t v = rd8(r);

		regs->x[3 + i] = v & 0x80 ? rd64(r) : (uint64_t)(v & 0x7f);
	}
	if (how & 0x40) {
		regs->x[11 + rd8(r) % 7] = rd64(r) | 1;
	}
}

static bool is_ext(uint64_t x0)
{
	return x0 == BOARD_MSG_EXT_MAP || x0 == BOARD_MSG_EXT_UNMAP ||
	       x0 == BOARD_MSG_SMMU_NS;
}

/*
 * EXT_MAP / EXT_UNMAP / SMMU_NS: sel % 3 the message, (sel >> 2) % 4 the
 * fds (none, the memfd, two, /dev/null); *@mbz set when a MBZ register
 * was made non-zero.
 */
static void build_ext(struct reader *r, uint8_t sel,
		      struct rheap_ffa_regs *regs, unsigned int *nfds,
		      bool *memfd, bool *mbz)
{
	static const uint64_t msgs[] = { BOARD_MSG_EXT_MAP, BOARD_MSG_EXT_UNMAP,
					 BOARD_MSG_SMMU_NS };
	uint8_t how = rd8(r);
	uint32_t first = 2;
	uint8_t fdm = (uint8_t)((sel >> 2) % 4);

	regs->x[0] = msgs[sel % 3];
	*nfds = fdm == 0 ? 0 : fdm == 2 ? 2 : 1;
	*memfd = fdm == 1 || fdm == 2;
	switch (sel % 3) {
	case 0:
		regs->x[1] = how & 0x80 ? rd64(r) : (uint64_t)(rd8(r) % 8) * 4096u;
		break;
	case 1:
		regs->x[1] = how & 0x80 ? rd64(r) :
			     how & 0x20 ? HW_DRAM_EXT_BASE + (rd8(r) % 8) * 4096u :
					  g_last_pa;
		break;
	default:
		first = 6;
		regs->x[1] = k_streams[rd8(r) % ARRAY_SIZE(k_streams)];
		regs->x[2] = how & 0x80 ? rd64(r) : (uint64_t)(rd8(r) % 16) * 4096u;
		regs->x[3] = how & 0x20 ? rd64(r) :
			     how & 0x10 ? UINT64_C(0xe0000000) :
					  g_last_pa;
		regs->x[4] = (uint64_t)(rd8(r) % 4 + 1) * 4096u;
		regs->x[5] = rd8(r) & 7u;
		break;
	}
	*mbz = false;
	if (how & 0x40) {
		regs->x[first + rd8(r) % (RHEAP_FFA_REG_COUNT - first)] =
			rd64(r) | 1;
		*mbz = true;
	}
}

/*
 * Builds the next frame from the input into @buf. Sets *@len, *@nfds
 * and *@memfd; returns its registers' view (for the model).
 */
static void build_frame(struct reader *r, uint8_t *buf, size_t *len,
			unsigned int *nfds, bool *memfd,
			struct rheap_ffa_regs *regs)
{
	uint8_t ctl = rd8(r);
	uint8_t sel = rd8(r);
	bool mbz = false;

	memset(regs, 0, sizeof(*regs));
	*len = BOARD_MSG_SIZE;
	*nfds = 0;
	*memfd = false;
	switch (ctl % FR_COUNT) {
	case FR_RAW:
		for (size_t i = 0; i < BOARD_MSG_SIZE; i++) {
			buf[i] = rd8(r);
		}
		board_msg_decode(buf, regs);
		return;
	case FR_HELLO:
	case FR_FD:
		regs->x[0] = BOARD_MSG_HELLO;
		regs->x[1] = sel & 0x80 ? rd64(r) : BOARD_PROTO_VERSION;
		regs->x[2] = sel & 0x3;
		if (regs->x[2] == 0 && (sel & 0x10)) {
			regs->x[2] = BOARD_CONN_HYP;
		}
		if (regs->x[2] == BOARD_CONN_VM && (sel & 0x20)) {
			uint8_t pick = rd8(r);

			regs->x[3] = pick < 0xF0 ?
					     k_vm_ids[pick % ARRAY_SIZE(k_vm_ids)] :
					     rd64(r) & 0x1FFFF;
		}
		if (sel & 0x40) {
			regs->x[3 + (sel >> 2) % 15] = rd64(r);
		}
		*nfds = ctl % FR_COUNT == FR_FD ? 1 : 0;
		break;
	case FR_STATUS:
		regs->x[0] = BOARD_MSG_STATUS;
		if (sel & 0x80) {
			regs->x[1 + sel % 17] = rd64(r);
		}
		break;
	case FR_FFA:
		regs->x[0] = k_funcs[sel % ARRAY_SIZE(k_funcs)];
		for (uint8_t i = 1; i <= (sel >> 4) % 8; i++) {
			regs->x[i] = rd64(r);
		}
		break;
	case FR_SIZE:
		*len = (size_t)(sel | (size_t)(rd8(r) & 1) << 8) % 300;
		for (size_t i = 0; i < *len; i++) {
			buf[i] = rd8(r);
		}
		if (*len >= BOARD_MSG_SIZE) {
			board_msg_decode(buf, regs);
		}
		return;
	case FR_DEVICE:
		build_device(r, sel, regs);
		break;
	case FR_EXT:
		build_ext(r, sel, regs, nfds, memfd, &mbz);
		break;
	default:
		regs->x[0] = k_board_ids[sel % ARRAY_SIZE(k_board_ids)];
		for (uint8_t i = 1; i <= (sel >> 4) % 4; i++) {
			regs->x[i] = rd8(r);
		}
		break;
	}
	board_msg_encode(regs, buf);
}

static bool zero_from(const struct rheap_ffa_regs *regs, int first)
{
	for (int i = first; i < RHEAP_FFA_REG_COUNT; i++) {
		if (regs->x[i] != 0) {
			return false;
		}
	}
	return true;
}

/* Expects the board to close the connection now: EOF, no message. */
static void expect_close(int fd)
{
	uint8_t buf[BOARD_MSG_SIZE + 1] = { 0 };
	unsigned int fds = 0;

	check(client_recv(fd, buf, sizeof(buf), &fds) == 0 && fds == 0);
}

/* Expects one reply; returns its registers. */
static void expect_reply(int fd, struct rheap_ffa_regs *regs,
			 unsigned int want_fds)
{
	uint8_t buf[BOARD_MSG_SIZE + 1] = { 0 };
	unsigned int fds = 0;

	check(client_recv(fd, buf, sizeof(buf), &fds) ==
	      (ssize_t)BOARD_MSG_SIZE);
	check(fds == want_fds);
	board_msg_decode(buf, regs);
}

static const struct board_ep_status *find_ep(const struct board_status *st,
					    uint16_t id)
{
	for (uint32_t i = 0; i < st->endpoint_count; i++) {
		if (st->endpoints[i].id == id) {
			return &st->endpoints[i];
		}
	}
	return NULL;
}

/* HYP_RECLAIM on a hypervisor (served) or NW / VM (-EPERM) connection. */
static enum model_state step_hyp_reclaim(struct board *b, int fd,
					 enum model_state st,
					 const struct rheap_ffa_regs *req,
					 const struct board_status *before)
{
	struct rheap_ffa_regs rep = { { 0 } };
	struct board_status after = { 0 };
	int64_t rc = 0;
	int64_t want = -ENOENT;
	bool hit = false;

	expect_reply(fd, &rep, 0);
	rc = (int64_t)rep.x[1];
	check(rep.x[0] == BOARD_MSG_HYP_RECLAIM && zero_from(&rep, 4));
	if (st == M_NW) {
		want = -EPERM;
	} else if (!zero_from(req, 2) || req->x[1] < BOARD_VM_ID_MIN ||
		   req->x[1] > BOARD_VM_ID_MAX) {
		want = -EINVAL;
	} else if (req->x[1] == SEED_VM && g_seed_orphan) {
		want = 0;
		hit = true;
	}
	check(rc == want);
	check(rep.x[2] == (hit ? 1u : 0u) && rep.x[3] == 0);
	board_status(b, &after);
	if (hit) {
		g_seed_orphan = false;
		check(find_ep(before, SEED_VM) && !find_ep(&after, SEED_VM));
		check(after.spmc.live_shares + 1 == before->spmc.live_shares &&
		      after.spmc.protected_pages + 1 ==
			      before->spmc.protected_pages &&
		      after.spmc.scrubbed_pages ==
			      before->spmc.scrubbed_pages + 1);
		check(hw_tzasc_check(&b->tzasc, SEED_LEND_PA, 4096,
				     HW_ACCESS_NS_CPU) == 0);
	} else {
		check(status_eq(before, &after));
	}
	check(spmc_check_invariants(board_spmc(b), NULL) == 0);
	return st;
}

/*
 * SEED_VM connects in process, maps a mailbox, LENDs one NW DRAM page to
 * the SDP partition and goes: the LEND is its orphan, the ID lingers.
 */
static void seed_orphan(struct board *b)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = 0x8001,
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_range range = { .address = SEED_LEND_PA,
					 .page_count = 1 };
	struct rheap_ffa_mem m = {
		.abi = RHEAP_FFA_ABI_LEND, .version = FFA_VERSION_1_1,
		.sender_id = SEED_VM, .tag = RHEAP_USE_CASE_SECURE_VIDEO,
		.receiver_count = 1,
		.receivers = &rx, .receiver_cap = 1, .range_count = 1,
		.ranges = &range, .range_cap = 1, .total_page_count = 1,
	};
	struct rheap_ffa_regs req = { .x = { FFA_RXTX_MAP_64, SEED_TX_PA,
					     SEED_TX_PA + 4096, 1 } };
	struct rheap_ffa_regs resp = { { 0 } };
	void *tx = NULL;
	int len = 0;

	check(board_vm_connect(b, SEED_VM) == 0);
	check(board_call(b, SEED_VM, &req, &resp) == 0 &&
	      (uint32_t)resp.x[0] != FFA_ERROR);
	check(hw_dram_ptr(b->dram, SEED_TX_PA, 4096, &tx) == 0);
	len = rheap_ffa_mem_encode(&m, tx, 4096, NULL);
	check(len > 0);
	req = (struct rheap_ffa_regs){ .x = { FFA_MEM_LEND_64, (uint64_t)len,
					      (uint64_t)len } };
	check(board_call(b, SEED_VM, &req, &resp) == 0 &&
	      (uint32_t)resp.x[0] != FFA_ERROR);
	board_vm_disconnect(b, SEED_VM);
	g_seed_orphan = true;
}

/* One frame: send, await the outcome the model predicts, check. */
static enum model_state step(struct board *b, int fd, enum model_state st,
			     struct reader *r)
{
	static uint8_t buf[300];
	struct rheap_ffa_regs req = { { 0 } };
	struct rheap_ffa_regs rep = { { 0 } };
	struct board_status before = { 0 };
	struct board_status after = { 0 };
	size_t len = 0;
	unsigned int nfds = 0;
	bool memfd = false;
	bool malformed = false;

	build_frame(r, buf, &len, &nfds, &memfd, &req);
	board_status(b, &before);
	client_send(fd, buf, len, nfds, memfd);
	malformed = len != BOARD_MSG_SIZE ||
		    (nfds > 0 && !(st == M_NW && is_ext(req.x[0])));
	if (!malformed && st == M_NW && is_ext(req.x[0])) {
		int64_t rc = 0;
		uint32_t first = req.x[0] == BOARD_MSG_SMMU_NS ? 6 : 2;
		bool want_fd = req.x[0] == BOARD_MSG_EXT_MAP;

		expect_reply(fd, &rep, 0);
		rc = (int64_t)rep.x[1];
		check(rep.x[0] == req.x[0] && zero_from(&rep, 3));
		check(rc == 0 || rc == -EINVAL || rc == -ENOSPC ||
		      rc == -ENOMEM || rc == -ENOENT || rc == -EBUSY ||
		      rc == -EPERM || rc == -EOVERFLOW);
		if (!zero_from(&req, (int)first)) {
			check(rc == -EINVAL);
		} else if (want_fd ? nfds != 1 : nfds != 0) {
			check(rc == -EINVAL);
		} else if (want_fd && memfd && req.x[1] > 0 &&
			   req.x[1] <= EXT_MEMFD_SIZE && req.x[1] % 4096 == 0) {
			check(rc == 0);
		}
		if (rc == 0 && want_fd) {
			check(rep.x[2] >= HW_DRAM_EXT_BASE &&
			      rep.x[2] % 4096 == 0);
			g_last_pa = rep.x[2];
		} else {
			check(rep.x[2] == 0);
		}
		check(spmc_check_invariants(board_spmc(b), NULL) == 0);
		return M_NW;
	}
	if (st == M_HELLO_WAIT && !malformed && req.x[0] == BOARD_MSG_HELLO) {
		bool vm = req.x[2] == BOARD_CONN_VM;
		bool hyp = req.x[2] == BOARD_CONN_HYP;
		bool ok = req.x[1] == BOARD_PROTO_VERSION &&
			  (req.x[2] == BOARD_CONN_NW ||
			   req.x[2] == BOARD_CONN_OPERATOR || hyp ||
			   (vm && req.x[3] >= BOARD_VM_ID_MIN &&
			    req.x[3] <= BOARD_VM_ID_MAX)) &&
			  zero_from(&req, vm ? 4 : 3);

		expect_reply(fd, &rep, 0);
		check(rep.x[0] == BOARD_MSG_HELLO &&
		      rep.x[1] == BOARD_PROTO_VERSION && rep.x[4] == req.x[2]);
		if (!ok) {
			check(rep.x[2] != 0 && rep.x[3] == 0 && rep.x[5] == 0);
			if (req.x[1] == BOARD_PROTO_VERSION && vm) {
				check((int64_t)rep.x[2] == -EINVAL);
			}
			expect_close(fd);
			board_status(b, &after);
			check(status_eq(&before, &after));
			return M_CLOSED;
		}
		check(rep.x[2] == 0);
		if (req.x[2] == BOARD_CONN_OPERATOR) {
			return M_OPERATOR;
		}
		if (vm) {
			/* No DRAM for a VM: its hypervisor maps it. */
			check(rep.x[3] == req.x[3] && rep.x[5] == 0);
			g_vm_id = (uint16_t)req.x[3];
			board_status(b, &after);
			check(after.vm_count == 1 && !after.nw_connected);
			return M_NW;
		}
		check(rep.x[3] == (hyp ? 0 : BOARD_NW_ENDPOINT) &&
		      rep.x[5] == board_dram_count(b));
		for (uint64_t i = 0; i < rep.x[5]; i++) {
			struct rheap_ffa_regs dm = { { 0 } };

			expect_reply(fd, &dm, 1);
			check(dm.x[0] == BOARD_MSG_DRAM && dm.x[1] == i);
		}
		board_status(b, &after);
		if (hyp) {
			check(status_eq(&before, &after));
			return M_HYP;
		}
		check(after.nw_connected);
		return M_NW;
	}
	if (!malformed && st == M_NW && req.x[0] == BOARD_MSG_DEVICE) {
		int64_t rc = 0;
		bool known = false;

		expect_reply(fd, &rep, 0);
		rc = (int64_t)rep.x[1];
		check(rep.x[0] == BOARD_MSG_DEVICE && zero_from(&rep, 10));
		check(rc == 0 || rc == -EINVAL || rc == -ENOSPC ||
		      rc == -ENOMEM || rc == -ENOENT || rc == -EBUSY ||
		      rc == -EPERM || rc == -EOVERFLOW || rc == -EOPNOTSUPP);
		for (uint32_t i = 0; i < board_platform(b)->device_count; i++) {
			known = known || board_platform(b)->devices[i].stream_id ==
						 req.x[1];
		}
		if (!zero_from(&req, 11)) {
			check(rc == -EINVAL);
		} else if (!known) {
			check(rc == -ENOENT);
		}
		if (rc != 0 && rc != -ENOSPC && rc != -EPERM) {
			check(zero_from(&rep, 2));
		}
		check(spmc_check_invariants(board_spmc(b), NULL) == 0);
		return M_NW;
	}
	if (!malformed && (st == M_NW || st == M_HYP) &&
	    req.x[0] == BOARD_MSG_HYP_RECLAIM) {
		return step_hyp_reclaim(b, fd, st, &req, &before);
	}
	if (!malformed && st == M_NW) {
		expect_reply(fd, &rep, 0);
		check(spmc_check_invariants(board_spmc(b), NULL) == 0);
		return M_NW;
	}
	if (!malformed && (st == M_OPERATOR || st == M_HYP) &&
	    (req.x[0] == BOARD_MSG_STATUS || req.x[0] == BOARD_MSG_FAULTS) &&
	    zero_from(&req, 1)) {
		expect_reply(fd, &rep, 1);
		check(rep.x[0] == req.x[0] && rep.x[1] == 0 && rep.x[2] > 0);
		board_status(b, &after);
		check(status_eq(&before, &after));
		return st;
	}
	/* Everything else is malformed: the board closes, nothing changes. */
	expect_close(fd);
	board_status(b, &after);
	if (st == M_NW) {
		check(!after.nw_connected && after.vm_count == 0);
		/* A VM ID stays listed only while orphans keep it. */
		for (uint32_t i = 0; g_vm_id && i < after.endpoint_count; i++) {
			if (after.endpoints[i].id == g_vm_id) {
				check(!after.endpoints[i].connected &&
				      after.endpoints[i].stats.live_handles > 0);
			}
		}
	} else {
		check(status_eq(&before, &after));
	}
	check(spmc_check_invariants(board_spmc(b), NULL) == 0);
	return M_CLOSED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	struct reader r = { data, size };
	struct board *b = NULL;
	struct board_server *s = NULL;
	enum model_state st = M_HELLO_WAIT;
	pthread_t th;
	int sv[2] = { -1, -1 };

	if (!g_tl) {
		load_tl();
	}
	if (g_memfd < 0) {
		g_memfd = memfd_create("fuzz-ext", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		check(g_memfd >= 0 && ftruncate(g_memfd, EXT_MEMFD_SIZE) == 0 &&
		      fcntl(g_memfd, F_ADD_SEALS,
			    F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	}
	g_last_pa = HW_DRAM_EXT_BASE;
	g_vm_id = 0;
	opts.log = g_log;
	opts.sink_dir = g_sink;
	check(board_create(g_tl, g_tl_size, &opts, &b) == 0);
	seed_orphan(b);
	check(board_server_create(b, NULL, &s) == 0);
	check(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	check(board_server_adopt(s, sv[0]) == 0);
	check(pthread_create(&th, NULL, server_thread, s) == 0);
	for (uint32_t i = 0; r.n > 0 && i < MAX_FRAMES && st != M_CLOSED; i++) {
		st = step(b, sv[1], st, &r);
	}
	close(sv[1]);
	board_server_stop(s);
	check(pthread_join(th, NULL) == 0);
	board_server_destroy(s);
	check(spmc_check_invariants(board_spmc(b), NULL) == 0);
	{
		struct board_status st_end = { 0 };

		board_status(b, &st_end);
		check(hw_dram_ext_count(b->dram) == 0 &&
		      st_end.smmu_mappings == 0);
	}
	board_destroy(b);
	return 0;
}
