"""The templates ``compose`` writes with, read from ``data/compose.yaml`` and validated when
loaded (errors name the file, line and fix): block sequences and variants, emotion words by kind,
incident kinds, third-party rewordings, losses and their weights, suggestions and slots, how steps,
compensation and follow-ups are said, channel frames, private-message and thread frames, tones
and the example incidents the tests compose."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .advise import POSTURES, SEVERITIES
from .datafile import Section, check_fields, fill, load, plain
from .incident import KINDS, Incident, IncidentError, parse_incident
from .model import CAUSES, COMPONENTS
from .phrasing import SHAPES, Grammar

CHANNELS: tuple[str, ...] = ("chat", "email", "social")
FIELDS = (
    "problem",
    "Problem",
    "cause_detail",
    "Cause_detail",
    "ordinal",
    "steps",
    "contact",
    "when",
    "When",
    "compensation",
    "Compensation",
    "name",
    "agent",
    "initials",
    "feeling",
    "losses",
    "data_involved",
    "actions",
    "How",
)
SUGGESTED = (
    "data_involved",
    "customer_actions",
    "steps",
    "cause_detail",
    "follow_up",
    "compensation",
    "compensation_for_losses",
    "agent_name",
)
# The incident fields `--slots` can mark in the text (a follow-up without a time marks `when`).
SLOTTED = (
    "cause_detail",
    "steps",
    "when",
    "compensation",
    "agent_name",
    "data_involved",
    "customer_actions",
)


# -- the templates -------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    name: str
    component: str
    variants: Mapping[str, tuple[str, ...]]  # by qualifier (channel, rule, posture...) or default

    def choices(self, keys: Sequence[str]) -> tuple[str, ...]:
        """The variants under the first of ``keys`` the block has, else its defaults."""
        return next(
            (self.variants[k] for k in keys if k in self.variants), self.variants["default"]
        )


@dataclass(frozen=True)
class Channel:
    name: str
    greeting: tuple[str, ...]
    anonymous: tuple[str, ...]
    signoff: tuple[str, ...]
    unsigned: tuple[str, ...]
    separator: str
    limit: int
    paragraphs: tuple[str, ...] = ()  # blocks that start a new paragraph
    join_steps: bool = False
    signoff_care: tuple[str, ...] = ()  # for a case that calls for care (bereavement, injury)


@dataclass(frozen=True)
class Tone:
    name: str
    prefer: Mapping[str, int]
    short: bool


@dataclass(frozen=True)
class Feelings:
    """Emotion words for a case: the first row whose conditions all hold is used."""

    words: tuple[str, ...]
    kind: str | None = None
    severity: str | None = None
    cause: str | None = None
    concern: re.Pattern[str] | None = None  # the customer's concern, read from the incident

    def fits(self, kind: str | None, severity: str | None, cause: str, words: str) -> bool:
        return (
            (self.kind is None or self.kind == kind)
            and (self.severity is None or self.severity == severity)
            and (self.cause is None or self.cause == cause)
            and (self.concern is None or bool(self.concern.search(words)))
        )


@dataclass(frozen=True)
class Kind:
    name: str
    sensitive: bool
    pattern: re.Pattern[str]
    opens: tuple[str, ...] = ()  # blocks said first ("I'm so sorry for your loss.")
    closes: tuple[str, ...] = ()  # blocks said last ("Please take care of yourself.")
    # blocks the opening replaces when the fault is not ours (a condolence, not "we're sorry
    # your mum passed away and the tickets…")
    replaces: tuple[str, ...] = ()
    care: bool = False  # a warm, unhurried sign-off, no stock gratitude


@dataclass(frozen=True)
class Rewording:
    """A cause that points at a third party, said as what happened instead."""

    pattern: re.Pattern[str]
    said: str
    examples: tuple[tuple[str, str], ...]

    def apply(self, cause: str) -> str | None:
        m = self.pattern.search(cause)
        if not m:
            return None
        parts = {k: v for k, v in m.groupdict().items() if v}
        return fill(self.said, parts)


@dataclass(frozen=True)
class AgentSelf:
    """A phrase that names the agent who signs the reply, said in the first person: the agent
    never writes about themself in the third person. ``{agent}`` in the pattern stands for the
    agent's name, full or first."""

    pattern: str
    said: str
    examples: tuple[tuple[str, str, str], ...]  # (agent, given, said)

    def apply(self, phrase: str, agent: str) -> str:
        name = re.sub(r"\s*[,(].*$", "", agent).strip()
        if not name:
            return phrase
        names = sorted({name, name.split()[0]}, key=len, reverse=True)
        alternation = "(?:" + "|".join(re.escape(n) for n in names) + ")"
        pattern = re.compile(self.pattern.replace("{agent}", alternation))
        return pattern.sub(
            lambda m: fill(self.said, {k: v or "" for k, v in m.groupdict().items()}), phrase
        )


