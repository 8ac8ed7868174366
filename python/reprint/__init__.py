"""reprint: find text that appears more than once.

Reprinted passages across documents and repeats inside one (``scan``), near-duplicate documents
(``dedup``, and ``Store`` for a persistent index), quotations with their sources and fidelity
(``quotes``), and the tokens behind every match (``tokens``). Documents are given as an iterable
of ``str``, of ``(id, text)`` pairs, or of mappings with ``id``/``text`` keys. Offsets are str
indices: ``text[p.start:p.end]`` is the passage; ``p.byte_start``/``p.byte_end`` are the UTF-8
byte offsets the JSON report holds.
"""
import json
import math
import os
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping

from . import _reprint
from ._records import (Cluster, Document, Pair, Passage, Quote, Record, Report, Source,
                       build_report)
from ._reprint import (BudgetError, Error, FormatError, InvalidError, IOFailure, LimitError,
                       NotFoundError, Utf8Error)

__version__ = _reprint.library_version
__all__ = ["scan", "quotes", "dedup", "tokens", "Store", "Report", "Record", "Document",
           "Cluster", "Passage", "Pair", "Quote", "Source", "Token", "DedupResult",
           "StoreVerdict", "Error", "IOFailure", "Utf8Error", "InvalidError", "LimitError",
           "FormatError", "NotFoundError", "BudgetError", "KINDS"]

KINDS = ("reprint", "internal", "boilerplate", "series")

Token = namedtuple("Token", "text normalized start end byte_start byte_end hash")
Token.__doc__ = ("A token: its text as written, its normalized form, its str span [start, end), "
                 "its UTF-8 byte span and the 64-bit hash that shingles are made of.")

DedupResult = namedtuple("DedupResult",
                         "id verdict of group resemblance containment kept index")
DedupResult.__doc__ = (
    "One document's verdict against the documents before it: verdict is new, duplicate, "
    "near-duplicate, contains, contained or too_short (fewer tokens than a shingle); of is the id of the group's first document (None "
    "for new); group is the input index of that first document (its own index when new); "
    "kept is True for the document a group keeps (its first); index is its input position.")

StoreVerdict = namedtuple("StoreVerdict",
                          "id verdict of resemblance containment original seq")
StoreVerdict.__doc__ = (
    "A verdict of a store: as DedupResult, plus 'seen' for an id the store already holds (of, "
    "resemblance, containment and original are then those it got when added); of is the "
    "matched stored id (None for new and too_short); seq is its place in the store's commit "
    "order (0 when not stored: too_short, or a query).")

# ---- argument checks: one message naming the argument ----


def _int(name, value, low, high=2**32 - 1):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _share(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value}")
    return float(value)


def _flag(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")
    return value


def _str(name, value):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _kinds(kinds):
    if kinds is None:
        return (1 << len(KINDS)) - 1
    if isinstance(kinds, str) or not isinstance(kinds, Iterable):
        raise TypeError("kinds must be an iterable of kind names such as ['reprint']")
    mask = 0
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"kinds: unknown kind {kind!r} (one of {', '.join(KINDS)})")
        mask |= 1 << KINDS.index(kind)
    if not mask:
        raise ValueError("kinds must name at least one kind")
    return mask


def _text_options(fold_case, fold_marks, fold_quotes, fold_spelling, shingle=5, window=4,
                  max_df=50):
    return {"fold_case": _flag("fold_case", fold_case),
            "fold_marks": _flag("fold_marks", fold_marks),
            "fold_quotes": _flag("fold_quotes", fold_quotes),
            "fold_spelling": _flag("fold_spelling", fold_spelling),
            "shingle": _int("shingle", shingle, 1, 64),
            "window": _int("window", window, 1, 1024),
            "max_df": _int("max_df", max_df, 2)}


def _scan_options(o):
    opts = _text_options(o["fold_case"], o["fold_marks"], o["fold_quotes"], o["fold_spelling"],
                         o["shingle"], o["window"], o["max_df"])
    opts.update(min_tokens=_int("min_tokens", o["min_tokens"], 1),
                min_identity=_share("min_identity", o["min_identity"]),
                boilerplate_docs=_int("boilerplate_docs", o["boilerplate_docs"], 2),
                boilerplate_tokens=_int("boilerplate_tokens", o["boilerplate_tokens"], 0),
                max_passages=_int("max_passages", o["max_passages"], 0),
                threads=_int("threads", o["threads"], 0, 1024),
                memory_mb=_int("memory_mb", o["memory_mb"], 0),
                kinds=_kinds(o["kinds"]))
    return opts


