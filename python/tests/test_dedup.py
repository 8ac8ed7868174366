"""dedup (a stream of verdicts) and Store: the same verdicts as the program, input order, at
most one batch of texts held."""
import json

import pytest

import reprint
from conftest import generated_corpus, run_cli, write_jsonl


def near_copies(count=300):
    """Documents with exact copies, edited copies, containments and fresh texts."""
    base = [t for _, t in generated_corpus(11, 40)]
    docs = []
    for i in range(count):
        t = base[i % len(base)]
        kind = (i // len(base)) % 4
        if kind == 1:
            t = t.replace("the", "a")
        elif kind == 2:
            t = t + " " + base[(i + 7) % len(base)]
        elif kind == 3:
            t = t[: len(t) // 2]
        docs.append((f"item{i}", t))
    return docs


def cli_dedup(cli, path):
    report = json.loads(run_cli(cli, "dedup", "--format", "json", path))
    of = {}
    for group in report["groups"]:
        for m in group["members"]:
            of[m["doc"]] = m
    return report["documents"], of


@pytest.mark.parametrize("batch_size", [1, 17, 4096])
def test_dedup_verdicts_equal_the_cli_for_any_batch_size(cli, tmp_path, batch_size):
    docs = near_copies()
    documents, of = cli_dedup(cli, write_jsonl(tmp_path / "d.jsonl", docs))
    results = list(reprint.dedup(docs, batch_size=batch_size))
    assert [r.id for r in results] == [d for d, _ in docs]
    verdicts = set()
    for r, d in zip(results, documents):
        assert r.verdict == d["verdict"]
        assert r.kept == d["kept"]
        verdicts.add(r.verdict)
        if r.verdict == "new":
            assert r.of is None and r.group == r.index
        else:
            m = of[r.index]
            assert r.of == docs[m["of"]][0] and r.group == m["of"]
            assert round(r.resemblance, 4) == m["resemblance"]
            assert round(r.containment, 4) == m["containment"]
    assert {"new", "duplicate", "near-duplicate"} <= verdicts


@pytest.mark.parametrize("memory_mb", [0, 0.001, 0.01])
def test_dedup_verdicts_are_the_same_for_any_memory_budget_and_threads(memory_mb):
    # 0.001 MiB moves the state to temporary files after every group first, 0.01 every few
    # dozen; the verdicts, `of` ids and similarities are those of the whole state in memory
    docs = near_copies(600)
    want = list(reprint.dedup(docs, memory_mb=64, threads=1))
    assert sum(r.verdict != "new" for r in want) > 100
    for threads in (1, 2):
        assert list(reprint.dedup(docs, memory_mb=memory_mb, threads=threads,
                                  batch_size=50)) == want


def test_dedup_memory_budget_files_follow_tmpdir(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))
    with pytest.raises(reprint.Error, match="temporary files"):
        list(reprint.dedup(near_copies(), memory_mb=0.001))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert len(list(reprint.dedup(near_copies(), memory_mb=0.001))) == 300
    assert list(tmp_path.iterdir()) == []  # unlinked as soon as made


def test_dedup_holds_no_more_than_two_batches_of_texts():
    consumed = 0

    def items():
        nonlocal consumed
        for i in range(1000):
            consumed += 1
            yield f"item {i} " + "word " * (i % 7)

    # one batch judged on the worker thread while the next is read
    for seen, _ in enumerate(reprint.dedup(items(), batch_size=64), 1):
        assert consumed - seen < 128


def test_dedup_is_lazy_and_checks_its_arguments_at_once():
    with pytest.raises(ValueError, match="keep"):
        reprint.dedup(["a"], keep="longest")
    with pytest.raises(ValueError, match="keep"):
        reprint.dedup(["a"], keep="newest")
    with pytest.raises(ValueError, match="memory_mb"):
        reprint.dedup(["a"], memory_mb=-1)
    with pytest.raises(ValueError, match="memory_mb"):
        reprint.dedup(["a"], memory_mb=float("nan"))
    with pytest.raises(ValueError, match="memory_mb"):  # 2**22 MiB would not fit the KiB field
        reprint.dedup(["a"], memory_mb=2**22)
    with pytest.raises(TypeError, match="memory_mb"):
        reprint.dedup(["a"], memory_mb="16")
    with pytest.raises(ValueError, match="threads"):
        reprint.dedup(["a"], threads=-1)
    it = reprint.dedup(iter(["one two three four five six seven"]))
    assert next(it).verdict == "new"
    with pytest.raises(StopIteration):
        next(it)


def test_store_verdicts_equal_the_cli_store(cli, tmp_path):
    docs = near_copies(120)
    path = write_jsonl(tmp_path / "d.jsonl", docs)
    want = [json.loads(line) for line in
            run_cli(cli, "dedup", "--store", str(tmp_path / "cli-store"), path).splitlines()]
    with reprint.Store(tmp_path / "py-store") as store:
        got = store.add(docs[:50]) + store.add(docs[50:])
        again = store.add(docs[:3])
        stats = store.stats()
    assert [(v.id, v.verdict, v.of, v.original, v.seq) for v in got] == [
        (w["id"], w["verdict"], w["of"], w["original"], w["seq"]) for w in want]
    assert [round(v.resemblance, 4) for v in got] == [w["resemblance"] for w in want]
    assert [v.verdict for v in again] == ["seen"] * 3
    assert stats["documents"] == sum(v.verdict != "seen" for v in got)


def test_store_reopens_and_refuses_when_closed(tmp_path):
    with reprint.Store(str(tmp_path / "s")) as store:
        store.add([("x", "alpha beta gamma delta epsilon zeta eta theta")])
    with pytest.raises(ValueError, match="closed"):
        store.stats()
    with reprint.Store(tmp_path / "s", create=False) as store:
        assert store.add([("x", "anything")])[0].verdict == "seen"
        assert [d["id"] for d in store.export()] == ["x"]
    with pytest.raises(reprint.IOFailure, match="no such store"):
        reprint.Store(tmp_path / "missing", create=False)
    with pytest.raises(reprint.FormatError):
        reprint.Store(tmp_path / "s", shingle=3)


def test_store_query_is_a_dry_run_with_the_verdicts_add_gives(tmp_path):
    docs = near_copies(80)
    with reprint.Store(tmp_path / "s") as store:
        store.add(docs[:40])
        before = store.stats()["documents"]
        dry = store.query(docs[40:])
        assert store.stats()["documents"] == before
        added = store.add(docs[40:])
    assert [(v.id, v.verdict, v.of) for v in dry] == [(v.id, v.verdict, v.of) for v in added]
    assert all(v.seq == 0 for v in dry) and any(v.seq for v in added)


def test_store_delete_removes_held_ids_and_passes_over_others(tmp_path):
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda"
    with reprint.Store(tmp_path / "s") as store:
        store.add([("a", text), (7, "one two three four five six seven eight nine ten")])
        assert store.delete(["a", 7, "never-held"]) == 2
        assert store.stats()["documents"] == 0
        assert store.add([("b", text)])[0].verdict == "new"
        with pytest.raises(TypeError, match="ids"):
            store.delete("b")
        with pytest.raises(TypeError, match=r"ids\[0\]"):
            store.delete([None])


def test_dedup_gives_too_short_to_texts_shorter_than_a_shingle(cli, tmp_path):
    docs = [("a", "two words"), ("b", "two words"), ("c", "one two three four five six")]
    documents, _ = cli_dedup(cli, write_jsonl(tmp_path / "d.jsonl", docs))
    got = list(reprint.dedup(docs))
    assert [r.verdict for r in got] == [d["verdict"] for d in documents]
    assert got[0].verdict == "too_short" and got[1].verdict == "too_short"


def test_dedup_of_gives_back_non_ascii_ids_whole():
    text = "harbour council reported grain shipments rose sharply after the agreement"
    got = list(reprint.dedup([("café 北京 😀", text), ("copy", text), (42, text)],
                             batch_size=2))
    assert [r.of for r in got] == [None, "café 北京 😀", "café 北京 😀"]
    assert [r.group for r in got] == [0, 0, 0]
