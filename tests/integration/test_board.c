// SPDX-License-Identifier: BSD-2-Clause
/*
 * End-to-end test of rheap-board over its real socket: each case starts
 * the built rheap-board on a fresh socket with the default Transfer List
 * and talks to it through nw_client, as rheapd will.
 *
 *   test_board RHEAP_BOARD DEFAULT_TL
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_regs.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "board/board_msg.h"
#include "board/nw_client.h"
#include "util/json.h"

/* Default platform facts (platforms/default.dts). */
#define SDP_ID 0x8001u
#define SV_DYN_BASE UINT64_C(0x8ef000000) /* secure-video dynamic pool */
#define SV_STATIC_BASE UINT64_C(0xe0000000)
#define TX_PA UINT64_C(0x80000000)
#define RX_PA (TX_PA + FFA_PAGE_SIZE)
#define CHUNK_PAGES 16u

static const char *board_bin;
static const char *default_tl;

struct board_proc {
	pid_t pid;
	char dir[64];
	char sock[96];
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int board_start(void **state)
{
	struct board_proc *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	snprintf(p->dir, sizeof(p->dir), "/tmp/rheap-board-test-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->sock, sizeof(p->sock), "%s/board.sock", p->dir);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		execl(board_bin, board_bin, "--tl", default_tl, "--socket",
		      p->sock, "--quiet", (char *)NULL);
		_exit(127);
	}
	/* Wait for the socket to appear (boot takes milliseconds, but
	 * seconds for an ASan build on a loaded host). */
	for (int i = 0; i < 3000; i++) {
		struct stat st = { 0 };

		if (stat(p->sock, &st) == 0) {
			break;
		}
		sleep_ms(10);
	}
	*state = p;
	return 0;
}

static int board_stop(void **state)
{
	struct board_proc *p = *state;
	char sink[sizeof(p->dir) + 8];
	int status = 0;

	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		waitpid(p->pid, &status, 0);
	}
	unlink(p->sock);
	/* The board's default display sink directory, next to its socket. */
	(void)snprintf(sink, sizeof(sink), "%s/sink", p->dir);
	rmdir(sink);
	rmdir(p->dir);
	free(p);
	return 0;
}

static struct nw_client *nw_connect(const struct board_proc *p)
{
	struct nw_client *c = NULL;
	int rc = -EBUSY;

	/* The board may still be closing a previous NW connection (its
	 * teardown runs the SDP partition's too; up to 10 s on a loaded host). */
	for (int i = 0; i < 1000 && rc == -EBUSY; i++) {
		rc = nw_client_connect(p->sock, BOARD_CONN_NW, &c);
		if (rc == -EBUSY) {
			sleep_ms(10);
		}
	}
	assert_int_equal(rc, 0);
	return c;
}

static void nw_setup(struct nw_client *c)
{
	uint32_t v = 0;
	uint16_t id = 0;

	assert_int_equal(nw_client_version(c, FFA_VERSION_1_2, &v), 0);
	assert_true(v >= FFA_VERSION_1_1);
	assert_int_equal(nw_client_id_get(c, &id), 0);
	assert_int_equal(id, 0x0001);
	assert_int_equal(nw_client_id(c), 0x0001);
	assert_int_equal(nw_client_rxtx_map(c, TX_PA, RX_PA, 1), 0);
}

