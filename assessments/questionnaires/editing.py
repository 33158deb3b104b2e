"""Editing a draft questionnaire version one change at a time (the browser editor).

Pure: a QuestionnaireDoc and one change in, a new QuestionnaireDoc out, or EditError. No ORM,
no request: the view loads the draft, calls apply_edit() and stores what comes back.

Every change is checked with exactly the rules of the YAML format (docs/questionnaire-format.md):
the new doc is exported and parsed back by `questionnaire_format`, so the editor can never save
what `load_questionnaire` would refuse, and the checker's messages are the ones analysts see.

JSON form (doc_to_json / doc_from_json)
---------------------------------------
    {"key", "version", "title", "status", "description",
     "dimensions": [{"key", "name", "help", "weight", "replaces",     # replaces: slug or null
                     "focus_areas": [[str, ...] x 5],                 # index 0 = level 1
                     "questions": [{"key", "text", "help", "weight", "replaces",
                                    "levels": [str x 5]}]}],          # index 0 = level 1
     "organization": {"name", "help",                  # only when the version has a section
                             "questions": [{"key", "text", "help", "replaces", "levels"}]}}

The organisation section is carried through every change unchanged; the changes below edit
the team dimensions and questions (its own questions are edited in the YAML file).

Changes (apply_edit's `op`)
---------------------------
    {"op": "set", "path": "title" | "description", "value": str}
    {"op": "set", "path": "dimension.<dkey>.<field>", "value": ...}
        key, name, help: str; weight: number, or a string holding one ("1.5");
        replaces: slug, or "" / null for none; focus_areas.<1-5>: list of str, or one str with
        one item per line (each line trimmed, blank lines dropped)
    {"op": "set", "path": "question.<qkey>.<field>", "value": ...}
        key, text, help, weight, replaces as above; levels.<1-5>: str
    {"op": "add_dimension", "index"?: int,
     "dimension": {"key"?, "name", "help", "weight"?, "replaces"?,
                   "focus_areas": [5 x (list of str | str)], "questions": [question, ...]}}
        a dimension needs a question, so it comes with its first one (or more)
    {"op": "remove_dimension", "dimension": dkey}           refused for the last dimension
    {"op": "move_dimension", "dimension": dkey, "index": int}
    {"op": "add_question", "dimension": dkey, "index"?: int,
     "question": {"key"?, "text", "help"?, "weight"?, "replaces"?, "levels": [str x 5]}}
    {"op": "remove_question", "question": qkey}            refused for a dimension's last one
    {"op": "move_question", "question": qkey, "dimension": dkey, "index": int}
        to position `index` of dimension `dkey`, the same dimension or another

`index` is the 0-based position the item ends up at; add ops append when it is left out. A
missing `key` in an add op is made from the name (dimensions) or the dimension key and the text
(questions), unique in the questionnaire. Renaming a key leaves `replaces` alone, so history
still follows the item.

Errors
------
EditError.errors is a list of {"field": str | None, "message": str}. `field` names what the
message is about, in the terms of the change that was sent:
  - a `set` path ("question.<qkey>.weight"; after a refused rename still the old key);
  - a field of the op itself ("op", "path", "dimension", "question", "index");
  - a field of an add op's payload: "dimension.name", "dimension.focus_areas.2",
    "dimension.questions.0.levels.3", "question.text", "question.levels.5";
  - None when the message concerns the whole questionnaire (limits, size).
The numbers after levels and focus_areas are levels (1-5); other numbers are 0-based positions.
Values are never coerced: a weight of "abc", a text sent as a number, or an unknown field is an
error, not a guess.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import replace

import yaml
from yaml.nodes import MappingNode, SequenceNode

from assessments.questionnaires.format import (
    LEVELS,
    MAX_VERSION,
    MAX_WEIGHT,
    DimensionDoc,
    OrganizationDoc,
    QuestionDoc,
    QuestionnaireDoc,
    QuestionnaireFormatError,
    export_questionnaire,
    parse_questionnaire,
)

OPS = (
    "set",
    "add_dimension",
    "remove_dimension",
    "move_dimension",
    "add_question",
    "remove_question",
    "move_question",
)
_OP_FIELDS = {
    "set": ("path", "value"),
    "add_dimension": ("dimension", "index"),
    "remove_dimension": ("dimension",),
    "move_dimension": ("dimension", "index"),
    "add_question": ("dimension", "question", "index"),
    "remove_question": ("question",),
    "move_question": ("question", "dimension", "index"),
}
_OPTIONAL_OP_FIELDS = {"add_dimension": ("index",), "add_question": ("index",)}
_TOP_JSON_FIELDS = ("key", "version", "title", "status", "description", "dimensions")
_TOP_JSON_OPTIONAL = ("organization",)
_ORGANIZATION_JSON_FIELDS = ("name", "help", "questions")
_ORGANIZATION_QUESTION_JSON_FIELDS = ("key", "text", "help", "replaces", "levels")
_DIMENSION_JSON_FIELDS = ("key", "name", "help", "weight", "replaces", "focus_areas", "questions")
_QUESTION_JSON_FIELDS = ("key", "text", "help", "weight", "replaces", "levels")
_LEVEL_NAMES = tuple(str(level) for level in LEVELS)
# A decimal number as people type it: no "1_0", "nan", "inf" or hex, which float() would take.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# The checker's duplicate message points at a line of the exported file; the editor has none.
_LINE_REFERENCE_RE = re.compile(r" \(first on line \d+\)")
_GENERATED_SLUG_LENGTH = 50  # room for a "-2" suffix and still readable in a URL or export


class EditError(ValueError):
    """The change was refused. `errors` holds {"field": str | None, "message": str} dicts."""

    def __init__(self, errors: list[dict]):
        self.errors = list(errors)
        super().__init__("; ".join(error["message"] for error in self.errors))


# --- JSON --------------------------------------------------------------------------------


def doc_to_json(doc: QuestionnaireDoc) -> dict:
    """The questionnaire as JSON-ready data; doc_from_json() of it equals `doc`. The
    organisation section only when the version has one."""
    data = {
        "key": doc.key,
        "version": doc.version,
        "title": doc.title,
        "status": doc.status,
        "description": doc.description,
        "dimensions": [
            {
                "key": dimension.key,
                "name": dimension.name,
                "help": dimension.help,
                "weight": dimension.weight,
                "replaces": dimension.replaces,
                "focus_areas": [list(dimension.focus_areas[level]) for level in LEVELS],
                "questions": [
                    {
                        "key": question.key,
                        "text": question.text,
                        "help": question.help,
                        "weight": question.weight,
                        "replaces": question.replaces,
                        "levels": [question.levels[level] for level in LEVELS],
                    }
                    for question in dimension.questions
                ],
            }
            for dimension in doc.dimensions
        ],
    }
    if doc.organization is not None:
        data["organization"] = {
            "name": doc.organization.name,
            "help": doc.organization.help,
            "questions": [
                {
                    "key": question.key,
                    "text": question.text,
                    "help": question.help,
                    "replaces": question.replaces,
                    "levels": [question.levels[level] for level in LEVELS],
                }
                for question in doc.organization.questions
            ],
        }
    return data


def doc_from_json(data) -> QuestionnaireDoc:
    """The questionnaire in `data` (the shape doc_to_json() gives), checked like a YAML file.
    Raises EditError; fields are positional ("dimensions.0.questions.1.text") for shape
    errors and named by key ("question.<qkey>.text") for the format's own rules."""
    reader = _Reader()
    fields = reader.mapping(
        data, None, "the questionnaire", _TOP_JSON_FIELDS + _TOP_JSON_OPTIONAL, _TOP_JSON_FIELDS
    )
    if fields is None:
        reader.raise_errors()
    dimensions = reader.list_of(fields.get("dimensions"), "dimensions", "'dimensions'")
    doc_dimensions = []
    for number, item in enumerate(dimensions or ()):
        doc_dimensions.append(_dimension_from_json(reader, item, number))
    version = fields.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        reader.error("version", f"'version' must be a whole number, not {_show(version)}")
    doc = QuestionnaireDoc(
        key=reader.text(fields.get("key"), "key", "'key'"),
        version=version,
        title=reader.text(fields.get("title"), "title", "'title'"),
        status=reader.text(fields.get("status"), "status", "'status'"),
        description=reader.text(fields.get("description"), "description", "'description'"),
        dimensions=tuple(doc_dimensions),
        organization=_organization_from_json(reader, fields.get("organization")),
    )
    reader.raise_errors()
    return _checked(doc, {})


