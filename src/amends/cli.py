"""The ``amends`` command line: a thin layer over the library.

``rich`` and the modules that render with it are imported by the commands that print with them:
``amends check --format json`` and ``amends analyze`` never load them.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from . import __version__, labelled
from .analyzer import Analyzer, get_analyzer
from .batch import Columns, NotText, analyse, check_encoding, open_rows
from .config import ConfigError, load_config
from .evaluate import NotGold, evaluate
from .model import LABELS, Config, Report
from .plain import evaluation_lines, json_chunks, row_lines
from .rules import RuleError, find_rule

app = typer.Typer(
    name="amends",
    help="Check, score and coach customer-service apologies.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


class BatchFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    text = "text"


class InputFormat(StrEnum):
    auto = "auto"
    jsonl = "jsonl"
    csv = "csv"


SelectOpt = Annotated[
    list[str] | None,
    typer.Option("--select", help="Only these rules: codes, code prefixes, names or labels."),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="Skip these rules: codes, code prefixes, names or labels."),
]
ModelOpt = Annotated[
    bool | None,
    typer.Option(
        "--model/--no-model",
        help="Run the learned layer on top of the rules (default, or the config's `model`); "
        "--no-model: the rules alone, faster.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="amends.toml or pyproject.toml to read [tool.amends] from."),
]


def _print_version(value: bool) -> None:
    if value:
        version()
        raise typer.Exit()


@app.callback()
def main_options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the amends version and the analyze schema version, then exit.",
        ),
    ] = False,
) -> None:
    """Check, score and coach customer-service apologies."""


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(code)


def build_analyzer(
    select: list[str] | None,
    ignore: list[str] | None,
    config: Path | None,
    model: bool | None = None,
) -> Analyzer:
    try:
        cfg: Config = load_config(config, select or (), ignore or (), model)
        return get_analyzer(cfg)
    except (ConfigError, RuleError) as exc:
        raise fail(str(exc)) from exc
    except ValueError as exc:  # a selector that names no rule
        raise fail(f"{exc}; see `amends rules`") from exc


@app.command()
def check(
    text: Annotated[str, typer.Argument(help="The reply to check, or - to read it from stdin.")],
    customer: Annotated[
        str | None, typer.Option("--customer", "-c", help="The customer's message it answers.")
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text or json.")
    ] = ReportFormat.text,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Also show which phrase or pattern of its rule each finding matched."
        ),
    ] = False,
) -> None:
    """Check one reply: highlighted findings, what to write instead, the score and its breakdown.

    With --format json each finding carries the phrase or pattern it matched ("pattern").
    """
    if text == "-":
        # Read bytes: the text layer of stdin may smuggle undecodable bytes in as surrogates,
        # which silently break matching and then leak into the JSON output.
        raw = sys.stdin.buffer.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise fail(
                f"stdin is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                "send the reply as UTF-8"
            ) from exc
    if not text.strip():
        raise fail("the reply is empty; pass the text to check, or - to read stdin")
    analyzer = build_analyzer(select, ignore, config, model)
    try:
        report = analyzer.analyze(text, customer)
    except (ValueError, TypeError) as exc:
        raise fail(str(exc)) from exc
    if fmt is ReportFormat.json:
        sys.stdout.writelines(json_chunks(report, detail=True, indent=2))
        sys.stdout.write("\n")
        return
    from .render import breakdown_lines, make_console, patterns_table, print_lines, report_text

    console = make_console()
    print_lines(console, report_text(report, console.width))
    if explain:
        console.print()
        console.print(patterns_table(report))
    console.print()
    print_lines(console, breakdown_lines(report, console.width))


@app.command()
def analyze(
    source: Annotated[str, typer.Argument(help="A JSONL or CSV file with a 'text' column, or -.")],
    fmt: Annotated[
        BatchFormat, typer.Option("--format", "-f", help="jsonl (default), json or text.")
    ] = BatchFormat.jsonl,
    input_format: Annotated[
        InputFormat, typer.Option("--input-format", help="auto (sniffed), jsonl or csv.")
    ] = InputFormat.auto,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write results here instead of stdout.")
    ] = None,
    text_col: Annotated[
        str, typer.Option("--text-col", help="The field (JSONL) or column (CSV) with the reply.")
    ] = "text",
    customer_col: Annotated[
        str,
        typer.Option("--customer-col", help="The field or column with the customer's message."),
    ] = "customer",
    id_col: Annotated[
        str, typer.Option("--id-col", help="The field or column echoed as each result's id.")
    ] = "id",
    delimiter: Annotated[
        str | None,
        typer.Option(
            "--delimiter",
            help="The CSV delimiter: one character, or comma, semicolon, tab or pipe; default: "
            "sniffed from the first lines.",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="The input's encoding (latin-1, cp1252, utf-16...); default: UTF-8, or what a "
            "byte order mark says.",
        ),
    ] = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
) -> None:
    """Analyse many replies: one JSON object per input row, in order (schema_version 1).

    A malformed row yields {"line": N, "error": "..."} in its place; the exit status is 1 when
    any row was rejected.
    """
    analyzer = build_analyzer(select, ignore, config, model)
    if source != "-" and not Path(source).is_file():
        raise fail(f"{source}: no such file")
    if encoding is not None:
        try:
            check_encoding(encoding)
        except ValueError as exc:
            raise fail(f"--encoding: {exc}") from exc
    if delimiter is not None:
        delimiter = _DELIMITER_NAMES.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1 or delimiter in '"\r\n':
            raise fail(
                f"--delimiter {delimiter!r}: give one character, or comma, semicolon, tab or pipe"
            )
    columns = Columns(text=text_col, customer=customer_col, id=id_col)
    rejected = not_utf8 = 0
    chosen = None if input_format is InputFormat.auto else input_format.value
    with ExitStack() as files:
        try:
            out = files.enter_context(output.open("w", encoding="utf-8")) if output else sys.stdout
            stream = (
                sys.stdin.buffer if source == "-" else files.enter_context(Path(source).open("rb"))
            )
        except OSError as exc:
            raise fail(f"{exc.filename}: {exc.strerror}") from exc
        try:
            rows = open_rows(
                stream, chosen, encoding=encoding, columns=columns, delimiter=delimiter
            )
        except NotText as exc:
            raise fail(f"{'stdin' if source == '-' else source}: {exc}") from exc
        first = True
        if fmt is BatchFormat.json:
            out.write("[")
        for outcome in analyse(rows, analyzer, columns):
            report = outcome.report
            if report is None:
                rejected += 1
                not_utf8 += "not valid UTF-8" in (outcome.error or "")
            if fmt is BatchFormat.text:
                lines = (
                    row_lines(report, outcome.id)
                    if report is not None
                    else [f"line {outcome.row.line}: rejected: {outcome.error}"]
                )
                out.writelines(line + "\n" for line in lines)
                continue
            if fmt is BatchFormat.json:
                out.write("\n" if first else ",\n")
            if report is None:
                out.write(json.dumps(outcome.to_dict(), ensure_ascii=False))
            else:
                out.writelines(json_chunks(report, outcome.id))
            if fmt is BatchFormat.jsonl:
                out.write("\n")
            first = False
        if fmt is BatchFormat.json:
            out.write("\n]\n")
    if rejected:
        why = (
            f" ({not_utf8} not valid UTF-8: if the file is Latin-1, pass --encoding latin-1)"
            if not_utf8
            else ""
        )
        typer.echo(
            f"amends: {rejected} row(s) rejected{why}; see the error objects in the output",
            err=True,
        )
        raise typer.Exit(1)


_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}


@app.command()
def rules(
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text or json.")
    ] = ReportFormat.text,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
) -> None:
    """List every rule: code, name, taxonomy label, kind and severity."""
    analyzer = build_analyzer(select, ignore, config, model)
    chosen = analyzer.rules
    if fmt is ReportFormat.json:
        listing = [
            {
                "code": r.code,
                "name": r.name,
                "label": r.label,
                "kind": r.kind,
                "severity": r.severity,
                "message": r.message,
                "source": r.source,
            }
            for r in chosen
        ]
        model = analyzer.learned.meta if analyzer.learned is not None else None
        typer.echo(json.dumps({"rules": listing, "model": model}, indent=2))
        return
    # Plain aligned lines rather than a rich table: a table squeezed into a narrow terminal
    # truncates rule names, and a listing of names must stay whole and greppable.
    rows = [("code", "name", "label", "kind", "severity")]
    rows += [(r.code, r.name, r.label, r.kind, r.severity) for r in chosen]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [f"{v:<{w}}" for v, w in zip(row, widths, strict=False)]
        typer.echo("  ".join([*cells, row[-1]]))
    typer.echo(f"{len(chosen)} rules")
    if analyzer.learned is not None:
        meta = analyzer.learned.meta
        typer.echo(
            f"learned model {meta['version']} (trained on {meta['trained_on']['rows']} replies, "
            f"data {meta['data_hash'][:12]}) adds: {', '.join(meta['labels']) or 'nothing'}"
        )


@app.command()
def explain(
    rule: Annotated[str, typer.Argument(help="A rule code (M201) or name (sorry-you-feel).")],
) -> None:
    """Explain a rule: what it finds, why it matters, an example and what to write instead."""
    from rich.text import Text

    from .render import make_console

    analyzer = get_analyzer(Config())
    found = find_rule(analyzer.all_rules, rule)
    if found is None:
        labels = [r for r in analyzer.all_rules if r.label == rule and r.kind != "missing"]
        if not labels:
            raise fail(f"no rule {rule!r}; see `amends rules`")
        found = labels[0]
    console = make_console()
    console.print(Text(f"{found.code} {found.name}", style="bold"))
    console.print(f"label: {found.label} ({found.kind}, {found.severity})")
    console.print(f"defined in: {found.source}")
    console.print()
    what = found.message.replace("“{match}”", "a phrase").replace("{match}", "a phrase")
    console.print(Text("What it finds", style="bold"))
    console.print(what)
    console.print()
    console.print(Text("Why it matters", style="bold"))
    console.print(found.why)
    console.print()
    console.print(Text("Example", style="bold"))
    fires, quiet = found.examples_fail[0], found.examples_pass[0]
    verb = "is missing from" if found.kind == "missing" else "fires on"
    console.print(
        f"{verb}: {fires.text!r}" + (f" (customer: {fires.customer!r})" if fires.customer else "")
    )
    console.print(f"not on:   {quiet.text!r}")
    if found.suggest:
        console.print()
        console.print(
            Text("What to write instead" if found.kind != "component" else "Tip", style="bold")
        )
        for s in found.suggest:
            console.print(s)
    if found.written:
        console.print()
        console.print(Text("How it matches", style="bold"))
        console.print(
            "any of these (lexicons such as {sorry} are lists in data/lexicons/), as long as no "
            "exception matches the same words:"
        )
        # one line each, unwrapped, so a pattern can be copied as it stands in the rule file
        for written in found.written:
            console.print(Text(f"  {written}"), soft_wrap=True)
        if found.exceptions:
            console.print("exceptions:")
            for written in found.exceptions:
                console.print(Text(f"  {written}"), soft_wrap=True)


DEFAULT_SETS = ("dev", "validation")


@app.command(name="eval")
def eval_command(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Labelled sets by name (dev, validation, train, pool, batchN) or JSONL files "
            "(reply or text, customer, 0/1 per label, quality); default: dev and validation.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text, or json: one object per set.")
    ] = ReportFormat.text,
    errors: Annotated[
        list[str] | None, typer.Option("--errors", help="Also list the ids misjudged for LABEL.")
    ] = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
) -> None:
    """Accuracy on labelled sets, side by side: per-label P/R/F1, macro-F1, Spearman(score,
    quality), whether an apology was needed."""
    for label in errors or ():
        if label not in LABELS:
            raise fail(f"--errors {label!r} is not a taxonomy label")
    analyzer = build_analyzer(select, ignore, config, model)
    results = []
    for source in sources or DEFAULT_SETS:
        gold: Path | list[dict[str, Any]]
        if Path(source).is_file():
            gold = Path(source)
        elif labelled.is_name(source):
            try:
                gold = labelled.load(source)
            except labelled.MissingData as exc:
                typer.echo(f"amends: skipped {source}: {exc}", err=True)
                continue
            except FileNotFoundError as exc:
                typer.echo(f"amends: skipped {source}: {exc.filename} is not here", err=True)
                continue
            except (ValueError, KeyError, OSError) as exc:
                raise fail(f"{source}: the labelled set could not be read: {exc}") from exc
        else:
            raise fail(
                f"{source}: no such file, nor a labelled set (dev, validation, train, pool, batchN)"
            )
        try:
            results.append(evaluate(gold, analyzer, source))
        except NotGold as exc:
            raise fail(f"{source}: {exc}") from exc
        except (ValueError, TypeError) as exc:
            # a row the analyzer refuses (too long, customer not a string)
            raise fail(f"{source}: a row could not be evaluated: {exc}") from exc
    if not results:
        raise fail("nothing to evaluate: no labelled set was found (see above)")
    if fmt is ReportFormat.json:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    for line in evaluation_lines(results, errors or ()):
        typer.echo(line)


def sample_path() -> Path:
    return Path(str(resources.files("amends") / "data" / "sample" / "replies.jsonl"))


@app.command()
def demo(
    limit: Annotated[int, typer.Option(help="Show at most this many replies in full.")] = 6,
) -> None:
    """Analyse the sample replies shipped with amends: highlighted findings and a summary."""
    from rich.text import Text

    from .render import make_console, report_lines, report_panel, summary_table

    analyzer = get_analyzer(Config())
    console = make_console()
    reports: list[Report] = []
    ids: list[object] = []
    with sample_path().open("rb") as stream:
        for row in open_rows(stream):
            assert row.data is not None
            report = analyzer.analyze(row.data["text"], row.data.get("customer"))
            reports.append(report)
            ids.append(row.data.get("id"))
            if len(reports) <= limit:
                console.rule(f"{row.data.get('id')}")
                if row.data.get("customer"):
                    console.print(Text(f"customer: {row.data['customer']}", style="dim"))
                console.print(report_panel(report))
    console.rule()
    if len(reports) > limit:
        console.print(f"(showing {limit} of {len(reports)}; one line each for the rest)")
        for ident, report in zip(ids[limit:], reports[limit:], strict=True):
            labels = ", ".join(report.labels) or "no labels"
            console.print(f"{report_lines(report, ident)[0]}: {labels}")
    console.print(summary_table(reports))
    console.print(f"sample: {sample_path()}")


@app.command()
def version() -> None:
    """Print the amends version and the analyze schema version."""
    from .model import SCHEMA_VERSION

    typer.echo(f"amends {__version__} (analyze schema_version {SCHEMA_VERSION})")


@app.command()
def train(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Rebuild in memory and compare with the shipped files byte for byte."
        ),
    ] = False,
) -> None:
    """Rebuild the learned layer and the score's weights from the labelled sets.

    Reads the train set (the labelled pool less the validation split, and this project's
    batches) and the dev set from the shared data folder; never the validation split. Needs
    the train extra: pip install -e '.[train]'.
    """
    from . import train as training
    from .learned import default_path

    try:
        rows = training.training_rows()
    except labelled.MissingData as exc:
        raise fail(str(exc)) from exc
    model = training.dump(training.train(rows))
    weights_path = Path(str(resources.files("amends") / "data" / "weights.yaml"))
    current = weights_path.read_text(encoding="utf-8")
    weights = training.render_weights(training.fit_weights(rows), current, training.TRAIN_SETS)
    model_path = default_path()
    if check:
        shipped = model_path.read_text(encoding="utf-8") if model_path.is_file() else ""
        stale = [
            str(path)
            for path, new, old in ((model_path, model, shipped), (weights_path, weights, current))
            if new != old
        ]
        if stale:
            raise fail(
                f"rebuilt from {len(rows)} rows; differs from the shipped {', '.join(stale)}"
            )
        typer.echo(f"rebuilt from {len(rows)} rows: identical to the shipped model and weights")
        return
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_text(model, encoding="utf-8")
    weights_path.write_text(weights, encoding="utf-8")
    meta = json.loads(model)
    typer.echo(
        f"trained on {len(rows)} rows ({', '.join(training.TRAIN_SETS)}): model "
        f"{meta['version']} ({len(meta['labels'])} labels), data {meta['data_hash'][:12]}; "
        f"wrote {model_path} and {weights_path}"
    )


def main() -> None:  # pragma: no cover - console entry point
    app()


from .cli_agent import register as _register_agent  # noqa: E402
from .cli_incidents import register as _register_incidents  # noqa: E402
from .cli_keys import register as _register_keys  # noqa: E402
from .cli_promises import register as _register_promises  # noqa: E402
from .cli_report import register as _register_report  # noqa: E402
from .cli_score import register as _register_score  # noqa: E402
from .cli_serve import register as _register_serve  # noqa: E402
from .cli_store import register as _register_store  # noqa: E402

_register_agent(app)
_register_promises(app)
_register_report(app)
_register_score(app)
_register_serve(app)
_register_store(app)
_register_incidents(app)
_register_keys(app)
