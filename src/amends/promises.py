"""Promises in an agent's reply: what was promised, and by when.

A promise is a cue ("I'll", "an engineer will", "you'll receive", "your refund will arrive")
followed by an action (call, email, refund, ...). Its due time comes from a time expression in the
same clause ("by Friday", "within 48 hours", "in 3–5 working days"), resolved against the message's
timestamp in the customer's or team's time zone; or it waits on a trigger ("once it ships"); or it
has neither and is vague ("we'll be in touch"). The phrasings and the decisions about time are data
(``data/promises.yaml``); this module matches and resolves. It is pure: no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from . import datafile
from .datafile import DataError, Section

KINDS = ("dated", "triggered", "vague")
WORKING_WEEK = (0, 1, 2, 3, 4)
END_OF_DAY = time(23, 59, 59)

# Curly quotes and dashes read as straight ones, one character for one so offsets stay put.
_FOLD = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "–": "-", "—": "-", "\u00a0": " "})
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_FACTS = {
    "n", "n2", "unit", "day", "weekday", "next", "dom", "month", "year", "numdate",
    "week", "clock", "daypart", "first", "eod", "before",
}  # fmt: skip
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:(a)\.?m\.?|(p)\.?m\.?)?$", re.I)


@dataclass(frozen=True)
class Promise:
    """One promise in a message; ``start``/``end`` are code points into the original text."""

    text: str
    start: int
    end: int
    kind: str  # dated | triggered | vague
    due: datetime | None  # aware, in the message's zone; None unless dated
    trigger: str | None  # what the promise waits on ("it ships")
    action: str  # what was promised: call, email, refund, ...

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "due": self.due.isoformat() if self.due else None,
            "trigger": self.trigger,
            "action": self.action,
        }


# -- the data ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    name: str
    verbs: re.Pattern[str] | None
    things: re.Pattern[str] | None
    done: re.Pattern[str] | None


@dataclass(frozen=True)
class LightVerb:
    pattern: re.Pattern[str]
    default: str | None


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: re.Pattern[str]
    then: str  # verb | thing | done | fixed
    action: str | None  # for ``fixed``
    only: frozenset[str] | None  # the actions this cue can promise (None: any)
    examples: tuple[tuple[str, str | None], ...]  # (text, action or None for no promise)


@dataclass(frozen=True)
class TimeRule:
    name: str
    pattern: re.Pattern[str]
    sets: Mapping[str, Any]
    examples: tuple[tuple[str, str, str, str], ...]  # (phrase, at, zone, due)


@dataclass(frozen=True)
class TriggerRule:
    name: str
    pattern: re.Pattern[str]
    where: str  # after | before
    examples: tuple[tuple[str, str | None], ...]  # (text, trigger, or None for no trigger)


@dataclass(frozen=True)
class Veto:
    name: str
    pattern: re.Pattern[str]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    close_of_business: time
    first_thing: time
    week_ends: int
    day_first: bool
    horizon_days: int


@dataclass(frozen=True)
class PromiseRules:
    """Everything ``data/promises.yaml`` says, compiled; ``extract`` applies it."""

    settings: Settings
    numbers: Mapping[str, int]
    units: tuple[tuple[str, re.Pattern[str]], ...]
    dayparts: Mapping[str, time]
    clock_words: Mapping[str, time]
    weekdays: Mapping[str, int]
    months: Mapping[str, int]
    clause_breaks: re.Pattern[str]
    fillers: re.Pattern[str]
    determiners: re.Pattern[str]
    stops: re.Pattern[str]
    light_verbs: tuple[LightVerb, ...]
    actions: tuple[Action, ...]
    cues: tuple[Cue, ...]
    triggers: tuple[TriggerRule, ...]
    trigger_exceptions: tuple[re.Pattern[str], ...]
    vetoes: tuple[Veto, ...]
    times: tuple[TimeRule, ...]
    # Words every cue contains (``may_promise`` in the data): a text with none of them holds no
    # promise. None: no prefilter, every text is read (the plain path the prefilter is tested
    # against).
    prefilter: re.Pattern[str] | None = None
    # The same words, lower-cased: a substring test per word costs a tenth of the search above
    # on a reply, and finds every text the search finds (it is only ever more permissive).
    prefilter_words: tuple[str, ...] = ()

    def may_promise(self, text: str) -> bool:
        """Whether ``text`` may hold a promise: False only when no cue can match in it."""
        return self._may(text.translate(_FOLD))

    def _may(self, folded: str) -> bool:
        if self.prefilter is None:
            return True
        if self.prefilter_words:
            lowered = folded.lower()
            return any(word in lowered for word in self.prefilter_words)
        return self.prefilter.search(folded) is not None

    @cached_property
    def _gate(self) -> _CueGate:
        return _CueGate(self.cues)

    def only(self, *, cue: str | None = None) -> PromiseRules:
        """These rules with one cue switched on (its examples must pass alone)."""
        return replace(self, cues=tuple(c for c in self.cues if c.name == cue))

    def extract(
        self,
        text: str,
        at: datetime,
        tz: str | ZoneInfo,
        business_days: Collection[int] = WORKING_WEEK,
        holidays: Collection[date] = (),
        day_first: bool | None = None,
    ) -> list[Promise]:
        zone = as_zone(tz)
        clock = _Clock(
            now=as_local(at, zone),
            zone=zone,
            business_days=frozenset(business_days),
            holidays=frozenset(holidays),
            settings=self.settings,
            day_first=self.settings.day_first if day_first is None else day_first,
        )
        folded = text.translate(_FOLD)
        if not self._may(folded):
            return []
        cues = self._gate.possible(folded)
        if not cues:
            return []  # most replies: no cue's words at all, so no sentence can promise
        found = []
        for s0, s1 in _sentences(folded):
            if folded[s0:s1].rstrip().endswith("?"):
                continue  # a question asks; it does not promise
            found += self._in_sentence(text, folded, s0, s1, clock, cues)
        return found

    def due(self, phrase: str, at: datetime, tz: str | ZoneInfo) -> datetime | None:
        """The due time of the time expression(s) in ``phrase`` (the data examples use it)."""
        zone = as_zone(tz)
        clock = _Clock(as_local(at, zone), zone, frozenset(WORKING_WEEK), frozenset(),
                       self.settings, self.settings.day_first)  # fmt: skip
        facts = self._time_facts(phrase.translate(_FOLD), 0, len(phrase), clock, last=False)
        return clock.resolve(facts[0]) if facts else None

    # -- one sentence --------------------------------------------------------------------------
    def _in_sentence(
        self, text: str, folded: str, s0: int, s1: int, clock: _Clock, possible: Sequence[Cue]
    ) -> list[Promise]:
        cues = _cues(possible, folded, s0, s1)
        out = []
        for i, (c0, c1, cue) in enumerate(cues):
            clause_end = cues[i + 1][0] if i + 1 < len(cues) else s1
            brk = self.clause_breaks.search(folded, c1, clause_end)
            if brk:
                clause_end = brk.start()
            acted = self._action(folded, cue, c1, clause_end)
            if acted is None:
                continue
            # Only the first cue of a clause looks back: words before a later cue belong to the
            # clause of the cue before it.
            head = s0
            if i:
                head = c0
            else:
                for brk in self.clause_breaks.finditer(folded, s0, c0):
                    head = brk.end()
            if any(v.pattern.search(folded, head, acted[1]) for v in self.vetoes):
                continue
            # What the words before the cue say holds for every action the cue governs.
            head_time = self._time_facts(folded, head, c0, clock, last=True) if head < c0 else None
            head_trigger = self._trigger(folded, head, c0, "before") if head < c0 else None
            pieces = self._chained(folded, c0, acted, clause_end)
            earlier_time = head_time
            for k, (a0, action, a1) in enumerate(pieces):
                region_end = pieces[k + 1][0] if k + 1 < len(pieces) else clause_end
                facts = self._time_facts(folded, a1, region_end, clock, last=False)
                # "I'll check it on Thursday and email you": the email is due when the check is
                # (its words stay its own: the time is said once, for the first)
                if facts is None:
                    facts = (
                        earlier_time
                        if k == 0 or earlier_time is None
                        else (earlier_time[0], a0, a1)
                    )
                else:
                    earlier_time = facts
                trigger = self._trigger(folded, a1, region_end, "after") or head_trigger
                out.append(self._promise(text, a0, a1, action, facts, trigger, clock))
        return out

    def _chained(
        self, folded: str, c0: int, acted: tuple[str, int], end: int
    ) -> list[tuple[int, str, int]]:
        """The cue's action and those joined to it ("look into it and contact you"), each as
        (start, action, end)."""
        pieces = [(c0, acted[0], acted[1])]
        at = acted[1]
        while m := _AND.search(folded, at, end):
            verb = self._verb(folded, m.end(), end)
            if verb is None:
                at = m.end()
                continue
            if verb[0] == pieces[-1][1]:  # "look into it and see what I can do": one promise
                pieces[-1] = (pieces[-1][0], verb[0], verb[1])
            else:
                pieces.append((m.end(), verb[0], verb[1]))
            at = verb[1]
        return pieces

    def _promise(
        self,
        text: str,
        start: int,
        end: int,
        action: str,
        facts: tuple[dict[str, Any], int, int] | None,
        trigger: tuple[int, int] | None,
        clock: _Clock,
    ) -> Promise:
        due = None
        if facts is not None:
            when, t0, t1 = facts
            start, end = min(start, t0), max(end, t1)
            # A duration after a trigger counts from the trigger, which has not happened yet.
            if trigger is None or "unit" not in when:
                due = clock.resolve(when)
        if trigger is not None:
            start, end = min(start, trigger[0]), max(end, trigger[1])
        return Promise(
            text=text[start:end],
            start=start,
            end=end,
            kind="dated" if due else "triggered" if trigger else "vague",
            due=due,
            trigger=text[trigger[0] : trigger[1]] if trigger else None,
            action=action,
        )

    def _action(self, folded: str, cue: Cue, at: int, end: int) -> tuple[str, int] | None:
        """What the cue ending at ``at`` promises, and where its words end."""
        if cue.then == "fixed":
            assert cue.action is not None
            return cue.action, at
        at = _skip_space(folded, at, end)
        if cue.then == "verb":
            while m := self.fillers.match(folded, at, end):
                at = m.end()
            found = self._verb(folded, at, end)
        elif cue.then == "thing":
            found = self._thing(folded, at, end)
        else:
            found = _longest(folded, at, end, ((a.name, a.done) for a in self.actions))
        if found and cue.only is not None and found[0] not in cue.only:
            return None
        return found

    def _verb(self, folded: str, at: int, end: int) -> tuple[str, int] | None:
        best = _longest(folded, at, end, ((a.name, a.verbs) for a in self.actions))
        for light in self.light_verbs:
            m = light.pattern.match(folded, at, end)
            if not m:
                continue
            thing = self._thing(folded, _skip_space(folded, m.end(), end), end)
            if thing is None and light.default:
                thing = (light.default, m.end())
            if thing and (best is None or thing[1] > best[1]):
                best = thing
        return best

    def _thing(self, folded: str, at: int, end: int) -> tuple[str, int] | None:
        """The last thing named in the noun phrase at ``at`` ("a confirmation email": email)."""
        m = self.determiners.match(folded, at, end)
        if m:
            at = m.end()
        best = None
        for _ in range(3):
            if at >= end or self.stops.match(folded, at, end):
                break
            hit = _longest(folded, at, end, ((a.name, a.things) for a in self.actions))
            if hit:
                best = hit
                at = _skip_space(folded, hit[1], end)
                continue
            word = _WORD.match(folded, at, end)
            if not word:
                break
            at = word.end()
        return best

    def _trigger(self, folded: str, start: int, end: int, where: str) -> tuple[int, int] | None:
        for rule in self.triggers:
            if rule.where != where:
                continue
            # A slice, not pos/endpos: "^" in a pattern must mean the start of the region.
            for m in rule.pattern.finditer(folded[start:end]):
                said = m.group("trigger").strip()
                if said and not any(x.search(said) for x in self.trigger_exceptions):
                    t0 = start + m.start("trigger")
                    return t0, t0 + len(m.group("trigger").rstrip())
        return None

    # -- time ----------------------------------------------------------------------------------
    def _time_facts(
        self, folded: str, start: int, end: int, clock: _Clock, last: bool
    ) -> tuple[dict[str, Any], int, int] | None:
        """The facts of the first (or ``last``) time expression in ``folded[start:end]``, with the
        expressions right next to it merged in ("first thing" + "Monday"), and its span."""
        hits = []
        for rule in self.times:
            for m in rule.pattern.finditer(folded, start, end):
                facts = self._facts(m, rule, clock)
                if facts:
                    hits.append((m.start(), m.end(), facts))
        if not hits:
            return None
        hits.sort(key=lambda h: (h[0], h[0] - h[1]))
        kept: list[tuple[int, int, dict[str, Any]]] = []
        for hit in hits:
            if not kept or hit[0] >= kept[-1][1]:
                kept.append(hit)
        groups = [[kept[0]]]
        for hit in kept[1:]:
            gap = folded[groups[-1][-1][1] : hit[0]]
            if _ADJACENT.fullmatch(gap):
                groups[-1].append(hit)
            else:
                groups.append([hit])
        group = groups[-1] if last else groups[0]
        merged: dict[str, Any] = {}
        for _, _, facts in group:
            for key, value in facts.items():
                merged.setdefault(key, value)
        return merged, group[0][0], group[-1][1]

    def _facts(self, m: re.Match[str], rule: TimeRule, clock: _Clock) -> dict[str, Any] | None:
        """The facts one match states, as values; None when a fact does not make sense
        ("at 25:00", "on 31/02")."""
        facts = dict(rule.sets)
        for key, said in m.groupdict().items():
            if said is None:
                continue
            said = said.lower()
            if key in ("n", "n2"):
                facts[key] = int(said) if said.isascii() and said.isdigit() else self.numbers[said]
            elif key == "unit":
                facts[key] = next(name for name, p in self.units if p.fullmatch(said))
            elif key == "weekday":
                facts[key] = self.weekdays[said]
            elif key == "next":
                facts[key] = said == "next"
            elif key == "dom":
                facts[key] = int(said)
            elif key == "month":
                facts[key] = self.months[said]
            elif key == "year":
                facts[key] = int(said)
            elif key == "numdate":
                parsed = _numeric_date(said, clock.day_first)
                if parsed is None:
                    return None
                facts.update(parsed)
            elif key == "clock":
                parsed_clock = self.clock_words.get(said) or _parse_clock(said)
                if parsed_clock is None:
                    return None
                facts[key] = parsed_clock
            elif key == "daypart":
                facts[key] = self.dayparts[said]
            elif key == "before":
                facts[key] = True
        if "daypart" in facts and isinstance(facts["daypart"], str):
            facts["daypart"] = self.dayparts[facts["daypart"]]
        return facts


_AND = re.compile(r"\s*,?\s*(?:\band\b|&amp;|&)\s+(?:then\s+|also\s+)?", re.I)
_ADJACENT = re.compile(r"\s*,?\s*(?:(?:at|on|by|before|from|in the|around)\s+)?", re.I)
_WORD = re.compile(r"[^\s,;:!?]+\s*")


def _skip_space(text: str, at: int, end: int) -> int:
    while at < end and text[at].isspace():
        at += 1
    return at


def _cues(cues: Sequence[Cue], folded: str, s0: int, s1: int) -> list[tuple[int, int, Cue]]:
    """The cues in ``folded[s0:s1]``, left to right; of overlapping ones the longest."""
    hits = [(m.start(), m.end(), cue) for cue in cues for m in cue.pattern.finditer(folded, s0, s1)]
    hits.sort(key=lambda h: (h[0], h[0] - h[1]))
    out: list[tuple[int, int, Cue]] = []
    for hit in hits:
        if not out or hit[0] >= out[-1][1]:
            out.append(hit)
    return out


class _CueGate:
    """The cues that can match somewhere in a text, told by one keyword pass over it.

    Each cue's requirements (``prefilter.requirements``: sets of literal strings, one of each
    set in every match) are looked for in the lower-cased text: cue patterns are compiled
    case-insensitive for ASCII letters only, so lower-casing text and strings keeps every
    possible match, and a string absent from the whole text is absent from each sentence.
    A cue with no known requirement (or on the plain ``re`` path) is always possible. Only
    speed changes: the cues left out could not have matched (``tests/test_promises.py``
    compares with every cue run on every text).
    """

    def __init__(self, cues: tuple[Cue, ...]):
        from .prefilter import requirements

        self.cues = cues
        words: dict[str, int] = {}  # each requirement string's bit
        # per cue, one mask per requirement: the bits of the strings that meet it
        self.needs: list[list[int]] = []
        for cue in cues:
            masks = []
            for need in requirements(cue.pattern.pattern):
                mask = 0
                for word in need:
                    mask |= 1 << words.setdefault(word.lower(), len(words))
                masks.append(mask)
            self.needs.append(masks)
        self.automaton: Any = None
        if words:
            import ahocorasick

            self.automaton = ahocorasick.Automaton()
            for word, bit in words.items():
                self.automaton.add_word(word, 1 << bit)
            self.automaton.make_automaton()

    def possible(self, folded: str) -> list[Cue]:
        if self.automaton is None:
            return list(self.cues)
        found = 0
        for _end, bit in self.automaton.iter(folded.lower()):
            found |= bit
        return [
            cue
            for cue, needs in zip(self.cues, self.needs, strict=True)
            if all(found & need for need in needs)
        ]


def _longest(
    text: str, at: int, end: int, patterns: Iterable[tuple[str, re.Pattern[str] | None]]
) -> tuple[str, int] | None:
    """The name whose pattern matches longest at ``at`` (the first such in data order)."""
    best = None
    for name, pattern in patterns:
        if pattern is None:
            continue
        m = pattern.match(text, at, end)
        if m and m.end() > at and (best is None or m.end() > best[1]):
            best = (name, m.end())
    return best


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    at = 0
    for m in _SENTENCE_BREAK.finditer(text):
        if m.start() > at:
            yield at, m.start()
        at = m.end()
    if at < len(text):
        yield at, len(text)


def _parse_clock(said: str) -> time | None:
    m = _CLOCK.match(said.strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) or m.group(4):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group(4) else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _numeric_date(said: str, day_first: bool) -> dict[str, int] | None:
    """Read "12/03" as day and month (day first unless told otherwise; a number over 12 decides)."""
    parts = [int(p) for p in said.split("/")]
    a, b = parts[0], parts[1]
    if a > 12 or (day_first and b <= 12):
        dom, month = a, b
    else:
        dom, month = b, a
    if not (1 <= month <= 12 and 1 <= dom <= 31):
        return None
    facts = {"dom": dom, "month": month}
    if len(parts) == 3:
        facts["year"] = parts[2] + (2000 if parts[2] < 100 else 0)
    return facts


# -- resolving a due time ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Clock:
    """The message's moment and zone, and the working calendar, that due times resolve against."""

    now: datetime  # aware, in ``zone``
    zone: ZoneInfo
    business_days: frozenset[int]
    holidays: frozenset[date]
    settings: Settings
    day_first: bool

    def resolve(self, when: Mapping[str, Any]) -> datetime | None:
        """The due time the facts say, never before the message; None if out of range."""
        try:
            due = self._resolve(when)
        except (OverflowError, ValueError):  # "in 99999999 years": no sensible due time
            return None
        if due is None or due - self.now > timedelta(days=self.settings.horizon_days):
            return None
        return max(due, self.now)

    def _resolve(self, when: Mapping[str, Any]) -> datetime | None:
        today = self.now.date()
        if "unit" in when:
            n = max(when.get("n2", 0), when.get("n", 1))
            if n > self.settings.horizon_days * 24 * 60:
                return None
            unit = when["unit"]
            if unit in ("minute", "hour"):
                later = self.now.astimezone(UTC) + timedelta(**{f"{unit}s": n})
                return later.astimezone(self.zone)
            if unit == "business_day":
                return self.wall(self.add_business_days(today, n), END_OF_DAY)
            step = {"day": relativedelta(days=n), "week": relativedelta(weeks=n)}
            return self.wall(today + step.get(unit, relativedelta(months=n)), END_OF_DAY)
        days = self.days(when)
        if not days:  # "by 30/02": no such day
            return None
        for day in days:
            for at in self.times(when):
                due = self.wall(day, at)
                if due >= self.now:
                    return due
        return self.now  # a day that has passed ("at 9am today" at 10am): due at once

    def days(self, when: Mapping[str, Any]) -> list[date]:
        today = self.now.date()
        if "day" in when:
            return [today + timedelta(days=when["day"])]
        if "weekday" in when:
            ahead = (when["weekday"] - today.weekday()) % 7
            if ahead == 0 and when.get("next"):
                ahead = 7
            first = today + timedelta(days=ahead)
            return [first, first + timedelta(days=7)]
        if "dom" in when:
            return self.dates_of_month(when["dom"], when.get("month"), when.get("year"))
        if "week" in when:
            end = today + relativedelta(weekday=self.settings.week_ends)
            if today.weekday() > self.settings.week_ends:
                end -= timedelta(days=7)  # this week's last working day is behind us
            end += timedelta(days=7 * when["week"])
            return [end] if when["week"] else [end, end + timedelta(days=7)]
        return [today, today + timedelta(days=1)]

    def dates_of_month(self, dom: int, month: int | None, year: int | None) -> list[date]:
        today = self.now.date()
        if month is None:
            starts = [today.replace(day=1) + relativedelta(months=k) for k in range(3)]
        elif year is None:
            starts = [date(today.year + k, month, 1) for k in range(2)]
        else:
            starts = [date(year, month, 1)]
        out = []
        for first in starts:
            try:
                out.append(first.replace(day=dom))
            except ValueError:  # the 31st of a 30-day month: not that month
                continue
        return out

    def times(self, when: Mapping[str, Any]) -> list[time]:
        if "clock" in when:
            return [when["clock"]]
        if when.get("first"):
            return [self.settings.first_thing]
        if "daypart" in when:
            return [when["daypart"]]
        if when.get("eod") or "week" in when:
            return [self.settings.close_of_business, END_OF_DAY]
        if when.get("before"):
            return [time(0, 0)]
        return [END_OF_DAY]

    def add_business_days(self, start: date, n: int) -> date:
        if not self.business_days:
            return start + timedelta(days=n)
        day = start
        while n > 0:
            day += timedelta(days=1)
            if day.weekday() in self.business_days and day not in self.holidays:
                n -= 1
        return day

    def wall(self, day: date, at: time) -> datetime:
        """``day`` at wall-clock ``at`` in the zone. A time the clocks skip moves forward by the
        gap and a repeated one is its first occurrence (``fold=0``); the round trip through UTC
        gives the offset that is really in force."""
        local = datetime.combine(day, at).replace(tzinfo=self.zone)
        return local.astimezone(UTC).astimezone(self.zone)


