"""What the app reads from a browser request: its query parameters, the public base URL and the client address."""

from __future__ import annotations

from urllib.parse import urlencode

import gradio as gr


def query_params(request: gr.Request | None) -> dict[str, str]:
    """The page URL's query parameters (empty without a request)."""
    return {str(k): str(v) for k, v in dict(request.query_params).items()} if request is not None else {}


def base_url(request: gr.Request | None) -> str:
    """The app's public base URL as the browser sees it (proxy headers first)."""
    try:
        headers = request.headers if request is not None else {}
        host = headers.get("x-forwarded-host") or headers.get("host") or "127.0.0.1:7860"
        scheme = headers.get("x-forwarded-proto") or request.url.scheme  # type: ignore[union-attr]
        return f"{scheme}://{host}"
    except Exception:
        return ""


def resume_link(request: gr.Request | None, session_id: str, candidate: str) -> str:
    """The private resume URL, on the host the browser used."""
    return f"{base_url(request)}/?{urlencode({'session': session_id, 'candidate': candidate})}"


def client_key(request: gr.Request | None) -> str:
    """The caller's address, used to rate-limit sign-in attempts."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "unknown")
