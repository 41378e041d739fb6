"""Passwords and API keys never reach logs, command output, critiques or exports."""

import json
import logging
import subprocess
import sys

import pytest

from bot import coach as coaching
from bot import coach_reports
from bot.config import get_settings
from bot.errors import CoachError
from bot.store import make_store
from tests.fakes import OpenAIStub

PASSWORD = "Sentinel-Pa55word-xyz"
API_KEY = "sk-sentinel-key-0123456789"


def test_passwords_stay_out_of_logs_output_and_exports(caplog, data_dir):
    caplog.set_level(logging.DEBUG)
    store = make_store(get_settings())
    owner = coaching.add_coach(store, "coach@example.com", PASSWORD)
    with pytest.raises(CoachError) as err:
        coaching.sign_in(store, "coach@example.com", PASSWORD + "wrong", "127.0.0.1")
    assert PASSWORD not in str(err.value)
    cli = subprocess.run([sys.executable, "-m", "bot", "coach", "add", "second@example.com", "--password", PASSWORD],
                         capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "COACH_DATA_DIR": str(data_dir)})  # fmt: skip
    assert cli.returncode == 0 and PASSWORD not in cli.stdout + cli.stderr
    from datetime import UTC, datetime, timedelta

    assignment = coaching.create_assignment(store, owner, "T", "feature", None, [], 1, 1, None,
                                            datetime.now(UTC) + timedelta(days=1))  # fmt: skip
    exports = coach_reports.export_csv(store, owner, assignment.id) + coach_reports.export_json(
        store, owner, assignment.id
    )
    assert PASSWORD not in caplog.text and "argon2" not in exports and PASSWORD not in exports


def test_api_keys_stay_out_of_logs_and_critiques(caplog, monkeypatch):
    from bot.calibration import load_labelled
    from bot.session import Coach

    caplog.set_level(logging.DEBUG)
    answer = next(i.answer for i in load_labelled() if i.kind == "strong")
    with OpenAIStub() as stub:
        monkeypatch.setenv("COACH_LLM", "openai:gpt-4o-mini")
        monkeypatch.setenv("COACH_LLM_BASE_URL", stub.url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        get_settings.cache_clear()
        coach = Coach()
        start = coach.start("feature", questions=1)
        stub.behaviours = [("status", 401), ("status", 401)]
        result = coach.submit(start.session_id, answer)
    get_settings.cache_clear()
    assert result.critique["source"] == "offline"
    assert API_KEY not in caplog.text and API_KEY not in json.dumps(result.model_dump())
    assert API_KEY not in json.dumps(coach.view(start.session_id), default=str)
