"""``compose``: a complete reply from a structured incident, for chat, email or social.

The posture comes from ``advise``; the blocks, their variants, the channel frames, the emotion
words, the losses and the way steps and follow-ups are said are data (``data/compose.yaml``).
Every specific comes from the incident; a fact it lacks becomes a suggestion beside the draft
(or, with ``slots``, one marked slot). The draft is read back by the analyzer: a mistake (which a
phrase supplied in the incident can bring in) is repaired by the coach, but a repair that would
delete a step, an offer or what the customer should do is refused, never accepted. A social
draft that cannot fit 280 characters becomes a two-post thread or moves to a private message;
sensitive cases (injury, data breach, legal) always move to a private message.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .advise import Advice, Case, advise
from .analyzer import Analyzer, get_analyzer
from .coach import Edit, Suggestion, coach, post_length
from .compose_templates import (
    CHANNELS,
    SLOTTED,
    SUGGESTED,
    Block,
    Channel,
    ComposeData,
    Tone,
    compose_data,
    load_compose,
)
from .datafile import fill
from .incident import FollowUp, Incident, IncidentError, incident_dict, parse_incident
from .model import Config, Finding, Report
from .phrasing import embed, said

__all__ = [
    "CHANNELS",
    "ComposeError",
    "Draft",
    "FollowUp",
    "Incident",
    "IncidentError",
    "compose",
    "compose_data",
    "incident_dict",
    "load_compose",
    "parse_incident",
]

SHORT_SLACK = 8  # characters over the shortest variant a short draft may still pick


class ComposeError(ValueError):
    """No acceptable draft: it holds mistakes that cannot be repaired, or a repair would
    delete one of the incident's facts. ``findings`` are the analyzer's findings, when any."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()):
        super().__init__(message)
        self.findings = tuple(findings)


# -- the draft -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Draft:
    text: str  # what is sent: for a thread, its posts one after another
    posture: str
    channel: str
    report: Report
    advice: Advice
    slots: tuple[str, ...] = ()  # the incident field left as a marked slot (at most one)
    warnings: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()  # facts the incident lacks, beside the draft
    parts: tuple[str, ...] = ()  # social: the posts (two for a thread)
    private: str | None = None  # social: the private message that carries the facts

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        return {
            "text": self.text,
            "posture": self.posture,
            "report": self.report.to_dict(detail=detail),
            "channel": self.channel,
            "slots": list(self.slots),
            "warnings": list(self.warnings),
            "suggestions": [s.to_dict() for s in self.suggestions],
            "parts": list(self.parts),
            "private": self.private,
        }


def advice_for_incident(incident: Incident, analyzer: Analyzer | None = None) -> Advice:
    """The advice for the incident. A cause nobody knows yet is a first contact (regret, name
    the problem, what happens next), and whatever the posture, its draft never owns a fault
    nobody has found: responsibility is left out."""
    unknown = incident.cause == "unknown"
    advice = advise(
        Case(
            customer="",
            cause="unknown" if incident.cause == "none" else incident.cause,
            severity=incident.severity,
            noticed=True if incident.noticed is None else incident.noticed,
            legal=incident.legal,
            prior_failures=incident.prior_failures,
            wait_minutes=incident.wait_minutes,
            affected=incident.affected,
            failure=incident.failed,
            first_contact=unknown and incident.failed,
        ),
        analyzer,
    )
    if unknown and "responsibility" not in advice.omit:
        advice = dataclasses.replace(
            advice,
            required=tuple(c for c in advice.required if c != "responsibility"),
            omit=(*advice.omit, "responsibility"),
        )
    return advice


