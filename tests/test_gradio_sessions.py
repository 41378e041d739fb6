"""Gradio sessions with lazily built configuration show exactly what the eager ones did."""

from __future__ import annotations

from gradio.state_holder import SessionState

from bot.interview.service import InterviewService
from bot.web import gradio_sessions
from bot.web.app import CoachApp


def eager(demo: object) -> SessionState:
    session = SessionState.__new__(SessionState)
    gradio_sessions._ORIGINAL_INIT(session, demo)  # Gradio's own constructor
    return session


def test_a_lazy_session_renders_the_same_page_as_an_eager_one() -> None:
    demo = CoachApp(InterviewService()).demo
    assert gradio_sessions.install_lazy_session_config()  # the pinned Gradio's constructor is the known one
    lazy, reference = SessionState(demo), eager(demo)
    assert isinstance(lazy.config_values, gradio_sessions.LazyConfigValues)
    assert dict.__len__(lazy.config_values) == 0  # nothing rendered at birth
    assert list(lazy.components) == list(reference.components) and len(list(reference.components)) > 200

    textbox = next(k for k, b in demo.blocks.items() if type(b).__name__ == "Textbox")
    state = next(k for k, b in demo.blocks.items() if type(b).__name__ == "State")
    for session in (lazy, reference):  # what handlers do to a session: new values, new component states
        session._update_value_in_config(textbox, "a draft answer")
        session[state] = "kept in state"
    assert list(lazy.components) == list(reference.components)
    assert lazy.config_values[textbox]["props"]["value"] == "a draft answer"
    assert lazy[state] == reference[state] == "kept in state"


def test_another_gradio_keeps_its_own_constructor(monkeypatch) -> None:
    monkeypatch.setattr(gradio_sessions, "KNOWN_INIT", "0" * 64)
    monkeypatch.setattr(SessionState, "__init__", gradio_sessions._ORIGINAL_INIT)
    assert gradio_sessions.install_lazy_session_config() is False
    assert SessionState.__init__ is gradio_sessions._ORIGINAL_INIT
