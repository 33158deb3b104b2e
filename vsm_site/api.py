"""API plumbing shared by every endpoint: errors are JSON with a clear message."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from assessments.errors import DomainError, Invalid


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        data = {"detail": exc.message}
        if exc.field:
            data["field"] = exc.field
        if isinstance(exc, Invalid) and exc.errors:
            data["errors"] = exc.errors
        return Response(data, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        return response
    # Validation errors: keep the per-field messages and add one summary line.
    response.data = {"detail": _summarise(data), "errors": data}
    return response


def _summarise(errors, prefix=""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            label = key if key != "non_field_errors" else ""
            found = _summarise(value, f"{prefix}{label}: " if label else prefix)
            if found:
                return found
    elif isinstance(errors, list):
        for item in errors:
            found = _summarise(item, prefix)
            if found:
                return found
    elif errors:
        return f"{prefix}{errors}"
    return ""
