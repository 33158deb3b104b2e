"""CSV and XLSX exports (tablib) of the comparison table and of raw answers.

Spreadsheet formula injection is neutralised in one place, ``safe_cell``: a text cell that
starts with =, +, -, @ (or a tab or carriage return, which some spreadsheets strip before
reading a formula) gets a leading apostrophe, so it is shown as text and never evaluated.
Numbers stay numbers."""

import tablib

from assessments import permissions
from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.models import Answer, Assessment, Response, Result
from assessments.permissions import may_see_candid_detail
from reports.coe import progress
from reports.coe.comparison import dora_2025

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _dataset(headers, rows, title):
    data = tablib.Dataset(headers=[safe_cell(h) for h in headers], title=title[:31])
    for row in rows:
        data.append([safe_cell(v) for v in row])
    return data


def comparison_table(comparison, segment=None):
    """One row per team: group, period of its result, overall, dimensions, DORA, flow.

    DORA, measured (events, else entry): the tiers against the comparison's benchmark, headed
    with its year, and the 2025 overall, throughput and stability scores (0-10) with their band
    against ``segment`` (default: the organisation's), cited as DORA publishes them."""
    segment = segment or dora_services.resolve_segment(None, comparison.organization)
    tier_set = _benchmark_label(comparison.benchmark)
    headers = ["Team", "Group", "Period", "Questionnaire", "Overall score", "Overall level",
               "Previous overall score", "Change", "Respondents", "Low confidence",
               "Overall incomplete",
               "Reviewed"]  # fmt: skip
    headers += [name for _, name in comparison.columns]
    headers += ["DORA period"]
    headers += [f"DORA {tier_set} tier: {comparison.benchmark.metric_label(m)}"
                for m in dora.METRICS]  # fmt: skip
    headers += [f"DORA {tier_set} overall tier", "Benchmark", "Self-assessed differs"]
    for _key, label in progress.DORA_ASPECTS:
        headers += [f"DORA 2025 {label.lower()} score", f"DORA 2025 {label.lower()} band"]
    headers += ["DORA 2025 compared with", "Flow efficiency (%)", "Bottleneck stage"]
    kind = quickcheck.SEGMENT_KIND_LABELS[segment.kind]
    compared_with = f"{kind}: {segment.label} ({quickcheck.CITATION})"
    rows = []
    for row in comparison.rows:
        r = row.result
        measured = row.dora_measured or {}
        flow = row.flow or {}
        scored = dora_2025(row.dora_measured, segment)
        figures_2025 = []
        for key, _label in progress.DORA_ASPECTS:
            compared = scored["comparison"].get(key) if scored else None
            figures_2025 += [
                round(compared.score, 2) if compared else None,
                compared.band_label if compared else "",
            ]
        rows.append(
            [
                row.team.name,
                row.team.group.name if row.team.group else "",
                r.period if r else "",
                f"{r.questionnaire.key} v{r.questionnaire.version}" if r else "",
                r.overall_score if r else None,
                r.overall_level if r else None,
                row.previous.overall_score if row.previous else None,
                row.change,
                r.respondents if r else None,
                ("yes" if r.low_confidence else "no") if r else "",
                ("yes" if row.overall_incomplete else "no") if r else "",
                ("yes" if r.reviewed_at else "no") if r else "",
                *[row.dimensions.get(lineage) for lineage, _ in comparison.columns],
                measured.get("period") or "",
                *[(measured.get("tiers") or {}).get(m) or "" for m in dora.METRICS],
                measured.get("overall") or "",
                comparison.benchmark.key,
                "yes" if row.dora_gaps else "no",
                *figures_2025,
                compared_with if scored else "",
                flow.get("flow_efficiency"),
                flow.get("bottleneck") or "",
            ]
        )
    return _dataset(headers, rows, "Comparison")


def _benchmark_label(benchmark):
    """How a tier column names its set: the report year, else the set's name."""
    return str(benchmark.year) if benchmark.year else benchmark.name


def answers_table(viewer, organization, period=None, group=None):
    """One row per respondent and question of the submitted responses of the scope's closed
    assessments (the period, or every one); open assessments are not results yet and are left
    out. Respondents are pseudonymous (R1, R2, ... per assessment) except for organisation
    admins. The answers of a result ``viewer`` may not see in detail (``may_see_candid_detail``:
    low-confidence results, for anyone but organisation admins) are left out too; each such
    result gets one row first, with its team, period and questionnaire and the reason in the
    last column ("Note"), so that a reader knows what is missing and why."""
    named = permissions.can_administer(viewer, organization)
    answers = Answer.objects.filter(
        response__status=Response.SUBMITTED,
        response__assessment__status=Assessment.CLOSED,
        response__assessment__team__organization=organization,
    )
    left_out = Result.objects.none()
    if not may_see_candid_detail(viewer, organization, low_confidence=True):
        answers = answers.filter(response__assessment__result__low_confidence=False)
        left_out = Result.objects.filter(team__organization=organization, low_confidence=True)
    if group is not None:
        answers = answers.filter(response__assessment__team__group=group)
        left_out = left_out.filter(team__group=group)
    if period:
        answers = answers.filter(response__assessment__period=period)
        left_out = left_out.filter(period=period)
    rows = [
        [team, period_, f"{key} v{version}", "", "", "", "", "", "", "", _left_out_note(n)]
        for team, period_, key, version, n in left_out.order_by(
            "team__name", "period", "questionnaire_key", "questionnaire__version"
        ).values_list(
            "team__name", "period", "questionnaire_key", "questionnaire__version", "respondents"
        )
    ]
    answers = answers.order_by(
        "response__assessment__team__name", "response__assessment__period", "response_id",
        "question__position",
    ).values_list(
        "response__assessment__team__name", "response__assessment__period",
        "response__assessment__questionnaire__key",
        "response__assessment__questionnaire__version", "response_id",
        "response__respondent__username", "question__dimension__name", "question__key",
        "question__text", "level", "not_applicable", "comment", "evidence_url",
    )  # fmt: skip
    pseudonyms = {}
    for (team, period_, key, version, response_id, username, dimension, qkey, text, level,
         not_applicable, comment, evidence) in answers.iterator(chunk_size=2000):  # fmt: skip
        if named:
            respondent = username
        else:
            numbers = pseudonyms.setdefault((team, period_), {})
            respondent = f"R{numbers.setdefault(response_id, len(numbers) + 1)}"
        if not_applicable:
            level = "not applicable"
        elif level is None:
            level = "don't know"
        rows.append([team, period_, f"{key} v{version}", respondent, dimension, qkey, text,
                     level, comment, evidence, ""])  # fmt: skip
    headers = ["Team", "Period", "Questionnaire", "Respondent", "Dimension", "Question key",
               "Question", "Level", "Comment", "Evidence", "Note"]  # fmt: skip
    return _dataset(headers, rows, "Answers")


def _left_out_note(respondents):
    people = f"{respondents} respondent{'' if respondents == 1 else 's'}"
    return (
        f"Left out: low confidence ({people}, fewer than the organisation's threshold), "
        "so an answer could identify its author."
    )


def render(dataset, fmt):
    if fmt == "csv":
        return dataset.export("csv").encode("utf-8-sig"), CONTENT_TYPES["csv"]
    return dataset.export("xlsx"), CONTENT_TYPES["xlsx"]
