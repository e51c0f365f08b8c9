// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-guest restricted-heap selftest (issue 7, test (a)): the checks of
 * tests/integration/selftest_rheap.c through librheap's Linux backend
 * (/dev/dma_heap, RHEAP_OPEN_LINUX) against the module's real dma-heaps,
 * without rheapd or a board process: for every heap the kernel lists,
 *
 *   - sizes from 1 byte up to the largest pool; pool + 1 (heap with one
 *     pool) and capacity + 1 fail with -ENOMEM, nothing left behind;
 *   - flag errors (fd_flags ~0 / O_NONBLOCK, heap_flags ~0 / 1, fd != 0,
 *     len 0, len rounding past 2^64) fail with -EINVAL;
 *   - compat structs: the 16-byte one and a 48-byte one with garbage;
 *   - /proc/self/fd counted around every error path;
 *   - restricted buffers refuse mmap, read, write and DMA_BUF_IOCTL_SYNC;
 *     system buffers map and come back zeroed;
 *   - rheap_heap_import() names the heap and size (fdinfo);
 *   - an importer's view (debugfs rheap/attach_test): attach + map give an
 *     sg_table covering the buffer, also for one spanning chunks;
 *   - accounting (debugfs rheap/heaps) back to 0 buffers, 0 bytes;
 *   - the secure-side zeroing scan of tests/integration/selftest_rheap.c
 *     on protected,secure-video (a 128 MiB dynamic and a 32 MiB static
 *     pool): canaries injected through the TEE (librheap's TEEC on the
 *     module's /dev/tee0, TEE_IOC_SHM_REGISTER_FD) into the dynamic pool
 *     held whole and into a buffer of the static pool, read back as a
 *     positive control, the buffers freed (the dynamic chunks back to
 *     Linux), every pool allocated again whole and dumped from the secure
 *     side (DEBUG DUMP, the board runs with --debug-dump): no canary byte.
 *
 * Capacities and pool sizes come from debugfs rheap/heaps and chunks
 * (the Linux backend cannot know them). Exit 0 iff every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/sdp_ta.h>
#include <rheap/tee_client_api.h>

#include "ktap.h"

#define MAX_HEAPS 8
#define MAX_POOLS 8

/* The secure-side zeroing scan: its heap, canary byte, dump step. */
#define ZERO_HEAP "protected,secure-video"
#define CANARY 0xc5u
#define STEP (1u << 20)

/* Pool sizes of @heap from debugfs rheap/chunks (sum of its chunks). */
static size_t pool_sizes(const char *heap, uint64_t *sizes, size_t cap)
{
	static char text[65536];
	unsigned int pools[MAX_POOLS];
	size_t n = 0;
	size_t hl = strlen(heap);
	char *line = text;

	if (ktap_read_file(KTAP_DEBUGFS "/chunks", text, sizeof(text)) < 0) {
		return 0;
	}
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');
		char *p = NULL;
		char *s = NULL;
		unsigned int pool = 0;
		size_t i = 0;

		if (nl != NULL) {
			*nl = '\0';
		}
		p = strstr(line, " pool=");
		s = strstr(line, " size=");
		if (strncmp(line, heap, hl) == 0 && line[hl] == ' ' &&
		    p != NULL && s != NULL) {
			pool = (unsigned int)strtoul(p + 6, NULL, 10);
			for (i = 0; i < n && pools[i] != pool; i++) {
			}
			if (i == n && n < cap) {
				pools[n] = pool;
				sizes[n++] = 0;
			}
			if (i < n) {
				sizes[i] += strtoull(s + 6, NULL, 16);
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return n;
}

static void check_sizes(struct rheap_heap *heap, const char *name,
			bool restricted, uint64_t capacity, uint64_t largest,
			size_t pool_count)
{
	static const uint64_t sizes[] = { 1, KTAP_PAGE - 1, KTAP_PAGE,
					  KTAP_PAGE + 1, 1u << 20,
					  (16u << 20) + 3 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rheap_buf_info info = { 0 };
		uint64_t want = (sizes[i] + KTAP_PAGE - 1) / KTAP_PAGE *
				KTAP_PAGE;
		int before = ktap_fd_count();
		int fd = 0;

		if (capacity != 0 && want > largest) {
			continue;
		}
		fd = rheap_heap_alloc(heap, sizes[i], O_RDWR | O_CLOEXEC, 0,
				      &info);
		ktap_check(fd >= 0 && info.size == want &&
				   info.restricted == restricted,
			   "%s: alloc %llu bytes -> %llu (%s)", name,
			   (unsigned long long)sizes[i],
			   (unsigned long long)info.size,
			   fd >= 0 ? "ok" : rheap_err_name(fd));
		if (fd >= 0) {
			close(fd);
		}
		ktap_check(ktap_fd_count() == before, "%s: no fd left behind",
			   name);
	}
	if (capacity == 0) {
		return; /* system */
	}
	{
		int before = ktap_fd_count();
		uint64_t t0 = ktap_now_ns();
		int fd = rheap_heap_alloc(heap, largest, O_CLOEXEC, 0, NULL);

		ktap_check(fd >= 0, "%s: alloc the whole largest pool (%llu): "
			   "%s (%llu ms)", name, (unsigned long long)largest,
			   fd >= 0 ? "ok" : rheap_err_name(fd),
			   (unsigned long long)(ktap_now_ns() - t0) / 1000000u);
		if (fd >= 0) {
			close(fd);
		}
		ktap_check(ktap_fd_count() == before, "%s: no fd left behind",
			   name);
	}
	if (pool_count == 1) {
		int before = ktap_fd_count();
		int fd = rheap_heap_alloc(heap, largest + 1, O_CLOEXEC, 0, NULL);

		ktap_check(fd == -ENOMEM, "%s: pool size + 1 fails: %s", name,
			   rheap_err_name(fd));
		if (fd >= 0) {
			close(fd);
		}
		ktap_check(ktap_fd_count() == before,
			   "%s: no fd on the error path", name);
	}
	{
		int before = ktap_fd_count();
		int fd = rheap_heap_alloc(heap, capacity + 1, O_CLOEXEC, 0,
					  NULL);

		ktap_check(fd == -ENOMEM, "%s: capacity + 1 (%llu) fails: %s",
			   name, (unsigned long long)capacity + 1,
			   rheap_err_name(fd));
		if (fd >= 0) {
			close(fd);
		}
		ktap_check(ktap_fd_count() == before,
			   "%s: no fd on the error path", name);
	}
}

static void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void check_flags_compat(struct rheap_heap *heap, const char *name)
{
	static const struct {
		const char *what;
		uint64_t len;
		uint32_t fd;
		uint32_t fd_flags;
		uint64_t heap_flags;
	} bad[] = {
		{ "fd_flags ~0", KTAP_PAGE, 0, ~0u, 0 },
		{ "fd_flags O_NONBLOCK", KTAP_PAGE, 0, O_NONBLOCK, 0 },
		{ "heap_flags ~0", KTAP_PAGE, 0, O_RDWR, ~0ull },
		{ "heap_flags 1", KTAP_PAGE, 0, O_RDWR, 1 },
		{ "fd != 0", KTAP_PAGE, 3, O_RDWR, 0 },
		{ "len 0", 0, 0, O_RDWR, 0 },
		{ "len rounds past 2^64", UINT64_MAX, 0, O_RDWR, 0 },
	};
	uint8_t small[16] = { 0 };
	uint8_t big[48];
	uint32_t fdv = 0;
	int fd = -1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t data[24] = { 0 };
		int before = ktap_fd_count();

		put_u64(data, bad[i].len);
		put_u32(data + 8, bad[i].fd);
		put_u32(data + 12, bad[i].fd_flags);
		put_u64(data + 16, bad[i].heap_flags);
		fd = rheap_heap_alloc_raw(heap, data, sizeof(data), NULL);
		ktap_check(fd == -EINVAL, "%s: %s refused: %s", name,
			   bad[i].what, rheap_err_name(fd));
		if (fd >= 0) {
			close(fd);
		}
		ktap_check(ktap_fd_count() == before,
			   "%s: %s: no fd left behind", name, bad[i].what);
	}
	put_u64(small, KTAP_PAGE);
	put_u32(small + 12, O_RDWR | O_CLOEXEC);
	fd = rheap_heap_alloc_raw(heap, small, sizeof(small), NULL);
	memcpy(&fdv, small + 8, 4);
	ktap_check(fd >= 0 && fdv == (uint32_t)fd,
		   "%s: 16-byte compat struct succeeds, fd written back (%s)",
		   name, fd >= 0 ? "ok" : rheap_err_name(fd));
	if (fd >= 0) {
		close(fd);
	}
	memset(big, 0xa5, sizeof(big));
	memset(big, 0, 24);
	put_u64(big, KTAP_PAGE);
	put_u32(big + 12, O_RDWR | O_CLOEXEC);
	fd = rheap_heap_alloc_raw(heap, big, sizeof(big), NULL);
	ktap_check(fd >= 0, "%s: 48-byte struct with garbage succeeds (%s)",
		   name, fd >= 0 ? "ok" : rheap_err_name(fd));
	if (fd >= 0) {
		close(fd);
	}
}

static void check_cpu_access(struct rheap_heap *heap, const char *name,
			     bool restricted)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_RW };
	struct rheap_buf_info info = { 0 };
	uint8_t byte = 0;
	int fd = rheap_heap_alloc(heap, 2 * KTAP_PAGE, O_RDWR | O_CLOEXEC, 0,
				  NULL);
	void *map = NULL;
	int rc = 0;

	if (!ktap_check(fd >= 0, "%s: alloc 2 pages for CPU access", name)) {
		return;
	}
	rc = rheap_heap_import(heap, fd, &info);
	ktap_check(rc == 0 && strcmp(info.heap, name) == 0 &&
			   info.size == 2 * KTAP_PAGE &&
			   info.restricted == restricted,
		   "%s: import names heap '%s', size %llu (%s)", name,
		   info.heap, (unsigned long long)info.size,
		   rheap_err_name(rc));
	map = mmap(NULL, 2 * KTAP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (restricted) {
		ssize_t r = 0;
		ssize_t w = 0;

		ktap_check(map == MAP_FAILED && errno == EPERM,
			   "%s: mmap refused with EPERM (%s)", name,
			   map == MAP_FAILED ? strerror(errno) : "mapped!");
		if (map != MAP_FAILED) {
			munmap(map, 2 * KTAP_PAGE);
		}
		r = read(fd, &byte, 1);
		ktap_check(r < 0, "%s: read refused (%s)", name,
			   r < 0 ? strerror(errno) : "read a byte!");
		w = write(fd, &byte, 1);
		ktap_check(w < 0, "%s: write refused (%s)", name,
			   w < 0 ? strerror(errno) : "wrote a byte!");
		rc = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		ktap_check(rc < 0 && errno == EPERM,
			   "%s: DMA_BUF_IOCTL_SYNC (begin_cpu_access) refused "
			   "with EPERM (%s)", name,
			   rc < 0 ? strerror(errno) : "accepted!");
	} else {
		size_t nonzero = 0;

		if (ktap_check(map != MAP_FAILED, "%s: mmap works", name)) {
			for (size_t i = 0; i < 2 * KTAP_PAGE; i++) {
				nonzero += ((uint8_t *)map)[i] != 0;
			}
			ktap_check(nonzero == 0, "%s: new buffer is zeroed "
				   "(%zu non-zero bytes)", name, nonzero);
			munmap(map, 2 * KTAP_PAGE);
		}
	}
	close(fd);
}

/* An importer attaches and maps: debugfs rheap/attach_test. */
static void check_attach(struct rheap_heap *heap, const char *name,
			 uint64_t len, const char *what)
{
	char line[256] = { 0 };
	char num[32] = { 0 };
	int fd = rheap_heap_alloc(heap, len, O_RDWR | O_CLOEXEC, 0, NULL);
	int rc = 0;

	if (!ktap_check(fd >= 0, "%s: alloc %s (%llu bytes) to attach (%s)",
			name, what, (unsigned long long)len,
			fd >= 0 ? "ok" : rheap_err_name(fd))) {
		return;
	}
	snprintf(num, sizeof(num), "%d", fd);
	rc = ktap_write_file(KTAP_DEBUGFS "/attach_test", num);
	if (rc == 0) {
		rc = ktap_read_file(KTAP_DEBUGFS "/attach_test", line,
				    sizeof(line));
	}
	line[strcspn(line, "\n")] = '\0';
	ktap_check(rc >= 0 && strncmp(line, "ok ", 3) == 0,
		   "%s: attach + map_dma_buf of %s: sg_table covers it (%s)",
		   name, what, rc >= 0 ? line : strerror(-rc));
	close(fd);
}

/**
 * struct zt - the zeroing scan's TEE state
 * @ctx:  the context (/dev/tee0)
 * @sess: a session to sdp_basic
 * @ns:   a STEP-byte pool block (no bounce per call)
 */
struct zt {
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_SharedMemory ns;
};

/* INJECT (@cmd) from or DUMP into @t->ns, @len bytes at @off of @shm. */
static TEEC_Result zt_copy(struct zt *t, uint32_t cmd, TEEC_SharedMemory *shm,
			   size_t off, size_t len)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	bool in = cmd == SDP_TA_CMD_INJECT;
	uint32_t origin = 0;

	/* The source is parameter 0 either way. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[in ? 0 : 1].memref.parent = &t->ns;
	op.params[in ? 0 : 1].memref.size = len;
	op.params[in ? 1 : 0].memref.parent = shm;
	op.params[in ? 1 : 0].memref.offset = off;
	op.params[in ? 1 : 0].memref.size = len;
	return TEEC_InvokeCommand(&t->sess, cmd, &op, &origin);
}

/* Canaries into STEP bytes at each of the @n offsets @offs of buffer
 * @fd, each read back. 0 or -1.
 */
static int zt_canaries(struct zt *t, int fd, const size_t *offs, size_t n)
{
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_Result reg = TEEC_RegisterSharedMemoryFileDescriptor(&t->ctx, &shm,
								  fd);
	TEEC_Result res = reg;
	uint8_t *b = t->ns.buffer;

	for (size_t i = 0; i < n && res == TEEC_SUCCESS; i++) {
		memset(b, CANARY, STEP);
		res = zt_copy(t, SDP_TA_CMD_INJECT, &shm, offs[i], STEP);
		if (res == TEEC_SUCCESS) {
			memset(b, 0, STEP);
			res = zt_copy(t, SDP_TA_CMD_DUMP, &shm, offs[i], STEP);
		}
		if (res == TEEC_SUCCESS && b[STEP - 1] != CANARY) {
			res = TEEC_ERROR_GENERIC;
		}
	}
	if (reg == TEEC_SUCCESS) {
		TEEC_ReleaseSharedMemory(&shm);
	}
	return res == TEEC_SUCCESS ? 0 : -1;
}

/* Dump all of buffer @fd from the secure side; count canary and non-zero
 * bytes. 0 or -1.
 */
static int zt_scan(struct zt *t, int fd, uint64_t *canaries,
		   uint64_t *nonzero, uint64_t *scanned)
{
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_Result res = TEEC_RegisterSharedMemoryFileDescriptor(&t->ctx, &shm,
								  fd);
	const uint8_t *b = t->ns.buffer;

	if (res != TEEC_SUCCESS) {
		return -1;
	}
	for (size_t off = 0; off < shm.size && res == TEEC_SUCCESS;
	     off += STEP) {
		size_t n = shm.size - off < STEP ? shm.size - off : STEP;

		res = zt_copy(t, SDP_TA_CMD_DUMP, &shm, off, n);
		for (size_t i = 0; i < n && res == TEEC_SUCCESS; i++) {
			*canaries += b[i] == CANARY;
			*nonzero += b[i] != 0;
		}
		*scanned += res == TEEC_SUCCESS ? n : 0;
	}
	TEEC_ReleaseSharedMemory(&shm);
	return res == TEEC_SUCCESS ? 0 : -1;
}

/*
 * The secure-side zeroing scan on ZERO_HEAP: @dyn the dynamic pool's size
 * (the largest), @stat the static pool's.
 */
static void check_secure_zeroing(uint64_t dyn, uint64_t stat)
{
	static const TEEC_UUID sdp_basic = SDP_TA_SDP_BASIC_UUID;
	struct rheap_heap *heap = NULL;
	struct zt t;
	uint32_t origin = 0;
	uint64_t canaries = 0;
	uint64_t nonzero = 0;
	uint64_t scanned = 0;
	uint64_t t0 = 0;
	int a = -1;
	int b = -1;
	TEEC_Result res = 0;

	memset(&t, 0, sizeof(t));
	t.ns.size = STEP;
	t.ns.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	if (!ktap_check(rheap_heap_open(ZERO_HEAP, RHEAP_OPEN_LINUX, &heap) ==
				0,
			"zeroing: open %s", ZERO_HEAP)) {
		return;
	}
	res = TEEC_InitializeContext(NULL, &t.ctx);
	if (res == TEEC_SUCCESS) {
		res = TEEC_OpenSession(&t.ctx, &t.sess, &sdp_basic,
				       TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
		if (res != TEEC_SUCCESS) {
			TEEC_FinalizeContext(&t.ctx);
		}
	}
	if (!ktap_check(res == TEEC_SUCCESS,
			"zeroing: TEE session to sdp_basic (%#x origin %u)",
			res, origin)) {
		rheap_heap_close(heap);
		return;
	}
	if (!ktap_check(TEEC_AllocateSharedMemory(&t.ctx, &t.ns) ==
				TEEC_SUCCESS,
			"zeroing: a 1 MiB pool block")) {
		goto out_tee;
	}
	/* The dynamic pool held whole (so the next buffer is static's),
	 * canaries at its start, middle and end; a static buffer full.
	 */
	a = rheap_heap_alloc(heap, dyn, O_CLOEXEC, 0, NULL);
	b = a >= 0 ? rheap_heap_alloc(heap, STEP, O_CLOEXEC, 0, NULL) : -1;
	{
		const size_t da[3] = { 0, dyn / 2, dyn - STEP };
		const size_t sa[1] = { 0 };

		ktap_check(a >= 0 && b >= 0 && zt_canaries(&t, a, da, 3) == 0 &&
				   zt_canaries(&t, b, sa, 1) == 0,
			   "zeroing: canaries injected and read back in the "
			   "dynamic pool held whole (3 MiB of %llu) and in a "
			   "1 MiB static buffer (fds %d %d)",
			   (unsigned long long)dyn, a, b);
	}
	/* Negative control: the scan finds the canaries while they are
	 * there (3 MiB + 1 MiB).
	 */
	if (a >= 0 && b >= 0) {
		int ra = zt_scan(&t, a, &canaries, &nonzero, &scanned);
		int rb = zt_scan(&t, b, &canaries, &nonzero, &scanned);

		ktap_check(ra == 0 && rb == 0 && canaries == 4u * STEP,
			   "zeroing: the scan sees the canaries before the "
			   "free (%llu canary bytes in %llu)",
			   (unsigned long long)canaries,
			   (unsigned long long)scanned);
	}
	canaries = 0;
	nonzero = 0;
	scanned = 0;
	if (a >= 0) {
		close(a);
	}
	if (b >= 0) {
		close(b);
	}
	ktap_check(ktap_heap_wait(ZERO_HEAP, 0, 0, 15000) == 0,
		   "zeroing: freed, the dynamic chunks back to Linux");
	/* Every pool again, whole: the largest first (dynamic). */
	t0 = ktap_now_ns();
	a = rheap_heap_alloc(heap, dyn, O_CLOEXEC, 0, NULL);
	b = rheap_heap_alloc(heap, stat, O_CLOEXEC, 0, NULL);
	if (ktap_check(a >= 0 && b >= 0,
		       "zeroing: both pools allocated again whole (%llu + "
		       "%llu bytes)",
		       (unsigned long long)dyn, (unsigned long long)stat)) {
		int ra = zt_scan(&t, a, &canaries, &nonzero, &scanned);
		int rb = zt_scan(&t, b, &canaries, &nonzero, &scanned);

		ktap_check(ra == 0 && rb == 0 && scanned == dyn + stat &&
				   canaries == 0,
			   "zeroing: secure dump of %llu bytes finds no canary "
			   "(%llu canary bytes, %llu non-zero, %llu ms)",
			   (unsigned long long)scanned,
			   (unsigned long long)canaries,
			   (unsigned long long)nonzero,
			   (unsigned long long)(ktap_now_ns() - t0) / 1000000u);
	}
	if (a >= 0) {
		close(a);
	}
	if (b >= 0) {
		close(b);
	}
	TEEC_ReleaseSharedMemory(&t.ns);
out_tee:
	TEEC_CloseSession(&t.sess);
	TEEC_FinalizeContext(&t.ctx);
	rheap_heap_close(heap);
	ktap_check(ktap_heap_wait(ZERO_HEAP, 0, UINT64_MAX, 5000) == 0,
		   "zeroing: %s holds no buffer after the scan", ZERO_HEAP);
}

int main(void)
{
	struct rheap_heap_desc descs[MAX_HEAPS];
	size_t count = 0;
	size_t restricted = 0;
	uint64_t zero_dyn = 0;
	uint64_t zero_stat = 0;
	int rc = rheap_heap_list(RHEAP_OPEN_LINUX, descs, MAX_HEAPS, &count);

	ktap_check(rc == 0 && count >= 4 && count <= MAX_HEAPS,
		   "HEAP_LIST (linux backend): %zu heaps (%s)", count,
		   rheap_err_name(rc));
	if (rc != 0) {
		return ktap_done();
	}
	for (size_t h = 0; h < count && h < MAX_HEAPS; h++) {
		struct rheap_desc_pools {
			uint64_t sizes[MAX_POOLS];
			size_t n;
		} pools;
		const struct rheap_heap_desc *d = &descs[h];
		uint64_t smallest = UINT64_MAX;
		struct rheap_heap *heap = NULL;
		uint64_t capacity = 0;
		uint64_t largest = 0;
		uint64_t v = 0;

		memset(&pools, 0, sizeof(pools));
		if (strcmp(d->name, "system") != 0 && !d->restricted) {
			ktap_note("heap %s: not ours, skipped", d->name);
			continue;
		}
		if (d->restricted) {
			restricted++;
			rc = ktap_heap_stat(d->name, "capacity", &capacity);
			ktap_check(rc == 0 && capacity > 0,
				   "%s: capacity %llu in debugfs rheap/heaps",
				   d->name, (unsigned long long)capacity);
			pools.n = pool_sizes(d->name, pools.sizes, MAX_POOLS);
			for (size_t i = 0; i < pools.n; i++) {
				if (pools.sizes[i] > largest) {
					largest = pools.sizes[i];
				}
				if (pools.sizes[i] < smallest) {
					smallest = pools.sizes[i];
				}
			}
		}
		ktap_note("heap %s: %s, capacity %llu, %zu pools, largest %llu",
			  d->name, d->restricted ? "restricted" : "system",
			  (unsigned long long)capacity, pools.n,
			  (unsigned long long)largest);
		rc = rheap_heap_open(d->name, RHEAP_OPEN_LINUX, &heap);
		if (!ktap_check(rc == 0, "%s: open (%s)", d->name,
				rheap_err_name(rc))) {
			continue;
		}
		check_sizes(heap, d->name, d->restricted, capacity, largest,
			    pools.n);
		check_flags_compat(heap, d->name);
		check_cpu_access(heap, d->name, d->restricted);
		if (d->restricted) {
			check_attach(heap, d->name, 1u << 20, "1 MiB");
			if (largest > (16u << 20)) {
				check_attach(heap, d->name, largest,
					     "the largest pool");
			}
			ktap_check(ktap_heap_wait(d->name, 0, UINT64_MAX,
						  2000) == 0 &&
					   ktap_heap_stat(d->name, "bytes",
							  &v) == 0 &&
					   v == 0,
				   "%s: accounting back to 0 buffers, 0 bytes",
				   d->name);
		}
		rheap_heap_close(heap);
		if (strcmp(d->name, ZERO_HEAP) == 0 &&
		    ktap_check(pools.n == 2 && smallest < largest,
			       "zeroing: %s has a dynamic and a static pool",
			       d->name)) {
			zero_dyn = largest;
			zero_stat = smallest;
		}
	}
	if (ktap_check(zero_dyn != 0, "zeroing: %s listed", ZERO_HEAP)) {
		check_secure_zeroing(zero_dyn, zero_stat);
	}
	ktap_check(restricted == 3, "the three restricted heaps are listed "
		   "(%zu)", restricted);
	return ktap_done();
}
