"""``amends score`` with 1 and 2 workers and Spark local[1] and local[2], against the in-process
``amends.analyze`` rate measured in the same run, on a file built from the corpus replies.

The file (JSONL: id, text, customer where the corpus has it, company, timestamp) is built under
/tmp from the corpus replies, repeated to ``--rows`` (the issue asks for 1M; on a loaded 2-core
machine that is ~40 minutes a run, so pass fewer and say so). Each command runs as a
subprocess under a small launcher that reports wall time and the peak resident memory of the
largest process it waited for (``RUSAGE_CHILDREN``: the main process or one worker; for Spark
the Python driver only, the JVM and its Python workers are not counted) and the CPU seconds of
all of them (for Spark: the driver's only). The peer,
``amends.analyze`` in one process over the same rows (read with ``json.loads``, no output),
runs between the others so machine noise hits both.

    .venv/bin/python benchmarks/bench_score.py [--rows 1000000] [--spark/--no-spark]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench_batch import amends_command
from corpus import corpus_or_exit, load_replies

PEER = """
import json, sys
from amends import get_analyzer
analyzer = get_analyzer()
with open(sys.argv[1], encoding="utf-8") as rows:
    for line in rows:
        row = json.loads(line)
        analyzer.analyze(row["text"], row.get("customer"))
"""


LAUNCHER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "peak": usage.ru_maxrss / 1024,
                  "cpu": usage.ru_utime + usage.ru_stime, "code": done.returncode,
                  "errors": done.stderr.decode(errors="replace")[-2000:]}))
"""


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak resident memory (MB) of the largest process waited for, and the CPU
    seconds of all of them, for one run of ``command`` (as bench_batch.timed, plus CPU time:
    on a machine shared with other work, rows per CPU second shows the overhead that the wall
    time hides)."""
    report = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], capture_output=True, text=True, check=True
    )
    result = json.loads(report.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{' '.join(command)} exited {result['code']}: {result['errors']}")
    return result["seconds"], result["peak"], result["cpu"]


def build_file(path: Path, rows: int) -> None:
    replies = load_replies()
    with path.open("w", encoding="utf-8") as out:
        for n in range(rows):
            reply = replies[n % len(replies)]
            row = {
                "id": f"row-{n + 1}",
                "text": reply.text,
                "company": reply.source,
                "timestamp": f"2026-11-{n % 28 + 1:02d}T{n % 24:02d}:15:00Z",
            }
            if reply.customer:
                row["customer"] = reply.customer
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--spark", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    corpus_or_exit()
    with tempfile.TemporaryDirectory(prefix="amends-bench-score-", dir="/tmp") as folder:
        source = Path(folder) / "replies.jsonl"
        build_file(source, args.rows)
        cli = amends_command()

        def score(*options: str) -> list[str]:
            out = Path(folder) / "out.parquet"
            return [*cli, "score", str(source), "--out", str(out), "--no-resume", *options]

        commands = {
            "in-process amends.analyze (peer)": [sys.executable, "-c", PEER, str(source)],
            "amends score --workers 1": score("--workers", "1"),
            "amends score --workers 2": score("--workers", "2"),
        }
        if args.spark:
            for n in (1, 2):
                commands[f"amends score --engine spark local[{n}]"] = score(
                    "--engine", "spark", "--master", f"local[{n}]"
                )
        print(
            f"input: {args.rows:,} rows ({source.stat().st_size / 1e6:.1f} MB) from the corpus "
            f"replies; {os.cpu_count()} cores (shared with other work: the rates move with "
            "their load)"
        )
        rates: dict[str, float] = {}
        for name, command in commands.items():
            wall, peak, cpu = timed(command)
            rates[name] = args.rows / wall
            print(
                f"{name:<42} {rates[name]:>8,.0f} rows/s   {wall:>7.1f} s   "
                f"{args.rows / cpu:>8,.0f} rows per CPU second   peak {peak:,.0f} MB"
            )
            sys.stdout.flush()
        peer = rates["in-process amends.analyze (peer)"]
        for name, rate in rates.items():
            if name.startswith("amends score"):
                workers = 2 if name.endswith(("2", "local[2]")) else 1
                print(f"{name:<42} {rate / (peer * workers):.2f} of the in-process rate per core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
