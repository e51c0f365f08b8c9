// SPDX-License-Identifier: BSD-2-Clause
/*
 * FF-A ABI handler of the SPMC (FF-A v1.1 EAC0 chapters 13-16, v1.2 ALP1
 * for FFA_MSG_SEND_DIRECT_REQ2): registers in, registers out.
 *
 * Shape of every call: zero the reply, let FFA_VERSION through, refuse
 * endpoints that were not added, refuse functions we do not implement for
 * the caller's version (before looking at the arguments, so a call we do
 * not implement is NOT_SUPPORTED whatever its registers hold), unpack and
 * MBZ-check the registers with rheap_ffa_call_unpack(), then run one
 * handler that returns 0 with the reply packed, or a negative FF-A status.
 *
 * Handlers check everything before they change anything: a refused call
 * leaves the endpoint's mailbox state as it was. The SPMC core gives the
 * same guarantee for its own state.
 *
 * Mailbox ownership (FF-A v1.1 §4.10, "RX buffer ownership"): after an
 * RX-producing call the RX buffer belongs to the endpoint (`rx_busy`) until
 * it calls FFA_RX_RELEASE; until then another RX-producing call is BUSY.
 * The TX buffer always belongs to the endpoint: the handler reads it only
 * inside a call that names it, and copies what it reads (one fetch).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#include "common/wire.h"
#include "spmc/abi.h"
#include "spmc/spmc.h"

/* Endpoint table: every NW endpoint of the core, plus the hypervisor. */
#define ABI_MAX_ENDPOINTS (SPMC_MAX_ENDPOINTS + 1u)
#define ABI_MAILBOX_MAX_SIZE ((size_t)SPMC_ABI_RXTX_MAX_PAGES * FFA_PAGE_SIZE)
/* Offset of the EMAD size field in the transaction header (Table 10.20). */
#define ABI_DESC_EMAD_SIZE_OFFSET 24u
#define ABI_EMAD_SIZE_V1_1 16u
/* FFA_FEATURES(FFA_RXTX_MAP) w2: [1:0] minimum size 0 = 4 KiB; [31:16]
 * maximum pages (v1.2). */
#define ABI_RXTX_FEAT_MAX_PAGES_SHIFT 16

/*
 * A mapped TX/RX pair. Unmapped iff @size == 0; then every other field is
 * 0 / NULL. @rx_busy is false while unmapped.
 */
struct abi_mailbox {
	uint8_t *tx;    /* host pointer to @size bytes of NW memory */
	uint8_t *rx;    /* host pointer to @size bytes of NW memory */
	uint64_t tx_pa; /* 4 KiB aligned; [tx_pa, +size) and [rx_pa, +size) */
	uint64_t rx_pa; /* are disjoint and do not wrap */
	size_t size;    /* bytes of each buffer, page_count * 4 KiB */
	bool rx_busy;   /* RX owned by the endpoint until FFA_RX_RELEASE */
};

/*
 * One connected normal-world endpoint (life cycle: abi.h). Free slot iff
 * !@present; then every field is 0.
 */
struct abi_endpoint {
	bool present;
	uint16_t id;
	/* FFA_VERSION_1_1 (assumed until negotiated) or FFA_VERSION_1_2. */
	uint32_t version;
	/* Set by the first call that is not FFA_VERSION: no renegotiation. */
	bool version_locked;
	struct abi_mailbox mbox;
};

struct spmc_abi {
	struct spmc *spmc; /* borrowed */
	const struct spmc_abi_ops *ops;
	void *ops_ctx;
	struct spmc_abi_partition partitions[SPMC_ABI_MAX_PARTITIONS];
	uint32_t partition_count;
	uint16_t spmc_id;
	struct abi_endpoint eps[ABI_MAX_ENDPOINTS];
	/* Why the last call was refused (spmc_abi_last_diag()). */
	struct rheap_diag diag;
	/*
	 * Private copy of the TX fragment being handled: the SPMC core only
	 * ever sees this, never the endpoint's TX buffer (no double fetch).
	 * Zeroed again after each use.
	 */
	uint8_t copy[ABI_MAILBOX_MAX_SIZE];
};

/*
 * The functions a normal-world endpoint may call, and the version from
 * which each exists. FFA_FEATURES answers from this table and the
 * dispatcher refuses anything else, so the two cannot disagree.
 * MEM_RETRIEVE_REQ, MEM_RELINQUISH and MEM_FRAG_RX are for secure
 * partitions (the SDP partition calls the core in-process): not here.
 */
