import csv
import hashlib
import io
import json
import logging
import secrets
import threading
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from bot.coaching import accounts, assignments, devices, reviews
from bot.coaching.attempts import start_attempt_record
from bot.coaching.reports import (
    attempts,
    candidate_results,
    cohort_scores,
    export_csv,
    export_json,
    export_overrides,
    list_assignments,
    safe_cell,
    transcript,
)
from bot.content.questions import Question
from bot.errors import CoachError
from bot.storage.models import (
    Assignment,
    CoachAccount,
    CoachDevice,
    InterviewSession,
    Review,
    SignInAttempt,
    Turn,
    as_utc,
    public_attempt_id,
    utc_now,
)
from tests.storage import assignment_fields, critique, take_attempt

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.without_index  # the store alone: no guide index needed


@pytest.fixture
def two_coaches(store):
    return accounts.add_coach(store, "a@coach.test", PASSWORD), accounts.add_coach(store, "b@coach.test", PASSWORD)


# ------------------------------------------------------------------ accounts and sign-in


def test_passwords_are_hashed_with_argon2id_at_rfc_9106_strength():
    # the tests hash with argon2's cheapest profile (conftest); the app's own hasher is this one
    production = PasswordHasher.from_parameters(accounts.PASSWORD_PARAMETERS)
    assert production.hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_password_is_stored_as_argon2_hash(store):
    coach = accounts.add_coach(store, " Coach@Example.ORG ", PASSWORD)
    with store.session() as db:
        stored = db.scalar(select(CoachAccount.password_hash).where(CoachAccount.id == coach.id))
    assert coach.email == "coach@example.org"
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(CoachError, match="already exists"):
        accounts.add_coach(store, "coach@example.org", PASSWORD)
    with pytest.raises(CoachError, match="at least 10"):
        accounts.add_coach(store, "other@example.org", "short")
    with pytest.raises(CoachError, match="not a valid email"):
        accounts.add_coach(store, "not-an-email", PASSWORD)


def test_sign_in_ok_and_generic_failures(store):
    accounts.add_coach(store, "coach@example.org", PASSWORD)
    assert accounts.sign_in(store, "COACH@example.org", PASSWORD, "ip-1").email == "coach@example.org"
    with pytest.raises(CoachError) as wrong:
        accounts.sign_in(store, "coach@example.org", "wrong password!", "ip-1")
    with pytest.raises(CoachError) as unknown:
        accounts.sign_in(store, "nobody@example.org", PASSWORD, "ip-1")
    assert str(wrong.value) == str(unknown.value) == "wrong email or password"
    assert PASSWORD not in str(wrong.value)


def age_failures(store, by: timedelta) -> None:
    """Move every stored sign-in failure `by` into the past (instead of sleeping)."""
    with store.session() as db:
        for row in db.scalars(select(SignInAttempt)):
            row.created = as_utc(row.created) - by


def refused_for(store, email, password, client, device=None) -> str:
    """The refusal message of a sign-in that must be refused before its password is checked."""
    with pytest.raises(CoachError, match="too many sign-in attempts") as refused:
        accounts.sign_in(store, email, password, client, device)
    return str(refused.value)


def fail(store, email, client, device=None, password="guess guess guess") -> None:
    """One sign-in that gets as far as the password check and fails there."""
    with pytest.raises(CoachError, match="wrong email or password"):
        accounts.sign_in(store, email, password, client, device)


