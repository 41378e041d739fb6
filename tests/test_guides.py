from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.content.guides import chunk_guide, load_guide, load_guides
from bot.content.vocabulary import ROLES, TOPICS
from bot.errors import CoachError
from bot.llm.tokens import count_tokens

GUIDES = PROJECT_ROOT / "knowledge" / "guides"
pytestmark = pytest.mark.without_index


def test_every_topic_has_a_substantial_guide():
    guides = load_guides(GUIDES)
    by_topic = {g.topic: g for g in guides}
    assert set(TOPICS) <= set(by_topic)
    for guide in guides:
        words = len(guide.body.split())
        assert words >= 500, f"{guide.source} has only {words} words"
        assert guide.body.count("\n## ") >= 3, f"{guide.source} needs real sections"
        assert set(guide.roles) <= set(ROLES)


def test_domain_guides_are_tagged_for_vertical_roles():
    for topic in ("healthcare", "legal", "finance"):
        guide = load_guide(GUIDES / f"{topic}.md")
        assert "vertical" in guide.roles
        assert guide.domains == (topic,)


def test_chunks_stay_within_budget_and_keep_metadata():
    for guide in load_guides(GUIDES):
        chunks = chunk_guide(guide, 320)
        assert chunks, guide.source
        for chunk in chunks:
            assert count_tokens(chunk.text) <= 320
            meta = chunk.metadata()
            assert meta["topic"] == guide.topic and meta["source"] == guide.source and meta["heading"]
            assert all(meta[f"role_{r}"] == (r in guide.roles) for r in ROLES)
        assert len({c.id for c in chunks}) == len(chunks)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


BODY = "\n\n## Section\n\n" + "Evaluation needs real inputs and a rubric. " * 10


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("---\ntopic: [unclosed\n---\n" + BODY, "malformed front matter"),
        ("---\ntopic: astrology\n---\n" + BODY, "unknown topic 'astrology'"),
        ("---\ntitle: no topic\n---\n" + BODY, "no `topic`"),
        ("---\ntopic: evaluation\n---\n\n", "the guide is empty"),
        ("---\ntopic: evaluation\nroles: [wizard]\n---\n" + BODY, "unknown role wizard"),
    ],
)
def test_bad_guides_name_the_file_and_the_fix(tmp_path, text, needle):
    path = _write(tmp_path / "guides", "bad.md", text)
    with pytest.raises(CoachError) as err:
        load_guide(path)
    assert needle in str(err.value)
    assert "bad.md" in str(err.value)


def test_missing_and_empty_folders_are_reported(tmp_path):
    with pytest.raises(CoachError, match="not found"):
        load_guides(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CoachError, match="no guides"):
        load_guides(tmp_path / "empty")
