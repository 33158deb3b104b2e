"""Writes to questionnaires: loading a YAML version, adopting a library version, editing a
draft in the browser, publishing. Called alike by the pages, the API and the commands.

Ownership: a version belongs to one organisation or, with ``organization=None``, to the site's
library. Keys and version numbers are per owner. Organisations never write to the library
(the site operator loads it with ``manage.py load_questionnaire --library``); an organisation
that wants to change a library questionnaire adopts it: a published copy owned by the
organisation (its own version 1, or its next version), ``based_on`` the library version, every
dimension and question keeping its lineage, so results on the copy compare with results on the
library version. Edits then go into a draft of the organisation's next version.

History: an item continues a predecessor's item (and so keeps its lineage) only through
``replaces``; the predecessor of a version is the owner's latest earlier version of the key,
or for an adopted first version the library version it is based on.
"""

import hashlib
from dataclasses import replace

from auditlog.context import auditlog_disabled
from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone

from assessments import permissions
from assessments.audit import trail as audit
from assessments.models import Dimension, Question, Questionnaire
from assessments.models.questionnaires import (
    OrganizationPracticeAnswer,
    OrganizationPractices,
    OrganizationQuestion,
    OrganizationSection,
)
from assessments.periods import PeriodError, current_period, parse_period
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires.diff import diff_questionnaires
from assessments.questionnaires.editing import EditError, apply_edit, carry_over
from assessments.questionnaires.format import (
    QuestionnaireFormatError,
    export_questionnaire,
    parse_questionnaire,
)
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound


def _owned_by(organization):
    """Questionnaires of one owner: an organisation, or the library for ``None``."""
    if organization is None:
        return Questionnaire.objects.filter(organization__isnull=True)
    return Questionnaire.objects.filter(organization=organization)


def _check_writer(user, organization):
    """``user=None`` is the site operator (commands, imports, the demo)."""
    if user is None:
        return
    if organization is None:
        if not getattr(user, "is_superuser", False):
            raise NotAllowed(
                "Library questionnaires are read-only; adopt one to change it for your "
                "organisation."
            )
        return
    permissions.check_questionnaire_manager(user, organization)


def _parse(raw):
    try:
        return parse_questionnaire(raw)
    except QuestionnaireFormatError as exc:
        errors = [f"line {line}: {msg}" if line else msg for line, msg in exc.errors]
        raise Invalid(
            f"The questionnaire file has {len(errors)} error(s): " + "; ".join(errors[:5]),
            errors=errors,
        ) from None


def predecessor(questionnaire):
    """The version whose items ``replaces`` refers to (None for a first version)."""
    earlier = (
        _owned_by(questionnaire.organization)
        .filter(key=questionnaire.key, version__lt=questionnaire.version)
        .order_by("-version")
        .first()
    )
    if earlier is not None:
        return earlier
    return questionnaire.based_on


def published_predecessor(questionnaire):
    """The version a draft is compared with before publishing: the owner's latest published
    version below it, else the library version it was adopted from."""
    earlier = (
        _owned_by(questionnaire.organization)
        .filter(
            key=questionnaire.key,
            version__lt=questionnaire.version,
            status=Questionnaire.PUBLISHED,
        )
        .order_by("-version")
        .first()
    )
    return earlier or _first_based_on(questionnaire)


def _first_based_on(questionnaire):
    if questionnaire.based_on_id is not None:
        return questionnaire.based_on
    first = (
        _owned_by(questionnaire.organization)
        .filter(key=questionnaire.key, based_on__isnull=False)
        .order_by("version")
        .select_related("based_on")
        .first()
    )
    return first.based_on if first is not None else None


def next_version(organization, key):
    latest = _owned_by(organization).filter(key=key).order_by("-version").first()
    return (latest.version + 1) if latest else 1


