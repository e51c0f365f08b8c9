/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapd's server state, shared by rheapd.c (event loop and ops) and
 * rheapd_status.c (the STATUS JSON).
 *
 * Ownership. A connection (struct rheapd_client) owns its attachments,
 * TEE sessions and registrations: they go when it closes. Buffers belong
 * to kheap; a buffer lives while its handle inode lives (khandle), any
 * attachment (KHEAP_REF_ATTACH) or TEE registration (KHEAP_REF_TEE) holds
 * it. A client's surviving buffers are charged to client 0 when it goes.
 *
 * Life cycle of an attachment:
 *
 *   ATTACH ok --> LIVE (one ksec_attach per SDP piece; KHEAP_REF_ATTACH)
 *   LIVE --DETACH / connection closed / shutdown--> ksec_detach per piece,
 *        ref dropped, freed
 */
#ifndef RHEAP_SRC_KERNEL_RHEAPD_INTERNAL_H
#define RHEAP_SRC_KERNEL_RHEAPD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kheap.h"
#include "rheapd.h"

struct ksec;
struct ktee;
struct nw_client;
struct khandle_table;

struct rheapd_client {
	uint32_t id; /* >= 1, kheap's client ID */
	int fd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	uint32_t *gids; /* gid, then the supplementary groups (SO_PEERGROUPS) */
	uint32_t gid_count;
	uint32_t attachments;
	uint32_t tee_sessions;
	uint32_t registrations;
	struct rheapd_client *next;
};

struct rheapd_attach {
	uint64_t id;
	uint32_t client;
	struct kheap_buf *buf;
	uint32_t stream_id;
	uint64_t *iovas; /* one per SDP piece; NULL for a system buffer */
	uint32_t iova_count;
	struct rheapd_attach *next;
};

struct rheapd {
	const struct rheapd_cfg *cfg;
	struct nw_client *nw; /* owned by @sec */
	struct ksec *sec;
	struct ktee *tee;
	struct kheap *heap;
	struct khandle_table *handles;
	int epfd;
	int listen_fd;
	int timer_fd;
	int signal_fd;
	int board_fd; /* watched for hang-up only */
	bool board_gone;
	bool stop;
	bool reserve_ok; /* the last khandle_reserve_one() did not fail */
	uint64_t timer_due; /* CLOCK_MONOTONIC ns the timer is armed at; 0 off */
	uint32_t next_client;
	uint64_t next_attach;
	struct rheapd_client *clients;
	struct rheapd_attach *attaches;
	uint8_t *msg;  /* RHEAPD_MSG_MAX request buffer */
	uint8_t *resp; /* RHEAPD_MSG_MAX response buffer */
};

/**
 * rheapd_status_json() - the STATUS document (docs/rheapd-uapi.md)
 * @d:      the server
 * @now_ns: the clock
 * @buf:    out: the JSON text (no NUL)
 * @cap:    bytes at @buf
 * @len:    out: bytes written
 *
 * Cuts the buffer list to fit (buffers_truncated true).
 *
 * Return: 0; -ENOMEM; -ENOSPC it does not fit even without buffers.
 */
int rheapd_status_json(const struct rheapd *d, uint64_t now_ns, uint8_t *buf,
		       size_t cap, size_t *len);

#endif /* RHEAP_SRC_KERNEL_RHEAPD_INTERNAL_H */
