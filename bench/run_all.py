"""Run every benchmark in turn and print its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "retrieval.py",
    "critic_speed.py",
    "token_budget.py",
    "cold_start.py",
    "load_test.py",
    "hot_path.py",
    "throughput.py",
    "browser_turn.py",
    "drills.py",
]

if __name__ == "__main__":
    for script in SCRIPTS:
        if (HERE / script).exists():
            print(f"== {script}", flush=True)
            subprocess.run([sys.executable, str(HERE / script)], check=False, cwd=HERE.parent)
