"""Coach accounts: email-and-password (argon2) and Hugging Face sign-in, within per-account sign-in limits."""

from __future__ import annotations

import logging
import re
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from bot.coaching import devices, sign_in_limits
from bot.errors import CoachError
from bot.storage.models import CoachAccount, utc_now
from bot.storage.store import Store
from bot.text import strip_controls

log = logging.getLogger(__name__)
# argon2id, RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): named rather than left to the
# library's default, so an upgrade of argon2-cffi cannot weaken it unnoticed (a changed profile rehashes at sign-in)
PASSWORD_PARAMETERS = RFC_9106_LOW_MEMORY
PASSWORDS = PasswordHasher.from_parameters(PASSWORD_PARAMETERS)
MIN_PASSWORD_CHARS = 10
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


def _verified(coach: CoachAccount | None, password: str) -> bool:
    """Whether the password is this coach's; an unknown email (or no password) is checked against a decoy hash."""
    stored = coach.password_hash if coach is not None and coach.password_hash else None
    try:
        PASSWORDS.verify(stored or _decoy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def _rehash_if_needed(store: Store, coach: CoachAccount, password: str) -> None:
    """Store a fresh hash when argon2's parameters have changed since this password was hashed."""
    if PASSWORDS.check_needs_rehash(coach.password_hash or ""):
        with store.session() as db:
            fresh = db.get(CoachAccount, coach.id)
            if fresh is not None:
                fresh.password_hash = PASSWORDS.hash(password)


def sign_in(store: Store, email: str, password: str, client_key: str, device_token: object = None) -> CoachAccount:
    """The coach with these credentials, within the sign-in limits of `bot.coaching.sign_in_limits`.

    `device_token` is what the browser kept from an earlier sign-in (`devices.remember_device`). When it names one of
    this account's devices, only that device's own failures count, so a correct password from it is never refused
    because others failed; otherwise the account's failures from every client count, with exponential back-off. The
    attempt is stored as a failure before the password is checked (insert-then-count, one transaction), and every
    failure and refusal is logged at WARNING with the account's hash prefix and `client_key`, never the password or
    the email. Unknown emails take the same path, messages and time as wrong passwords.
    """
    email = (email or "").strip().lower()
    account = sign_in_limits.account_hash(email)[:12]
    client = strip_controls(str(client_key or "unknown"))[:64]
    with store.session() as db:
        coach = db.scalar(select(CoachAccount).where(CoachAccount.email == email))
        device = devices.trusted_device(db, coach, device_token, utc_now())
    scope = sign_in_limits.device_scope(device.token_hash) if device else sign_in_limits.account_scope(email, client)
    via = "trusted device" if device else "no trusted device"
    try:
        sign_in_limits.claim_attempt(store, scope)
    except sign_in_limits.BackedOff as refused:
        log.warning(
            "coach sign-in refused: account %s, client %s, %s: %d recent failures, next try in %d min",
            account,
            client,
            via,
            refused.failures,
            refused.minutes,
        )
        raise
    if not _verified(coach, password) or coach is None:  # the check runs for unknown emails too (decoy hash)
        log.warning("coach sign-in failed: account %s, client %s, %s", account, client, via)
        raise CoachError("wrong email or password")
    sign_in_limits.forget_failures(store, scope)
    _rehash_if_needed(store, coach, password)
    log.info("coach signed in: account %s, client %s, %s", account, client, via)
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