def _organization_from_json(reader: _Reader, data) -> OrganizationDoc | None:
    if data is None:
        return None
    field, who = "organization", "the organization section"
    fields = reader.mapping(data, field, who, _ORGANIZATION_JSON_FIELDS, _ORGANIZATION_JSON_FIELDS)
    if fields is None:
        return None
    questions = reader.list_of(fields["questions"], f"{field}.questions", f"{who}: 'questions'")
    docs = []
    for j, item in enumerate(questions or ()):
        item_field, item_who = f"{field}.questions.{j}", f"question #{j + 1} of {who}"
        question = reader.mapping(
            item, item_field, item_who, _ORGANIZATION_QUESTION_JSON_FIELDS,
            _ORGANIZATION_QUESTION_JSON_FIELDS,
        )  # fmt: skip
        if question is None:
            docs.append(None)
            continue
        docs.append(
            QuestionDoc(
                key=reader.text(question["key"], f"{item_field}.key", f"{item_who}: 'key'"),
                text=reader.text(question["text"], f"{item_field}.text", f"{item_who}: 'text'"),
                levels=reader.levels(question["levels"], f"{item_field}.levels", item_who),
                help=reader.text(question["help"], f"{item_field}.help", f"{item_who}: 'help'"),
                replaces=reader.replaces(question["replaces"], f"{item_field}.replaces", item_who),
            )
        )
    return OrganizationDoc(
        name=reader.text(fields["name"], f"{field}.name", f"{who}: 'name'"),
        help=reader.text(fields["help"], f"{field}.help", f"{who}: 'help'"),
        questions=tuple(docs),
    )


