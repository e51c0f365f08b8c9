// SPDX-License-Identifier: BSD-2-Clause
/* Fault injection at the board (board_inject.h). */
#include "board/board_inject.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rheap/ffa_abi.h>
#include <rheap/sdp_abi.h>

static const char *const board_inject_names[BOARD_INJECT_KINDS] = {
	[BOARD_INJECT_SCRUB] = "scrub",
	[BOARD_INJECT_RECLAIM] = "reclaim",
	[BOARD_INJECT_LEND] = "lend",
	[BOARD_INJECT_ASSIGN] = "assign",
};

/* Decimal 1..BOARD_INJECT_N_MAX, exactly @len digits, no sign or space. */
static int board_inject_num(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 7 || s[0] == '0') {
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -EINVAL;
		}
		v = v * 10u + (uint32_t)(s[i] - '0');
	}
	if (v > BOARD_INJECT_N_MAX) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int board_inject_item(const char *s, size_t len,
			     struct board_inject *inj)
{
	const char *colon = memchr(s, ':', len);
	size_t name_len = colon ? (size_t)(colon - s) : len;
	uint32_t n = 0;

	if (!colon) {
		if (len != 5 || memcmp(s, "guest", 5) != 0 || inj->guest) {
			return -EINVAL;
		}
		inj->guest = true;
		return 0;
	}
	for (uint32_t k = 1; k < BOARD_INJECT_KINDS; k++) {
		const char *name = board_inject_names[k];

		if (strlen(name) != name_len ||
		    memcmp(s, name, name_len) != 0) {
			continue;
		}
		if (inj->left[k] != 0 ||
		    board_inject_num(colon + 1, len - name_len - 1, &n) != 0) {
			return -EINVAL;
		}
		inj->left[k] = n;
		return 0;
	}
	return -EINVAL;
}

int board_inject_parse(const char *spec, struct board_inject *out)
{
	struct board_inject inj = { 0 };
	size_t len = 0;
	size_t start = 0;

	if (!out) {
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (!spec) {
		return -EINVAL;
	}
	len = strnlen(spec, BOARD_INJECT_SPEC_MAX + 1u);
	if (len == 0 || len > BOARD_INJECT_SPEC_MAX) {
		return -EINVAL;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i < len && spec[i] != ',') {
			continue;
		}
		if (board_inject_item(spec + start, i - start, &inj) != 0) {
			return -EINVAL;
		}
		start = i + 1;
	}
	*out = inj;
	return 0;
}

/* Counts one matching call of @kind; true when it is the armed one. */
static bool board_inject_due(struct board_inject *inj, uint32_t kind)
{
	if (inj->left[kind] == 0) {
		return false;
	}
	inj->left[kind]--;
	if (inj->left[kind] != 0) {
		return false;
	}
	inj->fired[kind]++;
	return true;
}

static void board_inject_ffa_error(struct rheap_ffa_regs *resp, int32_t err)
{
	memset(resp, 0, sizeof(*resp));
	resp->x[0] = FFA_ERROR;
	resp->x[2] = (uint32_t)err;
}

static void board_inject_direct_resp(const struct rheap_ffa_regs *req,
				     struct rheap_ffa_regs *resp,
				     uint32_t status, uint32_t w4)
{
	uint32_t ids = (uint32_t)req->x[1];

	memset(resp, 0, sizeof(*resp));
	resp->x[0] = (uint32_t)req->x[0] == FFA_MSG_SEND_DIRECT_REQ_64
			 ? FFA_MSG_SEND_DIRECT_RESP_64
			 : FFA_MSG_SEND_DIRECT_RESP_32;
	resp->x[1] = (ids >> 16) | (ids & 0xFFFFu) << 16;
	resp->x[3] = status;
	resp->x[4] = w4;
}

/* BOARD_SDP_CMD_FAULT: w4 = kind, w5 = N (0 disarms). */
static void board_inject_arm(struct board_inject *inj,
			     const struct rheap_ffa_regs *req,
			     struct rheap_ffa_regs *resp)
{
	uint64_t kind = req->x[4];
	uint64_t n = req->x[5];

	if (kind == 0 || kind >= BOARD_INJECT_KINDS || n > BOARD_INJECT_N_MAX) {
		board_inject_direct_resp(req, resp, SDP_STATUS_EINVAL, 0);
		return;
	}
	inj->left[kind] = (uint32_t)n;
	board_inject_direct_resp(req, resp, SDP_STATUS_OK,
				 (uint32_t)inj->fired[kind]);
}

bool board_inject_call(struct board_inject *inj, uint16_t sdp_id,
		       const struct rheap_ffa_regs *req,
		       struct rheap_ffa_regs *resp)
{
	uint32_t func = 0;
	uint32_t cmd = 0;

	if (!inj || !req || !resp) {
		return false;
	}
	func = (uint32_t)req->x[0];
	switch (func) {
	case FFA_MEM_LEND_32:
	case FFA_MEM_LEND_64:
		if (!board_inject_due(inj, BOARD_INJECT_LEND)) {
			return false;
		}
		board_inject_ffa_error(resp, FFA_NO_MEMORY);
		return true;
	case FFA_MEM_RECLAIM:
		if (!board_inject_due(inj, BOARD_INJECT_RECLAIM)) {
			return false;
		}
		board_inject_ffa_error(resp, FFA_DENIED);
		return true;
	case FFA_MSG_SEND_DIRECT_REQ_32:
	case FFA_MSG_SEND_DIRECT_REQ_64:
		break;
	default:
		return false;
	}
	/* Only well-formed requests to the SDP partition. */
	if (sdp_id == 0 || (uint16_t)req->x[1] != sdp_id ||
	    (uint32_t)req->x[2] != 0) {
		return false;
	}
	cmd = (uint32_t)req->x[3] & SDP_CMD_MASK;
	if (cmd == BOARD_SDP_CMD_FAULT && inj->guest) {
		board_inject_arm(inj, req, resp);
		return true;
	}
	if (cmd == SDP_CMD_SCRUB && board_inject_due(inj, BOARD_INJECT_SCRUB)) {
		board_inject_direct_resp(req, resp, SDP_STATUS_EPERM, 0);
		return true;
	}
	if (cmd == SDP_CMD_ASSIGN &&
	    board_inject_due(inj, BOARD_INJECT_ASSIGN)) {
		board_inject_direct_resp(req, resp, SDP_STATUS_ENOMEM, 0);
		return true;
	}
	return false;
}
