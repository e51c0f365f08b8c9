#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generate the FF-A memory descriptor golden vectors.

The builders here are written independently of rheap's C encoder, from the
layout tables (FF-A v1.1 Tables 10.13-10.20, v1.2 Table 10.17) and from the
*shapes* that Linux's arm_ffa driver (ffa_setup_and_transmit) and Hafnium
(ffa_memory_region_init) emit: 48-byte header, EMADs at offset 48, the
composite right after the EMAD array, constituents to the end.

Outputs, relative to this directory:
  v1_1/*.bin, v1_2/*.bin  accepted descriptors
  bad/*.bin               hostile descriptors, one rule broken per file
  manifest.h              C table consumed by tests/unit/ffa/test_ffa.c
  README.md               the same table for humans

Usage: gen_vectors.py [outdir]   (default: the directory of this script)
Only the standard library is used; output is deterministic.
"""

import os
import struct
import sys

HDR = 48
V1_1 = 0x10001
V1_2 = 0x10002
EMAD_SIZE = {V1_1: 16, V1_2: 32}
PAGE = 4096

# Memory region attributes (FF-A v1.1 Table 10.18).
ATTR_NORMAL_WB_ISH = 0x2F  # Linux: FFA_MEM_NORMAL|FFA_MEM_WRITE_BACK|INNER_SHAREABLE
ATTR_NS = 0x40
# Permissions byte (Table 10.15).
RO, RW, NX, X = 0x1, 0x2, 0x4, 0x8
# Transaction flags (Tables 10.21/10.22).
F_CLEAR, F_TIME_SLICE, F_CLEAR_RELINQUISH = 0x1, 0x2, 0x4
F_TYPE_SHARE, F_TYPE_LEND, F_TYPE_DONATE = 1 << 3, 2 << 3, 3 << 3
F_ALIGN_HINT_VALID = 0x200
F_BYPASS = 0x400


class Desc:
    """A descriptor description; build() turns it into bytes."""

    def __init__(self, version=V1_1, sender=0x0001, attrs=0, flags=0,
                 handle=0, tag=0, receivers=(), ranges=(), emad_offset=HDR,
                 composite_gap=0, gap_fill=0x00, retrieve_req=False,
                 total_pages=None):
        self.version = version
        self.sender = sender
        self.attrs = attrs
        self.flags = flags
        self.handle = handle
        self.tag = tag
        # (endpoint, permissions, emad_flags, impdef bytes)
        self.receivers = [r if len(r) == 4 else (r[0], r[1], 0, b"")
                          for r in receivers]
        self.ranges = list(ranges)  # (address, page_count)
        self.emad_offset = emad_offset
        self.composite_gap = composite_gap
        self.gap_fill = gap_fill
        self.retrieve_req = retrieve_req
        self.total_pages = total_pages

    def build(self):
        esize = EMAD_SIZE.get(self.version, 16)
        count = len(self.receivers)
        emad_end = self.emad_offset + count * esize
        comp_off = 0 if self.retrieve_req else emad_end + self.composite_gap
        out = bytearray(struct.pack(
            "<HHIQQIII12x", self.sender, self.attrs, self.flags,
            self.handle, self.tag, esize, count, self.emad_offset))
        # Gap bytes carry no meaning; fill them to prove they are not read.
        out += bytes([self.gap_fill]) * (self.emad_offset - HDR)
        for ep, perm, eflags, impdef in self.receivers:
            emad = struct.pack("<HBBI", ep, perm, eflags, comp_off)
            if esize == 32:
                emad += impdef.ljust(16, b"\0")[:16] + bytes(8)
            else:
                emad += bytes(8)
            out += emad
        if self.retrieve_req:
            return bytes(out)
        out += bytes([self.gap_fill]) * self.composite_gap
        pages = self.total_pages
        if pages is None:
            pages = sum(p for _, p in self.ranges) & 0xFFFFFFFF
        out += struct.pack("<II8x", pages, len(self.ranges))
        for addr, pcount in self.ranges:
            out += struct.pack("<QI4x", addr, pcount)
        return bytes(out)


def linux_send(version, func, sender, receivers, ranges, tag=0, flags=0):
    """The shape of Linux ffa_setup_and_transmit() (one fragment)."""
    # Linux: LEND sends attributes 0 (borrower decides), others Normal WB ISH.
    attrs = 0 if func == "lend" else ATTR_NORMAL_WB_ISH
    return Desc(version=version, sender=sender, attrs=attrs, flags=flags,
                tag=tag, receivers=receivers, ranges=ranges)


def hafnium_send(version, sender, attrs, receivers, ranges, tag, flags=0):
    """The shape of Hafnium ffa_memory_region_init() (one fragment)."""
    return Desc(version=version, sender=sender, attrs=attrs, flags=flags,
                tag=tag, receivers=receivers, ranges=ranges)


def impdef(seed):
    return bytes((seed * 7 + i * 13 + 1) & 0xFF for i in range(16))


def relinquish(handle, flags, endpoints, pad=0):
    out = struct.pack("<QII", handle, flags, len(endpoints))
    out += b"".join(struct.pack("<H", e) for e in endpoints)
    return out + bytes(pad)


def patch(buf, off, fmt, value):
    b = bytearray(buf)
    struct.pack_into("<" + fmt, b, off, value)
    return bytes(b)


def ranges_seq(n, base=0x8000_0000, pages=1, stride=2):
    return [(base + i * stride * PAGE, pages) for i in range(n)]


# name, abi, bytes, errno, diag field, canonical (our encoder reproduces it)
VECTORS = []


def good(path, abi, data, canonical, note):
    VECTORS.append((path, abi, data, "0", None, canonical, note))


def bad(path, abi, data, err, field, note):
    VECTORS.append((path, abi, data, err, field, False, note))


def build_good():
    rx1 = [(0x8001, RW)]
    # --- v1.1: Linux shapes ---
    good("v1_1/linux_lend_1rx.bin", "lend",
         linux_send(V1_1, "lend", 0x0001, rx1,
                    [(0x8800_0000, 16), (0x8802_0000, 1), (0x9000_0000, 256)],
                    tag=1).build(), True,
         "Linux LEND, attrs 0, tag 1 (secure video), 3 ranges")
    good("v1_1/linux_share_2rx.bin", "share",
         linux_send(V1_1, "share", 0x0001, [(0x8001, RW), (0x8002, RO)],
                    [(0x4000_0000, 4)], tag=2).build(), True,
         "Linux SHARE, Normal WB ISH, two receivers")
    good("v1_1/linux_lend_clear_ts.bin", "lend",
         linux_send(V1_1, "lend", 0x0001, rx1, [(0x8800_0000, 8)], tag=3,
                    flags=F_CLEAR | F_TIME_SLICE).build(), True,
         "LEND with CLEAR and TIME_SLICE")
    good("v1_1/donate_1rx.bin", "donate",
         Desc(sender=0x0001, receivers=[(0x8003, 0)],
              ranges=[(0xA000_0000, 32)]).build(), True,
         "DONATE, type and access not specified")
    good("v1_1/lend_adjacent.bin", "lend",
         Desc(sender=0x0001, receivers=rx1,
              ranges=[(0x8000_0000, 2), (0x8000_2000, 3),
                      (0x8000_5000, 1)]).build(), True,
         "adjacent ranges (not an overlap)")
    good("v1_1/lend_unsorted.bin", "lend",
         Desc(sender=0x0001, receivers=rx1,
              ranges=[(0x9000_0000, 1), (0x8000_0000, 4),
                      (0x8800_0000, 2)]).build(), True,
         "out-of-order, disjoint ranges (pairwise overlap path)")
    good("v1_1/lend_300_ranges.bin", "lend",
         Desc(sender=0x0001, tag=7, receivers=rx1,
              ranges=ranges_seq(300)).build(), True,
         "300 one-page ranges")
    good("v1_1/lend_64rx.bin", "lend",
         Desc(sender=0x0001, attrs=ATTR_NORMAL_WB_ISH,
              receivers=[(0x8000 + i, RW if i % 2 else RO)
                         for i in range(1, 65)],
              ranges=[(0x8000_0000, 1)]).build(), True,
         "64 receivers (the maximum)")
    good("v1_1/share_high_addr.bin", "share",
         Desc(sender=0x0001, attrs=ATTR_NORMAL_WB_ISH, receivers=rx1,
              ranges=[(0x0020_0000_0000_1000, 1),
                      (0xFFFF_FFFF_FFFF_0000, 16)]).build(), True,
         "addresses above 2^53; last range ends exactly at 2^64")
    good("v1_1/gap_emad64.bin", "lend",
         Desc(sender=0x0001, receivers=rx1, ranges=[(0x8000_0000, 1)],
              emad_offset=64, gap_fill=0xA5).build(), False,
         "EMAD array at 64 (16-byte gap of junk after the header)")
    good("v1_1/gap_composite.bin", "lend",
         Desc(sender=0x0001, receivers=[(0x8001, RW), (0x8002, RW)],
              ranges=[(0x8000_0000, 2)], composite_gap=16,
              gap_fill=0x5A).build(), False,
         "16-byte gap before the composite")
    good("v1_1/retrieve_req.bin", "retrieve_req",
         Desc(sender=0x0001, attrs=0, flags=F_TYPE_LEND,
              handle=0x0000_0000_0000_0042, tag=1,
              receivers=[(0x8001, RW | NX)], retrieve_req=True).build(), True,
         "retrieve request for a LEND")
    good("v1_1/retrieve_req_hint.bin", "retrieve_req",
         Desc(sender=0x0001, flags=F_TYPE_LEND | F_CLEAR_RELINQUISH |
              (3 << 5) | F_ALIGN_HINT_VALID, handle=0x8000_0000_0000_0007,
              tag=1, receivers=[(0x8001, RW)], retrieve_req=True).build(),
         True, "retrieve request with alignment hint and CLEAR_RELINQUISH")
    good("v1_1/retrieve_resp.bin", "retrieve_resp",
         Desc(sender=0x0001, attrs=ATTR_NORMAL_WB_ISH | ATTR_NS,
              flags=F_TYPE_SHARE, handle=0xFFFF_FFC0, tag=2,
              receivers=[(0x8001, RW | NX)],
              ranges=[(0x4000_0000, 4)]).build(), True,
         "retrieve response with the NS bit, handle above 2^31")
    # --- v1.2 ---
    good("v1_2/linux_lend_1rx.bin", "lend",
         linux_send(V1_2, "lend", 0x0001, rx1,
                    [(0x8800_0000, 16), (0x9000_0000, 256)], tag=1).build(),
         True, "Linux LEND with 32-byte EMADs")
    good("v1_2/hafnium_share_impdef.bin", "share",
         hafnium_send(V1_2, 0x0001, ATTR_NORMAL_WB_ISH,
                      [(0x8001, RO, 0, impdef(1)),
                       (0x8002, RW, 0, impdef(2))],
                      [(0x6000_0000, 8)], tag=0x1234).build(), True,
         "Hafnium SHARE, non-zero implementation-defined EMAD bytes")
    good("v1_2/hafnium_lend_3rx.bin", "lend",
         hafnium_send(V1_2, 0x8005, ATTR_NORMAL_WB_ISH,
                      [(0x8001, RW, 0, impdef(3)), (0x8002, RW, 0, b""),
                       (0x0001, RO, 0, impdef(4))],
                      [(0x7000_0000, 1), (0x7000_1000, 1)], tag=9).build(),
         True, "SP lends to three endpoints")
    good("v1_2/lend_3038_ranges.bin", "lend",
         Desc(version=V1_2, sender=0x0001, tag=1, receivers=rx1,
              ranges=ranges_seq(3038, base=0x1_0000_0000)).build(), True,
         "3038 ranges: a 4K NV12 frame in 4 KiB pages")
    good("v1_2/gap_both.bin", "share",
         Desc(version=V1_2, sender=0x0001, attrs=ATTR_NORMAL_WB_ISH,
              receivers=[(0x8001, RW, 0, impdef(5))],
              ranges=[(0x0020_0000_0000_1000, 3)], emad_offset=80,
              composite_gap=32, gap_fill=0xEE).build(), False,
         "gaps before the EMADs and before the composite")
    good("v1_2/retrieve_req_bypass.bin", "retrieve_req",
         Desc(version=V1_2, sender=0x0001, flags=F_TYPE_SHARE | F_BYPASS,
              handle=0x42, tag=2,
              receivers=[(0x8001, RW, 1, impdef(6)), (0x8002, RO, 1, b"")],
              retrieve_req=True).build(), True,
         "retrieve request with the v1.2 bypass bit, non-retrieval flags")
    good("v1_2/retrieve_resp.bin", "retrieve_resp",
         Desc(version=V1_2, sender=0x0001, flags=F_TYPE_LEND | F_CLEAR,
              handle=0x8000_0000_0000_0001, tag=1,
              receivers=[(0x8001, RW | NX, 0, impdef(7))],
              ranges=[(0x8800_0000, 16), (0x8802_0000, 1)]).build(), True,
         "retrieve response for a cleared LEND")
    good("v1_1/relinquish_1ep.bin", "relinquish",
         relinquish(0x42, 0, [0x8001]), True, "relinquish by one endpoint")
    good("v1_1/relinquish_3ep_pad.bin", "relinquish",
         relinquish(0x8000_0000_0000_0009, 0x3, [0x8001, 0x8002, 0x0001],
                    pad=10), False,
         "relinquish, three endpoints, CLEAR|TIME_SLICE, TX padding after")


def build_bad():
    base = Desc(sender=0x0001, receivers=[(0x8001, RW)],
                ranges=[(0x8000_0000, 2), (0x8000_4000, 1)])
    ok = base.build()
    two = Desc(sender=0x0001, receivers=[(0x8001, RW), (0x8002, RW)],
               ranges=[(0x8000_0000, 1)]).build()
    # Offsets inside `ok` (1 receiver, v1.1): EMAD at 48, composite at 64.
    E, C, K = 48, 64, 80

    def B(name, abi, data, err, field, note):
        bad("bad/" + name + ".bin", abi, data, err, field, note)

    B("short_header", "lend", ok[:40], "EINVAL", "total_length",
      "40 bytes: shorter than the header")
    B("v1_0_layout", "lend", patch(ok, 24, "I", 0), "EOPNOTSUPP",
      "emad_size", "EMAD size 0: FF-A v1.0 layout")
    B("emad_size_24", "lend", patch(ok, 24, "I", 24), "EINVAL", "emad_size",
      "EMAD size not a multiple of 16")
    B("emad_size_48", "lend", patch(ok, 24, "I", 48), "EOPNOTSUPP",
      "emad_size", "unknown (future) EMAD size")
    B("emad_count_0", "lend", patch(ok, 28, "I", 0), "EINVAL", "emad_count",
      "no receivers")
    B("emad_count_huge", "lend", patch(ok, 28, "I", 0xFFFFFFFF), "EINVAL",
      "emad_count", "count x size overflows 32 bits")
    B("emad_count_65", "lend",
      Desc(sender=0x0001, receivers=[(0x8000 + i, RW) for i in range(1, 66)],
           ranges=[(0x8000_0000, 1)]).build(), "EINVAL", "emad_count",
      "one more than RHEAP_FFA_MAX_RECEIVERS")
    B("emad_offset_in_header", "lend", patch(ok, 32, "I", 32), "EINVAL",
      "emad_offset", "EMAD offset 32: inside the header")
    B("emad_offset_unaligned", "lend", patch(ok, 32, "I", 56), "EINVAL",
      "emad_offset", "EMAD offset not 16-aligned")
    B("emad_offset_past_end", "lend", patch(ok, 32, "I", 0x1000), "EINVAL",
      "emad_offset", "EMAD array past the end")
    B("emad_offset_wrap", "lend", patch(ok, 32, "I", 0xFFFFFFF0), "EINVAL",
      "emad_offset", "offset + array size wraps 32 bits")
    B("hdr_reserved", "lend", patch(ok, 44, "I", 1), "EINVAL", "reserved",
      "header reserved byte set")
    B("emad_reserved", "lend", patch(ok, E + 12, "I", 1), "EINVAL",
      "receivers.reserved", "v1.1 EMAD reserved set")
    v12 = Desc(version=V1_2, sender=0x0001,
               receivers=[(0x8001, RW, 0, impdef(1))],
               ranges=[(0x8000_0000, 1)]).build()
    B("emad_v12_reserved", "lend", patch(v12, E + 24, "Q", 1 << 63),
      "EINVAL", "receivers.reserved", "v1.2 EMAD reserved set")
    B("composite_offset_0", "lend", patch(ok, E + 4, "I", 0), "EINVAL",
      "receivers.composite_offset", "composite offset 0")
    B("composite_offset_differs", "lend", patch(two, E + 16 + 4, "I", 96),
      "EINVAL", "receivers.composite_offset",
      "receiver 1 names another composite offset than receiver 0")
    both_in = patch(patch(two, E + 4, "I", 64), E + 20, "I", 64)
    B("composite_inside_emad_array", "lend", both_in, "EINVAL",
      "receivers.composite_offset", "composite offset inside the EMAD array")
    B("composite_unaligned", "lend", patch(ok, E + 4, "I", 72), "EINVAL",
      "receivers.composite_offset", "composite offset not 16-aligned")
    B("composite_past_end", "lend", patch(ok, E + 4, "I", 0x10000), "EINVAL",
      "receivers.composite_offset", "composite past the end")
    B("composite_reserved", "lend", patch(ok, C + 8, "I", 1), "EINVAL",
      "composite.reserved", "composite reserved set")
    B("range_count_too_big", "lend", patch(ok, C + 4, "I", 3), "EINVAL",
      "composite.range_count", "range count larger than the bytes left")
    B("range_count_huge", "lend", patch(ok, C + 4, "I", 0xFFFFFFFF),
      "EINVAL", "composite.range_count", "range count x 16 overflows 32 bits")
    B("total_length_too_long", "lend", ok + bytes(16), "EINVAL",
      "total_length", "16 trailing bytes (ACS: total length too large)")
    B("total_length_odd", "lend", ok + bytes(1), "EINVAL", "total_length",
      "1 trailing byte")
    B("truncated_1", "lend", ok[:-1], "EINVAL", "composite.range_count",
      "last constituent one byte short")
    B("range_count_zero", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW)], ranges=[]).build(),
      "EINVAL", "composite.range_count", "send with no constituents")
    B("page_count_mismatch", "lend", patch(ok, C, "I", 4), "EINVAL",
      "composite.page_count", "composite page count != sum")
    B("page_sum_overflow", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW)],
           ranges=[(0x0, 0xFFFFFFFF), (0x1_0000_0000_0000, 2)],
           total_pages=1).build(), "EINVAL", "composite.page_count",
      "constituent sum overflows 32 bits (truncated sum would be 1)")
    B("constituent_zero_pages", "lend", patch(ok, K + 16 + 8, "I", 0),
      "EINVAL", "constituents.page_count", "zero-page constituent")
    B("constituent_unaligned", "lend", patch(ok, K + 16, "Q", 0x8000_4800),
      "EINVAL", "constituents.address", "address not 4 KiB aligned")
    B("constituent_wraps", "share",
      Desc(sender=0x0001, attrs=ATTR_NORMAL_WB_ISH, receivers=[(0x8001, RW)],
           ranges=[(0xFFFF_FFFF_FFFF_0000, 17)]).build(), "EINVAL",
      "constituents.page_count", "one page past 2^64")
    B("constituent_wraps_32bit_mul", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW)],
           ranges=[(0xFFFF_FFFF_0000_0000, 0x0010_0001)]).build(), "EINVAL",
      "constituents.page_count",
      "wraps only if page_count x 4096 is done in 64 bits")
    B("constituent_reserved", "lend", patch(ok, K + 12, "I", 1), "EINVAL",
      "constituents.reserved", "constituent reserved set")
    B("overlap_unsorted", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW)],
           ranges=[(0x9000_0000, 1), (0x8000_0000, 4),
                   (0x8000_3000, 1)]).build(), "EINVAL",
      "constituents.address", "range 2 overlaps range 1 (unsorted list)")
    B("overlap_ascending", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW)],
           ranges=[(0x8000_0000, 4), (0x8000_2000, 4)]).build(), "EINVAL",
      "constituents.address", "ascending starts, overlapping extents")
    B("overlap_duplicate", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW)],
           ranges=[(0x8000_0000, 1), (0x8000_0000, 1)]).build(), "EINVAL",
      "constituents.address", "the same page twice")
    B("duplicate_receiver", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW), (0x8001, RO)],
           ranges=[(0x8000_0000, 1)]).build(), "EINVAL",
      "receivers.endpoint_id", "receiver listed twice")
    B("sender_is_receiver", "lend",
      Desc(sender=0x0001, receivers=[(0x8001, RW), (0x0001, RW)],
           ranges=[(0x8000_0000, 1)]).build(), "EINVAL",
      "receivers.endpoint_id", "the sender lends to itself")
    B("donate_2rx", "donate", two, "EINVAL", "emad_count",
      "DONATE with two receivers")
    B("perm_mbz", "lend", patch(ok, E + 2, "B", RW | 0x10), "EINVAL",
      "receivers.permissions", "permission bit 4 set")
    B("perm_data_reserved", "lend", patch(ok, E + 2, "B", 0x3), "EINVAL",
      "receivers.permissions", "data access 3")
    B("perm_insn_reserved", "lend", patch(ok, E + 2, "B", RW | 0xC), "EINVAL",
      "receivers.permissions", "instruction access 3")
    B("emad_flags_mbz", "lend", patch(ok, E + 3, "B", 0x2), "EINVAL",
      "receivers.flags", "EMAD flag bit 1 set")
    B("attr_mbz", "lend", patch(ok, 2, "H", 0x0080), "EINVAL", "attributes",
      "attribute bit 7 set")
    B("attr_ns_on_share", "share",
      patch(ok, 2, "H", ATTR_NORMAL_WB_ISH | ATTR_NS), "EINVAL",
      "attributes", "NS bit set by the sender")
    B("attr_type_reserved", "lend", patch(ok, 2, "H", 0x30), "EINVAL",
      "attributes", "memory type 3")
    B("attr_share_reserved", "share", patch(ok, 2, "H", 0x2D), "EINVAL",
      "attributes", "Normal, shareability 1")
    B("attr_cache_reserved", "share", patch(ok, 2, "H", 0x23), "EINVAL",
      "attributes", "Normal, cacheability 0")
    B("flags_unknown_lend", "lend", patch(ok, 4, "I", 0x8), "EINVAL",
      "flags", "type bits set on a send")
    B("flags_clear_share", "share",
      patch(patch(ok, 2, "H", ATTR_NORMAL_WB_ISH), 4, "I", F_CLEAR),
      "EINVAL", "flags", "CLEAR on SHARE")
    B("handle_on_send", "lend", patch(ok, 8, "Q", 0x42), "EINVAL", "handle",
      "non-zero handle on a send")
    rreq = Desc(sender=0x0001, flags=F_TYPE_LEND, handle=0x42, tag=1,
                receivers=[(0x8001, RW)], retrieve_req=True).build()
    B("rreq_composite_offset", "retrieve_req", patch(rreq, E + 4, "I", 64),
      "EINVAL", "receivers.composite_offset",
      "retrieve request naming a composite")
    B("rreq_with_composite", "retrieve_req",
      patch(Desc(sender=0x0001, flags=F_TYPE_LEND, handle=0x42, tag=1,
                 receivers=[(0x8001, RW)],
                 ranges=[(0x8000_0000, 1)]).build(), E + 4, "I", 0),
      "EINVAL", "total_length", "retrieve request followed by a composite")
    B("rreq_bypass_v11", "retrieve_req", patch(rreq, 4, "I", F_BYPASS),
      "EINVAL", "flags", "bypass bit in a v1.1 retrieve request")
    B("rreq_ns", "retrieve_req", patch(rreq, 2, "H", ATTR_NS), "EINVAL",
      "attributes", "NS bit in a retrieve request")
    B("rreq_clear_share", "retrieve_req",
      patch(rreq, 4, "I", F_TYPE_SHARE | F_CLEAR_RELINQUISH), "EINVAL",
      "flags", "CLEAR_RELINQUISH for a SHARE")
    B("rreq_invalid_handle", "retrieve_req",
      patch(rreq, 8, "Q", 0xFFFF_FFFF_FFFF_FFFF), "EINVAL", "handle",
      "the invalid handle")
    rresp = Desc(sender=0x0001, flags=F_TYPE_LEND, handle=0x42, tag=1,
                 receivers=[(0x8001, RW)],
                 ranges=[(0x8000_0000, 1)]).build()
    B("rresp_type_0", "retrieve_resp", patch(rresp, 4, "I", 0), "EINVAL",
      "flags", "retrieve response without a transaction type")
    B("rresp_relinquish_flag", "retrieve_resp",
      patch(rresp, 4, "I", F_TYPE_LEND | F_CLEAR_RELINQUISH), "EINVAL",
      "flags", "CLEAR_RELINQUISH in a response")
    B("rel_zero_endpoints", "relinquish", relinquish(0x42, 0, []), "EINVAL",
      "endpoint_count", "relinquish naming no endpoint")
    B("rel_flags_mbz", "relinquish", relinquish(0x42, 0x4, [0x8001]),
      "EINVAL", "flags", "relinquish flag bit 2")
    B("rel_truncated", "relinquish", relinquish(0x42, 0, [0x8001])[:17],
      "EINVAL", "endpoint_count", "endpoint list cut short")
    B("rel_invalid_handle", "relinquish",
      relinquish(0xFFFF_FFFF_FFFF_FFFF, 0, [0x8001]), "EINVAL", "handle",
      "relinquish of the invalid handle")
    B("rel_short", "relinquish", relinquish(0x42, 0, [0x8001])[:12],
      "EINVAL", "total_length", "shorter than the relinquish header")


def write(outdir):
    build_good()
    build_bad()
    for sub in ("v1_1", "v1_2", "bad"):
        os.makedirs(os.path.join(outdir, sub), exist_ok=True)
    for path, _, data, _, _, _, _ in VECTORS:
        with open(os.path.join(outdir, path), "wb") as f:
            f.write(data)

    abi_c = {"share": "RHEAP_FFA_ABI_SHARE", "lend": "RHEAP_FFA_ABI_LEND",
             "donate": "RHEAP_FFA_ABI_DONATE",
             "retrieve_req": "RHEAP_FFA_ABI_RETRIEVE_REQ",
             "retrieve_resp": "RHEAP_FFA_ABI_RETRIEVE_RESP",
             "relinquish": "VEC_RELINQUISH"}
    with open(os.path.join(outdir, "manifest.h"), "w") as f:
        f.write("/* SPDX-License-Identifier: BSD-2-Clause */\n")
        f.write("/* Generated by gen_vectors.py: do not edit. */\n")
        f.write("/* { path, abi, errno, diag field, canonical } */\n")
        for path, abi, _, err, field, canon, _ in VECTORS:
            err_c = "0" if err == "0" else "-" + err
            field_c = '"%s"' % field if field else "NULL"
            f.write('VEC("%s", %s, %s, %s, %s)\n' % (
                path, abi_c[abi], err_c, field_c,
                "true" if canon else "false"))

    with open(os.path.join(outdir, "README.md"), "w") as f:
        f.write("# FF-A descriptor golden vectors\n\n")
        f.write("Generated by `gen_vectors.py` (Python 3, stdlib only), which "
                "builds each\ndescriptor independently of rheap's C encoder, "
                "in the shapes Linux's\n`arm_ffa` driver and Hafnium emit. "
                "Regenerate with\n`python3 tests/vectors/ffa/gen_vectors.py` "
                "and commit the result;\n`manifest.h` drives "
                "`tests/unit/ffa/test_ffa.c`.\n\n")
        f.write("\"canonical\": rheap's encoder reproduces the bytes exactly "
                "(no gaps).\n\n")
        f.write("| file | ABI | bytes | expected | diag field | canonical "
                "| what |\n")
        f.write("| --- | --- | ---: | --- | --- | --- | --- |\n")
        for path, abi, data, err, field, canon, note in VECTORS:
            f.write("| `%s` | %s | %d | %s | %s | %s | %s |\n" % (
                path, abi, len(data), "accept" if err == "0" else "-" + err,
                "`%s`" % field if field else "", "yes" if canon else "",
                note))


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else
          os.path.dirname(os.path.abspath(__file__)))
