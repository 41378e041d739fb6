"""Coach accounts: email-and-password (argon2) and Hugging Face sign-in, with sign-in throttling."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from bot.errors import CoachError
from bot.storage.models import CoachAccount, SignInAttempt, as_utc, utc_now
from bot.storage.store import Store

PASSWORDS = PasswordHasher()
MIN_PASSWORD_CHARS = 10
SIGN_IN_WINDOW = timedelta(minutes=15)
MAX_FAILED_SIGN_INS = 5  # per email and client within the window
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def add_coach(store: Store, email: str, password: str) -> CoachAccount:
    """A new coach who signs in with email and password; the password is stored only as an argon2 hash."""
    email = normalize_email(email)
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise CoachError(f"choose a password of at least {MIN_PASSWORD_CHARS} characters")
    coach = CoachAccount(email=email, password_hash=PASSWORDS.hash(password))
    try:
        with store.session() as db:
            if db.scalar(select(CoachAccount.id).where(CoachAccount.email == email)) is not None:
                raise CoachError(f"a coach with email {email} already exists")
            db.add(coach)
    except IntegrityError as exc:  # a concurrent add won the race
        raise CoachError(f"a coach with email {email} already exists") from exc
    return coach


def is_allowed_hf_user(username: str, email: str | None, allowed: list[str]) -> bool:
    """Whether a Hugging Face user (by username or email, case-insensitive) is on the coach allow-list."""
    wanted = {entry.strip().lower() for entry in allowed if entry.strip()}
    return username.strip().lower() in wanted or bool(email and email.strip().lower() in wanted)


def coach_for_hf_user(store: Store, username: str, allowed: list[str], email: str | None = None) -> CoachAccount:
    """The coach for a Hugging Face sign-in (created on first sign-in) when the user is on the allow-list."""
    username = (username or "").strip()
    if not username or not is_allowed_hf_user(username, email, allowed):
        raise CoachError("this Hugging Face account may not coach here; ask the admin to add it to COACH_ALLOWLIST")
    address = normalize_email(email) if email else f"hf:{username.lower()}"
    with store.session() as db:
        coach = db.scalar(
            select(CoachAccount).where(or_(CoachAccount.username == username, CoachAccount.email == address))
        )
        if coach is None:
            coach = CoachAccount(email=address, username=username)
            db.add(coach)
        elif coach.username is None:
            coach.username = username  # link an email-and-password coach to their Hugging Face account
        db.flush()
        return coach


def _attempt_key(email: str, client_key: str) -> str:
    """A hash of email and client, so the attempts table holds neither."""
    return hashlib.sha256(f"{email}\0{client_key}".encode()).hexdigest()


def sign_in(store: Store, email: str, password: str, client_key: str) -> CoachAccount:
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
        coach = db.scalar(select(CoachAccount).where(CoachAccount.email == email))
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
                fresh = db.get(CoachAccount, coach.id)
                if fresh is not None:
                    fresh.password_hash = PASSWORDS.hash(password)
    if not verified or coach is None:
        raise CoachError("wrong email or password")
    return coach


def coach_add_command(email: str, password: str | None) -> int:
    """`python -m bot coach add EMAIL`: add a coach, asking for the password when not given; prints one line."""
    from getpass import getpass

    from bot.config import get_settings
    from bot.storage.store import make_store

    if password is None:
        password = getpass("Password for the new coach: ")
        if getpass("Repeat the password: ") != password:
            raise CoachError("the two passwords differ; run the command again")
    coach = add_coach(make_store(get_settings()), email, password)
    print(f"added coach {coach.email}; they can sign in on the Coach tab")
    return 0
