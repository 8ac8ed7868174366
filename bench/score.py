#!/usr/bin/env python3
"""Scores a `reprint scan --format json` report (or a converted sim_text report) against the
truth.json written by bench/gen.py: pair recall per edit class and pair precision.

Rules (issue 3, item 7): a truth pair (two copies of one truth cluster) is found when one reported
cluster holds two different passages, one covering at least half of each copy's span.  A reported
pair (two passages of one reported cluster) is right when truth spans cover at least half of each
passage and one truth cluster has a copy touching one passage and another copy touching the
other; a pair that is not right but whose two texts are equal after normalization (lowercase,
punctuation dropped) is a repeat the generator made by chance and counts as neither; all others
are wrong.  Large clusters are counted by groups, never pair by pair.

    python3 bench/score.py TRUTH_DIR REPORT.json [--json OUT] [--min-words 15]
    python3 bench/score.py --self-test
"""

import argparse
import bisect
import json
import os
import re
import sys
from collections import Counter, defaultdict

CLASSES = ["exact", "light", "heavy", "ocr", "internal"]
NORM_RE = re.compile(r"[^\w]+")


class Truth:
    def __init__(self, tdir):
        self.dir = tdir
        with open(os.path.join(tdir, "truth.json")) as f:
            t = json.load(f)
        self.names = t["documents"]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.clusters = t["clusters"]
        # per document: sorted (start, end, cluster index, copy index)
        self.spans = defaultdict(list)
        for ci, c in enumerate(self.clusters):
            for j, cp in enumerate(c["copies"]):
                self.spans[self.index[cp["doc"]]].append((cp["start"], cp["end"], ci, j))
        self.starts = {}
        for d, lst in self.spans.items():
            lst.sort()
            self.starts[d] = [s for s, _, _, _ in lst]
        self.maxlen = max((e - s for lst in self.spans.values() for s, e, _, _ in lst), default=0)

    def overlapping(self, d, s, e):
        """Truth copies in document d that overlap [s, e)."""
        lst = self.spans.get(d)
        if not lst:
            return []
        i = bisect.bisect_left(self.starts[d], s - self.maxlen)
        out = []
        while i < len(lst) and lst[i][0] < e:
            a, b, ci, j = lst[i]
            if b > s:
                out.append(lst[i])
            i += 1
        return out

    def text(self, d, s, e):
        with open(os.path.join(self.dir, "docs", self.names[d]), "rb") as f:
            f.seek(s)
            return f.read(max(0, e - s))


def map_documents(truth, report):
    """Report document index -> truth document index (by name suffix, else by position)."""
    out = {}
    for i, doc in enumerate(report.get("documents", [])):
        name = doc["name"] if isinstance(doc, dict) else doc
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if base in truth.index:
            out[i] = truth.index[base]
        elif name in truth.index:
            out[i] = truth.index[name]
        elif len(report["documents"]) == len(truth.names):
            out[i] = i
    return out


def overlap(a, b, c, d):
    return max(0, min(b, d) - max(a, c))


def union_cover(spans, s, e):
    """Bytes of [s, e) covered by the union of spans."""
    iv = sorted((max(a, s), min(b, e)) for a, b, _, _ in spans if min(b, e) > max(a, s))
    tot, cur = 0, s
    for a, b in iv:
        a = max(a, cur)
        if b > a:
            tot += b - a
            cur = b
    return tot


def norm_text(raw):
    return NORM_RE.sub(" ", raw.decode("utf-8", "replace").lower().replace("_", " ")).strip()


