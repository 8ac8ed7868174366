"""scan, quotes and tokens: the JSON equals the program's for the same ids and texts, spans are
str indices that slice the passage out of the text, and every JSON field is an attribute."""
import json
import os

import pytest

import reprint
from conftest import SEED, generated_corpus, run_cli, write_jsonl


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_scan_json_equals_the_cli_report_for_generated_corpora(cli, tmp_path, seed):
    docs = generated_corpus(seed)
    want = run_cli(cli, "scan", "--format", "json", "--min-tokens", "8",
                   write_jsonl(tmp_path / "c.jsonl", docs))
    report = reprint.scan(docs, min_tokens=8)
    assert report.to_json() == want
    assert report.clusters, "the generated corpus holds reprinted passages"


def test_scan_json_equals_the_cli_report_for_the_seed(cli, tmp_path):
    if not os.path.exists(SEED):
        pytest.skip(f"the seed corpus is absent ({SEED})")
    with open(SEED, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    docs = [(f"part{i}", "\n".join(lines[i:i + 40])) for i in range(0, len(lines), 40)]
    want = run_cli(cli, "scan", "--format", "json", write_jsonl(tmp_path / "seed.jsonl", docs))
    report = reprint.scan(docs)
    assert report.to_json() == want
    assert len(report.clusters) > 5


def test_scan_options_reach_the_report_settings(cli, tmp_path):
    docs = generated_corpus(9)
    path = write_jsonl(tmp_path / "c.jsonl", docs)
    want = run_cli(cli, "scan", "--format", "json", "--shingle", "4", "--window", "3",
                   "--min-identity", "0.9", "--max-passages", "2", "--kinds", "reprint",
                   "--no-fold-spelling", path)
    got = reprint.scan(docs, shingle=4, window=3, min_identity=0.9, max_passages=2,
                       kinds=["reprint"], fold_spelling=False)
    assert got.to_json() == want
    assert got.settings.shingle == 4 and got.settings.fold_spelling is False


NON_ASCII = [
    ("accents", "Prélude: café résumé. " * 2),
    ("cjk", "北京和东京的新闻。"),
    ("emoji", "Ship 🚢 and smile 😀 — "),
    ("crlf", "First line\r\nSecond line\r\n"),
]


@pytest.mark.parametrize("name,prefix", NON_ASCII)
def test_passage_str_offsets_slice_the_passage_out_of_non_ascii_text(name, prefix):
    shared = ("The port council said grain shipments rose sharply after the new agreement "
              "between both governments, officials told reporters on Monday.")
    docs = [("a", prefix + shared + "\r\nEnd 😀."), ("b", "Intro 北京 «quoted» " + shared)]
    report = reprint.scan(docs, min_tokens=8)
    assert report.clusters
    for cluster in report.clusters:
        for p in cluster.passages:
            text = docs[p.doc][1]
            assert text[p.start:p.end] == p.text
            assert text.encode()[p.byte_start:p.byte_end].decode() == p.text
    a = report.clusters[0].passages[0]
    assert a.byte_start == len(prefix.encode())
    assert a.start == len(prefix)


def test_every_json_field_is_an_attribute():
    report = reprint.scan(generated_corpus(5), min_tokens=8)
    raw = json.loads(report.to_json())
    for key in raw:
        assert key in report
        getattr(report, key)
    doc = report.documents[0]
    for key, value in raw["documents"][0].items():
        assert getattr(doc, key) == value
    cluster = report.clusters[0]
    assert cluster.kind in reprint.KINDS
    assert cluster.to_dict() == raw["clusters"][0]
    assert all(p.cluster == cluster.id for p in cluster.pairs) and cluster.pairs
    with pytest.raises(AttributeError, match="no field 'nonexistent'"):
        report.nonexistent


def test_docs_may_be_strings_pairs_or_mappings_with_chosen_keys():
    texts = [t for _, t in generated_corpus(6)]
    by_str = reprint.scan(texts, min_tokens=8)
    by_pair = reprint.scan(list(enumerate(texts)), min_tokens=8)
    by_map = reprint.scan(({"key": i, "body": t} for i, t in enumerate(texts)),
                          id_key="key", text_key="body", min_tokens=8)
    assert by_str.to_json() == by_pair.to_json() == by_map.to_json()
    assert [d.name for d in by_str.documents] == [str(i) for i in range(len(texts))]


def test_quotes_json_equals_the_cli_report_and_offsets_are_str_indices(cli, tmp_path):
    source = ("The minister said that “grain exports to the north will double within two "
              "years” at a café in Zürich on Monday.")
    docs = [("src", "Statement 北京: grain exports to the north will double within two years, "
                    "officials said."),
            ("news", source)]
    want = run_cli(cli, "quotes", "--format", "json", write_jsonl(tmp_path / "q.jsonl", docs))
    report = reprint.quotes(docs)
    assert report.to_json() == want
    q = report.quotes[0]
    assert source[q.start:q.end] == q.text
    s = q.sources[0]
    assert s.fidelity in ("verbatim", "normalized", "elided", "altered")
    assert docs[s.doc][1][s.start:s.end].startswith("grain exports")


def test_tokens_give_str_and_byte_spans_and_normalized_forms():
    text = "Café U.S. 北京 😀 colour\r\nrecon-\nstruction"
    toks = reprint.tokens(text)
    assert [t.normalized for t in toks][:5] == ["cafe", "us", "北", "京", "color"]
    for t in toks:
        assert text[t.start:t.end] == t.text
        assert text.encode()[t.byte_start:t.byte_end].decode() == t.text
    assert reprint.tokens("Colour", fold_spelling=False)[0].normalized == "colour"
    assert reprint.tokens("") == []
