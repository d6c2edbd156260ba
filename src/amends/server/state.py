"""What the routes share, hung on the app: the settings and the analyzer."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from ..analyzer import Analyzer, get_analyzer
from ..model import Config
from .settings import Settings


class State:
    """What the routes share: the settings and the analyzer, loaded on first use (loading the
    rules takes a moment; a server that only answers /v1/health never pays it)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._analyzer: Analyzer | None = None
        self._lock = threading.Lock()

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    self._analyzer = get_analyzer(Config())
        return self._analyzer


def state(request: Request) -> State:
    """The app's shared state, as a route dependency."""
    return request.app.state.amends  # type: ignore[no-any-return]


# a route's parameter for the shared state
Shared = Annotated[State, Depends(state)]
