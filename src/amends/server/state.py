"""What the routes share, hung on the app: the settings and the analyzer."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from ..analyzer import Analyzer, get_analyzer
from ..model import Config
from .errors import ApiError
from .settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


class State:
    """What the routes share: the settings, the analyzer and the store, each opened on first
    use (loading the rules takes a moment; a server that only analyses never opens the store)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._analyzer: Analyzer | None = None
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        from .auth import KeyCache  # auth reads the state: imported here, not at the top

        self.key_cache = KeyCache()

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    self._analyzer = get_analyzer(Config())
        return self._analyzer

    @property
    def engine(self) -> Engine:
        """The store, migrated as the CLI does (a new SQLite file is set up; another database
        behind the installed schema is an error). A store that cannot be used is a 503."""
        if self._engine is None:
            from ..store import StoreError, ensure_current, make_engine

            with self._lock:
                if self._engine is None:
                    try:
                        engine = make_engine(self.settings.database_url)
                        ensure_current(engine)
                    except StoreError as exc:
                        raise ApiError(503, "store_unavailable", str(exc)) from exc
                    self._engine = engine
        return self._engine


def state(request: Request) -> State:
    """The app's shared state, as a route dependency."""
    return request.app.state.amends  # type: ignore[no-any-return]


# a route's parameter for the shared state
Shared = Annotated[State, Depends(state)]
