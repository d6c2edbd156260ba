"""The README's examples are the program's real output: its `amends check` example is run and
every line it shows must appear in the output, in order (a line of `…` stands for lines left
out), so the README cannot drift from what users see."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amends.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"
ELLIPSIS = "…"


def console_examples(command: str) -> list[tuple[list[str], list[str]]]:
    """Each ```console example in the README that runs ``amends <command>``: its arguments and
    the output lines shown under it."""
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        if not lines or not lines[0].startswith(f"$ amends {command} "):
            continue
        typed = lines[0][2:]
        i = 1
        while typed.endswith("\\"):
            typed = typed[:-1] + lines[i].strip()
            i += 1
        found.append((shlex.split(typed)[1:], lines[i:]))
    return found


def pieces(shown: list[str]) -> list[list[str]]:
    """The shown lines in runs that must appear whole, split where the README leaves lines out."""
    runs: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == ELLIPSIS:
            runs.append([])
        else:
            runs[-1].append(line.rstrip())
    return [run for run in runs if run]


def test_the_readme_has_a_check_example():
    assert console_examples("check"), "README.md lost its `amends check` example"


@pytest.mark.parametrize(
    ("args", "shown"), console_examples("check"), ids=lambda x: " ".join(x)[:40]
)
def test_the_readme_check_example_is_the_real_output(args, shown):
    result = CliRunner().invoke(
        app, args, env={"COLUMNS": "100", "NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}
    )
    assert result.exit_code == 0, result.output
    output = [line.rstrip() for line in result.stdout.splitlines()]
    at = 0
    for run in pieces(shown):
        where = next(
            (i for i in range(at, len(output) - len(run) + 1) if output[i : i + len(run)] == run),
            None,
        )
        assert where is not None, (
            "README.md shows lines `amends "
            + " ".join(args)[:40]
            + "…` no longer prints (or not in this order):\n"
            + "\n".join(run)
            + "\n\nThe output is:\n"
            + "\n".join(output)
        )
        at = where + len(run)


def shows(output: list[str], shown: list[str]) -> bool:
    """Whether every run of ``shown`` appears whole in ``output``, in order."""
    at = 0
    for run in pieces(shown):
        where = next(
            (i for i in range(at, len(output) - len(run) + 1) if output[i : i + len(run)] == run),
            None,
        )
        if where is None:
            return False
        at = where + len(run)
    return True


def test_the_readme_import_examples_are_the_real_output(tmp_path, monkeypatch):
    examples = console_examples("import")
    assert len(examples) >= 2, "README.md lost its `amends import` examples"
    # in an empty folder holding the fixtures, so the default amends.db is a new file there
    shutil.copytree(README.parent / "tests" / "data", tmp_path / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    for args, shown in examples:
        result = CliRunner().invoke(
            app, args, env={"COLUMNS": "200", "NO_COLOR": "1", "AMENDS_DATABASE_URL": None}
        )
        assert result.exit_code == 0, result.output
        output = [line.rstrip() for line in result.stdout.splitlines()]
        assert shows(output, shown), (
            f"README.md shows lines `amends {' '.join(args)}` no longer prints:\n"
            + "\n".join(shown)
            + "\n\nThe output is:\n"
            + "\n".join(output)
        )
    assert (tmp_path / "amends.db").is_file()


def test_the_readme_incident_and_recurrence_examples_are_the_real_output(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Incidents, failure categories and recurrence") :]
    setup = re.search(r"```sh\n(.*?)```", section, re.S)
    assert setup, "README.md lost the incident commands"
    shutil.copytree(README.parent / "tests" / "data", tmp_path / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    env = {"COLUMNS": "200", "NO_COLOR": "1", "AMENDS_DATABASE_URL": None}
    runner = CliRunner()
    assert runner.invoke(app, ["import", "tests/data/recurrence.jsonl"], env=env).exit_code == 0
    for line in setup.group(1).splitlines():
        result = runner.invoke(app, shlex.split(line)[1:], env=env)
        assert result.exit_code == 0, result.output
    examples = console_examples("incident") + console_examples("recurring")
    assert len(examples) == 2
    for args, shown in examples:
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        output = [line.rstrip() for line in result.stdout.splitlines()]
        assert shows(output, shown), "\n".join(output)


def test_the_readme_report_example_is_the_real_output(monkeypatch):
    examples = [(args, shown) for args, shown in console_examples("report") if shown]
    assert examples, "README.md lost its `amends report` example"
    monkeypatch.chdir(README.parent)
    for args, shown in examples:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        output = [line.rstrip() for line in result.stdout.splitlines()]
        assert shows(output, shown), (
            f"README.md shows lines `amends {' '.join(args)}` no longer prints:\n"
            + "\n".join(shown)
            + "\n\nThe output is:\n"
            + "\n".join(output)
        )


def test_the_readme_score_and_query_examples_are_the_real_output(tmp_path, monkeypatch):
    examples = console_examples("score") + console_examples("query")
    assert len(examples) >= 2, "README.md lost its `amends score` and `amends query` examples"
    shutil.copytree(README.parent / "tests" / "data", tmp_path / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    for args, shown in examples:  # score first: query reads what it wrote
        result = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        output = [line.rstrip() for line in result.stdout.splitlines()]
        assert shows(output, shown), (
            f"README.md shows lines `amends {' '.join(args)}` no longer prints:\n"
            + "\n".join(shown)
            + "\n\nThe output is:\n"
            + "\n".join(output)
        )
