"""Evidence changed since the judgement shows wherever people look (hole 13 of "Honest
figures over time"): case lists, My work, the case page, the quarterly review page, a
notification."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.judgement.models import ProportionalityJudgement
from assurance.reviews.cadence import current_period
from assurance.reviews.models import Notification, ReviewKind
from assurance.reviews.services import cadence, review_for_period
from tests.builders import add_evidence, complete_step, open_case, post_judgement

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(client, location, team, quality_lead, registered_manager, deputy_manager, team_leader):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, team=team)
    for number, actor in [
        (1, quality_lead),
        (2, registered_manager),
        (3, deputy_manager),
        (4, team_leader),
    ]:
        complete_step(case, number, actor)
    client.force_login(registered_manager)
    post_judgement(client, case, "contained")
    return case


def _add_through_the_page(client, case):
    return client.post(
        reverse("casework:evidence_add", args=[case.uuid]),
        {
            "source": "feedback",
            "category": _category_id(),
            "occurred_on": "2026-11-20",
            "stance": "contradicts",
            "summary": "Relatives say night checks were missed twice.",
        },
    )


def _category_id():
    from domains.models import EvidenceCategory

    return EvidenceCategory.objects.get(name="Processes").pk


def test_hole_13_the_change_shows_on_lists_my_work_and_as_a_notification(
    client, judged, registered_manager
):
    assert _add_through_the_page(client, judged).status_code == 302
    judgement = ProportionalityJudgement.objects.current().with_changes().get(case=judged)
    assert judgement.change_summary == ["1 item added", "1 item contradicting"]

    listing = client.get(reverse("casework:location_cases", args=[judged.location.uuid]))
    assert "Evidence changed since the judgement: 1 item added, 1 item contradicting" in (
        listing.content.decode()
    )
    my_work = client.get(reverse("casework:my_work")).content.decode()
    assert "Judgements to confirm" in my_work and judged.title in my_work
    # The case page counts the same changes in the rows it loaded for its figures.
    page = client.get(reverse("casework:case_detail", args=[judged.uuid])).content.decode()
    assert "(1 item added, 1 item contradicting)" in page

    notice = Notification.objects.get(user=registered_manager)
    assert notice.title == "Evidence changed since the judgement"
    assert "1 item contradicting" in notice.items[0]["label"]
    assert "the evidence now supports" in notice.items[0]["label"]
    # a second change updates the same unread notice rather than adding another
    _add_through_the_page(client, judged)
    assert Notification.objects.filter(user=registered_manager).count() == 1
    assert "2 items added" in Notification.objects.get(user=registered_manager).items[0]["label"]


def test_hole_13_the_quarterly_review_page_shows_levels_flags_and_changes(
    client, judged, senior_leader
):
    _add_through_the_page(client, judged)
    provider = judged.location.provider
    period = current_period(cadence(ReviewKind.QUARTERLY), timezone.localdate())
    review = review_for_period(kind=ReviewKind.QUARTERLY, provider_id=provider.id, period=period)
    review.save()
    client.force_login(senior_leader)
    page = client.get(reverse("reviews:review_detail", args=[review.uuid])).content.decode()
    assert "Contained" in page
    assert "Evidence changed since the judgement" in page


def test_after_confirming_nothing_is_to_confirm(client, judged):
    _add_through_the_page(client, judged)
    client.post(reverse("casework:judgement_confirm", args=[judged.uuid]))
    judgement = ProportionalityJudgement.objects.current().with_changes().get(case=judged)
    assert judgement.change_summary == []
    assert "Judgements to confirm" not in client.get(reverse("casework:my_work")).content.decode()
