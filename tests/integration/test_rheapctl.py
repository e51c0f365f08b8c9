#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end tests of rheapctl's platform commands (suite 'integration').

status / faults / map against saved documents (--from) and against a real
rheap-board; up / down / alloc against the real board and rheapd when
rheapd is built (tools/rheapd/rheapd next to tools/rheapctl/, which is
where `rheapctl up` looks too). Every run uses its own run directory
($RHEAP_RUN_DIR), so nothing touches a platform the user may be running.
SVG output is checked for well-formedness with xml.etree. Standard library
only.

Usage: test_rheapctl.py --rheapctl PATH --board PATH --tl default.tl
                        --vectors tests/vectors/rheapctl
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

PASSED = 0
FAILED = 0
SVG_NS = "{http://www.w3.org/2000/svg}"


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


class Ctl:
    def __init__(self, path, run_dir):
        self.path = os.path.abspath(path)
        self.env = dict(os.environ)
        self.env.pop("RHEAPD_SOCKET", None)
        self.env.pop("RHEAP_BACKEND", None)
        self.env["RHEAP_RUN_DIR"] = run_dir
        self.run_dir = run_dir

    def __call__(self, *args, timeout=60, cwd=None):
        p = subprocess.run([self.path, *args], capture_output=True,
                           env=self.env, timeout=timeout, cwd=cwd)
        return p.returncode, p.stdout.decode(errors="replace"), \
            p.stderr.decode(errors="replace")

    def file(self, name):
        return os.path.join(self.run_dir, name)


def svg_shapes(text):
    """Parses SVG text; returns {class: count} of its rects (raises on
    malformed XML)."""
    root = ET.fromstring(text)
    if root.tag != SVG_NS + "svg":
        raise ValueError(f"root element is {root.tag}")
    counts = {}
    for r in root.iter(SVG_NS + "rect"):
        c = r.get("class", "")
        counts[c] = counts.get(c, 0) + 1
    return counts


def one_line(err):
    return len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------------
def test_usage(ctl):
    rc, out, err = ctl("status", "--bogus")
    check("status unknown option: exit 2", rc == 2, err)
    check("status unknown option: named", "unknown option '--bogus'" in err, err)
    rc, out, err = ctl("map")
    check("map without --svg: exit 2", rc == 2 and "--svg FILE is required" in err, err)
    rc, out, err = ctl("status", "extra")
    check("status operand: exit 2", rc == 2 and "unexpected operand 'extra'" in err, err)
    rc, out, err = ctl("down", "now")
    check("down operand: exit 2", rc == 2, err)
    rc, out, err = ctl("up", "--tl")
    check("up --tl without value: exit 2", rc == 2 and "needs a value" in err, err)
    rc, out, err = ctl("status", "--help")
    check("status --help: exit 0 with usage", rc == 0 and "rheapctl map --svg FILE" in out)


