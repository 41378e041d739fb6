"""`python -m bot ...` commands: parse arguments, call the domain modules, print results."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.coaching.account_commands import add_coach_commands
from bot.config import Settings, get_settings
from bot.content.vocabulary import BACKGROUNDS, DOMAINS, ROLES
from bot.errors import CoachError


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.retrieval.index import ingest

    for line in ingest(settings, rebuild=args.rebuild).lines():
        print(line)
    return 0


def _cmd_retrieve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.retrieval.search import retrieve

    hits = retrieve(settings, args.query, k=args.k, role=args.role, topic=args.topic)
    if args.json:
        print(json.dumps([hit.as_dict() for hit in hits], indent=2, ensure_ascii=False))
        return 0
    for n, hit in enumerate(hits, 1):
        print(f"{n}. [{hit.topic}] {hit.heading}  ({hit.source}, score {hit.score:.4f})")
        print("   " + hit.text.replace("\n", " ")[:300])
    return 0


def _cmd_critique(args: argparse.Namespace, settings: Settings) -> int:
    answer = sys.stdin.read()
    if not answer.strip():
        print("error: the answer on standard input is empty; pipe in the candidate's answer", file=sys.stderr)
        return 2
    if not args.question.strip():
        print("error: --question is empty", file=sys.stderr)
        return 2
    from bot.critic.critic import critique

    result = critique(args.question, answer, args.role, args.domain)
    if args.json:
        print(json.dumps(result.model_dump(), indent=2, ensure_ascii=False))
        return 0
    if result.overall is None:
        print("no score: " + " ".join(result.notices))
        return 0
    print(f"overall {result.overall}/5  ({result.source})")
    for dim, score in result.dimensions.items():
        print(f"  {dim:17} {score}")
    for title, items in (
        ("strengths", result.strengths),
        ("gaps", result.gaps),
        ("next level", list(result.next_level.values())),
        ("notices", result.notices),
        ("stronger answer", result.stronger_answer),
    ):
        if items:
            print(f"{title}:")
            print("\n".join(f"  - {item}" for item in items))
    print(f"follow-up: {result.follow_up}")
    return 0


if TYPE_CHECKING:
    from bot.critic.calibration import Grader, Labelled


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.critic.calibration import FIT_SPLITS, HELD_OUT, figures, load_labelled, write_figures

    items = load_labelled(settings.calibration_dir)
    if args.fit:
        from bot.critic.fitting import coach_overrides, fit

        extra = coach_overrides(settings) if args.with_overrides else []
        fit(settings, [*items, *extra])
        print(
            f"fitted the critic on {sum(i.split in FIT_SPLITS for i in items)} answers and {len(extra)} coach overrides"
        )
    splits = sorted({i.split for i in items})
    split = args.split or (HELD_OUT if HELD_OUT in splits else "test")
    if split not in splits:
        raise CoachError(f"no calibration answers in split {split!r}; choose one of {', '.join(splits)}")
    report = figures(settings, items, split, grader=_eval_grader(args.critic, settings))
    report["critic"] = args.critic
    if args.write and args.critic == "offline":
        write_figures(settings, _published(settings, items, report))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.critic} critic vs hand grades, {report['split']} split ({report['answers']} answers)")
    for key, value in report.items():
        if key not in ("split", "answers", "critic"):
            print(f"  {key:26} {value}")
    return 0


def _eval_grader(kind: str, settings: Settings) -> Grader | None:
    """The critic to measure: the offline one, or the configured LLM critic exactly as the app runs it."""
    if kind == "offline":
        return None
    from bot.critic.critic import Critic
    from bot.llm.chat import LLM, make_chat_model

    model = make_chat_model(settings)
    if model is None:
        raise CoachError("no LLM is configured; set COACH_LLM and its key (see README) or use --critic offline")
    critic = Critic(settings, LLM(model, settings))
    return lambda target, answer: critic(target, answer)


def _published(settings: Settings, items: list[Labelled], held_out: dict[str, object]) -> dict[str, object]:
    """The figures the README and the app show: the held-out split, plus the in-style test split."""
    from bot.critic.calibration import figures

    splits = {i.split for i in items}
    out = dict(held_out)
    if "test" in splits and held_out["split"] != "test":
        out["in_style"] = figures(settings, items, "test")
    return out


def _cmd_questions(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content.questions import load_bank

    questions = load_bank(settings.questions_dir).filter(args.role, args.domain)
    if args.json:
        print(json.dumps([q.summary() for q in questions], indent=2, ensure_ascii=False))
        return 0
    for q in questions:
        print(f"{q.id:8} {q.role:10} {q.domain or '-':10} d{q.difficulty}  {', '.join(q.skills)}")
        print(f"         {q.text.strip()[:160]}")
    print(f"{len(questions)} questions")
    return 0


def _read_answer() -> str | None:
    """A multi-line answer from the terminal; a blank line submits, end of input returns None."""
    lines: list[str] = []
    while True:
        try:
            line = input("> " if not lines else "  ")
        except EOFError:
            return "\n".join(lines) if lines else None
        if not line.strip() and lines:
            return "\n".join(lines)
        if line.strip():
            lines.append(line)


def _cmd_practice(args: argparse.Namespace, settings: Settings) -> int:
    from bot.interview.service import InterviewService

    scripted: list[str] | None = None
    if args.answers:
        try:
            scripted = json.loads(Path(args.answers).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CoachError(f"--answers {args.answers}: cannot read a JSON array of strings ({exc})") from exc
        if not isinstance(scripted, list) or not all(isinstance(a, str) for a in scripted):
            raise CoachError(f"--answers {args.answers}: expected a JSON array of strings")
    service = InterviewService(settings)
    result = service.start(args.role, args.domain, args.background, args.questions, args.difficulty)
    turns: list[dict[str, object]] = []
    show = not args.json
    while not result.done:
        if show:
            for message in result.messages:
                print(f"\n{message.content}\n")
            if result.notices:
                print("\n".join(f"  ! {n}" for n in result.notices))
        answer = (scripted.pop(0) if scripted else None) if scripted is not None else _read_answer()
        if answer is None:
            result = service.end(result.session_id)
            break
        asked = result.prompt
        result = service.submit(result.session_id, answer)
        if result.critique is not None:
            follow = next((m.content for m in result.messages if m.kind == "follow_up"), None)
            critique = result.critique.model_dump()
            turns.append({"question": asked, "answer": answer, "critique": critique, "follow_up": follow})
    final = result.summary or service.view(result.session_id).summary
    summary = final.model_dump() if final is not None else None
    if args.json:
        print(
            json.dumps(
                {
                    "role": args.role,
                    "domain": args.domain,
                    "session_id": result.session_id,
                    "turns": turns,
                    "summary": summary,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print("\n" + str((summary or {}).get("text", "")))
        if (summary or {}).get("guides"):
            print("\nRead next: " + ", ".join(str(topic) for topic in summary["guides"]))  # type: ignore[index]
    return 0


def _read_json_object(path: str) -> dict[str, object]:
    """A JSON object from a file; CoachError naming the file otherwise."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CoachError(f"--answers {path}: cannot read a JSON object ({exc})") from exc
    if not isinstance(data, dict):
        raise CoachError(f"--answers {path}: expected a JSON object of part (or item) id to answer")
    return data