def test_sign_in_backs_off_per_account_exponentially(store):
    accounts.add_coach(store, "coach@example.org", PASSWORD)
    for n in range(5):  # five addresses, one guess each: the account's failures, not an address's
        fail(store, "coach@example.org", f"198.51.100.{n}")
    assert refused_for(store, "coach@example.org", PASSWORD, "203.0.113.1").endswith("try again in 1 minute")
    for minutes in (1, 2, 4, 8, 16):  # n failures: the next try waits 2^(n-5) minutes after the latest
        age_failures(store, timedelta(minutes=minutes, seconds=1))
        fail(store, "coach@example.org", "198.51.100.9")
        assert refused_for(store, "coach@example.org", "guess", "203.0.113.2").endswith(f"in {2 * minutes} minutes")
    age_failures(store, timedelta(minutes=32, seconds=1))
    fail(store, "coach@example.org", "198.51.100.9")  # the 11th failure: 64 minutes, capped at 60
    assert refused_for(store, "coach@example.org", PASSWORD, "203.0.113.3").endswith("in 60 minutes")
    age_failures(store, timedelta(minutes=59))
    assert refused_for(store, "coach@example.org", PASSWORD, "203.0.113.3").endswith("in 1 minute")
    with store.session() as db:  # refusals are not failures: nothing was checked
        assert db.scalar(select(func.count()).select_from(SignInAttempt)) == 11
        rows = list(db.scalars(select(SignInAttempt)))
    assert all("coach@example.org" not in r.key + (r.account or "") and "198.51" not in r.key for r in rows)
    age_failures(store, timedelta(hours=24))  # forgotten after a day
    assert accounts.sign_in(store, "coach@example.org", PASSWORD, "203.0.113.3").email == "coach@example.org"
    with store.session() as db:
        assert db.scalar(select(func.count()).select_from(SignInAttempt)) == 0


def test_unknown_emails_back_off_alike(store):
    for n in range(5):
        fail(store, "nobody@example.org", f"198.51.100.{n}", password=PASSWORD)
    assert refused_for(store, "nobody@example.org", PASSWORD, "203.0.113.1").endswith("try again in 1 minute")


def test_a_device_that_signed_in_before_is_not_locked_out_by_others(store):
    coach = accounts.add_coach(store, "coach@example.org", PASSWORD)
    other = accounts.add_coach(store, "other@example.org", PASSWORD)
    assert accounts.sign_in(store, "coach@example.org", PASSWORD, "192.0.2.10").id == coach.id
    token = devices.remember_device(store, coach)
    assert devices.remember_device(store, coach, token) == token  # the same browser keeps its token
    others_token = devices.remember_device(store, other)
    with store.session() as db:
        stored = list(db.scalars(select(CoachDevice.token_hash)))
    assert token not in stored and devices.token_hash(token) in stored  # only the hash is stored
    for n in range(8):  # an attacker behind the coach's own proxy, then from other addresses, forging tokens too
        with pytest.raises(CoachError):
            client = "192.0.2.10" if n < 4 else f"198.51.100.{n}"
            accounts.sign_in(store, "coach@example.org", "guess guess guess", client, f"forged-{n}")
    refused_for(store, "coach@example.org", PASSWORD, "192.0.2.10")  # without the token: the account backs off
    refused_for(store, "coach@example.org", PASSWORD, "192.0.2.10", others_token)  # another coach's device
    assert accounts.sign_in(store, "coach@example.org", PASSWORD, "192.0.2.10", token).id == coach.id
    assert accounts.sign_in(store, "coach@example.org", PASSWORD, "203.0.113.50", token).id == coach.id
    # a trusted device's own failures are its own: five typos back that device off, not the account's count
    for _ in range(5):
        fail(store, "coach@example.org", "192.0.2.10", device=token)
    assert refused_for(store, "coach@example.org", PASSWORD, "192.0.2.10", token).endswith("in 1 minute")
    with store.session() as db:
        account_rows = db.scalar(select(func.count()).where(SignInAttempt.account.is_not(None)))
    assert account_rows == 5  # the attacker's five that were checked; the refused ones were never stored
    age_failures(store, timedelta(minutes=1, seconds=1))
    assert accounts.sign_in(store, "coach@example.org", PASSWORD, "192.0.2.10", token).id == coach.id
    fail(store, "coach@example.org", "198.51.100.99")  # the attacker's 6th failure backs the account off again
    with store.session() as db:  # a device unused for 90 days is forgotten: its token counts for nothing
        db.execute(update(CoachDevice).values(last_used=utc_now() - devices.DEVICE_LIFETIME - timedelta(minutes=1)))
    refused_for(store, "coach@example.org", PASSWORD, "192.0.2.10", token)
    assert devices.remember_device(store, coach, token) != token