/* Reads one member of the status JSON: "spmc.protected_pages" etc. */
static uint64_t status_get(const struct board_proc *p, const char *obj,
			   const char *key, uint16_t ep)
{
	struct nw_client *op = NULL;
	struct json_doc *doc = NULL;
	const struct json_value *root = NULL;
	const struct json_value *v = NULL;
	char *json = NULL;
	size_t len = 0;
	uint64_t out = 0;

	assert_int_equal(nw_client_connect(p->sock, BOARD_CONN_OPERATOR, &op), 0);
	assert_int_equal(nw_client_status(op, &json, &len), 0);
	assert_int_equal(strlen(json), len);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	root = json_root(doc);
	if (ep) {
		const struct json_value *eps = json_object_get(root, "endpoints");

		assert_non_null(eps);
		for (const struct json_value *e = eps->child; e; e = e->next) {
			uint64_t id = 0;

			assert_int_equal(json_get_u64(json_object_get(e, "id"), &id), 0);
			if (id == ep) {
				v = json_object_get(e, key);
			}
		}
	} else {
		v = json_object_get(obj ? json_object_get(root, obj) : root, key);
	}
	assert_non_null(v);
	if (json_get_u64(v, &out) != 0) {
		bool b = false;

		assert_int_equal(json_get_bool(v, &b), 0);
		out = b;
	}
	json_free(doc);
	free(json);
	nw_client_destroy(op);
	return out;
}

static void fill_chunk(struct nw_client *c, uint8_t byte)
{
	void *ptr = NULL;

	assert_int_equal(nw_client_pa_ptr(c, SV_DYN_BASE,
					  CHUNK_PAGES * FFA_PAGE_SIZE, &ptr), 0);
	memset(ptr, byte, CHUNK_PAGES * FFA_PAGE_SIZE);
}

static bool chunk_is_zero(struct nw_client *c)
{
	uint8_t *ptr = NULL;

	assert_int_equal(nw_client_pa_ptr(c, SV_DYN_BASE,
					  CHUNK_PAGES * FFA_PAGE_SIZE,
					  (void **)&ptr), 0);
	for (size_t i = 0; i < CHUNK_PAGES * FFA_PAGE_SIZE; i++) {
		if (ptr[i] != 0) {
			return false;
		}
	}
	return true;
}

static uint64_t lend_chunk(struct nw_client *c)
{
	struct rheap_ffa_range r = { .address = SV_DYN_BASE,
				     .page_count = CHUNK_PAGES };
	uint64_t handle = 0;

	assert_int_equal(nw_client_lend(c, SDP_ID, RHEAP_USE_CASE_SECURE_VIDEO,
					&r, 1, 0, &handle, NULL), 0);
	return handle;
}

/* VERSION, ID_GET, RXTX_MAP, LEND (protected, accounted), RECLAIM. */
static void test_lend_reclaim(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	uint64_t handle = 0;

	assert_false(nw_client_flags(c) & BOARD_HELLO_FLAG_ENFORCED);
	assert_int_equal(nw_client_dram_count(c), 2);
	nw_setup(c);
	fill_chunk(c, 0xA5);
	handle = lend_chunk(c);
	/* Gone from this process's mapping: it reads zeros (T16). */
	assert_true(chunk_is_zero(c));
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0), CHUNK_PAGES);
	assert_int_equal(status_get(p, "spmc", "pool_pages", 0), CHUNK_PAGES);
	assert_int_equal(status_get(p, NULL, "pages_lent", 1), CHUNK_PAGES);
	assert_int_equal(status_get(p, NULL, "live_handles", 1), 1);
	/* Static carve-outs (coalesced) plus the chunk. */
	assert_int_equal(status_get(p, "tzasc", "used", 0), 2);

	assert_int_equal(nw_client_reclaim(c, handle, 0), 0);
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0), 0);
	assert_int_equal(status_get(p, NULL, "live_handles", 1), 0);
	assert_int_equal(status_get(p, "tzasc", "used", 0), 1);
	/* Pool memory is scrubbed on reclaim (R3). */
	assert_true(chunk_is_zero(c));
	/* A stale handle is refused. */
	assert_int_equal(nw_client_reclaim(c, handle, 0), -EINVAL);
	nw_client_destroy(c);
}

static uint8_t plain_byte(size_t i)
{
	return (uint8_t)(i * 29u + 3u);
}

/*
 * A plain LEND (outside any pool, no CLEAR): the pages leave this
 * process's own mapping of the board's memfd while lent, and come back
 * with their contents at reclaim, whatever was written meanwhile.
 */
