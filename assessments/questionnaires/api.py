"""REST API for questionnaires. Thin: parse, ask permissions, call one service or selector.

- ``GET /api/v1/questionnaires/``: what the user may use: their organisations' versions and the
  library's, each with its ``owner`` (``"library"`` or ``{"organization": slug}``).
- ``GET /api/v1/questionnaires/{key}/{version}/``: one version, looked up in the user's
  organisation first, then in the library.
- ``/api/v1/organizations/{slug}/questionnaires/...``: an organisation's own versions: list,
  load from YAML (``Content-Type: application/yaml``), read, publish, diff. Managing them is
  for the organisation's CoE analysts and admins; a team member gets 403, anyone else 404.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.models import Questionnaire
from assessments.questionnaires import presenters, services
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires.format import MAX_BYTES
from vsm_site.api import RequestSerializer, error_responses
from vsm_site.domain_errors import Invalid, NotFound


class YamlParser(BaseParser):
    """The request body as bytes, for ``questionnaire_format`` to parse safely."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BYTES:
            raise Invalid("The questionnaire file is larger than 1 MiB.")
        return raw


OWNER_SCHEMA = {
    "oneOf": [
        {"type": "string", "enum": ["library"]},
        {
            "type": "object",
            "properties": {"organization": {"type": "string"}},
            "required": ["organization"],
        },
    ]
}


class QuestionnaireSummarySerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    based_on = serializers.SerializerMethodField()

    class Meta:
        model = Questionnaire
        fields = ["key", "version", "title", "status", "owner", "based_on", "published_at"]

    @extend_schema_field(OWNER_SCHEMA)
    def get_owner(self, obj):
        return obj.owner_json

    @extend_schema_field(
        {"type": "object", "nullable": True, "properties": {
            "key": {"type": "string"}, "version": {"type": "integer"}}}
    )  # fmt: skip
    def get_based_on(self, obj):
        if obj.based_on_id is None:
            return None
        return {"key": obj.based_on.key, "version": obj.based_on.version}


QuestionnaireDetailOut = inline_serializer(
    "QuestionnaireDetail",
    {
        "key": serializers.CharField(),
        "version": serializers.IntegerField(),
        "title": serializers.CharField(),
        "status": serializers.CharField(),
        "owner": serializers.JSONField(),
        "dimensions": serializers.ListField(child=serializers.DictField()),
    },
)


def _detail_json(questionnaire):
    return {**presenters.questionnaire_json(questionnaire), "owner": questionnaire.owner_json}


