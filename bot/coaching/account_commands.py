"""`python -m bot coach ...`: the operator's commands to add, list, remove and reset coach accounts."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from bot.errors import CoachError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Settings
    from bot.storage.models import CoachAccount
    from bot.storage.store import Store

# SQLAlchemy, argon2 and the store are imported inside the functions that use them, as the rest of the CLI does,
# so registering these commands costs `python -m bot questions` (and every other command) nothing at start-up.

HF_ONLY_PREFIX = "hf:"  # the address of a coach created by Hugging Face sign-in without an email
PASSWORD_HELP = (
    "the password on the command line, for scripts only: it then shows in shell history and the process list."
    " Without it the command asks for it twice, unseen"
)
ADD_HELP = "The password is stored only as an argon2 hash; the coach signs in on the Coach tab."
LIST_HELP = (
    "Columns: email (hf:NAME for a Hugging Face account without an email), Hugging Face username, how they sign in"
    " (password, hugging face, or both), assignments owned, date created. Use --json in scripts."
)
REMOVE_HELP = (
    "Their trusted devices are deleted with them. Candidates' attempts hang on the coach's assignments and the"
    " coach's reviews on those attempts, so while the coach owns any the command refuses and exits 1; with"
    " --transfer-to OTHER_EMAIL both move to that coach in the same transaction (the reviews then show that coach"
    " as reviewer) and nothing a candidate took or was told is deleted. A coach still in COACH_ALLOWLIST is added"
    " back by their next Hugging Face sign-in; the command says so."
)
RESET_HELP = (
    "Every trusted device of the coach is signed out and must sign in again with the new password. A Hugging"
    " Face account without an email (hf:NAME) has no password sign-in and is refused."
)


@dataclass(frozen=True)
class CoachRow:
    """One coach as `coach list` shows it."""

    email: str
    username: str | None
    sign_in: str  # password | hugging face | password + hugging face | none
    assignments: int
    reviews: int
    created: str  # ISO date


@dataclass(frozen=True)
class Removal:
    """What `coach remove` did: the coach removed, and where their assignments and reviews went."""

    email: str
    assignments: int
    reviews: int
    devices: int
    transferred_to: str | None


def _sign_in_kind(coach: CoachAccount) -> str:
    """How this coach signs in: with a password, with Hugging Face, both, or (no way left) none."""
    kinds = [kind for kind, present in (("password", coach.password_hash), ("hugging face", coach.username)) if present]
    return " + ".join(kinds) or "none"


def _find(db: Session, email: str) -> CoachAccount:
    """The coach with this address (as `coach list` shows it); CoachError naming the address otherwise."""
    from sqlalchemy import select

    from bot.storage.models import CoachAccount

    address = (email or "").strip().lower()
    coach = db.scalar(select(CoachAccount).where(CoachAccount.email == address))
    if coach is None:
        raise CoachError(f"no coach with email {address!r}; `python -m bot coach list` shows every coach")
    return coach


def _owned(db: Session, coach_id: int) -> tuple[int, int]:
    """How many assignments and reviews belong to this coach."""
    from sqlalchemy import func, select

    from bot.storage.models import Assignment, Review

    assignments = db.scalar(select(func.count()).select_from(Assignment).where(Assignment.coach_id == coach_id))
    reviews = db.scalar(select(func.count()).select_from(Review).where(Review.coach_id == coach_id))
    return int(assignments or 0), int(reviews or 0)


def _sign_out_devices(db: Session, coach_id: int) -> int:
    """Delete the coach's trusted devices, so each must sign in again; returns how many there were."""
    from sqlalchemy import delete, func, select

    from bot.storage.models import CoachDevice

    count = db.scalar(select(func.count()).select_from(CoachDevice).where(CoachDevice.coach_id == coach_id))
    db.execute(delete(CoachDevice).where(CoachDevice.coach_id == coach_id))
    return int(count or 0)


def list_coaches(store: Store) -> list[CoachRow]:
    """Every coach, oldest first, with how they sign in and what they own."""
    from sqlalchemy import select

    from bot.storage.models import CoachAccount, as_utc

    with store.session() as db:
        coaches = list(db.scalars(select(CoachAccount).order_by(CoachAccount.created, CoachAccount.id)))
        return [
            CoachRow(
                coach.email,
                coach.username,
                _sign_in_kind(coach),
                *_owned(db, coach.id),
                as_utc(coach.created).date().isoformat(),
            )
            for coach in coaches
        ]


