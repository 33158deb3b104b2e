"""Events an organisation webhook received that no team owns: one record per delivery, the CoE's
list grouped by what they named, and routing them to a team from that list."""

import json

import pytest
from django.urls import reverse

from assessments.dora import webhook_services
from assessments.models import Deployment, WebhookDelivery
from assessments.models.dora import TeamOwnership, UnroutedEvent
from tests.assessments.dora.test_webhooks_receiver import load, post_github
from vsm_site.domain_errors import NotAllowed

BODY = load("github_deployment_status.json")
REPOSITORY = json.loads(BODY)["repository"]["full_name"]


@pytest.fixture
def inline(monkeypatch):
    monkeypatch.setattr(
        webhook_services.task_process_delivery,
        "apply_async",
        lambda args, **kwargs: webhook_services.process_delivery(args[0]),
    )


@pytest.fixture
def unrouted(client, world, inline, django_capture_on_commit_callbacks):
    """One GitHub deployment_status delivery to the organisation's webhook, for a repository
    no team owns."""
    hook, secret = webhook_services.create_webhook(provider="github", organization=world.org)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_github(client, hook, secret, BODY, "deployment_status").status_code == 202
    return WebhookDelivery.objects.get()


def test_unrouted_event_names_the_delivery_its_event_and_subject(world, unrouted):
    event = UnroutedEvent.objects.get()
    assert (event.delivery, event.event_type, event.subject, event.received_at) == (
        unrouted,
        "deployment_status",
        REPOSITORY,
        unrouted.received_at,
    )
    assert event.reason.startswith("no team owns")


def test_reprocessing_keeps_one_unrouted_event_per_delivery(world, unrouted):
    webhook_services.reprocess(WebhookDelivery.objects.all())
    webhook_services.reprocess(WebhookDelivery.objects.all())
    assert UnroutedEvent.objects.count() == 1
    assert UnroutedEvent.objects.get().delivery == unrouted


def test_reprocessing_after_an_ownership_removes_the_unrouted_event(world, unrouted):
    TeamOwnership.objects.create(
        organization=world.org, team=world.team_b, kind="repository", value=REPOSITORY.lower()
    )
    webhook_services.reprocess(WebhookDelivery.objects.all())
    assert UnroutedEvent.objects.count() == 0
    assert Deployment.objects.get().team == world.team_b


def test_pruned_delivery_takes_its_unrouted_event_with_it(world, unrouted):
    unrouted.delete()
    assert UnroutedEvent.objects.count() == 0


def test_route_unrouted_gives_the_name_to_the_team_and_derives_the_events(world, unrouted):
    ownership, routed = webhook_services.route_unrouted(
        world.org_admin, world.team_a, "repository", REPOSITORY
    )
    assert (ownership.team, ownership.kind, ownership.value, routed) == (
        world.team_a,
        "repository",
        REPOSITORY.lower(),
        1,
    )
    unrouted.refresh_from_db()
    assert unrouted.status == WebhookDelivery.PROCESSED
    assert Deployment.objects.get().team == world.team_a
    assert UnroutedEvent.objects.count() == 0


def test_only_admins_and_the_teams_lead_route(world, unrouted):
    with pytest.raises(NotAllowed):
        webhook_services.route_unrouted(world.analyst, world.team_a, "repository", REPOSITORY)
    with pytest.raises(NotAllowed):
        webhook_services.route_unrouted(world.lead_a, world.team_b, "repository", REPOSITORY)
    assert TeamOwnership.objects.count() == 0
    assert UnroutedEvent.objects.count() == 1


def test_route_unrouted_refuses_a_name_another_team_owns(world, unrouted):
    from vsm_site.domain_errors import Invalid

    TeamOwnership.objects.create(
        organization=world.org, team=world.team_b, kind="service", value="checkout"
    )
    with pytest.raises(Invalid, match="Team B already owns"):
        webhook_services.route_unrouted(world.org_admin, world.team_a, "service", "checkout")


def url(world):
    return reverse("organization_unrouted_events", args=[world.org.slug])


def test_page_lists_subjects_and_events_for_the_coe(client, world, unrouted):
    client.force_login(world.analyst)
    response = client.get(url(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert REPOSITORY in body
    assert "deployment_status" in body
    assert response.context["subjects"][0]["count"] == 1
    assert response.context["subjects"][0]["kind"] == "repository"
    assert not response.context["can_route"]
    assert 'name="team"' not in body


def test_page_is_closed_to_members_and_other_organisations(client, world, unrouted):
    client.force_login(world.member_a)
    assert client.get(url(world)).status_code == 403
    client.force_login(world.other_admin)
    assert client.get(url(world)).status_code == 404


def test_admin_routes_from_the_page(client, world, unrouted):
    client.force_login(world.org_admin)
    response = client.post(
        url(world),
        {"team": world.team_a.id, "kind": "repository", "subject": REPOSITORY},
        follow=True,
    )
    assert "Team A now owns repository" in response.content.decode()
    assert "1 event routed to it" in response.content.decode()
    assert Deployment.objects.get().team == world.team_a
    assert "Every event the organisation" in response.content.decode()


def test_admin_cannot_route_to_another_organisations_team(client, world, unrouted):
    client.force_login(world.org_admin)
    response = client.post(
        url(world),
        {"team": world.other_team.id, "kind": "repository", "subject": REPOSITORY},
        follow=True,
    )
    assert "Choose a team of the organisation." in response.content.decode()
    assert TeamOwnership.objects.count() == 0


def test_empty_state(client, world):
    client.force_login(world.analyst)
    body = client.get(url(world)).content.decode()
    assert "Every event the organisation" in body
