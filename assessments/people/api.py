"""REST API for an organisation's people: find them (admins, analysts and team leads of the
organisation) and invite someone (admins). Never anyone of another organisation."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.models import Invitation, Membership
from assessments.people import services
from vsm_site.api import error_responses
from vsm_site.domain_errors import NotAllowed, NotFound


def _organization(user, slug):
    organization = permissions.member_organization(user, slug)
    if organization is None:
        raise NotFound("No such organisation.")
    return organization


class PersonOut(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()


class PeopleView(APIView):
    @extend_schema(
        summary="The organisation's people",
        description="Active people of the organisation whose username or name contains "
        "`search` (at most 20). For its admins, CoE analysts and team leads.",
        parameters=[OpenApiParameter("search", OpenApiTypes.STR, required=False)],
        responses={200: PersonOut(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, slug):
        organization = _organization(request.user, slug)
        access = permissions.access_for(request.user)
        leads_here = organization.teams.filter(id__in=access.led_team_ids).exists()
        if not (permissions.can_analyse(request.user, organization) or leads_here):
            raise NotAllowed("Only admins, CoE analysts and team leads look up people.")
        found = services.people(organization, request.query_params.get("search", ""))
        return Response(
            [{"username": u.username, "name": u.get_full_name() or u.username} for u in found]
        )


class InvitationIn(serializers.Serializer):
    # The fields are the check; services.invite checks the address again for the page's form.
    email = serializers.EmailField(max_length=Invitation._meta.get_field("email").max_length)
    team = serializers.IntegerField(required=False)
    role = serializers.ChoiceField(
        choices=[Membership.MEMBER, Membership.LEAD], default=Membership.MEMBER
    )


class InvitationsView(APIView):
    @extend_schema(
        summary="Invite someone to the organisation",
        description="Sends an e-mail with a link to join (and to join `team`). The answer is "
        "the same whether the address has an account or not.",
        request=InvitationIn,
        responses={
            202: inline_serializer("InvitationSent", {"detail": serializers.CharField()}),
            **error_responses(400, 401, 403, 404),
        },
    )
    def post(self, request, slug):
        organization = _organization(request.user, slug)
        payload = InvitationIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        team = None
        if "team" in data:
            team = organization.teams.filter(pk=data["team"]).first()
            if team is None:
                raise NotFound("No such team.")
        services.invite(
            request.user, organization, data["email"], team=team, role=data["role"]
        )  # fmt: skip
        return Response(
            {"detail": f"Invitation sent to {data['email']}."}, status=status.HTTP_202_ACCEPTED
        )
