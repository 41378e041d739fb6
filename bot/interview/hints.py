"""Offline hints and clarifications that fit the open question (wording and word lists in knowledge/hints.yaml).

A hint nudges one dimension: a question or direction for it, then a word or two to steer by from each of two of the
question's own key points for that dimension (the rarest noun-like phrase across the bank: what sets the point
apart), never a key point itself. Successive hints on a question nudge different dimensions, the one a follow-up
probes first.

A clarifying question is answered from the scenario: the question's own sentence that states the fact asked about
(how many users, when, what data, which metric, what constraints), or else the assumption to make about this
question's product, named in the question's own words.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ValidationError

from bot.content.questions import Question, QuestionBank
from bot.content.vocabulary import DIMENSIONS, SCORED
from bot.content.yaml_files import load_yaml
from bot.errors import CoachError

HINTS_FILE = "hints.yaml"  # in the knowledge folder
ANGLES = 2  # key points a hint draws a phrase from
SKILL_DIMENSION = {"evaluation": "evaluation", "failure-modes": "failure_modes", "product-judgment": "product_judgment"}
_WORD = re.compile(r"[A-Za-z0-9][\w'’%$-]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|million|billion)\b", re.I
)
_RATE = frozenset(("a", "an", "per", "each", "every"))  # "$80,000 a month" is a rate, not a timeline


class Topic(BaseModel):
    """A kind of clarifying question, the facts that answer it, and the assumption to make when none is stated."""

    asks: list[str]
    facts: frozenset[str]
    numbers: bool = False
    assume: str


class WordLists(BaseModel):
    """The word lists phrases are cut with (see knowledge/hints.yaml)."""

    plain: frozenset[str]
    verbs: frozenset[str]
    nouns_anyway: frozenset[str]
    gerund_nouns: frozenset[str]
    product_nouns: frozenset[str]


class HintBook(BaseModel):
    """The wording of offline hints and clarifications (knowledge/hints.yaml)."""

    nudges: dict[str, list[str]]
    angle: str
    quoted: str
    topics: dict[str, Topic]
    unsettled: str
    fallback_subject: str
    words: WordLists


@lru_cache(maxsize=4)
def load_hints(path: Path) -> HintBook:
    """The hint book at `path`, validated; CoachError naming the file when it is missing or malformed."""
    try:
        book = HintBook.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise CoachError(f"{path} not found; restore knowledge/{HINTS_FILE}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CoachError(f"{path.name}: {'.'.join(map(str, first['loc']))} {first['msg']}; fix the file") from exc
    missing = [d for d in DIMENSIONS if not book.nudges.get(d)]
    if missing:
        raise CoachError(f"{path.name}: no nudges for {missing}; add at least one per dimension")
    return book


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _pick(options: list[str], seed: str) -> str:
    """One of `options`, the same one for the same seed (varied across questions, stable within one)."""
    return options[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(options)]


# -- hints -----------------------------------------------------------------------------------------------


def hint_dimensions(question: Question, probing: str | None = None) -> list[str]:
    """The order hints nudge dimensions in: the one a follow-up probes, the question's own skills, the rest."""
    order = [probing] if probing else []
    order += [SKILL_DIMENSION[s] for s in question.skills if s in SKILL_DIMENSION]
    order += [*SCORED, "communication"]
    return [d for d in dict.fromkeys(order) if d in DIMENSIONS and question.key_points.get(d)]


@lru_cache(maxsize=4)
def _rarity(bank: QuestionBank) -> dict[str, float]:
    """How rare each word is across the bank's key points (inverse document frequency): rare words say the most."""
    points = [p for q in bank.questions for pts in q.key_points.values() for p in pts]
    seen = Counter(w for p in points for w in {w.lower() for w in _words(p)})
    return {w: math.log(len(points) / count) for w, count in seen.items()}


def _can_end(word: str, words: WordLists) -> bool:
    """Whether a word can end a noun phrase: not an adverb, a participle, a possessive or a common verb."""
    low = word.lower()
    return low in words.nouns_anyway or not (low.endswith(("ly", "ed", "ing", "'s", "’s")) or low in words.verbs)


def _can_start(word: str, words: WordLists) -> bool:
    """Whether a word can open a phrase: not an adverb, a common verb or a verb's -ing form."""
    low = word.lower()
    return not (low.endswith("ly") or low in words.verbs or (low.endswith("ing") and low not in words.gerund_nouns))


