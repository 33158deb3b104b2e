"""Undo of a member's removal and of a submission (issue 16, point 5)."""

import pytest
from django.core import signing
from django.utils import timezone

from assessments.maturity import services
from assessments.models import Assessment, Membership, Response
from tests.conftest import ALL_LEVELS
from vsm_site.domain_errors import Conflict, Invalid


def _submit(user, assessment):
    services.save_answers(user, assessment, answers=ALL_LEVELS)
    return services.submit_response(user, assessment)


# --- remove member / restore_member ---------------------------------------------------------


def test_restore_member_brings_back_the_previous_role(world):
    token = services.remove_member(world.team_a, "lead_a")
    assert not Membership.objects.filter(team=world.team_a, user=world.lead_a).exists()

    membership = services.restore_member(world.team_a, token)

    assert (membership.user, membership.team, membership.role) == (
        world.lead_a,
        world.team_a,
        Membership.LEAD,
    )


def test_restore_member_twice_is_harmless(world):
    token = services.remove_member(world.team_a, "member_a")
    services.restore_member(world.team_a, token)
    services.restore_member(world.team_a, token)
    assert Membership.objects.filter(team=world.team_a, user=world.member_a).count() == 1


def test_restore_member_refuses_another_teams_token(world):
    token = services.remove_member(world.team_a, "member_a")
    with pytest.raises(Invalid) as exc:
        services.restore_member(world.team_b, token)
    assert exc.value.message == "This undo link is not valid."
    assert not Membership.objects.filter(team=world.team_b, user=world.member_a).exists()


def test_restore_member_refuses_a_forged_token(world):
    forged = signing.dumps(
        {"team": world.team_a.id, "user": world.member_b.id, "role": "lead"}, salt="other"
    )
    with pytest.raises(Invalid):
        services.restore_member(world.team_a, forged)


def test_restore_member_refuses_an_old_token(world, monkeypatch):
    token = services.remove_member(world.team_a, "member_a")
    monkeypatch.setattr(services, "MEMBER_UNDO_SECONDS", -1)
    with pytest.raises(Invalid) as exc:
        services.restore_member(world.team_a, token)
    assert exc.value.message == "Too late to undo: add the person again below."


def test_team_member_remove_offers_undo_once(world, client):
    client.force_login(world.org_admin)
    client.post(f"/teams/{world.team_a.id}/members/member_a/remove/")

    page = client.get(f"/teams/{world.team_a.id}/")
    undo = page.context["member_undo"]
    assert undo["username"] == "member_a"
    assert "Undo: add member_a back" in page.content.decode()
    assert client.get(f"/teams/{world.team_a.id}/").context["member_undo"] is None

    response = client.post(
        f"/teams/{world.team_a.id}/members/undo-remove/", {"token": undo["token"]}, follow=True
    )
    assert "Undone: member_a is back in Team A as member." in response.content.decode()
    assert Membership.objects.filter(team=world.team_a, user=world.member_a).exists()


def test_team_member_undo_remove_by_a_member_is_403(world, client):
    token = services.remove_member(world.team_a, "member_a")
    client.force_login(world.lead_a)
    response = client.post(f"/teams/{world.team_a.id}/members/undo-remove/", {"token": token})
    assert response.status_code == 403
    assert not Membership.objects.filter(team=world.team_a, user=world.member_a).exists()


# --- submit / unsubmit_response ---------------------------------------------------------------


def test_unsubmit_response_makes_the_submission_a_draft(world, open_assessment):
    _submit(world.member_a, open_assessment)

    response = services.unsubmit_response(world.member_a, open_assessment)

    assert (response.status, response.submitted_at) == (Response.DRAFT, None)
    assert response.answers.count() == 4
    services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 5})
    assert services.submit_response(world.member_a, open_assessment).status == "submitted"


def test_unsubmit_response_without_a_submission_is_a_conflict(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 2})
    with pytest.raises(Conflict):
        services.unsubmit_response(world.member_a, open_assessment)


def test_unsubmit_response_after_close_is_a_conflict(world, open_assessment):
    _submit(world.member_a, open_assessment)
    services.close_assessment(world.lead_a, open_assessment)

    with pytest.raises(Conflict) as exc:
        services.unsubmit_response(world.member_a, open_assessment)

    assert exc.value.message == "This assessment is closed; answers can no longer change."
    assert Response.objects.get(respondent=world.member_a).status == Response.SUBMITTED


def test_unsubmit_response_seen_closed_by_another_request_is_a_conflict(world, open_assessment):
    _submit(world.member_a, open_assessment)
    # The caller's copy still reads "open"; the row was closed meanwhile.
    Assessment.objects.filter(pk=open_assessment.pk).update(
        status=Assessment.CLOSED, closed_at=timezone.now()
    )
    with pytest.raises(Conflict):
        services.unsubmit_response(world.member_a, open_assessment)
    assert Response.objects.get(respondent=world.member_a).status == Response.SUBMITTED


def test_answer_unsubmit_view_reopens_the_answer_page(world, open_assessment, client):
    _submit(world.member_a, open_assessment)
    client.force_login(world.member_a)

    response = client.post(f"/assessments/{open_assessment.id}/answer/unsubmit/", follow=True)

    assert response.redirect_chain == [(f"/assessments/{open_assessment.id}/answer/", 302)]
    assert response.context["read_only"] is False
    assert "Submission undone" in response.content.decode()


def test_close_confirmation_names_who_has_not_submitted(world, open_assessment, client):
    _submit(world.member_a, open_assessment)
    client.force_login(world.lead_a)
    page = client.get(f"/assessments/{open_assessment.id}/").content.decode()
    assert "1 of 2 members have not submitted; closing freezes the result without them." in page
