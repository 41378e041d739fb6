"""Still more rules at their edges: title lengths, trusted devices of several coaches, the coach commands' help, hint
phrases, and a try again opened a second time."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.cli import main
from bot.coaching import accounts, assignments, devices
from bot.config import get_settings
from bot.errors import CoachError
from bot.interview.hints import HINTS_FILE, angle, load_hints
from bot.interview.retry import HINT_REFUSED, RETRY_QUESTION
from bot.interview.service import InterviewService
from bot.storage.models import CoachDevice, utc_now
from tests.storage import assignment_fields

PASSWORD = "correct horse battery"
TITLE_RULE = "^give the assignment a title of 1 to 120 characters$"
WEAK = "I would ship it and see how it goes."


@pytest.fixture
def coach(store):
    return accounts.add_coach(store, "lead@rules3.test", PASSWORD)


# ------------------------------------------------------------------ assignment titles


@pytest.mark.without_index
def test_an_assignment_title_of_121_characters_is_refused_and_120_accepted(store, coach):
    assert assignments.create_assignment(store, coach, **assignment_fields(title="t" * 120)).title == "t" * 120
    with pytest.raises(CoachError, match=TITLE_RULE):
        assignments.create_assignment(store, coach, **assignment_fields(title="t" * 121))


@pytest.mark.without_index
def test_a_drill_title_of_one_character_is_accepted_and_a_blank_one_refused(store, coach):
    due = utc_now() + timedelta(days=3)
    assert assignments.create_drill_assignment(store, coach, " Q ", "case", "feature", None, 7, 2, due).title == "Q"
    with pytest.raises(CoachError, match=TITLE_RULE):
        assignments.create_drill_assignment(store, coach, "   ", "case", "feature", None, 7, 2, due)


# ------------------------------------------------------------------ trusted devices


def devices_by_coach(store) -> dict[int, int]:
    with store.session() as db:
        owners = list(db.scalars(select(CoachDevice.coach_id)))
    return {owner: owners.count(owner) for owner in set(owners)}


@pytest.mark.without_index
def test_a_sign_in_forgets_the_coachs_own_stale_devices_and_leaves_other_coaches_devices(store, coach):
    other = accounts.add_coach(store, "other@rules3.test", PASSWORD)
    devices.remember_device(store, coach)
    devices.remember_device(store, other)
    with store.session() as db:  # both browsers unused for longer than a device is kept
        db.execute(update(CoachDevice).values(last_used=utc_now() - devices.DEVICE_LIFETIME - timedelta(minutes=1)))
    devices.remember_device(store, coach)  # the coach signs in again from a new browser
    assert devices_by_coach(store) == {coach.id: 1, other.id: 1}  # the coach's new device; the other's untouched


# ------------------------------------------------------------------ coach commands


@pytest.mark.without_index
def test_coach_reset_password_help_says_every_trusted_device_is_signed_out(capsys):
    with pytest.raises(SystemExit):
        main(["coach", "reset-password", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "set a new password and sign out trusted devices. Every trusted device of the coach is signed out" in shown


# ------------------------------------------------------------------ hints


@pytest.mark.without_index
def test_a_hint_phrase_never_ends_on_a_verbs_ing_form():
    words = load_hints(get_settings().knowledge_dir / HINTS_FILE).words
    assert angle("refunds spiking after launch", "What would you check after launch?", {}, words) == "refunds"


# ------------------------------------------------------------------ try again


def test_pressing_try_again_while_it_is_open_clears_the_refused_hint_notice():
    service = InterviewService()
    sid = service.start("feature", questions=2).session_id
    assert service.submit(sid, WEAK).can_try_again
    service.try_again(sid)
    assert service.submit(sid, "hint").notices == [HINT_REFUSED]
    again = service.try_again(sid)
    assert again.messages == [] and again.notices == []
    assert service.view(sid).notices == [] and service.view(sid).transcript[-1].kind == RETRY_QUESTION
