"""The guide index: the Chroma store factory, idempotent ingest, and hybrid retrieval."""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field
from typing import Any

import bm25s
from langchain_chroma import Chroma

from bot.config import ROLES, Settings
from bot.embeddings import MODEL_ID, ChromaMiniLM, LangChainMiniLM
from bot.errors import CoachError
from bot.guides import TOPICS, Chunk, Guide, chunk_guide, load_guides

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.); damps the weight of the very top ranks
FETCH_K = 20


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


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; `score` is the fused rank score (higher is better)."""

    topic: str
    source: str
    heading: str
    text: str
    score: float
    similarity: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "source": self.source,
            "heading": self.heading,
            "text": self.text,
            "score": round(self.score, 5),
            "similarity": None if self.similarity is None else round(self.similarity, 4),
        }


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_host:
        where = f"CHROMA_HOST={settings.chroma_host}:{settings.chroma_port}"
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, ssl=settings.chroma_ssl, settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:
            raise CoachError(f"cannot reach the Chroma server at {where}: start it, or unset CHROMA_HOST") from exc
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    try:
        client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        client.list_collections()
    except Exception as exc:
        raise CoachError(
            f"the index at {settings.chroma_dir} is unreadable ({type(exc).__name__}); "
            "run `python -m bot ingest --rebuild`"
        ) from exc
    return client


def _wipe_local_index(settings: Settings) -> None:
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    shutil.rmtree(settings.chroma_dir, ignore_errors=True)


def make_vector_store(settings: Settings) -> Chroma:
    """The LangChain Chroma store for the guides: embedded by default, a server when CHROMA_HOST is set."""
    client = _client(settings)
    try:
        client.get_or_create_collection(
            settings.collection,
            embedding_function=ChromaMiniLM(),
            metadata={"embedding_model": MODEL_ID},
            configuration={"hnsw": {"space": "cosine"}},
        )
    except Exception as exc:
        raise CoachError(
            f"Chroma collection {settings.collection!r} could not be opened ({exc}); "
            "run `python -m bot ingest --rebuild`"
        ) from exc
    return Chroma(collection_name=settings.collection, client=client, embedding_function=LangChainMiniLM())


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
            client = _client(settings)
            if settings.collection in [c.name for c in client.list_collections()]:
                client.delete_collection(settings.collection)
        else:
            _wipe_local_index(settings)
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
    return report


def _where(role: str | None, topic: str | None) -> dict[str, Any] | None:
    if role is not None and role not in ROLES:
        raise CoachError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if topic is not None and topic not in TOPICS:
        raise CoachError(f"unknown topic {topic!r}; use one of {', '.join(TOPICS)}")
    clauses: list[dict[str, Any]] = []
    if role:
        clauses.append({f"role_{role}": True})
    if topic:
        clauses.append({"topic": topic})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Retriever:
    """Top-k retrieval over the index: vector ranking fused with BM25 when `hybrid` is on."""

    _cache: dict[tuple[str, ...], Retriever] = {}
    _lock = threading.Lock()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = make_vector_store(settings)
        everything = self.store.get(include=["documents", "metadatas"])
        if not everything["ids"]:
            raise CoachError("the guide index is empty; run `python -m bot ingest`")
        self.ids: list[str] = everything["ids"]
        self.texts: list[str] = everything["documents"]
        self.metas: list[dict[str, Any]] = everything["metadatas"]
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(self.texts, stopwords="en", show_progress=False), show_progress=False)

    @classmethod
    def for_settings(cls, settings: Settings) -> Retriever:
        key = (str(settings.chroma_host), str(settings.chroma_dir), settings.collection)
        with cls._lock:
            if key not in cls._cache:
                cls._cache[key] = cls(settings)
            return cls._cache[key]

    @classmethod
    def forget(cls, settings: Settings) -> None:
        with cls._lock:
            cls._cache.pop((str(settings.chroma_host), str(settings.chroma_dir), settings.collection), None)

    def _lexical_ranks(self, query: str, allowed: set[str] | None) -> list[str]:
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = self.bm25.retrieve(tokens, k=len(self.ids), show_progress=False)
        ranked = [self.ids[int(i)] for i, s in zip(docs[0], scores[0], strict=True) if s > 0]
        return [i for i in ranked if allowed is None or i in allowed][:FETCH_K]

    def search(self, query: str, k: int = 3, role: str | None = None, topic: str | None = None) -> list[Hit]:
        """The k best chunks for `query`, best first, optionally filtered by role and topic."""
        query = query.strip()
        if not query:
            return []
        where = _where(role, topic)
        vector = self.store.similarity_search_with_score(query, k=FETCH_K, filter=where)
        similarity = {str(doc.id): 1.0 - float(dist) for doc, dist in vector}
        fused: dict[str, float] = {}
        for rank, (doc, _) in enumerate(vector):
            fused[str(doc.id)] = 1.0 / (RRF_K + rank + 1)
        if self.settings.hybrid_retrieval:
            allowed = (
                None
                if where is None
                else {i for i, m in zip(self.ids, self.metas, strict=True) if _match(m, role, topic)}
            )
            for rank, chunk_id in enumerate(self._lexical_ranks(query, allowed)):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        position = {chunk_id: n for n, chunk_id in enumerate(self.ids)}
        best = sorted(fused, key=lambda cid: fused[cid], reverse=True)[:k]
        hits = []
        for cid in best:
            meta = self.metas[position[cid]]
            hits.append(
                Hit(
                    topic=str(meta["topic"]),
                    source=str(meta["source"]),
                    heading=str(meta["heading"]),
                    text=self.texts[position[cid]],
                    score=fused[cid],
                    similarity=similarity.get(cid),
                )
            )
        return hits


def _match(meta: dict[str, Any], role: str | None, topic: str | None) -> bool:
    return (role is None or bool(meta.get(f"role_{role}"))) and (topic is None or meta.get("topic") == topic)


def retrieve(
    settings: Settings, query: str, k: int = 3, role: str | None = None, topic: str | None = None
) -> list[Hit]:
    """Convenience wrapper: the process-wide retriever for these settings."""
    return Retriever.for_settings(settings).search(query, k=k, role=role, topic=topic)


def ensure_index(settings: Settings) -> IngestReport | None:
    """Ingest when the index is missing or stale; returns the report if anything changed."""
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
