"""The rows the case lists show (a location's cases, a provider's cases), for the pages, their
exports and the API: one scope and one set of filters."""

from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.common.lists import Filtered, choice, uuid_value
from assurance.judgement.models import InfluenceLevel, ProportionalityJudgement, current_judgements
from assurance.organisations.access import visible_locations

STEPS = {"1", "2", "3", "4", "5"}
YES = {"1"}


def location_cases(location):
    return ImprovementCase.objects.filter(location=location)


def provider_cases(user, provider):
    """The provider's cases at the locations the user can see, and those locations."""
    locations = list(visible_locations(user).filter(provider=provider))
    return ImprovementCase.objects.filter(location__in=locations), locations


def with_list_data(cases):
    """What a case row shows: location, domain and the current judgement (its flags)."""
    return cases.select_related("location", "domain").prefetch_related(current_judgements())


def filter_cases(cases, params, *, locations=None) -> Filtered:
    """Location (when the list spans several), domain, status and current step; the current
    judgement's level, whether it is above the evidence (`overclaim=1`) and whether the
    evidence changed since it (`stale=1`); newest first."""
    errors = {}
    filters = {
        "location": uuid_value(params, "location", errors) if locations is not None else "",
        "domain": params.get("domain", ""),
        "status": choice(params, "status", CaseStatus.values, errors),
        "step": choice(params, "step", STEPS, errors),
        "level": choice(params, "level", InfluenceLevel.values, errors),
        "overclaim": choice(params, "overclaim", YES, errors),
        "stale": choice(params, "stale", YES, errors),
    }
    if filters["location"] and locations is not None:
        chosen = [loc for loc in locations if str(loc.uuid) == filters["location"]]
        cases = cases.filter(location__in=chosen)
    if filters["domain"]:
        cases = cases.filter(domain__slug=filters["domain"])
    if filters["status"]:
        cases = cases.filter(status=filters["status"])
    if filters["step"]:
        cases = cases.filter(current_step=int(filters["step"]), status=CaseStatus.OPEN)
    judgements = ProportionalityJudgement.objects.current()
    if filters["level"]:
        cases = cases.filter(id__in=judgements.filter(level=filters["level"]).values("case_id"))
    if filters["overclaim"]:
        cases = cases.filter(id__in=judgements.exceeding().values("case_id"))
    if filters["stale"]:
        cases = cases.filter(id__in=judgements.evidence_changed().values("case_id"))
    return Filtered(cases.order_by("-opened_at", "-id"), filters, errors)
