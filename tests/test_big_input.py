"""A megabyte of replies through the command line stays within bounds a user can live with: peak
memory under 150 MB and no quadratic time, in every output format of ``analyze`` and ``check``.

Each command runs in a child of a small Python process that reports its children's peak
resident memory, so earlier tests cannot inflate (or hide) the figure."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import amends.cli
from amends.analyzer import MAX_CHARS

LIMIT_MB = 150
# Generous against a busy machine: a megabyte takes a few seconds; quadratic work took minutes.
LIMIT_SECONDS = 40

_MEASURE = """
import resource, subprocess, sys
with open(sys.argv[1], "rb") as source, open(sys.argv[2], "wb") as out:
    code = subprocess.run(sys.argv[3:], stdin=source, stdout=out, check=False).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _sample_megabyte() -> str:
    sample = Path(str(amends.cli.sample_path())).read_text(encoding="utf-8")
    unit = "\n".join(json.loads(line)["text"] for line in sample.splitlines() if line.strip())
    return ((unit + "\n") * (MAX_CHARS // len(unit) + 1))[:MAX_CHARS]


TEXTS = {
    "sample replies": _sample_megabyte,
    # every "u" is a spelling the normaliser maps: half a million stretches in the offset map
    "chat spelling": lambda: ("u " * (MAX_CHARS // 2))[:MAX_CHARS],
}
COMMANDS = {
    "analyze jsonl": ["analyze", "-", "--format", "jsonl"],
    "analyze json": ["analyze", "-", "--format", "json"],
    "analyze text": ["analyze", "-", "--format", "text"],
    "check text": ["check", "-"],
    "check json": ["check", "-", "--format", "json"],
}


def _script() -> Path:
    script = Path(sys.executable).parent / "amends"
    if not script.exists():
        pytest.skip("the amends console script is not installed next to this Python")
    return script


# the offset map is the same whatever the format: one format is enough for chat spelling
CASES = [("sample replies", command) for command in COMMANDS] + [("chat spelling", "analyze jsonl")]


@pytest.mark.parametrize(("text", "command"), CASES)
def test_a_megabyte_stays_under_150_mb(tmp_path, text, command):
    args = COMMANDS[command]
    reply = TEXTS[text]()
    source = tmp_path / "in"
    if args[0] == "analyze":
        source.write_text(json.dumps({"id": 1, "text": reply}) + "\n", encoding="utf-8")
    else:
        source.write_text(reply, encoding="utf-8")
    out = tmp_path / "out"
    started = time.perf_counter()
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(source), str(out), str(_script()), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
    )
    seconds = time.perf_counter() - started
    code, peak_kb = map(int, measured.stdout.split())
    assert code == 0, measured.stderr
    assert out.stat().st_size > 0
    assert peak_kb / 1024 < LIMIT_MB, f"{command} on {text}: peak {peak_kb / 1024:.0f} MB"
    assert seconds < LIMIT_SECONDS, f"{command} on {text}: {seconds:.1f} s"
