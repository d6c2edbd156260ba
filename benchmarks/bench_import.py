"""``amends import`` of ``twcs_5k.csv`` into a new store, against analysing the same replies in
process.

Each pass imports the whole file into an empty store (a new SQLite file; with
``AMENDS_TEST_POSTGRES_URL`` set, also the PostgreSQL database it names, emptied first) and
times it; the peer, in the same run and taking turns with it, is ``analyze(reply, customer)``
over the same agent messages with the same customer messages, in process and storing nothing.
The ratio of analysed replies per second, import / in process, is what reading the file,
rebuilding threads and writing the rows costs on top of the analysis. A last pass imports the
file again into the full store: everything is skipped.

    .venv/bin/python benchmarks/bench_import.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from corpus import CORPUS
from sqlalchemy import text

from amends import get_analyzer
from amends.store import import_file, make_engine, upgrade
from amends.store.importers import twcs
from amends.store.models import Base

FILE = CORPUS / "twcs_5k.csv"


def pairs() -> list[tuple[str, str | None]]:
    """The agent messages of the file and the customer message each answers, as the import
    reads them."""
    with FILE.open("rb") as stream:
        parsed = twcs.read(stream)
    found = []
    for conversation in parsed.conversations:
        by_id = {m.external_id: m for m in conversation.messages}
        for message in conversation.messages:
            if message.role != "agent":
                continue
            parent = by_id.get(message.in_reply_to or "")
            while parent is not None and parent.role != "customer":
                parent = by_id.get(parent.in_reply_to or "")
            found.append((message.text, parent.text if parent else None))
    return found


def in_process(replies: list[tuple[str, str | None]]) -> float:
    analyzer = get_analyzer()
    start = time.perf_counter()
    for reply, customer in replies:
        analyzer.analyze(reply, customer)
    return time.perf_counter() - start


def empty_postgres(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    engine.dispose()


def import_once(url: str) -> tuple[float, int, int]:
    engine = make_engine(url)
    summary = import_file(FILE, engine)
    engine.dispose()
    return summary.seconds, summary.read, summary.analysed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not FILE.is_file():
        print(f"benchmark skipped: {FILE} is not here (the shared corpus)")
        return 0
    replies = pairs()
    postgres = os.environ.get("AMENDS_TEST_POSTGRES_URL")
    in_process(replies[:200])  # warm-up: rules loaded, caches filled
    times: dict[str, list[float]] = {"in process": [], "sqlite": []}
    if postgres:
        times["postgresql"] = []
    rows = analysed = 0
    with tempfile.TemporaryDirectory() as folder:
        for n in range(args.repeat):
            times["in process"].append(in_process(replies))
            seconds, rows, analysed = import_once(f"sqlite:///{Path(folder) / f'{n}.db'}")
            times["sqlite"].append(seconds)
            if postgres:
                empty_postgres(postgres)
                times["postgresql"].append(import_once(postgres)[0])
        again = {"sqlite": import_once(f"sqlite:///{Path(folder) / '0.db'}")[0]}
        if postgres:
            again["postgresql"] = import_once(postgres)[0]
    assert analysed == len(replies), (analysed, len(replies))
    print(f"{FILE.name}: {rows} rows, {analysed} agent messages analysed; {args.repeat} passes")
    print(f"{'':28} {'median s':>9} {'rows/s':>9} {'replies/s':>10} {'ratio':>6}")
    base = statistics.median(times["in process"])
    for name, spent in times.items():
        median = statistics.median(spent)
        per_row = f"{rows / median:9,.0f}" if name != "in process" else f"{'':>9}"
        label = "analyze() in process" if name == "in process" else f"import into {name}"
        print(f"{label:28} {median:9.2f} {per_row} {analysed / median:10,.0f} {base / median:6.2f}")
    for name, seconds in again.items():
        print(f"{'import again into ' + name:28} {seconds:9.2f} {rows / seconds:9,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