@dataclass(frozen=True)
class LossKind:
    name: str
    pattern: re.Pattern[str]
    weight: int
    meet: str
    example: str


@dataclass(frozen=True)
class Hint:
    message: str
    example: str


@dataclass(frozen=True)
class PrivateFrames:
    public: tuple[str, ...]
    public_short: tuple[str, ...]
    sensitive: tuple[str, ...]
    sensitive_proactive: tuple[str, ...]
    thread: tuple[str, str]
    details: tuple[str, ...]  # opens a private message whose public post named the problem


@dataclass(frozen=True)
class ComposeExample:
    incident: Incident
    posture: str


@dataclass(frozen=True)
class ComposeData:
    sequences: Mapping[str, tuple[str, ...]]
    optional: tuple[str, ...]
    facts: tuple[str, ...]
    blocks: Mapping[str, Block]
    follow_up_without_when: tuple[str, ...]
    feelings: tuple[Feelings, ...]
    kinds: tuple[Kind, ...]
    third_party: tuple[Rewording, ...]
    loss_kinds: tuple[LossKind, ...]
    loss_levels: tuple[tuple[int, str], ...]
    loss_clause_example: str
    hints: Mapping[str, Hint]
    slots: Mapping[str, str]
    ordinals: tuple[str, ...]
    grammar: Grammar
    phrase_forms: Mapping[str, Mapping[str, str]]  # by field, then shape
    returned_money: re.Pattern[str]
    contacts: tuple[tuple[re.Pattern[str], str], ...]
    follow_up_brings: tuple[str, ...]
    follow_up_by_others: tuple[str, ...]
    follow_up_from: re.Pattern[str]
    follow_up_after_when: tuple[str, ...]
    when_relative: re.Pattern[str]
    investigating: re.Pattern[str]
    fixed_now: re.Pattern[str]
    urgent_fix: re.Pattern[str]
    contact_verbs: tuple[str, ...]
    when_starts: tuple[str, ...]
    specific_when: re.Pattern[str]
    conditional_when: re.Pattern[str]
    purpose_when: re.Pattern[str]
    light: tuple[str, ...]  # blocks a light reply leaves out
    private_details: tuple[tuple[str, re.Pattern[str]], ...]
    in_private: tuple[tuple[re.Pattern[str], str], ...]
    agent_self: tuple[AgentSelf, ...]
    titles: frozenset[str]
    channels: Mapping[str, Channel]
    private: PrivateFrames
    tones: Mapping[str, Tone]
    examples: tuple[ComposeExample, ...] = field(default=())

    def kind_of(self, incident: Incident) -> str | None:
        """The incident's kind as given, else the first kind whose pattern its words match."""
        if incident.kind:
            return incident.kind
        words = " ".join(filter(None, (incident.problem, incident.cause_detail)))
        return next((k.name for k in self.kinds if k.pattern.search(words)), None)

    def kind_row(self, incident: Incident) -> Kind | None:
        kind = self.kind_of(incident)
        return next((k for k in self.kinds if k.name == kind), None)

    def private_detail(self, text: str) -> str | None:
        """The kind of private detail ``text`` holds (an address, medication…), if any."""
        return next((name for name, pattern in self.private_details if pattern.search(text)), None)

    def sensitive(self, incident: Incident) -> bool:
        kind = self.kind_of(incident)
        return incident.legal or any(k.sensitive for k in self.kinds if k.name == kind)

    def feeling_words(self, incident: Incident) -> tuple[str, ...]:
        kind = self.kind_of(incident)
        words = " ".join(filter(None, (incident.problem, incident.cause_detail, *incident.losses)))
        row = next(
            f for f in self.feelings if f.fits(kind, incident.severity, incident.cause, words)
        )
        return row.words

    def reword_cause(self, cause: str) -> str:
        """``cause`` without pointing at a third party, when a rewording fits it."""
        return next((r for r in (w.apply(cause) for w in self.third_party) if r), cause)

    def first_person(self, phrase: str, agent: str | None) -> str:
        """``phrase`` with the signing agent's name said as "I" or "me"."""
        for rule in self.agent_self if agent else ():
            phrase = rule.apply(phrase, agent or "")
        return phrase

    def greeting_name(self, name: str) -> str:
        """See ``_greeting_name``; "" for a name that opens with an initial ("K. Mensah"), which
        takes the anonymous greeting (never "Hi K.,")."""
        said = self._greeting_name(name)
        return "" if re.fullmatch(r"[A-Z]\.?", said) else said

    def _greeting_name(self, name: str) -> str:
        """The name a greeting uses: the first name ("Helen Marsh" -> "Helen"), or a title with
        the surname ("Mr Daniel Okafor" -> "Mr Okafor"); never a job title or company
        ("Dev Kapoor (Finance Director, …)" -> "Dev"). A handle is kept as written."""
        if name.startswith("@"):
            return name
        words = re.sub(r"\s*[,(].*$", "", name).split()
        if not words:
            return name
        if words[0].rstrip(".").lower() in self.titles:
            return " ".join([words[0], words[-1]]) if len(words) > 1 else words[0]
        return words[0]

    def loss_kind(self, loss: str) -> LossKind:
        return next(k for k in self.loss_kinds if k.pattern.search(loss))

    def loss_level(self, losses: Sequence[str]) -> str:
        weight = sum(self.loss_kind(loss).weight for loss in losses)
        return [say for least, say in self.loss_levels if weight >= least][-1]


