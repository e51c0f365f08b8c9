#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Seeds for fuzz_play_enc: 4 bytes of sample size (LE), then side data in
libavutil's AVEncryptionInfo serialisation (big-endian u32 scheme,
crypt_byte_block, skip_byte_block, key_id_size, iv_size, subsample_count,
then the key ID, the IV, and (clear, protected) u32 pairs), written from
that layout, independently of play_enc.c. Run from this directory."""
import struct


def side(scheme=b"cenc", crypt=0, skip=0, kid=bytes(range(16)),
         iv=bytes(range(0xa0, 0xa8)), subs=(), kid_size=None, iv_size=None,
         count=None):
    head = scheme + struct.pack(">IIIII", crypt, skip,
                                len(kid) if kid_size is None else kid_size,
                                len(iv) if iv_size is None else iv_size,
                                len(subs) if count is None else count)
    body = kid + iv + b"".join(struct.pack(">II", c, p) for c, p in subs)
    return head + body


def seed(name, sample_size, data):
    with open(name, "wb") as f:
        f.write(struct.pack("<I", sample_size) + data)


seed("good_subsamples", 277, side(subs=[(5, 256), (7, 9)]))
seed("good_whole_iv16", 1000, side(iv=bytes(range(16))))
seed("good_256_subsamples", 256, side(subs=[(1, 0)] * 256))
seed("good_clear_max", 65535 + 16, side(subs=[(65535, 16)]))
seed("bad_scheme_cbcs", 8, side(scheme=b"cbcs", subs=[(4, 4)]))
seed("bad_pattern", 32, side(crypt=1, skip=9))
seed("bad_kid_8", 8, side(kid=bytes(8), subs=[(4, 4)]))
seed("bad_iv_12", 8, side(iv=bytes(12), subs=[(4, 4)]))
seed("bad_sum_short", 278, side(subs=[(5, 256), (7, 9)]))
seed("bad_257_subsamples", 257, side(subs=[(1, 0)] * 257))
seed("bad_clear_65536", 65536, side(subs=[(65536, 0)]))
seed("bad_count_beyond_data", 8, side(subs=[(4, 4)], count=1000))
seed("bad_kid_size_huge", 8, side(kid_size=0xffffffff))
seed("bad_truncated", 277, side(subs=[(5, 256), (7, 9)])[:-1])
seed("bad_sum_wraps", 0, side(subs=[(0, 0xffffffff), (1, 0)]))
