#!/usr/bin/env python3
"""Adversarial corpora for `reprint scan` and `reprint quotes`: inputs built to make a scanner quadratic in time,
memory or report size.  Each is written as DIR/docs/NNNNNN.txt (as bench/gen.py writes a
corpus) plus DIR/adversarial.json describing it.  Normal text comes from gen.py's Markov chain
and document builder, imported, so an adversarial document is as long and as varied as a
normal one.  Python 3 standard library only (gen.py needs the Debian package `fortunes`).

    python3 bench/gen_adversarial.py --kind passage --out DIR [--scale 0.01] [--seed 1]

kinds (counts at --scale 1; --scale multiplies them):
  passage    one 20-word passage planted in 100,000 documents, each otherwise distinct text
             of a normal document's size (gen.py's 2-10 KB)
  word       one document: one word repeated 10,000,000 times
  identical  10,000 identical documents (one normal-sized document, copied)
  paragraph  one document repeating its own 50-word paragraph 10,000 times
  nearcap    one document of 100 distinct 50-word paragraphs, each repeated 199 times in a
             row: just under the scan's occurrence cap (max_df * 4 = 200 at the defaults),
             where every pair of copies is still seeded
  quoted     2,500 documents each quoting the same four sentences (curly marks) among normal
             text, and four documents holding the sentences unquoted: past the 2,000 copies
             beyond which `quotes` once found no source, and quadratic if copies are compared
             with each other one by one
"""

import argparse
import json
import multiprocessing
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (bench/gen.py: the chain, the document builder, the writer)

KINDS = {"passage": 100000, "word": 10000000, "identical": 10000, "paragraph": 10000,
         "nearcap": 100, "quoted": 2500}

# The planted passage: 20 words, written for this benchmark.
PASSAGE = ("The night ferry to the outer islands now leaves from the east pier at a quarter "
           "past eleven every evening.")
WORD = "harbour"
PARAGRAPH_WORDS = 50
# The quoted sentences, written for this benchmark.
QUOTATIONS = ["We will keep the ferry running through the winter whatever the weather brings",
              "Nobody on this island should have to choose between heating and eating again",
              "The new pier will be finished before the summer season starts next year",
              "Every child in the valley deserves a school within walking distance of home"]
NEAR_CAP_REPEATS = 4 * 50 - 1  # rp_index_occ_cap at the default max_df, less one


def scaled(kind, scale):
    return max(1, int(round(KINDS[kind] * scale)))


def doc_args(seed):
    """The settings gen.build_doc reads, for documents with nothing planted but ours."""
    return argparse.Namespace(seed=seed, size=0, reprint_share=0.0, boilerplate_share=0.0,
                              min_doc=2000, max_doc=10000)


def setup_builder(args, chain, ndocs, plant):
    """Fills gen.G so that gen.build_doc / gen.work make ndocs documents of gen.py's sizes,
    each with PASSAGE planted at a random paragraph when plant is true."""
    rng = random.Random(args.seed)
    a = doc_args(args.seed)
    sizes = [rng.randint(a.min_doc, a.max_doc) for _ in range(ndocs)]
    placed = [[(rng.random(), 0, d, PASSAGE)] if plant else [] for d in range(ndocs)]
    gen.G.update(args=a, chain=chain, sizes=sizes, boiler=[None] * ndocs, placed=placed,
                 out=args.out, width=max(6, len(str(ndocs))))


def write_passage(args, chain, ndocs):
    """ndocs documents of distinct Markov text, each holding PASSAGE once."""
    setup_builder(args, chain, ndocs, True)
    step = 200
    ranges = [(i, min(ndocs, i + step)) for i in range(0, ndocs, step)]
    total = 0
    if args.jobs > 1 and len(ranges) > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            for _, nb in pool.imap(gen.work, ranges):
                total += nb
    else:
        for r in ranges:
            total += gen.work(r)[1]
    return ndocs, total


def write_identical(args, chain, ndocs):
    """One normal document written ndocs times."""
    setup_builder(args, chain, 1, False)
    data, _ = gen.build_doc(0)
    width = max(6, len(str(ndocs)))
    for d in range(ndocs):
        with open(os.path.join(args.out, "docs", "%0*d.txt" % (width, d + 1)), "wb") as f:
            f.write(data)
    return ndocs, ndocs * len(data)


