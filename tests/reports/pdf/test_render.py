"""The PDF documents: HTML first (fast, exact), then the PDF itself read back with pypdf."""

import io
import re
import socket
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from reports.pdf import render as pdf
from reports.pdf.render import RemoteResourceRefused, StaticFilesURLFetcher
from tests.reports.pdf.samples import (
    BENCHMARK_NAME,
    HOSTILE_COMMENT,
    LONG_TEAM_NAME,
    PHASE_LABELS,
    TEAM_NAME,
    sample_portfolio_context,
    sample_roadmap_context,
)

SECTIONS = [
    "Executive summary",
    "Maturity by dimension",
    "Value stream",
    "DORA delivery performance",
    "Trend against previous results",
    "Improvement roadmap",
    "Review schedule",
    "Appendix A: Answers by question",
    "Appendix B: Comments",
    "Appendix C: Method and priority formula",
]
SECTION_IDS = [
    "summary",
    "maturity",
    "value-stream",
    "dora",
    "trend",
    "roadmap",
    "phase-now",
    "phase-next",
    "phase-later",
    "review",
    "appendix-answers",
    "appendix-comments",
    "appendix-method",
]
TIER_NAMES = ["Elite", "High", "Medium", "Low"]


def squash(text: str) -> str:
    """Text without any whitespace: line wrapping in the PDF then cannot break a match."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def roadmap_context():
    return sample_roadmap_context()


@pytest.fixture(scope="module")
def roadmap_html(roadmap_context):
    return pdf.render_roadmap_html(roadmap_context)


@pytest.fixture(scope="module")
def roadmap_pdf(roadmap_html):
    return pdf.html_to_pdf(roadmap_html)


@pytest.fixture(scope="module")
def roadmap_pages(roadmap_pdf):
    return [page.extract_text() for page in PdfReader(io.BytesIO(roadmap_pdf)).pages]


@pytest.fixture(scope="module")
def portfolio_context():
    return sample_portfolio_context()


@pytest.fixture(scope="module")
def portfolio_pdf(portfolio_context):
    return pdf.html_to_pdf(pdf.render_portfolio_html(portfolio_context))


# -- HTML ------------------------------------------------------------------------------------


def test_render_roadmap_html_has_every_section(roadmap_html):
    for section_id in SECTION_IDS:
        assert f'id="{section_id}"' in roadmap_html
        assert f'href="#{section_id}"' in roadmap_html  # listed in the table of contents
    assert 'class="cover"' in roadmap_html
    for title in SECTIONS:
        assert f">{title}</h2>" in roadmap_html


def test_render_roadmap_html_escapes_user_text(roadmap_html):
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in roadmap_html
    assert "<script" not in roadmap_html
    assert "Payments Checkout &amp; Wallet" in roadmap_html


def test_render_roadmap_html_escapes_team_name_and_questions(roadmap_context):
    context = {
        **roadmap_context,
        "team": {**roadmap_context["team"], "name": '<img src="http://evil.test/x.png">'},
    }
    context["appendix"] = {
        **roadmap_context["appendix"],
        "dimensions": [{"name": "<b>Flow</b>", "questions": [{"text": "<i>Why?</i>"}]}],
    }
    html = pdf.render_roadmap_html(context)
    assert "<img" not in html
    assert "&lt;img src=&quot;http://evil.test/x.png&quot;&gt;" in html
    assert "&lt;b&gt;Flow&lt;/b&gt;" in html
    assert "&lt;i&gt;Why?&lt;/i&gt;" in html


def test_render_roadmap_html_without_vsm_leaves_the_section_out(roadmap_context):
    html = pdf.render_roadmap_html({**roadmap_context, "vsm": None})
    assert 'id="value-stream"' not in html
    assert "Value stream" not in html


def test_render_roadmap_html_without_dora_says_so(roadmap_context):
    html = pdf.render_roadmap_html({**roadmap_context, "dora": None})
    assert "No DORA metrics were recorded or self-assessed for this period." in html
    assert 'id="dora"' in html


def test_render_roadmap_html_hides_distribution_for_low_confidence(roadmap_context):
    result, appendix = roadmap_context["result"], roadmap_context["appendix"]
    context = {
        **roadmap_context,
        "result": {
            **result,
            "low_confidence": True,
            "dimensions": [{**d, "spread_hidden": True} for d in result["dimensions"]],
        },
        "appendix": {
            **appendix,
            "hidden_distribution": True,
            "dimensions": [{**d, "hidden_distribution": True} for d in appendix["dimensions"]],
        },
    }
    html = pdf.render_roadmap_html(context)
    questions = sum(len(d["questions"]) for d in context["appendix"]["dimensions"])
    assert html.count('<td colspan="5" class="num muted">hidden</td>') == questions
    assert 'class="num lv' not in html
    assert html.count('<span class="muted">hidden</span>') == len(context["result"]["dimensions"])


def test_render_roadmap_html_hides_only_the_dimensions_scored_by_too_few(roadmap_context):
    """Scoring rules v2: a confident result still hides the spread of a dimension that fewer
    people than the threshold scored; the others show theirs."""
    result, appendix = roadmap_context["result"], roadmap_context["appendix"]
    first = result["dimensions"][0]["name"]
    context = {
        **roadmap_context,
        "result": {
            **result,
            "dimensions": [
                {**d, "spread_hidden": i == 0, "min": 2.0, "max": 3.0}
                for i, d in enumerate(result["dimensions"])
            ],
        },
        "appendix": {
            **appendix,
            "some_hidden": True,
            "threshold": 3,
            "dimensions": [
                {**d, "hidden_distribution": d["name"] == first} for d in appendix["dimensions"]
            ],
        },
    }
    html = pdf.render_roadmap_html(context)
    first_questions = len(appendix["dimensions"][0]["questions"])
    assert html.count('<td colspan="5" class="num muted">hidden</td>') == first_questions
    assert html.count('<span class="muted">hidden</span>') == 1
    assert html.count("2.0–3.0") == len(result["dimensions"]) - 1
    assert "hidden where fewer than 3 people scored the dimension" in html


def test_question_row_reads_int_and_string_distribution_keys():
    row = pdf._question_row({"text": "Q", "distribution": {"1": 2, 3: 1, "5": 4}})
    assert row["counts"] == [2, 0, 1, 0, 4]
    assert row["answered"] == 7


def test_render_portfolio_html_lists_every_team_escaped(portfolio_context):
    teams = [*portfolio_context["teams"], {**portfolio_context["teams"][0], "name": "<b>X</b>"}]
    html = pdf.render_portfolio_html({**portfolio_context, "teams": teams})
    assert html.count('<th scope="row" class="team">') == 51
    assert "&lt;b&gt;X&lt;/b&gt;" in html
    assert "<b>X</b>" not in html


# -- roadmap PDF -----------------------------------------------------------------------------


def test_roadmap_pdf_is_a_pdf(roadmap_pdf):
    assert roadmap_pdf.startswith(b"%PDF-")


def test_roadmap_pdf_names_team_dimensions_tiers_phases_and_benchmark(
    roadmap_context, roadmap_pages
):
    text = squash("\n".join(roadmap_pages))
    expected = [
        TEAM_NAME,
        BENCHMARK_NAME,
        *(d["name"] for d in roadmap_context["result"]["dimensions"]),
        *TIER_NAMES,
        *PHASE_LABELS.values(),
        "Page 1 of",
    ]
    missing = [item for item in expected if squash(item) not in text]
    assert missing == []


def test_roadmap_pdf_numbers_every_page_of_the_total(roadmap_pages):
    total = len(roadmap_pages)
    for number, text in enumerate(roadmap_pages, start=1):
        assert f"Page {number} of {total}" in text


def test_roadmap_pdf_page_count_is_sensible(roadmap_pages):
    assert 10 <= len(roadmap_pages) <= 22


def test_roadmap_pdf_table_of_contents_gives_each_sections_page(roadmap_pdf, roadmap_pages):
    toc_page = next(i for i, text in enumerate(roadmap_pages) if text.startswith("Contents"))
    toc = roadmap_pages[toc_page]
    reader = PdfReader(io.BytesIO(roadmap_pdf))
    bookmarks = {
        item.title: reader.get_destination_page_number(item) + 1
        for item in reader.outline
        if not isinstance(item, list)
    }
    for title in SECTIONS:
        match = re.search(re.escape(title) + r" [. ]*?(\d+)\s*$", toc, re.MULTILINE)
        assert match, f"{title!r} is not in the table of contents"
        page = int(match.group(1))
        assert page == bookmarks[title]
        # The section's own page carries it as the running header and the heading.
        assert roadmap_pages[page - 1].count(title) >= 1
        assert page > toc_page + 1


def test_roadmap_pdf_executive_summary_fits_one_page(roadmap_pages):
    summary = [i for i, text in enumerate(roadmap_pages) if "Top three priorities" in text]
    assert len(summary) == 1
    page = roadmap_pages[summary[0]]
    assert page.startswith("Executive summary")
    assert "What happens next".upper() in page
    assert roadmap_pages[summary[0] + 1].startswith("Maturity by dimension")


def test_roadmap_pdf_shows_injected_markup_as_text(roadmap_pages):
    assert squash(HOSTILE_COMMENT) in squash("\n".join(roadmap_pages))


def test_roadmap_pdf_without_optional_sections_renders(roadmap_context):
    context = {**roadmap_context, "vsm": None, "dora": None}
    pages = PdfReader(io.BytesIO(pdf.html_to_pdf(pdf.render_roadmap_html(context)))).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert "Value stream" not in text
    assert "No DORA metrics were recorded" in text


# -- portfolio PDF ---------------------------------------------------------------------------


def test_portfolio_pdf_names_every_team(portfolio_context, portfolio_pdf):
    assert portfolio_pdf.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(portfolio_pdf)).pages
    text = squash("\n".join(page.extract_text() for page in pages))
    names = [team["name"] for team in portfolio_context["teams"]]
    assert len(names) == 50
    assert LONG_TEAM_NAME in names
    assert [name for name in names if squash(name) not in text] == []
    for title in ("Distribution of levels and tiers", "Movers and common priorities"):
        assert squash(title) in text
    assert 4 <= len(pages) <= 12


# -- fetching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/style.css",
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        "file:///static/../etc/passwd",
        "file:///static/../../etc/passwd",
    ],
)
def test_fetcher_refuses_remote_and_non_static_urls(url):
    with pytest.raises(RemoteResourceRefused):
        StaticFilesURLFetcher().fetch(url)


def test_fetcher_serves_static_files_by_url_and_path():
    fetcher = StaticFilesURLFetcher()
    by_url = fetcher.fetch("file:///static/css/app.css")
    by_path = fetcher.fetch((Path(settings.BASE_DIR) / "static/css/app.css").as_uri())
    assert b"--vsm-primary" in by_url.read()
    assert by_path.read() == (Path(settings.BASE_DIR) / "static/css/app.css").read_bytes()
    assert by_url.content_type == "text/css"


def test_fetcher_serves_data_uris():
    assert StaticFilesURLFetcher().fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_fetcher_reports_a_missing_static_file():
    with pytest.raises(FileNotFoundError):
        StaticFilesURLFetcher().fetch("file:///static/css/no-such-file.css")


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to resolve a host name or open a connection."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access while rendering: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="http://example.com/x.png">',
        '<link rel="stylesheet" href="https://example.com/style.css">',
        '<div style="background: url(http://example.com/bg.png)">x</div>',
        '<img src="file:///etc/passwd">',
    ],
)
def test_html_to_pdf_refuses_outside_resources_without_network(no_network, markup):
    with pytest.raises(RemoteResourceRefused):
        pdf.html_to_pdf(f"<!doctype html><html><body><p>Hi</p>{markup}</body></html>")
    assert no_network == []


def test_html_to_pdf_resolves_static_links(no_network):
    html = (
        '<!doctype html><html><head><link rel="stylesheet" href="/static/css/app.css"></head>'
        '<body><p class="level-chip level-3">L3</p></body></html>'
    )
    assert pdf.html_to_pdf(html).startswith(b"%PDF-")
    assert no_network == []


def test_legend_lists_only_the_tiers_of_the_set_in_use(roadmap_context):
    """The 2022 report has no Elite: a roadmap on that set never shows it in its legend."""
    from assessments.dora import rules as dora

    assert dora.get_benchmark("2022").tiers == ("high", "medium", "low")
    html_2022 = pdf.render_roadmap_html(
        {**roadmap_context, "legend_tiers": ("high", "medium", "low")}
    )
    legend = html_2022.split('<ul class="legend">')[2].split("</ul>")[0]
    assert "Elite" not in legend and "High" in legend
    assert "Elite" in pdf.render_roadmap_html(roadmap_context).split('<ul class="legend">')[2]


def test_svg_texts_are_drawn_as_runs_and_placed_letters_one_by_one():
    import gc

    import weasyprint.svg

    assert weasyprint.svg.TAGS["text"] is pdf._draw_svg_text
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="90" font-size="12">'
        '<text x="200" y="20" text-anchor="middle">Flow optimisation</text>'
        '<text x="390" y="40" text-anchor="end">Lead <tspan font-weight="bold">4.0</tspan></text>'
        '<text x="10 40 70" y="60">xyz</text><text x="10" y="80" dx="0 5">Spaced</text></svg>'
    )
    enabled = gc.isenabled()
    document = pdf.html_to_pdf(f"<html><body>{svg}</body></html>")
    assert gc.isenabled() == enabled
    text = PdfReader(io.BytesIO(document)).pages[0].extract_text()
    assert "Flow optimisation" in text
    assert "Lead" in text and "4.0" in text
    assert {"x", "y", "z"} <= set(text)
    assert "Spaced" in text.replace(" ", "")
