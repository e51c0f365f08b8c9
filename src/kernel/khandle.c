// SPDX-License-Identifier: BSD-2-Clause
/*
 * Buffer handles (khandle.h has the design and the contract).
 *
 * The table is an array of entry slots with two chained hash indexes over
 * the live ones: by inotify watch descriptor (khandle_drain(), one lookup
 * per event) and by (st_dev, st_ino) (khandle_lookup(), one per IMPORT,
 * ATTACH or TEE registration). Chains are singly linked through slot
 * indexes, so growing the slot array (realloc) keeps them valid; the
 * bucket arrays are rebuilt then. There are as many buckets as slots, so
 * the mean chain length stays below one.
 *
 * Two live entries may share (st_dev, st_ino) for a moment: a handle died
 * and its event is not read yet when a new inode reuses its number. New
 * entries go to the head of their chain, so a lookup finds the newer one;
 * the drain removes the dead one by its watch descriptor.
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

#define KHANDLE_NONE UINT32_MAX
#define KHANDLE_MIN_SLOTS 64u

/*
 * struct khandle_entry - one slot
 * @used:     a live entry (in both indexes); otherwise on the free list
 * @next_wd:  next slot in the @wd bucket's chain, or in the free list
 * @next_key: next slot in the (@dev, @ino) bucket's chain
 */
struct khandle_entry {
	bool used;
	bool dir; /* restricted (directory) or system (memfd) */
	int wd;
	dev_t dev;
	ino_t ino;
	void *owner;
	uint32_t next_wd;
	uint32_t next_key;
};

/* A ready restricted handle (khandle.h: READY). */
struct khandle_ready {
	int fd;
	int wd;
	dev_t dev;
	ino_t ino;
};

struct khandle_table {
	int ifd;
	char dir[PATH_MAX];
	void (*gone)(void *ctx, void *owner);
	void *ctx;
	uint64_t next_name;
	struct khandle_entry *slots;
	uint32_t *by_wd;  /* @slot_count bucket heads */
	uint32_t *by_key; /* @slot_count bucket heads */
	uint32_t slot_count; /* a power of two, or 0 before the first insert */
	uint32_t free_head;
	uint32_t count; /* live entries */
	struct khandle_ready ready[KHANDLE_RESERVE];
	uint32_t ready_count;
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
	t->free_head = KHANDLE_NONE;
	*out = t;
	return 0;
}

