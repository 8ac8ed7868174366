#!/usr/bin/env python3
"""Benchmark corpus generator for `reprint scan`: deterministic documents of Markov-chain English
(word level, order 2 with back-off, trained on the Debian `fortunes` package) with planted reprints
(exact, light, heavy, OCR edits), internal repeats and boilerplate lines, plus truth.json giving the
UTF-8 byte span of every planted copy.  Python 3 standard library only.

    python3 bench/gen.py --seed 1 --size 10000000 --out bench/out/10MB
    python3 bench/gen.py --passage-cases ...   also the passage cases of bench/passages.sh
    python3 bench/gen.py --wire-cases ...      also wire stories reprinted by many outlets
"""

import argparse
import json
import math
import multiprocessing
import os
import random
import re
import sys
import time

TRAIN_DIRS = ["/usr/share/games/fortunes"]
TRAIN_SKIP = {"art", "ascii-art"}  # pictures, not prose
LINE_WIDTH = 72
CLASS_WEIGHTS = [("exact", 0.25), ("light", 0.25), ("heavy", 0.2), ("ocr", 0.15), ("internal", 0.15)]

# Boilerplate: fixed template lines, written for this benchmark.
TEMPLATES = [
    "This story was distributed by the Harbor Lane Wire Service.",
    "Reprinted with permission of the publisher. All rights reserved.\n"
    "Requests for syndication should go to the rights desk.",
    "Sign up for the morning briefing to get stories like this one in your inbox.",
    "The views in this column belong to the writer and do not\n"
    "necessarily reflect the position of the editorial board.",
]

# Passage cases (--passage-cases): boilerplate lines at a fixed place, (text, where): the first
# line, the line after the first paragraph (a credit line), the last line; each longer than
# the scan's min_tokens (10), so that it can be found at all.
CREDIT_LINES = [
    ("Compiled by the Millbrook Courier news desk from staff and wire reports.", "first"),
    ("Photographs courtesy of the Eastfield Camera Club and its members, used with permission.",
     "second"),
    ("Copyright Millbrook Courier. Distributed by the Lakeside Syndicate to its member papers.",
     "last"),
]
PASSAGE_WEIGHTS = [("gap", 0.35), ("long", 0.2), ("trim", 0.2), ("short", 0.25)]

# American -> British spelling pairs (the light edit class swaps either way).
SPELLING = dict(p.split(":") for p in """
color:colour colors:colours colored:coloured honor:honour honors:honours honored:honoured
favor:favour favors:favours favorite:favourite favorites:favourites labor:labour neighbor:neighbour
neighbors:neighbours neighborhood:neighbourhood behavior:behaviour humor:humour flavor:flavour
harbor:harbour rumor:rumour vapor:vapour vigor:vigour valor:valour armor:armour savior:saviour
endeavor:endeavour center:centre centers:centres centered:centred theater:theatre fiber:fibre
liter:litre meter:metre somber:sombre traveled:travelled traveling:travelling traveler:traveller
canceled:cancelled labeled:labelled modeling:modelling jewelry:jewellery defense:defence
offense:offence license:licence program:programme programs:programmes gray:grey catalog:catalogue
dialog:dialogue analyze:analyse analyzed:analysed paralyze:paralyse skeptic:sceptic
skeptical:sceptical mustache:moustache aging:ageing judgment:judgement fulfill:fulfil
enroll:enrol skillful:skilful willful:wilful plow:plough pajamas:pyjamas aluminum:aluminium
mom:mum cozy:cosy tire:tyre check:cheque story:storey math:maths US:U.S. UK:U.K.
""".split())
for _k, _v in list(SPELLING.items()):
    SPELLING.setdefault(_v, _k)
IZE_EXCEPT = {"capsize", "capsized", "capsizes", "downsize", "oversize", "outsize"}
OCR_CONFUSIONS = [("m", "rn"), ("rn", "m"), ("l", "1"), ("I", "l"), ("e", "c"), ("c", "e"),
                  ("o", "0"), ("h", "b"), ("cl", "d"), ("d", "cl"), ("u", "v"), ("n", "ri"),
                  ("i", "l"), ("S", "5"), ("B", "8"), ("f", "t")]
