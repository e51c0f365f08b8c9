// SPDX-License-Identifier: BSD-2-Clause
/*
 * Board benchmark: costs of the secure world against baselines measured in
 * the same run.
 *
 *   LEND + RECLAIM of N single-page constituents   vs  an empty FF-A round
 *   over the real socket transport                     trip (FFA_ID_GET) on
 *                                                      the same transport
 *   hw_dram_scrub() of a populated range           vs  memset() of a
 *                                                      populated range of
 *                                                      the same size
 *
 * The board runs in a child process (fork) serving one end of a
 * SOCK_SEQPACKET socketpair with the same transport code as rheap-board
 * (board_server_adopt()); the parent is the NW kernel (nw_client), with a
 * one-page TX buffer so that large descriptors are fragmented. The
 * constituents are adjacent pages, so the TZASC coalesces them into one
 * region (scattered pages would need one region each, and the default
 * board has 8). Two placements: the secure-video dynamic pool (reclaim
 * always scrubs pool memory) and ordinary NW DRAM (no scrub).
 *
 * Variants run interleaved, rotating their order every round; the printed
 * ratio is candidate p50 / baseline p50 (../shared/docs/PERFORMANCE.md).
 * Goals: lend+reclaim <= (fragments + 1) x the round trip; scrub <= 1.25 x
 * memset.
 *
 *   bench_board [--quick] DEFAULT_TL
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/platform.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_server.h"
#include "board/nw_client.h"
#include "hw/hw_dram.h"

#include "bench_harness.h"

#define SDP_ID 0x8001u
#define POOL_BASE UINT64_C(0x8ef000000) /* secure-video dynamic pool */
#define PLAIN_BASE UINT64_C(0x880000000) /* ordinary NW DRAM, bank 1 */
#define TX_PA UINT64_C(0x80000000)
#define RX_PA (TX_PA + 4096u)
#define MAX_RANGES 3000u

/* ---- the board in a child process ---- */

static pid_t board_spawn(const void *tl, size_t tl_size, int *client_fd)
{
	int sv[2] = { -1, -1 };
	pid_t pid = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		exit(2);
	}
	pid = fork();
	if (pid < 0) {
		exit(2);
	}
	if (pid == 0) {
		struct board_opts opts = { .quiet = true };
		struct board_server *srv = NULL;
		struct board *b = NULL;

		close(sv[0]);
		opts.log = fopen("/dev/null", "w");
		if (board_create(tl, tl_size, &opts, &b) != 0 ||
		    board_server_create(b, NULL, &srv) != 0 ||
		    board_server_adopt(srv, sv[1]) != 0) {
			_exit(1);
		}
		board_server_set_once(srv, true);
		(void)board_server_run(srv);
		board_server_destroy(srv);
		board_destroy(b);
		_exit(0);
	}
	close(sv[1]);
	*client_fd = sv[0];
	return pid;
}

/* ---- transport variants ---- */

struct lend_ctx {
	struct nw_client *c;
	struct rheap_ffa_range ranges[MAX_RANGES];
	uint32_t count;
	uint32_t fragments;
};

static int rt_id_get(void *p)
{
	struct lend_ctx *l = p;
	uint16_t id = 0;

	return nw_client_id_get(l->c, &id);
}

static int rt_lend_reclaim(void *p)
{
	struct lend_ctx *l = p;
	uint64_t handle = 0;
	int rc = nw_client_lend(l->c, SDP_ID, RHEAP_USE_CASE_SECURE_VIDEO,
				l->ranges, l->count, 0, &handle, &l->fragments);

	if (rc) {
		return rc;
	}
	return nw_client_reclaim(l->c, handle, 0);
}

static void bench_transport(struct lend_ctx *l, unsigned int rounds)
{
	static const uint32_t counts[] = { 1, 16, 256, MAX_RANGES };
	static const struct {
		const char *name;
		uint64_t base;
	} places[] = {
		{ "pool (scrubbed)", POOL_BASE },
		{ "plain NW DRAM", PLAIN_BASE },
	};

	printf("LEND + RECLAIM over the socket vs FFA_ID_GET round trip "
	       "(TX 1 page, adjacent 1-page constituents)\n");
	printf("  %-16s %6s %6s %12s %12s %8s %8s\n", "memory", "ranges",
	       "frags", "rt p50 ns", "lend+rc ns", "ratio", "goal");
	for (size_t pl = 0; pl < sizeof(places) / sizeof(places[0]); pl++) {
		for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
			struct bench_variant vs[2] = {
				{ .name = "id_get", .run = rt_id_get, .ctx = l },
				{ .name = "lend_reclaim", .run = rt_lend_reclaim, .ctx = l },
			};
			double p50[2] = { 0 };

			l->count = counts[k];
			for (uint32_t i = 0; i < l->count; i++) {
				l->ranges[i].address = places[pl].base +
						       (uint64_t)i * FFA_PAGE_SIZE;
				l->ranges[i].page_count = 1;
			}
			bench_measure(vs, 2, rounds, p50);
			printf("  %-16s %6u %6u %12.0f %12.0f %7.2fx %7ux\n",
			       places[pl].name, l->count, l->fragments, p50[0],
			       p50[1], p50[1] / p50[0], l->fragments + 1);
		}
	}
}

