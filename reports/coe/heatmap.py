"""The CoE heatmap's table body, built in Python: with hundreds of teams times a dozen columns
the template engine spent most of the page's time on these cells (profiled with cProfile on the
500-team benchmark), so this hot path formats them directly, escaping every text."""

from urllib.parse import parse_qsl, urlencode

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments.levels import score_text
from assessments.maturity import scoring
from vsm_site.numbers import fixed

TIER_TEXT = {"elite": "★ Elite", "high": "▲ High", "medium": "● Medium", "low": "▼ Low"}


def _score_cell(score, url, title, rules_version=scoring.SCORING_RULES_VERSION):
    """``url`` comes from reverse() and ``title`` is already escaped (once per column): cells
    are plain f-strings of numbers, the hot path of the page. The level is banded by the rules
    the result was scored with."""
    if score is None:
        return '<td class="text-center small level-none">—</td>'
    level = scoring.level_for_score(score, rules_version)
    return (
        f'<td class="text-center small level-{level}"><a class="link-dark" href="{url}" '
        f'title="{title}: level {level}">{score_text(score, 1)}</a></td>'
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


def band_cell(compared, short_labels):
    """A DORA 2025 score and its band (a quickcheck.Comparison, or None) as the heatmap shows
    it: the score, and the band as a chip whose text says it ("typical" for screen readers)."""
    if compared is None:
        return '<span class="text-muted">—</span>'
    hidden = "" if compared.band == "typical" else '<span class="visually-hidden"> typical</span>'
    return (
        f'{fixed(compared.score, 1)}<br><span class="coe-band coe-band-{compared.band}" '
        f'title="z = {fixed(compared.z, 2)}">{short_labels[compared.band]}{hidden}</span>'
    )  # band: a fixed key; numbers only


COMPACT_CHARS = 7  # a compact dimension header: at most this many characters and a full stop


def compact_label(name):
    """A short header for a dimension column: its first word, cut to COMPACT_CHARS with a
    full stop ("Development practices" -> "Develop."). The full name goes in the header's
    title and, for screen readers, in visually hidden text."""
    words = name.split()
    first = words[0].rstrip(",;:") if words else name
    if len(first) > COMPACT_CHARS:
        return first[:COMPACT_CHARS].rstrip("-") + "."
    return first


# (sort key, full name, compact header) of the fixed columns; dimensions sit between
# "change" and "dora"; None: not sortable.
_LEADING = [
    ("team", "Team", "Team"),
    ("group", "Group", "Group"),
    ("overall", "Overall score", "Overall"),
    ("change", "Change", "Change"),
]
_TRAILING = [("dora", "DORA tier (measured)", "DORA"), ("flow", "Flow efficiency", "Flow"),
             (None, "Reviewed", "Rev.")]  # fmt: skip


def render_header(columns, sort, direction, querystring, dora_name=None):
    """The heatmap's header row: sortable columns are links that toggle the direction, the
    sorted one carries aria-sort (its arrow is for the eye only). Compact headers keep the
    table within a 1280 px screen; their full names are in ``title`` and in the accessible
    name. ``dora_name``: the DORA column's full name when it is not the measured tier."""
    params = dict(parse_qsl(querystring))
    params.pop("page", None)  # a new order starts on its first page
    trailing = list(_TRAILING)
    if dora_name:
        trailing[0] = ("dora", dora_name, "DORA")
    specs = [
        *_LEADING,
        *((f"dim:{lineage}", name, compact_label(name)) for lineage, name in columns),
        *trailing,
    ]
    cells = []
    for key, name, short in specs:
        full = escape(name)
        if short == name:
            label = full
        else:
            label = (
                f'<span aria-hidden="true">{escape(short)}</span>'
                f'<span class="visually-hidden">{full}</span>'
            )
        if key is None:
            cells.append(f'<th scope="col" title="{full}">{label}</th>')
            continue
        current = key == sort
        new_direction = "desc" if current and direction == "asc" else "asc"
        href = escape(urlencode({**params, "sort": key, "dir": new_direction}))
        aria, arrow = "", ""
        if current:
            aria = f' aria-sort="{"ascending" if direction == "asc" else "descending"}"'
            arrow = f'<span aria-hidden="true"> {"▲" if direction == "asc" else "▼"}</span>'
        cells.append(
            f'<th scope="col" title="{full}"{aria}><a class="link-dark text-decoration-none" '
            f'href="?{href}">{label}{arrow}</a></th>'
        )
    return mark_safe("<tr>" + "".join(cells) + "</tr>")


def render_rows(rows, columns, period, dora_cell=None):
    """The heatmap's <tr> elements. Texts (team, group, labels, notes) are escaped here; the
    rest are numbers, reverse() paths and fixed markup. ``dora_cell(row)``: the DORA cell's
    markup (numbers and fixed markup only), when it is not the measured tier."""
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
            score = score_text(result.overall_score, 2)
            if row.overall_incomplete:
                score = (
                    '<span class="badge text-bg-warning" title="Too little of the weight is '
                    'scored for an overall score: not ranked by overall">incomplete</span>'
                )
            low = ' <span title="Low confidence">·</span>' if result.low_confidence else ""
            cells.append(
                f'<td class="text-center level-{result.overall_level or "none"}">'
                f'<a class="link-dark" href="{url}">{score}</a>{low}</td>'
            )
            cells.append(f'<td class="text-nowrap small">{_change(row.change)}</td>')
            version = result.scoring_rules_version
            cells.extend(
                _score_cell(row.dimensions.get(lineage), url, label, version)
                for lineage, label in columns
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
        dora = dora_cell(row) if dora_cell else tier_badge(measured.get("overall"))
        cells.append(f"<td>{dora}{gap}</td>")
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
