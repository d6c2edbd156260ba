"""``advise``: should this reply apologise, and how?

A ``Case`` is the customer's message plus whatever is known about it, and optionally the agent's
reply so far. Facts that are not given are inferred from the message with the analyzer's own
situation signals (cause, wait, whether anything went wrong), from the reply (whether it is a
first contact, still asking for what is needed) and with the inference patterns in
``data/advice.yaml``. Ordered rules in that file choose one of seven postures; each reason cites
the principle behind it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .analyzer import Analyzer, get_analyzer
from .datafile import DataError, Section, check_fields, fill, load
from .model import CAUSES, COMPONENTS, MISTAKES, Config

POSTURES: tuple[str, ...] = (
    "full_apology",
    "regret_without_blame",
    "inform_and_update",
    "no_apology_needed",
    "legal_review",
    "repeat_failure",
    "first_contact",
)
SEVERITIES: tuple[str, ...] = ("low", "medium", "high")
# Facts a rule's `when` can test, and the values each may take (None: any number).
FACTS: Mapping[str, tuple[Any, ...] | None] = {
    "cause": CAUSES,
    "severity": SEVERITIES,
    "noticed": (True, False),
    "legal": (True, False),
    "prior_failures": None,
    "wait_minutes": None,
    "waited": (True, False),
    "affected": (True, False),
    "failure": (True, False),
    "first_contact": (True, False),
    "recurring": (True, False),
    "posture": POSTURES,
}
_REASON_FIELDS = (
    "evidence",
    "cause",
    "severity",
    "prior_failures",
    "wait_minutes",
    "wait",
    "waited_for",
    "earlier",
)
_CODE = re.compile(r"^P\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class CaseError(ValueError):
    """A case field has a value advise cannot use; the message says which and what to pass."""


@dataclass(frozen=True, slots=True)
class PastContact:
    """An earlier contact with this customer: what failed and how it was handled."""

    failure: str = ""
    cause: str = "ours"
    apologised: bool = True
    compensated: bool = False
    when: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """What is known about the case. ``None`` means "not given": infer it from the message."""

    customer: str = ""
    cause: str | None = None
    severity: str | None = None
    noticed: bool | None = None
    legal: bool | None = None
    prior_failures: int | None = None
    wait_minutes: float | None = None
    history: tuple[PastContact, ...] = ()
    affected: bool | None = None
    failure: bool | None = None  # whether anything went wrong at all, when known
    # The agent's reply so far: a reply that asks for details and states no cause, fault or fix
    # makes the case a first contact (``first_contact``, when given, decides instead).
    reply: str = ""
    first_contact: bool | None = None
    # What the store knows of this failure recurring beyond this customer (an incident in the
    # same category, a root cause seen before), each a line of evidence: "incident #3: ..."
    recurring: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("customer", "reply"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise CaseError(f"{name} must be a string, not {type(value).__name__}")
        if self.cause is not None and self.cause not in CAUSES:
            raise CaseError(f"cause must be one of {', '.join(CAUSES)}, got {self.cause!r}")
        if self.severity is not None and self.severity not in SEVERITIES:
            raise CaseError(
                f"severity must be one of {', '.join(SEVERITIES)}, got {self.severity!r}"
            )
        for name in ("noticed", "legal", "affected", "failure", "first_contact"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise CaseError(f"{name} must be true, false or None, got {value!r}")
        if self.prior_failures is not None and (
            not isinstance(self.prior_failures, int)
            or isinstance(self.prior_failures, bool)
            or self.prior_failures < 0
        ):
            raise CaseError(
                f"prior_failures must be a whole number of 0 or more, got {self.prior_failures!r}"
            )
        if self.wait_minutes is not None and (
            isinstance(self.wait_minutes, bool)
            or not isinstance(self.wait_minutes, int | float)
            or self.wait_minutes < 0
        ):
            raise CaseError(f"wait_minutes must be 0 or more, got {self.wait_minutes!r}")
        if isinstance(self.recurring, str) or not all(
            isinstance(line, str) for line in self.recurring
        ):
            raise CaseError("recurring must be a sequence of strings (lines of evidence)")
        object.__setattr__(self, "recurring", tuple(self.recurring))
        for item in self.history:
            if not isinstance(item, PastContact):
                raise CaseError("history must be a sequence of PastContact")
            if item.cause not in CAUSES:
                raise CaseError(f"history cause must be one of {', '.join(CAUSES)}")


@dataclass(frozen=True, slots=True)
class Facts:
    """The case as advise sees it: every fact given or inferred, with the words behind it."""

    cause: str
    severity: str
    noticed: bool
    legal: bool
    prior_failures: int
    wait_minutes: float | None
    waited: bool
    affected: bool
    failure: bool
    inferred: tuple[str, ...] = ()
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    first_contact: bool = False
    recurring: bool = False

    def value(self, name: str) -> Any:
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "severity": self.severity,
            "noticed": self.noticed,
            "legal": self.legal,
            "prior_failures": self.prior_failures,
            "wait_minutes": self.wait_minutes,
            "affected": self.affected,
            "first_contact": self.first_contact,
            "recurring": self.recurring,
            "inferred": list(self.inferred),
            "evidence": {k: list(v) for k, v in self.evidence.items()},
        }


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    name: str
    reason: str
    principle: str

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "reason": self.reason,
            "principle": self.principle,
        }


@dataclass(frozen=True, slots=True)
class Compensation:
    offer: bool
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"offer": self.offer, "why": self.why}


@dataclass(frozen=True, slots=True)
class Advice:
    posture: str
    reasons: tuple[Reason, ...]
    required: tuple[str, ...]
    avoid: tuple[str, ...]
    compensation: Compensation
    omit: tuple[str, ...] = ()
    summary: str = ""
    technique: tuple[str, ...] = ()
    facts: Facts | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "posture": self.posture,
            "reasons": [r.to_dict() for r in self.reasons],
            "required": list(self.required),
            "avoid": list(self.avoid),
            "compensation": self.compensation.to_dict(),
            "summary": self.summary,
            "omit": list(self.omit),
            "technique": list(self.technique),
        }
        if self.facts is not None:
            data["case"] = self.facts.to_dict()
        return data


# -- the data --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Posture:
    name: str
    summary: str
    required: tuple[str, ...]
    omit: tuple[str, ...]
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class Condition:
    fact: str
    equals: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None

    def holds(self, facts: Facts, posture: str | None) -> bool:
        value = posture if self.fact == "posture" else facts.value(self.fact)
        if value is None:
            return False
        if self.equals and value not in self.equals:
            return False
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)


@dataclass(frozen=True)
class Example:
    case: Case
    posture: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    posture: str
    when: tuple[Condition, ...]
    reason: str
    principle: str
    required: tuple[str, ...] | None
    evidence: tuple[str, ...]
    examples: tuple[Example, ...]
    where: str

    def holds(self, facts: Facts, posture: str | None = None) -> bool:
        return all(c.holds(facts, posture) for c in self.when)


@dataclass(frozen=True)
class CompensationRule:
    when: tuple[Condition, ...]
    offer: bool
    why: str

    def holds(self, facts: Facts, posture: str) -> bool:
        return all(c.holds(facts, posture) for c in self.when)


@dataclass(frozen=True)
class WaitTechnique:
    min_minutes: float
    postures: tuple[str, ...]
    adds: tuple[str, ...]
    code: str
    name: str
    reason: str
    principle: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Inference:
    legal: tuple[re.Pattern[str], ...]
    repeat: tuple[tuple[re.Pattern[str], int], ...]
    severity: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    affected: tuple[re.Pattern[str], ...]
    question: re.Pattern[str]
    duration: re.Pattern[str]
    numbers: Mapping[str, float]
    units: Mapping[str, float]


@dataclass(frozen=True)
class AdviceData:
    postures: Mapping[str, Posture]
    rules: tuple[Rule, ...]
    compensation: tuple[CompensationRule, ...]
    wait: WaitTechnique
    infer: Inference


def load_advice(path: Path | None = None) -> AdviceData:
    """Read and validate ``data/advice.yaml``; errors name the file, line and fix."""
    root = load("advice.yaml", path)
    root.check_keys(("postures", "rules", "compensation", "wait", "infer"))
    postures = _load_postures(root.section("postures"))
    rules = tuple(_load_rule(s, postures) for s in root.sections("rules"))
    seen: dict[str, str] = {}
    for rule in rules:
        for key in (rule.code, rule.name):
            if key in seen:
                raise DataError(f"{rule.where}: {key!r} is already used at {seen[key]}")
            seen[key] = rule.where
    if rules[-1].when:
        raise DataError(f"{rules[-1].where}: the last rule must have `when: {{}}` (the default)")
    chosen = {r.posture for r in rules}
    unused = [p for p in POSTURES if p not in chosen]
    if unused:
        raise DataError(f"advice.yaml: no rule chooses posture {unused[0]!r}")
    compensation = tuple(
        CompensationRule(
            when=_conditions(s, "when"),
            offer=s.bool("offer"),
            why=" ".join(s.str("why").split()),
        )
        for s in root.sections("compensation")
    )
    if compensation[-1].when:
        raise DataError("advice.yaml: the last compensation rule must have `when: {}`")
    return AdviceData(
        postures=postures,
        rules=rules,
        compensation=compensation,
        wait=_load_wait(root.section("wait")),
        infer=_load_inference(root.section("infer")),
    )


def _load_postures(section: Section) -> dict[str, Posture]:
    out = {}
    for name in section.names():
        if name not in POSTURES:
            raise section.fail(f"unknown posture {name!r}; expected one of {', '.join(POSTURES)}")
        s = section.section(name)
        s.check_keys(("summary", "required", "omit", "avoid", "__line__"))
        out[name] = Posture(
            name=name,
            summary=s.str("summary"),
            required=s.labels("required", COMPONENTS),
            omit=s.labels("omit", COMPONENTS),
            avoid=s.labels("avoid", MISTAKES),
        )
        clash = set(out[name].required) & set(out[name].omit)
        if clash:
            raise s.fail(f"{sorted(clash)[0]!r} is both required and omitted")
    missing = [p for p in POSTURES if p not in out]
    if missing:
        raise section.fail(f"posture {missing[0]!r} is not defined")
    return out


def _load_rule(s: Section, postures: Mapping[str, Posture]) -> Rule:
    s.check_keys(
        (
            "code",
            "name",
            "posture",
            "when",
            "reason",
            "principle",
            "required",
            "evidence",
            "examples",
            "__line__",
        )
    )
    code, name = s.str("code"), s.str("name")
    if not _CODE.match(code):
        raise s.fail(f"code {code!r} must look like P101")
    if not _NAME.match(name):
        raise s.fail(f"name {name!r} must be kebab-case, like legal-signals")
    posture = s.choice("posture", POSTURES)
    when = _conditions(s, "when")
    if any(c.fact == "posture" for c in when):
        raise s.fail("a posture rule cannot test `posture`")
    reason = s.str("reason")
    check_fields(reason, _REASON_FIELDS, s.where)
    required = s.labels("required", COMPONENTS) if "required" in s else None
    evidence = s.strs("evidence", [c.fact for c in when] or ["failure"])
    examples = []
    for e in s.sections("examples"):
        expected = e.choice("posture", POSTURES)
        fields = {k: v for k, v in e.data.items() if k not in ("posture", "__line__")}
        try:
            case = Case(**fields)
        except (TypeError, CaseError) as exc:
            raise e.fail(f"bad example case: {exc}") from exc
        examples.append(Example(case, expected))
    return Rule(
        code=code,
        name=name,
        posture=posture,
        when=when,
        reason=reason,
        principle=" ".join(s.str("principle").split()),
        required=required,
        evidence=evidence,
        examples=tuple(examples),
        where=s.where,
    )


def _conditions(s: Section, key: str) -> tuple[Condition, ...]:
    raw = s.mapping(key)
    out = []
    for fact, value in raw.items():
        if fact not in FACTS:
            raise s.fail(f"`{key}` tests unknown fact {fact!r}; known: {', '.join(FACTS)}")
        allowed = FACTS[fact]
        if isinstance(value, dict):
            bounds = {k: v for k, v in value.items() if k != "__line__"}
            if allowed is not None or not bounds or set(bounds) - {"min", "max"}:
                raise s.fail(f"`{key}.{fact}` takes {{min: N}} / {{max: N}} only for numbers")
            out.append(Condition(fact, min=bounds.get("min"), max=bounds.get("max")))
            continue
        values = tuple(value) if isinstance(value, list) else (value,)
        if allowed is not None:
            bad = [v for v in values if v not in allowed]
            if bad:
                raise s.fail(
                    f"`{key}.{fact}` cannot be {bad[0]!r}; expected one of "
                    f"{', '.join(str(a).lower() for a in allowed)}"
                )
        out.append(Condition(fact, equals=values))
    return tuple(out)


def _load_wait(s: Section) -> WaitTechnique:
    s.check_keys(
        ("min_minutes", "postures", "adds", "code", "name", "reason", "principle", "steps")
    )
    postures = s.strs("postures")
    for p in postures:
        if p not in POSTURES:
            raise s.fail(f"unknown posture {p!r}")
    reason = s.str("reason")
    check_fields(reason, _REASON_FIELDS, s.where)
    return WaitTechnique(
        min_minutes=float(s.int("min_minutes")),
        postures=postures,
        adds=s.labels("adds", COMPONENTS),
        code=s.str("code"),
        name=s.str("name"),
        reason=reason,
        principle=" ".join(s.str("principle").split()),
        steps=s.strs("steps"),
    )


def _load_inference(s: Section) -> Inference:
    s.check_keys(("legal", "repeat", "severity", "affected", "question", "durations"))
    repeat = tuple((r.regex("pattern"), r.int("prior")) for r in s.sections("repeat"))
    severity_section = s.section("severity")
    levels = []
    for level in severity_section.names():
        if level not in SEVERITIES:
            raise severity_section.fail(f"unknown severity {level!r}")
        levels.append((level, severity_section.regexes(level)))
    durations = s.section("durations")
    numbers = {str(k): float(v) for k, v in durations.mapping("numbers").items()}
    units = {str(k): float(v) for k, v in durations.mapping("units").items()}
    return Inference(
        legal=s.regexes("legal"),
        repeat=repeat,
        severity=tuple(levels),
        affected=s.regexes("affected"),
        question=s.regex("question"),
        duration=durations.regex("pattern"),
        numbers=numbers,
        units=units,
    )


@lru_cache(maxsize=1)
def advice_data() -> AdviceData:
    return load_advice()


# -- inference -------------------------------------------------------------------------------
def infer_facts(case: Case, analyzer: Analyzer | None = None) -> Facts:
    """Every fact of the case: given ones as they are, the rest read from the message."""
    data = advice_data().infer
    analyzer = analyzer or get_analyzer(Config())
    customer = case.customer or ""
    doc = analyzer.normalise(customer)
    situation = analyzer.situation.infer(analyzer.normalise(""), doc, ())
    text = doc.text
    evidence: dict[str, list[str]] = {}
    inferred: list[str] = []

    def note(fact: str, match: str) -> None:
        words = evidence.setdefault(fact, [])
        if match and match not in words:
            words.append(match)

    for e in situation.evidence:
        if e.signal in ("failure", "wait"):
            note("failure", e.match)

    if case.cause is None:
        cause = situation.cause
        inferred.append("cause")
        for e in situation.evidence:
            if e.signal == f"cause={cause}":
                note("cause", e.match)
    else:
        cause = case.cause

    if case.legal is None:
        inferred.append("legal")
        for pattern in data.legal:
            m = pattern.search(text)
            if m:
                note("legal", doc.span_text(*m.span())[2])
        for finding in analyzer.engine.detect(doc):
            if finding.label == "legal_risk" and finding.match:
                note("legal", finding.match)
        legal = bool(evidence.get("legal"))
    else:
        legal = case.legal

    earlier = sum(1 for h in case.history if h.cause in ("ours", "unknown"))
    if case.prior_failures is None:
        inferred.append("prior_failures")
        said = 0
        for pattern, prior in data.repeat:
            m = pattern.search(text)
            if m and prior > said:
                said = prior
                note("prior_failures", doc.span_text(*m.span())[2])
        prior_failures = max(said, earlier)
    else:
        prior_failures = max(case.prior_failures, earlier)
    if earlier:
        note("prior_failures", f"{earlier} in this customer's history")
        for h in case.history:
            if h.failure and h.cause in ("ours", "unknown"):
                note("prior_failures", h.failure + (f" {h.when}" if h.when else ""))
    for line in case.recurring:
        note("recurring", line)

    if case.wait_minutes is None:
        wait_minutes = _longest_wait(text, data) if situation.wait else None
        if wait_minutes is not None:
            inferred.append("wait_minutes")
        waited = situation.wait
    else:
        wait_minutes = float(case.wait_minutes)
        waited = wait_minutes > 0

    failure = (
        case.failure
        if case.failure is not None
        else (
            situation.failure
            or cause in ("ours", "outside")
            or legal
            or prior_failures > 0
            or waited
            or case.severity is not None
        )
    )
    if case.failure is None:
        inferred.append("failure")

    if case.severity is None:
        inferred.append("severity")
        severity = "medium"
        for level, patterns in data.severity:
            hit = next((m for p in patterns if (m := p.search(text))), None)
            if hit:
                severity = level
                note("severity", doc.span_text(*hit.span())[2])
                break
    else:
        severity = case.severity

    if case.noticed is None:
        inferred.append("noticed")
        noticed = bool(customer.strip()) and (situation.failure or waited)
    else:
        noticed = case.noticed

    if case.affected is None:
        inferred.append("affected")
        if not customer.strip():
            affected = True  # a known outside cause, told to us without a message: it hit them
        else:
            hit = next((m for p in data.affected if (m := p.search(text))), None)
            if hit:
                note("affected", doc.span_text(*hit.span())[2])
            affected = hit is not None or waited or not _only_questions(text, data.question)
    else:
        affected = case.affected

    if case.first_contact is not None:
        first_contact = case.first_contact
    elif case.reply.strip():
        inferred.append("first_contact")
        # the whole analysis, so that a cause, fault or fix in the reply ends first contact
        situation = analyzer.analyze(case.reply, customer or None).situation
        first_contact = situation.first_contact
        for e in situation.evidence:
            if e.signal == "first_contact":
                note("first_contact", e.match)
    else:
        first_contact = False

    return Facts(
        cause=cause,
        severity=severity,
        noticed=noticed,
        legal=legal,
        prior_failures=prior_failures,
        wait_minutes=wait_minutes,
        waited=waited,
        affected=affected,
        failure=failure,
        inferred=tuple(inferred),
        evidence={k: tuple(v) for k, v in evidence.items()},
        first_contact=first_contact,
        recurring=bool(case.recurring),
    )


def _only_questions(text: str, question: re.Pattern[str]) -> bool:
    """Whether every sentence of the message asks something (an inquiry, not a complaint)."""
    sentences = [x.strip() for x in re.findall(r"[^.!?\n]+[.!?]*", text) if x.strip(" .!?")]
    return bool(sentences) and all(question.search(x) for x in sentences)


def _longest_wait(text: str, data: Inference) -> float | None:
    longest = None
    for m in data.duration.finditer(text):
        amount = m.group("n")
        number = data.numbers.get(amount)
        if number is None:
            try:
                number = float(amount)
            except ValueError:
                continue
        unit = data.units.get(m.group("unit"))
        if unit is None:
            continue
        minutes = number * unit
        if longest is None or minutes > longest:
            longest = minutes
    return longest


# -- the decision ----------------------------------------------------------------------------
def advise(case: Case | str, analyzer: Analyzer | None = None) -> Advice:
    """The posture for this case, the reasons (each with its principle), the components the
    reply must contain, the mistakes to avoid, compensation advice and, for long waits, the
    wait technique. ``case`` may be just the customer's message."""
    if isinstance(case, str):
        case = Case(customer=case)
    data = advice_data()
    facts = infer_facts(case, analyzer)
    rule = next(r for r in data.rules if r.holds(facts))
    posture = data.postures[rule.posture]
    reasons = [
        Reason(rule.code, rule.name, _reason(rule.reason, facts, rule.evidence), rule.principle)
    ]
    required = list(rule.required if rule.required is not None else posture.required)
    compensation_rule = next(c for c in data.compensation if c.holds(facts, posture.name))
    if compensation_rule.offer and "compensation" not in required:
        required.append("compensation")
    technique: tuple[str, ...] = ()
    wait = data.wait
    long_wait = facts.waited and (
        facts.wait_minutes is None or facts.wait_minutes >= wait.min_minutes
    )
    if long_wait and posture.name in wait.postures:
        named = f" ({_minutes(facts.wait_minutes)})" if facts.wait_minutes else ""
        technique = tuple(fill(step, {"wait_named": named}) for step in wait.steps)
        reasons.append(
            Reason(wait.code, wait.name, _reason(wait.reason, facts, ()), wait.principle)
        )
        required += [c for c in wait.adds if c not in required]
    order = {c: i for i, c in enumerate(COMPONENTS)}
    return Advice(
        posture=posture.name,
        reasons=tuple(reasons),
        required=tuple(sorted(required, key=order.__getitem__)),
        avoid=posture.avoid,
        compensation=Compensation(compensation_rule.offer, compensation_rule.why),
        omit=posture.omit,
        summary=posture.summary,
        technique=technique,
        facts=facts,
    )


