"""Against the demo: another provider's objects are a 404 on every endpoint, lists show only
what the caller can see, and every page of every list costs the same queries."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api import services as api_services
from assurance.cases.models import ImprovementCase
from assurance.demo import loader as demo
from assurance.escalations.models import Escalation
from assurance.organisations.models import Location, Provider, Team
from assurance.reviews.models import Review
from evidence.models import EvidenceFile, EvidenceItem
from reports.models import ReportKind, ReportRun, RunStatus
from tests.api.conftest import Api, make_token
from tests.assurance.reviews.conftest import escalation, monthly_review
from tests.builders import add_evidence, complete_step, open_case

pytestmark = pytest.mark.django_db
User = get_user_model()

LISTS = [
    "provider-list",
    "location-list",
    "team-list",
    "case-list",
    "evidence-list",
    "escalation-list",
    "review-list",
    "reportrun-list",
]


def _all(name):
    """Escalation lists show open ones by default, as the pages do: ask for all."""
    return {"status": "all"} if name == "escalation-list" else {}


def as_user(client, username):
    return Api(client, make_token(User.objects.get(username=username)))


@pytest.fixture
def seeded():
    demo.seed()
    oakfield = Provider.objects.get(slug="oakfield-care")
    case = ImprovementCase.objects.filter(location__provider=oakfield).first()
    run = ReportRun.objects.create(
        kind=ReportKind.PACK,
        provider=oakfield,
        location=case.location,
        case=case,
        data_cutoff=timezone.now(),
        requested_by=User.objects.get(username="viewer"),
        status=RunStatus.DONE,
        sha256="00" * 32,
    )
    return oakfield, run


def _oakfield_urls(oakfield, run):
    def first(model, **scope):
        return model.objects.filter(**scope).first().uuid

    urls = {
        "provider": reverse("api:provider-detail", args=[oakfield.slug]),
        "location": reverse("api:location-detail", args=[first(Location, provider=oakfield)]),
        "team": reverse("api:team-detail", args=[first(Team, location__provider=oakfield)]),
        "case": reverse(
            "api:case-detail", args=[first(ImprovementCase, location__provider=oakfield)]
        ),
        "evidence": reverse(
            "api:evidence-detail", args=[first(EvidenceItem, case__location__provider=oakfield)]
        ),
        "escalation": reverse(
            "api:escalation-detail", args=[first(Escalation, case__location__provider=oakfield)]
        ),
        "review": reverse("api:review-detail", args=[first(Review, provider=oakfield)]),
        "report run": reverse("api:reportrun-detail", args=[run.uuid]),
        "report download": reverse("api:reportrun-download", args=[run.uuid]),
        "file download": reverse(
            "api:evidence-file-download",
            args=[first(EvidenceFile, item__case__location__provider=oakfield)],
        ),
    }
    return urls


def test_an_outsider_gets_404_for_every_oakfield_object(client, seeded):
    oakfield, run = seeded
    urls = _oakfield_urls(oakfield, run)
    api = as_user(client, "outsider")
    for name, url in urls.items():
        response = api.get(url)
        assert response.status_code == 404, name
        assert "detail" in response.json(), name
    # The same objects are there for a viewer of Oakfield (the run's file is not, yet).
    viewer = as_user(client, "viewer")
    for name, url in urls.items():
        expected = 404 if name == "report download" else 200
        assert viewer.get(url).status_code == expected, name


def test_an_outsider_lists_only_their_own_provider(client, seeded):
    oakfield, run = seeded
    api = as_user(client, "outsider")
    providers = api.get(reverse("api:provider-list")).json()["results"]
    assert [p["slug"] for p in providers] != [oakfield.slug]
    assert oakfield.slug not in {p["slug"] for p in providers}
    oakfield_ids = {
        "location-list": {
            str(u)
            for u in Location.objects.filter(provider=oakfield).values_list("uuid", flat=True)
        },
        "case-list": {
            str(u)
            for u in ImprovementCase.objects.filter(location__provider=oakfield).values_list(
                "uuid", flat=True
            )
        },
    }
    for name in LISTS:
        rows = api.get(reverse(f"api:{name}"), **_all(name))
        assert rows.status_code == 200, name
        for row in rows.json()["results"]:
            assert row.get("provider", "") != oakfield.slug, (name, row)
            assert row.get("uuid") not in oakfield_ids.get(name, set()), (name, row)
    # Asking for Oakfield by name finds nothing.
    assert api.get(reverse("api:case-list"), provider=oakfield.slug).json()["results"] == []


def test_a_manager_at_one_location_sees_only_that_location(client, seeded):
    api = as_user(client, "homecare.manager")
    locations = api.get(reverse("api:location-list")).json()["results"]
    assert [loc["name"] for loc in locations] == ["Oakfield Home Care"]
    cases = api.get(reverse("api:case-list")).json()["results"]
    assert cases and {c["location"]["name"] for c in cases} == {"Oakfield Home Care"}
    house_case = ImprovementCase.objects.filter(location__name="Oakfield House").first()
    assert api.get(reverse("api:case-detail", args=[house_case.uuid])).status_code == 404


# --- constant queries per page ---------------------------------------------------------------

# The token, the current-role check, the rows, and their prefetches: the caller's roles at
# each location; each evidence item's files; and what the case list's readiness figures and
# flags read (steps, judgements and their key questions, evidence and files, indicators and
# readings, links, teams).
LIST_QUERIES = {
    "provider-list": 3,
    "location-list": 4,
    "team-list": 3,
    "case-list": 11,
    "evidence-list": 4,
    "escalation-list": 3,
    "review-list": 3,
    "reportrun-list": 3,
}


def _count(api, name):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(reverse(f"api:{name}"), **_all(name))
    assert response.status_code == 200, (name, response.content[:300])
    return len(ctx.captured_queries), len(response.json()["results"])


def _rows(location, quality_lead, team, viewer, n, start):
    for i in range(start, start + n):
        case = open_case(location=location, actor=quality_lead, title=f"Case {i}")
        complete_step(case, 1, quality_lead)
        add_evidence(case, quality_lead, team=team)
        escalation(case, days=i - 3)
        monthly_review(case, days=i)
        ReportRun.objects.create(
            kind=ReportKind.PACK,
            provider=location.provider,
            location=location,
            case=case,
            data_cutoff=timezone.now(),
            requested_by=viewer,
        )


def test_every_list_costs_the_same_queries_for_one_row_and_a_full_page(
    client, location, team, quality_lead, viewer, django_assert_max_num_queries, monkeypatch
):
    _rows(location, quality_lead, team, viewer, 1, 0)
    api = Api(client, make_token(viewer))
    # The token's last use is written at most once a minute: keep that write out of the count.
    monkeypatch.setattr(api_services, "TOUCH_EVERY", timedelta(days=1))
    api.get(reverse("api:provider-list"))
    ones = {name: _count(api, name) for name in LISTS}
    _rows(location, quality_lead, team, viewer, 24, 1)
    for name in LISTS:
        with django_assert_max_num_queries(LIST_QUERIES[name]):
            many = _count(api, name)
        assert many[0] == ones[name][0], (name, ones[name], many)
    assert _count(api, "case-list")[1] == 25
    assert _count(api, "evidence-list")[1] == 25