def load_compose(path: Path | None = None) -> ComposeData:
    """Read and validate ``data/compose.yaml``; errors name the file, line and fix."""
    root = load("compose.yaml", path)
    root.check_keys(
        (
            "sequences",
            "optional",
            "facts",
            "blocks",
            "follow_up_without_when",
            "feelings",
            "kinds",
            "third_party",
            "losses",
            "suggestions",
            "slots",
            "ordinals",
            "grammar",
            "phrase_forms",
            "returned_money",
            "contacts",
            "follow_up_brings",
            "when_starts",
            "specific_when",
            "conditional_when",
            "purpose_when",
            "light",
            "private_details",
            "in_private",
            "agent_self",
            "titles",
            "follow_up_by_others",
            "follow_up_from",
            "follow_up_after_when",
            "when_relative",
            "investigating",
            "fixed_now",
            "urgent_fix",
            "contact_verbs",
            "channels",
            "private",
            "tones",
            "examples",
        )
    )
    blocks = _blocks(root.section("blocks"))
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
    for key in ("optional", "facts", "light"):
        for name in root.strs(key):
            if name not in blocks:
                raise root.fail(f"`{key}` names unknown block {name!r}")
    slots_section = root.section("slots")
    slots = {k: slots_section.str(k) for k in slots_section.names()}
    for needed in SLOTTED:
        if needed not in slots:
            raise slots_section.fail(f"missing slot {needed!r}")
    hints_section = root.section("suggestions")
    hints = {}
    for name in SUGGESTED:
        if name not in hints_section:
            raise hints_section.fail(f"missing suggestion {name!r}")
        s = hints_section.section(name)
        s.check_keys(("message", "example", "__line__"))
        hints[name] = Hint(s.str("message"), s.str("example"))

    def forms(key: str, text_key: str) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((s.regex("pattern"), s.str(text_key)) for s in root.sections(key))

    channels_section = root.section("channels")
    channels = {}
    for name in CHANNELS:
        s = channels_section.section(name)
        s.check_keys(
            (
                "greeting",
                "anonymous",
                "signoff",
                "unsigned",
                "separator",
                "limit",
                "paragraphs",
                "join_steps",
                "signoff_care",
                "__line__",
            )
        )
        paragraphs = s.strs("paragraphs", ())
        for block in paragraphs:
            if block not in blocks:
                raise s.fail(f"`paragraphs` names unknown block {block!r}")
        channels[name] = Channel(
            name=name,
            greeting=s.strs("greeting"),
            anonymous=s.strs("anonymous", empty=True),
            signoff=s.strs("signoff", empty=True),
            unsigned=s.strs("unsigned", empty=True),
            separator=str(s.data.get("separator", " ")),
            limit=s.int("limit"),
            paragraphs=paragraphs,
            join_steps=s.bool("join_steps", False),
            signoff_care=s.strs("signoff_care", ()),
        )
    private = root.section("private")
    thread = private.strs("thread")
    if len(thread) != 2:
        raise private.fail("`thread` needs two markers, for the first and the second post")
    tones_section = root.section("tones")
    tones = {}
    for name in tones_section.names():
        s = tones_section.section(name)
        prefer = s.mapping("prefer")
        for block in prefer:
            if block not in blocks:
                raise s.fail(f"tone {name!r} prefers a variant of unknown block {block!r}")
        tones[name] = Tone(name, prefer, bool(s.data.get("short", False)))
    losses = root.section("losses")
    data = ComposeData(
        sequences=sequences,
        optional=root.strs("optional"),
        facts=root.strs("facts"),
        blocks=blocks,
        follow_up_without_when=_templates(root, "follow_up_without_when"),
        feelings=_feelings(root),
        kinds=_kinds(root),
        third_party=_rewordings(root),
        loss_kinds=tuple(
            LossKind(
                s.str("name"), s.regex("pattern"), s.int("weight"), s.str("meet"), s.str("example")
            )
            for s in losses.sections("kinds")
        ),
        loss_levels=tuple((s.int("min"), s.str("say")) for s in losses.sections("levels")),
        loss_clause_example=losses.str("clause_example"),
        hints=hints,
        slots=slots,
        ordinals=root.strs("ordinals"),
        grammar=_grammar(root.section("grammar")),
        phrase_forms=_phrase_forms(root.section("phrase_forms")),
        returned_money=_returned_money(root.section("returned_money")),
        contacts=forms("contacts", "text"),
        follow_up_brings=root.strs("follow_up_brings"),
        follow_up_by_others=_templates(root, "follow_up_by_others"),
        follow_up_from=root.regex("follow_up_from"),
        follow_up_after_when=root.strs("follow_up_after_when"),
        when_relative=root.regex("when_relative"),
        investigating=root.regex("investigating"),
        fixed_now=root.regex("fixed_now"),
        urgent_fix=root.regex("urgent_fix"),
        contact_verbs=root.strs("contact_verbs"),
        when_starts=root.strs("when_starts"),
        specific_when=root.regex("specific_when"),
        conditional_when=root.regex("conditional_when"),
        purpose_when=root.regex("purpose_when"),
        light=root.strs("light"),
        private_details=tuple(
            (s.str("name"), s.regex("pattern")) for s in root.sections("private_details")
        ),
        in_private=forms("in_private", "said"),
        agent_self=_agent_self(root),
        titles=frozenset(t.lower() for t in root.strs("titles")),
        channels=channels,
        private=PrivateFrames(
            public=_templates(private, "public"),
            public_short=_templates(private, "public_short"),
            sensitive=_templates(private, "sensitive"),
            sensitive_proactive=_templates(private, "sensitive_proactive"),
            thread=(thread[0], thread[1]),
            details=_templates(private, "details"),
        ),
        tones=tones,
    )
    for kind in data.kinds:
        for name in (*kind.opens, *kind.closes, *kind.replaces):
            if name not in blocks:
                raise root.fail(f"kind {kind.name!r} names unknown block {name!r}")
    if data.loss_kinds[-1].pattern.pattern != ".":
        raise losses.fail("the last loss kind must match any loss (pattern '.')")
    last = data.feelings[-1]
    if last.kind or last.severity or last.cause or last.concern:
        raise root.fail("the last `feelings` row must have no conditions: it is the default")
    examples = []
    for s in root.sections("examples"):
        try:
            incident = parse_incident(plain(s.data.get("incident")))
        except IncidentError as exc:
            raise s.fail(f"bad example incident: {exc}") from exc
        examples.append(ComposeExample(incident, s.choice("posture", POSTURES)))
    return ComposeData(**{**data.__dict__, "examples": tuple(examples)})


