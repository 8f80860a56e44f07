"""The main pages of the product, as the role that uses each one sees it, on the demo data
(assurance/demo). Shared by the 320 px and axe checks."""

from django.urls import reverse

from assurance.cases.models import ImprovementCase
from assurance.demo import loader as demo
from assurance.escalations.models import Escalation
from assurance.organisations.models import Location, Provider, Team
from assurance.reviews.models import Review


def main_pages():
    """[(username, what, url)] in an order that signs each person in once."""
    provider = Provider.objects.get(slug="oakfield-care")
    house = Location.objects.get(name="Oakfield House")
    case = ImprovementCase.objects.get(title=demo.GOVERNANCE_TITLE)
    team = Team.objects.filter(location=house).order_by("name").first()
    escalation = Escalation.objects.filter(case__location=house).order_by("raised_at").first()
    monthly = Review.objects.filter(location=house, kind="monthly").order_by("-due_on").first()
    quarterly = (
        Review.objects.filter(provider=provider, kind="quarterly").order_by("-due_on").first()
    )

    def url(name, *args):
        return reverse(name, args=args)

    pages = [
        ("quality.lead", "home", url("organisations:home")),
        ("quality.lead", "my work", url("casework:my_work")),
        ("quality.lead", "location", url("organisations:location_detail", house.uuid)),
        ("quality.lead", "location cases", url("casework:location_cases", house.uuid)),
        ("quality.lead", "case page", url("casework:case_detail", case.uuid)),
        ("quality.lead", "case summary preview", url("reports:case_summary", case.uuid)),
        ("quality.lead", "edit case", url("casework:case_edit", case.uuid)),
        ("quality.lead", "open a case", url("casework:case_create", house.uuid)),
        (
            "quality.lead",
            "open a case: the form",
            url("casework:case_create", house.uuid) + "?domain=governance",
        ),
        ("quality.lead", "evidence register", url("evidence:location_register", house.uuid)),
        ("quality.lead", "evidence packs", url("reports:location_packs", house.uuid)),
        ("quality.lead", "rating picture", url("rating:location_rating", house.uuid)),
        ("quality.lead", "team", url("organisations:team_detail", team.uuid)),
        ("quality.lead", "notifications", url("reviews:notification_list")),
        ("quality.lead", "password", url("password_change")),
        ("quality.lead", "API tokens", url("api:tokens")),
        ("registered.manager", "my work", url("casework:my_work")),
        ("registered.manager", "reviews", url("reviews:location_reviews", house.uuid)),
        ("registered.manager", "monthly review", url("reviews:review_detail", monthly.uuid)),
        ("registered.manager", "escalations", url("escalations:location_escalations", house.uuid)),
        ("registered.manager", "escalation", url("escalations:escalation_detail", escalation.uuid)),
        ("registered.manager", "raise an escalation", url("escalations:escalation_new", case.uuid)),
        ("registered.manager", "reminders", url("reviews:location_reminders", house.uuid)),
        ("senior.leader", "provider", url("organisations:provider_detail", provider.slug)),
        ("senior.leader", "provider cases", url("casework:provider_cases", provider.slug)),
        ("senior.leader", "provider reviews", url("reviews:provider_reviews", provider.slug)),
        ("senior.leader", "quarterly review", url("reviews:review_detail", quarterly.uuid)),
        (
            "senior.leader",
            "provider escalations",
            url("escalations:provider_escalations", provider.slug),
        ),
        ("senior.leader", "provider reminders", url("reviews:provider_reminders", provider.slug)),
        ("senior.leader", "quarterly reports", url("reports:provider_reports", provider.slug)),
        ("viewer", "case page", url("casework:case_detail", case.uuid)),
    ]
    return pages
