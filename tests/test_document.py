"""The normalised copy of a text and its map back to the original."""

from __future__ import annotations

import pytest

from amends import get_analyzer

NORMALISE = get_analyzer().normalise


@pytest.mark.parametrize(
    ("original", "normalised"),
    [
        ("We’re SORRY", "we're sorry"),
        ("Fish &amp; chips", "fish & chips"),
        ("@117240 sorry!", "<user> sorry!"),
        ("See https://t.co/abc123 now", "see <link> now"),
        ("We apologise, u were right", "we apologize, you were right"),
        ("Sorry for the delay. ^JA 2/2", "sorry for the delay."),
        ("So sorry about that! -Becky", "so sorry about that!"),
    ],
)
def test_normalisation(original, normalised):
    assert NORMALISE(original).text.rstrip() == normalised


def test_spans_map_back_to_the_original_words():
    original = "@117240 We’re sorry u waited &amp; we apologise. ^JA"
    doc = NORMALISE(original)
    for word in ("sorry", "you waited", "apologize", "&"):
        start = doc.text.index(word)
        ostart, oend, match = doc.span_text(start, start + len(word))
        assert original[ostart:oend] == match
    start = doc.text.index("apologize")
    assert doc.span_text(start, start + len("apologize"))[2] == "apologise"
    start = doc.text.index("you waited")
    assert doc.span_text(start, start + len("you waited"))[2] == "u waited"


def test_questions_are_recognised_by_mark_or_opening():
    doc = NORMALISE("Has the PDF been locked after signing with these steps: here. Thanks")
    assert doc.is_question(0)
    doc = NORMALISE("Your order is late. Can you DM us?")
    assert not doc.is_question(0)
    assert doc.is_question(doc.text.index("can"))


def test_quotes_are_found_in_straight_and_curly_forms():
    doc = NORMALISE("It kept saying ‘sorry, I didn’t get that’ five times")
    start = doc.text.index("sorry")
    assert doc.in_quotes(start, start + 5)
    assert not doc.in_quotes(0, 2)


def test_word_count_ignores_handles_and_links():
    assert NORMALISE("@1234 Sorry about that https://t.co/x").word_count() == 3


def test_a_long_text_with_many_replacements_maps_back_to_the_original():
    """Past a thousand replaced stretches the offset map is kept in arrays of machine ints: the
    spans must come back the same."""
    unit = "Sorry u waited &amp; sorry ur order was late, we apologise. "
    original = unit * 2000
    doc = NORMALISE(original)
    assert doc.text.count("you waited") == 2000
    for i, start in enumerate(_occurrences(doc.text, "you waited")):
        ostart, oend, match = doc.span_text(start, start + len("you waited"))
        assert (match, ostart, oend) == ("u waited", i * len(unit) + 6, i * len(unit) + 14)
    start = doc.text.rindex("apologize")
    assert doc.span_text(start, start + len("apologize"))[2] == "apologise"
    assert doc.span_text(0, len(doc.text))[2] == original.strip()


def _occurrences(text: str, word: str) -> list[int]:
    found, i = [], text.find(word)
    while i >= 0:
        found.append(i)
        i = text.find(word, i + 1)
    return found