def _reason(template: str, facts: Facts, evidence_facts: Sequence[str]) -> str:
    words: list[str] = []
    for fact in evidence_facts:
        words += [w for w in facts.evidence.get(fact, ()) if w not in words]
    evidence = " (" + ", ".join(f"“{w}”" for w in words[:4]) + ")" if words else ""
    wait = f" {_minutes(facts.wait_minutes)}" if facts.wait_minutes else ""
    return fill(
        template,
        {
            "evidence": evidence,
            "cause": facts.cause,
            "severity": facts.severity,
            "prior_failures": str(facts.prior_failures),
            "wait_minutes": _number(facts.wait_minutes) if facts.wait_minutes is not None else "?",
            "wait": wait,
            "waited_for": _minutes(facts.wait_minutes) or "an unknown time",
            "earlier": {1: "once", 2: "twice"}.get(
                facts.prior_failures, f"{facts.prior_failures} times"
            ),
        },
    )


def _minutes(minutes: float | None) -> str:
    if minutes is None:
        return ""
    for size, unit in ((10080, "week"), (1440, "day"), (60, "hour")):
        if (minutes >= size and minutes % size == 0) or minutes >= size * 2:
            count = minutes / size
            return f"{_number(count)} {unit}{'' if count == 1 else 's'}"
    return f"{_number(minutes)} minute{'' if minutes == 1 else 's'}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
