#!/usr/bin/env python3
"""score_quotes.py - fidelity-label precision and recall of a `reprint quotes` JSON report
against gen_quotes.py's truth. Python 3 standard library only.

usage: python3 bench/score_quotes.py DIR report.json [--json out.json]

A planted quotation is found when a reported quotation of the same document overlaps most of
its span; its predicted label is the best source's fidelity, or "unsourced". For each label:
precision = correct / predicted with that label, recall = correct / planted with that label.
A reported quotation that matches no planted one counts against the precision of its label. A
sourced prediction must also name one of the true source documents to be correct.
"""
import argparse
import json
import sys

LABELS = ["verbatim", "normalized", "elided", "altered", "unsourced"]


def score(truth, report):
    names = [d["name"].split("/")[-1] for d in report["documents"]]
    by_doc = {}
    for q in report["quotes"]:
        by_doc.setdefault(names[q["doc"]], []).append(q)
    tp = {l: 0 for l in LABELS}
    pred = {l: 0 for l in LABELS}
    gold = {l: 0 for l in LABELS}
    used = set()
    confusion = {}
    for t in truth["quotes"]:
        gold[t["label"]] += 1
        best = None
        for q in by_doc.get(t["doc"], []):
            ov = min(q["end"], t["end"]) - max(q["start"], t["start"])
            if ov > 0.5 * (t["end"] - t["start"]) and (best is None or ov > best[0]):
                best = (ov, q)
        if best is None:
            confusion[(t["label"], "missed")] = confusion.get((t["label"], "missed"), 0) + 1
            continue
        q = best[1]
        used.add(id(q))
        label = q["sources"][0]["fidelity"] if q["sources"] else "unsourced"
        right_doc = not q["sources"] or names[q["sources"][0]["doc"]] in t["sources"]
        pred[label] += 1
        ok = label == t["label"] and right_doc
        tp[label] += ok
        key = (t["label"], label if right_doc else label + " (wrong source)")
        confusion[key] = confusion.get(key, 0) + 1
    extra = 0
    for qs in by_doc.values():
        for q in qs:
            if id(q) not in used:
                extra += 1
                pred[q["sources"][0]["fidelity"] if q["sources"] else "unsourced"] += 1
    res = {"labels": {}, "extra_quotes": extra,
           "confusion": {"%s -> %s" % k: v for k, v in sorted(confusion.items())}}
    for l in LABELS:
        res["labels"][l] = {"planted": gold[l], "predicted": pred[l], "correct": tp[l],
                            "precision": tp[l] / pred[l] if pred[l] else 1.0,
                            "recall": tp[l] / gold[l] if gold[l] else 1.0}
    allt, allp, allg = sum(tp.values()), sum(pred.values()), sum(gold.values())
    res["precision"] = allt / allp if allp else 1.0
    res["recall"] = allt / allg if allg else 1.0
    res["macro_precision"] = sum(v["precision"] for v in res["labels"].values()) / len(LABELS)
    res["macro_recall"] = sum(v["recall"] for v in res["labels"].values()) / len(LABELS)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("report")
    ap.add_argument("--json")
    a = ap.parse_args()
    with open(a.dir + "/truth.json") as f:
        truth = json.load(f)
    with open(a.report) as f:
        report = json.load(f)
    res = score(truth, report)
    print("%-11s %8s %9s %8s %9s %7s" % ("label", "planted", "predicted", "correct", "precision",
                                          "recall"))
    for l in LABELS:
        v = res["labels"][l]
        print("%-11s %8d %9d %8d %9.4f %7.4f" % (l, v["planted"], v["predicted"], v["correct"],
                                                  v["precision"], v["recall"]))
    print("micro: precision %.4f recall %.4f; macro: precision %.4f recall %.4f; "
          "extra quotations %d" % (res["precision"], res["recall"], res["macro_precision"],
                                   res["macro_recall"], res["extra_quotes"]))
    for k, v in res["confusion"].items():
        if k.split(" -> ")[0] != k.split(" -> ")[1]:
            print("  %s: %d" % (k, v))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
