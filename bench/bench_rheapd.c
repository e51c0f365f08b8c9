// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd benchmark: the normal world's costs against baselines measured in
 * the same run, through librheap and a real rheap-board + rheapd pair
 * started in a temporary run directory.
 *
 *   warm alloc of a restricted buffer         vs  a memfd allocation of the
 *   ("protected,secure-video": its static         same size: memfd_create +
 *   pool, always lent) at 4 KiB, 1 MiB,           ftruncate + fallocate (the
 *   16 MiB and a 4K NV12 frame; the close         pages allocated and zeroed,
 *   and rheapd's free of the previous             as a dma-heap allocation
 *   buffer (its scrub) untimed: each run          provides them); the close
 *   starts with the pool settled                  untimed. A memfd that is
 *                                                 only ftruncate'd is printed
 *                                                 too (it allocates nothing)
 *   the whole cycle: alloc + close, the free  vs  memfd_create + ftruncate +
 *   and its scrub landing in the next alloc       fallocate + close
 *   (no goal; what a loop of alloc/free pays)
 *   alloc that grows a dynamic pool           vs  warm alloc of the same size
 *   ("protected,secure-video-record", 64 MiB,     (static pool); both timed
 *   chunks lent on demand, rheapd --idle-ms 0:    run by run, the close and
 *   every run starts with no chunk lent)          the free (and, for the
 *                                                 grow, the wait for the
 *                                                 reclaim) untimed
 *   pass a handle to another process          vs  a one-byte round trip on
 *   (SCM_RIGHTS), which closes it and answers     the same socketpair
 *   one byte; and the same where the peer
 *   first imports it over its own rheapd
 *   connection (a second round trip, to rheapd)
 *
 * The grow runs also check the STATUS counters: exactly one LEND per run
 * (one chunk) and every chunk reclaimed before the next run.
 *
 * Goals (issue 4): warm alloc <= 0.15x memfd at >= 1 MiB and <= 1.5x at
 * 4 KiB; grow <= 1.5x warm; handle passing <= 2x the round trip.
 *
 *   bench_rheapd [--quick] [--no-pin] RHEAP_BOARD RHEAPD DEFAULT_TL
 *
 * Everything (board, rheapd, the peer) runs pinned to one CPU unless
 * --no-pin: the same-CPU configuration bench_board uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>

#include "util/json.h"

#include "bench_harness.h"
#include "bench_platform.h"

#define HEAP_WARM "protected,secure-video"
#define HEAP_GROW "protected,secure-video-record"
#define NV12_SIZE ((UINT64_C(3840) * 2160u * 3u / 2u + 4095u) & ~UINT64_C(4095))
#define STATUS_MAX (1u << 20)
#define WAIT_MS 10000u

static struct bench_platform g_plat;
static pid_t g_peer = -1;

/* ---- processes ---- */

static void teardown(void)
{
	bench_platform_stop(&g_peer);
	bench_platform_fini(&g_plat);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_rheapd: %s: %s\n", what, rheap_strerror(err));
	teardown();
	exit(1);
}

/* ---- STATUS counters ---- */

struct counters {
	uint64_t lends;
	uint64_t reclaims;
	uint64_t allocs;
};

static void counters_read(struct counters *c)
{
	static char buf[STATUS_MAX];
	const struct json_value *cnt = NULL;
	struct json_doc *doc = NULL;
	size_t len = 0;
	int rc = rheap_status(RHEAP_OPEN_RHEAPD, buf, sizeof(buf), &len);

	if (rc != 0) {
		die("STATUS", rc);
	}
	rc = json_parse(buf, len, &doc, NULL);
	if (rc != 0) {
		die("STATUS JSON", rc);
	}
	cnt = json_object_get(json_root(doc), "counters");
	if (json_get_u64(json_object_get(cnt, "lends"), &c->lends) != 0 ||
	    json_get_u64(json_object_get(cnt, "reclaims"), &c->reclaims) != 0 ||
	    json_get_u64(json_object_get(cnt, "allocs"), &c->allocs) != 0) {
		json_free(doc);
		die("STATUS counters", -EINVAL);
	}
	json_free(doc);
}

/* ---- warm alloc vs memfd ---- */

/*
 * One allocation per run, the buffer of the previous run closed in the
 * untimed prepare. For rheapd the prepare also settles the pool: a HEAP_LIST
 * round trip (rheap_heap_query), before which rheapd drains its inotify
 * queue, so the previous buffer's free and scrub are done before the clock
 * starts.
 */
struct alloc_ctx {
	struct rheap_heap *heap; /* NULL: memfd */
	uint64_t size;
	int fd;
	uint64_t retries; /* -ENOMEM while rheapd had not freed yet */
};

