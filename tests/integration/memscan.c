// SPDX-License-Identifier: BSD-2-Clause
/*
 * memscan: looks for known byte windows in the readable memory of running
 * processes (test helper of tests/integration/test_play.py).
 *
 *   memscan PATTERNS PID...
 *
 * PATTERNS is a file of N 64-byte windows back to back (N >= 1, size a
 * multiple of 64). For each PID, every readable mapping of
 * /proc/PID/maps is read through /proc/PID/mem (the caller stops the
 * process first), and every byte offset is tested against every window.
 * Mappings that cannot be read ([vvar], device memory: EIO) are counted and
 * skipped.
 *
 * Output, one line per PID:
 *   pid P: R regions, B bytes scanned, U unreadable regions, H hits
 * then, for up to 8 hits, "  hit window W at 0xADDR (PATH)".
 *
 * Exit: 0 no window found anywhere; 1 a window was found; 2 usage or I/O
 * error (a pattern file that is not a multiple of 64 bytes, a PID whose
 * maps cannot be opened); 77 a PID's memory may not be read (EPERM/EACCES:
 * not root, no CAP_SYS_PTRACE and not the tracer).
 *
 * Speed: a window's first 8 bytes select it through a 2^24-bit filter and
 * a sorted key table, so a scan costs about one load and a bit test per
 * byte of memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WIN 64u
#define FILTER_BITS 24u
#define CHUNK (4u << 20)
#define MAX_SHOWN 8u

/*
 * struct pat_key - a window's first 8 bytes and its index
 * @key: the bytes as a native-endian word
 * @idx: window number in the pattern file
 */
struct pat_key {
	uint64_t key;
	uint32_t idx;
};

/*
 * struct scan - the pattern set
 * @wins:   N windows, 64 bytes each
 * @keys:   N keys sorted by @key
 * @count:  N
 * @filter: 2^FILTER_BITS bits, one per hashed key
 */
struct scan {
	uint8_t *wins;
	struct pat_key *keys;
	size_t count;
	uint8_t *filter;
};

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t hash64(uint64_t v)
{
	return (uint32_t)((v * 0x9E3779B97F4A7C15ull) >> (64u - FILTER_BITS));
}

static int key_cmp(const void *a, const void *b)
{
	const struct pat_key *x = a;
	const struct pat_key *y = b;

	if (x->key != y->key) {
		return x->key < y->key ? -1 : 1;
	}
	return x->idx < y->idx ? -1 : (x->idx > y->idx ? 1 : 0);
}

static int scan_load(struct scan *s, const char *path)
{
	struct stat st = { 0 };
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		goto err_fd;
	}
	if (st.st_size <= 0 || (size_t)st.st_size % WIN != 0) {
		fprintf(stderr, "memscan: %s: size %lld is not a positive multiple of %u\n",
			path, (long long)st.st_size, WIN);
		goto err_fd;
	}
	s->count = (size_t)st.st_size / WIN;
	s->wins = malloc((size_t)st.st_size);
	s->keys = calloc(s->count, sizeof(*s->keys));
	s->filter = calloc((size_t)1 << (FILTER_BITS - 3u), 1);
	if (!s->wins || !s->keys || !s->filter) {
		fprintf(stderr, "memscan: out of memory\n");
		goto err_mem;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, s->wins + got, (size_t)st.st_size - got);

		if (n <= 0) {
			fprintf(stderr, "memscan: %s: short read\n", path);
			goto err_mem;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < s->count; i++) {
		uint64_t k = load64(s->wins + i * WIN);
		uint32_t h = hash64(k);

		s->keys[i] = (struct pat_key){ .key = k, .idx = (uint32_t)i };
		s->filter[h >> 3] |= (uint8_t)(1u << (h & 7u));
	}
	qsort(s->keys, s->count, sizeof(*s->keys), key_cmp);
	close(fd);
	return 0;

err_mem:
	free(s->wins);
	free(s->keys);
	free(s->filter);
	*s = (struct scan){ 0 };
err_fd:
	if (fd >= 0) {
		close(fd);
	}
	return -1;
}

/* The window at @p (>= 64 readable bytes), or -1. */
static long scan_match(const struct scan *s, const uint8_t *p)
{
	uint64_t k = load64(p);
	uint32_t h = hash64(k);
	size_t lo = 0;
	size_t hi = s->count;

	if (!(s->filter[h >> 3] & (1u << (h & 7u)))) {
		return -1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->keys[mid].key < k) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	for (; lo < s->count && s->keys[lo].key == k; lo++) {
		uint32_t idx = s->keys[lo].idx;

		if (memcmp(s->wins + (size_t)idx * WIN, p, WIN) == 0) {
			return (long)idx;
		}
	}
	return -1;
}

