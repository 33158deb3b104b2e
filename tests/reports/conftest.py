import pytest

from assessments.maturity import services
from tests.conftest import ALL_LEVELS


@pytest.fixture
def closed_result(world, open_assessment):
    """Team A's mini assessment, answered by member_a and lead_a and closed."""
    for user, levels in (
        (world.member_a, ALL_LEVELS),
        (world.lead_a, {**ALL_LEVELS, "flow-wip": 1}),
    ):
        services.save_answers(user, open_assessment, answers=levels)
        services.submit_response(user, open_assessment)
    return services.close_assessment(world.lead_a, open_assessment)


@pytest.fixture
def confident_result(world, open_assessment):
    """Team A's mini assessment answered by three people (member_a, lead_a and member_a2), the
    threshold: not low-confidence, so analysts see its spread and its rows in the answers
    export too (tests/reports/results/test_candour.py)."""
    from tests.factories import MembershipFactory

    world.member_a2 = MembershipFactory(team=world.team_a, user__username="member_a2").user
    for user, levels in (
        (world.member_a, ALL_LEVELS),
        (world.lead_a, {**ALL_LEVELS, "flow-wip": 1}),
        (world.member_a2, ALL_LEVELS),
    ):
        services.save_answers(user, open_assessment, answers=levels)
        services.submit_response(user, open_assessment)
    return services.close_assessment(world.lead_a, open_assessment)


@pytest.fixture
def sent(monkeypatch):
    """Records report ids sent to the broker instead of sending them."""
    from reports.pdf import services as report_services

    ids = []
    monkeypatch.setattr(report_services, "enqueue_report", lambda report_id: ids.append(report_id))
    return ids
