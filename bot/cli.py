"""`python -m bot ...` commands: parse arguments, call the domain modules, print results."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from bot.config import DOMAINS, ROLES, Settings, get_settings
from bot.errors import CoachError

Handler = Callable[[argparse.Namespace, Settings], int]


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge import ingest

    for line in ingest(settings, rebuild=args.rebuild).lines():
        print(line)
    return 0


def _cmd_retrieve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge import retrieve

    hits = retrieve(settings, args.query, k=args.k, role=args.role, topic=args.topic)
    if args.json:
        print(json.dumps([hit.as_dict() for hit in hits], indent=2, ensure_ascii=False))
        return 0
    for n, hit in enumerate(hits, 1):
        print(f"{n}. [{hit.topic}] {hit.heading}  ({hit.source}, score {hit.score:.4f})")
        print("   " + hit.text.replace("\n", " ")[:300])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="AI PM interview coach")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index knowledge/guides into Chroma (idempotent)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it from scratch")
    p.set_defaults(handler=_cmd_ingest)

    p = sub.add_parser("retrieve", help="search the guides")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=3)
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--topic")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_retrieve)
    _ = DOMAINS
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
        print(f"error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
