// SPDX-License-Identifier: BSD-2-Clause
/*
 * khandle unit tests, against the real kernel (tmpfs directory, memfds,
 * inotify): handles die exactly once when their last copy goes, the hash
 * lookups find every live handle among many and nothing else (foreign
 * fds, ready handles, dead handles), and the reserve of ready restricted
 * handles is bound without syscalls, never counted or matched, and closed
 * by destroy with no callback.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>

#include "kernel/khandle.h"

#define MANY 300u

struct gone_log {
	uint32_t calls;
	uint32_t per_owner[MANY + 1];
};

static struct gone_log g_log;
static char g_dir[64];

static void on_gone(void *ctx, void *owner)
{
	struct gone_log *log = ctx;
	uintptr_t i = (uintptr_t)owner;

	log->calls++;
	if (i <= MANY) {
		log->per_owner[i]++;
	}
}

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d)) {
		n++;
	}
	closedir(d);
	return n;
}

static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e = NULL;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	memset(&g_log, 0, sizeof(g_log));
	snprintf(g_dir, sizeof(g_dir), "/dev/shm/khandle-test-XXXXXX");
	if (!mkdtemp(g_dir)) {
		snprintf(g_dir, sizeof(g_dir), "/tmp/khandle-test-XXXXXX");
		assert_non_null(mkdtemp(g_dir));
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(entries_in(g_dir), 0);
	assert_int_equal(rmdir(g_dir), 0);
	return 0;
}

static struct khandle_table *table(void)
{
	struct khandle_table *t = NULL;

	assert_int_equal(khandle_table_create(g_dir, on_gone, &g_log, &t), 0);
	return t;
}

/* Owners are small integers so the log can count per owner. */
static void *owner(uintptr_t i)
{
	return (void *)i;
}

static void test_create_args(void **state)
{
	char longdir[PATH_MAX];
	struct khandle_table *t = (struct khandle_table *)&longdir;
	int fd = 7;

	(void)state;
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(khandle_table_create(longdir, on_gone, &g_log, &t),
			 -EINVAL);
	assert_ptr_equal(t, (struct khandle_table *)&longdir);
	t = table();
	assert_int_equal(khandle_create_system(t, owner(1), 0, false, &fd),
			 -EINVAL);
	assert_int_equal(khandle_create_system(t, owner(1),
					       (uint64_t)INT64_MAX + 1u, false,
					       &fd),
			 -EINVAL);
	assert_int_equal(fd, 7);
	assert_int_equal(khandle_count(t), 0);
	khandle_table_destroy(t);
	khandle_table_destroy(NULL);
}

