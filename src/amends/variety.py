"""How much ``compose`` varies its phrasing: over many seeds, how many distinct drafts, and how
often the most repeated stock sentence comes back. A customer who writes twice, or two customers
who compare replies, should not get the same script."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .analyzer import Analyzer
from .compose import Incident, compose, parse_incident

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class Variety:
    drafts: int
    distinct: int  # different texts among the drafts
    top_sentence: str  # the stock sentence found in most drafts, facts replaced by "…"
    top_share: float  # the share of drafts that hold it

    def to_dict(self) -> dict[str, Any]:
        return {
            "drafts": self.drafts,
            "distinct": self.distinct,
            "top_sentence": self.top_sentence,
            "top_share": round(self.top_share, 3),
        }


def variety(
    incident: Incident | Mapping[str, Any],
    channel: str,
    seeds: Iterable[int],
    analyzer: Analyzer | None = None,
) -> Variety:
    """Compose the incident once per seed and measure how much the drafts differ."""
    incident = parse_incident(incident)
    texts = [compose(incident, channel, seed=s, analyzer=analyzer).text for s in seeds]
    facts = _facts(incident)
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({_stock(s, facts) for s in _SENTENCES.split(text)} - {""})
    top, n = counts.most_common(1)[0] if counts else ("", 0)
    return Variety(len(texts), len(set(texts)), top, n / len(texts) if texts else 0.0)


def _facts(incident: Incident) -> list[str]:
    follow = incident.follow_up
    phrases = [
        incident.problem,
        incident.cause_detail,
        incident.compensation,
        incident.customer_name,
        incident.agent_name,
        incident.data_involved,
        follow.when if follow else None,
        *incident.steps,
        *incident.customer_actions,
        *incident.losses,
    ]
    return sorted((p for p in phrases if p), key=len, reverse=True)


def _stock(sentence: str, facts: list[str]) -> str:
    """The sentence with the incident's facts replaced by "…"; "" when little else is left
    (a step, a name), which is not stock phrasing."""
    for fact in facts:
        sentence = re.sub(re.escape(fact), "…", sentence, flags=re.I)
    words = re.findall(r"[A-Za-z']+", sentence)
    return sentence.strip() if len(words) >= 3 else ""
