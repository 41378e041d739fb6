"""Coaching rules at their edges, sixth batch: a password hashed under older argon2 parameters, and a blank share
link."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from bot.coaching import accounts
from bot.coaching.attempts import start_attempt
from bot.errors import CoachError
from bot.interview.service import InterviewService
from bot.storage.models import CoachAccount
from tests.test_coaching_rules import PASSWORD

pytestmark = pytest.mark.without_index  # the store alone: no guide index needed

OLDER_PARAMETERS = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1)  # not the parameters in use


def stored_hash(store, coach):
    with store.session() as db:
        return db.scalar(select(CoachAccount.password_hash).where(CoachAccount.id == coach.id))


def test_signing_in_upgrades_a_hash_made_under_older_parameters_and_keeps_the_password(store):
    coach = accounts.add_coach(store, "veteran@rules6.test", PASSWORD)
    with store.session() as db:
        db.execute(
            update(CoachAccount)
            .where(CoachAccount.id == coach.id)
            .values(password_hash=OLDER_PARAMETERS.hash(PASSWORD))
        )
    assert accounts.sign_in(store, "veteran@rules6.test", PASSWORD, "ip-1").id == coach.id
    assert not accounts.PASSWORDS.check_needs_rehash(stored_hash(store, coach))
    assert accounts.sign_in(store, "veteran@rules6.test", PASSWORD, "ip-1").id == coach.id


@pytest.mark.parametrize("code", ["", "   ", None])
def test_a_blank_share_link_says_the_link_is_not_valid(code):
    with pytest.raises(CoachError, match="link is not valid; ask your coach for a new one"):
        start_attempt(InterviewService(), code, "Ada")
