from django import template

from assurance.cases import charts

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
