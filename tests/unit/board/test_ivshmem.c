// SPDX-License-Identifier: BSD-2-Clause
/*
 * The ivshmem transport (src/board/board_ivshmem.c, docs/ffa-mailbox.md),
 * without QEMU: the test plays QEMU and the guest kernel. It connects to
 * the board's ivshmem socket, checks the handshake of QEMU's ivshmem spec,
 * maps the mailbox memory and the guest RAM file (the linux-guest
 * platform's DRAM at PA 0), posts FF-A calls in x[], bumps call_seq, rings
 * the board's vector-0 eventfd and waits for the answer on its own. The
 * board runs in this thread (board_ivshmem_poll()), so every step is
 * deterministic; one test races a second thread against the board.
 *
 * Covered: the handshake and the mailbox header; VERSION, ID_GET,
 * FEATURES, PARTITION_INFO_GET, RXTX_MAP of guest pages, LEND of a
 * dynamic-pool chunk (tag secure-video) whose bytes leave the guest RAM
 * file while lent and read zero after RECLAIM, SDP assign / release direct
 * requests; on tmpfs and on the temp directory's file system. Hostile:
 * garbage in the board's header fields (ignored, rewritten), an unknown
 * function ID, addresses outside guest RAM or in a static pool, x[] and
 * call_seq rewritten while the board serves (single fetch, one answer per
 * call_seq), the guest dying mid-lend (everything reclaimed and scrubbed,
 * a next guest served), a second guest, a socket NW client in the way,
 * bytes and fds sent by the client, --guest-ram files that do not fit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
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
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>
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
#include "board_test_file.h"

#define SDP_ID 0x8001u
#define GUEST_RAM (UINT64_C(512) << 20)
#define TX_GPA UINT64_C(0x00100000)
#define RX_GPA UINT64_C(0x00101000)
#define DYN_GPA UINT64_C(0x04000000)   /* secure-video dynamic pool */
#define STATIC_GPA UINT64_C(0x1c000000) /* secure-video static pool */
#define CHUNK_PAGES 4u
#define WAIT_MS 2000

static uint8_t *guest_tl;
static size_t guest_tl_size;

/* One QEMU + guest. */
struct guest {
	int sock;
	int shm_fd;
	int board_efd; /* we ring it */
	int guest_efd; /* the board rings it */
	int64_t peer;
	struct rheap_mbox *mbox;
};

struct fixture {
	char dir[64];
	char ram_path[128];
	char sock_path[128];
	int ram_fd;
	uint8_t *ram; /* the guest's view of its RAM (QEMU's mapping) */
	struct board *b;
	struct board_ivshmem *iv;
	FILE *log;
	struct guest g;
};

static int load_tl(void **state)
{
	const char *path = getenv("RHEAP_GUEST_TL");

	(void)state;
	guest_tl = board_test_read_file(path, &guest_tl_size);
	return guest_tl ? 0 : -1;
}

static int free_tl(void **state)
{
	(void)state;
	free(guest_tl);
	return 0;
}

/* A sparse guest RAM file of @size bytes in @dir. */
static int make_ram(struct fixture *fx, const char *dir, uint64_t size)
{
	snprintf(fx->dir, sizeof(fx->dir), "%s/rheap-ivshmem-XXXXXX", dir);
	if (!mkdtemp(fx->dir)) {
		return -1;
	}
	snprintf(fx->ram_path, sizeof(fx->ram_path), "%s/ram", fx->dir);
	snprintf(fx->sock_path, sizeof(fx->sock_path), "%s/ivshmem.sock",
		 fx->dir);
	fx->ram_fd = open(fx->ram_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600);
	if (fx->ram_fd < 0 || ftruncate(fx->ram_fd, (off_t)size) != 0) {
		return -1;
	}
	return 0;
}

static int setup_in(void **state, const char *dir)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	void *p = NULL;

	assert_non_null(fx);
	fx->g.sock = -1;
	assert_int_equal(make_ram(fx, dir, GUEST_RAM), 0);
	p = mmap(NULL, GUEST_RAM, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fx->ram_fd, 0);
	assert_true(p != MAP_FAILED);
	fx->ram = p;
	fx->log = tmpfile();
	opts.log = fx->log;
	opts.guest_ram = fx->ram_path;
	assert_int_equal(board_create(guest_tl, guest_tl_size, &opts, &fx->b), 0);
	assert_int_equal(board_ivshmem_create(fx->b, fx->sock_path, &fx->iv), 0);
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	return setup_in(state, tmp && tmp[0] ? tmp : "/tmp");
}

static int setup_shm(void **state)
{
	return setup_in(state, "/dev/shm");
}

