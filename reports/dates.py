"""The one way reports, exports and workbooks write dates: the UK way, "30 September 2026"
(and "30 September 2026, 14:05" with the time, in Europe/London). Pure Python."""

from datetime import date, datetime

from django.utils import timezone


def uk_date(value: date) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value: datetime) -> str:
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}, {value:%H:%M}"
