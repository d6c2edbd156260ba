"""Configuration: ``[tool.amends]`` in pyproject.toml and ``amends.toml``, found from the working
directory upwards or named with ``--config``, extended by ``--select``/``--ignore``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import amends
from amends import Config
from amends.cli import app
from amends.config import ConfigError, find_config, load_config

BOTH = "Sorry for any inconvenience. Calm down."
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "FORCE_COLOR": None}

runner = CliRunner()


def check_labels(*args: str) -> set[str]:
    result = runner.invoke(app, ["check", BOTH, "--format", "json", *args], env=PLAIN)
    assert result.exit_code == 0, result.output
    return set(json.loads(result.stdout)["labels"])


def check_error(*args: str) -> str:
    result = runner.invoke(app, ["check", BOTH, *args], env=PLAIN)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.stderr


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """An empty working directory with no configuration above it that we did not write."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    found, _ = find_config(root)
    if found is not None:
        pytest.skip(f"a configuration above the temporary folder interferes: {found}")
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- finding the file ------------------------------------------------------------------------


def test_no_configuration_runs_every_rule(project):
    assert {"apology", "vague_apology", "confrontational"} <= check_labels()
    assert load_config() == Config()


def test_pyproject_tool_amends(project):
    write(project / "pyproject.toml", '[project]\nname = "x"\n\n[tool.amends]\nignore = ["M1"]\n')
    labels = check_labels()
    assert "vague_apology" not in labels
    assert {"apology", "confrontational"} <= labels


def test_amends_toml_top_level_keys(project):
    write(project / "amends.toml", 'select = ["confrontational"]\n')
    assert check_labels() == {"confrontational"}


def test_select_and_ignore_together(project):
    write(project / "amends.toml", 'select = ["M"]\nignore = ["condescending"]\n')
    assert check_labels() == {"vague_apology"}


def test_a_single_string_is_accepted_as_a_list(project):
    write(project / "amends.toml", 'ignore = "M6"\n')
    assert "confrontational" not in check_labels()


def test_the_nearest_file_wins(project, monkeypatch):
    write(project / "amends.toml", 'ignore = ["M6"]\n')
    inner = project / "app" / "src"
    write(project / "app" / "pyproject.toml", '[tool.amends]\nignore = ["M1"]\n')
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    labels = check_labels()
    assert "vague_apology" not in labels
    assert "confrontational" in labels  # the outer file is not merged in


def test_a_pyproject_without_tool_amends_does_not_stop_the_search(project, monkeypatch):
    write(project / "amends.toml", 'ignore = ["M6"]\n')
    write(project / "app" / "pyproject.toml", '[project]\nname = "app"\n')
    monkeypatch.chdir(project / "app")
    assert "confrontational" not in check_labels()
    assert find_config()[0] == project / "amends.toml"


def test_amends_toml_beats_pyproject_in_the_same_folder(project):
    write(project / "amends.toml", 'ignore = ["M6"]\n')
    write(project / "pyproject.toml", '[tool.amends]\nignore = ["M1"]\n')
    labels = check_labels()
    assert "confrontational" not in labels
    assert "vague_apology" in labels


def test_config_path_option_replaces_discovery(project, tmp_path):
    write(project / "amends.toml", 'ignore = ["M1"]\n')
    other = write(tmp_path / "elsewhere" / "strict.toml", 'ignore = ["M6"]\n')
    labels = check_labels("--config", str(other))
    assert "confrontational" not in labels
    assert "vague_apology" in labels


def test_config_path_option_reads_a_pyproject(project, tmp_path):
    other = write(tmp_path / "elsewhere" / "pyproject.toml", '[tool.amends]\nselect = ["M6"]\n')
    assert check_labels("--config", str(other)) == {"confrontational"}


def test_config_applies_to_analyze_and_rules(project):
    write(project / "amends.toml", 'ignore = ["M1"]\n')
    listed = runner.invoke(app, ["rules", "--format", "json"], env=PLAIN)
    assert listed.exit_code == 0
    assert not any(r["code"].startswith("M1") for r in json.loads(listed.stdout)["rules"])
    batch = runner.invoke(app, ["analyze", "-"], input=json.dumps({"text": BOTH}) + "\n")
    assert batch.exit_code == 0, batch.output
    assert "vague_apology" not in json.loads(batch.stdout)["labels"]


# -- the command line extends the file -------------------------------------------------------


def test_cli_ignore_extends_the_files_ignore(project):
    write(project / "amends.toml", 'ignore = ["M1"]\n')
    labels = check_labels("--ignore", "M6")
    assert not labels & {"vague_apology", "confrontational"}
    assert "apology" in labels


def test_cli_select_extends_the_files_select(project):
    write(project / "amends.toml", 'select = ["M6"]\n')
    assert check_labels("--select", "C1") == {"confrontational", "apology"}


def test_load_config_merges_and_splits_commas(project):
    write(project / "amends.toml", 'select = ["M"]\nignore = ["M1"]\n')
    cfg = load_config(select=["C1, C2"], ignore=["M6,", "sorry-if"])
    assert cfg == Config(select=("M", "C1", "C2"), ignore=("M1", "M6", "sorry-if"))


