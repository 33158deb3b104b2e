"""Audit entries written while a SCIM request runs name the identity provider's token as
their actor (``actor_email``: "SCIM token abcd1234"): there is no user behind the request,
and "system" would hide who changed a team. A context variable, not a signal connected per
request, so that a request in another thread is never stamped."""

import contextlib
from contextvars import ContextVar

from auditlog.models import LogEntry
from django.db.models.signals import pre_save

_actor = ContextVar("scim_actor", default=None)


def _stamp(sender, instance, **kwargs):
    label = _actor.get()
    if label and instance.actor_id is None and not instance.actor_email:
        instance.actor_email = label


pre_save.connect(_stamp, sender=LogEntry, dispatch_uid="scim-audit-actor")


@contextlib.contextmanager
def attributed_to(token):
    reset = _actor.set(f"SCIM token {token.prefix}")
    try:
        yield
    finally:
        _actor.reset(reset)
