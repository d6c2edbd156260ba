"""``compose``: a complete reply from a structured incident, for chat, email or social.

The posture comes from ``advise``; the blocks, their variants, the channel frames and the way
steps and follow-ups are said are data (``data/compose.yaml``). Every specific comes from the
incident; a missing one becomes a marked slot. The draft is read back by the analyzer: a
mistake (which a phrase supplied in the incident can bring in) is repaired by the coach, and a
draft that cannot be repaired is refused with the findings.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .advise import POSTURES, SEVERITIES, Advice, Case, advise
from .analyzer import Analyzer, get_analyzer
from .coach import coach
from .datafile import check_fields, fill, load, plain
from .model import CAUSES, COMPONENTS, Config, Finding, Report

CHANNELS: tuple[str, ...] = ("chat", "email", "social")
FIELDS = (
    "problem",
    "Problem",
    "cause_detail",
    "ordinal",
    "steps",
    "contact",
    "when",
    "compensation",
    "Compensation",
    "name",
    "agent",
    "initials",
)
MAX_PHRASE = 300


class IncidentError(ValueError):
    """The incident is malformed; the message names the field and what to write instead."""


class ComposeError(ValueError):
    """No acceptable draft: it does not fit the channel, or it holds mistakes that cannot be
    repaired. ``findings`` are the analyzer's findings on the rejected draft, when any."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()):
        super().__init__(message)
        self.findings = tuple(findings)


# -- the incident ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FollowUp:
    when: str | None = None
    how: str | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    problem: str
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


