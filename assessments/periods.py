"""Assessment periods are calendar quarters written ``YYYY-Qn``."""

import datetime as dt
import re

PERIOD_RE = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(ValueError):
    pass


def parse_period(text):
    """``"2026-Q4"`` -> ``(2026, 4)``; anything else raises PeriodError with the reason."""
    match = PERIOD_RE.match(str(text).strip()) if text is not None else None
    if not match:
        raise PeriodError(f"Period {text!r} is not a quarter like 2026-Q4.")
    year, quarter = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        raise PeriodError(f"Period {text!r} is outside the years 2000-2100.")
    return year, quarter


def format_period(year, quarter):
    return f"{year}-Q{quarter}"


def period_for_date(day):
    return format_period(day.year, (day.month - 1) // 3 + 1)


def current_period(today=None):
    return period_for_date(today or dt.date.today())


def shift_period(period, quarters):
    year, quarter = parse_period(period)
    index = year * 4 + (quarter - 1) + quarters
    return format_period(index // 4, index % 4 + 1)


def period_start(period):
    year, quarter = parse_period(period)
    return dt.date(year, 3 * (quarter - 1) + 1, 1)


def period_end(period):
    """The last day of the quarter."""
    return period_start(shift_period(period, 1)) - dt.timedelta(days=1)
