"""REST API for provider webhooks: create (the secret is in this answer only), list with the
last deliveries, revoke, rotate. A team's webhooks are managed by its leads and the
organisation's admins; an organisation's webhooks (routed by ownership) by its admins only.
Thin: ``webhook_services`` finds the owner (and asks permissions), lists, creates, rotates and
revokes; the pages (webhook_pages.py) call the same functions."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.dora import webhook_services
from assessments.dora import webhooks as wh
from vsm_site.api import error_responses

LAST_DELIVERIES = 5


class WebhookIn(serializers.Serializer):
    provider = serializers.ChoiceField(choices=wh.PROVIDERS)
    environment = serializers.CharField(
        max_length=webhook_services.MAX_OPTION_LENGTH, required=False
    )
    deploy_workflow = serializers.CharField(
        max_length=webhook_services.MAX_OPTION_LENGTH,
        required=False,
        help_text="fnmatch pattern of deploy workflow names.",
    )
    secret_header = serializers.CharField(
        max_length=webhook_services.MAX_OPTION_LENGTH,
        required=False,
        help_text="Opsgenie: the header carrying the secret.",
    )


class WebhookCreated(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    url = serializers.CharField()
    secret = serializers.CharField(help_text="Shown only in this answer.")


class DeliveryOut(serializers.Serializer):
    received_at = serializers.DateTimeField()
    event_type = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    url = serializers.CharField()
    settings = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    bad_signature_count = serializers.IntegerField()
    previous_secret_expires_at = serializers.DateTimeField(allow_null=True)
    last_deliveries = DeliveryOut(many=True)


class WebhookRotated(serializers.Serializer):
    id = serializers.IntegerField()
    secret = serializers.CharField(help_text="Shown only in this answer.")
    previous_secret_expires_at = serializers.DateTimeField()


def _url(request, hook):
    return request.build_absolute_uri(webhook_services.receiver_path(hook))


def _as_dict(request, hook):
    return {
        "id": hook.id,
        "provider": hook.provider,
        "url": _url(request, hook),
        "settings": hook.settings,
        "created_at": hook.created_at,
        "bad_signature_count": hook.bad_signature_count,
        "previous_secret_expires_at": hook.previous_secret_expires_at,
        "last_deliveries": [
            {
                "received_at": d.received_at,
                "event_type": d.event_type,
                "status": d.status,
                "reason": d.reason,
            }
            for d in hook.recent_deliveries
        ],
    }


LIST_DESCRIPTION = (
    "Active webhooks without their secrets, each with its last deliveries (time, event, "
    "outcome) and how many deliveries were refused for a bad signature."
)
CREATE_DESCRIPTION = (
    "Creates a webhook; the answer holds the URL to give the provider and the secret, shown "
    "this once. Settings: `environment` (only deployments to it count), `deploy_workflow` "
    "(GitHub workflow / GitLab pipeline names that are deployments, an fnmatch pattern), "
    "`secret_header` (Opsgenie)."
)


class _WebhooksView(APIView):
    def owner(self, request, **kwargs):
        raise NotImplementedError

    def get(self, request, **kwargs):
        owner = self.owner(request, **kwargs)
        hooks = webhook_services.list_webhooks(owner, deliveries=LAST_DELIVERIES)
        return Response([_as_dict(request, h) for h in hooks])

    def post(self, request, **kwargs):
        owner = self.owner(request, **kwargs)
        payload = WebhookIn(data=request.data)
        payload.is_valid(raise_exception=True)
        options = dict(payload.validated_data)
        provider = options.pop("provider")
        hook, secret = webhook_services.create_webhook(
            provider=provider, options=options, created_by=request.user, **owner
        )
        return Response(
            {
                "id": hook.id,
                "provider": hook.provider,
                "url": _url(request, hook),
                "secret": secret,
            },
            status=status.HTTP_201_CREATED,
        )


class _WebhookView(APIView):
    def owner(self, request, **kwargs):
        raise NotImplementedError

    def delete(self, request, hook_id, **kwargs):
        hook = webhook_services.get_active_webhook(self.owner(request, **kwargs), hook_id)
        webhook_services.revoke_webhook(hook, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _WebhookRotateView(APIView):
    def owner(self, request, **kwargs):
        raise NotImplementedError

    def post(self, request, hook_id, **kwargs):
        hook = webhook_services.get_active_webhook(self.owner(request, **kwargs), hook_id)
        secret = webhook_services.rotate_webhook(hook, actor=request.user)
        return Response(
            {
                "id": hook.id,
                "secret": secret,
                "previous_secret_expires_at": hook.previous_secret_expires_at,
            }
        )


class ProviderSecretIn(serializers.Serializer):
    secret = serializers.CharField(
        max_length=webhook_services.MAX_SECRET_LENGTH,
        trim_whitespace=True,
        help_text="The signing secret the provider showed when its subscription was created.",
    )


class ProviderSecretSet(serializers.Serializer):
    id = serializers.IntegerField()
    previous_secret_expires_at = serializers.DateTimeField()


class _WebhookSecretView(APIView):
    def owner(self, request, **kwargs):
        raise NotImplementedError

    def put(self, request, hook_id, **kwargs):
        hook = webhook_services.get_active_webhook(self.owner(request, **kwargs), hook_id)
        payload = ProviderSecretIn(data=request.data)
        payload.is_valid(raise_exception=True)
        webhook_services.use_provider_secret(
            hook, payload.validated_data["secret"], actor=request.user
        )
        return Response(
            {"id": hook.id, "previous_secret_expires_at": hook.previous_secret_expires_at}
        )


LIST = {"summary": "List webhooks", "description": LIST_DESCRIPTION,
        "responses": {200: WebhookOut(many=True), **error_responses(401, 403, 404)}}  # fmt: skip
CREATE = {"summary": "Create a webhook", "description": CREATE_DESCRIPTION, "request": WebhookIn,
          "responses": {201: WebhookCreated, **error_responses(400, 401, 403, 404)}}  # fmt: skip
REVOKE = {"summary": "Revoke a webhook", "description": "Its URL stops accepting deliveries.",
          "responses": {204: None, **error_responses(401, 403, 404)}}  # fmt: skip
ROTATE = {"summary": "Rotate a webhook's secret",
          "description": "A new secret, shown this once; the old one stays valid for 24 hours.",
          "request": None,
          "responses": {200: WebhookRotated, **error_responses(401, 403, 404)}}  # fmt: skip

PROVIDER_SECRET = {"summary": "Use the provider's signing secret",
                   "description": "PagerDuty makes a v3 webhook subscription's signing secret "
                   "itself and shows it once: give it here and it replaces the webhook's secret "
                   "(the replaced one stays valid for 24 hours). Other providers: 400.",
                   "request": ProviderSecretIn,
                   "responses": {200: ProviderSecretSet,
                                 **error_responses(400, 401, 403, 404)}}  # fmt: skip


class TeamWebhooksView(_WebhooksView):
    def owner(self, request, team_id):
        return webhook_services.team_webhook_owner(request.user, team_id)

    @extend_schema(**LIST)
    def get(self, request, team_id):
        return super().get(request, team_id=team_id)

    @extend_schema(**CREATE)
    def post(self, request, team_id):
        return super().post(request, team_id=team_id)


class TeamWebhookView(_WebhookView):
    def owner(self, request, team_id):
        return webhook_services.team_webhook_owner(request.user, team_id)

    @extend_schema(**REVOKE)
    def delete(self, request, team_id, hook_id):
        return super().delete(request, hook_id, team_id=team_id)


class TeamWebhookRotateView(_WebhookRotateView):
    def owner(self, request, team_id):
        return webhook_services.team_webhook_owner(request.user, team_id)

    @extend_schema(**ROTATE)
    def post(self, request, team_id, hook_id):
        return super().post(request, hook_id, team_id=team_id)


class OrganizationWebhooksView(_WebhooksView):
    def owner(self, request, slug):
        return webhook_services.organization_webhook_owner(request.user, slug)

    @extend_schema(**LIST, operation_id="organization_webhooks_list")
    def get(self, request, slug):
        return super().get(request, slug=slug)

    @extend_schema(**CREATE, operation_id="organization_webhooks_create")
    def post(self, request, slug):
        return super().post(request, slug=slug)


class OrganizationWebhookView(_WebhookView):
    def owner(self, request, slug):
        return webhook_services.organization_webhook_owner(request.user, slug)

    @extend_schema(**REVOKE, operation_id="organization_webhook_revoke")
    def delete(self, request, slug, hook_id):
        return super().delete(request, hook_id, slug=slug)


class OrganizationWebhookRotateView(_WebhookRotateView):
    def owner(self, request, slug):
        return webhook_services.organization_webhook_owner(request.user, slug)

    @extend_schema(**ROTATE, operation_id="organization_webhook_rotate")
    def post(self, request, slug, hook_id):
        return super().post(request, hook_id, slug=slug)


class TeamWebhookSecretView(_WebhookSecretView):
    def owner(self, request, team_id):
        return webhook_services.team_webhook_owner(request.user, team_id)

    @extend_schema(**PROVIDER_SECRET)
    def put(self, request, team_id, hook_id):
        return super().put(request, hook_id, team_id=team_id)


class OrganizationWebhookSecretView(_WebhookSecretView):
    def owner(self, request, slug):
        return webhook_services.organization_webhook_owner(request.user, slug)

    @extend_schema(**PROVIDER_SECRET, operation_id="organization_webhook_provider_secret")
    def put(self, request, slug, hook_id):
        return super().put(request, hook_id, slug=slug)
