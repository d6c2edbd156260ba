#!/usr/bin/env python3
"""A blind precision review of the analyzer on fresh random pool replies (issue 7).

``draw`` picks N replies (seeded) from ``../shared/data/pool/unlabelled.jsonl`` and
``labelled.jsonl``, leaving out the validation split and the replies earlier reviews read
(``labels/review/precision_reviews_earlier_ids.txt``), analyses them, and writes a review pack
outside the repository (pool texts are not copied into it): ``brief.md`` (the protocol), one
``items_rK.jsonl`` per reviewer (id, customer, reply, findings as {n, label, text}: the label
and the quoted span only, never amends' messages, codes or scores; notes such as P001 are left
out, since they claim no label) and ``key.json`` (which rule
made each finding). Each reviewer, given only ``../shared/taxonomy.md``, the brief and their
items, writes ``rK/verdicts.jsonl``: {"id", "verdicts": [{"n", "verdict": accept|reject,
"why"}]}.

``tally`` reads the verdicts, prints rejected / total per label and writes the review file
(ids, labels, rule codes, verdicts and reasons; no text) with its provenance.

    python tools/precision_review.py draw --out /path/to/pack [--n 300] [--seed S] [--reviewers 3]
    python tools/precision_review.py tally --pack /path/to/pack --out labels/review/FILE.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from amends.analyzer import Analyzer
from amends.labelled import POOL_LABELLED, POOL_UNLABELLED, data_dir, validation_ids
from amends.learned import load_model
from amends.model import Config, Finding, Report
from amends.notes import NOTE

ROOT = Path(__file__).resolve().parent.parent
EARLIER = ROOT / "labels" / "review" / "precision_reviews_earlier_ids.txt"
SEED = 20261206

BRIEF = """You review the findings of an automatic checker of customer-service replies, as a
contact-centre quality lead would. Read the labelling guide ../shared/taxonomy.md completely
first (labels, definitions, conventions for borderline cases).

Each item of ITEMS has: id, customer (the customer's message; may be empty), reply (the agent's
reply) and findings: a list of {n, label, text}, where the checker claims that the reply shows
the taxonomy label `label`, at (or around) the quoted `text`.

For every finding decide:
- "accept" if a careful reader applying the taxonomy would agree that the reply contains that
  label there (the quoted text, or the sentence it sits in, really is an instance of the label);
