"""One exception hierarchy for business rules; translated to HTTP in one place (lianxin.core.api)."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule was broken. `code` is stable English for machines, `message` is for people.

    Messages are translated where they are raised (`gettext`, in the language of the request) and
    kept as plain str, so a lazy translation never reaches a JSON encoder, a log or a later request.
    """

    status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        message = str(message)
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = {name: [str(m) for m in errors] for name, errors in (fields or {}).items()}


class ValidationFailed(ApplicationError):
    status = 400
    default_code = "invalid"


class PermissionDenied(ApplicationError):
    status = 403
    default_code = "forbidden"


class NotFound(ApplicationError):
    status = 404
    default_code = "not_found"


class Conflict(ApplicationError):
    """The action does not fit the current state (or someone else acted first)."""

    status = 409
    default_code = "conflict"