/* ---- scrub vs memset ---- */

struct scrub_ctx {
	struct hw_dram *dram;
	uint64_t pa;
	uint8_t *ptr;
	size_t size;
};

static void scrub_prepare(void *p)
{
	struct scrub_ctx *s = p;

	memset(s->ptr, 0x5A, s->size); /* populated, dirty memory */
}

static int scrub_memset(void *p)
{
	struct scrub_ctx *s = p;

	memset(s->ptr, 0, s->size);
	__asm__ volatile("" : : "r"(s->ptr) : "memory");
	return 0;
}

static int scrub_hw(void *p)
{
	struct scrub_ctx *s = p;

	return hw_dram_scrub(s->dram, s->pa, s->size);
}

static void bench_scrub(const void *tl, size_t tl_size, unsigned int rounds)
{
	static const size_t sizes[] = { 4096, 64u << 10, 2u << 20 };
	static const struct {
		const char *name;
		uint64_t base;
	} places[] = {
		{ "NW memfd", POOL_BASE },
		{ "carve-out", UINT64_C(0xe0000000) },
	};
	struct rheap_platform plat = { 0 };
	struct hw_dram *dram = NULL;
	const char *backing = NULL;

	if (rheap_platform_from_tl(tl, tl_size, &plat, NULL) != 0 ||
	    hw_dram_create(&plat, 0, &dram) != 0) {
		fprintf(stderr, "bench: cannot create DRAM\n");
		exit(1);
	}
	backing = hw_dram_backing_desc(dram);
	printf("\nhw_dram_scrub vs memset of a populated range (%s)\n", backing);
	printf("  %-10s %10s %12s %12s %8s %8s\n", "memory", "bytes",
	       "memset ns", "scrub ns", "ratio", "goal");
	for (size_t pl = 0; pl < sizeof(places) / sizeof(places[0]); pl++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			/* Two ranges, so one variant never pre-zeroes the other's. */
			struct scrub_ctx a = { .dram = dram, .size = sizes[k] };
			struct scrub_ctx b = { .dram = dram, .size = sizes[k] };
			struct bench_variant vs[2] = {
				{ .name = "memset", .run = scrub_memset,
				  .prepare = scrub_prepare, .ctx = &a },
				{ .name = "hw_dram_scrub", .run = scrub_hw,
				  .prepare = scrub_prepare, .ctx = &b },
			};
			double p50[2] = { 0 };
			void *pa = NULL;
			void *pb = NULL;

			a.pa = places[pl].base;
			b.pa = places[pl].base + (4u << 20);
			if (hw_dram_ptr(dram, a.pa, a.size, &pa) != 0 ||
			    hw_dram_ptr(dram, b.pa, b.size, &pb) != 0) {
				exit(1);
			}
			a.ptr = pa;
			b.ptr = pb;
			bench_measure(vs, 2, rounds, p50);
			printf("  %-10s %10zu %12.0f %12.0f %7.2fx %8s\n",
			       places[pl].name, sizes[k], p50[0], p50[1],
			       p50[1] / p50[0], "1.25x");
		}
	}
	hw_dram_destroy(dram);
}

int main(int argc, char **argv)
{
	unsigned int rounds = 101;
	struct lend_ctx *l = NULL;
	const char *tl_path = NULL;
	void *tl = NULL;
	size_t tl_size = 0;
	int fd = -1;
	int status = 0;
	pid_t pid = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			rounds = 11;
		} else {
			tl_path = argv[i];
		}
	}
	if (!tl_path) {
		fprintf(stderr, "usage: bench_board [--quick] DEFAULT_TL\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Same-CPU configuration (PERFORMANCE.md §5.1 rule 2): the board child
	 * inherits the mask. Across CPUs each round trip waits for an idle
	 * vCPU to wake, which swings the baseline from ~10 to ~90 us with the
	 * machine's load and says nothing about rheap.
	 */
	bench_pin_to_one_cpu();
	tl = bench_read_file(tl_path, &tl_size);
	l = calloc(1, sizeof(*l));
	if (!l) {
		return 1;
	}
	pid = board_spawn(tl, tl_size, &fd);
	rc = nw_client_connect_fd(fd, BOARD_CONN_NW, &l->c);
	if (rc == 0) {
		uint32_t v = 0;

		rc = nw_client_version(l->c, FFA_VERSION_1_2, &v);
	}
	if (rc == 0) {
		rc = nw_client_rxtx_map(l->c, TX_PA, RX_PA, 1);
	}
	if (rc) {
		fprintf(stderr, "bench: board setup failed: %s\n", rheap_err_name(rc));
		return 1;
	}
	printf("bench_board: %u rounds, p50 of each\n\n", rounds);
	bench_transport(l, rounds);
	nw_client_destroy(l->c);
	waitpid(pid, &status, 0);
	free(l);

	bench_scrub(tl, tl_size, rounds);
	free(tl);
	return 0;
}
