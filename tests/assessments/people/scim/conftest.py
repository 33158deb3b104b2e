import json

import pytest
from django.test import Client

from assessments.models import ScimToken

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class ScimClient:
    """Requests to /scim/v2/ with one organisation's token."""

    def __init__(self, key, client=None):
        self.key = key
        self.client = client or Client()

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path, query=None):
        return self.client.get(f"/scim/v2/{path}", query or {}, **self._headers())

    def send(self, method, path, body, content_type=SCIM):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        call = getattr(self.client, method.lower())
        return call(f"/scim/v2/{path}", data, content_type=content_type, **self._headers())

    def post(self, path, body, **kwargs):
        return self.send("POST", path, body, **kwargs)

    def put(self, path, body, **kwargs):
        return self.send("PUT", path, body, **kwargs)

    def patch(self, path, *operations, **kwargs):
        return self.send(
            "PATCH", path, {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}, **kwargs
        )

    def delete(self, path):
        return self.client.delete(f"/scim/v2/{path}", **self._headers())


@pytest.fixture
def acme(world):
    """The SCIM client of Acme (world.org)."""
    token, key = ScimToken.issue(world.org)
    client = ScimClient(key)
    client.token = token
    return client


@pytest.fixture
def other(world):
    """The SCIM client of Other Corp (world.other)."""
    _, key = ScimToken.issue(world.other)
    return ScimClient(key)