static void guest_close(struct guest *g)
{
	if (g->mbox) {
		munmap(g->mbox, RHEAP_MBOX_SHM_SIZE);
	}
	if (g->sock >= 0) {
		close(g->sock);
	}
	if (g->shm_fd >= 0) {
		close(g->shm_fd);
	}
	if (g->board_efd >= 0) {
		close(g->board_efd);
	}
	if (g->guest_efd >= 0) {
		close(g->guest_efd);
	}
	*g = (struct guest){ .sock = -1, .shm_fd = -1, .board_efd = -1,
			     .guest_efd = -1 };
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	guest_close(&fx->g);
	board_ivshmem_destroy(fx->iv);
	board_destroy(fx->b);
	munmap(fx->ram, GUEST_RAM);
	close(fx->ram_fd);
	unlink(fx->ram_path);
	unlink(fx->sock_path);
	rmdir(fx->dir);
	fclose(fx->log);
	free(fx);
	return 0;
}

static void check_invariants(struct fixture *fx)
{
	struct rheap_diag diag = { 0 };

	assert_int_equal(spmc_check_invariants(board_spmc(fx->b), &diag), 0);
}

static int connect_sock(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/*
 * One ivshmem server message as QEMU reads it: 8 bytes LE, maybe an fd.
 * Return: 1 with a message, 0 on EOF, -1 when nothing arrives in time.
 */
static int hs_recv(int sock, int64_t *value, int *fd)
{
	uint64_t le = 0;
	union {
		char space[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl = { { 0 } };
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.space,
			      .msg_controllen = sizeof(ctl.space) };
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	ssize_t n = 0;

	*fd = -1;
	if (poll(&pfd, 1, WAIT_MS) != 1) {
		return -1;
	}
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n == 0) {
		return 0;
	}
	assert_int_equal(n, 8);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		assert_int_equal(cm->cmsg_type, SCM_RIGHTS);
		assert_int_equal(cm->cmsg_len, CMSG_LEN(sizeof(int)));
		assert_int_equal(*fd, -1);
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	}
	*value = (int64_t)le;
	return 1;
}

