"""Loading the advice, coaching and composing data files: YAML with line numbers, and small
validators whose errors name the file, the line and what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .model import COMPONENTS, LABELS, MISTAKES
from .rules import LineLoader


class DataError(ValueError):
    """A data file is malformed; the message names the file and line."""


class Section:
    """A mapping read from a data file that knows where it came from, for error messages."""

    def __init__(self, data: Any, file: str, path: str = ""):
        if not isinstance(data, dict):
            raise DataError(f"{file}: {path or 'the file'} must be a mapping, got {_kind(data)}")
        self.data = data
        self.file = file
        self.path = path

    @property
    def where(self) -> str:
        line = self.data.get("__line__", "?")
        return f"{self.file}:{line}" + (f" ({self.path})" if self.path else "")

    def names(self) -> list[str]:
        return [k for k in self.data if k != "__line__"]

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        unknown = [k for k in self.names() if k not in allowed]
        if unknown:
            raise DataError(
                f"{self.where}: unknown key {unknown[0]!r}; expected one of "
                f"{', '.join(sorted(allowed))}"
            )

    def fail(self, message: str) -> DataError:
        return DataError(f"{self.where}: {message}")

    def section(self, key: str) -> Section:
        if key not in self.data:
            raise self.fail(f"missing {key!r}")
        return Section(self.data[key], self.file, _join(self.path, key))

    def sections(self, key: str) -> list[Section]:
        items = self.data.get(key)
        if not isinstance(items, list) or not items:
            raise self.fail(f"{key!r} must be a non-empty list")
        return [Section(x, self.file, f"{_join(self.path, key)}[{i}]") for i, x in enumerate(items)]

    def str(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key!r} must be a non-empty string")
        return value.strip() if "\n" not in value.strip() else value

    def opt_str(self, key: str) -> str | None:
        if key not in self.data or self.data[key] is None:
            return None
        return self.str(key)

    def strs(
        self, key: str, default: Iterable[str] | None = None, empty: bool = False
    ) -> tuple[str, ...]:
        """A string or list of strings (``empty``: the strings may be "")."""
        value = self.data.get(key, None if default is None else list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(v, str) and (v or empty) for v in value
        ):
            raise self.fail(f"{key!r} must be a string or a list of strings")
        return tuple(value)

    def int(self, key: str, default: int | None = None) -> int:
        value = self.data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{key!r} must be an integer")
        return value

    def bool(self, key: str, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false")
        return value

    def choice(self, key: str, choices: Iterable[str], default: str | None = None) -> str:
        choices = tuple(choices)
        value = self.data.get(key, default)
        if value not in choices:
            raise self.fail(f"{key!r} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def labels(self, key: str, allowed: Iterable[str] = LABELS) -> tuple[str, ...]:
        allowed = tuple(allowed)
        values = self.strs(key, ())
        for value in values:
            if value not in allowed:
                kind = (
                    "component"
                    if allowed == COMPONENTS
                    else "mistake"
                    if allowed == MISTAKES
                    else "taxonomy"
                )
                raise self.fail(
                    f"{key!r} names {value!r}, which is not a {kind} label; "
                    f"expected one of {', '.join(allowed)}"
                )
        return values

    def regex(self, key: str) -> re.Pattern[str]:
        return compile_pattern(self.str(key), self.where)

    def regexes(self, key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(compile_pattern(p, self.where) for p in self.strs(key, ()))

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{key!r} must be a mapping")
        return {k: v for k, v in value.items() if k != "__line__"}


def compile_pattern(pattern: str, where: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise DataError(f"{where}: bad pattern {pattern!r}: {exc}") from exc


def load(name: str, path: Path | None = None) -> Section:
    """Read ``data/<name>`` (or ``path``) as a ``Section``."""
    source = path or resources.files("amends") / "data" / name
    file = Path(str(source)).name
    try:
        raw = yaml.load(source.read_text(encoding="utf-8"), Loader=LineLoader)
    except yaml.YAMLError as exc:
        raise DataError(f"{file}: not valid YAML: {exc}") from exc
    return Section(raw, file)


def plain(value: Any) -> Any:
    """A loaded value without the ``__line__`` bookkeeping."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def fields_of(template: str) -> set[str]:
    return set(re.findall(r"\{([A-Za-z_]+)\}", template))


def check_fields(template: str, allowed: Iterable[str], where: str) -> None:
    unknown = fields_of(template) - set(allowed)
    if unknown:
        raise DataError(
            f"{where}: template {template!r} uses unknown field {{{sorted(unknown)[0]}}}; "
            f"known fields: {', '.join('{' + a + '}' for a in sorted(allowed))}"
        )


def fill(template: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{([A-Za-z_]+)\}", lambda m: values.get(m.group(1), m.group()), template)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
