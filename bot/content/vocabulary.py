"""The shared vocabulary: roles, domains, backgrounds, skills, topics and rubric dimensions, with labels and checks."""

from __future__ import annotations

from typing import Literal

from bot.errors import CoachError

ROLES = ("foundation", "platform", "feature", "vertical")
DOMAINS = ("healthcare", "legal", "finance")
BACKGROUNDS = ("pm", "technical")
Role = Literal["foundation", "platform", "feature", "vertical"]
Domain = Literal["healthcare", "legal", "finance"]
DIMENSIONS = ("evaluation", "failure_modes", "product_judgment", "communication")
SCORED = ("evaluation", "failure_modes", "product_judgment")  # the dimensions that have key points
SKILLS = (
    "evaluation",
    "failure-modes",
    "prompt-engineering",
    "user-research",
    "probabilistic-behavior",
    "researchers",
    "product-judgment",
    "domain-regulation",
    "positioning",
)
TOPICS = (
    "role-types",
    "day-to-day",
    "evaluation",
    "probabilistic-behavior",
    "researchers",
    "prompt-engineering",
    "failure-modes",
    "user-research",
    "transition-pm",
    "transition-technical",
    "portfolio",
    "healthcare",
    "legal",
    "finance",
)

ROLE_LABELS = {
    "foundation": "foundation-model PM",
    "platform": "AI platform / infrastructure PM",
    "feature": "AI feature PM",
    "vertical": "vertical AI application PM",
}
DIMENSION_LABELS = {
    "evaluation": "Evaluation",
    "failure_modes": "Failure modes",
    "product_judgment": "Product judgment",
    "communication": "Communication",
}
# The guide (topic) that teaches each dimension; the summary sends the candidate there for their biggest gaps.
GUIDE_FOR = {
    "evaluation": "evaluation",
    "failure_modes": "failure-modes",
    "product_judgment": "probabilistic-behavior",  # deciding what to ship around what a model can and cannot do
    "communication": "portfolio",
}
# The rival core dimension: a sentence is not both an evaluation plan and a failure plan.
RIVAL = {"evaluation": "failure_modes", "failure_modes": "evaluation"}


def label(dimension: str) -> str:
    """Human label for a rubric dimension ("Failure modes")."""
    return DIMENSION_LABELS.get(dimension, dimension.replace("_", " ").capitalize())


def check_role(role: object) -> str:
    """`role` when it is one of ROLES; CoachError naming the choices otherwise."""
    if role not in ROLES:
        raise CoachError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return str(role)


def check_domain(domain: object) -> str | None:
    """`domain` when it is None or one of DOMAINS; CoachError naming the choices otherwise."""
    if domain is not None and domain not in DOMAINS:
        raise CoachError(f"unknown domain {domain!r}; choose one of {', '.join(DOMAINS)}")
    return None if domain is None else str(domain)


def role_domain(role: object, domain: object, required: bool = True) -> tuple[str, str | None]:
    """A valid (role, domain) pair: the domain belongs to vertical roles only and is dropped for the others.

    With `required`, a vertical role without a domain is an error (interviews, assignments); without it, a
    missing domain is allowed (a one-off critique of any answer).
    """
    role = check_role(role)
    if role != "vertical":
        return role, None
    if domain is None and not required:
        return role, None
    if domain not in DOMAINS:
        raise CoachError(f"a vertical role needs a domain: {', '.join(DOMAINS)}")
    return role, str(domain)


def check_background(background: object) -> str:
    """`background` when it is pm or technical; CoachError otherwise."""
    if background not in BACKGROUNDS:
        raise CoachError(f"unknown background {background!r}; choose pm or technical")
    return str(background)
