"""The output of ``amends score`` (and of ``amends.spark.score``): one row per agent reply, its
report flattened into columns that Parquet, DuckDB and Spark read directly.

The names follow ``Report.to_dict()``. The schema only grows: a column is never renamed,
retyped or dropped, and ``schema_version`` (the report's wire schema version) says which
report produced a row. docs/score.md describes every column.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from ..model import COMPONENTS, MISTAKES, SCHEMA_VERSION, Finding, Report

# Why a finding is there: a rule of the rule files, or the learned model (its rules are named
# ``model-<label>``, see learned.py).
SOURCES = ("rules", "model")
_UTC = pa.timestamp("us", tz="UTC")

FINDING = pa.struct(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("label", pa.string()),
        ("kind", pa.string()),
        ("severity", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("match", pa.string()),
        ("message", pa.string()),
        ("suggestions", pa.list_(pa.string())),
        ("source", pa.string()),
    ]
)
SITUATION = pa.struct(
    [
        ("cause", pa.string()),
        ("wait", pa.bool_()),
        ("failure", pa.bool_()),
        ("first_contact", pa.bool_()),
    ]
)
PROMISE = pa.struct(
    [
        ("text", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("kind", pa.string()),
        ("due", _UTC),
        ("trigger", pa.string()),
        ("action", pa.string()),
    ]
)
SLOT = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("text", pa.string())])

SCHEMA = pa.schema(
    [
        pa.field("row", pa.int64(), nullable=False),
        ("id", pa.string()),
        ("conversation_id", pa.string()),
        ("company", pa.string()),
        ("agent", pa.string()),
        ("team", pa.string()),
        ("channel", pa.string()),
        ("timestamp", _UTC),
        pa.field("text", pa.string(), nullable=False),
        ("customer", pa.string()),
        ("labels", pa.list_(pa.string())),
        ("components", pa.list_(pa.string())),
        ("mistakes", pa.list_(pa.string())),
        ("score", pa.float64()),
        ("quality", pa.int8()),
        ("needed", pa.bool_()),
        ("unfinished", pa.bool_()),
        ("slots", pa.list_(SLOT)),
        ("findings", pa.list_(FINDING)),
        ("missing", pa.list_(pa.string())),
        ("situation", SITUATION),
        ("promises", pa.list_(PROMISE)),
        ("schema_version", pa.int16()),
        ("rules_version", pa.string()),
        ("model_version", pa.string()),
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)
# The input row's metadata that ``record`` copies; all optional but ``row``.
META = ("row", "id", "conversation_id", "company", "agent", "team", "channel", "timestamp")


def finding_source(finding: Finding) -> str:
    return "model" if finding.name.startswith("model-") else "rules"


def utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC; a naive time is taken to be UTC already."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _promises(text: str, at: datetime | None) -> list[dict[str, Any]]:
    if at is None:  # due times are resolved from the message's time: none without one
        return []
    from ..promises import extract_promises  # its rules load on first use, once per process

    return [
        {
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "kind": p.kind,
            "due": utc(p.due),
            "trigger": p.trigger,
            "action": p.action,
        }
        for p in extract_promises(text, at, "UTC")
    ]


def record(
    report: Report,
    meta: Mapping[str, Any],
    rules_version: str = "",
    model_version: str = "",
    *,
    promises: bool = True,
) -> dict[str, Any]:
    """One output row: ``report`` (of the reply ``report.text``) with the input row's metadata
    (``row``, and any of ``id``, ``conversation_id``, ``company``, ``agent``, ``team``,
    ``channel``, ``timestamp`` as an aware or UTC datetime, ``customer``). The versions name
    the rules and the learned model that made the report (``store.ingest.rules_version`` and
    ``model_version``). ``promises`` False leaves the promises empty (extracting them costs
    about a tenth of the analysis)."""
    _check_meta(meta)
    at = utc(meta.get("timestamp"))
    situation = report.situation
    return {
        "row": int(meta["row"]),
        **{name: _text(meta.get(name)) for name in META[1:-1]},
        "timestamp": at,
        "text": report.text,
        "customer": report.customer,
        "labels": list(report.labels),
        "components": [label for label in report.labels if label in COMPONENTS],
        "mistakes": [label for label in report.labels if label in MISTAKES],
        "score": None if report.score is None else float(report.score),
        "quality": report.quality,
        "needed": report.breakdown.needed,
        "unfinished": report.unfinished,
        "slots": _slots(report),
        "findings": [{**f.to_dict(), "source": finding_source(f)} for f in report.findings],
        "missing": list(report.missing),
        "situation": {
            "cause": situation.cause,
            "wait": situation.wait,
            "failure": situation.failure,
            "first_contact": situation.first_contact,
        },
        "promises": _promises(report.text, at) if promises else [],
        "schema_version": SCHEMA_VERSION,
        "rules_version": rules_version,
        "model_version": model_version,
    }


def _text(value: Any) -> str | None:
    """Ids and names as strings (an id column read as numbers stays the same id)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)


