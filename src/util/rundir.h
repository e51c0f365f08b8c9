/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where the rheap platform's processes put their sockets, logs and pid
 * files, so that the launcher, rheapd, librheap and rheapctl agree
 * without being told: the "run directory".
 *
 *   1. $RHEAP_RUN_DIR if set and non-empty
 *   2. /run/rheap when running as root
 *   3. $XDG_RUNTIME_DIR/rheap if XDG_RUNTIME_DIR is set and non-empty
 *   4. /tmp/rheap-<uid>
 *
 * Files in it: board.sock, rheapd.sock, board.log, rheapd.log, board.pid,
 * rheapd.pid.
 */
#ifndef RHEAP_SRC_UTIL_RUNDIR_H
#define RHEAP_SRC_UTIL_RUNDIR_H

#include <stddef.h>

/**
 * rheap_run_dir() - the run directory's path (not created)
 * @buf: out: NUL-terminated path
 * @cap: bytes at @buf
 *
 * Return: 0; -ENOSPC if the path does not fit.
 */
int rheap_run_dir(char *buf, size_t cap);

/**
 * rheap_run_path() - a file in the run directory
 * @name: file name ("rheapd.sock")
 * @buf:  out: NUL-terminated path
 * @cap:  bytes at @buf
 *
 * Return: 0; -ENOSPC if the path does not fit.
 */
int rheap_run_path(const char *name, char *buf, size_t cap);

#endif /* RHEAP_SRC_UTIL_RUNDIR_H */
