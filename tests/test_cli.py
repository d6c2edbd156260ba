"""The ``amends`` command line as a user sees it: check, analyze, rules, explain, eval, demo,
version, rule selection and help."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import amends
from amends import LABELS, SCHEMA_VERSION, Config, get_analyzer
from amends.cli import app

VAGUE = "Sorry for any inconvenience."
RUDE = "Calm down."
BOTH = "Sorry for any inconvenience. Calm down."
GOOD = (
    "Hi Sam, sorry your parcel is three days late. It was held at our Leeds depot after a "
    "sorting fault on our side, and that's on us. I've sent it out on this morning's van, so it "
    "will reach you tomorrow before noon, and I've refunded your £4.99 delivery fee. I'll message "
    "you tomorrow at 1pm to make sure it arrived. Thanks for your patience."
)

# Wide and colourless unless a test asks otherwise, so assertions see whole lines.
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}

runner = CliRunner()
ALL_RULES = get_analyzer(Config()).all_rules


def amends_cli(*args: str, input: str | bytes | None = None, env: dict | None = None):
    return runner.invoke(app, list(args), input=input, env={**PLAIN, **(env or {})})


def check_json(*args: str, input: str | None = None) -> dict:
    result = amends_cli("check", *args, "--format", "json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def codes(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"]}


def labels(report: dict) -> set[str]:
    return set(report["labels"])


def installed_script() -> Path:
    script = Path(sys.executable).parent / "amends"
    if not script.exists():
        pytest.skip("the amends console script is not installed next to this Python")
    return script


# -- check -----------------------------------------------------------------------------------


def test_check_text_shows_the_reply_findings_score_and_breakdown():
    result = amends_cli("check", BOTH)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert BOTH in out  # the reply itself, to be highlighted
    assert re.search(r"score \d+/100", out)
    assert re.search(r"quality [1-5]", out)
    for code, label in (("M101", "vague_apology"), ("M601", "confrontational")):
        line = next(x for x in out.splitlines() if x.lstrip().startswith(code))
        assert label in line
    assert "talks down to the customer" in out  # the finding's message
    assert "→" in out  # what to write instead
    assert "missing" in out
    assert "score breakdown" in out
    assert re.search(r"confrontational\s+-\d", out)  # a mistake costs points
    assert re.search(r"apology\s+\+\d", out)  # a component earns them


def test_check_highlights_the_spans_in_colour():
    result = runner.invoke(
        app, ["check", BOTH], env={"FORCE_COLOR": "1", "NO_COLOR": None, "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    reply_line = result.stdout.splitlines()[0]
    # each span is wrapped in its own style; the plain text between them is not
    assert re.search(r"\x1b\[[0-9;]+mCalm down\x1b\[0m", reply_line)
    assert re.search(r"\x1b\[[0-9;]+m[^\x1b]*for any inconvenience\x1b\[0m", reply_line)
    assert "\x1b[0m. " in reply_line


def test_check_json_follows_the_schema_and_offsets_slice_the_input():
    report = check_json(BOTH)
    assert report["schema_version"] == SCHEMA_VERSION == 1
    assert {"vague_apology", "confrontational", "apology"} <= labels(report)
    assert set(report["labels"]) <= set(LABELS)
    for f in report["findings"]:
        if f["kind"] == "missing":
            assert f["start"] is None and f["end"] is None
        else:
            assert BOTH[f["start"] : f["end"]] == f["match"]
        assert f["message"] and f["why"]
    breakdown = report["breakdown"]
    assert set(breakdown) == {"base", "needed", "lines"}
    finding_codes = codes(report)
    for line in breakdown["lines"]:
        assert set(line) == {"label", "points", "reason", "codes"}
        assert set(line["codes"]) <= finding_codes  # every point traces to a finding
    assert 0 <= report["score"] <= 100


def test_check_reads_stdin_with_a_dash():
    from_stdin = check_json("-", input=BOTH + "\n")
    from_arg = check_json(BOTH)
    assert codes(from_stdin) == codes(from_arg)
    assert from_stdin["score"] == from_arg["score"]


def test_check_stdin_that_is_not_utf8_is_a_clear_error():
    result = amends_cli("check", "-", input=b"Calm \xff down.")
    assert result.exit_code == 2
    assert "stdin is not valid UTF-8 (byte 0xff at offset 5)" in result.stderr


def test_check_ignores_a_byte_order_mark_on_stdin():
    report = check_json("-", input="\ufeffCalm down.")
    assert "confrontational" in labels(report)
    assert all(f["match"] != "\ufeff" for f in report["findings"])


def test_check_prints_markup_in_the_reply_literally():
    text = "[red]Calm down[/red] [bold]now"
    result = amends_cli("check", text)
    assert result.exit_code == 0, result.output
    assert text in result.stdout


def test_check_customer_changes_the_situation():
    reply = "Thanks for getting in touch."
    alone = check_json(reply)
    answered = check_json(reply, "--customer", "You charged me twice for my subscription!")
    assert alone["breakdown"]["needed"] is False
    assert alone["quality"] is None
    assert alone["missing"] == []
    assert answered["breakdown"]["needed"] is True
    assert answered["situation"]["failure"] is True
    assert answered["quality"] is not None
    assert "apology" in answered["missing"]
    assert any(e["source"] == "customer" for e in answered["situation"]["evidence"])
    short = check_json(reply, "-c", "You charged me twice for my subscription!")
    assert short["situation"] == answered["situation"]


FIRST_CONTACT = (
    "@jane Sorry to hear your parcel hasn't arrived. Please DM us your order number and "
    "we'll look into it. ^AB"
)


def test_check_a_first_contact_lists_only_what_a_first_contact_owes():
    result = amends_cli("check", FIRST_CONTACT, "--customer", "my parcel never arrived")
    assert result.exit_code == 0, result.output
    assert "first contact" in result.stdout
    missing = result.stdout.split("\nmissing\n", 1)[1].split("\nscore breakdown", 1)[0]
    assert re.findall(r"^(N\d{3})\b", missing, re.M) == ["N107"]
    for absent in ("does not own the fault", "does not say why it happened"):
        assert absent not in result.stdout
    report = check_json(FIRST_CONTACT, "--customer", "my parcel never arrived")
    assert report["missing"] == ["follow_up"]
    assert report["situation"]["first_contact"] is True
    asked = [e for e in report["situation"]["evidence"] if e["signal"] == "first_contact"]
    assert [(e["source"], e["match"]) for e in asked] == [("reply", "DM us")]
    # without the request the same reply is measured against everything a full apology owes
    told = check_json(FIRST_CONTACT.split(" Please")[0], "--customer", "my parcel never arrived")
    assert told["situation"]["first_contact"] is False
    assert {"responsibility", "explanation", "remedy", "follow_up"} <= set(told["missing"])


def test_check_empty_reply_is_a_usage_error():
    result = amends_cli("check", "   ")
    assert result.exit_code == 2
    assert "the reply is empty" in result.stderr


def test_check_oversized_reply_is_a_clear_error():
    result = amends_cli("check", "-", input="a" * (amends.analyzer.MAX_CHARS + 1))
    assert result.exit_code == 2
    assert "characters" in result.stderr and "1,000,000" in result.stderr
    assert "Traceback" not in result.output


# -- rule selection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector", ["M1", "m1", "M101", "sorry-for-any-inconvenience", "vague_apology", "M1,M9"]
)
def test_ignore_by_prefix_code_name_or_label_drops_the_finding(selector):
    everything = check_json(BOTH)
    assert "M101" in codes(everything)
    report = check_json(BOTH, "--ignore", selector)
    assert "vague_apology" not in labels(report)
    assert not any(f["label"] == "vague_apology" for f in report["findings"])
    assert "confrontational" in labels(report)  # the rest still runs
    assert "apology" in labels(report)


def test_select_a_label_runs_only_its_rules():
    report = check_json(BOTH, "--select", "apology")
    assert labels(report) == {"apology"}
    assert {f["label"] for f in report["findings"]} <= {"apology"}


def test_select_a_prefix_and_repeat_options():
    report = check_json(BOTH, "--select", "M6", "--select", "C1")
    assert labels(report) == {"confrontational", "apology"}


def test_the_most_specific_selector_wins():
    report = check_json(BOTH, "--select", "M", "--ignore", "M1")
    assert labels(report) == {"confrontational"}
    report = check_json(BOTH, "--ignore", "M", "--select", "M101", "--select", "C")
    assert "vague_apology" in labels(report)
    assert "confrontational" not in labels(report)


@pytest.mark.parametrize("command", ["check", "rules", "analyze", "eval"])
@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_an_unknown_selector_is_a_clear_error(command, option, tmp_path):
    args = {"check": [RUDE], "rules": [], "analyze": ["-"], "eval": [str(tmp_path / "g.jsonl")]}
    (tmp_path / "g.jsonl").write_text('{"reply": "Calm down."}\n', encoding="utf-8")
    result = amends_cli(command, *args[command], option, "X999", input="")
    assert result.exit_code == 2
    assert "no rule matches 'X999'" in result.stderr
    assert "amends rules" in result.stderr


def test_an_unknown_name_among_known_selectors_is_named():
    result = amends_cli("check", RUDE, "--ignore", "M1,not-a-rule")
    assert result.exit_code == 2
    assert "'not-a-rule'" in result.stderr
    assert "'M1'" not in result.stderr


# -- rules -----------------------------------------------------------------------------------


def test_rules_json_lists_every_rule():
    result = amends_cli("rules", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    listed = shown["rules"]
    assert [r["code"] for r in listed] == [r.code for r in ALL_RULES]
    model = shown["model"]
    assert len(model["version"]) == 12 and len(model["data_hash"]) == 64
    assert set(model["labels"]) <= set(LABELS)
    for entry in listed:
        assert {"code", "name", "label", "kind", "severity"} <= set(entry)
        assert entry["label"] in LABELS
        assert entry["kind"] in {"component", "mistake", "missing"}
        assert entry["severity"] in {"info", "warning", "error"}
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry["name"])
    assert len({r["code"] for r in listed}) == len(listed)
    assert len({r["name"] for r in listed}) == len(listed)


@pytest.mark.parametrize("columns", ["80", "200"])
def test_rules_text_lists_code_name_label_and_severity_of_every_rule(columns):
    result = amends_cli("rules", env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for rule in ALL_RULES:
        line = next((x for x in lines if x.split()[:1] == [rule.code]), None)
        assert line is not None, f"{rule.code} not listed"
        assert line.split()[1:] == [rule.name, rule.label, rule.kind, rule.severity], line
    assert f"{len(ALL_RULES)} rules" in result.stdout


def test_rules_honours_select_and_ignore():
    result = amends_cli("rules", "--format", "json", "--select", "M", "--ignore", "M1")
    listed = [r["code"] for r in json.loads(result.stdout)["rules"]]
    assert listed and all(c.startswith("M") for c in listed)
    assert not any(c.startswith("M1") for c in listed)


# -- explain ---------------------------------------------------------------------------------


def rule(code: str):
    return next(r for r in ALL_RULES if r.code == code)


@pytest.mark.parametrize("key", ["M601", "m601", "condescending"])
def test_explain_by_code_or_name(key):
    result = amends_cli("explain", key)
    assert result.exit_code == 0, result.output
    out = result.stdout
    r = rule("M601")
    assert out.startswith(f"{r.code} {r.name}")
    assert f"label: {r.label}" in out
    for heading in ("What it finds", "Why it matters", "Example", "What to write instead"):
        assert heading in out
    assert r.why.split()[0] in out
    assert r.examples_fail[0].text in out
    assert r.examples_pass[0].text in out
    assert r.suggest[0] in out
    assert "{match}" not in out


def test_explain_a_label_picks_one_of_its_rules():
    result = amends_cli("explain", "vague_apology")
    assert result.exit_code == 0, result.output
    assert "label: vague_apology" in result.stdout


@pytest.mark.parametrize("r", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_explain_works_for_every_rule(r):
    result = amends_cli("explain", r.code)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{r.code} {r.name}")
    assert "Why it matters" in result.stdout


@pytest.mark.parametrize("key", ["nope", "M999", "X1", ""])
def test_explain_an_unknown_rule_fails_clearly(key):
    result = amends_cli("explain", key)
    assert result.exit_code == 2
    assert f"no rule {key!r}" in result.stderr
    assert "amends rules" in result.stderr
    assert result.stdout == ""


# -- demo ------------------------------------------------------------------------------------


def test_demo_analyses_the_bundled_sample_and_summarises():
    sample = Path(str(amends.cli.sample_path()))
    rows = [json.loads(x) for x in sample.read_text(encoding="utf-8").splitlines() if x.strip()]
    result = amends_cli("demo")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "summary" in out
    assert re.search(rf"replies\s+{len(rows)} analysed", out)
    assert re.search(r"mean score\s+\d+\.\d over \d+ replies \(\d+ needed no apology\)", out)
    assert re.search(r"quality\s+1: \d+\s+2: \d+", out)
    assert rows[0]["id"] in out
    assert rows[0]["text"][:20] in out
    assert f"sample: {sample}" in out


def test_demo_limit_shows_the_rest_one_line_each():
    result = amends_cli("demo", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert re.search(r"\(showing 2 of \d+; one line each for the rest\)", result.stdout)
    rest = re.findall(r"^(s\d+): score (?:\d+|n/a), quality [^:]+: ", result.stdout, re.M)
    assert rest and rest[0] == "s03"


# -- version and help ------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["version"], ["--version"], ["--version", "check"]])
def test_version(args):
    result = amends_cli(*args)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"amends {amends.__version__} (analyze schema_version 1)"


def test_version_option_is_in_the_main_help():
    result = amends_cli("--help")
    assert result.exit_code == 0
    assert "--version" in result.stdout


def commands() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_every_command_is_listed_in_the_main_help():
    result = amends_cli("--help")
    assert result.exit_code == 0
    assert "Check, score and coach" in result.stdout
    for name in commands():
        assert name in result.stdout
    assert {"check", "analyze", "rules", "explain", "eval", "demo", "version"} <= set(commands())


@pytest.mark.parametrize("name", commands())
def test_every_command_and_option_has_help(name):
    command = typer.main.get_command(app).commands[name]
    assert command.help and command.help.strip(), f"`amends {name}` has no help text"
    for param in command.params:
        assert getattr(param, "help", None), f"`amends {name}` {param.name} has no help text"
    result = amends_cli(name, "--help")
    assert result.exit_code == 0
    assert command.help.strip().splitlines()[0][:40] in " ".join(result.stdout.split())


# -- the installed console script ------------------------------------------------------------


def test_console_script_check_json_from_stdin():
    proc = subprocess.run(
        [str(installed_script()), "check", "-", "--format", "json"],
        input=BOTH,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert {"vague_apology", "confrontational"} <= set(report["labels"])
    for f in report["findings"]:
        if f["start"] is not None:
            assert BOTH[f["start"] : f["end"]] == f["match"]


def test_console_script_analyze_exit_status_and_version():
    rows = '{"id": 1, "text": "Calm down."}\nnot json\n{"id": 3, "text": "Sorry."}\n'
    script = str(installed_script())
    proc = subprocess.run(
        [script, "analyze", "-"],
        input=rows,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, None, 3]
    assert out[1]["line"] == 2 and "not valid JSON" in out[1]["error"]
    assert "1 row(s) rejected" in proc.stderr
    for args in (["version"], ["--version"]):
        version = subprocess.run(
            [script, *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert version.returncode == 0
        assert version.stdout.startswith(f"amends {amends.__version__}")


def test_console_script_unknown_rule_exit_code():
    proc = subprocess.run(
        [str(installed_script()), "explain", "no-such-rule"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "no rule 'no-such-rule'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_console_script_check_rejects_undecodable_stdin():
    proc = subprocess.run(
        [str(installed_script()), "check", "-", "--format", "json"],
        input=b"Calm \xff down.",
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert b"not valid UTF-8" in proc.stderr
    assert proc.stdout == b""


# -- big replies -----------------------------------------------------------------------------

MANY = ("Sorry for any inconvenience — “calm down”, it won't happen again. " * 400).strip()


def test_check_json_written_a_finding_at_a_time_is_the_report_exactly():
    result = amends_cli("check", MANY, "--customer", "Été: 3 hours on hold!", "--format", "json")
    assert result.exit_code == 0, result.output
    report = amends.analyze(MANY, "Été: 3 hours on hold!")
    assert len(report.findings) > 1000
    expected = json.dumps(report.to_dict(detail=True), ensure_ascii=False, indent=2) + "\n"
    assert result.stdout == expected


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_analyze_json_written_a_finding_at_a_time_is_the_report_exactly(fmt):
    rows = [{"id": {"findings": []}, "text": MANY}, {"id": 2, "text": "Thanks!"}]
    result = amends_cli("analyze", "-", "--format", fmt, input=jsonl_text(rows))
    assert result.exit_code == 0, result.output
    expected = [amends.analyze(r["text"]).to_dict(id=r["id"]) for r in rows]
    if fmt == "json":
        assert json.loads(result.stdout) == expected
    else:
        assert result.stdout == "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in expected)


def jsonl_text(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_check_text_on_a_big_reply_lists_every_finding_once():
    result = amends_cli("check", MANY)
    assert result.exit_code == 0, result.output
    report = amends.analyze(MANY)
    spans = [f for f in report.findings if f.start is not None]
    rows = [x for x in result.stdout.splitlines() if re.match(r"[CM]\d{3}  ", x)]
    assert [x.split()[0] for x in rows] == [f.code for f in spans]


@pytest.mark.parametrize("columns", ["60", "80", "120"])
def test_check_text_fits_the_terminal_width_below_the_reply(columns):
    result = amends_cli(
        "check", BOTH, "--customer", "On hold for 55 minutes!", env={"COLUMNS": columns}
    )
    assert result.exit_code == 0, result.output
    below = result.stdout.split("\n\n", 1)[1]
    assert "score breakdown" in below
    for line in below.splitlines():
        assert len(line) <= int(columns), line


def test_check_text_says_the_same_in_colour_and_plain():
    coloured = runner.invoke(
        app, ["check", BOTH], env={"FORCE_COLOR": "1", "NO_COLOR": None, "COLUMNS": "100"}
    )
    plain = amends_cli("check", BOTH, env={"COLUMNS": "100"})
    assert "\x1b[" in coloured.stdout and "\x1b[" not in plain.stdout
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.stdout) == plain.stdout
