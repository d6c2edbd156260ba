"""The HTTP API (``amends.server``) as a client sees it: every endpoint's answer is the CLI's
JSON for the same input, and every error is ``{"error": {"code", "message", "where"?}}``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from amends.analyzer import MAX_CHARS
from amends.cli import app as cli_app
from amends.server import Settings, create_app

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "AMENDS_LLM_URL": None}
SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "schema" / "report.v1.json").read_text("utf-8")
)

LOCAL = ("127.0.0.1", 50000)
REPLY = "Sorry if you feel upset. It was your fault for not reading the terms."
CUSTOMER = "You charged me twice for the same order and nobody answers my emails."
INCIDENT = {
    "problem": "your flight to Boston was cancelled",
    "cause": "outside",
    "cause_detail": "the snowstorm closed Logan airport",
    "steps": ["rebooked you on the 9:40 tomorrow morning"],
    "follow_up": {"when": "by 8pm tonight", "how": "text"},
    "customer_name": "Ana",
    "agent_name": "Tom Reyes",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    """A client on this machine of a server with no keys: the API is open to it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'amends.db'}"
    app = create_app(Settings(database_url=url, max_batch=3))
    return TestClient(app, raise_server_exceptions=False, client=LOCAL)


def cli_json(*args: str, input: str | None = None):
    result = runner.invoke(cli_app, list(args), input=input, env=PLAIN)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_error(response, status: int, code: str, where: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "Traceback" not in response.text
    if where is not None:
        assert body["error"]["where"] == where
    return body["error"]


def validate(data: dict, part: str) -> None:
    schema = {k: v for k, v in SCHEMA.items() if k != "oneOf"} | {"$ref": f"#/$defs/{part}"}
    Draft202012Validator(schema).validate(data)


# -- health and the schema -------------------------------------------------------------------


def test_health(client):
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0", "schema_version": 1}


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/health", "/v1/analyze", "/v1/analyze/batch", "/v1/advise", "/v1/fix",
                 "/v1/compose", "/v1/rules", "/v1/explain/{rule}"):  # fmt: skip
        assert path in paths
    assert client.get("/docs").status_code == 200


# -- analyze ---------------------------------------------------------------------------------


def test_analyze_is_the_clis_row(client, tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": 7, "text": REPLY, "customer": CUSTOMER}) + "\n")
    expected = cli_json("analyze", str(source), "--format", "json")[0]
    response = client.post("/v1/analyze", json={"id": 7, "text": REPLY, "customer": CUSTOMER})
    assert response.status_code == 200
    assert response.json() == expected
    validate(response.json(), "report")
    assert {"conditional_apology", "blame_shift"} <= set(expected["labels"])


def test_analyze_detail_is_the_check_json(client):
    expected = cli_json("check", REPLY, "--customer", CUSTOMER, "--format", "json")
    response = client.post(
        "/v1/analyze", json={"text": REPLY, "customer": CUSTOMER, "detail": True}
    )
    assert response.json() == expected
    validate(response.json(), "check")


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        ({"text": "   "}, "invalid_request", "body.text"),
        ({"customer": "hi"}, "invalid_request", "body.text"),
        ({"text": 5}, "invalid_request", "body.text"),
        ({"text": "Sorry.", "colour": "red"}, "invalid_request", "body.colour"),
        ({"text": "x" * (MAX_CHARS + 1)}, "invalid_request", "body.text"),
    ],
)
def test_analyze_says_what_is_wrong(client, body, code, where):
    assert_error(client.post("/v1/analyze", json=body), 422, code, where)


def test_a_body_that_is_not_json(client):
    error = assert_error(
        client.post(
            "/v1/analyze", content=b'{"text": ', headers={"content-type": "application/json"}
        ),
        422,
        "invalid_request",
        "body",
    )
    assert "not valid JSON" in error["message"]


def test_batch_keeps_the_good_items_and_says_why_the_bad_failed(client):
    items = [{"id": "a", "text": REPLY}, {"id": "b", "text": " "}, {"text": "We're sorry."}]
    response = client.post("/v1/analyze/batch", json={"items": items})
    assert response.status_code == 200
    data = response.json()
    assert data["schema_version"] == 1 and data["rejected"] == 1
    first, bad, third = data["results"]
    assert first == client.post("/v1/analyze", json={"id": "a", "text": REPLY}).json()
    assert bad == {"index": 1, "id": "b", "error": "body.items[1].text: body.items[1].text is "
                   "empty; send the reply to analyse"}  # fmt: skip
    assert third["id"] is None and "apology" in third["labels"]


def test_batch_over_the_limit_says_the_limit(client):
    items = [{"text": "Sorry."}] * 4
    error = assert_error(
        client.post("/v1/analyze/batch", json={"items": items}),
        422,
        "batch_too_large",
        "body.items",
    )
    assert "at most 3" in error["message"]


