#!/usr/bin/env python3
"""Scores a `reprint scan --format json` report (or a converted sim_text report) against the
truth.json written by bench/gen.py: pair recall per edit class and pair precision.

Rules: a truth pair (two copies of one truth cluster) is found when one reported
cluster holds two different passages, one covering at least half of each copy's span.  A reported
pair (two passages of one reported cluster) is right when truth spans cover at least half of each
passage and one truth cluster has a copy touching one passage and another copy touching the
other; a pair that is not right but whose two texts are equal after normalization (lowercase,
punctuation dropped) is a repeat the generator made by chance and counts as neither; all others
are wrong.  Large clusters are counted by groups, never pair by pair.

    python3 bench/score.py TRUTH_DIR REPORT.json [--json OUT] [--min-words 15]
    python3 bench/score.py TRUTH_DIR REPORT.json --passages [--overlaps LABEL=REPORT]...
    python3 bench/score.py --overlaps LABEL=REPORT...
    python3 bench/score.py --self-test

The passage metrics (overlapping passage pairs, pieces per planted copy, short reprints'
kind) are described in bench/README.md.
"""

import argparse
import bisect
import json
import os
import re
import sys
from collections import Counter, defaultdict

CLASSES = ["exact", "light", "heavy", "ocr", "internal"]
PASSAGE_CLASSES = ["gap", "long", "subphrase", "trim", "short"]  # gen.py --passage-cases
ONE_PAIR_APART = {"gap", "short"}
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
        self.keep = {}  # (ci, j) -> the span recall is measured on, when not the copy's own
        for ci, c in enumerate(self.clusters):
            for j, cp in enumerate(c["copies"]):
                self.spans[self.index[cp["doc"]]].append((cp["start"], cp["end"], ci, j))
                if "keep" in cp:
                    self.keep[(ci, j)] = tuple(cp["keep"])
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
                ka, kb = truth.keep.get((ci, j), (a, b))
                if 2 * overlap(ka, kb, s, e) >= kb - ka:
                    cover_of[(ci, j)][rc].add(pi)
            covered = e > s and 2 * union_cover(ov, s, e) >= e - s
            touch = frozenset((ci, j) for _, _, ci, j in ov)
            infos.append((d, covered, touch, (s, e)))
        pinfo.append(infos)
    # --- recall per class over truth pairs
    rec = {c: [0, 0] for c in CLASSES}
    buckets = defaultdict(lambda: [0, 0])
    variants = defaultdict(lambda: [0, 0])
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
        if c["words"] < min_words and cls != "subphrase":
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
                sub = c.get("variant", c.get("edit"))  # passage cases: trim variant, gap edit
                if sub:
                    variants[(cls, sub)][0] += found
                    variants[(cls, sub)][1] += 1
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
    if variants:
        result["recall_by_variant"] = {"%s %s" % k: {"found": f, "pairs": t, "recall": f / t}
                                       for k, (f, t) in sorted(variants.items())}
    allf = sum(v[0] for v in rec.values())
    allt = sum(v[1] for v in rec.values())
    result["recall"]["all"] = {"found": allf, "pairs": allt, "recall": allf / allt if allt else None}
    for k, cnt in prec.items():
        rw = cnt["right"] + cnt["wrong"]
        result["precision"][k] = dict(cnt, precision=(cnt["right"] / rw) if rw else None)
    result["boilerplate"] = {"copies": bp_total, "labelled": bp_labelled,
                             "share": bp_labelled / bp_total if bp_total else None}
    result["overlaps"] = count_overlaps(report)
    result["one_pair"] = one_pair(truth, report, dmap, cover_of, min_words)
    result["short"] = short_kinds(truth, cover_of, kinds)
    return result


# ---------------------------------------------------------------- passage metrics

