"""The version of the rules an analysis was made by, without the store's database modules: the
store records it with every analysis, and ``amends score`` and Spark write it in every row."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from .. import __version__


@lru_cache(maxsize=1)
def rules_version() -> str:
    """The amends version and a digest of the rule data (rules, lexicons, weights, situation,
    slots): analyses made by other rules carry another version."""
    digest = hashlib.sha256()
    data = resources.files("amends") / "data"
    files = sorted(
        (f"{folder.name}/{f.name}" if folder is not data else f.name, f)
        for folder in (data, data / "rules", data / "lexicons")
        for f in folder.iterdir()
        if f.is_file() and f.name.endswith((".yaml", ".tsv"))
    )
    for name, path in files:
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


__all__ = ["rules_version"]
