"""Features of an answer for the offline critic: semantic coverage of key points, reasoning, topicality."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.retrieval.embeddings import cached_vectors, get_model

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|;\s+|\s+[-*\u2022]\s+|^\s*[-*\u2022]\s+|\s+\(?\d[.)]\s+", re.MULTILINE)
_CONNECTIVE = re.compile(
    r"\b(because|since|so that|so we|so i|so the|which means|that way|otherwise|unless|if|when|whether|then|"
    r"instead of|rather than|in order to|by (?:sampling|pulling|comparing|running|checking|routing|adding|"
    r"showing|measuring|asking|building|having|tracking|setting|using|labeling|limiting|requiring|logging)|"
    r"to (?:avoid|catch|make sure|ensure|see|check|measure|find|prevent|reduce|detect|confirm|verify|"
    r"compare|keep|protect|limit|know|tell|understand|learn|decide)|would|will|i'd|we'd|i'll|we'll|"
    r"means|leads to|causes|until|before|after|only)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|ten|twenty|fifty|hundred|thousand|half|double)\b", re.I)
_STRUCTURE = re.compile(r"^\s*([-*\u2022]|\d+[.)])\s|\b(first|second|third|then|finally|next|lastly)\b", re.I | re.M)
_DECISION = re.compile(
    r"\b(i would|i'd|my recommendation|i recommend|we should|i'd ship|decision|decide|go/no-go)\b", re.I
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'/-]*")


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of at least three words."""
    parts = (p.strip(" \t-*\u2022") for p in _SPLIT.split(text))
    return [p for p in parts if p and len(_WORD.findall(p)) >= 3]


def reasoning_weight(sentence: str) -> float:
    """1.0 for a claim with a why or a how, less for a bare statement, least for a list of terms."""
    words = _WORD.findall(sentence)
    commas = sentence.count(",")
    list_like = commas >= 3 and len(words) / (commas + 1) < 4.5
    if _CONNECTIVE.search(sentence) and not list_like:
        return 1.0
    if list_like:
        return 0.3
    return 0.7 if len(words) >= 8 else 0.5


def embed_references(texts: Sequence[str]) -> np.ndarray:
    """Vectors for reference statements (key points, concepts, questions), embedded once per process."""
    return cached_vectors(texts)


@dataclass
class AnswerView:
    """An answer split into sentences with their vectors and reasoning weights."""

    sentences: list[str]
    vectors: np.ndarray
    weights: np.ndarray
    words: int
    question_similarity: float
    structure: int = 0
    numbers: int = 0
    decision: bool = False
    list_ratio: float = 0.0

    @classmethod
    def of(cls, answer: str, question: str) -> AnswerView:
        sentences = split_sentences(answer)
        vectors = get_model().embed(sentences)
        qvec = embed_references([question])[0]  # questions repeat, so their vectors are cached
        weights = np.array([reasoning_weight(s) for s in sentences], dtype=np.float32)
        sims = vectors @ qvec if len(sentences) else np.zeros(0)
        top = np.sort(sims)[-3:] if len(sims) else np.zeros(1)
        return cls(
            sentences=sentences,
            vectors=vectors,
            weights=weights,
            words=len(_WORD.findall(answer)),
            question_similarity=float(top.mean()),
            structure=len(_STRUCTURE.findall(answer)),
            numbers=sum(1 for s in sentences if _NUMBER.search(s)),
            decision=bool(_DECISION.search(answer)),
            list_ratio=float((weights <= 0.3).mean()) if len(sentences) else 0.0,
        )

    def coverage(
        self, references: Sequence[str], rivals: Sequence[str] = (), low: float = 0.25, high: float = 0.6
    ) -> list[tuple[float, int]]:
        """For each reference: credit in [0, 1] (similarity ramp times reasoning) and the best sentence index.

        A sentence that matches a rival dimension's references better than these earns half credit, so one
        sentence about monitoring does not count fully as both evaluation and failure handling.
        """
        if not references or not self.sentences:
            return [(0.0, -1) for _ in references]
        sims = self.vectors @ embed_references(references).T  # (sentences, references)
        ramp = np.clip((sims - low) / (high - low), 0.0, 1.0) * self.weights[:, None]
        if rivals:
            rival_best = (self.vectors @ embed_references(rivals).T).max(axis=1)
            ramp = ramp * np.where(rival_best > sims.max(axis=1), 0.5, 1.0)[:, None]
        best = ramp.argmax(axis=0)
        return [(float(ramp[b, j]), int(b)) for j, b in enumerate(best)]
