// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's TEE driver (API: ktee.h; client side: include/rheap/
 * tee_client_api.h; mapping of every call: docs/tee.md).
 *
 * Life cycle of a session and of a registration (both per client):
 *
 *   (none) --TEE_OPEN (known UUID, PUBLIC/USER login)--> OPEN
 *   OPEN --TEE_INVOKE / TEE_CANCEL--> OPEN
 *   OPEN --TEE_CLOSE / client gone / destroy--> (none)
 *
 *   (none) --TEE_SHM_REGISTER_FD (buf_get ok)--> REGISTERED (holds a
 *            buffer reference; a system buffer is also mapped here)
 *   REGISTERED --TEE_SHM_RELEASE / client gone / destroy--> (none)
 *            (buf_put, unmap)
 *
 * An invocation is checked whole before any byte moves: the request
 * layout (transport errors: -EINVAL, -ENOENT), then every memref against
 * its data area or registration (TEEC_ERROR_BAD_PARAMETERS, origin TEE),
 * then the command's parameter types (BAD_PARAMETERS, origin TRUSTED_APP,
 * as the TA would answer). Only then are SDP commands issued, one per
 * piece: a piece lies inside one extent of each restricted buffer and fits
 * in the parameter area. Requests are synchronous: TEE_CANCEL finds
 * nothing pending and has no effect.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/sdp_abi.h>
#include <rheap/sdp_decrypt.h>
#include <rheap/sdp_ta.h>
#include <rheap/tee_client_api.h>

#include "common/wire.h"
#include "kernel/ksec.h"
#include "kernel/ktee.h"

/* OP-TEE's sdp_basic TA (ta_sdp_basic.h): UUID and command IDs. */
static const uint8_t ktee_sdp_basic_uuid[16] = {
	0x12, 0x34, 0x56, 0x78, 0x5b, 0x69, 0x11, 0xe4,
	0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99,
};
#define KTEE_CMD_INJECT 0u
#define KTEE_CMD_TRANSFORM 1u
#define KTEE_CMD_DUMP 2u

/* Parameter area layout: the SDP parameter struct at 0, DECRYPT's
 * subsample map at 128 (SDP_MAX_SUBSAMPLES x 8 = 2 KiB), data from 4 KiB. */
#define KTEE_AREA_PARAM_OFF 0u
#define KTEE_AREA_MAP_OFF 128u
#define KTEE_AREA_DATA_OFF 4096u

/* Most sessions and registrations over all clients. */
#define KTEE_MAX_SESSIONS 1024u
#define KTEE_MAX_SHMS 4096u

/**
 * struct ktee_session - an open session
 * @client: owning connection
 * @id:     session ID (non-zero, unique in the driver)
 */
struct ktee_session {
	uint32_t client;
	uint32_t id;
};

/**
 * struct ktee_shm - a registration of a handle
 * @client: owning connection
 * @id:     shm ID (non-zero, unique in the driver)
 * @mem:    the buffer as buf_get described it (valid while @ref is held)
 * @ref:    the buffer reference
 * @map:    system buffers: our MAP_SHARED mapping of @mem.size bytes;
 *          NULL for restricted buffers
 */
struct ktee_shm {
	uint32_t client;
	uint32_t id;
	struct ktee_mem mem;
	void *ref;
	uint8_t *map;
};

struct ktee {
	struct ksec *sec;
	uint8_t sdp_uuid[16];
	struct ktee_host_ops host;
	struct ktee_session *sessions;
	uint32_t session_count;
	uint32_t session_cap;
	struct ktee_shm *shms;
	uint32_t shm_count;
	uint32_t shm_cap;
	uint32_t next_id;
};

/**
 * struct ktee_ref - one checked memref parameter of an invocation
 * @used:    the parameter is a memref
 * @temp:    a TEMP memref (bytes in the message's data area)
 * @data:    TEMP: its bytes in the response's data area; system PARTIAL:
 *           its bytes in our mapping; NULL for restricted
 * @shm:     PARTIAL: the registration
 * @offset:  PARTIAL: first byte inside the registered buffer
 * @size:    bytes
 */
struct ktee_ref {
	bool used;
	bool temp;
	uint8_t *data;
	const struct ktee_shm *shm;
	uint64_t offset;
	uint64_t size;
};