def score(truth, report, min_words=15):
    dmap = map_documents(truth, report)
    # --- passages: where they fall in the truth
    cover_of = defaultdict(lambda: defaultdict(set))  # (ci, j) -> reported cluster -> passage ids
    pinfo = []  # per reported cluster: list of passage info
    ptokens = []  # per reported cluster: each passage's token count
    for rc, cl in enumerate(report.get("clusters", [])):
        infos = []
        ptokens.append([p["tokens"] if "tokens" in p else
                        (len(norm_text(truth.text(dmap[p["doc"]], p["start"], p["end"])).split())
                         if dmap.get(p["doc"]) is not None else 0)
                        for p in cl.get("passages", [])])
        for pi, p in enumerate(cl.get("passages", [])):
            d = dmap.get(p["doc"])
            if d is None:
                infos.append((None, False, frozenset(), None))
                continue
            s, e = p["start"], p["end"]
            ov = truth.overlapping(d, s, e)
            for a, b, ci, j in ov:
                if 2 * overlap(a, b, s, e) >= b - a:
                    cover_of[(ci, j)][rc].add(pi)
            covered = e > s and 2 * union_cover(ov, s, e) >= e - s
            touch = frozenset((ci, j) for _, _, ci, j in ov)
            infos.append((d, covered, touch, (s, e)))
        pinfo.append(infos)
    # --- recall per class over truth pairs
    rec = {c: [0, 0] for c in CLASSES}
    buckets = defaultdict(lambda: [0, 0])
    bp_total = bp_labelled = 0
    kinds = [cl.get("kind", "reprint") for cl in report.get("clusters", [])]
    for ci, c in enumerate(truth.clusters):
        cls = c["class"]
        if cls == "boilerplate":
            for j in range(len(c["copies"])):
                bp_total += 1
                if any(kinds[rc] == "boilerplate" for rc in cover_of.get((ci, j), {})):
                    bp_labelled += 1
            continue
        if c["words"] < min_words:
            continue
        n = len(c["copies"])
        bucket = "15-29" if c["words"] < 30 else "30-99" if c["words"] < 100 else "100+"
        for x in range(n):
            for y in range(x + 1, n):
                cx, cy = cover_of.get((ci, x), {}), cover_of.get((ci, y), {})
                found = any(len(cx[rc] | cy[rc]) >= 2 for rc in cx if rc in cy)
                rec.setdefault(cls, [0, 0])
                rec[cls][0] += found
                rec[cls][1] += 1
                buckets[(cls, bucket)][0] += found
                buckets[(cls, bucket)][1] += 1
    # --- precision over reported pairs
    # The target is for passages of >= min_words words: "long" counts only pairs of
    # such passages (shorter ones are mostly the Markov chain's own near-repeats).
    prec = {"all": Counter(), "nonboilerplate": Counter(), "long": Counter()}
    for rc, infos in enumerate(pinfo):
        r, neutral, total = cluster_pairs(truth, infos)
        long_infos = [i for i, t in zip(infos, ptokens[rc]) if t >= min_words]
        parts = [("all", r, neutral, total, infos)]
        if kinds[rc] != "boilerplate":
            parts.append(("nonboilerplate", r, neutral, total, infos))
            parts.append(("long",) + cluster_pairs(truth, long_infos) + (long_infos,))
        for key, r_, n_, t_, inf in parts:
            if t_ == 0 and key == "long":
                continue
            prec[key]["right"] += r_
            prec[key]["neutral"] += n_
            prec[key]["wrong"] += t_ - r_ - n_
            prec[key]["pairs"] += t_
            prec[key]["clusters"] += 1
            prec[key]["passages"] += len(inf)
    result = {"recall": {}, "recall_by_length": {}, "precision": {}, "min_words": min_words}
    for c, (f, t) in rec.items():
        result["recall"][c] = {"found": f, "pairs": t, "recall": (f / t) if t else None}
    for (c, b), (f, t) in sorted(buckets.items()):
        result["recall_by_length"]["%s %s" % (c, b)] = {"found": f, "pairs": t, "recall": f / t}
    allf = sum(v[0] for v in rec.values())
    allt = sum(v[1] for v in rec.values())
    result["recall"]["all"] = {"found": allf, "pairs": allt, "recall": allf / allt if allt else None}
    for k, cnt in prec.items():
        rw = cnt["right"] + cnt["wrong"]
        result["precision"][k] = dict(cnt, precision=(cnt["right"] / rw) if rw else None)
    result["boilerplate"] = {"copies": bp_total, "labelled": bp_labelled,
                             "share": bp_labelled / bp_total if bp_total else None}
    return result


