#!/usr/bin/env python3
"""Add a merged labelling batch to labels/ (issue 7), with its provenance.

    python tools/add_batch.py NAME GOLD.jsonl --raw A.jsonl B.jsonl THIRD.jsonl [--written]

Pool batches keep ids and labels only (texts stay in ../shared/data/pool); written batches
(--written) keep their text. Rows of companies in labels/splits/validation_companies.txt go to
the validation split, as do a seeded MOZILLA_SHARE of Mozilla's replies and of written cases;
their ids are appended to labels/splits/pool_validation.txt.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = [
    "id",
    "apology",
    "acknowledge",
    "responsibility",
    "empathy",
    "explanation",
    "remedy",
    "follow_up",
    "compensation",
    "gratitude",
    "vague_apology",
    "conditional_apology",
    "blame_shift",
    "excuse",
    "defensive",
    "confrontational",
    "over_apology",
    "empty_promise",
    "minimizing",
    "legal_risk",
    "cause",
    "wait",
    "quality",
]
TEXT_KEYS = ["source", "company", "sector", "channel", "customer", "reply"]
SHARE = 0.4


def rows(path: str) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name")
    parser.add_argument("gold")
    parser.add_argument("--raw", nargs=3, required=True, metavar=("A", "B", "THIRD"))
    parser.add_argument("--written", action="store_true")
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    gold = rows(args.gold)
    kind = "written" if args.written else "pool"
    keep = KEYS + (TEXT_KEYS if args.written else [])
    out = ROOT / "labels" / kind / f"{args.name}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for row in gold:
            handle.write(
                json.dumps({k: row[k] for k in keep if k in row}, ensure_ascii=False) + "\n"
            )
    raw = ROOT / "labels" / "raw" / args.name
    raw.mkdir(parents=True, exist_ok=True)
    for who, path in zip(("annotator_a", "annotator_b", "third"), args.raw, strict=True):
        kept = rows(path)  # read before writing: the source may already be the kept file
        with (raw / f"{who}.jsonl").open("w", encoding="utf-8") as handle:
            for row in kept:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    companies = {
        line.strip()
        for line in (ROOT / "labels/splits/validation_companies.txt").read_text().splitlines()
    }
    rng = random.Random(args.seed)
    by_reply = sorted(r["id"] for r in gold if args.written or r.get("company") == "firefox")
    rng.shuffle(by_reply)
    held = set(by_reply[: round(len(by_reply) * SHARE)])
    if not args.written:
        held |= {r["id"] for r in gold if r.get("company") in companies}
    split = ROOT / "labels/splits/pool_validation.txt"
    ids = set(split.read_text().split()) | held
    split.write_text("\n".join(sorted(ids)) + "\n", encoding="utf-8")
    print(f"{args.name}: {len(gold)} rows to {out}, {len(held)} of them to validation")


if __name__ == "__main__":
    main()
