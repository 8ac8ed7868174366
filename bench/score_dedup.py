#!/usr/bin/env python3
"""Scores `reprint dedup` against bench/gen_feed.py's truth: precision and recall of duplicate
verdicts (any verdict but new/seen). A verdict is correct when the item is a copy of a story and
its `of` names an item of the same story. Reads the store's JSON lines (--store) or the batch
JSON report (-f json). Python 3 standard library only.

    python3 bench/score_dedup.py feed.truth.jsonl verdicts.jsonl
"""

import collections
import json
import sys


def predictions(path):
    text = open(path).read()
    if text.startswith('{"version"'):
        report = json.loads(text)
        names = [d["name"] for d in report["documents"]]
        out = {}
        for d in report["documents"]:
            out[d["name"]] = ("new", None)
        for g in report["groups"]:
            for m in g["members"]:
                out[names[m["doc"]]] = (m["verdict"], names[m["of"]])
        return out
    out = {}
    for line in text.splitlines():
        v = json.loads(line)
        out[v["id"]] = (v["verdict"], v["of"])
    return out


def main():
    truth = {}
    for line in open(sys.argv[1]):
        t = json.loads(line)
        truth[t["id"]] = t
    pred = predictions(sys.argv[2])
    tp = fp = fn = 0
    by_kind = collections.Counter()
    found_kind = collections.Counter()
    verdicts = collections.Counter()
    for iid, t in truth.items():
        verdict, of = pred.get(iid, ("new", None))
        positive = verdict not in ("new", "seen")
        copy = t["of"] is not None
        by_kind[t["kind"]] += 1
        verdicts[(t["kind"], verdict)] += 1
        correct = positive and copy and of in truth and truth[of]["story"] == t["story"]
        if correct:
            tp += 1
            found_kind[t["kind"]] += 1
        elif positive:
            fp += 1
        if copy and not correct:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(json.dumps({"items": len(truth), "copies": tp + fn, "flagged": tp + fp,
                      "precision": round(precision, 4), "recall": round(recall, 4),
                      "recall_by_kind": {k: round(found_kind[k] / n, 4)
                                         for k, n in sorted(by_kind.items())
                                         if k not in ("original", "sametopic")},
                      "false_positives_by_kind": {k: n for (k, v), n in sorted(verdicts.items())
                                                  if k in ("original", "sametopic")
                                                  and v not in ("new", "seen")}}))


if __name__ == "__main__":
    main()
