#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench_play: Secure Data Path playback throughput (issue 5).

  bench_play.py --rheapctl PATH --play PATH --gen tests/media/gen_clips.py
                --media-dir DIR [--rounds N] [--ffmpeg PATH] [--clip NAME]

Starts its own platform (`rheapctl up --keys KEYS --sink-dir SINK` in a
temporary RHEAP_RUN_DIR; `rheapctl down` at the end, always), then plays
the 720p clip (bench-1280x720: 250 frames, 10 s at 25 fps, H.264 with
B-frames, CENC subsample encryption) in interleaved rounds against:

  ffmpeg-null     ffmpeg -decryption_key KEY -i IN -f null -
                  (the issue's baseline: decrypt + decode, no output)
  ffmpeg-framemd5 ffmpeg -decryption_key KEY -i IN -f framemd5 -
                  (informative: decode + one MD5 per frame, which is what
                  rheap-play's display sink does too)
  play-none       rheap-play --quiet --sink none IN (the goal's side:
                  decrypt, decode, and the display scanning each frame out
                  through the bus with nothing kept, as -f null keeps
                  nothing)
  play-md5        rheap-play --quiet --sink md5 IN (the default sink)
                  (decrypt in the SDP partition, decode in the board's vdec,
                  MD5 in the display, restricted buffers throughout)
  play-y4m        rheap-play --quiet --sink y4m IN
                  (the display writes the frames as Y4M instead of hashing
                  them: the cheapest sink it has)
  clear-protected rheap-play --quiet --sink md5 CLEAR
  clear-system    rheap-play --quiet --sink md5 --heap system CLEAR
                  (the same pipeline on `system` buffers against restricted
                  ones, on bench-clear-1280x720: the same frames without
                  encryption, since an encrypted clip is only decrypted into
                  restricted buffers; clear samples are copied in with
                  SDP_TA_CMD_INJECT on both heaps)

Each round runs every variant, the order rotated every round. Throughput = frames / wall
time of the whole process (start-up included for both sides: ffmpeg's
probe and decoder set-up, rheap-play's allocations, attachments and
device opens). rheap-play's own figure (its summary's "time:", first sample
to the display's close) is printed too. Medians over the rounds; the ratio
play-none / ffmpeg-null is the goal's (>= 0.95x: the same work, nothing
output); play-md5 / ffmpeg-null is printed too (the sink hashes every
frame, which -f null does not), play-md5 / ffmpeg-framemd5 compares the
same output work, play-y4m / ffmpeg-null a sink that writes frames.

Steady state: rheap-play's summary line "steady state: A allocations, L
lends" (rheapd's STATUS counters across playback after set-up) divided by
the frames: the goal is 0 and 0 per frame in every round.

System buffers: an encrypted clip cannot play on them (rheap-play refuses:
the SDP partition decrypts only into restricted memory); `--heap system`
on the encrypted clip is tried once and its answer printed, and the clear
pair above gives the system-buffer figure.

A Python script, not C like the other benches: it times two external
programs end to end and reads rheap-play's summary; in C it would be the
same fork/exec plumbing with more code. Run it with
`meson compile -C build bench-play`. Standard library only.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def run_timed(cmd, env):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, env=env, timeout=600)
    dt = time.monotonic() - t0
    return p.returncode, dt, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def parse_summary(out):
    """rheap-play's summary (docs/rheap-play.md): frames shown, its own
    time, steady-state allocations and lends, faults."""
    s = {}
    m = re.search(r"^frames: (\d+) shown, (\d+) dropped", out, re.M)
    if m:
        s["frames"], s["dropped"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"^time: ([0-9.]+) s, ([0-9.]+) fps", out, re.M)
    if m:
        s["time"], s["fps"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"^steady state: (\d+) allocations, (\d+) lends", out, re.M)
    if m:
        s["allocs"], s["lends"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"^faults: (\d+)", out, re.M)
    if m:
        s["faults"] = int(m.group(1))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rheapctl", required=True)
    ap.add_argument("--play", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--media-dir", required=True)
    ap.add_argument("--ffmpeg", default="ffmpeg")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clip", default="bench-1280x720")
    a = ap.parse_args()

    p = subprocess.run([sys.executable, a.gen, "--out", a.media_dir, "--set", "all",
                        "--ffmpeg", a.ffmpeg], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench_play: clip generation failed: {p.stdout}{p.stderr}")
    with open(os.path.join(a.media_dir, "clips.json")) as f:
        manifest = json.load(f)
    clip = manifest["clips"][a.clip]
    clear = manifest["clips"]["bench-clear-1280x720"]
    frames = clip["frames"]
    rheapctl = os.path.abspath(a.rheapctl)
    play = os.path.abspath(a.play)

    ffmpeg_base = [a.ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
                   "-decryption_key", clip["key"], "-i", clip["file"]]
    cmds = {
        "ffmpeg-null": ffmpeg_base + ["-f", "null", "-"],
        "ffmpeg-framemd5": ffmpeg_base + ["-f", "framemd5", "-"],
        "play-none": [play, "--quiet", "--sink", "none", clip["file"]],
        "play-md5": [play, "--quiet", "--sink", "md5", clip["file"]],
        "play-y4m": [play, "--quiet", "--sink", "y4m", clip["file"]],
        "clear-protected": [play, "--quiet", "--sink", "md5", clear["file"]],
        "clear-system": [play, "--quiet", "--sink", "md5", "--heap", "system",
                         clear["file"]],
    }
    order = list(cmds)
    times = {k: [] for k in cmds}
    own_fps = {k: [] for k in cmds if not k.startswith("ffmpeg")}
    steady = []
    faults = []

    print(f"bench_play: {os.path.basename(clip['file'])} ({clip['codec']} "
          f"{clip['width']}x{clip['height']}, {frames} frames, "
          f"{'subsample' if clip['subsamples'] else 'whole-sample'} CENC), "
          f"{a.rounds} interleaved rounds, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bplay-") as tmp:
        env = dict(os.environ)
        env.pop("RHEAPD_SOCKET", None)
        env.pop("RHEAP_BACKEND", None)
        env["RHEAP_RUN_DIR"] = os.path.join(tmp, "run")
        sink = os.path.join(tmp, "sink")
        up = subprocess.run([rheapctl, "up", "--keys", manifest["keys"],
                             "--sink-dir", sink], capture_output=True, text=True,
                            env=env)
        if up.returncode != 0:
            sys.exit(f"bench_play: rheapctl up failed: {up.stdout}{up.stderr}")
        try:
            # One warm-up of each (page cache, the board's first decoder).
            for name in order:
                rc, dt, out, err = run_timed(cmds[name], env)
                if rc != 0:
                    sys.exit(f"bench_play: {name} failed (exit {rc}): {err.strip()[-800:]}")
            for r in range(a.rounds):
                rot = order[r % len(order):] + order[:r % len(order)]
                for name in rot:
                    if os.path.isdir(sink):
                        for n in os.listdir(sink):
                            os.unlink(os.path.join(sink, n))
                    rc, dt, out, err = run_timed(cmds[name], env)
                    if rc != 0:
                        sys.exit(f"bench_play: {name} failed in round {r} "
                                 f"(exit {rc}): {err.strip()[-800:]}")
                    times[name].append(dt)
                    if not name.startswith("ffmpeg"):
                        s = parse_summary(out)
                        if s.get("frames") != frames:
                            sys.exit(f"bench_play: {name} showed "
                                     f"{s.get('frames')} of {frames} frames:\n{out}")
                        own_fps[name].append(s.get("fps", 0.0))
                        steady.append((s.get("allocs"), s.get("lends")))
                        faults.append(s.get("faults"))
            rc, dt, out, err = run_timed([play, "--quiet", "--heap", "system",
                                          "--frames", "10", clip["file"]], env)
            system_answer = (f"exit {rc}: {err.strip() or out.strip()}"
                             if rc != 0 else f"played: {out.strip()}")
        finally:
            subprocess.run([rheapctl, "down"], capture_output=True, env=env)

    med = {k: statistics.median(v) for k, v in times.items()}
    fps = {k: frames / med[k] for k in med}
    print(f"\n{'pipeline':18} {'median s':>9} {'min s':>7} {'max s':>7} {'fps':>8}")
    for k in order:
        print(f"{k:18} {med[k]:9.3f} {min(times[k]):7.3f} {max(times[k]):7.3f} "
              f"{fps[k]:8.1f}")
    ratio = fps["play-none"] / fps["ffmpeg-null"]
    print(f"\nplay-none / ffmpeg -f null:    {ratio:.3f}x  "
          f"(goal >= 0.95x: {'met' if ratio >= 0.95 else 'missed'})")
    print(f"play-md5 / ffmpeg -f null:     "
          f"{fps['play-md5'] / fps['ffmpeg-null']:.3f}x  (the sink hashes every frame)")
    print(f"play-md5 / ffmpeg -f framemd5: "
          f"{fps['play-md5'] / fps['ffmpeg-framemd5']:.3f}x  (same output work)")
    print(f"play-y4m / ffmpeg -f null:     "
          f"{fps['play-y4m'] / fps['ffmpeg-null']:.3f}x  (frames written)")
    print(f"clear-system / clear-protected: "
          f"{fps['clear-system'] / fps['clear-protected']:.3f}x  "
          "(system buffers against restricted, clear clip)")
    print("rheap-play's own fps (first sample to display close), medians: " +
          ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in own_fps.items()))
    allocs = sorted({x[0] for x in steady}, key=str)
    lends = sorted({x[1] for x in steady}, key=str)
    ok_steady = allocs == [0] and lends == [0]
    print(f"steady state over {len(steady)} playbacks: allocations {allocs}, lends "
          f"{lends} -> per frame {'0 and 0' if ok_steady else 'not 0'} "
          f"(goal 0 and 0: {'met' if ok_steady else 'missed'})")
    print(f"bus faults during playback: {sorted(set(faults), key=str)}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"encrypted clip on system buffers (rheap-play --heap system): "
          f"{system_answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
