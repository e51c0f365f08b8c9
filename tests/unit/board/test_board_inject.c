// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fault injection at the board (src/board/board_inject.h, rheap-board
 * --fault): the SPEC parser against hostile specs, the counting and the
 * answers of board_inject_call(), and a whole board: refused without
 * --debug-dump, a failed call never reaches the SPMC, the NW arms faults
 * at run time only with "guest".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rheap/ffa_abi.h>
#include <rheap/sdp_abi.h>

#include "board/board.h"
#include "board/board_inject.h"
#include "hw/hw_dram.h"
#include "board_test_file.h"

/* The default platform's SDP partition (platforms/default.dts). */
#define SDP_ID 0x8001u

static uint8_t *tl_buf;
static size_t tl_size;

static int load_tl(void **state)
{
	(void)state;
	tl_buf = board_test_read_file(getenv("RHEAP_DEFAULT_TL"), &tl_size);
	return tl_buf ? 0 : -1;
}

static int free_tl(void **state)
{
	(void)state;
	free(tl_buf);
	return 0;
}

static void sdp_req(struct rheap_ffa_regs *r, uint32_t cmd, uint32_t w4,
		    uint32_t w5)
{
	memset(r, 0, sizeof(*r));
	r->x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	r->x[1] = (uint32_t)BOARD_NW_ENDPOINT << 16 | SDP_ID;
	r->x[3] = cmd;
	r->x[4] = w4;
	r->x[5] = w5;
}

static void test_parse_good(void **state)
{
	struct board_inject inj = { 0 };

	(void)state;
	assert_int_equal(board_inject_parse("scrub:1", &inj), 0);
	assert_int_equal(inj.left[BOARD_INJECT_SCRUB], 1);
	assert_false(inj.guest);
	assert_int_equal(
	    board_inject_parse("reclaim:2,lend:3,assign:1000000,guest,scrub:7",
			       &inj),
	    0);
	assert_int_equal(inj.left[BOARD_INJECT_RECLAIM], 2);
	assert_int_equal(inj.left[BOARD_INJECT_LEND], 3);
	assert_int_equal(inj.left[BOARD_INJECT_ASSIGN], 1000000);
	assert_int_equal(inj.left[BOARD_INJECT_SCRUB], 7);
	assert_true(inj.guest);
	assert_int_equal(board_inject_parse("guest", &inj), 0);
	assert_true(inj.guest);
	assert_int_equal(inj.left[BOARD_INJECT_SCRUB], 0);
}

static void test_parse_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		",",
		"scrub",
		"scrub:",
		"scrub:0",
		"scrub:01",
		"scrub:-1",
		"scrub:+1",
		"scrub: 1",
		" scrub:1",
		"scrub:1 ",
		"scrub:1,",
		",scrub:1",
		"scrub:1,,lend:1",
		"scrub:1000001",
		"scrub:4294967297",
		"scrub:99999999999999999999",
		"Scrub:1",
		"scrubs:1",
		"scru:1",
		"release:1",
		"scrub:1,scrub:2",
		"guest,guest",
		"guests",
		"gues",
		"guest:1",
		"scrub:1:1",
		"scrub:1x",
		"scrub:0x10",
		":1",
		"lend:1;reclaim:1",
		"scrub:\xff",
		"assign:1\n",
	};
	struct board_inject inj = { 0 };
	char *lng = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&inj, 0xA5, sizeof(inj));
		assert_int_equal(board_inject_parse(bad[i], &inj), -EINVAL);
		for (uint32_t k = 0; k < BOARD_INJECT_KINDS; k++) {
			assert_int_equal(inj.left[k], 0);
		}
		assert_false(inj.guest);
	}
	assert_int_equal(board_inject_parse(NULL, &inj), -EINVAL);
	assert_int_equal(board_inject_parse("scrub:1", NULL), -EINVAL);
	/* Longer than BOARD_INJECT_SPEC_MAX, though every item is fine. */
	lng = malloc(4096);
	assert_non_null(lng);
	strcpy(lng, "scrub:1");
	while (strlen(lng) <= BOARD_INJECT_SPEC_MAX) {
		strcat(lng, ",guest");
	}
	assert_int_equal(board_inject_parse(lng, &inj), -EINVAL);
	free(lng);
}

