"""Print a seeded sample of TWCS conversations (customer messages, then the first agent reply)
for labelling their failure categories by hand, blind to amends' output.

    python tools/categories_sample.py ../shared/data/corpus/twcs_5k.csv --seed 11 -n 60

Labels go in labels/categories/*.jsonl as {"conversation": EXTERNAL_ID, "categories": [...]}
(ids only, no corpus text); tools/categories_eval.py scores amends against them.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from amends.store.importers import reader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("-n", type=int, default=60)
    args = parser.parse_args()
    with args.file.open("rb") as stream:
        parsed = reader("twcs")(stream)
    answered = [
        c
        for c in parsed.conversations
        if any(m.role == "customer" for m in c.messages)
        and any(m.role == "agent" for m in c.messages)
    ]
    answered.sort(key=lambda c: c.external_id)
    for conversation in random.Random(args.seed).sample(answered, args.n):
        print(f"== {conversation.external_id} ({conversation.team})")
        shown_agent = False
        for message in conversation.messages:
            if message.role == "customer":
                print(f"  C: {' '.join(message.text.split())}")
            elif not shown_agent:
                print(f"  A: {' '.join(message.text.split())}")
                shown_agent = True


if __name__ == "__main__":
    main()