static void test_lend_leaves_nw_mapping(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	const uint64_t pa = TX_PA + 64 * FFA_PAGE_SIZE;
	const size_t len = 4 * FFA_PAGE_SIZE;
	struct rheap_ffa_range r = { .address = pa, .page_count = 4 };
	uint64_t handle = 0;
	uint8_t *ptr = NULL;

	nw_setup(c);
	assert_int_equal(nw_client_pa_ptr(c, pa, len, (void **)&ptr), 0);
	for (size_t i = 0; i < len; i++) {
		ptr[i] = plain_byte(i);
	}
	assert_int_equal(nw_client_lend(c, SDP_ID, RHEAP_USE_CASE_SECURE_VIDEO,
					&r, 1, 0, &handle, NULL), 0);
	for (size_t i = 0; i < len; i++) {
		if (ptr[i] != 0) {
			fail_msg("byte %zu still visible after LEND", i);
		}
	}
	memset(ptr, 0xEE, len); /* lands in pages the secure side ignores */
	assert_int_equal(nw_client_reclaim(c, handle, 0), 0);
	for (size_t i = 0; i < len; i++) {
		if (ptr[i] != plain_byte(i)) {
			fail_msg("byte %zu: 0x%02x after reclaim", i, ptr[i]);
		}
	}
	nw_client_destroy(c);
}

/* A carve-out or a secure page cannot be a mailbox. */
static void test_rxtx_refused(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	struct rheap_ffa_call call = { .func = FFA_RXTX_MAP_64 };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };

	call.args.rxtx_map.tx_address = SV_STATIC_BASE;
	call.args.rxtx_map.rx_address = RX_PA;
	call.args.rxtx_map.page_count = 1;
	assert_int_equal(rheap_ffa_call_pack(&call, &req), 0);
	assert_int_equal(nw_client_call(c, &req, &resp), 0);
	assert_int_equal(nw_client_ffa_errno(&resp), -EPERM);
	nw_client_destroy(c);
}

/* Disconnect without reclaim: the memory stays secure and accounted. */
static void test_disconnect_keeps_secure(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	uint64_t handle = 0;

	nw_setup(c);
	fill_chunk(c, 0x5A);
	handle = lend_chunk(c);
	nw_client_destroy(c);

	c = nw_connect(p);
	nw_setup(c);
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0), CHUNK_PAGES);
	assert_int_equal(status_get(p, NULL, "pages_lent", 1), CHUNK_PAGES);
	assert_int_equal(status_get(p, NULL, "live_handles", 1), 1);
	/* The restarted endpoint cannot reclaim its predecessor's orphan. */
	assert_int_equal(nw_client_reclaim(c, handle, 0), -EPERM);
	/* Nor lend the same pages again. */
	{
		struct rheap_ffa_range r = { .address = SV_DYN_BASE,
					     .page_count = CHUNK_PAGES };
		uint64_t h2 = 0;

		assert_int_equal(nw_client_lend(c, SDP_ID, 1, &r, 1, 0, &h2, NULL),
				 -EPERM);
	}
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0), CHUNK_PAGES);
	nw_client_destroy(c);
}

static int raw_sock(const struct board_proc *p)
{
	struct nw_client *op = NULL;
	int fd = -1;

	/* An operator HELLO gives a live connection to send junk on. */
	assert_int_equal(nw_client_connect(p->sock, BOARD_CONN_OPERATOR, &op), 0);
	fd = dup(nw_client_fd(op));
	nw_client_destroy(op);
	return fd;
}

static bool closed_by_board(int fd)
{
	uint8_t buf[BOARD_MSG_SIZE + 1] = { 0 };
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	return n == 0;
}

