"""A turn does the turn's work only: no settings parsing, client construction, folder scans or ingest planning."""

import shutil
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


def test_an_edited_guide_is_picked_up_after_the_check_interval(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
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
