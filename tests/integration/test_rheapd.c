// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd end to end: the build's rheap-board (--debug-dump) and rheapd run
 * as child processes in a temporary run directory; the test speaks the
 * raw UAPI (include/rheap/rheapd_uapi.h) over the socket and reads STATUS
 * JSON to check accounting after every step.
 *
 *   test_rheapd_integration BOARD RHEAPD TL
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>

#include "board/nw_client.h"
#include "util/json.h"

#define MIB (UINT64_C(1) << 20)
#define QUOTA (64 * MIB)
#define IDLE_MS 300

static const char *board_bin;
static const char *rheapd_bin;
static const char *tl_path;

static char run_dir[64];
static char board_sock[128];
static char rheapd_sock[128];
static char policy_path[128];
static pid_t board_pid = -1;
static pid_t rheapd_pid = -1;

/* Heap IDs as rheapd numbers them on the default platform. */
enum { H_SV = 0, H_TUI = 1, H_SVR = 2, H_SYS = 3 };

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void wait_file(const char *path)
{
	for (int i = 0; i < 500; i++) {
		struct stat st = { 0 };

		if (stat(path, &st) == 0) {
			return;
		}
		sleep_ms(10);
	}
	fail_msg("%s did not appear", path);
}

/* ---------------------------------------------------------------------- */
/* The raw UAPI                                                            */

