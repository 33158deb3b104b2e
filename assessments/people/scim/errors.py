"""The one error of the SCIM endpoints (RFC 7644 section 3.12)."""

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

# scimType values (RFC 7644 table 9) used here.
INVALID_FILTER = "invalidFilter"
INVALID_SYNTAX = "invalidSyntax"
INVALID_PATH = "invalidPath"
INVALID_VALUE = "invalidValue"
NO_TARGET = "noTarget"
MUTABILITY = "mutability"
UNIQUENESS = "uniqueness"


class ScimError(Exception):
    def __init__(self, status, detail, scim_type=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self):
        data = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            data["scimType"] = self.scim_type
        return data


def bad_request(detail, scim_type):
    return ScimError(400, detail, scim_type)


def not_found(kind="resource"):
    return ScimError(404, f"No such {kind}.")
