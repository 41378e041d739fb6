"""Throughput: 40 concurrent candidates answering back to back, against what the CPU allows.

One run measures both sides on the same machine:
1. CPU-seconds per turn: one candidate at a time (start, then TURNS answers), the server's CPU time divided by
   the answers.
2. The same sessions, CANDIDATES at once: turn latency p50/p95 and sustained turns per second.
It prints the ratio of (2) to cores / (1). Targets (issue "Reliability, security and scale-out"): p95 at most
2.5 s, and at least 80% of what the cores allow. The benchmark's own client runs on the same cores, so its CPU
time is printed too. COACH_CONCURRENCY sets the server's queue concurrency.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hot_path import percentile, prepare  # noqa: E402
from load_test import ANSWER, free_port, start_app, wait_up  # noqa: E402

CANDIDATES = int(os.environ.get("CANDIDATES", "40"))
# ANSWERS=long (default): real calibration answers of 200-300 words, the length the critic's speed target is set
# for; ANSWERS=short: one two-sentence answer (a lower bound on the critic's share of a turn)
LONG = os.environ.get("ANSWERS", "long") != "short"
TURNS = int(os.environ.get("TURNS", "5"))  # answers per candidate, after the start
CLOCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def descendants(pid: int) -> list[int]:
    """The process and every process below it (the critic's workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError):
                continue
    found = [pid]
    for candidate_pid in sorted(parents):
        chain, seen = candidate_pid, set()
        while chain in parents and chain not in seen and chain != pid:
            seen.add(chain)
            chain = parents[chain]
        if chain == pid and candidate_pid != pid:
            found.append(candidate_pid)
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the server: all its threads (ONNX's included) and its worker processes."""
    total = 0.0
    for member in descendants(pid):
        try:
            fields = _stat(member)
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK
    return total


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def wait_workers_idle(pid: int, timeout: float = 300.0) -> int:
    """Wait until the server's worker processes (if any) have started and stopped warming; returns how many."""
    deadline, last, still = time.monotonic() + timeout, -1.0, 0
    while time.monotonic() < deadline:
        workers = [p for p in descendants(pid)[1:] if b"spawn_main" in _cmdline(p)]
        used = cpu_seconds(pid)
        still = still + 1 if workers and used - last < 0.05 else 0
        if still >= 4 or (not workers and time.monotonic() > deadline - timeout + 20):
            return len(workers)
        last = used
        time.sleep(0.5)
    return 0


def call(url: str, api_name: str, *data: object) -> dict:
    """One named endpoint through Gradio's plain HTTP API (POST the call, then read its event stream).

    Much lighter on the CPU than gradio_client, whose threads would otherwise compete with the server here.
    """
    body = json.dumps({"data": list(data)}).encode()
    request = urllib.request.Request(f"{url}gradio_api/call/{api_name}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=120) as response:
        event_id = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{api_name}/{event_id}", timeout=120) as response:
        lines = response.read().decode().splitlines()
    if "event: complete" not in lines:
        raise RuntimeError(f"{api_name}: {' '.join(lines)[:200]}")
    return json.loads(lines[lines.index("event: complete") + 1].removeprefix("data: "))[0]


def answers() -> list[str]:
    if not LONG:
        return [ANSWER]
    from bot.critic.calibration import load_labelled

    return [i.answer for i in load_labelled() if 200 <= len(i.answer.split()) <= 300 and i.kind != "non_english"]


TEXTS = answers()
_ENDS = re.compile(r"([.!?])(\s|$)")


def unique(text: str, tag: str) -> str:
    """`text` with `tag` in every sentence: no two candidates' sentences are alike, as with real people.

    The critic keeps recent answer sentences' vectors (a follow-up is judged on the main answer again), so a
    benchmark that sent the same sentences from every candidate would measure that cache, not the critic.
    """
    return _ENDS.sub(rf" ({tag})\1\2", text)


def answer_text(session_id: str, n: int) -> str:
    """The n-th answer of the candidate in `session_id`: one of TEXTS, its every sentence tagged."""
    return unique(TEXTS[(zlib.crc32(session_id.encode()) + n) % len(TEXTS)], f"{session_id[:6]}-{n}")


def candidate(url: str, latencies: list[float], errors: list[str], lock: threading.Lock) -> None:
    try:
        started = call(url, "start_interview", "feature", "", "pm", 10)
        for n in range(TURNS):
            text = answer_text(started["session_id"], n)
            t0 = time.perf_counter()
            out = call(url, "submit_answer", started["session_id"], text)
            with lock:
                latencies.append(time.perf_counter() - t0)
                if "error" in out:
                    errors.append(out["error"])
    except Exception as exc:  # noqa: BLE001 - a load test counts failures instead of stopping
        with lock:
            errors.append(repr(exc))


def run(url: str, count: int) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=candidate, args=(url, latencies, errors, lock)) for _ in range(count)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return latencies, errors, time.perf_counter() - t0


def main() -> None:
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as data_dir:
        prepare(Path(data_dir))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_app(data_dir, port)
        try:
            wait_up(url, proc)
            run(url, 1)  # the warm-up behind the page is done once a turn has run
            workers = wait_workers_idle(proc.pid)  # then the critic's workers start and warm
            run(url, 1)
            cpu0, own0 = cpu_seconds(proc.pid), time.process_time()
            sequential: list[float] = []
            for _ in range(4):
                sequential += run(url, 1)[0]
            per_turn = (cpu_seconds(proc.pid) - cpu0) / len(sequential)
            client_per_turn = (time.process_time() - own0) / len(sequential)
            cpu0 = cpu_seconds(proc.pid)
            latencies, errors, wall = run(url, CANDIDATES)
            busy = (cpu_seconds(proc.pid) - cpu0) / wall
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    ideal = cores / per_turn
    rate = len(latencies) / wall
    concurrency = os.environ.get("COACH_CONCURRENCY", "16 (default)")
    print(f"cores {cores}; server queue concurrency {concurrency}; critic worker processes {workers}; "
          f"{'200-300-word' if LONG else 'two-sentence'} answers")  # fmt: skip
    print(f"CPU per turn, one candidate at a time: server {per_turn * 1000:.0f} ms, benchmark client "
          f"{client_per_turn * 1000:.0f} ms; the cores allow {ideal:.1f} turns/s")  # fmt: skip
    print(f"{CANDIDATES} candidates x {TURNS} answers at once: {len(latencies)} turns in {wall:.1f} s, "
          f"{rate:.1f} turns/s ({rate / ideal:.0%} of what the cores allow; target >= 80%); "
          f"server busy {busy:.2f} of {cores} cores; errors {len(errors)}")  # fmt: skip
    print(f"turn latency p50 {statistics.median(latencies):.2f} s, p95 {percentile(latencies, 0.95):.2f} s "
          f"(target p95 <= 2.5 s)")  # fmt: skip
    for error in errors[:3]:
        print("  ", error[:200])


if __name__ == "__main__":
    main()
