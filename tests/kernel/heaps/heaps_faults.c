// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-guest test of rheap.ko's failure paths (issue 7, R4), with the board
 * failing chosen calls on purpose (rheap-board --fault guest, armed here
 * through debugfs rheap/fault; docs/board-transport.md "Fault injection").
 * Needs test_hooks=1 (rheap/fault, rheap/probe_pa). On the dynamic-only
 * heap protected,secure-video-record (16 MiB chunks):
 *
 *   1. LEND fails while growing: the allocation fails, the heap's counters
 *      are as before (buffers, bytes, chunks lent, lends), every free
 *      chunk of the pool is in the linear map again (probe_pa reads data).
 *   2. ASSIGN fails while growing: the same.
 *   3. RECLAIM of an idle chunk fails: reclaim_failures + 1, the chunk
 *      stays lent and out of the linear map; a later idle pass retries and
 *      gives it back (mapped again).
 *   4. SCRUB fails at buffer release: the buffer's 64 KiB are quarantined
 *      (heap and total "quarantined" + 64 KiB), its chunk stays lent, and
 *      the rest of the chunk (16 MiB - 64 KiB) is handed out without a
 *      second chunk: the quarantined pages are never handed out again.
 *
 * The quarantine is permanent, so this program runs last (its name sorts
 * after every other test's). Exit 0 iff every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"

#define HEAP "protected,secure-video-record"
#define CHUNK (16ull << 20)
#define SMALL (64ull * 1024)
#define IDLE_TIMEOUT_MS 20000u

enum { KIND_SCRUB = 1, KIND_RECLAIM = 2, KIND_LEND = 3, KIND_ASSIGN = 4 };

struct chunk {
	char heap[64];
	uint64_t base;
	uint64_t size;
	uint64_t used;
	char state[16];
};

static struct chunk chunks[256];

static size_t chunks_read(void)
{
	static char text[65536];
	char *line = text;
	size_t n = 0;

	if (ktap_read_file(KTAP_DEBUGFS "/chunks", text, sizeof(text)) < 0) {
		return 0;
	}
	while (line != NULL && *line != '\0' && n < 256) {
		char *nl = strchr(line, '\n');
		struct chunk c;

		memset(&c, 0, sizeof(c));
		if (nl != NULL) {
			*nl = '\0';
		}
		if (sscanf(line,
			   "%63s pool=%*u chunk=%*u base=%" SCNx64
			   " size=%" SCNx64 " state=%15s used=%" SCNx64,
			   c.heap, &c.base, &c.size, c.state, &c.used) == 5 &&
		    strcmp(c.heap, HEAP) == 0) {
			chunks[n++] = c;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return n;
}

/* 1 data read, 0 faulted, -1 the hook failed. */
static int probe(uint64_t pa)
{
	char num[32] = { 0 };
	char line[128] = { 0 };
	int rc = 0;

	snprintf(num, sizeof(num), "%#" PRIx64, pa);
	rc = ktap_write_file(KTAP_DEBUGFS "/probe_pa", num);
	if (rc == 0) {
		rc = ktap_read_file(KTAP_DEBUGFS "/probe_pa", line,
				    sizeof(line));
	}
	if (rc < 0) {
		return -1;
	}
	if (strstr(line, " ok ") != NULL) {
		return 1;
	}
	return strstr(line, " -14") != NULL ? 0 : -1;
}

/* Arm the Nth call of @kind (0 disarms); the faults of @kind fired so far. */
static int64_t arm(int kind, unsigned int n)
{
	char cmd[32] = { 0 };
	char line[64] = { 0 };
	unsigned long long fired = 0;

	snprintf(cmd, sizeof(cmd), "%d %u", kind, n);
	if (ktap_write_file(KTAP_DEBUGFS "/fault", cmd) != 0 ||
	    ktap_read_file(KTAP_DEBUGFS "/fault", line, sizeof(line)) < 0 ||
	    sscanf(line, "fired=%llu", &fired) != 1) {
		return -1;
	}
	return (int64_t)fired;
}

static uint64_t stat_of(const char *heap, const char *key)
{
	uint64_t v = UINT64_MAX;

	(void)ktap_heap_stat(heap, key, &v);
	return v;
}

/* Every free chunk of the pool reads as data, every lent one faults. */
static void check_map(const char *when)
{
	size_t n = chunks_read();
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		int want = strcmp(chunks[i].state, "free") == 0 ? 1 : 0;

		if (probe(chunks[i].base) != want ||
		    probe(chunks[i].base + chunks[i].size - 8) != want) {
			bad++;
			ktap_note("chunk %#" PRIx64 " (%s) maps wrongly",
				  chunks[i].base, chunks[i].state);
		}
	}
	ktap_check(n > 0 && bad == 0,
		   "%s: %zu chunks, free ones in the linear map, lent ones not",
		   when, n);
}

static void grow_fails(int heap_fd, int kind, const char *name)
{
	uint64_t buffers = stat_of(HEAP, "buffers");
	uint64_t bytes = stat_of(HEAP, "bytes");
	uint64_t lent = stat_of(HEAP, "chunks_lent");
	uint64_t failures = stat_of(HEAP, "alloc_failures");
	uint64_t lends = stat_of("total", "lends");
	int64_t fired = arm(kind, 1);
	int fd = -1;

	if (!ktap_check(fired >= 0, "%s: fault armed through rheap/fault",
			name)) {
		return;
	}
	fd = ktap_dma_heap_alloc(heap_fd, SMALL, O_RDWR | O_CLOEXEC);
	ktap_check(fd < 0, "%s fails: the allocation fails (%s)", name,
		   fd < 0 ? strerror(-fd) : "it succeeded");
	if (fd >= 0) {
		close(fd);
	}
	ktap_check(arm(kind, 0) == fired + 1, "%s: the board failed it once",
		   name);
	ktap_check(stat_of(HEAP, "buffers") == buffers &&
			   stat_of(HEAP, "bytes") == bytes &&
			   stat_of(HEAP, "chunks_lent") == lent &&
			   stat_of("total", "lends") == lends,
		   "%s: buffers, bytes, chunks lent and lends as before", name);
	ktap_check(stat_of(HEAP, "alloc_failures") == failures + 1,
		   "%s: counted as an allocation failure", name);
	check_map(name);
}

static void reclaim_fails(int heap_fd)
{
	uint64_t failures = stat_of("total", "reclaim_failures");
	uint64_t reclaims = stat_of("total", "reclaims");
	uint64_t base = 0;
	size_t n = 0;
	int fd = ktap_dma_heap_alloc(heap_fd, SMALL, O_RDWR | O_CLOEXEC);

	if (!ktap_check(fd >= 0, "reclaim: alloc 64 KiB (%s)",
			fd >= 0 ? "ok" : strerror(-fd))) {
		return;
	}
	n = chunks_read();
	for (size_t i = 0; i < n; i++) {
		if (strcmp(chunks[i].state, "lent") == 0 && chunks[i].used) {
			base = chunks[i].base;
		}
	}
	ktap_check(base != 0, "reclaim: the buffer's chunk is lent");
	ktap_check(arm(KIND_RECLAIM, 1) >= 0, "reclaim: fault armed");
	close(fd);
	/* The idle pass fails once ... */
	for (unsigned int t = 0; t < IDLE_TIMEOUT_MS / 50u; t++) {
		if (stat_of("total", "reclaim_failures") > failures) {
			break;
		}
		usleep(50 * 1000);
	}
	ktap_check(stat_of("total", "reclaim_failures") == failures + 1,
		   "reclaim fails: reclaim_failures + 1");
	ktap_check(stat_of(HEAP, "chunks_lent") == 1,
		   "reclaim fails: the chunk stays lent");
	ktap_check(base != 0 && probe(base) == 0,
		   "reclaim fails: the chunk stays out of the linear map");
	/* ... and a later one gives the chunk back. */
	ktap_check(ktap_heap_wait(HEAP, 0, 0, IDLE_TIMEOUT_MS) == 0,
		   "reclaim retried later: no chunk lent");
	ktap_check(stat_of("total", "reclaims") > reclaims,
		   "reclaim retried later: counted as a reclaim");
	ktap_check(base != 0 && probe(base) == 1,
		   "reclaim retried later: the chunk is in the linear map again");
	ktap_check(arm(KIND_RECLAIM, 0) >= 1, "reclaim: the fault fired");
}

static void scrub_fails(int heap_fd)
{
	uint64_t q_heap = stat_of(HEAP, "quarantined");
	uint64_t q_total = stat_of("total", "quarantined");
	uint64_t base = 0;
	uint64_t used = 0;
	size_t n = 0;
	int fd = ktap_dma_heap_alloc(heap_fd, SMALL, O_RDWR | O_CLOEXEC);
	int b = -1;
	int c = -1;

	if (!ktap_check(fd >= 0, "scrub: alloc 64 KiB (%s)",
			fd >= 0 ? "ok" : strerror(-fd))) {
		return;
	}
	ktap_check(arm(KIND_SCRUB, 1) >= 0, "scrub: fault armed");
	close(fd);
	ktap_check(arm(KIND_SCRUB, 0) >= 1, "scrub: the fault fired");
	ktap_check(stat_of(HEAP, "quarantined") == q_heap + SMALL &&
			   stat_of("total", "quarantined") == q_total + SMALL,
		   "scrub fails: 64 KiB quarantined (heap and total)");
	ktap_check(stat_of(HEAP, "buffers") == 0 &&
			   stat_of(HEAP, "bytes") == 0,
		   "scrub fails: the buffer is gone from the accounting");
	/* Past the idle delay the quarantined chunk is still lent. */
	usleep(3 * 1000 * 1000);
	n = chunks_read();
	for (size_t i = 0; i < n; i++) {
		if (strcmp(chunks[i].state, "lent") == 0) {
			base = chunks[i].base;
			used = chunks[i].used;
		}
	}
	ktap_check(stat_of(HEAP, "chunks_lent") == 1 && used == SMALL,
		   "scrub fails: its chunk stays lent, 64 KiB of it used "
		   "(used=%#" PRIx64 ")", used);
	ktap_check(base != 0 && probe(base) == 0,
		   "scrub fails: the quarantined chunk stays out of the "
		   "linear map");
	/* The rest of the chunk fits in it: no page is quarantined twice. */
	b = ktap_dma_heap_alloc(heap_fd, SMALL, O_RDWR | O_CLOEXEC);
	c = ktap_dma_heap_alloc(heap_fd, CHUNK - 2 * SMALL,
				O_RDWR | O_CLOEXEC);
	n = chunks_read();
	used = 0;
	for (size_t i = 0; i < n; i++) {
		if (chunks[i].base == base) {
			used = chunks[i].used;
		}
	}
	ktap_check(b >= 0 && c >= 0 && stat_of(HEAP, "chunks_lent") == 1 &&
			   used == CHUNK,
		   "the chunk's other pages are handed out, the quarantined "
		   "ones are not (used=%#" PRIx64 ")", used);
	if (b >= 0) {
		close(b);
	}
	if (c >= 0) {
		close(c);
	}
	ktap_check(stat_of(HEAP, "buffers") == 0 &&
			   stat_of(HEAP, "quarantined") == q_heap + SMALL,
		   "after the frees: still 64 KiB quarantined");
}

int main(void)
{
	int heap_fd = -1;

	if (!ktap_check(access(KTAP_DEBUGFS "/fault", W_OK) == 0 &&
				access(KTAP_DEBUGFS "/probe_pa", W_OK) == 0,
			"debugfs rheap/fault and rheap/probe_pa exist "
			"(test_hooks=1)")) {
		return ktap_done();
	}
	if (!ktap_check(arm(KIND_LEND, 0) >= 0,
			"the board takes faults from the guest "
			"(rheap-board --debug-dump --fault guest)")) {
		return ktap_done();
	}
	ktap_check(ktap_heap_wait(HEAP, 0, 0, IDLE_TIMEOUT_MS) == 0,
		   "%s: no buffer, no chunk lent at the start", HEAP);
	heap_fd = open("/dev/dma_heap/" HEAP, O_RDONLY | O_CLOEXEC);
	if (!ktap_check(heap_fd >= 0, "open /dev/dma_heap/%s (%s)", HEAP,
			heap_fd >= 0 ? "ok" : strerror(errno))) {
		return ktap_done();
	}
	grow_fails(heap_fd, KIND_LEND, "LEND");
	grow_fails(heap_fd, KIND_ASSIGN, "ASSIGN");
	reclaim_fails(heap_fd);
	scrub_fails(heap_fd);
	close(heap_fd);
	return ktap_done();
}