static const struct abi_func {
	uint32_t func;
	uint32_t min_version;
} abi_funcs[] = {
	{ FFA_VERSION, FFA_VERSION_1_1 },
	{ FFA_FEATURES, FFA_VERSION_1_1 },
	{ FFA_ID_GET, FFA_VERSION_1_1 },
	{ FFA_SPM_ID_GET, FFA_VERSION_1_1 },
	{ FFA_PARTITION_INFO_GET, FFA_VERSION_1_1 },
	{ FFA_RXTX_MAP_32, FFA_VERSION_1_1 },
	{ FFA_RXTX_MAP_64, FFA_VERSION_1_1 },
	{ FFA_RXTX_UNMAP, FFA_VERSION_1_1 },
	{ FFA_RX_RELEASE, FFA_VERSION_1_1 },
	{ FFA_MEM_SHARE_32, FFA_VERSION_1_1 },
	{ FFA_MEM_SHARE_64, FFA_VERSION_1_1 },
	{ FFA_MEM_LEND_32, FFA_VERSION_1_1 },
	{ FFA_MEM_LEND_64, FFA_VERSION_1_1 },
	{ FFA_MEM_DONATE_32, FFA_VERSION_1_1 },
	{ FFA_MEM_DONATE_64, FFA_VERSION_1_1 },
	{ FFA_MEM_FRAG_TX, FFA_VERSION_1_1 },
	{ FFA_MEM_RECLAIM, FFA_VERSION_1_1 },
	{ FFA_MSG_SEND_DIRECT_REQ_32, FFA_VERSION_1_1 },
	{ FFA_MSG_SEND_DIRECT_REQ_64, FFA_VERSION_1_1 },
	{ FFA_MSG_SEND_DIRECT_REQ2, FFA_VERSION_1_2 },
};