# -- advise, fix, compose --------------------------------------------------------------------


def test_advise_is_the_clis(client):
    expected = cli_json(
        "advise", "--customer", CUSTOMER, "--prior-failures", "1", "--format", "json"
    )
    response = client.post("/v1/advise", json={"customer": CUSTOMER, "prior_failures": 1})
    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"cause": "aliens"}, "body.cause"),
        ({"prior_failures": -1}, "body.prior_failures"),
        ({"customer": ["a list"]}, "body.customer"),
    ],
)
def test_advise_refuses_a_bad_case(client, body, where):
    assert_error(client.post("/v1/advise", json=body), 422, "invalid_request", where)


def test_fix_is_the_clis(client):
    expected = cli_json("fix", REPLY, "--customer", CUSTOMER, "--format", "json")
    response = client.post("/v1/fix", json={"text": REPLY, "customer": CUSTOMER})
    assert response.status_code == 200
    assert response.json() == expected
    assert response.json()["edits"] and response.json()["improved"] != REPLY


def test_fix_refuses_an_empty_draft_and_an_unknown_channel(client):
    assert_error(client.post("/v1/fix", json={"text": ""}), 422, "invalid_request", "body.text")
    assert_error(
        client.post("/v1/fix", json={"text": "Sorry.", "channel": "fax"}),
        422,
        "invalid_request",
        "body.channel",
    )


def test_compose_is_the_clis(client):
    expected = cli_json(
        "compose", "--incident", "-", "--channel", "email", "--seed", "3", "--format", "json",
        input=json.dumps(INCIDENT),
    )  # fmt: skip
    response = client.post(
        "/v1/compose", json={"incident": INCIDENT, "channel": "email", "seed": 3}
    )
    assert response.status_code == 200
    assert response.json() == expected
    assert "Ana" in expected["text"]


@pytest.mark.parametrize(
    ("body", "code", "where", "says"),
    [
        ({"incident": {"cause": "ours"}}, "invalid_incident", "body.incident", "`problem`"),
        ({"incident": INCIDENT, "tone": "sarcastic"}, "invalid_request", "body.tone", "warm"),
        ({"incident": "late"}, "invalid_request", "body.incident", "dictionary"),
    ],
)
def test_compose_says_what_is_wrong(client, body, code, where, says):
    error = assert_error(client.post("/v1/compose", json=body), 422, code, where)
    assert says in error["message"]


def test_the_tones_the_schema_lists_are_composes():
    from typing import get_args

    from amends.compose import compose_data
    from amends.server.schemas import Tone

    assert set(get_args(Tone)) == set(compose_data().tones)


# -- rules and explain -----------------------------------------------------------------------


def test_rules_is_the_clis(client):
    assert client.get("/v1/rules").json() == cli_json("rules", "--format", "json")


@pytest.mark.parametrize("key", ["M301", "m301", "blames-the-customer"])
def test_explain_by_code_or_name(client, key):
    response = client.get(f"/v1/explain/{key}")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "M301" and data["label"] == "blame_shift"
    assert data["why"] and data["fires_on"]["text"] and data["patterns"]
    # the example the explanation gives really fires the rule
    report = client.post("/v1/analyze", json={"text": data["fires_on"]["text"]}).json()
    assert "M301" in {f["code"] for f in report["findings"]}


def test_explain_an_unknown_rule_is_404(client):
    error = assert_error(client.get("/v1/explain/Z999"), 404, "unknown_rule", "rule")
    assert "/v1/rules" in error["message"]


# -- errors in general -----------------------------------------------------------------------


def test_unknown_endpoint_and_method(client):
    error = assert_error(client.get("/v1/nothing"), 404, "not_found")
    assert "GET /v1/nothing" in error["message"]
    assert_error(client.get("/v1/analyze"), 405, "method_not_allowed")


def test_a_failure_is_a_500_without_a_traceback(client, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("amends.server.api.agent.advise", broken)
    response = client.post("/v1/advise", json={"customer": "late"})
    error = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert "secret internals" in caplog.text  # the operator sees it in the log
    assert error["message"].startswith("the server failed")


def test_settings_from_the_environment():
    settings = Settings.from_env(
        {"AMENDS_MAX_BATCH": "9", "AMENDS_CORS_ORIGINS": "https://a.example, https://b.example"}
    )
    assert settings.max_batch == 9
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    with pytest.raises(ValueError, match="AMENDS_MAX_BODY_BYTES"):
        Settings.from_env({"AMENDS_MAX_BODY_BYTES": "lots"})
    with pytest.raises(ValueError, match="max_batch"):
        Settings(max_batch=0)