def count_overlaps(report):
    """Pairs of reported passages of one document that share at least one byte: within one
    cluster and across clusters, and the documents holding any."""
    by_doc = defaultdict(list)
    for rc, cl in enumerate(report.get("clusters", [])):
        for p in cl.get("passages", []):
            if p["end"] > p["start"]:
                by_doc[p["doc"]].append((p["start"], p["end"], rc))
    within = across = 0
    docs = set()
    for d, lst in by_doc.items():
        lst.sort()
        active = []  # (end, cluster) of passages that started before and may still overlap
        for s, e, rc in lst:
            active = [x for x in active if x[0] > s]
            for _, rc2 in active:
                if rc2 == rc:
                    within += 1
                else:
                    across += 1
                docs.add(d)
            active.append((e, rc))
    return {"pairs": within + across, "within": within, "across": across, "documents": len(docs)}


def lies_on(s, e, a, b):
    """A passage [s, e) lies on a copy [a, b) when at least half of one is inside the other."""
    ov = overlap(a, b, s, e)
    return ov > 0 and (2 * ov >= e - s or 2 * ov >= b - a)


def gap_flanks(cp):
    """The copied text on either side of a gap copy's clause (empty flanks dropped)."""
    gs, ge = cp["gap"]
    return [(a, b) for a, b in ((cp["start"], gs), (ge, cp["end"])) if b > a]


def one_pair(truth, report, dmap, cover_of, min_words):
    """Per truth class: truth pairs (as for recall) reported as one passage pair.  A pair's
    pieces are the reported passage pairs (two passages of one cluster, any clusters) with one
    passage lying on each copy; it is one passage pair when it has one piece and is found (the
    recall rule), and for `gap` copies the piece also covers at least half of each flank.  The
    share is over the pairs with at least one piece (a pair with none is a recall miss)."""
    clusters = report.get("clusters", [])
    on = defaultdict(list)  # (ci, j) -> [(reported cluster, passage index, start, end)]
    for rc, cl in enumerate(clusters):  # every kind: the kind is measured apart
        for pi, p in enumerate(cl.get("passages", [])):
            d = dmap.get(p["doc"])
            if d is None:
                continue
            for a, b, ci, j in truth.overlapping(d, p["start"], p["end"]):
                if lies_on(p["start"], p["end"], a, b):
                    on[(ci, j)].append((rc, pi, p["start"], p["end"]))
    out = {}
    for ci, c in enumerate(truth.clusters):
        cls = c["class"]
        if cls == "boilerplate" or (c["words"] < min_words and cls != "subphrase"):
            continue
        row = out.setdefault(cls, {"pairs": 0, "one": 0, "with_pieces": 0, "pieces": 0})
        n = len(c["copies"])
        for x in range(n):
            for y in range(x + 1, n):
                pieces = {frozenset(((p[0], p[1]), (q[0], q[1])))
                          for p in on.get((ci, x), []) for q in on.get((ci, y), [])
                          if p[0] == q[0] and p[1] != q[1]}
                cx, cy = cover_of.get((ci, x), {}), cover_of.get((ci, y), {})
                found = any(len(cx[rc] | cy[rc]) >= 2 for rc in cx if rc in cy)
                whole = found and len(pieces) == 1
                if whole and cls == "gap":
                    px = next(p for p in on[(ci, x)] if (p[0], p[1]) in next(iter(pieces)))
                    py = next(q for q in on[(ci, y)] if (q[0], q[1]) in next(iter(pieces)))
                    whole = all(2 * overlap(a, b, p[2], p[3]) >= b - a
                                for p, cp in ((px, c["copies"][x]), (py, c["copies"][y]))
                                for a, b in gap_flanks(cp))
                row["pairs"] += 1
                row["one"] += whole
                row["with_pieces"] += bool(pieces)
                row["pieces"] += len(pieces)
    # The headline row: every class but `gap` (its own target) and `short` (5-10 copies make
    # 10-45 pairs a cluster, which would outweigh the rest; its row is printed apart).
    agg = {"pairs": 0, "one": 0, "with_pieces": 0, "pieces": 0}
    for k, row in out.items():
        if k not in ONE_PAIR_APART:
            for f in agg:
                agg[f] += row[f]
    out["planted"] = agg
    for row in out.values():
        # over the pairs the scan reported anything on: a pair it missed is a recall miss
        row["share"] = row["one"] / row["with_pieces"] if row["with_pieces"] else None
        row["pieces_per_pair"] = row["pieces"] / row["with_pieces"] if row["with_pieces"] else None
    return out


