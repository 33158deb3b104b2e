"""Issue a team API token: one that sends the team's deployment and incident events (scope
``events``, the default) or one that reads its DORA metrics (``metrics``)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.dora import token_services
from assessments.models import Team, TeamApiToken
from vsm_site.domain_errors import Invalid


class Command(BaseCommand):
    help = (
        "Issue an API token for a team and print its key once (only a hash is stored). Scope "
        "'events' (default) sends the team's events; 'metrics' reads its DORA metrics. The key "
        "alone goes to stdout, so KEY=$(manage.py issue_team_token ...) works."
    )

    def add_arguments(self, parser):
        parser.add_argument("team_slug")
        parser.add_argument("name", help="What the token is for, e.g. 'GitHub Actions'.")
        parser.add_argument("--org", dest="org_slug", help="The team's organisation (slug).")
        parser.add_argument(
            "--scope",
            choices=[key for key, _ in TeamApiToken.SCOPE_CHOICES],
            default=TeamApiToken.EVENTS,
            help="events (default): send deployments and incidents; metrics: read DORA metrics.",
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            dest="expires_days",
            help=f"Expire after this many days (1-{token_services.MAX_EXPIRY_DAYS}); "
            "default: never.",
        )

    def handle(
        self, *args, team_slug, name, org_slug=None, scope=TeamApiToken.EVENTS,
        expires_days=None, **options,
    ):  # fmt: skip
        name = name.strip()
        if not name or len(name) > token_services.MAX_NAME_LENGTH:
            raise CommandError("Give the token a name of 1 to 100 characters.")
        try:
            expires_at = token_services.expiry(days=expires_days)
        except Invalid as exc:
            raise CommandError(exc.message) from None
        teams = Team.objects.select_related("organization").filter(slug=team_slug)
        if org_slug:
            teams = teams.filter(organization__slug=org_slug)
        teams = list(teams[:2])
        if not teams:
            where = f" in organisation {org_slug!r}" if org_slug else ""
            raise CommandError(f"No team {team_slug!r}{where}.")
        if len(teams) > 1:
            raise CommandError(f"Several organisations have a team {team_slug!r}; pass --org.")
        team = teams[0]
        token, key = TeamApiToken.issue(team, name, scope=scope, expires_at=expires_at)
        until = (
            f"expires {timezone.localtime(expires_at):%Y-%m-%d %H:%M}"
            if expires_at
            else "never expires"
        )
        self.stderr.write(
            f"Token {token.name!r} ({token.scope}, {until}) for team {team.name!r} "
            f"({team.organization.slug}). Store the key now: it is not shown again."
        )
        self.stdout.write(key)
