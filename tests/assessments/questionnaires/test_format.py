"""The questionnaire YAML format (docs/questionnaire-format.md): parsing, every kind of error
with its line, the security limits, and export round trips. No database."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.questionnaires.format import (
    MAX_BYTES,
    DimensionDoc,
    QuestionDoc,
    QuestionnaireDoc,
    QuestionnaireFormatError,
    export_questionnaire,
    parse_questionnaire,
)

SHIPPED = Path(__file__).resolve().parents[3] / "assessments/questionnaires/vsm-maturity-v1.yaml"

# Line numbers matter: the error tests below replace single lines of this file.
VALID = """\
# A small questionnaire for the tests.
key: vsm-mini
version: 1
title: "VSM mini: a test"
status: draft
description: >
  Two dimensions,
  three questions.
dimensions:
  - key: visibility
    name: End-to-end visibility
    weight: 2
    help: Seeing the whole path of work.
    focus_areas:
      1: [Basic measurement, Process documentation]
      2: [Cross-team collaboration]
      "3": [Advanced analytics]
      4: [Predictive analytics]
      5: [Machine learning]
    questions:
      - key: visibility-tracking
        text: How is work tracked from idea to production?
        help: Think of the last month.
        weight: 1.5
        levels:
          1: Not tracked.
          2: "Tracked: per team"
          3: Tracked end to end  # a comment, not part of the text
          4: Measured
          5: Improved continuously
      - key: visibility-wait
        text: Can you see where work waits?
        levels: {1: No, 2: Sometimes, 3: Usually, 4: Measured, 5: Predicted}
  - key: flow
    name: Flow
    help: |
      How smoothly work moves.
      Second line.
    focus_areas:
      1: [Limit work in progress]
      2: [Smaller batches]
      3: [Automated workflows]
      4: [Intelligent automation]
      5: [Autonomous optimization]
    questions:
      - key: flow-wip
        text: Is work in progress limited?
        levels:
          1: No limits.
          2: Informal limits.
          3: Agreed limits.
          4: Limits tuned with data.
          5: Limits adapt automatically.
