"""Periods and counts in plain words, as care managers say them. Pure Python."""

from datetime import date


def month_words(day: date) -> str:
    """date(2026, 10, 1) -> "October 2026"."""
    return f"{day:%B} {day.year}"


def period_words(start: date, end: date) -> str:
    """A month as "October 2026"; a longer period as "July to September 2026" (the year
    once when both ends share it, else "November 2026 to January 2027")."""
    if (start.year, start.month) == (end.year, end.month):
        return month_words(start)
    if start.year == end.year:
        return f"{start:%B} to {end:%B} {end.year}"
    return f"{month_words(start)} to {month_words(end)}"


def quarter_words(year: int, number: int) -> str:
    """(2026, 3) -> "July to September 2026"."""
    first = 3 * number - 2
    return period_words(date(year, first, 1), date(year, first + 2, 1))
