"""The diff between two questionnaire versions (assessments/questionnaires/diff.py): the identity
rule, the proposals, the summary line, the JSON body and the word-level segments. No database."""

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.questionnaires import diff as questionnaire_diff
from assessments.questionnaires.diff import (
    DimensionEdit,
    DimensionRef,
    DimensionRenaming,
    FocusAreaChange,
    LevelChange,
    Move,
    Proposal,
    QuestionRef,
    Rewording,
    TextChange,
    WeightChange,
    diff_questionnaires,
    word_diff,
)
from assessments.questionnaires.format import (
    DimensionDoc,
    QuestionDoc,
    QuestionnaireDoc,
    parse_questionnaire,
)

# --- builders ------------------------------------------------------------------------------

LEVELS = {1: "Never.", 2: "Sometimes.", 3: "Usually.", 4: "Measured.", 5: "Improved."}
FOCUS_AREAS = {level: (f"Focus {level}",) for level in range(1, 6)}


def question(key, text="Is it done?", *, replaces=None, levels=None, help=""):
    return QuestionDoc(
        key=key, text=text, levels=dict(levels or LEVELS), help=help, replaces=replaces
    )


def dimension(key, *questions, name=None, replaces=None):
    return DimensionDoc(
        key=key,
        name=name or key.capitalize(),
        help="Help.",
        weight=1.0,
        focus_areas=dict(FOCUS_AREAS),
        questions=tuple(questions),
        replaces=replaces,
    )


def questionnaire(*dimensions, version=1, title="Mini", description=""):
    return QuestionnaireDoc(
        key="mini",
        version=version,
        title=title,
        status="published" if version == 1 else "draft",
        description=description,
        dimensions=tuple(dimensions),
    )


def carried_over(doc):
    """The next version of `doc` with every item continuing itself: no change at all."""
    dimensions = tuple(
        dataclasses.replace(
            d,
            replaces=d.key,
            questions=tuple(dataclasses.replace(q, replaces=q.key) for q in d.questions),
        )
        for d in doc.dimensions
    )
    return dataclasses.replace(doc, version=doc.version + 1, status="draft", dimensions=dimensions)


def same(text):
    return TextChange(text, text, (("equal", text),))


# --- a realistic pair, end to end ----------------------------------------------------------

OLD = """\
key: vsm-mini
version: 1
title: VSM mini
status: published
description: Two dimensions.
dimensions:
  - key: visibility
    name: End-to-end visibility
    weight: 2
    help: Seeing the whole path of work.
    focus_areas:
      {1: [Shared board], 2: [Team handoffs], 3: [Flow view], 4: [Forecasts], 5: [Sustain]}
    questions:
      - key: vis-tracking
        text: How is work tracked from idea to production?
        levels:
          1: Not tracked.
          2: Tracked per team.
          3: Tracked end to end.
          4: Measured.
          5: Improved continuously.
      - key: vis-wait
        text: Can you see where work waits?
        levels: {1: No, 2: Sometimes, 3: Usually, 4: Measured, 5: Predicted}
  - key: flow
    name: Flow
    help: How smoothly work moves.
    focus_areas: {1: [Limit WIP], 2: [Smaller batches], 3: [Automate], 4: [Tune], 5: [Sustain]}
    questions:
      - key: flow-wip
        text: Is work in progress limited?
        levels:
          1: No limits.
          2: Informal limits.
          3: Agreed limits.
          4: Limits tuned with data.
          5: Limits adapt automatically.
      - key: flow-batch
        text: How large are the batches of work you release?
        levels:
          1: Very large batches.
          2: Large batches.
          3: Medium batches.
          4: Small batches.
          5: Single items flow.
"""