static int rd_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, rheapd_sock, strlen(rheapd_sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Send raw bytes with up to 2 fds. */
static void rd_send_raw(int s, const void *msg, size_t len, const int *fds,
			int nfds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

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
	assert_int_equal(sendmsg(s, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

/* Receive a response: status; payload into @buf; fd or -1. */
static int rd_recv(int s, uint16_t op, uint32_t seq, void *buf, size_t cap,
		   size_t *len, int *fd)
{
	static uint8_t msg[RHEAPD_MSG_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf) };
	struct rheapd_hdr h = { 0 };
	ssize_t n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);

	assert_true(n >= (ssize_t)sizeof(h));
	memcpy(&h, msg, sizeof(h));
	assert_int_equal(h.magic, RHEAPD_UAPI_MAGIC);
	assert_int_equal(h.version, RHEAPD_UAPI_VERSION);
	assert_int_equal(h.op, op);
	assert_int_equal(h.seq, seq);
	if (fd) {
		*fd = -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_type == SCM_RIGHTS) {
			int f = -1;

			memcpy(&f, CMSG_DATA(c), sizeof(f));
			assert_non_null(fd);
			*fd = f;
		}
	}
	if (len) {
		*len = (size_t)n - sizeof(h);
	}
	if (buf) {
		assert_true((size_t)n - sizeof(h) <= cap);
		memcpy(buf, msg + sizeof(h), (size_t)n - sizeof(h));
	}
	return h.status;
}

static int rd_call(int s, uint16_t op, const void *payload, size_t plen,
		   int in_fd, void *out, size_t cap, size_t *out_len,
		   int *out_fd)
{
	static uint32_t seq = 100;
	uint8_t msg[1024];
	struct rheapd_hdr h = { .magic = RHEAPD_UAPI_MAGIC,
				.version = RHEAPD_UAPI_VERSION,
				.op = op,
				.seq = ++seq };

	assert_true(sizeof(h) + plen <= sizeof(msg));
	memcpy(msg, &h, sizeof(h));
	if (plen) {
		memcpy(msg + sizeof(h), payload, plen);
	}
	rd_send_raw(s, msg, sizeof(h) + plen, &in_fd, in_fd >= 0 ? 1 : 0);
	return rd_recv(s, op, seq, out, cap, out_len, out_fd);
}

/* ALLOC with a dma_heap_allocation_data of @data_size bytes. */
static int rd_alloc_raw(int s, uint32_t heap, const void *data,
			uint32_t data_size, struct rheapd_alloc_resp *resp,
			uint8_t *echo, int *fd)
{
	uint8_t p[8 + RHEAPD_ALLOC_DATA_MAX];
	uint8_t r[sizeof(*resp) + RHEAPD_ALLOC_DATA_MAX];
	struct rheapd_alloc_req req = { .heap_id = heap,
					.data_size = data_size };
	size_t len = 0;
	int rc = 0;

	memcpy(p, &req, sizeof(req));
	memcpy(p + sizeof(req), data, data_size);
	rc = rd_call(s, RHEAPD_OP_ALLOC, p, sizeof(req) + data_size, -1, r,
		     sizeof(r), &len, fd);
	if (rc == 0) {
		assert_int_equal(len, sizeof(*resp) + data_size);
		if (resp) {
			memcpy(resp, r, sizeof(*resp));
		}
		if (echo) {
			memcpy(echo, r + sizeof(*resp), data_size);
		}
		assert_true(*fd >= 0);
	} else {
		assert_int_equal(len, 0);
		assert_int_equal(*fd, -1);
	}
	return rc;
}

struct heap_data {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
	uint64_t heap_flags;
};

static int rd_alloc(int s, uint32_t heap, uint64_t len, uint32_t fd_flags,
		    uint64_t *buf_id, int *fd)
{
	struct heap_data d = { .len = len, .fd_flags = fd_flags };
	struct rheapd_alloc_resp r = { 0 };
	int rc = rd_alloc_raw(s, heap, &d, sizeof(d), &r, NULL, fd);

	if (rc == 0 && buf_id) {
		*buf_id = r.buf_id;
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* STATUS                                                                  */

static struct json_doc *rd_status(void)
{
	static uint8_t text[RHEAPD_MSG_MAX];
	struct json_doc *doc = NULL;
	struct json_error err = { 0 };
	size_t len = 0;
	int s = rd_connect();

	assert_int_equal(rd_call(s, RHEAPD_OP_STATUS, NULL, 0, -1, text,
				 sizeof(text), &len, NULL),
			 0);
	close(s);
	if (json_parse((const char *)text, len, &doc, &err) != 0) {
		fail_msg("status JSON: %u:%u %s", err.line, err.column,
			 err.message);
	}
	return doc;
}

static uint64_t jget(const struct json_value *o, const char *key)
{
	uint64_t v = 0;
	const struct json_value *m = json_object_get(o, key);

	assert_non_null(m);
	if (json_get_u64(m, &v) != 0) {
		bool b = false;

		assert_int_equal(json_get_bool(m, &b), 0);
		v = b;
	}
	return v;
}

static uint64_t status_counter(const char *key)
{
	struct json_doc *doc = rd_status();
	uint64_t v = jget(json_object_get(json_root(doc), "counters"), key);

	json_free(doc);
	return v;
}

static uint64_t status_buffer_count(void)
{
	struct json_doc *doc = rd_status();
	uint64_t v = json_object_get(json_root(doc), "buffers")->count;

	json_free(doc);
	return v;
}

static uint64_t status_heap_used(uint32_t heap)
{
	struct json_doc *doc = rd_status();
	const struct json_value *h = json_object_get(json_root(doc), "heaps");
	uint64_t v = UINT64_MAX;

	for (const struct json_value *e = h->child; e; e = e->next) {
		if (jget(e, "id") == heap) {
			v = jget(e, "used");
		}
	}
	json_free(doc);
	return v;
}

/* The status object of buffer @id, as a field; UINT64_MAX if absent. */
static uint64_t status_buffer_field(uint64_t id, const char *key)
{
	struct json_doc *doc = rd_status();
	const struct json_value *b = json_object_get(json_root(doc), "buffers");
	uint64_t v = UINT64_MAX;

	for (const struct json_value *e = b->child; e; e = e->next) {
		if (jget(e, "id") == id) {
			v = jget(e, key);
		}
	}
	json_free(doc);
	return v;
}

/* Lent chunks of the dynamic pool of @heap. */
static uint64_t status_dyn_chunks(const char *heap)
{
	struct json_doc *doc = rd_status();
	const struct json_value *p = json_object_get(json_root(doc), "pools");
	uint64_t v = UINT64_MAX;

	for (const struct json_value *e = p->child; e; e = e->next) {
		const char *h = NULL;
		const char *k = NULL;

		assert_int_equal(json_get_string(json_object_get(e, "heap"), &h),
				 0);
		assert_int_equal(json_get_string(json_object_get(e, "kind"), &k),
				 0);
		if (strcmp(h, heap) == 0 && strcmp(k, "dynamic") == 0) {
			v = json_object_get(e, "chunks")->count;
		}
	}
	json_free(doc);
	return v;
}

static uint64_t status_client_count(void)
{
	struct json_doc *doc = rd_status();
	uint64_t v = json_object_get(json_root(doc), "clients")->count;

	json_free(doc);
	return v;
}

/* Poll until buffer count is @want (rheapd learns of closes
 * asynchronously, through inotify). */
static void wait_buffers(uint64_t want)
{
	uint64_t t0 = now_ms();

	while (status_buffer_count() != want) {
		if (now_ms() - t0 > 3000) {
			fail_msg("buffers: %llu, want %llu",
				 (unsigned long long)status_buffer_count(),
				 (unsigned long long)want);
		}
		sleep_ms(5);
	}
}

static void check_clean(void)
{
	wait_buffers(0);
	for (uint32_t h = 0; h < 4; h++) {
		assert_int_equal(status_heap_used(h), 0);
	}
	/* Only the status connection itself. */
	assert_int_equal(status_client_count(), 1);
}

/* ---------------------------------------------------------------------- */
/* Platform                                                                */

static uint64_t board_status_u64(const char *obj, const char *key)
{
	struct nw_client *op = NULL;
	struct json_doc *doc = NULL;
	char *json = NULL;
	size_t len = 0;
	uint64_t v = 0;

	assert_int_equal(nw_client_connect(board_sock, BOARD_CONN_OPERATOR,
					   &op),
			 0);
	assert_int_equal(nw_client_status(op, &json, &len), 0);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	v = jget(json_object_get(json_root(doc), obj), key);
	json_free(doc);
	free(json);
	nw_client_destroy(op);
	return v;
}

static int platform_up(void **state)
{
	static const char policy[] =
		"{\"heaps\": {\"protected,trusted-ui\": {\"uids\": [4242],"
		" \"gids\": [4343]}},\n"
		" \"quota\": {\"default\": 67108864}}\n";
	FILE *f = NULL;

	(void)state;
	snprintf(run_dir, sizeof(run_dir), "/tmp/rheapd-test-XXXXXX");
	assert_non_null(mkdtemp(run_dir));
	snprintf(board_sock, sizeof(board_sock), "%s/board.sock", run_dir);
	snprintf(rheapd_sock, sizeof(rheapd_sock), "%s/rheapd.sock", run_dir);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", run_dir);
	f = fopen(policy_path, "w");
	assert_non_null(f);
	fputs(policy, f);
	fclose(f);
	setenv("RHEAP_RUN_DIR", run_dir, 1);
	board_pid = fork();
	assert_true(board_pid >= 0);
	if (board_pid == 0) {
		execl(board_bin, board_bin, "--tl", tl_path, "--socket",
		      board_sock, "--debug-dump", "--quiet", (char *)NULL);
		_exit(127);
	}
	wait_file(board_sock);
	rheapd_pid = fork();
	assert_true(rheapd_pid >= 0);
	if (rheapd_pid == 0) {
		execl(rheapd_bin, rheapd_bin, "--tl", tl_path, "--policy",
		      policy_path, "--idle-ms", "300", (char *)NULL);
		_exit(127);
	}
	wait_file(rheapd_sock);
	return 0;
}

static int platform_down(void **state)
{
	int st = 0;

	(void)state;
	if (rheapd_pid > 0) {
		kill(rheapd_pid, SIGKILL);
		waitpid(rheapd_pid, &st, 0);
	}
	if (board_pid > 0) {
		kill(board_pid, SIGTERM);
		waitpid(board_pid, &st, 0);
	}
	unlink(policy_path);
	unlink(rheapd_sock);
	unlink(board_sock);
	/* rheapd's handle directory, if it was killed. */
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", run_dir);
		(void)system(cmd);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void test_heap_list(void **state)
{
	uint8_t buf[1024];
	struct rheapd_heap_list head = { 0 };
	struct rheapd_heap_info e[4];
	static const char *const want[3] = { "protected,secure-video",
					     "protected,secure-video-record",
					     "system" };
	static const uint32_t want_id[3] = { H_SV, H_SVR, H_SYS };
	static const uint64_t want_cap[3] = { 320 * MIB, 64 * MIB, 0 };
	size_t len = 0;
	int s = rd_connect();

	(void)state;
	assert_int_equal(rd_call(s, RHEAPD_OP_HEAP_LIST, NULL, 0, -1, buf,
				 sizeof(buf), &len, NULL),
			 0);
	memcpy(&head, buf, sizeof(head));
	/* trusted-ui is for uid 4242 only: filtered out. */
	assert_int_equal(head.count, 3);
	assert_int_equal(len, sizeof(head) + 3 * sizeof(e[0]));
	memcpy(e, buf + sizeof(head), 3 * sizeof(e[0]));
	for (int i = 0; i < 3; i++) {
		assert_string_equal(e[i].name, want[i]);
		assert_int_equal(e[i].heap_id, want_id[i]);
		assert_int_equal(e[i].flags,
				 i < 2 ? RHEAPD_HEAP_RESTRICTED : 0);
		assert_int_equal(e[i].capacity, want_cap[i]);
		assert_int_equal(e[i].used, 0);
	}
	close(s);
}

static void test_restricted_handle(void **state)
{
	static const uint32_t heaps[2] = { H_SV, H_SVR };
	int s = rd_connect();

	(void)state;
	for (int i = 0; i < 2; i++) {
		uint64_t id = 0;
		int fd = -1;
		char c = 0;

		assert_int_equal(rd_alloc(s, heaps[i], 5000, O_RDWR | O_CLOEXEC,
					  &id, &fd),
				 0);
		assert_int_equal(status_buffer_field(id, "size"), 8192);
		assert_int_equal(status_heap_used(heaps[i]), 8192);
		errno = 0;
		assert_ptr_equal(mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0),
				 MAP_FAILED);
		assert_int_equal(errno, ENODEV);
		assert_int_equal(read(fd, &c, 1), -1);
		assert_int_equal(errno, EISDIR);
		assert_int_equal(write(fd, &c, 1), -1);
		assert_int_equal(errno, EBADF);
		close(fd);
		wait_buffers(0);
		assert_int_equal(status_heap_used(heaps[i]), 0);
	}
	close(s);
	check_clean();
}

static void test_system_handle(void **state)
{
	uint64_t id = 0;
	int fd = -1;
	int ro = -1;
	uint8_t *p = NULL;
	int s = rd_connect();

	(void)state;
	assert_int_equal(rd_alloc(s, H_SYS, 3 * MIB + 1, O_RDWR, &id, &fd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), 3 * MIB + 4096);
	p = mmap(NULL, 3 * MIB + 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	assert_ptr_not_equal(p, MAP_FAILED);
	for (size_t i = 0; i < 3 * MIB + 4096; i += 4096) {
		assert_int_equal(p[i], 0);
	}
	memset(p, 0xa5, 4096);
	/* Sealed against growing and shrinking. */
	assert_int_equal(ftruncate(fd, 4096), -1);
	close(fd);
	/* Still mapped: the buffer lives. */
	sleep_ms(50);
	assert_int_equal(status_buffer_field(id, "size"), 3 * MIB + 4096);
	munmap(p, 3 * MIB + 4096);
	wait_buffers(0);
	/* O_RDONLY: a read-only handle. */
	assert_int_equal(rd_alloc(s, H_SYS, 4096, O_RDONLY, &id, &ro), 0);
	assert_ptr_equal(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			      ro, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EACCES);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
	assert_ptr_not_equal(p, MAP_FAILED);
	assert_int_equal(p[0], 0);
	munmap(p, 4096);
	close(ro);
	close(s);
	check_clean();
}

static void test_alloc_semantics(void **state)
{
	/* Linux selftest compat: the older 16-byte struct. */
	struct {
		uint64_t len;
		uint32_t fd;
		uint32_t fd_flags;
	} older = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };
	/* A newer, larger one with garbage past 24 bytes. */
	struct {
		uint64_t len;
		uint32_t fd;
		uint32_t fd_flags;
		uint64_t heap_flags;
		uint64_t garbage[5];
	} newer = { .len = 4096, .fd_flags = O_RDWR,
		    .garbage = { 1, 2, 3, 4, 0xffffffffffffffffull } };
	uint8_t echo[64];
	struct rheapd_alloc_resp r = { 0 };
	struct heap_data bad = { 0 };
	uint64_t allocs = status_counter("allocs");
	int fd = -1;
	int s = rd_connect();

	(void)state;
	assert_int_equal(rd_alloc_raw(s, H_SV, &older, sizeof(older), &r, echo,
				      &fd),
			 0);
	assert_int_equal(r.size, 4096);
	assert_int_equal(r.data_size, 16);
	assert_memory_equal(echo, &older, sizeof(older));
	close(fd);
	assert_int_equal(rd_alloc_raw(s, H_SV, &newer, sizeof(newer), &r, echo,
				      &fd),
			 0);
	assert_int_equal(r.data_size, sizeof(newer));
	assert_memory_equal(echo, &newer, sizeof(newer));
	close(fd);
	assert_int_equal(status_counter("allocs"), allocs + 2);
	/* Refusals, each exact, none allocates. */
	bad = (struct heap_data){ .len = 4096, .fd = 1 };
	assert_int_equal(rd_alloc_raw(s, H_SV, &bad, sizeof(bad), NULL, NULL,
				      &fd),
			 -EINVAL);
	bad = (struct heap_data){ .len = 4096, .fd_flags = ~0u };
	assert_int_equal(rd_alloc_raw(s, H_SV, &bad, sizeof(bad), NULL, NULL,
				      &fd),
			 -EINVAL);
	bad = (struct heap_data){ .len = 4096, .heap_flags = ~0ull };
	assert_int_equal(rd_alloc_raw(s, H_SYS, &bad, sizeof(bad), NULL, NULL,
				      &fd),
			 -EINVAL);
	bad = (struct heap_data){ .len = 0 };
	assert_int_equal(rd_alloc_raw(s, H_SV, &bad, sizeof(bad), NULL, NULL,
				      &fd),
			 -EINVAL);
	bad = (struct heap_data){ .len = UINT64_MAX };
	assert_int_equal(rd_alloc_raw(s, H_SV, &bad, sizeof(bad), NULL, NULL,
				      &fd),
			 -EINVAL);
	/* Larger than every pool of the heap (64 MiB static, 256 MiB
	 * dynamic): the quota (64 MiB) answers first. */
	assert_int_equal(rd_alloc(s, H_SV, 256 * MIB + 1, 0, NULL, &fd),
			 -ENOMEM);
	assert_int_equal(rd_alloc(s, 9, 4096, 0, NULL, &fd), -ENOENT);
	/* Policy: trusted-ui is uid 4242's. */
	assert_int_equal(rd_alloc(s, H_TUI, 4096, 0, NULL, &fd), -EPERM);
	assert_int_equal(status_counter("allocs"), allocs + 2);
	close(s);
	check_clean();
}

static void test_malformed(void **state)
{
	struct rheapd_hdr h = { .magic = RHEAPD_UAPI_MAGIC,
				.version = RHEAPD_UAPI_VERSION,
				.op = RHEAPD_OP_HEAP_LIST,
				.seq = 7 };
	struct rheapd_attach_req ar = { .device = "vdec" };
	struct rheapd_detach_req dr = { .attach_id = 12345 };
	uint8_t msg[64];
	int pipefd[2] = { -1, -1 };
	int two[2] = { -1, -1 };
	int s = rd_connect();
	uint64_t allocs = status_counter("allocs");
	uint64_t fails = status_counter("alloc_failures");

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	/* Short datagram: no header to echo. */
	rd_send_raw(s, "RHPD", 4, NULL, 0);
	assert_int_equal(rd_recv(s, 0, 0, NULL, 0, NULL, NULL), -EINVAL);
	/* Wrong magic. */
	h.magic = 0x12345678;
	rd_send_raw(s, &h, sizeof(h), NULL, 0);
	assert_int_equal(rd_recv(s, h.op, 7, NULL, 0, NULL, NULL), -EINVAL);
	h.magic = RHEAPD_UAPI_MAGIC;
	/* Wrong version. */
	h.version = 2;
	rd_send_raw(s, &h, sizeof(h), NULL, 0);
	assert_int_equal(rd_recv(s, h.op, 7, NULL, 0, NULL, NULL),
			 -EOPNOTSUPP);
	h.version = RHEAPD_UAPI_VERSION;
	/* Status not zero. */
	h.status = 1;
	rd_send_raw(s, &h, sizeof(h), NULL, 0);
	assert_int_equal(rd_recv(s, h.op, 7, NULL, 0, NULL, NULL), -EINVAL);
	h.status = 0;
	/* Unknown op. */
	h.op = 0x7f;
	rd_send_raw(s, &h, sizeof(h), NULL, 0);
	assert_int_equal(rd_recv(s, 0x7f, 7, NULL, 0, NULL, NULL),
			 -EOPNOTSUPP);
	/* HEAP_LIST with a payload; with an fd; with two fds. */
	h.op = RHEAPD_OP_HEAP_LIST;
	memcpy(msg, &h, sizeof(h));
	memset(msg + sizeof(h), 0, 8);
	rd_send_raw(s, msg, sizeof(h) + 8, NULL, 0);
	assert_int_equal(rd_recv(s, h.op, 7, NULL, 0, NULL, NULL), -EINVAL);
	rd_send_raw(s, &h, sizeof(h), &pipefd[0], 1);
	assert_int_equal(rd_recv(s, h.op, 7, NULL, 0, NULL, NULL), -EINVAL);
	two[0] = pipefd[0];
	two[1] = pipefd[1];
	h.op = RHEAPD_OP_IMPORT;
	rd_send_raw(s, &h, sizeof(h), two, 2);
	assert_int_equal(rd_recv(s, h.op, 7, NULL, 0, NULL, NULL), -EINVAL);
	/* IMPORT without an fd; of something not a handle. */
	assert_int_equal(rd_call(s, RHEAPD_OP_IMPORT, NULL, 0, -1, NULL, 0,
				 NULL, NULL),
			 -EINVAL);
	assert_int_equal(rd_call(s, RHEAPD_OP_IMPORT, NULL, 0, pipefd[0], NULL,
				 0, NULL, NULL),
			 -EINVAL);
	/* ALLOC: short, data_size disagreeing, above the maximum. */
	{
		uint8_t a[8 + 24] = { 0 };
		struct rheapd_alloc_req req = { .heap_id = H_SV,
						.data_size = 23 };

		assert_int_equal(rd_call(s, RHEAPD_OP_ALLOC, a, 4, -1, NULL, 0,
					 NULL, NULL),
				 -EINVAL);
		memcpy(a, &req, sizeof(req));
		assert_int_equal(rd_call(s, RHEAPD_OP_ALLOC, a, sizeof(a), -1,
					 NULL, 0, NULL, NULL),
				 -EINVAL);
		req.data_size = RHEAPD_ALLOC_DATA_MAX + 1;
		memcpy(a, &req, sizeof(req));
		assert_int_equal(rd_call(s, RHEAPD_OP_ALLOC, a, sizeof(a), -1,
					 NULL, 0, NULL, NULL),
				 -EINVAL);
	}
	/* ATTACH: wrong size, no fd, unknown flags, reserved, name not
	 * terminated, unknown device. */
	{
		int hfd = -1;

		assert_int_equal(rd_alloc(s, H_SV, 4096, 0, NULL, &hfd), 0);
		assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, 39, hfd,
					 NULL, 0, NULL, NULL),
				 -EINVAL);
		assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar),
					 -1, NULL, 0, NULL, NULL),
				 -EINVAL);
		ar.flags = 2;
		assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar),
					 hfd, NULL, 0, NULL, NULL),
				 -EINVAL);
		ar.flags = 0;
		ar.reserved = 1;
		assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar),
					 hfd, NULL, 0, NULL, NULL),
				 -EINVAL);
		ar.reserved = 0;
		memset(ar.device, 'v', sizeof(ar.device));
		assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar),
					 hfd, NULL, 0, NULL, NULL),
				 -EINVAL);
		memset(ar.device, 0, sizeof(ar.device));
		memcpy(ar.device, "npu", 4);
		assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar),
					 hfd, NULL, 0, NULL, NULL),
				 -ENOENT);
		/* An attach of a pipe: not a handle. */
		memcpy(ar.device, "vdec", 5);
		assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar),
					 pipefd[1], NULL, 0, NULL, NULL),
				 -EINVAL);
		close(hfd);
		allocs++;
	}
	/* DETACH of an unknown attachment. */
	assert_int_equal(rd_call(s, RHEAPD_OP_DETACH, &dr, sizeof(dr), -1,
				 NULL, 0, NULL, NULL),
			 -ENOENT);
	/* Nothing else changed; the connection still works. */
	assert_int_equal(status_counter("allocs"), allocs);
	assert_int_equal(status_counter("alloc_failures"), fails);
	{
		uint8_t list[1024];

		assert_int_equal(rd_call(s, RHEAPD_OP_HEAP_LIST, NULL, 0, -1,
					 list, sizeof(list), NULL, NULL),
				 0);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close(s);
	check_clean();
}