def test_from(ctl, vectors, tmp):
    status = os.path.join(vectors, "status.json")
    faults = os.path.join(vectors, "faults.json")
    with open(os.path.join(vectors, "status.txt")) as f:
        want_status = f.read()
    with open(os.path.join(vectors, "faults.txt")) as f:
        want_faults = f.read()

    rc, out, err = ctl("status", "--from", status)
    check("status --from: exit 0", rc == 0, err)
    check("status --from: golden table", out == want_status)
    rc, out, err = ctl("status", "--json", "--from", status)
    check("status --json --from: exit 0", rc == 0, err)
    with open(status) as f:
        check("status --json: same document", json.loads(out) == json.load(f))
    rc, out, err = ctl("faults", "--from", faults)
    check("faults --from: golden table", rc == 0 and out == want_faults, err)
    rc, out, err = ctl("faults", "--json", "--from", faults)
    with open(faults) as f:
        check("faults --json --from: same document",
              rc == 0 and json.loads(out) == json.load(f), err)

    svg = os.path.join(tmp, "map.svg")
    rc, out, err = ctl("map", "--svg", svg, "--from", status)
    check("map --from: exit 0", rc == 0, err)
    check("map --from: reports the file", out == f"map written to {svg}\n", out)
    try:
        with open(svg) as f:
            shapes = svg_shapes(f.read())
        check("map: well-formed SVG", True)
        check("map: 2 DRAM rows", shapes.get("dram") == 2, shapes)
        check("map: lent and idle chunks",
              shapes.get("chunk lent") == 2 and shapes.get("chunk idle") == 2, shapes)
        check("map: buffers", shapes.get("buffer") == 6, shapes)
        check("map: TZASC regions", shapes.get("tzasc") == 5, shapes)
        check("map: legend", sum(v for k, v in shapes.items()
                                 if k.startswith("legend-")) == 6, shapes)
    except (ET.ParseError, ValueError, OSError) as e:
        check("map: well-formed SVG", False, str(e))
    rc, out, err = ctl("map", "--svg", "-", "--from", status)
    check("map --svg -: SVG on stdout", rc == 0 and out.startswith("<?xml"), err)

    # Hostile saved documents: one stderr line, nothing on stdout.
    bad = os.path.join(tmp, "bad.json")
    cases = [
        ("{\"rheapd\": {", "malformed JSON at 1:"),
        ("[1]", "not a JSON object"),
        (open(status).read().replace("\"size\": 268435456", "\"size\": \"256M\"", 1),
         "rheapd.pools[2].size: missing or not an unsigned integer"),
        ("{\"rheapd\": null, \"board\": null}", "neither rheapd nor the board answered"),
    ]
    for i, (text, msg) in enumerate(cases):
        with open(bad, "w") as f:
            f.write(text)
        for cmd in (["status", "--from", bad], ["map", "--svg", os.path.join(tmp, "x.svg"),
                                                "--from", bad]):
            rc, out, err = ctl(*cmd)
            check(f"hostile {i} {cmd[0]}: exit 1", rc == 1, f"rc {rc} {err}")
            check(f"hostile {i} {cmd[0]}: message", msg in err and one_line(err), err)
            check(f"hostile {i} {cmd[0]}: no stdout", out == "", out)
    check("hostile map: no file left", not os.path.exists(os.path.join(tmp, "x.svg")))
    rc, out, err = ctl("map", "--svg", "/nonexistent/dir/m.svg", "--from", status)
    check("map unwritable: exit 2", rc == 2 and "cannot create" in err, err)
    rc, out, err = ctl("status", "--from", "/nonexistent.json")
    check("status --from missing file: exit 2", rc == 2, err)


def test_nothing_running(ctl):
    rc, out, err = ctl("status")
    check("status, nothing up: exit 1", rc == 1, err)
    check("status, nothing up: says where it looked",
          f"not reachable at {ctl.file('rheapd.sock')}: ENOENT" in err and
          f"not reachable at {ctl.file('board.sock')}: ENOENT" in err, err)
    rc, out, err = ctl("faults")
    check("faults, nothing up: exit 1", rc == 1 and "board: not reachable" in err, err)
    rc, out, err = ctl("down")
    check("down, nothing up: exit 0", rc == 0, err)
    check("down, nothing up: message",
          out == "rheapd: not running\nrheap-board: not running\n"
                 "rheap platform was not running\n", out)
    # Stale pid files: a pid that is gone, and a live process that is not
    # the program named.
    os.makedirs(ctl.run_dir, exist_ok=True)
    p = subprocess.Popen(["true"])
    p.wait()
    with open(ctl.file("rheapd.pid"), "w") as f:
        f.write(f"{p.pid}\n")
    with open(ctl.file("board.pid"), "w") as f:
        f.write(f"{os.getpid()}\n")
    rc, out, err = ctl("down")
    check("down, stale pid files: exit 0", rc == 0, err)
    check("down, stale pid files: reported",
          f"rheapd: not running (stale pid file {ctl.file('rheapd.pid')} removed)" in out and
          f"rheap-board: not running (stale pid file {ctl.file('board.pid')} removed)" in out,
          out)
    check("down, stale pid files: removed",
          not os.path.exists(ctl.file("rheapd.pid")) and
          not os.path.exists(ctl.file("board.pid")))
    with open(ctl.file("board.pid"), "w") as f:
        f.write("garbage\n")
    rc, out, err = ctl("down")
    check("down, garbage pid file: removed", rc == 0 and
          not os.path.exists(ctl.file("board.pid")), out + err)


