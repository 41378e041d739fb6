"""Coaches: accounts and sign-in, assignments and share links, candidate attempts and score reviews (no UI)."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import DOMAINS, ROLES
from bot.errors import CoachError
from bot.models import Assignment, Coach, InterviewSession, Review, SignInAttempt, Turn, as_utc, utc_now
from bot.questions import SKILLS, FollowUp, Question
from bot.rubric import DIMENSIONS
from bot.store import Store

PASSWORDS = PasswordHasher()
MIN_PASSWORD_CHARS = 10
SIGN_IN_WINDOW = timedelta(minutes=15)
MAX_FAILED_SIGN_INS = 5  # per email and client within the window
CODE_BYTES = 24  # secrets.token_urlsafe(24): 192 random bits, 32 characters
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEY_POINT_DIMENSIONS = tuple(d for d in DIMENSIONS if d != "communication")  # communication key points are optional
MAX_TIME_LIMIT_S = 4 * 3600
MAX_COMMENT_CHARS = 2000
NOT_FOUND = "not found"
INVALID_LINK = "this assignment link is not valid; ask your coach for a new one"


def normalize_email(email: str) -> str:
    """The email lower-cased and stripped; CoachError when it does not look like an address."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise CoachError(f"{email[:60]!r} is not a valid email address")
    return email


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    """A hash to verify against when the email is unknown, so both failures take the same time."""
    return PASSWORDS.hash(secrets.token_urlsafe(16))


def add_coach(store: Store, email: str, password: str) -> Coach:
    """A new coach who signs in with email and password; the password is stored only as an argon2 hash."""
    email = normalize_email(email)
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise CoachError(f"choose a password of at least {MIN_PASSWORD_CHARS} characters")
    coach = Coach(email=email, password_hash=PASSWORDS.hash(password))
    try:
        with store.session() as db:
            if db.scalar(select(Coach.id).where(Coach.email == email)) is not None:
                raise CoachError(f"a coach with email {email} already exists")
            db.add(coach)
    except IntegrityError as exc:  # a concurrent add won the race
        raise CoachError(f"a coach with email {email} already exists") from exc
    return coach


def is_allowed_hf_user(username: str, email: str | None, allowed: list[str]) -> bool:
    """Whether a Hugging Face user (by username or email, case-insensitive) is on the coach allow-list."""
    wanted = {entry.strip().lower() for entry in allowed if entry.strip()}
    return username.strip().lower() in wanted or bool(email and email.strip().lower() in wanted)


def coach_for_hf_user(store: Store, username: str, allowed: list[str], email: str | None = None) -> Coach:
    """The coach for a Hugging Face sign-in (created on first sign-in) when the user is on the allow-list."""
    username = (username or "").strip()
    if not username or not is_allowed_hf_user(username, email, allowed):
        raise CoachError("this Hugging Face account may not coach here; ask the admin to add it to COACH_ALLOWLIST")
    address = normalize_email(email) if email else f"hf:{username.lower()}"
    with store.session() as db:
        coach = db.scalar(select(Coach).where(or_(Coach.username == username, Coach.email == address)))
        if coach is None:
            coach = Coach(email=address, username=username)
            db.add(coach)
        elif coach.username is None:
            coach.username = username  # link an email-and-password coach to their Hugging Face account
        db.flush()
        return coach


def _attempt_key(email: str, client_key: str) -> str:
    """A hash of email and client, so the attempts table holds neither."""
    return hashlib.sha256(f"{email}\0{client_key}".encode()).hexdigest()


