"""The chat-model wrapper: what reaches the model fits the input budget, keeping the system prompt and the question."""

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from bot.config import Settings
from bot.llm.chat import LLM, LLMFailure, Usage
from bot.llm.tokens import count_tokens
from tests.fakes import ScriptedChatModel

pytestmark = pytest.mark.without_index

BUDGET = 300
SYSTEM = SystemMessage("You are a senior hiring manager running a mock interview. Stay in character.")
LAST = HumanMessage("Ask the candidate question 7 of 8: how would you roll back a bad model release?")


def long_history(turns: int = 12) -> list:
    """Alternating candidate answers and interviewer questions of about 60 tokens each, oldest first."""
    history = []
    for n in range(turns):
        history.append(HumanMessage(f"Answer {n}: " + "I would sample real tickets and grade them with a rubric. " * 5))
        history.append(AIMessage(f"Question {n + 1}: " + "What would you measure first, and why that? " * 5))
    return history


def tokens_sent(messages: list) -> int:
    return sum(count_tokens(str(m.content)) + 4 for m in messages)  # + 4: the per-message overhead the budget counts


@pytest.fixture
def llm_and_model(tmp_path):
    model = ScriptedChatModel(script=lambda messages: "Tell me about your rollback plan.", received=[])
    return LLM(model, Settings(data_dir=tmp_path, input_token_budget=BUDGET)), model


@pytest.mark.parametrize("call", ["complete", "stream"])
def test_long_history_is_trimmed_to_the_budget(llm_and_model, call):
    llm, model = llm_and_model
    messages = [SYSTEM, *long_history(), LAST]
    assert tokens_sent(messages) > 3 * BUDGET  # trimming has to happen
    usage = Usage()
    reply = llm.complete(messages, usage) if call == "complete" else "".join(llm.stream(messages, usage))
    assert reply.strip() == "Tell me about your rollback plan."
    [sent] = model.received
    assert tokens_sent(sent) <= BUDGET and usage.calls == [tokens_sent(sent)]
    assert sent[0] == SYSTEM and sent[-1] == LAST
    assert len(sent) > 2  # as much recent history as fits is kept
    history = sent[1:-1]
    assert history == messages[len(messages) - 1 - len(history) : -1]  # the newest turns, in order
    assert isinstance(history[0], HumanMessage)  # the kept history starts on a candidate turn


def test_short_conversations_are_sent_whole(llm_and_model):
    llm, model = llm_and_model
    messages = [SYSTEM, *long_history(1), LAST]
    assert tokens_sent(messages) <= BUDGET
    llm.complete(messages)
    assert model.received == [messages]


def test_when_nothing_else_fits_the_system_prompt_and_last_message_go_alone(tmp_path):
    model = ScriptedChatModel(script=lambda messages: "ok", received=[])
    tight = tokens_sent([SYSTEM, LAST]) + 5  # room for those two, not for any 60-token turn
    llm = LLM(model, Settings(data_dir=tmp_path, input_token_budget=tight))
    llm.complete([SYSTEM, *long_history(), LAST])
    assert model.received == [[SYSTEM, LAST]]


def test_a_failed_call_is_retried_once_then_reported(llm_and_model):
    llm, model = llm_and_model
    model.script = lambda messages: TimeoutError("slow")
    with pytest.raises(LLMFailure, match="TimeoutError: slow"):
        llm.complete([SYSTEM, LAST])
    assert len(model.received) == 2
