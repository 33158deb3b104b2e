from django.core.management import call_command

from assessments.models import Assessment, Result, Team


def test_demo_history_is_varied_and_complete(db, client):
    call_command("load_demo")
    teams = list(Team.objects.order_by("slug"))
    assert len(teams) >= 8
    trends = {}
    for team in teams:
        results = list(Result.objects.filter(team=team).order_by("period"))
        assert len(results) >= 4, team.slug
        assert Assessment.objects.filter(team=team, status="open").count() == 1
        trends[team.slug] = results[-1].overall_score - results[0].overall_score
    assert any(delta > 0.5 for delta in trends.values())  # some improve
    assert any(delta < -0.3 for delta in trends.values())  # some decline
    assert Result.objects.filter(low_confidence=True).exists()
    # every team's latest result page renders for its lead
    client.login(username="checkout.lead", password="demo-pass-2026")
    latest = Result.objects.filter(team__slug="checkout").order_by("-period").first()
    assert client.get(f"/assessments/{latest.assessment_id}/result/").status_code == 200
    counts = (Assessment.objects.count(), Result.objects.count())
    call_command("load_demo")
    assert (Assessment.objects.count(), Result.objects.count()) == counts


def test_demo_roadmaps_every_result_and_the_lead_owns_the_first_item(db):
    from assessments.models import Membership
    from reports.models import Roadmap

    call_command("load_demo")
    assert not Result.objects.filter(roadmap__isnull=True).exists()  # planned when frozen
    for team in Team.objects.filter(results__isnull=False).distinct():
        latest = Roadmap.objects.filter(team=team).order_by("-result__period").first()
        first = latest.items.order_by("position").first()
        lead = team.memberships.get(role=Membership.LEAD).user
        assert first.owner == lead, team.name