static void test_attach(void **state)
{
	struct rheapd_attach_req ar = { .device = "vdec",
					.flags = RHEAPD_ATTACH_WRITE };
	uint8_t buf[256];
	struct rheapd_attach_resp r = { 0 };
	struct rheapd_attach_seg seg = { 0 };
	struct rheapd_detach_req dr = { 0 };
	uint64_t id = 0;
	size_t len = 0;
	int fd = -1;
	int s = rd_connect();

	(void)state;
	assert_int_equal(rd_alloc(s, H_SV, MIB, 0, &id, &fd), 0);
	assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar), fd, buf,
				 sizeof(buf), &len, NULL),
			 0);
	memcpy(&r, buf, sizeof(r));
	assert_int_equal(r.seg_count, 1);
	assert_int_equal(len, sizeof(r) + sizeof(seg));
	memcpy(&seg, buf + sizeof(r), sizeof(seg));
	assert_int_equal(seg.size, MIB);
	assert_int_not_equal(seg.iova, 0);
	assert_int_equal(status_buffer_field(id, "attachments"), 1);
	/* A non-secure device may not: -EPERM. */
	memcpy(ar.device, "gpu", 4);
	assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar), fd, buf,
				 sizeof(buf), &len, NULL),
			 -EPERM);
	/* Closing the handle keeps the attached buffer. */
	close(fd);
	sleep_ms(50);
	assert_int_equal(status_buffer_field(id, "handle_open"), 0);
	assert_int_equal(status_buffer_field(id, "attachments"), 1);
	dr.attach_id = r.attach_id;
	assert_int_equal(rd_call(s, RHEAPD_OP_DETACH, &dr, sizeof(dr), -1,
				 NULL, 0, NULL, NULL),
			 0);
	wait_buffers(0);
	assert_int_equal(rd_call(s, RHEAPD_OP_DETACH, &dr, sizeof(dr), -1,
				 NULL, 0, NULL, NULL),
			 -ENOENT);
	/* A system buffer attaches as one segment in the device's NS
	 * context: its external window on the board (0x100_0000_0000 up). */
	assert_int_equal(rd_alloc(s, H_SYS, 8192, 0, &id, &fd), 0);
	/* A read-only handle may not be attached for writing. */
	assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar), fd, buf,
				 sizeof(buf), &len, NULL),
			 -EPERM);
	/* Without WRITE it may (the board gets a read-write reopen). */
	ar.flags = 0;
	assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar), fd, buf,
				 sizeof(buf), &len, NULL),
			 0);
	memcpy(&r, buf, sizeof(r));
	dr.attach_id = r.attach_id;
	assert_int_equal(rd_call(s, RHEAPD_OP_DETACH, &dr, sizeof(dr), -1,
				 NULL, 0, NULL, NULL),
			 0);
	ar.flags = RHEAPD_ATTACH_WRITE;
	close(fd);
	wait_buffers(0);
	assert_int_equal(rd_alloc(s, H_SYS, 8192, O_RDWR, &id, &fd), 0);
	assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar), fd, buf,
				 sizeof(buf), &len, NULL),
			 0);
	memcpy(&r, buf, sizeof(r));
	memcpy(&seg, buf + sizeof(r), sizeof(seg));
	assert_int_equal(r.seg_count, 1);
	assert_true(seg.iova >= UINT64_C(0x10000000000));
	assert_int_equal(seg.iova % 4096, 0);
	assert_int_equal(seg.size, 8192);
	close(fd);
	/* The connection closes: its attachment goes, then the buffer. */
	close(s);
	check_clean();
}

