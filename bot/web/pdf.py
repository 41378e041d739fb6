"""Markdown typeset as a PDF file: markdown-it (no raw HTML, links or images) to HTML, then fpdf2.

The font is DejaVu Sans, shipped in bot/web/fonts/ with its licence and embedded (subset) in every file: Latin
with accents, Greek, Cyrillic, Hebrew, Arabic letters and many symbols print as written. A character it has no glyph
for (Chinese, Japanese, Korean, most emoji) prints as MISSING and the first page says so: visibly degraded, never
silently dropped, never an error. Nothing is fetched: no image or link in the Markdown becomes one in the PDF.
Arabic and Hebrew are joined and ordered right to left only where the optional `uharfbuzz` package is installed.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace
from markdown_it import MarkdownIt

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "dejavu"
FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# No oblique face is shipped (it would add 1.2 MB): emphasis prints upright, set apart by colour instead.
STYLES = {"": FACES[""], "B": FACES["B"], "I": FACES[""], "BI": FACES["B"]}
MISSING = "□"  # WHITE SQUARE, which the font has
NOTE = f"Characters the PDF's font cannot draw (such as Chinese or some emoji) appear as {MISSING}; the Markdown report keeps them."
BODY_SIZE = 10
INK, MUTED, ACCENT = (20, 20, 20), (70, 70, 70), (25, 55, 110)
TAG_STYLES = {
    **{
        tag: FontFace(emphasis="BOLD", size_pt=size, color=ACCENT) for tag, size in (("h1", 18), ("h2", 14), ("h3", 12))
    },
    "h4": FontFace(emphasis="BOLD", size_pt=11, color=INK),
    "blockquote": FontFace(color=MUTED),
    "em": FontFace(color=MUTED),
    **{tag: FontFace(family=FAMILY) for tag in ("code", "pre")},  # not the core Courier: it has no Unicode
}


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """The code points every face of the font has a glyph for."""
    faces = [set(TTFont(FONTS / name, lazy=True).getBestCmap()) for name in FACES.values()]
    return frozenset(set.intersection(*faces))


def printable(text: str) -> tuple[str, bool]:
    """`text` with every character the font lacks (and every control but newline and tab) as MISSING; and whether any was."""
    drawable = _drawable()
    out = [c if c in "\n\t" or ord(c) in drawable else MISSING for c in text]
    printed = "".join(out)
    return printed, printed.count(MISSING) > text.count(MISSING)


def _html(markdown: str) -> str:
    """The Markdown as HTML: CommonMark with raw HTML shown as text and no links or images (nothing to fetch)."""
    parser = MarkdownIt("commonmark", {"html": False})
    parser.disable(["image", "link", "autolink", "html_inline", "html_block"])
    return parser.render(markdown)


class _Document(FPDF):
    """An A4 document with the title and page number in the footer."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.report_title = title
        self.set_title(title)
        self.set_creator("AI PM coach")
        for style, name in STYLES.items():
            self.add_font(FAMILY, style, str(FONTS / name))
        self.set_auto_page_break(auto=True, margin=16)
        if importlib.util.find_spec("uharfbuzz") is not None:  # optional: right-to-left scripts shaped and ordered
            self.set_text_shaping(True)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.cell(0, 6, printable(f"{self.report_title} · page {self.page_no()}")[0], align="C")


def markdown_to_pdf(markdown: str, path: Path, title: str) -> Path:
    """Typeset `markdown` into a PDF at `path` (A4, DejaVu Sans) and return the path."""
    text, degraded = printable(markdown)
    document = _Document(title)
    document.add_page()
    document.set_font(FAMILY, size=BODY_SIZE)
    if degraded:
        text = f"*{NOTE}*\n\n{text}"
    document.write_html(
        _html(text),
        font_family=FAMILY,
        ul_bullet_char="•",
        li_prefix_color=MUTED,
        tag_styles=TAG_STYLES,
        warn_on_tags_not_matching=False,
    )
    path = Path(path)
    document.output(str(path))
    return path
