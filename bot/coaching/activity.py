"""A cheap stamp of what a coach's dashboard shows: it changes when anything shown changes, so a refresh can skip.

A handful of aggregate queries (counts and highest ids, on indexed columns), not the dashboard itself: a signed-in
coach's page asks every few seconds, and most of the time nothing happened.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.storage.models import Assignment, CoachAccount, DrillAttempt, InterviewSession, Review, Turn
from bot.storage.store import Store

Stamp = tuple[object, ...]


def dashboard_stamp(store: Store, coach: CoachAccount, assignment_id: int | None) -> Stamp:
    """What changes when the coach's assignment list, attempt counts or the picked assignment's board would.

    The list: how many assignments and attempts the coach has. The picked assignment: its sessions and how many
    ended, its turns and how many are graded, its reviews, and its drills' progress.
    """
    mine = select(Assignment.id).where(Assignment.coach_id == coach.id).scalar_subquery()
    with store.session() as db:
        listed = db.execute(select(func.count(), func.max(Assignment.id)).where(Assignment.coach_id == coach.id)).one()
        interviews = db.scalar(
            select(func.count()).select_from(InterviewSession).where(InterviewSession.assignment_id.in_(mine))
        )
        drills = db.scalar(select(func.count()).select_from(DrillAttempt).where(DrillAttempt.assignment_id.in_(mine)))
        stamp: Stamp = (*listed, interviews, drills)
        if not assignment_id:
            return stamp
        picked = select(InterviewSession.id).where(InterviewSession.assignment_id == int(assignment_id))
        sessions = db.execute(
            select(func.count(), func.count(InterviewSession.finished)).where(
                InterviewSession.assignment_id == int(assignment_id)
            )
        ).one()
        turns = db.execute(
            select(func.count(), func.max(Turn.id), func.count(Turn.critique)).where(Turn.session_id.in_(picked))
        ).one()
        reviews = db.scalar(
            select(func.max(Review.id)).join(Turn, Review.turn_id == Turn.id).where(Turn.session_id.in_(picked))
        )
        drill_progress = db.execute(
            select(
                func.count(DrillAttempt.finished), func.sum(DrillAttempt.round), func.count(DrillAttempt.score)
            ).where(DrillAttempt.assignment_id == int(assignment_id))
        ).one()
    return (*stamp, int(assignment_id), *sessions, *turns, reviews, *drill_progress)
