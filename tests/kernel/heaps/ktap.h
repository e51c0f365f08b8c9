/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TAP-like output and small helpers of the in-guest heap programs
 * (tests/kernel/heaps/: static binaries run by the guest's /init).
 */
#ifndef RHEAP_TESTS_KERNEL_HEAPS_KTAP_H
#define RHEAP_TESTS_KERNEL_HEAPS_KTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KTAP_PAGE 4096u
#define KTAP_DEBUGFS "/sys/kernel/debug/rheap"

/* "ok N - ..." or "not ok N - ..."; returns @ok. */
bool ktap_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "# ..." */
void ktap_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "1..N" and the exit status: 0 iff every check passed (and there was one). */
int ktap_done(void);

/* Open file descriptors of this process (/proc/self/fd). */
int ktap_fd_count(void);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ktap_now_ns(void);
/* Read a whole (small) file into @buf (NUL-terminated); bytes or -errno. */
int ktap_read_file(const char *path, char *buf, size_t cap);
/* Write @text to @path; 0 or -errno. */
int ktap_write_file(const char *path, const char *text);
/*
 * The value of "key=<n>" on the line of debugfs rheap/heaps that starts
 * with @heap; 0 on success or -ENOENT.
 */
int ktap_heap_stat(const char *heap, const char *key, uint64_t *out);
/*
 * Wait up to @timeout_ms until @heap has @buffers buffers and
 * @chunks_lent lent chunks (UINT64_MAX: any); 0 or -ETIMEDOUT.
 */
int ktap_heap_wait(const char *heap, uint64_t buffers, uint64_t chunks_lent,
		   unsigned int timeout_ms);
/* Allocate through the raw dma-heap ioctl; the fd or -errno. */
int ktap_dma_heap_alloc(int heap_fd, uint64_t len, uint32_t fd_flags);

#endif /* RHEAP_TESTS_KERNEL_HEAPS_KTAP_H */
