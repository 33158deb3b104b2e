from urllib.parse import parse_qsl, urlencode

from django import template
from django.utils.html import format_html

from assessments import scoring

register = template.Library()


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def level_of(score):
    return scoring.level_for_score(score) if score is not None else None


@register.simple_tag
def sort_link(column, label, current, direction, querystring):
    """A column header link that sorts by ``column``, toggling the direction when it is the
    current sort; the arrow and aria-sort say which way."""
    params = dict(parse_qsl(querystring))
    new_direction = "desc" if current == column and direction == "asc" else "asc"
    params.update({"sort": column, "dir": new_direction})
    arrow = ""
    if current == column:
        arrow = " ▲" if direction == "asc" else " ▼"
    return format_html(
        '<a class="link-dark text-decoration-none" href="?{}">{}{}</a>', urlencode(params), label,
        arrow,
    )  # fmt: skip
