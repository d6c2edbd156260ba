"""The analyze contract: read rows (JSONL, or CSV with a header), analyse each, write one JSON
object per input row, in order. A row that cannot be analysed yields ``{"line": N, "error": ...}``
in its place and the rest still run.

Input rows: ``text`` (required, a string), optional ``id`` and ``customer``. Files are UTF-8
unless a byte order mark says UTF-16 or UTF-32, or the caller names another encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from ..analyzer import MAX_CHARS, Analyzer
from ..model import Report

FORMATS = ("jsonl", "csv")

# csv refuses fields over 128 KiB by default; let texts up to the analyzer's limit (and one past
# it, so validate() can say what the limit is) through.
_CSV_FIELD_LIMIT = MAX_CHARS + 1


@dataclass(frozen=True, slots=True)
class Columns:
    """The fields (JSONL keys or CSV header names) holding each part of a row."""

    text: str = "text"
    customer: str = "customer"
    id: str = "id"


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    data: dict[str, Any] | None
    error: str | None = None


def sniff_format(first: str) -> str:
    """``jsonl`` when the first non-blank line looks like JSON, else ``csv``."""
    return "jsonl" if first.lstrip().startswith(("{", "[")) else "csv"


def _decode(raw: bytes | str, line: int, encoding: str = "utf-8") -> tuple[str | None, str | None]:
    if isinstance(raw, str):
        return raw, None
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            return None, (
                f"line {line}: not valid {encoding} (byte 0x{raw[exc.start]:02x} at byte"
                f" {exc.start + 1} of the line)"
            )
        return None, (
            f"line {line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column"
            f" {exc.start + 1}); if the file is in another encoding, name it (amends analyze"
            " --encoding latin-1, or cp1252), or re-save it as UTF-8"
        )


def read_jsonl(
    lines: Iterable[bytes | str], encoding: str = "utf-8", first_line: int = 1
) -> Iterator[Row]:
    """Rows of a JSONL file. ``lines`` are bytes (decoded here with ``encoding``) or text;
    ``first_line`` is the number of the first (for a slice of a file read elsewhere)."""
    for number, raw in enumerate(lines, first_line):
        text, problem = _decode(raw, number, encoding)
        if problem:
            yield Row(number, None, problem)
            continue
        assert text is not None
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Row(
                number, None, f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
            )
            continue
        if not isinstance(data, dict):
            yield Row(
                number, None, f"line {number}: expected a JSON object, got {type(data).__name__}"
            )
            continue
        yield Row(number, data)


DELIMITERS = ",;\t|"
_SNIFF_LINES = 20
_SNIFF_CHARS = 16_384


def sniff_delimiter(sample: str, text_column: str = "text") -> str:
    """The delimiter of a CSV file from its first lines (header first): ``csv.Sniffer``'s guess
    among comma, semicolon, tab and pipe when the header, split by it, names ``text_column``;
    else the delimiter the header holds most often that does; else a comma."""
    header = next((line for line in sample.splitlines() if line.strip()), "")

    def names_text(delimiter: str) -> bool:
        return delimiter in header and text_column in next(
            csv.reader([header], delimiter=delimiter)
        )

    try:
        guess = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # too little to go on, e.g. a single column
        guess = None
    if guess is not None and names_text(guess):
        return guess
    by_count = sorted(DELIMITERS, key=lambda d: -header.count(d))
    return next((d for d in by_count if names_text(d)), ",")


def read_csv(
    lines: Iterable[bytes | str],
    encoding: str = "utf-8",
    text_column: str = "text",
    delimiter: str = ",",
) -> Iterator[Row]:
    """Rows of a CSV file with a header that names ``text_column``, streamed; quoted fields may
    span lines. ``lines`` are bytes (decoded here with ``encoding``) or text."""
    errors: dict[int, str] = {}
    numbered = enumerate(lines, 1)

    def decoded() -> Iterator[str]:
        for number, raw in numbered:
            text, problem = _decode(raw, number, encoding)
            if problem:
                errors[number] = problem
                text = ""
            yield text if (text or "").endswith("\n") else (text or "") + "\n"

    source = decoded()
    # the header is the first non-blank line
    found = next(((n, t) for n, t in enumerate(source, 1) if t.strip()), None)
    if found is None:
        return
    header_line, header_text = found
    if header_line in errors:
        yield Row(header_line, None, errors.pop(header_line))
        return
    header = next(csv.reader([header_text], delimiter=delimiter), [])
    if text_column not in header:
        has = ", ".join(repr(name) for name in header)
        yield Row(
            header_line,
            None,
            f"line {header_line}: the CSV header needs a {text_column!r} column; it has {has}"
            " (name the reply's column with --text-col"
            + (
                ", or the delimiter with --delimiter)"
                if len(header) == 1 and any(d in header[0] for d in DELIMITERS)
                else ")"
            ),
        )
        return
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(source, delimiter=delimiter)
    while True:
        start = header_line + reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                problem = f"a field is over {MAX_CHARS:,} characters; the limit is {MAX_CHARS:,}"
            else:
                problem = f"malformed CSV ({exc})"
            yield Row(start, None, f"line {start}: {problem}")
            continue
        if start in errors:
            # the undecodable physical line, reported in place
            yield Row(start, None, errors.pop(start))
            continue
        if not record or not any(field.strip() for field in record):
            continue
        if len(record) != len(header):
            yield Row(
                start, None, f"line {start}: expected {len(header)} fields, found {len(record)}"
            )
            continue
        yield Row(start, dict(zip(header, record, strict=True)))
    for line, problem in sorted(errors.items()):
        yield Row(line, None, problem)


def validate(row: Row, columns: Columns = Columns()) -> str | None:
    data = row.data
    assert data is not None
    name, line = columns.text, row.line
    text = data.get(name)
    if text is None:
        hint = "" if name in data else " (name the reply's field with --text-col)"
        return f"line {line}: missing required field {name!r}{hint}"
    if not isinstance(text, str):
        return f"line {line}: {name!r} must be a string, got {type(text).__name__}"
    if not text.strip():
        return f"line {line}: {name!r} is empty"
    if len(text) > MAX_CHARS:
        return f"line {line}: {name!r} is {len(text):,} characters; the limit is {MAX_CHARS:,}"
    customer = data.get(columns.customer)
    if customer is not None and not isinstance(customer, str):
        return f"line {line}: {columns.customer!r} must be a string, got {type(customer).__name__}"
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input row: its report and id, or why it was rejected."""

    row: Row
    report: Report | None = None
    id: Any = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The output object: the report (``Report.to_dict``), or ``{"line", "error"}``."""
        if self.report is None:
            return {"line": self.row.line, "error": self.error}
        return self.report.to_dict(id=self.id)


def analyse(
    rows: Iterable[Row], analyzer: Analyzer, columns: Columns = Columns()
) -> Iterator[Outcome]:
    """Analyse each row, in order; a row that cannot be analysed says why."""
    for row in rows:
        problem = row.error or validate(row, columns)
        if problem:
            yield Outcome(row, error=problem)
            continue
        assert row.data is not None
        try:
            report = analyzer.analyze(
                row.data[columns.text], row.data.get(columns.customer) or None
            )
        except (ValueError, TypeError) as exc:  # a specific message from analyze
            yield Outcome(row, error=f"line {row.line}: {exc}")
            continue
        yield Outcome(row, report, row.data.get(columns.id))


class NotText(ValueError):
    """The input is not text at all (an image, an archive, ...): one error for the whole file
    rather than a row per line of noise."""


# The first bytes of files people pass by mistake, and what to say about them.
_MAGIC = (
    (b"\x1f\x8b", "a gzip file: decompress it first (gunzip)"),
    (b"PK\x03\x04", "a zip archive (or an .xlsx workbook): extract it, or save the sheet as CSV"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"BZh", "a bzip2 file: decompress it first (bunzip2)"),
    (b"\xfd7zXZ\x00", "an xz file: decompress it first (unxz)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file: save the sheet as CSV"),
)
_HEAD = 8192  # bytes looked at to tell text from binary
# Bytes that text (in any ASCII-compatible encoding) does not hold, other than by accident.
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1b") + b"\x7f"


def not_text(head: bytes) -> str | None:
    """Why ``head`` (the first bytes of a file) is not text, naming the byte and its line; or
    None. Binary formats hold NUL bytes early (or a signature of non-text bytes); text holds no
    NUL and few other control characters."""
    kind = next(((magic, what) for magic, what in _MAGIC if head.startswith(magic)), None)
    nul = head.find(0)
    controls = len(head) - len(head.translate(None, _CONTROL))
    if kind is not None and any(b < 32 or b > 126 for b in kind[0]):
        at = 0
    elif nul >= 0:
        at = nul
    elif controls and controls * 10 >= len(head):
        at = next(i for i, b in enumerate(head) if b in _CONTROL)
    else:
        return None
    line = head.count(b"\n", 0, at) + 1
    where = f"byte 0x{head[at]:02x} at offset {at}, line {line}"
    if kind is not None:
        return f"not a text file ({where}): it is {kind[1]}; amends reads JSONL or CSV text"
    hint = (
        "; if it is UTF-16 without a byte order mark, name its encoding (--encoding utf-16-le)"
        if nul >= 0
        else ""
    )
    return f"not a text file ({where}): amends reads JSONL or CSV text{hint}"


class _Replay(io.RawIOBase):
    """A binary stream that gives back bytes already read from another, then the rest of it."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# Byte order marks, longest first (UTF-32's little-endian mark starts with UTF-16's), and the
