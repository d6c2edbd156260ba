"""``amends advise``, ``amends fix`` and ``amends compose`` as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from amends.cli import app

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "AMENDS_LLM_URL": None}


def amends_cli(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, env=PLAIN)


# -- advise ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "posture"),
    [
        (
            ["--customer", "My flight was cancelled because of the snowstorm and I'm stranded."],
            "regret_without_blame",
        ),
        (
            ["--customer", "My sofa is late because your supplier's factory had a fire."],
            "regret_without_blame",
        ),
        (
            [
                "--customer",
                "I tripped on your torn carpet and hurt my back. My solicitor will write.",
            ],
            "legal_review",
        ),
        (
            ["--customer", "Your engineer missed the appointment again.", "--prior-failures", "2"],
            "repeat_failure",
        ),
        (["--cause", "ours", "--wait-minutes", "2", "--not-noticed"], "no_apology_needed"),
        (["--customer", "Is the road closure affecting deliveries to York?"], "inform_and_update"),
        (["--customer", "You charged me twice!"], "full_apology"),
    ],
)
def test_advise_json_gives_the_posture(args, posture):
    result = amends_cli("advise", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["posture"] == posture
    assert set(data) >= {"posture", "reasons", "required", "avoid", "compensation"}
    assert isinstance(data["compensation"]["offer"], bool) and data["compensation"]["why"]
    assert all(r["principle"] for r in data["reasons"])


def test_advise_reads_the_agents_reply_for_first_contact():
    args = ["advise", "--customer", "My parcel never arrived.", "--format", "json"]
    reply = "Sorry to hear that! Could you DM us your order number?"
    data = json.loads(amends_cli(*args, "--reply", reply).stdout)
    assert data["posture"] == "first_contact"
    assert data["required"] == ["apology", "acknowledge", "follow_up"]
    assert data["case"]["first_contact"] is True
    assert json.loads(amends_cli(*args).stdout)["posture"] == "full_apology"
    text = amends_cli("advise", "--customer", "My parcel never arrived.", "-r", reply)
    assert text.exit_code == 0, text.output
    assert "posture: first_contact" in text.stdout


def test_advise_text_explains_itself():
    result = amends_cli(
        "advise", "--customer", "I've been on hold for 55 minutes trying to cancel my contract."
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "posture: full_apology" in out
    assert "P109 our-failure" in out and "Lewicki" in out
    assert "long-wait technique" in out and "55 minutes" in out
    assert "must contain: apology, acknowledge" in out
    assert "compensation: do not offer" in out


def test_advise_explicit_flags_override_the_message():
    result = amends_cli(
        "advise",
        "--customer",
        "The storm cancelled my flight",
        "--cause",
        "ours",
        "--legal",
        "--format",
        "json",
    )
    assert json.loads(result.stdout)["posture"] == "legal_review"


def test_advise_reads_the_customer_from_stdin():
    result = amends_cli(
        "advise", "--customer", "-", "--format", "json", input="You charged me twice!"
    )
    assert json.loads(result.stdout)["posture"] == "full_apology"


def test_advise_rejects_bad_values():
    result = amends_cli("advise", "--cause", "aliens")
    assert result.exit_code == 2
    assert "aliens" in result.output


# -- fix -------------------------------------------------------------------------------------

DRAFT = (
    "Sorry for any inconvenience, but we are very busy. Rest assured this will never happen again."
)
CUSTOMER = "I've been on hold for 55 minutes trying to cancel my contract. Ridiculous."


def test_fix_json_has_edits_improved_and_its_report():
    result = amends_cli("fix", DRAFT, "--customer", CUSTOMER, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"edits", "improved", "report"}
    assert data["edits"] and all(
        set(e) == {"start", "end", "replacement", "why"} for e in data["edits"]
    )
    improved = data["improved"]
    assert improved.startswith(
        "Sorry you've been on hold for 55 minutes trying to cancel your contract."
    )
    assert "any inconvenience" not in improved and "never happen again" not in improved
    assert data["report"]["schema_version"] == 1
    assert not [f for f in data["report"]["findings"] if f["kind"] == "mistake"]
    text = DRAFT
    for e in sorted(data["edits"], key=lambda e: e["start"], reverse=True):
        text = text[: e["start"]] + e["replacement"] + text[e["end"] :]
    assert text == improved


def test_fix_text_shows_the_edits_and_the_improved_reply():
    result = amends_cli("fix", DRAFT, "--customer", CUSTOMER)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "edits (" in out
    assert "“Sorry for any inconvenience”" in out or "Sorry for any inconvenience" in out
    assert "improved (full_apology)" in out
    assert "fill in the slot" not in out and "[" not in out.split("improved (")[1].split("score")[0]
    assert "the reply could also" in out and "e.g. “" in out
    assert "changed: " in out


def test_fix_says_why_a_draft_comes_back_unchanged():
    refusal = "@217164 I am unable to refund the returns charge. Shaun 2/2"
    result = amends_cli("fix", refusal, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["improved"] == refusal and not data["edits"]
    assert data["flags"][0]["code"] == "M422"
    assert data["unchanged"].startswith("left as written: what is wrong (excuse) carries")
    out = amends_cli("fix", refusal).stdout
    assert "none: left as written" in out and "left for you or a lead (1)" in out
    edited = amends_cli("fix", DRAFT, "--customer", CUSTOMER, "--format", "json")
    assert json.loads(edited.stdout)["unchanged"] is None
    clean = amends_cli("fix", "Your refund of £20 went out today.", "--format", "json")
    assert json.loads(clean.stdout)["unchanged"] == (
        "left as written: the analyzer finds no mistake to fix"
    )


def test_fix_from_stdin_and_empty_draft():
    result = amends_cli(
        "fix", "-", "--format", "json", input="Please calm down. Your refund is done."
    )
    assert result.exit_code == 0
    assert "calm down" not in json.loads(result.stdout)["improved"]
    result = amends_cli("fix", "  ")
    assert result.exit_code == 2
    assert "empty" in result.output


# -- compose ---------------------------------------------------------------------------------

INCIDENT = {
    "problem": "your flight to Boston was canceled",
    "cause": "outside",
    "cause_detail": "the snowstorm closed Logan airport",
    "steps": ["rebooked you on the 9:40 tomorrow morning"],
    "follow_up": {"when": "by 8pm tonight", "how": "text"},
    "customer_name": "Ana",
    "agent_name": "Tom Reyes",
}


def test_compose_email_from_a_file(tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(INCIDENT), encoding="utf-8")
    result = amends_cli("compose", "--incident", str(path), "--channel", "email", "--seed", "1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Ana," in out and "Tom Reyes" in out
    assert "snowstorm closed Logan airport" in out
    assert "posture regret_without_blame, email" in out


def test_compose_social_json_from_stdin():
    result = amends_cli(
        "compose",
        "--incident",
        "-",
        "--channel",
        "social",
        "--seed",
        "4",
        "--format",
        "json",
        input=json.dumps(INCIDENT),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"text", "posture", "report"}
    assert data["posture"] == "regret_without_blame"
    assert len(data["text"]) <= 280
    assert not [f for f in data["report"]["findings"] if f["kind"] == "mistake"]
    assert "responsibility" not in data["report"]["labels"]


def test_compose_seed_changes_the_phrasing(tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(INCIDENT), encoding="utf-8")
    texts = {
        json.loads(
            amends_cli(
                "compose", "--incident", str(path), "--seed", str(s), "--format", "json"
            ).stdout
        )["text"]
        for s in range(8)
    }
    assert len(texts) > 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"cause": "ours"}', "`problem` is required"),
        ('{"problem": "late", "cause": "ours", "steps": 3}', "`steps` must be a list"),
    ],
)
def test_compose_reports_bad_incidents(tmp_path, content, message):
    path = tmp_path / "incident.json"
    path.write_text(content, encoding="utf-8")
    result = amends_cli("compose", "--incident", str(path))
    assert result.exit_code == 2
    assert message in result.output
    assert str(path) in result.output


def test_compose_missing_file():
    result = amends_cli("compose", "--incident", "/nonexistent/incident.json")
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_compose_social_too_long_for_one_post_is_a_thread_or_a_private_message(tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(
        json.dumps({**INCIDENT, "problem": "your flight was canceled " + "and rebooked " * 15}),
        encoding="utf-8",
    )
    result = amends_cli(
        "compose", "--incident", str(path), "--channel", "social", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all(len(p) <= 280 for p in data["parts"])
    said = "\n".join(data["parts"]) + (data["private"] or "")
    assert "rebooked you on the 9:40 tomorrow morning" in said  # no step dropped
    assert "by 8pm tonight" in said


def test_compose_json_keeps_its_fields_and_adds_suggestions_parts_and_private(tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(json.dumps({"problem": "your order hasn't arrived", "cause": "ours"}))
    result = amends_cli("compose", "--incident", str(path), "--format", "json", "--seed", "0")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"text", "posture", "report", "channel", "slots", "warnings"}
    assert [s["label"] for s in data["suggestions"]] == ["steps", "cause_detail", "follow_up"]
    assert all(set(s) == {"label", "message", "example"} for s in data["suggestions"])
    assert data["slots"] == [] and "[" not in data["text"]
    assert data["parts"] == [] and data["private"] is None
    slotted = amends_cli(
        "compose", "--incident", str(path), "--format", "json", "--seed", "0", "--slots"
    )
    slotted_data = json.loads(slotted.stdout)
    assert slotted_data["slots"] == ["steps"]
    assert slotted_data["text"].count("[") == 1


def test_compose_text_shows_suggestions_and_the_private_message(tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(
        json.dumps(
            {
                "problem": "you were injured when a shelf fell in our store",
                "cause": "unknown",
                "legal": True,
                "follow_up": {"when": "tomorrow", "how": "phone"},
                "customer_name": "Ana",
            }
        )
    )
    result = amends_cli("compose", "--incident", str(path), "--channel", "social", "--seed", "1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "private message" in out and "DM" in out
    assert "I'll call you" in out
    assert "legal counsel" in out


def test_compose_breach_in_text_lists_what_the_incident_lacks(tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(
        json.dumps(
            {
                "problem": "your card details were stolen when our site was hacked",
                "cause": "ours",
                "steps": ["locked your account"],
                "follow_up": {"when": "Friday", "how": "email"},
            }
        )
    )
    result = amends_cli("compose", "--incident", str(path), "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "the incident does not give" in result.stdout
    assert "data_involved:" in result.stdout and "customer_actions:" in result.stdout
