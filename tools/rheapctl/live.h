/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapctl's connections to the running platform: rheapd's STATUS over
 * its UAPI socket (include/rheap/rheapd_uapi.h) and the board's operator
 * requests (STATUS, FAULTS) over its transport (src/board/nw_client.h).
 *
 * Where they are: rheapd at $RHEAPD_SOCKET, else "rheapd.sock" in the run
 * directory; the board at "board.sock" in the run directory
 * (src/util/rundir.h), which is where `rheapctl up` starts them.
 */
#ifndef RHEAP_TOOLS_RHEAPCTL_LIVE_H
#define RHEAP_TOOLS_RHEAPCTL_LIVE_H

#include <stdbool.h>
#include <stddef.h>

/** Bytes of a socket path buffer (sun_path plus room to report). */
#define CTL_PATH_MAX 256u

/** Seconds a query waits for an answer before giving up. */
#define CTL_LIVE_TIMEOUT_S 5

/**
 * ctl_live_rheapd_path() - where rheapd listens
 * @buf: out, NUL-terminated
 * @cap: bytes at @buf
 *
 * Return: 0; -ENOSPC the path does not fit.
 */
int ctl_live_rheapd_path(char *buf, size_t cap);

/**
 * ctl_live_board_path() - where the board listens ("board.sock" in the run
 * directory)
 *
 * Return: as ctl_live_rheapd_path().
 */
int ctl_live_board_path(char *buf, size_t cap);

/**
 * ctl_live_rheapd_status() - one RHEAPD_OP_STATUS request
 * @path: rheapd's socket
 * @json: out: malloc()ed NUL-terminated JSON text; the caller frees it
 * @len:  out: its length
 *
 * Waits at most CTL_LIVE_TIMEOUT_S for the answer.
 *
 * Return: 0; -ENOENT nobody listens at @path (or it closed on us, or did
 * not answer in time); -EINVAL a response that is not a well-formed
 * STATUS response (magic, version, op, seq, size); rheapd's own negative
 * status; -ENOSPC @path too long; -ENOMEM.
 */
int ctl_live_rheapd_status(const char *path, char **json, size_t *len);

/**
 * ctl_live_board_query() - the board's STATUS or FAULTS JSON
 * @path:   the board's socket
 * @faults: FAULTS instead of STATUS
 * @json:   out: malloc()ed NUL-terminated JSON; the caller frees it
 * @len:    out: its length
 *
 * Return: 0; the errors of nw_client_connect() and nw_client_status().
 */
int ctl_live_board_query(const char *path, bool faults, char **json,
			 size_t *len);

#endif /* RHEAP_TOOLS_RHEAPCTL_LIVE_H */
