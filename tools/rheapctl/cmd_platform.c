// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl up / down: start and stop the development platform, the board
 * (rheap-board) and the NW kernel (rheapd), in the run directory
 * (src/util/rundir.h).
 *
 * Files in the run directory:
 *
 *   board.sock  board.log  board.pid     rheap-board --socket board.sock
 *                                               [--keys FILE] [--sink-dir DIR]
 *   rheapd.sock rheapd.log rheapd.pid    rheapd --board board.sock
 *                                               --socket rheapd.sock
 *
 * State of one process, as `up` and `down` judge it:
 *
 *   no pid file                      -> DOWN (its socket may still answer:
 *                                       someone else's, `up` refuses)
 *   pid file, process gone, a zombie,
 *     or not the expected program    -> STALE (the file is removed)
 *   pid file, live expected program  -> UP
 *
 * up:   both DOWN (after removing stale files) -> start the board (with
 *       --keys / --sink-dir when given, as absolute paths), wait
 *       until its socket answers STATUS; start rheapd, wait until it
 *       answers STATUS; on a failure stop what was started, print the
 *       log's tail, exit 1. Any UP -> refuse, exit 1.
 * down: rheapd first (it reclaims its lent memory from the board), then
 *       the board: SIGTERM, wait CTL_DOWN_TERM_MS, SIGKILL, wait; remove
 *       the pid file and a socket file left behind. Nothing running is
 *       not an error (exit 0, says so).
 *
 * The daemons run in their own session with stdin from /dev/null and
 * stdout/stderr to their log (truncated at each `up`).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>

#include "args.h"
#include "live.h"
#include "rheapctl.h"
#include "util/rundir.h"

/* How long `up` waits for a socket to answer, and the poll step. */
#define CTL_UP_WAIT_MS 15000
#define CTL_UP_STEP_MS 50
/* How long `down` waits after SIGTERM, then after SIGKILL. */
#define CTL_DOWN_TERM_MS 10000
#define CTL_DOWN_KILL_MS 3000
/* Log lines shown when a start fails. */
#define CTL_LOG_TAIL_LINES 15

/*
 * struct ctl_proc - one of the two daemons
 * @name:   program name (also its /proc/PID/comm)
 * @subdir: its build directory under tools/ (for an uninstalled tree)
 * @sock, @log, @pid: paths in the run directory
 */
struct ctl_proc {
	const char *name;
	const char *subdir;
	char sock[CTL_PATH_MAX];
	char log[CTL_PATH_MAX];
	char pid[CTL_PATH_MAX];
};

enum ctl_proc_state {
	CTL_PROC_DOWN,
	CTL_PROC_STALE,
	CTL_PROC_UP,
};

static void ctl_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static int ctl_proc_init(struct ctl_proc *p, const char *name,
			 const char *subdir, const char *stem)
{
	char file[64] = "";
	int rc = 0;

	*p = (struct ctl_proc){ .name = name, .subdir = subdir };
	snprintf(file, sizeof(file), "%s.log", stem);
	rc = rheap_run_path(file, p->log, sizeof(p->log));
	snprintf(file, sizeof(file), "%s.pid", stem);
	if (rc == 0) {
		rc = rheap_run_path(file, p->pid, sizeof(p->pid));
	}
	if (rc == 0) {
		rc = strcmp(stem, "board") == 0 ?
			     ctl_live_board_path(p->sock, sizeof(p->sock)) :
			     ctl_live_rheapd_path(p->sock, sizeof(p->sock));
	}
	if (rc != 0) {
		ctl_error("run directory", "path too long");
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

/* The pid in @path: > 0, or 0 when absent or not a pid file. */
static pid_t ctl_pid_read(const char *path)
{
	char buf[32] = "";
	char *end = NULL;
	long v = 0;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] < '1' || buf[0] > '9') {
		return 0;
	}
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || v <= 0 || v > INT_MAX || (*end != '\n' && *end != '\0')) {
		return 0;
	}
	return (pid_t)v;
}

