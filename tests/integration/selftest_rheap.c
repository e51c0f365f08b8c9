// SPDX-License-Identifier: BSD-2-Clause
/*
 * A restricted-heap selftest in the shape of Linux's
 * tools/testing/selftests/dmabuf-heaps (written anew): for every heap that
 * rheapd lists, through librheap against a real rheap-board + rheapd,
 * expecting refusal where a restricted heap must refuse:
 *
 *   - sizes from 1 byte up to the largest pool, then pool + 1 and
 *     capacity + 1 (-ENOMEM, nothing left behind);
 *   - flag errors: fd_flags ~0, heap_flags ~0, fd != 0, len 0 (-EINVAL);
 *   - compat structs: the older 16-byte one succeeds, a 48-byte one with
 *     garbage past 24 bytes succeeds;
 *   - /proc/self/fd counted before and after every error path;
 *   - restricted handles refuse mmap, read and write; system handles map
 *     and come back zeroed;
 *   - zeroing seen from the secure side: canaries injected through the TEE
 *     API, the buffer freed, the whole heap allocated again and dumped
 *     (debug board), no canary byte found.
 *
 *   selftest_rheap RHEAP_BOARD RHEAPD DEFAULT_TL [--guest RHEAP_VMM]
 *
 * With --guest the same code runs inside a guest VM (platform.h): HEAP_LIST
 * is the guest kernel's (the host's restricted heaps through virtio-rheap,
 * `system` served by the guest itself), the secure dumps go through the
 * virtio TEE request. Every check holds there unchanged: pool sizes are
 * read from the host's STATUS (the guest has no pools), and the vmm's
 * quota is above every heap's capacity, so capacity + 1 fails for the
 * heap's reason. platform_guest_check() adds the checks that it really
 * ran in the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/tee_client_api.h>

#include "platform.h"

#define PAGE 4096u
#define CANARY 0xC3u
#define DUMP_STEP (64u * 1024u)
#define IDLE_MS 10000u
#define MAX_BUFS 64

static void check_sizes(struct rheap_heap *heap, const char *name,
			bool restricted, uint64_t capacity, uint64_t largest,
			size_t pool_count)
{
	uint64_t sizes[] = { 1, PAGE - 1, PAGE, PAGE + 1, 1u << 20,
			     (16u << 20) + 3 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rheap_buf_info info = { 0 };
		uint64_t want = (sizes[i] + PAGE - 1) / PAGE * PAGE;
		int before = fd_count();
		int fd = 0;

		if (capacity != 0 && want > largest) {
			continue;
		}
		fd = rheap_heap_alloc(heap, sizes[i], O_RDWR | O_CLOEXEC, 0,
				      &info);
		tap_check(fd >= 0 && info.size == want &&
				  info.restricted == restricted,
			  "%s: alloc %llu bytes -> %llu (%s)", name,
			  (unsigned long long)sizes[i],
			  (unsigned long long)info.size,
			  fd >= 0 ? "ok" : rheap_err_name(fd));
		if (fd >= 0) {
			close(fd);
		}
		tap_check(fd_count() == before, "%s: no fd left behind", name);
	}
	if (capacity == 0) {
		return; /* system: bounded by quotas only */
	}
	platform_wait_idle(IDLE_MS);
	{
		int before = fd_count();
		int fd = rheap_heap_alloc(heap, largest, O_CLOEXEC, 0, NULL);

		tap_check(fd >= 0, "%s: alloc the whole largest pool (%llu): %s",
			  name, (unsigned long long)largest,
			  fd >= 0 ? "ok" : rheap_err_name(fd));
		if (fd >= 0) {
			close(fd);
		}
		tap_check(fd_count() == before, "%s: no fd left behind", name);
	}
	platform_wait_idle(IDLE_MS);
	if (pool_count == 1) {
		int before = fd_count();
		int fd = rheap_heap_alloc(heap, largest + 1, O_CLOEXEC, 0, NULL);

		tap_check(fd == -ENOMEM, "%s: pool size + 1 fails: %s", name,
			  rheap_err_name(fd));
		tap_check(fd_count() == before, "%s: no fd on the error path",
			  name);
		if (fd >= 0) {
			close(fd);
		}
	}
	{
		int before = fd_count();
		int fd = rheap_heap_alloc(heap, capacity + 1, O_CLOEXEC, 0, NULL);

		tap_check(fd == -ENOMEM, "%s: capacity + 1 (%llu) fails: %s",
			  name, (unsigned long long)capacity + 1,
			  rheap_err_name(fd));
		tap_check(fd_count() == before, "%s: no fd on the error path",
			  name);
		if (fd >= 0) {
			close(fd);
		}
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
		{ "fd_flags ~0", PAGE, 0, ~0u, 0 },
		{ "fd_flags O_NONBLOCK", PAGE, 0, O_NONBLOCK, 0 },
		{ "heap_flags ~0", PAGE, 0, O_RDWR, ~0ull },
		{ "heap_flags 1", PAGE, 0, O_RDWR, 1 },
		{ "fd != 0", PAGE, 3, O_RDWR, 0 },
		{ "len 0", 0, 0, O_RDWR, 0 },
		{ "len rounds past 2^64", UINT64_MAX, 0, O_RDWR, 0 },
	};
	uint8_t small[16] = { 0 };
	uint8_t big[48];
	uint32_t fdv = 0;
	int fd = -1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t data[24] = { 0 };
		int before = fd_count();

		put_u64(data, bad[i].len);
		put_u32(data + 8, bad[i].fd);
		put_u32(data + 12, bad[i].fd_flags);
		put_u64(data + 16, bad[i].heap_flags);
		fd = rheap_heap_alloc_raw(heap, data, sizeof(data), NULL);
		tap_check(fd == -EINVAL, "%s: %s refused: %s", name,
			  bad[i].what, rheap_err_name(fd));
		if (fd >= 0) {
			close(fd);
		}
		tap_check(fd_count() == before, "%s: %s: no fd left behind",
			  name, bad[i].what);
	}
	/* The older, 16-byte struct (len, fd, fd_flags). */
	put_u64(small, PAGE);
	put_u32(small + 12, O_RDWR | O_CLOEXEC);
	fd = rheap_heap_alloc_raw(heap, small, sizeof(small), NULL);
	memcpy(&fdv, small + 8, 4);
	tap_check(fd >= 0 && fdv == (uint32_t)fd,
		  "%s: 16-byte compat struct succeeds, fd written back (%s)",
		  name, fd >= 0 ? "ok" : rheap_err_name(fd));
	if (fd >= 0) {
		close(fd);
	}
	/* A bigger struct, garbage past 24 bytes. */
	memset(big, 0xa5, sizeof(big));
	memset(big, 0, 24);
	put_u64(big, PAGE);
	put_u32(big + 12, O_RDWR | O_CLOEXEC);
	fd = rheap_heap_alloc_raw(heap, big, sizeof(big), NULL);
	tap_check(fd >= 0, "%s: 48-byte struct with garbage succeeds (%s)",
		  name, fd >= 0 ? "ok" : rheap_err_name(fd));
	if (fd >= 0) {
		close(fd);
	}
}

