"""Questionnaire files: parse and validate the YAML format, and export it back.

The format is specified in docs/questionnaire-format.md. Pure: text in, plain dataclasses out;
loading into the database is someone else's job.

Files come from people (and, through the admin, possibly from anyone with an upload form), so
the YAML is read at the node level: `yaml.compose` builds a node tree with line numbers and
never constructs Python objects from tags. Anchors, aliases and explicit tags are refused while
composing (an alias is never followed, so a "billion laughs" file costs nothing), nesting is
capped before the composer's recursion can run away, and the size is checked before any of it.
Every error found is reported with the line of the node it concerns; a file with any error is
rejected whole.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from assessments.levels import LEVELS

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20
# A file at the dimension and question limits has about 55,000 YAML values (keys count too);
# a megabyte of "a,a,a," has 500,000 and would keep PyYAML's pure-Python parser busy for ten
# seconds. The cap bounds that to two or three.
MAX_VALUES = 100_000
MAX_DIMENSIONS = 200
MAX_QUESTIONS = 2000
MAX_TEXT_LENGTH = 2000
MAX_NAME_LENGTH = 200  # titles and dimension names: the database columns hold 200
MAX_SLUG_LENGTH = 80
MAX_VERSION = 2_147_483_647  # fits a PositiveIntegerField on every database
MAX_WEIGHT = 10.0
MAX_ERRORS = 100  # beyond this, more lines of errors help nobody
STATUSES = ("draft", "published", "retired")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_TOP_FIELDS = ("key", "version", "title", "status", "description", "dimensions", "organization")
_DIMENSION_FIELDS = ("key", "name", "weight", "help", "replaces", "focus_areas", "questions")
_QUESTION_FIELDS = ("key", "text", "help", "weight", "replaces", "levels")
_ORGANIZATION_FIELDS = ("name", "help", "questions")
# Organisation questions are never scored, so they have no weight.
_ORGANIZATION_QUESTION_FIELDS = ("key", "text", "help", "replaces", "levels")

_YAML_TAG = "tag:yaml.org,2002:"
_STR = _YAML_TAG + "str"
_INT = _YAML_TAG + "int"
_FLOAT = _YAML_TAG + "float"
_BOOL = _YAML_TAG + "bool"
_NULL = _YAML_TAG + "null"
_LEVEL_KEYS = ("1", "2", "3", "4", "5")
_ALIAS_MESSAGE = "anchors and aliases are not allowed"


@dataclass(frozen=True)
class QuestionDoc:
    key: str
    text: str
    levels: dict[int, str]  # exactly 1..5
    help: str = ""
    weight: float = 1.0
    replaces: str | None = None


@dataclass(frozen=True)
class DimensionDoc:
    key: str
    name: str
    help: str
    weight: float
    focus_areas: dict[int, tuple[str, ...]]  # exactly 1..5
    questions: tuple[QuestionDoc, ...]
    replaces: str | None = None


@dataclass(frozen=True)
class OrganizationDoc:
    """The organisation-level section: questions about the whole organisation, answered once
    per period by its CoE, never part of a team's score."""

    name: str
    help: str
    questions: tuple[QuestionDoc, ...]  # their weight is always 1.0 and means nothing


@dataclass(frozen=True)
class QuestionnaireDoc:
    key: str
    version: int
    title: str
    status: str
    description: str
    dimensions: tuple[DimensionDoc, ...]
    organization: OrganizationDoc | None = None

    def all_questions(self) -> tuple[QuestionDoc, ...]:
        """Team questions in order, then the organisation section's."""
        team = tuple(q for dimension in self.dimensions for q in dimension.questions)
        return team + (self.organization.questions if self.organization else ())


class QuestionnaireFormatError(ValueError):
    """The file is not a valid questionnaire. `errors` holds (1-based line or None, message)."""

    def __init__(self, errors: list[tuple[int | None, str]]):
        errors = sorted(errors, key=lambda e: 0 if e[0] is None else e[0])
        if len(errors) > MAX_ERRORS:
            hidden = len(errors) - MAX_ERRORS
            errors = [*errors[:MAX_ERRORS], (None, f"... and {hidden} more errors")]
        self.errors = errors
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            message if line is None else f"line {line}: {message}" for line, message in self.errors
        )