- "reject" if not (wrong label, the text does not show it, or it is a borderline case the
  taxonomy's conventions say does not count).
Judge each finding on its own; do not add findings that are missing.

Write OUT (rK/verdicts.jsonl): one JSON object per item, in ITEMS order: {"id": ..., "verdicts":
[{"n": 1, "verdict": "accept" or "reject", "why": "a few words, required for reject"}, ...]} (an
empty list for items without findings). Decide by reading; do not write a program or keyword
script to decide (a format check is fine). Work only in your own folder; do not read the
repository, other reviewers' folders or key.json. When done, reply with counts (accepted,
rejected) and the labels you rejected most, with one example each.
"""


def _ids(path: Path) -> set[str]:
    lines = path.read_text("utf-8").splitlines() if path.is_file() else []
    return {x.strip() for x in lines if x.strip() and not x.startswith("#")}


def claims(report: Report) -> list[Finding]:
    """The findings a reviewer judges: those that quote the reply and claim its label. A note
    (P001 vague-promise) is advice about a label, not a claim that the reply shows it; the
    fourth review showed it as a follow_up finding and readers rejected it as one."""
    return [f for f in report.findings if f.match is not None and f.kind != NOTE]


def draw(out: Path, n: int, seed: int, reviewers: int) -> dict[str, Any]:
    data = data_dir()
    if data is None:
        raise SystemExit("the shared data folder was not found (set AMENDS_DATA)")
    left_out = validation_ids() | _ids(EARLIER)
    rows: dict[str, dict[str, Any]] = {}
    for name in (POOL_UNLABELLED, POOL_LABELLED):
        with (data / name).open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    if row["id"] not in left_out:
                        rows[row["id"]] = row
    chosen = random.Random(seed).sample(sorted(rows), n)
    analyzer = Analyzer(Config(), learned=load_model())
    out.mkdir(parents=True, exist_ok=True)
    (out / "brief.md").write_text(BRIEF, encoding="utf-8")
    key: dict[str, list[dict[str, Any]]] = {}
    share = -(-n // reviewers)
    for k in range(reviewers):
        (out / f"r{k + 1}").mkdir(exist_ok=True)
        with (out / f"items_r{k + 1}.jsonl").open("w", encoding="utf-8") as handle:
            for rid in chosen[k * share : (k + 1) * share]:
                row = rows[rid]
                spans = claims(analyzer.analyze(row["reply"], row.get("customer") or None))
                key[rid] = [
                    {"n": i, "label": f.label, "code": f.code, "reviewer": f"r{k + 1}"}
                    for i, f in enumerate(spans, 1)
                ]
                item = {
                    "id": rid,
                    "customer": row.get("customer") or "",
                    "reply": row["reply"],
                    "findings": [
                        {"n": i, "label": f.label, "text": f.match} for i, f in enumerate(spans, 1)
                    ],
                }
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    meta = {
        "seed": seed,
        "n": n,
        "reviewers": reviewers,
        "left_out": {"validation": len(validation_ids()), "earlier_reviews": len(_ids(EARLIER))},
        "model": analyzer.learned.version if analyzer.learned else None,
    }
    (out / "key.json").write_text(json.dumps({"meta": meta, "findings": key}, indent=1), "utf-8")
    return meta


def tally(pack: Path, out: Path | None, provenance: str) -> dict[str, Counter[str]]:
    key = json.loads((pack / "key.json").read_text("utf-8"))
    totals: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    records = []
    for rid, findings in key["findings"].items():
        reviewer = findings[0]["reviewer"] if findings else None
        verdicts: dict[int, dict[str, Any]] = {}
        if reviewer:
            for line in (pack / reviewer / "verdicts.jsonl").read_text("utf-8").splitlines():
                entry = json.loads(line) if line.strip() else None
                if entry and entry["id"] == rid:
                    verdicts = {v["n"]: v for v in entry["verdicts"]}
        for f in findings:
            verdict = verdicts.get(f["n"])
            if verdict is None:
                raise SystemExit(f"{reviewer}: no verdict for finding {f['n']} of {rid}")
            totals[f["label"]] += 1
            rejected[f["label"]] += verdict["verdict"] == "reject"
            records.append({"id": rid, **f, **{k: verdict.get(k) for k in ("verdict", "why")}})
    for label in sorted(totals, key=lambda x: -totals[x]):
        share = rejected[label] / totals[label]
        print(f"{label:20} rejected {rejected[label]:3d} of {totals[label]:3d} ({share:.0%})")
    print(f"{'all':20} rejected {sum(rejected.values()):3d} of {sum(totals.values()):3d}")
    if out is not None:
        head = {"provenance": provenance, **key["meta"]}
        lines = [json.dumps(head, ensure_ascii=False)] + [json.dumps(r) for r in records]
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"total": totals, "rejected": rejected}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draw", help="draw the replies and write the review pack")
    d.add_argument("--out", type=Path, required=True, help="a folder outside the repository")
    d.add_argument("--n", type=int, default=300)
    d.add_argument("--seed", type=int, default=SEED)
    d.add_argument("--reviewers", type=int, default=3)
    t = sub.add_parser("tally", help="count the reviewers' verdicts per label")
    t.add_argument("--pack", type=Path, required=True)
    t.add_argument("--out", type=Path, help="the review file to write (labels/review/...)")
    t.add_argument("--provenance", default="", help="who reviewed, when, how")
    args = parser.parse_args(argv)
    if args.command == "draw":
        print(json.dumps(draw(args.out, args.n, args.seed, args.reviewers)))
    else:
        tally(args.pack, args.out, args.provenance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
