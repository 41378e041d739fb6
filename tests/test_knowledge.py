import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT, Settings
from bot.content.guides import chunk_guide, load_guides
from bot.errors import CoachError
from bot.retrieval.index import ingest, plan_ingest
from bot.retrieval.search import Retriever, retrieve
from bot.retrieval.vector_store import make_vector_store

GUIDES = PROJECT_ROOT / "knowledge" / "guides"
QUERIES = yaml.safe_load((PROJECT_ROOT / "knowledge" / "retrieval_queries.yaml").read_text())
pytestmark = pytest.mark.without_index  # every test here builds its own index or reads the session's


@pytest.fixture
def small_kb(tmp_path: Path) -> Settings:
    kb = tmp_path / "knowledge"
    (kb / "guides").mkdir(parents=True)
    for topic in ("evaluation", "failure-modes", "legal"):
        shutil.copy(GUIDES / f"{topic}.md", kb / "guides")
    return Settings(data_dir=tmp_path / "kb-data", knowledge_dir=kb)


def _ids_by_source(settings: Settings) -> dict[str, list[str]]:
    got = make_vector_store(settings).get(include=["metadatas"])
    out: dict[str, list[str]] = {}
    for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
        out.setdefault(meta["source"], []).append(cid)
    return out


def test_ingest_is_idempotent_and_tracks_edits_and_deletions(small_kb):
    first = ingest(small_kb)
    expected = sum(len(chunk_guide(g, small_kb.chunk_max_tokens)) for g in load_guides(small_kb.guides_dir))
    assert len(first.added) == 3 and first.chunks == expected
    before = _ids_by_source(small_kb)

    again = ingest(small_kb)
    assert not again.changed and len(again.unchanged) == 3 and again.chunks == first.chunks

    legal = small_kb.guides_dir / "legal.md"
    legal.write_text(
        legal.read_text() + "\n\n## A new section on retention\n\nKeep client files no longer than needed.\n"
    )
    edited = ingest(small_kb)
    assert len(edited.replaced) == 1 and edited.replaced[0].endswith("legal.md")
    assert len(edited.unchanged) == 2 and not edited.added and not edited.removed
    after = _ids_by_source(small_kb)
    for source, ids in before.items():
        if not source.endswith("legal.md"):
            assert after[source] == ids  # untouched guides keep their chunks
    assert len(after[edited.replaced[0]]) >= len(before[edited.replaced[0]])

    (small_kb.guides_dir / "failure-modes.md").unlink()
    dropped = ingest(small_kb)
    assert len(dropped.removed) == 1 and dropped.removed[0].endswith("failure-modes.md")
    assert not any(s.endswith("failure-modes.md") for s in _ids_by_source(small_kb))
    assert not plan_ingest(small_kb).changed


def test_rebuild_recovers_a_corrupted_index(small_kb):
    ingest(small_kb)
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    for path in small_kb.chroma_dir.rglob("*"):
        if path.is_file():
            path.write_bytes(b"this is not a database" * 10)
    with pytest.raises(CoachError, match="--rebuild"):
        make_vector_store(small_kb)
    report = ingest(small_kb, rebuild=True)
    assert len(report.added) == 3
    assert retrieve(small_kb, "hallucinated case citations", k=1)[0].topic == "legal"


