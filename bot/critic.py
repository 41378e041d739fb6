"""The critique: its model, the offline critic (the default), and the entry point `critique()`."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from bot.config import Settings, get_settings
from bot.errors import CoachError
from bot.features import AnswerView, split_sentences
from bot.guard import screen
from bot.questions import FollowUp, Question, load_bank
from bot.rubric import DIMENSIONS, Rubric, load_rubric

log = logging.getLogger(__name__)
SCORED = ("evaluation", "failure_modes", "product_judgment")  # dimensions with key points
MODEL_FILE = "critic_model.json"
CAP = 2.0  # the ceiling for answers that game the grader, wander off topic, or list terms without reasoning


class Citation(BaseModel):
    """A guide chunk the critique drew on."""

    topic: str
    source: str
    heading: str
    text: str = ""


class Critique(BaseModel):
    """Rubric feedback on one answer."""

    overall: float = Field(ge=1, le=5)
    dimensions: dict[str, float]
    strengths: list[str]
    gaps: list[str]
    follow_up: str
    follow_up_dimension: str
    stronger_answer: list[str]
    citations: list[Citation]
    source: str = "offline"
    flags: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    offline_overall: float | None = None
    question_id: str | None = None


@dataclass(frozen=True)
class Target:
    """What an answer is judged against: the question and its key points (bank or derived)."""

    text: str
    role: str
    domain: str | None
    key_points: dict[str, list[str]]
    follow_ups: tuple[FollowUp, ...] = ()
    question_id: str | None = None
    derived: bool = False  # key points are general rubric concepts, which sit farther from concrete sentences

    @property
    def ramp(self) -> tuple[float, float]:
        """Similarity that earns no credit, and similarity that earns full credit."""
        return (0.15, 0.45) if self.derived else (0.25, 0.6)

    @classmethod
    def of(cls, question: Question) -> Target:
        return cls(
            question.text, question.role, question.domain, question.key_points, tuple(question.follow_ups), question.id
        )


# ---- features and the fitted linear map --------------------------------------------------------------


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
    other = {"evaluation": "failure_modes", "failure_modes": "evaluation"}.get(dim)
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


# ---- the offline critic ------------------------------------------------------------------------------


def _caps(view: AnswerView, injected: bool) -> list[str]:
    flags = []
    if injected:
        flags.append("addressed_grader")
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
                found.append(
                    (credit, f'{dim.replace("_", " ").capitalize()}: you said "{said}", which covers: {point}')
                )
    return [text for _, text in sorted(found, reverse=True)[:3]]


def _gaps(view: AnswerView, target: Target, rubric: Rubric, scores: dict[str, float]) -> list[str]:
    gaps: list[str] = []
    for dim in sorted(SCORED, key=lambda d: scores[d]):
        points = target.key_points.get(dim, [])
        missed = [
            p for p, (credit, _) in zip(points, view.coverage(points, (), *target.ramp), strict=True) if credit < 0.35
        ]
        label = rubric.dimensions[dim].title
        gaps += [f"{label}: {point}" for point in missed[:2]]
        level = int(scores[dim])
        if level <= 3:
            gaps.append(
                f"{label} is at level {level}; level {level + 1} means: {rubric.dimensions[dim].levels[level + 1]}"
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


def _citations(settings: Settings, target: Target, weakest: str, gaps: list[str]) -> list[Citation]:
    from bot.knowledge import ensure_index, retrieve

    ensure_index(settings)
    topic = {"evaluation": "evaluation", "failure_modes": "failure-modes"}.get(weakest)
    query = " ".join([target.text[:300], *target.key_points.get(weakest, [])[:2]])
    hits = retrieve(settings, query, k=2, topic=topic) if topic else []
    hits += retrieve(settings, target.text[:400] + " " + " ".join(gaps[:2]), k=3, role=target.role)
    seen: set[tuple[str, str]] = set()
    out = []
    for hit in hits:
        if (hit.source, hit.heading) not in seen:
            seen.add((hit.source, hit.heading))
            out.append(Citation(topic=hit.topic, source=hit.source, heading=hit.heading, text=hit.text))
    return out[:3]


def derived_target(settings: Settings, question: str, role: str, domain: str | None) -> Target:
    """Key points for a question the bank doesn't know: the rubric concepts closest to it, plus guide content."""
    from bot.features import embed_references
    from bot.knowledge import ensure_index, retrieve

    ensure_index(settings)
    rubric = load_rubric(settings.rubric_path)
    qvec = embed_references([question])[0]
    hits = retrieve(settings, question, k=3, role=role)
    bodies = [re.sub(r"[*_`#>]+", "", hit.text.split("\n\n", 1)[-1]) for hit in hits]
    sentences = [
        s for body in bodies for s in split_sentences(body) if 8 <= len(s.split()) <= 40 and not s.endswith("?")
    ]
    points: dict[str, list[str]] = {}
    for dim in SCORED:
        concepts = rubric.dimensions[dim].concepts
        closest = np.argsort(-(embed_references(concepts) @ qvec))[:3]
        points[dim] = [concepts[i] for i in sorted(closest)]
        if sentences:
            fit_dim = (embed_references(sentences) @ embed_references(concepts).T).max(axis=1)
            best = sentences[int(np.argmax(fit_dim))]
            if best not in sum(points.values(), []):
                points[dim].append(best)
    return Target(text=question, role=role, domain=domain, key_points=points, derived=True)


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
        scores = {d: min(s, CAP) for d, s in scores.items()}
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


def resolve_target(settings: Settings, question: str, role: str, domain: str | None) -> Target:
    """The bank's question when the wording matches one, else a target derived from the guides."""
    found = load_bank(settings.questions_dir).find(question)
    return Target.of(found) if found else derived_target(settings, question, role, domain)


def critique(question: str, answer: str, role: str, domain: str | None = None) -> Critique:
    """Critique `answer` to `question` for a candidate preparing for `role` (and `domain`, for vertical)."""
    from bot.config import DOMAINS, ROLES

    if role not in ROLES:
        raise CoachError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if domain is not None and domain not in DOMAINS:
        raise CoachError(f"unknown domain {domain!r}; use one of {', '.join(DOMAINS)}")
    if not answer.strip():
        raise CoachError("the answer is empty; write an answer first")
    if not question.strip():
        raise CoachError("the question is empty")
    settings = get_settings()
    return critique_target(resolve_target(settings, question, role, domain), answer, settings)