"""

EXPECTED = QuestionnaireDoc(
    key="vsm-mini",
    version=1,
    title="VSM mini: a test",
    status="draft",
    description="Two dimensions, three questions.\n",
    dimensions=(
        DimensionDoc(
            key="visibility",
            name="End-to-end visibility",
            help="Seeing the whole path of work.",
            weight=2.0,
            focus_areas={
                1: ("Basic measurement", "Process documentation"),
                2: ("Cross-team collaboration",),
                3: ("Advanced analytics",),
                4: ("Predictive analytics",),
                5: ("Machine learning",),
            },
            questions=(
                QuestionDoc(
                    key="visibility-tracking",
                    text="How is work tracked from idea to production?",
                    levels={
                        1: "Not tracked.",
                        2: "Tracked: per team",
                        3: "Tracked end to end",
                        4: "Measured",
                        5: "Improved continuously",
                    },
                    help="Think of the last month.",
                    weight=1.5,
                ),
                QuestionDoc(
                    key="visibility-wait",
                    text="Can you see where work waits?",
                    # A text is the scalar as written: "No" stays "No", not YAML 1.1's False.
                    levels={1: "No", 2: "Sometimes", 3: "Usually", 4: "Measured", 5: "Predicted"},
                ),
            ),
        ),
        DimensionDoc(
            key="flow",
            name="Flow",
            help="How smoothly work moves.\nSecond line.\n",
            weight=1.0,
            focus_areas={
                1: ("Limit work in progress",),
                2: ("Smaller batches",),
                3: ("Automated workflows",),
                4: ("Intelligent automation",),
                5: ("Autonomous optimization",),
            },
            questions=(
                QuestionDoc(
                    key="flow-wip",
                    text="Is work in progress limited?",
                    levels={
                        1: "No limits.",
                        2: "Informal limits.",
                        3: "Agreed limits.",
                        4: "Limits tuned with data.",
                        5: "Limits adapt automatically.",
                    },
                ),
            ),
        ),
    ),
)


def errors_of(data):
    with pytest.raises(QuestionnaireFormatError) as info:
        parse_questionnaire(data)
    return info.value.errors


def replace_line(old, new, text=VALID):
    """VALID with the one line equal to `old` replaced by `new` (which may be several lines)."""
    lines = text.split("\n")
    assert lines.count(old) == 1, old
    lines[lines.index(old)] = new
    return "\n".join(lines)


# --- valid files ---------------------------------------------------------------------------


def test_parse_questionnaire_valid_file_gives_exact_doc():
    assert parse_questionnaire(VALID) == EXPECTED


def test_parse_questionnaire_utf8_bytes_same_as_text():
    text = VALID.replace("Flow", "Flüsse – «flow»")
    assert parse_questionnaire(text.encode("utf-8")) == parse_questionnaire(text)
    assert parse_questionnaire(text.encode("utf-8")).dimensions[1].name == "Flüsse – «flow»"


def test_parse_questionnaire_utf8_byte_order_mark_accepted():
    assert parse_questionnaire(b"\xef\xbb\xbf" + VALID.encode()) == EXPECTED


def test_parse_questionnaire_replaces_allowed_from_version_2():
    text = replace_line("version: 1", "version: 2")
    text = replace_line("    weight: 2", "    replaces: old-visibility", text)
    text = replace_line("        weight: 1.5", "        replaces: old-tracking", text)
    doc = parse_questionnaire(text)
    assert doc.version == 2
    assert doc.dimensions[0].replaces == "old-visibility"
    assert doc.dimensions[0].weight == 1.0
    assert doc.dimensions[0].questions[0].replaces == "old-tracking"
    assert doc.dimensions[0].questions[1].replaces is None


def test_parse_questionnaire_empty_optional_texts_are_empty():
    text = replace_line("        help: Think of the last month.", "        help:")
    text = replace_line("description: >", 'description: ""', text)
    text = replace_line("  Two dimensions,", "", text)
    text = replace_line("  three questions.", "", text)
    doc = parse_questionnaire(text)
    assert doc.description == ""
    assert doc.dimensions[0].questions[0].help == ""


def test_shipped_vsm_maturity_questionnaire_is_valid():
    doc = parse_questionnaire(SHIPPED.read_bytes())
    assert doc.key == "vsm-maturity"
    assert doc.version == 1
    assert len(doc.dimensions) >= 8
    assert all(len(d.questions) >= 4 for d in doc.dimensions)
    assert parse_questionnaire(export_questionnaire(doc)) == doc


# --- errors, each with its line ------------------------------------------------------------

SLUG_RULE = "must be a slug (lowercase letters, digits and single hyphens, at most 80 characters)"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("key: vsm-mini", "key: VSM Mini", [(2, f"'key' {SLUG_RULE}, not 'VSM Mini'")]),
        ("key: vsm-mini", "key: vsm--mini", [(2, f"'key' {SLUG_RULE}, not 'vsm--mini'")]),
        ("key: vsm-mini", "key: " + "a" * 81, [(2, f"'key' {SLUG_RULE}, not '{'a' * 37}...'")]),
        ("key: vsm-mini", "kee: vsm-mini", [
            (2, "unknown field 'kee' (did you mean 'key'?)"),
            (2, "missing required field 'key'"),
        ]),
        ("version: 1", "version: 0", [(3, "'version' must be a whole number >= 1, not '0'")]),
        ("version: 1", "version: 1.5", [(3, "'version' must be a whole number >= 1, not '1.5'")]),
        ("version: 1", 'version: "1"', [(3, "'version' must be a whole number >= 1, not '1'")]),
        ("version: 1", "version: true", [(3, "'version' must be a whole number >= 1, not 'true'")]),
        ("version: 1", "version: 1" + "0" * 5000, [
            (3, f"'version' must be a whole number >= 1, not '1{'0' * 36}...'"),
        ]),
        ('title: "VSM mini: a test"', "title: [a, b]", [(4, "'title' must be text, not a list")]),
        ('title: "VSM mini: a test"', "title:", [(4, "'title' must not be empty")]),
        ('title: "VSM mini: a test"', 'title: "  "', [(4, "'title' must not be empty")]),
        ("status: draft", "status: live", [
            (5, "'status' must be one of draft, published, retired, not 'live'"),
        ]),
        ("status: draft", "status: Draft", [
            (5, "'status' must be one of draft, published, retired, not 'Draft'"),
        ]),
        ("dimensions:", "dimension:", [
            (2, "missing required field 'dimensions'"),
            (9, "unknown field 'dimension' (did you mean 'dimensions'?)"),
        ]),
        ("  - key: visibility", "  - key: flow", [
            (34, "dimension key 'flow' is used twice (first on line 10)"),
        ]),
        ("  - key: visibility", "  - name: x", [
            (10, "dimension #1: missing required field 'key'"),
            (11, "dimension #1: field 'name' is given twice"),
        ]),
        ("    name: Flow", "    name: ''", [(35, "dimension 'flow': 'name' must not be empty")]),
        ("    name: Flow", "    name: " + "x" * 2001, [
            (35, "dimension 'flow': 'name' is too long (2001 characters; at most 200)"),
        ]),
        ("    name: Flow", '    name: "Fl\\0w"', [
            (35, "dimension 'flow': 'name' contains a control character (U+0000)"),
        ]),
        ("    name: Flow", "    title: Flow", [
            (34, "dimension 'flow': missing required field 'name'"),
            (35, "dimension 'flow': unknown field 'title'"),
        ]),
        ("    weight: 2", "    wieght: 2", [
            (12, "dimension 'visibility': unknown field 'wieght' (did you mean 'weight'?)"),
        ]),
        ("    weight: 2", "    name: Again", [
            (12, "dimension 'visibility': field 'name' is given twice"),
        ]),
        ("    weight: 2", "    weight: 0", [
            (12, "dimension 'visibility': 'weight' must be a number greater than 0 and at most 10, "
                 "not '0'"),
        ]),  # fmt: skip
        ("    weight: 2", "    weight: .nan", [
            (12, "dimension 'visibility': 'weight' must be a number greater than 0 and at most 10, "
                 "not '.nan'"),
        ]),  # fmt: skip
        ("        weight: 1.5", "        weight: 10.5", [
            (24, "question 'visibility-tracking': 'weight' must be a number greater than 0 and at "
                 "most 10, not '10.5'"),
        ]),  # fmt: skip
        ("    weight: 2", "    replaces: visibility", [
            (12, "dimension 'visibility': 'replaces' is only allowed from version 2 on (this file "
                 "is version 1)"),
        ]),  # fmt: skip
        ("        help: Think of the last month.", "        replaces: visibility-tracking", [
            (23, "question 'visibility-tracking': 'replaces' is only allowed from version 2 on "
                 "(this file is version 1)"),
        ]),  # fmt: skip
        ("      2: [Smaller batches]", "      2: Smaller batches", [
            (41, "dimension 'flow': focus areas for level 2 must be a list, e.g. "
                 "[Basic measurement, Automation]"),
        ]),  # fmt: skip
        ("      5: [Autonomous optimization]", "      5: []", [
            (44, "dimension 'flow': focus areas for level 5 must list at least one item"),
        ]),
        ("      5: [Autonomous optimization]", "      5: [ok, '']", [
            (44, "dimension 'flow': focus areas for level 5 must not be empty"),
        ]),
        ("      5: [Autonomous optimization]", "      6: [Beyond]", [
            (39, "dimension 'flow' has focus areas for levels 1-4; all five levels (1-5) are "
                 "required"),
            (44, "dimension 'flow': '6' is not a level; levels are 1-5"),
        ]),  # fmt: skip
        ("      - key: visibility-wait", "      - key: visibility-tracking", [
            (31, "question key 'visibility-tracking' is used twice (first on line 21)"),
        ]),
        ("      - key: flow-wip", "      - key: Flow WIP", [
            (46, f"question #1 of dimension 'flow': 'key' {SLUG_RULE}, not 'Flow WIP'"),
        ]),
        ("        text: Is work in progress limited?", "        text: [a, b]", [
            (47, "question 'flow-wip': 'text' must be text, not a list"),
        ]),
        ("        text: Is work in progress limited?", "        txt: Is it?", [
            (46, "question 'flow-wip': missing required field 'text'"),
            (47, "question 'flow-wip': unknown field 'txt' (did you mean 'text'?)"),
        ]),
        ("          4: Measured", "          6: Measured", [
            (25, "question 'visibility-tracking' has levels 1-3, 5; all five levels (1-5) are "
                 "required"),
            (29, "question 'visibility-tracking': '6' is not a level; levels are 1-5"),
        ]),  # fmt: skip
        ("          4: Measured", '          "1": Measured', [
            (25, "question 'visibility-tracking' has levels 1-3, 5; all five levels (1-5) are "
                 "required"),
            (29, "question 'visibility-tracking': level 1 is given twice"),
        ]),  # fmt: skip
        ("          4: Measured", "          4.0: Measured", [
            (25, "question 'visibility-tracking' has levels 1-3, 5; all five levels (1-5) are "
                 "required"),
            (29, "question 'visibility-tracking': '4.0' is not a level; levels are 1-5"),
        ]),  # fmt: skip
        ("          4: Measured", "          4: ''", [
            (29, "question 'visibility-tracking': level 4 must not be empty"),
        ]),
        ("        levels: {1: No, 2: Sometimes, 3: Usually, 4: Measured, 5: Predicted}",
         "        levels: {1: No, 5: Predicted}", [
            (33, "question 'visibility-wait' has levels 1, 5; all five levels (1-5) are required"),
        ]),  # fmt: skip
        ("        levels: {1: No, 2: Sometimes, 3: Usually, 4: Measured, 5: Predicted}",
         "        levels: [No, Sometimes, Usually, Measured, Predicted]", [
            (33, "question 'visibility-wait': 'levels' must be a mapping of levels 1-5, not a "
                 "list"),
        ]),  # fmt: skip
    ],
)  # fmt: skip
def test_parse_questionnaire_error_names_line_and_problem(old, new, expected):
    assert errors_of(replace_line(old, new)) == expected


def test_parse_questionnaire_empty_focus_areas_and_questions():
    flow_start = VALID.index("  - key: flow")
    flow = VALID[flow_start:]
    flow = flow[: flow.index("    focus_areas:")] + "    focus_areas: {}\n    questions: []\n"
    assert errors_of(VALID[:flow_start] + flow) == [
        (39, "dimension 'flow' has no focus areas; all five levels (1-5) are required"),
        (40, "dimension 'flow': 'questions' must list at least one question"),
    ]


def test_parse_questionnaire_reports_every_error_in_line_order():
    text = replace_line("status: draft", "status: live")
    text = replace_line("version: 1", "version: 0", text)
    text = replace_line("          4: Measured", "          4: ''", text)
    text = replace_line("    weight: 2", "    weight: -1", text)
    assert errors_of(text) == [
        (3, "'version' must be a whole number >= 1, not '0'"),
        (5, "'status' must be one of draft, published, retired, not 'live'"),
        (12, "dimension 'visibility': 'weight' must be a number greater than 0 and at most 10, "
             "not '-1'"),
        (29, "question 'visibility-tracking': level 4 must not be empty"),
    ]  # fmt: skip


def test_questionnaire_format_error_str_lists_every_error():
    error = QuestionnaireFormatError([(5, "second"), (None, "whole file"), (2, "first")])
    assert error.errors == [(None, "whole file"), (2, "first"), (5, "second")]
    assert str(error) == "whole file\nline 2: first\nline 5: second"
    assert isinstance(error, ValueError)


def test_parse_questionnaire_error_list_is_capped():
    dimensions = "".join("  - {}\n" for _ in range(150))
    errors = errors_of(f"key: k\nversion: 1\ntitle: t\nstatus: draft\ndimensions:\n{dimensions}")
    assert len(errors) == 101
    assert errors[-1] == (None, "... and 650 more errors")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "the file is empty")]),
        ("# only a comment\n", [(1, "the file is empty")]),
        ("~\n", [(1, "the file is empty")]),
        ("- a\n- b\n", [(1, "the file must be a mapping of fields (key: value), not a list")]),
        ("just words\n", [(1, "the file must be a mapping of fields (key: value), not text")]),
        ("key: a\ntitle: [unclosed\n", [
            (3, "not valid YAML: expected ',' or ']', but got '<stream end>'"),
        ]),
        ("key: a\n---\nkey: b\n", [
            (2, "not valid YAML: expected a single document in the stream, but found another "
                "document"),
        ]),  # fmt: skip
        ("key: a\n\tversion: 1\n", [
            (2, "not valid YAML: found character '\\t' that cannot start any token"),
        ]),
        ("key: a\ntitle: b\x07c\n", [
            (2, "the file contains a character that YAML does not allow (U+0007)"),
        ]),
        ("{key: a, [1]: b}", [
            (1, "field names must be plain words, not a list"),
            (1, "missing required field 'version'"),
            (1, "missing required field 'title'"),
            (1, "missing required field 'status'"),
            (1, "missing required field 'dimensions'"),
        ]),
    ],
)  # fmt: skip
def test_parse_questionnaire_unreadable_files(text, expected):
    assert errors_of(text) == expected


# --- security ------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def composed_nodes(monkeypatch):
    """How many nodes the loader composes while the test runs: the work a file costs,
    counted rather than timed (the same on a loaded machine as on an idle one)."""
    from assessments.questionnaires import format as questionnaire_format

    calls = []
    original = questionnaire_format._Loader.compose_node

    def counting(self, parent, index):
        calls.append(1)
        return original(self, parent, index)

    monkeypatch.setattr(questionnaire_format._Loader, "compose_node", counting)
    return calls


def test_parse_questionnaire_billion_laughs_rejected_quickly(monkeypatch):
    calls = composed_nodes(monkeypatch)
    errors = errors_of(BILLION_LAUGHS)
    assert len(calls) < 200  # every alias is a leaf: the file's own nodes, never expanded
    assert errors[0] == (1, "anchors and aliases are not allowed")
    assert {message for _, message in errors} == {"anchors and aliases are not allowed"}
    assert sorted({line for line, _ in errors}) == list(range(1, 10))


def test_parse_questionnaire_alias_in_valid_file_rejected():
    text = replace_line("    name: Flow", "    name: &n Flow")
    text = replace_line("        text: Is work in progress limited?", "        text: *n", text)
    assert errors_of(text) == [
        (35, "anchors and aliases are not allowed"),
        (47, "anchors and aliases are not allowed"),
    ]


def test_parse_questionnaire_python_tag_rejected_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    text = replace_line(
        'title: "VSM mini: a test"', f'title: !!python/object/apply:os.system ["touch {marker}"]'
    )
    assert errors_of(text) == [
        (4, "tags are not allowed (found '!!python/object/apply:os.system')")
    ]
    assert not marker.exists()


@pytest.mark.parametrize(("tag", "shown"), [("!foo", "'!foo'"), ("!!str", "'!!str'"), ("!", "'!'")])
def test_parse_questionnaire_any_explicit_tag_rejected(tag, shown):
    text = replace_line("    name: Flow", f"    name: {tag} Flow")
    assert errors_of(text) == [(35, f"tags are not allowed (found {shown})")]


def test_parse_questionnaire_latin1_bytes_rejected_with_line():
    data = VALID.replace("Not tracked.", "Pas suivi, café.").encode("latin-1")
    assert errors_of(data) == [
        (26, "the file is not UTF-8 text (byte 0xe9 cannot be read); save it as UTF-8")
    ]


def test_parse_questionnaire_over_one_mib_rejected_before_parsing():
    assert errors_of(b"#" * (MAX_BYTES + 1)) == [
        (None, "the file is too large (1048577 bytes; at most 1048576 bytes, 1 MiB)")
    ]
    # Text is measured in UTF-8 bytes, not characters.
    assert errors_of("é" * (MAX_BYTES // 2 + 1)) == [
        (None, "the file is too large (1048578 bytes; at most 1048576 bytes, 1 MiB)")
    ]


def test_parse_questionnaire_nesting_deeper_than_20_rejected():
    assert errors_of("[" * 21 + "]" * 21) == [(1, "the file nests deeper than 20 levels")]
    assert errors_of(
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 21)) + "  " * 21 + "c"
    ) == [(21, "the file nests deeper than 20 levels")]
    # 20 levels are fine as far as nesting goes.
    assert errors_of("[" * 20 + "]" * 20) == [
        (1, "the file must be a mapping of fields (key: value), not a list")
    ]


def test_parse_questionnaire_very_deep_nesting_is_no_recursion_error(monkeypatch):
    calls = composed_nodes(monkeypatch)
    assert errors_of("[" * 200_000) == [(1, "the file nests deeper than 20 levels")]
    assert len(calls) == 21  # stopped at the first level too deep


def test_parse_questionnaire_too_many_values_rejected_quickly(monkeypatch):
    calls = composed_nodes(monkeypatch)
    assert errors_of("key: [" + "a," * 500_000 + "]") == [
        (1, "the file has more than 100000 values; no questionnaire needs that many")
    ]
    assert len(calls) == 100_001  # stopped at the cap, not after half a million values


def _minimal_dimension(i, questions=1):
    levels = "{1: a, 2: b, 3: c, 4: d, 5: e}"
    focus = "{1: [a], 2: [b], 3: [c], 4: [d], 5: [e]}"
    qs = "".join(
        f"      - {{key: q{i}-{j}, text: t, levels: {levels}}}\n" for j in range(questions)
    )
    return (
        f"  - key: d{i}\n    name: n\n    help: h\n    focus_areas: {focus}\n    questions:\n{qs}"
    )


HEAD = "key: k\nversion: 1\ntitle: t\nstatus: draft\ndimensions:\n"


def test_parse_questionnaire_at_most_200_dimensions():
    doc = parse_questionnaire(HEAD + "".join(map(_minimal_dimension, range(200))))
    assert len(doc.dimensions) == 200
    assert errors_of(HEAD + "".join(map(_minimal_dimension, range(201)))) == [
        (5, "too many dimensions (201; at most 200)")
    ]


def test_parse_questionnaire_at_most_2000_questions():
    ok = HEAD + "".join(_minimal_dimension(i, 400) for i in range(5))
    assert sum(len(d.questions) for d in parse_questionnaire(ok).dimensions) == 2000
    too_many = ok + _minimal_dimension(5, 1)
    assert errors_of(too_many) == [(5, "too many questions (2001; at most 2000)")]


# --- export --------------------------------------------------------------------------------


def test_export_questionnaire_exact_text():
    assert (
        export_questionnaire(EXPECTED)
        == """\
