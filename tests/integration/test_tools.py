#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end tests of rheapctl and rheap-mktl (suite 'integration').

Drives the built tools as an operator would: builds the default board's
Transfer List, decodes it, round-trips every codec through JSON, feeds
hostile inputs (the checked-in bad vectors plus ones made here) and checks
the exit codes and the single stderr line. FF-A descriptors used for the
exact-integer checks are built here with `struct`, independently of
rheap's encoder. Standard library only.

Usage: test_tools.py --rheapctl PATH --mktl PATH --dtb default.dtb
                     [--vectors tests/vectors]
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

PASSED = 0
FAILED = 0


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def run(argv, stdin=None):
    p = subprocess.run(argv, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


class Tools:
    def __init__(self, rheapctl, mktl, tmp):
        self.ctl = rheapctl
        self.mktl = mktl
        self.tmp = tmp
        self.n = 0

    def path(self, suffix):
        self.n += 1
        return os.path.join(self.tmp, f"f{self.n}{suffix}")

    def write(self, data, suffix=".bin"):
        p = self.path(suffix)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return p

    def decode(self, fmt, path, *opts):
        rc, out, err = run([self.ctl, "decode", fmt, *opts, path])
        doc = None
        if rc == 0:
            try:
                doc = json.loads(out)
            except ValueError as e:
                err += f" (stdout is not JSON: {e})"
                rc = -100
        return rc, doc, err

    def encode(self, fmt, doc, *opts):
        text = doc if isinstance(doc, str) else json.dumps(doc)
        rc, out, err = run([self.ctl, "encode", fmt, *opts, "-"],
                           stdin=text.encode())
        return rc, out, err


def expect_reject(t, name, argv, field=None, errname=None, stdin=None,
                  code=1):
    """Rejected input: exit 1, nothing on stdout, one stderr line."""
    rc, out, err = run(argv, stdin=stdin)
    lines = err.splitlines()
    check(f"{name}: exit {code}", rc == code, f"rc={rc} stderr={err!r}")
    check(f"{name}: nothing on stdout", out == b"", f"stdout={out[:80]!r}")
    if code == 1:
        check(f"{name}: one stderr line", len(lines) == 1, repr(err))
        if lines:
            check(f"{name}: stderr prefix", lines[0].startswith("rheapctl: ")
                  or lines[0].startswith("rheap-mktl: "), lines[0])
        if field:
            check(f"{name}: names {field}", field in err, repr(err))
        if errname:
            check(f"{name}: says {errname}", errname in err, repr(err))
    else:
        check(f"{name}: usage text", "usage" in err, repr(err))


# --------------------------------------------------------------------------
# FF-A descriptors built independently (FF-A v1.1 Table 10.20, v1.2 EMADs)

def ffa_desc(version, sender, attrs, flags, handle, tag, receivers, ranges,
             retrieve=False):
    emad_size = 16 if version == "1.1" else 32
    n = len(receivers)
    comp_off = 0 if retrieve else 48 + emad_size * n
    hdr = struct.pack("<HHIQQIII12x", sender, attrs, flags, handle, tag,
                      emad_size, n, 48)
    emads = b""
    for ep, perm, fl, impdef in receivers:
        e = struct.pack("<HBBI", ep, perm, fl, comp_off)
        if version == "1.1":
            e += bytes(8)
        else:
            e += impdef + bytes(8)
        emads += e
    if retrieve:
        return hdr + emads
    total = sum(pc for _, pc in ranges)
    comp = struct.pack("<II8x", total, len(ranges))
    cons = b"".join(struct.pack("<QI4x", a, pc) for a, pc in ranges)
    return hdr + emads + comp + cons


def test_ffa_exact_big_numbers(t):
    impdef = bytes(range(0x11, 0x21))
    ranges = [(0xFFFFFFFFFFF00000 - i * 0x100000, 16 * (i + 1))
              for i in range(3)]
    tag = 0xFFFFFFFFFFFFFFFF
    desc = ffa_desc("1.2", 0x0001, 0x002F, 0, 0, tag,
                    [(0x8001, 0x06, 0, impdef)], ranges)
    path = t.write(desc)
    rc, doc, err = t.decode("ffa", path, "--abi", "share")
    check("ffa big: decode", rc == 0, err)
    if rc != 0:
        return
    want = {
        "abi": "share", "version": "1.2", "sender_id": 1,
        "attributes": 0x2F, "flags": 0, "handle": 0, "tag": tag,
        "total_length": len(desc),
        "receivers": [{"endpoint_id": 0x8001, "permissions": 6, "flags": 0,
                       "impdef": impdef.hex()}],
        "total_page_count": sum(pc for _, pc in ranges),
        "ranges": [{"address": a, "page_count": pc} for a, pc in ranges],
    }
    check("ffa big: exact JSON values", doc == want, f"{doc} != {want}")
    check("ffa big: key order", list(doc) == list(want), str(list(doc)))
    # Addresses above 2^53 must print as exact decimal, not floats.
    rc, out, _ = run([t.ctl, "decode", "ffa", "--abi", "share", path])
    check("ffa big: address text exact",
          b'"address": 18446744073708503040' in out, out[:400])
    check("ffa big: tag text exact",
          b'"tag": 18446744073709551615' in out)
    rc, out, err = t.encode("ffa", doc)
    check("ffa big: encode", rc == 0, err)
    check("ffa big: byte-identical", out == desc,
          f"{out.hex()} != {desc.hex()}")

    # The same without impdef in the v1.1 layout; lend with attrs 0.
    desc = ffa_desc("1.1", 0x0002, 0, 0, 0, 3,
                    [(0x8001, 0x02, 0, None)],
                    [(0x8_8000_0000 + 0x10000000, 256)])
    path = t.write(desc)
    rc, doc, err = t.decode("ffa", path)
    check("ffa v1.1 lend: decode (default abi lend)", rc == 0, err)
    if rc == 0:
        check("ffa v1.1 lend: abi", doc["abi"] == "lend", str(doc))
        check("ffa v1.1 lend: no impdef key",
              "impdef" not in doc["receivers"][0], str(doc))
        rc, out, err = t.encode("ffa", doc)
        check("ffa v1.1 lend: round trip bytes", rc == 0 and out == desc,
              err)
    return desc


def test_ffa_hostile_generated(t, good_lend):
    """Hostile FF-A inputs made here, so the suite never passes vacuously."""
    ctl = t.ctl
    cases = [
        ("ffa empty file", b"", "total_length"),
        ("ffa 47 zero bytes", bytes(47), "total_length"),
        ("ffa truncated by one", good_lend[:-1], None),
        ("ffa header reserved set",
         good_lend[:40] + b"\x01" + good_lend[41:], "reserved"),
        ("ffa page count mismatch",
         good_lend[:64] + struct.pack("<I", 255) + good_lend[68:],
         "page_count"),
        ("ffa permissions MBZ",
         good_lend[:50] + b"\x12" + good_lend[51:], "permissions"),
    ]
    for name, data, field in cases:
        expect_reject(t, name, [ctl, "decode", "ffa", t.write(data)], field)


def load_manifest(vectors):
    path = os.path.join(vectors, "ffa", "manifest.h")
    rows = []
    if not os.path.exists(path):
        return rows
    pat = re.compile(r'VEC\("([^"]+)", (\w+), (-?\w+), (NULL|"[^"]*"), '
                     r'(true|false)\)')
    with open(path) as f:
        for line in f:
            m = pat.search(line)
            if m:
                field = None if m.group(4) == "NULL" else m.group(4)[1:-1]
                rows.append((m.group(1), m.group(2), m.group(3), field,
                             m.group(5) == "true"))
    return rows


ABI_NAMES = {
    "RHEAP_FFA_ABI_SHARE": "share", "RHEAP_FFA_ABI_LEND": "lend",
    "RHEAP_FFA_ABI_DONATE": "donate",
    "RHEAP_FFA_ABI_RETRIEVE_REQ": "retrieve_req",
    "RHEAP_FFA_ABI_RETRIEVE_RESP": "retrieve_resp",
}


def test_ffa_vectors(t, vectors):
    rows = load_manifest(vectors)
    if not rows:
        # No manifest: still reject every bad vector (as a LEND).
        bad = os.path.join(vectors, "ffa", "bad")
        if os.path.isdir(bad):
            for name in sorted(os.listdir(bad)):
                expect_reject(t, f"ffa bad/{name}",
                              [t.ctl, "decode", "ffa",
                               os.path.join(bad, name)])
        print("note: tests/vectors/ffa/manifest.h absent")
        return
    identical = 0
    for rel, abi_sym, err, field, canonical in rows:
        abi = ABI_NAMES.get(abi_sym)
        if abi is None:
            continue  # relinquish descriptors: not a rheapctl format
        path = os.path.join(vectors, "ffa", rel)
        if err != "0":
            errname = err.lstrip("-")
            expect_reject(t, f"ffa {rel}",
                          [t.ctl, "decode", "ffa", "--abi", abi, path],
                          field, errname)
            continue
        rc, doc, e = t.decode("ffa", path, "--abi", abi)
        check(f"ffa {rel}: decode", rc == 0, e)
        if rc != 0:
            continue
        check(f"ffa {rel}: abi field", doc["abi"] == abi)
        check(f"ffa {rel}: total_length = file size",
              doc["total_length"] == os.path.getsize(path))
        if abi == "retrieve_req":
            check(f"ffa {rel}: retrieve request has no ranges",
                  doc["ranges"] == [] and doc["total_page_count"] == 0)
        if not canonical:
            # Gaps are not reproduced: the canonical re-encoding is
            # shorter, which encode reports unless total_length is dropped.
            rc, out, e = t.encode("ffa", doc)
            check(f"ffa {rel}: total_length mismatch reported",
                  rc == 1 and "total_length" in e, e)
            doc.pop("total_length")
        rc, out, e = t.encode("ffa", doc)
        check(f"ffa {rel}: encode", rc == 0, e)
        if rc != 0:
            continue
        again = t.write(out)
        rc, doc2, e = t.decode("ffa", again, "--abi", abi)
        if not canonical and doc2:
            doc2.pop("total_length")
        check(f"ffa {rel}: decode(encode(decode)) equal", doc == doc2, e)
        if canonical:
            with open(path, "rb") as f:
                same = f.read() == out
            check(f"ffa {rel}: canonical bytes identical", same)
            identical += same
    check("ffa vectors: some canonical vectors round-tripped",
          identical > 0, "none")


# --------------------------------------------------------------------------
# Transfer List

def tl_bad_fields(vectors):
    """bad/<file> -> diag field, from the table in tests/vectors/tl/README."""
    path = os.path.join(vectors, "tl", "README.md")
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = re.match(r"\| `bad/([^`]+)` \| `([^`]+)` \|", line)
                if m:
                    out[m.group(1)] = m.group(2)
    return out


def test_tl_vectors(t, vectors):
    tl_dir = os.path.join(vectors, "tl")
    if not os.path.isdir(tl_dir):
        print("note: tests/vectors/tl absent")
        return
    fields = tl_bad_fields(vectors)
    bad = os.path.join(tl_dir, "bad")
    if os.path.isdir(bad):
        for name in sorted(os.listdir(bad)):
            expect_reject(t, f"tl bad/{name}",
                          [t.ctl, "decode", "tl", os.path.join(bad, name)],
                          fields.get(name), "EINVAL")
    for name in sorted(os.listdir(tl_dir)):
        if not name.endswith(".bin"):
            continue
        path = os.path.join(tl_dir, name)
        rc, doc, e = t.decode("tl", path, "--data")
        check(f"tl {name}: decode", rc == 0, e)
        if rc != 0:
            continue
        rc, out, e = t.encode("tl", doc)
        if rc != 0:
            # Non-canonical layouts (larger header or entry headers) are
            # refused with one line naming the field, never mis-encoded.
            check(f"tl {name}: refusal is one line", rc == 1 and
                  len(e.splitlines()) == 1 and out == b"", e)
            continue
        with open(path, "rb") as f:
            orig = f.read()
        used = doc["used_size"]
        check(f"tl {name}: bytes identical over used_size",
              out[:used] == orig[:used])


def tl_header(data):
    sig, csum, ver, hdr, align, used, total, flags = struct.unpack_from(
        "<IBBBBIII", data)
    return dict(sig=sig, csum=csum, version=ver, hdr_size=hdr,
                alignment=align, used=used, total=total, flags=flags)


def test_default_tl(t, dtb):
    tl_path = t.path(".tl")
    rc, out, err = run([t.mktl, "--dtb", dtb, "-o", tl_path])
    check("mktl default: exit 0", rc == 0, err)
    check("mktl default: silent", out == b"" and err == "", err)
    if rc != 0:
        return None
    with open(tl_path, "rb") as f:
        tl = f.read()
    with open(dtb, "rb") as f:
        dtb_bytes = f.read()
    h = tl_header(tl)
    check("mktl default: signature", h["sig"] == 0x4A0FB10B)
    check("mktl default: total_size = file size, 4 KiB multiple, >= 64 KiB",
          h["total"] == len(tl) and len(tl) % 4096 == 0 and
          len(tl) >= 65536, str(h))
    check("mktl default: byte sum 0 over used_size",
          sum(tl[:h["used"]]) % 256 == 0)

    rc, doc, err = t.decode("tl", tl_path)
    check("decode tl: exit 0", rc == 0, err)
    if rc != 0:
        return tl_path
    check("decode tl: keys",
          list(doc) == ["version", "used_size", "total_size", "alignment",
                        "flags", "entries"], str(list(doc)))
    check("decode tl: header values",
          doc["version"] == 1 and doc["flags"] == 1 and
          doc["alignment"] == 3 and doc["total_size"] == len(tl) and
          doc["used_size"] == h["used"], str(doc))
    tags = [e["tag"] for e in doc["entries"]]
    check("decode tl: FDT then protected pools", tags == [1, 0xFFF0A5],
          str(tags))
    fdt = doc["entries"][0]
    check("decode tl: FDT entry", fdt["data_size"] == len(dtb_bytes) and
          fdt["data_offset"] % 8 == 0 and
          tl[fdt["data_offset"]:fdt["data_offset"] + fdt["data_size"]] ==
          dtb_bytes, str(fdt))
    check("decode tl: no data without --data",
          all(set(e) == {"tag", "data_size", "data_offset"}
              for e in doc["entries"]))

    rc, docd, err = t.decode("tl", tl_path, "--data")
    check("decode tl --data: exit 0", rc == 0, err)
    if rc == 0:
        check("decode tl --data: FDT payload hex",
              docd["entries"][0]["data"] == dtb_bytes.hex())
        rc, out, err = t.encode("tl", docd)
        check("tl round trip: encode", rc == 0, err)
        check("tl round trip: byte-identical file", out == tl,
              f"{len(out)} vs {len(tl)} bytes")
        # -o writes the same bytes.
        o = t.path(".tl")
        jf = t.write(json.dumps(docd), ".json")
        rc, out2, err = run([t.ctl, "encode", "tl", "-o", o, jf])
        with open(o, "rb") as f:
            check("tl encode -o: same bytes, empty stdout",
                  rc == 0 and out2 == b"" and f.read() == tl, err)
        # Unpadded used_size (TF-A style) is accepted and kept.
        unp = json.loads(json.dumps(docd))
        last = unp["entries"][-1]
        unp["used_size"] = last["data_offset"] + last["data_size"]
        rc, out, err = t.encode("tl", unp)
        check("tl encode: unpadded used_size", rc == 0 and
              tl_header(out)["used"] == unp["used_size"], err)

    # Variants.
    p = t.path(".tl")
    rc, _, err = run([t.mktl, "--dtb", dtb, "--no-pools", "--no-checksum",
                      "--size", "16384", "-o", p])
    check("mktl --no-pools --no-checksum --size: exit 0", rc == 0, err)
    if rc == 0:
        rc, d, err = t.decode("tl", p)
        check("mktl variant: one FDT entry, flags 0, 16 KiB",
              rc == 0 and [e["tag"] for e in d["entries"]] == [1] and
              d["flags"] == 0 and d["total_size"] == 16384, str(d))
    expect_reject(t, "mktl --size too small",
                  [t.mktl, "--dtb", dtb, "--size", "1024", "-o",
                   t.path(".tl")], "ENOSPC")
    expect_reject(t, "mktl --size not a multiple of 8",
                  [t.mktl, "--dtb", dtb, "--size", "1001", "-o",
                   t.path(".tl")], code=2)
    expect_reject(t, "mktl without --dtb", [t.mktl, "-o", t.path(".tl")],
                  code=2)
    expect_reject(t, "mktl unknown option",
                  [t.mktl, "--dtb", dtb, "--bogus", "-o", t.path(".tl")],
                  code=2)
    expect_reject(t, "mktl garbage dtb",
                  [t.mktl, "--dtb", t.write(b"not a devicetree" * 4), "-o",
                   t.path(".tl")], None, "EINVAL")

    # Hostile lists made here.
    def patched(off, b):
        return tl[:off] + b + tl[off + len(b):]
    cases = [
        ("tl empty file", b"", None),
        ("tl truncated header", tl[:20], None),
        ("tl bad signature", patched(0, b"\x0c"), "signature"),
        ("tl checksum off by one",
         patched(4, bytes([(tl[4] + 1) % 256])), "checksum"),
        ("tl used_size above total_size",
         patched(8, struct.pack("<I", len(tl) + 8)), "used_size"),
        ("tl truncated file", tl[:h["used"] - 8], None),
    ]
    for name, data, field in cases:
        expect_reject(t, name, [t.ctl, "decode", "tl", t.write(data)], field,
                      "EINVAL")
    return tl_path


# --------------------------------------------------------------------------
# Platform

def test_platform(t, dtb, tl_path):
    rc, plat, err = t.decode("dtb", dtb)
    check("decode dtb: exit 0", rc == 0, err)
    if rc != 0:
        return
    check("decode dtb: keys", list(plat) == ["dram", "pools", "devices",
                                             "tzasc_regions", "partitions"],
          str(list(plat)))
    check("decode dtb: >= 1 GiB DRAM",
          sum(d["size"] for d in plat["dram"]) >= 1 << 30)
    pools = plat["pools"]
    check("decode dtb: pool keys", all(list(p) == ["name", "base", "size",
                                                   "kind", "use_case"]
                                       for p in pools))
    ucs = {p["use_case"] for p in pools}
    check("decode dtb: a pool for every use case",
          ucs >= {"secure-video", "trusted-ui", "secure-video-record"},
          str(ucs))
    check("decode dtb: static and dynamic pools",
          {p["kind"] for p in pools} == {"static", "dynamic"})
    dev = {d["name"]: d for d in plat["devices"]}
    for name in ("vdec", "display"):
        check(f"decode dtb: {name} secure", name in dev and
              dev[name]["secure"] is True and dev[name]["use_cases"], str(dev))
    for name in ("gpu", "dma"):
        check(f"decode dtb: {name} not secure", name in dev and
              dev[name]["secure"] is False and
              dev[name]["use_cases"] == [], str(dev))
    check("decode dtb: tzasc_regions 8", plat["tzasc_regions"] == 8)
    check("decode dtb: partition sdp 0x8001",
          {"name": "sdp", "id": 0x8001} in plat["partitions"],
          str(plat["partitions"]))
    if tl_path:
        rc, out_tl, err = run([t.ctl, "decode", "dtb", tl_path])
        rc2, out_dtb, _ = run([t.ctl, "decode", "dtb", dtb])
        check("decode dtb: via TL equals via DTB",
              rc == 0 and out_tl == out_dtb, err)
        rc, out, err = run([t.ctl, "show", tl_path])
        text = out.decode()
        check("show: exit 0 and tables", rc == 0 and all(
            s in text for s in ("DRAM", "Pools", "TZASC", "Devices",
                                "Partitions", "vdec", "sdp", "0x8001")),
            err + text[:200])
        p = t.path(".tl")
        run([t.mktl, "--dtb", dtb, "--no-pools", "-o", p])
        with open(p, "rb") as f:
            data = bytearray(f.read())
        # A TL without an FDT entry: turn the FDT entry into VOID.
        hdr = tl_header(bytes(data))
        data[0x18:0x1B] = b"\0\0\0"
        data[0x18 + 4:0x18 + 8] = struct.pack(
            "<I", (struct.unpack_from("<I", data, 0x1C)[0] + 7) & ~7)
        data[4] = 0
        data[4] = (256 - sum(data[:hdr["used"]]) % 256) % 256
        expect_reject(t, "decode dtb: TL without FDT entry",
                      [t.ctl, "decode", "dtb", t.write(bytes(data))],
                      None, "ENOENT")
    expect_reject(t, "decode dtb: garbage", [t.ctl, "decode", "dtb",
                                             t.write(bytes(64))], None,
                  "EINVAL")
    expect_reject(t, "show: garbage", [t.ctl, "show", t.write(b"x" * 40)],
                  None, "EINVAL")


# --------------------------------------------------------------------------
# JSON input hostility

def test_encode_hostile(t, lend_desc):
    rc, base, _ = t.decode("ffa", t.write(lend_desc))
    if rc != 0:
        check("encode hostile: base decode", False)
        return

    def mutate(fn):
        d = json.loads(json.dumps(base))
        fn(d)
        return json.dumps(d)

    ctl = t.ctl
    cases = [
        ("unknown top field", mutate(lambda d: d.update(handel=0)),
         "handel: unknown field"),
        ("unknown receiver field",
         mutate(lambda d: d["receivers"][0].update(perms=2)),
         "receivers[0].perms: unknown field"),
        ("missing field", mutate(lambda d: d.pop("sender_id")),
         "sender_id: missing"),
        ("missing receiver field",
         mutate(lambda d: d["receivers"][0].pop("flags")),
         "receivers[0].flags: missing"),
        ("handle 2^64", mutate(lambda d: d.update(handle=1 << 64)),
         "handle"),
        ("negative sender", mutate(lambda d: d.update(sender_id=-1)),
         "sender_id"),
        ("fractional page count",
         mutate(lambda d: d["ranges"][0].update(page_count=1.5)),
         "ranges[0].page_count"),
        ("sender_id above u16", mutate(lambda d: d.update(sender_id=65536)),
         "sender_id"),
        ("string for number", mutate(lambda d: d.update(flags="0")),
         "flags"),
        ("bad version", mutate(lambda d: d.update(version="1.0")),
         "version"),
        ("total_length mismatch",
         mutate(lambda d: d.update(total_length=d["total_length"] + 16)),
         "total_length"),
        ("total_page_count mismatch",
         mutate(lambda d: d.update(
             total_page_count=d["total_page_count"] + 1)),
         "total_page_count"),
        ("abi in JSON unknown", mutate(lambda d: d.update(abi="borrow")),
         "abi"),
        ("duplicate key", '{"abi": "lend", "abi": "lend"}', "duplicate key"),
        ("trailing garbage", json.dumps(base) + " x", "trailing"),
        ("not an object", "[]", "expected an object"),
        ("empty document", "", "expected a value"),
        ("codec rejects (permissions MBZ)",
         mutate(lambda d: d["receivers"][0].update(permissions=0x10)),
         "permissions"),
        ("codec rejects (no receivers)",
         mutate(lambda d: d.update(receivers=[])), None),
    ]
    for name, text, field in cases:
        expect_reject(t, f"encode ffa: {name}",
                      [ctl, "encode", "ffa", "-"], field,
                      stdin=text.encode())
    expect_reject(t, "encode ffa: abi differs from --abi",
                  [ctl, "encode", "ffa", "--abi", "share", "-"], "abi",
                  stdin=json.dumps(base).encode())
    rc, out, err = run([ctl, "encode", "ffa", "--abi", "lend", "-"],
                       stdin=json.dumps(base).encode())
    check("encode ffa: --abi equal to JSON abi is fine",
          rc == 0 and out == lend_desc, err)

    tl = {"version": 1, "used_size": 48, "total_size": 64, "alignment": 3,
          "flags": 1, "entries": [{"tag": 5, "data_size": 16,
                                   "data_offset": 32,
                                   "data": "00" * 16}]}
    rc, out, err = t.encode("tl", tl)
    check("encode tl: small list", rc == 0 and len(out) == 64 and
          sum(out[:48]) % 256 == 0, err)

    def tmut(fn):
        d = json.loads(json.dumps(tl))
        fn(d)
        return json.dumps(d)
    tcases = [
        ("data_offset off the grid",
         tmut(lambda d: d["entries"][0].update(data_offset=40)),
         "entries[0].data_offset"),
        ("used_size wrong", tmut(lambda d: d.update(used_size=56)),
         "used_size"),
        ("data hex too short",
         tmut(lambda d: d["entries"][0].update(data="00")),
         "entries[0].data"),
        ("data not hex",
         tmut(lambda d: d["entries"][0].update(data="zz" * 16)),
         "entries[0].data"),
        ("tag above 24 bits",
         tmut(lambda d: d["entries"][0].update(tag=1 << 24)),
         "entries[0].tag"),
        ("entry past total_size",
         tmut(lambda d: d["entries"][0].update(data_size=4096)),
         "entries[0].data_size"),
        ("unknown entry field",
         tmut(lambda d: d["entries"][0].update(hdr_size=8)),
         "entries[0].hdr_size: unknown field"),
        ("missing total_size", tmut(lambda d: d.pop("total_size")),
         "total_size"),
        ("codec rejects (flags MBZ)", tmut(lambda d: d.update(flags=2)),
         "flags"),
    ]
    for name, text, field in tcases:
        expect_reject(t, f"encode tl: {name}", [ctl, "encode", "tl", "-"],
                      field, stdin=text.encode())


def test_usage(t):
    ctl = t.ctl
    f = t.write(b"x")
    cases = [
        ("no arguments", [ctl]),
        ("unknown subcommand", [ctl, "frobnicate"]),
        ("unknown format", [ctl, "decode", "xml", f]),
        ("decode without format", [ctl, "decode"]),
        ("missing file", [ctl, "decode", "ffa"]),
        ("unknown option", [ctl, "decode", "tl", "--bogus", f]),
        ("bad --abi", [ctl, "decode", "ffa", "--abi", "borrow", f]),
        ("--abi without value", [ctl, "decode", "ffa", "--abi"]),
        ("two files", [ctl, "decode", "tl", f, f]),
        ("--data on ffa", [ctl, "decode", "ffa", "--data", f]),
        ("show without file", [ctl, "show"]),
        ("encode -o without value", [ctl, "encode", "tl", "-o"]),
    ]
    for name, argv in cases:
        expect_reject(t, f"usage: {name}", argv, code=2)
    rc, out, err = run([ctl, "decode", "tl", "/nonexistent/file"])
    check("usage: unreadable file exits 2 with one line",
          rc == 2 and out == b"" and len(err.splitlines()) == 1, err)
    for argv in ([ctl, "--help"], [ctl, "help"], [ctl, "decode", "ffa",
                                                  "--help"]):
        rc, out, err = run(argv)
        check(f"{' '.join(argv[1:])}: exit 0 with usage",
              rc == 0 and b"usage" in out and err == "", err)
    rc, out, _ = run([ctl, "--version"])
    check("--version", rc == 0 and out.startswith(b"rheapctl "))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rheapctl", required=True)
    ap.add_argument("--mktl", required=True)
    ap.add_argument("--dtb", required=True)
    ap.add_argument("--vectors", default="")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rheap-it-") as tmp:
        t = Tools(a.rheapctl, a.mktl, tmp)
        tl_path = test_default_tl(t, a.dtb)
        test_platform(t, a.dtb, tl_path)
        lend = test_ffa_exact_big_numbers(t)
        if lend:
            test_ffa_hostile_generated(t, lend)
            test_encode_hostile(t, lend)
        else:
            check("ffa: v1.1 lend built", False)
        if a.vectors:
            test_ffa_vectors(t, a.vectors)
            test_tl_vectors(t, a.vectors)
        test_usage(t)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
