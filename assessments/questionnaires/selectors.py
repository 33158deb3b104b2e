"""Reads of questionnaire versions: their structure (kept in process: a published version
never changes, so it is keyed by id and content hash), which version an organisation uses,
and what a person may see. Plain data, a fixed number of queries."""

from django.db.models import Q

from assessments import permissions
from assessments.models import Questionnaire
from assessments.questionnaires.format import DimensionDoc, QuestionDoc, QuestionnaireDoc
from vsm_site.caching import STRUCTURE_MEMO_SIZE, ProcessMemo

_structure_cache = ProcessMemo(size=STRUCTURE_MEMO_SIZE)


def forget_questionnaire(questionnaire_id):
    _structure_cache.discard(lambda key: key[0] == questionnaire_id)


def questionnaire_structure(questionnaire):
    """``[(dimension, [questions...]), ...]`` in display order (two queries, then kept)."""

    def build():
        dimensions = list(questionnaire.dimensions.order_by("position"))
        by_dimension = {d.id: [] for d in dimensions}
        for question in questionnaire.questions.order_by("position"):
            by_dimension[question.dimension_id].append(question)
        return [(d, by_dimension[d.id]) for d in dimensions]

    return _structure_cache.get_or_build((questionnaire.id, questionnaire.content_hash), build)


def questions_by_key(questionnaire):
    return {q.key: q for _, qs in questionnaire_structure(questionnaire) for q in qs}


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
                questions=tuple(
                    QuestionDoc(
                        key=q.key,
                        text=q.text,
                        levels={int(k): v for k, v in sorted(q.levels.items())},
                        help=q.help,
                        weight=q.weight,
                        replaces=q.replaces or None,
                    )
                    for q in qs
                ),
                replaces=d.replaces or None,
            )
        )
    return QuestionnaireDoc(
        key=questionnaire.key,
        version=questionnaire.version,
        title=questionnaire.title,
        status=questionnaire.status,
        description=questionnaire.description,
        dimensions=tuple(dims),
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