static bool abi_func_callable(uint32_t func, uint32_t version)
{
	for (size_t i = 0; i < sizeof(abi_funcs) / sizeof(abi_funcs[0]); i++) {
		if (abi_funcs[i].func == func) {
			return version >= abi_funcs[i].min_version;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Status codes.                                                          */

int spmc_abi_status_from_errno(int err)
{
	switch (err) {
	case 0:
		return FFA_OK;
	case -EINVAL:
	case -ENOENT: /* an unknown handle is a bad parameter (FF-A §16) */
	case -EOVERFLOW:
		return FFA_INVALID_PARAMETERS;
	case -EPERM:
		return FFA_DENIED;
	case -EBUSY:
		/*
		 * The core's EBUSY is a state that forbids the call (reclaim
		 * while borrowed): FF-A calls that DENIED. BUSY is for mailbox
		 * contention, which the handler reports itself.
		 */
		return FFA_DENIED;
	case -ENOMEM:
	case -ENOSPC:
		return FFA_NO_MEMORY;
	case -EOPNOTSUPP:
		return FFA_NOT_SUPPORTED;
	default:
		/* Outside the closed set: not the caller's fault. */
		return FFA_ABORTED;
	}
}

/* As above, but a wedged core is ABORTED: no call can succeed any more. */
static int32_t abi_status(const struct spmc_abi *abi, int err)
{
	if (err == -EBUSY && spmc_is_wedged(abi->spmc)) {
		return FFA_ABORTED;
	}
	return spmc_abi_status_from_errno(err);
}

/* Record why a call is refused and evaluate to @status. */
static int32_t abi_refuse(struct spmc_abi *abi, int32_t status,
			  const char *field, uint64_t value, const char *reason)
{
	abi->diag = (struct rheap_diag){ 0 };
	abi->diag.field = field;
	abi->diag.reason = reason;
	abi->diag.index = RHEAP_DIAG_NO_INDEX;
	abi->diag.value = value;
	return status;
}

/* ---------------------------------------------------------------------- */
/* Replies.                                                               */

static void regs_zero(struct rheap_ffa_regs *regs)
{
	for (int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
		regs->x[i] = 0;
	}
}

/* FFA_ERROR: w1 = 0, w2 = status (zero-extended), every other register 0. */
static void reply_error(struct rheap_ffa_regs *resp, int32_t status)
{
	regs_zero(resp);
	resp->x[0] = FFA_ERROR;
	resp->x[2] = (uint32_t)status;
}

/*
 * Pack @call into @resp. Our replies always obey the pack rules; a failure
 * here is a handler bug, reported to the caller as ABORTED.
 */
static int32_t reply_call(const struct rheap_ffa_call *call,
			  struct rheap_ffa_regs *resp)
{
	if (rheap_ffa_call_pack(call, resp) != 0) {
		return FFA_ABORTED;
	}
	return 0;
}

/* FFA_SUCCESS_32 with w2 and w3 (the only results our ABIs return). */
static int32_t reply_success(struct rheap_ffa_regs *resp, uint32_t w2,
			     uint32_t w3)
{
	struct rheap_ffa_call c = { 0 };

	c.func = FFA_SUCCESS_32;
	c.args.success.result[0] = w2;
	c.args.success.result[1] = w3;
	return reply_call(&c, resp);
}

/* ---------------------------------------------------------------------- */
/* Endpoints and partitions.                                              */

static struct abi_endpoint *ep_find(struct spmc_abi *abi, uint16_t id)
{
	for (uint32_t i = 0; i < ABI_MAX_ENDPOINTS; i++) {
		if (abi->eps[i].present && abi->eps[i].id == id) {
			return &abi->eps[i];
		}
	}
	return NULL;
}

static const struct spmc_abi_partition *part_find(const struct spmc_abi *abi,
						  uint16_t id)
{
	for (uint32_t i = 0; i < abi->partition_count; i++) {
		if (abi->partitions[i].id == id) {
			return &abi->partitions[i];
		}
	}
	return NULL;
}

/* w1..w4 of FFA_PARTITION_INFO_GET: the UUID as four LE 32-bit words. */
static bool part_uuid_matches_words(const struct spmc_abi_partition *p,
				    const uint32_t *words)
{
	for (int i = 0; i < 4; i++) {
		if (wire_get32(&p->uuid[4 * i]) != words[i]) {
			return false;
		}
	}
	return true;
}

/* x2/x3 of FFA_MSG_SEND_DIRECT_REQ2: the UUID as two LE 64-bit words. */
static bool part_uuid_matches_dwords(const struct spmc_abi_partition *p,
				     const uint64_t *dwords)
{
	return wire_get64(&p->uuid[0]) == dwords[0] &&
	       wire_get64(&p->uuid[8]) == dwords[1];
}

int spmc_abi_create(const struct spmc_abi_cfg *cfg, struct spmc_abi **out)
{
	struct spmc_abi *abi = NULL;

	if (!cfg || !out || !cfg->spmc || !cfg->ops ||
	    !cfg->ops->map_mailbox || !cfg->ops->direct_req) {
		return -EINVAL;
	}
	if (!(cfg->spmc_id & FFA_ID_SECURE_BIT) ||
	    cfg->partition_count > SPMC_ABI_MAX_PARTITIONS ||
	    (cfg->partition_count > 0 && !cfg->partitions)) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < cfg->partition_count; i++) {
		uint16_t id = cfg->partitions[i].id;

		if (!(id & FFA_ID_SECURE_BIT) || id == cfg->spmc_id) {
			return -EINVAL;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (cfg->partitions[j].id == id) {
				return -EINVAL;
			}
		}
	}

	abi = calloc(1, sizeof(*abi));
	if (!abi) {
		return -ENOMEM;
	}
	abi->spmc = cfg->spmc;
	abi->ops = cfg->ops;
	abi->ops_ctx = cfg->ops_ctx;
	abi->spmc_id = cfg->spmc_id;
	abi->partition_count = cfg->partition_count;
	for (uint32_t i = 0; i < cfg->partition_count; i++) {
		abi->partitions[i] = cfg->partitions[i];
	}
	*out = abi;
	return 0;
}

void spmc_abi_destroy(struct spmc_abi *abi)
{
	free(abi);
}

int spmc_abi_endpoint_add(struct spmc_abi *abi, uint16_t ep)
{
	struct spmc_ep_stats st = { 0 };
	struct abi_endpoint *slot = NULL;

	if (!abi || (ep & FFA_ID_SECURE_BIT)) {
		return -EINVAL;
	}
	/* The hypervisor is implicit in the core; every VM must be known. */
	if (ep != FFA_ID_HYPERVISOR &&
	    spmc_endpoint_stats(abi->spmc, ep, &st) != 0) {
		return -ENOENT;
	}
	if (ep_find(abi, ep)) {
		return -EBUSY;
	}
	for (uint32_t i = 0; i < ABI_MAX_ENDPOINTS && !slot; i++) {
		if (!abi->eps[i].present) {
			slot = &abi->eps[i];
		}
	}
	if (!slot) {
		/* Unreachable: the table holds every configured NW ID + 0. */
		return -ENOMEM;
	}
	*slot = (struct abi_endpoint){ 0 };
	slot->present = true;
	slot->id = ep;
	slot->version = FFA_VERSION_1_1;
	return 0;
}

void spmc_abi_endpoint_remove(struct spmc_abi *abi, uint16_t ep)
{
	struct abi_endpoint *e = NULL;

	if (!abi) {
		return;
	}
	e = ep_find(abi, ep);
	if (!e) {
		return;
	}
	*e = (struct abi_endpoint){ 0 };
	/*
	 * -ENOENT for the hypervisor, which the core knows implicitly and
	 * which sends nothing: there is nothing of it to tear down.
	 */
	(void)spmc_endpoint_teardown(abi->spmc, ep);
}

int spmc_abi_endpoint_version(const struct spmc_abi *abi, uint16_t ep,
			      uint32_t *out)
{
	if (!abi || !out) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < ABI_MAX_ENDPOINTS; i++) {
		if (abi->eps[i].present && abi->eps[i].id == ep) {
			*out = abi->eps[i].version;
			return 0;
		}
	}
	return -ENOENT;
}

const struct rheap_diag *spmc_abi_last_diag(const struct spmc_abi *abi)
{
	return &abi->diag;
}

/* ---------------------------------------------------------------------- */
/* FFA_VERSION, FFA_FEATURES, FFA_ID_GET, FFA_SPM_ID_GET.                  */

/*
 * Our answer to a caller's version: major 1 only; v1.0 callers are not
 * supported (their descriptors have another layout); v1.1 gets v1.1; v1.2
 * and any later minor get v1.2, our highest.
 */
static uint32_t version_negotiate(uint32_t theirs)
{
	uint32_t major = theirs >> FFA_VERSION_MAJOR_SHIFT;
	uint32_t minor = theirs & UINT32_C(0xFFFF);

	if (major != 1 || minor < 1) {
		return RHEAP_FFA_VERSION_NOT_SUPPORTED;
	}
	return minor >= 2 ? FFA_VERSION_1_2 : FFA_VERSION_1_1;
}

static void abi_version(struct spmc_abi *abi, uint16_t caller,
			const struct rheap_ffa_regs *req,
			struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_call call = { 0 };
	struct abi_endpoint *ep = ep_find(abi, caller);
	uint32_t ours = RHEAP_FFA_VERSION_NOT_SUPPORTED;

	/* Bit 31 or a stray w2..w7 bit: not a version we can answer. */
	if (rheap_ffa_call_unpack(req, &call, &abi->diag) == 0) {
		ours = version_negotiate(call.args.version.version);
		if (ours == RHEAP_FFA_VERSION_NOT_SUPPORTED) {
			abi_refuse(abi, FFA_NOT_SUPPORTED, "version",
				   call.args.version.version,
				   "is not FF-A v1.1 or a later v1.x");
		}
	}
	/* Once the endpoint used the ABI, its version is fixed. */
	if (ep && ours != RHEAP_FFA_VERSION_NOT_SUPPORTED) {
		if (ep->version_locked && ours != ep->version) {
			abi_refuse(abi, FFA_NOT_SUPPORTED, "version",
				   call.args.version.version,
				   "differs from the version in use");
			ours = RHEAP_FFA_VERSION_NOT_SUPPORTED;
		} else {
			ep->version = ours;
		}
	}
	/* Cannot fail: @ours is a valid version or NOT_SUPPORTED. */
	(void)rheap_ffa_version_ret_pack(ours, resp);
}

static int32_t abi_features(struct spmc_abi *abi,
			    const struct abi_endpoint *ep,
			    const struct rheap_ffa_call *call,
			    struct rheap_ffa_regs *resp)
{
	uint32_t id = call->args.features.feature_id;
	uint32_t w2 = 0;

	/* Feature IDs (notifications, interrupts): none implemented. */
	if (!(id & RHEAP_FFA_FEATURES_FUNC_BIT) ||
	    !abi_func_callable(id, ep->version)) {
		return abi_refuse(abi, FFA_NOT_SUPPORTED, "w1", id,
				  "is not implemented for this caller");
	}
	/* None of our ABIs defines input properties. */
	if (call->args.features.properties != 0) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "w2",
				  call->args.features.properties,
				  "input properties must be zero");
	}
	if (id == FFA_RXTX_MAP_32 || id == FFA_RXTX_MAP_64) {
		/* [1:0] = 0: 4 KiB minimum size and alignment. */
		if (ep->version >= FFA_VERSION_1_2) {
			w2 = SPMC_ABI_RXTX_MAX_PAGES
			     << ABI_RXTX_FEAT_MAX_PAGES_SHIFT;
		}
	}
	/* MEM_SHARE/LEND/DONATE: w2 bit 0 clear, no caller buffers. */
	return reply_success(resp, w2, 0);
}

