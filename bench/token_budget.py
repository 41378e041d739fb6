"""Per-turn input tokens over a scripted 20-question session with a recording fake model."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.critic.calibration import load_labelled  # noqa: E402
from bot.interview.service import InterviewService  # noqa: E402

CRITIQUE = json.dumps(
    {"dimensions": {"evaluation": 4, "failure_modes": 3, "product_judgment": 4, "communication": 4}, "gaps": ["x"]}
)


class RecordingModel(GenericFakeChatModel):
    """LangChain's fake chat model answering by rule (critique JSON to the critic), recording every input."""

    received: list[Any] = []  # every input, as a list of messages

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        self.received.append(list(messages))
        asks_json = "Reply with JSON only" in str(messages[-1].content)
        return AIMessage(CRITIQUE if asks_json else "Scripted interviewer: tell me how you would approach this.")

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for word in str(self._reply(messages).content).split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))


def _on_topic(coach: InterviewService, session_id: str, strong: dict[str, str]) -> str:
    """A strong answer to the current question (an answer to another question is scored as off-topic)."""
    qid = str(coach.view(session_id).current)
    if qid in strong:
        return strong[qid]
    points = coach.bank.by_id[qid].key_points.values()
    return " ".join(f"I would make sure that {p[0].lower()}{p[1:]}" for pts in points for p in pts)


def run(questions: int = 20) -> list[int]:
    """Input tokens of each question-phrasing call, in order."""
    strong = {i.question_id: i.answer for i in load_labelled() if i.kind == "strong"}
    with tempfile.TemporaryDirectory() as tmp:
        model = RecordingModel(messages=iter([]))
        coach = InterviewService(Settings(data_dir=Path(tmp)), chat_model=model)
        result = coach.start("feature", questions=questions)
        n = 0
        while not result.done and n < 200:
            result = coach.submit(result.session_id, f"{_on_topic(coach, result.session_id, strong)} ({n})")
            n += 1
        usage = coach.view(result.session_id).usage
        asks = [i for i, msgs in enumerate(model.received) if re.search(r"Question \d+ of \d+", str(msgs[-1].content))]
        per_call = usage.calls
        return [per_call[i] for i in asks]


def main() -> None:
    asks = run()
    budget = Settings().input_token_budget
    for number, tokens in enumerate(asks, 1):
        print(f"question {number:2}: {tokens:5} input tokens")
    print(f"max {max(asks)} (budget {budget}); question 20 / question 3 = {asks[19] / asks[2]:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
