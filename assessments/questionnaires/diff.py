"""What changed between two versions of a questionnaire: pure, QuestionnaireDoc in, plain data out.

`old` is the previous published version, `new` the draft (or any later version). The diff is what
an analyst reviews before publishing, and the body of
``GET /api/v1/organizations/{slug}/questionnaires/{key}/diff/?from=V1&to=V2``.

The identity rule (the one `_lineage` in assessments/services.py applies when a version is
loaded, so that trends follow an item across versions):

- An item of `new` continues an item of `old` only when its `replaces` names that old item's key:
  dimensions by dimension key, questions by question key. Nothing else links two items, not even
  an equal key: the editor sets `replaces` on every carried-over item, so a same-key item without
  it is where history breaks, and the diff shows it as one item removed and one added (and
  proposes the mapping, below).
- An item of `new` that continues nothing is "added"; an item of `old` that nothing continues is
  "removed". A `replaces` naming a key that `old` does not have continues nothing.
- Two new items may continue the same old item (a split); both are compared with it.
- A question has "moved" when its new dimension does not continue its old dimension. A dimension
  that continues another through `replaces` is the same dimension, whatever its key; a dimension
  with an equal key but no `replaces` is not, so its questions count as moved.

The proposal rule (the diff only proposes; an analyst confirms by setting `replaces`):

- For each added question, the best candidate among the removed ones: the one with the same key
  if there is one, else the one whose words are most similar, when the similarity is at least
  PROPOSAL_THRESHOLD. Similarity is difflib.SequenceMatcher's ratio on the lowercased words of
  the question text followed by its five level statements.
- Each removed question is proposed at most once. Same-key pairs are taken first, then the
  remaining pairs greedily, best score first (ties in the order of the new file, then the old).
- Added and removed dimensions likewise, with the words of the dimension name.
- When more than MAX_COMPARED_PAIRS (added x removed) question pairs would have to be compared,
  only same-key proposals are made and `proposals_limited` is true: the cost of the comparison
  grows with the product, and such a version needs a person's mapping anyway.

The organisation section (the file's `organization:` block) takes part as if it were one more
dimension with the key ORGANIZATION_SECTION, which no dimension key can equal: its questions are
added, removed, reworded and moved like the others, a question moved from a team dimension into
the section is "moved" with `new_dimension` ORGANIZATION_SECTION, and a change of the section's
name or help is listed under "organization" (`{"name": text change | null, "help": ...}` or
null). The section never counts as a dimension.

Version and status are not compared, nor the questionnaire key. `is_empty` is true exactly when
`new` is `old` apart from version, status and `replaces` fields that map every item to itself.

``QuestionnaireDiff.to_json()`` returns this shape (lists in the order of the new file; `removed`
in the order of the old file). A "text change" is
``{"old_text": str, "new_text": str, "segments": [[op, text], ...]}`` with op "equal", "insert"
or "delete" (see `word_diff`)::

    {
      "from": 1, "to": 2,                        # versions
      "is_empty": false,
      "summary": "1 question added, 1 reworded; 1 dimension renamed",
      "title": null | text change,
      "description": null | text change,
      "organization": null | {"name": null | text change, "help": null | text change},
      "added":   [{"key", "dimension", "text"}],  # dimension: its key in the new version
      "removed": [{"key", "dimension", "text"}],  # dimension: its key in the old version
      "reworded": [{"key", "old_key", "dimension", "old_text", "new_text", "segments",
                    "levels": [{"level": 1-5, "old_text", "new_text", "segments"}],
                    "help": null | text change}],
      "moved": [{"key", "old_key", "old_dimension", "new_dimension"}],
      "weight_changes": [{"key", "old_key", "old_weight", "new_weight"}],
      "reordered": [key, ...],
      "mapping": {new_question_key: old_question_key},   # the confirmed `replaces`
      "proposals": [{"key", "old_key", "score", "reason"}],  # reason: "same key", "similar text"
      "proposals_limited": false,   # true: too many changes to compare texts, same keys only
      "dimensions": {
        "added":   [{"key", "name"}],
        "removed": [{"key", "name"}],
        "renamed": [{"key", "old_key", "old_name", "new_name"}],
        "weight_changes": [{"key", "old_key", "old_weight", "new_weight"}],
        "edited": [{"key", "old_key", "help": null | text change,
                    "focus_areas": [{"level": 1-5, "old": [str], "new": [str]}]}],
        "reordered": [key, ...],
        "mapping": {new_dimension_key: old_dimension_key},
        "proposals": [{"key", "old_key", "score", "reason"}]   # reason: "same key", "similar name"
      }
    }

A question is "reworded" when its text, help, a level statement or its key changed (`text` is
always given, unchanged or not; `levels` and `help` only when they changed). A dimension is
"renamed" when its name or its key changed. "reordered" lists carried-over items that changed
place among the other carried-over items of their dimension (questions that moved to another
dimension are not listed again) or, for dimensions, of the questionnaire.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from assessments.questionnaires.format import (
    DimensionDoc,
    OrganizationDoc,
    QuestionDoc,
    QuestionnaireDoc,
)

# 0.6 is difflib's own default cut-off (get_close_matches): below it, two texts share too few
# words for the pairing to be more than a guess.
PROPOSAL_THRESHOLD = 0.6
SCORE_DECIMALS = 3
# Comparing two questions' words costs about 15 microseconds; a version that re-keys two
# thousand questions without `replaces` would keep a request busy for a minute. Beyond this
# many (added x removed) pairs only same-key proposals are made, and `proposals_limited` says so.
# Dimensions stay below it: at most 200 x 200.
MAX_COMPARED_PAIRS = 40_000

# Not a slug, so never a dimension's key: where the diff names a question's dimension, the
# organisation section is named so.
ORGANIZATION_SECTION = "(organization)"

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
Segment = tuple[str, str]  # (op, text)

# Words, runs of whitespace and runs of anything else (punctuation): together every character,
# so the tokens join back to the text exactly.
_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]+")
_WORD_RE = re.compile(r"\w+")


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextChange:
    """A text before and after, with its word-level segments (see word_diff)."""

    old: str
    new: str
    segments: tuple[Segment, ...]

    def to_json(self) -> dict:
        return {
            "old_text": self.old,
            "new_text": self.new,
            "segments": [list(segment) for segment in self.segments],
        }


@dataclass(frozen=True)
class QuestionRef:
    """An added or removed question, with the key of its dimension in its own version."""

    key: str
    dimension: str
    text: str


@dataclass(frozen=True)
class LevelChange:
    level: int
    text: TextChange


@dataclass(frozen=True)
class Rewording:
    """A carried-over question whose key, text, help or level statements changed."""

    key: str
    old_key: str
    dimension: str  # in the new version
    text: TextChange  # given even when only something else changed
    levels: tuple[LevelChange, ...] = ()  # the changed levels only
    help: TextChange | None = None


@dataclass(frozen=True)
class Move:
    key: str
    old_key: str
    old_dimension: str
    new_dimension: str


@dataclass(frozen=True)
class WeightChange:
    key: str
    old_key: str
    old_weight: float
    new_weight: float


@dataclass(frozen=True)
class DimensionRef:
    key: str
    name: str


@dataclass(frozen=True)
class DimensionRenaming:
    key: str
    old_key: str
    old_name: str
    new_name: str


@dataclass(frozen=True)
class FocusAreaChange:
    level: int
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class DimensionEdit:
    """A carried-over dimension whose help or focus areas changed."""

    key: str
    old_key: str
    help: TextChange | None
    focus_areas: tuple[FocusAreaChange, ...]  # the changed levels only


@dataclass(frozen=True)
class Proposal:
    """A suggested `replaces`: the added item `key` may continue the removed item `old_key`."""

    key: str
    old_key: str
    score: float  # word similarity 0-1, rounded to SCORE_DECIMALS
    reason: str  # "same key", "similar text" (questions) or "similar name" (dimensions)


@dataclass(frozen=True)
class DimensionsDiff:
    added: tuple[DimensionRef, ...]
    removed: tuple[DimensionRef, ...]
    renamed: tuple[DimensionRenaming, ...]
    weight_changes: tuple[WeightChange, ...]
    edited: tuple[DimensionEdit, ...]
    reordered: tuple[str, ...]
    mapping: dict[str, str]  # new dimension key -> old dimension key
    proposals: tuple[Proposal, ...]

    def to_json(self) -> dict:
        return {
            "added": [asdict(d) for d in self.added],
            "removed": [asdict(d) for d in self.removed],
            "renamed": [asdict(r) for r in self.renamed],
            "weight_changes": [asdict(w) for w in self.weight_changes],
            "edited": [_edit_json(e) for e in self.edited],
            "reordered": list(self.reordered),
            "mapping": dict(self.mapping),
            "proposals": [asdict(p) for p in self.proposals],
        }


@dataclass(frozen=True)
class QuestionnaireDiff:
    old_version: int
    new_version: int
    title: TextChange | None
    description: TextChange | None
    added: tuple[QuestionRef, ...]
    removed: tuple[QuestionRef, ...]
    reworded: tuple[Rewording, ...]
    moved: tuple[Move, ...]
    weight_changes: tuple[WeightChange, ...]
    reordered: tuple[str, ...]
    mapping: dict[str, str]  # new question key -> old question key
    proposals: tuple[Proposal, ...]
    proposals_limited: bool  # too many added x removed questions to compare (same keys only)
    dimensions: DimensionsDiff
    organization_name: TextChange | None = None  # the organisation section's name and help
    organization_help: TextChange | None = None

    @property
    def is_empty(self) -> bool:
        return not _question_counts(self) and not _dimension_counts(self) and not _texts(self)

    def summary(self) -> str:
        """One line for the audit trail, e.g. "2 questions added, 1 removed; 1 dimension
        renamed"."""
        groups = [
            _count_phrase("question", _question_counts(self)),
            _count_phrase("dimension", _dimension_counts(self)),
        ]
        texts = _texts(self)
        if texts:
            groups.append(" and ".join(texts) + " changed")
        return "; ".join(group for group in groups if group) or "no changes"

    def to_json(self) -> dict:
        """The JSON body described in the module docstring."""
        return {
            "from": self.old_version,
            "to": self.new_version,
            "is_empty": self.is_empty,
            "summary": self.summary(),
            "title": _optional_json(self.title),
            "description": _optional_json(self.description),
            "organization": None
            if self.organization_name is None and self.organization_help is None
            else {
                "name": _optional_json(self.organization_name),
                "help": _optional_json(self.organization_help),
            },
            "added": [asdict(q) for q in self.added],
            "removed": [asdict(q) for q in self.removed],
            "reworded": [_rewording_json(r) for r in self.reworded],
            "moved": [asdict(m) for m in self.moved],
            "weight_changes": [asdict(w) for w in self.weight_changes],
            "reordered": list(self.reordered),
            "mapping": dict(self.mapping),
            "proposals": [asdict(p) for p in self.proposals],
            "proposals_limited": self.proposals_limited,
            "dimensions": self.dimensions.to_json(),
        }


