"""Throughput of ``amends.promises.extract_promises`` on the real agent replies, next to
``amends.analyze`` on the same replies in the same run.

Both run over the same texts in the same process, in alternating passes after one warm-up pass
each, so machine noise hits both; it prints messages/second (median and best pass) and the ratio
promises / analyze (above 1.0 extraction is the faster of the two).

    .venv/bin/python benchmarks/bench_promises.py [--repeat 5] [--limit N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from corpus import load_replies

import amends
from amends.promises import extract_promises


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
