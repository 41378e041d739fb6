"""A turn has one identity: killed at any step of a turn and resubmitted, an answer is stored exactly once."""

import os
import signal
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT, get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.critic.signals import warm_bank_references
from bot.interview.service import InterviewService
from bot.storage.store import make_store

ANSWER = (
    "I would sample 300 real tickets across intents and languages, have two agents grade drafts against a "
    "written rubric, and check their agreement before trusting the numbers. The worst failure is a confident "
    "wrong answer about refunds, so drafts on billing go to a human, and we roll back if edit rates rise."
)

# Runs one turn in a fresh process and kills it with SIGKILL right after the Nth graph step of that turn.
CRASH_AFTER_STEP = """
import functools, os, signal, sys
from bot.config import get_settings
from bot.interview import graph
from bot.interview.service import InterviewService
from bot.retrieval.embeddings import cached_vectors

steps, session_id, answer = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ran = []
def crashing(node):
    @functools.wraps(node)
    def step(*args, **kwargs):
        out = node(*args, **kwargs)
        ran.append(node.__name__)
        if len(ran) == steps:
            os.kill(os.getpid(), signal.SIGKILL)
        return out
    return step
for name in graph.NODES:
    setattr(graph.InterviewGraph, name, crashing(getattr(graph.InterviewGraph, name)))
cached_vectors.load(get_settings().vectors_path)
InterviewService().submit(session_id, answer)
print(" ".join(ran))
"""


@pytest.mark.parametrize("steps", [1, 2, 3, 4])  # take_input, record_answer, critique_answer, ask_follow_up
def test_an_answer_killed_after_any_step_and_resubmitted_is_stored_once(steps):
    settings = get_settings()
    warm_bank_references(load_bank(settings.questions_dir), load_rubric(settings.rubric_path), settings.vectors_path)
    start = InterviewService(settings).start("feature", questions=2)
    run = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_STEP, str(steps), start.session_id, ANSWER],
        cwd=PROJECT_ROOT, env=os.environ, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr  # killed inside the turn (after step 4:
    # every node ran, and the checkpoint, written when the run ends, was not)
    restarted = InterviewService(settings)  # another process picks the session up
    result = restarted.submit(start.session_id, ANSWER)  # the candidate, who saw no reply, sends it again
    assert result.critique is not None and result.notices == []  # taken as new: the crash left no trace in state
    turns = make_store(settings).turns(start.session_id)
    assert [(t.seq, t.kind, t.answer) for t in turns] == [(1, "answer", ANSWER)]  # once, not twice
    assert turns[0].critique is not None and turns[0].critique["overall"] == result.critique.overall


def test_the_same_turn_written_twice_is_stored_once():
    store = make_store(get_settings())
    start = InterviewService().start("feature", questions=2)
    first = store.add_turn(start.session_id, "answer", "Q?", "first try", "q1", seq=1)
    store.attach_critique(first, {"overall": 2.0})
    again = store.add_turn(start.session_id, "answer", "Q?", "second try", "q1", seq=1)
    (turn,) = store.turns(start.session_id)
    assert again == first and (turn.answer, turn.critique) == ("second try", None)  # replaced, critique reset
    store.add_turn(start.session_id, "hint", "Q?", "hint", "q1", seq=2)
    store.add_turn(start.session_id, "skip", "Q?", "skip", "q1")  # unnumbered (older sessions): the next number
    assert [(t.seq, t.kind) for t in store.turns(start.session_id)] == [(1, "answer"), (2, "hint"), (3, "skip")]
