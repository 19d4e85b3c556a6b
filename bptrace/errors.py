"""The exceptions bptrace raises for bad input: ``SpecError`` and ``NumberError``.

It names where the problem is (file, field) and what it is, so the CLI can print it as a
single line and exit with status 2.
"""
from __future__ import annotations


class SpecError(ValueError):
    """Bad input: ``file: field: problem`` (file omitted for networks built in Python)."""

    def __init__(self, field: str, problem: str, file: str | None = None):
        self.field, self.problem, self.file = field, problem, file
        super().__init__(": ".join(part for part in (file, field, problem) if part))

    def in_file(self, file: str) -> "SpecError":
        """The same error, located in ``file``."""
        return SpecError(self.field, self.problem, file)


class NumberError(ValueError):
    """A value that is not a finite number, or out of bptrace's bounds; the message says why.

    Raised by ``model.numbers``; callers that know the field turn it into a ``SpecError``."""