/* Malformed frames close the connection and change nothing. */
static void test_malformed(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	uint8_t msg[BOARD_MSG_SIZE + 1] = { 0 };
	uint64_t handle = 0;
	int fd = -1;

	nw_setup(c);
	handle = lend_chunk(c);

	/* Short and long frames on an NW connection. */
	assert_int_equal(send(nw_client_fd(c), msg, 10, 0), 10);
	assert_true(closed_by_board(nw_client_fd(c)));
	nw_client_destroy(c);

	c = nw_connect(p);
	assert_int_equal(send(nw_client_fd(c), msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
	assert_true(closed_by_board(nw_client_fd(c)));
	nw_client_destroy(c);

	/* A frame carrying a file descriptor. */
	c = nw_connect(p);
	{
		union {
			char space[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl = { { 0 } };
		struct iovec iov = { .iov_base = msg, .iov_len = BOARD_MSG_SIZE };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.space,
				     .msg_controllen = sizeof(ctl.space) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		int one = 0; /* stdin */

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &one, sizeof(int));
		assert_int_equal(sendmsg(nw_client_fd(c), &mh, 0), BOARD_MSG_SIZE);
		assert_true(closed_by_board(nw_client_fd(c)));
	}
	nw_client_destroy(c);

	/* First message not a HELLO. */
	{
		int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		struct sockaddr_un addr = { .sun_family = AF_UNIX };

		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", p->sock);
		assert_int_equal(connect(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
		memset(msg, 0, sizeof(msg));
		assert_int_equal(send(s, msg, BOARD_MSG_SIZE, 0), BOARD_MSG_SIZE);
		assert_true(closed_by_board(s));
		close(s);
	}

	/* Junk on an operator connection. */
	fd = raw_sock(p);
	assert_int_equal(send(fd, msg, BOARD_MSG_SIZE, 0), BOARD_MSG_SIZE);
	assert_true(closed_by_board(fd));
	close(fd);

	/* Nothing changed: the lend is still there, as it was. */
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0), CHUNK_PAGES);
	assert_int_equal(status_get(p, NULL, "live_handles", 1), 1);
	assert_int_equal(status_get(p, "spmc", "wedged", 0), 0);
	(void)handle;
}

/* Unsupported HELLOs get a clear error. */
static void test_hello_refused(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = NULL;

	assert_int_equal(nw_client_connect(p->sock, (enum board_conn_kind)7, &c),
			 -EINVAL);
	assert_int_equal(nw_client_connect("/nonexistent/rheap.sock",
					   BOARD_CONN_NW, &c), -ENOENT);
}

/* One NW kernel endpoint at a time; the first keeps working. */
static void test_second_nw(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	struct nw_client *c2 = NULL;
	uint16_t id = 0;

	nw_setup(c);
	assert_int_equal(nw_client_connect(p->sock, BOARD_CONN_NW, &c2), -EBUSY);
	assert_int_equal(nw_client_id_get(c, &id), 0);
	assert_int_equal(id, 0x0001);
	assert_int_equal(status_get(p, NULL, "nw_connected", 0), 1);
	nw_client_destroy(c);
}

/* The board dies: the client sees EOF (-ENOENT), not a hang. */
static void test_board_killed(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	uint16_t id = 0;
	int status = 0;

	nw_setup(c);
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
	p->pid = 0;
	assert_int_equal(nw_client_id_get(c, &id), -ENOENT);
	assert_int_equal(nw_client_id_get(c, &id), -ENOENT);
	nw_client_destroy(c);
}

/* SIGTERM: graceful exit 0, the socket file removed. */
static void test_sigterm(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	struct stat st = { 0 };
	int status = 0;

	nw_setup(c);
	(void)lend_chunk(c);
	kill(p->pid, SIGTERM);
	waitpid(p->pid, &status, 0);
	p->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(stat(p->sock, &st), 0);
	nw_client_destroy(c);
}

/* A descriptor larger than TX goes in fragments; all pages protected. */
static void test_fragmented_lend(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	struct rheap_ffa_range r[300];
	uint64_t handle = 0;
	uint32_t frags = 0;

	nw_setup(c);
	for (uint32_t i = 0; i < 300; i++) {
		r[i] = (struct rheap_ffa_range){
			.address = SV_DYN_BASE + (uint64_t)i * FFA_PAGE_SIZE,
			.page_count = 1,
		};
	}
	assert_int_equal(nw_client_lend(c, SDP_ID, RHEAP_USE_CASE_SECURE_VIDEO,
					r, 300, 0, &handle, &frags), 0);
	assert_int_equal(frags, 2);
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0), 300);
	assert_int_equal(status_get(p, "spmc", "total_ranges", 0), 300);
	/* Adjacent pages cost one TZASC region. */
	assert_int_equal(status_get(p, "tzasc", "used", 0), 2);
	assert_int_equal(nw_client_reclaim(c, handle, 0), 0);
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0), 0);
	nw_client_destroy(c);
}

