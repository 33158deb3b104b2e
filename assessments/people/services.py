"""Writes and reads about an organisation's people. Every refusal that concerns a person reads
the same whether the account is unknown, inactive or another organisation's."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments import permissions
from assessments.models import Invitation, Membership, OrganizationMember
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound

INVITATION_DAYS = 14
SEARCH_LIMIT = 20


def _hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_admin(user, organization):
    """``user=None`` is the site operator (commands, imports, test data)."""
    if user is None or permissions.can_administer(user, organization):
        return
    if organization.id in permissions.member_organization_ids(user):
        raise NotAllowed("Only organisation admins invite and remove people.")
    raise NotFound("No such organisation.")


def add_person(organization, user, source=OrganizationMember.OPERATOR):
    """Make ``user`` a person of the organisation (the site operator, an import, sign-in)."""
    try:
        with transaction.atomic():
            member, _ = OrganizationMember.objects.get_or_create(
                organization=organization, user=user, defaults={"source": source}
            )
    except IntegrityError:  # joined a moment ago by another request
        member = OrganizationMember.objects.get(organization=organization, user=user)
    permissions.forget_access(user)
    return member


def is_person_of(user, organization):
    return OrganizationMember.objects.filter(
        organization=organization, user=user, user__is_active=True
    ).exists()


def people(organization, search=""):
    """The organisation's active people (at most SEARCH_LIMIT), matching ``search`` on the
    username or name; never anyone of another organisation."""
    rows = (
        get_user_model()
        .objects.filter(organization_memberships__organization=organization, is_active=True)
        .order_by("username")
    )
    search = (search or "").strip()
    if search:
        rows = rows.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return list(rows[:SEARCH_LIMIT])


@transaction.atomic
def invite(user, organization, email, *, team=None, role=Membership.MEMBER):
    """Invite ``email`` to the organisation (and ``team``). Always the same outcome for the
    admin, whether the address has an account, here or elsewhere: an e-mail goes out with an
    absolute link (on SITE_URL) valid for INVITATION_DAYS days."""
    _check_admin(user, organization)
    email = (email or "").strip()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid(f"{email!r} is not an e-mail address.", field="email")
    if team is not None and team.organization_id != organization.id:
        raise NotFound("No such team.")
    if role not in (Membership.MEMBER, Membership.LEAD):
        raise Invalid(f"Role must be 'member' or 'lead', not {role!r}.", field="role")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        team=team,
        role=role,
        token_hash=_hash(token),
        invited_by=user if getattr(user, "pk", None) else None,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    link = settings.SITE_URL + reverse("invitation_accept", args=[token])
    body = render_to_string(
        "assessments/people/invitation_email.txt",
        {"invitation": invitation, "link": link, "days": INVITATION_DAYS},
    )
    transaction.on_commit(
        lambda: send_mail(
            f"You are invited to {organization.name} on VSM Assess",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
    )
    return invitation, token


def pending_invitation(token):
    """The pending invitation of ``token``, or None (unknown, used, revoked or expired)."""
    if not token or len(token) > 200:
        return None
    invitation = (
        Invitation.objects.select_related("organization", "team")
        .filter(token_hash=_hash(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_pending else None


INVALID = "This invitation is not valid any more: it was used, withdrawn or has expired."


@transaction.atomic
def accept_invitation(token, user):
    """``user`` (logged in) joins the organisation, and the invited team if there is one."""
    invitation = pending_invitation(token)
    if invitation is None:
        raise Invalid(INVALID)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise Invalid(INVALID)
    member = add_person(invitation.organization, user, OrganizationMember.INVITATION)
    if invitation.team is not None:
        Membership.objects.get_or_create(
            user=user, team=invitation.team, defaults={"role": invitation.role}
        )
        permissions.forget_access(user)
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return member


@transaction.atomic
def create_account_and_accept(token, username, password, first_name="", last_name=""):
    """A new account for the invited address, then the invitation accepted with it."""
    invitation = pending_invitation(token)
    if invitation is None:
        raise Invalid(INVALID)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("That username is taken; choose another.", field="username")
    user = User.objects.create_user(
        username=username,
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    accept_invitation(token, user)
    return user


@transaction.atomic
def revoke_invitation(user, invitation):
    _check_admin(user, invitation.organization)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was accepted already.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def remove_person(user, organization, username):
    """Remove someone from the organisation and from all its teams and roles; their
    submitted answers stay part of closed results."""
    _check_admin(user, organization)
    member = OrganizationMember.objects.filter(
        organization=organization, user__username=username
    ).select_related("user").first()  # fmt: skip
    if member is None:
        raise NotFound(f"{organization.name} has no member named {username!r}.")
    if member.user_id == getattr(user, "id", None):
        raise Conflict("You cannot remove yourself; ask another organisation admin.")
    Membership.objects.filter(team__organization=organization, user=member.user).delete()
    member.user.org_roles.filter(organization=organization).delete()
    member.delete()
    permissions.forget_access(member.user)
