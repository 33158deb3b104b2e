"""What a team's result page (and later its PDF) shows: the frozen result, the change since the
previous result of the same questionnaire key (matched by lineage across versions), the radar
chart, per-question statistics and comments, and individual answers for those allowed.

Candour: ``may_see_candid_detail`` is the one rule for what could identify a respondent of a
result (comments, the spread of answers, answer rows in the export); the result page, the
roadmap PDF and the answers export all ask it."""

from assessments import permissions
from assessments.levels import LEVEL_DESCRIPTIONS, LEVEL_NAMES, score_text
from assessments.maturity import scoring, selectors
from assessments.models import Answer, Response
from assessments.questionnaires import selectors as questionnaire_selectors
from vsm_site import charts


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
        f"{row['name']}: " + ("no score" if row["score"] is None else score_text(row["score"]))
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
        value_format=lambda value: score_text(value, 1),  # never reads as another level
    )


def comments_hidden_note(organization):
    """The one sentence shown where comments of a low-confidence result are hidden."""
    threshold = organization.low_confidence_threshold
    return (
        f"Comments are hidden: fewer than {threshold} people answered, so a comment could "
        "identify its author."
    )


def result_comments(result):
    """(dimension name, question text, comment, evidence URL) of every answer of the result's
    submitted responses that has a comment or an evidence link (or both), in questionnaire
    order; never names. Ask ``may_see_candid_detail`` first."""
    return list(
        Answer.objects.filter(
            response__assessment_id=result.assessment_id,
            response__status=Response.SUBMITTED,
        )
        .exclude(comment="", evidence_url="")
        .order_by("question__position", "id")
        .values_list("question__dimension__name", "question__text", "comment", "evidence_url")
    )


def dimension_presentation(row, level_of_candour, threshold):
    """What the result page and the PDF show of one dimension beyond its score: whether its
    spread is hidden and why, the shares of answers at or above levels 3-5 and the "don't
    know" share with its warning (scoring rules v2; a rules-v1 result has neither)."""
    hidden = permissions.dimension_spread_hidden(level_of_candour, row, threshold)
    reason = ""
    if hidden:
        scored = row.get("respondents_scored")
        if level_of_candour == permissions.CANDOUR_NONE:
            reason = (
                f"Hidden: fewer than {threshold} people answered this assessment, so the spread "
                "could identify them."
            )
        else:
            reason = (
                f"Hidden: {scored} {'person' if scored == 1 else 'people'} scored this "
                f"dimension, fewer than {threshold}, so the spread could identify them."
            )
    shares = row.get("at_or_above") or {}
    dont_know_share = row.get("dont_know_share")
    return {
        "spread_hidden": hidden,
        "hidden_reason": reason,
        "shares": [
            {"level": int(level), "percent": int(share * 100)}
            for level, share in sorted(shares.items())
            if int(level) >= 3
        ]
        if not hidden
        else [],
        "dont_know_percent": None if dont_know_share is None else int(dont_know_share * 100),
        "dont_know_warning": bool(row.get("dont_know_warning")),
        "not_applicable": row.get("applicable") is False,
    }


def overall_presentation(result):
    """The overall figure's status: ``incomplete`` (rules v2: too little of the weight scored)
    with the coverage in whole percent."""
    coverage = result.data.get("coverage")
    return {
        "incomplete": bool(result.data.get("overall_incomplete")),
        "coverage_percent": None if coverage is None else int(coverage * 100),
        "min_coverage_percent": int(scoring.OVERALL_MIN_COVERAGE * 100),
    }


def result_page_context(result, *, candour):
    """The result page's content. ``candour``: ``permissions.candour`` for the viewer, the only
    thing about the viewer this content depends on, so that it can be kept per result, data
    version and ``candour`` (reports.results.views.result_page)."""
    candid = candour != permissions.CANDOUR_NONE
    threshold = permissions.confidence_threshold(result)
    previous = selectors.previous_result(result)
    deltas = compare_with_previous(result, previous)
    questions = {
        q.key: (d, q)
        for d, qs in questionnaire_selectors.questionnaire_structure(result.questionnaire)
        for q in qs
    }
    question_stats = {row["key"]: row for row in result.data.get("questions", [])}
    dimension_rows = []
    for row in result.data["dimensions"]:
        dimension_rows.append(
            {
                **row,
                **dimension_presentation(row, candour, threshold),
                "level_name": LEVEL_NAMES.get(row["level"]),
                "change": deltas.get(row["key"]),
                "questions": [
                    {"question": q, "stats": question_stats.get(q.key)}
                    for d, q in questions.values()
                    if d.key == row["key"]
                ],
            }
        )
    overall_change = None
    if previous is not None and previous.overall_score is not None and result.overall_score:
        overall_change = round(result.overall_score - previous.overall_score, 2)
    return {
        "result": result,
        "team": result.team,
        "assessment": result.assessment,
        "previous": previous,
        "overall_change": overall_change,
        "level_name": LEVEL_NAMES.get(result.overall_level),
        "level_description": LEVEL_DESCRIPTIONS.get(result.overall_level),
        "dimension_rows": dimension_rows,
        "radar": radar_for(result, previous, deltas),
        "comments": result_comments(result) if candid else [],
        "comments_hidden": "" if candid else comments_hidden_note(result.team.organization),
        "weakest": next(
            (r for r in dimension_rows if r["key"] == result.data.get("weakest_dimension")), None
        ),
        "level_names": LEVEL_NAMES,
        # With few respondents the range and its explanation would reveal individuals; each
        # dimension says for itself (``spread_hidden``), this is the result as a whole.
        "show_spread": candid,
        "overall": overall_presentation(result),
        "threshold": threshold,
        "rules_v1": result.scoring_rules_version < 2,
        "dont_know_warning_percent": int(scoring.DONT_KNOW_WARNING_SHARE * 100),
    }


def individual_answers(result):
    """Respondent x question levels, for organisation admins only (asked by the caller)."""
    questions = questionnaire_selectors.questions_by_key(result.questionnaire)
    rows = Answer.objects.filter(
        response__assessment_id=result.assessment_id, response__status=Response.SUBMITTED
    ).values_list("response__respondent__username", "question__key", "level", "not_applicable")
    by_user = {}
    for username, key, level, not_applicable in rows:
        by_user.setdefault(username, {})[key] = "n/a" if not_applicable else level
    keys = list(questions)
    return {
        "question_keys": keys,
        "rows": [
            (username, [answers.get(k, "") for k in keys])
            for username, answers in sorted(by_user.items())
        ],
    }
