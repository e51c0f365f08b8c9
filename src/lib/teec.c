// SPDX-License-Identifier: BSD-2-Clause
/*
 * The GlobalPlatform TEE Client API (include/rheap/tee_client_api.h) over
 * rheapd's TEE ops (include/rheap/rheapd_uapi.h). docs/librheap.md has the
 * mapping; the parts decided here:
 *
 *   - A context is one connection to rheapd (imp.priv: struct lib_conn,
 *     imp.fd its socket). Sessions and registrations belong to it and die
 *     with it on rheapd's side.
 *   - Client memory (TEEC_RegisterSharedMemory, TEEC_AllocateSharedMemory)
 *     is never registered with rheapd: a memref to it travels as a TEMP
 *     memref, its bytes in the invoke's data area, copied back for outputs.
 *   - A handle registered with TEEC_RegisterSharedMemoryFileDescriptor is a
 *     rheapd registration (imp.shm_id): memrefs to it go as PARTIAL memrefs
 *     by ID. WHOLE becomes PARTIAL over the whole block.
 *   - GP parameter checks happen here, before any byte moves: a memref with
 *     no parent, a parent of another context, a direction its flags do not
 *     allow, or a range outside the block -> TEEC_ERROR_BAD_PARAMETERS with
 *     origin TEEC_ORIGIN_API.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/tee_client_api.h>

#include "lib/lib_internal.h"
#include "lib/teec_internal.h"

#define INVOKE_DATA_MAX \
	(RHEAPD_MSG_MAX - sizeof(struct rheapd_hdr) - \
	 sizeof(struct rheapd_tee_invoke))

static atomic_uint teec_cancel_ids;

static void set_origin(uint32_t *origin, uint32_t value)
{
	if (origin != NULL) {
		*origin = value;
	}
}

/* The rheapd connection of a context, NULL for a Linux TEE context. */
static struct lib_conn *ctx_conn(TEEC_Context *ctx)
{
	struct teec_priv *priv = ctx != NULL ? ctx->imp.priv : NULL;

	return priv != NULL && priv->tee_fd < 0 ? &priv->conn : NULL;
}

/* The /dev/tee* fd of a Linux TEE context, else -1. */
static int ctx_tee_fd(const TEEC_Context *ctx)
{
	const struct teec_priv *priv = ctx != NULL ? ctx->imp.priv : NULL;

	return priv != NULL ? priv->tee_fd : -1;
}

/* Which TEE a context opens: a name starting with "/dev/" is a Linux TEE
 * device; no name is /dev/tee0 ($RHEAP_TEE_DEVICE) when librheap's
 * backend choice is Linux (no rheapd socket, or $RHEAP_BACKEND=linux),
 * else rheapd's socket; any other name is a rheapd socket path. */
static const char *ctx_linux_path(const char *name)
{
	const char *env = NULL;

	if (name != NULL && strncmp(name, "/dev/", 5) == 0) {
		return name;
	}
	if ((name != NULL && name[0] != '\0') ||
	    lib_backend_pick(0) != LIB_BACKEND_LINUX) {
		return NULL;
	}
	env = getenv(TEEC_LINUX_DEV_ENV);
	return env != NULL && env[0] != '\0' ? env : TEEC_LINUX_DEV_DEFAULT;
}

/* A transport-level failure (the response header's status, or the
 * connection) as a TEEC result. */
static TEEC_Result teec_from_errno(struct lib_conn *conn, int err)
{
	switch (err) {
	case 0:
		return TEEC_SUCCESS;
	case -EINVAL:
		return TEEC_ERROR_BAD_PARAMETERS;
	case -ENOMEM:
		return TEEC_ERROR_OUT_OF_MEMORY;
	case -EPERM:
		return TEEC_ERROR_ACCESS_DENIED;
	case -EOPNOTSUPP:
		return TEEC_ERROR_NOT_SUPPORTED;
	case -EBUSY:
		return TEEC_ERROR_BUSY;
	case -ENOENT:
		if (conn != NULL && lib_conn_dead(conn)) {
			return TEEC_ERROR_COMMUNICATION;
		}
		return TEEC_ERROR_ITEM_NOT_FOUND;
	default:
		return TEEC_ERROR_COMMUNICATION;
	}
}

