"""Provisioning of an organisation's people by its identity provider.

Who a token sees: the organisation's people (``OrganizationMember``) and the people its
identity provider deactivated (a ``ScimUser`` row with ``active`` false). Everyone else, the
people of other organisations included, is a 404, like an id nobody has.

The rules for a person who may belong to several organisations (docs/scim.md):

- ``active: false`` (and DELETE) takes the person out of this organisation: its teams, its
  roles and its people. If they then belong to no organisation, and are not staff, their
  account is deactivated as well: their sessions end and their API tokens are deleted at
  once. A person of another organisation keeps their account, sessions and tokens.
- ``userName``, ``name`` and ``emails`` are written only while the account belongs to this
  organisation alone (and is not staff): one organisation's identity provider never changes
  the sign-in name or e-mail address (password resets go there) of another's person.
- ``active: true`` brings them back: a person of the organisation again, in the teams of its
  groups (team roles an admin gave are not restored), the account reactivated.
- DELETE also forgets the ``externalId`` and group memberships; the account is never deleted
  (its answers stay part of closed results)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from assessments.models import OrganizationMember, ScimGroupMember, ScimUser
from assessments.people import services as people_services
from assessments.people.scim import teams
from assessments.people.scim.errors import (
    INVALID_SYNTAX,
    INVALID_VALUE,
    UNIQUENESS,
    ScimError,
    bad_request,
    not_found,
)
from assessments.people.scim.filters import USER_ATTRIBUTES, parse_filter
from assessments.people.scim.resources import USER_SCHEMA

User = get_user_model()
USERNAME_MAX = User._meta.get_field("username").max_length
NAME_MAX = 150


@dataclass(frozen=True)
class UserFields:
    username: str
    given_name: str
    family_name: str
    email: str
    external_id: str
    active: bool | None  # None: not said, left as it is


# --- reading ------------------------------------------------------------------------------


def visible_users(organization):
    members = OrganizationMember.objects.filter(organization=organization).values("user_id")
    provisioned = ScimUser.objects.filter(organization=organization).values("user_id")
    return User.objects.filter(Q(pk__in=members) | Q(pk__in=provisioned)).order_by("pk")


def find_user(organization, user_id):
    """The person ``user_id`` names, if this organisation sees them; else 404."""
    try:
        pk = int(str(user_id))
    except ValueError:
        raise not_found("user") from None
    user = visible_users(organization).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if user is None:
        raise not_found("user")
    return user


def list_users(organization, filter_text=None):
    """The visible people matching the filter (``filters.parse_filter``), by id."""
    rows = visible_users(organization)
    if not filter_text:
        return rows
    attribute, value = parse_filter(filter_text, USER_ATTRIBUTES)
    if attribute == "userName":
        return rows.filter(username__iexact=value)
    if attribute == "emails.value":
        return rows.filter(email__iexact=value)
    if attribute == "externalId":
        ids = ScimUser.objects.filter(organization=organization, external_id=value)
        return rows.filter(pk__in=ids.values("user_id"))
    return rows.filter(pk=int(value)) if value.isdigit() and len(value) < 19 else rows.none()


def states(organization, users):
    """``{user id: (externalId, active, last modified)}`` for ``users`` (two queries, whatever
    their number). Last modified: the last write through SCIM, else when the account was
    made."""
    ids = [u.pk for u in users]
    rows = ScimUser.objects.filter(organization=organization, user_id__in=ids)
    known = {pk: (external_id, updated) for pk, external_id, updated in rows.values_list(
        "user_id", "external_id", "updated_at")}  # fmt: skip
    members = set(
        OrganizationMember.objects.filter(organization=organization, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    return {
        u.pk: (
            known.get(u.pk, ("", None))[0],
            u.is_active and u.pk in members,
            known.get(u.pk, ("", None))[1] or u.date_joined,
        )
        for u in users
    }


# --- the body -----------------------------------------------------------------------------


def read_user(data, *, require_schema=True):
    """The fields of a User body (POST, PUT, or a resource after PATCH); 400 for a body that
    is not one. Attributes this site does not keep are ignored."""
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object (a User).", INVALID_SYNTAX)
    schemas = data.get("schemas")
    if require_schema and (not isinstance(schemas, list) or USER_SCHEMA not in schemas):
        raise bad_request(f"'schemas' must list {USER_SCHEMA}.", INVALID_SYNTAX)
    data = {k.lower(): v for k, v in data.items() if isinstance(k, str)}
    username = data.get("username")
    if not isinstance(username, str) or not username.strip():
        raise bad_request("'userName' is required and must be a string.", INVALID_VALUE)
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise bad_request(
            "'userName' may hold letters, digits and @ . + - _ only.", INVALID_VALUE
        ) from None
    if len(username) > USERNAME_MAX:
        raise bad_request(f"'userName' is at most {USERNAME_MAX} characters.", INVALID_VALUE)
    name = data.get("name") or {}
    if not isinstance(name, dict):
        raise bad_request("'name' must be an object.", INVALID_VALUE)
    name = {k.lower(): v for k, v in name.items() if isinstance(k, str)}
    given, family = (_text(name.get(k), f"name.{k}", NAME_MAX) for k in ("givenname", "familyname"))
    external_id = _text(data.get("externalid"), "externalId", 255)
    return UserFields(
        username=username,
        given_name=given,
        family_name=family,
        email=_email(data.get("emails")),
        external_id=external_id,
        active=_boolean(data["active"], "active") if "active" in data else None,
    )


def _text(value, label, limit):
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise bad_request(f"'{label}' must be a string of at most {limit} characters.",
                          INVALID_VALUE)  # fmt: skip
    return value.strip()


def _boolean(value, label):
    # Entra ID has sent "True" and "False" as strings.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise bad_request(f"'{label}' must be true or false.", INVALID_VALUE)
    return value


def _email(emails):
    """The primary address, else the work one, else the first."""
    if emails in (None, []):
        return ""
    if not isinstance(emails, list) or not all(isinstance(e, dict) for e in emails):
        raise bad_request("'emails' must be a list of objects.", INVALID_VALUE)
    emails = [{k.lower(): v for k, v in e.items() if isinstance(k, str)} for e in emails]
    chosen = (
        next((e for e in emails if e.get("primary") in (True, "true", "True")), None)
        or next((e for e in emails if e.get("type") == "work"), None)
        or emails[0]
    )
    value = chosen.get("value")
    if value in (None, ""):
        return ""
    if (not isinstance(value, str) or "@" not in value or len(value) > 254
            or any(c.isspace() for c in value)):  # fmt: skip
        raise bad_request(f"{value!r} is not an e-mail address.", INVALID_VALUE)
    return value


# --- writing ------------------------------------------------------------------------------


def owns_profile(organization, user):
    """Whether this organisation's identity provider may change the account itself: not
    staff, and a person of no other organisation."""
    if user.is_staff or user.is_superuser:
        return False
    return (
        not OrganizationMember.objects.filter(user=user).exclude(organization=organization).exists()
    )


def _check_unique(organization, fields, user=None, *, username=True):
    taken = User.objects.filter(username__iexact=fields.username)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if username and taken.exists():
        raise ScimError(409, f"The userName {fields.username!r} is taken.", UNIQUENESS)
    if fields.external_id:
        other = ScimUser.objects.filter(organization=organization, external_id=fields.external_id)
        if user is not None:
            other = other.exclude(user=user)
        if other.exists():
            raise ScimError(409, "Another user has this externalId.", UNIQUENESS)


@transaction.atomic
def create_user(organization, data):
    """A new account, a person of the organisation (``source`` scim) unless created
    inactive. A userName any account has already is a 409: an existing person joins an
    organisation by accepting its invitation, never by being claimed."""
    fields = read_user(data)
    _check_unique(organization, fields)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=fields.username,
                email=fields.email,
                password=None,  # unusable: people sign in through the identity provider
                first_name=fields.given_name,
                last_name=fields.family_name,
            )
    except IntegrityError:  # the same name created a moment ago
        raise ScimError(409, f"The userName {fields.username!r} is taken.", UNIQUENESS) from None
    _saving_external_id(
        lambda: ScimUser.objects.create(
            organization=organization, user=user, external_id=fields.external_id
        )
    )
    if fields.active is False:
        _deactivate(organization, user)
    else:
        people_services.add_person(organization, user, OrganizationMember.SCIM)
    return user


@transaction.atomic
def replace_user(organization, user, data, *, require_schema=True):
    """PUT (and the end of PATCH): the fields the body gives, under the rules above. Only a
    change of ``active`` deactivates or reactivates: a PATCH of a name, which carries the
    current ``active`` along, changes nothing else (it does not put back in a team someone
    an admin took out)."""
    fields = read_user(data, require_schema=require_schema)
    user = User.objects.select_for_update().get(pk=user.pk)
    was_active = states(organization, [user])[user.pk][1]
    row, _ = ScimUser.objects.get_or_create(organization=organization, user=user)
    owned = owns_profile(organization, user)
    _check_unique(organization, fields, user, username=owned)
    if owned:
        user.username = fields.username
        user.first_name, user.last_name = fields.given_name, fields.family_name
        user.email = fields.email
        try:
            with transaction.atomic():
                user.save(update_fields=["username", "first_name", "last_name", "email"])
        except IntegrityError:  # the same name taken a moment ago
            raise ScimError(
                409, f"The userName {fields.username!r} is taken.", UNIQUENESS
            ) from None
    if row.external_id != fields.external_id:
        row.external_id = fields.external_id
        _saving_external_id(lambda: row.save(update_fields=["external_id", "updated_at"]))
    if fields.active is True and not was_active:
        _reactivate(organization, user)
    elif fields.active is False and was_active:
        _deactivate(organization, user)
    ScimUser.objects.filter(pk=row.pk).update(updated_at=timezone.now())
    return user


def _saving_external_id(save):
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:  # the same externalId given to another person a moment ago
        raise ScimError(409, "Another user has this externalId.", UNIQUENESS) from None


@transaction.atomic
def delete_user(organization, user):
    """Out of the organisation (``_deactivate``) and forgotten by its identity provider: its
    ``externalId`` and its groups here. The account stays."""
    memberships = ScimGroupMember.objects.filter(user=user, group__organization=organization)
    memberships.delete()
    _deactivate(organization, user)
    ScimUser.objects.filter(organization=organization, user=user).delete()


def _reactivate(organization, user):
    ScimUser.objects.filter(organization=organization, user=user).update(
        active=True, updated_at=timezone.now()
    )
    if not user.is_active and owns_profile(organization, user):
        user.is_active = True
        user.save(update_fields=["is_active"])
    people_services.add_person(organization, user, OrganizationMember.SCIM)
    teams.sync_user(organization, user)


def _deactivate(organization, user):
    ScimUser.objects.filter(organization=organization, user=user).update(
        active=False, updated_at=timezone.now()
    )
    if OrganizationMember.objects.filter(organization=organization, user=user).exists():
        people_services.remove_person(None, organization, user.username)
    if user.is_active and owns_profile(organization, user):
        deactivate_account(user)


def deactivate_account(user):
    """The account stops working at once: inactive, every session ended, every personal API
    token deleted (team tokens are not personal and stay)."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    Token.objects.filter(user=user).delete()
    end_sessions(user)


def end_sessions(user):
    """Delete the user's sessions. Sessions are signed blobs keyed by a random id, so they
    are read to find the user's; deactivation is rare and the table holds only unexpired
    sessions once ``clearsessions`` runs."""
    pk = str(user.pk)
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == pk
    ]
    Session.objects.filter(session_key__in=mine).delete()
