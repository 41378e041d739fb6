"""Coaching: coach accounts, assignments, attempts (an interview started from an assignment), reviews, exports."""
