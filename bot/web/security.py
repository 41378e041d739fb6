"""What every HTTP response carries, and what the server accepts, whoever serves the app (launch, tests, bench)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_UPLOAD = "1mb"  # the only upload is the Coach tab's question import (YAML or CSV); kept small
UPLOAD_CACHE = (3600, 3600)  # every hour, delete uploaded or generated temporary files older than an hour
GUIDE_NAME = re.compile(r"[a-z][a-z-]*\.md")
# Gradio's file route answers a refused path with the path in the message; ours says only this.
FILE_REFUSED = b'{"detail":"File not allowed."}'

# Framing only by ourselves and Hugging Face (a Space is embedded from huggingface.co); images only from this
# server or inline data, so no text anyone writes can make a reader's browser fetch from another host.
CSP = (
    "frame-ancestors 'self' https://huggingface.co https://*.hf.space; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'self'"
)


def security_headers(on_space: bool) -> list[tuple[str, str]]:
    """The headers added to every response; X-Frame-Options only off a Space (it cannot allow huggingface.co)."""
    headers = [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ]
    return headers if on_space else [*headers, ("x-frame-options", "SAMEORIGIN")]


class SecurityHeaders:
    """ASGI middleware adding `security_headers` to every HTTP response (a header the app set itself stays).

    A refused file request (403 from Gradio's file route) gets a fixed body: Gradio's names the path asked for.
    """

    def __init__(self, app: ASGIApp, on_space: bool = False) -> None:
        self.app = app
        self.headers = security_headers(on_space)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = False

        async def send_with_headers(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                if message["status"] == 403 and "/file=" in scope.get("path", ""):
                    refused = True
                    message = {**message, "headers": [(b"content-type", b"application/json")]}
                    MutableHeaders(scope=message)["content-length"] = str(len(FILE_REFUSED))
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
            elif message["type"] == "http.response.body" and refused:
                if message.get("more_body", False):
                    return  # the original body is dropped; ours goes out with its last part
                message = {"type": "http.response.body", "body": FILE_REFUSED}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def guide_route(guides_dir: Path) -> Route:
    """`GET /guides/<name>.md`: one guide file as text, so that links never carry a server path."""
    folder = guides_dir.resolve()

    async def guide(request: Request) -> Response:
        name = str(request.path_params.get("name", ""))
        path = folder / name
        if not GUIDE_NAME.fullmatch(name) or not path.is_file():
            return PlainTextResponse("No such guide.", status_code=404)
        return FileResponse(path, media_type="text/markdown; charset=utf-8")

    return Route("/guides/{name}", guide, methods=["GET", "HEAD"])


def launch_options(guides_dir: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for `Blocks.launch` that every server of this app uses (guides: the settings' folder)."""
    if guides_dir is None:
        from bot.config import get_settings

        guides_dir = get_settings().guides_dir
    on_space = bool(os.environ.get("SPACE_ID"))
    return {
        "max_file_size": MAX_UPLOAD,
        "app_kwargs": {
            "middleware": [Middleware(SecurityHeaders, on_space=on_space)],
            "routes": [guide_route(guides_dir)],
        },
    }
