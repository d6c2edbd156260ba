"""``amends.spark`` in Spark's local mode: the same rows, columns and values as the local run of
``amends score`` for the same input, through ``score(df)`` and ``amends score --engine spark``.
Skips when pyspark or Java is missing (``pip install 'amends[spark]'``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from amends.batch.run import score_file
from amends.batch.schema import SCHEMA
from amends.cli import app

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (amends[spark])")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark", allow_module_level=True)

runner = CliRunner()
REPLIES = [
    "I'm so sorry your parcel is late. That was our mistake; I've refunded the delivery fee.",
    "Sorry if you feel that way. Please read our terms.",
    "Thanks for reaching out! Your refund was processed today.",
    "We apologise for the outage this morning. We'll email you by Friday with a credit.",
    "Unfortunately that's our policy, there is nothing we can do.",
]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from amends.spark import session

    spark = session("local[2]")
    yield spark
    spark.stop()


def _rows() -> list[dict]:
    rows = []
    for n in range(1, 41):
        rows.append(
            {
                "id": f"r{n}",
                "text": REPLIES[n % len(REPLIES)],
                "customer": "My parcel is late." if n % 2 else None,
                "company": "Acme" if n % 3 else "Beta",
                "timestamp": f"2026-11-{n % 28 + 1:02d}T09:30:00+00:00" if n % 4 else None,
            }
        )
    return rows


def _local(tmp_path: Path, rows: list[dict | str]) -> tuple[list[dict], list[dict]]:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), "utf-8"
    )
    out = tmp_path / "local.parquet"
    score_file(source, out, workers=1)
    rejects = [json.loads(x) for x in (tmp_path / "local.rejects.jsonl").read_text().splitlines()]
    return pq.read_table(out).to_pylist(), rejects


def _spark_rows(folder: Path) -> list[dict]:
    got = pq.read_table(folder).to_pylist()
    return sorted(got, key=lambda r: r["row"])


def test_score_df_equals_the_local_run(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    from amends.spark import score, scored_rows

    rows = _rows()
    expected, _ = _local(tmp_path, rows)
    df = spark.createDataFrame(
        [{**r, "row": n} for n, r in enumerate(rows, 1)],
        "row long, id string, text string, customer string, company string, timestamp string",
    ).withColumn("timestamp", F.to_timestamp("timestamp"))
    result = score(df, text_col="text", customer_col="customer")
    assert result.columns == [*SCHEMA.names, "rejected"]
    scored = scored_rows(result)
    assert scored.columns == list(SCHEMA.names)
    scored.write.parquet(str(tmp_path / "spark"))
    got = _spark_rows(tmp_path / "spark")
    assert len(got) == len(expected) == 40
    assert got == expected


def test_score_df_keeps_every_row_it_cannot_score_with_the_reason(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from amends.spark import rejected_rows, score, scored_rows

    unscorable = [
        {"id": "none", "text": None},
        {"id": "empty", "text": ""},
        {"id": "blank", "text": "   "},
        {"id": "long", "text": "sorry " * 200_000},
        {"id": "late", "text": REPLIES[0], "timestamp": "next tuesday"},
    ]
    rows: list[dict] = [*_rows()[:6], *unscorable, *_rows()[6:9]]
    expected, expected_rejects = _local(tmp_path, rows)
    df = spark.createDataFrame(
        [{"customer": None, "timestamp": None, **r} for r in rows],
        "id string, text string, customer string, timestamp string",
    )
    result = score(df, customer_col="customer").persist()
    assert result.count() == df.count() == len(rows)  # input rows = scored + rejected
    got_rejects = [r.asDict() for r in rejected_rows(result).orderBy("line").collect()]
    assert [r["id"] for r in got_rejects] == ["none", "empty", "blank", "long", "late"]
    assert [r["line"] for r in got_rejects] == [7, 8, 9, 10, 11]
    assert got_rejects == expected_rejects  # the local run's reasons, word for word
    assert "next tuesday" in got_rejects[-1]["reason"]
    scored = scored_rows(result).orderBy("row").collect()
    assert [r["id"] for r in scored] == [r["id"] for r in expected]
    assert scored_rows(result).count() + rejected_rows(result).count() == len(rows)
    result.unpersist()


def test_engine_spark_gives_the_local_rows_and_rejects(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows: list[dict | str] = [*_rows()[:10], "{broken", {"id": "no-text"}, "", *_rows()[10:15]]
    expected, expected_rejects = _local(tmp_path, rows)
    source = tmp_path / "in.jsonl"
    out = tmp_path / "spark.parquet"
    result = runner.invoke(
        app,
        ["score", str(source), "--out", str(out), "--engine", "spark", "--summary", "json"],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert (summary["rows"], summary["scored"], summary["rejected"]) == (17, 15, 2)
    assert _spark_rows(out) == expected
    got_rejects = [
        json.loads(x) for x in (tmp_path / "spark.rejects.jsonl").read_text().splitlines()
    ]
    assert got_rejects == expected_rejects
    assert [r["line"] for r in got_rejects] == [11, 12]
