"""The plain-``re`` path gives the reports of the fast path (``fastsearch.FAST``).

The fast path reads the standard library's private regex internals; when they are not what
``fastsearch`` expects, or when ``AMENDS_PLAIN_RE=1`` is set, patterns are compiled with plain
``re``, every pattern runs on every text and nothing is narrowed or gated. The choice is made
when ``amends`` is imported, so the other path runs in a child process: it analyses every rule
example, every hard case and (when present) the dev set, and its detailed reports must equal
this process's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from amends import fastsearch, get_analyzer

HERE = Path(__file__).parent
DEV = HERE.parent.parent / "shared" / "data" / "dev_gold.jsonl"

# Run in the child: prints whether it took the fast path, then one detailed report per input.
CHILD = """
import json, sys
from amends import fastsearch, get_analyzer
analyzer = get_analyzer()
print(json.dumps(fastsearch.FAST))
for line in sys.stdin:
    text, customer = json.loads(line)
    print(json.dumps(analyzer.analyze(text, customer).to_dict(detail=True), sort_keys=True))
"""


def _inputs() -> list[tuple[str, str | None]]:
    rules = get_analyzer().all_rules
    found = [(e.text, e.customer) for r in rules for e in (*r.examples_fail, *r.examples_pass)]
    for line in (HERE / "data" / "hard_cases.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found += [(row["reply"], row.get("customer") or None), (row["reply"], None)]
    if DEV.is_file():
        for line in DEV.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            found += [(row["reply"], row.get("customer") or None), (row["reply"], None)]
    return found


def _reports_in_child(inputs: list[tuple[str, str | None]], plain: bool) -> tuple[bool, list]:
    env = {k: v for k, v in os.environ.items() if k != "AMENDS_PLAIN_RE"}
    if plain:
        env["AMENDS_PLAIN_RE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        input="".join(json.dumps(pair) + "\n" for pair in inputs),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    lines = done.stdout.splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def test_the_other_path_gives_the_same_reports():
    inputs = _inputs()
    # every rule example and hard case with and without its customer; the dev set's when present
    assert len(inputs) > (1000 if DEV.is_file() else 700)
    # This process takes the fast path unless forced or unable; the child takes the other one.
    child_fast, child = _reports_in_child(inputs, plain=fastsearch.FAST)
    if child_fast == fastsearch.FAST:
        pytest.skip("this Python's regex internals allow only the plain path")
    analyzer = get_analyzer()
    here = [analyzer.analyze(text, customer).to_dict(detail=True) for text, customer in inputs]
    assert len(child) == len(here)
    differing = [i for i, (a, b) in enumerate(zip(here, child, strict=True)) if a != b]
    assert not differing, f"{len(differing)} reports differ, e.g. {inputs[differing[0]]!r}"


def test_the_environment_variable_forces_the_plain_path():
    child_fast, _ = _reports_in_child([("Sorry.", None)], plain=True)
    assert child_fast is False


def test_unknown_internals_are_refused():
    """Missing names, another bytecode version or another tree shape: not the fast path."""
    import _sre
    from re import _compiler, _constants, _parser

    assert fastsearch.layout_is_known(_sre, _compiler, _constants, _parser)
    no_charset = SimpleNamespace(
        **{k: getattr(_compiler, k) for k in dir(_compiler) if k != "_compile_charset"}
    )
    assert not fastsearch.layout_is_known(_sre, no_charset, _constants, _parser)
    other_magic = SimpleNamespace(
        **{k: getattr(_constants, k) for k in dir(_constants) if not k.startswith("__")}
    )
    other_magic.MAGIC = _constants.MAGIC + 1
    assert not fastsearch.layout_is_known(_sre, _compiler, other_magic, _parser)

    def parse_flat(pattern, flags=0):  # a parser whose trees have another shape
        return [(op, av) for op, av in _parser.parse(pattern, flags)][1:]

    other_tree = SimpleNamespace(
        SubPattern=_parser.SubPattern, State=_parser.State, parse=parse_flat
    )
    assert not fastsearch.layout_is_known(_sre, _compiler, _constants, other_tree)
    assert not fastsearch.layout_is_known(None, None, None, None)


def test_where_the_layout_is_known_the_probe_passes():
    """Known internals that fail the probe would be a bug in the fast path itself."""
    if not fastsearch._LAYOUT:
        pytest.skip("this Python's regex internals are not the known ones")
    assert fastsearch._probe()