static int ctl_pid_write(const char *path, pid_t pid)
{
	char tmp[CTL_PATH_MAX + 8] = "";
	char buf[32] = "";
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	int fd = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return -EPERM;
	}
	if (write(fd, buf, (size_t)len) != len || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return -EPERM;
	}
	return 0;
}

/* Alive, not a zombie, and running @name. */
static bool ctl_pid_is(pid_t pid, const char *name)
{
	char path[64] = "";
	char buf[256] = "";
	char *close_paren = NULL;
	ssize_t n = 0;
	int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return false;
	}
	buf[n] = '\0';
	/* "PID (comm) S ...": comm may hold spaces and parentheses. */
	close_paren = strrchr(buf, ')');
	if (!close_paren || close_paren[1] != ' ' || close_paren[2] == 'Z' ||
	    close_paren[2] == 'X') {
		return false;
	}
	*close_paren = '\0';
	return strchr(buf, '(') && strcmp(strchr(buf, '(') + 1, name) == 0;
}

static enum ctl_proc_state ctl_proc_state(const struct ctl_proc *p, pid_t *pid)
{
	struct stat st = { 0 };

	*pid = ctl_pid_read(p->pid);
	if (*pid > 0 && ctl_pid_is(*pid, p->name)) {
		return CTL_PROC_UP;
	}
	return stat(p->pid, &st) == 0 ? CTL_PROC_STALE : CTL_PROC_DOWN;
}

/* Finds @name next to rheapctl (installed) or in the build tree. */
static int ctl_find_near_self(const char *name, const char *subdir, int mode,
			      char *out, size_t cap)
{
	char self[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *fmts[] = { "%s/%s", "%s/../%s/%s", "%s/../share/rheap/%s" };
	char *slash = NULL;

	if (n <= 0) {
		return -ENOENT;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash) {
		return -ENOENT;
	}
	*slash = '\0';
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		int len = i == 1 ? snprintf(out, cap, fmts[i], self, subdir, name) :
				   snprintf(out, cap, fmts[i], self, name);

		if (len > 0 && (size_t)len < cap && access(out, mode) == 0) {
			char real[PATH_MAX] = "";

			if (realpath(out, real) && strlen(real) < cap) {
				memcpy(out, real, strlen(real) + 1);
			}
			return 0;
		}
	}
	return -ENOENT;
}

static void ctl_log_tail(const char *log)
{
	char *buf = NULL;
	size_t size = 0;
	size_t start = 0;
	unsigned int lines = 0;
	FILE *f = fopen(log, "re");
	char chunk[4096] = "";
	size_t n = 0;
	FILE *m = open_memstream(&buf, &size);

	if (!f || !m) {
		if (f) {
			fclose(f);
		}
		if (m) {
			fclose(m);
			free(buf);
		}
		fprintf(stderr, "  (no log at %s)\n", log);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		fwrite(chunk, 1, n, m);
	}
	fclose(f);
	fclose(m);
	start = size;
	while (start > 0 && lines <= CTL_LOG_TAIL_LINES) {
		start--;
		if (buf[start] == '\n' && start + 1 < size) {
			lines++;
		}
	}
	if (lines > CTL_LOG_TAIL_LINES) {
		start++;
	}
	fprintf(stderr, "--- last lines of %s ---\n%.*s%s", log,
		(int)(size - start), buf + start,
		size > 0 && buf[size - 1] != '\n' ? "\n" : "");
	free(buf);
}

