// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-guest allocation benchmark (issue 7, test (c)): DMA_HEAP_IOCTL_ALLOC
 * latency of the module's heaps against the kernel's own `system` heap,
 * same boot, same program, medians of N.
 *
 *   heaps_bench [N]   (default 51)
 *
 * For each size (4 KiB, 64 KiB, 1 MiB) and heap: N times alloc, then
 * close (the free: for a restricted heap the secure world scrubs it), each
 * timed alone. protected,secure-video is served from its static pool (no
 * LEND); protected,secure-video-record only has a dynamic pool: "warm"
 * runs find a lent chunk (within the idle delay), "cold" runs wait for
 * the chunk to go back first, so the alloc includes alloc_contig_range,
 * the linear-map removal, FFA_MEM_LEND and SDP ASSIGN.
 *
 * Clock: a TCG guest without ACPI often has no usable clocksource but
 * jiffies (4 ms), so on x86 every operation is timed with rdtsc (under
 * TCG the host's TSC) and the tick rate is calibrated against
 * CLOCK_MONOTONIC over 1 s (0.4 % with a 4 ms clock); the ratios do not
 * depend on the calibration.
 *
 * Prints "bench ..." lines and the ratios; exits 0 iff every allocation
 * succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"

#define N_MAX 1001
#define COLD_RUNS 3
#define CALIBRATE_NS 1000000000ull

/* Ticks per microsecond of bench_ticks(). */
static double ticks_per_us = 1000.0;

#if defined(__x86_64__) || defined(__i386__)
static uint64_t bench_ticks(void)
{
	uint32_t lo = 0;
	uint32_t hi = 0;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void bench_calibrate(void)
{
	uint64_t t0 = ktap_now_ns();
	uint64_t c0 = bench_ticks();
	uint64_t t1 = t0;

	while ((t1 = ktap_now_ns()) - t0 < CALIBRATE_NS) {
	}
	ticks_per_us = (double)(bench_ticks() - c0) /
		       ((double)(t1 - t0) / 1000.0);
	ktap_note("clock: rdtsc, %.1f ticks/us (calibrated over %.0f ms)",
		  ticks_per_us, (double)(t1 - t0) / 1e6);
}
#else
static uint64_t bench_ticks(void)
{
	return ktap_now_ns();
}

static void bench_calibrate(void)
{
	ktap_note("clock: CLOCK_MONOTONIC");
}
#endif

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a;
	uint64_t y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* Median alloc and free ticks of @n rounds of @size on @heap; 0 or -errno. */
static int bench(const char *heap, uint64_t size, size_t n, uint64_t *alloc,
		 uint64_t *free_ns)
{
	static uint64_t ta[N_MAX];
	static uint64_t tf[N_MAX];
	char path[128] = { 0 };
	int heap_fd = -1;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	heap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0) {
		return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = bench_ticks();
		int fd = ktap_dma_heap_alloc(heap_fd, size, O_RDWR | O_CLOEXEC);
		uint64_t t1 = bench_ticks();

		if (fd < 0) {
			close(heap_fd);
			return fd;
		}
		close(fd);
		ta[i] = t1 - t0;
		tf[i] = bench_ticks() - t1;
	}
	close(heap_fd);
	*alloc = median(ta, n);
	*free_ns = median(tf, n);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint64_t sizes[] = { 4096, 64 * 1024, 1024 * 1024 };
	static const char *const heaps[] = {
		"system", "protected,secure-video",
		"protected,secure-video-record",
	};
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 51;
	uint64_t cold[COLD_RUNS] = { 0 };
	int rc = 0;

	if (n == 0 || n > N_MAX) {
		fprintf(stderr, "usage: heaps_bench [N (1..%d)]\n", N_MAX);
		return 2;
	}
	bench_calibrate();
	ktap_note("allocation latency, median of %zu (us)", n);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint64_t a[3] = { 0 };
		uint64_t f[3] = { 0 };
		bool ok = true;

		for (size_t h = 0; h < 3; h++) {
			rc = bench(heaps[h], sizes[s], n, &a[h], &f[h]);
			ok = ok && rc == 0;
			ktap_check(rc == 0,
				   "bench heap=%s size=%llu alloc_us=%.1f "
				   "free_us=%.1f%s%s",
				   heaps[h], (unsigned long long)sizes[s],
				   a[h] / ticks_per_us, f[h] / ticks_per_us,
				   rc ? " error " : "",
				   rc ? strerror(-rc) : "");
		}
		if (ok && a[0] != 0 && f[0] != 0) {
			ktap_note("ratio size=%llu secure-video/system alloc "
				  "%.2f free %.2f; secure-video-record(warm)/"
				  "system alloc %.2f free %.2f",
				  (unsigned long long)sizes[s],
				  (double)a[1] / (double)a[0],
				  (double)f[1] / (double)f[0],
				  (double)a[2] / (double)a[0],
				  (double)f[2] / (double)f[0]);
		}
	}
	/* Cold: the chunk went back first (idle delay), so LEND is paid. */
	for (size_t i = 0; i < COLD_RUNS; i++) {
		uint64_t f = 0;

		rc = ktap_heap_wait("protected,secure-video-record", 0, 0,
				    20000);
		if (!ktap_check(rc == 0, "cold run %zu: no chunk lent", i)) {
			break;
		}
		rc = bench("protected,secure-video-record", 64 * 1024, 1,
			   &cold[i], &f);
		ktap_check(rc == 0, "bench heap=protected,secure-video-record "
			   "size=65536 cold alloc_us=%.1f (LEND of a chunk)",
			   cold[i] / ticks_per_us);
	}
	if (rc == 0) {
		ktap_note("cold alloc (chunk lent on demand), median of %d: "
			  "%.1f us", COLD_RUNS,
			  median(cold, COLD_RUNS) / ticks_per_us);
	}
	return ktap_done();
}
