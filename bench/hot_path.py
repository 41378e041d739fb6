"""Hot path: the app beside a bare echo app with the same endpoints, in one run; prints the ratios.

Targets (issue "Hot path"): API turn p50 <= 1.5x the echo app, p95 <= 2.5x; offline critique p50 <= 60 ms
for a 250-word answer; cold start <= 1.5x the echo app, with a built index.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load_test import ANSWER, ROOT, free_port, start_app, wait_up  # noqa: E402

TURNS = int(os.environ.get("HOT_TURNS", "40"))
COLD_RUNS = int(os.environ.get("COLD_RUNS", "3"))


def start_echo(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "echo_app.py")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def launch(kind: str, data_dir: str, port: int) -> subprocess.Popen[bytes]:
    return start_app(data_dir, port) if kind == "app" else start_echo(port)


def cold_start(kind: str, data_dir: str) -> float:
    port = free_port()
    t0 = time.perf_counter()
    proc = launch(kind, data_dir, port)
    try:
        wait_up(f"http://127.0.0.1:{port}/", proc)
        return time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def turn_latencies(kind: str, data_dir: str) -> list[float]:
    from gradio_client import Client

    port = free_port()
    proc = launch(kind, data_dir, port)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_up(url, proc)
        client = Client(url, verbose=False)
        times: list[float] = []
        while len(times) < TURNS:
            started = client.predict("feature", "", "pm", 10, api_name="/start_interview")
            for n in range(10):
                t0 = time.perf_counter()
                out = client.predict(started["session_id"], f"{ANSWER} ({n})", api_name="/submit_answer")
                times.append((time.perf_counter() - t0) * 1000)
                if "error" in out:
                    raise SystemExit(out["error"])
        return times[:TURNS]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def critique_p50() -> float:
    from bot.config import get_settings
    from bot.content.questions import load_bank
    from bot.critic.calibration import load_labelled
    from bot.critic.model import Target
    from bot.critic.offline import critique_target

    settings = get_settings()
    bank = load_bank(settings.questions_dir)
    items = [i for i in load_labelled() if 200 <= len(i.answer.split()) <= 300]
    critique_target(Target.of(bank.by_id[items[0].question_id]), items[0].answer, settings)  # warm-up
    times = []
    for _ in range(3):
        for item in items:
            t0 = time.perf_counter()
            critique_target(Target.of(bank.by_id[item.question_id]), item.answer, settings)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        from bot.config import Settings
        from bot.retrieval.index import ingest

        ingest(Settings(data_dir=Path(data_dir)))
        os.environ["COACH_DATA_DIR"] = data_dir
        colds: dict[str, list[float]] = {"app": [], "echo": []}
        for _ in range(COLD_RUNS):  # alternate, so drifting machine load hits both alike
            for kind in ("app", "echo"):
                colds[kind].append(cold_start(kind, data_dir))
        turns = {kind: turn_latencies(kind, data_dir) for kind in ("echo", "app")}
        critique = critique_p50()
    app_p50, echo_p50 = percentile(turns["app"], 0.5), percentile(turns["echo"], 0.5)
    app_p95, echo_p95 = percentile(turns["app"], 0.95), percentile(turns["echo"], 0.95)
    cold_app, cold_echo = statistics.median(colds["app"]), statistics.median(colds["echo"])
    print(f"API turn ({TURNS} submit_answer calls): app p50 {app_p50:.0f} ms, p95 {app_p95:.0f} ms; "
          f"echo p50 {echo_p50:.0f} ms, p95 {echo_p95:.0f} ms")  # fmt: skip
    print(f"  ratio p50 {app_p50 / echo_p50:.2f}x (target <= 1.5), p95 {app_p95 / echo_p95:.2f}x (target <= 2.5)")
    print(f"cold start (median of {COLD_RUNS}): app {cold_app:.2f} s, echo {cold_echo:.2f} s, "
          f"ratio {cold_app / cold_echo:.2f}x (target <= 1.5)")  # fmt: skip
    print(f"offline critique with citations, 200-300-word answers: p50 {critique:.0f} ms (target <= 60)")


if __name__ == "__main__":
    main()
