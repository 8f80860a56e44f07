"""`{{ value|uk_date }}` and `{{ value|uk_date:"time" }}`: every date in a report template
goes through this one filter, so every report writes dates the same UK way."""

from datetime import date, datetime

from django import template

from reports.dates import uk_date as _uk_date
from reports.dates import uk_datetime

register = template.Library()


@register.filter
def uk_date(value, arg=""):
    if value in (None, ""):
        return ""
    if arg == "time" and isinstance(value, datetime):
        return uk_datetime(value)
    if isinstance(value, date):
        return _uk_date(value)
    return value


@register.filter
def uk_period(label):
    """A review period as words: "2026-10" reads "October 2026"; a quarter stays "2026-Q3"."""
    try:
        year, month = (int(part) for part in str(label).split("-"))
        return _uk_date(date(year, month, 1)).split(" ", 1)[1]
    except ValueError:
        return label