/* Connects a guest, lets the board accept it and reads the handshake. */
static void guest_connect(struct fixture *fx, struct guest *g)
{
	int64_t v = 0;
	int fd = -1;
	struct stat st = { 0 };
	void *p = NULL;

	*g = (struct guest){ .sock = -1, .shm_fd = -1, .board_efd = -1,
			     .guest_efd = -1 };
	g->sock = connect_sock(fx->sock_path);
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	assert_true(board_ivshmem_guest_connected(fx->iv));
	/* 1. version 0, no fd */
	assert_int_equal(hs_recv(g->sock, &v, &fd), 1);
	assert_int_equal(v, 0);
	assert_int_equal(fd, -1);
	/* 2. our ID, no fd */
	assert_int_equal(hs_recv(g->sock, &v, &fd), 1);
	assert_int_equal(v, BOARD_IVSHMEM_GUEST_PEER);
	assert_int_equal(fd, -1);
	g->peer = v;
	/* 3. -1 with the shared memory */
	assert_int_equal(hs_recv(g->sock, &v, &fd), 1);
	assert_int_equal(v, -1);
	assert_true(fd >= 0);
	g->shm_fd = fd;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, RHEAP_MBOX_SHM_SIZE);
	assert_int_equal(fcntl(fd, F_GET_SEALS) &
				 (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	/* 4. the board peer, one eventfd per vector (one vector) */
	assert_int_equal(hs_recv(g->sock, &v, &fd), 1);
	assert_int_equal(v, BOARD_IVSHMEM_BOARD_PEER);
	assert_true(fd >= 0);
	g->board_efd = fd;
	/* 5. our own ID with our vector-0 eventfd */
	assert_int_equal(hs_recv(g->sock, &v, &fd), 1);
	assert_int_equal(v, g->peer);
	assert_true(fd >= 0);
	g->guest_efd = fd;
	/* Nothing more. */
	assert_int_equal(recv(g->sock, &v, sizeof(v), MSG_DONTWAIT), -1);
	p = mmap(NULL, RHEAP_MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 g->shm_fd, 0);
	assert_true(p != MAP_FAILED);
	g->mbox = p;
	assert_int_equal(g->mbox->magic, RHEAP_MBOX_MAGIC);
	assert_int_equal(g->mbox->version, RHEAP_MBOX_VERSION);
	assert_int_equal(g->mbox->board_peer, BOARD_IVSHMEM_BOARD_PEER);
	assert_int_equal(g->mbox->guest_peer, g->peer);
	assert_int_equal(g->mbox->state, RHEAP_MBOX_STATE_READY);
	assert_int_equal(g->mbox->call_seq, g->mbox->done_seq);
}

static void ring(int efd)
{
	uint64_t one = 1;

	assert_int_equal(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

/* Whether the board rang us (drains the eventfd). */
static bool rung(struct guest *g)
{
	uint64_t count = 0;

	return read(g->guest_efd, &count, sizeof(count)) == sizeof(count) &&
	       count > 0;
}

/* The guest's side of one call: post, ring, let the board run, read. */
static void guest_call(struct fixture *fx, const struct rheap_ffa_regs *req,
		       struct rheap_ffa_regs *resp)
{
	struct guest *g = &fx->g;
	uint32_t seq = g->mbox->call_seq + 1u;

	for (uint32_t i = 0; i < RHEAP_MBOX_REGS; i++) {
		g->mbox->x[i] = req->x[i];
	}
	__atomic_store_n(&g->mbox->call_seq, seq, __ATOMIC_RELEASE);
	ring(g->board_efd);
	assert_int_equal(board_ivshmem_poll(fx->iv, WAIT_MS), 1);
	assert_true(rung(g));
	assert_int_equal(__atomic_load_n(&g->mbox->done_seq, __ATOMIC_ACQUIRE),
			 seq);
	for (uint32_t i = 0; i < RHEAP_MBOX_REGS; i++) {
		resp->x[i] = g->mbox->x[i];
	}
	check_invariants(fx);
}

static int32_t ffa_status(const struct rheap_ffa_regs *r)
{
	return (uint32_t)r->x[0] == FFA_ERROR ? (int32_t)(uint32_t)r->x[2] : 0;
}

static int32_t call(struct fixture *fx, const struct rheap_ffa_call *c,
		    struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_regs req = { 0 };

	assert_int_equal(rheap_ffa_call_pack(c, &req), 0);
	guest_call(fx, &req, resp);
	return ffa_status(resp);
}

static int32_t rxtx_map(struct fixture *fx, uint64_t tx, uint64_t rx)
{
	struct rheap_ffa_call c = { .func = FFA_RXTX_MAP_64 };
	struct rheap_ffa_regs resp = { 0 };

	c.args.rxtx_map.tx_address = tx;
	c.args.rxtx_map.rx_address = rx;
	c.args.rxtx_map.page_count = 1;
	return call(fx, &c, &resp);
}

static int32_t lend(struct fixture *fx, uint64_t pa, uint32_t pages,
		    uint64_t *handle)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = SDP_ID,
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_range r = { .address = pa, .page_count = pages };
	struct rheap_ffa_mem m = {
		.abi = RHEAP_FFA_ABI_LEND,
		.version = FFA_VERSION_1_1,
		.sender_id = BOARD_NW_ENDPOINT,
		.tag = RHEAP_USE_CASE_SECURE_VIDEO,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.range_count = 1,
		.ranges = &r,
		.range_cap = 1,
		.total_page_count = pages,
	};
	struct rheap_ffa_call c = { .func = FFA_MEM_LEND_64 };
	struct rheap_ffa_regs resp = { 0 };
	int len = rheap_ffa_mem_encode(&m, fx->ram + TX_GPA, FFA_PAGE_SIZE,
				       NULL);
	int32_t st = 0;

	assert_true(len > 0);
	c.args.mem_xfer.total_length = (uint32_t)len;
	c.args.mem_xfer.fragment_length = (uint32_t)len;
	st = call(fx, &c, &resp);
	if (st == 0) {
		assert_int_equal((uint32_t)resp.x[0], FFA_SUCCESS_32);
		*handle = (resp.x[2] & UINT32_MAX) | (resp.x[3] & UINT32_MAX) << 32;
	}
	return st;
}

static int32_t reclaim(struct fixture *fx, uint64_t handle)
{
	struct rheap_ffa_call c = { .func = FFA_MEM_RECLAIM };
	struct rheap_ffa_regs resp = { 0 };

	c.args.reclaim.handle = handle;
	return call(fx, &c, &resp);
}

/* An SDP direct request (32-bit): w3 command, w4..w7; status w3. */
static int32_t sdp(struct fixture *fx, uint32_t cmd, const uint32_t w[4],
		   uint32_t out[2])
{
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };

	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[1] = (uint64_t)BOARD_NW_ENDPOINT << 16 | SDP_ID;
	req.x[3] = cmd;
	for (uint32_t i = 0; i < 4; i++) {
		req.x[4 + i] = w[i];
	}
	guest_call(fx, &req, &resp);
	assert_int_equal((uint32_t)resp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	assert_int_equal((uint32_t)resp.x[1],
			 (uint32_t)SDP_ID << 16 | BOARD_NW_ENDPOINT);
	if (out) {
		out[0] = (uint32_t)resp.x[4];
		out[1] = (uint32_t)resp.x[5];
	}
	return (int32_t)(uint32_t)resp.x[3];
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			return false;
		}
	}
	return true;
}

