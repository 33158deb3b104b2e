"""PATCH (RFC 7644 section 3.5.2) applied to a resource as a plain dict: the caller turns the
stored object into its SCIM form, applies the operations here and saves the result as if it
had been PUT (``users.replace_user``, ``groups.replace_group``), so one set of checks guards
both. Pure: no database.

Besides the RFC's examples this accepts what identity providers send: Entra ID's
capitalised ``Add``/``Replace``/``Remove``, ``replace`` without a path and a value object
(``{"active": false}``), ``emails[type eq "work"].value`` for an address not there yet (it is
added), and ``remove`` of ``members`` with a value list (those members are removed).
Attributes of schema extensions (``urn:...:enterprise:2.0:User:department``) are applied to
the dict and ignored when saved."""

import copy
import json
import re

from assessments.people.scim.errors import (
    INVALID_PATH,
    INVALID_SYNTAX,
    INVALID_VALUE,
    MUTABILITY,
    NO_TARGET,
    bad_request,
)

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CORE_SCHEMAS = (
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
)
MAX_OPERATIONS = 1000
READ_ONLY = {"id", "meta", "schemas"}
OPS = ("add", "replace", "remove")

_NAME = r"[A-Za-z][A-Za-z0-9_$-]*"
_VALUE = r'"(?:[^"\\]|\\.)*"|true|false|null|-?\d+(?:\.\d+)?'
_PATH = re.compile(
    rf"(?P<attr>{_NAME})"
    rf"(?:\[\s*(?P<fattr>{_NAME})\s+(?P<fop>\w+)\s+(?P<fvalue>{_VALUE})\s*\])?"
    rf"(?:\.(?P<sub>{_NAME}))?",
    re.I,
)


class Path:
    """``attr``, ``attr.sub``, ``attr[fattr eq value]`` or ``attr[fattr eq value].sub``, in
    the core schema (``schema`` None) or an extension's (``schema``: its URN)."""

    def __init__(self, attr, sub=None, filter_attr=None, filter_value=None, schema=None):
        self.attr, self.sub = attr, sub
        self.filter_attr, self.filter_value = filter_attr, filter_value
        self.schema = schema

    def matches(self, item):
        if not isinstance(item, dict):
            return False
        found = item.get(_key(item, self.filter_attr))
        if isinstance(found, str) and isinstance(self.filter_value, str):
            return found.lower() == self.filter_value.lower()
        return found == self.filter_value


def parse_path(text):
    """A ``Path``; raises 400 ``invalidPath`` for anything else."""
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        raise bad_request("'path' must be a non-empty attribute path.", INVALID_PATH)
    text = text.strip()
    schema = None
    if text.lower().startswith("urn:"):
        schema, _, text = text.rpartition(":")
        if any(schema.lower() == core.lower() for core in CORE_SCHEMAS):
            schema = None
    found = _PATH.fullmatch(text)
    if not found:
        raise bad_request(f"Cannot read the path {text!r}.", INVALID_PATH)
    value = None
    if found["fattr"]:
        if found["fop"].lower() != "eq":
            raise bad_request("Paths filter with 'eq' only.", INVALID_PATH)
        raw = found["fvalue"]
        try:
            value = json.loads(raw if raw.startswith('"') else raw.lower())
        except ValueError:
            raise bad_request(f"Cannot read the value in {text!r}.", INVALID_PATH) from None
    return Path(found["attr"], found["sub"], found["fattr"], value, schema)


def parse_operations(body):
    """``[(op, Path or None, value)]`` of a PatchOp request body; 400 ``invalidSyntax`` when
    it is not one."""
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object (a PatchOp message).", INVALID_SYNTAX)
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or PATCH_SCHEMA not in schemas:
        raise bad_request(f"'schemas' must list {PATCH_SCHEMA}.", INVALID_SYNTAX)
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise bad_request("'Operations' must be a non-empty list.", INVALID_SYNTAX)
    if len(operations) > MAX_OPERATIONS:
        raise bad_request(f"At most {MAX_OPERATIONS} operations at once.", INVALID_VALUE)
    parsed = []
    for number, operation in enumerate(operations, start=1):
        if not isinstance(operation, dict):
            raise bad_request(f"Operation {number} is not an object.", INVALID_SYNTAX)
        op = operation.get("op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise bad_request(
                f"Operation {number}: 'op' must be add, replace or remove.", INVALID_SYNTAX
            )
        op = op.lower()
        path = operation.get("path")
        path = parse_path(path) if path is not None else None
        if path is not None and path.schema is None and path.attr.lower() in READ_ONLY:
            raise bad_request(f"Operation {number}: {path.attr!r} is read-only.", MUTABILITY)
        if op != "remove" and "value" not in operation:
            raise bad_request(f"Operation {number}: {op} needs a 'value'.", INVALID_SYNTAX)
        if op == "remove" and path is None:
            raise bad_request(f"Operation {number}: remove needs a 'path'.", NO_TARGET)
        if op != "remove" and path is None and not isinstance(operation["value"], dict):
            raise bad_request(
                f"Operation {number}: without a 'path' the value must be an object.",
                INVALID_VALUE,
            )
        parsed.append((op, path, operation.get("value")))
    return parsed


