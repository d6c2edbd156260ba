"""The report's plots, drawn by matplotlib (Agg, no display needed) as inline SVG: the HTML
report opens without a network and the plots stay sharp when a manager zooms in.

matplotlib is the ``report`` extra: ``require`` says how to install it when it is missing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .report import FEW, Breakdown, Coverage, Period, ReportError, Scores, Trend

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Colours that stay apart for colour-blind readers (Okabe-Ito), the same as the page's marks.
COMPONENT = "#009E73"
MISTAKE = "#D55E00"
NEUTRAL = "#0072B2"
_PREAMBLE = re.compile(r"\A.*?(?=<svg)", re.S)


def require() -> None:
    """Raise ``ReportError`` with the command to run when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ReportError(
            "the HTML report draws its plots with matplotlib, which is not installed; run"
            " pip install 'amends[report]' (or use --format md or json, which need no plots)"
        ) from exc
    matplotlib.use("Agg")


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure  # no pyplot: no global state, no display

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure


def _svg(figure: Figure, salt: str) -> str:
    """The figure as an ``<svg>`` element to paste into a page: no XML preamble or DOCTYPE (it
    names a URL), no metadata, and ids salted per plot so two plots on a page never share one."""
    from matplotlib import rc_context

    out = io.StringIO()
    with rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        figure.savefig(
            out,
            format="svg",
            metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
        )
    return _PREAMBLE.sub("", out.getvalue(), count=1)


def _style(axes: Any) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)


def score_histogram(scores: Scores) -> str:
    figure = _figure(6.0, 2.4)
    axes = figure.add_subplot()
    labels = [f"{a}–{b - 1 if b < 100 else 100}" for a, b, _ in scores.histogram]
    axes.bar(labels, [n for *_, n in scores.histogram], color=NEUTRAL)
    axes.set_xlabel("score (0–100)", fontsize=8)
    axes.set_ylabel("replies", fontsize=8)
    _style(axes)
    return _svg(figure, "scores")


def label_rates(coverage: Coverage) -> str:
    """Share of the scored replies with each component (left) and each mistake (right)."""
    figure = _figure(7.5, 2.8)
    left, right = figure.subplots(1, 2)
    for axes, rates, colour, title in (
        (left, coverage.components, COMPONENT, "components present"),
        (right, coverage.mistakes, MISTAKE, "mistakes made"),
    ):
        names = [r.label.replace("_", " ") for r in rates][::-1]
        axes.barh(names, [100 * r.rate for r in rates][::-1], color=colour)
        axes.set_title(title, fontsize=9)
        axes.set_xlabel("% of scored replies", fontsize=8)
        axes.set_xlim(0, 100)
        _style(axes)
    return _svg(figure, "labels")


def group_rates(breakdown: Breakdown) -> str:
    """Mean score and mistake rate of each group shown; groups with few scored replies are
    drawn hatched, so a rate that one reply moves does not read like the others."""
    groups = [g for g in breakdown.groups if g.scored]
    figure = _figure(7.5, 0.6 + 0.28 * max(len(groups), 1))
    score_axes, mistake_axes = figure.subplots(1, 2, sharey=True)
    names = [g.value for g in groups][::-1]
    few = [g.few for g in groups][::-1]
    for axes, values, colour, title, limit in (
        (score_axes, [g.mean_score or 0 for g in groups][::-1], NEUTRAL, "mean score", 100),
        (
            mistake_axes,
            [100 * (g.mistake_rate or 0) for g in groups][::-1],
            MISTAKE,
            "% of scored replies with a mistake",
            100,
        ),
    ):
        bars = axes.barh(names, values, color=colour)
        for bar, thin in zip(bars, few, strict=True):
            if thin:
                bar.set_hatch("///")
                bar.set_alpha(0.45)
        axes.set_title(title, fontsize=9)
        axes.set_xlim(0, limit)
        _style(axes)
    return _svg(figure, f"group-{breakdown.dimension}")


def trend_lines(trend: Trend) -> str:
    """Mean score and mistake rate per period. Only periods with enough scored replies are
    joined by a line; the others are hollow points, so a month of three replies does not draw
    a spike, and a line never bridges months with no data."""
    periods = [p for p in trend.periods if p.scored]
    figure = _figure(7.5, 2.6)
    axes = figure.add_subplot()
    for colour, label, value in (
        (NEUTRAL, "mean score", lambda p: p.mean_score or 0.0),
        (MISTAKE, "% with a mistake", lambda p: 100 * (p.mistake_rate or 0.0)),
    ):
        _series(axes, periods, trend.grain, value, colour, label)
    axes.set_ylim(0, 100)
    axes.set_xlabel(f"{trend.grain} (UTC)", fontsize=8)
    axes.legend(fontsize=8, frameon=False, loc="upper left")
    figure.autofmt_xdate()
    _style(axes)
    return _svg(figure, "trend")


_GAP_DAYS = {"day": 1, "week": 7, "month": 31}


def _series(
    axes: Any,
    periods: Sequence[Period],
    grain: str,
    value: Callable[[Period], float],
    colour: str,
    label: str,
) -> None:
    run: list[Period] = []
    runs = [run]
    for p in periods:
        joined = run and (p.start - run[-1].start).days <= _GAP_DAYS[grain]
        if p.scored >= FEW and (joined or not run):
            run.append(p)
        elif p.scored >= FEW:
            run = [p]
            runs.append(run)
        else:
            run = []
            runs.append(run)
    for i, r in enumerate(x for x in runs if len(x) > 1):
        axes.plot(
            [p.start for p in r],
            [value(p) for p in r],
            color=colour,
            linewidth=1.2,
            label=label if i == 0 else None,
        )
    axes.scatter(
        [p.start for p in periods],
        [value(p) for p in periods],
        s=14,
        color=[colour if p.scored >= FEW else "white" for p in periods],
        edgecolors=colour,
        zorder=3,
        label=None if any(len(x) > 1 for x in runs) else label,
    )


_DRAWERS = {
    "scores": score_histogram,
    "labels": label_rates,
    "groups": group_rates,
    "trend": trend_lines,
}


def draw(kind: str, data: Any) -> str:
    """The plot ``kind`` (scores, labels, groups, trend) of ``data`` as an inline ``<svg>``."""
    return _DRAWERS[kind](data)
