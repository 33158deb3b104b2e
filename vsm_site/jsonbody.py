"""JSON from outside (API bodies, webhook deliveries) read with bounded nesting.

Python's parser gives up on deep nesting with a RecursionError, which nothing expects: an API
view would answer 500 and a webhook task would crash and be retried for ever. ``loads`` turns
that, and any nesting deeper than ``MAX_DEPTH``, into the ValueError every caller already
handles as "not JSON"."""

import json

MAX_DEPTH = 32  # the deepest body the product reads nests a handful of levels


class TooDeep(ValueError):
    pass


def loads(data, max_depth=MAX_DEPTH, **kwargs):
    """``json.loads``, raising ``TooDeep`` (a ValueError) when the document nests deeper than
    ``max_depth`` levels."""
    try:
        value = json.loads(data, **kwargs)
    except RecursionError:
        raise TooDeep(f"the JSON nests deeper than {max_depth} levels") from None
    if depth(value, max_depth) > max_depth:
        raise TooDeep(f"the JSON nests deeper than {max_depth} levels")
    return value


def depth(value, limit=MAX_DEPTH):
    """How many levels ``value`` nests (a scalar is 1), counted up to ``limit + 1`` at most."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            break
        if isinstance(value, dict):
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, level + 1) for v in value)
    return deepest
