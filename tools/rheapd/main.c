// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd: the normal world's heap daemon (docs/rheapd.md).
 *
 *   rheapd [--tl FILE] [--board SOCK] [--socket PATH] [--policy FILE]
 *          [--idle-ms N] [--chunk-size BYTES]
 *
 *   --tl FILE           the platform's Transfer List (default: the built
 *                       default platform's)
 *   --board SOCK        rheap-board's socket (default: board.sock in the
 *                       run directory, src/util/rundir.h)
 *   --socket PATH       where to serve (default: rheapd.sock in the run
 *                       directory)
 *   --policy FILE       access policy and quotas (JSON; docs/rheapd-uapi.md)
 *   --idle-ms N         idle release delay of dynamic chunks (default 2000)
 *   --chunk-size BYTES  dynamic chunk size (default 16 MiB, or the pool)
 *
 * Creates the run directory (0755) if missing, prints "rheapd: serving
 * <socket>" on stderr once listening, stops cleanly on SIGTERM/SIGINT.
 * Exit: 0 clean stop, 1 input rejected (TL, policy), 2 usage or runtime
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/platform.h>

#include "kernel/kheap.h"
#include "kernel/kpolicy.h"
#include "kernel/rheapd.h"
#include "util/rundir.h"

#ifndef RHEAPD_DEFAULT_TL
#define RHEAPD_DEFAULT_TL "default.tl"
#endif

#define RHEAPD_EXIT_OK 0
#define RHEAPD_EXIT_REJECTED 1
#define RHEAPD_EXIT_USAGE 2
#define RHEAPD_FILE_MAX (64u << 20)
#define RHEAPD_TMPFS_MAGIC 0x01021994
#define RHEAPD_SHM_DIR "/dev/shm"

struct rheapd_opts {
	const char *tl;
	const char *board;
	const char *socket;
	const char *policy;
	uint64_t idle_ms;
	uint64_t chunk_size;
};

static void rheapd_usage(FILE *f)
{
	fputs("usage: rheapd [--tl FILE] [--board SOCK] [--socket PATH]"
	      " [--policy FILE]\n"
	      "              [--idle-ms N] [--chunk-size BYTES]\n"
	      "Serves the rheap heaps (protected,* and system) to clients over\n"
	      "a Unix SOCK_SEQPACKET socket (default: rheapd.sock in the run\n"
	      "directory). Exit status: 0 ok, 1 input rejected, 2 usage or\n"
	      "runtime error.\n",
	      f);
}

/* Strict decimal u64 (no sign, no suffix, no empty). */
static int rheapd_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s[0]) {
		return -EINVAL;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) {
			return -EINVAL;
		}
		v = v * 10u + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

static int rheapd_parse(int argc, char **argv, struct rheapd_opts *o)
{
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			rheapd_usage(stdout);
			exit(RHEAPD_EXIT_OK);
		}
		if (!v) {
			rheapd_usage(stderr);
			return -EINVAL;
		}
		if (strcmp(a, "--tl") == 0) {
			o->tl = v;
		} else if (strcmp(a, "--board") == 0) {
			o->board = v;
		} else if (strcmp(a, "--socket") == 0) {
			o->socket = v;
		} else if (strcmp(a, "--policy") == 0) {
			o->policy = v;
		} else if (strcmp(a, "--idle-ms") == 0) {
			if (rheapd_u64(v, &o->idle_ms) != 0 ||
			    o->idle_ms > UINT64_MAX / 1000000u) {
				fprintf(stderr, "rheapd: bad --idle-ms %s\n", v);
				return -EINVAL;
			}
		} else if (strcmp(a, "--chunk-size") == 0) {
			if (rheapd_u64(v, &o->chunk_size) != 0 ||
			    o->chunk_size == 0 || o->chunk_size % 4096 != 0) {
				fprintf(stderr,
					"rheapd: bad --chunk-size %s (a "
					"non-zero multiple of 4096)\n",
					v);
				return -EINVAL;
			}
		} else {
			rheapd_usage(stderr);
			return -EINVAL;
		}
	}
	return 0;
}

