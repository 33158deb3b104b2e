"""JSON from outside nests a bounded number of levels (vsm_site/jsonbody.py): a deeper body is
a 400 that says so on every API, and a failed delivery with the reason for webhooks; never a
500, never a task that crashes and is retried for ever."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.dora import webhook_services
from assessments.models import TeamApiToken, WebhookDelivery
from tests.assessments.dora.provider_payloads import github_headers
from vsm_site import jsonbody

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=40,
)


def nested(levels):
    """A list ``levels`` deep: ``[[...[]...]]``."""
    return "[" * levels + "]" * levels


def reference_depth(value):
    if isinstance(value, dict):
        return 1 + max(map(reference_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(reference_depth, value), default=0)
    return 1


@given(json_values)
def test_property_depth_is_the_nesting_of_the_document(value):
    assert jsonbody.depth(value, limit=1000) == reference_depth(value)


@given(json_values, st.integers(min_value=1, max_value=8))
def test_property_loads_reads_what_fits_and_refuses_what_does_not(value, limit):
    text = json.dumps(value)
    if reference_depth(value) <= limit:
        assert jsonbody.loads(text, max_depth=limit) == value
    else:
        with pytest.raises(jsonbody.TooDeep, match=f"deeper than {limit} levels"):
            jsonbody.loads(text, max_depth=limit)


@pytest.mark.parametrize("levels", [32, 33, 200_000])
def test_loads_at_the_limit_and_beyond(levels):
    if levels <= jsonbody.MAX_DEPTH:
        assert jsonbody.depth(jsonbody.loads(nested(levels))) == levels
    else:
        with pytest.raises(ValueError, match="deeper than 32 levels"):
            jsonbody.loads(nested(levels))


@pytest.mark.parametrize("levels", [40, 200_000])
def test_api_refuses_a_deep_body_with_400(api_client, world, levels):
    api_client.force_authenticate(world.lead_a)
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/ownership/",
        data='{"kind": ' + nested(levels) + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "The body is refused: the JSON nests deeper than 32 levels."


@pytest.mark.parametrize("levels", [40, 200_000])
def test_event_api_refuses_a_deep_body_with_400(api_client, world, levels):
    _, key = TeamApiToken.issue(world.team_a, "pipeline")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/deployments/",
        data=nested(levels),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "nests deeper than 32 levels" in response.json()["detail"]


@pytest.mark.parametrize("levels", [40, 200_000])
def test_deep_webhook_delivery_fails_with_the_reason(
    client, world, levels, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        webhook_services.task_process_delivery,
        "apply_async",
        lambda args, **kwargs: webhook_services.process_delivery(args[0]),
    )
    hook, secret = webhook_services.create_webhook(provider="github", team=world.team_a)
    body = ('{"deployment_status": ' + nested(levels) + "}").encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/hooks/{hook.public_id}/",
            data=body,
            content_type="application/json",
            **github_headers(secret, body, "deployment_status"),
        )
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (
        "failed",
        "The body is refused: the JSON nests deeper than 32 levels.",
    )
