"""A turn does the turn's work only: no settings parsing, client construction, folder scans or ingest planning."""

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import chromadb
import pydantic_settings
import pytest

import bot.retrieval.index as index
import bot.retrieval.vector_store as vector_store
from bot.config import PROJECT_ROOT, get_settings
from bot.interview.service import InterviewService

ANSWER = (
    "I would sample 300 real tickets across intents and languages, have two agents grade drafts against a "
    "written rubric, and check their agreement before trusting the numbers. The worst failure is a confident "
    "wrong answer about refunds, so drafts on billing go to a human, and we roll back if edit rates rise."
)


def count_calls(monkeypatch: pytest.MonkeyPatch, counts: Counter, owner: object, name: str) -> None:
    """Wrap `owner.name` so each call is counted under `name`."""
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        counts[name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)


def test_a_turn_builds_nothing_and_plans_no_ingest(monkeypatch):
    service = InterviewService()
    start = service.start("feature", questions=3)
    service.submit(start.session_id, ANSWER)  # a first turn may warm caches
    counts: Counter = Counter()
    for owner, name in (
        (pydantic_settings.BaseSettings, "__init__"),  # ours and Chroma's settings objects
        (chromadb, "PersistentClient"),
        (chromadb, "HttpClient"),
        (vector_store, "make_vector_store"),
        (index, "plan_ingest"),
        (index, "load_guides"),
    ):
        count_calls(monkeypatch, counts, owner, name)
    result = service.submit(start.session_id, ANSWER + " We would also watch the escalation rate by intent.")
    result = service.submit(result.session_id, ANSWER + " A kill switch per queue keeps the blast radius small.")
    assert result.critique is not None and result.critique.citations  # the turns did retrieve guide excerpts
    assert counts == Counter(), f"a turn did setup work: {dict(counts)}"


@pytest.mark.without_index
def test_an_edited_guide_is_picked_up_after_the_check_interval(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"  # a copy with one guide: what is checked is the interval, not the ingest
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge,
                    ignore=lambda folder, names: [n for n in names if folder.endswith("guides") and n != "portfolio.md"])  # fmt: skip
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(knowledge))
    get_settings.cache_clear()
    settings = get_settings()
    index.ensure_index(settings)
    assert index.ensure_index(settings) is None  # nothing changed
    guide = knowledge / "guides" / "portfolio.md"
    guide.write_text(guide.read_text() + "\n\n## A new section\n\nShow one shipped evaluation plan with numbers.\n")
    assert index.ensure_index(settings) is None  # within the interval nobody looks
    monkeypatch.setattr(index, "CHECK_EVERY_S", 0.0)
    report = index.ensure_index(settings)
    assert report is not None and [Path(source).name for source in report.replaced] == ["portfolio.md"]


@pytest.mark.without_index
def test_the_vector_cache_is_bounded_and_embeds_each_text_once(monkeypatch):
    from bot.retrieval.embeddings import VectorCache, get_model

    model = get_model()
    counts: Counter = Counter()
    count_calls(monkeypatch, counts, model, "embed")
    cache = VectorCache(size=3)
    texts = ["rater agreement", "a rollback plan", "slice by language", "cost per task", "a kill switch"]
    first = cache(texts[:2] + texts[:2])  # repeats in one call are embedded once
    again = cache(texts[:2])
    assert counts["embed"] == 1 and (first[:2] == again).all() and (first[:2] == first[2:]).all()
    cache(texts)
    assert len(cache._vectors) == 3 and counts["embed"] == 2  # only the three new texts, in one batch
    assert list(cache._vectors) == texts[2:]  # the least recently used went first


def test_importing_the_app_loads_no_index_graph_or_migration_libraries():
    """What the page needs loads at import; Chroma, LangGraph, LangChain's models, Alembic, BM25 and SciPy
    load later (with the first store, graph or search, or in the warm-up after launch)."""
    lazy = ["chromadb", "langchain_chroma", "langgraph", "langsmith", "alembic", "bm25s", "scipy", "sklearn"]
    code = f"import sys, bot.web.app; print([m for m in {lazy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_repeated_search_is_answered_without_asking_chroma_again(monkeypatch):
    from bot.retrieval.search import Retriever

    retriever = Retriever.for_settings(get_settings())
    counts: Counter = Counter()
    count_calls(monkeypatch, counts, retriever.store, "similarity_search_by_vector_with_relevance_scores")
    first = retriever.search("how to build a golden set", k=3, role="feature")
    again = retriever.search("how to build a golden set", k=3, role="feature")
    assert first and first == again and counts["similarity_search_by_vector_with_relevance_scores"] == 1
    other = retriever.search("how to build a golden set", k=3, role="foundation")
    assert other and counts["similarity_search_by_vector_with_relevance_scores"] == 2  # another filter: searched
    again.clear()  # a caller changing its list leaves the kept results alone
    assert retriever.search("how to build a golden set", k=3, role="feature") == first


