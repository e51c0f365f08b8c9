#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seeds of tests/fuzz/fuzz_decrypt.c: capacity, mode, info."""
import os
import struct

KID = bytes(range(0x40, 0x50))


def info(iv_size, subs, iv=None, count=None):
    iv = iv if iv is not None else bytes(range(1, iv_size + 1))
    iv = iv.ljust(16, b'\0')
    n = len(subs) if count is None else count
    out = KID + iv + struct.pack('<II', iv_size, n)
    for clear, prot in subs:
        out += struct.pack('<II', clear, prot)
    return out


def seed(cap, mode, body):
    return struct.pack('<I', cap) + bytes([mode]) + body


SEEDS = {
    # The whole sample protected, n from the KID's first bytes, cut at 96.
    'seed_whole_split': seed(100, 1, info(16, [])),
    # 8-byte IV, clear runs between short protected runs.
    'seed_subs_split': seed(64, 1, info(8, [(3, 5)] * 40)),
    # Cannot split: 20 protected bytes behind 60 clear in a 70-byte area.
    'seed_overflow': seed(70, 1, info(16, [(0, 10), (60, 10), (60, 10)])),
    # The full map, the widest clear size, one piece.
    'seed_full_map': seed(0xFFFFF, 1, info(16, [(65535, 16)] + [(1, 2)] * 255)),
    # IV counter wrapping modulo 2^64.
    'seed_iv_wrap': seed(32, 1, info(16, [(0, 64)], iv=b'\1' * 8 + b'\xff' * 8)),
    # Refusals: size off by one, IV tail set, clear above 65535, n mismatch.
    'seed_bad_size': seed(100, 1, info(16, [(0, 16)], count=2)),
    'seed_bad_iv_tail': seed(100, 1, info(8, [(0, 16)], iv=b'\1' * 9)),
    'seed_bad_clear': seed(100, 1, info(16, [(65536, 16)])),
    'seed_bad_total': seed(100, 0, info(16, [(4, 16)])),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, data in SEEDS.items():
    with open(os.path.join(here, name), 'wb') as f:
        f.write(data)
