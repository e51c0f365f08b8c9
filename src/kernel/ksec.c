// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's secure backend (API and life cycle: ksec.h): FF-A memory
 * management and the SDP partition's direct requests over nw_client.
 *
 * Scratch layout (KSEC_SCRATCH_SIZE bytes at cfg.scratch_pa):
 *
 *   +0       TX mailbox (1 page)
 *   +4 KiB   RX mailbox (1 page)
 *   +8 KiB   SDP parameter area (KSEC_PARAM_SIZE), FFA_MEM_SHAREd with
 *            the partition and registered with REGISTER_PARAM_SHM
 *
 * Life cycle of a lent chunk, as ksec sees it (the caller holds the
 * handle; ksec only remembers the handles whose RELEASE went through):
 *
 *   (none) --ksec_chunk_lend: LEND ok, ASSIGN ok--> ASSIGNED
 *   (none) --LEND ok, ASSIGN failed--> RECLAIM --> (none) (error returned)
 *   ASSIGNED --ksec_chunk_reclaim: RELEASE ok, RECLAIM ok--> (none)
 *   ASSIGNED --RELEASE ok, RECLAIM failed--> RELEASED (remembered)
 *   RELEASED --ksec_chunk_reclaim: RECLAIM only--> (none)
 *   ASSIGNED --RELEASE failed (-EBUSY: attached)--> ASSIGNED
 *
 * The board going away (transport EOF/error) is sticky: from then on
 * every call answers -ENOENT without I/O. nw_client reports a transport
 * failure as -ENOENT, which FF-A's NO_DATA and the partition's -ENOENT
 * also are; a -ENOENT from a helper is told apart by one probe call
 * (FFA_ID_GET), which a gone client answers at once.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>
#include <rheap/sdp_abi.h>

#include "board/nw_client.h"
#include "kernel/ksec.h"

#define KSEC_MBOX_OFFSET_TX 0u
#define KSEC_MBOX_OFFSET_RX FFA_PAGE_SIZE
#define KSEC_PARAM_OFFSET (2u * FFA_PAGE_SIZE)
#define KSEC_PARAM_SIZE (KSEC_SCRATCH_SIZE - KSEC_PARAM_OFFSET)
/* Handles remembered as RELEASED at most (one per chunk of every pool
 * is far less; the table grows on demand up to this). */
#define KSEC_RELEASED_MAX 4096u

_Static_assert(KSEC_PARAM_SIZE == 256u * 1024u, "param area is 256 KiB");

/**
 * struct ksec - the backend
 * @client:         the NW connection (owned)
 * @sdp_id:         the SDP partition's endpoint ID
 * @ep:             our endpoint ID (from the board's HELLO)
 * @ffa_version:    the negotiated FF-A version (1.1 or 1.2)
 * @scratch_pa:     PA of the scratch range
 * @param:          our mapping of the parameter area
 * @param_handle:   its FF-A SHARE handle
 * @rxtx_mapped:    FFA_RXTX_MAP went through
 * @param_shared:   the SHARE went through (@param_handle valid)
 * @param_registered: REGISTER_PARAM_SHM went through
 * @gone:           the board went away (sticky)
 * @released:       handles whose RELEASE succeeded and RECLAIM did not
 * @released_count: entries in @released
 * @released_cap:   allocated entries
 */
struct ksec {
	struct nw_client *client;
	uint16_t sdp_id;
	uint16_t ep;
	uint32_t ffa_version;
	uint64_t scratch_pa;
	uint8_t *param;
	uint64_t param_handle;
	bool rxtx_mapped;
	bool param_shared;
	bool param_registered;
	bool gone;
	uint64_t *released;
	uint32_t released_count;
	uint32_t released_cap;
};

/* ---------------------------------------------------------------------- */
/* Transport state.                                                        */

/* Is the board gone? Called after a -ENOENT; probes once. */
static bool ksec_probe_gone(struct ksec *s)
{
	struct rheap_ffa_call call = { .func = FFA_ID_GET };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };

	if (s->gone) {
		return true;
	}
	if (rheap_ffa_call_pack(&call, &req) != 0) {
		return false;
	}
	if (nw_client_call(s->client, &req, &resp) == -ENOENT) {
		s->gone = true;
	}
	return s->gone;
}

/* Pass @rc through, noting a transport failure behind a -ENOENT. */
static int ksec_rc(struct ksec *s, int rc)
{
	if (rc == -ENOENT) {
		(void)ksec_probe_gone(s);
	}
	return rc;
}

