"""Assignments: interview settings and custom questions, or a drill; the share link; the plan an attempt runs."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.coaching.custom_questions import clean_questions
from bot.content.questions import Question
from bot.content.vocabulary import SKILLS, role_domain
from bot.drills.cases import MAX_SEED, check_difficulty, check_seed
from bot.drills.model import check_kind
from bot.errors import CoachError
from bot.interview.state import InterviewPlan
from bot.storage.models import Assignment, CoachAccount, as_utc, utc_now
from bot.storage.store import Store

CODE_BYTES = 24  # secrets.token_urlsafe(24): 192 random bits, 32 characters
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_TIME_LIMIT_S = 4 * 3600
MAX_ATTEMPTS = 20  # the most a coach may allow per candidate (None: no limit)
INVALID_LINK = "this assignment link is not valid; ask your coach for a new one"


def create_assignment(
    store: Store,
    coach: CoachAccount,
    title: str,
    role: str,
    domain: str | None,
    skill_focus: list[str],
    questions: int,
    difficulty: int,
    time_limit_s: int | None,
    due: datetime,
    custom_questions: list[dict[str, Any]] | None = None,
    max_attempts: int | None = None,
    feedback_after_end: bool = False,
) -> Assignment:
    """A validated assignment with a fresh unguessable share code; a naive `due` is taken as UTC.

    `max_attempts` limits the attempts per candidate; `feedback_after_end` holds the gaps and the stronger-answer
    outline back until an attempt ends (scores still show after every answer).
    """
    title = (title or "").strip()
    if not 1 <= len(title) <= 120:
        raise CoachError("give the assignment a title of 1 to 120 characters")
    role, domain = role_domain(role, domain)
    focus = list(dict.fromkeys(skill_focus or []))
    unknown = [s for s in focus if s not in SKILLS]
    if unknown:
        raise CoachError(f"unknown skills {unknown}; choose from {', '.join(SKILLS)}")
    if isinstance(questions, bool) or not isinstance(questions, int) or not 1 <= questions <= 20:
        raise CoachError("choose 1 to 20 questions")
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 3:
        raise CoachError("choose a difficulty from 1 to 3")
    if time_limit_s is not None and not 60 <= int(time_limit_s) <= MAX_TIME_LIMIT_S:
        raise CoachError(f"set a time limit from 60 to {MAX_TIME_LIMIT_S} seconds, or none")
    if not isinstance(due, datetime) or as_utc(due) <= utc_now():
        raise CoachError("the due date must be in the future")
    custom = clean_questions(custom_questions, questions)
    limit = check_max_attempts(max_attempts)
    assignment = Assignment(
        coach_id=coach.id,
        title=title,
        role=role,
        domain=domain,
        skill_focus=focus,
        questions=questions,
        difficulty=difficulty,
        time_limit_s=None if time_limit_s is None else int(time_limit_s),
        due=as_utc(due),
        code=secrets.token_urlsafe(CODE_BYTES),
        custom_questions=[],
        max_attempts=limit,
        feedback_after_end=bool(feedback_after_end),
    )
    with store.session() as db:
        db.add(assignment)
        db.flush()
        assignment.custom_questions = [{"id": custom_question_id(assignment.id, n), **q} for n, q in enumerate(custom)]
    return assignment


def create_drill_assignment(
    store: Store,
    coach: CoachAccount,
    title: str,
    kind: str,
    role: str,
    domain: str | None,
    seed: int | str | None,
    difficulty: int,
    due: datetime,
    max_attempts: int | None = None,
) -> Assignment:
    """A drill for a cohort: every candidate gets the same case (or rater rounds) from the fixed seed."""
    title = (title or "").strip()
    if not 1 <= len(title) <= 120:
        raise CoachError("give the assignment a title of 1 to 120 characters")
    role, domain = role_domain(role, domain)
    kind = check_kind(kind)
    fixed = secrets.randbelow(MAX_SEED + 1) if seed in (None, "") else check_seed(seed)
    level = check_difficulty(difficulty)
    limit = check_max_attempts(max_attempts)
    if not isinstance(due, datetime) or as_utc(due) <= utc_now():
        raise CoachError("the due date must be in the future")
    assignment = Assignment(
        coach_id=coach.id,
        title=title,
        role=role,
        domain=domain,
        skill_focus=[],
        questions=0,
        difficulty=level,
        time_limit_s=None,
        due=as_utc(due),
        code=secrets.token_urlsafe(CODE_BYTES),
        custom_questions=[],
        drill={"kind": kind, "seed": fixed, "difficulty": level},
        max_attempts=limit,
    )
    with store.session() as db:
        db.add(assignment)
        db.flush()
    return assignment


def check_max_attempts(value: int | None) -> int | None:
    """The attempts allowed per candidate (1 to MAX_ATTEMPTS) or None for no limit; CoachError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ATTEMPTS:
        raise CoachError(f"allow 1 to {MAX_ATTEMPTS} attempts per candidate, or leave it empty for no limit")
    return value


def custom_question_id(assignment_id: int, index: int) -> str:
    """The question id turns record for an assignment's custom question (fits the 32-character column)."""
    return f"asg{assignment_id}-q{index + 1}"


def share_link(base_url: str, assignment: Assignment) -> str:
    """The link a candidate opens to take the assignment."""
    return f"{base_url.rstrip('/')}/?assignment={assignment.code}"


def open_assignment(store: Store, code: str) -> Assignment:
    """The open assignment behind a share code; CoachError when the code is malformed, unknown or past due."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise CoachError(INVALID_LINK)
    with store.session() as db:
        assignment = db.scalar(select(Assignment).where(Assignment.code == code))
    if assignment is None:
        raise CoachError(INVALID_LINK)
    due = as_utc(assignment.due)
    if due <= utc_now():
        raise CoachError(f"this assignment closed on {due:%d %B %Y at %H:%M} UTC")
    return assignment


DEFAULT_FOLLOW_UPS = (
    {"dimension": "evaluation", "text": "How would you know this works, before launch and after?"},
    {"dimension": "failure_modes", "text": "What could go wrong for users here, and how would you catch it?"},
)


def assignment_questions(assignment: Assignment) -> list[Question]:
    """The assignment's custom questions as bank questions the interviewer can ask and the critic can grade.

    A question without its own role, difficulty or follow-ups takes the assignment's role and difficulty and two
    general follow-ups.
    """
    skills = list(assignment.skill_focus) or ["product-judgment"]
    questions = []
    for item in assignment.custom_questions:
        own_role = item.get("role")
        fields = {
            "id": item["id"],
            "role": own_role or assignment.role,
            "domain": item.get("domain") if own_role else assignment.domain,
            "skills": skills,
            "difficulty": item.get("difficulty") or assignment.difficulty,
            "text": item["text"],
            "key_points": item["key_points"],
            "follow_ups": list(item.get("follow_ups") or DEFAULT_FOLLOW_UPS),
        }
        questions.append(Question.model_validate(fields))
    return questions


def interview_plan(assignment: Assignment) -> InterviewPlan:
    """What the interview service runs for an attempt of this assignment."""
    return InterviewPlan(
        role=assignment.role,
        domain=assignment.domain,
        questions=assignment.questions,
        difficulty=assignment.difficulty,
        custom=assignment_questions(assignment),
        focus=list(assignment.skill_focus),
        time_limit_s=assignment.time_limit_s,
        closes_at=as_utc(assignment.due).timestamp(),
        hold_feedback=assignment.feedback_after_end,
    )
