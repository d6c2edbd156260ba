"""POST /v1/hooks/comment with a Zendesk ticket comment event (tests/data/
zendesk_comment_event.json, shaped as Zendesk's ticket events webhooks deliver it)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from amends.server import Settings, create_app
from amends.store import make_engine
from amends.store.keys import create_key
from amends.store.migrate import upgrade

EVENT = json.loads(
    (Path(__file__).resolve().parent / "data" / "zendesk_comment_event.json").read_text("utf-8")
)
GROUP = EVENT["detail"]["group_id"]


@pytest.fixture
def api(store_url):
    engine = make_engine(store_url)
    upgrade(engine)  # as `amends db upgrade` does; only a SQLite file upgrades by itself
    keys = {
        "team": create_key(engine, "lead", GROUP)[1],
        "other": create_key(engine, "lead", "elsewhere")[1],
        "agent": create_key(engine, "agent", GROUP, "9873843")[1],
    }
    client = TestClient(
        create_app(Settings(database_url=store_url)),
        raise_server_exceptions=False,
        client=("127.0.0.1", 50000),
    )
    return client, {k: {"Authorization": f"Bearer {v}"} for k, v in keys.items()}


def test_an_agents_comment_is_stored_analysed_and_its_promises_returned(api):
    client, keys = api
    response = client.post("/v1/hooks/comment", json=EVENT, headers=keys["team"])
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["stored"] is True and data["role"] == "agent"
    labels = set(data["report"]["labels"])
    assert {"conditional_apology", "remedy", "follow_up"} <= labels
    assert "M202" in {f["code"] for f in data["report"]["findings"]}
    promise = next(p for p in data["promises"] if p["kind"] == "dated")
    assert "email you by Friday" in promise["text"] and promise["due"].startswith("2026-12-04")
    # it is in the store: the team's conversations, and its promises in the ledger
    listed = client.get("/v1/conversations", headers=keys["team"]).json()["conversations"]
    assert [c["external_id"] for c in listed] == ["35437"]
    ledger = client.get("/v1/promises?status=all", headers=keys["team"]).json()["promises"]
    assert promise["id"] in {p["id"] for p in ledger}


def test_the_same_event_twice_stores_it_once(api):
    client, keys = api
    first = client.post("/v1/hooks/comment", json=EVENT, headers=keys["team"]).json()
    again = client.post("/v1/hooks/comment", json=EVENT, headers=keys["team"]).json()
    assert again["stored"] is False
    assert again["message_id"] == first["message_id"]
    assert again["promises"] == first["promises"]


def test_a_customers_comment_is_stored_without_analysis(api):
    client, keys = api
    event = copy.deepcopy(EVENT)
    event["event"]["comment"].update(
        id="27364019999",
        body="Still nothing on my card.",
        author={"id": "412984723", "is_staff": False, "name": "Dana"},
    )
    data = client.post("/v1/hooks/comment", json=event, headers=keys["team"]).json()
    assert data["role"] == "customer" and data["report"] is None and data["promises"] == []


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda e: e.update(type="zen:event-type:ticket.created"), "type must be"),
        (lambda e: e["event"]["comment"].pop("body"), "event.comment.body"),
        (lambda e: e["event"]["comment"]["author"].pop("is_staff"), "is_staff"),
        (lambda e: e["detail"].pop("id"), "detail.id"),
        (lambda e: e.update(time="yesterday"), "time"),
    ],
)
def test_a_malformed_event_is_422(api, change, says):
    client, keys = api
    event = copy.deepcopy(EVENT)
    change(event)
    response = client.post("/v1/hooks/comment", json=event, headers=keys["team"])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_a_comment_event"
    assert says in response.json()["error"]["message"]


def test_another_teams_ticket_and_an_agents_key_are_403(api):
    client, keys = api
    assert client.post("/v1/hooks/comment", json=EVENT, headers=keys["other"]).status_code == 403
    assert client.post("/v1/hooks/comment", json=EVENT, headers=keys["agent"]).status_code == 403
    assert client.post("/v1/hooks/comment", json=EVENT).status_code == 401
