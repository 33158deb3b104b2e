"""Reads: plain data for views, the API, tasks and services, built with a fixed number of
queries. Published questionnaire versions never change, so their structure is cached in
process (keyed by id and content hash)."""

from dataclasses import asdict

from django.db.models import Count, Q, Subquery

from . import scoring
from .models import Answer, Assessment, Question, Questionnaire, Response, Result
from .questionnaire_format import DimensionDoc, QuestionDoc, QuestionnaireDoc

_structure_cache = {}


def forget_questionnaire(questionnaire_id):
    for key in [k for k in _structure_cache if k[0] == questionnaire_id]:
        del _structure_cache[key]


def questionnaire_structure(questionnaire):
    """``[(dimension, [questions...]), ...]`` in display order (two queries, then cached)."""
    cache_key = (questionnaire.id, questionnaire.content_hash)
    cached = _structure_cache.get(cache_key)
    if cached is not None:
        return cached
    dimensions = list(questionnaire.dimensions.order_by("position"))
    by_dimension = {d.id: [] for d in dimensions}
    for question in questionnaire.questions.order_by("position"):
        by_dimension[question.dimension_id].append(question)
    structure = [(d, by_dimension[d.id]) for d in dimensions]
    _structure_cache[cache_key] = structure
    return structure


def questions_by_key(questionnaire):
    return {q.key: q for _, qs in questionnaire_structure(questionnaire) for q in qs}


def scoring_specs(questionnaire):
    structure = questionnaire_structure(questionnaire)
    dims = [
        scoring.DimensionSpec(d.key, d.name, d.weight, tuple(q.key for q in qs))
        for d, qs in structure
    ]
    questions = [scoring.QuestionSpec(q.key, d.key, q.weight) for d, qs in structure for q in qs]
    return dims, questions


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
    from . import permissions

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


def submitted_answer_sets(assessment):
    """One ``{question_key: level or None}`` per submitted response (one query)."""
    sets = {}
    rows = Answer.objects.filter(
        response__assessment=assessment, response__status=Response.SUBMITTED
    ).values_list("response_id", "question__key", "level")
    for response_id, key, level in rows:
        sets.setdefault(response_id, {})[key] = level
    # A submitted response always has every question answered (submit_response checks it).
    return [sets[k] for k in sorted(sets)]


def team_score_to_data(team_score, lineages, targets):
    """The JSON stored on a Result: everything the results page, history and roadmap read."""
    dimensions = []
    for key, dim in team_score.dimensions.items():
        row = asdict(dim)
        row["disagreeing_questions"] = list(dim.disagreeing_questions)
        row["lineage"] = lineages.get(key, key)
        row["target_set"] = key in targets
        row["target"] = targets.get(key) or (min(dim.level + 1, 5) if dim.level else None)
        dimensions.append(row)
    questions = []
    for key, stats in team_score.questions.items():
        row = asdict(stats)
        row["distribution"] = {str(k): v for k, v in stats.distribution.items()}
        row["key"] = key
        questions.append(row)
    return {
        "dimensions": dimensions,
        "questions": questions,
        "weakest_dimension": team_score.weakest_dimension,
    }


def _previous_assessments(assessment):
    return Assessment.objects.filter(
        team_id=assessment.team_id,
        questionnaire_key=assessment.questionnaire_key,
        status=Assessment.CLOSED,
        period__lt=assessment.period,
    ).order_by("-period")


def previous_assessment(assessment):
    """The team's latest closed assessment on the same questionnaire key before this one."""
    return _previous_assessments(assessment).select_related("questionnaire").first()


def previous_result(result):
    return (
        Result.objects.filter(
            team_id=result.team_id,
            questionnaire_key=result.questionnaire_key,
            period__lt=result.period,
        )
        .order_by("-period")
        .first()
    )


def previous_answers(user, assessment):
    """The user's answers to the previous assessment, keyed by *this* version's question keys
    (matched by lineage, so reworded questions carry over and new ones do not)."""
    previous_id = _previous_assessments(assessment).values("id")[:1]
    rows = Answer.objects.filter(
        response__assessment_id=Subquery(previous_id), response__respondent=user
    ).values_list("question__lineage", "level", "comment")  # one query
    by_lineage = {lineage: {"level": level, "comment": comment} for lineage, level, comment in rows}
    result = {}
    for question in questions_by_key(assessment.questionnaire).values():
        if question.lineage in by_lineage:
            result[question.key] = by_lineage[question.lineage]
    return result


def response_progress(assessment):
    """Who has submitted: ``[(user, status, answered)]`` for every team member (one query)."""
    from .models import Membership

    members = list(
        Membership.objects.filter(team_id=assessment.team_id)
        .select_related("user")
        .order_by("user__username")
    )
    responses = {
        r.respondent_id: r
        for r in Response.objects.filter(assessment=assessment).annotate(answered=Count("answers"))
    }
    rows = []
    for m in members:
        response = responses.get(m.user_id)
        rows.append(
            {
                "user": m.user,
                "role": m.role,
                "status": response.status if response else "not started",
                "answered": response.answered if response else 0,
                "submitted_at": response.submitted_at if response else None,
            }
        )
    return rows


def assessment_counts(assessment_ids):
    """Submitted and total responses per assessment id (one query)."""
    rows = (
        Response.objects.filter(assessment_id__in=assessment_ids)
        .values("assessment_id")
        .annotate(
            submitted=Count("id", filter=Q(status=Response.SUBMITTED)),
            started=Count("id"),
        )
    )
    return {r["assessment_id"]: r for r in rows}


def question_lookup(questionnaire):
    """``{question_key: Question}`` including dimension, for rendering result tables."""
    return {q.key: q for q in Question.objects.filter(questionnaire=questionnaire)}


def questionnaire_sections(user, organizations):
    """The questionnaire list page in one query: per organisation, its own versions (newest
    first per key), its open drafts by key, and the library keys it uses as they are; then the
    library's versions (drafts for superusers only)."""
    from . import permissions

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
