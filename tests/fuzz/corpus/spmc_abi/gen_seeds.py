#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed op sequences of tests/fuzz/fuzz_spmc_abi.c (README.md)."""
import os
import struct

VM1, VM2, HYP, VM3, SP1 = 0, 1, 5, 6, 7  # indexes into k_callers
(RAW, MAP, UNMAP, SEND, FRAG_TX, RAW_TX, RECLAIM, TEARDOWN, RETRIEVE, RELINQ,
 FRAG_RX, FAULT) = range(12)
SHARE32, SHARE64, LEND32, LEND64, DONATE32, DONATE64 = range(6)


def op(caller, kind, *payload):
    return bytes([caller, kind]) + bytes(payload)


def mapbox(caller=VM1):
    return op(caller, MAP, 0)


def send(caller, func, ranges, two_rcv=False, rcv=0, flags=0, tag=0, mut=0,
         muts=()):
    shape = func | (8 if two_rcv else 0) | (rcv << 4) | ((len(ranges) - 1) << 6)
    b = op(caller, SEND, shape, flags, tag)
    for page, pages in ranges:
        b += bytes([page, pages - 1])
    b += bytes([mut])
    for at, x in muts:
        b += struct.pack('<HB', at, x)
    return b


def reclaim(caller, h=0, flags=0):
    return op(caller, RECLAIM, h, flags)


def retrieve(sp=0, h=0, ro=False, clear_rel=False):
    sel = sp | (0 if clear_rel else 2) | (8 if ro else 0)
    return op(VM1, RETRIEVE, sel, 0, h)


def relinquish(sp=0, h=0, clear=False):
    return op(VM1, RELINQ, sp | (0x20 if clear else 0), h)


def raw(caller, func_idx, *regs):
    return op(caller, RAW, func_idx, len(regs)) + b''.join(
        struct.pack('<Q', r) for r in regs)


SEEDS = {
    'lend_reclaim': mapbox() + send(VM1, LEND64, [(20, 1)]) + reclaim(VM1),
    'lend_retrieve_relinquish': mapbox() + send(VM1, LEND32, [(20, 2)]) +
    retrieve() + reclaim(VM1) + relinquish() + reclaim(VM1),
    'share_two_borrowers': mapbox() +
    send(VM1, SHARE64, [(30, 1)], two_rcv=True) + retrieve(0) +
    retrieve(1) + relinquish(0) + reclaim(VM1) + relinquish(1) +
    reclaim(VM1),
    'donate_retrieve': mapbox() + send(VM1, DONATE64, [(40, 1)]) +
    retrieve() + reclaim(VM1),
    'fragmented_lend': mapbox() +
    send(VM1, LEND64, [(20, 1), (22, 2), (26, 1), (30, 3)], mut=0x80 | 3 << 2) +
    op(VM1, FRAG_TX, 1) * 2 + retrieve() +
    op(VM1, FRAG_RX, 0, 0, 0, 0, 2),
    'orphan_hyp_reclaim': mapbox() + send(VM1, LEND64, [(20, 4)]) +
    retrieve() + op(VM1, TEARDOWN, 0) + op(VM1, TEARDOWN, 1) +
    reclaim(VM1) + mapbox(HYP) + reclaim(HYP),
    'pool_clear_sp_dies': mapbox() +
    send(VM1, LEND64, [(96, 2)], flags=1) + retrieve(clear_rel=True) +
    op(VM1, TEARDOWN, 1) + reclaim(VM1, 0, 1),
    'fault_mid_protect': mapbox() + op(VM1, FAULT, 1) +
    send(VM1, LEND64, [(20, 1), (40, 1), (60, 1)]) +
    send(VM1, LEND64, [(20, 1), (40, 1), (60, 1)]) +
    op(VM1, FAULT, 0) + reclaim(VM1),
    'raw_calls': raw(VM1, 4, 0x10001) + raw(VM1, 5, 0x84000072) +
    raw(VM1, 11) + raw(VM1, 10, 0, 0, 0, 0, 0) +
    raw(VM1, 15, 0x00018001, 0, 1, 2, 3, 4, 5) + raw(SP1, 11) +
    raw(VM3, 4, 0x10002),
    'raw_tx_garbage': mapbox() + op(VM1, RAW_TX, 2, 64, 0) + bytes(range(64)) +
    op(VM1, RAW_TX, 0xC6, 16, 0, 1, 0xFF, 0, 0) + bytes(16),
    'overlap_and_carveout': mapbox() + mapbox(VM2) +
    send(VM1, LEND64, [(20, 4)]) + send(VM2, LEND64, [(22, 1)]) +
    send(VM1, SHARE64, [(120, 1)]) + send(VM1, LEND64, [(0, 1)]) +
    reclaim(VM2) + reclaim(VM1),
    'frag_abort_stale': mapbox() +
    send(VM1, SHARE64, [(20, 1), (22, 1), (24, 1)], mut=0x80 | 3 << 2) +
    op(VM1, FRAG_TX, 0x80 | 0x40, 0xC0, 3) + reclaim(VM1) +
    op(VM1, FRAG_TX, 0x01) + reclaim(VM1, 0xC0, 0),
    'mutated_send': mapbox() +
    send(VM1, LEND64, [(20, 1)], mut=3, muts=((4, 0x80), (36, 1), (70, 8))) +
    reclaim(VM1),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, blob in SEEDS.items():
    with open(os.path.join(here, 'seed_' + name), 'wb') as f:
        f.write(blob)
