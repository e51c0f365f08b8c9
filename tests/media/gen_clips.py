#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generates the CENC test clips and their key file with ffmpeg.

The clips are made at test time into a build directory (never checked in):
ffmpeg's lavfi sources (testsrc2, smptehdbars) encoded with libx264 (or
mpeg4) in yuv420p, then encrypted by ffmpeg's mov muxer with
`-encryption_scheme cenc-aes-ctr -encryption_key KEY -encryption_kid KID`.

  gen_clips.py --out DIR [--set test|bench|demo|all] [--ffmpeg PATH]

writes DIR/<name>.mp4 for every clip of the set, DIR/keys.txt (the key file
`rheap-board --keys` reads, src/sp/sp_keys.h: "<KID> <KEY>" lines) and
DIR/clips.json, the manifest the tests, the benchmark and the demo read:

  {"recipe": "<hash>", "keys": "DIR/keys.txt",
   "clips": {"<name>": {"file": ..., "codec": "h264"|"mpeg4",
                        "width": W, "height": H, "fps": 25, "frames": N,
                        "encrypted": bool, "kid": hex|null, "key": hex|null,
                        "subsamples": bool|null, "expect": "play" |
                        "missing-key" | "wrong-key", "sets": [...]}}}

`key` is the key the clip was encrypted with (what `ffmpeg -decryption_key`
needs for the reference decode); keys.txt holds the right key for kid1 and
kid2, no key for kid3 (the "missing-key" clip) and a different key for kid4
(the "wrong-key" clip). `subsamples` is read back from the file's 'senc'
box (flag 0x2: subsample encryption): ffmpeg's mov muxer encrypts H.264 with
subsamples (NAL headers clear) and MPEG-4 Part 2 as whole samples; the
generator checks that each clip is what its entry says.

A directory whose clips.json has the same recipe and whose files all exist
is left alone (the clips are cached between runs). Standard library only.
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys

# Test keys (public: they protect test patterns, nothing else).
KID1 = "10000000000000000000000000000001"
KEY1 = "8f1b3c2d4e5f60718293a4b5c6d7e8f9"
KID2 = "20000000000000000000000000000002"
KEY2 = "0b9a8c7d6e5f4a3b2c1d0e1f2a3b4c5d"
KID3 = "30000000000000000000000000000003"  # not in keys.txt
KEY3 = "3c3c3c3c5a5a5a5a6969696996969696"
KID4 = "40000000000000000000000000000004"  # keys.txt holds WRONG4
KEY4 = "44444444444444440123456789abcdef"
WRONG4 = "44444444444444440123456789abcdee"

FPS = 25

# name: (sets, codec, source, width, height, seconds, kid, key, expect)
# source: "testsrc2", "noise" (testsrc2 + temporal noise: high-entropy
# frames for the memory scan), "bars" (smptehdbars with a moving testsrc2
# inset).
CLIPS = {
    "h264-320x240": (["test"], "h264", "testsrc2", 320, 240, 2, KID1, KEY1, "play"),
    "h264-1280x720": (["test"], "h264", "bars", 1280, 720, 1, KID2, KEY2, "play"),
    "mpeg4-352x288-whole": (["test"], "mpeg4", "testsrc2", 352, 288, 2, KID2, KEY2,
                            "play"),
    "clear-320x240": (["test"], "h264", "testsrc2", 320, 240, 1, None, None, "play"),
    "missing-key": (["test"], "h264", "testsrc2", 320, 240, 1, KID3, KEY3,
                    "missing-key"),
    "wrong-key": (["test"], "h264", "testsrc2", 320, 240, 1, KID4, KEY4, "wrong-key"),
    "long-640x360": (["test"], "h264", "noise", 640, 360, 8, KID1, KEY1, "play"),
    "bench-1280x720": (["bench"], "h264", "testsrc2", 1280, 720, 10, KID2, KEY2,
                       "play"),
    "bench-clear-1280x720": (["bench"], "h264", "testsrc2", 1280, 720, 10, None, None,
                             "play"),
    "demo-640x360": (["demo"], "h264", "bars", 640, 360, 4, KID1, KEY1, "play"),
}
KEY_FILE = [
    "# rheap test content keys: <KID> <KEY> (src/sp/sp_keys.h)",
    f"{KID1} {KEY1}",
    f"{KID2} {KEY2}",
    "# kid3 has no key here (the missing-key clip)",
    f"{KID4} {WRONG4}",
]


def recipe():
    h = hashlib.sha256()
    h.update(json.dumps([CLIPS, KEY_FILE], sort_keys=True).encode())
    with open(__file__, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:16]


