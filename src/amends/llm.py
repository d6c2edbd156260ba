"""An optional language-model backend for compose and fix, through any OpenAI-compatible
endpoint (vLLM, Ollama, llama.cpp server): ``POST {url}/v1/chat/completions``.

The model only drafts. Its output is always read by the analyzer: a draft with mistakes is
repaired by the coach, or rejected with the findings when repair is off or fails. Nothing here
is needed offline; the deterministic composer stays the default.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .advise import Advice
from .analyzer import Analyzer, get_analyzer
from .coach import Coaching, Edit, advice_for, coach
from .compose import Draft, Incident, advice_for_incident, compose_data, parse_incident
from .incident import incident_dict
from .model import Config, Finding, Report

URL_ENV = "AMENDS_LLM_URL"
MODEL_ENV = "AMENDS_LLM_MODEL"
KEY_ENV = "AMENDS_LLM_API_KEY"


class LLMError(RuntimeError):
    """The endpoint could not be reached or answered with something that is not a completion."""


class LLMRejected(LLMError):
    """The model's draft was refused; ``findings`` say why and ``text`` is what it wrote."""

    def __init__(self, message: str, text: str, findings: Sequence[Finding] = ()):
        super().__init__(message)
        self.text = text
        self.findings = tuple(findings)


@dataclass(frozen=True, slots=True)
class LLMConfig:
    url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    temperature: float = 0.3

    @classmethod
    def from_env(
        cls, url: str | None = None, model: str | None = None, env: Mapping[str, str] | None = None
    ) -> LLMConfig | None:
        """The configuration from the arguments, else the environment; None when no URL."""
        env = os.environ if env is None else env
        url = url or env.get(URL_ENV)
        if not url:
            return None
        model = model or env.get(MODEL_ENV)
        if not model:
            raise LLMError(f"an LLM URL is set but no model: pass --llm-model or set {MODEL_ENV}")
        return cls(url=url, model=model, api_key=env.get(KEY_ENV) or None)

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        if not base.endswith("/v1"):
            base += "/v1"
        return base + "/chat/completions"