static void alloc_settle(struct alloc_ctx *c)
{
	struct rheap_heap_desc desc = { 0 };
	int rc = 0;

	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->heap) {
		rc = rheap_heap_query(c->heap, &desc);
		if (rc != 0) {
			die("query", rc);
		}
	}
}

static void alloc_prepare(void *arg)
{
	alloc_settle(arg);
}

static int memfd_alloc(uint64_t size, int *out)
{
	int fd = memfd_create("bench", MFD_CLOEXEC);
	int rc = 0;

	if (fd < 0) {
		return -errno;
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		return -ENOMEM;
	}
	rc = fallocate(fd, 0, 0, (off_t)size);
	if (rc != 0) {
		close(fd);
		return -ENOMEM;
	}
	*out = fd;
	return 0;
}

static int run_alloc(void *arg)
{
	struct alloc_ctx *c = arg;

	if (!c->heap) {
		return memfd_alloc(c->size, &c->fd);
	}
	c->fd = rheap_heap_alloc(c->heap, c->size, O_RDWR | O_CLOEXEC, 0, NULL);
	return c->fd < 0 ? c->fd : 0;
}

/* The whole cycle, batched: rheapd's free of the previous buffer and its
 * scrub land in the next alloc (rheapd drains before serving it). */
static int run_alloc_close(void *arg)
{
	struct alloc_ctx *c = arg;
	int fd = -1;

	for (;;) {
		fd = rheap_heap_alloc(c->heap, c->size, O_RDWR | O_CLOEXEC, 0,
				      NULL);
		if (fd != -ENOMEM || c->retries > 1000000u) {
			break;
		}
		/* The previous handles' frees are still queued in rheapd. */
		c->retries++;
	}
	if (fd < 0) {
		return fd;
	}
	close(fd);
	return 0;
}

static int run_memfd_cycle(void *arg)
{
	const struct alloc_ctx *c = arg;
	int fd = -1;
	int rc = memfd_alloc(c->size, &fd);

	if (rc == 0) {
		close(fd);
	}
	return rc;
}

/* memfd_create + ftruncate + close: no page is allocated. */
static int run_memfd_lazy(void *arg)
{
	const struct alloc_ctx *c = arg;
	int fd = memfd_create("bench", MFD_CLOEXEC);

	if (fd < 0) {
		return -errno;
	}
	if (ftruncate(fd, (off_t)c->size) != 0) {
		close(fd);
		return -ENOMEM;
	}
	close(fd);
	return 0;
}

/* ---- grow vs warm (timed run by run; the close is untimed) ---- */

struct grow_ctx {
	struct rheap_heap *heap;
	uint64_t size;
	int fd;
	bool wait_reclaim;
	uint64_t runs;
	uint64_t bad_lends; /* runs whose LEND count was not exactly 1 */
	struct counters before;
};

static void grow_settle(struct grow_ctx *g)
{
	struct counters c = { 0 };
	struct rheap_heap_desc desc = { 0 };
	int rc = 0;

	if (g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
	/* The free (and scrub) of the buffer just closed, done untimed. */
	rc = rheap_heap_query(g->heap, &desc);
	if (rc != 0) {
		die("query", rc);
	}
	if (!g->wait_reclaim) {
		return;
	}
	/* Every lent chunk of the pool back before the next run. */
	for (unsigned int i = 0; i < WAIT_MS * 10u; i++) {
		counters_read(&c);
		if (c.lends == c.reclaims) {
			break;
		}
		usleep(100);
	}
	if (c.lends != c.reclaims) {
		die("chunk never reclaimed", -EBUSY);
	}
	if (g->runs > 0 && c.lends - g->before.lends != 1) {
		g->bad_lends++;
	}
	g->before = c;
}

static void grow_prepare(void *arg)
{
	grow_settle(arg);
}

static int grow_run(void *arg)
{
	struct grow_ctx *g = arg;

	g->fd = rheap_heap_alloc(g->heap, g->size, O_RDWR | O_CLOEXEC, 0, NULL);
	if (g->fd < 0) {
		return g->fd;
	}
	g->runs++;
	return 0;
}

/* ---- handle passing ---- */

/* The byte sent with a handle: what the peer does with it. */
#define PASS_CLOSE 'c'
#define PASS_IMPORT 'i'

static void peer_main(int sock)
{
	struct rheap_heap *heap = NULL;
	int rc = rheap_heap_open(HEAP_WARM, RHEAP_OPEN_RHEAPD, &heap);

	if (rc != 0) {
		_exit(3);
	}
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		char byte = 0;
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *cm = NULL;
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (n <= 0) {
			break;
		}
		cm = CMSG_FIRSTHDR(&msg);
		if (cm && cm->cmsg_type == SCM_RIGHTS) {
			struct rheap_buf_info info;
			int fd = -1;

			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
			rc = byte == PASS_IMPORT ?
				     rheap_heap_import(heap, fd, &info) : 0;
			close(fd);
			byte = rc == 0 ? 1 : 2;
		} else {
			byte = 1;
		}
		if (send(sock, &byte, 1, 0) != 1) {
			break;
		}
	}
	rheap_heap_close(heap);
	_exit(0);
}

