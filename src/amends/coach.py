"""``coach``: fix a draft. For each mistake a concrete edit on the original text (span,
replacement, why), and an improved reply with every mistake gone and the components the posture
requires added as marked slots (``[when, and how: ...]``) for the agent to fill in.

The strategies, slots and restating rules are data (``data/coach.yaml``). The engine applies
them in rounds, re-reading the text with the analyzer after each, until nothing is left to fix;
text it has already rewritten that still reads as a mistake is dropped rather than rewritten
again, so the loop always ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .advise import Advice, Case, advise
from .analyzer import Analyzer, get_analyzer
from .datafile import DataError, Section, check_fields, fill, load
from .model import COMPONENTS, MISTAKES, Config, Finding, Report
from .restate import Restater

ACTIONS = (
    "respecify",
    "cut_from",
    "drop_clause",
    "drop_sentence",
    "drop_match",
    "lowercase",
    "substitute",
    "replace_sentence",
    "replace_clause",
    "collapse",
    "split_at",
    "flag",
)
_NEEDS = {
    "cut_from": ("pattern",),
    "split_at": ("pattern",),
    "flag": ("suggest",),
    "substitute": ("pattern", "replacement"),
    "replace_sentence": ("template",),
    "replace_clause": ("template",),
}
_TEMPLATE_FIELDS = ("problem",)
MAX_ROUNDS = 8
SOCIAL_LIMIT = 280  # characters of a post, each link counted as LINK_LENGTH
LINK_LENGTH = 23
_LINK = re.compile(r"(?:https?://|www\.)\S+")
# What an edit never touches: handles, links, HTML entities, thread markers ("1/2") and
# signatures ("^AB").
_PROTECTED = re.compile(
    r"@\w+|(?:https?://|www\.)\S+|&#?\w+;|(?<!\w)\d{1,2}/\d{1,2}(?!\w)|\^[A-Za-z]{1,4}\b"
)


_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")


def post_length(text: str) -> int:
    """Length as a social network counts it: every link is LINK_LENGTH characters, and an HTML
    entity ("&amp;", as exported tweets carry them) is the one character it shows."""
    return len(_ENTITY.sub("x", _LINK.sub("x" * LINK_LENGTH, text)))


def channel_of(text: str) -> str:
    """social when the reply starts with a handle, else chat."""
    return "social" if text.lstrip().startswith("@") else "chat"


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``original[start:end]`` with ``replacement`` (an insertion when start == end)."""

    start: int
    end: int
    replacement: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "replacement": self.replacement,
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A component the posture needs and the reply lacks: why, and a sentence to adapt."""

    label: str
    message: str
    example: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "message": self.message, "example": self.example}


@dataclass(frozen=True, slots=True)
class Flag:
    """A mistake the coach left in place because it carries the agent's facts or position, or a
    note it cannot act on alone (a vague promise: only the agent knows when it will happen)."""

    code: str
    label: str
    start: int
    end: int
    match: str
    why: str
    suggest: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "match": self.match,
            "why": self.why,
            "suggest": self.suggest,
        }


@dataclass(frozen=True, slots=True)
class Coaching:
    original: Report
    edits: tuple[Edit, ...]
    improved: str
    report: Report
    posture: str
    slots: tuple[str, ...]  # the component added as a slot for the agent to fill in (--slots)
    suggestions: tuple[Suggestion, ...] = ()
    flags: tuple[Flag, ...] = ()
    channel: str = "chat"

    @property
    def changed(self) -> int:
        """Characters of the original replaced or removed, plus characters inserted."""
        return sum(max(e.end - e.start, len(e.replacement)) for e in self.edits)

    @property
    def unchanged(self) -> str | None:
        """Why the draft came back as it was (None when it was edited)."""
        if self.edits:
            return None
        if self.flags:
            kinds = ", ".join(dict.fromkeys(f.label.replace("_", " ") for f in self.flags))
            return (
                f"left as written: what is wrong ({kinds}) carries the agent's facts or "
                "position, or needs words only the agent has; each is flagged with a way to say it"
            )
        if self.report.mistakes:
            return "left as written: no fix for its mistakes reads cleanly here"
        return "left as written: the analyzer finds no mistake to fix"

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        size = len(self.original.text)
        return {
            "edits": [e.to_dict() for e in self.edits],
            "improved": self.improved,
            "report": self.report.to_dict(detail=detail),
            "posture": self.posture,
            "channel": self.channel,
            "changed": {
                "edits": len(self.edits),
                "characters": self.changed,
                "share": round(self.changed / size, 3) if size else 0.0,
            },
            "suggestions": [x.to_dict() for x in self.suggestions],
            "flags": [x.to_dict() for x in self.flags],
            "slots": list(self.slots),
            "unchanged": self.unchanged,
        }


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """The text with the (non-overlapping) edits applied."""
    out = text
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: e.start] + e.replacement + out[e.end :]
    return out


# -- the data --------------------------------------------------------------------------------
@dataclass(frozen=True)
class CoachExample:
    text: str
    customer: str | None
    improved: str


@dataclass(frozen=True)
class Strategy:
    keys: tuple[str, ...]
    action: str
    why: str
    when: re.Pattern[str] | None = None
    pattern: re.Pattern[str] | None = None
    trail: re.Pattern[str] | None = None
    replacement: str | None = None
    template: str | None = None
    examples: tuple[CoachExample, ...] = ()
    where: str = ""
    suggest: str = ""

    def fits(self, finding: Finding) -> bool:
        return self.when is None or bool(self.when.search((finding.match or "").lower()))


@dataclass(frozen=True)
class Slot:
    label: str
    where: str  # start | after_apology | end
    text: str
    with_problem: str | None
    why: str
    example: str = ""

    def render(self, problem: str | None) -> str:
        if problem and self.with_problem:
            return fill(self.with_problem, {"problem": problem})
        return self.text


@dataclass(frozen=True)
class AreaForm:
    """How an apology about an area ("sorry you're having trouble with Firefox") is said
    without its stock stand-in: ``rest`` reads the words after the apology word and captures
    the area (and its preposition); ``forms`` say it."""

    head: re.Pattern[str]
    rest: re.Pattern[str]
    forms: tuple[str, ...]

    def said(self, head: str, rest: str, plural: re.Pattern[str]) -> list[str]:
        if not self.head.match(head):
            return []
        m = self.rest.match(rest)
        if m is None:
            return []
        area = m.group("area")
        fields = {
            "head": head,
            "area": area,
            "prep": (m.groupdict().get("prep") or "with").lower(),
            "hear": m.groupdict().get("hear") or "",
            "isnt": "aren't" if plural.search(area) else "isn't",
        }
        return [fill(t, fields) for t in self.forms]


@dataclass(frozen=True)
class CoachData:
    fallback: Strategy
    strategies: tuple[Strategy, ...]
    sorry_forms: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    noun_forms: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    bare_forms: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    area_forms: tuple[AreaForm, ...]
    plural_area: re.Pattern[str]
    # the kind of problem named from the customer's message: a noun phrase ("the crashes")
    # or a clause that reads after "sorry" ("it keeps freezing", is_clause True)
    problem_nouns: tuple[tuple[re.Pattern[str], str, bool], ...]
    stock_rest: re.Pattern[str]
    bare_apology_rest: re.Pattern[str]
    problem_slot: str
    slot_order: tuple[str, ...]
    slots: Mapping[str, Slot]
    greeting: tuple[re.Pattern[str], ...]
    signoff: tuple[re.Pattern[str], ...]
    clause_break: re.Pattern[str]
    leading_conjunction: re.Pattern[str]
    lower_after_greeting: frozenset[str]
    min_words: int
    back_reference: re.Pattern[str]
    commitment: re.Pattern[str]
    praise: re.Pattern[str]
    praise_why: str
    praise_suggest: str
    restate: Restater
    restate_examples: tuple[tuple[str, str | None], ...]

    def strategy_for(self, finding: Finding) -> Strategy:
        for key in (finding.code, finding.label):
            for s in self.strategies:
                if key in s.keys and s.fits(finding):
                    return s
        return self.fallback


def load_coach(path: Path | None = None, codes: Iterable[str] | None = None) -> CoachData:
    """Read and validate ``data/coach.yaml``. ``codes`` are the rule codes strategies may name."""
    root = load("coach.yaml", path)
    root.check_keys(
        (
            "fallback",
            "strategies",
            "sorry_forms",
            "noun_forms",
            "bare_forms",
            "area_forms",
            "plural_area",
            "problem_nouns",
            "stock_rest",
            "bare_apology_rest",
            "problem_slot",
            "slots",
            "greeting",
            "signoff",
            "clause_break",
            "leading_conjunction",
            "lower_after_greeting",
            "min_words",
            "back_reference",
            "commitment",
            "praise",
            "restate",
        )
    )
    known = set(codes if codes is not None else (r.code for r in get_analyzer().all_rules))
    fallback = _strategy(root.section("fallback"), known, examples=False)
    strategies = tuple(_strategy(s, known) for s in root.sections("strategies"))
    covered = {k for s in strategies for k in s.keys}
    uncovered = [m for m in MISTAKES if m not in covered]
    if uncovered:
        raise DataError(f"coach.yaml: no strategy for mistake label {uncovered[0]!r}")

    def head_forms(
        key: str, fields: tuple[str, ...]
    ) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
        out = []
        for s in root.sections(key):
            s.check_keys(("head", "forms", "__line__"))
            templates = s.strs("forms")
            for t in templates:
                check_fields(t, fields, s.where)
            out.append((s.regex("head"), templates))
        return tuple(out)

    areas = []
    for s in root.sections("area_forms"):
        s.check_keys(("head", "rest", "forms", "__line__"))
        rest = s.regex("rest")
        if "area" not in rest.groupindex:
            raise s.fail("`rest` must capture the area as (?P<area>...)")
        templates = s.strs("forms")
        for t in templates:
            check_fields(t, ("head", "area", "prep", "isnt", "hear"), s.where)
        areas.append(AreaForm(s.regex("head"), rest, templates))
    nouns = []
    for s in root.sections("problem_nouns"):
        s.check_keys(("when", "noun", "clause", "__line__"))
        if ("noun" in s) == ("clause" in s):
            raise s.fail("give either `noun` or `clause`")
        clause = "clause" in s
        nouns.append((s.regex("when"), s.str("clause" if clause else "noun"), clause))
    slots_section = root.section("slots")
    order = slots_section.labels("order", COMPONENTS)
    slots = {}
    for label in order:
        s = slots_section.section(label)
        s.check_keys(("where", "text", "with_problem", "why", "example", "__line__"))
        with_problem = s.opt_str("with_problem")
        if with_problem is not None:
            check_fields(with_problem, _TEMPLATE_FIELDS, s.where)
        text = s.str("text")
        check_fields(text, (), s.where)
        slots[label] = Slot(
            label,
            s.choice("where", ("start", "after_apology", "end")),
            text,
            with_problem,
            s.str("why"),
            s.str("example"),
        )
    extra = [k for k in slots_section.names() if k != "order" and k not in slots]
    if extra:
        raise slots_section.fail(f"slot {extra[0]!r} is not listed in slots.order")
    praise = root.section("praise")
    praise.check_keys(("when", "why", "suggest", "__line__"))
    restate_section = root.section("restate")
    restate_examples = tuple(
        (e.str("customer"), e.data.get("problem")) for e in restate_section.sections("examples")
    )
    return CoachData(
        fallback=fallback,
        strategies=strategies,
        sorry_forms=head_forms("sorry_forms", ("head", "problem")),
        noun_forms=head_forms("noun_forms", ("head", "noun")),
        bare_forms=head_forms("bare_forms", ("head",)),
        area_forms=tuple(areas),
        plural_area=root.regex("plural_area"),
        problem_nouns=tuple(nouns),
        stock_rest=root.regex("stock_rest"),
        bare_apology_rest=root.regex("bare_apology_rest"),
        problem_slot=root.str("problem_slot"),
        slot_order=order,
        slots=slots,
        greeting=root.regexes("greeting"),
        signoff=root.regexes("signoff"),
        clause_break=root.regex("clause_break"),
        leading_conjunction=root.regex("leading_conjunction"),
        lower_after_greeting=frozenset(w.lower() for w in root.strs("lower_after_greeting")),
        min_words=root.int("min_words"),
        back_reference=root.regex("back_reference"),
        commitment=root.regex("commitment"),
        praise=praise.regex("when"),
        praise_why=praise.str("why"),
        praise_suggest=praise.str("suggest"),
        restate=Restater.from_data(restate_section),
        restate_examples=restate_examples,
    )


def _strategy(s: Section, known: set[str], examples: bool = True) -> Strategy:
    s.check_keys(
        (
            "for",
            "when",
            "action",
            "why",
            "pattern",
            "trail",
            "replacement",
            "template",
            "suggest",
            "examples",
            "__line__",
        )
    )
    keys = s.strs("for", ("*",)) if examples else ()
    for key in keys:
        if key not in known and key not in MISTAKES:
            raise s.fail(f"`for` names {key!r}, which is neither a rule code nor a mistake label")
    action = s.choice("action", ACTIONS)
    for needed in _NEEDS.get(action, ()):
        if needed not in s:
            raise s.fail(f"action {action} needs {needed!r}")
    template = s.opt_str("template")
    if template is not None:
        check_fields(template, _TEMPLATE_FIELDS, s.where)
    found = []
    if examples:
        for e in s.sections("examples"):
            e.check_keys(("text", "customer", "improved", "__line__"))
            found.append(CoachExample(e.str("text"), e.opt_str("customer"), e.str("improved")))
    return Strategy(
        keys=keys,
        action=action,
        why=s.str("why"),
        when=s.regex("when") if "when" in s else None,
        pattern=s.regex("pattern") if "pattern" in s else None,
        trail=s.regex("trail") if "trail" in s else None,
        replacement=s.data.get("replacement"),
        template=template,
        examples=tuple(found),
        where=s.where,
        suggest=s.opt_str("suggest") or "",
    )


@lru_cache(maxsize=1)
def coach_data() -> CoachData:
    return load_coach()


# -- the text being rewritten ----------------------------------------------------------------
@dataclass
class _Piece:
    text: str
    start: int  # span of the original text this piece stands for
    end: int
    changed: bool
    why: tuple[str, ...] = ()


class Rewrite:
    """A text under edit that remembers which original span each part came from, so every
    change, however many rounds it took, is reported as one edit on the original."""

    def __init__(self, original: str):
        self.original = original
        self.pieces = [_Piece(original, 0, len(original), False)]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)

    def _bounds(self) -> list[tuple[int, int]]:
        out, pos = [], 0
        for p in self.pieces:
            out.append((pos, pos + len(p.text)))
            pos += len(p.text)
        return out

    def changed_near(self, start: int, end: int, radius: int = 0) -> bool:
        """Whether ``text[start:end]`` (give or take ``radius``) touches rewritten text."""
        for p, (s, e) in zip(self.pieces, self._bounds(), strict=True):
            if not p.changed:
                continue
            if s < e and s - radius < end and start < e + radius:
                return True
            if s == e and start - radius < s < end + radius:
                return True
        return False

    def only_recased(self, start: int, end: int) -> bool:
        """Whether every rewritten part touching ``text[start:end]`` is the agent's own words
        with at most a new capital ("…and sorry" -> "Sorry" once the words before it went)."""
        for p, (s, e) in zip(self.pieces, self._bounds(), strict=True):
            if not p.changed or not (s < end and start < e):
                continue
            before, now = self.original[p.start : p.end].lower(), p.text.lower()
            # recased, or words removed before a letter that took the capital
            if not (now == before or (len(now) == 1 and before.endswith(now))):
                return False
        return True

    def apply(self, start: int, end: int, replacement: str, why: str) -> None:
        """Replace ``text[start:end]`` (current coordinates) with ``replacement``."""
        bounds = self._bounds()
        if start < end:
            hit = [i for i, (s, e) in enumerate(bounds) if s < end and start < e]
        else:
            at = [i for i, (s, e) in enumerate(bounds) if s <= start <= e]
            changed = [i for i in at if self.pieces[i].changed]
            inside = [i for i in at if bounds[i][0] <= start < bounds[i][1]]
            hit = changed[:1] or inside[:1] or at[-1:]
        first, last = hit[0], hit[-1]
        head, tail = self.pieces[first], self.pieces[last]
        hs, ts = bounds[first][0], bounds[last][0]
        new: list[_Piece] = []
        prefix = suffix = ""
        if head.changed:
            prefix = head.text[: start - hs]
            ostart = head.start
        else:
            cut = start - hs
            if cut:
                new.append(_Piece(head.text[:cut], head.start, head.start + cut, False))
            ostart = head.start + cut
        after = None
        if tail.changed:
            suffix = tail.text[end - ts :]
            oend = tail.end
        else:
            cut = end - ts
            oend = tail.start + cut
            if tail.text[cut:]:
                after = _Piece(tail.text[cut:], oend, tail.end, False)
        whys = [w for p in self.pieces[first : last + 1] if p.changed for w in p.why]
        new.append(
            _Piece(
                prefix + replacement + suffix,
                ostart,
                oend,
                True,
                tuple(dict.fromkeys([*whys, why])),
            )
        )
        if after is not None:
            new.append(after)
        self.pieces[first : last + 1] = new

    def apply_many(self, plans: Sequence[_Plan]) -> None:
        for plan in sorted(plans, key=lambda p: (p.start, p.end), reverse=True):
            self.apply(plan.start, plan.end, plan.replacement, plan.why)

    def edits(self) -> tuple[Edit, ...]:
        out = []
        for p in self.pieces:
            if p.changed and p.text != self.original[p.start : p.end]:
                out.append(Edit(p.start, p.end, p.text, " ".join(p.why)))
        return tuple(out)


@dataclass(frozen=True)
class _Plan:
    start: int
    end: int
    replacement: str
    why: str


def _applied(text: str, plans: Iterable[_Plan]) -> str:
    for plan in sorted(plans, key=lambda p: p.start, reverse=True):
        text = text[: plan.start] + plan.replacement + text[plan.end :]
    return text


def _merge(plans: Iterable[_Plan]) -> list[_Plan]:
    """Non-overlapping plans: a plan inside a wider one joins it; a partial overlap waits."""
    kept: list[_Plan] = []
    for plan in sorted(plans, key=lambda p: (p.start, -(p.end - p.start))):
        if kept and plan.start < kept[-1].end:
            last = kept[-1]
            if plan.end <= last.end and plan.why not in last.why:
                kept[-1] = _Plan(last.start, last.end, last.replacement, f"{last.why} {plan.why}")
            continue
        if kept and plan.start == kept[-1].start and plan.end == kept[-1].end:
            continue
        kept.append(plan)
    return kept


# -- the coach -------------------------------------------------------------------------------
_JOINT = re.compile(
    r"\s+(?:(?:and|so|as|because|if|while|but|to (?:help|assist|look|check|get))\s+"
    r"(?:i|we|you|it|let|to|help|please|would|will|have|am|are)?\b"
    # a run-on: a new subject and verb with no joint ("sorry for the trouble we are on it")
    r"|(?=(?:i|we)(?:'m|'re|'ve|'ll|\s+(?:am|are|have|will|can|would|were|did)\b)))",
    re.I,
)
# ":)", ": )", ":-(", ";P": never a colon to tidy away
_SMILEY = r"[:;]-?[ ]?[()DPp](?![\w()])"
# Where mistaken words join the rest of their sentence: removed with them.
_JOIN_BEFORE = re.compile(r"(?:\s*[,;:]\s*|\s+)(?:(?:and|but|so|or|as|because|since)\s+)?$", re.I)
_JOIN_AFTER = re.compile(
    rf"\s*(?:(?!{_SMILEY})[,;:]\s*(?:(?:and|but|so|or)\s+)?|\s+(?:and|but|so|or)\s+"
    # a smiley ends what it follows: it goes with the words ("we will fix this soon :)")
    rf"|\s*{_SMILEY}\s*)",
    re.I,
)
# What a rewrite never deletes unless it is the mistake itself: the apology, and the agent's
# steps, follow-ups and offers.
_STEP_LABELS = frozenset({"apology", "remedy", "follow_up", "compensation"})
_APOLOGY_MISTAKES = frozenset({"vague_apology", "conditional_apology", "over_apology"})
# Where a sentence the analyzer reads on really ends: a smiley before a capital ("soon :)
# Thank"), or a run-on into the thanks ("we will fix this soon Thank you").
_RUN_ON = re.compile(
    rf"(?<=\s){_SMILEY}(?=\s+[A-Z])|(?<=[a-z])(?=\s+(?:Thank you|Thanks)\b)"
    # and a full stop with no space after it ("sorry for the trouble.Please update")
    r"|(?<=[a-z]{2}\.)(?=[A-Z][a-z])"
)
_THREAD_MARK = re.compile(r"(?<![\w/])\(?\d{1,2}/\d{1,2}\)?(?![\w/])")
# What cannot open what is left of a sentence once the words before it are gone.
_FRAGMENT = re.compile(r"[\s,;:]*(?:including|such as|especially|for example|e\.g\.)\b", re.I)
_TERMINAL = re.compile(r"[.!?…]+[\"'”’)\]]*\s*$")
_LETTER = re.compile(r"[A-Za-z]")


class _Coach:
    def __init__(
        self,
        data: CoachData,
        analyzer: Analyzer,
        customer: str | None,
        problem: str | None,
        limit: int | None = None,
        keep_positions: bool = True,
    ):
        self.data = data
        self.analyzer = analyzer
        self.customer = customer
        self.problem = problem
        kind = _problem_kind(data, customer) if not problem else None
        if kind is not None and kind[1]:
            self.problem = kind[0]  # a clause reads like the customer's problem restated
        self.noun = kind[0] if kind is not None and not kind[1] else None
        # a customer who only praised: an apology for a problem they never reported needs
        # the agent, not a better apology
        self.praised = bool(customer and data.praise.search(customer))
        self.limit = limit  # social: the longest post the improved reply may be
        self.flags: dict[tuple[str, str], Flag] = {}
        # an agent's draft: its facts and positions stay (flagged); our own draft: they go
        self.keep = keep_positions
        stopwords = analyzer.lexicons.entries.get("stopword", ())
        self.lower_words = data.lower_after_greeting | frozenset(stopwords)

    # -- structure of the current text -------------------------------------------------------
    def head_end(self, text: str) -> int:
        pos = 0
        for pattern in self.data.greeting:
            m = pattern.match(text[pos:])
            if m:
                pos += m.end()
        return pos

    def tail_start(self, text: str) -> int:
        start = len(text.rstrip())
        for pattern in self.data.signoff:
            m = pattern.search(text, self.head_end(text))
            if m and m.start() < start:
                start = m.start()
        return start

    def sentences(self, text: str) -> list[tuple[int, int]]:
        doc = self.analyzer.normalise(text)
        out = []
        for s, e in doc.sentences():
            os_, oe = doc.to_original(s, e)
            while os_ < oe and text[os_].isspace():
                os_ += 1
            while oe > os_ and text[oe - 1].isspace():
                oe -= 1
            for m in _RUN_ON.finditer(text, os_, oe):
                out.append((os_, m.end()))
                os_ = m.end()
                while os_ < oe and text[os_].isspace():
                    os_ += 1
            if os_ < oe:
                out.append((os_, oe))
        return out

    def sentence_at(self, text: str, pos: int) -> tuple[int, int]:
        spans = self.sentences(text)
        for s, e in spans:
            if s <= pos < e:
                return s, e
        before = [x for x in spans if x[0] <= pos]
        return before[-1] if before else (spans[0] if spans else (0, len(text)))

    def protected(self, text: str, s: int, e: int) -> tuple[int, int]:
        """The sentence without the greeting before it or the sign-off after it."""
        head, tail = self.head_end(text), self.tail_start(text)
        ps = head if s < head < e else s
        pe = tail if ps < tail < e else e
        return (ps, pe) if ps < pe else (s, e)

    # -- primitive plans ---------------------------------------------------------------------
    def remove(self, text: str, s: int, e: int, why: str) -> _Plan:
        tail = self.tail_start(text)
        follow = e
        while follow < len(text) and text[follow].isspace():
            follow += 1
        if follow < len(text) and follow < max(tail, e + 1) and text[e:follow] != "":
            return _Plan(s, follow, "", why)
        start = s
        while start > self.head_end(text) and text[start - 1].isspace():
            start -= 1
        return _Plan(start, e, "", why)

    def drop_sentence(self, text: str, pos: int, why: str) -> _Plan:
        s, e = self.protected(text, *self.sentence_at(text, pos))
        return self.remove(text, s, e, why)

    def clause_breaks(self, text: str, s: int, e: int) -> list[tuple[int, int]]:
        return [(s + m.start(), s + m.end()) for m in self.data.clause_break.finditer(text[s:e])]

    def drop_clause(self, text: str, f: Finding, why: str) -> _Plan:
        assert f.start is not None and f.end is not None
        s, e = self.protected(text, *self.sentence_at(text, f.start))
        terminal = _TERMINAL.search(text[s:e])
        content_end = s + terminal.start() if terminal else e
        breaks = [b for b in self.clause_breaks(text, s, content_end) if s < b[0]]
        before = [b for b in breaks if b[1] <= f.start]
        after = [b for b in breaks if b[0] >= f.end]
        prev = before[-1] if before else None
        nxt = after[0] if after else None
        if prev is None and nxt is None:
            return self.drop_sentence(text, f.start, why)
        if prev is None:
            assert nxt is not None
            end = nxt[1]
            m = self.data.leading_conjunction.match(text[end:])
            if m:
                end += m.end()
            plan = _Plan(s, end, "", why)
        else:
            plan = _Plan(prev[0], nxt[0] if nxt else content_end, "", why)
        remaining = text[s : plan.start] + text[plan.end : e]
        if len(re.findall(r"[A-Za-z0-9]+", remaining)) < self.data.min_words:
            return self.drop_sentence(text, f.start, why)
        return plan

    def respecify(self, text: str, start: int, end: int, why: str) -> _Plan | None:
        """Attach the problem to the apology word in ``text[start:end]``, to its clause's end:
        the customer's problem restated, else the kind of problem named from their message,
        else the apology without its stock stand-in. Never a slot."""
        for m in re.finditer(r"[A-Za-z]+", text[start:end]):
            word = m.group()
            if not any(p.match(word) for p, _ in self.data.bare_forms):
                continue
            head_start, head_end = start + m.start(), start + m.end()
            s, e = self.sentence_at(text, head_start)
            terminal = _TERMINAL.search(text[s:e])
            content_end = s + terminal.start() if terminal else e
            clause_end = next(
                (b[0] for b in self.clause_breaks(text, head_end, content_end) if b[0] >= end),
                content_end,
            )
            # the stand-in ends at the clause's end, or where a new verb phrase starts
            joint = _JOINT.search(text, max(end, head_end), clause_end)
            run_on = joint is not None and not joint.group().strip()
            if joint is not None:
                clause_end = joint.start()
            candidates: list[str] = []
            if self.problem:
                candidates += _forms(self.data.sorry_forms, word, problem=self.problem)
            # the kind of problem, the area or a bare apology: never one that repeats the
            # word right after it
            stock: list[str] = []
            if self.noun:
                stock += _forms(self.data.noun_forms, word, noun=self.noun)
            rest = text[head_end:clause_end]
            for area in self.data.area_forms:
                stock += area.said(word, rest, self.data.plural_area)
            if self.data.stock_rest.match(rest):
                stock += _forms(self.data.bare_forms, word)
            candidates += stock
            restated = len(candidates) - len(stock)
            rest_of_sentence = "" if run_on else text[clause_end:content_end]
            following = [w.lower() for w in re.findall(r"[A-Za-z]+", rest_of_sentence)[:4]]
            for n, replacement in enumerate(candidates):
                last = re.findall(r"[A-Za-z]+", replacement)[-1].lower()
                if n >= restated and len(last) >= 4 and last in following:
                    continue  # "sorry about this but this is…", "the crashes, crashes usually…"
                # Judge the new words on their own: other clauses have their own findings.
                sentence = text[s:head_start] + replacement + "."
                if self.analyzer.analyze(sentence, self.customer).mistakes:
                    continue
                if not self.fits(text[:head_start] + replacement + text[clause_end:], text):
                    continue
                if run_on and joint is not None:  # end the apology where the next clause starts
                    after = joint.end()
                    ended = f"{replacement}. {text[after].upper()}"
                    return _Plan(head_start, after + 1, ended, why)
                return _Plan(head_start, clause_end, replacement, why)
            return None
        return None

    def fits(self, new: str, old: str) -> bool:
        """Whether a post stays within the channel's limit (or no longer than it was)."""
        if self.limit is None:
            return True
        return post_length(new) <= max(self.limit, post_length(old))

    # -- strategies --------------------------------------------------------------------------
    def plan(self, text: str, f: Finding, strategy: Strategy) -> list[_Plan]:
        assert f.start is not None and f.end is not None
        why = strategy.why
        action = strategy.action
        if action == "drop_sentence":
            return [self.drop_sentence(text, f.start, why)]
        if action == "drop_clause":
            return [self.drop_clause(text, f, why)]
        if action == "respecify":
            plan = self.respecify(text, f.start, f.end, why)
            if plan is None:  # the problem cannot be named here: the agent names it
                if not self.keep:
                    return [self.drop_sentence(text, f.start, why)]
                self.flag(text, f, why, _NAME_IT)
                return []
            return [plan]
        if action == "cut_from":
            assert strategy.pattern is not None
            s, e = self.sentence_at(text, f.start)
            terminal = _TERMINAL.search(text[s:e])
            content_end = s + terminal.start() if terminal else e
            m = strategy.pattern.search(text, f.start, content_end)
            if m is None or len(re.findall(r"\w+", text[s : m.start()])) < self.data.min_words:
                return [self.drop_clause(text, f, why)]
            return [_Plan(m.start(), content_end, "" if terminal else ".", why)]
        if action == "split_at":
            assert strategy.pattern is not None
            s, e = self.sentence_at(text, f.start)
            m = strategy.pattern.search(text, f.start, e)
            rest = m.end() if m else e
            if m is None or not re.search(r"[A-Za-z]", text[rest:e]):
                return [self.drop_clause(text, f, why)]
            return [_Plan(m.start(), rest + 1, ". " + text[rest].upper(), why)]
        if action == "drop_match":
            end = f.end
            if strategy.trail is not None:
                m = strategy.trail.match(text[end:])
                if m:
                    end += m.end()
            return [_Plan(f.start, end, "", why)]
        if action == "lowercase":
            return [_Plan(f.start, f.end, text[f.start : f.end].lower(), why)]
        if action == "substitute":
            assert strategy.pattern is not None and strategy.replacement is not None
            match = text[f.start : f.end]
            return [
                _Plan(f.start, f.end, strategy.pattern.sub(strategy.replacement, match, 1), why)
            ]
        if action in ("replace_sentence", "replace_clause"):
            assert strategy.template is not None
            words = fill(strategy.template, {"problem": self.problem or self.data.problem_slot})
            s, e = self.protected(text, *self.sentence_at(text, f.start))
            terminal = _TERMINAL.search(text[s:e])
            content_end = s + terminal.start() if terminal else e
            start, end = s, content_end
            if action == "replace_clause":
                breaks = [b for b in self.clause_breaks(text, s, content_end) if s < b[0]]
                start = max([b[1] for b in breaks if b[1] <= f.start], default=s)
                end = min([b[0] for b in breaks if b[0] >= f.end], default=content_end)
                m = self.data.leading_conjunction.match(text[start:])
                if m and start + m.end() <= f.start:
                    start += m.end()
            words = words[:1].upper() + words[1:] if start == s else words[:1].lower() + words[1:]
            return [_Plan(start, end, words, why)]
        raise AssertionError(f"unknown action {action}")  # collapse is planned per report

    def collapse(self, text: str, report: Report, why: str) -> list[_Plan]:
        """Keep the most specific apology (the first whose sentence names the problem)."""
        apologies = [f for f in report.findings if f.label == "apology" and f.start is not None]
        if len(apologies) < 2:
            return []
        acknowledged = [
            f.start for f in report.findings if f.label == "acknowledge" and f.start is not None
        ]

        def sentence(f: Finding) -> tuple[int, int]:
            assert f.start is not None
            return self.sentence_at(text, f.start)

        def names_problem(f: Finding) -> bool:
            s, e = sentence(f)
            return any(s <= a < e for a in acknowledged)

        keeper = next((f for f in apologies if names_problem(f)), apologies[0])
        kept_sentence = sentence(keeper)
        others = [
            f
            for f in report.findings
            if f.start is not None and f.label not in ("apology", "acknowledge")
        ]
        plans = []
        for f in apologies:
            if f is keeper:
                continue
            assert f.start is not None and f.end is not None
            s, e = sentence(f)
            if (s, e) == kept_sentence:
                start = f.start
                while start > s and text[start - 1] in " ,":
                    start -= 1
                plans.append(_Plan(start, f.end, "", why))
            elif any(s <= o.start < e for o in others if o.start is not None):  # type: ignore[operator]
                plans.append(self.drop_clause(text, f, why))
            else:
                plans.append(self.drop_sentence(text, f.start, why))
        return plans

    def fix_round(self, rewrite: Rewrite, report: Report) -> bool:
        text = rewrite.text
        plans: list[_Plan] = []
        collapsed = False
        for f in report.mistakes:
            assert f.start is not None and f.end is not None
            if self.flagged(f):
                continue
            # words the coach wrote that still read as a mistake are not rewritten again (so
            # the rounds end); the agent's own words, only re-capitalised, still are
            if rewrite.changed_near(f.start, f.end) and not rewrite.only_recased(f.start, f.end):
                strategy = self.data.fallback
            else:
                strategy = self.data.strategy_for(f)
            if strategy.action == "flag":
                if self.keep:
                    self.flag(text, f, strategy.why, strategy.suggest)
                else:
                    plans.append(self.drop_sentence(text, f.start, strategy.why))
                continue
            if self.praised and self.keep and f.label in _APOLOGY_MISTAKES:
                self.flag(text, f, self.data.praise_why, self.data.praise_suggest)
                continue
            if strategy.action == "collapse":
                if not collapsed:
                    plans += self.collapse(text, report, strategy.why)
                    collapsed = True
                continue
            plans += [self.keeping_steps(text, f, p, report) for p in self.plan(text, f, strategy)]
        plans = [p for p in plans if p is not None]
        merged = [p for p in _merge(plans) if text[p.start : p.end] != p.replacement]
        merged = [p for p in merged if self.keeps_protected(text, p, report)]
        if self.limit is not None:  # each plan fits on its own; together they must fit too
            fitting: list[_Plan] = []
            for plan in merged:
                if self.fits(_applied(text, [*fitting, plan]), text):
                    fitting.append(plan)
            merged = fitting
        if not merged:
            return False
        rewrite.apply_many(merged)
        self.tidy(rewrite)
        return True

    def drop_mistaken_sentences(self, rewrite: Rewrite, report: Report) -> bool:
        """The last resort: every sentence that still holds a mistake goes, unless it holds a
        handle, a link or a marker (then the mistake is flagged and stays)."""
        text = rewrite.text
        plans = []
        for f in report.mistakes:
            assert f.start is not None
            if self.flagged(f):
                continue
            s, e = self.protected(text, *self.sentence_at(text, f.start))
            plan = self.remove(text, s, e, self.data.fallback.why)
            if self.keep and (
                self.removes_step(text, plan, report, f)
                or self.leaves_nothing(text, plan)
                or self.continues_a_post(text, plan)
            ):
                self.flag(text, f, plan.why, self.data.strategy_for(f).suggest or _NAME_IT)
                continue
            if self.keeps_protected(text, plan, report):
                plans.append(plan)
        if not plans:
            return False
        rewrite.apply_many(_merge(plans))
        self.tidy(rewrite)
        return True

    # -- what stays ----------------------------------------------------------------------------
    def removes_step(self, text: str, plan: _Plan, report: Report, f: Finding) -> bool:
        """Whether ``plan`` deletes words of a step, a follow-up or an offer that the finding
        it is for does not cover (those are the agent's facts)."""
        assert f.start is not None and f.end is not None
        for g in report.findings:
            if g.label not in _STEP_LABELS or g.start is None or g.end is None:
                continue
            if g.code.startswith("X"):
                continue  # the model's span is the sentence it weighed most, not the step's words
            outside = (max(g.start, plan.start), min(g.end, plan.end))
            if outside[0] >= outside[1]:
                continue  # the plan does not touch it
            if f.start <= outside[0] and outside[1] <= f.end:
                continue  # only where the mistake itself is
            if text[outside[0] : outside[1]].lower() not in plan.replacement.lower():
                return True
        # a commitment the analyzer did not read as a step ("we'll let know the developers")
        for m in self.data.commitment.finditer(text, plan.start, plan.end):
            inside = f.start <= m.start() < f.end
            if not inside and m.group().lower() not in plan.replacement.lower():
                return True
        return False

    def leaves_nothing(self, text: str, plan: _Plan) -> bool:
        """Whether the reply would be left with no sentence of its own words."""
        new = text[: plan.start] + plan.replacement + text[plan.end :]
        words = re.findall(r"[^\W\d_]+", _PROTECTED.sub(" ", new))
        return len(words) < self.data.min_words

    def continues_a_post(self, text: str, plan: _Plan) -> bool:
        """Whether the plan removes words of a sentence begun in an earlier post ("@117220
        may need to be changed for safety reasons. … 2/2"): the first post would be left
        hanging, so the words stay."""
        head = self.head_end(text)
        opens_lower = re.match(r"(?:\.{2,}|…)?\s*[a-z]", text[head:])
        if not opens_lower or not (_THREAD_MARK.search(text) or opens_lower.group()[0] in ".…"):
            return False
        first_end = next((e for s, e in self.sentences(text) if e > head), len(text))
        return plan.start < first_end

    def dangles(self, text: str, plan: _Plan) -> bool:
        """Whether what is left refers back to the removed words ("Add-ons are made by
        independent developers. I recommend contacting them") or cannot stand without them
        ("…, including promo material")."""
        if plan.replacement.strip():
            return False
        removed = text[plan.start : plan.end]
        if not _TERMINAL.search(removed) and _FRAGMENT.match(text, plan.end):
            return True  # "…, including promo material" would be left on its own
        if not re.search(r"[A-Za-z]{3,}s\b", removed):  # no plural for "them" to point at
            return False
        # the rest of its sentence and the sentence after it
        end = next((e for s, e in self.sentences(text) if s >= plan.end), len(text))
        return bool(self.data.back_reference.search(text, plan.end, end))

    def keeping_steps(self, text: str, f: Finding, plan: _Plan, report: Report) -> _Plan | None:
        """The plan, or one that removes only the mistaken words when the plan would take a
        step or an offer with them or leave the reply empty; failing both, the finding is
        flagged and nothing is removed."""
        if not self.keep:
            return plan
        if not (
            self.removes_step(text, plan, report, f)
            or self.leaves_nothing(text, plan)
            or self.dangles(text, plan)
            or self.continues_a_post(text, plan)
            # "Please DM us your contact nos. and elaborate on your concern and we will…": the
            # sentence is the end of the last one, cut short by an abbreviation
            or bool(re.match(r"\s*(?:and|but|or|so)\s", text[plan.start : plan.end]))
        ):
            return plan
        narrow = self.narrow(text, f, plan.why)
        if (
            narrow is not None
            and not self.removes_step(text, narrow, report, f)
            and not self.leaves_nothing(text, narrow)
            and not self.dangles(text, narrow)
            and not self.continues_a_post(text, narrow)
        ):
            return narrow
        self.flag(text, f, plan.why, self.data.strategy_for(f).suggest or _NAME_IT)
        return None

    def narrow(self, text: str, f: Finding, why: str) -> _Plan | None:
        """Remove the mistaken words and the joint that tied them to the sentence
        ("Try updating, and I guarantee it will work." -> "Try updating."), if what is left
        of the sentence still reads as one."""
        assert f.start is not None and f.end is not None
        s, e = self.protected(text, *self.sentence_at(text, f.start))
        terminal = _TERMINAL.search(text[s:e])
        content_end = s + terminal.start() if terminal else e
        after = _JOIN_AFTER.match(text, f.end, content_end)
        before = _JOIN_BEFORE.search(text, s, f.start)
        if after is not None:
            start, end = f.start, after.end()
        elif before is not None and f.start > s:
            # to the end of the mistaken clause: "and I guarantee | it will work"
            breaks = self.clause_breaks(text, f.end, content_end)
            start, end = before.start(), (breaks[0][0] if breaks else content_end)
        elif (later := _JOIN_AFTER.search(text, f.end, content_end)) is not None:
            # the mistaken clause opens the sentence: "We do our best | so we're sorry ..."
            start, end = f.start, later.end()
        else:
            return None
        rest = text[s:start] + text[end:content_end]
        if len(re.findall(r"[A-Za-z0-9]+", rest)) < 2:  # "We apologize." is a sentence
            return None
        replacement = ""
        if start == s and end < content_end:  # the sentence now starts with the next word
            replacement = text[end].upper()
            end += 1
        return _Plan(start, end, replacement, why)

    def flagged(self, f: Finding) -> bool:
        return (f.code, f.match or "") in self.flags

    def flag(self, text: str, f: Finding, why: str, suggest: str) -> None:
        assert f.start is not None and f.end is not None
        key = (f.code, f.match or "")
        if key not in self.flags:
            self.flags[key] = Flag(f.code, f.label, f.start, f.end, f.match or "", why, suggest)

    def keeps_protected(self, text: str, plan: _Plan, report: Report) -> bool:
        """A plan may not remove a handle, a link, an entity or a marker; the mistakes it was
        for are flagged instead."""
        # a plan that starts or ends inside a link touches it too
        gone = [
            m.group()
            for m in _PROTECTED.finditer(text)
            if m.start() < max(plan.end, plan.start + 1) and plan.start < m.end()
        ]
        if not self.keep or not gone or all(g in plan.replacement for g in gone):
            return True
        for f in report.mistakes:
            if f.start is not None and plan.start <= f.start < max(plan.end, plan.start + 1):
                self.flag(text, f, _KEPT_WHY, _KEPT_SUGGEST)
        return False

    # -- slots -------------------------------------------------------------------------------
    def add_slots(self, rewrite: Rewrite, advice: Advice) -> list[str]:
        report = self.analyzer.analyze(rewrite.text, self.customer)
        wanted = [
            c
            for c in self.data.slot_order
            if c in advice.required and c not in advice.omit and not report.has(c)
        ]
        needs_problem = "acknowledge" in wanted and report.has("apology")
        if needs_problem and self.attach_problem(rewrite, report):
            report = self.analyzer.analyze(rewrite.text, self.customer)
            wanted = [c for c in wanted if c != "acknowledge" and not report.has(c)]
        if "apology" in wanted and "acknowledge" in wanted:
            wanted.remove("acknowledge")
        chosen = [self.data.slots[c] for c in wanted][:1]  # one clearly marked slot at most
        after = [s for s in chosen if s.where == "after_apology"]
        apology = next(
            (f for f in report.findings if f.label == "apology" and f.start is not None), None
        )
        if after and apology is not None:
            assert apology.start is not None
            _, at = self.sentence_at(rewrite.text, apology.start)
            words = " ".join(s.render(self.problem) for s in after)
            rewrite.apply(at, at, " " + words, " ".join(s.why for s in after))
        end_slots = [s for s in chosen if s.where == "end"]
        if end_slots:
            text = rewrite.text
            at = self.tail_start(text)
            while at > 0 and text[at - 1].isspace():
                at -= 1
            words = " ".join(s.render(self.problem) for s in end_slots)
            before = text[:at].rstrip()
            lead = ""
            if before:
                ends_open = before[-1].isalnum() or before[-1] in "])\"'"
                lead = ". " if ends_open and not _TERMINAL.search(before) else " "
            rewrite.apply(at, at, lead + words, " ".join(s.why for s in end_slots))
        start_slots = [s for s in chosen if s.where == "start" or (s in after and apology is None)]
        if start_slots:
            text = rewrite.text
            at = self.head_end(text)
            words = " ".join(s.render(self.problem) for s in start_slots)
            joiner = " " if at < len(text.rstrip()) else ""
            rewrite.apply(at, at, words + joiner, " ".join(s.why for s in start_slots))
        self.tidy(rewrite)
        return [s.label for s in chosen]

    def attach_problem(self, rewrite: Rewrite, report: Report) -> bool:
        """Turn a bare "so sorry to hear this" into "so sorry <the customer's problem>"."""
        text = rewrite.text
        for f in report.findings:
            if f.label != "apology" or f.start is None or f.end is None:
                continue
            s, e = self.sentence_at(text, f.start)
            terminal = _TERMINAL.search(text[s:e])
            content_end = s + terminal.start() if terminal else e
            clause_end = next(
                (b[0] for b in self.clause_breaks(text, f.end, content_end)), content_end
            )
            if not self.data.bare_apology_rest.match(text[f.end : clause_end]):
                continue
            plan = self.respecify(text, f.start, f.end, self.data.slots["acknowledge"].why)
            if plan is not None:
                rewrite.apply(plan.start, plan.end, plan.replacement, plan.why)
                self.tidy(rewrite)
                return True
        return False

    # -- tidying -----------------------------------------------------------------------------
    def tidy(self, rewrite: Rewrite) -> None:
        """Spacing, stray punctuation and capitals around the edits (never elsewhere)."""
        for pattern, replacement in _TIDY:
            text = rewrite.text
            plans = [
                _Plan(m.start(), m.end(), m.expand(replacement), "Tidy the text around the edit.")
                for m in pattern.finditer(text)
                if rewrite.changed_near(m.start(), m.end(), 1)
            ]
            plans = _merge(plans)
            # a space put back never takes a post over its limit
            if plans and self.fits(_applied(text, plans), text):
                rewrite.apply_many(plans)
        text = rewrite.text
        head = self.head_end(text)
        plans = []
        for s, e in self.sentences(text):
            start = head if s < head < e else s
            m = _LETTER.search(text, start, e)
            if m is None or not rewrite.changed_near(m.start(), m.start(), 2):
                continue
            if m.start() > 0 and not re.match(r"[\s\"'“‘(\[]", text[m.start() - 1]):
                continue  # inside a token ("&gt;", "#tag"): not the start of a word
            word = re.match(r"[A-Za-z'’]+", text[m.start() :])
            after_comma_greeting = (
                start == head
                and head > 0
                and text[:head].rstrip().endswith(",")
                and "\n" not in text[len(text[:head].rstrip()) : m.start()]  # not on a new line
            )
            if after_comma_greeting:
                if (
                    word
                    and word.group().lower() in self.data.lower_after_greeting
                    and not re.match(r"I(?:$|['’])", word.group())
                ):
                    wanted = m.group().lower()
                else:
                    continue
            else:
                wanted = m.group().upper()
            if wanted != m.group():
                plans.append(_Plan(m.start(), m.end(), wanted, "Tidy the text around the edit."))
        if plans:
            rewrite.apply_many(plans)


