"""What an answer is judged against.

The bank question it matches (same wording, or close enough in meaning),
or key points derived for a new question from the rubric and the guides.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from bot.config import Settings
from bot.content.questions import Question, load_bank
from bot.content.rubric import load_rubric
from bot.content.vocabulary import SCORED
from bot.critic.features import embed_references, split_sentences
from bot.critic.model import Target

SAME_QUESTION = 0.86  # cosine between question texts above which a rewording is the bank question
_MISTAKES = re.compile(r"mistake|pitfall|anti-pattern|what not to", re.IGNORECASE)
# A sentence that announces what follows ("An eval set gets stale in two ways.") makes no point of its own.
_ANNOUNCES = re.compile(
    r"(?:\b(?:two|three|four|five|several|a few|the following)\s+(?:\w+\s+)?"
    r"(?:ways|reasons|things|kinds|types|steps|parts|questions|checks|signals)\b[^,;]*[.:]$|:$)",
    re.IGNORECASE,
)


# A sentence about the interview rather than the product ("they are testing whether you can say..."), or a fragment
# cut from the middle of one (it starts in lower case), is no key point; a role label before a colon is not part
# of the point ("Feature PM: tie the eval to the user's task").
_ABOUT_INTERVIEW = re.compile(r"\b(?:interview\w*|they are testing|you can say|candidates?|your answer)\b", re.I)
_ROLE_LABEL = re.compile(r"^(?:[A-Z][\w/-]*\s){0,3}PMs?:\s+")


def _key_point(sentence: str) -> str | None:
    """A guide sentence as a key point, or None when it cannot be one."""
    labelled = _ROLE_LABEL.match(sentence)
    if labelled:
        rest = sentence[labelled.end() :]
        sentence = rest[:1].upper() + rest[1:]
    if not sentence[:1].isupper() or _ABOUT_INTERVIEW.search(sentence):
        return None
    if not 8 <= len(sentence.split()) <= 40 or sentence.endswith("?") or _ANNOUNCES.search(sentence):
        return None
    return sentence


def closest_bank_question(settings: Settings, question: str, role: str, domain: str | None) -> Question | None:
    """The bank question with this wording, or one of this role whose text is close enough in meaning."""
    bank = load_bank(settings.questions_dir)
    found = bank.find(question)
    if found is not None:
        return found
    pool = [q for q in bank.questions if q.role == role and (domain is None or q.domain in (None, domain))]
    if not pool:
        return None
    sims = embed_references([q.text for q in pool]) @ embed_references([question])[0]
    best = int(np.argmax(sims))
    return pool[best] if float(sims[best]) >= SAME_QUESTION else None


def derived_target(settings: Settings, question: str, role: str, domain: str | None) -> Target:
    """Key points for a question the bank doesn't know.

    The rubric concepts closest to it, plus guide content
    (never from a guide's "mistakes" section, whose sentences describe what not to do).
    """
    from bot.retrieval.search import retrieve

    rubric = load_rubric(settings.rubric_path)
    qvec = embed_references([question])[0]
    hits = [h for h in retrieve(settings, question, k=5, role=role) if not _MISTAKES.search(h.heading)][:3]
    bodies = [re.sub(r"[*_`#>]+", "", hit.text.split("\n\n", 1)[-1]) for hit in hits]
    sentences = [p for body in bodies for s in split_sentences(body) if (p := _key_point(s))]
    points: dict[str, list[str]] = {}
    for dim in SCORED:
        concepts = rubric.dimensions[dim].concepts
        closest = np.argsort(-(embed_references(concepts) @ qvec))[:3]
        points[dim] = [concepts[i] for i in sorted(closest)]
        if sentences:
            fit_dim = (embed_references(sentences) @ embed_references(concepts).T).max(axis=1)
            best = sentences[int(np.argmax(fit_dim))]
            if best not in sum(points.values(), []):
                points[dim].append(best)
    return Target(text=question, role=role, domain=domain, key_points=points, derived=True)


def resolve_target(settings: Settings, question: str, role: str, domain: str | None) -> Target:
    """The bank question this one matches, else a target derived from the rubric and the guides."""
    found = closest_bank_question(settings, question, role, domain)
    if found is None:
        return derived_target(settings, question, role, domain)
    return replace(Target.of(found), text=question)
