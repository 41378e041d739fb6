"""How often a coach sign-in may be tried: failures counted per account, or per trusted device, with back-off.

The rules (numbers in the constants below):

- An attempt without a trusted device token is judged on the account's failures of the last 24 hours, whoever made
  them and from wherever. The first 5 failures cost nothing; after n >= 5 failures the next try must wait
  2^(n-5) minutes after the latest one: 1, 2, 4, 8, 16, 32, then 60 minutes at most.
- An attempt with a trusted device token (`bot.coaching.devices`) is judged on that device's own failures alone, by
  the same rule, and its failures count for that device only: others' failures never refuse a correct password from
  a browser the coach signed in from before.
- Insert-then-count: the attempt is stored as a failure first and the failures are counted in the same transaction,
  under a lock on the scope (PostgreSQL: a transaction-level advisory lock; SQLite: the insert takes the database's
  single write lock before anything is read), so concurrent attempts are counted exactly and no more than 5 reach
  the password check. A refused attempt is rolled back: no password was checked, so it is no failure. A correct
  password deletes its own row and the earlier failures of its scope from that client or device.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bot.errors import CoachError
from bot.storage.models import SignInAttempt, as_utc, utc_now
from bot.storage.store import Store

FREE_FAILURES = 5  # failures in a scope before any wait
FIRST_WAIT = timedelta(minutes=1)  # the wait after the 5th failure; it doubles with each further one
MAX_WAIT = timedelta(minutes=60)
FAILURE_MEMORY = timedelta(hours=24)  # failures older than this are forgotten (longer than MAX_WAIT, by design)
_MAX_DOUBLINGS = 6  # 2^6 minutes is already past MAX_WAIT; keeps the power small


def _sha256(*parts: str) -> str:
    """A hex sha256 of the parts joined by NUL, so the attempts table holds no email, address or token."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def account_hash(email: str) -> str:
    """The hash of a normalised email that names its account in the attempts table and in the log."""
    return _sha256(email)


@dataclass(frozen=True)
class AttemptScope:
    """Whose failures judge an attempt: an account's (no trusted device) or one trusted device's."""

    key: str  # sign_in_attempts.key: hash of (email, client), or of the device's token hash
    account: str | None  # sign_in_attempts.account: the account hash when the account's failures judge; None else

    @property
    def lock(self) -> str:
        """What concurrent attempts in this scope serialise on."""
        return f"sign-in:{self.account or self.key}"


def account_scope(email: str, client: str) -> AttemptScope:
    """The scope of an attempt without a trusted device: the account's failures, from any client."""
    return AttemptScope(key=_sha256(email, client), account=account_hash(email))


def device_scope(device_token_hash: str) -> AttemptScope:
    """The scope of an attempt from a trusted device: that device's failures alone."""
    return AttemptScope(key=_sha256("device", device_token_hash), account=None)


def back_off(failures: int) -> timedelta:
    """How long after the latest failure the next try must wait: nothing before 5, then 1, 2, 4 ... 60 minutes."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(MAX_WAIT, FIRST_WAIT * 2 ** min(failures - FREE_FAILURES, _MAX_DOUBLINGS))


class BackedOff(CoachError):
    """A sign-in refused before its password is checked: its scope failed too often, too recently."""

    def __init__(self, failures: int, remaining: timedelta) -> None:
        self.failures = failures
        self.minutes = max(1, math.ceil(remaining.total_seconds() / 60))
        plural = "s" if self.minutes != 1 else ""
        super().__init__(f"too many sign-in attempts; try again in {self.minutes} minute{plural}")


def _lock_scope(db: Session, name: str) -> None:
    """Hold a PostgreSQL advisory lock on `name` until this transaction ends (SQLite: the write lock already is)."""
    if db.get_bind().dialect.name == "postgresql":
        number = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
        db.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})


def claim_attempt(store: Store, scope: AttemptScope) -> int:
    """Store this attempt as a failure, then count the scope's earlier failures in the same transaction.

    Returns the attempt's row id (the password may now be checked), or raises BackedOff, which rolls the row back.
    """
    with store.session() as db:
        attempt = SignInAttempt(key=scope.key, account=scope.account, created=utc_now())
        db.add(attempt)
        db.flush()  # the insert comes first: on SQLite it takes the write lock before the count reads
        _lock_scope(db, scope.lock)
        now = utc_now()  # read under the lock: every failure counted below was stored before this moment
        db.execute(delete(SignInAttempt).where(SignInAttempt.created < now - FAILURE_MEMORY))
        mine = SignInAttempt.account == scope.account if scope.account else SignInAttempt.key == scope.key
        failures, latest = db.execute(
            select(func.count(), func.max(SignInAttempt.created)).where(
                mine, SignInAttempt.created >= now - FAILURE_MEMORY, SignInAttempt.id != attempt.id
            )
        ).one()
        wait = back_off(failures)
        if wait and now < as_utc(latest) + wait:
            raise BackedOff(failures, as_utc(latest) + wait - now)
        return int(attempt.id)


def forget_failures(store: Store, scope: AttemptScope) -> None:
    """After a correct password: delete the failures of this client on this account, or of this device.

    The just-claimed attempt is among them; other clients' failures on the account stay.
    """
    with store.session() as db:
        db.execute(delete(SignInAttempt).where(SignInAttempt.key == scope.key))