class QuestionnaireListView(APIView):
    @extend_schema(
        summary="Questionnaires the user may use",
        description="The library's versions and those of the user's organisations (drafts "
        "only for the organisations whose questionnaires the user manages).",
        responses={200: QuestionnaireSummarySerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        rows = sorted(
            questionnaire_selectors.questionnaires_for(request.user, drafts=True).select_related(
                "organization", "based_on"
            ),
            # In Python: databases sort the library's empty owner differently.
            key=lambda q: (q.key, q.organization.slug if q.organization_id else "", q.version),
        )
        return Response(QuestionnaireSummarySerializer(rows, many=True).data)


class QuestionnaireDetailView(APIView):
    @extend_schema(
        summary="One questionnaire version, the user's organisation's first",
        responses={200: QuestionnaireDetailOut, **error_responses(401, 404)},
    )
    def get(self, request, key, version):
        chosen = questionnaire_selectors.visible_version(request.user, key, version, drafts=True)
        if chosen is None:
            raise NotFound(f"There is no questionnaire {key} v{version}.")
        return Response(_detail_json(chosen))


NO_SUCH = "No such questionnaire."  # the same for a hidden organisation and a missing version


def _organization(user, slug, manage, missing=NO_SUCH):
    """The organisation named in the URL; 404 unless the user has a role in it, and with
    ``manage`` 403 unless they manage its questionnaires."""
    organization = permissions.member_organization(user, slug)
    if organization is None:
        raise NotFound(missing)
    if manage:
        permissions.check_questionnaire_manager(user, organization)
    return organization


def _version(organization, key, version):
    questionnaire = (
        Questionnaire.objects.filter(organization=organization, key=key, version=version)
        .select_related("organization", "based_on")
        .first()
    )
    if questionnaire is None:
        raise NotFound(NO_SUCH)
    return questionnaire


class OrganizationQuestionnairesView(APIView):
    parser_classes = [YamlParser]

    @extend_schema(
        summary="An organisation's own questionnaire versions",
        responses={200: QuestionnaireSummarySerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request, slug):
        organization = _organization(request.user, slug, False, "No such organisation.")
        rows = Questionnaire.objects.filter(organization=organization).select_related(
            "organization", "based_on"
        )
        if not permissions.can_manage_questionnaires(request.user, organization):
            rows = rows.exclude(status=Questionnaire.DRAFT)
        return Response(
            QuestionnaireSummarySerializer(rows.order_by("key", "version"), many=True).data
        )

    @extend_schema(
        summary="Load a questionnaire version owned by the organisation",
        description="The body is a questionnaire file (docs/questionnaire-format.md). Loading "
        "the same content again changes nothing; a draft may be replaced; a published version "
        "never changes.",
        request={
            "application/yaml": {
                "type": "string",
                "description": f"At most {MAX_BYTES} bytes of UTF-8; checked by the "
                "questionnaire format's own parser, which names the line of each problem.",
            }
        },
        responses={
            201: QuestionnaireSummarySerializer,
            200: QuestionnaireSummarySerializer,
            **error_responses(400, 401, 403, 404, 409, 415),
        },
    )
    def post(self, request, slug):
        organization = _organization(request.user, slug, True, "No such organisation.")
        questionnaire, outcome = services.load_questionnaire(
            request.data, organization, user=request.user
        )
        body = {**QuestionnaireSummarySerializer(questionnaire).data, "outcome": outcome}
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(body, status=code)


class OrganizationQuestionnaireView(APIView):
    @extend_schema(
        summary="One of the organisation's questionnaire versions",
        responses={200: QuestionnaireDetailOut, **error_responses(401, 404)},
    )
    def get(self, request, slug, key, version):
        organization = _organization(request.user, slug, manage=False)
        questionnaire = _version(organization, key, version)
        if questionnaire.status == Questionnaire.DRAFT and not (
            permissions.can_manage_questionnaires(request.user, organization)
        ):
            raise NotFound(NO_SUCH)
        return Response(_detail_json(questionnaire))


class OrganizationQuestionnairePublishView(APIView):
    @extend_schema(
        summary="Publish a draft",
        request=None,
        responses={200: QuestionnaireSummarySerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, slug, key, version):
        organization = _organization(request.user, slug, manage=True)
        questionnaire = services.publish_questionnaire(
            request.user, _version(organization, key, version)
        )
        return Response(QuestionnaireSummarySerializer(questionnaire).data)


class DiffQuery(RequestSerializer):
    unknown = None  # other parameters are ignored

    def get_fields(self):  # "from" cannot be an attribute's name
        return {
            name: serializers.IntegerField(
                required=False, allow_null=True, min_value=1, help_text="A version number."
            )
            for name in ("from", "to")
        }

    def check(self, data):
        return {name: _int_param(data, name) for name in ("from", "to")}


def _int_param(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise Invalid(f"'{name}' must be a version number, not {value!r}.", field=name) from None
    if number < 1:
        raise Invalid(f"'{name}' must be a version number, not {value!r}.", field=name)
    return number


class OrganizationQuestionnaireDiffView(APIView):
    @extend_schema(
        summary="What changed between two versions of the organisation's questionnaire",
        description="Questions added, removed, reworded (old and new text with word-level "
        "segments), moved, re-weighted; dimension changes; the confirmed `replaces` mapping "
        "and the proposed one. `from` defaults to the published version before `to` (or the "
        "library version it was adopted from); `to` defaults to the latest version.",
        parameters=[DiffQuery],
        responses={200: OpenApiTypes.OBJECT, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, slug, key):
        organization = _organization(request.user, slug, manage=True)
        query = DiffQuery.validated(request.query_params)
        to_version, from_version = query["to"], query["from"]
        if to_version is None:
            latest = (
                Questionnaire.objects.filter(organization=organization, key=key)
                .order_by("-version")
                .first()
            )
            if latest is None:
                raise NotFound(NO_SUCH)
            to_version = latest.version
        new = _version(organization, key, to_version)
        old = _version(organization, key, from_version) if from_version is not None else None
        return Response(services.version_diff(new, old).to_json())
