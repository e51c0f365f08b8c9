#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end Secure Data Path playback (issue 5; suite 'integration').

CENC clips made by tests/media/gen_clips.py (cached in --media-dir) are
played with rheap-play on a platform started with
`rheapctl up --keys KEYS --sink-dir SINK` in a temporary RHEAP_RUN_DIR;
`rheapctl down` runs at the end, always. Checks:

  md5          per clip: the sink's per-frame MD5 lines equal
               `ffmpeg -decryption_key KEY -i IN -f framemd5 -` (same
               count, same order): two H.264 resolutions with subsample
               encryption and B-frames, MPEG-4 Part 2 with whole-sample
               encryption, two key IDs from one key file, a clear clip
               (also on `system` buffers; an encrypted clip on them is
               refused); the Y4M sink's frames and the PNG snapshot for
               one clip
  errors       missing key and wrong key: exit 1, the clear message, no
               frame in the sink
  refusals     --check-mmap (every restricted buffer refused mmap) and
               --probe-gpu (the non-secure gpu faults on a frame buffer,
               the fault is in `rheapctl faults --json`)
  plaintext    while a longer clip plays, the player is stopped
               (SIGSTOP) and the readable memory of the player and of
               rheapd is searched (memscan) for 64-byte high-entropy
               windows of the clip's decoded frames (ffmpeg rawvideo
               decode): none may appear; a positive control (ffmpeg
               holding the frames) must be found
  kill-player  SIGKILL the player mid-clip: nothing left, next playback ok
  kill-board   SIGKILL the board mid-clip: the player exits 1 with a
               clear error; `rheapctl down; rheapctl up` and the next
               playback works
After every case `rheapctl status --json` must show no buffer in any
heap, no rheapd client, no chunk left in a dynamic pool (idle chunks are
waited for; a static pool stays lent as one chunk), and the board back at its start-up sharing state (SPMC live
shares, TZASC regions, SMMU mappings).

--quick (the sanitizer builds) runs everything but the plaintext memory
scan: the sanitized player's and rheapd's ASan shadow mappings are
terabytes of readable address space that /proc/PID/mem would page through.
The gcc build runs the scan.

