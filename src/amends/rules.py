"""Rules and lexicons as data: loading, validation, macro expansion and selection.

A rule file (``data/rules/*.yaml``) holds a list of rules. A *detector* rule marks spans that
evidence one taxonomy label; a *check* rule looks at what the detectors found (how many
apologies, which components are missing). A detector matches *phrases*, plain text to which the
engine adds word boundaries and flexible blanks (``phrase_pattern``), and *patterns*, regular
expressions; both match the normalised text (see ``document.py``) and may use ``{name}`` to
insert a lexicon from ``data/lexicons/name.tsv`` as an alternation. Errors name the file and
line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

from .fastsearch import compile_with_first_chars
from .model import COMPONENTS, LABELS, kind_of
from .prefilter import pattern_facts

_CODE = re.compile(r"^[A-Z]\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
SEVERITIES = ("info", "warning", "error")
CHECKS = ("count", "missing")

_DETECTOR_KEYS = {
    "phrases",
    "patterns",
    "exceptions",
    "sentence_requires",
    "sentence_excludes",
    "negation",
    "questions",
    "match",
    "quotes",
    "min_words",
    "max_words",
    "echo",
    "situation",
}
_ECHO_KEYS = {
    "min_words",
    "min_numbers",
    "stopwords",
    "strip_suffixes",
    "skip_names",
    "min_number_chars",
    "not_names",
    "__line__",
}
SITUATIONS = ("any", "failure")
_CHECK_KEYS = {"check", "of", "min", "max_words", "min_words"}
_COMMON_KEYS = {
    "code",
    "name",
    "label",
    "severity",
    "message",
    "why",
    "suggest",
    "examples",
    "confidence",
    "__line__",
}


class RuleError(ValueError):
    """A rule or lexicon file is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    customer: str | None = None


@dataclass(frozen=True, slots=True)
class Echo:
    """A reply sentence that repeats the customer's own specifics (words, amounts, codes)."""

    min_words: int
    min_numbers: int
    stopwords: frozenset[str]
    strip_suffixes: tuple[str, ...]
    # Names (capitalised in the reply past a sentence's first word: "Firefox", "eBay", "HDMI")
    # are the product, not the customer's specifics: with ``skip_names`` they do not count.
    skip_names: bool = False
    min_number_chars: int = 1  # digits (and marks) a number needs to count: "4" alone is weak
    not_names: frozenset[str] = frozenset()  # capitalised words that still count: "Saturday"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    label: str
    kind: str  # component | mistake | missing
    severity: str
    message: str
    why: str
    suggest: tuple[str, ...]
    source: str  # file:line
    confidence: float = 1.0
    # detector fields
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    sentence_requires: tuple[str, ...] = ()
    sentence_excludes: tuple[str, ...] = ()
    negation: bool = False
    questions: str = "keep"  # keep | skip | only
    on_original: bool = False
    quotes: bool = False  # whether matches inside quoted text count
    min_words: int = 0
    max_words: int = 0  # 0 = no limit
    echo: Echo | None = None
    situation: str = "any"  # any | failure: only when something went wrong for the customer
    # check fields
    check: str | None = None
    of: str | None = None
    min: int = 1
    examples_fail: tuple[Example, ...] = ()
    examples_pass: tuple[Example, ...] = ()
    # The phrases, then the patterns, as regular expressions with their lexicons expanded: what
    # is compiled, when first needed. ``written[i]`` is ``sources[i]`` as the rule file writes
    # it (the phrase or the pattern), reported with a finding.
    sources: tuple[str, ...] = field(default=(), repr=False)
    written: tuple[str, ...] = field(default=(), repr=False)
    exception_sources: tuple[str, ...] = field(default=(), repr=False)
    requires_sources: tuple[str, ...] = field(default=(), repr=False)
    excludes_sources: tuple[str, ...] = field(default=(), repr=False)

    @property
    def is_check(self) -> bool:
        return self.check is not None

    # Compiled when first asked for: the engine compiles a pattern the first time the keyword
    # pass wakes it, so start-up does not pay for the many that a short run never needs.
    @cached_property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        return compile_all(self.sources)

    @cached_property
    def compiled_exceptions(self) -> tuple[re.Pattern[str], ...]:
        return compile_all(self.exception_sources)

    @cached_property
    def compiled_requires(self) -> tuple[re.Pattern[str], ...]:
        return compile_all(self.requires_sources)

    @cached_property
    def compiled_excludes(self) -> tuple[re.Pattern[str], ...]:
        return compile_all(self.excludes_sources)

    def selectors(self) -> tuple[str, ...]:
        return (self.code, self.name, self.label)


