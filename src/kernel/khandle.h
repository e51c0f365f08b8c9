/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Buffer handles: file descriptors that pass between processes, that the
 * kernel tells rheapd about when the last copy is gone, and that rheapd
 * recognises when a client sends one back.
 *
 * - A restricted handle is an O_RDONLY fd of a directory that rheapd made
 *   in its private directory and then removed: read() fails with EISDIR,
 *   write() with EBADF, mmap() with ENODEV, whoever holds it.
 * - A system handle is a memfd of the buffer's size, sealed against
 *   shrinking, growing and further seals; it maps normally. A read-only
 *   handle is an O_RDONLY reopen of it.
 *
 * Lifetime. Each handle's inode carries an inotify watch (IN_DELETE_SELF;
 * IN_ONLYDIR for directories; memfds through "/proc/self/fd/N"). rheapd
 * closes its own copy after sending; when every copy is closed (and, for a
 * memfd, unmapped) the kernel drops the inode and inotify reports
 * IN_DELETE_SELF, then IN_IGNORED: khandle_drain() calls the table's
 * @gone callback once per handle then.
 *
 * Identification. khandle_lookup() matches (st_dev, st_ino) and the file
 * type in a hash table. It does not drain: tmpfs reuses inode numbers
 * quickly, so a dead handle's entry must go before a number is looked up,
 * and the caller drains once per request before any lookup (rheapd's
 * serve loop does).
 *
 * Reserve. Making a restricted handle costs five syscalls (mkdir, open,
 * inotify_add_watch, fstat, rmdir); khandle_reserve_one() does them ahead,
 * when rheapd is idle, for up to KHANDLE_RESERVE handles, so that
 * khandle_create_restricted() only binds a ready one to its buffer. A
 * ready handle is no buffer's handle: it is not in the table, not counted,
 * never matched by a lookup, and its inode cannot die while the table
 * holds its only fd (so no event is ever read for it);
 * khandle_table_destroy() closes it.
 *
 * Life cycle of a table entry:
 *
 *   khandle_reserve_one() --> READY (restricted only: dir made, opened,
 *        watched, removed; the table's fd is the only one)
 *   READY --khandle_create_restricted()--> LIVE
 *   READY --khandle_table_destroy()--> fd closed, no callback
 *   khandle_create_*() (reserve empty) --> LIVE
 *   LIVE: watch added, in the table; the caller sends the fd and closes
 *        its copy
 *   LIVE --IN_DELETE_SELF or IN_IGNORED--> gone() called, entry removed
 *   LIVE --khandle_table_destroy()--> watch removed, no callback
 */
#ifndef RHEAP_SRC_KERNEL_KHANDLE_H
#define RHEAP_SRC_KERNEL_KHANDLE_H

#include <stdbool.h>
#include <stdint.h>

/* Ready restricted handles kept by khandle_reserve_one(). */
#define KHANDLE_RESERVE 8u

struct khandle_table;

/**
 * khandle_table_create() - the handle table and its inotify instance
 * @priv_dir: an existing directory only rheapd writes (0700)
 * @gone:     called from khandle_drain() when the last copy of a handle
 *            is gone, with @ctx and the handle's owner
 * @ctx:      passed to @gone
 * @out:      the table; untouched on failure
 *
 * Return: 0; -EINVAL @priv_dir too long; -ENOMEM (also when inotify
 * instances are exhausted).
 */
int khandle_table_create(const char *priv_dir,
			 void (*gone)(void *ctx, void *owner), void *ctx,
			 struct khandle_table **out);

/**
 * khandle_table_destroy() - remove every watch and free the table (no
 * callbacks)
 * @t: the table, or NULL
 */
void khandle_table_destroy(struct khandle_table *t);

/**
 * khandle_table_fd() - the inotify fd, to poll for readability
 * @t: the table
 *
 * Return: the fd (owned by @t).
 */
int khandle_table_fd(const struct khandle_table *t);

/**
 * khandle_create_restricted() - a new restricted handle
 * @t:     the table
 * @owner: what @gone receives (the buffer)
 * @fd:    out: the handle (O_CLOEXEC); the caller sends then closes it
 *
 * Binds a ready handle of the reserve when there is one (no syscall),
 * otherwise makes one.
 *
 * Return: 0; -ENOMEM (file or watch limits included).
 */
int khandle_create_restricted(struct khandle_table *t, void *owner, int *fd);

/**
 * khandle_create_system() - a new system handle
 * @t:         the table
 * @owner:     what @gone receives
 * @size:      bytes, non-zero
 * @read_only: hand out an O_RDONLY reopen
 * @fd:        out: the handle (O_CLOEXEC)
 *
 * Return: 0; -EINVAL @size 0 or beyond off_t; -ENOMEM.
 */
int khandle_create_system(struct khandle_table *t, void *owner, uint64_t size,
			  bool read_only, int *fd);

/**
 * khandle_lookup() - the owner of a handle a client sent
 * @t:     the table
 * @fd:    any fd (untrusted)
 * @owner: out
 *
 * Does not drain: call khandle_drain() first (once per request), or a dead
 * handle's entry may match a new inode that reuses its number.
 *
 * Return: 0; -EINVAL not a live handle of this table (ready handles of the
 * reserve included).
 */
int khandle_lookup(struct khandle_table *t, int fd, void **owner);

/**
 * khandle_drain() - read pending inotify events, calling @gone for each
 * handle that died
 * @t: the table
 *
 * Return: handles that died.
 */
uint32_t khandle_drain(struct khandle_table *t);

/**
 * khandle_count() - live handles
 * @t: the table
 *
 * Return: the count (ready handles of the reserve not included).
 */
uint32_t khandle_count(const struct khandle_table *t);

/**
 * khandle_reserve_one() - make one ready restricted handle, if the reserve
 * is not full
 * @t: the table
 *
 * For an idle moment: the work ALLOC would otherwise do.
 *
 * Return: 1 one made; 0 the reserve is full (KHANDLE_RESERVE); -ENOMEM
 * (file or watch limits included; the reserve keeps what it has).
 */
int khandle_reserve_one(struct khandle_table *t);

/**
 * khandle_reserve_count() - ready restricted handles
 * @t: the table
 *
 * Return: 0..KHANDLE_RESERVE.
 */
uint32_t khandle_reserve_count(const struct khandle_table *t);

#endif /* RHEAP_SRC_KERNEL_KHANDLE_H */
