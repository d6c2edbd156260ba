"""Restating the customer's problem in the agent's voice: "You charged me twice" becomes
"we charged you twice", ready to follow "I'm sorry".

The pronoun swaps, the words to drop and the sentence filters are data (``restate`` in
``data/coach.yaml``). A candidate is kept only when the analyzer, reading "I'm sorry <it>."
against the customer's message, finds it names the problem and makes no mistake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .analyzer import Analyzer
from .datafile import Section

_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_SHOUTED = re.compile(r"\b[A-Z]{3,}\b")  # words in capitals, not two-letter acronyms
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@dataclass(frozen=True)
class Restater:
    swaps: Mapping[str, str]
    you_object: Mapping[str, str]
    after_i: Mapping[str, str]
    object_after: frozenset[str]
    drop: tuple[re.Pattern[str], ...]
    strip_leading: tuple[re.Pattern[str], ...]
    skip: tuple[re.Pattern[str], ...]
    phrases: tuple[tuple[re.Pattern[str], str], ...]
    starters: frozenset[str]
    add_your: frozenset[str]
    add_subject: Mapping[str, str]
    failure_words: re.Pattern[str]
    clause_break: re.Pattern[str]
    min_words: int
    max_words: int
    judge: str
    reject: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_data(cls, s: Section) -> Restater:
        s.check_keys(
            (
                "swaps",
                "you_object",
                "after_i",
                "object_after",
                "drop",
                "strip_leading",
                "skip",
                "phrases",
                "starters",
                "add_your",
                "add_subject",
                "failure_words",
                "clause_break",
                "min_words",
                "max_words",
                "judge",
                "reject",
                "examples",
                "__line__",
            )
        )
        swaps = {str(k).lower(): str(v) for k, v in s.mapping("swaps").items()}
        you_object = {str(k).lower(): str(v) for k, v in s.mapping("you_object").items()}
        for word in you_object:
            if word not in swaps:
                raise s.fail(f"you_object names {word!r}, which has no entry in swaps")
        judge = s.str("judge")
        if "{problem}" not in judge:
            raise s.fail("judge must contain {problem}")
        return cls(
            swaps=swaps,
            you_object=you_object,
            after_i={str(k).lower(): str(v) for k, v in s.mapping("after_i").items()},
            object_after=frozenset(w.lower() for w in s.strs("object_after")),
            drop=s.regexes("drop"),
            strip_leading=s.regexes("strip_leading"),
            skip=s.regexes("skip"),
            phrases=tuple(
                (re.compile(r"(?i)(?<![\w'])" + re.escape(str(k)) + r"(?![\w'])"), str(v))
                for k, v in s.mapping("phrases").items()
            ),
            starters=frozenset(w.lower() for w in s.strs("starters")),
            add_your=frozenset(w.lower() for w in s.strs("add_your")),
            add_subject={str(k).lower(): str(v) for k, v in s.mapping("add_subject").items()},
            failure_words=s.regex("failure_words"),
            clause_break=s.regex("clause_break"),
            min_words=s.int("min_words"),
            max_words=s.int("max_words"),
            judge=judge,
            reject=s.regexes("reject") if "reject" in s else (),
        )

    def candidates(self, customer: str) -> list[str]:
        """Every sentence of the message that could state the problem, restated, in order."""
        text = customer
        for pattern in self.drop:
            text = pattern.sub(" ", text)
        for pattern, replacement in self.phrases:
            text = pattern.sub(replacement, text)
        letters = [c for c in text if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
            text = text.lower()  # a message in capitals: restate it in normal case
        elif len(_SHOUTED.findall(text)) >= 2:
            text = _SHOUTED.sub(lambda m: m.group().lower(), text)  # "crashes a LOT and HANGS"
        out = []
        for m in _SENTENCE.finditer(text):
            sentence = m.group().strip()
            if not sentence or sentence.rstrip("\"')").endswith("?"):
                continue
            sentence = sentence.rstrip(".!? ").strip()
            if sentence and sentence[-1] in "\"'" and sentence.count(sentence[-1]) % 2:
                sentence = sentence[:-1].strip()
            for pattern in self.strip_leading:
                sentence = pattern.sub("", sentence, count=1).strip()
            sentence = self._trim(sentence)
            if sentence is None or any(p.search(sentence.lower()) for p in self.skip):
                continue
            restated = self.swap(sentence)
            first = restated.split()[0].lower() if restated else ""
            if first not in self.starters and first.replace("’", "'") not in self.starters:
                continue
            if any(p.search(restated.lower()) for p in self.reject):
                continue
            if restated and restated not in out:
                out.append(restated)
        return out

    def _trim(self, sentence: str) -> str | None:
        words = sentence.split()
        if len(words) < self.min_words:
            return None
        if len(words) <= self.max_words:
            return sentence
        cut = None
        for m in self.clause_break.finditer(sentence):
            if len(sentence[: m.start()].split()) > self.max_words:
                break
            if len(sentence[: m.start()].split()) >= self.min_words:
                cut = m.start()
        return sentence[:cut].strip() if cut is not None else None

    def swap(self, sentence: str) -> str:
        """The sentence with its speaker turned around: I/my -> you/your, you/your -> we/our."""
        pieces: list[str] = []
        last = 0
        previous = ""
        tokens = list(_TOKEN.finditer(sentence))
        for i, m in enumerate(tokens):
            word = m.group()
            key = word.lower().replace("’", "'")
            replacement = self.swaps.get(key)
            if replacement is not None:
                if key in self.you_object and previous in self.object_after:
                    replacement = self.you_object[key]
            elif previous == "i" and key in self.after_i:
                replacement = self.after_i[key]
            elif i == 0 and not (len(word) > 1 and word.isupper()):
                replacement = word[0].lower() + word[1:]
                if key in self.add_your:
                    replacement = "your " + replacement
                elif key in self.add_subject:
                    replacement = self.add_subject[key]
            else:
                replacement = word
            pieces.append(sentence[last : m.start()])
            pieces.append(replacement)
            last = m.end()
            previous = key
        pieces.append(sentence[last:])
        return re.sub(r"\s+", " ", "".join(pieces)).strip(" ,;:-")

    def problem(self, customer: str | None, analyzer: Analyzer) -> str | None:
        """The customer's problem in the agent's words, or None when none reads cleanly."""
        if not customer or not customer.strip():
            return None
        for candidate in self.candidates(customer):
            if not self._states_a_failure(candidate, analyzer):
                continue
            report = analyzer.analyze(self.judge.replace("{problem}", candidate), customer)
            if report.has("acknowledge") and not report.mistakes:
                return candidate
        return None

    def _states_a_failure(self, candidate: str, analyzer: Analyzer) -> bool:
        """Whether the words say something went wrong: a negation, a failure the analyzer names
        on its own, or one of its signals of failure or waiting."""
        if self.failure_words.search(candidate.lower()):
            return True
        if analyzer.analyze(self.judge.replace("{problem}", candidate)).has("acknowledge"):
            return True  # the analyzer's own failure predicates, without the echo of the message
        empty = analyzer.normalise("")
        situation = analyzer.situation.infer(empty, analyzer.normalise(candidate), ())
        return any(e.signal in ("failure", "wait") for e in situation.evidence)