/* Direct requests reach the SDP partition through the board. */
static void test_sdp_direct_req(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *c = nw_connect(p);
	struct rheap_ffa_call call = { .func = FFA_MSG_SEND_DIRECT_REQ_32 };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };

	nw_setup(c);
	call.args.direct.sender_id = 0x0001;
	call.args.direct.receiver_id = SDP_ID;
	call.args.direct.payload[0] = SDP_CMD_GET_VERSION;
	assert_int_equal(rheap_ffa_call_pack(&call, &req), 0);
	assert_int_equal(nw_client_call(c, &req, &resp), 0);
	assert_int_equal((uint32_t)resp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	assert_int_equal((int32_t)(uint32_t)resp.x[3], 0);
	assert_int_equal(resp.x[4], SDP_ABI_VERSION_MAJOR);
	/* An unknown partition is refused. */
	call.args.direct.receiver_id = 0x8007;
	assert_int_equal(rheap_ffa_call_pack(&call, &req), 0);
	assert_int_equal(nw_client_call(c, &req, &resp), 0);
	assert_int_not_equal(nw_client_ffa_errno(&resp), 0);
	nw_client_destroy(c);
}

/* Waits until STATUS shows VM @id's "connected" as @want (EOF is async). */
static void wait_vm_connected(const struct board_proc *p, uint16_t id,
			      uint64_t want)
{
	for (int i = 0; i < 200; i++) {
		if (status_get(p, NULL, "connected", id) == want) {
			return;
		}
		sleep_ms(10);
	}
	fail_msg("VM 0x%04x: connected never became %llu", id,
		 (unsigned long long)want);
}

/*
 * VM endpoints on the real board (docs/board-transport.md): two VMs next
 * to the host, each its own mailbox and LEND; no cross reclaim; a VM's
 * connection closed: its LEND stays secure and counted, the host and the
 * other VM keep working; the ID reused; the HELLO refusals.
 */