# Renames `visibility` and changes its weight and a focus area, rewords a question, moves one,
# re-weights one, re-keys flow-batch without `replaces` (history breaks: a proposal) and adds
# a dimension.
NEW = """\
key: vsm-mini
version: 2
title: VSM mini
status: draft
description: Three dimensions.
dimensions:
  - key: visibility
    replaces: visibility
    name: Visibility
    weight: 1.5
    help: Seeing the whole path of work.
    focus_areas:
      1: [Shared board]
      2: [Cross-team handoffs]
      3: [Flow view]
      4: [Forecasts]
      5: [Sustain]
    questions:
      - key: vis-tracking
        replaces: vis-tracking
        text: How is work tracked from idea to customer?
        levels:
          1: Not tracked.
          2: Tracked per team.
          3: Tracked end to end, automatically.
          4: Measured.
          5: Improved continuously.
  - key: flow
    replaces: flow
    name: Flow
    help: How smoothly work moves.
    focus_areas: {1: [Limit WIP], 2: [Smaller batches], 3: [Automate], 4: [Tune], 5: [Sustain]}
    questions:
      - key: flow-wip
        replaces: flow-wip
        weight: 2
        text: Is work in progress limited?
        levels:
          1: No limits.
          2: Informal limits.
          3: Agreed limits.
          4: Limits tuned with data.
          5: Limits adapt automatically.
      - key: vis-wait
        replaces: vis-wait
        text: Can you see where work waits?
        levels: {1: No, 2: Sometimes, 3: Usually, 4: Measured, 5: Predicted}
      - key: flow-batches
        text: How large are the batches of work you deploy?
        levels:
          1: Very large batches.
          2: Large batches.
          3: Medium batches.
          4: Small batches.
          5: Single items flow.
  - key: quality
    name: Built-in quality
    help: Quality is built in, not inspected in.
    focus_areas: {1: [Tests], 2: [CI], 3: [Gates], 4: [Metrics], 5: [Sustain]}
    questions:
      - key: quality-tests
        text: Are tests automated?
        levels: {1: No, 2: Some, 3: Most, 4: All, 5: All and fast}
"""


def test_diff_questionnaires_realistic_pair_to_json():
    body = diff_questionnaires(parse_questionnaire(OLD), parse_questionnaire(NEW)).to_json()

    assert body == {
        "from": 1,
        "to": 2,
        "is_empty": False,
        "summary": (
            "2 questions added, 1 removed, 1 reworded, 1 moved, 1 re-weighted; "
            "1 dimension added, 1 renamed, 1 re-weighted, 1 with new focus areas; "
            "description changed"
        ),
        "title": None,
        "description": {
            "old_text": "Two dimensions.",
            "new_text": "Three dimensions.",
            "segments": [["delete", "Two"], ["insert", "Three"], ["equal", " dimensions."]],
        },
        "organization": None,
        "added": [
            {
                "key": "flow-batches",
                "dimension": "flow",
                "text": "How large are the batches of work you deploy?",
            },
            {"key": "quality-tests", "dimension": "quality", "text": "Are tests automated?"},
        ],
        "removed": [
            {
                "key": "flow-batch",
                "dimension": "flow",
                "text": "How large are the batches of work you release?",
            },
        ],
        "reworded": [
            {
                "key": "vis-tracking",
                "old_key": "vis-tracking",
                "dimension": "visibility",
                "old_text": "How is work tracked from idea to production?",
                "new_text": "How is work tracked from idea to customer?",
                "segments": [
                    ["equal", "How is work tracked from idea to "],
                    ["delete", "production"],
                    ["insert", "customer"],
                    ["equal", "?"],
                ],
                "levels": [
                    {
                        "level": 3,
                        "old_text": "Tracked end to end.",
                        "new_text": "Tracked end to end, automatically.",
                        "segments": [
                            ["equal", "Tracked end to end"],
                            ["insert", ", automatically"],
                            ["equal", "."],
                        ],
                    }
                ],
                "help": None,
            }
        ],
        "moved": [
            {
                "key": "vis-wait",
                "old_key": "vis-wait",
                "old_dimension": "visibility",
                "new_dimension": "flow",
            }
        ],
        "weight_changes": [
            {"key": "flow-wip", "old_key": "flow-wip", "old_weight": 1.0, "new_weight": 2.0}
        ],
        "reordered": [],
        "mapping": {"vis-tracking": "vis-tracking", "flow-wip": "flow-wip", "vis-wait": "vis-wait"},
        "proposals": [
            # 20 of 21 words in common (text and levels): 2 * 20 / 42.
            {
                "key": "flow-batches",
                "old_key": "flow-batch",
                "score": 0.952,
                "reason": "similar text",
            }
        ],
        "proposals_limited": False,
        "dimensions": {
            "added": [{"key": "quality", "name": "Built-in quality"}],
            "removed": [],
            "renamed": [
                {
                    "key": "visibility",
                    "old_key": "visibility",
                    "old_name": "End-to-end visibility",
                    "new_name": "Visibility",
                }
            ],
            "weight_changes": [
                {
                    "key": "visibility",
                    "old_key": "visibility",
                    "old_weight": 2.0,
                    "new_weight": 1.5,
                }
            ],
            "edited": [
                {
                    "key": "visibility",
                    "old_key": "visibility",
                    "help": None,
                    "focus_areas": [
                        {"level": 2, "old": ["Team handoffs"], "new": ["Cross-team handoffs"]}
                    ],
                }
            ],
            "reordered": [],
            "mapping": {"visibility": "visibility", "flow": "flow"},
            "proposals": [],
        },
    }
    assert json.loads(json.dumps(body)) == body


