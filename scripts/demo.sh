#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job, on the built-in default platform:
#   1. build the default board's Transfer List from platforms/default.dts;
#   2. decode it and print the platform (DRAM, pools, TZASC, devices,
#      partitions);
#   3. round-trip each codec through rheapctl: the Transfer List, the DTB
#      it carries, and an FF-A LEND descriptor for the first chunk of the
#      dynamic secure-video pool;
#   4. start the platform (rheap-board + rheapd) with `rheapctl up`, allocate
#      restricted buffers from two heaps in two client processes (the second
#      grows a dynamic pool: chunks lent to the SDP partition), show the
#      heaps, pools, TZASC regions, clients and buffers, draw the DRAM map,
#      let the clients exit (their buffers are freed) and stop the platform.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
CC=${CC:-gcc} scripts/build.sh build

bin=build/tools
out=build/demo
mkdir -p "$out"
rheapctl=$bin/rheapctl/rheapctl
mktl=$bin/rheap-mktl/rheap-mktl

echo "== Transfer List for the default board"
"$mktl" --dtb build/platforms/default.dtb -o "$out/default.tl"
"$rheapctl" decode tl "$out/default.tl" >"$out/tl.json"
python3 - "$out/tl.json" <<'PY'
import json, sys
tl = json.load(open(sys.argv[1]))
names = {0: "void", 1: "fdt", 0xFFF0A5: "rheap protected pools"}
print(f"{sys.argv[1].replace('tl.json', 'default.tl')}: version {tl['version']}, "
      f"{tl['used_size']} of {tl['total_size']} bytes used, flags {tl['flags']:#x}")
for e in tl["entries"]:
    print(f"  tag {e['tag']:#08x} {names.get(e['tag'], '?'):22} "
          f"{e['data_size']:6} bytes at offset {e['data_offset']}")
PY

echo
echo "== Platform (rheapctl show)"
"$rheapctl" show "$out/default.tl"

echo
echo "== Codec round trips"
# Transfer List: decode with payloads, encode, compare bytes.
"$rheapctl" decode tl --data "$out/default.tl" >"$out/tl-data.json"
"$rheapctl" encode tl -o "$out/default-again.tl" "$out/tl-data.json"
cmp "$out/default.tl" "$out/default-again.tl"
echo "tl:  decode -> encode reproduces all $(stat -c %s "$out/default.tl") bytes"

# DTB: the description read through the TL equals the one read directly.
"$rheapctl" decode dtb "$out/default.tl" >"$out/platform-via-tl.json"
"$rheapctl" decode dtb build/platforms/default.dtb >"$out/platform.json"
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
echo "== The normal world: rheapd heaps on the running platform"
export RHEAP_RUN_DIR=$PWD/$out/run
"$rheapctl" down >/dev/null 2>&1 || true
"$rheapctl" up
trap '"$rheapctl" down >/dev/null 2>&1 || true' EXIT
echo
"$rheapctl" alloc protected,secure-video 8M --hold 3 &
sleep 0.3
"$rheapctl" alloc protected,secure-video-record 20M --hold 3 &
sleep 1
echo
"$rheapctl" status
"$rheapctl" map --svg "$out/dram-map.svg"
wait
"$rheapctl" down
trap - EXIT

echo
echo "Outputs are in $out/ (default.tl, platform.json, lend.bin," \
	"dram-map.svg, run/*.log)."
