"""What every HTTP response carries, and what the server accepts, whoever serves the app (launch, tests, bench)."""

from __future__ import annotations

import os
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_UPLOAD = "1mb"  # the app has no upload component; Gradio's upload route still exists, so it is kept small
UPLOAD_CACHE = (3600, 3600)  # every hour, delete uploaded or generated temporary files older than an hour

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
    """ASGI middleware adding `security_headers` to every HTTP response (a header the app set itself stays)."""

    def __init__(self, app: ASGIApp, on_space: bool = False) -> None:
        self.app = app
        self.headers = security_headers(on_space)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def launch_options() -> dict[str, Any]:
    """Keyword arguments for `Blocks.launch` that every server of this app uses."""
    on_space = bool(os.environ.get("SPACE_ID"))
    return {
        "max_file_size": MAX_UPLOAD,
        "app_kwargs": {"middleware": [Middleware(SecurityHeaders, on_space=on_space)]},
    }
