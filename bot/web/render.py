"""Session reports (Markdown, JSON) and chart frames for the app, with candidate text rendered inert."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pandas as pd

DIMENSION_LABELS = {
    "evaluation": "Evaluation",
    "failure_modes": "Failure modes",
    "product_judgment": "Product judgment",
    "communication": "Communication",
}


def inert(text: object) -> str:
    """Escape HTML and markdown link/image syntax so untrusted text can neither run nor link anywhere."""
    escaped = html.escape(str(text or ""), quote=True)
    # Escape brackets and parentheses: `[x](javascript:...)` and `![x](...)` become plain text.
    return escaped.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("(", "\\(").replace(")", "\\)")


def label(dimension: str) -> str:
    """Human label for a rubric dimension."""
    return DIMENSION_LABELS.get(dimension, dimension.replace("_", " ").capitalize())


def _quote(text: str) -> str:
    """Render untrusted text as an inert Markdown blockquote."""
    lines = inert(text).splitlines() or [""]
    return "\n".join(f"> {line}" for line in lines)


def _scores(scores: dict[str, Any]) -> str:
    """One line of per-dimension scores."""
    return ", ".join(f"{label(d)} {float(s):.1f}" for d, s in scores.items() if isinstance(s, int | float))


def markdown_report(view: dict[str, Any]) -> str:
    """Render the whole session as Markdown: setup, the transcript question by question, scores, gaps and summary."""
    role = inert(view.get("role") or "")
    domain = view.get("domain")
    lines = [
        "# AI PM mock interview report",
        "",
        f"- **Role:** {role}" + (f" ({inert(domain)})" if domain else ""),
        f"- **Background:** {inert(view.get('background') or '')}",
        f"- **Questions:** {len(view.get('asked') or [])} of {inert(view.get('total') or 0)}",
        f"- **Session:** `{inert(view.get('session_id') or '')}`",
        "",
        "## Transcript",
        "",
    ]
    for message in view.get("transcript") or []:
        kind = message.get("kind") or ""
        content = str(message.get("content") or "")
        if message.get("role") == "user":
            lines += ["**Your answer:**", "", _quote(content), ""]
        else:
            heading = "### " if kind == "question" else ""
            lines += [heading + inert(content).replace("\n", "  \n"), ""]
    results = view.get("results") or []
    if results:
        lines += ["## Scores by question", ""]
    for number, result in enumerate(results, start=1):
        lines.append(f"### {number}. {inert(result.get('question') or '')}")
        lines.append("")
        if result.get("skipped"):
            lines += ["Skipped.", ""]
            continue
        overall = result.get("overall")
        if overall is not None:
            lines.append(f"- **Overall:** {float(overall):.1f}/5")
        if result.get("scores"):
            lines.append(f"- **Scores:** {_scores(result['scores'])}")
        if result.get("hints"):
            lines.append(f"- **Hints used:** {inert(result['hints'])}")
        for strength in result.get("strengths") or []:
            lines.append(f"- **Strength:** {inert(strength)}")
        for gap in result.get("gaps") or []:
            lines.append(f"- **Gap:** {inert(gap)}")
        lines.append("")
    summary = view.get("summary") or {}
    if summary:
        lines += ["## Summary", ""]
        if summary.get("overall") is not None:
            lines.append(f"**Overall:** {float(summary['overall']):.1f}/5")
            lines.append("")
        if summary.get("averages"):
            lines.append(f"**Averages:** {_scores(summary['averages'])}")
            lines.append("")
        for gap in summary.get("gaps") or []:
            guide = f" (guide: `{inert(gap.get('guide'))}`)" if gap.get("guide") else ""
            average = gap.get("average")
            avg = f" {float(average):.1f}" if isinstance(average, int | float) else ""
            lines.append(f"- **{inert(label(str(gap.get('dimension', ''))))}**{avg}{guide}")
        if summary.get("guides"):
            lines += ["", "**Guides to read:** " + ", ".join(inert(g) for g in summary["guides"])]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def json_report(view: dict[str, Any]) -> str:
    """Render the stored session as pretty JSON (strings kept verbatim; JSON is data, not markup)."""
    return json.dumps(view, indent=2, ensure_ascii=False, default=str)


def score_chart(averages: dict[str, Any]) -> pd.DataFrame:
    """Per-dimension averages as a frame with columns `dimension` and `score`, for gr.BarPlot."""
    rows = [{"dimension": label(d), "score": float(s)} for d, s in (averages or {}).items() if s is not None]
    return pd.DataFrame(rows, columns=["dimension", "score"])


def progress_frame(history: list[dict[str, Any]]) -> pd.DataFrame:
    """Scores over sessions (x = session number) with one series per dimension plus overall, for gr.LinePlot."""
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(history or [], start=1):
        for dimension, score in (item.get("averages") or {}).items():
            if score is not None:
                rows.append(
                    {
                        "session": index,
                        "started": item.get("started"),
                        "dimension": label(dimension),
                        "score": float(score),
                    }
                )
        if item.get("overall") is not None:
            rows.append(
                {
                    "session": index,
                    "started": item.get("started"),
                    "dimension": "Overall",
                    "score": float(item["overall"]),
                }
            )
    return pd.DataFrame(rows, columns=["session", "started", "dimension", "score"])


def _bar(score: float) -> str:
    """Render an HTML score bar for a 0-5 score."""
    width = max(0.0, min(100.0, score / 5 * 100))
    outer = "background:#e5e7eb;border-radius:4px;height:10px;width:100%"
    inner = f"background:#6366f1;border-radius:4px;height:10px;width:{width:.0f}%"
    return f'<div style="{outer}"><div style="{inner}"></div></div>'


def _items(values: list[Any] | None) -> str:
    """Render an escaped HTML list, or a dash when empty."""
    if not values:
        return "<p>—</p>"
    return "<ul>" + "".join(f"<li>{html.escape(str(v))}</li>" for v in values) + "</ul>"


def critique_card(critique: dict[str, Any] | None, notices: list[str] | None = None) -> str:
    """Render the critique as HTML; every string from the critique or the candidate is escaped."""
    notes = "".join(f'<p class="coach-notice">⚠️ {html.escape(str(n))}</p>' for n in notices or [])
    if not critique:
        return f'<div class="coach-card">{notes}<p>Feedback appears here after each answer.</p></div>' if notes else ""
    esc = html.escape
    overall = critique.get("overall")
    parts = ['<div class="coach-card">', notes]
    if isinstance(overall, int | float):
        parts.append(f"<h3>Feedback: {float(overall):.1f}/5</h3>")
    parts.append('<table style="width:100%">')
    for dim, score in (critique.get("dimensions") or {}).items():
        value = float(score) if isinstance(score, int | float) else 0.0
        parts.append(
            f'<tr><td style="width:30%">{esc(label(str(dim)))}</td><td>{_bar(value)}</td>'
            f'<td style="width:3em;text-align:right">{value:.1f}</td></tr>'
        )
    parts.append("</table>")
    parts += ["<h4>Strengths</h4>", _items(critique.get("strengths")), "<h4>Gaps</h4>", _items(critique.get("gaps"))]
    if critique.get("follow_up"):
        dim = critique.get("follow_up_dimension")
        suffix = f" <em>({esc(label(str(dim)))})</em>" if dim else ""
        parts.append(f"<h4>Follow-up{suffix}</h4><p>{esc(str(critique['follow_up']))}</p>")
    if critique.get("stronger_answer"):
        steps = "".join(f"<li>{esc(str(s))}</li>" for s in critique["stronger_answer"])
        parts += ["<h4>A stronger answer would</h4>", f"<ol>{steps}</ol>"]
    citations = critique.get("citations") or []
    if citations:
        parts.append("<h4>From the guides</h4>")
    for cite in citations:
        title = f"{cite.get('topic', '')} – {cite.get('heading', '')}"
        parts.append(
            f"<details><summary>{esc(title)}</summary><p><small>{esc(str(cite.get('source', '')))}</small></p>"
            f'<div style="white-space:pre-wrap">{esc(str(cite.get("text", "")))}</div></details>'
        )
    source = str(critique.get("source") or "offline")
    who = "the offline critic" if source == "offline" else f"an LLM critic ({source.removeprefix('llm:')})"
    parts.append(f"<p><small>Scored by {esc(who)}.</small></p>")
    for flag in critique.get("flags") or []:
        parts.append(f'<p class="coach-notice"><small>Flag: {esc(str(flag))}</small></p>')
    for note in critique.get("notices") or []:
        parts.append(f'<p class="coach-notice">⚠️ {esc(str(note))}</p>')
    parts.append("</div>")
    return "".join(parts)


def guide_link(source: str) -> str:
    """A Markdown link that opens a guide file (served by the app as a static path), or inert text."""
    from bot.config import PROJECT_ROOT

    name = source.rsplit("/", 1)[-1]
    path = (PROJECT_ROOT / source).resolve()
    guides = (PROJECT_ROOT / "knowledge" / "guides").resolve()
    if path.parent != guides or not path.is_file() or not re.fullmatch(r"[a-z-]+\.md", name):
        return f"`{inert(source)}`"
    return f"[{name}](/gradio_api/file={path.as_posix()})"


def gaps_markdown(summary: dict[str, Any]) -> str:
    """List the biggest gaps and the guides they point to."""
    lines = ["### Biggest gaps"] if summary.get("gaps") else []
    for gap in summary.get("gaps") or []:
        avg = gap.get("average")
        score = f" ({float(avg):.1f}/5)" if isinstance(avg, int | float) else ""
        guide = f": read the guide {guide_link(str(gap['guide']))}" if gap.get("guide") else ""
        lines.append(f"- **{label(str(gap.get('dimension', '')))}**{score}{guide}")
        for example in (gap.get("examples") or [])[:2]:
            lines.append(f"    - {inert(example)}")
    if summary.get("guides"):
        links = (guide_link(f"knowledge/guides/{g}.md") for g in summary["guides"])
        lines += ["", "**Guides to read next:** " + ", ".join(links)]
    return "\n".join(lines)


def figures_markdown(figures: dict[str, Any] | None, short: bool = False) -> str:
    """Describe the critic's calibration figures as Markdown."""
    source = "Scores come from the offline rubric critic unless an LLM is configured (COACH_LLM)."
    if not figures:
        return f"**How accurate is this feedback?** Calibration figures are not available. {source}"
    head = (
        f"**How accurate is this feedback?** On a held-out {figures.get('split', 'test')} split of "
        f"{figures.get('answers')} hand-graded answers, the critic's overall score has Spearman "
        f"{figures.get('spearman_overall')} with the human grades (a plain cosine-similarity baseline: "
        f"{figures.get('baseline_cosine_spearman')})."
    )
    if short:
        return f"{head} {source} See *About the feedback*."
    return "\n".join(
        [
            "## How accurate is this feedback?",
            "",
            head,
            "",
            f"- Answers in the test split: **{figures.get('answers')}**",
            f"- Spearman (overall vs. human): **{figures.get('spearman_overall')}**; "
            f"Pearson **{figures.get('pearson_overall')}**",
            f"- Strong answer scored above a generic one for the same question: **{figures.get('strong_above_generic')}**",
            f"- One-sided answers (only evals / only failure modes) separated: **{figures.get('one_sided_separated')}**",
            f"- Highest score any adversarial answer (buzzwords, fluff, off-topic, injection) got: "
            f"**{figures.get('adversarial_max')}** / 5",
            f"- Cosine-similarity baseline Spearman: **{figures.get('baseline_cosine_spearman')}**",
            "",
            source,
            "",
            "Treat scores as a practice signal, not a hiring verdict.",
        ]
    )