# --- word-level text diff -----------------------------------------------------------------


def word_diff(old_text: str, new_text: str) -> list[Segment]:
    """The change from `old_text` to `new_text` as (op, text) segments, op one of "equal",
    "insert", "delete". Joining the "equal" and "delete" texts in order gives `old_text`
    exactly, "equal" and "insert" gives `new_text`. Texts are compared word by word (runs of
    whitespace and of punctuation are tokens too); no segment is empty, a deletion comes before
    the insertion that replaces it, and a lone whitespace run between two changes is folded
    into them, so that "the quick fox" -> "a slow fox" reads as one change, not two."""
    old_tokens = _TOKEN_RE.findall(old_text)
    new_tokens = _TOKEN_RE.findall(new_text)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    # Chunks: ("equal", text) or ("change", deleted, inserted).
    chunks: list[tuple] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        deleted = "".join(old_tokens[i1:i2])
        inserted = "".join(new_tokens[j1:j2])
        if op == EQUAL:
            chunks.append((EQUAL, deleted))
        elif _folds_into_change(chunks):
            _, previous_deleted, previous_inserted = chunks.pop(-2)
            space = chunks.pop()[1]
            chunks.append(
                ("change", previous_deleted + space + deleted, previous_inserted + space + inserted)
            )
        else:
            chunks.append(("change", deleted, inserted))
    return _segments(chunks)


