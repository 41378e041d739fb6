"""The offline critic.

Which key points the answer supports (a pair classifier, not similarity), answer-level
signals, the fitted maps per dimension (`fitted`), caps for answers that game the grader, and honest declines.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import Settings, get_settings
from bot.content.questions import load_bank
from bot.content.rubric import Rubric, load_rubric
from bot.content.vocabulary import DIMENSIONS, SCORED
from bot.critic import feedback
from bot.critic.features import WORD, AnswerView, Coverage
from bot.critic.fitted import Fit, load_fit
from bot.critic.guard import CAP, GRADER_FLAG, cap_scores, screen
from bot.critic.model import Citation, Critique, Target
from bot.critic.signals import Signals, language, language_name, read_saved_references, signals
from bot.critic.support import CREDIT, SupportModel, load_support
from bot.errors import CoachError

log = logging.getLogger(__name__)
LIST_CAP = 2.5  # a pasted outline or list of key points without a plan for this scenario
SHORT_WORDS = 25
# Paraphrase padding: the mean cosine of each kept sentence with its closest earlier one. On the fitting splits'
# 636 answers, every answer padded to 1,200+ words by restating itself sits at 0.59-0.70 and every other answer
# of ten sentences or more at 0.53 or less (strong answers 0.28-0.49).
PADDING = 0.55
PADDING_SENTENCES = 10
LIST_RATIO = 0.5  # more than this share of sentences are terms or fragments: a list, not a plan
# An interview answer runs 150-400 words: the fitting splits' 137 strong answers run 145-376 words (median 326), and
# the longest answer any writer gave without padding it was 505 words. Past LONG_WORDS, only the first
# CREDITED_WORDS (a strong answer's length) earn credit, so length by restatement earns nothing, and communication
# is held at LONG_COMMUNICATION (the rubric's "wanders" side: nobody listens to 1,200 words).
LONG_WORDS = 700
CREDITED_WORDS = 350
LONG_COMMUNICATION = 2.5
# Every answer padded past 1,100 words in the calibration data before gen-holdout2 (9 answers, two grader pools) is
# graded 0.5 to 3 points below the same writer's strong answer to the same question; the credited part alone reads like that strong
# answer, so the whole answer loses LONG_PENALTY overall on top of the communication hold.
LONG_PENALTY = 0.5
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


def credited_text(text: str) -> tuple[str, bool]:
    """The part of a screened answer that earns credit, and whether the answer was cut (past LONG_WORDS)."""
    if len(WORD.findall(text)) > LONG_WORDS:
        return first_words(text, CREDITED_WORDS), True
    return text, False


def first_words(text: str, limit: int) -> str:
    """The text up to the end of the sentence in which its `limit`-th word falls."""
    words = list(WORD.finditer(text))
    if len(words) <= limit:
        return text
    end = _SENTENCE_END.search(text, words[limit - 1].end())
    return text[: end.end() if end else len(text)].strip()


@dataclass(frozen=True)
class Probe:
    """A follow-up being answered.

    The dimension it probes, what was asked, the critique of the answer so far, and the candidate's earlier
    answers to this question (the probed dimension is judged on everything they said).
    """

    dimension: str
    text: str
    base: Critique
    earlier: str = ""


@dataclass
class Reading:
    """Everything the critic read from one answer against one target."""

    view: AnswerView
    coverage: dict[str, list[Coverage]]
    concepts: dict[str, list[Coverage]]
    signals: Signals


def read(view: AnswerView, target: Target, rubric: Rubric, model: SupportModel, bank_dir: Path) -> Reading:
    """Coverage of key points and rubric concepts, and the answer-level signals, for one answer."""
    coverage = {d: view.coverage(model, target.key_points.get(d, [])) for d in SCORED}
    concepts = {d: view.coverage(model, rubric.dimensions[d].concepts) for d in SCORED}
    points = [p for d in SCORED for p in target.key_points.get(d, [])]
    credit = view.support(model, points) @ CREDIT if points else np.zeros((0, 0))
    per_sentence = credit.max(axis=1) if credit.size else np.zeros(len(view.sentences))
    sig = signals(view, target, rubric, load_bank(bank_dir), feedback.outline(target), per_sentence)
    return Reading(view, coverage, concepts, sig)


CAPPED_FLAGS = (GRADER_FLAG, "too_short", "off_topic", "list_without_reasoning", "padding")  # at most CAP (2)

RIVAL_OF = {
    "evaluation": "failure_modes",
    "failure_modes": "evaluation",
    "product_judgment": "evaluation",
    "communication": "product_judgment",
}


def _coverage_features(reading: Reading, dim: str) -> list[float]:
    key = [c.credit for c in reading.coverage[dim]]
    concepts = sorted((c.credit for c in reading.concepts[dim]), reverse=True)
    return [
        float(np.mean(key)) if key else 0.0,
        max(key) if key else 0.0,
        sum(k >= 0.5 for k in key) / max(len(key), 1),
        float(np.mean(concepts[:3])) if concepts else 0.0,
        concepts[0] if concepts else 0.0,
        float(np.mean([c.contradiction for c in reading.coverage[dim]])) if key else 0.0,
    ]


def dimension_features(reading: Reading, dim: str, style: float) -> list[float]:
    """The features the fitted model reads for one dimension (see `python -m bot eval --fit`).

    Coverage of this
    dimension's key points and concepts (communication reads evaluation's), the same for its rival dimension,
    answer-level signals, and `style`, the dimension's score predicted from the answer's mean sentence vector.
    """
    view, sig = reading.view, reading.signals
    own = _coverage_features(reading, "evaluation" if dim == "communication" else dim)
    rival = _coverage_features(reading, RIVAL_OF[dim])
    return [
        *own,
        sig.topicality,
        sig.grounding,
        min(view.words, 400) / 400,
        min(view.numbers, 6) / 6,
        sig.plan_share,
        view.redundancy,
        view.repeated / max(len(view.sentences) + view.repeated, 1),
        view.list_ratio,
        min(view.structure, 4) / 4,
        float(view.decision),
        min(len(view.sentences), 40) / 40,
        rival[0],
        rival[1],
        rival[3],
        style,
    ]


def difference_features(reading: Reading, style_gap: float) -> list[float]:
    """What the evaluation-minus-failure-modes map reads.

    Both dimensions' coverage, their differences, and the gap between their style scores.
    """
    ev = _coverage_features(reading, "evaluation")
    fm = _coverage_features(reading, "failure_modes")
    return [*(a - b for a, b in zip(ev, fm, strict=True)), *ev, *fm, style_gap]


def flags_of(reading: Reading, injected: bool, whole: AnswerView | None = None) -> list[str]:
    """The flags that cap or annotate a score (`whole`: the full answer, where only a part of it was read)."""
    view, sig = reading.view, reading.signals
    flags = [GRADER_FLAG] if injected else []
    if view.words < SHORT_WORDS:
        flags.append("too_short")
    if sig.off_topic and view.words >= SHORT_WORDS:
        flags.append("off_topic")
    if view.list_ratio > LIST_RATIO and view.words >= SHORT_WORDS:
        flags.append("list_without_reasoning")
    if sig.copied >= 0.5 and len(view.sentences) >= 3:
        flags.append("pasted_outline")
    if view.repeated >= 2:
        flags.append("repetition")
    whole = whole or view
    if whole.redundancy >= PADDING and len(whole.sentences) >= PADDING_SENTENCES:
        flags.append("padding")
    return flags


def declined(target: Target, notice: str, flag: str) -> Critique:
    """A critique that gives no score, and says why."""
    return Critique(
        overall=None,
        dimensions={},
        strengths=[],
        gaps=[],
        follow_up=None,
        follow_up_dimension=None,
        stronger_answer=[],
        citations=[],
        flags=[flag],
        notices=[notice],
        question_id=target.question_id,
    )


def decline_reason(text: str) -> tuple[str, str] | None:
    """Why the critic cannot grade this answer at all (it is not in English), if so."""
    code = language(text)
    if code:
        return (
            "not_english",
            f"This answer looks like it is written in {language_name(code)}. The coach grades answers in English "
            "only, so it gives no score rather than a misleading one. Your answer is saved; answer in English to "
            "get a critique.",
        )
    return None


def _scores(reading: Reading, target: Target, fit: Fit) -> dict[str, float]:
    path = "derived" if target.derived else "bank"
    style = fit.style_scores(reading.view)
    scores = {d: fit.score(path, d, dimension_features(reading, d, style[d])) for d in DIMENSIONS}
    if fit.difference:
        w = fit.difference
        gap = w[0] + float(np.dot(w[1:], difference_features(reading, style["evaluation"] - style["failure_modes"])))
        mean = (scores["evaluation"] + scores["failure_modes"]) / 2
        scores["evaluation"] = float(np.clip(mean + gap / 2, 1.0, 5.0))
        scores["failure_modes"] = float(np.clip(mean - gap / 2, 1.0, 5.0))
    return {d: round(v, 1) for d, v in scores.items()}


def critique_target(
    target: Target,
    answer: str,
    settings: Settings | None = None,
    with_citations: bool = True,
    probe: Probe | None = None,
) -> Critique:
    """The offline critique of `answer` against `target` (or of a follow-up answer, when `probe` is given)."""
    settings = settings or get_settings()
    read_saved_references(settings.vectors_path)
    rubric = load_rubric(settings.rubric_path)
    model = load_support(settings.knowledge_dir)
    screened = screen(answer, settings.answer_token_limit)
    reason = decline_reason(screened.text)
    if reason:
        return declined(target, reason[1], reason[0])
    reply, long_answer = credited_text(screened.text)
    # a follow-up reply is short by design: its dimension is judged on all the candidate said to this question
    view = AnswerView.of(f"{probe.earlier}\n\n{reply}" if probe and probe.earlier else reply)
    reading = read(view, target, rubric, model, settings.questions_dir)
    scores = _scores(reading, target, load_fit(settings.knowledge_dir))
    quoted = reading  # what strengths quote: the answer, or for a follow-up the reply itself
    if probe is not None:
        scores = _merge_follow_up(probe, scores)
        quoted = read(AnswerView.of(reply), target, rubric, model, settings.questions_dir)
    flags = flags_of(reading, bool(screened.injected), AnswerView.of(screened.text) if long_answer else None)
    if long_answer:
        flags.append("long_answer")
        scores["communication"] = min(scores["communication"], LONG_COMMUNICATION)
    if probe is not None:  # a follow-up answer is short by design
        flags = [f for f in flags if f != "too_short"]
    capped = [f for f in flags if f in CAPPED_FLAGS]
    if capped:
        scores = cap_scores(scores)
    elif "pasted_outline" in flags:
        scores = {d: min(s, LIST_CAP) for d, s in scores.items()}
    overall = rubric.overall(scores)
    overall = min(overall, CAP) if capped else min(overall, LIST_CAP) if "pasted_outline" in flags else overall
    if long_answer:
        overall = max(round(overall - LONG_PENALTY, 1), 1.0)
    if screened.truncated:
        flags.append("truncated")
    weakest = min(SCORED, key=lambda d: scores[d])
    # a follow-up's gaps (and level) are about what it probed, judged on everything said to the question
    probed = probe.dimension if probe else None
    gaps = feedback.gaps(target, rubric, scores, reading.coverage, only=probed)
    levels = {} if set(flags) & feedback.NO_LEVEL_FLAGS else feedback.next_level(rubric, scores, probed)
    notices = [*screened.notices, *(feedback.FLAG_NOTICES[f] for f in flags if f in feedback.FLAG_NOTICES)]
    critique = Critique(
        overall=overall,
        dimensions=scores,
        strengths=[] if capped else feedback.strengths(quoted.view, target, quoted.coverage),
        gaps=gaps[:5],
        next_level=levels,
        follow_up=feedback.follow_up(target, rubric, weakest),
        follow_up_dimension=weakest,
        stronger_answer=[] if probe is not None else feedback.outline(target),
        citations=[],
        source="offline",
        flags=flags,
        notices=notices,
        offline_overall=overall,
        question_id=target.question_id,
    )
    return add_citations(critique, target, settings) if with_citations else critique


def add_citations(critique: Critique, target: Target, settings: Settings) -> Critique:
    """`critique` with guide passages on its weakest dimension and first gaps (searched in the guide index).

    Apart from critique_target, so that a critique scored in a worker process gets its citations from the
    process that holds the index.
    """
    if not critique.dimensions:  # declined: nothing to point at
        return critique
    weakest = min(SCORED, key=lambda d: critique.dimensions[d])
    try:
        citations = _citations(settings, target, weakest, critique.gaps)
    except CoachError as exc:
        return critique.model_copy(update={"notices": [*critique.notices, f"Guide citations unavailable: {exc}"]})
    return critique.model_copy(update={"citations": citations})


def _merge_follow_up(probe: Probe, scores: dict[str, float]) -> dict[str, float]:
    """Scores of a follow-up answer: the probed dimension from it.

    The others stay as the main answer left them
    (a short, on-point reply is what a follow-up asks for, so it is not judged on the whole question).
    """
    merged = dict(probe.base.dimensions)
    merged[probe.dimension] = scores[probe.dimension]
    return merged


def _blend(question: str, statements: list[str]) -> list[float]:
    """One search vector for a question and some statements, from their cached vectors (nothing new embedded)."""
    from bot.critic.features import embed_references

    vectors = embed_references([question, *statements])
    blended = vectors[0] + vectors[1:].mean(axis=0) if len(statements) else vectors[0]
    return (blended / max(float(np.linalg.norm(blended)), 1e-12)).tolist()


def _citations(settings: Settings, target: Target, weakest: str, gaps: list[str]) -> list[Citation]:
    from bot.retrieval.search import retrieve

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
