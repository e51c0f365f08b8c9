/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_platform: the benchmarks' real platform (rheap-board and rheapd,
 * and any further process such as rheap-vmm) started in a temporary run
 * directory, each process's output in a log there, and torn down again.
 * Failures print "<name>: ..." (with the child's log where there is one),
 * tear the platform down and exit(1): a benchmark has no way to go on.
 */
#ifndef RHEAP_BENCH_PLATFORM_H
#define RHEAP_BENCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BENCH_PLATFORM_PROCS_MAX 4u

/**
 * struct bench_platform - a started platform
 * @name:        the benchmark's name, for messages
 * @dir:         the run directory (RHEAP_RUN_DIR)
 * @board_sock:  rheap-board's socket in @dir
 * @rheapd_sock: rheapd's socket in @dir (RHEAPD_SOCKET)
 * @pids:        the started processes, in start order (-1: stopped)
 * @proc_count:  entries of @pids
 */
struct bench_platform {
	const char *name;
	char dir[64];
	char board_sock[128];
	char rheapd_sock[128];
	pid_t pids[BENCH_PLATFORM_PROCS_MAX];
	size_t proc_count;
};

/**
 * bench_platform_start() - make the run directory, start board and rheapd
 * @p:           the platform (caller-owned storage)
 * @name:        the benchmark's name, for messages (static)
 * @dir_prefix:  the run directory's name before "-XXXXXX", under /tmp
 * @board:       the rheap-board program
 * @rheapd:      the rheapd program
 * @tl:          the Transfer List both boot from
 * @rheapd_args: further rheapd arguments, NULL-terminated, or NULL
 * @pin:         pin this process (and so its children) to one CPU
 *
 * Sets RHEAP_RUN_DIR and RHEAPD_SOCKET, prints "<name>: pinned ..., run
 * dir ...", and returns once both sockets are up.
 */
void bench_platform_start(struct bench_platform *p, const char *name,
			  const char *dir_prefix, const char *board,
			  const char *rheapd, const char *tl,
			  const char *const rheapd_args[], bool pin);

/**
 * bench_platform_spawn() - start one more process of the platform
 * @p:          the platform
 * @argv:       its argv, argv[0] the program
 * @log_name:   its log's file name in the run directory
 * @socks:      the sockets of which one shows it is up
 * @sock_count: entries of @socks
 * @which:      set to the index of the socket that appeared, or NULL
 */
void bench_platform_spawn(struct bench_platform *p, char *const argv[],
			  const char *log_name, const char *const socks[],
			  size_t sock_count, size_t *which);

/**
 * bench_platform_stop() - stop one process: SIGTERM, SIGKILL after 5 s
 * @pid: the process, or <= 0 (nothing); set to -1
 */
void bench_platform_stop(pid_t *pid);

/**
 * bench_platform_fini() - stop the processes (last started first) and
 * remove the run directory and what the platform left in it
 * @p: the platform; idempotent
 */
void bench_platform_fini(struct bench_platform *p);

#endif /* RHEAP_BENCH_PLATFORM_H */