def test_diff_questionnaires_realistic_pair_dataclasses():
    diff = diff_questionnaires(parse_questionnaire(OLD), parse_questionnaire(NEW))

    assert diff.added == (
        QuestionRef("flow-batches", "flow", "How large are the batches of work you deploy?"),
        QuestionRef("quality-tests", "quality", "Are tests automated?"),
    )
    assert diff.removed == (
        QuestionRef("flow-batch", "flow", "How large are the batches of work you release?"),
    )
    assert diff.moved == (Move("vis-wait", "vis-wait", "visibility", "flow"),)
    assert diff.weight_changes == (WeightChange("flow-wip", "flow-wip", 1.0, 2.0),)
    assert diff.proposals == (Proposal("flow-batches", "flow-batch", 0.952, "similar text"),)
    assert diff.dimensions.added == (DimensionRef("quality", "Built-in quality"),)
    assert diff.dimensions.renamed == (
        DimensionRenaming("visibility", "visibility", "End-to-end visibility", "Visibility"),
    )
    assert diff.dimensions.edited == (
        DimensionEdit(
            "visibility",
            "visibility",
            None,
            (FocusAreaChange(2, ("Team handoffs",), ("Cross-team handoffs",)),),
        ),
    )
    assert diff.is_empty is False


# --- the identity rule ---------------------------------------------------------------------


def test_diff_questionnaires_carried_over_without_change_is_empty():
    old = questionnaire(dimension("flow", question("flow-wip"), question("flow-batch")))

    diff = diff_questionnaires(old, carried_over(old))

    assert diff.is_empty is True
    assert diff.summary() == "no changes"
    assert diff.mapping == {"flow-wip": "flow-wip", "flow-batch": "flow-batch"}
    assert diff.dimensions.mapping == {"flow": "flow"}
    assert diff.to_json()["summary"] == "no changes"
    assert diff.to_json()["added"] == []


def test_diff_questionnaires_same_key_without_replaces_is_removed_and_added():
    old = questionnaire(dimension("flow", question("flow-wip", "Is WIP limited?")))
    new = questionnaire(
        dimension("flow", question("flow-wip", "Is WIP limited?"), replaces="flow"), version=2
    )

    diff = diff_questionnaires(old, new)

    assert diff.added == (QuestionRef("flow-wip", "flow", "Is WIP limited?"),)
    assert diff.removed == (QuestionRef("flow-wip", "flow", "Is WIP limited?"),)
    assert diff.mapping == {}
    assert diff.proposals == (Proposal("flow-wip", "flow-wip", 1.0, "same key"),)
    assert diff.summary() == "1 question added, 1 removed"


