"""A key shown once: kept in the session from the POST that created it until the next view of
the page that shows it (POST-redirect-GET), which takes it out; never in a URL. ``owner_id``
ties it to that page's team or organisation, so another one's page never shows it."""


def keep(request, name, owner_id, object_id, key):
    request.session[name] = {"owner": owner_id, "object": object_id, "key": key}


def take(request, name, owner_id):
    """``(object_id, key)`` kept for ``owner_id``, taken out of the session; else None (and
    whatever was kept is gone: a key is shown once or not at all)."""
    kept = request.session.pop(name, None)
    if not isinstance(kept, dict) or kept.get("owner") != owner_id or "key" not in kept:
        return None
    return kept.get("object"), kept["key"]