/* A restricted handle: the fd behaves as decided, dies once on close. */
static void test_restricted_lifetime(void **state)
{
	struct khandle_table *t = table();
	void *o = NULL;
	char c = 0;
	int dup_fd = -1;
	int fd = -1;

	(void)state;
	assert_int_equal(khandle_create_restricted(t, owner(5), &fd), 0);
	assert_int_equal(khandle_count(t), 1);
	assert_int_equal(entries_in(g_dir), 0); /* removed at once */
	assert_int_equal(read(fd, &c, 1), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(write(fd, &c, 1), -1);
	assert_int_equal(errno, EBADF);
	assert_ptr_equal(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0),
			 MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(khandle_lookup(t, fd, &o), 0);
	assert_ptr_equal(o, owner(5));
	/* A second copy keeps it alive. */
	dup_fd = dup(fd);
	close(fd);
	assert_int_equal(khandle_drain(t), 0);
	assert_int_equal(g_log.calls, 0);
	assert_int_equal(khandle_lookup(t, dup_fd, &o), 0);
	close(dup_fd);
	assert_int_equal(khandle_drain(t), 1);
	assert_int_equal(g_log.calls, 1);
	assert_int_equal(g_log.per_owner[5], 1);
	assert_int_equal(khandle_count(t), 0);
	/* IN_IGNORED after IN_DELETE_SELF: no second call. */
	assert_int_equal(khandle_drain(t), 0);
	assert_int_equal(g_log.calls, 1);
	khandle_table_destroy(t);
}

static void test_system_lifetime(void **state)
{
	struct khandle_table *t = table();
	void *o = NULL;
	uint8_t *p = NULL;
	int fd = -1;
	int ro = -1;

	(void)state;
	assert_int_equal(khandle_create_system(t, owner(1), 8192, false, &fd),
			 0);
	assert_int_equal(khandle_create_system(t, owner(2), 4096, true, &ro),
			 0);
	assert_int_equal(khandle_count(t), 2);
	assert_int_equal(lseek(fd, 0, SEEK_END), 8192);
	assert_int_equal(ftruncate(fd, 4096), -1); /* sealed */
	assert_int_equal(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(khandle_lookup(t, fd, &o), 0);
	assert_ptr_equal(o, owner(1));
	assert_int_equal(khandle_lookup(t, ro, &o), 0);
	assert_ptr_equal(o, owner(2));
	/* Mapped: closing the fd does not end it. */
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_ptr_not_equal(p, MAP_FAILED);
	close(fd);
	close(ro);
	assert_int_equal(khandle_drain(t), 1);
	assert_int_equal(g_log.per_owner[2], 1);
	assert_int_equal(g_log.per_owner[1], 0);
	munmap(p, 8192);
	assert_int_equal(khandle_drain(t), 1);
	assert_int_equal(g_log.per_owner[1], 1);
	assert_int_equal(khandle_count(t), 0);
	khandle_table_destroy(t);
}

/* Foreign fds: same file types, other inodes; never matched. */
static void test_lookup_foreign(void **state)
{
	struct khandle_table *t = table();
	char sub[128];
	void *o = owner(99);
	int h = -1;
	int dfd = -1;
	int mfd = memfd_create("foreign", MFD_CLOEXEC);

	(void)state;
	/* Empty table first (no buckets yet). */
	assert_int_equal(khandle_lookup(t, mfd, &o), -EINVAL);
	assert_int_equal(khandle_create_restricted(t, owner(1), &h), 0);
	snprintf(sub, sizeof(sub), "%s/foreign", g_dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	dfd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(khandle_lookup(t, dfd, &o), -EINVAL);
	assert_int_equal(khandle_lookup(t, mfd, &o), -EINVAL);
	assert_int_equal(khandle_lookup(t, 0x7ffffff0, &o), -EINVAL);
	assert_int_equal(khandle_lookup(t, -1, &o), -EINVAL);
	assert_ptr_equal(o, owner(99));
	close(dfd);
	close(mfd);
	close(h);
	assert_int_equal(khandle_drain(t), 1);
	khandle_table_destroy(t);
}

/*
 * Many live handles of both kinds (the slot array and both indexes grow
 * several times): every one is found with its owner; closed in an order
 * unrelated to creation, each dies exactly once and stops matching.
 */
static void test_many(void **state)
{
	struct khandle_table *t = table();
	int fds[MANY + 1];

	(void)state;
	for (uint32_t i = 1; i <= MANY; i++) {
		int rc = i % 3 == 0 ?
				 khandle_create_system(t, owner(i), 4096,
						       i % 2 == 0, &fds[i]) :
				 khandle_create_restricted(t, owner(i),
							   &fds[i]);

		assert_int_equal(rc, 0);
	}
	assert_int_equal(khandle_count(t), MANY);
	for (uint32_t i = 1; i <= MANY; i++) {
		void *o = NULL;

		assert_int_equal(khandle_lookup(t, fds[i], &o), 0);
		assert_ptr_equal(o, owner(i));
	}
	/* Close every 7th-step permutation (7 and 300 are coprime). */
	for (uint32_t k = 0; k < MANY; k++) {
		uint32_t i = (k * 7u) % MANY + 1u;
		void *o = NULL;

		close(fds[i]);
		assert_int_equal(khandle_drain(t), 1);
		assert_int_equal(g_log.per_owner[i], 1);
		assert_int_equal(khandle_count(t), MANY - k - 1u);
		/* The survivors still resolve (spot check a neighbour). */
		if (k + 1u < MANY) {
			uint32_t j = ((k + 1u) * 7u) % MANY + 1u;

			assert_int_equal(khandle_lookup(t, fds[j], &o), 0);
			assert_ptr_equal(o, owner(j));
		}
	}
	assert_int_equal(g_log.calls, MANY);
	khandle_table_destroy(t);
}

/*
 * The reserve: filled to KHANDLE_RESERVE and no further, not counted,
 * never matched by a lookup (its fds are the table's own: a forged
 * lookup with one must fail), bound without making new directories,
 * and a bound one is a normal live handle. Destroy closes the rest with
 * no callback and leaves no fd and no directory.
 */
static void test_reserve(void **state)
{
	struct khandle_table *t = NULL;
	int before = fd_count();
	int fds[KHANDLE_RESERVE + 2];
	void *o = NULL;

	(void)state;
	t = table();
	for (uint32_t i = 0; i < KHANDLE_RESERVE; i++) {
		assert_int_equal(khandle_reserve_count(t), i);
		assert_int_equal(khandle_reserve_one(t), 1);
	}
	assert_int_equal(khandle_reserve_one(t), 0);
	assert_int_equal(khandle_reserve_count(t), KHANDLE_RESERVE);
	assert_int_equal(khandle_count(t), 0);
	assert_int_equal(entries_in(g_dir), 0);
	/* inotify fd + the ready handles. */
	assert_int_equal(fd_count(), before + 1 + (int)KHANDLE_RESERVE);
	/* Nothing dies while ready. */
	assert_int_equal(khandle_drain(t), 0);
	/* Bind them all, then one more made on the spot. */
	for (uint32_t i = 0; i < KHANDLE_RESERVE + 1u; i++) {
		assert_int_equal(khandle_create_restricted(t, owner(i + 1u),
							   &fds[i]),
				 0);
	}
	assert_int_equal(khandle_reserve_count(t), 0);
	assert_int_equal(khandle_count(t), KHANDLE_RESERVE + 1u);
	for (uint32_t i = 0; i < KHANDLE_RESERVE + 1u; i++) {
		assert_int_equal(khandle_lookup(t, fds[i], &o), 0);
		assert_ptr_equal(o, owner(i + 1u));
		close(fds[i]);
	}
	assert_int_equal(khandle_drain(t), KHANDLE_RESERVE + 1u);
	for (uint32_t i = 1; i <= KHANDLE_RESERVE + 1u; i++) {
		assert_int_equal(g_log.per_owner[i], 1);
	}
	/* Refill partly; destroy closes them, no callback. */
	assert_int_equal(khandle_reserve_one(t), 1);
	assert_int_equal(khandle_reserve_one(t), 1);
	assert_int_equal(khandle_create_restricted(t, owner(50), &fds[0]), 0);
	assert_int_equal(khandle_reserve_count(t), 1);
	khandle_table_destroy(t);
	assert_int_equal(g_log.calls, KHANDLE_RESERVE + 1u);
	/* The bound handle outlives the table: still a directory fd. */
	{
		struct stat st = { 0 };

		assert_int_equal(fstat(fds[0], &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		close(fds[0]);
	}
	assert_int_equal(fd_count(), before);
}

/* A ready handle is not a live handle: a lookup of its inode fails. */
static void test_reserve_not_matched(void **state)
{
	struct khandle_table *t = table();
	void *o = owner(77);
	int ready = -1;

	(void)state;
	assert_int_equal(khandle_reserve_one(t), 1);
	/* Find the ready handle's fd: the one directory with no links. */
	for (int fd = 3; fd < 1024 && ready < 0; fd++) {
		struct stat st = { 0 };

		if (fd == khandle_table_fd(t) || fstat(fd, &st) != 0) {
			continue;
		}
		if (S_ISDIR(st.st_mode) && st.st_nlink == 0) {
			ready = fd;
		}
	}
	assert_true(ready >= 0);
	assert_int_equal(khandle_lookup(t, ready, &o), -EINVAL);
	assert_ptr_equal(o, owner(77));
	khandle_table_destroy(t);
	assert_int_equal(g_log.calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_args, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restricted_lifetime, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_system_lifetime, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_foreign, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve_not_matched,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
