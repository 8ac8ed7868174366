#!/usr/bin/env python3
"""reprint serve on an ephemeral loopback port: routes, bad requests (wrong method, unknown
route, a 1 GB body, invalid JSON, a missing token), 8 threads posting at once (no item lost or
judged twice, verdicts equal to one batch run of the same items in seq order), and a graceful
SIGTERM. Usage: check_serve.py REPRINT WORKDIR"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

REPRINT, WORK = sys.argv[1], sys.argv[2]
WORDS = ("amber bridge cobalt delta ember fjord garnet harbor iris juniper kestrel lantern "
         "meadow nickel orchard pylon quarry ridge saffron timber umber valley willow xenon "
         "yarrow zephyr anchor beacon cinder drift").split()


def text(seed, n=60, edit=0):
    x, out = seed * 2654435761 + 1, []
    for i in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append("changed" if edit and i % edit == edit // 2 else WORDS[(x >> 33) % len(WORDS)])
    return " ".join(out)


def item(i):
    # every fourth item a light edit of an earlier one, so verdicts are not all "new"
    if i % 4 == 3:
        return {"id": f"item-{i}", "text": text(i - 3, edit=12)}
    return {"id": f"item-{i}", "text": text(i)}


class Server:
    def __init__(self, store, *extra):
        self.err = open(os.path.join(WORK, "serve.err"), "w+")
        self.proc = subprocess.Popen([REPRINT, "serve", "--store", store, "--listen",
                                      "127.0.0.1:0", *extra], stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        for _ in range(1200):  # a minute: ASan on a loaded CI machine starts slowly
            self.err.seek(0)
            m = re.search(r"127\.0\.0\.1:(\d+)/", self.err.read())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.05)
        raise SystemExit("serve did not start")

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read().decode()
        c.close()
        return r.status, data

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def check_routes(s):
    st, body = s.request("GET", "/v1/health")
    expect(st == 200 and json.loads(body)["status"] == "ok", f"health: {st} {body}")
    st, body = s.request("PUT", "/v1/items", body="x")
    expect(st == 405 and "method not allowed" in body, f"wrong method: {st} {body}")
    st, body = s.request("GET", "/v2/nothing")
    expect(st == 404 and "no such route" in body, f"unknown route: {st} {body}")
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    c.putrequest("POST", "/v1/items")
    c.putheader("Content-Length", str(1 << 30))  # 1 GB announced: refused before it is sent
    c.endheaders()
    r = c.getresponse()
    expect(r.status == 413, f"1 GB body: {r.status}")
    c.close()
    bad = '{"id":"ok-1","text":"%s"}\n{"id": "broken", "text": \n' % text(1)
    st, body = s.request("POST", "/v1/items", body=bad)
    expect(st == 400 and "line:2" in body, f"invalid JSON: {st} {body}")
    st, body = s.request("POST", "/v1/items", body=json.dumps(item(0), indent=2))
    expect(st == 200 and json.loads(body)["verdict"] == "new", f"one object: {st} {body}")
    st, body = s.request("POST", "/v1/items?dry_run=1", body=json.dumps(item(0)))
    expect(st == 200 and json.loads(body)["verdict"] == "seen", f"dry run: {st} {body}")
    st, body = s.request("DELETE", "/v1/items/item-0")
    expect(st == 200 and json.loads(body)["deleted"] == 1, f"delete: {st} {body}")
    st, body = s.request("DELETE", "/v1/items/item-0")
    expect(st == 404, f"delete again: {st} {body}")
    st, body = s.request("GET", "/v1/stats")
    expect(st == 200 and json.loads(body)["documents"] == 0, f"stats: {st} {body}")


def check_concurrent(s, n=800, threads=8, per_request=10):
    answers, lock = [], threading.Lock()

    def post(t):
        for start in range(t * per_request, n, threads * per_request):
            lines = "".join(json.dumps(item(i)) + "\n" for i in range(start, start + per_request))
            st, body = s.request("POST", "/v1/items", body=lines)
            expect(st == 200, f"post: {st} {body}")
            with lock:
                answers.extend(json.loads(l) for l in body.splitlines())

    ts = [threading.Thread(target=post, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ids = [a["id"] for a in answers]
    expect(len(ids) == n and len(set(ids)) == n, f"{len(ids)} answers, {len(set(ids))} ids")
    expect(all(a["verdict"] != "seen" for a in answers), "an item judged twice")
    seqs = sorted(a["seq"] for a in answers)
    expect(seqs == list(range(seqs[0], seqs[0] + n)), "seq is not the commit order")
    return sorted(answers, key=lambda a: a["seq"])


def batch_verdicts(order):
    path = os.path.join(WORK, "batch.jsonl")
    with open(path, "w") as f:
        for a in order:
            f.write(json.dumps(item(int(a["id"].split("-")[1]))) + "\n")
    out = subprocess.run([REPRINT, "dedup", "--store", os.path.join(WORK, "batch"), path],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    store = os.path.join(WORK, "served")
    s = Server(store)
    check_routes(s)
    served = check_concurrent(s)
    expect(s.stop() == 0, "SIGTERM: exit status not 0")
    batch = batch_verdicts(served)
    for a, b in zip(served, batch):
        expect((a["verdict"], a["of"]) == (b["verdict"], b["of"]),
               f"served {a} but one batch says {b}")
    exported = subprocess.run([REPRINT, "store", "export", store], capture_output=True,
                              text=True, check=True).stdout.splitlines()
    expect(len(exported) == len(served), f"store holds {len(exported)} items")

    token = os.path.join(WORK, "token")
    with open(token, "w") as f:
        f.write("s3cret\n")
    s = Server(store, "--token-file", token)
    st, _ = s.request("GET", "/v1/health")
    expect(st == 401, f"no token: {st}")
    st, _ = s.request("GET", "/v1/health", headers={"Authorization": "Bearer s3cret"})
    expect(st == 200, f"token: {st}")
    s.stop()
    r = subprocess.run([REPRINT, "serve", "--store", store, "--listen", "0.0.0.0:0"],
                       capture_output=True, text=True)
    expect(r.returncode == 2 and "--token-file" in r.stderr, f"non-loopback: {r.stderr}")
    print("ok")


main()