/* ---------------------------------------------------------------------- */
/* Mailbox: FFA_RXTX_MAP, FFA_RXTX_UNMAP, FFA_RX_RELEASE.                 */

static int32_t abi_rxtx_map(struct spmc_abi *abi, struct abi_endpoint *ep,
			    const struct rheap_ffa_call *call,
			    struct rheap_ffa_regs *resp)
{
	const struct rheap_ffa_args_rxtx_map *m = &call->args.rxtx_map;
	uint8_t *tx = NULL;
	uint8_t *rx = NULL;
	uint64_t size = 0;
	uint64_t tx_end = 0;
	uint64_t rx_end = 0;
	int rc = 0;

	/* Unpack checked: page_count >= 1, both addresses 4 KiB aligned. */
	if (ep->mbox.size != 0) {
		return abi_refuse(abi, FFA_DENIED, "caller", ep->id,
				  "already has a mailbox");
	}
	if (m->page_count > SPMC_ABI_RXTX_MAX_PAGES) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "page_count",
				  m->page_count, "exceeds the maximum");
	}
	size = (uint64_t)m->page_count * FFA_PAGE_SIZE;
	if (__builtin_add_overflow(m->tx_address, size, &tx_end) ||
	    __builtin_add_overflow(m->rx_address, size, &rx_end)) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "page_count",
				  m->page_count, "makes a buffer wrap");
	}
	if (m->tx_address < rx_end && m->rx_address < tx_end) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "rx_address",
				  m->rx_address, "overlaps the TX buffer");
	}
	rc = abi->ops->map_mailbox(abi->ops_ctx, ep->id, m->tx_address, size,
				   &tx);
	if (rc) {
		return abi_refuse(abi, abi_status(abi, rc), "tx_address",
				  m->tx_address,
				  "is not normal-world memory of the caller");
	}
	rc = abi->ops->map_mailbox(abi->ops_ctx, ep->id, m->rx_address, size,
				   &rx);
	if (rc) {
		return abi_refuse(abi, abi_status(abi, rc), "rx_address",
				  m->rx_address,
				  "is not normal-world memory of the caller");
	}
	if (!tx || !rx) {
		return abi_refuse(abi, FFA_ABORTED, "map_mailbox", 0,
				  "returned no pointer");
	}
	ep->mbox.tx = tx;
	ep->mbox.rx = rx;
	ep->mbox.tx_pa = m->tx_address;
	ep->mbox.rx_pa = m->rx_address;
	ep->mbox.size = (size_t)size;
	ep->mbox.rx_busy = false;
	return reply_success(resp, 0, 0);
}

