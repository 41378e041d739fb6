"""The drill service the app, the API, the CLI and coaching call: start, submit (answers kept), view and history."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import select

from bot.config import Settings, get_settings
from bot.content.vocabulary import role_domain
from bot.drills.cases import MAX_SEED, check_difficulty, check_seed, generate_case
from bot.drills.grading import RationaleGrader, check_answers, critic_grader, grade_case
from bot.drills.model import Case, DrillOutcome, DrillView, check_kind
from bot.drills.rating import RaterSet, check_labels, grade_round, load_rater_sets, pick_set, plan_rounds
from bot.drills.records import outcome_of, summary
from bot.drills.scenarios import load_scenarios
from bot.errors import CoachError
from bot.storage.models import DrillAttempt, utc_now
from bot.storage.store import Store, make_store

ALREADY_GRADED = "This drill is already graded; start a new one to try again."
MAX_ANSWER_CHARS = 20_000  # a hard cap on what is stored; parts set their own, lower limits
MAX_NOTICES = 5


def read_answers(answers: object) -> dict[str, Any]:
    """Answers as a dict of part (or item) id to value; a JSON object as text is accepted too."""
    if isinstance(answers, str):
        try:
            answers = json.loads(answers) if answers.strip() else {}
        except ValueError:
            raise CoachError("answers must be a JSON object of part id to answer") from None
    if not isinstance(answers, dict):
        raise CoachError("answers must be an object of part id to answer")
    given: dict[Any, Any] = answers["labels"] if isinstance(answers.get("labels"), dict) else answers
    return {str(k): ("" if v is None else str(v)[:MAX_ANSWER_CHARS]) for k, v in given.items()}


def round_view(rater_set: RaterSet, number: int, item_ids: list[str]) -> dict[str, Any]:
    """One round as the rater sees it: the items' inputs and outputs, never the expert's labels."""
    items = [{"id": i, "input": rater_set.item(i).input, "output": rater_set.item(i).output} for i in item_ids]
    return {"round": number, "items": items}


class DrillService:
    """Drills behind the store: every start, every entered answer and every grade is kept in the database."""

    def __init__(
        self,
        settings: Settings | None = None,
        store: Store | None = None,
        grade_rationale: RationaleGrader | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.store = store or make_store(self.settings)
        self.grade_rationale = grade_rationale or critic_grader(self.settings)

    def start(
        self,
        kind: str,
        role: str,
        domain: str | None = None,
        seed: int | str | None = None,
        difficulty: int | str = 2,
        *,
        candidate: str | None = None,
        rater_set: str | None = None,
        assignment_id: int | None = None,
        candidate_name: str | None = None,
        candidate_email: str | None = None,
    ) -> DrillView:
        """Start a drill (a random seed when none is given) and keep it under the candidate's key."""
        kind = check_kind(kind)
        role, domain = role_domain(role, domain or None)
        seed = secrets.randbelow(MAX_SEED + 1) if seed in (None, "") else check_seed(seed)
        level = check_difficulty(difficulty)
        content: dict[str, Any]
        if kind == "case":
            case = generate_case(load_scenarios(self.settings.drill_scenarios_path), role, domain, seed, level)
            title, content = case.question, {"case": case.model_dump()}
        else:
            chosen = pick_set(load_rater_sets(self.settings.rater_sets_dir), role, domain, seed, rater_set)
            rounds = plan_rounds(chosen, seed, level)
            title, content = chosen.title, {"rater_set": chosen.model_dump(), "rounds": [list(r) for r in rounds]}
        drill_id = f"drill-{secrets.token_urlsafe(16)}"
        with self.store.session() as db:
            db.add(
                DrillAttempt(
                    id=drill_id,
                    kind=kind,
                    candidate=candidate or secrets.token_urlsafe(12),
                    role=role,
                    domain=domain,
                    seed=seed,
                    difficulty=level,
                    title=title[:200],
                    content=content,
                    answers={},
                    round=1,
                    assignment_id=assignment_id,
                    candidate_name=candidate_name,
                    candidate_email=candidate_email,
                )
            )
        return self.view(drill_id)

    def _row(self, db: Any, drill_id: str, lock: bool = False) -> DrillAttempt:
        query = select(DrillAttempt).where(DrillAttempt.id == str(drill_id or ""))
        row = db.scalar(query.with_for_update() if lock else query)
        if row is None:
            raise CoachError(f"no drill with id {drill_id!r}; start a new one")
        return row

    def view(self, drill_id: str) -> DrillView:
        """The drill as shown (data and parts, or the current round's items), what was entered, and any result."""
        with self.store.session() as db:
            row = self._row(db, drill_id)
            view = DrillView(
                drill_id=row.id,
                kind=row.kind,
                role=row.role,
                domain=row.domain,
                seed=row.seed,
                difficulty=row.difficulty,
                round=min(row.round, 2),
                answers=dict(row.answers or {}),
                outcome=outcome_of(row),
            )
            if row.kind == "case":
                view.case = Case.model_validate(row.content["case"]).public()
                return view
            rater_set = RaterSet.model_validate(row.content["rater_set"])
            rounds, number = row.content["rounds"], view.round
            view.rater = {**rater_set.public(), **round_view(rater_set, number, rounds[number - 1])}
            view.answers = dict((row.answers or {}).get(str(number), {}))
            if view.outcome is not None and row.finished is None:
                view.outcome.next_round = round_view(rater_set, 2, rounds[1])
            return view

    def submit(self, drill_id: str, answers: object) -> DrillOutcome:
        """Keep what was entered; grade once every part (or every item of the round) has a valid answer."""
        given = read_answers(answers)
        with self.store.session() as db:
            row = self._row(db, drill_id, lock=True)
            if row.finished is not None:
                done = outcome_of(row, [ALREADY_GRADED])
                assert done is not None  # a finished drill always holds its result
                return done
            return self._submit_case(row, given) if row.kind == "case" else self._submit_round(row, given)

    def _submit_case(self, row: DrillAttempt, given: dict[str, Any]) -> DrillOutcome:
        case = Case.model_validate(row.content["case"])
        known = {p.id for p in case.parts}
        notices = [f"ignored unknown part {key!r}" for key in sorted(set(given) - known)][:MAX_NOTICES]
        entered = {**(row.answers or {}), **{k: v for k, v in given.items() if k in known and v.strip()}}
        row.answers = entered
        parsed, errors = check_answers(case, entered)
        base: dict[str, Any] = {"drill_id": row.id, "kind": row.kind, "answers": entered, "notices": notices}
        if errors:
            return DrillOutcome(**base, complete=False, done=False, errors=errors)
        grades, score = grade_case(case, parsed, self.grade_rationale)
        row.result = {"grades": [g.model_dump() for g in grades]}
        row.score, row.finished = score, utc_now()
        return DrillOutcome(**base, complete=True, done=True, grades=grades, score=score)

    def _submit_round(self, row: DrillAttempt, given: dict[str, Any]) -> DrillOutcome:
        rater_set = RaterSet.model_validate(row.content["rater_set"])
        rounds: list[list[str]] = row.content["rounds"]
        number = min(row.round, 2)
        ids = rounds[number - 1]
        notices = [f"item {key!r} is not in round {number}; ignored" for key in sorted(set(given) - set(ids))]
        notices = notices[:MAX_NOTICES]
        saved = dict((row.answers or {}).get(str(number), {}))
        entered = {**saved, **{k: v for k, v in given.items() if k in ids and v.strip()}}
        row.answers = {**(row.answers or {}), str(number): entered}
        valid, errors = check_labels(rater_set, ids, entered)
        base: dict[str, Any] = {"drill_id": row.id, "kind": row.kind, "answers": entered, "notices": notices}
        previous = [] if not row.result else list(row.result.get("rounds", []))
        if errors:
            return DrillOutcome(**base, complete=False, done=False, errors=errors)
        graded = grade_round(rater_set, number, ids, valid)
        results = [*previous, graded.model_dump()]
        row.result = {"rounds": results}
        row.score = max(0.0, graded.kappa)
        row.round = number + 1
        if number == 2:
            row.finished = utc_now()
        outcome = outcome_of(row, notices)
        assert outcome is not None
        outcome.answers = entered
        if number == 1:
            outcome.next_round = round_view(rater_set, 2, rounds[1])
        return outcome

    def history(self, candidate: str) -> list[dict[str, Any]]:
        """A candidate's drills, oldest first, as summary rows."""
        with self.store.session() as db:
            rows = db.scalars(
                select(DrillAttempt).where(DrillAttempt.candidate == candidate).order_by(DrillAttempt.started)
            )
            return [summary(r) for r in rows]
