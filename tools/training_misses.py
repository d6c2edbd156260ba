#!/usr/bin/env python3
"""List the analyzer's misses on the TRAINING rows, by label, with what it found instead.

Reads only the ``train`` set (the labelled pool and our batches less the validation split) and,
with ``--dev``, the dev set: never the validation split (the loader refuses its rows). For each
label asked for, prints the false negatives (gold 1, not found) and, with ``--false-positives``,
the false positives (found, gold 0) with the findings' codes and quoted spans, so misses can be
grouped into phrasings and rules written for the phrasing, not the text.

    python tools/training_misses.py explanation follow_up [--dev] [--false-positives] [--no-model]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from amends.analyzer import Analyzer
from amends.learned import load_model
from amends.model import LABELS, Config
from amends.train import training_rows


def misses(
    rows: Sequence[dict[str, Any]], labels: Sequence[str], analyzer: Analyzer, wrong: str
) -> dict[str, list[tuple[dict[str, Any], Any]]]:
    """Per label, the rows the analyzer got wrong: ``wrong`` is "fn" (missed) or "fp" (extra)."""
    found: dict[str, list[tuple[dict[str, Any], Any]]] = {label: [] for label in labels}
    for row in rows:
        report = analyzer.analyze(row["reply"], row.get("customer") or None)
        for label in labels:
            gold, predicted = bool(row[label]), label in report.labels
            if (wrong == "fn" and gold and not predicted) or (
                wrong == "fp" and predicted and not gold
            ):
                found[label].append((row, report))
    return found


def show(label: str, row: dict[str, Any], report: Any, wrong: str) -> str:
    lines = [f"--- {label} {wrong.upper()} {row['id']} ({row.get('company') or '-'})"]
    if row.get("customer"):
        lines.append(f"  customer: {' '.join(str(row['customer']).split())[:300]}")
    lines.append(f"  reply:    {' '.join(row['reply'].split())}")
    for f in report.findings:
        if f.match is not None and (wrong == "fn" or f.label == label):
            lines.append(f"    {f.code:6} {f.label:20} “{f.match}”")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="+", choices=LABELS, metavar="LABEL")
    parser.add_argument("--dev", action="store_true", help="also the dev set (tuning data too)")
    parser.add_argument("--false-positives", action="store_true", help="list extras, not misses")
    parser.add_argument("--no-model", action="store_true", help="the rules alone")
    args = parser.parse_args(argv)
    rows = training_rows(("train", "dev") if args.dev else ("train",))
    analyzer = Analyzer(Config(), learned=None if args.no_model else load_model())
    wrong = "fp" if args.false_positives else "fn"
    by_label = misses(rows, args.labels, analyzer, wrong)
    for label, listed in by_label.items():
        for row, report in listed:
            print(show(label, row, report, wrong))
        total = sum(bool(r[label]) for r in rows)
        print(f"== {label}: {len(listed)} {wrong.upper()} ({total} gold positives)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
