"""The analyze contract, as a user of ``amends analyze`` sees it: rows in, one JSON object per
row out, in order, with per-row errors in place and an exit status that says whether any row
was rejected."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amends.analyzer import MAX_CHARS
from amends.cli import app
from amends.model import COMPONENTS, LABELS

REPORT_KEYS = {
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
FINDING_KEYS = {
    "code",
    "name",
    "label",
    "kind",
    "severity",
    "start",
    "end",
    "match",
    "message",
    "suggestions",
}

VAGUE = "Sorry for any inconvenience."
RUDE = "Calm down."

runner = CliRunner()


def jsonl(*rows: object) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")


def run(tmp_path: Path, content: bytes, *args: str, name: str = "in.jsonl"):
    source = tmp_path / name
    source.write_bytes(content)
    return runner.invoke(app, ["analyze", str(source), *args])


def parse_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def assert_report(obj: dict, text: str) -> None:
    """``obj`` is a well-formed report for ``text``: exact keys, sane values, offsets slice."""
    assert set(obj) == REPORT_KEYS
    assert obj["schema_version"] == 1
    assert (obj["score"] is None) == (obj["quality"] is None)
    assert obj["score"] is None or (isinstance(obj["score"], int) and 0 <= obj["score"] <= 100)
    assert obj["quality"] is None or obj["quality"] in {1, 2, 3, 4, 5}
    assert set(obj["labels"]) <= set(LABELS)
    assert set(obj["missing"]) <= set(COMPONENTS)
    assert not set(obj["missing"]) & set(obj["labels"])
    assert set(obj["situation"]) == {"cause", "wait"}
    assert obj["situation"]["cause"] in {"ours", "outside", "customer", "unknown"}
    assert isinstance(obj["situation"]["wait"], bool)
    for f in obj["findings"]:
        assert set(f) == FINDING_KEYS
        assert f["kind"] in {"component", "mistake", "missing"}
        assert isinstance(f["suggestions"], list)
        if f["kind"] == "missing":
            assert f["start"] is None and f["end"] is None and f["match"] is None
            assert f["label"] in obj["missing"]
        else:
            assert text[f["start"] : f["end"]] == f["match"]
            assert f["label"] in obj["labels"]


# -- well-formed input -----------------------------------------------------------------------


def test_jsonl_rows_come_back_in_order_with_the_contract_keys(tmp_path):
    rows = [
        {"id": "a", "text": VAGUE},
        {"id": 7, "text": RUDE},
        {"text": "Thank you for your patience while we looked into this."},
    ]
    result = run(tmp_path, jsonl(*rows))
    assert result.exit_code == 0, result.output
    out = parse_lines(result.stdout)
    assert [o["id"] for o in out] == ["a", 7, None]
    for obj, row in zip(out, rows, strict=True):
        assert_report(obj, row["text"])
    assert "vague_apology" in out[0]["labels"]
    assert "confrontational" in out[1]["labels"]
    assert "gratitude" in out[2]["labels"]


def test_the_customer_field_informs_the_situation(tmp_path):
    reply = "Thanks for getting in touch."
    complaint = {"id": 2, "text": reply, "customer": "You charged me twice!"}
    result = run(tmp_path, jsonl({"id": 1, "text": reply}, complaint))
    assert result.exit_code == 0, result.output
    alone, answered = parse_lines(result.stdout)
    # With nothing wrong, no apology is due; a double charge calls for one.
    assert alone["quality"] is None and alone["missing"] == []
    assert answered["quality"] is not None
    assert "apology" in answered["missing"]


def test_csv_with_header_quoted_multiline_fields_id_and_customer(tmp_path):
    content = (
        b"id,text,customer\n"
        b'r1,"Sorry for any\ninconvenience, truly.",My parcel is late\n'
        b'r2,"He said ""calm down"". Calm down.",\n'
    )
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 0, result.output
    first, second = parse_lines(result.stdout)
    assert first["id"] == "r1" and second["id"] == "r2"
    assert_report(first, "Sorry for any\ninconvenience, truly.")
    assert_report(second, 'He said "calm down". Calm down.')
    assert "vague_apology" in first["labels"]
    assert any(f["match"] == "Sorry for any\ninconvenience" for f in first["findings"])
    assert first["situation"]["wait"] is True  # from the customer column
    assert "confrontational" in second["labels"]


def test_csv_with_crlf_line_endings(tmp_path):
    content = b'id,text\r\n1,Calm down.\r\n2,"Sorry for any\r\ninconvenience."\r\n'
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 0, result.output
    out = parse_lines(result.stdout)
    assert [o["id"] for o in out] == ["1", "2"]
    assert "confrontational" in out[0]["labels"]
    assert "vague_apology" in out[1]["labels"]


def test_csv_column_order_does_not_matter_and_extra_columns_are_ignored(tmp_path):
    content = b"channel,text,id\ntwitter,Calm down.,x1\n"
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 0, result.output
    (obj,) = parse_lines(result.stdout)
    assert obj["id"] == "x1"
    assert_report(obj, RUDE)


def test_input_format_is_sniffed_or_forced(tmp_path):
    content = jsonl({"id": 1, "text": RUDE})
    sniffed = run(tmp_path, content, name="rows.txt")
    forced = run(tmp_path, content, "--input-format", "jsonl", name="rows.txt")
    assert sniffed.exit_code == forced.exit_code == 0
    assert sniffed.stdout == forced.stdout
    as_csv = run(tmp_path, content, "--input-format", "csv", name="rows.txt")
    assert as_csv.exit_code == 1
    assert "needs a 'text' column" in parse_lines(as_csv.stdout)[0]["error"]


def test_blank_lines_are_skipped_and_do_not_shift_line_numbers(tmp_path):
    content = b'{"text": "Calm down."}\n\n   \n{"text": ""}\n'
    result = run(tmp_path, content)
    out = parse_lines(result.stdout)
    assert len(out) == 2
    assert out[1] == {"line": 4, "error": "line 4: 'text' is empty"}


def test_a_first_line_that_is_a_json_array_is_still_read_as_jsonl(tmp_path):
    result = run(tmp_path, b'["Calm down."]\n' + jsonl({"id": 2, "text": RUDE}))
    assert result.exit_code == 1
    error, obj = parse_lines(result.stdout)
    assert error == {"line": 1, "error": "line 1: expected a JSON object, got list"}
    assert obj["id"] == 2


def test_a_leading_blank_line_does_not_turn_jsonl_into_csv(tmp_path):
    result = run(tmp_path, b"\n" + jsonl({"id": 1, "text": RUDE}))
    assert result.exit_code == 0, result.output
    (obj,) = parse_lines(result.stdout)
    assert obj["id"] == 1 and "confrontational" in obj["labels"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("in.jsonl", b'{"id": 1, "text": "Calm down."}\n'),
        ("in.csv", b"id,text\n1,Calm down.\n"),
    ],
)
def test_a_utf8_byte_order_mark_is_ignored(tmp_path, name, content):
    result = run(tmp_path, b"\xef\xbb\xbf" + content, name=name)
    assert result.exit_code == 0, result.output
    (obj,) = parse_lines(result.stdout)
    assert obj["id"] in (1, "1")
    assert "confrontational" in obj["labels"]


def test_empty_input_gives_no_rows_and_exit_0(tmp_path):
    result = run(tmp_path, b"")
    assert result.exit_code == 0
    assert result.stdout == ""
    as_json = run(tmp_path, b"", "--format", "json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == []


# -- malformed rows --------------------------------------------------------------------------

GOOD = json.dumps({"id": "ok", "text": RUDE}).encode()

MALFORMED_JSONL = [
    ("invalid JSON", b'{"text": "Calm down."', "not valid JSON"),
    ("not an object", b'["Calm down."]', "expected a JSON object, got list"),
    ("a bare string", b'"Calm down."', "expected a JSON object, got str"),
    ("missing text", b'{"id": 3, "reply": "Calm down."}', "missing required field 'text'"),
    ("null text", b'{"text": null}', "missing required field 'text'"),
    ("number text", b'{"text": 42}', "'text' must be a string, got int"),
    ("list text", b'{"text": ["Calm down."]}', "'text' must be a string, got list"),
    ("empty text", b'{"text": ""}', "'text' is empty"),
    ("blank text", b'{"text": "  \\n\\t "}', "'text' is empty"),
    ("customer not a string", b'{"text": "Calm down.", "customer": 5}', "'customer' must be"),
    ("invalid UTF-8", b'{"text": "Calm \xff down."}', "not valid UTF-8"),
]


@pytest.mark.parametrize(
    ("case", "bad", "message"), MALFORMED_JSONL, ids=[c[0] for c in MALFORMED_JSONL]
)
def test_a_malformed_jsonl_line_is_reported_in_place(tmp_path, case, bad, message):
    content = GOOD + b"\n" + bad + b"\n" + GOOD + b"\n"
    result = run(tmp_path, content)
    assert result.exit_code == 1
    first, error, last = parse_lines(result.stdout)
    assert set(error) == {"line", "error"}
    assert error["line"] == 2
    assert error["error"].startswith("line 2: ")
    assert message in error["error"]
    assert first["id"] == last["id"] == "ok"
    assert_report(first, RUDE)
    assert_report(last, RUDE)
    assert "rejected" in result.stderr


def test_oversized_text_is_rejected_with_the_limit(tmp_path):
    big = "a" * (MAX_CHARS + 1)
    content = GOOD + b"\n" + json.dumps({"id": "big", "text": big}).encode() + b"\n" + GOOD
    result = run(tmp_path, content)
    assert result.exit_code == 1
    first, error, last = parse_lines(result.stdout)
    assert error["line"] == 2
    assert f"{MAX_CHARS + 1:,} characters" in error["error"]
    assert f"limit is {MAX_CHARS:,}" in error["error"]
    assert first["id"] == last["id"] == "ok"


def test_invalid_utf8_names_the_byte_and_column(tmp_path):
    result = run(tmp_path, b'{"text": "caf\xe9"}\n')
    (error,) = parse_lines(result.stdout)
    assert error["line"] == 1
    assert "0xe9" in error["error"]
    assert "column 14" in error["error"]
    assert "UTF-8" in error["error"]


def test_many_errors_keep_their_own_line_numbers(tmp_path):
    lines = [GOOD, b"nope", GOOD, b"[]", b"", b'{"text": 1}', GOOD]
    result = run(tmp_path, b"\n".join(lines) + b"\n")
    assert result.exit_code == 1
    out = parse_lines(result.stdout)
    assert [o.get("line") for o in out] == [None, 2, None, 4, 6, None]
    assert [o.get("id") for o in out] == ["ok", None, "ok", None, None, "ok"]


def test_csv_row_with_the_wrong_number_of_fields(tmp_path):
    content = b"id,text,customer\n1,Calm down.,\n2,one,two,three,four\n3,Calm down.,\n"
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 1
    first, error, last = parse_lines(result.stdout)
    assert error == {"line": 3, "error": "line 3: expected 3 fields, found 5"}
    assert (first["id"], last["id"]) == ("1", "3")


def test_csv_line_numbers_count_physical_lines_of_multiline_fields(tmp_path):
    content = b'id,text\n1,"Sorry for any\ninconvenience\nat all."\n2,\n3,Calm down.\n'
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 1
    first, error, last = parse_lines(result.stdout)
    assert first["id"] == "1"
    assert error == {"line": 5, "error": "line 5: 'text' is empty"}
    assert last["id"] == "3"


def test_csv_row_with_invalid_utf8_is_reported_in_place(tmp_path):
    content = b"id,text\n1,Calm down.\n2,caf\xe9 \xff\n3,Calm down.\n"
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 1
    first, error, last = parse_lines(result.stdout)
    assert error["line"] == 3
    assert "not valid UTF-8" in error["error"]
    assert (first["id"], last["id"]) == ("1", "3")


def test_csv_oversized_text_is_rejected(tmp_path):
    content = ("id,text\n1," + "a" * (MAX_CHARS + 1) + "\n2,Calm down.\n").encode()
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 1
    error, last = parse_lines(result.stdout)
    assert error["line"] == 2 and "limit is" in error["error"]
    assert last["id"] == "2"


def test_csv_text_longer_than_the_csv_modules_default_field_limit(tmp_path):
    text = "Calm down. " + "a" * 200_000
    content = ("id,text\n1," + text + "\n").encode()
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 0, result.output
    (obj,) = parse_lines(result.stdout)
    assert "confrontational" in obj["labels"]


def test_csv_field_far_over_the_limit_names_the_limit_and_later_rows_run(tmp_path):
    content = ("id,text\n1," + "a" * (2 * MAX_CHARS) + "\n2,Calm down.\n").encode()
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 1
    error, last = parse_lines(result.stdout)
    assert error["line"] == 2
    assert f"the limit is {MAX_CHARS:,}" in error["error"]
    assert last["id"] == "2"


def test_csv_without_a_text_column(tmp_path):
    result = run(tmp_path, b"id,reply\n1,Calm down.\n", name="in.csv")
    assert result.exit_code == 1
    (error,) = parse_lines(result.stdout)
    assert error == {
        "line": 1,
        "error": "line 1: the CSV header needs a 'text' column; it has 'id', 'reply'"
        " (name the reply's column with --text-col)",
    }


def test_columns_are_named_with_text_customer_and_id_options(tmp_path):
    content = (
        b"ticket,reply,message\n"
        b"T-1,Thanks for getting in touch.,You charged me twice!\n"
        b"T-2,Calm down.,\n"
    )
    args = ("--text-col", "reply", "--customer-col", "message", "--id-col", "ticket")
    result = run(tmp_path, content, *args, name="in.csv")
    assert result.exit_code == 0, result.output
    answered, rude = parse_lines(result.stdout)
    assert (answered["id"], rude["id"]) == ("T-1", "T-2")
    assert "apology" in answered["missing"]  # the customer's complaint was read
    assert "confrontational" in rude["labels"]
    rows = jsonl(
        {"ticket": 9, "body": "Thanks for getting in touch.", "complaint": "You charged me twice!"}
    )
    as_jsonl = run(
        tmp_path, rows, "--text-col", "body", "--customer-col", "complaint", "--id-col", "ticket"
    )
    assert as_jsonl.exit_code == 0, as_jsonl.output
    (obj,) = parse_lines(as_jsonl.stdout)
    assert obj["id"] == 9 and "apology" in obj["missing"]


def test_a_named_text_field_that_is_missing_is_reported_by_its_name(tmp_path):
    result = run(tmp_path, jsonl({"text": RUDE}), "--text-col", "body")
    assert result.exit_code == 1
    assert parse_lines(result.stdout) == [
        {
            "line": 1,
            "error": "line 1: missing required field 'body' (name the reply's field with"
            " --text-col)",
        }
    ]


# -- exit status -----------------------------------------------------------------------------


def test_exit_status_is_0_when_every_row_was_analysed(tmp_path):
    result = run(tmp_path, jsonl({"text": VAGUE}, {"text": RUDE}))
    assert result.exit_code == 0
    assert result.stderr == ""


def test_exit_status_is_1_when_any_row_was_rejected(tmp_path):
    result = run(tmp_path, jsonl({"text": VAGUE}, {"text": ""}, {"text": RUDE}))
    assert result.exit_code == 1
    assert "1 row(s) rejected" in result.stderr
    assert len(parse_lines(result.stdout)) == 3


def test_a_missing_input_file_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "nope.jsonl: no such file" in result.stderr


# -- output formats and destinations ---------------------------------------------------------


def test_format_json_is_an_array_of_the_same_objects(tmp_path):
    content = jsonl({"id": 1, "text": VAGUE}, {"id": 2, "text": ""}, {"id": 3, "text": RUDE})
    as_jsonl = run(tmp_path, content)
    as_json = run(tmp_path, content, "--format", "json")
    assert as_json.exit_code == as_jsonl.exit_code == 1
    array = json.loads(as_json.stdout)
    assert isinstance(array, list)
    assert array == parse_lines(as_jsonl.stdout)
    assert array[1] == {"line": 2, "error": "line 2: 'text' is empty"}


def test_format_text_is_readable(tmp_path):
    content = jsonl({"id": "v1", "text": VAGUE}, {"id": 2, "text": ""})
    result = run(tmp_path, content, "--format", "text")
    assert result.exit_code == 1
    out = result.stdout
    assert out.startswith("v1: score ")
    assert "labels: apology, vague_apology" in out
    assert "M101" in out and "[vague_apology]" in out
    assert "line 2: rejected: line 2: 'text' is empty" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out.splitlines()[0])


def test_output_file(tmp_path):
    target = tmp_path / "out.jsonl"
    content = jsonl({"id": 1, "text": RUDE}, {"id": 2, "text": VAGUE})
    result = run(tmp_path, content, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    out = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == [1, 2]


def test_output_file_in_a_missing_folder_is_a_clear_error(tmp_path):
    target = tmp_path / "no" / "such" / "out.jsonl"
    result = run(tmp_path, jsonl({"text": RUDE}), "--output", str(target))
    assert result.exit_code == 2
    assert "out.jsonl" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_stdin_jsonl_and_csv():
    from_jsonl = runner.invoke(app, ["analyze", "-"], input=jsonl({"id": 1, "text": RUDE}))
    assert from_jsonl.exit_code == 0, from_jsonl.output
    assert parse_lines(from_jsonl.stdout)[0]["id"] == 1
    from_csv = runner.invoke(app, ["analyze", "-"], input=b"id,text\nz,Calm down.\n")
    assert from_csv.exit_code == 0, from_csv.output
    (obj,) = parse_lines(from_csv.stdout)
    assert obj["id"] == "z" and "confrontational" in obj["labels"]


def test_offsets_are_code_points_into_non_ascii_text(tmp_path):
    text = "😞 Désolé — sorry for any inconvenience."
    result = run(tmp_path, jsonl({"text": text}))
    (obj,) = parse_lines(result.stdout)
    assert_report(obj, text)
    (vague,) = [f for f in obj["findings"] if f["label"] == "vague_apology"]
    assert vague["start"] == text.index("sorry")


# -- files that are not text -----------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("reply.png", PNG, "byte 0x89 at offset 0, line 1): it is a PNG image"),
        ("rows.jsonl.gz", gzip.compress(jsonl({"text": RUDE})), "it is a gzip file"),
        ("rows.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "it is a zip archive"),
        ("rows.bin", b'{"text": "Calm down."}\n{"te\x00xt"}\n', "byte 0x00 at offset 27, line 2"),
    ],
    ids=["png", "gzip", "xlsx", "nul-on-line-2"],
)
def test_a_file_that_is_not_text_is_refused_with_where_and_what(tmp_path, name, content, says):
    result = run(tmp_path, content, name=name)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{name}: not a text file (" in result.stderr
    assert says in result.stderr
    assert "JSONL or CSV" in result.stderr


def test_binary_on_stdin_is_refused_too():
    result = runner.invoke(app, ["analyze", "-"], input=gzip.compress(b"id,text\n1,Calm down.\n"))
    assert result.exit_code == 2
    assert "stdin: not a text file" in result.stderr
    assert "gunzip" in result.stderr


def test_a_stray_control_character_does_not_make_a_file_binary(tmp_path):
    result = run(tmp_path, b"id,text\n1,Calm down.\x07\n2,Sorry for any inconvenience.\n")
    assert result.exit_code == 0, result.output
    assert [o["id"] for o in parse_lines(result.stdout)] == ["1", "2"]


# -- encodings -------------------------------------------------------------------------------

ROWS_CSV = 'id,text\n1,"Sorry for any\ninconvenience."\n2,\n3,Désolé. Calm down.\n'
ROWS_JSONL = '{"id": 1, "text": "Sorry for any inconvenience."}\n{"id": 2, "text": "Calm down."}\n'


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("name", ["in.csv", "in.jsonl"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path, encoding, name):
    content = ROWS_CSV if name == "in.csv" else ROWS_JSONL
    bom = {"utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")  # the others write their own
    result = run(tmp_path, bom + content.encode(encoding), name=name)
    out = parse_lines(result.stdout)
    if name == "in.jsonl":
        assert result.exit_code == 0, result.output
        assert [o["id"] for o in out] == [1, 2]
        assert "confrontational" in out[1]["labels"]
        return
    assert result.exit_code == 1  # row 2 has no text: reported on its own line, as in UTF-8
    first, empty, last = out
    assert_report(first, "Sorry for any\ninconvenience.")
    assert "vague_apology" in first["labels"]
    assert empty == {"line": 4, "error": "line 4: 'text' is empty"}
    assert_report(last, "Désolé. Calm down.")
    assert "confrontational" in last["labels"]


def test_latin1_is_not_utf8_says_which_line_and_suggests_the_encoding(tmp_path):
    content = "id,text\n1,Calm down.\n2,Désolé. Calm down.\n".encode("latin-1")
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 1
    ok, error = parse_lines(result.stdout)
    assert ok["id"] == "1"
    assert error["line"] == 3
    assert error["error"].startswith("line 3: not valid UTF-8 (byte 0xe9 at column 4)")
    assert "--encoding latin-1" in error["error"]
    assert "needs a 'text' column" not in error["error"]
    assert "1 not valid UTF-8: if the file is Latin-1, pass --encoding latin-1" in result.stderr


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("latin-1", "Désolé. Calm down."), ("cp1252", "We’re sorry for any inconvenience.")],
)
def test_the_encoding_option_reads_other_encodings(tmp_path, encoding, text):
    content = f"id,text\n1,{text}\n".encode(encoding)
    result = run(tmp_path, content, "--encoding", encoding, name="in.csv")
    assert result.exit_code == 0, result.output
    (obj,) = parse_lines(result.stdout)
    assert_report(obj, text)  # offsets slice the decoded text
    assert obj["labels"]


def test_utf16_without_a_byte_order_mark_needs_its_encoding_named(tmp_path):
    content = ROWS_JSONL.encode("utf-16-le")
    refused = run(tmp_path, content)
    assert refused.exit_code == 2
    assert "not a text file (byte 0x00 at offset 1, line 1)" in refused.stderr
    assert "--encoding utf-16-le" in refused.stderr
    named = run(tmp_path, content, "--encoding", "utf-16-le")
    assert named.exit_code == 0, named.output
    assert [o["id"] for o in parse_lines(named.stdout)] == [1, 2]


def test_a_line_that_is_not_valid_utf16_is_reported_in_place(tmp_path):
    good = '{"id": "ok", "text": "Calm down."}\n'.encode("utf-16-le")
    bad = '{"text": "'.encode("utf-16-le") + b"\x00\xd8" + '!"}\n'.encode("utf-16-le")
    result = run(tmp_path, codecs.BOM_UTF16_LE + good + bad + good)
    assert result.exit_code == 1
    first, error, last = parse_lines(result.stdout)
    assert error["line"] == 2
    assert error["error"].startswith("line 2: not valid utf-16-le")
    assert first["id"] == last["id"] == "ok"


@pytest.mark.parametrize("encoding", ["klingon", "cp037"])
def test_an_encoding_amends_cannot_read_is_a_usage_error(tmp_path, encoding):
    result = run(tmp_path, jsonl({"text": RUDE}), "--encoding", encoding)
    assert result.exit_code == 2
    assert "--encoding: " in result.stderr and repr(encoding) in result.stderr
    assert result.stdout == ""


# -- CSV delimiters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"]
)
def test_the_csv_delimiter_is_sniffed_and_line_numbers_still_hold(tmp_path, delimiter):
    rows = [
        ["id", "text", "customer"],
        ["1", '"Sorry, truly; for any inconvenience."', '"My parcel is late, again."'],
        ["2", "Calm down.", ""],
        ["3", "too", "many", "fields"],
        ["4", "Calm down.", ""],
    ]
    content = "".join(delimiter.join(row) + "\n" for row in rows).encode()
    result = run(tmp_path, content, name="in.csv")
    assert result.exit_code == 1
    first, second, error, last = parse_lines(result.stdout)
    assert_report(first, "Sorry, truly; for any inconvenience.")
    assert "vague_apology" in first["labels"]
    assert first["situation"]["wait"] is True  # the customer column was split off too
    assert [second["id"], last["id"]] == ["2", "4"]
    assert error == {"line": 4, "error": "line 4: expected 3 fields, found 4"}


@pytest.mark.parametrize("option", ["tab", "\t"])
def test_the_delimiter_option_forces_one(tmp_path, option):
    content = b"text\nSorry, we're late.\nCalm down, please.\n"  # one column, commas in replies
    sniffed = run(tmp_path, content, name="in.csv")
    assert sniffed.exit_code == 1
    assert "expected 1 fields, found 2" in sniffed.stdout
    forced = run(tmp_path, content, "--delimiter", option, name="in.csv")
    assert forced.exit_code == 0, forced.output
    first, second = parse_lines(forced.stdout)
    assert_report(first, "Sorry, we're late.")
    assert "confrontational" in second["labels"]


def test_a_header_that_does_not_split_points_to_the_delimiter_option(tmp_path):
    result = run(tmp_path, b"id;text\n1;Calm down.\n", "--delimiter", "|", name="in.csv")
    assert result.exit_code == 1
    (error,) = parse_lines(result.stdout)
    assert "it has 'id;text'" in error["error"]
    assert "--delimiter" in error["error"]


def test_a_delimiter_option_of_several_characters_is_a_usage_error(tmp_path):
    result = run(tmp_path, b"id,text\n1,Calm down.\n", "--delimiter", ";;", name="in.csv")
    assert result.exit_code == 2
    assert "--delimiter ';;': give one character" in result.stderr
