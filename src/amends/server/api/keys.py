"""Keys, for admins: list, make and revoke. An admin's key with a team manages that team's
keys only; the secret of a new key is in the answer once and nowhere else."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ...store.keys import ApiKeyError, KeyInfo, create_key, list_keys, revoke_key
from ..auth import Admin, Caller
from ..errors import ApiError
from ..schemas import ErrorOut, StoreId, Strict
from ..state import Shared

router = APIRouter(
    prefix="/v1/keys",
    tags=["keys"],
    responses={
        401: {"model": ErrorOut, "description": "No key, or a wrong or revoked one."},
        403: {"model": ErrorOut, "description": "Only admins manage keys."},
    },
)


class KeyRequest(Strict):
    role: Literal["agent", "lead", "admin"]
    team: str | None = Field(None, description="Required for agents and leads.")
    agent_id: str | None = Field(None, description="The agent an agent's key belongs to.")
    note: str | None = None


class KeyOut(BaseModel):
    id: int
    prefix: str
    role: str
    team: str | None
    agent_id: str | None
    note: str | None
    created_at: str
    revoked_at: str | None


class KeysOut(BaseModel):
    keys: list[KeyOut]


class NewKeyOut(BaseModel):
    key: KeyOut
    secret: str = Field(description="The key to send as `Authorization: Bearer ...`; shown once.")


def _visible(who: Caller, key: KeyInfo) -> bool:
    return who.team is None or key.team == who.team


@router.get("", response_model=KeysOut)
def keys(who: Admin, shared: Shared) -> JSONResponse:
    listing = [k.to_dict() for k in list_keys(shared.engine) if _visible(who, k)]
    return JSONResponse({"keys": listing})


@router.post("", response_model=NewKeyOut, status_code=201)
def new_key(body: KeyRequest, who: Admin, shared: Shared) -> JSONResponse:
    if who.team is not None and body.team != who.team:
        raise ApiError(403, "forbidden", f"your key manages team {who.team!r} only", "body.team")
    try:
        info, secret = create_key(shared.engine, body.role, body.team, body.agent_id, body.note)
    except ApiKeyError as exc:
        raise ApiError(422, "invalid_key_request", str(exc), "body") from exc
    return JSONResponse({"key": info.to_dict(), "secret": secret}, status_code=201)


@router.post(
    "/{key_id}/revoke",
    response_model=KeyOut,
    responses={404: {"model": ErrorOut, "description": "No such key (for this admin)."}},
)
def revoke(key_id: StoreId, who: Admin, shared: Shared) -> JSONResponse:
    engine = shared.engine
    known = {k.id: k for k in list_keys(engine)}
    if key_id not in known or not _visible(who, known[key_id]):
        raise ApiError(404, "unknown_key", f"no key {key_id}; GET /v1/keys lists them", "key_id")
    return JSONResponse(revoke_key(engine, str(key_id)).to_dict())
