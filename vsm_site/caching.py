"""What the site caches, under which key, for how long, and what makes an entry stale: every
cache of the project goes through this module (README "Architecture", Caching).

Two kinds, and nothing is ever deleted to invalidate either: every key holds the versions of
what the value was built from, so a write that changes the value changes the key, the next
read misses, and the old entry ages out.

- The shared cache (Django's ``cache``; ``CACHES`` from ``CACHE_URL``: memory of each process
  by default, Redis shared by all processes in production) keeps rendered HTML: plain strings,
  cheap to pickle. The key builders below say what each entry depends on.
- ``ProcessMemo`` keeps, in the process that built them and bounded in number (and age where
  the key cannot see every change), values that must not travel through a shared cache
  (model instances: a comparison of hundreds of teams would be pickled on every hit) and pure
  functions' results.

The organisation's data version (``assessments/data_version.py``) is in the key of everything
derived from an organisation's data: every write to what those pages read moves it on inside
the writer's transaction.
"""

import hashlib
import json
import threading
import time
from collections import OrderedDict

from django.core.cache import cache

# --- the shared cache: rendered HTML ---------------------------------------------------------

RESULT_BODY_SECONDS = 600
HISTORY_BODY_SECONDS = 600
ANSWER_BODY_SECONDS = 600


def result_body_key(result_id, data_version, candour):
    """A result page's content. What it shows of the spread and comments depends on the
    viewer's ``candour`` (assessments.permissions.candour), so that is in the key. "v3": bodies
    kept before dimensions hid their own spread must never be served."""
    return f"result-v3:{result_id}:{data_version}:{candour}"


def history_body_key(team_id, data_version):
    """A team history page's content: the same for everyone who may see the team."""
    return f"history:{team_id}:{data_version}"


def answer_cards_key(
    assessment_id, user_id, response_updated_at, content_hash, read_only, data_version
):
    """One respondent's question cards of an assessment. They change when the respondent's
    answers do (every save moves the response's ``updated_at``; ``None`` before the first
    answer), with the questionnaire version's content, with read-only, and when a previous
    assessment of the organisation closes (its data version)."""
    updated = response_updated_at.isoformat() if response_updated_at is not None else "-"
    parts = ("answer-cards-v2", assessment_id, user_id, updated, content_hash, int(read_only),
             data_version)  # fmt: skip
    return ":".join(str(part) for part in parts)


def answer_body_key(cards_key, shown):
    """One respondent's answering page content: what ``answer_cards_key`` holds, and ``shown``,
    the other values the page prints (JSON-serialisable), by digest."""
    digest = hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()
    return f"answer-page-v1:{cards_key}:{digest[:20]}"


def kept(key, seconds, build):
    """The value under ``key`` in the shared cache; else ``build()``, kept for ``seconds``.
    ``build`` must not return None (a miss could not be told from it)."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value


# --- per process: model instances and pure functions' results -------------------------------

# The CoE comparison of an organisation (reports/coe/comparison.py). A 500-team one with its
# rendered heatmap is about 6 MB. Its key holds the data version, which moves with every write
# it reads except a few it cannot see (a team renamed): those show within the age limit.
COMPARISON_MEMO_SIZE = 6
COMPARISON_MEMO_SECONDS = 30
# Per cached comparison and per kind: sorted orders, rendered heatmap pages (reports/coe/views.py).
DERIVED_MEMO_SIZE = 8
# Questionnaire versions' structure (dimensions and questions, model instances), by id and
# content hash. Editing a draft changes its hash and forgets its older entries.
STRUCTURE_MEMO_SIZE = 64
# The escaped, respondent-independent parts of question cards (assessments/maturity/cards.py),
# by everything they are built from; about fifty per questionnaire version.
CARD_PARTS_MEMO_SIZE = 2048


class ProcessMemo:
    """A bounded least-recently-used memo in this process, safe across threads; with
    ``seconds``, an entry older than that is built again. Two threads missing the same key at
    once both build it (building holds no lock); the later one is kept."""

    def __init__(self, size, seconds=None):
        if size < 1:
            raise ValueError("a ProcessMemo keeps at least one entry")
        self.size = size
        self.seconds = seconds
        self._entries = OrderedDict()  # key -> (monotonic time built, value)
        self._lock = threading.Lock()

    def get_or_build(self, key, build):
        """The value kept under ``key``; else ``build()``, kept."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and (self.seconds is None or now - entry[0] < self.seconds):
                self._entries.move_to_end(key)
                return entry[1]
        value = build()
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def discard(self, matches):
        """Forget every entry whose key ``matches(key)``."""
        with self._lock:
            for key in [k for k in self._entries if matches(k)]:
                del self._entries[key]

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)

    def __contains__(self, key):
        return key in self._entries
