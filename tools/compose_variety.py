"""Measure how much `compose` varies its phrasing: the template examples × channels × seeds.

    .venv/bin/python tools/compose_variety.py [--seeds 20]

Prints, per example and channel, the distinct drafts among the seeds and the most repeated stock
sentence with its share of the drafts."""

from __future__ import annotations

import argparse

from amends.compose import CHANNELS, compose_data
from amends.variety import variety


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    rows = []
    for example in compose_data().examples:
        for channel in CHANNELS:
            v = variety(example.incident, channel, range(args.seeds))
            rows.append(v)
            print(
                f"{example.posture:22} {channel:6} distinct {v.distinct:2}/{v.drafts}  "
                f"top {v.top_share:4.0%}  {v.top_sentence[:70]}"
            )
    distinct = sum(v.distinct for v in rows) / sum(v.drafts for v in rows)
    print(
        f"\n{len(rows)} incident×channel pairs × {args.seeds} seeds: distinct drafts "
        f"{distinct:.0%} of all; median top-sentence share "
        f"{sorted(v.top_share for v in rows)[len(rows) // 2]:.0%}, "
        f"highest {max(v.top_share for v in rows):.0%}"
    )


if __name__ == "__main__":
    main()