static void check_cpu_access(struct rheap_heap *heap, const char *name,
			     bool restricted)
{
	uint8_t byte = 0;
	int fd = rheap_heap_alloc(heap, 2 * PAGE, O_RDWR | O_CLOEXEC, 0, NULL);
	void *map = NULL;

	if (!tap_check(fd >= 0, "%s: alloc 2 pages for CPU access", name)) {
		return;
	}
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (restricted) {
		ssize_t r = 0;
		ssize_t w = 0;

		tap_check(map == MAP_FAILED, "%s: mmap refused (%s)", name,
			  map == MAP_FAILED ? strerror(errno) : "mapped!");
		if (map != MAP_FAILED) {
			munmap(map, 2 * PAGE);
		}
		r = read(fd, &byte, 1);
		tap_check(r < 0, "%s: read refused (%s)", name,
			  r < 0 ? strerror(errno) : "read a byte!");
		w = write(fd, &byte, 1);
		tap_check(w < 0, "%s: write refused (%s)", name,
			  w < 0 ? strerror(errno) : "wrote a byte!");
	} else {
		size_t nonzero = 0;

		if (tap_check(map != MAP_FAILED, "%s: mmap works", name)) {
			for (size_t i = 0; i < 2 * PAGE; i++) {
				nonzero += ((uint8_t *)map)[i] != 0;
			}
			tap_check(nonzero == 0, "%s: new buffer is zeroed "
				  "(%zu non-zero bytes)", name, nonzero);
			memset(map, CANARY, 2 * PAGE);
			munmap(map, 2 * PAGE);
		}
	}
	close(fd);
	if (!restricted) {
		/* Freed and allocated again: zero again. */
		size_t nonzero = 0;

		platform_wait_idle(IDLE_MS);
		fd = rheap_heap_alloc(heap, 2 * PAGE, O_RDWR | O_CLOEXEC, 0,
				      NULL);
		map = fd >= 0 ? mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd,
				     0) :
				MAP_FAILED;
		if (tap_check(map != MAP_FAILED, "%s: re-alloc maps", name)) {
			for (size_t i = 0; i < 2 * PAGE; i++) {
				nonzero += ((uint8_t *)map)[i] != 0;
			}
			munmap(map, 2 * PAGE);
		}
		tap_check(nonzero == 0,
			  "%s: comes back zeroed (%zu non-zero bytes)", name,
			  nonzero);
		if (fd >= 0) {
			close(fd);
		}
	}
}

