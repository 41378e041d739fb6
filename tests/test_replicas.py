"""Two app replicas behind nginx on one PostgreSQL; one is killed with SIGKILL mid-load and restarted.

Asserts what an operator needs: every acknowledged answer stored exactly once, every session completes, no
duplicate turns, and no 5xx once the restarted replica is back. Needs nginx (`apt-get install nginx`, as
`.ci/run` does) and TEST_DATABASE_URL; skipped, with that reason, where either is missing.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT, get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.critic.signals import warm_bank_references
from bot.storage.models import Turn
from tests.ports import held_port
from tests.storage import fresh_store

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CANDIDATES = 60
ANSWERS = 3  # per candidate, then `end`
ANSWER = (
    "I would sample 300 real tickets across intents and languages, have two agents grade drafts against a "
    "written rubric, and watch the edit rate by intent; billing drafts go to a human, and we roll back on drift."
)

# What Gradio's queue needs behind a proxy: no buffering of the event stream, HTTP/1.1 to the upstream, long
# reads. Requests of one client connection stay on one replica (the call and its event stream must meet).
NGINX_CONF = """
user root;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    upstream coach {{
        hash $remote_addr$remote_port consistent;
        server 127.0.0.1:{a} max_fails=1 fail_timeout=3s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=3s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://coach;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 300s;
            proxy_next_upstream error timeout http_502;
        }}
    }}
}}
"""

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed (apt-get install nginx)")


def wait_up(port: int, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port} within {timeout} s")


class Replica:
    """One `python app.py` on its own data folder and port, sharing the database."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # FORWARDED_ALLOW_IPS: nginx, on loopback, is the proxy whose forwarded headers count (as the README deploys);
        # no critic worker processes (four more interpreters on 2 cores; tests/test_critic_pool.py covers them);
        # no coverage tracing in the replicas (COVERAGE_PROCESS_CONFIG): the same code runs traced in-process in
        # the interview tests, and tracing three app starts and 180 turns only slows `make test`
        env = {**os.environ, "PORT": str(self.port), "COACH_DATA_DIR": str(self.data_dir),
               "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False",
               "FORWARDED_ALLOW_IPS": "127.0.0.1", "COACH_CRITIC_PROCESSES": "0"}  # fmt: skip
        for name in ("COACH_LLM", "COVERAGE_PROCESS_CONFIG"):
            env.pop(name, None)
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_up(self.port)
        assert self.proc.poll() is None, "the replica exited; something else answered on its port"

    def kill(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, "the replica was not running when killed"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


class Candidate:
    """One person's session over one keep-alive connection through nginx; a failed call is sent again."""

    def __init__(self, port: int, n: int, log: Log) -> None:
        self.port, self.n, self.log = port, n, log
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.session_id = ""
        self.acknowledged: list[str] = []
        self.summary: Any = None

    def _once(self, api: str, data: list[Any]) -> Any:
        self.connection.request("POST", f"/gradio_api/call/{api}", json.dumps({"data": data}),
                                {"Content-Type": "application/json"})  # fmt: skip
        response = self.connection.getresponse()
        body = response.read()
        self.log.status(response.status)
        if response.status != 200:
            raise OSError(f"POST {api}: HTTP {response.status}")
        event = json.loads(body)["event_id"]
        self.connection.request("GET", f"/gradio_api/call/{api}/{event}")
        response = self.connection.getresponse()
        lines = response.read().decode().splitlines()
        self.log.status(response.status)
        if response.status != 200 or "event: complete" not in lines:
            raise OSError(f"GET {api}: HTTP {response.status}, {' '.join(lines)[:120]}")
        out = json.loads(lines[lines.index("event: complete") + 1].removeprefix("data: "))[0]
        if isinstance(out, dict) and "error" in out:
            raise OSError(f"{api}: {out['error']}")
        return out

    def call(self, api: str, *data: Any) -> Any:
        deadline = time.time() + 180
        while True:
            try:
                return self._once(api, list(data))
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.log.retry(repr(exc))
                if time.time() > deadline:
                    raise
                self.connection.close()  # a new connection, which nginx may send to the other replica
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                time.sleep(0.2)

    def run(self) -> None:
        self.session_id = self.call("start_interview", "feature", "", "pm", 3)["session_id"]
        for k in range(ANSWERS):
            answer = f"{ANSWER} (candidate {self.n}, answer {k})"
            self.call("submit_answer", self.session_id, answer)
            self.acknowledged.append(answer)
            self.log.acknowledged()
        self.summary = self.call("end_interview", self.session_id).get("summary")


class Log:
    """Statuses seen (with when), retries, and how many answers were acknowledged so far."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: list[tuple[float, int]] = []
        self.retries: list[str] = []
        self.acks = 0

    def status(self, code: int) -> None:
        with self.lock:
            self.statuses.append((time.time(), code))

    def retry(self, reason: str) -> None:
        with self.lock:
            self.retries.append(reason)

    def acknowledged(self) -> None:
        with self.lock:
            self.acks += 1


def test_two_replicas_behind_nginx_survive_a_kill(tmp_path, monkeypatch, built_index):
    store = fresh_store("postgres", monkeypatch)  # skips without TEST_DATABASE_URL
    settings = get_settings()
    bank, rubric = load_bank(settings.questions_dir), load_rubric(settings.rubric_path)
    ports = ExitStack()  # the three ports stay reserved to the test until it ends, across the kill and restart
    replicas = []
    for name in ("a", "b"):
        folder = tmp_path / f"replica-{name}"
        shutil.copytree(built_index.chroma_dir, folder / "chroma")  # each replica has its own read-only index
        warm_bank_references(bank, rubric, folder / "bank_vectors.npz")
        replicas.append(Replica(folder, ports.enter_context(held_port())))
    run = tmp_path / "nginx"
    run.mkdir()
    port = ports.enter_context(held_port())
    conf = run / "nginx.conf"
    conf.write_text(NGINX_CONF.format(run=run, a=replicas[0].port, b=replicas[1].port, port=port))
    nginx = None
    try:
        for replica in replicas:
            replica.start()
        nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(run), "-g", "daemon off;"])
        wait_up(port)
        log = Log()
        candidates = [Candidate(port, n, log) for n in range(CANDIDATES)]
        threads = [threading.Thread(target=c.run) for c in candidates]
        for thread in threads:
            thread.start()
        while log.acks < CANDIDATES * ANSWERS // 3:  # a third of the answers in: kill a replica mid-load
            time.sleep(0.05)
        replicas[0].kill()
        time.sleep(1.0)
        replicas[0].start()
        back = time.time() + 5.0  # the restart window: nginx retries the replica after fail_timeout (3 s)
        for thread in threads:
            thread.join(timeout=600)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=30)
        for replica in replicas:
            if replica.proc is not None and replica.proc.poll() is None:
                replica.proc.terminate()
                replica.proc.wait(timeout=30)
        ports.close()

    assert all(len(c.acknowledged) == ANSWERS and c.summary for c in candidates)  # every session completed
    with store.session() as db:
        rows = db.execute(select(Turn.session_id, Turn.answer, func.count()).group_by(Turn.session_id, Turn.answer))
        stored = {(session_id, answer): count for session_id, answer, count in rows}
    acknowledged = {(c.session_id, answer) for c in candidates for answer in c.acknowledged}
    assert {key: stored.get(key, 0) for key in acknowledged} == dict.fromkeys(acknowledged, 1)  # once each
    assert all(count == 1 for count in stored.values())  # no duplicate turns at all
    late_errors = [code for at, code in log.statuses if at > back and code >= 500]
    assert late_errors == [], f"5xx after the restart window: {late_errors[:5]}"
    # the kill was felt: a call in flight on the killed replica failed and was sent again by its client, or nginx
    # found the replica gone and passed the call to the other one without the client noticing (which of the two
    # depends on what the killed replica was doing at that instant). The replica was running when killed (checked
    # in `kill`): a CI run that saw no retry most likely had a replica that never got its port, before the ports
    # were held for the whole test.
    nginx_saw = [line for line in (run / "error.log").read_text().splitlines()
                 if f"127.0.0.1:{replicas[0].port}" in line]  # fmt: skip
    assert log.retries or nginx_saw
