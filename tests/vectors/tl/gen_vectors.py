#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Golden Transfer List vectors for rheap's TL codec.

Builds every list from the Firmware Handoff specification v1.0 tables
("Transfer list header", "TL entry header", "Standard operations") with its
own small writer below, never with rheap's C code, so the C decoder is
checked against an independent encoder. Standard library only.

Each output file is a whole list area: exactly `total_size` bytes starting
at the list base (bad vectors may differ, that is the point of some). A list
is built at a nominal base address; the unit test loads the file at the same
address modulo 4096 so that data alignment can be checked.

Usage: gen_vectors.py [OUT_DIR]   (default: the directory of this script)
Writes OUT_DIR/*.bin, OUT_DIR/bad/*.bin and OUT_DIR/README.md.
"""

import os
import struct
import sys

SIGNATURE = 0x4A0FB10B
HDR_SIZE = 0x18
TE_HDR_SIZE = 8
FLAG_HAS_CHECKSUM = 0x1

TAG_VOID = 0x0
TAG_FDT = 0x1
TAG_TPM_CRB_BASE = 0x6
TAG_EP_INFO64 = 0x102
TAG_PROTECTED_POOLS = 0xFFF0A5
TAG_VENDOR_TEST = 0xFFF001


def align_up(v, a):
    return (v + a - 1) & ~(a - 1)


class TransferList:
    """A list in a bytearray of `total_size` bytes at a nominal address."""

    def __init__(self, total_size, flags=FLAG_HAS_CHECKSUM, version=1,
                 hdr_size=HDR_SIZE, base=0x80000000):
        # "Creating a TL": TF-A's transfer_list_init also zeroes the area.
        self.base = base
        self.buf = bytearray(total_size)
        self.version = version
        self.hdr_size = hdr_size
        self.alignment = 3
        self.used_size = hdr_size
        self.total_size = total_size
        self.flags = flags
        self.reserved = 0
        self.checksum = 0

    # -- header -----------------------------------------------------------
    def write_header(self, fix_checksum=True):
        struct.pack_into('<IBBBBIIII', self.buf, 0, SIGNATURE, 0,
                         self.version, self.hdr_size, self.alignment,
                         self.used_size, self.total_size, self.flags,
                         self.reserved)
        if fix_checksum and self.flags & FLAG_HAS_CHECKSUM:
            # Byte sum over [base, base + used_size) must be 0 mod 256,
            # the checksum byte counting as 0 while it is computed.
            s = sum(self.buf[:self.used_size]) & 0xFF
            self.checksum = (256 - s) & 0xFF
        elif fix_checksum:
            self.checksum = 0
        self.buf[4] = self.checksum

    # -- entries ----------------------------------------------------------
    def put_entry(self, off, tag, data, hdr_size=TE_HDR_SIZE,
                  data_size=None):
        if data_size is None:
            data_size = len(data)
        self.buf[off:off + 3] = struct.pack('<I', tag)[:3]
        self.buf[off + 3] = hdr_size
        struct.pack_into('<I', self.buf, off + 4, data_size)
        self.buf[off + hdr_size:off + hdr_size + len(data)] = data

    def add(self, tag, data, hdr_size=TE_HDR_SIZE, pad=True):
        """Spec "Adding a new TE", appended at the tail.

        With pad=True used_size grows by align8(hdr + data) as TF-A's
        transfer_list_add does; pad=False leaves used_size at the exact end
        of the entry (the unpadded shape the codec must accept).
        """
        off = align_up(self.used_size, 8)
        end = off + hdr_size + len(data)
        assert align_up(end, 8) <= self.total_size
        self.put_entry(off, tag, data, hdr_size)
        self.used_size = align_up(end, 8) if pad else end
        return off

    def add_with_align(self, tag, data, align_log2):
        """Spec "Adding a new TE with special data alignment requirement".

        The mask is applied to the absolute address base + used_size + 8.
        """
        mask = (1 << align_log2) - 1
        addr = self.base + self.used_size + TE_HDR_SIZE
        if addr & mask:
            void_size = (1 << align_log2) - (addr & mask) - TE_HDR_SIZE
            self.add(TAG_VOID, bytes(void_size))
        off = self.add(tag, data)
        self.alignment = max(self.alignment, align_log2)
        return off

    def rem_tfa(self, off):
        """TF-A transfer_list_rem: only the tag becomes VOID."""
        self.buf[off:off + 3] = b'\0\0\0'

    def relocate(self, target, target_size):
        """Spec "Relocating a TL"; returns a new list at the new base."""
        mask = (1 << self.alignment) - 1
        new_base = (target & ~mask) + (self.base & mask)
        if new_base < target:
            new_base += mask + 1
        lead = new_base - target
        assert lead + self.used_size <= target_size
        new = TransferList(target_size - lead, self.flags, self.version,
                           self.hdr_size, new_base)
        new.buf[:self.used_size] = self.buf[:self.used_size]
        new.alignment = self.alignment
        new.used_size = self.used_size
        new.reserved = self.reserved
        new.write_header()
        return new

    def data(self):
        return bytes(self.buf)


def minimal_fdt():
    """A valid 72-byte DTB with an empty root node (DT spec v0.4 ch. 5)."""
    struct_blk = struct.pack('>I', 1) + b'\0\0\0\0'     # BEGIN_NODE ""
    struct_blk += struct.pack('>I', 2)                  # END_NODE
    struct_blk += struct.pack('>I', 9)                  # END
    off_rsv = 40
    off_struct = off_rsv + 16
    off_strings = off_struct + len(struct_blk)
    total = off_strings
    hdr = struct.pack('>10I', 0xD00DFEED, total, off_struct, off_strings,
                      off_rsv, 17, 16, 0, 0, len(struct_blk))
    return hdr + bytes(16) + struct_blk


def ep_info64():
    """TF-A entry_point_info (tag 0x102): param_header + pc, spsr, x0..x7."""
    hdr = struct.pack('<BBHI', 1, 2, 0x58, 0)  # type, version, size, attr
    body = struct.pack('<QI', 0x88000000, 0x3C5) + bytes(4)
    body += struct.pack('<8Q', *range(8))
    blob = hdr + body
    assert len(blob) == 0x58
    return blob


def tpm_crb():
    return struct.pack('<QI', 0x0C000000, 0x1000)        # data_size 0xC


def pools_payload(pools, entry_size=32, version=1, count=None,
                  reserved=0):
    out = struct.pack('<IIII', version, entry_size,
                      len(pools) if count is None else count, reserved)
    for base, size, use_case, flags in pools:
        rec = struct.pack('<QQIIQ', base, size, use_case, flags, 0)
        out += rec + bytes(entry_size - 32)
    return out


POOLS = [
    (0xF8000000, 0x04000000, 1, 0),   # secure-video, 64 MiB, static
    (0xFC000000, 0x01000000, 2, 0),   # trusted-ui, 16 MiB
    (0xFD000000, 0x00800000, 3, 1),   # secure-video-record, dynamic
]


# ---------------------------------------------------------------------------
# Good vectors: (name, list, expectation, note)
# ---------------------------------------------------------------------------

def tfa_list(total=0x400):
    """Shaped as TF-A's library writes it: transfer_list_init(max_size)
    (checksum on, area zeroed), then transfer_list_add, which pads
    used_size to the next 8-byte boundary after each entry."""
    tl = TransferList(total)
    tl.add(TAG_FDT, minimal_fdt())
    tl.add(TAG_TPM_CRB_BASE, tpm_crb())
    tl.add(TAG_EP_INFO64, ep_info64())
    tl.write_header()
    return tl


def good_vectors():
    out = []

    tl = TransferList(0x100, flags=0)
    tl.write_header()
    out.append(('empty_nocsum', tl, 'OK, 0 entries',
                'empty list, checksum flag clear, checksum byte 0'))

    tl = TransferList(0x100)
    tl.write_header()
    out.append(('empty_csum', tl, 'OK, 0 entries',
                'empty list with checksum'))

    out.append(('tfa_padded', tfa_list(), 'OK, 3 entries',
                'TF-A shape: FDT, TPM CRB base (data_size 0xC, padded), '
                'EP info 64'))

    tl = TransferList(0x200, version=2)
    tl.add(TAG_FDT, minimal_fdt())
    tl.add(TAG_VENDOR_TEST, b'ABCDE', pad=False)
    tl.write_header()
    out.append(('tfa_v2_unpadded', tl, 'OK, read-only, 2 entries',
                'header version 2; last entry data_size 5 ends exactly at '
                'used_size (not a multiple of 8)'))

    tl = TransferList(0x200)
    tl.add(TAG_FDT, minimal_fdt())
    tl.add(TAG_VENDOR_TEST, b'ABCDE', pad=False)
    tl.write_header()
    out.append(('v1_unpadded', tl, 'OK, writable, 2 entries',
                'version 1 with the same unpadded tail; an add starts at '
                'align8(used_size)'))

    tl = TransferList(0x2000, base=0x80000000)
    tl.add(TAG_EP_INFO64, ep_info64())
    tl.add_with_align(TAG_FDT, minimal_fdt(), 12)
    tl.write_header()
    out.append(('fdt_align4k', tl, 'OK, 3 entries, FDT payload 4 KiB '
                'aligned', 'EP info, VOID padding, FDT aligned to 2^12; '
                'alignment field 12'))

    tl = TransferList(0x100)
    off = tl.add(TAG_TPM_CRB_BASE, tpm_crb(), hdr_size=16)
    # Header bytes 8..15 stand for fields of a later entry-header layout;
    # data_size counts only the payload, which starts at entry + hdr_size.
    tl.buf[off + 8:off + 16] = b'FUTUREHD'
    tl.add(TAG_VENDOR_TEST, b'after')
    tl.write_header()
    out.append(('entry_hdr16', tl, 'OK, 2 entries',
                'first entry hdr_size 16 (forward-compatible); payload at '
                'entry + 16'))

    src = TransferList(0x2000, base=0x80000100)
    src.add(TAG_TPM_CRB_BASE, tpm_crb())
    src.add_with_align(TAG_FDT, minimal_fdt(), 12)
    src.write_header()
    tl = src.relocate(0x90000000, 0x2000)
    assert tl.base == 0x90000100
    out.append(('relocated', tl, 'OK, 3 entries, FDT payload 4 KiB '
                'aligned at base 0x...100',
                'list built at 0x80000100 with a 4 KiB aligned FDT, '
                'relocated to a 0x2000 area at 0x90000000: new base '
                '0x90000100, total_size 0x1f00'))

    tl = TransferList(0x200)
    tl.add(TAG_FDT, minimal_fdt())
    tl.add(TAG_PROTECTED_POOLS, pools_payload(POOLS))
    tl.write_header()
    out.append(('pools', tl, 'OK, 2 entries, 3 pools',
                'FDT + rheap protected-pools vendor entry (tag 0xfff0a5)'))

    tl = tfa_list()
    tl.rem_tfa(0x18 + align_up(8 + len(minimal_fdt()), 8))
    tl.write_header()
    out.append(('tfa_removed', tl, 'OK, 3 entries (one VOID, data_size '
                '0xC)', 'TF-A transfer_list_rem of the TPM CRB entry: '
                'the tag becomes VOID, data_size stays 0xC (not a multiple '
                'of 8)'))

    tl = TransferList(0x100)
    tl.add(TAG_VOID, b'\0\0\0')
    tl.add(TAG_VENDOR_TEST, b'x' * 8)
    tl.write_header()
    out.append(('void_data_size_3', tl, 'OK, 2 entries',
                'VOID entry with data_size 3: the spec says writers must '
                'use multiples of 8, but readers gain nothing by '
                'rejecting it (see README)'))

    tl = TransferList(0x100, version=2, hdr_size=0x20,
                      flags=FLAG_HAS_CHECKSUM | 0x2)
    tl.add(TAG_VENDOR_TEST, b'v2 header')
    tl.write_header()
    out.append(('v2_hdr32_newflag', tl, 'OK, read-only, 1 entry',
                'version 2 with a 32-byte header and an unknown flag bit 1; '
                'entries start at align8(hdr_size)'))
    return out


# ---------------------------------------------------------------------------
# Bad vectors: each breaks exactly one rule of the codec's validation.
# ---------------------------------------------------------------------------

def one_entry(total=0x100, data=b'12345678', tag=TAG_VENDOR_TEST):
    tl = TransferList(total)
    tl.add(tag, data)
    tl.write_header()
    return tl


def bad_vectors():
    out = []

    def emit(name, blob, field, note):
        out.append((name, bytes(blob), field, note))

    tl = one_entry()
    b = bytearray(tl.data())
    struct.pack_into('<I', b, 0, 0x4A0FB10C)
    emit('bad_signature', b, 'signature', 'signature 0x4a0fb10c')

    tl = one_entry()
    tl.version = 0
    tl.write_header()
    emit('version_0', tl.data(), 'version', 'header version 0 is illegal')

    tl = one_entry()
    tl.hdr_size = 0x10
    tl.write_header()
    emit('hdr_size_0x10', tl.data(), 'hdr_size', 'hdr_size below 0x18')

    tl = TransferList(0x100, hdr_size=0x20)
    tl.add(TAG_VENDOR_TEST, b'12345678')
    tl.write_header()
    emit('v1_hdr_size_0x20', tl.data(), 'hdr_size',
         'version 1 must have hdr_size 0x18')

    tl = one_entry()
    tl.alignment = 64
    tl.write_header()
    emit('alignment_64', tl.data(), 'alignment', 'alignment log2 64')

    tl = TransferList(0x100)
    tl.used_size = 0x10
    tl.write_header()
    emit('used_lt_hdr', tl.data(), 'used_size', 'used_size 0x10 < hdr_size')

    tl = one_entry()
    tl.used_size = tl.total_size + 8
    tl.write_header()
    emit('used_gt_total', tl.data(), 'used_size',
         'used_size above total_size')

    tl = one_entry(total=0x100)
    emit('total_gt_file', tl.data()[:0xF8], 'total_size',
         'total_size 0x100 but the file holds 0xf8 bytes')

    tl = one_entry()
    emit('truncated_header', tl.data()[:16], 'buf_size',
         'file shorter than the 24-byte header')

    tl = one_entry()
    tl.flags |= 0x2
    tl.write_header()
    emit('flags_mbz', tl.data(), 'flags', 'flags bit 1 set in version 1')

    tl = one_entry()
    b = bytearray(tl.data())
    b[4] = (b[4] + 1) & 0xFF
    emit('checksum_off_by_one', b, 'checksum', 'checksum byte + 1')

    tl = one_entry(data=b'1234567')      # entry ends at 0x18 + 15 = 0x27
    tl.used_size = 0x27
    struct.pack_into('<I', tl.buf, 0x18 + 4, 8)
    tl.write_header()
    emit('entry_cross_used_by_one', tl.data(), 'entry.data_size',
         'entry ends one byte past used_size')

    tl = one_entry()
    tl.used_size += 4
    tl.write_header()
    emit('entry_hdr_cross_used', tl.data(), 'entry',
         'used_size leaves 4 bytes after the last entry: a header would '
         'cross it')

    tl = one_entry()
    struct.pack_into('<I', tl.buf, 0x18 + 4, 0xFFFFFFF8)
    tl.write_header()
    emit('entry_data_overflow', tl.data(), 'entry.data_size',
         'data_size 0xfffffff8')

    tl = one_entry()
    tl.buf[0x18 + 3] = 4
    tl.write_header()
    emit('entry_hdr_size_4', tl.data(), 'entry.hdr_size',
         'entry hdr_size 4')

    tl = one_entry()
    tl.buf[0x18 + 3] = 0
    tl.write_header()
    emit('entry_hdr_size_0', tl.data(), 'entry.hdr_size',
         'entry hdr_size 0 (a walker that trusts it would loop)')

    tl = TransferList(0x100)
    tl.add(TAG_FDT, minimal_fdt())
    off = tl.add(TAG_VENDOR_TEST, b'12345678')
    struct.pack_into('<I', tl.buf, off + 4, 0x100)
    tl.write_header()
    emit('second_entry_overrun', tl.data(), 'entry.data_size',
         'second entry data_size 0x100 runs past used_size')

    tl = TransferList(0x100, version=2, hdr_size=0xF8)
    tl.used_size = 0x20
    tl.write_header()
    emit('v2_hdr_gt_used', tl.data(), 'used_size',
         'version 2 hdr_size 0xf8 above used_size 0x20')

    tl = TransferList(0x200, version=2)
    tl.add(TAG_FDT, minimal_fdt())
    tl.add(TAG_VENDOR_TEST, b'ABCDE', pad=False)
    tl.used_size = align_up(tl.used_size, 8) + 4
    tl.write_header()
    emit('v2_unpadded_trailing', tl.data(), 'entry',
         'used_size 4 bytes past the padded end of the last entry: too '
         'short for an entry header')

    tl = TransferList(0x100, flags=0)
    tl.add(TAG_VENDOR_TEST, b'12345678')
    tl.write_header()
    b = bytearray(tl.data())
    b[8:12] = struct.pack('<I', 0xFFFFFFFF)
    b[12:16] = struct.pack('<I', 0xFFFFFFFF)
    emit('sizes_max', b, 'total_size',
         'used_size = total_size = 0xffffffff in a 0x100-byte file')
    return out


README_HEAD = """\
# Transfer List golden vectors

Generated by `gen_vectors.py` (Python 3, standard library only), which
builds each list from the Firmware Handoff specification v1.0 tables with
its own writer, independently of rheap's C code. Regenerate with
`python3 tests/vectors/tl/gen_vectors.py`; the output is deterministic.

Each `.bin` is a whole list area: `total_size` bytes from the list base.
Lists are built at a nominal base address; `tests/unit/tl/test_tl.c` loads
each file at an address equal to that base modulo 4096 so that payload
alignment can be checked (`relocated.bin` lives at base `0x...100`).

Decisions the vectors pin down:

* **Header version > 1** is valid but read-only (spec "Validating a TL
  header", step 2): `info.read_only`, and add/remove/relocate return
  `-EOPNOTSUPP`. Its larger `hdr_size` is skipped and its flag bits are not
  judged. Version 0 is invalid.
* **Unpadded `used_size`**: the last entry may end exactly at `used_size`
  (`tfa_v2_unpadded`, `v1_unpadded`). Stray bytes after it that cannot hold
  an entry header are rejected (`v2_unpadded_trailing`).
* **VOID `data_size` not a multiple of 8 is accepted.** The spec's "must be
  a multiple of 8" binds writers; TF-A's `transfer_list_rem` (and OP-TEE's
  copy of it) only rewrites the tag, so a removed 0xC-byte entry becomes a
  VOID with `data_size` 0xC (`tfa_removed`). Traversal pads to 8 anyway, so
  rejecting such lists would only break interoperability. rheap's own
  remove writes `align8(hdr_size + data_size) - 8`.

## Good vectors (`rheap_tl_validate` returns 0)

| file | nominal base | expected | content |
| --- | --- | --- | --- |
"""

README_BAD = """
## Bad vectors (`bad/`, `rheap_tl_validate` returns `-EINVAL`)

| file | diag field | rule broken |
| --- | --- | --- |
"""


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    bad_dir = os.path.join(out_dir, 'bad')
    os.makedirs(bad_dir, exist_ok=True)
    readme = README_HEAD
    for name, tl, expect, note in good_vectors():
        with open(os.path.join(out_dir, name + '.bin'), 'wb') as f:
            f.write(tl.data())
        readme += '| `%s.bin` | `0x%x` | %s | %s |\n' % (
            name, tl.base, expect, note)
    readme += README_BAD
    for name, blob, field, note in bad_vectors():
        with open(os.path.join(bad_dir, name + '.bin'), 'wb') as f:
            f.write(blob)
        readme += '| `bad/%s.bin` | `%s` | %s |\n' % (name, field, note)
    with open(os.path.join(out_dir, 'README.md'), 'w') as f:
        f.write(readme)


if __name__ == '__main__':
    main()
