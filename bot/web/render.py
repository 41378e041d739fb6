"""All HTML and Markdown the app shows, as pure functions; every candidate- or coach-derived string is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import nh3

from bot.coaching.reports import SCORE_KEYS
from bot.config import PROJECT_ROOT
from bot.content.guides import Guide, guide_source
from bot.content.vocabulary import label
from bot.critic.model import Critique
from bot.interview.state import Message, Summary
from bot.retrieval.search import Hit
from bot.storage.models import Assignment, as_utc

SEARCH_PROMPT = "<p>Type a few words to search.</p>"
NO_ATTEMPTS = "<p>No attempts yet.</p>"
ChatMessage = dict[str, str]


def inert(text: object) -> str:
    """Escape HTML and markdown link/image syntax so untrusted text can neither run nor link anywhere.

    Only what could act is escaped (`&`, `<`, `>`, backslashes and square brackets: every Markdown link and image
    needs them), so that a downloaded report reads "I'd (roughly)", not "I&#x27;d \\(roughly\\)".
    """
    escaped = html.escape(str(text or ""), quote=False)
    escaped = escaped.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return escaped.replace("\\](", "\\]\\(")  # "](" too, so not even a lax renderer sees a link target


# -- the interview ------------------------------------------------------------------------------------------


def chat_messages(transcript: Iterable[Message]) -> list[ChatMessage]:
    """The transcript as Chatbot messages; the candidate's own text is made inert."""
    return [
        {"role": "user", "content": inert(m.content)}
        if m.role == "user"
        else {"role": "assistant", "content": str(m.content)}
        for m in transcript
    ]


def user_message(text: str) -> ChatMessage:
    """The candidate's just-sent answer as a Chatbot message, inert."""
    return {"role": "user", "content": inert(text)}


def progress_line(asked: int, total: int) -> str:
    """Where the interview stands, as Markdown."""
    return f"**Question {asked} of {total}**"


def countdown_line(seconds_left: float) -> str:
    """The time left for the current answer, as Markdown (minutes:seconds)."""
    left = max(0, int(seconds_left))
    return f"⏱ **{left // 60}:{left % 60:02d}** left"


def resume_line(url: str) -> str:
    """The private resume link, as Markdown."""
    return f"Private resume link (bookmark it): `{url}`"


def error_line(message: str) -> str:
    """A one-line warning for the banner or a status line."""
    return f"⚠️ {html.escape(message)}"


def _bar(score: float) -> str:
    """An HTML score bar for a 0-5 score."""
    width = max(0.0, min(100.0, score / 5 * 100))
    outer = "background:#e5e7eb;border-radius:4px;height:10px;width:100%"
    inner = f"background:#6366f1;border-radius:4px;height:10px;width:{width:.0f}%"
    return f'<div style="{outer}"><div style="{inner}"></div></div>'


def _items(values: list[str] | None) -> str:
    """An escaped HTML list, or a dash when empty."""
    if not values:
        return "<p>—</p>"
    return "<ul>" + "".join(f"<li>{html.escape(str(v))}</li>" for v in values) + "</ul>"


def _critique_details(critique: Critique) -> list[str]:
    """The follow-up, the stronger answer and the guide citations of a critique, as HTML parts."""
    esc = html.escape
    parts = []
    if critique.follow_up:
        dim = critique.follow_up_dimension
        suffix = f" <em>({esc(label(dim))})</em>" if dim else ""
        parts.append(f"<h4>Follow-up{suffix}</h4><p>{esc(critique.follow_up)}</p>")
    if critique.stronger_answer:
        steps = "".join(f"<li>{esc(str(s))}</li>" for s in critique.stronger_answer)
        parts += ["<h4>A stronger answer would</h4>", f"<ol>{steps}</ol>"]
    if critique.citations:
        parts.append("<h4>From the guides</h4>")
    for cite in critique.citations:
        parts.append(
            f"<details><summary>{esc(f'{cite.topic} – {cite.heading}')}</summary>"
            f"<p><small>{esc(cite.source)}</small></p>"
            f'<div style="white-space:pre-wrap">{esc(cite.text)}</div></details>'
        )
    return parts


