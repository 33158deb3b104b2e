"""Query counts of the SCIM lists and a group with its members: the same for many people as
for few (the route-wide guards in tests/test_query_guards.py read pages as session roles,
which SCIM refuses)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MembershipFactory, ScimGroupFactory, ScimUserFactory


def grow(world, group, n):
    for _ in range(n):
        user = MembershipFactory(team=world.team_b).user
        ScimUserFactory(organization=world.org, user=user)
        group.members.add(user)
        ScimGroupFactory(organization=world.org).members.add(user)


def queries(acme, path, query=None):
    with CaptureQueriesContext(connection) as captured:
        response = acme.get(path, query)
    assert response.status_code == 200
    return len(captured), len(response.content)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("Users", None),
        ("Users", {"filter": 'userName eq "member_a"'}),
        ("Groups", None),
        ("Groups", {"excludedAttributes": "members"}),
        ("Groups/{group}", None),
    ],
)
def test_scim_query_count_is_constant(world, acme, path, query):
    group = ScimGroupFactory(organization=world.org, team=world.team_b)
    path = path.format(group=group.pk)
    acme.get("ServiceProviderConfig")  # the token's last use is written at most once a minute
    grow(world, group, 2)
    small, small_size = queries(acme, path, query)
    grow(world, group, 6)
    large, large_size = queries(acme, path, query)
    assert large == small
    if "filter" not in (query or {}):
        assert large_size > small_size  # the growth shows: the counts were not of nothing
