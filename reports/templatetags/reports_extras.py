from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments.levels import score_text
from assessments.maturity import scoring
from reports.coe import heatmap

register = template.Library()


@register.filter
def score(value, places=2):
    """A maturity score as it is printed beside its level (``assessments.levels.score_text``:
    cut, not rounded, so it never reads as another level); "—" when there is none."""
    return score_text(value, int(places))


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def tier_badge(tier):
    return mark_safe(heatmap.tier_badge(tier))  # noqa: S308 - fixed markup, tier a fixed key


@register.filter
def dimension_cells(cells):
    """The cells of one dimension's row in the history table: score, level colour, change."""
    out = []
    for c in cells:
        level = c["level"] if c["level"] else "none"
        out.append(f'<td class="small text-center level-{level}">{escape(c["text"])}')
        if c["delta"]:
            out.append(
                f'<span class="visually-hidden"> change {c["delta"]}</span>'
                f'<span aria-hidden="true">{c["arrow"]}</span>'
            )
        out.append("</td>")
    return mark_safe("".join(out))  # noqa: S308 - numbers and escaped text only


@register.filter
def question_stat_rows(row):
    """The per-question rows of one dimension on the result page: text, the disagreement flag,
    mean, answers per level and "don't know" (about fifty questions: built here, not in a
    template loop)."""
    disagreeing = set(row.get("disagreeing_questions") or ())
    rules_v1_flag = "Levels differ by 2 or more"
    flag_title = (
        rules_v1_flag
        if "at_or_above" not in row
        else ("A quarter of respondents answered 3 or more levels below another quarter")
    )
    out = []
    for item in row["questions"]:
        question, stats = item["question"], item["stats"] or {}
        flag = ""
        if question.key in disagreeing:
            flag = (
                f' <span class="text-warning-emphasis" title="{flag_title}">⚑</span>'
                f'<span class="visually-hidden"> (respondents disagree)</span>'
            )
        mean = stats.get("mean")
        spans = "".join(
            f'<span class="me-2"><span class="text-muted">{escape(level)}:</span>{escape(n)}</span>'
            for level, n in (stats.get("distribution") or {}).items()
        )
        out.append(
            f"<tr><td>{escape(question.text)}{flag}</td>"
            f"<td>{score_text(mean, 1)}</td>"
            f'<td class="text-nowrap">{spans}</td>'
            f"<td>{escape(stats.get('dont_know', ''))}</td>"
            f"<td>{escape(stats.get('not_applicable', 0))}</td></tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - texts escaped above


@register.filter
def level_of(score):
    return scoring.level_for_score(score) if score is not None else None