def sign_in(store: Store, email: str, password: str, client_key: str) -> Coach:
    """The coach with these credentials; at most 5 failures per email and client in 15 minutes."""
    email = (email or "").strip().lower()
    key = _attempt_key(email, client_key)
    now = utc_now()
    with store.session() as db:
        db.execute(delete(SignInAttempt).where(SignInAttempt.created < now - SIGN_IN_WINDOW))
        failures = list(
            db.scalars(
                select(SignInAttempt.created)
                .where(SignInAttempt.key == key, SignInAttempt.created >= now - SIGN_IN_WINDOW)
                .order_by(SignInAttempt.created)
            )
        )
        if len(failures) >= MAX_FAILED_SIGN_INS:
            unlock = as_utc(failures[-MAX_FAILED_SIGN_INS]) + SIGN_IN_WINDOW
            minutes = max(1, math.ceil((unlock - now).total_seconds() / 60))
            raise CoachError(f"too many sign-in attempts; try again in {minutes} minute{'s' if minutes != 1 else ''}")
        coach = db.scalar(select(Coach).where(Coach.email == email))
    stored = coach.password_hash if coach is not None and coach.password_hash else None
    try:
        PASSWORDS.verify(stored or _decoy_hash(), password or "")
        verified = stored is not None
    except (VerificationError, InvalidHashError):
        verified = False
    with store.session() as db:
        if not verified or coach is None:
            db.add(SignInAttempt(key=key))
        else:
            db.execute(delete(SignInAttempt).where(SignInAttempt.key == key))
            if PASSWORDS.check_needs_rehash(coach.password_hash or ""):
                fresh = db.get(Coach, coach.id)
                if fresh is not None:
                    fresh.password_hash = PASSWORDS.hash(password)
    if not verified or coach is None:
        raise CoachError("wrong email or password")
    return coach


def _clean_custom_questions(raw: list[dict[str, Any]] | None, total: int) -> list[dict[str, Any]]:
    """Custom questions as {text, key_points{every dimension}}; CoachError naming the first problem."""
    cleaned: list[dict[str, Any]] = []
    for n, item in enumerate(raw or [], 1):
        text = str((item or {}).get("text") or "").strip()
        if not 20 <= len(text) <= 2000:
            raise CoachError(f"custom question {n} needs a question text of 20 to 2000 characters")
        given = (item or {}).get("key_points") or {}
        unknown = set(given) - set(DIMENSIONS)
        if unknown:
            raise CoachError(f"custom question {n}: unknown key point dimensions {sorted(unknown)}; use {DIMENSIONS}")
        key_points = {d: [str(p).strip() for p in given.get(d) or [] if str(p).strip()] for d in DIMENSIONS}
        missing = [d for d in KEY_POINT_DIMENSIONS if not key_points[d]]
        if missing:
            raise CoachError(f"custom question {n} needs key points for {', '.join(missing)}")
        cleaned.append({"text": text, "key_points": key_points})
    if len(cleaned) > total:
        raise CoachError(f"{len(cleaned)} custom questions do not fit in an interview of {total} questions")
    return cleaned


def create_assignment(
    store: Store,
    coach: Coach,
    title: str,
    role: str,
    domain: str | None,
    skill_focus: list[str],
    questions: int,
    difficulty: int,
    time_limit_s: int | None,
    due: datetime,
    custom_questions: list[dict[str, Any]] | None = None,
) -> Assignment:
    """A validated assignment with a fresh unguessable share code; a naive `due` is taken as UTC."""
    title = (title or "").strip()
    if not 1 <= len(title) <= 120:
        raise CoachError("give the assignment a title of 1 to 120 characters")
    if role not in ROLES:
        raise CoachError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "vertical" and domain not in DOMAINS:
        raise CoachError(f"a vertical role needs a domain: {', '.join(DOMAINS)}")
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
    custom = _clean_custom_questions(custom_questions, questions)
    assignment = Assignment(
        coach_id=coach.id,
        title=title,
        role=role,
        domain=domain if role == "vertical" else None,
        skill_focus=focus,
        questions=questions,
        difficulty=difficulty,
        time_limit_s=None if time_limit_s is None else int(time_limit_s),
        due=as_utc(due),
        code=secrets.token_urlsafe(CODE_BYTES),
        custom_questions=[],
    )
    with store.session() as db:
        db.add(assignment)
        db.flush()
        assignment.custom_questions = [{"id": custom_question_id(assignment.id, n), **q} for n, q in enumerate(custom)]
    return assignment


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


def assignment_questions(assignment: Assignment) -> list[Question]:
    """The assignment's custom questions as bank questions the interviewer can ask and the critic can grade."""
    skills = list(assignment.skill_focus) or ["product-judgment"]
    follow_ups = [
        FollowUp(dimension="evaluation", text="How would you know this works, before launch and after?"),
        FollowUp(dimension="failure_modes", text="What could go wrong for users here, and how would you catch it?"),
    ]
    return [
        Question(
            id=item["id"],
            role=assignment.role,  # type: ignore[arg-type]
            domain=assignment.domain,  # type: ignore[arg-type]
            skills=skills,
            difficulty=assignment.difficulty,
            text=item["text"],
            key_points=item["key_points"],
            follow_ups=follow_ups,
        )
        for item in assignment.custom_questions
    ]


