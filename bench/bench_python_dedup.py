#!/usr/bin/env python3
"""reprint.dedup (Python) against `reprint dedup` (the program) on the same short items: wall
time and peak RSS, medians of several runs, at 100,000 and 1,000,000 items.

    python3 bench/bench_python_dedup.py BUILD_DIR [--sizes 100000,1000000] [--runs 3]

The items (bench/out/python-dedup/N.jsonl, made once, seeded) are feed-length texts of 8 to 30
words from a 20,000-word synthetic vocabulary; about a quarter are copies or light edits of an
earlier item. The Python side reads the same JSONL file line by line (json.loads) and consumes
every DedupResult with reprint.dedup's defaults (memory_mb=16: past 16 MiB of remembered state
it spills to temporary files); the program's JSON report goes to /dev/null (its standard
output). Each run is a child process whose peak RSS and CPU time (user + system) come from
wait4; the load average is printed, since wall time on a shared machine follows it. The reprint package must be importable by the Python running
this script (a venv with `pip install --no-build-isolation ./python`)."""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY_CHILD = r"""
import json, sys, reprint
def items(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            yield (d["id"], d["text"])
n = kept = 0
for r in reprint.dedup(items(sys.argv[1])):
    n += 1
    kept += r.kept
print(n, kept)
"""


def make_items(path, count, seed=1):
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "da", "fe", "gu"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
             for _ in range(20000)]
    recent = []
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        for i in range(count):
            if recent and rng.random() < 0.25:
                words = list(rng.choice(recent))
                if rng.random() < 0.6:
                    words[rng.randrange(len(words))] = rng.choice(vocab)
            else:
                words = [rng.choice(vocab) for _ in range(rng.randint(8, 30))]
            recent.append(words)
            if len(recent) > 5000:
                recent.pop(rng.randrange(len(recent)))
            f.write(json.dumps({"id": f"item{i}", "text": " ".join(words)}) + "\n")
    os.replace(path + ".tmp", path)


def timed(argv, keep_output):
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE if keep_output else subprocess.DEVNULL)
    out = proc.stdout.read() if keep_output else b"(report to /dev/null)"
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    if status != 0:
        sys.exit(f"bench_python_dedup: {argv[0]} failed (status {status})")
    return (elapsed, usage.ru_maxrss / 1024.0, out.decode().strip(),
            usage.ru_utime + usage.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    cli = os.path.join(os.path.abspath(args.build), "reprint")
    out_dir = os.path.join(HERE, "out", "python-dedup")
    os.makedirs(out_dir, exist_ok=True)
    print(f"cores: {os.cpu_count()}, runs: {args.runs} (medians)")
    print(f"load: {os.getloadavg()[0]:.1f}")
    print("items      tool      seconds  cpu s  peak MB  result")
    for n in [int(s) for s in args.sizes.split(",")]:
        path = os.path.join(out_dir, f"{n}.jsonl")
        if not os.path.exists(path):
            make_items(path, n)
        for tool, argv in (("cli", [cli, "dedup", "--format", "json", "-q", path]),
                           ("python", [sys.executable, "-c", PY_CHILD, path])):
            runs = [timed(argv, tool == "python") for _ in range(args.runs)]
            secs = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            cpu = statistics.median(r[3] for r in runs)
            print(f"{n:<10} {tool:<8} {secs:8.2f} {cpu:6.2f} {peak:8.1f}  {runs[0][2]}  "
                  f"(load {os.getloadavg()[0]:.1f})")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
