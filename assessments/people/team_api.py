"""REST API for teams and memberships (token or session auth; same permissions as the UI)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.maturity import services
from assessments.models import Membership, Team
from vsm_site.api import error_responses


class TeamSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.name", default=None, read_only=True)
    organization = serializers.CharField(source="organization.slug", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "slug", "name", "group", "organization"]


class MemberSerializer(serializers.Serializer):
    # The fields are the check (services.add_member then looks the person up).
    username = serializers.CharField(
        max_length=get_user_model()._meta.get_field("username").max_length
    )
    role = serializers.ChoiceField(choices=[Membership.MEMBER, Membership.LEAD])


@extend_schema_view(get=extend_schema(responses={200: TeamSerializer(many=True),
                                                  **error_responses(401)}))  # fmt: skip
class TeamListView(generics.ListAPIView):
    """Teams the caller may see."""

    serializer_class = TeamSerializer

    def get_queryset(self):
        return permissions.visible_teams(self.request.user).order_by("id")


def _team_for_admin(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    if not permissions.can_administer(request.user, team.organization):
        raise PermissionDenied("Only organisation admins manage team membership.")
    return team


class TeamMembersView(APIView):
    """List a team's members (anyone who may see the team) or add one (organisation admins)."""

    @extend_schema(responses={200: MemberSerializer(many=True), **error_responses(401, 404)})
    def get(self, request, team_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        rows = team.memberships.select_related("user").order_by("user__username")
        data = [{"username": m.user.username, "role": m.role} for m in rows]
        return Response(data)

    @extend_schema(
        request=MemberSerializer,
        responses={
            200: MemberSerializer,
            201: MemberSerializer,
            **error_responses(400, 401, 403, 404, 415),
        },
    )
    def post(self, request, team_id):
        team = _team_for_admin(request, team_id)
        payload = MemberSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership, created = services.add_member(
            team, payload.validated_data["username"], payload.validated_data["role"]
        )
        return Response(
            {"username": membership.user.username, "role": membership.role},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TeamMemberDetailView(APIView):
    @extend_schema(responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, team_id, username):
        team = _team_for_admin(request, team_id)
        services.remove_member(team, username)
        return Response(status=status.HTTP_204_NO_CONTENT)