static void test_vm_endpoints(void **state)
{
	struct board_proc *p = *state;
	struct nw_client *host = nw_connect(p);
	struct nw_client *vm[8] = { NULL };
	struct nw_client *extra = NULL;
	struct nw_client_dram dram[NW_CLIENT_MAX_DRAM] = { { 0 } };
	uint32_t ndram = nw_client_dram_count(host);
	uint64_t h[2] = { 0 };

	nw_setup(host);
	for (uint32_t i = 0; i < ndram; i++) {
		assert_int_equal(nw_client_dram_get(host, i, &dram[i]), 0);
	}
	for (uint32_t i = 0; i < 2; i++) {
		uint16_t me = (uint16_t)(2 + i);
		uint64_t tx = TX_PA + (uint64_t)me * 0x10000u;
		struct rheap_ffa_range r = {
			.address = SV_DYN_BASE +
				   (uint64_t)i * CHUNK_PAGES * FFA_PAGE_SIZE,
			.page_count = CHUNK_PAGES,
		};
		uint16_t id = 0;
		uint32_t v = 0;

		assert_int_equal(nw_client_connect_vm(p->sock, me, dram, ndram,
						      &vm[i]),
				 0);
		assert_int_equal(nw_client_version(vm[i], FFA_VERSION_1_2, &v),
				 0);
		assert_int_equal(nw_client_id_get(vm[i], &id), 0);
		assert_int_equal(id, me);
		assert_int_equal(nw_client_rxtx_map(vm[i], tx,
						    tx + FFA_PAGE_SIZE, 1),
				 0);
		assert_int_equal(nw_client_lend(vm[i], SDP_ID,
						RHEAP_USE_CASE_SECURE_VIDEO, &r,
						1, 0, &h[i], NULL),
				 0);
		assert_int_equal(status_get(p, NULL, "pages_lent", me),
				 CHUNK_PAGES);
	}
	assert_int_equal(status_get(p, NULL, "vms_connected", 0), 2);
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0),
			 2 * CHUNK_PAGES);
	assert_int_equal(nw_client_reclaim(vm[0], h[1], 0), -EPERM);
	assert_int_equal(nw_client_reclaim(host, h[1], 0), -EPERM);
	assert_int_equal(nw_client_reclaim(vm[1], h[0], 0), -EPERM);

	/* VM 3 goes: its LEND stays secure, counted under ID 3. */
	nw_client_destroy(vm[1]);
	vm[1] = NULL;
	wait_vm_connected(p, 3, 0);
	assert_int_equal(status_get(p, NULL, "pages_lent", 3), CHUNK_PAGES);
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0),
			 2 * CHUNK_PAGES);
	assert_int_equal(nw_client_reclaim(vm[0], h[0], 0), 0);
	assert_int_equal(status_get(p, "spmc", "protected_pages", 0),
			 CHUNK_PAGES);
	assert_int_equal(status_get(p, NULL, "pages_lent", 2), 0);
	assert_int_equal(status_get(p, NULL, "live_handles", 1), 0);
	assert_int_equal(status_get(p, NULL, "vms_connected", 0), 1);

	/* ID 3 again: cannot reclaim its predecessor's orphan. */
	assert_int_equal(nw_client_connect_vm(p->sock, 3, dram, ndram, &vm[1]),
			 0);
	wait_vm_connected(p, 3, 1);
	assert_int_equal(nw_client_rxtx_map(vm[1], TX_PA + 0x30000u,
					    TX_PA + 0x31000u, 1),
			 0);
	assert_int_equal(nw_client_reclaim(vm[1], h[1], 0), -EPERM);

	/* Refusals: out of range, in use, more than eight. */
	assert_int_equal(nw_client_connect_vm(p->sock, 0x0001, dram, ndram,
					      &extra),
			 -EINVAL);
	assert_int_equal(nw_client_connect_vm(p->sock, SDP_ID, dram, ndram,
					      &extra),
			 -EINVAL);
	assert_int_equal(nw_client_connect_vm(p->sock, 2, dram, ndram, &extra),
			 -EBUSY);
	for (uint32_t i = 2; i < 8; i++) {
		assert_int_equal(nw_client_connect_vm(p->sock,
						      (uint16_t)(0x100 + i),
						      dram, ndram, &vm[i]),
				 0);
	}
	assert_int_equal(nw_client_connect_vm(p->sock, 0x200, dram, ndram,
					      &extra),
			 -ENOMEM);
	/* The host is not one of the eight. */
	assert_int_equal(status_get(p, NULL, "nw_connected", 0), 1);
	assert_int_equal(status_get(p, NULL, "vms_connected", 0), 8);
	for (uint32_t i = 0; i < 8; i++) {
		nw_client_destroy(vm[i]);
	}
	nw_client_destroy(host);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lend_reclaim, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_lend_leaves_nw_mapping, board_start,
						board_stop),
		cmocka_unit_test_setup_teardown(test_rxtx_refused, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_fragmented_lend, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_sdp_direct_req, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_disconnect_keeps_secure, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_malformed, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_hello_refused, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_second_nw, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_vm_endpoints, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_board_killed, board_start, board_stop),
		cmocka_unit_test_setup_teardown(test_sigterm, board_start, board_stop),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: test_board RHEAP_BOARD DEFAULT_TL\n");
		return 2;
	}
	board_bin = argv[1];
	default_tl = argv[2];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
