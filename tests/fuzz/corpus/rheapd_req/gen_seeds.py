#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Seeds of fuzz_rheapd_req (layout in tests/fuzz/fuzz_rheapd_req.c): byte 0
= flags (bit 0 an fd came, bit 1 a policy file follows), then a datagram of
include/rheap/rheapd_uapi.h or a policy document. Written from the header,
not from rheapd's code."""
import os
import struct

MAGIC = 0x44504852
HERE = os.path.dirname(os.path.abspath(__file__))


def hdr(op, version=1, status=0, magic=MAGIC, seq=1):
    return struct.pack("<IHHIi", magic, version, op, seq, status)


def alloc(heap, data):
    return struct.pack("<II", heap, len(data)) + data


def heap_data(length, fd=0, fd_flags=2, heap_flags=0):
    return struct.pack("<QIIQ", length, fd, fd_flags, heap_flags)


def attach(device, flags=1, reserved=0):
    return device.ljust(32, b"\0")[:32] + struct.pack("<II", flags, reserved)


def device(name, cmd, args=(), reserved=0, reserved2=0):
    a = list(args) + [0] * (8 - len(args))
    return (name.ljust(32, b"\0")[:32] + struct.pack("<II", cmd, reserved)
            + struct.pack("<8Q", *a) + struct.pack("<Q", reserved2))


SEEDS = {
    "heap_list": b"\0" + hdr(0x01),
    "status": b"\0" + hdr(0x20),
    "import_fd": b"\1" + hdr(0x03),
    "import_no_fd": b"\0" + hdr(0x03),
    "alloc_24": b"\0" + hdr(0x02) + alloc(0, heap_data(5000)),
    "alloc_16_older": b"\0" + hdr(0x02) + alloc(0, heap_data(4096)[:16]),
    "alloc_larger_garbage": b"\0" + hdr(0x02)
    + alloc(3, heap_data(4096) + b"\xff" * 40),
    "alloc_fd_nonzero": b"\0" + hdr(0x02) + alloc(0, heap_data(4096, fd=3)),
    "alloc_fd_flags_bad": b"\0" + hdr(0x02)
    + alloc(0, heap_data(4096, fd_flags=0xffffffff)),
    "alloc_heap_flags_bad": b"\0" + hdr(0x02)
    + alloc(0, heap_data(4096, heap_flags=1)),
    "alloc_len_wraps": b"\0" + hdr(0x02) + alloc(0, heap_data(2**64 - 1)),
    "alloc_size_mismatch": b"\0" + hdr(0x02) + struct.pack("<II", 0, 30)
    + heap_data(4096),
    "attach_vdec": b"\1" + hdr(0x04) + attach(b"vdec"),
    "attach_unterminated": b"\1" + hdr(0x04) + attach(b"v" * 32),
    "attach_reserved": b"\1" + hdr(0x04) + attach(b"gpu", reserved=1),
    "detach": b"\0" + hdr(0x05) + struct.pack("<Q", 1),
    "device_vdec_open_cfg": b"\1" + hdr(0x06)
    + device(b"vdec", 0x0101, (1, 0, 0, 40, 320, 240, 1)),
    "device_vdec_open_nocfg": b"\0" + hdr(0x06)
    + device(b"vdec", 0x0101, (1, 0, 0, 0, 320, 240, 1)),
    "device_vdec_open_addr": b"\1" + hdr(0x06)
    + device(b"vdec", 0x0101, (1, 0x80000000, 0, 40, 320, 240, 1)),
    "device_vdec_open_big": b"\1" + hdr(0x06)
    + device(b"vdec", 0x0101, (1, 0, 0, 65537, 320, 240, 1)),
    "device_queue_out": b"\0" + hdr(0x06)
    + device(b"vdec", 0x0102, (257, 7, 3, 0, 460800)),
    "device_decode_eos": b"\0" + hdr(0x06)
    + device(b"vdec", 0x0103, (257, 0, 0, 0, 1)),
    "device_receive_fd": b"\1" + hdr(0x06) + device(b"vdec", 0x0104, (257,)),
    "device_show": b"\0" + hdr(0x06)
    + device(b"display", 0x0202, (1, 4, 0, 115200, 33)),
    "device_gpu_read": b"\1" + hdr(0x06)
    + device(b"gpu", 0x0301, (0, 0, 4096)),
    "device_gpu_no_fd": b"\0" + hdr(0x06)
    + device(b"gpu", 0x0301, (0, 0, 4096)),
    "device_unknown_cmd": b"\0" + hdr(0x06) + device(b"vdec", 0x0199),
    "device_reserved2": b"\0" + hdr(0x06)
    + device(b"vdec", 0x0104, (1,), reserved2=1),
    "device_unterminated": b"\0" + hdr(0x06) + device(b"d" * 32, 0x0104),
    "tee_open": b"\0" + hdr(0x10) + bytes(16) + struct.pack("<II", 0, 0),
    "bad_magic": b"\0" + hdr(0x01, magic=0x12345678),
    "bad_version": b"\0" + hdr(0x01, version=2),
    "bad_status": b"\0" + hdr(0x01, status=-1),
    "unknown_op": b"\0" + hdr(0x7F),
    "short": b"\0RHPD",
    "policy_full": b"\2" + b'{"heaps": {"protected,trusted-ui": {"uids": [0, 1000],'
    b' "gids": [44]}}, "quota": {"default": 67108864, "uids": {"1000": 0}}}',
    "policy_bad_uid_key": b"\2" + b'{"quota": {"uids": {"01": 1}}}',
    "policy_unknown_key": b"\2" + b'{"heaps": {"system": {"users": []}}}',
}

for name, blob in SEEDS.items():
    with open(os.path.join(HERE, "seed_" + name), "wb") as f:
        f.write(blob)