def test_concurrent_wrong_passwords_reach_the_password_check_at_most_five_times(store, monkeypatch):
    accounts.add_coach(store, "coach@example.org", PASSWORD)

    class CountingHasher:
        """The real hasher, counting verifications."""

        def __init__(self, real):
            self.real, self.verified, self.lock = real, 0, threading.Lock()

        def verify(self, stored, password):
            with self.lock:
                self.verified += 1
            return self.real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(self.real, name)

    hasher = CountingHasher(accounts.PASSWORDS)
    monkeypatch.setattr(accounts, "PASSWORDS", hasher)
    start, messages = threading.Barrier(40), []

    def guess(n: int) -> None:
        start.wait()
        try:
            accounts.sign_in(store, "coach@example.org", f"guess number {n}", f"198.51.100.{n}")
        except CoachError as exc:
            messages.append(str(exc))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert hasher.verified == 5
    assert messages.count("wrong email or password") == 5 and len(messages) == 40
    assert all(m.startswith("too many sign-in attempts") for m in messages if m != "wrong email or password")
    with store.session() as db:
        assert db.scalar(select(func.count()).select_from(SignInAttempt)) == 5


def test_sign_in_failures_and_refusals_are_logged_without_the_password(store, caplog):
    caplog.set_level(logging.DEBUG)
    accounts.add_coach(store, "coach@example.org", PASSWORD)
    secret_guess = "Sentinel-guess-0123456789"
    for _ in range(6):
        with pytest.raises(CoachError):
            accounts.sign_in(store, "coach@example.org", secret_guess, "198.51.100.77")
    account = hashlib.sha256(b"coach@example.org").hexdigest()[:12]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "sign-in" in r.getMessage()]
    assert len(warnings) == 6
    assert all(account in w and "198.51.100.77" in w for w in warnings)
    assert sum("coach sign-in failed" in w for w in warnings) == 5 and "coach sign-in refused" in warnings[-1]
    assert secret_guess not in caplog.text and "coach@example.org" not in caplog.text


def test_hugging_face_coaches_need_the_allow_list(store):
    with pytest.raises(CoachError, match="COACH_ALLOWLIST"):
        accounts.coach_for_hf_user(store, "mallory", ["alice"])
    first = accounts.coach_for_hf_user(store, "Alice", ["alice", "bob@x.org"])
    again = accounts.coach_for_hf_user(store, "Alice", ["alice"])
    assert first.id == again.id and first.password_hash is None
    by_email = accounts.coach_for_hf_user(store, "bobby", ["bob@x.org"], email="bob@x.org")
    assert by_email.email == "bob@x.org" and by_email.username == "bobby"
    with pytest.raises(CoachError, match="wrong email or password"):
        accounts.sign_in(store, first.email, "", "ip")  # no password account to guess


def test_allow_list_setting_reads_comma_separated_env(monkeypatch):
    from bot.config import get_settings

    monkeypatch.setenv("COACH_ALLOWLIST", "alice, bob@x.org,")
    get_settings.cache_clear()
    assert get_settings().coach_allowlist == ["alice", "bob@x.org"]


# ------------------------------------------------------------------ assignments and links


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "  "}, "title"),
        ({"role": "astronaut"}, "unknown role"),
        ({"role": "vertical", "domain": None}, "needs a domain"),
        ({"skill_focus": ["juggling"]}, "unknown skills"),
        ({"questions": 0}, "1 to 20 questions"),
        ({"questions": 21}, "1 to 20 questions"),
        ({"difficulty": 4}, "difficulty from 1 to 3"),
        ({"time_limit_s": 5}, "time limit"),
        ({"due": utc_now() - timedelta(minutes=1)}, "in the future"),
        (
            {"custom_questions": [{"text": "", "key_points": {}}]},
            "custom question 1: question text: write the question",
        ),
        (
            {"custom_questions": [{"text": "A long enough question text here?", "key_points": {"evaluation": ["x"]}}]},
            "custom question 1: key points for failure modes: add at least one key point",
        ),
        (
            {
                "questions": 1,
                "custom_questions": [
                    assignment_fields()["custom_questions"][0],
                    {**assignment_fields()["custom_questions"][0], "text": "A second question, long enough to count?"},
                ],
            },
            "do not fit",
        ),
        (
            {"custom_questions": [assignment_fields()["custom_questions"][0]] * 2},
            "custom question 2: question text: this question is already in the list",
        ),
    ],
)
def test_assignment_validation(store, overrides, message):
    coach = accounts.add_coach(store, "a@coach.test", PASSWORD)
    with pytest.raises(CoachError, match=message):
        assignments.create_assignment(store, coach, **assignment_fields(**overrides))