OCR_RE = re.compile("|".join(re.escape(a) for a, _ in sorted(OCR_CONFUSIONS, key=lambda x: -len(x[0]))))
OCR_MAP = {}
for _a, _b in OCR_CONFUSIONS:
    OCR_MAP.setdefault(_a, _b)
WRAP_RE = re.compile(r"(?=[^\n]{%d})([^\n]{1,%d}) " % (LINE_WIDTH + 1, LINE_WIDTH))


# ---------------------------------------------------------------- training and the chain

def training_files():
    files = []
    for d in TRAIN_DIRS:
        if not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if n in TRAIN_SKIP or "." in n or not os.path.isfile(p) or os.path.islink(p):
                continue
            files.append(p)
    return files


def load_training():
    """Word tokens (punctuation attached) of the training prose, attribution and art lines dropped."""
    files = training_files()
    if not files:
        sys.exit("gen.py: no training text; install the Debian package 'fortunes' "
                 "(apt-get install fortunes)")
    toks = []
    for p in files:
        with open(p, encoding="utf-8", errors="replace") as f:
            for line in f:
                s = line.strip()
                if not s or s == "%" or s.startswith("--") or s.startswith("-- "):
                    continue
                letters = sum(map(str.isalpha, s))
                if letters < 0.6 * len(s.replace(" ", "")):
                    continue  # code, tables, pictures
                toks.extend(w for w in s.split() if len(w) < 30)
    return toks


class Chain:
    """Order-2 word chain; a state with one possible successor backs off to order 1, and a word
    with one successor backs off to the unigram stream, so that the text rarely copies long runs
    of the training prose verbatim (chance repeats stay rare) while common phrases still recur."""

    def __init__(self, toks):
        vocab = {}
        ids = [vocab.setdefault(w, len(vocab)) for w in toks]
        self.words = [None] * len(vocab)
        for w, i in vocab.items():
            self.words[i] = w
        V = len(vocab)
        self.stream = ids
        succ1 = [[] for _ in range(V)]
        succ2 = {}
        for i in range(len(ids) - 2):
            a, b, c = ids[i], ids[i + 1], ids[i + 2]
            succ1[b].append(c)
            succ2.setdefault(a * V + b, []).append(c)
        # States: one per training bigram (id < B), then one per word (id B + w, for back-off).
        bigram = {k: n for n, k in enumerate(succ2)}
        B = len(bigram)
        self.last = [k % V for k in succ2] + list(range(V))  # the word a state ends with
        t0 = [B + c for c in ids]  # unigram stream
        t1 = [[bigram[b * V + c] for c in s] if len(set(s)) >= 2 else t0
              for b, s in enumerate(succ1)]
        trans = [None] * (B + V)
        for k, n in bigram.items():
            s = succ2[k]
            b = k % V
            trans[n] = [bigram[b * V + c] for c in s] if len(set(s)) >= 2 else t1[b]
        for w in range(V):
            trans[B + w] = t1[w]
        self.trans, self.nstates, self.B = trans, B + V, B
        self.ends = [w[-1] in ".!?" or w.endswith('."') or w.endswith('?"') for w in self.words]

    def gen(self, rng, n):
        """n word ids from a random start."""
        trans, rnd = self.trans, rng.random
        s = self.B + self.stream[rng.randrange(len(self.stream))]
        out = [0] * n
        for i in range(n):
            t = trans[s]
            s = t[int(rnd() * len(t))]
            out[i] = s
        return list(map(self.last.__getitem__, out))

    def sentence_words(self, rng, n):
        """About n words (as strings) starting at a sentence start and ending at a sentence end
        when one comes within a few words."""
        ids = self.gen(rng, n * 2 + 40)
        ends = self.ends
        start = 0
        for j in range(min(len(ids) - n - 1, 40)):
            if ends[ids[j]]:
                start = j + 1
                break
        stop = start + n
        for j in range(stop - 1, min(stop + 6, len(ids))):
            if ends[ids[j]]:
                stop = j + 1
                break
        w = [self.words[i] for i in ids[start:stop]]
        if w and w[0][:1].islower():
            w[0] = w[0][0].upper() + w[0][1:]
        return w


# ---------------------------------------------------------------- edits