/*
 * struct pid_stats - what one PID's scan found
 */
struct pid_stats {
	unsigned long regions;
	unsigned long unreadable;
	unsigned long long bytes;
	unsigned long hits;
};

/* Scans [start, end) of @memfd; returns -EPERM when reading is refused. */
static int scan_region(const struct scan *s, int memfd, uint64_t start,
		       uint64_t end, const char *name, uint8_t *buf,
		       struct pid_stats *ps)
{
	uint64_t pos = start;

	while (pos < end) {
		size_t want = end - pos > CHUNK ? CHUNK : (size_t)(end - pos);
		ssize_t n = pread(memfd, buf, want, (off_t)pos);

		if (n < 0 && (errno == EPERM || errno == EACCES)) {
			return -EPERM;
		}
		if (n <= 0) {
			ps->unreadable++;
			return 0;
		}
		ps->bytes += (unsigned long long)n;
		for (size_t i = 0; i + WIN <= (size_t)n; i++) {
			long w = scan_match(s, buf + i);

			if (w >= 0) {
				if (ps->hits < MAX_SHOWN) {
					printf("  hit window %ld at 0x%" PRIx64 " (%s)\n", w,
					       pos + i, name[0] ? name : "anonymous");
				}
				ps->hits++;
			}
		}
		if ((size_t)n < want) {
			ps->unreadable++;
			return 0;
		}
		/* Overlap so a window across two chunks is seen. */
		pos += (uint64_t)n;
		if (pos < end && (size_t)n >= WIN) {
			pos -= WIN - 1u;
		}
	}
	return 0;
}

/* 0 scanned, -EPERM refused, -ENOENT maps or mem unreadable (gone). */
static int scan_pid(const struct scan *s, const char *pid, uint8_t *buf,
		    struct pid_stats *ps)
{
	char path[64] = "";
	char line[1024] = "";
	FILE *maps = NULL;
	int memfd = -1;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	maps = fopen(path, "re");
	if (!maps) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	memfd = open(path, O_RDONLY | O_CLOEXEC);
	if (memfd < 0) {
		rc = errno == EPERM || errno == EACCES ? -EPERM : -ENOENT;
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), maps)) {
		uint64_t start = 0;
		uint64_t end = 0;
		char perms[8] = "";
		char name[512] = "";
		size_t len = strlen(line);

		if (len > 0 && line[len - 1] == '\n') {
			line[len - 1] = '\0';
		}
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %511[^\n]",
			   &start, &end, perms, name) < 3) {
			continue;
		}
		if (perms[0] != 'r' || end <= start || strcmp(name, "[vvar]") == 0 ||
		    strcmp(name, "[vsyscall]") == 0) {
			continue;
		}
		ps->regions++;
		rc = scan_region(s, memfd, start, end, name, buf, ps);
		if (rc != 0) {
			fprintf(stderr, "memscan: %s: reading refused\n", path);
			goto out;
		}
	}
out:
	if (memfd >= 0) {
		close(memfd);
	}
	fclose(maps);
	return rc;
}

int main(int argc, char **argv)
{
	struct scan s = { 0 };
	uint8_t *buf = NULL;
	bool found = false;
	int status = 0;

	if (argc < 3) {
		fputs("usage: memscan PATTERNS PID...\n", stderr);
		return 2;
	}
	if (scan_load(&s, argv[1]) != 0) {
		return 2;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		fputs("memscan: out of memory\n", stderr);
		status = 2;
		goto out;
	}
	for (int i = 2; i < argc; i++) {
		struct pid_stats ps = { 0 };
		int rc = scan_pid(&s, argv[i], buf, &ps);

		if (rc == -EPERM) {
			status = 77;
			goto out;
		}
		if (rc != 0) {
			status = 2;
			goto out;
		}
		printf("pid %s: %lu regions, %llu bytes scanned, %lu unreadable regions, %lu hits\n",
		       argv[i], ps.regions, ps.bytes, ps.unreadable, ps.hits);
		found = found || ps.hits > 0;
	}
	status = found ? 1 : 0;
out:
	free(buf);
	free(s.wins);
	free(s.keys);
	free(s.filter);
	return status;
}
