"""Configuration from ``amends.toml`` or the ``[tool.amends]`` table of ``pyproject.toml``.

Keys: ``select`` and ``ignore``, lists of rule codes, code prefixes, rule names or taxonomy labels;
``model``, true (the default) or false to run the rules without the learned layer (faster, for a
real-time path).
The nearest file from the working directory upwards wins; ``amends.toml`` before
``pyproject.toml`` in the same folder. Command-line options extend what the file says.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .model import Config

KEYS = ("select", "ignore", "model")


class ConfigError(ValueError):
    pass


def _table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table, not {_toml_type(tool)}")
    table = tool.get("amends")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(
            f"{path}: tool.amends must be a table with select/ignore lists, "
            f"not {_toml_type(table)}; write it as [tool.amends]"
        )
    return table


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    return names.get(type(value), "an array" if isinstance(value, list) else "a date or time")


def find_config(start: Path | None = None) -> tuple[Path | None, dict[str, Any]]:
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        for name in ("amends.toml", "pyproject.toml"):
            path = candidate / name
            if path.is_file():
                table = _table(path)
                if table is not None:
                    return path, table
    return None, {}


def load_config(
    path: Path | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    model: bool | None = None,
) -> Config:
    """The configuration from ``path`` (or the nearest file), extended by ``select``/``ignore``;
    ``model``, when given, overrides the file's."""
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        table = _table(path) or {}
        where: Path | None = path
    else:
        where, table = find_config()
    unknown = set(table) - set(KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; use select, ignore, model"
        )
    values: dict[str, tuple[str, ...]] = {}
    for key in ("select", "ignore"):
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of rule codes, prefixes or names")
        values[key] = tuple(value)
    in_file = table.get("model", True)
    if not isinstance(in_file, bool):
        raise ConfigError(
            f"{where}: model must be true or false (the learned layer on or off), "
            f"not {_toml_type(in_file)}"
        )
    return Config(
        select=values["select"] + tuple(_split(select)),
        ignore=values["ignore"] + tuple(_split(ignore)),
        model=in_file if model is None else model,
    )


def _split(items: Sequence[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        out.extend(x.strip() for x in item.split(",") if x.strip())
    return out
