"""Snapshots of the analyzer's detailed output, to prove an engine change changes nothing.

    .venv/bin/python benchmarks/outputs.py dump OUT.jsonl
    .venv/bin/python benchmarks/outputs.py compare BEFORE.jsonl AFTER.jsonl [--moved NEW=OLD ...]

``dump`` writes ``amends.analyze(reply, customer).to_dict(detail=True)`` for every agent reply of
``../shared/data/corpus/`` (alone, and with the customer's message where the corpus keeps it), for
every reply of ``../shared/data/dev_gold.jsonl`` (alone and with its customer's message) and for
the hard cases of ``tests/data/hard_cases.jsonl``: one JSON object per line, keys sorted.

``compare`` reports every difference. Two kinds are allowed, and only these:

- the ``pattern`` field of a finding (which phrase or pattern fired), when the older dump has
  none;
- ``--moved NEW=OLD``: rule NEW was split off rule OLD, so a finding OLD found may now carry
  NEW's code, name, message, suggestions and why; everything else about it (offsets, match,
  label, kind, severity, confidence) must be the same, and the breakdown's codes are compared
  with NEW read as OLD.

The exit status is 1 when anything else differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from corpus import DATA, REPO, load_replies

DEV = DATA / "dev_gold.jsonl"
HARD = REPO / "tests" / "data" / "hard_cases.jsonl"
RULE_TEXT = ("name", "message", "suggestions", "why")  # may change with a finding's rule


def inputs() -> Iterator[tuple[str, str, str | None]]:
    """(key, reply, customer) of every analysis in the snapshot, in a fixed order."""
    for r in load_replies():
        yield f"corpus/{r.source}/{r.id}", r.text, None
        if r.customer:
            yield f"corpus/{r.source}/{r.id}+customer", r.text, r.customer
    if DEV.is_file():
        for line in DEV.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            yield f"dev/{row['id']}", row["reply"], None
            yield f"dev/{row['id']}+customer", row["reply"], row.get("customer") or None
    for line in HARD.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield f"hard/{row['id']}+customer", row["reply"], row.get("customer") or None


def dump(path: Path) -> int:
    import amends

    count = 0
    with path.open("w", encoding="utf-8") as out:
        for key, reply, customer in inputs():
            report = amends.analyze(reply, customer).to_dict(detail=True)
            out.write(json.dumps({"key": key, "report": report}, sort_keys=True) + "\n")
            count += 1
    print(f"{count:,} analyses written to {path}")
    return 0


def _finding_key(finding: dict[str, Any], moved: dict[str, str]) -> tuple[Any, ...]:
    code = moved.get(finding["code"], finding["code"])
    return (finding["start"] is None, finding["start"] or 0, finding["end"] or 0, code)


def _differences(before: dict[str, Any], after: dict[str, Any], moved: dict[str, str]) -> list[str]:
    out: list[str] = []
    before, after = dict(before), dict(after)
    old_findings = sorted(before.pop("findings"), key=lambda f: _finding_key(f, moved))
    new_findings = sorted(after.pop("findings"), key=lambda f: _finding_key(f, moved))
    if len(old_findings) != len(new_findings):
        out.append(f"{len(old_findings)} findings before, {len(new_findings)} after")
    for old, new in zip(old_findings, new_findings, strict=False):
        if "pattern" not in old:  # a dump from before findings recorded their pattern
            new = {k: v for k, v in new.items() if k != "pattern"}
        if old == new:
            continue
        if moved.get(new["code"]) == old["code"]:
            same = [k for k in old if k not in ("code", *RULE_TEXT) and old[k] != new.get(k)]
            if not same and set(old) == set(new):
                continue
        out.append(f"finding {old} became {new}")
    old_lines = before.pop("breakdown", {}).get("lines", [])
    new_breakdown = after.pop("breakdown", {})
    new_lines = []
    for line in new_breakdown.get("lines", []):
        codes = sorted({moved.get(c, c) for c in line["codes"]})
        new_lines.append({**line, "codes": codes})
    old_lines = [{**line, "codes": sorted(set(line["codes"]))} for line in old_lines]
    if old_lines != new_lines:
        out.append(f"breakdown {old_lines} became {new_lines}")
    if before != after:
        out.append(f"report {before} became {after}")
    return out


def compare(before_path: Path, after_path: Path, moves: Sequence[str]) -> int:
    moved = dict(m.split("=", 1) for m in moves)
    before = [json.loads(line) for line in before_path.open(encoding="utf-8")]
    after = [json.loads(line) for line in after_path.open(encoding="utf-8")]
    if [b["key"] for b in before] != [a["key"] for a in after]:
        print("the two snapshots analysed different inputs")
        return 1
    differing = 0
    renamed = 0
    for b, a in zip(before, after, strict=True):
        found = _differences(b["report"], a["report"], moved)
        renamed += sum(1 for f in a["report"]["findings"] if f["code"] in moved)
        if found:
            differing += 1
            if differing <= 20:
                print(f"{b['key']}:")
                for line in found:
                    print(f"  {line}")
    print(
        f"{len(before):,} analyses compared: {differing} differ"
        + (f"; {renamed:,} findings carry the code of a split-off rule" if moved else "")
    )
    return 1 if differing else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write a snapshot")
    dumping.add_argument("out", type=Path)
    comparing = commands.add_parser("compare", help="compare two snapshots")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    comparing.add_argument("--moved", action="append", default=[], metavar="NEW=OLD")
    args = parser.parse_args(argv)
    if args.command == "dump":
        return dump(args.out)
    return compare(args.before, args.after, args.moved)


if __name__ == "__main__":
    sys.exit(main())