/* The SDP status word as an errno of the closed set; anything else is a
 * malformed answer. */
static int ksec_status_errno(uint32_t w3)
{
	switch (w3) {
	case SDP_STATUS_OK:
		return 0;
	case SDP_STATUS_EPERM:
	case SDP_STATUS_ENOENT:
	case SDP_STATUS_ENOMEM:
	case SDP_STATUS_EBUSY:
	case SDP_STATUS_EINVAL:
	case SDP_STATUS_ENOSPC:
	case SDP_STATUS_EOVERFLOW:
	case SDP_STATUS_EOPNOTSUPP:
		return (int32_t)w3;
	default:
		return -EINVAL;
	}
}

/* ---------------------------------------------------------------------- */
/* SDP direct requests.                                                    */

int ksec_sdp_call(struct ksec *s, uint32_t cmd, const uint32_t args[4],
		  uint32_t res[4])
{
	struct rheap_ffa_call call = { .func = FFA_MSG_SEND_DIRECT_REQ_32 };
	struct rheap_ffa_call ans = { 0 };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	int rc = 0;

	if (res) {
		memset(res, 0, 4 * sizeof(res[0]));
	}
	if (!s || !args) {
		return -EINVAL;
	}
	if (s->gone) {
		return -ENOENT;
	}
	call.args.direct.sender_id = s->ep;
	call.args.direct.receiver_id = s->sdp_id;
	call.args.direct.payload[0] = cmd;
	for (uint32_t i = 0; i < 4; i++) {
		call.args.direct.payload[i + 1] = args[i];
	}
	rc = rheap_ffa_call_pack(&call, &req);
	if (rc) {
		return rc;
	}
	rc = nw_client_call(s->client, &req, &resp);
	if (rc == -ENOENT) {
		s->gone = true;
		return rc;
	}
	if (rc) {
		return rc;
	}
	if ((uint32_t)resp.x[0] != FFA_MSG_SEND_DIRECT_RESP_32) {
		rc = nw_client_ffa_errno(&resp);
		return rc ? rc : -EINVAL;
	}
	if (rheap_ffa_call_unpack(&resp, &ans, NULL) != 0 ||
	    ans.args.direct.sender_id != s->sdp_id ||
	    ans.args.direct.receiver_id != s->ep) {
		return -EINVAL;
	}
	rc = ksec_status_errno((uint32_t)ans.args.direct.payload[0]);
	if (res && rc != -EINVAL) {
		for (uint32_t i = 0; i < 4; i++) {
			res[i] = (uint32_t)ans.args.direct.payload[i + 1];
		}
	}
	return rc;
}

/* ksec_sdp_call() with up to four arguments inline. */
static int ksec_sdp(struct ksec *s, uint32_t cmd, uint32_t w4, uint32_t w5,
		    uint32_t w6, uint32_t w7, uint32_t res[4])
{
	const uint32_t args[4] = { w4, w5, w6, w7 };

	return ksec_sdp_call(s, cmd, args, res);
}

/* ---------------------------------------------------------------------- */
/* Setup and teardown.                                                     */

static int ksec_rxtx_unmap(struct ksec *s)
{
	struct rheap_ffa_call call = { .func = FFA_RXTX_UNMAP };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	int rc = rheap_ffa_call_pack(&call, &req);

	if (rc) {
		return rc;
	}
	rc = nw_client_call(s->client, &req, &resp);
	if (rc) {
		return ksec_rc(s, rc);
	}
	return nw_client_ffa_errno(&resp);
}

static int ksec_param_share(struct ksec *s)
{
	struct rheap_ffa_receiver rx = {
		.endpoint_id = s->sdp_id,
		.permissions = FFA_DATA_ACCESS_RW,
	};
	struct rheap_ffa_range range = {
		.address = s->scratch_pa + KSEC_PARAM_OFFSET,
		.page_count = KSEC_PARAM_SIZE / FFA_PAGE_SIZE,
	};
	struct rheap_ffa_mem mem = {
		.abi = RHEAP_FFA_ABI_SHARE,
		.version = s->ffa_version,
		.sender_id = s->ep,
		.attributes = FFA_MEM_ATTR_NORMAL_WB_ISH,
		.tag = 0,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.total_page_count = KSEC_PARAM_SIZE / FFA_PAGE_SIZE,
		.range_count = 1,
		.ranges = &range,
		.range_cap = 1,
	};

	return ksec_rc(s, nw_client_mem_send(s->client, &mem,
					     &s->param_handle, NULL));
}