def compose(
    incident: Incident | Mapping[str, Any],
    channel: str = "chat",
    tone: str = "warm",
    seed: int | None = None,
    analyzer: Analyzer | None = None,
    slots: bool = False,
) -> Draft:
    """A complete reply for ``channel`` (chat, email or social) that follows the posture
    ``advise`` gives the incident. ``seed`` picks the phrasing, so two customers (or one who
    writes twice) need not get the same script. Facts the incident lacks come back as
    ``suggestions``; with ``slots`` the first of them also goes into the text as a marked slot."""
    incident = parse_incident(incident)
    data = compose_data()
    if channel not in data.channels:
        raise ComposeError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if tone not in data.tones:
        raise ComposeError(f"tone must be one of {', '.join(data.tones)}, not {tone!r}")
    analyzer = analyzer or get_analyzer(Config())
    advice = advice_for_incident(incident, analyzer)
    warnings: list[str] = []
    cause = incident.cause_detail
    if cause:
        said = data.reword_cause(cause)
        if said != cause:
            warnings.append(f"the cause “{cause}” points at a third party; said as “{said}”")
        if analyzer.analyze(_sentence(said)).has("blame_shift"):
            warnings.append(
                f"the cause “{said}” points at someone else and is left out: say what happened "
                "without pointing (“your parcel was lost in transit”)"
            )
            said = None
        cause = said
    problem = analyzer.analyze(_sentence(incident.problem))
    if problem.mistakes:
        f = problem.mistakes[0]
        warnings.append(
            f"the problem “{incident.problem}” reads as {f.label} ({f.code} “{f.match}”) on its "
            "own, so the draft does not restate it; rephrase `problem` to have it named"
        )
    writer = _Writer(
        data,
        incident,
        advice,
        data.channels[channel],
        data.tones[tone],
        cause,
        unnamed=bool(problem.mistakes),
    )
    hints = writer.hints()
    slot = next((h for h in hints if _slot_field(h) in SLOTTED), None) if slots else None
    writer.slot = _slot_field(slot) if slot else None
    rng = random.Random(seed)
    layout = writer.fit(rng, analyzer)
    warnings += layout.notes
    if writer.repairs:
        warnings.append(
            "repaired: " + "; ".join(writer.repairs) + " (from a phrase in the incident)"
        )
    text, private = layout.text, layout.private
    report = analyzer.analyze(text)
    mistakes = list(report.mistakes)
    if private is not None:
        mistakes += analyzer.analyze(private).mistakes
    if mistakes:
        raise ComposeError(
            "the draft holds mistakes that could not be repaired: "
            + "; ".join(f"{f.code} {f.message}" for f in mistakes),
            mistakes,
        )
    covered = {_component_of(h) for h in hints}
    if writer.light:  # a light reply leaves these out on purpose
        covered |= {data.blocks[b].component for b in data.light}
    # the customer reads both the public post and the private message
    reads = [report] if private is None else [report, analyzer.analyze(private)]
    # a promise with no time is a fact the incident lacks: the draft is sent, the agent warned
    for read in reads:
        for note in read.notes:
            warnings.append(
                f"{note.code} {note.name}: {note.message}"
                + (f" {note.suggestions[0]}" if note.suggestions else "")
            )
    missing = [
        c
        for c in advice.required
        if c not in advice.omit and not any(r.has(c) for r in reads) and c not in covered
    ]
    if missing:
        warnings.append(
            "the analyzer does not find "
            + ", ".join(missing)
            + " in this draft; check the incident's phrases"
        )
    held = []
    for block, given in (("explanation", cause), ("compensation", incident.compensation)):
        if given and not writer.writes(block):
            held.append(given)
            warnings.append(
                f"held back under {advice.posture}: the {block} “{given}” is not in this draft; "
                "add it once the case allows (for legal review, when counsel agrees)"
            )
    warnings += [
        f"the incident's `{name}` “{given}” is not in this draft: check it before sending"
        for name, given in _unsaid(incident, cause, private or text)
        if given not in held
    ]
    if advice.posture == "legal_review":
        warnings.append("legal signals: have legal counsel review this reply before sending it")
    used = (
        (writer.slot,)
        if writer.slot and _slot_text(data.slots[writer.slot]) in (private or text)
        else ()
    )
    return Draft(
        text=text,
        posture=advice.posture,
        channel=channel,
        report=report,
        advice=advice,
        slots=used,
        warnings=tuple(warnings),
        suggestions=tuple(
            Suggestion(_label(h), h.message, h.example) for h in hints if _slot_field(h) not in used
        ),
        parts=layout.parts,
        private=private,
    )


_CONTENT = re.compile(r"[A-Za-z0-9£$€%:.']{4,}")


def _unsaid(incident: Incident, cause: str | None, text: str) -> list[tuple[str, str]]:
    """The incident's facts the draft does not say: a phrase is said when most of its longer
    words are in the draft (a frame changes a verb's form, "took" -> "taken", not the rest)."""
    said_words = {w.lower().strip(".:") for w in _CONTENT.findall(text)}
    follow = incident.follow_up
    facts = [
        ("cause_detail", cause),
        ("data_involved", incident.data_involved),
        ("compensation", incident.compensation),
        *(("steps", s) for s in incident.steps),
        *(("customer_actions", a) for a in incident.customer_actions),
        *(("losses", loss) for loss in incident.losses),
        ("follow_up", follow.when if follow else None),
    ]
    out = []
    for name, given in facts:
        words = [w.lower().strip(".:") for w in _CONTENT.findall(given or "")]
        if words and sum(w in said_words for w in words) < 0.75 * len(words):
            out.append((name, given or ""))
    return out


@dataclass(frozen=True)
class _Hint:
    field: str  # a key of compose.yaml's `suggestions`
    message: str
    example: str


def _slot_field(hint: _Hint) -> str:
    return {"compensation_for_losses": "compensation", "follow_up": "when"}.get(
        hint.field, hint.field
    )


def _label(hint: _Hint) -> str:
    """The incident field the agent fills."""
    return "compensation" if hint.field == "compensation_for_losses" else hint.field


_COMPONENT_OF = {
    "steps": "remedy",
    "customer_actions": "remedy",
    "cause_detail": "explanation",
    "follow_up": "follow_up",
    "compensation": "compensation",
    "compensation_for_losses": "compensation",
    "data_involved": "acknowledge",
}


def _component_of(hint: _Hint) -> str | None:
    return _COMPONENT_OF.get(hint.field)


@dataclass(frozen=True)
class _Sentence:
    block: str
    text: str
    joins: bool = False  # stays in the paragraph before it (a fix said after the apology)


@dataclass(frozen=True)
class _Layout:
    text: str
    parts: tuple[str, ...] = ()
    private: str | None = None
    notes: tuple[str, ...] = ()


