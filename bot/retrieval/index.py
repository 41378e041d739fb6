"""The guide index: idempotent ingest of knowledge/guides into the vector store, and staleness checks."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.content.guides import Chunk, Guide, chunk_guide, load_guides
from bot.errors import CoachError
from bot.retrieval.search import Retriever
from bot.retrieval.vector_store import chroma_client, make_vector_store, wipe_local_index

if TYPE_CHECKING:
    from langchain_chroma import Chroma

log = logging.getLogger(__name__)
CHECK_EVERY_S = 5.0  # how often a long-running process looks for edited guides
_checked: dict[tuple[str, ...], tuple[str, float]] = {}  # index -> (guides fingerprint, when it was last confirmed)
_check_lock = threading.Lock()


@dataclass
class IngestReport:
    """What one ingest changed, by guide source path."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    def lines(self) -> list[str]:
        out = [
            f"{verb}: {src}"
            for verb, items in (("added", self.added), ("replaced", self.replaced), ("removed", self.removed))
            for src in items
        ]
        out.append(
            f"{len(self.added)} added, {len(self.replaced)} replaced, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.chunks} chunks in the index"
        )
        return out


def _indexed_digests(store: Chroma) -> dict[str, set[str]]:
    found = store.get(include=["metadatas"])
    digests: dict[str, set[str]] = {}
    for meta in found["metadatas"]:
        digests.setdefault(str(meta["source"]), set()).add(str(meta.get("guide_digest")))
    return digests


def plan_ingest(settings: Settings, store: Chroma | None = None, guides: list[Guide] | None = None) -> IngestReport:
    """What an ingest would change, without changing anything (used to detect a stale index)."""
    store = store or make_vector_store(settings)
    indexed = _indexed_digests(store)
    report = IngestReport(chunks=sum(len(v) for v in indexed.values()))
    on_disk = {guide.source: guide for guide in (guides or load_guides(settings.guides_dir))}
    for source, guide in on_disk.items():
        if source not in indexed:
            report.added.append(source)
        elif indexed[source] != {guide.digest}:
            report.replaced.append(source)
        else:
            report.unchanged.append(source)
    report.removed = sorted(set(indexed) - set(on_disk))
    return report


def ingest(settings: Settings, rebuild: bool = False) -> IngestReport:
    """Bring the index in line with `knowledge/guides/`: add new guides, replace edited ones, drop deleted ones."""
    guides = load_guides(settings.guides_dir)  # validate everything before touching the index
    chunks_by_source = {guide.source: chunk_guide(guide, settings.chunk_max_tokens) for guide in guides}
    if rebuild:
        if settings.chroma_host:
            client = chroma_client(settings)
            if settings.collection in [c.name for c in client.list_collections()]:
                client.delete_collection(settings.collection)
        else:
            wipe_local_index(settings)
    store = make_vector_store(settings)
    report = plan_ingest(settings, store, guides)
    stale = report.replaced + report.removed
    if stale:
        where: Any = {"source": {"$in": stale}}
        old = store.get(where=where, include=[])
        store.delete(ids=old["ids"])
    fresh: list[Chunk] = [c for src in report.added + report.replaced for c in chunks_by_source[src]]
    if fresh:
        store.add_texts([c.text for c in fresh], metadatas=[c.metadata() for c in fresh], ids=[c.id for c in fresh])
    report.chunks = len(store.get(include=[])["ids"])
    if report.chunks == 0:
        raise CoachError(f"the index is empty after ingest; check the guides in {settings.guides_dir}")
    Retriever.forget(settings)
    _checked.pop(_index_key(settings), None)
    return report


def guides_fingerprint(guides_dir: Path) -> str:
    """A cheap digest of the guides folder (names, sizes, modification times): no file is read."""
    digest = hashlib.sha256()
    for path in sorted(guides_dir.glob("*.md")) if guides_dir.is_dir() else []:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _index_key(settings: Settings) -> tuple[str, ...]:
    return (str(settings.chroma_host), str(settings.chroma_dir), settings.collection, str(settings.guides_dir))


def ensure_index(settings: Settings, force: bool = False) -> IngestReport | None:
    """Ingest when the index is missing or stale; returns the report if anything changed.

    Cheap enough for every request: within CHECK_EVERY_S of the last check it does nothing; after that it
    compares a fingerprint of the guides folder, and plans an ingest only when the guides changed (or `force`).
    """
    key = _index_key(settings)
    seen = _checked.get(key)
    if not force and seen is not None and time.monotonic() - seen[1] < CHECK_EVERY_S:
        return None
    with _check_lock:
        fingerprint = guides_fingerprint(settings.guides_dir)
        seen = _checked.get(key)
        if not force and seen is not None and seen[0] == fingerprint:
            _checked[key] = (fingerprint, time.monotonic())
            return None
        report = _bring_up_to_date(settings)
        _checked[key] = (fingerprint, time.monotonic())
        return report


def forget_index_checks() -> None:
    """Make the next `ensure_index` look at the index again (after the index was changed behind its back)."""
    with _check_lock:
        _checked.clear()


def _bring_up_to_date(settings: Settings) -> IngestReport | None:
    try:
        if not plan_ingest(settings).changed:
            return None
    except CoachError:
        if settings.chroma_host:
            raise
        return ingest(settings, rebuild=True)  # an unreadable embedded index is rebuilt
    report = ingest(settings)
    log.warning("guide index was missing or stale; ingested: %s", report.lines()[-1])
    return report