static void send_fd(int sock, int fd)
{
	char c = 'x';

	rd_send_raw(sock, &c, 1, &fd, 1);
}

static int recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	char c = 0;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf) };
	int fd = -1;

	assert_int_equal(recvmsg(sock, &mh, 0), 1);
	assert_non_null(CMSG_FIRSTHDR(&mh));
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(fd));
	return fd;
}

static void test_handle_survives_allocator(void **state)
{
	struct rheapd_buf_info bi = { 0 };
	int sp[2] = { -1, -1 };
	int st = 0;
	int fd = -1;
	uint64_t id = 0;
	pid_t child = -1;
	int s = -1;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int cs = rd_connect();
		int hfd = -1;

		close(sp[0]);
		if (rd_alloc(cs, H_SVR, 2 * MIB, 0, NULL, &hfd) != 0) {
			_exit(1);
		}
		send_fd(sp[1], hfd);
		_exit(0);
	}
	close(sp[1]);
	fd = recv_fd(sp[0]);
	close(sp[0]);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The allocator is gone; the buffer is charged to client 0. */
	s = rd_connect();
	assert_int_equal(rd_call(s, RHEAPD_OP_IMPORT, NULL, 0, fd, &bi,
				 sizeof(bi), NULL, NULL),
			 0);
	assert_int_equal(bi.size, 2 * MIB);
	assert_int_equal(bi.heap_id, H_SVR);
	assert_int_equal(bi.flags, RHEAPD_HEAP_RESTRICTED);
	assert_string_equal(bi.heap, "protected,secure-video-record");
	id = bi.buf_id;
	{
		uint64_t t0 = now_ms();

		while (status_buffer_field(id, "client") != 0) {
			assert_true(now_ms() - t0 < 3000);
			sleep_ms(5);
		}
	}
	close(fd);
	close(s);
	check_clean();
}