def write_word(args, _chain, count):
    """One document: WORD, count times, 9 to a line."""
    line = ((WORD + " ") * 8 + WORD + "\n").encode()
    total = 0
    with open(os.path.join(args.out, "docs", "000001.txt"), "wb") as f:
        full, rest = divmod(count, 9)
        block = line * 1000
        for _ in range(full // 1000):
            f.write(block)
        f.write(line * (full % 1000))
        if rest:
            f.write((" ".join([WORD] * rest) + "\n").encode())
        total = f.tell()
    return 1, total


def write_paragraph(args, chain, count):
    """One document: a 50-word paragraph of Markov text, then the same paragraph count - 1
    more times, a blank line between copies."""
    rng = random.Random(args.seed)
    words = gen.paragraph_words(rng, chain, PARAGRAPH_WORDS)
    para = gen.WRAP_RE.sub("\\1\n", " ".join(words)).encode("utf-8")
    with open(os.path.join(args.out, "docs", "000001.txt"), "wb") as f:
        for i in range(count):
            f.write(para + (b"\n\n" if i + 1 < count else b"\n"))
        total = f.tell()
    return 1, total


def write_nearcap(args, chain, count):
    """One document: count distinct 50-word paragraphs, each NEAR_CAP_REPEATS times in a row."""
    rng = random.Random(args.seed)
    with open(os.path.join(args.out, "docs", "000001.txt"), "wb") as f:
        for _ in range(count):
            words = gen.paragraph_words(rng, chain, PARAGRAPH_WORDS)
            para = gen.WRAP_RE.sub("\\1\n", " ".join(words)).encode("utf-8")
            f.write((para + b"\n\n") * NEAR_CAP_REPEATS)
        total = f.tell()
    return 1, total


def write_quoted(args, chain, count):
    """count documents, each quoting all of QUOTATIONS between paragraphs of Markov text, then
    one document per quotation holding it unquoted (its source)."""
    rng = random.Random(args.seed)
    width = max(6, len(str(count + len(QUOTATIONS))))
    total = 0
    for d in range(count + len(QUOTATIONS)):
        parts = []
        if d < count:
            for q in QUOTATIONS:
                words = gen.paragraph_words(rng, chain, 20)
                parts.append(" ".join(words) + " The minister said: \u201c" + q + ".\u201d")
        else:
            words = gen.paragraph_words(rng, chain, 30)
            parts.append(QUOTATIONS[d - count] + ".")  # first: no stray mark of the prose
            parts.append(" ".join(words))
        data = ("\n\n".join(parts) + "\n").encode("utf-8")
        with open(os.path.join(args.out, "docs", "%0*d.txt" % (width, d + 1)), "wb") as f:
            f.write(data)
        total += len(data)
    return count + len(QUOTATIONS), total


WRITERS = {"quoted": write_quoted, "passage": write_passage, "word": write_word, "identical": write_identical,
           "paragraph": write_paragraph, "nearcap": write_nearcap}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", required=True, choices=sorted(KINDS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiplies the kind's count of documents or repetitions")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    t0 = time.time()
    os.makedirs(os.path.join(args.out, "docs"), exist_ok=True)
    chain = None if args.kind == "word" else gen.Chain(gen.load_training())
    count = scaled(args.kind, args.scale)
    ndocs, total = WRITERS[args.kind](args, chain, count)
    info = {"version": 1, "generator": "bench/gen_adversarial.py", "kind": args.kind,
            "scale": args.scale, "seed": args.seed, "count": count, "documents": ndocs,
            "bytes": total}
    if args.kind == "passage":
        info["passage"] = PASSAGE
    with open(os.path.join(args.out, "adversarial.json.tmp"), "w") as f:
        json.dump(info, f, indent=1)
    os.replace(os.path.join(args.out, "adversarial.json.tmp"),
               os.path.join(args.out, "adversarial.json"))
    print("gen_adversarial.py: %s x %d: %d documents, %.1f MB in %.1fs"
          % (args.kind, count, ndocs, total / 1e6, time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
