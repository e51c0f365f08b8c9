// SPDX-License-Identifier: BSD-2-Clause
/*
 * Buffer handles (khandle.h has the design and the contract). The table is
 * an array of live entries keyed by inotify watch descriptor and by
 * (st_dev, st_ino); both lookups are linear, which is fine at the buffer
 * counts rheapd serves (the 64-client tests hold a few hundred at most).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/err.h>

#include "khandle.h"

struct khandle_entry {
	int wd;
	dev_t dev;
	ino_t ino;
	bool dir; /* restricted (directory) or system (memfd) */
	void *owner;
};

struct khandle_table {
	int ifd;
	char dir[PATH_MAX];
	void (*gone)(void *ctx, void *owner);
	void *ctx;
	uint64_t next_name;
	struct khandle_entry *entries;
	uint32_t count;
	uint32_t cap;
};

int khandle_table_create(const char *priv_dir,
			 void (*gone)(void *ctx, void *owner), void *ctx,
			 struct khandle_table **out)
{
	struct khandle_table *t = NULL;
	size_t len = strlen(priv_dir);

	if (len + 32 >= PATH_MAX) {
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd < 0) {
		free(t);
		return -ENOMEM;
	}
	memcpy(t->dir, priv_dir, len + 1);
	t->gone = gone;
	t->ctx = ctx;
	*out = t;
	return 0;
}

void khandle_table_destroy(struct khandle_table *t)
{
	if (!t) {
		return;
	}
	close(t->ifd); /* removes every watch */
	free(t->entries);
	free(t);
}

int khandle_table_fd(const struct khandle_table *t)
{
	return t->ifd;
}

uint32_t khandle_count(const struct khandle_table *t)
{
	return t->count;
}

static int khandle_insert(struct khandle_table *t, int wd, int fd, bool dir,
			  void *owner)
{
	struct stat st = { 0 };
	struct khandle_entry *e = NULL;

	if (fstat(fd, &st) != 0) {
		return -ENOMEM;
	}
	if (t->count == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;

		e = realloc(t->entries, (size_t)cap * sizeof(*e));
		if (!e) {
			return -ENOMEM;
		}
		t->entries = e;
		t->cap = cap;
	}
	e = &t->entries[t->count++];
	e->wd = wd;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->dir = dir;
	e->owner = owner;
	return 0;
}

int khandle_create_restricted(struct khandle_table *t, void *owner, int *fd)
{
	char path[PATH_MAX] = { 0 };
	int dfd = -1;
	int wd = -1;
	int rc = 0;

	int n = snprintf(path, sizeof(path), "%s/h%llu", t->dir,
			 (unsigned long long)t->next_name++);

	if (n < 0 || (size_t)n >= sizeof(path) || mkdir(path, 0700) != 0) {
		return -ENOMEM;
	}
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0) {
		rc = -ENOMEM;
		goto err_rmdir;
	}
	wd = inotify_add_watch(t->ifd, path,
			       IN_DELETE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW);
	if (wd < 0) {
		rc = -ENOMEM;
		goto err_close;
	}
	rc = khandle_insert(t, wd, dfd, true, owner);
	if (rc) {
		goto err_watch;
	}
	(void)rmdir(path);
	*fd = dfd;
	return 0;

err_watch:
	inotify_rm_watch(t->ifd, wd);
err_close:
	close(dfd);
err_rmdir:
	(void)rmdir(path);
	return rc;
}

int khandle_create_system(struct khandle_table *t, void *owner, uint64_t size,
			  bool read_only, int *fd)
{
	char path[64] = { 0 };
	int mfd = -1;
	int ro = -1;
	int wd = -1;
	int rc = 0;

	if (size == 0 || size > (uint64_t)INT64_MAX) {
		return -EINVAL;
	}
	mfd = memfd_create("rheap-system", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		return -ENOMEM;
	}
	if (ftruncate(mfd, (off_t)size) != 0 ||
	    fcntl(mfd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		rc = -ENOMEM;
		goto err_close;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	wd = inotify_add_watch(t->ifd, path, IN_DELETE_SELF);
	if (wd < 0) {
		rc = -ENOMEM;
		goto err_close;
	}
	if (read_only) {
		ro = open(path, O_RDONLY | O_CLOEXEC);
		if (ro < 0) {
			rc = -ENOMEM;
			goto err_watch;
		}
		close(mfd);
		mfd = ro;
	}
	rc = khandle_insert(t, wd, mfd, false, owner);
	if (rc) {
		goto err_watch;
	}
	*fd = mfd;
	return 0;

err_watch:
	inotify_rm_watch(t->ifd, wd);
err_close:
	close(mfd);
	return rc;
}

static void khandle_remove_at(struct khandle_table *t, uint32_t i)
{
	t->entries[i] = t->entries[t->count - 1];
	t->count--;
}

uint32_t khandle_drain(struct khandle_table *t)
{
	/* Aligned as struct inotify_event requires. */
	_Alignas(struct inotify_event) char buf[4096];
	uint32_t died = 0;

	for (;;) {
		ssize_t n = read(t->ifd, buf, sizeof(buf));
		size_t off = 0;

		if (n <= 0) {
			break;
		}
		while (off + sizeof(struct inotify_event) <= (size_t)n) {
			const struct inotify_event *ev =
				(const struct inotify_event *)(buf + off);

			off += sizeof(*ev) + ev->len;
			if (!(ev->mask & (IN_DELETE_SELF | IN_IGNORED))) {
				continue;
			}
			for (uint32_t i = 0; i < t->count; i++) {
				void *owner = NULL;

				if (t->entries[i].wd != ev->wd) {
					continue;
				}
				owner = t->entries[i].owner;
				khandle_remove_at(t, i);
				died++;
				t->gone(t->ctx, owner);
				break;
			}
		}
	}
	return died;
}

int khandle_lookup(struct khandle_table *t, int fd, void **owner)
{
	struct stat st = { 0 };

	(void)khandle_drain(t);
	if (fstat(fd, &st) != 0) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < t->count; i++) {
		const struct khandle_entry *e = &t->entries[i];

		if (e->dev == st.st_dev && e->ino == st.st_ino &&
		    (e->dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))) {
			*owner = e->owner;
			return 0;
		}
	}
	return -EINVAL;
}
