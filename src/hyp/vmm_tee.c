// SPDX-License-Identifier: BSD-2-Clause
/*
 * The virtio-rheap TEE request (F_TEE, docs/virtio-rheap.md 7.8): the
 * hypervisor as the TEE mediator of its guests. A VM's rheapd TEE ops are
 * served on one host rheapd connection of that VM's own, so that rheapd's
 * per-connection ownership (ktee: sessions and registrations belong to
 * a connection) separates VMs as it separates host programs, and a VM's
 * death or reset (the connection closed) drops everything it opened.
 *
 * The hypervisor also keeps the IDs each VM owns and checks every ID a
 * request names before the host sees it: another VM's session or
 * registration, or a buffer not in the VM's table, is -ENOENT and a
 * denial (logged and counted), the same as for the other requests. A
 * registration names the VM's buffer by its buffer ID; the hypervisor
 * passes the buffer's host handle in its place, and the buffer cannot be
 * FREEd while registered (-EBUSY), so that a VM cannot hold host memory
 * past its quota through registrations.
 *
 * Life cycle of a VM's TEE state:
 *
 *   none --first TEE request--> connection open (lib_conn)
 *   open --OPEN ok (TEEC_SUCCESS)--> session ID recorded
 *   open --SHM_REGISTER_FD ok--> (shm ID, buffer) recorded, tee_refs + 1
 *   recorded --CLOSE / SHM_RELEASE answered 0--> forgotten
 *   open --device reset, VM death, vmm exit (vmm_tee_release)--> closed:
 *        rheapd drops the VM's sessions and registrations
 *   open --host rheapd gone--> closed, -ENOENT
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/tee_client_api.h>
#include <rheap/virtio_rheap.h>

#include "hyp/vmm_internal.h"
#include "lib/lib_internal.h"

/* Offsets in rheapd's TEE payloads (rheapd_uapi.h). */
#define TEE_OPEN_RESP_SESSION 8u /* struct rheapd_tee_open_resp */
#define TEE_INVOKE_PARAMS 24u	 /* struct rheapd_tee_invoke */
#define TEE_PARAM_SIZE 32u	 /* struct rheapd_tee_param */

static uint32_t tee_ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void tee_st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static const char *tee_op_name(uint32_t op)
{
	switch (op) {
	case RHEAPD_OP_TEE_OPEN:
		return "TEE_OPEN";
	case RHEAPD_OP_TEE_CLOSE:
		return "TEE_CLOSE";
	case RHEAPD_OP_TEE_INVOKE:
		return "TEE_INVOKE";
	case RHEAPD_OP_TEE_SHM_REGISTER_FD:
		return "TEE_SHM_REG";
	case RHEAPD_OP_TEE_SHM_RELEASE:
		return "TEE_SHM_REL";
	default:
		return "TEE_CANCEL";
	}
}

static uint32_t *tee_session_find(struct vmm_vm *vm, uint32_t id)
{
	for (uint32_t i = 0; id != 0 && i < VMM_TEE_SESSIONS; i++) {
		if (vm->tee_sessions[i] == id) {
			return &vm->tee_sessions[i];
		}
	}
	return NULL;
}

static struct vmm_tee_shm *tee_shm_find(struct vmm_vm *vm, uint32_t id)
{
	for (uint32_t i = 0; id != 0 && i < VMM_TEE_SHMS; i++) {
		if (vm->tee_shms[i].id == id) {
			return &vm->tee_shms[i];
		}
	}
	return NULL;
}

static struct vmm_buf *tee_buf_find(struct vmm_vm *vm, uint64_t id)
{
	for (uint32_t i = 0; id != 0 && i < vm->vmm->cfg.quota_buffers; i++) {
		if (vm->bufs[i].id == id) {
			return &vm->bufs[i];
		}
	}
	return NULL;
}

static int tee_conn_get(struct vmm_vm *vm)
{
	struct lib_conn *c = NULL;
	int rc = 0;

	if (vm->tee) {
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->sock = -1;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return -ENOMEM;
	}
	rc = lib_conn_open_path(c, vm->vmm->cfg.rheapd_path);
	if (rc) {
		pthread_mutex_destroy(&c->lock);
		free(c);
		vmm_log(vm->vmm, "vm%u: host rheapd for TEE: %s", vm->index,
			rheap_err_name(rc));
		return -ENOENT;
	}
	vm->tee = c;
	return 0;
}

