#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed op sequences of tests/fuzz/fuzz_sdp.c (README.md)."""
import os
import struct

REQ, PARAM, BYTES, LEND, FRAMING, TEARDOWN = range(6)
(VERSION, PROTMEM, LENDCFG, ASSIGN, RELEASE, ATTACH, ATTACH_W, DETACH,
 REGISTER, UNREGISTER, INJECT, TRANSFORM, DUMP, DECRYPT, SCRUB) = range(15)
VM1, VM2 = 0, 7


def small(v):  # pick_arg: a value 0..31
    return v & 0x1F


def handle(i):  # pick_arg: low and high half of known handle i
    return 0x20 | i


def buf_id(i):  # pick_arg: known buffer ID i
    return 0x40 | i


def stream(i):  # pick_arg: stream 0x10 * (1 + i)
    return 0x60 | i


def req(cmd, *args, sender=VM1):
    # A handle fills two registers (low and high half) with one byte.
    slots = sum(2 if 0x20 <= a < 0x40 else 1 for a in args)
    return bytes([REQ, sender, cmd] + list(args) + [0] * (4 - slots))


def mref(buf_sel, off, size):  # fill_memref, small form
    return bytes([0, buf_sel]) + struct.pack('<HH', off, size)


PARAM_BUF = 0     # pick_buf: the parameter area
CHUNK0 = 1        # pick_buf: known buffer ID 0
SV_STATIC = 5     # pick_buf: the secure-video static pool


def param(kind, off, *refs, extra=b''):
    return bytes([PARAM, kind]) + struct.pack('<H', off) + extra + b''.join(refs)


def decrypt(off, size, iv16, subs=()):
    sub = (0x40 if iv16 else 0) | len(subs)
    b = bytes([PARAM, 3]) + struct.pack('<H', off) + bytes([sub])
    b += mref(PARAM_BUF, 4096, size) + mref(CHUNK0, 0, size)
    b += bytes(range(0xA0, 0xA0 + (16 if iv16 else 8)))
    if subs:
        b += struct.pack('<H', 256)
        for c, p in subs:
            b += struct.pack('<HH', c, p)
    return b


SEEDS = {
    'configs': req(VERSION) + req(PROTMEM, small(1), small(0)) +
    req(PROTMEM, small(2), small(1)) + req(LENDCFG, small(1)),
    'inject_transform_dump': param(0, 0, mref(PARAM_BUF, 4096, 256),
                                   mref(CHUNK0, 0, 256)) +
    param(2, 64, mref(CHUNK0, 0, 256)) +
    param(1, 128, mref(CHUNK0, 0, 256), mref(PARAM_BUF, 8192, 256)),
    'decrypt_whole_iv16': decrypt(0, 512, True),
    'decrypt_subsamples_iv8': decrypt(0, 300, False,
                                      subs=((100, 32), (12, 156))),
    'attach_detach': req(ATTACH_W, buf_id(0), small(0), small(16), stream(0)) +
    req(ATTACH, buf_id(0), small(0), small(1), stream(1)) +
    req(RELEASE, handle(0)) +
    req(DETACH, stream(0), small(0), small(1)),
    'release_reassign': req(RELEASE, handle(0)) +
    req(ASSIGN, handle(0), small(1)) + req(ASSIGN, handle(1), small(3)) +
    req(ASSIGN, handle(1), small(3)),
    'lend_more': bytes([LEND, 0x20 | 0x08, 15]) + bytes([LEND, 0x40, 15]) +
    req(ASSIGN, handle(3), small(1)) + req(ASSIGN, handle(4), small(1)),
    'teardown_then_use': bytes([TEARDOWN, 0]) +
    param(0, 0, mref(PARAM_BUF, 0, 16), mref(CHUNK0, 0, 16)) +
    req(REGISTER, handle(2)) + req(RELEASE, handle(0)),
    'framing': bytes([FRAMING, 0, 0, 1, 2, 3, 4, 2]) + struct.pack('<I', 5) +
    bytes([FRAMING, 2, 0, 0, 0, 0, 0]) + struct.pack('<I', 1) +
    bytes([FRAMING, 4, 0, 0, 0, 0, 0]) + struct.pack('<I', 0x12345) +
    bytes([FRAMING, 6, 0, 0, 0, 0, 0]) + struct.pack('<H', 0x8002) +
    bytes([FRAMING, 8, 0, 0, 0, 0, 0, 1]) +
    bytes([FRAMING, 11, 0, 0, 0, 0, 0, 3]) + struct.pack('<Q', 1),
    'inject_out_of_bounds': param(0, 0, mref(PARAM_BUF, 65535, 2),
                                  mref(CHUNK0, 65535, 2)) +
    param(0, 48, bytes([0xC0, 0]) + struct.pack('<QQ', 2**64 - 16, 32),
          mref(CHUNK0, 0, 32)),
    'static_pool': param(0, 0, mref(PARAM_BUF, 0, 64), mref(SV_STATIC, 0, 64)) +
    param(2, 64, mref(SV_STATIC, 0, 64)) +
    req(ATTACH, (0x40 | 0x1F), small(0), small(1), stream(0)),
    'scrub': req(SCRUB, buf_id(0), small(0), small(1)) +
    req(ATTACH, buf_id(0), small(1), small(1), stream(0)) +
    req(SCRUB, buf_id(0), small(0), small(2)) +
    req(SCRUB, buf_id(0), small(0), small(0)) +
    req(SCRUB, small(0), small(0), small(1)) +
    req(SCRUB, buf_id(0), small(0), small(1), sender=VM2) +
    req(SCRUB, (0x40 | 0x1F), small(3), small(1)),
    'param_unregister': req(UNREGISTER) + req(REGISTER, handle(2)) +
    req(REGISTER, handle(2)) + bytes([BYTES, 0, 0, 4, 1, 2, 3, 4]) +
    req(UNREGISTER, sender=VM2),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, blob in SEEDS.items():
    with open(os.path.join(here, 'seed_' + name), 'wb') as f:
        f.write(blob)