/*
 * More handles than rheapd keeps ready (khandle's reserve of 8), of both
 * kinds, held at once: each IMPORT names the buffer its ALLOC made (the
 * hash lookup), a foreign directory fd and a closed handle's number do
 * not match, and the accounting is exact after they all close.
 */
static void test_import_many(void **state)
{
	enum { N = 24 };
	uint64_t ids[N];
	int fds[N];
	char foreign[128];
	struct rheapd_buf_info bi = { 0 };
	int dfd = -1;
	int s = rd_connect();

	(void)state;
	for (int i = 0; i < N; i++) {
		uint32_t heap = i % 4 == 3 ? H_SYS : H_SV;

		assert_int_equal(rd_alloc(s, heap, 4096, O_RDWR, &ids[i],
					  &fds[i]),
				 0);
		for (int k = 0; k < i; k++) {
			assert_true(ids[k] != ids[i]);
		}
	}
	assert_int_equal(status_buffer_count(), N);
	for (int i = N - 1; i >= 0; i--) {
		assert_int_equal(rd_call(s, RHEAPD_OP_IMPORT, NULL, 0, fds[i],
					 &bi, sizeof(bi), NULL, NULL),
				 0);
		assert_int_equal(bi.buf_id, ids[i]);
		assert_int_equal(bi.heap_id, i % 4 == 3 ? H_SYS : H_SV);
	}
	snprintf(foreign, sizeof(foreign), "%s/foreign", run_dir);
	assert_int_equal(mkdir(foreign, 0700), 0);
	dfd = open(foreign, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(rmdir(foreign), 0);
	assert_int_equal(rd_call(s, RHEAPD_OP_IMPORT, NULL, 0, dfd, &bi,
				 sizeof(bi), NULL, NULL),
			 -EINVAL);
	close(dfd);
	/* Close the even ones; the odd ones still resolve. */
	for (int i = 0; i < N; i += 2) {
		close(fds[i]);
	}
	wait_buffers(N / 2);
	for (int i = 1; i < N; i += 2) {
		assert_int_equal(rd_call(s, RHEAPD_OP_IMPORT, NULL, 0, fds[i],
					 &bi, sizeof(bi), NULL, NULL),
				 0);
		assert_int_equal(bi.buf_id, ids[i]);
		close(fds[i]);
	}
	close(s);
	check_clean();
}

static void test_client_killed(void **state)
{
	int sp[2] = { -1, -1 };
	int st = 0;
	char c = 0;
	pid_t child = -1;
	int s = -1;
	int fd = -1;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct rheapd_attach_req ar = { .device = "display" };
		int cs = rd_connect();
		int hfd = -1;
		uint8_t b[64];

		close(sp[0]);
		if (rd_alloc(cs, H_SV, 48 * MIB, 0, NULL, &hfd) != 0 ||
		    rd_call(cs, RHEAPD_OP_ATTACH, &ar, sizeof(ar), hfd, b,
			    sizeof(b), NULL, NULL) != 0) {
			_exit(1);
		}
		(void)!write(sp[1], "r", 1);
		pause();
		_exit(0);
	}
	close(sp[1]);
	assert_int_equal(read(sp[0], &c, 1), 1);
	close(sp[0]);
	assert_int_equal(status_heap_used(H_SV), 48 * MIB);
	assert_int_equal(status_buffer_count(), 1);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &st, 0), child);
	check_clean();
	/* The quota it used is free again for a new client. */
	s = rd_connect();
	assert_int_equal(rd_alloc(s, H_SV, 60 * MIB, 0, NULL, &fd), 0);
	close(fd);
	close(s);
	check_clean();
}

