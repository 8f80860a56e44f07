"""`{% export_links "cases" location=location %}`: the "Download CSV" and "Download XLSX"
links of a list page, keeping the filters the page is showing (every query parameter but
the page number)."""

from django import template
from django.http import QueryDict
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("reports/_export_links.html", takes_context=True)
def export_links(context, list_name, *, location=None, provider=None, **params):
    if location is not None:
        base = ("reports:location_export", location.uuid)
    else:
        base = ("reports:provider_export", provider.slug)
    if params:
        query = QueryDict(mutable=True)
        query.update({key: str(value) for key, value in params.items()})
    else:
        request = context.get("request")
        query = request.GET.copy() if request is not None else QueryDict(mutable=True)
        query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return {
        "csv_url": reverse(base[0], args=[base[1], list_name, "csv"]) + suffix,
        "xlsx_url": reverse(base[0], args=[base[1], list_name, "xlsx"]) + suffix,
    }
