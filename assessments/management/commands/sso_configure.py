"""Connect an organisation to its identity provider, as its admin does on the settings page:
OpenID Connect (issuer, client id and secret) or SAML 2.0 (metadata URL or file)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Membership, Organization
from assessments.people.sso import configuration
from vsm_site.domain_errors import DomainError


class Command(BaseCommand):
    help = (
        "Configure single sign-on for an organisation: --protocol oidc with --issuer, "
        "--client-id and --client-secret, or --protocol saml with --metadata-url or "
        "--metadata-file; --email-domains lists the domains that sign in through it."
    )

    def add_arguments(self, parser):
        parser.add_argument("org_slug")
        parser.add_argument("--protocol", choices=["oidc", "saml"], required=True)
        parser.add_argument(
            "--email-domains",
            dest="email_domains",
            required=True,
            help="Comma-separated, e.g. example.org,example.com.",
        )
        parser.add_argument("--issuer", help="OIDC: the provider's issuer URL.")
        parser.add_argument("--client-id", dest="client_id", help="OIDC: the client id.")
        parser.add_argument("--client-secret", dest="client_secret", help="OIDC: its secret.")
        parser.add_argument("--metadata-url", dest="metadata_url", help="SAML: IdP metadata URL.")
        parser.add_argument("--metadata-file", dest="metadata_file", help="SAML: its XML file.")
        parser.add_argument(
            "--entity-id",
            dest="entity_id",
            help="SAML: the IdP's entity id (default: read from the metadata).",
        )
        parser.add_argument(
            "--groups-claim",
            dest="groups_claim",
            default=None,
            help="The claim (SAML: attribute) listing groups; default groups.",
        )
        parser.add_argument(
            "--default-role",
            dest="default_role",
            default=None,
            choices=[Membership.MEMBER, Membership.LEAD],
            help="Team role of a group mapping that names none; default member.",
        )

    def handle(self, *args, org_slug, protocol, email_domains, **options):
        organization = Organization.objects.filter(slug=org_slug).first()
        if organization is None:
            raise CommandError(f"No organisation {org_slug!r}.")
        common = {
            "email_domains": email_domains,
            "groups_claim": options.get("groups_claim"),
            "default_role": options.get("default_role"),
        }
        try:
            if protocol == "oidc":
                missing = [
                    f"--{n.replace('_', '-')}"
                    for n in ("issuer", "client_id", "client_secret")
                    if not options.get(n)
                ]
                if missing:
                    raise CommandError(f"OpenID Connect needs {', '.join(missing)}.")
                sso = configuration.configure_oidc(
                    None,
                    organization,
                    issuer=options["issuer"],
                    client_id=options["client_id"],
                    client_secret=options["client_secret"],
                    **common,
                )
            else:
                url, path = options.get("metadata_url"), options.get("metadata_file")
                if bool(url) == bool(path):
                    raise CommandError("SAML needs one of --metadata-url and --metadata-file.")
                xml = None
                if path:
                    try:
                        xml = Path(path).read_text(encoding="utf-8")
                    except OSError as exc:
                        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
                sso = configuration.configure_saml(
                    None,
                    organization,
                    metadata_url=url,
                    metadata_xml=xml,
                    entity_id=options.get("entity_id"),
                    **common,
                )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        domains = ", ".join(d.domain for d in organization.sso_domains.all())
        self.stdout.write(
            f"{organization.name} signs in through {sso.get_protocol_display()} "
            f"({configuration.provider_id(organization)}) for {domains}."
        )
        for label, url in configuration.return_addresses(sso):
            self.stdout.write(f"  {label}: {url}")