def _dimension_from_json(reader: _Reader, data, number: int) -> DimensionDoc | None:
    field, who = f"dimensions.{number}", f"dimension #{number + 1}"
    fields = reader.mapping(data, field, who, _DIMENSION_JSON_FIELDS, _DIMENSION_JSON_FIELDS)
    if fields is None:
        return None
    questions = reader.list_of(fields["questions"], f"{field}.questions", f"{who}: 'questions'")
    return DimensionDoc(
        key=reader.text(fields["key"], f"{field}.key", f"{who}: 'key'"),
        name=reader.text(fields["name"], f"{field}.name", f"{who}: 'name'"),
        help=reader.text(fields["help"], f"{field}.help", f"{who}: 'help'"),
        weight=reader.weight(fields["weight"], f"{field}.weight", f"{who}: 'weight'"),
        focus_areas=reader.focus_areas(fields["focus_areas"], f"{field}.focus_areas", who),
        questions=tuple(
            _question_from_json(
                reader, item, f"{field}.questions.{j}", f"question #{j + 1} of {who}"
            )
            for j, item in enumerate(questions or ())
        ),
        replaces=reader.replaces(fields["replaces"], f"{field}.replaces", who),
    )


def _question_from_json(reader: _Reader, data, field: str, who: str) -> QuestionDoc | None:
    fields = reader.mapping(data, field, who, _QUESTION_JSON_FIELDS, _QUESTION_JSON_FIELDS)
    if fields is None:
        return None
    return QuestionDoc(
        key=reader.text(fields["key"], f"{field}.key", f"{who}: 'key'"),
        text=reader.text(fields["text"], f"{field}.text", f"{who}: 'text'"),
        levels=reader.levels(fields["levels"], f"{field}.levels", who),
        help=reader.text(fields["help"], f"{field}.help", f"{who}: 'help'"),
        weight=reader.weight(fields["weight"], f"{field}.weight", f"{who}: 'weight'"),
        replaces=reader.replaces(fields["replaces"], f"{field}.replaces", who),
    )


# --- changes -----------------------------------------------------------------------------


def apply_edit(doc: QuestionnaireDoc, op) -> QuestionnaireDoc:
    """`doc` with the change `op` made (see the module docstring), checked like a YAML file.
    Raises EditError naming the field when the change is malformed, refused or makes the
    questionnaire invalid; `doc` itself is never changed (it is frozen)."""
    if not isinstance(op, dict):
        _fail(None, f"a change must be a JSON object, not {_kind(op)}")
    name = op.get("op")
    if name not in OPS:
        _fail("op", f"'op' must be one of {', '.join(OPS)}, not {_show(name)}")
    allowed = _OP_FIELDS[name]
    for field in op:
        if field != "op" and field not in allowed:
            _fail(field, f"unknown field {_show(field)} for {name!r}")
    for field in allowed:
        if field not in op and field not in _OPTIONAL_OP_FIELDS.get(name, ()):
            _fail(field, f"{name!r} needs {field!r}")
    new_doc, fields = _APPLY[name](doc, op)
    return _checked(new_doc, fields)