/* ---------------------------------------------------------------------- */
/* Tables.                                                                 */

static uint32_t ktee_new_id(struct ktee *t)
{
	t->next_id++;
	if (t->next_id == 0) {
		t->next_id = 1;
	}
	return t->next_id;
}

static struct ktee_session *ktee_session_find(struct ktee *t, uint32_t client,
					      uint32_t id)
{
	for (uint32_t i = 0; i < t->session_count; i++) {
		if (t->sessions[i].client == client && t->sessions[i].id == id) {
			return &t->sessions[i];
		}
	}
	return NULL;
}

static struct ktee_shm *ktee_shm_find(struct ktee *t, uint32_t client,
				      uint32_t id)
{
	for (uint32_t i = 0; i < t->shm_count; i++) {
		if (t->shms[i].client == client && t->shms[i].id == id) {
			return &t->shms[i];
		}
	}
	return NULL;
}

/* Grow an array of @elem-byte entries to hold one more. */
static int ktee_grow(void **arr, uint32_t count, uint32_t *cap, size_t elem,
		     uint32_t max)
{
	uint32_t n = 0;
	void *p = NULL;

	if (count < *cap) {
		return 0;
	}
	if (count >= max) {
		return -ENOMEM;
	}
	n = *cap ? *cap * 2u : 8u;
	if (n > max) {
		n = max;
	}
	p = realloc(*arr, (size_t)n * elem);
	if (!p) {
		return -ENOMEM;
	}
	*arr = p;
	*cap = n;
	return 0;
}

static void ktee_shm_drop(struct ktee *t, uint32_t idx)
{
	struct ktee_shm *s = &t->shms[idx];

	if (s->map) {
		(void)munmap(s->map, (size_t)s->mem.size);
	}
	t->host.buf_put(t->host.ctx, s->ref);
	t->shms[idx] = t->shms[t->shm_count - 1u];
	t->shm_count--;
}

/* ---------------------------------------------------------------------- */
/* Results.                                                                */

static void ktee_result(struct rheapd_tee_result *r, uint32_t ret,
			uint32_t origin)
{
	r->ret = ret;
	r->origin = origin;
}

/* The one table from SDP status to TEE result (origin TRUSTED_APP: the
 * partition is the TA). A gone board is TARGET_DEAD from COMMS. */
static void ktee_sdp_result(const struct ktee *t, int rc,
			    struct rheapd_tee_result *r)
{
	static const struct {
		int err;
		uint32_t ret;
	} map[] = {
		{ 0, TEEC_SUCCESS },
		{ -EINVAL, TEEC_ERROR_BAD_PARAMETERS },
		{ -EPERM, TEEC_ERROR_ACCESS_DENIED },
		{ -ENOENT, TEEC_ERROR_ITEM_NOT_FOUND },
		{ -ENOMEM, TEEC_ERROR_OUT_OF_MEMORY },
		{ -EBUSY, TEEC_ERROR_BUSY },
		{ -ENOSPC, TEEC_ERROR_SHORT_BUFFER },
		{ -EOVERFLOW, TEEC_ERROR_EXCESS_DATA },
		{ -EOPNOTSUPP, TEEC_ERROR_NOT_SUPPORTED },
	};

	if (rc == -ENOENT && ksec_gone(t->sec)) {
		ktee_result(r, TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_COMMS);
		return;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].err == rc) {
			ktee_result(r, map[i].ret, TEEC_ORIGIN_TRUSTED_APP);
			return;
		}
	}
	ktee_result(r, TEEC_ERROR_GENERIC, TEEC_ORIGIN_TRUSTED_APP);
}

/* ---------------------------------------------------------------------- */
/* SDP calls through the parameter area.                                   */

static void ktee_put_memref(uint8_t *p, uint32_t buf_id, uint64_t offset,
			    uint64_t size)
{
	wire_put32(p + offsetof(struct sdp_abi_memref, buf_id), buf_id);
	wire_put32(p + offsetof(struct sdp_abi_memref, reserved), 0);
	wire_put64(p + offsetof(struct sdp_abi_memref, offset), offset);
	wire_put64(p + offsetof(struct sdp_abi_memref, size), size);
}

/* Where byte @pos of a restricted registration lies: extent buffer ID,
 * offset inside it, bytes left in that extent. */