/*
 * The endpoint-ID argument of RXTX_UNMAP / RX_RELEASE lets a hypervisor
 * act for a VM. We forward for nobody: 0 or the caller itself.
 */
static int32_t ep_arg_check(struct spmc_abi *abi, const struct abi_endpoint *ep,
			    uint16_t id)
{
	if (id != 0 && id != ep->id) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "w1", id,
				  "names another endpoint");
	}
	return 0;
}

static int32_t abi_rxtx_unmap(struct spmc_abi *abi, struct abi_endpoint *ep,
			      const struct rheap_ffa_call *call,
			      struct rheap_ffa_regs *resp)
{
	int32_t st = ep_arg_check(abi, ep, call->args.endpoint.endpoint_id);

	if (st) {
		return st;
	}
	if (ep->mbox.size == 0) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "caller", ep->id,
				  "has no mailbox");
	}
	ep->mbox = (struct abi_mailbox){ 0 };
	return reply_success(resp, 0, 0);
}

static int32_t abi_rx_release(struct spmc_abi *abi, struct abi_endpoint *ep,
			      const struct rheap_ffa_call *call,
			      struct rheap_ffa_regs *resp)
{
	int32_t st = ep_arg_check(abi, ep, call->args.endpoint.endpoint_id);

	if (st) {
		return st;
	}
	if (ep->mbox.size == 0 || !ep->mbox.rx_busy) {
		return abi_refuse(abi, FFA_DENIED, "caller", ep->id,
				  "does not own a full RX buffer");
	}
	ep->mbox.rx_busy = false;
	return reply_success(resp, 0, 0);
}

/*
 * Write @len bytes into the caller's RX buffer and zero the rest of it
 * (FF-A v1.3 §4.10: no stale bytes of an earlier message), then hand RX
 * to the endpoint. The caller checked the mailbox and @len.
 */
static void rx_publish(struct abi_mailbox *mb, const uint8_t *src, size_t len)
{
	wire_copy(mb->rx, src, len);
	wire_zero(mb->rx + len, mb->size - len);
	mb->rx_busy = true;
}

/* ---------------------------------------------------------------------- */
/* FFA_PARTITION_INFO_GET.                                                */

static int32_t abi_partition_info(struct spmc_abi *abi,
				  struct abi_endpoint *ep,
				  const struct rheap_ffa_call *call,
				  struct rheap_ffa_regs *resp)
{
	const struct rheap_ffa_args_partition_info *pi =
		&call->args.partition_info;
	uint8_t out[SPMC_ABI_MAX_PARTITIONS * SPMC_ABI_PARTITION_INFO_SIZE] = {
		0
	};
	bool nil = wire_is_zero((const uint8_t *)pi->uuid, sizeof(pi->uuid));
	uint32_t count = 0;
	size_t len = 0;

	for (uint32_t i = 0; i < abi->partition_count; i++) {
		const struct spmc_abi_partition *p = &abi->partitions[i];
		uint8_t *d = &out[(size_t)count * SPMC_ABI_PARTITION_INFO_SIZE];

		if (!nil && !part_uuid_matches_words(p, pi->uuid)) {
			continue;
		}
		/* FF-A v1.1 Table 13.37; one execution context per SP. */
		wire_put16(d, p->id);
		wire_put16(d + 2, 1);
		wire_put32(d + 4, p->properties);
		wire_copy(d + 8, p->uuid, sizeof(p->uuid));
		count++;
	}
	if (!nil && count == 0) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "uuid",
				  pi->uuid[0], "names no partition");
	}
	if (pi->flags & RHEAP_FFA_PARTITION_INFO_FLAG_COUNT_ONLY) {
		return reply_success(resp, count, SPMC_ABI_PARTITION_INFO_SIZE);
	}
	if (ep->mbox.size == 0) {
		return abi_refuse(abi, FFA_DENIED, "caller", ep->id,
				  "has no RX buffer");
	}
	if (ep->mbox.rx_busy) {
		return abi_refuse(abi, FFA_BUSY, "caller", ep->id,
				  "has not released its RX buffer");
	}
	len = (size_t)count * SPMC_ABI_PARTITION_INFO_SIZE;
	if (len > ep->mbox.size) {
		return abi_refuse(abi, FFA_NO_MEMORY, "count", count,
				  "descriptors do not fit the RX buffer");
	}
	rx_publish(&ep->mbox, out, len);
	return reply_success(resp, count, SPMC_ABI_PARTITION_INFO_SIZE);
}

