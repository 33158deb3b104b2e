"""Errors raised by services, with a message meant for the person who asked. The API turns them
into JSON with the status below (vsm_site/api.py); pages show the message
(vsm_site/http.py, ``reported``)."""


class DomainError(Exception):
    status = 400

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The input is wrong: a level outside 1-5, an unknown question, a malformed file."""

    status = 400

    def __init__(self, message, *, field=None, errors=None):
        super().__init__(message, field=field)
        self.errors = errors or []


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request is valid but the current state forbids it: a closed assessment, a response
    already submitted, an assessment that already exists."""

    status = 409


def forbid_if_not_allowed(exc):
    """In a page view: a NotAllowed error is a 403 (the friendly page), not a message on a
    redirect, so that a forbidden write answers as forbidden everywhere. Views use it through
    ``vsm_site.http.reported`` (or ``raise_for_page``), which also shows the other errors."""
    if isinstance(exc, NotAllowed):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(exc.message) from None
