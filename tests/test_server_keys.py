"""API keys and roles: ``amends keys`` makes, lists and revokes them; the API refuses a missing,
wrong or revoked key (401) and a role that may not do what was asked (403); with no key the API
is open to clients on its own machine only, and ``amends serve`` will not listen elsewhere."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from amends.cli import app as cli_app
from amends.server import Settings, create_app
from amends.store import ensure_current, make_engine
from amends.store.keys import create_key, list_keys, verify_key

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
LOCAL = ("127.0.0.1", 50000)
ANALYZE = {"text": "I'm sorry we charged you twice."}


def amends(*args: str):
    return runner.invoke(cli_app, list(args), env=PLAIN)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'amends.db'}"


def client_for(url: str, host: tuple[str, int] = LOCAL) -> TestClient:
    return TestClient(
        create_app(Settings(database_url=url)), raise_server_exceptions=False, client=host
    )


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def error_code(response) -> str:
    return response.json()["error"]["code"]


# -- amends keys -----------------------------------------------------------------------------


def test_keys_create_prints_the_secret_once_and_keeps_its_hash(url):
    made = amends("keys", "create", "--role", "lead", "--team", "billing", "--db", url)
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("amk_") and len(secret) > 40
    assert "team billing" in made.stderr and "shown once" in made.stderr
    listed = amends("keys", "list", "--db", url)
    assert listed.exit_code == 0
    assert "lead" in listed.stdout and "billing" in listed.stdout
    assert secret not in listed.stdout
    assert secret[4:12] in listed.stdout  # the public prefix
    as_json = json.loads(amends("keys", "list", "--db", url, "--format", "json").stdout)
    assert as_json[0]["role"] == "lead" and "secret" not in as_json[0]
    # nothing in the database holds the secret itself
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT * FROM api_keys").fetchall()
    assert secret not in repr(rows)
    assert verify_key(engine, secret).role == "lead"


def test_keys_revoke_by_prefix(url):
    secret = amends("keys", "create", "--role", "admin", "--db", url).stdout.strip()
    prefix = secret[4:12]
    done = amends("keys", "revoke", prefix, "--db", url)
    assert done.exit_code == 0, done.output
    assert f"revoked key 1 ({prefix}, admin, team *)" in done.stdout
    assert not list_keys(make_engine(url))[0].active


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "lead"], "a lead's key needs a team"),
        (["--role", "agent", "--team", "t"], "needs the agent's id"),
        (["--role", "lead", "--team", "t", "--agent", "a"], "not for a lead"),
        (["--role", "owner"], "owner"),
    ],
)
def test_keys_create_refuses_what_cannot_work(url, args, message):
    done = amends("keys", "create", *args, "--db", url)
    assert done.exit_code == 2
    assert message in done.output


def test_keys_revoke_an_unknown_key(url):
    done = amends("keys", "revoke", "99", "--db", url)
    assert done.exit_code == 2
    assert "no key '99'" in done.output


# -- the open API ----------------------------------------------------------------------------


def test_without_keys_the_api_is_open_to_this_machine_only(url):
    assert client_for(url).post("/v1/analyze", json=ANALYZE).status_code == 200
    remote = client_for(url, ("203.0.113.9", 40000))
    response = remote.post("/v1/analyze", json=ANALYZE)
    assert response.status_code == 401
    assert error_code(response) == "keys_required"
    assert remote.get("/v1/health").status_code == 200


def test_serve_refuses_a_public_address_without_keys(url):
    done = amends("serve", "--host", "0.0.0.0", "--db", url)
    assert done.exit_code == 2
    assert "refusing to listen on 0.0.0.0 with no API key" in done.output


# -- keys and roles --------------------------------------------------------------------------


@pytest.fixture
def keyed(url):
    """A store with keys for two teams, and a client."""
    engine = make_engine(url)
    ensure_current(engine)
    keys = {
        "admin": create_key(engine, "admin", None)[1],
        "billing-lead": create_key(engine, "lead", "billing")[1],
        "billing-admin": create_key(engine, "admin", "billing")[1],
        "billing-agent": create_key(engine, "agent", "billing", "ana")[1],
        "delivery-lead": create_key(engine, "lead", "delivery")[1],
    }
    return client_for(url), keys


def test_a_key_is_needed_once_one_exists(keyed):
    client, _ = keyed
    response = client.post("/v1/analyze", json=ANALYZE)
    assert response.status_code == 401
    assert error_code(response) == "missing_key"
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/health").status_code == 200


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_a_good_key_in_either_header(keyed, header):
    client, keys = keyed
    value = keys["billing-agent"]
    headers = {header: f"Bearer {value}" if header == "Authorization" else value}
    assert client.post("/v1/analyze", json=ANALYZE, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Authorization": "Bearer amk_00000000_not-a-real-secret"}, "invalid_key"),
        ({"Authorization": "Bearer nonsense"}, "invalid_key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_key"),
        ({"X-API-Key": "amk_deadbeef_x"}, "invalid_key"),
    ],
)
def test_a_wrong_key_is_401(keyed, headers, code, caplog):
    client, _ = keyed
    with caplog.at_level(logging.DEBUG):
        response = client.post("/v1/analyze", json=ANALYZE, headers=headers)
    assert response.status_code == 401
    assert error_code(response) == code
    for value in headers.values():
        assert value.split()[-1] not in response.text
        assert value.split()[-1] not in caplog.text


def test_a_tampered_key_is_401(keyed):
    client, keys = keyed
    good = keys["billing-lead"]
    tampered = good[:-1] + ("A" if good[-1] != "A" else "B")
    response = client.post("/v1/analyze", json=ANALYZE, headers=bearer(tampered))
    assert error_code(response) == "invalid_key"


def test_a_revoked_key_is_401(keyed):
    client, keys = keyed
    listed = client.get("/v1/keys", headers=bearer(keys["admin"])).json()["keys"]
    lead = next(k for k in listed if k["team"] == "delivery")
    done = client.post(f"/v1/keys/{lead['id']}/revoke", headers=bearer(keys["admin"]))
    assert done.status_code == 200 and done.json()["revoked_at"]
    response = client.post("/v1/analyze", json=ANALYZE, headers=bearer(keys["delivery-lead"]))
    assert response.status_code == 401
    assert error_code(response) == "key_revoked"


@pytest.mark.parametrize("who", ["billing-agent", "billing-lead"])
def test_only_admins_manage_keys(keyed, who):
    client, keys = keyed
    response = client.get("/v1/keys", headers=bearer(keys[who]))
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert "an admin key" in response.json()["error"]["message"]


def test_an_admin_makes_a_key_that_works_and_shows_it_once(keyed):
    client, keys = keyed
    made = client.post(
        "/v1/keys",
        json={"role": "agent", "team": "billing", "agent_id": "bo"},
        headers=bearer(keys["admin"]),
    )
    assert made.status_code == 201
    secret = made.json()["secret"]
    assert client.post("/v1/analyze", json=ANALYZE, headers=bearer(secret)).status_code == 200
    listed = client.get("/v1/keys", headers=bearer(keys["admin"])).text
    assert secret not in listed and made.json()["key"]["prefix"] in listed


def test_a_team_admin_sees_and_manages_its_own_team_only(keyed):
    client, keys = keyed
    admin = bearer(keys["billing-admin"])
    teams = {k["team"] for k in client.get("/v1/keys", headers=admin).json()["keys"]}
    assert teams == {"billing"}
    everyone = client.get("/v1/keys", headers=bearer(keys["admin"])).json()["keys"]
    other = next(k for k in everyone if k["team"] == "delivery")
    response = client.post(f"/v1/keys/{other['id']}/revoke", headers=admin)
    assert response.status_code == 404
    made = client.post("/v1/keys", json={"role": "lead", "team": "delivery"}, headers=admin)
    assert made.status_code == 403


def test_a_bad_key_request_is_422(keyed):
    client, keys = keyed
    response = client.post("/v1/keys", json={"role": "lead"}, headers=bearer(keys["admin"]))
    assert response.status_code == 422
    assert "needs a team" in response.json()["error"]["message"]


def test_a_key_revoked_after_use_stops_working_once_the_cache_expires(keyed):
    client, keys = keyed
    lead = bearer(keys["delivery-lead"])
    assert client.post("/v1/analyze", json=ANALYZE, headers=lead).status_code == 200
    listed = client.get("/v1/keys", headers=bearer(keys["admin"])).json()["keys"]
    key_id = next(k["id"] for k in listed if k["team"] == "delivery")
    client.post(f"/v1/keys/{key_id}/revoke", headers=bearer(keys["admin"]))
    cache = client.app.state.amends.key_cache
    assert cache.seconds <= 2  # the README promises a revocation acts within 2 s
    cache.seconds = 0  # the 2 s have passed
    response = client.post("/v1/analyze", json=ANALYZE, headers=lead)
    assert response.status_code == 401 and error_code(response) == "key_revoked"
