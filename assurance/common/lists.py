"""What a list's filters leave: the rows, the filters as asked, and any refused value.

Each list page has one filtering function (in its room's `lists.py`) shared by the page, its
CSV and XLSX exports and the API, so the three always show the same rows. A page ignores a
value it cannot use (a hand-edited URL); the API answers 400 with the same message.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date


@dataclass
class Filtered:
    rows: object  # a QuerySet, ordered as the page shows it
    filters: dict  # the filter values asked for, as given (for the form and the export record)
    errors: dict = field(default_factory=dict)  # {filter name: message} for refused values


def choice(params, name, allowed, errors, *, default=""):
    """The value of `name` if it is one of `allowed`; otherwise `default`, noting why."""
    value = (params.get(name) or "").strip()
    if value and value not in allowed:
        errors[name] = f"Choose one of: {', '.join(sorted(allowed))}."
        return default
    return value or default


def uuid_value(params, name, errors) -> str:
    """A UUID-shaped value of `name` as a string, or "" (noting a malformed one)."""
    value = (params.get(name) or "").strip()
    if not value:
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        errors[name] = "Give the identifier (a UUID) shown on the page or in the API."
        return ""


def date_value(params, name, errors) -> date | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD, for example 2026-09-30."
        return None