static int rheapd_read(const char *path, void **buf, size_t *size)
{
	struct stat st = { 0 };
	uint8_t *p = NULL;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "rheapd: cannot open %s: %s\n", path,
			strerror(errno));
		return -ENOENT;
	}
	if (fstat(fd, &st) != 0 || st.st_size < 0 ||
	    (uint64_t)st.st_size > RHEAPD_FILE_MAX) {
		fprintf(stderr, "rheapd: %s: unreadable or too large\n", path);
		close(fd);
		return -EINVAL;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "rheapd: cannot read %s\n", path);
			free(p);
			close(fd);
			return -EINVAL;
		}
		done += (size_t)n;
	}
	close(fd);
	*buf = p;
	*size = done;
	return 0;
}

int main(int argc, char **argv)
{
	struct rheapd_opts o = { .tl = RHEAPD_DEFAULT_TL, .idle_ms = 2000 };
	struct rheapd_cfg cfg = { 0 };
	struct rheap_platform *plat = NULL;
	struct rheap_diag diag = { 0 };
	struct kpolicy *policy = NULL;
	char run_dir[PATH_MAX];
	char board[PATH_MAX];
	char sock[PATH_MAX];
	char priv[PATH_MAX];
	void *buf = NULL;
	size_t size = 0;
	int rc = 0;
	int exit_code = RHEAPD_EXIT_USAGE;

	if (rheapd_parse(argc, argv, &o) != 0) {
		return RHEAPD_EXIT_USAGE;
	}
	if (rheap_run_dir(run_dir, sizeof(run_dir)) != 0 ||
	    rheap_run_path("board.sock", board, sizeof(board)) != 0 ||
	    rheap_run_path("rheapd.sock", sock, sizeof(sock)) != 0) {
		fprintf(stderr, "rheapd: run directory path too long\n");
		return RHEAPD_EXIT_USAGE;
	}
	if (mkdir(run_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "rheapd: cannot create %s: %s\n", run_dir,
			strerror(errno));
		return RHEAPD_EXIT_USAGE;
	}
	plat = calloc(1, sizeof(*plat));
	if (!plat || rheapd_read(o.tl, &buf, &size) != 0) {
		free(plat);
		return RHEAPD_EXIT_USAGE;
	}
	rc = rheap_platform_from_tl(buf, size, plat, &diag);
	free(buf);
	if (rc) {
		fprintf(stderr, "rheapd: %s: platform rejected: %s (%s %s)\n",
			o.tl, rheap_err_name(rc), diag.subject, diag.field);
		exit_code = RHEAPD_EXIT_REJECTED;
		goto out_plat;
	}
	if (o.policy) {
		struct kpolicy_error perr = { 0 };

		if (rheapd_read(o.policy, &buf, &size) != 0) {
			goto out_plat;
		}
		rc = kpolicy_parse(buf, size, &policy, &perr);
		free(buf);
		if (rc) {
			fprintf(stderr, "rheapd: %s:%u:%u: %s (%s)\n", o.policy,
				perr.line, perr.column, perr.message,
				rheap_err_name(rc));
			exit_code = RHEAPD_EXIT_REJECTED;
			goto out_plat;
		}
	}
	/*
	 * Restricted handles are directories made and removed in here: on
	 * tmpfs that costs ~10 us, on a disk file system ~150 us per ALLOC
	 * (measured on ext4). Prefer /dev/shm when it is tmpfs.
	 */
	{
		struct statfs sfs = { 0 };
		bool shm = statfs(RHEAPD_SHM_DIR, &sfs) == 0 &&
			   sfs.f_type == RHEAPD_TMPFS_MAGIC &&
			   access(RHEAPD_SHM_DIR, W_OK) == 0;

		rc = snprintf(priv, sizeof(priv), "%s/rheapd-handles.XXXXXX",
			      shm ? RHEAPD_SHM_DIR : run_dir);
	}
	if (rc < 0 || (size_t)rc >= sizeof(priv) || !mkdtemp(priv)) {
		fprintf(stderr, "rheapd: cannot create a directory in %s: %s\n",
			run_dir, strerror(errno));
		goto out_policy;
	}
	cfg.plat = plat;
	cfg.board_path = o.board ? o.board : board;
	cfg.socket_path = o.socket ? o.socket : sock;
	cfg.priv_dir = priv;
	cfg.policy = policy;
	cfg.idle_ns = o.idle_ms * 1000000u;
	cfg.chunk_size = o.chunk_size;
	rc = rheapd_run(&cfg);
	(void)rmdir(priv);
	exit_code = rc == 0 ? RHEAPD_EXIT_OK : RHEAPD_EXIT_USAGE;
out_policy:
	kpolicy_destroy(policy);
out_plat:
	free(plat);
	return exit_code;
}
