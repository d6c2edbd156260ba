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

SHAPES: tuple[str, ...] = ("clause", "done", "under_way", "to_do", "noun", "plain")


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
    # words that open a noun phrase though they are not determiners ("possible overdraft
    # charges", "over £200 on clothes", "extra fees"): never a verb to do
    noun_starts: frozenset[str] = frozenset()
    # words that open a time expression ("Sunday 13 December services are running…"): the
    # phrase is a clause when a verb follows anywhere, else a noun phrase; never a verb to do
    times: frozenset[str] = frozenset()
    # stops that open a relative clause ("the mill that supplies the fabric had a fire"): the
    # main verb may come after it
    relatives: frozenset[str] = frozenset()
    # base verbs a phrase may open with to be a verb to do ("refund the fee"): a first word the
    # engine does not know is never put after "I'll" or "Please"
    base_verbs: frozenset[str] = frozenset()
    # past forms that take "to" and a verb ("failed to send"): never a participle before "to"
    to_verbs: frozenset[str] = frozenset()
    # prefixes a verb may carry ("re-ran", "overran", "rebooked"): the verb after them decides
    prefixes: tuple[str, ...] = ()
    # words after which a participle with no auxiliary is a passive ("new boarding passes sent
    # to your email", "card unblocked - it's working now"): said with "has been" / "have been"
    passive_next: frozenset[str] = frozenset()
    # words after a bare amount that need no article before it ("£100 off", "£9.95 a day")
    amount_followers: frozenset[str] = frozenset()
    window: int = 20  # how many words after the first a finite verb is looked for

    def read(self, phrase: str, doing: bool = True) -> tuple[str, str]:
        """The shape of ``phrase`` (clause, done, under_way, to_do or noun) and the phrase to
        say, without a leading auxiliary. ``doing`` is false for what the customer should do,
        where "reset your password" is a verb to do."""
        raw = _WORDS.findall(phrase.lower())
        words = [w.strip(',;:()"“”') for w in raw]
        if not words:
            return "noun", phrase
        first = words[0]
        if first == "please" and len(words) > 1:
            # a request written with its "please": kept as written among our steps, and said
            # without it in what the customer should do (never "Please please…")
            if doing:
                return "clause", phrase
            return self.read(phrase.split(None, 1)[1], doing)
        if first in self.leading and len(words) > 1:
            shape, second = self.leading[first], words[1]
            fits = {
                "to_do": True,
                "done": self.is_past(second),
                "under_way": second.endswith("ing"),
            }
            if fits.get(shape):
                return shape, phrase.split(None, 1)[1]
        # a participle after a comma opens a clause of its own ("£30 under the scheme, paid to
        # your account"): it is not the phrase's verb
        words = [
            ""
            if i
            and raw[i - 1].endswith(",")
            and self.is_participle(w)
            and (words[i + 1] if i + 1 < len(words) else "") in self.passive_next
            else w
            for i, w in enumerate(words)
        ]
        shape = self.shape_of(words, doing)
        if shape in ("noun", "clause", "plain"):
            passive = self.passive(phrase, raw, words)
            if passive:
                return "clause", passive
        return shape, phrase

    def passive(self, phrase: str, raw: list[str], words: list[str]) -> str | None:
        """A noun and a participle with no auxiliary ("£146.60 refunded to your bank", "new
        boarding passes sent to your email") said with one: "£146.60 has been refunded…". Only
        when sure: a participle in the phrase's first part (no comma before it), after a word
        that is no determiner, followed by a word of ``passive_next`` or nothing, and no finite
        verb anywhere before it."""
        for i in range(1, min(len(words), 6)):
            if raw[i - 1].endswith((",", ";", ":")):
                return None
            word = words[i]
            if word in self.finite or word in self.subjects:
                return None
            if not self.is_participle(word):
                continue
            before = words[i - 1]
            if before in self.determiners or before in self.not_finite_after:
                return None
            if before in self.subjects or before.endswith(("'s", "’s")):
                return None
            after = words[i + 1] if i + 1 < len(words) else ""
            if after not in self.passive_next and not (raw[i].endswith(",") or not after):
                return None
            if after == "to" and word in self.to_verbs:
                return None
            for later, written in zip(words[i + 1 :], raw[i + 1 :], strict=False):
                if later in self.finite or later in self.verbs or self.is_past(later):
                    return None  # "a sample taken on Mill Lane passed…": a clause already
                if written.endswith((",", ";")):
                    break
            aux = "have been" if _PLURAL.match(before) else "has been"
            parts = phrase.split()
            return " ".join([*parts[:i], aux, *parts[i:]])
        return None

    def is_participle(self, word: str) -> bool:
        """A past form that is also a participle ("sent", "refunded"), not "went" or "took"."""
        word = self.unprefixed(word)
        if word in self.participles:
            return False
        return self.is_past(word)

    def unprefixed(self, word: str) -> str:
        for prefix in self.prefixes:
            rest = word.removeprefix(prefix).lstrip("-")
            if rest != word and (
                rest in self.base_verbs or rest in self.past or rest in self.participles
            ):
                return rest
        return word

    def shape(self, phrase: str, doing: bool = True) -> str:
        return self.read(phrase, doing)[0]

    def shape_of(self, words: list[str], doing: bool) -> str:
        first = words[0]
        if first in self.subjects:
            return "clause"
        if first in self.same_as_base:
            return "done" if doing else "to_do"
        if self.is_past(first):
            # "ranked losses during the outage are being reversed": the -ed word describes the
            # subject of a later auxiliary; "checked your line is syncing" has its object next
            second = words[1] if len(words) > 1 else ""
            if (
                second
                and second not in self.determiners
                and second not in self.subjects
                and not second[:1].isdigit()
                and self.has_auxiliary(words)
            ):
                return "clause"
            return "done"
        if first in self.stops and first not in self.determiners:
            return "clause"  # a condition first ("if your mum has no tablets left, ask…")
        if first in self.noun_starts:
            return "clause" if self.has_finite(words, past_from=1) else "noun"
        if first.endswith("ing") and len(first) > 4 and first not in self.not_ing:
            return "under_way"
        if re.sub(r"['’]s$", "", first) in self.times or _DATE.match(first):
            return "clause" if self.has_verb(words) else "noun"
        if first in self.determiners or first[:1].isdigit() or first[:1] in "£$€":
            return "clause" if self.has_finite(words, past_from=2) else "noun"
        if _PLURAL.match(first):
            return "clause" if self.has_finite(words, past_from=1) else "noun"
        # a verb to do, unless a verb follows its first word: "engineers checked the line"; a
        # determiner after the first word makes it a verb with an object ("reimburse any
        # charges your bank applies")
        if self.unprefixed(first) in self.base_verbs:
            return "clause" if self.has_finite(words, 1, 1, objects=True) else "to_do"
        # a first word the lexicon does not know ("Amir in our bereavement team is…", "due out
        # for delivery…"): a clause when a verb follows, else said as the writer gave it
        return "clause" if self.has_finite(words, past_from=1) else "plain"

    def has_auxiliary(self, words: list[str]) -> bool:
        """Whether an auxiliary follows the first word before a word of ``stops``."""
        for word in words[1 : self.window + 1]:
            if word in self.stops:
                return False
            if word in self.finite:
                return True
        return False

    def has_verb(self, words: list[str]) -> bool:
        """Whether a finite verb or a verb of ``verbs`` comes anywhere after the first word."""
        return any(w in self.finite or w in self.verbs for w in words[1:])

    def is_past(self, word: str) -> bool:
        word = self.unprefixed(word)
        if word in self.past or word in self.participles or word in self.participles.values():
            return True
        return word.endswith("ed") and len(word) > 3 and word not in self.not_past

    def has_finite(
        self, words: list[str], past_from: int, past_to: int | None = None, objects: bool = False
    ) -> bool:
        """Whether a finite verb follows the first word before a word of ``stops``: an
        auxiliary anywhere; a verb of ``verbs`` anywhere, or a past form from word ``past_from``
        (to ``past_to``), when the word before it is not a determiner ("the signed form"), a
        possessive ("the night's stay"), a subject ("the £220 you're owed") or a word of
        ``not_finite_after``. After a word of ``relatives`` the first verb belongs to the
        relative clause and a second one is the phrase's own ("the mill that supplies the fabric
        had a fire"). With ``objects``, a determiner ends the search: the words before it are a
        verb and its object, not a subject ("reimburse any charges your bank applies")."""
        last = self.window if past_to is None else past_to
        relative = 0  # verbs still owed to an open relative clause
        for i, word in enumerate(words[1 : self.window + 1], start=1):
            if objects and word in self.determiners:
                return False
            if word in self.relatives and i > 1:
                relative = 1
                continue
            if word in ("and", "or") and any(
                w in self.finite for w in words[i + 2 : i + 4] if words[i + 1] not in self.subjects
            ):
                continue  # two nouns joined ("the tyre and car have gone"): one subject
            if word in self.stops:
                return False
            if word in self.finite and words[i - 1] in self.subjects:
                continue  # a relative clause inside the phrase ("receipts for items you have…")
            if word in self.finite:
                if relative:
                    relative -= 1
                    continue
                return True
            before = words[i - 1]
            if words[i + 1 : i + 2] == ["by"] and self.is_participle(word):
                continue  # "code sent by email": a participle, not the phrase's verb
            if self.unprefixed(word) in self.participles and before in ("never", "not"):
                return True  # "the text never went out": a simple past, never a participle
            verb_here = before not in self.determiners and before not in self.not_finite_after
            # after a possessive it is a noun ("the night's stay"); after a subject inside the
            # phrase it is a relative clause ("the £220 you're owed")
            verb_here = verb_here and not before.endswith(("'s", "’s"))
            verb_here = verb_here and before not in self.subjects
            if verb_here and (
                word in self.verbs or (past_from <= i <= last and self.is_past(word))
            ):
                if relative:
                    relative -= 1
                    continue
                return True
            if relative and _THIRD_PERSON.match(word) and before in self.relatives:
                relative -= 1  # "that supplies", "which serves": the relative clause's verb
        return False

    def with_article(self, phrase: str) -> str:
        """A bare amount before a singular noun takes "a": "£10 voucher" -> "a £10 voucher";
        "£25 for your time", "£146.60 has been refunded", "£1,450 went…" and "£20 vouchers"
        are left as they are."""
        words = phrase.split()
        if len(words) < 2 or not _AMOUNT.match(words[0]):
            return phrase
        nxt = words[1].lower().strip(",;:")
        after = words[2].lower().strip(",;:") if len(words) > 2 else ""
        verb = nxt in self.finite or nxt in self.verbs or nxt in self.participles
        participle = self.is_past(nxt) and (not after or after in self.passive_next)
        if verb or participle or nxt in self.stops or nxt in self.not_finite_after:
            return phrase
        if nxt in self.amount_followers or _PLURAL.match(nxt) or not nxt.replace("-", "").isalpha():
            return phrase
        return "a " + phrase

    def participle(self, phrase: str) -> str:
        """``phrase`` with its first word as a participle: "took the fee off" -> "taken…"."""
        first, _, rest = phrase.partition(" ")
        said = self.participles.get(first.lower())
        if said is None:
            return phrase
        return f"{said} {rest}".strip()


