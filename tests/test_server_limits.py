"""The server's limits: body size (413), batch size (422, tested in test_server), concurrency
(503 with Retry-After at once, not a queue), and CORS only when configured."""

from __future__ import annotations

import asyncio
import json

from fastapi.testclient import TestClient

from amends.server import Settings, create_app
from amends.server.limits import ConcurrencyLimit

LOCAL = ("127.0.0.1", 50000)


def client_for(tmp_path, **settings) -> TestClient:
    url = f"sqlite:///{tmp_path / 'amends.db'}"
    return TestClient(
        create_app(Settings(database_url=url, **settings)),
        raise_server_exceptions=False,
        client=LOCAL,
    )


def test_a_body_over_the_limit_is_413(tmp_path):
    client = client_for(tmp_path, max_body_bytes=1_000)
    small = client.post("/v1/analyze", json={"text": "I'm sorry we charged you twice."})
    assert small.status_code == 200
    big = client.post("/v1/analyze", json={"text": "Sorry. " * 200})
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "body_too_large"
    assert "1,000 bytes" in big.json()["error"]["message"]


def test_a_chunked_body_over_the_limit_is_413(tmp_path):
    client = client_for(tmp_path, max_body_bytes=1_000)
    body = json.dumps({"text": "Sorry. " * 200}).encode()

    def chunks():
        for i in range(0, len(body), 100):
            yield body[i : i + 100]

    response = client.post(
        "/v1/analyze", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_over_the_concurrency_limit_is_503_with_retry_after_at_once():
    release = asyncio.Event()
    entered = asyncio.Event()

    async def slow_app(scope, receive, send):
        entered.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = ConcurrencyLimit(slow_app, limit=1)
    scope = {"type": "http", "path": "/v1/analyze", "method": "POST", "headers": []}

    async def call():
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await limited(scope, receive, send)
        return sent

    async def scenario():
        first = asyncio.create_task(call())
        await entered.wait()
        second = await asyncio.wait_for(call(), timeout=1)  # answered without waiting
        health = asyncio.create_task(
            limited({**scope, "path": "/v1/health"}, None, lambda m: asyncio.sleep(0))
        )
        release.set()
        await health
        return await first, second

    first, second = asyncio.run(scenario())
    assert first[0]["status"] == 200
    start = second[0]
    assert start["status"] == 503
    headers = dict(start["headers"])
    assert headers[b"retry-after"] == b"1"
    assert json.loads(second[1]["body"])["error"]["code"] == "overloaded"
    assert limited.active == 0


def test_cors_is_off_unless_configured(tmp_path):
    preflight = {
        "Origin": "https://helpdesk.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type",
    }
    closed = client_for(tmp_path).options("/v1/analyze", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    opened = client_for(tmp_path, cors_origins=("https://helpdesk.example",))
    allowed = opened.options("/v1/analyze", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://helpdesk.example"
    other = opened.options("/v1/analyze", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