def table(records: list[dict[str, Any]]) -> pa.Table:
    """The records as a table of ``SCHEMA``."""
    return pa.Table.from_pylist(records, schema=SCHEMA)


_PLAIN = [f for f in SCHEMA if f.name not in ("findings", "situation")]


class Rows:
    """Output rows gathered column by column, for many rows at a time: ``add`` takes what
    ``record`` takes, and ``table()`` is ``table([record(...), ...])`` of the same rows. The
    batch run and Spark use it: no dictionary per row and per finding, and the findings and
    the situation become Arrow arrays from flat lists, which cost a sixth of the analysis the
    other way (``tests/test_score_schema.py`` checks both give the same table)."""

    def __init__(self) -> None:
        self._columns: dict[str, list[Any]] = {f.name: [] for f in _PLAIN}
        self._findings: dict[str, list[Any]] = {f.name: [] for f in FINDING}
        self._offsets = [0]
        self._situation: dict[str, list[Any]] = {f.name: [] for f in SITUATION}

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def add(
        self,
        report: Report,
        meta: Mapping[str, Any],
        rules_version: str = "",
        model_version: str = "",
        *,
        promises: bool = True,
    ) -> None:
        _check_meta(meta)
        columns = self._columns
        at = utc(meta.get("timestamp"))
        columns["row"].append(int(meta["row"]))
        for name in META[1:-1]:
            columns[name].append(_text(meta.get(name)))
        columns["timestamp"].append(at)
        columns["text"].append(report.text)
        columns["customer"].append(report.customer)
        labels = report.labels
        columns["labels"].append(list(labels))
        columns["components"].append([label for label in labels if label in COMPONENTS])
        columns["mistakes"].append([label for label in labels if label in MISTAKES])
        columns["score"].append(None if report.score is None else float(report.score))
        columns["quality"].append(report.quality)
        columns["needed"].append(report.breakdown.needed)
        columns["unfinished"].append(report.unfinished)
        columns["slots"].append(_slots(report))
        columns["missing"].append(list(report.missing))
        columns["promises"].append(_promises(report.text, at) if promises else [])
        columns["schema_version"].append(SCHEMA_VERSION)
        columns["rules_version"].append(rules_version)
        columns["model_version"].append(model_version)
        found = self._findings
        for f in report.findings:
            found["code"].append(f.code)
            found["name"].append(f.name)
            found["label"].append(f.label)
            found["kind"].append(f.kind)
            found["severity"].append(f.severity)
            found["start"].append(f.start)
            found["end"].append(f.end)
            found["match"].append(f.match)
            found["message"].append(f.message)
            found["suggestions"].append(list(f.suggestions))
            found["source"].append(finding_source(f))
        self._offsets.append(self._offsets[-1] + len(report.findings))
        situation = report.situation
        self._situation["cause"].append(situation.cause)
        self._situation["wait"].append(situation.wait)
        self._situation["failure"].append(situation.failure)
        self._situation["first_contact"].append(situation.first_contact)

    def table(self) -> pa.Table:
        """The rows added, as a table of ``SCHEMA``."""
        arrays = {f.name: pa.array(self._columns[f.name], f.type) for f in _PLAIN}
        findings = pa.StructArray.from_arrays(
            [pa.array(self._findings[f.name], f.type) for f in FINDING], fields=list(FINDING)
        )
        arrays["findings"] = pa.ListArray.from_arrays(
            pa.array(self._offsets, pa.int32()), findings, type=SCHEMA.field("findings").type
        )
        arrays["situation"] = pa.StructArray.from_arrays(
            [pa.array(self._situation[f.name], f.type) for f in SITUATION],
            fields=list(SITUATION),
        )
        return pa.Table.from_arrays([arrays[name] for name in COLUMNS], schema=SCHEMA)


def _check_meta(meta: Mapping[str, Any]) -> None:
    unknown = set(meta) - {*META, "customer"}
    if unknown:
        raise ValueError(
            f"record(): unknown metadata {', '.join(sorted(unknown))}; expected {', '.join(META)}"
            ", customer"
        )


def _slots(report: Report) -> list[dict[str, Any]]:
    return [
        {"start": start, "end": end, "text": report.text[start:end]} for start, end in report.slots
    ]


__all__ = ["COLUMNS", "SCHEMA", "Rows", "finding_source", "record", "table", "utc"]