_TIDY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[ \t]{2,}"), " "),
    (re.compile(r"[ \t]+([,.;:!?])(?![A-Za-z0-9])"), r"\1"),
    (re.compile(r"[,;:]+\s*([.!?])"), r"\1"),
    # a smiley left after the apology once the sentence it closed has gone
    (re.compile(rf"([.!?])[ \t]*{_SMILEY}"), r"\1"),
    (re.compile(rf"\A\s*{_SMILEY}\s*"), ""),
    (re.compile(r"([.!?])[ \t]*[,;:]+"), r"\1"),
    (re.compile(r"\A\s*[,;:]\s*"), ""),
    (re.compile(r"\b([Aa])\s+(?=[aeioAEIO]\w)"), r"\1n "),
    # the edited sentence ends and the next starts with no space ("Sorry about this.As checked")
    (re.compile(r"(?<=[a-z]{2})([.!?])(?=[A-Z][a-z])"), r"\1 "),
    (re.compile(r"[ \t]+[-–—]+[ \t]*(?=\n|\Z|\^|[-~]\s?[A-Z])"), " "),
)

_NAME_IT = (
    "Name what went wrong, in the customer's terms: “I'm sorry your order arrived a week late.”"
)
_KEPT_WHY = "The sentence holds a handle, a link or a marker the coach never removes."
_KEPT_SUGGEST = "Rewrite the sentence yourself, keeping the link or handle."


