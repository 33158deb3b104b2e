"""REST API for what a team owns (services, repositories, path prefixes): the ownership that
organisation webhooks route events by (attribution.route_event)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.dora import services as dora_services
from assessments.models.dora import TeamOwnership
from vsm_site.api import RequestSerializer, ServiceChecked, error_responses


class OwnershipIn(RequestSerializer):
    kind = serializers.ChoiceField(choices=[k for k, _ in TeamOwnership.KIND_CHOICES])
    # Checked by the service (the page's form goes through it too): trimmed, a repository
    # lower-cased full name, a path prefix without leading or trailing slashes.
    value = ServiceChecked(
        like=serializers.CharField(
            max_length=TeamOwnership._meta.get_field("value").max_length,
            help_text="A service name, a repository's full name (acme/checkout) or a path "
            "prefix (services/payments).",
        )
    )


class OwnershipOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    value = serializers.CharField()


def _json(ownership):
    return {"id": ownership.id, "kind": ownership.kind, "value": ownership.value}


class TeamOwnershipView(APIView):
    """List what the team owns (anyone who sees the team) or add to it (its lead, org admins).
    A thing another team of the organisation owns is refused (400)."""

    @extend_schema(responses={200: OwnershipOut(many=True), **error_responses(401, 404)})
    def get(self, request, team_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        return Response([_json(o) for o in dora_services.team_ownerships(team)])

    @extend_schema(
        request=OwnershipIn,
        responses={
            200: OwnershipOut,
            201: OwnershipOut,
            **error_responses(400, 401, 403, 404, 415),
        },
    )
    def post(self, request, team_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        data = OwnershipIn.validated(request.data)
        ownership, created = dora_services.add_ownership(
            request.user, team, data["kind"], data["value"]
        )
        return Response(
            _json(ownership), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class TeamOwnershipDetailView(APIView):
    @extend_schema(responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, team_id, ownership_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        dora_services.remove_ownership(request.user, team, ownership_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