def test_diff_questionnaires_dimension_without_replaces_moves_its_questions():
    # Same dimension key, but no `replaces`: a new dimension, so its carried-over question
    # changes dimension lineage, and the dimension mapping is proposed.
    old = questionnaire(dimension("flow", question("flow-wip")))
    new = questionnaire(dimension("flow", question("flow-wip", replaces="flow-wip")), version=2)

    diff = diff_questionnaires(old, new)

    assert diff.moved == (Move("flow-wip", "flow-wip", "flow", "flow"),)
    assert diff.dimensions.added == (DimensionRef("flow", "Flow"),)
    assert diff.dimensions.removed == (DimensionRef("flow", "Flow"),)
    assert diff.dimensions.proposals == (Proposal("flow", "flow", 1.0, "same key"),)
    assert diff.summary() == "1 question moved; 1 dimension added, 1 removed"


def test_diff_questionnaires_dimension_rekeyed_through_replaces_keeps_questions_in_place():
    old = questionnaire(dimension("flow", question("flow-wip")))
    new = questionnaire(
        dimension(
            "flow-of-work", question("flow-wip", replaces="flow-wip"), replaces="flow", name="Flow"
        ),
        version=2,
    )

    diff = diff_questionnaires(old, new)

    assert diff.moved == ()
    assert diff.dimensions.renamed == (DimensionRenaming("flow-of-work", "flow", "Flow", "Flow"),)
    assert diff.summary() == "1 dimension renamed"


def test_diff_questionnaires_question_rekeyed_is_reworded_with_equal_text():
    old = questionnaire(dimension("flow", question("wip", "Is WIP limited?")))
    new = questionnaire(
        dimension("flow", question("flow-wip", "Is WIP limited?", replaces="wip"), replaces="flow"),
        version=2,
    )

    diff = diff_questionnaires(old, new)

    assert diff.reworded == (Rewording("flow-wip", "wip", "flow", same("Is WIP limited?")),)
    assert diff.mapping == {"flow-wip": "wip"}
    assert diff.summary() == "1 question reworded"


def test_diff_questionnaires_help_and_level_changes_are_rewordings():
    old = questionnaire(dimension("flow", question("wip", help="Think of last month.")))
    levels = {**LEVELS, 5: "Improved every week."}
    new = questionnaire(
        dimension(
            "flow",
            question("wip", replaces="wip", help="Think of last quarter.", levels=levels),
            replaces="flow",
        ),
        version=2,
    )

    diff = diff_questionnaires(old, new)

    assert diff.reworded == (
        Rewording(
            key="wip",
            old_key="wip",
            dimension="flow",
            text=same("Is it done?"),
            levels=(
                LevelChange(
                    5,
                    TextChange(
                        "Improved.",
                        "Improved every week.",
                        (("equal", "Improved"), ("insert", " every week"), ("equal", ".")),
                    ),
                ),
            ),
            help=TextChange(
                "Think of last month.",
                "Think of last quarter.",
                (
                    ("equal", "Think of last "),
                    ("delete", "month"),
                    ("insert", "quarter"),
                    ("equal", "."),
                ),
            ),
        ),
    )


def test_diff_questionnaires_split_continues_old_question_twice():
    old = questionnaire(dimension("flow", question("wip", "Is WIP limited?")))
    new = questionnaire(
        dimension(
            "flow",
            question("wip-team", "Is team WIP limited?", replaces="wip"),
            question("wip-stream", "Is stream WIP limited?", replaces="wip"),
            replaces="flow",
        ),
        version=2,
    )

    diff = diff_questionnaires(old, new)

    assert diff.removed == ()
    assert diff.added == ()
    assert diff.mapping == {"wip-team": "wip", "wip-stream": "wip"}
    assert [(r.key, r.old_key) for r in diff.reworded] == [
        ("wip-team", "wip"),
        ("wip-stream", "wip"),
    ]
    assert diff.reordered == ()


def test_diff_questionnaires_replaces_of_unknown_key_is_added():
    old = questionnaire(dimension("flow", question("wip")))
    new = questionnaire(
        dimension("flow", question("wip", replaces="nothing-like-it"), replaces="flow"), version=2
    )

    diff = diff_questionnaires(old, new)

    assert diff.mapping == {}
    assert diff.added == (QuestionRef("wip", "flow", "Is it done?"),)
    assert diff.removed == (QuestionRef("wip", "flow", "Is it done?"),)


