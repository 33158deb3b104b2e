"""An organisation's people (issue "People, answers and workers stay inside their
organisation"): teams take members, roadmap items owners and reminders recipients only from
the organisation's own people; invitations bring people in; nobody learns whether an account
exists elsewhere."""

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from assessments.maturity import services
from assessments.models import Membership, OrganizationMember
from assessments.people import services as people
from reports.campaigns import services as campaigns
from reports.models import ReminderLog
from reports.roadmap.services import generate_roadmap
from reports.transfer.organization import export_organization, import_organization
from tests.conftest import ALL_LEVELS
from tests.factories import UserFactory
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound

ADD_REFUSED = "Acme has no member named {!r}; invite them to the organisation first."


def _link(message):
    return re.search(r"https?://\S+/invitations/(\S+)/", message.body).group(1)


# --- teams take members from the organisation only --------------------------------------------


@pytest.mark.parametrize("who", ["nobody", "other_member", "other_admin", "root", "inactive"])
def test_add_member_refuses_unknown_and_foreign_names_alike(world, who):
    UserFactory(username="inactive", is_active=False)
    with pytest.raises(Invalid) as caught:
        services.add_member(world.team_a, who)
    assert caught.value.message == ADD_REFUSED.format(who)
    assert not Membership.objects.filter(team=world.team_a, user__username=who).exists()


def test_add_member_through_the_api_answers_the_same_for_unknown_and_foreign(world, api_client):
    api_client.force_authenticate(world.org_admin)
    url = f"/api/v1/teams/{world.team_a.id}/members/"
    answers = {
        name: api_client.post(url, {"username": name, "role": "member"}, format="json").json()
        for name in ("nobody", "other_member")
    }
    assert answers == {
        name: {"detail": ADD_REFUSED.format(name), "field": "username"} for name in answers
    }


def test_add_member_takes_a_person_of_the_organisation(world):
    membership, created = services.add_member(world.team_a, "member_b")
    assert (membership.team, membership.user, created) == (world.team_a, world.member_b, True)


# --- roadmap owner ---------------------------------------------------------------------------


@pytest.fixture
def roadmap(world, mini):
    assessment = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "mini")
    services.save_answers(world.member_a, assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, assessment)
    return generate_roadmap(services.close_assessment(world.lead_a, assessment))


@pytest.mark.parametrize("name", ["nobody", "other_admin", "member_b", "root"])
def test_roadmap_owner_field_never_tells_existing_from_missing(world, roadmap, client, name):
    item = roadmap.items.order_by("position").first()
    client.force_login(world.lead_a)
    response = client.post(
        f"/roadmap-items/{item.id}/", {"owner": name, "phase": item.phase}, follow=True
    )
    assert f"Team A has no member named &#x27;{name}&#x27;." in response.content.decode()
    item.refresh_from_db()
    assert item.owner is None


# --- reminders --------------------------------------------------------------------------------


def test_reminders_go_only_to_the_organisations_people(world, mini):
    # A Northwind person put in an Acme team before teams were limited to Acme's people.
    stranger = UserFactory(username="stranger", email="stranger@example.com")
    Membership.objects.create(user=stranger, team=world.team_a)
    round_ = campaigns.open_campaign(
        world.analyst, world.org, "Round", "2026-Q4", timezone.localdate(),
        team_ids=[world.team_a.id], questionnaire_key="mini",
    )  # fmt: skip
    sent = campaigns.send_due_reminders(campaign=round_)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert (sent, recipients) == (2, ["lead_a@example.com", "member_a@example.com"])
    assert not ReminderLog.objects.filter(user=stranger).exists()


# --- invitations ------------------------------------------------------------------------------