class _Writer:
    def __init__(
        self,
        data: ComposeData,
        incident: Incident,
        advice: Advice,
        channel: Channel,
        tone: Tone,
        cause: str | None,
        unnamed: bool = False,
    ):
        self.data = data
        self.incident = incident
        self.advice = advice
        self.channel = channel
        self.tone = tone
        self.cause = cause
        self.rule = advice.reasons[0].name if advice.reasons else advice.posture
        sequence = data.sequences.get(self.rule) or data.sequences[advice.posture]
        self.kind = data.kind_of(incident)
        row = data.kind_row(incident)
        self.care = bool(row and row.care)
        if row:
            if incident.cause != "ours":
                sequence = tuple(b for b in sequence if b not in row.replaces)
            sequence = (*row.opens, *sequence, *row.closes)
        if self.care:
            sequence = tuple(b for b in sequence if b != "gratitude")
        self.light = self.is_light(row is not None)
        if self.light:
            sequence = tuple(b for b in sequence if b not in data.light)
        self.sequence = sequence
        self.slot: str | None = None
        # the problem as given reads as a mistake on its own: say the regret without it
        self.unnamed = unnamed
        self.repairs: list[str] = []  # the mistakes repaired, for the draft's warnings

    def is_light(self, has_kind: bool) -> bool:
        """A small slip (low severity, nothing lost, the first time, no sensitive kind) takes a
        light reply: one apology and the fix, no empathy or ownership lines."""
        incident = self.incident
        return (
            incident.severity == "low"
            and bool(incident.problem)
            and not incident.losses
            and not incident.prior_failures
            and not incident.legal
            and not has_kind
            and incident.cause in ("ours", "outside", "unknown")
            and self.advice.posture in ("full_apology", "regret_without_blame", "first_contact")
        )

    # -- what the incident lacks -------------------------------------------------------------
    def hints(self) -> list[_Hint]:
        """The facts the posture needs and the incident lacks, most needed first."""
        incident, advice, data = self.incident, self.advice, self.data
        needs = {c for c in advice.required if c not in advice.omit}
        wanted = set()
        if self.kind == "data_breach":
            if not incident.data_involved and "data_involved" in self.sequence:
                wanted.add("data_involved")
            if not incident.customer_actions and "customer_actions" in self.sequence:
                wanted.add("customer_actions")
        if not incident.steps and "remedy" in needs and "remedy" in self.sequence:
            wanted.add("steps")
        if not self.cause and "explanation" in needs and "explanation" in self.sequence:
            wanted.add("cause_detail")
        follow = incident.follow_up
        if (
            (not follow or not follow.when)
            and "follow_up" in self.sequence
            and ("follow_up" in needs or follow)
        ):
            wanted.add("follow_up")
        # a first contact does not weigh an offer yet: nobody knows what happened
        if not incident.compensation and self.writes_compensation_hint():
            if incident.losses:
                wanted.add("compensation_for_losses")
            elif advice.compensation.offer:
                wanted.add("compensation")
        if self.channel.name == "email" and not incident.agent_name:
            wanted.add("agent_name")
        hints = []
        for name in SUGGESTED:
            if name not in wanted:
                continue
            hint = data.hints[name]
            if name == "compensation_for_losses":
                loss = incident.losses[0]
                meets = dict.fromkeys(data.loss_kind(loss).meet for loss in incident.losses)
                if data.grammar.shape(loss) == "noun":
                    example = fill(data.loss_kind(loss).example, {"loss": loss})
                else:
                    lost = said(loss, data.phrase_forms["losses"], data.grammar, article=False)
                    example = fill(data.loss_clause_example, {"lost": lost})
                values = {
                    "losses": _join(incident.losses),
                    "meet": ", ".join(meets),
                    "level": data.loss_level(incident.losses),
                    "example": example,
                }
                hints.append(_Hint(name, fill(hint.message, values), fill(hint.example, values)))
            else:
                hints.append(_Hint(name, hint.message, hint.example))
        return hints

    # -- fitting the channel -----------------------------------------------------------------
    def fit(self, rng: random.Random, analyzer: Analyzer) -> _Layout:
        """The draft laid out for the channel. Social: shortened step by step; a draft that
        still does not fit becomes a two-post thread or moves to a private message (as does
        every sensitive case), so no fact, step or offer is ever dropped."""
        choices_seed = rng.random()  # the same phrasing for every attempt
        droppable = [
            b
            for b in self.data.optional
            if self.data.blocks[b].component not in self.advice.required
        ]
        attempts: list[tuple[bool, int, bool]] = [(self.tone.short, 0, True), (True, 0, True)]
        attempts += [(True, n, True) for n in range(1, len(droppable) + 1)]
        attempts.append((True, len(droppable), False))
        limit = self.channel.limit
        notes: list[str] = []
        if limit and self.data.sensitive(self.incident):
            return self.private_move(choices_seed, analyzer, sensitive=True)
        drafts = []
        for short, drop, frame in attempts:
            sentences = self.sentences(random.Random(choices_seed), short, set(droppable[:drop]))
            sentences = self.repaired(sentences, analyzer)
            greeting, signoff = self.frame(random.Random(choices_seed)) if frame else ("", "")
            text = self.layout(sentences, greeting, signoff)
            if not limit or post_length(text) <= limit:
                detail = self.private_detail(text) if limit else None
                if detail:
                    return self.private_move(choices_seed, analyzer, False, detail)
                return _Layout(text, (text,) if limit else ())
            drafts.append((sentences, greeting, signoff))
        for sentences, greeting, signoff in drafts[:2]:
            parts = self.thread(sentences, greeting, signoff)
            if parts:
                detail = self.private_detail(" ".join(parts))
                if detail:
                    return self.private_move(choices_seed, analyzer, False, detail)
                notes.append("too long for one post: a two-post thread")
                return _Layout("\n\n".join(parts), parts, None, tuple(notes))
        return self.private_move(choices_seed, analyzer, sensitive=False)

    def private_detail(self, public: str) -> str | None:
        """The kind of private detail a public post would show (an address, medication, an
        account or document, an amount), the customer's handle left aside."""
        name = self.incident.customer_name or ""
        return self.data.private_detail(public.replace(name, "") if name else public)

    def private_move(
        self, choices_seed: float, analyzer: Analyzer, sensitive: bool, detail: str | None = None
    ) -> _Layout:
        """A short public post with no detail, and the full reply as a private message. When
        the public post names the problem, the private message does not say it again: it opens
        with the details it promised."""
        rng = random.Random(choices_seed)
        greeting, signoff = self.frame(rng)
        values = self.values()
        frames = self.data.private
        hidden = self.unnamed or bool(self.data.private_detail(self.incident.problem))
        candidates = (
            (frames.sensitive_proactive if self.incident.noticed is False else frames.sensitive)
            if sensitive
            else frames.public_short
            if hidden
            else frames.public + frames.public_short
        )
        posts = [[_Sentence("apology", fill(t, values))] for t in candidates]
        for frame in ((greeting, signoff), ("", "")):  # without the frame only when it must
            texts = [self.layout(post, *frame) for post in posts]
            fitting = [t for t in texts if post_length(t) <= self.channel.limit]
            if fitting:
                break
        public = fitting[rng.randrange(len(fitting))]
        named = bool(self.incident.problem) and embed(values["problem"]) in public
        chat = self.data.channels["chat"]
        inner = _Writer(
            self.data, self.incident, self.advice, chat, self.tone, self.cause, self.unnamed
        )
        inner.slot = self.slot
        if named:
            inner.sequence = tuple(b for b in inner.sequence if b != "apology")
        sentences = inner.sentences(random.Random(choices_seed), False, set())
        sentences = inner.repaired(sentences, analyzer)
        if named:
            lead = frames.details[random.Random(choices_seed).randrange(len(frames.details))]
            sentences = [_Sentence("opener", lead), *sentences]
        self.repairs += [r for r in inner.repairs if r not in self.repairs]
        inner_greeting, inner_signoff = inner.frame(random.Random(choices_seed))
        private = inner.layout(sentences, inner_greeting, inner_signoff)
        for pattern, said_there in self.data.in_private:
            private = pattern.sub(lambda m, t=said_there: _like(m, t), private)
        if sensitive:
            note = (
                "sensitive case: the public post holds no detail; send the facts in the private "
                "message (`private`)"
            )
        elif detail:
            note = (
                f"private detail ({detail}) kept out of the public post: the full reply is in "
                "the private message (`private`)"
            )
        else:
            note = "too long for a two-post thread: the full reply moves to a private message"
        return _Layout(public, (public,), private, (note,))

    def thread(
        self, sentences: Sequence[_Sentence], greeting: str, signoff: str
    ) -> tuple[str, str] | None:
        """Two posts, each within the limit with its marker, split where they are most even."""
        first_mark, second_mark = self.data.private.thread
        best = None
        for k in range(1, len(sentences)):
            one = self.layout(sentences[:k], greeting, "") + first_mark
            two = self.layout(sentences[k:], "", signoff) + second_mark
            longest = max(post_length(one), post_length(two))
            if longest <= self.channel.limit and (best is None or longest < best[0]):
                best = (longest, one, two)
        return (best[1], best[2]) if best else None

    # -- the sentences -----------------------------------------------------------------------
    def sentences(self, rng: random.Random, short: bool, drop: set[str]) -> list[_Sentence]:
        values = self.values()
        out: list[_Sentence] = []
        options: list[list[str]] = []  # each sentence's alternatives; [] for a fact
        for name in self.sequence:
            block = self.data.blocks[name]
            if name in drop or not self.writes(name):
                continue
            if name == "remedy":
                lead = self.lead_step()
                steps = self.steps(skip=lead)
                out += [_Sentence(name, s) for s in steps]
                options += [[] for _ in steps]
                if lead is not None:
                    # the fix the customer needs comes right after the first sentence (the
                    # apology): "Your card is unblocked" is not buried after the cause
                    first = self.steps(only=lead)
                    at = 1 if out else 0
                    out[at:at] = [_Sentence(name, s, joins=True) for s in first]
                    options[at:at] = [[] for _ in first]
                continue
            follow = self.incident.follow_up
            if name == "follow_up" and follow and follow.how and self.by_others(follow.how):
                # someone else makes the contact ("the claims handler will call"): kept as given
                text = fill(self.data.follow_up_by_others[0], values)
                out.append(_Sentence(name, _sentence(" ".join(text.split()))))
                options.append([])
                continue
            if name == "customer_actions" and not values["actions"]:
                choices: tuple[str, ...] = ()  # every action is a sentence of its own
            else:
                choices = self.choices(block, short)
            if name == "follow_up" and follow and not follow.when and self.slot != "when":
                choices = self.data.follow_up_without_when
            elif (
                name == "follow_up" and follow and follow.when and self.trailing(self.contact()[1])
            ):
                # "I'll {contact} {when}.": the condition closes the sentence
                choices = self.data.blocks[name].variants["purpose"]
            texts = [fill(c, values) for c in choices]
            if name == "customer_actions" and (
                len(values["actions"]) > QUESTION_MAX
                or len(self.actions()[1]) > 0
                or self.data.sensitive(self.incident)
            ):
                texts = [t for t in texts if not t.endswith("?")] or texts
            # a problem that already says "again" is not followed by another "again"
            if _AGAIN.search(self.incident.problem):
                texts = [_SECOND_AGAIN.sub("", t) for t in texts]
            if texts:
                pick = rng.randrange(len(texts))
                if name in self.tone.prefer:
                    pick = min(int(self.tone.prefer[name]), len(texts) - 1)
                if short:
                    # the shortest, or one within a few characters of it, so short drafts vary
                    least = min(len(t) for t in texts)
                    texts = [t for t in texts if len(t) <= least + SHORT_SLACK]
                    pick = rng.randrange(len(texts))
                out.append(_Sentence(name, texts[pick]))
                options.append(texts)
            if name == "customer_actions":
                others = self.actions()[1]
                out += [_Sentence(name, s) for s in others]
                options += [[] for _ in others]
        # never a stock sentence that says again what another says ("thank you for telling us"
        # twice, "for the third time" after a problem that says so): another variant is taken
        for i, texts in enumerate(options):
            others = " ".join(o.text for j, o in enumerate(out) if j != i)
            if self.incident.problem and out[i].block not in ("apology", "condolence"):
                others += " " + self.incident.problem
            if len(texts) > 1 and _repeats(out[i].text, others):
                fresh = [t for t in texts if not _repeats(t, others)]
                if fresh:
                    out[i] = _Sentence(out[i].block, fresh[rng.randrange(len(fresh))])
        # never two sentences in a row that open alike ("That was our mistake. That happened…"):
        # a stock sentence that opens like a neighbour takes another of its variants
        for i, texts in enumerate(options):
            near = {_opening(out[j].text) for j in (i - 1, i + 1) if 0 <= j < len(out)}
            if len(texts) > 1 and _opening(out[i].text) in near:
                fresh = [t for t in texts if _opening(t) not in near]
                if fresh:
                    out[i] = _Sentence(out[i].block, fresh[rng.randrange(len(fresh))])
        return out

    def qualifiers(self) -> list[str]:
        """What picks a block's variants, most specific first (see compose.yaml)."""
        incident = self.incident
        out = ["unnamed"] if self.unnamed else []
        out += ["question"] if not incident.problem else []
        out += ["light"] if self.light else []
        out += ["proactive"] if incident.noticed is False else []
        if incident.cause == "unknown" and self.cause:
            # an unknown cause is never framed as a cause: an investigation is said as it is,
            # anything else as what is known so far
            investigating = self.data.investigating.search(self.cause)
            out.append("investigating" if investigating else "unknown_cause")
        out += ["cause_noun"] if self.cause_is_noun() else []
        out += ["cause_plain"] if self.cause_is_plain() else []
        if incident.compensation and self.data.returned_money.search(incident.compensation):
            out.append("returned")
        when = (incident.follow_up or FollowUp()).when or ""
        if self.data.conditional_when.search(when):
            out.append("conditional")
        elif self.data.purpose_when.search(when):
            out.append("purpose")
        if self.specific_follow_up():
            out.append("specific")
        out += [self.kind] if self.kind else []
        out += (["losses"] if self.losses() else []) + [self.rule, self.advice.posture]
        return out

    def choices(self, block: Block, short: bool) -> tuple[str, ...]:
        posture, channel = self.advice.posture, self.channel.name
        # variants that say a fact (what the customer lost, what a follow-up brings) or say it
        # rightly (news we give, money owed, a noun-phrase cause) come before the short ones
        exact = [q for q in self.qualifiers() if q in _EXACT] if short else []
        keys = [k for q in exact for k in (f"{channel}.{q}", q)]
        keys += [f"short.{posture}", "short"] if short else []
        keys += [k for q in self.qualifiers() for k in (f"{channel}.{q}", q)] + [channel]
        return block.choices(keys)

    def writes(self, name: str) -> bool:
        """Whether the draft has the block. A block whose fact the incident gives is written
        even when the posture would leave its component out (a first contact still says what
        is known of the cause), except under legal review, which holds it back with a warning."""
        block = self.data.blocks.get(name)
        if block is None or name not in self.sequence or not self.wanted(name):
            return False
        if block.component not in self.advice.omit:
            return True
        given_fact = name in (*self.data.facts, "explanation")
        return given_fact and self.advice.posture != "legal_review"

    def wanted(self, name: str) -> bool:
        """Blocks whose facts the incident gives (or the slot stands for), and the stock ones."""
        incident, slot = self.incident, self.slot
        if not incident.problem and name in ("statement", "acknowledgment"):
            return False  # nothing to restate: a plain question
        if name == "compensation":
            # an offer a step already gives ("a £10 voucher is on your account") is not
            # offered twice
            given = incident.compensation or ""
            in_steps = given and _all_words_in(given, " ".join(incident.steps))
            return (bool(given) and not in_steps) or slot == "compensation"
        if name == "opener":
            return True
        if name == "gratitude":
            return self.data.blocks[name].component in self.advice.required
        if name == "follow_up":
            return incident.follow_up is not None or slot == "when"
        if name == "remedy":
            return bool(incident.steps) or slot == "steps"
        if name == "explanation":
            return bool(self.cause) or slot == "cause_detail"
        if name == "data_involved":
            return bool(incident.data_involved) or slot == "data_involved"
        if name == "customer_actions":
            return bool(incident.customer_actions) or slot == "customer_actions"
        return True

    def phrase(self, text: str, field: str, doing: bool = True) -> str:
        """``text`` said in the frame its grammar takes for ``field`` (phrasing.py)."""
        return said(text, self.data.phrase_forms[field], self.data.grammar, doing)

    def lead_step(self) -> int | None:
        """The step that says the customer's problem is fixed now ("card unblocked - it's
        working now", "restored the board"), or in an urgent case what fixes it today: said
        first. None when no step does, or when it is the only step."""
        steps, data = self.incident.steps, self.data
        if len(steps) < 2:
            return None
        urgent = self.incident.severity == "high"  # urgent and critical are read as high
        for i, step in enumerate(steps):
            if data.fixed_now.search(step) or (urgent and data.urgent_fix.search(step)):
                return i
        return None

    def steps(self, skip: int | None = None, only: int | None = None) -> list[str]:
        """The steps as sentences; on a channel that joins them, steps that open alike are said
        in one sentence ("I've refunded the fee and booked an engineer"). ``skip`` leaves one
        step out, ``only`` says one alone."""
        if not self.incident.steps:
            return [self.data.slots["steps"]] if only is None else []
        agent = self.incident.agent_name
        said_steps = [
            self.phrase(self.data.first_person(s, agent), "steps")
            for i, s in enumerate(self.incident.steps)
            if i != skip and (only is None or i == only)
        ]
        if not self.channel.join_steps:
            return [_sentence(s) for s in said_steps]
        out: list[str] = []
        run: list[str] = []
        opener = ""
        for step in [*said_steps, ""]:
            head = next((o for o in ("I've ", "I'll ", "We're ") if step.startswith(o)), None)
            if head and head == opener:
                run.append(step[len(head) :])
                continue
            if run:
                out.append(_sentence(opener + _join(run)))
            run, opener = ([step[len(head) :]], head) if head else ([], "")
            if step and not head:
                out.append(_sentence(step))
        return out

    def actions(self) -> tuple[str, list[str]]:
        """What the customer should do: the verbs to do joined for the block's frame ("change
        your password and …"), and the rest (a clause: "payments can still be made by card")
        as sentences of their own, never forced into "Please …"."""
        grammar = self.data.grammar
        to_do, others = [], []
        actions = self.incident.customer_actions
        # short things to do read well joined ("change your password and watch for…")
        short = all(len(a) <= JOIN_MAX and " and " not in a for a in actions)
        for action in actions:
            shape, bare = grammar.read(action, doing=False)
            if shape == "to_do" and _NEGATIVE.match(bare):
                others.append(_sentence("Please " + embed(bare)))  # never "Could you don't…"
            elif shape == "to_do" and (not to_do or short):
                to_do.append(embed(bare))
            elif shape == "to_do":
                # a second thing to do is its own sentence: joined, "watch your account for
                # payments and call us if you see any and be wary of…" loses its reader; never
                # a bare order ("Tell us your move-in date.")
                others.append(_sentence("Please also " + embed(bare)))
            else:
                others.append(_sentence(_capital(self.phrase(action, "customer_actions", False))))
        return _join(to_do), others

    def losses(self) -> str:
        """What the customer lost as a clause: noun phrases after "this cost you", a verb in the
        past with "you" ("you took two days off work"), a clause as written."""
        grammar = self.data.grammar
        nouns, clauses = [], []
        for loss in self.incident.losses:
            if _said_in(loss, self.incident.problem):
                continue  # the problem says it already ("you waited 75 minutes on hold")
            shape = grammar.shape(loss)
            text = said(loss, self.data.phrase_forms["losses"], grammar, article=False)
            (nouns if shape == "noun" else clauses).append(text)
        return _join(([f"this cost you {_join(nouns)}"] if nouns else []) + clauses)

    def compensation(self) -> str:
        given = self.incident.compensation
        if not given:
            return self.data.slots["compensation"]
        returned = bool(self.data.returned_money.search(given))
        return self.phrase(given, "returned" if returned else "compensation")

    def writes_compensation_hint(self) -> bool:
        return "compensation" in self.sequence and self.advice.posture != "first_contact"

    def problem(self) -> str:
        """The problem as a clause: a noun phrase with an article ("a double charge on your
        card") is said "there was a double charge on your card", so "I'm sorry {problem}" and
        "I can see {problem}" read."""
        given = embed(self.incident.problem)
        first = given.split(" ", 1)[0].lower()
        if first in ("a", "an", "no") and self.data.grammar.shape(given) == "noun":
            # "no broadband since Sunday" -> "there's been no broadband since Sunday"
            return f"there's been {given}" if first == "no" else f"there was {given}"
        return given

    def cause_is_noun(self) -> bool:
        """A cause given as a noun phrase ("a rounding error in our statement system") is said
        "caused by …", never "because a rounding error…"."""
        return bool(self.cause) and self.data.grammar.shape(self.cause or "") == "noun"

    def cause_is_plain(self) -> bool:
        """A cause that is neither a clause nor a noun phrase ("left out at packing") is said in
        a sentence of its own (`phrase_forms.cause`), never after "because"."""
        shape = self.data.grammar.shape(self.cause or "")
        # a cause that gives its own "because" is never put after another
        own_because = bool(re.search(r"(?i)\bbecause\b", self.cause or ""))
        return bool(self.cause) and (shape not in ("clause", "noun") or own_because)

    def by_others(self, how: str) -> bool:
        """Whether the follow-up's `how` names who makes it ("our duty manager will ring", "phone
        call from our insurers"): that person keeps it, never "I'll call you"."""
        return self.data.grammar.shape(how) == "clause" or bool(self.contact_from(how))

    def contact_from(self, how: str) -> str:
        """Who makes the contact when `how` says "<contact> from <someone>" ("phone call from
        Amir"); not "message once we've heard from the rider", which is ours."""
        for pattern, _text in self.data.contacts:
            m = pattern.search(how)
            if m:
                who = self.data.follow_up_from.match(how[m.end() :].strip())
                return who.group("who") if who else ""
        return ""

    def by_others_how(self, how: str) -> str:
        """``how`` naming who makes the contact, with "you" after a bare contact verb; "phone
        call from our insurers" is said "our insurers will call you"."""
        who = self.contact_from(how)
        if who and self.data.grammar.shape(how) != "clause":
            contact, brings = self.contact()
            return " ".join(filter(None, (f"{embed(who)} will {contact}", brings)))
        last = how.rsplit(" ", 1)[-1].lower()
        return f"{how} you" if last in self.data.contact_verbs else how

    def contact(self) -> tuple[str, str]:
        """How the follow-up reaches the customer ("email you") and what it brings, when its
        `how` says it ("with the tracking details")."""
        how = (self.incident.follow_up or FollowUp()).how
        if not how:
            return "update you", ""
        for pattern, text in self.data.contacts:
            m = pattern.search(how)
            if m:
                rest = how[m.end() :].strip()
                who = self.data.follow_up_from.search(rest)
                if who and who.start() == 0:
                    rest = rest[who.end() :].strip()  # "from our insurers": said by by_others_how
                opens = rest.lstrip(",; ").split(" ", 1)[0].lower()
                brings = rest if opens in self.data.follow_up_brings else ""
                if brings.startswith((",", ";")):
                    brings = ", " + brings.lstrip(",; ")  # "email, if we haven't heard…"
                return fill(text, {"how": how}), brings
        return "update you", ""

    def trailing(self, brings: str) -> bool:
        """Whether what a follow-up brings is a condition or a time ("once the refund has left
        us", ", if we haven't heard"), said after its `when`."""
        opens = brings.lstrip(",; ").split(" ", 1)[0].lower()
        return brings.startswith(",") or opens in self.data.follow_up_after_when

    def specific_follow_up(self) -> bool:
        """A follow-up that says what it brings or on what condition it comes takes no stock
        purpose ("to check everything is sorted")."""
        follow = self.incident.follow_up
        if not follow:
            return False
        when = (follow.when or "").lower()
        return bool(self.contact()[1] or self.data.specific_when.search(when))

    def values(self) -> dict[str, str]:
        incident, data = self.incident, self.data
        problem = self.problem()
        follow = incident.follow_up or FollowUp()
        slot = self.slot
        contact, brings = self.contact()
        when = follow.when or ""
        starts = any(re.match(rf"(?i){re.escape(w)}\b", when) for w in data.when_starts)
        # never "by 48 hours before the shut-off"
        if when and not starts and not data.when_relative.search(when):
            when = "by " + when
        if brings and when and self.trailing(brings):
            # "I'll email you by Friday once the refund has left us", not "… once the refund
            # has left us by Friday"
            when = f"{when}{brings}" if brings.startswith(",") else f"{when} {brings}"
        elif brings:
            contact = f"{contact} {brings}"
        if not when and slot == "when":
            when = data.slots["when"]
        compensation = self.compensation()
        ordinal_index = min(incident.prior_failures, len(data.ordinals) - 1)
        agent = incident.agent_name or ""
        words = data.feeling_words(incident)
        # the same word for the whole draft, chosen by the problem so it varies across cases
        feeling = words[sum(map(ord, incident.problem)) % len(words)]
        cause = self.cause or data.slots["cause_detail"]
        said_cause = self.phrase(cause, "cause") if self.cause_is_plain() else _capital(cause)
        actions = self.actions()[0]
        if not actions and slot == "customer_actions":
            actions = data.slots["customer_actions"]
        return {
            "problem": problem,
            "Problem": _capital(problem),
            "cause_detail": cause,
            "Cause_detail": said_cause,
            "ordinal": data.ordinals[ordinal_index],
            "contact": contact,
            "when": when,
            "When": _capital(when),
            "compensation": compensation,
            "Compensation": _capital(compensation),
            "name": data.greeting_name(incident.customer_name or ""),
            "agent": agent,
            "initials": "".join(w[0].upper() for w in agent.split() if w[:1].isalpha())[:3],
            "feeling": feeling,
            "losses": self.losses(),
            "data_involved": incident.data_involved or data.slots["data_involved"],
            "actions": actions,
            "How": _capital(self.by_others_how(follow.how or "")),
        }

    def frame(self, rng: random.Random) -> tuple[str, str]:
        values = self.values()
        incident, channel = self.incident, self.channel
        if incident.customer_name and values["name"]:
            greeting = fill(rng.choice(channel.greeting), values)
        else:
            greeting = rng.choice(channel.anonymous)
        if incident.agent_name:
            serious = self.incident.severity == "high" or self.advice.posture == "legal_review"
            care = (self.care or serious) and channel.signoff_care
            signoffs = channel.signoff_care if care else None
            signoff = fill(rng.choice(signoffs or channel.signoff), values)
        elif self.slot == "agent_name":
            signoff = fill(channel.signoff[0], {"agent": self.data.slots["agent_name"]})
        else:
            signoff = rng.choice(channel.unsigned)
        return greeting, signoff

    def layout(self, sentences: Sequence[_Sentence], greeting: str, signoff: str) -> str:
        paragraphs: list[list[str]] = [[]]
        previous = None
        for s in sentences:
            opens = s.block in self.channel.paragraphs and not s.joins
            if opens and paragraphs[-1] and s.block != previous:
                paragraphs.append([])
            if paragraphs[-1] and paragraphs[-1][-1] == s.text:
                continue
            paragraphs[-1].append(s.text)
            previous = s.block
        body = "\n\n".join(self.channel.separator.join(p) for p in paragraphs if p)
        if greeting.endswith(", ") and not re.match(r"I\b|[A-Z]{2,}|[A-Z]\w* [A-Z]", body):
            body = body[:1].lower() + body[1:]
        return greeting + body + signoff

    # -- repair ------------------------------------------------------------------------------
    def repaired(self, sentences: list[_Sentence], analyzer: Analyzer) -> list[_Sentence]:
        """The sentences with the analyzer's mistakes repaired by the coach, where they stand.
        A repair that would delete a sentence carrying a fact (a step, an offer, what the
        customer should do) is refused: compose never drops one silently."""
        body = " ".join(s.text for s in sentences)
        report = analyzer.analyze(body)
        if not report.mistakes:
            return sentences
        repaired = coach(
            report, slots=False, advice=self.advice, analyzer=analyzer, keep_positions=False
        )
        for f in report.mistakes:
            note = f"{f.code} “{f.match}”"
            if note not in self.repairs:
                self.repairs.append(note)
        starts, at = [], 0
        for s in sentences:
            starts.append(at)
            at += len(s.text) + 1
        texts = _apply_by_span(body, starts, repaired.edits)
        out = []
        for s, text in zip(sentences, texts, strict=True):
            found = [f for f in report.mistakes if f.match and f.match in s.text]
            if s.block in self.data.facts and not _survives(s.text, text):
                # the coach would drop the whole sentence: keep the step, cut the clause after it
                text = _cut_clause(s.text, found[0].match) if found else ""
                if len(_WORD.findall(text)) >= 3 and not analyzer.analyze(text).mistakes:
                    out.append(_Sentence(s.block, text, s.joins))
                    continue
                found = found or list(report.mistakes)
                raise ComposeError(
                    f"“{s.text}” reads as {found[0].label} ({found[0].code} “{found[0].match}”), "
                    "and repairing it would delete it; compose never drops a step or an offer: "
                    "rephrase it in the incident",
                    found,
                )
            if text:
                out.append(_Sentence(s.block, _sentence(text[:1].upper() + text[1:]), s.joins))
        return out


