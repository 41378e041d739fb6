"""The guides in `knowledge/guides/`: loading, validating front matter, and chunking by heading."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from bot.config import PROJECT_ROOT
from bot.content.vocabulary import DOMAINS, ROLES, TOPICS
from bot.errors import CoachError
from bot.llm.tokens import OFFLINE_ENCODING, count_tokens

CHUNKER_VERSION = "2"  # bump when chunking changes, so every guide re-ingests
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
# A machine-readable check beside a worked example: `<!-- check {"kind": ..., ...} -->`. It does not render, and
# it is cut from the body before chunking; tests/test_knowledge_review.py recomputes each one.
CHECK_BLOCK = re.compile(r"<!--\s*check:?\s*(\{.*?\})\s*-->\n?", re.DOTALL)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _PlainDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad `reviewed:` date gets a message naming the field."""


_PlainDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FrontMatter(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        kwargs.setdefault("Loader", _PlainDatesLoader)  # a SafeLoader subclass: no arbitrary objects
        return super().load(fm, **kwargs)


@dataclass(frozen=True)
class Guide:
    """One guide file with its validated front matter."""

    source: str  # path relative to the project root, e.g. knowledge/guides/evaluation.md
    topic: str
    title: str
    roles: tuple[str, ...]
    domains: tuple[str, ...]
    summary: str
    body: str
    digest: str = field(repr=False)
    reviewed: date | None = None  # when a person last checked the guide's facts against its sources
    sources: tuple[str, ...] = ()  # the primary sources its regulatory and statistical claims rest on


@dataclass(frozen=True)
class Chunk:
    """A heading-bounded piece of a guide, ready to embed."""

    id: str
    text: str
    topic: str
    source: str
    heading: str
    roles: tuple[str, ...]
    guide_digest: str

    def metadata(self) -> dict[str, str | bool]:
        meta: dict[str, str | bool] = {
            "topic": self.topic,
            "source": self.source,
            "heading": self.heading,
            "roles": ",".join(self.roles),
            "guide_digest": self.guide_digest,
        }
        meta.update({f"role_{role}": role in self.roles for role in ROLES})
        return meta


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def guide_source(guides_dir: Path, topic: str) -> str:
    """The source path of the guide on `topic`, as chunks and summaries name it (e.g. knowledge/guides/evaluation.md)."""
    return _relative(guides_dir / f"{topic}.md")


def _tuple_of(value: object, allowed: tuple[str, ...], what: str, source: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
    unknown = [str(item) for item in items if item not in allowed]
    if unknown:
        raise CoachError(f"{source}: unknown {what} {', '.join(unknown)}; use one of {', '.join(allowed)}")
    return tuple(str(item) for item in items)


def _reviewed(value: object, source: str) -> date | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise CoachError(
            f"{source}: `reviewed` must be an ISO date such as 2026-11-29, not {text!r}; fix the front matter"
        ) from None


def _sources(value: object, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
        raise CoachError(f"{source}: `sources` must be a list of non-empty lines, each a name and a URL")
    return tuple(item.strip() for item in items)


def load_guide(path: Path) -> Guide:
    """Parse and validate one guide; a bad file raises CoachError naming it and the fix."""
    source = _relative(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise CoachError(f"{source}: the guide is empty; write its content or delete the file")
    try:
        post = frontmatter.loads(raw.decode("utf-8"), handler=_FrontMatter())
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CoachError(f"{source}: malformed front matter ({reason}); fix the YAML between the --- lines") from exc
    meta = post.metadata
    topic = meta.get("topic")
    if not topic:
        raise CoachError(f"{source}: front matter has no `topic`; add one of {', '.join(TOPICS)}")
    if topic not in TOPICS:
        raise CoachError(f"{source}: unknown topic {topic!r}; use one of {', '.join(TOPICS)}")
    if len(post.content.split()) < 20:
        raise CoachError(f"{source}: the guide is empty; write its content or delete the file")
    roles = _tuple_of(meta.get("roles") or ROLES, ROLES, "role", source)
    return Guide(
        source=source,
        topic=str(topic),
        title=str(meta.get("title") or topic),
        roles=roles,
        domains=_tuple_of(meta.get("domains"), DOMAINS, "domain", source),
        summary=str(meta.get("summary") or ""),
        body=CHECK_BLOCK.sub("", post.content),
        digest=hashlib.sha256(raw + CHUNKER_VERSION.encode()).hexdigest(),
        reviewed=_reviewed(meta.get("reviewed"), source),
        sources=_sources(meta.get("sources"), source),
    )


def load_guides(guides_dir: Path) -> list[Guide]:
    """Every guide in the folder, sorted by file name; errors if the folder is missing or empty."""
    if not guides_dir.is_dir():
        raise CoachError(f"knowledge folder {guides_dir} not found; set COACH_KNOWLEDGE_DIR or restore knowledge/")
    paths = sorted(guides_dir.glob("*.md"))
    if not paths:
        raise CoachError(f"no guides (*.md) in {guides_dir}; restore knowledge/guides/ from the repository")
    return [load_guide(path) for path in paths]


@lru_cache(maxsize=4)
def _splitters(max_tokens: int) -> tuple[MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter]:
    by_heading = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
    by_tokens = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=OFFLINE_ENCODING, chunk_size=max_tokens, chunk_overlap=max_tokens // 8
    )
    return by_heading, by_tokens


def chunk_guide(guide: Guide, max_tokens: int) -> list[Chunk]:
    """Split by markdown heading, then by tokens inside a long section; a chunk, header included, fits `max_tokens`."""
    by_heading, _ = _splitters(max_tokens)
    chunks: list[Chunk] = []
    for section in by_heading.split_text(guide.body):
        heading = section.metadata.get("h3") or section.metadata.get("h2") or section.metadata.get("h1") or guide.title
        parent = section.metadata.get("h2") if section.metadata.get("h3") else None
        label = f"{parent}: {heading}" if parent else heading
        body = section.page_content.strip()
        if not body:
            continue
        prefix = f"{guide.title} - {label}\n\n"
        room = max_tokens - count_tokens(prefix)
        pieces = [body] if count_tokens(body) <= room else _splitters(room)[1].split_text(body)
        for piece in pieces:
            chunks.append(
                Chunk(
                    id=f"{guide.source}#{len(chunks)}",
                    text=prefix + piece,
                    topic=guide.topic,
                    source=guide.source,
                    heading=label,
                    roles=guide.roles,
                    guide_digest=guide.digest,
                )
            )
    return chunks
