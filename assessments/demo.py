"""The demo organisation used by `make run` and `python manage.py load_demo`.

Idempotent: running it again finds what exists and adds only what is missing. Every demo user
has the password DEMO_PASSWORD (documented in the README)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Membership, Organization, OrgRole, Team, TeamGroup

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ORG = ("Northwind Digital", "northwind")
DEMO_GROUPS = {
    "Payments": [("Checkout", "checkout"), ("Billing", "billing"), ("Fraud Detection", "fraud")],
    "Customer Experience": [
        ("Mobile App", "mobile"),
        ("Web Storefront", "storefront"),
        ("Search & Discovery", "search"),
    ],
    "Platform": [
        ("Developer Platform", "devplatform"),
        ("Data Platform", "data"),
        ("Site Reliability", "sre"),
    ],
}
MEMBERS_PER_TEAM = 4


@dataclass
class DemoSummary:
    organization: Organization
    teams: list
    users_created: int


def _user(username, first, last, created_counter, **flags):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@northwind.example",
            **flags,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        created_counter.append(username)
    return user


@transaction.atomic
def load_demo_organization():
    created = []
    org, _ = Organization.objects.get_or_create(slug=DEMO_ORG[1], defaults={"name": DEMO_ORG[0]})
    admin = _user("admin", "Ada", "Admin", created)
    OrgRole.objects.get_or_create(user=admin, organization=org, role=OrgRole.ORG_ADMIN)
    coe = _user("coe", "Cora", "Analyst", created)
    OrgRole.objects.get_or_create(user=coe, organization=org, role=OrgRole.COE_ANALYST)
    _user("superadmin", "Sam", "Super", created, is_staff=True, is_superuser=True)

    teams = []
    for group_name, group_teams in DEMO_GROUPS.items():
        group, _ = TeamGroup.objects.get_or_create(organization=org, name=group_name)
        for team_name, slug in group_teams:
            team, _ = Team.objects.get_or_create(
                organization=org, slug=slug, defaults={"name": team_name, "group": group}
            )
            teams.append(team)
            lead = _user(f"{slug}.lead", team_name, "Lead", created)
            Membership.objects.get_or_create(
                user=lead, team=team, defaults={"role": Membership.LEAD}
            )
            for i in range(1, MEMBERS_PER_TEAM + 1):
                member = _user(f"{slug}.m{i}", team_name, f"Member {i}", created)
                Membership.objects.get_or_create(user=member, team=team)
    return DemoSummary(org, teams, len(created))
