"""``amends score``: every reply of a file scored on all cores, into Parquet or JSONL, in a run
that can be killed at any moment and resumed without losing or repeating a row.

How: the main process streams the input into chunks of ``chunk_rows`` items (replies and
rejected rows) and hands them to worker processes, a few at a time so memory stays flat.
Each worker loads the rules once, scores a chunk and writes it as one part file (and the
chunk's rejects), each under a temporary name renamed into place when complete. The main
process then appends the chunk to ``done.jsonl`` in the work folder ``OUTPUT.parts/``. A
resumed run reads the input again (chunking is deterministic), skips the chunks that file
lists and scores the rest. When every chunk is done, the parts are joined in input order
into ``OUTPUT`` (renamed into place) and the rejects into the rejects file, and the work
folder is removed. Reading is cheap next to scoring, so the skip costs little.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..analyzer import Analyzer, get_analyzer
from ..model import SCHEMA_VERSION, Config
from .schema import SCHEMA, Rows, table

if TYPE_CHECKING:
    # the readers import the store's importers (and SQLAlchemy with them): the main process
    # needs them, the workers, which only score, do not
    from .inputs import Fields, Item, Reading

OUTPUT_FORMATS = ("parquet", "jsonl")
CHUNK_ROWS = 2000
MANIFEST = "manifest.json"
_PART_SUFFIX = {"parquet": "arrow", "jsonl": "jsonl"}
_IPC = pa.ipc.IpcWriteOptions(compression="lz4")
DONE = "done.jsonl"


class ScoreError(ValueError):
    """The run cannot start or go on: what, where and what to do."""


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """What a run did. ``rows == scored + rejected``, always; ``context`` counts the messages
    read only as context (customer tweets and comments, internal notes)."""

    input: str
    input_format: str
    output: str
    output_format: str
    rejects: str
    rows: int
    scored: int
    rejected: int
    context: int
    chunks: int
    resumed_chunks: int  # done by an earlier, interrupted run
    workers: int
    seconds: float

    @property
    def balanced(self) -> bool:
        return self.rows == self.scored + self.rejected

    rows_this_run: int = 0  # the rows this run scored or rejected (not the resumed chunks')

    @property
    def rate(self) -> float:
        """Rows per second of this run."""
        return self.rows_this_run / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        context = f" ({self.context:,} messages read as context)" if self.context else ""
        resumed = (
            f"; resumed: {self.resumed_chunks} of {self.chunks} chunks were already done"
            if self.resumed_chunks
            else ""
        )
        return (
            f"{self.rows:,} input rows = {self.scored:,} scored + {self.rejected:,} rejected"
            f"{context}{resumed}"
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["rows_per_second"] = round(self.rate, 1)
        data["balanced"] = self.balanced
        return data


@dataclass(frozen=True, slots=True)
class Task:
    index: int
    items: list[Item]
    parts: str
    output_format: str


@dataclass(frozen=True, slots=True)
class ChunkDone:
    index: int
    rows: int
    scored: int
    rejected: int


# One analyzer per process: a worker loads the rules (and the model) once, in ``_start``.
_worker: dict[str, Any] = {}


def _start(config: Config | None, rules_version: str, promises: bool) -> None:
    _worker["analyzer"] = get_analyzer(config)
    _worker["rules_version"] = rules_version
    _worker["promises"] = promises
    # The rules, lexicons and model loaded above live as long as the process: frozen out of
    # the collector's sight, the full collections that a chunk's many small lists set off no
    # longer walk them (on 6,000 rows, building the rows went from 76 to 56 µs a row)
    gc.freeze()


def _reason(item: Item) -> str:
    """The reason without the "line N: " that the readers' messages start with."""
    return re.sub(rf"^(?:line|row) {item.row}: ", "", item.error or "unreadable")


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    write(temporary)
    os.replace(temporary, path)


def part_name(index: int, output_format: str) -> str:
    """A chunk's part: Arrow IPC for Parquet output (joined into Parquet at the end), JSONL."""
    return f"part-{index:07d}.{_PART_SUFFIX[output_format]}"


