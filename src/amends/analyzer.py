"""``analyze``: one reply (and the customer's message, when known) in, one ``Report`` out.

Pure and offline: the rules, lexicons and weights are package data, loaded once per
configuration and shared by every call.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .caches import Memo
from .document import Document, Normaliser
from .engine import Engine, _dedupe
from .fastsearch import with_first_chars
from .learned import LearnedModel, load_model
from .model import COMPONENTS, LABELS, Config, Finding, Report, Situation
from .notes import NOTE_RULES, VAGUE_PROMISE, VaguePromises
from .prefilter import Keywords, save_pattern_facts
from .rules import (
    Lexicons,
    Rule,
    is_selected,
    load_lexicons,
    load_rules,
    select_rules,
    unknown_selectors,
)
from .score import Weights, load_weights
from .situation import SituationModel, load_situation
from .slots import SlotFinder, blank, quote_original, situation_quoting, slot_finder

MAX_CHARS = 1_000_000
_KEPT = 4096  # combinations of labels (and of expected components) remembered


class Analyzer:
    """Everything ``analyze`` needs, built once: compiled rules, the keyword automaton, weights."""

    def __init__(
        self,
        config: Config | None = None,
        rules: list[Rule] | None = None,
        lexicons: Lexicons | None = None,
        weights: Weights | None = None,
        learned: LearnedModel | bool | None = True,
    ):
        self.config = config or Config()
        # the learned layer: True loads the shipped model (if the config wants it), None/False
        # runs the rules alone
        if learned is True:
            learned = load_model() if self.config.model else None
        self.learned: LearnedModel | None = learned or None
        self._model_id = (
            (self.learned.version, self.learned.data_hash) if self.learned is not None else None
        )
        self.lexicons = lexicons or load_lexicons()
        self.all_rules = rules if rules is not None else load_rules(lexicons=self.lexicons)
        unknown = unknown_selectors(
            self.config.select + self.config.ignore, [*self.all_rules, *NOTE_RULES]
        )
        if unknown:
            raise ValueError(
                f"no rule matches {', '.join(repr(u) for u in unknown)}; selectors are rule "
                "codes (M201), code prefixes (M2), names (sorry-you-feel) or taxonomy labels"
            )
        self.rules = select_rules(self.all_rules, self.config.select, self.config.ignore)
        # the vague-promise note (P001); None when the selectors leave it out
        self.vague_promises: VaguePromises | None = (
            VaguePromises()
            if is_selected(VAGUE_PROMISE, self.config.select, self.config.ignore)
            else None
        )
        # components some enabled detector can find; only these can be reported missing
        self.detectable = {r.label for r in self.rules if not r.is_check}
        self._needs_failure = frozenset(
            r.code for r in self.rules if r.situation == "failure" and r.echo is None
        )
        negator = with_first_chars(re.compile(self.lexicons.expand("{negator}", "lexicons")))
        # one keyword pass over a reply wakes both the detectors and the situation signals
        keywords = Keywords()
        self.engine = Engine(self.rules, negator, keywords)
        self.normalise = Normaliser(self.lexicons.spellings)
        self.situation: SituationModel = load_situation(self.lexicons, negator, keywords=keywords)
        self.weights = weights or load_weights()
        self.slots: SlotFinder = slot_finder()
        # labels found -> the taxonomy's labels in order; expected components -> those that
        # some detector can find, in order: both worked out once per combination
        self._labels: Memo[frozenset[str], tuple[str, ...]] = Memo(_in_taxonomy_order, _KEPT)
        self._missable: Memo[tuple[str, ...], tuple[str, ...]] = Memo(self._can_be_missing, _KEPT)
        # per label, the exceptions of its detectors (those that read the normalised text):
        # what the rules know is not the label, so the model does not quote it as the label
        # either. Compiled on first use (the engine shares the compiled patterns).
        self._ruled_out: Memo[str, tuple[re.Pattern[str], ...]] = Memo(self._exceptions_of, _KEPT)
        # what loading worked out about new patterns, kept for the next process's start-up
        save_pattern_facts()

    def analyze(self, text: str, customer: str | None = None) -> Report:
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, not {type(text).__name__}")
        if customer is not None and not isinstance(customer, str):
            raise TypeError(f"customer must be a string or None, not {type(customer).__name__}")
        if len(text) > MAX_CHARS:
            raise ValueError(
                f"text is {len(text):,} characters; amends analyses replies of up to "
                f"{MAX_CHARS:,} characters"
            )
        # Slots ("[the cause]") are gaps an agent has yet to fill: nothing reads their words, and
        # blanks in their place keep every offset. Most replies have no "[" and pay nothing.
        slots = self.slots.find(text) if "[" in text else ()
        doc = self.normalise(blank(text, slots) if slots else text)
        engine = self.engine
        customer_doc = self.normalise(customer[:MAX_CHARS]) if customer else None
        found, present, situation = self.rule_pass(doc, customer_doc)
        extra: list[Finding] = []
        if self.learned is not None:
            ordered = [label for label in LABELS if label in present]
            extra, needed = self.learned.predict(
                doc, ordered, situation, customer_doc, found, self._ruled_out
            )
            if needed is not None and needed != situation.failure and not present & _APOLOGY_SIGNS:
                # the model read the case as a whole: whether anything called for an apology
                situation = Situation(
                    situation.cause,
                    situation.wait,
                    needed,
                    situation.evidence,
                    situation.first_contact,
                )
        if customer_doc is not None:
            if not situation.failure and self._needs_failure:
                # the customer's message says nothing went wrong: steps and actions are not repairs
                found = [f for f in found if f.code not in self._needs_failure]
                present = {f.label for f in found}
            echoes = engine.echo(doc, customer_doc, situation.failure)
            if echoes:
                found = _dedupe(found + echoes)
                present = {f.label for f in found}
        if extra:
            # the model adds only what the rules (of those selected) did not find
            extra = [f for f in extra if f.label in self.detectable and f.label not in present]
            if slots:
                # the model weighs the reply as a whole, and an unfinished reply has gaps
                # where its words would be: only the rules (which read around them) judge it
                extra = []
            found += extra
            present |= {f.label for f in extra}
        labels = self._labels[frozenset(present)]
        if situation.first_contact:
            # a cause, fault or fix the learned layer found also ends a first contact
            situation = self.situation.past_first_contact_with(situation, present)
        expected = self.weights.expected_for(situation)
        if expected:
            missable = self._missable[expected]
            missing = tuple([c for c in missable if c not in present])
            if missing:
                found += engine.missing_checks(present, missing)
        else:
            missing = ()
        score, quality, breakdown = self.weights.score(found, labels, situation)
        if slots:
            found = quote_original(found, text)
            situation = situation_quoting(situation, text)
        if self.vague_promises is not None:
            # notes come after the score: they advise, and change no label, score or quality
            found += self.vague_promises.find(blank(text, slots) if slots else text, text)
        # In field order: a frozen dataclass takes positional arguments in half the time.
        return Report(
            text,
            tuple(sorted(found, key=_order) if len(found) > 1 else found),
            labels,
            missing,
            score,
            quality,
            breakdown,
            situation,
            customer,
            self._model_id,
            slots,
        )

    def rule_pass(
        self, doc: Document, customer: Document | None
    ) -> tuple[list[Finding], set[str], Situation]:
        """What the rules find and the situation they read, before the customer's message
        filters and echoes: the learned layer's input, at run time and in training."""
        found = self.engine.detect(doc)
        found += self.engine.count_checks(doc, found)
        present = {f.label for f in found}
        situation = self.situation.infer(doc, customer, present)
        if not situation.failure and present & _APOLOGY_SIGNS:
            situation = Situation(
                situation.cause, situation.wait, True, situation.evidence, situation.first_contact
            )
        return found, present, situation

    def _exceptions_of(self, label: str) -> tuple[re.Pattern[str], ...]:
        return tuple(
            pattern
            for rule in self.all_rules
            if rule.label == label and not rule.is_check and not rule.on_original
            for pattern in rule.compiled_exceptions
        )

    def _can_be_missing(self, expected: tuple[str, ...]) -> tuple[str, ...]:
        """The expected components some enabled detector can find, in taxonomy order."""
        return tuple(c for c in COMPONENTS if c in expected and c in self.detectable)


def _in_taxonomy_order(present: frozenset[str]) -> tuple[str, ...]:
    return tuple(label for label in LABELS if label in present)


# An agent who apologised, or made an apology's mistakes, judged that something went wrong.
_APOLOGY_SIGNS = {"apology", "acknowledge", "vague_apology", "conditional_apology", "over_apology"}


def _order(f: Finding) -> tuple[int, int, str]:
    if f.start is None:
        return (1, 0, f.code)
    return (0, f.start, f.code)


@lru_cache(maxsize=128)
def get_analyzer(config: Config | None = None) -> Analyzer:
    return Analyzer(config)


def analyze(text: str, customer: str | None = None, config: Config | None = None) -> Report:
    """Find the apology components and mistakes in ``text``, score it, and say what is missing.

    ``customer`` is the message the reply answers; it informs the situation (cause, wait,
    whether an apology was due). ``config`` selects or ignores rules by code, prefix or name.
    """
    return get_analyzer(config).analyze(text, customer)