# -- errors ----------------------------------------------------------------------------------


def test_invalid_toml_names_the_file_and_position(project):
    path = write(project / "amends.toml", 'ignore = ["M1"]\nselect = ["M6" "C1"]\n')
    err = check_error()
    assert str(path) in err
    assert "not valid TOML" in err
    assert "line 2" in err


def test_invalid_toml_in_pyproject(project):
    write(project / "pyproject.toml", "[tool.amends\nignore = []\n")
    assert "pyproject.toml: not valid TOML" in check_error()


def test_unknown_keys_are_named(project):
    write(project / "pyproject.toml", '[tool.amends]\nignore = ["M1"]\nlinelength = 3\nfoo = 1\n')
    err = check_error()
    assert "pyproject.toml: unknown key(s) foo, linelength" in err
    assert "select, ignore" in err


@pytest.mark.parametrize(
    "body",
    ["ignore = 5\n", 'ignore = ["M1", 3]\n', "ignore = {code = 'M1'}\n", "select = true\n"],
)
def test_wrong_types_are_specific(project, body):
    write(project / "amends.toml", body)
    err = check_error()
    key = body.split()[0]
    assert f"amends.toml: {key} must be a list" in err


@pytest.mark.parametrize(
    "body", ["[tool]\namends = 5\n", "tool = 5\n", '[tool]\namends = "M1"\n', "tool = [1]\n"]
)
def test_a_tool_amends_that_is_not_a_table_is_specific(project, body):
    write(project / "pyproject.toml", body)
    err = check_error()
    assert "pyproject.toml" in err
    assert "table" in err


def test_a_config_file_that_is_not_utf8(project):
    (project / "amends.toml").write_bytes(b'ignore = ["M\xff1"]\n')
    err = check_error()
    assert "amends.toml" in err
    assert "UTF-8" in err


def test_unknown_selector_in_the_file(project):
    write(project / "amends.toml", 'ignore = ["M1", "no-such-rule"]\n')
    err = check_error()
    assert "no rule matches 'no-such-rule'" in err


def test_missing_config_path(project):
    err = check_error("--config", str(project / "nope.toml"))
    assert "nope.toml: no such configuration file" in err


def test_config_path_that_is_a_folder(project):
    err = check_error("--config", str(project))
    assert "no such configuration file" in err


def test_load_config_raises_config_error(project):
    path = write(project / "amends.toml", "select = 1\n")
    with pytest.raises(ConfigError, match="select must be a list"):
        load_config(path)
    assert issubclass(ConfigError, ValueError)


# -- the library -----------------------------------------------------------------------------


def test_library_config_ignore():
    everything = amends.analyze(BOTH)
    assert "M101" in {f.code for f in everything.findings}
    report = amends.analyze(BOTH, config=Config(ignore=("M101",)))
    assert "M101" not in {f.code for f in report.findings}
    assert "vague_apology" not in report.labels
    assert "confrontational" in report.labels


def test_library_config_select_by_label_and_name():
    assert amends.analyze(BOTH, config=Config(select=("confrontational",))).labels == (
        "confrontational",
    )
    named = amends.analyze(BOTH, config=Config(select=("sorry-for-any-inconvenience",)))
    assert named.labels == ("vague_apology",)


def test_library_analyze_ignores_config_files_in_the_working_directory(project):
    """Analysing a string is pure: a config file only matters to the command line."""
    write(project / "amends.toml", 'select = ["C1"]\n')
    assert {"vague_apology", "confrontational"} <= set(amends.analyze(BOTH).labels)


def test_library_load_config_then_analyze(project):
    write(project / "amends.toml", 'ignore = ["vague_apology"]\n')
    report = amends.analyze(BOTH, config=load_config())
    assert "vague_apology" not in report.labels


# -- the learned layer on or off ---------------------------------------------------------------

# No rule fires on this reply; the learned layer reads it as a promise nobody can check.
MODELLED = "Leave it with us and we'll get this sorted for you today."
WAITING = "My refund still hasn't arrived."


def check_report(*args: str) -> dict:
    result = runner.invoke(
        app, ["check", MODELLED, "-c", WAITING, "--format", "json", *args], env=PLAIN
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_learned_layer_runs_by_default_and_says_so(project):
    report = check_report()
    assert report["model"] is not None and len(report["model"]["version"]) == 12
    assert load_config() == Config(model=True)


def test_no_model_runs_the_rules_alone(project):
    on, off = check_report(), check_report("--no-model")
    assert off["model"] is None
    assert not any(f["code"].startswith("X") for f in off["findings"])
    # whatever the layer added is gone, and nothing else changed
    rules_on = [f for f in on["findings"] if not f["code"].startswith("X")]
    assert {f["code"] for f in rules_on} >= {
        f["code"] for f in off["findings"] if f["kind"] != "missing"
    }


def test_model_false_in_the_file_and_the_option_overrides_it(project):
    write(project / "amends.toml", "model = false\n")
    assert load_config() == Config(model=False)
    assert check_report()["model"] is None
    assert check_report("--model")["model"] is not None


def test_model_must_be_a_boolean(project):
    write(project / "amends.toml", 'model = "off"\n')
    assert "model must be true or false" in check_error()