def parse_questionnaire(data: str | bytes) -> QuestionnaireDoc:
    """The questionnaire in `data`; raises QuestionnaireFormatError listing every problem."""
    text = _decode(data)
    problems: list[tuple[int | None, str]] = []  # anchors, aliases, tags: found while composing
    try:
        loader = _Loader(text, problems)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except _TooBig as exc:
        problems.append((_line(exc.mark), exc.message))
        raise QuestionnaireFormatError(problems) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context
        if exc.context and problem.startswith("but "):  # "expected X ... but found Y"
            problem = f"{exc.context}, {problem}"
        problems.append((_line(mark), f"not valid YAML: {problem}"))
        raise QuestionnaireFormatError(problems) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"the file contains a character that YAML does not allow ({_codepoint(exc)})"
        raise QuestionnaireFormatError([(line, message)]) from None
    except yaml.YAMLError as exc:  # no other kind is known; kept so that none escapes
        raise QuestionnaireFormatError([*problems, (None, f"not valid YAML: {exc}")]) from None
    if problems:
        raise QuestionnaireFormatError(problems)
    checker = _Checker()
    doc = checker.questionnaire(root)
    if checker.errors:
        raise QuestionnaireFormatError(checker.errors)
    return doc


def export_questionnaire(doc: QuestionnaireDoc) -> str:
    """The questionnaire as YAML in the documented format: parse_questionnaire() of the result
    equals `doc`. Optional fields at their defaults are left out."""
    data: dict = {"key": doc.key, "version": doc.version, "title": doc.title, "status": doc.status}
    if doc.description:
        data["description"] = doc.description
    data["dimensions"] = [_export_dimension(dimension) for dimension in doc.dimensions]
    if doc.organization is not None:
        data["organization"] = _export_organization(doc.organization)
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=88,  # PyYAML overshoots by a word; lines stay within about 100
        indent=2,
    )


# --- reading -----------------------------------------------------------------------------


class _TooBig(Exception):
    def __init__(self, mark, message):
        self.mark = mark
        self.message = message


class _Loader(yaml.SafeLoader):
    """Composes nodes only. Records anchors, aliases and explicit tags as problems (and keeps
    going, to report them all), never follows an alias, and stops beyond MAX_DEPTH levels or
    MAX_VALUES values."""

    def __init__(self, stream, problems: list):
        self.problems = problems
        self.depth = 0
        self.values = 0
        super().__init__(stream)

    def compose_node(self, parent, index):
        event = self.peek_event()
        self.values += 1
        if self.values > MAX_VALUES:
            message = (
                f"the file has more than {MAX_VALUES} values; no questionnaire needs that many"
            )
            raise _TooBig(event.start_mark, message)
        if isinstance(event, AliasEvent):
            self.get_event()
            self.problems.append((_line(event.start_mark), _ALIAS_MESSAGE))
            return ScalarNode(_NULL, "", event.start_mark, event.end_mark)
        if event.anchor is not None:
            self.problems.append((_line(event.start_mark), _ALIAS_MESSAGE))
            event.anchor = None  # not registered, so no alias can ever reach it
        if event.tag is not None:
            self.problems.append(
                (_line(event.start_mark), f"tags are not allowed (found {_show_tag(event.tag)})")
            )
        return super().compose_node(parent, index)

    def compose_sequence_node(self, anchor):
        return self._nested(super().compose_sequence_node, anchor)

    def compose_mapping_node(self, anchor):
        return self._nested(super().compose_mapping_node, anchor)

    def _nested(self, compose, anchor):
        # Checked before descending: the composer recurses once per level.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                message = f"the file nests deeper than {MAX_DEPTH} levels"
                raise _TooBig(self.peek_event().start_mark, message)
            return compose(anchor)
        finally:
            self.depth -= 1


_CONSTRUCTOR = SafeConstructor()


