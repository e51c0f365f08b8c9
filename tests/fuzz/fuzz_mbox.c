// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the board's ivshmem FF-A mailbox
 * (src/board/board_ivshmem.c; docs/ffa-mailbox.md): the mailbox registers
 * and header a hostile guest writes, and the bytes a hostile client sends
 * on the ivshmem socket.
 *
 * Each input boots a board from the linux-guest Transfer List (path
 * compiled in as RHEAP_GUEST_TL) with its DRAM at PA 0 backed by a sparse
 * 512 MiB memfd (the guest RAM file, through /proc/self/fd), and adopts one
 * end of a SOCK_STREAM socketpair as the guest (board_ivshmem_adopt()).
 * The fuzzer plays QEMU and the guest in the same thread: it reads the
 * handshake, maps the mailbox, and then runs the input's operations, each
 * followed by board_ivshmem_poll(). Operations (control byte % OP_COUNT):
 *   OP_CALL    x0 from k_funcs (or raw), x1..x17 small or raw; call_seq + 1
 *   OP_HEADER  one input word written at an input offset of the 32-byte
 *              header (call_seq and done_seq included), then a doorbell
 *   OP_BYTES   up to 64 input bytes at an input offset of the 4 KiB page
 *   OP_RXTX    RXTX_MAP / UNMAP with addresses from k_addrs
 *   OP_LEND    a valid LEND / SHARE / DONATE descriptor in the TX page for
 *              k_addrs[i] + input pages, maybe one byte flipped
 *   OP_SDP     an SDP direct request: command, remembered handle, args
 *   OP_RECLAIM RECLAIM of a remembered handle
 *   OP_SOCK    1..16 input bytes (or an fd) sent by the client: the guest
 *              is dropped; the next operation reconnects
 *   OP_RING    a doorbell without anything posted
 * Properties (abort() on violation):
 *  - the handshake is exactly 0, 1, -1 + fd, 0 + fd, 1 + fd;
 *  - a doorbell is answered (guest rung, done_seq = the call_seq written,
 *    header fields the board's: magic, version, peers, state READY, calls
 *    counting) exactly when call_seq differs from the last done_seq the
 *    board wrote; otherwise the guest is not rung;
 *  - an FFA_ERROR answer has a negative w2;
 *  - the SPMC's invariants hold after every operation;
 *  - a dropped guest leaves the NW endpoint disconnected, the mailbox DOWN,
 *    and no share but those the drop could not reclaim (DONATE);
 *  - at the end the board is destroyed (LeakSanitizer checks the rest).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_mailbox.h>
#include <rheap/ffa_regs.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_ivshmem.h"
#include "hw/hw_dram.h"
#include "spmc/spmc.h"

#ifndef RHEAP_GUEST_TL
#define RHEAP_GUEST_TL "linux-guest.tl"
#endif

#define GUEST_RAM (UINT64_C(512) << 20)
#define TX_GPA UINT64_C(0x00100000)
#define RX_GPA UINT64_C(0x00101000)
#define SDP_ID 0x8001u
#define MAX_OPS 64u
#define MAX_HANDLES 8u

enum op {
	OP_CALL,
	OP_HEADER,
	OP_BYTES,
	OP_RXTX,
	OP_LEND,
	OP_SDP,
	OP_RECLAIM,
	OP_SOCK,
	OP_RING,
	OP_COUNT,
};

static const uint32_t k_funcs[] = {
	FFA_VERSION, FFA_FEATURES, FFA_ID_GET, FFA_PARTITION_INFO_GET,
	FFA_RXTX_MAP_64, FFA_RXTX_MAP_32, FFA_RXTX_UNMAP, FFA_RX_RELEASE,
	FFA_MEM_LEND_64, FFA_MEM_SHARE_64, FFA_MEM_DONATE_64,
	FFA_MEM_FRAG_TX, FFA_MEM_RECLAIM, FFA_MSG_SEND_DIRECT_REQ_32,
	FFA_MSG_SEND_DIRECT_REQ_64, FFA_ERROR, FFA_SUCCESS_32, 0x52480005u,
};

static const uint64_t k_addrs[] = {
	TX_GPA,
	UINT64_C(0x04000000),	      /* secure-video dynamic pool */
	UINT64_C(0x0c000000),	      /* secure-video-record dynamic */
	UINT64_C(0x1c000000),	      /* static pool */
	UINT64_C(0x1e000000),	      /* static pool */
	GUEST_RAM - 0x1000,	      /* last page */
	GUEST_RAM,		      /* outside */
	UINT64_C(0x40000000),	      /* MMIO nodes */
	UINT64_C(0xFFFFFFFFFFFFF000), /* wraps */
	UINT64_C(0x00200000),	      /* plain guest RAM */
};