def _folds_into_change(chunks: list[tuple]) -> bool:
    """Whether the last chunk is whitespace between a change and the change about to come."""
    return (
        len(chunks) >= 2
        and chunks[-2][0] == "change"
        and chunks[-1][0] == EQUAL
        and chunks[-1][1].isspace()
    )


def _segments(chunks: list[tuple]) -> list[Segment]:
    segments: list[Segment] = []
    for chunk in chunks:
        if chunk[0] == EQUAL:
            segments.append((EQUAL, chunk[1]))
            continue
        _, deleted, inserted = chunk
        if deleted:
            segments.append((DELETE, deleted))
        if inserted:
            segments.append((INSERT, inserted))
    return segments


def _text_change(old: str, new: str) -> TextChange | None:
    """None when the texts are equal."""
    if old == new:
        return None
    return _text_change_always(old, new)


def _text_change_always(old: str, new: str) -> TextChange:
    return TextChange(old, new, tuple(word_diff(old, new)))


# --- the diff -----------------------------------------------------------------------------


def diff_questionnaires(old: QuestionnaireDoc, new: QuestionnaireDoc) -> QuestionnaireDiff:
    """Everything that changed from `old` to `new`, under the identity rule of the module
    docstring, with proposals for the mappings an analyst may have forgotten."""
    old_section = old.organization or _NO_SECTION
    new_section = new.organization or _NO_SECTION
    return QuestionnaireDiff(
        old_version=old.version,
        new_version=new.version,
        title=_text_change(old.title, new.title),
        description=_text_change(old.description, new.description),
        **_question_changes(old, new),
        dimensions=_dimension_changes(old, new),
        organization_name=_text_change(old_section.name, new_section.name),
        organization_help=_text_change(old_section.help, new_section.help),
    )