def spelling_variant(w):
    m = re.match(r"^([^\w]*)(.*?\w)([^\w]*)$", w)
    if not m:
        return None
    pre, core, post = m.groups()
    if post.startswith(".") and core + "." in SPELLING:  # U.S.
        core, post = core + ".", post[1:]
    key = core if core in SPELLING else core.lower()
    alt = SPELLING.get(key)
    if alt is None:
        low = core.lower()
        m = re.match(r"^([a-z]{4,})(i[zs])(e|es|ed|ing|ation|ations|er|ers)$", low)
        if not m or low in IZE_EXCEPT:
            return None
        alt = m.group(1) + ("is" if m.group(2) == "iz" else "iz") + m.group(3)
    if core[:1].isupper() and alt[:1].islower():
        alt = alt[0].upper() + alt[1:]
    return pre + alt + post


def curly(s):
    s = re.sub(r'(^|[\s(\[])"', "\\1\u201c", s)
    s = s.replace('"', "\u201d")
    s = re.sub(r"(^|[\s(\[])'", "\\1\u2018", s)
    return s.replace("'", "\u2019")


def edit_light(words, rng, rate=0.03):
    w = list(words)
    n = max(1, int(round(rate * len(w))))
    for p in rng.sample(range(len(w)), min(n, len(w))):
        x = w[p]
        v = spelling_variant(x)
        if v is not None and rng.random() < 0.8:
            w[p] = v
            continue
        op = rng.random()
        if op < 0.4:  # punctuation
            if x[-1] in ",.;:!?":
                w[p] = x[:-1] + rng.choice([c for c in ",.;:" if c != x[-1]] + [""])
            else:
                w[p] = x + rng.choice([",", ",", ";", " -"])
        elif op < 0.7 or not re.search("['\"]", x):  # case
            w[p] = x.lower() if x[:1].isupper() else x[:1].upper() + x[1:]
        else:
            w[p] = curly(x)
    if rng.random() < 0.3:
        w = [curly(x) for x in w]
    return w


def edit_heavy(words, rng, chain, sub=0.08, ins=0.04, dele=0.04):
    out = []
    st, vw = chain.stream, chain.words
    for x in words:
        r = rng.random()
        if r < dele:
            pass
        elif r < dele + sub:
            out.append(vw[st[rng.randrange(len(st))]])
        else:
            out.append(x)
        if rng.random() < ins:
            out.append(vw[st[rng.randrange(len(st))]])
    return out or list(words[:1])


def edit_ocr(words, rng, rate=0.03, hyph=0.05):
    w = list(words)
    for p, x in enumerate(w):
        if len(x) >= 8 and x.isalpha() and rng.random() < hyph:
            k = rng.randrange(3, len(x) - 2)
            w[p] = x[:k] + "-\n" + x[k:]
    s = " ".join(w)
    nletters = sum(1 for c in s if c.isalnum())
    sites = [m.span() for m in OCR_RE.finditer(s)]
    n = min(len(sites), int(round(rate * nletters)))
    chosen = sorted(rng.sample(sites, n), reverse=True)
    for a, b in chosen:
        s = s[:a] + OCR_MAP[s[a:b]] + s[b:]
    return s.split(" ")


# ---------------------------------------------------------------- planning

def passage_words(rng, lo=15, hi=400):
    return int(round(lo * math.exp((rng.random() ** 1.5) * math.log(hi / lo))))


def pick_class(rng):
    r = rng.random()
    for c, wgt in CLASS_WEIGHTS:
        r -= wgt
        if r < 0:
            return c
    return CLASS_WEIGHTS[-1][0]