@transaction.atomic
def load_questionnaire(source, organization=None, *, user=None):
    """Load one questionnaire version from YAML text or bytes into ``organization`` (``None``:
    the library).

    Idempotent: the same content again changes nothing ("unchanged"). A draft may be replaced
    by new content ("updated") as long as no assessment uses it; a published or retired
    version never changes ("a change is a new version"). Returns ``(questionnaire, outcome)``
    with outcome "created", "updated", "published" (status changed from draft), "retired" or
    "unchanged". Raises ``Invalid`` with line-precise errors; nothing is saved then.
    """
    _check_writer(user, organization)
    raw = source.encode("utf-8") if isinstance(source, str) else bytes(source)
    doc = _parse(raw)
    text = raw.decode("utf-8")
    content_hash = hashlib.sha256(raw).hexdigest()
    owned = _owned_by(organization)

    existing = owned.select_for_update().filter(key=doc.key, version=doc.version).first()
    previous_version = (
        owned.filter(key=doc.key, version__lt=doc.version).order_by("-version").first()
    )
    if previous_version is None and existing is not None:
        previous_version = existing.based_on
    _check_replaces(doc, previous_version)

    if existing is not None:
        if existing.content_hash == content_hash:
            return existing, "unchanged"
        same_content = questionnaire_selectors.questionnaire_doc(existing) == replace(
            doc, status=existing.status
        )
        if same_content and existing.status == doc.status:
            return existing, "unchanged"  # the same questionnaire, written differently
        if same_content:
            return _change_status(existing, doc.status, user)
        if existing.status != Questionnaire.DRAFT:
            raise Conflict(
                f"{doc.key} v{doc.version} is {existing.status} and can never change; "
                f"publish the change as version {next_version(organization, doc.key)}."
            )
        if existing.assessments.exists():
            raise Conflict(
                f"Draft {doc.key} v{doc.version} is already used by an assessment; "
                f"load the change as version {next_version(organization, doc.key)}."
            )
        based_on = existing.based_on
        existing.delete()
        outcome = "updated"
    else:
        based_on = None
        outcome = "created"

    questionnaire = _create_version(
        organization, doc, text, based_on=based_on, user=user, previous=previous_version
    )
    audit.record_questionnaire(questionnaire, "loaded", f"{outcome} from a YAML file", actor=user)
    return questionnaire, outcome


def _change_status(questionnaire, status, user=None):
    allowed = {
        Questionnaire.DRAFT: {Questionnaire.PUBLISHED, Questionnaire.RETIRED},
        Questionnaire.PUBLISHED: {Questionnaire.RETIRED},
        Questionnaire.RETIRED: set(),
    }
    if status not in allowed[questionnaire.status]:
        raise Conflict(
            f"{questionnaire.label} is {questionnaire.status}; it cannot become {status}."
        )
    summary = ""
    if status == Questionnaire.PUBLISHED:
        summary = version_diff(questionnaire).summary()
    questionnaire.status = status
    fields = ["status"]
    if status == Questionnaire.PUBLISHED:
        questionnaire.published_at = timezone.now()
        fields.append("published_at")
    questionnaire.save(update_fields=fields)
    questionnaire_selectors.forget_questionnaire(questionnaire.id)
    audit.record_questionnaire(questionnaire, status, summary, actor=user)
    return questionnaire, status


def _check_replaces(doc, previous_version):
    errors = []
    if previous_version is None:
        for dim in doc.dimensions:
            if dim.replaces:
                errors.append(f"dimension {dim.key!r} replaces {dim.replaces!r}, but there is "
                              f"no earlier version of {doc.key}")  # fmt: skip
        for question in doc.all_questions():
            if question.replaces:
                errors.append(
                    f"question {question.key!r} replaces {question.replaces!r}, but there "
                    f"is no earlier version of {doc.key}"
                )
        if errors:
            raise Invalid("; ".join(errors), errors=errors)
        return
    dim_keys = set(previous_version.dimensions.values_list("key", flat=True))
    # A question may continue a team or an organisation question of the previous version:
    # moving a question into the organisation section (or out of it) keeps its lineage.
    question_keys = set(_question_lineages(previous_version))
    for dim in doc.dimensions:
        if dim.replaces and dim.replaces not in dim_keys:
            errors.append(
                f"dimension {dim.key!r} replaces {dim.replaces!r}, which is not a dimension of "
                f"{previous_version.label}"
            )
    for question in doc.all_questions():
        if question.replaces and question.replaces not in question_keys:
            errors.append(
                f"question {question.key!r} replaces {question.replaces!r}, which is not a "
                f"question of {previous_version.label}"
            )
    if errors:
        raise Invalid("; ".join(errors), errors=errors)


