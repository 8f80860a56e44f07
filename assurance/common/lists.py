"""What a list's filters leave: the rows, the filters as asked, and any refused value.

Each list page has one filtering function (in its room's `lists.py`) shared by the page, its
CSV and XLSX exports and the API, so the three always show the same rows. A page ignores a
value it cannot use (a hand-edited URL); the API answers 400 with the same message.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


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


# --- paging ---------------------------------------------------------------------------------
#
# Pages are numbered (Django's Paginator: a COUNT and an OFFSET/LIMIT per page). The lists
# people page through here hold at most a few thousand rows per scope, and people want "page 3
# of 12" and the total; a keyset cursor would drop both and cannot follow the lists that sort
# on computed values (outstanding reviews first). The API, which tools walk end to end, keeps
# its cursor pages.


def page_url(params, number, *, param="page") -> str:
    """The query string for page `number` of a list, keeping every other value in `params` (the
    filters). Page 1 is the list without a page number."""
    query = params.copy()
    query.pop(param, None)
    if number > 1:
        query[param] = str(number)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def paginate(request, rows, per_page, *, param="page", region="list", label="Pages"):
    """One page of `rows` for the page number `param` in the query string.

    A value that is not a page number, or below 1, gives the first page; one past the end gives
    the last; either way `page.notice` says so. The page carries its links (`first_url`,
    `previous_url`, `next_url`, `last_url`, each keeping the filters), the id of the element
    that holds the list (`region`, what htmx swaps) and a label for its navigation.
    """
    raw = (request.GET.get(param) or "").strip()
    paginator = Paginator(rows, per_page)
    notice = ""
    try:
        asked = int(raw) if raw else 1
    except ValueError:
        asked = 1
        notice = f"“{raw[:20]}” is not a page number: showing the first page."
    if asked < 1:
        notice = notice or "Pages start at 1: showing the first page."
        asked = 1
    page = paginator.get_page(asked)
    if asked > page.number:
        notice = f"There is no page {asked}: showing the last page, page {page.number}."
    page.notice = notice
    page.param, page.region, page.label = param, region, label
    page.first_url = page_url(request.GET, 1, param=param)
    page.last_url = page_url(request.GET, paginator.num_pages, param=param)
    page.previous_url = (
        page_url(request.GET, page.previous_page_number(), param=param)
        if page.has_previous()
        else ""
    )
    page.next_url = (
        page_url(request.GET, page.next_page_number(), param=param) if page.has_next() else ""
    )
    return page


def render_list(request, template, context, *, fragments=None):
    """Render a list page, or only the region htmx asked for.

    `fragments` maps a region's element id to the template that renders that element alone.
    A page link or filter form targets its region (`hx-target`, `hx-select`), so a full page
    works as well as the fragment; the fragment is the cheaper answer. A history restore
    (back button after pushing a page URL) has no target and gets the full page.
    """
    htmx = getattr(request, "htmx", None)
    target = htmx.target if htmx and not htmx.history_restore_request else None
    response = render(request, (fragments or {}).get(target, template), context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
