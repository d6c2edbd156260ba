"""Throughput of ``amends.analyze`` on the real agent replies, against VADER in the same run.

VADER's ``SentimentIntensityAnalyzer().polarity_scores`` is a lexicon analyzer people run at
scale; amends should be at least as fast while finding all 19 labels with spans and a score.
Both run over the same texts in the same process, in alternating passes, so machine noise hits
both; the first pass of each is a warm-up and is not counted.

    .venv/bin/python benchmarks/bench_throughput.py [--repeat 7] [--limit N] [--against REV]

``--against REV`` also runs the engine of git revision ``REV`` (with that revision's rules and
data), loaded as a second package, in the same alternating passes: the ratio new / old is what
an engine change costs or saves, with the machine's noise shared by both. It then also has the
two take turns every ``--chunk`` replies (default 500) over the corpus, ``--repeat`` times, and
prints the median of the paired time ratios: on a shared machine whose load changes from one
pass to the next, the steadiest figure.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from corpus import REPO, Reply, load_replies


def package_at(rev: str) -> ModuleType:
    """The ``amends`` package of git revision ``rev``, imported under another name.

    Its files are taken from git into a temporary folder and renamed ``amends_<rev>``; it reads
    the rules and data of that revision (``resources.files`` is pointed at the copy).
    """
    commit = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    name = f"amends_{commit}"
    archive = subprocess.run(
        ["git", "archive", commit, "src/amends"], cwd=REPO, capture_output=True, check=True
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="amends-bench-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / name
    (folder / "src" / "amends").rename(package)
    for path in package.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        path.write_text(
            source.replace('resources.files("amends")', f'resources.files("{name}")'),
            encoding="utf-8",
        )
    sys.path.insert(0, str(folder))
    return importlib.import_module(name)


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


def paired_chunks(
    new: Callable[[str, str | None], object],
    old: Callable[[str, str | None], object],
    items: Sequence[tuple[str, str | None]],
    chunk: int,
    repeat: int,
) -> list[float]:
    """Time ratios new / old, the two taking turns on each chunk of ``items`` (who goes first
    alternates), ``repeat`` passes over ``items``. CPU time of this process: time spent waiting
    for a core another process holds is not counted."""
    ratios = []
    for turn in range(repeat):
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            seconds = {}
            order = (("new", new), ("old", old)) if turn % 2 == 0 else (("old", old), ("new", new))
            for name, analyze in order:
                began = time.process_time()
                for text, customer in part:
                    analyze(text, customer)
                seconds[name] = time.process_time() - began
            ratios.append(seconds["new"] / seconds["old"])
    return ratios


def _line(name: str, rates: Sequence[float]) -> str:
    return (
        f"{name:<34} median {statistics.median(rates):>8,.0f} texts/s"
        f"   best {max(rates):>8,.0f} texts/s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="counted passes per contender")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N replies")
    parser.add_argument(
        "--against", metavar="REV", help="also run the engine of this git revision, alternating"
    )
    parser.add_argument("--chunk", type=int, default=500, help="replies per turn with --against")
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
    # the real-time path can switch the learned layer off: the rules alone
    rules_only = amends.get_analyzer(amends.Config(model=False)).analyze

    def run_amends() -> None:
        for text in texts:
            analyze(text)

    def run_amends_customer() -> None:
        for text, customer in pairs:
            analyze(text, customer)

    def run_rules() -> None:
        for text in texts:
            rules_only(text)

    def run_rules_customer() -> None:
        for text, customer in pairs:
            rules_only(text, customer)

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
    contenders = {
        "amends.analyze(reply)": run_amends,
        "amends.analyze(reply, customer)": run_amends_customer,
        "rules alone (model=False): reply": run_rules,
        "rules alone (model=False): reply, customer": run_rules_customer,
        "vader.polarity_scores(reply)": run_vader,
    }
    if args.against:
        old = package_at(args.against)
        old_analyze = old.analyze

        def run_old() -> None:
            for text in texts:
                old_analyze(text)

        def run_old_customer() -> None:
            for text, customer in pairs:
                old_analyze(text, customer)

        contenders["old: analyze(reply)"] = run_old
        contenders["old: analyze(reply, customer)"] = run_old_customer
        print(f"old engine: {old.__name__} (git {args.against})")
    rates = measure(contenders, len(texts), args.repeat)
    for name, values in rates.items():
        print(_line(name, values))
    if args.against:
        for new, old_name in (
            ("amends.analyze(reply)", "old: analyze(reply)"),
            ("amends.analyze(reply, customer)", "old: analyze(reply, customer)"),
        ):
            paired = [n / o for n, o in zip(rates[new], rates[old_name], strict=True)]
            print(
                f"ratio {new} new / old: median of paired passes "
                f"{statistics.median(paired):.3f}, of medians "
                f"{statistics.median(rates[new]) / statistics.median(rates[old_name]):.3f}, "
                f"best {max(rates[new]) / max(rates[old_name]):.3f}"
            )
        for label, items in (("reply", [(t, None) for t in texts]), ("reply, customer", pairs)):
            ratios = paired_chunks(amends.analyze, old_analyze, items, args.chunk, args.repeat)
            print(
                f"paired chunks of {args.chunk} ({label}): time new / old median "
                f"{statistics.median(ratios):.3f} over {len(ratios)} chunks "
                f"(quartiles {statistics.quantiles(ratios, n=4)[0]:.3f}"
                f"-{statistics.quantiles(ratios, n=4)[2]:.3f})"
            )
    vader_median = statistics.median(rates["vader.polarity_scores(reply)"])
    vader_best = max(rates["vader.polarity_scores(reply)"])
    for name in (
        "amends.analyze(reply)",
        "amends.analyze(reply, customer)",
        "rules alone (model=False): reply",
        "rules alone (model=False): reply, customer",
    ):
        print(
            f"ratio {name} / vader: median {statistics.median(rates[name]) / vader_median:.2f}"
            f"   best {max(rates[name]) / vader_best:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
