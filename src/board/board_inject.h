/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fault injection at the board (debug boards only: rheap-board --fault,
 * docs/board-transport.md). It defeats nothing of the platform's
 * protection: a call it fails is answered with an error before the SPMC
 * or the SDP partition sees it, so no secure state changes. It exists so
 * that the normal world's failure paths (a failed SCRUB, RECLAIM, LEND or
 * ASSIGN) can run in tests.
 *
 * SPEC (at most BOARD_INJECT_SPEC_MAX bytes): a comma-separated list of
 *   scrub:N | reclaim:N | lend:N | assign:N   the Nth such call from now
 *                                             (1..BOARD_INJECT_N_MAX)
 *                                             answers an error, once
 *   guest                                     the NW may arm faults at
 *                                             run time with the SDP
 *                                             request BOARD_SDP_CMD_FAULT
 * each kind at most once, no spaces, no empty items.
 *
 * BOARD_SDP_CMD_FAULT (w3[15:0], a direct request to the SDP partition,
 * answered by the board itself when "guest" is armed; otherwise it reaches
 * the partition, which answers EOPNOTSUPP): w4 = enum board_inject_kind,
 * w5 = N (0 disarms that kind). Response w3 = 0 or SDP_STATUS_EINVAL;
 * w4 = how many faults of that kind fired so far.
 *
 * Answers of a failed call: SCRUB -> SDP_STATUS_EPERM, ASSIGN ->
 * SDP_STATUS_ENOMEM, LEND (32/64) -> FFA_ERROR NO_MEMORY, RECLAIM ->
 * FFA_ERROR DENIED.
 */
#ifndef RHEAP_SRC_BOARD_BOARD_INJECT_H
#define RHEAP_SRC_BOARD_BOARD_INJECT_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/ffa_regs.h>

#define BOARD_INJECT_SPEC_MAX 256u
#define BOARD_INJECT_N_MAX 1000000u
#define BOARD_SDP_CMD_FAULT 0xFF01u

/**
 * enum board_inject_kind - what a fault fails
 * @BOARD_INJECT_SCRUB:   SDP_CMD_SCRUB
 * @BOARD_INJECT_RECLAIM: FFA_MEM_RECLAIM
 * @BOARD_INJECT_LEND:    FFA_MEM_LEND_32/64
 * @BOARD_INJECT_ASSIGN:  SDP_CMD_ASSIGN
 */
enum board_inject_kind {
	BOARD_INJECT_SCRUB = 1,
	BOARD_INJECT_RECLAIM = 2,
	BOARD_INJECT_LEND = 3,
	BOARD_INJECT_ASSIGN = 4,
};

#define BOARD_INJECT_KINDS 5u /* index 0 unused */

/**
 * struct board_inject - armed faults
 * @left:  per kind: 0 disarmed; N: the Nth matching call fails
 * @fired: per kind: faults answered so far
 * @guest: the NW may arm faults (BOARD_SDP_CMD_FAULT)
 */
struct board_inject {
	uint32_t left[BOARD_INJECT_KINDS];
	uint64_t fired[BOARD_INJECT_KINDS];
	bool guest;
};

/**
 * board_inject_parse() - decode a --fault SPEC
 * @spec: NUL-terminated SPEC (untrusted)
 * @out:  out: the armed state (zeroed first; untouched bytes on error are
 *        zero)
 *
 * Return: 0; -EINVAL if @spec is malformed, too long, names a kind twice
 * or an N out of range.
 */
int board_inject_parse(const char *spec, struct board_inject *out);

/**
 * board_inject_call() - fail this call if a fault is due
 * @inj:    the armed state
 * @sdp_id: the SDP partition's endpoint ID (0: none)
 * @req:    the caller's registers (untrusted)
 * @resp:   out: the answer, written only when this returns true
 *
 * Counts matching calls; answers the Nth one (and BOARD_SDP_CMD_FAULT when
 * @inj->guest) itself.
 *
 * Return: true if @resp holds the answer and the call must not go on.
 */
bool board_inject_call(struct board_inject *inj, uint16_t sdp_id,
		       const struct rheap_ffa_regs *req,
		       struct rheap_ffa_regs *resp);

#endif /* RHEAP_SRC_BOARD_BOARD_INJECT_H */