def test_share_codes_are_long_unique_and_linkable(store, monkeypatch):
    coach = accounts.add_coach(store, "a@coach.test", PASSWORD)
    asked_for: list[int] = []

    def token_urlsafe(nbytes):
        asked_for.append(nbytes)
        return real_token_urlsafe(nbytes)

    real_token_urlsafe = secrets.token_urlsafe
    monkeypatch.setattr(assignments.secrets, "token_urlsafe", token_urlsafe)
    made = [assignments.create_assignment(store, coach, **assignment_fields()) for _ in range(20)]
    assert asked_for == [24] * 20  # 192 random bits per code, from the secrets module
    assert len({a.code for a in made}) == 20 and all(assignments.CODE_PATTERN.match(a.code) for a in made)
    assert all(len(a.code) == 32 for a in made)
    link = assignments.share_link("https://coach.example/", made[0])
    assert link == f"https://coach.example/?assignment={made[0].code}"
    assert assignments.open_assignment(store, made[0].code).id == made[0].id
    assert made[0].custom_questions[0]["id"] == f"asg{made[0].id}-q1"


def test_bad_and_closed_links_are_explained(store):
    coach = accounts.add_coach(store, "a@coach.test", PASSWORD)
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    for code in ("", "abc", "'; DROP TABLE sessions; --", secrets.token_urlsafe(24)):
        with pytest.raises(CoachError, match="this assignment link is not valid"):
            assignments.open_assignment(store, code)
    with store.session() as db:
        db.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id)
            .values(due=utc_now().replace(year=2024, month=3, day=5, hour=17, minute=0))
        )
    with pytest.raises(CoachError, match="this assignment closed on 05 March 2024 at 17:00 UTC"):
        assignments.open_assignment(store, assignment.code)


def test_custom_questions_become_bank_questions(store):
    coach = accounts.add_coach(store, "a@coach.test", PASSWORD)
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    plan = assignments.interview_plan(assignment)
    assert plan.time_limit_s == 1800 and plan.focus == ["evaluation", "failure-modes"]
    [question] = plan.custom
    assert isinstance(question, Question) and question.id == f"asg{assignment.id}-q1" and question.follow_ups


def test_attempt_needs_a_name(store):
    coach = accounts.add_coach(store, "a@coach.test", PASSWORD)
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(CoachError, match="1 to 80 characters"):
            start_attempt_record(store, assignment, bad, None, "s1")
    row = start_attempt_record(store, assignment, "  Ada Lovelace ", "ADA@example.org", "s1")
    assert (row.candidate_name, row.candidate_email, row.assignment_id) == (
        "Ada Lovelace",
        "ada@example.org",
        assignment.id,
    )


# ------------------------------------------------------------------ dashboards, isolation and reviews


def test_coaches_only_see_their_own_assignments_and_attempts(store, two_coaches):
    coach_a, coach_b = two_coaches
    assignment = assignments.create_assignment(store, coach_a, **assignment_fields())
    session_id, [turn_id, _] = take_attempt(store, assignment)
    assert [a["id"] for a in list_assignments(store, coach_a)] == [assignment.id]
    assert list_assignments(store, coach_b) == []
    for call in (
        lambda: attempts(store, coach_b, assignment.id),
        lambda: transcript(store, coach_b, public_attempt_id(session_id)),
        lambda: cohort_scores(store, coach_b, assignment.id),
        lambda: export_csv(store, coach_b, assignment.id),
        lambda: export_json(store, coach_b, assignment.id),
        lambda: reviews.review(store, coach_b, turn_id, score=1),
        lambda: attempts(store, coach_a, 999_999),  # missing and foreign look the same
        lambda: reviews.review(store, coach_a, 999_999, score=1),
    ):
        with pytest.raises(CoachError, match="^not found$"):
            call()
    assert export_overrides(store, coach_b) == []
    assert len(attempts(store, coach_a, assignment.id)) == 1


