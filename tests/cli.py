"""Run `python -m bot ...` in this process: the same `main`, without a new interpreter's start-up cost.

Each CLI test keeps at least one real subprocess (exit status, stdout and stderr of the command as users run
it); the rest of its calls go through here, which is several CPU-seconds cheaper each under coverage.
"""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

from bot.cli import main


def run_main(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`bot.cli.main(args)` with `stdin`, captured like `subprocess.run(..., capture_output=True, text=True)`."""
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors (status 2), as the real process would exit
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["python", "-m", "bot", *args], code, out.getvalue(), err.getvalue())