class ChatClient:
    """A minimal client for the chat-completions protocol, on the standard library."""

    def __init__(self, config: LLMConfig):
        self.config = config

    def complete(self, messages: Sequence[Mapping[str, str]]) -> str:
        body = json.dumps(
            {
                "model": self.config.model,
                "messages": list(messages),
                "temperature": self.config.temperature,
                "stream": False,
            }
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        request = urllib.request.Request(
            self.config.endpoint, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise LLMError(f"{self.config.endpoint} answered HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LLMError(f"cannot reach {self.config.endpoint}: {exc}") from exc
        try:
            data = json.loads(raw)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(
                f"{self.config.endpoint} did not answer with a chat completion: {raw[:200]!r}"
            ) from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMError(f"{self.config.endpoint} answered with an empty message")
        return _clean(content)


def _clean(text: str) -> str:
    """The message itself: no code fence, no surrounding quotes, no "Reply:" label."""
    text = text.strip()
    fence = re.match(r"^```[a-z]*\n(.*?)\n```$", text, re.S)
    if fence:
        text = fence.group(1).strip()
    text = re.sub(r"^(?:reply|response|draft|improved reply)\s*:\s*", "", text, flags=re.I)
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1].strip()
    return text


# -- prompts ---------------------------------------------------------------------------------
_RULES = (
    "Write as a customer-service agent, in the first person. Use only the facts given; where "
    "a fact the reply needs is missing, write a short bracketed slot for the agent to fill in, "
    "like [when you will follow up]. Apologise once, for the specific problem. Never write "
    '"sorry for any inconvenience", "sorry if", "sorry you feel", "but" after an apology, '
    '"never happen again", "I guarantee", "just" or "only" about the problem, or blame the '
    "customer or a third party. Answer with the message text only."
)


def _advice_lines(advice: Advice) -> str:
    lines = [f"Posture: {advice.posture} ({advice.summary})"]
    if advice.required:
        lines.append("The reply must contain: " + ", ".join(advice.required) + ".")
    if advice.omit:
        lines.append("Leave out: " + ", ".join(advice.omit) + ".")
    lines.append("Avoid: " + ", ".join(advice.avoid) + ".")
    comp = "offer it" if advice.compensation.offer else "do not offer it unless given"
    lines.append(f"Compensation: {comp} ({advice.compensation.why})")
    lines += [f"- {step}" for step in advice.technique]
    return "\n".join(lines)


def _channel_rule(channel: str) -> str:
    limit = compose_data().channels[channel].limit
    rules = {
        "chat": "A chat message: no greeting line, no sign-off.",
        "email": "An email: a greeting line, the body, and a sign-off with the agent's name.",
        "social": "A public social-media reply.",
    }
    return rules[channel] + (f" At most {limit} characters." if limit else "")


# -- compose and fix -------------------------------------------------------------------------
def llm_compose(
    incident: Incident | Mapping[str, Any],
    channel: str,
    client: ChatClient,
    repair: bool = True,
    analyzer: Analyzer | None = None,
) -> Draft:
    """A draft written by the model, then read, repaired or rejected like any other draft."""
    incident = parse_incident(incident)
    analyzer = analyzer or get_analyzer(Config())
    data = compose_data()
    if channel not in data.channels:
        raise LLMError(f"channel must be one of {', '.join(data.channels)}, not {channel!r}")
    advice = advice_for_incident(incident, analyzer)
    facts = {k: v for k, v in incident_dict(incident).items() if v not in (None, [], False, 0)}
    messages = [
        {"role": "system", "content": _RULES + "\n" + _channel_rule(channel)},
        {
            "role": "user",
            "content": _advice_lines(advice)
            + "\n\nIncident (JSON):\n"
            + json.dumps(facts, ensure_ascii=False, indent=1),
        },
    ]
    text = client.complete(messages)
    report = analyzer.analyze(text)
    text, report, warnings = _check(text, report, advice, repair, analyzer)
    limit = data.channels[channel].limit
    if limit and len(text) > limit:
        raise LLMRejected(
            f"the model's {channel} draft is {len(text)} characters, over the {limit} limit",
            text,
        )
    missing = [c for c in advice.required if c not in advice.omit and not report.has(c)]
    if missing:
        warnings.append("the analyzer does not find " + ", ".join(missing) + " in this draft")
    warnings.append(f"written by {client.config.model} at {client.config.url}")
    return Draft(
        text=text,
        posture=advice.posture,
        channel=channel,
        report=report,
        advice=advice,
        warnings=tuple(warnings),
    )


def llm_fix(
    report: Report,
    client: ChatClient,
    repair: bool = True,
    analyzer: Analyzer | None = None,
) -> Coaching:
    """An improved reply written by the model from the findings, then read and repaired."""
    analyzer = analyzer or get_analyzer(Config())
    advice = advice_for(report, analyzer)
    findings = "\n".join(
        f"- {f.code} {f.label}: “{f.match}” - {f.message}"
        + (f" Instead: {f.suggestions[0]}" if f.suggestions else "")
        for f in report.findings
        if f.kind in ("mistake", "missing")
    )
    messages = [
        {
            "role": "system",
            "content": _RULES
            + " Rewrite the agent's draft so it has none of the listed mistakes; keep its facts,"
            " its greeting and its sign-off.",
        },
        {
            "role": "user",
            "content": _advice_lines(advice)
            + (f"\n\nCustomer's message:\n{report.customer}" if report.customer else "")
            + f"\n\nDraft:\n{report.text}\n\nFindings:\n{findings or '- none'}",
        },
    ]
    text = client.complete(messages)
    improved_report = analyzer.analyze(text, report.customer)
    text, improved_report, _ = _check(text, improved_report, advice, repair, analyzer)
    return Coaching(
        original=report,
        edits=diff_edits(report.text, text, f"Rewritten by {client.config.model}."),
        improved=text,
        report=improved_report,
        posture=advice.posture,
        slots=(),
    )


def _check(
    text: str, report: Report, advice: Advice, repair: bool, analyzer: Analyzer
) -> tuple[str, Report, list[str]]:
    """Accept a clean draft, repair one with mistakes, or reject it with the findings."""
    if not report.mistakes:
        return text, report, []
    found = "; ".join(f"{f.code} “{f.match}”" for f in report.mistakes)
    if not repair:
        raise LLMRejected(f"the model's draft has mistakes: {found}", text, report.mistakes)
    fixed = coach(report, slots=False, advice=advice, analyzer=analyzer, keep_positions=False)
    if fixed.report.mistakes or not fixed.improved.strip():
        raise LLMRejected(
            f"the model's draft has mistakes the coach could not repair: {found}",
            text,
            report.mistakes,
        )
    return fixed.improved, fixed.report, [f"repaired the model's draft: {found}"]


def diff_edits(original: str, improved: str, why: str) -> tuple[Edit, ...]:
    """Word-level edits that turn ``original`` into ``improved``."""
    a = [m.span() for m in re.finditer(r"\S+\s*", original)]
    b = [m.span() for m in re.finditer(r"\S+\s*", improved)]
    wa = [original[s:e] for s, e in a]
    wb = [improved[s:e] for s, e in b]
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        start = a[i1][0] if i1 < len(a) else len(original)
        end = a[i2 - 1][1] if i2 > i1 else start
        edits.append(Edit(start, end, "".join(wb[j1:j2]), why))
    return tuple(edits)


__all__ = [
    "ChatClient",
    "LLMConfig",
    "LLMError",
    "LLMRejected",
    "diff_edits",
    "llm_compose",
    "llm_fix",
]