def apply_patch(resource, body):
    """A copy of ``resource`` with the PatchOp ``body`` applied. Raises ``ScimError`` 400."""
    result = copy.deepcopy(resource)
    for op, path, value in parse_operations(body):
        if path is None:
            _apply_object(result, op, value)
        else:
            _apply(result, op, path, value)
    return result


def _apply_object(resource, op, value):
    for name, item in value.items():
        if not isinstance(name, str):  # pragma: no cover - JSON keys are strings
            continue
        if name.lower().startswith("urn:") and isinstance(item, dict):
            container = _container(resource, name)
            for sub_name, sub_value in item.items():
                _set(container, op, Path(sub_name), sub_value)
            continue
        path = parse_path(name)
        if path.schema is None and path.attr.lower() in READ_ONLY:
            continue  # a resource sent back whole carries its id and meta: nothing to do
        _apply(resource, op, path, item)


def _container(resource, schema):
    if schema is None:
        return resource
    key = _key(resource, schema)
    if not isinstance(resource.get(key), dict):
        resource[key] = {}
    return resource[key]


def _apply(resource, op, path, value):
    container = _container(resource, path.schema)
    if op == "remove":
        _remove(container, path, value)
    else:
        _set(container, op, path, value)


def _set(container, op, path, value):
    key = _key(container, path.attr)
    existing = container.get(key)
    if path.filter_attr is None:
        if path.sub is None:
            if op == "add" and isinstance(existing, list) and isinstance(value, list):
                container[key] = existing + [v for v in value if v not in existing]
            else:
                container[key] = copy.deepcopy(value)
            return
        if not isinstance(existing, dict):
            existing = container[key] = {}
        existing[_key(existing, path.sub)] = copy.deepcopy(value)
        return
    items = existing if isinstance(existing, list) else []
    matching = [item for item in items if path.matches(item)]
    if path.sub is None:
        if not matching:
            raise bad_request(f"No value of {path.attr!r} matches the filter.", NO_TARGET)
        if not isinstance(value, dict):
            raise bad_request(f"A value of {path.attr!r} must be an object.", INVALID_VALUE)
        container[key] = [copy.deepcopy(value) if path.matches(i) else i for i in items]
        return
    if not matching:
        # Entra ID adds a work address with `emails[type eq "work"].value`.
        items = items + [{path.filter_attr: path.filter_value}]
        matching = items[-1:]
    for item in matching:
        item[_key(item, path.sub)] = copy.deepcopy(value)
    container[key] = items


def _remove(container, path, value):
    key = _key(container, path.attr)
    if key not in container:
        return
    existing = container[key]
    if path.filter_attr is None:
        if path.sub is not None:
            if isinstance(existing, dict):
                existing.pop(_key(existing, path.sub), None)
        elif isinstance(existing, list) and isinstance(value, list) and value:
            # Entra ID removes members as {"path": "members", "value": [{"value": "id"}]}.
            gone = {_identity(v) for v in value}
            container[key] = [item for item in existing if _identity(item) not in gone]
        else:
            del container[key]
        return
    if not isinstance(existing, list):
        return
    if path.sub is None:
        container[key] = [item for item in existing if not path.matches(item)]
    else:
        for item in existing:
            if path.matches(item):
                item.pop(_key(item, path.sub), None)


def _identity(item):
    """What a member (or any multi-valued item) is compared by: its ``value``, as text."""
    if isinstance(item, dict):
        item = item.get(_key(item, "value"))
    if isinstance(item, str | int) and not isinstance(item, bool):
        return str(item)
    return json.dumps(item, sort_keys=True, default=str)


def _key(mapping, name):
    """The key of ``mapping`` that is ``name`` but for case (SCIM names are case-insensitive),
    else ``name``."""
    if name in mapping:
        return name
    lowered = name.lower()
    for key in mapping:
        if isinstance(key, str) and key.lower() == lowered:
            return key
    return name
