"""What the app reads from a browser request: query parameters, public base URL, client address (and whose proxy)."""

from __future__ import annotations

import os
from urllib.parse import urlencode

import gradio as gr

from bot.config import Settings


def query_params(request: gr.Request | None) -> dict[str, str]:
    """The page URL's query parameters (empty without a request)."""
    return {str(k): str(v) for k, v in dict(request.query_params).items()} if request is not None else {}


def base_url(request: gr.Request | None) -> str:
    """The app's public base URL as the browser sees it.

    On a Hugging Face Space that is https on the Space's own host (SPACE_HOST, which the platform sets). Elsewhere it
    is the request's Host header and scheme. The scheme honours X-Forwarded-Proto only from a proxy listed in
    FORWARDED_ALLOW_IPS (uvicorn applies it before the app sees the request); X-Forwarded-Host is not read at all:
    past that point the app can no longer tell which peer sent it, a proxy passes client headers it does not set
    straight on, and a proxy sets Host itself (nginx: `proxy_set_header Host $host`).
    """
    space_host = os.environ.get("SPACE_HOST", "").split(",")[0].strip()
    if space_host:
        return f"https://{space_host}"
    try:
        headers = request.headers if request is not None else {}
        host = headers.get("host") or "127.0.0.1:7860"
        return f"{request.url.scheme}://{host}"  # type: ignore[union-attr]
    except Exception:
        return ""


def resume_link(request: gr.Request | None, session_id: str, candidate: str) -> str:
    """The private resume URL, on the host the browser used."""
    return f"{base_url(request)}/?{urlencode({'session': session_id, 'candidate': candidate})}"


def client_key(request: gr.Request | None) -> str:
    """The caller's address, logged with sign-in attempts and part of their key.

    It is the connection's peer unless that peer is a proxy listed in FORWARDED_ALLOW_IPS, in which case uvicorn has
    already replaced it with the client named in X-Forwarded-For; a forged header from anyone else changes nothing.
    """
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "unknown")


def trust_forwarded_headers(settings: Settings) -> None:
    """Make the server started by `launch()` believe forwarded headers only from the configured proxies.

    Gradio builds uvicorn's Config without `forwarded_allow_ips`, so uvicorn reads FORWARDED_ALLOW_IPS from the
    environment and, when it is unset, trusts 127.0.0.1 and ::1; the setting (empty by default: no proxy) replaces it.
    """
    os.environ["FORWARDED_ALLOW_IPS"] = settings.forwarded_allow_ips
