"""Ingestion of deployment and incident events, from CSV files or from rows (JSON). The one
place this logic lives: the API, the team DORA page's upload and the ingest benchmark
(``python -m tests.bench ingest``) call it.

A batch is all-or-nothing. Every row is validated first while the input streams by; a batch
with any rejected row raises ``BatchRejected`` (an ``Invalid``) and saves nothing. A valid
batch is upserted on ``(team, external_id)`` in chunks inside one transaction, so sending it
again updates the same events (each row replaces the stored event: an omitted optional value
goes back to its default). Each chunk is checked against the stored events of the other kind
first (an incident cannot be resolved before the deployment that caused it finished); a
conflict rolls the batch back. Then the team's event-based DORA snapshot is refreshed.

Memory stays bounded whatever the batch size: the file is read line by line, validated rows
go, as compact tuples, to a spool that moves to a temporary file past a few megabytes, and
rows are written back from it a chunk at a time. What grows with the batch is the index of
external ids used to spot duplicates (about 160 bytes a row: 16 MB for 100,000 rows).

Line numbers: in a CSV file the physical line on which the row starts (the header is line 1);
in a list of rows, the 1-based position of the row in the list. Both are reported as "line".

CSV format (UTF-8, with or without a byte-order mark; comma- or semicolon-separated, as the
header line shows; header line first;
columns in any order; an empty optional cell means the default; a line whose cells are all
empty is skipped, as spreadsheets export them):

deployments: external_id,service,environment,finished_at,succeeded,rolled_back,hotfix,
    caused_failure,unplanned_fix,change_ids,change_first_commit_times,fixes,planned,version
    Required columns: external_id, finished_at. change_ids and change_first_commit_times are
    ``;``-separated lists of equal length, the n-th time being the first commit of the n-th
    change; the two columns come together.
incidents: external_id,started_at,resolved_at,deployment_external_id,service,description
    Required columns: external_id, started_at.

Date-times are ISO 8601 with a timezone offset or Z (2026-03-01T14:30:00Z). Booleans in CSV
are true/false, yes/no or 1/0 in any case; in JSON, true or false. Defaults: environment
"production", succeeded true, the other flags false, service and deployment_external_id empty;
fixes and version empty; planned false when fixes is given, else true. In JSON a change may
carry a "title" (a title 'Revert "..."' marks a rollback).
Limits: 1,000,000 rows a batch, 200 characters an id, 1,000 changes a deployment, 1 MB a line;
at most 200 errors are reported (all rejected rows are counted).
"""

import codecs
import csv
import marshal
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, islice

from django.db import connection, transaction

from assessments.dora import services as dora_services
from assessments.models import Deployment, EventBatch, Incident
from vsm_site.domain_errors import Invalid

DEPLOYMENTS = "deployments"
INCIDENTS = "incidents"
KINDS = (DEPLOYMENTS, INCIDENTS)

MAX_ROWS = 1_000_000
MAX_ERRORS = 200  # reported; every rejected row is counted
MAX_ID_LENGTH = 200
SERVICE_LENGTH = Deployment._meta.get_field("service").max_length
ENVIRONMENT_LENGTH = Deployment._meta.get_field("environment").max_length
MAX_CHANGES = 1_000
MAX_LINE_BYTES = 1024 * 1024
CHUNK_SIZE = 2_000
SPOOL_MEMORY = 8 * 1024 * 1024  # validated rows stay in memory up to this, then go to disk