def test_invitation_answers_the_same_whatever_the_address(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.org_admin)
    url = f"/organizations/{world.org.id}/people/"
    pages = {}
    for email in ("other_member@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"email": email, "role": "member"}, follow=True)
        said = [str(m).replace(email, "<address>") for m in response.context["messages"]]
        pages[email] = (response.redirect_chain, response.status_code, said)
    assert pages["other_member@example.com"] == pages["nobody@example.com"]
    assert pages["nobody@example.com"][2] == ["Invitation sent to <address>."]
    assert [m.to for m in mail.outbox] == [["other_member@example.com"], ["nobody@example.com"]]


def test_invited_person_without_an_account_creates_one_and_joins_the_team(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/organizations/{world.org.id}/people/",
            {"email": "new@example.com", "team": world.team_a.id, "role": "member"},
        )
    token = _link(mail.outbox[0])
    assert f"{settings.SITE_URL}/invitations/{token}/" in mail.outbox[0].body  # absolute
    client.logout()
    page = client.get(f"/invitations/{token}/")
    assert "Join Acme" in page.content.decode()
    response = client.post(
        f"/invitations/{token}/",
        {"username": "newbie", "first_name": "New", "last_name": "Person",
         "password1": "a long pass phrase 42", "password2": "a long pass phrase 42"},
    )  # fmt: skip
    assert response.status_code == 302
    newbie = get_user_model().objects.get(username="newbie")
    assert newbie.email == "new@example.com"
    assert people.is_person_of(newbie, world.org)
    assert Membership.objects.get(user=newbie).team == world.team_a
    # The link works once.
    assert client.get(f"/invitations/{token}/").status_code == 404


def test_logged_in_person_accepts_with_their_account(world, client):
    _, token = people.invite(world.org_admin, world.org, "om@example.com")
    client.force_login(world.other_member)
    assert client.post(f"/invitations/{token}/").status_code == 302
    assert people.is_person_of(world.other_member, world.org)
    services.add_member(world.team_a, "other_member")  # now one of Acme's people


def test_revoked_or_expired_invitation_is_refused(world):
    invitation, token = people.invite(world.org_admin, world.org, "x@example.com")
    people.revoke_invitation(world.org_admin, invitation)
    with pytest.raises(Invalid, match="not valid any more"):
        people.accept_invitation(token, world.other_member)
    invitation, token = people.invite(world.org_admin, world.org, "y@example.com")
    invitation.expires_at = timezone.now() - dt.timedelta(seconds=1)
    invitation.save()
    assert people.pending_invitation(token) is None


@pytest.mark.parametrize(("who", "error"), [("analyst", NotAllowed), ("member_a", NotAllowed),
                                             ("other_admin", NotFound)])  # fmt: skip
def test_only_the_organisations_admins_invite(world, who, error):
    with pytest.raises(error):
        people.invite(getattr(world, who), world.org, "z@example.com")
    assert mail.outbox == []


def test_removing_a_person_takes_them_out_of_every_team_and_role(world):
    people.remove_person(world.org_admin, world.org, "analyst")
    people.remove_person(world.org_admin, world.org, "member_a")
    assert not OrganizationMember.objects.filter(
        organization=world.org, user__username__in=["analyst", "member_a"]
    ).exists()
    assert not world.analyst.org_roles.exists()
    assert not Membership.objects.filter(user=world.member_a).exists()
    with pytest.raises(Conflict):
        people.remove_person(world.org_admin, world.org, "org_admin")


# --- the directory API -------------------------------------------------------------------------


def test_people_search_lists_the_organisations_people_only(world, api_client):
    api_client.force_authenticate(world.lead_a)
    found = api_client.get("/api/v1/organizations/acme/people/", {"search": "member"}).json()
    assert [p["username"] for p in found] == ["member_a", "member_b"]
    api_client.force_authenticate(world.member_a)
    assert api_client.get("/api/v1/organizations/acme/people/").status_code == 403
    api_client.force_authenticate(world.other_admin)
    assert api_client.get("/api/v1/organizations/acme/people/").status_code == 404


def test_invitation_api_answers_202_alike(world, api_client):
    """The answer (and the e-mail sent) is the same for an address with an account in another
    organisation and for one with none."""
    api_client.force_authenticate(world.org_admin)
    url = "/api/v1/organizations/acme/invitations/"
    answers = [
        api_client.post(url, {"email": email}, format="json")
        for email in ("other_admin@example.com", "ghost@example.com")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert [json.loads(a.content)["detail"].split(" to ")[0] for a in answers] == [
        "Invitation sent", "Invitation sent",
    ]  # fmt: skip


# --- importing an organisation next to others ---------------------------------------------------


def test_import_org_refuses_to_attach_another_organisations_accounts(world, mini):
    document = export_organization(world.org)
    world.org.slug, world.org.name = "acme-old", "Acme (old)"
    world.org.save()
    with pytest.raises(Conflict, match="belong to people of other organisations"):
        import_organization(document)
    imported = import_organization(document, attach_existing=True)
    assert people.is_person_of(world.member_a, imported)
    assert sorted(
        OrganizationMember.objects.filter(organization=imported).values_list(
            "user__username", flat=True
        )
    ) == sorted(document["people"])
