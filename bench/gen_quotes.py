#!/usr/bin/env python3
"""gen_quotes.py - a corpus with planted quotations and their ground truth, for `reprint quotes`.

Wire documents are prose of pseudo-words (with some British spellings and "U.S."/"U.K."); each
post quotes sentences of one or two wire documents, and some posts reprint a wire document below
their intro (the source is then in the same document). Each planted quotation has one label:
  verbatim    the source's words as they stand
  normalized  the same words after folding: a British/American spelling flipped, US for U.S.,
              or a word's case changed
  elided      2-12 words left out of the middle, marked with "…" or "[...]" or not marked
  altered     up to a fifth of the words replaced by others, or two neighbouring words swapped
  unsourced   words found nowhere in the corpus (a third hold one 4-word run of a wire)
Quotation marks vary: “…”, "…", «…», ‘…’. Python 3 standard library only.

usage: python3 bench/gen_quotes.py --seed 1 --wires 60 --posts 120 --out DIR
writes DIR/docs/*.txt and DIR/truth.json: {"quotes": [{"doc", "start", "end", "label",
"sources"}]} with byte offsets of the quoted text without its marks; sources names the
documents holding its source (the wire, and every post that reprints the wire).
"""
import argparse
import json
import os
import random

SPELLING = [("colour", "color"), ("neighbour", "neighbor"), ("organise", "organize"),
            ("centre", "center"), ("defence", "defense"), ("programme", "program"),
            ("travelled", "traveled"), ("analyse", "analyze"), ("labour", "labor"),
            ("favour", "favor"), ("theatre", "theater"), ("honour", "honor")]
ABBREV = [("U.S.", "US"), ("U.K.", "UK")]
FUNCTION = "the of and to in a is that for on with as by at from it was this be are".split()
LABELS = ["verbatim", "normalized", "elided", "altered", "unsourced"]


def pseudo_words(rng, n):
    cons, vows = "bcdfghklmnprstvz", "aeiou"
    words = set()
    while len(words) < n:
        k = rng.randint(2, 4)
        words.add("".join(rng.choice(cons) + rng.choice(vows) for _ in range(k)) +
                  rng.choice(["", "n", "s", "r", "t"]))
    return sorted(words)


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.vocab = pseudo_words(self.rng, 4000)
        self.fresh = pseudo_words(random.Random(seed + 7919), 6000)  # for unsourced quotes
        self.fresh = [w + "q" for w in self.fresh]

    def word(self):
        r = self.rng.random()
        if r < 0.35:
            return self.rng.choice(FUNCTION)
        if r < 0.39:
            return self.rng.choice(SPELLING)[0]
        if r < 0.41:
            return self.rng.choice(ABBREV)[0]
        return self.rng.choice(self.vocab)

    def sentence(self, words=None):
        n = self.rng.randint(12, 30)
        ws = [words() if words else self.word() for _ in range(n)]
        ws[0] = ws[0][0].upper() + ws[0][1:]
        return " ".join(ws) + "."

    def paragraph(self):
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))


def flip(word):
    for brit, amer in SPELLING:
        if word == brit:
            return amer
    for dotted, plain in ABBREV:
        if word == dotted:
            return plain
    return None


def transform(g, words, label):
    """The quotation's words for a source span, by label."""
    rng, q = g.rng, list(words)
    if label == "normalized":
        spots = [i for i, w in enumerate(q) if flip(w)]
        if spots:
            for i in rng.sample(spots, min(len(spots), rng.randint(1, 2))):
                q[i] = flip(q[i])
        else:
            spots = [i for i, w in enumerate(q) if w.islower()] or [0]
            i = rng.choice(spots)
            q[i] = q[i].upper() if rng.random() < 0.3 else q[i].capitalize()
        return q
    if label == "elided":
        n = rng.randint(2, min(12, len(q) - 8))
        i = rng.randint(3, len(q) - n - 3)
        mark = rng.choice(["…", "...", "[...]", None])
        return q[:i] + ([mark] if mark else []) + q[i + n:]
    if label == "altered":
        if rng.random() < 0.3:
            i = rng.randint(2, len(q) - 3)
            while q[i] == q[i + 1]:
                i = rng.randint(2, len(q) - 3)
            q[i], q[i + 1] = q[i + 1], q[i]
            return q
        for i in rng.sample(range(1, len(q) - 1), rng.randint(1, max(1, len(q) // 5))):
            q[i] = rng.choice(g.vocab)
        return q
    return q


MARKS = [("“", "”"), ('"', '"'), ("«", "»"), ("‘", "’")]


def make(args):
    g = Gen(args.seed)
    rng = g.rng
    docs, truth = [], []
    wires, reprinted = [], {}
    for w in range(args.wires):
        paras = [g.paragraph() for _ in range(rng.randint(3, 6))]
        wires.append("\n\n".join(paras) + "\n")
        docs.append(("wire%04d.txt" % w, wires[-1]))
    for p in range(args.posts):
        wi = rng.randrange(args.wires)
        wire = wires[wi]
        reprint = rng.random() < 0.3
        parts, quotes = [g.paragraph()], []
        for _ in range(rng.randint(2, 5)):
            label = rng.choice(LABELS)
            if label == "unsourced":
                words = g.sentence(lambda: rng.choice(g.fresh)).rstrip(".").split()
                if rng.random() < 0.3:  # a near miss: a 4-word run of a wire inside
                    ws = wire.replace("\n", " ").split()
                    s = rng.randrange(0, len(ws) - 4)
                    i = rng.randrange(0, len(words))
                    words[i:i] = [w.rstrip(".") for w in ws[s:s + 4]]
            else:
                ws = wire.replace("\n", " ").split()
                n = rng.randint(10, 30)
                s = rng.randrange(0, len(ws) - n)
                words = [w[:-1] if w.endswith("..") else w if w in ("U.S.", "U.K.")
                         else w.rstrip(".") for w in ws[s:s + n]]
            q = " ".join(w for w in transform(g, words, label) if w)
            op, cl = rng.choice(MARKS)
            lead = rng.choice(["He said: ", "As the report puts it, ", "", "She added that "])
            tail = rng.choice([" he said.", " the minister added.", ""])
            quotes.append((lead, op, q, cl, tail, label))
        text = parts[0] + "\n\n"
        for lead, op, q, cl, tail, label in quotes:
            text += lead + op
            start = len(text.encode())
            text += q
            end = len(text.encode())
            text += cl + tail + " " + g.sentence() + "\n\n"
            sources = [] if label == "unsourced" else ["wire%04d.txt" % wi]
            truth.append({"doc": "post%04d.txt" % p, "start": start, "end": end, "label": label,
                          "sources": sources})
        if reprint:
            text += "We reprint the report below.\n\n" + wire
            reprinted.setdefault("wire%04d.txt" % wi, []).append("post%04d.txt" % p)
        docs.append(("post%04d.txt" % p, text))
    # a post that reprints a wire is as good a source as the wire itself
    for t in truth:
        t["sources"] += [d for w in t["sources"] for d in reprinted.get(w, [])]
    os.makedirs(os.path.join(args.out, "docs"), exist_ok=True)
    for name, text in docs:
        with open(os.path.join(args.out, "docs", name), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump({"seed": args.seed, "quotes": truth}, f, indent=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wires", type=int, default=60)
    ap.add_argument("--posts", type=int, default=120)
    ap.add_argument("--out", required=True)
    make(ap.parse_args())


if __name__ == "__main__":
    main()