def _cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=full_env, input=stdin, timeout=300
    )


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        ("missing", "not found"),
        ("malformed", "malformed front matter"),
        ("unknown-topic", "unknown topic"),
        ("empty", "the guide is empty"),
        ("corrupt", "--rebuild"),
        ("chroma-host", "CHROMA_HOST=127.0.0.1:9"),
    ],
)
def test_cli_bad_input_is_one_line_without_traceback(tmp_path, setup, needle):
    kb = tmp_path / "kb"
    (kb / "guides").mkdir(parents=True)
    shutil.copy(GUIDES / "legal.md", kb / "guides")
    env = {"COACH_KNOWLEDGE_DIR": str(kb), "COACH_DATA_DIR": str(tmp_path / "data")}
    if setup == "missing":
        env["COACH_KNOWLEDGE_DIR"] = str(tmp_path / "absent")
    elif setup == "malformed":
        (kb / "guides" / "x.md").write_text("---\ntopic: : :\n  - [\n---\nbody")
    elif setup == "unknown-topic":
        (kb / "guides" / "x.md").write_text("---\ntopic: cooking\n---\n" + "text " * 50)
    elif setup == "empty":
        (kb / "guides" / "x.md").write_text("")
    elif setup == "corrupt":
        (tmp_path / "data" / "chroma").mkdir(parents=True)
        (tmp_path / "data" / "chroma" / "chroma.sqlite3").write_bytes(b"garbage" * 100)
    elif setup == "chroma-host":
        env.update(CHROMA_HOST="127.0.0.1", CHROMA_PORT="9")
    result = _cli("ingest", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    if setup in ("malformed", "unknown-topic", "empty"):
        assert "x.md" in lines[0]


def test_retrieval_recall_at_3(built_index):
    misses = []
    for item in QUERIES:
        topics = {hit.topic for hit in retrieve(built_index, item["q"], k=3)}
        if not topics & set(item["topics"]):
            misses.append((item["q"], sorted(topics)))
    recall = 1 - len(misses) / len(QUERIES)
    assert len(QUERIES) >= 30
    assert recall >= 0.9, f"recall@3 {recall:.2f}; misses: {misses}"


ROLE_QUERY = "HIPAA, protected health information and clinical safety review before a hospital pilot"


@pytest.mark.parametrize("hybrid", [True, False], ids=["hybrid", "vector-only"])
def test_role_filter_keeps_out_guides_that_do_not_list_the_role(built_index, hybrid):
    roles = {m["source"]: set(m["roles"].split(",")) for m in Retriever.for_settings(built_index).metas}
    not_for_feature = {source for source, listed in roles.items() if "feature" not in listed}
    assert not_for_feature  # the domain guides are for vertical roles only, so the filter has something to drop
    retriever = Retriever(built_index.model_copy(update={"hybrid_retrieval": hybrid}))
    assert any(h.source in not_for_feature for h in retriever.search(ROLE_QUERY, k=5))  # unfiltered, they rank
    hits = retriever.search(ROLE_QUERY, k=20, role="feature")  # deep enough that either ranking alone would leak
    assert len(hits) == 20 and all("feature" in roles[h.source] for h in hits)
    vertical = retriever.search(ROLE_QUERY, k=5, role="vertical")
    assert any(h.source in not_for_feature for h in vertical)


def test_filters_restrict_results(built_index):
    only_eval = retrieve(built_index, "anything about users", k=4, topic="evaluation")
    assert only_eval and {h.topic for h in only_eval} == {"evaluation"}
    with pytest.raises(CoachError, match="unknown role"):
        retrieve(built_index, "x", role="ceo")
    assert retrieve(built_index, "   ") == []


def test_cli_retrieve_json(built_index):
    env = {"COACH_DATA_DIR": str(built_index.data_dir)}
    result = _cli("retrieve", "our legal research bot invented a court case", "--k", "2", "--json", env=env)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 2 and hits[0]["topic"] == "legal"
    assert {"topic", "source", "heading", "text", "score"} <= set(hits[0])
    assert hits[0]["score"] >= hits[1]["score"]


def test_ingest_and_retrieve_against_a_real_chroma_server(tmp_path, small_kb):
    import socket
    import time

    chroma = Path(sys.executable).parent / "chroma"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        remote = small_kb.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port})
        deadline = time.monotonic() + 60
        while True:
            try:
                make_vector_store(remote)
                break
            except CoachError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        report = ingest(remote)
        assert len(report.added) == 3
        assert not ingest(remote).changed
        assert retrieve(remote, "how do I know if raters agree with each other", k=1)[0].topic == "evaluation"
        assert not small_kb.chroma_dir.exists()  # nothing went to the embedded store
    finally:
        server.terminate()
        server.wait(timeout=30)
