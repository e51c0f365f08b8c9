// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-board: run the secure world of the development platform.
 *
 *   rheap-board [--tl FILE] [--socket PATH] [--keys FILE] [--sink-dir DIR]
 *               [--ivshmem SOCK] [--guest-ram FILE]
 *               [--once] [--debug-dump [--fault SPEC]] [--quiet]
 *
 * Boots from the Transfer List FILE (default: the default platform's list,
 * built at build time by rheap-mktl; its build-directory path is compiled
 * in) and serves the SMC conduit on the Unix socket PATH (default
 * $XDG_RUNTIME_DIR/rheap-board.sock, else /tmp/rheap-board-<uid>.sock).
 * docs/board-transport.md describes the protocol.
 *
 *   --keys FILE    content keys of the SDP partition (read by the board only)
 *   --sink-dir DIR the display's protected sink (docs/devices.md); default
 *                  "sink" in the socket's directory; created mode 0700
 *   --ivshmem SOCK also be the ivshmem server of QEMU's ivshmem-doorbell
 *                  device on SOCK, serving a Linux guest's FF-A mailbox as
 *                  the NW endpoint 0x0001 (docs/ffa-mailbox.md); the guest
 *                  and a socket NW client exclude each other
 *   --guest-ram FILE  back the DRAM bank at PA 0 with FILE (the guest's
 *                  RAM, QEMU memory-backend-file share=on) instead of a
 *                  memfd; its size must equal the bank's (exit 1 if not,
 *                  or if the platform has no DRAM at PA 0)
 *   --once         exit when the first NW connection ends (tests)
 *   --debug-dump   let the SDP partition answer its dump command (debug:
 *                  it defeats R1)
 *   --fault SPEC   fail chosen secure calls on purpose (tests of the NW's
 *                  failure paths; with --debug-dump only, exit 1 otherwise):
 *                  src/board/board_inject.h, docs/board-transport.md
 *   --quiet        log only errors and the protection warning
 *
 * SIGINT and SIGTERM shut down gracefully: connections are closed, lent
 * memory is scrubbed, the socket file is removed.
 *
 * Exit codes as the other tools: 0 ok, 1 input rejected (TL, DTB, keys),
 * 2 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/err.h>

#include "board/board.h"
#include "board/board_ivshmem.h"
#include "board/board_server.h"

#ifndef RHEAP_BOARD_DEFAULT_TL
#define RHEAP_BOARD_DEFAULT_TL "default.tl"
#endif

#define BOARD_EXIT_OK 0
#define BOARD_EXIT_REJECTED 1
#define BOARD_EXIT_USAGE 2

/* Largest Transfer List read (the TL's total_size is u32). */
#define BOARD_TL_MAX (64u << 20)

struct board_main_opts {
	const char *tl;
	const char *socket;
	const char *keys;
	const char *sink_dir;
	const char *ivshmem;
	const char *guest_ram;
	const char *fault;
	bool once;
	bool debug_dump;
	bool quiet;
};

static struct board_server *board_main_server;

static void board_main_usage(FILE *f)
{
	fputs("usage: rheap-board [--tl FILE] [--socket PATH] [--keys FILE]"
	      " [--sink-dir DIR]\n"
	      "                   [--ivshmem SOCK] [--guest-ram FILE]\n"
	      "                   [--once] [--debug-dump [--fault SPEC]] [--quiet]\n"
	      "\n"
	      "Boots the development platform's secure world from a Transfer\n"
	      "List (default: " RHEAP_BOARD_DEFAULT_TL ")\n"
	      "and serves FF-A calls on a Unix SOCK_SEQPACKET socket (default:\n"
	      "$XDG_RUNTIME_DIR/rheap-board.sock or /tmp/rheap-board-UID.sock).\n"
	      "Exit status: 0 ok, 1 input rejected, 2 usage or I/O error.\n",
	      f);
}

static void board_main_signal(int sig)
{
	(void)sig;
	if (board_main_server) {
		board_server_stop(board_main_server);
	}
}

static int board_main_parse(int argc, char **argv, struct board_main_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_arg = i + 1 < argc;

		if (strcmp(a, "--tl") == 0 && has_arg) {
			o->tl = argv[++i];
		} else if (strcmp(a, "--socket") == 0 && has_arg) {
			o->socket = argv[++i];
		} else if (strcmp(a, "--keys") == 0 && has_arg) {
			o->keys = argv[++i];
		} else if (strcmp(a, "--sink-dir") == 0 && has_arg) {
			o->sink_dir = argv[++i];
		} else if (strcmp(a, "--ivshmem") == 0 && has_arg) {
			o->ivshmem = argv[++i];
		} else if (strcmp(a, "--guest-ram") == 0 && has_arg) {
			o->guest_ram = argv[++i];
		} else if (strcmp(a, "--fault") == 0 && has_arg) {
			o->fault = argv[++i];
		} else if (strcmp(a, "--once") == 0) {
			o->once = true;
		} else if (strcmp(a, "--debug-dump") == 0) {
			o->debug_dump = true;
		} else if (strcmp(a, "--quiet") == 0) {
			o->quiet = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			board_main_usage(stdout);
			exit(BOARD_EXIT_OK);
		} else {
			fprintf(stderr, "rheap-board: unknown or incomplete option '%s'\n",
				a);
			board_main_usage(stderr);
			return -EINVAL;
		}
	}
	return 0;
}

