"""API plumbing shared by every endpoint: errors are JSON with a clear message, described
once for the schema (``ErrorOut``, ``error_responses``)."""

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vsm_site.domain_errors import DomainError, Invalid


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


class ErrorOut(serializers.Serializer):
    """The body of every error answer (vsm_site.api.exception_handler and the JSON 404 of
    vsm_site.errors): a message; for invalid input also the field concerned and the details
    per field or row."""

    detail = serializers.CharField()
    field = serializers.CharField(required=False)
    errors = serializers.JSONField(required=False)


def error_responses(*codes):
    """``responses`` entries for the error statuses an operation answers with: 401 for every
    operation (no or a bad token), the others as the operation can fail."""
    return dict.fromkeys(codes, ErrorOut)