static int ktee_extent_at(const struct ktee_mem *m, uint64_t pos,
			  uint32_t *buf_id, uint64_t *offset, uint64_t *left)
{
	for (uint32_t i = 0; i < m->extent_count; i++) {
		const struct ktee_extent *e = &m->extents[i];

		if (pos < e->size) {
			*buf_id = e->sdp_buf_id;
			*offset = e->offset + pos;
			*left = e->size - pos;
			return 0;
		}
		pos -= e->size;
	}
	return -EINVAL;
}

/*
 * Run one copy or transform over @n bytes, piece by piece:
 * INJECT: @ns -> @sec; TRANSFORM: @sec in place; DUMP: @sec -> @ns.
 */
static int ktee_run(struct ktee *t, uint32_t cmd, const struct ktee_ref *ns,
		    const struct ktee_ref *sec, uint64_t n)
{
	uint8_t *area = NULL;
	size_t area_size = 0;
	uint64_t cap = 0;
	uint64_t pos = 0;
	int rc = 0;

	ksec_param_area(t->sec, &area, &area_size);
	cap = area_size - KTEE_AREA_DATA_OFF;
	while (pos < n) {
		uint32_t args[4] = { KTEE_AREA_PARAM_OFF, 0, 0, 0 };
		uint8_t *p = area + KTEE_AREA_PARAM_OFF;
		uint64_t piece = n - pos;
		uint64_t off = 0;
		uint64_t left = 0;
		uint32_t id = 0;

		rc = ktee_extent_at(&sec->shm->mem, sec->offset + pos, &id,
				    &off, &left);
		if (rc) {
			return rc;
		}
		if (piece > left) {
			piece = left;
		}
		if (cmd != SDP_CMD_TRANSFORM && piece > cap) {
			piece = cap;
		}
		if (cmd == SDP_CMD_TRANSFORM) {
			ktee_put_memref(p, id, off, piece);
			args[1] = sizeof(struct sdp_abi_transform_param);
		} else if (cmd == SDP_CMD_INJECT) {
			memcpy(area + KTEE_AREA_DATA_OFF, ns->data + pos,
			       (size_t)piece);
			ktee_put_memref(p, SDP_BUF_ID_PARAM, KTEE_AREA_DATA_OFF,
					piece);
			ktee_put_memref(p + sizeof(struct sdp_abi_memref), id,
					off, piece);
			args[1] = sizeof(struct sdp_abi_copy_param);
		} else {
			ktee_put_memref(p, id, off, piece);
			ktee_put_memref(p + sizeof(struct sdp_abi_memref),
					SDP_BUF_ID_PARAM, KTEE_AREA_DATA_OFF,
					piece);
			args[1] = sizeof(struct sdp_abi_copy_param);
		}
		rc = ksec_sdp_call(t->sec, cmd, args, NULL);
		if (rc) {
			return rc;
		}
		if (cmd == SDP_CMD_DUMP) {
			memcpy(ns->data + pos, area + KTEE_AREA_DATA_OFF,
			       (size_t)piece);
		}
		pos += piece;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Requests.                                                               */

static int ktee_open(struct ktee *t, uint32_t client, const void *req,
		     size_t req_len, void *resp, size_t resp_cap,
		     size_t *resp_len)
{
	struct rheapd_tee_open_req r = { 0 };
	struct rheapd_tee_open_resp out = { 0 };
	int rc = 0;

	if (req_len != sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, req, sizeof(r));
	if (r.reserved != 0) {
		return -EINVAL;
	}
	if (resp_cap < sizeof(out)) {
		return -ENOSPC;
	}
	if (memcmp(r.uuid, t->sdp_uuid, 16) != 0 &&
	    memcmp(r.uuid, ktee_sdp_basic_uuid, 16) != 0) {
		ktee_result(&out.result, TEEC_ERROR_ITEM_NOT_FOUND,
			    TEEC_ORIGIN_TEE);
	} else if (r.login != TEEC_LOGIN_PUBLIC &&
		   r.login != TEEC_LOGIN_USER) {
		ktee_result(&out.result, TEEC_ERROR_NOT_SUPPORTED,
			    TEEC_ORIGIN_TEE);
	} else if (ksec_gone(t->sec)) {
		ktee_result(&out.result, TEEC_ERROR_TARGET_DEAD,
			    TEEC_ORIGIN_COMMS);
	} else {
		rc = ktee_grow((void **)&t->sessions, t->session_count,
			       &t->session_cap, sizeof(*t->sessions),
			       KTEE_MAX_SESSIONS);
		if (rc) {
			ktee_result(&out.result, TEEC_ERROR_OUT_OF_MEMORY,
				    TEEC_ORIGIN_TEE);
		} else {
			struct ktee_session *s = &t->sessions[t->session_count++];

			s->client = client;
			s->id = ktee_new_id(t);
			out.session = s->id;
			ktee_result(&out.result, TEEC_SUCCESS,
				    TEEC_ORIGIN_TRUSTED_APP);
		}
	}
	memcpy(resp, &out, sizeof(out));
	*resp_len = sizeof(out);
	return 0;
}

static int ktee_close(struct ktee *t, uint32_t client, const void *req,
		      size_t req_len)
{
	struct rheapd_tee_close_req r = { 0 };
	struct ktee_session *s = NULL;

	if (req_len != sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, req, sizeof(r));
	if (r.reserved != 0) {
		return -EINVAL;
	}
	s = ktee_session_find(t, client, r.session);
	if (!s) {
		return -ENOENT;
	}
	*s = t->sessions[t->session_count - 1u];
	t->session_count--;
	return 0;
}

static int ktee_shm_register(struct ktee *t, uint32_t client, size_t req_len,
			     int fd, void *resp, size_t resp_cap,
			     size_t *resp_len)
{
	struct rheapd_tee_shm_resp out = { 0 };
	struct ktee_mem mem = { 0 };
	struct ktee_shm *s = NULL;
	uint8_t *map = NULL;
	uint64_t total = 0;
	void *ref = NULL;
	int rc = 0;

	if (req_len != 0 || fd < 0) {
		return -EINVAL;
	}
	if (resp_cap < sizeof(out)) {
		return -ENOSPC;
	}
	rc = ktee_grow((void **)&t->shms, t->shm_count, &t->shm_cap,
		       sizeof(*t->shms), KTEE_MAX_SHMS);
	if (rc) {
		return rc;
	}
	rc = t->host.buf_get(t->host.ctx, client, fd, &mem, &ref);
	if (rc) {
		return rc;
	}
	/* The buffer layer is ours, but a description that does not add up
	 * would send SDP calls past the buffer: refuse it. */
	for (uint32_t i = 0; i < mem.extent_count; i++) {
		if (!mem.extents || mem.extents[i].size > UINT64_MAX - total ||
		    (mem.restricted && mem.extents[i].sdp_buf_id == 0)) {
			rc = -EINVAL;
			goto err_put;
		}
		total += mem.extents[i].size;
	}
	if (mem.size == 0 || mem.size > SIZE_MAX ||
	    (mem.restricted && total != mem.size)) {
		rc = -EINVAL;
		goto err_put;
	}
	if (!mem.restricted) {
		void *p = mmap(NULL, (size_t)mem.size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);

		if (p == MAP_FAILED) {
			rc = -EINVAL;
			goto err_put;
		}
		map = p;
	}

	s = &t->shms[t->shm_count++];
	s->client = client;
	s->id = ktee_new_id(t);
	s->mem = mem;
	s->ref = ref;
	s->map = map;
	out.shm_id = s->id;
	out.flags = mem.restricted ? RHEAPD_HEAP_RESTRICTED : 0u;
	out.size = mem.size;
	memcpy(resp, &out, sizeof(out));
	*resp_len = sizeof(out);
	return 0;

err_put:
	t->host.buf_put(t->host.ctx, ref);
	return rc;
}

static int ktee_shm_release(struct ktee *t, uint32_t client, const void *req,
			    size_t req_len)
{
	struct rheapd_tee_shm_release_req r = { 0 };
	struct ktee_shm *s = NULL;

	if (req_len != sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, req, sizeof(r));
	if (r.reserved != 0) {
		return -EINVAL;
	}
	s = ktee_shm_find(t, client, r.shm_id);
	if (!s) {
		return -ENOENT;
	}
	ktee_shm_drop(t, (uint32_t)(s - t->shms));
	return 0;
}

static int ktee_cancel(struct ktee *t, uint32_t client, const void *req,
		       size_t req_len)
{
	struct rheapd_tee_cancel_req r = { 0 };

	if (req_len != sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, req, sizeof(r));
	/* Nothing is ever pending (requests are synchronous): accepted, no
	 * effect. The session must still be this client's. */
	if (!ktee_session_find(t, client, r.session)) {
		return -ENOENT;
	}
	return 0;
}

static bool ktee_is_temp(uint32_t type)
{
	return type == TEEC_MEMREF_TEMP_INPUT ||
	       type == TEEC_MEMREF_TEMP_OUTPUT ||
	       type == TEEC_MEMREF_TEMP_INOUT;
}

static bool ktee_is_partial(uint32_t type)
{
	return type == TEEC_MEMREF_PARTIAL_INPUT ||
	       type == TEEC_MEMREF_PARTIAL_OUTPUT ||
	       type == TEEC_MEMREF_PARTIAL_INOUT;
}

/*
 * Transport-level checks of the parameters (-EINVAL, -ENOENT) and the
 * memref bounds (*bad = true: TEEC_ERROR_BAD_PARAMETERS from the TEE).
 */
static int ktee_params_check(struct ktee *t, uint32_t client,
			     const struct rheapd_tee_invoke *inv,
			     uint8_t *data, uint64_t data_size,
			     struct ktee_ref refs[RHEAPD_TEE_PARAMS], bool *bad)
{
	for (uint32_t i = 0; i < RHEAPD_TEE_PARAMS; i++) {
		const struct rheapd_tee_param *p = &inv->params[i];
		struct ktee_ref *r = &refs[i];

		if (p->reserved != 0) {
			return -EINVAL;
		}
		if (p->type == TEEC_NONE) {
			if (p->shm_id || p->a || p->b) {
				return -EINVAL;
			}
		} else if (p->type >= TEEC_VALUE_INPUT &&
			   p->type <= TEEC_VALUE_INOUT) {
			if (p->shm_id || p->a > UINT32_MAX ||
			    p->b > UINT32_MAX) {
				return -EINVAL;
			}
		} else if (ktee_is_temp(p->type)) {
			if (p->shm_id || p->a % 8u != 0 || p->a > data_size ||
			    p->b > data_size - p->a) {
				return -EINVAL;
			}
			for (uint32_t j = 0; j < i; j++) {
				if (refs[j].temp && p->b && refs[j].size &&
				    refs[j].offset < p->a + p->b &&
				    p->a < refs[j].offset + refs[j].size) {
					return -EINVAL; /* overlap */
				}
			}
			r->used = true;
			r->temp = true;
			r->data = data + p->a;
			r->offset = p->a;
			r->size = p->b;
		} else if (ktee_is_partial(p->type)) {
			const struct ktee_shm *s = ktee_shm_find(t, client,
								 p->shm_id);

			if (!s) {
				return -ENOENT;
			}
			r->used = true;
			r->shm = s;
			r->offset = p->a;
			r->size = p->b;
			if (p->b == 0 || p->a > s->mem.size ||
			    p->b > s->mem.size - p->a) {
				*bad = true;
			} else if (s->map) {
				r->data = s->map + p->a;
			}
		} else {
			return -EINVAL; /* WHOLE is resolved by librheap */
		}
	}
	return 0;
}

static bool ktee_restricted(const struct ktee_ref *r)
{
	return r->used && !r->temp && r->shm->mem.restricted;
}

static bool ktee_ns(const struct ktee_ref *r)
{
	return r->used && !ktee_restricted(r);
}

/* The command's parameter types, as the TA checks them. */
static bool ktee_types_ok(uint32_t cmd, const struct rheapd_tee_param *p)
{
	uint32_t t0 = p[0].type;
	uint32_t t1 = p[1].type;

	if (cmd == SDP_TA_CMD_DECRYPT) {
		return (t0 == TEEC_MEMREF_TEMP_INPUT ||
			t0 == TEEC_MEMREF_PARTIAL_INPUT) &&
		       t1 == TEEC_MEMREF_PARTIAL_OUTPUT &&
		       p[2].type == TEEC_MEMREF_TEMP_INPUT &&
		       p[3].type == TEEC_NONE;
	}
	if (p[2].type != TEEC_NONE || p[3].type != TEEC_NONE) {
		return false;
	}
	switch (cmd) {
	case KTEE_CMD_INJECT:
	case KTEE_CMD_DUMP:
		return (t0 == TEEC_MEMREF_TEMP_INPUT ||
			t0 == TEEC_MEMREF_PARTIAL_INPUT) &&
		       (t1 == TEEC_MEMREF_TEMP_OUTPUT ||
			t1 == TEEC_MEMREF_PARTIAL_OUTPUT);
	case KTEE_CMD_TRANSFORM:
		return (t0 == TEEC_MEMREF_TEMP_INOUT ||
			t0 == TEEC_MEMREF_PARTIAL_INOUT) &&
		       t1 == TEEC_NONE;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------------- */
/* DECRYPT.                                                                */

/*
 * Decrypt the plan's piece (its start a keystream block boundary, its IV
 * advanced: rheap/sdp_decrypt.h) from @in into restricted extent @id at
 * @off + the piece's start: one SDP_CMD_DECRYPT.
 */
static int ktee_decrypt_piece(struct ktee *t, const struct sdp_decrypt *dc,
			      const struct sdp_decrypt_plan *pl,
			      const uint8_t *in, uint32_t id, uint64_t off)
{
	uint8_t *area = NULL;
	size_t area_size = 0;
	uint8_t *p = NULL;
	uint32_t args[4] = { KTEE_AREA_PARAM_OFF,
			     sizeof(struct sdp_abi_decrypt_param), 0, 0 };
	uint64_t s = pl->start;
	uint64_t e = pl->end;
	uint32_t count = 0;

	ksec_param_area(t->sec, &area, &area_size);
	p = area + KTEE_AREA_PARAM_OFF;
	if (dc->sub_count) {
		count = sdp_decrypt_piece_map(dc, s, e,
					      area + KTEE_AREA_MAP_OFF);
	}
	memcpy(area + KTEE_AREA_DATA_OFF, in + s, (size_t)(e - s));
	memset(p, 0, sizeof(struct sdp_abi_decrypt_param));
	ktee_put_memref(p, SDP_BUF_ID_PARAM, KTEE_AREA_DATA_OFF, e - s);
	ktee_put_memref(p + offsetof(struct sdp_abi_decrypt_param, out), id,
			off + s, e - s);
	memcpy(p + offsetof(struct sdp_abi_decrypt_param, kid), dc->kid,
	       SDP_KID_SIZE);
	memcpy(p + offsetof(struct sdp_abi_decrypt_param, iv), pl->iv,
	       sizeof(pl->iv));
	wire_put32(p + offsetof(struct sdp_abi_decrypt_param, iv_size),
		   pl->iv_size);
	wire_put32(p + offsetof(struct sdp_abi_decrypt_param, subsample_count),
		   count);
	wire_put64(p + offsetof(struct sdp_abi_decrypt_param, subsample_offset),
		   count ? KTEE_AREA_MAP_OFF : 0u);
	return ksec_sdp_call(t->sec, SDP_CMD_DECRYPT, args, NULL);
}

/*
 * Run the sample through SDP_CMD_DECRYPT in pieces that fit the parameter
 * area (the split plan: rheap/sdp_decrypt.h). Return -EOVERFLOW when the
 * sample does not split. @dry: only walk the pieces (no SDP call), so that
 * an unsplittable sample is refused before any byte is written.
 */
static int ktee_decrypt_run(struct ktee *t, const struct sdp_decrypt *dc,
			    const uint8_t *in, uint64_t n, uint32_t id,
			    uint64_t off, bool dry)
{
	uint8_t *area = NULL;
	size_t area_size = 0;
	struct sdp_decrypt_plan pl = { .n = 0 };
	int rc = 0;

	ksec_param_area(t->sec, &area, &area_size);
	sdp_decrypt_plan_init(&pl, dc, n, area_size - KTEE_AREA_DATA_OFF);
	while ((rc = sdp_decrypt_plan_next(&pl)) > 0) {
		if (!dry) {
			rc = ktee_decrypt_piece(t, dc, &pl, in, id, off);
			if (rc) {
				return rc;
			}
		}
	}
	return rc;
}

static void ktee_decrypt(struct ktee *t, struct rheapd_tee_invoke *inv,
			 const struct ktee_ref refs[RHEAPD_TEE_PARAMS])
{
	struct rheapd_tee_result *res = &inv->result;
	struct sdp_decrypt *dc = NULL;
	uint64_t n = refs[0].size;
	uint32_t id = 0;
	uint64_t off = 0;
	uint64_t left = 0;
	int rc = 0;

	/* NS in, restricted out, before any byte moves. */
	if (!ktee_ns(&refs[0]) || !ktee_restricted(&refs[1])) {
		ktee_result(res, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	dc = calloc(1, sizeof(*dc));
	if (!dc) {
		ktee_result(res, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
		return;
	}
	if (sdp_decrypt_parse(dc, refs[2].data, refs[2].size, n) != 0) {
		ktee_result(res, TEEC_ERROR_BAD_PARAMETERS,
			    TEEC_ORIGIN_TRUSTED_APP);
		goto out_free;
	}
	if (refs[1].size < n) {
		inv->params[1].b = n;
		ktee_result(res, TEEC_ERROR_SHORT_BUFFER,
			    TEEC_ORIGIN_TRUSTED_APP);
		goto out_free;
	}
	if (n == 0) {
		inv->params[1].b = 0;
		ktee_result(res, TEEC_SUCCESS, TEEC_ORIGIN_TRUSTED_APP);
		goto out_free;
	}
	/* The output lies in one extent (one SDP piece) of the buffer. */
	if (ktee_extent_at(&refs[1].shm->mem, refs[1].offset, &id, &off,
			   &left) != 0 ||
	    left < n) {
		ktee_result(res, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		goto out_free;
	}
	rc = ktee_decrypt_run(t, dc, refs[0].data, n, id, off, true);
	if (rc == 0) {
		rc = ktee_decrypt_run(t, dc, refs[0].data, n, id, off, false);
	}
	ktee_sdp_result(t, rc, res);
	if (rc == 0) {
		inv->params[1].b = n;
	}
out_free:
	free(dc);
}

static void ktee_execute(struct ktee *t, struct rheapd_tee_invoke *inv,
			 const struct ktee_ref refs[RHEAPD_TEE_PARAMS])
{
	struct rheapd_tee_result *res = &inv->result;
	int rc = 0;

	if (inv->command > KTEE_CMD_DUMP &&
	    inv->command != SDP_TA_CMD_DECRYPT) {
		ktee_result(res, TEEC_ERROR_NOT_SUPPORTED,
			    TEEC_ORIGIN_TRUSTED_APP);
		return;
	}
	if (!ktee_types_ok(inv->command, inv->params)) {
		ktee_result(res, TEEC_ERROR_BAD_PARAMETERS,
			    TEEC_ORIGIN_TRUSTED_APP);
		return;
	}
	/* Secure and non-secure where each is required: checked here, before
	 * any byte moves (the partition would refuse the same). */
	if (inv->command == SDP_TA_CMD_DECRYPT) {
		ktee_decrypt(t, inv, refs);
		return;
	}
	if ((inv->command == KTEE_CMD_INJECT &&
	     (!ktee_ns(&refs[0]) || !ktee_restricted(&refs[1]))) ||
	    (inv->command == KTEE_CMD_TRANSFORM &&
	     !ktee_restricted(&refs[0])) ||
	    (inv->command == KTEE_CMD_DUMP &&
	     (!ktee_restricted(&refs[0]) || !ktee_ns(&refs[1])))) {
		ktee_result(res, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return;
	}
	if (inv->command != KTEE_CMD_TRANSFORM && refs[1].size < refs[0].size) {
		inv->params[1].b = refs[0].size;
		ktee_result(res, TEEC_ERROR_SHORT_BUFFER,
			    TEEC_ORIGIN_TRUSTED_APP);
		return;
	}
	switch (inv->command) {
	case KTEE_CMD_INJECT:
		rc = ktee_run(t, SDP_CMD_INJECT, &refs[0], &refs[1],
			      refs[0].size);
		break;
	case KTEE_CMD_TRANSFORM:
		rc = ktee_run(t, SDP_CMD_TRANSFORM, NULL, &refs[0],
			      refs[0].size);
		break;
	default:
		rc = ktee_run(t, SDP_CMD_DUMP, &refs[1], &refs[0],
			      refs[0].size);
		break;
	}
	ktee_sdp_result(t, rc, res);
}

static int ktee_invoke(struct ktee *t, uint32_t client, const void *req,
		       size_t req_len, void *resp, size_t resp_cap,
		       size_t *resp_len)
{
	struct ktee_ref refs[RHEAPD_TEE_PARAMS] = { { 0 } };
	struct rheapd_tee_invoke inv = { 0 };
	uint8_t *data = (uint8_t *)resp + sizeof(inv);
	uint64_t data_size = 0;
	bool bad = false;
	int rc = 0;

	if (req_len < sizeof(inv)) {
		return -EINVAL;
	}
	if (resp_cap < req_len) {
		return -ENOSPC;
	}
	memcpy(&inv, req, sizeof(inv));
	if (inv.reserved != 0 || inv.result.ret != 0 ||
	    inv.result.origin != 0) {
		return -EINVAL;
	}
	if (!ktee_session_find(t, client, inv.session)) {
		return -ENOENT;
	}
	/* The response carries the request's data area; TEMP outputs are
	 * written into it in place. */
	data_size = req_len - sizeof(inv);
	memcpy(data, (const uint8_t *)req + sizeof(inv), (size_t)data_size);
	rc = ktee_params_check(t, client, &inv, data, data_size, refs, &bad);
	if (rc) {
		return rc;
	}
	if (bad) {
		ktee_result(&inv.result, TEEC_ERROR_BAD_PARAMETERS,
			    TEEC_ORIGIN_TEE);
	} else if (ksec_gone(t->sec)) {
		ktee_result(&inv.result, TEEC_ERROR_TARGET_DEAD,
			    TEEC_ORIGIN_COMMS);
	} else {
		ktee_execute(t, &inv, refs);
	}
	memcpy(resp, &inv, sizeof(inv));
	*resp_len = req_len;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Public API.                                                             */

int ktee_create(struct ksec *sec, const uint8_t sdp_uuid[16],
		const struct ktee_host_ops *host, struct ktee **out)
{
	struct ktee *t = NULL;

	if (!sec || !sdp_uuid || !host || !host->buf_get || !host->buf_put ||
	    !out) {
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	t->sec = sec;
	memcpy(t->sdp_uuid, sdp_uuid, 16);
	t->host = *host;
	*out = t;
	return 0;
}

void ktee_destroy(struct ktee *t)
{
	if (!t) {
		return;
	}
	while (t->shm_count > 0) {
		ktee_shm_drop(t, t->shm_count - 1u);
	}
	free(t->shms);
	free(t->sessions);
	free(t);
}

int ktee_request(struct ktee *t, uint32_t client, uint16_t op, const void *req,
		 size_t req_len, int fd, void *resp, size_t resp_cap,
		 size_t *resp_len)
{
	if (!t || (!req && req_len) || !resp || !resp_len) {
		return -EINVAL;
	}
	*resp_len = 0;
	if (op < RHEAPD_OP_TEE_OPEN || op > RHEAPD_OP_TEE_CANCEL) {
		return -EOPNOTSUPP;
	}
	if (op == RHEAPD_OP_TEE_SHM_REGISTER_FD) {
		return ktee_shm_register(t, client, req_len, fd, resp, resp_cap,
					 resp_len);
	}
	if (fd >= 0) {
		return -EINVAL;
	}
	switch (op) {
	case RHEAPD_OP_TEE_OPEN:
		return ktee_open(t, client, req, req_len, resp, resp_cap,
				 resp_len);
	case RHEAPD_OP_TEE_CLOSE:
		return ktee_close(t, client, req, req_len);
	case RHEAPD_OP_TEE_INVOKE:
		return ktee_invoke(t, client, req, req_len, resp, resp_cap,
				   resp_len);
	case RHEAPD_OP_TEE_SHM_RELEASE:
		return ktee_shm_release(t, client, req, req_len);
	case RHEAPD_OP_TEE_CANCEL:
		return ktee_cancel(t, client, req, req_len);
	default:
		return -EOPNOTSUPP;
	}
}

void ktee_client_gone(struct ktee *t, uint32_t client)
{
	uint32_t i = 0;

	if (!t) {
		return;
	}
	while (i < t->shm_count) {
		if (t->shms[i].client == client) {
			ktee_shm_drop(t, i);
		} else {
			i++;
		}
	}
	i = 0;
	while (i < t->session_count) {
		if (t->sessions[i].client == client) {
			t->sessions[i] = t->sessions[t->session_count - 1u];
			t->session_count--;
		} else {
			i++;
		}
	}
}
