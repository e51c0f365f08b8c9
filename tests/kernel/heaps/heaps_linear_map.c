// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-guest linear-map check (issue 7, test (b)): after a dynamic lend the
 * chunk's pages are gone from the kernel's linear map, and they come back
 * only after the chunk went back to the kernel.
 *
 * Through debugfs rheap/probe_pa (the module loaded with test_hooks=1):
 * write a PA, read "<pa> ok <hex>" (copy_from_kernel_nofault() read 8
 * bytes through the linear map) or "<pa> -14" (it faulted). With
 * rheap/chunks giving the PA of a lent chunk:
 *
 *   1. a buffer from protected,secure-video-record (dynamic pool only);
 *      its chunk is lent: the chunk's first and last page fault;
 *   2. positive controls: an ordinary page (1 MiB into the first System
 *      RAM range of /proc/iomem of 2 MiB or more: 0x200000 on x86's pc,
 *      0x4010_0000 on arm64's virt) and a free chunk of the
 *      same pool read as data;
 *   3. a static pool (never mapped: memmap=) faults;
 *   4. the buffer freed, the chunk released after the idle delay: its
 *      first page reads as data again.
 *
 * Exit 0 iff every check passed.
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
#define ORDINARY_OFFSET 0x100000ull
#define RELEASE_TIMEOUT_MS 20000u

struct chunk {
	char heap[64];
	uint64_t base;
	uint64_t size;
	uint64_t used;
	char state[16];
};

/* Chunk lines of debugfs rheap/chunks; the count read (at most @cap). */
static size_t chunks_read(struct chunk *out, size_t cap)
{
	static char text[65536];
	char *line = text;
	size_t n = 0;

	if (ktap_read_file(KTAP_DEBUGFS "/chunks", text, sizeof(text)) < 0) {
		return 0;
	}
	while (line != NULL && *line != '\0' && n < cap) {
		char *nl = strchr(line, '\n');
		struct chunk c;

		memset(&c, 0, sizeof(c));
		if (nl != NULL) {
			*nl = '\0';
		}
		if (sscanf(line,
			   "%63s pool=%*u chunk=%*u base=%" SCNx64
			   " size=%" SCNx64 " state=%15s used=%" SCNx64,
			   c.heap, &c.base, &c.size, c.state, &c.used) == 5) {
			out[n++] = c;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return n;
}

/* Probe @pa: 1 data read, 0 faulted, -1 the hook failed. */
/* An ordinary RAM page: 1 MiB into the first System RAM range >= 2 MiB. */
static uint64_t ordinary_pa(void)
{
	static char text[16384];
	char *line = text;

	if (ktap_read_file("/proc/iomem", text, sizeof(text)) < 0) {
		return ORDINARY_OFFSET;
	}
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');
		unsigned long long lo = 0;
		unsigned long long hi = 0;
		int used = 0;

		if (nl != NULL) {
			*nl = '\0';
		}
		if (sscanf(line, "%llx-%llx : %n", &lo, &hi, &used) == 2 &&
		    used > 0 && strcmp(line + used, "System RAM") == 0 &&
		    hi > lo && hi - lo + 1 >= 2 * ORDINARY_OFFSET) {
			return (uint64_t)lo + ORDINARY_OFFSET;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return ORDINARY_OFFSET;
}

static int probe(uint64_t pa, char *line, size_t cap)
{
	char num[32] = { 0 };
	int rc = 0;

	snprintf(num, sizeof(num), "%#" PRIx64, pa);
	rc = ktap_write_file(KTAP_DEBUGFS "/probe_pa", num);
	if (rc == 0) {
		rc = ktap_read_file(KTAP_DEBUGFS "/probe_pa", line, cap);
	}
	if (rc < 0) {
		snprintf(line, cap, "probe_pa: %s", strerror(-rc));
		return -1;
	}
	line[strcspn(line, "\n")] = '\0';
	if (strstr(line, " ok ") != NULL) {
		return 1;
	}
	return strstr(line, " -14") != NULL ? 0 : -1;
}

int main(void)
{
	struct chunk chunks[256];
	char line[128] = { 0 };
	const struct chunk *lent = NULL;
	const struct chunk *free_chunk = NULL;
	const struct chunk *static_pool = NULL;
	size_t n = 0;
	int heap_fd = -1;
	int fd = -1;
	int r = 0;

	if (!ktap_check(access(KTAP_DEBUGFS "/probe_pa", W_OK) == 0,
			"debugfs rheap/probe_pa exists (load rheap.ko with "
			"test_hooks=1)")) {
		return ktap_done();
	}
	ktap_check(ktap_heap_wait(HEAP, 0, 0, RELEASE_TIMEOUT_MS) == 0,
		   "%s: no buffer, no chunk lent at the start", HEAP);
	heap_fd = open("/dev/dma_heap/" HEAP, O_RDONLY | O_CLOEXEC);
	if (!ktap_check(heap_fd >= 0, "open /dev/dma_heap/%s (%s)", HEAP,
			heap_fd >= 0 ? "ok" : strerror(errno))) {
		return ktap_done();
	}
	fd = ktap_dma_heap_alloc(heap_fd, 64 * 1024, O_RDWR | O_CLOEXEC);
	if (!ktap_check(fd >= 0, "%s: alloc 64 KiB (%s)", HEAP,
			fd >= 0 ? "ok" : strerror(-fd))) {
		return ktap_done();
	}
	n = chunks_read(chunks, 256);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(chunks[i].heap, HEAP) == 0 &&
		    strcmp(chunks[i].state, "lent") == 0 &&
		    chunks[i].used != 0 && lent == NULL) {
			lent = &chunks[i];
		}
		if (strcmp(chunks[i].heap, HEAP) == 0 &&
		    strcmp(chunks[i].state, "free") == 0 &&
		    free_chunk == NULL) {
			free_chunk = &chunks[i];
		}
		if (strcmp(chunks[i].state, "static") == 0 &&
		    static_pool == NULL) {
			static_pool = &chunks[i];
		}
	}
	if (!ktap_check(lent != NULL, "%s: a lent chunk holds the buffer",
			HEAP)) {
		close(fd);
		return ktap_done();
	}
	ktap_note("lent chunk %#" PRIx64 "+%#" PRIx64, lent->base, lent->size);
	r = probe(lent->base, line, sizeof(line));
	ktap_check(r == 0, "lent chunk's first page faults in the linear map "
		   "(%s)", line);
	r = probe(lent->base + lent->size - 8, line, sizeof(line));
	ktap_check(r == 0, "lent chunk's last page faults too (%s)", line);
	r = probe(ordinary_pa(), line, sizeof(line));
	ktap_check(r == 1, "positive control: an ordinary page reads as data "
		   "(%s)", line);
	if (free_chunk != NULL) {
		r = probe(free_chunk->base, line, sizeof(line));
		ktap_check(r == 1, "positive control: a free chunk of the same "
			   "pool reads as data (%s)", line);
	}
	if (static_pool != NULL) {
		r = probe(static_pool->base, line, sizeof(line));
		ktap_check(r == 0 || (r < 0 && strstr(line, "Invalid") != NULL),
			   "a static pool (%s) is not in the linear map (%s)",
			   static_pool->heap, line);
	}
	close(fd);
	ktap_check(ktap_heap_wait(HEAP, 0, 0, RELEASE_TIMEOUT_MS) == 0,
		   "%s: buffer freed, chunk released after the idle delay",
		   HEAP);
	r = probe(lent->base, line, sizeof(line));
	ktap_check(r == 1, "released chunk's first page reads as data again "
		   "(%s)", line);
	close(heap_fd);
	return ktap_done();
}
