"""Throughput of ``amends.promises.extract_promises`` on the real agent replies, next to
``amends.analyze`` on the same replies in the same run.

Both run over the same texts in the same process, in alternating passes after one warm-up pass
each, so machine noise hits both; it prints messages/second (median and best pass) and the ratio
promises / analyze (above 1.0 extraction is the faster of the two).

    .venv/bin/python benchmarks/bench_promises.py [--repeat 5] [--limit N]

Then the cost of the vague-promise note (P001) in ``analyze``: the same replies analysed with the
note and its keyword prefilter (the shipped path), with the note and no prefilter (extraction on
every reply), and without the note, in alternating passes; it prints the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from corpus import load_replies

import amends
from amends.analyzer import Analyzer
from amends.model import Config
from amends.notes import VaguePromises
from amends.promises import extract_promises, promise_rules


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    texts = [r.text for r in load_replies()][: args.limit]
    at = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)

    def run_promises() -> None:
        for text in texts:
            extract_promises(text, at, "Europe/London")

    def run_analyze() -> None:
        for text in texts:
            amends.analyze(text)

    contenders: dict[str, Callable[[], None]] = {
        "extract_promises(reply)": run_promises,
        "amends.analyze(reply)": run_analyze,
    }
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for run in contenders.values():
        run()  # warm-up: data files, caches
    for _ in range(args.repeat):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            rates[name].append(len(texts) / (time.perf_counter() - start))
    found = sum(len(extract_promises(t, at, "Europe/London")) for t in texts)
    print(f"{len(texts)} replies, {found} promises; {args.repeat} passes each, alternating")
    for name, values in rates.items():
        print(f"  {name:26} {statistics.median(values):9,.0f} msg/s (best {max(values):,.0f})")
    ratio = statistics.median(rates["extract_promises(reply)"]) / statistics.median(
        rates["amends.analyze(reply)"]
    )
    print(f"  ratio promises / analyze: {ratio:.2f}")
    note_cost(texts, args.repeat)
    return 0


def note_cost(texts: Sequence[str], repeat: int) -> None:
    """analyze with the P001 note (prefilter on, off) against analyze without it."""
    shipped = Analyzer(Config())
    plain = Analyzer(Config())
    plain.vague_promises = VaguePromises(replace(promise_rules(), prefilter=None))
    without = Analyzer(Config(ignore=("P001",)))
    contenders = {"with note, prefilter": shipped, "with note, no prefilter": plain,
                  "without note": without}  # fmt: skip
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for analyzer in contenders.values():
        for text in texts:
            analyzer.analyze(text)
    for _ in range(repeat):
        for name, analyzer in contenders.items():
            start = time.perf_counter()
            for text in texts:
                analyzer.analyze(text)
            rates[name].append(len(texts) / (time.perf_counter() - start))
    passed = sum(promise_rules().may_promise(t) for t in texts)
    print(f"P001 in analyze: the prefilter passes {passed} of {len(texts)} replies "
          f"({passed / len(texts):.0%})")  # fmt: skip
    median = {name: statistics.median(values) for name, values in rates.items()}
    for name, value in median.items():
        print(f"  analyze, {name:24} {value:9,.0f} msg/s (best {max(rates[name]):,.0f})")
    base = median["without note"]
    for name in ("with note, prefilter", "with note, no prefilter"):
        print(f"  ratio ({name}) / (without note): {median[name] / base:.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