def _question_lineages(questionnaire):
    """{question key: lineage} of a version's team and organisation questions."""
    lineages = dict(questionnaire.questions.values_list("key", "lineage"))
    lineages.update(
        OrganizationQuestion.objects.filter(section__questionnaire=questionnaire).values_list(
            "key", "lineage"
        )
    )
    return lineages


def _lineage(questionnaire, previous, replaces, key):
    """The identity an item keeps across versions: its predecessor's when it replaces one,
    else a new one. New items of an organisation's version carry the organisation in their
    lineage, so that they never meet the library's or another organisation's items."""
    if replaces and previous is not None and replaces in previous:
        return previous[replaces]
    owner = f"o{questionnaire.organization_id}." if questionnaire.organization_id else ""
    if questionnaire.version == 1 and not owner:
        return key
    return f"{key}@{owner}v{questionnaire.version}"


def _create_items(questionnaire, doc, previous_version, lineages=None):
    """Store the dimensions and questions of ``doc``. ``lineages`` (``({dim key: lineage},
    {question key: lineage})``) copies identities as they are, for an adopted copy."""
    prev_dims = prev_questions = None
    if previous_version is not None:
        prev_dims = dict(previous_version.dimensions.values_list("key", "lineage"))
        prev_questions = _question_lineages(previous_version)
    dim_lineages, question_lineages = lineages or ({}, {})
    question_position = 0
    for position, dim in enumerate(doc.dimensions):
        dimension = Dimension.objects.create(
            questionnaire=questionnaire,
            key=dim.key,
            name=dim.name,
            help=dim.help,
            weight=dim.weight,
            position=position,
            focus_areas={str(level): list(items) for level, items in dim.focus_areas.items()},
            replaces=dim.replaces or "",
            lineage=dim_lineages.get(dim.key)
            or _lineage(questionnaire, prev_dims, dim.replaces, dim.key),
        )
        questions = []
        for q in dim.questions:
            questions.append(
                Question(
                    questionnaire=questionnaire,
                    dimension=dimension,
                    key=q.key,
                    text=q.text,
                    help=q.help,
                    weight=q.weight,
                    position=question_position,
                    levels={str(level): text for level, text in q.levels.items()},
                    replaces=q.replaces or "",
                    lineage=question_lineages.get(q.key)
                    or _lineage(questionnaire, prev_questions, q.replaces, q.key),
                )
            )
            question_position += 1
        Question.objects.bulk_create(questions)
    if doc.organization is not None:
        section = OrganizationSection.objects.create(
            questionnaire=questionnaire, name=doc.organization.name, help=doc.organization.help
        )
        OrganizationQuestion.objects.bulk_create(
            OrganizationQuestion(
                section=section,
                key=q.key,
                text=q.text,
                help=q.help,
                position=position,
                levels={str(level): text for level, text in q.levels.items()},
                replaces=q.replaces or "",
                lineage=question_lineages.get(q.key)
                or _lineage(questionnaire, prev_questions, q.replaces, q.key),
            )
            for position, q in enumerate(doc.organization.questions)
        )


def _create_version(
    organization, doc, text, *, based_on=None, user=None, previous=None, lineages=None
):
    """Store ``doc`` (loaded from ``text``, the file as given) as a version of
    ``organization`` (``None``: the library), with its dimensions and questions."""
    raw = text.encode("utf-8")
    questionnaire = Questionnaire.objects.create(
        organization=organization,
        based_on=based_on,
        loaded_by=user if getattr(user, "pk", None) else None,
        key=doc.key,
        version=doc.version,
        title=doc.title,
        description=doc.description,
        status=doc.status,
        source_yaml=text,
        content_hash=hashlib.sha256(raw).hexdigest(),
        published_at=timezone.now() if doc.status != Questionnaire.DRAFT else None,
    )
    _create_items(questionnaire, doc, previous, lineages)
    questionnaire_selectors.forget_questionnaire(questionnaire.id)
    return questionnaire


