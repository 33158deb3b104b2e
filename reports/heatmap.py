"""The CoE heatmap's table body, built in Python: with hundreds of teams times a dozen columns
the template engine spent most of the page's time on these cells (profiled with cProfile on the
500-team benchmark), so this hot path formats them directly, escaping every text."""

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments import scoring

from .numbers import fixed

TIER_TEXT = {"elite": "★ Elite", "high": "▲ High", "medium": "● Medium", "low": "▼ Low"}


def _score_cell(score, url, title):
    """``url`` comes from reverse() and ``title`` is already escaped (once per column): cells
    are plain f-strings of numbers, the hot path of the page."""
    if score is None:
        return '<td class="text-center small level-none">—</td>'
    level = scoring.level_for_score(score)
    return (
        f'<td class="text-center small level-{level}"><a class="link-dark" href="{url}" '
        f'title="{title}: level {level}">{fixed(score, 1)}</a></td>'
    )


def _change(change):
    if change is None:
        return "—"
    if change > 0:
        return f'<span class="delta-up">▲ +{fixed(change, 2)}</span>'
    if change < 0:
        return f'<span class="delta-down">▼ {fixed(change, 2)}</span>'
    return "● 0"


def tier_badge(tier):
    """A DORA tier as a badge, the markup of ``assessments/_tier.html`` (the heatmap and the
    history table use it many times a page: a function, not an include)."""
    if not tier:
        return '<span class="text-muted">—</span>'
    return f'<span class="tier tier-{tier}">{TIER_TEXT[tier]}</span>'  # tier: a fixed key


def render_rows(rows, columns, period):
    """The heatmap's <tr> elements. Texts (team, group, labels, notes) are escaped here; the
    rest are numbers, reverse() paths and fixed markup."""
    columns = [(lineage, escape(label)) for lineage, label in columns]
    # reverse() once per page, not twice per team: URLs are built from these patterns.
    history_pattern = reverse("team_history", args=[0]).replace("/0/", "/{}/")
    result_pattern = reverse("result_page", args=[0]).replace("/0/", "/{}/")
    parts = []
    for row in rows:
        team, result = row.team, row.result
        history_url = history_pattern.format(team.id)
        suffix = ""
        if result is not None and period and result.period != period:
            suffix = f' <span class="small text-muted">({escape(result.period)})</span>'
        cells = [
            f'<th scope="row" class="text-break-anywhere"><a href="{history_url}">'
            f"{escape(team.name)}</a>{suffix}</th>",
            f'<td class="small">{escape(team.group.name) if team.group else "—"}</td>',
        ]
        if result is not None:
            url = result_pattern.format(result.assessment_id)
            score = fixed(result.overall_score, 2)
            low = ' <span title="Low confidence">·</span>' if result.low_confidence else ""
            cells.append(
                f'<td class="text-center level-{result.overall_level or "none"}">'
                f'<a class="link-dark" href="{url}">{score}</a>{low}</td>'
            )
            cells.append(f'<td class="text-nowrap small">{_change(row.change)}</td>')
            cells.extend(
                _score_cell(row.dimensions.get(lineage), url, label) for lineage, label in columns
            )
        else:
            cells.append(
                f'<td colspan="{len(columns) + 2}" class="text-muted small">No result yet</td>'
            )
        measured = row.dora_measured or {}
        gap = ""
        if row.dora_gaps:
            gap = (
                ' <span class="text-warning-emphasis" title="Self-assessed tiers differ from '
                f'measured on {len(row.dora_gaps)} metric(s)">⚑</span>'
            )
        cells.append(f'<td class="text-nowrap">{tier_badge(measured.get("overall"))}{gap}</td>')
        flow = row.flow or {}
        if flow.get("flow_efficiency") is not None:
            cells.append(
                f'<td class="small">{flow["flow_efficiency"]:.0f}%<br><span class="text-muted">'
                f"{escape(flow.get('bottleneck') or '')}</span></td>"
            )
        else:
            cells.append('<td class="small">—</td>')
        if result is not None and result.reviewed_at:
            cells.append(
                f'<td class="small"><span title="{escape(result.review_note)}">✔ '
                f"{result.reviewed_at:%-d %b}</span></td>"
            )
        else:
            cells.append('<td class="small">—</td>')
        parts.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(parts))
