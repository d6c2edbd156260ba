"""amends on Spark: ``score(df)`` gives the columns of ``amends score``'s Parquet output for
every row of a DataFrame, and ``score_file_with_spark`` runs ``amends score --engine spark``.

The scoring runs in ``mapInArrow``: each Python worker of an executor receives Arrow record
batches, loads the rules (and the learned model) once, the first time it scores, and keeps
them for the next batches (Spark reuses its Python workers). Arrow in and Arrow out, with the
output schema of ``amends.batch.schema``, so the nested columns (findings, promises, the
situation) need no pandas conversion. pyspark is an optional extra: ``pip install
'amends[spark]'`` (and a Java runtime).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .batch import read_jsonl
from .batch.inputs import META_FIELDS, Fields, Item, item_from
from .batch.run import ScoreError, ScoreSummary, default_rejects, score_items
from .batch.schema import SCHEMA
from .model import Config

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType

# Why a row could not be scored, the column after the output's: null for a scored row; for a
# rejected one the reason, with ``row`` and ``id`` and the other columns null.
REJECTED = "rejected"
_COMBINED = pa.schema([f.with_nullable(True) for f in SCHEMA] + [pa.field(REJECTED, pa.string())])


class SparkUnavailable(RuntimeError):
    """pyspark (or Java) is missing: say how to install it."""


def _pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as exc:
        raise SparkUnavailable(
            "pyspark is not installed: pip install 'amends[spark]' (it needs Java 17 or later)"
        ) from exc
    return pyspark.sql


def spark_type(arrow: pa.DataType) -> DataType:
    """The Spark SQL type of an Arrow type of the output schema."""
    from pyspark.sql import types as T

    if pa.types.is_struct(arrow):
        return T.StructType(
            [
                T.StructField(arrow.field(i).name, spark_type(arrow.field(i).type), True)
                for i in range(arrow.num_fields)
            ]
        )
    if pa.types.is_list(arrow):
        return T.ArrayType(spark_type(arrow.value_type), True)
    simple = {
        pa.string(): T.StringType(),
        pa.int64(): T.LongType(),
        pa.int32(): T.IntegerType(),
        pa.int16(): T.ShortType(),
        pa.int8(): T.ByteType(),
        pa.float64(): T.DoubleType(),
        pa.bool_(): T.BooleanType(),
    }
    if pa.types.is_timestamp(arrow):
        return T.TimestampType()
    if arrow in simple:
        return simple[arrow]
    raise TypeError(f"no Spark type for the Arrow type {arrow}")


def spark_schema(schema: pa.Schema = SCHEMA) -> Any:
    from pyspark.sql import types as T

    return T.StructType([T.StructField(f.name, spark_type(f.type), True) for f in schema])


@lru_cache(maxsize=4)
def _analyzer(config: Config | None) -> Any:
    """One analyzer per Python worker process (and per config)."""
    from .analyzer import get_analyzer

    return get_analyzer(config)


@lru_cache(maxsize=1)
def _rules_version() -> str:
    from .store.version import rules_version

    return rules_version()


def _combined(rows: pa.Table, rejects: list[dict[str, Any]]) -> pa.Table:
    scored = rows.append_column(REJECTED, pa.nulls(rows.num_rows, pa.string()))
    if not rejects:
        return scored
    refused = pa.table(
        {
            name: (
                pa.array([r["line"] for r in rejects], pa.int64())
                if name == "row"
                else pa.array([r["id"] for r in rejects], pa.string())
                if name == "id"
                else pa.array([r["reason"] for r in rejects], pa.string())
                if name == REJECTED
                else pa.nulls(len(rejects), _COMBINED.field(name).type)
            )
            for name in _COMBINED.names
        },
        schema=_COMBINED.remove_metadata(),
    )
    return pa.concat_tables([scored.cast(_COMBINED), refused.cast(_COMBINED)])


def _scorer(fields: Fields, config: Config | None, lines: bool, promises: bool) -> Any:
    """The function ``mapInArrow`` runs: record batches of input rows (or, for ``lines``, of
    JSONL lines with their line numbers) to record batches of ``_COMBINED``."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        analyzer = _analyzer(config)
        version = _rules_version()
        for batch in batches:
            items = list(_items(batch, fields, lines))
            rows, rejects = score_items(items, analyzer, version, promises)
            yield from _combined(rows, rejects).to_batches()

    return run


def _items(batch: pa.RecordBatch, fields: Fields, lines: bool) -> Iterator[Item]:
    for data in batch.to_pylist():
        row = int(data.pop("row"))
        if lines:
            for parsed in read_jsonl([data["value"]], first_line=row):
                if parsed.data is None:
                    yield Item(row, error=parsed.error)
                else:
                    yield item_from(row, parsed.data, fields, f"line {row}")
        else:
            yield item_from(row, data, fields, f"row {row}")


def _scored(
    df: DataFrame, fields: Fields, config: Config | None, lines: bool, promises: bool
) -> DataFrame:
    return df.mapInArrow(_scorer(fields, config, lines, promises), spark_schema(_COMBINED))


def _with_rows(df: DataFrame) -> DataFrame:
    """``df`` with a 1-based ``row``: its position (Spark's ``zipWithIndex``, in the order of
    the input's partitions, which is the file's order for a file read by Spark)."""
    from pyspark.sql import types as T

    columns = df.columns
    numbered = df.rdd.zipWithIndex().map(lambda pair: (pair[1] + 1, *pair[0]))
    schema = T.StructType([T.StructField("row", T.LongType(), False), *df.schema.fields])
    return df.sparkSession.createDataFrame(numbered, schema).select("row", *columns)


