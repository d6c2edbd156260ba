"""Start-up: what is kept between runs gives the answers working them out gives, the bounded
memo stays bounded, and checking a reply does not import what only other commands need."""

from __future__ import annotations

import json
import subprocess
import sys

import amends
from amends import get_analyzer, prefilter
from amends.caches import Memo, StoredMemo


def test_a_memo_works_an_answer_out_once_and_stays_bounded():
    calls: list[int] = []
    memo: Memo[int, int] = Memo(lambda k: calls.append(k) or k * 2, limit=3)
    assert [memo[1], memo[1], memo[2]] == [2, 2, 4]
    assert calls == [1, 2]
    for k in range(10):
        memo[k]
    assert len(memo) <= 3


def _stored(tmp_path, monkeypatch, make):
    monkeypatch.setenv("AMENDS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("AMENDS_NO_CACHE", raising=False)
    return StoredMemo("probe", make, list, tuple, lambda: "v1")


def test_a_stored_memo_is_read_back_by_the_next_process(tmp_path, monkeypatch):
    first = _stored(tmp_path, monkeypatch, lambda key: (key, len(key)))
    assert first["abc"] == ("abc", 3)
    first.save()
    assert json.loads((tmp_path / "probe-v1.json").read_text()) == {"abc": ["abc", 3]}
    second = _stored(tmp_path, monkeypatch, lambda key: (_ for _ in ()).throw(AssertionError))
    assert second["abc"] == ("abc", 3)  # read, not worked out


def test_a_damaged_or_unwritable_cache_only_means_working_it_out_again(tmp_path, monkeypatch):
    (tmp_path / "probe-v1.json").write_text("{not json", encoding="utf-8")
    memo = _stored(tmp_path, monkeypatch, lambda key: (key,))
    assert memo["x"] == ("x",)
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("AMENDS_CACHE_DIR", str(blocked / "below-a-file"))
    memo.save()  # cannot write: no error
    monkeypatch.setenv("AMENDS_NO_CACHE", "1")
    assert memo.path() is None


def test_pattern_facts_read_from_the_cache_equal_facts_worked_out():
    for rule in get_analyzer().all_rules:
        for source in (*rule.sources, *rule.exception_sources):
            facts = prefilter.pattern_facts(source)
            stored = prefilter._decode_facts(json.loads(json.dumps(prefilter._encode_facts(facts))))
            assert stored == facts == prefilter._work_out_facts(source), source


def test_the_cache_file_name_changes_with_the_code_that_fills_it(monkeypatch):
    stamp = prefilter._facts_stamp()
    monkeypatch.setattr(prefilter, "__file__", amends.__file__)
    assert prefilter._facts_stamp() != stamp


def test_checking_a_reply_imports_neither_the_agent_modules_nor_rich():
    code = (
        "import sys; from amends.cli import app; from amends import analyze; "
        "analyze('Sorry for the wait.'); "
        "print(sorted(m for m in sys.modules if m.startswith(('rich', 'amends.advise', "
        "'amends.coach', 'amends.compose', 'amends.llm'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_the_package_names_the_functions_even_after_their_modules_are_imported():
    import amends.advise
    import amends.coach
    import amends.compose

    assert callable(amends.advise) and amends.advise.__name__ == "advise"
    assert callable(amends.coach) and amends.compose.__name__ == "compose"
    from amends import Advice, Case, Coaching, Draft, Edit, Incident

    assert {c.__name__ for c in (Advice, Case, Coaching, Draft, Edit, Incident)} == {
        "Advice",
        "Case",
        "Coaching",
        "Draft",
        "Edit",
        "Incident",
    }
    assert set(amends.__all__) <= set(dir(amends))
