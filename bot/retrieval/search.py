"""Hybrid search over the guide index: vector ranking fused with BM25 (reciprocal rank fusion), role/topic filters."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.config import Settings
from bot.content.vocabulary import TOPICS, check_role
from bot.errors import CoachError
from bot.retrieval.embeddings import cached_vectors
from bot.retrieval.vector_store import make_vector_store

logging.getLogger("bm25s").setLevel(logging.WARNING)
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.); damps the weight of the very top ranks
FETCH_K = 20
MAX_CACHED_SEARCHES = 2048  # results of recurring searches (bank questions, key points); a few MB at most


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


def _where(role: str | None, topic: str | None) -> dict[str, Any] | None:
    if role is not None:
        check_role(role)
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
        import bm25s  # scipy.sparse comes with it: loaded with the first retriever, not at import

        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(self.texts, stopwords="en", show_progress=False), show_progress=False)
        self._results: OrderedDict[tuple[Any, ...], list[Hit]] = OrderedDict()
        self._results_lock = threading.Lock()

    @staticmethod
    def _index_of(settings: Settings) -> tuple[str, ...]:
        return (str(settings.chroma_host), str(settings.chroma_dir), settings.collection)

    @classmethod
    def for_settings(cls, settings: Settings) -> Retriever:
        """The process-wide retriever for this index and retrieval mode (hybrid or vector only)."""
        key = (*cls._index_of(settings), str(settings.hybrid_retrieval))
        with cls._lock:
            if key not in cls._cache:
                cls._cache[key] = cls(settings)
            return cls._cache[key]

    @classmethod
    def forget(cls, settings: Settings) -> None:
        """Drop the retrievers of this index (after an ingest changed it), in both modes."""
        with cls._lock:
            for key in [k for k in cls._cache if k[:3] == cls._index_of(settings)]:
                del cls._cache[key]

    def _lexical_ranks(self, query: str, allowed: set[str] | None) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = self.bm25.retrieve(tokens, k=len(self.ids), show_progress=False)
        ranked = [self.ids[int(i)] for i, s in zip(docs[0], scores[0], strict=True) if s > 0]
        return [i for i in ranked if allowed is None or i in allowed][:FETCH_K]

    def search(
        self,
        query: str,
        k: int = 3,
        role: str | None = None,
        topic: str | None = None,
        embedding: Sequence[float] | None = None,
    ) -> list[Hit]:
        """The k best chunks for `query`, best first, optionally filtered by role and topic.

        `embedding` ranks by that vector instead of the query's own (which is embedded once and cached).
        The index a retriever reads does not change under it (an ingest replaces the retriever), so results
        are kept per query: the searches a turn makes for bank questions and key points recur.
        """
        query = query.strip()
        if not query:
            return []
        where = _where(role, topic)
        vector_key = (
            None if embedding is None else hashlib.blake2b(np.asarray(embedding, np.float32).tobytes()).digest()
        )
        key = (query, k, role, topic, vector_key)
        with self._results_lock:
            if key in self._results:
                self._results.move_to_end(key)
                return list(self._results[key])
        hits = self._search(query, k, role, topic, where, embedding)
        with self._results_lock:
            self._results[key] = hits
            while len(self._results) > MAX_CACHED_SEARCHES:
                self._results.popitem(last=False)
        return list(hits)

    def _search(
        self,
        query: str,
        k: int,
        role: str | None,
        topic: str | None,
        where: dict[str, Any] | None,
        embedding: Sequence[float] | None,
    ) -> list[Hit]:
        probe = list(embedding) if embedding is not None else cached_vectors([query])[0].tolist()
        vector = self.store.similarity_search_by_vector_with_relevance_scores(probe, k=FETCH_K, filter=where)
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
    settings: Settings,
    query: str,
    k: int = 3,
    role: str | None = None,
    topic: str | None = None,
    embedding: Sequence[float] | None = None,
) -> list[Hit]:
    """The process-wide retriever for these settings, after making sure the index is current.

    `ensure_index` ingests a missing or stale index (and says so); otherwise it costs nothing between its
    periodic checks. So the first search of a fresh process builds the index, not the service's start.
    """
    from bot.retrieval.index import ensure_index  # index.py imports this module

    ensure_index(settings)
    return Retriever.for_settings(settings).search(query, k=k, role=role, topic=topic, embedding=embedding)
