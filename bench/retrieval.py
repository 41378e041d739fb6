"""Ingest time, query latency and recall@3 (vector-only vs hybrid), plus Chroma's built-in ONNX function."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT, Settings
from bot.retrieval.index import ingest
from bot.retrieval.search import Retriever

QUERIES = yaml.safe_load((PROJECT_ROOT / "knowledge" / "retrieval_queries.yaml").read_text())


def recall(settings: Settings) -> float:
    hits = 0
    for item in QUERIES:
        topics = {h.topic for h in Retriever.for_settings(settings).search(item["q"], k=3)}
        hits += bool(topics & set(item["topics"]))
    return hits / len(QUERIES)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        from bot.retrieval.embeddings import get_model

        get_model()  # model load is measured separately from ingest
        start = time.perf_counter()
        report = ingest(settings)
        print(f"full ingest: {time.perf_counter() - start:.2f} s for {report.chunks} chunks (target < 15 s)")
        start = time.perf_counter()
        ingest(settings)
        print(f"re-ingest with nothing changed: {time.perf_counter() - start:.2f} s")
        retriever = Retriever.for_settings(settings)
        retriever.search("warm up", k=3)
        times = []
        for _ in range(3):
            for item in QUERIES:
                t0 = time.perf_counter()
                retriever.search(item["q"], k=3)
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[int(0.95 * len(times)) - 1]
        print(f"query latency: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms over {len(times)} queries")
        hybrid = recall(settings)
        vector_only = settings.model_copy(update={"hybrid_retrieval": False})
        Retriever.forget(vector_only)
        print(f"recall@3 on {len(QUERIES)} queries: hybrid {hybrid:.3f}, vector only {recall(vector_only):.3f}")
    try:
        from chromadb.utils.embedding_functions import DefaultEmbeddingFunction

        start = time.perf_counter()
        DefaultEmbeddingFunction()(["probe"])  # downloads its model on first use
        print(f"Chroma built-in ONNX function: first call {time.perf_counter() - start:.2f} s")
    except Exception as exc:
        print(f"Chroma built-in ONNX function: cannot run offline ({type(exc).__name__}: it downloads its model)")


if __name__ == "__main__":
    main()