def _blocks(section: Section) -> dict[str, Block]:
    blocks = {}
    for name in section.names():
        s = section.section(name)
        component = s.choice("component", COMPONENTS)
        variants = {}
        for key in s.names():
            if key == "component":
                continue
            if key.startswith("short.") and key[6:] not in POSTURES:
                raise s.fail(f"{key!r}: {key[6:]!r} is not a posture")
            variants[key] = _templates(s, key)
        if "default" not in variants:
            raise s.fail("a block needs `default` variants")
        named = any("{problem}" in t or "{Problem}" in t for t in variants["default"])
        if named and "unnamed" not in variants:
            raise s.fail(
                "a block that restates {problem} needs `unnamed` variants, for a problem that "
                "cannot be restated"
            )
        blocks[name] = Block(name, component, variants)
    return blocks


def _templates(section: Section, key: str) -> tuple[str, ...]:
    templates = section.strs(key)
    for t in templates:
        check_fields(t, FIELDS, section.where)
    return templates


def _feelings(root: Section) -> tuple[Feelings, ...]:
    rows = []
    for s in root.sections("feelings"):
        s.check_keys(("kind", "severity", "cause", "concern", "words", "__line__"))
        rows.append(
            Feelings(
                words=s.strs("words"),
                kind=s.choice("kind", KINDS) if "kind" in s else None,
                severity=s.choice("severity", SEVERITIES) if "severity" in s else None,
                cause=s.choice("cause", CAUSES) if "cause" in s else None,
                concern=s.regex("concern") if "concern" in s else None,
            )
        )
    return tuple(rows)