static void test_call_counts(void **state)
{
	struct board_inject inj = { 0 };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };

	(void)state;
	assert_int_equal(
	    board_inject_parse("scrub:3,assign:1,lend:2,reclaim:1", &inj), 0);
	/* Other commands and other partitions do not count. */
	sdp_req(&req, SDP_CMD_RELEASE, 0, 0);
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	sdp_req(&req, SDP_CMD_SCRUB, 0, 0);
	req.x[1] = (uint32_t)BOARD_NW_ENDPOINT << 16 | 0x8002u;
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_false(board_inject_call(&inj, 0, &req, &resp));
	/* Framework messages do not count either. */
	sdp_req(&req, SDP_CMD_SCRUB, 0, 0);
	req.x[2] = 1u << 31;
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(inj.left[BOARD_INJECT_SCRUB], 3);

	sdp_req(&req, SDP_CMD_SCRUB, 0, 0);
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	/* The command's flags (w3[31:16]) do not hide it. */
	req.x[3] |= 0x10000u;
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_64;
	memset(&resp, 0xEE, sizeof(resp));
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(resp.x[0], FFA_MSG_SEND_DIRECT_RESP_64);
	assert_int_equal(resp.x[1], (uint64_t)SDP_ID << 16 | BOARD_NW_ENDPOINT);
	assert_int_equal(resp.x[2], 0);
	assert_int_equal(resp.x[3], SDP_STATUS_EPERM);
	for (uint32_t i = 5; i < RHEAP_FFA_REG_COUNT; i++) {
		assert_int_equal(resp.x[i], 0);
	}
	assert_int_equal(inj.fired[BOARD_INJECT_SCRUB], 1);
	/* Once: the next one goes through. */
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));

	sdp_req(&req, SDP_CMD_ASSIGN, 0, 0);
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(resp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	assert_int_equal(resp.x[3], SDP_STATUS_ENOMEM);
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));

	memset(&req, 0, sizeof(req));
	req.x[0] = FFA_MEM_LEND_64;
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	req.x[0] = FFA_MEM_LEND_32;
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(resp.x[0], FFA_ERROR);
	assert_int_equal(resp.x[2], (uint32_t)FFA_NO_MEMORY);

	req.x[0] = FFA_MEM_RECLAIM;
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(resp.x[0], FFA_ERROR);
	assert_int_equal(resp.x[2], (uint32_t)FFA_DENIED);
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(inj.fired[BOARD_INJECT_RECLAIM], 1);

	/* The arming command is the board's only with "guest". */
	sdp_req(&req, BOARD_SDP_CMD_FAULT, BOARD_INJECT_SCRUB, 1);
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_false(board_inject_call(NULL, SDP_ID, &req, &resp));
	assert_false(board_inject_call(&inj, SDP_ID, NULL, &resp));
	assert_false(board_inject_call(&inj, SDP_ID, &req, NULL));
}

static void test_call_guest_arm(void **state)
{
	struct board_inject inj = { 0 };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	static const uint64_t bad[][2] = {
		{ 0, 1 },
		{ BOARD_INJECT_KINDS, 1 },
		{ UINT32_MAX, 1 },
		{ (uint64_t)1 << 32 | BOARD_INJECT_SCRUB, 1 },
		{ BOARD_INJECT_SCRUB, BOARD_INJECT_N_MAX + 1u },
		{ BOARD_INJECT_SCRUB, (uint64_t)1 << 32 | 1u },
	};

	(void)state;
	assert_int_equal(board_inject_parse("guest", &inj), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sdp_req(&req, BOARD_SDP_CMD_FAULT, 0, 0);
		req.x[4] = bad[i][0];
		req.x[5] = bad[i][1];
		assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
		assert_int_equal(resp.x[3], SDP_STATUS_EINVAL);
	}
	for (uint32_t k = 0; k < BOARD_INJECT_KINDS; k++) {
		assert_int_equal(inj.left[k], 0);
	}
	sdp_req(&req, BOARD_SDP_CMD_FAULT, BOARD_INJECT_SCRUB, 2);
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(resp.x[3], SDP_STATUS_OK);
	assert_int_equal(resp.x[4], 0);
	sdp_req(&req, SDP_CMD_SCRUB, 0, 0);
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	/* w4 of the answer: faults fired so far; N = 0 disarms. */
	sdp_req(&req, BOARD_SDP_CMD_FAULT, BOARD_INJECT_SCRUB, 1);
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	assert_int_equal(resp.x[4], 1);
	sdp_req(&req, BOARD_SDP_CMD_FAULT, BOARD_INJECT_SCRUB, 0);
	assert_true(board_inject_call(&inj, SDP_ID, &req, &resp));
	sdp_req(&req, SDP_CMD_SCRUB, 0, 0);
	assert_false(board_inject_call(&inj, SDP_ID, &req, &resp));
}