key: vsm-mini
version: 1
title: 'VSM mini: a test'
status: draft
description: >
  Two dimensions, three questions.
dimensions:
  - key: visibility
    name: End-to-end visibility
    weight: 2.0
    help: Seeing the whole path of work.
    focus_areas:
      1:
        - Basic measurement
        - Process documentation
      2:
        - Cross-team collaboration
      3:
        - Advanced analytics
      4:
        - Predictive analytics
      5:
        - Machine learning
    questions:
      - key: visibility-tracking
        text: How is work tracked from idea to production?
        help: Think of the last month.
        weight: 1.5
        levels:
          1: Not tracked.
          2: 'Tracked: per team'
          3: Tracked end to end
          4: Measured
          5: Improved continuously
      - key: visibility-wait
        text: Can you see where work waits?
        levels:
          1: 'No'
          2: Sometimes
          3: Usually
          4: Measured
          5: Predicted
  - key: flow
    name: Flow
    help: |
      How smoothly work moves.
      Second line.
    focus_areas:
      1:
        - Limit work in progress
      2:
        - Smaller batches
      3:
        - Automated workflows
      4:
        - Intelligent automation
      5:
        - Autonomous optimization
    questions:
      - key: flow-wip
        text: Is work in progress limited?
        levels:
          1: No limits.
          2: Informal limits.
          3: Agreed limits.
          4: Limits tuned with data.
          5: Limits adapt automatically.
