"""Events other apps may react to; ``assessments`` does not know who listens, so the dependency
keeps running one way (reports -> assessments).

Two kinds. Notices (``assessment_opened``, ``assessment_closed``) are sent after the
transaction that made them has committed: ``reports`` tells people about them
(reports/notifications/services.py); receivers get ids only and must not raise (sent with
``send_robust``, when the write the person asked for has already happened). ``result_frozen``
is sent inside the closing transaction, so that what is derived from a result (its roadmap:
reports/roadmap/services.py) is stored with it, and pages only read."""

import logging
import threading
from contextlib import contextmanager
from functools import partial

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

# kwargs: assessment_id
assessment_opened = Signal()
# kwargs: assessment_id (closed with its result frozen)
assessment_closed = Signal()
# kwargs: result (just frozen, inside the closing transaction; never muted)
result_frozen = Signal()


_state = threading.local()


@contextmanager
def muted():
    """Nothing is sent for writes made inside: loading the demo's two years of history must not
    tell its people about every quarter that opened and closed back then."""
    before = getattr(_state, "muted", False)
    _state.muted = True
    try:
        yield
    finally:
        _state.muted = before


def send_on_commit(signal, **kwargs):
    """Send ``signal`` once the current transaction commits (at once outside one)."""
    if not getattr(_state, "muted", False):
        transaction.on_commit(partial(_send, signal, kwargs))


def _send(signal, kwargs):
    for receiver, outcome in signal.send_robust(sender=None, **kwargs):
        if isinstance(outcome, Exception):
            log.error("%s failed for %s", receiver, kwargs, exc_info=outcome)