/* Forks @argv as a daemon writing to @log; returns its pid or -1. */
static pid_t ctl_spawn(char *const argv[], const char *log)
{
	int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid = -1;

	if (logfd < 0 || nullfd < 0) {
		ctl_error(log, "cannot create: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		(void)setsid();
		if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0) {
			_exit(127);
		}
		execv(argv[0], argv);
		fprintf(stderr, "rheapctl: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		ctl_error("up", "fork: %s", strerror(errno));
	}
out:
	if (logfd >= 0) {
		close(logfd);
	}
	if (nullfd >= 0) {
		close(nullfd);
	}
	return pid;
}

/* Someone answers STATUS at @p's socket. */
static bool ctl_answers(const struct ctl_proc *p, bool board)
{
	char *json = NULL;
	size_t len = 0;
	int rc = board ? ctl_live_board_query(p->sock, false, &json, &len) :
			 ctl_live_rheapd_status(p->sock, &json, &len);

	free(json);
	return rc == 0;
}

/* Polls until @p answers STATUS (0), dies (-ENOENT) or time runs out. */
static int ctl_wait_ready(const struct ctl_proc *p, pid_t pid, bool board)
{
	for (long waited = 0; waited < CTL_UP_WAIT_MS; waited += CTL_UP_STEP_MS) {
		char *json = NULL;
		size_t len = 0;
		int status = 0;
		int rc = board ? ctl_live_board_query(p->sock, false, &json, &len) :
				 ctl_live_rheapd_status(p->sock, &json, &len);

		free(json);
		if (rc == 0) {
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			if (WIFEXITED(status)) {
				ctl_error("up", "%s exited with status %d before answering",
					  p->name, WEXITSTATUS(status));
			} else {
				ctl_error("up", "%s died (signal %d) before answering",
					  p->name, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			}
			return -ENOENT;
		}
		ctl_sleep_ms(CTL_UP_STEP_MS);
	}
	ctl_error("up", "%s did not answer at %s within %d ms", p->name, p->sock,
		  CTL_UP_WAIT_MS);
	return -EBUSY;
}

/*
 * Stops @p. Return: 1 it was running and is stopped, 0 nothing was
 * running, -EPERM it could not be signalled or did not die.
 */
static int ctl_stop(const struct ctl_proc *p, bool board, bool quiet)
{
	pid_t pid = 0;
	enum ctl_proc_state st = ctl_proc_state(p, &pid);
	long waited = 0;
	bool killed = false;

	if (st == CTL_PROC_STALE) {
		(void)unlink(p->pid);
		if (!ctl_answers(p, board)) {
			(void)unlink(p->sock);
		}
		if (!quiet) {
			printf("%s: not running (stale pid file %s removed)\n",
			       p->name, p->pid);
		}
		return 0;
	}
	if (st == CTL_PROC_DOWN) {
		if (!quiet) {
			printf("%s: not running\n", p->name);
		}
		return 0;
	}
	if (kill(pid, SIGTERM) != 0) {
		ctl_error("down", "cannot signal %s (pid %d): %s", p->name, (int)pid,
			  strerror(errno));
		return -EPERM;
	}
	while (ctl_pid_is(pid, p->name)) {
		(void)waitpid(pid, NULL, WNOHANG); /* our child when `up` failed */
		if (!killed && waited >= CTL_DOWN_TERM_MS) {
			(void)kill(pid, SIGKILL);
			killed = true;
			waited = 0;
		} else if (killed && waited >= CTL_DOWN_KILL_MS) {
			ctl_error("down", "%s (pid %d) survives SIGKILL", p->name,
				  (int)pid);
			return -EPERM;
		}
		ctl_sleep_ms(CTL_UP_STEP_MS);
		waited += CTL_UP_STEP_MS;
	}
	(void)unlink(p->pid);
	(void)unlink(p->sock);
	if (!quiet) {
		if (killed) {
			printf("%s: killed (pid %d did not stop within %d ms of SIGTERM)\n",
			       p->name, (int)pid, CTL_DOWN_TERM_MS);
		} else {
			printf("%s: stopped (pid %d)\n", p->name, (int)pid);
		}
	}
	return 1;
}

static int ctl_mkdir_p(const char *dir)
{
	char buf[CTL_PATH_MAX] = "";
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf)) {
		return -ENOSPC;
	}
	memcpy(buf, dir, len + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
				return -EPERM;
			}
			*s = '/';
		}
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
		return -EPERM;
	}
	return 0;
}