def _apply_by_span(text: str, starts: Sequence[int], edits: Sequence[Edit]) -> list[str]:
    """``text`` cut at ``starts``, each piece with the edits that fall in it applied; an edit
    across pieces removes its part of each, and its replacement goes to the first."""
    bounds = list(zip(starts, [*starts[1:], len(text)], strict=True))
    local: list[list[tuple[int, int, str]]] = [[] for _ in bounds]
    for edit in edits:
        placed = False
        for i, (s, e) in enumerate(bounds):
            if edit.start == edit.end:
                if s <= edit.start < e or (edit.start == e == len(text)):
                    local[i].append((edit.start - s, edit.start - s, edit.replacement))
                    break
                continue
            lo, hi = max(s, edit.start), min(e, edit.end)
            if lo < hi:
                local[i].append((lo - s, hi - s, "" if placed else edit.replacement))
                placed = True
    out = []
    for (s, e), changes in zip(bounds, local, strict=True):
        piece = text[s:e]
        for lo, hi, replacement in sorted(changes, reverse=True):
            piece = piece[:lo] + replacement + piece[hi:]
        out.append(" ".join(piece.split()))
    return out


_WORD = re.compile(r"[A-Za-z0-9£$€%:.']+")


def _survives(before: str, after: str) -> bool:
    """Whether a repaired fact sentence still says its fact: its head (the first half of its
    words, where a step names what was done) is kept whole; a clause after it may go."""
    words = [w.lower().strip(".:") for w in _WORD.findall(before)]
    head = words[: max(2, (len(words) + 1) // 2)]
    kept = {w.lower().strip(".:") for w in _WORD.findall(after)}
    return all(w in kept for w in head)


_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:]|\s[-–—])\s+")


