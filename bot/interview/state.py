"""Typed interview state: the plan, per-question results, messages, the summary and the deadlines of an answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.content.questions import Question
from bot.content.vocabulary import check_background, role_domain
from bot.critic.model import Citation, Critique
from bot.errors import CoachError
from bot.llm.chat import Usage

Intent = Literal["start", "answer", "skip", "hint", "clarify", "empty", "end", "done", ""]


LATE_GRACE_S = 5.0  # seconds past a deadline that still count as on time


ENDED = "This interview has ended. Start a new one to keep practising."  # said to input after the end
SKIPPED = "Skipped. Let's move on."  # said when the candidate skips (a question, or the follow-up it is on)


class InterviewPlan(BaseModel):
    """What to run: role, domain, background, length and difficulty, plus a coach's questions, focus and limits."""

    role: str = "feature"
    domain: str | None = None
    background: str = "pm"
    questions: int = 5
    difficulty: int = 2
    custom: list[Question] = Field(default_factory=list)  # asked first, in order
    focus: list[str] = Field(default_factory=list)  # skills to favour when picking bank questions
    time_limit_s: int | None = None  # per answer, counted from when the question was asked
    closes_at: float | None = None  # epoch seconds after which no answer is on time
    hold_feedback: bool = False  # gaps and the stronger-answer outline only once the interview ends

    def checked(self) -> InterviewPlan:
        """The plan with the domain kept only for vertical roles; CoachError naming the first bad setting."""
        role, domain = role_domain(self.role, self.domain)
        check_background(self.background)
        if not 1 <= int(self.questions) <= 20 or not 1 <= int(self.difficulty) <= 3:
            raise CoachError("choose 1 to 20 questions and a difficulty from 1 to 3")
        if self.time_limit_s is not None and self.time_limit_s <= 0:
            raise CoachError("a time limit must be a positive number of seconds, or none")
        return self.model_copy(update={"role": role, "domain": domain})


class Message(BaseModel):
    """One chat message; `kind` says what it is (question, follow-up, critique, hint, clarification, ...).

    A critique message in the transcript keeps the whole critique (strengths, gaps, outline) for the reports;
    what a run says (the outbox) never carries it, so feedback a coach holds back is not sent early.
    """

    role: Literal["user", "assistant"]
    content: str
    kind: str = "message"
    critique: Critique | None = None


class QuestionResult(BaseModel):
    """How one question went: scores after its follow-ups, hints used, or skipped."""

    question_id: str
    question: str
    scores: dict[str, float] | None = None
    overall: float | None = None
    hints: int = 0
    skipped: bool = False
    gaps: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)  # guide topics the critique cited


class SummaryGap(BaseModel):
    """One of the candidate's biggest gaps over the session, with examples and the guide to read."""

    dimension: str
    average: float
    examples: list[str] = Field(default_factory=list)
    guide: str  # the guide's source path, e.g. knowledge/guides/evaluation.md


class Summary(BaseModel):
    """The end-of-session summary."""

    overall: float | None = None
    averages: dict[str, float] = Field(default_factory=dict)
    gaps: list[SummaryGap] = Field(default_factory=list)
    guides: list[str] = Field(default_factory=list)
    answered: int = 0
    skipped: int = 0
    usage: dict[str, float] = Field(default_factory=dict)
    text: str = ""


class LastAnswer(BaseModel):
    """The last answer recorded and when, to recognise a double submit."""

    text: str
    at: float


def kept_critique(critique: Critique) -> Critique:
    """A critique as the transcript keeps it: the guide excerpts it cited by name only (they are large)."""
    return critique.model_copy(update={"citations": [c.model_copy(update={"text": ""}) for c in critique.citations]})


class InterviewState(BaseModel):
    """Everything about one session; checkpointed after every step."""

    session_id: str = ""
    candidate: str = ""
    role: str = "feature"
    domain: str | None = None
    background: str = "pm"
    total: int = 0
    difficulty: int = 2
    input: str = ""
    intent: Intent = ""
    asked: list[str] = Field(default_factory=list)
    covered: list[str] = Field(default_factory=list)
    current: str | None = None
    prompt: str | None = None
    probes: int = 0
    probed: list[str] = Field(default_factory=list)
    hints: int = 0
    context: list[Citation] = Field(default_factory=list)  # guide excerpts retrieved for the current question
    results: list[QuestionResult] = Field(default_factory=list)
    transcript: list[Message] = Field(default_factory=list)
    outbox: list[Message] = Field(default_factory=list)  # what this run said
    pending_turn: int | None = None
    logged: int | None = None  # turns stored so far (None: a session from before turns were numbered)
    last_answer: LastAnswer | None = None
    last_critique: Critique | None = None  # what this run's card shows (cleared at every input)
    question_critique: Critique | None = None  # the open question's latest graded critique: a follow-up builds on it
    ungraded: bool = False  # the last answer could not be graded (the question stays open for another try)
    notices: list[str] = Field(default_factory=list)
    done: bool = False
    summary: Summary | None = None
    usage: Usage = Field(default_factory=Usage)
    custom: list[Question] = Field(default_factory=list)
    focus: list[str] = Field(default_factory=list)
    time_limit_s: int | None = None
    closes_at: float | None = None
    asked_at: float | None = None  # server time when the current question (or follow-up) was put
    hold_feedback: bool = False  # a coach holds gaps and outlines back until the interview ends

    def result_for(self, question_id: str | None) -> QuestionResult | None:
        """The result entry of a question, if it has one yet."""
        return next((r for r in self.results if r.question_id == question_id), None)

    def is_late(self, now: float) -> bool:
        """Whether an answer arriving at `now` (server time, epoch seconds) misses its deadline.

        LATE_GRACE_S is allowed for what a slow network or a submit in the last second may add.
        """
        deadline = self.answer_deadline()
        return deadline is not None and now > deadline + LATE_GRACE_S

    def closed(self, now: float) -> bool:
        """Whether the assignment this session belongs to has closed (its due date passed, with the grace)."""
        return self.closes_at is not None and now > self.closes_at + LATE_GRACE_S

    def answer_deadline(self) -> float | None:
        """When the answer to the current prompt is due (epoch seconds): the per-answer limit or the close, first."""
        limits = []
        if self.time_limit_s and self.asked_at is not None:
            limits.append(self.asked_at + self.time_limit_s)
        if self.closes_at is not None:
            limits.append(self.closes_at)
        return min(limits) if limits else None
