"""Cold start: seconds from launching `python app.py` to the first HTTP 200, with the guide index already built."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load_test import free_port, start_app, wait_up  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        from bot.config import Settings
        from bot.retrieval.index import ingest

        ingest(Settings(data_dir=Path(data_dir)))  # build the index first so only the start is timed
        runs = int(os.environ.get("COLD_RUNS", "2"))
        for run in range(1, runs + 1):
            port = free_port()
            t0 = time.perf_counter()
            proc = start_app(data_dir, port)
            try:
                wait_up(f"http://127.0.0.1:{port}/", proc)
                print(f"run {run}: cold start to first HTTP 200: {time.perf_counter() - t0:.2f}s")
            finally:
                proc.terminate()
                proc.wait(timeout=20)


if __name__ == "__main__":
    main()
