"""The offline critic: rubric scores from coverage, reasoning and topicality features and a fitted linear map."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.config import Settings, get_settings
from bot.content.rubric import Rubric, load_rubric
from bot.content.vocabulary import DIMENSIONS, RIVAL, SCORED, label
from bot.critic.features import AnswerView, embed_references
from bot.critic.guard import CAP, GRADER_FLAG, cap_scores, screen
from bot.critic.model import Citation, Critique, Target
from bot.errors import CoachError

log = logging.getLogger(__name__)
MODEL_FILE = "critic_model.json"


def dimension_features(view: AnswerView, target: Target, rubric: Rubric, dim: str) -> list[float]:
    """The features the fitted model reads for one dimension (see `python -m bot eval --fit`)."""
    reasoning = float(view.weights.mean()) if len(view.weights) else 0.0
    if dim == "communication":
        return [
            min(view.structure, 4) / 4,
            min(view.numbers, 4) / 4,
            view.question_similarity,
            reasoning,
            min(view.words, 250) / 250,
            float(view.decision),
        ]
    rivals = _rivals(target, rubric, dim)
    key = [c for c, _ in view.coverage(target.key_points.get(dim, []), rivals, *target.ramp)]
    concepts = sorted(
        (c for c, _ in view.coverage(rubric.dimensions[dim].concepts, rivals, *target.ramp)), reverse=True
    )
    kp_cov = float(np.mean(key)) if key else 0.0
    concept_cov = float(np.mean(concepts[:4])) if concepts else 0.0
    breadth = min(sum(1 for c in concepts if c >= 0.5), 4) / 4
    return [kp_cov, concept_cov, breadth, reasoning, view.question_similarity]


def _rivals(target: Target, rubric: Rubric, dim: str) -> list[str]:
    """References of the other core dimension (evaluation vs failure modes); none for product judgment."""
    other = RIVAL.get(dim)
    if other is None:
        return []
    return [*target.key_points.get(other, []), *rubric.dimensions[other].concepts]


@lru_cache(maxsize=2)
def load_fit(knowledge_dir: Path) -> dict[str, list[float]]:
    """Per-dimension weights (intercept first), fitted on the calibration train split."""
    path = knowledge_dir / MODEL_FILE
    try:
        return dict(json.loads(path.read_text())["weights"])
    except (OSError, ValueError, KeyError) as exc:
        raise CoachError(f"critic model {path} is missing or invalid; run `python -m bot eval --fit`") from exc


def predict(weights: list[float], features: list[float]) -> float:
    """A dimension score from the fitted linear map, clipped to 1..5."""
    return float(np.clip(weights[0] + float(np.dot(weights[1:], features)), 1.0, 5.0))


def _caps(view: AnswerView, injected: bool) -> list[str]:
    flags = []
    if injected:
        flags.append(GRADER_FLAG)
    if view.words < 25:
        flags.append("too_short")
    if view.question_similarity < 0.2 and view.words >= 25:
        flags.append("off_topic")
    if view.list_ratio >= 0.5 or (len(view.weights) and float(view.weights.mean()) < 0.45):
        flags.append("list_without_reasoning")
    return flags


def _strengths(view: AnswerView, target: Target) -> list[str]:
    found: list[tuple[float, str]] = []
    for dim in SCORED:
        points = target.key_points.get(dim, [])
        for point, (credit, idx) in zip(points, view.coverage(points, (), *target.ramp), strict=True):
            if credit >= 0.6 and idx >= 0:
                said = view.sentences[idx]
                said = said if len(said) <= 160 else said[:157] + "..."
                found.append((credit, f'{label(dim)}: you said "{said}", which covers: {point}'))
    return [text for _, text in sorted(found, reverse=True)[:3]]


def _gaps(view: AnswerView, target: Target, rubric: Rubric, scores: dict[str, float]) -> list[str]:
    gaps: list[str] = []
    for dim in sorted(SCORED, key=lambda d: scores[d]):
        points = target.key_points.get(dim, [])
        missed = [
            p for p, (credit, _) in zip(points, view.coverage(points, (), *target.ramp), strict=True) if credit < 0.35
        ]
        title = rubric.dimensions[dim].title
        gaps += [f"{title}: {point}" for point in missed[:2]]
        level = int(scores[dim])
        if level <= 3:
            gaps.append(
                f"{title} is at level {level}; level {level + 1} means: {rubric.dimensions[dim].levels[level + 1]}"
            )
    return gaps[:5]


def _follow_up(target: Target, rubric: Rubric, dim: str) -> str:
    own = [f.text for f in target.follow_ups if f.dimension == dim]
    return own[0] if own else rubric.dimensions[dim].probe


def _outline(target: Target) -> list[str]:
    pj = target.key_points.get("product_judgment", [])
    outline = [f"Frame the problem: {pj[0]}"] if pj else []
    outline += [f"Evaluate: {p}" for p in target.key_points.get("evaluation", [])[:3]]
    outline += [f"Plan for failure: {p}" for p in target.key_points.get("failure_modes", [])[:3]]
    outline += [f"Decide: {p}" for p in pj[1:2]]
    outline.append("Close with a recommendation and the number that would change your mind.")
    return outline


def _blend(question: str, statements: list[str]) -> list[float]:
    """One search vector for a question and some statements, from their cached vectors (nothing new embedded)."""
    vectors = embed_references([question, *statements])
    blended = vectors[0] + vectors[1:].mean(axis=0) if len(statements) else vectors[0]
    return (blended / max(float(np.linalg.norm(blended)), 1e-12)).tolist()


def _citations(settings: Settings, target: Target, weakest: str, gaps: list[str]) -> list[Citation]:
    from bot.retrieval.index import ensure_index
    from bot.retrieval.search import retrieve

    ensure_index(settings)
    topic = {"evaluation": "evaluation", "failure_modes": "failure-modes"}.get(weakest)
    points = target.key_points.get(weakest, [])[:2]
    hits = retrieve(settings, " ".join([target.text, *points]), k=2, topic=topic, embedding=_blend(target.text, points))
    hits += retrieve(
        settings, " ".join([target.text, *gaps[:2]]), k=3, role=target.role, embedding=_blend(target.text, gaps[:2])
    )
    seen: set[tuple[str, str]] = set()
    out = []
    for hit in hits:
        if (hit.source, hit.heading) not in seen:
            seen.add((hit.source, hit.heading))
            out.append(Citation(topic=hit.topic, source=hit.source, heading=hit.heading, text=hit.text))
    return out[:3]


def critique_target(
    target: Target, answer: str, settings: Settings | None = None, with_citations: bool = True
) -> Critique:
    """The offline critique of `answer` against `target`."""
    settings = settings or get_settings()
    rubric = load_rubric(settings.rubric_path)
    fit = load_fit(settings.knowledge_dir)
    screened = screen(answer, settings.answer_token_limit)
    view = AnswerView.of(screened.text, target.text)
    scores = {d: round(predict(fit[d], dimension_features(view, target, rubric, d)), 1) for d in DIMENSIONS}
    flags = _caps(view, bool(screened.injected))
    if screened.truncated:
        flags.append("truncated")
    capped = [f for f in flags if f != "truncated"]
    if capped:
        scores = cap_scores(scores)
    overall = rubric.overall(scores)
    if capped:
        overall = min(overall, CAP)
    weakest = min(SCORED, key=lambda d: scores[d])
    gaps = _gaps(view, target, rubric, scores)
    notices = list(screened.notices)
    notices += [_FLAG_NOTICES[f] for f in capped if f in _FLAG_NOTICES]
    citations: list[Citation] = []
    if with_citations:
        try:
            citations = _citations(settings, target, weakest, gaps)
        except CoachError as exc:
            notices.append(f"Guide citations unavailable: {exc}")
    return Critique(
        overall=overall,
        dimensions=scores,
        strengths=[] if capped else _strengths(view, target),
        gaps=gaps,
        follow_up=_follow_up(target, rubric, weakest),
        follow_up_dimension=weakest,
        stronger_answer=_outline(target),
        citations=citations,
        source="offline",
        flags=flags,
        notices=notices,
        offline_overall=overall,
        question_id=target.question_id,
    )


_FLAG_NOTICES = {
    "too_short": "The answer is too short to show reasoning; aim for a structured answer of 150-300 words.",
    "off_topic": "The answer does not seem to address this question; the score is capped at 2.",
    "list_without_reasoning": "The answer lists terms without explaining how or why; the score is capped at 2.",
}
