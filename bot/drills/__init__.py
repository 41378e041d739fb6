"""Exact-graded drills: launch-decision data cases and "be the rater" calibration."""
