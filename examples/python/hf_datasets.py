#!/usr/bin/env python3
"""Annotates a Hugging Face datasets.Dataset with near-duplicate verdicts, batch by batch.

    python3 hf_datasets.py

The dataset is built in memory (no network). Dataset.map(batched=True) hands over one batch at a
time, so the verdicts come from a reprint.Store in a temporary directory: it remembers every
earlier batch, and each row gets the verdict it would get in one pass over the whole dataset."""
import sys
import tempfile

import reprint

try:
    import datasets
except ImportError:
    print("hf_datasets: skipped: the 'datasets' package is not installed "
          "(pip install datasets)")
    sys.exit(0)

ROWS = [
    "Grain shipments through the northern port rose by a fifth last quarter, officials said.",
    "Officials said grain shipments through the northern port rose by a fifth last quarter.",
    "The council approved a new footbridge across the river after a long debate on Monday.",
    "Grain shipments through the northern port rose by a fifth last quarter, officials said.",
    "A late frost damaged early blossom in orchards across the valley this spring.",
]


def main():
    data = datasets.Dataset.from_dict({"id": [f"row{i}" for i in range(len(ROWS))],
                                       "text": ROWS})
    with tempfile.TemporaryDirectory() as tmp, reprint.Store(tmp) as store:
        def annotate(batch):
            verdicts = store.add(list(zip(batch["id"], batch["text"])))
            return {"verdict": [v.verdict for v in verdicts],
                    "duplicate_of": [v.of or "" for v in verdicts]}

        data = data.map(annotate, batched=True, batch_size=2)
    for row in data:
        print(f"{row['id']}\t{row['verdict']}\t{row['duplicate_of']}")


if __name__ == "__main__":
    main()
