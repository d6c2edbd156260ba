"""The promise ledger's reasoning over a conversation's history: whether a later message
delivered a promise, what a promise's status is at a moment, and the checks that need history
(a promise made again after it was broken; an apology that ignores an overdue promise).

Pure: it reads messages and promises handed to it and never a database or the clock; the store
(``amends.store.ledger``) feeds it. What "delivers" and "mentions" mean is data
(``data/ledger.yaml``), every delivery rule with examples that tests run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import datafile
from .promises import Action, Promise, PromiseRules, promise_rules

# curly apostrophes read as straight ones, one character for one so offsets stay put
_FOLD = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_PLACEHOLDERS = ("done", "things", "trigger_done")
_NEVER = "(?!)"  # an action without participles or things: the rule cannot fire for it
_WORDS = re.compile(r"[a-z]+", re.I)
_FINDING_FIELDS = ("match", "action", "earlier", "due", "said")


@dataclass(frozen=True, slots=True)
class Said:
    """One message of a conversation, as the ledger reads it."""

    id: Any
    role: str  # customer | agent
    sent_at: datetime  # aware
    text: str
    public: bool = True


@dataclass(frozen=True, slots=True)
class Tracked:
    """A promise in the ledger: what was promised, in which message, and its stored status."""

    id: Any
    message_id: Any
    promise: Promise
    status: str = "open"
    status_by: str | None = None  # ledger | person | None (never changed)
    kept_by: Any = None


@dataclass(frozen=True, slots=True)
class LedgerFinding:
    """A finding that needs the conversation's history, shaped like the analyzer's: a code and
    name, the message it is about, the span of ``match`` in that message's text, suggestions and
    why; ``promise_id`` is the earlier promise it is about."""

    code: str
    name: str
    message_id: Any
    message: str
    start: int | None
    end: int | None
    match: str | None
    suggestions: tuple[str, ...]
    why: str
    promise_id: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "message_id": self.message_id,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "match": self.match,
            "suggestions": list(self.suggestions),
            "why": self.why,
            "promise_id": self.promise_id,
        }


@dataclass(frozen=True)
class DeliveryRule:
    name: str
    template: str  # the pattern with its placeholders
    actions: frozenset[str] | None  # None: every action
    kinds: frozenset[str] | None  # None: every kind
    unprompted: bool  # only a message with no customer message since the promise
    examples: tuple[tuple[str, str, bool], ...]  # (promise, later message, kept?)
    where: str


@dataclass(frozen=True)
class FindingText:
    code: str
    name: str
    message: str
    why: str
    suggest: str


@dataclass(frozen=True)
class LedgerRules:
    """``data/ledger.yaml``, read and checked, over the promise rules' actions."""

    delivered: tuple[DeliveryRule, ...]
    mention_phrases: re.Pattern[str]
    findings: Mapping[str, FindingText]  # by code
    promises: PromiseRules = field(repr=False)
    _compiled: dict[tuple[str, str, str], re.Pattern[str] | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    def only(self, name: str) -> LedgerRules:
        """These rules with one delivery rule switched on (its examples must pass alone)."""
        return replace(
            self, delivered=tuple(r for r in self.delivered if r.name == name), _compiled={}
        )

    # -- delivery ------------------------------------------------------------------------------
    def delivery(
        self, promise: Promise, text: str, prompted: bool = False
    ) -> tuple[str, int, int] | None:
        """Whether ``text``, a later agent message, delivers ``promise``: the rule that says so
        and the span of its words, or None. ``prompted``: a customer message came between."""
        folded = text.translate(_FOLD)
        for rule in self.delivered:
            if rule.unprompted and prompted:
                continue
            if rule.actions is not None and promise.action not in rule.actions:
                continue
            if rule.kinds is not None and promise.kind not in rule.kinds:
                continue
            pattern = self._pattern(rule, promise)
            if pattern is None:
                continue
            m = pattern.search(folded)
            if m:
                return rule.name, m.start(), m.end()
        return None

    def find_delivery(
        self, promise: Promise, made_at: datetime, history: Sequence[Said]
    ) -> tuple[Said, str] | None:
        """The first public agent message after ``made_at`` that delivers ``promise``, and the
        rule that found it."""
        prompted = False
        for said in history:
            if said.sent_at <= made_at:
                continue
            if said.role == "customer":
                prompted = True
            if said.role != "agent" or not said.public:
                continue
            found = self.delivery(promise, said.text, prompted)
            if found:
                return said, found[0]
        return None

    def _pattern(self, rule: DeliveryRule, promise: Promise) -> re.Pattern[str] | None:
        """The rule's pattern filled for this promise; None when every placeholder it uses is
        empty for it (an action without participles): then it cannot fire."""
        trigger_action = self.trigger_action(promise.trigger) if promise.trigger else None
        key = (rule.name, promise.action, trigger_action or "")
        if key not in self._compiled:
            action = self._action(promise.action)
            named = self._action(trigger_action)
            fills = {
                "done": _alternatives(action.done if action else None),
                "things": _alternatives(action.things if action else None),
                "trigger_done": _alternatives(named.done if named else None),
            }
            used = [p for p in _PLACEHOLDERS if "{" + p + "}" in rule.template]
            if used and all(fills[p] == _NEVER for p in used):
                self._compiled[key] = None
            else:
                pattern = rule.template
                for name, value in fills.items():
                    pattern = pattern.replace("{" + name + "}", value)
                self._compiled[key] = datafile.compile_pattern(
                    rf"(?<![\w])(?:{pattern})(?![\w])", rule.where, re.IGNORECASE
                )
        return self._compiled[key]

    def _action(self, name: str | None) -> Action | None:
        return next((a for a in self.promises.actions if a.name == name), None)

    def trigger_action(self, trigger: str) -> str | None:
        """The action a trigger names ("it ships": deliver, "it's fixed": fix), from the promise
        rules' verbs and participles; None when it names none."""
        for word in _WORDS.findall(trigger.lower()):
            stems = {word, word.removesuffix("s"), word.removesuffix("es"), word.removesuffix("ed"),
                     word.removesuffix("d")}  # fmt: skip
            for action in self.promises.actions:
                if action.done is not None and action.done.fullmatch(word):
                    return action.name
                if action.verbs is not None and any(action.verbs.fullmatch(s) for s in stems):
                    return action.name
        return None

    # -- mentions ------------------------------------------------------------------------------
    def mentions(self, text: str, promise: Promise) -> bool:
        """Whether ``text`` mentions ``promise``: the data's mention phrases, or the promised
        action's own verbs, things or participles."""
        folded = text.translate(_FOLD)
        if self.mention_phrases.search(folded):
            return True
        action = self._action(promise.action)
        if action is None:
            return False
        for pattern in (action.verbs, action.things, action.done):
            if pattern is not None and _search_words(pattern, folded):
                return True
        return False

    # -- findings ------------------------------------------------------------------------------
    def finding(
        self, code: str, message_id: Any, text: str, span: tuple[int, int] | None,
        values: Mapping[str, str], promise_id: Any = None,
    ) -> LedgerFinding:  # fmt: skip
        said = self.findings[code]
        match = text[span[0] : span[1]] if span else None
        filled = {"match": match or "", **values}
        return LedgerFinding(
            code=said.code,
            name=said.name,
            message_id=message_id,
            message=datafile.fill(said.message, filled),
            start=span[0] if span else None,
            end=span[1] if span else None,
            match=match,
            suggestions=(datafile.fill(said.suggest, filled),),
            why=said.why,
            promise_id=promise_id,
        )


def _alternatives(pattern: re.Pattern[str] | None) -> str:
    return f"(?:{pattern.pattern})" if pattern is not None else _NEVER


def _search_words(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern`` (anchored at its start by the promise rules) anywhere in ``text`` at the
    start of a word."""
    return any(pattern.match(text, m.start()) for m in _WORDS.finditer(text))


# -- status -----------------------------------------------------------------------------------
def status_at(
    tracked: Tracked, made_at: datetime, history: Sequence[Said], now: datetime,
    rules: LedgerRules | None = None,
) -> tuple[str, Said | None]:  # fmt: skip
    """A promise's status at ``now`` and the message that kept it, if one did.

    A status a person set stays. Otherwise the promise is kept when a later agent message sent by
    ``now`` delivers it; broken when it had a due time, that time is before ``now``, and nothing
    delivered it; else open.
    """
    if tracked.status_by == "person":
        return tracked.status, None
    rules = rules or ledger_rules()
    found = rules.find_delivery(tracked.promise, made_at, [s for s in history if s.sent_at <= now])
    if found:
        return "kept", found[0]
    due = tracked.promise.due
    if due is not None and due < now:
        return "broken", None
    return "open", None


def check_history(
    history: Sequence[Said],
    promises: Iterable[Tracked],
    apology_span: Callable[[Said], tuple[int, int] | None],
    rules: LedgerRules | None = None,
) -> list[LedgerFinding]:
    """The ledger's checks over one conversation, oldest message first:

    - P001 ``vague-promise``: a reply promises something with no time and no trigger ("we'll be
      in touch"): the ledger can never call it overdue;
    - P101 ``promise-after-broken-promise``: a reply promises an action already promised in the
      conversation whose due time passed before the reply with nothing delivering it;
    - P102 ``apology-ignores-overdue-promise``: a reply apologises (``apology_span`` gives the
      apology's span, or None) while a promise is overdue, and does not mention it.

    A promise a person marked kept or cancelled is never overdue; one marked broken always is
    once due.
    """
    rules = rules or ledger_rules()
    ordered = sorted(history, key=lambda s: s.sent_at)
    sent = {s.id: s for s in ordered}
    by_message: dict[Any, list[Tracked]] = {}
    for t in promises:
        by_message.setdefault(t.message_id, []).append(t)
    out: list[LedgerFinding] = []
    earlier: list[tuple[Tracked, Said]] = []
    for reply in ordered:
        if reply.role != "agent" or not reply.public:
            continue
        overdue = [
            (t, made) for t, made in earlier if _overdue_at(t, made, ordered, reply.sent_at, rules)
        ]
        for t in by_message.get(reply.id, []):
            if t.promise.kind == "vague":
                out.append(
                    rules.finding(
                        "P001", reply.id, reply.text, (t.promise.start, t.promise.end),
                        {"action": t.promise.action}, promise_id=t.id,
                    )
                )  # fmt: skip
            again = next((o for o in overdue if o[0].promise.action == t.promise.action), None)
            if again:
                out.append(
                    rules.finding(
                        "P101", reply.id, reply.text, (t.promise.start, t.promise.end),
                        _values(t.promise.action, again), promise_id=again[0].id,
                    )
                )  # fmt: skip
        if overdue:
            span = apology_span(reply)
            missed = [o for o in overdue if not rules.mentions(reply.text, o[0].promise)]
            if span is not None and len(missed) == len(overdue):
                first = missed[0]
                out.append(
                    rules.finding(
                        "P102", reply.id, reply.text, span,
                        _values(first[0].promise.action, first), promise_id=first[0].id,
                    )
                )  # fmt: skip
        earlier += [(t, reply) for t in by_message.get(reply.id, []) if reply.id in sent]
    return out


def _overdue_at(
    t: Tracked, made: Said, history: Sequence[Said], at: datetime, rules: LedgerRules
) -> bool:
    if t.status_by == "person":
        return t.status == "broken" and (t.promise.due is None or t.promise.due < at)
    status, _ = status_at(t, made.sent_at, [s for s in history if s.sent_at < at], at, rules)
    return status == "broken"


def _values(action: str, earlier: tuple[Tracked, Said]) -> dict[str, str]:
    promise, made = earlier[0].promise, earlier[1]
    # times in the zone the due time was read in, which is the customer's or team's
    zone = promise.due.tzinfo if promise.due else None
    return {
        "action": action,
        "earlier": promise.text,
        "due": _when(promise.due) if promise.due else "no time",
        "said": f"said {_when(made.sent_at.astimezone(zone))}",
    }


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


# -- loading ----------------------------------------------------------------------------------
def load_ledger_rules(
    path: Path | None = None, promises: PromiseRules | None = None
) -> LedgerRules:
    """Read and check ``data/ledger.yaml`` (or ``path``); errors name the file and line."""
    promises = promises or promise_rules()
    actions = {a.name for a in promises.actions}
    data = datafile.load("ledger.yaml", path)
    data.check_keys(("delivered", "mentions", "findings"))
    delivered = []
    for r in data.sections("delivered"):
        r.check_keys(("name", "pattern", "actions", "kinds", "unprompted", "examples"))
        template = r.str("pattern")
        for name in re.findall(r"\{([a-z_]+)\}", template):
            if name not in _PLACEHOLDERS:
                raise r.fail(
                    f"unknown placeholder {{{name}}}; known: "
                    + ", ".join("{" + p + "}" for p in _PLACEHOLDERS)
                )
        only = r.strs("actions") if "actions" in r else None
        for name in only or ():
            if name not in actions:
                raise r.fail(f"actions: {name!r} is not one of {', '.join(sorted(actions))}")
        kinds = r.strs("kinds") if "kinds" in r else None
        for kind in kinds or ():
            if kind not in ("dated", "triggered", "vague"):
                raise r.fail(f"kinds: {kind!r} is not one of dated, triggered, vague")
        examples = []
        for ex in r.sections("examples"):
            ex.check_keys(("promise", "later", "kept"))
            examples.append((ex.str("promise"), ex.str("later"), ex.bool("kept")))
        if not any(kept for _, _, kept in examples):
            raise r.fail("a delivery rule needs at least one example it keeps (kept: true)")
        # the template must compile once its placeholders are filled
        datafile.compile_pattern(re.sub(r"\{[a-z_]+\}", "x", template), r.where, re.IGNORECASE)
        delivered.append(
            DeliveryRule(
                r.str("name"), template, frozenset(only) if only else None,
                frozenset(kinds) if kinds else None, r.bool("unprompted", False), tuple(examples),
                r.where,
            )
        )  # fmt: skip
    mentions = datafile.compile_pattern(
        r"(?<![\w])(?:" + "|".join(f"(?:{p})" for p in data.strs("mentions")) + r")(?![\w])",
        data.where,
        re.IGNORECASE,
    )
    return LedgerRules(tuple(delivered), mentions, _finding_texts(data), promises)


def _finding_texts(data: datafile.Section) -> dict[str, FindingText]:
    findings = {}
    for f in data.sections("findings"):
        f.check_keys(("code", "name", "message", "why", "suggest"))
        for key in ("message", "suggest"):
            datafile.check_fields(f.str(key), _FINDING_FIELDS, f.where)
        code = f.str("code")
        findings[code] = FindingText(code, f.str("name"), f.str("message"), f.str("why"),
                                     f.str("suggest"))  # fmt: skip
    missing = {"P001", "P101", "P102"} - set(findings)
    if missing:
        raise data.fail(f"findings: {sorted(missing)[0]} is missing; the ledger reports it")
    return findings


@lru_cache(maxsize=1)
def finding_texts() -> Mapping[str, FindingText]:
    """The findings' texts of the shipped ``data/ledger.yaml`` by code, without the delivery
    rules: the analyzer's vague-promise note (P001) says what the ledger's says."""
    data = datafile.load("ledger.yaml")
    data.check_keys(("delivered", "mentions", "findings"))
    return _finding_texts(data)


@lru_cache(maxsize=1)
def ledger_rules() -> LedgerRules:
    """The shipped ledger rules, read once per process."""
    return load_ledger_rules()


__all__ = [
    "LedgerFinding",
    "LedgerRules",
    "Said",
    "Tracked",
    "check_history",
    "finding_texts",
    "ledger_rules",
    "load_ledger_rules",
    "status_at",
]
