"""The real agent replies of ``<repo>/../shared/data/corpus/``, shared by the benchmarks.

Each reply comes with the customer's message it answers where the corpus keeps it: the tweet a
brand reply responds to (``in_response_to_tweet_id`` in the TWCS files), the customer turns of a
TweetCare dialog, and the review a Firefox reply answers.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
CORPUS = DATA / "corpus"
FILES = (
    "twcs_5k.csv",
    "twcs_random_5k.csv",
    "tweetcare_dialogs.jsonl",
    "firefox_play_replies.jsonl",
)


@dataclass(frozen=True, slots=True)
class Reply:
    source: str
    id: str
    text: str
    customer: str | None


def corpus_or_exit() -> Path:
    """The corpus folder, or a clean exit with a message saying what is missing."""
    missing = [name for name in FILES if not (CORPUS / name).is_file()]
    if missing:
        print(
            f"benchmark skipped: {CORPUS} lacks {', '.join(missing)}; the corpus ships in the "
            "project's shared/ folder next to the repository",
            file=sys.stderr,
        )
        raise SystemExit(0)
    return CORPUS


def _twcs(path: Path) -> list[Reply]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {row["tweet_id"]: row for row in rows}
    out = []
    for row in rows:
        if row["inbound"] != "False" or not row["text"].strip():
            continue
        parent = by_id.get(row["in_response_to_tweet_id"])
        customer = parent["text"] if parent and parent["inbound"] == "True" else None
        out.append(Reply(path.stem, row["tweet_id"], row["text"], customer))
    return out


def _tweetcare(path: Path) -> list[Reply]:
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            turns = [t["text"] for t in row.get("dialog") or [] if t.get("role") == "customer"]
            if row.get("reply", "").strip():
                out.append(Reply(path.stem, row["id"], row["reply"], "\n".join(turns) or None))
    return out


def _firefox(path: Path) -> list[Reply]:
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("reply", "").strip():
                out.append(Reply(path.stem, row["id"], row["reply"], row.get("review") or None))
    return out


def load_replies() -> list[Reply]:
    """Every agent reply of the corpus, in file order."""
    folder = corpus_or_exit()
    return (
        _twcs(folder / "twcs_5k.csv")
        + _twcs(folder / "twcs_random_5k.csv")
        + _tweetcare(folder / "tweetcare_dialogs.jsonl")
        + _firefox(folder / "firefox_play_replies.jsonl")
    )