DEPLOYMENT_COLUMNS = (
    "external_id", "service", "environment", "finished_at", "succeeded", "rolled_back",
    "hotfix", "caused_failure", "unplanned_fix", "change_ids", "change_first_commit_times",
)  # fmt: skip
INCIDENT_COLUMNS = ("external_id", "started_at", "resolved_at", "deployment_external_id")
# Optional columns added for attribution (docs/dora.md, "Events and attribution"); files
# without them are read as before.
DEPLOYMENT_ATTRIBUTION_COLUMNS = ("fixes", "planned", "version")
INCIDENT_ATTRIBUTION_COLUMNS = ("service", "description")
MAX_DESCRIPTION_LENGTH = 10_000
MAX_TITLE_LENGTH = 500
REQUIRED_COLUMNS = {
    DEPLOYMENTS: ("external_id", "finished_at"),
    INCIDENTS: ("external_id", "started_at"),
}
CSV_COLUMNS = {
    DEPLOYMENTS: DEPLOYMENT_COLUMNS + DEPLOYMENT_ATTRIBUTION_COLUMNS,
    INCIDENTS: INCIDENT_COLUMNS + INCIDENT_ATTRIBUTION_COLUMNS,
}
JSON_KEYS = {
    DEPLOYMENTS: DEPLOYMENT_COLUMNS[:9] + ("changes",) + DEPLOYMENT_ATTRIBUTION_COLUMNS,
    INCIDENTS: INCIDENT_COLUMNS + INCIDENT_ATTRIBUTION_COLUMNS,
}
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class IngestReport:
    created: int
    updated: int
    rejected: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self):
        return {
            "created": self.created,
            "updated": self.updated,
            "rejected": self.rejected,
            "errors": list(self.errors),
        }


class BatchRejected(Invalid):
    """Nothing was saved. ``rejected`` counts the rows rejected for their content; a problem
    with the file itself (columns, encoding, size) has ``rejected == 0`` and one error naming
    the line."""

    def __init__(self, message, *, errors, rejected=0, total=0, field=None):
        super().__init__(message, field=field, errors=errors)
        self.rejected = rejected
        self.total = total

    def as_dict(self):
        return {
            "detail": self.message,
            "created": 0,
            "updated": 0,
            "rejected": self.rejected,
            "errors": self.errors,
        }


def _file_error(line, message, field=None):
    error = {"line": line, "external_id": None, "field": field, "message": message}
    return BatchRejected(message, errors=[error], field=field)


def _kind(kind):
    if kind not in KINDS:
        raise Invalid(f"Unknown kind of event {kind!r}: use deployments or incidents.")
    return kind


# --- public interface -----------------------------------------------------------------------


def ingest_csv(team, kind, binary_file, *, refresh=True, uploaded_by=None, filename=""):
    """Validate a CSV file of events (a binary file object, read line by line) and, if every
    row is valid, create or update the team's events and (unless ``refresh`` is false)
    refresh its event-based DORA snapshot. Raises ``BatchRejected`` otherwise. With
    ``uploaded_by`` (an upload on the team's page) the file is recorded as an ``EventBatch``
    that owns the events it wrote, so it can be listed and removed as a whole."""
    batch = _Batch(_kind(kind))
    batch.uploaded_by, batch.filename = uploaded_by, filename
    try:
        _read_csv(binary_file, batch)
        return batch.save(team, refresh)
    finally:
        batch.close()


def ingest_rows(team, kind, rows, *, refresh=True):
    """Validate rows (dicts as decoded from JSON; ``changes`` is a list of ``{"id",
    "first_commit_at"}``) and, if every row is valid, create or update the team's events and
    (unless ``refresh`` is false) refresh its event-based DORA snapshot. Raises
    ``BatchRejected`` otherwise."""
    batch = _Batch(_kind(kind))
    allowed = JSON_KEYS[kind]
    try:
        for line, row in enumerate(rows, 1):
            batch.count(line)
            if not isinstance(row, dict):
                problem = (None, f"Each row must be a JSON object, not {_json_type(row)}.")
                batch.reject(line, None, [problem])
                continue
            problems = [
                (str(key), f"Unknown field {str(key)!r}; the fields are {', '.join(allowed)}.")
                for key in row
                if key not in allowed
            ]
            batch.add(line, row, problems, from_csv=False)
        return batch.save(team, refresh)
    finally:
        batch.close()


# --- reading CSV ------------------------------------------------------------------------------


