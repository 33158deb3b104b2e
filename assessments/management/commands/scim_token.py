"""Issue (or revoke) an organisation's SCIM token for its identity provider."""

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Organization
from assessments.people.scim import tokens


class Command(BaseCommand):
    help = (
        "Print a new SCIM token for the organisation, once (only a hash is stored): the "
        "identity provider sends it as 'Authorization: Bearer vsms_...' to /scim/v2/. The key "
        "alone goes to stdout, so KEY=$(manage.py scim_token acme) works. --revoke PREFIX "
        "revokes the token whose key starts vsms_PREFIX instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("org_slug")
        parser.add_argument("--revoke", metavar="PREFIX", help="The 8 characters after vsms_.")

    def handle(self, *args, org_slug, revoke=None, **options):
        organization = Organization.objects.filter(slug=org_slug).first()
        if organization is None:
            raise CommandError(f"No organisation {org_slug!r}.")
        if revoke is not None:
            if not tokens.revoke_token(organization, revoke.removeprefix("vsms_")[:8]):
                raise CommandError(f"{organization.name} has no working SCIM token {revoke!r}.")
            self.stderr.write(f"Revoked the SCIM token {revoke} of {organization.name}.")
            return
        token, key = tokens.issue_token(organization)
        self.stderr.write(
            f"SCIM token {token.prefix} of {organization.name}; base URL /scim/v2/. "
            "Keep the key now: it is not shown again."
        )
        self.stdout.write(key)
