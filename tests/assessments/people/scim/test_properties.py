"""Whatever an identity provider sends to PATCH or as a filter, the answer is a SCIM answer:
200, or 400 with a scimType; never a server error."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import ScimGroup
from tests.assessments.people.scim.conftest import PATCH_SCHEMA
from tests.factories import ScimGroupFactory

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["value", "op", "path", "active", "members", "x"]), children, max_size=3
        )
    ),
    max_leaves=12,
)
OPERATION = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Replace"])},
    optional={
        "path": st.sampled_from(
            [
                "active",
                "members",
                "userName",
                "name.givenName",
                "emails",
                'members[value eq "1"]',
                'emails[type eq "work"].value',
                "displayName",
                "externalId",
                "x[",
                "meta",
            ]
        ),
        "value": JSON,
    },
)
BODIES = st.one_of(
    JSON,
    st.builds(
        lambda ops: {"schemas": [PATCH_SCHEMA], "Operations": ops}, st.lists(OPERATION, max_size=3)
    ),
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(body=BODIES, target=st.sampled_from(["Users", "Groups"]))
def test_patch_any_body_200_or_400(world, acme, body, target):
    # The database is the same for every example (a function-scoped fixture): the group made
    # by the first one is patched by the next.
    group = ScimGroup.objects.first() or ScimGroupFactory(organization=world.org, team=world.team_a)
    path = f"Users/{world.member_b.pk}" if target == "Users" else f"Groups/{group.pk}"
    response = acme.send("PATCH", path, json.dumps(body))
    assert response.status_code in (200, 400, 404, 409), response.content
    if response.status_code == 400:
        assert response.json()["scimType"]


@SETTINGS
@given(
    text=st.text(max_size=80)
    | st.builds(
        lambda a, v: f"{a} eq {v}",
        st.sampled_from(["userName", "emails[value", "externalId", "id"]),
        st.text(max_size=20),
    )
)
def test_filter_any_text_200_or_400_invalid_filter(world, acme, text):
    for resource in ("Users", "Groups"):
        response = acme.get(resource, {"filter": text})
        assert response.status_code in (200, 400), response.content
        if response.status_code == 400:
            assert response.json()["scimType"] == "invalidFilter"
