"""Plain-data shapes of assessments, responses and results, shared by the API and the
pages so that both say the same thing."""

from assessments import permissions
from assessments.levels import LEVEL_NAMES
from assessments.maturity import selectors
from assessments.maturity.scoring import NOT_APPLICABLE
from assessments.questionnaires import selectors as questionnaire_selectors


def assessment_json(assessment):
    counts = selectors.assessment_counts([assessment.id]).get(assessment.id, {})
    return {
        "id": assessment.id,
        "team": assessment.team_id,
        "questionnaire": assessment.questionnaire.key,
        "version": assessment.questionnaire.version,
        "period": assessment.period,
        "status": assessment.status,
        "due_date": assessment.due_date,
        "opened_at": assessment.opened_at,
        "closed_at": assessment.closed_at,
        "responses_submitted": counts.get("submitted", 0),
        "responses_started": counts.get("started", 0),
        "targets": dict(assessment.targets.values_list("dimension__key", "level")),
    }


def my_response_json(assessment, response):
    total = len(questionnaire_selectors.questions_by_key(assessment.questionnaire))
    if response is None:
        return {
            "status": "not started",
            "answered": 0,
            "total": total,
            "answers": {},
            "comments": {},
            "evidence": {},
            "submitted_at": None,
            "dora": {},
        }
    rows = list(response.answers.select_related("question").order_by("question__position"))
    return {
        "status": response.status,
        "answered": len(rows),
        "total": total,
        "answers": {a.question.key: NOT_APPLICABLE if a.not_applicable else a.level for a in rows},
        "comments": {a.question.key: a.comment for a in rows if a.comment},
        "evidence": {a.question.key: a.evidence_url for a in rows if a.evidence_url},
        "submitted_at": response.submitted_at,
        "dora": dora_answers_json(response),
    }


def dora_answers_json(response):
    dora = getattr(response, "dora", None) if response is not None else None
    if dora is None:
        return {}
    values = {
        "deployment_frequency": dora.deployment_frequency or None,
        "lead_time": dora.lead_time or None,
        "time_to_restore": dora.time_to_restore or None,
        "change_failure_rate": dora.change_failure_rate,
        "rework_rate": dora.rework_rate,
    }
    return {k: v for k, v in values.items() if v is not None}


def result_json(result, *, candour):
    """``candour``: ``permissions.candour`` for the caller. Where it hides a dimension's spread
    (``permissions.dimension_spread_hidden``) the lowest and highest respondent score, the
    shares per level and the disagreement mark are withheld: they would reveal individuals."""
    threshold = permissions.confidence_threshold(result)
    hidden = {
        d["key"]: permissions.dimension_spread_hidden(candour, d, threshold)
        for d in result.data["dimensions"]
    }
    return {
        "assessment": result.assessment_id,
        "team": result.team_id,
        "period": result.period,
        "questionnaire": result.questionnaire_key,
        "version": result.questionnaire.version,
        "overall_score": result.overall_score,
        "overall_level": result.overall_level,
        "overall_level_name": LEVEL_NAMES.get(result.overall_level),
        "respondents": result.respondents,
        "low_confidence": result.low_confidence,
        "scoring_rules_version": result.scoring_rules_version,
        "weakest_dimension": result.data.get("weakest_dimension"),
        "coverage": result.data.get("coverage"),
        "overall_incomplete": bool(result.data.get("overall_incomplete")),
        "dimensions": [
            {
                "key": d["key"],
                "name": d["name"],
                "score": d["score"],
                "level": d["level"],
                "level_name": LEVEL_NAMES.get(d["level"]),
                "min": None if hidden[d["key"]] else d["min"],
                "max": None if hidden[d["key"]] else d["max"],
                "disagreement": None if hidden[d["key"]] else d["disagreement"],
                "insufficient": d["insufficient"],
                "target": d.get("target"),
                "respondents_scored": d.get("respondents_scored"),
                "spread_hidden": hidden[d["key"]],
                "applicable": d.get("applicable", True),
                "at_or_above": None if hidden[d["key"]] else d.get("at_or_above"),
                "dont_know_share": d.get("dont_know_share"),
                "dont_know_warning": bool(d.get("dont_know_warning")),
            }
            for d in result.data["dimensions"]
        ],
    }