/* Reads a whole file into an 8-byte-aligned buffer (malloc is). */
static int board_main_read(const char *path, void **buf, size_t *size)
{
	struct stat st = { 0 };
	uint8_t *p = NULL;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "rheap-board: cannot open %s: %s\n", path,
			strerror(errno));
		return -ENOENT;
	}
	if (fstat(fd, &st) != 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > BOARD_TL_MAX) {
		fprintf(stderr, "rheap-board: %s: empty, unreadable or larger than %u bytes\n",
			path, BOARD_TL_MAX);
		close(fd);
		return -EINVAL;
	}
	p = malloc((size_t)st.st_size);
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
			fprintf(stderr, "rheap-board: cannot read %s\n", path);
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

static const char *board_main_socket_default(char *buf, size_t size)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");

	if (dir && dir[0] == '/') {
		snprintf(buf, size, "%s/rheap-board.sock", dir);
	} else {
		snprintf(buf, size, "/tmp/rheap-board-%u.sock",
			 (unsigned int)getuid());
	}
	return buf;
}

/* "sink" in the directory of @socket ("./sink" for a bare name). */
static const char *board_main_sink_default(const char *socket, char *buf,
					   size_t size)
{
	const char *slash = strrchr(socket, '/');
	int n = 0;

	if (!slash) {
		n = snprintf(buf, size, "sink");
	} else if (slash == socket) {
		n = snprintf(buf, size, "/sink");
	} else {
		n = snprintf(buf, size, "%.*s/sink", (int)(slash - socket),
			     socket);
	}
	return n > 0 && (size_t)n < size ? buf : NULL;
}

int main(int argc, char **argv)
{
	struct board_main_opts o = { .tl = RHEAP_BOARD_DEFAULT_TL };
	struct board_opts bo = { 0 };
	struct sigaction sa = { 0 };
	struct board_server *srv = NULL;
	struct board_ivshmem *iv = NULL;
	struct board *b = NULL;
	char sock_buf[256] = { 0 };
	char sink_buf[512] = { 0 };
	void *tl = NULL;
	size_t tl_size = 0;
	int rc = 0;

	if (board_main_parse(argc, argv, &o) != 0) {
		return BOARD_EXIT_USAGE;
	}
	if (!o.socket) {
		o.socket = board_main_socket_default(sock_buf, sizeof(sock_buf));
	}
	if (!o.sink_dir) {
		o.sink_dir = board_main_sink_default(o.socket, sink_buf,
						     sizeof(sink_buf));
		if (!o.sink_dir) {
			fprintf(stderr, "rheap-board: socket path too long for a "
					"default sink directory\n");
			return BOARD_EXIT_USAGE;
		}
	}
	rc = board_main_read(o.tl, &tl, &tl_size);
	if (rc) {
		return BOARD_EXIT_USAGE;
	}
	bo.keys_path = o.keys;
	bo.debug_dump = o.debug_dump;
	bo.quiet = o.quiet;
	bo.sink_dir = o.sink_dir;
	bo.guest_ram = o.guest_ram;
	bo.fault_spec = o.fault;
	rc = board_create(tl, tl_size, &bo, &b);
	free(tl);
	if (rc) {
		return rc == -ENOMEM ? BOARD_EXIT_USAGE : BOARD_EXIT_REJECTED;
	}
	rc = board_server_create(b, o.socket, &srv);
	if (rc) {
		board_log(b, "cannot serve %s: %s", o.socket,
			  rc == -EBUSY ? "another board is serving it" :
					 rheap_strerror(rc));
		board_destroy(b);
		return BOARD_EXIT_USAGE;
	}
	if (o.ivshmem) {
		rc = board_ivshmem_create(b, o.ivshmem, &iv);
		if (rc) {
			board_log(b, "cannot serve ivshmem on %s: %s", o.ivshmem,
				  rc == -EBUSY ? "something is listening there" :
						 rheap_strerror(rc));
			board_server_destroy(srv);
			board_destroy(b);
			return BOARD_EXIT_USAGE;
		}
		board_server_set_source(srv, board_ivshmem_source(iv));
		if (!o.quiet) {
			board_log(b, "ivshmem server on %s", o.ivshmem);
		}
	}
	board_server_set_once(srv, o.once);
	board_main_server = srv;
	sa.sa_handler = board_main_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!o.quiet) {
		board_log(b, "serving %s", o.socket);
	}
	rc = board_server_run(srv);
	board_main_server = NULL;
	board_ivshmem_destroy(iv);
	board_server_destroy(srv);
	if (!o.quiet) {
		board_log(b, "shut down");
	}
	board_destroy(b);
	return rc ? BOARD_EXIT_USAGE : BOARD_EXIT_OK;
}