def _cut_clause(sentence: str, match: str) -> str:
    """The sentence up to the clause break before ``match``: "I've refunded the fee, which was
    only a minor glitch" → "I've refunded the fee." ("" when there is no such break)."""
    at = sentence.find(match)
    breaks = [m for m in _CLAUSE_BREAK.finditer(sentence) if 0 < m.start() < at]
    return _sentence(sentence[: breaks[-1].start()]) if breaks else ""


def _opening(text: str) -> str:
    return text.split(" ", 1)[0].strip(",.:").lower()


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_EXACT = (
    "unnamed",
    "investigating",
    "unknown_cause",
    "cause_plain",
    "question",
    "light",
    "conditional",
    "purpose",
    "proactive",
    "cause_noun",
    "returned",
    "specific",
    "losses",
)
_AGAIN = re.compile(r"\bagain\b", re.I)
_SECOND_AGAIN = re.compile(r",? (?:once )?again(?=[.,])", re.I)


_NEGATIVE = re.compile(r"(?i)(?:don[’']t|do not|never)\b")
JOIN_MAX = 50  # longer things to do are each a sentence of their own
QUESTION_MAX = 70  # longer things to do read badly as one question ("Could you … and …?")


_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "to",
        "of",
        "for",
        "in",
        "on",
        "at",
        "by",
        "with",
        "you",
        "your",
        "we",
        "our",
        "i",
        "it",
        "this",
        "that",
        "is",
        "was",
        "be",
        "i'm",
        "i've",
        "i'll",
        "we're",
        "we've",
        "so",
        "",
    ]
)


