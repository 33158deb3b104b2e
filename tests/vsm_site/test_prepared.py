"""Reads with their SQL built once (vsm_site/prepared.py) give what the queryset gives, and
the database sessions read that way (vsm_site/sessions.py) behave as Django's."""

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Membership, Response, Team
from vsm_site.prepared import Prepared
from vsm_site.sessions import SessionStore

pytestmark = pytest.mark.django_db

teams_with_group = Prepared(
    lambda pk: Team.objects.select_related("organization", "group").filter(pk=pk), int
)
memberships_of = Prepared(
    lambda team_id, user_id: (
        Membership.objects.filter(team_id=team_id, user_id=user_id)
        .select_related("user")
        .order_by("pk")
    ),
    int,
    int,
)
own_response = Prepared(
    lambda a, u: Response.objects.filter(assessment_id=a, respondent_id=u).select_related("dora"),
    int,
    int,
)


def fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_same_instances_and_related_objects_as_the_queryset(world):
    world.team_b.group = None
    world.team_b.save(update_fields=["group"])
    for team in (world.team_a, world.team_b, world.other_team):
        [got] = teams_with_group(team.pk)
        want = Team.objects.select_related("organization", "group").get(pk=team.pk)
        assert fields(got) == fields(want)
        assert fields(got.organization) == fields(want.organization)
        assert (got.group and fields(got.group)) == (want.group and fields(want.group))
    assert teams_with_group(10**9) == []


def test_two_keys_each_in_its_place_one_query(world):
    with CaptureQueriesContext(connection) as queries:
        [found] = memberships_of(world.team_a.pk, world.lead_a.pk)
        assert found.user.username == "lead_a"  # loaded with it
    assert len(queries) == 1
    assert memberships_of(world.team_a.pk, world.member_b.pk) == []
    assert memberships_of(world.team_b.pk, world.member_b.pk)[0].user == world.member_b


def test_converters_and_reverse_one_to_one(world, open_assessment):
    from assessments.maturity import services

    services.save_answers(world.member_a, open_assessment, {"flow-wip": 3})
    [got] = own_response(open_assessment.pk, world.member_a.pk)
    want = Response.objects.select_related("dora").get(
        assessment=open_assessment, respondent=world.member_a
    )
    assert isinstance(got.updated_at, dt.datetime) and got.updated_at == want.updated_at
    assert fields(got) == fields(want)
    assert not hasattr(got, "dora") or got.dora is None
    assert own_response(open_assessment.pk, world.member_b.pk) == []


@pytest.mark.parametrize("key", ["7x", None, 2**63, -(2**63) - 1])
def test_what_is_not_a_key_is_refused_before_any_query(key):
    with CaptureQueriesContext(connection) as queries, pytest.raises((ValueError, TypeError)):
        teams_with_group(key)
    assert len(queries) == 0


def test_a_build_whose_key_does_not_reach_the_sql_is_refused(world):
    ignores_its_key = Prepared(lambda pk: Team.objects.filter(name="Team A"), int)
    with pytest.raises(ValueError, match="each argument"):
        ignores_its_key(world.team_a.pk)


def test_sessions_load_save_and_expire_as_djangos(world):
    store = SessionStore()
    store["answer"] = 42
    store.create()
    assert SessionStore(store.session_key).load() == {"answer": 42}
    assert DjangoSessionStore(store.session_key).load() == {"answer": 42}
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    assert SessionStore("no-such-session-key-000000000000").load() == {}


def test_string_arguments_in_their_place(world):
    by_org_and_name = Prepared(
        lambda org_id, name: Team.objects.filter(organization_id=org_id, name=name), int, str
    )
    assert [t.pk for t in by_org_and_name(world.org.pk, "Team B")] == [world.team_b.pk]
    assert by_org_and_name(world.other.pk, "Team B") == []
    assert by_org_and_name(world.org.pk, "Team B' OR '1'='1") == []  # a parameter, not SQL
    with pytest.raises(TypeError):
        by_org_and_name(world.org.pk, 7)