def plan(args, chain):
    """Document sizes, boilerplate, clusters and the copy texts placed in each document."""
    rng = random.Random(args.seed)
    sizes, total = [], 0
    while total < args.size:
        t = rng.randint(args.min_doc, args.max_doc)
        sizes.append(t)
        total += t
    ndocs = max(2, len(sizes))
    sizes = sizes[:ndocs] + [args.min_doc] * (ndocs - len(sizes))
    boiler = [None] * ndocs
    for d in range(ndocs):
        if rng.random() < args.boilerplate_share:
            boiler[d] = (rng.choices(range(len(TEMPLATES)), weights=[4, 3, 2, 1])[0],
                         rng.random() < 0.5)  # (template, at top?)
    placed = [[] for _ in range(ndocs)]  # per doc: (position key, cluster, copy, text)
    clusters = []
    budget, used = args.reprint_share * args.size, 0
    while used < budget:
        cls = pick_class(rng)
        cid = len(clusters)
        if cls == "internal":
            n = min(passage_words(rng), 150)
            src = chain.sentence_words(rng, n)
            intro = edit_light(src, rng) if rng.random() < 0.5 else list(src)
            d = rng.randrange(ndocs)
            placed[d].append((-1.0, cid, 0, " ".join(intro)))
            placed[d].append((0.3 + 0.7 * rng.random(), cid, 1, " ".join(src)))
            clusters.append({"id": cid, "class": cls, "words": len(src), "ncopies": 2})
            used += 2 * (len(" ".join(src)) + 1)
            continue
        n = passage_words(rng)
        src = chain.sentence_words(rng, n)
        k = rng.randint(2, 6)
        docs = rng.sample(range(ndocs), k)
        for j, d in enumerate(docs):
            if j == 0 or cls == "exact":
                cw = src
            elif cls == "light":
                cw = edit_light(src, rng)
            elif cls == "heavy":
                cw = edit_heavy(src, rng, chain)
            else:
                cw = edit_ocr(src, rng)
            text = " ".join(cw)
            placed[d].append((rng.random(), cid, j, text))
            used += len(text) + 1
        clusters.append({"id": cid, "class": cls, "words": len(src), "ncopies": k})
    credit = None
    if getattr(args, "passage_cases", False):
        credit = plan_passage_cases(args, chain, ndocs, placed, clusters)
    if getattr(args, "wire_cases", False):
        plan_wire_cases(args, chain, ndocs, placed, clusters)
    for p in placed:
        p.sort(key=lambda x: (x[0], x[1], x[2]))
    return sizes, boiler, placed, clusters, credit


# ---------------------------------------------------------------- passage cases

def word_span(words, i, j):
    """Char span of words[i:j] in " ".join(words); an empty span sits at the start of word i."""
    a = len(" ".join(words[:i])) + (1 if i > 0 else 0)
    return a, a + len(" ".join(words[i:j]))


def random_words(rng, chain, n):
    st, vw = chain.stream, chain.words
    return [vw[st[rng.randrange(len(st))]] for _ in range(n)]


def case_gap(rng, chain, cid, docs):
    """An original and a copy with a clause of 5-40 words inserted or deleted in the middle;
    each flank at least 15 words. "gap" is the clause's span on each side (empty on the side
    without it)."""
    g = rng.randint(5, 40)
    insert = rng.random() < 0.5
    src = chain.sentence_words(rng, rng.randint(40 if insert else g + 40, 200))
    n = len(src)
    cut = rng.randint(max(15, int(0.3 * n)), min(n - 15 - (0 if insert else g), int(0.7 * n)))
    if insert:
        clause = chain.sentence_words(rng, g)[:g]
        g = len(clause)
        cw, gaps = src[:cut] + clause + src[cut:], [(cut, cut), (cut, cut + g)]
    else:
        cw, gaps = src[:cut] + src[cut + g:], [(cut, cut + g), (cut, cut)]
    if rng.random() < 0.5:
        cw = edit_light(cw, rng)
    out = []
    for j, (words, (a, b)) in enumerate(zip([src, cw], gaps)):
        out.append((docs[j], j, " ".join(words), {"spans": {"gap": word_span(words, a, b)}}))
    info = {"id": cid, "class": "gap", "words": n, "ncopies": 2,
            "extra": {"edit": "insert" if insert else "delete", "gap_words": g}}
    return out, [info]


