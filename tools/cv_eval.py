#!/usr/bin/env python3
"""Company-grouped cross-validation of the whole analyzer (rules + learned layer) on the
TRAINING rows only: the honest figure for a change to the rules or the model.

The training rows (``train`` and ``dev``; never the validation split) are cut into the same
company-grouped folds ``amends train`` uses. For each fold the learned layer is trained, exactly
as ``amends train`` does (its thresholds chosen by cross-validation inside that training part),
on the other folds, and the analyzer with that model is measured on the held fold. Counts are
pooled over the folds. ``--no-model`` measures the rules alone on the same rows. The rules were
written from these rows, so their figures here flatter them; only the learned layer's share is
out of sample.

    python tools/cv_eval.py [--no-model] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from amends.analyzer import Analyzer
from amends.evaluate import MIN_SUPPORT, Counts, evaluate
from amends.learned import LearnedModel
from amends.model import COMPONENTS, LABELS, MISTAKES, Config
from amends.train import _folds, train, training_rows


def _pool(target: Counts, part: Counts) -> None:
    target.tp += part.tp
    target.fp += part.fp
    target.fn += part.fn
    target.rows += part.rows


def cross_validate(rows: Sequence[dict[str, Any]], model: bool) -> dict[str, Any]:
    """Pooled out-of-fold counts per label, macro-F1s, and Spearman per fold."""
    labels = {label: Counts() for label in LABELS}
    needed = Counts()
    spearmans: list[float] = []
    folds = _folds(rows) if model else [list(range(len(rows)))]
    for held in folds:
        kept = set(held)
        if model:
            fitted = train([r for i, r in enumerate(rows) if i not in kept])
            analyzer = Analyzer(Config(), learned=LearnedModel(fitted, "cross-validation"))
        else:
            analyzer = Analyzer(Config(), learned=None)
        result = evaluate([rows[i] for i in held], analyzer, name="fold")
        for label in LABELS:
            _pool(labels[label], result.labels[label])
        _pool(needed, result.needed)
        spearmans.append(result.spearman)

    def macro(group: Sequence[str]) -> float:
        kept = [x for x in group if labels[x].support >= MIN_SUPPORT]
        return sum(labels[x].f1 for x in kept) / len(kept)

    return {
        "rows": len(rows),
        "folds": len(folds),
        "model": model,
        "labels": {
            x: {
                "precision": round(c.precision, 3),
                "recall": round(c.recall, 3),
                "f1": round(c.f1, 3),
                "support": c.support,
            }
            for x, c in labels.items()
        },
        "macro_f1_components": round(macro(COMPONENTS), 3),
        "macro_f1_mistakes": round(macro(MISTAKES), 3),
        "spearman_per_fold": [round(s, 3) for s in spearmans],
        "needed_precision_recall": [round(needed.precision, 3), round(needed.recall, 3)],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-model", action="store_true", help="the rules alone")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    result = cross_validate(training_rows(), model=not args.no_model)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'label':20} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    for label, figures in result["labels"].items():
        print(
            f"{label:20} {figures['precision']:9.3f} {figures['recall']:7.3f} "
            f"{figures['f1']:6.3f} {figures['support']:8d}"
        )
    print(f"macro-F1 components {result['macro_f1_components']:.3f}")
    print(f"macro-F1 mistakes   {result['macro_f1_mistakes']:.3f}")
    print(f"Spearman per fold   {result['spearman_per_fold']}")
    print(f"needed P / R        {result['needed_precision_recall']}")
    print(f"rows {result['rows']} in {result['folds']} company-grouped folds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
