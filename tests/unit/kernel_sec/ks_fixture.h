/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared fixture of the ksec and ktee tests: a board booted from the
 * default Transfer List, served in-process by a thread on a socket in a
 * fresh temporary directory, and a ksec connected to it. The test thread
 * reads the board's accounting between calls: every call is synchronous,
 * so the server thread is idle in poll() then.
 */
#ifndef RHEAP_TESTS_KS_FIXTURE_H
#define RHEAP_TESTS_KS_FIXTURE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "board/board.h"
#include "board/board_server.h"
#include "board/nw_client.h"
#include "kernel/ksec.h"

#define KS_SDP_ID 0x8001u
#define KS_DRAM0_BASE UINT64_C(0x80000000)
#define KS_SCRATCH_PA KS_DRAM0_BASE
#define KS_SV_DYN_BASE UINT64_C(0x8ef000000)    /* secure-video dynamic */
#define KS_SVR_DYN_BASE UINT64_C(0x8eb000000)   /* secure-video-record */
#define KS_SV_STATIC_BASE UINT64_C(0xe0000000)
#define KS_SV_STATIC_ID 0x80000000u             /* static pool index 0 */
#define KS_STREAM_VDEC 0x10u
#define KS_STREAM_DISPLAY 0x20u
#define KS_STREAM_GPU 0x30u

/**
 * struct ks_fixture - one board and one ksec
 * @b:      the board
 * @srv:    its server (thread @thread runs it)
 * @thread: the server thread
 * @sec:    the backend under test (NULL after a test destroyed it)
 * @log:    the board's log
 * @dir:    temporary directory of @sock
 * @sock:   the board's socket path
 */
struct ks_fixture {
	struct board *b;
	struct board_server *srv;
	pthread_t thread;
	struct ksec *sec;
	FILE *log;
	char dir[64];
	char sock[96];
};

/* cmocka group setup/teardown: load and free the default TL. */
int ks_tl_load(void **state);
int ks_tl_free(void **state);

/* Boot a board, start the server thread, connect; @with_ksec also makes
 * fx->sec. */
struct ks_fixture *ks_start(int with_ksec);
/* ks_start() with the SDP partition's content keys read from @keys_path
 * (src/sp/sp_keys.h format; NULL: none). */
struct ks_fixture *ks_start_keys(int with_ksec, const char *keys_path);
void ks_stop(struct ks_fixture *fx);

/* Stop the server: every connection closes (the board "dies" for the
 * NW); the board itself stays for inspection. */
void ks_server_kill(struct ks_fixture *fx);

/* A connected NW client (for ksec_create() tests). */
struct nw_client *ks_connect(struct ks_fixture *fx);

/* Accounting snapshot. */
void ks_status(struct ks_fixture *fx, struct board_status *st);

/* The board's NW endpoint accounting: pages lent + shared, live handles. */
uint64_t ks_nw_pages_lent(struct ks_fixture *fx);
uint32_t ks_nw_live_handles(struct ks_fixture *fx);

/* Secure-CPU read of @size bytes at @pa (a lent chunk or a carve-out). */
void ks_secure_read(struct ks_fixture *fx, uint64_t pa, void *buf,
		    size_t size);
void ks_secure_write(struct ks_fixture *fx, uint64_t pa, const void *buf,
		     size_t size);

#endif /* RHEAP_TESTS_KS_FIXTURE_H */