def test_diff_questionnaires_weights_title_and_description():
    old = questionnaire(dimension("flow", question("wip")), description="Old words.")
    new = carried_over(old)
    flow = new.dimensions[0]
    new = dataclasses.replace(
        new,
        title="Mini 2",
        description="New words.",
        dimensions=(
            dataclasses.replace(
                flow,
                weight=2.5,
                help="Other help.",
                questions=(dataclasses.replace(flow.questions[0], weight=0.5),),
            ),
        ),
    )

    diff = diff_questionnaires(old, new)

    assert diff.title == TextChange("Mini", "Mini 2", (("equal", "Mini"), ("insert", " 2")))
    assert diff.weight_changes == (WeightChange("wip", "wip", 1.0, 0.5),)
    assert diff.dimensions.weight_changes == (WeightChange("flow", "flow", 1.0, 2.5),)
    assert diff.dimensions.edited == (
        DimensionEdit(
            "flow",
            "flow",
            TextChange(
                "Help.",
                "Other help.",
                (("delete", "Help"), ("insert", "Other help"), ("equal", ".")),
            ),
            (),
        ),
    )
    assert diff.summary() == (
        "1 question re-weighted; 1 dimension re-weighted, 1 with new help; "
        "title and description changed"
    )


def test_diff_questionnaires_status_and_version_alone_are_no_change():
    old = questionnaire(dimension("flow", question("wip")))
    new = dataclasses.replace(carried_over(old), version=7, status="retired")

    assert diff_questionnaires(old, new).is_empty is True


def test_diff_questionnaires_reordered_questions_and_dimensions():
    old = questionnaire(
        dimension("flow", question("a"), question("b"), question("c")),
        dimension("quality", question("d")),
    )
    new = carried_over(old)
    flow, quality = new.dimensions
    a, b, c = flow.questions
    new = dataclasses.replace(
        new, dimensions=(quality, dataclasses.replace(flow, questions=(c, a, b)))
    )

    diff = diff_questionnaires(old, new)

    assert diff.reordered == ("c",)
    assert diff.dimensions.reordered == ("quality",)
    assert diff.moved == ()
    assert diff.summary() == "1 question reordered; 1 dimension reordered"


def test_diff_questionnaires_moved_question_is_not_also_reordered():
    old = questionnaire(
        dimension("flow", question("a"), question("b")), dimension("quality", question("c"))
    )
    new = carried_over(old)
    flow, quality = new.dimensions
    a, b = flow.questions
    new = dataclasses.replace(
        new,
        dimensions=(
            dataclasses.replace(flow, questions=(b,)),
            dataclasses.replace(quality, questions=(a, *quality.questions)),
        ),
    )

    diff = diff_questionnaires(old, new)

    assert diff.moved == (Move("a", "a", "flow", "quality"),)
    assert diff.reordered == ()


# --- proposals -----------------------------------------------------------------------------


def test_proposals_same_key_wins_over_better_similarity():
    old = questionnaire(
        dimension("flow", question("wip", "Is WIP limited?"), question("limits", "Limits?"))
    )
    new = questionnaire(dimension("flow", question("limits", "Is WIP limited?")), version=2)

    diff = diff_questionnaires(old, new)

    # "wip" would score 1.0; "limits" shares 5 of 6 and 8 words (2 * 5 / 14) but has the key.
    assert diff.proposals == (Proposal("limits", "limits", 0.714, "same key"),)