def angle(point: str, question_text: str, rarity: dict[str, float], words: WordLists) -> str | None:
    """A word or two of a key point to steer by: its rarest noun-like phrase, preferring words the question lacks."""
    said = {w.lower() for w in _words(question_text)}
    runs: list[list[str]] = [[]]
    for word in _words(point):
        if word.lower() in words.plain or _NUMBER.search(word) or len(word) < 3:
            runs.append([])
        else:
            runs[-1].append(word if word.isupper() else word.lower())
    spans: list[tuple[str, ...]] = [
        tuple(run[i : i + n])
        for run in runs
        for n in (2, 1)
        for i in range(len(run) - n + 1)
        if _can_end(run[i + n - 1], words) and _can_start(run[i], words)
    ]

    def value(span: tuple[str, ...]) -> float:
        return sum(rarity.get(w.lower(), 1.0) + 0.5 * (w.lower() not in said) for w in span) / math.sqrt(len(span))

    if not spans:
        return None
    best: tuple[str, ...] = max(spans, key=value)
    return " ".join(best)


def hint_text(book: HintBook, bank: QuestionBank, question: Question, number: int, probing: str | None = None) -> str:
    """The `number`th hint (from 1) on `question`: a nudge on one dimension and angles from its key points."""
    dimensions = hint_dimensions(question, probing)
    dimension = dimensions[(number - 1) % len(dimensions)]
    rounds = (number - 1) // len(dimensions)  # a dimension nudged again draws on its next key points
    points = question.key_points[dimension]
    start = (rounds * ANGLES) % len(points)
    rarity = _rarity(bank)
    chosen = [angle(p, question.text, rarity, book.words) for p in (points[start:] + points[:start])[:ANGLES]]
    angles = list(dict.fromkeys(a for a in chosen if a))
    nudge = _pick(book.nudges[dimension], f"{question.id}:{dimension}:{rounds}")
    if not angles:
        return nudge
    return f"{nudge} {book.angle.format(angles=' and '.join(f'*{a}*' for a in angles))}"


# -- clarifications -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clarification:
    """The reply to a clarifying question, the topic it was taken to be about, and whether it quotes the scenario."""

    topic: str | None
    text: str
    quoted: bool


def subject(question_text: str, book: HintBook) -> str:
    """What the question is about, in its own words ("the AI meeting-summary feature"), or the book's fallback."""
    tokens = re.findall(r"[\w'’/-]+|[^\w\s]", question_text)
    for i, token in enumerate(tokens):
        if token.lower() in book.words.product_nouns:
            j = i
            while j > 0 and i - j < 3 and re.fullmatch(r"[\w'’/-]+", tokens[j - 1]):
                if tokens[j - 1].lower() in book.words.plain | book.words.verbs:
                    break
                j -= 1
            return "the " + " ".join(tokens[j : i + 1])
    return book.fallback_subject


def _topic(book: HintBook, asked: str) -> str | None:
    """The first topic (in the book's order) whose question words the clarifying question uses, if any."""
    text = " ".join(w.lower() for w in _words(asked))
    for name, topic in book.topics.items():
        if any(re.search(rf"\b{re.escape(ask)}\b", text) for ask in topic.asks):
            return name
    return None


def _fact_score(sentence: str, topic: Topic | None, wanted: set[str]) -> float:
    """How well a scenario sentence answers the clarifying question (0: not at all)."""
    tokens = [w.lower().strip("'’") for w in _words(sentence)]
    overlap = len(set(tokens) & wanted)
    if topic is None:
        return float(overlap) if overlap >= 2 else 0.0
    hits = sum(1 for n, w in enumerate(tokens) if w in topic.facts and (n == 0 or tokens[n - 1] not in _RATE))
    if not hits or (topic.numbers and not _NUMBER.search(sentence)):
        return 0.0
    return hits + 0.5 * overlap


def _fact(question_text: str, topic: Topic | None, asked: str, plain: frozenset[str]) -> str | None:
    """The scenario's sentence that answers the clarifying question, if the question states it."""
    sentences = [s.strip() for s in _SENTENCE.split(question_text) if s.strip() and not s.strip().endswith("?")]
    wanted = {w.lower() for w in _words(asked)} - plain
    scored = [(_fact_score(s, topic, wanted), -n, s) for n, s in enumerate(sentences)]
    best = max(scored, default=(0.0, 0, ""))
    return best[2] if best[0] > 0 else None


def clarification(book: HintBook, question: Question, asked: str) -> Clarification:
    """A reply to `asked` about `question`: the scenario's own fact when it states one, else the assumption to make."""
    name = _topic(book, asked)
    topic = book.topics[name] if name else None
    fact = _fact(question.text, topic, asked, book.words.plain)
    if fact is not None:
        return Clarification(name, book.quoted.format(fact=fact), True)
    text = (topic.assume if topic else book.unsettled).format(subject=subject(question.text, book))
    return Clarification(name, text, False)
