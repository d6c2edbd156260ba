"""The agent's endpoints: analyze (one reply or a batch), advise, fix, compose, and the rules
with their explanations. Each is the library call the CLI makes, answering the CLI's JSON."""

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ...advise import Case, CaseError, advise
from ...coach import coach
from ...compose import ComposeError, IncidentError, compose
from ...model import SCHEMA_VERSION, Report
from ...rules import Rule, find_rule
from ..auth import require
from ..errors import ApiError
from ..schemas import (
    AdviceOut,
    AdviseRequest,
    AnalyzeRequest,
    BatchOut,
    BatchRequest,
    CoachingOut,
    ComposeRequest,
    DraftOut,
    ErrorOut,
    ExplanationOut,
    FixRequest,
    ReportOut,
    RulesOut,
)
from ..state import Shared, State

INVALID = {422: {"model": ErrorOut, "description": "What in the request was wrong."}}
DENIED = {
    401: {"model": ErrorOut, "description": "No key, or a wrong or revoked one."},
    403: {"model": ErrorOut, "description": "The key's role may not do this."},
}

# every role may analyse and compose; a key is checked all the same (once any key exists)
router = APIRouter(
    prefix="/v1", tags=["agent"], dependencies=[Depends(require("agent"))], responses=DENIED
)


def _report(shared: State, text: str, customer: str | None, where: str) -> Report:
    """The analyzer's report, or a 422 saying what was wrong with the text and where."""
    if not text.strip():
        raise ApiError(422, "empty_text", f"{where} is empty; send the reply to analyse", where)
    try:
        return shared.analyzer.analyze(text, customer)
    except (ValueError, TypeError) as exc:
        raise ApiError(422, "invalid_text", str(exc), where) from exc


@router.post("/analyze", response_model=ReportOut, responses=INVALID)
def analyze(body: AnalyzeRequest, shared: Shared) -> JSONResponse:
    """One reply's report: `amends analyze`'s row for it (`detail`: `amends check`'s JSON)."""
    report = _report(shared, body.text, body.customer, "body.text")
    return JSONResponse(report.to_dict(id=body.id, detail=body.detail))


@router.post("/analyze/batch", response_model=BatchOut, responses=INVALID)
def analyze_batch(body: BatchRequest, shared: Shared) -> JSONResponse:
    """Many replies, in order. An item that cannot be analysed gets an error object in its
    place; the others are analysed all the same."""
    limit = shared.settings.max_batch
    if len(body.items) > limit:
        raise ApiError(
            422,
            "batch_too_large",
            f"{len(body.items)} items; a batch holds at most {limit}: split it",
            "body.items",
        )
    results: list[dict[str, Any]] = []
    rejected = 0
    for i, item in enumerate(body.items):
        where = f"body.items[{i}].text"
        try:
            report = _report(shared, item.text, item.customer, where)
        except ApiError as exc:
            rejected += 1
            results.append({"index": i, "id": item.id, "error": f"{where}: {exc.message}"})
            continue
        results.append(report.to_dict(id=item.id, detail=body.detail))
    return JSONResponse(
        {"schema_version": SCHEMA_VERSION, "results": results, "rejected": rejected}
    )


@router.post("/advise", response_model=AdviceOut, responses=INVALID)
def advise_case(body: AdviseRequest) -> JSONResponse:
    """The posture for a case, why, what the reply must contain and avoid, compensation."""
    try:
        case = Case(**body.model_dump())
    except CaseError as exc:
        raise ApiError(422, "invalid_case", str(exc), "body") from exc
    return JSONResponse(advise(case).to_dict())


@router.post("/fix", response_model=CoachingOut, responses=INVALID)
def fix(body: FixRequest, shared: Shared) -> JSONResponse:
    """A draft fixed with minimal edits, and what it still lacks as suggestions."""
    report = _report(shared, body.text, body.customer, "body.text")
    coaching = coach(report, slots=body.slots, channel=body.channel)
    data = coaching.to_dict(detail=body.detail)
    return JSONResponse(data)


@router.post("/compose", response_model=DraftOut, responses=INVALID)
def compose_reply(body: ComposeRequest, shared: Shared) -> JSONResponse:
    """A reply composed from an incident for a channel."""
    try:
        draft = compose(
            body.incident,
            body.channel,
            tone=body.tone,
            seed=body.seed,
            analyzer=shared.analyzer,
            slots=body.slots,
        )
    except IncidentError as exc:
        raise ApiError(422, "invalid_incident", str(exc), "body.incident") from exc
    except ComposeError as exc:
        raise ApiError(422, "no_acceptable_draft", str(exc), "body.incident") from exc
    return JSONResponse(draft.to_dict(detail=body.detail))


@router.get("/rules", response_model=RulesOut)
def rules(shared: Shared) -> JSONResponse:
    """Every rule that runs: `amends rules --format json`."""
    analyzer = shared.analyzer
    listing = [
        {
            "code": r.code,
            "name": r.name,
            "label": r.label,
            "kind": r.kind,
            "severity": r.severity,
            "message": r.message,
            "source": r.source,
        }
        for r in analyzer.rules
    ]
    model = analyzer.learned.meta if analyzer.learned is not None else None
    return JSONResponse({"rules": listing, "model": model})


@router.get(
    "/explain/{rule}",
    response_model=ExplanationOut,
    responses={404: {"model": ErrorOut, "description": "No rule has this code or name."}},
)
def explain(rule: str, shared: Shared) -> JSONResponse:
    """What a rule (a code such as M201, a name or a label) finds, why it matters, an example
    and what to write instead: `amends explain`."""
    analyzer = shared.analyzer
    found = find_rule(analyzer.all_rules, rule)
    if found is None:
        by_label = [r for r in analyzer.all_rules if r.label == rule and r.kind != "missing"]
        if not by_label:
            raise ApiError(404, "unknown_rule", f"no rule {rule!r}; see GET /v1/rules", "rule")
        found = by_label[0]
    return JSONResponse(_explanation(found))


def _explanation(rule: Rule) -> dict[str, Any]:
    fires, quiet = rule.examples_fail[0], rule.examples_pass[0]
    return {
        "code": rule.code,
        "name": rule.name,
        "label": rule.label,
        "kind": rule.kind,
        "severity": rule.severity,
        "source": rule.source,
        "finds": rule.message.replace("“{match}”", "a phrase").replace("{match}", "a phrase"),
        "why": rule.why,
        "fires_on": {"text": fires.text, "customer": fires.customer},
        "not_on": {"text": quiet.text, "customer": quiet.customer},
        "suggest": list(rule.suggest),
        "patterns": list(rule.written),
        "exceptions": list(rule.exceptions),
    }