_NO_SECTION = OrganizationDoc(name="", help="", questions=())


def _question_changes(old: QuestionnaireDoc, new: QuestionnaireDoc) -> dict:
    old_questions = _questions(old)
    new_questions = _questions(new)
    old_dimension = _dimension_of(old)  # question key -> dimension key
    new_dimension = _dimension_of(new)
    pairs = _pairs(old_questions, new_questions)
    continued_dimensions = {(o.key, n.key) for o, n in _pairs(old.dimensions, new.dimensions)}
    continued_dimensions.add((ORGANIZATION_SECTION, ORGANIZATION_SECTION))

    moved = []
    stayed = []
    for o, n in pairs:
        dimensions = (old_dimension[o.key], new_dimension[n.key])
        if dimensions in continued_dimensions:
            stayed.append((o, n))
        else:
            moved.append(Move(n.key, o.key, *dimensions))

    added = _unmatched_new(new_questions, pairs)
    removed = _unmatched_old(old_questions, pairs)
    limited = len(added) * len(removed) > MAX_COMPARED_PAIRS
    reworded = []
    for o, n in pairs:
        rewording = _rewording(o, n, new_dimension[n.key])
        if rewording is not None:
            reworded.append(rewording)

    return {
        "added": tuple(QuestionRef(q.key, new_dimension[q.key], q.text) for q in added),
        "removed": tuple(QuestionRef(q.key, old_dimension[q.key], q.text) for q in removed),
        "reworded": tuple(reworded),
        "moved": tuple(moved),
        "weight_changes": _weight_changes(pairs),
        "reordered": _reordered_questions(old_questions, stayed, new_dimension),
        "mapping": {n.key: o.key for o, n in pairs},
        "proposals": _proposals(
            added, removed, _question_words, "similar text", compare_words=not limited
        ),
        "proposals_limited": limited,
    }


def _dimension_changes(old: QuestionnaireDoc, new: QuestionnaireDoc) -> DimensionsDiff:
    pairs = _pairs(old.dimensions, new.dimensions)
    added = _unmatched_new(new.dimensions, pairs)
    removed = _unmatched_old(old.dimensions, pairs)
    renamed = tuple(
        DimensionRenaming(n.key, o.key, o.name, n.name)
        for o, n in pairs
        if o.name != n.name or o.key != n.key
    )
    edited = []
    for o, n in pairs:
        edit = _dimension_edit(o, n)
        if edit is not None:
            edited.append(edit)
    return DimensionsDiff(
        added=tuple(DimensionRef(d.key, d.name) for d in added),
        removed=tuple(DimensionRef(d.key, d.name) for d in removed),
        renamed=renamed,
        weight_changes=_weight_changes(pairs),
        edited=tuple(edited),
        reordered=tuple(_out_of_place(pairs, _positions(old.dimensions))),
        mapping={n.key: o.key for o, n in pairs},
        proposals=_proposals(added, removed, _name_words, "similar name"),
    )


def _questions(doc: QuestionnaireDoc) -> list[QuestionDoc]:
    return list(doc.all_questions())


def _dimension_of(doc: QuestionnaireDoc) -> dict[str, str]:
    """question key -> dimension key, or ORGANIZATION_SECTION for the section's questions."""
    of = {q.key: dimension.key for dimension in doc.dimensions for q in dimension.questions}
    if doc.organization is not None:
        of.update((q.key, ORGANIZATION_SECTION) for q in doc.organization.questions)
    return of