struct pass_ctx {
	int sock;
	int handle; /* -1: the plain round trip */
	char mode;  /* PASS_CLOSE or PASS_IMPORT */
};

static int run_pass(void *arg)
{
	const struct pass_ctx *p = arg;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = p->mode;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (p->handle >= 0) {
		struct cmsghdr *cm = NULL;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &p->handle, sizeof(int));
	}
	if (sendmsg(p->sock, &msg, 0) != 1 || recv(p->sock, &byte, 1, 0) != 1) {
		return -EIO;
	}
	return byte == 1 ? 0 : -EINVAL;
}

/* ---- main ---- */

static void print_row(const char *what, double base, double cand,
		      double goal)
{
	double ratio = cand / base;

	if (goal <= 0) {
		printf("%-44s %10.0f ns %10.0f ns %7.3fx  (no goal)\n", what,
		       base, cand, ratio);
		return;
	}
	printf("%-44s %10.0f ns %10.0f ns %7.3fx  goal <= %.2fx: %s\n", what,
	       base, cand, ratio, goal, ratio <= goal ? "met" : "NOT met");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t size;
		double goal;
	} sizes[] = {
		{ "4 KiB", 4096, 1.5 },
		{ "1 MiB", UINT64_C(1) << 20, 0.15 },
		{ "16 MiB", UINT64_C(16) << 20, 0.15 },
		{ "4K NV12 frame (12443648 B)", NV12_SIZE, 0.15 },
	};
	bool quick = false;
	bool pin = true;
	int argi = 1;
	unsigned int rounds = 0;
	struct rheap_heap *warm = NULL;
	struct rheap_heap *grow = NULL;
	struct counters c0 = { 0 };
	struct counters c1 = { 0 };
	int sv[2] = { -1, -1 };
	double p50[2] = { 0 };
	int rc = 0;

	while (argi < argc && strncmp(argv[argi], "--", 2) == 0) {
		if (strcmp(argv[argi], "--quick") == 0) {
			quick = true;
		} else if (strcmp(argv[argi], "--no-pin") == 0) {
			pin = false;
		}
		argi++;
	}
	if (argc - argi != 3) {
		fprintf(stderr, "usage: bench_rheapd [--quick] [--no-pin] "
				"RHEAP_BOARD RHEAPD DEFAULT_TL\n");
		return 2;
	}
	rounds = quick ? 5 : 51;
	{
		static const char *const dargs[] = { "--idle-ms", "0", NULL };

		bench_platform_start(&g_plat, "bench_rheapd", "rheap-bench",
				     argv[argi], argv[argi + 1],
				     argv[argi + 2], dargs, pin);
	}

	/* The peer first, before this process opens any connection. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		die("socketpair", -errno);
	}
	fflush(NULL);
	g_peer = fork();
	if (g_peer < 0) {
		die("fork", -errno);
	}
	if (g_peer == 0) {
		close(sv[0]);
		peer_main(sv[1]);
	}
	close(sv[1]);

	rc = rheap_heap_open(HEAP_WARM, RHEAP_OPEN_RHEAPD, &warm);
	if (rc != 0) {
		die("open " HEAP_WARM, rc);
	}
	rc = rheap_heap_open(HEAP_GROW, RHEAP_OPEN_RHEAPD, &grow);
	if (rc != 0) {
		die("open " HEAP_GROW, rc);
	}

	printf("\n%-44s %13s %13s %8s\n",
	       "warm alloc vs memfd allocation (fallocate)", "memfd p50",
	       "rheapd p50", "ratio");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct alloc_ctx lazy = { .size = sizes[i].size, .fd = -1 };
		struct alloc_ctx m = { .size = sizes[i].size, .fd = -1 };
		struct alloc_ctx r = { .heap = warm, .size = sizes[i].size,
				       .fd = -1 };
		struct bench_variant v[3] = {
			{ .name = "memfd", .run = run_alloc, .ctx = &m,
			  .prepare = alloc_prepare },
			{ .name = "rheapd alloc", .run = run_alloc, .ctx = &r,
			  .prepare = alloc_prepare },
			{ .name = "memfd lazy", .run = run_memfd_lazy,
			  .ctx = &lazy },
		};
		double p3[3] = { 0 };

		bench_measure(v, 3, rounds, p3);
		alloc_settle(&m);
		alloc_settle(&r);
		print_row(sizes[i].name, p3[0], p3[1], sizes[i].goal);
		printf("  memfd without fallocate (no page allocated): %.0f ns; "
		       "rheapd / that: %.3fx\n", p3[2], p3[1] / p3[2]);
	}

	printf("\n%-44s %13s %13s %8s\n",
	       "cycle: alloc + close, incl. free + scrub", "memfd p50",
	       "rheapd p50", "ratio");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct alloc_ctx m = { .size = sizes[i].size, .fd = -1 };
		struct alloc_ctx r = { .heap = warm, .size = sizes[i].size,
				       .fd = -1 };
		struct bench_variant v[2] = {
			{ .name = "memfd cycle", .run = run_memfd_cycle,
			  .ctx = &m },
			{ .name = "rheapd cycle", .run = run_alloc_close,
			  .ctx = &r },
		};

		bench_measure(v, 2, rounds, p50);
		alloc_settle(&r);
		print_row(sizes[i].name, p50[0], p50[1], 0);
		if (r.retries) {
			printf("  (%llu allocations retried after -ENOMEM: "
			       "frees still queued in rheapd)\n",
			       (unsigned long long)r.retries);
		}
	}

	printf("\n%-44s %13s %13s %8s\n", "alloc that grows a pool vs warm",
	       "warm p50", "grow p50", "ratio");
	for (size_t i = 0; i < 3; i++) {
		struct grow_ctx w = { .heap = warm, .size = sizes[i].size,
				      .fd = -1 };
		struct grow_ctx g = { .heap = grow, .size = sizes[i].size,
				      .fd = -1, .wait_reclaim = true };
		struct alloc_ctx m = { .size = sizes[i].size, .fd = -1 };
		struct bench_variant v[3] = {
			{ .name = "warm", .run = grow_run, .ctx = &w,
			  .prepare = grow_prepare },
			{ .name = "grow", .run = grow_run, .ctx = &g,
			  .prepare = grow_prepare },
			{ .name = "memfd", .run = run_alloc, .ctx = &m,
			  .prepare = alloc_prepare },
		};
		double p3[3] = { 0 };

		counters_read(&c0);
		bench_measure(v, 3, rounds, p3);
		grow_settle(&w);
		grow_settle(&g);
		alloc_settle(&m);
		counters_read(&c1);
		print_row(sizes[i].name, p3[0], p3[1], 1.5);
		printf("  grow against a memfd allocation (fallocate) of the "
		       "same size: %.0f ns, %.3fx (goal <= 1.50x: %s)\n",
		       p3[2], p3[1] / p3[2],
		       p3[1] / p3[2] <= 1.5 ? "met" : "NOT met");
		printf("  grow runs %llu, LENDs %llu, reclaims %llu, runs "
		       "without exactly one LEND: %llu\n",
		       (unsigned long long)g.runs,
		       (unsigned long long)(c1.lends - c0.lends),
		       (unsigned long long)(c1.reclaims - c0.reclaims),
		       (unsigned long long)g.bad_lends);
	}

	printf("\n%-44s %13s %13s %8s\n", "handle passing vs round trip",
	       "plain p50", "pass p50", "ratio");
	{
		struct pass_ctx plain = { .sock = sv[0], .handle = -1,
					  .mode = 0 };
		struct pass_ctx pass = { .sock = sv[0], .mode = PASS_CLOSE };
		struct pass_ctx imp = { .sock = sv[0], .mode = PASS_IMPORT };
		struct bench_variant v[3] = {
			{ .name = "round trip", .run = run_pass,
			  .ctx = &plain },
			{ .name = "pass", .run = run_pass, .ctx = &pass },
			{ .name = "pass + import", .run = run_pass,
			  .ctx = &imp },
		};
		double p3[3] = { 0 };

		pass.handle = rheap_heap_alloc(warm, 4096, O_RDWR | O_CLOEXEC,
					       0, NULL);
		if (pass.handle < 0) {
			die("alloc for passing", pass.handle);
		}
		imp.handle = pass.handle;
		bench_measure(v, 3, rounds, p3);
		print_row("SCM_RIGHTS, peer closes, 4 KiB buffer", p3[0],
			  p3[1], 2.0);
		print_row("SCM_RIGHTS + IMPORT, 4 KiB buffer", p3[0], p3[2],
			  2.0);
		close(pass.handle);
	}

	close(sv[0]);
	rheap_heap_close(warm);
	rheap_heap_close(grow);
	teardown();
	return 0;
}
