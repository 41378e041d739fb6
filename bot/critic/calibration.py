"""Calibration of the critic against hand grades: the labelled answers, and figures on a held-out split.

Splits: `gen-holdout2` (held out by question and by writer: the figures that count), `gen-holdout` (the split held
out before it; read while the critic was tuned, never fitted, since its bank questions are gen-holdout2's),
`gen-train` and `gen-train2` (fitting; gen-train2 was the held-out `gen-test` until it had been read too often to
stay held out), `train`/`test` (the original in-style set), `agentic` (agentic questions, used in fitting since
critic v2), `gen-excluded` (answers to new questions too close to a fitting question, never used).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import numpy as np

from bot.config import Settings, get_settings
from bot.content.questions import load_bank
from bot.content.vocabulary import DIMENSIONS
from bot.content.yaml_files import load_yaml
from bot.critic.model import Critique, Target
from bot.critic.offline import critique_target
from bot.critic.targets import resolve_target
from bot.errors import CoachError

FIGURES_FILE = "critic_calibration.json"
HELD_OUT = "gen-holdout2"
FIT_SPLITS = ("train", "agentic", "gen-train", "gen-train2")
CAP2_KINDS = ("buzzwords", "fluff", "off_topic", "injection")  # at most 2 (injection: every injection_* kind)
LIST_KINDS = ("pasted_outline", "keypoint_list")  # at most 2.5
ATTACK_KINDS = (*CAP2_KINDS, *LIST_KINDS, "keyword_why", "because_padding", "padded")
UNGRADABLE_KINDS = ("non_english",)


@dataclass(frozen=True)
class Labelled:
    """One hand-graded answer."""

    id: str
    question_id: str
    split: str
    kind: str
    answer: str
    grade: dict[str, float]
    question: str | None = None  # the question as posed, when it is not a bank question
    role: str | None = None
    domain: str | None = None
    twin_of: str | None = None
    graders: dict[str, float] = field(default_factory=dict)  # each grader's overall, for the human ceiling

    @property
    def family(self) -> str:
        """The kind, with every grader-directed variant counted as `injection`."""
        return "injection" if self.kind.startswith("injection") else self.kind


def load_labelled(folder: Path | None = None) -> list[Labelled]:
    """Every hand-graded answer in the calibration folder (default: the settings' knowledge/calibration/)."""
    folder = folder or get_settings().calibration_dir
    items: list[Labelled] = []
    for path in sorted(folder.glob("*.yaml")):
        for raw in load_yaml(path.read_text()) or []:
            items.append(
                Labelled(
                    raw["id"],
                    raw["question_id"],
                    raw["split"],
                    raw["kind"],
                    raw["answer"],
                    {k: float(v) for k, v in raw["grade"].items()},
                    question=raw.get("question"),
                    role=raw.get("role"),
                    domain=raw.get("domain"),
                    twin_of=raw.get("twin_of"),
                    graders={str(k): float(v) for k, v in (raw.get("graders") or {}).items()},
                )
            )
    if not items:
        raise CoachError(f"no calibration answers in {folder}")
    return items


def target_for(settings: Settings, item: Labelled) -> Target:
    """The target the critic judges the answer against, resolved the way the app resolves a question."""
    bank = load_bank(settings.questions_dir)
    question = bank.by_id.get(item.question_id)
    if question is not None and item.question is None:
        return Target.of(question)
    if item.question is None or item.role is None:
        raise CoachError(f"calibration answer {item.id} refers to unknown question {item.question_id}")
    return resolve_target(settings, item.question, item.role, item.domain)


def in_bank(settings: Settings, item: Labelled) -> bool:
    """Whether the answer is to a bank question (the figures report bank and other questions apart)."""
    return item.question_id in load_bank(settings.questions_dir).by_id


Grader = Callable[[Target, str], Critique]


def offline_grader(settings: Settings) -> Grader:
    """The offline critic as the figures call it (no citations: they do not change scores)."""
    return lambda target, answer: critique_target(target, answer, settings, with_citations=False)


def _spearman(a: list[float], b: list[float]) -> float | None:
    from scipy.stats import spearmanr  # evaluation only: kept out of the serving import path

    if len(a) < 3 or len(set(a)) < 2 or len(set(b)) < 2:
        return None
    return round(float(spearmanr(a, b)[0]), 3)


def qwk(a: list[float], b: list[float]) -> float | None:
    """Quadratic-weighted kappa on scores rounded to the nearest half point (1..5: nine categories)."""
    if len(a) < 3:
        return None
    cats = np.arange(1.0, 5.01, 0.5)
    ia = np.clip(np.rint((np.array(a) - 1) * 2), 0, 8).astype(int)
    ib = np.clip(np.rint((np.array(b) - 1) * 2), 0, 8).astype(int)
    observed = np.zeros((9, 9))
    for x, y in zip(ia, ib, strict=True):
        observed[x, y] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / len(ia)
    weights = (np.subtract.outer(cats, cats) ** 2) / (4.0**2)
    denom = float((weights * expected).sum())
    return round(1.0 - float((weights * observed).sum()) / denom, 3) if denom else None


def agreement(chosen: list[Labelled]) -> dict[str, object]:
    """The human ceiling: how well the two graders of each answer agree on overall."""
    pairs = [tuple(i.graders.values())[:2] for i in chosen if len(i.graders) >= 2]
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    return {
        "answers": len(pairs),
        "spearman": _spearman(a, b),
        "qwk": qwk(a, b),
        "mean_abs_diff": round(float(np.mean(np.abs(np.array(a) - np.array(b)))), 2) if pairs else None,
    }


def _agreement_block(ours: list[float], human: list[float]) -> dict[str, object]:
    diff = np.array(ours) - np.array(human)
    return {
        "answers": len(ours),
        "spearman": _spearman(ours, human),
        "mean_abs_error": round(float(np.mean(np.abs(diff))), 2) if len(diff) else None,
        "mean_bias": round(float(np.mean(diff)), 2) if len(diff) else None,
    }


def figures(
    settings: Settings,
    items: list[Labelled],
    split: str = HELD_OUT,
    grader: Grader | None = None,
    keep: dict[str, Critique] | None = None,
) -> dict[str, object]:
    """Agreement of a critic (default: the offline one) with the hand grades on one split.

    `keep`, when given, receives each answer's critique by answer id (tests read the feedback without critiquing
    the split twice).
    """
    grade = grader or offline_grader(settings)
    chosen = [i for i in items if i.split == split]
    crits = {i.id: grade(target_for(settings, i), i.answer) for i in chosen}
    if keep is not None:
        keep.update(crits)
    gradable = [i for i in chosen if i.kind not in UNGRADABLE_KINDS and i.family != "off_topic"]
    scored = [i for i in gradable if crits[i.id].overall is not None]

    def block(subset: list[Labelled]) -> dict[str, object]:
        return _agreement_block([float(crits[i.id].overall or 0) for i in subset], [i.grade["overall"] for i in subset])

    bank = [i for i in scored if in_bank(settings, i)]
    other = [i for i in scored if not in_bank(settings, i)]
    report: dict[str, object] = {
        "split": split,
        "answers": len(chosen),
        "overall": block(scored),
        "bank_questions": block(bank),
        "other_questions": block(other),
        "human_ceiling": agreement(chosen),
        "false_declines": f"{len(gradable) - len(scored)}/{len(gradable)}",
        "spearman_by_dimension": {
            d: _spearman([crits[i.id].dimensions[d] for i in scored], [i.grade[d] for i in scored]) for d in DIMENSIONS
        },
    }
    report.update(_behaviour(chosen, crits))
    return report


def _behaviour(chosen: list[Labelled], crits: dict[str, Critique]) -> dict[str, object]:
    """One-sided answers, attacks, declines and plain-language twins."""

    def overall(i: Labelled) -> float | None:
        return crits[i.id].overall

    one_sided = [i for i in chosen if i.kind in ("eval_only", "failure_only") and crits[i.id].dimensions]
    separated = [  # rounded: the scores shown have one decimal, and 4.6 - 3.6 is 0.9999... in floating point
        round(
            (crits[i.id].dimensions["evaluation"] - crits[i.id].dimensions["failure_modes"])
            * (1 if i.kind == "eval_only" else -1),
            1,
        )
        >= 1
        for i in one_sided
    ]
    by_family: dict[str, list[float | None]] = {}
    for i in chosen:
        if i.family in ATTACK_KINDS:
            by_family.setdefault(i.family, []).append(overall(i))
    strong: dict[str, float] = {}
    for i in chosen:
        if i.kind == "strong" and overall(i) is not None:
            strong[i.question_id] = max(strong.get(i.question_id, 0.0), float(overall(i) or 0))
    above = [
        i.id
        for i in chosen
        if i.family in ATTACK_KINDS and overall(i) is not None and float(overall(i) or 0) > strong.get(i.question_id, 5)
    ]
    twins = {i.id: i for i in chosen}
    twin_gaps = [
        abs(float(overall(i) or 0) - float(overall(twins[i.twin_of]) or 0))
        for i in chosen
        if i.kind == "plain_twin" and i.twin_of in twins and overall(i) is not None and overall(twins[i.twin_of])
    ]
    non_english = [i for i in chosen if i.kind == "non_english"]
    pairs = [
        (s, g)
        for q in {i.question_id for i in chosen}
        for s, g in product(
            [overall(i) for i in chosen if i.question_id == q and i.kind == "strong"],
            [overall(i) for i in chosen if i.question_id == q and i.kind in ("generic", "framework_template")],
        )
        if s is not None and g is not None
    ]
    return {
        "one_sided_separated": f"{sum(separated)}/{len(separated)}",
        "one_sided_rate": round(sum(separated) / max(len(separated), 1), 3),
        "attack_max": {k: max((v for v in vs if v is not None), default=None) for k, vs in sorted(by_family.items())},
        "attack_declined": {k: sum(v is None for v in vs) for k, vs in sorted(by_family.items())},
        "attacks_above_strong": above,
        "non_english_declined": f"{sum(overall(i) is None for i in non_english)}/{len(non_english)}",
        # answers written for their question (no attack) that the critic marked off-topic all the same
        "marked_off_topic": [i.id for i in chosen if i.family not in ATTACK_KINDS and "off_topic" in crits[i.id].flags],
        "twins_within_half_point": f"{sum(g <= 0.5 for g in twin_gaps)}/{len(twin_gaps)}",
        "twin_mean_gap": round(float(np.mean(twin_gaps)), 2) if twin_gaps else None,
        "strong_above_generic": f"{sum(s > g for s, g in pairs)}/{len(pairs)}",
    }


def write_figures(settings: Settings, report: dict[str, object], path: Path | None = None) -> Path:
    """Save the held-out figures that the README and the app show."""
    path = path or settings.knowledge_dir / FIGURES_FILE
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def load_figures(settings: Settings) -> dict[str, object] | None:
    """The committed figures shown in the app and README, if present."""
    try:
        return dict(json.loads((settings.knowledge_dir / FIGURES_FILE).read_text()))
    except (OSError, ValueError):
        return None