/* The file's bytes at @gpa, read through the fd (not QEMU's mapping). */
static void file_read(struct fixture *fx, uint64_t gpa, void *buf, size_t n)
{
	assert_int_equal(pread(fx->ram_fd, buf, n, (off_t)gpa), (ssize_t)n);
}

static void test_handshake_and_basic_calls(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_call c = { .func = FFA_VERSION };
	struct rheap_ffa_regs resp = { 0 };
	struct board_status st = { 0 };

	guest_connect(fx, &fx->g);
	board_status(fx->b, &st);
	assert_true(st.nw_connected);

	c.args.version.version = FFA_VERSION_1_1;
	assert_int_equal(call(fx, &c, &resp), 0);
	assert_int_equal((uint32_t)resp.x[0], FFA_VERSION_1_1);

	c = (struct rheap_ffa_call){ .func = FFA_ID_GET };
	assert_int_equal(call(fx, &c, &resp), 0);
	assert_int_equal((uint32_t)resp.x[0], FFA_SUCCESS_32);
	assert_int_equal((uint32_t)resp.x[2], BOARD_NW_ENDPOINT);

	c = (struct rheap_ffa_call){ .func = FFA_FEATURES };
	c.args.features.feature_id = FFA_MEM_LEND_64;
	assert_int_equal(call(fx, &c, &resp), 0);

	/* Before RXTX_MAP, PARTITION_INFO_GET has no RX buffer to fill. */
	assert_int_equal(rxtx_map(fx, TX_GPA, RX_GPA), 0);
	c = (struct rheap_ffa_call){ .func = FFA_PARTITION_INFO_GET };
	assert_int_equal(call(fx, &c, &resp), 0);
	assert_int_equal((uint32_t)resp.x[2], 1); /* one partition: sdp */
	assert_int_equal(fx->ram[RX_GPA] | fx->ram[RX_GPA + 1] << 8, SDP_ID);
	c = (struct rheap_ffa_call){ .func = FFA_RX_RELEASE };
	assert_int_equal(call(fx, &c, &resp), 0);
	assert_int_equal(fx->g.mbox->calls, 6);
	assert_int_equal(fx->g.mbox->state, RHEAP_MBOX_STATE_READY);

	/* A ring without a new call_seq: no answer, the guest not rung. */
	ring(fx->g.board_efd);
	assert_int_equal(board_ivshmem_poll(fx->iv, WAIT_MS), 1);
	assert_false(rung(&fx->g));
	assert_int_equal(fx->g.mbox->calls, 6);
}

static void lend_cycle(struct fixture *fx)
{
	uint8_t pattern[FFA_PAGE_SIZE];
	uint8_t buf[FFA_PAGE_SIZE];
	uint64_t handle = 0;
	uint32_t out[2] = { 0 };
	struct board_status st = { 0 };

	guest_connect(fx, &fx->g);
	assert_int_equal(rxtx_map(fx, TX_GPA, RX_GPA), 0);
	/* The guest's bytes in the chunk before the lend. */
	memset(pattern, 0xA5, sizeof(pattern));
	for (uint32_t i = 0; i < CHUNK_PAGES; i++) {
		memcpy(fx->ram + DYN_GPA + i * FFA_PAGE_SIZE, pattern,
		       sizeof(pattern));
	}
	assert_int_equal(lend(fx, DYN_GPA, CHUNK_PAGES, &handle), 0);
	/* Gone from the file and from QEMU's mapping while lent. */
	for (uint32_t i = 0; i < CHUNK_PAGES; i++) {
		file_read(fx, DYN_GPA + i * FFA_PAGE_SIZE, buf, sizeof(buf));
		assert_true(all_zero(buf, sizeof(buf)));
		assert_true(all_zero(fx->ram + DYN_GPA + i * FFA_PAGE_SIZE,
				     FFA_PAGE_SIZE));
	}
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, CHUNK_PAGES);
	/* The SDP partition takes it, and gives it back. */
	assert_int_equal(sdp(fx, SDP_CMD_ASSIGN,
			     (const uint32_t[4]){ (uint32_t)handle,
						  (uint32_t)(handle >> 32),
						  RHEAP_USE_CASE_SECURE_VIDEO, 0 },
			     out),
			 0);
	assert_int_equal(out[1], CHUNK_PAGES);
	/* Still assigned: the sender cannot reclaim (FFA_DENIED / BUSY). */
	assert_true(reclaim(fx, handle) < 0);
	assert_int_equal(sdp(fx, SDP_CMD_RELEASE,
			     (const uint32_t[4]){ (uint32_t)handle,
						  (uint32_t)(handle >> 32), 0, 0 },
			     NULL),
			 0);
	assert_int_equal(reclaim(fx, handle), 0);
	/* Back in the file, scrubbed: the pattern is gone for good. */
	for (uint32_t i = 0; i < CHUNK_PAGES; i++) {
		file_read(fx, DYN_GPA + i * FFA_PAGE_SIZE, buf, sizeof(buf));
		assert_true(all_zero(buf, sizeof(buf)));
	}
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, 0);
	assert_int_equal(st.spmc.live_shares, 0);
	/* Guest RAM that was never lent keeps its bytes. */
	fx->ram[DYN_GPA + 0x100000] = 0x5a;
	file_read(fx, DYN_GPA + 0x100000, buf, 1);
	assert_int_equal(buf[0], 0x5a);
}