def test_candidate_results_hold_only_their_own_attempt(store, two_coaches):
    coach_a, _ = two_coaches
    assignment = assignments.create_assignment(store, coach_a, **assignment_fields())
    mine, [my_turn, _] = take_attempt(store, assignment, "Ada")
    take_attempt(store, assignment, "Grace", scores=(1.0,))
    reviews.review(store, coach_a, my_turn, "evaluation", 5, "Great sample design")
    results = candidate_results(store, mine)
    assert results["attempt"]["candidate_name"] == "Ada"
    assert [t["answer"] for t in results["turns"]] == ["My answer 0", "My answer 1"]
    scores = results["turns"][0]["scores"]
    assert scores["evaluation"] == {"score": 5.0, "source": "coach a@coach.test"}
    assert scores["overall"]["source"] == "offline critic"
    assert results["turns"][0]["reviews"][0]["comment"] == "Great sample design"
    assert "Grace" not in json.dumps(results)
    with pytest.raises(CoachError, match="not found"):
        candidate_results(store, "no-such-session")


def test_reviews_are_kept_with_who_and_when_and_override_scores(store, two_coaches):
    coach_a, _ = two_coaches
    assignment = assignments.create_assignment(store, coach_a, **assignment_fields())
    session_id, [first, second] = take_attempt(store, assignment, scores=(3.0, 4.0))
    store.attach_critique(second, {**critique(4.0), "source": "llm:gpt-4o-mini"})
    reviews.review(store, coach_a, first, "evaluation", 1)
    reviews.review(store, coach_a, first, "evaluation", 5, "on reflection, strong")
    reviews.review(store, coach_a, first, None, 2)
    reviews.review(store, coach_a, first, comment="needs a rollback plan")
    for bad, message in (
        ({"score": 6}, "1 to 5"),
        ({"dimension": "charisma", "score": 3}, "unknown dimension"),
        ({"comment": "x" * 2001}, "2000"),
        ({}, "a score, a comment, or both"),
    ):
        with pytest.raises(CoachError, match=message):
            reviews.review(store, coach_a, first, **bad)
    with store.session() as db:
        kept = list(db.scalars(select(Review).where(Review.turn_id == first).order_by(Review.id)))
    assert [(r.dimension, r.score) for r in kept] == [("evaluation", 1), ("evaluation", 5), (None, 2), (None, None)]
    assert all(r.coach_id == coach_a.id and r.created is not None for r in kept)
    view = transcript(store, coach_a, public_attempt_id(session_id))
    scores = view["turns"][0]["scores"]
    assert scores["evaluation"] == {"score": 5.0, "source": "coach a@coach.test"}
    assert scores["overall"] == {"score": 2.0, "source": "coach a@coach.test"}
    assert scores["failure_modes"]["source"] == "offline critic"
    assert view["turns"][1]["scores"]["overall"]["source"] == "LLM (gpt-4o-mini)"
    [row] = attempts(store, coach_a, assignment.id)
    assert row["evaluation"] == 4.5 and row["overall"] == 3.0 and row["failure_modes"] == 3.5
    assert cohort_scores(store, coach_a, assignment.id)["evaluation"] == [4.5]
    [entry] = export_overrides(store, coach_a)
    assert entry["id"] == f"coach-{first}" and entry["split"] == "coach" and entry["kind"] == "coach_review"
    assert entry["grade"] == {"evaluation": 5, "overall": 2} and entry["answer"] == "My answer 0"
    assert entry["question_id"] == "q0" and "needs a rollback plan" in entry["note"]


# ------------------------------------------------------------------ exports


HOSTILE = ['=HYPERLINK("http://evil.test","x")', "+1", "-2", "@SUM(A1:A2)"]


