"""How a phrase from an incident is said in a sentence, read from its grammar.

An incident's phrases are written by people, in whatever shape comes to them: a step may be a
verb in the past ("checked your line is syncing"), "had" with someone doing something ("had
maintenance repair the unit"), a verb to do ("refund the fee"), a verb in "-ing" ("looking into
it"), a clause with its own subject ("payments can still be made by card") or a noun phrase
("a £20 credit"). Each shape takes its own frame ("I've checked…", "I'll refund…", the clause as
written); pasting every phrase into one frame gives "I'll had maintenance…" or "Please payments
can…". The words that decide a shape (subjects, auxiliaries, irregular verbs) are data, in
compose.yaml's `grammar`; the frames per field and shape are in its `phrase_forms`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

SHAPES: tuple[str, ...] = ("clause", "done", "under_way", "to_do", "noun")


@dataclass(frozen=True)
class Grammar:
    subjects: frozenset[str]  # words that open a clause with its own subject ("we", "nothing")
    determiners: frozenset[str]  # words that open a noun phrase or a clause ("the", "your")
    finite: frozenset[str]  # auxiliaries that make a phrase a clause when they follow its subject
    verbs: frozenset[str]  # verbs that do too, unless right after a determiner ("the open case")
    stops: frozenset[str]  # words after which a finite verb belongs to another clause
    past: frozenset[str]  # irregular past forms that are their own participle ("sent")
    participles: Mapping[str, str]  # irregular past -> participle ("took" -> "taken")
    same_as_base: frozenset[str]  # past forms that are also the base verb ("reset", "put")
    not_past: frozenset[str]  # words in -ed that are not a past ("need", "feed")
    not_ing: frozenset[str]  # words in -ing that are not under way ("bring", "nothing")
    # an auxiliary that opens a phrase with no subject ("will resend it", "have refunded…"):
    # dropped, and the shape it gives
    leading: Mapping[str, str]
    # words before a past form that make it a participle, not a verb ("the items not recovered")
    not_finite_after: frozenset[str]
    window: int = 10  # how many words after the first a finite verb is looked for

    def read(self, phrase: str, doing: bool = True) -> tuple[str, str]:
        """The shape of ``phrase`` (clause, done, under_way, to_do or noun) and the phrase to
        say, without a leading auxiliary. ``doing`` is false for what the customer should do,
        where "reset your password" is a verb to do."""
        words = [w.strip(',;:()"“”') for w in _WORDS.findall(phrase.lower())]
        if not words:
            return "noun", phrase
        first = words[0]
        if first in self.leading and len(words) > 1:
            shape, second = self.leading[first], words[1]
            fits = {
                "to_do": True,
                "done": self.is_past(second),
                "under_way": second.endswith("ing"),
            }
            if fits.get(shape):
                return shape, phrase.split(None, 1)[1]
        return self.shape_of(words, doing), phrase

    def shape(self, phrase: str, doing: bool = True) -> str:
        return self.read(phrase, doing)[0]

    def shape_of(self, words: list[str], doing: bool) -> str:
        first = words[0]
        if first in self.subjects:
            return "clause"
        if first in self.same_as_base:
            return "done" if doing else "to_do"
        if self.is_past(first):
            return "done"
        if first.endswith("ing") and len(first) > 4 and first not in self.not_ing:
            return "under_way"
        if first in self.determiners or first[:1].isdigit() or first[:1] in "£$€":
            return "clause" if self.has_finite(words, past_from=2) else "noun"
        # a verb to do, unless a verb follows its first word: "engineers checked the line"
        return "clause" if self.has_finite(words, past_from=1, past_to=1) else "to_do"

    def is_past(self, word: str) -> bool:
        if word in self.past or word in self.participles or word in self.participles.values():
            return True
        return word.endswith("ed") and len(word) > 3 and word not in self.not_past

    def has_finite(self, words: list[str], past_from: int, past_to: int | None = None) -> bool:
        """Whether a finite verb follows the first word before a word of ``stops``: an
        auxiliary anywhere; a verb of ``verbs`` anywhere, or a past form from word ``past_from``
        (to ``past_to``), when the word before it is not a determiner ("the signed form"), a
        possessive ("the night's stay"), a subject ("the £220 you're owed") or a word of
        ``not_finite_after``."""
        last = self.window if past_to is None else past_to
        for i, word in enumerate(words[1 : self.window + 1], start=1):
            if word in self.stops:
                return False
            if word in self.finite:
                return True
            before = words[i - 1]
            verb_here = before not in self.determiners and before not in self.not_finite_after
            # after a possessive it is a noun ("the night's stay"); after a subject inside the
            # phrase it is a relative clause ("the £220 you're owed")
            verb_here = verb_here and not before.endswith(("'s", "’s"))
            verb_here = verb_here and before not in self.subjects
            if verb_here and (
                word in self.verbs or (past_from <= i <= last and self.is_past(word))
            ):
                return True
        return False

    def participle(self, phrase: str) -> str:
        """``phrase`` with its first word as a participle: "took the fee off" -> "taken…"."""
        first, _, rest = phrase.partition(" ")
        said = self.participles.get(first.lower())
        if said is None:
            return phrase
        return f"{said} {rest}".strip()


_WORDS = re.compile(r"[^\s]+")


def said(phrase: str, forms: Mapping[str, str], grammar: Grammar, doing: bool = True) -> str:
    """``phrase`` in the frame ``forms`` gives its shape; {phrase} is the phrase inside a
    sentence, {Phrase} capitalised, {participle} the phrase with its first word a participle."""
    shape, phrase = grammar.read(phrase, doing)
    embedded = embed(phrase)
    values = {
        "phrase": embedded,
        "Phrase": phrase[:1].upper() + phrase[1:],
        "participle": grammar.participle(embedded),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], forms[shape])


_KEEP_CASE = re.compile(r"^(?:I\b|[A-Z]{2,}\b|[A-Z][a-z]+ [A-Z])")


def embed(phrase: str) -> str:
    """A phrase as it reads inside a sentence: lower-case first word unless a name or acronym."""
    return phrase if _KEEP_CASE.match(phrase) else phrase[:1].lower() + phrase[1:]