def due_text(due: datetime | str) -> str:
    """A due date as people write it, in UTC: "3 December 2026, 14:30" (the caller adds "UTC")."""
    moment = datetime.fromisoformat(due) if isinstance(due, str) else due
    return f"{as_utc(moment):%-d %B %Y, %H:%M}"


def critique_card(critique: Critique | None, notices: list[str] | None = None) -> str:
    """The critique as HTML; every string from the critique or the candidate is escaped."""
    esc = html.escape
    notes = "".join(f'<p class="coach-notice">⚠️ {esc(str(n))}</p>' for n in notices or [])
    if critique is None:
        return f'<div class="coach-card">{notes}<p>Feedback appears here after each answer.</p></div>' if notes else ""
    if critique.overall is None:  # the critic declined: no score rather than a misleading one
        reasons = "".join(f"<p>{esc(str(n))}</p>" for n in critique.notices if n not in (notices or []))
        return f'<div class="coach-card">{notes}<h3>No score for this answer</h3>{reasons}</div>'
    parts = [
        '<div class="coach-card">',
        notes,
        f"<h3>Feedback: {critique.overall:.1f}/5</h3>",
        '<table style="width:100%">',
    ]
    for dim, score in critique.dimensions.items():
        parts.append(
            f'<tr><td style="width:30%">{esc(label(str(dim)))}</td><td>{_bar(score)}</td>'
            f'<td style="width:3em;text-align:right">{score:.1f}</td></tr>'
        )
    parts.append("</table>")
    parts += ["<h4>Strengths</h4>", _items(critique.strengths)]
    if not critique.held_back:  # an empty list would read as "no gaps"
        gaps = _items(critique.gaps) if critique.gaps else "<p>None named: no key point is clearly missing.</p>"
        parts += ["<h4>Gaps</h4>", gaps]
        if critique.next_level:  # the weakest dimension's next level, in the rubric's words
            weakest = min(critique.next_level, key=lambda d: critique.dimensions.get(d, 5.0))
            parts += ["<h4>Next level</h4>", f"<p>{esc(critique.next_level[weakest])}</p>"]
    parts += _critique_details(critique)
    source = critique.source or "offline"
    who = "the offline critic" if source == "offline" else f"an LLM critic ({source.removeprefix('llm:')})"
    parts.append(f"<p><small>Scored by {esc(who)}.</small></p>")
    parts += [f'<p class="coach-notice"><small>Flag: {esc(str(flag))}</small></p>' for flag in critique.flags]
    parts += [f'<p class="coach-notice">⚠️ {esc(str(note))}</p>' for note in critique.notices]
    parts.append("</div>")
    return "".join(parts)


def guide_link(source: str, guides_dir: Path) -> str:
    """A Markdown link that opens a guide file (served by the app as a static path), or inert text."""
    name = source.rsplit("/", 1)[-1]
    path = (PROJECT_ROOT / source).resolve()
    if path.parent != guides_dir.resolve() or not path.is_file() or not re.fullmatch(r"[a-z-]+\.md", name):
        return f"`{inert(source)}`"
    return f"[{name}](guides/{name})"  # served by bot.web.security.guide_route; relative, so a proxy prefix works


def gaps_markdown(summary: Summary, guides_dir: Path) -> str:
    """The biggest gaps and the guides they point to, as Markdown."""
    lines = ["### Biggest gaps"] if summary.gaps else []
    for gap in summary.gaps:
        guide = f": read the guide {guide_link(gap.guide, guides_dir)}" if gap.guide else ""
        lines.append(f"- **{label(gap.dimension)}** ({gap.average:.1f}/5){guide}")
        for example in gap.examples[:2]:
            lines.append(f"    - {inert(example)}")
    if summary.guides:
        links = (guide_link(guide_source(guides_dir, topic), guides_dir) for topic in summary.guides)
        lines += ["", "**Guides to read next:** " + ", ".join(links)]
    return "\n".join(lines)


