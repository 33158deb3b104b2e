"""PATCH applied to a resource dict (pure): RFC 7644 section 3.5.2's examples, what Entra ID
and Okta send, and any other body refused with a 400 and a scimType, never another error."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.people.scim.errors import ScimError
from assessments.people.scim.patch import PATCH_SCHEMA, apply_patch

USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "7",
    "userName": "bjensen",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
    "active": True,
}
GROUP = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "3",
    "displayName": "Tour Guides",
    "members": [{"value": "7", "display": "bjensen"}, {"value": "8", "display": "jsmith"}],
}


def ops(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def test_apply_patch_rfc_add_members():
    body = ops({"op": "add", "path": "members", "value": [{"display": "Babs", "value": "9"}]})
    assert [m["value"] for m in apply_patch(GROUP, body)["members"]] == ["7", "8", "9"]


def test_apply_patch_rfc_remove_one_member():
    body = ops({"op": "remove", "path": 'members[value eq "7"]'})
    assert [m["value"] for m in apply_patch(GROUP, body)["members"]] == ["8"]


def test_apply_patch_rfc_remove_all_members():
    assert "members" not in apply_patch(GROUP, ops({"op": "remove", "path": "members"}))


def test_apply_patch_rfc_replace_members():
    body = ops(
        {"op": "remove", "path": "members"},
        {"op": "add", "path": "members", "value": [{"value": "9"}]},
    )
    assert apply_patch(GROUP, body)["members"] == [{"value": "9"}]


def test_apply_patch_entra_deactivate_without_path():
    body = ops({"op": "Replace", "value": {"active": False}})
    assert apply_patch(USER, body)["active"] is False


def test_apply_patch_entra_replace_path_active_string():
    body = ops({"op": "Replace", "path": "active", "value": "False"})
    assert apply_patch(USER, body)["active"] == "False"  # read as false by users.read_user


def test_apply_patch_entra_remove_members_with_value_list():
    body = ops({"op": "Remove", "path": "members", "value": [{"value": "8"}]})
    assert [m["value"] for m in apply_patch(GROUP, body)["members"]] == ["7"]


def test_apply_patch_entra_work_email_added_when_missing():
    user = {**USER, "emails": []}
    body = ops({"op": "Add", "path": 'emails[type eq "work"].value', "value": "b@example.org"})
    assert apply_patch(user, body)["emails"] == [{"type": "work", "value": "b@example.org"}]


def test_apply_patch_replace_work_email():
    body = ops({"op": "replace", "path": 'emails[type eq "work"].value', "value": "n@example.org"})
    assert apply_patch(USER, body)["emails"][0]["value"] == "n@example.org"


def test_apply_patch_sub_attribute_and_case_insensitive_names():
    body = ops({"op": "replace", "path": "NAME.givenname", "value": "Babs"})
    assert apply_patch(USER, body)["name"] == {"givenName": "Babs", "familyName": "Jensen"}


def test_apply_patch_okta_replace_object_with_dotted_and_extension_keys():
    extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    body = ops(
        {
            "op": "replace",
            "value": {"name.familyName": "Smith", extension: {"department": "Tours"}},
        }
    )
    patched = apply_patch(USER, body)
    assert (patched["name"]["familyName"], patched[extension]) == ("Smith", {"department": "Tours"})


def test_apply_patch_extension_path():
    path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
    patched = apply_patch(USER, ops({"op": "add", "path": path, "value": "Tours"}))
    extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert patched[extension] == {"department": "Tours"}


def test_apply_patch_leaves_the_resource_unchanged():
    apply_patch(GROUP, ops({"op": "remove", "path": "members"}))
    assert len(GROUP["members"]) == 2


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ([], "invalidSyntax"),
        ({"Operations": [{"op": "add", "path": "x", "value": 1}]}, "invalidSyntax"),
        (ops(), "invalidSyntax"),
        ({"schemas": [PATCH_SCHEMA], "Operations": "add"}, "invalidSyntax"),
        (ops("add"), "invalidSyntax"),
        (ops({"op": "move", "path": "active", "value": False}), "invalidSyntax"),
        (ops({"op": "add", "path": "active"}), "invalidSyntax"),
        (ops({"op": "remove"}), "noTarget"),
        (ops({"op": "replace", "value": False}), "invalidValue"),
        (ops({"op": "replace", "path": "", "value": 1}), "invalidPath"),
        (ops({"op": "replace", "path": "a b", "value": 1}), "invalidPath"),
        (ops({"op": "replace", "path": 'members[value gt "1"]', "value": {}}), "invalidPath"),
        (ops({"op": "replace", "path": 'members[value eq "1]', "value": {}}), "invalidPath"),
        (ops({"op": "replace", "path": "id", "value": "9"}), "mutability"),
        (ops({"op": "replace", "path": 'members[value eq "99"]', "value": {}}), "noTarget"),
    ],
)
def test_apply_patch_malformed_400(body, scim_type):
    with pytest.raises(ScimError) as raised:
        apply_patch(GROUP, body)
    assert (raised.value.status, raised.value.scim_type) == (400, scim_type)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
PATHS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["members", "active", "name.givenName", "emails", "displayName", "id"]),
    st.builds(
        lambda a, f, v, s: f"{a}[{f} eq {v}]{s}",
        st.sampled_from(["members", "emails", "name"]),
        st.sampled_from(["value", "type", "x"]),
        st.sampled_from(['"7"', '"work"', "true", "1", '"\\q"']),
        st.sampled_from(["", ".value", ".display"]),
    ),
)
OPERATIONS = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "Replace", "remove", "x"])},
        optional={"path": PATHS, "value": JSON},
    ),
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(JSON, st.builds(lambda o: {"schemas": [PATCH_SCHEMA], "Operations": o}, OPERATIONS))
)
def test_apply_patch_any_body_applies_or_is_a_400(body):
    for resource in (USER, GROUP):
        try:
            patched = apply_patch(resource, body)
        except ScimError as exc:
            assert exc.status == 400
            assert exc.scim_type in {
                "invalidSyntax",
                "invalidPath",
                "invalidValue",
                "noTarget",
                "mutability",
            }
        else:
            assert isinstance(patched, dict)
