"""The Chroma store of guide chunks: embedded PersistentClient by default, a Chroma server when CHROMA_HOST is set."""

from __future__ import annotations

import logging
import shutil
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.errors import CoachError
from bot.retrieval.embeddings import MODEL_ID
from bot.storage.faults import storage_fault

if TYPE_CHECKING:
    from langchain_chroma import Chroma

log = logging.getLogger(__name__)


def chroma_client(settings: Settings) -> Any:
    """A Chroma client: HttpClient for CHROMA_HOST, else a PersistentClient in the data folder; CoachError if unusable."""
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
    settings.ensure_data_dir()
    settings.chroma_dir.mkdir(exist_ok=True)
    try:
        client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        client.list_collections()
    except Exception as exc:
        fault = storage_fault(exc)
        if fault is not None:  # not a damaged index: rebuilding would fail the same way
            log.info("the guide index at %s cannot be opened: %s", settings.chroma_dir, fault, exc_info=True)
            raise CoachError(fault.split(". ")[0]) from exc
        log.info("the guide index at %s is unreadable", settings.chroma_dir, exc_info=True)
        raise CoachError(
            f"the guide index in the data folder is unreadable ({type(exc).__name__}); "
            "run `python -m bot ingest --rebuild`"
        ) from exc
    return client


def wipe_local_index(settings: Settings) -> None:
    """Delete the embedded index folder (and Chroma's cached clients for it), so it can be rebuilt."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    shutil.rmtree(settings.chroma_dir, ignore_errors=True)


def make_vector_store(settings: Settings) -> Chroma:
    """The LangChain Chroma store for the guides: embedded by default, a server when CHROMA_HOST is set.

    Chroma and LangChain's store are imported here, with the first store, not when the app starts.
    """
    from langchain_chroma import Chroma

    from bot.retrieval.adapters import ChromaMiniLM, LangChainMiniLM

    client = chroma_client(settings)
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
