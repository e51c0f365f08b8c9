// SPDX-License-Identifier: BSD-2-Clause
/*
 * Multi-process tests of rheapd through librheap, against a real
 * rheap-board + rheapd:
 *
 *   1. a handle passed through three processes (SCM_RIGHTS) and used
 *      (imported, registered, injected and dumped through the TEE API)
 *      after its allocator died;
 *   2. a client killed with SIGKILL while its threads have requests in
 *      flight leaves nothing behind;
 *   3. CLIENTS processes x ITERS alloc/close each (default 64 x 10^4;
 *      --quick: 8 x 500): every alloc succeeds, accounting back to zero,
 *      the time printed;
 *   4. a quota hog (policy quota per client) fails cleanly with -ENOMEM
 *      while another client allocates;
 * and after each, STATUS shows the exact accounting.
 *
 *   test_multiproc RHEAP_BOARD RHEAPD DEFAULT_TL [--quick]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/tee_client_api.h>

#include "platform.h"

#define HEAP "protected,secure-video"
#define IDLE_MS 20000u

static unsigned int g_clients = 64;
static unsigned int g_iters = 10000;

static int wait_child(pid_t pid)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		return -1;
	}
	return WEXITSTATUS(status);
}

static void check_idle(const char *after)
{
	struct json_doc *doc = NULL;

	tap_check(platform_wait_idle(IDLE_MS) == 0,
		  "after %s: 0 buffers, every heap's used 0", after);
	if (platform_status(&doc) == 0) {
		tap_check(status_counter(doc, "allocs") ==
				  status_counter(doc, "frees"),
			  "after %s: allocs %llu = frees %llu", after,
			  (unsigned long long)status_counter(doc, "allocs"),
			  (unsigned long long)status_counter(doc, "frees"));
		json_free(doc);
	}
}

/* ---- 1. a handle through three processes ------------------------------ */

static int child_allocator(int out)
{
	struct rheap_heap *heap = NULL;
	int fd = -1;

	if (rheap_heap_open(HEAP, 0, &heap) != 0) {
		return 1;
	}
	fd = rheap_heap_alloc(heap, 3 * 4096, O_RDWR | O_CLOEXEC, 0, NULL);
	if (fd < 0 || fd_send(out, fd) != 0) {
		return 2;
	}
	return 0; /* exit closes the handle and the connection */
}

static int child_relay(int in, int out)
{
	int fd = fd_recv(in);

	if (fd < 0 || fd_send(out, fd) != 0) {
		return 1;
	}
	return 0;
}

static int child_user(int in, int go)
{
	struct rheap_buf_info info = { 0 };
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	struct sdp_tee t;
	uint8_t data[5000];
	uint8_t back[5000];
	char byte = 0;
	int fd = fd_recv(in);

	/* Wait until the parent saw the allocator and the relay die. */
	if (fd < 0 || read(go, &byte, 1) != 1) {
		return 1;
	}
	if (rheap_buf_import(0, fd, &info) != 0 || info.size != 3 * 4096 ||
	    !info.restricted || strcmp(info.heap, HEAP) != 0) {
		return 2;
	}
	if (sdp_tee_open(&t) != TEEC_SUCCESS) {
		return 3;
	}
	if (TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &shm, fd) !=
	    TEEC_SUCCESS) {
		return 4;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 7 + 3);
	}
	if (sdp_inject(&t, &shm, 100, data, sizeof(data), NULL) !=
		    TEEC_SUCCESS ||
	    sdp_dump(&t, &shm, 100, back, sizeof(back), NULL) !=
		    TEEC_SUCCESS ||
	    memcmp(data, back, sizeof(data)) != 0) {
		return 5;
	}
	TEEC_ReleaseSharedMemory(&shm);
	sdp_tee_close(&t);
	return 0;
}