def test_proposals_each_old_question_proposed_once_best_score_first():
    levels = {level: f"Level {level}." for level in range(1, 6)}
    old = questionnaire(
        dimension("flow", question("wip", "Is work in progress limited per team?", levels=levels))
    )
    new = questionnaire(
        dimension(
            "flow",
            question("wip-a", "Is work in progress limited?", levels=levels),
            question("wip-b", "Is work in progress limited per team now?", levels=levels),
        ),
        version=2,
    )

    diff = diff_questionnaires(old, new)

    # Text and levels: wip-b shares 17 of 17 and 18 words (2 * 17 / 35), wip-a 15 of 17 and 15
    # (2 * 15 / 32). wip-b comes second in the file but scores best, so wip-a gets nothing.
    assert diff.proposals == (Proposal("wip-b", "wip", 0.971, "similar text"),)


def test_proposals_below_threshold_are_left_out():
    old = questionnaire(dimension("flow", question("wip", "Is WIP limited?", levels=LEVELS)))
    other_levels = {level: f"Stage {level} reached." for level in range(1, 6)}
    new = questionnaire(
        dimension("flow", question("deploys", "How often do you deploy?", levels=other_levels)),
        version=2,
    )

    assert diff_questionnaires(old, new).proposals == ()


def test_proposals_for_dimensions_by_similar_name():
    old = questionnaire(dimension("vis", question("a"), name="End-to-end visibility"))
    new = questionnaire(
        dimension("visibility", question("a", replaces="a"), name="End-to-end visibility now"),
        version=2,
    )

    diff = diff_questionnaires(old, new)

    # 4 words of 4 and 5 in common: 2 * 4 / 9.
    assert diff.dimensions.proposals == (Proposal("visibility", "vis", 0.889, "similar name"),)
    assert diff.proposals == ()


def test_proposals_beyond_max_compared_pairs_only_same_key(monkeypatch):
    monkeypatch.setattr(questionnaire_diff, "MAX_COMPARED_PAIRS", 4)
    old = questionnaire(dimension("flow", question("a"), question("b")))
    two_added = questionnaire(dimension("flow", question("a"), question("c")), version=2)
    three_added = questionnaire(
        dimension("flow", question("a"), question("c"), question("d")), version=2
    )

    at_limit = diff_questionnaires(old, two_added)  # 2 x 2 pairs
    beyond = diff_questionnaires(old, three_added)  # 3 x 2 pairs

    assert at_limit.proposals_limited is False
    assert at_limit.proposals == (
        Proposal("a", "a", 1.0, "same key"),
        Proposal("c", "b", 1.0, "similar text"),
    )
    assert beyond.proposals_limited is True
    assert beyond.proposals == (Proposal("a", "a", 1.0, "same key"),)
    assert beyond.to_json()["proposals_limited"] is True


# --- summary -------------------------------------------------------------------------------


def test_summary_plural_and_singular():
    old = questionnaire(dimension("flow", question("a"), question("b")))
    new = questionnaire(
        dimension("flow", question("c"), question("d"), question("e"), replaces="flow"),
        dimension("quality", question("f")),
        dimension("security", question("g")),
        version=2,
    )

    assert diff_questionnaires(old, new).summary() == (
        "5 questions added, 2 removed; 2 dimensions added"
    )


# --- word_diff -----------------------------------------------------------------------------


def test_word_diff_replaces_whole_words():
    assert word_diff("How is work tracked?", "How is work measured?") == [
        ("equal", "How is work "),
        ("delete", "tracked"),
        ("insert", "measured"),
        ("equal", "?"),
    ]


def test_word_diff_folds_single_space_between_changes():
    assert word_diff("the quick fox", "a slow fox") == [
        ("delete", "the quick"),
        ("insert", "a slow"),
        ("equal", " fox"),
    ]


def test_word_diff_keeps_whitespace_exactly():
    assert word_diff("a  b\n", "a b\n") == [
        ("equal", "a"),
        ("delete", "  "),
        ("insert", " "),
        ("equal", "b\n"),
    ]


def test_word_diff_empty_texts():
    assert word_diff("", "") == []
    assert word_diff("", "new") == [("insert", "new")]
    assert word_diff("old", "") == [("delete", "old")]


_wordy = st.text(alphabet="ab c.\n\t", max_size=40)
_texts = st.text(max_size=60) | _wordy