int ksec_create(const struct ksec_cfg *cfg, struct ksec **out)
{
	struct ksec *s = NULL;
	uint32_t res[4] = { 0 };
	uint32_t version = 0;
	void *p = NULL;
	int rc = 0;

	if (!cfg || !cfg->client) {
		return -EINVAL;
	}
	if (!out || !(cfg->sdp_id & 0x8000u) || cfg->scratch_pa % FFA_PAGE_SIZE ||
	    nw_client_pa_ptr(cfg->client, cfg->scratch_pa, KSEC_SCRATCH_SIZE,
			     &p) != 0) {
		rc = -EINVAL;
		goto err_client;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = -ENOMEM;
		goto err_client;
	}
	s->client = cfg->client;
	s->sdp_id = cfg->sdp_id;
	s->ep = nw_client_id(cfg->client);
	s->scratch_pa = cfg->scratch_pa;
	s->param = (uint8_t *)p + KSEC_PARAM_OFFSET;
	s->param_handle = FFA_HANDLE_INVALID;

	rc = nw_client_version(s->client, FFA_VERSION_1_2, &version);
	if (rc) {
		rc = ksec_rc(s, rc);
		goto err_destroy;
	}
	if ((version & FFA_VERSION_MBZ_BIT) ||
	    version >> FFA_VERSION_MAJOR_SHIFT != 1 ||
	    version < FFA_VERSION_1_1) {
		rc = -EOPNOTSUPP;
		goto err_destroy;
	}
	s->ffa_version = version >= FFA_VERSION_1_2 ? FFA_VERSION_1_2 :
						      FFA_VERSION_1_1;
	rc = nw_client_rxtx_map(s->client, s->scratch_pa + KSEC_MBOX_OFFSET_TX,
				s->scratch_pa + KSEC_MBOX_OFFSET_RX, 1);
	if (rc) {
		rc = ksec_rc(s, rc);
		goto err_destroy;
	}
	s->rxtx_mapped = true;
	rc = ksec_sdp(s, SDP_CMD_GET_VERSION, 0, 0, 0, 0, res);
	if (rc) {
		goto err_destroy;
	}
	if (res[0] != SDP_ABI_VERSION_MAJOR) {
		rc = -EOPNOTSUPP;
		goto err_destroy;
	}
	rc = ksec_param_share(s);
	if (rc) {
		goto err_destroy;
	}
	s->param_shared = true;
	rc = ksec_sdp(s, SDP_CMD_REGISTER_PARAM_SHM, (uint32_t)s->param_handle,
		      (uint32_t)(s->param_handle >> 32), 0, 0, NULL);
	if (rc) {
		goto err_destroy;
	}
	s->param_registered = true;
	*out = s;
	return 0;

err_destroy:
	ksec_destroy(s);
	return rc;
err_client:
	nw_client_destroy(cfg->client);
	return rc;
}

void ksec_destroy(struct ksec *s)
{
	if (!s) {
		return;
	}
	if (!s->gone && s->param_registered) {
		(void)ksec_sdp(s, SDP_CMD_UNREGISTER_PARAM_SHM, 0, 0, 0, 0,
			       NULL);
	}
	if (!s->gone && s->param_shared) {
		(void)ksec_rc(s, nw_client_reclaim(s->client, s->param_handle,
						   0));
	}
	if (!s->gone && s->rxtx_mapped) {
		(void)ksec_rxtx_unmap(s);
	}
	nw_client_destroy(s->client);
	free(s->released);
	free(s);
}

bool ksec_gone(const struct ksec *s)
{
	return s && s->gone;
}

void ksec_param_area(struct ksec *s, uint8_t **ptr, size_t *size)
{
	*ptr = s->param;
	*size = KSEC_PARAM_SIZE;
}

/* ---------------------------------------------------------------------- */
/* Configuration queries.                                                  */

int ksec_protmem_range(struct ksec *s, uint32_t use_case, uint32_t index,
		       uint32_t *count, uint64_t *base, uint64_t *size)
{
	uint32_t res[4] = { 0 };
	int rc = 0;

	if (!s || !count || !base || !size) {
		return -EINVAL;
	}
	rc = ksec_sdp(s, SDP_CMD_GET_PROTMEM_CONFIG, use_case, index, 0, 0,
		      res);
	if (rc == 0 || (rc == -ENOENT && !s->gone)) {
		*count = res[0];
	}
	if (rc) {
		return rc;
	}
	*base = (uint64_t)res[2] << 32 | res[1];
	*size = (uint64_t)res[3] * SDP_PAGE_SIZE;
	return 0;
}

