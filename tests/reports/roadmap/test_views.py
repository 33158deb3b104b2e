"""The roadmap page names a DORA item's step in the view it was planned in: tiers, or the bands
of the 2025 comparison."""

import pytest

from assessments.dora import services as dora_services
from assessments.models import Organization, Result
from reports.models import Roadmap
from reports.roadmap import services as roadmap_services

MEASURED = {"lead_time": 400.0}  # one week to one month: Medium (DORA 2024), Retail: below typical


@pytest.mark.parametrize(
    ("view", "move"),
    [("comparison", "below typical → typical"), ("tiers", "Medium → High")],
)
def test_roadmap_page_names_the_dora_step_in_its_view(world, closed_result, client, view, move):
    Organization.objects.filter(pk=world.org.pk).update(
        dora_view=view, dora_segment="industry:retail"
    )
    dora_services.save_entry(world.lead_a, world.team_a, closed_result.period, MEASURED)
    Roadmap.objects.filter(result=closed_result).delete()  # planned again with the figures
    roadmap = roadmap_services.generate_roadmap(Result.objects.get(pk=closed_result.pk))
    assert roadmap.items.get(key="dora:lead_time").kind == "dora"
    client.force_login(world.member_a)
    page = client.get(f"/teams/{world.team_a.id}/roadmap/").content.decode()
    assert move in page