static void test_lend_cycle(void **state)
{
	lend_cycle(*state);
}

static void test_lend_cycle_tmpfs(void **state)
{
	lend_cycle(*state);
}

static void test_header_garbage_ignored(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_call c = { .func = FFA_ID_GET };
	struct rheap_ffa_regs resp = { 0 };
	struct rheap_mbox *m = NULL;

	guest_connect(fx, &fx->g);
	m = fx->g.mbox;
	m->magic = 0xdeadbeef;
	m->version = 77;
	m->board_peer = 9;
	m->guest_peer = 9;
	m->state = RHEAP_MBOX_STATE_DOWN;
	m->calls = 1234;
	m->done_seq = 41; /* the board's own copy says 0 */
	assert_int_equal(call(fx, &c, &resp), 0);
	assert_int_equal((uint32_t)resp.x[2], BOARD_NW_ENDPOINT);
	assert_int_equal(m->magic, RHEAP_MBOX_MAGIC);
	assert_int_equal(m->version, RHEAP_MBOX_VERSION);
	assert_int_equal(m->board_peer, BOARD_IVSHMEM_BOARD_PEER);
	assert_int_equal(m->guest_peer, BOARD_IVSHMEM_GUEST_PEER);
	assert_int_equal(m->state, RHEAP_MBOX_STATE_READY);
	assert_int_equal(m->calls, 1);
}

static void test_unknown_function(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_regs req = { .x = { 0x840000FFu, 1, 2, 3 } };
	struct rheap_ffa_regs resp = { 0 };
	static const uint64_t others[] = {
		0, UINT64_MAX, 0xC4000099u, 0x840000FFu | (UINT64_C(1) << 32),
		0x52480005u, /* BOARD_MSG_DEVICE: socket transport only */
	};

	guest_connect(fx, &fx->g);
	guest_call(fx, &req, &resp);
	assert_int_equal((uint32_t)resp.x[0], FFA_ERROR);
	assert_int_equal((int32_t)(uint32_t)resp.x[2], FFA_NOT_SUPPORTED);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		req.x[0] = others[i];
		guest_call(fx, &req, &resp);
		assert_int_equal((uint32_t)resp.x[0], FFA_ERROR);
		assert_true((int32_t)(uint32_t)resp.x[2] < 0);
	}
}

static void test_bad_addresses(void **state)
{
	struct fixture *fx = *state;
	uint64_t handle = 0;
	struct board_status st = { 0 };

	guest_connect(fx, &fx->g);
	/* Mailboxes outside guest RAM, in a static pool, wrapping. */
	assert_true(rxtx_map(fx, GUEST_RAM, GUEST_RAM + 0x1000) < 0);
	assert_true(rxtx_map(fx, UINT64_C(0x40000000), RX_GPA) < 0);
	assert_true(rxtx_map(fx, STATIC_GPA, STATIC_GPA + 0x1000) < 0);
	assert_true(rxtx_map(fx, TX_GPA, UINT64_C(0xFFFFFFFFFFFFF000)) < 0);
	assert_int_equal(rxtx_map(fx, TX_GPA, RX_GPA), 0);
	/* Lends of what is not the guest's NS RAM. */
	assert_true(lend(fx, STATIC_GPA, 1, &handle) < 0);
	assert_true(lend(fx, UINT64_C(0x1e000000), 1, &handle) < 0);
	assert_true(lend(fx, GUEST_RAM - 0x1000, 2, &handle) < 0);
	assert_true(lend(fx, UINT64_C(0x40000000), 1, &handle) < 0);
	/* Its own TX page is not a dynamic pool's either way: no state. */
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.live_shares, 0);
	assert_int_equal(st.spmc.protected_pages, 0);
}

struct racer {
	struct rheap_mbox *m;
	volatile bool stop;
	uint64_t writes;
};

static void *race_thread(void *arg)
{
	struct racer *r = arg;
	uint64_t v = 0x9e3779b97f4a7c15u;

	while (!r->stop) {
		v ^= v << 13;
		v ^= v >> 7;
		v ^= v << 17;
		__atomic_store_n(&r->m->x[v % RHEAP_MBOX_REGS], v,
				 __ATOMIC_RELAXED);
		if ((v & 0xF) == 0) {
			__atomic_store_n(&r->m->call_seq, (uint32_t)(v >> 32),
					 __ATOMIC_RELAXED);
		}
		r->writes++;
	}
	return NULL;
}

