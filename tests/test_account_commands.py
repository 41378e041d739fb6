"""`python -m bot coach list|remove|reset-password`, run in-process through the CLI's `main` on both backends."""

import json

import pytest
from argon2.exceptions import VerificationError
from sqlalchemy import func, select

from bot.cli import main
from bot.coaching import accounts, assignments, reviews
from bot.coaching.reports import attempts
from bot.errors import CoachError
from bot.storage.models import Assignment, CoachAccount, CoachDevice, Review
from tests.storage import assignment_fields, take_attempt

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
pytestmark = pytest.mark.without_index  # the store alone: no guide index needed


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of one `python -m bot` command."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def trust_device(store, coach, token: str) -> None:
    with store.session() as db:
        db.add(CoachDevice(coach_id=coach.id, token_hash=token.ljust(64, "0")))


def count(store, model, coach) -> int:
    with store.session() as db:
        return db.scalar(select(func.count()).select_from(model).where(model.coach_id == coach.id))


def stored_hash(store, email: str) -> str | None:
    with store.session() as db:
        return db.scalar(select(CoachAccount.password_hash).where(CoachAccount.email == email))


def test_list_shows_each_coach_how_they_sign_in_and_what_they_own(store, capsys):
    assert run(capsys, "coach", "list") == (0, "0 coach(es)\n", "")
    owner = accounts.add_coach(store, "owner@coach.test", PASSWORD)
    accounts.coach_for_hf_user(store, "hf-only", ["hf-only"])
    linked = accounts.add_coach(store, "both@coach.test", PASSWORD)
    accounts.coach_for_hf_user(store, "Both-HF", ["both@coach.test"], email="both@coach.test")
    assignment = assignments.create_assignment(store, owner, **assignment_fields())
    _, turns = take_attempt(store, assignment)
    reviews.review(store, owner, turns[0], "evaluation", 4, "good")
    code, out, err = run(capsys, "coach", "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[-1] == "3 coach(es)" and len(lines) == 4
    assert lines[0].split()[:4] == ["owner@coach.test", "-", "password", "1"]
    assert lines[1].split()[:5] == ["hf:hf-only", "hf-only", "hugging", "face", "0"]
    assert lines[2].split()[:6] == ["both@coach.test", "Both-HF", "password", "+", "hugging", "face"]
    assert all(line.endswith(f"created {owner.created.date().isoformat()}") for line in lines[:3])
    code, out, _ = run(capsys, "coach", "list", "--json")
    rows = {row["email"]: row for row in json.loads(out)}
    assert code == 0 and list(rows) == ["owner@coach.test", "hf:hf-only", "both@coach.test"]
    assert rows["owner@coach.test"] == {
        "email": "owner@coach.test",
        "username": None,
        "sign_in": "password",
        "assignments": 1,
        "reviews": 1,
        "created": owner.created.date().isoformat(),
    }
    assert rows["both@coach.test"]["username"] == "Both-HF" and linked.email == "both@coach.test"
    assert PASSWORD not in out and "argon2" not in out


def test_remove_refuses_a_coach_with_assignments_and_transfers_them_on_request(store, capsys):
    owner = accounts.add_coach(store, "owner@coach.test", PASSWORD)
    heir = accounts.add_coach(store, "heir@coach.test", PASSWORD)
    assignment = assignments.create_assignment(store, owner, **assignment_fields())
    session_id, turns = take_attempt(store, assignment)
    reviews.review(store, owner, turns[0], "evaluation", 5, "clear sampling plan")
    trust_device(store, owner, "a")
    code, out, err = run(capsys, "coach", "remove", "Owner@Coach.test")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "owns 1 assignment(s) and 1 review(s)" in err and "--transfer-to OTHER_EMAIL" in err
    assert count(store, Assignment, owner) == 1 and count(store, CoachDevice, owner) == 1  # nothing changed
    code, _, err = run(capsys, "coach", "remove", "owner@coach.test", "--transfer-to", "owner@coach.test")
    assert code == 1 and "names the coach being removed" in err
    code, _, err = run(capsys, "coach", "remove", "owner@coach.test", "--transfer-to", "nobody@coach.test")
    assert code == 1 and "no coach with email 'nobody@coach.test'" in err and count(store, Assignment, owner) == 1
    code, out, err = run(capsys, "coach", "remove", "owner@coach.test", "--transfer-to", "heir@coach.test")
    assert (code, err) == (0, "")
    assert out == "removed coach owner@coach.test; 1 assignment(s) and 1 review(s) moved to heir@coach.test\n"
    with store.session() as db:
        assert db.scalar(select(CoachAccount).where(CoachAccount.email == "owner@coach.test")) is None
        assert db.scalar(select(func.count()).select_from(CoachDevice)) == 0
        assert db.scalar(select(Review.comment).where(Review.coach_id == heir.id)) == "clear sampling plan"
    (row,) = attempts(store, heir, assignment.id)  # the candidate's attempt is intact and now the heir's
    assert row["answers"] == 2 and count(store, Assignment, heir) == 1 and session_id


def test_remove_a_coach_without_assignments_and_warn_when_still_allowed(store, capsys, monkeypatch):
    idle = accounts.add_coach(store, "idle@coach.test", PASSWORD)
    trust_device(store, idle, "b")
    assert run(capsys, "coach", "remove", "idle@coach.test") == (0, "removed coach idle@coach.test\n", "")
    assert count(store, CoachDevice, idle) == 0
    accounts.coach_for_hf_user(store, "Grace", ["grace"])
    monkeypatch.setenv("COACH_ALLOWLIST", "grace,someone")
    from bot.config import get_settings

    get_settings.cache_clear()
    code, out, _ = run(capsys, "coach", "remove", "hf:grace")
    assert code == 0 and out.splitlines() == [
        "removed coach hf:grace",
        "note: hf:grace is still in COACH_ALLOWLIST; a Hugging Face sign-in would add them back",
    ]
    assert run(capsys, "coach", "list") == (0, "0 coach(es)\n", "")


def test_reset_password_sets_a_new_hash_and_signs_out_trusted_devices(store, capsys, monkeypatch):
    coach = accounts.add_coach(store, "coach@coach.test", PASSWORD)
    other = accounts.add_coach(store, "other@coach.test", PASSWORD)
    trust_device(store, coach, "c")
    trust_device(store, coach, "d")
    trust_device(store, other, "e")
    before = stored_hash(store, "coach@coach.test")
    for _ in range(8):  # someone else's guesses back the account off
        with pytest.raises(CoachError):
            accounts.sign_in(store, "coach@coach.test", "a wrong guess, again", "10.0.0.9")
    with pytest.raises(CoachError, match="too many sign-in attempts"):
        accounts.sign_in(store, "coach@coach.test", PASSWORD, "10.0.0.1")
    code, out, err = run(capsys, "coach", "reset-password", "coach@coach.test", "--password", NEW_PASSWORD)
    assert (code, err) == (0, "")
    assert out == "new password set for coach@coach.test; 2 trusted device(s) must sign in again\n"
    after = stored_hash(store, "coach@coach.test")
    assert after != before and after is not None and after.startswith("$argon2")
    assert accounts.PASSWORDS.verify(after, NEW_PASSWORD)
    with pytest.raises(VerificationError):
        accounts.PASSWORDS.verify(after, PASSWORD)
    assert count(store, CoachDevice, coach) == 0 and count(store, CoachDevice, other) == 1  # only theirs
    assert NEW_PASSWORD not in out
    assert accounts.sign_in(store, "coach@coach.test", NEW_PASSWORD, "10.0.0.1").email == "coach@coach.test"


def test_reset_password_asks_twice_and_refuses_what_it_cannot_do(store, capsys, monkeypatch):
    accounts.add_coach(store, "coach@coach.test", PASSWORD)
    accounts.coach_for_hf_user(store, "hf-only", ["hf-only"])
    typed = iter([NEW_PASSWORD, NEW_PASSWORD, NEW_PASSWORD, "not the same one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert run(capsys, "coach", "reset-password", "coach@coach.test")[0] == 0
    assert accounts.PASSWORDS.verify(stored_hash(store, "coach@coach.test") or "", NEW_PASSWORD)
    code, _, err = run(capsys, "coach", "reset-password", "coach@coach.test")
    assert code == 1 and err == "error: the two passwords differ; run the command again\n"
    code, _, err = run(capsys, "coach", "reset-password", "nobody@coach.test")  # fails before asking
    assert code == 1 and err.startswith("error: no coach with email 'nobody@coach.test'") and "Traceback" not in err
    code, _, err = run(capsys, "coach", "reset-password", "coach@coach.test", "--password", "short")
    assert code == 1 and "at least 10 characters" in err
    code, _, err = run(capsys, "coach", "reset-password", "hf:hf-only", "--password", NEW_PASSWORD)
    assert code == 1 and "signs in with Hugging Face" in err and stored_hash(store, "hf:hf-only") is None


@pytest.mark.parametrize("command", ["add", "reset-password"])
def test_password_option_help_warns_about_shell_history(command, capsys):
    with pytest.raises(SystemExit):
        main(["coach", command, "--help"])
    assert "shell history" in " ".join(capsys.readouterr().out.split())
