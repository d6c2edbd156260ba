"""Request and response models at the API's edge. Responses are the CLI's JSON (schema_version
1, as ``schema/report.v1.json`` publishes it) built by the library's ``to_dict``; the models
here describe them for the OpenAPI schema and for clients, and are not used to rebuild them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from ..analyzer import MAX_CHARS

Channel = Literal["chat", "email", "social"]
Cause = Literal["ours", "outside", "customer", "unknown"]
Severity = Literal["low", "medium", "high"]
# an id a client gives is echoed back as it came: a string or a whole number, never a boolean
Ident = StrictStr | StrictInt | None
# the store's ids are 32-bit on PostgreSQL: a larger one is a 422, not a database error
MAX_ID = 2**31 - 1
StoreId = Annotated[int, Path(ge=1, le=MAX_ID)]
# what the analyzer reads: some words, at most MAX_CHARS characters (the schema says so, so that
# a client can check before sending)
# (the characters every regex dialect involved counts as blank are left out: pydantic's Rust
# regex, Python's re and ECMA-262, which schema tools follow, disagree on a few)
WORDS = r"[^\s\x1c-\x1f\x85\ufeff]"
Tone = Literal["warm", "formal", "brief"]


def _iso_only(value: Any) -> datetime:
    """A time written as ISO 8601, in UTC (read as UTC without an offset). pydantic would also
    read a number as seconds since 1970, which the schema (format date-time) does not allow and
    no client means; a time that has no UTC equivalent (year 1 at +00:01) is refused here
    rather than overflow in the store."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO 8601 time; write it like 2026-12-01T09:30:00Z"
            ) from None
    else:
        raise ValueError("give the time as ISO 8601 text, such as 2026-12-01T09:30:00Z")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is out of range in UTC") from None


IsoTime = Annotated[datetime, BeforeValidator(_iso_only)]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("give a whole number, not true or false")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_bool)]
Count = Annotated[int, Field(ge=0), BeforeValidator(_not_bool)]