# encoding each announces.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Encodings whose every character is 2 or 4 bytes: lines are split on an aligned line feed.
_WIDE = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}
_ASCII_SAMPLE = "\n\r\t ,;|\"'{}[]:azAZ09"


def check_encoding(name: str) -> str:
    """The codec's canonical name (``latin-1`` -> ``iso8859-1``); ValueError when it is unknown
    or one amends cannot split into lines (neither ASCII-compatible nor UTF-16 or UTF-32)."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ValueError(
            f"unknown encoding {name!r}; try utf-8, utf-16, latin-1 or cp1252"
        ) from None
    if codec == "utf-8-sig":
        return "utf-8"
    if codec in ("utf-16", "utf-32") or codec in _WIDE:
        return codec
    try:
        compatible = _ASCII_SAMPLE.encode(codec) == _ASCII_SAMPLE.encode("ascii")
    except UnicodeError:
        compatible = False
    if not compatible:
        raise ValueError(
            f"the encoding {name!r} is not supported; amends reads encodings that write ASCII "
            "as ASCII (utf-8, latin-1, cp1252...) and UTF-16 or UTF-32"
        )
    return codec


def _wide_lines(stream: IO[bytes], width: int, newline: bytes) -> Iterator[bytes]:
    """The lines of a UTF-16 or UTF-32 stream, still encoded: a line ends at a line feed that
    starts a character (``width`` bytes each), so one bad line does not spoil the rest."""
    buffer = b""
    while True:
        chunk = stream.read(1 << 16)
        buffer += chunk
        start = pos = 0
        while (i := buffer.find(newline, pos)) >= 0:
            if (i - start) % width:
                pos = i + 1
                continue
            yield buffer[start : i + width]
            start = pos = i + width
        if not chunk:
            if start < len(buffer):
                yield buffer[start:]
            return
        buffer = buffer[start:]


def open_rows(
    stream: IO[bytes],
    fmt: str | None = None,
    *,
    encoding: str | None = None,
    columns: Columns = Columns(),
    delimiter: str | None = None,
) -> Iterator[Row]:
    """Rows from a binary stream; the format is sniffed from the first non-blank line unless
    given. A CSV header must name ``columns.text``; the CSV delimiter is sniffed from the first
    lines (comma, semicolon, tab or pipe) unless given.

    The encoding is UTF-8 unless a byte order mark says UTF-16 or UTF-32 (a UTF-8 mark, as
    spreadsheet programs write, is dropped) or ``encoding`` names it. Raises ``NotText`` when
    the stream is not text at all (an image, a gzip file, ...) and ValueError for an encoding
    amends cannot read.
    """
    first = stream.read(_HEAD)
    marked = next(((bom, name) for bom, name in _BOMS if first.startswith(bom)), None)
    if encoding is None:
        encoding = marked[1] if marked else "utf-8"
    else:
        encoding = check_encoding(encoding)
        if encoding in ("utf-16", "utf-32"):  # the mark says which byte order; else little-endian
            found = marked[1] if marked and marked[1].startswith(encoding) else None
            encoding = found or f"{encoding}-le"
    if marked and marked[1] == encoding:
        first = first[len(marked[0]) :]
    whole = io.BufferedReader(_Replay(first, stream))
    width = _WIDE.get(encoding)
    lines: Iterator[bytes]
    if width is None:
        problem = not_text(first)
        if problem:
            raise NotText(problem)
        lines = iter(whole)
    else:
        lines = _wide_lines(whole, width, "\n".encode(encoding))
    head: list[bytes] = []
    for line in lines:
        head.append(line)
        if line.decode(encoding, errors="replace").strip():
            break
    if not head:
        return iter(())
    chosen = fmt or sniff_format(head[-1].decode(encoding, errors="replace"))

    def replayed() -> Iterator[bytes]:
        yield from head
        yield from lines

    if chosen == "jsonl":
        return read_jsonl(replayed(), encoding)
    if delimiter is None:
        sample = [head[-1].decode(encoding, errors="replace")]
        for line in lines:
            head.append(line)
            sample.append(line.decode(encoding, errors="replace"))
            if len(sample) > _SNIFF_LINES or sum(map(len, sample)) > _SNIFF_CHARS:
                break
        delimiter = sniff_delimiter("".join(sample)[:_SNIFF_CHARS], columns.text)
    return read_csv(replayed(), encoding, columns.text, delimiter)