def short_kinds(truth, cover_of, kinds):
    """Copies of `short` truth clusters covered by a reported `reprint` cluster (and by a
    `boilerplate` one, the fault to measure)."""
    res = {"copies": 0, "reprint": 0, "boilerplate": 0}
    for ci, c in enumerate(truth.clusters):
        if c["class"] != "short":
            continue
        for j in range(len(c["copies"])):
            res["copies"] += 1
            got = {kinds[rc] for rc in cover_of.get((ci, j), {})}
            res["reprint"] += "reprint" in got
            res["boilerplate"] += "boilerplate" in got
    res["share"] = res["reprint"] / res["copies"] if res["copies"] else None
    return res


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
    for c in CLASSES + PASSAGE_CLASSES + ["all"]:
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


def passage_table(name, res, extra=()):
    """The table of bench/passages.sh: the passage metrics beside their targets,
    then the overlaps of the extra reports ((label, count_overlaps result) pairs)."""
    rows = []

    def row(what, value, target=None, ok=None):
        rows.append("  %-50s %-30s %-9s %s" % (what, value, target or "",
                                                "" if ok is None else ("ok" if ok else "MISSED")))

    def frac(a, b):
        return "%.4f (%d/%d)" % (a / b, a, b) if b else "- (0)"

    def overlaps(o):
        return "%d (%d + %d) in %d docs" % (o["pairs"], o["within"], o["across"], o["documents"])

    o = res["overlaps"]
    row("overlapping passage pairs (within + across)", overlaps(o), "0", o["pairs"] == 0)
    op = res["one_pair"]
    for key, what, target, lim in (("planted", "one passage pair: planted copies", ">= 0.98", 0.98),
                                   ("gap", "one passage pair: inserted/deleted clause", ">= 0.95",
                                    0.95)):
        r = op.get(key)
        if r and r["with_pieces"]:
            row(what, frac(r["one"], r["with_pieces"]), target, r["share"] >= lim)
            if key == "planted":
                ppp = r["pieces_per_pair"]
                row("  pieces per planted copy pair", "%.4f" % ppp if ppp else "-", "<= 1.02",
                    ppp is not None and ppp <= 1.02)
    for c in CLASSES + PASSAGE_CLASSES:
        r = op.get(c)
        if r and r["with_pieces"]:
            ppp = r["pieces_per_pair"]
            row("  %s: one pair; pieces per pair" % c, "%s; %s" % (
                frac(r["one"], r["with_pieces"]), "%.3f" % ppp if ppp else "-"))
    sh = res["short"]
    if sh["copies"]:
        row("short reprints labelled reprint", frac(sh["reprint"], sh["copies"]), ">= 0.95",
            sh["share"] >= 0.95)
        row("  short reprint copies in boilerplate clusters", "%d" % sh["boilerplate"])
    b = res["boilerplate"]
    if b["copies"]:
        row("boilerplate lines labelled boilerplate", frac(b["labelled"], b["copies"]), ">= 0.95",
            b["share"] >= 0.95)
    for c, lim in (("exact", 1.0), ("light", 0.99), ("heavy", 0.92), ("ocr", 0.95)):
        r = res["recall"].get(c)
        if r and r["pairs"]:
            row("recall %s" % c, frac(r["found"], r["pairs"]), ">= %.2f" % lim, r["recall"] >= lim)
    for c in ["internal"] + PASSAGE_CLASSES:
        r = res["recall"].get(c)
        if r and r["pairs"]:
            row("recall %s" % c, frac(r["found"], r["pairs"]))
            for k, v in res.get("recall_by_variant", {}).items():
                if k.split(" ")[0] == c:
                    row("  recall %s" % k, frac(v["found"], v["pairs"]))
    p = res["precision"]["long"]
    if p.get("precision") is not None:
        row("pair precision (passages >= %d words)" % res["min_words"],
            frac(p["right"], p["right"] + p["wrong"]), ">= 0.99", p["precision"] >= 0.99)
    for label, ov in extra:
        row("%s: overlapping pairs" % label, overlaps(ov), "0", ov["pairs"] == 0)
    head = "  %-50s %-30s %-9s %s" % ("metric", "value", "target", "")
    return "\n".join([name, head.rstrip(), "  " + "-" * (len(head) + 4)]
                     + [r.rstrip() for r in rows])


