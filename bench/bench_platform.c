// SPDX-License-Identifier: BSD-2-Clause
/* bench_platform: start and stop a benchmark's platform (see the header). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_harness.h"
#include "bench_platform.h"

#define BENCH_PLATFORM_WAIT_MS 10000u

static void bench_platform_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000u,
			       .tv_nsec = (long)(ms % 1000u) * 1000000L };

	nanosleep(&ts, NULL);
}

void bench_platform_stop(pid_t *pid)
{
	int status = 0;

	if (*pid <= 0) {
		return;
	}
	kill(*pid, SIGTERM);
	for (unsigned int i = 0; i < 500; i++) {
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = -1;
			return;
		}
		bench_platform_sleep_ms(10);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &status, 0);
	*pid = -1;
}

void bench_platform_fini(struct bench_platform *p)
{
	/* Everything board, rheapd and rheap-vmm (one or two guests) leave. */
	static const char *const files[] = {
		"board.sock", "rheapd.sock", "vmm.sock", "board.log",
		"rheapd.log", "vmm.log", "vm0/rheapd.sock", "vm1/rheapd.sock",
	};
	static const char *const dirs[] = {
		"vm0/rheapd.sock.handles", "vm1/rheapd.sock.handles", "vm0",
		"vm1", "sink", "",
	};
	char path[160];

	while (p->proc_count > 0) {
		bench_platform_stop(&p->pids[--p->proc_count]);
	}
	if (p->dir[0] == '\0') {
		return;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->dir, files[i]);
		(void)unlink(path);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->dir, dirs[i]);
		(void)rmdir(path);
	}
	p->dir[0] = '\0';
}

/* Copies a child's log to stderr (it is removed at fini). */
static void bench_platform_cat_log(const char *log)
{
	char buf[512];
	FILE *f = fopen(log, "r");
	size_t n = 0;

	if (!f) {
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		fwrite(buf, 1, n, stderr);
	}
	fclose(f);
}

static bool bench_platform_is_sock(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void bench_platform_fail(struct bench_platform *p, const char *log)
{
	if (log) {
		bench_platform_cat_log(log);
	}
	bench_platform_fini(p);
	exit(1);
}

void bench_platform_spawn(struct bench_platform *p, char *const argv[],
			  const char *log_name, const char *const socks[],
			  size_t sock_count, size_t *which)
{
	char log[160];
	pid_t pid = -1;

	snprintf(log, sizeof(log), "%s/%s", p->dir, log_name);
	if (p->proc_count >= BENCH_PLATFORM_PROCS_MAX) {
		fprintf(stderr, "%s: too many processes\n", p->name);
		bench_platform_fail(p, NULL);
	}
	pid = (fflush(NULL), fork());
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", p->name, strerror(errno));
		bench_platform_fail(p, NULL);
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (unsigned int i = 0; i < BENCH_PLATFORM_WAIT_MS; i++) {
		int status = 0;

		for (size_t k = 0; k < sock_count; k++) {
			if (bench_platform_is_sock(socks[k])) {
				if (which) {
					*which = k;
				}
				p->pids[p->proc_count++] = pid;
				return;
			}
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "%s: %s exited, its log:\n", p->name,
				argv[0]);
			bench_platform_fail(p, log);
		}
		bench_platform_sleep_ms(1);
	}
	fprintf(stderr, "%s: %s did not come up in %u ms, its log:\n",
		p->name, argv[0], BENCH_PLATFORM_WAIT_MS);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	bench_platform_fail(p, log);
}

void bench_platform_start(struct bench_platform *p, const char *name,
			  const char *dir_prefix, const char *board,
			  const char *rheapd, const char *tl,
			  const char *const rheapd_args[], bool pin)
{
	char *bargv[] = { (char *)board, "--tl", (char *)tl, "--socket",
			  p->board_sock, "--quiet", NULL };
	char *dargv[16] = { (char *)rheapd, "--tl", (char *)tl, "--board",
			    p->board_sock, "--socket", p->rheapd_sock, NULL };
	size_t dargc = 7;
	const char *s_board[] = { p->board_sock };
	const char *s_rheapd[] = { p->rheapd_sock };

	memset(p, 0, sizeof(*p));
	p->name = name;
	for (size_t i = 0; rheapd_args && rheapd_args[i]; i++) {
		if (dargc + 1 >= sizeof(dargv) / sizeof(dargv[0])) {
			fprintf(stderr, "%s: too many rheapd arguments\n",
				name);
			exit(1);
		}
		dargv[dargc++] = (char *)rheapd_args[i];
	}
	snprintf(p->dir, sizeof(p->dir), "/tmp/%s-XXXXXX", dir_prefix);
	if (!mkdtemp(p->dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(p->board_sock, sizeof(p->board_sock), "%s/board.sock",
		 p->dir);
	snprintf(p->rheapd_sock, sizeof(p->rheapd_sock), "%s/rheapd.sock",
		 p->dir);
	setenv("RHEAP_RUN_DIR", p->dir, 1);
	setenv("RHEAPD_SOCKET", p->rheapd_sock, 1);
	if (pin) {
		bench_pin_to_one_cpu();
	}
	printf("%s: %s, run dir %s\n", name,
	       pin ? "pinned to one CPU" : "not pinned", p->dir);
	bench_platform_spawn(p, bargv, "board.log", s_board, 1, NULL);
	bench_platform_spawn(p, dargv, "rheapd.log", s_rheapd, 1, NULL);
}