def carry_over(doc: QuestionnaireDoc, version: int) -> QuestionnaireDoc:
    """The starting point of a new draft from the published `doc`: numbered `version`, status
    draft, and every dimension and question continuing itself (`replaces` = its own key), so
    trends follow everything that is kept. Removing or re-keying items is the analyst's work."""
    if isinstance(version, bool) or not isinstance(version, int) or not 2 <= version <= MAX_VERSION:
        raise ValueError(f"a carried-over draft needs a version from 2 on, not {version!r}")
    organization = doc.organization
    if organization is not None:
        organization = replace(
            organization,
            questions=tuple(replace(q, replaces=q.key) for q in organization.questions),
        )
    return replace(
        doc,
        version=version,
        status="draft",
        dimensions=tuple(
            replace(
                dimension,
                replaces=dimension.key,
                questions=tuple(replace(q, replaces=q.key) for q in dimension.questions),
            )
            for dimension in doc.dimensions
        ),
        organization=organization,
    )


# Each _apply_* returns the new doc and how the checker's errors are to be named: a map from
# ("dimension", i) or ("question", i, j), positions in the new doc, to the field prefix the
# client knows that item by (an item added or renamed by this change is not yet known by its
# new key).


def _apply_set(doc: QuestionnaireDoc, op: dict):
    path, value = op["path"], op["value"]
    if not isinstance(path, str):
        _fail("path", f"'path' must be text such as 'question.<key>.text', not {_kind(path)}")
    reader = _Reader()
    parts = path.split(".")
    if path in ("title", "description"):
        new_doc = replace(doc, **{path: reader.text(value, path, repr(path))})
        reader.raise_errors()
        return new_doc, {}
    if len(parts) < 3 or parts[0] not in ("dimension", "question"):
        _fail(
            path,
            f"unknown field {_show(path)}; fields are title, description, "
            "dimension.<key>.<field> and question.<key>.<field>",
        )
    kind, key, field = parts[0], parts[1], ".".join(parts[2:])
    if kind == "dimension":
        i = _dimension_index(doc, key, path)
        dimension = _set_dimension_field(doc, reader, doc.dimensions[i], field, value, path)
        reader.raise_errors()
        new_doc = _with_dimension(doc, i, dimension)
        return new_doc, {("dimension", i): f"dimension.{key}"}
    i, j = _question_position(doc, key, path)
    question = _set_question_field(doc, reader, doc.dimensions[i].questions[j], field, value, path)
    reader.raise_errors()
    dimension = doc.dimensions[i]
    questions = (*dimension.questions[:j], question, *dimension.questions[j + 1 :])
    new_doc = _with_dimension(doc, i, replace(dimension, questions=questions))
    return new_doc, {("question", i, j): f"question.{key}"}


def _set_dimension_field(doc, reader, dimension, field, value, path) -> DimensionDoc:
    who = f"dimension {dimension.key!r}"
    if field == "key":
        key = reader.text(value, path, f"{who}: 'key'")
        if key != dimension.key and key in {d.key for d in doc.dimensions}:
            _fail(path, f"dimension key {key!r} is already used by another dimension")
        return replace(dimension, key=key)
    if field in ("name", "help"):
        return replace(dimension, **{field: reader.text(value, path, f"{who}: {field!r}")})
    if field == "weight":
        return replace(dimension, weight=reader.weight(value, path, f"{who}: 'weight'"))
    if field == "replaces":
        return replace(dimension, replaces=reader.replaces(value, path, who))
    level = _level_of(field, "focus_areas")
    if level is None:
        _fail(
            path,
            f"unknown field {_show(field)} of a dimension; its fields are key, name, help, "
            "weight, replaces and focus_areas.1 to focus_areas.5",
        )
    items = reader.items(value, path, f"{who}: focus areas for level {level}")
    return replace(dimension, focus_areas={**dimension.focus_areas, level: items})


