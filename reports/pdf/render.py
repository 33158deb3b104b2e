"""PDF documents: render HTML first (testable), then turn it into PDF with WeasyPrint.

This is the only module that imports WeasyPrint. A task builds a context (shape below), calls
``render_roadmap_html`` or ``render_portfolio_html`` and passes the result to ``html_to_pdf``.
Rendering never touches the network: the URL fetcher serves ``data:`` URIs and files from
Django's static directories and refuses everything else (``RemoteResourceRefused``).

Every string in a context is plain text unless marked otherwise. The templates autoescape it,
so team names, comments and questionnaire text may contain ``<``, ``&`` or quotes. Only the
chart keys (``*_svg``, ``svg``) are ``SafeString`` markup, made by ``vsm_site.charts``.
Multi-paragraph texts separate paragraphs with a blank line.

Roadmap context (``render_roadmap_html``)
-----------------------------------------
``team``: {``name`` str, ``group`` str or "", ``organization`` str}
``period``: str, e.g. "2026-Q2"
``generated_at``: timezone-aware datetime (shown in the current time zone)
``result``: {
    ``overall_score``: float 0-5 or None, ``overall_level``: int 1-5 or None,
    ``level_name``: str ("Defined"), ``level_description``: str (one paragraph),
    ``respondents``: int, ``low_confidence``: bool (too few respondents: the respondent range
    ``min``/``max`` and the per-question distributions are not shown),
    ``questionnaire``: str ("vsm-maturity v1"), ``scoring_rules_version``: str,
    ``explanation``: multi-paragraph str (how the overall score was computed),
    ``dimensions``: list of {
        ``key`` str, ``name`` str, ``score`` float 0-5 or None, ``level`` int 1-5 or None,
        ``level_name`` str, ``min`` float or None, ``max`` float or None (lowest and highest
        respondent score), ``target`` float or None, ``disagreement`` bool (respondents spread
        over two or more levels), ``insufficient`` bool (too few answers to score),
        ``change`` float or None (against the previous result; None: no comparable result)},
}
``radar_svg``: SafeString (``charts.radar_chart``: this period, previous period, target)
``dora``: None (no DORA data: the section says so) or {
    ``benchmark_name`` str ("DORA 2024 (Accelerate State of DevOps)"), ``benchmark_key`` str,
    ``tier_set_label`` str (optional: "DORA 2024", how the tiers are labelled; default the
        benchmark name),
    ``rule_text``: multi-paragraph str (how values become tiers),
    ``measured_source``: "events" | "entry" | None (None: self-assessed only),
    ``metrics``: list of {``metric`` key, ``label`` str, ``value_display`` str ("" if not
        measured), ``tier`` "elite"|"high"|"medium"|"low"|None (measured),
        ``self_tier`` same choices (self-assessed)}; rework rate ("rework_rate") has no
        tiers and says so; the template groups the rows in DORA's two factors,
    ``overall``: tier or None, ``self_overall``: tier or None,
    ``score``: {``overall``, ``throughput``, ``stability``: float 0-10 or None},
    ``gaps``: list of {``label`` str, ``self_assessed`` tier, ``measured`` tier},
    ``view`` (optional): "comparison" | "tiers" (the organisation's choice),
    ``comparison`` (optional): None (tiers view: the tiers are the chapter) or DORA's 2025
        comparison, shown first, with the tiers as a secondary table: {
        ``citation`` str ("DORA Quick Check 2025 benchmarks"), ``edition`` "2025",
        ``segment_label`` str ("Retail/Consumer/e-Commerce"), ``segment_kind`` str
        ("Industry" | "Organisation size"), ``source`` "measured" | "self-assessed",
        ``factors``: list of {``key`` "throughput"|"stability", ``label`` str,
            ``summary`` row, ``metrics`` list of rows}, ``overall`` row,
        ``recovery_note`` str ("" except for organisation sizes: how recovery is read)}
        where a row is {``aspect`` str, ``label`` str, ``value_display`` str, ``score`` float
        0-10 or None (no value: the other keys are absent), ``mean`` float, ``sd`` float,
        ``z`` float, ``band`` quickcheck band key, ``band_label`` str, ``position`` float
        0-100 (the team on a drawing of the segment from -3 to +3 sd)},
}
``trend``: {``svg``: SafeString (``charts.line_chart``), ``rows``: list, oldest first, of
    {``period`` str, ``overall_score`` float or None, ``overall_level`` int or None,
    ``questionnaire`` str}} (one row is fine: the chart then shows a single point)
``plan``: {
    ``phases``: list, in order, of {``key`` "now"|"next"|"later", ``label`` str
        ("Now: next 90 days"), ``items``: list of {
            ``title`` str, ``kind`` "maturity"|"dora", ``subject`` str (optional extension:
            the dimension or DORA metric the item improves, default ""),
            ``why``: list of str, ``focus_areas``: list of str, ``steps``: list of str,
            ``success_metric`` str, ``owner_role`` str, ``owner_name`` str or "",
            ``due_date`` date or None, ``done`` bool, ``priority`` float,
            ``from_level``/``to_level`` int or None (maturity items),
            ``from_tier``/``to_tier`` tier or None (DORA items; a quickcheck band key
            such as "well_below" for items planned in the 2025 comparison)}},
    ``top``: list of the first three items (same dicts) for the executive summary,
    ``formula``: multi-paragraph str (how priorities are computed),
}
``review``: {``next_assessment`` date or None, ``checkpoints``: list of (date, label) pairs}
``appendix``: {
    ``dimensions``: list of {``name`` str, ``questions``: list of {``text`` str,
        ``mean`` float or None, ``distribution``: {level: count} for levels 1-5 (int or str
        keys, as a JSONField returns them; missing levels count 0), ``dont_know`` int}},
    ``comments``: list of {``dimension`` str, ``question`` str, ``comment`` str}; never names,
    ``hidden_distribution``: bool (true for low-confidence results: counts are not shown),
}
``vsm``: None (the section is left out) or {``svg`` SafeString, ``lead_time_hours`` float,
    ``process_time_hours`` float, ``flow_efficiency`` float 0-1, ``bottleneck`` str}

Portfolio context (``render_portfolio_html``)
---------------------------------------------
``organization``: str; ``group``: str or None; ``period``: str; ``generated_at``: datetime
``teams``: list, in display order, of {``name`` str, ``group`` str or "",
    ``overall_score`` float or None, ``overall_level`` int or None, ``level_name`` str,
    ``dora_overall`` tier or None, ``dora_tiers``: {metric key: tier or None},
    ``change`` float or None (overall score against the team's previous result)}
``distribution_svg``, ``dora_distribution_svg``: SafeString charts (teams per level, per tier)
``movers``: {``up``: list of {``name`` str, ``change`` float}, ``down``: same}
``common_priorities``: list of {``title`` str, ``count`` int}, most common first
``dora_metrics`` (optional extension): list of (metric key, column label) pairs for the team
    table's tiers; default: the four tiered metrics, in DORA's factor order.
``dora_view`` (optional): "comparison" | "tiers"; ``tier_set_label`` (optional): "DORA 2024"
``dora_comparison`` (optional): None (tiers view) or {``citation`` str, ``segment_label`` str,
    ``segment_kind`` str, ``recovery_note`` str, ``band_distribution_svg`` SafeString (teams
    per band of their overall score)}; each team then has ``dora_2025``: None (no figures) or
    {``overall`` cell, ``factors``: {factor key: cell}, ``metrics``: {metric key: cell}},
    a cell None or {``score`` float 0-10, ``z`` float, ``band`` key, ``band_label`` str}.

Callers provide only the keys above. The render functions add a few cheap derived keys for the
templates (``appendix_rows``, ``extremes``, ``team_rows``, ``moved``, ``levels``,
``level_names``, ``dora_columns``, ``dora_factors``, ``band_keys``, ``tier_groups``,
``band_columns``, ``band_groups``) without changing the caller's dict.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import importlib
import mimetypes
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.levels import LEVEL_NAMES

ROADMAP_TEMPLATE = "reports/pdf/roadmap.html"
PORTFOLIO_TEMPLATE = "reports/pdf/portfolio.html"

# Root-relative links such as "/static/img/logo.png" resolve against this to
# "file:///static/img/logo.png", which the fetcher maps back to a static file name. Nothing is
# ever read from the file system root itself.
BASE_URL = "file:///"

LEVELS = (1, 2, 3, 4, 5)
# In DORA's two factors (quickcheck.FACTORS): throughput, then stability.
DEFAULT_DORA_COLUMNS = (
    ("lead_time", "Lead time"),
    ("deployment_frequency", "Deploy freq."),
    ("time_to_restore", "Recovery"),
    ("change_failure_rate", "Change fail"),
)
# The 2025 comparison's columns: the five metrics, rework rate too.
COMPARISON_COLUMNS = (*DEFAULT_DORA_COLUMNS, (dora.REWORK_RATE, "Rework"))
BAND_KEYS = tuple(key for key, _label in quickcheck.BANDS)


class RemoteResourceRefused(ValueError):
    """A document asked for a resource outside the static directories (a remote URL or a
    local file elsewhere). Rendering stops: a report must not depend on the network, and a
    template that links one is a bug to fix, not a warning to ignore."""


# -- HTML --------------------------------------------------------------------------------------


def render_roadmap_html(context: dict) -> str:
    """The team roadmap document as HTML (see the module docstring for the context)."""
    appendix = context.get("appendix") or {}
    rows = [
        {**dimension, "questions": [_question_row(q) for q in dimension.get("questions", ())]}
        for dimension in appendix.get("dimensions", ())
    ]
    scored = sorted(
        (
            d
            for d in (context.get("result") or {}).get("dimensions", ())
            if d.get("score") is not None
        ),
        key=lambda d: d["score"],
    )
    extremes = {"strongest": scored[:-3:-1], "weakest": scored[:2]} if len(scored) >= 4 else None
    return render_to_string(
        ROADMAP_TEMPLATE,
        {
            **context,
            "appendix_rows": rows,
            "extremes": extremes,
            "dora_factors": _by_factor((context.get("dora") or {}).get("metrics", ())),
            "band_keys": BAND_KEYS,
            "legend_tiers": context.get("legend_tiers", dora.TIERS),
            "levels": LEVELS,
            "level_names": list(LEVEL_NAMES.items()),
        },
    )


def render_portfolio_html(context: dict) -> str:
    """The CoE portfolio document as HTML (see the module docstring for the context)."""
    columns = context.get("dora_metrics") or DEFAULT_DORA_COLUMNS
    teams = context.get("teams", ())
    team_rows = [
        {
            **team,
            "tier_cells": [(team.get("dora_tiers") or {}).get(key) for key, _ in columns],
            "band_cells": [
                ((team.get("dora_2025") or {}).get("metrics") or {}).get(key)
                for key, _ in COMPARISON_COLUMNS
            ],
        }
        for team in teams
    ]
    changes = [team.get("change") for team in teams]
    moved = {
        "improved": sum(1 for c in changes if c is not None and c > 0),
        "declined": sum(1 for c in changes if c is not None and c < 0),
        "first": sum(1 for c in changes if c is None),
    }
    return render_to_string(
        PORTFOLIO_TEMPLATE,
        {
            **context,
            "dora_columns": columns,
            "tier_groups": _column_groups(columns),
            "band_columns": COMPARISON_COLUMNS,
            "band_groups": _column_groups(COMPARISON_COLUMNS),
            "team_rows": team_rows,
            "moved": moved,
            "levels": LEVELS,
            "level_names": list(LEVEL_NAMES.items()),
        },
    )


def _by_factor(metrics) -> list[dict]:
    """DORA metric rows grouped in DORA's two factors (quickcheck.FACTORS, the one grouping):
    [{key, label, metrics}], factors without a row left out."""
    groups = []
    for key, label, members in quickcheck.FACTORS:
        rows = [m for m in metrics if m.get("metric") in members]
        rows.sort(key=lambda m: members.index(m["metric"]))
        if rows:
            groups.append({"key": key, "label": label, "metrics": rows})
    return groups


def _column_groups(columns) -> list[tuple[str, int]]:
    """(factor label, number of columns) for a table header over metric columns in order."""
    groups: list[tuple[str, int]] = []
    for key, _label in columns:
        label = quickcheck.FACTOR_LABELS[quickcheck.FACTOR_OF[key]]
        if groups and groups[-1][0] == label:
            groups[-1] = (label, groups[-1][1] + 1)
        else:
            groups.append((label, 1))
    return groups


def _question_row(question: dict) -> dict:
    # Results come back from a JSONField with string keys; samples and tests use ints.
    distribution = question.get("distribution") or {}
    counts = [
        int(distribution.get(level, distribution.get(str(level), 0)) or 0) for level in LEVELS
    ]
    return {**question, "counts": counts, "answered": sum(counts)}


# -- PDF ---------------------------------------------------------------------------------------


def html_to_pdf(html: str) -> bytes:
    """PDF bytes for ``html``; raises ``RemoteResourceRefused`` if it links a remote or
    non-static resource, and ``FileNotFoundError`` for a missing static file."""
    try:
        with _no_cyclic_gc():
            return HTML(
                string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher()
            ).write_pdf()
    except FatalURLFetchingError as error:
        # WeasyPrint wraps fetch errors in a BaseException; hand callers (and Celery, which
        # records Exceptions on the task) the readable cause instead.
        if isinstance(error.__cause__, Exception):
            raise error.__cause__ from None
        raise
    finally:
        _give_memory_back()


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to call
        return None


_MALLOC_TRIM = _malloc_trim()


def _give_memory_back():
    """After a render: collect its cycles at once, then hand the heap it freed back to the
    system. glibc keeps freed memory for reuse, fragmented, so a worker's resident memory crept
    up render after render (a Celery pool child peaked about 60 MB above a single render in
    process). The render's objects were made with the collector off, so they are all still in
    the youngest generation: collecting that one finds their cycles without walking the rest
    of the process (a full collection took about 90 ms)."""
    gc.collect(0)
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


@contextlib.contextmanager
def _no_cyclic_gc():
    """The cyclic garbage collector off while WeasyPrint renders: the boxes it builds survive
    long enough to set off full collections, each of which walks every object of the process
    (the worker's Django, Celery and WeasyPrint itself), a quarter of a roadmap's render time.
    Reference counting still frees what is not in a cycle; the collector, on again afterwards,
    takes the rest. The peak memory of a render did not grow measurably."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- SVG text in one run ------------------------------------------------------------------------
#
# WeasyPrint lays out and draws every letter of an SVG <text> on its own, as it must when letters
# have positions, rotations or spacing of their own; the charts' labels (about 3,000 letters in
# a roadmap) then took a seventh of the render. A text without any of those is drawn here as
# one run: WeasyPrint's own function does the work, but sees the whole text as one "letter".
# The glyphs land where they did (within the font's kerning) and read back as the same words.

_PER_LETTER_ATTRIBUTES = ("dx", "dy", "rotate", "textLength")
_LIST = re.compile(r"[\s,]")  # "x" and "y" with more than one value place letters one by one
# The package's `text` is the drawing function; the module of the same name is only reachable so.
_svg_text_module = importlib.import_module("weasyprint.svg.text")
_draw_by_letter = _svg_text_module.text


class _OneLetter(str):
    """A text that WeasyPrint's per-letter loop takes as a single letter."""

    def __iter__(self):
        yield str(self)


def _draw_svg_text(svg, node, font_size):
    element = node._etree_node
    text = element.text
    if (
        not text
        or len(text) == 1
        or any(name in node.attrib for name in _PER_LETTER_ATTRIBUTES)
        or node.get("letter-spacing") not in (None, "0", "normal")
        or _LIST.search(node.get("x", "").strip())
        or _LIST.search(node.get("y", "").strip())
    ):
        return _draw_by_letter(svg, node, font_size)
    element.text = _OneLetter(text)
    try:
        return _draw_by_letter(svg, node, font_size)
    finally:
        element.text = text


def _install_svg_text_runs():
    """Draw SVG texts through ``_draw_svg_text``: in the drawing table and as the package's
    ``text``, which its text-anchor code compares the table's entries with. Left alone when
    WeasyPrint is not laid out as this expects (written for WeasyPrint 65 to 70)."""
    tags = getattr(weasyprint.svg, "TAGS", None)
    if not isinstance(tags, dict) or getattr(weasyprint.svg, "text", None) is not _draw_by_letter:
        return
    for tag in ("text", "textPath", "tspan"):
        if tags.get(tag) is _draw_by_letter:
            tags[tag] = _draw_svg_text
    weasyprint.svg.text = _draw_svg_text


_install_svg_text_runs()


class StaticFilesURLFetcher(URLFetcher):
    """Serves ``data:`` URIs and files under Django's static directories; refuses the rest.

    Every fetch error is fatal (``fail_on_errors``): a report without its stylesheet is worse
    than a failed task with a clear message.
    """

    def __init__(self):
        super().__init__(
            timeout=1, allowed_protocols=("data",), allow_redirects=False, fail_on_errors=True
        )

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        name = _static_name(url)
        if name is not None:
            if posixpath.normpath(name).lstrip("/").startswith(".."):
                raise RemoteResourceRefused(f"Static URL leads outside STATIC_URL: {url}")
            path = find_static_file(name)
            if path is None:
                raise FileNotFoundError(f"Static file {name!r} not found (linked as {url})")
        elif scheme == "file":
            path = Path(url2pathname(unquote(urlsplit(url).path)))
            if not _inside_static_dirs(path):
                raise RemoteResourceRefused(f"PDF rendering reads only static files; refused {url}")
        else:
            raise RemoteResourceRefused(
                f"PDF rendering makes no network requests; refused {url}. Embed the resource "
                "(inline SVG or a data: URI) or ship it as a static file."
            )
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.resolve().as_uri(), path.read_bytes(), {"Content-Type": content_type}
        )


