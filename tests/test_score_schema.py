"""The output schema of ``amends score``: one record per reply, readable as the schema says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from amends import analyze
from amends.batch.schema import COLUMNS, SCHEMA, record, table
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
