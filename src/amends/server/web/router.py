"""The pages and the static files. Each page is a template rendering the shell (navigation,
labelled controls); its script fills it from the API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ..state import Shared, State

HERE = Path(__file__).parent
STATIC = HERE / "static"
# Jinja2Templates escapes every value put into an .html template
templates = Jinja2Templates(directory=HERE / "templates")

# (path, template, title, navigation label)
PAGES = (
    ("/", "check.html", "Check a reply", "Check"),
    ("/dashboard", "dashboard.html", "Dashboard", "Dashboard"),
    ("/ledger", "ledger.html", "Ledger", "Ledger"),
    ("/practice", "practice.html", "Practice", "Practice"),
)

router = APIRouter(include_in_schema=False)


def _keys_required(shared: State) -> bool:
    """Whether the server has a key in force, from the key cache the API's checks use."""
    from ...store.keys import any_active_key

    engine = shared.engine
    return bool(shared.key_cache.get(None, lambda: any_active_key(engine)))


def _page(path: str, template: str, title: str) -> Callable[[Request, State], HTMLResponse]:
    def page(request: Request, shared: Shared) -> HTMLResponse:
        context = {
            "title": title,
            "path": path,
            "pages": PAGES,
            "keys_required": _keys_required(shared),
        }
        return templates.TemplateResponse(request, template, context)

    page.__name__ = f"page_{template.removesuffix('.html')}"
    return page


for _path, _template, _title, _ in PAGES:
    router.add_api_route(_path, _page(_path, _template, _title), methods=["GET"])


def install(app: FastAPI) -> None:
    """Add the pages, their data routes and the static files to ``app``."""
    from . import data

    app.include_router(router)
    app.include_router(data.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