def _static_name(url: str) -> str | None:
    """The static file name a URL points to via STATIC_URL, or None."""
    static_url = settings.STATIC_URL
    prefix = f"file://{static_url}" if static_url.startswith("/") else static_url
    if not url.startswith(prefix):
        return None
    return unquote(urlsplit(url[len(prefix) :]).path)


def find_static_file(name: str) -> Path | None:
    """The file for a static name: the finders first (development, tests), then STATIC_ROOT
    (collected, possibly hashed names in production). None if absent or outside the roots."""
    name = posixpath.normpath(name).lstrip("/")
    if name.startswith(".."):
        return None
    found = finders.find(name)
    path = Path(found) if found else None
    if path is None and settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / name
        path = candidate if candidate.is_file() else None
    return path if path is not None and _inside_static_dirs(path) else None


def _static_dirs() -> list[Path]:
    roots = [Path(settings.STATIC_ROOT)] if settings.STATIC_ROOT else []
    for finder in finders.get_finders():
        roots.extend(Path(storage.location) for storage in getattr(finder, "storages", {}).values())
    return [root.resolve() for root in roots]


def _inside_static_dirs(path: Path) -> bool:
    # resolve() follows symlinks and "..", so neither can lead out of a static directory.
    resolved = path.resolve()
    return resolved.is_file() and any(resolved.is_relative_to(root) for root in _static_dirs())