int ksec_lend_config(struct ksec *s, uint32_t use_case, uint64_t *min_chunk,
		     uint64_t *alignment, uint32_t *pool_count)
{
	uint32_t res[4] = { 0 };
	int rc = 0;

	if (!s || !min_chunk || !alignment || !pool_count) {
		return -EINVAL;
	}
	rc = ksec_sdp(s, SDP_CMD_GET_LEND_CONFIG, use_case, 0, 0, 0, res);
	if (rc) {
		return rc;
	}
	*min_chunk = (uint64_t)res[0] * SDP_PAGE_SIZE;
	*alignment = (uint64_t)res[1] * SDP_PAGE_SIZE;
	*pool_count = res[2];
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Chunks.                                                                 */

static int ksec_released_find(const struct ksec *s, uint64_t handle)
{
	for (uint32_t i = 0; i < s->released_count; i++) {
		if (s->released[i] == handle) {
			return (int)i;
		}
	}
	return -1;
}

static int ksec_released_add(struct ksec *s, uint64_t handle)
{
	if (s->released_count == s->released_cap) {
		uint32_t cap = s->released_cap ? s->released_cap * 2u : 8u;
		uint64_t *n = NULL;

		if (cap > KSEC_RELEASED_MAX) {
			return -ENOMEM;
		}
		n = realloc(s->released, cap * sizeof(*n));
		if (!n) {
			return -ENOMEM;
		}
		s->released = n;
		s->released_cap = cap;
	}
	s->released[s->released_count++] = handle;
	return 0;
}

static void ksec_released_del(struct ksec *s, int idx)
{
	s->released[idx] = s->released[s->released_count - 1u];
	s->released_count--;
}

int ksec_chunk_lend(struct ksec *s, uint32_t use_case,
		    const struct rheap_ffa_range *ranges, uint32_t range_count,
		    uint64_t *handle, uint32_t *buf_id)
{
	uint32_t res[4] = { 0 };
	uint64_t h = FFA_HANDLE_INVALID;
	int rc = 0;

	if (!s || !ranges || range_count == 0 || range_count > 256u ||
	    !handle || !buf_id) {
		return -EINVAL;
	}
	if (s->gone) {
		return -ENOENT;
	}
	rc = nw_client_lend(s->client, s->sdp_id, use_case, ranges,
			    range_count, 0, &h, NULL);
	if (rc) {
		return ksec_rc(s, rc);
	}
	rc = ksec_sdp(s, SDP_CMD_ASSIGN, (uint32_t)h, (uint32_t)(h >> 32),
		      use_case, 0, res);
	if (rc) {
		goto err_reclaim;
	}
	*handle = h;
	*buf_id = res[0];
	return 0;

err_reclaim:
	if (!s->gone) {
		(void)ksec_rc(s, nw_client_reclaim(s->client, h, 0));
	}
	return rc;
}

int ksec_chunk_reclaim(struct ksec *s, uint64_t handle)
{
	int idx = 0;
	int rc = 0;

	if (!s || handle == FFA_HANDLE_INVALID) {
		return -EINVAL;
	}
	if (s->gone) {
		return -ENOENT;
	}
	idx = ksec_released_find(s, handle);
	if (idx < 0) {
		rc = ksec_sdp(s, SDP_CMD_RELEASE, (uint32_t)handle,
			      (uint32_t)(handle >> 32), 0, 0, NULL);
		/* -ENOENT from a live partition: it does not hold the chunk
		 * (released before, and we could not remember it): the
		 * RECLAIM below says whether the handle exists at all. */
		if (rc && !(rc == -ENOENT && !s->gone)) {
			return rc;
		}
	}
	rc = nw_client_reclaim(s->client, handle, 0);
	if (rc) {
		rc = ksec_rc(s, rc);
		if (idx < 0) {
			(void)ksec_released_add(s, handle);
		}
		return rc;
	}
	if (idx >= 0) {
		ksec_released_del(s, idx);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Buffers.                                                                */

/* Byte offset and size as page counts for the SDP ABI. */
static int ksec_pages(uint64_t offset, uint64_t size, uint32_t *off_pages,
		      uint32_t *size_pages)
{
	if (offset % SDP_PAGE_SIZE || size % SDP_PAGE_SIZE || size == 0) {
		return -EINVAL;
	}
	if (offset / SDP_PAGE_SIZE > UINT32_MAX ||
	    size / SDP_PAGE_SIZE > UINT32_MAX) {
		return -EOVERFLOW;
	}
	*off_pages = (uint32_t)(offset / SDP_PAGE_SIZE);
	*size_pages = (uint32_t)(size / SDP_PAGE_SIZE);
	return 0;
}

int ksec_scrub(struct ksec *s, uint32_t buf_id, uint64_t offset,
	       uint64_t size)
{
	uint32_t off_pages = 0;
	uint32_t size_pages = 0;
	int rc = 0;

	if (!s) {
		return -EINVAL;
	}
	rc = ksec_pages(offset, size, &off_pages, &size_pages);
	if (rc) {
		return rc;
	}
	return ksec_sdp(s, SDP_CMD_SCRUB, buf_id, off_pages, size_pages, 0,
			NULL);
}

int ksec_attach(struct ksec *s, uint32_t buf_id, uint64_t offset,
		uint64_t size, uint32_t stream_id, bool write, uint64_t *iova)
{
	uint32_t flags = write ? SDP_ATTACH_FLAG_WRITE : 0u;
	uint32_t res[4] = { 0 };
	uint32_t off_pages = 0;
	uint32_t size_pages = 0;
	int rc = 0;

	if (!s || !iova) {
		return -EINVAL;
	}
	rc = ksec_pages(offset, size, &off_pages, &size_pages);
	if (rc) {
		return rc;
	}
	rc = ksec_sdp(s, SDP_CMD_ATTACH | flags << SDP_CMD_FLAGS_SHIFT, buf_id,
		      off_pages, size_pages, stream_id, res);
	if (rc) {
		return rc;
	}
	*iova = (uint64_t)res[1] << 32 | res[0];
	return 0;
}

int ksec_detach(struct ksec *s, uint32_t stream_id, uint64_t iova)
{
	if (!s) {
		return -EINVAL;
	}
	return ksec_sdp(s, SDP_CMD_DETACH, stream_id, (uint32_t)iova,
			(uint32_t)(iova >> 32), 0, NULL);
}

int ksec_device(struct ksec *s, uint32_t stream, uint32_t cmd,
		const uint64_t args[8], uint64_t res[8])
{
	int status = 0;
	int rc = 0;

	if (res) {
		memset(res, 0, 8 * sizeof(res[0]));
	}
	if (!s || !args || !res) {
		return -EINVAL;
	}
	if (s->gone) {
		return -ENOENT;
	}
	rc = nw_client_device(s->client, stream, cmd, args, res, &status);
	if (rc == -ENOENT) {
		s->gone = true;
		return rc;
	}
	return rc ? rc : status;
}

/* A board status, or the transport's -ENOENT with the board marked gone. */
static int ksec_board_outcome(struct ksec *s, int rc, int status)
{
	if (rc == -ENOENT) {
		s->gone = true;
		return rc;
	}
	return rc ? rc : status;
}

int ksec_ext_map(struct ksec *s, int fd, uint64_t size, uint64_t *pa)
{
	int status = 0;
	int rc = 0;

	if (!s || !pa) {
		return -EINVAL;
	}
	*pa = 0;
	if (s->gone) {
		return -ENOENT;
	}
	rc = nw_client_ext_map(s->client, fd, size, pa, &status);
	return ksec_board_outcome(s, rc, status);
}

int ksec_ext_unmap(struct ksec *s, uint64_t pa)
{
	int status = 0;
	int rc = 0;

	if (!s) {
		return -EINVAL;
	}
	if (s->gone) {
		return -ENOENT;
	}
	rc = nw_client_ext_unmap(s->client, pa, &status);
	return ksec_board_outcome(s, rc, status);
}

int ksec_smmu_ns(struct ksec *s, uint32_t stream, uint64_t iova, uint64_t pa,
		 uint64_t size, uint64_t flags)
{
	int status = 0;
	int rc = 0;

	if (!s) {
		return -EINVAL;
	}
	if (s->gone) {
		return -ENOENT;
	}
	rc = nw_client_smmu_ns(s->client, stream, iova, pa, size, flags,
			       &status);
	return ksec_board_outcome(s, rc, status);
}
