#!/usr/bin/env python3
"""Set aside the validation split of ../shared/data/pool/labelled.jsonl (issue 7).

Companies other than Mozilla go to validation whole, in a seeded random order, until at least
MIN_OTHER of their replies are in; Mozilla's replies (one company, 259 replies) are split by
reply, MOZILLA_SHARE of them to validation. Writes labels/splits/pool_validation.txt (one id per
line, sorted) and labels/splits/validation_companies.txt. Run once; the split is never tuned on.

    python tools/make_pool_split.py [--pool ../shared/data/pool/labelled.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

SEED = 20261205
MIN_OTHER = 160
MOZILLA_SHARE = 0.4
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pool", default=str(ROOT.parent / "shared/data/pool/labelled.jsonl"))
    args = parser.parse_args()
    with open(args.pool, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    by_company: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_company[row["company"]].append(row["id"])
    rng = random.Random(SEED)
    others = sorted(c for c in by_company if c != "firefox")
    rng.shuffle(others)
    chosen: list[str] = []
    taken = 0
    for company in others:
        if taken >= MIN_OTHER:
            break
        chosen.append(company)
        taken += len(by_company[company])
    mozilla = sorted(by_company["firefox"])
    rng.shuffle(mozilla)
    mozilla_val = mozilla[: round(len(mozilla) * MOZILLA_SHARE)]
    ids = sorted([i for c in chosen for i in by_company[c]] + mozilla_val)
    out = ROOT / "labels" / "splits"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pool_validation.txt").write_text("\n".join(ids) + "\n", encoding="utf-8")
    (out / "validation_companies.txt").write_text(
        "\n".join(sorted([*chosen, "firefox (by reply)"])) + "\n", encoding="utf-8"
    )
    print(
        f"{len(ids)} validation replies: {taken} from {len(chosen)} companies, "
        f"{len(mozilla_val)} of Mozilla's {len(mozilla)}"
    )


if __name__ == "__main__":
    main()