# -- YAML with line numbers ------------------------------------------------------------------
class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A YAML loader that records each mapping's line as ``__line__``, for error messages.

    It parses with libyaml when PyYAML has it (ten times faster than the Python parser, and the
    same data from every file amends ships).
    """


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# -- lexicons --------------------------------------------------------------------------------
def read_tsv(path: Path | Any, columns: int) -> list[tuple[int, list[str]]]:
    """Rows of a TSV file with at least ``columns`` fields; ``#`` lines are comments."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < columns or not fields[0].strip():
            raise RuleError(
                f"{path.name}:{number}: expected {columns} tab-separated fields, got {line!r}"
            )
        rows.append((number, [f.strip() for f in fields]))
    return rows


@dataclass(frozen=True)
class Lexicons:
    """Named alternations for patterns, and the spelling map for normalisation."""

    macros: Mapping[str, str]
    spellings: Mapping[str, str]
    entries: Mapping[str, tuple[str, ...]]

    def expand(self, pattern: str, where: str) -> str:
        seen: list[str] = []

        def substitute(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in self.macros:
                raise RuleError(f"{where}: unknown lexicon {{{name}}} in pattern {pattern!r}")
            if name in seen:
                raise RuleError(f"{where}: lexicon {{{name}}} refers to itself")
            seen.append(name)
            body = _MACRO.sub(substitute, self.macros[name])
            seen.pop()
            return body

        return _MACRO.sub(substitute, pattern)


def load_lexicons(folder: Path | Any | None = None) -> Lexicons:
    folder = folder or resources.files("amends") / "data" / "lexicons"
    macros: dict[str, str] = {}
    entries: dict[str, tuple[str, ...]] = {}
    spellings: dict[str, str] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".tsv"):
            continue
        stem = path.name[:-4]
        if stem == "spelling":
            for number, (variant, canonical, *_) in read_tsv(path, 2):
                if variant in spellings:
                    raise RuleError(f"{path.name}:{number}: {variant!r} is listed twice")
                spellings[variant] = canonical
            continue
        terms = []
        for number, (term, *_) in read_tsv(path, 2):
            error = pattern_facts(term).error
            if error is not None:
                raise RuleError(f"{path.name}:{number}: bad pattern {term!r}: {error}")
            terms.append(term)
        entries[stem] = tuple(terms)
        # longest first, so an alternation prefers "customer service" to "customer"
        ordered = sorted(terms, key=len, reverse=True)
        macros[stem] = "(?:" + "|".join(ordered) + ")"
    return Lexicons(macros, spellings, entries)


# -- rules -----------------------------------------------------------------------------------
def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RuleError(f"{where}: {key} must be a string or a list of strings")


