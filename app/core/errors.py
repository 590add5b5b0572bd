"""Errors the core raises; the CLI and GUI turn them into one clear message."""

from __future__ import annotations

from pathlib import Path


class CirrusError(Exception):
    """Base of every error Cirrus reports to a user.

    ``kind`` is a short machine-readable word; ``bad_input`` errors exit with status 2.
    """

    kind = "error"
    exit_code = 1


class BadInputError(CirrusError):
    """A file or argument the user gave is not acceptable; nothing was written."""

    kind = "bad_input"
    exit_code = 2


class DeckParseError(BadInputError):
    """A deck file that cannot be read, with the file and line of the problem."""

    kind = "deck_parse"

    def __init__(self, path: Path | str | None, line: int, message: str) -> None:
        self.path = str(path) if path is not None else "<text>"
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


class ImportCancelled(CirrusError):
    """The learner cancelled an import; nothing was written."""

    kind = "cancelled"
