"""Who an identity from an organisation's provider is, and what it may reach.

An identity is the provider's subject (``uid``) under that organisation's app: allauth keeps
the link (``SocialAccount``, provider ``org-<slug>``), so the same subject or the same e-mail
address at another organisation's provider is another identity. The first sign-in creates the
account in that organisation only (just in time); an existing account is taken over only when
it is a person of this organisation and of no other (people who had a password before SSO),
never a superuser. Every sign-in then applies the group mapping (``mapping.apply_groups``)."""

import re

from django.contrib.auth import get_user_model
from django.db import transaction

from assessments.models import OrganizationMember, SsoDomain
from assessments.people import services as people_services
from assessments.people.sso import mapping
from assessments.people.sso.domains import domain_of
from vsm_site.domain_errors import NotAllowed

USERNAME_MAX = 150


def check_email(sso, email):
    """The address the provider gave, when it is in one of the organisation's domains; a
    provider cannot speak for addresses its organisation does not own."""
    domain = domain_of(email)
    if domain is None:
        raise NotAllowed(
            f"{sso.organization.name}'s identity provider did not give an e-mail address."
        )
    if not SsoDomain.objects.filter(organization=sso.organization, domain=domain).exists():
        raise NotAllowed(
            f"{email} is not an address of {sso.organization.name}: its identity provider may "
            "sign in only its own domains."
        )
    return email.strip()


def _free_username(email):
    User = get_user_model()
    base = re.sub(r"[^\w.@+-]", "", email.lower())[: USERNAME_MAX - 4] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _account_to_take_over(organization, email):
    """An existing account with this address that belongs to this organisation alone."""
    candidates = list(
        get_user_model()
        .objects.filter(
            email__iexact=email,
            is_superuser=False,
            organization_memberships__organization=organization,
        )
        .exclude(socialaccount__isnull=False)[:2]
    )
    if len(candidates) != 1:
        return None
    user = candidates[0]
    others = OrganizationMember.objects.filter(user=user).exclude(organization=organization)
    return None if others.exists() else user


@transaction.atomic
def provision(sso, email, claims):
    """The account for a first sign-in through ``sso``'s provider: taken over (see the module)
    or created, made a person of the organisation. Names come from the standard claims."""
    email = check_email(sso, email)
    user = _account_to_take_over(sso.organization, email)
    if user is None:
        user = get_user_model()(
            username=_free_username(email),
            email=email,
            first_name=str(claims.get("first_name") or "")[:150],
            last_name=str(claims.get("last_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save()
    people_services.add_person(sso.organization, user, OrganizationMember.SSO)
    return user


@transaction.atomic
def signed_in(sso, user, groups):
    """Every sign-in of ``user`` through ``sso``'s provider: refused for an inactive account;
    otherwise the group mapping is applied."""
    if not user.is_active:
        raise NotAllowed("This account is disabled; ask your organisation admin.")
    return mapping.apply_groups(user, sso.organization, groups, sso.default_role)
