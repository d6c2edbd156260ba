"""The agent's commands: ``advise`` (the posture for a case), ``fix`` (coach a draft) and
``compose`` (write a reply from an incident). A thin layer over the library, registered on the
main app by ``register``.

The library modules behind them, and ``rich``, are imported when a command runs: registering
the commands costs the other commands (``check``, ``analyze``) nothing.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .model import Config

if TYPE_CHECKING:
    from .advise import Advice
    from .coach import Coaching
    from .compose import Draft
    from .llm import ChatClient, LLMRejected


class Format(StrEnum):
    text = "text"
    json = "json"


class Cause(StrEnum):
    ours = "ours"
    outside = "outside"
    customer = "customer"
    unknown = "unknown"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class ChannelName(StrEnum):
    chat = "chat"
    email = "email"
    social = "social"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="text or json.")]
LLMUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--llm-url",
        envvar="AMENDS_LLM_URL",
        help="An OpenAI-compatible server (vLLM, Ollama, llama.cpp) to draft with.",
    ),
]
LLMModelOpt = Annotated[
    str | None,
    typer.Option("--llm-model", envvar="AMENDS_LLM_MODEL", help="The model name to ask for."),
]
RepairOpt = Annotated[
    bool,
    typer.Option(
        "--repair/--no-repair",
        help="Repair a model draft that has mistakes (default), or reject it.",
    ),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(code)


def _client(url: str | None, model: str | None) -> ChatClient | None:
    from .llm import ChatClient, LLMConfig, LLMError

    try:
        config = LLMConfig.from_env(url, model)
    except LLMError as exc:
        raise _fail(str(exc)) from exc
    return ChatClient(config) if config else None


def _rejected(exc: LLMRejected) -> typer.Exit:
    typer.echo(f"amends: rejected: {exc}", err=True)
    typer.echo(f"the model wrote: {exc.text}", err=True)
    for f in exc.findings:
        typer.echo(f"  {f.start}-{f.end} {f.code} {f.name} [{f.label}] {f.message}", err=True)
    return typer.Exit(1)


def advise_command(
    customer: Annotated[
        str, typer.Option("--customer", "-c", help="The customer's message, or - for stdin.")
    ] = "",
    cause: Annotated[
        Cause | None, typer.Option(help="What caused it; inferred from the message if not given.")
    ] = None,
    severity: Annotated[Severity | None, typer.Option(help="low, medium or high.")] = None,
    legal: Annotated[
        bool | None,
        typer.Option("--legal/--not-legal", help="Legal signals; inferred if not given."),
    ] = None,
    noticed: Annotated[
        bool | None,
        typer.Option("--noticed/--not-noticed", help="Whether the customer noticed the problem."),
    ] = None,
    affected: Annotated[
        bool | None,
        typer.Option(
            "--affected/--not-affected",
            help="Whether an outside cause disrupted the customer's own service.",
        ),
    ] = None,
    prior_failures: Annotated[
        int | None, typer.Option(min=0, help="Earlier failures for this customer.")
    ] = None,
    wait_minutes: Annotated[
        float | None, typer.Option(min=0, help="How long the customer waited, in minutes.")
    ] = None,
    reply: Annotated[
        str,
        typer.Option(
            "--reply",
            "-r",
            help="The agent's reply so far: one that asks for details and states no cause, "
            "fault or fix makes the case a first contact.",
        ),
    ] = "",
    customer_id: Annotated[
        str | None,
        typer.Option(
            "--customer-id", help="Read this customer's earlier failures from the store (--db)."
        ),
    ] = None,
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation",
            help="A stored conversation (id or external id): its customer's words, categories "
            "and history, and incidents in its categories (--db).",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "--db",
            help="The store for --customer-id/--conversation (default: $AMENDS_DATABASE_URL, "
            "else sqlite:///amends.db).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """Advise on a case: the posture, why, what the reply must contain and avoid, compensation.

    With --customer-id or --conversation, the store says whether this failure happened to the
    customer before and whether an incident in the same category makes it a recurring one.
    """
    from .advise import Case, CaseError, PastContact, advise

    if customer == "-":
        customer = sys.stdin.read()
    known = None
    if customer_id is not None or conversation is not None:
        from .cli_incidents import store_context

        known = store_context(database, customer_id, conversation)
        customer = customer or known.customer_text
    try:
        case = Case(
            customer=customer,
            cause=cause.value if cause else None,
            severity=severity.value if severity else None,
            noticed=noticed,
            legal=legal,
            prior_failures=prior_failures,
            wait_minutes=wait_minutes,
            affected=affected,
            reply=reply,
            history=tuple(
                PastContact(h.failure, h.cause, h.apologised, when=h.when) for h in known.history
            )
            if known
            else (),
            recurring=known.recurring if known else (),
            # a conversation the store put in a failure category is one where something failed
            failure=True if known and known.categories else None,
        )
    except CaseError as exc:
        raise _fail(str(exc)) from exc
    advice = advise(case)
    if fmt is Format.json:
        data = advice.to_dict()
        if known is not None:
            data["store"] = known.to_dict()
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if known is not None:
        typer.echo(
            f"store: customer {known.customer_id or '-'}, categories "
            f"{', '.join(known.categories) or '-'}, {len(known.history)} earlier failure(s) "
            f"in the same categories, {len(known.recurring)} incident(s)"
        )
    _print_advice(advice)


def _print_advice(advice: Advice) -> None:
    from rich.text import Text

    from .render import make_console

    console = make_console()
    console.print(Text.assemble(("posture: ", "dim"), (advice.posture, "bold")))
    console.print(advice.summary)
    console.print()
    console.print(Text("why", style="bold"))
    for r in advice.reasons:
        console.print(Text.assemble((f"{r.code} {r.name}: ", "bold"), r.reason))
        console.print(Text(f"  {r.principle}", style="dim"))
    console.print()
    console.print(Text.assemble(("must contain: ", "bold"), ", ".join(advice.required) or "-"))
    if advice.omit:
        console.print(Text.assemble(("leave out: ", "bold"), ", ".join(advice.omit)))
    console.print(Text.assemble(("avoid: ", "bold"), ", ".join(advice.avoid)))
    offer = "offer" if advice.compensation.offer else "do not offer"
    console.print(Text.assemble(("compensation: ", "bold"), f"{offer}. {advice.compensation.why}"))
    if advice.technique:
        console.print()
        console.print(Text("long-wait technique", style="bold"))
        for i, step in enumerate(advice.technique, 1):
            console.print(f"  {i}. {step}")
    if advice.facts is not None and advice.facts.inferred:
        facts = advice.facts
        console.print()
        console.print(
            Text(
                f"case: cause={facts.cause} severity={facts.severity} "
                f"noticed={str(facts.noticed).lower()} legal={str(facts.legal).lower()} "
                f"prior_failures={facts.prior_failures}"
                + (f" wait_minutes={facts.wait_minutes:g}" if facts.wait_minutes else "")
                + f" (inferred: {', '.join(facts.inferred)})",
                style="dim",
            )
        )


def fix_command(
    text: Annotated[str, typer.Argument(help="The draft reply, or - to read it from stdin.")],
    customer: Annotated[
        str | None, typer.Option("--customer", "-c", help="The customer's message it answers.")
    ] = None,
    fmt: FormatOpt = Format.text,
    llm_url: LLMUrlOpt = None,
    llm_model: LLMModelOpt = None,
    repair: RepairOpt = True,
    channel: Annotated[
        ChannelName | None,
        typer.Option(
            "--channel", help="social, chat or email (default: social when it starts with @)."
        ),
    ] = None,
    slots: Annotated[
        bool,
        typer.Option(
            "--slots/--no-slots",
            help="Put the most needed missing component in the reply as one marked slot.",
        ),
    ] = False,
) -> None:
    """Fix a draft with minimal edits: each mistake where it stands, the rest untouched;
    what the reply still lacks comes back as suggestions."""
    from .analyzer import get_analyzer
    from .coach import coach
    from .llm import LLMError, LLMRejected, llm_fix

    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise _fail("the draft is empty; pass the text to fix, or - to read stdin")
    analyzer = get_analyzer(Config())
    try:
        report = analyzer.analyze(text, customer)
    except (ValueError, TypeError) as exc:
        raise _fail(str(exc)) from exc
    client = _client(llm_url, llm_model)
    try:
        coaching = (
            llm_fix(report, client, repair)
            if client
            else coach(report, slots=slots, channel=channel.value if channel else None)
        )
    except LLMRejected as exc:
        raise _rejected(exc) from exc
    except LLMError as exc:
        raise _fail(str(exc)) from exc
    if fmt is Format.json:
        typer.echo(json.dumps(_coaching_json(coaching), ensure_ascii=False, indent=2))
        return
    _print_coaching(coaching)


def _coaching_json(coaching: Coaching) -> dict[str, Any]:
    data = coaching.to_dict()
    return {
        "edits": data["edits"],
        "improved": data["improved"],
        "report": data["report"],
        "posture": data["posture"],
        "channel": data["channel"],
        "changed": data["changed"],
        "suggestions": data["suggestions"],
        "flags": data["flags"],
        "slots": data["slots"],
        "unchanged": data["unchanged"],
    }


def _print_coaching(coaching: Coaching) -> None:
    from rich.text import Text

    from .render import make_console, report_panel

    console = make_console()
    original = coaching.original.text
    console.print(Text(f"edits ({len(coaching.edits)})", style="bold"))
    if not coaching.edits:
        console.print(f"  none: {coaching.unchanged}")
    for e in coaching.edits:
        before = original[e.start : e.end]
        line = Text(f"  {e.start}-{e.end} ")
        if before:
            line.append(f"“{before}”", style="red")
            line.append(" → ")
        line.append(f"“{e.replacement}”" if e.replacement else "(removed)", style="green")
        console.print(line)
        console.print(Text(f"      {e.why}", style="dim"))
    console.print()
    console.print(Text(f"improved ({coaching.posture})", style="bold"))
    console.print(report_panel(coaching.report))
    size = len(original)
    share = f" ({coaching.changed / size:.0%} of the text)" if size else ""
    console.print(Text(f"changed: {coaching.changed} characters{share}", style="dim"))
    if coaching.flags:
        console.print()
        console.print(Text(f"left for you or a lead ({len(coaching.flags)})", style="bold"))
        for flag in coaching.flags:
            line = Text(f"  {flag.code}  {flag.label}  ")
            line.append(f"“{flag.match}”", style="yellow")
            console.print(line)
            console.print(Text(f"      {flag.why}", style="dim"))
            console.print(Text(f"      → {flag.suggest}"))
    if coaching.suggestions:
        console.print()
        console.print(Text("the reply could also", style="bold"))
        for tip in coaching.suggestions:
            console.print(Text(f"  {tip.label}: {tip.message}"))
            console.print(Text(f"      e.g. “{tip.example}”", style="green"))
    if coaching.slots:
        console.print(Text(f"fill in the slot for: {', '.join(coaching.slots)}", style="yellow"))


def compose_command(
    incident: Annotated[
        str, typer.Option("--incident", "-i", help="The incident as a JSON file, or - for stdin.")
    ],
    channel: Annotated[
        ChannelName, typer.Option("--channel", help="chat, email or social.")
    ] = ChannelName.chat,
    seed: Annotated[int | None, typer.Option(help="Pick the phrasing (default: random).")] = None,
    tone: Annotated[str, typer.Option(help="warm, formal or brief.")] = "warm",
    slots: Annotated[
        bool,
        typer.Option(
            "--slots",
            help="Put the most needed missing fact in the text as one marked slot.",
        ),
    ] = False,
    fmt: FormatOpt = Format.text,
    llm_url: LLMUrlOpt = None,
    llm_model: LLMModelOpt = None,
    repair: RepairOpt = True,
) -> None:
    """Compose a reply from an incident (problem, cause, steps, follow_up...) for a channel.
    Facts the incident lacks come back as suggestions beside the draft."""
    from .compose import ComposeError, IncidentError, compose, compose_data, parse_incident
    from .llm import LLMError, LLMRejected, llm_compose

    if incident == "-":
        raw, where = sys.stdin.read(), "stdin"
    else:
        path = Path(incident)
        if not path.is_file():
            raise _fail(f"{incident}: no such file")
        raw, where = path.read_text(encoding="utf-8"), incident
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _fail(f"{where}: not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    if tone not in compose_data().tones:
        raise _fail(f"--tone must be one of {', '.join(compose_data().tones)}, not {tone!r}")
    try:
        parsed = parse_incident(data)
        client = _client(llm_url, llm_model)
        if client:
            draft = llm_compose(parsed, channel.value, client, repair)
        else:
            draft = compose(parsed, channel.value, tone=tone, seed=seed, slots=slots)
    except IncidentError as exc:
        raise _fail(f"{where}: {exc}") from exc
    except LLMRejected as exc:
        raise _rejected(exc) from exc
    except (ComposeError, LLMError) as exc:
        raise _fail(str(exc), 1) from exc
    if fmt is Format.json:
        typer.echo(json.dumps(draft.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_draft(draft)


def _print_draft(draft: Draft) -> None:
    from rich.text import Text

    from .render import make_console

    console = make_console()
    if len(draft.parts) > 1:
        for part in draft.parts:
            console.print(part)
            console.print()
    else:
        console.print(draft.text)
        console.print()
    if draft.private is not None:
        console.print(Text("private message", style="bold"))
        console.print(draft.private)
        console.print()
    console.print(
        Text(
            f"posture {draft.posture}, {draft.channel}, {_length(draft)}; "
            f"score {draft.report.score}; labels: {', '.join(draft.report.labels) or 'none'}",
            style="dim",
        )
    )
    if draft.slots:
        console.print(Text(f"fill in: {', '.join(draft.slots)}", style="yellow"))
    if draft.suggestions:
        console.print()
        console.print(Text("the incident does not give", style="bold"))
        for tip in draft.suggestions:
            console.print(Text(f"  {tip.label}: {tip.message}"))
            console.print(Text(f"      e.g. “{tip.example}”", style="green"))
    for w in draft.warnings:
        console.print(Text(f"note: {w}", style="yellow"))


def _length(draft: Draft) -> str:
    """How long the draft is as its channel counts it: a social post counts each link as 23."""
    if not draft.parts:
        return f"{len(draft.text)} characters"
    from .coach import post_length

    lengths = " + ".join(str(post_length(p)) for p in draft.parts)
    return f"{lengths} characters" + (" (a thread)" if len(draft.parts) > 1 else "")


def register(app: typer.Typer) -> None:
    """Add ``advise``, ``fix`` and ``compose`` to the ``amends`` command line."""
    app.command(name="advise")(advise_command)
    app.command(name="fix")(fix_command)
    app.command(name="compose")(compose_command)
