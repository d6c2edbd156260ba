"""Golden conversations: one stable line per finding, reviewed like code.

When a rule change alters these on purpose, regenerate with
``AMENDS_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from amends import get_analyzer
from amends.render import report_lines

HERE = Path(__file__).parent
CASES = HERE / "data" / "hard_cases.jsonl"
GOLDEN = HERE / "golden" / "hard_cases.txt"


def render_all() -> str:
    analyzer = get_analyzer()
    out: list[str] = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        report = analyzer.analyze(row["reply"], row["customer"])
        out += report_lines(report, row["id"])
    return "\n".join(out) + "\n"


def test_golden_conversations_are_unchanged():
    current = render_all()
    if os.environ.get("AMENDS_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(current, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    assert current == expected, "findings changed; review and regenerate the golden file"
