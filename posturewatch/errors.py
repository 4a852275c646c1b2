"""Expected failures: the CLI prints them as one line and exits non-zero, no traceback."""

from __future__ import annotations


class PostureWatchError(Exception):
    """A problem the user can fix. ``str()`` is the whole one-line message, fix included."""

    exit_code = 2

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} — {fix}" if fix else problem)


class ConfigError(PostureWatchError):
    exit_code = 3


class ModelError(PostureWatchError):
    exit_code = 4


class Interrupted(PostureWatchError):
    """Ctrl-C during work that cleaned up after itself: one line, and the shell's usual
    status for an interrupt."""

    exit_code = 130  # 128 + SIGINT


class SourceError(PostureWatchError):
    exit_code = 5
