"""The team history page: its figures, and its content kept per organisation data version,
never shown stale after a change."""

import pytest

from assessments.models import Questionnaire
from reports.coe import history
from reports.demo import load_shipped_questionnaires
from tests.factories import make_result


@pytest.fixture
def shipped(db):
    load_shipped_questionnaires()
    return Questionnaire.objects.get(key="vsm-maturity", version=1)


@pytest.fixture
def two_results(world, shipped):
    make_result(world.team_a, "2026-Q2", 2.25, {"visibility": 2.25, "flow": 1.5},
                questionnaire=shipped)  # fmt: skip
    return make_result(world.team_a, "2026-Q3", 3.0, {"visibility": 3.5, "flow": 1.5},
                       questionnaire=shipped)  # fmt: skip


def page(client, world):
    response = client.get(f"/teams/{world.team_a.id}/history/")
    assert response.status_code == 200
    return response.content.decode()


def test_history_shows_results_changes_and_dimension_cells(world, client, two_results):
    client.force_login(world.member_a)
    html = page(client, world)
    assert "Team A: history" in html
    assert "▲ +0.75" in html  # overall 2.25 -> 3.00
    # 2.25 reads 2.2: a score beside its level is cut, never rounded up into the next level's
    # look (levels.score_text, issue 18); the change arrow only where it moved
    assert '<td class="small text-center level-2">2.2</td>' in html
    assert '<span class="visually-hidden"> change 1.25</span>' in html
    assert html.count('<td class="small text-center level-1">1.5</td>') == 2  # flow: no change


def test_history_content_is_rendered_once_per_data_version(world, client, two_results,
                                                           monkeypatch):  # fmt: skip
    calls = []
    real = history.history_context
    monkeypatch.setattr(history, "history_context", lambda team: calls.append(1) or real(team))
    client.force_login(world.member_a)
    page(client, world)
    client.force_login(world.lead_a)  # another viewer of the team: the same content
    page(client, world)
    assert len(calls) == 1


@pytest.mark.parametrize("change", ["new result", "rename", "roadmap"])
def test_history_shows_a_change_at_once(world, client, two_results, shipped, change):
    client.force_login(world.lead_a)
    before = page(client, world)
    if change == "new result":
        make_result(world.team_a, "2026-Q4", 4.0, {"visibility": 4.0}, questionnaire=shipped)
        assert "2026-Q4" not in before and "2026-Q4" in page(client, world)
    elif change == "rename":
        world.team_a.name = "Team Alpha"
        world.team_a.save()
        assert "Team Alpha: history" in page(client, world)
    else:
        assert ">Roadmap</a>" not in before
        # Results made directly have no roadmap; "Plan the roadmap" plans it (a GET never does).
        assert client.get(f"/teams/{world.team_a.id}/roadmap/").status_code == 200
        assert ">Roadmap</a>" not in page(client, world)
        assert client.post(f"/teams/{world.team_a.id}/roadmap/").status_code == 302
        assert ">Roadmap</a>" in page(client, world)


def test_history_without_results_says_so(world, client, shipped):
    client.force_login(world.member_a)
    assert "No closed assessment yet" in page(client, world)