def _problem_kind(data: CoachData, customer: str | None) -> tuple[str, bool] | None:
    """The kind of problem named from the customer's message (its words, and whether they are
    a clause), or None."""
    if not customer:
        return None
    lowered = customer.lower()
    return next(
        ((said, clause) for when, said, clause in data.problem_nouns if when.search(lowered)),
        None,
    )


def _forms(
    forms: Sequence[tuple[re.Pattern[str], Sequence[str]]], head: str, **fields: str
) -> list[str]:
    """The templates of the first head pattern that matches ``head``, filled."""
    for pattern, templates in forms:
        if pattern.match(head):
            return [fill(t, {"head": head, **fields}) for t in templates]
    return []


def advice_for(report: Report, analyzer: Analyzer | None = None) -> Advice:
    """The posture for the case behind a report: its customer's message and its situation."""
    # With the customer's message, the cause is read from it alone: a reply that blames the
    # courier does not make the case an outside one.
    cause = None if report.customer else report.situation.cause
    return advise(
        Case(
            customer=report.customer or "",
            cause=None if cause == "unknown" else cause,
            failure=True if report.situation.failure else None,
            # a draft that asks for details and states no cause, fault or fix: first contact
            first_contact=report.situation.first_contact,
        ),
        analyzer,
    )


