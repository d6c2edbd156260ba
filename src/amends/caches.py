"""Memos: one bounded in-memory helper, and one kept between runs in the user's cache folder.

``Memo`` answers ``memo[key]`` from a dict and works out a missing answer with ``make(key)``; a
hit costs one dict lookup, as in the hand-written caches it replaces. It holds at most
``limit`` answers: when full it starts again empty, so a stream of distinct keys (adversarial
input) cannot grow it without bound while the few keys that recur are soon back.

``StoredMemo`` keeps what takes long to work out and never changes for a given key (what the
engine derives from a pattern's source) in a JSON file, so the next process reads it instead of
working it out again. The file's name holds a stamp of everything the answers depend on (the
Python version and the code that works them out): other code, another file. Nothing is written
when ``AMENDS_NO_CACHE=1``; ``AMENDS_CACHE_DIR`` chooses the folder (by default
``$XDG_CACHE_HOME/amends`` or ``~/.cache/amends``). A folder that cannot be written, or a file
that cannot be read, only means answers are worked out again.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """``make(key)``, worked out once per key; at most ``limit`` answers are kept."""

    __slots__ = ("limit", "make")

    def __init__(self, make: Callable[[K], V], limit: int = 4096):
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, key: K) -> V:
        value = self.make(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


def cache_folder() -> Path | None:
    """Where ``StoredMemo`` files go; None when caching on disk is switched off."""
    if os.environ.get("AMENDS_NO_CACHE", "").strip() not in ("", "0"):
        return None
    chosen = os.environ.get("AMENDS_CACHE_DIR", "").strip()
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "amends"


class StoredMemo(dict[str, V], Generic[V]):
    """``make(key)`` for string keys, kept between runs in ``<cache folder>/<name>-<stamp>.json``.

    ``encode`` turns an answer into JSON values and ``decode`` back; ``stamp()`` names what the
    answers depend on. The file is read when the first answer is needed and decoded one key at
    a time; ``save`` writes it again when this process worked out new answers.
    """

    def __init__(
        self,
        name: str,
        make: Callable[[str], V],
        encode: Callable[[V], Any],
        decode: Callable[[Any], V],
        stamp: Callable[[], str],
    ):
        super().__init__()
        self.name = name
        self.make = make
        self.encode = encode
        self.decode = decode
        self.stamp = stamp
        self._stored: dict[str, Any] | None = None
        self._new: dict[str, V] = {}

    def path(self) -> Path | None:
        folder = cache_folder()
        return None if folder is None else folder / f"{self.name}-{self.stamp()}.json"

    def _read(self) -> dict[str, Any]:
        if self._stored is None:
            self._stored = {}
            path = self.path()
            if path is not None:
                with contextlib.suppress(OSError, ValueError):
                    found = json.loads(path.read_text(encoding="utf-8"))
                    if isinstance(found, dict):
                        self._stored = found
        return self._stored

    def __missing__(self, key: str) -> V:
        stored = self._read()
        value: V
        if key in stored:
            try:
                value = self.decode(stored[key])
            except (TypeError, ValueError, KeyError, IndexError):  # a damaged entry: redo it
                value = self.make(key)
                self._new[key] = value
        else:
            value = self.make(key)
            self._new[key] = value
        self[key] = value
        return value

    def save(self) -> None:
        """Write the file again if this process worked out answers it lacks. Files of other
        stamps (other versions of the code) are left to their users unless a month old."""
        if not self._new:
            return
        path = self.path()
        merged = dict(self._read())
        merged.update((key, self.encode(value)) for key, value in self._new.items())
        self._stored = merged
        self._new = {}
        if path is None:
            return
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(merged, out, ensure_ascii=False, separators=(",", ":"))
                os.replace(temporary, path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            month_ago = time.time() - _STALE_SECONDS
            for old in path.parent.glob(f"{self.name}-*.json"):
                with contextlib.suppress(OSError):
                    if old != path and old.stat().st_mtime < month_ago:
                        old.unlink()


_STALE_SECONDS = 30 * 24 * 3600