def as_zone(tz: str | ZoneInfo) -> ZoneInfo:
    """A ZoneInfo from an IANA name; ValueError with what to write when it is not one."""
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ValueError, OSError, LookupError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(
            f"unknown time zone {tz!r}; use an IANA name such as Europe/London, "
            "America/New_York or UTC"
        ) from exc


def as_local(at: datetime, zone: ZoneInfo) -> datetime:
    """``at`` in ``zone``; a naive timestamp is read as wall-clock time in that zone."""
    if at.tzinfo is None:
        return at.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return at.astimezone(zone)


# -- loading -------------------------------------------------------------------------------------
def load_promise_rules(path: Path | None = None) -> PromiseRules:
    """Read and check ``data/promises.yaml`` (or ``path``); errors name the file and line."""
    data = datafile.load("promises.yaml", path)
    data.check_keys(
        (
            "settings", "numbers", "units", "dayparts", "clock_words", "weekdays", "months",
            "clause_breaks", "fillers", "thing_determiners", "thing_stops", "light_verbs",
            "actions", "cues", "triggers", "trigger_exceptions", "not_promises", "times",
            "may_promise",
        )
    )  # fmt: skip
    s = data.section("settings")
    s.check_keys(("close_of_business", "first_thing", "week_ends", "numeric_dates", "horizon_days"))
    weekdays = {str(k).lower(): int(v) for k, v in data.mapping("weekdays").items()}
    settings = Settings(
        close_of_business=_time_of(s, "close_of_business"),
        first_thing=_time_of(s, "first_thing"),
        week_ends=weekdays[s.choice("week_ends", weekdays)],
        day_first=s.choice("numeric_dates", ("day-month", "month-day")) == "day-month",
        horizon_days=s.int("horizon_days"),
    )
    numbers = {str(k).lower(): v for k, v in data.mapping("numbers").items()}
    if not all(isinstance(v, int) and v > 0 for v in numbers.values()):
        raise data.section("numbers").fail("every number must be a positive integer")
    units_section = data.section("units")
    units = tuple(
        (name, _compile(_alternation(units_section.strs(name)), units_section.where, words=False))
        for name in units_section.names()
    )
    dayparts = {str(k).lower(): _time_text(v, data, "dayparts") for k, v in
                data.mapping("dayparts").items()}  # fmt: skip
    clock_words = {str(k).lower(): _time_text(v, data, "clock_words") for k, v in
                   data.mapping("clock_words").items()}  # fmt: skip
    months = {str(k).lower(): int(v) for k, v in data.mapping("months").items()}
    vocab = {
        "num": _alternation([re.escape(w) for w in numbers]),
        "unit": _alternation([p for n in units_section.names() for p in units_section.strs(n)]),
        "weekday": _alternation(list(weekdays)),
        "month": _alternation(list(months)),
        "clockword": _alternation(list(clock_words)),
    }  # fmt: skip
    action_names = []
    actions = []
    for a in data.sections("actions"):
        a.check_keys(("name", "verbs", "things", "done"))
        action_names.append(a.str("name"))
        actions.append(
            Action(
                a.str("name"),
                *(
                    _compile(_alternation(a.strs(k)), a.where, start_only=True) if k in a else None
                    for k in ("verbs", "things", "done")
                ),
            )
        )
    light = []
    for lv in data.sections("light_verbs"):
        lv.check_keys(("pattern", "default"))
        default = lv.opt_str("default")
        light.append(LightVerb(_compile(lv.str("pattern"), lv.where, start_only=True), default))
    cues = []
    for c in data.sections("cues"):
        c.check_keys(("name", "then", "action", "only", "pattern", "examples"))
        then = c.choice("then", ("verb", "thing", "done", "fixed"))
        action = c.opt_str("action")
        if (then == "fixed") != (action is not None):
            raise c.fail("a cue has an action exactly when it is `then: fixed`")
        if action is not None and action not in action_names:
            raise c.fail(f"action {action!r} is not one of the actions: {', '.join(action_names)}")
        only = c.strs("only") if "only" in c else None
        promised = action_names + [lv.default for lv in light if lv.default]
        for name in only or ():
            if name not in promised:
                raise c.fail(f"only: {name!r} is not one of {', '.join(promised)}")
        examples = []
        for ex in c.sections("examples"):
            ex.check_keys(("text", "action"))
            said = ex.opt_str("action")
            if said is not None and said not in promised:
                raise ex.fail(f"action {said!r} is not one of {', '.join(promised)}")
            examples.append((ex.str("text"), said))
        cues.append(Cue(c.str("name"), _compile(c.str("pattern"), c.where), then, action,
                        frozenset(only) if only else None, tuple(examples)))  # fmt: skip
    triggers = []
    for t in data.sections("triggers"):
        t.check_keys(("name", "where", "pattern", "examples"))
        pattern = _compile(t.str("pattern"), t.where, words=False)
        if "trigger" not in pattern.groupindex:
            raise t.fail("the pattern needs a group named trigger: (?P<trigger>...)")
        examples = []
        for ex in t.sections("examples"):
            ex.check_keys(("text", "trigger"))
            examples.append((ex.str("text"), ex.opt_str("trigger")))
        triggers.append(TriggerRule(t.str("name"), pattern, t.choice("where", ("after", "before")),
                                    tuple(examples)))  # fmt: skip
    vetoes = []
    for v in data.sections("not_promises"):
        v.check_keys(("name", "pattern", "examples"))
        vetoes.append(Veto(v.str("name"), _compile(v.str("pattern"), v.where, words=False),
                           v.strs("examples")))  # fmt: skip
    prefilter = _prefilter(data, cues)
    times = []
    for t in data.sections("times"):
        t.check_keys(("name", "pattern", "set", "examples"))
        pattern = _compile(_expand(t.str("pattern"), vocab, t), t.where)
        sets = t.mapping("set")
        unknown = (set(pattern.groupindex) | set(sets)) - _FACTS
        if unknown:
            raise t.fail(
                f"unknown fact {sorted(unknown)[0]!r}; a time pattern's groups and `set` name "
                f"facts among {', '.join(sorted(_FACTS))}"
            )
        dues: list[tuple[str, str, str, str]] = []
        for ex in t.sections("examples"):
            ex.check_keys(("text", "at", "tz", "due"))
            dues.append((ex.str("text"), ex.str("at"), ex.str("tz"), ex.str("due")))
        times.append(TimeRule(t.str("name"), pattern, sets, tuple(dues)))
    return PromiseRules(
        settings=settings,
        numbers=numbers,
        units=units,
        dayparts=dayparts,
        clock_words=clock_words,
        weekdays=weekdays,
        months=months,
        clause_breaks=_compile(data.str("clause_breaks"), data.where, words=False),
        fillers=_compile(
            _alternation(data.strs("fillers")) + r"(?!\w)\s+", data.where, words=False
        ),
        determiners=_compile(data.str("thing_determiners"), data.where, words=False),
        stops=_compile(data.str("thing_stops"), data.where, start_only=True),
        light_verbs=tuple(light),
        actions=tuple(actions),
        cues=tuple(cues),
        triggers=tuple(triggers),
        trigger_exceptions=tuple(
            _compile(p, data.where, words=False) for p in data.strs("trigger_exceptions")
        ),
        vetoes=tuple(vetoes),
        times=tuple(times),
        prefilter=prefilter,
        prefilter_words=tuple(w.lower() for w in data.strs("may_promise")),
    )


