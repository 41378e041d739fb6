"""A bare Gradio app with the coach's three named endpoints that does no work: the yardstick for bench/hot_path.py."""

from __future__ import annotations

import os
from typing import Any

import gradio as gr


def start_interview(role: str, domain: str, background: str, questions: int) -> dict[str, Any]:
    """Echo a started session."""
    return {"session_id": "echo", "question": f"{role} {domain} {background} {questions}", "messages": []}


def submit_answer(session_id: str, answer: str) -> dict[str, Any]:
    """Echo an answer."""
    return {"session_id": session_id, "critique": {"overall": 3.0}, "next": answer[:40], "done": False}


def end_interview(session_id: str) -> dict[str, Any]:
    """Echo the end of a session."""
    return {"session_id": session_id, "done": True, "summary": {}}


if __name__ == "__main__":
    with gr.Blocks(title="echo") as demo:
        gr.Markdown("echo")
        gr.api(start_interview, api_name="start_interview")
        gr.api(submit_answer, api_name="submit_answer")
        gr.api(end_interview, api_name="end_interview")
    demo.queue(default_concurrency_limit=16)
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ["PORT"]))