class _Checker:
    """Walks the node tree, collecting (line, message) errors and building the doc.

    Field helpers take an `item`, the (key node, value node) pair of a mapping entry, or None
    when the field is absent; errors about a value point at the value's line, errors about a
    whole mapping (missing fields, missing levels) at the line of its first key or its field.
    """

    def __init__(self):
        self.errors: list[tuple[int | None, str]] = []
        self.version: int | None = None
        self.dimension_lines: dict[str, int] = {}  # key -> line, for "used twice" errors
        self.question_lines: dict[str, int] = {}

    def error(self, node: Node, message: str) -> None:
        self.errors.append((_line(node.start_mark), message))

    # The whole file

    def questionnaire(self, root: Node | None) -> QuestionnaireDoc | None:
        if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL):
            self.errors.append((1 if root is None else _line(root.start_mark), "the file is empty"))
            return None
        if not isinstance(root, MappingNode):
            self.error(
                root, f"the file must be a mapping of fields (key: value), not {_kind(root)}"
            )
            return None
        fields = self.fields(
            root, "", _TOP_FIELDS, ("key", "version", "title", "status", "dimensions")
        )
        key = self.slug(fields.get("key"), "'key'")
        self.version = self.whole_number(fields.get("version"), "'version'")
        title = self.text(fields.get("title"), "'title'", limit=MAX_NAME_LENGTH)
        status = self.status(fields.get("status"))
        description = self.text(fields.get("description"), "'description'", optional=True)
        organization_questions = _count_questions(fields.get("organization"))
        dimensions = self.dimensions(fields.get("dimensions"), organization_questions)
        organization = self.organization(fields.get("organization"))
        if self.errors:
            return None
        return QuestionnaireDoc(
            key, self.version, title, status, description, dimensions, organization
        )

    def organization(self, item) -> OrganizationDoc | None:
        if item is None:
            return None
        _, node = item
        who = "the organization section"
        if not isinstance(node, MappingNode):
            self.error(node, f"'organization' must be a mapping of fields, not {_kind(node)}")
            return None
        fields = self.fields(node, f"{who}: ", _ORGANIZATION_FIELDS, ("name", "questions"))
        name = self.text(fields.get("name"), f"{who}: 'name'", limit=MAX_NAME_LENGTH)
        help_text = self.text(fields.get("help"), f"{who}: 'help'", optional=True)
        questions = self.questions(fields.get("questions"), who, _ORGANIZATION_QUESTION_FIELDS)
        if None in (name, help_text, questions):
            return None
        return OrganizationDoc(name, help_text, questions)

    def dimensions(self, item, extra_questions: int = 0) -> tuple[DimensionDoc, ...] | None:
        if item is None:
            return None
        key_node, node = item
        if not isinstance(node, SequenceNode):
            self.error(node, f"'dimensions' must be a list of dimensions, not {_kind(node)}")
            return None
        if not node.value:
            self.error(key_node, "'dimensions' must list at least one dimension")
            return None
        if len(node.value) > MAX_DIMENSIONS:
            self.error(
                key_node, f"too many dimensions ({len(node.value)}; at most {MAX_DIMENSIONS})"
            )
        questions = extra_questions + sum(_count_questions((None, d)) for d in node.value)
        if questions > MAX_QUESTIONS:
            self.error(key_node, f"too many questions ({questions}; at most {MAX_QUESTIONS})")
        docs = tuple(self.dimension(n, i) for i, n in enumerate(node.value, 1))
        return None if None in docs else docs

    # One dimension

    def dimension(self, node: Node, number: int) -> DimensionDoc | None:
        if not isinstance(node, MappingNode):
            self.error(node, f"dimension #{number} must be a mapping of fields, not {_kind(node)}")
            return None
        key = self.unique_key(node, self.dimension_lines, "dimension", f"dimension #{number}")
        who = f"dimension {key!r}" if key else f"dimension #{number}"
        fields = self.fields(
            node, f"{who}: ", _DIMENSION_FIELDS, ("name", "help", "focus_areas", "questions")
        )
        name = self.text(fields.get("name"), f"{who}: 'name'", limit=MAX_NAME_LENGTH)
        help_text = self.text(fields.get("help"), f"{who}: 'help'")
        weight = self.weight(fields.get("weight"), f"{who}: 'weight'")
        replaces = self.replaces(fields.get("replaces"), who)
        focus_areas = self.focus_areas(fields.get("focus_areas"), who)
        questions = self.questions(fields.get("questions"), who)
        if None in (key, name, help_text, weight, focus_areas, questions):
            return None
        return DimensionDoc(key, name, help_text, weight, focus_areas, questions, replaces)

    def focus_areas(self, item, who: str) -> dict[int, tuple[str, ...]] | None:
        levels, complete = self.levels(item, who, "focus_areas", "focus areas for levels")
        result = {}
        for level, node in levels.items():
            what = f"{who}: focus areas for level {level}"
            if not isinstance(node, SequenceNode):
                self.error(node, f"{what} must be a list, e.g. [Basic measurement, Automation]")
            elif not node.value:
                self.error(node, f"{what} must list at least one item")
            else:
                texts = tuple(self.text((None, n), what) for n in node.value)
                if None not in texts:
                    result[level] = texts
        return result if complete and len(result) == len(LEVELS) else None

    def questions(self, item, who: str, allowed=_QUESTION_FIELDS) -> tuple[QuestionDoc, ...] | None:
        if item is None:
            return None
        key_node, node = item
        if not isinstance(node, SequenceNode):
            self.error(node, f"{who}: 'questions' must be a list of questions, not {_kind(node)}")
            return None
        if not node.value:
            self.error(key_node, f"{who}: 'questions' must list at least one question")
            return None
        docs = tuple(self.question(n, i, who, allowed) for i, n in enumerate(node.value, 1))
        return None if None in docs else docs

    # One question

    def question(self, node: Node, number: int, dimension_who: str,
                 allowed=_QUESTION_FIELDS) -> QuestionDoc | None:  # fmt: skip
        anonymous = f"question #{number} of {dimension_who}"
        if not isinstance(node, MappingNode):
            self.error(node, f"{anonymous} must be a mapping of fields, not {_kind(node)}")
            return None
        key = self.unique_key(node, self.question_lines, "question", anonymous)
        who = f"question {key!r}" if key else anonymous
        fields = self.fields(node, f"{who}: ", allowed, ("text", "levels"))
        text = self.text(fields.get("text"), f"{who}: 'text'")
        help_text = self.text(fields.get("help"), f"{who}: 'help'", optional=True)
        weight = self.weight(fields.get("weight"), f"{who}: 'weight'")
        replaces = self.replaces(fields.get("replaces"), who)
        nodes, complete = self.levels(fields.get("levels"), who, "levels", "levels")
        levels = {n: self.text((None, value), f"{who}: level {n}") for n, value in nodes.items()}
        if not complete or None in levels.values():
            levels = None
        if None in (key, text, help_text, weight, levels):
            return None
        return QuestionDoc(key, text, levels, help_text, weight, replaces)

    # Building blocks

    def fields(self, node: MappingNode, who: str, allowed, required) -> dict[str, tuple]:
        """{field name: item} of a mapping; reports duplicate, unknown and missing fields."""
        found: dict[str, tuple] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _NULL:
                self.error(key_node, f"{who}field names must be plain words, not {_kind(key_node)}")
                continue
            name = key_node.value
            if name in found:
                self.error(key_node, f"{who}field {_show(name)} is given twice")
            elif name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(key_node, f"{who}unknown field {_show(name)}{hint}")
            else:
                found[name] = (key_node, value_node)
        for name in required:
            if name not in found:
                self.error(node, f"{who}missing required field {name!r}")
        return found

    def unique_key(self, node: MappingNode, seen: dict, noun: str, anonymous: str) -> str | None:
        """The `key` of a dimension or question mapping: a slug, unique in the file."""
        items = [(k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == "key"]
        if not items:
            self.error(node, f"{anonymous}: missing required field 'key'")
            return None
        key = self.slug(items[0], f"{anonymous}: 'key'")
        if key is None:
            return None
        value_node = items[0][1]
        if key in seen:
            self.error(value_node, f"{noun} key {key!r} is used twice (first on line {seen[key]})")
        else:
            seen[key] = _line(value_node.start_mark)
        return key

    def text(self, item, what: str, *, optional: bool = False,
             limit: int = MAX_TEXT_LENGTH) -> str | None:  # fmt: skip
        """A text: the scalar as written (so `text: 42` is "42"). Optional texts are "" when
        absent or empty; required ones must not be blank."""
        if item is None:
            return "" if optional else None  # a missing required field is reported by fields()
        node = item[1]
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what} must be text, not {_kind(node)}")
            return None
        value = "" if node.tag == _NULL else node.value
        if optional and value == "":
            return ""
        if not value.strip():
            self.error(node, f"{what} must not be empty")
            return None
        if len(value) > limit:
            self.error(node, f"{what} is too long ({len(value)} characters; at most {limit})")
            return None
        for char in value:
            # Control characters have no place in a text, and NUL cannot be stored in PostgreSQL.
            if char not in "\t\n" and unicodedata.category(char) in ("Cc", "Cs"):
                self.error(node, f"{what} contains a control character (U+{ord(char):04X})")
                return None
        return value

    def slug(self, item, what: str) -> str | None:
        if item is None:
            return None
        node = item[1]
        if (
            not isinstance(node, ScalarNode)
            or node.tag == _NULL
            or len(node.value) > MAX_SLUG_LENGTH
            or not SLUG_RE.fullmatch(node.value)
        ):
            self.error(
                node,
                f"{what} must be a slug (lowercase letters, digits and single hyphens, at most "
                f"{MAX_SLUG_LENGTH} characters), not {_describe(node)}",
            )
            return None
        return node.value

    def whole_number(self, item, what: str) -> int | None:
        if item is None:
            return None
        node = item[1]
        value = _number(node, (_INT,))
        if value is None or not 1 <= value <= MAX_VERSION:
            self.error(node, f"{what} must be a whole number >= 1, not {_describe(node)}")
            return None
        return value

    def weight(self, item, what: str) -> float | None:
        if item is None:
            return 1.0
        node = item[1]
        value = _number(node, (_INT, _FLOAT))
        if value is None or not math.isfinite(value) or not 0 < value <= MAX_WEIGHT:
            self.error(
                node,
                f"{what} must be a number greater than 0 and at most {MAX_WEIGHT:g}, "
                f"not {_describe(node)}",
            )
            return None
        return float(value)

    def status(self, item) -> str | None:
        if item is None:
            return None
        node = item[1]
        if not isinstance(node, ScalarNode) or node.value not in STATUSES:
            self.error(
                node, f"'status' must be one of {', '.join(STATUSES)}, not {_describe(node)}"
            )
            return None
        return node.value

    def replaces(self, item, who: str) -> str | None:
        if item is None:
            return None
        if self.version is not None and self.version < 2:
            self.error(
                item[0],
                f"{who}: 'replaces' is only allowed from version 2 on (this file is version "
                f"{self.version})",
            )
            return None
        return self.slug(item, f"{who}: 'replaces'")

    def levels(self, item, who: str, name: str, noun: str) -> tuple[dict[int, Node], bool]:
        """({level: value node}, complete) of a mapping that must have exactly the keys 1-5.
        The nodes found are returned even when some are wrong, so that their values are
        checked too."""
        if item is None:
            return {}, False
        key_node, node = item
        if not isinstance(node, MappingNode):
            self.error(node, f"{who}: {name!r} must be a mapping of levels 1-5, not {_kind(node)}")
            return {}, False
        found: dict[int, Node] = {}
        complete = True
        for level_node, value_node in node.value:
            level = _level(level_node)
            if level is None:
                self.error(
                    level_node, f"{who}: {_describe(level_node)} is not a level; levels are 1-5"
                )
                complete = False
            elif level in found:
                self.error(level_node, f"{who}: level {level} is given twice")
                complete = False
            else:
                found[level] = value_node
        if len(found) < len(LEVELS):
            have = f"{noun} {_ranges(sorted(found))}" if found else f"no {name.replace('_', ' ')}"
            self.error(key_node, f"{who} has {have}; all five levels (1-5) are required")
            complete = False
        return dict(sorted(found.items())), complete


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
    elif isinstance(data, bytes | bytearray | memoryview):
        data = bytes(data)
        size = len(data)
    else:
        raise TypeError(f"expected str or bytes, not {type(data).__name__}")
    if size > MAX_BYTES:
        raise QuestionnaireFormatError(
            [(None, f"the file is too large ({size} bytes; at most {MAX_BYTES} bytes, 1 MiB)")]
        )
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        message = f"the file is not UTF-8 text (byte 0x{byte:02x} cannot be read); save it as UTF-8"
        raise QuestionnaireFormatError([(line, message)]) from None


