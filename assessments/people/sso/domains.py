"""Which organisation's identity provider an e-mail address signs in with."""

import re

from assessments.models import SingleSignOn, SsoDomain
from vsm_site.domain_errors import Invalid

# A DNS name of at least two labels (letters, digits, hyphens; no leading or trailing hyphen).
_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_domain(raw):
    """``raw`` as stored: lower case, without a leading ``@`` or surrounding spaces; Invalid
    when it is not a domain name."""
    domain = (raw or "").strip().lower().lstrip("@").rstrip(".")
    if not _DOMAIN.match(domain):
        raise Invalid(f"{raw!r} is not an e-mail domain (e.g. example.org).", field="email_domains")
    return domain


def parse_domains(raw):
    """A comma- or space-separated list of domains, normalised, without repeats, in order."""
    items = raw if isinstance(raw, list | tuple) else re.split(r"[,\s]+", raw or "")
    domains = []
    for item in items:
        if item and item.strip():
            domain = normalise_domain(item)
            if domain not in domains:
                domains.append(domain)
    if not domains:
        raise Invalid("Name at least one e-mail domain.", field="email_domains")
    return domains


def domain_of(email):
    """The domain of an e-mail address, lower case, or None when it is not an address."""
    email = (email or "").strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or len(email) > 254 or any(c.isspace() for c in email):
        return None
    try:
        return normalise_domain(domain)
    except Invalid:
        return None


def sign_in_for_email(email):
    """The SingleSignOn of the organisation whose provider ``email`` signs in with (a domain
    it configured, with a provider), or None: that address uses the password form."""
    domain = domain_of(email)
    if domain is None:
        return None
    row = (
        SsoDomain.objects.filter(domain=domain)
        .exclude(organization__single_sign_on__protocol="")
        .select_related("organization__single_sign_on__social_app", "organization")
        .first()
    )
    if row is None:
        return None
    sso = row.organization.single_sign_on
    return sso if sso.social_app_id else None


def sso_anywhere():
    """Whether any organisation signs in through a provider: the login page then asks for
    the e-mail address first."""
    return SingleSignOn.objects.exclude(protocol="").filter(social_app__isnull=False).exists()
