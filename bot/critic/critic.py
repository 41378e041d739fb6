"""The critic the app uses: the offline critique, replaced by the LLM's when one is configured, and `critique()`."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings, get_settings
from bot.content.rubric import Rubric, load_rubric
from bot.content.vocabulary import check_domain, role_domain
from bot.critic.guard import GRADER_FLAG, screen
from bot.critic.model import Critique, Target
from bot.critic.offline import Probe, add_citations, critique_target
from bot.critic.pool import CriticPool
from bot.critic.targets import resolve_target
from bot.errors import CoachError
from bot.llm.chat import LLM, LLMFailure, Usage

LLM_FAILED = "The AI critic failed twice, so this critique comes from the offline critic."


class Critic:
    """Critiques answers against a target: always offline; with an LLM, the LLM's critique cross-checked by it."""

    def __init__(self, settings: Settings, llm: LLM | None = None) -> None:
        self.settings = settings
        self.llm = llm
        self.rubric: Rubric = load_rubric(settings.rubric_path)
        self.pool: CriticPool | None = None  # scoring in worker processes, once the app has started them

    def offline(self, target: Target, answer: str, probe: Probe | None = None) -> Critique:
        """The offline critique: scored by a worker process when there are warm ones, else here; cited here."""
        scored = self.pool.score(target, answer, probe) if self.pool is not None else None
        if scored is None:
            return critique_target(target, answer, self.settings, probe=probe)
        return add_citations(scored, target, self.settings)

    def __call__(self, target: Target, answer: str, usage: Usage | None = None, probe: Probe | None = None) -> Critique:
        offline = self.offline(target, answer, probe)
        # text aimed at the grader never reaches the model; an ungradable answer and a follow-up (graded on the
        # dimension it probed) stay with the offline critic
        if self.llm is None or GRADER_FLAG in offline.flags or not offline.graded or probe is not None:
            return offline
        from bot.critic.llm_critic import llm_critique

        screened = screen(answer, self.settings.answer_token_limit).text
        try:
            return llm_critique(
                self.llm, Path(self.settings.prompts_dir), target, screened, self.rubric, offline, usage
            )
        except LLMFailure:
            return offline.model_copy(update={"notices": [*offline.notices, LLM_FAILED]})


def critique(question: str, answer: str, role: str, domain: str | None = None) -> Critique:
    """Critique `answer` to `question` for a candidate preparing for `role` (and `domain`, for vertical)."""
    check_domain(domain)
    role, _ = role_domain(role, domain, required=False)
    if not answer.strip():
        raise CoachError("the answer is empty; write an answer first")
    if not question.strip():
        raise CoachError("the question is empty")
    settings = get_settings()
    return critique_target(resolve_target(settings, question, role, domain), answer, settings)
