"""Errors that stop a command. Per-file problems are values (`ScanError`), not exceptions."""

from __future__ import annotations


class StockadeError(Exception):
    """Base class for errors the CLI turns into a message and exit code 2."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """What went wrong and what to do about it, for a person."""
        if self.hint:
            return f"{self.message}\n{self.hint}"
        return self.message


class ConfigError(StockadeError):
    """The configuration file or a command-line option is invalid."""


class UsageError(StockadeError):
    """The command was called in a way that cannot work."""
