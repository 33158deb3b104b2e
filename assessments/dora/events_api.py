"""REST API through which teams send deployment and incident events, as JSON or CSV. Thin:
authenticate, ask permissions, hand the body to ``ingest``.

Besides sessions and user tokens these endpoints accept a team's API token with the scope
``events`` (``Authorization: Bearer vsmt_...``): a CI/CD pipeline sends events with it. What
each scope may call is decided in ``token_auth``; the only other view that lists
``TeamTokenAuthentication`` is the team's DORA metrics (``api.TeamDoraView``, scope
``metrics``).
"""

import io

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException, ParseError, PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.dora import ingest
from assessments.dora.token_auth import (
    EVENTS,
    TeamTokenAuthentication,
    TeamTokenScope,
    request_team,
    scope_extension,
    scope_note,
    team_token_of,
)
from assessments.models import Deployment
from vsm_site import jsonbody
from vsm_site.domain_errors import Invalid

# --- parsers ----------------------------------------------------------------------------------


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class EventsJSONParser(BaseParser):
    """JSON, up to DATA_UPLOAD_MAX_MEMORY_SIZE: a JSON body is parsed whole, in memory. Not a
    JSONParser subclass: DRF reads ``request.body`` for those, and Django's own refusal of a
    large body would be a bare 400 instead of this 413 telling the caller what to do."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise PayloadTooLarge(
                    f"The JSON body is {length} bytes; a JSON body may be at most {limit} bytes. "
                    "Send large batches as CSV (Content-Type: text/csv), which is streamed, or "
                    "split them into smaller JSON batches."
                )
        try:
            return jsonbody.loads(stream.read(), parse_constant=_refuse_constant)
        except jsonbody.TooDeep as exc:
            raise ParseError(f"The body is refused: {exc}.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class CsvBody:
    """The unread request body. (No ``data``/``files`` attributes: DRF would unpack them.)"""

    __slots__ = ("stream",)

    def __init__(self, stream):
        self.stream = stream


class CsvStreamParser(BaseParser):
    """Hands the body on unread so that ingest streams it line by line. Reading the request
    stream directly, rather than ``request.body``, is also what keeps Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE from refusing a large file."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return CsvBody(stream)


# --- views ------------------------------------------------------------------------------------


# The rows of a batch are checked by ``ingest`` (the one place: the team DORA page's CSV upload
# goes through it too, and its errors name the line of each problem). These serializers are
# its schema, with its limits: ``ingest.MAX_ID_LENGTH``, ``ingest.MAX_CHANGES`` and the columns
# its texts are stored in. tests/test_api_validation.py sends each limit and one past it.


def _column_length(model, name):
    return model._meta.get_field(name).max_length


class EventChangeIn(serializers.Serializer):
    id = serializers.CharField(max_length=ingest.MAX_ID_LENGTH)
    first_commit_at = serializers.DateTimeField(help_text="ISO 8601 with an offset or Z.")
    title = serializers.CharField(
        max_length=ingest.MAX_TITLE_LENGTH,
        required=False,
        help_text="A title starting with 'Revert \"' marks the deployment as a rollback.",
    )


class DeploymentEventIn(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=ingest.MAX_ID_LENGTH, help_text="Unique per team."
    )
    service = serializers.CharField(
        max_length=_column_length(Deployment, "service"), required=False, default=""
    )
    environment = serializers.CharField(
        max_length=_column_length(Deployment, "environment"), required=False, default="production"
    )
    finished_at = serializers.DateTimeField(help_text="ISO 8601 with an offset or Z.")
    succeeded = serializers.BooleanField(required=False, default=True)
    rolled_back = serializers.BooleanField(required=False, default=False)
    hotfix = serializers.BooleanField(required=False, default=False)
    caused_failure = serializers.BooleanField(required=False, default=False)
    unplanned_fix = serializers.BooleanField(required=False, default=False)
    changes = serializers.ListField(
        child=EventChangeIn(), required=False, max_length=ingest.MAX_CHANGES
    )
    fixes = serializers.CharField(
        max_length=ingest.MAX_ID_LENGTH,
        required=False,
        default="",
        help_text="The external_id of the deployment this one fixes or rolls back.",
    )
    planned = serializers.BooleanField(
        required=False, help_text="Default: false when `fixes` is given, else true."
    )
    version = serializers.CharField(
        max_length=ingest.MAX_ID_LENGTH,
        required=False,
        default="",
        help_text="The sha or version deployed; an earlier version again is a rollback.",
    )


