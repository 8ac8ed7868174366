"""Shared helpers of the reprint package's tests: the reprint program to compare with (REPRINT_CLI,
else build/reprint of the checkout), JSONL files, and a seeded generator of corpora that hold
reprinted passages, edits and non-ASCII text."""
import json
import os
import random
import subprocess

import pytest

SOURCE_DIR = os.environ.get("REPRINT_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(
                                os.path.abspath(__file__)))))
SEED = os.path.join(SOURCE_DIR, "..", "shared", "corpora", "seed-feed.txt")

WORDS = ("harbour council reported grain shipments rose sharply after the new port agreement "
         "between both governments officials said talks would continue next month while "
         "farmers welcomed lower tariffs and critics warned about rising debt café naïve "
         "résumé Zürich São Paulo 北京 东京 서울 emoji 😀 🚢 colour favour organise").split()


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("REPRINT_CLI", os.path.join(SOURCE_DIR, "build", "reprint"))
    if not os.access(path, os.X_OK):
        pytest.skip(f"no reprint program at {path} (set REPRINT_CLI)")
    return path


def write_jsonl(path, docs):
    with open(path, "w", encoding="utf-8", newline="") as f:
        for name, text in docs:
            f.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
    return path


def run_cli(cli, *args):
    out = subprocess.run([cli, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, check=False)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout.decode("utf-8")


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generated_corpus(seed, count=12):
    """count documents: fresh prose, some with a passage of an earlier document reprinted
    (lightly edited), some repeating a passage inside themselves, CRLF line ends in a few."""
    rng = random.Random(seed)
    passages = [" ".join(sentence(rng, 14) for _ in range(3)) for _ in range(4)]
    docs = []
    for i in range(count):
        parts = [sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 5))]
        if i % 3:
            p = rng.choice(passages)
            if i % 2:
                p = p.replace("the ", "a ", 1)
            parts.insert(rng.randint(0, len(parts)), p)
        if i % 5 == 4:
            parts.append(parts[0])
        sep = "\r\n\r\n" if i % 4 == 3 else "\n\n"
        docs.append((f"doc-{seed}-{i}", sep.join(parts)))
    return docs
