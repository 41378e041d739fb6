"""Out-of-fold figures of the pair classifier on the pairs labelled from gen-train answers.

    python tools/pair_cv.py [--c 0.3 1.0]

Five folds grouped by question over every labelled pair; the figures are read on the `gen_train.jsonl` pairs
(writing styles unlike the in-style sets). For each regularisation C: the share of pairs credited at least
STRENGTH_CREDIT that make the point (S) or part of it (S or P), what that share is for the classifier fitted
without the gen-train pairs, and how often a key point whose labelled sentences all stay under GAP_CREDIT is
really missed. These chose `SUPPORT_C` and the feedback thresholds. Needs the dev extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from bot.config import get_settings
from bot.critic.features import embed_references
from bot.critic.feedback import GAP_CREDIT, STRENGTH_CREDIT
from bot.critic.fitting import load_pairs
from bot.critic.support import CREDIT, LABELS, Cues, _row, pair_features
from bot.retrieval.embeddings import get_model

NEW = "gen_train.jsonl"


def main() -> None:
    """Print the out-of-fold figures for each C."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--c", type=float, nargs="+", default=[0.3, 1.0])
    args = parser.parse_args()
    folder = get_settings().calibration_dir
    rows = load_pairs(folder)
    new_ids = {json.loads(line)["pid"] for line in (folder / "pairs" / NEW).read_text().splitlines() if line.strip()}
    is_new = np.array([r["pid"] in new_ids for r in rows])
    sentences, points = [r["sentence"] for r in rows], [r["key_point"] for r in rows]
    u, v = get_model().embed(sentences), embed_references(points)
    cu, cv = Cues.of(sentences), Cues.of(points)
    x = np.stack([pair_features(u[i : i + 1], v[i : i + 1], _row(cu, i), _row(cv, i))[0, 0] for i in range(len(rows))])
    y = np.array([LABELS.index(r["label"]) for r in rows])
    groups = [r["question_id"] for r in rows]
    for c in args.c:
        for with_new in (True, False):
            credit = np.zeros(len(y))
            for train, test in GroupKFold(5).split(x, y, groups):
                train = train if with_new else train[~is_new[train]]
                model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x[train], y[train])
                probs = np.zeros((len(test), len(LABELS)))
                probs[:, model.classes_] = model.predict_proba(x[test])
                credit[test] = probs @ CREDIT
            sure = is_new & (credit >= STRENGTH_CREDIT)
            by_point: dict[tuple[str, str], list[int]] = defaultdict(list)
            for i in np.flatnonzero(is_new):
                by_point[(rows[i]["answer_id"], rows[i]["key_point"])].append(i)
            missed = [all(y[i] >= 2 for i in idx) for idx in by_point.values() if max(credit[idx]) < GAP_CREDIT]
            print(
                f"C={c} {'with' if with_new else 'without'} gen-train pairs: credit >= {STRENGTH_CREDIT}: "
                f"{sure.sum()} pairs, S {np.mean(y[sure] == 0):.2f}, S or P {np.mean(y[sure] <= 1):.2f}; "
                f"all under {GAP_CREDIT}: {len(missed)} key points, really missed {np.mean(missed):.2f}"
            )


if __name__ == "__main__":
    main()
