"""Drill pages as pure functions: the case's data, grades with worked solutions, rater rounds; all text escaped."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from bot.drills.model import DECISIONS, DrillOutcome, RoundResult
from bot.drills.parts import UNIT_HINTS
from bot.drills.records import KIND_LABELS
from bot.web.render import inert

esc = html.escape
CASE_COLUMNS = {
    "confusion": ["slice", "model", "cases", "TP", "FP", "FN", "TN"],
    "passfail": ["slice", "model", "cases", "passed", "failed"],
}
CHART_COLUMNS = ["bar", "count", "outcome"]


def _money(value: float) -> str:
    return f"${value:,.2f}" if value >= 10 else f"${value:g}"


def case_brief(case: dict[str, Any]) -> str:
    """The case's story, costs and limits as Markdown (scenario text and names made inert)."""
    lat, cost = case["latency_ms"], case["serving_cost"]
    what = "recall matters" if case["format"] == "confusion" else "each output was graded pass or fail"
    lines = [
        f"### {inert(case['question'])}",
        f"**Product:** {inert(case['product'])}. **Baseline:** {inert(case['baseline_name'])}; "
        f"**candidate:** {inert(case['candidate_name'])}. Both were run on the same labelled cases ({what}).",
        "",
        "**Cost of each error:**",
    ]
    for key, value in case["costs"].items():
        lines.append(f"- {inert(key.replace('_', ' '))}: {_money(value)}: {inert(case['cost_notes'][key])}")
    lines += [
        "",
        "| | baseline | candidate | limit |",
        "|---|---|---|---|",
        f"| latency p95 (ms) | {lat['baseline']:g} | {lat['candidate']:g} | {lat['limit']:g} |",
        f"| serving cost per 1,000 requests | {_money(cost['baseline'])} | {_money(cost['candidate'])} "
        f"| {_money(cost['budget'])} budget |",
    ]
    if case["format"] == "confusion":
        lines += ["", f"A positive is {inert(case['positive'])}."]
    return "\n".join(lines + _paired_lines(case) + _judge_lines(case))


def _paired_lines(case: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "**The same cases, paired:** who got each case right.",
        "",
        "| slice | both right | baseline only | candidate only | both wrong |",
        "|---|---|---|---|---|",
    ]
    for s in case["slices"]:
        p = s["paired"]
        lines.append(
            f"| {inert(s['name'])} | {p['both_right']} | {p['baseline_only']} | {p['candidate_only']} "
            f"| {p['both_wrong']} |"
        )
    return lines


def _judge_lines(case: dict[str, Any]) -> list[str]:
    judge = case.get("judge")
    if not judge:
        return []
    return [
        "",
        f"**LLM judge audit:** pass/fail grades in the table come from an LLM judge. Human raters re-graded "
        f"{judge['items']} of the candidate's outputs:",
        "",
        "| | judge: pass | judge: fail |",
        "|---|---|---|",
        f"| humans: pass | {judge['both_pass']} | {judge['human_only']} |",
        f"| humans: fail | {judge['judge_only']} | {judge['both_fail']} |",
    ]


def case_table(case: dict[str, Any]) -> pd.DataFrame:
    """Both models' counts on every slice, one row per slice and model."""
    columns = CASE_COLUMNS[case["format"]]
    rows = []
    for s in case["slices"]:
        for model, name in (("baseline", case["baseline_name"]), ("candidate", case["candidate_name"])):
            counts = s[model]
            n = sum(counts[k] for k in ("tp", "fp", "fn", "tn", "passed", "failed"))
            if case["format"] == "confusion":
                rows.append([s["name"], name, n, counts["tp"], counts["fp"], counts["fn"], counts["tn"]])
            else:
                rows.append([s["name"], name, n, counts["passed"], counts["failed"]])
    return pd.DataFrame(rows, columns=columns)


def case_chart(case: dict[str, Any]) -> pd.DataFrame:
    """Errors by slice and model, stacked by type (counts only: the rates are the candidate's to compute)."""
    kinds = (
        {"fn": "false negatives", "fp": "false positives"} if case["format"] == "confusion" else {"failed": "failed"}
    )
    rows = []
    for s in case["slices"]:
        for model in ("baseline", "candidate"):
            for key, name in kinds.items():
                rows.append({"bar": f"{s['name']} · {model}", "count": s[model][key], "outcome": name})
    return pd.DataFrame(rows, columns=CHART_COLUMNS)


def part_label(number: int, part: dict[str, Any]) -> str:
    """A number part's input label: the question, the unit to write it in and the tolerance."""
    hint = UNIT_HINTS.get(part["unit"], "")
    return f"{number}. {part['prompt']} ({hint}; {part['tolerance']})"


def decision_choices() -> list[tuple[str, str]]:
    """The launch calls as radio choices (label, value)."""
    return [(label, code) for code, label in DECISIONS.items()]


def problems_html(errors: dict[str, str], prompts: dict[str, str]) -> str:
    """What still needs fixing, part by part; what was entered is kept."""
    items = "".join(f"<li><b>{esc(prompts.get(key, key))}</b>: {esc(message)}</li>" for key, message in errors.items())
    return (
        '<div class="coach-card"><p class="coach-notice">⚠️ Not graded yet: fix these and submit again '
        f"(everything you entered is kept).</p><ul>{items}</ul></div>"
    )