def _positions(items: Sequence) -> dict[str, int]:
    return {item.key: position for position, item in enumerate(items)}


def _pairs(old_items: Sequence, new_items: Sequence) -> list[tuple]:
    """(old item, new item) for every new item whose `replaces` names an old item, in the
    order of `new_items`. Works for dimensions and questions alike."""
    old_by_key = {item.key: item for item in old_items}
    return [(old_by_key[item.replaces], item) for item in new_items if item.replaces in old_by_key]


def _unmatched_new(new_items: Sequence, pairs: list[tuple]) -> list:
    matched = {n.key for _, n in pairs}
    return [item for item in new_items if item.key not in matched]


def _unmatched_old(old_items: Sequence, pairs: list[tuple]) -> list:
    matched = {o.key for o, _ in pairs}
    return [item for item in old_items if item.key not in matched]


def _rewording(old: QuestionDoc, new: QuestionDoc, dimension: str) -> Rewording | None:
    levels = []
    for level in sorted(old.levels.keys() | new.levels.keys()):
        change = _text_change(old.levels.get(level, ""), new.levels.get(level, ""))
        if change is not None:
            levels.append(LevelChange(level, change))
    help_change = _text_change(old.help, new.help)
    if old.key == new.key and old.text == new.text and not levels and help_change is None:
        return None
    return Rewording(
        key=new.key,
        old_key=old.key,
        dimension=dimension,
        text=_text_change_always(old.text, new.text),
        levels=tuple(levels),
        help=help_change,
    )


def _dimension_edit(old: DimensionDoc, new: DimensionDoc) -> DimensionEdit | None:
    focus_areas = []
    for level in sorted(old.focus_areas.keys() | new.focus_areas.keys()):
        old_areas = old.focus_areas.get(level, ())
        new_areas = new.focus_areas.get(level, ())
        if old_areas != new_areas:
            focus_areas.append(FocusAreaChange(level, old_areas, new_areas))
    help_change = _text_change(old.help, new.help)
    if help_change is None and not focus_areas:
        return None
    return DimensionEdit(new.key, old.key, help_change, tuple(focus_areas))


def _weight_changes(pairs: list[tuple]) -> tuple[WeightChange, ...]:
    return tuple(
        WeightChange(n.key, o.key, o.weight, n.weight) for o, n in pairs if o.weight != n.weight
    )


def _reordered_questions(
    old_questions: list[QuestionDoc], stayed: list[tuple], new_dimension: dict[str, str]
) -> tuple[str, ...]:
    """Questions that stayed in their dimension but changed place among the carried-over
    questions of that dimension."""
    by_dimension: dict[str, list[tuple]] = {}
    for o, n in stayed:
        by_dimension.setdefault(new_dimension[n.key], []).append((o, n))
    positions = _positions(old_questions)
    out_of_place = set()
    for dimension_pairs in by_dimension.values():
        out_of_place.update(_out_of_place(dimension_pairs, positions))
    return tuple(n.key for _, n in stayed if n.key in out_of_place)


def _out_of_place(pairs: list[tuple], old_position: dict[str, int]) -> list[str]:
    """The keys of the new items of `pairs` (given in new order) that are not where their old
    items' order puts them: the items outside the runs that difflib finds in common between
    the old order and the new one."""
    new_order = [o.key for o, _ in pairs]
    old_order = sorted(new_order, key=old_position.__getitem__)
    matcher = difflib.SequenceMatcher(None, old_order, new_order, autojunk=False)
    kept = set()
    for block in matcher.get_matching_blocks():
        kept.update(range(block.b, block.b + block.size))
    return [n.key for index, (_, n) in enumerate(pairs) if index not in kept]


# --- proposals ----------------------------------------------------------------------------


def _question_words(question: QuestionDoc) -> list[str]:
    parts = [question.text, *(question.levels[level] for level in sorted(question.levels))]
    return _WORD_RE.findall(" ".join(parts).lower())


def _name_words(dimension: DimensionDoc) -> list[str]:
    return _WORD_RE.findall(dimension.name.lower())


