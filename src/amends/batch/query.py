"""``amends query``: DuckDB SQL over the Parquet output of ``amends score``, as the table
``replies`` (a view, so the file is scanned, never loaded whole)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class QueryError(ValueError):
    """The output cannot be read, or the SQL failed: DuckDB's message, and where."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([_cell(value) for value in row] for row in self.rows)
        return out.getvalue()


def _cell(value: Any) -> Any:
    """Lists and structs as JSON (what other tools read back), not Python's repr."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def run_query(sql: str, output: str | Path) -> QueryResult:
    """Run ``sql`` with ``replies`` bound to ``output`` (a Parquet file, or a folder of them)."""
    import duckdb

    path = Path(output)
    if path.is_dir():
        pattern = str(path / "**" / "*.parquet")
    elif path.is_file():
        pattern = str(path)
    else:
        raise QueryError(f"{output}: no such file; run `amends score INPUT --out {output}` first")
    connection = duckdb.connect()
    try:
        try:
            # a view cannot take a prepared parameter: the path is quoted as an SQL string
            quoted = pattern.replace("'", "''")
            connection.execute(f"CREATE VIEW replies AS SELECT * FROM read_parquet('{quoted}')")
        except duckdb.Error as exc:
            raise QueryError(f"{output}: not Parquet that DuckDB can read ({exc})") from exc
        try:
            cursor = connection.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(f"the query failed: {exc}") from exc
        if cursor.description is None:
            return QueryResult((), ())
        columns = tuple(d[0] for d in cursor.description)
        return QueryResult(columns, tuple(cursor.fetchall()))
    finally:
        connection.close()


__all__ = ["QueryError", "QueryResult", "run_query"]
