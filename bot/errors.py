"""The one exception type that reaches users as a single line: what went wrong and the remedy."""


class CoachError(Exception):
    """A problem the user can fix; its message names the file or setting and the remedy."""
