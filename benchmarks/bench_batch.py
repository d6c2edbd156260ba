"""End-to-end ``amends analyze FILE --format jsonl`` on a 30,000-row file, against raw JSON I/O.

The file is built in a temporary folder from the real corpus replies, repeated, each row with an
id and the customer's message where the corpus has one. The real CLI runs as a subprocess; the
peer, in the same run, is a plain ``python -c`` loop that parses and dumps the same rows, so the
ratio shows what the analysis costs over reading and writing JSON. Peak memory is the child's
maximum resident set size, ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, read in a small
launcher process started for each run: a child forked from this script would count this script's
memory too, and one run's peak would mask the next one's.

    .venv/bin/python benchmarks/bench_batch.py [--rows 30000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from corpus import REPO, load_replies

PEER = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as rows, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in rows:
        if line.strip():
            out.write(json.dumps(json.loads(line), ensure_ascii=False) + "\\n")
"""


def build_file(path: Path, rows: int) -> None:
    replies = load_replies()
    with path.open("w", encoding="utf-8") as out:
        for n in range(rows):
            reply = replies[n % len(replies)]
            row = {"id": f"row-{n + 1}", "text": reply.text}
            if reply.customer:
                row["customer"] = reply.customer
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def amends_command() -> list[str]:
    """The installed console script next to this interpreter, as a user would run it."""
    beside = Path(sys.executable).with_name("amends")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("amends") or str(REPO / ".venv" / "bin" / "amends")
    return [found]


LAUNCHER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: kilobytes
print(json.dumps({"seconds": seconds, "peak": peak, "code": done.returncode,
                  "errors": done.stderr.decode(errors="replace")[-2000:]}))
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one run of ``command``; fails loudly."""
    report = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], capture_output=True, text=True, check=True
    )
    result = json.loads(report.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{' '.join(command)} exited {result['code']}: {result['errors']}")
    return result["seconds"], result["peak"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="amends-bench-") as folder:
        source = Path(folder) / "replies.jsonl"
        build_file(source, args.rows)
        tiny = Path(folder) / "one.jsonl"
        tiny.write_text(source.read_text(encoding="utf-8").split("\n", 1)[0] + "\n")
        out = Path(folder) / "out.jsonl"
        cli = amends_command()
        analyse = [*cli, "analyze", str(source), "--format", "jsonl", "-o", str(out)]
        commands = {
            "amends analyze --format jsonl": analyse,
            "python -c json parse + dump": [sys.executable, "-c", PEER, str(source), str(out)],
        }
        startup = [*cli, "analyze", str(tiny), "--format", "jsonl", "-o", str(out)]
        print(
            f"input: {args.rows:,} rows ({source.stat().st_size / 1e6:.1f} MB) from the corpus "
            f"replies; {os.cpu_count()} cores; {args.repeat} runs each, interleaved"
        )
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[float]] = {name: [] for name in commands}
        starts = []
        for _ in range(args.repeat):
            for name, command in commands.items():
                wall, peak = timed(command)
                seconds[name].append(wall)
                peaks[name].append(peak)
                if name.startswith("amends"):
                    lines = out.read_text(encoding="utf-8").splitlines()
                    if len(lines) != args.rows or any('"error"' in line[:12] for line in lines):
                        raise SystemExit("amends analyze did not answer every row")
            starts.append(timed(startup)[0])
        for name in commands:
            best = min(seconds[name])
            print(
                f"{name:<30} median {args.rows / statistics.median(seconds[name]):>8,.0f} rows/s"
                f"   best {args.rows / best:>8,.0f} rows/s   ({best:.2f} s)"
                f"   peak {max(peaks[name]):,.0f} MB"
            )
        print(f"amends analyze start-up (1 row): median {statistics.median(starts):.2f} s")
        ours, peer = (statistics.median(v) for v in seconds.values())
        print(f"ratio amends / raw JSON I/O rows/s: {peer / ours:.3f} ({ours / peer:.0f}x slower)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
