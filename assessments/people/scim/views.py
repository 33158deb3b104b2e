"""The /scim/v2/ endpoints: thin DRF views that authenticate the organisation's token, read
the request and call ``users``, ``groups`` or ``resources``. Every error is a SCIM error
body (``application/scim+json``), 400s with a ``scimType``."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotAuthenticated,
    ParseError,
)
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.people.scim import groups, patch, resources, users
from assessments.people.scim.audit import attributed_to
from assessments.people.scim.auth import ScimTokenAuthentication
from assessments.people.scim.errors import INVALID_SYNTAX, INVALID_VALUE, ScimError, bad_request
from assessments.people.scim.openapi import (
    DOCUMENT,
    EXCLUDED,
    PAGING,
    ScimGroupSerializer,
    ScimListSerializer,
    ScimPatchSerializer,
    ScimUserSerializer,
    errors,
    ok,
)
from vsm_site.api import BoundedJSONParser
from vsm_site.domain_errors import DomainError

DEFAULT_COUNT = 100
MAX_START = 2**31


class ScimJSONParser(BoundedJSONParser):
    media_type = "application/scim+json"


class ScimJSONRenderer(JSONRenderer):
    media_type = "application/scim+json"
    format = "scim"


class ScimNegotiation(DefaultContentNegotiation):
    """Always answer application/scim+json (RFC 7644 section 8.1), whatever ``Accept`` says:
    identity providers send ``application/json`` or nothing."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def scim_exception_handler(exc, context):
    if isinstance(exc, ScimError):
        error = exc
    elif isinstance(exc, Http404):
        error = ScimError(404, "No such resource.")
    elif isinstance(exc, ParseError):
        error = ScimError(400, f"The body is not valid JSON: {exc.detail}", INVALID_SYNTAX)
    elif isinstance(exc, NotAuthenticated | AuthenticationFailed):
        error = ScimError(
            401,
            "Send the organisation's SCIM token: 'Authorization: Bearer vsms_...'."
            if isinstance(exc, NotAuthenticated)
            else str(exc.detail),
        )
    elif isinstance(exc, APIException):
        error = ScimError(exc.status_code, str(exc.detail))
    elif isinstance(exc, DomainError):
        error = ScimError(exc.status, exc.message, INVALID_VALUE if exc.status == 400 else None)
    else:
        return None
    response = Response(error.body(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


class ScimView(APIView):
    authentication_classes = [ScimTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [ScimJSONParser, BoundedJSONParser]
    renderer_classes = [ScimJSONRenderer]
    content_negotiation_class = ScimNegotiation

    def get_exception_handler(self):
        return scim_exception_handler

    @property
    def organization(self):
        return self.request.auth.organization

    def base_url(self):
        return self.request.build_absolute_uri(reverse("scim_service_provider_config"))[
            : -len("/ServiceProviderConfig")
        ]

    def user_json(self, user, state=None):
        if state is None:
            state = users.states(self.organization, [user])[user.pk]
        external_id, active, last_modified = state
        location = self.request.build_absolute_uri(reverse("scim_user", args=[user.pk]))
        return resources.user_resource(
            user,
            external_id=external_id,
            active=active,
            last_modified=last_modified,
            location=location,
        )

    def group_json(self, group, members=None):
        if members is None and not self.without_members():
            members = groups.members_of([group])[group.pk]
        location = self.request.build_absolute_uri(reverse("scim_group", args=[group.pk]))
        data = resources.group_resource(
            group,
            members or [],
            location=location,
            member_location=lambda pk: self.request.build_absolute_uri(
                reverse("scim_user", args=[pk])
            ),
        )
        if self.without_members():
            del data["members"]
        return data

    def without_members(self):
        excluded = self.request.query_params.get("excludedAttributes", "")
        return "members" in {a.strip().lower() for a in excluded.split(",")}

    def page(self):
        def number(name, default):
            raw = self.request.query_params.get(name)
            if raw in (None, ""):
                return default
            try:
                return int(raw)
            except ValueError:
                raise bad_request(f"'{name}' must be a whole number.", INVALID_VALUE) from None

        start = min(max(1, number("startIndex", 1)), MAX_START)
        count = min(max(0, number("count", DEFAULT_COUNT)), resources.MAX_RESULTS)
        return start, count


def scim(operation_id, summary, **kwargs):
    return extend_schema(operation_id=operation_id, summary=summary, tags=["scim"], **kwargs)


USER = ok(ScimUserSerializer, "A User (RFC 7643 section 4.1)")
GROUP = ok(ScimGroupSerializer, "A Group (RFC 7643 section 4.2)")
LISTED = ok(ScimListSerializer, "A ListResponse (RFC 7644 section 3.4.2)")
WRITE_ERRORS = (400, 401, 404, 409, 415)
# The schema names SCIM's own media type; application/json is accepted too (docs/scim.md).
SCIM_JSON = ScimJSONParser.media_type
USER_BODY = {SCIM_JSON: ScimUserSerializer}
GROUP_BODY = {SCIM_JSON: ScimGroupSerializer}
PATCH_BODY = {SCIM_JSON: ScimPatchSerializer}


class ServiceProviderConfigView(ScimView):
    @scim(
        "scim_service_provider_config",
        "What this SCIM service supports",
        responses={200: DOCUMENT, **errors(401)},
    )
    def get(self, request):
        docs = request.build_absolute_uri("/api/docs/")
        return Response(resources.service_provider_config(self.base_url(), docs))


class ResourceTypesView(ScimView):
    @scim(
        "scim_resource_types",
        "The resource types: User and Group",
        responses={200: LISTED, **errors(401)},
    )
    def get(self, request):
        found = resources.resource_types(self.base_url() + "/ResourceTypes")
        return Response(resources.list_response(found, total=len(found), start_index=1))


class ResourceTypeView(ScimView):
    @scim("scim_resource_type", "One resource type", responses={200: DOCUMENT, **errors(401, 404)})
    def get(self, request, name):
        for found in resources.resource_types(self.base_url() + "/ResourceTypes"):
            if found["id"] == name:
                return Response(found)
        raise ScimError(404, "No such resource type.")


class SchemasView(ScimView):
    @scim(
        "scim_schemas",
        "The schemas of User and Group, with the attributes kept",
        responses={200: LISTED, **errors(401)},
    )
    def get(self, request):
        found = resources.schemas(self.base_url() + "/Schemas")
        return Response(resources.list_response(found, total=len(found), start_index=1))


class SchemaView(ScimView):
    @scim("scim_schema", "One schema, by its URN", responses={200: DOCUMENT, **errors(401, 404)})
    def get(self, request, urn):
        for found in resources.schemas(self.base_url() + "/Schemas"):
            if found["id"] == urn:
                return Response(found)
        raise ScimError(404, "No such schema.")


class UsersView(ScimView):
    @scim(
        "scim_users_list",
        "The organisation's people, filtered and paged",
        parameters=PAGING,
        responses={200: LISTED, **errors(400, 401)},
    )
    def get(self, request):
        start, count = self.page()
        rows = users.list_users(self.organization, request.query_params.get("filter"))
        total = rows.count()
        page = list(rows[start - 1 : start - 1 + count]) if count else []
        states = users.states(self.organization, page)
        found = [self.user_json(user, states[user.pk]) for user in page]
        return Response(resources.list_response(found, total=total, start_index=start))

    @scim(
        "scim_users_create",
        "Create a person of the organisation",
        request=USER_BODY,
        responses={201: USER, **errors(400, 401, 409, 415)},
    )
    def post(self, request):
        with attributed_to(request.auth):
            user = users.create_user(self.organization, request.data)
        data = self.user_json(user)
        return Response(data, status=201, headers={"Location": data["meta"]["location"]})


class UserView(ScimView):
    @scim("scim_user_retrieve", "One person", responses={200: USER, **errors(401, 404)})
    def get(self, request, user_id):
        return Response(self.user_json(users.find_user(self.organization, user_id)))

    @scim(
        "scim_user_replace",
        "Replace a person's attributes",
        request=USER_BODY,
        responses={200: USER, **errors(*WRITE_ERRORS)},
    )
    def put(self, request, user_id):
        user = users.find_user(self.organization, user_id)
        with attributed_to(request.auth):
            user = users.replace_user(self.organization, user, request.data)
        return Response(self.user_json(user))

    @scim(
        "scim_user_patch",
        "Change a person (active: false deactivates; docs/scim.md)",
        request=PATCH_BODY,
        responses={200: USER, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request, user_id):
        user = users.find_user(self.organization, user_id)
        patched = patch.apply_patch(self.user_json(user), request.data)
        with attributed_to(request.auth):
            user = users.replace_user(self.organization, user, patched, require_schema=False)
        return Response(self.user_json(user))

    @scim(
        "scim_user_delete",
        "Take a person out of the organisation (docs/scim.md)",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, user_id):
        user = users.find_user(self.organization, user_id)
        with attributed_to(request.auth):
            users.delete_user(self.organization, user)
        return Response(status=204)


class GroupsView(ScimView):
    @scim(
        "scim_groups_list",
        "The organisation's groups, filtered and paged",
        parameters=[*PAGING, EXCLUDED],
        responses={200: LISTED, **errors(400, 401)},
    )
    def get(self, request):
        start, count = self.page()
        rows = groups.list_groups(self.organization, request.query_params.get("filter"))
        total = rows.count()
        page = list(rows[start - 1 : start - 1 + count]) if count else []
        members = {} if self.without_members() else groups.members_of(page)
        found = [self.group_json(group, members.get(group.pk, [])) for group in page]
        return Response(resources.list_response(found, total=total, start_index=start))

    @scim(
        "scim_groups_create",
        "Create a group (externalId: a team's slug maps it to the team)",
        request=GROUP_BODY,
        responses={201: GROUP, **errors(400, 401, 409, 415)},
    )
    def post(self, request):
        with attributed_to(request.auth):
            group = groups.create_group(self.organization, request.data)
        data = self.group_json(group)
        return Response(data, status=201, headers={"Location": data["meta"]["location"]})


class GroupView(ScimView):
    @scim(
        "scim_group_retrieve",
        "One group",
        parameters=[EXCLUDED],
        responses={200: GROUP, **errors(401, 404)},
    )
    def get(self, request, group_id):
        return Response(self.group_json(groups.find_group(self.organization, group_id)))

    @scim(
        "scim_group_replace",
        "Replace a group's name and members",
        request=GROUP_BODY,
        responses={200: GROUP, **errors(*WRITE_ERRORS)},
    )
    def put(self, request, group_id):
        group = groups.find_group(self.organization, group_id)
        with attributed_to(request.auth):
            group = groups.replace_group(self.organization, group, request.data)
        return Response(self.group_json(group))

    @scim(
        "scim_group_patch",
        "Add or remove members, rename",
        parameters=[EXCLUDED],
        request=PATCH_BODY,
        responses={200: GROUP, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request, group_id):
        group = groups.find_group(self.organization, group_id)
        current = resources.group_resource(
            group, groups.members_of([group])[group.pk], location="", member_location=str
        )
        patched = patch.apply_patch(current, request.data)
        with attributed_to(request.auth):
            group = groups.replace_group(self.organization, group, patched, require_schema=False)
        return Response(self.group_json(group))

    @scim(
        "scim_group_delete",
        "Delete a group; its members leave its team",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, group_id):
        group = groups.find_group(self.organization, group_id)
        with attributed_to(request.auth):
            groups.delete_group(self.organization, group)
        return Response(status=204)