def interview_settings(assignment: Assignment) -> dict[str, Any]:
    """What the interviewer needs to run an attempt of this assignment."""
    return {
        "role": assignment.role,
        "domain": assignment.domain,
        "questions": assignment.questions,
        "difficulty": assignment.difficulty,
        "skill_focus": list(assignment.skill_focus),
        "time_limit_s": assignment.time_limit_s,
        "custom_questions": assignment_questions(assignment),
    }


def start_attempt_record(
    store: Store,
    assignment: Assignment,
    candidate_name: str,
    candidate_email: str | None,
    session_id: str,
    candidate: str | None = None,
) -> InterviewSession:
    """Mark session `session_id` as an attempt of `assignment` by this candidate (creating the session if new)."""
    name = (candidate_name or "").strip()
    if not 1 <= len(name) <= 80:
        raise CoachError("enter your name (1 to 80 characters) to start the assignment")
    email = normalize_email(candidate_email) if candidate_email and candidate_email.strip() else None
    if as_utc(assignment.due) <= utc_now():
        raise CoachError(f"this assignment closed on {as_utc(assignment.due):%d %B %Y at %H:%M} UTC")
    attempt = {"assignment_id": assignment.id, "candidate_name": name, "candidate_email": email}
    with store.session() as db:
        row = db.get(InterviewSession, session_id)
        if row is None:
            row = InterviewSession(
                id=session_id,
                candidate=candidate or secrets.token_urlsafe(16),
                role=assignment.role,
                domain=assignment.domain,
                background="pm",
                questions=assignment.questions,
                **attempt,
            )
            db.add(row)
        elif row.assignment_id not in (None, assignment.id):
            raise CoachError("this interview already belongs to another assignment; start a new one")
        else:
            for field, value in attempt.items():
                setattr(row, field, value)
        db.flush()
        return row


def owned_assignment(db: Session, coach: Coach, assignment_id: int) -> Assignment:
    """The coach's own assignment; CoachError("not found") for anyone else's, without saying it exists."""
    assignment = db.get(Assignment, assignment_id)
    if assignment is None or assignment.coach_id != coach.id:
        raise CoachError(NOT_FOUND)
    return assignment


def owned_attempt(db: Session, coach: Coach, attempt_id: str) -> InterviewSession:
    """An attempt (session) of one of the coach's assignments; CoachError("not found") otherwise."""
    attempt = db.get(InterviewSession, attempt_id)
    if attempt is None or attempt.assignment_id is None:
        raise CoachError(NOT_FOUND)
    owned_assignment(db, coach, attempt.assignment_id)
    return attempt


def review(
    store: Store,
    coach: Coach,
    turn_id: int,
    dimension: str | None = None,
    score: int | None = None,
    comment: str | None = None,
) -> Review:
    """Record a score override (dimension None or "overall": the turn's overall) and/or comment on a turn."""
    dimension = None if dimension in (None, "", "overall") else dimension
    if dimension is not None and dimension not in DIMENSIONS:
        raise CoachError(f"unknown dimension {dimension!r}; use overall or one of {', '.join(DIMENSIONS)}")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5):
        raise CoachError("a score must be a whole number from 1 to 5")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise CoachError(f"keep the comment under {MAX_COMMENT_CHARS} characters")
    if score is None and comment is None:
        raise CoachError("give a score, a comment, or both")
    with store.session() as db:
        turn = db.get(Turn, turn_id)
        if turn is None:
            raise CoachError(NOT_FOUND)
        owned_attempt(db, coach, turn.session_id)
        entry = Review(turn_id=turn_id, coach_id=coach.id, dimension=dimension, score=score, comment=comment)
        db.add(entry)
        db.flush()
        return entry


def coach_add_command(email: str, password: str | None) -> int:
    """`python -m bot coach add EMAIL`: add a coach, asking for the password when not given; prints one line."""
    from getpass import getpass

    from bot.config import get_settings
    from bot.store import make_store

    if password is None:
        password = getpass("Password for the new coach: ")
        if getpass("Repeat the password: ") != password:
            raise CoachError("the two passwords differ; run the command again")
    coach = add_coach(make_store(get_settings()), email, password)
    print(f"added coach {coach.email}; they can sign in on the Coach tab")
    return 0
