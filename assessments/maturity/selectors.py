"""Reads of assessments, answers and results: plain data for views, the API, tasks and
services, built with a fixed number of queries. Questionnaire structure: questionnaires/
selectors.py."""

from dataclasses import asdict

from django.db.models import Count, Q, Subquery

from assessments.maturity import scoring
from assessments.models import Answer, Assessment, Response, Result
from assessments.questionnaires.selectors import questionnaire_structure, questions_by_key


def scoring_specs(questionnaire):
    structure = questionnaire_structure(questionnaire)
    dims = [
        scoring.DimensionSpec(d.key, d.name, d.weight, tuple(q.key for q in qs))
        for d, qs in structure
    ]
    questions = [scoring.QuestionSpec(q.key, d.key, q.weight) for d, qs in structure for q in qs]
    return dims, questions


def submitted_answer_sets(assessment):
    """One ``{question_key: level, None ("don't know") or scoring.NOT_APPLICABLE}`` per
    submitted response (one query)."""
    sets = {}
    rows = Answer.objects.filter(
        response__assessment=assessment, response__status=Response.SUBMITTED
    ).values_list("response_id", "question__key", "level", "not_applicable")
    for response_id, key, level, not_applicable in rows:
        sets.setdefault(response_id, {})[key] = scoring.NOT_APPLICABLE if not_applicable else level
    # A submitted response always has every question answered (submit_response checks it).
    return [sets[k] for k in sorted(sets)]


def team_score_to_data(team_score, lineages, targets):
    """The JSON stored on a Result: everything the results page, history and roadmap read."""
    dimensions = []
    for key, dim in team_score.dimensions.items():
        row = asdict(dim)
        row["disagreeing_questions"] = list(dim.disagreeing_questions)
        row["at_or_above"] = {str(level): share for level, share in dim.at_or_above.items()}
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
        # Share of the applicable dimensions' weight with a score; below the rules' minimum
        # the overall is incomplete (no overall score or level), not merely lower.
        "coverage": team_score.coverage,
        "overall_incomplete": team_score.overall_incomplete,
    }


def overall_incomplete(result):
    """Is the result's overall incomplete (scoring rules v2: dimensions scored, but too little
    of the weight for an overall score)? Read from the compact columns comparisons load, not the
    full data: an overall score is missing although some dimension has one. Under rules v1
    that never happens (one scored dimension made an overall score)."""
    if result is None or result.overall_score is not None:
        return False
    return any(score is not None for score in (result.dimension_scores or {}).values())


def _previous_assessments(assessment):
    return Assessment.objects.filter(
        team_id=assessment.team_id,
        questionnaire_key=assessment.questionnaire_key,
        status=Assessment.CLOSED,
        period__lt=assessment.period,
    ).order_by("-period")


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
    ).values_list("question__lineage", "level", "not_applicable", "comment")  # one query
    by_lineage = {
        lineage: {"level": scoring.NOT_APPLICABLE if not_applicable else level, "comment": comment}
        for lineage, level, not_applicable, comment in rows
    }
    result = {}
    for question in questions_by_key(assessment.questionnaire).values():
        if question.lineage in by_lineage:
            result[question.key] = by_lineage[question.lineage]
    return result


def response_progress(assessment):
    """Who has submitted: ``[(user, status, answered)]`` for every team member (one query)."""
    from assessments.models import Membership

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


def latest_result(team):
    """The team's newest frozen result (with its questionnaire and assessment), or None."""
    return (
        Result.objects.filter(team=team)
        .select_related("questionnaire", "assessment")
        .order_by("-period")
        .first()
    )
