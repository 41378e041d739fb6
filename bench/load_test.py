"""Load test: 20 concurrent gradio_client sessions (start, 2 answers, end) against a fresh app; p50/p95 latency."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = int(os.environ.get("LOAD_SESSIONS", "20"))
ANSWER = ("I would define a golden set and a launch bar, measure precision and recall per segment, plan for "
          "hallucinations with guardrails, a human fallback and a kill switch, and roll out behind a flag.")  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 300.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"app not up after {timeout}s")


def start_app(data_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PORT": str(port), "COACH_DATA_DIR": data_dir, "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}  # fmt: skip
    env.pop("COACH_LLM", None)
    return subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


def session(url: str, latencies: list[float], errors: list[str], lock: threading.Lock) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
        calls = [("/start_interview", ("feature", "", "pm", 3))]
        t0 = time.perf_counter()
        started = client.predict(*calls[0][1], api_name=calls[0][0])
        timings = [time.perf_counter() - t0]
        if "error" in started:
            raise RuntimeError(started["error"])
        sid = started["session_id"]
        for i in range(2):
            t0 = time.perf_counter()
            turn = client.predict(sid, f"{ANSWER} ({i})", api_name="/submit_answer")
            timings.append(time.perf_counter() - t0)
            if "error" in turn:
                raise RuntimeError(turn["error"])
        t0 = time.perf_counter()
        ended = client.predict(sid, api_name="/end_interview")
        timings.append(time.perf_counter() - t0)
        if "error" in ended or not ended.get("summary"):
            raise RuntimeError(str(ended.get("error", "no summary")))
        with lock:
            latencies.extend(timings)
    except Exception as exc:  # noqa: BLE001 - a load test counts failures instead of stopping
        with lock:
            errors.append(repr(exc))


def main() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as data_dir:
        proc = start_app(data_dir, port)
        try:
            print(f"app up after {wait_up(url, proc):.1f}s (includes building the index)")
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            threads = [threading.Thread(target=session, args=(url, latencies, errors, lock), daemon=True)
                       for _ in range(SESSIONS)]  # fmt: skip
            t0 = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=max(1.0, 300 - (time.perf_counter() - t0)))
            wall = time.perf_counter() - t0
            hung = sum(t.is_alive() for t in threads)
            ordered = sorted(latencies)
            if ordered:
                p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
                print(f"{SESSIONS} sessions, {len(ordered)} turns in {wall:.1f}s: p50 {statistics.median(ordered):.2f}s, "
                      f"p95 {p95:.2f}s, max {ordered[-1]:.2f}s")  # fmt: skip
            print(f"errors: {len(errors) + hung} ({hung} hung)")
            for error in errors[:5]:
                print("  ", error[:200])
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