/* Refuses when @p is UP or someone answers at its socket. */
static int ctl_up_check(const struct ctl_proc *p, bool board)
{
	pid_t pid = 0;
	enum ctl_proc_state st = ctl_proc_state(p, &pid);

	if (st == CTL_PROC_UP) {
		ctl_error("up", "already up: %s is running (pid %d, %s); run `rheapctl down` first",
			  p->name, (int)pid, p->pid);
		return CTL_EXIT_REJECT;
	}
	if (st == CTL_PROC_STALE) {
		printf("%s: stale pid file %s removed\n", p->name, p->pid);
		(void)unlink(p->pid);
	}
	if (ctl_answers(p, board)) {
		ctl_error("up", "a %s not started by rheapctl already answers at %s",
			  p->name, p->sock);
		return CTL_EXIT_REJECT;
	}
	return CTL_EXIT_OK;
}

/* Starts one daemon and waits for it; on failure, shows its log. */
static int ctl_up_one(const struct ctl_proc *p, char *const argv[], bool board,
		      pid_t *out)
{
	pid_t pid = ctl_spawn(argv, p->log);

	if (pid < 0) {
		return CTL_EXIT_REJECT;
	}
	if (ctl_pid_write(p->pid, pid) != 0) {
		ctl_error(p->pid, "cannot write: %s", strerror(errno));
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return CTL_EXIT_REJECT;
	}
	if (ctl_wait_ready(p, pid, board) != 0) {
		(void)ctl_stop(p, board, true);
		(void)waitpid(pid, NULL, WNOHANG);
		ctl_log_tail(p->log);
		return CTL_EXIT_REJECT;
	}
	*out = pid;
	return CTL_EXIT_OK;
}

/*
 * Makes @path absolute in @out without requiring it to exist (the board
 * creates the sink directory): realpath() when it exists, else the current
 * directory joined with @path.
 */
static int ctl_abs_path(const char *path, char *out, size_t cap)
{
	char buf[PATH_MAX] = "";
	int len = 0;

	if (realpath(path, buf)) {
		len = snprintf(out, cap, "%s", buf);
	} else if (path[0] == '/') {
		len = snprintf(out, cap, "%s", path);
	} else if (getcwd(buf, sizeof(buf))) {
		len = snprintf(out, cap, "%s/%s", buf, path);
	} else {
		return -ENOENT;
	}
	return len > 0 && (size_t)len < cap ? 0 : -ENOSPC;
}

/* The board's command line: --tl, --socket, then the optional ones. */
#define CTL_BOARD_ARGC_MAX 12

