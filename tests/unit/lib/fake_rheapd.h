/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A scripted stand-in for rheapd for librheap's unit tests: a child process
 * that serves include/rheap/rheapd_uapi.h on a socket in a temp dir,
 * answers like rheapd would (or, per fake_mode, like a broken or hostile
 * one), and records what it received in memory shared with the test. A
 * process, not a thread, so that the test's fd counts see only its own.
 */
#ifndef RHEAP_TESTS_UNIT_LIB_FAKE_RHEAPD_H
#define RHEAP_TESTS_UNIT_LIB_FAKE_RHEAPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/rheapd_uapi.h>

enum fake_mode {
	FAKE_NORMAL = 0,
	FAKE_BAD_SEQ,      /* response seq + 1 */
	FAKE_BAD_MAGIC,    /* response magic wrong */
	FAKE_BAD_OP,       /* response op wrong */
	FAKE_ODD_STATUS,   /* status -5 (EIO: outside the closed set) */
	FAKE_EXTRA_FD,     /* an fd on a response that takes none */
	FAKE_TWO_FDS,      /* ALLOC answers with two fds */
	FAKE_NO_FD,        /* ALLOC answers without its fd */
	FAKE_HANG_UP,      /* close the connection instead of answering */
	FAKE_OVERSIZE,     /* a datagram larger than the client expects */
	FAKE_LIST_BAD,     /* HEAP_LIST count disagrees with its size */
	FAKE_STATUS_ERR,   /* every response: status -ENOMEM */
};

/* ALLOC's handle kind in the fake: restricted heaps get a directory fd,
 * system a memfd, as rheapd does. */

struct fake_rheapd {
	char dir[64];
	char sock_path[96];
	int listen_fd;
	int pid;
	/* Settings (set before the call that should see them). */
	volatile int mode;
	/* What the fake saw (read after the call returns). */
	volatile unsigned int requests;
	volatile unsigned int invokes;
	volatile unsigned int shm_releases;
	volatile unsigned int cancels;
	volatile unsigned int seq_errors; /* seq not strictly increasing */
	uint8_t last_req[RHEAPD_MSG_MAX];
	size_t last_req_len;
	uint16_t last_op;
	bool last_had_fd;
};

/* Start the fake (in shared memory); sets $RHEAPD_SOCKET to its socket.
 * Return it, or NULL. */
struct fake_rheapd *fake_rheapd_start(void);

/* Stop it, remove its socket and dir, unset $RHEAPD_SOCKET, unmap. */
void fake_rheapd_stop(struct fake_rheapd *f);

#endif /* RHEAP_TESTS_UNIT_LIB_FAKE_RHEAPD_H */
