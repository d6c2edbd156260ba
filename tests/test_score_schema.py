"""The output schema of ``amends score``: one record per reply, readable as the schema says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from amends import analyze
from amends.batch.schema import COLUMNS, SCHEMA, Rows, record, table
from amends.model import SCHEMA_VERSION

REPLY = (
    "I'm so sorry your order arrived late. That was our mistake: the courier was booked a day "
    "late. I've refunded the delivery fee and will email you by Friday with the tracking."
)
CUSTOMER = "My order is three days late and nobody answers."


def test_a_record_carries_the_report_and_the_rows_metadata() -> None:
    report = analyze(REPLY, CUSTOMER)
    at = datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    row = record(
        report,
        {
            "row": 7,
            "id": 42,
            "company": "Acme",
            "agent": "JK",
            "timestamp": at,
            "customer": CUSTOMER,
        },
        rules_version="0.1.0+abc",
        model_version="m1",
    )
    assert list(row) == list(COLUMNS)
    assert row["row"] == 7 and row["id"] == "42" and row["company"] == "Acme"
    assert row["team"] is None and row["channel"] is None
    assert row["timestamp"] == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert row["labels"] == list(report.labels)
    assert set(row["components"]) | set(row["mistakes"]) == set(report.labels)
    assert "apology" in row["components"]
    assert row["score"] == float(report.score) and row["quality"] == report.quality
    assert row["needed"] is True
    expected = report.to_dict()
    assert [f["code"] for f in row["findings"]] == [f["code"] for f in expected["findings"]]
    assert {f["source"] for f in row["findings"]} <= {"rules", "model"}
    assert row["situation"]["cause"] == expected["situation"]["cause"]
    # "will email you by Friday" is a dated promise, due after the message's time
    dated = [p for p in row["promises"] if p["kind"] == "dated"]
    assert dated and dated[0]["due"] > row["timestamp"]
    assert row["schema_version"] == SCHEMA_VERSION
    assert (row["rules_version"], row["model_version"]) == ("0.1.0+abc", "m1")


def test_records_make_a_table_of_the_schema() -> None:
    rows = [
        record(analyze(REPLY), {"row": 1}),
        record(analyze("Thanks for reaching out, have a nice day."), {"row": 2, "id": "b"}),
    ]
    got = table(rows)
    assert got.schema.equals(SCHEMA)
    assert got.num_rows == 2
    assert got.column("promises").to_pylist()[0] == []  # no timestamp: no due times to resolve
    assert got.column("customer").to_pylist() == [None, None]
    assert pa.types.is_timestamp(got.schema.field("timestamp").type)


def test_unknown_metadata_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown metadata colour"):
        record(analyze(REPLY), {"row": 1, "colour": "red"})


def _hard_cases() -> list[dict]:
    path = Path(__file__).parent / "data" / "hard_cases.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rows_built_column_by_column_equal_the_records_table() -> None:
    cases = _hard_cases()
    extra = [
        {"reply": "Sorry! We'll call you back within 2 hours, [AGENT NAME]."},  # a slot, a promise
        {"reply": "Thanks for reaching out, have a nice day."},  # no findings
    ]
    rows, records = Rows(), []
    for n, case in enumerate([*cases, *extra], 1):
        report = analyze(case["reply"], case.get("customer"))
        meta = {
            "row": n,
            "id": case.get("id", n),
            "company": "Acme" if n % 3 else None,
            "agent": " " if n % 5 == 0 else f"agent {n % 4}",
            "timestamp": None if n % 7 == 0 else datetime(2026, 12, 1 + n % 20, 10, tzinfo=UTC),
            "customer": case.get("customer"),
        }
        version = ("0.1.0+abc", "m1" if n % 2 else "")
        rows.add(report, meta, *version, promises=n % 11 != 0)
        records.append(record(report, meta, *version, promises=n % 11 != 0))
    built = rows.table()
    expected = table(records)
    assert len(rows) == built.num_rows == len(cases) + 2
    assert built.schema.equals(SCHEMA)
    assert built.equals(expected)
    # what the comparison covers: findings, slots, promises with due times, empty lists
    assert sum(len(f) for f in built.column("findings").to_pylist()) > 500
    assert any(s for s in built.column("slots").to_pylist())
    assert any(p["due"] for ps in built.column("promises").to_pylist() for p in ps)
    assert [] in built.column("findings").to_pylist()


def test_rows_refuse_unknown_metadata_by_name() -> None:
    with pytest.raises(ValueError, match="unknown metadata colour"):
        Rows().add(analyze(REPLY), {"row": 1, "colour": "red"})


def test_no_rows_make_an_empty_table_of_the_schema() -> None:
    empty = Rows().table()
    assert empty.num_rows == 0 and empty.schema.equals(SCHEMA)
