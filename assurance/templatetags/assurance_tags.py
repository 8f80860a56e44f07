from django import template

from assurance.cases import charts
from assurance.casework import overview as casework_overview

register = template.Library()


@register.inclusion_tag("assurance/_indicator_chart.html")
def indicator_chart(indicator):
    """SVG chart of an indicator; uses its prefetched readings (no extra query)."""
    chart = charts.indicator_chart(
        name=indicator.name,
        unit=indicator.unit,
        baseline=float(indicator.baseline),
        target=float(indicator.target),
        readings=[(r.taken_on, r.value) for r in indicator.readings.all()],
    )
    return {"chart": chart, "indicator": indicator}


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("assurance/_overview.html", takes_context=True)
def overview(context, provider, location=None):
    """The counts, charts and trend the provider and location pages open with (a fixed
    number of queries: assurance/casework/overview.py)."""
    user = context["request"].user
    return {
        "ov": casework_overview.overview(user, provider=provider, location=location),
        "location": location,
    }