def _all_words_in(phrase: str, text: str) -> bool:
    """Whether every word of ``phrase`` is in ``text``."""
    said_words = set(re.findall(r"[a-z0-9£$€.,]+", text.lower()))
    return all(w.strip(".,") in {x.strip(".,") for x in said_words} for w in phrase.lower().split())


def _repeats(sentence: str, others: str) -> bool:
    """Whether ``sentence`` shares three words in a row, one of them a longer content word, with
    ``others`` ("thank you for telling", "the third time")."""

    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9'’£]+", text.lower())
        return {
            tuple(words[i : i + 3])
            for i in range(len(words) - 2)
            if any(len(w) >= 4 and w not in _STOP for w in words[i : i + 3])
        }

    return bool(grams(sentence) & grams(others))


def _said_in(phrase: str, text: str) -> bool:
    """Whether most of the longer words of ``phrase`` are already in ``text``."""
    # by stem, so "waiting in" is said by "you waited in"
    words = [w.lower()[:4] for w in _CONTENT.findall(phrase)]
    said_words = {w.lower()[:4] for w in _CONTENT.findall(text)}
    # one word in common is not enough ("pay £30 for a heater" is not "the heating failed")
    return len(words) >= 2 and sum(w in said_words for w in words) >= 0.75 * len(words)


def _like(found: re.Match[str], said_instead: str) -> str:
    """``said_instead`` with a capital when ``found`` opens a sentence."""
    before = found.string[: found.start()].rstrip()
    return _capital(said_instead) if not before or before[-1] in ".!?" else said_instead


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slot_text(slot: str) -> str:
    """The bracketed part of a slot, which marks it in a draft."""
    m = re.search(r"\[[^\]]+\]", slot)
    return m.group() if m else slot


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."