def _set_question_field(doc, reader, question, field, value, path) -> QuestionDoc:
    who = f"question {question.key!r}"
    if field == "key":
        key = reader.text(value, path, f"{who}: 'key'")
        if key != question.key and key in _question_keys(doc):
            _fail(path, f"question key {key!r} is already used by another question")
        return replace(question, key=key)
    if field in ("text", "help"):
        return replace(question, **{field: reader.text(value, path, f"{who}: {field!r}")})
    if field == "weight":
        return replace(question, weight=reader.weight(value, path, f"{who}: 'weight'"))
    if field == "replaces":
        return replace(question, replaces=reader.replaces(value, path, who))
    level = _level_of(field, "levels")
    if level is None:
        _fail(
            path,
            f"unknown field {_show(field)} of a question; its fields are key, text, help, "
            "weight, replaces and levels.1 to levels.5",
        )
    statement = reader.text(value, path, f"{who}: level {level}")
    return replace(question, levels={**question.levels, level: statement})


def _apply_add_dimension(doc: QuestionnaireDoc, op: dict):
    index = _index(op, len(doc.dimensions), default=len(doc.dimensions))
    reader = _Reader()
    required = ("name", "help", "focus_areas", "questions")
    fields = reader.mapping(
        op["dimension"], "dimension", "the new dimension", _DIMENSION_JSON_FIELDS, required
    )
    reader.raise_errors()
    name = reader.text(fields["name"], "dimension.name", "the new dimension: 'name'")
    if "key" in fields:
        key = reader.text(fields["key"], "dimension.key", "the new dimension: 'key'")
        if key in {d.key for d in doc.dimensions}:
            _fail("dimension.key", f"dimension key {key!r} is already used by another dimension")
    else:
        key = _unique_slug(name if isinstance(name, str) else "", "dimension", _dimension_keys(doc))
    who = f"the new dimension {key!r}" if isinstance(key, str) else "the new dimension"
    questions_data = reader.list_of(
        fields["questions"], "dimension.questions", f"{who}: 'questions'"
    )
    if questions_data == []:
        reader.error("dimension.questions", f"{who} needs at least one question")
    taken = _question_keys(doc)
    questions = []
    for number, item in enumerate(questions_data or ()):
        question = _new_question(reader, item, f"dimension.questions.{number}", key, taken)
        if question is not None:
            taken.add(question.key)
        questions.append(question)
    dimension = DimensionDoc(
        key=key,
        name=name,
        help=reader.text(fields["help"], "dimension.help", f"{who}: 'help'"),
        weight=_optional_weight(reader, fields, "dimension.weight", f"{who}: 'weight'"),
        focus_areas=reader.focus_areas(fields["focus_areas"], "dimension.focus_areas", who),
        questions=tuple(questions),
        replaces=reader.replaces(fields.get("replaces"), "dimension.replaces", who),
    )
    reader.raise_errors()
    new_doc = replace(doc, dimensions=(*doc.dimensions[:index], dimension, *doc.dimensions[index:]))
    names = {("dimension", index): "dimension"}
    for j in range(len(questions)):
        names[("question", index, j)] = f"dimension.questions.{j}"
    return new_doc, names


def _apply_remove_dimension(doc: QuestionnaireDoc, op: dict):
    key = op["dimension"]
    i = _dimension_index(doc, key, "dimension")
    if len(doc.dimensions) == 1:
        _fail(
            "dimension",
            f"dimension {key!r} is the only dimension; a questionnaire needs at least one, so "
            "add another before removing it",
        )
    return replace(doc, dimensions=doc.dimensions[:i] + doc.dimensions[i + 1 :]), {}


def _apply_move_dimension(doc: QuestionnaireDoc, op: dict):
    i = _dimension_index(doc, op["dimension"], "dimension")
    index = _index(op, len(doc.dimensions) - 1)
    dimensions = list(doc.dimensions)
    dimensions.insert(index, dimensions.pop(i))
    return replace(doc, dimensions=tuple(dimensions)), {}


def _apply_add_question(doc: QuestionnaireDoc, op: dict):
    i = _dimension_index(doc, op["dimension"], "dimension")
    dimension = doc.dimensions[i]
    index = _index(op, len(dimension.questions), default=len(dimension.questions))
    reader = _Reader()
    question = _new_question(reader, op["question"], "question", dimension.key, _question_keys(doc))
    reader.raise_errors()
    questions = (*dimension.questions[:index], question, *dimension.questions[index:])
    new_doc = _with_dimension(doc, i, replace(dimension, questions=questions))
    return new_doc, {("question", i, index): "question"}