def _store(questionnaire, doc):
    """Replace a draft's content with ``doc`` (the draft keeps its row and its id)."""
    text = export_questionnaire(doc)
    questionnaire.title = doc.title
    questionnaire.description = doc.description
    questionnaire.source_yaml = text
    questionnaire.content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    questionnaire.save(update_fields=["title", "description", "source_yaml", "content_hash"])
    questionnaire.questions.all().delete()
    questionnaire.dimensions.all().delete()
    OrganizationSection.objects.filter(questionnaire=questionnaire).delete()
    _create_items(questionnaire, doc, predecessor(questionnaire))
    questionnaire_selectors.forget_questionnaire(questionnaire.id)


# --- adoption, drafts and publishing --------------------------------------------------------


@transaction.atomic
def adopt_questionnaire(user, organization, library_version):
    """An organisation's own published copy of a library version: the organisation's next
    version of the key, the same content, every item's lineage kept. Returns the copy."""
    _check_writer(user, organization)
    if not library_version.is_library or library_version.status != Questionnaire.PUBLISHED:
        raise Invalid("Only published library questionnaires can be adopted.")
    version = next_version(organization, library_version.key)
    doc = replace(
        questionnaire_selectors.questionnaire_doc(library_version),
        version=version,
        status=Questionnaire.PUBLISHED,
    )
    # The lineage is copied as it is; the library's 'replaces' name the library's items, not
    # the organisation's (and a first version may have none).
    doc = _without_replaces(doc)
    text = export_questionnaire(doc)
    lineages = (
        dict(library_version.dimensions.values_list("key", "lineage")),
        _question_lineages(library_version),
    )
    copy = _create_version(
        organization, doc, text, based_on=library_version, user=user, lineages=lineages
    )
    audit.record_questionnaire(
        copy, "adopted", f"copy of library {library_version.label}", actor=user
    )
    return copy


def _without_replaces(doc):
    organization = doc.organization
    if organization is not None:
        organization = replace(
            organization,
            questions=tuple(replace(q, replaces=None) for q in organization.questions),
        )
    return replace(
        doc,
        dimensions=tuple(
            replace(
                d, replaces=None, questions=tuple(replace(q, replaces=None) for q in d.questions)
            )
            for d in doc.dimensions
        ),
        organization=organization,
    )


@transaction.atomic
def start_draft(user, organization, key):
    """The organisation's draft of ``key`` to edit: the one there is, or a new one carried over
    from its latest published version (every item ``replaces`` itself). An organisation that
    has no version of the key yet adopts the library's latest published version first."""
    _check_writer(user, organization)
    owned = _owned_by(organization).filter(key=key)
    draft = owned.filter(status=Questionnaire.DRAFT).order_by("-version").first()
    if draft is not None:
        return draft
    base = owned.filter(status=Questionnaire.PUBLISHED).order_by("-version").first()
    if base is None:
        library = questionnaire_selectors.latest_published(key, organization=None)
        if library is None:
            raise NotFound(f"There is no published questionnaire {key!r} to edit.")
        base = adopt_questionnaire(user, organization, library)
    version = next_version(organization, key)
    doc = carry_over(questionnaire_selectors.questionnaire_doc(base), version)
    text = export_questionnaire(doc)
    draft = _create_version(organization, doc, text, user=user, previous=base)
    audit.record_questionnaire(draft, "draft", f"draft started from {base.label}", actor=user)
    return draft


def _locked_draft(user, questionnaire):
    _check_writer(user, questionnaire.organization)
    if questionnaire.is_library:
        raise Conflict("Library questionnaires are read-only; adopt one to change it.")
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if locked.status != Questionnaire.DRAFT:
        raise Conflict(
            f"{locked.label} is {locked.status} and can never change; start a new draft."
        )
    return locked


