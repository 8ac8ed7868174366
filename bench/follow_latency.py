#!/usr/bin/env python3
"""Follow-mode latency: feeds `reprint dedup --store DIR --follow -` generated feed items at a
steady rate through a pipe and measures, per item, the time from writing its line to reading
its verdict (which is printed only after its group commits). Prints p50, p90, p99 and max.

    python3 bench/follow_latency.py REPRINT [ITEMS [RATE [STORE]]]
      (defaults: 10000 items at 1000 items/s into a fresh temporary store)
Extra reprint options (--commit-items N, --commit-ms T) may follow after `--`.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

args = sys.argv[1:]
extra = args[args.index("--") + 1:] if "--" in args else []
args = args[:args.index("--")] if "--" in args else args
REPRINT = args[0]
ITEMS = int(args[1]) if len(args) > 1 else 10000
RATE = float(args[2]) if len(args) > 2 else 1000.0
STORE = args[3] if len(args) > 3 else None

SYL = ["ka", "ri", "to", "mu", "sel", "van", "dor", "pin", "eth", "lo", "ra", "mi"]


def item(i, rng):
    words = [SYL[rng() % 12] + SYL[rng() % 12] + SYL[rng() % 12] for _ in range(250)]
    return json.dumps({"id": f"feed-{i}", "text": " ".join(words)}) + "\n"


def main():
    state = [88172645463325252]

    def rng():
        x = state[0]
        x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 7
        x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
        state[0] = x
        return x

    lines = [item(i, rng).encode() for i in range(ITEMS)]
    tmp = tempfile.mkdtemp(prefix="rp-follow-")
    store = STORE or os.path.join(tmp, "db")
    proc = subprocess.Popen([REPRINT, "dedup", "--store", store, "--follow", "-", *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    sent, got = {}, {}

    def reader():
        for raw in proc.stdout:
            got[json.loads(raw)["id"]] = time.monotonic()

    t = threading.Thread(target=reader)
    t.start()
    start = time.monotonic()
    for i, ln in enumerate(lines):
        due = start + i / RATE
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        sent[f"feed-{i}"] = time.monotonic()
        proc.stdin.write(ln)
        proc.stdin.flush()
    proc.stdin.close()
    proc.wait()
    t.join()
    lat = sorted((got[k] - sent[k]) * 1e3 for k in sent if k in got)
    if len(lat) != ITEMS:
        print(f"only {len(lat)} of {ITEMS} verdicts came back")
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print(f"items {ITEMS} at {RATE:.0f}/s: latency ms p50 {q(0.50):.1f} p90 {q(0.90):.1f} "
          f"p99 {q(0.99):.1f} max {lat[-1]:.1f}; took {time.monotonic() - start:.1f} s")
    shutil.rmtree(tmp, ignore_errors=True)


main()