def _print_drill(view: dict[str, object]) -> None:
    """The drill in plain text: the case's parts, or the round's items."""
    print(f"drill {view['drill_id']} ({view['kind']}, seed {view['seed']}, difficulty {view['difficulty']})")
    case, rater = view.get("case"), view.get("rater")
    if isinstance(case, dict):
        print(f"{case['question']}\n{case['product']}")
        keys = ("tp", "fp", "fn", "tn") if case["format"] == "confusion" else ("passed", "failed")
        for s in case["slices"]:
            counts = [" ".join(f"{k} {s[m][k]}" for k in keys) for m in ("baseline", "candidate")]
            paired = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["paired"].items())
            print(f"  {s['name']}: baseline {counts[0]} | candidate {counts[1]} | paired: {paired}")
        print(f"  error costs {case['costs']}; latency ms {case['latency_ms']}; cost per 1,000 {case['serving_cost']}")
        if case.get("judge"):
            print(f"  LLM judge vs humans on the candidate's outputs: {case['judge']}")
        for part in case["parts"]:
            print(f"  {part['id']:20} {part['prompt']} {part.get('tolerance', '')}")
    if isinstance(rater, dict):
        print(f"{rater['title']}, round {rater['round']}: labels {', '.join(lb['value'] for lb in rater['labels'])}")
        for item in rater["items"]:
            print(f"  {item['id']:8} {item['input'][:70]} -> {item['output'][:70]}")


def _print_outcome(outcome: dict[str, object]) -> None:
    errors, grades, rounds = outcome.get("errors"), outcome.get("grades"), outcome.get("rounds")
    if isinstance(errors, dict):
        for key, message in errors.items():
            print(f"  ! {key}: {message}")
    for grade in grades if isinstance(grades, list) else []:
        mark = "ok " if grade["correct"] else "no "
        print(f"  {mark}{grade['part']:20} {grade['points']}/{grade['max_points']}  expected {grade['expected']}")
        print(f"       {grade['solution']}")
    for graded in rounds if isinstance(rounds, list) else []:
        print(f"  round {graded['round']}: kappa {graded['kappa']:.3f}, agreement {graded['agreement']:.0%}")
    if outcome.get("score") is not None:
        print(f"score {outcome['score']}")