Standard library only. Exit 0 when every check passed, 77 (skip) when
rheap-play or ffmpeg is missing.
"""
import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

PASSED = 0
FAILED = 0
WIN = 64


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
    sys.stdout.flush()
    return ok


class Platform:
    """rheapctl up/down in a private run directory, and rheap-play."""

    def __init__(self, a, tmp, manifest):
        self.rheapctl = os.path.abspath(a.rheapctl)
        self.play_bin = os.path.abspath(a.play)
        self.run_dir = os.path.join(tmp, "run")
        self.sink = os.path.join(tmp, "sink")
        self.keys = manifest["keys"]
        self.env = dict(os.environ)
        for k in ("RHEAPD_SOCKET", "RHEAP_BACKEND"):
            self.env.pop(k, None)
        self.env["RHEAP_RUN_DIR"] = self.run_dir
        self.baseline = None

    def ctl(self, *args, timeout=60):
        p = subprocess.run([self.rheapctl, *args], capture_output=True,
                           env=self.env, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace"), \
            p.stderr.decode(errors="replace")

    def up(self):
        rc, out, err = self.ctl("up", "--keys", self.keys, "--sink-dir", self.sink)
        if rc == 0:
            self.baseline = self.board_state()
        return rc, out, err

    def down(self):
        return self.ctl("down")

    def pid(self, name):
        try:
            with open(os.path.join(self.run_dir, name + ".pid")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    def status(self):
        rc, out, err = self.ctl("status", "--json")
        if rc != 0:
            return None
        try:
            return json.loads(out)
        except ValueError:
            return None

    def board_state(self):
        doc = self.status()
        b = doc.get("board") if doc else None
        if not b:
            return None
        return {"live_shares": b["spmc"]["live_shares"],
                "tzasc_used": b["tzasc"]["used"],
                "smmu_mappings": b["smmu_mappings"]}

    def devices(self):
        """The board's device counters (STATUS "devices"), or {}."""
        doc = self.status()
        b = doc.get("board") if doc else None
        return (b or {}).get("devices", {})

    def counter(self, dev, name):
        return self.devices().get(dev, {}).get(name, 0)

    def play_cmd(self, clip, *opts):
        return [self.play_bin, *opts, clip]

    def play(self, clip, *opts, timeout=120):
        p = subprocess.run(self.play_cmd(clip, *opts), capture_output=True,
                           env=self.env, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace"), \
            p.stderr.decode(errors="replace")

    def spawn_play(self, clip, *opts):
        return subprocess.Popen(self.play_cmd(clip, *opts), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env)

    def clear_sink(self):
        if os.path.isdir(self.sink):
            for name in os.listdir(self.sink):
                os.unlink(os.path.join(self.sink, name))

    def sink_files(self, suffix):
        if not os.path.isdir(self.sink):
            return []
        return sorted(os.path.join(self.sink, n) for n in os.listdir(self.sink)
                      if n.startswith("display-") and n.endswith(suffix))

    def shown_frames(self):
        """Lines in the sink's MD5 files so far (the frames scanned out)."""
        n = 0
        for path in self.sink_files(".md5"):
            try:
                with open(path) as f:
                    n += sum(1 for line in f if line.strip() and not line.startswith("#"))
            except OSError:
                pass
        return n

    def check_clean(self, label, timeout=15.0):
        """No buffer, client or chunk in rheapd; board sharing state back at
        its start-up values. Idle chunks are released by rheapd's idle timer
        (2 s by default): wait for them."""
        end = time.monotonic() + timeout
        why = "no status"
        while True:
            doc = self.status()
            why = self._dirty(doc)
            if why is None or time.monotonic() >= end:
                break
            time.sleep(0.2)
        return check(f"{label}: nothing left behind", why is None, why)

    def _dirty(self, doc):
        if not doc or not doc.get("rheapd") or not doc.get("board"):
            return "status: rheapd or board did not answer"
        r, b = doc["rheapd"], doc["board"]
        busy = [h["name"] for h in r["heaps"] if h["buffers"] != 0 or h["used"] != 0]
        if busy:
            return f"heaps with buffers: {busy}"
        if r["buffers"]:
            return f"buffers listed: {len(r['buffers'])}"
        # rheapctl status itself is a client while it asks.
        others = [c for c in r["clients"] if c.get("buffers", 0) or c.get("handles", 0)]
        if others:
            return f"clients holding buffers: {others}"
        # A static pool is one chunk lent for good; dynamic chunks go back.
        chunks = [(p["heap"], c["state"]) for p in r["pools"]
                  if p["kind"] == "dynamic" for c in p.get("chunks", [])]
        if chunks:
            return f"chunks left: {chunks}"
        now = {"live_shares": b["spmc"]["live_shares"],
               "tzasc_used": b["tzasc"]["used"],
               "smmu_mappings": b["smmu_mappings"]}
        if self.baseline and now != self.baseline:
            return f"board state {now} != start-up {self.baseline}"
        dev = b.get("devices", {})
        if dev.get("vdec", {}).get("contexts", 0) or \
                dev.get("display", {}).get("sessions", 0):
            return f"device contexts/sessions open: {dev}"
        return None


def ffmpeg_decode(ffmpeg, clip, fmt, extra=()):
    args = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin"]
    if clip["key"]:
        args += ["-decryption_key", clip["key"]]
    args += ["-i", clip["file"], *extra, "-f", fmt, "-"]
    p = subprocess.run(args, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"ffmpeg {fmt} of {clip['file']}: {p.stderr.decode()}")
    return p.stdout


def ref_md5s(ffmpeg, clip):
    """Hashes of `ffmpeg -f framemd5` in output order (last field)."""
    out = ffmpeg_decode(ffmpeg, clip, "framemd5").decode()
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines()
            if line.strip() and not line.startswith("#")]


def sink_md5s(path):
    """Hashes of a sink MD5 file: "<index>, <pts>, <size>, <md5>" lines."""
    with open(path) as f:
        return [line.rsplit(",", 1)[1].strip() for line in f
                if line.strip() and not line.startswith("#")]


