"""The filter parser (pure): what Entra ID and Okta send, and anything else refused with
400 invalidFilter, never another error."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.people.scim.errors import ScimError
from assessments.people.scim.filters import GROUP_ATTRIBUTES, USER_ATTRIBUTES, parse_filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 7644 section 3.4.2.2
        ('userName eq "bjensen"', ("userName", "bjensen")),
        ('userName Eq "john"', ("userName", "john")),
        ('USERNAME eq "Jane@example.com"', ("userName", "Jane@example.com")),
        ('externalId eq "00ujl29u0le5T6Aj10h7"', ("externalId", "00ujl29u0le5T6Aj10h7")),
        ('emails.value eq "bjensen@example.com"', ("emails.value", "bjensen@example.com")),
        ('emails[value eq "bjensen@example.com"]', ("emails.value", "bjensen@example.com")),
        ('emails eq "bjensen@example.com"', ("emails.value", "bjensen@example.com")),
        ('id eq "42"', ("id", "42")),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "b"', ("userName", "b")),
        ('userName eq "say \\"hi\\""', ("userName", 'say "hi"')),
    ],
)
def test_parse_filter_user_filters(text, expected):
    assert parse_filter(text, USER_ATTRIBUTES) == expected


def test_parse_filter_group_display_name():
    assert parse_filter('displayName eq "Group A"', GROUP_ATTRIBUTES) == ("displayName", "Group A")


@pytest.mark.parametrize(
    "text",
    [
        "",
        'userName sw "b"',  # other operators are not supported
        'userName co "b"',
        "userName pr",
        'userName eq "a" and externalId eq "b"',
        'userName eq "a" or userName eq "b"',
        "userName eq bjensen",  # unquoted
        "userName eq 12",
        'title eq "Tour Guide"',  # not an attribute filtered on
        'meta.lastModified gt "2011-05-13T04:42:34Z"',
        'emails[type eq "work"]',
        'userName eq "unterminated',
        'userName eq "bad \\q escape"',
        '(userName eq "b")',
        'displayName eq "a"',  # a group attribute, asked of users
        "x" * 1001,
    ],
)
def test_parse_filter_anything_else_invalid_filter(text):
    with pytest.raises(ScimError) as raised:
        parse_filter(text, USER_ATTRIBUTES)
    assert (raised.value.status, raised.value.scim_type) == (400, "invalidFilter")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_filter_any_text_parses_or_is_invalid_filter(text):
    try:
        attribute, value = parse_filter(text, USER_ATTRIBUTES)
    except ScimError as exc:
        assert (exc.status, exc.scim_type) == (400, "invalidFilter")
    else:
        assert attribute in set(USER_ATTRIBUTES.values())
        assert isinstance(value, str)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["userName", "externalId", "emails.value"]), st.text(max_size=50))
def test_parse_filter_any_quoted_value_round_trips(attribute, value):
    import json

    assert parse_filter(f"{attribute} eq {json.dumps(value)}", USER_ATTRIBUTES) == (
        attribute,
        value,
    )
