"""Reports as Python objects: the library writes its JSON report, and each JSON object becomes a
Record whose fields are attributes, so every field the library writes (including ones added
later) is reachable. Spans (objects with "doc", "start" and "end") get str indices in start/end
and keep the JSON's byte offsets as byte_start/byte_end."""
import json

from . import _reprint


class Record:
    """One JSON object of a report: its fields as attributes (``r.name``) and items (``r["name"]``).

    ``to_dict()`` returns the fields as the JSON report has them (byte offsets)."""

    __slots__ = ("_fields", "_raw")

    def __init__(self, fields, raw):
        object.__setattr__(self, "_fields", fields)
        object.__setattr__(self, "_raw", raw)

    def __getattr__(self, name):
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __getitem__(self, name):
        return self._fields[name]

    def __contains__(self, name):
        return name in self._fields

    def __dir__(self):
        return sorted(set(self._fields) | set(super().__dir__()))

    def __eq__(self, other):
        return isinstance(other, Record) and self._fields == other._fields

    __hash__ = None

    def keys(self):
        """The field names, in the report's order."""
        return self._fields.keys()

    def to_dict(self):
        """The JSON object this record came from (byte offsets, as in the report)."""
        return self._raw

    def __repr__(self):
        shown = ", ".join(f"{k}={v!r}" for k, v in self._fields.items()
                          if not isinstance(v, (list, Record)))
        return f"{type(self).__name__}({shown})"


class Document(Record):
    """A document of a report: id, name, bytes, tokens, covered, invalid_utf8, offset, ..."""
    __slots__ = ()


class Passage(Record):
    """A passage: doc, start and end as str indices (``text[p.start:p.end]``), byte_start and
    byte_end as the report's byte offsets, line, column, tokens, identity, text, ..."""
    __slots__ = ()


class Pair(Record):
    """An alignment holding a cluster together: cluster, a, b (passage indexes), identity, tokens."""
    __slots__ = ()


class Cluster(Record):
    """A cluster: id, kind, tokens, documents (a count), passages and its pairs."""
    __slots__ = ()


class Quote(Record):
    """A quotation: doc, start, end (str indices), text, speaker, status, sources, ..."""
    __slots__ = ()


class Source(Record):
    """A quotation's source: doc, start, end (str indices), identity, fidelity, diffs, ..."""
    __slots__ = ()


class Report(Record):
    """A report: version, tool, command, settings, documents, skipped, and the command's own
    parts (clusters and pairs for scan, quotes for quotes). ``to_json()`` is the library's JSON,
    byte for byte what the command line writes for the same documents."""

    __slots__ = ("_json",)

    def __init__(self, fields, raw, text):
        super().__init__(fields, raw)
        object.__setattr__(self, "_json", text)

    def to_json(self):
        """The report as the library wrote it (the CLI's --format json, with its final newline)."""
        return self._json


_CLASSES = {"documents": Document, "passages": Passage, "pairs": Pair, "clusters": Cluster,
            "quotes": Quote, "sources": Source}


def _is_span(obj):
    return all(isinstance(obj.get(k), int) for k in ("doc", "start", "end"))


def _collect_spans(obj, spans):
    """Every span object inside obj, in document order of appearance."""
    if isinstance(obj, dict):
        if _is_span(obj):
            spans.append(obj)
        for value in obj.values():
            _collect_spans(value, spans)
    elif isinstance(obj, list):
        for value in obj:
            _collect_spans(value, spans)


def _str_offsets(spans, encoded, texts):
    """{(doc, byte offset): str index} for every span's start and end."""
    wanted = {}
    for span in spans:
        wanted.setdefault(span["doc"], set()).update((span["start"], span["end"]))
    table = {}
    for doc, offsets in wanted.items():
        ordered = sorted(offsets)
        if len(encoded[doc]) == len(texts[doc]):  # ASCII: bytes are characters
            chars = ordered
        else:
            chars = _reprint.char_offsets(encoded[doc], ordered)
        table.update(((doc, b), c) for b, c in zip(ordered, chars))
    return table


def _build(obj, cls, table):
    if isinstance(obj, list):
        return [_build(v, cls, table) for v in obj]
    if not isinstance(obj, dict):
        return obj
    fields = {k: _build(v, _CLASSES.get(k, Record), table) for k, v in obj.items()}
    if _is_span(obj):
        fields["byte_start"], fields["byte_end"] = obj["start"], obj["end"]
        fields["start"] = table[(obj["doc"], obj["start"])]
        fields["end"] = table[(obj["doc"], obj["end"])]
    return cls(fields, obj)


def build_report(text, encoded, texts):
    """A Report from the library's JSON text and the documents (UTF-8 bytes and str)."""
    raw = json.loads(text)
    spans = []
    _collect_spans(raw, spans)
    table = _str_offsets(spans, encoded, texts)
    fields = {k: _build(v, _CLASSES.get(k, Record), table) for k, v in raw.items()}
    if "clusters" in fields and "pairs" in fields:
        by_cluster = {}
        for pair in fields["pairs"]:
            by_cluster.setdefault(pair.cluster, []).append(pair)
        for cluster in fields["clusters"]:
            cluster._fields.setdefault("pairs", by_cluster.get(cluster.id, []))
    return Report(fields, raw, text)
