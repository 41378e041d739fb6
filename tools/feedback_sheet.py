"""Write a sheet of critique lines for a hand-checker (strength and gap precision).

    python tools/feedback_sheet.py --split gen-holdout2 --n 60 --seed 1 --out sheet.jsonl
    python tools/feedback_sheet.py --same-as knowledge/calibration/feedback/round2.jsonl --out sheet.jsonl
    python tools/feedback_sheet.py --score labels.jsonl

Picks `n` answers of the split at random (no injections, no answers in other languages, no off-topic answers), or
the answers of an earlier labelled round, critiques each with the offline critic, and writes one line per answer:
the question as posed, the answer, and the critique's strengths, gaps and next-level lines. The checker labels each
line `ok` or `wrong`; `--score` then prints the precision per kind. The checker never sees the grades or the key
points' source.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from bot.config import get_settings
from bot.critic.calibration import HELD_OUT, load_labelled, target_for
from bot.critic.offline import critique_target


def sheet(split: str, n: int, seed: int, same_as: Path | None = None) -> list[dict[str, object]]:
    """One row per answer: the question as posed, the answer, and the critique's lines to label."""
    settings = get_settings()
    items = load_labelled()
    if same_as is not None:
        ids = {json.loads(line)["answer_id"] for line in same_as.read_text().splitlines() if line.strip()}
        chosen = [i for i in items if i.id in ids]
    else:
        pool = [
            i
            for i in items
            if i.split == split and i.family not in ("injection", "off_topic") and i.kind != "non_english"
        ]
        chosen = random.Random(seed).sample(pool, n)
    rows = []
    for item in sorted(chosen, key=lambda i: i.id):
        target = target_for(settings, item)
        crit = critique_target(target, item.answer, settings, with_citations=False)
        lines = [
            *({"kind": "strength", "text": s} for s in crit.strengths),
            *({"kind": "gap", "text": g} for g in crit.gaps),
            *({"kind": "level", "text": t} for t in crit.next_level.values()),
        ]
        rows.append({"answer_id": item.id, "question": target.text, "answer": item.answer, "lines": lines})
    return rows


def score(path: Path) -> dict[str, str]:
    """Precision per kind of line ("ok / all") of a labelled sheet."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            counts[(row["kind"], row["label"])] += 1
    return {
        kind: f"{counts[(kind, 'ok')]}/{counts[(kind, 'ok')] + counts[(kind, 'wrong')]}"
        for kind in ("strength", "gap", "level")
    }


def main() -> None:
    """Write a sheet, or score a labelled one."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default=HELD_OUT)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--same-as", type=Path, help="a labelled sheet: critique the same answers again")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--score", type=Path, help="a labelled sheet: print strength and gap precision")
    args = parser.parse_args()
    if args.score:
        print(json.dumps(score(args.score)))
        return
    rows = sheet(args.split, args.n, args.seed, args.same_as)
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
