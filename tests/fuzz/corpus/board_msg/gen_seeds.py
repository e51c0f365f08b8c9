#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed frame sequences of tests/fuzz/fuzz_board_msg.c (README.md)."""
import os
import struct

RAW, HELLO, STATUS, FFA, SIZE, FD, BOARD = range(7)
NW, OPERATOR = 1, 2
VERSION, FEATURES, ID_GET = 0, 1, 2


def hello(kind, version=None, mbz=None):
    sel = kind
    b = b''
    if version is not None:
        sel |= 0x80
        b += struct.pack('<Q', version)
    if mbz is not None:
        reg, val = mbz  # register 3 + reg
        sel |= 0x40 | reg << 2
        b += struct.pack('<Q', val)
    return bytes([HELLO, sel]) + b


def ffa(func, *regs):
    return bytes([FFA, func | len(regs) << 4]) + b''.join(
        struct.pack('<Q', x) for x in regs)


def sized(n, fill=0):
    return bytes([SIZE, n & 0xFF, n >> 8]) + bytes([fill]) * n


SEEDS = {
    'nw_calls': hello(NW) + ffa(VERSION, 0x10002) + ffa(ID_GET) +
    ffa(FEATURES, 0x84000072) + ffa(12),
    'operator_status': hello(OPERATOR) + bytes([STATUS, 0]) * 2 +
    bytes([STATUS, 0x80 | 3]) + struct.pack('<Q', 1),
    'hello_bad_version': hello(NW, version=2),
    'hello_bad_kind': hello(3),
    'hello_mbz': hello(NW, mbz=(4, 1)),
    'hello_with_fd': bytes([FD, NW]),
    'not_hello_first': ffa(VERSION, 0x10001),
    'short_frame': sized(143),
    'long_frame': hello(NW) + sized(145),
    'empty_datagram': hello(OPERATOR) + sized(0),
    'nw_then_fd': hello(NW) + ffa(ID_GET) + bytes([FD, NW]),
    'board_ids': hello(OPERATOR) + bytes([BOARD, 0x11, 5]),
    'raw_frame': bytes([RAW, 0]) + struct.pack('<QQQ', 0x52480001, 1, 1) +
    bytes(120) + ffa(ID_GET),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, blob in SEEDS.items():
    with open(os.path.join(here, 'seed_' + name), 'wb') as f:
        f.write(blob)
