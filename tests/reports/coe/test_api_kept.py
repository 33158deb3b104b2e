"""The comparison API keeps its teams' part with the cached comparison, per DORA 2025 segment:
a repeated request builds nothing again, another segment gets its own comparisons, and a
change to the organisation's data is seen at once."""

from unittest import mock

from assessments.models import DoraSnapshot
from reports.coe import api
from tests.reports.coe.test_exports_2025 import EXAMPLE, measured, snapshot  # noqa: F401

URL = "/api/v1/comparison/"


def test_teams_built_once_per_segment_and_again_after_a_change(measured, api_client):  # noqa: F811
    api_client.force_authenticate(measured.analyst)
    with mock.patch.object(api, "_comparison_team", wraps=api._comparison_team) as built:
        first = api_client.get(URL).json()
        assert built.call_count == 2  # Team A and Team B
        assert api_client.get(URL).json() == first
        assert built.call_count == 2
        by_size = api_client.get(URL, {"segment": "org_size:1000-4999"}).json()
        assert built.call_count == 4
        assert by_size["dora_2025"]["segment"]["kind"] == "org_size"
        a = next(t for t in by_size["teams"] if t["team"]["name"] == "Team A")
        assert a["dora_2025"]["comparison"]["time_to_restore"]["mean"] == 7.4
        assert api_client.get(URL).json() == first
        assert built.call_count == 4
        snapshot(measured.team_b, "2026-Q3", DoraSnapshot.EVENTS, EXAMPLE)
        after = api_client.get(URL).json()
        assert built.call_count == 6
    b = next(t for t in after["teams"] if t["team"]["name"] == "Team B")
    assert b["dora_2025"]["scores"]["overall"] == 8.6