def _cmd_drill(args: argparse.Namespace, settings: Settings) -> int:
    from bot.drills.service import DrillService

    drills = DrillService(settings)
    answers = _read_json_object(args.answers) if args.answers else None
    if args.drill:
        view = drills.view(args.drill)
    else:
        view = drills.start(
            args.kind, args.role, args.domain, args.seed, args.difficulty, candidate="cli", rater_set=args.set
        )
    shown = view.model_dump(exclude={"outcome", "answers"})
    outcomes = []
    if answers is not None:
        outcome = drills.submit(view.drill_id, answers)
        outcomes.append(outcome.model_dump())
        second = {item["id"] for item in (outcome.next_round or {}).get("items", [])}
        if second & set(answers):  # round 2's labels are in the same file
            outcomes.append(drills.submit(view.drill_id, answers).model_dump())
    if args.json:
        print(json.dumps({"drill": shown, "outcomes": outcomes}, indent=2, ensure_ascii=False))
    else:
        _print_drill(shown)
        for outcome_ in outcomes:
            _print_outcome(outcome_)
    return 0 if not outcomes or outcomes[-1]["complete"] else 2


def _cmd_prune(args: argparse.Namespace, settings: Settings) -> int:
    from bot.interview.service import InterviewService

    days = settings.checkpoint_retention_days if args.days is None else args.days
    pruned = InterviewService(settings).prune_checkpoints(days)
    print(f"pruned the checkpoints of {pruned} interview(s) that ended over {days:g} day(s) ago")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="AI PM interview coach")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index knowledge/guides into Chroma (idempotent)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it from scratch")
    p.set_defaults(handler=_cmd_ingest)

    p = sub.add_parser("prune", help="delete checkpoints of ended interviews (they reopen from their archive)")
    p.add_argument("--days", type=float, help="ended over this many days ago (default CHECKPOINT_RETENTION_DAYS)")
    p.set_defaults(handler=_cmd_prune)

    p = sub.add_parser("retrieve", help="search the guides")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=3)
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--topic")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_retrieve)
    p = sub.add_parser("questions", help="list the question bank")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--domain", choices=DOMAINS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_questions)

    p = sub.add_parser("practice", help="a mock interview in the terminal")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--domain", choices=DOMAINS)
    p.add_argument("--background", choices=BACKGROUNDS, default="pm")
    p.add_argument("--questions", type=int, default=3)
    p.add_argument("--difficulty", type=int, default=2, choices=(1, 2, 3))
    p.add_argument("--answers", help="JSON array of answers, one per turn (non-interactive)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_practice)

    p = sub.add_parser("drill", help="a launch-decision case or a be-the-rater round, graded exactly")
    p.add_argument("kind", choices=("case", "rate"))
    p.add_argument("--role", choices=ROLES, default="feature")
    p.add_argument("--domain", choices=DOMAINS)
    p.add_argument("--seed", help="the same seed gives the same drill (default: random)")
    p.add_argument("--difficulty", type=int, default=2, choices=(1, 2, 3))
    p.add_argument("--set", help="a rater set by id (rate only; default: one for the role, by seed)")
    p.add_argument("--drill", help="answer an existing drill by id instead of starting one")
    p.add_argument("--answers", help="JSON object of part id (or item id) to answer; graded when complete")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_drill)

    add_coach_commands(sub)  # add, list, remove, reset-password

    p = sub.add_parser("critique", help="critique an answer read from standard input")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--domain", choices=DOMAINS)
    p.add_argument("--question", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_critique)

    p = sub.add_parser("eval", help="measure the offline critic against the hand-graded calibration set")
    p.add_argument(
        "--split",
        default=None,
        help="gen-holdout2 (default: held out by question and writer), gen-holdout (held out before it), gen-train, "
        "gen-train2, test (in-style), train, agentic",
    )
    p.add_argument("--critic", choices=("offline", "llm"), default="offline", help="which critic to measure")
    p.add_argument("--fit", action="store_true", help="refit the offline critic on the fitting splits first")
    p.add_argument("--with-overrides", action="store_true", help="with --fit: add coaches' score overrides")
    p.add_argument("--write", action="store_true", help="save the held-out figures shown in the app and README")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user errors print one line on stderr, never a traceback."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args, get_settings()))
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a last line of defence: one line, never a traceback
        logging.getLogger("bot").debug("unexpected error", exc_info=True)
        print(
            f"error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