def _apply_remove_question(doc: QuestionnaireDoc, op: dict):
    key = op["question"]
    i, j = _question_position(doc, key, "question")
    dimension = doc.dimensions[i]
    if len(dimension.questions) == 1:
        _fail(
            "question",
            f"question {key!r} is the only question of dimension {dimension.key!r}; a dimension "
            "needs at least one, so add another before removing it (or remove the dimension)",
        )
    questions = dimension.questions[:j] + dimension.questions[j + 1 :]
    return _with_dimension(doc, i, replace(dimension, questions=questions)), {}


def _apply_move_question(doc: QuestionnaireDoc, op: dict):
    key = op["question"]
    i, j = _question_position(doc, key, "question")
    target = _dimension_index(doc, op["dimension"], "dimension")
    source = doc.dimensions[i]
    question = source.questions[j]
    if target == i:
        index = _index(op, len(source.questions) - 1)
        questions = list(source.questions)
        questions.insert(index, questions.pop(j))
        return _with_dimension(doc, i, replace(source, questions=tuple(questions))), {}
    if len(source.questions) == 1:
        _fail(
            "question",
            f"question {key!r} is the only question of dimension {source.key!r}; a dimension "
            "needs at least one, so add another before moving it away",
        )
    destination = doc.dimensions[target]
    index = _index(op, len(destination.questions))
    moved = (*destination.questions[:index], question, *destination.questions[index:])
    new_doc = _with_dimension(
        doc, i, replace(source, questions=source.questions[:j] + source.questions[j + 1 :])
    )
    new_doc = _with_dimension(new_doc, target, replace(destination, questions=moved))
    return new_doc, {}


_APPLY = {
    "set": _apply_set,
    "add_dimension": _apply_add_dimension,
    "remove_dimension": _apply_remove_dimension,
    "move_dimension": _apply_move_dimension,
    "add_question": _apply_add_question,
    "remove_question": _apply_remove_question,
    "move_question": _apply_move_question,
}


def _new_question(reader, data, field: str, dimension_key: str, taken: set) -> QuestionDoc | None:
    """The question of an add op's payload; its key made from the text when not given."""
    fields = reader.mapping(
        data, field, "the new question", _QUESTION_JSON_FIELDS, ("text", "levels")
    )
    if fields is None:
        return None
    text = reader.text(fields["text"], f"{field}.text", "the new question: 'text'")
    if "key" in fields:
        key = reader.text(fields["key"], f"{field}.key", "the new question: 'key'")
        if key in taken:
            reader.error(
                f"{field}.key", f"question key {key!r} is already used by another question"
            )
    else:
        words = text if isinstance(text, str) else ""
        key = _unique_slug(f"{dimension_key} {words}", "question", taken)
    who = f"the new question {key!r}" if isinstance(key, str) else "the new question"
    return QuestionDoc(
        key=key,
        text=text,
        levels=reader.levels(fields["levels"], f"{field}.levels", who),
        help=reader.text(fields.get("help", ""), f"{field}.help", f"{who}: 'help'"),
        weight=_optional_weight(reader, fields, f"{field}.weight", f"{who}: 'weight'"),
        replaces=reader.replaces(fields.get("replaces"), f"{field}.replaces", who),
    )


def _optional_weight(reader, fields: dict, field: str, what: str) -> float | None:
    # Left out means the format's default; an explicit null is a mistake, as in YAML.
    return reader.weight(fields["weight"], field, what) if "weight" in fields else 1.0


# --- reading values ----------------------------------------------------------------------


