"""A roadmap is planned when its result is frozen, in the same transaction; pages and PDFs only
read it. A result without one (frozen earlier, or made directly) is planned by an explicit
action: "Plan the roadmap" (a POST), asking for its PDF, or ``manage.py plan_roadmaps``."""

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.maturity import services
from reports.models import Roadmap
from reports.roadmap import services as roadmap_services
from tests.conftest import ALL_LEVELS, client_for
from tests.factories import make_result


def test_closing_an_assessment_plans_its_roadmap(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, open_assessment)
    result = services.close_assessment(world.lead_a, open_assessment)
    roadmap = Roadmap.objects.get(result=result)
    assert roadmap.team_id == world.team_a.id
    assert roadmap.items.exists()


def test_a_planning_failure_does_not_undo_the_close(world, open_assessment, monkeypatch):
    def broken(result):
        raise RuntimeError("practice content unreadable")

    monkeypatch.setattr(roadmap_services, "generate_roadmap", broken)
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, open_assessment)
    result = services.close_assessment(world.lead_a, open_assessment)
    open_assessment.refresh_from_db()
    assert open_assessment.status == "closed"
    assert not Roadmap.objects.filter(result=result).exists()


def test_the_roadmap_page_never_writes(world, client, mini):
    result = make_result(world.team_a, "2026-Q3", 2.0, {"flow": 2.0, "quality": 2.0})
    client = client_for(client, world.member_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/teams/{world.team_a.id}/roadmap/").content.decode()
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert [w for w in writes if "django_session" not in w] == []
    assert not Roadmap.objects.filter(result=result).exists()
    assert "Plan the roadmap" in page

    response = client.post(f"/teams/{world.team_a.id}/roadmap/", follow=True)
    assert Roadmap.objects.filter(result=result).count() == 1
    assert "Roadmap planned from the 2026-Q3 result." in [
        str(m) for m in response.context["messages"]
    ]
    assert "Plan the roadmap" not in response.content.decode()


def test_plan_roadmaps_command_plans_only_the_missing_ones(world, mini):
    make_result(world.team_a, "2026-Q2", 2.0, {"flow": 2.0, "quality": 2.0})
    later = make_result(world.team_a, "2026-Q3", 3.0, {"flow": 3.0, "quality": 3.0})
    roadmap_services.generate_roadmap(later)
    call_command("plan_roadmaps")
    assert Roadmap.objects.filter(team=world.team_a).count() == 2
    call_command("plan_roadmaps")  # idempotent
    assert Roadmap.objects.filter(team=world.team_a).count() == 2
