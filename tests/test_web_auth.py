"""The web app's /web/data routes with keys in force: each takes the API's caller, so a missing,
wrong or revoked key is a 401 and too low a role a 403; a team's key reads its own team only
(the dashboard's figures, its choices, the drill-down and the conversation it opens, which is
the API's /v1/conversations/{id}: another team's id is a 404)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from amends.server import Settings, create_app
from amends.store import ensure_current, import_file, make_engine
from amends.store.keys import create_key, revoke_key

DATA = Path(__file__).parent / "data"
LOCAL = ("127.0.0.1", 50000)
ATTEMPT = {"reply": "Sorry."}
# (method, path, body): every /web/data route
ROUTES = [
    ("GET", "/web/data/dashboard", None),
    ("GET", "/web/data/replies", None),
    ("GET", "/web/data/practice", None),
    ("POST", "/web/data/practice/billing-error", ATTEMPT),
    ("GET", "/web/data/practice/team", None),
]
LEADS_ONLY = [
    r
    for r in ROUTES
    if r[1] in ("/web/data/dashboard", "/web/data/replies", "/web/data/practice/team")
]


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, dict[str, str]]:
    """The ledger fixture (teams billing and support) with keys; a revoked one among them."""
    url = f"sqlite:///{tmp_path_factory.mktemp('webauth') / 'amends.db'}"
    engine = make_engine(url)
    ensure_current(engine)
    import_file(DATA / "ledger_conversations.jsonl", engine)
    revoked, revoked_secret = create_key(engine, "lead", "billing")
    revoke_key(engine, str(revoked.id))
    keys = {
        "admin": create_key(engine, "admin", None)[1],
        "billing-lead": create_key(engine, "lead", "billing")[1],
        "billing-admin": create_key(engine, "admin", "billing")[1],
        "support-lead": create_key(engine, "lead", "support")[1],
        "billing-agent": create_key(engine, "agent", "billing", "ag-1")[1],
        "billing-agent-2": create_key(engine, "agent", "billing", "ag-2")[1],
        "support-agent": create_key(engine, "agent", "support", "ag-9")[1],
        "revoked": revoked_secret,
    }
    client = TestClient(
        create_app(Settings(database_url=url)), raise_server_exceptions=False, client=LOCAL
    )
    return client, keys


def call(client: TestClient, method: str, path: str, body, key: str | None = None, **params):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.request(method, path, json=body, headers=headers, params=params)


def code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (None, "missing_key"),
        ("amk_00000000_not-a-real-secret", "invalid_key"),
        ("revoked", "key_revoked"),
    ],
)
def test_a_missing_wrong_or_revoked_key_is_401(keyed, method, path, body, key, expected):
    client, keys = keyed
    response = call(client, method, path, body, keys.get(key, key) if key else None)
    assert response.status_code == 401
    assert code(response) == expected
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), LEADS_ONLY)
def test_an_agents_key_may_not_read_the_dashboard(keyed, method, path, body):
    client, keys = keyed
    response = call(client, method, path, body, keys["billing-agent"])
    assert response.status_code == 403
    assert "a lead key or above" in response.json()["error"]["message"]


@pytest.mark.parametrize(("method", "path", "body"), LEADS_ONLY)
def test_a_team_key_asking_for_another_team_is_403(keyed, method, path, body):
    client, keys = keyed
    response = call(client, method, path, body, keys["billing-lead"], team="support")
    assert response.status_code == 403
    assert "team 'billing' only" in response.json()["error"]["message"]


def test_any_key_practises(keyed):
    client, keys = keyed
    scenarios = call(client, "GET", "/web/data/practice", None, keys["billing-agent"])
    assert scenarios.status_code == 200 and scenarios.json()["scenarios"]
    attempt = call(client, *ROUTES[3], keys["billing-agent"])
    assert attempt.status_code == 200 and attempt.json()["passed"] is False


def test_practice_is_kept_for_the_keys_agent_and_read_by_their_teams_lead(keyed):
    client, keys = keyed
    scenario = "long-wait"
    first = call(client, "POST", f"/web/data/practice/{scenario}", ATTEMPT, keys["billing-agent-2"])
    assert first.status_code == 200
    second = call(
        client, "POST", f"/web/data/practice/{scenario}", ATTEMPT, keys["billing-agent-2"]
    )
    [mine] = second.json()["progress"]
    assert (mine["agent"], mine["team"], mine["scenario"]) == ("ag-2", "billing", scenario)
    assert (mine["attempts"], mine["passed"]) == (2, False)
    assert mine["best"] == max(first.json()["score"], second.json()["score"])
    # the agent reads it back; the name comes from the key, not from the request
    seen = call(client, "GET", "/web/data/practice", None, keys["billing-agent-2"]).json()
    assert seen["you"] == {"agent": "ag-2", "team": "billing", "role": "agent", "from_key": True}
    assert seen["progress"] == [mine]
    # another agent, of the same team or another, does not see it, nor may ask for it
    for other in ("billing-agent", "support-agent"):
        theirs = call(client, "GET", "/web/data/practice", None, keys[other]).json()
        assert all(p["agent"] != "ag-2" for p in theirs["progress"])
        asked = call(client, "GET", "/web/data/practice", None, keys[other], agent="ag-2")
        assert asked.status_code == 403
    posed = {"reply": "Sorry.", "agent": "ag-2"}
    forged = call(client, "POST", f"/web/data/practice/{scenario}", posed, keys["support-agent"])
    assert forged.status_code == 403
    # billing's lead sees billing's agents; support's lead sees none of them
    lead = call(client, "GET", "/web/data/practice/team", None, keys["billing-lead"]).json()
    assert lead["team"] == "billing" and mine in lead["progress"]
    assert {p["team"] for p in lead["progress"]} == {"billing"}
    support = call(client, "GET", "/web/data/practice/team", None, keys["support-lead"]).json()
    assert all(p["agent"] != "ag-2" for p in support["progress"])
    everyone = call(client, "GET", "/web/data/practice/team", None, keys["admin"]).json()
    assert mine in everyone["progress"]


def test_an_attempt_without_a_key_is_401_and_not_kept(keyed):
    client, keys = keyed
    before = call(client, "GET", "/web/data/practice/team", None, keys["admin"]).json()
    posed = {"reply": "Sorry.", "agent": "ag-2"}
    refused = call(client, "POST", "/web/data/practice/long-wait", posed)
    assert refused.status_code == 401 and code(refused) == "missing_key"
    after = call(client, "GET", "/web/data/practice/team", None, keys["admin"]).json()
    assert after == before


@pytest.mark.parametrize("who", ["billing-lead", "billing-admin"])
def test_a_team_key_sees_its_own_team_on_the_dashboard(keyed, who):
    client, keys = keyed
    everything = call(client, "GET", "/web/data/dashboard", None, keys["admin"]).json()
    assert everything["teams"] == ["billing", "support"]
    response = call(client, "GET", "/web/data/dashboard", None, keys[who], by="agent")
    assert response.status_code == 200
    mine = response.json()
    assert mine["filters"]["team"] == "billing"
    assert mine["teams"] == ["billing"]  # not even the other teams' names
    assert 0 < mine["replies"] < everything["replies"]
    assert {g["group"] for g in mine["groups"]} == {"ag-1"}
    assert mine["overdue_total"] >= 1
    assert {p["team"] for p in mine["overdue_promises"]} == {"billing"}
    support = call(client, "GET", "/web/data/dashboard", None, keys["support-lead"]).json()
    assert support["replies"] == everything["replies"] - mine["replies"]


def test_the_drill_down_and_its_conversations_are_the_teams_own(keyed):
    client, keys = keyed
    lead = keys["billing-lead"]
    found = call(client, "GET", "/web/data/replies", None, lead).json()
    assert found["total"] >= 1 and {r["team"] for r in found["replies"]} == {"billing"}
    opened = client.get(
        f"/v1/conversations/{found['replies'][0]['conversation_id']}",
        headers={"Authorization": f"Bearer {lead}"},
    )
    assert opened.status_code == 200
    theirs = call(client, "GET", "/web/data/replies", None, keys["support-lead"]).json()
    other = theirs["replies"][0]["conversation_id"]
    response = client.get(f"/v1/conversations/{other}", headers={"Authorization": f"Bearer {lead}"})
    assert response.status_code == 404
    assert code(response) == "unknown_conversation"


def test_the_pages_say_a_key_is_needed(keyed):
    client, _ = keyed
    page = client.get("/dashboard")
    assert page.status_code == 200  # the page itself; its data needs the key
    assert '<details class="key" open>' in page.text
    assert "This server needs an API key" in page.text
