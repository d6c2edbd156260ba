"""Score the failure categories amends assigns against hand labels.

    python tools/categories_eval.py labels/categories/twcs_5k_seed11.jsonl \
        --db sqlite:////tmp/twcs.db [--import ../shared/data/corpus/twcs_5k.csv]

The store must hold the labelled conversations (pass --import to import the corpus first).
Prints precision and recall per category and micro-averaged over the specific categories
(`other` and `none` are reported apart: they say no specific category was found).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from amends.categories import NONE, OTHER, category_data
from amends.store import import_file, make_engine
from amends.store.db import session_factory
from amends.store.models import Conversation, ConversationCategory, FailureCategory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--db", required=True)
    parser.add_argument("--import", dest="corpus", type=Path)
    parser.add_argument("--source", default="twcs")
    parser.add_argument("--show", action="store_true", help="print each disagreement")
    args = parser.parse_args()
    engine = make_engine(args.db)
    if args.corpus:
        import_file(args.corpus, engine)
    gold = {}
    for line in args.labels.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold[row["conversation"]] = set(row["categories"])
    found: dict[str, set[str]] = {k: set() for k in gold}
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Conversation.external_id, FailureCategory.name)
            .join(ConversationCategory, ConversationCategory.conversation_id == Conversation.id)
            .join(FailureCategory, FailureCategory.id == ConversationCategory.category_id)
            .where(Conversation.source == args.source, Conversation.external_id.in_(list(gold)))
        )
        for external_id, name in rows:
            found[external_id].add(name)
    tp, fp, fn = Counter(), Counter(), Counter()
    for key, labels in gold.items():
        for name in found[key] | labels:
            if name in found[key] and name in labels:
                tp[name] += 1
            elif name in found[key]:
                fp[name] += 1
            else:
                fn[name] += 1
        if args.show and found[key] != labels:
            print(f"{key}: labelled {sorted(labels)}, found {sorted(found[key])}")
    print(f"{'category':18} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}")
    for name in category_data().names:
        p = tp[name] / (tp[name] + fp[name]) if tp[name] + fp[name] else float("nan")
        r = tp[name] / (tp[name] + fn[name]) if tp[name] + fn[name] else float("nan")
        print(f"{name:18} {tp[name]:3} {fp[name]:3} {fn[name]:3} {p:9.2f} {r:6.2f}")
    specific = [n for n in category_data().names if n not in (OTHER, NONE)]
    t, f, n = (sum(c[x] for x in specific) for c in (tp, fp, fn))
    print(
        f"micro over the {len(specific)} specific categories, {len(gold)} conversations: "
        f"precision {t / (t + f):.2f} ({t}/{t + f}), recall {t / (t + n):.2f} ({t}/{t + n})"
    )


if __name__ == "__main__":
    main()
