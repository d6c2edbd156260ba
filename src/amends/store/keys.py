"""API keys: made with a role (agent, lead or admin), a team and an agent, shown once, stored as
the SHA-256 of their secret, found by their public prefix, and revoked rather than deleted so
that what a key did can still be traced to it.

A key reads ``amk_<prefix>_<secret>``: the prefix (8 hex digits) is what listings print and
what ``revoke`` takes; the secret is 32 random bytes. SHA-256 is enough for a secret of that
much entropy (a slow hash like scrypt protects guessable passwords, and would cost every
request tens of milliseconds); the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from .db import StoreError, session_factory, transaction
from .models import KEY_ROLES, ApiKey

KEY_PREFIX = "amk_"


class ApiKeyError(StoreError):
    """A key cannot be made or found as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key as it may be shown: everything but the secret."""

    id: int
    prefix: str
    role: str
    team: str | None
    agent_id: str | None
    note: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "role": self.role,
            "team": self.team,
            "agent_id": self.agent_id,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        row.id,
        row.prefix,
        row.role,
        row.team,
        row.agent_id,
        row.note,
        row.created_at,
        row.revoked_at,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _split(key: str) -> tuple[str, str] | None:
    """``(prefix, key)`` of a key in our format, None for anything else."""
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = key[len(KEY_PREFIX) :].partition("_")
    if len(prefix) != 8 or not secret:
        return None
    return prefix, key


def create_key(
    engine: Engine,
    role: str,
    team: str | None,
    agent_id: str | None = None,
    note: str | None = None,
) -> tuple[KeyInfo, str]:
    """A new key and its secret, which is not kept and cannot be shown again. Agents and leads
    belong to a team; an admin's key without one manages every team."""
    if role not in KEY_ROLES:
        raise ApiKeyError(f"role must be one of {', '.join(KEY_ROLES)}, not {role!r}")
    team = team.strip() if team else None
    if role != "admin" and not team:
        raise ApiKeyError(f"a {role}'s key needs a team (--team); only an admin's may have none")
    if agent_id is not None and role != "agent":
        raise ApiKeyError(f"--agent names the agent an agent's key belongs to; not for a {role}")
    if role == "agent" and not agent_id:
        raise ApiKeyError("an agent's key needs the agent's id (--agent), to find their replies")
    factory = session_factory(engine)
    with transaction(factory) as session:
        while True:  # a prefix is 32 random bits: a clash is rare, and then another is drawn
            prefix = secrets.token_hex(4)
            if session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
                break
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKey(
            prefix=prefix,
            secret_hash=_digest(key),
            role=role,
            team=team,
            agent_id=agent_id,
            note=note,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        return _info(row), key


def list_keys(engine: Engine, include_revoked: bool = True) -> list[KeyInfo]:
    factory = session_factory(engine)
    with factory() as session:
        query = select(ApiKey).order_by(ApiKey.id)
        if not include_revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        return [_info(row) for row in session.scalars(query)]


def revoke_key(engine: Engine, ref: str) -> KeyInfo:
    """Revoke the key with id or prefix ``ref`` (a revoked key stays revoked)."""
    factory = session_factory(engine)
    with transaction(factory) as session:
        ref = ref.strip()
        if ref.startswith(KEY_PREFIX):  # the whole key, or its public part, was given
            ref = ref[len(KEY_PREFIX) :].split("_", 1)[0]
        query = select(ApiKey).where(
            ApiKey.id == int(ref) if ref.isdigit() else ApiKey.prefix == ref
        )
        row = session.scalar(query)
        if row is None:
            raise ApiKeyError(f"no key {ref!r}; `amends keys list` shows each key's id and prefix")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        return _info(row)


def any_active_key(engine: Engine) -> bool:
    """Whether any key is in force: without one, the API runs open (to loopback clients)."""
    factory = session_factory(engine)
    with factory() as session:
        found = session.scalar(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1))
        return found is not None


def verify_key(engine: Engine, key: str) -> KeyInfo | None:
    """The key's record when ``key`` is one of ours (revoked or not: see ``KeyInfo.active``);
    None when it is malformed, unknown or wrong, which a guesser cannot tell apart."""
    parts = _split(key)
    if parts is None:
        return None
    prefix, whole = parts
    factory = session_factory(engine)
    with factory() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if row is None or not hmac.compare_digest(row.secret_hash, _digest(whole)):
            return None
        return _info(row)
