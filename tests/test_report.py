"""amends report: the figures on a score output with known answers, the HTML page (sections,
escaping, nothing fetched from elsewhere), Markdown and JSON, the inputs it reads, and its
errors. The page rendered by a real headless Chromium is in test_report_browser.py."""

from __future__ import annotations

import html as htmllib
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from amends import analyze
from amends.batch.report import ReportError, Span, summarize
from amends.batch.report_render import highlight, to_json
from amends.batch.schema import COLUMNS, record, table
from amends.cli import app

runner = CliRunner()
SCRIPT = "<script>alert('x')</script>"


def _finding(code: str, label: str, kind: str, text: str, phrase: str | None) -> dict:
    start = text.index(phrase) if phrase else None
    return {
        "code": code,
        "name": f"rule-{code.lower()}",
        "label": label,
        "kind": kind,
        "severity": "warning" if kind == "mistake" else "info",
        "start": start,
        "end": None if phrase is None else start + len(phrase),
        "match": phrase,
        "message": f"{label} here",
        "suggestions": [f"instead of {label}"] if kind == "mistake" else [],
        "source": "rules",
    }


def _row(
    row: int,
    text: str,
    score: float | None,
    *,
    agent: str | None,
    company: str,
    channel: str | None = "chat",
    day: int | None = 1,
    components: tuple[tuple[str, str], ...] = (),
    mistakes: tuple[tuple[str, str], ...] = (),
    cause: str = "ours",
) -> dict:
    """A row of amends score's output with the labels given as (label, phrase in text)."""
    findings = [_finding("C100", c, "component", text, p) for c, p in components]
    findings += [
        _finding("M100" if m == "vague_apology" else "M500", m, "mistake", text, p)
        for m, p in mistakes
    ]
    findings.append(_finding("C900", "follow_up", "missing", text, None))
    comps = [c for c, _ in components]
    mists = [m for m, _ in mistakes]
    return {
        "row": row,
        "id": f"r{row}",
        "conversation_id": None,
        "company": company,
        "agent": agent,
        "team": None,
        "channel": channel,
        "timestamp": None if day is None else datetime(2026, 3, day, 12, tzinfo=UTC),
        "text": text,
        "customer": "My parcel is late.",
        "labels": comps + mists,
        "components": comps,
        "mistakes": mists,
        "score": score,
        "quality": None if score is None else 1 + min(int(score // 25), 4),
        "needed": score is not None,
        "unfinished": False,
        "slots": [],
        "findings": findings,
        "missing": ["follow_up"],
        "situation": {"cause": cause, "wait": False, "failure": True, "first_contact": False},
        "promises": [],
        "schema_version": 1,
        "rules_version": "rules-1",
        "model_version": "",
    }


SORRY = (("apology", "Sorry"),)
VAGUE = (("vague_apology", "any inconvenience"),)


def rows() -> list[dict]:
    """Seven replies. ana: 3 scored, 2 with a mistake (2/3). bo: 2 scored, none with a mistake,
    and 1 that needed no apology (no score) but is confrontational. An unnamed agent at Beta:
    1 scored, defensive, with no timestamp. No team anywhere."""
    return [
        _row(
            1,
            "Sorry for any inconvenience.",
            20,
            agent="ana",
            company="Acme",
            components=SORRY,
            mistakes=VAGUE,
        ),
        _row(
            2,
            f"Sorry, {SCRIPT} for any inconvenience.",
            10,
            agent="ana",
            company="Acme",
            components=SORRY,
            mistakes=VAGUE,
            day=2,
        ),
        _row(
            3,
            "Sorry your parcel is late; I've sent a new one.",
            80,
            agent="ana",
            company="Acme",
            components=(*SORRY, ("remedy", "I've sent a new one")),
            day=2,
        ),
        _row(
            4,
            "Sorry the parcel is late: our courier van broke down.",
            60,
            agent="bo",
            company="Acme",
            channel="email",
            components=SORRY,
            day=3,
            cause="outside",
        ),
        _row(
            5,
            "Sorry, a refund is on its way.",
            90,
            agent="bo",
            company="Acme",
            channel="email",
            components=(*SORRY, ("compensation", "a refund")),
            day=3,
        ),
        _row(
            6,
            "Calm down, it's a question.",
            None,
            agent="bo",
            company="Acme",
            channel="email",
            mistakes=(("confrontational", "Calm down"),),
            day=3,
            cause="unknown",
        ),
        _row(
            7,
            "We always do our best.",
            30,
            agent=None,
            company="Beta",
            mistakes=(("defensive", "We always do our best"),),
            day=None,
        ),
    ]


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    path = tmp_path / "scored.parquet"
    pq.write_table(table(rows()), path)
    return path


def test_the_fixture_has_the_columns_of_amends_score():
    assert set(rows()[0]) == set(COLUMNS)


def test_the_figures_match_the_fixture(scored):
    s = summarize(scored)
    assert (s.replies, s.scores.scored, s.scores.left_out) == (7, 6, 1)
    assert s.scores.mean == pytest.approx((20 + 10 + 80 + 60 + 90 + 30) / 6)
    assert s.present == ("company", "agent", "channel")
    assert s.absent == ("team",)
    agents = {g.value: g for g in next(b for b in s.breakdowns if b.dimension == "agent").groups}
    assert agents["ana"].mistake_rate == pytest.approx(2 / 3)
    assert agents["ana"].mistakes["vague_apology"] == pytest.approx(2 / 3)
    assert (agents["bo"].replies, agents["bo"].scored, agents["bo"].mistake_rate) == (3, 2, 0.0)
    assert list(agents) == ["ana", "bo", "(not set)"]  # most scored first, unset last
    assert agents["(not set)"].mistake_rate == 1.0
    assert all(g.few for g in agents.values())
    coverage = {r.label: r for r in s.coverage.components + s.coverage.mistakes}
    assert coverage["apology"].count == 5
    assert coverage["apology"].rate == pytest.approx(5 / 6)
    assert coverage["confrontational"].count == 0  # its reply needed no apology: left out
    assert s.coverage.unscored_with_mistake == 1
    assert s.coverage.any_mistake.count == 3
    assert s.scores.histogram[1] == (10, 20, 1) and s.scores.histogram[9] == (90, 100, 1)


def test_trends_leave_out_and_say_so(scored):
    trend = summarize(scored).trend
    assert trend is not None and trend.grain == "day"
    assert [(p.start.day, p.replies, p.scored) for p in trend.periods] == [
        (1, 1, 1),
        (2, 2, 2),
        (3, 3, 2),
    ]
    assert (trend.without_time, trend.left_out) == (1, 1)
    assert trend.periods[1].mistake_rate == pytest.approx(1 / 2)


def test_worst_best_frequent_and_recurring(scored):
    calls = []

    def rewrite(text, customer):
        calls.append((text, customer))
        return "I'm sorry your parcel is late."

    s = summarize(scored, rewrite=rewrite, examples=2)
    assert [e.row for e in s.worst] == [2, 1]
    assert [e.row for e in s.best] == [5, 3]
    frequent = {f.label: f for f in s.frequent}
    assert list(frequent) == ["vague_apology", "defensive"]
    vague = frequent["vague_apology"]
    assert (vague.count, vague.rules, vague.match) == (
        2,
        (("M100", "rule-m100", 2),),
        "any inconvenience",
    )
    assert vague.suggestions == ("instead of vague_apology",)
    assert vague.rewrite == "I'm sorry your parcel is late."
    assert (vague.example.text, "My parcel is late.") in calls
    causes = {c.cause: c for c in s.recurring.causes}
    assert causes["ours"].scored == 5
    assert causes["ours"].mistakes == (("vague_apology", 2), ("defensive", 1))
    assert causes["ours"].mistake_rate == pytest.approx(3 / 5)
    assert causes["outside"].mistake_rate == 0.0
    assert causes["unknown"].scored == 0  # the confrontational reply needed no apology
    assert s.recurring.dimension == "agent"
    assert s.recurring.repeats == ()  # nobody repeats a mistake 3 times


def test_recurring_mistakes_are_pinned_on_the_agent(tmp_path):
    data = rows() + [
        _row(
            10 + i,
            "Sorry for any inconvenience.",
            20,
            agent="ana",
            company="Acme",
            components=SORRY,
            mistakes=VAGUE,
            day=5 + i,
        )
        for i in range(2)
    ]
    path = tmp_path / "more.parquet"
    pq.write_table(table(data), path)
    (repeat,) = summarize(path).recurring.repeats
    assert (repeat.value, repeat.mistake, repeat.count, repeat.scored, repeat.periods) == (
        "ana",
        "vague_apology",
        4,
        5,
        4,
    )


def _html(scored: Path, tmp_path: Path) -> str:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(scored), "--html", str(out), "--no-rewrites"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 7 replies, 6 scored" in result.output
    return out.read_text(encoding="utf-8")


def test_the_cli_writes_one_page_with_every_section(scored, tmp_path):
    page = _html(scored, tmp_path)
    for section in (
        "scores",
        "coverage",
        "by-company",
        "by-agent",
        "by-channel",
        "trend",
        "worst",
        "best",
        "mistakes",
        "recurring",
        "dimensions",
    ):
        assert f'<section id="{section}">' in page
    assert 'id="by-team"' not in page
    assert "Not in the data, so not broken down: team" in page
    assert page.count("<svg") == 6  # scores, labels, 3 groups, trend
    ana = re.search(r"<tr><td>ana ‡</td>(.*?)</tr>", page).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", ana)
    assert cells[:4] == ["3", "3", "36.7", "66.7%"]
    assert "Left out: 1 reply that needed no apology (no score)." in page
    assert "Left out: 1 reply with no timestamp." in page
    assert '<mark class="mistake" title="M100 vague apology: vague_apology here">' in page


def test_reply_text_is_escaped(scored, tmp_path):
    page = _html(scored, tmp_path)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script" not in page  # the page runs no script at all


def test_the_page_fetches_nothing_from_elsewhere(scored, tmp_path):
    page = _html(scored, tmp_path)
    links = re.findall(r"""\b(?:src|href|xlink:href)\s*=\s*["']([^"']*)""", page)
    assert links and all(link.startswith("#") for link in links)
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b", page)
    assert all(ref.startswith("#") for ref in re.findall(r"url\(\s*['\"]?([^)'\"]*)", page))
    assert "@import" not in page
    assert "<!DOCTYPE svg" not in page


def test_markdown_and_json_formats(scored):
    md = runner.invoke(app, ["report", str(scored), "--no-rewrites"])
    assert md.exit_code == 0, md.output
    for heading in (
        "# Apology quality report",
        "## By agent",
        "## Trends over time",
        "## Worst replies",
        "## Most frequent mistakes",
        "## Recurring failures",
    ):
        assert heading in md.output
    assert "| ana ‡ | 3 | 3 | 36.7 | 66.7% | vague apology (66.7%) |" in md.output
    assert "- mistake M100 vague apology: “any inconvenience”" in md.output
    out = runner.invoke(app, ["report", str(scored), "--format", "json", "--no-rewrites"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["report_version"] == 1
    assert (data["scores"]["scored"], data["scores"]["left_out"]) == (6, 1)
    agent = next(b for b in data["breakdowns"] if b["dimension"] == "agent")
    assert next(g for g in agent["groups"] if g["value"] == "ana")["mistake_rate"] == 2 / 3
    assert data["trend"]["periods"][0]["start"] == "2026-03-01"


def test_html_and_json_together_keep_stdout_for_the_json(scored, tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["report", str(scored), "--html", str(out), "-f", "json", "--no-rewrites"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["replies"] == 7
    assert out.is_file()


def test_jsonl_and_a_folder_of_parquet_give_the_same_figures(scored, tmp_path):
    data = rows()
    jsonl = tmp_path / "scored.jsonl"
    jsonl.write_text("".join(json.dumps(r, default=lambda d: d.isoformat()) + "\n" for r in data))
    folder = tmp_path / "parts"
    (folder / "company=x").mkdir(parents=True)
    pq.write_table(table(data[:4]), folder / "part-0.parquet")
    pq.write_table(table(data[4:]), folder / "company=x" / "part-1.parquet")

    def figures(path):
        # the examples of a folder name their file; the rest must be the same
        text = json.dumps({**to_json(summarize(path)), "source": ""})
        return json.loads(re.sub(r'"file": "part-\d\.parquet"', '"file": null', text))

    expected = figures(scored)
    assert figures(jsonl) == expected
    assert figures(folder) == expected
    assert {e.file for e in summarize(folder).worst} == {"part-0.parquet", "part-1.parquet"}
    # an unfinished score run's parts are not read twice (and the report says so)
    (folder / "other.parquet.parts").mkdir()
    pq.write_table(table(data), folder / "other.parquet.parts" / "part-0000000.parquet")
    assert {**figures(folder), "unfinished": []} == expected
    assert summarize(folder).unfinished == ("other.parquet.parts",)
    md = runner.invoke(app, ["report", str(folder), "--no-rewrites"]).output
    assert "Not read: the parts of unfinished score runs (other.parquet.parts)" in md


def test_a_report_on_real_scored_replies(tmp_path):
    texts = [
        ("Sorry for any inconvenience this may have caused.", "My order never came."),
        (
            "I'm sorry your order is late. I've refunded the shipping and will email you by"
            " Friday.",
            "My order is a week late.",
        ),
        ("Thanks for asking! The store opens at 9.", "When do you open?"),
    ]
    records = [
        record(analyze(t, c), {"row": i, "agent": "ana", "customer": c})
        for i, (t, c) in enumerate(texts, 1)
    ]
    path = tmp_path / "real.parquet"
    pq.write_table(table(records), path)
    s = summarize(path)
    assert s.replies == 3
    assert s.scores.scored + s.scores.left_out == 3
    assert s.worst[0].text == texts[0][0]
    assert "vague_apology" in {f.label for f in s.frequent}


def test_errors_say_what_is_wrong_and_what_to_do(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nope.parquet")])
    assert result.exit_code == 2
    assert "no such file or folder; give the output of amends score" in result.output
    other = tmp_path / "other.parquet"
    pq.write_table(table([]).select(["row", "id"]), other)
    result = runner.invoke(app, ["report", str(other)])
    assert result.exit_code == 2
    assert "not the output of amends score (no text, score, components, mistakes column)" in (
        result.output
    )
    empty = tmp_path / "empty.parquet"
    pq.write_table(table([]), empty)
    assert "no replies in it" in runner.invoke(app, ["report", str(empty)]).output
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert "neither Parquet nor JSONL" in runner.invoke(app, ["report", str(text)]).output


def test_without_matplotlib_html_says_how_to_install_it(scored, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = runner.invoke(app, ["report", str(scored), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "pip install 'amends[report]'" in result.output
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(ReportError):
        from amends.batch import plots

        plots.require()
    assert runner.invoke(app, ["report", str(scored), "--no-rewrites"]).exit_code == 0


def test_overlapping_spans_are_marked_once_with_every_finding_in_the_title():
    text = "Sorry & goodbye"
    spans = [
        Span(0, 5, "component", "apology", "C1", "an apology"),
        Span(0, 15, "mistake", "defensive", "M5", 'says "no"'),
    ]
    out = highlight(text, spans)
    assert out == (
        '<mark class="mistake" title="C1 apology: an apology; M5 defensive: says &quot;no&quot;">'
        'Sorry</mark><mark class="mistake" title="M5 defensive: says &quot;no&quot;"> &amp;'
        " goodbye</mark>"
    )


@st.composite
def _texts_and_spans(draw):
    text = draw(st.text(min_size=1, max_size=60))
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append(
            Span(
                start,
                end,
                draw(st.sampled_from(["component", "mistake"])),
                "l",
                "C",
                draw(st.text(max_size=10)),
            )
        )
    return text, spans


@given(_texts_and_spans())
def test_highlighting_keeps_the_text_and_marks_every_span(case):
    text, spans = case
    out = highlight(text, spans)
    assert htmllib.unescape(re.sub(r"</?mark[^>]*>", "", out)) == text
    assert "<" not in re.sub(r"</?mark[^>]*>", "", out)
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", out, re.S)
    marked = sum(len(htmllib.unescape(m)) for m in marks)
    covered = len({i for s in spans for i in range(s.start, s.end)})
    assert marked == covered
