#!/usr/bin/env python3
"""The store as a stream and a service, measured and attacked.

    python3 bench/store_trials.py serve REPRINT [ITEMS [CLIENTS]]
        `reprint serve` with CLIENTS threads (default 8) posting ITEMS items (default 100000) in
        requests of 100 over loopback: items/s; then checks that no item was lost or judged
        twice and that the verdicts, in seq order, equal one batch run of the same items.
    python3 bench/store_trials.py kill REPRINT [TRIALS]
        TRIALS times (default 100), alternately `serve` and `dedup --follow`, fed items, then
        SIGKILLed at a random moment: the store must pass `store check`, hold exactly whole
        committed groups (follow: a prefix of the input; both: every answered item), and a
        re-run of every item must recover each answered verdict (seen, with the original
        verdict and `of`).
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SYL = ["ka", "ri", "to", "mu", "sel", "van", "dor", "pin", "eth", "lo", "ra", "mi", "sun"]


def items(n, seed=1):
    rnd, out = random.Random(seed), []
    for i in range(n):
        if i % 10 == 9:  # a light edit of a recent item
            words = out[i - 1 - rnd.randrange(min(i, 50))]["text"].split()
            words[rnd.randrange(len(words))] = "edited"
        else:
            words = ["".join(rnd.choice(SYL) for _ in range(3)) for _ in range(200)]
        out.append({"id": f"it-{i}", "text": " ".join(words)})
    return out


def start_serve(reprint, store, log):
    err = open(log, "w+")
    p = subprocess.Popen([reprint, "serve", "--store", store, "--listen", "127.0.0.1:0"],
                         stderr=err, stdin=subprocess.DEVNULL)
    for _ in range(400):
        err.seek(0)
        m = re.search(r"127\.0\.0\.1:(\d+)/", err.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.025)
    raise RuntimeError("serve did not start")


def post(port, lines):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", "/v1/items", body=lines)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"{r.status} {body}")
    return [json.loads(l) for l in body.splitlines()]


def batch(reprint, store, its):
    path = store + ".jsonl"
    with open(path, "w") as f:
        for it in its:
            f.write(json.dumps(it) + "\n")
    out = subprocess.run([reprint, "dedup", "--store", store, path], capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def run_serve(reprint, n=100000, clients=8, per=100):
    tmp = tempfile.mkdtemp(prefix="rp-serve-")
    its = items(n)
    p, port = start_serve(reprint, os.path.join(tmp, "db"), os.path.join(tmp, "log"))
    answers, lock, errors = [], threading.Lock(), []

    def client(k):
        try:
            for s in range(k * per, n, clients * per):
                got = post(port, "".join(json.dumps(it) + "\n" for it in its[s:s + per]))
                with lock:
                    answers.extend(got)
        except Exception as e:  # reported below
            errors.append(str(e))

    t0 = time.monotonic()
    ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    took = time.monotonic() - t0
    p.send_signal(signal.SIGTERM)
    p.wait()
    ids = {a["id"] for a in answers}
    print(f"serve: {n} items, {clients} clients, {per} a request: {took:.1f} s, "
          f"{n / took:.0f} items/s; errors {len(errors)}")
    ok = len(answers) == n and len(ids) == n and not any(a["verdict"] == "seen" for a in answers)
    byid = {it["id"]: it for it in its}
    order = sorted(answers, key=lambda a: a["seq"])
    ref = batch(reprint, os.path.join(tmp, "ref"), [byid[a["id"]] for a in order])
    same = all((a["verdict"], a["of"]) == (b["verdict"], b["of"]) for a, b in zip(order, ref))
    print(f"no item lost or judged twice: {ok}; verdicts equal one batch run in seq order: {same}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok and same and not errors else 1


def feed_follow(reprint, store, its, kill_after):
    p = subprocess.Popen([reprint, "dedup", "--store", store, "--follow", "-", "--commit-ms",
                          "5"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    out = []
    t = threading.Thread(target=lambda: out.extend(p.stdout))
    t.start()
    deadline = time.monotonic() + kill_after
    try:
        for i in range(0, len(its), 20):
            if time.monotonic() >= deadline:
                break
            p.stdin.write("".join(json.dumps(it) + "\n" for it in its[i:i + 20]).encode())
            p.stdin.flush()
            time.sleep(0.002)
    except BrokenPipeError:
        pass
    time.sleep(max(0.0, deadline - time.monotonic()))
    p.kill()
    p.wait()
    t.join()
    answered = []
    for raw in out:  # the last line may be cut by the kill
        try:
            answered.append(json.loads(raw))
        except ValueError:
            pass
    return answered


def feed_serve(reprint, store, its, kill_after, log):
    p, port = start_serve(reprint, store, log)
    answered, lock = [], threading.Lock()

    def client(k):
        for s in range(k * 20, len(its), 4 * 20):
            try:
                got = post(port, "".join(json.dumps(it) + "\n" for it in its[s:s + 20]))
            except Exception:
                return  # killed
            with lock:
                answered.extend(got)

    ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    time.sleep(kill_after)
    p.kill()
    p.wait()
    for t in ts:
        t.join()
    return answered


def trial(reprint, tmp, k, its, rnd):
    store = os.path.join(tmp, f"t{k}")
    mode = "serve" if k % 2 else "follow"
    kill_after = rnd.uniform(0.05, 1.5)
    if mode == "serve":
        answered = feed_serve(reprint, store, its, kill_after, os.path.join(tmp, "log"))
    else:
        answered = feed_follow(reprint, store, its, kill_after)
    problems = []
    if not os.path.exists(os.path.join(store, "data.mdb")):
        return mode, kill_after, len(answered), 0, [] if not answered else ["no store"]
    chk = subprocess.run([reprint, "store", "check", store], capture_output=True, text=True)
    if chk.returncode != 0:
        problems.append("check: " + chk.stderr.strip())
    exp = subprocess.run([reprint, "store", "export", store], capture_output=True, text=True)
    held = [json.loads(l)["id"] for l in exp.stdout.splitlines()]
    if not set(a["id"] for a in answered) <= set(held):
        problems.append("an answered item is not stored")
    if mode == "follow" and held != [it["id"] for it in its[:len(held)]]:
        problems.append("the store is not a prefix of the input")
    rerun = {v["id"]: v for v in batch(reprint, store, its)}
    for a in answered:
        r = rerun[a["id"]]
        if (r["verdict"], r["original"], r["of"]) != ("seen", a["verdict"], a["of"]):
            problems.append(f"{a['id']} answered {a['verdict']} of {a['of']}, re-run {r}")
            break
    shutil.rmtree(store, ignore_errors=True)
    return mode, kill_after, len(answered), len(held), problems


def run_kill(reprint, trials=100):
    tmp = tempfile.mkdtemp(prefix="rp-kill-")
    its, rnd, failed = items(3000, seed=7), random.Random(42), 0
    for k in range(trials):
        mode, after, answered, held, problems = trial(reprint, tmp, k, its, rnd)
        failed += bool(problems)
        print(f"trial {k:3d} {mode:6s} killed at {after:.2f} s: {answered} answered, "
              f"{held} stored{'; ' + '; '.join(problems) if problems else ''}", flush=True)
    print(f"{trials} trials, {failed} failed")
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    what, reprint = sys.argv[1], sys.argv[2]
    rest = [int(a) for a in sys.argv[3:]]
    sys.exit(run_serve(reprint, *rest) if what == "serve" else run_kill(reprint, *rest))
