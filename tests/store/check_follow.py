#!/usr/bin/env python3
"""reprint dedup --store --follow: fed through a pipe in timed pieces, each verdict appears
before the input ends (after its group commits); SIGTERM commits the group in hand and exits 0;
a followed file that grows, then is truncated, is read again from its start; --keep-only
prints the new items' lines. Usage: check_follow.py REPRINT WORKDIR"""
import fcntl
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time

REPRINT, WORK = sys.argv[1], sys.argv[2]
WAIT = 60  # seconds for a verdict: ASan on a loaded CI machine is slow
WORDS = ("amber bridge cobalt delta ember fjord garnet harbor iris juniper kestrel lantern "
         "meadow nickel orchard pylon quarry ridge saffron timber").split()


def line(i, base=None):
    x, out = (base if base is not None else i) * 2654435761 + 7, []
    for _ in range(40):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(WORDS[(x >> 33) % len(WORDS)])
    return json.dumps({"id": f"it-{i}", "text": " ".join(out)}) + "\n"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def read_line(proc, timeout):
    """One stdout line within timeout seconds, else None."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().decode() if ready else None


def wait_drained(pipe, timeout):
    """Waits until the program has read all that was written into its input pipe: it reads
    only once its signal handlers are in place, so a signal sent after this is caught (a fixed
    sleep was not enough on a loaded machine: the program was still starting)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        left = struct.unpack("i", fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        if left == 0:
            return
        time.sleep(0.02)
    fail(f"the input was not read within {timeout} s")


def start(*args):
    return subprocess.Popen([REPRINT, "dedup", "--store", os.path.join(WORK, "db"), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def check_pipe():
    p = start("--follow", "-", "--commit-ms", "20")
    for i in range(3):
        p.stdin.write(line(i).encode())
        p.stdin.flush()
        got = read_line(p, WAIT)
        if not got:
            fail(f"no verdict for item {i} before the input ended")
        v = json.loads(got)
        if v["id"] != f"it-{i}" or v["verdict"] != "new" or v["seq"] != i + 1:
            fail(f"item {i}: {got}")
        time.sleep(0.1)
    p.stdin.write(line(3, base=0).encode())  # a copy of item 0
    p.stdin.flush()
    v = json.loads(read_line(p, WAIT) or "null")
    if not v or v["verdict"] != "duplicate" or v["of"] != "it-0":
        fail(f"copy: {v}")
    # a long group (commit-ms far away) is committed by SIGTERM, then exit 0
    p.stdin.close()
    if p.wait(timeout=30) != 0:
        fail("pipe end: exit status not 0")
    p = start("--follow", "--commit-ms", "600000", "--commit-items", "1000")
    p.stdin.write(line(10).encode() + line(11).encode())
    p.stdin.flush()
    wait_drained(p.stdin, 60)
    time.sleep(0.5)
    if read_line(p, 0.1):
        fail("a verdict came before its group was committed")
    p.send_signal(signal.SIGTERM)
    out = p.stdout.read().decode().splitlines()
    if p.wait(timeout=30) != 0 or [json.loads(l)["id"] for l in out] != ["it-10", "it-11"]:
        fail(f"SIGTERM: {out}")


def check_file():
    path = os.path.join(WORK, "grow.jsonl")
    open(path, "w").close()
    p = start("--follow", path, "--keep-only")
    with open(path, "a") as f:
        f.write(line(20) + line(21, base=20))  # new, then its duplicate
    got = read_line(p, WAIT)
    if got != line(20):
        fail(f"keep-only: {got!r}")
    with open(path, "w") as f:  # truncated, then a new item from the start
        f.write(line(22))
    got = read_line(p, WAIT)
    if got != line(22):
        fail(f"after truncation: {got!r}")
    p.send_signal(signal.SIGINT)
    if p.wait(timeout=30) != 0:
        fail("SIGINT: exit status not 0")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    check_pipe()
    check_file()
    print("ok")


main()