def ffmpeg_args(ffmpeg, name, spec, path):
    sets, codec, source, w, h, secs, kid, key, expect = spec
    args = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    if source == "bars":
        inset_w, inset_h = w // 4 // 2 * 2, h // 4 // 2 * 2
        graph = (f"smptehdbars=size={w}x{h}:rate={FPS}:duration={secs}[bg];"
                 f"testsrc2=size={inset_w}x{inset_h}:rate={FPS}:duration={secs}[fg];"
                 f"[bg][fg]overlay=x='mod(t*{w // 3},{w - inset_w})':y={h // 3}"
                 f":shortest=1,format=yuv420p[v]")
        args += ["-filter_complex", graph, "-map", "[v]"]
    else:
        src = f"testsrc2=size={w}x{h}:rate={FPS}:duration={secs}"
        if source == "noise":
            src += ",noise=alls=24:allf=t+u"
        args += ["-f", "lavfi", "-i", src]
    if codec == "h264":
        args += ["-c:v", "libx264", "-preset", "veryfast", "-bf", "2",
                 "-g", str(2 * FPS)]
    else:
        args += ["-c:v", "mpeg4", "-q:v", "4"]
    args += ["-pix_fmt", "yuv420p", "-an"]
    if kid:
        args += ["-encryption_scheme", "cenc-aes-ctr", "-encryption_key", key,
                 "-encryption_kid", kid]
    return args + [path]


def senc_flags(path):
    """Flags of the first 'senc' box (a full box: version, 24-bit flags), or
    None when the file has none. Walks the box tree moov/trak/mdia/minf/stbl
    and moof/traf, where the mov muxer puts it."""
    with open(path, "rb") as f:
        data = f.read()

    def walk(start, end):
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", data[pos:pos + 8])
            hdr = 8
            if size == 1 and pos + 16 <= end:
                size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
                hdr = 16
            elif size == 0:
                size = end - pos
            if size < hdr or pos + size > end:
                return None
            if kind == b"senc" and size >= hdr + 4:
                return struct.unpack(">I", data[pos + hdr:pos + hdr + 4])[0] & 0xFFFFFF
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf"):
                found = walk(pos + hdr, pos + size)
                if found is not None:
                    return found
            pos += size
        return None

    return walk(0, len(data))


def generate(out, which, ffmpeg):
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "clips.json")
    rec = recipe()
    names = [n for n, s in CLIPS.items() if which == "all" or which in s[0]]
    try:
        with open(manifest_path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = {}
    clips = old.get("clips", {}) if old.get("recipe") == rec else {}
    keys_path = os.path.join(out, "keys.txt")
    with open(keys_path + ".tmp", "w") as f:
        f.write("\n".join(KEY_FILE) + "\n")
    os.replace(keys_path + ".tmp", keys_path)
    for name in names:
        spec = CLIPS[name]
        path = os.path.join(out, name + ".mp4")
        if name in clips and os.path.exists(path):
            continue
        tmp = os.path.join(out, name + ".tmp.mp4")
        p = subprocess.run(ffmpeg_args(ffmpeg, name, spec, tmp),
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"gen_clips: ffmpeg failed for {name}: {p.stderr.strip()}")
        sets, codec, source, w, h, secs, kid, key, expect = spec
        flags = senc_flags(tmp)
        subsamples = None if flags is None else bool(flags & 0x2)
        if kid and flags is None:
            sys.exit(f"gen_clips: {name}: encrypted but no 'senc' box")
        if not kid and flags is not None:
            sys.exit(f"gen_clips: {name}: clear but has a 'senc' box")
        if kid and subsamples != (codec == "h264"):
            sys.exit(f"gen_clips: {name}: {codec} expected "
                     f"{'subsample' if codec == 'h264' else 'whole-sample'} "
                     f"encryption, senc flags {flags:#x}")
        os.replace(tmp, path)
        clips[name] = {
            "file": os.path.abspath(path), "codec": codec, "width": w,
            "height": h, "fps": FPS, "frames": secs * FPS,
            "encrypted": bool(kid), "kid": kid, "key": key,
            "subsamples": subsamples, "expect": expect, "sets": sets,
        }
    doc = {"recipe": rec, "keys": os.path.abspath(keys_path), "clips": clips}
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(manifest_path + ".tmp", manifest_path)
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", default="test", choices=["test", "bench", "demo", "all"])
    ap.add_argument("--ffmpeg", default="ffmpeg")
    a = ap.parse_args()
    doc = generate(a.out, a.set, a.ffmpeg)
    print(os.path.join(a.out, "clips.json") + ": " +
          ", ".join(sorted(doc["clips"])))


if __name__ == "__main__":
    main()
