// SPDX-License-Identifier: BSD-2-Clause
/*
 * Guest VM benchmark (issue 6): allocation and attach latency inside a
 * guest against the same on the host, measured in the same run,
 * interleaved (bench_harness.h), on a real platform started in a
 * temporary run directory: rheap-board, host rheapd and rheap-vmm with one
 * guest running guest_main.
 *
 *   host:  librheap (rheapd backend) -> rheapd -> board
 *   guest: librheap (virtio backend) -> the guest kernel (guest_main) ->
 *          virtio-rheap requestq + kick/irq eventfds -> rheap-vmm ->
 *          librheap -> host rheapd -> board
 *
 *   alloc, 4 KiB and 1 MiB ("protected,secure-video"): one allocation
 *     timed; the previous buffer closed in the untimed prepare, then a
 *     HEAP_LIST round trip settles its free (rheapd, or the guest kernel,
 *     drain their handle queues before serving; the guest's FREE makes
 *     the vmm close its host handle, so a host HEAP_LIST follows to let
 *     rheapd free and scrub it before the clock starts)
 *   alloc + close, 4 KiB: the whole cycle, the free landing in the next
 *     alloc (what a loop of alloc/free pays)
 *   attach to "vdec", 4 KiB: one ATTACH timed (segments returned), the
 *     DETACH of the previous one in the prepare
 *
 * Each row prints the host and guest medians and guest/host. There is no
 * goal in the issue; the rows say what a VM pays per operation.
 *
 *   bench_vm [--quick] [--no-pin] RHEAP_BOARD RHEAPD RHEAP_VMM DEFAULT_TL
 *
 * Everything runs pinned to one CPU unless --no-pin (as bench_rheapd).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>

#include "bench_harness.h"
#include "bench_platform.h"

#define HEAP "protected,secure-video"

static struct bench_platform g_plat;

/* ---- processes ---- */

static void teardown(void)
{
	bench_platform_fini(&g_plat);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_vm: %s: %s\n", what, rheap_strerror(err));
	teardown();
	exit(1);
}

/* ---- alloc ---- */

struct alloc_ctx {
	struct rheap_heap *heap;
	struct rheap_heap *host; /* guest runs: settle host rheapd too */
	uint64_t size;
	int fd;
};

static void alloc_settle(struct alloc_ctx *c)
{
	struct rheap_heap_desc desc = { 0 };
	int rc = 0;

	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	rc = rheap_heap_query(c->heap, &desc);
	/* The guest's FREE made the vmm close its host handle before the
	 * guest answered; host rheapd frees (and scrubs) when it drains,
	 * before serving this query. */
	if (rc == 0 && c->host) {
		rc = rheap_heap_query(c->host, &desc);
	}
	if (rc != 0) {
		die("query", rc);
	}
}

static void alloc_prepare(void *arg)
{
	alloc_settle(arg);
}

static int run_alloc(void *arg)
{
	struct alloc_ctx *c = arg;

	c->fd = rheap_heap_alloc(c->heap, c->size, O_RDWR | O_CLOEXEC, 0, NULL);
	return c->fd < 0 ? c->fd : 0;
}

static int run_alloc_close(void *arg)
{
	struct alloc_ctx *c = arg;
	int fd = rheap_heap_alloc(c->heap, c->size, O_RDWR | O_CLOEXEC, 0,
				  NULL);

	if (fd < 0) {
		return fd;
	}
	close(fd);
	return 0;
}

/* ---- attach ---- */

struct attach_ctx {
	struct rheap_device *dev;
	int fd;
	uint64_t attach_id; /* 0: none */
};

static void attach_prepare(void *arg)
{
	struct attach_ctx *c = arg;
	int rc = 0;

	if (c->attach_id != 0) {
		rc = rheap_device_detach(c->dev, c->attach_id);
		if (rc != 0) {
			die("detach", rc);
		}
		c->attach_id = 0;
	}
}

static int run_attach(void *arg)
{
	struct attach_ctx *c = arg;
	struct rheap_device_seg segs[8];
	size_t n = 0;

	return rheap_device_attach(c->dev, c->fd, RHEAP_DEVICE_ATTACH_WRITE,
				   &c->attach_id, segs, 8, &n);
}

/* ---- main ---- */

static void print_row(const char *what, double host, double guest)
{
	printf("%-34s %12.0f ns %12.0f ns %8.2fx\n", what, host, guest,
	       guest / host);
}

static void open_heaps(struct rheap_heap **host, struct rheap_heap **guest)
{
	int rc = rheap_heap_open(HEAP, RHEAP_OPEN_RHEAPD, host);

	if (rc != 0) {
		die("open " HEAP " on the host", rc);
	}
	rc = rheap_heap_open(HEAP, RHEAP_OPEN_VIRTIO, guest);
	if (rc != 0) {
		die("open " HEAP " in the guest", rc);
	}
}

/* The device API follows $RHEAP_BACKEND (it has no flags). */
static void open_devices(struct rheap_device **host,
			 struct rheap_device **guest)
{
	int rc = 0;

