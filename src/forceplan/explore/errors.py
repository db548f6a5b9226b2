"""Errors of the exploration stage, each saying where the problem is and why."""

from __future__ import annotations


class ExploreError(Exception):
    """Bad input to an exploration (a name, a setting, a result directory): nothing was run.

    ``location`` names the option, file or field; ``str(err)`` is the full sentence.
    """

    def __init__(self, location: str, message: str) -> None:
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}" if location else message)


class ExploreInterrupted(Exception):
    """A run stopped before the end (a worker died, or Ctrl-C); finished chunks are kept."""
