"""An answer as the offline critic sees it: distinct sentences, their vectors, and what they support."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.critic.support import CREDIT, LABELS, Cues, SupportModel
from bot.retrieval.embeddings import VectorCache, cached_vectors

# The vectors of recent answers' sentences, apart from the bank's (`cached_vectors`), so answers never push those
# out. A follow-up is judged on everything said to the question, so the main answer's sentences come back once per
# follow-up; here they are embedded once. In memory only, bounded (about 3 MB), never saved.
recent_sentences = VectorCache(size=2048)

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|;\s+|\s+[-*\u2022]\s+|^\s*[-*\u2022]\s+|\s+\(?\d[.)]\s+", re.MULTILINE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|ten|twenty|fifty|hundred|thousand|half|double)\b", re.I)
_STRUCTURE = re.compile(r"^\s*([-*\u2022]|\d+[.)])\s|\b(first|second|third|then|finally|next|lastly)\b", re.I | re.M)
_DECISION = re.compile(
    r"\b(i would|i'd|my recommendation|i recommend|we should|i'd ship|decision|decide|go/no-go)\b", re.I
)
WORD = re.compile(r"[A-Za-z][A-Za-z'/-]*")
# A reason that gives no reason: "because it matters", "since this is important", "as it's key for quality".
_EMPTY_REASON = re.compile(
    r"[,;:\s-]*\b(?:because|since|as|which)\s+(?:it|this|that|they|these|it's|that's|this's)\s*(?:'s|is|are|really)?\s*"
    r"(?:really\s+|very\s+|so\s+|super\s+)?(?:matters?|important|key|critical|crucial|essential|vital|needed|"
    r"necessary|valuable|helps?|good practice|best practice)\b[^.!?\n]{0,40}",
    re.IGNORECASE,
)
DUPLICATE = 0.92  # cosine above which two sentences say the same thing and count once
LIST_ITEM_WORDS = 6  # a fragment shorter than this is a list item, not a claim


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of at least three words."""
    parts = (p.strip(" \t-*\u2022") for p in _SPLIT.split(text))
    return [p for p in parts if p and len(WORD.findall(p)) >= 3]


def strip_empty_reasons(sentence: str) -> str:
    """The sentence without reasons that say nothing ("because it matters")."""
    return _EMPTY_REASON.sub("", sentence).strip()


def is_list_item(sentence: str) -> bool:
    """A term or a list of terms rather than a claim: very short, or mostly commas."""
    words = WORD.findall(sentence)
    commas = sentence.count(",")
    return len(words) < LIST_ITEM_WORDS or (commas >= 3 and len(words) / (commas + 1) < 4.5)


def embed_references(texts: Sequence[str]) -> np.ndarray:
    """Vectors for reference statements (key points, concepts, questions), embedded once per process."""
    return cached_vectors(texts)


@dataclass
class AnswerView:
    """An answer as distinct sentences (repeats and near-repeats count once) with vectors and cues."""

    sentences: list[str]
    vectors: np.ndarray
    cues: Cues
    words: int  # words in the distinct sentences, so padding by repetition adds nothing
    raw_words: int
    repeated: int  # sentences dropped as repeats of earlier ones
    redundancy: float = 0.0  # mean cosine of each kept sentence with its closest earlier one (paraphrase padding)
    structure: int = 0
    numbers: int = 0
    decision: bool = False
    list_ratio: float = 0.0
    _support: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, answer: str) -> AnswerView:
        raw = split_sentences(answer)
        cleaned = [strip_empty_reasons(s) or s for s in raw]
        vectors = recent_sentences(cleaned)
        keep: list[int] = []
        for i in range(len(cleaned)):
            if not keep or float((vectors[keep] @ vectors[i]).max()) < DUPLICATE:
                keep.append(i)
        sentences = [cleaned[i] for i in keep]
        kept = vectors[keep] if keep else vectors
        sims = kept @ kept.T
        redundancy = float(np.mean([sims[k, :k].max() for k in range(1, len(keep))])) if len(keep) > 1 else 0.0
        return cls(
            sentences=sentences,
            vectors=kept,
            cues=Cues.of(sentences),
            words=sum(len(WORD.findall(s)) for s in sentences),
            raw_words=len(WORD.findall(answer)),
            repeated=len(cleaned) - len(keep),
            redundancy=redundancy,
            structure=len(_STRUCTURE.findall(answer)),
            numbers=sum(1 for s in sentences if _NUMBER.search(s)),
            decision=bool(_DECISION.search(answer)),
            list_ratio=float(np.mean([is_list_item(s) for s in sentences])) if sentences else 0.0,
        )

    def support(self, model: SupportModel, references: Sequence[str]) -> np.ndarray:
        """Label probabilities for (sentence, reference): shape (sentences, references, labels); cached per list."""
        key = tuple(references)
        if key not in self._support:
            refs = embed_references(references) if references else np.zeros((0, 384), dtype=np.float32)
            self._support[key] = model.probabilities(self.vectors, refs, self.cues, Cues.of(references))
        return self._support[key]

    def coverage(self, model: SupportModel, references: Sequence[str]) -> list[Coverage]:
        """For each reference: the credit the answer earns for it, its best sentence, and any contradiction."""
        if not references:
            return []
        if not self.sentences:
            return [Coverage(0.0, -1, 0.0) for _ in references]
        probs = self.support(model, references)
        credit = probs @ CREDIT  # (sentences, references)
        contra = probs[:, :, LABELS.index("C")].max(axis=0)
        best = credit.argmax(axis=0)
        return [Coverage(float(credit[b, j]), int(b), float(contra[j])) for j, b in enumerate(best)]

    def similarity(self, references: Sequence[str]) -> np.ndarray:
        """Cosine of every sentence with every reference: (sentences, references)."""
        if not references or not self.sentences:
            return np.zeros((len(self.sentences), len(references)), dtype=np.float32)
        return self.vectors @ embed_references(references).T


@dataclass(frozen=True)
class Coverage:
    """How well the answer covers one reference."""

    credit: float  # 0..1: expected label value of the best sentence
    sentence: int  # index of that sentence, -1 for none
    contradiction: float  # the highest probability that some sentence contradicts it (a feature, never shown)
