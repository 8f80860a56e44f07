"""The evidence register: a location's evidence items (or one case's), for the page, its
exports and the API."""

from assurance.common.lists import Filtered, choice, date_value, uuid_value

from .models import EvidenceItem, Source, Stance

STATUS_FILTERS = {"all": "Current and withdrawn", "current": "Current", "withdrawn": "Withdrawn"}


def location_evidence(location):
    return EvidenceItem.objects.filter(case__location=location)


def with_list_data(items):
    return items.select_related(
        "case", "team", "category", "created_by", "withdrawn_by"
    ).prefetch_related("files")


def filter_evidence(items, params) -> Filtered:
    """Case, source, stance, status, team and the dates the evidence describes (from and to,
    inclusive); newest first."""
    errors = {}
    filters = {
        "case": uuid_value(params, "case", errors),
        "source": choice(params, "source", Source.values, errors),
        "stance": choice(params, "stance", Stance.values, errors),
        "status": choice(params, "status", STATUS_FILTERS, errors, default="all"),
        "team": uuid_value(params, "team", errors),
    }
    start = date_value(params, "from", errors)
    end = date_value(params, "to", errors)
    if start and end and start > end:
        errors["to"] = "The end date is before the start date."
        start = end = None
    filters["from"] = start.isoformat() if start else ""
    filters["to"] = end.isoformat() if end else ""
    if filters["case"]:
        items = items.filter(case__uuid=filters["case"])
    if filters["source"]:
        items = items.filter(source=filters["source"])
    if filters["stance"]:
        items = items.filter(stance=filters["stance"])
    if filters["status"] == "current":
        items = items.current()
    elif filters["status"] == "withdrawn":
        items = items.filter(withdrawn_at__isnull=False)
    if filters["team"]:
        items = items.filter(team__uuid=filters["team"])
    if start:
        items = items.filter(occurred_on__gte=start)
    if end:
        items = items.filter(occurred_on__lte=end)
    return Filtered(items.order_by("-occurred_on", "-id"), filters, errors)