static void test_three_processes(void)
{
	int s1[2] = { -1, -1 };
	int s2[2] = { -1, -1 };
	int go[2] = { -1, -1 };
	pid_t a = 0;
	pid_t b = 0;
	pid_t c = 0;
	struct json_doc *doc = NULL;
	bool orphan = false;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s1) != 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s2) != 0 || pipe(go) != 0) {
		tap_check(false, "socketpairs");
		return;
	}
	c = fork();
	if (c == 0) {
		_exit(child_user(s2[1], go[0]));
	}
	b = fork();
	if (b == 0) {
		_exit(child_relay(s1[1], s2[0]));
	}
	a = fork();
	if (a == 0) {
		_exit(child_allocator(s1[0]));
	}
	tap_check(wait_child(a) == 0, "process A allocated and sent the "
		  "handle, then exited");
	tap_check(wait_child(b) == 0, "process B relayed it, then exited");
	/* The allocator's connection is gone; its buffer lives on, charged
	 * to client 0. */
	if (platform_status(&doc) == 0) {
		const struct json_value *bufs =
			json_object_get(json_root(doc), "buffers");

		orphan = bufs != NULL && bufs->count == 1 &&
			 status_u64(bufs->child, "client") == 0 &&
			 status_u64(bufs->child, "size") == 3 * 4096;
		json_free(doc);
	}
	tap_check(orphan, "STATUS: one 12 KiB buffer, client 0 (allocator "
		  "gone)");
	(void)write(go[1], "g", 1);
	tap_check(wait_child(c) == 0, "process C imported it and used it "
		  "through the TEE API after A died");
	close(s1[0]);
	close(s1[1]);
	close(s2[0]);
	close(s2[1]);
	close(go[0]);
	close(go[1]);
	check_idle("three processes");
}

/* ---- 2. killed mid-alloc ---------------------------------------------- */

static void *hammer(void *arg)
{
	struct rheap_heap *heap = NULL;
	int held[16];
	unsigned int n = 0;

	(void)arg;
	if (rheap_heap_open(HEAP, 0, &heap) != 0) {
		return NULL;
	}
	for (;;) {
		int fd = rheap_heap_alloc(heap, 64 * 1024, O_CLOEXEC, 0, NULL);

		if (fd < 0) {
			continue;
		}
		/* Keep some, close some: some held, some being freed. */
		if (n < 16) {
			held[n++] = fd;
		} else {
			close(held[0]);
			memmove(held, held + 1, sizeof(held) - sizeof(held[0]));
			held[15] = fd;
		}
	}
	return NULL;
}

static void test_killed_mid_alloc(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		pthread_t t[4];

		for (int i = 0; i < 4; i++) {
			pthread_create(&t[i], NULL, hammer, NULL);
		}
		pause();
		_exit(0);
	}
	usleep(300 * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	tap_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "a client with 4 threads allocating killed by SIGKILL");
	check_idle("the kill");
}

/* ---- 3. many clients -------------------------------------------------- */

static int child_loop(unsigned int iters)
{
	struct rheap_heap *heap = NULL;
	unsigned int failures = 0;

	if (rheap_heap_open(HEAP, 0, &heap) != 0) {
		return 2;
	}
	for (unsigned int i = 0; i < iters; i++) {
		int fd = rheap_heap_alloc(heap, 4096, O_CLOEXEC, 0, NULL);

		if (fd < 0) {
			failures++;
			continue;
		}
		close(fd);
	}
	rheap_heap_close(heap);
	return failures != 0 ? 1 : 0;
}

static void test_many_clients(void)
{
	pid_t *pids = calloc(g_clients, sizeof(*pids));
	unsigned int ok = 0;
	uint64_t t0 = now_ms();
	uint64_t ms = 0;

	for (unsigned int i = 0; i < g_clients && pids != NULL; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			_exit(child_loop(g_iters));
		}
	}
	for (unsigned int i = 0; i < g_clients && pids != NULL; i++) {
		ok += wait_child(pids[i]) == 0;
	}
	ms = now_ms() - t0;
	tap_check(ok == g_clients,
		  "%u clients x %u alloc/close: %u clients saw every alloc "
		  "succeed (%llu ms, %.1f us per alloc+close)",
		  g_clients, g_iters, ok, (unsigned long long)ms,
		  ms * 1000.0 / ((double)g_clients * g_iters));
	free(pids);
	check_idle("many clients");
}

