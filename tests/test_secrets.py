"""Passwords and API keys never reach logs, command output, critiques or exports."""

import json
import logging
import os
import subprocess
import sys

import pytest

from bot.coaching import accounts, assignments, reviews
from bot.coaching import reports as coach_reports
from bot.config import get_settings
from bot.errors import CoachError
from bot.storage.store import make_store
from tests.fakes import OpenAIStub
from tests.storage import assignment_fields, take_attempt

PASSWORD = "Sentinel-Pa55word-xyz"
API_KEY = "sk-sentinel-key-0123456789"


@pytest.mark.without_index
def test_passwords_stay_out_of_logs_output_and_exports(caplog, data_dir):
    caplog.set_level(logging.DEBUG)
    store = make_store(get_settings())
    owner = accounts.add_coach(store, "coach@example.com", PASSWORD)
    with pytest.raises(CoachError) as err:
        accounts.sign_in(store, "coach@example.com", PASSWORD + "wrong", "127.0.0.1")
    assert PASSWORD not in str(err.value)
    assert accounts.sign_in(store, "coach@example.com", PASSWORD, "127.0.0.1").id == owner.id
    cli = subprocess.run([sys.executable, "-m", "bot", "coach", "add", "second@example.com", "--password", PASSWORD],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COACH_DATA_DIR": str(data_dir)})  # fmt: skip
    assert cli.returncode == 0 and PASSWORD not in cli.stdout + cli.stderr
    # exports with something in them: two attempts with critiqued answers and the coach's reviews
    assignment = assignments.create_assignment(store, owner, **assignment_fields())
    for name in ("Ada", "Grace"):
        _, turns = take_attempt(store, assignment, name=name, scores=(3.0, 4.0))
        reviews.review(store, owner, turns[0], "evaluation", 5, f"{name}: good sampling plan")
    exports = {
        "csv": coach_reports.export_csv(store, owner, assignment.id),
        "json": coach_reports.export_json(store, owner, assignment.id),
        "overrides": json.dumps(coach_reports.export_overrides(store, owner)),
    }
    assert all(name in exports["csv"] + exports["json"] for name in ("Ada", "Grace"))
    assert "Grace: good sampling plan" in exports["overrides"]
    for text in (*exports.values(), caplog.text):
        assert PASSWORD not in text and "argon2" not in text


def test_api_keys_stay_out_of_logs_and_critiques(caplog, monkeypatch):
    from bot.critic.calibration import load_labelled
    from bot.interview.service import InterviewService

    caplog.set_level(logging.DEBUG)
    answer = next(i.answer for i in load_labelled() if i.kind == "strong")
    with OpenAIStub() as stub:
        monkeypatch.setenv("COACH_LLM", "openai:gpt-4o-mini")
        monkeypatch.setenv("COACH_LLM_BASE_URL", stub.url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        get_settings.cache_clear()
        coach = InterviewService()
        start = coach.start("feature", questions=1)
        stub.behaviours = [("status", 401), ("status", 401)]
        result = coach.submit(start.session_id, answer)
    get_settings.cache_clear()
    assert result.critique.source == "offline"
    assert API_KEY not in caplog.text and API_KEY not in json.dumps(result.model_dump())
    assert API_KEY not in coach.view(start.session_id).model_dump_json()