static void test_seq_race(void **state)
{
	struct fixture *fx = *state;
	struct racer r = { 0 };
	pthread_t th;
	uint64_t served = 0;
	struct rheap_ffa_call c = { .func = FFA_ID_GET };
	struct rheap_ffa_regs resp = { 0 };

	guest_connect(fx, &fx->g);
	assert_int_equal(rxtx_map(fx, TX_GPA, RX_GPA), 0);
	r.m = fx->g.mbox;
	assert_int_equal(pthread_create(&th, NULL, race_thread, &r), 0);
	for (uint32_t i = 0; i < 2000; i++) {
		ring(fx->g.board_efd);
		assert_int_equal(board_ivshmem_poll(fx->iv, WAIT_MS), 1);
		served += rung(&fx->g) ? 1u : 0u;
		check_invariants(fx);
	}
	r.stop = true;
	pthread_join(th, NULL);
	assert_true(r.writes > 0);
	/* Rung exactly once per call answered, at most once per doorbell. */
	assert_true(served <= 2000);
	/* The mailbox still works for an honest guest afterwards. */
	assert_int_equal(call(fx, &c, &resp), 0);
	assert_int_equal((uint32_t)resp.x[2], BOARD_NW_ENDPOINT);
	/* An answer is final: rewriting x[] without a new call_seq is ignored. */
	fx->g.mbox->x[0] = FFA_VERSION;
	ring(fx->g.board_efd);
	assert_int_equal(board_ivshmem_poll(fx->iv, WAIT_MS), 1);
	assert_false(rung(&fx->g));
	assert_int_equal(fx->g.mbox->x[0], FFA_VERSION);
}

/* The guest dies with a chunk lent and assigned: all of it comes back. */
static void test_death_mid_lend(void **state)
{
	struct fixture *fx = *state;
	struct board_status st = { 0 };
	struct board_ivshmem_stats ist = { 0 };
	uint8_t buf[FFA_PAGE_SIZE];
	uint64_t h1 = 0;
	uint64_t h2 = 0;
	uint32_t out[2] = { 0 };

	guest_connect(fx, &fx->g);
	assert_int_equal(rxtx_map(fx, TX_GPA, RX_GPA), 0);
	memset(fx->ram + DYN_GPA, 0x77, CHUNK_PAGES * FFA_PAGE_SIZE);
	assert_int_equal(lend(fx, DYN_GPA, CHUNK_PAGES, &h1), 0);
	assert_int_equal(lend(fx, DYN_GPA + CHUNK_PAGES * FFA_PAGE_SIZE,
			      CHUNK_PAGES, &h2),
			 0);
	assert_int_equal(sdp(fx, SDP_CMD_ASSIGN,
			     (const uint32_t[4]){ (uint32_t)h1, (uint32_t)(h1 >> 32),
						  RHEAP_USE_CASE_SECURE_VIDEO, 0 },
			     out),
			 0);
	/* The secure side writes into the assigned chunk (the guest cannot). */
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, 2 * CHUNK_PAGES);

	/* qemu killed: the socket closes. */
	close(fx->g.sock);
	fx->g.sock = -1;
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	assert_false(board_ivshmem_guest_connected(fx->iv));
	assert_int_equal(fx->g.mbox->state, RHEAP_MBOX_STATE_DOWN);
	board_status(fx->b, &st);
	assert_false(st.nw_connected);
	assert_int_equal(st.spmc.live_shares, 0);
	assert_int_equal(st.spmc.protected_pages, 0);
	check_invariants(fx);
	board_ivshmem_get_stats(fx->iv, &ist);
	assert_int_equal(ist.reclaimed, 2);
	assert_int_equal(ist.held, 0);
	for (uint32_t i = 0; i < 2 * CHUNK_PAGES; i++) {
		file_read(fx, DYN_GPA + i * FFA_PAGE_SIZE, buf, sizeof(buf));
		assert_true(all_zero(buf, sizeof(buf)));
	}
	guest_close(&fx->g);
	/* The next guest (qemu restarted on the same RAM file) lends again. */
	guest_connect(fx, &fx->g);
	assert_int_equal(fx->g.mbox->calls, 0);
	assert_int_equal(rxtx_map(fx, TX_GPA, RX_GPA), 0);
	assert_int_equal(lend(fx, DYN_GPA, CHUNK_PAGES, &h1), 0);
	assert_int_equal(reclaim(fx, h1), 0);
}

static void test_death_mid_lend_tmpfs(void **state)
{
	test_death_mid_lend(state);
}