def _kinds(root: Section) -> tuple[Kind, ...]:
    kinds = []
    for s in root.sections("kinds"):
        kind = Kind(
            s.choice("name", KINDS),
            s.bool("sensitive"),
            s.regex("pattern"),
            opens=s.strs("opens", ()),
            closes=s.strs("closes", ()),
            replaces=s.strs("replaces", ()),
            care=s.bool("care", False),
        )
        for example in s.strs("examples"):
            if not kind.pattern.search(example):
                raise s.fail(f"the example {example!r} does not read as {kind.name}")
        kinds.append(kind)
    return tuple(kinds)


def _grammar(s: Section) -> Grammar:
    s.check_keys(
        (
            "subjects",
            "determiners",
            "finite",
            "verbs",
            "stops",
            "past",
            "participles",
            "same_as_base",
            "not_past",
            "not_ing",
            "leading",
            "not_finite_after",
            "noun_starts",
            "times",
            "relatives",
            "base_verbs",
            "to_verbs",
            "prefixes",
            "passive_next",
            "amount_followers",
            "examples",
            "__line__",
        )
    )
    participles = s.mapping("participles")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in participles.items()):
        raise s.fail("`participles` maps a past form to its participle: {took: taken}")
    leading = s.mapping("leading")
    if not all(v in ("to_do", "done", "under_way") for v in leading.values()):
        raise s.fail("`leading` maps an auxiliary to the shape it gives: to_do, done or under_way")
    words = ("subjects", "determiners", "finite", "verbs", "stops", "past", "same_as_base")
    grammar = Grammar(
        **{
            key: frozenset(w.lower() for w in s.strs(key))
            for key in (
                *words,
                "not_past",
                "not_ing",
                "not_finite_after",
                "noun_starts",
                "times",
                "relatives",
                "base_verbs",
                "to_verbs",
                "passive_next",
                "amount_followers",
            )
        },
        prefixes=tuple(w.lower() for w in s.strs("prefixes")),
        participles={k.lower(): v.lower() for k, v in participles.items()},
        leading={str(k).lower(): str(v) for k, v in leading.items()},
    )
    examples = s.data.get("examples")
    if not isinstance(examples, list) or not examples:
        raise s.fail("`examples` must list [phrase, shape] pairs")
    wrong = []
    for pair in examples:
        if not (isinstance(pair, list) and len(pair) == 2 and pair[1] in SHAPES):
            raise s.fail(f"an example must be [phrase, shape] with a shape of {SHAPES}: {pair!r}")
        if grammar.shape(pair[0]) != pair[1]:
            wrong.append(f"{pair[0]!r} reads as {grammar.shape(pair[0])!r}, not {pair[1]!r}")
    if wrong:
        raise s.fail("examples read wrongly: " + "; ".join(wrong))
    return grammar


