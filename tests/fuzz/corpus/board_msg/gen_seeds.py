#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed frame sequences of tests/fuzz/fuzz_board_msg.c (README.md)."""
import os
import struct

RAW, HELLO, STATUS, FFA, SIZE, FD, BOARD, DEVICE, EXT = range(9)
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


VM = 3
# k_vm_ids of the target: 0x0002, 0x7FFF, 0x0003, 0x0000, 0x0001 (the
# host's), 0x8000 (the SPMC's), 0x8001 (the SDP partition's), 0xFFFF,
# 0x10002, 2^64 - 1; a pick >= 0xF0 reads the ID from 8 input bytes.
V_MIN, V_MAX, V_3, V_ZERO, V_HOST, V_SPMC, V_SDP, V_FFFF, V_WIDE, V_U64 = \
    range(10)


def vm_hello(pick, raw=None, mbz=None):
    sel = VM | 0x20
    b = bytes([pick if raw is None else 0xF0])
    if raw is not None:
        b += struct.pack('<Q', raw)
    if mbz is not None:
        sel |= 0x40  # x12 (register index (0x40 | 0x20) >> 2 % 15 = 9)
        b += struct.pack('<Q', mbz)
    return bytes([HELLO, sel]) + b


HYP_SEL = 0x10  # kind 0 with sel bit 0x10: HELLO kind 4 (hypervisor)
SEED_VM = 5     # the lingering VM every input starts with (one orphan)
# k_board_ids of the target: HYP_RECLAIM is entry 7.
B_HYP_RECLAIM = 7


def hyp_reclaim(*regs):
    """HYP_RECLAIM with x1.. = regs (each one input byte)."""
    return bytes([BOARD, B_HYP_RECLAIM | len(regs) << 4]) + bytes(regs)


def ffa(func, *regs):
    return bytes([FFA, func | len(regs) << 4]) + b''.join(
        struct.pack('<Q', x) for x in regs)


# DEVICE: stream and command by index into the target's tables.
S_VDEC, S_DISPLAY, S_GPU, S_DMA, S_UNKNOWN = range(5)
C_OPEN, C_QUEUE, C_DECODE, C_RECEIVE, C_CLOSE, C_DOPEN, C_SHOW, C_DCLOSE, \
    C_GPU, C_BAD = range(10)


def arg(v):
    if v < 0x80:
        return bytes([v])
    return bytes([0x80]) + struct.pack('<Q', v)


def device(stream, cmd, args, mbz=None):
    how = cmd | (0x40 if mbz is not None else 0)
    b = bytes([DEVICE, stream, how])
    b += b''.join(arg(a) for a in (list(args) + [0] * 8)[:8])
    if mbz is not None:
        b += bytes([mbz[0]]) + struct.pack('<Q', mbz[1])
    return b


CTX = 1 << 8 | 1  # first decoder context on a fresh board


# EXT: message (0 EXT_MAP, 1 EXT_UNMAP, 2 SMMU_NS) and fds (0 none,
# 1 the memfd, 2 two, 3 /dev/null), as build_ext() reads them.
E_MAP, E_UNMAP, E_SMMU = range(3)
F_NONE, F_MEMFD, F_TWO, F_NULL = range(4)


def ext_map(pages, fds=F_MEMFD, mbz=None):
    how = 0x40 if mbz is not None else 0
    b = bytes([EXT, E_MAP | fds << 2, how, pages])
    if mbz is not None:
        b += bytes([mbz[0]]) + struct.pack('<Q', mbz[1])
    return b


def ext_unmap(last=True, fds=F_NONE):
    # last: the window EXT_MAP gave last; else EXT_BASE + 1 page
    how = 0 if last else 0x20
    return bytes([EXT, E_UNMAP | fds << 2, how]) + (b'' if last else b'\x01')


