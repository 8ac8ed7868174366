#!/usr/bin/env python3
"""Feed benchmark generator for `reprint dedup`: a JSONL stream of news items with ground truth.
Stories are sentences of invented words (a Zipf-weighted vocabulary built from syllables, so no
real text is copied). Each story is published once as an original, then some of these follow,
later in the stream: exact reposts, light edits (word swaps, spelling and punctuation changes),
the same wire copy under a different intro (and sometimes an outro), updated versions (a
paragraph added, a few words changed), excerpts (the first part only), and hard negatives:
other stories on the same topic (the same names and places, a shared quotation, different
text). Python 3 standard library only.

    python3 bench/gen_feed.py --seed 1 --stories 2000 --out bench/out/feed
writes feed.jsonl ({"id","text","date"}) and feed.truth.jsonl ({"id","story","kind","of"}).
"""

import argparse
import datetime
import json
import random

SYLLABLES = ("ka ri to mu sel van dor pin eth lo ra mi sun ber cal den for gra hul "
             "ist jon kel lum mor nev ost par qui rus sta tem ul vor wen yar zel").split()
SPELLING = [("harbor", "harbour"), ("color", "colour"), ("center", "centre"),
            ("program", "programme"), ("defense", "defence"), ("labor", "labour")]


def vocabulary(rng, size):
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))))
    words = sorted(words)
    rng.shuffle(words)
    weights = [1.0 / (i + 1) ** 0.9 for i in range(size)]
    return words + [a for a, _ in SPELLING], weights + [0.002] * len(SPELLING)


class Writer:
    def __init__(self, rng, vocab, weights):
        self.rng, self.vocab, self.weights = rng, vocab, weights

    def sentence(self, topic=()):
        n = self.rng.randint(8, 22)
        words = self.rng.choices(self.vocab, self.weights, k=n)
        for _ in range(min(len(topic), self.rng.randint(0, 2))):
            words[self.rng.randrange(n)] = self.rng.choice(topic)
        s = " ".join(words)
        return s[0].upper() + s[1:] + self.rng.choice([".", ".", ".", "!", "?"])

    def paragraph(self, topic, sentences):
        return " ".join(self.sentence(topic) for _ in range(sentences))

    def story(self, topic, size):
        paras = []
        while sum(len(p) for p in paras) < size:
            paras.append(self.paragraph(topic, self.rng.randint(2, 5)))
        return paras


def light_edit(rng, text):
    words = text.split(" ")
    for _ in range(max(1, len(words) // 20)):  # one word in 20 replaced
        i = rng.randrange(len(words))
        words[i] = rng.choice(["said", "reported", "noted", "added", "stated"])
    out = " ".join(words)
    for us, uk in SPELLING:
        out = out.replace(us, uk) if rng.random() < 0.5 else out
    return out.replace(" - ", " \u2014 ").replace("'", "\u2019")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stories", type=int, default=2000)
    ap.add_argument("--out", required=True, help="output prefix")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    vocab, weights = vocabulary(rng, 6000)
    w = Writer(rng, vocab, weights)
    start = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)

    events = []  # (time, id, text, story, kind, of)
    for s in range(args.stories):
        topic = [vocab[rng.randrange(200, 3000)] for _ in range(4)]
        paras = w.story(topic, rng.randint(1400, 2600))
        t0 = rng.uniform(0, 30 * 86400)
        sid = f"s{s}"
        orig = f"{sid}-orig"
        wire = "\n\n".join(paras)
        events.append((t0, orig, wire, sid, "original", None))
        copies = rng.choice([0, 0, 1, 1, 2, 3])
        for c in range(copies):
            kind = rng.choice(["exact", "light", "intro", "update", "excerpt"])
            t = t0 + rng.uniform(600, 3 * 86400)
            if kind == "exact":
                text = wire
            elif kind == "light":
                text = light_edit(rng, wire)
            elif kind == "intro":
                intro = w.paragraph(topic, rng.randint(1, 6))
                outro = w.paragraph(topic, 1) if rng.random() < 0.4 else ""
                text = "\n\n".join(p for p in [intro, wire, outro] if p)
            elif kind == "update":
                text = light_edit(rng, wire) + "\n\n" + w.paragraph(topic, rng.randint(2, 6))
            else:
                keep = max(1, (len(paras) + 1) // 2)
                text = "\n\n".join(paras[:keep])
            events.append((t, f"{sid}-{kind}{c}", text, sid, kind, orig))
        if rng.random() < 0.3:  # hard negative: same topic, new text, one shared quote
            other = w.story(topic, rng.randint(1400, 2600))
            for _ in range(2):
                other.insert(1, rng.choice(paras).split(". ")[0] + ".")
            t = t0 + rng.uniform(0, 2 * 86400)
            events.append((t, f"{sid}-sametopic", "\n\n".join(other), f"{sid}x", "sametopic", None))

    events.sort(key=lambda e: e[0])
    with open(args.out + ".jsonl", "w") as f, open(args.out + ".truth.jsonl", "w") as g:
        for t, iid, text, sid, kind, of in events:
            date = (start + datetime.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(json.dumps({"id": iid, "text": text, "date": date}) + "\n")
            g.write(json.dumps({"id": iid, "story": sid, "kind": kind, "of": of}) + "\n")


if __name__ == "__main__":
    main()
