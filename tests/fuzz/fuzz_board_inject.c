// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the board's fault injection (src/board/board_inject.h):
 * the --fault SPEC parser and board_inject_call() on hostile registers.
 *
 * Input: a SPEC up to the first NUL byte, then register sets of 8 x 8
 * bytes (x0..x7; x8..x17 zero). These properties must hold, else abort():
 *  - a rejected SPEC leaves the state all zero; an accepted one is at most
 *    BOARD_INJECT_SPEC_MAX bytes and arms counts of at most
 *    BOARD_INJECT_N_MAX;
 *  - board_inject_call() answers only LEND, RECLAIM or a direct request to
 *    the SDP partition, with FFA_ERROR or the matching direct response;
 *  - a fault fires exactly when a count goes from 1 to 0; fired counts
 *    only grow; without "guest" a count never grows.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/ffa_abi.h>

#include "board/board_inject.h"

#define SDP_ID 0x8001u
#define REGS 8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static void check_call(struct board_inject *inj,
		       const struct rheap_ffa_regs *req)
{
	struct board_inject before = *inj;
	struct rheap_ffa_regs resp = { 0 };
	uint32_t func = (uint32_t)req->x[0];
	bool direct = func == FFA_MSG_SEND_DIRECT_REQ_32 ||
		      func == FFA_MSG_SEND_DIRECT_REQ_64;
	uint64_t fired = 0;

	if (board_inject_call(inj, SDP_ID, req, &resp)) {
		check(func == FFA_MEM_LEND_32 || func == FFA_MEM_LEND_64 ||
		      func == FFA_MEM_RECLAIM || direct);
		if (direct) {
			check((uint16_t)req->x[1] == SDP_ID);
			check(resp.x[0] == (func == FFA_MSG_SEND_DIRECT_REQ_64
						? FFA_MSG_SEND_DIRECT_RESP_64
						: FFA_MSG_SEND_DIRECT_RESP_32));
		} else {
			check(resp.x[0] == FFA_ERROR);
		}
	}
	for (uint32_t k = 0; k < BOARD_INJECT_KINDS; k++) {
		check(inj->fired[k] >= before.fired[k]);
		check(inj->left[k] <= BOARD_INJECT_N_MAX);
		if (!inj->guest) {
			check(inj->left[k] <= before.left[k]);
		}
		if (inj->fired[k] != before.fired[k]) {
			check(before.left[k] == 1 && inj->left[k] == 0);
		}
		fired += inj->fired[k] - before.fired[k];
	}
	check(fired <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct board_inject inj = { 0 };
	struct rheap_ffa_regs req = { 0 };
	const uint8_t *nul = memchr(data, 0, size);
	size_t spec_len = nul ? (size_t)(nul - data) : size;
	char *spec = malloc(spec_len + 1);
	size_t off = nul ? spec_len + 1 : size;

	check(spec != NULL);
	memcpy(spec, data, spec_len);
	spec[spec_len] = '\0';
	if (board_inject_parse(spec, &inj) != 0) {
		for (uint32_t k = 0; k < BOARD_INJECT_KINDS; k++) {
			check(inj.left[k] == 0 && inj.fired[k] == 0);
		}
		check(!inj.guest);
		/* Still drive the calls: a disarmed state must stay quiet. */
	} else {
		check(spec_len <= BOARD_INJECT_SPEC_MAX);
		for (uint32_t k = 0; k < BOARD_INJECT_KINDS; k++) {
			check(inj.left[k] <= BOARD_INJECT_N_MAX);
		}
	}
	free(spec);
	while (size - off >= REGS * 8u) {
		memset(&req, 0, sizeof(req));
		memcpy(req.x, data + off, REGS * 8u);
		off += REGS * 8u;
		/* Steer w0 towards the interesting IDs most of the time. */
		switch (req.x[0] & 7u) {
		case 0:
			req.x[0] = FFA_MEM_LEND_32;
			break;
		case 1:
			req.x[0] = FFA_MEM_RECLAIM;
			break;
		case 2:
		case 3:
			req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
			req.x[1] = (req.x[1] & ~0xFFFFull) | SDP_ID;
			break;
		default:
			break;
		}
		check_call(&inj, &req);
	}
	return 0;
}
