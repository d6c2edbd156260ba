"""What an operator sets for the server: the store, limits and CORS. Read from the environment
(``AMENDS_*``) by ``Settings.from_env`` so that ``uvicorn --factory`` and ``amends serve`` agree."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_PREFIX = "AMENDS_"


class SettingsError(ValueError):
    """A setting has a value the server cannot use; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    # None: $AMENDS_DATABASE_URL, else sqlite:///amends.db (as the CLI does)
    database_url: str | None = None
    # the largest request body accepted, in bytes (413 beyond it)
    max_body_bytes: int = 2_000_000
    # the most items one POST /v1/analyze/batch may carry (422 beyond it)
    max_batch: int = 500
    # origins allowed to call the API from a browser; empty: CORS stays off
    cors_origins: tuple[str, ...] = ()
    # requests handled at once; one more is turned away with 503 and Retry-After
    max_concurrent: int = 64

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_batch", "max_concurrent"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SettingsError(f"{name} must be a whole number of at least 1, not {value!r}")
        object.__setattr__(self, "cors_origins", tuple(self.cors_origins))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``AMENDS_DATABASE_URL``, ``AMENDS_MAX_BODY_BYTES``,
        ``AMENDS_MAX_BATCH``, ``AMENDS_MAX_CONCURRENT`` and ``AMENDS_CORS_ORIGINS`` (comma
        separated); what is not set keeps its default."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get(f"{ENV_PREFIX}DATABASE_URL"):
            values["database_url"] = env[f"{ENV_PREFIX}DATABASE_URL"]
        for name in ("max_body_bytes", "max_batch", "max_concurrent"):
            raw = env.get(f"{ENV_PREFIX}{name.upper()}")
            if raw is None or not raw.strip():
                continue
            try:
                values[name] = int(raw)
            except ValueError:
                raise SettingsError(
                    f"{ENV_PREFIX}{name.upper()}={raw!r} is not a whole number"
                ) from None
        origins = env.get(f"{ENV_PREFIX}CORS_ORIGINS", "")
        values["cors_origins"] = tuple(o.strip() for o in origins.split(",") if o.strip())
        return cls(**values)  # type: ignore[arg-type]