int ctl_up(int argc, char **argv)
{
	struct ctl_proc board = { 0 };
	struct ctl_proc rheapd = { 0 };
	char dir[CTL_PATH_MAX] = "";
	char tl[PATH_MAX] = "";
	char keys[PATH_MAX] = "";
	char sink[PATH_MAX] = "";
	char board_bin[PATH_MAX] = "";
	char rheapd_bin[PATH_MAX] = "";
	const char *tl_arg = NULL;
	const char *keys_arg = NULL;
	const char *sink_arg = NULL;
	bool debug = false;
	pid_t board_pid = 0;
	pid_t rheapd_pid = 0;
	const struct ctl_opt opts[] = {
		{ "--tl", &tl_arg, NULL },
		{ "--debug", NULL, &debug },
		{ "--keys", &keys_arg, NULL },
		{ "--sink-dir", &sink_arg, NULL },
	};
	char *board_argv[CTL_BOARD_ARGC_MAX] = { board_bin, "--tl", tl, "--socket",
						 board.sock, NULL };
	size_t board_argc = 5;
	char *rheapd_argv[] = { rheapd_bin, "--tl", tl, "--board", board.sock,
				"--socket", rheapd.sock, NULL };
	int rc = ctl_opts_parse(argc, argv, "up", opts, sizeof(opts) / sizeof(opts[0]),
				NULL, 0);

	if (rc != 0) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	if (rheap_run_dir(dir, sizeof(dir)) != 0 ||
	    ctl_proc_init(&board, "rheap-board", "rheap-board", "board") != 0 ||
	    ctl_proc_init(&rheapd, "rheapd", "rheapd", "rheapd") != 0) {
		return CTL_EXIT_USAGE;
	}
	rc = ctl_up_check(&rheapd, false);
	if (rc == CTL_EXIT_OK) {
		rc = ctl_up_check(&board, true);
	}
	if (rc != CTL_EXIT_OK) {
		return rc;
	}
	if (tl_arg && !realpath(tl_arg, tl)) {
		ctl_error("up", "%s: %s", tl_arg, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	if (!tl_arg && ctl_find_near_self("default.tl", "rheap-board", R_OK, tl,
					  sizeof(tl)) != 0) {
		ctl_error("up", "no default Transfer List found next to rheapctl; pass --tl FILE");
		return CTL_EXIT_USAGE;
	}
	/* The board reads the key file; checking it here gives the error
	 * before anything starts (its content is the board's to judge). */
	if (keys_arg && (!realpath(keys_arg, keys) || access(keys, R_OK) != 0)) {
		ctl_error("up", "--keys %s: %s", keys_arg, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	if (sink_arg && (sink_arg[0] == '\0' ||
			 ctl_abs_path(sink_arg, sink, sizeof(sink)) != 0)) {
		ctl_error("up", "--sink-dir %s: path empty or too long", sink_arg);
		return CTL_EXIT_USAGE;
	}
	if (ctl_find_near_self("rheap-board", "rheap-board", X_OK, board_bin,
			       sizeof(board_bin)) != 0 ||
	    ctl_find_near_self("rheapd", "rheapd", X_OK, rheapd_bin,
			       sizeof(rheapd_bin)) != 0) {
		ctl_error("up", "rheap-board or rheapd not found next to rheapctl");
		return CTL_EXIT_USAGE;
	}
	if (ctl_mkdir_p(dir) != 0) {
		ctl_error("up", "cannot create the run directory %s: %s", dir,
			  strerror(errno));
		return CTL_EXIT_USAGE;
	}
	if (debug) {
		board_argv[board_argc++] = "--debug-dump";
	}
	if (keys_arg) {
		board_argv[board_argc++] = "--keys";
		board_argv[board_argc++] = keys;
	}
	if (sink_arg) {
		board_argv[board_argc++] = "--sink-dir";
		board_argv[board_argc++] = sink;
	}
	board_argv[board_argc] = NULL;
	rc = ctl_up_one(&board, board_argv, true, &board_pid);
	if (rc != CTL_EXIT_OK) {
		return rc;
	}
	rc = ctl_up_one(&rheapd, rheapd_argv, false, &rheapd_pid);
	if (rc != CTL_EXIT_OK) {
		(void)ctl_stop(&board, true, true);
		return rc;
	}
	printf("rheap platform up%s\n"
	       "  platform    %s\n"
	       "  run dir     %s\n"
	       "  board       pid %d, socket %s, log %s\n"
	       "  rheapd      pid %d, socket %s, log %s\n",
	       debug ? " (debug: SDP dump enabled)" : "", tl, dir, (int)board_pid,
	       board.sock, board.log, (int)rheapd_pid, rheapd.sock, rheapd.log);
	if (keys_arg) {
		printf("  keys        %s (read by the board only)\n", keys);
	}
	if (sink_arg) {
		printf("  sink dir    %s\n", sink);
	}
	printf("stop it with `rheapctl down`\n");
	return CTL_EXIT_OK;
}

int ctl_down(int argc, char **argv)
{
	struct ctl_proc board = { 0 };
	struct ctl_proc rheapd = { 0 };
	int rc = ctl_opts_parse(argc, argv, "down", NULL, 0, NULL, 0);
	int r1 = 0;
	int r2 = 0;

	if (rc != 0) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	if (ctl_proc_init(&board, "rheap-board", "rheap-board", "board") != 0 ||
	    ctl_proc_init(&rheapd, "rheapd", "rheapd", "rheapd") != 0) {
		return CTL_EXIT_USAGE;
	}
	r1 = ctl_stop(&rheapd, false, false);
	r2 = ctl_stop(&board, true, false);
	if (r1 < 0 || r2 < 0) {
		return CTL_EXIT_REJECT;
	}
	printf(r1 == 0 && r2 == 0 ? "rheap platform was not running\n" :
				    "rheap platform down\n");
	return CTL_EXIT_OK;
}
