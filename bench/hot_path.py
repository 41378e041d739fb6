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


def cold_start(kind: str, data_dir: str) -> tuple[float, float]:
    """Seconds from process start to the first HTTP 200, and to the first critique (start + one answer)."""
    from gradio_client import Client

    port = free_port()
    t0 = time.perf_counter()
    proc = launch(kind, data_dir, port)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_up(url, proc)
        page = time.perf_counter() - t0
        client = Client(url, verbose=False)
        started = client.predict("feature", "", "pm", 3, api_name="/start_interview")
        out = client.predict(started["session_id"], ANSWER, api_name="/submit_answer")
        if "error" in out:
            raise SystemExit(out["error"])
        return page, time.perf_counter() - t0
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


def critique_p50() -> tuple[float, float]:
    """p50 of the offline critique (with citations) of 200-300-word answers, and p50 of embedding their sentences."""
    from bot.config import get_settings
    from bot.critic.calibration import load_labelled, target_for
    from bot.critic.features import recent_sentences, split_sentences
    from bot.critic.offline import critique_target
    from bot.retrieval.embeddings import get_model

    settings = get_settings()
    items = [i for i in load_labelled() if 200 <= len(i.answer.split()) <= 300 and i.kind != "non_english"][:60]
    targets = {i.id: target_for(settings, i) for i in items}  # resolved once, as a session does
    critique_target(targets[items[0].id], items[0].answer, settings)  # warm-up
    times = []
    for _ in range(3):
        for item in items:
            recent_sentences.clear()  # each timing embeds its answer's sentences, as for a new answer
            t0 = time.perf_counter()
            critique_target(targets[item.id], item.answer, settings)
            times.append((time.perf_counter() - t0) * 1000)
    embeds = []
    for item in items:
        sentences = split_sentences(item.answer)
        t0 = time.perf_counter()
        get_model().embed(sentences)
        embeds.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), statistics.median(embeds)


def prepare(data_dir: Path) -> float:
    """Build what a first start leaves in a data folder (the guide index, the bank's vectors); seconds taken."""
    from bot.config import Settings
    from bot.content.questions import load_bank
    from bot.content.rubric import load_rubric
    from bot.critic.signals import warm_bank_references
    from bot.retrieval.index import ingest

    t0 = time.perf_counter()
    settings = Settings(data_dir=data_dir)
    ingest(settings)
    warm_bank_references(load_bank(settings.questions_dir), load_rubric(settings.rubric_path), settings.vectors_path)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        subprocess.run([sys.executable, "-m", "compileall", "-q", "bot", "app.py"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)  # as `make run` does  # fmt: skip
        prepared = prepare(Path(data_dir))
        os.environ["COACH_DATA_DIR"] = data_dir
        colds: dict[str, list[tuple[float, float]]] = {"app": [], "echo": []}
        for _ in range(COLD_RUNS):  # alternate, so drifting machine load hits both alike
            for kind in ("app", "echo"):
                colds[kind].append(cold_start(kind, data_dir))
        turns = {kind: turn_latencies(kind, data_dir) for kind in ("echo", "app")}
        critique, embedding = critique_p50()
    print(f"prepared a data folder as the first start leaves it (index, bank vectors): {prepared:.1f} s")
    app_p50, echo_p50 = percentile(turns["app"], 0.5), percentile(turns["echo"], 0.5)
    app_p95, echo_p95 = percentile(turns["app"], 0.95), percentile(turns["echo"], 0.95)
    cold_app, cold_echo = (statistics.median(page for page, _ in colds[k]) for k in ("app", "echo"))
    ready_app, ready_echo = (statistics.median(first for _, first in colds[k]) for k in ("app", "echo"))
    print(f"API turn ({TURNS} submit_answer calls): app p50 {app_p50:.0f} ms, p95 {app_p95:.0f} ms; "
          f"echo p50 {echo_p50:.0f} ms, p95 {echo_p95:.0f} ms")  # fmt: skip
    print(f"  ratio p50 {app_p50 / echo_p50:.2f}x (target <= 1.5), p95 {app_p95 / echo_p95:.2f}x (target <= 2.5)")
    print(f"cold start (median of {COLD_RUNS}): app {cold_app:.2f} s, echo {cold_echo:.2f} s, "
          f"ratio {cold_app / cold_echo:.2f}x (target <= 1.5)")  # fmt: skip
    print(f"  start to first critique (page, start_interview, one answer): app {ready_app:.2f} s, "
          f"echo {ready_echo:.2f} s; the app warms its graph, retriever and vectors after the page is up")  # fmt: skip
    print(f"offline critique with citations, 200-300-word answers: p50 {critique:.0f} ms (target <= 60); "
          f"of which embedding the answer's sentences p50 {embedding:.0f} ms, the critic's own work "
          f"about {critique - embedding:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
