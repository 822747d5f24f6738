"""The one error intel raises on purpose: bad input a person can fix (file, column, model).

Anything else escaping intel is a bug. Callers at the edges (commands, the Django adapter) catch
`IntelError` and show its message; intake goes on without intel when it is raised.
"""

from __future__ import annotations


class IntelError(Exception):
    """Input intel cannot use. `code` is stable English for machines, `message` is for people (in
    English: intel knows no languages); `problem` names the precise problem where callers may want to
    say it in their own words (what is wrong with a model file: `empty`, `missing`, `unreadable`,
    `foreign`, `truncated`, `metadata`, `not_classifier`, `newer`, `checksum`, `unpickle`; training:
    `few_categories`)."""

    def __init__(self, message: str, *, code: str = "intel_error", problem: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.problem = problem

    def __str__(self) -> str:
        return self.message
