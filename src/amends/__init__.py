"""amends: check, score and coach customer-service apologies."""

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

__all__ = [
    "COMPONENTS",
    "LABELS",
    "MISTAKES",
    "SCHEMA_VERSION",
    "Analyzer",
    "Breakdown",
    "Config",
    "Finding",
    "Report",
    "Situation",
    "analyze",
    "get_analyzer",
]
__version__ = "0.1.0"
