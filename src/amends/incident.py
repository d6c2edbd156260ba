"""The incident ``compose`` writes from: what happened, why, what is done, what the customer lost,
and for a data breach what data was involved and what the customer should do. Parsed from JSON
with errors that name the field and what to write instead."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .advise import SEVERITIES
from .model import CAUSES

MAX_PHRASE = 300
# `cause: none`: nothing failed (a plain question, an event that does not touch the customer)
INCIDENT_CAUSES: tuple[str, ...] = (*CAUSES, "none")
# Severity words people write that are not one of SEVERITIES, and the level each is read as.
SEVERITY_ALIASES = {"critical": "high", "urgent": "high", "severe": "high", "minor": "low"}
KINDS: tuple[str, ...] = ("data_breach", "injury", "bereavement", "health", "legal", "service")


class IncidentError(ValueError):
    """The incident is malformed; the message names the field and what to write instead."""


@dataclass(frozen=True, slots=True)
class FollowUp:
    when: str | None = None
    how: str | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    problem: str  # "" when nothing failed and there is nothing to restate
    cause: str
    cause_detail: str | None = None
    steps: tuple[str, ...] = ()
    follow_up: FollowUp | None = None
    compensation: str | None = None
    customer_name: str | None = None
    agent_name: str | None = None
    legal: bool = False
    prior_failures: int = 0
    severity: str | None = None
    noticed: bool | None = None
    affected: bool | None = None
    wait_minutes: float | None = None
    kind: str | None = None  # None: read from the problem and cause by compose.yaml's `kinds`
    data_involved: str | None = None
    customer_actions: tuple[str, ...] = ()
    losses: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """Whether anything went wrong for the customer: not for `cause: none`, nor for an
        incident with no problem that does not affect them (a plain question)."""
        if self.cause == "none":
            return False
        return bool(self.problem) or self.affected is not False or self.cause == "outside"


FIELDS = {
    "problem": 'what happened to the customer, as a phrase: "your order arrived two weeks late" '
    "(may be left out when nothing failed: `cause: none` or `affected: false`)",
    "cause": f"who or what caused it: {', '.join(CAUSES)}, or none when nothing failed",
    "cause_detail": 'the cause as a clause: "a label printer failed in our warehouse"',
    "steps": 'a list of phrases (or one phrase), done or to do: ["refunded the delivery fee"]',
    "follow_up": '{"when": "by Friday", "how": "email"}',
    "compensation": 'a phrase: "a £20 credit on your account"',
    "customer_name": "the customer's name",
    "agent_name": "your name, for the sign-off",
    "legal": "true when there are legal signals (injury, lawyer, data breach)",
    "prior_failures": "how many times this failure happened to the customer before",
    "severity": f"one of {', '.join(SEVERITIES)} (critical and urgent are read as high)",
    "noticed": 'false when the customer has not noticed (a phrase "by our team" is false)',
    "affected": 'false when the customer only asks about an outside event ("1,900 homes": true)',
    "wait_minutes": "how long the customer waited, in minutes",
    "kind": f"one of {', '.join(KINDS)}; read from the problem when not given",
    "data_involved": "for a data breach, the data as a phrase or a list of phrases: "
    '"your name and email address"',
    "customer_actions": 'what the customer should do, as phrases: ["change your password"]',
    "losses": 'what the customer lost, as phrases: ["a day off work", "£45 on a taxi"]',
}


def parse_incident(data: Any) -> Incident:
    """An ``Incident`` from a JSON object, with an error naming the field when it is wrong."""
    if isinstance(data, Incident):
        return data
    if not isinstance(data, Mapping):
        raise IncidentError(
            f"the incident must be a JSON object with at least `problem` and `cause`, "
            f"not {type(data).__name__}"
        )
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise IncidentError(
            f"unknown incident field {unknown[0]!r}; the fields are {', '.join(FIELDS)}"
        )
    cause = data.get("cause")
    if isinstance(cause, str):
        cause = cause.strip().lower()
    if cause not in INCIDENT_CAUSES:
        raise IncidentError(
            f"`cause` must be one of {', '.join(CAUSES)}, or none when nothing failed; "
            f"got {cause!r}"
            if cause is not None
            else f"`cause` is required: {FIELDS['cause']}"
        )
    # a plain question or an outside event that does not touch the customer needs no problem
    optional = cause == "none" or data.get("affected") is False
    problem = _phrase(data, "problem", required=not optional) or ""
    follow_up = None
    raw_follow = data.get("follow_up")
    if raw_follow is not None:
        if not isinstance(raw_follow, Mapping):
            raise IncidentError(f"`follow_up` must be an object: {FIELDS['follow_up']}")
        extra = [k for k in raw_follow if k not in ("when", "how")]
        if extra:
            raise IncidentError(f"`follow_up` has unknown key {extra[0]!r}; use `when` and `how`")
        parts = {}
        for key in ("when", "how"):
            value = raw_follow.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise IncidentError(f"`follow_up.{key}` must be a non-empty string; got {value!r}")
            parts[key] = " ".join(value.split()).rstrip(".") if value else None
        if not parts["when"] and not parts["how"]:
            raise IncidentError("`follow_up` needs `when` and/or `how`")
        follow_up = FollowUp(**parts)
    legal = data.get("legal", False)
    if not isinstance(legal, bool):
        raise IncidentError(f"`legal` must be true or false; got {legal!r}")
    prior = data.get("prior_failures", 0)
    if isinstance(prior, bool) or not isinstance(prior, int) or prior < 0:
        raise IncidentError(f"`prior_failures` must be a whole number, 0 or more; got {prior!r}")
    severity = data.get("severity")
    if isinstance(severity, str):
        severity = severity.strip().lower()
        severity = SEVERITY_ALIASES.get(severity, severity)
    if severity is not None and severity not in SEVERITIES:
        raise IncidentError(
            f"`severity` must be one of {', '.join(SEVERITIES)} (or critical, read as high); "
            f"got {severity!r}"
        )
    kind = data.get("kind")
    if kind is not None and kind not in KINDS:
        raise IncidentError(f"`kind` must be one of {', '.join(KINDS)}; got {kind!r}")
    flags = {}
    for key in ("noticed", "affected"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            value = _flag_from_text(key, value)
        if value is not None and not isinstance(value, bool):
            raise IncidentError(f"`{key}` must be true or false (or a phrase); got {value!r}")
        flags[key] = value
    wait = data.get("wait_minutes")
    if wait is not None and (
        isinstance(wait, bool) or not isinstance(wait, int | float) or wait < 0
    ):
        raise IncidentError(f"`wait_minutes` must be a number, 0 or more; got {wait!r}")
    names = {}
    for key in ("customer_name", "agent_name"):
        value = _phrase(data, key)
        if value is not None and len(value) > 60:
            raise IncidentError(f"`{key}` is {len(value)} characters; at most 60")
        names[key] = value
    return Incident(
        problem=problem.rstrip(".!"),
        cause=cause,
        cause_detail=_clause(_phrase(data, "cause_detail")),
        steps=_phrases(data, "steps"),
        follow_up=follow_up,
        compensation=_clause(_phrase(data, "compensation")),
        customer_name=names["customer_name"],
        agent_name=names["agent_name"],
        legal=legal,
        prior_failures=prior,
        severity=severity,
        noticed=flags["noticed"],
        affected=flags["affected"],
        wait_minutes=wait,
        kind=kind,
        data_involved=_clause(_data_involved(data)),
        customer_actions=_phrases(data, "customer_actions"),
        losses=_phrases(data, "losses"),
    )


def _phrase(data: Mapping[str, Any], key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise IncidentError(
                f"`{key}` is required unless nothing failed (`cause: none` or `affected: false`): "
                f"{FIELDS[key]}"
            )
        return None
    if not isinstance(value, str) or not value.strip():
        raise IncidentError(f"`{key}` must be a non-empty string: {FIELDS[key]}; got {value!r}")
    value = " ".join(value.split())
    if len(value) > MAX_PHRASE:
        raise IncidentError(
            f"`{key}` is {len(value)} characters; keep it to a phrase of at most {MAX_PHRASE}"
        )
    return value


# who noticed a problem, written as a phrase: "by our security team in a log review" is us
_OURS = re.compile(r"(?i)\b(?:we|us|our|ourselves|internal(?:ly)?|staff|team|monitoring|audit)\b")
# how many a problem touches, written as a phrase: "none", "nobody", "no one" say it touches nobody
_NOBODY = re.compile(r"(?i)^(?:no|none|nobody|no one|not (?:you|affected)|0)\b")


def _flag_from_text(key: str, value: str) -> bool:
    """`noticed` or `affected` written as a phrase, as people write them: "by our security team"
    (noticed by us, so the customer had not: false), "around 1,900 properties" (affected: true;
    "none" or "nobody": false)."""
    if key == "noticed":
        return not _OURS.search(value)
    return not _NOBODY.match(value.strip())


def _data_involved(data: Mapping[str, Any]) -> str | None:
    """`data_involved` as one phrase: a list is joined ("a; b; and c" when an item has its own
    commas, "a, b and c" otherwise)."""
    value = data.get("data_involved")
    if not isinstance(value, list):
        return _phrase(data, "data_involved")
    items = _phrases(data, "data_involved")
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    sep = "; " if any("," in item for item in items) else ", "
    return sep.join(items[:-1]) + ("; and " if sep == "; " else " and ") + items[-1]


def _phrases(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]  # one phrase written without the list around it
    if not isinstance(value, list):
        raise IncidentError(f"`{key}` must be a list of phrases: {FIELDS[key]}")
    phrases = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise IncidentError(f"`{key}[{i}]` must be a non-empty phrase; got {item!r}")
        if len(item) > MAX_PHRASE:
            raise IncidentError(f"`{key}[{i}]` is {len(item)} characters; keep it to a phrase")
        phrases.append(" ".join(item.split()).rstrip("."))
    return tuple(phrases)


def _clause(value: str | None) -> str | None:
    return (value or "").rstrip(".") or None


def incident_dict(incident: Incident) -> dict[str, Any]:
    """The incident as JSON, the fields it was parsed from."""
    follow = incident.follow_up
    return {
        "problem": incident.problem,
        "cause": incident.cause,
        "cause_detail": incident.cause_detail,
        "steps": list(incident.steps),
        "follow_up": {"when": follow.when, "how": follow.how} if follow else None,
        "compensation": incident.compensation,
        "customer_name": incident.customer_name,
        "agent_name": incident.agent_name,
        "legal": incident.legal,
        "prior_failures": incident.prior_failures,
        "severity": incident.severity,
        "noticed": incident.noticed,
        "affected": incident.affected,
        "wait_minutes": incident.wait_minutes,
        "kind": incident.kind,
        "data_involved": incident.data_involved,
        "customer_actions": list(incident.customer_actions),
        "losses": list(incident.losses),
    }