# ---- documents in: str, (id, text) pairs, or mappings ----


def _check_keys(id_key, text_key):
    _str("id_key", id_key)
    _str("text_key", text_key)


def _document(i, doc, id_key, text_key, need_id=False):
    """(name, text) of the i-th document; a str alone is named by its index."""
    if isinstance(doc, str) and not need_id:
        return str(i), doc
    if isinstance(doc, Mapping):
        if text_key not in doc:
            raise ValueError(f"docs[{i}] has no {text_key!r} key (text_key)")
        if need_id and id_key not in doc:
            raise ValueError(f"docs[{i}] has no {id_key!r} key (id_key): a store needs ids")
        name, text = doc.get(id_key, i), doc[text_key]
    elif isinstance(doc, (tuple, list)) and len(doc) == 2:
        name, text = doc
    else:
        raise TypeError(f"docs[{i}] must be {'' if need_id else 'a str, '}an (id, text) pair "
                        f"or a mapping, not {type(doc).__name__}")
    if isinstance(name, bool) or not isinstance(name, (str, int)):
        raise TypeError(f"docs[{i}]: id must be a str or an int, not {type(name).__name__}")
    if not isinstance(text, str):
        raise TypeError(f"docs[{i}]: text must be a str, not {type(text).__name__}")
    name = str(name)
    if not name or "\0" in name:
        raise ValueError(f"docs[{i}]: id must be a non-empty str without NUL characters")
    return name, text


def _utf8(i, text):
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"docs[{i}]: text is not valid Unicode ({e.reason} at index "
                         f"{e.start})") from None


def _iter_docs(docs):
    if isinstance(docs, (str, bytes, Mapping)) or not isinstance(docs, Iterable):
        raise TypeError("docs must be an iterable of str, (id, text) pairs or mappings, "
                        f"not {type(docs).__name__}")
    return iter(docs)


def _corpus(docs, id_key, text_key, need_id=False):
    """Names (bytes), texts (str) and their UTF-8 (bytes) of every document."""
    _check_keys(id_key, text_key)
    names, texts, encoded = [], [], []
    for i, doc in enumerate(_iter_docs(docs)):
        name, text = _document(i, doc, id_key, text_key, need_id)
        names.append(name.encode("utf-8", "surrogatepass"))
        texts.append(text)
        encoded.append(_utf8(i, text))
    return names, texts, encoded


# ---- scan, quotes, tokens ----


def scan(docs, *, shingle=5, window=4, min_tokens=10, min_identity=0.6, max_df=50,
         boilerplate_docs=5, boilerplate_tokens=40, kinds=None, max_passages=0,
         fold_case=True, fold_marks=True, fold_quotes=True, fold_spelling=True, threads=0,
         memory_mb=0, id_key="id", text_key="text"):
    """Finds passages that appear more than once and groups them into clusters.

    docs: an iterable of str (named "0", "1", ... by position), of (id, text) pairs, or of
    mappings holding id_key and text_key (a missing id is the position). The options are those
    of ``reprint scan``; threads=0 uses every core (the result is the same for any value).
    Returns a Report: ``.clusters`` (each with ``.kind``, ``.passages``, ``.pairs``),
    ``.documents`` (``.covered``, ...), and ``.to_json()``, the CLI's JSON report for a JSONL
    file holding the same ids and texts. Raises TypeError/ValueError for a bad argument and
    reprint.Error subclasses for a failed scan (BudgetError past memory_mb)."""
    opts = _scan_options(locals())
    names, texts, encoded = _corpus(docs, id_key, text_key)
    return build_report(_reprint.scan(names, encoded, opts), encoded, texts)


def quotes(docs, *, min_words=6, max_sources=10, shingle=5, window=4, max_df=50,
           fold_case=True, fold_marks=True, fold_quotes=True, fold_spelling=True,
           id_key="id", text_key="text"):
    """Finds quotations (text inside quotation marks), their sources in the documents and how
    faithful each source is (verbatim, normalized, elided, altered).

    docs as for scan. Returns a Report whose ``.quotes`` hold ``.doc``, ``.start``/``.end``
    (str indices), ``.speaker``, ``.status`` and ``.sources`` (each with ``.fidelity``,
    ``.identity``, ``.diffs``); ``.to_json()`` is the CLI's ``quotes --format json``."""
    opts = _text_options(fold_case, fold_marks, fold_quotes, fold_spelling, shingle, window,
                         max_df)
    _int("min_words", min_words, 1)
    _int("max_sources", max_sources, 1)
    names, texts, encoded = _corpus(docs, id_key, text_key)
    text = _reprint.quotes(names, encoded, opts, min_words, max_sources)
    return build_report(text, encoded, texts)


