"""Our knowledge base is written in our own words: no run of words copied from the reference article."""

import re
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "ai-pm-role-guide.txt"
RUN = 6  # words in a row that may not match the article
pytestmark = pytest.mark.without_index


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


OURS = sorted(
    [
        *(PROJECT_ROOT / "knowledge").rglob("*.md"),
        *(PROJECT_ROOT / "knowledge").rglob("*.yaml"),
        *(PROJECT_ROOT / "prompts").glob("*.jinja"),
        *(PROJECT_ROOT / "tests" / "data" / "calibration").glob("*.yaml"),
    ]
)


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference article is not beside this checkout")
@pytest.mark.parametrize("path", OURS, ids=lambda p: str(Path(p).relative_to(PROJECT_ROOT)))
def test_no_copied_sentences(path):
    copied = _ngrams(path.read_text(), RUN) & _ngrams(REFERENCE.read_text(), RUN)
    assert not copied, [" ".join(c) for c in sorted(copied)[:5]]
