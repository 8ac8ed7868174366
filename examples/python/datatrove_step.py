#!/usr/bin/env python3
"""A datatrove-style pipeline step, written without importing datatrove: run(data, rank,
world_size) takes documents (objects with .id, .text and a .metadata dict) and yields each one
with metadata["reprint"] holding its near-duplicate verdict; drop=True leaves out all but the
first of each group. Documents stream through: one batch is held at a time.

    python3 datatrove_step.py       # runs the step on a few documents"""
import collections
import dataclasses

import reprint


class ReprintDedup:
    """Marks near-duplicates among the documents of one rank, in order."""

    name = "reprint dedup"

    def __init__(self, drop=False, resemblance=0.5, containment=0.6, batch_size=4096):
        self.drop = drop
        self.options = {"resemblance": resemblance, "containment": containment,
                        "batch_size": batch_size}

    def run(self, data, rank=0, world_size=1):
        held = collections.deque()

        def texts():
            for doc in data:
                held.append(doc)
                yield (str(doc.id), doc.text)

        for result in reprint.dedup(texts(), **self.options):
            doc = held.popleft()
            doc.metadata["reprint"] = {"verdict": result.verdict, "of": result.of,
                                       "resemblance": result.resemblance,
                                       "containment": result.containment,
                                       "rank": rank}
            if result.kept or not self.drop:
                yield doc


@dataclasses.dataclass
class Document:
    """The shape of a datatrove Document that the step needs."""
    text: str
    id: str
    metadata: dict = dataclasses.field(default_factory=dict)


def main():
    docs = [Document("The river rose overnight and closed the lower road to traffic.", "a"),
            Document("The river rose overnight and closed the lower road to all traffic.", "b"),
            Document("A new library opens on the square next week with a reading hall.", "c"),
            Document("The river rose overnight and closed the lower road to traffic.", "d")]
    for doc in ReprintDedup().run(iter(docs)):
        r = doc.metadata["reprint"]
        print(f"{doc.id}\t{r['verdict']}\t{r['of'] or ''}")


if __name__ == "__main__":
    main()
