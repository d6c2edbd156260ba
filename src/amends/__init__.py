"""amends: check, score and coach customer-service apologies."""

from .advise import Advice, Case, advise
from .analyzer import Analyzer, analyze, get_analyzer
from .coach import Coaching, Edit, coach
from .compose import Draft, Incident, compose
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