def _prefilter(data: Section, cues: Iterable[Cue]) -> re.Pattern[str]:
    """``may_promise`` as one case-blind search for any of its words; every cue example that
    promises must contain one, or the prefilter would hide that cue's promises."""
    words = data.strs("may_promise")
    if not words or not all(w.strip() for w in words):
        raise data.fail("may_promise: give the words every cue contains, none of them blank")
    pattern = _compile(_alternation([re.escape(w) for w in words]), data.where, words=False)
    for cue in cues:
        for said, action in cue.examples:
            if action is not None and not pattern.search(said.translate(_FOLD)):
                raise data.fail(
                    f"may_promise: the cue {cue.name!r} example {said!r} promises, but contains "
                    "none of these words; add the word its cue needs"
                )
    return pattern


def _alternation(patterns: Collection[str]) -> str:
    """One group of alternatives, longest first so "a couple of" wins over "a"."""
    return "(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + ")"


def _expand(pattern: str, vocab: Mapping[str, str], where: Section) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1) not in vocab:
            raise where.fail(
                f"unknown placeholder {{{m.group(1)}}}; known: "
                + ", ".join("{" + k + "}" for k in vocab)
            )
        return vocab[m.group(1)]

    return re.sub(r"\{([a-z_]+)\}", one, pattern)


