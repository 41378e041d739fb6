"""The one place that turns settings into a chat model (`init_chat_model`), with budgets, retry and usage."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, model_validator

from bot.config import Settings
from bot.errors import CoachError
from bot.llm.tokens import count_tokens, estimate_cost

if TYPE_CHECKING:  # LangChain loads with the first model, not with the app: offline, there is none
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

# provider -> (package that must be installed, pip extra, environment variable holding the key)
PROVIDERS: dict[str, tuple[str, str, str | None]] = {
    "openai": ("langchain_openai", "openai", "OPENAI_API_KEY"),
    "anthropic": ("langchain_anthropic", "anthropic", "ANTHROPIC_API_KEY"),
    "huggingface": ("langchain_huggingface", "huggingface", "HF_TOKEN"),
    "ollama": ("langchain_ollama", "ollama", None),
}


class LLMFailure(Exception):
    """A model call failed twice (timeout, rate limit, server error or malformed output)."""


class Usage(BaseModel):
    """Tokens and estimated cost accumulated over a session."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    calls: list[int] = Field(default_factory=list)  # input tokens of each call, in order

    @model_validator(mode="before")
    @classmethod
    def _stored_shape(cls, value: Any) -> Any:
        """Accept the shape sessions stored before: `calls` a count and the list under `per_call`."""
        if isinstance(value, dict) and "per_call" in value:
            value = {**value, "calls": value["per_call"]}
        return value

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "calls": len(self.calls),
        }


def make_chat_model(settings: Settings, temperature: float = 0.0) -> BaseChatModel | None:
    """The configured chat model, or None when no LLM is set (the offline default)."""
    if not settings.llm:
        return None
    provider, _, model = settings.llm.partition(":")
    if provider not in PROVIDERS or not model:
        raise CoachError(f"COACH_LLM={settings.llm!r} is not 'provider:model' with provider in {', '.join(PROVIDERS)}")
    package, extra, key = PROVIDERS[provider]
    if importlib.util.find_spec(package) is None:
        raise CoachError(f"COACH_LLM uses {provider} but {package} is not installed: pip install '.[{extra}]'")
    if key and not os.environ.get(key) and not (provider == "openai" and settings.llm_base_url):
        raise CoachError(f"COACH_LLM uses {provider} but {key} is not set: add it to .env or the Space secrets")
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"temperature": temperature, "timeout": settings.llm_timeout_s, "max_retries": 0}
    if provider == "openai" and settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
        kwargs.setdefault("api_key", os.environ.get("OPENAI_API_KEY") or "not-needed")
    if provider == "huggingface":  # the Inference API ("endpoint"); the default backend runs transformers locally
        kwargs = {
            "backend": "endpoint",
            "task": "text-generation",
            "temperature": max(temperature, 0.01),
            "timeout": int(settings.llm_timeout_s),
        }  # the API rejects a temperature of exactly 0
    return init_chat_model(model, model_provider=provider, **kwargs)


def _count(messages: list[BaseMessage]) -> int:
    return sum(count_tokens(str(m.content)) + 4 for m in messages)


class LLM:
    """A chat model held under the input budget, retried once, with usage recorded."""

    def __init__(self, model: BaseChatModel, settings: Settings, name: str | None = None) -> None:
        self.model = model
        self.budget = settings.input_token_budget
        self.name = name or (settings.llm or "llm").partition(":")[2] or "llm"

    def fit(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        """Drop the oldest history (never the system prompt or the last message) to fit the budget."""
        if _count(messages) <= self.budget:
            return messages
        from langchain_core.messages import SystemMessage, trim_messages

        trimmed = trim_messages(
            messages,
            max_tokens=self.budget,
            token_counter=_count,
            strategy="last",
            include_system=True,
            allow_partial=False,
            start_on="human",
        )
        if not trimmed or _count(trimmed) > self.budget:
            system = [m for m in messages[:1] if isinstance(m, SystemMessage)]
            trimmed = system + messages[-1:]
        return list(trimmed)

    def _record(self, usage: Usage | None, sent: list[BaseMessage], reply: str) -> None:
        if usage is None:
            return
        n_in, n_out = _count(sent), count_tokens(reply)
        usage.input_tokens += n_in
        usage.output_tokens += n_out
        usage.cost_usd += estimate_cost(self.name, n_in, n_out)
        usage.calls.append(n_in)

    def complete(self, messages: list[BaseMessage], usage: Usage | None = None) -> str:
        """The model's reply text; raises LLMFailure after one retry."""
        sent = self.fit(messages)
        last: Exception | None = None
        for _attempt in range(2):
            try:
                reply = self.model.invoke(sent)
                text = str(reply.content if isinstance(reply.content, str) else reply.text)
                self._record(usage, sent, text)
                return text
            except Exception as exc:  # provider errors have no common base class
                last = exc
                log.warning(
                    "LLM call failed (%s); %s", type(exc).__name__, "retrying" if _attempt == 0 else "giving up"
                )
        raise LLMFailure(f"{type(last).__name__}: {last}") from last

    def stream(self, messages: list[BaseMessage], usage: Usage | None = None) -> Iterator[str]:
        """Reply text as it arrives; one retry if nothing arrived yet, then LLMFailure."""
        sent = self.fit(messages)
        for attempt in range(2):
            parts: list[str] = []
            try:
                for chunk in self.model.stream(sent):
                    piece = chunk.content if isinstance(chunk.content, str) else chunk.text
                    if piece:
                        parts.append(str(piece))
                        yield str(piece)
                self._record(usage, sent, "".join(parts))
                return
            except Exception as exc:
                if parts or attempt == 1:
                    raise LLMFailure(f"{type(exc).__name__}: {exc}") from exc
                log.warning("LLM stream failed (%s); retrying", type(exc).__name__)