def wait_for(path, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


def test_board_only(ctl, board_bin, tl, tmp):
    os.makedirs(ctl.run_dir, exist_ok=True)
    sock = ctl.file("board.sock")
    log = open(os.path.join(tmp, "board-only.log"), "w")
    board = subprocess.Popen([board_bin, "--tl", tl, "--socket", sock, "--quiet"],
                             stdout=log, stderr=log)
    try:
        check("board-only: socket appears", wait_for(sock))
        time.sleep(0.1)
        rc, out, err = ctl("faults")
        check("faults, live board: exit 0", rc == 0, err)
        check("faults, live board: none",
              out == "faults: 0 recorded since boot, 0 held, 0 dropped (log full)\n"
                     "no faults recorded\n", out)
        rc, out, err = ctl("faults", "--json")
        doc = json.loads(out) if rc == 0 else {}
        check("faults --json, live board", doc == {"total": 0, "held": 0, "dropped": 0,
                                                   "faults": []}, out)
        rc, out, err = ctl("status")
        check("status, board only: exit 0", rc == 0, err)
        check("status, board only: rheapd line", out.startswith("rheapd  not reachable\n"), out)
        check("status, board only: rheapd reported on stderr",
              "rheapd: not reachable at" in err and one_line(err), err)
        check("status, board only: TZASC",
              "TZASC   1 of 8 regions in use\n"
              "  slot  1  0x00000000e0000000-0x00000000e4ffffff  80M secure\n" in out, out)
        rc, out, err = ctl("status", "--json")
        doc = json.loads(out) if rc == 0 else {}
        check("status --json, board only", doc.get("rheapd", 0) is None and
              doc.get("board", {}).get("dram") ==
              [{"base": 0x80000000, "size": 0x80000000},
               {"base": 0x880000000, "size": 0x80000000}], out)
        svg = os.path.join(tmp, "board.svg")
        rc, out, err = ctl("map", "--svg", svg)
        check("map, board only: exit 0", rc == 0, err)
        try:
            with open(svg) as f:
                shapes = svg_shapes(f.read())
            check("map, board only: shapes", shapes.get("dram") == 2 and
                  shapes.get("pool static") == 4 and shapes.get("pool dynamic") == 4 and
                  shapes.get("tzasc") == 3 and "buffer" not in shapes, shapes)
        except (ET.ParseError, ValueError, OSError) as e:
            check("map, board only: well-formed", False, str(e))
        # `up` refuses: a board answers that rheapctl did not start...
        rc, out, err = ctl("up")
        check("up, foreign board: exit 1", rc == 1, err)
        check("up, foreign board: message",
              f"a rheap-board not started by rheapctl already answers at {sock}" in err, err)
        # ...and, with its pid file, a board that is up.
        with open(ctl.file("board.pid"), "w") as f:
            f.write(f"{board.pid}\n")
        rc, out, err = ctl("up")
        check("up, already up: exit 1", rc == 1, err)
        check("up, already up: message",
              f"already up: rheap-board is running (pid {board.pid}" in err, err)
        # down stops it (SIGTERM: the board exits 0 and removes its socket).
        rc, out, err = ctl("down")
        check("down, board only: exit 0", rc == 0, err)
        check("down, board only: message",
              f"rheap-board: stopped (pid {board.pid})\n" in out and
              out.endswith("rheap platform down\n"), out)
        check("down, board only: board exited 0", board.wait(timeout=10) == 0)
        check("down, board only: files removed",
              not os.path.exists(ctl.file("board.pid")) and not os.path.exists(sock))
    finally:
        if board.poll() is None:
            board.kill()
            board.wait()
        log.close()


def read_pid(path):
    with open(path) as f:
        return int(f.read())


def status_json(ctl):
    rc, out, err = ctl("status", "--json")
    return json.loads(out) if rc == 0 else None


def wait_buffers(ctl, count, timeout=10.0):
    end = time.monotonic() + timeout
    doc = None
    while time.monotonic() < end:
        doc = status_json(ctl)
        if doc and doc["rheapd"] and len(doc["rheapd"]["buffers"]) == count:
            return doc
        time.sleep(0.05)
    return doc


def test_alloc(ctl, tmp):
    rc, out, err = ctl("alloc", "protected,secure-video", "1M")
    check("alloc: exit 0", rc == 0, err)
    check("alloc: prints the buffer",
          "bytes (1M) from protected,secure-video, restricted\n" in out and
          ": 1048576 bytes" in out, out)
    rc, out, err = ctl("alloc", "system", "5000")
    check("alloc system: rounded to pages, not restricted",
          rc == 0 and ": 8192 bytes (8K) from system, not restricted\n" in out, out + err)
    rc, out, err = ctl("alloc", "protected,no-such-heap", "4K")
    check("alloc unknown heap: exit 1", rc == 1 and "ENOENT" in err and one_line(err), err)
    rc, out, err = ctl("alloc", "protected,trusted-ui", "1G")
    check("alloc too big: exit 1", rc == 1 and "ENOMEM" in err and one_line(err), err)
    rc, out, err = ctl("alloc", "protected,trusted-ui", "12Q")
    check("alloc bad size: exit 2", rc == 2 and "SIZE '12Q'" in err, err)
    rc, out, err = ctl("alloc", "system", "4K", "--hold", "x")
    check("alloc bad hold: exit 2", rc == 2, err)

    # A held buffer shows in status and in the map, then goes.
    holder = subprocess.Popen([ctl.path, "alloc", "protected,secure-video", "3M",
                               "--hold", "3"], env=ctl.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    doc = wait_buffers(ctl, 1)
    bufs = doc["rheapd"]["buffers"] if doc and doc["rheapd"] else []
    check("held buffer in status", len(bufs) == 1 and bufs[0]["size"] == 3 << 20 and
          bufs[0]["heap"] == "protected,secure-video", str(bufs))
    svg = os.path.join(tmp, "live.svg")
    rc, out, err = ctl("map", "--svg", svg)
    try:
        with open(svg) as f:
            shapes = svg_shapes(f.read())
        check("live map: buffer drawn", rc == 0 and shapes.get("buffer", 0) >= 2, shapes)
    except (ET.ParseError, ValueError, OSError) as e:
        check("live map: well-formed", False, str(e))
    hout, herr = holder.communicate(timeout=30)
    check("held alloc: exit 0", holder.returncode == 0, herr.decode())
    doc = wait_buffers(ctl, 0)
    check("buffer gone after the hold",
          doc is not None and doc["rheapd"] is not None and
          doc["rheapd"]["buffers"] == [], str(doc and doc["rheapd"]))


def test_up_down(ctl, tmp):
    rc, out, err = ctl("up", "--tl", "/nonexistent.tl")
    check("up, missing TL: exit 2", rc == 2 and "/nonexistent.tl" in err, err)
    garbage = os.path.join(tmp, "garbage.tl")
    with open(garbage, "wb") as f:
        f.write(b"\x00" * 64)
    rc, out, err = ctl("up", "--tl", garbage)
    check("up, rejected TL: exit 1", rc == 1, err)
    check("up, rejected TL: board exit reported",
          "rheap-board exited with status 1 before answering" in err, err)
    check("up, rejected TL: log tail shown",
          f"--- last lines of {ctl.file('board.log')} ---" in err, err)
    check("up, rejected TL: nothing left",
          not os.path.exists(ctl.file("board.pid")) and
          not os.path.exists(ctl.file("rheapd.pid")))

    rc, out, err = ctl("up", timeout=60)
    check("up: exit 0", rc == 0, out + err)
    if rc != 0:
        return
    for name in ("board.pid", "rheapd.pid", "board.sock", "rheapd.sock",
                 "board.log", "rheapd.log"):
        check(f"up: {name} exists", os.path.exists(ctl.file(name)))
    bpid = read_pid(ctl.file("board.pid"))
    rpid = read_pid(ctl.file("rheapd.pid"))
    check("up: prints where everything is",
          f"board       pid {bpid}, socket {ctl.file('board.sock')}, log "
          f"{ctl.file('board.log')}" in out and
          f"rheapd      pid {rpid}, socket {ctl.file('rheapd.sock')}" in out, out)
    rc, out, err = ctl("up")
    check("up twice: exit 1", rc == 1 and f"already up: rheapd is running (pid {rpid}" in err,
          err)
    try:
        doc = status_json(ctl)
        check("status --json: both parts", doc is not None and doc["rheapd"] is not None
              and doc["board"] is not None, str(doc))
        if doc and doc["rheapd"]:
            check("status --json: rheapd pid", doc["rheapd"]["rheapd"]["pid"] == rpid)
            names = sorted(h["name"] for h in doc["rheapd"]["heaps"])
            check("status --json: heaps",
                  names == ["protected,secure-video", "protected,secure-video-record",
                            "protected,trusted-ui", "system"], names)
        rc, out, err = ctl("status")
        check("status: exit 0", rc == 0, err)
        check("status: tables", all(s in out for s in
                                    ("\nHEAPS\n", "\nPOOLS\n", "\nTZASC ", "\nCLIENTS\n",
                                     "\nBUFFERS\n", "\nCOUNTERS ")), out)

        rc, out, err = ctl("alloc")
        if "unknown subcommand 'alloc'" in err:
            print("SKIP alloc: rheapctl built without librheap")
        else:
            test_alloc(ctl, tmp)
        rc, out, err = ctl("faults")
        check("faults, live platform: exit 0", rc == 0, err)
    finally:
        rc, out, err = ctl("down", timeout=60)
    check("down: exit 0", rc == 0, err)
    check("down: order and message",
          out == f"rheapd: stopped (pid {rpid})\nrheap-board: stopped (pid {bpid})\n"
                 "rheap platform down\n", out)
    for name in ("board.pid", "rheapd.pid", "board.sock", "rheapd.sock"):
        check(f"down: {name} removed", not os.path.exists(ctl.file(name)))
    check("down: logs kept", os.path.exists(ctl.file("board.log")) and
          os.path.exists(ctl.file("rheapd.log")))
    rc, out, err = ctl("down")
    check("down again: not running", rc == 0 and out.endswith("was not running\n"), out)


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode() for a in f.read().split(b"\0")[:-1]]
    except OSError:
        return []


def test_up_keys_sink(ctl, board_bin, tmp):
    """up --keys FILE --sink-dir DIR: checked before anything starts, passed
    to rheap-board as absolute paths, printed; a key file the board rejects
    fails `up` with the board's log."""
    def nothing_left(name):
        check(f"{name}: nothing left",
              not os.path.exists(ctl.file("board.pid")) and
              not os.path.exists(ctl.file("rheapd.pid")))

    rc, out, err = ctl("up", "--keys", os.path.join(tmp, "no-such-keys"))
    check("up --keys missing file: exit 2",
          rc == 2 and "--keys " + os.path.join(tmp, "no-such-keys") in err, err)
    nothing_left("up --keys missing file")
    rc, out, err = ctl("up", "--keys")
    check("up --keys without value: exit 2", rc == 2 and "needs a value" in err, err)
    rc, out, err = ctl("up", "--sink-dir", "")
    check("up --sink-dir empty: exit 2", rc == 2 and "--sink-dir" in err, err)
    nothing_left("up --sink-dir empty")

    bad = os.path.join(tmp, "bad-keys.txt")
    with open(bad, "w") as f:
        f.write("10000000000000000000000000000001 not-a-key\n")
    rc, out, err = ctl("up", "--keys", bad)
    check("up, rejected key file: exit 1", rc == 1, out + err)
    check("up, rejected key file: board exit reported",
          "rheap-board exited with status 1 before answering" in err, err)
    nothing_left("up, rejected key file")

    keys = os.path.join(tmp, "keys.txt")
    with open(keys, "w") as f:
        f.write("# test\n10000000000000000000000000000001 "
                "8f1b3c2d4e5f60718293a4b5c6d7e8f9\n")
    help_out = subprocess.run([board_bin, "--help"], capture_output=True, text=True)
    has_sink = "--sink-dir" in help_out.stdout + help_out.stderr
    sink_abs = os.path.join(tmp, "sink-here")
    args = ["up", "--keys", "keys.txt"]
    if has_sink:
        args += ["--sink-dir", "sink-here"]
    else:
        print("SKIP up --sink-dir: rheap-board has no --sink-dir yet")
    rc, out, err = ctl(*args, cwd=tmp)
    check("up --keys --sink-dir: exit 0", rc == 0, out + err)
    if rc != 0:
        return
    try:
        bpid = read_pid(ctl.file("board.pid"))
        check("up --keys: printed (absolute)",
              f"  keys        {keys} (read by the board only)\n" in out, out)
        argv = proc_cmdline(bpid)
        check("up --keys: passed to the board",
              "--keys" in argv and argv[argv.index("--keys") + 1] == keys, argv)
        if has_sink:
            check("up --sink-dir: printed (absolute)",
                  f"  sink dir    {sink_abs}\n" in out, out)
            check("up --sink-dir: passed to the board",
                  "--sink-dir" in argv and
                  argv[argv.index("--sink-dir") + 1] == sink_abs, argv)
            doc = status_json(ctl)
            board = doc.get("board") if doc else None
            if board and "sink_dir" in board:
                check("up --sink-dir: board STATUS sink_dir",
                      board["sink_dir"] == sink_abs, board["sink_dir"])
        check("up --keys: order ends with the stop hint",
              out.endswith("stop it with `rheapctl down`\n"), out)
    finally:
        rc, out, err = ctl("down", timeout=60)
    check("down after up --keys: exit 0", rc == 0, err)
    nothing_left("down after up --keys")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rheapctl", required=True)
    ap.add_argument("--board", required=True)
    ap.add_argument("--tl", required=True)
    ap.add_argument("--vectors", required=True)
    a = ap.parse_args()
    rheapd_bin = os.path.join(os.path.dirname(os.path.abspath(a.rheapctl)),
                              "..", "rheapd", "rheapd")
    with tempfile.TemporaryDirectory(prefix="rctl-") as tmp:
        ctl = Ctl(a.rheapctl, os.path.join(tmp, "run"))
        test_usage(ctl)
        test_from(ctl, a.vectors, tmp)
        test_nothing_running(ctl)
        test_board_only(ctl, a.board, a.tl, tmp)
        if os.access(rheapd_bin, os.X_OK):
            test_up_down(ctl, tmp)
            test_up_keys_sink(ctl, a.board, tmp)
        else:
            print("SKIP up/down/alloc: rheapd is not built")
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