class _Reader:
    """Reads JSON values strictly, collecting {"field", "message"} errors so that a payload
    with several mistakes gets them all at once. A value in error reads as None."""

    def __init__(self):
        self.errors: list[dict] = []

    def error(self, field: str | None, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def raise_errors(self) -> None:
        if self.errors:
            raise EditError(self.errors)

    def mapping(self, data, field, who: str, allowed, required) -> dict | None:
        if not isinstance(data, dict):
            self.error(field, f"{who} must be a mapping of fields, not {_kind(data)}")
            return None
        prefix = f"{field}." if field else ""
        for name in data:
            if name not in allowed:
                self.error(f"{prefix}{name}", f"{who}: unknown field {_show(name)}")
        for name in required:
            if name not in data:
                self.error(f"{prefix}{name}", f"{who}: missing required field {name!r}")
        return None if any(name not in data for name in required) else data

    def list_of(self, data, field: str, what: str) -> list | None:
        if not isinstance(data, list):
            self.error(field, f"{what} must be a list, not {_kind(data)}")
            return None
        return data

    def text(self, value, field: str, what: str) -> str | None:
        if not isinstance(value, str):
            self.error(field, f"{what} must be text, not {_kind(value)}")
            return None
        return value

    def weight(self, value, field: str, what: str) -> float | None:
        number = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an int with more digits than a float holds
                number = None
        elif isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip()):
            number = float(value.strip())
        if number is None or not math.isfinite(number) or not 0 < number <= MAX_WEIGHT:
            self.error(
                field,
                f"{what} must be a number greater than 0 and at most {MAX_WEIGHT:g}, "
                f"not {_show(value)}",
            )
            return None
        return number

    def replaces(self, value, field: str, who: str) -> str | None:
        # A cleared field is the only way to say "new item, no predecessor" in a form.
        if value is None or value == "":
            return None
        return self.text(value, field, f"{who}: 'replaces'")

    def items(self, value, field: str, what: str) -> tuple[str, ...] | None:
        """Focus areas: a list of texts, or one text with an item per line (a textarea)."""
        if isinstance(value, str):
            lines = (line.strip(" \t\r") for line in value.split("\n"))
            return tuple(line for line in lines if line)
        if not isinstance(value, list):
            self.error(
                field, f"{what} must be a list of texts or one item per line, not {_kind(value)}"
            )
            return None
        if any(not isinstance(item, str) for item in value):
            bad = next(item for item in value if not isinstance(item, str))
            self.error(field, f"{what} must list texts, not {_kind(bad)}")
            return None
        return tuple(value)

    def focus_areas(self, value, field: str, who: str) -> dict[int, tuple[str, ...]] | None:
        if not isinstance(value, list) or len(value) != len(LEVELS):
            self.error(
                field,
                f"{who}: 'focus_areas' must be a list of five lists, one per level 1-5, "
                f"not {_kind(value)}{_length(value)}",
            )
            return None
        items = {
            level: self.items(item, f"{field}.{level}", f"{who}: focus areas for level {level}")
            for level, item in zip(LEVELS, value, strict=True)
        }
        return None if None in items.values() else items

    def levels(self, value, field: str, who: str) -> dict[int, str] | None:
        if not isinstance(value, list) or len(value) != len(LEVELS):
            self.error(
                field,
                f"{who}: 'levels' must be a list of the five level statements (1-5), "
                f"not {_kind(value)}{_length(value)}",
            )
            return None
        levels = {
            level: self.text(text, f"{field}.{level}", f"{who}: level {level}")
            for level, text in zip(LEVELS, value, strict=True)
        }
        return None if None in levels.values() else levels


# --- checking ----------------------------------------------------------------------------


def _checked(doc: QuestionnaireDoc, names: dict) -> QuestionnaireDoc:
    """`doc` if a YAML file of it passes the format's checker; EditError otherwise, each
    (line, message) turned into (field, message) by the line's place in the file."""
    text = export_questionnaire(doc)
    try:
        parsed = parse_questionnaire(text)
    except QuestionnaireFormatError as exc:
        locations = _line_locations(text)
        raise EditError(
            [
                {
                    "field": _field_at(locations.get(line), doc, names),
                    "message": _LINE_REFERENCE_RE.sub("", message),
                }
                for line, message in exc.errors
            ]
        ) from None
    if parsed != doc:
        # Not known to happen: the export round trip is tested. Refusing is better than
        # storing something other than what the analyst sees.
        _fail(None, "this change cannot be stored exactly; please report it")
    return parsed