static void test_second_guest_refused(void **state)
{
	struct fixture *fx = *state;
	struct board_ivshmem_stats ist = { 0 };
	struct rheap_ffa_call c = { .func = FFA_ID_GET };
	struct rheap_ffa_regs resp = { 0 };
	int64_t v = 0;
	int fd = -1;
	int second = -1;

	guest_connect(fx, &fx->g);
	second = connect_sock(fx->sock_path);
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	assert_int_equal(hs_recv(second, &v, &fd), 0); /* closed, no message */
	close(second);
	board_ivshmem_get_stats(fx->iv, &ist);
	assert_int_equal(ist.refused, 1);
	assert_int_equal(ist.guests, 1);
	assert_true(board_ivshmem_guest_connected(fx->iv));
	assert_int_equal(call(fx, &c, &resp), 0);
}

static void test_socket_nw_excludes(void **state)
{
	struct fixture *fx = *state;
	uint16_t ep = 0;
	int64_t v = 0;
	int fd = -1;
	int sock = -1;

	/* A socket NW client holds the endpoint: the guest is refused. */
	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	sock = connect_sock(fx->sock_path);
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	assert_int_equal(hs_recv(sock, &v, &fd), 0);
	close(sock);
	assert_false(board_ivshmem_guest_connected(fx->iv));
	board_nw_disconnect(fx->b, ep);
	/* A guest holds it: the socket NW client's connect is -EBUSY. */
	guest_connect(fx, &fx->g);
	assert_int_equal(board_nw_connect(fx->b, &ep), -EBUSY);
}

/* The client sends a byte, or an fd: the guest is dropped. */
static void test_client_traffic_drops(void **state)
{
	struct fixture *fx = *state;
	struct board_ivshmem_stats ist = { 0 };
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { { 0 } };
	uint8_t byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.space,
			      .msg_controllen = sizeof(ctl.space) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int64_t v = 0;
	int fd = -1;

	guest_connect(fx, &fx->g);
	assert_int_equal(send(fx->g.sock, "\x01\x00\x00\x00\x00\x00\x00\x00", 8, 0), 8);
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	assert_false(board_ivshmem_guest_connected(fx->iv));
	assert_int_equal(hs_recv(fx->g.sock, &v, &fd), 0);
	guest_close(&fx->g);

	guest_connect(fx, &fx->g);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &devnull, sizeof(int));
	assert_int_equal(sendmsg(fx->g.sock, &msg, 0), 1);
	close(devnull);
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	assert_false(board_ivshmem_guest_connected(fx->iv));
	board_ivshmem_get_stats(fx->iv, &ist);
	assert_int_equal(ist.dropped, 2);
	assert_int_equal(ist.guests, 2);
	guest_close(&fx->g);
	/* Half-close (shutdown of the write side) is a guest death too. */
	guest_connect(fx, &fx->g);
	assert_int_equal(shutdown(fx->g.sock, SHUT_WR), 0);
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	assert_false(board_ivshmem_guest_connected(fx->iv));
}

/* A connection that leaves before the board accepts it, then a good one. */
static void test_vanishing_client(void **state)
{
	struct fixture *fx = *state;
	int sock = connect_sock(fx->sock_path);
	struct rheap_ffa_call c = { .func = FFA_ID_GET };
	struct rheap_ffa_regs resp = { 0 };

	close(sock);
	assert_true(board_ivshmem_poll(fx->iv, WAIT_MS) >= 1);
	/* Accepted, the handshake may or may not fail; then EOF drops it. */
	(void)board_ivshmem_poll(fx->iv, 100);
	assert_false(board_ivshmem_guest_connected(fx->iv));
	guest_connect(fx, &fx->g);
	assert_int_equal(call(fx, &c, &resp), 0);
}

/* The pure dispatch, without sockets: bytes in, answer out. */
static void test_mbox_pure(void **state)
{
	struct fixture *fx = *state;
	struct board_mbox_state st = { 0 };
	uint64_t mem[RHEAP_MBOX_SHM_SIZE / 8] = { 0 };
	struct rheap_mbox *m = (struct rheap_mbox *)mem;
	uint16_t ep = 0;

	board_mbox_init(m, &st, 7);
	assert_int_equal(m->magic, RHEAP_MBOX_MAGIC);
	assert_int_equal(m->guest_peer, 7);
	assert_int_equal(board_mbox_serve(fx->b, m, &st), 0);
	/* No NW endpoint connected: DENIED, as board_call() answers. */
	m->x[0] = FFA_ID_GET;
	m->call_seq = 1;
	assert_int_equal(board_mbox_serve(fx->b, m, &st), 1);
	assert_int_equal((uint32_t)m->x[0], FFA_ERROR);
	assert_int_equal((int32_t)(uint32_t)m->x[2], FFA_DENIED);
	assert_int_equal(m->done_seq, 1);
	assert_int_equal(board_mbox_serve(fx->b, m, &st), 0);
	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	memset(m->x, 0, sizeof(m->x)); /* x[] still holds the last answer */
	m->x[0] = FFA_ID_GET;
	m->call_seq = 0xFFFFFFFFu; /* any change is a call, wrap included */
	assert_int_equal(board_mbox_serve(fx->b, m, &st), 1);
	assert_int_equal((uint32_t)m->x[2], BOARD_NW_ENDPOINT);
	assert_int_equal(m->done_seq, 0xFFFFFFFFu);
	assert_int_equal(m->calls, 2);
	board_mbox_down(m);
	assert_int_equal(m->state, RHEAP_MBOX_STATE_DOWN);
	board_nw_disconnect(fx->b, ep);
}