def score(
    df: DataFrame,
    text_col: str = "text",
    customer_col: str | None = None,
    *,
    id_col: str = "id",
    time_col: str = "timestamp",
    config: Config | None = None,
    promises: bool = True,
) -> DataFrame:
    """One row per row of ``df``: the output columns of ``amends score``
    (``amends.batch.schema.SCHEMA``) and ``rejected``, null for a scored row and the reason for
    a row that cannot be scored (no text, an empty or too long one, a bad timestamp), which
    keeps only ``row`` and ``id``: input rows = scored rows + rejected rows, as in the local
    run. ``scored_rows(result)`` and ``rejected_rows(result)`` split it. ``row`` is ``df``'s ``row``
    column when it has one, else the row's position. ``id``, ``timestamp`` and the metadata
    columns (conversation_id, company, agent, team, channel) are copied when ``df`` has them."""
    _pyspark()
    fields = Fields(text=text_col, customer=customer_col, id=id_col, timestamp=time_col)
    wanted = [
        c
        for c in dict.fromkeys([text_col, customer_col, id_col, time_col, *META_FIELDS])
        if c and c in df.columns
    ]
    numbered = df if "row" in df.columns else _with_rows(df)
    return _scored(numbered.select("row", *wanted), fields, config, False, promises)


def scored_rows(result: DataFrame) -> DataFrame:
    """The scored rows of ``score``'s result, with exactly the columns of the Parquet output."""
    from pyspark.sql import functions as F

    return result.where(F.col(REJECTED).isNull()).drop(REJECTED)


def rejected_rows(result: DataFrame) -> DataFrame:
    """The rejected rows of ``score``'s result as the rejects file has them: ``line`` (the
    row), ``id`` and ``reason``."""
    from pyspark.sql import functions as F

    return result.where(F.col(REJECTED).isNotNull()).select(
        F.col("row").alias("line"), "id", F.col(REJECTED).alias("reason")
    )


def session(master: str) -> SparkSession:
    """A Spark session on ``master``; its Python workers run this interpreter (where amends
    is installed) unless PYSPARK_PYTHON names another."""
    sql = _pyspark()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        sql.SparkSession.builder.master(master)
        .appName("amends score")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Parquet timestamps as UTC instants (TIMESTAMP_MICROS), as the local run writes them,
        # not Spark's legacy INT96
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .getOrCreate()
    )


def score_file_with_spark(
    source: str | Path,
    output: str | Path,
    *,
    master: str = "local[*]",
    input_format: str | None = None,
    output_format: str = "parquet",
    fields: Fields | None = None,
    rejects: str | Path | None = None,
    config: Config | None = None,
    promises: bool = True,
) -> ScoreSummary:
    """``amends score --engine spark``: a JSONL or Parquet file scored by Spark into
    ``output``, a folder of part files (Spark's own layout; ``amends query`` reads it), and the
    rejects into ``rejects``. Rows are numbered as the local run numbers them (JSONL lines,
    Parquet rows) and rejected for the same reasons; resuming is Spark's business (a failed
    task is retried), so a killed job runs again from the start."""
    started = time.perf_counter()
    source, output = Path(source), Path(output)
    fields = fields or Fields()
    if not source.is_file():
        raise ScoreError(f"{source}: no such file")
    chosen = input_format or ("parquet" if source.read_bytes()[:4] == b"PAR1" else "jsonl")
    if chosen not in ("jsonl", "parquet"):
        raise ScoreError(
            f"--engine spark reads jsonl or parquet, not {chosen}; score a {chosen} file with "
            "the local engine"
        )
    spark = session(master)
    if chosen == "jsonl":
        # the file's lines, numbered as the local run numbers them; blank lines are no rows
        numbered = _with_rows(spark.read.text(str(source))).where("trim(value) != ''")
    else:
        numbered = _with_rows(spark.read.parquet(str(source)))
    # a small file is one partition: spread the rows over every core (their numbers are
    # already given, and the output is written in their order)
    partitions = max(2 * spark.sparkContext.defaultParallelism, numbered.rdd.getNumPartitions())
    numbered = numbered.repartition(partitions)
    combined = _scored(numbered, fields, config, chosen == "jsonl", promises).persist()
    try:
        from pyspark.sql import functions as F

        out = scored_rows(combined).orderBy("row")
        if output.exists():
            shutil.rmtree(output) if output.is_dir() else output.unlink()
        if output_format == "parquet":
            out.write.parquet(str(output))
        else:
            out.write.json(str(output), timestampFormat="yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
        # as the local run writes them: line, id, reason
        refused = [
            json.dumps(r.asDict(), ensure_ascii=False)
            for r in rejected_rows(combined).orderBy("line").collect()
        ]
        counts = combined.agg(
            F.count("*").alias("rows"), F.count(F.col(REJECTED)).alias("rejected")
        ).first()
    finally:
        combined.unpersist()
    rejects_path = Path(rejects) if rejects else default_rejects(output)
    rejects_path.write_text("".join(r + "\n" for r in refused), encoding="utf-8")
    rows, rejected = int(counts["rows"]), int(counts["rejected"])
    return ScoreSummary(
        input=str(source),
        input_format=chosen,
        output=str(output),
        output_format=output_format,
        rejects=str(rejects_path),
        rows=rows,
        scored=rows - rejected,
        rejected=rejected,
        context=0,
        chunks=0,
        resumed_chunks=0,
        workers=spark.sparkContext.defaultParallelism,
        seconds=time.perf_counter() - started,
        rows_this_run=rows,
    )


__all__ = [
    "REJECTED",
    "SparkUnavailable",
    "rejected_rows",
    "score",
    "score_file_with_spark",
    "scored_rows",
    "spark_schema",
]
