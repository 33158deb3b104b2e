"""The five levels of the Value Stream Management maturity model, as the VSM guide names and
describes them. The one definition: questionnaires (a description per level), scoring (a
level per score), pages, charts and PDFs all read it from here."""

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
