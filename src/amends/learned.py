"""The learned layer: what the rules cannot enumerate, read by a linear model.

One logistic regression per taxonomy label over the reply's words and word pairs (TF-IDF of the
normalised text, so spelling variants, links and handles look alike); it adds a label the rules
missed ("a member of our team will call you" as a follow-up), and what a rule found stands. The
head that decides whether anything called for an apology also reads the customer's words and
what the rules found (their labels and the situation). Any feature the file weighs is applied.

The model is package data (``data/model/learned.json``), trained by ``amends train`` from the
labelled sets (see ``train.py``), loaded offline and applied with plain Python: the same input
always gives the same answer. Its findings carry the sentence that weighs most for the label as
their span, ``confidence`` the model's probability, and codes ``X1xx`` that say they came from
the model.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .document import HANDLE, LINK, Document
from .model import LABELS, Finding, Situation, kind_of

FORMAT = 1
# Words in any script; Chinese, Japanese and Korean characters one by one (so word pairs are
# character pairs there); the normaliser's placeholders for links and handles.
_WORD = re.compile(
    r"<link>|<user>|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"
    r"|(?:(?![\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff])[\w'])+"
)
NEEDED = "needed"  # the extra head: did anything call for an apology (the taxonomy's quality)
MIN_SPAN_WORDS = 3  # a shorter sentence ("Preferably (1)") is a span only when nothing else is
# The weight some sentence's words must carry for the label for the model's finding to be made.
# Measured by company-grouped cross-validation on the training rows (tools/cv_eval.py): 0 and
# 0.5 drop nothing, 1.0 drops a few remedy additions (precision 0.904 -> 0.907, recall
# unchanged), 1.5 costs remedy recall (0.807 -> 0.759).
SPAN_MARGIN = 1.0
# the share of its best sentence's weight a label's other sentence must keep for the label to
# quote it, leaving its best to another label the model adds
SHARE_KEEP = 0.75
_PLACEHOLDERS = {LINK, HANDLE}
# a greeting or sign-off and at most two words of a name: what frames a reply, never its point
_FRAME = re.compile(
    r"\W*(?:<user>\W*)*(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening)|"
    r"(?:kind |best |warm )?regards|best wishes|cheers|many thanks|thanks|thank you|sincerely)"
    r"(?:\W+[\w'.-]+){0,2}\W*"
)
# a reply that opens in the middle of an earlier message's sentence: "@user 2/2 your concerns."
_FRAGMENT = re.compile(r"\W*(?:<user>\W*)*(?:\d/\d|\.\.\.|…)\s*[a-z]")
# a link after the sentence's end and its signature ("in the meantime.^gc <link>") is the
# reply's, not a pointer the sentence makes
_SIGNED_LINK = re.compile(rf"[.!?]\s?[\^~*][\w.]{{1,15}}\s*{LINK}\s*$")


def words(text: str) -> list[str]:
    """The tokens of a normalised (lower-cased) text."""
    return _WORD.findall(text)


def word_features(tokens: Sequence[str]) -> dict[str, int]:
    """Counts of words and adjacent word pairs."""
    counts: dict[str, int] = {}
    for i, token in enumerate(tokens):
        counts[token] = counts.get(token, 0) + 1
        if i:
            pair = tokens[i - 1] + " " + token
            counts[pair] = counts.get(pair, 0) + 1
    return counts


def rule_features(labels: Iterable[str], situation: Situation) -> list[str]:
    """What the rules and the situation said, as binary features."""
    found = ["rule:" + label for label in labels]
    found.append("cause:" + situation.cause)
    # a colon never occurs in a word token, so these never meet a word feature's name
    if situation.failure:
        found.append("situation:failure")
    if situation.wait:
        found.append("situation:wait")
    return found


def customer_features(text: str, idf: dict[str, float]) -> dict[str, float]:
    """The customer's words, prefixed so they never mix with the reply's."""
    counts = {"c:" + t: n for t, n in word_features(words(text)).items()}
    return tfidf(counts, idf)


def tfidf(counts: dict[str, int], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear TF-IDF over the known vocabulary, L2-normalised (as scikit-learn computes it)."""
    values = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {t: v / norm for t, v in values.items()} if norm else {}