def test_exports_defeat_formula_injection_and_keep_html_as_text(store, two_coaches):
    coach_a, _ = two_coaches
    assignment = assignments.create_assignment(store, coach_a, **assignment_fields())
    for name in [*HOSTILE, "<script>alert(1)</script>"]:
        take_attempt(store, assignment, name=name, scores=(3.0,))
    text = export_csv(store, coach_a, assignment.id)
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [r["candidate_name"] for r in rows]
    assert names == [f"'{n}" for n in HOSTILE] + ["<script>alert(1)</script>"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())
    assert safe_cell(None) == "" and safe_cell(3.5) == "3.5"
    assert safe_cell("\tTab") == "'\tTab" and safe_cell("\rCR") == "'\rCR"  # names are stripped, other cells not
    document = json.loads(export_json(store, coach_a, assignment.id))
    assert document["attempts"][-1]["candidate_name"] == "<script>alert(1)</script>"
    for exported in (text, json.dumps(document)):
        assert assignment.code not in exported and "argon2" not in exported and "password" not in exported


def test_exports_of_an_empty_assignment(store, two_coaches):
    coach_a, _ = two_coaches
    assignment = assignments.create_assignment(store, coach_a, **assignment_fields())
    assert export_csv(store, coach_a, assignment.id).splitlines() == [
        "attempt_id,candidate_name,candidate_email,started,finished,answers,overall,evaluation,failure_modes,"
        "product_judgment,communication,late_answers"
    ]
    assert json.loads(export_json(store, coach_a, assignment.id))["attempts"] == []
    assert cohort_scores(store, coach_a, assignment.id)["overall"] == []


# ------------------------------------------------------------------ concurrency and the CLI hook


def test_thirty_candidates_at_once(store, two_coaches):
    coach_a, _ = two_coaches
    assignment = assignments.create_assignment(store, coach_a, **assignment_fields())
    errors: list[BaseException] = []
    start = threading.Barrier(30)

    def candidate(n: int) -> None:
        try:
            start.wait()
            session_id = f"s-{n}-{secrets.token_hex(4)}"
            start_attempt_record(store, assignment, f"Candidate {n}", None, session_id)
            for q in range(3):
                turn = store.add_turn(session_id, "answer", f"Q{q}", f"answer {q}", f"q{q}")
                store.attach_critique(turn, critique(3.0))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=candidate, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.session() as db:
        sessions = db.scalar(
            select(func.count()).select_from(InterviewSession).where(InterviewSession.assignment_id == assignment.id)
        )
        turns = db.scalar(select(func.count()).select_from(Turn))
    assert (sessions, turns) == (30, 90)
    rows = attempts(store, coach_a, assignment.id)
    assert len(rows) == 30 and all(r["answers"] == 3 and r["overall"] == 3.0 for r in rows)


def test_coach_add_command(monkeypatch, capsys):
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "different password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert accounts.coach_add_command("new@coach.test", None) == 0
    out = capsys.readouterr().out
    assert out.strip() == "added coach new@coach.test; they can sign in on the Coach tab" and PASSWORD not in out
    with pytest.raises(CoachError, match="passwords differ"):
        accounts.coach_add_command("other@coach.test", None)
    with pytest.raises(CoachError, match="already exists"):
        accounts.coach_add_command("new@coach.test", PASSWORD)


def test_coaches_see_public_attempt_ids_never_the_session_secret(store, two_coaches):
    coach_a, coach_b = two_coaches
    assignment = assignments.create_assignment(store, coach_a, **assignment_fields())
    session_id, _ = take_attempt(store, assignment)
    exported = export_csv(store, coach_a, assignment.id) + export_json(store, coach_a, assignment.id)
    assert session_id not in exported and public_attempt_id(session_id) in exported
    public = attempts(store, coach_a, assignment.id)[0]["attempt_id"]
    assert transcript(store, coach_a, public)["attempt"]["attempt_id"] == public  # the public id opens it for them
    with pytest.raises(CoachError, match="not found"):
        transcript(store, coach_a, session_id)  # the candidate's secret is not an attempt id
    with pytest.raises(CoachError, match="not found"):
        transcript(store, coach_b, public)  # and another coach cannot open the attempt