def _proposals(
    added: list,
    removed: list,
    words: Callable[[object], list[str]],
    reason: str,
    *,
    compare_words: bool = True,
) -> tuple[Proposal, ...]:
    """At most one proposal per added item, each removed item proposed at most once: same keys
    first, then (when `compare_words`) the most similar pairs at or above PROPOSAL_THRESHOLD,
    best first."""
    removed_by_key = {item.key: item for item in removed}
    chosen: dict[str, Proposal] = {}
    for item in added:
        if item.key in removed_by_key:
            score = _similarity(words(removed_by_key[item.key]), words(item))
            chosen[item.key] = Proposal(item.key, item.key, score, "same key")
    taken = set(chosen)  # a same-key pair uses the same key on both sides
    if not compare_words:
        return tuple(chosen[item.key] for item in added if item.key in chosen)

    candidates = []
    removed_words = [(old, words(old)) for old in removed if old.key not in taken]
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for new_index, item in enumerate(added):
        if item.key in chosen:
            continue
        # difflib caches what it learns about the second sequence: set it once per added item.
        matcher.set_seq2(words(item))
        for old_index, (old, old_words) in enumerate(removed_words):
            matcher.set_seq1(old_words)
            score = _score_at_threshold(matcher)
            if score is not None:
                candidates.append((-score, new_index, old_index, item.key, old.key))
    for negative_score, _, _, key, old_key in sorted(candidates):
        if key in chosen or old_key in taken:
            continue
        chosen[key] = Proposal(key, old_key, round(-negative_score, SCORE_DECIMALS), reason)
        taken.add(old_key)
    return tuple(chosen[item.key] for item in added if item.key in chosen)


def _similarity(old_words: list[str], new_words: list[str]) -> float:
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    return round(matcher.ratio(), SCORE_DECIMALS)


def _score_at_threshold(matcher: difflib.SequenceMatcher) -> float | None:
    """The matcher's unrounded ratio, or None when it is below PROPOSAL_THRESHOLD. The cheap
    upper bounds are tried first (as difflib.get_close_matches does): most pairs fail them."""
    if matcher.real_quick_ratio() < PROPOSAL_THRESHOLD:
        return None
    if matcher.quick_ratio() < PROPOSAL_THRESHOLD:
        return None
    score = matcher.ratio()
    return score if score >= PROPOSAL_THRESHOLD else None


# --- summary and JSON ---------------------------------------------------------------------


def _question_counts(diff: QuestionnaireDiff) -> list[tuple[int, str]]:
    """(count, label) for every kind of question change that happened."""
    counts = [
        (len(diff.added), "added"),
        (len(diff.removed), "removed"),
        (len(diff.reworded), "reworded"),
        (len(diff.moved), "moved"),
        (len(diff.weight_changes), "re-weighted"),
        (len(diff.reordered), "reordered"),
    ]
    return [(count, label) for count, label in counts if count]


def _dimension_counts(diff: QuestionnaireDiff) -> list[tuple[int, str]]:
    dimensions = diff.dimensions
    counts = [
        (len(dimensions.added), "added"),
        (len(dimensions.removed), "removed"),
        (len(dimensions.renamed), "renamed"),
        (len(dimensions.weight_changes), "re-weighted"),
        (sum(1 for e in dimensions.edited if e.help is not None), "with new help"),
        (sum(1 for e in dimensions.edited if e.focus_areas), "with new focus areas"),
        (len(dimensions.reordered), "reordered"),
    ]
    return [(count, label) for count, label in counts if count]


def _texts(diff: QuestionnaireDiff) -> list[str]:
    names = [
        ("title", diff.title),
        ("description", diff.description),
        ("organisation section name", diff.organization_name),
        ("organisation section help", diff.organization_help),
    ]
    return [name for name, change in names if change is not None]


def _count_phrase(noun: str, counts: list[tuple[int, str]]) -> str:
    """The noun goes with the first count only: "2 questions added, 1 removed"."""
    phrases = []
    for count, label in counts:
        if phrases:
            phrases.append(f"{count} {label}")
        else:
            phrases.append(f"{count} {noun if count == 1 else noun + 's'} {label}")
    return ", ".join(phrases)


def _optional_json(change: TextChange | None) -> dict | None:
    return None if change is None else change.to_json()


def _rewording_json(rewording: Rewording) -> dict:
    return {
        "key": rewording.key,
        "old_key": rewording.old_key,
        "dimension": rewording.dimension,
        **rewording.text.to_json(),
        "levels": [{"level": c.level, **c.text.to_json()} for c in rewording.levels],
        "help": _optional_json(rewording.help),
    }


def _edit_json(edit: DimensionEdit) -> dict:
    return {
        "key": edit.key,
        "old_key": edit.old_key,
        "help": _optional_json(edit.help),
        "focus_areas": [
            {"level": c.level, "old": list(c.old), "new": list(c.new)} for c in edit.focus_areas
        ],
    }
