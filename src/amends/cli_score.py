"""``amends score`` (every reply of a file, on all cores, into Parquet or JSONL) and ``amends
query`` (DuckDB SQL over that output): thin layers over ``amends.batch.run`` and
``amends.batch.query``, registered on the main app by ``register``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class ScoreInput(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"
    twcs = "twcs"
    zendesk = "zendesk"


class ScoreOutput(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"


class Engine(StrEnum):
    local = "local"
    spark = "spark"


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(2)


def score(
    source: Annotated[Path, typer.Argument(help="The input file.", show_default=False)],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="The output file (Parquet or JSONL).", show_default=False),
    ],
    fmt: Annotated[
        ScoreOutput, typer.Option("--format", "-f", help="The output's format.")
    ] = ScoreOutput.parquet,
    input_format: Annotated[
        ScoreInput | None,
        typer.Option(
            "--input-format",
            help="jsonl, csv, parquet, twcs or zendesk; default: told from the file.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="Worker processes; default: all cores.", min=1),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where rejected rows go (line, id, reason); default: OUT-stem.rejects.jsonl.",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="Carry on an interrupted run from OUT.parts/ (default), or start over.",
        ),
    ] = True,
    text_col: Annotated[str, typer.Option("--text-col", help="The reply's column.")] = "text",
    customer_col: Annotated[
        str,
        typer.Option(
            "--customer-col",
            help="The customer's message: a string, or a dialog of {role, text} messages.",
        ),
    ] = "customer",
    id_col: Annotated[str, typer.Option("--id-col", help="The reply's id column.")] = "id",
    time_col: Annotated[
        str, typer.Option("--time-col", help="The reply's time (ISO 8601) column.")
    ] = "timestamp",
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", help="Rows per chunk (a unit of work and of resume).")
    ] = 2000,
    engine: Annotated[
        Engine, typer.Option("--engine", help="local (worker processes) or spark.")
    ] = Engine.local,
    master: Annotated[
        str,
        typer.Option("--master", help="The Spark master URL, with --engine spark."),
    ] = "local[*]",
    model: Annotated[
        bool,
        typer.Option("--model/--no-model", help="Run the learned layer on top of the rules."),
    ] = True,
    promises: Annotated[
        bool,
        typer.Option(
            "--promises/--no-promises",
            help="Extract each reply's promises and due times (needs a timestamp column); "
            "--no-promises leaves the column empty, about a fifth faster.",
        ),
    ] = True,
    summary_format: Annotated[
        str, typer.Option("--summary", help="The summary: text or json.")
    ] = "text",
) -> None:
    """Score every agent reply of a file into Parquet (default) or JSONL, one row per reply,
    on all cores; interrupted runs resume. Rejected rows go to the rejects file with their line
    and reason, and the summary checks input rows = scored + rejected.

    Formats: JSONL, CSV and Parquet (a reply per row, columns text, customer, id, timestamp,
    conversation_id, company, agent, team, channel), twcs (Customer Support on Twitter: brand
    tweets scored against the tweet they answer), zendesk (a ticket per line: each public agent
    comment). See docs/score.md.
    """
    from rich.console import Console

    from .batch.inputs import Fields
    from .batch.run import ScoreError, score_file
    from .model import Config

    if summary_format not in ("text", "json"):
        raise _fail(f"--summary {summary_format!r}: use text or json")
    fields = Fields(text=text_col, customer=customer_col, id=id_col, timestamp=time_col)
    config = Config(model=model)
    console = Console(stderr=True, highlight=False)
    if engine is Engine.spark:
        from .spark import SparkUnavailable, score_file_with_spark

        try:
            summary = score_file_with_spark(
                source,
                out,
                master=master,
                input_format=input_format.value if input_format else None,
                output_format=fmt.value,
                fields=fields,
                rejects=rejects,
                config=config,
                promises=promises,
            )
        except (SparkUnavailable, ScoreError) as exc:
            raise _fail(str(exc)) from exc
    else:
        bar, show = _progress_bar(console, source.name)
        try:
            with bar:
                summary = score_file(
                    source,
                    out,
                    input_format=input_format.value if input_format else None,
                    output_format=fmt.value,
                    fields=fields,
                    workers=workers,
                    chunk_rows=chunk_rows,
                    rejects=rejects,
                    resume=resume,
                    config=config,
                    promises=promises,
                    progress=show,
                )
        except ScoreError as exc:
            raise _fail(str(exc)) from exc
        except KeyboardInterrupt:
            typer.echo(
                f"amends: interrupted; the chunks done are kept in {out}.parts/: run the same "
                "command again to resume",
                err=True,
            )
            raise typer.Exit(130) from None
    if summary_format == "json":
        typer.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        typer.echo(
            f"{summary.output}: {summary.line()}\n"
            f"rejects: {summary.rejects}\n"
            f"{summary.rate:,.0f} rows/s with {summary.workers} worker(s), "
            f"{summary.seconds:.1f} s"
        )
    if not summary.balanced:  # pragma: no cover - the accounting is the run's invariant
        raise _fail("the row accounting does not balance; please report this as a bug")


def _progress_bar(console, name: str):  # type: ignore[no-untyped-def]
    """A rich bar over the input's bytes (or rows), with rows, rows/s and the time left."""
    import time

    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        "{task.fields[rows]:,} rows",
        "{task.fields[rate]:,.0f} rows/s",
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task(f"scoring {name}", total=None, rows=0, rate=0.0)
    started = time.perf_counter()

    def show(rows: int, position: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        bar.update(
            task,
            total=total or None,
            completed=position,
            rows=rows,
            rate=rows / elapsed if elapsed else 0.0,
        )

    return bar, show


def query(
    sql: Annotated[
        str,
        typer.Argument(help="SQL over the table `replies` (DuckDB's dialect).", show_default=False),
    ],
    output: Annotated[
        Path,
        typer.Argument(
            help="amends score's Parquet output (a file or a folder of them).", show_default=False
        ),
    ],
    fmt: Annotated[
        QueryFormat, typer.Option("--format", "-f", help="table (default), csv or json.")
    ] = QueryFormat.table,
    limit: Annotated[
        int, typer.Option("--limit", help="Rows shown in a table (csv and json give all).")
    ] = 100,
) -> None:
    """Run DuckDB SQL over amends score's Parquet output, as the table `replies`.

    Example: amends query "SELECT agent, avg(len(mistakes) > 0) AS mistake_rate FROM replies
    GROUP BY agent ORDER BY mistake_rate DESC" scores.parquet
    """
    from .batch.query import QueryError, run_query

    try:
        result = run_query(sql, output)
    except QueryError as exc:
        raise _fail(str(exc)) from exc
    if fmt is QueryFormat.csv:
        typer.echo(result.to_csv(), nl=False)
    elif fmt is QueryFormat.json:
        typer.echo(json.dumps(result.to_records(), ensure_ascii=False, indent=1, default=str))
    else:
        from rich.console import Console
        from rich.table import Table

        shown = Table(*result.columns, show_lines=False)
        for values in result.rows[:limit]:
            shown.add_row(*("" if v is None else str(v) for v in values))
        console = Console(width=200 if not Console().is_terminal else None)
        console.print(shown)
        if len(result.rows) > limit:
            console.print(
                f"({len(result.rows) - limit} more rows: raise --limit, or use --format csv)"
            )


def register(app: typer.Typer) -> None:
    app.command()(score)
    app.command()(query)