def remove_coach(store: Store, email: str, transfer_to: str | None = None) -> Removal:
    """Delete a coach and their trusted devices; one who owns assignments needs `transfer_to`, another coach.

    Candidates' attempts hang on the assignment, and a coach's reviews on attempts at their own assignments,
    so both move to `transfer_to` in the same transaction; nothing a candidate took or was told is deleted.
    """
    from sqlalchemy import update

    from bot.storage.models import Assignment, Review

    with store.session() as db:
        coach = _find(db, email)
        assignments, reviews = _owned(db, coach.id)
        heir: CoachAccount | None = None
        if transfer_to is not None:
            heir = _find(db, transfer_to)
            if heir.id == coach.id:
                raise CoachError("--transfer-to names the coach being removed; name another coach")
        elif assignments or reviews:
            raise CoachError(
                f"{coach.email} owns {assignments} assignment(s) and {reviews} review(s) that candidates' attempts"
                " and feedback hang on; move them to another coach with --transfer-to OTHER_EMAIL"
            )
        if heir is not None:
            db.execute(update(Assignment).where(Assignment.coach_id == coach.id).values(coach_id=heir.id))
            db.execute(update(Review).where(Review.coach_id == coach.id).values(coach_id=heir.id))
        devices = _sign_out_devices(db, coach.id)
        db.delete(coach)
        return Removal(coach.email, assignments, reviews, devices, heir.email if heir else None)


def reset_password(store: Store, email: str, password: str) -> int:
    """Give a coach a new password, sign out their trusted devices and forget the account's failed sign-ins.

    Returns how many devices were signed out. Forgetting the failures lets the coach sign in straight away,
    even while the account was backed off after someone else's guesses.
    """
    from sqlalchemy import delete

    from bot.coaching.accounts import MIN_PASSWORD_CHARS, PASSWORDS
    from bot.coaching.sign_in_limits import account_hash
    from bot.storage.models import SignInAttempt

    if len(password or "") < MIN_PASSWORD_CHARS:
        raise CoachError(f"choose a password of at least {MIN_PASSWORD_CHARS} characters")
    hashed = PASSWORDS.hash(password)
    with store.session() as db:
        coach = _find(db, email)
        if coach.email.startswith(HF_ONLY_PREFIX):
            raise CoachError(f"{coach.email} signs in with Hugging Face and has no email address to sign in with")
        coach.password_hash = hashed
        db.execute(delete(SignInAttempt).where(SignInAttempt.account == account_hash(coach.email)))
        return _sign_out_devices(db, coach.id)


def _ask_password(prompt: str) -> str:
    """A password typed twice at the terminal; CoachError when the two differ."""
    from getpass import getpass

    password = getpass(prompt)
    if getpass("Repeat the password: ") != password:
        raise CoachError("the two passwords differ; run the command again")
    return password


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.coaching.accounts import coach_add_command

    return coach_add_command(args.email, args.password)


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.store import make_store

    rows = list_coaches(make_store(settings))
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(
            f"{row.email:32} {row.username or '-':20} {row.sign_in:24} "
            f"{row.assignments:3d} assignment(s)  created {row.created}"
        )
    print(f"{len(rows)} coach(es)")
    return 0


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.store import make_store

    done = remove_coach(make_store(settings), args.email, args.transfer_to)
    moved = f"; {done.assignments} assignment(s) and {done.reviews} review(s) moved to {done.transferred_to}"
    print(f"removed coach {done.email}{moved if done.transferred_to else ''}")
    allowed = {entry.strip().lower() for entry in settings.coach_allowlist}
    if done.email in allowed or done.email.removeprefix(HF_ONLY_PREFIX) in allowed:
        print(f"note: {done.email} is still in COACH_ALLOWLIST; a Hugging Face sign-in would add them back")
    return 0


def _cmd_reset_password(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.store import make_store

    store = make_store(settings)
    with store.session() as db:
        _find(db, args.email)  # an unknown address fails before anyone types a password
    password = args.password if args.password is not None else _ask_password("New password for the coach: ")
    devices = reset_password(store, args.email, password)
    print(f"new password set for {args.email.strip().lower()}; {devices} trusted device(s) must sign in again")
    return 0


def add_coach_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `coach add|list|remove|reset-password` on the top-level subcommands."""
    p = sub.add_parser("coach", help="manage coach accounts: add, list, remove, reset-password")
    coach_sub = p.add_subparsers(dest="coach_command", required=True)

    add = _command(coach_sub, "add", "create a coach account that signs in with email and password", ADD_HELP)
    add.add_argument("email")
    add.add_argument("--password", help=PASSWORD_HELP)
    add.set_defaults(handler=_cmd_add)

    listing = _command(coach_sub, "list", "one line per coach", LIST_HELP)
    listing.add_argument("--json", action="store_true", help="a JSON array for scripts, with reviews owned too")
    listing.set_defaults(handler=_cmd_list)

    remove = _command(coach_sub, "remove", "delete a coach (refused while they own assignments)", REMOVE_HELP)
    remove.add_argument("email", help="the address as `coach list` shows it")
    remove.add_argument(
        "--transfer-to",
        metavar="OTHER_EMAIL",
        help="move the coach's assignments, with every candidate attempt, and their reviews to this coach first",
    )
    remove.set_defaults(handler=_cmd_remove)

    reset = _command(coach_sub, "reset-password", "set a new password and sign out trusted devices", RESET_HELP)
    reset.add_argument("email")
    reset.add_argument("--password", help=PASSWORD_HELP)
    reset.set_defaults(handler=_cmd_reset_password)


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str, description: str
) -> argparse.ArgumentParser:
    """A `coach` subcommand: `summary` in `coach --help`, `description` in its own `--help`."""
    return sub.add_parser(name, help=summary, description=f"{summary}. {description}")
