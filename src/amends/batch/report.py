"""What ``amends report`` tells a QA manager about the output of ``amends score``: the score
distribution, component coverage and mistake rates overall and by company, agent, team and
channel, trends over time, the worst and best replies, the most frequent mistakes with a
rewrite, and the failures that keep recurring.

Every aggregate is one DuckDB query over the Parquet file, folder of Parquet files, or JSONL
that ``amends score`` wrote, so a million rows aggregate in seconds without being loaded into
memory. Only the handful of example replies come back as Python objects.

Rates are over the replies that needed an apology (a score); every aggregate says how many
replies it left out and why. The renderers (HTML, Markdown, JSON) are in ``report_render``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from ..model import CAUSES, COMPONENTS, MISTAKES

DIMENSIONS: tuple[str, ...] = ("company", "agent", "team", "channel")
# The dimensions a recurring mistake is pinned on, finest first: coaching goes to a person.
_OWNERS: tuple[str, ...] = ("agent", "team", "company")
NOT_SET = "(not set)"
MAX_GROUPS = 15  # the groups of a dimension shown (most scored first); the rest are counted
FEW = 20  # fewer scored replies than this: a rate that moves a lot with one reply
EXAMPLES = 5  # worst and best replies shown
RECURRING_MIN = 3  # occurrences of the same mistake by the same owner to call it recurring
_REQUIRED = ("text", "score", "components", "mistakes")
_PARQUET_MAGIC = b"PAR1"


class ReportError(ValueError):
    """The input cannot be reported on; the message says what is wrong and what to do."""


@dataclass(frozen=True, slots=True)
class Rate:
    label: str
    count: int
    rate: float  # count / the aggregate's denominator


@dataclass(frozen=True, slots=True)
class Scores:
    replies: int
    scored: int
    left_out: int  # replies that needed no apology: no score
    mean: float | None
    median: float | None
    p10: float | None
    p90: float | None
    histogram: tuple[tuple[int, int, int], ...]  # (from, to, replies); the last bin holds 100
    quality: tuple[tuple[int, int], ...]  # (quality 1-5, replies)


@dataclass(frozen=True, slots=True)
class Coverage:
    scored: int
    left_out: int
    components: tuple[Rate, ...]
    mistakes: tuple[Rate, ...]
    any_mistake: Rate
    # replies that needed no apology but still hold a mistake (left out of the rates)
    unscored_with_mistake: int


@dataclass(frozen=True, slots=True)
class Group:
    value: str
    replies: int
    scored: int
    mean_score: float | None
    mistake_rate: float | None  # share of scored replies with at least one mistake
    components: dict[str, float]
    mistakes: dict[str, float]

    @property
    def few(self) -> bool:
        return self.scored < FEW


@dataclass(frozen=True, slots=True)
class Breakdown:
    dimension: str
    groups: tuple[Group, ...]  # the largest, by replies
    hidden: int  # groups not shown
    hidden_replies: int
    left_out: int  # replies without a score (their groups' ``replies`` include them)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    replies: int
    scored: int
    mean_score: float | None
    mistake_rate: float | None


@dataclass(frozen=True, slots=True)
class Trend:
    grain: str  # day | week | month
    periods: tuple[Period, ...]
    without_time: int  # replies left out: no timestamp
    left_out: int  # replies left out of the score and mistake rate: no score


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str
    label: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Example:
    row: int
    id: str | None
    file: str | None  # the output file it is in, when the input is a folder of them
    company: str | None
    agent: str | None
    score: float | None
    quality: int | None
    text: str
    customer: str | None
    spans: tuple[Span, ...]
    components: tuple[str, ...]
    mistakes: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FrequentMistake:
    label: str
    count: int
    rate: float
    rules: tuple[tuple[str, str, int], ...]  # (code, name, replies) behind the label
    example: Example
    match: str | None  # the example's words that made the finding
    message: str
    suggestions: tuple[str, ...]  # the rule's own alternatives
    rewrite: str | None  # the example as ``amends.coach`` fixes it; None when it changes nothing


@dataclass(frozen=True, slots=True)
class CauseRow:
    cause: str
    replies: int
    scored: int
    mistake_rate: float | None
    mistakes: tuple[tuple[str, int], ...]  # most frequent, with replies
    missing: tuple[tuple[str, int], ...]  # the expected components most often missing


@dataclass(frozen=True, slots=True)
class Recurrence:
    dimension: str
    value: str
    mistake: str
    count: int  # scored replies of this owner with this mistake
    scored: int  # scored replies of this owner
    periods: int | None  # distinct periods it occurs in; None without timestamps


@dataclass(frozen=True, slots=True)
class Recurring:
    causes: tuple[CauseRow, ...]
    dimension: str | None  # the owner dimension repeats are counted on; None when none exists
    repeats: tuple[Recurrence, ...]
    left_out: int
    # What "category" means here: the incident categories are not in the score output, so the
    # situation's cause and the mistake labels are the categories.
    basis: str = "situation.cause and the mistake labels of each reply"


@dataclass(frozen=True, slots=True)
class Summary:
    source: str
    replies: int
    present: tuple[str, ...]  # dimensions with at least one value
    absent: tuple[str, ...]
    versions: tuple[tuple[str, str, int], ...]  # (rules_version, model_version, replies)
    scores: Scores
    coverage: Coverage
    breakdowns: tuple[Breakdown, ...]
    trend: Trend | None  # None when no reply has a timestamp
    worst: tuple[Example, ...]
    best: tuple[Example, ...]
    frequent: tuple[FrequentMistake, ...]
    recurring: Recurring
    unfinished: tuple[str, ...] = ()  # score runs in the folder still under way: not read


Rewriter = Callable[[str, str | None], str | None]


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the view ``replies`` over the score output at ``path``: a
    Parquet file, a folder of Parquet files (searched recursively) or a JSONL file."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path}: no such file or folder; give the output of amends score")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    source = _source(path)
    try:
        columns = {
            name: kind
            for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        }
    except duckdb.Error as exc:
        raise ReportError(
            f"{path}: cannot be read as amends score output ({str(exc).splitlines()[0]})"
        ) from exc
    absent = [c for c in _REQUIRED if c not in columns]
    if absent:
        raise ReportError(
            f"{path}: not the output of amends score (no {', '.join(absent)} column); run"
            " amends score INPUT --out OUTPUT and report on OUTPUT"
        )
    con.execute(f"CREATE VIEW replies AS SELECT {', '.join(_projection(columns))} FROM {source}")
    return con


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def unfinished_runs(folder: Path) -> tuple[str, ...]:
    """The work folders (``OUTPUT.parts``) of score runs under ``folder`` that have not
    finished: their parts are not read, since the finished output would hold them again."""
    return tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*.parts") if p.is_dir()))


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*.parquet")
        if not any(part.endswith(".parts") for part in p.relative_to(folder).parts[:-1])
    )


def _source(path: Path) -> str:
    quoted = _quoted(path)
    if path.is_dir():
        files = _parquet_files(path)
        if not files:
            unfinished = unfinished_runs(path)
            raise ReportError(
                f"{path}: a folder with no .parquet file in it"
                + (
                    f" but the parts of unfinished score runs ({', '.join(unfinished)}); run"
                    " amends score again to finish them"
                    if unfinished
                    else ""
                )
            )
        # several outputs in one folder repeat row numbers: the file tells their rows apart
        listed = ", ".join(map(_quoted, files))
        return f"read_parquet([{listed}], union_by_name = true, filename = true)"
    with path.open("rb") as stream:
        head = stream.read(4)
    if head == _PARQUET_MAGIC:
        return f"read_parquet({quoted})"
    if head.lstrip()[:1] in (b"{", b""):
        return f"read_json({quoted}, format = 'newline_delimited')"
    raise ReportError(f"{path}: neither Parquet nor JSONL; give the output of amends score")


def _projection(columns: dict[str, str]) -> list[str]:
    """The columns the report reads, typed the same whatever the input was (JSONL leaves a
    column that is always empty untyped, and drops one that is always absent)."""

    def column(name: str, sql_type: str) -> str:
        if name not in columns:
            return f"CAST(NULL AS {sql_type}) AS {name}"
        return f"TRY_CAST({name} AS {sql_type}) AS {name}"

    cause = (
        "TRY_CAST(situation.cause AS VARCHAR) AS cause"
        if "situation" in columns and columns["situation"].upper().startswith("STRUCT")
        else "CAST(NULL AS VARCHAR) AS cause"
    )
    return [
        # the row number of the input, or the position in the output when there is none
        "row" if "row" in columns else "CAST(row_number() OVER () AS BIGINT) AS row",
        column("id", "VARCHAR"),
        column("filename", "VARCHAR"),
        *(column(d, "VARCHAR") for d in DIMENSIONS),
        column("timestamp", "TIMESTAMPTZ"),
        "CAST(text AS VARCHAR) AS text",
        column("customer", "VARCHAR"),
        "coalesce(TRY_CAST(components AS VARCHAR[]), []) AS components",
        "coalesce(TRY_CAST(mistakes AS VARCHAR[]), []) AS mistakes",
        "TRY_CAST(score AS DOUBLE) AS score",
        column("quality", "INTEGER"),
        "coalesce(TRY_CAST(missing AS VARCHAR[]), []) AS missing"
        if "missing" in columns
        else "CAST([] AS VARCHAR[]) AS missing",
        "findings" if "findings" in columns else "NULL AS findings",
        cause,
        column("rules_version", "VARCHAR"),
        column("model_version", "VARCHAR"),
    ]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    row = con.execute(sql, params).fetchone()
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return row


def _ratio(count: int, total: int) -> float:
    return count / total if total else 0.0


def _scores(con: duckdb.DuckDBPyConnection) -> Scores:
    replies, scored, mean, median, p10, p90 = _one(
        con,
        "SELECT count(*), count(score), avg(score), quantile_cont(score, 0.5),"
        " quantile_cont(score, 0.1), quantile_cont(score, 0.9) FROM replies",
    )
    bins = dict(
        con.execute(
            "SELECT least(floor(score / 10), 9)::INT AS bin, count(*) FROM replies"
            " WHERE score IS NOT NULL GROUP BY bin"
        ).fetchall()
    )
    quality = dict(
        con.execute(
            "SELECT quality, count(*) FROM replies WHERE quality IS NOT NULL GROUP BY quality"
        ).fetchall()
    )
    return Scores(
        replies=replies,
        scored=scored,
        left_out=replies - scored,
        mean=mean,
        median=median,
        p10=p10,
        p90=p90,
        histogram=tuple((b * 10, b * 10 + 10, bins.get(b, 0)) for b in range(10)),
        quality=tuple((q, quality.get(q, 0)) for q in range(1, 6)),
    )


def _label_counts(labels: Sequence[str], column: str, scored_only: bool = False) -> str:
    """One count per label of the replies whose ``column`` holds it (the labels are the
    taxonomy's own names, never input)."""
    where = "score IS NOT NULL AND " if scored_only else ""
    return ", ".join(
        f"count(*) FILTER (WHERE {where}list_contains({column}, '{label}')) AS \"{label}\""
        for label in labels
    )


def _coverage(con: duckdb.DuckDBPyConnection, scores: Scores) -> Coverage:
    counts = _one(
        con,
        f"SELECT {_label_counts(COMPONENTS, 'components')}, {_label_counts(MISTAKES, 'mistakes')},"
        " count(*) FILTER (WHERE len(mistakes) > 0) FROM replies WHERE score IS NOT NULL",
    )
    (unscored_with_mistake,) = _one(
        con, "SELECT count(*) FROM replies WHERE score IS NULL AND len(mistakes) > 0"
    )
    n = scores.scored
    components = [Rate(c, k, _ratio(k, n)) for c, k in zip(COMPONENTS, counts, strict=False)]
    mistakes = [
        Rate(m, k, _ratio(k, n)) for m, k in zip(MISTAKES, counts[len(COMPONENTS) :], strict=False)
    ]
    return Coverage(
        scored=n,
        left_out=scores.left_out,
        components=tuple(components),
        mistakes=tuple(sorted(mistakes, key=lambda r: -r.count)),
        any_mistake=Rate("any mistake", counts[-1], _ratio(counts[-1], n)),
        unscored_with_mistake=unscored_with_mistake,
    )


def _present(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    counts = _one(con, f"SELECT {', '.join(f'count({d})' for d in DIMENSIONS)} FROM replies")
    return tuple(d for d, k in zip(DIMENSIONS, counts, strict=True) if k)


def _breakdown(con: duckdb.DuckDBPyConnection, dimension: str) -> Breakdown:
    # Rates are over scored replies, so the groups with most scored replies come first; the
    # replies without a value are always shown, last, so the reader sees how many there are.
    rows = con.execute(
        f"SELECT {dimension} AS value, count(*) AS replies, count(score) AS scored, avg(score),"
        " count(*) FILTER (WHERE score IS NOT NULL AND len(mistakes) > 0),"
        f" {_label_counts(COMPONENTS, 'components', True)},"
        f" {_label_counts(MISTAKES, 'mistakes', True)}"
        " FROM replies GROUP BY value ORDER BY scored DESC, replies DESC, value"
    ).fetchall()
    named = [r for r in rows if r[0] is not None]
    unset = [r for r in rows if r[0] is None]
    groups = []
    for value, replies, scored, mean, with_mistake, *labels in named[:MAX_GROUPS] + unset:
        groups.append(
            Group(
                value=NOT_SET if value is None else value,
                replies=replies,
                scored=scored,
                mean_score=mean,
                mistake_rate=with_mistake / scored if scored else None,
                components={c: _ratio(k, scored) for c, k in zip(COMPONENTS, labels, strict=False)},
                mistakes={
                    m: _ratio(k, scored)
                    for m, k in zip(MISTAKES, labels[len(COMPONENTS) :], strict=False)
                },
            )
        )
    (left_out,) = _one(con, "SELECT count(*) FROM replies WHERE score IS NULL")
    return Breakdown(
        dimension=dimension,
        groups=tuple(groups),
        hidden=len(named[MAX_GROUPS:]),
        hidden_replies=sum(r[1] for r in named[MAX_GROUPS:]),
        left_out=left_out,
    )


def _grain(con: duckdb.DuckDBPyConnection) -> str | None:
    first, last = _one(con, "SELECT min(timestamp), max(timestamp) FROM replies")
    if first is None:
        return None
    days = (last - first).days
    return "day" if days <= 60 else "week" if days <= 2 * 365 else "month"


def _trend(con: duckdb.DuckDBPyConnection, grain: str) -> Trend:
    rows = con.execute(
        f"SELECT date_trunc('{grain}', timestamp)::DATE AS period, count(*), count(score),"
        " avg(score), count(*) FILTER (WHERE score IS NOT NULL AND len(mistakes) > 0)"
        " FROM replies WHERE timestamp IS NOT NULL GROUP BY period ORDER BY period"
    ).fetchall()
    without_time, left_out = _one(
        con,
        "SELECT count(*) FILTER (WHERE timestamp IS NULL),"
        " count(*) FILTER (WHERE timestamp IS NOT NULL AND score IS NULL) FROM replies",
    )
    return Trend(
        grain=grain,
        periods=tuple(
            Period(start, replies, scored, mean, with_mistake / scored if scored else None)
            for start, replies, scored, mean, with_mistake in rows
        ),
        without_time=without_time,
        left_out=left_out,
    )


_EXAMPLE_COLUMNS = (
    "row, id, filename, company, agent, score, quality, text, customer, findings, components,"
    " mistakes, missing"
)


def _example(row: tuple[Any, ...]) -> Example:
    rid, ident, file, company, agent, score, quality, text, customer, findings, *labels = row
    comps, mists, miss = labels
    spans = []
    for f in findings or ():
        start, end = f.get("start"), f.get("end")
        if start is None or end is None or not 0 <= start < end <= len(text):
            continue  # a "missing X" finding, or offsets that do not fit this text
        spans.append(
            Span(
                int(start),
                int(end),
                f.get("kind") or "",
                f.get("label") or "",
                f.get("code") or "",
                f.get("message") or "",
            )
        )
    return Example(
        row=rid,
        id=ident,
        file=Path(file).name if file else None,
        company=company,
        agent=agent,
        score=score,
        quality=quality,
        text=text,
        customer=customer,
        spans=tuple(spans),
        components=tuple(comps or ()),
        mistakes=tuple(mists or ()),
        missing=tuple(miss or ()),
    )


def _extremes(con: duckdb.DuckDBPyConnection, count: int) -> tuple[tuple[Example, ...], ...]:
    # Ties at the bottom go to the reply with more mistakes, at the top to the one with more
    # components and no mistake; then input order, so the report is the same run after run.
    worst = con.execute(
        f"SELECT {_EXAMPLE_COLUMNS} FROM replies WHERE score IS NOT NULL"
        " ORDER BY score, len(mistakes) DESC, filename, row LIMIT ?",
        [count],
    ).fetchall()
    best = con.execute(
        f"SELECT {_EXAMPLE_COLUMNS} FROM replies WHERE score IS NOT NULL"
        " ORDER BY score DESC, len(mistakes), len(components) DESC, filename, row LIMIT ?",
        [count],
    ).fetchall()
    return tuple(map(_example, worst)), tuple(map(_example, best))


# The mistake findings of the scored replies that made a mistake, one row per finding: the
# frequent-mistake queries read findings only where they can matter.
_MISTAKE_FINDINGS = (
    "SELECT filename, row, length(text) AS size, mistakes, unnest(findings) AS f FROM replies"
    " WHERE score IS NOT NULL AND len(mistakes) > 0"
)


def _frequent(
    con: duckdb.DuckDBPyConnection, coverage: Coverage, rewrite: Rewriter | None, top: int
) -> tuple[FrequentMistake, ...]:
    labels = [r for r in coverage.mistakes if r.count][:top]
    if not labels:
        return ()
    rules: dict[str, list[tuple[str, str, int]]] = {}
    for label, code, name, n in con.execute(
        f"SELECT f.label, f.code, f.name, count(DISTINCT (filename, row)) AS n"
        f" FROM ({_MISTAKE_FINDINGS}) WHERE f.kind = 'mistake' GROUP BY ALL"
        " ORDER BY f.label, n DESC, f.code"
    ).fetchall():
        rules.setdefault(label, []).append((code, name, n))
    # Each label's example shows its most frequent rule, in a reply of typical length (a
    # tweet's): the mistake in context, still readable. One pass for every label.
    wanted = [f"{r.label} {rules[r.label][0][0]}" for r in labels if r.label in rules]
    found = con.execute(
        "WITH pick AS (SELECT f.label AS label, filename AS pick_file, row AS pick_row"
        f" FROM ({_MISTAKE_FINDINGS})"
        " WHERE f.kind = 'mistake' AND f.start IS NOT NULL AND list_contains(mistakes, f.label)"
        " AND list_contains(?, f.label || ' ' || f.code) QUALIFY row_number() OVER"
        " (PARTITION BY f.label ORDER BY abs(size - 160), filename, row) = 1)"
        f" SELECT pick.label, {_EXAMPLE_COLUMNS} FROM replies JOIN pick ON row = pick_row"
        " AND filename IS NOT DISTINCT FROM pick_file",
        [wanted],
    ).fetchall()
    examples = {row[0]: row[1:] for row in found}
    out = []
    for rate in labels:
        if rate.label not in examples:
            continue  # the label came from the learned model without a rule finding
        row = examples[rate.label]
        code = rules[rate.label][0][0]
        example = _example(row)
        finding = next(f for f in row[9] if f["code"] == code and f.get("start") is not None)
        out.append(
            FrequentMistake(
                label=rate.label,
                count=rate.count,
                rate=rate.rate,
                rules=tuple(rules[rate.label]),
                example=example,
                match=finding.get("match"),
                message=finding.get("message") or "",
                suggestions=tuple(finding.get("suggestions") or ()),
                rewrite=rewrite(example.text, example.customer) if rewrite else None,
            )
        )
    return tuple(out)


def _recurring(
    con: duckdb.DuckDBPyConnection, present: Sequence[str], grain: str | None, top: int
) -> Recurring:
    causes = []
    rows = con.execute(
        "SELECT coalesce(cause, 'unknown') AS c, count(*), count(score),"
        " count(*) FILTER (WHERE score IS NOT NULL AND len(mistakes) > 0)"
        " FROM replies GROUP BY c ORDER BY count(*) DESC"
    ).fetchall()
    order = {c: i for i, c in enumerate(CAUSES)}
    for cause, replies, scored, with_mistake in sorted(rows, key=lambda r: order.get(r[0], 99)):

        def ranked(column: str, cause: str = cause) -> tuple[tuple[str, int], ...]:
            found = con.execute(
                f"SELECT label, count(*) AS n FROM (SELECT unnest({column}) AS label FROM replies"
                " WHERE score IS NOT NULL AND coalesce(cause, 'unknown') = ?)"
                " GROUP BY label ORDER BY n DESC, label LIMIT 3",
                [cause],
            ).fetchall()
            return tuple((label, n) for label, n in found)

        causes.append(
            CauseRow(
                cause=cause,
                replies=replies,
                scored=scored,
                mistake_rate=with_mistake / scored if scored else None,
                mistakes=ranked("mistakes"),
                missing=ranked("missing"),
            )
        )
    owner = next((d for d in _OWNERS if d in present), None)
    repeats: list[Recurrence] = []
    if owner:
        period = f"count(DISTINCT date_trunc('{grain}', timestamp))" if grain else "NULL"
        found = con.execute(
            f"WITH scored AS (SELECT * FROM replies WHERE score IS NOT NULL AND {owner} IS NOT"
            f" NULL), sizes AS (SELECT {owner} AS value, count(*) AS scored FROM scored GROUP BY"
            f" value) SELECT m.value, m.mistake, count(*) AS n, any_value(s.scored), {period}"
            f" FROM (SELECT {owner} AS value, unnest(mistakes) AS mistake, timestamp FROM scored)"
            " m JOIN sizes s USING (value) GROUP BY m.value, m.mistake HAVING count(*) >= ?"
            " ORDER BY n DESC, m.value, m.mistake LIMIT ?",
            [RECURRING_MIN, top],
        ).fetchall()
        repeats = [Recurrence(owner, v, m, n, s, p) for v, m, n, s, p in found]
    (left_out,) = _one(con, "SELECT count(*) FROM replies WHERE score IS NULL")
    return Recurring(tuple(causes), owner, tuple(repeats), left_out)


def summarize(
    path: str | Path,
    *,
    rewrite: Rewriter | None = None,
    examples: int = EXAMPLES,
    top: int = 10,
) -> Summary:
    """The report's figures for the score output at ``path`` (see ``connect``).

    ``rewrite(text, customer)`` gives the suggested rewrite of each frequent mistake's example
    (``coach_rewrite`` does it with ``amends.coach``; None leaves the rule's suggestions only).
    """
    con = connect(path)
    try:
        scores = _scores(con)
        if not scores.replies:
            raise ReportError(f"{path}: no replies in it; nothing to report on")
        coverage = _coverage(con, scores)
        present = _present(con)
        grain = _grain(con)
        worst, best = _extremes(con, examples)
        versions = con.execute(
            "SELECT coalesce(rules_version, ''), coalesce(model_version, ''), count(*) AS n"
            " FROM replies GROUP BY ALL ORDER BY n DESC"
        ).fetchall()
        return Summary(
            source=str(path),
            replies=scores.replies,
            present=present,
            absent=tuple(d for d in DIMENSIONS if d not in present),
            versions=tuple((r, m, n) for r, m, n in versions),
            scores=scores,
            coverage=coverage,
            breakdowns=tuple(_breakdown(con, d) for d in present),
            trend=_trend(con, grain) if grain else None,
            worst=worst,
            best=best,
            frequent=_frequent(con, coverage, rewrite, top),
            recurring=_recurring(con, present, grain, top),
            unfinished=unfinished_runs(Path(path)) if Path(path).is_dir() else (),
        )
    finally:
        con.close()


def coach_rewrite(text: str, customer: str | None) -> str | None:
    """The reply as ``amends.coach`` fixes it, or None when the coach leaves it as it is."""
    from ..coach import coach  # the coach's data loads only when a report asks for rewrites

    improved = coach(text, customer).improved
    return improved if improved != text else None


__all__ = [
    "DIMENSIONS",
    "ReportError",
    "Summary",
    "coach_rewrite",
    "connect",
    "summarize",
]
