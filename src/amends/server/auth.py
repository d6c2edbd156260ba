"""Who is calling: the API key in ``Authorization: Bearer KEY`` (or ``X-API-Key: KEY``), its
role (agent, lead, admin) and its team. With no key in force the API is open, to clients on
this machine only; once a key exists, every request but /v1/health needs one.

Keys are checked against the store's hashes and never logged; a missing, wrong or revoked key
is a 401, a role that may not do what was asked a 403.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ..store.keys import KeyInfo, any_active_key, verify_key
from .errors import ApiError
from .state import Shared

ROLE_RANK = {"agent": 0, "lead": 1, "admin": 2}
# How long an answer of the key store is reused. Every lookup is a transaction (on SQLite one
# that takes the write lock), which cost more than an analysis; a key made or revoked takes
# effect within this many seconds.
KEY_CACHE_SECONDS = 2.0
CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a request comes from. ``team`` None means every team (an admin's key without a team,
    or the open API); ``key_id`` None means no key (the open API)."""

    role: str
    team: str | None
    agent_id: str | None
    key_id: int | None

    def sees_team(self, team: str | None) -> bool:
        return self.team is None or team == self.team


OPEN = Caller(role="admin", team=None, agent_id=None, key_id=None)


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(
                401,
                "invalid_key",
                "the Authorization header must be `Bearer KEY`",
                "header.authorization",
                CHALLENGE,
            )
        return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key else None


class KeyCache:
    """The key store's recent answers: whether any key is in force, and what each presented key
    is (by the key itself, held in memory only, never logged)."""

    def __init__(self, seconds: float = KEY_CACHE_SECONDS):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._answers: dict[str | None, tuple[float, object]] = {}

    def get(self, key: str | None, look_up: Callable[[], object]) -> object:
        now = time.monotonic()
        with self._lock:
            found = self._answers.get(key)
            if found is not None and now - found[0] < self.seconds:
                return found[1]
        answer = look_up()
        with self._lock:
            if len(self._answers) > 10_000:  # many different wrong keys: start afresh
                self._answers.clear()
            self._answers[key] = (now, answer)
        return answer


def caller(request: Request, shared: Shared) -> Caller:
    key = presented_key(request)
    engine = shared.engine
    cache: KeyCache = shared.key_cache
    if key is None:
        if cache.get(None, lambda: any_active_key(engine)):
            raise ApiError(
                401,
                "missing_key",
                "this API needs a key: send `Authorization: Bearer KEY` (or `X-API-Key: KEY`); "
                "an admin makes one with `amends keys create`",
                "header.authorization",
                CHALLENGE,
            )
        client = request.client.host if request.client else None
        if not is_loopback(client):
            raise ApiError(
                401,
                "keys_required",
                "no API key is configured, so this server answers clients on its own machine "
                "only; create keys with `amends keys create`",
                None,
                CHALLENGE,
            )
        return OPEN
    found = cache.get(key, lambda: verify_key(engine, key))
    if not isinstance(found, KeyInfo):
        raise ApiError(
            401, "invalid_key", "the API key is not valid", "header.authorization", CHALLENGE
        )
    if not found.active:
        raise ApiError(
            401,
            "key_revoked",
            f"the API key {found.prefix} was revoked; ask an admin for a new one",
            "header.authorization",
            CHALLENGE,
        )
    return Caller(role=found.role, team=found.team, agent_id=found.agent_id, key_id=found.id)


def require(least: str) -> Callable[..., Caller]:
    """A dependency: the caller, whose role must be ``least`` or above (agent < lead < admin)."""

    def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if ROLE_RANK[who.role] < ROLE_RANK[least]:
            raise ApiError(
                403,
                "forbidden",
                f"this needs {_a(least)} key or above; yours is {_a(who.role)}'s",
            )
        return who

    return check


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


AnyCaller = Annotated[Caller, Depends(require("agent"))]
Lead = Annotated[Caller, Depends(require("lead"))]
Admin = Annotated[Caller, Depends(require("admin"))]