_INCIDENT_FIELDS = {
    "problem": 'what happened to the customer, as a phrase: "your order arrived two weeks late"',
    "cause": f"who or what caused it: {', '.join(CAUSES)}",
    "cause_detail": 'the cause as a clause: "a label printer failed in our warehouse"',
    "steps": 'a list of phrases, done or to do: ["refunded the delivery fee"]',
    "follow_up": '{"when": "by Friday", "how": "email"}',
    "compensation": 'a phrase: "a £20 credit on your account"',
    "customer_name": "the customer's name",
    "agent_name": "your name, for the sign-off",
    "legal": "true when there are legal signals (injury, lawyer, data breach)",
    "prior_failures": "how many times this failure happened to the customer before",
    "severity": f"one of {', '.join(SEVERITIES)}",
    "noticed": "false when the customer has not noticed the problem",
    "affected": "false when the customer only asks about an outside event",
    "wait_minutes": "how long the customer waited, in minutes",
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
    unknown = [k for k in data if k not in _INCIDENT_FIELDS]
    if unknown:
        raise IncidentError(
            f"unknown incident field {unknown[0]!r}; the fields are {', '.join(_INCIDENT_FIELDS)}"
        )

    def phrase(key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise IncidentError(f"`{key}` is required: {_INCIDENT_FIELDS[key]}")
            return None
        if not isinstance(value, str) or not value.strip():
            raise IncidentError(
                f"`{key}` must be a non-empty string: {_INCIDENT_FIELDS[key]}; got {value!r}"
            )
        value = " ".join(value.split())
        if len(value) > MAX_PHRASE:
            raise IncidentError(
                f"`{key}` is {len(value)} characters; keep it to a phrase of at most {MAX_PHRASE}"
            )
        return value

    problem = phrase("problem", required=True)
    assert problem is not None
    cause = data.get("cause")
    if cause not in CAUSES:
        raise IncidentError(
            f"`cause` must be one of {', '.join(CAUSES)}; got {cause!r}"
            if cause is not None
            else f"`cause` is required: {_INCIDENT_FIELDS['cause']}"
        )
    steps_value = data.get("steps", [])
    if isinstance(steps_value, str) or not isinstance(steps_value, list):
        raise IncidentError(f"`steps` must be a list of phrases: {_INCIDENT_FIELDS['steps']}")
    steps = []
    for i, step in enumerate(steps_value):
        if not isinstance(step, str) or not step.strip():
            raise IncidentError(f"`steps[{i}]` must be a non-empty phrase; got {step!r}")
        if len(step) > MAX_PHRASE:
            raise IncidentError(f"`steps[{i}]` is {len(step)} characters; keep it to a phrase")
        steps.append(" ".join(step.split()).rstrip("."))
    follow_up = None
    raw_follow = data.get("follow_up")
    if raw_follow is not None:
        if not isinstance(raw_follow, Mapping):
            raise IncidentError(f"`follow_up` must be an object: {_INCIDENT_FIELDS['follow_up']}")
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
    if severity is not None and severity not in SEVERITIES:
        raise IncidentError(f"`severity` must be one of {', '.join(SEVERITIES)}; got {severity!r}")
    flags = {}
    for key in ("noticed", "affected"):
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise IncidentError(f"`{key}` must be true or false; got {value!r}")
        flags[key] = value
    wait = data.get("wait_minutes")
    if wait is not None and (
        isinstance(wait, bool) or not isinstance(wait, int | float) or wait < 0
    ):
        raise IncidentError(f"`wait_minutes` must be a number, 0 or more; got {wait!r}")
    names = {}
    for key in ("customer_name", "agent_name"):
        value = phrase(key)
        if value is not None and len(value) > 60:
            raise IncidentError(f"`{key}` is {len(value)} characters; at most 60")
        names[key] = value
    return Incident(
        problem=problem.rstrip(".!"),
        cause=cause,
        cause_detail=(phrase("cause_detail") or "").rstrip(".") or None,
        steps=tuple(steps),
        follow_up=follow_up,
        compensation=(phrase("compensation") or "").rstrip(".") or None,
        customer_name=names["customer_name"],
        agent_name=names["agent_name"],
        legal=legal,
        prior_failures=prior,
        severity=severity,
        noticed=flags["noticed"],
        affected=flags["affected"],
        wait_minutes=wait,
    )


# -- the data --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    name: str
    component: str
    variants: Mapping[str, tuple[str, ...]]  # by rule name, posture or "default"

    def choices(self, rule: str, posture: str, short: bool = False) -> tuple[str, ...]:
        base = self.variants.get(rule) or self.variants.get(posture) or self.variants["default"]
        if short:
            return base + (self.variants.get(f"short.{posture}") or self.variants.get("short", ()))
        return base


@dataclass(frozen=True)
class Channel:
    name: str
    greeting: tuple[str, ...]
    anonymous: tuple[str, ...]
    signoff: tuple[str, ...]
    unsigned: tuple[str, ...]
    separator: str
    limit: int


@dataclass(frozen=True)
class Tone:
    name: str
    prefer: Mapping[str, int]
    short: bool


@dataclass(frozen=True)
class ComposeExample:
    incident: Incident
    posture: str


@dataclass(frozen=True)
class ComposeData:
    sequences: Mapping[str, tuple[str, ...]]
    optional: tuple[str, ...]
    blocks: Mapping[str, Block]
    slots: Mapping[str, str]
    ordinals: tuple[str, ...]
    step_forms: tuple[tuple[re.Pattern[str], str], ...]
    compensation_forms: tuple[tuple[re.Pattern[str], str], ...]
    contacts: tuple[tuple[re.Pattern[str], str], ...]
    when_starts: tuple[str, ...]
    channels: Mapping[str, Channel]
    tones: Mapping[str, Tone]
    examples: tuple[ComposeExample, ...] = field(default=())


def load_compose(path: Path | None = None) -> ComposeData:
    """Read and validate ``data/compose.yaml``; errors name the file, line and fix."""
    root = load("compose.yaml", path)
    root.check_keys(
        (
            "sequences",
            "optional",
            "blocks",
            "slots",
            "ordinals",
            "step_forms",
            "compensation_forms",
            "contacts",
            "when_starts",
            "channels",
            "tones",
            "examples",
        )
    )
    blocks_section = root.section("blocks")
    blocks = {}
    for name in blocks_section.names():
        s = blocks_section.section(name)
        component = s.choice("component", COMPONENTS)
        variants = {}
        for key in s.names():
            if key == "component":
                continue
            if key.startswith("short.") and key[6:] not in POSTURES:
                raise s.fail(f"{key!r}: {key[6:]!r} is not a posture")
            templates = s.strs(key)
            for t in templates:
                check_fields(t, FIELDS, s.where)
            variants[key] = templates
        if "default" not in variants:
            raise s.fail("a block needs `default` variants")
        blocks[name] = Block(name, component, variants)
    sequences_section = root.section("sequences")
    sequences = {}
    for key in sequences_section.names():
        names = sequences_section.strs(key)
        for name in names:
            if name not in blocks:
                raise sequences_section.fail(f"sequence {key!r} names unknown block {name!r}")
        sequences[key] = names
    for posture in POSTURES:
        if posture not in sequences:
            raise sequences_section.fail(f"no sequence for posture {posture!r}")
    optional = root.strs("optional")
    for name in optional:
        if name not in blocks:
            raise root.fail(f"`optional` names unknown block {name!r}")
    slots_section = root.section("slots")
    slots = {k: slots_section.str(k) for k in slots_section.names()}
    for needed in ("cause_detail", "steps", "when", "how", "compensation", "agent_name"):
        if needed not in slots:
            raise slots_section.fail(f"missing slot {needed!r}")

    def forms(key: str, text_key: str) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((s.regex("pattern"), s.str(text_key)) for s in root.sections(key))

    channels_section = root.section("channels")
    channels = {}
    for name in CHANNELS:
        s = channels_section.section(name)
        s.check_keys(
            ("greeting", "anonymous", "signoff", "unsigned", "separator", "limit", "__line__")
        )
        channels[name] = Channel(
            name=name,
            greeting=s.strs("greeting"),
            anonymous=s.strs("anonymous", empty=True),
            signoff=s.strs("signoff", empty=True),
            unsigned=s.strs("unsigned", empty=True),
            separator=str(s.data.get("separator", " ")),
            limit=s.int("limit"),
        )
    tones_section = root.section("tones")
    tones = {}
    for name in tones_section.names():
        s = tones_section.section(name)
        prefer = s.mapping("prefer")
        for block in prefer:
            if block not in blocks:
                raise s.fail(f"tone {name!r} prefers a variant of unknown block {block!r}")
        tones[name] = Tone(name, prefer, bool(s.data.get("short", False)))
    data = ComposeData(
        sequences=sequences,
        optional=optional,
        blocks=blocks,
        slots=slots,
        ordinals=root.strs("ordinals"),
        step_forms=forms("step_forms", "form"),
        compensation_forms=forms("compensation_forms", "form"),
        contacts=forms("contacts", "text"),
        when_starts=root.strs("when_starts"),
        channels=channels,
        tones=tones,
    )
    examples = []
    for s in root.sections("examples"):
        try:
            incident = parse_incident(plain(s.data.get("incident")))
        except IncidentError as exc:
            raise s.fail(f"bad example incident: {exc}") from exc
        examples.append(ComposeExample(incident, s.choice("posture", POSTURES)))
    return ComposeData(**{**data.__dict__, "examples": tuple(examples)})


@lru_cache(maxsize=1)
def compose_data() -> ComposeData:
    return load_compose()


# -- the draft -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    posture: str
    channel: str
    report: Report
    advice: Advice
    slots: tuple[str, ...] = ()  # incident fields left as marked slots for the agent to fill
    warnings: tuple[str, ...] = ()

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        return {
            "text": self.text,
            "posture": self.posture,
            "report": self.report.to_dict(detail=detail),
            "channel": self.channel,
            "slots": list(self.slots),
            "warnings": list(self.warnings),
        }


def advice_for_incident(incident: Incident, analyzer: Analyzer | None = None) -> Advice:
    return advise(
        Case(
            customer="",
            cause=incident.cause,
            severity=incident.severity,
            noticed=True if incident.noticed is None else incident.noticed,
            legal=incident.legal,
            prior_failures=incident.prior_failures,
            wait_minutes=incident.wait_minutes,
            affected=incident.affected,
            failure=True,
        ),
        analyzer,
    )


def compose(
    incident: Incident | Mapping[str, Any],
    channel: str = "chat",
    tone: str = "warm",
    seed: int | None = None,
    analyzer: Analyzer | None = None,
) -> Draft:
    """A complete reply for ``channel`` (chat, email or social) that follows the posture
    ``advise`` gives the incident. ``seed`` picks the phrasing, so two customers (or one who
    writes twice) need not get the same script."""
    incident = parse_incident(incident)
    data = compose_data()
    if channel not in data.channels:
        raise ComposeError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if tone not in data.tones:
        raise ComposeError(f"tone must be one of {', '.join(data.tones)}, not {tone!r}")
    analyzer = analyzer or get_analyzer(Config())
    advice = advice_for_incident(incident, analyzer)
    writer = _Writer(data, incident, advice, data.channels[channel], data.tones[tone])
    text, slots = writer.fit(random.Random(seed))
    report = analyzer.analyze(text)
    warnings = []
    if report.mistakes:
        repaired = coach(
            report, slots=False, advice=advice, analyzer=analyzer, keep_positions=False
        )
        if repaired.report.mistakes:
            raise ComposeError(
                "the draft holds mistakes that could not be repaired: "
                + "; ".join(f"{f.code} {f.message}" for f in repaired.report.mistakes),
                repaired.report.mistakes,
            )
        warnings.append(
            "repaired: "
            + "; ".join(f"{f.code} “{f.match}”" for f in report.mistakes)
            + " (from a phrase in the incident)"
        )
        text, report = repaired.improved, repaired.report
        if data.channels[channel].limit and len(text) > data.channels[channel].limit:
            raise ComposeError(f"the repaired draft is {len(text)} characters, over the limit")
    missing = [c for c in advice.required if c not in advice.omit and not report.has(c)]
    if missing:
        warnings.append(
            "the analyzer does not find "
            + ", ".join(missing)
            + " in this draft; check the incident's phrases"
        )
    if advice.posture == "legal_review":
        warnings.append("legal signals: have legal counsel review this reply before sending it")
    return Draft(
        text=text,
        posture=advice.posture,
        channel=channel,
        report=report,
        advice=advice,
        slots=tuple(slots),
        warnings=tuple(warnings),
    )


class _Writer:
    def __init__(
        self, data: ComposeData, incident: Incident, advice: Advice, channel: Channel, tone: Tone
    ):
        self.data = data
        self.incident = incident
        self.advice = advice
        self.channel = channel
        self.tone = tone
        self.rule = advice.reasons[0].name if advice.reasons else advice.posture

    def fit(self, rng: random.Random) -> tuple[str, list[str]]:
        """The draft, shortened step by step until it fits the channel's limit."""
        choices_seed = rng.random()  # the same phrasing for every attempt
        attempts = [
            {"short": self.tone.short, "drop": 0, "steps": None, "frame": True},
            {"short": True, "drop": 0, "steps": None, "frame": True},
        ]
        droppable = [
            b
            for b in self.data.optional
            if self.data.blocks[b].component not in self.advice.required
        ]
        for n in range(1, len(droppable) + 1):
            attempts.append({"short": True, "drop": n, "steps": None, "frame": True})
        everything = len(droppable)
        attempts.append({"short": True, "drop": everything, "steps": None, "frame": False})
        attempts.append({"short": True, "drop": everything, "steps": 1, "frame": False})
        text, slots = "", []
        for attempt in attempts:
            text, slots = self.render(
                random.Random(choices_seed),
                short=bool(attempt["short"]),
                drop=set(droppable[: int(attempt["drop"] or 0)]),
                max_steps=attempt["steps"],  # type: ignore[arg-type]
                frame=bool(attempt["frame"]),
            )
            if not self.channel.limit or len(text) <= self.channel.limit:
                return text, slots
        raise ComposeError(
            f"the shortest {self.channel.name} draft is {len(text)} characters, over the "
            f"{self.channel.limit}-character limit; shorten `problem`, `cause_detail` or `steps`"
        )

    def render(
        self,
        rng: random.Random,
        short: bool,
        drop: set[str],
        max_steps: int | None,
        frame: bool,
    ) -> tuple[str, list[str]]:
        incident, data = self.incident, self.data
        sequence = data.sequences.get(self.rule) or data.sequences[self.advice.posture]
        values, missing = self.values(max_steps)
        sentences = []
        for name in sequence:
            block = data.blocks[name]
            if name in drop or block.component in self.advice.omit:
                continue
            if not self.wanted(name, block):
                continue
            choices = block.choices(self.rule, self.advice.posture, short)
            pick = rng.randrange(len(choices))
            if name in self.tone.prefer:
                pick = min(int(self.tone.prefer[name]), len(choices) - 1)
            if short:
                pick = min(range(len(choices)), key=lambda i: len(fill(choices[i], values)))
            sentences.append(fill(choices[pick], values))
        body = self.channel.separator.join(s for s in sentences if s)
        greeting = ""
        signoff = ""
        if frame:
            if incident.customer_name:
                greeting = fill(rng.choice(self.channel.greeting), values)
            else:
                greeting = rng.choice(self.channel.anonymous)
            if incident.agent_name:
                signoff = fill(rng.choice(self.channel.signoff), values)
            else:
                signoff = rng.choice(self.channel.unsigned)
                if "{agent}" in signoff:
                    missing.append("agent_name")
                    signoff = fill(signoff, {"agent": data.slots["agent_name"]})
        if greeting.endswith(", ") and not re.match(r"I\b", body):
            body = body[:1].lower() + body[1:]
        text = greeting + body + signoff
        used = [k for k in missing if _slot_text(data.slots[k]) in text]
        return text, used

    def wanted(self, name: str, block: Block) -> bool:
        """Blocks for components the posture needs, or whose facts the incident gives."""
        incident = self.incident
        component = block.component
        if name == "compensation":
            return bool(incident.compensation) or "compensation" in self.advice.required
        if name in ("gratitude", "opener"):
            return component in self.advice.required or name == "opener"
        if name == "follow_up":
            return incident.follow_up is not None or "follow_up" in self.advice.required
        if name == "remedy":
            return bool(incident.steps) or "remedy" in self.advice.required
        if name == "explanation":
            return bool(incident.cause_detail) or "explanation" in self.advice.required
        return True

    def values(self, max_steps: int | None) -> tuple[dict[str, str], list[str]]:
        incident, data = self.incident, self.data
        problem = _embed(incident.problem)
        follow = incident.follow_up or FollowUp()
        missing: list[str] = []
        steps = list(incident.steps)
        if max_steps:
            steps = sorted(steps, key=len)[:max_steps]
        if steps:
            rendered = " ".join(_sentence(_form(s, data.step_forms, "step")) for s in steps)
        else:
            rendered = data.slots["steps"]
            missing.append("steps")
        if incident.cause_detail:
            cause_detail = incident.cause_detail
        else:
            cause_detail = data.slots["cause_detail"]
            missing.append("cause_detail")
        if follow.how:
            contact = next(text for pattern, text in data.contacts if pattern.search(follow.how))
            contact = fill(contact, {"how": follow.how})
        else:
            contact = "update you"
        if follow.when:
            when = follow.when
            if not any(re.match(rf"(?i){re.escape(w)}\b", when) for w in data.when_starts):
                when = "by " + when
        else:
            when = data.slots["when"]
            missing.append("when")
        if incident.compensation:
            compensation = _form(incident.compensation, data.compensation_forms, "compensation")
        else:
            compensation = data.slots["compensation"]
            missing.append("compensation")
        ordinal_index = min(incident.prior_failures, len(data.ordinals) - 1)
        agent = incident.agent_name or ""
        return {
            "problem": problem,
            "Problem": problem[:1].upper() + problem[1:],
            "cause_detail": cause_detail,
            "ordinal": data.ordinals[ordinal_index],
            "steps": rendered,
            "contact": contact,
            "when": when,
            "compensation": compensation,
            "Compensation": compensation[:1].upper() + compensation[1:],
            "name": incident.customer_name or "",
            "agent": agent,
            "initials": "".join(w[0].upper() for w in agent.split() if w[:1].isalpha())[:3],
        }, missing


_KEEP_CASE = re.compile(r"^(?:I\b|[A-Z]{2,}\b|[A-Z][a-z]+ [A-Z])")


def _embed(phrase: str) -> str:
    """A phrase as it reads inside a sentence: lower-case first word unless a name or acronym."""
    return phrase if _KEEP_CASE.match(phrase) else phrase[:1].lower() + phrase[1:]


def _form(phrase: str, forms: Sequence[tuple[re.Pattern[str], str]], key: str) -> str:
    for pattern, form in forms:
        if pattern.search(phrase):
            embedded = _embed(phrase)
            return fill(
                form,
                {key: embedded, key[:1].upper() + key[1:]: phrase[:1].upper() + phrase[1:]},
            )
    return phrase


def _slot_text(slot: str) -> str:
    """The bracketed part of a slot, which marks it in a draft."""
    m = re.search(r"\[[^\]]+\]", slot)
    return m.group() if m else slot


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."