def figures_markdown(figures: dict[str, Any] | None, short: bool = False) -> str:
    """The critic's calibration figures as Markdown (a sentence for the Interview tab, a list for the About tab)."""
    source = "Scores come from the offline rubric critic unless an LLM is configured (COACH_LLM)."
    if not figures:
        return f"**How accurate is this feedback?** Calibration figures are not available. {source}"
    overall, bank, other = (dict(figures.get(k) or {}) for k in ("overall", "bank_questions", "other_questions"))
    ceiling = dict(figures.get("human_ceiling") or {})
    head = (
        f"**How accurate is this feedback?** On {figures.get('answers')} answers that no fitting ever saw (new "
        f"questions, new writers), the critic's scores are on average {overall.get('mean_abs_error')} points from "
        f"two independent graders' (who agree with each other to within {ceiling.get('mean_abs_diff')})."
    )
    if short:
        return f"{head} {source} See *About the feedback*."
    return "\n".join(
        [
            "## How accurate is this feedback?",
            "",
            head,
            "",
            f"- Rank agreement with the graders (Spearman): **{overall.get('spearman')}** overall; "
            f"**{bank.get('spearman')}** on bank questions, **{other.get('spearman')}** on questions outside the bank",
            f"- The two graders with each other (the ceiling): Spearman **{ceiling.get('spearman')}**, "
            f"weighted kappa **{ceiling.get('qwk')}**",
            f"- Mean difference from the graders: **{overall.get('mean_bias')}** points",
            f"- A strong answer scored above a generic one for the same question: **{figures.get('strong_above_generic')}**",
            f"- One-sided answers (only evaluation, or only failure modes) told apart: "
            f"**{figures.get('one_sided_separated')}**",
            f"- Answers not in English, given no score rather than a misleading one: "
            f"**{figures.get('non_english_declined')}**",
            "",
            source,
            "",
            "Treat scores as a practice signal, not a hiring verdict.",
        ]
    )


# -- guides -------------------------------------------------------------------------------------------------


def guide_markdown(guide: Guide | None) -> str:
    """One guide as Markdown with when it was last reviewed and its sources (the project's own files, as written)."""
    if guide is None:
        return ""
    reviewed = f"*Reviewed on {guide.reviewed:%d %B %Y}.*" if guide.reviewed else "*Not yet reviewed.*"
    sources = "".join(f"\n- {inert(line)}" for line in guide.sources)
    footer = f"\n\n---\n\n**Sources**{sources}" if sources else ""
    body = guide.body.lstrip()
    title = "" if body.startswith("# ") else f"# {guide.title}\n\n"  # most guides open with their own title
    return f"{title}{reviewed}\n\n{body}{footer}"


def excerpt_html(text: str) -> str:
    """A guide excerpt's Markdown as HTML: raw HTML in it stays text, then nh3 keeps only safe tags."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": False}).render(text)
    return nh3.clean(rendered, tags={"p", "strong", "em", "ul", "ol", "li", "code", "pre", "h1", "h2", "h3", "h4"})


def search_results(hits: list[Hit]) -> str:
    """Search hits as collapsible excerpts, their Markdown rendered (bold shows as bold, not as asterisks)."""
    esc = html.escape
    parts = [
        f"<details><summary>{esc(h.topic)} – {esc(h.heading)}</summary>"
        f"<p><small>{esc(h.source)}</small></p>"
        f"<div>{excerpt_html(h.text)}</div></details>"
        for h in hits
    ]
    return "".join(parts) or "<p>No matches.</p>"


# -- coaching -----------------------------------------------------------------------------------------------


def _score_text(value: Any) -> str:
    """A score for display, or a dash."""
    return "–" if value is None else f"{value:.1f}"


def attempts_html(rows: list[dict[str, Any]]) -> str:
    """The attempts table as HTML; every value is escaped."""
    head = "".join(
        f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in ("candidate", "started", "finished", *SCORE_KEYS)
    )
    body = []
    for row in rows:
        cells = [html.escape(row["candidate_name"] or ""), html.escape((row["started"] or "")[:16])]
        cells.append(html.escape((row["finished"] or "")[:16] or "in progress"))
        cells += [_score_text(row[key]) for key in SCORE_KEYS]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f'<table class="coach-attempts"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _critique_text(critique: dict[str, Any] | None) -> str:
    """The critic's words on one answer (strengths, gaps, follow-up), collapsed, escaped; "" without a critique."""
    if not critique:
        return ""
    esc = html.escape
    sections = [("Strengths", critique.get("strengths") or []), ("Gaps", critique.get("gaps") or [])]
    body = "".join(
        f"<p><b>{title}</b></p><ul>{''.join(f'<li>{esc(str(item))}</li>' for item in items)}</ul>"
        for title, items in sections
        if items
    )
    if critique.get("follow_up"):
        body += f"<p><b>Follow-up</b>: {esc(str(critique['follow_up']))}</p>"
    return f"<details><summary>Critique</summary>{body}</details>" if body else ""