/* ---------------------------------------------------------------------- */
/* Memory management: SHARE/LEND/DONATE, FRAG_TX, RECLAIM.                */

static enum rheap_ffa_abi mem_abi_of(uint32_t func)
{
	switch (func) {
	case FFA_MEM_SHARE_32:
	case FFA_MEM_SHARE_64:
		return RHEAP_FFA_ABI_SHARE;
	case FFA_MEM_LEND_32:
	case FFA_MEM_LEND_64:
		return RHEAP_FFA_ABI_LEND;
	default:
		return RHEAP_FFA_ABI_DONATE;
	}
}

/* SUCCESS with the handle, or FRAG_RX asking for the next fragment. */
static int32_t reply_send_result(const struct spmc_send_result *res,
				 struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_call c = { 0 };

	if (res->complete) {
		return reply_success(resp, (uint32_t)res->handle,
				     (uint32_t)(res->handle >> 32));
	}
	c.func = FFA_MEM_FRAG_RX;
	c.args.frag.handle = res->handle;
	c.args.frag.value = res->received;
	c.args.frag.sender_id = 0; /* w4: only a hypervisor forwards */
	return reply_call(&c, resp);
}

/*
 * Copy @len bytes of the caller's TX buffer into the private buffer. From
 * here on, nothing reads TX again during this call: the endpoint may
 * rewrite it at any moment and it changes nothing.
 */
static const uint8_t *tx_fetch(struct spmc_abi *abi,
			       const struct abi_endpoint *ep, size_t len)
{
	wire_copy(abi->copy, ep->mbox.tx, len);
	return abi->copy;
}

static int32_t tx_check(struct spmc_abi *abi, const struct abi_endpoint *ep,
			uint32_t len)
{
	if (ep->mbox.size == 0) {
		return abi_refuse(abi, FFA_DENIED, "caller", ep->id,
				  "has no TX buffer");
	}
	if (len > ep->mbox.size) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS,
				  "fragment_length", len,
				  "exceeds the TX buffer");
	}
	return 0;
}

static int32_t abi_mem_send(struct spmc_abi *abi, struct abi_endpoint *ep,
			    const struct rheap_ffa_call *call,
			    struct rheap_ffa_regs *resp)
{
	const struct rheap_ffa_args_mem_xfer *x = &call->args.mem_xfer;
	struct spmc_send_result res = { 0 };
	const uint8_t *frag = NULL;
	uint32_t emad_size = 0;
	int32_t st = 0;
	int rc = 0;

	/* Unpack checked 1 <= fragment_length <= total_length. */
	if (x->address != 0 || x->page_count != 0) {
		return abi_refuse(abi, FFA_NOT_SUPPORTED, "x3", x->address,
				  "caller-supplied buffers are not supported");
	}
	st = tx_check(abi, ep, x->fragment_length);
	if (st) {
		return st;
	}
	frag = tx_fetch(abi, ep, x->fragment_length);
	/*
	 * Version policy (docs/ffa-abi.md): a v1.1 endpoint sends v1.1
	 * descriptors (16-byte EMADs) only; v1.2 endpoints may use either
	 * layout. A header too short to hold the field is the core's to
	 * refuse.
	 */
	if (x->fragment_length >= ABI_DESC_EMAD_SIZE_OFFSET + 4u) {
		emad_size = wire_get32(frag + ABI_DESC_EMAD_SIZE_OFFSET);
		if (ep->version < FFA_VERSION_1_2 &&
		    emad_size > ABI_EMAD_SIZE_V1_1) {
			st = abi_refuse(abi, FFA_INVALID_PARAMETERS,
					"emad_size", emad_size,
					"is a v1.2 layout from a v1.1 endpoint");
			goto out_wipe;
		}
	}
	rc = spmc_send(abi->spmc, ep->id, mem_abi_of(call->func), frag,
		       x->total_length, x->fragment_length, &res, &abi->diag);
	if (rc) {
		st = abi_status(abi, rc);
		goto out_wipe;
	}
	st = reply_send_result(&res, resp);
out_wipe:
	wire_zero(abi->copy, x->fragment_length);
	return st;
}

