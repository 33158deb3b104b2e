"""What a team's result page (and later its PDF) shows: the frozen result, the change since the
previous result of the same questionnaire key (matched by lineage across versions), the radar
chart, per-question statistics and comments, and individual answers for those allowed."""

from assessments import permissions, scoring, selectors
from assessments.models import Answer, Response

from . import charts


def compare_with_previous(result, previous):
    """Per dimension of ``result``: the previous score of the same lineage, and the delta.
    Dimensions with no predecessor get ``None`` (a visible break, never a guess)."""
    if previous is None:
        return {}
    previous_by_lineage = {
        row.get("lineage", row["key"]): row for row in previous.data["dimensions"]
    }
    deltas = {}
    for row in result.data["dimensions"]:
        before = previous_by_lineage.get(row.get("lineage", row["key"]))
        if before is None or before["score"] is None or row["score"] is None:
            deltas[row["key"]] = None
        else:
            deltas[row["key"]] = {
                "previous": before["score"],
                "delta": round(row["score"] - before["score"], 2),
            }
    return deltas


def radar_for(result, previous=None, deltas=None, id_prefix=None):
    rows = result.data["dimensions"]
    axes = [row["name"] for row in rows]
    series = [charts.Series(result.period, [row["score"] for row in rows])]
    if previous is not None and deltas:
        series.append(
            charts.Series(
                previous.period,
                [(deltas.get(row["key"]) or {}).get("previous") for row in rows],
                style="dashed",
            )
        )
    series.append(charts.Series("Target", [row.get("target") for row in rows], style="dotted"))
    description = "; ".join(
        f"{row['name']}: " + ("no score" if row["score"] is None else f"{row['score']:.2f}")
        for row in rows
    )
    return charts.radar_chart(
        axes,
        series,
        title=f"{result.team.name}: maturity by dimension, {result.period}",
        description=description,
        max_value=5,
        min_value=0,
        id_prefix=id_prefix,
    )


def result_page_context(user, result, with_individual=True):
    previous = selectors.previous_result(result)
    deltas = compare_with_previous(result, previous)
    questions = {
        q.key: (d, q)
        for d, qs in selectors.questionnaire_structure(result.questionnaire)
        for q in qs
    }
    question_stats = {row["key"]: row for row in result.data.get("questions", [])}
    dimension_rows = []
    for row in result.data["dimensions"]:
        dimension_rows.append(
            {
                **row,
                "level_name": scoring.LEVEL_NAMES.get(row["level"]),
                "change": deltas.get(row["key"]),
                "questions": [
                    {"question": q, "stats": question_stats.get(q.key)}
                    for d, q in questions.values()
                    if d.key == row["key"]
                ],
            }
        )
    comments = list(
        Answer.objects.filter(
            response__assessment_id=result.assessment_id,
            response__status=Response.SUBMITTED,
        )
        .exclude(comment="")
        .select_related("question__dimension")
        .order_by("question__position", "id")
        .values_list("question__dimension__name", "question__text", "comment", "evidence_url")
    )
    individual = None
    may_see_individuals = permissions.can_administer(user, result.team.organization)
    if may_see_individuals and with_individual:
        individual = individual_answers(result)
    overall_change = None
    if previous is not None and previous.overall_score is not None and result.overall_score:
        overall_change = round(result.overall_score - previous.overall_score, 2)
    return {
        "result": result,
        "team": result.team,
        "assessment": result.assessment,
        "previous": previous,
        "overall_change": overall_change,
        "level_name": scoring.LEVEL_NAMES.get(result.overall_level),
        "level_description": scoring.LEVEL_DESCRIPTIONS.get(result.overall_level),
        "dimension_rows": dimension_rows,
        "radar": radar_for(result, previous, deltas),
        "comments": comments,
        **({"individual": individual} if with_individual else {}),
        "weakest": next(
            (r for r in dimension_rows if r["key"] == result.data.get("weakest_dimension")), None
        ),
        "level_names": scoring.LEVEL_NAMES,
        # With few respondents the range and its explanation would reveal individuals.
        "show_spread": may_see_individuals or not result.low_confidence,
    }


def individual_answers(result):
    """Respondent x question levels, for organisation admins only (asked by the caller)."""
    questions = selectors.questions_by_key(result.questionnaire)
    rows = Answer.objects.filter(
        response__assessment_id=result.assessment_id, response__status=Response.SUBMITTED
    ).values_list("response__respondent__username", "question__key", "level")
    by_user = {}
    for username, key, level in rows:
        by_user.setdefault(username, {})[key] = level
    keys = list(questions)
    return {
        "question_keys": keys,
        "rows": [
            (username, [answers.get(k, "") for k in keys])
            for username, answers in sorted(by_user.items())
        ],
    }
