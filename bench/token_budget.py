"""Per-turn input tokens over a scripted 20-question session with a recording fake model."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.calibration import load_labelled  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.session import Coach  # noqa: E402
from tests.fakes import ScriptedChatModel  # noqa: E402


def run(questions: int = 20) -> list[int]:
    """Input tokens of each question-phrasing call, in order."""
    answers = [i.answer for i in load_labelled() if i.kind == "strong"]
    with tempfile.TemporaryDirectory() as tmp:
        model = ScriptedChatModel()
        coach = Coach(Settings(data_dir=Path(tmp)), chat_model=model)
        result = coach.start("feature", questions=questions)
        n = 0
        while not result.done and n < 200:
            result = coach.submit(result.session_id, f"{answers[n % len(answers)]} ({n})")
            n += 1
        usage = coach.view(result.session_id)["usage"]
        asks = [i for i, msgs in enumerate(model.received) if re.search(r"Question \d+ of \d+", str(msgs[-1].content))]
        per_call = usage["per_call"]
        return [per_call[i] for i in asks]


def main() -> None:
    asks = run()
    budget = Settings().input_token_budget
    for number, tokens in enumerate(asks, 1):
        print(f"question {number:2}: {tokens:5} input tokens")
    print(f"max {max(asks)} (budget {budget}); question 20 / question 3 = {asks[19] / asks[2]:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
