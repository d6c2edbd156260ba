"""Time and peak memory of ``amends.batch.report.summarize`` on a large score output, next to
a peer in the same run: DuckDB reading every column the report reads once
(``SELECT ... FROM replies`` fully consumed), the least any report over the file must do.

The output is built by repeating a scored Parquet file (``--source``, the output of amends
score on the corpus) up to ``--rows`` rows, in row groups, without holding it in memory.

    .venv/bin/python benchmarks/bench_report.py --source scored.parquet [--rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from amends.batch.report import connect, summarize


def build(source: Path, rows: int, out: Path) -> None:
    table = pq.read_table(source)
    with pq.ParquetWriter(out, table.schema) as writer:
        written = 0
        while written < rows:
            part = table.slice(0, min(len(table), rows - written))
            offset = pa.array(range(written, written + len(part)), pa.int64())
            writer.write_table(part.set_column(0, table.schema.field(0), offset))
            written += len(part)


def scan(path: Path) -> None:
    con = connect(path)
    reader = con.sql(
        "SELECT score, components, mistakes, missing, company, agent, team, channel,"
        " timestamp, cause, findings FROM replies"
    ).to_arrow_reader(100_000)
    for _ in reader:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "big.parquet"
        build(args.source, args.rows, big)
        size = big.stat().st_size / 2**20
        timings, peaks = {}, {}
        # the report first: the peak memory after it is the report's own
        for name, run in (("report", lambda: summarize(big)), ("scan", lambda: scan(big))):
            start = time.perf_counter()
            run()
            timings[name] = time.perf_counter() - start
            peaks[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.rows:,} rows, {size:,.0f} MiB of Parquet")
    print(f"scan of the columns read:  {timings['scan']:.2f} s")
    print(f"summarize (no rewrites):   {timings['report']:.2f} s")
    print(f"ratio report / scan:       {timings['report'] / timings['scan']:.2f}")
    print(
        f"peak memory after the report: {peaks['report']:,.0f} MiB (after the scan too:"
        f" {peaks['scan']:,.0f} MiB)"
    )


if __name__ == "__main__":
    main()