static int make_board(const char *spec, bool debug_dump, struct board **b,
		      FILE *log)
{
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };

	opts.log = log;
	opts.debug_dump = debug_dump;
	opts.fault_spec = spec;
	return board_create(tl_buf, tl_size, &opts, b);
}

static void test_board_refuses(void **state)
{
	struct board *b = NULL;
	FILE *log = tmpfile();

	(void)state;
	assert_non_null(log);
	assert_int_equal(make_board("scrub:1", false, &b, log), -EINVAL);
	assert_null(b);
	assert_int_equal(make_board("scrub:0", true, &b, log), -EINVAL);
	assert_null(b);
	fclose(log);
}

static void test_board_calls(void **state)
{
	struct board *b = NULL;
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	FILE *log = tmpfile();
	uint16_t ep = 0;

	(void)state;
	assert_non_null(log);
	assert_int_equal(make_board("reclaim:1,guest", true, &b, log), 0);
	assert_int_equal(board_nw_connect(b, &ep), 0);

	/* An unknown handle: DENIED by the fault, then the SPMC's answer. */
	req.x[0] = FFA_MEM_RECLAIM;
	req.x[1] = 0x1234;
	assert_int_equal(board_call(b, ep, &req, &resp), 0);
	assert_int_equal(resp.x[0], FFA_ERROR);
	assert_int_equal(resp.x[2], (uint32_t)FFA_DENIED);
	assert_int_equal(board_call(b, ep, &req, &resp), 0);
	assert_int_equal(resp.x[0], FFA_ERROR);
	assert_int_equal(resp.x[2], (uint32_t)FFA_INVALID_PARAMETERS);

	/* Armed from the NW: the next GET_VERSION is not affected. */
	sdp_req(&req, BOARD_SDP_CMD_FAULT, BOARD_INJECT_LEND, 1);
	assert_int_equal(board_call(b, ep, &req, &resp), 0);
	assert_int_equal(resp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	assert_int_equal(resp.x[3], SDP_STATUS_OK);
	sdp_req(&req, SDP_CMD_GET_VERSION, 0, 0);
	assert_int_equal(board_call(b, ep, &req, &resp), 0);
	assert_int_equal(resp.x[3], SDP_STATUS_OK);
	assert_int_equal(resp.x[4], SDP_ABI_VERSION_MAJOR);
	memset(&req, 0, sizeof(req));
	req.x[0] = FFA_MEM_LEND_32;
	assert_int_equal(board_call(b, ep, &req, &resp), 0);
	assert_int_equal(resp.x[0], FFA_ERROR);
	assert_int_equal(resp.x[2], (uint32_t)FFA_NO_MEMORY);
	board_destroy(b);
	b = NULL;

	/* Without "guest" the arming command reaches the partition. */
	assert_int_equal(make_board("scrub:5", true, &b, log), 0);
	assert_int_equal(board_nw_connect(b, &ep), 0);
	sdp_req(&req, BOARD_SDP_CMD_FAULT, BOARD_INJECT_LEND, 1);
	assert_int_equal(board_call(b, ep, &req, &resp), 0);
	assert_int_equal(resp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	assert_int_equal(resp.x[3], SDP_STATUS_EOPNOTSUPP);
	board_destroy(b);
	fclose(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_call_counts),
		cmocka_unit_test(test_call_guest_arm),
		cmocka_unit_test(test_board_refuses),
		cmocka_unit_test(test_board_calls),
	};

	return cmocka_run_group_tests(tests, load_tl, free_tl);
}
