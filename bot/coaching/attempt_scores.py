"""One definition of an attempt's scores, used by the candidate's results, History, dashboards and exports.

Per question: the interview's own result (the main answer's scores, raised by its follow-ups on the dimension each
probed, less 0.5 per hint, as `bot.interview.policy.question_overall` scores it), then the newest coach override of
each dimension on any of the question's turns, with the question's overall recomputed from them unless a coach
overrode the overall itself. The attempt: the mean over answered questions. Every figure is rounded to one
decimal (`ROUND`), wherever it is shown.

A finished interview keeps its per-question results in its archive. An unfinished one has only its turns: each
question then counts its first graded answer, or a better try again, and its hints (its follow-ups count once the
interview ends).
"""

from __future__ import annotations

from collections import Counter
from statistics import mean
from typing import Any

from bot.config import get_settings
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS
from bot.interview.policy import question_overall
from bot.interview.summary import SCORE_DECIMALS as ROUND
from bot.storage.models import InterviewSession


def _from_turns(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-question results of an unfinished interview: its first graded answer (or a better try again), its hints."""
    hints = Counter(t["question_id"] for t in turns if t["kind"] == "hint")
    results: dict[str, dict[str, Any]] = {}
    for turn in turns:
        critique = turn["critique"] or {}
        qid = turn["question_id"]
        if turn["kind"] == "answer" and qid and qid not in results and critique.get("overall") is not None:
            scores = {d: float(v) for d, v in (critique.get("dimensions") or {}).items() if d in DIMENSIONS}
            results[qid] = {"question_id": qid, "question": turn["prompt"], "scores": scores, "hints": hints[qid]}
        attempt = critique.get("attempt") or {}
        if turn["kind"] == "retry" and qid in results and attempt.get("counted") and attempt.get("scores"):
            # a better try again counts for the question as a whole (bot.interview.retry)
            results[qid]["scores"] = {d: float(v) for d, v in attempt["scores"].items() if d in DIMENSIONS}
    return list(results.values())


def _base_results(attempt: InterviewSession, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The interview's own per-question results: from the archive once it ended, else from its turns."""
    archived = (attempt.archive or {}).get("results") if attempt.archive else None
    if archived is None:
        return _from_turns(turns)
    return [
        {"question_id": r["question_id"], "question": r["question"], "scores": dict(r["scores"]), "hints": r["hints"]}
        for r in archived
        if r.get("scores")
    ]


def question_scores(attempt: InterviewSession, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each answered question's scores with coach overrides applied: {question_id, question, scores, overall, ...}."""
    rubric = load_rubric(get_settings().rubric_path)
    questions = []
    for result in _base_results(attempt, turns):
        scores: dict[str, float] = {d: float(result["scores"][d]) for d in DIMENSIONS if d in result["scores"]}
        overall: float | None = None
        overridden = []
        for turn in (t for t in turns if t["question_id"] == result["question_id"]):
            for entry in turn["reviews"]:  # oldest first: the newest override wins
                if entry["score"] is None:
                    continue
                if entry["dimension"] in DIMENSIONS:
                    scores[entry["dimension"]] = float(entry["score"])
                    overridden.append(entry["dimension"])
                else:
                    overall = float(entry["score"])
                    overridden.append("overall")
        if overall is None and all(d in scores for d in DIMENSIONS):
            overall = question_overall(rubric, scores, result["hints"])
        questions.append(
            {
                "question_id": result["question_id"],
                "question": result["question"],
                "scores": {d: round(v, ROUND) for d, v in scores.items()},
                "overall": None if overall is None else round(overall, ROUND),
                "hints": result["hints"],
                "overridden": sorted(set(overridden)),
            }
        )
    return questions


def attempt_scores(questions: list[dict[str, Any]]) -> dict[str, float | None]:
    """The attempt's overall and per-dimension scores: means over its answered questions, one decimal."""
    scored = [q for q in questions if q["overall"] is not None]
    out: dict[str, float | None] = {"overall": round(mean(q["overall"] for q in scored), ROUND) if scored else None}
    for dimension in DIMENSIONS:
        values = [q["scores"][dimension] for q in scored if dimension in q["scores"]]
        out[dimension] = round(mean(values), ROUND) if values else None
    return out