def _decoded_lines(binary_file):
    """The file's lines as text. Decoding line by line (a newline byte never occurs inside a
    UTF-8 sequence) lets a decoding error name its line, which a TextIOWrapper reading 8 KB
    blocks cannot; it also works on streams that are not full io objects (an HTTP request)."""
    number = 0
    while True:
        raw = binary_file.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise _file_error(number, f"Line {number} is longer than {MAX_LINE_BYTES} bytes.")
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _file_error(
                number,
                f"Line {number} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position "
                f"{exc.start + 1}). Save the file as UTF-8 (in Excel: CSV UTF-8).",
            ) from None


def sniff_delimiter(header_line):
    """``,`` or ``;`` for a header line: spreadsheets in locales with a decimal comma (Excel
    in German, French, Dutch ...) save "CSV" with semicolons. The header only holds column
    names, so whichever of the two occurs is the one; commas win a tie."""
    if header_line.count(";") > header_line.count(","):
        return ";"
    return ","


def _delimiter_hint(header_line):
    """A sentence for a header that looks separated by something we do not read."""
    for char, name in (("\t", "tabs"), ("|", "vertical bars")):
        if char in header_line and "," not in header_line and ";" not in header_line:
            return f" The file looks separated by {name}; save it with commas or semicolons."
    return ""