def _line_locations(text: str) -> dict[int, tuple]:
    """{1-based line: place} for the lines of an exported questionnaire. A place is
    ("top", field), ("dimension", i, field) or ("question", i, j, field), with field as in a
    set path ("weight", "levels.3")."""
    locations: dict[int, tuple] = {}

    def mark(node, place):
        locations.setdefault(node.start_mark.line + 1, place)

    def leveled(node, place_of):
        for level_node, value_node in node.value:
            place = place_of(f"{level_node.value}")
            mark(level_node, place)
            mark(value_node, place)
            if isinstance(value_node, SequenceNode):
                for item in value_node.value:
                    mark(item, place)

    root = yaml.compose(text, Loader=yaml.SafeLoader)  # our own export: plain and trusted
    for key_node, value_node in root.value:
        if key_node.value != "dimensions":
            mark(key_node, ("top", key_node.value))
            mark(value_node, ("top", key_node.value))
            continue
        mark(key_node, ("top", "dimensions"))
        for i, dimension in enumerate(value_node.value):
            for d_key, d_value in dimension.value:
                field = d_key.value
                if field == "focus_areas" and isinstance(d_value, MappingNode):
                    mark(d_key, ("dimension", i, field))
                    leveled(d_value, lambda level, i=i: ("dimension", i, f"focus_areas.{level}"))
                elif field == "questions" and isinstance(d_value, SequenceNode):
                    mark(d_key, ("dimension", i, field))
                    for j, question in enumerate(d_value.value):
                        for q_key, q_value in question.value:
                            place = ("question", i, j, q_key.value)
                            if q_key.value == "levels" and isinstance(q_value, MappingNode):
                                mark(q_key, place)
                                leveled(
                                    q_value,
                                    lambda level, i=i, j=j: ("question", i, j, f"levels.{level}"),
                                )
                            else:
                                mark(q_key, place)
                                mark(q_value, place)
                else:
                    mark(d_key, ("dimension", i, field))
                    mark(d_value, ("dimension", i, field))
    return locations


def _field_at(place: tuple | None, doc: QuestionnaireDoc, names: dict) -> str | None:
    if place is None or place == ("top", "dimensions"):
        return None
    if place[0] == "top":
        return place[1]
    if place[0] == "dimension":
        _, i, field = place
        prefix = names.get(("dimension", i), f"dimension.{doc.dimensions[i].key}")
    else:
        _, i, j, field = place
        default = f"question.{doc.dimensions[i].questions[j].key}"
        prefix = names.get(("question", i, j), default)
    return f"{prefix}.{field}"


# --- small helpers -----------------------------------------------------------------------


def _fail(field: str | None, message: str):
    raise EditError([{"field": field, "message": message}])


def _dimension_index(doc: QuestionnaireDoc, key, field: str) -> int:
    for i, dimension in enumerate(doc.dimensions):
        if dimension.key == key:
            return i
    _fail(field, f"there is no dimension with key {_show(key)}")


def _question_position(doc: QuestionnaireDoc, key, field: str) -> tuple[int, int]:
    for i, dimension in enumerate(doc.dimensions):
        for j, question in enumerate(dimension.questions):
            if question.key == key:
                return i, j
    _fail(field, f"there is no question with key {_show(key)}")


def _dimension_keys(doc: QuestionnaireDoc) -> set[str]:
    return {dimension.key for dimension in doc.dimensions}


def _question_keys(doc: QuestionnaireDoc) -> set[str]:
    return {q.key for dimension in doc.dimensions for q in dimension.questions}


def _with_dimension(doc: QuestionnaireDoc, i: int, dimension: DimensionDoc) -> QuestionnaireDoc:
    return replace(doc, dimensions=(*doc.dimensions[:i], dimension, *doc.dimensions[i + 1 :]))


def _index(op: dict, upper: int, default: int | None = None) -> int:
    if "index" not in op and default is not None:
        return default
    value = op["index"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
        _fail("index", f"'index' must be a whole number from 0 to {upper}, not {_show(value)}")
    return value


def _level_of(field: str, name: str) -> int | None:
    prefix, _, level = field.partition(".")
    return int(level) if prefix == name and level in _LEVEL_NAMES else None


def _unique_slug(words: str, fallback: str, taken: set[str]) -> str:
    """A slug of `words` (ASCII letters and digits, words joined by hyphens, cut at a word
    boundary) not in `taken`: "Flow & WIP limits" -> "flow-wip-limits", then "-2", "-3"..."""
    ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_words.lower())
    base = ""
    for part in parts:
        candidate = f"{base}-{part}" if base else part
        if len(candidate) > _GENERATED_SLUG_LENGTH:
            break
        base = candidate
    if not base:
        base = parts[0][:_GENERATED_SLUG_LENGTH] if parts else fallback
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


def _kind(value) -> str:
    """How a JSON value is named in a message; the words of the YAML checker."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _show(value) -> str:
    """A value as quoted in a message: text in quotes (shortened), numbers as they are."""
    if isinstance(value, str):
        if value == "":
            return "empty"
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = repr(value)
        return shown if len(shown) <= 40 else shown[:37] + "..."
    return _kind(value)


def _length(value) -> str:
    return f" of {len(value)}" if isinstance(value, list) else ""
