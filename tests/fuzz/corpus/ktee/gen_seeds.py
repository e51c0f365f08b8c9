#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed operation sequences of tests/fuzz/fuzz_ktee.c."""
import os
import struct

OPEN, CLOSE, REGISTER, RELEASE, CANCEL, INVOKE, RAW, GONE = range(8)
C2 = 0x80  # second client
NONE, V_IN, T_IN, T_OUT, T_INOUT = 0, 1, 5, 6, 7
P_IN, P_OUT, P_INOUT = 0xD, 0xE, 0xF
BUF_SPAN, BUF_PAGE, BUF_SYS, BUF_DENIED, NO_FD = range(5)
SPAN_SIZE = 5 * 4096


def op_open(basic=True, login=0, client=0):
    return bytes([OPEN | client, 1 if basic else 0, login, 0])


def op_register(buf, client=0):
    return bytes([REGISTER | client, buf])


def param(ty, a=0, b=0, shm=0, wide=False):
    out = bytes([ty, 1 if wide else 0])
    if ty >= P_IN:
        out += bytes([shm])
    if wide:
        return out + struct.pack('<QQ', a, b)
    return out + struct.pack('<HH', a, b)


def op_invoke(cmd, params, data_size=0, session=0, client=0):
    params = list(params) + [param(NONE)] * (4 - len(params))
    return (bytes([INVOKE | client]) + struct.pack('<H', data_size) +
            bytes([session, cmd]) + b''.join(params))


def op_invoke_data(cmd, params, data, session=0, client=0):
    """An invocation whose data area comes from the seed (cmd bit 7)."""
    params = list(params) + [param(NONE)] * (4 - len(params))
    return (bytes([INVOKE | client]) + struct.pack('<H', len(data)) +
            bytes([session, cmd | 0x80]) + b''.join(params) + data)


DECRYPT = 4


def info(subs, iv=b'\1' * 8, kid=bytes(16)):
    return (kid + iv.ljust(16, b'\0') + struct.pack('<II', len(iv), len(subs)) +
            b''.join(struct.pack('<II', c, p) for c, p in subs))


N = 5000
S = 3000
SUBS = [(5, 1000), (0, 17), (1978, 0)]
SEEDS = {
    'decrypt_temp_subsamples': op_open() + op_register(BUF_SPAN) +
    op_invoke_data(DECRYPT, [param(T_IN, 0, S), param(P_OUT, 100, S, shm=0),
                             param(T_IN, S, 40 + 8 * len(SUBS))],
                   bytes(range(256)) * 11 + bytes(S - 2816) + info(SUBS)),
    'decrypt_system_whole': op_open() + op_register(BUF_SPAN) +
    op_register(BUF_SYS) +
    op_invoke_data(DECRYPT, [param(P_IN, 0, 4096, shm=1),
                             param(P_OUT, 0, 4096, shm=0),
                             param(T_IN, 0, 40)], info([], iv=b'\7' * 16)),
    'decrypt_across_extents': op_open() + op_register(BUF_SPAN) +
    op_invoke_data(DECRYPT, [param(T_IN, 0, 64),
                             param(P_OUT, 3 * 4096 - 32, 64, shm=0),
                             param(T_IN, 64, 40)], bytes(64) + info([])),
    'decrypt_bad_map': op_open() + op_register(BUF_PAGE) +
    op_invoke_data(DECRYPT, [param(T_IN, 0, 64), param(P_OUT, 0, 64, shm=0),
                             param(T_IN, 64, 48)],
                   bytes(64) + info([(70000, 0)])),
    'decrypt_no_key': op_open() + op_register(BUF_PAGE) +
    op_invoke_data(DECRYPT, [param(T_IN, 0, 64), param(P_OUT, 0, 64, shm=0),
                             param(T_IN, 64, 40)],
                   bytes(64) + info([], kid=b'\xee' * 16)),
    'inject_transform_dump': op_open() + op_register(BUF_SPAN) +
    op_invoke(0, [param(T_IN, 0, N), param(P_OUT, 200, N, shm=0)], N) +
    op_invoke(1, [param(P_INOUT, 200, N, shm=0)]) +
    op_invoke(2, [param(P_IN, 200, N, shm=0), param(T_OUT, 0, N)], N),
    'out_of_bounds': op_open() + op_register(BUF_SPAN) + op_register(BUF_SYS) +
    op_invoke(0, [param(P_IN, 0, 2, shm=1),
                  param(P_OUT, SPAN_SIZE - 1, 2, shm=0)]) +
    op_invoke(0, [param(P_IN, 0, 5000, shm=1),
                  param(P_OUT, SPAN_SIZE - 1, 5000, shm=0)]) +
    op_invoke(0, [param(P_IN, 0, 1, shm=1), param(P_OUT, SPAN_SIZE, 1, shm=0)]) +
    op_invoke(0, [param(P_IN, 0, 4096, shm=1),
                  param(P_OUT, SPAN_SIZE, 4096, shm=0)]) +
    op_invoke(0, [param(P_IN, 0, 2**64 - 1, shm=1, wide=True),
                  param(P_OUT, 2, 2**64 - 1, shm=0, wide=True)]),
    'refusals': op_open() + op_register(BUF_PAGE) + op_register(BUF_SYS) +
    op_invoke(1, [param(T_INOUT, 0, 16)], 64) +
    op_invoke(1, [param(P_INOUT, 0, 16, shm=1)]) +
    op_invoke(0, [param(T_IN, 0, 64), param(P_OUT, 0, 16, shm=0)], 64) +
    op_invoke(3, [param(V_IN, 1, 2)]) + op_register(BUF_DENIED) +
    op_register(NO_FD) + op_open(basic=False, login=2),
    'teardown': op_open() + op_open(client=C2) + op_register(BUF_SPAN) +
    op_register(BUF_PAGE, client=C2) + bytes([GONE]) +
    bytes([RELEASE, 0]) + bytes([RELEASE | C2, 1]) + bytes([CLOSE, 0]) +
    bytes([CANCEL | C2, 1, 9]) + bytes([GONE | C2]),
    'raw': bytes([RAW, 0x10]) + struct.pack('<H', 24) + bytes([1]) + bytes(24) +
    bytes([RAW, 0x12]) + struct.pack('<H', 151) + bytes([1]) + bytes(151) +
    bytes([RAW, 0x13]) + struct.pack('<H', 0) + bytes([0]) +
    bytes([RAW, 0x14]) + struct.pack('<H', 8) + bytes([1]) + bytes(8) +
    bytes([RAW, 0x02]) + struct.pack('<H', 3) + bytes([1, 1, 2, 3]),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, blob in SEEDS.items():
    with open(os.path.join(here, 'seed_' + name), 'wb') as f:
        f.write(blob)