def smmu_ns(stream, iova_pages, pa, pages, flags, mbz=None):
    # pa: 'last' (the last window), 'pool' (the carve-out) or an int
    how = (0x40 if mbz is not None else 0) | \
        (0x10 if pa == 'pool' else 0) | (0x20 if isinstance(pa, int) else 0)
    b = bytes([EXT, E_SMMU, how, stream, iova_pages])
    if isinstance(pa, int):
        b += struct.pack('<Q', pa)
    b += bytes([pages - 1, flags])
    if mbz is not None:
        b += bytes([mbz[0]]) + struct.pack('<Q', mbz[1])
    return b


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
    'device_vdec': hello(NW) +
    device(S_VDEC, C_OPEN, [2, 0, 0, 0, 64, 64, 1]) +
    device(S_VDEC, C_RECEIVE, [CTX]) +
    device(S_VDEC, C_QUEUE, [CTX, 1, 0, 0, 6144]) +
    device(S_VDEC, C_DECODE, [CTX, 0x1000, 1, 100]) +
    device(S_VDEC, C_DECODE, [CTX, 0, 0, 0, 1]) +
    device(S_VDEC, C_RECEIVE, [CTX]) +
    device(S_VDEC, C_CLOSE, [CTX]),
    'device_display': hello(NW) +
    device(S_DISPLAY, C_DOPEN, [3, 1, 64, 64, 1, 25, 1]) +
    device(S_DISPLAY, C_SHOW, [1, 0x1000, 1, 6144, 5]) +
    device(S_DISPLAY, C_DCLOSE, [1]),
    'device_gpu': hello(NW) +
    device(S_GPU, C_GPU, [0x80000000, 0, 4096]) +
    device(S_GPU, C_GPU, [0xe0000000, 0, 4096]),
    'device_hostile': hello(NW) +
    device(S_VDEC, C_OPEN, [1, 0, 0, 0, 64, 64, 1], mbz=(3, 1)) +
    device(S_UNKNOWN, C_OPEN, [1, 0, 0, 0, 64, 64, 1]) +
    device(S_DMA, C_GPU, [0x80000000, 0, 4096]) +
    device(S_VDEC, C_BAD, []) +
    device(S_VDEC, C_OPEN, [1, 0xe0000000, 0, 64, 64, 64, 1]) +
    device(S_VDEC, C_QUEUE, [CTX, 1, 0xffffffffffffff00, 0, 0x1000]),
    'device_operator': hello(OPERATOR) + device(S_VDEC, C_RECEIVE, [CTX]),
    'ext_map_smmu': hello(NW) + ext_map(2) + smmu_ns(S_VDEC, 1, 'last', 2, 3) +
    smmu_ns(S_DISPLAY, 1, 'last', 2, 1) + ext_unmap() +
    smmu_ns(S_VDEC, 1, 0, 2, 0) + smmu_ns(S_DISPLAY, 1, 0, 2, 0) +
    ext_unmap(),
    'ext_hostile': hello(NW) + ext_map(2, fds=F_NONE) + ext_map(2, fds=F_TWO) +
    ext_map(2, fds=F_NULL) + ext_map(0) + ext_map(5) +
    ext_map(1, mbz=(3, 7)) + ext_unmap(last=False) +
    ext_unmap(fds=F_MEMFD) + smmu_ns(S_UNKNOWN, 0, 'last', 1, 1) +
    smmu_ns(S_VDEC, 0, 'pool', 1, 7) + smmu_ns(S_GPU, 0, 'pool', 1, 3) +
    smmu_ns(S_GPU, 0, 'pool', 1, 3) + smmu_ns(S_VDEC, 0, 1, 1, 1, mbz=(2, 1)),
    'ext_teardown': hello(NW) + ext_map(4) + ext_map(1) +
    smmu_ns(S_GPU, 3, 'last', 1, 1),
    'ext_operator': hello(OPERATOR) + ext_map(1),
    'vm_calls': vm_hello(V_MIN) + ffa(VERSION, 0x10002) + ffa(ID_GET) +
    device(S_VDEC, C_OPEN, [2, 0, 0, 0, 64, 64, 1]) +
    device(S_VDEC, C_CLOSE, [CTX]) + ext_map(1) +
    smmu_ns(S_DISPLAY, 1, 'last', 1, 1),
    'vm_max_teardown': vm_hello(V_MAX) + ext_map(2) +
    smmu_ns(S_VDEC, 1, 'last', 2, 3) +
    device(S_VDEC, C_OPEN, [2, 0, 0, 0, 64, 64, 1]) +
    device(S_DISPLAY, C_DOPEN, [1, 0, 64, 64, 1, 25, 1]),
    'vm_id_zero': hello(VM),
    'vm_id_host': vm_hello(V_HOST),
    'vm_id_spmc': vm_hello(V_SPMC),
    'vm_id_sdp': vm_hello(V_SDP),
    'vm_id_wide': vm_hello(V_WIDE),
    'vm_id_u64': vm_hello(V_U64),
    'vm_id_input': vm_hello(0, raw=0x8002),
    'vm_mbz': vm_hello(V_3, mbz=1),
    'vm_then_fd': vm_hello(V_3) + ffa(ID_GET) + bytes([FD, VM]),
    'hyp_reclaim': bytes([HELLO, HYP_SEL]) + hyp_reclaim(SEED_VM) +
    hyp_reclaim(SEED_VM) + bytes([STATUS, 0]),
    'hyp_reclaim_refused': bytes([HELLO, HYP_SEL]) + hyp_reclaim(0) +
    hyp_reclaim(1) + hyp_reclaim(SEED_VM, 1) + hyp_reclaim(3) +
    hyp_reclaim(SEED_VM, 0, 2) + hyp_reclaim(SEED_VM),
    'hyp_reclaim_nw': hello(NW) + hyp_reclaim(SEED_VM) + ffa(ID_GET),
    'hyp_reclaim_vm': vm_hello(V_3) + hyp_reclaim(SEED_VM),
    'hyp_reclaim_operator': hello(OPERATOR) + hyp_reclaim(SEED_VM),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, blob in SEEDS.items():
    with open(os.path.join(here, 'seed_' + name), 'wb') as f:
        f.write(blob)