_WORDS = re.compile(r"[^\s]+")
# a plural noun ("groceries", "sales"), not a verb ending in -ss or -us ("pass", "focus")
_PLURAL = re.compile(r"^[a-z]{3,}(?:ies|[^su'’]s)$")
_AMOUNT = re.compile(r"^[£$€]\d[\d,.]*[km]?$")
_DATE = re.compile(r"^\d{1,2}(?:st|nd|rd|th)$|^\d{1,2}[/.-]\d{1,2}")
_THIRD_PERSON = re.compile(r"^[a-z]{3,}(?:es|[^su'’]s)$")


def said(
    phrase: str,
    forms: Mapping[str, str],
    grammar: Grammar,
    doing: bool = True,
    article: bool = True,
) -> str:
    """``phrase`` in the frame ``forms`` gives its shape; {phrase} is the phrase inside a
    sentence, {Phrase} capitalised, {participle} the phrase with its first word a participle.
    With ``article``, a bare amount before a noun takes "a" ("a £10 voucher"); not for a loss
    ("£14 parking")."""
    shape, phrase = grammar.read(phrase, doing)
    if article:
        phrase = grammar.with_article(phrase)
    embedded = embed(phrase)
    values = {
        "phrase": embedded,
        "Phrase": phrase[:1].upper() + phrase[1:],
        "participle": grammar.participle(embedded),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], forms[shape])


_KEEP_CASE = re.compile(
    r"^(?:I\b|[A-Z]{2,}\b|[A-Z][a-z]+ [A-Z]|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
    r"|(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)\b)"
)


def embed(phrase: str) -> str:
    """A phrase as it reads inside a sentence: lower-case first word unless a name or acronym."""
    return phrase if _KEEP_CASE.match(phrase) else phrase[:1].lower() + phrase[1:]