TEEC_Result TEEC_InitializeContext(const char *name, TEEC_Context *context)
{
	struct teec_priv *priv = NULL;
	struct lib_conn *conn = NULL;
	const char *dev = NULL;
	TEEC_Result res = TEEC_SUCCESS;
	int rc = 0;

	if (context == NULL) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	memset(context, 0, sizeof(*context));
	context->imp.fd = -1;
	priv = calloc(1, sizeof(*priv));
	if (priv == NULL) {
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	priv->tee_fd = -1;
	dev = ctx_linux_path(name);
	if (dev != NULL) {
		res = teec_linux_open(dev, &priv->tee_fd);
		if (res != TEEC_SUCCESS) {
			free(priv);
			return res;
		}
		context->imp.fd = priv->tee_fd;
		context->imp.priv = priv;
		return TEEC_SUCCESS;
	}
	conn = &priv->conn;
	conn->sock = -1;
	if (pthread_mutex_init(&conn->lock, NULL) != 0) {
		free(priv);
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	if (name == NULL || name[0] == '\0') {
		rc = lib_conn_open(conn);
	} else {
		rc = lib_conn_open_path(conn, name);
	}
	if (rc != 0) {
		pthread_mutex_destroy(&conn->lock);
		free(priv);
		switch (rc) {
		case -ENOENT:
			return TEEC_ERROR_ITEM_NOT_FOUND;
		case -EINVAL:
			return TEEC_ERROR_BAD_PARAMETERS;
		case -ENOMEM:
			return TEEC_ERROR_OUT_OF_MEMORY;
		default:
			return TEEC_ERROR_COMMUNICATION;
		}
	}
	context->imp.fd = conn->sock;
	context->imp.next_seq = 1;
	context->imp.priv = priv;
	return TEEC_SUCCESS;
}

void TEEC_FinalizeContext(TEEC_Context *context)
{
	struct teec_priv *priv = context != NULL ? context->imp.priv : NULL;

	if (priv == NULL) {
		return;
	}
	if (priv->tee_fd >= 0) {
		/* The kernel drops the file's sessions and the registrations
		 * whose fds are closed. */
		close(priv->tee_fd);
	} else {
		lib_conn_close(&priv->conn);
		pthread_mutex_destroy(&priv->conn.lock);
	}
	free(priv);
	context->imp.priv = NULL;
	context->imp.fd = -1;
}

static void uuid_to_bytes(const TEEC_UUID *u, uint8_t out[16])
{
	out[0] = (uint8_t)(u->timeLow >> 24);
	out[1] = (uint8_t)(u->timeLow >> 16);
	out[2] = (uint8_t)(u->timeLow >> 8);
	out[3] = (uint8_t)u->timeLow;
	out[4] = (uint8_t)(u->timeMid >> 8);
	out[5] = (uint8_t)u->timeMid;
	out[6] = (uint8_t)(u->timeHiAndVersion >> 8);
	out[7] = (uint8_t)u->timeHiAndVersion;
	memcpy(out + 8, u->clockSeqAndNode, 8);
}

/* The TEE outcome inside a response: a known origin, and success only
 * with TEEC_SUCCESS. */
static bool result_valid(const struct rheapd_tee_result *r)
{
	return r->origin >= TEEC_ORIGIN_API &&
	       r->origin <= TEEC_ORIGIN_TRUSTED_APP;
}

TEEC_Result TEEC_OpenSession(TEEC_Context *context, TEEC_Session *session,
			     const TEEC_UUID *destination,
			     uint32_t connectionMethod,
			     const void *connectionData,
			     TEEC_Operation *operation, uint32_t *returnOrigin)
{
	struct lib_conn *conn = ctx_conn(context);
	struct rheapd_tee_open_req req = { .login = connectionMethod };
	struct rheapd_tee_open_resp resp = { 0 };
	struct lib_call call = {
		.op = RHEAPD_OP_TEE_OPEN,
		.req = &req,
		.req_len = sizeof(req),
		.send_fd = -1,
		.resp = &resp,
		.resp_cap = sizeof(resp),
	};
	int rc = 0;

	set_origin(returnOrigin, TEEC_ORIGIN_API);
	if ((conn == NULL && ctx_tee_fd(context) < 0) || session == NULL ||
	    destination == NULL) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	(void)connectionData; /* PUBLIC and USER logins carry none */
	if (operation != NULL) {
		/* The SDP partition's sessions take no open parameters. */
		if (operation->paramTypes != 0) {
			return TEEC_ERROR_BAD_PARAMETERS;
		}
		operation->started = 1;
	}
	uuid_to_bytes(destination, req.uuid);
	if (conn == NULL) {
		TEEC_Result res = teec_linux_open_session(
			ctx_tee_fd(context), session, req.uuid,
			connectionMethod, returnOrigin);

		if (res == TEEC_SUCCESS) {
			session->imp.ctx = context;
		}
		return res;
	}
	rc = lib_conn_call(conn, &call);
	if (rc != 0) {
		set_origin(returnOrigin, TEEC_ORIGIN_COMMS);
		return teec_from_errno(conn, rc);
	}
	if (call.resp_len != sizeof(resp) || !result_valid(&resp.result)) {
		set_origin(returnOrigin, TEEC_ORIGIN_COMMS);
		return TEEC_ERROR_COMMUNICATION;
	}
	set_origin(returnOrigin, resp.result.origin);
	if (resp.result.ret != TEEC_SUCCESS) {
		return resp.result.ret;
	}
	session->imp.ctx = context;
	session->imp.session_id = resp.session;
	return TEEC_SUCCESS;
}

void TEEC_CloseSession(TEEC_Session *session)
{
	struct lib_conn *conn = NULL;
	struct rheapd_tee_close_req req = { 0 };
	struct lib_call call = {
		.op = RHEAPD_OP_TEE_CLOSE,
		.req = &req,
		.req_len = sizeof(req),
		.send_fd = -1,
	};

	if (session == NULL) {
		return;
	}
	conn = ctx_conn(session->imp.ctx);
	if (conn == NULL) {
		if (ctx_tee_fd(session->imp.ctx) >= 0) {
			teec_linux_close_session(ctx_tee_fd(session->imp.ctx),
						 session->imp.session_id);
		}
		session->imp.ctx = NULL;
		session->imp.session_id = 0;
		return;
	}
	req.session = session->imp.session_id;
	(void)lib_conn_call(conn, &call);
	session->imp.ctx = NULL;
	session->imp.session_id = 0;
}

/* Directions of a parameter type: input, output. */
static void type_dirs(uint32_t type, bool *in, bool *out)
{
	*in = false;
	*out = false;
	switch (type) {
	case TEEC_VALUE_INPUT:
	case TEEC_MEMREF_TEMP_INPUT:
	case TEEC_MEMREF_PARTIAL_INPUT:
		*in = true;
		break;
	case TEEC_VALUE_OUTPUT:
	case TEEC_MEMREF_TEMP_OUTPUT:
	case TEEC_MEMREF_PARTIAL_OUTPUT:
		*out = true;
		break;
	case TEEC_VALUE_INOUT:
	case TEEC_MEMREF_TEMP_INOUT:
	case TEEC_MEMREF_PARTIAL_INOUT:
		*in = true;
		*out = true;
		break;
	default:
		break;
	}
}

/**
 * struct invoke_param - one parameter as librheap sends it
 * @type:    the wire type (TEEC_NONE, VALUE, MEMREF_TEMP or PARTIAL ones)
 * @in:      bytes or values go in
 * @out:     bytes or values come back
 * @src:     TEMP: the client's bytes (NULL: none), else NULL
 * @size:    memrefs: bytes
 * @data_off: TEMP: offset in the data area
 */
struct invoke_param {
	uint32_t type;
	bool in;
	bool out;
	uint8_t *src;
	uint64_t size;
	uint64_t data_off;
};

/* Resolve a registered memref (WHOLE or PARTIAL). */
static TEEC_Result param_memref(TEEC_Context *ctx, uint32_t type,
				const TEEC_RegisteredMemoryReference *m,
				struct teec_param *tp)
{
	const TEEC_SharedMemory *shm = m->parent;
	uint64_t offset = 0;
	uint64_t size = 0;
	uint64_t end = 0;
	bool in = false;
	bool out = false;

	if (shm == NULL || shm->imp.ctx != ctx) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	if (type == TEEC_MEMREF_WHOLE) {
		in = (shm->flags & TEEC_MEM_INPUT) != 0;
		out = (shm->flags & TEEC_MEM_OUTPUT) != 0;
		size = shm->size;
	} else {
		type_dirs(type, &in, &out);
		if ((in && (shm->flags & TEEC_MEM_INPUT) == 0) ||
		    (out && (shm->flags & TEEC_MEM_OUTPUT) == 0)) {
			return TEEC_ERROR_BAD_PARAMETERS;
		}
		offset = m->offset;
		size = m->size;
		if (__builtin_add_overflow(offset, size, &end) ||
		    end > shm->size) {
			return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	if (!in && !out) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	tp->in = in;
	tp->out = out;
	tp->size = size;
	if (shm->imp.shm_id != 0) {
		tp->type = in && out ? TEEC_MEMREF_PARTIAL_INOUT :
			   in	    ? TEEC_MEMREF_PARTIAL_INPUT :
				      TEEC_MEMREF_PARTIAL_OUTPUT;
		tp->shm_id = shm->imp.shm_id;
		tp->offset = offset;
		return TEEC_SUCCESS;
	}
	if (shm->buffer == NULL && size != 0) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	/* Client memory: by value. */
	tp->type = in && out ? TEEC_MEMREF_TEMP_INOUT :
		   in	    ? TEEC_MEMREF_TEMP_INPUT :
			      TEEC_MEMREF_TEMP_OUTPUT;
	tp->src = shm->buffer != NULL ? (uint8_t *)shm->buffer + offset : NULL;
	return TEEC_SUCCESS;
}

TEEC_Result teec_param_resolve(TEEC_Context *ctx, uint32_t type,
			       const TEEC_Parameter *p,
			       struct teec_param *out)
{
	memset(out, 0, sizeof(*out));
	switch (type) {
	case TEEC_NONE:
		return TEEC_SUCCESS;
	case TEEC_VALUE_INPUT:
	case TEEC_VALUE_OUTPUT:
	case TEEC_VALUE_INOUT:
		out->type = type;
		type_dirs(type, &out->in, &out->out);
		return TEEC_SUCCESS;
	case TEEC_MEMREF_TEMP_INPUT:
	case TEEC_MEMREF_TEMP_OUTPUT:
	case TEEC_MEMREF_TEMP_INOUT:
		type_dirs(type, &out->in, &out->out);
		if (p->tmpref.buffer == NULL && p->tmpref.size != 0 &&
		    out->in) {
			return TEEC_ERROR_BAD_PARAMETERS;
		}
		out->type = type;
		out->src = p->tmpref.buffer;
		out->size = p->tmpref.size;
		return TEEC_SUCCESS;
	case TEEC_MEMREF_WHOLE:
	case TEEC_MEMREF_PARTIAL_INPUT:
	case TEEC_MEMREF_PARTIAL_OUTPUT:
	case TEEC_MEMREF_PARTIAL_INOUT:
		return param_memref(ctx, type, &p->memref, out);
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

/* Fill the request's parameters; TEMP memrefs get places in the data
 * area (8-aligned). */
static TEEC_Result params_build(TEEC_Context *ctx, TEEC_Operation *op,
				struct rheapd_tee_invoke *inv,
				struct invoke_param ip[RHEAPD_TEE_PARAMS],
				size_t *data_len)
{
	size_t used = 0;
	TEEC_Result res = TEEC_SUCCESS;

	*data_len = 0;
	if (op == NULL) {
		return TEEC_SUCCESS;
	}
	if ((op->paramTypes >> 16) != 0) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	for (uint32_t i = 0; i < RHEAPD_TEE_PARAMS; i++) {
		uint32_t type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		TEEC_Parameter *p = &op->params[i];
		struct rheapd_tee_param *wp = &inv->params[i];
		struct teec_param tp;

		memset(&ip[i], 0, sizeof(ip[i]));
		res = teec_param_resolve(ctx, type, p, &tp);
		if (res != TEEC_SUCCESS) {
			return res;
		}
		wp->type = tp.type;
		ip[i].type = tp.type;
		ip[i].in = tp.in;
		ip[i].out = tp.out;
		ip[i].src = tp.src;
		ip[i].size = tp.size;
		if (tp.type >= TEEC_VALUE_INPUT &&
		    tp.type <= TEEC_VALUE_INOUT) {
			wp->a = p->value.a;
			wp->b = p->value.b;
		} else if (tp.type >= TEEC_MEMREF_PARTIAL_INPUT) {
			wp->shm_id = tp.shm_id;
			wp->a = tp.offset;
			wp->b = tp.size;
		}
		if (ip[i].type >= TEEC_MEMREF_TEMP_INPUT &&
		    ip[i].type <= TEEC_MEMREF_TEMP_INOUT) {
			uint64_t room = ((ip[i].size + 7) / 8) * 8;

			if (ip[i].size > INVOKE_DATA_MAX ||
			    room > INVOKE_DATA_MAX - used) {
				return TEEC_ERROR_EXCESS_DATA;
			}
			ip[i].data_off = used;
			wp->a = used;
			wp->b = ip[i].size;
			used += room;
		}
	}
	*data_len = used;
	return TEEC_SUCCESS;
}

/* Copy outputs back into the operation (sizes checked against what was
 * sent: a response never writes past the client's buffers). */
static TEEC_Result params_return(TEEC_Operation *op,
				 const struct rheapd_tee_invoke *resp,
				 const struct invoke_param ip[RHEAPD_TEE_PARAMS],
				 const uint8_t *data, size_t data_len)
{
	for (uint32_t i = 0; i < RHEAPD_TEE_PARAMS && op != NULL; i++) {
		uint32_t type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		const struct rheapd_tee_param *wp = &resp->params[i];
		TEEC_Parameter *p = &op->params[i];
		uint64_t n = 0;

		if (!ip[i].out) {
			continue;
		}
		if (type >= TEEC_VALUE_INPUT && type <= TEEC_VALUE_INOUT) {
			p->value.a = (uint32_t)wp->a;
			p->value.b = (uint32_t)wp->b;
			continue;
		}
		/* Memrefs: the TA's size; bytes back up to what fits. */
		n = wp->b < ip[i].size ? wp->b : ip[i].size;
		if (ip[i].src != NULL && ip[i].type >= TEEC_MEMREF_TEMP_INPUT &&
		    ip[i].type <= TEEC_MEMREF_TEMP_INOUT) {
			if (ip[i].data_off > data_len ||
			    n > data_len - ip[i].data_off) {
				return TEEC_ERROR_COMMUNICATION;
			}
			memcpy(ip[i].src, data + ip[i].data_off, n);
		}
		if (type == TEEC_MEMREF_WHOLE) {
			continue; /* the block's size stays */
		}
		if (type >= TEEC_MEMREF_TEMP_INPUT &&
		    type <= TEEC_MEMREF_TEMP_INOUT) {
			p->tmpref.size = (size_t)wp->b;
		} else {
			p->memref.size = (size_t)wp->b;
		}
	}
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
			       TEEC_Operation *operation,
			       uint32_t *returnOrigin)
{
	struct invoke_param ip[RHEAPD_TEE_PARAMS];
	struct rheapd_tee_invoke inv = { 0 };
	struct rheapd_tee_invoke out = { 0 };
	struct lib_conn *conn = NULL;
	struct lib_call call = { .op = RHEAPD_OP_TEE_INVOKE, .send_fd = -1 };
	uint8_t *msg = NULL;
	uint8_t *resp = NULL;
	size_t data_len = 0;
	TEEC_Result res = TEEC_SUCCESS;
	int rc = 0;

	memset(ip, 0, sizeof(ip));
	set_origin(returnOrigin, TEEC_ORIGIN_API);
	if (session == NULL || session->imp.ctx == NULL) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	conn = ctx_conn(session->imp.ctx);
	if (conn == NULL) {
		if (ctx_tee_fd(session->imp.ctx) < 0) {
			return TEEC_ERROR_BAD_PARAMETERS;
		}
		return teec_linux_invoke(session, ctx_tee_fd(session->imp.ctx),
					 commandID, operation, returnOrigin);
	}
	res = params_build(session->imp.ctx, operation, &inv, ip, &data_len);
	if (res != TEEC_SUCCESS) {
		return res;
	}
	msg = calloc(1, sizeof(inv) + data_len);
	resp = malloc(RHEAPD_MSG_MAX);
	if (msg == NULL || resp == NULL) {
		res = TEEC_ERROR_OUT_OF_MEMORY;
		goto out_free;
	}
	inv.session = session->imp.session_id;
	inv.command = commandID;
	if (operation != NULL) {
		inv.cancel_id = atomic_fetch_add(&teec_cancel_ids, 1) + 1;
		if (inv.cancel_id == 0) {
			inv.cancel_id = 1;
		}
		operation->imp.session = session;
		operation->imp.cancel_id = inv.cancel_id;
		operation->started = 1;
	}
	memcpy(msg, &inv, sizeof(inv));
	for (uint32_t i = 0; i < RHEAPD_TEE_PARAMS; i++) {
		if (ip[i].in && ip[i].src != NULL &&
		    ip[i].type >= TEEC_MEMREF_TEMP_INPUT &&
		    ip[i].type <= TEEC_MEMREF_TEMP_INOUT) {
			memcpy(msg + sizeof(inv) + ip[i].data_off, ip[i].src,
			       ip[i].size);
		}
	}
	call.req = msg;
	call.req_len = sizeof(inv) + data_len;
	call.resp = resp;
	call.resp_cap = RHEAPD_MSG_MAX;
	rc = lib_conn_call(conn, &call);
	if (operation != NULL) {
		operation->imp.session = NULL;
	}
	if (rc != 0) {
		set_origin(returnOrigin, TEEC_ORIGIN_COMMS);
		res = teec_from_errno(conn, rc);
		goto out_free;
	}
	if (call.resp_len < sizeof(out)) {
		set_origin(returnOrigin, TEEC_ORIGIN_COMMS);
		res = TEEC_ERROR_COMMUNICATION;
		goto out_free;
	}
	memcpy(&out, resp, sizeof(out));
	if (!result_valid(&out.result)) {
		set_origin(returnOrigin, TEEC_ORIGIN_COMMS);
		res = TEEC_ERROR_COMMUNICATION;
		goto out_free;
	}
	set_origin(returnOrigin, out.result.origin);
	res = out.result.ret;
	/* GP: outputs are updated on success and on SHORT_BUFFER (sizes). */
	if (res == TEEC_SUCCESS || res == TEEC_ERROR_SHORT_BUFFER) {
		TEEC_Result r2 = params_return(operation, &out, ip,
					       resp + sizeof(out),
					       call.resp_len - sizeof(out));

		if (r2 != TEEC_SUCCESS) {
			set_origin(returnOrigin, TEEC_ORIGIN_COMMS);
			res = r2;
		}
	}

out_free:
	free(resp);
	free(msg);
	return res;
}

static bool shm_flags_valid(uint32_t flags)
{
	return flags != 0 &&
	       (flags & ~(uint32_t)(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)) == 0;
}

TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem)
{
	if (context == NULL || context->imp.priv == NULL ||
	    sharedMem == NULL || !shm_flags_valid(sharedMem->flags) ||
	    (sharedMem->buffer == NULL && sharedMem->size != 0)) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	memset(&sharedMem->imp, 0, sizeof(sharedMem->imp));
	sharedMem->imp.ctx = context;
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem)
{
	size_t map_size = 0;
	void *p = NULL;

	if (context == NULL || context->imp.priv == NULL ||
	    sharedMem == NULL || !shm_flags_valid(sharedMem->flags)) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	if (ctx_tee_fd(context) >= 0) {
		/* Pool memory of the TEE driver: memrefs go by ID. */
		TEEC_Result res = teec_linux_alloc_shm(ctx_tee_fd(context),
						       sharedMem);

		if (res == TEEC_SUCCESS) {
			sharedMem->imp.ctx = context;
		}
		return res;
	}
	map_size = sharedMem->size != 0 ? sharedMem->size : 1;
	p = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	memset(&sharedMem->imp, 0, sizeof(sharedMem->imp));
	sharedMem->buffer = p;
	sharedMem->imp.ctx = context;
	sharedMem->imp.alloced_size = map_size;
	sharedMem->imp.allocated = true;
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *context,
						    TEEC_SharedMemory *sharedMem,
						    int fd)
{
	struct lib_conn *conn = ctx_conn(context);
	struct rheapd_tee_shm_resp resp = { 0 };
	struct lib_call call = {
		.op = RHEAPD_OP_TEE_SHM_REGISTER_FD,
		.send_fd = fd,
		.resp = &resp,
		.resp_cap = sizeof(resp),
	};
	void *map = NULL;
	int rc = 0;

	if ((conn == NULL && ctx_tee_fd(context) < 0) || sharedMem == NULL ||
	    fd < 0 || !shm_flags_valid(sharedMem->flags)) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	if (conn == NULL) {
		TEEC_Result res = teec_linux_register_fd(ctx_tee_fd(context),
							 sharedMem, fd);

		if (res == TEEC_SUCCESS) {
			sharedMem->imp.ctx = context;
		}
		return res;
	}
	rc = lib_conn_call(conn, &call);
	if (rc != 0) {
		return teec_from_errno(conn, rc);
	}
	if (call.resp_len != sizeof(resp) || resp.shm_id == 0 ||
	    (resp.flags & ~RHEAPD_HEAP_RESTRICTED) != 0 || resp.size == 0 ||
	    resp.size > SIZE_MAX) {
		return TEEC_ERROR_COMMUNICATION;
	}
	/* A system buffer maps: the client sees its bytes as GP expects; a
	 * restricted one has no CPU mapping (buffer NULL). */
	if ((resp.flags & RHEAPD_HEAP_RESTRICTED) == 0) {
		map = mmap(NULL, (size_t)resp.size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
		}
	}
	memset(&sharedMem->imp, 0, sizeof(sharedMem->imp));
	sharedMem->buffer = map;
	sharedMem->size = (size_t)resp.size;
	sharedMem->imp.ctx = context;
	sharedMem->imp.shm_id = resp.shm_id;
	sharedMem->imp.alloced_size = map != NULL ? (size_t)resp.size : 0;
	sharedMem->imp.registered_fd = true;
	sharedMem->imp.restricted = (resp.flags & RHEAPD_HEAP_RESTRICTED) != 0;
	return TEEC_SUCCESS;
}

void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMemory)
{
	struct lib_conn *conn = NULL;
	struct rheapd_tee_shm_release_req req = { 0 };
	struct lib_call call = {
		.op = RHEAPD_OP_TEE_SHM_RELEASE,
		.req = &req,
		.req_len = sizeof(req),
		.send_fd = -1,
	};

	if (sharedMemory == NULL || sharedMemory->imp.ctx == NULL) {
		return;
	}
	if (ctx_tee_fd(sharedMemory->imp.ctx) >= 0) {
		teec_linux_release_shm(sharedMemory);
		return;
	}
	conn = ctx_conn(sharedMemory->imp.ctx);
	if (sharedMemory->imp.shm_id != 0 && conn != NULL) {
		req.shm_id = sharedMemory->imp.shm_id;
		(void)lib_conn_call(conn, &call);
	}
	if (sharedMemory->imp.alloced_size != 0 &&
	    sharedMemory->buffer != NULL) {
		munmap(sharedMemory->buffer, sharedMemory->imp.alloced_size);
	}
	if (sharedMemory->imp.allocated || sharedMemory->imp.registered_fd) {
		sharedMemory->buffer = NULL;
		sharedMemory->size = 0;
	}
	memset(&sharedMemory->imp, 0, sizeof(sharedMemory->imp));
}

void TEEC_RequestCancellation(TEEC_Operation *operation)
{
	TEEC_Session *session = NULL;
	struct lib_conn *conn = NULL;
	struct rheapd_tee_cancel_req req = { 0 };
	struct lib_call call = {
		.op = RHEAPD_OP_TEE_CANCEL,
		.req = &req,
		.req_len = sizeof(req),
		.send_fd = -1,
	};

	if (operation == NULL) {
		return;
	}
	session = operation->imp.session;
	if (session == NULL || operation->imp.cancel_id == 0) {
		return; /* not running: nothing to cancel */
	}
	conn = ctx_conn(session->imp.ctx);
	if (conn == NULL) {
		if (ctx_tee_fd(session->imp.ctx) >= 0) {
			teec_linux_cancel(ctx_tee_fd(session->imp.ctx),
					  session->imp.session_id,
					  operation->imp.cancel_id);
		}
		return;
	}
	req.session = session->imp.session_id;
	req.cancel_id = operation->imp.cancel_id;
	(void)lib_conn_call(conn, &call);
}
