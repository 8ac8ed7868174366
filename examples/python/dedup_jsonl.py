#!/usr/bin/env python3
"""Deduplicates a JSONL file, keeping the first document of each near-duplicate group.

    python3 dedup_jsonl.py IN.jsonl > OUT.jsonl

Each input line is an object with "id" and "text" (other fields are carried through unchanged);
kept lines are written to standard output as they were read, and a summary goes to standard
error. The file is streamed: only one batch of lines is held at a time."""
import collections
import json
import sys

import reprint


def lines_with_docs(path, held):
    """Yields each line's document, remembering the line until its verdict comes back."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"dedup_jsonl: {path}:{number}: malformed JSON: {e.msg}")
            held.append(line if line.endswith("\n") else line + "\n")
            yield {"id": doc.get("id", f"{path}:{number}"), "text": doc.get("text", "")}


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: dedup_jsonl.py IN.jsonl > OUT.jsonl")
    held = collections.deque()
    counts = collections.Counter()
    for result in reprint.dedup(lines_with_docs(argv[1], held)):
        line = held.popleft()
        counts[result.verdict] += 1
        if result.kept:
            sys.stdout.write(line)
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    print(f"dedup_jsonl: kept {counts['new']} of {sum(counts.values())} ({summary})",
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