def grades_html(outcome: DrillOutcome) -> str:
    """Per-part grades, each with the expected answer and the worked solution."""
    score = "" if outcome.score is None else f"<h3>Score: {outcome.score:.0%}</h3>"
    rows = []
    for g in outcome.grades:
        mark = "✅" if g.correct else "❌"
        feedback = "".join(f"<li>{esc(line)}</li>" for line in g.feedback)
        rows.append(
            f"<tr><td>{mark}</td><td>{esc(g.prompt)}</td><td>{esc(g.given[:300])}</td><td>{esc(g.expected)}</td>"
            f"<td>{g.points:g}/{g.max_points:g}</td></tr>"
            f'<tr><td></td><td colspan="4"><details><summary>Worked solution</summary><p>{esc(g.solution)}</p>'
            f"{'<ul>' + feedback + '</ul>' if feedback else ''}</details></td></tr>"
        )
    head = "<tr><th></th><th>part</th><th>your answer</th><th>expected</th><th>points</th></tr>"
    notices = "".join(f'<p class="coach-notice">{esc(n)}</p>' for n in outcome.notices)
    return f'<div class="coach-card">{notices}{score}<table>{head}{"".join(rows)}</table></div>'


def rater_item(index: int, item: dict[str, Any]) -> str:
    """One item to label, as Markdown (the set's text made inert)."""
    return f"**Item {index}.** {inert(item['input'])}\n\n> {inert(item['output'])}"


def rubric_markdown(rater: dict[str, Any]) -> str:
    """The set's background, rubric and label meanings, as Markdown."""
    labels = "\n".join(f"- **{inert(label['value'])}**: {inert(label['meaning'])}" for label in rater["labels"])
    return (
        f"### {inert(rater['title'])}: round {rater['round']} of 2\n\n{inert(rater['background'])}\n\n"
        f"**Rubric.** {inert(rater['rubric'])}\n\n{labels}"
    )


def _confusion_table(result: RoundResult) -> str:
    head = "".join(f"<th>you: {esc(v)}</th>" for v in result.labels)
    body = "".join(
        f"<tr><th>expert: {esc(v)}</th>{''.join(f'<td>{n}</td>' for n in row)}</tr>"
        for v, row in zip(result.labels, result.confusion, strict=True)
    )
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


def round_html(result: RoundResult) -> str:
    """One graded round: agreement, kappa, the confusion, each disagreement with the expert's reason."""
    misses = "".join(
        f"<li><b>{esc(d['id'])}</b>: you said <b>{esc(d['yours'])}</b>, the expert <b>{esc(d['expert'])}</b>. "
        f"{esc(d['rationale'])}<br><small>{esc(d['output'])}</small></li>"
        for d in result.disagreements
    )
    return (
        f"<h4>Round {result.round}: kappa {result.kappa:.2f}, agreement {result.agreement:.0%} "
        f"({result.items} items)</h4>{_confusion_table(result)}<p>{esc(result.meaning)}</p>"
        + (f"<h5>Where you and the expert differ</h5><ul>{misses}</ul>" if misses else "<p>No disagreements.</p>")
    )


def rounds_html(outcome: DrillOutcome) -> str:
    """Every graded round, and whether agreement improved in the second."""
    parts = [round_html(r) for r in outcome.rounds]
    if len(outcome.rounds) == 2:
        first, second = outcome.rounds
        change = second.kappa - first.kappa
        word = "improved" if change > 0 else "did not improve"
        parts.insert(0, f"<h3>Agreement {word}: kappa {first.kappa:.2f} → {second.kappa:.2f} ({change:+.2f})</h3>")
    elif outcome.next_round:
        parts.append("<p><b>Round 2:</b> a fresh half of the set is below. Re-read the rubric, then label again.</p>")
    notices = "".join(f'<p class="coach-notice">{esc(n)}</p>' for n in outcome.notices)
    return f'<div class="coach-card">{notices}{"".join(parts)}</div>'


def history_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """A candidate's drills for the History tab's table."""
    return [
        [
            str(r["started"] or "")[:16],
            KIND_LABELS.get(r["kind"], r["kind"]),
            r["title"],
            r["difficulty"],
            "–" if r["score"] is None else f"{r['score']:.2f}",
            r["detail"],
        ]
        for r in rows
    ]


def drill_attempts_html(rows: list[dict[str, Any]]) -> str:
    """A drill assignment's attempts for the coach's dashboard (escaped HTML)."""
    head = "".join(f"<th>{c}</th>" for c in ("candidate", "started", "finished", "drill", "score", "result"))
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{esc(str(v))}</td>"
            for v in (
                r["candidate_name"] or "",
                (r["started"] or "")[:16],
                (r["finished"] or "")[:16] or "in progress",
                KIND_LABELS.get(r["kind"], r["kind"]),
                "–" if r["score"] is None else f"{r['score']:.2f}",
                r["detail"],
            )
        )
        + "</tr>"
        for r in rows
    )
    return f'<table class="coach-attempts"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def drill_detail_html(view: dict[str, Any]) -> str:
    """One drill attempt for the coach: who, the grades and worked solutions (escaped HTML)."""
    attempt = view["attempt"]
    head = f"<h3>{esc(attempt['candidate_name'] or 'Candidate')}: {esc(attempt['title'])}</h3>"
    if view["outcome"] is None:
        return head + f"<p>Not graded yet; entered so far: {esc(str(view['answers']))}</p>"
    outcome = DrillOutcome.model_validate(view["outcome"])
    return head + (grades_html(outcome) if attempt["kind"] == "case" else rounds_html(outcome))


def drill_assignment_intro(title: str, kind: str, role: str, domain: str | None, due: str) -> str:
    """What a candidate sees before starting a drill assignment (escaped HTML)."""
    where = f"{esc(role)}{' · ' + esc(domain) if domain else ''}"
    return (
        f"<div class='coach-card'><h3>{esc(title)}</h3><p>Drill: {esc(KIND_LABELS.get(kind, kind))} · {where} · "
        f"due {esc(due)} UTC</p><p>Enter your name (and optionally your email) and press Start assignment.</p></div>"
    )