static int32_t abi_mem_frag_tx(struct spmc_abi *abi, struct abi_endpoint *ep,
			       const struct rheap_ffa_call *call,
			       struct rheap_ffa_regs *resp)
{
	const struct rheap_ffa_args_frag *f = &call->args.frag;
	struct spmc_send_result res = { 0 };
	const uint8_t *frag = NULL;
	int32_t st = 0;
	int rc = 0;

	/* w4[31:16]: a forwarding hypervisor's sender; we forward nothing. */
	if (f->sender_id != 0 && f->sender_id != ep->id) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "w4",
				  f->sender_id, "names another sender");
	}
	st = tx_check(abi, ep, f->value);
	if (st) {
		return st;
	}
	frag = tx_fetch(abi, ep, f->value);
	rc = spmc_frag_tx(abi->spmc, ep->id, f->handle, frag, f->value, &res,
			  &abi->diag);
	if (rc) {
		st = abi_status(abi, rc);
	} else {
		st = reply_send_result(&res, resp);
	}
	wire_zero(abi->copy, f->value);
	return st;
}

static int32_t abi_mem_reclaim(struct spmc_abi *abi, struct abi_endpoint *ep,
			       const struct rheap_ffa_call *call,
			       struct rheap_ffa_regs *resp)
{
	int rc = spmc_reclaim(abi->spmc, ep->id, call->args.reclaim.handle,
			      call->args.reclaim.flags, &abi->diag);

	if (rc) {
		return abi_status(abi, rc);
	}
	return reply_success(resp, 0, 0);
}

/* ---------------------------------------------------------------------- */
/* Direct messages.                                                       */

/* The response a partition must give to @req_func. */
static uint32_t direct_resp_func(uint32_t req_func)
{
	switch (req_func) {
	case FFA_MSG_SEND_DIRECT_REQ_32:
		return FFA_MSG_SEND_DIRECT_RESP_32;
	case FFA_MSG_SEND_DIRECT_REQ_64:
		return FFA_MSG_SEND_DIRECT_RESP_64;
	default:
		return FFA_MSG_SEND_DIRECT_RESP2;
	}
}

/*
 * Forward a checked request to the partition and check its answer: the
 * response of the same width, from the receiver to the sender (IDs
 * swapped), no framework flags; or an FFA_ERROR, passed on. A partition
 * that answers anything else aborted the request.
 */
static int32_t direct_forward(struct spmc_abi *abi, struct abi_endpoint *ep,
			      const struct rheap_ffa_call *call,
			      uint16_t receiver, struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_regs fwd = { 0 };
	struct rheap_ffa_regs presp = { 0 };
	struct rheap_ffa_call r = { 0 };
	uint16_t from = 0;
	uint16_t to = 0;
	int rc = 0;

	/* Re-packed: the partition sees clean registers, no stray bits. */
	if (rheap_ffa_call_pack(call, &fwd) != 0) {
		return abi_refuse(abi, FFA_ABORTED, "request", call->func,
				  "cannot be re-packed");
	}
	rc = abi->ops->direct_req(abi->ops_ctx, ep->id, receiver, &fwd, &presp);
	if (rc) {
		return abi_refuse(abi, abi_status(abi, rc), "receiver",
				  receiver, "did not take the request");
	}
	if (rheap_ffa_call_unpack(&presp, &r, NULL) != 0) {
		return abi_refuse(abi, FFA_ABORTED, "response", presp.x[0],
				  "is not a valid FF-A message");
	}
	if (r.func == FFA_ERROR) {
		return abi_refuse(abi, r.args.error.status, "response",
				  (uint32_t)r.args.error.status,
				  "the partition refused the request");
	}
	if (r.func != direct_resp_func(call->func)) {
		return abi_refuse(abi, FFA_ABORTED, "response", r.func,
				  "is not the matching direct response");
	}
	if (r.func == FFA_MSG_SEND_DIRECT_RESP2) {
		from = r.args.direct2.sender_id;
		to = r.args.direct2.receiver_id;
	} else {
		from = r.args.direct.sender_id;
		to = r.args.direct.receiver_id;
		if (r.args.direct.flags != 0) {
			return abi_refuse(abi, FFA_ABORTED, "response",
					  r.args.direct.flags,
					  "carries framework flags");
		}
	}
	if (from != receiver || to != ep->id) {
		return abi_refuse(abi, FFA_ABORTED, "response", from,
				  "is not from the receiver to the sender");
	}
	return reply_call(&r, resp);
}

static int32_t abi_direct(struct spmc_abi *abi, struct abi_endpoint *ep,
			  const struct rheap_ffa_call *call,
			  struct rheap_ffa_regs *resp)
{
	const struct rheap_ffa_args_direct *d = &call->args.direct;