class Strict(BaseModel):
    """A request model that refuses fields it does not know: a misspelt option is an error,
    not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# -- requests --------------------------------------------------------------------------------


class AnalyzeRequest(Strict):
    text: str = Field(description="The reply to analyse.", pattern=WORDS, max_length=MAX_CHARS)
    customer: str | None = Field(None, description="The customer's message it answers.")
    id: Ident = Field(None, description="Echoed as the report's id.")
    detail: StrictBool = Field(
        False,
        description="Also the score's breakdown, each finding's why, confidence and pattern, "
        "and the situation's evidence (as `amends check --format json`).",
    )


class BatchItem(Strict):
    id: Ident = None
    text: str
    customer: str | None = None


class BatchRequest(Strict):
    items: list[BatchItem] = Field(description="The replies, analysed in order.")
    detail: StrictBool = False


class AdviseRequest(Strict):
    customer: str = Field("", description="The customer's message.")
    cause: Cause | None = Field(None, description="What caused it; inferred when not given.")
    severity: Severity | None = None
    legal: StrictBool | None = None
    noticed: StrictBool | None = None
    affected: StrictBool | None = Field(
        None, description="Whether an outside cause disrupted the customer's own service."
    )
    prior_failures: Count | None = None
    wait_minutes: StrictFloat | None = Field(None, ge=0)
    reply: str = Field(
        "",
        description="The agent's reply so far: one that asks for details and states no cause, "
        "fault or fix makes the case a first contact.",
    )


class FixRequest(Strict):
    text: str = Field(description="The draft reply to fix.", pattern=WORDS, max_length=MAX_CHARS)
    customer: str | None = None
    channel: Channel | None = Field(
        None, description="Default: social when the draft starts with @, else chat."
    )
    slots: StrictBool = Field(
        False, description="Put the most needed missing component in as one marked slot."
    )
    detail: StrictBool = False


class ComposeRequest(Strict):
    incident: dict[str, Any] = Field(
        description="The incident, as `amends compose --incident` reads it: problem, cause, "
        "steps, follow_up..."
    )
    channel: Channel = "chat"
    tone: Tone = "warm"
    seed: WholeNumber | None = Field(None, description="Pick the phrasing (default: random).")
    slots: StrictBool = False
    detail: StrictBool = False


# -- responses -------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str
    message: str
    where: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class FindingOut(BaseModel):
    code: str
    name: str
    label: str
    kind: Literal["component", "mistake", "missing"]
    severity: Literal["info", "warning", "error"]
    start: int | None
    end: int | None
    match: str | None
    message: str
    suggestions: list[str]
    why: str | None = None
    confidence: float | None = None
    pattern: str | None = None


class SlotOut(BaseModel):
    start: int
    end: int
    text: str


class EvidenceOut(BaseModel):
    source: str
    start: int
    end: int
    match: str
    signal: str


class SituationOut(BaseModel):
    cause: str
    wait: bool
    failure: bool | None = None
    first_contact: bool | None = None
    evidence: list[EvidenceOut] | None = None


class LineOut(BaseModel):
    label: str
    points: float
    reason: str
    codes: list[str]


class BreakdownOut(BaseModel):
    base: float
    needed: bool
    lines: list[LineOut]


class ModelOut(BaseModel):
    version: str
    data_hash: str


class ReportOut(BaseModel):
    """One reply's report: ``amends analyze``'s row (with ``detail``: ``amends check``'s)."""

    schema_version: Literal[1]
    id: Ident
    labels: list[str]
    score: int | None
    quality: int | None
    unfinished: bool
    slots: list[SlotOut]
    findings: list[FindingOut]
    missing: list[str]
    situation: SituationOut
    breakdown: BreakdownOut | None = None
    model: ModelOut | None = None


class ItemError(BaseModel):
    """A batch item that could not be analysed, in its place."""

    index: int
    id: Ident
    error: str


class BatchOut(BaseModel):
    schema_version: Literal[1]
    results: list[ReportOut | ItemError]
    rejected: int


class ReasonOut(BaseModel):
    code: str
    name: str
    reason: str
    principle: str


class CompensationOut(BaseModel):
    offer: bool
    why: str


class AdviceOut(BaseModel):
    posture: str
    reasons: list[ReasonOut]
    required: list[str]
    avoid: list[str]
    compensation: CompensationOut
    summary: str
    omit: list[str]
    technique: list[str]
    case: dict[str, Any] | None = None


class EditOut(BaseModel):
    start: int
    end: int
    replacement: str
    why: str


class ChangedOut(BaseModel):
    edits: int
    characters: int
    share: float


class SuggestionOut(BaseModel):
    label: str
    message: str
    example: str


class FlagOut(BaseModel):
    code: str
    label: str
    start: int
    end: int
    match: str
    why: str
    suggest: str


class CoachingOut(BaseModel):
    """``amends fix --format json``."""

    edits: list[EditOut]
    improved: str
    report: ReportOut
    posture: str
    channel: str
    changed: ChangedOut
    suggestions: list[SuggestionOut]
    flags: list[FlagOut]
    slots: list[str]


class DraftOut(BaseModel):
    """``amends compose --format json``."""

    text: str
    posture: str
    report: ReportOut
    channel: str
    slots: list[str]
    warnings: list[str]
    suggestions: list[SuggestionOut]
    parts: list[str]
    private: str | None


class RuleOut(BaseModel):
    code: str
    name: str
    label: str
    kind: str
    severity: str
    message: str
    source: str


class RulesOut(BaseModel):
    """``amends rules --format json``."""

    rules: list[RuleOut]
    model: dict[str, Any] | None


class ExampleOut(BaseModel):
    text: str
    customer: str | None


class ExplanationOut(BaseModel):
    """``amends explain``: what a rule finds, why, an example and what to write instead."""

    code: str
    name: str
    label: str
    kind: str
    severity: str
    source: str
    finds: str
    why: str
    fires_on: ExampleOut
    not_on: ExampleOut
    suggest: list[str]
    patterns: list[str]
    exceptions: list[str]


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    schema_version: int
