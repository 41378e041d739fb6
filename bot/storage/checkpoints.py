"""The LangGraph checkpointer factory: the interview graph's state after every step, in SQLite in the data folder."""

from __future__ import annotations

import sqlite3

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from bot.config import Settings

# The typed values the interview state holds; only these are rebuilt from a checkpoint (no arbitrary imports).
STATE_TYPES = [
    ("bot.interview.state", "InterviewState"),
    ("bot.interview.state", "Message"),
    ("bot.interview.state", "QuestionResult"),
    ("bot.interview.state", "LastAnswer"),
    ("bot.interview.state", "Summary"),
    ("bot.interview.state", "SummaryGap"),
    ("bot.critic.model", "Critique"),
    ("bot.critic.model", "Citation"),
    ("bot.content.questions", "Question"),
    ("bot.content.questions", "FollowUp"),
    ("bot.llm.chat", "Usage"),
]


def make_checkpointer(settings: Settings) -> SqliteSaver:
    """A SQLite checkpointer in the data folder (WAL, shared across threads)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return SqliteSaver(conn, serde=JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES))