	setenv("RHEAP_BACKEND", "virtio", 1);
	rc = rheap_device_open("vdec", guest);
	unsetenv("RHEAP_BACKEND");
	if (rc != 0) {
		die("open vdec in the guest", rc);
	}
	rc = rheap_device_open("vdec", host);
	if (rc != 0) {
		die("open vdec on the host", rc);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t size;
	} sizes[] = {
		{ "alloc 4 KiB", 4096 },
		{ "alloc 1 MiB", UINT64_C(1) << 20 },
	};
	bool quick = false;
	bool pin = true;
	int argi = 1;
	unsigned int rounds = 0;
	char guest_sock[2][128];
	size_t which = 0;
	struct rheap_heap *host = NULL;
	struct rheap_heap *guest = NULL;
	struct rheap_device *hdev = NULL;
	struct rheap_device *gdev = NULL;
	double p50[2] = { 0 };

	while (argi < argc && strncmp(argv[argi], "--", 2) == 0) {
		if (strcmp(argv[argi], "--quick") == 0) {
			quick = true;
		} else if (strcmp(argv[argi], "--no-pin") == 0) {
			pin = false;
		}
		argi++;
	}
	if (argc - argi != 4) {
		fprintf(stderr, "usage: bench_vm [--quick] [--no-pin] "
				"RHEAP_BOARD RHEAPD RHEAP_VMM DEFAULT_TL\n");
		return 2;
	}
	rounds = quick ? 5 : 51;
	unsetenv("RHEAP_BACKEND");
	bench_platform_start(&g_plat, "bench_vm", "rheap-bench-vm", argv[argi],
			     argv[argi + 1], argv[argi + 3], NULL, pin);
	/* The first guest's kernel socket, whichever way the vmm numbers. */
	snprintf(guest_sock[0], sizeof(guest_sock[0]), "%s/vm0/rheapd.sock",
		 g_plat.dir);
	snprintf(guest_sock[1], sizeof(guest_sock[1]), "%s/vm1/rheapd.sock",
		 g_plat.dir);
	{
		char *vargv[] = { argv[argi + 2], "--vms", "1", "--board",
				  g_plat.board_sock, "--rheapd",
				  g_plat.rheapd_sock, "--run-dir", g_plat.dir,
				  "--quiet", NULL };
		const char *s_guest[] = { guest_sock[0], guest_sock[1] };

		bench_platform_spawn(&g_plat, vargv, "vmm.log", s_guest, 2,
				     &which);
	}
	setenv("RHEAP_GUEST_SOCKET", guest_sock[which], 1);
	printf("guest kernel: %s\n", guest_sock[which]);
	open_heaps(&host, &guest);
	open_devices(&hdev, &gdev);

	printf("\n%-34s %15s %15s %9s\n", "operation (p50)", "host",
	       "guest", "guest/host");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct alloc_ctx h = { .heap = host, .size = sizes[i].size,
				       .fd = -1 };
		struct alloc_ctx g = { .heap = guest, .host = host,
				       .size = sizes[i].size, .fd = -1 };
		struct bench_variant v[2] = {
			{ .name = "host alloc", .run = run_alloc, .ctx = &h,
			  .prepare = alloc_prepare },
			{ .name = "guest alloc", .run = run_alloc, .ctx = &g,
			  .prepare = alloc_prepare },
		};

		bench_measure(v, 2, rounds, p50);
		alloc_settle(&h);
		alloc_settle(&g);
		print_row(sizes[i].name, p50[0], p50[1]);
	}
	{
		struct alloc_ctx h = { .heap = host, .size = 4096, .fd = -1 };
		struct alloc_ctx g = { .heap = guest, .size = 4096, .fd = -1 };
		struct bench_variant v[2] = {
			{ .name = "host cycle", .run = run_alloc_close,
			  .ctx = &h },
			{ .name = "guest cycle", .run = run_alloc_close,
			  .ctx = &g },
		};

		bench_measure(v, 2, rounds, p50);
		alloc_settle(&h);
		alloc_settle(&g);
		print_row("alloc + close 4 KiB (cycle)", p50[0], p50[1]);
	}
	{
		struct attach_ctx h = { .dev = hdev };
		struct attach_ctx g = { .dev = gdev };
		struct bench_variant v[2] = {
			{ .name = "host attach", .run = run_attach, .ctx = &h,
			  .prepare = attach_prepare },
			{ .name = "guest attach", .run = run_attach,
			  .ctx = &g, .prepare = attach_prepare },
		};

		h.fd = rheap_heap_alloc(host, 4096, O_RDWR | O_CLOEXEC, 0, NULL);
		g.fd = rheap_heap_alloc(guest, 4096, O_RDWR | O_CLOEXEC, 0,
					NULL);
		if (h.fd < 0 || g.fd < 0) {
			die("alloc for attach", h.fd < 0 ? h.fd : g.fd);
		}
		bench_measure(v, 2, rounds, p50);
		attach_prepare(&h);
		attach_prepare(&g);
		print_row("attach 4 KiB to vdec", p50[0], p50[1]);
		close(h.fd);
		close(g.fd);
	}

	rheap_device_close(gdev);
	rheap_device_close(hdev);
	rheap_heap_close(guest);
	rheap_heap_close(host);
	teardown();
	return 0;
}
