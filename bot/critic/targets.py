"""What an answer is judged against: the bank question with this wording, or key points derived for a new one."""

from __future__ import annotations

import re

import numpy as np

from bot.config import Settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.content.vocabulary import SCORED
from bot.critic.features import embed_references, split_sentences
from bot.critic.model import Target


def derived_target(settings: Settings, question: str, role: str, domain: str | None) -> Target:
    """Key points for a question the bank doesn't know: the rubric concepts closest to it, plus guide content."""
    from bot.retrieval.index import ensure_index
    from bot.retrieval.search import retrieve

    ensure_index(settings)
    rubric = load_rubric(settings.rubric_path)
    qvec = embed_references([question])[0]
    hits = retrieve(settings, question, k=3, role=role)
    bodies = [re.sub(r"[*_`#>]+", "", hit.text.split("\n\n", 1)[-1]) for hit in hits]
    sentences = [
        s for body in bodies for s in split_sentences(body) if 8 <= len(s.split()) <= 40 and not s.endswith("?")
    ]
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
    """The bank's question when the wording matches one, else a target derived from the guides."""
    found = load_bank(settings.questions_dir).find(question)
    return Target.of(found) if found else derived_target(settings, question, role, domain)