def tokens(text, *, fold_case=True, fold_marks=True, fold_quotes=True, fold_spelling=True):
    """The tokens of text as the scanner sees them: a list of Token (text as written,
    normalized form, str span, byte span, hash). For seeing why two texts match or not."""
    opts = _text_options(fold_case, fold_marks, fold_quotes, fold_spelling)
    data = _utf8(0, _str("text", text))
    toks = _reprint.tokens(data, opts)
    bounds = sorted({b for t in toks for b in t[:2]})
    chars = dict(zip(bounds, _reprint.char_offsets(data, bounds)))
    return [Token(text[chars[s]:chars[e]], norm, chars[s], chars[e], s, e, h)
            for s, e, norm, h in toks]


# ---- dedup: a stream of verdicts ----


def _dedup_checks(resemblance, containment, keep, batch_size):
    _share("resemblance", resemblance)
    _share("containment", containment)
    if _str("keep", keep) != "first":
        raise ValueError(f"keep must be 'first' for a stream, not {keep!r} (a later "
                         "representative would need the whole input: use the CLI)")
    _int("batch_size", batch_size, 1)


DEDUP_MEMORY_MB = 16


def dedup(docs, *, resemblance=0.5, containment=0.6, keep="first", batch_size=4096,
          shingle=5, window=4, max_df=50, fold_case=True, fold_marks=True, fold_quotes=True,
          fold_spelling=True, memory_mb=DEDUP_MEMORY_MB, threads=0, id_key="id",
          text_key="text"):
    """Near-duplicate verdicts for a stream of documents, as an iterator in input order.

    Each document is judged against the documents before it, exactly as ``reprint dedup``
    judges a JSONL file in one run. The iterator reads batch_size documents at a time, judging
    one batch on a worker thread while it reads the next, so it holds at most two batches of
    texts; of the documents before it keeps only what later ones are
    judged against (each group's first document's fingerprints, keys and id). memory_mb (a
    number of MiB, fractions allowed) bounds that state (16 MiB by default): past it the older
    part moves to temporary files in $TMPDIR (or /tmp), deleted when the iterator is done, and
    only about 3 bytes per distinct document stay in memory (within the budget up to about 4
    million distinct items at 16 MiB); memory_mb=0 keeps everything in memory. So docs may be a generator over
    millions of items. The verdicts are the same for any memory_mb and threads (threads=0: every
    core makes signatures). Yields DedupResult(id, verdict, of, group, resemblance,
    containment, kept, index).

    keep must be "first": "longest" or "newest" would need the whole input before the first
    verdict (use ``reprint dedup --keep``), so they raise ValueError."""
    _dedup_checks(resemblance, containment, keep, batch_size)
    _check_keys(id_key, text_key)
    opts = _text_options(fold_case, fold_marks, fold_quotes, fold_spelling, shingle, window,
                         max_df)
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, (int, float)):
        raise TypeError(f"memory_mb must be a number, not {type(memory_mb).__name__}")
    if math.isnan(memory_mb) or not 0 <= memory_mb < 2**22:
        raise ValueError(f"memory_mb must be at least 0 and below {2**22}, not {memory_mb}")
    opts.update(memory_kb=max(1, round(memory_mb * 1024)) if memory_mb else 0,
                threads=_int("threads", threads, 0, 1024))
    deduper = _reprint.Deduper(opts, float(resemblance), float(containment))
    return _dedup_stream(deduper, _iter_docs(docs), batch_size, id_key, text_key)