static void test_quota(void **state)
{
	int hog = rd_connect();
	int other = rd_connect();
	int f1 = -1;
	int f2 = -1;
	int f3 = -1;
	int f4 = -1;

	(void)state;
	assert_int_equal(rd_alloc(hog, H_SYS, 40 * MIB, 0, NULL, &f1), 0);
	assert_int_equal(rd_alloc(hog, H_SV, 24 * MIB, 0, NULL, &f2), 0);
	/* At the quota: one more page fails cleanly. */
	assert_int_equal(rd_alloc(hog, H_SYS, 1, 0, NULL, &f3), -ENOMEM);
	assert_int_equal(f3, -1);
	/* Another client is not affected. */
	assert_int_equal(rd_alloc(other, H_SV, 32 * MIB, 0, NULL, &f4), 0);
	close(f1);
	close(f2);
	close(f4);
	close(hog);
	close(other);
	check_clean();
}

/*
 * A heap listed for group 4343 admits a caller for whom 4343 is only a
 * supplementary group (SO_PEERGROUPS), and refuses the same caller without
 * it. The child changes its groups, so this needs root (as CI runs).
 */
static int alloc_tui_with_groups(const gid_t *groups, size_t count)
{
	pid_t pid = fork();
	int status = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		int s = -1;
		int fd = -1;
		int rc = 0;

		if (setgroups(count, groups) != 0) {
			_exit(100);
		}
		s = rd_connect();
		rc = rd_alloc(s, H_TUI, 4096, 0, NULL, &fd);
		if (fd >= 0) {
			close(fd);
		}
		close(s);
		_exit(rc == 0 ? 0 : rc == -EPERM ? 1 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_policy_supplementary_group(void **state)
{
	static const gid_t with[] = { 5, 4343 };
	static const gid_t without[] = { 5, 4344 };

	(void)state;
	if (geteuid() != 0) {
		fail_msg("needs root to change groups");
	}
	assert_int_equal(alloc_tui_with_groups(with, 2), 0);
	assert_int_equal(alloc_tui_with_groups(without, 2), 1);
	check_clean();
}

static void test_dynamic_idle_release(void **state)
{
	uint64_t lends = 0;
	uint64_t reclaims = 0;
	uint64_t t0 = now_ms();
	int s = rd_connect();

	(void)state;
	/* Earlier tests' chunks idle out first. */
	while (status_dyn_chunks("protected,secure-video-record") != 0) {
		assert_true(now_ms() - t0 < 3000);
		sleep_ms(20);
	}
	lends = status_counter("lends");
	reclaims = status_counter("reclaims");
	/* Repeated alloc/free within the delay: one LEND. */
	for (int i = 0; i < 20; i++) {
		int fd = -1;

		assert_int_equal(rd_alloc(s, H_SVR, 4 * MIB, 0, NULL, &fd), 0);
		close(fd);
	}
	assert_int_equal(status_counter("lends"), lends + 1);
	assert_int_equal(status_dyn_chunks("protected,secure-video-record"), 1);
	/* Then the chunk idles out. */
	t0 = now_ms();
	while (status_counter("reclaims") != reclaims + 1) {
		assert_true(now_ms() - t0 < 3000);
		sleep_ms(20);
	}
	assert_true(now_ms() - t0 >= IDLE_MS / 2);
	close(s);
	check_clean();
}

static void test_sigterm(void **state)
{
	int st = 0;
	int fd = -1;
	int s = rd_connect();

	(void)state;
	struct rheapd_attach_req ar = { .device = "vdec" };
	uint8_t buf[256];

	/* Hold two dynamic chunks, an attachment and a live buffer. */
	assert_int_equal(rd_alloc(s, H_SVR, 20 * MIB, 0, NULL, &fd), 0);
	assert_int_equal(rd_call(s, RHEAPD_OP_ATTACH, &ar, sizeof(ar), fd, buf,
				 sizeof(buf), NULL, NULL),
			 0);
	assert_true(board_status_u64("spmc", "live_shares") >= 2);
	assert_int_equal(kill(rheapd_pid, SIGTERM), 0);
	assert_int_equal(waitpid(rheapd_pid, &st, 0), rheapd_pid);
	rheapd_pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* Every chunk reclaimed, the parameter area too. */
	assert_int_equal(board_status_u64("spmc", "live_shares"), 0);
	assert_int_equal(access(rheapd_sock, F_OK), -1);
	close(fd);
	close(s);
}

static const char *status_board(void)
{
	static char out[16];
	struct json_doc *doc = rd_status();
	const char *v = NULL;

	assert_int_equal(json_get_string(json_object_get(
				 json_object_get(json_root(doc), "rheapd"),
				 "board"),
				 &v),
			 0);
	snprintf(out, sizeof(out), "%s", v);
	json_free(doc);
	return out;
}

/* The board dies under rheapd: status goes on, restricted ops -ENOENT. */
static void test_board_gone(void **state)
{
	uint8_t list[1024];
	uint64_t t0 = 0;
	int st = 0;
	int rfd = -1;
	int sfd = -1;
	int fd = -1;
	int s = rd_connect();

	(void)state;
	assert_int_equal(rd_alloc(s, H_SV, 8192, 0, NULL, &rfd), 0);
	assert_string_equal(status_board(), "connected");
	kill(board_pid, SIGKILL);
	waitpid(board_pid, &st, 0);
	board_pid = -1;
	t0 = now_ms();
	while (strcmp(status_board(), "gone") != 0) {
		assert_true(now_ms() - t0 < 3000);
		sleep_ms(5);
	}
	assert_int_equal(rd_alloc(s, H_SV, 4096, 0, NULL, &fd), -ENOENT);
	assert_int_equal(rd_alloc(s, H_SVR, 4096, 0, NULL, &fd), -ENOENT);
	assert_int_equal(rd_alloc(s, H_SYS, 4096, 0, NULL, &sfd), 0);
	assert_int_equal(rd_call(s, RHEAPD_OP_HEAP_LIST, NULL, 0, -1, list,
				 sizeof(list), NULL, NULL),
			 0);
	/* The restricted buffer cannot be scrubbed now: quarantined. */
	close(rfd);
	close(sfd);
	wait_buffers(0);
	assert_int_equal(status_counter("quarantined_bytes"), 8192);
	close(s);
	assert_int_equal(kill(rheapd_pid, SIGTERM), 0);
	assert_int_equal(waitpid(rheapd_pid, &st, 0), rheapd_pid);
	rheapd_pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest gone_tests[] = {
		cmocka_unit_test(test_board_gone),
	};
	int failed = 0;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_list),
		cmocka_unit_test(test_restricted_handle),
		cmocka_unit_test(test_system_handle),
		cmocka_unit_test(test_alloc_semantics),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_handle_survives_allocator),
		cmocka_unit_test(test_import_many),
		cmocka_unit_test(test_client_killed),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_policy_supplementary_group),
		cmocka_unit_test(test_dynamic_idle_release),
		cmocka_unit_test(test_sigterm),
	};

	if (argc != 4) {
		fprintf(stderr, "usage: %s BOARD RHEAPD TL\n", argv[0]);
		return 2;
	}
	board_bin = argv[1];
	rheapd_bin = argv[2];
	tl_path = argv[3];
	signal(SIGPIPE, SIG_IGN);
	failed = cmocka_run_group_tests(tests, platform_up, platform_down);
	failed += cmocka_run_group_tests(gone_tests, platform_up,
					 platform_down);
	return failed;
}
