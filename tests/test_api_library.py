"""``amends.analyze`` as a library user sees it: a pure, offline function from a reply (and the
customer's message) to a frozen ``Report`` whose offsets point into the original text."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest

import amends
from amends import COMPONENTS, LABELS, MISTAKES, Analyzer, Config, Report
from amends.analyzer import MAX_CHARS

PACKAGE = Path(amends.__file__).resolve().parent
GOOD = (
    "Hi Sam, sorry your parcel is three days late. It was held at our Leeds depot after a "
    "sorting fault on our side, and that's on us. I've sent it out on this morning's van, so it "
    "will reach you tomorrow before noon, and I've refunded your £4.99 delivery fee. I'll message "
    "you tomorrow at 1pm to make sure it arrived. Thanks for your patience."
)
CUSTOMER = "My parcel was due Monday and it's now Thursday. Tracking hasn't moved."


def assert_well_formed(report: Report, text: str) -> None:
    """The contract every report keeps, whatever the rules find."""
    assert report.text == text
    assert set(report.labels) <= set(LABELS)
    assert list(report.labels) == [x for x in LABELS if x in report.labels]  # taxonomy order
    assert set(report.missing) <= set(COMPONENTS)
    assert not set(report.missing) & set(report.labels)
    # no score and no quality exactly when nothing called for an apology
    assert (report.score is None) == (report.quality is None) == (not report.breakdown.needed)
    assert report.score is None or (isinstance(report.score, int) and 0 <= report.score <= 100)
    assert report.quality is None or report.quality in {1, 2, 3, 4, 5}
    assert report.situation.cause in {"ours", "outside", "customer", "unknown"}
    for f in report.findings:
        assert f.code and f.name and f.message
        if f.kind == "missing":
            assert f.start is None and f.end is None and f.match is None
            assert f.label in report.missing
        else:
            assert f.kind == ("component" if f.label in COMPONENTS else "mistake")
            assert f.start is not None and f.end is not None
            assert 0 <= f.start < f.end <= len(text)
            assert text[f.start : f.end] == f.match
            assert f.label in report.labels
    json.dumps(report.to_dict(detail=True))  # the wire form is plain JSON


# -- purity ----------------------------------------------------------------------------------


def test_same_input_gives_equal_reports():
    first = amends.analyze(GOOD, CUSTOMER)
    second = amends.analyze(GOOD, CUSTOMER)
    assert first == second
    assert first.to_dict(detail=True) == second.to_dict(detail=True)
    fresh = Analyzer().analyze(GOOD, CUSTOMER)
    assert fresh == first
    assert amends.analyze(GOOD, CUSTOMER, config=Config()) == first


def test_calls_do_not_influence_each_other():
    before = amends.analyze("Sorry for any inconvenience.")
    amends.analyze("Calm down. " * 50, "You charged me twice!")
    amends.analyze(GOOD, CUSTOMER, config=Config(ignore=("M",)))
    assert amends.analyze("Sorry for any inconvenience.") == before


class _Recorder:
    """Records file opens, directory listings and network or process use while active."""

    events: list[tuple[str, object]] | None = None
    WATCH = ("open", "os.listdir", "os.scandir", "socket.", "subprocess.", "urllib.", "os.system")

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if cls.events is not None and event.startswith(cls.WATCH):
            cls.events.append((event, args[0] if args else None))


sys.addaudithook(_Recorder.hook)


def test_analysis_touches_nothing_but_package_data():
    Analyzer().analyze(GOOD, CUSTOMER)  # warm up imports, which open files of their own
    _Recorder.events = []
    try:
        report = Analyzer().analyze(GOOD, CUSTOMER)
        amends.analyze("Sorry for any inconvenience.", "You charged me twice!")
        (PACKAGE / "__init__.py").read_bytes()  # proves the recorder is listening
    finally:
        events, _Recorder.events = _Recorder.events, None
    assert report.labels
    opened = [os.fsdecode(t) for e, t in events if e == "open" and not isinstance(t, int)]
    assert str(PACKAGE / "__init__.py") in opened
    for event, target in events:
        assert not event.startswith(("socket.", "subprocess.", "urllib.", "os.system")), event
        if isinstance(target, int):  # an already open descriptor
            continue
        path = Path(os.fsdecode(target)).resolve()
        assert path.is_relative_to(PACKAGE), f"{event} outside the package: {path}"


def test_analysis_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    expected = amends.analyze(GOOD, CUSTOMER)
    (tmp_path / "amends.toml").write_text('select = ["C1"]\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.amends]\nignore = ["C"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Analyzer().analyze(GOOD, CUSTOMER) == expected


# -- the result objects ----------------------------------------------------------------------


def test_results_are_frozen_dataclasses():
    report = amends.analyze("Sorry for any inconvenience. Calm down.", "You charged me twice!")
    finding = report.findings[0]
    objects = [report, finding, report.situation, report.breakdown, Config()]
    if report.breakdown.lines:
        objects.append(report.breakdown.lines[0])
    for obj in objects:
        assert dataclasses.is_dataclass(obj)
        field = dataclasses.fields(obj)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, field, None)
    assert isinstance(report.findings, tuple)
    assert isinstance(report.labels, tuple)
    assert isinstance(report.missing, tuple)
    assert isinstance(finding.suggestions, tuple)
    assert hash(Config(select=("M1",))) == hash(Config(select=("M1",)))


def test_report_fields_and_helpers():
    text = "Sorry for any inconvenience. Calm down."
    report = amends.analyze(text, "You charged me twice!")
    assert_well_formed(report, text)
    assert report.has("vague_apology") and report.has("confrontational")
    assert not report.has("compensation")
    assert {f.label for f in report.mistakes} >= {"vague_apology", "confrontational"}
    assert all(f.kind == "mistake" for f in report.mistakes)
    assert report.customer == "You charged me twice!"
    data = report.to_dict(id="r1")
    assert data["schema_version"] == amends.SCHEMA_VERSION == 1
    assert data["id"] == "r1"
    assert set(data) == {
        "schema_version",
        "id",
        "labels",
        "score",
        "quality",
        "unfinished",
        "slots",
        "findings",
        "missing",
        "situation",
    }


def test_findings_come_in_text_order_with_missing_ones_last():
    report = amends.analyze("Calm down. Sorry for any inconvenience.", "You charged me twice!")
    spans = [f for f in report.findings if f.start is not None]
    assert [f.start for f in spans] == sorted(f.start for f in spans)
    kinds = [f.kind == "missing" for f in report.findings]
    assert kinds == sorted(kinds)


def test_a_model_reply_scores_well_and_a_hollow_one_badly():
    good = amends.analyze(GOOD, CUSTOMER)
    hollow = amends.analyze("Sorry for any inconvenience. Calm down.", CUSTOMER)
    assert_well_formed(good, GOOD)
    assert {"apology", "responsibility", "remedy", "compensation"} <= set(good.labels)
    assert not set(good.labels) & set(MISTAKES)
    assert good.score > hollow.score
    assert good.quality is not None and hollow.quality is not None
    assert good.quality > hollow.quality


def test_a_reply_that_needed_no_apology_is_not_punished():
    report = amends.analyze("Thank you for contacting us.", "What are your opening hours?")
    assert report.quality is None
    assert report.missing == ()
    assert report.breakdown.needed is False


# -- clear-cut labels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Sorry for any inconvenience.", "vague_apology"),
        ("We apologise for any inconvenience this may have caused.", "vague_apology"),
        ("Calm down.", "confrontational"),
        ("I'm sorry if you feel that way.", "conditional_apology"),
        ("Thank you for your patience while we looked into this.", "gratitude"),
        ("I'm sorry we charged you twice.", "apology"),
    ],
)
def test_clear_cut_labels(text, label):
    report = amends.analyze(text)
    assert label in report.labels
    assert_well_formed(report, text)


# -- the text people actually write ----------------------------------------------------------

MESSY = [
    pytest.param("I’m sorry if you feel that way.", "conditional_apology", id="curly-apostrophe"),
    pytest.param("We’re sorry for any inconvenience.", "vague_apology", id="curly-we-re"),
    pytest.param("We&#39;re sorry for any inconvenience.", "vague_apology", id="entity-numeric"),
    pytest.param(
        "We&rsquo;re sorry for any inconvenience &amp; delay.", "vague_apology", id="entity-named"
    ),
    pytest.param("@AcmeHelp Calm down.", "confrontational", id="handle"),
    pytest.param("@116664 Sorry for any inconvenience. ^JS", "vague_apology", id="handle-sig"),
    pytest.param(
        "Sorry for any inconvenience, see https://acme.example/help?a=1&b=2 for more.",
        "vague_apology",
        id="url-after",
    ),
    pytest.param("🙏🙏 Sorry for any inconvenience 😞 Calm down.", "confrontational", id="emoji"),
    pytest.param("😞 Sorry for any inconvenience.", "vague_apology", id="emoji-before"),
    pytest.param("Sorry\u00a0for any inconvenience.", "vague_apology", id="nbsp"),
    pytest.param("Sorry for any\r\ninconvenience.\tCalm down.", "vague_apology", id="crlf-tab"),
    pytest.param("We apologise for any inconvenience.", "vague_apology", id="british"),
    pytest.param("We apologize for any inconvenience.", "vague_apology", id="american"),
    pytest.param("Apologies for any inconvenience.", "vague_apology", id="apologies"),
]


@pytest.mark.parametrize(("text", "label"), MESSY)
def test_messy_text_is_understood_and_offsets_slice_the_original(text, label):
    report = amends.analyze(text)
    assert label in report.labels
    assert_well_formed(report, text)


def test_offsets_count_code_points_not_bytes_or_utf16_units():
    text = "😞🙏 Désolé. Sorry for any inconvenience."
    (vague,) = [f for f in amends.analyze(text).findings if f.label == "vague_apology"]
    assert vague.start == text.index("Sorry")
    assert vague.end == text.index(".", vague.start)


def test_entities_are_not_decoded_in_the_reported_match():
    text = "We&#39;re sorry for any inconvenience &amp; the delay."
    report = amends.analyze(text)
    assert_well_formed(report, text)  # matches come from the original text, entities and all


def test_words_inside_a_url_are_not_findings():
    text = "Details are at https://example.com/sorry-for-any-inconvenience/calm-down today."
    report = amends.analyze(text)
    assert_well_formed(report, text)
    url_start, url_end = text.index("https"), text.index(" today")
    inside = [f for f in report.findings if f.start is not None and f.start < url_end]
    assert not [f for f in inside if f.end > url_start]


@pytest.mark.parametrize(
    ("british", "american"),
    [
        (
            "We apologise for the cancelled flight; I've refunded your fare.",
            "We apologize for the canceled flight; I've refunded your fare.",
        ),
        (
            "We realise this was not the experience you deserve.",
            "We realize this was not the experience you deserve.",
        ),
    ],
)
def test_british_and_american_spellings_read_the_same(british, american):
    assert amends.analyze(british).labels == amends.analyze(american).labels


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "🙏",
        "\u200b\u200d",
        "a" * 5000,
        "Sorry! " * 200,
        "e\u0301" * 50 + " sorry for any inconvenience",
        "\x00\x01 Calm down \ufffd",
        "<p>Sorry for any inconvenience.</p><br/>",
    ],
)
def test_odd_input_yields_a_well_formed_report(text):
    assert_well_formed(amends.analyze(text), text)


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "type_name"), [(None, "NoneType"), (b"Sorry", "bytes"), (5, "int"), (["x"], "list")]
)
def test_non_string_text_is_a_type_error(value, type_name):
    with pytest.raises(TypeError, match=f"^text must be a string, not {type_name}$"):
        amends.analyze(value)


def test_non_string_customer_is_a_type_error():
    with pytest.raises(TypeError, match=r"^customer must be a string or None, not int$"):
        amends.analyze("Sorry for any inconvenience.", 5)


def test_oversized_text_is_a_value_error_naming_the_limit():
    with pytest.raises(ValueError) as caught:
        amends.analyze("a" * (MAX_CHARS + 1))
    message = str(caught.value)
    assert f"{MAX_CHARS + 1:,} characters" in message
    assert f"up to {MAX_CHARS:,} characters" in message


def test_text_at_the_limit_is_accepted():
    text = "Calm down. " + "a" * (MAX_CHARS - 11)
    assert len(text) == MAX_CHARS
    report = amends.analyze(text)
    assert "confrontational" in report.labels


def test_config_accepts_a_string_or_a_list_and_rejects_unknown_selectors():
    from amends import Config, analyze

    rude = "Calm down, sorry for any inconvenience."
    assert Config(ignore="M601").ignore == ("M601",)
    assert Config(ignore=["M6", "M1"]).ignore == ("M6", "M1")
    labels = analyze(rude, config=Config(ignore=["M6"])).labels
    assert "confrontational" not in labels and "vague_apology" in labels
    with pytest.raises(ValueError, match="no rule matches 'X999'"):
        analyze(rude, config=Config(ignore=("X999",)))
    with pytest.raises(TypeError, match="must be strings"):
        Config(select=(1,))


def test_missing_lists_only_components_whose_rules_are_switched_on():
    from amends import Config, analyze

    report = analyze("Sorry.", "My parcel is late!", config=Config(select=("apology", "N")))
    assert report.missing == ()
    full = analyze("Sorry.", "My parcel is late!")
    assert "remedy" in full.missing
