"""The web app without a browser: the pages and static files are served, the /web/data routes
answer the store's data and say what was wrong on bad input, the pages' ledger and conversation
views are the API's endpoints (no /web/data copies), and the palette's text/background pairs
reach WCAG AA contrast (4.5:1). Keys and team scoping of /web/data: test_web_auth.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from amends.server.app import create_app
from amends.server.settings import Settings
from amends.server.web.router import PAGES, STATIC
from amends.store import import_file, make_engine

DATA = Path(__file__).parent / "data"

# (text, background) custom properties of app.css that are drawn on each other
PALETTE = [
    ("ink", "paper"),
    ("ink", "panel"),
    ("muted", "paper"),
    ("muted", "panel"),
    ("accent", "paper"),
    ("accent", "panel"),
    ("accent-ink", "accent"),
    ("bar-ink", "bar"),
    ("ink", "component-bg"),
    ("ink", "mistake-bg"),
    ("component-line", "paper"),
    ("mistake-line", "paper"),
    ("error", "paper"),
    ("error", "panel"),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    database = tmp_path_factory.mktemp("webdata") / "amends.db"
    import_file(DATA / "ledger_conversations.jsonl", make_engine(f"sqlite:///{database}"))
    # no key in force: the server answers its own machine only, so the client is on loopback
    return TestClient(
        create_app(Settings(database_url=f"sqlite:///{database}")), client=("127.0.0.1", 50000)
    )


@pytest.mark.parametrize(("path", "template", "title", "label"), PAGES)
def test_every_page_is_served_with_its_navigation(client, path, template, title, label):
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"<title>{title} · amends</title>" in page.text
    assert f'<a href="{path}" aria-current="page">{label}</a>' in page.text
    for script in re.findall(r'<script src="([^"]+)"', page.text):
        assert client.get(script).status_code == 200, script


def test_every_control_has_a_label(client):
    for path, *_ in PAGES:
        html = client.get(path).text
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        assert ids and set(ids) <= labelled, (path, set(ids) - labelled)


def test_chart_js_is_vendored_with_its_licence():
    assert (
        (STATIC / "vendor" / "chart.umd.min.js").read_text()[:40].startswith("/*!\n * Chart.js v4")
    )
    assert "MIT License" in (STATIC / "vendor" / "chart.js.LICENSE.md").read_text()


def test_the_pages_are_not_in_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p == "/" or p.startswith(("/web", "/dashboard", "/static"))]


def test_dashboard_data_from_the_store(client):
    data = client.get("/web/data/dashboard", params={"by": "agent"}).json()
    assert data["replies"] > 0
    assert sum(b["count"] for b in data["histogram"]) == data["replies"]
    assert {g["group"] for g in data["groups"]} >= {"ag-1", "ag-2"}
    assert data["coverage"][0]["label"] == "apology"
    assert data["overdue_total"] >= 1
    billing = client.get("/web/data/dashboard", params={"team": "billing"}).json()
    assert 0 < billing["replies"] < data["replies"]
    assert billing["teams"] == data["teams"]  # the filter's choices stay whole


def test_drill_down_and_a_conversation_with_findings(client):
    found = client.get("/web/data/replies", params={"label": "apology"}).json()
    assert found["total"] >= 1
    reply = found["replies"][0]
    assert "apology" in reply["labels"]
    without = client.get("/web/data/replies", params={"label": "apology", "has": False}).json()
    assert reply["message_id"] not in {r["message_id"] for r in without["replies"]}
    # the page opens the reply's conversation through the API
    conversation = client.get(f"/v1/conversations/{reply['conversation_id']}").json()
    agent = [m for m in conversation["messages"] if m["id"] == reply["message_id"]]
    assert agent and any(f["label"] == "apology" for f in agent[0]["analysis"]["findings"])


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/web/data/dashboard?from=2026-02-30", "query"),
        ("/web/data/dashboard?from=2026-12-02&to=2026-12-01", "query"),
        ("/web/data/dashboard?by=planet", "query.by"),
        ("/web/data/replies?bin=10", "query.bin"),
    ],
)
def test_bad_filters_are_422_saying_which(client, path, where):
    response = client.get(path)
    assert response.status_code == 422
    assert response.json()["error"]["where"] == where


def test_unknown_ids_are_404(client):
    assert client.post("/web/data/practice/nope", json={"reply": "Sorry."}).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/web/data/conversations/1", "/web/data/promises", "/web/data/incidents"],
)
def test_what_the_api_serves_has_no_web_data_copy(client, path):
    assert client.get(path).status_code == 404


def test_the_ledger_page_marks_promises_through_the_api(client):
    promises = client.get("/v1/promises", params={"status": "all"}).json()["promises"]
    first = promises[0]
    assert isinstance(first["conversation_id"], int)  # the Ledger links to the conversation
    marked = client.post(f"/v1/promises/{first['id']}/mark", json={"status": "broken"})
    assert marked.status_code == 200
    assert marked.json()["status"] == "broken" and marked.json()["status_by"] == "person"
    assert marked.json()["conversation_id"] == first["conversation_id"]
    for path in ("/static/ledger.js", "/static/dashboard.js"):
        assert "/web/data/promises" not in client.get(path).text
        assert "/web/data/incidents" not in client.get(path).text
        assert "/web/data/conversations" not in client.get(path).text


def test_practice_routes(client):
    scenarios = client.get("/web/data/practice").json()
    assert scenarios["pass_score"] == 70
    first = scenarios["scenarios"][0]
    assert "example" not in first  # the model reply comes with the feedback, after an attempt
    empty = client.post(f"/web/data/practice/{first['id']}", json={"reply": "  "})
    assert empty.status_code == 422
    assert scenarios["you"] == {"agent": None, "team": None, "role": "admin", "from_key": False}
    assert scenarios["progress"] == []
    # no keys: progress is kept under the name the page asks for, and it must be given
    nameless = client.post(f"/web/data/practice/{first['id']}", json={"reply": "Sorry."})
    assert nameless.status_code == 422
    assert nameless.json()["error"]["where"] == "agent"
    attempt = {"reply": "Sorry.", "agent": " Open Ola "}
    result = client.post(f"/web/data/practice/{first['id']}", json=attempt).json()
    assert result["passed"] is False and result["example"]
    [mine] = result["progress"]
    assert (mine["agent"], mine["team"], mine["scenario"]) == ("Open Ola", None, first["id"])
    assert (mine["attempts"], mine["best"], mine["passed"]) == (1, result["score"], False)
    again = client.get("/web/data/practice", params={"agent": "Open Ola"}).json()
    assert again["you"]["agent"] == "Open Ola" and again["progress"] == [mine]
    assert client.get("/web/data/practice", params={"agent": "Somebody"}).json()["progress"] == []
    everyone = client.get("/web/data/practice/team").json()  # the open API reads every team
    assert mine in everyone["progress"]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize(("text", "background"), PALETTE)
def test_the_palette_reaches_aa_contrast(text, background):
    css = (STATIC / "app.css").read_text()
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6});", css))
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}:1"
