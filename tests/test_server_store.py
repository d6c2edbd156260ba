"""The store over HTTP: import, conversations, promises, incidents and reports, each scoped to
the caller's team (and an agent to their own conversations), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from amends.server import Settings, create_app
from amends.store import make_engine
from amends.store.keys import create_key
from amends.store.migrate import upgrade

DATA = Path(__file__).resolve().parent / "data"
LOCAL = ("127.0.0.1", 50000)
NDJSON = {"content-type": "application/x-ndjson"}


@pytest.fixture
def api(store_url):
    """A client and keys: an admin of every team, leads of billing and support, an agent of
    billing (ag-1), and the ledger's conversations imported (billing: c-1, c-3; support: c-2,
    c-4)."""
    engine = make_engine(store_url)
    upgrade(engine)  # as `amends db upgrade` does; only a SQLite file upgrades by itself
    keys = {
        "admin": create_key(engine, "admin", None)[1],
        "billing": create_key(engine, "lead", "billing")[1],
        "support": create_key(engine, "lead", "support")[1],
        "ag-1": create_key(engine, "agent", "billing", "ag-1")[1],
    }
    client = TestClient(
        create_app(Settings(database_url=store_url)), raise_server_exceptions=False, client=LOCAL
    )
    body = (DATA / "ledger_conversations.jsonl").read_bytes()
    done = client.post(
        "/v1/conversations/import", content=body, headers={**NDJSON, **auth(keys["admin"])}
    )
    assert done.status_code == 200, done.text
    return client, keys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def ids_by_external(client, key) -> dict[str, int]:
    listed = client.get("/v1/conversations", headers=auth(key)).json()["conversations"]
    return {c["external_id"]: c["id"] for c in listed}


def test_import_says_what_it_did(store_url):
    upgrade(make_engine(store_url))
    client = TestClient(
        create_app(Settings(database_url=store_url)), raise_server_exceptions=False, client=LOCAL
    )
    body = (DATA / "ledger_conversations.jsonl").read_bytes()
    first = client.post("/v1/conversations/import", content=body, headers=NDJSON).json()
    assert first["imported"] == 13 and first["conversations_added"] == 4
    assert first["analysed"] == 7 and first["promises"]["dated"] == 4
    again = client.post("/v1/conversations/import", content=body, headers=NDJSON).json()
    assert again["imported"] == 0 and again["skipped"] == 13


def test_import_a_zendesk_export(store_url):
    upgrade(make_engine(store_url))
    client = TestClient(
        create_app(Settings(database_url=store_url)), raise_server_exceptions=False, client=LOCAL
    )
    body = (DATA / "zendesk_tickets.jsonl").read_bytes()
    done = client.post("/v1/conversations/import?format=zendesk", content=body)
    assert done.status_code == 200, done.text
    assert done.json()["format"] == "zendesk" and done.json()["imported"] > 0


def test_import_errors(api):
    client, keys = api
    admin = auth(keys["admin"])
    empty = client.post("/v1/conversations/import", content=b" ", headers=admin)
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty_body"
    bad = client.post("/v1/conversations/import?format=xml", content=b"<a/>", headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["where"] == "query.format"
    garbage = client.post("/v1/conversations/import", content=b"\x00\x01 not json", headers=admin)
    assert garbage.status_code in (200, 422)
    assert "Traceback" not in garbage.text
    if garbage.status_code == 200:  # a row that cannot be read is rejected with its reason
        assert garbage.json()["rejected"] == 1 and garbage.json()["rejections"][0]["reason"]


def test_an_agent_cannot_import_and_a_lead_imports_its_own_team_only(api):
    client, keys = api
    body = (DATA / "ledger_conversations.jsonl").read_bytes()
    agent = client.post("/v1/conversations/import", content=body, headers=auth(keys["ag-1"]))
    assert agent.status_code == 403
    lead = client.post("/v1/conversations/import", content=body, headers=auth(keys["billing"]))
    assert lead.status_code == 403
    assert "belongs to team 'support'" in lead.json()["error"]["message"]


def test_conversations_are_scoped_to_the_team_and_the_agent(api):
    client, keys = api
    assert set(ids_by_external(client, keys["admin"])) == {"c-1", "c-2", "c-3", "c-4"}
    assert set(ids_by_external(client, keys["billing"])) == {"c-1", "c-3"}
    assert set(ids_by_external(client, keys["support"])) == {"c-2", "c-4"}
    assert set(ids_by_external(client, keys["ag-1"])) == {"c-1", "c-3"}
    every = ids_by_external(client, keys["admin"])
    # another team's conversation looks like one that does not exist
    hidden = client.get(f"/v1/conversations/{every['c-2']}", headers=auth(keys["billing"]))
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "unknown_conversation"
    missing = client.get("/v1/conversations/9999", headers=auth(keys["billing"]))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == hidden.json()["error"]["code"]


def test_a_conversation_with_its_analyses(api):
    client, keys = api
    cid = ids_by_external(client, keys["billing"])["c-1"]
    shown = client.get(f"/v1/conversations/{cid}", headers=auth(keys["billing"])).json()
    roles = [m["role"] for m in shown["messages"]]
    assert roles[0] == "customer" and "agent" in roles
    for message in shown["messages"]:
        if message["role"] == "agent":
            assert message["analysis"]["schema_version"] == 1
            assert "breakdown" in message["analysis"]
        else:
            assert message["analysis"] is None


def test_conversations_page_and_filter(api):
    client, keys = api
    page = client.get("/v1/conversations?limit=1&offset=1", headers=auth(keys["admin"])).json()
    assert page["total"] == 4 and len(page["conversations"]) == 1
    bad = client.get("/v1/conversations?limit=0", headers=auth(keys["admin"]))
    assert bad.status_code == 422 and bad.json()["error"]["where"] == "query.limit"
    later = client.get(
        "/v1/conversations?from=2026-12-05T00:00:00Z", headers=auth(keys["admin"])
    ).json()
    assert [c["external_id"] for c in later["conversations"]] == ["c-4"]


def test_promises_scoped_and_filtered(api):
    client, keys = api
    everything = client.get("/v1/promises?status=all", headers=auth(keys["admin"])).json()
    teams = {p["team"] for p in everything["promises"]}
    assert teams == {"billing", "support"}
    billing = client.get("/v1/promises?status=all", headers=auth(keys["billing"])).json()
    assert {p["team"] for p in billing["promises"]} == {"billing"}
    mine = client.get("/v1/promises?status=all", headers=auth(keys["ag-1"])).json()
    assert {p["agent"] for p in mine["promises"]} == {"ag-1"}
    other = client.get("/v1/promises?team=support", headers=auth(keys["billing"]))
    assert other.status_code == 403
    before = client.get(
        "/v1/promises?status=all&due_before=2026-12-03T00:00:00Z", headers=auth(keys["admin"])
    ).json()["promises"]
    assert before and all(p["due"] < "2026-12-03" for p in before)


def test_mark_a_promise(api):
    client, keys = api
    support = client.get("/v1/promises?status=all", headers=auth(keys["support"])).json()
    promise = support["promises"][0]
    hidden = client.post(
        f"/v1/promises/{promise['id']}/mark", json={"status": "kept"}, headers=auth(keys["billing"])
    )
    assert hidden.status_code == 404
    done = client.post(
        f"/v1/promises/{promise['id']}/mark", json={"status": "kept"}, headers=auth(keys["support"])
    )
    assert done.status_code == 200
    assert done.json()["status"] == "kept" and done.json()["status_by"] == "person"
    bad = client.post(
        f"/v1/promises/{promise['id']}/mark",
        json={"status": "maybe"},
        headers=auth(keys["support"]),
    )
    assert bad.status_code == 422 and bad.json()["error"]["where"] == "body.status"


def test_incidents_leads_read_admins_write(api):
    client, keys = api
    made = client.post(
        "/v1/incidents",
        json={"what": "card payments declined for 2 hours", "cause": "ours"},
        headers=auth(keys["admin"]),
    )
    assert made.status_code == 201
    iid = made.json()["id"]
    refused = client.post("/v1/incidents", json={"what": "x"}, headers=auth(keys["billing"]))
    assert refused.status_code == 403
    why = client.post(
        f"/v1/incidents/{iid}/whys",
        json={"answer": "the processor timed out", "root": True},
        headers=auth(keys["admin"]),
    )
    assert why.json()["root_cause"] == "the processor timed out"
    action = client.post(
        f"/v1/incidents/{iid}/actions",
        json={"action": "add a retry", "owner": "ops", "due": "2026-12-20T00:00:00Z"},
        headers=auth(keys["admin"]),
    )
    assert action.json()["actions"][0]["action"] == "add a retry"
    shown = client.get(f"/v1/incidents/{iid}", headers=auth(keys["billing"])).json()
    assert shown["whys"][0]["root_cause"] is True
    listed = client.get("/v1/incidents", headers=auth(keys["billing"])).json()["incidents"]
    assert [i["id"] for i in listed] == [iid]
    assert client.get("/v1/incidents", headers=auth(keys["ag-1"])).status_code == 403
    missing = client.get("/v1/incidents/999", headers=auth(keys["admin"]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_incident"
    blank = client.post("/v1/incidents", json={"what": "  "}, headers=auth(keys["admin"]))
    assert blank.status_code == 422


def test_report_summary_from_the_store(api):
    client, keys = api
    everyone = client.get("/v1/reports/summary", headers=auth(keys["admin"])).json()
    billing = client.get("/v1/reports/summary", headers=auth(keys["billing"])).json()
    assert everyone["replies"] == 7
    assert 0 < billing["replies"] < everyone["replies"]
    assert billing["filters"]["team"] == "billing"
    summary = billing["summary"]
    assert summary["replies"] == billing["replies"]
    assert {"scores", "coverage", "breakdowns", "recurring"} <= set(summary)
    agents = next(b for b in summary["breakdowns"] if b["dimension"] == "agent")
    assert {g["value"] for g in agents["groups"]} == {"ag-1"}
    assert all(p["team"] == "billing" for p in billing["overdue_promises"])
    none = client.get(
        "/v1/reports/summary?from=2030-01-01T00:00:00Z", headers=auth(keys["admin"])
    ).json()
    assert none["replies"] == 0 and none["summary"] is None
    assert client.get("/v1/reports/summary", headers=auth(keys["ag-1"])).status_code == 403
    other = client.get("/v1/reports/summary?team=support", headers=auth(keys["billing"]))
    assert other.status_code == 403
