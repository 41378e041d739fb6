"""The guides are dated, sourced, and their worked examples add up.

Each guide carries `reviewed:` (an ISO date) and `sources:` (primary documents, each a name and a URL) in its front
matter. Next to every worked example whose numbers carry a claim sits a check block, an HTML comment that does not
render and is cut from the body before chunking:

    <!-- check {"kind": "upper_bar", "n": 600, "errors": 4, "bar": 0.02, "claim": "met"} -->

This file recomputes every block (exact binomial intervals, shares of a total, Cohen's kappa, alarm rates,
arithmetic) and fails on a mismatch, so an edit that changes a number must change its check too.
Proportions are fractions (0.02, not 2); an interval is the exact (Clopper-Pearson) two-sided 95% interval.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from scipy.stats import binom, binomtest

from bot.config import PROJECT_ROOT
from bot.content.guides import CHECK_BLOCK, chunk_guide, load_guide, load_guides
from bot.errors import CoachError

GUIDES = PROJECT_ROOT / "knowledge" / "guides"
REGULATORY = ("healthcare", "legal", "finance")
MAX_AGE = timedelta(days=365)
URL = re.compile(r"https?://\S+")
pytestmark = pytest.mark.without_index


# --- dated and sourced ---------------------------------------------------------------------------------------


def test_every_guide_was_reviewed_within_twelve_months():
    stale = []
    for guide in load_guides(GUIDES):
        if guide.reviewed is None or date.today() - guide.reviewed > MAX_AGE:
            stale.append((guide.source, guide.reviewed))
    assert not stale, f"review these guides and set `reviewed:` to the date you checked them: {stale}"


def test_regulatory_guides_name_their_primary_sources():
    by_topic = {g.topic: g for g in load_guides(GUIDES)}
    for topic in REGULATORY:
        assert by_topic[topic].sources, f"{topic}.md has no `sources:`"


def test_every_source_has_a_url():
    for guide in load_guides(GUIDES):
        for line in guide.sources:
            assert URL.search(line), f"{guide.source}: source without a URL: {line!r}"


def _guide_file(tmp_path: Path, front: str) -> Path:
    path = tmp_path / "dated.md"
    body = "\n\n## Section\n\n" + "Evaluation needs real inputs and a rubric. " * 10
    path.write_text(f"---\ntopic: evaluation\n{front}---\n{body}")
    return path


def test_reviewed_and_sources_are_parsed(tmp_path):
    guide = load_guide(_guide_file(tmp_path, "reviewed: 2026-11-29\nsources:\n  - A rule, https://example.org/a\n"))
    assert guide.reviewed == date(2026, 11, 29)
    assert guide.sources == ("A rule, https://example.org/a",)
    bare = load_guide(_guide_file(tmp_path, ""))
    assert bare.reviewed is None and bare.sources == ()


@pytest.mark.parametrize("value", ["2026-13-01", "November 2026", "2026-11", "29/11/2026", "2026-02-30"])
def test_a_malformed_review_date_names_the_file_and_the_field(tmp_path, value):
    with pytest.raises(CoachError) as err:
        load_guide(_guide_file(tmp_path, f"reviewed: {value}\n"))
    assert "dated.md" in str(err.value) and "reviewed" in str(err.value)


def test_malformed_sources_are_reported(tmp_path):
    with pytest.raises(CoachError, match="sources"):
        load_guide(_guide_file(tmp_path, "sources: {a: 1}\n"))


def test_check_blocks_stay_out_of_the_rendered_body_and_the_chunks():
    for guide in load_guides(GUIDES):
        assert "<!--" not in guide.body, guide.source
        assert all("<!--" not in chunk.text for chunk in chunk_guide(guide, 320)), guide.source


# --- the worked examples add up ---------------------------------------------------------------------------------


def _interval(k: int, n: int) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


def _close(got: float, want: float, tol: float, what: str) -> None:
    assert abs(got - want) <= tol + 1e-9, f"{what}: recomputed {got:.4f}, the guide says {want} (tolerance {tol})"


def _whole(*counts: object) -> None:
    for count in counts:
        assert isinstance(count, int) and not isinstance(count, bool) and count >= 0, f"{count!r} is not a count"


def _claim(block: dict, met: bool) -> None:
    if "claim" in block:
        assert block["claim"] in ("met", "not met"), block
        assert (block["claim"] == "met") == met, f"the guide says the bar is {block['claim']}: {block}"


def check_interval(block: dict) -> None:
    """The exact 95% interval for k of n, as the guide states it."""
    _whole(block["k"], block["n"])
    low, high = _interval(block["k"], block["n"])
    tol = block.get("tol", 0.001)
    _close(low, block["low"], tol, "lower end")
    _close(high, block["high"], tol, "upper end")


def check_upper_bar(block: dict) -> None:
    """A launch bar on a failure rate, read as the upper end of the 95% interval staying below `bar`."""
    n, bar = block["n"], block["bar"]
    _whole(n)
    best = _interval(0, n)[1]
    assert best < bar, f"{n} cases cannot support a bound below {bar}: even zero failures leave {best:.4f}"
    if "errors" in block:
        _whole(block["errors"])
        upper = _interval(block["errors"], n)[1]
        if "upper" in block:
            _close(upper, block["upper"], block.get("tol", 0.001), "upper bound")
        _claim(block, upper < bar)


def check_lower_bar(block: dict) -> None:
    """A launch bar on a success rate, read as the lower end of the 95% interval staying at or above `bar`."""
    n, bar = block["n"], block["bar"]
    _whole(n)
    best = _interval(n, n)[0]
    assert best >= bar, f"{n} cases cannot support a bound of {bar}: even a perfect score leaves {best:.4f}"
    if "successes" in block:
        _whole(block["successes"])
        lower = _interval(block["successes"], n)[0]
        if "lower" in block:
            _close(lower, block["lower"], block.get("tol", 0.001), "lower bound")
        _claim(block, lower >= bar)


def check_share(block: dict) -> None:
    """Whole counts that match their stated shares of a total (and add up to it when `whole` is set)."""
    n = block["n"]
    _whole(n)
    tol = block.get("tol", 0.005)
    for name, (count, share) in block["parts"].items():
        _whole(count)
        assert count <= n, f"{name}: {count} of {n}"
        _close(count / n, share, tol, f"share for {name} ({count} of {n})")
    if block.get("whole"):
        total = sum(count for count, _ in block["parts"].values())
        assert total == n, f"parts add to {total}, not {n}"


def check_kappa(block: dict) -> None:
    """Observed agreement and Cohen's kappa from a square confusion table of two raters' labels."""
    table = block["table"]
    size = len(table)
    assert size >= 2 and all(len(row) == size for row in table), "the table must be square"
    _whole(*(cell for row in table for cell in row))
    n = sum(map(sum, table))
    observed = sum(table[i][i] for i in range(size)) / n
    chance = sum(sum(table[i]) * sum(row[i] for row in table) for i in range(size)) / n**2
    kappa = (observed - chance) / (1 - chance)
    if "n" in block:
        assert n == block["n"], f"the table holds {n} items, the guide says {block['n']}"
    if "agreement" in block:
        _close(observed, block["agreement"], block.get("tol", 0.005), "observed agreement")
    _close(kappa, block["kappa"], block.get("tol", 0.01), "kappa")


def check_margin(block: dict) -> None:
    """The normal-approximation 95% margin of error, 1.96 * sqrt(p(1-p)/n)."""
    margin = 1.96 * math.sqrt(block["p"] * (1 - block["p"]) / block["n"])
    _close(margin, block["margin"], block.get("tol", 0.005), f"margin at p={block['p']}, n={block['n']}")


def check_alarm(block: dict) -> None:
    """The chance that a monitoring trigger fires: at least `threshold` failures in a sample of `n` at rate `p`."""
    _whole(block["n"], block["threshold"])
    rate = float(binom.sf(block["threshold"] - 1, block["n"], block["p"]))
    _close(rate, block["rate"], block.get("tol", 0.01), f"chance of {block['threshold']}+ in {block['n']}")


_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
}


def _arith(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _arith(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.operand))
    raise ValueError(f"only numbers and + - * / ** are allowed, not {ast.dump(node)}")


def check_arith(block: dict) -> None:
    """A sum the guide walks through, such as 3,800 contained conversations times 90% resolved."""
    got = _arith(ast.parse(block["expr"], mode="eval"))
    _close(got, block["value"], block.get("tol", 0.0), block["expr"])


CHECKS = {
    "interval": check_interval,
    "upper_bar": check_upper_bar,
    "lower_bar": check_lower_bar,
    "share": check_share,
    "kappa": check_kappa,
    "margin": check_margin,
    "alarm": check_alarm,
    "arith": check_arith,
}


def _blocks() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(GUIDES.glob("*.md")):
        for n, match in enumerate(CHECK_BLOCK.finditer(path.read_text()), 1):
            found.append((f"{path.name}#{n}", json.loads(match.group(1))))
    return found


BLOCKS = _blocks()


@pytest.mark.parametrize(("where", "block"), BLOCKS, ids=[where for where, _ in BLOCKS])
def test_worked_example_numbers_recompute(where, block):
    assert block.get("kind") in CHECKS, f"{where}: unknown check kind {block.get('kind')!r}"
    CHECKS[block["kind"]](block)


def test_every_check_comment_is_valid_json():
    for path in sorted(GUIDES.glob("*.md")):
        text = path.read_text()
        assert text.count("<!-- check") == len(CHECK_BLOCK.findall(text)), f"{path.name}: a check block did not parse"


_SECTION = re.compile(r"^#{2,3} ", re.MULTILINE)


def test_every_worked_example_carries_a_check():
    missing = []
    for path in sorted(GUIDES.glob("*.md")):
        for section in _SECTION.split(path.read_text())[1:]:
            heading = section.splitlines()[0]
            example = heading.lower().startswith("worked example") or "**worked example" in section.lower()
            if example and not CHECK_BLOCK.search(section):
                missing.append(f"{path.name}: {heading}")
    assert not missing, missing


def test_there_are_checks_in_every_guide_with_worked_examples():
    guides = {where.split("#")[0] for where, _ in BLOCKS}
    assert {"finance.md", "healthcare.md", "legal.md", "evaluation.md", "failure-modes.md"} <= guides
    assert len(BLOCKS) >= 40


# --- the checks themselves catch what they should ---------------------------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        {"kind": "upper_bar", "n": 255, "errors": 3, "bar": 0.015, "claim": "met"},  # upper end is 3.4%
        {"kind": "upper_bar", "n": 30, "bar": 0.03},  # 30 cases cannot show a rate below 3%
        {"kind": "lower_bar", "n": 100, "successes": 80, "bar": 0.8, "claim": "met"},  # lower end is 71%
        {"kind": "share", "n": 120, "parts": {"correct": [74, 0.62], "wrong": [19, 0.15]}},  # 19/120 is 15.8%
        {"kind": "kappa", "table": [[145, 15], [15, 25]], "kappa": 0.85},  # that is the raw agreement
        {"kind": "alarm", "n": 50, "p": 0.012, "threshold": 2, "rate": 0.01},  # it fires in about 12% of weeks
        {"kind": "arith", "expr": "0.22 * 9000", "value": 1990},
        {"kind": "interval", "k": 4, "n": 500, "low": 0.0, "high": 0.01},
    ],
)
def test_a_wrong_claim_fails_its_check(block):
    with pytest.raises(AssertionError):
        CHECKS[block["kind"]](block)