def y4m_frame_md5s(path, width, height):
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    header = data[:nl].split()
    size = width * height + 2 * ((width + 1) // 2) * ((height + 1) // 2)
    pos = nl + 1
    hashes = []
    while pos < len(data):
        if not data.startswith(b"FRAME", pos):
            raise ValueError(f"no FRAME at {pos}")
        pos = data.index(b"\n", pos) + 1
        hashes.append(hashlib.md5(data[pos:pos + size]).hexdigest())
        pos += size
    return header, hashes


def first_md5_file(plat, label):
    files = plat.sink_files(".md5")
    check(f"{label}: one sink MD5 file", len(files) == 1, str(files))
    return files[0] if files else None


# ---------------------------------------------------------------------------
def test_md5(plat, a, name, clip, extra=()):
    plat.clear_sink()
    rc, out, err = plat.play(clip["file"], "--sink", "md5", *extra)
    if not check(f"md5 {name}: exit 0", rc == 0, (out + err)[-2000:]):
        plat.check_clean(f"md5 {name}")
        return
    want = ref_md5s(a.ffmpeg, clip)
    path = first_md5_file(plat, f"md5 {name}")
    if path:
        got = sink_md5s(path)
        check(f"md5 {name}: {len(want)} frames", len(got) == len(want),
              f"sink {len(got)}, ffmpeg {len(want)}")
        bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
        check(f"md5 {name}: every frame equals ffmpeg framemd5", not bad and got,
              f"first mismatch at frame {bad[0] if bad else '-'}")
    plat.check_clean(f"md5 {name}")


def test_y4m_snapshot(plat, a, name, clip):
    plat.clear_sink()
    snap = 10
    rc, out, err = plat.play(clip["file"], "--sink", "md5,y4m", "--snapshot", str(snap))
    if not check(f"y4m {name}: exit 0", rc == 0, (out + err)[-2000:]):
        return
    want = ref_md5s(a.ffmpeg, clip)
    y4ms = plat.sink_files(".y4m")
    if check(f"y4m {name}: one Y4M file", len(y4ms) == 1, str(y4ms)):
        try:
            header, hashes = y4m_frame_md5s(y4ms[0], clip["width"], clip["height"])
            check(f"y4m {name}: header", header[0] == b"YUV4MPEG2" and
                  f"W{clip['width']}".encode() in header and
                  f"H{clip['height']}".encode() in header, header)
            check(f"y4m {name}: frames equal ffmpeg framemd5", hashes == want,
                  f"{len(hashes)} frames vs {len(want)}")
        except (ValueError, OSError) as e:
            check(f"y4m {name}: parses", False, str(e))
    pngs = plat.sink_files("-snapshot.png")
    if check(f"snapshot {name}: one PNG", len(pngs) == 1, str(plat.sink_files(""))):
        with open(pngs[0], "rb") as f:
            head = f.read(24)
        check(f"snapshot {name}: PNG of the clip's size",
              head[:8] == b"\x89PNG\r\n\x1a\n" and
              int.from_bytes(head[16:20], "big") == clip["width"] and
              int.from_bytes(head[20:24], "big") == clip["height"], head.hex())
    plat.check_clean(f"y4m {name}")


def test_errors(plat, clips):
    for name, words in (("missing-key", ("no key", clips["missing-key"]["kid"])),
                        ("wrong-key", ("wrong content key",))):
        clip = clips[name]
        plat.clear_sink()
        shown0 = plat.counter("display", "shown_frames")
        rc, out, err = plat.play(clip["file"], "--sink", "md5,y4m")
        shown = plat.counter("display", "shown_frames") - shown0
        check(f"{name}: exit 1", rc == 1, f"rc {rc}: {(out + err)[-1500:]}")
        low = err.lower()
        check(f"{name}: clear message", all(w.lower() in low for w in words),
              err[-1500:])
        frames = plat.shown_frames()
        y4m_frames = 0
        for path in plat.sink_files(".y4m"):
            with open(path, "rb") as f:
                y4m_frames += f.read().count(b"FRAME")
        check(f"{name}: no frame in the sink", frames == 0 and y4m_frames == 0 and
              shown == 0, f"{frames} MD5 lines, {y4m_frames} Y4M frames, "
              f"display shown_frames +{shown}")
        plat.check_clean(name)


def test_refusals(plat, clip):
    gpu0 = plat.counter("gpu", "bus_faults")
    plat.clear_sink()
    rc, out, err = plat.play(clip["file"], "--sink", "md5", "--check-mmap",
                             "--probe-gpu")
    text = out + err
    check("refusals: exit 0", rc == 0, text[-2000:])
    check("refusals: mmap refused on every restricted buffer",
          "mmap refused on" in text and "restricted buffers" in text, text[-2000:])
    check("refusals: the gpu read was refused",
          "gpu read of a frame buffer refused" in text, text[-2000:])
    gpu1 = plat.counter("gpu", "bus_faults")
    check("refusals: the gpu's bus fault counted by the board", gpu1 == gpu0 + 1,
          f"gpu bus_faults {gpu0} -> {gpu1}")
    rc, out, err = plat.ctl("faults")
    check("refusals: rheapctl faults lists the gpu's stream (0x30)",
          rc == 0 and "0x30" in out, (out + err)[-1500:])
    plat.check_clean("refusals")


def wait_frames(plat, proc, n, shown0, timeout=60.0):
    """Polls the board's display counter until >= n frames were shown since
    @shown0, or the player exits."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if plat.counter("display", "shown_frames") - shown0 >= n:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def windows_of(frames, frame_size, stride=4096, min_distinct=24):
    """64-byte windows of the decoded frames, taken every @stride bytes,
    keeping those with >= @min_distinct distinct byte values."""
    out = bytearray()
    count = 0
    for off in range(0, len(frames) - frame_size + 1, frame_size):
        for pos in range(off, off + frame_size - WIN, stride):
            w = frames[pos:pos + WIN]
            if len(set(w)) >= min_distinct:
                out += w
                count += 1
    return bytes(out), count


def memscan(a, patterns, pids):
    p = subprocess.run([a.memscan, patterns, *map(str, pids)], capture_output=True,
                       timeout=300)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def test_plaintext(plat, a, clip, tmp):
    w, h = clip["width"], clip["height"]
    fsize = w * h * 3 // 2
    frames = ffmpeg_decode(a.ffmpeg, clip, "rawvideo", ("-pix_fmt", "yuv420p"))
    pats, count = windows_of(frames, fsize)
    del frames
    patterns = os.path.join(tmp, "windows.bin")
    with open(patterns, "wb") as f:
        f.write(pats)
    check("plaintext: high-entropy windows", count >= 1000, f"{count}")

    # Positive control: an ffmpeg that decoded the clip and is blocked on a
    # full pipe holds frames in its memory; the scan must find them.
    ctl_args = [a.ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
                "-decryption_key", clip["key"], "-i", clip["file"],
                "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    ctl_proc = subprocess.Popen(ctl_args, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
    try:
        ctl_proc.stdout.read(3 * fsize)  # let it decode a few frames
        time.sleep(0.3)
        os.kill(ctl_proc.pid, signal.SIGSTOP)
        rc, out, err = memscan(a, patterns, [ctl_proc.pid])
        if rc == 77:
            print("SKIP plaintext: /proc/PID/mem may not be read here (not root?)")
            return
        check("plaintext: positive control found (ffmpeg holding frames)", rc == 1,
              f"rc {rc}: {out}{err}")
    finally:
        os.kill(ctl_proc.pid, signal.SIGKILL)
        ctl_proc.wait()
        ctl_proc.stdout.close()

    plat.clear_sink()
    shown0 = plat.counter("display", "shown_frames")
    proc = plat.spawn_play(clip["file"], "--sink", "md5")
    stopped = False
    try:
        progressed = wait_frames(plat, proc, 10, shown0)
        if progressed:
            os.kill(proc.pid, signal.SIGSTOP)
            stopped = True
        shown = plat.counter("display", "shown_frames") - shown0
        check("plaintext: player stopped mid-clip", progressed and
              shown < clip["frames"],
              f"shown {shown} of {clip['frames']}, rc {proc.poll()}")
        if stopped:
            rpid = plat.pid("rheapd")
            rc, out, err = memscan(a, patterns, [proc.pid, rpid])
            check("plaintext: no decoded frame bytes in the player or rheapd",
                  rc == 0, f"rc {rc}: {out}{err}")
            print(out.strip())
            os.kill(proc.pid, signal.SIGCONT)
            stopped = False
        out, err = proc.communicate(timeout=180)
        check("plaintext: playback then completes", proc.returncode == 0,
              err.decode(errors="replace")[-1500:])
    finally:
        if stopped:
            os.kill(proc.pid, signal.SIGCONT)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    plat.check_clean("plaintext")


def test_kill_player(plat, a, clip, short, short_name):
    plat.clear_sink()
    shown0 = plat.counter("display", "shown_frames")
    proc = plat.spawn_play(clip["file"], "--sink", "md5")
    progressed = wait_frames(plat, proc, 5, shown0)
    proc.kill()
    shown = plat.counter("display", "shown_frames") - shown0
    proc.communicate()
    check("kill-player: killed mid-clip", progressed and shown < clip["frames"],
          f"shown {shown} of {clip['frames']}")
    plat.check_clean("kill-player")
    test_md5(plat, a, f"{short_name} after kill-player", short)


def test_kill_board(plat, a, clip, short, short_name):
    plat.clear_sink()
    shown0 = plat.counter("display", "shown_frames")
    proc = plat.spawn_play(clip["file"], "--sink", "md5")
    try:
        progressed = wait_frames(plat, proc, 5, shown0)
        if progressed:
            os.kill(proc.pid, signal.SIGSTOP)
        shown = plat.counter("display", "shown_frames") - shown0
        bpid = plat.pid("board")
        check("kill-board: killed mid-clip", progressed and bpid is not None and
              shown < clip["frames"],
              f"shown {shown} of {clip['frames']}, board pid {bpid}")
        if bpid:
            os.kill(bpid, signal.SIGKILL)
            time.sleep(0.2)
        if progressed:
            os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=60)
        err = err.decode(errors="replace")
        check("kill-board: player exits 1", proc.returncode == 1,
              f"rc {proc.returncode}: {err[-1500:]}")
        check("kill-board: clear error", err.strip() != "" and
              "rheap-play" in err and "Traceback" not in err, err[-1500:])
        if err.strip():
            print(f"     player said: {err.strip().splitlines()[-1]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    rc, out, err = plat.down()
    check("kill-board: rheapctl down", rc == 0, out + err)
    rc, out, err = plat.up()
    check("kill-board: rheapctl up again", rc == 0, out + err)
    if rc == 0:
        test_md5(plat, a, f"{short_name} after kill-board", short)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rheapctl", required=True)
    ap.add_argument("--play", required=True)
    ap.add_argument("--memscan", required=True)
    ap.add_argument("--gen", required=True, help="tests/media/gen_clips.py")
    ap.add_argument("--media-dir", required=True)
    ap.add_argument("--ffmpeg", default="ffmpeg")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated case names")
    a = ap.parse_args()
    for path in (a.play, a.rheapctl, a.memscan):
        if not os.access(path, os.X_OK):
            print(f"SKIP: {path} is not built")
            return 77
    p = subprocess.run([sys.executable, a.gen, "--out", a.media_dir, "--set", "test",
                        "--ffmpeg", a.ffmpeg], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"clip generation failed: {p.stdout}{p.stderr}")
        return 1
    with open(os.path.join(a.media_dir, "clips.json")) as f:
        manifest = json.load(f)
    clips = manifest["clips"]
    only = set(filter(None, a.only.split(",")))

    def want(case):
        return not only or case in only

    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rplay-") as tmp:
        plat = Platform(a, tmp, manifest)
        plat.down()
        rc, out, err = plat.up()
        if not check("rheapctl up --keys --sink-dir", rc == 0, out + err):
            return 1
        try:
            plat.check_clean("start-up")
            md5_clips = ["h264-320x240", "h264-1280x720", "mpeg4-352x288-whole",
                         "clear-320x240"]
            if want("md5"):
                for name in md5_clips:
                    test_md5(plat, a, name, clips[name])
                # The same pipeline on system buffers (a clear clip: an
                # encrypted one is decrypted only into restricted buffers).
                test_md5(plat, a, "clear-320x240 on system buffers",
                         clips["clear-320x240"], ("--heap", "system"))
                plat.clear_sink()
                rc, out, err = plat.play(clips["h264-320x240"]["file"], "--heap", "system")
                check("encrypted clip on system buffers: refused (exit 1)",
                      rc == 1 and "not restricted" in err, (out + err)[-1500:])
                plat.check_clean("encrypted clip on system buffers")
                test_y4m_snapshot(plat, a, "h264-320x240", clips["h264-320x240"])
            if want("errors"):
                test_errors(plat, clips)
            if want("refusals"):
                test_refusals(plat, clips["h264-320x240"])
            if want("plaintext") and a.quick:
                print("SKIP plaintext: --quick (sanitizer build: ASan shadow mappings)")
            elif want("plaintext"):
                test_plaintext(plat, a, clips["long-640x360"], tmp)
            if want("kill-player"):
                test_kill_player(plat, a, clips["long-640x360"],
                                 clips["h264-320x240"], "h264-320x240")
            if want("kill-board"):
                test_kill_board(plat, a, clips["long-640x360"],
                                clips["h264-320x240"], "h264-320x240")
        finally:
            rc, out, err = plat.down()
            check("rheapctl down", rc == 0, out + err)
            for log in ("board.log", "rheapd.log"):
                path = os.path.join(plat.run_dir, log)
                if FAILED and os.path.exists(path):
                    with open(path, errors="replace") as f:
                        tail = f.read()[-3000:]
                    print(f"--- {log} (tail) ---\n{tail}")
    print(f"took {time.monotonic() - t0:.1f} s{' (--quick)' if a.quick else ''}")
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