void khandle_table_destroy(struct khandle_table *t)
{
	if (!t) {
		return;
	}
	/* Ready handles: their directories are removed already. */
	for (uint32_t i = 0; i < t->ready_count; i++) {
		close(t->ready[i].fd);
	}
	close(t->ifd); /* removes every watch */
	free(t->slots);
	free(t->by_wd);
	free(t->by_key);
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

uint32_t khandle_reserve_count(const struct khandle_table *t)
{
	return t->ready_count;
}

/* ---- the indexes ---- */

static uint32_t khandle_hash_wd(const struct khandle_table *t, int wd)
{
	/* inotify hands out watch descriptors in sequence. */
	return (uint32_t)wd & (t->slot_count - 1u);
}

static uint32_t khandle_hash_key(const struct khandle_table *t, dev_t dev,
				 ino_t ino)
{
	uint64_t h = (uint64_t)ino * UINT64_C(0x9e3779b97f4a7c15) ^
		     (uint64_t)dev * UINT64_C(0xc2b2ae3d27d4eb4f);

	return (uint32_t)(h >> 32) & (t->slot_count - 1u);
}

static void khandle_link(struct khandle_table *t, uint32_t i)
{
	struct khandle_entry *e = &t->slots[i];
	uint32_t bw = khandle_hash_wd(t, e->wd);
	uint32_t bk = khandle_hash_key(t, e->dev, e->ino);

	e->next_wd = t->by_wd[bw];
	t->by_wd[bw] = i;
	e->next_key = t->by_key[bk];
	t->by_key[bk] = i;
}

/*
 * Double the slots (or make the first KHANDLE_MIN_SLOTS) and rebuild both
 * indexes; the new slots go on the free list. 0 or -ENOMEM (the table is
 * unchanged then).
 */
static int khandle_grow(struct khandle_table *t)
{
	uint32_t old = t->slot_count;
	uint32_t n = old ? old * 2u : KHANDLE_MIN_SLOTS;
	struct khandle_entry *slots = NULL;
	uint32_t *by_wd = NULL;
	uint32_t *by_key = NULL;

	if (old > UINT32_MAX / 4u) {
		return -ENOMEM;
	}
	by_wd = malloc((size_t)n * sizeof(*by_wd));
	by_key = malloc((size_t)n * sizeof(*by_key));
	if (!by_wd || !by_key) {
		goto err_free;
	}
	slots = realloc(t->slots, (size_t)n * sizeof(*slots));
	if (!slots) {
		goto err_free;
	}
	t->slots = slots;
	free(t->by_wd);
	free(t->by_key);
	t->by_wd = by_wd;
	t->by_key = by_key;
	t->slot_count = n;
	for (uint32_t b = 0; b < n; b++) {
		by_wd[b] = KHANDLE_NONE;
		by_key[b] = KHANDLE_NONE;
	}
	for (uint32_t i = 0; i < old; i++) {
		if (slots[i].used) {
			khandle_link(t, i);
		}
	}
	/* New slots onto the free list, lowest index first. */
	for (uint32_t i = n; i-- > old;) {
		slots[i].used = false;
		slots[i].next_wd = t->free_head;
		t->free_head = i;
	}
	return 0;

err_free:
	free(by_wd);
	free(by_key);
	return -ENOMEM;
}

static int khandle_insert(struct khandle_table *t, int wd, dev_t dev,
			  ino_t ino, bool dir, void *owner)
{
	struct khandle_entry *e = NULL;
	uint32_t i = 0;

	if (t->free_head == KHANDLE_NONE && khandle_grow(t) != 0) {
		return -ENOMEM;
	}
	i = t->free_head;
	e = &t->slots[i];
	t->free_head = e->next_wd;
	e->used = true;
	e->dir = dir;
	e->wd = wd;
	e->dev = dev;
	e->ino = ino;
	e->owner = owner;
	khandle_link(t, i);
	t->count++;
	return 0;
}

/* Unlink slot @i from the chain starting at *@head through @next_key or
 * @next_wd. */
static void khandle_unlink(struct khandle_table *t, uint32_t *head, uint32_t i,
			   bool key_chain)
{
	uint32_t *link = head;

	while (*link != KHANDLE_NONE) {
		struct khandle_entry *e = &t->slots[*link];

		if (*link == i) {
			*link = key_chain ? e->next_key : e->next_wd;
			return;
		}
		link = key_chain ? &e->next_key : &e->next_wd;
	}
}

static void khandle_remove(struct khandle_table *t, uint32_t i)
{
	struct khandle_entry *e = &t->slots[i];

	khandle_unlink(t, &t->by_key[khandle_hash_key(t, e->dev, e->ino)], i,
		       true);
	khandle_unlink(t, &t->by_wd[khandle_hash_wd(t, e->wd)], i, false);
	e->used = false;
	e->owner = NULL;
	e->next_wd = t->free_head;
	t->free_head = i;
	t->count--;
}

/* ---- making handles ---- */

/*
 * mkdir, open, watch, fstat, rmdir: a restricted handle no one else has
 * yet. 0 or -ENOMEM; nothing is left behind on failure.
 */
static int khandle_make_dir(struct khandle_table *t, struct khandle_ready *r)
{
	char path[PATH_MAX] = { 0 };
	struct stat st = { 0 };
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
	if (fstat(dfd, &st) != 0) {
		rc = -ENOMEM;
		goto err_watch;
	}
	(void)rmdir(path);
	r->fd = dfd;
	r->wd = wd;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	return 0;

err_watch:
	inotify_rm_watch(t->ifd, wd);
err_close:
	close(dfd);
err_rmdir:
	(void)rmdir(path);
	return rc;
}

int khandle_reserve_one(struct khandle_table *t)
{
	int rc = 0;

	if (t->ready_count == KHANDLE_RESERVE) {
		return 0;
	}
	rc = khandle_make_dir(t, &t->ready[t->ready_count]);
	if (rc) {
		return rc;
	}
	t->ready_count++;
	return 1;
}

int khandle_create_restricted(struct khandle_table *t, void *owner, int *fd)
{
	struct khandle_ready r = { .fd = -1, .wd = -1 };
	bool from_reserve = t->ready_count > 0;
	int rc = 0;

	if (from_reserve) {
		r = t->ready[t->ready_count - 1u];
	} else {
		rc = khandle_make_dir(t, &r);
		if (rc) {
			return rc;
		}
	}
	rc = khandle_insert(t, r.wd, r.dev, r.ino, true, owner);
	if (rc) {
		if (!from_reserve) {
			/* Its only fd: the inode dies, the event is ignored. */
			inotify_rm_watch(t->ifd, r.wd);
			close(r.fd);
		}
		return rc;
	}
	if (from_reserve) {
		t->ready_count--;
	}
	*fd = r.fd;
	return 0;
}

int khandle_create_system(struct khandle_table *t, void *owner, uint64_t size,
			  bool read_only, int *fd)
{
	char path[64] = { 0 };
	struct stat st = { 0 };
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
	if (fstat(mfd, &st) != 0) {
		rc = -ENOMEM;
		goto err_watch;
	}
	rc = khandle_insert(t, wd, st.st_dev, st.st_ino, false, owner);
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

/* ---- events and lookups ---- */

/* The live entry watched by @wd, or KHANDLE_NONE. */
static uint32_t khandle_find_wd(const struct khandle_table *t, int wd)
{
	if (t->slot_count == 0) {
		return KHANDLE_NONE;
	}
	for (uint32_t i = t->by_wd[khandle_hash_wd(t, wd)]; i != KHANDLE_NONE;
	     i = t->slots[i].next_wd) {
		if (t->slots[i].wd == wd) {
			return i;
		}
	}
	return KHANDLE_NONE;
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
			uint32_t i = KHANDLE_NONE;
			void *owner = NULL;

			off += sizeof(*ev) + ev->len;
			if (!(ev->mask & (IN_DELETE_SELF | IN_IGNORED))) {
				continue;
			}
			/* IN_IGNORED after IN_DELETE_SELF finds nothing. */
			i = khandle_find_wd(t, ev->wd);
			if (i == KHANDLE_NONE) {
				continue;
			}
			owner = t->slots[i].owner;
			khandle_remove(t, i);
			died++;
			t->gone(t->ctx, owner);
		}
	}
	return died;
}

int khandle_lookup(struct khandle_table *t, int fd, void **owner)
{
	struct stat st = { 0 };

	if (fstat(fd, &st) != 0 || t->slot_count == 0) {
		return -EINVAL;
	}
	for (uint32_t i = t->by_key[khandle_hash_key(t, st.st_dev, st.st_ino)];
	     i != KHANDLE_NONE; i = t->slots[i].next_key) {
		const struct khandle_entry *e = &t->slots[i];

		if (e->dev == st.st_dev && e->ino == st.st_ino &&
		    (e->dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))) {
			*owner = e->owner;
			return 0;
		}
	}
	return -EINVAL;
}
