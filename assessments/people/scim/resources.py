"""The JSON the SCIM endpoints send: users, groups, list responses and the discovery
documents (RFC 7643 sections 4-8, RFC 7644 section 4). Pure: takes plain values."""

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SP_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MAX_RESULTS = 200


def _time(moment):
    return moment.isoformat().replace("+00:00", "Z")


def user_resource(user, *, external_id, active, last_modified, location):
    """A person as the organisation's identity provider sees them."""
    data = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": user.username,
        "name": {
            "givenName": user.first_name,
            "familyName": user.last_name,
            "formatted": f"{user.first_name} {user.last_name}".strip(),
        },
        "displayName": user.get_full_name() or user.username,
        "emails": [{"value": user.email, "type": "work", "primary": True}] if user.email else [],
        "active": active,
        "meta": {
            "resourceType": "User",
            "created": _time(user.date_joined),
            "lastModified": _time(last_modified),
            "location": location,
        },
    }
    if external_id:
        data["externalId"] = external_id
    return data


def group_resource(group, members, *, location, member_location):
    """``members``: (id, username) pairs; ``member_location(id)`` is a member's URL."""
    data = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "displayName": group.display_name,
        "members": [
            {"value": str(pk), "display": name, "$ref": member_location(pk), "type": "User"}
            for pk, name in members
        ],
        "meta": {
            "resourceType": "Group",
            "created": _time(group.created_at),
            "lastModified": _time(group.updated_at),
            "location": location,
        },
    }
    if group.external_id:
        data["externalId"] = group.external_id
    return data


def list_response(resources, *, total, start_index):
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": resources,
    }


def service_provider_config(base_url, documentation_url):
    return {
        "schemas": [SP_CONFIG_SCHEMA],
        "documentationUri": documentation_url,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "The organisation's SCIM token (from its provisioning page, or "
                "manage.py scim_token ORG_SLUG), "
                "sent as 'Authorization: Bearer vsms_...'.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": base_url},
    }


def resource_types(base_url):
    return [
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": name,
            "name": name,
            "endpoint": f"/{name}s",
            "description": description,
            "schema": schema,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/{name}"},
        }
        for name, schema, description in (
            ("User", USER_SCHEMA, "A person of the organisation"),
            ("Group", GROUP_SCHEMA, "A group of people; it may map to a team"),
        )
    ]


def _attribute(name, kind="string", *, required=False, multi=False, mutability="readWrite",
               returned="default", uniqueness="none", case_exact=False, sub=None,
               description=""):  # fmt: skip
    data = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub is not None:
        data["subAttributes"] = sub
    return data


def schemas(base_url):
    user = [
        _attribute(
            "userName",
            required=True,
            uniqueness="server",
            description="Unique across the site; case-insensitive.",
        ),  # fmt: skip
        _attribute(
            "name",
            "complex",
            sub=[
                _attribute("givenName"),
                _attribute("familyName"),
                _attribute("formatted", mutability="readOnly"),
            ],  # fmt: skip
        ),
        _attribute("displayName", mutability="readOnly"),
        _attribute(
            "emails",
            "complex",
            multi=True,
            sub=[_attribute("value"), _attribute("type"), _attribute("primary", "boolean")],
            description="The primary (else work, else first) address is kept.",
        ),
        _attribute("active", "boolean"),
        _attribute("externalId", case_exact=True),
    ]
    group = [
        _attribute("displayName", required=True, uniqueness="server"),
        _attribute(
            "externalId", case_exact=True, description="A team's slug maps the group to that team."
        ),  # fmt: skip
        _attribute(
            "members",
            "complex",
            multi=True,
            sub=[
                _attribute("value", mutability="immutable"),
                _attribute("display", mutability="readOnly"),
                _attribute("$ref", "reference", mutability="immutable"),
            ],  # fmt: skip
        ),
    ]
    return [
        {
            "schemas": [SCHEMA_SCHEMA],
            "id": urn,
            "name": name,
            "description": description,
            "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": f"{base_url}/{urn}"},
        }
        for urn, name, description, attributes in (
            (USER_SCHEMA, "User", "User Account", user),
            (GROUP_SCHEMA, "Group", "Group", group),
        )
    ]
