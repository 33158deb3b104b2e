"""An organisation's SCIM tokens: issued by the site operator (``manage.py scim_token``),
revoked there or in the Django admin. A revoked token is refused at once."""

from django.db import transaction
from django.utils import timezone

from assessments.models import ScimToken


def issue_token(organization):
    """A new token; returns ``(token, key)``. Only the key's hash is kept."""
    return ScimToken.issue(organization)


@transaction.atomic
def revoke_token(organization, prefix):
    """Revoke the organisation's working tokens whose key starts ``vsms_<prefix>``; returns how
    many were revoked (0: none matched, or they were revoked already)."""
    return ScimToken.objects.filter(
        organization=organization, prefix=prefix, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