@settings(max_examples=500, deadline=None)
@given(_texts, _texts)
def test_word_diff_segments_rebuild_both_texts(old, new):
    segments = word_diff(old, new)

    assert "".join(text for op, text in segments if op in ("equal", "delete")) == old
    assert "".join(text for op, text in segments if op in ("equal", "insert")) == new
    assert all(op in ("equal", "insert", "delete") and text for op, text in segments)
    assert all(a[0] != b[0] for a, b in zip(segments, segments[1:], strict=False))


@given(_texts)
def test_word_diff_of_equal_texts_is_one_equal_segment(text):
    assert word_diff(text, text) == ([("equal", text)] if text else [])


# --- properties of the diff ----------------------------------------------------------------

_some_text = st.text(min_size=1, max_size=20)
_weights = st.sampled_from([0.5, 1.0, 2.0])


@st.composite
def questionnaires(draw):
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    dimensions = []
    for d, count in enumerate(shape):
        questions = tuple(
            QuestionDoc(
                key=f"q{d}-{i}",
                text=draw(_some_text),
                levels={level: draw(_some_text) for level in range(1, 6)},
                help=draw(st.just("") | _some_text),
                weight=draw(_weights),
            )
            for i in range(count)
        )
        dimensions.append(
            DimensionDoc(
                key=f"d{d}",
                name=draw(_some_text),
                help=draw(_some_text),
                weight=draw(_weights),
                focus_areas={level: (draw(_some_text),) for level in range(1, 6)},
                questions=questions,
            )
        )
    return QuestionnaireDoc(
        key="generated",
        version=1,
        title=draw(_some_text),
        status="published",
        description=draw(st.just("") | _some_text),
        dimensions=tuple(dimensions),
    )


@settings(max_examples=100, deadline=None)
@given(questionnaires())
def test_diff_questionnaires_carried_over_generated_doc_is_empty(doc):
    diff = diff_questionnaires(doc, carried_over(doc))

    assert diff.is_empty is True
    assert diff.summary() == "no changes"


@settings(max_examples=100, deadline=None)
@given(questionnaires())
def test_diff_questionnaires_without_replaces_proposes_every_item_back(doc):
    diff = diff_questionnaires(doc, dataclasses.replace(doc, version=2))

    keys = [q.key for d in doc.dimensions for q in d.questions]
    assert [q.key for q in diff.added] == keys
    assert [q.key for q in diff.removed] == keys
    assert diff.proposals == tuple(Proposal(key, key, 1.0, "same key") for key in keys)
    dimension_keys = [d.key for d in doc.dimensions]
    assert diff.dimensions.proposals == tuple(
        Proposal(key, key, 1.0, "same key") for key in dimension_keys
    )


# --- the organisation section ---------------------------------------------------------------


def test_diff_question_moved_into_organization_section_is_moved_not_removed():
    from assessments.questionnaires.diff import ORGANIZATION_SECTION
    from assessments.questionnaires.editing import carry_over
    from assessments.questionnaires.format import OrganizationDoc

    old = parse_questionnaire(NEW)
    kept = carry_over(old, 3)  # every item continues itself
    moved = next(q for d in kept.dimensions for q in d.questions if q.key == "vis-wait")
    new = dataclasses.replace(
        kept,
        dimensions=tuple(
            dataclasses.replace(d, questions=tuple(q for q in d.questions if q is not moved))
            for d in kept.dimensions
        ),
        organization=OrganizationDoc(name="Organisation practices", help="", questions=(moved,)),
    )
    diff = diff_questionnaires(old, new)
    assert [dataclasses.asdict(m) for m in diff.moved] == [
        {
            "key": "vis-wait",
            "old_key": "vis-wait",
            "old_dimension": "flow",
            "new_dimension": ORGANIZATION_SECTION,
        }
    ]
    assert (diff.added, diff.removed) == ((), ())
    assert diff.to_json()["organization"] == {
        "name": {
            "old_text": "",
            "new_text": "Organisation practices",
            "segments": [["insert", "Organisation practices"]],
        },
        "help": None,
    }
    assert diff.summary() == "1 question moved; organisation section name changed"