@dataclass(frozen=True)
class LabelModel:
    label: str
    code: str
    bias: float
    threshold: float  # the probability from which the model adds the label

    @property
    def logit(self) -> float:
        return math.log(self.threshold / (1.0 - self.threshold))


class LearnedModel:
    """A trained model: per-label weights over word and rule features."""

    def __init__(self, data: dict[str, Any], source: str = "learned.json"):
        if data.get("format") != FORMAT:
            raise ValueError(f"{source}: model format {data.get('format')!r}, expected {FORMAT}")
        self.source = source
        self.version: str = data["version"]
        self.data_hash: str = data["data_hash"]
        self.trained_on: dict[str, Any] = data["trained_on"]
        self.labels: tuple[LabelModel, ...] = tuple(
            LabelModel(x["label"], x["code"], x["bias"], x["threshold"]) for x in data["labels"]
        )
        unknown = [m.label for m in self.labels if m.label not in (*LABELS, NEEDED)]
        if unknown:
            raise ValueError(f"{source}: unknown labels {unknown}")
        self.idf: dict[str, float] = data["idf"]
        width = len(self.labels)
        # feature -> weight per modelled label, in the order of ``labels``
        self.weights: dict[str, list[float]] = {}
        for feature, row in data["weights"].items():
            dense = [0.0] * width
            for index, value in row:
                dense[index] = value
            self.weights[feature] = dense
        # the run-time form: a word's idf with its (label, weight * idf) pairs, so one pass over
        # a text's words gives both the TF-IDF norm and every label's sum
        self._words: dict[str, tuple[float, tuple[tuple[int, float], ...]]] = {
            feature: (self.idf[feature], tuple((i, w * self.idf[feature]) for i, w in row))
            for feature, row in data["weights"].items()
            if feature in self.idf
        }
        self._flags: dict[str, tuple[tuple[int, float], ...]] = {
            feature: tuple((i, w) for i, w in row)
            for feature, row in data["weights"].items()
            if feature not in self.idf
        }
        self._bias = [m.bias for m in self.labels]

    @property
    def meta(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "data_hash": self.data_hash,
            "labels": [m.label for m in self.labels if m.label != NEEDED],
            "needed": any(m.label == NEEDED for m in self.labels),
            "trained_on": self.trained_on,
        }

    def scores(self, features: dict[str, float]) -> list[float]:
        """The decision value per modelled label (log-odds)."""
        total = [m.bias for m in self.labels]
        weights = self.weights
        for feature, value in features.items():
            row = weights.get(feature)
            if row is not None:
                for i, w in enumerate(row):
                    if w:
                        total[i] += w * value
        return total

    def _add_words(self, values: list[float], tokens: list[str], prefix: str) -> None:
        """Add the TF-IDF-weighted sums of ``tokens`` and their pairs to ``values`` (the same
        arithmetic as ``scores(features(...))``, in one pass)."""
        if not tokens:
            return
        # pairs are counted as they are made: a long text never holds them all as a list
        if prefix:
            tokens = [prefix + t for t in tokens]
            cut = len(prefix)
            pairs = (a + " " + b[cut:] for a, b in itertools.pairwise(tokens))
        else:
            pairs = (a + " " + b for a, b in itertools.pairwise(tokens))
        counts = Counter(tokens)  # counted in C
        counts.update(pairs)
        known = self._words
        sums = [0.0] * len(values)
        square = 0.0
        # most words and pairs carry no weight: pick the known ones first
        for entry, count in [(known[f], n) for f, n in counts.items() if f in known]:
            tf = 1.0 if count == 1 else 1.0 + math.log(count)
            square += (tf * entry[0]) ** 2
            for i, w in entry[1]:
                sums[i] += tf * w
        if square:
            norm = math.sqrt(square)
            for i, total in enumerate(sums):
                values[i] += total / norm

    def features(
        self,
        text: str,
        labels: Iterable[str],
        situation: Situation,
        customer: str | None = None,
    ) -> dict[str, float]:
        found = tfidf(word_features(words(text)), self.idf)
        if customer:
            found.update(customer_features(customer, self.idf))
        for feature in rule_features(labels, situation):
            found[feature] = 1.0
        return found

    def needed(self, values: Sequence[float]) -> bool | None:
        """The needed head's answer from ``scores``, or None when the model has no such head."""
        for model, value in zip(self.labels, values, strict=True):
            if model.label == NEEDED:
                return value >= model.logit
        return None

    def predict(
        self,
        doc: Document,
        labels: Sequence[str],
        situation: Situation,
        customer: Document | None = None,
        found: Sequence[Finding] = (),
        ruled_out: Mapping[str, Sequence[re.Pattern[str]]] | None = None,
    ) -> tuple[list[Finding], bool | None]:
        """Findings for the labels the model reads in the reply and the rules did not find,
        and whether the case called for an apology (None when the model cannot tell).

        The model only adds: what a rule found stands, with the rule's span and message.
        ``ruled_out`` gives, per label, the rules' exceptions: a sentence one of them matches
        is no span for that label.
        """
        values = self._bias.copy()
        self._add_words(values, words(doc.text), "")
        if customer is not None:
            self._add_words(values, words(customer.text), "c:")
        flags = self._flags
        for feature in rule_features(labels, situation):
            for i, w in flags.get(feature, ()):
                values[i] += w
        present = set(labels)
        added = [
            (index, model, value)
            for index, (model, value) in enumerate(zip(self.labels, values, strict=True))
            if model.label != NEEDED and model.label not in present and value >= model.logit
        ]
        findings: list[Finding] = []
        if added:
            spans = self._spans(doc, [(i, m.label) for i, m, _ in added], found, ruled_out)
            for index, model, value in added:
                span = spans.get(index)
                if span is not None:
                    findings.append(self._finding(doc, model, 1.0 / (1.0 + math.exp(-value)), span))
        return findings, self.needed(values)

    def _spans(
        self,
        doc: Document,
        added: Sequence[tuple[int, str]],
        found: Sequence[Finding],
        ruled_out: Mapping[str, Sequence[re.Pattern[str]]] | None = None,
    ) -> dict[int, tuple[int, int]]:
        """The sentence each added label quotes, by the label's model index; a label no
        sentence carries is left out (the model read the reply as a whole, and a finding needs
        words that say it).

        A candidate is a sentence (continuations that open in lower case joined to the sentence
        they continue) that is no greeting or sign-off ("Hi.", "Regards, Yogita") and no
        fragment of an earlier message ("2/2 your concerns."), and whose words weigh for the
        label; unless one of them weighs more than SPAN_MARGIN, the label is left out.
        Preferred, in order: a sentence of MIN_SPAN_WORDS words or more; one where no rule
        found another label (the words a label co-occurs with are not the label); a statement,
        since a question or a pointer to a link surrounds a step or a cause and is not it
        (readers rejected "What kind of difficulty did you have?" and "find basic info here
        <link>" quoted as the remedy); then the weight. When the model adds several labels,
        each quotes a sentence of its own where another as fit is near enough in weight (the
        sentences shared out so the weights add up best): an acknowledgement and a step beside
        it are two sentences, not one quoted twice. A sentence a rule's exception for the label
        matches is none of its candidates: readers rejected "I've passed your lovely comments
        on" quoted as a remedy once the rules stopped reading it as one."""
        # per added label, where the rules found another label: starts in order, and the
        # furthest end so far, so a sentence's overlap is one bisection (a long text has
        # thousands of sentences and of findings)
        spans = sorted(
            (f.start, f.end, f.label) for f in found if f.start is not None and f.end is not None
        )
        taken: dict[str, tuple[list[int], list[int]]] = {}
        for _, label in added:
            starts: list[int] = []
            reach: list[int] = []
            for a, b, x in spans:
                if x != label:
                    starts.append(a)
                    reach.append(max(b, reach[-1]) if reach else b)
            taken[label] = (starts, reach)
        ranked: dict[int, list[tuple[tuple[int, int, int, float], int, int]]] = {}
        for start, end in _span_units(doc):
            sentence = doc.text[start:end]
            signed = _SIGNED_LINK.search(sentence)
            if signed:  # quoted without the signature and link that follow it
                end = start + signed.start() + 1
                sentence = doc.text[start:end]
            tokens = words(sentence)
            weighed = tfidf(word_features(tokens), self.idf)
            if not weighed:
                continue
            first, last = doc.to_original(start, end)
            long = sum(t not in _PLACEHOLDERS for t in tokens) >= MIN_SPAN_WORDS
            stated = LINK not in sentence and not sentence.rstrip().endswith("?")
            for index, label in added:
                if ruled_out is not None and any(
                    p.search(doc.text, start, end) for p in ruled_out[label]
                ):
                    continue
                value = sum(
                    self.weights[f][index] * v for f, v in weighed.items() if f in self.weights
                )
                if value <= 0.0:
                    continue
                starts, reach = taken[label]
                i = bisect_left(starts, last)
                free = not (i and reach[i - 1] > first)
                key = (int(long), int(free), int(stated), value)
                ranked.setdefault(index, []).append((key, start, end))
        for index in list(ranked):
            options = sorted(ranked[index], key=lambda option: option[0], reverse=True)
            top = options[0][0]
            if max(key[3] for key, _, _ in options) <= SPAN_MARGIN:
                del ranked[index]
                continue
            # a label gives its sentence up to another label only for one just as fit (same
            # length, freedom and form) that weighs at least SHARE_KEEP as much
            ranked[index] = [
                option
                for option in options[: len(added)]
                if option[0][:3] == top[:3] and option[0][3] >= SHARE_KEEP * top[3]
            ]
        best: tuple[tuple[int, float], dict[int, tuple[int, int]]] | None = None
        indexes = list(ranked)
        for choice in itertools.product(*(ranked[i] for i in indexes)):
            total = (len({(s, e) for _, s, e in choice}), sum(key[3] for key, _, _ in choice))
            if best is None or total > best[0]:
                best = (total, {i: (s, e) for i, (_, s, e) in zip(indexes, choice, strict=True)})
        return best[1] if best is not None else {}

    def _finding(
        self, doc: Document, model: LabelModel, probability: float, span: tuple[int, int]
    ) -> Finding:
        """The finding for an added label, quoting ``span`` (normalised offsets)."""
        name = "model-" + model.label.replace("_", "-")
        readable = model.label.replace("_", " ")
        why = (
            f"Read by the learned model (version {self.version}), not by a rule: replies worded "
            f"like this one were labelled {readable} in the labelled sets it was trained on."
        )
        message = f"The model reads this as {readable} (probability {probability:.2f})."
        start, end, match = doc.span_text(*span)
        return Finding(
            model.code,
            name,
            model.label,
            kind_of(model.label),
            "info" if kind_of(model.label) == "component" else "warning",
            message,
            start,
            end,
            match,
            (),
            why,
            round(probability, 3),
        )


