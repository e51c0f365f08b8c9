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
 *
 * A system buffer's attachment maps the buffer's external window (struct
 * rheapd_ext: the board's MAP_SHARED view of its memfd, EXT_MAP'd at the
 * buffer's first attachment, EXT_UNMAP'd at its last detach) into the
 * device's non-secure SMMU context (SMMU_NS, IOVA = the window's PA).
 * Neither rheapd nor the board keeps the memfd open beyond the window, so
 * the handle's last close is still seen by inotify once the last
 * attachment goes.
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
	uint32_t device_contexts; /* vdec contexts + display sessions */
	struct rheapd_client *next;
};

/**
 * struct rheapd_ext - a system buffer's external window on the board
 * @buf:  the buffer (its attachments hold it)
 * @pa:   the window's PA (EXT_MAP's answer)
 * @size: bytes (the buffer's size)
 * @refs: attachments using it; EXT_UNMAP when it drops to 0
 * @next: list link
 */
struct rheapd_ext {
	struct kheap_buf *buf;
	uint64_t pa;
	uint64_t size;
	uint32_t refs;
	struct rheapd_ext *next;
};

struct rheapd_attach {
	uint64_t id;
	uint32_t client;
	struct kheap_buf *buf;
	uint32_t stream_id;
	uint64_t *iovas; /* one per SDP piece; NULL for a system buffer */
	uint32_t iova_count;
	bool write; /* attached with RHEAPD_ATTACH_WRITE */
	struct rheapd_ext *ext; /* system buffer: its window; NULL else */
	uint64_t ns_iova; /* system buffer: IOVA in the NS context */
	struct rheapd_attach *next;
};

/**
 * struct rheapd_devctx - a vdec context or display session a client opened
 * through the DEVICE op (rheapd_device.c); closed on the board when the
 * client goes
 * @client:       owning connection
 * @stream_id:    the device's stream
 * @close_cmd:    DEVICE_CMD_VDEC_CLOSE or DEVICE_CMD_DISPLAY_CLOSE
 * @id:           the board's context / session ID (res[0] of the OPEN)
 * @queued:       vdec: attachment IDs ever queued as output buffers
 *                (DETACH of these is -EBUSY until the context closes)
 * @queued_count: entries in @queued
 * @queued_cap:   room in @queued
 * @next:         list link
 */
struct rheapd_devctx {
	uint32_t client;
	uint32_t stream_id;
	uint32_t close_cmd;
	uint64_t id;
	uint64_t *queued;
	uint32_t queued_count;
	uint32_t queued_cap;
	struct rheapd_devctx *next;
};

/* The VDEC_OPEN staging range (codec config bytes) that rheapd keeps in
 * NW DRAM right after ksec's scratch, outside every pool. */
#define RHEAPD_STAGE_SIZE RHEAPD_DEVICE_CONFIG_MAX

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
	struct rheapd_devctx *devctxs;
	struct rheapd_ext *exts; /* system buffers' external windows */
	uint64_t stage_pa; /* RHEAPD_STAGE_SIZE bytes of NW DRAM */
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

/**
 * rheapd_buf_from_fd() - a handle fd a client sent -> its live buffer
 * @d:   the server
 * @c:   the client (policy: it may use the buffer's heap)
 * @fd:  the fd (untrusted)
 * @out: the buffer (no reference taken)
 *
 * Return: 0; -EINVAL not a handle; -EPERM policy.
 */
int rheapd_buf_from_fd(struct rheapd *d, const struct rheapd_client *c,
		       int fd, struct kheap_buf **out);

/**
 * rheapd_device_op() - RHEAPD_OP_DEVICE (rheapd_device.c;
 * docs/rheapd-uapi.md gives the checks in order)
 * @d:        the server
 * @c:        the client
 * @req:      the checked request
 * @fd:       the fd that came with it, or -1 (not owned)
 * @resp_len: out: sizeof(struct rheapd_device_resp) once the payload
 *            decoded, whatever the status (the result slots travel with
 *            errors too, e.g. VDEC_RECEIVE's -ENOSPC tag); else 0
 *
 * Return: 0 or the negative errno: rheapd's own checks or the device's
 * status; -ENOENT when the board is gone.
 */
int rheapd_device_op(struct rheapd *d, struct rheapd_client *c,
		     const struct rheapd_req *req, int fd, size_t *resp_len);

/**
 * rheapd_device_attach_busy() - whether a vdec context of @client that
 * is still open had attachment @attach_id queued as an output buffer
 * (DETACH is then -EBUSY)
 * @d:         the server
 * @client:    the connection
 * @attach_id: the attachment
 */
bool rheapd_device_attach_busy(const struct rheapd *d, uint32_t client,
			       uint64_t attach_id);

/**
 * rheapd_device_client_gone() - close @client's contexts and sessions on
 * the board (before its attachments go) and forget them
 * @d:      the server
 * @client: the connection
 */
void rheapd_device_client_gone(struct rheapd *d, uint32_t client);

/**
 * rheapd_sys_attach() - a system buffer's attachment: its external window
 * (EXT_MAP of @fd on the buffer's first attachment) mapped into the
 * device's non-secure SMMU context (rheapd_device.c)
 * @d:     the server
 * @a:     the attachment being made (@a->buf, @a->stream_id, @a->write
 *         set); on success @a->ext and @a->ns_iova are set
 * @fd:    the handle fd the client sent (borrowed; an O_RDONLY one is
 *         reopened read-write for the board only, and only without
 *         @a->write)
 * @size:  the buffer's size
 *
 * Return: 0; -EPERM @a->write with a read-only handle; -ENOENT the board
 * is gone; the board's EXT_MAP / SMMU_NS errors (-EBUSY the buffer is
 * already attached to this device: the IOVA is the window's PA);
 * -ENOMEM. Nothing is left behind on failure.
 */
int rheapd_sys_attach(struct rheapd *d, struct rheapd_attach *a, int fd,
		      uint64_t size);

/**
 * rheapd_sys_detach() - undo rheapd_sys_attach(): SMMU_NS unmap, and
 * EXT_UNMAP when the window's last attachment goes (no board call when
 * the board is gone)
 * @d: the server
 * @a: the attachment
 */
void rheapd_sys_detach(struct rheapd *d, struct rheapd_attach *a);

#endif /* RHEAP_SRC_KERNEL_RHEAPD_INTERNAL_H */
