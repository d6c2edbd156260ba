"""``amends report``: what a QA manager reads from the output of ``amends score``, as one
self-contained HTML page, Markdown or JSON. A thin layer over ``amends.batch.report``,
registered on the main app by ``register``; DuckDB and matplotlib load when it runs."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class SummaryFormat(StrEnum):
    md = "md"
    json = "json"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(2)


def report_command(
    output: Annotated[
        Path,
        typer.Argument(
            help="What amends score wrote: a Parquet file, a folder of Parquet files, or JSONL.",
            show_default=False,
        ),
    ],
    html_path: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write the report to this HTML file: one page, plots inline, opens offline.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        SummaryFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Print the report to stdout as md (Markdown) or json; default md without --html.",
            show_default=False,
        ),
    ] = None,
    rewrites: Annotated[
        bool,
        typer.Option(
            "--rewrites/--no-rewrites",
            help="Rewrite each frequent mistake's example with amends coach.",
        ),
    ] = True,
    examples: Annotated[
        int, typer.Option("--examples", min=1, max=50, help="Worst and best replies shown.")
    ] = 5,
) -> None:
    """Report on scored replies: score distribution, components and mistakes overall and by
    company, agent, team and channel, trends, worst and best replies, frequent mistakes with
    rewrites, and recurring failures. Every figure says how many replies it leaves out."""
    from .batch.report import ReportError, coach_rewrite, summarize
    from .batch.report_render import html, json_text, markdown

    try:
        if html_path is not None:
            from .batch import plots

            plots.require()  # before the work, so a missing extra fails fast
        summary = summarize(output, rewrite=coach_rewrite if rewrites else None, examples=examples)
    except ReportError as exc:
        raise _fail(str(exc)) from exc
    if html_path is not None:
        try:
            html_path.write_text(html(summary, plots.draw), encoding="utf-8")
        except OSError as exc:
            raise _fail(f"{html_path}: cannot write the report ({exc.strerror})") from exc
        typer.echo(
            f"wrote {html_path}: {summary.replies:,} replies, {summary.scores.scored:,} scored",
            err=fmt is not None,
        )
    if fmt is None and html_path is None:
        fmt = SummaryFormat.md
    if fmt is not None:
        sys.stdout.write(json_text(summary) if fmt is SummaryFormat.json else markdown(summary))


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