def _examples(value: Any, where: str) -> tuple[Example, ...]:
    out = []
    for item in value or []:
        if isinstance(item, str):
            out.append(Example(item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            out.append(Example(item["text"], item.get("customer")))
        else:
            raise RuleError(f"{where}: an example must be a string or {{text, customer}}")
    return tuple(out)


def checked_sources(patterns: Iterable[str], where: str, lexicons: Lexicons) -> tuple[str, ...]:
    """``patterns`` with their lexicons expanded, each checked: it compiles and cannot
    backtrack badly. What is known about each source is kept between runs, so checking a
    catalogue that did not change compiles nothing (``prefilter.PatternFacts``)."""
    out = []
    for pattern in patterns:
        expanded = lexicons.expand(pattern, where)
        facts = pattern_facts(expanded)
        if facts.error is not None:
            raise RuleError(f"{where}: pattern {pattern!r} does not compile: {facts.error}")
        if facts.risk:
            raise RuleError(
                f"{where}: pattern {pattern!r} has {facts.risk}; bound the inner repeat"
            )
        out.append(expanded)
    return tuple(out)


# -- phrases ---------------------------------------------------------------------------------
_PHRASE_PIECE = re.compile(r"(\{[a-z_][a-z0-9_]*\})")
# Only a regular expression writes these: in a phrase they are a pattern put in the wrong list.
_REGEX_ONLY = re.compile(r"\\|\||\(\?|\[|\]")
_WORD_CHAR = re.compile(r"\w")


def phrase_pattern(phrase: str, where: str) -> str:
    """The regular expression a phrase stands for, lexicon references left to expand.

    A phrase is plain text: words separated by single spaces, and ``{name}`` for a lexicon.
    Each space matches any run of blanks (``\\s+``); every other character matches itself
    (punctuation included: ``can't`` or ``£5`` need no escaping); and a phrase that starts with
    a letter, a digit, ``_`` or a lexicon matches only where a word starts (``\\b``), one that
    ends with one only where a word ends. ``sorry for the {standin}`` is
    ``\\bsorry\\s+for\\s+the\\s+{standin}\\b``.
    """
    if not phrase.strip():
        raise RuleError(f"{where}: an empty phrase; write the words to match")
    if phrase != phrase.strip() or "  " in phrase or any(c.isspace() and c != " " for c in phrase):
        raise RuleError(
            f"{where}: phrase {phrase!r}: separate its words with single spaces, none at either "
            "end (each space matches any run of blanks)"
        )
    regex_only = _REGEX_ONLY.search(phrase)
    if regex_only:
        raise RuleError(
            f"{where}: phrase {phrase!r} holds {regex_only.group()!r}, which only a regular "
            "expression writes; list it under patterns:, or write each alternative as a phrase"
        )
    out = []
    for number, piece in enumerate(_PHRASE_PIECE.split(phrase)):
        if number % 2:  # a lexicon reference, expanded with the rule's patterns
            out.append(piece)
            continue
        if "{" in piece or "}" in piece:
            raise RuleError(
                f"{where}: phrase {phrase!r} has a brace that names no lexicon; "
                "write {name} with a lexicon of data/lexicons/ (lower case, digits, _)"
            )
        out.append(r"\s+".join(re.escape(word) for word in piece.split(" ")))
    body = "".join(out)
    starts = phrase.startswith("{") or _WORD_CHAR.match(phrase[0]) is not None
    ends = phrase.endswith("}") or _WORD_CHAR.match(phrase[-1]) is not None
    return ("\\b" if starts else "") + body + ("\\b" if ends else "")


def _phrase_sources(phrases: Sequence[str], where: str) -> tuple[str, ...]:
    return tuple(phrase_pattern(phrase, where) for phrase in phrases)


def compile_all(sources: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Checked sources, compiled (each once per process, shared by every rule set)."""
    return tuple(compile_with_first_chars(source) for source in sources)


def _echo(value: Any, where: str, lexicons: Lexicons) -> Echo | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RuleError(f"{where}: echo must be a mapping")
    unknown = set(value) - _ECHO_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown echo key(s) {', '.join(sorted(unknown))}")
    name = value.get("stopwords")
    if name is not None and name not in lexicons.entries:
        raise RuleError(f"{where}: echo stopwords names unknown lexicon {name!r}")
    return Echo(
        min_words=int(value.get("min_words", 2)),
        min_numbers=int(value.get("min_numbers", 1)),
        stopwords=frozenset(lexicons.entries.get(name, ())) if name else frozenset(),
        strip_suffixes=_strings(value.get("strip_suffixes"), where, "strip_suffixes"),
        skip_names=bool(value.get("skip_names", False)),
        min_number_chars=int(value.get("min_number_chars", 1)),
        not_names=frozenset(
            word.lower() for word in _strings(value.get("not_names"), where, "not_names")
        ),
    )


def build_rule(raw: Mapping[str, Any], where: str, lexicons: Lexicons) -> Rule:
    unknown = set(raw) - _COMMON_KEYS - _DETECTOR_KEYS - _CHECK_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("code", "name", "label", "message", "why"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RuleError(f"{where}: missing or empty {key!r}")
    code, name, label = raw["code"], raw["name"], raw["label"]
    if not _CODE.match(code):
        raise RuleError(f"{where}: code {code!r} must be a capital letter and three digits")
    if not _NAME.match(name):
        raise RuleError(f"{where}: name {name!r} must be kebab-case")
    if label not in LABELS:
        raise RuleError(f"{where}: label {label!r} is not a taxonomy label ({', '.join(LABELS)})")
    check = raw.get("check")
    if check is not None and check not in CHECKS:
        raise RuleError(f"{where}: check must be one of {', '.join(CHECKS)}")
    kind = "missing" if check == "missing" else kind_of(label)
    severity = raw.get("severity") or ("info" if kind == "component" else "warning")
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    questions = raw.get("questions", "keep")
    if questions not in ("keep", "skip", "only"):
        raise RuleError(f"{where}: questions must be keep, skip or only")
    phrases = _strings(raw.get("phrases"), where, "phrases")
    patterns = _strings(raw.get("patterns"), where, "patterns")
    written = phrases + patterns
    for i, item in enumerate(written):
        if item in written[:i]:
            kind = "phrase" if i < len(phrases) else "pattern"
            raise RuleError(f"{where}: {kind} {item!r} is listed twice")
    echo = _echo(raw.get("echo"), where, lexicons)
    if check is None and not written and echo is None:
        raise RuleError(f"{where}: a detector needs phrases, patterns or echo (or give it a check)")
    if echo is not None and written:
        raise RuleError(f"{where}: an echo rule takes no phrases or patterns")
    situation = raw.get("situation", "any")
    if situation not in SITUATIONS:
        raise RuleError(f"{where}: situation must be one of {', '.join(SITUATIONS)}")
    if check is not None and written:
        raise RuleError(f"{where}: a check rule takes no phrases or patterns")
    of = raw.get("of")
    if check is not None and of not in LABELS:
        raise RuleError(f"{where}: check {check!r} needs 'of' naming a taxonomy label")
    if check == "missing" and of not in COMPONENTS:
        raise RuleError(f"{where}: a missing check is about a component label")
    examples = raw.get("examples") or {}
    if not isinstance(examples, dict):
        raise RuleError(f"{where}: examples must be a mapping with fail and pass lists")
    fail = _examples(examples.get("fail"), where)
    passing = _examples(examples.get("pass"), where)
    if not fail or not passing:
        raise RuleError(f"{where}: rule {code} needs at least one fail and one pass example")
    on_original = raw.get("match", "normalised") == "original"
    exceptions = _strings(raw.get("exceptions"), where, "exceptions")
    requires = _strings(raw.get("sentence_requires"), where, "sentence_requires")
    excludes = _strings(raw.get("sentence_excludes"), where, "sentence_excludes")
    return Rule(
        code=code,
        name=name,
        label=label,
        kind=kind,
        severity=severity,
        message=raw["message"].strip(),
        why=" ".join(raw["why"].split()),
        suggest=_strings(raw.get("suggest"), where, "suggest"),
        source=where,
        confidence=float(raw.get("confidence", 1.0)),
        phrases=phrases,
        patterns=patterns,
        exceptions=exceptions,
        sentence_requires=requires,
        sentence_excludes=excludes,
        negation=bool(raw.get("negation", False)),
        questions=questions,
        on_original=on_original,
        quotes=bool(raw.get("quotes", False)),
        min_words=int(raw.get("min_words", 0)),
        max_words=int(raw.get("max_words", 0) or 0),
        echo=echo,
        situation=situation,
        check=check,
        of=of,
        min=int(raw.get("min", 1)),
        examples_fail=fail,
        examples_pass=passing,
        sources=checked_sources(_phrase_sources(phrases, where) + patterns, where, lexicons),
        written=written,
        exception_sources=checked_sources(exceptions, where, lexicons),
        requires_sources=checked_sources(requires, where, lexicons),
        excludes_sources=checked_sources(excludes, where, lexicons),
    )


def load_rules(folder: Path | Any | None = None, lexicons: Lexicons | None = None) -> list[Rule]:
    folder = folder or resources.files("amends") / "data" / "rules"
    lexicons = lexicons or load_lexicons()
    rules: list[Rule] = []
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith((".yaml", ".yml")):
            continue
        try:
            items = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)
        except yaml.YAMLError as exc:
            raise RuleError(f"{path.name}: not valid YAML: {exc}") from exc
        if not isinstance(items, list):
            raise RuleError(f"{path.name}: expected a list of rules")
        for raw in items:
            where = f"{path.name}:{raw.get('__line__', '?') if isinstance(raw, dict) else '?'}"
            if not isinstance(raw, dict):
                raise RuleError(f"{where}: each rule must be a mapping")
            rule = build_rule(raw, where, lexicons)
            if rule.code in codes:
                raise RuleError(f"{where}: code {rule.code} already used at {codes[rule.code]}")
            if rule.name in names:
                raise RuleError(f"{where}: name {rule.name} already used at {names[rule.name]}")
            codes[rule.code] = names[rule.name] = where
            rules.append(rule)
    return rules


# -- selection -------------------------------------------------------------------------------
class Selectable(Protocol):
    """What a selector names: a rule, or a note the analyzer reports (``amends.notes``)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...


def _specificity(selector: str, rule: Selectable) -> int:
    """How precisely ``selector`` names ``rule``: 0 = not at all, higher = more specific."""
    if selector in ("ALL", "all"):
        return 1
    if selector == rule.label:
        return 2
    if selector == rule.code or selector == rule.name:
        return 100
    if rule.code.startswith(selector.upper()) and selector[:1].isalpha():
        return 2 + len(selector)
    return 0


def unknown_selectors(selectors: Iterable[str], rules: Sequence[Selectable]) -> list[str]:
    return [s for s in selectors if not any(_specificity(s, r) for r in rules)]


def select_rules(
    rules: Sequence[Rule], select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> list[Rule]:
    """Rules enabled by ``select`` minus ``ignore``; the most specific selector wins."""
    return [rule for rule in rules if is_selected(rule, select, ignore)]


def is_selected(rule: Selectable, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> bool:
    """Whether ``select`` minus ``ignore`` enables ``rule``; the most specific selector wins."""
    on = max((_specificity(s, rule) for s in select), default=1 if not select else 0)
    off = max((_specificity(s, rule) for s in ignore), default=0)
    return on > off


def find_rule(rules: Sequence[Rule], key: str) -> Rule | None:
    for rule in rules:
        if key.upper() == rule.code or key == rule.name:
            return rule
    return None