def default_path() -> Path:
    return Path(str(resources.files("amends") / "data" / "model" / "learned.json"))


def load_model(path: Path | None = None) -> LearnedModel | None:
    """The shipped model, or None when the package carries none."""
    path = path or default_path()
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a valid model file ({exc.msg})") from exc
    return LearnedModel(data, str(path))


def _span_units(doc: Document) -> list[tuple[int, int]]:
    """The document's sentences as a model's span candidates: where the writer opens sentences
    with a capital, one that opens in lower case after a full stop continues the one before it
    (a split after "approx." or a stray full stop); greetings, sign-offs and an earlier
    message's fragment are left out."""
    original = doc.original
    heads: list[str] = []
    sentences = doc.sentences()
    for start, end in sentences:
        first, _ = doc.to_original(start, end)
        while first < len(original) and not original[first].isalnum():
            first += 1
        heads.append(original[first : first + 1])
    capitalised = any(head.isupper() for head in heads)
    units: list[tuple[int, int]] = []
    text = doc.text
    for (start, end), head in zip(sentences, heads, strict=True):
        if (
            units
            and capitalised
            and head.islower()
            and text[slice(*units[-1])].rstrip().endswith(".")
        ):
            units[-1] = (units[-1][0], end)
        else:
            units.append((start, end))
    return [
        (s, e)
        for i, (s, e) in enumerate(units)
        if not _FRAME.fullmatch(text, s, e) and not (i == 0 and _FRAGMENT.match(text, s, e))
    ]
