// SPDX-License-Identifier: BSD-2-Clause
/* The in-guest heap programs' helpers (ktap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#include "ktap.h"

static unsigned int ktap_count;
static unsigned int ktap_failed;

bool ktap_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	ktap_count++;
	if (!ok) {
		ktap_failed++;
	}
	printf("%sok %u - ", ok ? "" : "not ", ktap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return ok;
}

void ktap_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int ktap_done(void)
{
	printf("1..%u\n", ktap_count);
	printf("# %u passed, %u failed\n", ktap_count - ktap_failed,
	       ktap_failed);
	fflush(stdout);
	return ktap_failed == 0 && ktap_count > 0 ? 0 : 1;
}

int ktap_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de = NULL;
	int n = 0;

	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.') {
			n++;
		}
	}
	closedir(d);
	return n - 1; /* the directory's own fd */
}

uint64_t ktap_now_ns(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ktap_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 0;

	if (fd < 0) {
		return -errno;
	}
	while (len + 1 < cap) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return (int)len;
}

int ktap_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n = 0;

	if (fd < 0) {
		return -errno;
	}
	n = write(fd, text, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

int ktap_heap_stat(const char *heap, const char *key, uint64_t *out)
{
	static char text[8192];
	size_t hl = strlen(heap);
	size_t kl = strlen(key);
	char *line = text;

	if (ktap_read_file(KTAP_DEBUGFS "/heaps", text, sizeof(text)) < 0) {
		return -ENOENT;
	}
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');

		if (nl != NULL) {
			*nl = '\0';
		}
		if (strncmp(line, heap, hl) == 0 && line[hl] == ' ') {
			for (char *p = line + hl; (p = strstr(p, key)) != NULL;
			     p++) {
				if (p[-1] == ' ' && p[kl] == '=') {
					*out = strtoull(p + kl + 1, NULL, 10);
					return 0;
				}
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int ktap_heap_wait(const char *heap, uint64_t buffers, uint64_t chunks_lent,
		   unsigned int timeout_ms)
{
	uint64_t end = ktap_now_ns() + (uint64_t)timeout_ms * 1000000u;

	do {
		uint64_t b = 0;
		uint64_t c = 0;

		if (ktap_heap_stat(heap, "buffers", &b) == 0 &&
		    ktap_heap_stat(heap, "chunks_lent", &c) == 0 &&
		    (buffers == UINT64_MAX || b == buffers) &&
		    (chunks_lent == UINT64_MAX || c == chunks_lent)) {
			return 0;
		}
		usleep(50 * 1000);
	} while (ktap_now_ns() < end);
	return -ETIMEDOUT;
}

int ktap_dma_heap_alloc(int heap_fd, uint64_t len, uint32_t fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) != 0) {
		return -errno;
	}
	return (int)data.fd;
}
