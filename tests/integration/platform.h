/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The issue-4 integration tests' platform: rheap-board (--debug-dump) and
 * rheapd started as child processes in a fresh temp run directory, their
 * logs there, $RHEAPD_SOCKET and $RHEAP_RUN_DIR pointed at it; STATUS
 * helpers; and TAP-like output ("ok N - what" / "not ok N - what").
 *
 * Every test binary takes: RHEAP_BOARD RHEAPD DEFAULT_TL [options]. It
 * exits 77 (meson: skipped) when RHEAPD does not exist yet.
 *
 * Guest mode (option `--guest RHEAP_VMM`, anywhere after the three): after
 * board + rheapd, platform_start() starts rheap-vmm with one VM (quotas
 * large enough for any test: PLATFORM_GUEST_QUOTA bytes, 1024 buffers,
 * 256 attachments) and points librheap's default backend at that guest's
 * kernel: RHEAP_BACKEND=virtio, RHEAP_GUEST_SOCKET=<dir>/vm0/rheapd.sock.
 * $RHEAPD_SOCKET stays the host's, so RHEAP_OPEN_RHEAPD (platform_status)
 * still reads the host; platform_guest_status() reads the guest's STATUS;
 * platform_wait_idle() waits for both. platform_stop() stops the vmm
 * first. docs/vmm.md lists what holds only on one side.
 */
#ifndef RHEAP_TESTS_INTEGRATION_PLATFORM_H
#define RHEAP_TESTS_INTEGRATION_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rheap/tee_client_api.h>

#include "util/json.h"

struct platform {
	char dir[64];
	char board_sock[128];
	char rheapd_sock[128];
	char board_log[128];
	char rheapd_log[128];
	char policy[128];
	char vmm_log[128];
	char guest_sock[128];
	pid_t board;
	pid_t rheapd;
	pid_t vmm; /* guest mode only; else -1 */
};

/* Restricted bytes the guest may hold in guest mode (every pool whole). */
#define PLATFORM_GUEST_QUOTA (UINT64_C(1) << 32)

/**
 * platform_args() - take the binaries from argv (exits 77 without rheapd,
 * 2 on a usage error)
 */
void platform_args(int argc, char **argv);

/** platform_guest() - whether `--guest` was given (the tests run in VM 0) */
bool platform_guest(void);

/**
 * platform_start() - start board + rheapd (+ rheap-vmm in guest mode)
 * @p:           out
 * @policy_json: NULL, or a policy file's text (rheapd --policy)
 * @idle_ms:     rheapd --idle-ms, or -1 for its default
 *
 * Return: 0, or -1 (the reason printed, logs dumped).
 */
int platform_start(struct platform *p, const char *policy_json, int idle_ms);

/**
 * platform_stop() - SIGTERM the vmm (guest mode), rheapd, then the
 * board, wait, remove the dir
 *
 * Return: 0 when all exited 0, -1 otherwise (logs dumped).
 */
int platform_stop(struct platform *p);

/** platform_dump_logs() - the tails of the logs on stderr */
void platform_dump_logs(const struct platform *p);

/**
 * platform_status() - rheapd's STATUS, parsed
 * @doc: out (json_free() it)
 *
 * Return: 0 or a negative errno.
 */
int platform_status(struct json_doc **doc);

/**
 * platform_guest_status() - the guest kernel's STATUS (guest mode), parsed
 * @doc: out (json_free() it)
 *
 * Return: 0 or a negative errno; -EOPNOTSUPP not in guest mode.
 */
int platform_guest_status(struct json_doc **doc);

/**
 * platform_guest_check() - guest mode: the checks that the test ran inside
 * the guest (not a silent pass on the host): the guest kernel's STATUS
 * parses, its VM ID is 0x0002, its device is live, it served at least
 * @min_requests virtio requests, and it holds no buffer, TEE session or
 * registration, and no FREE failed. No check outside guest mode.
 */
void platform_guest_check(uint64_t min_requests);

/* Field helpers on a STATUS document (UINT64_MAX if absent). */
uint64_t status_u64(const struct json_value *obj, const char *key);
uint64_t status_counter(const struct json_doc *doc, const char *key);
uint64_t status_heap_u64(const struct json_doc *doc, const char *heap,
			 const char *key);
size_t status_array_count(const struct json_doc *doc, const char *key);
/* The largest pool of @heap (bytes), 0 if none. */
uint64_t status_largest_pool(const struct json_doc *doc, const char *heap);
/* Sizes of @heap's pools, largest first; returns how many. */
size_t status_pool_sizes(const struct json_doc *doc, const char *heap,
			 uint64_t *sizes, size_t cap);

/**
 * platform_wait_idle() - poll STATUS until no buffer is left and every
 * heap's used is 0 (frees are asynchronous: rheapd learns from inotify);
 * in guest mode the guest kernel's STATUS first, then the host's
 * @timeout_ms: give up after this long
 *
 * Return: 0; -1 on timeout (the last STATUS printed).
 */
int platform_wait_idle(unsigned int timeout_ms);

/* TAP-like checks: each prints "ok N - ..." or "not ok N - ...". */
bool tap_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan; return the exit status (0 all passed, 1 otherwise). */
int tap_done(void);

/* Open fds of this process. */
int fd_count(void);

/* Monotonic milliseconds. */
uint64_t now_ms(void);

/* SCM_RIGHTS helpers over a Unix socket. */
int fd_send(int sock, int fd);
int fd_recv(int sock);

/* OP-TEE sdp_basic's TA (rheapd's TEE driver maps it to the SDP
 * partition) and its commands. */
#define SDP_TA_CMD_INJECT 0u
#define SDP_TA_CMD_TRANSFORM 1u
#define SDP_TA_CMD_DUMP 2u
extern const TEEC_UUID sdp_basic_ta_uuid;

struct sdp_tee {
	TEEC_Context ctx;
	TEEC_Session sess;
};

/* InitializeContext + OpenSession(sdp_basic, PUBLIC). */
TEEC_Result sdp_tee_open(struct sdp_tee *t);
void sdp_tee_close(struct sdp_tee *t);
/* INJECT: @src (TEMP input) -> @shm at @off (PARTIAL output). */
TEEC_Result sdp_inject(struct sdp_tee *t, TEEC_SharedMemory *shm, size_t off,
		       const void *src, size_t len, uint32_t *origin);
/* TRANSFORM: @shm [@off, +@len) in place (PARTIAL inout). */
TEEC_Result sdp_transform(struct sdp_tee *t, TEEC_SharedMemory *shm,
			  size_t off, size_t len, uint32_t *origin);
/* DUMP: @shm at @off (PARTIAL input) -> @dst (TEMP output). */
TEEC_Result sdp_dump(struct sdp_tee *t, TEEC_SharedMemory *shm, size_t off,
		     void *dst, size_t len, uint32_t *origin);

#endif /* RHEAP_TESTS_INTEGRATION_PLATFORM_H */
