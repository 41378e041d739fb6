"""How handler failures reach the user: a CoachError as its one line, anything else logged and shown generically."""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Callable
from typing import Any, TypeVar, cast

import gradio as gr

from bot.errors import CoachError
from bot.storage.faults import storage_fault
from bot.web.render import error_line

log = logging.getLogger(__name__)
GENERIC_ERROR = "Something went wrong on our side; please try again."
Fn = TypeVar("Fn", bound=Callable[..., Any])


def guarded(method: Fn) -> Fn:
    """Wrap a tab's handler method: on failure, warn and write the one line to the tab's `error_output`."""

    @functools.wraps(method)
    def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except CoachError as exc:
            message = str(exc)
        except Exception as exc:
            log.exception("handler %s failed", method.__name__)
            message = storage_fault(exc) or GENERIC_ERROR
        gr.Warning(message)
        return {self.error_output: error_line(message)}

    return cast(Fn, inner)


_KINDS = {int: "a whole number", str: "text", dict: "an object of named values"}


def _check_arguments(signature: inspect.Signature, hints: dict[str, Any], args: Any, kwargs: Any) -> None:
    """CoachError naming the first argument whose type is not what the endpoint declares (None passes for text)."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise CoachError(f"wrong arguments: {exc}") from exc
    for name, value in bound.arguments.items():
        expected = typing.get_origin(hints.get(name)) or hints.get(name)  # dict[str, Any] is checked as dict
        if expected is int:
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole and not (isinstance(value, str) and value.strip().isdigit()):
                raise CoachError(f"argument {name!r} must be {_KINDS[int]}, not {type(value).__name__}")
        elif expected in (str, dict) and value is not None and not isinstance(value, expected):
            raise CoachError(f"argument {name!r} must be {_KINDS[expected]}, not {type(value).__name__}")


def api_errors(fn: Fn) -> Fn:
    """Wrap an API function or method so that errors come back as {"error": ...} instead of an exception.

    Arguments are checked against the function's annotations first, so a wrong type is named, not hidden.
    """
    signature, hints = inspect.signature(fn), typing.get_type_hints(fn)

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        try:
            _check_arguments(signature, hints, args, kwargs)
            return fn(*args, **kwargs)
        except CoachError as exc:
            return {"error": str(exc)}
        except Exception as exc:
            log.exception("api %s failed", fn.__name__)
            return {"error": storage_fault(exc) or GENERIC_ERROR}
        finally:
            forget_api_session()

    return cast(Fn, inner)


def forget_api_session() -> None:
    """Drop the per-session UI state Gradio made for this API call (none of our endpoints uses it).

    Gradio gives every `/gradio_api/call/...` request a session of its own and keeps a copy of the whole page's
    component configuration for it (about 0.3 MB here) until 10,000 sessions exist: 2,000 API calls would
    otherwise hold about 600 MB. Browser sessions are untouched.
    """
    from gradio.context import LocalContext

    request, blocks = LocalContext.request.get(None), LocalContext.blocks.get(None)
    session = getattr(request, "session_hash", None)
    holder = getattr(blocks, "state_holder", None)
    if session and holder is not None:
        with holder.lock:
            holder.session_data.pop(session, None)
            holder.time_last_used.pop(session, None)