/* --guest-ram refusals: size, platform without DRAM at PA 0, missing. */
static void test_guest_ram_refused(void **state)
{
	struct fixture fx2 = { 0 };
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	const char *dtl = getenv("RHEAP_DEFAULT_TL");
	struct board *b = NULL;
	uint8_t *tl = NULL;
	size_t tl_size = 0;
	char line[512] = { 0 };
	bool named = false;

	(void)state;
	opts.log = tmpfile();
	assert_int_equal(make_ram(&fx2, "/tmp", GUEST_RAM / 2), 0);
	opts.guest_ram = fx2.ram_path;
	assert_int_equal(board_create(guest_tl, guest_tl_size, &opts, &b), -EINVAL);
	rewind(opts.log);
	while (fgets(line, sizeof(line), opts.log)) {
		named = named || (strstr(line, "268435456 bytes") &&
				  strstr(line, "536870912 bytes"));
	}
	assert_true(named);
	/* The default platform's DRAM starts at 0x8000_0000. */
	assert_non_null(dtl);
	tl = board_test_read_file(dtl, &tl_size);
	assert_non_null(tl);
	assert_int_equal(ftruncate(fx2.ram_fd, (off_t)GUEST_RAM), 0);
	assert_int_equal(board_create(tl, tl_size, &opts, &b), -EINVAL);
	free(tl);
	/* Missing file; a directory. */
	opts.guest_ram = "/nonexistent/rheap-guest-ram";
	assert_int_equal(board_create(guest_tl, guest_tl_size, &opts, &b), -ENOENT);
	opts.guest_ram = fx2.dir;
	assert_int_equal(board_create(guest_tl, guest_tl_size, &opts, &b), -EINVAL);
	close(fx2.ram_fd);
	unlink(fx2.ram_path);
	rmdir(fx2.dir);
	fclose(opts.log);
}

/*
 * The arm64 guest's platform (linux-guest-arm64.dts): its one DRAM bank at
 * 0x4000_0000, the virt machine's RAM base, takes the RAM file too.
 */
static void test_guest_ram_arm64(void **state)
{
	struct fixture fx2 = { 0 };
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	const char *path = getenv("RHEAP_GUEST_ARM64_TL");
	struct board *b = NULL;
	uint8_t *tl = NULL;
	size_t tl_size = 0;

	(void)state;
	assert_non_null(path);
	tl = board_test_read_file(path, &tl_size);
	assert_non_null(tl);
	opts.log = tmpfile();
	assert_int_equal(make_ram(&fx2, "/tmp", 2 * GUEST_RAM), 0); /* 1 GiB */
	opts.guest_ram = fx2.ram_path;
	assert_int_equal(board_create(tl, tl_size, &opts, &b), 0);
	board_destroy(b);
	/* Another size is refused there as at PA 0. */
	assert_int_equal(ftruncate(fx2.ram_fd, (off_t)GUEST_RAM), 0);
	assert_int_equal(board_create(tl, tl_size, &opts, &b), -EINVAL);
	free(tl);
	close(fx2.ram_fd);
	unlink(fx2.ram_path);
	rmdir(fx2.dir);
	fclose(opts.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_basic_calls,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_cycle, setup, teardown),
		cmocka_unit_test(test_guest_ram_arm64),
		cmocka_unit_test_setup_teardown(test_lend_cycle_tmpfs, setup_shm,
						teardown),
		cmocka_unit_test_setup_teardown(test_header_garbage_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_function, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_addresses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seq_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_death_mid_lend, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_death_mid_lend_tmpfs,
						setup_shm, teardown),
		cmocka_unit_test_setup_teardown(test_second_guest_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_nw_excludes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_traffic_drops,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vanishing_client, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mbox_pure, setup, teardown),
		cmocka_unit_test(test_guest_ram_refused),
	};

	return cmocka_run_group_tests(tests, load_tl, free_tl);
}
