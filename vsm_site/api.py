"""API plumbing shared by every endpoint: errors are JSON with a clear message, described
once for the schema (``ErrorOut``, ``error_responses``); request bodies and queries are
described and checked in one place (``RequestSerializer``, ``ServiceChecked``)."""

from collections.abc import Mapping

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.fields import empty
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vsm_site import jsonbody
from vsm_site.domain_errors import DomainError, Invalid


class BoundedJSONParser(JSONParser):
    """The API's JSON: nesting bounded (``vsm_site.jsonbody``), so that a deep body is a 400
    saying so, never a RecursionError (500) here or further on."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return jsonbody.loads(stream.read().decode(encoding), parse_constant=_no_constant)
        except jsonbody.TooDeep as exc:
            raise ParseError(f"The body is refused: {exc}.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def _no_constant(name):
    raise ValueError(f"{name} is not valid JSON")


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
    # Validation errors: keep the per-field messages and add one summary line and the field
    # it is about, as a JSON path like a DomainError's (``stages[1].name``).
    response.data = {"detail": _summarise(data)}
    field = _first_path(data)
    if field:
        response.data["field"] = field
    response.data["errors"] = data
    return response


def _summarise(errors, prefix=""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            # Positions in a list (int keys) are left to ``field``, as in a list of objects.
            label = key if key != "non_field_errors" and not isinstance(key, int) else ""
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


def _first_path(errors, path=""):
    """The JSON path of the error ``_summarise`` reports: object keys joined with dots, list
    positions (0-based) in brackets; "" for an error about the whole body."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "non_field_errors":
                step = path
            elif isinstance(key, int):
                step = f"{path}[{key}]"
            else:
                step = f"{path}.{key}" if path else str(key)
            found = _first_path(value, step)
            if found is not None:
                return found
    elif isinstance(errors, list):
        if any(isinstance(item, str) and item for item in errors):
            return path  # the messages of one field
        for index, item in enumerate(errors):  # one entry per item of a list of objects
            found = _first_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    elif errors:
        return path
    return None


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


# --- request bodies and queries -----------------------------------------------------------


# A request body (or query) whose OpenAPI schema and whose check are one thing.
#
# The fields are what the schema shows; their limits are the constants of the rule that
# enforces them (``MAX_PEOPLE``, ``MAX_COMMENT``...), never numbers written again. Validation
# runs, in this order:
#
# 1. the input must be an object (else ``Invalid(not_an_object)``);
# 2. no key the fields do not name (``Invalid(unknown)``, ``{names}`` the sorted keys;
#    ``unknown = None`` leaves unknown keys to ``check``, or ignores them);
# 3. ``check(data)``: the domain's own validator on the input as sent. It raises ``Invalid``
#    with the domain's message and field, and returns the cleaned input;
# 4. the declared fields on what ``check`` returned, as DRF validates them: whatever a rule
#    accepts must also fit the schema, so the API never takes what its schema refuses. (This
#    refuses only if a rule and a declaration drift apart; the answer is then DRF's message,
#    with ``field``.)
#
# A field whose rule belongs to the service the view calls afterwards (because the pages rely
# on it, and it runs after that service's permission check) is a ``ServiceChecked``.
# tests/test_api_validation.py sends every declared limit, and one past it, to its endpoint.
# (Comments, not a docstring: drf-spectacular would show a docstring in every subclass's
# schema.)
class RequestSerializer(serializers.Serializer):
    not_an_object = "The body must be a JSON object."
    unknown = "Unknown field(s): {names}."
    allowed_extra = frozenset()  # keys refused by no one, e.g. DRF's ``format`` in a query

    def check(self, data):
        """The domain's validator: raise ``Invalid``, return the cleaned input."""
        return data

    def run_validation(self, data=empty):
        if data is empty or (data is None and self.allow_null):
            return super().run_validation(data)
        if not isinstance(data, Mapping):
            raise Invalid(self.not_an_object, field=self.field_name or None)
        if self.unknown is not None:
            extra = sorted(
                str(key) for key in data if key not in self.fields and key not in self.allowed_extra
            )
            if extra:
                raise Invalid(self.unknown.format(names=", ".join(extra)), field=extra[0])
        return super().run_validation(self.check(data))

    @classmethod
    def validated(cls, data):
        """``data`` checked: the validated data, or the exception the handler answers with."""
        serializer = cls(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ServiceChecked(serializers.Field):
    """A value the view hands on as sent to the service that checks it, because the pages
    call that service too and the check belongs after its permission check (the level of an
    answer, a comment's length). ``like`` declares it, with the service's own constants: the
    schema shows ``like``; nothing is checked here."""

    def __init__(self, like, **kwargs):
        self.like = like
        kwargs.setdefault("required", like.required)
        kwargs.setdefault("allow_null", like.allow_null)
        if like.help_text:
            kwargs.setdefault("help_text", like.help_text)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class ServiceCheckedScheme(OpenApiSerializerFieldExtension):
    target_class = ServiceChecked

    def map_serializer_field(self, auto_schema, direction):
        like = self.target.like
        schema = auto_schema._map_serializer_field(like, direction)
        auto_schema._insert_field_validators(like, schema)
        return schema
