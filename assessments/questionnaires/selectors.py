"""Reads of questionnaire versions: their structure (kept in process: a published version
never changes, so it is keyed by id and content hash), which version an organisation uses,
and what a person may see. Plain data, a fixed number of queries."""

from django.db.models import Q

from assessments import permissions
from assessments.levels import LEVEL_NAMES
from assessments.models import Questionnaire
from assessments.models.questionnaires import (
    OrganizationPracticeAnswer,
    OrganizationPractices,
    OrganizationQuestion,
    OrganizationSection,
)
from assessments.questionnaires.format import (
    DimensionDoc,
    OrganizationDoc,
    QuestionDoc,
    QuestionnaireDoc,
)
from vsm_site.caching import STRUCTURE_MEMO_SIZE, ProcessMemo
from vsm_site.prepared import Prepared

_structure_cache = ProcessMemo(size=STRUCTURE_MEMO_SIZE)


def forget_questionnaire(questionnaire_id):
    _structure_cache.discard(lambda key: key[0] == questionnaire_id)


def questionnaire_structure(questionnaire):
    """``[(dimension, [questions...]), ...]`` in display order (two queries, then kept).
    The team's questions only: the organisation section is ``organization_structure``."""

    def build():
        dimensions = list(questionnaire.dimensions.order_by("position"))
        by_dimension = {d.id: [] for d in dimensions}
        for question in questionnaire.questions.order_by("position"):
            by_dimension[question.dimension_id].append(question)
        return [(d, by_dimension[d.id]) for d in dimensions]

    return _structure_cache.get_or_build((questionnaire.id, questionnaire.content_hash), build)


def organization_structure(questionnaire):
    """``(section, [questions...])`` of the version's organisation section, or None when it
    has none (two queries, then kept)."""

    def build():
        section = OrganizationSection.objects.filter(questionnaire=questionnaire).first()
        if section is None:
            return None
        return section, list(OrganizationQuestion.objects.filter(section=section))

    return _structure_cache.get_or_build(
        (questionnaire.id, questionnaire.content_hash, "organization"), build
    )


def questions_by_key(questionnaire):
    return {q.key: q for _, qs in questionnaire_structure(questionnaire) for q in qs}


def _question_doc(question, **extra):
    return QuestionDoc(
        key=question.key,
        text=question.text,
        levels={int(k): v for k, v in sorted(question.levels.items())},
        help=question.help,
        replaces=question.replaces or None,
        **extra,
    )


def questionnaire_doc(questionnaire):
    """The stored version as a QuestionnaireDoc (for export and for comparing content)."""
    dims = []
    for d, qs in questionnaire_structure(questionnaire):
        dims.append(
            DimensionDoc(
                key=d.key,
                name=d.name,
                help=d.help,
                weight=d.weight,
                focus_areas={int(k): tuple(v) for k, v in sorted(d.focus_areas.items())},
                questions=tuple(_question_doc(q, weight=q.weight) for q in qs),
                replaces=d.replaces or None,
            )
        )
    organization = None
    section = organization_structure(questionnaire)
    if section is not None:
        organization = OrganizationDoc(
            name=section[0].name,
            help=section[0].help,
            # Organisation questions have no weight: they are never scored.
            questions=tuple(_question_doc(q) for q in section[1]),
        )
    return QuestionnaireDoc(
        key=questionnaire.key,
        version=questionnaire.version,
        title=questionnaire.title,
        status=questionnaire.status,
        description=questionnaire.description,
        dimensions=tuple(dims),
        organization=organization,
    )


def _published(organization, key):
    rows = Questionnaire.objects.filter(key=key, status=Questionnaire.PUBLISHED)
    if organization is None:
        return rows.filter(organization__isnull=True)
    return rows.filter(organization=organization)


def latest_published(key="vsm-maturity", organization=None):
    """The newest published version of ``key`` that ``organization`` uses: its own when it
    has one, else the library's. ``organization=None``: the library's."""
    if organization is not None:
        own = _published(organization, key).order_by("-version").first()
        if own is not None:
            return own
    return _published(None, key).order_by("-version").first()


def resolve_published(organization, key, version=None):
    """The version an assessment of a team of ``organization`` is opened on: the key is looked
    up in the organisation first, then in the library; ``version`` counts in the owner's own
    numbering. None when there is no such published version."""
    owner = organization if _published(organization, key).exists() else None
    rows = _published(owner, key)
    if version is not None:
        return rows.filter(version=version).first()
    return rows.order_by("-version").first()


def questionnaires_for(user, *, drafts=False):
    """The versions ``user`` may see and use: the library's and those of their organisations
    (any role). Drafts and retired versions of the library are listed; an organisation's
    drafts only with ``drafts`` and only for the organisations whose questionnaires the user
    manages. Never another organisation's."""

    access = permissions.access_for(user)
    rows = Questionnaire.objects.select_related("organization")
    library = Q(organization__isnull=True) & ~Q(status=Questionnaire.DRAFT)
    if access.is_superuser:
        return rows if drafts else rows.exclude(status=Questionnaire.DRAFT)
    member_orgs = permissions.member_organization_ids(user)
    visible = library | (Q(organization_id__in=member_orgs) & ~Q(status=Questionnaire.DRAFT))
    if drafts:
        visible |= Q(organization_id__in=access.org_ids)
    return rows.filter(visible)


