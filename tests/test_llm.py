"""The optional LLM backend against a local server that speaks the OpenAI chat-completions
protocol: clean drafts pass, drafts with mistakes are repaired or rejected, errors are clear."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from amends import analyze
from amends.cli import app
from amends.coach import apply_edits
from amends.llm import (
    ChatClient,
    LLMConfig,
    LLMError,
    LLMRejected,
    diff_edits,
    llm_compose,
    llm_fix,
)

INCIDENT = {
    "problem": "you were charged twice for your March bill",
    "cause": "ours",
    "cause_detail": "a billing update ran the March payment run twice",
    "steps": ["refunded the second charge"],
    "follow_up": {"when": "Friday", "how": "email"},
    "customer_name": "Sam",
}
CLEAN = (
    "Hi Sam, I'm sorry you were charged twice for your March bill. That's on us: it happened "
    "because a billing update ran the March payment run twice. I know how frustrating that is. "
    "I've refunded the second charge, and I'll email you by Friday to confirm it has landed."
)
MISTAKEN = (
    "Hi Sam, sorry for any inconvenience, but we are very busy this month. I've refunded the "
    "second charge. Rest assured this will never happen again."
)


class Server:
    """A chat-completions endpoint that answers with the queued messages, in order."""

    def __init__(self) -> None:
        self.replies: list[str | tuple[int, str]] = []
        self.requests: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                owner.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                reply = owner.replies.pop(0)
                if isinstance(reply, tuple):
                    status, raw = reply
                    payload = raw.encode()
                else:
                    status = 200
                    payload = json.dumps(
                        {
                            "id": "chatcmpl-1",
                            "object": "chat.completion",
                            "model": body["model"],
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": reply},
                                    "finish_reason": "stop",
                                }
                            ],
                        }
                    ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def client(self, **kwargs: object) -> ChatClient:
        return ChatClient(LLMConfig(url=self.url, model="test-model", **kwargs))  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    s.thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_a_clean_draft_is_accepted_as_written(server):
    server.replies.append(CLEAN)
    draft = llm_compose(INCIDENT, "chat", server.client())
    assert draft.text == CLEAN
    assert draft.posture == "full_apology"
    assert not draft.report.mistakes
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "test-model"
    prompt = request["body"]["messages"][-1]["content"]
    assert "full_apology" in prompt and "refunded the second charge" in prompt


def test_a_draft_with_mistakes_is_repaired_by_the_coach(server):
    server.replies.append(MISTAKEN)
    draft = llm_compose(INCIDENT, "chat", server.client())
    assert not draft.report.mistakes
    assert "any inconvenience" not in draft.text and "never happen again" not in draft.text
    assert "I've refunded the second charge." in draft.text
    assert any(w.startswith("repaired the model's draft") for w in draft.warnings)


def test_a_draft_with_mistakes_is_rejected_when_repair_is_off(server):
    server.replies.append(MISTAKEN)
    with pytest.raises(LLMRejected) as info:
        llm_compose(INCIDENT, "chat", server.client(), repair=False)
    assert {f.label for f in info.value.findings} >= {"vague_apology", "excuse", "empty_promise"}
    assert info.value.text == MISTAKEN


def test_a_social_draft_over_the_limit_is_rejected(server):
    server.replies.append(CLEAN + " " + CLEAN)
    with pytest.raises(LLMRejected, match="over the 280 limit"):
        llm_compose(INCIDENT, "social", server.client())


def test_fix_through_the_model(server):
    draft = "Sorry for any inconvenience. Obviously the charge was correct."
    customer = "You charged me twice for March!"
    server.replies.append(
        "I'm sorry we charged you twice for March. I've refunded the second charge."
    )
    result = llm_fix(analyze(draft, customer), server.client())
    assert (
        result.improved
        == "I'm sorry we charged you twice for March. I've refunded the second charge."
    )
    assert not result.report.mistakes
    assert apply_edits(draft, result.edits) == result.improved
    prompt = server.requests[0]["body"]["messages"][-1]["content"]
    assert "M101" in prompt and customer in prompt


def test_fix_output_with_mistakes_is_repaired(server):
    server.replies.append("So sorry if you feel upset. I've refunded the charge.")
    result = llm_fix(analyze("Sorry you feel that way.", "You charged me twice!"), server.client())
    assert not result.report.mistakes
    assert "I've refunded the charge." in result.improved


def test_the_answer_is_cleaned_of_fences_and_labels(server):
    server.replies.append("```\nReply: " + CLEAN + "\n```")
    assert llm_compose(INCIDENT, "chat", server.client()).text == CLEAN


def test_an_api_key_is_sent_as_a_bearer_token(server):
    server.replies.append(CLEAN)
    llm_compose(INCIDENT, "chat", server.client(api_key="sk-local"))
    assert server.requests[0]["auth"] == "Bearer sk-local"


def test_http_errors_and_bad_answers_are_reported(server):
    server.replies.append((500, '{"error": "model not loaded"}'))
    with pytest.raises(LLMError, match=r"HTTP 500: .*model not loaded"):
        llm_compose(INCIDENT, "chat", server.client())
    server.replies.append((200, '{"nothing": true}'))
    with pytest.raises(LLMError, match="did not answer with a chat completion"):
        llm_compose(INCIDENT, "chat", server.client())


def test_an_unreachable_server_is_reported():
    client = ChatClient(LLMConfig(url="http://127.0.0.1:9", model="m", timeout=2))
    with pytest.raises(
        LLMError, match=re.escape("cannot reach http://127.0.0.1:9/v1/chat/completions")
    ):
        llm_compose(INCIDENT, "chat", client)


def test_configuration_from_the_environment():
    assert LLMConfig.from_env(env={}) is None
    config = LLMConfig.from_env(
        env={"AMENDS_LLM_URL": "http://h:8000/v1/", "AMENDS_LLM_MODEL": "m"}
    )
    assert config is not None and config.endpoint == "http://h:8000/v1/chat/completions"
    with pytest.raises(LLMError, match="no model"):
        LLMConfig.from_env(env={"AMENDS_LLM_URL": "http://h:8000"})


def test_diff_edits_rebuild_the_improved_text():
    original = "Sorry for any trouble. We'll look into it."
    improved = "I'm sorry your order is late. We'll look into it today."
    assert apply_edits(original, diff_edits(original, improved, "x")) == improved


# -- through the command line ----------------------------------------------------------------

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def test_cli_compose_with_the_model(server, tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(INCIDENT), encoding="utf-8")
    server.replies.append(MISTAKEN)
    result = runner.invoke(
        app,
        ["compose", "--incident", str(path), "--format", "json"],
        env={**PLAIN, "AMENDS_LLM_URL": server.url, "AMENDS_LLM_MODEL": "test-model"},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["posture"] == "full_apology"
    assert not [f for f in data["report"]["findings"] if f["kind"] == "mistake"]
    assert "never happen again" not in data["text"]


def test_cli_rejection_shows_the_findings(server):
    server.replies.append("Sorry if you feel that way, but it's our policy.")
    result = runner.invoke(
        app,
        [
            "fix",
            "Sorry you feel that way.",
            "--llm-url",
            server.url,
            "--llm-model",
            "test-model",
            "--no-repair",
        ],
        env=PLAIN,
    )
    assert result.exit_code == 1
    assert "rejected" in result.output
    assert "M201" in result.output or "M202" in result.output
