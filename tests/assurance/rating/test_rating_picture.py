"""Each location's rating picture: published ratings, scores, bands, flat queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.cases.models import StepRecord
from assurance.judgement import services as judgement_services
from domains.models import KeyQuestion
from tests.builders import open_case

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "The spread figure misses two agency-staffed teams we observed informally every night "
    "this month. We have booked formal checks and will re-record if they do not bear this out."
)


def _rating_queries(client, location):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("rating:location_rating", args=[location.uuid]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_it_keeps_the_rating_picture_queries_flat(
    client, location, quality_lead, registered_manager, senior_leader, django_assert_max_num_queries
):
    def judged_case(i):
        case = open_case(location=location, actor=quality_lead, title=f"Case {i}")
        for n in range(1, 5):
            StepRecord.objects.filter(case=case, number=n).update(
                completed_at=timezone.now(), completed_by=quality_lead
            )
        case.current_step = 5
        case.save()
        judgement_services.judgement_record(
            actor=registered_manager,
            actor_roles={"registered_manager"},
            case=case,
            version=1,
            level="contained",
            key_questions=[KeyQuestion.objects.get(slug="safe")],
            not_yet="x",
            rationale="y",
            escalate=False,
        )

    judged_case(0)
    client.force_login(senior_leader)
    one, page = _rating_queries(client, location)
    assert "Case 0" in page and "not a CQC rating" in page
    for i in range(1, 20):
        judged_case(i)
    with django_assert_max_num_queries(24):
        twenty, page = _rating_queries(client, location)
    assert one == twenty
    assert "Case 19" in page


def test_it_computes_the_picture_from_scores_and_flags_a_boundary(
    client, location, registered_manager
):
    from domains.models import QualityStatement

    client.force_login(registered_manager)
    url = reverse("rating:location_rating_update", args=[location.uuid])
    safe = QualityStatement.objects.filter(key_question__slug="safe").order_by("order")
    # 8 Safe statements: five 3s and three 2s = 21/32 = 65.6% -> Good
    for i, qs in enumerate(safe):
        client.post(
            url,
            {
                "form": "score",
                "quality_statement": qs.pk,
                "score": 3 if i < 5 else 2,
                "assessed_on": "2026-10-01",
                "rationale": "Self-assessment",
            },
        )
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert "65.6% · Good" in page
    first = safe[0]
    assert f"{first.code} {first.title}: 3" in page  # each statement named next to its code
    # one more 2 instead of a 3 gives 20/32 = 62.5%: between bands
    client.post(
        url,
        {
            "form": "score",
            "quality_statement": safe[0].pk,
            "score": 2,
            "assessed_on": "2026-10-02",
            "rationale": "Rechecked",
        },
    )
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert "62.5%" in page and "Boundary: Requires improvement or Good" in page
    assert "judgement required" in page


def test_it_says_so_when_the_framework_has_no_scoring(client, location, registered_manager):
    from domains.models import Framework

    Framework.objects.filter(is_current=True).update(has_scoring=False)
    client.force_login(registered_manager)
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert "does not use scoring" in page


def test_it_lets_only_managers_record_published_ratings(
    client, location, team_leader, registered_manager
):
    from assurance.rating.models import PublishedRating

    url = reverse("rating:location_rating_update", args=[location.uuid])
    data = {
        "form": "published",
        "key_question": KeyQuestion.objects.get(slug="safe").pk,
        "rating": "Good",
        "published_on": (timezone.localdate() - timedelta(days=30)),
    }
    client.force_login(team_leader)
    assert client.post(url, data).status_code == 403
    client.force_login(registered_manager)
    assert client.post(url, data).status_code == 302
    assert PublishedRating.objects.get().rating == "Good"


def test_it_shows_not_enough_scores_for_a_partly_scored_key_question(
    client, location, registered_manager
):
    """Hole 7: one of Safe's eight statements scored 4 showed "100.0% · Outstanding"."""
    from domains.models import QualityStatement

    client.force_login(registered_manager)
    url = reverse("rating:location_rating_update", args=[location.uuid])
    # every statement of the other four key questions scored 3 (Good), Safe only one of 8
    for qs in QualityStatement.objects.exclude(key_question__slug="safe"):
        client.post(
            url,
            {
                "form": "score",
                "quality_statement": qs.pk,
                "score": 3,
                "assessed_on": "2026-10-01",
                "rationale": "Self-assessment",
            },
        )
    safe = QualityStatement.objects.filter(key_question__slug="safe").order_by("order")
    client.post(
        url,
        {
            "form": "score",
            "quality_statement": safe[0].pk,
            "score": 4,
            "assessed_on": "2026-10-01",
            "rationale": "Self-assessment",
        },
    )
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert f"Not enough scores (1 of {safe.count()})" in page
    assert "100.0% · Outstanding" not in page
    assert "Indicative overall: judgement required" in page
    assert f"Safe: not enough scores (1 of {safe.count()}), so it is not counted as rated" in page
    assert "75.0% · Good" in page  # the fully scored key questions keep their band


def test_it_leads_with_the_published_rating_and_labels_our_own_view_and_the_framework(
    client, location, registered_manager
):
    client.force_login(registered_manager)
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert page.index("Published CQC rating") < page.index("Our own indicative view")
    assert "Assessed against <strong>" in page
    assert "CQC is withdrawing scoring" in page
    assert "Scores under " in page


def test_no_rating_or_score_is_preselected_and_a_blank_one_is_refused_clearly(
    client, location, registered_manager
):
    from assurance.rating.models import PublishedRating, StatementScore
    from domains.models import QualityStatement

    client.force_login(registered_manager)
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert '<option value="" selected>Choose a rating</option>' in page
    assert '<option value="" selected>Choose a score</option>' in page
    assert 'value="Outstanding" selected' not in page and 'value="4" selected' not in page
    url = reverse("rating:location_rating_update", args=[location.uuid])
    response = client.post(
        url,
        {
            "form": "published",
            "key_question": KeyQuestion.objects.get(slug="safe").pk,
            "rating": "",
            "published_on": "2026-10-01",
        },
    )
    assert response.status_code == 200 and "Choose a rating." in response.content.decode()
    response = client.post(
        url,
        {
            "form": "score",
            "quality_statement": QualityStatement.objects.first().pk,
            "score": "",
            "assessed_on": "2026-10-01",
            "rationale": "Kept when refused",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Choose a score." in page
    assert "Kept when refused" in page
    assert not PublishedRating.objects.exists() and not StatementScore.objects.exists()