void vmm_tee_release(struct vmm_vm *vm)
{
	if (vm->tee) {
		lib_conn_close(vm->tee);
		pthread_mutex_destroy(&vm->tee->lock);
		free(vm->tee);
		vm->tee = NULL;
	}
	memset(vm->tee_sessions, 0, sizeof(vm->tee_sessions));
	memset(vm->tee_shms, 0, sizeof(vm->tee_shms));
	for (uint32_t i = 0; vm->bufs && i < vm->vmm->cfg.quota_buffers; i++) {
		vm->bufs[i].tee_refs = 0;
	}
}

/* The bytes the op's OK response carries (rheapd_uapi.h). */
static uint32_t tee_resp_size(const struct vmm_req *q)
{
	switch (q->tee_op) {
	case RHEAPD_OP_TEE_OPEN:
		return sizeof(struct rheapd_tee_open_resp);
	case RHEAPD_OP_TEE_INVOKE:
		return q->payload_len;
	case RHEAPD_OP_TEE_SHM_REGISTER_FD:
		return sizeof(struct rheapd_tee_shm_resp);
	default:
		return 0;
	}
}

/*
 * The IDs the request names must be the VM's. Payloads too short to hold
 * them are the host's to refuse (-EINVAL there); nothing is named then.
 */
static int tee_check_ids(struct vmm_vm *vm, const struct vmm_req *q,
			 const uint8_t *p, struct vmm_buf **buf)
{
	const char *name = tee_op_name(q->tee_op);
	uint32_t n = q->payload_len;

	switch (q->tee_op) {
	case RHEAPD_OP_TEE_OPEN:
		for (uint32_t i = 0; i < VMM_TEE_SESSIONS; i++) {
			if (vm->tee_sessions[i] == 0) {
				return 0;
			}
		}
		vmm_deny(vm, name, 0, "TEE session table full");
		return -ENOMEM;
	case RHEAPD_OP_TEE_CLOSE:
	case RHEAPD_OP_TEE_CANCEL:
	case RHEAPD_OP_TEE_INVOKE:
		if (n >= 4u && !tee_session_find(vm, tee_ld32(p))) {
			vmm_deny(vm, name, tee_ld32(p),
				 "not a TEE session of this VM");
			return -ENOENT;
		}
		if (q->tee_op != RHEAPD_OP_TEE_INVOKE ||
		    n < TEE_INVOKE_PARAMS +
			    RHEAPD_TEE_PARAMS * TEE_PARAM_SIZE) {
			return 0;
		}
		for (uint32_t i = 0; i < RHEAPD_TEE_PARAMS; i++) {
			const uint8_t *prm =
			    p + TEE_INVOKE_PARAMS + i * TEE_PARAM_SIZE;
			uint32_t type = tee_ld32(prm);
			uint32_t shm = tee_ld32(prm + 4);

			if (type >= TEEC_MEMREF_PARTIAL_INPUT &&
			    type <= TEEC_MEMREF_PARTIAL_INOUT &&
			    !tee_shm_find(vm, shm)) {
				vmm_deny(vm, name, shm,
					 "not a TEE registration of this VM");
				return -ENOENT;
			}
		}
		return 0;
	case RHEAPD_OP_TEE_SHM_RELEASE:
		if (n >= 4u && !tee_shm_find(vm, tee_ld32(p))) {
			vmm_deny(vm, name, tee_ld32(p),
				 "not a TEE registration of this VM");
			return -ENOENT;
		}
		return 0;
	default: /* SHM_REGISTER_FD: the decoder made buffer_id non-zero */
		*buf = tee_buf_find(vm, q->id);
		if (!*buf) {
			vmm_deny(vm, name, q->id, "not a buffer of this VM");
			return -ENOENT;
		}
		for (uint32_t i = 0; i < VMM_TEE_SHMS; i++) {
			if (vm->tee_shms[i].id == 0) {
				return 0;
			}
		}
		vmm_deny(vm, name, q->id, "TEE registration table full");
		return -ENOMEM;
	}
}