	if (d->sender_id != ep->id) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "sender_id",
				  d->sender_id, "is not the caller");
	}
	/* Framework messages come from the SPMD or a hypervisor, not a VM. */
	if (d->flags != 0) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "w2", d->flags,
				  "framework messages are not accepted");
	}
	if (!part_find(abi, d->receiver_id)) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "receiver_id",
				  d->receiver_id, "is not a partition");
	}
	return direct_forward(abi, ep, call, d->receiver_id, resp);
}

static int32_t abi_direct2(struct spmc_abi *abi, struct abi_endpoint *ep,
			   const struct rheap_ffa_call *call,
			   struct rheap_ffa_regs *resp)
{
	const struct rheap_ffa_args_direct2 *d = &call->args.direct2;
	const struct spmc_abi_partition *p = NULL;

	if (d->sender_id != ep->id) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "sender_id",
				  d->sender_id, "is not the caller");
	}
	p = part_find(abi, d->receiver_id);
	if (!p) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "receiver_id",
				  d->receiver_id, "is not a partition");
	}
	/* A nil UUID asks for the partition's default service. */
	if ((d->uuid[0] != 0 || d->uuid[1] != 0) &&
	    !part_uuid_matches_dwords(p, d->uuid)) {
		return abi_refuse(abi, FFA_INVALID_PARAMETERS, "x2", d->uuid[0],
				  "is not the receiver's UUID");
	}
	return direct_forward(abi, ep, call, d->receiver_id, resp);
}

/* ---------------------------------------------------------------------- */
/* Dispatch.                                                              */

static int32_t abi_dispatch(struct spmc_abi *abi, struct abi_endpoint *ep,
			    const struct rheap_ffa_call *call,
			    struct rheap_ffa_regs *resp)
{
	switch (call->func) {
	case FFA_FEATURES:
		return abi_features(abi, ep, call, resp);
	case FFA_ID_GET:
		return reply_success(resp, ep->id, 0);
	case FFA_SPM_ID_GET:
		return reply_success(resp, abi->spmc_id, 0);
	case FFA_PARTITION_INFO_GET:
		return abi_partition_info(abi, ep, call, resp);
	case FFA_RXTX_MAP_32:
	case FFA_RXTX_MAP_64:
		return abi_rxtx_map(abi, ep, call, resp);
	case FFA_RXTX_UNMAP:
		return abi_rxtx_unmap(abi, ep, call, resp);
	case FFA_RX_RELEASE:
		return abi_rx_release(abi, ep, call, resp);
	case FFA_MEM_SHARE_32:
	case FFA_MEM_SHARE_64:
	case FFA_MEM_LEND_32:
	case FFA_MEM_LEND_64:
	case FFA_MEM_DONATE_32:
	case FFA_MEM_DONATE_64:
		return abi_mem_send(abi, ep, call, resp);
	case FFA_MEM_FRAG_TX:
		return abi_mem_frag_tx(abi, ep, call, resp);
	case FFA_MEM_RECLAIM:
		return abi_mem_reclaim(abi, ep, call, resp);
	case FFA_MSG_SEND_DIRECT_REQ_32:
	case FFA_MSG_SEND_DIRECT_REQ_64:
		return abi_direct(abi, ep, call, resp);
	case FFA_MSG_SEND_DIRECT_REQ2:
		return abi_direct2(abi, ep, call, resp);
	default:
		/* abi_func_callable() let through only the IDs above. */
		return abi_refuse(abi, FFA_NOT_SUPPORTED, "w0", call->func,
				  "is not implemented");
	}
}

void spmc_abi_handle(struct spmc_abi *abi, uint16_t caller,
		     const struct rheap_ffa_regs *req,
		     struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_call call = { 0 };
	struct abi_endpoint *ep = NULL;
	uint32_t func = 0;
	int32_t st = 0;
	int rc = 0;

	if (!resp) {
		return;
	}
	regs_zero(resp);
	if (!abi || !req) {
		reply_error(resp, FFA_INVALID_PARAMETERS);
		return;
	}
	abi->diag = (struct rheap_diag){ 0 };
	/* SMCCC: the function ID is w0; x0[63:32] is not part of it. */
	func = (uint32_t)req->x[0];
	if (func == FFA_VERSION) {
		abi_version(abi, caller, req, resp);
		return;
	}
	ep = ep_find(abi, caller);
	if (!ep) {
		st = abi_refuse(abi, FFA_DENIED, "caller", caller,
				"is not a connected endpoint");
		goto out_error;
	}
	ep->version_locked = true;
	if (!abi_func_callable(func, ep->version)) {
		st = abi_refuse(abi, FFA_NOT_SUPPORTED, "w0", func,
				"is not implemented for this caller");
		goto out_error;
	}
	rc = rheap_ffa_call_unpack(req, &call, &abi->diag);
	if (rc) {
		st = spmc_abi_status_from_errno(rc);
		goto out_error;
	}
	st = abi_dispatch(abi, ep, &call, resp);
	if (st < 0) {
		goto out_error;
	}
	abi->diag = (struct rheap_diag){ 0 };
	return;

out_error:
	reply_error(resp, st);
}
