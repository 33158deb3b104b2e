"""The five levels of the Value Stream Management maturity model, as the VSM guide names and
describes them, and how a score is printed beside its level. The one definition:
questionnaires (a description per level), scoring (a level per score), pages, charts and PDFs
all read it from here."""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

LEVELS = (1, 2, 3, 4, 5)
MIN_LEVEL = 1
MAX_LEVEL = 5

LEVEL_NAMES = {
    1: "Initial",
    2: "Managed",
    3: "Defined",
    4: "Quantitatively Managed",
    5: "Optimizing",
}

# The characteristics column of the VSM guide's maturity table.
LEVEL_DESCRIPTIONS = {
    1: "Ad-hoc processes, limited visibility and a reactive approach.",
    2: "Some standard processes, basic metrics and isolated improvements.",
    3: "Standardized processes, consistent measurement and planned improvements.",
    4: "Data-driven decisions, predictable performance and systematic optimization.",
    5: "Continuous innovation, adaptive systems and industry-leading performance.",
}

# Every computed score is kept to this many decimals; a level is the band a score so rounded
# falls in (assessments.maturity.scoring.level_for_score: 1.00-1.99 -> 1, ..., 4.00-4.79 -> 4,
# 4.80-5.00 -> 5 under scoring rules v2).
SCORE_DECIMALS = 4
_PRECISION = Decimal(1).scaleb(-SCORE_DECIMALS)
_PLACES = {places: Decimal(1).scaleb(-places) for places in range(0, SCORE_DECIMALS + 1)}


def score_text(score, places=2):
    """A score as every page, table and PDF prints it beside (or instead of) its level: cut,
    not rounded, to ``places`` decimals, so that a printed score never reads as another level
    (2.95 is "2.9" in a level-2 cell, never "3.0"; 2.9977 is "2.99" under "Level 2"). Float
    noise is first rounded away as the level does (2.99999999 is level 3 and "3.00"). "—" for
    None."""
    if score is None:
        return "—"
    kept = Decimal(repr(float(score))).quantize(_PRECISION, rounding=ROUND_HALF_UP)
    return str(kept.quantize(_PLACES[places], rounding=ROUND_FLOOR))