static const uint32_t k_sdp[] = {
	SDP_CMD_GET_VERSION, SDP_CMD_GET_PROTMEM_CONFIG, SDP_CMD_GET_LEND_CONFIG,
	SDP_CMD_ASSIGN, SDP_CMD_RELEASE, 0xFFFFu,
};

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t in_u8(struct in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint64_t in_u64(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v |= (uint64_t)in_u8(in) << (8 * i);
	}
	return v;
}

struct world {
	struct board *b;
	struct board_ivshmem *iv;
	int ram_fd;
	uint8_t *ram;
	int sock;
	int board_efd;
	int guest_efd;
	struct rheap_mbox *m;
	uint32_t done; /* the last done_seq the board wrote */
	uint32_t calls;
	uint64_t handles[MAX_HANDLES];
	uint32_t handle_count;
};

static uint8_t *tl;
static size_t tl_size;

static void load_tl(void)
{
	FILE *f = NULL;
	long n = 0;

	if (tl) {
		return;
	}
	f = fopen(RHEAP_GUEST_TL, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0) {
		abort();
	}
	rewind(f);
	tl = malloc((size_t)n);
	if (!tl || fread(tl, 1, (size_t)n, f) != (size_t)n) {
		abort();
	}
	tl_size = (size_t)n;
	fclose(f);
}

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static int hs_recv(int sock, int64_t *value, int *fd)
{
	uint64_t le = 0;
	union {
		char space[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.space,
			      .msg_controllen = sizeof(ctl.space) };
	ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	*fd = -1;
	if (n != 8) {
		return -1;
	}
	if (cm) {
		check(cm->cmsg_type == SCM_RIGHTS &&
		      cm->cmsg_len == CMSG_LEN(sizeof(int)));
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	}
	*value = (int64_t)le;
	return 0;
}

static void guest_close(struct world *w)
{
	if (w->m) {
		munmap(w->m, RHEAP_MBOX_SHM_SIZE);
		w->m = NULL;
	}
	if (w->sock >= 0) {
		close(w->sock);
	}
	if (w->board_efd >= 0) {
		close(w->board_efd);
	}
	if (w->guest_efd >= 0) {
		close(w->guest_efd);
	}
	w->sock = w->board_efd = w->guest_efd = -1;
}

static void guest_connect(struct world *w)
{
	static const int64_t want[5] = { 0, BOARD_IVSHMEM_GUEST_PEER, -1,
					 BOARD_IVSHMEM_BOARD_PEER,
					 BOARD_IVSHMEM_GUEST_PEER };
	int sv[2] = { -1, -1 };
	int fds[5] = { -1, -1, -1, -1, -1 };
	void *p = NULL;

	check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	check(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	check(board_ivshmem_adopt(w->iv, sv[1]) == 0);
	w->sock = sv[0];
	for (int i = 0; i < 5; i++) {
		int64_t v = 0;

		check(hs_recv(w->sock, &v, &fds[i]) == 0);
		check(v == want[i]);
		check((fds[i] >= 0) == (i >= 2));
	}
	w->board_efd = fds[3];
	w->guest_efd = fds[4];
	p = mmap(NULL, RHEAP_MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fds[2], 0);
	close(fds[2]);
	check(p != MAP_FAILED);
	w->m = p;
	check(w->m->magic == RHEAP_MBOX_MAGIC && w->m->state == RHEAP_MBOX_STATE_READY);
	w->done = 0;
	w->calls = 0;
}

static bool rung(struct world *w)
{
	uint64_t count = 0;

	return read(w->guest_efd, &count, sizeof(count)) == sizeof(count);
}

/* Rings, lets the board run, checks the answer rule. */
static void doorbell(struct world *w)
{
	uint64_t one = 1;
	uint32_t seq = __atomic_load_n(&w->m->call_seq, __ATOMIC_RELAXED);
	bool answered = false;

	check(write(w->board_efd, &one, sizeof(one)) == sizeof(one));
	check(board_ivshmem_poll(w->iv, 1000) == 1);
	answered = rung(w);
	check(answered == (seq != w->done));
	if (answered) {
		w->done = seq;
		w->calls++;
		check(w->m->done_seq == seq && w->m->magic == RHEAP_MBOX_MAGIC &&
		      w->m->version == RHEAP_MBOX_VERSION &&
		      w->m->board_peer == BOARD_IVSHMEM_BOARD_PEER &&
		      w->m->guest_peer == BOARD_IVSHMEM_GUEST_PEER &&
		      w->m->state == RHEAP_MBOX_STATE_READY &&
		      w->m->calls == w->calls);
		if ((uint32_t)w->m->x[0] == FFA_ERROR) {
			check((int32_t)(uint32_t)w->m->x[2] < 0);
		}
		if ((uint32_t)w->m->x[0] == FFA_SUCCESS_32 &&
		    w->handle_count < MAX_HANDLES && w->m->x[2] != 0) {
			w->handles[w->handle_count++] =
				(w->m->x[2] & UINT32_MAX) |
				(w->m->x[3] & UINT32_MAX) << 32;
		}
	}
}

static void post(struct world *w, const struct rheap_ffa_regs *r)
{
	for (uint32_t i = 0; i < RHEAP_MBOX_REGS; i++) {
		w->m->x[i] = r->x[i];
	}
	__atomic_store_n(&w->m->call_seq, w->m->call_seq + 1u, __ATOMIC_RELEASE);
	doorbell(w);
}

static uint64_t pick_handle(struct world *w, struct in *in)
{
	uint8_t i = in_u8(in);

	if (w->handle_count == 0 || i == 0xFF) {
		return in_u64(in);
	}
	return w->handles[i % w->handle_count];
}

static void op_lend(struct world *w, struct in *in)
{
	static const enum rheap_ffa_abi abis[] = { RHEAP_FFA_ABI_LEND,
						    RHEAP_FFA_ABI_SHARE,
						    RHEAP_FFA_ABI_DONATE };
	static const uint32_t funcs[] = { FFA_MEM_LEND_64, FFA_MEM_SHARE_64,
					  FFA_MEM_DONATE_64 };
	uint8_t sel = in_u8(in);
	struct rheap_ffa_receiver rx = { .endpoint_id = SDP_ID,
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_range r = {
		.address = k_addrs[in_u8(in) % (sizeof(k_addrs) / sizeof(k_addrs[0]))] +
			   (uint64_t)(in_u8(in) % 16u) * FFA_PAGE_SIZE,
		.page_count = 1u + in_u8(in) % 8u,
	};
	struct rheap_ffa_mem m = {
		.abi = abis[sel % 3u],
		.version = FFA_VERSION_1_1,
		.sender_id = BOARD_NW_ENDPOINT,
		.tag = RHEAP_USE_CASE_SECURE_VIDEO,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.range_count = 1,
		.ranges = &r,
		.range_cap = 1,
		.total_page_count = r.page_count,
	};
	struct rheap_ffa_regs regs = { .x = { funcs[sel % 3u] } };
	int len = rheap_ffa_mem_encode(&m, w->ram + TX_GPA, FFA_PAGE_SIZE, NULL);

	if (len <= 0) {
		return;
	}
	if (sel & 0x80) {
		w->ram[TX_GPA + in_u8(in) % (uint32_t)len] ^= in_u8(in);
	}
	regs.x[1] = (uint32_t)len;
	regs.x[2] = (uint32_t)len;
	post(w, &regs);
}

static void op_sock(struct world *w, struct in *in)
{
	struct board_status st = { 0 };
	struct board_ivshmem_stats before = { 0 };
	struct board_ivshmem_stats after = { 0 };
	uint8_t buf[16] = { 0 };
	uint8_t n = 1u + in_u8(in) % 16u;

	for (uint8_t i = 0; i < n; i++) {
		buf[i] = in_u8(in);
	}
	board_ivshmem_get_stats(w->iv, &before);
	if (buf[0] & 1) {
		check(send(w->sock, buf, n, MSG_NOSIGNAL) == n);
	} else {
		check(shutdown(w->sock, SHUT_WR) == 0);
	}
	check(board_ivshmem_poll(w->iv, 1000) >= 1);
	check(!board_ivshmem_guest_connected(w->iv));
	check(w->m->state == RHEAP_MBOX_STATE_DOWN);
	board_ivshmem_get_stats(w->iv, &after);
	board_status(w->b, &st);
	check(!st.nw_connected);
	check(st.spmc.live_shares == after.held - before.held);
	guest_close(w);
	w->handle_count = 0;
}

static void run(struct world *w, struct in *in)
{
	for (uint32_t op = 0; op < MAX_OPS && in->n; op++) {
		uint8_t c = in_u8(in);
		struct rheap_ffa_regs r = { 0 };
		struct rheap_diag diag = { 0 };

		if (w->sock < 0) {
			guest_connect(w);
		}
		switch (c % OP_COUNT) {
		case OP_CALL:
			r.x[0] = c & 0x80 ? in_u64(in) :
					    k_funcs[in_u8(in) % (sizeof(k_funcs) /
								 sizeof(k_funcs[0]))];
			for (uint32_t i = 1; i < 8; i++) {
				r.x[i] = c & 0x40 ? in_u64(in) : in_u8(in);
			}
			post(w, &r);
			break;
		case OP_HEADER: {
			uint32_t *hdr = (uint32_t *)w->m;

			hdr[in_u8(in) % 8u] = (uint32_t)in_u64(in);
			doorbell(w);
			break;
		}
		case OP_BYTES: {
			uint16_t off = (uint16_t)(in_u8(in) | in_u8(in) << 8);
			uint8_t n = in_u8(in) % 64u;
			uint8_t *p = (uint8_t *)w->m;

			for (uint8_t i = 0; i < n; i++) {
				p[(off + i) % RHEAP_MBOX_SHM_SIZE] = in_u8(in);
			}
			doorbell(w);
			break;
		}
		case OP_RXTX:
			r.x[0] = c & 0x80 ? FFA_RXTX_UNMAP : FFA_RXTX_MAP_64;
			if (c & 0x80) {
				r.x[1] = (uint64_t)BOARD_NW_ENDPOINT << 16;
			} else {
				uint8_t a = in_u8(in);

				r.x[1] = a & 0x10 ? k_addrs[a % 10u] : TX_GPA;
				r.x[2] = a & 0x20 ? k_addrs[(a >> 2) % 10u] : RX_GPA;
				r.x[3] = 1u + in_u8(in) % 2u;
			}
			post(w, &r);
			break;
		case OP_LEND:
			op_lend(w, in);
			break;
		case OP_SDP: {
			uint64_t h = pick_handle(w, in);

			r.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
			r.x[1] = (uint64_t)BOARD_NW_ENDPOINT << 16 |
				 (c & 0x80 ? in_u8(in) | 0x8000u : SDP_ID);
			r.x[3] = k_sdp[in_u8(in) % (sizeof(k_sdp) / sizeof(k_sdp[0]))];
			r.x[4] = (uint32_t)h;
			r.x[5] = (uint32_t)(h >> 32);
			r.x[6] = in_u8(in) % 4u;
			r.x[7] = in_u8(in) & 1u;
			post(w, &r);
			break;
		}
		case OP_RECLAIM: {
			uint64_t h = pick_handle(w, in);

			r.x[0] = FFA_MEM_RECLAIM;
			r.x[1] = (uint32_t)h;
			r.x[2] = (uint32_t)(h >> 32);
			r.x[3] = in_u8(in) & 1u;
			post(w, &r);
			break;
		}
		case OP_SOCK:
			op_sock(w, in);
			break;
		case OP_RING:
		default:
			doorbell(w);
			break;
		}
		check(spmc_check_invariants(board_spmc(w->b), &diag) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	struct world w = { .sock = -1, .board_efd = -1, .guest_efd = -1 };
	struct in in = { .p = data, .n = size };
	char path[64] = { 0 };
	FILE *log = getenv("FUZZ_MBOX_LOG") ? fdopen(dup(2), "w") : fopen("/dev/null", "w");
	void *p = NULL;

	load_tl();
	check(log != NULL);
	w.ram_fd = memfd_create("fuzz-guest-ram", MFD_CLOEXEC);
	check(w.ram_fd >= 0 && ftruncate(w.ram_fd, (off_t)GUEST_RAM) == 0);
	p = mmap(NULL, GUEST_RAM, PROT_READ | PROT_WRITE, MAP_SHARED, w.ram_fd, 0);
	check(p != MAP_FAILED);
	w.ram = p;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", w.ram_fd);
	opts.guest_ram = path;
	opts.log = log;
	opts.quiet = getenv("FUZZ_MBOX_LOG") == NULL;
	check(board_create(tl, tl_size, &opts, &w.b) == 0);
	check(board_ivshmem_create(w.b, NULL, &w.iv) == 0);
	run(&w, &in);
	guest_close(&w);
	board_ivshmem_destroy(w.iv);
	board_destroy(w.b);
	munmap(w.ram, GUEST_RAM);
	close(w.ram_fd);
	fclose(log);
	return 0;
}
