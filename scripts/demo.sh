#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job, on the built-in default platform: Secure Data Path playback.
#   1. build the default board's Transfer List from platforms/default.dts
#      and round-trip the three wire-format codecs through rheapctl (short);
#   2. generate a short CENC-encrypted H.264 sample clip and its key file
#      with ffmpeg (tests/media/gen_clips.py; cached in build/demo/media);
#   3. start the platform (rheap-board + rheapd) with
#      `rheapctl up --keys KEYS --sink-dir build/demo/sink`;
#   4. play the clip with rheap-play: the SDP partition decrypts each sample
#      into a restricted buffer, the board's vdec decodes it into restricted
#      frame buffers, the display writes the protected sink (an MD5 line per
#      frame, a PNG snapshot) - progress bar, summary, a Chrome trace - and
#      check the sink's MD5s against ffmpeg's own decryption and decode;
#   5. show that no buffer is left, stop the platform.
# BUILD_DIR (default: build) picks the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
build=${BUILD_DIR:-build}
CC=${CC:-gcc} scripts/build.sh "$build"

bin=$build/tools
out=$build/demo
mkdir -p "$out"
rheapctl=$bin/rheapctl/rheapctl
mktl=$bin/rheap-mktl/rheap-mktl
play=$bin/rheap-play/rheap-play

echo "== The default board and the wire-format codecs"
"$mktl" --dtb "$build/platforms/default.dtb" -o "$out/default.tl"
# Transfer List: decode with payloads, encode, compare bytes.
"$rheapctl" decode tl --data "$out/default.tl" >"$out/tl-data.json"
"$rheapctl" encode tl -o "$out/default-again.tl" "$out/tl-data.json"
cmp "$out/default.tl" "$out/default-again.tl"
echo "tl:  $out/default.tl: decode -> encode reproduces all $(stat -c %s "$out/default.tl") bytes"
# DTB: the description read through the TL equals the one read directly.
"$rheapctl" decode dtb "$out/default.tl" >"$out/platform-via-tl.json"
"$rheapctl" decode dtb "$build/platforms/default.dtb" >"$out/platform.json"
cmp "$out/platform.json" "$out/platform-via-tl.json"
echo "dtb: the platform decoded from the TL's FDT entry equals the DTB's"
# FF-A: lend the first 16 MiB of the dynamic secure-video pool to the SDP
# partition as 4 scattered 4 MiB ranges, v1.2 layout.
python3 - "$out/platform.json" >"$out/lend.json" <<'PY'
import json, sys
plat = json.load(open(sys.argv[1]))
pool = next(p for p in plat["pools"]
            if p["kind"] == "dynamic" and p["use_case"] == "secure-video")
sdp = next(p for p in plat["partitions"] if p["name"] == "sdp")
chunk = 4 << 20
ranges = [{"address": pool["base"] + i * 2 * chunk, "page_count": chunk // 4096}
          for i in range(4)]
print(json.dumps({
    "abi": "lend", "version": "1.2", "sender_id": 1, "attributes": 0,
    "flags": 0, "handle": 0, "tag": 1,
    "receivers": [{"endpoint_id": sdp["id"], "permissions": 2, "flags": 0}],
    "total_page_count": sum(r["page_count"] for r in ranges),
    "ranges": ranges}, indent=2))
PY
"$rheapctl" encode ffa -o "$out/lend.bin" "$out/lend.json"
"$rheapctl" decode ffa --abi lend "$out/lend.bin" >"$out/lend-again.json"
python3 - "$out/lend.json" "$out/lend-again.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
b.pop("total_length")
assert a == b, (a, b)
print(f"ffa: LEND of {a['total_page_count']} pages to endpoint "
      f"{a['receivers'][0]['endpoint_id']:#06x} in {len(a['ranges'])} ranges "
      "decodes to the JSON it was encoded from")
PY

echo
echo "== The sample clip (ffmpeg, CENC)"
python3 tests/media/gen_clips.py --out "$out/media" --set demo >/dev/null
manifest=$out/media/clips.json
clip=$out/media/demo-640x360.mp4
keys=$out/media/keys.txt
python3 - "$manifest" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["clips"]["demo-640x360"]
kind = "subsample" if c["subsamples"] else "whole-sample"
print(f"{c['file']}\n  {c['codec']} {c['width']}x{c['height']}, {c['frames']} frames at "
      f"{c['fps']} fps, encrypted cenc-aes-ctr ({kind}), key ID {c['kid']}")
PY
echo "  key file, read by the board only: $keys"

echo
echo "== The platform"
export RHEAP_RUN_DIR=$PWD/$out/run
sink=$PWD/$out/sink
"$rheapctl" down >/dev/null 2>&1 || true
rm -rf "$sink"
"$rheapctl" up --keys "$keys" --sink-dir "$sink"
trap '"$rheapctl" down >/dev/null 2>&1 || true' EXIT

echo
echo "== Secure Data Path playback"
"$play" --sink md5 --snapshot 50 --trace "$out/trace.json" "$clip" |
	tee "$out/play.txt"
md5_file=$(sed -n 's/^output: \(.*\.md5\)$/\1/p' "$out/play.txt")
snapshot=$(sed -n 's/^snapshot: //p' "$out/play.txt")
key=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["clips"]["demo-640x360"]["key"])' "$manifest")
ffmpeg -hide_banner -loglevel error -nostdin -decryption_key "$key" \
	-i "$clip" -f framemd5 - >"$out/ffmpeg.framemd5"
python3 - "$md5_file" "$out/ffmpeg.framemd5" <<'PY'
import sys
def hashes(path):
    with open(path) as f:
        return [l.rsplit(",", 1)[1].strip() for l in f
                if l.strip() and not l.startswith("#")]
sink, ref = hashes(sys.argv[1]), hashes(sys.argv[2])
if sink != ref:
    sys.exit(f"MISMATCH: the sink has {len(sink)} frames, ffmpeg {len(ref)}")
print(f"verified: the sink's {len(sink)} per-frame MD5s equal "
      "`ffmpeg -decryption_key KEY -i CLIP -f framemd5 -`")
PY

echo
echo "== After playback: no buffer left (rheapctl status)"
"$rheapctl" status | sed -n '/^HEAPS/,/^$/p'
"$rheapctl" down
trap - EXIT

echo
echo "Protected output (written by the display, board side): $md5_file"
echo "Snapshot of frame 50: $snapshot"
echo "Chrome trace of the pipeline (ui.perfetto.dev): $out/trace.json"
echo "Platform logs: $out/run/board.log, $out/run/rheapd.log"