"""
    )


def test_export_questionnaire_round_trips_valid_file():
    assert parse_questionnaire(export_questionnaire(EXPECTED)) == EXPECTED


# --- properties ----------------------------------------------------------------------------

_awkward = st.sampled_from(
    [": ", " #", "# ", "'", '"', "\n", "\n\n", " \n", "  ", "\t", "- ", "[", "{", "&a", "*a",
     "!x", "|", ">", "%", "@", "`", "---", "...", "null", "yes", "No", "1.5", "~", "é", "→",
     "日本", "\u2028", "\xa0", "😀"]
)  # fmt: skip
_char = st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from(["\n", "\t"])
texts = (
    st.lists(st.text(_char, max_size=8) | _awkward, min_size=1, max_size=8)
    .map("".join)
    .filter(lambda s: s.strip() and len(s) <= 2000)
)
optional_texts = st.just("") | texts
_slug_part = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
slugs = st.lists(_slug_part, min_size=1, max_size=3).map("-".join)
weights = st.floats(min_value=0, max_value=10, exclude_min=True) | st.sampled_from([1.0, 2.0])
levels = st.fixed_dictionaries(dict.fromkeys(range(1, 6), texts))


@st.composite
def questionnaires(draw):
    version = draw(st.integers(1, 5))
    replaces = (st.none() | slugs) if version >= 2 else st.none()
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    keys = draw(st.lists(slugs, min_size=len(shape) + sum(shape), max_size=len(shape) + sum(shape),
                         unique=True))  # fmt: skip
    dimensions = []
    for count in shape:
        questions = tuple(
            QuestionDoc(
                key=keys.pop(),
                text=draw(texts),
                levels=draw(levels),
                help=draw(optional_texts),
                weight=draw(weights),
                replaces=draw(replaces),
            )
            for _ in range(count)
        )
        dimensions.append(
            DimensionDoc(
                key=keys.pop(),
                name=draw(texts),
                help=draw(texts),
                weight=draw(weights),
                focus_areas={
                    n: tuple(draw(st.lists(texts, min_size=1, max_size=3))) for n in range(1, 6)
                },
                questions=questions,
                replaces=draw(replaces),
            )
        )
    return QuestionnaireDoc(
        key=draw(slugs),
        version=version,
        title=draw(texts),
        status=draw(st.sampled_from(["draft", "published", "retired"])),
        description=draw(optional_texts),
        dimensions=tuple(dimensions),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(questionnaires())
def test_export_questionnaire_round_trip_property(doc):
    assert parse_questionnaire(export_questionnaire(doc)) == doc


@settings(max_examples=500, deadline=None)
@given(st.text() | st.binary())
def test_parse_questionnaire_arbitrary_input_only_raises_format_error(data):
    try:
        parse_questionnaire(data)
    except QuestionnaireFormatError as exc:
        assert exc.errors
        assert all(line is None or line >= 1 for line, _ in exc.errors)


_junk = st.sampled_from(
    ["", "  ", "- ", "key:", "&a x", "*a", "!!int 3", "[", "]", "{", "'", '"', "\t", ": :",
     "levels: 7", "6: x", "weight: 0", "? a", "%YAML 1.1", "---", "\x00", "\ud800"]
) | st.text(max_size=20)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_parse_questionnaire_mutated_valid_file_only_raises_format_error(data):
    lines = VALID.split("\n")
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "insert", "append", "indent"]))
        if action == "delete":
            del lines[at]
        elif action == "insert":
            lines.insert(at, data.draw(_junk))
        elif action == "append":
            lines[at] += data.draw(_junk)
        else:
            lines[at] = " " + lines[at]
    text = "\n".join(lines)
    try:
        parse_questionnaire(text)
    except QuestionnaireFormatError as exc:
        assert exc.errors
        assert all(line is None or 1 <= line <= text.count("\n") + 2 for line, _ in exc.errors)
