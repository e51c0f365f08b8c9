// SPDX-License-Identifier: BSD-2-Clause
/* The board transport's 144-byte frame: 18 little-endian u64 registers. */
#include <stdint.h>

#include "board/board_msg.h"
#include "common/wire.h"

void board_msg_encode(const struct rheap_ffa_regs *regs,
		      uint8_t buf[BOARD_MSG_SIZE])
{
	for (unsigned int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
		wire_put64(buf + 8u * i, regs->x[i]);
	}
}

void board_msg_decode(const uint8_t buf[BOARD_MSG_SIZE],
		      struct rheap_ffa_regs *regs)
{
	for (unsigned int i = 0; i < RHEAP_FFA_REG_COUNT; i++) {
		regs->x[i] = wire_get64(buf + 8u * i);
	}
}
