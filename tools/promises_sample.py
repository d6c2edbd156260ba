#!/usr/bin/env python3
"""Run promise extraction over a seeded sample of brand replies, for a spot check by hand.

    python tools/promises_sample.py [--n 300] [--seed 9] [--after SEED:N ...] [--file twcs_5k.csv]

Brand replies are the rows whose author_id is not a number; each is read at its own created_at,
in UTC (the corpus says nothing of the customer's zone). Prints the counts by kind, then every
extracted promise (reply id, kind, action, due or trigger, the promise's text) and the replies in
which nothing was found, so a person can judge precision and look for misses.
``--after 9:300 2026:500`` first draws those samples in turn and leaves their replies out (the
phrasings were tuned on them), so a check sample is fresh.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import Counter
from datetime import datetime
from pathlib import Path

from amends.promises import extract_promises

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "twcs_5k.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--after", nargs="*", default=[], metavar="SEED:N")
    parser.add_argument("--file", type=Path, default=CORPUS)
    args = parser.parse_args()
    with args.file.open(encoding="utf-8", newline="") as handle:
        replies = [r for r in csv.DictReader(handle) if not r["author_id"].isdigit()]
    for earlier in args.after:
        seed, n = (int(x) for x in earlier.split(":"))
        seen = {r["tweet_id"] for r in random.Random(seed).sample(replies, min(n, len(replies)))}
        replies = [r for r in replies if r["tweet_id"] not in seen]
    sample = random.Random(args.seed).sample(replies, min(args.n, len(replies)))
    kinds: Counter[str] = Counter()
    found, empty = [], []
    for row in sample:
        at = datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")
        promises = extract_promises(row["text"], at, "UTC")
        kinds.update(p.kind for p in promises)
        if promises:
            found += [(row, p) for p in promises]
        else:
            empty.append(row)
    print(
        f"{len(sample)} replies, {len(found)} promises in {len(sample) - len(empty)} of them: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )
    print("\n== promises ==")
    for i, (row, p) in enumerate(found, 1):
        when = p.due.isoformat() if p.due else f"when {p.trigger}" if p.trigger else "-"
        print(
            f"P{i} [{row['tweet_id']} {row['created_at']}] {p.kind} {p.action} {when}\n"
            f"    “{p.text}”\n    in: {row['text']}"
        )
    print("\n== no promise found ==")
    for i, row in enumerate(empty, 1):
        print(f"N{i} [{row['tweet_id']}] {row['text']}")


if __name__ == "__main__":
    main()
