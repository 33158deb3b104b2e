"""Numbers as the pages show them, without the template engine: ``fixed`` rounds half up like
Django's ``floatformat`` (2.25 -> "2.3"), where Python's own formatting rounds the binary
value (2.25 -> "2.2"), so a score reads the same in a table built here and in a template."""

from decimal import ROUND_HALF_UP, Decimal

_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(0, 4)}


def fixed(value, places=1):
    """``value`` with ``places`` decimals, rounded half up; "—" for None."""
    if value is None:
        return "—"
    rounded = Decimal(repr(float(value))).quantize(_QUANTA[places], rounding=ROUND_HALF_UP)
    return str(rounded if rounded else abs(rounded))  # never "-0.0"