/* What an answered request changes in the VM's tables. */
static void tee_record(struct vmm_vm *vm, const struct vmm_req *q,
		       const uint8_t *p, const uint8_t *resp, size_t resp_len,
		       struct vmm_buf *buf)
{
	uint32_t *sess = NULL;
	struct vmm_tee_shm *shm = NULL;

	switch (q->tee_op) {
	case RHEAPD_OP_TEE_OPEN:
		/* A session exists only when the TEE said TEEC_SUCCESS. */
		if (resp_len >= sizeof(struct rheapd_tee_open_resp) &&
		    tee_ld32(resp) == TEEC_SUCCESS &&
		    tee_ld32(resp + TEE_OPEN_RESP_SESSION) != 0) {
			for (uint32_t i = 0; !sess && i < VMM_TEE_SESSIONS;
			     i++) {
				sess = vm->tee_sessions[i] == 0
					   ? &vm->tee_sessions[i]
					   : NULL;
			}
			if (sess) {
				*sess = tee_ld32(resp + TEE_OPEN_RESP_SESSION);
			}
		}
		return;
	case RHEAPD_OP_TEE_CLOSE:
		sess = q->payload_len >= 4u ? tee_session_find(vm, tee_ld32(p))
					    : NULL;
		if (sess) {
			*sess = 0;
		}
		return;
	case RHEAPD_OP_TEE_SHM_REGISTER_FD:
		if (resp_len < sizeof(struct rheapd_tee_shm_resp) ||
		    tee_ld32(resp) == 0) {
			return;
		}
		for (uint32_t i = 0; i < VMM_TEE_SHMS && !shm; i++) {
			shm = vm->tee_shms[i].id == 0 ? &vm->tee_shms[i] : NULL;
		}
		if (shm) {
			shm->id = tee_ld32(resp);
			shm->buf_id = buf->id;
			buf->tee_refs++;
		}
		return;
	case RHEAPD_OP_TEE_SHM_RELEASE:
		shm =
		    q->payload_len >= 4u ? tee_shm_find(vm, tee_ld32(p)) : NULL;
		if (shm) {
			struct vmm_buf *b = tee_buf_find(vm, shm->buf_id);

			if (b && b->tee_refs) {
				b->tee_refs--;
			}
			*shm = (struct vmm_tee_shm){ 0 };
		}
		return;
	default:
		return;
	}
}

int vmm_tee_call(struct vmm_vm *vm, const struct vmm_req *q,
		 const uint8_t *payload, uint64_t writable, struct vmm_resp *r)
{
	struct vmm_buf *buf = NULL;
	struct lib_call call = {
		.op = (uint16_t)q->tee_op,
		.req = payload,
		.req_len = q->payload_len,
		.send_fd = -1,
		.resp = r->b + sizeof(struct virtio_rheap_tee_resp),
		.resp_cap = VIRTIO_RHEAP_TEE_PAYLOAD_MAX,
		.recv_fd = -1,
	};
	int rc = tee_check_ids(vm, q, payload, &buf);

	if (rc) {
		return rc;
	}
	if (writable <
	    sizeof(struct virtio_rheap_tee_resp) + (uint64_t)tee_resp_size(q)) {
		return -ENOSPC;
	}
	rc = tee_conn_get(vm);
	if (rc) {
		return rc;
	}
	if (buf) {
		call.send_fd = buf->fd;
	}
	rc = lib_conn_call(vm->tee, &call);
	if (rc == -ENOENT && lib_conn_dead(vm->tee)) {
		vmm_log(vm->vmm, "vm%u: host rheapd closed the TEE connection",
			vm->index);
		vmm_tee_release(vm);
		return -ENOENT;
	}
	if (rc) {
		return rc;
	}
	if (call.resp_len > writable - sizeof(struct virtio_rheap_tee_resp)) {
		/* Not the size rheapd answers with: the guest cannot take it.
		 */
		return -ENOSPC;
	}
	tee_record(vm, q, payload, call.resp, call.resp_len, buf);
	tee_st32(r->b + 16, (uint32_t)call.resp_len);
	r->len =
	    (uint32_t)(sizeof(struct virtio_rheap_tee_resp) + call.resp_len);
	return 0;
}
