"""The reference document for the roadmap PDF's render time: a plain 20-section document that
WeasyPrint alone turns into PDF, timed in the same run as our roadmap (issue 22's target: the
roadmap's full render within 1.3x of it).

Twenty sections, each a heading, four paragraphs of ordinary prose (14 to 18 sentences of 8 to
18 words each, about 200 words) and a three-item list; no tables, no images, no charts. Plain
CSS in the same font as the roadmap PDF (DejaVu Sans, 9 pt, line height 1.42, A4 with the same
margins and a page number). It runs to 22 pages, about the length of the demo roadmap (25), so
that the ratio is the cost of the roadmap's layout over plain text of the same length rather
than of its length. (With paragraphs of five to seven sentences it is 11 pages and takes 0.4 of
the time: the ratio depends as much on the reference's length as on the roadmap.) The text
comes from a fixed seed, so every run and every machine lays out the same document. Used by
``roadmap.py`` and ``end_to_end.py``."""

import random
import time
from functools import cache
from html import escape

SECTIONS = 20
PARAGRAPHS = 4
LIST_ITEMS = 3
SEED = 22

CSS = """
@page { size: A4; margin: 22mm 17mm 18mm 17mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt; } }
html { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; line-height: 1.42; color: #1d1d1d; }
body { margin: 0; }
h1 { font-size: 20pt; color: #1f4e79; margin: 0 0 6mm; }
h2 { font-size: 13pt; color: #1f4e79; margin: 6mm 0 2mm; break-after: avoid; }
p { margin: 0 0 2mm; }
ul { margin: 0 0 2mm; padding-left: 5mm; }
"""

_TEXT = (
    "team teams value stream delivery lead time flow work item items review reviews change "
    "changes deploy deployment production release quality test tests feedback customer "
    "customers process step steps wait waiting queue handover handovers practice practices "
    "measure measures metric metrics improvement improve goal goals quarter plan planning "
    "backlog owner owners board incident incidents recovery failure rate frequency "
    "automation pipeline build builds environment environments approval approvals risk "
    "risks decision decisions weekly daily small smaller batch batches cycle cost visible "
    "shared clear agreed regular early later often each every most fewer more less the the "
    "the a a an and and and of of of to to to in in for for with with on on by from that "
    "this their its is are was were be been can should will may when where while because "
    "which who what how after before between within without across through against"
)
WORDS = _TEXT.split()


def _sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng):
    return " ".join(_sentence(rng) for _ in range(rng.randint(14, 18)))


@cache
def reference_html() -> str:
    """The reference document's HTML (the same string on every call and every machine)."""
    rng = random.Random(SEED)
    body = ["<h1>Reference document</h1>"]
    for n in range(1, SECTIONS + 1):
        body.append(f"<section><h2>{n}. {escape(_sentence(rng)[:-1])}</h2>")
        body.extend(f"<p>{escape(_paragraph(rng))}</p>" for _ in range(PARAGRAPHS))
        items = "".join(f"<li>{escape(_sentence(rng))}</li>" for _ in range(LIST_ITEMS))
        body.append(f"<ul>{items}</ul></section>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Reference document</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


def render_reference() -> tuple[float, int]:
    """Seconds WeasyPrint alone takes to turn the reference document into PDF bytes (parse,
    layout, write_pdf), and its number of pages."""
    from weasyprint import HTML

    html = reference_html()
    started = time.perf_counter()
    document = HTML(string=html).render()
    document.write_pdf()
    return time.perf_counter() - started, len(document.pages)
