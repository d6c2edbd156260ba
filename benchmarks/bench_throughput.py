"""Throughput of ``amends.analyze`` on the real agent replies, against VADER in the same run.

VADER's ``SentimentIntensityAnalyzer().polarity_scores`` is a lexicon analyzer people run at
scale; amends should be at least as fast while finding all 19 labels with spans and a score.
Both run over the same texts in the same process, in alternating passes, so machine noise hits
both; the first pass of each is a warm-up and is not counted.

    .venv/bin/python benchmarks/bench_throughput.py [--repeat 7] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from corpus import Reply, load_replies


def measure(
    contenders: dict[str, Callable[[], None]], texts: int, repeat: int
) -> dict[str, list[float]]:
    """Texts per second of each contender, ``repeat`` counted passes each, interleaved."""
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for run in contenders.values():  # warm-up: imports, caches, compiled patterns
        run()
    for _ in range(repeat):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            rates[name].append(texts / (time.perf_counter() - start))
    return rates


def _line(name: str, rates: Sequence[float]) -> str:
    return (
        f"{name:<34} median {statistics.median(rates):>8,.0f} texts/s"
        f"   best {max(rates):>8,.0f} texts/s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="counted passes per contender")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N replies")
    args = parser.parse_args(argv)

    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        print("benchmark skipped: vaderSentiment is not installed (pip install -e '.[test]')")
        return 0
    import amends

    replies: list[Reply] = load_replies()
    if args.limit:
        replies = replies[: args.limit]
    texts = [r.text for r in replies]
    pairs = [(r.text, r.customer) for r in replies]
    threaded = sum(1 for r in replies if r.customer)
    vader = SentimentIntensityAnalyzer()
    analyze = amends.analyze
    scores = vader.polarity_scores

    def run_amends() -> None:
        for text in texts:
            analyze(text)

    def run_amends_customer() -> None:
        for text, customer in pairs:
            analyze(text, customer)

    def run_vader() -> None:
        for text in texts:
            scores(text)

    print(
        f"corpus: {len(texts):,} agent replies from {len({r.source for r in replies})} files, "
        f"mean {statistics.mean(len(t) for t in texts):.0f} characters; "
        f"{threaded:,} with the customer's message"
    )
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{args.repeat} counted passes each after one warm-up pass"
    )
    rates = measure(
        {
            "amends.analyze(reply)": run_amends,
            "amends.analyze(reply, customer)": run_amends_customer,
            "vader.polarity_scores(reply)": run_vader,
        },
        len(texts),
        args.repeat,
    )
    for name, values in rates.items():
        print(_line(name, values))
    vader_median = statistics.median(rates["vader.polarity_scores(reply)"])
    vader_best = max(rates["vader.polarity_scores(reply)"])
    for name in ("amends.analyze(reply)", "amends.analyze(reply, customer)"):
        print(
            f"ratio {name} / vader: median {statistics.median(rates[name]) / vader_median:.2f}"
            f"   best {max(rates[name]) / vader_best:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