def cluster_pairs(truth, infos):
    """(right, neutral, total) pairs of one reported cluster, grouped so that giant clusters
    cost O(n) except for passages touching several truth copies."""
    n = len(infos)
    total = n * (n - 1) // 2
    if total == 0:
        return 0, 0, 0
    simple, complex_ = [], []
    for k, (_, _, touch, _) in enumerate(infos):
        (simple if len(touch) <= 1 else complex_).append(k)
    texts = {}

    def text_of(k):
        if k not in texts:
            d, _, _, se = infos[k]
            texts[k] = norm_text(truth.text(d, *se)) if d is not None else ("\0missing%d" % k)
        return texts[k]

    def is_right(p, q):
        _, cp, tp, _ = infos[p]
        _, cq, tq, _ = infos[q]
        if not (cp and cq):
            return False
        return any(a[0] == b[0] and a[1] != b[1] for a in tp for b in tq)

    right = neutral = 0
    # simple x simple: by groups
    group = Counter()  # (ci, j) -> count, covered simple passages only
    tgroup = Counter()  # (text, ci, j)
    tcount = Counter()
    per_ci = defaultdict(Counter)
    per_tci = defaultdict(Counter)
    for k in simple:
        d, covered, touch, se = infos[k]
        t = text_of(k)
        tcount[t] += 1
        if covered and touch:
            (ci, j), = touch
            per_ci[ci][j] += 1
            per_tci[(t, ci)][j] += 1
    for ci, cnt in per_ci.items():
        s = sum(cnt.values())
        right += (s * s - sum(v * v for v in cnt.values())) // 2
    same_right = 0
    for _, cnt in per_tci.items():
        s = sum(cnt.values())
        same_right += (s * s - sum(v * v for v in cnt.values())) // 2
    same = sum(v * (v - 1) // 2 for v in tcount.values())
    neutral += same - same_right
    # pairs with a complex passage: one by one
    done = set()
    for p in complex_:
        done.add(p)
        for q in range(n):
            if q in done:
                continue
            if is_right(p, q):
                right += 1
            elif text_of(p) == text_of(q):
                neutral += 1
    return right, neutral, total


def table(name, res):
    lines = ["%s" % name,
             "  %-9s %9s %9s %8s" % ("class", "found", "pairs", "recall")]
    for c in CLASSES + ["all"]:
        r = res["recall"].get(c)
        if r and r["pairs"]:
            lines.append("  %-9s %9d %9d %8.4f" % (c, r["found"], r["pairs"], r["recall"]))
    for k in ("long", "nonboilerplate", "all"):
        p = res["precision"][k]
        pr = "%.4f" % p["precision"] if p.get("precision") is not None else "n/a"
        what = {"long": "passages >= %d words, non-boilerplate" % res.get("min_words", 15),
                "nonboilerplate": "all passages, non-boilerplate", "all": "all clusters"}[k]
        lines.append("  precision (%s): %s  right %d wrong %d chance %d in %d clusters"
                     % (what, pr, p.get("right", 0), p.get("wrong", 0), p.get("neutral", 0),
                        p.get("clusters", 0)))
    b = res["boilerplate"]
    if b["copies"]:
        lines.append("  boilerplate copies in 'boilerplate' clusters: %d/%d (%.3f)"
                     % (b["labelled"], b["copies"], b["share"]))
    return "\n".join(lines)


# ---------------------------------------------------------------- self test

def perfect_report(truth, min_words=0):
    docs = [{"id": i, "name": "docs/" + n} for i, n in enumerate(truth.names)]
    cls = []
    for c in truth.clusters:
        ps = sorted(({"doc": truth.index[cp["doc"]], "start": cp["start"], "end": cp["end"]}
                     for cp in c["copies"]), key=lambda p: (p["doc"], p["start"]))
        cls.append({"id": len(cls), "kind": "boilerplate" if c["class"] == "boilerplate"
                    else "internal" if c["class"] == "internal" else "reprint",
                    "passages": ps})
    return {"documents": docs, "clusters": cls}


def self_test():
    import shutil
    import subprocess
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    tmp = tempfile.mkdtemp(prefix="rp-score-")
    ok = True

    def check(cond, what):
        nonlocal ok
        print("%s %s" % ("ok  " if cond else "FAIL", what))
        ok = ok and cond

    try:
        subprocess.run([sys.executable, os.path.join(here, "gen.py"), "--seed", "7", "--size",
                        "1500000", "--out", tmp], check=True)
        truth = Truth(tmp)
        # (a) perfect report
        res = score(truth, perfect_report(truth))
        check(all(res["recall"][c]["recall"] == 1.0 for c in CLASSES if res["recall"][c]["pairs"]),
              "perfect report: recall 1.0 for every class")
        check(res["precision"]["all"]["precision"] == 1.0, "perfect report: precision 1.0")
        check(res["boilerplate"]["share"] == 1.0, "perfect report: boilerplate labelled")
        # (b) broken: shift every other passage past its span, and merge two clusters
        rep = perfect_report(truth)
        for cl in rep["clusters"]:
            for k, p in enumerate(cl["passages"]):
                if k % 2:
                    ln = p["end"] - p["start"]
                    p["start"] += ln * 3 // 4
                    p["end"] += ln * 3 // 4
        bad = score(truth, rep)
        check(bad["recall"]["all"]["recall"] < 0.9, "shifted passages: recall drops (%.3f)"
              % bad["recall"]["all"]["recall"])
        check(bad["precision"]["all"]["precision"] < 0.9, "shifted passages: precision drops (%.3f)"
              % bad["precision"]["all"]["precision"])
        rep = perfect_report(truth)
        rc = [c for c in rep["clusters"] if c["kind"] != "boilerplate"]
        rc[0]["passages"] += rc[1]["passages"]
        rc[1]["passages"] = []
        merged = score(truth, rep)
        check(merged["precision"]["all"]["precision"] < 1.0
              and merged["recall"]["all"]["recall"] == 1.0,
              "merged clusters: precision below 1, recall 1 (%.4f)"
              % merged["precision"]["all"]["precision"])
        # chance repeat: two equal uncovered spans are neutral, unequal ones are wrong
        d0 = next(d for d in range(len(truth.names)) if not truth.spans.get(d))
        raw = open(os.path.join(tmp, "docs", truth.names[d0]), "rb").read()
        rep = {"documents": [{"name": n} for n in truth.names],
               "clusters": [{"kind": "reprint", "passages": [
                   {"doc": d0, "start": 0, "end": 100}, {"doc": d0, "start": 0, "end": 100}]},
                   {"kind": "reprint", "passages": [
                       {"doc": d0, "start": 0, "end": 100}, {"doc": d0, "start": 200, "end": 300}]}]}
        ch = score(truth, rep)["precision"]["all"]
        check(ch["neutral"] == 1 and ch["wrong"] == 1 and len(raw) > 300,
              "chance repeat neutral, other uncovered pair wrong")
        # giant cluster: counted by groups, equals brute force
        rep = perfect_report(truth)
        big = {"kind": "reprint", "passages": [p for c in rep["clusters"] for p in c["passages"]]}
        fast = score(truth, {"documents": rep["documents"], "clusters": [big]})["precision"]["all"]
        infos = []
        dmap = map_documents(truth, rep)
        for p in big["passages"]:
            d = dmap[p["doc"]]
            ov = truth.overlapping(d, p["start"], p["end"])
            infos.append((d, 2 * union_cover(ov, p["start"], p["end"]) >= p["end"] - p["start"],
                          frozenset((ci, j) for _, _, ci, j in ov)))
        brute = 0
        for i in range(len(infos)):
            for j in range(i + 1, len(infos)):
                a, b = infos[i], infos[j]
                brute += a[1] and b[1] and any(x[0] == y[0] and x[1] != y[1]
                                                for x in a[2] for y in b[2])
        check(fast["right"] == brute, "giant cluster: grouped count %d == brute force %d"
              % (fast["right"], brute))
        # (c) sim_text's real output
        if shutil.which("sim_text"):
            out = os.path.join(tmp, "sim.json")
            subprocess.run([sys.executable, os.path.join(here, "simtext2json.py"), "--run",
                            os.path.join(tmp, "docs"), "-o", out], check=True)
            with open(out) as f:
                sres = score(truth, json.load(f))
            print(table("sim_text -r 8 -n", sres))
            check(0 < sres["recall"]["exact"]["recall"] <= 1.0
                  and sres["recall"]["exact"]["recall"] > sres["recall"]["ocr"]["recall"],
                  "sim_text: scores, exact recall above OCR recall")
        else:
            print("skip sim_text check: sim_text not installed (apt-get install similarity-tester)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("score.py self-test: %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def read_time(path):
    """(wall seconds, max RSS MB, exit status) from a `/usr/bin/time -v` log, or None."""
    try:
        with open(path) as f:
            txt = f.read()
    except OSError:
        return None
    wall = rss = None
    status = 0
    for line in txt.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock)"):
            parts = [float(x) for x in line.rsplit(" ", 1)[1].split(":")]
            wall = sum(v * 60 ** (len(parts) - 1 - k) for k, v in enumerate(parts))
        elif line.startswith("Maximum resident set size"):
            rss = int(line.rsplit(" ", 1)[1]) / 1024.0
        elif line.startswith("Exit status") or line.startswith("Command exited with non-zero"):
            status = status or int(line.rsplit(" ", 1)[1])
        elif line.startswith("Command terminated by signal"):
            status = 128 + int(line.rsplit(" ", 1)[1])
    return wall, rss, status


def summary(outdir, sizes):
    """One table over the sizes run by bench/run.sh."""
    def load(p):
        try:
            with open(p) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def rec(res, c):
        r = res["recall"].get(c) if res else None
        return "%.3f" % r["recall"] if r and r["recall"] is not None else "-"

    def prec(res):
        p = res["precision"]["long"] if res else None
        return "%.4f" % p["precision"] if p and p.get("precision") is not None else "-"

    hdr = "%-6s %-16s %8s %8s" % ("size", "tool", "seconds", "RSS MB") + "".join(
        " %8s" % c for c in CLASSES) + " %8s %8s" % ("prec", "boilerp")
    print(hdr)
    print("-" * len(hdr))
    for size in sizes:
        d = os.path.join(outdir, size)
        times = {}
        for tool, base in (("reprint", "reprint"), ("sim_text", "sim"), ("sim_text merged", "sim-merged")):
            res = load(os.path.join(d, base + ".score.json"))
            t = read_time(os.path.join(d, ("sim" if base.startswith("sim") else base) + ".time"))
            if res is None and t is None:
                continue
            times[tool] = t
            wall = "%.2f" % t[0] if t and t[0] is not None else "-"
            rss = "%.0f" % t[1] if t and t[1] is not None else "-"
            if t and t[2]:
                wall += "!"  # non-zero exit status
            b = res["boilerplate"]["share"] if res else None
            print("%-6s %-16s %8s %8s" % (size, tool, wall, rss)
                  + "".join(" %8s" % rec(res, c) for c in CLASSES)
                  + " %8s %8s" % (prec(res), "%.3f" % b if b is not None else "-"))
        a, s = times.get("reprint"), times.get("sim_text")
        if a and s and a[0] and s[0]:
            print("%-6s sim_text/reprint time ratio: %.2f" % (size, s[0] / a[0]))
    print("(recall: truth pairs of >= 15 words found; prec: pair precision over >= 15-word passages of non-boilerplate"
          " clusters; boilerp: share of boilerplate copies in 'boilerplate' clusters;"
          " '!' = the tool exited non-zero)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("truth", nargs="?", help="directory holding truth.json and docs/")
    ap.add_argument("report", nargs="?", help="JSON report (reprint scan --format json)")
    ap.add_argument("--min-words", type=int, default=15)
    ap.add_argument("--json", help="write the scores as JSON to this file ('-' for stdout)")
    ap.add_argument("--name", default=None, help="title of the table")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--summary", metavar="OUTDIR", help="print the table of bench/run.sh for the"
                    " sizes given as further arguments")
    ap.add_argument("sizes", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if args.summary:
        summary(args.summary, [x for x in [args.truth, args.report] + args.sizes if x])
        return 0
    if not args.truth or not args.report:
        ap.error("TRUTH_DIR and REPORT are required")
    truth = Truth(args.truth)
    with open(args.report) as f:
        report = json.load(f)
    res = score(truth, report, args.min_words)
    if args.json == "-":
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(res, f, indent=1)
        print(table(args.name or report.get("tool", args.report), res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
