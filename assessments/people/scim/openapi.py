"""How the SCIM endpoints appear in the OpenAPI schema (/api/schema/): the shapes of RFC 7643
and 7644 as serializers, for the documentation and for Schemathesis. The endpoints read
bodies with ``users``/``groups``/``patch``, never with these (SCIM's rules are not DRF's)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from assessments.people.scim import resources

# SCIM's attribute names are camelCase.
# ruff: noqa: N815


class ScimErrorSerializer(serializers.Serializer):
    schemas = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    detail = serializers.CharField()
    scimType = serializers.CharField(required=False)


class ScimNameSerializer(serializers.Serializer):
    givenName = serializers.CharField(required=False, allow_blank=True)
    familyName = serializers.CharField(required=False, allow_blank=True)
    formatted = serializers.CharField(read_only=True)


class ScimEmailSerializer(serializers.Serializer):
    value = serializers.CharField()
    type = serializers.CharField(required=False)
    primary = serializers.BooleanField(required=False)


class ScimUserSerializer(serializers.Serializer):
    schemas = serializers.ListField(child=serializers.CharField())
    id = serializers.CharField(read_only=True)
    externalId = serializers.CharField(required=False)
    userName = serializers.CharField(max_length=150)
    name = ScimNameSerializer(required=False)
    displayName = serializers.CharField(read_only=True)
    emails = ScimEmailSerializer(many=True, required=False)
    active = serializers.BooleanField(required=False)
    meta = serializers.DictField(read_only=True)


class ScimMemberSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The user's id.")
    display = serializers.CharField(read_only=True)


class ScimGroupSerializer(serializers.Serializer):
    schemas = serializers.ListField(child=serializers.CharField())
    id = serializers.CharField(read_only=True)
    displayName = serializers.CharField(max_length=200)
    externalId = serializers.CharField(required=False, help_text="A team's slug maps the "
                                       "group to that team when the group is created.")  # fmt: skip
    members = ScimMemberSerializer(many=True, required=False)
    meta = serializers.DictField(read_only=True)


class ScimOperationSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["add", "replace", "remove"])
    path = serializers.CharField(required=False)
    value = serializers.JSONField(required=False)


class ScimPatchSerializer(serializers.Serializer):
    schemas = serializers.ListField(child=serializers.CharField())
    Operations = ScimOperationSerializer(many=True)


class ScimListSerializer(serializers.Serializer):
    schemas = serializers.ListField(child=serializers.CharField())
    totalResults = serializers.IntegerField()
    itemsPerPage = serializers.IntegerField()
    startIndex = serializers.IntegerField()
    Resources = serializers.ListField(child=serializers.DictField())


def errors(*codes):
    return {
        code: OpenApiResponse(ScimErrorSerializer, description="A SCIM error (RFC 7644 3.12)")
        for code in codes
    }


def ok(serializer, description):
    return OpenApiResponse(serializer, description=description)


DOCUMENT = ok(OpenApiTypes.OBJECT, "A SCIM discovery document")
PAGING = [
    OpenApiParameter("filter", str, description='e.g. userName eq "bjensen" (docs/scim.md)'),
    OpenApiParameter("startIndex", int, description="1-based"),
    OpenApiParameter("count", int, description=f"at most {resources.MAX_RESULTS}"),
]
EXCLUDED = OpenApiParameter("excludedAttributes", str, description="'members' leaves them out")
