"""Issue an API token with which a team's CI/CD pipeline sends deployment and incident events."""

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Team, TeamApiToken


class Command(BaseCommand):
    help = (
        "Issue an API token for a team's event endpoints and print its key once (only a hash "
        "is stored). The key alone goes to stdout, so KEY=$(manage.py issue_team_token ...) works."
    )

    def add_arguments(self, parser):
        parser.add_argument("team_slug")
        parser.add_argument("name", help="What the token is for, e.g. 'GitHub Actions'.")
        parser.add_argument("--org", dest="org_slug", help="The team's organisation (slug).")

    def handle(self, *args, team_slug, name, org_slug=None, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("Give the token a name of 1 to 100 characters.")
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
        token, key = TeamApiToken.issue(team, name)
        self.stderr.write(
            f"Token {token.name!r} for team {team.name!r} ({team.organization.slug}). "
            "Store the key now: it is not shown again."
        )
        self.stdout.write(key)
