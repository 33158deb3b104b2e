"""Writes: every change to assessment data goes through a function here, called alike by the
views, the API, tasks and management commands. Each function is atomic and raises
``ValidationError`` with a message meant for the person who asked."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import Membership


def add_member(team, username, role=Membership.MEMBER):
    """Add a user to a team, or change their role if they already belong to it."""
    if role not in (Membership.MEMBER, Membership.LEAD):
        raise ValidationError(f"Role must be 'member' or 'lead', not {role!r}.", code="role")
    User = get_user_model()
    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise ValidationError(f"No active user named {username!r}.", code="user") from None
    with transaction.atomic():
        try:
            membership, created = Membership.objects.get_or_create(
                user=user, team=team, defaults={"role": role}
            )
        except IntegrityError:  # a concurrent request added the same person a moment ago
            membership, created = Membership.objects.get(user=user, team=team), False
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership, created


def remove_member(team, username):
    """Remove a user from a team. Their submitted answers stay part of closed results."""
    deleted, _ = Membership.objects.filter(team=team, user__username=username).delete()
    if not deleted:
        raise ValidationError(f"{username!r} is not a member of {team.name}.", code="not_member")
