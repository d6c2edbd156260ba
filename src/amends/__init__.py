"""amends: check, score and coach customer-service apologies."""

from __future__ import annotations

import sys as _sys
from importlib import import_module as _import_module
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from .analyzer import Analyzer, analyze, get_analyzer
from .model import (
    COMPONENTS,
    LABELS,
    MISTAKES,
    SCHEMA_VERSION,
    Breakdown,
    Config,
    Finding,
    Report,
    Situation,
)

if _TYPE_CHECKING:
    from .advise import Advice, Case, advise
    from .coach import Coaching, Edit, coach
    from .compose import Draft, Incident, compose

# Advising, coaching and composing are imported when first used: checking a reply (the CLI's
# ``check``, a batch run) does not pay for them.
_LATER = {
    "Advice": "advise",
    "Case": "advise",
    "advise": "advise",
    "Coaching": "coach",
    "Edit": "coach",
    "coach": "coach",
    "Draft": "compose",
    "Incident": "compose",
    "compose": "compose",
}


class _Later:
    """A package attribute imported from its module when first read.

    ``advise``, ``coach`` and ``compose`` name both a module and the function it exports; the
    package attribute is the function, as it was when they were imported eagerly. Importing
    the module binds the module to the package attribute: that binding is ignored here.
    """

    def __init__(self, name: str):
        self.name = name

    def __get__(self, package: _ModuleType | None, owner: type) -> _Any:
        if package is None:
            return self
        found = package.__dict__.get(self.name)
        if found is None or isinstance(found, _ModuleType):
            found = getattr(_import_module(f"{__name__}.{_LATER[self.name]}"), self.name)
            package.__dict__[self.name] = found
        return found

    def __set__(self, package: _ModuleType, value: _Any) -> None:
        if not isinstance(value, _ModuleType):  # e.g. a test patching the function
            package.__dict__[self.name] = value


class _Package(_ModuleType):
    pass


for _name in _LATER:
    setattr(_Package, _name, _Later(_name))
del _name
_sys.modules[__name__].__class__ = _Package

__all__ = [
    "COMPONENTS",
    "LABELS",
    "MISTAKES",
    "SCHEMA_VERSION",
    "Advice",
    "Analyzer",
    "Breakdown",
    "Case",
    "Coaching",
    "Config",
    "Draft",
    "Edit",
    "Finding",
    "Incident",
    "Report",
    "Situation",
    "advise",
    "analyze",
    "coach",
    "compose",
    "get_analyzer",
]
__version__ = "0.1.0"


def __dir__() -> list[str]:
    return sorted({*globals(), *_LATER})
