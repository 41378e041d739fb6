"""The embedding model as Chroma and LangChain see it; imported only where a vector store is opened."""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

from bot.retrieval.embeddings import get_model


@register_embedding_function
class ChromaMiniLM(EmbeddingFunction[Documents]):
    """The model as a Chroma embedding function."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return list(get_model().embed(list(input)))

    @staticmethod
    def name() -> str:
        return "coach-minilm-int8"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaMiniLM:
        return ChromaMiniLM()


class LangChainMiniLM(Embeddings):
    """The model as LangChain `Embeddings`."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return get_model().embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return get_model().embed([text])[0].tolist()
