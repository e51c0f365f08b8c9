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
 * Identification. khandle_lookup() drains pending events first (tmpfs
 * reuses inode numbers quickly, so a dead handle's entry must go before
 * the number is looked up), then matches (st_dev, st_ino) and the file
 * type.
 *
 * Life cycle of a table entry:
 *
 *   khandle_create_*() --> LIVE (watch added; the caller sends the fd)
 *   LIVE --IN_DELETE_SELF or IN_IGNORED--> gone() called, entry removed
 *   LIVE --khandle_table_destroy()--> watch removed, no callback
 */
#ifndef RHEAP_SRC_KERNEL_KHANDLE_H
#define RHEAP_SRC_KERNEL_KHANDLE_H

#include <stdbool.h>
#include <stdint.h>

struct khandle_table;

/**
 * khandle_table_create() - the handle table and its inotify instance
 * @priv_dir: an existing directory only rheapd writes (0700)
 * @gone:     called from khandle_drain()/khandle_lookup() when the last
 *            copy of a handle is gone, with @ctx and the handle's owner
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
 * Drains pending inotify events first.
 *
 * Return: 0; -EINVAL not a live handle of this table.
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
 * Return: the count.
 */
uint32_t khandle_count(const struct khandle_table *t);

#endif /* RHEAP_SRC_KERNEL_KHANDLE_H */
