#!/usr/bin/env python3
"""Converts `sim_text -r 8 -n` output (Debian package similarity-tester) into the JSON report shape
of `reprint scan` (DESIGN.md), so that bench/score.py scores both tools alike.  Each reported run
becomes a two-passage cluster.  sim_text gives file:line ranges; by default each range is narrowed
to the common word run inside it (sim_text's words: letters, digits, bytes over 127, compared
without case), falling back to [start of first line, end of last line]; --lines keeps whole lines.

    simtext2json.py --docs DIR SIM_OUTPUT -o report.json    (sim_text run with cwd DIR)
    simtext2json.py --run DIR -o report.json                (runs sim_text itself)
"""

import argparse
import difflib
import json
import os
import re
import subprocess
import sys

LINE_RE = re.compile(r"^(.*?): line (\d+)-(\d+)\s*\|(.*?): line (\d+)-(\d+)\s*\[(\d+)\]\s*$")
WORD_RE = re.compile(rb"[A-Za-z0-9\x80-\xff]+")


def list_docs(ddir):
    """File names under ddir (walked), in byte order of their paths, as the scanner sees them."""
    out = []
    for root, dirs, files in os.walk(ddir):
        dirs.sort(key=lambda s: s.encode())
        for f in files:
            out.append(os.path.relpath(os.path.join(root, f), ddir))
    out.sort(key=lambda s: s.encode())
    return out


def run_sim(ddir, names, r=8, outfile=None):
    p = subprocess.run(["sim_text", "-r", str(r), "-n", "-T", "-i"], cwd=ddir,
                       input="\n".join(names) + "\n", stdout=subprocess.PIPE, text=True, check=True)
    if outfile:
        with open(outfile, "w") as f:
            f.write(p.stdout)
    return p.stdout


class Docs:
    def __init__(self, ddir):
        self.dir = ddir
        self.cache = {}

    def get(self, name):
        if name not in self.cache:
            if len(self.cache) > 4096:
                self.cache.clear()
            with open(os.path.join(self.dir, name), "rb") as f:
                data = f.read()
            starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
            self.cache[name] = (data, starts)
        return self.cache[name]

    def line_span(self, name, a, b):
        data, starts = self.get(name)
        s = starts[a - 1] if a - 1 < len(starts) else len(data)
        e = starts[b] - 1 if b < len(starts) else len(data)
        if e > s and data[e - 1:e] == b"\r":
            e -= 1
        return s, max(s, e)


def refine(docs, n1, s1, e1, n2, s2, e2):
    """The longest common word run of the two ranges, as byte spans (None if none)."""
    d1, d2 = docs.get(n1)[0], docs.get(n2)[0]
    w1 = [(m.start() + s1, m.end() + s1, m.group().lower()) for m in WORD_RE.finditer(d1[s1:e1])]
    w2 = [(m.start() + s2, m.end() + s2, m.group().lower()) for m in WORD_RE.finditer(d2[s2:e2])]
    if not w1 or not w2:
        return None
    sm = difflib.SequenceMatcher(None, [w[2] for w in w1], [w[2] for w in w2], autojunk=False)
    m = sm.find_longest_match(0, len(w1), 0, len(w2))
    if m.size == 0:
        return None
    return ((w1[m.a][0], w1[m.a + m.size - 1][1]), (w2[m.b][0], w2[m.b + m.size - 1][1]))


def convert(text, ddir, names=None, lines_only=False, r=8, merge=False):
    names = names if names is not None else list_docs(ddir)
    index = {n: i for i, n in enumerate(names)}
    docs = Docs(ddir)
    clusters = []
    for line in text.splitlines():
        m = LINE_RE.match(line)
        if not m:
            continue
        n1, a1, b1, n2, a2, b2, words = m.groups()
        n1, n2 = n1.strip(), n2.strip()
        if n1 not in index or n2 not in index:
            continue
        s1, e1 = docs.line_span(n1, int(a1), int(b1))
        s2, e2 = docs.line_span(n2, int(a2), int(b2))
        if not lines_only:
            rf = refine(docs, n1, s1, e1, n2, s2, e2)
            if rf:
                (s1, e1), (s2, e2) = rf
        ps = sorted([{"doc": index[n1], "start": s1, "end": e1},
                     {"doc": index[n2], "start": s2, "end": e2}],
                    key=lambda p: (p["doc"], p["start"]))
        clusters.append({"id": len(clusters), "kind": "internal" if n1 == n2 else "reprint",
                         "tokens": int(words), "documents": 1 if n1 == n2 else 2, "passages": ps})
    if merge:
        clusters = merge_clusters(clusters)
    return {"version": 1, "tool": "sim_text -r %d -n%s" % (r, " (merged)" if merge else ""),
            "command": "scan",
            "documents": [{"id": i, "name": n} for i, n in enumerate(names)],
            "clusters": clusters}


def merge_clusters(clusters):
    """Union-find over passages that overlap by at least half of the shorter one; each component
    becomes one cluster whose passages are the unions of overlapping spans per document."""
    ps = [(p["doc"], p["start"], p["end"], ci) for ci, c in enumerate(clusters) for p in c["passages"]]
    parent = list(range(len(clusters)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ps.sort()
    active = []  # passages of the current document still open
    for d, s, e, ci in ps:
        active = [a for a in active if a[0] == d and a[2] > s]
        for _, s2, e2, c2 in active:
            if 2 * (min(e, e2) - max(s, s2)) >= min(e - s, e2 - s2):
                parent[find(ci)] = find(c2)
        active.append((d, s, e, ci))
    comp = {}
    for d, s, e, ci in ps:
        comp.setdefault(find(ci), []).append((d, s, e))
    out = []
    for root in sorted(comp):
        spans = sorted(comp[root])
        merged = []
        for d, s, e in spans:
            if merged and merged[-1][0] == d and s < merged[-1][2]:
                merged[-1][2] = max(merged[-1][2], e)
            else:
                merged.append([d, s, e])
        docs = len({m[0] for m in merged})
        out.append({"id": len(out), "kind": "reprint" if docs > 1 else "internal",
                    "tokens": max(clusters[c]["tokens"] for c in [root]), "documents": docs,
                    "passages": [{"doc": d, "start": s, "end": e} for d, s, e in merged]})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output", nargs="?", help="saved sim_text -n output (file names relative to --docs)")
    ap.add_argument("--docs", help="directory sim_text was run in (holding the documents)")
    ap.add_argument("--run", metavar="DIR", help="run sim_text on every file under DIR")
    ap.add_argument("-r", type=int, default=8, help="sim_text minimum run (words)")
    ap.add_argument("--lines", action="store_true", help="keep whole-line spans")
    ap.add_argument("--merge", action="store_true",
                    help="join runs whose passages overlap into one cluster (default: one per run)")
    ap.add_argument("-o", "--out", default="-")
    args = ap.parse_args(argv)
    if args.run:
        ddir = args.run
        names = list_docs(ddir)
        text = run_sim(ddir, names, args.r)
    elif args.output and args.docs:
        ddir = args.docs
        names = list_docs(ddir)
        with open(args.output, encoding="utf-8", errors="replace") as f:
            text = f.read()
    else:
        ap.error("give SIM_OUTPUT with --docs DIR, or --run DIR")
    rep = convert(text, ddir, names, args.lines, args.r, args.merge)
    if args.out == "-":
        json.dump(rep, sys.stdout)
    else:
        with open(args.out + ".tmp", "w") as f:
            json.dump(rep, f)
        os.replace(args.out + ".tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
