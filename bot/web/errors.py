"""How handler failures reach the user: a CoachError as its one line, anything else logged and shown generically."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

import gradio as gr

from bot.errors import CoachError
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
        except Exception:
            log.exception("handler %s failed", method.__name__)
            message = GENERIC_ERROR
        gr.Warning(message)
        return {self.error_output: error_line(message)}

    return cast(Fn, inner)


def api_errors(fn: Fn) -> Fn:
    """Wrap an API function or method so that errors come back as {"error": ...} instead of an exception."""

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CoachError as exc:
            return {"error": str(exc)}
        except Exception:
            log.exception("api %s failed", fn.__name__)
            return {"error": GENERIC_ERROR}

    return cast(Fn, inner)
