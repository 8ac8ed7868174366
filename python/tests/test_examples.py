"""The examples in examples/python/ run and give the verdicts they promise."""
import json
import os
import subprocess
import sys

from conftest import SOURCE_DIR, write_jsonl

EXAMPLES = os.path.join(SOURCE_DIR, "examples", "python")


def run_example(name, *args, cwd=None):
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *args], cwd=cwd,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out


def test_dedup_jsonl_keeps_the_first_of_each_group_and_carries_other_fields(tmp_path):
    text = "Grain shipments through the northern port rose by a fifth last quarter."
    path = write_jsonl(tmp_path / "in.jsonl", [("a", text), ("b", "Something else entirely, "
                                                "about a bridge and a council vote."),
                                               ("c", text + " Officials said.")])
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "d", "text": text, "source": "wire"}) + "\n")
    out = run_example("dedup_jsonl.py", str(path))
    assert [json.loads(line)["id"] for line in out.stdout.splitlines()] == ["a", "b"]
    assert "kept 2 of 4" in out.stderr


def test_datatrove_step_marks_duplicates_in_metadata():
    out = run_example("datatrove_step.py")
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert rows == [["a", "new", ""], ["b", "near-duplicate", "a"], ["c", "new", ""],
                    ["d", "duplicate", "a"]]


def test_hf_datasets_example_annotates_rows_or_says_it_skipped(tmp_path):
    out = run_example("hf_datasets.py", cwd=tmp_path)
    if "skipped" in out.stdout:
        assert "'datasets' package is not installed" in out.stdout
        return
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [r[1] for r in rows] == ["new", "contained", "new", "duplicate", "new"]