class IncidentEventIn(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=ingest.MAX_ID_LENGTH, help_text="Unique per team."
    )
    started_at = serializers.DateTimeField(help_text="ISO 8601 with an offset or Z.")
    resolved_at = serializers.DateTimeField(required=False, allow_null=True)
    deployment_external_id = serializers.CharField(
        max_length=ingest.MAX_ID_LENGTH,
        required=False,
        default="",
        help_text="The deployment that caused it.",
    )
    service = serializers.CharField(
        max_length=_column_length(Deployment, "service"), required=False, default=""
    )
    description = serializers.CharField(
        max_length=ingest.MAX_DESCRIPTION_LENGTH,
        required=False,
        default="",
        help_text="A line 'root cause: <sha or deployment id>' links the incident.",
    )


class EventRowError(serializers.Serializer):
    line = serializers.IntegerField(
        help_text="CSV: the line the row starts on (the header is line 1). JSON: the row's "
        "1-based position in the list."
    )
    external_id = serializers.CharField(allow_null=True)
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class EventIngestReport(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = EventRowError(many=True)


class EventIngestRejected(EventIngestReport):
    detail = serializers.CharField()


DETAIL_ONLY = inline_serializer("EventDetail", fields={"detail": serializers.CharField()})
INGEST_DESCRIPTION = """Create or update the team's {kind}, idempotently on `external_id`.
Send a JSON list (or `{{"{kind}": [...]}}`, at most DATA_UPLOAD_MAX_MEMORY_SIZE, 5 MB by
default) or a CSV file (`Content-Type: text/csv`, UTF-8, streamed, up to 1,000,000 rows) with
the columns `{columns}`. A batch is all-or-nothing: if any row is rejected the answer is 400
with the reasons (at most 200) and nothing is saved. Open to the team's leads and the team's
API tokens with the scope `events`."""


def _team_for_events(request, team_id):
    team = request_team(request, team_id)  # a token's scope was checked by TeamTokenScope
    if team_token_of(request) is None and not permissions.can_lead_team(request.user, team):
        raise PermissionDenied("Only the team's lead or the team's API token sends events.")
    return team


def _rows_from_json(payload, kind):
    if isinstance(payload, dict) and set(payload) == {kind}:
        payload = payload[kind]
    if not isinstance(payload, list):
        raise Invalid(f'Send a JSON list of {kind}, or {{"{kind}": [...]}}.')
    return payload


class _EventsView(APIView):
    authentication_classes = [TeamTokenAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, TeamTokenScope]
    token_scope = EVENTS
    parser_classes = [EventsJSONParser, CsvStreamParser]
    kind = None

    def post(self, request, team_id):
        team = _team_for_events(request, team_id)
        try:
            body = request.data
        except ParseError as exc:
            # A body that is not JSON at all: the same 400 shape as a rejected batch.
            rejected = ingest.BatchRejected(str(exc.detail), errors=[], field=None)
            return Response(rejected.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        try:
            if isinstance(body, CsvBody):
                report = ingest.ingest_csv(team, self.kind, body.stream)
            elif request.content_type.split(";")[0].strip() == CsvStreamParser.media_type:
                report = ingest.ingest_csv(team, self.kind, io.BytesIO())  # empty body
            else:
                report = ingest.ingest_rows(team, self.kind, _rows_from_json(body, self.kind))
        except ingest.BatchRejected as exc:
            return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        except Invalid as exc:
            rejected = ingest.BatchRejected(exc.message, errors=exc.errors, field=exc.field)
            return Response(rejected.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response(report.as_dict())


def _schema(kind, row_serializer):
    return extend_schema(
        summary=f"Send {kind}",
        description=INGEST_DESCRIPTION.format(kind=kind, columns=",".join(ingest.CSV_COLUMNS[kind]))
        + "\n\n"
        + scope_note(EVENTS),
        extensions=scope_extension(EVENTS),
        request={"application/json": row_serializer(many=True), "text/csv": OpenApiTypes.STR},
        responses={
            200: EventIngestReport,
            400: EventIngestRejected,
            401: DETAIL_ONLY,
            403: DETAIL_ONLY,
            404: DETAIL_ONLY,
            413: DETAIL_ONLY,
            415: DETAIL_ONLY,
        },
    )


class DeploymentEventsView(_EventsView):
    kind = ingest.DEPLOYMENTS

    @_schema(ingest.DEPLOYMENTS, DeploymentEventIn)
    def post(self, request, team_id):
        return super().post(request, team_id)


class IncidentEventsView(_EventsView):
    kind = ingest.INCIDENTS

    @_schema(ingest.INCIDENTS, IncidentEventIn)
    def post(self, request, team_id):
        return super().post(request, team_id)
