"""Hugging Face sign-in for coaches on a Space: whether it is on, and the coach account behind a profile."""

from __future__ import annotations

import importlib.util
import logging
import os
from typing import Any

from bot.coaching import accounts
from bot.storage.models import CoachAccount
from bot.storage.store import Store

log = logging.getLogger(__name__)


def hf_sign_in_available() -> bool:
    """Whether to offer Hugging Face sign-in: on a Space with OAuth enabled (hf_oauth: true) and gradio[oauth]."""
    if not (os.environ.get("SPACE_ID") and os.environ.get("OAUTH_CLIENT_ID")):
        return False
    if importlib.util.find_spec("itsdangerous") is None:
        log.warning("Hugging Face sign-in is off: add gradio[oauth] to the requirements and set hf_oauth: true")
        return False
    return True


def hf_account(store: Store, profile: dict[str, Any] | None, allowed: list[str]) -> CoachAccount | None:
    """The coach for a Hugging Face profile on the allow-list (created on first sign-in); None otherwise."""
    if profile is None:
        return None
    username = str(profile.get("preferred_username") or "")
    if not accounts.is_allowed_hf_user(username, profile.get("email"), allowed):
        return None
    return accounts.coach_for_hf_user(store, username, allowed, email=profile.get("email"))
