#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed corpus of fuzz_mbox (operations: tests/fuzz/fuzz_mbox.c)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CALL, HEADER, BYTES, RXTX, LEND, SDP, RECLAIM, SOCK, RING = range(9)
RXTX_MAP = bytes([RXTX, 0x00, 0x00])           # TX/RX at 1 MiB, 1 page
LEND_DYN = bytes([LEND, 0x00, 1, 0, 3])        # LEND 4 pages of the pool
SHARE_DYN = bytes([LEND, 0x01, 1, 4, 0])
DONATE_DYN = bytes([LEND, 0x02, 1, 8, 0])
ASSIGN = bytes([SDP, 0, 3, 1, 0])
RELEASE = bytes([SDP, 0, 4, 0, 0])
RECLAIM0 = bytes([RECLAIM, 0, 0])
DEATH = bytes([SOCK, 0, 0])                    # write side shut: EOF

seeds = {
    'calls': b''.join(bytes([CALL, i]) + bytes(7) for i in range(18)),
    'raw_call': bytes([0x90]) + struct.pack('<Q', 0x840000FF) + bytes(7),
    'lend_cycle': RXTX_MAP + LEND_DYN + ASSIGN + RECLAIM0 + RELEASE +
    RECLAIM0,
    'death_mid_lend': RXTX_MAP + LEND_DYN + SHARE_DYN + ASSIGN + DEATH +
    RXTX_MAP + LEND_DYN + RECLAIM0,
    'donate_then_death': RXTX_MAP + DONATE_DYN + DEATH + bytes([RING]),
    'header_garbage': bytes([HEADER, 0]) + struct.pack('<Q', 0xdeadbeef) +
    bytes([HEADER, 5]) + struct.pack('<Q', 7) + bytes([HEADER, 6]) +
    struct.pack('<Q', 7) + bytes([RING]),
    'bytes_x': bytes([BYTES, 32, 0, 40]) + bytes(range(40)) + bytes([RING]),
    'client_bytes': bytes([SOCK, 7]) + bytes(range(1, 9)) + bytes([CALL, 2]) +
    bytes(7),
    'lend_bad_addr': RXTX_MAP + bytes([LEND, 0, 3, 0, 0, LEND, 0, 6, 0, 0,
                                       LEND, 0x80, 1, 0, 0, 20, 0xff]),
    'rxtx_bad': bytes([RXTX, 0x13, 0, RXTX, 0x37, 1, 0x81]),
}
for name, data in seeds.items():
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data)