def _count_questions(item) -> int:
    """How many questions a dimension or section node lists (0 when it is malformed)."""
    if item is None or not isinstance(item[1], MappingNode):
        return 0
    return sum(
        len(value.value)
        for key, value in item[1].value
        if isinstance(key, ScalarNode) and key.value == "questions"
        if isinstance(value, SequenceNode)
    )


def _line(mark) -> int | None:
    return None if mark is None else mark.line + 1


def _number(node: Node, tags) -> int | float | None:
    if not isinstance(node, ScalarNode) or node.tag not in tags:
        return None
    try:
        if node.tag == _INT:
            return _CONSTRUCTOR.construct_yaml_int(node)
        return _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, OverflowError):  # "0b_", or more digits than int() takes
        return None


def _level(node: Node) -> int | None:
    # Written as 1 or "1"; nothing cleverer (no 0x1, no 1.0).
    if isinstance(node, ScalarNode) and node.tag in (_INT, _STR) and node.value in _LEVEL_KEYS:
        return int(node.value)
    return None


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return {_NULL: "empty", _BOOL: "true/false", _INT: "a number", _FLOAT: "a number"}.get(
        node.tag, "text"
    )


def _describe(node: Node) -> str:
    """How a value is quoted in a message: its text, or its kind for lists and empty values."""
    if isinstance(node, ScalarNode) and node.tag != _NULL:
        return _show(node.value)
    return _kind(node)


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _show_tag(tag: str) -> str:
    return repr("!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag)


def _codepoint(exc: yaml.reader.ReaderError) -> str:
    # PyYAML gives the character as a code point (text input) or a byte (bytes input).
    character = exc.character
    if isinstance(character, str):
        character = ord(character)
    return f"U+{character:04X}" if exc.encoding == "unicode" else f"byte 0x{character:02x}"


def _ranges(levels: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3, 5"."""
    runs: list[list[int]] = []
    for level in levels:
        if runs and level == runs[-1][-1] + 1:
            runs[-1].append(level)
        else:
            runs.append([level])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


# --- writing -----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key: easier to read than PyYAML's flush-left lists.
        return super().increase_indent(flow, False)


def _represent_str(dumper, value):
    # Texts with line breaks of their own as literal blocks, one paragraph with a final line
    # break (what `>` gives) as a folded block; PyYAML falls back to a quoted scalar when a
    # block cannot hold the text exactly (trailing spaces, special characters).
    style = None
    if "\n" in value.rstrip("\n"):
        style = "|"
    elif value.endswith("\n"):
        style = ">"
    return dumper.represent_scalar(_STR, value, style=style)


_Dumper.add_representer(str, _represent_str)


def _export_dimension(dimension: DimensionDoc) -> dict:
    data: dict = {"key": dimension.key, "name": dimension.name}
    if dimension.weight != 1.0:
        data["weight"] = dimension.weight
    data["help"] = dimension.help
    if dimension.replaces is not None:
        data["replaces"] = dimension.replaces
    data["focus_areas"] = {level: list(items) for level, items in dimension.focus_areas.items()}
    data["questions"] = [_export_question(question) for question in dimension.questions]
    return data


def _export_organization(organization: OrganizationDoc) -> dict:
    data: dict = {"name": organization.name}
    if organization.help:
        data["help"] = organization.help
    data["questions"] = [_export_question(question) for question in organization.questions]
    return data


def _export_question(question: QuestionDoc) -> dict:
    data: dict = {"key": question.key, "text": question.text}
    if question.help:
        data["help"] = question.help
    if question.weight != 1.0:
        data["weight"] = question.weight
    if question.replaces is not None:
        data["replaces"] = question.replaces
    data["levels"] = dict(question.levels)
    return data