/* Dump all of @fd's buffer from the secure side; count canary bytes and
 * non-zero bytes. */
static int dump_scan(struct sdp_tee *t, int fd, uint64_t *canaries,
		     uint64_t *nonzero, uint64_t *scanned)
{
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	uint8_t *buf = malloc(DUMP_STEP);
	TEEC_Result res = TEEC_RegisterSharedMemoryFileDescriptor(&t->ctx, &shm,
								  fd);
	int rc = 0;

	if (res != TEEC_SUCCESS || buf == NULL) {
		free(buf);
		return -1;
	}
	for (size_t off = 0; off < shm.size; off += DUMP_STEP) {
		size_t n = shm.size - off < DUMP_STEP ? shm.size - off :
							DUMP_STEP;
		uint32_t origin = 0;

		res = sdp_dump(t, &shm, off, buf, n, &origin);
		if (res != TEEC_SUCCESS) {
			fprintf(stderr, "dump at %zu: %#x origin %u\n", off,
				res, origin);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			*canaries += buf[i] == CANARY;
			*nonzero += buf[i] != 0;
		}
		*scanned += n;
	}
	TEEC_ReleaseSharedMemory(&shm);
	free(buf);
	return rc;
}

static void check_secure_zeroing(struct rheap_heap *heap, const char *name,
				 const uint64_t *pool_sizes, size_t pool_count)
{
	struct sdp_tee t;
	TEEC_SharedMemory shm = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	uint8_t *canary = malloc(DUMP_STEP);
	uint8_t *back = malloc(DUMP_STEP);
	int fds[MAX_BUFS];
	size_t fd_n = 0;
	uint64_t canaries = 0;
	uint64_t nonzero = 0;
	uint64_t scanned = 0;
	uint64_t total = 0;
	uint64_t t0 = 0;
	uint32_t origin = 0;
	TEEC_Result res = 0;
	int fd = -1;
	bool ok = true;

	if (canary == NULL || back == NULL ||
	    !tap_check(sdp_tee_open(&t) == TEEC_SUCCESS,
		       "%s: TEE session to sdp_basic", name)) {
		free(canary);
		free(back);
		return;
	}
	memset(canary, CANARY, DUMP_STEP);
	/* Canaries in a 1 MiB buffer, read back as a positive control. */
	fd = rheap_heap_alloc(heap, 1u << 20, O_CLOEXEC, 0, NULL);
	res = TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &shm, fd);
	close(fd);
	if (strcmp(name, "protected,trusted-ui") == 0) {
		/* The SDP services refuse trusted-UI memory
		 * (docs/sdp-abi.md): no secure-side scan of this heap. */
		if (res == TEEC_SUCCESS) {
			res = sdp_inject(&t, &shm, 0, canary, 1, &origin);
		}
		tap_check(res == TEEC_ERROR_ACCESS_DENIED,
			  "%s: INJECT refused, trusted-UI memory is not the "
			  "SDP services' (%#x origin %u)", name, res, origin);
		TEEC_ReleaseSharedMemory(&shm);
		sdp_tee_close(&t);
		free(canary);
		free(back);
		return;
	}
	for (size_t off = 0; res == TEEC_SUCCESS && off < shm.size;
	     off += DUMP_STEP) {
		res = sdp_inject(&t, &shm, off, canary, DUMP_STEP, &origin);
	}
	if (res == TEEC_SUCCESS) {
		res = sdp_dump(&t, &shm, shm.size - DUMP_STEP, back, DUMP_STEP,
			       &origin);
	}
	tap_check(res == TEEC_SUCCESS && back[DUMP_STEP - 1] == CANARY,
		  "%s: 1 MiB of canaries injected and read back (%#x)", name,
		  res);
	TEEC_ReleaseSharedMemory(&shm);
	/* Freed: rheapd scrubs before reuse. Allocate every pool whole. */
	platform_wait_idle(IDLE_MS);
	t0 = now_ms();
	for (size_t i = 0; i < pool_count && fd_n < MAX_BUFS; i++) {
		fd = rheap_heap_alloc(heap, pool_sizes[i], O_CLOEXEC, 0, NULL);
		if (fd < 0) {
			ok = false;
			tap_note("%s: alloc of pool %zu (%llu) failed: %s",
				 name, i, (unsigned long long)pool_sizes[i],
				 rheap_err_name(fd));
			continue;
		}
		fds[fd_n++] = fd;
		total += pool_sizes[i];
	}
	tap_check(ok, "%s: the whole heap allocated again (%llu bytes in %zu "
		  "buffers)", name, (unsigned long long)total, fd_n);
	for (size_t i = 0; i < fd_n; i++) {
		if (dump_scan(&t, fds[i], &canaries, &nonzero, &scanned) != 0) {
			ok = false;
		}
		close(fds[i]);
	}
	tap_check(ok && scanned == total && canaries == 0,
		  "%s: secure dump of %llu bytes finds no canary (%llu canary "
		  "bytes, %llu non-zero, %llu ms)",
		  name, (unsigned long long)scanned,
		  (unsigned long long)canaries, (unsigned long long)nonzero,
		  (unsigned long long)(now_ms() - t0));
	sdp_tee_close(&t);
	free(canary);
	free(back);
}