def _phrase_forms(s: Section) -> dict[str, dict[str, str]]:
    forms = {}
    for name in ("steps", "customer_actions", "losses", "compensation", "returned", "cause"):
        field_forms = s.section(name)
        field_forms.check_keys((*SHAPES, "__line__"))
        forms[name] = {shape: field_forms.str(shape) for shape in SHAPES}
        for form in forms[name].values():
            check_fields(form, ("phrase", "Phrase", "participle"), field_forms.where)
    return forms


def _returned_money(s: Section) -> re.Pattern[str]:
    pattern = s.regex("pattern")
    examples = s.section("examples")
    for name, returned in (("returned", True), ("gesture", False)):
        for example in examples.strs(name):
            if bool(pattern.search(example)) != returned:
                raise examples.fail(
                    f"the example {example!r} should {'' if returned else 'not '}read as the "
                    "customer's own money returned"
                )
    return pattern


def _agent_self(root: Section) -> tuple[AgentSelf, ...]:
    out = []
    for s in root.sections("agent_self"):
        pairs = s.data.get("examples")
        if not isinstance(pairs, list) or not pairs:
            raise s.fail("`examples` must list [agent, given, said] triples")
        rule = AgentSelf(s.str("pattern"), s.str("said"), tuple(tuple(p) for p in pairs))
        try:
            re.compile(rule.pattern.replace("{agent}", "x"))
        except re.error as exc:
            raise s.fail(f"bad pattern: {exc}") from exc
        for agent, given, said in rule.examples:
            if rule.apply(given, agent) != said:
                raise s.fail(
                    f"the example {given!r} (agent {agent!r}) is said "
                    f"{rule.apply(given, agent)!r}, not {said!r}"
                )
        out.append(rule)
    return tuple(out)


def _rewordings(root: Section) -> tuple[Rewording, ...]:
    out = []
    for s in root.sections("third_party"):
        pairs = s.data.get("examples")
        if not isinstance(pairs, list) or not pairs:
            raise s.fail("`examples` must list [given, said] pairs")
        examples = []
        for pair in pairs:
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            ):
                raise s.fail(f"an example must be a [given, said] pair, got {pair!r}")
            examples.append((pair[0], pair[1]))
        rewording = Rewording(s.regex("pattern"), s.str("said"), tuple(examples))
        for given, said in examples:
            if rewording.apply(given) != said:
                raise s.fail(
                    f"the example {given!r} is said {rewording.apply(given)!r}, not {said!r}"
                )
        out.append(rewording)
    return tuple(out)


@lru_cache(maxsize=1)
def compose_data() -> ComposeData:
    return load_compose()