def case_long(rng, chain, cid, docs):
    """A long reprint (150-400 words, 2-3 copies, exact or light) and one of its sub-phrases
    (12-30 words) also planted alone in 1-3 other documents: cluster cid is the long text,
    cid + 1 the sub-phrase, whose copies are its place inside each long copy and the lone
    copies."""
    src = chain.sentence_words(rng, rng.randint(150, 400))
    n = len(src)
    k = rng.randint(2, 3)
    m = rng.randint(12, 30)
    i = rng.randint(n // 10, n - m - n // 10)
    nsub = len(docs) - k
    out = []
    light = rng.random() < 0.5
    for j in range(k):
        words = edit_light(src, rng) if j and light else src
        a, b = word_span(words, i, i + m)
        out.append((docs[j], j, " ".join(words), {"nested": [(cid + 1, j, a, b)]}))
    for t in range(nsub):
        words = src[i:i + m]
        out.append((docs[k + t], k + t, " ".join(words), None))
    infos = [{"id": cid, "class": "long", "words": n, "ncopies": k},
             {"id": cid + 1, "class": "subphrase", "words": m, "ncopies": k + nsub,
              "extra": {"part_of": cid, "part_words": [i, i + m]}}]
    return out, infos


def revise(rng, chain, words, h, keep):
    """Words rewritten in stretches, as a revision does: runs of 8-14 kept words (long enough
    to hold a fingerprint) between runs of substituted words (at most 25, so the scan's chains
    still link the kept runs), in proportion to keep about a share h; the first run is kept
    when keep is true."""
    out, i = [], 0
    while i < len(words):
        if keep:
            n = rng.randint(8, 14)
            out += words[i:i + n]
        else:
            n = min(25, max(1, int(round(11 * (1 - h) / h * rng.uniform(0.7, 1.3)))))
            out += random_words(rng, chain, len(words[i:i + n]))
        i += n
        keep = not keep
    return out


def case_trim(rng, chain, cid, docs):
    """An original (100-300 words) and a copy whose first part (a share f) keeps only a share
    h of its words, the rest light edits. Variants: "under", rewritten in stretches so that
    the whole alignment falls just under min_identity 0.6 (0.53-0.595; the copy starts with a
    kept run, so an alignment reaches its start); "part", rewritten in stretches with h just
    under 0.6 (0.45-0.595), the whole above it; "scattered", as "part" with single words
    substituted. "keep" is the lightly edited part on each side, what a
    scanner should report at least; "edited_identity" is the h made."""
    src = chain.sentence_words(rng, rng.randint(100, 300))
    n = len(src)
    r = rng.random()
    if r < 0.5:
        variant, f, target = "under", rng.uniform(0.65, 0.75), rng.uniform(0.53, 0.595)
        h = (target - (1 - f) * 0.98) / f
    else:
        variant = "part" if r < 0.75 else "scattered"
        f, h = rng.uniform(0.3, 0.6), rng.uniform(0.45, 0.595)
    cut = int(round(f * n))
    if variant == "scattered":
        subst = random_words(rng, chain, cut)
        heavy = [w if rng.random() < h else subst[q] for q, w in enumerate(src[:cut])]
    else:
        start = variant == "under" or rng.random() < 0.5
        for _ in range(20):  # runs are whole: retry until "under" is under (light part ~0.98)
            heavy = revise(rng, chain, src[:cut], h, start)
            kept = sum(x == y for x, y in zip(heavy, src))
            whole = (kept + 0.98 * (n - cut)) / n
            if variant != "under" or 0.53 <= whole < 0.595:
                break
            h += 0.03 if whole < 0.53 else -0.03
    kept = sum(x == y for x, y in zip(heavy, src))
    cw = heavy + edit_light(src[cut:], rng)
    out = []
    for j, words in enumerate([src, cw]):
        out.append((docs[j], j, " ".join(words), {"spans": {"keep": word_span(words, cut, n)}}))
    info = {"id": cid, "class": "trim", "words": n, "ncopies": 2,
            "extra": {"variant": variant, "edited_share": round(cut / n, 4),
                      "edited_identity": round(kept / max(1, cut), 4)}}
    return out, [info]


def case_short(rng, chain, cid, docs):
    """A short reprint, 15-40 words, in 5-10 documents at random places (exact or light)."""
    src = chain.sentence_words(rng, rng.randint(15, 40))[:40]
    light = rng.random() < 0.5
    out = [(d, j, " ".join(edit_light(src, rng) if j and light else src), None)
           for j, d in enumerate(docs)]
    return out, [{"id": cid, "class": "short", "words": len(src), "ncopies": len(docs)}]


CASES = {"gap": (case_gap, 2, 2), "long": (case_long, 3, 6), "trim": (case_trim, 2, 2),
         "short": (case_short, 5, 10)}  # builder, fewest and most documents


def plan_passage_cases(args, chain, ndocs, placed, clusters):
    """Adds the passage cases to placed/clusters (own random stream, so the rest of the plan
    is that of the same seed without them) and returns each document's credit line or None."""
    rng = random.Random(args.seed * 7919 + 13)
    credit = [rng.choices(range(len(CREDIT_LINES)), weights=[2, 2, 1])[0]
              if rng.random() < args.boilerplate_share else None for _ in range(ndocs)]
    budget, used = args.passage_share * args.size, 0
    while used < budget:
        r, kind = rng.random(), PASSAGE_WEIGHTS[-1][0]
        for c, wgt in PASSAGE_WEIGHTS:
            r -= wgt
            if r < 0:
                kind = c
                break
        build, lo, hi = CASES[kind]
        docs = rng.sample(range(ndocs), min(ndocs, rng.randint(lo, hi)))
        if len(docs) < lo:
            break
        out, infos = build(rng, chain, len(clusters), docs)
        for d, j, text, ext in out:
            key = rng.random()
            placed[d].append((key, infos[0]["id"] if j < infos[0]["ncopies"] else infos[-1]["id"],
                              j, text) + ((ext,) if ext else ()))
            used += len(text) + 1
        clusters.extend(infos)
    return credit


# ---------------------------------------------------------------- wire cases

def edit_wire(words, rng, chain, every=30):
    """An outlet's copy of wire text: about one edit per `every` words, each a substitution
    (a chain word), an inserted word, a deleted word or a spelling variant (a case change
    where the word has none)."""
    out = []
    for x in words:
        if rng.random() >= 1.0 / every:
            out.append(x)
            continue
        r = rng.random()
        if r < 0.3:
            out.append(random_words(rng, chain, 1)[0])
        elif r < 0.55:
            out += [x] + random_words(rng, chain, 1)
        elif r < 0.8:
            pass
        else:
            v = spelling_variant(x)
            out.append(v if v is not None else
                       (x.lower() if x[:1].isupper() else x[:1].upper() + x[1:]))
    return out or list(words[:1])


def plan_wire_cases(args, chain, ndocs, placed, clusters):
    """Adds the wire cases to placed/clusters (own random stream, so the rest of the plan is that
    of the same seed without them): stories of 3-8 paragraphs (40-120 words each) reprinted by
    4-16 outlets (documents), each outlet taking a share of the paragraphs, some reordered, each
    paragraph with scattered word edits (edit_wire). Each paragraph is a cluster of class
    "wire" whose copies are its place in each outlet's copy; an outlet's paragraphs are placed
    back to back."""
    rng = random.Random(args.seed * 104729 + 31)
    budget, used = args.wire_share * args.size, 0
    while used < budget:
        paras = [chain.sentence_words(rng, rng.randint(40, 120))
                 for _ in range(rng.randint(3, 8))]
        base = len(clusters)
        ncopies = [0] * len(paras)
        k = min(ndocs, rng.randint(4, 16))
        for d in rng.sample(range(ndocs), k):
            take = [i for i in range(len(paras)) if i == 0 or rng.random() < 0.7]
            if len(take) > 2 and rng.random() < 0.3:  # recombined: two paragraphs swap
                x, y = rng.sample(range(1, len(take)), 2)
                take[x], take[y] = take[y], take[x]
            key = rng.random()
            for q, i in enumerate(take):
                text = " ".join(edit_wire(paras[i], rng, chain))
                placed[d].append((key + q * 1e-9, base + i, ncopies[i], text))
                ncopies[i] += 1
                used += len(text) + 2
        for i, p in enumerate(paras):
            clusters.append({"id": base + i, "class": "wire", "words": len(p),
                             "ncopies": ncopies[i]})


# ---------------------------------------------------------------- documents

G = {}  # set before the worker pool forks


def paragraph_words(rng, chain, n):
    return list(map(chain.words.__getitem__, chain.gen(rng, n)))


def build_doc(d):
    """Text of document d and the char spans of its planted copies."""
    args, chain = G["args"], G["chain"]
    size, bo, placed = G["sizes"][d], G["boiler"][d], G["placed"][d]
    rng = random.Random((args.seed * 1000003 + d) * 7919 + 17)
    planted = sum(len(x[3]) + 2 for x in placed)
    if bo is not None:
        planted += len(TEMPLATES[bo[0]]) + 2
    cr = G["credit"][d] if G.get("credit") else None
    if cr is not None:
        planted += len(CREDIT_LINES[cr][0]) + 2
    nwords = max(30, int((size - planted) / 5.65))
    base = paragraph_words(rng, chain, nwords)
    # paragraph breaks after a sentence end, 40..160 words apart
    paras, i = [], 0
    ends = set(".!?")
    while i < len(base):
        j = min(len(base), i + rng.randint(40, 160))
        while j < len(base) and j < i + 200 and base[j - 1][-1] not in ends:
            j += 1
        paras.append(base[i:j])
        i = j
    pieces, spans, pos = [], [], 0

    def put(s):
        nonlocal pos
        pieces.append(s)
        pos += len(s)

    def plant(entry):
        # A placed copy; a 5th element (passage cases) holds spans relative to its text.
        cid, cp, t = entry[1], entry[2], entry[3]
        if len(entry) > 4:
            ext = entry[4]
            rel = {k: (pos + a, pos + b) for k, (a, b) in ext.get("spans", {}).items()}
            spans.append((cid, cp, pos, pos + len(t), rel))
            for cid2, cp2, a, b in ext.get("nested", []):
                spans.append((cid2, cp2, pos + a, pos + b))
        else:
            spans.append((cid, cp, pos, pos + len(t)))
        put(t)

    def credit(where):
        # a passage-case boilerplate line at its fixed place (CREDIT_LINES)
        if cr is not None and CREDIT_LINES[cr][1] == where:
            line = CREDIT_LINES[cr][0]
            spans.append(("B", len(TEMPLATES) + cr, pos, pos + len(line)))
            put(line)
            put("\n\n")

    credit("first")
    if bo is not None and bo[1]:
        spans.append(("B", bo[0], pos, pos + len(TEMPLATES[bo[0]])))
        put(TEMPLATES[bo[0]])
        put("\n\n")
    k = 0
    npar = len(paras)
    intro = [x for x in placed if x[0] < 0]
    rest = [x for x in placed if x[0] >= 0]
    for x in intro:
        plant(x)
        put("\n\n")
    for pi, para in enumerate(paras):
        if pi == 1:
            credit("second")
        while k < len(rest) and rest[k][0] * npar <= pi:
            plant(rest[k])
            put("\n\n")
            k += 1
        if rng.random() < 0.35 and k < len(rest) and rest[k][0] * npar < pi + 1:
            # a copy inside this paragraph, after a sentence
            cut = next((q + 1 for q in range(len(para) // 2, len(para))
                        if para[q][-1] in ends), len(para))
            put(" ".join(para[:cut]) + " ")
            plant(rest[k])
            k += 1
            tail = " ".join(para[cut:])
            put((" " + tail if tail else "") + "\n\n")
        else:
            put(" ".join(para))
            put("\n\n")
    while k < len(rest):
        plant(rest[k])
        put("\n\n")
        k += 1
    if bo is not None and not bo[1]:
        spans.append(("B", bo[0], pos, pos + len(TEMPLATES[bo[0]])))
        put(TEMPLATES[bo[0]])
        put("\n\n")
    credit("last")
    text = "".join(pieces)
    text = text[:-1]  # one final newline
    text = WRAP_RE.sub("\\1\n", text)  # same length: spans stay valid
    data = text.encode("utf-8")
    if len(data) != len(text):
        def b(i):
            return len(text[:i].encode("utf-8"))

        def to_bytes(x):
            ext = ({k: (b(u), b(v)) for k, (u, v) in x[4].items()},) if len(x) > 4 else ()
            return (x[0], x[1], b(x[2]), b(x[3])) + ext
        spans = [to_bytes(x) for x in spans]
    return data, spans


def work(rng_range):
    lo, hi = rng_range
    out = G["out"]
    width = G["width"]
    res = []
    nbytes = 0
    for d in range(lo, hi):
        data, spans = build_doc(d)
        name = "%0*d.txt" % (width, d + 1)
        with open(os.path.join(out, "docs", name), "wb") as f:
            f.write(data)
        nbytes += len(data)
        res.append((d, spans))
    return res, nbytes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size", type=float, default=10e6, help="approximate corpus bytes")
    ap.add_argument("--out", required=True)
    ap.add_argument("--reprint-share", type=float, default=0.05,
                    help="share of bytes in planted reprint/internal copies")
    ap.add_argument("--boilerplate-share", type=float, default=1 / 3,
                    help="share of documents with a boilerplate template")
    ap.add_argument("--min-doc", type=int, default=2000)
    ap.add_argument("--max-doc", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--passage-cases", action="store_true",
                    help="also plant the passage cases (bench/README.md): copies with an inserted"
                    " or deleted clause, sub-phrases of long reprints, copies partly under"
                    " min_identity, short reprints in 5-10 documents, boilerplate lines at fixed"
                    " places")
    ap.add_argument("--passage-share", type=float, default=0.08,
                    help="with --passage-cases: share of bytes in the passage cases")
    ap.add_argument("--wire-cases", action="store_true",
                    help="also plant wire stories reprinted by many outlets (4-16 documents each,"
                    " paragraphs recombined, an edit every 30 words or so: substitutions,"
                    " insertions, deletions, spelling variants), the alignment-heavy corpus")
    ap.add_argument("--wire-share", type=float, default=0.5,
                    help="with --wire-cases: share of bytes in the wire copies")
    args = ap.parse_args(argv)
    args.size = int(args.size)
    t0 = time.time()
    chain = Chain(load_training())
    sizes, boiler, placed, clusters, credit = plan(args, chain)
    t1 = time.time()
    ndocs = len(sizes)
    os.makedirs(os.path.join(args.out, "docs"), exist_ok=True)
    width = max(6, len(str(ndocs)))
    G.update(args=args, chain=chain, sizes=sizes, boiler=boiler, placed=placed,
             out=args.out, width=width, credit=credit)
    step = 200
    ranges = [(i, min(ndocs, i + step)) for i in range(0, ndocs, step)]
    copies = {}
    bcopies = {}
    total = 0
    if args.jobs > 1:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.jobs) as pool:
            results = pool.imap(work, ranges)
            for res, nb in results:
                total += nb
                for d, spans in res:
                    collect(d, spans, width, copies, bcopies)
    else:
        for r in ranges:
            res, nb = work(r)
            total += nb
            for d, spans in res:
                collect(d, spans, width, copies, bcopies)
    out_clusters = []
    for c in clusters:
        cps = [copies[(c["id"], j)] for j in range(c["ncopies"])]
        out_clusters.append(dict({"id": c["id"], "class": c["class"], "words": c["words"],
                                  "copies": cps}, **c.get("extra", {})))
    base = len(out_clusters)
    lines = TEMPLATES + ([t for t, _ in CREDIT_LINES] if credit else [])
    for t in range(len(lines)):
        cps = bcopies.get(t, [])
        if len(cps) >= 2:
            out_clusters.append({"id": base + t, "class": "boilerplate",
                                 "words": len(lines[t].split()), "copies": cps})
            if t >= len(TEMPLATES):
                out_clusters[-1]["place"] = CREDIT_LINES[t - len(TEMPLATES)][1]
    truth = {"version": 1, "generator": "bench/gen.py",
             "params": {"seed": args.seed, "size": args.size, "reprint_share": args.reprint_share,
                        "boilerplate_share": args.boilerplate_share, "bytes": total,
                        "training": training_files()},
             "documents": ["%0*d.txt" % (width, d + 1) for d in range(ndocs)],
             "clusters": out_clusters}
    if credit:
        truth["params"]["passage_share"] = args.passage_share
    if args.wire_cases:
        truth["params"]["wire_share"] = args.wire_share
    with open(os.path.join(args.out, "truth.json.tmp"), "w") as f:
        json.dump(truth, f, separators=(",", ":"))
    os.replace(os.path.join(args.out, "truth.json.tmp"), os.path.join(args.out, "truth.json"))
    t2 = time.time()
    print("gen.py: %d documents, %.1f MB, %d clusters, chain+plan %.1fs, write %.1fs (%.1f MB/s)"
          % (ndocs, total / 1e6, len(out_clusters), t1 - t0, t2 - t1, total / 1e6 / max(t2 - t1, 1e-9)),
          file=sys.stderr)


def collect(d, spans, width, copies, bcopies):
    name = "%0*d.txt" % (width, d + 1)
    for x in spans:
        a, b, s, e = x[:4]
        rec = {"doc": name, "start": s, "end": e}
        for k, (u, v) in (x[4].items() if len(x) > 4 else ()):
            rec[k] = [u, v]
        if a == "B":
            bcopies.setdefault(b, []).append(rec)
        else:
            copies[(a, b)] = rec


if __name__ == "__main__":
    main()