def visible_version(user, key, version, *, drafts=False):
    """``key`` v``version`` as the user would mean it without naming an owner: their own
    organisation's (when exactly one of theirs has it), else the library's; None otherwise."""
    rows = list(questionnaires_for(user, drafts=drafts).filter(key=key, version=version))
    owned = [q for q in rows if q.organization_id is not None]
    if len(owned) == 1:
        return owned[0]
    return next((q for q in rows if q.organization_id is None), None)


def latest_usable(organization):
    """The latest published version of each key that teams of ``organization`` would get,
    with the organisation's own versions in place of the library's (one query)."""
    own, library = {}, {}
    rows = (
        Questionnaire.objects.filter(status=Questionnaire.PUBLISHED)
        .filter(Q(organization__isnull=True) | Q(organization=organization))
        .order_by("key", "-version")
    )
    for q in rows:
        (library if q.organization_id is None else own).setdefault(q.key, q)
    usable = library | own
    return [usable[key] for key in sorted(usable)]


def questionnaire_sections(user, organizations):
    """The questionnaire list page in one query: per organisation, its own versions (newest
    first per key), its open drafts by key, and the library keys it uses as they are; then the
    library's versions (drafts for superusers only)."""

    organizations = list(organizations)
    rows = list(
        Questionnaire.objects.filter(
            Q(organization__in=organizations) | Q(organization__isnull=True)
        )
        .select_related("organization", "based_on")
        .order_by("key", "-version")
    )
    superuser = permissions.access_for(user).is_superuser
    library = [
        q for q in rows
        if q.organization_id is None and (superuser or q.status != Questionnaire.DRAFT)
    ]  # fmt: skip
    library_keys = sorted({q.key for q in library if q.status == Questionnaire.PUBLISHED})
    sections = []
    for organization in organizations:
        own = [q for q in rows if q.organization_id == organization.id]
        own_keys = sorted({q.key for q in own})
        sections.append(
            {
                "organization": organization,
                "versions": own,
                "own_keys": own_keys,
                "drafts": {q.key: q for q in own if q.status == Questionnaire.DRAFT},
                "library_keys": [k for k in library_keys if k not in own_keys],
            }
        )
    return {"organizations": sections, "library": library}


# --- the organisation section's answers ------------------------------------------------------


def practices_questionnaire(organization, key="vsm-maturity"):
    """The version whose organisation section the CoE answers: the one the organisation's
    teams get for ``key`` (its own latest published, else the library's), when it has a
    section; else None."""
    questionnaire = resolve_published(organization, key)
    if questionnaire is None or organization_structure(questionnaire) is None:
        return None
    return questionnaire


def practices_answers(organization, questionnaire, period):
    """``{question key: answer}`` of the organisation's set for the version and period (one
    query; empty when nothing is saved)."""
    rows = _practice_answers(organization.id, questionnaire.id, period)
    return {answer.question.key: answer for answer in rows}


# Every result page view reads these two (organization_practices): SQL built once.
_practice_answers = Prepared(
    lambda organization_id, questionnaire_id, period: OrganizationPracticeAnswer.objects.filter(
        practices__organization_id=organization_id,
        practices__questionnaire_id=questionnaire_id,
        practices__period=period,
    ).select_related("question"),
    int,
    int,
    str,
)
_newest_practices = Prepared(
    lambda organization_id, period: (
        OrganizationPractices.objects.filter(organization_id=organization_id, period=period)
        .select_related("questionnaire", "updated_by")
        .order_by("-questionnaire__published_at", "-questionnaire__version")[:1]
    ),
    int,
    str,
)


def organization_practices(organization, period, key="vsm-maturity"):
    """What a team's result page shows as "Organisation practices this period": the CoE's
    answers for ``period`` (the set of the newest version answered for it), as plain data.
    None when there is nothing to show: no set for the period and no version with an
    organisation section in use (an organisation on version 1 sees nothing). Otherwise::

        {"period", "name", "questionnaire" (label), "updated_at", "updated_by" (username),
         "answered", "total",
         "rows": [{"key", "text", "answer": "level" | "dont_know" | "not_applicable" | None,
                   "level", "level_name", "statement", "comment"}]}

    with "rows" empty when the CoE has not answered for the period yet. Three queries at most
    after the section's structure is kept."""
    newest = _newest_practices(organization.id, period)
    practices = newest[0] if newest else None
    questionnaire = (
        practices.questionnaire if practices else practices_questionnaire(organization, key)
    )
    if questionnaire is None:
        return None
    section, questions = organization_structure(questionnaire)
    answers = practices_answers(organization, questionnaire, period) if practices else {}
    rows = []
    for question in questions:
        answer = answers.get(question.key)
        level = answer.level if answer else None
        if answer is None:
            kind = None
        elif answer.not_applicable:
            kind = "not_applicable"
        elif level is None:
            kind = "dont_know"
        else:
            kind = "level"
        rows.append(
            {
                "key": question.key,
                "text": question.text,
                "answer": kind,
                "level": level,
                "level_name": LEVEL_NAMES.get(level, ""),
                "statement": question.levels.get(str(level), "") if level else "",
                "comment": answer.comment if answer else "",
            }
        )
    answered = sum(1 for row in rows if row["answer"] is not None)
    return {
        "period": period,
        "name": section.name,
        "questionnaire": questionnaire.label,
        "updated_at": practices.updated_at if practices else None,
        "updated_by": practices.updated_by.username if practices and practices.updated_by else "",
        "answered": answered,
        "total": len(rows),
        "rows": rows if answered else [],
    }