def _dedup_stream(deduper, it, batch_size, id_key, text_key):
    """Judges batch after batch on a worker thread (the library call releases the GIL), while
    this thread reads the next batch from docs and hands out the results of the last one: so
    at most two batches of texts are held, one being read and one being judged."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        index, pending = 0, None  # pending: (ids, the judging future) of the batch before
        while True:
            ids, names, batch = [], [], []
            start = index + (len(pending[0]) if pending else 0)
            failure = None  # a bad document is raised once the results before it are out
            try:
                for doc in it:
                    name, text = _document(start + len(batch), doc, id_key, text_key)
                    ids.append(name)
                    names.append(name.encode("utf-8", "surrogatepass"))
                    batch.append(_utf8(start + len(batch), text))
                    if len(batch) == batch_size:
                        break
            except Exception as e:  # noqa: BLE001 - raised again below, unchanged
                failure, batch = e, []
            done = pending
            # the batch before must be judged before this one is given: the same order as
            # one thread
            verdicts = done[1].result() if done else None
            pending = (ids, worker.submit(deduper.add, names, batch)) if batch else None
            if done:
                for name, (verdict, of, of_id, res, cont) in zip(done[0], verdicts):
                    if of is None:
                        yield DedupResult(name, verdict, None, index, res, cont, True, index)
                    else:
                        yield DedupResult(name, verdict, of_id, of, res, cont, False, index)
                    index += 1
            if failure is not None:
                raise failure
            if not pending:
                return


# ---- Store: incremental dedup on disk ----


class Store:
    """A persistent dedup index (an LMDB store, the same files as ``reprint dedup --store``).

    ``Store(path, create=True)`` opens the store in directory path, creating it when missing
    (create=False: a missing store is an error). wait=True waits for another writer instead of
    raising LimitError; read_only=True opens for stats and export only. max_items and max_age
    (seconds) evict the oldest documents; 0 keeps everything. The text options must match the
    store's (FormatError otherwise). Use it as a context manager, or call close()."""

    def __init__(self, path, create=True, *, read_only=False, wait=False, max_items=0,
                 max_age=0, map_size_mb=0, shingle=5, window=4, max_df=50, fold_case=True,
                 fold_marks=True, fold_quotes=True, fold_spelling=True, id_key="id",
                 text_key="text"):
        path = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
        if not isinstance(path, str) or not path or "\0" in path:
            raise TypeError("path must be a non-empty str or os.PathLike of str")
        _flag("create", create)
        _flag("read_only", read_only)
        _flag("wait", wait)
        _int("max_items", max_items, 0, 2**63 - 1)
        _int("max_age", max_age, 0, 2**63 - 1)
        _int("map_size_mb", map_size_mb, 0, 2**40)
        _check_keys(id_key, text_key)
        if (not create or read_only) and not os.path.isdir(path):
            raise IOFailure(f"{path}: no such store (create=True makes one)")
        opts = _text_options(fold_case, fold_marks, fold_quotes, fold_spelling, shingle,
                             window, max_df)
        self._keys = (id_key, text_key)
        self._handle = _reprint.StoreHandle(path, opts, read_only, wait, max_items, max_age,
                                            map_size_mb)
        self.path = path

    def _batch(self, batch):
        names, _, encoded = _corpus(batch, *self._keys, need_id=True)
        return names, encoded

    def add(self, batch, *, resemblance=0.5, containment=0.6):
        """Judges and stores a batch of documents (as for scan) in one transaction: all or
        nothing. Returns a StoreVerdict per document, in order; an id already held is 'seen'."""
        _share("resemblance", resemblance)
        _share("containment", containment)
        names, encoded = self._batch(batch)
        return [StoreVerdict(*v) for v in
                self._handle.add(names, encoded, float(resemblance), float(containment))]

    def query(self, batch, *, resemblance=0.5, containment=0.6):
        """The verdicts add() would give this batch (its items see the earlier ones), as a dry
        run: nothing is stored. Needs a store open for writing."""
        _share("resemblance", resemblance)
        _share("containment", containment)
        names, encoded = self._batch(batch)
        return [StoreVerdict(*v) for v in
                self._handle.query(names, encoded, float(resemblance), float(containment))]

    def delete(self, ids):
        """Removes the documents with these ids (an iterable of str or int) in one
        transaction; ids not held are passed over. Returns how many were removed."""
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            raise TypeError("ids must be an iterable of str or int ids, not "
                            f"{type(ids).__name__}")
        names = []
        for i, name in enumerate(ids):
            if isinstance(name, bool) or not isinstance(name, (str, int)):
                raise TypeError(f"ids[{i}] must be a str or an int, not {type(name).__name__}")
            name = str(name)
            if not name or "\0" in name:
                raise ValueError(f"ids[{i}] must be a non-empty str without NUL characters")
            names.append(name.encode("utf-8", "surrogatepass"))
        return self._handle.delete(names)

    def stats(self):
        """The store's counts and sizes, as a dict (``reprint store stats``)."""
        return json.loads(self._handle.stats())

    def export(self):
        """Every stored document's record, as a list of dicts (``reprint store export``)."""
        return [json.loads(line) for line in self._handle.export().splitlines() if line]

    def close(self):
        """Closes the store and releases its writer lock; later calls raise ValueError."""
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