def _compile(
    pattern: str, where: str, words: bool = True, start_only: bool = False
) -> re.Pattern[str]:
    """Compile a data pattern, case-insensitive. ``words``: the engine adds the word
    boundaries (a match starts and ends at a word's edge, so "call" is not "recall")."""
    if start_only:
        pattern = f"(?:{pattern})(?![\\w])"
    elif words:
        pattern = f"(?<![\\w])(?:{pattern})(?![\\w])"
    return datafile.compile_pattern(pattern, where, re.IGNORECASE | re.ASCII)


def _time_of(section: Section, key: str) -> time:
    return _time_text(section.str(key), section, key)


def _time_text(value: Any, where: Section, key: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise where.fail(f"{key}: {value!r} is not a time of day like 17:00") from exc


@lru_cache(maxsize=1)
def promise_rules() -> PromiseRules:
    """The shipped promise rules, read once per process."""
    return load_promise_rules()


def extract_promises(
    text: str,
    at: datetime,
    tz: str | ZoneInfo,
    business_days: Collection[int] = WORKING_WEEK,
    holidays: Collection[date] = (),
    day_first: bool | None = None,
) -> list[Promise]:
    """Every promise in one agent message, in order.

    ``at`` is the message's timestamp (a naive one is wall-clock time in ``tz``); ``tz`` the
    customer's or team's IANA zone, in which due times are resolved and given. ``business_days``
    are the working weekdays (0 Monday … 6 Sunday) and ``holidays`` dates that are not working
    days, for "in 3–5 working days". ``day_first``: read "12/03" as 12 March (the data's default)
    or, when False, as December 3.
    """
    return promise_rules().extract(text, at, tz, business_days, holidays, day_first)


__all__ = [
    "KINDS",
    "DataError",
    "Promise",
    "PromiseRules",
    "as_zone",
    "extract_promises",
    "load_promise_rules",
    "promise_rules",
]
