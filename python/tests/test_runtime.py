"""Reference counts that do not grow over 10,000 calls, two Python threads working at once, and
defaults that are the library's."""
import gc
import inspect
import sys
import threading

import reprint
from reprint import _reprint
from conftest import generated_corpus


def test_reference_counts_do_not_grow_over_ten_thousand_calls():
    name, text = "doc", "The quick brown fox jumps over the lazy dog, said Zürich 北京 😀."
    docs = [(name, text), ("other", text)]
    gc.collect()  # what earlier tests left (generators holding these constants) goes first
    before = (sys.getrefcount(name), sys.getrefcount(text), sys.getrefcount(docs),
              sys.getrefcount(None), sys.getrefcount(True))
    gc.collect()
    objects = len(gc.get_objects())
    for i in range(10_000):
        reprint.tokens(text)
        _reprint.char_offsets(text.encode(), [0, 5])
        if i % 10 == 0:
            reprint.scan(docs, min_tokens=3, threads=1)
            list(reprint.dedup(docs))
            reprint.quotes(docs)
        try:
            reprint.scan(docs, shingle=0)
        except ValueError:
            pass
    gc.collect()
    after = (sys.getrefcount(name), sys.getrefcount(text), sys.getrefcount(docs),
             sys.getrefcount(None), sys.getrefcount(True))
    assert after[:3] == before[:3]
    assert after[3] - before[3] < 100 and after[4] - before[4] < 100  # a leak grows by 10,000
    assert len(gc.get_objects()) - objects < 100


def test_two_threads_scanning_at_once_get_the_single_thread_results():
    corpora = [generated_corpus(seed, 30) for seed in (21, 22)]
    want = [reprint.scan(c, min_tokens=8).to_json() for c in corpora]
    got = [[], []]

    def work(k):
        for _ in range(5):
            got[k].append(reprint.scan(corpora[k], min_tokens=8, threads=2).to_json())

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [[want[0]] * 5, [want[1]] * 5]


def test_two_threads_sharing_a_store_get_every_verdict(tmp_path):
    with reprint.Store(tmp_path / "s") as store:
        results = [[], []]

        def work(k):
            for i in range(20):
                results[k] += store.add([(f"t{k}-{i}", f"thread {k} item {i} " * 5)])

        threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.stats()["documents"] == 40
    assert all(len(r) == 20 for r in results)


def test_keyword_defaults_are_the_library_defaults():
    lib = _reprint.defaults()
    for fn in (reprint.scan, reprint.quotes, reprint.dedup, reprint.tokens, reprint.Store):
        for name, param in inspect.signature(fn).parameters.items():
            if name in lib:
                assert param.default == lib[name], f"{fn.__name__}({name}=...)"


def test_the_type_stub_is_installed_and_names_every_public_name():
    import ast
    import os

    stub = os.path.join(os.path.dirname(reprint.__file__), "__init__.pyi")
    with open(stub, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    defined = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    defined |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign)
                for t in [n.target] if isinstance(t, ast.Name)}
    assert set(reprint.__all__) <= defined
    for name in reprint.__all__:
        assert getattr(reprint, name).__doc__ or name == "KINDS", name
