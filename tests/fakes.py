"""Test doubles: a scripted chat model that records what it received, and an OpenAI-compatible HTTP stub."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

CRITIQUE_JSON = json.dumps(
    {
        "dimensions": {"evaluation": 4, "failure_modes": 3, "product_judgment": 4, "communication": 4},
        "strengths": ["You sampled real tickets"],
        "gaps": ["No rollback plan"],
        "follow_up": "What would make you roll back?",
        "stronger_answer": ["Frame", "Evaluate", "Fail safely"],
    }
)


def default_script(messages: list[BaseMessage]) -> str:
    last = str(messages[-1].content)
    if "Reply with JSON only" in last:
        return CRITIQUE_JSON
    if "clarifying question" in last:
        return "Assume about 2,000 agents use it daily."
    return "Scripted interviewer: tell me how you would approach this."


class ScriptedChatModel(BaseChatModel):
    """Replies come from `script(messages)` (or raise, if it returns an Exception); every input is recorded."""

    script: Callable[[list[BaseMessage]], Any] = default_script
    received: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.received.append(list(messages))
        out = self.script(messages)
        if isinstance(out, Exception):
            raise out
        return str(out)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: Any = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._reply(messages)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: Any = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for word in self._reply(messages).split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))


class OpenAIStub:
    """A loopback OpenAI-compatible server; `behaviours` is consumed one per request.

    Each behaviour: ("ok", text) | ("stream", text) | ("status", code) | ("sleep", seconds) | ("raw", body).
    When the queue is empty, requests are answered by `default_script` on the last message.
    """

    def __init__(self) -> None:
        self.behaviours: list[tuple[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                kind, arg = stub.behaviours.pop(0) if stub.behaviours else ("auto", None)
                if kind == "auto":
                    from langchain_core.messages import HumanMessage

                    kind, arg = (
                        ("stream" if body.get("stream") else "ok"),
                        default_script([HumanMessage(body["messages"][-1]["content"])]),
                    )
                if kind == "status":
                    self.send_response(arg)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "rate limited", "type": "rate_limit"}}')
                    return
                if kind == "sleep":
                    time.sleep(arg)
                    kind, arg = "ok", "late"
                if kind == "stream" or body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for word in str(arg).split(" "):
                        chunk = {
                            "id": "c1",
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": "stub",
                            "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}],
                        }
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                text = arg if kind in ("ok", "raw") else ""
                reply = {
                    "id": "c1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "stub",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                payload = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
