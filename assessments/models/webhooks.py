"""Provider webhooks (GitHub, GitLab, PagerDuty, Opsgenie) and the deliveries they send.

A webhook belongs to a team or to an organisation (exactly one: a check constraint). Its
secret must be readable to verify signatures, so it cannot be hashed like a team token; it is
sealed with a key derived from SECRET_KEY (``seal``/``unseal``: HMAC-SHA256 in counter mode
over a per-secret nonce, stdlib only) and shown once, when created or rotated.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q

from assessments.models.people import Organization, Team

SEAL_CONTEXT = b"vsm-webhook-secret"


def _keystream(nonce, length):
    key = hmac.new(django_settings.SECRET_KEY.encode(), SEAL_CONTEXT, hashlib.sha256).digest()
    out = b""
    counter = 0
    while len(out) < length:
        out += hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return out[:length]


def seal(secret):
    """The stored form of a secret: base64(nonce + secret XOR keystream)."""
    if not secret:
        return ""
    raw = secret.encode()
    nonce = secrets.token_bytes(16)
    body = bytes(a ^ b for a, b in zip(raw, _keystream(nonce, len(raw)), strict=True))
    return base64.b64encode(nonce + body).decode()


def unseal(sealed):
    if not sealed:
        return ""
    data = base64.b64decode(sealed)
    nonce, body = data[:16], data[16:]
    return bytes(a ^ b for a, b in zip(body, _keystream(nonce, len(body)), strict=True)).decode()


class Webhook(models.Model):
    GITHUB, GITLAB, PAGERDUTY, OPSGENIE = "github", "gitlab", "pagerduty", "opsgenie"
    PROVIDERS = [
        (GITHUB, "GitHub"),
        (GITLAB, "GitLab"),
        (PAGERDUTY, "PagerDuty"),
        (OPSGENIE, "Opsgenie"),
    ]

    public_id = models.CharField(max_length=43, unique=True, editable=False)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    provider = models.CharField(max_length=20, choices=PROVIDERS)
    settings = models.JSONField(default=dict, blank=True)
    secret_sealed = models.TextField(editable=False)
    previous_secret_sealed = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    bad_signature_count = models.PositiveIntegerField(default=0)
    last_bad_signature_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(organization__isnull=True))
                | (Q(team__isnull=True) & Q(organization__isnull=False)),
                name="webhook_team_xor_organization",
            ),
        ]

    def __str__(self):
        owner = self.team or self.organization
        return f"{self.get_provider_display()} webhook of {owner}"

    @classmethod
    def new_secret(cls):
        return secrets.token_urlsafe(32)

    @classmethod
    def new_public_id(cls):
        return secrets.token_urlsafe(24)

    def secrets_valid_at(self, now):
        """The secrets a signature may be made with at ``now``: the current one, and the
        previous one until its grace period ends (rotation)."""
        valid = [unseal(self.secret_sealed)]
        expires = self.previous_secret_expires_at
        if self.previous_secret_sealed and expires is not None and now < expires:
            valid.append(unseal(self.previous_secret_sealed))
        return valid


class WebhookDelivery(models.Model):
    RECEIVED, PROCESSED, IGNORED, FAILED = "received", "processed", "ignored", "failed"
    STATUSES = [
        (RECEIVED, "Received"),
        (PROCESSED, "Processed"),
        (IGNORED, "Ignored"),
        (FAILED, "Failed"),
    ]

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)
    event_type = models.CharField(max_length=100, blank=True, default="")
    body = models.BinaryField()
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=STATUSES, default=RECEIVED)
    reason = models.TextField(blank=True, default="")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "delivery_id"], name="webhook_delivery_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="webhook_delivery_status"),
            models.Index(fields=["webhook", "-received_at"], name="webhook_delivery_recent"),
        ]

    def __str__(self):
        return f"{self.webhook_id}:{self.delivery_id} {self.status}"
