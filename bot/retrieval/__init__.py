"""Retrieval: offline embeddings, the Chroma store (embedded or server), idempotent ingest, hybrid search."""