@transaction.atomic
def edit_draft(user, questionnaire, op):
    """Apply one editor change (``editing.apply_edit``) to a draft and store it.
    The result is validated as a YAML file would be, ``replaces`` included; ``Invalid`` (with
    ``errors``: ``[{"field", "message"}]``) when it is not valid, and nothing changes."""
    draft = _locked_draft(user, questionnaire)
    doc = questionnaire_selectors.questionnaire_doc(draft)
    try:
        new_doc = apply_edit(doc, op)
    except EditError as exc:
        raise Invalid(
            "; ".join(e["message"] for e in exc.errors) or "The change is not valid.",
            errors=exc.errors,
        ) from None
    try:
        _check_replaces(new_doc, predecessor(draft))
    except Invalid as exc:
        field = op.get("path") if isinstance(op, dict) else None
        raise Invalid(
            exc.message, errors=[{"field": field, "message": m} for m in exc.errors]
        ) from None
    if new_doc != doc:
        _store(draft, new_doc)
    return draft, new_doc


@transaction.atomic
def publish_questionnaire(user, questionnaire):
    """Publish a draft: from now on the organisation's teams get this version when an
    assessment is opened. Recorded in the audit trail with the diff summary."""
    draft = _locked_draft(user, questionnaire)
    published, _ = _change_status(draft, Questionnaire.PUBLISHED, user)
    return published


@transaction.atomic
def discard_draft(user, questionnaire):
    """Delete a draft nobody answers (its version number is free again)."""
    draft = _locked_draft(user, questionnaire)
    if draft.assessments.exists():
        raise Conflict(f"{draft.label} is used by an assessment and cannot be discarded.")
    audit.record_questionnaire(draft, "discarded", "", actor=user)
    draft.delete()


def version_diff(questionnaire, base=None):
    """What changed from ``base`` (default: the published predecessor) to ``questionnaire``."""
    base = base if base is not None else published_predecessor(questionnaire)
    new = questionnaire_selectors.questionnaire_doc(questionnaire)
    old = (
        replace(new, dimensions=())
        if base is None
        else questionnaire_selectors.questionnaire_doc(base)
    )
    return diff_questionnaires(old, new)


@transaction.atomic
def restore_version(organization, source, status, *, based_on=None, lineages=None):
    """One of ``organization``'s versions as an organisation export holds it (the import of
    ``org_transfer``): the file, its status, the library version it was adopted from and the
    lineage of its items, restored exactly. The organisation was created by the import."""
    raw = source.encode("utf-8") if isinstance(source, str) else bytes(source)
    doc = replace(_parse(raw), status=status)
    previous = (
        _owned_by(organization)
        .filter(key=doc.key, version__lt=doc.version)
        .order_by("-version")
        .first()
    )
    questionnaire = _create_version(
        organization, doc, raw.decode("utf-8"), based_on=based_on,
        previous=previous or based_on, lineages=lineages,
    )  # fmt: skip
    return questionnaire


# --- the organisation section's answers ------------------------------------------------------

DONT_KNOW = "dont_know"
NOT_APPLICABLE = "not_applicable"
MAX_PRACTICE_COMMENT = 4000


def _check_practices_writer(user, organization):
    """The organisation's CoE analysts and admins (and superusers) answer its section; its
    team members are refused, anyone else finds no such organisation."""
    if permissions.can_analyse(user, organization):
        return
    if organization.id in permissions.member_organization_ids(user):
        raise NotAllowed("Only CoE analysts and organisation admins answer organisation practices.")
    raise NotFound("No such organisation.")


def _practice_value(key, value):
    """(level, not_applicable) of one submitted answer: a level 1-5, "dont_know" or
    "not_applicable"."""
    if value == DONT_KNOW:
        return None, False
    if value == NOT_APPLICABLE:
        return None, True
    if isinstance(value, str) and value in ("1", "2", "3", "4", "5"):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise Invalid(
            f'The answer to {key!r} must be a level from 1 to 5, "{DONT_KNOW}" or '
            f'"{NOT_APPLICABLE}", not {value!r}.',
            field=f"answers.{key}",
        )
    return value, False