/* ---- 4. quota hog ----------------------------------------------------- */

#define QUOTA (8u << 20)

static void test_quota_hog(void)
{
	struct rheap_heap *hog = NULL;
	struct rheap_heap *other = NULL;
	struct json_doc *doc = NULL;
	int held[3] = { -1, -1, -1 };
	int fd = -1;
	int before = 0;
	bool exact = false;

	if (rheap_heap_open(HEAP, 0, &hog) != 0 ||
	    rheap_heap_open(HEAP, 0, &other) != 0) {
		tap_check(false, "open two connections");
		return;
	}
	held[0] = rheap_heap_alloc(hog, 4u << 20, O_CLOEXEC, 0, NULL);
	held[1] = rheap_heap_alloc(hog, 4u << 20, O_CLOEXEC, 0, NULL);
	tap_check(held[0] >= 0 && held[1] >= 0,
		  "hog: two 4 MiB buffers fill its 8 MiB quota");
	before = fd_count();
	held[2] = rheap_heap_alloc(hog, 4096, O_CLOEXEC, 0, NULL);
	tap_check(held[2] == -ENOMEM, "hog: one more page fails: %s",
		  rheap_err_name(held[2]));
	tap_check(fd_count() == before, "hog: no fd on the error path");
	fd = rheap_heap_alloc(other, 4u << 20, O_CLOEXEC, 0, NULL);
	tap_check(fd >= 0, "another client allocates 4 MiB meanwhile: %s",
		  fd >= 0 ? "ok" : rheap_err_name(fd));
	if (platform_status(&doc) == 0) {
		const struct json_value *cl =
			json_object_get(json_root(doc), "clients");
		unsigned int hogs = 0;
		unsigned int others = 0;

		for (const struct json_value *c = cl ? cl->child : NULL; c;
		     c = c->next) {
			uint64_t bytes = status_u64(c, "bytes");

			hogs += bytes == QUOTA &&
				status_u64(c, "buffers") == 2 &&
				status_u64(c, "quota") == QUOTA;
			others += bytes == (4u << 20) &&
				  status_u64(c, "buffers") == 1;
		}
		exact = hogs == 1 && others == 1 &&
			status_heap_u64(doc, HEAP, "used") == QUOTA + (4u << 20);
		json_free(doc);
	}
	tap_check(exact, "STATUS: hog 8 MiB in 2 buffers (quota 8 MiB), the "
		  "other 4 MiB, heap used 12 MiB");
	for (int i = 0; i < 3; i++) {
		if (held[i] >= 0) {
			close(held[i]);
		}
	}
	if (fd >= 0) {
		close(fd);
	}
	rheap_heap_close(hog);
	rheap_heap_close(other);
	check_idle("the quota hog");
}

int main(int argc, char **argv)
{
	static const char policy[] =
		"{\"quota\": {\"default\": 8388608}}\n";
	struct platform p;

	platform_args(argc, argv);
	if (argc > 4 && strcmp(argv[4], "--quick") == 0) {
		g_clients = 8;
		g_iters = 500;
	}
	if (platform_start(&p, NULL, -1) != 0) {
		tap_check(false, "platform starts");
		return tap_done();
	}
	test_three_processes();
	test_killed_mid_alloc();
	test_many_clients();
	tap_check(platform_stop(&p) == 0, "rheapd and the board stop cleanly");

	if (platform_start(&p, policy, -1) != 0) {
		tap_check(false, "platform with a quota policy starts");
		return tap_done();
	}
	test_quota_hog();
	tap_check(platform_stop(&p) == 0, "rheapd and the board stop cleanly");
	return tap_done();
}
