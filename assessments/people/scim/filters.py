"""The ``filter`` query parameter (RFC 7644 section 3.4.2.2), the part identity providers
send: one attribute ``eq`` one string, as Entra ID and Okta ask before creating someone.

    userName eq "bjensen"          externalId eq "00u1"        id eq "42"
    emails.value eq "b@example.com"            emails[value eq "b@example.com"]
    displayName eq "Payments"      (groups)

Attribute names and ``eq`` are case-insensitive, as the RFC says; the value is a JSON string.
Anything else is refused with ``invalidFilter``: the caller learns at once that a filter is
not supported rather than getting every resource back. Pure: no database."""

import json
import re

from assessments.people.scim.errors import INVALID_FILTER, bad_request

MAX_LENGTH = 1000
CORE_PREFIXES = (
    "urn:ietf:params:scim:schemas:core:2.0:user:",
    "urn:ietf:params:scim:schemas:core:2.0:group:",
)

# What each resource type can be filtered on: lower-case name -> canonical name.
USER_ATTRIBUTES = {
    "id": "id",
    "username": "userName",
    "externalid": "externalId",
    "emails": "emails.value",
    "emails.value": "emails.value",
}
GROUP_ATTRIBUTES = {"id": "id", "displayname": "displayName", "externalid": "externalId"}

_NAME = r"[A-Za-z][A-Za-z0-9_$-]*"
_STRING = r'"(?:[^"\\]|\\.)*"'
_SIMPLE = re.compile(rf"(?P<attr>{_NAME}(?:\.{_NAME})?)\s+(?P<op>\w+)\s+(?P<value>.+)", re.S)
_BRACKET = re.compile(
    rf"(?P<outer>{_NAME})\s*\[\s*(?P<attr>{_NAME})\s+(?P<op>\w+)\s+(?P<value>.+?)\s*\]", re.S
)


def parse_filter(text, attributes):
    """``(canonical attribute, value)`` of a filter over ``attributes`` (USER_ATTRIBUTES or
    GROUP_ATTRIBUTES); raises ``ScimError`` 400 ``invalidFilter`` for anything else."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise _invalid("A filter is at most 1000 characters.")
    text = text.strip()
    for prefix in CORE_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    bracket = _BRACKET.fullmatch(text)
    if bracket:
        name = f"{bracket['outer']}.{bracket['attr']}"
        op, raw = bracket["op"], bracket["value"]
    else:
        simple = _SIMPLE.fullmatch(text)
        if not simple:
            raise _invalid(f"Cannot read the filter {text!r}.")
        name, op, raw = simple["attr"], simple["op"], simple["value"].strip()
    canonical = attributes.get(name.lower())
    if canonical is None:
        supported = ", ".join(sorted(set(attributes.values())))
        raise _invalid(f"Filtering on {name!r} is not supported; only on {supported}.")
    if op.lower() != "eq":
        raise _invalid(f"Only the operator 'eq' is supported, not {op!r}.")
    return canonical, _string(raw)


def _string(raw):
    if not re.fullmatch(_STRING, raw, re.S):
        raise _invalid("The value of a filter must be a string in double quotes.")
    try:
        value = json.loads(raw)
    except ValueError:
        raise _invalid("The value of a filter must be a string in double quotes.") from None
    if not isinstance(value, str):  # pragma: no cover - the pattern admits strings only
        raise _invalid("The value of a filter must be a string in double quotes.")
    return value


def _invalid(detail):
    return bad_request(detail, INVALID_FILTER)