@pytest.mark.without_index
def test_bank_vectors_are_saved_once_and_hold_only_the_bank_and_rubric(tmp_path, monkeypatch):
    import numpy as np

    from bot.content.questions import load_bank
    from bot.content.rubric import load_rubric
    from bot.critic.feedback import outline
    from bot.critic.model import Target
    from bot.critic.signals import _reference_rows, copy_references, warm_bank_references
    from bot.retrieval.embeddings import MODEL_SHA256, VectorCache, get_model

    settings = get_settings()
    bank, rubric = load_bank(settings.questions_dir), load_rubric(settings.rubric_path)
    saved = tmp_path / "bank_vectors.npz"
    warm_bank_references(bank, rubric, saved)
    with np.load(saved) as file:
        texts = {str(t) for t in file["texts"]}
        assert str(file["model"]) == MODEL_SHA256 and file["vectors"].shape == (len(texts), 384)
    concepts = {c for d in rubric.dimensions.values() for c in d.concepts}
    # and each question's outline and key-point sentences (a first critique embedded them): the bank's own text
    copies = {t for q in bank.questions for t in copy_references(Target.of(q), outline(Target.of(q)))}
    assert set(_reference_rows(bank)[0]) | copies <= texts <= set(_reference_rows(bank)[0]) | concepts | copies

    counts: Counter = Counter()
    count_calls(monkeypatch, counts, get_model(), "embed")
    fresh = VectorCache()
    assert set(fresh.load(saved)) == texts
    fresh(sorted(texts)[:50])
    assert counts["embed"] == 0  # a restart reads them instead of embedding them again
    stamp = saved.stat().st_mtime_ns
    warm_bank_references(bank, rubric, saved)
    assert saved.stat().st_mtime_ns == stamp  # nothing new: not written again

    np.savez(tmp_path / "other.npz", model=np.array("another model"), texts=np.array(["x"]), vectors=np.ones((1, 384)))
    (tmp_path / "torn.npz").write_bytes(saved.read_bytes()[:1000])
    assert fresh.load(tmp_path / "other.npz") == [] and fresh.load(tmp_path / "torn.npz") == []
    assert fresh.load(tmp_path / "missing.npz") == []


COUNT_EMBEDDED = """
import sys
from bot.cli import main
from bot.retrieval.embeddings import MiniLM
embedded = []
real = MiniLM.embed
MiniLM.embed = lambda self, texts: embedded.extend(texts) or real(self, texts)
code = main(["practice", "--role", "feature", "--questions", "1", "--answers", sys.argv[1], "--json"])
print(code, len(embedded))
"""


def test_a_process_that_never_warmed_up_reads_the_saved_bank_vectors(data_dir, tmp_path):
    """The CLI (no warm-up) embeds the answer, not the bank's 1,200 sentences, once a warm-up saved them."""
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([ANSWER]))
    env = {**os.environ, "COACH_DATA_DIR": str(data_dir)}
    assert get_settings().vectors_path.exists()  # the data folder holds what the app's warm-up saved
    run = [sys.executable, "-c", COUNT_EMBEDDED, str(answers)]
    done = subprocess.run(run, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True)
    code, embedded = map(int, done.stdout.split()[-2:])
    assert code == 0 and 0 < embedded < 50, done.stdout[-300:]  # without the saved file: 1,215 texts


@pytest.mark.without_index
def test_the_warm_up_behind_the_page_builds_what_the_first_turn_needs():
    from bot.web.app import warm_up

    settings = get_settings()
    service = InterviewService(settings)  # what launch() builds before serving: no index, no graph yet
    assert service._graph is None and not settings.chroma_dir.exists() and not settings.vectors_path.exists()
    warm_up(service)
    assert service._graph is not None and settings.vectors_path.exists()
    assert index.ensure_index(settings, force=True) is None  # the index was built from the guides, and is current
    start = service.start("feature", questions=1)
    assert service.submit(start.session_id, ANSWER).critique.citations  # the first turn finds guide excerpts
