"""May this person sign in with a password, and must they give a second factor?

An organisation that requires SSO refuses passwords to its people, except its break-glass
admin, who always needs MFA. An organisation that requires MFA asks every one of its people
who signs in with a password for a second factor. Someone of several organisations follows
the strictest. API tokens are not sign-ins: they keep working until revoked."""

from assessments import permissions
from assessments.models import OrganizationMember, SingleSignOn


def _organization_ids(user):
    people_of = set(
        OrganizationMember.objects.filter(user=user).values_list("organization_id", flat=True)
    )
    return people_of | set(permissions.member_organization_ids(user))


def _rules(user):
    if user is None or getattr(user, "pk", None) is None:
        return []
    return list(
        SingleSignOn.objects.select_related("organization").filter(
            organization_id__in=_organization_ids(user)
        )
    )


def password_refusal(user):
    """None when ``user`` may sign in with a password, else the sentence that says why not."""
    for sso in _rules(user):
        if sso.require_sso and sso.break_glass_user_id != user.pk:
            return (
                f"{sso.organization.name} signs in through its identity provider: enter your "
                "work e-mail address instead of a password."
            )
    return None


def is_break_glass(user):
    """Whether ``user`` signs in with a password only as an organisation's break-glass admin."""
    return any(sso.require_sso and sso.break_glass_user_id == user.pk for sso in _rules(user))


def mfa_required(user):
    """Whether a password sign-in of ``user`` needs a second factor."""
    return any(
        sso.require_mfa or (sso.require_sso and sso.break_glass_user_id == user.pk)
        for sso in _rules(user)
    )