def rejects_name(index: int) -> str:
    return f"rejects-{index:07d}.jsonl"


def score_items(
    items: Iterable[Item], analyzer: Analyzer, rules_version: str, promises: bool = True
) -> tuple[pa.Table, list[dict[str, Any]]]:
    """The output rows (a table of ``SCHEMA``) of the items scored and the rejects (``line``,
    ``id``, ``reason``) of the others: the one scoring step of the local run and of Spark."""
    rows = Rows()
    rejects: list[dict[str, Any]] = []
    for item in items:
        if item.error is None:
            assert item.text is not None
            try:
                report = analyzer.analyze(item.text, item.customer)
            except (ValueError, TypeError) as exc:  # a specific message from analyze
                rejects.append({"line": item.row, "id": _id(item), "reason": str(exc)})
                continue
            model = f"{report.model[0]}+{report.model[1][:12]}" if report.model else ""
            meta = {**item.meta, "row": item.row, "customer": item.customer}
            rows.add(report, meta, rules_version, model, promises=promises)
        else:
            rejects.append({"line": item.row, "id": _id(item), "reason": _reason(item)})
    return rows.table(), rejects


def score_chunk(task: Task) -> ChunkDone:
    """Score one chunk and write its part and rejects (each renamed into place when whole)."""
    scored, rejects = score_items(
        task.items, _worker["analyzer"], _worker["rules_version"], _worker["promises"]
    )
    parts = Path(task.parts)

    def write_rejects(path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rejects)

    _replace_atomically(parts / rejects_name(task.index), write_rejects)

    def write_part(path: Path) -> None:
        if task.output_format == "parquet":
            # Arrow's own file format, not Parquet: the main process joins the parts into one
            # Parquet file, and reading Arrow back costs next to nothing where decoding Parquet's
            # nested columns again cost about a seventh of the analysis
            with (
                pa.OSFile(str(path), "wb") as sink,
                pa.ipc.new_file(sink, SCHEMA, options=_IPC) as out,
            ):
                out.write_table(scored)
        else:
            with path.open("w", encoding="utf-8") as out:
                out.writelines(
                    json.dumps(r, ensure_ascii=False, default=_json_default) + "\n"
                    for r in scored.to_pylist()
                )

    _replace_atomically(parts / part_name(task.index, task.output_format), write_part)
    return ChunkDone(task.index, len(task.items), scored.num_rows, len(rejects))


def _id(item: Item) -> str | None:
    value = item.meta.get("id")
    return None if value is None else str(value)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_rejects(output: Path) -> Path:
    """``scores.parquet`` -> ``scores.rejects.jsonl``."""
    return output.with_name(output.name.removesuffix(output.suffix) + ".rejects.jsonl")