@transaction.atomic
def save_organization_practices(user, organization, questionnaire, period, answers, comments=None):
    """Store the CoE's answers to ``questionnaire``'s organisation section for ``period``: the
    organisation's one set for that version and period, created on first save. ``answers``
    maps question keys to a level 1-5, "dont_know" or "not_applicable"; a question left out
    has no answer afterwards (the form sends the whole section). Everything is checked before
    anything is written; each change is recorded in the audit trail, on the organisation.
    Returns the set."""
    _check_practices_writer(user, organization)
    comments = comments or {}
    usable = questionnaire.organization_id in (None, organization.id)
    if questionnaire.status != Questionnaire.PUBLISHED or not usable:
        raise NotFound("No such questionnaire.")
    structure = questionnaire_selectors.organization_structure(questionnaire)
    if structure is None:
        raise Invalid(f"{questionnaire.label} has no organisation section.")
    try:
        quarter = parse_period(period)
    except PeriodError as exc:
        raise Invalid(str(exc), field="period") from None
    if quarter > parse_period(current_period()):
        raise Invalid(f"{period} has not started yet.", field="period")
    questions = {q.key: q for q in structure[1]}
    for mapping, field in ((answers, "answers"), (comments, "comments")):
        if not isinstance(mapping, dict):
            raise Invalid(f"{field} must be an object of question keys.", field=field)
        for key in mapping:
            if key not in questions:
                raise Invalid(
                    f"{key!r} is not an organisation question of {questionnaire.label}.",
                    field=f"{field}.{key}",
                )
    values = {key: _practice_value(key, value) for key, value in answers.items()}
    for key, comment in comments.items():
        if not isinstance(comment, str) or len(comment) > MAX_PRACTICE_COMMENT:
            raise Invalid(
                f"The comment on {key!r} must be text of at most {MAX_PRACTICE_COMMENT} "
                "characters.",
                field=f"comments.{key}",
            )

    practices, _ = OrganizationPractices.objects.select_for_update().get_or_create(
        organization=organization, questionnaire=questionnaire, period=period
    )
    existing = {a.question.key: a for a in practices.answers.select_related("question")}
    changes = {}
    for key, question in questions.items():
        before = existing.get(key)
        old = _practice_text(before)
        if key not in values:
            if before is not None:
                before.delete()
                changes[f"{period} {key}"] = [old, None]
            continue
        level, not_applicable = values[key]
        comment = comments.get(key, "").strip()
        answer = before or OrganizationPracticeAnswer(practices=practices, question=question)
        answer.level, answer.not_applicable, answer.comment = level, not_applicable, comment
        new = _practice_text(answer)
        if before is None or new != old or before.comment != comment:
            answer.save()
            changes[f"{period} {key}"] = [old, new]
    practices.updated_by = user if getattr(user, "pk", None) else None
    practices.save(update_fields=["updated_by", "updated_at"])
    if changes:
        _audit_practices(organization, questionnaire, changes, user)
    return practices


def _practice_text(answer):
    """An answer as the audit trail shows it (comment included)."""
    if answer is None:
        return None
    if answer.not_applicable:
        text = "not applicable"
    elif answer.level is None:
        text = "don't know"
    else:
        text = f"level {answer.level}"
    return f"{text}: {answer.comment}" if answer.comment else text


def _audit_practices(organization, questionnaire, changes, user):
    # Recorded on the organisation (its entries are listed for its admins as "(organisation)"),
    # one entry per save, one change per question, "<period> <question key>": [old, new].
    if auditlog_disabled.get():
        return
    extra = {"actor": user, "actor_email": user.email} if getattr(user, "pk", None) else {}
    LogEntry.objects.log_create(
        organization,
        action=LogEntry.Action.UPDATE,
        changes=changes,
        additional_data={"organization_practices": questionnaire.label},
        **extra,
    )