def coach(
    report: Report | str,
    customer: str | None = None,
    *,
    slots: bool = False,
    advice: Advice | None = None,
    analyzer: Analyzer | None = None,
    channel: str | None = None,
    keep_positions: bool = True,
) -> Coaching:
    """Fix a draft with minimal edits: each mistake where it stands, everything else untouched.

    ``report`` is the analyzer's report of the draft (or the draft itself, with ``customer``).
    Components the posture needs and the draft lacks come back as suggestions with an example
    sentence; with ``slots`` the first of them also goes into the reply as one marked slot.
    Mistakes that carry the agent's facts or position (a policy, a refusal) are flagged, not
    removed. ``channel`` (social, chat or email; social when the draft starts with a handle)
    bounds the length: a social post stays within 280 characters, links counted as 23.
    ``keep_positions=False`` (for amends' own drafts, not an agent's) removes what would be
    flagged, so the result has no mistakes at all.
    """
    analyzer = analyzer or get_analyzer(Config())
    if isinstance(report, str):
        report = analyzer.analyze(report, customer)
    data = coach_data()
    advice = advice or advice_for(report, analyzer)
    channel = channel or channel_of(report.text)
    problem = data.restate.problem(report.customer, analyzer)
    limit = SOCIAL_LIMIT if channel == "social" else None
    engine = _Coach(data, analyzer, report.customer, problem, limit, keep_positions)
    rewrite = Rewrite(report.text)
    current = analyzer.analyze(rewrite.text, report.customer)
    for _ in range(MAX_ROUNDS):
        if not current.mistakes or not engine.fix_round(rewrite, current):
            break
        current = analyzer.analyze(rewrite.text, report.customer)
    for _ in range(MAX_ROUNDS):
        if not current.mistakes or not engine.drop_mistaken_sentences(rewrite, current):
            break
        current = analyzer.analyze(rewrite.text, report.customer)
    added: list[str] = []
    if slots:
        before, saved = rewrite.text, list(rewrite.pieces)
        added = engine.add_slots(rewrite, advice)
        if (
            not engine.fits(rewrite.text, before)
            or analyzer.analyze(rewrite.text, report.customer).mistakes
        ):
            rewrite.pieces = saved  # the slot does not fit the channel: leave it to the agent
            added = []
        current = analyzer.analyze(rewrite.text, report.customer)
    wanted = [
        c
        for c in data.slot_order
        if c in advice.required and c not in advice.omit and not current.has(c) and c not in added
    ]
    if "apology" in wanted and "acknowledge" in wanted:
        wanted.remove("acknowledge")  # the apology's example names the problem
    suggestions = tuple(Suggestion(c, data.slots[c].why, data.slots[c].example) for c in wanted)
    for note in current.notes:
        # the coach cannot invent a due time: the note goes to the agent with its suggestion
        engine.flag(rewrite.text, note, note.why, note.suggestions[0] if note.suggestions else "")
    flags = []
    for flag in engine.flags.values():
        if flag.match not in rewrite.text:
            continue  # an edit for another mistake removed it after all
        at = report.text.find(flag.match) if flag.match else -1
        if at >= 0:
            flag = replace(flag, start=at, end=at + len(flag.match))
        flags.append(flag)
    return Coaching(
        original=report,
        edits=rewrite.edits(),
        improved=rewrite.text,
        report=current,
        posture=advice.posture,
        slots=tuple(added),
        suggestions=suggestions,
        flags=tuple(sorted(flags, key=lambda x: x.start)),
        channel=channel,
    )
