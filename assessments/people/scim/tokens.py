"""An organisation's SCIM tokens: issued and revoked by its admins on the provisioning page
(``pages``) or by the site operator (``manage.py scim_token``, the Django admin), all through
the functions here. A revoked token is refused at once. Each issue and revocation leaves an
audit entry that names the token by its prefix only: never the key, never its hash."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.audit import trail as audit
from assessments.models import ScimToken
from vsm_site.domain_errors import NotFound


def organization_tokens(organization):
    """The organisation's tokens, working ones first, newest first (one query)."""
    return list(
        ScimToken.objects.filter(organization=organization)
        .select_related("created_by")
        # Working (not revoked) first on every engine: PostgreSQL sorts NULL last by default.
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-pk")
    )


@transaction.atomic
def issue_token(organization, *, actor=None):
    """A new token; returns ``(token, key)``. Only the key's hash is kept: show the key once.
    ``actor``: the admin who asked (None on the command line)."""
    token, key = ScimToken.issue(organization, created_by=actor)
    audit.record_provisioning(token, "created", f"SCIM token {token.prefix}", actor=actor)
    return token, key


@transaction.atomic
def revoke_token(organization, prefix=None, *, token_id=None, actor=None):
    """Revoke the organisation's working tokens whose key starts ``vsms_<prefix>`` (the
    command) or the one with id ``token_id`` (the page); returns how many were revoked (0: none
    matched, or they were revoked already). Another organisation's token is never touched."""
    rows = ScimToken.objects.select_for_update().filter(
        organization=organization, revoked_at__isnull=True
    )
    rows = rows.filter(pk=token_id) if token_id is not None else rows.filter(prefix=prefix)
    now = timezone.now()
    revoked = 0
    for token in rows:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit.record_provisioning(token, "revoked", f"SCIM token {token.prefix}", actor=actor)
        revoked += 1
    return revoked


def revoke_token_of(organization, token_id, *, actor=None):
    """The page's revocation: the token must be the organisation's (NotFound otherwise, the
    same for another organisation's and a missing one). Revoking it again changes nothing.
    Returns the token."""
    token = ScimToken.objects.filter(organization=organization, pk=token_id).first()
    if token is None:
        raise NotFound("No such SCIM token.")
    revoke_token(organization, token_id=token.pk, actor=actor)
    token.refresh_from_db(fields=["revoked_at"])
    return token
