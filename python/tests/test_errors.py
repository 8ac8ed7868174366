"""Every bad argument raises TypeError or ValueError naming it; library failures raise
reprint.Error subclasses carrying the library's message."""
import pytest

import reprint

DOCS = [("a", "one two three"), ("b", "four five six")]

BAD_ARGUMENTS = [
    (reprint.scan, (DOCS,), {"shingle": 0}, ValueError, "shingle"),
    (reprint.scan, (DOCS,), {"shingle": "5"}, TypeError, "shingle"),
    (reprint.scan, (DOCS,), {"window": 2000}, ValueError, "window"),
    (reprint.scan, (DOCS,), {"min_tokens": 0}, ValueError, "min_tokens"),
    (reprint.scan, (DOCS,), {"min_identity": 1.5}, ValueError, "min_identity"),
    (reprint.scan, (DOCS,), {"min_identity": float("nan")}, ValueError, "min_identity"),
    (reprint.scan, (DOCS,), {"max_df": 1}, ValueError, "max_df"),
    (reprint.scan, (DOCS,), {"boilerplate_docs": 1}, ValueError, "boilerplate_docs"),
    (reprint.scan, (DOCS,), {"threads": -1}, ValueError, "threads"),
    (reprint.scan, (DOCS,), {"threads": True}, TypeError, "threads"),
    (reprint.scan, (DOCS,), {"max_passages": -1}, ValueError, "max_passages"),
    (reprint.scan, (DOCS,), {"kinds": "reprint"}, TypeError, "kinds"),
    (reprint.scan, (DOCS,), {"kinds": ["echo"]}, ValueError, "kinds"),
    (reprint.scan, (DOCS,), {"kinds": []}, ValueError, "kinds"),
    (reprint.scan, (DOCS,), {"fold_case": 1}, TypeError, "fold_case"),
    (reprint.scan, (DOCS,), {"memory_mb": -5}, ValueError, "memory_mb"),
    (reprint.scan, (DOCS,), {"id_key": 3}, TypeError, "id_key"),
    (reprint.scan, ("just a string",), {}, TypeError, "docs"),
    (reprint.scan, (42,), {}, TypeError, "docs"),
    (reprint.scan, ([b"bytes"],), {}, TypeError, r"docs\[0\]"),
    (reprint.scan, ([("a", b"bytes")],), {}, TypeError, r"docs\[0\]: text"),
    (reprint.scan, ([(1.5, "x")],), {}, TypeError, r"docs\[0\]: id"),
    (reprint.scan, ([("", "x")],), {}, ValueError, r"docs\[0\]: id"),
    (reprint.scan, ([("a\0b", "x")],), {}, ValueError, r"docs\[0\]: id"),
    (reprint.scan, ([("a", "x"), ("b", "bad \ud800")],), {}, ValueError, r"docs\[1\]: text"),
    (reprint.scan, ([{"id": "a"}],), {}, ValueError, "text_key"),
    (reprint.scan, ([("a", "b", "c")],), {}, TypeError, r"docs\[0\]"),
    (reprint.quotes, (DOCS,), {"min_words": 0}, ValueError, "min_words"),
    (reprint.quotes, (DOCS,), {"max_sources": "all"}, TypeError, "max_sources"),
    (reprint.tokens, (b"bytes",), {}, TypeError, "text"),
    (reprint.tokens, ("x",), {"fold_marks": None}, TypeError, "fold_marks"),
    (reprint.dedup, (DOCS,), {"resemblance": -0.1}, ValueError, "resemblance"),
    (reprint.dedup, (DOCS,), {"containment": "high"}, TypeError, "containment"),
    (reprint.dedup, (DOCS,), {"keep": "newest"}, ValueError, "keep"),
    (reprint.dedup, (DOCS,), {"keep": 1}, TypeError, "keep"),
    (reprint.dedup, (DOCS,), {"batch_size": 0}, ValueError, "batch_size"),
    (reprint.dedup, (None,), {}, TypeError, "docs"),
    (reprint.Store, (3,), {}, TypeError, "path"),
]


@pytest.mark.parametrize("fn,args,kwargs,exc,name", BAD_ARGUMENTS,
                         ids=[f"{c[0].__name__}-{c[4]}-{i}" for i, c in
                              enumerate(BAD_ARGUMENTS)])
def test_bad_argument_raises_naming_it(fn, args, kwargs, exc, name):
    with pytest.raises(exc, match=name):
        fn(*args, **kwargs)


def test_a_bad_document_inside_dedup_raises_when_reached():
    it = reprint.dedup(["a fine text of seven words here", 7], batch_size=1)
    assert next(it).verdict == "new"
    with pytest.raises(TypeError, match=r"docs\[1\]"):
        next(it)


def test_store_arguments_are_checked(tmp_path):
    with pytest.raises(TypeError, match="create"):
        reprint.Store(tmp_path / "s", create="yes")
    with pytest.raises(ValueError, match="max_items"):
        reprint.Store(tmp_path / "s", max_items=-1)
    with reprint.Store(tmp_path / "s") as store:
        with pytest.raises(TypeError, match="an \\(id, text\\) pair"):
            store.add(["no id"])
        with pytest.raises(ValueError, match="id_key"):
            store.add([{"text": "no id"}])
        with pytest.raises(ValueError, match="resemblance"):
            store.add([("a", "b")], resemblance=2)


def test_library_failures_are_reprint_errors_with_the_library_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(reprint.Error) as info:
        reprint.Store(blocker / "store")
    assert isinstance(info.value, reprint.IOFailure) and isinstance(info.value, OSError)
    assert str(blocker) in str(info.value)
    # past memory_mb the fingerprints and seeds spill to temporary files; the seeds of one
    # pair of documents that share 300,000 words (about 100,000 of 16 bytes) cannot
    big = [(str(i), " ".join(f"w{j}" for j in range(300000))) for i in range(2)]
    with pytest.raises(reprint.BudgetError, match="memory_mb"):
        reprint.scan(big, memory_mb=1)
    assert issubclass(reprint.InvalidError, ValueError)
    assert issubclass(reprint.NotFoundError, LookupError)


def test_a_second_writer_is_refused_unless_it_waits(tmp_path):
    with reprint.Store(tmp_path / "s"):
        with pytest.raises(reprint.LimitError, match=str(tmp_path / "s")):
            reprint.Store(tmp_path / "s")
