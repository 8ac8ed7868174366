#!/usr/bin/env python3
"""reprint dedup --store --follow: fed through a pipe in timed pieces, each verdict appears
before the input ends (after its group commits); SIGTERM commits the group in hand and exits 0;
a followed file that grows, then is truncated, is read again from its start; --keep-only
prints the new items' lines; groups hold exactly --commit-items items, and several groups read
at once (the next signed while one commits) get the verdicts of one group at a time; lines
read beyond the third group are judged with no more input. Usage: check_follow.py REPRINT WORKDIR"""
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


def start(*args, db="db", stdin=subprocess.PIPE):
    return subprocess.Popen([REPRINT, "dedup", "--store", os.path.join(WORK, db), *args],
                            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


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


GROUP = 50


class Lines:
    """Output lines read with a timeout, several to a read (read_line's select cannot see the
    lines a buffered readline took along)."""

    def __init__(self, proc):
        self.fd, self.buf = proc.stdout.fileno(), b""

    def get(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        got, self.buf = self.buf.split(b"\n", 1)
        return got.decode() + "\n"

    def rest(self):
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return self.buf.decode().splitlines(keepends=True)
            self.buf += chunk


def batch_lines():
    """310 items (6 groups of 50, then 10) with copies inside a group and across groups, and a
    blank line (not an item) in the third group."""
    out = []
    for i in range(310):
        base = i - 7 if i % 9 == 8 else (i - 60 if i % 23 == 22 and i >= 60 else None)
        out.append(line(i, base=base))
        if i == 120:
            out.append("\n")
    return out


def group_by_group(db, args, lines):
    """Verdicts when each group is written only after the one before was answered."""
    p = start("--follow", "-", *args, db=db)
    r = Lines(p)
    out, items = [], [l for l in lines if l.strip()]
    at = 0
    while at < len(lines):
        group, n = [], 0
        while at < len(lines) and n < GROUP:
            group.append(lines[at])
            n += bool(lines[at].strip())
            at += 1
        p.stdin.write("".join(group).encode())
        p.stdin.flush()
        if n < GROUP:
            break  # the last group, committed at the input's end
        for _ in range(n):
            got = r.get(WAIT)
            if not got:
                fail(f"group by group: no verdict after {len(out)}")
            out.append(got)
    p.stdin.close()
    out += r.rest()
    if p.wait(timeout=30) != 0 or len(out) != len(items):
        fail(f"group by group: {len(out)} verdicts of {len(items)}")
    return out


def all_at_once(db, args, lines):
    """Verdicts when every group is there at once (a file as standard input: all is readable
    as each group commits, so the next group is always signed ahead)."""
    path = os.path.join(WORK, db + ".jsonl")
    with open(path, "w") as f:
        f.write("".join(lines))
    with open(path, "rb") as f:
        p = start("--follow", "-", *args, db=db, stdin=f)
        out, err = p.communicate(timeout=120)
    if p.returncode != 0:
        fail(f"all at once: exit {p.returncode}: {err.decode()}")
    return out.decode().splitlines(keepends=True)


def batches(db):
    out = subprocess.run([REPRINT, "store", "stats", os.path.join(WORK, db)], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return json.loads(out)["batches"]


def check_groups():
    lines = batch_lines()
    args = ["--commit-items", str(GROUP), "--commit-ms", "600000"]
    one = group_by_group("g1", args, lines)
    many = all_at_once("g2", args, lines)
    if many != one:
        diff = next(i for i in range(min(len(one), len(many))) if one[i] != many[i])
        fail(f"all at once differs from group by group at {diff}: {many[diff]} {one[diff]}")
    kinds = {json.loads(l)["verdict"] for l in one}
    if not {"new", "duplicate"} <= kinds or [json.loads(l)["seq"] for l in one] != list(
            range(1, 311)):
        fail(f"group verdicts: {kinds}")
    if batches("g1") != 7 or batches("g2") != 7:
        fail(f"batches: {batches('g1')} and {batches('g2')}, not 7")
    # a dry run judges each group alone against the store: the groups must be the same too
    dry = args + ["--dry-run"]
    if all_at_once("g3", dry, lines) != group_by_group("g4", dry, lines):
        fail("dry run: all at once differs from group by group")
    # 2 groups and 1 item read at once: the 2 groups commit, the item waits for its own group
    p = start("--follow", "-", *args, db="g5")
    r = Lines(p)
    p.stdin.write("".join(line(1000 + i) for i in range(2 * GROUP + 1)).encode())
    p.stdin.flush()
    for i in range(2 * GROUP):
        got = r.get(WAIT)
        if not got or json.loads(got)["id"] != f"it-{1000 + i}":
            fail(f"exact groups: item {i}: {got}")
    if r.get(0.5):
        fail("a group took more than --commit-items items")
    p.send_signal(signal.SIGTERM)
    out = r.rest()
    if p.wait(timeout=30) != 0 or [json.loads(l)["id"] for l in out] != [f"it-{1000 + 2 * GROUP}"]:
        fail(f"exact groups, the last: {out}")


def check_waiting():
    """More than three groups read at once (a file followed, or a pipe left open): the lines
    after the third group wait unread by any group, and must still be judged once the groups
    before them commit, without more input (they were stuck until the input grew)."""
    lines = [line(2000 + i) for i in range(3 * GROUP + 5)]
    args = ["--commit-items", str(GROUP), "--commit-ms", "100"]
    if len("".join(lines)) >= 65536:
        fail("the lines do not fit one read")
    path = os.path.join(WORK, "waiting.jsonl")
    with open(path, "w") as f:
        f.write("".join(lines))
    rd, wr = os.pipe()
    os.write(wr, "".join(lines).encode())  # in the pipe before the program reads: one read
    for name, follow, stdin in (("file", path, subprocess.DEVNULL), ("pipe", "-", rd)):
        p = start("--follow", follow, *args, db="w-" + name, stdin=stdin)
        r = Lines(p)
        for i in range(len(lines)):
            got = r.get(WAIT)
            if not got or json.loads(got)["id"] != f"it-{2000 + i}":
                p.kill()
                fail(f"waiting lines ({name}): item {i} of {len(lines)}: {got}")
        p.send_signal(signal.SIGTERM)
        if p.wait(timeout=30) != 0 or r.rest():
            fail(f"waiting lines ({name}): exit or extra verdicts")
    os.close(rd)
    os.close(wr)


def check_signal_backlog():
    """SIGTERM while a long backlog is judged group after group (the input all there, never
    waited for): the run stops after the groups in hand, it does not judge the whole backlog
    first (SIGINT and SIGTERM are blocked but while waiting for input, and a stop asked during
    a commit must still be taken before the next); the verdicts come in seq order,
    and exit 0."""
    total, per = 20000, 50
    path = os.path.join(WORK, "backlog.jsonl")
    with open(path, "w") as f:
        f.write("".join(line(50000 + i) for i in range(total)))
    with open(path, "rb") as src:
        p = start("--follow", "-", "--commit-items", str(per), "--commit-ms", "60000",
                  db="backlog", stdin=src)
        r = Lines(p)
        first = r.get(WAIT)
        p.send_signal(signal.SIGTERM)
        rest = r.rest()
        if p.wait(timeout=WAIT) != 0 or not first:
            fail(f"backlog SIGTERM: exit {p.returncode}, first verdict {first!r}")
    got = [json.loads(x) for x in [first] + rest]
    if [v["seq"] for v in got] != list(range(1, len(got) + 1)):
        fail(f"backlog SIGTERM: {len(got)} verdicts, not in seq order")
    if len(got) >= total // 2:
        fail(f"backlog SIGTERM: {len(got)} of {total} items judged after the stop")


def check_reopen_lines():
    """A followed file truncated, then replaced: the skipped lines are named by their line in
    the file as it is now (they went on counting from the old file's lines)."""
    path = os.path.join(WORK, "renum.jsonl")
    with open(path, "w") as f:
        f.write(line(30) + "\n" + line(31))
    p = start("--follow", path, "--commit-ms", "50", db="renum")
    r = Lines(p)
    for i in range(2):
        if not r.get(WAIT):
            p.kill()
            fail(f"reopen: no verdict for item {30 + i}")
    with open(path, "w") as f:  # truncated (shorter): its lines count from 1 again
        f.write("{bad one\n" + line(32))
    if not r.get(WAIT):
        p.kill()
        fail("reopen: no verdict after the truncation")
    with open(path + ".new", "w") as f:
        f.write("\n{bad two\n" + line(33))
    os.replace(path + ".new", path)  # replaced: another file, read from its start
    if not r.get(WAIT):
        p.kill()
        fail("reopen: no verdict after the replacement")
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    err = err.decode()
    if p.returncode != 0 or f"'{path}:1'" not in err or f"'{path}:2'" not in err:
        fail(f"reopen: line numbers: {err!r}")


def check_signal_while_writing():
    """SIGTERM while the verdicts wait for a reader (the output pipe full): the write goes on
    once the reader reads, and the run ends with the verdicts of every line read and exit 0
    (an interrupted write that had written nothing failed: 'cannot write the verdicts:
    Interrupted system call', exit 2)."""
    items = 200  # 60 KB of input (a pipe holds it), 26 KB of verdicts (more than a page)
    p = start("--follow", "-", "--commit-items", "100", "--commit-ms", "50", db="sigw")
    fcntl.fcntl(p.stdout.fileno(), 1031, 4096)  # F_SETPIPE_SZ: a page, no room left over
    p.stdin.write("".join(line(3000 + i) for i in range(items)).encode())
    p.stdin.flush()
    end, held = time.monotonic() + WAIT, []
    while len(held) < 10 or held[-1] < 2048 or held[-1] != held[-10]:  # a second unchanged
        if time.monotonic() > end:
            p.kill()
            fail(f"signal while writing: the output pipe never filled ({held[-1:]} bytes)")
        time.sleep(0.1)
        held.append(struct.unpack("i", fcntl.ioctl(p.stdout.fileno(), termios.FIONREAD,
                                                   b"\0" * 4))[0])
    # the pipe full (its page not always filled to the byte) and not read: the program is
    # blocked in its write
    p.send_signal(signal.SIGTERM)
    out = p.stdout.read()  # the input left open: the signal ends the run
    p.wait(timeout=WAIT)
    err = p.stderr.read()
    p.stdin.close()
    ids = [json.loads(l)["id"] for l in out.decode().splitlines()]
    # the signal ends the reading: the lines read are judged, every one (the rest is left)
    if p.returncode != 0 or ids != [f"it-{3000 + i}" for i in range(len(ids))] or \
            "cannot write" in err.decode():
        fail(f"signal while writing: exit {p.returncode}, {len(ids)} verdicts: {err.decode()}")


def check_signal_partial():
    """SIGTERM with half a line read (its rest not yet written): the whole lines are committed
    and the half line is not taken for a line (it was judged as one: 'skipped ... malformed
    JSON'); stderr says it was left."""
    p = start("--follow", "-", "--commit-items", "1000", "--commit-ms", "600000", db="sigp")
    half = line(41)[:40]
    p.stdin.write((line(40) + half).encode())
    p.stdin.flush()
    wait_drained(p.stdin, 60)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    out = p.stdout.read().decode()
    p.wait(timeout=30)
    err = p.stderr.read().decode()
    p.stdin.close()
    ids = [json.loads(l)["id"] for l in out.splitlines()]
    if p.returncode != 0 or ids != ["it-40"] or "skipped" in err or "line 2" not in err:
        fail(f"signal with half a line: exit {p.returncode}, {ids}, {err!r}")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    check_pipe()
    check_file()
    check_groups()
    check_waiting()
    check_reopen_lines()
    check_signal_backlog()
    check_signal_partial()
    check_signal_while_writing()
    print("ok")


main()