# ---------------------------------------------------------------- self test

def perfect_report(truth, min_words=0):
    """One cluster per truth cluster, except that a sub-phrase's lone copies join the cluster
    of the long text they are part of (its copies inside the long ones are not repeated)."""
    docs = [{"id": i, "name": "docs/" + n} for i, n in enumerate(truth.names)]
    cls = []
    joined = defaultdict(list)  # long cluster -> the sub-phrase's lone copies
    for c in truth.clusters:
        if c["class"] == "subphrase":
            joined[c["part_of"]] += c["copies"][len(truth.clusters[c["part_of"]]["copies"]):]
    for ci, c in enumerate(truth.clusters):
        if c["class"] == "subphrase":
            continue
        ps = sorted(({"doc": truth.index[cp["doc"]], "start": cp["start"], "end": cp["end"]}
                     for cp in c["copies"] + joined.get(ci, [])),
                    key=lambda p: (p["doc"], p["start"]))
        cls.append({"id": len(cls), "kind": "boilerplate" if c["class"] == "boilerplate"
                    else "internal" if c["class"] == "internal" else "reprint",
                    "passages": ps, "truth": ci})
    return {"documents": docs, "clusters": cls}


def passage_self_test(check, tmp):
    """The passage metrics on a --passage-cases corpus: a perfect report scores every target,
    and each planted fault (an overlap, a split copy, a short reprint called boilerplate, a
    trimmed copy) moves its metric by the expected count."""
    import copy
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "gen.py"), "--seed", "7", "--size",
                    "1500000", "--passage-cases", "--out", tmp], check=True)
    truth = Truth(tmp)
    good = perfect_report(truth)
    res = score(truth, good)
    check(res["overlaps"]["pairs"] == 0, "passage cases, perfect report: no overlapping pairs")
    op = res["one_pair"]
    check(all(op[c]["share"] == 1.0 and op[c]["pieces_per_pair"] == 1.0 for c in PASSAGE_CLASSES
              if c in op) and set(PASSAGE_CLASSES) <= set(op),
          "passage cases, perfect report: every class one passage pair, 1 piece")
    check(all(res["recall"][c]["recall"] == 1.0 for c in PASSAGE_CLASSES)
          and len(res["recall_by_variant"]) == 5
          and all(v["recall"] == 1.0 for v in res["recall_by_variant"].values()),
          "passage cases, perfect report: recall 1.0 for every passage class and variant")
    check(res["short"]["share"] == 1.0 and res["boilerplate"]["share"] == 1.0,
          "passage cases, perfect report: short reprints reprint, boilerplate lines boilerplate")
    check(any(c.get("place") == "second" for c in truth.clusters if c["class"] == "boilerplate"),
          "passage cases: a credit line after the first paragraph is planted")

    def cluster_of(rep, cls):
        return next(c for c in rep["clusters"] if truth.clusters[c["truth"]]["class"] == cls
                    and len(c["passages"]) == 2)

    def passage(cp):
        return {"doc": truth.index[cp["doc"]], "start": cp["start"], "end": cp["end"]}

    # a sub-phrase reported as its own cluster over two long copies: 2 overlaps, 2 pieces
    rep = copy.deepcopy(good)
    sub = next(c for c in truth.clusters if c["class"] == "subphrase")
    rep["clusters"].append({"kind": "reprint",
                            "passages": [passage(cp) for cp in sub["copies"][:2]]})
    bad = score(truth, rep)
    check(bad["overlaps"] == {"pairs": 2, "within": 0, "across": 2, "documents": 2},
          "sub-phrase cluster over two long copies: 2 overlapping pairs across clusters (%s)"
          % bad["overlaps"])
    lp = bad["one_pair"]["long"]
    check(lp["pieces"] == lp["with_pieces"] + 1 and lp["one"] == lp["with_pieces"] - 1,
          "sub-phrase cluster: its long pair counts 2 pieces, not one pair")
    # one passage repeated, shifted, inside its own cluster: 1 overlap within
    rep = copy.deepcopy(good)
    p0 = dict(rep["clusters"][0]["passages"][0])
    p0["start"] += (p0["end"] - p0["start"]) // 2
    p0["end"] += 5
    rep["clusters"][0]["passages"].append(p0)
    check(score(truth, rep)["overlaps"]["within"] == 1,
          "shifted repeat in one cluster: 1 overlap within")
    # a gap copy split at its clause into two clusters, an exact copy split in halves: that
    # pair counts 2 pieces and is not one passage pair
    for cls in ("gap", "exact"):
        rep = copy.deepcopy(good)
        gc = cluster_of(rep, cls)
        cps = truth.clusters[gc["truth"]]["copies"]
        cuts = [(gap_flanks(cp)[0][1], gap_flanks(cp)[-1][0]) if cls == "gap"
                else ((cp["start"] + cp["end"]) // 2,) * 2 for cp in cps]
        gc["passages"] = [dict(passage(cp), end=u) for cp, (u, _) in zip(cps, cuts)]
        rep["clusters"].append({"kind": "reprint", "passages": [
            dict(passage(cp), start=v) for cp, (_, v) in zip(cps, cuts)]})
        g = score(truth, rep)["one_pair"][cls]
        check(g["pieces"] == g["with_pieces"] + 1 and g["one"] == g["with_pieces"] - 1,
              "%s copy split in two: 2 pieces, not one pair (%d pieces over %d pairs)"
              % (cls, g["pieces"], g["with_pieces"]))
    # short reprints labelled boilerplate
    rep = copy.deepcopy(good)
    for c in rep["clusters"]:
        if truth.clusters[c["truth"]]["class"] == "short":
            c["kind"] = "boilerplate"
    sh = score(truth, rep)["short"]
    check(sh["share"] == 0 and sh["boilerplate"] == sh["copies"],
          "short reprints called boilerplate: none labelled reprint")
    # trim copies: the kept part alone is found, the edited part alone is not
    for part, want in (("keep", 1.0), ("edited", 0.0)):
        rep = copy.deepcopy(good)
        for c in rep["clusters"]:
            tc = truth.clusters[c["truth"]]
            if tc["class"] == "trim":
                c["passages"] = [dict(passage(cp), **({"start": cp["keep"][0]} if part == "keep"
                                                      else {"end": cp["keep"][0]}))
                                 for cp in tc["copies"]]
        check(score(truth, rep)["recall"]["trim"]["recall"] == want,
              "trim copies reported by their %s part: recall %.1f" % (part, want))


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
        passage_self_test(check, os.path.join(tmp, "passages"))
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
    ap.add_argument("--passages", action="store_true",
                    help="print the passage-case table (bench/passages.sh) instead")
    ap.add_argument("--overlaps", action="append", default=[], metavar="LABEL=REPORT",
                    help="with --passages: also count overlapping passage pairs in REPORT (no"
                    " truth needed); without TRUTH_DIR and REPORT: only that")
    ap.add_argument("--summary", metavar="OUTDIR", help="print the table of bench/run.sh for the"
                    " sizes given as further arguments")
    ap.add_argument("sizes", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if args.summary:
        summary(args.summary, [x for x in [args.truth, args.report] + args.sizes if x])
        return 0
    extra = []
    for spec in args.overlaps:
        label, _, path = spec.rpartition("=")
        with open(path) as f:
            extra.append((label or path, count_overlaps(json.load(f))))
    def print_extra():
        for label, ov in extra:
            print("%s: %d overlapping passage pairs (%d within a cluster, %d across) in %d"
                  " documents" % (label, ov["pairs"], ov["within"], ov["across"], ov["documents"]))

    if extra and not args.truth:
        print_extra()
        return 0
    if not args.truth or not args.report:
        ap.error("TRUTH_DIR and REPORT are required")
    truth = Truth(args.truth)
    with open(args.report) as f:
        report = json.load(f)
    res = score(truth, report, args.min_words)
    if extra:
        res["extra_overlaps"] = dict(extra)
    if args.json == "-":
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(res, f, indent=1)
        name = args.name or report.get("tool", args.report)
        print(passage_table(name, res, extra) if args.passages else table(name, res))
        if not args.passages:
            print_extra()
    return 0


if __name__ == "__main__":
    sys.exit(main())
