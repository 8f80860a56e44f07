"""Demo data: a provider with two locations, a user per role and an outsider elsewhere,
four worked improvement cases at different stages, escalations, rating pictures, last
quarter's evidence and a review history.

The narrative lives in the JSON files under `data/`; this module reads them in order and
hands each kind of record to a small function that calls the same services a user's actions
call. Every write is keyed on a natural key or skipped when its record is already there, so
running it twice changes nothing.
"""

from datetime import time

from django.db import transaction
from django.utils import timezone

from assurance.demo.cases import case_seed
from assurance.demo.context import Demo, DemoResult, case_specs, read
from assurance.demo.organisations import DEMO_PASSWORD, seed_organisations
from assurance.demo.picture import (
    backdate,
    earlier_evidence,
    escalation_assign,
    escalation_raise,
    rating_picture,
)
from assurance.demo.reviews import seed_reviews

__all__ = [
    "DEMO_PASSWORD",
    "GOVERNANCE_TITLE",
    "RECORD_QUALITY_TITLE",
    "WORKFORCE_TITLE",
    "DemoResult",
    "seed",
]

CASES = {spec["key"]: spec for spec in case_specs()}
GOVERNANCE_TITLE = CASES["governance"]["title"]
RECORD_QUALITY_TITLE = CASES["record-quality"]["title"]
WORKFORCE_TITLE = CASES["workforce-competence"]["title"]


@transaction.atomic
def seed(today=None) -> DemoResult:
    demo = Demo(today=today or timezone.localdate(), cases=CASES)
    seed_organisations(demo, read("organisations.json"))
    for spec in CASES.values():
        case_seed(demo, spec)
    escalations = read("escalations.json")
    for spec in escalations["assign"]:
        escalation_assign(demo, spec)
    for spec in escalations["raise"]:
        escalation_raise(demo, spec)
    ratings = read("ratings.json")
    for spec in ratings["locations"]:
        rating_picture(demo, spec, ratings["rationales"])
    last_quarter = read("last-quarter.json")
    for spec in last_quarter["evidence"]:
        earlier_evidence(demo, spec)
    at = time.fromisoformat(last_quarter["backdate"]["time"])
    for slug in last_quarter["backdate"]["providers"]:
        backdate(slug, at)
    seed_reviews(demo, read("reviews.json"))
    return demo.result
