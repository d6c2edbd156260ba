"""tools/precision_review.py: what a blind precision review shows its readers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from amends.analyzer import Analyzer
from amends.model import Config

TOOL = Path(__file__).resolve().parent.parent / "tools" / "precision_review.py"


def _tool():
    spec = importlib.util.spec_from_file_location("precision_review", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_review_shows_no_note_as_a_label_claim():
    # the fourth review showed the P001 vague-promise note as a follow_up finding; readers
    # rejected "I'll pass on your feedback" as a follow-up, which the note never claimed
    report = Analyzer(Config(), learned=None).analyze("I'm sorry. I'll pass on your feedback.")
    assert "P001" in {f.code for f in report.findings}
    shown = _tool().claims(report)
    # what quotes the reply and claims a label is shown; the note and the missing labels
    # (no quote) are not
    assert [(f.code, f.match) for f in shown] == [("C101", "sorry")]