def _read_csv(binary_file, batch):
    kind = batch.kind
    lines = _decoded_lines(binary_file)
    first = next(lines, None)
    if first is None:
        first_lines = iter(())
        delimiter = ","
    else:
        first_lines = iter((first,))
        delimiter = sniff_delimiter(first)
    batch.hint = _delimiter_hint(first or "")
    reader = csv.reader(chain(first_lines, lines), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _file_error(1, f"Line 1 is not valid CSV: {exc}.") from None
    if header is None or not any(cell.strip() for cell in header):
        raise _file_error(
            1, f"The file is empty; line 1 must name the columns: {','.join(CSV_COLUMNS[kind])}."
        )
    columns = [cell.strip() for cell in header]
    _check_columns(kind, columns, batch.hint)
    width = len(columns)
    previous_end = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = reader.line_num
            raise _file_error(line, f"Line {line} is not valid CSV: {exc}.") from None
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # blank lines (often one at the end) are not rows
        batch.count(line)
        if len(record) != width:
            message = f"Line {line} has {len(record)} values; the header has {width} columns."
            batch.reject(line, None, [(None, message)])
            continue
        values = dict(zip(columns, (cell.strip() for cell in record), strict=True))
        batch.add(line, values, [], from_csv=True)


def _check_columns(kind, columns, hint=""):
    known = CSV_COLUMNS[kind]
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise _file_error(
            1,
            f"Unknown column(s) on line 1: {', '.join(repr(c) for c in unknown)}. "
            f"The {kind} columns are {','.join(known)}.{hint}",
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise _file_error(1, f"Column(s) named twice on line 1: {', '.join(repeated)}.")
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in columns]
    if missing:
        raise _file_error(1, f"Missing required column(s) on line 1: {', '.join(missing)}.")
    if kind == DEPLOYMENTS and ("change_ids" in columns) != (
        "change_first_commit_times" in columns
    ):
        raise _file_error(
            1, "Columns change_ids and change_first_commit_times go together (line 1)."
        )


# --- validating rows --------------------------------------------------------------------------


class _Batch:
    """Validated rows of one batch: counts, the first errors, the index of external ids seen,
    and the spool of compact tuples to write once the whole batch is known to be valid."""

    def __init__(self, kind):
        self.kind = kind
        self.hint = ""
        self.uploaded_by = None
        self.filename = ""
        self.validate = _validate_deployment if kind == DEPLOYMENTS else _validate_incident
        self.first_line = {}  # external_id -> line of its first occurrence
        self.total = 0
        self.rejected = 0
        self.errors = []
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115

    def count(self, line):
        self.total += 1
        if self.total > MAX_ROWS:
            raise _file_error(
                line,
                f"A batch holds at most {MAX_ROWS} rows; line {line} is beyond that. "
                "Split the events into smaller batches.",
            )

    def add(self, line, values, problems, from_csv):
        external_id, record = self.validate(values, problems, from_csv)
        if external_id is not None:
            first = self.first_line.setdefault(external_id, line)
            if first != line:
                problems.append(
                    (
                        "external_id",
                        f"external_id {_show(external_id)} appears more than once in this "
                        f"batch (first on line {first}).",
                    )
                )
        if problems:
            self.reject(line, external_id, problems)
        elif not self.rejected:  # once a row is rejected nothing will be written
            marshal.dump((line, *record), self.spool)

    def reject(self, line, external_id, problems):
        self.rejected += 1
        for field_name, message in problems:
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(
                    {
                        "line": line,
                        "external_id": external_id,
                        "field": field_name,
                        "message": message,
                    }
                )

    def save(self, team, refresh):
        """Write the spooled rows a chunk at a time in one transaction. Each chunk is first
        checked against the events already stored (an incident resolved before the deployment
        that caused it finished); a conflict rolls the whole batch back."""
        self._raise_if_rejected()
        self.first_line = None  # not needed any more: free it before writing
        if not self.total:
            return IngestReport(0, 0)
        self.spool.seek(0)
        records = (marshal.load(self.spool) for _ in range(self.total))
        created = updated = 0
        with transaction.atomic():
            stored = None
            if self.uploaded_by is not None:
                stored = EventBatch.objects.create(
                    team=team, kind=self.kind, filename=self.filename[:255],
                    uploaded_by=self.uploaded_by, rows=self.total,
                )  # fmt: skip
            while chunk := list(islice(records, CHUNK_SIZE)):
                for line, external_id, field_name, message in _conflicts(team, self.kind, chunk):
                    self.reject(line, external_id, [(field_name, message)])
                if self.rejected:
                    continue  # check every chunk for the report; the batch is rolled back
                new, existing = _upsert(team, self.kind, chunk, stored)
                created += new
                updated += existing
            self._raise_if_rejected()
            if stored is not None:
                stored.created, stored.updated = created, updated
                stored.save(update_fields=["created", "updated"])
        if refresh:
            dora_services.refresh_event_snapshots(team)
        return IngestReport(created, updated)

    def _raise_if_rejected(self):
        if self.rejected:
            raise BatchRejected(
                f"{self.rejected} of {self.total} rows were rejected; nothing was saved.",
                errors=self.errors,
                rejected=self.rejected,
                total=self.total,
            )

    def close(self):
        self.spool.close()


def _validate_deployment(values, problems, from_csv):
    """(external_id, record) where record is the compact tuple ``_deployment`` turns into a
    model instance; problems are appended as (field, message)."""
    external_id = _text(
        problems,
        "external_id",
        values.get("external_id"),
        MAX_ID_LENGTH,
        required=True,
        allow_int=True,
    )
    service = _text(problems, "service", values.get("service"), SERVICE_LENGTH)
    environment = _text(problems, "environment", values.get("environment"), ENVIRONMENT_LENGTH)
    finished_at = _moment(problems, "finished_at", values.get("finished_at"), required=True)
    succeeded = _flag(problems, "succeeded", values.get("succeeded"), True, from_csv)
    flags = tuple(
        _flag(problems, name, values.get(name), False, from_csv)
        for name in ("rolled_back", "hotfix", "caused_failure", "unplanned_fix")
    )
    if from_csv:
        changes = _changes_from_csv(
            problems, values.get("change_ids") or "", values.get("change_first_commit_times") or ""
        )
    else:
        changes = _changes_from_json(problems, values.get("changes"))
    seen = set()
    for change_id, first_commit_at, where, *_title in changes:
        if change_id in seen:
            problems.append((where[0], f"Change {_show(change_id)} is listed twice."))
        seen.add(change_id)
        if finished_at is not None and first_commit_at > finished_at:
            problems.append(
                (
                    where[1],
                    f"Change {_show(change_id)}: its first commit "
                    f"({first_commit_at.isoformat()}) is after the deployment finished "
                    f"({finished_at.isoformat()}).",
                )
            )
    fixes = _text(problems, "fixes", values.get("fixes"), MAX_ID_LENGTH, allow_int=True)
    # A fix is unplanned unless it says otherwise; any other deployment is planned.
    planned = _flag(problems, "planned", values.get("planned"), not fixes, from_csv)
    version = _text(problems, "version", values.get("version"), MAX_ID_LENGTH, allow_int=True)
    if fixes and fixes == external_id:
        problems.append(("fixes", "A deployment cannot fix itself."))
    if problems:
        return external_id, None
    record = (
        external_id,
        service,
        environment or "production",
        _utc(finished_at),
        succeeded,
        *flags,
        tuple((change_id, moment.isoformat(), *extra) for change_id, moment, _, *extra in changes),
        fixes,
        planned,
        version,
    )
    return external_id, record


def _validate_incident(values, problems, from_csv):
    external_id = _text(
        problems,
        "external_id",
        values.get("external_id"),
        MAX_ID_LENGTH,
        required=True,
        allow_int=True,
    )
    started_at = _moment(problems, "started_at", values.get("started_at"), required=True)
    resolved_at = _moment(problems, "resolved_at", values.get("resolved_at"))
    deployment_id = _text(
        problems,
        "deployment_external_id",
        values.get("deployment_external_id"),
        MAX_ID_LENGTH,
        allow_int=True,
    )
    if started_at is not None and resolved_at is not None and resolved_at < started_at:
        problems.append(
            (
                "resolved_at",
                f"resolved_at ({resolved_at.isoformat()}) is before started_at "
                f"({started_at.isoformat()}).",
            )
        )
    service = _text(problems, "service", values.get("service"), SERVICE_LENGTH)
    description = _text(problems, "description", values.get("description"), MAX_DESCRIPTION_LENGTH)
    if problems:
        return external_id, None
    resolved = _utc(resolved_at) if resolved_at is not None else None
    return external_id, (
        external_id, _utc(started_at), resolved, deployment_id, service, description,
    )  # fmt: skip


def _changes_from_csv(problems, ids_cell, times_cell):
    """[(id, first commit, (id field, time field))] from the two ;-separated columns."""
    ids = [part.strip() for part in ids_cell.split(";")] if ids_cell else []
    times = [part.strip() for part in times_cell.split(";")] if times_cell else []
    if len(ids) != len(times):
        problems.append(
            (
                "change_first_commit_times",
                f"change_ids lists {len(ids)} change(s) but change_first_commit_times lists "
                f"{len(times)} time(s); give one first-commit time per change, both "
                "separated by ';'.",
            )
        )
        return []
    if len(ids) > MAX_CHANGES:
        problems.append(("change_ids", f"At most {MAX_CHANGES} changes per deployment."))
        return []
    changes = []
    fields = ("change_ids", "change_first_commit_times")
    for number, (change_id, raw_time) in enumerate(zip(ids, times, strict=True), 1):
        before = len(problems)
        change_id = _text(problems, "change_ids", change_id, MAX_ID_LENGTH)
        if change_id == "":
            problems.append(("change_ids", f"change_ids: change {number} has no id."))
        moment = _moment(problems, "change_first_commit_times", raw_time)
        if moment is None and raw_time == "":
            problems.append(
                (
                    "change_first_commit_times",
                    f"change_first_commit_times: change {number} has no time.",
                )
            )
        if len(problems) == before:
            changes.append((change_id, moment, fields))
    return changes


def _changes_from_json(problems, raw):
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(
            ("changes", 'changes must be a list of {"id": ..., "first_commit_at": ...} objects.')
        )
        return []
    if len(raw) > MAX_CHANGES:
        problems.append(("changes", f"At most {MAX_CHANGES} changes per deployment."))
        return []
    changes = []
    for index, item in enumerate(raw):
        where = f"changes[{index}]"
        if not isinstance(item, dict):
            problems.append(
                (where, f'{where} must be an object {{"id": ..., "first_commit_at": ...}}.')
            )
            continue
        unknown = [str(key) for key in item if key not in ("id", "first_commit_at", "title")]
        if unknown:
            problems.append((where, f"{where}: unknown field(s) {', '.join(unknown)}."))
            continue
        before = len(problems)
        change_id = _text(
            problems, f"{where}.id", item.get("id"), MAX_ID_LENGTH, required=True, allow_int=True
        )
        moment = _moment(
            problems, f"{where}.first_commit_at", item.get("first_commit_at"), required=True
        )
        title = _text(problems, f"{where}.title", item.get("title"), MAX_TITLE_LENGTH)
        if len(problems) == before:
            fields = (f"{where}.id", f"{where}.first_commit_at")
            # A title is kept only when given (revert changes are recognised by it).
            changes.append(
                (change_id, moment, fields, title) if title else (change_id, moment, fields)
            )
    return changes


# --- values -----------------------------------------------------------------------------------


def _text(problems, name, raw, max_length, required=False, allow_int=False):
    """A stripped string ("" when absent), or None after appending a problem."""
    if raw is None or raw == "":
        if required:
            problems.append((name, f"{name} is required."))
            return None
        return ""
    if allow_int and isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        problems.append((name, f"{name} must be a string, not {_json_type(raw)}."))
        return None
    value = raw.strip()
    if not value:
        if required:
            problems.append((name, f"{name} is required."))
            return None
        return ""
    if len(value) > max_length:
        problems.append(
            (name, f"{name} is {len(value)} characters long; at most {max_length} are allowed.")
        )
        return None
    if not _storable(value):
        problems.append((name, f"{name} contains a NUL character or invalid Unicode."))
        return None
    return value


def _moment(problems, name, raw, required=False):
    """An aware datetime, or None (absent, or after appending a problem)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            problems.append((name, f"{name} is required."))
        return None
    if not isinstance(raw, str):
        problems.append(
            (name, f"{name} must be an ISO 8601 date-time string, not {_json_type(raw)}.")
        )
        return None
    text = raw.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.append(
            (
                name,
                f"{name} {_show(text)} is not an ISO 8601 date-time "
                "(for example 2026-03-01T14:30:00Z).",
            )
        )
        return None
    if value.utcoffset() is None:
        problems.append(
            (
                name,
                f"{name} {_show(text)} has no timezone offset; add Z or an offset such as +02:00.",
            )
        )
        return None
    try:
        value.astimezone(UTC)
    except OverflowError:
        problems.append((name, f"{name} {_show(text)} is out of range."))
        return None
    return value


def _flag(problems, name, raw, default, from_csv):
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    if from_csv:
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        problems.append(
            (name, f"{name} {_show(raw)} is not a boolean; use true/false, yes/no or 1/0.")
        )
    else:
        problems.append((name, f"{name} must be true or false, not {_show(raw)}."))
    return default


def _storable(text):
    # PostgreSQL refuses NUL in text and jsonb; lone surrogates (possible from JSON) are not
    # encodable at all.
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utc(moment):
    return moment.astimezone(UTC).isoformat()


def _show(value, limit=60):
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return repr(text)


def _json_type(value):
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return names.get(type(value), type(value).__name__)


# --- writing ----------------------------------------------------------------------------------


def _upsert(team, kind, chunk, stored_batch=None):
    """Write one chunk: count the external ids already stored (for the report), then one
    INSERT ... ON CONFLICT (team, external_id) DO UPDATE per batch of rows. An upsert rather
    than bulk_create + bulk_update: one kind of statement instead of CASE WHEN updates, and a
    concurrent ingestion of the same ids cannot make it fail on the unique constraint.
    Returns (created, updated)."""
    if kind == DEPLOYMENTS:
        model, build = Deployment, _deployment
        update_fields = [
            "service", "environment", "finished_at", "succeeded", "rolled_back", "hotfix",
            "caused_failure", "unplanned_fix", "changes", "fixes", "planned", "version",
            "updated_at",
        ]  # fmt: skip
    else:
        model, build = Incident, _incident
        update_fields = [
            "started_at", "resolved_at", "deployment_external_id", "service", "description",
            "updated_at",
        ]  # fmt: skip
    if stored_batch is not None:
        update_fields = [*update_fields, "batch"]
    ids = [record[1] for record in chunk]
    existing = sum(
        model.objects.filter(team=team, external_id__in=part).count() for part in _slices(ids)
    )
    batch_id = stored_batch.pk if stored_batch is not None else None
    model.objects.bulk_create(
        [build(team.id, record, batch_id) for record in chunk],
        update_conflicts=True,
        unique_fields=["team", "external_id"],
        update_fields=update_fields,
    )
    return len(chunk) - existing, existing


def _deployment(team_id, record, batch_id=None):
    (
        _,
        external_id,
        service,
        environment,
        finished_at,
        succeeded,
        rolled_back,
        hotfix,
        caused_failure,
        unplanned_fix,
        changes,
        fixes,
        planned,
        version,
    ) = record
    return Deployment(
        team_id=team_id,
        external_id=external_id,
        service=service,
        environment=environment,
        finished_at=datetime.fromisoformat(finished_at),
        succeeded=succeeded,
        rolled_back=rolled_back,
        hotfix=hotfix,
        caused_failure=caused_failure,
        unplanned_fix=unplanned_fix,
        changes=[_change(*change) for change in changes],
        fixes=fixes,
        planned=planned,
        version=version,
        batch_id=batch_id,
    )


def _change(change_id, first_commit_at, title=None):
    change = {"id": change_id, "first_commit_at": first_commit_at}
    if title:
        change["title"] = title
    return change


def _incident(team_id, record, batch_id=None):
    _, external_id, started_at, resolved_at, deployment_id, service, description = record
    return Incident(
        team_id=team_id,
        external_id=external_id,
        started_at=datetime.fromisoformat(started_at),
        resolved_at=datetime.fromisoformat(resolved_at) if resolved_at else None,
        deployment_external_id=deployment_id,
        service=service,
        description=description,
        batch_id=batch_id,
    )


def _conflicts(team, kind, chunk):
    """(line, external_id, field, message) for rows that contradict stored events: the DORA
    recovery time is measured from the causing deployment's finish, and an incident resolved
    before it would make that negative (``dora.compute_metrics`` refuses it)."""
    if kind == INCIDENTS:
        linked = list({record[4] for record in chunk if record[3] and record[4]})
        finished = {}
        for part in _slices(linked):
            finished.update(
                Deployment.objects.filter(team=team, external_id__in=part).values_list(
                    "external_id", "finished_at"
                )
            )
        for line, external_id, _, resolved_at, deployment_id, *_rest in chunk:
            if not resolved_at or deployment_id not in finished:
                continue
            resolved = datetime.fromisoformat(resolved_at)
            if finished[deployment_id] > resolved:
                yield (
                    line,
                    external_id,
                    "resolved_at",
                    f"resolved_at ({resolved.isoformat()}) is before its deployment "
                    f"{_show(deployment_id)} finished ({finished[deployment_id].isoformat()}).",
                )
        return
    first_resolved = {}  # deployment external_id -> (resolved_at, incident external_id)
    for part in _slices([record[1] for record in chunk]):
        rows = Incident.objects.filter(
            team=team, deployment_external_id__in=part, resolved_at__isnull=False
        ).values_list("deployment_external_id", "resolved_at", "external_id")
        for deployment_id, resolved_at, incident_id in rows:
            if (
                deployment_id not in first_resolved
                or resolved_at < first_resolved[deployment_id][0]
            ):
                first_resolved[deployment_id] = (resolved_at, incident_id)
    for record in chunk:
        line, external_id, finished_at = record[0], record[1], record[4]
        if external_id not in first_resolved:
            continue
        resolved_at, incident_id = first_resolved[external_id]
        finished = datetime.fromisoformat(finished_at)
        if finished > resolved_at:
            yield (
                line,
                external_id,
                "finished_at",
                f"finished_at ({finished.isoformat()}) is after incident {_show(incident_id)}, "
                f"which it caused, was resolved ({resolved_at.isoformat()}).",
            )


def _slices(values):
    # SQLite builds before 3.32 allow 999 parameters a query.
    step = min(CHUNK_SIZE, (connection.features.max_query_params or CHUNK_SIZE) - 1)
    for start in range(0, len(values), step):
        yield values[start : start + step]