def transcript_html(view: dict[str, Any], with_critique: bool = False) -> str:
    """A transcript (coach view or candidate results) as HTML; every value is escaped.

    `with_critique`: the critic's strengths, gaps and follow-up beside each answer's scores (the coach's view; a
    candidate sees them on the critique card, where a coach may hold them back until the attempt ends).
    """
    attempt = view["attempt"]
    parts = [f"<h3>{html.escape(attempt['candidate_name'] or 'Candidate')}</h3>"]
    for turn in view["turns"]:
        late = " <span class='coach-notice'>(late: after its time limit)</span>" if turn.get("late") else ""
        parts.append(f"<h4>{turn['seq']}. {html.escape(turn['prompt'])}{late}</h4>")
        parts.append(f"<blockquote>{html.escape(turn['answer'])}</blockquote>")
        if turn["scores"]:
            items = "".join(
                f"<li>{html.escape(key.replace('_', ' '))}: {_score_text(s['score'])} ({html.escape(s['source'])})</li>"
                for key, s in turn["scores"].items()
            )
            parts.append(f"<ul>{items}</ul>")
        if with_critique:
            parts.append(_critique_text(turn.get("critique")))
        for entry in turn["reviews"]:
            if entry["comment"]:
                parts.append(f"<p><b>coach {html.escape(entry['coach'])}</b>: {html.escape(entry['comment'])}</p>")
    return "\n".join(parts)


def dashboard_table(rows: list[dict[str, Any]]) -> str:
    """The dashboard's attempts table, or a line saying there are none yet."""
    return attempts_html(rows) if rows else NO_ATTEMPTS


def assignment_intro(assignment: Assignment) -> str:
    """What a candidate sees before starting an assignment (escaped HTML)."""
    a = assignment
    limit = f"{a.time_limit_s // 60} min per answer" if a.time_limit_s else "no time limit"
    due = due_text(a.due)
    return (
        f"<div class='coach-card'><h3>{html.escape(a.title)}</h3>"
        f"<p>Role: {html.escape(a.role)}{' · ' + html.escape(a.domain) if a.domain else ''} · "
        f"{a.questions} question(s) · {html.escape(limit)} · due {due} UTC</p>"
        "<p>Enter your name (and optionally your email) and press Start assignment.</p></div>"
    )


def assignment_refused(reason: str) -> str:
    """Why a share link cannot be taken, as Markdown, with the way on."""
    return f"⚠️ {html.escape(reason)}. You can still practise with a normal interview below."


def results_html(view: dict[str, Any]) -> str:
    """The candidate's own attempt with scores and coach comments (escaped HTML)."""
    title = (view.get("assignment") or {}).get("title")
    head = f"<h3>Assignment: {html.escape(title)}</h3>" if title else ""
    return head + (transcript_html(view) if view["turns"] else "<p>No answers recorded yet.</p>")


def signed_in_line(email: str) -> str:
    """Who is signed in on the Coach tab, as Markdown."""
    return f"Signed in as **{html.escape(email)}**"


def created_line(title: str) -> str:
    """The status line after creating an assignment, as Markdown."""
    return f"Created **{html.escape(title)}**; send candidates the share link."


def assignment_choices(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """A coach's assignments as dropdown choices (label, id)."""
    return [(f"{a['title']} · {a['attempts']} attempt(s) · due {due_text(a['due'])} UTC", int(a["id"])) for a in items]


def attempt_choices(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """An assignment's attempts as dropdown choices (label, attempt id)."""
    return [(f"{r['candidate_name']} · {str(r['started'])[:16]}", r["attempt_id"]) for r in rows]


def turn_choices(view: dict[str, Any]) -> list[tuple[str, int]]:
    """An attempt's turns as review choices (label, turn id)."""
    return [(f"{t['seq']}. {str(t['prompt'])[:70]}", int(t["id"])) for t in view["turns"]]
