"""How close a piece of advice is to a questionnaire's level statements (test support).

Shared by the checks that advice leads from level L to L+1: the roadmap's practice bundles
(tests/reports/roadmap/test_practices.py) and the questionnaire's focus areas
(test_focus_areas.py beside this module).

Similarity: cosine of TF-IDF vectors over content words, stemmed lightly, the IDF taken from
a set of level statements (a dimension's), so words every level of a question shares ("WIP
limit") weigh little and the words that tell levels apart weigh most.

What a team at a level already does is the *credited* part of that level's statement: the
statements say what a team does and then what it lacks ("Blocked items are flagged by hand,
but queues between stages ... are not separate states"). The part after "but" and the
clauses that deny something (not, no, nobody, never, without, only ...) describe the gap,
which is exactly what the next step should close, so words shared with them are no
restatement.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

STOPWORDS = frozenset(
    re.findall(
        r"[a-z]+",
        """
    a about above after again against all also an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either
    else every few for from further had has have having here how i if in into is it its itself
    just least less many may might more most much must my no nor not now of off on once one
    only or other others our out over own per same several should so some such than that the
    their them themselves then there these they this those through to too two three under until
    up upon us very via was we were what when where whether which while who whom whose why will
    with within without would yet you your e g eg etc
        """,
    )
)
# Words that mark a clause as describing what is missing.
NEGATION = frozenset(
    re.findall(r"[a-z]+", "not no nobody nothing never none without only rarely neither")
)
# Longest first; a stem keeps at least three letters.
SUFFIXES = ("ically", "ments", "ment", "ings", "ing", "ions", "ion", "ers", "ies", "ied",
            "ed", "es", "er", "ly", "al", "ic", "s")  # fmt: skip


@functools.cache
def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS]


@dataclass(frozen=True)
class Statement:
    question: str
    level: int
    text: str

    @property
    def credited(self) -> str:
        """What the statement says the team does, without the gap it names."""
        done = re.split(r",? but ", self.text, maxsplit=1)[0]
        clauses = re.split(r";|, and |, so |, or ", done)
        return "; ".join(c for c in clauses if not NEGATION & set(re.findall(r"[a-z]+", c.lower())))


def inverse_document_frequency(statements: Iterable[Statement]) -> dict[str, float]:
    statements = list(statements)
    df = Counter(w for s in statements for w in set(words(s.text)))
    n = len(statements)
    return {w: math.log((n + 1) / (c + 1)) + 1 for w, c in df.items()}


def vector(text: str, idf: dict) -> dict[str, float]:
    top = max(idf.values())
    counts = Counter(words(text))
    return {w: c * idf.get(w, top) for w, c in counts.items()}


def similarity(a: str, b: str, idf: dict) -> float:
    va, vb = vector(a, idf), vector(b, idf)
    dot = sum(v * vb.get(w, 0.0) for w, v in va.items())
    norm = math.sqrt(sum(v * v for v in va.values())) * math.sqrt(sum(v * v for v in vb.values()))
    return round(dot / norm, 3) if norm else 0.0