int main(int argc, char **argv)
{
	struct rheap_heap_desc descs[8];
	struct platform p;
	struct json_doc *doc = NULL;
	size_t count = 0;
	int rc = 0;

	platform_args(argc, argv);
	if (platform_start(&p, NULL, -1) != 0) {
		tap_check(false, "platform starts");
		return tap_done();
	}
	rc = rheap_heap_list(0, descs, 8, &count);
	tap_check(rc == 0 && count == 4, "HEAP_LIST: %zu heaps (%s)", count,
		  rheap_err_name(rc));
	if (platform_status(&doc) != 0) {
		tap_check(false, "STATUS parses");
		goto out_stop;
	}
	for (size_t h = 0; h < count && h < 8; h++) {
		const struct rheap_heap_desc *d = &descs[h];
		struct rheap_heap *heap = NULL;
		uint64_t pools[8] = { 0 };
		size_t pool_count = status_pool_sizes(doc, d->name, pools, 8);

		tap_note("heap %s: %s, capacity %llu, %zu pools", d->name,
			 d->restricted ? "restricted" : "not restricted",
			 (unsigned long long)d->capacity, pool_count);
		rc = rheap_heap_open(d->name, 0, &heap);
		if (!tap_check(rc == 0, "%s: open", d->name)) {
			continue;
		}
		check_sizes(heap, d->name, d->restricted, d->capacity,
			    pool_count > 0 ? pools[0] : 0, pool_count);
		check_flags_compat(heap, d->name);
		check_cpu_access(heap, d->name, d->restricted);
		if (d->restricted && pool_count > 0) {
			check_secure_zeroing(heap, d->name, pools, pool_count);
		}
		rheap_heap_close(heap);
		tap_check(platform_wait_idle(IDLE_MS) == 0,
			  "%s: accounting back to 0 buffers, used 0", d->name);
	}
	json_free(doc);
	platform_guest_check(100);
out_stop:
	tap_check(platform_stop(&p) == 0, "rheapd and the board stop cleanly");
	return tap_done();
}