def work_folder(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def _fingerprint(
    source: Path,
    input_format: str | None,
    output_format: str,
    fields: Fields,
    chunk_rows: int,
    promises: bool,
) -> dict[str, Any]:
    """What a resumed run must share with the run it carries on: the same input file, read the
    same way, cut into the same chunks, written the same way, by the same rules."""
    from ..store.version import rules_version

    stat = source.stat()
    return {
        "input": str(source.resolve()),
        "size": stat.st_size,
        "modified_ns": stat.st_mtime_ns,
        "input_format": input_format,
        "output_format": output_format,
        "fields": asdict(fields),
        "chunk_rows": chunk_rows,
        "promises": promises,
        "schema_version": SCHEMA_VERSION,
        "rules_version": rules_version(),
    }


def _prepare(parts: Path, fingerprint: dict[str, Any], resume: bool) -> dict[int, ChunkDone]:
    """The chunks an earlier run finished, after checking it was the same job; an empty work
    folder for a new run."""
    manifest = parts / MANIFEST
    if parts.exists() and resume and manifest.exists():
        try:
            earlier = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ScoreError(
                f"{manifest}: cannot read the earlier run's manifest ({exc}); pass --no-resume to "
                "start over"
            ) from exc
        changed = [name for name in fingerprint if earlier.get(name) != fingerprint[name]]
        if changed:
            raise ScoreError(
                f"{parts} holds an interrupted run with other settings ({', '.join(changed)} "
                "differ): pass --no-resume to start over, or run with the same input and options"
            )
        return _done_chunks(parts, fingerprint["output_format"])
    if parts.exists():
        shutil.rmtree(parts)
    parts.mkdir(parents=True)
    _replace_atomically(
        manifest, lambda path: path.write_text(json.dumps(fingerprint, indent=1), "utf-8")
    )
    return {}


def _done_chunks(parts: Path, output_format: str) -> dict[int, ChunkDone]:
    done: dict[int, ChunkDone] = {}
    path = parts / DONE
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:  # the last line, cut off when the run was killed
            continue
        chunk = ChunkDone(**data)
        if (parts / part_name(chunk.index, output_format)).exists():
            done[chunk.index] = chunk
    return done


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(islice(items, size)):
        yield chunk


Progress = Callable[[int, int, int], None]  # (rows done, input position, input total)


def score_file(
    source: str | Path,
    output: str | Path,
    *,
    input_format: str | None = None,
    output_format: str = "parquet",
    fields: Fields | None = None,
    workers: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    rejects: str | Path | None = None,
    resume: bool = True,
    config: Config | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    promises: bool = True,
    progress: Progress | None = None,
) -> ScoreSummary:
    """Score every reply of ``source`` into ``output`` (see the module's docstring); rejected
    rows go to ``rejects`` (default ``OUTPUT-stem.rejects.jsonl``) as ``{"line", "id",
    "reason"}``. Raises ``ScoreError`` (and ``InputError``) before anything is scored when the
    job cannot run."""
    started = time.perf_counter()
    source, output = Path(source), Path(output)
    if output_format not in OUTPUT_FORMATS:
        raise ScoreError(f"unknown output format {output_format!r}; use parquet or jsonl")
    if not source.is_file():
        raise ScoreError(f"{source}: no such file")
    if chunk_rows < 1:
        raise ScoreError(f"the chunk size must be at least 1 row, not {chunk_rows}")
    from .inputs import Fields, InputError, open_input

    fields = fields or Fields()
    workers = workers or default_workers()
    rejects_path = Path(rejects) if rejects else default_rejects(output)
    parts = work_folder(output)
    fingerprint = _fingerprint(source, input_format, output_format, fields, chunk_rows, promises)
    done = _prepare(parts, fingerprint, resume)
    resumed = len(done)
    try:
        chosen, reading = open_input(
            source, input_format, fields, encoding=encoding, delimiter=delimiter, work=parts
        )
    except (InputError, OSError) as exc:
        raise ScoreError(str(exc)) from exc
    rows_before = sum(c.rows for c in done.values())
    chunks = _run(
        reading, parts, done, output_format, chunk_rows, workers, config, promises, progress
    )
    _assemble(parts, chunks, output, output_format, rejects_path)
    shutil.rmtree(parts)
    finished = [done[index] for index in range(chunks)]
    rows = sum(c.rows for c in finished)
    summary = ScoreSummary(
        input=str(source),
        input_format=chosen,
        output=str(output),
        output_format=output_format,
        rejects=str(rejects_path),
        rows=rows,
        scored=sum(c.scored for c in finished),
        rejected=sum(c.rejected for c in finished),
        context=reading.context,
        chunks=chunks,
        resumed_chunks=resumed,
        workers=workers,
        seconds=time.perf_counter() - started,
        rows_this_run=rows - rows_before,
    )
    return summary


def _run(
    reading: Reading,
    parts: Path,
    done: dict[int, ChunkDone],
    output_format: str,
    chunk_rows: int,
    workers: int,
    config: Config | None,
    promises: bool,
    progress: Progress | None,
) -> int:
    """Score the chunks not ``done`` yet (adding them to it); the number of chunks."""
    from ..store.version import rules_version

    log = (parts / DONE).open("a", encoding="utf-8")
    rows_done = 0

    def finished(chunk: ChunkDone, position: int) -> None:
        nonlocal rows_done
        done[chunk.index] = chunk
        log.write(json.dumps(asdict(chunk)) + "\n")
        log.flush()
        os.fsync(log.fileno())
        rows_done += chunk.rows
        if progress:
            progress(rows_done, position, reading.total)

    tasks = (
        (index, Task(index, items, str(parts), output_format))
        for index, items in enumerate(_chunks(reading.items, chunk_rows))
    )
    count = 0
    with log:
        if workers == 1:
            # in this process: no pickling, and the one core reads and scores in turn
            _start(config, rules_version(), promises)
            for index, task in tasks:
                count = index + 1
                if index in done:
                    _check_same(done[index], task)
                    rows_done += len(task.items)
                    continue
                finished(score_chunk(task), reading.position())
            return count
        pool = ProcessPoolExecutor(
            workers,
            mp_context=get_context("spawn"),
            initializer=_start,
            initargs=(config, rules_version(), promises),
        )
        running: dict[Future[ChunkDone], int] = {}
        try:
            for index, task in tasks:
                count = index + 1
                if index in done:
                    _check_same(done[index], task)
                    rows_done += len(task.items)
                    continue
                # a bounded queue: at most two chunks a worker in flight, so memory stays flat
                while len(running) >= 2 * workers:
                    _collect(running, finished, FIRST_COMPLETED)
                running[pool.submit(score_chunk, task)] = reading.position()
            while running:
                _collect(running, finished, FIRST_COMPLETED)
        except BrokenProcessPool as exc:
            raise ScoreError(
                f"a worker process died ({exc}): out of memory, or killed; the chunks done are "
                f"kept in {parts}: run the same command again to resume (fewer --workers or a "
                "smaller --chunk-rows if memory ran out)"
            ) from exc
        finally:
            pool.shutdown(cancel_futures=True)
    return count


def _collect(
    running: dict[Future[ChunkDone], int],
    finished: Callable[[ChunkDone, int], None],
    when: str,
) -> None:
    complete, _ = wait(running, return_when=when)
    for future in complete:
        position = running.pop(future)
        finished(future.result(), position)


def _check_same(chunk: ChunkDone, task: Task) -> None:
    if chunk.rows != len(task.items):
        raise ScoreError(
            f"chunk {chunk.index} had {chunk.rows} rows in the interrupted run and has "
            f"{len(task.items)} now: the input changed; pass --no-resume to start over"
        )


def _assemble(
    parts: Path, chunks: int, output: Path, output_format: str, rejects_path: Path
) -> None:
    """Join the parts, in input order, into ``output`` and the rejects into their file."""
    if output_format == "parquet":
        import pyarrow.parquet as pq

        def write_parquet(path: Path) -> None:
            with pq.ParquetWriter(path, SCHEMA) as writer:
                for index in range(chunks):
                    with pa.memory_map(str(parts / part_name(index, "parquet"))) as part:
                        writer.write_table(pa.ipc.open_file(part).read_all())
                if not chunks:
                    writer.write_table(table([]))

        _replace_atomically(output, write_parquet)
    else:
        _replace_atomically(
            output,
            lambda path: _concatenate([parts / part_name(i, "jsonl") for i in range(chunks)], path),
        )
    _replace_atomically(
        rejects_path,
        lambda path: _concatenate([parts / rejects_name(i) for i in range(chunks)], path),
    )


def _concatenate(files: list[Path], path: Path) -> None:
    with path.open("wb") as out:
        for name in files:
            with name.open("rb") as part:
                shutil.copyfileobj(part, out)


__all__ = [
    "CHUNK_ROWS",
    "OUTPUT_FORMATS",
    "ScoreError",
    "ScoreSummary",
    "default_rejects",
    "default_workers",
    "score_file",
    "score_items",
]
