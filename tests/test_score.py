"""``amends score`` and ``amends query``: every input format, the row accounting (input rows =
scored + rejected, with each rejected row's line and reason), the output against
``amends.analyze``, killing a run and resuming it, and DuckDB over the output."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from amends import analyze
from amends.batch.run import ScoreError, score_file
from amends.batch.schema import SCHEMA
from amends.cli import app

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).parents[2] / "shared" / "data"

REPLIES = [
    "I'm so sorry your parcel is late. That was our mistake; I've refunded the delivery fee.",
    "Sorry if you feel that way. Please read our terms.",
    "Thanks for reaching out! Your refund was processed today.",
    "We apologise for the outage this morning. Our engineers fixed it at 10:40 and we'll "
    "email you by Friday with a credit.",
]


def _jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def _score(*args: str) -> dict:
    result = runner.invoke(app, ["score", *args, "--summary", "json"], env=PLAIN)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rejects(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rows_in_equal_rows_scored_plus_rows_rejected(tmp_path: Path) -> None:
    source = _jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "text": REPLIES[0], "customer": "Where is my parcel?", "agent": "JK"},
            "{not json",
            {"id": "c"},
            "",
            {"id": "e", "text": "x" * 1_000_001},
            {"id": "f", "text": 12},
            {"id": "g", "text": REPLIES[1], "timestamp": "yesterday"},
            {"id": "h", "text": REPLIES[3], "timestamp": "2026-12-01T09:00:00+01:00"},
            {"id": "i", "text": "   "},
        ],
    )
    out = tmp_path / "scores.parquet"
    summary = _score(str(source), "--out", str(out), "--workers", "2", "--chunk-rows", "3")
    assert summary["rows"] == 8  # the blank line is no row
    assert (summary["scored"], summary["rejected"]) == (2, 6)
    assert summary["balanced"] is True
    got = pq.read_table(out)
    assert got.schema.equals(SCHEMA)
    assert got.column("id").to_pylist() == ["a", "h"]
    assert got.column("row").to_pylist() == [1, 8]
    rejects = _rejects(tmp_path / "scores.rejects.jsonl")
    assert [(r["line"], r["id"]) for r in rejects] == [
        (2, None),
        (3, "c"),
        (5, "e"),
        (6, "f"),
        (7, "g"),
        (9, "i"),
    ]
    reasons = [r["reason"] for r in rejects]
    assert reasons[0].startswith("not valid JSON")
    assert "missing required field 'text'" in reasons[1]
    assert "the limit is 1,000,000" in reasons[2]
    assert "must be a string, got int" in reasons[3]
    assert "'timestamp' is 'yesterday'" in reasons[4]
    assert "is empty" in reasons[5]
    # every input line is accounted for exactly once
    assert sorted(got.column("row").to_pylist() + [r["line"] for r in rejects]) == [
        1,
        2,
        3,
        5,
        6,
        7,
        8,
        9,
    ]
    assert not (tmp_path / "scores.parquet.parts").exists()


def test_the_text_summary_says_the_accounting(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"text": REPLIES[0]}, "[1, 2]"])
    result = runner.invoke(
        app, ["score", str(source), "--out", str(tmp_path / "o.parquet"), "-w", "1"], env=PLAIN
    )
    assert result.exit_code == 0, result.output
    assert "2 input rows = 1 scored + 1 rejected" in result.stdout
    assert f"rejects: {tmp_path / 'o.rejects.jsonl'}" in result.stdout


def test_each_row_is_what_analyze_says(tmp_path: Path) -> None:
    rows = [{"id": i, "text": t, "customer": "It broke."} for i, t in enumerate(REPLIES)]
    source = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "o.parquet"
    score_file(source, out, workers=2, chunk_rows=1)
    got = pq.read_table(out).to_pylist()
    assert [r["id"] for r in got] == ["0", "1", "2", "3"]  # input order, whatever the workers
    for row, text in zip(got, REPLIES, strict=True):
        report = analyze(text, "It broke.")
        assert row["labels"] == list(report.labels)
        assert row["score"] == (None if report.score is None else float(report.score))
        assert row["quality"] == report.quality
        assert row["missing"] == list(report.missing)
        assert [f["code"] for f in row["findings"]] == [f.code for f in report.findings]
        assert row["customer"] == "It broke."
        assert row["rules_version"]


def test_jsonl_output(tmp_path: Path) -> None:
    source = _jsonl(
        tmp_path / "in.jsonl",
        [{"id": "x", "text": REPLIES[3], "timestamp": "2026-12-01T09:00:00Z"}, {"id": "y"}],
    )
    out = tmp_path / "o.jsonl"
    summary = _score(str(source), "--out", str(out), "--format", "jsonl", "-w", "1")
    assert summary["output_format"] == "jsonl"
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1 and lines[0]["id"] == "x"
    assert lines[0]["timestamp"] == "2026-12-01T09:00:00+00:00"
    assert any(p["kind"] == "dated" for p in lines[0]["promises"])
    assert set(lines[0]) == set(SCHEMA.names)


def test_csv_input_with_bad_rows(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(
        b"id,text,customer,company\n"
        b'1,"Sorry for the delay, we\'ve refunded you.",Late again,Acme\n'
        b"2,bad \xff byte,x,Acme\n"
        b"3,too,many,fields,here\n"
        b"4,,x,Acme\n"
        b'5,"We apologise, the outage is fixed.",,Beta\n'
    )
    out = tmp_path / "o.parquet"
    summary = _score(str(source), "--out", str(out), "-w", "1")
    assert (summary["rows"], summary["scored"], summary["rejected"]) == (5, 2, 3)
    got = pq.read_table(out)
    assert got.column("company").to_pylist() == ["Acme", "Beta"]
    assert got.column("row").to_pylist() == [2, 6]
    reasons = {r["line"]: r["reason"] for r in _rejects(tmp_path / "o.rejects.jsonl")}
    assert "not valid UTF-8" in reasons[3]
    assert "expected 4 fields, found 5" in reasons[4]
    assert "is empty" in reasons[5]


def test_parquet_input(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(
        pa.table(
            {
                "reply": [REPLIES[0], None, REPLIES[2]],
                "id": [7, 8, 9],
                "team": ["billing", "billing", None],
            }
        ),
        source,
    )
    out = tmp_path / "o.parquet"
    summary = _score(str(source), "--out", str(out), "--text-col", "reply", "-w", "1")
    assert summary["input_format"] == "parquet"
    assert (summary["rows"], summary["scored"], summary["rejected"]) == (3, 2, 1)
    got = pq.read_table(out)
    assert got.column("id").to_pylist() == ["7", "9"]
    assert got.column("team").to_pylist() == ["billing", None]
    assert _rejects(tmp_path / "o.rejects.jsonl")[0]["line"] == 2


def test_twcs_input_scores_brand_tweets_against_the_tweet_they_answer(tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    summary = _score(str(DATA / "twcs_sample.csv"), "--out", str(out), "-w", "1")
    assert summary["input_format"] == "twcs"
    # 7 tweets: 5 from the brand (3 scored, 2 rejected) and 2 customer tweets read as context
    assert (summary["rows"], summary["scored"], summary["rejected"], summary["context"]) == (
        5,
        3,
        2,
        2,
    )
    got = {r["id"]: r for r in pq.read_table(out).to_pylist()}
    assert set(got) == {"10", "13", "16"}
    # tweet 10 answers tweet 11, which comes after it in the file
    assert got["10"]["customer"] == "@AcmeHelp my parcel is a week late and nobody answers"
    assert got["10"]["agent"] == "AcmeHelp/JK" and got["10"]["company"] == "AcmeHelp"
    assert got["10"]["conversation_id"] == "11" and got["10"]["channel"] == "twitter"
    assert got["13"]["customer"] == "@AcmeHelp the app logs me out every time"
    assert "conditional_apology" in got["13"]["mistakes"]
    assert got["16"]["customer"] is None  # it answers a tweet the file does not hold
    reasons = {r["line"]: r["reason"] for r in _rejects(tmp_path / "o.rejects.jsonl")}
    assert set(reasons) == {6, 7}
    assert "'created_at' is 'not a time'" in reasons[6]


def test_zendesk_input_scores_public_agent_comments(tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    summary = _score(str(DATA / "zendesk_tickets.jsonl"), "--out", str(out), "-w", "1")
    assert summary["input_format"] == "zendesk"
    assert summary["balanced"] is True and summary["scored"] > 0
    rows = pq.read_table(out).to_pylist()
    tickets = [json.loads(line) for line in (DATA / "zendesk_tickets.jsonl").open()]
    agents = {
        str(u["id"]) for t in tickets for u in t.get("users", []) if u["role"] in ("agent", "admin")
    }
    public_agent_comments = [
        c
        for t in tickets
        for c in t["comments"]
        if str(c["author_id"]) in agents and c.get("public", True)
    ]
    assert summary["rows"] == len(public_agent_comments)
    for row in rows:
        assert row["conversation_id"] in {str(t["id"]) for t in tickets}
        assert row["customer"]  # each reply answers a customer comment before it


def test_conversation_format_scores_agent_messages(tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    summary = _score(str(DATA / "conversations.csv"), "--out", str(out), "-w", "1")
    rows = pq.read_table(out).to_pylist()
    assert summary["context"] > 0 and summary["rows"] == len(rows) > 0
    assert all(r["customer"] and r["conversation_id"] for r in rows)


def test_an_unreadable_input_fails_before_anything_is_written(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(
        app, ["score", str(source), "--out", str(tmp_path / "o.parquet")], env=PLAIN
    )
    assert result.exit_code == 2
    assert "a PNG image" in result.output
    assert not (tmp_path / "o.parquet").exists()


def _big_input(path: Path, rows: int) -> tuple[set[int], set[int]]:
    """A JSONL file of ``rows`` lines, every 37th malformed; the good and the bad lines."""
    good, bad = set(), set()
    with path.open("w", encoding="utf-8") as out:
        for line in range(1, rows + 1):
            if line % 37 == 0:
                out.write('{"id": "broken", "text": \n')
                bad.add(line)
            else:
                out.write(json.dumps({"id": line, "text": REPLIES[line % len(REPLIES)]}) + "\n")
                good.add(line)
    return good, bad


def test_a_killed_run_resumes_without_losing_or_repeating_a_row(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    good, bad = _big_input(source, 3000)
    out = tmp_path / "o.parquet"
    command = [
        sys.executable,
        "-c",
        "from amends.cli import app; app()",
        "score",
        str(source),
        "--out",
        str(out),
        "--workers",
        "2",
        "--chunk-rows",
        "40",
    ]
    done = tmp_path / "o.parquet.parts" / "done.jsonl"
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if done.exists() and len(done.read_text().splitlines()) >= 5:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # the run and its workers, as a killed job
    process.wait()
    assert not out.exists()
    finished_before = len(done.read_text().splitlines())
    assert 5 <= finished_before < 75

    summary = _score(str(source), "--out", str(out), "--workers", "2", "--chunk-rows", "40")
    assert summary["resumed_chunks"] >= 5
    assert summary["chunks"] == 75
    assert summary["rows_this_run"] < 3000
    assert (summary["rows"], summary["scored"], summary["rejected"]) == (3000, len(good), len(bad))
    rows = pq.read_table(out, columns=["row", "id"]).to_pylist()
    assert [r["row"] for r in rows] == sorted(good)  # each once, in input order
    assert all(r["id"] == str(r["row"]) for r in rows)
    assert sorted(r["line"] for r in _rejects(tmp_path / "o.rejects.jsonl")) == sorted(bad)


def test_resuming_with_other_settings_is_refused(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"text": t} for t in REPLIES])
    out = tmp_path / "o.parquet"
    parts = tmp_path / "o.parquet.parts"
    # an interrupted run's work folder, as score_file leaves it when killed
    score_file(source, out, workers=1, chunk_rows=2)
    parts.mkdir()
    (parts / "manifest.json").write_text(json.dumps({"chunk_rows": 3}), encoding="utf-8")
    with pytest.raises(ScoreError, match=r"other settings \(.*chunk_rows.*\).*--no-resume"):
        score_file(source, out, workers=1, chunk_rows=2)
    summary = score_file(source, out, workers=1, chunk_rows=2, resume=False)
    assert summary.rows == summary.scored == 4 and summary.resumed_chunks == 0


def test_query_over_the_output(tmp_path: Path) -> None:
    rows = [
        {"id": i, "text": t, "agent": agent, "company": "Acme"}
        for i, (t, agent) in enumerate(zip(REPLIES, ["ann", "bob", "ann", "bob"], strict=True))
    ]
    source = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "o.parquet"
    score_file(source, out, workers=1)
    sql = (
        "SELECT agent, count(*) AS replies, avg((len(mistakes) > 0)::int) AS mistake_rate "
        "FROM replies GROUP BY agent ORDER BY agent"
    )
    result = runner.invoke(app, ["query", sql, str(out), "--format", "json"], env=PLAIN)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    expected = {
        agent: sum(1 for r in rows if r["agent"] == agent and analyze(r["text"]).mistakes) / 2
        for agent in ("ann", "bob")
    }
    assert [(g["agent"], g["replies"]) for g in got] == [("ann", 2), ("bob", 2)]
    assert {g["agent"]: g["mistake_rate"] for g in got} == expected
    csv_result = runner.invoke(
        app, ["query", "SELECT id FROM replies ORDER BY row", str(out), "-f", "csv"], env=PLAIN
    )
    assert csv_result.stdout == "id\n0\n1\n2\n3\n"
    table = runner.invoke(app, ["query", "SELECT id, agent FROM replies", str(out)], env=PLAIN)
    assert table.exit_code == 0 and "ann" in table.stdout and "bob" in table.stdout
    bad = runner.invoke(app, ["query", "SELECT nope FROM replies", str(out)], env=PLAIN)
    assert bad.exit_code == 2 and "the query failed" in bad.output and "nope" in bad.output
    missing = runner.invoke(app, ["query", "SELECT 1", str(tmp_path / "none.parquet")], env=PLAIN)
    assert missing.exit_code == 2 and "amends score" in missing.output


@pytest.mark.skipif(not (SHARED / "corpus").exists(), reason="../shared/data is not here")
def test_the_shared_twcs_corpus_accounts_for_every_tweet(tmp_path: Path) -> None:
    source = SHARED / "corpus" / "twcs_5k.csv"
    summary = score_file(source, tmp_path / "o.parquet", workers=2)
    with source.open(encoding="utf-8", newline="") as stream:
        tweets = sum(1 for _ in csv.DictReader(stream))
    assert summary.rows + summary.context == tweets
    assert summary.scored == 2222  # the brand replies, as the data's README counts them
