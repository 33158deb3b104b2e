"""The demo organisation is a digital retailer with an industry and a size, compared with its
industry in DORA's 2025 comparison, which its pages open with (issue 19)."""

from assessments.dora import quickcheck
from assessments.models import Organization, Team
from reports import demo


def test_demo_organisation_has_industry_size_and_opens_with_the_comparison(db, client):
    demo.load_demo_organization()
    org = Organization.objects.get(slug=demo.DEMO_ORG[1])
    assert (org.industry, org.org_size) == ("retail", "500-999")
    assert (org.dora_segment, org.dora_view) == ("industry:retail", "comparison")
    # Every setting names a published row.
    assert quickcheck.get_segment("industry", org.industry).label == "Retail/Consumer/e-Commerce"
    assert quickcheck.get_segment("org_size", org.org_size).label == "500 to 999 employees"
    client.login(username="checkout.lead", password=demo.DEMO_PASSWORD)
    team = Team.objects.get(organization=org, slug="checkout")
    response = client.get(f"/teams/{team.id}/dora/")
    assert response.context["view"] == "comparison"
    assert response.context["segment"].key == "retail"
    card = response.context["measured_card"]
    assert [f["key"] for f in card["factors"]] == [key for key, _l, _m in quickcheck.FACTORS]
    assert all(row["compared"] for f in card["factors"] for row in f["rows"])  # all five


def test_demo_roadmaps_are_planned_with_the_delivery_figures(db):
    """The demo writes its delivery figures before its history, so each roadmap, planned when
    its result is frozen, has DORA items where the figures call for them."""
    from django.core.management import call_command

    from reports.models import RoadmapItem

    call_command("load_demo")
    assert RoadmapItem.objects.filter(kind="dora").exists()
    owned = RoadmapItem.objects.filter(position=0, owner__isnull=False).count()
    assert owned == 9  # every team's first item is its lead's
    call_command("load_demo")  # idempotent: roadmaps and the leads' ownership stay
    assert RoadmapItem.objects.filter(position=0, owner__isnull=False).count() == owned
