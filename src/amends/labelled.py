"""The labelled sets amends is measured and trained on, by name.

Texts are never copied into this repository: the dev set and the pool live in the shared data
folder (``../shared/data``, or ``$AMENDS_DATA``), and the labels this project made for pool
replies (``labels/pool/*.jsonl``) hold ids and labels only, joined here with the pool's texts.
Cases the project wrote itself (``labels/written/*.jsonl``) carry their own text.

Names:

- ``dev``: ``dev_gold.jsonl``, the set the rules were written against;
- ``validation``: every labelled real reply whose id is in ``labels/splits/pool_validation.txt``
  (companies set aside whole, Mozilla's replies by reply) and the written cases listed there;
  never trained or tuned on;
- ``train``: every other labelled row of the pool and of ``labels/``;
- ``pool``: the 600 replies of ``pool/labelled.jsonl``; ``batchN``: one labelling batch of ours.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .model import LABELS

NAMES = ("dev", "validation", "train", "pool")  # and our batches: batch1, batch2, ...
DEV = "dev_gold.jsonl"
POOL_LABELLED = "pool/labelled.jsonl"
POOL_UNLABELLED = "pool/unlabelled.jsonl"


class MissingData(FileNotFoundError):
    """A labelled set needs files that are not here (the shared data folder, or ``labels/``)."""


def repo_root() -> Path | None:
    """The checkout this package runs from (it holds ``labels/``), or None when installed."""
    env = os.environ.get("AMENDS_REPO")
    if env:
        return Path(env)
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "labels" / "splits").is_dir() and (folder / "pyproject.toml").is_file():
                return folder
    return None


def data_dir() -> Path | None:
    """The shared data folder: ``$AMENDS_DATA``, else ``shared/data`` beside the checkout."""
    env = os.environ.get("AMENDS_DATA")
    candidates = [Path(env)] if env else []
    root = repo_root()
    if root is not None:
        candidates.append(root.parent / "shared" / "data")
    candidates.append(Path.cwd().resolve().parent / "shared" / "data")
    for candidate in candidates:
        if (candidate / DEV).is_file():
            return candidate
    return None


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc


def _need_data() -> Path:
    found = data_dir()
    if found is None:
        raise MissingData(
            "the shared data folder was not found: set AMENDS_DATA to the folder holding "
            f"{DEV} and pool/, or run from a checkout beside shared/data"
        )
    return found


def _need_root() -> Path:
    root = repo_root()
    if root is None:
        raise MissingData(
            "this set needs the repository's labels/ folder: run from a checkout of amends "
            "or set AMENDS_REPO"
        )
    return root


def validation_ids() -> frozenset[str]:
    path = _need_root() / "labels" / "splits" / "pool_validation.txt"
    return frozenset(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())


def _pool_texts() -> dict[str, dict[str, Any]]:
    data = _need_data()
    texts: dict[str, dict[str, Any]] = {}
    for name in (POOL_UNLABELLED, POOL_LABELLED):
        for row in _read_jsonl(data / name):
            texts[row["id"]] = {k: row[k] for k in ("id", "source", "company", "customer", "reply")}
    return texts


def own_batches() -> list[str]:
    """The names of this project's labelling batches, in order (``batch1``, ``batch2``, ...)."""
    root = repo_root()
    if root is None:
        return []
    names = {p.stem for sub in ("pool", "written") for p in (root / "labels" / sub).glob("*.jsonl")}
    return sorted(names, key=lambda n: (len(n), n))


def load_batch(name: str) -> list[dict[str, Any]]:
    """One of our labelling batches, texts joined from the pool where the file holds ids only."""
    root = _need_root()
    rows: list[dict[str, Any]] = []
    written = root / "labels" / "written" / f"{name}.jsonl"
    pooled = root / "labels" / "pool" / f"{name}.jsonl"
    if written.is_file():
        rows.extend(_read_jsonl(written))
    if pooled.is_file():
        texts = _pool_texts()
        for row in _read_jsonl(pooled):
            if row["id"] not in texts:
                raise ValueError(f"{pooled}: id {row['id']!r} is not in the pool")
            rows.append({**texts[row["id"]], **row})
    if not rows:
        raise MissingData(f"no labelling batch called {name!r} in {root / 'labels'}")
    for row in rows:
        row.setdefault("batch", name)
    return rows


def load(name: str) -> list[dict[str, Any]]:
    """A labelled set by name (see the module's docstring)."""
    if name == "dev":
        return list(_read_jsonl(_need_data() / DEV))
    if name == "pool":
        return list(_read_jsonl(_need_data() / POOL_LABELLED))
    if name in ("validation", "train"):
        held = validation_ids()
        rows = load("pool") + [r for b in own_batches() for r in load_batch(b)]
        keep = name == "validation"
        return [r for r in rows if (r["id"] in held) == keep]
    if name in own_batches():
        return load_batch(name)
    raise MissingData(
        f"no labelled set called {name!r}; expected dev, validation, train, pool"
        + "".join(f", {b}" for b in own_batches())
    )


def has_labels(row: dict[str, Any]) -> bool:
    """Whether a row carries at least one taxonomy label (a gold row, not a bare reply)."""
    return any(label in row for label in LABELS)


def is_name(name: str) -> bool:
    """Whether ``name`` names a labelled set (its data may still be absent)."""
    return name in NAMES or re.fullmatch(r"batch\d+", name) is not None or name in own_batches()
