"""Trusted coach devices: a random token a browser keeps after a password sign-in, stored here only as its sha256.

A device token is not a session: it never signs anyone in. It only tells `sign_in` that this browser signed in to
this account before, so the attempt is judged on that device's own failures instead of the account's back-off
(OWASP's "device cookie"). Resetting a coach's password or removing the coach deletes their devices.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.models import CoachAccount, CoachDevice, utc_now
from bot.storage.store import Store

DEVICE_LIFETIME = timedelta(days=90)  # a device unused this long is forgotten and must start over
MAX_TOKEN_CHARS = 128  # what a browser sends back is anyone's input: longer is not one of ours


def token_hash(token: str) -> str:
    """The sha256 of a device token: the only form the database holds."""
    return hashlib.sha256(token.encode()).hexdigest()


def clean_token(token: object) -> str | None:
    """The token as a string when it could be one of ours (a browser's stored value may be anything), else None."""
    if isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS:
        return token
    return None


def trusted_device(db: Session, coach: CoachAccount | None, token: object, now: datetime) -> CoachDevice | None:
    """The device this token names when it belongs to `coach` and was used within DEVICE_LIFETIME, else None.

    The lookup runs whether or not there is a coach, so an unknown email costs the same query as a known one.
    """
    token = clean_token(token)
    if token is None:
        return None
    device = db.scalar(
        select(CoachDevice).where(
            CoachDevice.token_hash == token_hash(token), CoachDevice.last_used >= now - DEVICE_LIFETIME
        )
    )
    return device if device is not None and coach is not None and device.coach_id == coach.id else None


def remember_device(store: Store, coach: CoachAccount, token: object = None) -> str:
    """The device token for the browser a coach just signed in from, to keep for the next sign-in.

    That is `token` itself when it is already one of this coach's devices (its last use moves to now), otherwise a
    new random token, stored hashed. Devices of this coach unused for DEVICE_LIFETIME are deleted on the way.
    """
    now = utc_now()
    with store.session() as db:
        device = trusted_device(db, coach, token, now)
        if device is not None:
            device.last_used = now
            return str(token)
        db.execute(
            delete(CoachDevice).where(CoachDevice.coach_id == coach.id, CoachDevice.last_used < now - DEVICE_LIFETIME)
        )
        fresh = secrets.token_urlsafe(32)
        db.add(CoachDevice(coach_id=coach.id, token_hash=token_hash(fresh), created=now, last_used=now))
        return fresh
